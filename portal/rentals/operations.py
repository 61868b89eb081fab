"""Rental operations: catalogue, tariffs, availability and reservations; flush, never commit.

A reservation has two rows (see docs/decisions, ADR on rentals): the requester's
``Reservation`` and the owner's ``Booking``. Code that writes the other party's row enters
that tenant's context for exactly that write, as ``tenants.rls`` prescribes.
"""

from __future__ import annotations

import hashlib
import io
import math
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from dateutil.easter import easter
from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.files import path_of, safe_filename, store_bytes, store_document
from portal.core.ical import IcalEvent
from portal.core.ical import calendar as ical_calendar
from portal.core.images import ImageRefusedError, has_alpha, open_upright
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.roles import ALGEMEEN_DIRECTEUR, DIENST
from portal.extensions import db
from portal.rentals.models import (
    ACTIVE_STATUSES,
    BasketItem,
    Booking,
    CalendarToken,
    HandoverPhoto,
    Reservation,
    Resource,
    ResourcePhoto,
)
from tenants.context import BRUSSELS, current_context, tenant_context
from tenants.models import Tenant
from tenants.sharing import partner_tenants, readable_prefilter, set_audience

CENT = Decimal("0.01")

# -- catalogue ------------------------------------------------------------------------------


def visible_resources(
    q: str | None = None, *, category: str | None = None, owner_id: int | None = None, kind: str | None = None
) -> Select[Any]:
    """Return a query of resources the acting tenant may read (own and shared), by owner and name."""
    # The prefilter lets PostgreSQL read only own and partners' rows, not the catalogue of Flanders.
    stmt = select(Resource).where(readable_prefilter(Resource, current_tenant()))
    if q:
        like = f"%{q.strip()[:100]}%"
        stmt = stmt.where(or_(Resource.name.ilike(like), Resource.description.ilike(like)))
    if category:
        stmt = stmt.where(Resource.category == category)
    if kind:
        stmt = stmt.where(Resource.kind == kind)
    if owner_id:
        stmt = stmt.where(Resource.tenant_id == owner_id)
    return stmt.order_by(Resource.tenant_id, Resource.name, Resource.id)


def _blackouts(raw: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in raw:
        starts_on, ends_on = item["starts_on"], item["ends_on"]
        if isinstance(starts_on, date):
            starts_on = starts_on.isoformat()
        if isinstance(ends_on, date):
            ends_on = ends_on.isoformat()
        if ends_on < starts_on:
            raise DomainError(_("Een blokkering eindigt vóór ze begint."), field="blackouts", status_code=422)
        out.append({"starts_on": starts_on, "ends_on": ends_on, "reason": str(item.get("reason", ""))[:200]})
    return out


_FIELDS = (
    "name",
    "kind",
    "category",
    "description",
    "quantity",
    "capacity",
    "pickup_address",
    "needs_towing_vehicle",
    "needs_certified_operator",
    "min_notice_hours",
    "max_length_hours",
    "buffer_minutes",
    "unit",
    "price_own",
    "price_partner",
    "price_external",
    "deposit",
    "delivery_available",
    "delivery_cost",
    "insured_by",
    "insurer",
    "policy_number",
    "insurance_notes",
    "required_certificate",
)


def _apply(obj: Resource, data: dict[str, Any]) -> None:
    for name in _FIELDS:
        if name in data:
            setattr(obj, name, data[name].strip() if isinstance(data[name], str) else data[name])
    if "quantity" in data:
        obj.is_single_unit = int(data["quantity"]) == 1
    if "blackouts" in data:
        obj.blackouts = _blackouts(data["blackouts"] or [])


def create_resource(data: dict[str, Any], *, author_id: int | None) -> Resource:
    """Add a resource to the acting tenant's catalogue and share it as asked."""
    obj = Resource(created_by_id=author_id, blackouts=[])
    _apply(obj, data)
    db.session.add(obj)
    db.session.flush()
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    return obj


def update_resource(obj: Resource, data: dict[str, Any]) -> Resource:
    """Change the fields present in ``data``; a stock below current bookings is refused."""
    if (
        "quantity" in data
        and int(data["quantity"]) < obj.quantity
        and db.session.scalar(
            select(Booking.id).where(
                Booking.resource_id == obj.id, Booking.status.in_(ACTIVE_STATUSES), Booking.ends_at > utcnow()
            )
        )
    ):
        raise DomainError(_("De voorraad kan niet verlagen zolang er lopende reservaties zijn."), field="quantity")
    _apply(obj, data)
    if "audience" in data:
        set_audience(obj, data["audience"], region_id=data.get("region_id"), partner_ids=data.get("partner_ids", []))
    db.session.flush()
    return obj


# -- tariffs --------------------------------------------------------------------------------


def tariff_class_for(requester_id: int, resource: Resource) -> str:
    """Return 'eigen' for the owner, 'partner' for a region partner, else 'extern'."""
    if requester_id == resource.tenant_id:
        return "eigen"
    if any(t.id == requester_id for t in partner_tenants(resource.tenant_id)):
        return "partner"
    return "extern"


def billable_units(unit: str, starts_at: datetime, ends_at: datetime, quantity: int) -> int:
    """Return how many tariff units a period costs: started hours, half days (4 h) or days."""
    hours = (ends_at - starts_at).total_seconds() / 3600
    if unit == "uur":
        count = math.ceil(hours)
    elif unit == "halve_dag":
        count = math.ceil(hours / 4)
    else:
        count = math.ceil(hours / 24)
    return max(count, 1) * quantity


def compute_price(
    resource: Resource, tariff_class: str, starts_at: datetime, ends_at: datetime, quantity: int
) -> tuple[Decimal, Decimal]:
    """Return (price, deposit) in euro, rounded to the cent."""
    rate = {"eigen": resource.price_own, "partner": resource.price_partner, "extern": resource.price_external}[
        tariff_class
    ]
    price = Decimal(rate) * billable_units(resource.unit, starts_at, ends_at, quantity)
    deposit = Decimal(resource.deposit) * (quantity if resource.unit == "stuk_dag" else 1)
    return price.quantize(CENT, ROUND_HALF_UP), deposit.quantize(CENT, ROUND_HALF_UP)


# -- calendar -------------------------------------------------------------------------------


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
    viewer = current_tenant()
    with tenant_context(resource.tenant_id, user_id=_user_id()):
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
    with tenant_context(resource.tenant_id, user_id=_user_id()):
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
        with tenant_context(owner_id, user_id=_user_id()):
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


# -- reservations ---------------------------------------------------------------------------


def current_tenant() -> int | None:
    ctx = current_context()
    return ctx.tenant_id if ctx else None


def _user_id() -> int | None:
    ctx = current_context()
    return ctx.user_id if ctx else None


def rule_problem(
    resource: Resource, starts_at: datetime, ends_at: datetime, quantity: int, *, check_notice: bool = True
) -> DomainError | None:
    """Return the first rule the request breaks, or None."""
    now = utcnow()
    if ends_at <= starts_at:
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


def _conflict() -> DomainError:
    return DomainError(_("Dit materieel is in die periode al gereserveerd. Kies een andere periode."), status_code=409)


def _lock_resource(resource_id: int) -> None:
    """Serialise writers of one resource: row lock on PostgreSQL, write lock on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE (key_share=True): does not conflict with the KEY SHARE lock that the FK of a new row takes.
        db.session.execute(select(Resource.id).where(Resource.id == resource_id).with_for_update(key_share=True))
    else:
        db.session.execute(update(Resource).where(Resource.id == resource_id).values(updated_at=Resource.updated_at))


def _staff_of(tenant_id: int) -> list[User]:
    from portal.auth.models import UserRole

    ids = select(UserRole.user_id).where(UserRole.role.in_((DIENST, ALGEMEEN_DIRECTEUR)))
    return list(
        db.session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, User.is_active.is_(True), User.id.in_(ids))
            .order_by(User.id)
        )
    )


def handover_terms(resource: Resource, data: dict[str, Any]) -> tuple[str, Decimal]:
    """Return (pick-up or delivery, the delivery cost to freeze); refuse delivery the owner does not offer."""
    handover = data.get("handover_mode") or "afhalen"
    if handover == "levering" and not resource.delivery_available:
        raise DomainError(
            _("%(name)s wordt niet geleverd: kies afhalen.", name=resource.name), status_code=422, field="handover_mode"
        )
    return handover, Decimal(resource.delivery_cost) if handover == "levering" else Decimal("0")


def _new_reservation(
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    quantity: int,
    purpose: str,
    tariff: str,
    user: Any,
    group: dict[str, Any],
) -> Reservation:
    """Return the requester's row of a reservation with its price frozen (not yet added)."""
    price, deposit = compute_price(resource, tariff, starts_at, ends_at, quantity)
    return Reservation(
        resource_id=resource.id,
        owner_tenant_id=resource.tenant_id,
        resource_name=resource.name,
        starts_at=starts_at,
        ends_at=ends_at,
        quantity=quantity,
        purpose=purpose,
        tariff_class=tariff,
        unit=resource.unit,
        price=price,
        deposit=deposit,
        requested_by_id=user.id,
        **group,
    )


def _new_booking(
    reservation: Reservation, resource: Resource, requester: int, status: str, buffer: timedelta, user: Any
) -> Booking:
    """Return the owner's row mirroring ``reservation`` (add it in the owner's context)."""
    return Booking(
        status=status,
        resource_id=resource.id,
        requester_tenant_id=requester,
        reservation_id=reservation.id,
        is_single_unit=resource.is_single_unit,
        starts_at=reservation.starts_at,
        ends_at=reservation.ends_at,
        blocked_until=reservation.ends_at + buffer,
        quantity=reservation.quantity,
        purpose=reservation.purpose,
        tariff_class=reservation.tariff_class,
        price=reservation.price,
        deposit=reservation.deposit,
        requested_by_id=user.id,
        group_key=reservation.group_key,
        group_kind=reservation.group_kind,
        handover_mode=reservation.handover_mode,
        delivery_cost=reservation.delivery_cost,
    )


def request_reservation(
    resource: Resource,
    data: dict[str, Any],
    *,
    user: Any,
    group_key: str | None = None,
    group_kind: str | None = None,
    notify_owner: bool = True,
) -> Reservation:
    """Reserve ``resource`` for the acting tenant: check the rules, freeze the price, occupy the slot.

    A basket or a series passes its ``group_key`` and tells the owner once for the whole group.
    """
    requester = current_tenant()
    if requester is None:
        raise DomainError(_("Geen bestuur actief."), status_code=400)
    starts_at, ends_at, quantity = data["starts_at"], data["ends_at"], int(data.get("quantity", 1))
    problem = rule_problem(resource, starts_at, ends_at, quantity)
    if problem:
        raise problem
    tariff = tariff_class_for(requester, resource)
    purpose = (data.get("purpose") or "").strip()[:500]
    handover, delivery_cost = handover_terms(resource, data)
    group = {
        "group_key": group_key,
        "group_kind": group_kind,
        "handover_mode": handover,
        "delivery_cost": delivery_cost,
    }
    with tenant_context(resource.tenant_id, user_id=user.id):
        # Serialise the writers of this resource before anything else is written.
        _lock_resource(resource.id)
    reservation = _new_reservation(resource, starts_at, ends_at, quantity, purpose, tariff, user, group)
    db.session.add(reservation)
    db.session.flush()
    buffer = timedelta(minutes=resource.buffer_minutes)
    with tenant_context(resource.tenant_id, user_id=user.id):
        taken = _peak(_active_bookings(resource.id, starts_at, ends_at + buffer))
        status = "aangevraagd"
        if taken + quantity > resource.quantity:
            if not data.get("waitlist"):
                raise _conflict()
            # Full: wait for a free slot; a waiting booking occupies nothing.
            status = "wachtlijst"
        booking = _new_booking(reservation, resource, requester, status, buffer, user)
        try:
            with db.session.begin_nested():
                db.session.add(booking)
        except IntegrityError:
            # The exclusion constraint caught a concurrent booking of the same single unit.
            raise _conflict() from None
        booking_id = booking.id
        wanted = status == "aangevraagd" and notify_owner
        requester_name = db.session.scalar(select(Tenant.name).where(Tenant.id == requester)) if wanted else None
        for staff in _staff_of(resource.tenant_id) if wanted else []:
            notify(
                staff,
                category="rentals",
                title=_("Nieuwe reservatieaanvraag: %(name)s", name=resource.name),
                body=_(
                    "%(who)s vraagt %(name)s aan van %(a)s tot %(b)s.",
                    who=requester_name,
                    name=resource.name,
                    a=_fmt(starts_at),
                    b=_fmt(ends_at),
                ),
                link=f"/{_slug(resource.tenant_id)}/verhuur/aanvragen/{booking_id}",
                dedupe_key=f"rentals:request:{booking_id}:{staff.id}",
                source_tenant_id=requester,
            )
    reservation.booking_id = booking_id
    reservation.status = status
    db.session.flush()
    return reservation


def _fmt(moment: datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")


def _slug(tenant_id: int) -> str:
    return str(db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id)))


