"""Rental operations: catalogue, tariffs, availability and reservations; flush, never commit.

A reservation has two rows (see docs/decisions, ADR on rentals): the requester's
``Reservation`` and the owner's ``Booking``. Code that writes the other party's row enters
that tenant's context for exactly that write, as ``tenants.rls`` prescribes.
"""

from __future__ import annotations

import hashlib
import math
import secrets
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
from portal.core.files import store_document
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.roles import ALGEMEEN_DIRECTEUR, DIENST
from portal.extensions import db
from portal.rentals.models import ACTIVE_STATUSES, Booking, CalendarToken, HandoverPhoto, Reservation, Resource
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
        status = "aangevraagd"
        if taken + quantity > resource.quantity:
            if not data.get("waitlist"):
                raise _conflict()
            # Full: wait for a free slot; a waiting booking occupies nothing.
            status = "wachtlijst"
        booking = Booking(
            status=status,
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
        for staff in _staff_of(resource.tenant_id) if status == "aangevraagd" else []:
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


def decide_booking(booking: Booking, action: str, *, note: str = "", report: dict[str, Any] | None = None) -> Booking:
    """Move the owner's booking along its lifecycle and tell the requester about decisions.

    Approval freezes the loan agreement; pick-up needs the requester's acceptance and a
    condition report; the return records the return check and any damage.
    """
    if action not in OWNER_ACTIONS:
        raise DomainError(_("Onbekende actie."), field="action", status_code=422)
    allowed, new_status = OWNER_ACTIONS[action]
    if booking.status not in allowed:
        raise DomainError(_("Deze stap kan niet meer: de reservatie is %(s)s.", s=booking.status))
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


def cancel_reservation(reservation: Reservation) -> Reservation:
    """Cancel an own reservation (or waitlist entry) before pick-up; the slot goes to the waitlist."""
    if reservation.status not in ("wachtlijst", "aangevraagd", "goedgekeurd"):
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


def offer_waitlist(resource: Resource) -> list[int]:
    """Turn waiting requests that now fit into real requests, oldest first (call in the owner's context).

    Each one goes to the owner for approval as usual; the requester hears that a slot freed up.
    Returns the booking ids that left the waitlist.
    """
    _lock_resource(resource.id)
    waiting = db.session.scalars(
        select(Booking)
        .where(Booking.resource_id == resource.id, Booking.status == "wachtlijst", Booking.starts_at > utcnow())
        .order_by(Booking.created_at, Booking.id)
    ).all()
    moved = []
    for booking in waiting:
        taken = _peak(_active_bookings(resource.id, booking.starts_at, booking.blocked_until))
        if taken + booking.quantity > resource.quantity:
            continue
        booking.status = "aangevraagd"
        db.session.flush()
        moved.append(booking.id)
        _mirror(booking.requester_tenant_id, Reservation, booking.reservation_id, "aangevraagd", "")
        user = _requester_user(booking)
        if user is not None:
            notify(
                user,
                category="rentals",
                title=_("Er kwam een plaats vrij: %(name)s", name=resource.name),
                body=_(
                    "Je aanvraag van de wachtlijst ligt nu bij %(owner)s ter goedkeuring (%(a)s tot %(b)s).",
                    owner=resource.tenant.name,
                    a=_fmt(booking.starts_at),
                    b=_fmt(booking.ends_at),
                ),
                link=f"/{_slug(booking.requester_tenant_id)}/verhuur/reservaties/{booking.reservation_id}",
                dedupe_key=f"rentals:waitlist:{booking.id}",
                source_tenant_id=resource.tenant_id,
            )
        for staff in _staff_of(resource.tenant_id):
            notify(
                staff,
                category="rentals",
                title=_("Nieuwe reservatieaanvraag: %(name)s", name=resource.name),
                body=_("%(who)s stond op de wachtlijst; er kwam een plaats vrij.", who=booking.requester.name),
                link=f"/{_slug(resource.tenant_id)}/verhuur/aanvragen/{booking.id}",
                dedupe_key=f"rentals:request:{booking.id}:{staff.id}",
                source_tenant_id=booking.requester_tenant_id,
            )
    return moved


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
    pair includes the viewer; own use is left out. ``balance`` = lent - borrowed: positive
    means the partner owes the viewer.
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
    lent = db.session.execute(
        select(Booking.requester_tenant_id, Booking.price).where(
            Booking.status.in_(SETTLED_STATUSES),
            Booking.requester_tenant_id != viewer,
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
    )
    for tenant_id, price in lent:
        item = row(tenant_id)
        item["lent_count"] += 1
        item["lent_amount"] += Decimal(price)
    borrowed = db.session.execute(
        select(Reservation.owner_tenant_id, Reservation.price).where(
            Reservation.status.in_(SETTLED_STATUSES),
            Reservation.owner_tenant_id != viewer,
            Reservation.starts_at >= start,
            Reservation.starts_at < end,
        )
    )
    for tenant_id, price in borrowed:
        item = row(tenant_id)
        item["borrowed_count"] += 1
        item["borrowed_amount"] += Decimal(price)
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


def _calendar(name: str) -> Any:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//Samenwerkingsportaal//Verhuur//NL")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Brussels")
    return cal


def _event(uid: str, summary: str, starts_at: datetime, ends_at: datetime, url: str, description: str = "") -> Any:
    from icalendar import Event

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", summary)
    event.add("url", url)
    event.add("description", "\n".join(part for part in (description, url) if part))
    return event


def reservations_ical(tenant: Tenant, base_url: str) -> bytes:
    """Return the acting tenant's reservations (of own and partners' resources) as iCal."""
    cal = _calendar(_("Reservaties %(name)s", name=tenant.name))
    rows = db.session.scalars(
        select(Reservation)
        .where(Reservation.status.in_(CALENDAR_STATUSES))
        .order_by(Reservation.starts_at, Reservation.id)
        .limit(2000)
    )
    for r in rows:
        cal.add_component(
            _event(
                f"rental-reservation-{r.id}@samenwerkingsportaal",
                f"{r.resource_name} ({r.owner.name})",
                r.starts_at,
                r.ends_at,
                f"{base_url}/{tenant.slug}/verhuur/reservaties/{r.id}",
                _("Status: %(s)s", s=r.status) + (f" · {r.purpose}" if r.purpose else ""),
            )
        )
    return bytes(cal.to_ical())


def resource_ical(resource: Resource, base_url: str) -> bytes:
    """Return free/busy of a resource as iCal; partners see only "Bezet", the owner the requester too."""
    viewer = current_tenant()
    slug = _slug(viewer) if viewer else ""
    is_owner = viewer == resource.tenant_id
    cal = _calendar(_("Bezetting %(name)s", name=resource.name))
    start = utcnow() - timedelta(days=31)
    with tenant_context(resource.tenant_id, user_id=_user_id()):
        rows = [
            (b.id, b.starts_at, b.blocked_until, b.quantity, b.requester.name if is_owner else "")
            for b in _active_bookings(resource.id, start, start + timedelta(days=400))
        ]
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
        cal.add_component(_event(f"{uid}@samenwerkingsportaal", summary, starts_at, blocked_until, link))
    return bytes(cal.to_ical())


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
