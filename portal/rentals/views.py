"""Rental pages: catalogue, availability search, reservations and the owner's requests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.web import tenant_blueprint
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.models import CATEGORIES, Booking, Reservation, Resource
from portal.rentals.schemas import AvailabilityArgsSchema, CreateReservationSchema, CreateResourceSchema, DecisionSchema
from tenants.sharing import current_regions, partner_tenants, today

bp = tenant_blueprint("rentals", __name__, "/verhuur")


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


@bp.route("/")
@login_required
def index() -> Any:
    """List the catalogue the tenant may see: own resources and those partners share."""
    q = request.args.get("q", "").strip()[:100]
    category = request.args.get("category", "")
    category = category if category in CATEGORIES else ""
    owner_id = _int_arg("owner")
    page = paginate(ops.visible_resources(q or None, category=category or None, owner_id=owner_id))
    return render_template(
        "rentals/index.html",
        page=page,
        q=q,
        category=category,
        owner_id=owner_id,
        categories=CATEGORIES,
        owners=[current_user.tenant, *partner_tenants(current_user.tenant_id)],
        can_create=permissions.can_manage_catalogue(current_user),
    )


def _form_context(values: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "categories": CATEGORIES,
        "regions": current_regions(current_user.tenant_id),
        "partners": partner_tenants(current_user.tenant_id),
    }


@bp.route("/materieel/nieuw", methods=["GET", "POST"])
@login_required
def new_resource() -> Any:
    """Add material or a hall to the own catalogue."""
    if not permissions.can_manage_catalogue(current_user):
        abort(403)
    values: dict[str, Any] = {"audience": "own", "quantity": 1, "unit": "dag", "kind": "materieel"}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
        form = request.form.copy()
        form.pop("blackouts", None)
        data, errors = load_form(CreateResourceSchema(), form)
        if data is not None:
            try:
                obj = ops.create_resource(data, author_id=current_user.id)
            except DomainError as err:
                db.session.rollback()
                errors = {err.field or "_schema": [err.message]}
            else:
                db.session.commit()
                flash(_("Het materieel is toegevoegd aan de catalogus."), "success")
                return redirect(url_for("rentals.resource", resource_id=obj.id))
        return render_template("rentals/resource_form.html", **_form_context(values, errors)), 422
    return render_template("rentals/resource_form.html", **_form_context(values, errors))


@bp.route("/materieel/<int:resource_id>")
@login_required
def resource(resource_id: int) -> Any:
    """Show a resource, its tariffs, rules, the coming weeks' occupation and the reservation form."""
    obj = get_visible_or_404(Resource, resource_id)
    start = ops.brussels(today())
    busy = ops.busy_intervals(obj, start, start + timedelta(weeks=8))
    tariff = ops.tariff_class_for(current_user.tenant_id, obj)
    return render_template(
        "rentals/resource.html",
        obj=obj,
        busy=busy,
        closed=ops.closed_days(obj.tenant, today(), today() + timedelta(weeks=8)),
        tariff=tariff,
        can_edit=permissions.can_edit(current_user, obj),
        can_reserve=permissions.can_reserve(current_user),
        values={},
        errors={},
    )


@bp.route("/materieel/<int:resource_id>/bezetting.json")
@login_required
def resource_feed(resource_id: int) -> Any:
    """Return free/busy of a resource as JSON (``events`` in FullCalendar's shape) plus closed days."""
    obj = get_visible_or_404(Resource, resource_id)
    try:
        first = date.fromisoformat(request.args.get("start", "")[:10]) if request.args.get("start") else today()
        last = (
            date.fromisoformat(request.args.get("end", "")[:10])
            if request.args.get("end")
            else first + timedelta(weeks=6)
        )
    except ValueError:
        return jsonify({"title": _("Ongeldige datum."), "status": 400}), 400
    if last <= first or (last - first).days > 366:
        return jsonify({"title": _("Kies een periode van hoogstens een jaar."), "status": 400}), 400
    events: list[dict[str, Any]] = [
        {
            "start": b["starts_at"].isoformat(),
            "end": b["ends_at"].isoformat(),
            "title": _("Bezet (%(n)s)", n=b["quantity"]) if not obj.is_single_unit else _("Bezet"),
            "display": "block",
            "quantity": b["quantity"],
            "is_own": b["is_own"],
        }
        for b in ops.busy_intervals(obj, ops.brussels(first), ops.brussels(last))
    ]
    events += [
        {"start": d.isoformat(), "allDay": True, "title": reason, "display": "background", "closed": True}
        for d, reason in ops.closed_days(obj.tenant, first, last)
    ]
    return jsonify({"resource": {"id": obj.id, "name": obj.name, "owner": obj.tenant.name}, "events": events})


