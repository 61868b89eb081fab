"""Rental waitlist: offer a freed slot to the next in line, accept it, let offers expire."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.extensions import db
from portal.rentals.models import Booking, RentalStatus, Reservation, Resource
from portal.rentals.operations._common import (
    _acting_as,
    _copy,
    _fmt,
    _lock_resource,
    _requester_user,
    _slug,
    _tell_requester,
    _tell_staff,
)
from portal.rentals.operations.availability import _active_bookings, _peak


def offer_hours() -> int:
    """Return how long a freed slot is held for the first on the waitlist (hours, configurable)."""
    return int(current_app.config.get("PORTAL_RENTALS_OFFER_HOURS", 48))


def offer_waitlist(resource: Resource) -> list[int]:
    """Offer a freed slot to the waiting requests that now fit, oldest first (call in the owner's context).

    The offer holds the slot (status ``aangeboden`` occupies the resource, exclusion constraint
    included) until the requester accepts, declines or the offer expires. Returns the booking ids
    that got an offer.
    """
    _lock_resource(resource.id)
    waiting = db.session.scalars(
        select(Booking)
        .where(
            Booking.resource_id == resource.id, Booking.status == RentalStatus.WACHTLIJST, Booking.starts_at > utcnow()
        )
        .order_by(Booking.created_at, Booking.id)
    ).all()
    offered = []
    for booking in waiting:
        taken = _peak(_active_bookings(resource.id, booking.starts_at, booking.blocked_until))
        if taken + booking.quantity > resource.quantity:
            continue
        # An offer never outlives the start of the period it holds.
        expires = min(utcnow() + timedelta(hours=offer_hours()), booking.starts_at)
        booking.status = RentalStatus.AANGEBODEN
        booking.offer_expires_at = expires
        db.session.flush()
        offered.append(booking.id)
        _copy(
            booking.requester_tenant_id,
            Reservation,
            booking.reservation_id,
            {"status": RentalStatus.AANGEBODEN, "offer_expires_at": expires},
        )
        _tell_requester(
            booking,
            title=_("Plaats vrijgekomen: %(name)s", name=resource.name),
            body=_(
                "Bij %(owner)s kwam een plaats vrij van %(a)s tot %(b)s. We houden ze voor jullie vast "
                "tot %(until)s: aanvaard of weiger het aanbod in het portaal.",
                owner=resource.tenant.name,
                a=_fmt(booking.starts_at),
                b=_fmt(booking.ends_at),
                until=_fmt(expires),
            ),
            # One offer per booking: a booking is offered at most once (decline and expiry end it).
            dedupe_key=f"rentals:offer:{booking.id}",
        )
    return offered


def _locked_booking(reservation: Reservation) -> Booking | None:
    """Lock the resource and return the fresh owner's booking of a reservation (in the owner's context)."""
    _lock_resource(reservation.resource_id)
    return db.session.scalar(
        select(Booking).where(Booking.id == reservation.booking_id).execution_options(populate_existing=True)
    )


def accept_offer(reservation: Reservation, *, user: User) -> Reservation:
    """Accept the held slot of an own waitlist offer: it becomes a normal request for the owner."""
    with _acting_as(reservation.owner_tenant_id, user):
        # Under the resource lock: the expiry task cannot end the offer halfway.
        booking = _locked_booking(reservation)
        if (
            booking is None
            or booking.status != RentalStatus.AANGEBODEN
            or reservation.status != RentalStatus.AANGEBODEN
        ):
            raise DomainError(_("Er is geen open aanbod voor deze reservatie."), status_code=409)
        if booking.offer_expires_at is None or booking.offer_expires_at <= utcnow():
            raise DomainError(_("Het aanbod is verlopen."), status_code=409)
        booking.status = RentalStatus.AANGEVRAAGD
        booking.offer_expires_at = None
        db.session.flush()
        booking_id, resource_name = booking.id, booking.resource.name
        _tell_staff(
            reservation.owner_tenant_id,
            title=_("Nieuwe reservatieaanvraag: %(name)s", name=resource_name),
            body=_(
                "%(who)s stond op de wachtlijst en aanvaardde de vrijgekomen plaats (%(a)s tot %(b)s).",
                who=booking.requester.name,
                a=_fmt(booking.starts_at),
                b=_fmt(booking.ends_at),
            ),
            path=str(booking_id),
            dedupe_key=f"rentals:request:{booking_id}",
            source_tenant_id=reservation.tenant_id,
        )
    reservation.status = RentalStatus.AANGEVRAAGD
    reservation.offer_expires_at = None
    db.session.flush()
    return reservation


def expire_offers(now: datetime | None = None) -> int:
    """End the acting owner's offers whose time ran out and offer the slot to the next in line; idempotent."""
    now = now or utcnow()
    ended = 0
    due = db.session.scalars(
        select(Booking.id)
        .where(Booking.status == RentalStatus.AANGEBODEN, Booking.offer_expires_at <= now)
        .order_by(Booking.resource_id, Booking.id)
    ).all()
    for booking_id in due:
        booking = db.session.get(Booking, booking_id)
        if booking is None:
            continue
        _lock_resource(booking.resource_id)
        db.session.refresh(booking)
        # Re-checked under the lock: the requester may have accepted meanwhile.
        if (
            booking.status != RentalStatus.AANGEBODEN
            or booking.offer_expires_at is None
            or booking.offer_expires_at > now
        ):
            continue
        note = _("Het aanbod is verlopen.")
        booking.status = RentalStatus.GEANNULEERD
        booking.decision_note = note
        booking.offer_expires_at = None
        db.session.flush()
        _copy(
            booking.requester_tenant_id,
            Reservation,
            booking.reservation_id,
            {"status": RentalStatus.GEANNULEERD, "decision_note": note, "offer_expires_at": None},
        )
        ended += 1
        user = _requester_user(booking)
        if user is not None:
            notify(
                user,
                category="rentals",
                title=_("Aanbod verlopen: %(name)s", name=booking.resource.name),
                body=_("Je reageerde niet op tijd; de plaats gaat naar de volgende op de wachtlijst."),
                link=f"/{_slug(booking.requester_tenant_id)}/verhuur/reservaties/{booking.reservation_id}",
                dedupe_key=f"rentals:offer-expired:{booking.id}",
                source_tenant_id=booking.tenant_id,
            )
        offer_waitlist(booking.resource)
    return ended
