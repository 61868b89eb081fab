"""Availability of rental resources: closed days, free units, peaks, search and the booking rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from dateutil.easter import easter
from flask_babel import gettext as _
from sqlalchemy import select, text

from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.rentals.models import ACTIVE_STATUSES, Booking, Resource
from portal.rentals.operations.catalogue import visible_resources
from tenants.context import BRUSSELS, acting_for, current_tenant_id
from tenants.models import Tenant

#: What bounds a period: moments, days, or wall-clock times ("HH:MM" strings compare as times).
_Bound = TypeVar("_Bound", date, time, str)


def ends_after_start(start: _Bound, end: _Bound) -> bool:
    """Tell whether a period ends after it starts: the one definition of that rule on the rentals path."""
    # An empty period (end equal to start) is refused too: it would book nothing and price one unit.
    return end > start


@lru_cache(maxsize=32)
def _holiday_dates(year: int) -> tuple[date, ...]:
    e = easter(year)
    return (
        date(year, 1, 1),
        e + timedelta(days=1),
        date(year, 5, 1),
        e + timedelta(days=39),
        e + timedelta(days=50),
        date(year, 7, 21),
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
    )


def belgian_holidays(year: int) -> dict[date, str]:
    """Return the ten Belgian public holidays of ``year``."""
    names = (
        _("Nieuwjaar"),
        _("Paasmaandag"),
        _("Dag van de Arbeid"),
        _("O.L.H. Hemelvaart"),
        _("Pinkstermaandag"),
        _("Nationale feestdag"),
        _("O.L.V. Hemelvaart"),
        _("Allerheiligen"),
        _("Wapenstilstand"),
        _("Kerstmis"),
    )
    return dict(zip(_holiday_dates(year), names, strict=True))


def closed_reason(tenant: Tenant, day: date) -> str | None:
    """Return why the owner's services are closed on ``day`` (holiday or own closing day), or None."""
    # Names are translated only on a holiday: the availability search asks this for every resource.
    if day in _holiday_dates(day.year):
        return belgian_holidays(day.year)[day]
    if day.strftime("%m-%d") in tenant.closing_days:
        return _("Sluitingsdag")
    return None


def closed_days(tenant: Tenant, start: date, end: date) -> list[tuple[date, str]]:
    """Return the owner's closed days in [start, end)."""
    out: list[tuple[date, str]] = []
    day = start
    while day < end and len(out) < 400:
        reason = closed_reason(tenant, day)
        if reason:
            out.append((day, reason))
        day += timedelta(days=1)
    return out


def _active_bookings(resource_id: int, starts_at: datetime, blocked_until: datetime) -> list[Booking]:
    """Return active bookings overlapping [starts_at, blocked_until) (call in the owner's context)."""
    return list(
        db.session.scalars(
            select(Booking).where(
                Booking.resource_id == resource_id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.starts_at < blocked_until,
                Booking.blocked_until > starts_at,
            )
        )
    )


def _peak(bookings: Iterable[Booking]) -> int:
    events: list[tuple[datetime, int]] = []
    for b in bookings:
        events.append((b.starts_at, b.quantity))
        events.append((b.blocked_until, -b.quantity))
    peak = level = 0
    for _at, delta in sorted(events, key=lambda e: (e[0], e[1])):
        level += delta
        peak = max(peak, level)
    return peak