#: Owner transitions: action -> (allowed from, new status).
OWNER_ACTIONS = {
    "goedkeuren": (("aangevraagd",), "goedgekeurd"),
    "weigeren": (("aangevraagd",), "geweigerd"),
    "afhalen": (("goedgekeurd",), "afgehaald"),
    "terugbrengen": (("afgehaald",), "teruggebracht"),
    "afrekenen": (("teruggebracht",), "afgerekend"),
}


def _mirror(tenant_id: int, model: Any, row_id: int | None, status: str, note: str) -> None:
    """Copy a status change to the other party's row, inside that party's context."""
    if row_id is None:
        return
    with tenant_context(tenant_id, user_id=_user_id()):
        db.session.execute(
            update(model).where(model.id == row_id).values(status=status, decision_note=note, updated_at=utcnow())
        )


def _copy(tenant_id: int, model: Any, row_id: int | None, values: dict[str, Any]) -> None:
    """Copy agreement, acceptance or handover fields to the other party's row, inside its context."""
    if row_id is None:
        return
    with tenant_context(tenant_id, user_id=_user_id()):
        db.session.execute(update(model).where(model.id == row_id).values(**values, updated_at=utcnow()))


def _handover(booking: Booking, action: str, report: dict[str, Any]) -> dict[str, Any]:
    """Return the handover or return fields an owner step records (condition report, damage)."""
    condition = (report.get("condition") or "").strip()[:5000]
    if action == "afhalen":
        if booking.accepted_at is None:
            raise DomainError(
                _("Afhalen kan pas als de ontlener de uitleenovereenkomst aanvaard heeft."), status_code=409
            )
        if not condition:
            raise DomainError(
                _("Beschrijf de staat van het materieel bij het afhalen."), field="condition", status_code=422
            )
        return {"picked_up_at": utcnow(), "pickup_report": condition}
    if action == "terugbrengen":
        damage = bool(report.get("has_damage"))
        damage_report = (report.get("damage_report") or "").strip()[:5000]
        if not condition:
            raise DomainError(
                _("Beschrijf de staat van het materieel bij het terugbrengen."), field="condition", status_code=422
            )
        if damage and not damage_report:
            raise DomainError(_("Beschrijf de schade."), field="damage_report", status_code=422)
        return {
            "returned_at": utcnow(),
            "return_report": condition,
            "has_damage": damage,
            "damage_report": damage_report if damage else "",
        }
    return {}


#: Handover photos: what the content starts with, and the extensions that go with it.
PHOTO_TYPES = {
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
}
MAX_PHOTOS = 6