@bp.route("/beschikbaarheid")
@login_required
def availability() -> Any:
    """Choose dates first, then see what is free across all visible owners."""
    errors: dict[str, Any] = {}
    results: list[Any] | None = None
    values = request.args.to_dict()
    if request.args.get("starts_at"):
        data, errors = load_form(AvailabilityArgsSchema(), request.args)
        if data is not None:
            if data["ends_at"] <= data["starts_at"]:
                errors = {"ends_at": [_("Het einde moet na het begin liggen.")]}
            else:
                results = ops.search_available(
                    data["starts_at"],
                    data["ends_at"],
                    category=data.get("category"),
                    owner_id=data.get("owner_id"),
                    quantity=data["quantity"],
                )
    status = 422 if errors else 200
    return render_template(
        "rentals/availability.html",
        values=values,
        errors=errors,
        results=results,
        categories=CATEGORIES,
        owners=[current_user.tenant, *partner_tenants(current_user.tenant_id)],
    ), status


@bp.route("/reservaties/nieuw", methods=["POST"])
@login_required
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
        return _resource_with_errors(obj, errors, 422)
    obj = get_visible_or_404(Resource, data["resource_id"])
    try:
        reservation = ops.request_reservation(obj, data, user=current_user)
    except DomainError as err:
        db.session.rollback()
        obj = get_visible_or_404(Resource, data["resource_id"])
        return _resource_with_errors(obj, {err.field or "_schema": [err.message]}, err.status_code)
    db.session.commit()
    flash(_("Je aanvraag is verstuurd naar %(owner)s.", owner=obj.tenant.name), "success")
    return redirect(url_for("rentals.reservation", reservation_id=reservation.id))


def _resource_with_errors(obj: Resource, errors: dict[str, Any], status: int) -> Any:
    start = ops.brussels(today())
    return render_template(
        "rentals/resource.html",
        obj=obj,
        busy=ops.busy_intervals(obj, start, start + timedelta(weeks=8)),
        closed=ops.closed_days(obj.tenant, today(), today() + timedelta(weeks=8)),
        tariff=ops.tariff_class_for(current_user.tenant_id, obj),
        can_edit=permissions.can_edit(current_user, obj),
        can_reserve=permissions.can_reserve(current_user),
        values=request.form.to_dict(),
        errors=errors,
    ), status


@bp.route("/reservaties")
@login_required
def reservations() -> Any:
    """List the own tenant's reservations (of own and partners' resources)."""
    page = paginate(select(Reservation).order_by(Reservation.starts_at.desc(), Reservation.id.desc()))
    return render_template("rentals/reservations.html", page=page)


@bp.route("/reservaties/<int:reservation_id>")
@login_required
def reservation(reservation_id: int) -> Any:
    """Show one own reservation."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    return render_template("rentals/reservation.html", obj=obj, can_cancel=permissions.can_reserve(current_user))


@bp.route("/reservaties/<int:reservation_id>/annuleren", methods=["POST"])
@login_required
def cancel_reservation(reservation_id: int) -> Any:
    """Cancel an own reservation before pick-up."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    if not permissions.can_reserve(current_user):
        abort(403)
    try:
        ops.cancel_reservation(obj)
    except DomainError as err:
        db.session.rollback()
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        return render_template("rentals/reservation.html", obj=obj, can_cancel=True, error=err.message), err.status_code
    db.session.commit()
    flash(_("De reservatie is geannuleerd."), "success")
    return redirect(url_for("rentals.reservation", reservation_id=reservation_id))


@bp.route("/aanvragen")
@login_required
def bookings() -> Any:
    """List the requests for the own resources (the owner's bookings)."""
    status = request.args.get("status", "")
    stmt = select(Booking).order_by(Booking.starts_at.desc(), Booking.id.desc())
    if status:
        stmt = stmt.where(Booking.status == status[:20])
    return render_template("rentals/bookings.html", page=paginate(stmt), status=status)


@bp.route("/aanvragen/<int:booking_id>")
@login_required
def booking(booking_id: int) -> Any:
    """Show one request for an own resource with the next steps."""
    obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
    return render_template(
        "rentals/booking.html", obj=obj, can_decide=permissions.can_edit(current_user, obj), errors={}
    )


@bp.route("/aanvragen/<int:booking_id>/beslissen", methods=["POST"])
@login_required
def decide(booking_id: int) -> Any:
    """Approve, refuse, hand over, take back or settle a request for an own resource."""
    obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
    if not permissions.can_edit(current_user, obj):
        abort(403)
    data, errors = load_form(DecisionSchema(), request.form)
    if data is None:
        return render_template("rentals/booking.html", obj=obj, can_decide=True, errors=errors), 422
    try:
        ops.decide_booking(obj, data["action"], note=data["note"])
    except DomainError as err:
        db.session.rollback()
        obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
        return render_template(
            "rentals/booking.html", obj=obj, can_decide=True, errors={"_schema": [err.message]}
        ), err.status_code
    db.session.commit()
    flash(_("De aanvraag is bijgewerkt."), "success")
    return redirect(url_for("rentals.booking", booking_id=booking_id))
