"""Rentals: catalogue, tariffs, reservations, decisions, rules and availability."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.core.notifications import Notification
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals.models import Booking, Reservation, Resource
from tenants.context import tenant_context
from tests import clock
from tests.rentals_helpers import accept, make_reservation, make_resource, next_weekday


def _as(world, tenant, role="dienst"):
    user = world.user(tenant, role)
    return tenant_context(user.tenant_id, user_id=user.id)


def _resource(world, rid, tenant="partner"):
    with _as(world, tenant):
        return db.session.scalar(select(Resource).where(Resource.id == rid))


# -- catalogue and visibility ---------------------------------------------------------------


def test_catalogue_is_visible_to_region_partners_only(world):
    shared = make_resource(world, "Podium gedeeld")
    private = make_resource(world, "Podium eigen", shared=False)
    for viewer, expected in [
        ("owner", {shared, private}),
        ("partner", {shared}),
        ("former", set()),
        ("outsider", set()),
    ]:
        with _as(world, viewer):
            ids = set(db.session.scalars(select(Resource.id).where(Resource.id.in_([shared, private]))))
        assert ids == expected, viewer


def test_catalogue_page_lists_own_and_shared(world, login_as):
    make_resource(world, "WC-wagen Ranst")
    client = login_as(world.user("partner", "dienst"))
    page = client.get("/partner/verhuur/")
    assert page.status_code == 200
    assert "WC-wagen Ranst" in page.get_data(as_text=True)
    outsider = login_as(world.user("outsider", "dienst")).get("/outsider/verhuur/")
    assert "WC-wagen Ranst" not in outsider.get_data(as_text=True)


def test_create_resource_form_by_dienst_and_refused_for_raadslid(world, login_as):
    client = login_as(world.user("owner", "raadslid"))
    assert client.get("/owner/verhuur/materieel/nieuw").status_code == 403
    client = login_as(world.user("owner", "dienst"))
    response = client.post(
        "/owner/verhuur/materieel/nieuw",
        data={
            "name": "Nadarhekken",
            "category": "nadarhekken",
            "quantity": "200",
            "unit": "stuk_dag",
            "price_partner": "1,50".replace(",", "."),
            "audience": "own",
        },
    )
    assert response.status_code == 302
    with _as(world, "owner"):
        obj = db.session.scalar(select(Resource).where(Resource.name == "Nadarhekken"))
    assert obj is not None and obj.quantity == 200 and not obj.is_single_unit


def test_bad_resource_form_is_422_and_creates_nothing(world, login_as):
    client = login_as(world.user("owner", "dienst"))
    response = client.post("/owner/verhuur/materieel/nieuw", data={"name": "x", "quantity": "0"})
    assert response.status_code == 422
    assert "tussen 2 en 200" in response.get_data(as_text=True)
    with _as(world, "owner"):
        assert db.session.scalar(select(Resource.id).where(Resource.name == "x")) is None


# -- tariffs --------------------------------------------------------------------------------


def test_price_is_computed_per_tariff_class_and_frozen(world):
    rid = make_resource(world, "Tent", unit="dag", price_own=Decimal("10"), price_partner=Decimal("75.50"))
    res_id, _ = make_reservation(world, rid, hours=48)
    with _as(world, "partner"):
        obj = db.session.get(Reservation, res_id)
        assert (obj.tariff_class, obj.price, obj.deposit) == ("partner", Decimal("151.00"), Decimal("250.00"))
    # A later tariff change does not touch the frozen price.
    with _as(world, "owner"):
        resource = db.session.scalar(select(Resource).where(Resource.id == rid))
        ops.update_resource(resource, {"price_partner": Decimal("999")})
        db.session.commit()
    with _as(world, "partner"):
        db.session.expire_all()
        assert db.session.get(Reservation, res_id).price == Decimal("151.00")
    own_id, _ = make_reservation(world, rid, tenant="owner", start=next_weekday(30), hours=5)
    with _as(world, "owner"):
        own = db.session.get(Reservation, own_id)
        assert (own.tariff_class, own.price) == ("eigen", Decimal("10.00"))


def test_billable_units():
    start = next_weekday()
    assert ops.billable_units("uur", start, start + timedelta(minutes=90), 1) == 2
    assert ops.billable_units("halve_dag", start, start + timedelta(hours=5), 1) == 2
    assert ops.billable_units("dag", start, start + timedelta(hours=25), 1) == 2
    assert ops.billable_units("stuk_dag", start, start + timedelta(hours=24), 40) == 40


def test_price_shown_the_belgian_way(world, login_as):
    rid = make_resource(world, "Geluidsinstallatie", price_partner=Decimal("1234.5"))
    res_id, _ = make_reservation(world, rid, hours=24)
    page = login_as(world.user("partner", "dienst")).get(f"/partner/verhuur/reservaties/{res_id}")
    assert "1.234,50" in page.get_data(as_text=True)


# -- reservations and decisions -------------------------------------------------------------


def test_owner_sees_request_and_requester_sees_only_its_own(world, login_as):
    rid = make_resource(world, "Podium XL")
    res_id, booking_id = make_reservation(world, rid)
    with _as(world, "owner"):
        booking = db.session.get(Booking, booking_id)
        assert booking is not None and booking.requester_tenant_id == world.tenants["partner"].id
        # The requester's row stays the requester's.
        assert db.session.scalar(select(Reservation.id).where(Reservation.id == res_id)) is None
    with _as(world, "partner"):
        assert db.session.scalar(select(Booking.id).where(Booking.id == booking_id)) is None
    owner = login_as(world.user("owner", "dienst"))
    assert "Gemeente Partner" in owner.get(f"/owner/verhuur/aanvragen/{booking_id}").get_data(as_text=True)
    assert owner.get(f"/owner/verhuur/reservaties/{res_id}").status_code == 404


def test_request_notifies_owner_and_decision_notifies_requester(world, mailbox):
    rid = make_resource(world, "Hoogtewerker")
    res_id, booking_id = make_reservation(world, rid)
    owner_staff = world.user("owner", "dienst")
    notes = db.session.scalars(select(Notification).where(Notification.user_id == owner_staff.id)).all()
    assert any("Hoogtewerker" in n.title for n in notes)
    with _as(world, "owner"):
        ops.decide_booking(db.session.get(Booking, booking_id), "goedkeuren", note="Ophalen aan de loods")
        db.session.commit()
    requester = world.user("partner", "dienst")
    notes = db.session.scalars(select(Notification).where(Notification.user_id == requester.id)).all()
    assert any("goedgekeurd" in n.title for n in notes)
    with _as(world, "partner"):
        db.session.expire_all()
        obj = db.session.get(Reservation, res_id)
        assert (obj.status, obj.decision_note) == ("goedgekeurd", "Ophalen aan de loods")
    assert mailbox.to(requester.email)


def test_full_lifecycle_and_wrong_steps(world):
    rid = make_resource(world, "Feesttent")
    start = ops.brussels(next_weekday(2).date(), "09:00")
    res_id, booking_id = make_reservation(world, rid, start=start)
    with _as(world, "owner"):
        booking = db.session.get(Booking, booking_id)
        with pytest.raises(DomainError):
            ops.decide_booking(booking, "afrekenen")
        ops.decide_booking(booking, "goedkeuren")
        db.session.commit()
    accept(world, res_id)
    with _as(world, "owner"):
        booking = db.session.get(Booking, booking_id)
        for action, status, report in [
            ("afhalen", "afgehaald", {"condition": "Nieuw, zonder krassen"}),
            ("terugbrengen", "teruggebracht", {"condition": "Proper", "has_damage": True, "damage_report": "Scheur"}),
            ("afrekenen", "afgerekend", {}),
        ]:
            ops.decide_booking(booking, action, report=report)
            assert booking.status == status
        db.session.commit()
    with _as(world, "partner"):
        db.session.expire_all()
        obj = db.session.get(Reservation, res_id)
        assert obj.status == "afgerekend"
        assert (obj.pickup_report, obj.return_report, obj.has_damage, obj.damage_report) == (
            "Nieuw, zonder krassen",
            "Proper",
            True,
            "Scheur",
        )
        assert obj.picked_up_at is not None and obj.returned_at is not None
        with pytest.raises(DomainError):
            ops.cancel_reservation(obj)


def test_cancel_frees_the_slot(world, login_as):
    rid = make_resource(world, "WC-wagen")
    start = next_weekday()
    res_id, booking_id = make_reservation(world, rid, start=start)
    client = login_as(world.user("partner", "dienst"))
    assert client.post(f"/partner/verhuur/reservaties/{res_id}/annuleren").status_code == 302
    with _as(world, "owner"):
        db.session.expire_all()
        assert db.session.get(Booking, booking_id).status == "geannuleerd"
    make_reservation(world, rid, tenant="partner", start=start)  # free again
    again = client.post(f"/partner/verhuur/reservaties/{res_id}/annuleren")
    assert again.status_code == 409


def test_decide_via_html_by_owner(world, login_as):
    rid = make_resource(world, "Podium klein")
    _res_id, booking_id = make_reservation(world, rid)
    client = login_as(world.user("owner", "dienst"))
    assert (
        client.post(f"/owner/verhuur/aanvragen/{booking_id}/beslissen", data={"action": "weigeren"}).status_code == 302
    )
    bad = client.post(f"/owner/verhuur/aanvragen/{booking_id}/beslissen", data={"action": "goedkeuren"})
    assert bad.status_code == 409
    assert client.post(f"/owner/verhuur/aanvragen/{booking_id}/beslissen", data={"action": "x"}).status_code == 422
    raadslid = login_as(world.user("owner", "raadslid"))
    assert (
        raadslid.post(f"/owner/verhuur/aanvragen/{booking_id}/beslissen", data={"action": "afhalen"}).status_code == 403
    )


# -- no double booking ----------------------------------------------------------------------


def test_single_unit_overlap_is_409_in_dutch(world, login_as):
    rid = make_resource(world, "Podium enkel")
    start = next_weekday()
    make_reservation(world, rid, start=start)
    client = login_as(world.user("partner", "dienst"))
    response = client.post(
        "/partner/verhuur/reservaties/nieuw",
        data={
            "resource_id": rid,
            "starts_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 409
    assert "al gereserveerd" in response.get_data(as_text=True)
    with _as(world, "partner"):
        assert len(db.session.scalars(select(Reservation).where(Reservation.resource_id == rid)).all()) == 1


def test_half_open_interval_allows_back_to_back_and_buffer_blocks(world):
    rid = make_resource(world, "Zaal", kind="zaal", unit="uur")
    start = next_weekday()
    make_reservation(world, rid, start=start, hours=2)
    make_reservation(world, rid, start=start + timedelta(hours=2), hours=2)  # end == start: allowed
    buffered = make_resource(world, "Zaal met buffer", kind="zaal", unit="uur", buffer_minutes=60)
    make_reservation(world, buffered, start=start, hours=2)
    with pytest.raises(DomainError) as err:
        make_reservation(world, buffered, start=start + timedelta(hours=2, minutes=30), hours=1)
    assert err.value.status_code == 409
    db.session.rollback()
    make_reservation(world, buffered, start=start + timedelta(hours=3), hours=1)


def test_quantities_add_up_to_the_stock(world):
    rid = make_resource(world, "Nadarhekken", quantity=200, unit="stuk_dag")
    start = next_weekday()
    make_reservation(world, rid, start=start, quantity=150)
    make_reservation(world, rid, tenant="owner", start=start + timedelta(hours=1), quantity=50)
    with pytest.raises(DomainError) as err:
        make_reservation(world, rid, start=start + timedelta(hours=2), quantity=1)
    assert err.value.status_code == 409
    db.session.rollback()
    # After the first period, the stock is free again.
    make_reservation(world, rid, start=start + timedelta(days=3), quantity=200)


# -- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shift", "hours", "quantity", "message"),
    [
        ("past", 2, 1, "verleden"),
        (None, 2, 1, "op voorhand"),
        (timedelta(0), 200, 1, "hoogstens"),
        (timedelta(0), 2, 5, "maar 2 stuks"),
        (timedelta(0), -2, 1, "na het begin"),
    ],
)
def test_rules_refuse_with_dutch_message(world, login_as, shift, hours, quantity, message):
    rid = make_resource(world, "Geluid", quantity=2, min_notice_hours=48, max_length_hours=72)
    # The notice case starts 25 hours from now, whatever the calendar: the notice rule comes first.
    soon = (clock.now() + timedelta(hours=26)).replace(minute=0, second=0, microsecond=0)
    starts = {"past": soon - timedelta(days=3), None: soon}
    start = starts[shift] if shift in starts else next_weekday() + shift
    client = login_as(world.user("partner", "dienst"))
    response = client.post(
        "/partner/verhuur/reservaties/nieuw",
        data={
            "resource_id": rid,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M"),
            "quantity": quantity,
        },
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with _as(world, "partner"):
        assert db.session.scalar(select(Reservation.id).where(Reservation.resource_id == rid)) is None


def test_blackout_and_closing_day_refused(world):
    start = next_weekday()
    rid = make_resource(
        world,
        "Podium onderhoud",
        blackouts=[{"starts_on": start.date(), "ends_on": start.date(), "reason": "onderhoud"}],
    )
    with pytest.raises(DomainError, match="onderhoud"):
        make_reservation(world, rid, start=start)
    db.session.rollback()
    owner = world.tenants["owner"]
    with tenant_context(None, is_platform=True):
        owner.settings = {"closing_days": [start.strftime("%m-%d")]}
        db.session.commit()
    other = make_resource(world, "Podium sluitingsdag")
    with pytest.raises(DomainError, match="Sluitingsdag"):
        make_reservation(world, other, start=start)


def test_belgian_holidays():
    days = ops.belgian_holidays(2026)
    assert len(days) == 10
    assert any(d.month == 4 and d.day == 6 for d in days)  # Paasmaandag 2026


# -- availability ---------------------------------------------------------------------------


def test_availability_search_across_owners(world, login_as):
    start = next_weekday()
    busy = make_resource(world, "Podium bezet")
    free = make_resource(world, "Podium vrij")
    mine = make_resource(world, "Podium partner", tenant="partner", shared=False)
    hidden = make_resource(world, "Podium buiten", tenant="outsider", shared=False)
    make_reservation(world, busy, start=start)
    with _as(world, "partner"):
        found = {r.id for r, _free in ops.search_available(start, start + timedelta(hours=4))}
    assert free in found and mine in found and busy not in found and hidden not in found
    client = login_as(world.user("partner", "dienst"))
    page = client.get(
        "/partner/verhuur/beschikbaarheid",
        query_string={
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Podium vrij" in text and "Podium bezet" not in text
    bad = client.get("/partner/verhuur/beschikbaarheid", query_string={"starts_at": "gisteren", "ends_at": "x"})
    assert bad.status_code == 422


def test_feed_shows_busy_without_the_requester(world, login_as):
    rid = make_resource(world, "Podium feed")
    start = next_weekday()
    make_reservation(world, rid, start=start)
    client = login_as(world.user("former", "dienst"))
    assert client.get(f"/former/verhuur/materieel/{rid}/bezetting.json").status_code == 404
    client = login_as(world.user("partner", "dienst"))
    events = client.get(
        f"/partner/verhuur/materieel/{rid}/bezetting.json",
        query_string={
            "start": (start - timedelta(days=1)).date().isoformat(),
            "end": (start + timedelta(days=5)).date().isoformat(),
        },
    ).get_json()["events"]
    busy = [e for e in events if not e.get("closed")]
    assert len(busy) == 1 and busy[0]["is_own"] is True
    assert "Partner" not in str(events)
    assert client.get(f"/partner/verhuur/materieel/{rid}/bezetting.json?start=x").status_code == 400


# -- API ------------------------------------------------------------------------------------


def test_api_reserve_conflict_and_decide(world, login_as):
    rid = make_resource(world, "Podium API")
    start = next_weekday()
    body = {"resource_id": rid, "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=6)).isoformat()}
    client = login_as(world.user("partner", "dienst"))
    created = client.post("/api/v1/rentals/reservations", json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["price"] == "75.50"
    conflict = client.post("/api/v1/rentals/reservations", json=body)
    assert conflict.status_code == 409
    assert "al gereserveerd" in str(conflict.get_json())
    found = client.get(
        "/api/v1/rentals/availability",
        query_string={"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()},
    ).get_json()
    assert rid not in [hit["resource"]["id"] for hit in found]
    owner = login_as(world.user("owner", "dienst"))
    bookings = owner.get("/api/v1/rentals/bookings").get_json()["items"]
    booking_id = next(b["id"] for b in bookings if b["resource_id"] == rid)
    decided = owner.post(f"/api/v1/rentals/bookings/{booking_id}/decision", json={"action": "goedkeuren"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "goedgekeurd"
    outsider = login_as(world.user("outsider", "dienst"))
    assert outsider.post("/api/v1/rentals/reservations", json=body).status_code == 404


@pytest.mark.parametrize(("role", "status"), [("dienst", 201), ("beheerder", 201), ("raadslid", 403), ("hr", 403)])
def test_api_create_resource_per_role(world, login_as, role, status):
    client = login_as(world.user("owner", role))
    response = client.post("/api/v1/rentals/resources", json={"name": f"Tent {role}", "quantity": 4})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), [("dienst", 302), ("schepen", 302), ("raadslid", 403), ("expert", 403)])
def test_reserve_per_role(world, login_as, role, status):
    rid = make_resource(world, f"Podium {role}")
    start = next_weekday()
    client = login_as(world.user("partner", role))
    response = client.post(
        "/partner/verhuur/reservaties/nieuw",
        data={
            "resource_id": rid,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == status


def test_lists_show_only_own_rows(world, login_as):
    rid = make_resource(world, "Podium lijst")
    make_reservation(world, rid)
    partner = login_as(world.user("partner", "dienst"))
    assert partner.get("/api/v1/rentals/bookings").get_json()["items"] == []
    assert len(partner.get("/api/v1/rentals/reservations").get_json()["items"]) == 1
    outsider = login_as(world.user("outsider", "dienst"))
    assert outsider.get("/api/v1/rentals/reservations").get_json()["items"] == []
    assert "Podium lijst" not in outsider.get("/outsider/verhuur/aanvragen").get_data(as_text=True)
    owner = login_as(world.user("owner", "dienst"))
    assert "Podium lijst" in owner.get("/owner/verhuur/aanvragen").get_data(as_text=True)
    assert owner.get("/api/v1/rentals/reservations").get_json()["items"] == []
