"""Rental calendars: secret iCal feed addresses, reservation and free/busy feeds, FullCalendar events."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.auth.models import User
from portal.core.ical import IcalEvent
from portal.core.ical import calendar as ical_calendar
from portal.core.models import utcnow
from portal.extensions import db
from portal.rentals.models import CalendarToken, RentalStatus, Reservation, Resource
from portal.rentals.operations._common import _slug, brussels
from portal.rentals.operations.availability import _active_bookings, closed_days
from tenants.context import acting_for, current_tenant_id
from tenants.models import Tenant

#: Reservations that appear in a calendar (refused and cancelled ones do not).
CALENDAR_STATUSES = (
    RentalStatus.AANGEVRAAGD,
    RentalStatus.GOEDGEKEURD,
    RentalStatus.AFGEHAALD,
    RentalStatus.TERUGGEBRACHT,
    RentalStatus.AFGEREKEND,
)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_calendar_token(user: User) -> str:
    """Give ``user`` a new secret feed address (the previous one stops working); return the raw token."""
    revoke_calendar_tokens(user)
    raw = secrets.token_urlsafe(32)
    db.session.add(CalendarToken(user_id=user.id, token_hash=_token_hash(raw)))
    db.session.flush()
    return raw


def revoke_calendar_tokens(user: User) -> int:
    """Revoke every active feed address of ``user``; return how many."""
    result = db.session.execute(
        update(CalendarToken)
        .where(CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def has_calendar_token(user: User) -> bool:
    """Tell whether ``user`` has an active feed address."""
    stmt = select(CalendarToken.id).where(CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None))
    return db.session.scalar(stmt) is not None


def user_for_calendar_token(raw: str) -> User | None:
    """Return the active user of an unrevoked token of the acting tenant, or None."""
    if not raw or len(raw) > 100:
        return None
    token = db.session.scalar(
        select(CalendarToken).where(CalendarToken.token_hash == _token_hash(raw), CalendarToken.revoked_at.is_(None))
    )
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_active or user.tenant_id != token.tenant_id:
        return None
    return user


def _feed(name: str, events: list[IcalEvent]) -> bytes:
    # portal.core.ical writes the lines directly: icalendar took milliseconds per event, which
    # made a municipality's feed of hundreds of reservations take most of a second.
    return ical_calendar(name, "-//Samenwerkingsportaal//Verhuur//NL", events)


def reservations_ical(tenant: Tenant, base_url: str) -> bytes:
    """Return the acting tenant's reservations (of own and partners' resources) as iCal."""
    # From a month back on, like the resource feed: years of history would make every calendar
    # app's poll slower, and a bare limit on the oldest rows would cut off the coming ones.
    since = utcnow() - timedelta(days=31)
    rows = db.session.scalars(
        select(Reservation)
        .where(Reservation.status.in_(CALENDAR_STATUSES), Reservation.ends_at > since)
        .order_by(Reservation.starts_at, Reservation.id)
        .limit(2000)
    )
    events = []
    for r in rows:
        url = f"{base_url}/{tenant.slug}/verhuur/reservaties/{r.id}"
        status = _("Status: %(s)s", s=r.status) + (f" · {r.purpose}" if r.purpose else "")
        events.append(
            IcalEvent(
                uid=f"rental-reservation-{r.id}@samenwerkingsportaal",
                starts_at=r.starts_at,
                ends_at=r.ends_at,
                summary=f"{r.resource_name} ({r.owner.name})",
                url=url,
                description=f"{status}\n{url}",
            )
        )
    return _feed(_("Reservaties %(name)s", name=tenant.name), events)


def resource_ical(resource: Resource, base_url: str) -> bytes:
    """Return free/busy of a resource as iCal; partners see only "Bezet", the owner the requester too."""
    viewer = current_tenant_id()
    slug = _slug(viewer) if viewer else ""
    is_owner = viewer == resource.tenant_id
    start = utcnow() - timedelta(days=31)
    with acting_for(resource.tenant_id):
        rows = [
            (b.id, b.starts_at, b.blocked_until, b.quantity, b.requester.name if is_owner else "")
            for b in _active_bookings(resource.id, start, start + timedelta(days=400))
        ]
    events = []
    for booking_id, starts_at, blocked_until, quantity, requester in rows:
        summary = _("Bezet") if resource.is_single_unit else _("Bezet (%(n)s)", n=quantity)
        if requester:
            summary = f"{summary}: {requester}"
        link = (
            f"{base_url}/{slug}/verhuur/aanvragen/{booking_id}"
            if is_owner
            else f"{base_url}/{slug}/verhuur/materieel/{resource.id}"
        )
        # The uid hides the booking id from partners: it is derived, not the row's number.
        uid = f"rental-busy-{resource.id}-{int(starts_at.timestamp())}-{int(blocked_until.timestamp())}"
        events.append(
            IcalEvent(f"{uid}@samenwerkingsportaal", starts_at, blocked_until, summary, url=link, description=link)
        )
    return _feed(_("Bezetting %(name)s", name=resource.name), events)


#: The longest period the calendar feed answers for at once.
CALENDAR_MAX_DAYS = 400


def calendar_events(resource: Resource, first: date, last: date, base: str = "") -> list[dict[str, Any]]:
    """Return free/busy of a visible resource in [first, last) as FullCalendar events.

    The owner sees who reserved and why; a requester sees its own reservations; everyone else
    sees only "Bezet". Blackouts, Belgian holidays and the owner's closing days come as
    background events.
    """
    viewer = current_tenant_id()
    is_owner = viewer == resource.tenant_id
    slug = _slug(viewer) if viewer else ""
    with acting_for(resource.tenant_id):
        rows = [
            {
                "booking_id": b.id,
                "reservation_id": b.reservation_id,
                "starts_at": b.starts_at,
                "blocked_until": b.blocked_until,
                "quantity": b.quantity,
                "status": b.status,
                "is_own": b.requester_tenant_id == viewer,
                # Who and why leave the owner's context only for the owner and the requester itself.
                "requester": b.requester.name if is_owner else "",
                "purpose": b.purpose if is_owner or b.requester_tenant_id == viewer else "",
            }
            for b in _active_bookings(resource.id, brussels(first), brussels(last))
        ]
    events: list[dict[str, Any]] = []
    for row in rows:
        busy = _("Bezet") if resource.is_single_unit else _("Bezet (%(n)s)", n=row["quantity"])
        event: dict[str, Any] = {
            "start": row["starts_at"].isoformat(),
            "end": row["blocked_until"].isoformat(),
            "title": busy,
            "classNames": ["portal-busy"],
            "extendedProps": {"kind": "busy", "quantity": row["quantity"]},
        }
        if is_owner:
            event["title"] = " · ".join(part for part in (f"{busy}: {row['requester']}", row["purpose"]) if part)
            event["url"] = f"{base}/{slug}/verhuur/aanvragen/{row['booking_id']}"
            event["extendedProps"].update(requester=row["requester"], purpose=row["purpose"], status=row["status"])
        elif row["is_own"]:
            event["title"] = " · ".join(part for part in (_("Jullie reservatie"), row["purpose"]) if part)
            event["url"] = f"{base}/{slug}/verhuur/reservaties/{row['reservation_id']}"
            event["classNames"] = ["portal-busy", "portal-own"]
            event["extendedProps"].update(purpose=row["purpose"], status=row["status"], is_own=True)
        events.append(event)
    for item in resource.blackouts or []:
        starts_on, ends_on = date.fromisoformat(item["starts_on"]), date.fromisoformat(item["ends_on"])
        if starts_on < last and ends_on >= first:
            events.append(
                {
                    "start": starts_on.isoformat(),
                    "end": (ends_on + timedelta(days=1)).isoformat(),
                    "allDay": True,
                    "display": "background",
                    "title": item.get("reason") or _("Niet beschikbaar"),
                    "classNames": ["portal-blackout"],
                    "extendedProps": {"kind": "blackout"},
                }
            )
    for day, reason in closed_days(resource.tenant, first, last):
        events.append(
            {
                "start": day.isoformat(),
                "end": (day + timedelta(days=1)).isoformat(),
                "allDay": True,
                "display": "background",
                "title": reason,
                "classNames": ["portal-closed"],
                "extendedProps": {"kind": "closed"},
            }
        )
    return events
