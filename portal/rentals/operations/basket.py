"""Request groups of rentals: the basket (one group per owner) and the weekly series of a hall."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.extensions import db
from portal.rentals.models import (
    BasketItem,
    Booking,
    GroupKind,
    HandoverMode,
    RentalStatus,
    Reservation,
    Resource,
    ResourceKind,
)
from portal.rentals.operations._common import (
    _acting_as,
    _conflict,
    _fmt,
    _lock_resource,
    _tell_staff,
    brussels,
)
from portal.rentals.operations.availability import (
    _active_bookings,
    _peak,
    closed_reason,
    ends_after_start,
    free_quantity,
    rule_problem,
)
from portal.rentals.operations.pricing import compute_price, handover_terms, tariff_class_for
from portal.rentals.operations.reservations import (
    CANCELLABLE_STATUSES,
    _new_booking,
    _new_reservation,
    cancel_reservation,
    decide_booking,
    request_reservation,
    tell_decision,
)
from tenants.context import acting_for, current_tenant_id
from tenants.models import Tenant


def _new_group_key() -> str:
    return secrets.token_hex(16)


def is_group_key(value: str) -> bool:
    """Tell whether ``value`` has the shape of a request group key (32 lowercase hex digits)."""
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def _notify_group(owner_id: int, group_key: str, kind: str, rows: list[Reservation], requester_id: int) -> None:
    """Tell the owner's staff once about a new request group (not once per line)."""
    with acting_for(owner_id):
        requester_name = db.session.scalar(select(Tenant.name).where(Tenant.id == requester_id))
        names = ", ".join(dict.fromkeys(r.resource_name for r in rows))
        if kind == GroupKind.REEKS:
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
        _tell_staff(
            owner_id,
            title=title,
            body=body,
            path=f"groep/{group_key}",
            dedupe_key=f"rentals:group:{group_key}",
            source_tenant_id=requester_id,
        )


def group_reservations(group_key: str) -> list[Reservation]:
    """Return the acting tenant's reservations of one request group, in time order."""
    return list(
        db.session.scalars(
            select(Reservation)
            .where(Reservation.tenant_id == current_tenant_id(), Reservation.group_key == group_key[:32])
            .order_by(Reservation.starts_at, Reservation.id)
        )
    )


def group_total(rows: Iterable[Reservation] | Iterable[Booking]) -> Decimal:
    """Return what a request group costs: price plus delivery of every line not cancelled or refused."""
    return sum(
        (
            row.price + row.delivery_cost
            for row in rows
            if row.status not in (RentalStatus.GEANNULEERD, RentalStatus.GEWEIGERD)
        ),
        Decimal("0.00"),
    )


def group_bookings(group_key: str) -> list[Booking]:
    """Return the acting owner's bookings of one request group, in time order."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.tenant_id == current_tenant_id(), Booking.group_key == group_key[:32])
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
    rows = [b for b in group_bookings(group_key) if b.status == RentalStatus.AANGEVRAAGD]
    if not rows:
        raise DomainError(_("In deze aanvraag staat niets meer open."), status_code=409)
    for booking in rows:
        decide_booking(booking, action, note=note, in_group=True)
    first = rows[0]
    names = ", ".join(dict.fromkeys(b.resource.name for b in rows))
    tell_decision(
        first,
        approved=action == "goedkeuren",
        title=(
            _("Aanvraag goedgekeurd: %(names)s", names=names)
            if action == "goedkeuren"
            else _("Aanvraag geweigerd: %(names)s", names=names)
        ),
        parts=(_("%(n)s regels.", n=len(rows)), first.decision_note),
        hint=_("Aanvaard de uitleenovereenkomsten in het portaal vóór het afhalen."),
        path=f"groep/{group_key}",
        dedupe_key=f"rentals:group-decision:{group_key}:{action}",
    )
    return len(rows)


#: A basket holds at most this many lines (a technical service rarely needs more at once).
MAX_BASKET_ITEMS = 30


def basket_items(user: User) -> list[BasketItem]:
    """Return the lines of ``user``'s basket, oldest first."""
    return list(
        db.session.scalars(
            select(BasketItem)
            .where(BasketItem.tenant_id == current_tenant_id(), BasketItem.user_id == user.id)
            .order_by(BasketItem.created_at, BasketItem.id)
        )
    )


def add_to_basket(resource: Resource, data: dict[str, Any], *, user: User) -> BasketItem:
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


