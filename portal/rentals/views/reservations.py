"""Reservations and the owner's requests: request, list, show, cancel, decide, answer a waitlist offer."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.unitofwork import fail
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.models import Booking, RentalStatus, Reservation, Resource
from portal.rentals.schemas import CreateReservationSchema, DecisionSchema, OfferResponseSchema
from portal.rentals.views._blueprint import bp
from portal.rentals.views.catalogue import resource_with_errors


@bp.route("/reservaties/nieuw", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def new_reservation() -> Any:
    """Request a reservation of a visible resource for the own tenant."""
    if not permissions.can_reserve(current_user):
        abort(403)
    data, errors = load_form(CreateReservationSchema(), request.form)
    if data is None:
        raw_id = request.form.get("resource_id", "")
        if not raw_id.isdigit() or len(raw_id) > 9:
            abort(400)
        obj = get_visible_or_404(Resource, int(raw_id))
        return resource_with_errors(obj, errors, 422)
    obj = get_visible_or_404(Resource, data["resource_id"])
    try:
        reservation = ops.request_reservation(obj, data, user=current_user)
    except DomainError as err:
        fail()
        obj = get_visible_or_404(Resource, data["resource_id"])
        # A full period (409) may wait on the waitlist instead.
        offer = err.status_code == 409 and err.field is None
        return resource_with_errors(obj, {err.field or "_schema": [err.message]}, err.status_code, offer)
    if reservation.status == RentalStatus.WACHTLIJST:
        flash(
            _(
                "Je staat op de wachtlijst. Komt er een plaats vrij, dan gaat je aanvraag automatisch naar %(owner)s.",
                owner=obj.tenant.name,
            ),
            "success",
        )
        return redirect(url_for("rentals.reservation", reservation_id=reservation.id))
    flash(_("Je aanvraag is verstuurd naar %(owner)s.", owner=obj.tenant.name), "success")
    return redirect(url_for("rentals.reservation", reservation_id=reservation.id))


@bp.route("/reservaties")
@allow(MEMBERS)
def reservations() -> Any:
    """List the own tenant's reservations (of own and partners' resources)."""
    page = paginate(select(Reservation).order_by(Reservation.starts_at.desc(), Reservation.id.desc()))
    return render_template("rentals/reservations.html", page=page)


@bp.route("/reservaties/<int:reservation_id>")
@allow(MEMBERS)
def reservation(reservation_id: int) -> Any:
    """Show one own reservation."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    return render_template(
        "rentals/reservation.html",
        obj=obj,
        can_cancel=permissions.can_reserve(current_user),
        photos=ops.photos_of(reservation_id=obj.id),
    )


@bp.route("/reservaties/<int:reservation_id>/annuleren", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def cancel_reservation(reservation_id: int) -> Any:
    """Cancel an own reservation before pick-up."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    if not permissions.can_reserve(current_user):
        abort(403)
    try:
        ops.cancel_reservation(obj)
    except DomainError as err:
        fail()
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        return render_template(
            "rentals/reservation.html",
            obj=obj,
            can_cancel=True,
            error=err.message,
            photos=ops.photos_of(reservation_id=obj.id),
        ), err.status_code
    flash(_("De reservatie is geannuleerd."), "success")
    return redirect(url_for("rentals.reservation", reservation_id=reservation_id))


@bp.route("/aanvragen")
@allow(MEMBERS)
def bookings() -> Any:
    """List the requests for the own resources (the owner's bookings)."""
    status = request.args.get("status", "")
    # Each row names its resource: load them for the whole page in one query.
    stmt = select(Booking).options(selectinload(Booking.resource)).order_by(Booking.starts_at.desc(), Booking.id.desc())
    if status:
        stmt = stmt.where(Booking.status == status[:20])
    return render_template("rentals/bookings.html", page=paginate(stmt), status=status)


@bp.route("/aanvragen/<int:booking_id>")
@allow(MEMBERS)
def booking(booking_id: int) -> Any:
    """Show one request for an own resource with the next steps."""
    obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
    return render_template(
        "rentals/booking.html",
        obj=obj,
        can_decide=permissions.can_edit(current_user, obj),
        errors={},
        photos=ops.photos_of(booking_id=obj.id),
    )


@bp.route("/aanvragen/<int:booking_id>/beslissen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def decide(booking_id: int) -> Any:
    """Approve, refuse, hand over, take back or settle a request for an own resource."""
    obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
    if not permissions.can_edit(current_user, obj):
        abort(403)
    data, errors = load_form(DecisionSchema(), request.form)
    if data is None:
        return render_template(
            "rentals/booking.html",
            obj=obj,
            can_decide=True,
            errors=errors,
            values=request.form.to_dict(),
            photos=ops.photos_of(booking_id=obj.id),
        ), 422
    try:
        ops.decide_booking(
            obj, data["action"], note=data["note"], report={**data, "photos": request.files.getlist("photos")}
        )
    except DomainError as err:
        fail()
        obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
        return render_template(
            "rentals/booking.html",
            photos=ops.photos_of(booking_id=obj.id),
            obj=obj,
            can_decide=True,
            errors={err.field or "_schema": [err.message], **({} if err.field is None else {"_schema": [err.message]})},
            values=request.form.to_dict(),
        ), err.status_code
    flash(_("De aanvraag is bijgewerkt."), "success")
    return redirect(url_for("rentals.booking", booking_id=booking_id))


@bp.route("/reservaties/<int:reservation_id>/aanbod", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def answer_offer(reservation_id: int) -> Any:
    """Accept or decline the freed slot held for an own waitlist entry."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    if not permissions.can_reserve(current_user):
        abort(403)
    data, errors = load_form(OfferResponseSchema(), request.form)
    error = " ".join(m for v in errors.values() for m in v) if data is None else None
    status = 422
    if data is not None:
        try:
            if data["action"] == "aanvaarden":
                ops.accept_offer(obj, user=current_user)
            else:
                ops.decline_offer(obj)
        except DomainError as err:
            fail()
            error, status = err.message, err.status_code
    if error is not None:
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        return render_template(
            "rentals/reservation.html",
            obj=obj,
            can_cancel=True,
            error=error,
            photos=ops.photos_of(reservation_id=obj.id),
        ), status
    assert data is not None
    if data["action"] == "aanvaarden":
        flash(_("Je aanvraag ligt nu bij %(owner)s ter goedkeuring.", owner=obj.owner.name), "success")
    else:
        flash(_("Je hebt het aanbod geweigerd; de plaats gaat naar de volgende op de wachtlijst."), "success")
    return redirect(url_for("rentals.reservation", reservation_id=reservation_id))
