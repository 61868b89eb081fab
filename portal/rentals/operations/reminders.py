"""Rental reminders: pick-ups in the next day and overdue returns."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.models import utcnow
from portal.extensions import db
from portal.rentals.models import Booking, RentalStatus
from portal.rentals.operations._common import _fmt, _party, _tell_requester, _tell_staff


def send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Remind of pick-ups in the next 24 hours and of overdue returns (acting owner's bookings); idempotent."""
    now = now or utcnow()
    sent = {"pickup": 0, "overdue": 0}
    upcoming = db.session.scalars(
        select(Booking).where(
            Booking.status == RentalStatus.GOEDGEKEURD,
            Booking.starts_at >= now,
            Booking.starts_at < now + timedelta(hours=24),
        )
    ).all()
    for booking in upcoming:
        body = _(
            "Afhalen vanaf %(when)s bij %(owner)s.",
            when=_fmt(booking.starts_at),
            owner=_party(booking.tenant_id)["name"],
        )
        if booking.accepted_at is None:
            body += " " + _("Aanvaard eerst de uitleenovereenkomst in het portaal.")
        if _tell_requester(
            booking,
            title=_("Herinnering: %(name)s afhalen", name=booking.resource.name),
            body=body,
            dedupe_key=f"rentals:pickup:{booking.id}",
        ):
            sent["pickup"] += 1
    overdue = db.session.scalars(
        select(Booking).where(Booking.status == RentalStatus.AFGEHAALD, Booking.ends_at < now)
    ).all()
    for booking in overdue:
        name = booking.resource.name
        if _tell_requester(
            booking,
            title=_("Te laat: breng %(name)s terug", name=name),
            body=_("De uitleentermijn liep af op %(when)s.", when=_fmt(booking.ends_at)),
            dedupe_key=f"rentals:overdue:{booking.id}",
        ):
            sent["overdue"] += 1
        sent["overdue"] += _tell_staff(
            booking.tenant_id,
            title=_("Nog niet teruggebracht: %(name)s", name=name),
            body=_(
                "%(who)s moest het terugbrengen op %(when)s.", who=booking.requester.name, when=_fmt(booking.ends_at)
            ),
            path=str(booking.id),
            dedupe_key=f"rentals:overdue:{booking.id}",
            source_tenant_id=booking.tenant_id,
        )
    return sent
