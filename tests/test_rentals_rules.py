"""Rentals: the period rule in one place (search, settlement) and one shape of the decision notification."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.core.notifications import Notification
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals.models import Booking
from tenants.context import tenant_context
from tests.matrix import token_headers
from tests.rentals_helpers import make_reservation, make_resource, next_weekday


def _fmt(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def _note(user, key):
    return db.session.scalar(
        select(Notification).where(Notification.user_id == user.id, Notification.dedupe_key == key)
    )


def test_availability_search_refuses_an_end_before_the_start_on_the_page_and_in_the_api(world, login_as):
    start = next_weekday()
    query = {"starts_at": _fmt(start), "ends_at": _fmt(start - timedelta(hours=2))}
    client = login_as(world.user("partner", "dienst"))
    page = client.get("/partner/verhuur/beschikbaarheid", query_string=query)
    assert page.status_code == 422 and "Het einde moet na het begin liggen." in page.get_data(as_text=True)
    api = client.application.test_client()
    answer = api.get("/api/v1/rentals/availability", query_string=query, headers=token_headers(world.user("partner")))
    assert answer.status_code == 422 and "Het einde moet na het begin liggen." in answer.get_data(as_text=True)


def test_settlement_default_start_counts_in_the_period_rule(world, login_as):
    client = login_as(world.user("owner", "dienst"))
    # Only an end, before 1 January of this year (the default start): refused like a reversed period.
    page = client.get("/owner/verhuur/afrekening?tot=2000-01-01")
    assert page.status_code == 422 and "De einddatum moet na de begindatum liggen." in page.get_data(as_text=True)
    api = client.application.test_client()
    headers = token_headers(world.user("owner", "dienst"))
    assert api.get("/api/v1/rentals/settlement?tot=2000-01-01", headers=headers).status_code == 422
    body = api.get("/api/v1/rentals/settlement", headers=headers).get_json()
    with client.application.test_request_context():
        first, last = ops.settlement_period(None, None)
    assert (body["starts_on"], body["ends_on"]) == (first.isoformat(), last.isoformat())
    assert first.month == first.day == 1 and last == first.replace(year=first.year + 1)


def test_decisions_tell_the_requester_in_one_shape(world, login_as):
    resource_id = make_resource(world, "Podium besluit")
    start = next_weekday()
    approved_id, approved_booking = make_reservation(world, resource_id, start=start)
    refused_id, refused_booking = make_reservation(world, resource_id, start=start + timedelta(days=7))
    owner = world.user("owner", "dienst")
    with tenant_context(owner.tenant_id, user_id=owner.id):
        ops.decide_booking(db.session.get(Booking, approved_booking), "goedkeuren", note="Aan de loods.")
        ops.decide_booking(db.session.get(Booking, refused_booking), "weigeren", note="Al beloofd.")
        db.session.commit()
    requester = world.user("partner", "dienst")
    yes = _note(requester, f"rentals:decision:{approved_booking}:goedgekeurd")
    assert yes.title == "Reservatie goedgekeurd: Podium besluit"
    assert yes.body == "Aan de loods. Aanvaard de uitleenovereenkomst in het portaal vóór het afhalen."
    assert yes.link == f"/partner/verhuur/reservaties/{approved_id}"
    no = _note(requester, f"rentals:decision:{refused_booking}:geweigerd")
    assert no.title == "Reservatie geweigerd: Podium besluit" and no.body == "Al beloofd."
    assert no.link == f"/partner/verhuur/reservaties/{refused_id}"
    # A request group is told once, in the same shape, with the number of lines first.
    tent = make_resource(world, "Tent besluit")
    day = start + timedelta(days=14)
    client = login_as(requester)
    for rid in (resource_id, tent):
        line = {"resource_id": str(rid), "starts_at": _fmt(day), "ends_at": _fmt(day + timedelta(hours=24))}
        assert client.post("/partner/verhuur/mandje/toevoegen", data=line).status_code == 302
    assert client.post("/partner/verhuur/mandje/versturen").status_code == 302
    with tenant_context(owner.tenant_id, user_id=owner.id):
        key = db.session.scalar(select(Booking.group_key).where(Booking.group_key.is_not(None)))
        assert ops.decide_group(key, "goedkeuren", note="Ok") == 2
        db.session.commit()
    group = _note(requester, f"rentals:group-decision:{key}:goedkeuren")
    assert group.title == "Aanvraag goedgekeurd: Podium besluit, Tent besluit"
    assert group.body == "2 regels. Ok Aanvaard de uitleenovereenkomsten in het portaal vóór het afhalen."
    assert group.link == f"/partner/verhuur/reservaties/groep/{key}"