def busy_intervals(resource: Resource, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Return the occupied intervals of ``resource`` in [start, end) without who booked them.

    Reads the owner's bookings inside the owner's context; only times and quantities leave it.
    """
    viewer = current_tenant_id()
    with acting_for(resource.tenant_id):
        rows = _active_bookings(resource.id, start, end)
        out = [
            {
                "starts_at": b.starts_at,
                "ends_at": b.blocked_until,
                "quantity": b.quantity,
                "status": b.status,
                "is_own": b.requester_tenant_id == viewer,
            }
            for b in rows
        ]
    return sorted(out, key=lambda r: r["starts_at"])


def free_quantity(resource: Resource, starts_at: datetime, ends_at: datetime) -> int:
    """Return how many units are free during the whole period (buffer included)."""
    blocked_until = ends_at + timedelta(minutes=resource.buffer_minutes)
    with acting_for(resource.tenant_id):
        peak = _peak(_active_bookings(resource.id, starts_at, blocked_until))
    return max(resource.quantity - peak, 0)


def search_available(
    starts_at: datetime,
    ends_at: datetime,
    *,
    category: str | None = None,
    owner_id: int | None = None,
    quantity: int = 1,
) -> list[tuple[Resource, int]]:
    """Return (resource, free units) of every visible resource with ``quantity`` free in the period."""
    stmt = visible_resources(category=category, owner_id=owner_id).where(Resource.quantity >= quantity)
    candidates = [
        resource
        # The bookings are read in one statement for all of them, so only a sanity cap remains.
        for resource in db.session.scalars(stmt.limit(2000)).unique()
        if not rule_problem(resource, starts_at, ends_at, quantity, check_notice=False)
    ]
    peaks = busy_peaks(candidates, starts_at, ends_at)
    found = []
    for resource in candidates:
        free = max(resource.quantity - peaks.get(resource.id, 0), 0)
        if free >= quantity:
            found.append((resource, free))
    return found


_BUSY_PEAKS = text(
    "SELECT resource_id, peak FROM rental_busy_peaks("
    "CAST(:ids AS integer[]), CAST(:starts AS timestamptz), CAST(:ends AS timestamptz), CAST(:statuses AS text[]))"
)


def busy_peaks(resources: list[Resource], starts_at: datetime, ends_at: datetime) -> dict[int, int]:
    """Return per resource the most units active bookings occupy at once in the period (buffer included).

    One statement for every owner on PostgreSQL (the ``rental_busy_peaks`` function reads each
    owner's bookings in that owner's context; only ids and numbers come back, see ADR 0015);
    one query per owner elsewhere. Resources without bookings in the period are left out.
    """
    if not resources:
        return {}
    if db.session.get_bind().dialect.name == "postgresql":
        params = {
            "ids": [r.id for r in resources],
            "starts": starts_at,
            "ends": ends_at,
            "statuses": list(ACTIVE_STATUSES),
        }
        return {int(rid): int(peak) for rid, peak in db.session.execute(_BUSY_PEAKS, params)}
    by_owner: dict[int, list[Resource]] = {}
    for resource in resources:
        by_owner.setdefault(resource.tenant_id, []).append(resource)
    latest = ends_at + timedelta(minutes=max(r.buffer_minutes for r in resources))
    peaks: dict[int, int] = {}
    for owner_id, items in by_owner.items():
        with acting_for(owner_id):
            rows = db.session.scalars(
                select(Booking).where(
                    Booking.resource_id.in_([r.id for r in items]),
                    Booking.status.in_(ACTIVE_STATUSES),
                    Booking.starts_at < latest,
                    Booking.blocked_until > starts_at,
                )
            ).all()
        for resource in items:
            blocked_until = ends_at + timedelta(minutes=resource.buffer_minutes)
            mine = [b for b in rows if b.resource_id == resource.id and b.starts_at < blocked_until]
            if mine:
                peaks[resource.id] = _peak(mine)
    return peaks


def rule_problem(
    resource: Resource, starts_at: datetime, ends_at: datetime, quantity: int, *, check_notice: bool = True
) -> DomainError | None:
    """Return the first rule the request breaks, or None."""
    now = utcnow()
    if not ends_after_start(starts_at, ends_at):
        return DomainError(_("Het einde moet na het begin liggen."), field="ends_at", status_code=422)
    if starts_at < now:
        return DomainError(_("Een reservatie kan niet in het verleden beginnen."), field="starts_at", status_code=422)
    if quantity < 1 or quantity > resource.quantity:
        return DomainError(
            _("Er zijn maar %(n)s stuks van dit materieel.", n=resource.quantity), field="quantity", status_code=422
        )
    if check_notice and starts_at < now + timedelta(hours=resource.min_notice_hours):
        return DomainError(
            _("Reserveer minstens %(n)s uur op voorhand.", n=resource.min_notice_hours),
            field="starts_at",
            status_code=422,
        )
    if resource.max_length_hours and ends_at - starts_at > timedelta(hours=resource.max_length_hours):
        return DomainError(
            _("Je kan dit hoogstens %(n)s uur na elkaar reserveren.", n=resource.max_length_hours),
            field="ends_at",
            status_code=422,
        )
    first, last = starts_at.astimezone(BRUSSELS).date(), (ends_at - timedelta(seconds=1)).astimezone(BRUSSELS).date()
    for item in resource.blackouts or []:
        if date.fromisoformat(item["starts_on"]) <= last and date.fromisoformat(item["ends_on"]) >= first:
            return DomainError(
                _(
                    "Het materieel is niet beschikbaar van %(a)s tot en met %(b)s (%(r)s).",
                    a=item["starts_on"],
                    b=item["ends_on"],
                    r=item.get("reason") or _("geblokkeerd"),
                ),
                field="starts_at",
                status_code=422,
            )
    for moment, field in ((starts_at, "starts_at"), (ends_at, "ends_at")):
        reason = closed_reason(resource.tenant, moment.astimezone(BRUSSELS).date())
        if reason:
            return DomainError(
                _(
                    "Afhalen of terugbrengen kan niet op %(d)s: %(r)s.",
                    d=moment.astimezone(BRUSSELS).strftime("%d/%m/%Y"),
                    r=reason,
                ),
                field=field,
                status_code=422,
            )
    return None