def _store_photos(booking: Booking, stage: str, uploads: Iterable[Any]) -> None:
    """Store the pick-up or return photos (JPEG/PNG by content) and give both parties a row for each."""
    files = [u for u in uploads if u is not None and getattr(u, "filename", None)]
    if len(files) > MAX_PHOTOS:
        raise DomainError(_("Voeg hoogstens %(n)s foto's toe.", n=MAX_PHOTOS), field="photos", status_code=422)
    stored = []
    for upload in files:
        try:
            stored.append(
                store_document(
                    upload,
                    booking.tenant_id,
                    types=PHOTO_TYPES,
                    refusal=_("Enkel foto's in JPEG- of PNG-formaat zijn toegelaten."),
                )
            )
        except DomainError as err:
            raise DomainError(err.message, field="photos", status_code=err.status_code) from None
    for parent, tenant_id in (
        ({"booking_id": booking.id}, booking.tenant_id),
        ({"reservation_id": booking.reservation_id}, booking.requester_tenant_id),
    ):
        with tenant_context(tenant_id, user_id=_user_id()):
            for item in stored:
                db.session.add(
                    HandoverPhoto(
                        **parent,
                        stage=stage,
                        storage_key=item.key,
                        filename=item.filename,
                        content_type=item.content_type,
                        size=item.size,
                    )
                )
            db.session.flush()


def photos_of(*, booking_id: int | None = None, reservation_id: int | None = None) -> list[HandoverPhoto]:
    """Return the handover photos of an own booking or reservation, oldest first."""
    stmt = select(HandoverPhoto).order_by(HandoverPhoto.id)
    if booking_id is not None:
        stmt = stmt.where(HandoverPhoto.booking_id == booking_id)
    else:
        stmt = stmt.where(HandoverPhoto.reservation_id == reservation_id)
    return list(db.session.scalars(stmt))


def decide_booking(
    booking: Booking,
    action: str,
    *,
    note: str = "",
    report: dict[str, Any] | None = None,
    in_group: bool = False,
) -> Booking:
    """Move the owner's booking along its lifecycle and tell the requester about decisions.

    Approval freezes the loan agreement; pick-up needs the requester's acceptance and a
    condition report; the return records the return check and any damage.
    """
    if action not in OWNER_ACTIONS:
        raise DomainError(_("Onbekende actie."), field="action", status_code=422)
    allowed, new_status = OWNER_ACTIONS[action]
    if booking.status not in allowed:
        raise DomainError(_("Deze stap kan niet meer: de reservatie is %(s)s.", s=booking.status))
    if booking.group_kind == "reeks" and action in ("goedkeuren", "weigeren") and not in_group:
        raise DomainError(_("Over een wekelijkse reeks beslis je in één keer: open de reeks."), status_code=409)
    values = _handover(booking, action, report or {})
    if new_status == "goedgekeurd":
        values["agreement_terms"] = agreement_terms(booking)
    resource_name = booking.resource.name
    booking.status = new_status
    booking.decision_note = note.strip()[:500]
    for name, value in values.items():
        setattr(booking, name, value)
    db.session.flush()
    _mirror(booking.requester_tenant_id, Reservation, booking.reservation_id, new_status, booking.decision_note)
    if values:
        _copy(booking.requester_tenant_id, Reservation, booking.reservation_id, values)
    if action in ("afhalen", "terugbrengen"):
        _store_photos(booking, action, (report or {}).get("photos") or [])
    if new_status in ("geweigerd", "teruggebracht"):
        offer_waitlist(booking.resource)
    if new_status in ("goedgekeurd", "geweigerd") and not in_group:
        with tenant_context(booking.requester_tenant_id, user_id=_user_id()):
            requester = db.session.scalar(
                select(Reservation.requested_by_id).where(Reservation.id == booking.reservation_id)
            )
            user = db.session.get(User, requester) if requester else None
            if user is not None:
                title = (
                    _("Reservatie goedgekeurd: %(name)s", name=resource_name)
                    if new_status == "goedgekeurd"
                    else _("Reservatie geweigerd: %(name)s", name=resource_name)
                )
                body = booking.decision_note
                if new_status == "goedgekeurd":
                    body = " ".join(
                        part
                        for part in (body, _("Aanvaard de uitleenovereenkomst in het portaal vóór het afhalen."))
                        if part
                    )
                notify(
                    user,
                    category="rentals",
                    title=title,
                    body=body,
                    link=f"/{_slug(booking.requester_tenant_id)}/verhuur/reservaties/{booking.reservation_id}",
                    dedupe_key=f"rentals:decision:{booking.id}:{new_status}",
                    source_tenant_id=booking.tenant_id,
                )
    return booking


# -- loan agreement -------------------------------------------------------------------------


def _party(tenant_id: int) -> dict[str, Any]:
    tenant = db.session.get(Tenant, tenant_id)
    assert tenant is not None
    return {"id": tenant.id, "name": tenant.name, "contact_email": tenant.contact_email or ""}


def agreement_terms(booking: Booking) -> dict[str, Any]:
    """Return the loan agreement of a booking as frozen data (call in the owner's context)."""
    resource = booking.resource
    issued = utcnow()
    return {
        "number": f"UO-{issued.year}-{booking.id:06d}",
        "issued_at": issued.isoformat(),
        "owner": _party(booking.tenant_id),
        "requester": _party(booking.requester_tenant_id),
        "items": [
            {
                "name": resource.name,
                "kind": resource.kind,
                "category": resource.category,
                "quantity": booking.quantity,
                "pickup_address": resource.pickup_address,
                "needs_towing_vehicle": resource.needs_towing_vehicle,
            }
        ],
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "purpose": booking.purpose,
        "tariff_class": booking.tariff_class,
        "unit": resource.unit,
        "price": str(booking.price),
        "deposit": str(booking.deposit),
        "handover_mode": booking.handover_mode,
        "delivery_cost": str(booking.delivery_cost),
        "insurance": {
            "insured_by": resource.insured_by,
            "insurer": resource.insurer,
            "policy_number": resource.policy_number,
            "notes": resource.insurance_notes,
        },
        "certified_operator": resource.needs_certified_operator,
        "required_certificate": resource.required_certificate,
    }


def accept_agreement(reservation: Reservation, data: dict[str, Any], *, user: Any) -> Reservation:
    """Record that ``user`` accepts the loan agreement of an approved own reservation."""
    terms = reservation.agreement_terms
    if reservation.status != "goedgekeurd" or not terms:
        raise DomainError(_("Er is nog geen goedgekeurde uitleenovereenkomst om te aanvaarden."))
    if reservation.accepted_at is not None:
        raise DomainError(_("De uitleenovereenkomst is al aanvaard."))
    if not data.get("accept"):
        raise DomainError(_("Vink aan dat je de voorwaarden aanvaardt."), field="accept", status_code=422)
    values: dict[str, Any] = {
        "accepted_at": utcnow(),
        "accepted_by_name": (user.full_name or user.email)[:200],
        "requester_policy_number": (data.get("requester_policy_number") or "").strip()[:100],
        "operator_name": (data.get("operator_name") or "").strip()[:200],
        "operator_certificate": (data.get("operator_certificate") or "").strip()[:200],
    }
    if not values["requester_policy_number"]:
        raise DomainError(
            _("Geef het polisnummer van jullie BA-verzekering."), field="requester_policy_number", status_code=422
        )
    if terms.get("certified_operator"):
        for name, message in (
            ("operator_name", _("Geef de naam van de gecertificeerde bediener.")),
            ("operator_certificate", _("Geef het attest of certificaatnummer van de bediener.")),
        ):
            if not values[name]:
                raise DomainError(message, field=name, status_code=422)
    for name, value in values.items():
        setattr(reservation, name, value)
    reservation.accepted_by_id = user.id
    db.session.flush()
    _copy(reservation.owner_tenant_id, Booking, reservation.booking_id, values)
    with tenant_context(reservation.owner_tenant_id, user_id=user.id):
        for staff in _staff_of(reservation.owner_tenant_id):
            notify(
                staff,
                category="rentals",
                title=_("Uitleenovereenkomst aanvaard: %(name)s", name=reservation.resource_name),
                body=_("%(who)s aanvaardde de voorwaarden.", who=values["accepted_by_name"]),
                link=f"/{_slug(reservation.owner_tenant_id)}/verhuur/aanvragen/{reservation.booking_id}",
                dedupe_key=f"rentals:accepted:{reservation.booking_id}:{staff.id}",
                source_tenant_id=reservation.tenant_id,
            )
    return reservation


