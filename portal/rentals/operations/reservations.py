"""Reservations: request, owner decisions along the lifecycle, cancellation; flush, never commit.

A reservation has two rows (see docs/decisions, ADR on rentals): the requester's
``Reservation`` and the owner's ``Booking``. Code that writes the other party's row acts for
that tenant for exactly that write (``tenants.context.acting_for``), as ``tenants.rls`` prescribes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.rentals.models import Booking, GroupKind, RentalStatus, Reservation, Resource
from portal.rentals.operations._common import (
    _acting_as,
    _conflict,
    _copy,
    _fmt,
    _lock_resource,
    _mirror,
    _tell_requester,
    _tell_staff,
)
from portal.rentals.operations.agreement import agreement_terms
from portal.rentals.operations.availability import _active_bookings, _peak, rule_problem
from portal.rentals.operations.photos import _store_photos
from portal.rentals.operations.pricing import compute_price, handover_terms, tariff_class_for
from portal.rentals.operations.waitlist import offer_waitlist
from tenants.context import acting_for, current_tenant_id
from tenants.models import Tenant


def _new_reservation(
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    quantity: int,
    purpose: str,
    tariff: str,
    user: User,
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
    reservation: Reservation, resource: Resource, requester: int, status: str, buffer: timedelta, user: User
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
    user: User,
    group_key: str | None = None,
    group_kind: str | None = None,
    notify_owner: bool = True,
) -> Reservation:
    """Reserve ``resource`` for the acting tenant: check the rules, freeze the price, occupy the slot.

    A basket or a series passes its ``group_key`` and tells the owner once for the whole group.
    """
    requester = current_tenant_id()
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
    with _acting_as(resource.tenant_id, user):
        # Serialise the writers of this resource before anything else is written.
        _lock_resource(resource.id)
    reservation = _new_reservation(resource, starts_at, ends_at, quantity, purpose, tariff, user, group)
    db.session.add(reservation)
    db.session.flush()
    buffer = timedelta(minutes=resource.buffer_minutes)
    with _acting_as(resource.tenant_id, user):
        taken = _peak(_active_bookings(resource.id, starts_at, ends_at + buffer))
        status = RentalStatus.AANGEVRAAGD
        if taken + quantity > resource.quantity:
            if not data.get("waitlist"):
                raise _conflict()
            # Full: wait for a free slot; a waiting booking occupies nothing.
            status = RentalStatus.WACHTLIJST
        booking = _new_booking(reservation, resource, requester, status, buffer, user)
        try:
            with db.session.begin_nested():
                db.session.add(booking)
        except IntegrityError:
            # The exclusion constraint caught a concurrent booking of the same single unit.
            raise _conflict() from None
        booking_id = booking.id
        if status == RentalStatus.AANGEVRAAGD and notify_owner:
            requester_name = db.session.scalar(select(Tenant.name).where(Tenant.id == requester))
            _tell_staff(
                resource.tenant_id,
                title=_("Nieuwe reservatieaanvraag: %(name)s", name=resource.name),
                body=_(
                    "%(who)s vraagt %(name)s aan van %(a)s tot %(b)s.",
                    who=requester_name,
                    name=resource.name,
                    a=_fmt(starts_at),
                    b=_fmt(ends_at),
                ),
                path=str(booking_id),
                dedupe_key=f"rentals:request:{booking_id}",
                source_tenant_id=requester,
            )
    reservation.booking_id = booking_id
    reservation.status = status
    db.session.flush()
    return reservation


#: Owner transitions: action -> (allowed from, new status).
OWNER_ACTIONS = {
    "goedkeuren": ((RentalStatus.AANGEVRAAGD,), RentalStatus.GOEDGEKEURD),
    "weigeren": ((RentalStatus.AANGEVRAAGD,), RentalStatus.GEWEIGERD),
    "afhalen": ((RentalStatus.GOEDGEKEURD,), RentalStatus.AFGEHAALD),
    "terugbrengen": ((RentalStatus.AFGEHAALD,), RentalStatus.TERUGGEBRACHT),
    "afrekenen": ((RentalStatus.TERUGGEBRACHT,), RentalStatus.AFGEREKEND),
}


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


def tell_decision(
    booking: Booking,
    *,
    approved: bool,
    title: str,
    parts: Iterable[str],
    hint: str,
    path: str,
    dedupe_key: str,
) -> None:
    """Tell the requester of ``booking`` the owner's decision; an approval adds ``hint`` (accept the agreement).

    ``path`` is the reservation (or request group) below the requester's ``verhuur/reservaties/``.
    """
    _tell_requester(
        booking,
        title=title,
        body=" ".join(part for part in (*parts, hint if approved else "") if part),
        dedupe_key=dedupe_key,
        path=path,
    )


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
    if booking.group_kind == GroupKind.REEKS and action in ("goedkeuren", "weigeren") and not in_group:
        raise DomainError(_("Over een wekelijkse reeks beslis je in één keer: open de reeks."), status_code=409)
    values = _handover(booking, action, report or {})
    if new_status == RentalStatus.GOEDGEKEURD:
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
    if new_status in (RentalStatus.GEWEIGERD, RentalStatus.TERUGGEBRACHT):
        offer_waitlist(booking.resource)
    if new_status in (RentalStatus.GOEDGEKEURD, RentalStatus.GEWEIGERD) and not in_group:
        approved = new_status == RentalStatus.GOEDGEKEURD
        tell_decision(
            booking,
            approved=approved,
            title=(
                _("Reservatie goedgekeurd: %(name)s", name=resource_name)
                if approved
                else _("Reservatie geweigerd: %(name)s", name=resource_name)
            ),
            parts=(booking.decision_note,),
            hint=_("Aanvaard de uitleenovereenkomst in het portaal vóór het afhalen."),
            path=str(booking.reservation_id),
            dedupe_key=f"rentals:decision:{booking.id}:{new_status}",
        )
    return booking


#: Statuses the requester may still cancel (an open offer included: cancelling it declines it).
CANCELLABLE_STATUSES = (
    RentalStatus.WACHTLIJST,
    RentalStatus.AANGEBODEN,
    RentalStatus.AANGEVRAAGD,
    RentalStatus.GOEDGEKEURD,
)


def cancel_reservation(reservation: Reservation) -> Reservation:
    """Cancel an own reservation (or waitlist entry) before pick-up; the slot goes to the waitlist."""
    if reservation.status not in CANCELLABLE_STATUSES:
        raise DomainError(_("Een reservatie die %(s)s is, kan je niet meer annuleren.", s=reservation.status))
    freed = reservation.status != RentalStatus.WACHTLIJST
    reservation.status = RentalStatus.GEANNULEERD
    db.session.flush()
    _mirror(reservation.owner_tenant_id, Booking, reservation.booking_id, RentalStatus.GEANNULEERD, "")
    if freed:
        with acting_for(reservation.owner_tenant_id):
            resource = db.session.get(Resource, reservation.resource_id)
            if resource is not None:
                offer_waitlist(resource)
    return reservation


def decline_offer(reservation: Reservation) -> Reservation:
    """Decline an own waitlist offer: the slot goes to the next in line."""
    if reservation.status != RentalStatus.AANGEBODEN:
        raise DomainError(_("Er is geen open aanbod voor deze reservatie."), status_code=409)
    return cancel_reservation(reservation)
