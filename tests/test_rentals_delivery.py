"""Rentals: delivery by the owner, its cost frozen on both rows, in the loan agreement and the settlement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals.models import Booking, Reservation, Resource
from tenants.context import tenant_context
from tests.rentals_helpers import accept, approve, make_resource, next_weekday


def _as(world, tenant):
    user = world.user(tenant, "dienst")
    return tenant_context(user.tenant_id, user_id=user.id)


def _form(rid, start, **extra):
    return {
        "resource_id": rid,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M"),
        "purpose": "Buurtfeest in de Kerkstraat",
        **extra,
    }


def _rows(world, rid):
    with _as(world, "partner"):
        reservations = db.session.scalars(select(Reservation).where(Reservation.resource_id == rid)).all()
    with _as(world, "owner"):
        bookings = db.session.scalars(select(Booking).where(Booking.resource_id == rid)).all()
    return reservations, bookings


def test_delivery_cost_is_frozen_on_both_rows_and_in_the_loan_agreement(world, login_as):
    rid = make_resource(world, "WC-wagen met levering", delivery_available=True, delivery_cost=Decimal("40"))
    client = login_as(world.user("partner", "dienst"))
    page = client.get(f"/partner/verhuur/materieel/{rid}")
    assert "levering door de eigenaar" in page.text and "40,00" in page.text
    start = next_weekday()
    response = client.post("/partner/verhuur/reservaties/nieuw", data=_form(rid, start, handover_mode="levering"))
    assert response.status_code == 302, response.text[:400]
    [reservation], [booking] = _rows(world, rid)
    assert (reservation.handover_mode, reservation.delivery_cost) == ("levering", Decimal("40.00"))
    assert (booking.handover_mode, booking.delivery_cost) == ("levering", Decimal("40.00"))
    assert reservation.price == Decimal("75.50")  # the tariff stays apart from the delivery
    reservation_id, booking_id = reservation.id, booking.id
    # A later change of the owner's delivery cost does not touch the request.
    with _as(world, "owner"):
        db.session.get(Resource, rid).delivery_cost = Decimal("90")
        db.session.commit()
    approve(world, booking_id)
    agreement = client.get(f"/partner/verhuur/reservaties/{reservation_id}/overeenkomst")
    assert agreement.status_code == 200
    assert "Levering en ophaling door de uitlener" in agreement.text and "40,00" in agreement.text
    assert "90,00" not in agreement.text


def test_delivery_of_a_resource_that_is_not_delivered_is_422_and_keeps_the_form(world, login_as):
    rid = make_resource(world, "Podium enkel afhalen")
    client = login_as(world.user("partner", "dienst"))
    page = client.get(f"/partner/verhuur/materieel/{rid}")
    assert "niet mogelijk: afhalen" in page.text and 'value="levering"' not in page.text
    response = client.post(
        "/partner/verhuur/reservaties/nieuw", data=_form(rid, next_weekday(), handover_mode="levering")
    )
    assert response.status_code == 422
    assert "wordt niet geleverd: kies afhalen." in response.text
    assert "Buurtfeest in de Kerkstraat" in response.text  # nothing the user typed is lost
    assert _rows(world, rid) == ([], [])
    garbage = client.post("/partner/verhuur/reservaties/nieuw", data=_form(rid, next_weekday(), handover_mode="drone"))
    assert garbage.status_code == 422 and "Kies afhalen of levering." in garbage.text


def test_api_reservation_with_delivery_and_resource_rules(world, login_as):
    rid = make_resource(world, "Nadarhekken geleverd", delivery_available=True, delivery_cost=Decimal("25.50"))
    client = login_as(world.user("partner", "dienst"))
    resource = client.get(f"/api/v1/rentals/resources/{rid}").get_json()
    assert (resource["delivery_available"], resource["delivery_cost"]) == (True, "25.50")
    start = next_weekday()
    body = {
        "resource_id": rid,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=6)).isoformat(),
        "handover_mode": "levering",
    }
    created = client.post("/api/v1/rentals/reservations", json=body)
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["handover_mode"], created.get_json()["delivery_cost"]) == ("levering", "25.50")
    # The owner cannot ask a delivery cost for something it does not deliver.
    owner = login_as(world.user("owner", "dienst"))
    refused = owner.post(
        "/owner/verhuur/materieel/nieuw",
        data={"name": "Tent", "category": "tent", "quantity": "1", "unit": "dag", "delivery_cost": "30"},
    )
    assert refused.status_code == 422 and "Een leveringskost kan alleen als je levering aanbiedt." in refused.text
    with _as(world, "owner"):
        assert db.session.scalar(select(Resource).where(Resource.name == "Tent")) is None


def test_settlement_counts_the_delivery_cost(world):
    rid = make_resource(world, "Podium geleverd", delivery_available=True, delivery_cost=Decimal("60"))
    start = next_weekday()
    user = world.user("partner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        resource = db.session.get(Resource, rid)
        reservation = ops.request_reservation(
            resource,
            {"starts_at": start, "ends_at": start + timedelta(hours=24), "handover_mode": "levering"},
            user=user,
        )
        db.session.commit()
        reservation_id, booking_id = reservation.id, reservation.booking_id
    approve(world, booking_id)
    accept(world, reservation_id)
    with _as(world, "owner"):
        ops.decide_booking(db.session.get(Booking, booking_id), "afhalen", report={"condition": "ok"})
        db.session.commit()
    day = start.date()
    with _as(world, "owner"):
        [row] = ops.settlement(day - timedelta(days=1), day + timedelta(days=30))
    assert (row["lent_count"], row["lent_amount"]) == (1, Decimal("135.50"))  # 75.50 tariff + 60 delivery
    with _as(world, "partner"):
        [mirror] = ops.settlement(day - timedelta(days=1), day + timedelta(days=30))
    assert mirror["borrowed_amount"] == Decimal("135.50") and mirror["balance"] == Decimal("-135.50")


def test_the_database_refuses_a_delivery_cost_without_delivery(world):
    rid = make_resource(world, "Zaal zonder levering", kind="zaal")
    with _as(world, "owner"):
        resource = db.session.get(Resource, rid)
        resource.delivery_cost = Decimal("10")
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_basket_refuses_delivery_the_owner_does_not_offer(world, login_as):
    rid = make_resource(world, "Tent enkel afhalen")
    client = login_as(world.user("partner", "dienst"))
    refused = client.post(
        "/partner/verhuur/mandje/toevoegen", data=_form(rid, next_weekday(), handover_mode="levering")
    )
    assert refused.status_code == 422 and "wordt niet geleverd: kies afhalen." in refused.text
    assert "Tent enkel afhalen" not in client.get("/partner/verhuur/mandje").text


def test_a_request_groups_total_counts_the_delivery_like_the_settlement(world, app):
    from tests.conftest import login

    delivered = make_resource(world, "Podium met levering", delivery_available=True, delivery_cost=Decimal("40"))
    fetched = make_resource(world, "Tent om af te halen")
    start = next_weekday()
    user = world.user("partner", "dienst")
    key = ops._new_group_key()
    with _as(world, "partner"):
        rows = [
            ops.request_reservation(
                db.session.get(Resource, rid),
                {"starts_at": start, "ends_at": start + timedelta(hours=24), "handover_mode": mode},
                user=user,
                group_key=key,
                group_kind="mand",
                notify_owner=False,
            )
            for rid, mode in ((delivered, "levering"), (fetched, "afhalen"))
        ]
        db.session.commit()
        prices = sum((r.price for r in rows), Decimal("0"))
    expected = ops.group_total(rows)
    assert expected == prices + Decimal("40.00")
    shown = f"{expected:.2f}".replace(".", ",")
    partner, owner = app.test_client(), app.test_client()
    login(partner, user)
    login(owner, world.user("owner", "dienst"))
    mine = partner.get(f"/partner/verhuur/reservaties/groep/{key}")
    theirs = owner.get(f"/owner/verhuur/aanvragen/groep/{key}")
    for page in (mine, theirs):
        assert page.status_code == 200
        assert shown in page.text and "levering (€ 40,00)" in page.text.replace("\xa0", " ")