def render_pdf(html: str) -> bytes:
    """Render self-contained HTML to PDF; WeasyPrint may fetch nothing (no files, no network)."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError):
        raise DomainError(
            _("De PDF kan op deze server niet gemaakt worden. Gebruik de HTML-versie van de overeenkomst."),
            status_code=503,
        ) from None

    class BlockingFetcher(URLFetcher):  # type: ignore[misc]
        """Refuse every URL: the document carries its CSS inline and loads nothing else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"blocked: {url[:80]}")

    return bytes(HTML(string=html, base_url=None, url_fetcher=BlockingFetcher()).write_pdf())


#: Statuses the requester may still cancel (an open offer included: cancelling it declines it).
CANCELLABLE_STATUSES = ("wachtlijst", "aangeboden", "aangevraagd", "goedgekeurd")


def cancel_reservation(reservation: Reservation) -> Reservation:
    """Cancel an own reservation (or waitlist entry) before pick-up; the slot goes to the waitlist."""
    if reservation.status not in CANCELLABLE_STATUSES:
        raise DomainError(_("Een reservatie die %(s)s is, kan je niet meer annuleren.", s=reservation.status))
    freed = reservation.status != "wachtlijst"
    reservation.status = "geannuleerd"
    db.session.flush()
    _mirror(reservation.owner_tenant_id, Booking, reservation.booking_id, "geannuleerd", "")
    if freed:
        with tenant_context(reservation.owner_tenant_id, user_id=_user_id()):
            resource = db.session.get(Resource, reservation.resource_id)
            if resource is not None:
                offer_waitlist(resource)
    return reservation


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
        .where(Booking.resource_id == resource.id, Booking.status == "wachtlijst", Booking.starts_at > utcnow())
        .order_by(Booking.created_at, Booking.id)
    ).all()
    offered = []
    for booking in waiting:
        taken = _peak(_active_bookings(resource.id, booking.starts_at, booking.blocked_until))
        if taken + booking.quantity > resource.quantity:
            continue
        # An offer never outlives the start of the period it holds.
        expires = min(utcnow() + timedelta(hours=offer_hours()), booking.starts_at)
        booking.status = "aangeboden"
        booking.offer_expires_at = expires
        db.session.flush()
        offered.append(booking.id)
        _copy(
            booking.requester_tenant_id,
            Reservation,
            booking.reservation_id,
            {"status": "aangeboden", "offer_expires_at": expires},
        )
        user = _requester_user(booking)
        if user is not None:
            notify(
                user,
                category="rentals",
                title=_("Plaats vrijgekomen: %(name)s", name=resource.name),
                body=_(
                    "Bij %(owner)s kwam een plaats vrij van %(a)s tot %(b)s. We houden ze voor jullie vast "
                    "tot %(until)s: aanvaard of weiger het aanbod in het portaal.",
                    owner=resource.tenant.name,
                    a=_fmt(booking.starts_at),
                    b=_fmt(booking.ends_at),
                    until=_fmt(expires),
                ),
                link=f"/{_slug(booking.requester_tenant_id)}/verhuur/reservaties/{booking.reservation_id}",
                # One offer per booking: a booking is offered at most once (decline and expiry end it).
                dedupe_key=f"rentals:offer:{booking.id}",
                source_tenant_id=resource.tenant_id,
            )
    return offered


def brussels(day: date, clock: str = "00:00") -> datetime:
    """Return the UTC moment of ``day`` at ``clock`` in Brussels."""
    hour, minute = (int(x) for x in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS).astimezone(UTC)


# -- settlement -----------------------------------------------------------------------------

#: Statuses whose amounts are due between the municipalities (the material went out).
SETTLED_STATUSES = ("afgehaald", "teruggebracht", "afgerekend")


def settlement(starts_on: date, ends_on: date) -> list[dict[str, Any]]:
    """Return per partner municipality what the acting tenant lent and borrowed in [starts_on, ends_on).

    Only the acting tenant's own rows are read (its bookings and its reservations), so every
    pair includes the viewer; own use is left out. Amounts are the frozen price plus delivery.
    ``balance`` = lent - borrowed: positive means the partner owes the viewer.
    """
    start, end = brussels(starts_on), brussels(ends_on)
    pairs: dict[int, dict[str, Any]] = {}

    def row(tenant_id: int) -> dict[str, Any]:
        return pairs.setdefault(
            tenant_id,
            {
                "partner_id": tenant_id,
                "lent_count": 0,
                "lent_amount": Decimal("0.00"),
                "borrowed_count": 0,
                "borrowed_amount": Decimal("0.00"),
            },
        )

    viewer = current_tenant()
    # Summed per partner in the database: a year of a busy owner's bookings is thousands of rows.
    lent = db.session.execute(
        select(Booking.requester_tenant_id, func.count(), func.sum(Booking.price + Booking.delivery_cost))
        .where(
            Booking.status.in_(SETTLED_STATUSES),
            Booking.requester_tenant_id != viewer,
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
        .group_by(Booking.requester_tenant_id)
    )
    for tenant_id, count, amount in lent:
        item = row(tenant_id)
        item["lent_count"] += int(count)
        item["lent_amount"] += Decimal(amount or 0)
    borrowed = db.session.execute(
        select(Reservation.owner_tenant_id, func.count(), func.sum(Reservation.price + Reservation.delivery_cost))
        .where(
            Reservation.status.in_(SETTLED_STATUSES),
            Reservation.owner_tenant_id != viewer,
            Reservation.starts_at >= start,
            Reservation.starts_at < end,
        )
        .group_by(Reservation.owner_tenant_id)
    )
    for tenant_id, count, amount in borrowed:
        item = row(tenant_id)
        item["borrowed_count"] += int(count)
        item["borrowed_amount"] += Decimal(amount or 0)
    names = {t.id: t for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(list(pairs))))}
    out = []
    for tenant_id, item in pairs.items():
        item["partner"] = names[tenant_id]
        item["balance"] = (item["lent_amount"] - item["borrowed_amount"]).quantize(CENT)
        out.append(item)
    return sorted(out, key=lambda r: r["partner"].name)


