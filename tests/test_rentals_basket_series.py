"""Rentals: the basket (one request per owner), weekly series of halls (DST) and waitlist offers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.notifications import Notification
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals.models import BasketItem, Booking, Reservation, Resource
from tenants.context import BRUSSELS, tenant_context
from tenants.models import Tenant
from tests.rentals_helpers import make_reservation, make_resource, next_weekday


def _as(world, tenant, role="dienst"):
    user = world.user(tenant, role)
    return tenant_context(user.tenant_id, user_id=user.id)


def _fmt(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def _line(rid, start, hours=24, **extra):
    return {"resource_id": str(rid), "starts_at": _fmt(start), "ends_at": _fmt(start + timedelta(hours=hours)), **extra}


def _reservations(world, tenant="partner"):
    with _as(world, tenant):
        db.session.expire_all()
        return list(db.session.scalars(select(Reservation).order_by(Reservation.id)))


def _notes(user, like):
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.dedupe_key.like(like))
        )
    )


# -- basket ---------------------------------------------------------------------------------


def test_basket_becomes_one_request_per_owner_with_frozen_prices(world, login_as):
    podium = make_resource(world, "Podium mandje")
    hekken = make_resource(
        world,
        "Nadarhekken mandje",
        quantity=200,
        unit="stuk_dag",
        price_partner=Decimal("1.5"),
        delivery_available=True,
        delivery_cost=Decimal("35"),
    )
    own = make_resource(world, "Eigen geluid", tenant="partner", shared=False, price_own=Decimal("10"))
    start = next_weekday(16)
    client = login_as(world.user("partner", "dienst"))
    for data in (
        _line(podium, start, purpose="Kermis"),
        _line(hekken, start, quantity="40", handover_mode="levering"),
        _line(own, start),
    ):
        assert client.post("/partner/verhuur/mandje/toevoegen", data=data).status_code == 302
    page = client.get("/partner/verhuur/mandje").get_data(as_text=True)
    assert "Aanvraag bij Gemeente Owner" in page and "Aanvraag bij Gemeente Partner" in page
    assert "75,50" in page and "60,00" in page  # partner tariff; 40 hekken x 1 dag x 1,50
    assert "35,00" in page and "180,50" in page  # the delivery of the hekken counts in the total (+10 own)
    assert "Mandje versturen (2 aanvragen)" in page
    sent = client.post("/partner/verhuur/mandje/versturen")
    assert sent.status_code == 302
    rows = _reservations(world)
    assert len(rows) == 3 and {r.status for r in rows} == {"aangevraagd"}
    keys = {r.owner_tenant_id: r.group_key for r in rows}
    assert len(set(keys.values())) == 2 and all(r.group_kind == "mand" for r in rows)
    hek = next(r for r in rows if r.resource_name == "Nadarhekken mandje")
    assert hek.price == Decimal("60.00") and (hek.handover_mode, hek.delivery_cost) == ("levering", Decimal("35.00"))
    with _as(world, "partner"):
        assert db.session.scalar(select(func.count()).select_from(BasketItem)) == 0
    # The owner hears once about its request group, not once per line.
    staff = world.user("owner", "dienst")
    assert len(_notes(staff, "rentals:group:%")) == 1
    assert _notes(staff, "rentals:request:%") == []
    owner_key = keys[world.tenants["owner"].id]
    owner_page = login_as(staff).get(f"/owner/verhuur/aanvragen/groep/{owner_key}").get_data(as_text=True)
    assert "Podium mandje" in owner_page and "Nadarhekken mandje" in owner_page and "Eigen geluid" not in owner_page
    assert "levering" in owner_page


def test_basket_with_a_taken_line_creates_nothing_and_keeps_the_basket(world, login_as):
    free = make_resource(world, "Tent vrij")
    taken = make_resource(world, "Podium bezet")
    start = next_weekday(18)
    make_reservation(world, taken, tenant="owner", start=start, hours=72)
    client = login_as(world.user("partner", "dienst"))
    client.post("/partner/verhuur/mandje/toevoegen", data=_line(free, start))
    client.post("/partner/verhuur/mandje/toevoegen", data=_line(taken, start + timedelta(hours=2)))
    sent = client.post("/partner/verhuur/mandje/versturen")
    assert sent.status_code == 409
    text = sent.get_data(as_text=True)
    assert "Er is niets aangevraagd." in text and "Regel 2 (Podium bezet" in text and "al gereserveerd" in text
    assert "Regel 1" not in text
    assert _reservations(world) == []
    with _as(world, "partner"):
        assert db.session.scalar(select(func.count()).select_from(BasketItem)) == 2
    # Through the API: the same 409 and still nothing created.
    api = client.post("/api/v1/rentals/basket/submit")
    assert api.status_code == 409 and "Regel 2" in str(api.get_json())
    assert _reservations(world) == []


def test_basket_drops_what_is_no_longer_visible_with_a_message(world, login_as):
    kept = make_resource(world, "Podium blijft")
    gone = make_resource(world, "Hoogtewerker weg", category="hoogtewerker")
    start = next_weekday(20)
    client = login_as(world.user("partner", "dienst"))
    client.post("/partner/verhuur/mandje/toevoegen", data=_line(kept, start))
    client.post("/partner/verhuur/mandje/toevoegen", data=_line(gone, start))
    owner = world.user("owner", "dienst")
    with tenant_context(owner.tenant_id, user_id=owner.id):
        ops.update_resource(db.session.get(Resource, gone), {"audience": "own"})
        db.session.commit()
    refused = client.post("/partner/verhuur/mandje/versturen")
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "Hoogtewerker weg" in text and "uit het mandje gehaald" in text
    assert _reservations(world) == []
    assert client.post("/partner/verhuur/mandje/versturen").status_code == 302
    assert [r.resource_name for r in _reservations(world)] == ["Podium blijft"]


def test_basket_items_belong_to_one_user_and_bad_input_is_refused(world, login_as):
    rid = make_resource(world, "Podium eigen mandje")
    start = next_weekday(15)
    client = login_as(world.user("partner", "dienst"))
    bad = client.post("/partner/verhuur/mandje/toevoegen", data=_line(rid, start - timedelta(days=30)))
    assert bad.status_code == 422 and "verleden" in bad.get_data(as_text=True)
    garbage = client.post("/partner/verhuur/mandje/toevoegen", data={**_line(rid, start), "handover_mode": "drone"})
    assert garbage.status_code == 422
    assert client.post("/partner/verhuur/mandje/toevoegen", data=_line(rid, start)).status_code == 302
    with _as(world, "partner"):
        item_id = db.session.scalar(select(BasketItem.id))
    colleague = login_as(world.user("partner", "ad"))
    assert "Podium eigen mandje" not in colleague.get("/partner/verhuur/mandje").get_data(as_text=True)
    assert colleague.post(f"/partner/verhuur/mandje/{item_id}/verwijderen").status_code == 404
    empty = colleague.post("/partner/verhuur/mandje/versturen")
    assert empty.status_code == 422 and "leeg" in empty.get_data(as_text=True)
    raadslid = login_as(world.user("partner", "raadslid"))
    assert raadslid.post("/partner/verhuur/mandje/toevoegen", data=_line(rid, start)).status_code == 403


def test_owner_decides_a_basket_request_per_line_or_as_a_whole(world, login_as):
    a = make_resource(world, "Podium groep")
    b = make_resource(world, "Tent groep")
    start = next_weekday(17)
    client = login_as(world.user("partner", "dienst"))
    client.post("/partner/verhuur/mandje/toevoegen", data=_line(a, start))
    client.post("/partner/verhuur/mandje/toevoegen", data=_line(b, start))
    client.post("/partner/verhuur/mandje/versturen")
    key = _reservations(world)[0].group_key
    owner = login_as(world.user("owner", "dienst"))
    with _as(world, "owner"):
        first = ops.group_bookings(key)[0].id
    assert owner.post(f"/owner/verhuur/aanvragen/{first}/beslissen", data={"action": "weigeren"}).status_code == 302
    assert owner.post(f"/owner/verhuur/aanvragen/groep/{key}/beslissen", data={"action": "x"}).status_code == 422
    done = owner.post(f"/owner/verhuur/aanvragen/groep/{key}/beslissen", data={"action": "goedkeuren", "note": "Ok"})
    assert done.status_code == 302
    assert sorted(r.status for r in _reservations(world)) == ["geweigerd", "goedgekeurd"]
    again = owner.post(f"/owner/verhuur/aanvragen/groep/{key}/beslissen", data={"action": "goedkeuren"})
    assert again.status_code == 409
    requester = world.user("partner", "dienst")
    assert len(_notes(requester, f"rentals:group-decision:{key}:%")) == 1
    # Another tenant's key answers 404 everywhere.
    outsider = login_as(world.user("outsider", "dienst"))
    assert outsider.get(f"/outsider/verhuur/aanvragen/groep/{key}").status_code == 404
    assert outsider.get(f"/outsider/verhuur/reservaties/groep/{key}").status_code == 404
    assert outsider.get("/outsider/verhuur/reservaties/groep/not-a-key").status_code == 404


def test_basket_through_the_api(world, login_as):
    rid = make_resource(world, "Podium API-mandje")
    start = next_weekday(19)
    client = login_as(world.user("partner", "dienst"))
    body = {"resource_id": rid, "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=8)).isoformat()}
    added = client.post("/api/v1/rentals/basket", json={**body, "purpose": "Fuif"})
    assert added.status_code == 201, added.get_json()
    basket = client.get("/api/v1/rentals/basket").get_json()
    assert basket["total_price"] == "75.50" and basket["lines"][0]["owner"]["slug"] == "owner"
    assert client.post("/api/v1/rentals/basket", json={**body, "quantity": 5}).status_code == 422
    sent = client.post("/api/v1/rentals/basket/submit")
    assert sent.status_code == 201, sent.get_json()
    group = sent.get_json()["groups"][0]
    assert group["reservations"][0]["group_key"] == group["group_key"]
    assert client.get(f"/api/v1/rentals/reservation-groups/{group['group_key']}").status_code == 200
    assert client.post("/api/v1/rentals/basket/submit").status_code == 422


# -- weekly series --------------------------------------------------------------------------


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def _next_dst_change(month: int) -> date:
    """Return the next last Sunday of ``month`` at least three weeks away (the series starts before it)."""
    today = utcnow().date()
    for year in range(today.year, today.year + 3):
        sunday = _last_sunday(year, month)
        if sunday - timedelta(days=12) > today + timedelta(days=2):
            return sunday
    raise AssertionError("no DST change found")


def _hall(world, name="Zaal De Kring", **extra):
    return make_resource(world, name, kind="zaal", category="zaal", unit="uur", price_partner=Decimal("20"), **extra)


def _series(rid, first, last, mode="alles", **extra):
    return {
        "resource_id": str(rid),
        "first_on": first.isoformat(),
        "last_on": last.isoformat(),
        "starts_time": "19:00",
        "ends_time": "22:00",
        "purpose": "Repetitie harmonie",
        "mode": mode,
        **extra,
    }


def test_series_keeps_the_wall_clock_across_the_march_dst_change_and_skips_closing_days(world, login_as):
    sunday = _next_dst_change(3)
    tuesdays = [sunday - timedelta(days=12), sunday - timedelta(days=5), sunday + timedelta(days=2)]
    closing = sunday + timedelta(days=9)
    with tenant_context(None, is_platform=True):
        tenant = db.session.get(Tenant, world.tenants["owner"].id)
        tenant.settings = {**(tenant.settings or {}), "closing_days": [closing.strftime("%m-%d")]}
        db.session.commit()
    rid = _hall(world)
    client = login_as(world.user("partner", "dienst"))
    made = client.post("/partner/verhuur/reeksen/nieuw", data=_series(rid, tuesdays[0], closing))
    assert made.status_code == 302, made.get_data(as_text=True)[:2000]
    rows = sorted(_reservations(world), key=lambda r: r.starts_at)
    assert [r.starts_at.astimezone(BRUSSELS).date() for r in rows] == tuesdays
    assert all(r.starts_at.astimezone(BRUSSELS).strftime("%H:%M") == "19:00" for r in rows)
    assert all(r.ends_at.astimezone(BRUSSELS).strftime("%H:%M") == "22:00" for r in rows)
    # CET (UTC+1) before the last Sunday of March, CEST (UTC+2) after.
    assert [r.starts_at.astimezone(UTC).hour for r in rows] == [18, 18, 17]
    assert {r.group_kind for r in rows} == {"reeks"} and len({r.group_key for r in rows}) == 1
    assert all(r.price == Decimal("60.00") for r in rows)  # 3 hours x 20
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Overgeslagen" in page and closing.strftime("%d/%m/%Y") in page and "Sluitingsdag" in page
    staff = world.user("owner", "dienst")
    assert len(_notes(staff, "rentals:group:%")) == 1 and _notes(staff, "rentals:request:%") == []


def test_series_across_the_october_dst_change(world):
    sunday = _next_dst_change(10)
    rid = _hall(world, "Zaal oktober")
    user = world.user("partner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        data = {
            "resource_id": rid,
            "first_on": sunday - timedelta(days=5),
            "last_on": sunday + timedelta(days=9),
            "starts_time": "19:00",
            "ends_time": "22:00",
            "mode": "alles",
        }
        result = ops.request_series(db.session.get(Resource, rid), data, user=user)
        db.session.commit()
        rows = [SimpleNamespace(starts_at=r.starts_at, ends_at=r.ends_at) for r in result["reservations"]]
    before = [r for r in rows if r.starts_at.astimezone(BRUSSELS).date() < sunday]
    after = [r for r in rows if r.starts_at.astimezone(BRUSSELS).date() > sunday]
    assert before and after
    assert {r.starts_at.astimezone(UTC).hour for r in before} == {17}  # CEST, UTC+2
    assert {r.starts_at.astimezone(UTC).hour for r in after} == {18}  # CET, UTC+1
    assert all(r.starts_at.astimezone(BRUSSELS).hour == 19 for r in rows)
    assert all((r.ends_at - r.starts_at) == timedelta(hours=3) for r in rows)
    # 1 November (Allerheiligen) falls on the Tuesday after the change in some years: skipped, not booked.
    assert len(rows) + len(result["skipped"]) == 3


def test_series_all_or_nothing_or_only_the_free_dates(world, login_as):
    rid = _hall(world, "Zaal bezet")
    first = next_weekday(21, hour=19).date()
    taken = first + timedelta(days=7)
    make_reservation(world, rid, tenant="owner", start=ops.brussels(taken, "18:00").astimezone(BRUSSELS), hours=2)
    client = login_as(world.user("partner", "dienst"))
    form = _series(rid, first, first + timedelta(days=21))
    refused = client.post("/partner/verhuur/reeksen/nieuw", data=form)
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "Er is niets gereserveerd" in text and taken.strftime("%d/%m/%Y") in text
    assert 'value="Repetitie harmonie"' in text  # the form keeps the input
    assert _reservations(world) == []
    made = client.post("/partner/verhuur/reeksen/nieuw", data={**form, "mode": "vrije"})
    assert made.status_code == 302
    dates = sorted(r.starts_at.astimezone(BRUSSELS).date() for r in _reservations(world))
    assert dates == [first, first + timedelta(days=14), first + timedelta(days=21)]
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Al bezet, niet aangevraagd" in page and taken.strftime("%d/%m/%Y") in page


def test_series_refuses_material_too_many_weeks_and_bad_hours(world, login_as):
    podium = make_resource(world, "Podium geen zaal")
    hall = _hall(world, "Zaal lang")
    first = next_weekday(15).date()
    client = login_as(world.user("partner", "dienst"))
    material = client.post("/partner/verhuur/reeksen/nieuw", data=_series(podium, first, first + timedelta(days=7)))
    assert material.status_code == 422 and "enkel voor een zaal" in material.get_data(as_text=True)
    long = client.post("/partner/verhuur/reeksen/nieuw", data=_series(hall, first, first + timedelta(weeks=60)))
    assert long.status_code == 422 and "hoogstens 52" in long.get_data(as_text=True)
    hours = client.post(
        "/partner/verhuur/reeksen/nieuw", data=_series(hall, first, first + timedelta(days=7), ends_time="18:00")
    )
    assert hours.status_code == 422 and "einduur" in hours.get_data(as_text=True)
    assert client.get(f"/partner/verhuur/reeksen/nieuw?resource_id={hall}").status_code == 200
    assert _reservations(world) == []


def test_owner_decides_a_series_as_a_whole_and_the_requester_cancels_one_or_all(world, login_as):
    rid = _hall(world, "Zaal reeks")
    first = next_weekday(15).date()
    client = login_as(world.user("partner", "dienst"))
    client.post("/partner/verhuur/reeksen/nieuw", data=_series(rid, first, first + timedelta(days=21)))
    rows = _reservations(world)
    key, second = rows[0].group_key, rows[1].id
    assert len(rows) == 4
    owner = login_as(world.user("owner", "dienst"))
    with _as(world, "owner"):
        one = ops.group_bookings(key)[0].id
    single = owner.post(f"/owner/verhuur/aanvragen/{one}/beslissen", data={"action": "goedkeuren"})
    assert single.status_code == 409 and "in één keer" in single.get_data(as_text=True)
    assert (
        owner.post(f"/owner/verhuur/aanvragen/groep/{key}/beslissen", data={"action": "goedkeuren"}).status_code == 302
    )
    assert {r.status for r in _reservations(world)} == {"goedgekeurd"}
    client = login_as(world.user("partner", "dienst"))
    assert client.post(f"/partner/verhuur/reservaties/{second}/annuleren").status_code == 302
    assert sorted(r.status for r in _reservations(world)).count("geannuleerd") == 1
    assert client.post(f"/partner/verhuur/reservaties/groep/{key}/annuleren").status_code == 302
    assert {r.status for r in _reservations(world)} == {"geannuleerd"}
    assert client.post(f"/partner/verhuur/reservaties/groep/{key}/annuleren").status_code == 409


def test_series_through_the_api(world, login_as):
    rid = _hall(world, "Zaal API")
    first = next_weekday(15).date()
    client = login_as(world.user("partner", "dienst"))
    body = {
        "resource_id": rid,
        "first_on": first.isoformat(),
        "last_on": (first + timedelta(days=14)).isoformat(),
        "starts_time": "19:00",
        "ends_time": "22:00",
        "mode": "vrije",
    }
    made = client.post("/api/v1/rentals/series", json=body)
    assert made.status_code == 201, made.get_json()
    key = made.get_json()["group_key"]
    assert len(made.get_json()["reservations"]) == 3
    owner = login_as(world.user("owner", "dienst"))
    decided = owner.post(f"/api/v1/rentals/booking-groups/{key}/decision", json={"action": "weigeren", "note": "Vol"})
    assert decided.status_code == 200 and {b["status"] for b in decided.get_json()["bookings"]} == {"geweigerd"}
    assert client.post("/api/v1/rentals/series", json={**body, "ends_time": "18:00"}).status_code == 422


# -- waitlist offers ------------------------------------------------------------------------


def _waitlist(world, rid, start, user, quantity=1):
    with tenant_context(user.tenant_id, user_id=user.id):
        data = {
            "starts_at": start,
            "ends_at": start + timedelta(hours=10),
            "quantity": quantity,
            "waitlist": True,
            "purpose": user.email,
        }
        entry = ops.request_reservation(db.session.get(Resource, rid), data, user=user)
        db.session.commit()
        assert entry.status == "wachtlijst"
        return entry.id, entry.booking_id


def _status(world, booking_id):
    with _as(world, "owner"):
        db.session.expire_all()
        return db.session.get(Booking, booking_id).status


def test_offer_holds_the_slot_expires_and_moves_to_the_next_once(world, mailbox):
    rid = make_resource(world, "Podium aanbod")
    start = next_weekday(20)
    blocking, _b = make_reservation(world, rid, tenant="owner", start=start, hours=24)
    first_user, second_user = world.user("partner", "dienst"), world.user("partner", "ad")
    first, first_booking = _waitlist(world, rid, start, first_user)
    second, second_booking = _waitlist(world, rid, start, second_user)
    with _as(world, "owner"):
        ops.cancel_reservation(db.session.get(Reservation, blocking))
        db.session.commit()
    assert _status(world, first_booking) == "aangeboden" and _status(world, second_booking) == "wachtlijst"
    assert len(_notes(first_user, f"rentals:offer:{first_booking}")) == 1
    # The held slot is occupied: a new request for it is refused.
    with pytest.raises(DomainError, match="al gereserveerd"):
        make_reservation(world, rid, tenant="owner", start=start + timedelta(hours=1), hours=2)
    db.session.rollback()
    with _as(world, "owner"):
        expires = db.session.get(Booking, first_booking).offer_expires_at
    assert timedelta(hours=47) < expires - utcnow() <= timedelta(hours=48)
    with _as(world, "owner"):
        assert ops.expire_offers(utcnow()) == 0  # not yet due
        assert ops.expire_offers(expires) == 1
        db.session.commit()
    assert _status(world, first_booking) == "geannuleerd" and _status(world, second_booking) == "aangeboden"
    with _as(world, "owner"):
        # Idempotent: a second run at the same moment ends nothing (the new offer runs 48 h from now).
        assert ops.expire_offers(expires) == 0
        db.session.commit()
    assert len(_notes(second_user, f"rentals:offer:{second_booking}")) == 1
    assert len(_notes(first_user, f"rentals:offer-expired:{first_booking}")) == 1
    # The expired offer can no longer be accepted; the second one declines and nobody is waiting.
    with tenant_context(first_user.tenant_id, user_id=first_user.id):
        with pytest.raises(DomainError, match="geen open aanbod"):
            ops.accept_offer(db.session.get(Reservation, first), user=first_user)
        db.session.rollback()
        ops.decline_offer(db.session.get(Reservation, second))
        db.session.commit()
    assert _status(world, second_booking) == "geannuleerd"
    # Each offer mail went out exactly once, to the person it was for.
    for person in (first_user, second_user):
        offers = [m for m in mailbox.to(person.email) if "Plaats vrijgekomen" in str(m["Subject"])]
        assert len(offers) == 1, [str(m["Subject"]) for m in mailbox.to(person.email)]


def test_expired_offer_cannot_be_accepted_and_the_task_ends_it(world, login_as, app):
    from tasks.rentals import SCHEDULE, offers

    rid = make_resource(world, "Tent aanbod", quantity=10, unit="stuk_dag", category="tent")
    start = next_weekday(22)
    blocking, _b = make_reservation(world, rid, tenant="owner", start=start, hours=24, quantity=8)
    user = world.user("partner", "dienst")
    entry, booking_id = _waitlist(world, rid, start, user, quantity=5)
    with _as(world, "owner"):
        ops.cancel_reservation(db.session.get(Reservation, blocking))
        booking = db.session.get(Booking, booking_id)
        booking.offer_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    client = login_as(user)
    late = client.post(f"/partner/verhuur/reservaties/{entry}/aanbod", data={"action": "aanvaarden"})
    assert late.status_code == 409 and "verlopen" in late.get_data(as_text=True)
    assert client.post(f"/partner/verhuur/reservaties/{entry}/aanbod", data={"action": "?"}).status_code == 422
    assert offers.run() >= 1
    assert _status(world, booking_id) == "geannuleerd"
    assert offers.run() == 0
    assert SCHEDULE["rentals-offers"]["task"] == "portal.rentals.offers"


def test_offer_hours_are_configurable_and_accept_through_the_api(world, login_as, app):
    app.config["PORTAL_RENTALS_OFFER_HOURS"] = 2
    rid = make_resource(world, "Podium API-aanbod")
    start = next_weekday(20)
    blocking, _b = make_reservation(world, rid, tenant="owner", start=start, hours=24)
    user = world.user("partner", "dienst")
    entry, booking_id = _waitlist(world, rid, start, user)
    with _as(world, "owner"):
        ops.cancel_reservation(db.session.get(Reservation, blocking))
        db.session.commit()
    client = login_as(user)
    shown = client.get(f"/api/v1/rentals/reservations/{entry}").get_json()
    assert shown["status"] == "aangeboden"
    expires = datetime.fromisoformat(shown["offer_expires_at"])
    assert timedelta(hours=1) < expires - utcnow() <= timedelta(hours=2)
    accepted = client.post(f"/api/v1/rentals/reservations/{entry}/offer", json={"action": "aanvaarden"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "aangevraagd"
    assert _status(world, booking_id) == "aangevraagd"
    again = client.post(f"/api/v1/rentals/reservations/{entry}/offer", json={"action": "aanvaarden"})
    assert again.status_code == 409


def test_demo_has_a_weekly_series_of_a_hall(monkeypatch):
    from portal.demo import load_demo
    from portal.rentals import demo

    monkeypatch.setattr("portal.features.demo_loaders", lambda: [("rentals", demo.load)])
    load_demo()
    assert demo._series_demo({t.slug: t for t in db.session.scalars(select(Tenant))}) == 0  # idempotent
    tenants = {t.slug: t.id for t in db.session.scalars(select(Tenant))}
    with tenant_context(tenants["zandhoven"]):
        rows = db.session.scalars(select(Reservation).where(Reservation.group_kind == "reeks")).all()
        assert 6 <= len(rows) <= 8 and len({r.group_key for r in rows}) == 1
        assert {r.starts_at.astimezone(BRUSSELS).strftime("%a %H:%M") for r in rows} == {"Tue 19:00"}


def test_availability_search_puts_a_hit_in_the_basket_and_lists_link_the_group(world, login_as):
    rid = make_resource(world, "Podium zoeken")
    start = next_weekday(16)
    client = login_as(world.user("partner", "dienst"))
    query = {"starts_at": _fmt(start), "ends_at": _fmt(start + timedelta(hours=6))}
    page = client.get("/partner/verhuur/beschikbaarheid", query_string=query).get_data(as_text=True)
    assert "Podium zoeken" in page and "In mandje" in page
    assert client.post("/partner/verhuur/mandje/toevoegen", data={"resource_id": str(rid), **query}).status_code == 302
    assert client.post("/partner/verhuur/mandje/versturen").status_code == 302
    key = _reservations(world)[0].group_key
    listing = client.get("/partner/verhuur/reservaties").get_data(as_text=True)
    assert f"/partner/verhuur/reservaties/groep/{key}" in listing
    owner_list = login_as(world.user("owner", "dienst")).get("/owner/verhuur/aanvragen").get_data(as_text=True)
    assert f"/owner/verhuur/aanvragen/groep/{key}" in owner_list


def test_a_full_year_series_has_52_occurrences_and_53_are_refused(world):
    rid = _hall(world, "Zaal jaar")
    first = next_weekday(15).date()
    user = world.user("partner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        hall = db.session.get(Resource, rid)
        base = {"resource_id": rid, "first_on": first, "starts_time": "19:00", "ends_time": "22:00", "mode": "vrije"}
        with pytest.raises(DomainError, match="hoogstens 52"):
            ops.request_series(hall, {**base, "last_on": first + timedelta(weeks=52)}, user=user)
        result = ops.request_series(hall, {**base, "last_on": first + timedelta(weeks=51)}, user=user)
        db.session.commit()
        assert len(result["reservations"]) + len(result["skipped"]) == 52
        assert len(result["reservations"]) >= 48  # a year has only a few weekday holidays
        assert all(r.starts_at.astimezone(BRUSSELS).hour == 19 for r in result["reservations"])


def test_a_year_of_weeks_is_written_in_batches_with_both_rows_and_frozen_prices(world):
    from sqlalchemy import event

    rid = _hall(world, "Zaal batch")
    first = next_weekday(15).date()
    user = world.user("partner", "dienst")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with tenant_context(user.tenant_id, user_id=user.id):
        hall = db.session.get(Resource, rid)
        data = {
            "resource_id": rid,
            "first_on": first,
            "last_on": first + timedelta(weeks=51),
            "starts_time": "19:00",
            "ends_time": "22:00",
            "mode": "vrije",
            "purpose": "Wekelijkse repetitie",
        }
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            result = ops.request_series(hall, data, user=user)
            db.session.flush()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        rows = result["reservations"]
        # Per row request_reservation took ~13 statements (lock, overlap read, tariff, three flushes,
        # their audit entries); the series does each of those once.
        assert len(rows) >= 48 and len(statements) < 4 * len(rows), len(statements)
        tariff = ops.tariff_class_for(user.tenant_id, hall)
        seen = [
            (
                r.id,
                r.booking_id,
                r.status,
                r.price,
                r.deposit,
                r.purpose,
                ops.compute_price(hall, tariff, r.starts_at, r.ends_at, 1),
            )
            for r in rows
        ]
        key = rows[0].group_key
        db.session.commit()
    with tenant_context(world.tenants["owner"].id):
        bookings = db.session.scalars(select(Booking).where(Booking.group_key == key)).all()
    assert len(bookings) == len(seen)
    by_reservation = {b.reservation_id: b for b in bookings}
    for row_id, booking_id, status, price, deposit, purpose, expected in seen:
        booking = by_reservation[row_id]
        assert booking_id == booking.id and status == booking.status == "aangevraagd"
        assert (price, deposit) == (booking.price, booking.deposit) == expected
        assert booking.purpose == purpose == "Wekelijkse repetitie" and booking.group_kind == "reeks"
        assert booking.blocked_until >= booking.ends_at