def prune_basket(user: User) -> list[str]:
    """Drop the lines whose resource the tenant may no longer see (e.g. an agreement ended); return their names."""
    items = basket_items(user)
    visible = set(db.session.scalars(select(Resource.id).where(Resource.id.in_({i.resource_id for i in items}))))
    dropped = [i for i in items if i.resource_id not in visible]
    for item in dropped:
        db.session.delete(item)
    db.session.flush()
    return [i.resource_name for i in dropped]


def basket_lines(user: User) -> list[dict[str, Any]]:
    """Return the visible lines of the basket with their price, free units and any problem, per owner."""
    items = basket_items(user)
    resources = {
        r.id: r
        for r in db.session.scalars(select(Resource).where(Resource.id.in_({i.resource_id for i in items}))).unique()
    }
    requester = current_tenant_id() or 0
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


def submit_basket(user: User) -> list[tuple[Tenant, str, list[Reservation]]]:
    """Turn ``user``'s basket into one request group per owner, all or nothing; return (owner, key, rows).

    Every line goes through ``request_reservation`` (same rules, frozen price, same locks and
    exclusion constraint). Resources are locked in id order first, so two baskets sharing
    resources never wait on each other in a cycle. One line not free: nothing is created
    (the caller rolls back), the error names the line, the basket stays.
    """
    requester = current_tenant_id()
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
        with _acting_as(resources[resource_id].tenant_id, user):
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
            row = request_reservation(
                resource, data, user=user, group_key=key, group_kind=GroupKind.MAND, notify_owner=False
            )
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
        _notify_group(owner_id, keys[owner_id], GroupKind.MAND, rows, requester)
        out.append((resources[rows[0].resource_id].tenant, keys[owner_id], rows))
    return sorted(out, key=lambda entry: entry[0].name)


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
    if not ends_after_start(start_clock, end_clock):
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
    user: User,
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
    handover, delivery_cost = handover_terms(resource, {"handover_mode": HandoverMode.AFHALEN})
    group = {
        "group_key": group_key,
        "group_kind": GroupKind.REEKS,
        "handover_mode": handover,
        "delivery_cost": delivery_cost,
    }
    rows = [
        _new_reservation(resource, o["starts_at"], o["ends_at"], 1, purpose, tariff, user, group) for o in occurrences
    ]
    db.session.add_all(rows)
    db.session.flush()
    buffer = timedelta(minutes=resource.buffer_minutes)
    with _acting_as(resource.tenant_id, user):
        bookings = [_new_booking(row, resource, requester, RentalStatus.AANGEVRAAGD, buffer, user) for row in rows]
        try:
            with db.session.begin_nested():
                db.session.add_all(bookings)
        except IntegrityError:
            # The exclusion constraint: only possible if a writer got past the lock.
            raise _conflict() from None
    for row, booking in zip(rows, bookings, strict=True):
        row.booking_id = booking.id
        row.status = RentalStatus.AANGEVRAAGD
    db.session.flush()
    return rows


def request_series(resource: Resource, data: dict[str, Any], *, user: User) -> dict[str, Any]:
    """Reserve a hall every week on the same day and hours; one request group the owner decides on at once.

    ``mode`` "alles": one taken occurrence and nothing is reserved (409); "vrije": the free ones
    are reserved and the taken ones reported. Returns the group key, the rows, and the skipped
    and conflicting occurrences.
    """
    requester = current_tenant_id()
    if requester is None:
        raise DomainError(_("Geen bestuur actief."), status_code=400)
    if resource.kind != ResourceKind.ZAAL:
        raise DomainError(_("Een wekelijkse reeks kan enkel voor een zaal."), field="resource_id", status_code=422)
    candidates, skipped = series_occurrences(resource, data)
    with _acting_as(resource.tenant_id, user):
        # Lock before checking: nobody takes an occurrence between the check and the insert.
        _lock_resource(resource.id)
    buffer = timedelta(minutes=resource.buffer_minutes)
    taken: list[Booking] = []
    if candidates:
        # One read of the whole span instead of one per week; only the overlaps are compared per date.
        with _acting_as(resource.tenant_id, user):
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
    _notify_group(resource.tenant_id, key, GroupKind.REEKS, rows, requester)
    return {"group_key": key, "reservations": rows, "skipped": skipped, "conflicts": conflicts}
