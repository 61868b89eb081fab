"""Load a request group of the acting tenant for a page or an API call, else 404."""

from __future__ import annotations

from flask import abort

from portal.rentals import operations as ops
from portal.rentals.models import Booking, Reservation


def reservation_group_or_404(group_key: str) -> list[Reservation]:
    """Return the own reservations of a request group, else 404 (also for a key of the wrong shape)."""
    rows = ops.group_reservations(group_key) if ops.is_group_key(group_key) else []
    if not rows:
        abort(404)
    return rows


def booking_group_or_404(group_key: str) -> list[Booking]:
    """Return the bookings of a request group for the own resources, else 404."""
    rows = ops.group_bookings(group_key) if ops.is_group_key(group_key) else []
    if not rows:
        abort(404)
    return rows
