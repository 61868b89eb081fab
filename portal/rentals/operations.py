"""Rental operations: catalogue, tariffs, availability and reservations; flush, never commit.

A reservation has two rows (see docs/decisions, ADR on rentals): the requester's
``Reservation`` and the owner's ``Booking``. Code that writes the other party's row enters
that tenant's context for exactly that write, as ``tenants.rls`` prescribes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.easter import easter
from flask_babel import gettext as _
from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.roles import ALGEMEEN_DIRECTEUR, DIENST
from portal.extensions import db
from portal.rentals.models import ACTIVE_STATUSES, Booking, Reservation, Resource
from tenants.context import BRUSSELS, current_context, tenant_context
from tenants.models import Tenant
from tenants.sharing import partner_tenants, set_audience

CENT = Decimal("0.01")

# -- catalogue ------------------------------------------------------------------------------


def visible_resources(
    q: str | None = None, *, category: str | None = None, owner_id: int | None = None, kind: str | None = None
) -> Select[Any]:
    """Return a query of resources the acting tenant may read (own and shared), by owner and name."""
    stmt = select(Resource)
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


def belgian_holidays(year: int) -> dict[date, str]:
    """Return the ten Belgian public holidays of ``year``."""
    e = easter(year)
    return {
        date(year, 1, 1): _("Nieuwjaar"),
        e + timedelta(days=1): _("Paasmaandag"),
        date(year, 5, 1): _("Dag van de Arbeid"),
        e + timedelta(days=39): _("O.L.H. Hemelvaart"),
        e + timedelta(days=50): _("Pinkstermaandag"),
        date(year, 7, 21): _("Nationale feestdag"),
        date(year, 8, 15): _("O.L.V. Hemelvaart"),
        date(year, 11, 1): _("Allerheiligen"),
        date(year, 11, 11): _("Wapenstilstand"),
        date(year, 12, 25): _("Kerstmis"),
    }


def closed_reason(tenant: Tenant, day: date) -> str | None:
    """Return why the owner's services are closed on ``day`` (holiday or own closing day), or None."""
    holiday = belgian_holidays(day.year).get(day)
    if holiday:
        return holiday
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
    found = []
    for resource in db.session.scalars(visible_resources(category=category, owner_id=owner_id).limit(500)).unique():
        if rule_problem(resource, starts_at, ends_at, quantity, check_notice=False):
            continue
        free = free_quantity(resource, starts_at, ends_at)
        if free >= quantity:
            found.append((resource, free))
    return found


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


def request_reservation(resource: Resource, data: dict[str, Any], *, user: Any) -> Reservation:
    """Reserve ``resource`` for the acting tenant: check the rules, freeze the price, occupy the slot."""
    requester = current_tenant()
    if requester is None:
        raise DomainError(_("Geen bestuur actief."), status_code=400)
    starts_at, ends_at, quantity = data["starts_at"], data["ends_at"], int(data.get("quantity", 1))
    problem = rule_problem(resource, starts_at, ends_at, quantity)
    if problem:
        raise problem
    tariff = tariff_class_for(requester, resource)
    price, deposit = compute_price(resource, tariff, starts_at, ends_at, quantity)
    purpose = (data.get("purpose") or "").strip()[:500]
    with tenant_context(resource.tenant_id, user_id=user.id):
        # Serialise the writers of this resource before anything else is written.
        _lock_resource(resource.id)
    reservation = Reservation(
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
    )
    db.session.add(reservation)
    db.session.flush()
    buffer = timedelta(minutes=resource.buffer_minutes)
    with tenant_context(resource.tenant_id, user_id=user.id):
        taken = _peak(_active_bookings(resource.id, starts_at, ends_at + buffer))
        if taken + quantity > resource.quantity:
            raise _conflict()
        booking = Booking(
            resource_id=resource.id,
            requester_tenant_id=requester,
            reservation_id=reservation.id,
            is_single_unit=resource.is_single_unit,
            starts_at=starts_at,
            ends_at=ends_at,
            blocked_until=ends_at + buffer,
            quantity=quantity,
            purpose=purpose,
            tariff_class=tariff,
            price=price,
            deposit=deposit,
            requested_by_id=user.id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(booking)
        except IntegrityError:
            # The exclusion constraint caught a concurrent booking of the same single unit.
            raise _conflict() from None
        booking_id = booking.id
        requester_name = db.session.scalar(select(Tenant.name).where(Tenant.id == requester))
        for staff in _staff_of(resource.tenant_id):
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


def decide_booking(booking: Booking, action: str, *, note: str = "") -> Booking:
    """Move the owner's booking along its lifecycle and tell the requester about decisions."""
    if action not in OWNER_ACTIONS:
        raise DomainError(_("Onbekende actie."), field="action", status_code=422)
    allowed, new_status = OWNER_ACTIONS[action]
    if booking.status not in allowed:
        raise DomainError(_("Deze stap kan niet meer: de reservatie is %(s)s.", s=booking.status))
    resource_name = booking.resource.name
    booking.status = new_status
    booking.decision_note = note.strip()[:500]
    db.session.flush()
    _mirror(booking.requester_tenant_id, Reservation, booking.reservation_id, new_status, booking.decision_note)
    if new_status in ("goedgekeurd", "geweigerd"):
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
                notify(
                    user,
                    category="rentals",
                    title=title,
                    body=booking.decision_note,
                    link=f"/{_slug(booking.requester_tenant_id)}/verhuur/reservaties/{booking.reservation_id}",
                    dedupe_key=f"rentals:decision:{booking.id}:{new_status}",
                    source_tenant_id=booking.tenant_id,
                )
    return booking


def cancel_reservation(reservation: Reservation) -> Reservation:
    """Cancel an own reservation before pick-up; the slot frees up at once."""
    if reservation.status not in ("aangevraagd", "goedgekeurd"):
        raise DomainError(_("Een reservatie die %(s)s is, kan je niet meer annuleren.", s=reservation.status))
    reservation.status = "geannuleerd"
    db.session.flush()
    _mirror(reservation.owner_tenant_id, Booking, reservation.booking_id, "geannuleerd", "")
    return reservation


def brussels(day: date, clock: str = "00:00") -> datetime:
    """Return the UTC moment of ``day`` at ``clock`` in Brussels."""
    hour, minute = (int(x) for x in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS).astimezone(UTC)
