"""Builders shared by the rental tests and the cross-tenant matrix."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from portal.extensions import db
from portal.rentals import operations as ops
from tenants.context import BRUSSELS, tenant_context
from tests import clock


def next_weekday(days_ahead: int = 14, hour: int = 9) -> datetime:
    """Return a Brussels working-day morning ``days_ahead`` or more days from now.

    No public holiday falls from that day up to four days on: tests book up to three days on
    from it for a day or two, and pick-up and return are refused on a holiday. The holidays are
    the test oracle's (``tests.clock``), not the rentals module's own table.
    """
    day = clock.working_day(days_ahead, clear_days=5)
    return datetime.combine(day, time(hour), tzinfo=BRUSSELS)


def make_resource(world: Any, name: str, *, tenant: str = "owner", shared: bool = True, **extra: Any) -> int:
    """Create a committed resource of ``tenant``; shared with region A when ``shared``."""
    user = world.user(tenant, "dienst")
    data: dict[str, Any] = {
        "name": name,
        "category": "podium",
        "quantity": 1,
        "unit": "dag",
        "price_own": Decimal("0"),
        "price_partner": Decimal("75.50"),
        "price_external": Decimal("150"),
        "deposit": Decimal("250"),
        "audience": "region" if shared else "own",
        "region_id": world.regions["a"].id if shared else None,
        **extra,
    }
    with tenant_context(user.tenant_id, user_id=user.id):
        obj = ops.create_resource(data, author_id=user.id)
        db.session.commit()
        return obj.id


def make_reservation(
    world: Any,
    resource_id: int,
    *,
    tenant: str = "partner",
    start: datetime | None = None,
    hours: int = 48,
    quantity: int = 1,
) -> tuple[int, int]:
    """Reserve as ``tenant``; return (reservation id, booking id)."""
    from sqlalchemy import select

    from portal.rentals.models import Resource

    user = world.user(tenant, "dienst")
    start = start or next_weekday()
    with tenant_context(user.tenant_id, user_id=user.id):
        resource = db.session.scalar(select(Resource).where(Resource.id == resource_id))
        assert resource is not None
        obj = ops.request_reservation(
            resource,
            {"starts_at": start, "ends_at": start + timedelta(hours=hours), "quantity": quantity, "purpose": "Feest"},
            user=user,
        )
        db.session.commit()
        assert obj.booking_id is not None
        return obj.id, obj.booking_id


def approve(world: Any, booking_id: int, *, tenant: str = "owner") -> None:
    """Approve a booking as the owner's dienst (freezes the loan agreement)."""
    from portal.rentals.models import Booking

    user = world.user(tenant, "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        booking = db.session.get(Booking, booking_id)
        assert booking is not None
        ops.decide_booking(booking, "goedkeuren")
        db.session.commit()


def accept(world: Any, reservation_id: int, *, tenant: str = "partner", **extra: Any) -> None:
    """Accept the loan agreement of an approved reservation as the requester's dienst."""
    from portal.rentals.models import Reservation

    user = world.user(tenant, "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        obj = db.session.get(Reservation, reservation_id)
        assert obj is not None
        ops.accept_agreement(obj, {"accept": True, "requester_policy_number": "BA-2026-001", **extra}, user=user)
        db.session.commit()