def settlement_table(viewer_name: str, rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Return the header and rows of the settlement export."""
    header = [
        _("Gemeente"),
        _("Partnergemeente"),
        _("Aantal uitgeleend"),
        _("Bedrag uitgeleend (EUR)"),
        _("Aantal ontleend"),
        _("Bedrag ontleend (EUR)"),
        _("Saldo (EUR)"),
    ]
    body = [
        [
            viewer_name,
            r["partner"].name,
            r["lent_count"],
            r["lent_amount"],
            r["borrowed_count"],
            r["borrowed_amount"],
            r["balance"],
        ]
        for r in rows
    ]
    return header, body


# -- iCal feeds -----------------------------------------------------------------------------

#: Reservations that appear in a calendar (refused and cancelled ones do not).
CALENDAR_STATUSES = ("aangevraagd", "goedgekeurd", "afgehaald", "teruggebracht", "afgerekend")


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_calendar_token(user: Any) -> str:
    """Give ``user`` a new secret feed address (the previous one stops working); return the raw token."""
    revoke_calendar_tokens(user)
    raw = secrets.token_urlsafe(32)
    db.session.add(CalendarToken(user_id=user.id, token_hash=_token_hash(raw)))
    db.session.flush()
    return raw


def revoke_calendar_tokens(user: Any) -> int:
    """Revoke every active feed address of ``user``; return how many."""
    result = db.session.execute(
        update(CalendarToken)
        .where(CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def has_calendar_token(user: Any) -> bool:
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
    viewer = current_tenant()
    slug = _slug(viewer) if viewer else ""
    is_owner = viewer == resource.tenant_id
    start = utcnow() - timedelta(days=31)
    with tenant_context(resource.tenant_id, user_id=_user_id()):
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


# -- reminders ------------------------------------------------------------------------------


def _requester_user(booking: Booking) -> User | None:
    with tenant_context(booking.requester_tenant_id, user_id=_user_id()):
        user_id = db.session.scalar(select(Reservation.requested_by_id).where(Reservation.id == booking.reservation_id))
    return db.session.get(User, user_id) if user_id else None


def send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Remind of pick-ups in the next 24 hours and of overdue returns (acting owner's bookings); idempotent."""
    now = now or utcnow()
    sent = {"pickup": 0, "overdue": 0}
    upcoming = db.session.scalars(
        select(Booking).where(
            Booking.status == "goedgekeurd", Booking.starts_at >= now, Booking.starts_at < now + timedelta(hours=24)
        )
    ).all()
    for booking in upcoming:
        user = _requester_user(booking)
        if user is None:
            continue
        body = _(
            "Afhalen vanaf %(when)s bij %(owner)s.",
            when=_fmt(booking.starts_at),
            owner=_party(booking.tenant_id)["name"],
        )
        if booking.accepted_at is None:
            body += " " + _("Aanvaard eerst de uitleenovereenkomst in het portaal.")
        if notify(
            user,
            category="rentals",
            title=_("Herinnering: %(name)s afhalen", name=booking.resource.name),
            body=body,
            link=f"/{_slug(booking.requester_tenant_id)}/verhuur/reservaties/{booking.reservation_id}",
            dedupe_key=f"rentals:pickup:{booking.id}",
            source_tenant_id=booking.tenant_id,
        ):
            sent["pickup"] += 1
    overdue = db.session.scalars(select(Booking).where(Booking.status == "afgehaald", Booking.ends_at < now)).all()
    for booking in overdue:
        name = booking.resource.name
        user = _requester_user(booking)
        if user is not None and notify(
            user,
            category="rentals",
            title=_("Te laat: breng %(name)s terug", name=name),
            body=_("De uitleentermijn liep af op %(when)s.", when=_fmt(booking.ends_at)),
            link=f"/{_slug(booking.requester_tenant_id)}/verhuur/reservaties/{booking.reservation_id}",
            dedupe_key=f"rentals:overdue:{booking.id}",
            source_tenant_id=booking.tenant_id,
        ):
            sent["overdue"] += 1
        for staff in _staff_of(booking.tenant_id):
            if notify(
                staff,
                category="rentals",
                title=_("Nog niet teruggebracht: %(name)s", name=name),
                body=_(
                    "%(who)s moest het terugbrengen op %(when)s.",
                    who=booking.requester.name,
                    when=_fmt(booking.ends_at),
                ),
                link=f"/{_slug(booking.tenant_id)}/verhuur/aanvragen/{booking.id}",
                dedupe_key=f"rentals:overdue:{booking.id}:{staff.id}",
                source_tenant_id=booking.tenant_id,
            ):
                sent["overdue"] += 1
    return sent


# -- catalogue photos -----------------------------------------------------------------------

CATALOGUE_PHOTO_MAX_BYTES = 8 * 1024 * 1024
#: More pixels than this is refused before decoding: a small file can unpack to gigabytes.
CATALOGUE_PHOTO_MAX_PIXELS = 40_000_000
MAX_RESOURCE_PHOTOS = 12
THUMBNAIL_WIDTH = 320
LARGE_WIDTH = 1280


def _refused(message: str, status: int = 422) -> DomainError:
    return DomainError(message, field="photos", status_code=status)


def _decode_photo(data: bytes) -> Any:
    """Return the decoded image upright (EXIF orientation applied) in RGB; refuse fakes and bombs."""
    from PIL import Image

    try:
        image = open_upright(data, max_pixels=CATALOGUE_PHOTO_MAX_PIXELS, draft=(LARGE_WIDTH, LARGE_WIDTH))
    except ImageRefusedError as refused:
        if refused.reason == "format":
            raise _refused(_("Enkel foto's in JPEG-, PNG- of WebP-formaat zijn toegelaten.")) from None
        if refused.reason == "pixels":
            raise _refused(
                _(
                    "De foto heeft te veel beeldpunten (hoogstens %(n)s megapixel).",
                    n=CATALOGUE_PHOTO_MAX_PIXELS // 1_000_000,
                )
            ) from None
        raise _refused(_("Dit bestand is geen leesbare foto.")) from None
    if has_alpha(image):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _jpeg(image: Any, width: int) -> tuple[bytes, int, int]:
    """Return ``image`` at most ``width`` wide (and twice that high) as JPEG without metadata."""
    from PIL import Image

    copy = image.copy()
    copy.thumbnail((width, width * 2), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue(), copy.width, copy.height


def resource_photos(resource: Resource) -> list[ResourcePhoto]:
    """Return the photos of a visible resource in their order (main photo first), read in the owner's context."""
    cached = g.get("rental_photos", {}).get(resource.id) if has_request_context() else None
    if cached is not None:
        return list(cached)
    with tenant_context(resource.tenant_id, user_id=_user_id()):
        return list(
            db.session.scalars(
                select(ResourcePhoto)
                .where(ResourcePhoto.resource_id == resource.id)
                .order_by(ResourcePhoto.position, ResourcePhoto.id)
            )
        )


def resource_photo(resource: Resource, photo_id: int) -> ResourcePhoto | None:
    """Return one photo of a visible resource, or None."""
    with tenant_context(resource.tenant_id, user_id=_user_id()):
        return db.session.scalar(
            select(ResourcePhoto).where(ResourcePhoto.id == photo_id, ResourcePhoto.resource_id == resource.id)
        )


def main_photos(resources: Iterable[Resource]) -> dict[int, ResourcePhoto]:
    """Return the main photo of each of the given (visible) resources that has one, by resource id."""
    return {rid: photos[0] for rid, photos in photos_by_resource(resources, main_only=True).items()}


_PHOTO_ROWS = text("SELECT * FROM rental_resource_photo_rows(CAST(:ids AS integer[]), CAST(:main_only AS boolean))")


def photos_by_resource(resources: Iterable[Resource], *, main_only: bool = False) -> dict[int, list[ResourcePhoto]]:
    """Return the photos (or only the main photo) of visible resources in their order, by resource id.

    A catalogue page spans many owners: on PostgreSQL one statement reads them all (the
    ``rental_resource_photo_rows`` function reads each owner's rows in that owner's context, see
    ADR 0015) and the photos come back as read-only copies; elsewhere one query per owner.
    """
    resources = list(resources)
    found: dict[int, list[ResourcePhoto]] = {}
    if not resources:
        return found
    if db.session.get_bind().dialect.name == "postgresql":
        columns = set(ResourcePhoto.__table__.columns.keys())
        params = {"ids": [r.id for r in resources], "main_only": main_only}
        for row in db.session.execute(_PHOTO_ROWS, params).mappings():
            photo = ResourcePhoto(**{k: v for k, v in row.items() if k in columns})
            found.setdefault(photo.resource_id, []).append(photo)
        return found
    by_owner: dict[int, list[int]] = {}
    for resource in resources:
        by_owner.setdefault(resource.tenant_id, []).append(resource.id)
    for owner_id, ids in by_owner.items():
        with tenant_context(owner_id, user_id=_user_id()):
            rows = db.session.scalars(
                select(ResourcePhoto)
                .where(ResourcePhoto.resource_id.in_(ids))
                .order_by(ResourcePhoto.resource_id, ResourcePhoto.position, ResourcePhoto.id)
            )
            for photo in rows:
                if not main_only or photo.resource_id not in found:
                    found.setdefault(photo.resource_id, []).append(photo)
    return found


def prefetch_photos(resources: Iterable[Resource]) -> None:
    """Read the photos of a page of resources at once for ``resource_photos`` (read-only API lists)."""
    resources = list(resources)
    cache = g.setdefault("rental_photos", {})
    cache.update({r.id: [] for r in resources})
    cache.update(photos_by_resource(resources))


def add_resource_photos(resource: Resource, uploads: Iterable[Any], *, author_id: int | None) -> list[ResourcePhoto]:
    """Check, re-encode (no EXIF, upright) and store uploaded photos of an own resource with their thumbnails."""
    files = [u for u in uploads if u is not None and getattr(u, "filename", None)]
    if not files:
        raise _refused(_("Kies een of meer foto's."))
    photos = resource_photos(resource)
    if len(photos) + len(files) > MAX_RESOURCE_PHOTOS:
        raise _refused(_("Een item heeft hoogstens %(n)s foto's.", n=MAX_RESOURCE_PHOTOS))
    # Check and encode every file first: a refused one in the batch leaves nothing behind on disk.
    encoded = []
    for upload in files:
        data = upload.stream.read(CATALOGUE_PHOTO_MAX_BYTES + 1)
        if len(data) > CATALOGUE_PHOTO_MAX_BYTES:
            raise _refused(_("Een foto mag hoogstens %(n)s MB groot zijn.", n=CATALOGUE_PHOTO_MAX_BYTES // 2**20), 413)
        if not data:
            raise _refused(_("Het bestand is leeg."))
        image = _decode_photo(data)
        large, width, height = _jpeg(image, LARGE_WIDTH)
        image.thumbnail((LARGE_WIDTH, LARGE_WIDTH * 2))  # the thumbnail is made from the large version: faster
        thumb, _w, _h = _jpeg(image, THUMBNAIL_WIDTH)
        encoded.append((safe_filename(upload.filename), large, thumb, width, height))
    position = max((p.position for p in photos), default=-1) + 1
    added = []
    for name, large, thumb, width, height in encoded:
        stored = store_bytes(large, resource.tenant_id, extension=".jpg", filename=name, content_type="image/jpeg")
        small = store_bytes(thumb, resource.tenant_id, extension=".jpg", filename=name, content_type="image/jpeg")
        photo = ResourcePhoto(
            resource_id=resource.id,
            position=position,
            storage_key=stored.key,
            thumbnail_key=small.key,
            filename=name,
            content_type="image/jpeg",
            size=stored.size,
            width=width,
            height=height,
            created_by_id=author_id,
        )
        db.session.add(photo)
        added.append(photo)
        position += 1
    db.session.flush()
    return added


def _renumber(photos: list[ResourcePhoto]) -> None:
    for index, photo in enumerate(photos):
        photo.position = index
    db.session.flush()


def make_main_photo(resource: Resource, photo: ResourcePhoto) -> None:
    """Put ``photo`` first: the main photo is the one the catalogue shows."""
    others = [p for p in resource_photos(resource) if p.id != photo.id]
    _renumber([photo, *others])


def move_photo(resource: Resource, photo: ResourcePhoto, step: int) -> None:
    """Move ``photo`` one place earlier (step -1) or later (+1) in the order."""
    photos = resource_photos(resource)
    index = next(i for i, p in enumerate(photos) if p.id == photo.id)
    target = min(max(index + step, 0), len(photos) - 1)
    photos.insert(target, photos.pop(index))
    _renumber(photos)


def delete_photo(resource: Resource, photo: ResourcePhoto) -> list[str]:
    """Delete a photo of an own resource; return the stored keys no row uses any more (remove after commit)."""
    keys = {photo.storage_key, photo.thumbnail_key}
    db.session.delete(photo)
    db.session.flush()
    _renumber([p for p in resource_photos(resource) if p.id != photo.id])
    used: set[str] = set()
    for column in (ResourcePhoto.storage_key, ResourcePhoto.thumbnail_key, HandoverPhoto.storage_key):
        used.update(db.session.scalars(select(column).where(column.in_(keys))))
    return sorted(keys - used)


def remove_stored_files(keys: Iterable[str]) -> None:
    """Remove stored files that no row points at any more (after the commit that dropped the rows)."""
    for key in keys:
        path_of(key).unlink(missing_ok=True)


# -- resource calendar ----------------------------------------------------------------------

#: The longest period the calendar feed answers for at once.
CALENDAR_MAX_DAYS = 400


def calendar_events(resource: Resource, first: date, last: date, base: str = "") -> list[dict[str, Any]]:
    """Return free/busy of a visible resource in [first, last) as FullCalendar events.

    The owner sees who reserved and why; a requester sees its own reservations; everyone else
    sees only "Bezet". Blackouts, Belgian holidays and the owner's closing days come as
    background events.
    """
    viewer = current_tenant()
    is_owner = viewer == resource.tenant_id
    slug = _slug(viewer) if viewer else ""
    with tenant_context(resource.tenant_id, user_id=_user_id()):
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


# -- waitlist offers ------------------------------------------------------------------------


def _locked_booking(reservation: Reservation) -> Booking | None:
    """Lock the resource and return the fresh owner's booking of a reservation (in the owner's context)."""
    _lock_resource(reservation.resource_id)
    return db.session.scalar(
        select(Booking).where(Booking.id == reservation.booking_id).execution_options(populate_existing=True)
    )


def accept_offer(reservation: Reservation, *, user: Any) -> Reservation:
    """Accept the held slot of an own waitlist offer: it becomes a normal request for the owner."""
    with tenant_context(reservation.owner_tenant_id, user_id=user.id):
        # Under the resource lock: the expiry task cannot end the offer halfway.
        booking = _locked_booking(reservation)
        if booking is None or booking.status != "aangeboden" or reservation.status != "aangeboden":
            raise DomainError(_("Er is geen open aanbod voor deze reservatie."), status_code=409)
        if booking.offer_expires_at is None or booking.offer_expires_at <= utcnow():
            raise DomainError(_("Het aanbod is verlopen."), status_code=409)
        booking.status = "aangevraagd"
        booking.offer_expires_at = None
        db.session.flush()
        booking_id, resource_name = booking.id, booking.resource.name
        for staff in _staff_of(reservation.owner_tenant_id):
            notify(
                staff,
                category="rentals",
                title=_("Nieuwe reservatieaanvraag: %(name)s", name=resource_name),
                body=_(
                    "%(who)s stond op de wachtlijst en aanvaardde de vrijgekomen plaats (%(a)s tot %(b)s).",
                    who=booking.requester.name,
                    a=_fmt(booking.starts_at),
                    b=_fmt(booking.ends_at),
                ),
                link=f"/{_slug(reservation.owner_tenant_id)}/verhuur/aanvragen/{booking_id}",
                dedupe_key=f"rentals:request:{booking_id}:{staff.id}",
                source_tenant_id=reservation.tenant_id,
            )
    reservation.status = "aangevraagd"
    reservation.offer_expires_at = None
    db.session.flush()
    return reservation


def decline_offer(reservation: Reservation) -> Reservation:
    """Decline an own waitlist offer: the slot goes to the next in line."""
    if reservation.status != "aangeboden":
        raise DomainError(_("Er is geen open aanbod voor deze reservatie."), status_code=409)
    return cancel_reservation(reservation)


def expire_offers(now: datetime | None = None) -> int:
    """End the acting owner's offers whose time ran out and offer the slot to the next in line; idempotent."""
    now = now or utcnow()
    ended = 0
    due = db.session.scalars(
        select(Booking.id)
        .where(Booking.status == "aangeboden", Booking.offer_expires_at <= now)
        .order_by(Booking.resource_id, Booking.id)
    ).all()
    for booking_id in due:
        booking = db.session.get(Booking, booking_id)
        if booking is None:
            continue
        _lock_resource(booking.resource_id)
        db.session.refresh(booking)
        # Re-checked under the lock: the requester may have accepted meanwhile.
        if booking.status != "aangeboden" or booking.offer_expires_at is None or booking.offer_expires_at > now:
            continue
        note = _("Het aanbod is verlopen.")
        booking.status = "geannuleerd"
        booking.decision_note = note
        booking.offer_expires_at = None
        db.session.flush()
        _copy(
            booking.requester_tenant_id,
            Reservation,
            booking.reservation_id,
            {"status": "geannuleerd", "decision_note": note, "offer_expires_at": None},
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


# -- request groups (basket per owner, weekly series) ---------------------------------------


def _new_group_key() -> str:
    return secrets.token_hex(16)


def is_group_key(value: str) -> bool:
    """Tell whether ``value`` has the shape of a request group key (32 lowercase hex digits)."""
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def _notify_group(owner_id: int, group_key: str, kind: str, rows: list[Reservation], requester_id: int) -> None:
    """Tell the owner's staff once about a new request group (not once per line)."""
    with tenant_context(owner_id, user_id=_user_id()):
        requester_name = db.session.scalar(select(Tenant.name).where(Tenant.id == requester_id))
        names = ", ".join(dict.fromkeys(r.resource_name for r in rows))
        if kind == "reeks":
            title = _("Nieuwe aanvraag voor een wekelijkse reeks: %(name)s", name=names)
            body = _(
                "%(who)s vraagt %(n)s keer %(name)s aan, van %(a)s tot %(b)s. Beslis over de reeks in één keer.",
                who=requester_name,
                n=len(rows),
                name=names,
                a=_fmt(rows[0].starts_at),
                b=_fmt(rows[-1].ends_at),
            )
        else:
            title = _("Nieuwe aanvraag van %(who)s (%(n)s regels)", who=requester_name, n=len(rows))
            body = _("%(who)s vraagt aan: %(names)s.", who=requester_name, names=names)
        for staff in _staff_of(owner_id):
            notify(
                staff,
                category="rentals",
                title=title,
                body=body,
                link=f"/{_slug(owner_id)}/verhuur/aanvragen/groep/{group_key}",
                dedupe_key=f"rentals:group:{group_key}:{staff.id}",
                source_tenant_id=requester_id,
            )


def group_reservations(group_key: str) -> list[Reservation]:
    """Return the acting tenant's reservations of one request group, in time order."""
    return list(
        db.session.scalars(
            select(Reservation)
            .where(Reservation.tenant_id == current_tenant(), Reservation.group_key == group_key[:32])
            .order_by(Reservation.starts_at, Reservation.id)
        )
    )


def group_total(rows: Iterable[Reservation] | Iterable[Booking]) -> Decimal:
    """Return what a request group costs: price plus delivery of every line not cancelled or refused."""
    return sum(
        (row.price + row.delivery_cost for row in rows if row.status not in ("geannuleerd", "geweigerd")),
        Decimal("0.00"),
    )


def group_bookings(group_key: str) -> list[Booking]:
    """Return the acting owner's bookings of one request group, in time order."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.tenant_id == current_tenant(), Booking.group_key == group_key[:32])
            .order_by(Booking.starts_at, Booking.id)
        )
    )


def cancel_group(group_key: str) -> int:
    """Cancel every open line of an own request group (a whole series); return how many."""
    rows = [r for r in group_reservations(group_key) if r.status in CANCELLABLE_STATUSES]
    if not rows:
        raise DomainError(_("Er is niets meer te annuleren in deze aanvraag."), status_code=409)
    for row in rows:
        cancel_reservation(row)
    return len(rows)


def decide_group(group_key: str, action: str, *, note: str = "") -> int:
    """Approve or refuse every open line of a request group for the own resources; tell the requester once."""
    if action not in ("goedkeuren", "weigeren"):
        raise DomainError(_("Kies goedkeuren of weigeren."), field="action", status_code=422)
    rows = [b for b in group_bookings(group_key) if b.status == "aangevraagd"]
    if not rows:
        raise DomainError(_("In deze aanvraag staat niets meer open."), status_code=409)
    for booking in rows:
        decide_booking(booking, action, note=note, in_group=True)
    first = rows[0]
    user = _requester_user(first)
    if user is not None:
        names = ", ".join(dict.fromkeys(b.resource.name for b in rows))
        title = (
            _("Aanvraag goedgekeurd: %(names)s", names=names)
            if action == "goedkeuren"
            else _("Aanvraag geweigerd: %(names)s", names=names)
        )
        body = " ".join(
            part
            for part in (
                _("%(n)s regels.", n=len(rows)),
                first.decision_note,
                _("Aanvaard de uitleenovereenkomsten in het portaal vóór het afhalen.")
                if action == "goedkeuren"
                else "",
            )
            if part
        )
        notify(
            user,
            category="rentals",
            title=title,
            body=body,
            link=f"/{_slug(first.requester_tenant_id)}/verhuur/reservaties/groep/{group_key}",
            dedupe_key=f"rentals:group-decision:{group_key}:{action}",
            source_tenant_id=first.tenant_id,
        )
    return len(rows)


# -- basket ---------------------------------------------------------------------------------

#: A basket holds at most this many lines (a technical service rarely needs more at once).
MAX_BASKET_ITEMS = 30


def basket_items(user: Any) -> list[BasketItem]:
    """Return the lines of ``user``'s basket, oldest first."""
    return list(
        db.session.scalars(
            select(BasketItem)
            .where(BasketItem.tenant_id == current_tenant(), BasketItem.user_id == user.id)
            .order_by(BasketItem.created_at, BasketItem.id)
        )
    )


def add_to_basket(resource: Resource, data: dict[str, Any], *, user: Any) -> BasketItem:
    """Put a visible resource for a period in ``user``'s basket (the rules are checked now and at submission)."""
    starts_at, ends_at, quantity = data["starts_at"], data["ends_at"], int(data.get("quantity", 1))
    problem = rule_problem(resource, starts_at, ends_at, quantity)
    if problem:
        raise problem
    if len(basket_items(user)) >= MAX_BASKET_ITEMS:
        raise DomainError(_("Je mandje is vol (%(n)s regels).", n=MAX_BASKET_ITEMS), status_code=422)
    item = BasketItem(
        user_id=user.id,
        resource_id=resource.id,
        resource_name=resource.name,
        starts_at=starts_at,
        ends_at=ends_at,
        quantity=quantity,
        purpose=(data.get("purpose") or "").strip()[:500],
        handover_mode=handover_terms(resource, data)[0],
    )
    db.session.add(item)
    db.session.flush()
    return item


def remove_from_basket(item: BasketItem) -> None:
    """Remove one line from the own basket."""
    db.session.delete(item)
    db.session.flush()


def prune_basket(user: Any) -> list[str]:
    """Drop the lines whose resource the tenant may no longer see (e.g. an agreement ended); return their names."""
    items = basket_items(user)
    visible = set(db.session.scalars(select(Resource.id).where(Resource.id.in_({i.resource_id for i in items}))))
    dropped = [i for i in items if i.resource_id not in visible]
    for item in dropped:
        db.session.delete(item)
    db.session.flush()
    return [i.resource_name for i in dropped]


def basket_lines(user: Any) -> list[dict[str, Any]]:
    """Return the visible lines of the basket with their price, free units and any problem, per owner."""
    items = basket_items(user)
    resources = {
        r.id: r
        for r in db.session.scalars(select(Resource).where(Resource.id.in_({i.resource_id for i in items}))).unique()
    }
    requester = current_tenant() or 0
    lines = []
    for number, item in enumerate(items, start=1):
        resource = resources.get(item.resource_id)
        if resource is None:
            continue
        tariff = tariff_class_for(requester, resource)
        price, deposit = compute_price(resource, tariff, item.starts_at, item.ends_at, item.quantity)
        problem = rule_problem(resource, item.starts_at, item.ends_at, item.quantity)
        free = free_quantity(resource, item.starts_at, item.ends_at)
        if problem is None and free < item.quantity:
            problem = _conflict()
        try:
            delivery_cost = handover_terms(resource, {"handover_mode": item.handover_mode})[1]
        except DomainError as refused:  # the owner stopped delivering after the line was added
            delivery_cost, problem = Decimal("0"), problem or refused
        lines.append(
            {
                "number": number,
                "item": item,
                "resource": resource,
                "owner": resource.tenant,
                "tariff_class": tariff,
                "price": price,
                "delivery_cost": delivery_cost,
                "deposit": deposit,
                "free": free,
                "problem": problem.message if problem else None,
            }
        )
    return sorted(lines, key=lambda line: (line["owner"].name, line["number"]))


def _line_label(number: int, name: str, starts_at: datetime, ends_at: datetime) -> str:
    return _("Regel %(n)s (%(name)s, %(a)s – %(b)s)", n=number, name=name, a=_fmt(starts_at), b=_fmt(ends_at))


def submit_basket(user: Any) -> list[tuple[Tenant, str, list[Reservation]]]:
    """Turn ``user``'s basket into one request group per owner, all or nothing; return (owner, key, rows).

    Every line goes through ``request_reservation`` (same rules, frozen price, same locks and
    exclusion constraint). Resources are locked in id order first, so two baskets sharing
    resources never wait on each other in a cycle. One line not free: nothing is created
    (the caller rolls back), the error names the line, the basket stays.
    """
    requester = current_tenant()
    if requester is None:
        raise DomainError(_("Geen bestuur actief."), status_code=400)
    items = basket_items(user)
    if not items:
        raise DomainError(_("Je mandje is leeg."), status_code=422)
    numbers = {item.id: n for n, item in enumerate(items, start=1)}
    resources = {
        r.id: r
        for r in db.session.scalars(select(Resource).where(Resource.id.in_({i.resource_id for i in items}))).unique()
    }
    missing = [i.resource_name for i in items if i.resource_id not in resources]
    if missing:
        raise DomainError(
            _("Niet meer zichtbaar voor jullie: %(names)s. Controleer je mandje.", names=", ".join(missing)),
            status_code=409,
        )
    ordered = sorted(items, key=lambda i: (i.resource_id, i.starts_at, i.id))
    problems, status = [], 422
    for resource_id in sorted(resources):
        with tenant_context(resources[resource_id].tenant_id, user_id=user.id):
            _lock_resource(resource_id)
    for item in ordered:
        resource = resources[item.resource_id]
        label = _line_label(numbers[item.id], resource.name, item.starts_at, item.ends_at)
        problem = rule_problem(resource, item.starts_at, item.ends_at, item.quantity)
        if problem is None and free_quantity(resource, item.starts_at, item.ends_at) < item.quantity:
            problem, status = _conflict(), 409
        if problem is not None:
            problems.append(f"{label}: {problem.message}")
    if problems:
        raise DomainError(_("Er is niets aangevraagd.") + " " + " ".join(problems), status_code=status)
    keys: dict[int, str] = {}
    made: dict[int, list[Reservation]] = {}
    for item in ordered:
        resource = resources[item.resource_id]
        key = keys.setdefault(resource.tenant_id, _new_group_key())
        data = {
            "starts_at": item.starts_at,
            "ends_at": item.ends_at,
            "quantity": item.quantity,
            "purpose": item.purpose,
            "handover_mode": item.handover_mode,
        }
        try:
            row = request_reservation(resource, data, user=user, group_key=key, group_kind="mand", notify_owner=False)
        except DomainError as err:
            # Two lines of this basket overlap on one unit: name the line, create nothing.
            label = _line_label(numbers[item.id], resource.name, item.starts_at, item.ends_at)
            raise DomainError(
                _("Er is niets aangevraagd.") + f" {label}: {err.message}", status_code=err.status_code
            ) from None
        made.setdefault(resource.tenant_id, []).append(row)
    for item in items:
        db.session.delete(item)
    db.session.flush()
    out = []
    for owner_id, rows in made.items():
        rows.sort(key=lambda r: (r.starts_at, r.id))
        _notify_group(owner_id, keys[owner_id], "mand", rows, requester)
        out.append((resources[rows[0].resource_id].tenant, keys[owner_id], rows))
    return sorted(out, key=lambda entry: entry[0].name)


# -- weekly series of a hall ----------------------------------------------------------------

#: A weekly series has at most this many occurrences (a year).
MAX_OCCURRENCES = 52


def _clock(value: Any) -> str:
    return value if isinstance(value, str) else value.strftime("%H:%M")


def series_occurrences(resource: Resource, data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (candidates, skipped) of a weekly series: each week's day at the Brussels wall-clock times.

    Public holidays, the owner's closing days, blackouts and other rule problems are skipped with
    their reason; the UTC moments shift by an hour across a DST change, the wall clock does not.
    """
    first_on, last_on = data["first_on"], data["last_on"]
    start_clock, end_clock = _clock(data["starts_time"]), _clock(data["ends_time"])
    if last_on < first_on:
        raise DomainError(_("De laatste datum moet na de eerste liggen."), field="last_on", status_code=422)
    if end_clock <= start_clock:
        raise DomainError(_("Het einduur moet na het beginuur liggen."), field="ends_time", status_code=422)
    days = []
    day = first_on
    while day <= last_on:
        days.append(day)
        day += timedelta(days=7)
    if len(days) > MAX_OCCURRENCES:
        raise DomainError(
            _("Een reeks telt hoogstens %(n)s keer; kies een kortere periode.", n=MAX_OCCURRENCES),
            field="last_on",
            status_code=422,
        )
    candidates, skipped = [], []
    for day in days:
        starts_at, ends_at = brussels(day, start_clock), brussels(day, end_clock)
        reason = closed_reason(resource.tenant, day)
        if reason is None:
            problem = rule_problem(resource, starts_at, ends_at, 1)
            reason = problem.message if problem else None
        entry = {"on": day, "starts_at": starts_at, "ends_at": ends_at}
        if reason:
            skipped.append({**entry, "reason": reason})
        else:
            candidates.append(entry)
    return candidates, skipped


def _reserve_checked(
    resource: Resource,
    occurrences: list[dict[str, Any]],
    data: dict[str, Any],
    *,
    user: Any,
    requester: int,
    group_key: str,
) -> list[Reservation]:
    """Write the two rows of every occurrence of a series in three batched flushes.

    The caller holds the resource's lock and has checked the rules and the availability of every
    occurrence; what ``request_reservation`` does per row (lock, overlap read, tariff, flushes) is
    done once here, so a year of weeks costs a handful of statements instead of hundreds.
    """
    tariff = tariff_class_for(requester, resource)
    purpose = (data.get("purpose") or "").strip()[:500]
    handover, delivery_cost = handover_terms(resource, {"handover_mode": "afhalen"})
    group = {"group_key": group_key, "group_kind": "reeks", "handover_mode": handover, "delivery_cost": delivery_cost}
    rows = [
        _new_reservation(resource, o["starts_at"], o["ends_at"], 1, purpose, tariff, user, group) for o in occurrences
    ]
    db.session.add_all(rows)
    db.session.flush()
    buffer = timedelta(minutes=resource.buffer_minutes)
    with tenant_context(resource.tenant_id, user_id=user.id):
        bookings = [_new_booking(row, resource, requester, "aangevraagd", buffer, user) for row in rows]
        try:
            with db.session.begin_nested():
                db.session.add_all(bookings)
        except IntegrityError:
            # The exclusion constraint: only possible if a writer got past the lock.
            raise _conflict() from None
    for row, booking in zip(rows, bookings, strict=True):
        row.booking_id = booking.id
        row.status = "aangevraagd"
    db.session.flush()
    return rows


def request_series(resource: Resource, data: dict[str, Any], *, user: Any) -> dict[str, Any]:
    """Reserve a hall every week on the same day and hours; one request group the owner decides on at once.

    ``mode`` "alles": one taken occurrence and nothing is reserved (409); "vrije": the free ones
    are reserved and the taken ones reported. Returns the group key, the rows, and the skipped
    and conflicting occurrences.
    """
    requester = current_tenant()
    if requester is None:
        raise DomainError(_("Geen bestuur actief."), status_code=400)
    if resource.kind != "zaal":
        raise DomainError(_("Een wekelijkse reeks kan enkel voor een zaal."), field="resource_id", status_code=422)
    candidates, skipped = series_occurrences(resource, data)
    with tenant_context(resource.tenant_id, user_id=user.id):
        # Lock before checking: nobody takes an occurrence between the check and the insert.
        _lock_resource(resource.id)
    buffer = timedelta(minutes=resource.buffer_minutes)
    taken: list[Booking] = []
    if candidates:
        # One read of the whole span instead of one per week; only the overlaps are compared per date.
        with tenant_context(resource.tenant_id, user_id=user.id):
            taken = _active_bookings(resource.id, candidates[0]["starts_at"], candidates[-1]["ends_at"] + buffer)
    conflicts = [
        c
        for c in candidates
        if _peak(b for b in taken if b.starts_at < c["ends_at"] + buffer and b.blocked_until > c["starts_at"]) + 1
        > resource.quantity
    ]
    free = [c for c in candidates if c not in conflicts]
    if conflicts and data.get("mode", "alles") == "alles":
        raise DomainError(
            _(
                "Er is niets gereserveerd: de zaal is al bezet op %(dates)s. Kies andere uren of reserveer enkel "
                "de vrije data.",
                dates=", ".join(c["on"].strftime("%d/%m/%Y") for c in conflicts),
            ),
            status_code=409,
        )
    if not free:
        raise DomainError(_("Geen enkele datum van de reeks is vrij."), status_code=409)
    key = _new_group_key()
    rows = _reserve_checked(resource, free, data, user=user, requester=requester, group_key=key)
    _notify_group(resource.tenant_id, key, "reeks", rows, requester)
    return {"group_key": key, "reservations": rows, "skipped": skipped, "conflicts": conflicts}
