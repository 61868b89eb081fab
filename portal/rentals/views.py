"""Rental pages: catalogue, availability search, reservations and the owner's requests."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.core.exports import table_response
from portal.core.files import path_of
from portal.core.forms import load_form
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.web import tenant_blueprint
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.models import CATEGORIES, Booking, HandoverPhoto, Reservation, Resource
from portal.rentals.schemas import (
    AcceptLoanAgreementSchema,
    AvailabilityArgsSchema,
    CreateReservationSchema,
    CreateResourceSchema,
    DecisionSchema,
    RentalSettlementArgsSchema,
)
from tenants.context import tenant_context
from tenants.models import Tenant
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
        # A link from the availability search carries the chosen period into the form.
        values={k: request.args[k][:20] for k in ("starts_at", "ends_at", "quantity") if k in request.args},
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
        # A full period (409) may wait on the waitlist instead.
        offer = err.status_code == 409 and err.field is None
        return _resource_with_errors(obj, {err.field or "_schema": [err.message]}, err.status_code, offer)
    db.session.commit()
    if reservation.status == "wachtlijst":
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


def _resource_with_errors(obj: Resource, errors: dict[str, Any], status: int, offer_waitlist: bool = False) -> Any:
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
        offer_waitlist=offer_waitlist,
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
    return render_template(
        "rentals/reservation.html",
        obj=obj,
        can_cancel=permissions.can_reserve(current_user),
        photos=ops.photos_of(reservation_id=obj.id),
    )


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
        return render_template(
            "rentals/reservation.html",
            obj=obj,
            can_cancel=True,
            error=err.message,
            photos=ops.photos_of(reservation_id=obj.id),
        ), err.status_code
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
        "rentals/booking.html",
        obj=obj,
        can_decide=permissions.can_edit(current_user, obj),
        errors={},
        photos=ops.photos_of(booking_id=obj.id),
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
        db.session.rollback()
        obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
        return render_template(
            "rentals/booking.html",
            photos=ops.photos_of(booking_id=obj.id),
            obj=obj,
            can_decide=True,
            errors={err.field or "_schema": [err.message], **({} if err.field is None else {"_schema": [err.message]})},
            values=request.form.to_dict(),
        ), err.status_code
    db.session.commit()
    flash(_("De aanvraag is bijgewerkt."), "success")
    return redirect(url_for("rentals.booking", booking_id=booking_id))


# -- loan agreement -------------------------------------------------------------------------


def _agreement_context(row: Reservation | Booking) -> dict[str, Any]:
    """Return what the agreement templates need from a row with frozen terms (else 409)."""
    terms = row.agreement_terms
    if not terms:
        raise DomainError(_("Er is nog geen uitleenovereenkomst: de eigenaar moet de aanvraag eerst goedkeuren."))
    return {
        "terms": terms,
        "issued_at": datetime.fromisoformat(terms["issued_at"]),
        "starts_at": datetime.fromisoformat(terms["starts_at"]),
        "ends_at": datetime.fromisoformat(terms["ends_at"]),
        "price": Decimal(terms["price"]),
        "deposit": Decimal(terms["deposit"]),
        "acceptance": row,
    }


def agreement_html(row: Reservation | Booking) -> str:
    """Return the self-contained HTML of the loan agreement (CSS inline) that becomes the PDF."""
    css = (Path(current_app.static_folder or "static") / "css" / "rentals-agreement.css").read_text("utf-8")
    return render_template("rentals/agreement_document.html", css=css, **_agreement_context(row))


def _agreement_pdf(row: Reservation | Booking) -> Response:
    body = ops.render_pdf(agreement_html(row))
    number = str((row.agreement_terms or {}).get("number", "overeenkomst"))
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="uitleenovereenkomst-{number}.pdf"'},
    )


def _agreement_page(obj: Reservation, errors: dict[str, Any], values: dict[str, Any], status: int = 200) -> Any:
    return render_template(
        "rentals/agreement.html",
        back_url=url_for("rentals.reservation", reservation_id=obj.id),
        pdf_url=url_for("rentals.reservation_agreement_pdf", reservation_id=obj.id),
        accept_url=url_for("rentals.accept_agreement", reservation_id=obj.id),
        can_accept=permissions.can_reserve(current_user) and obj.status == "goedgekeurd" and not obj.accepted_at,
        errors=errors,
        values=values,
        **_agreement_context(obj),
    ), status


@bp.route("/reservaties/<int:reservation_id>/overeenkomst")
@login_required
def reservation_agreement(reservation_id: int) -> Any:
    """Show the loan agreement of an own approved reservation and the form to accept it."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    return _agreement_page(obj, {}, {})


@bp.route("/reservaties/<int:reservation_id>/overeenkomst.pdf")
@login_required
def reservation_agreement_pdf(reservation_id: int) -> Any:
    """Return the loan agreement of an own reservation as PDF."""
    return _agreement_pdf(get_owned_or_404(Reservation, reservation_id, current_user.tenant_id))


@bp.route("/reservaties/<int:reservation_id>/overeenkomst/aanvaarden", methods=["POST"])
@login_required
def accept_agreement(reservation_id: int) -> Any:
    """Accept the terms of the loan agreement for the own tenant (recorded with who and when)."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    if not permissions.can_reserve(current_user):
        abort(403)
    values = request.form.to_dict()
    data, errors = load_form(AcceptLoanAgreementSchema(), request.form)
    if data is None:
        return _agreement_page(obj, errors, values, 422)
    try:
        ops.accept_agreement(obj, data, user=current_user)
    except DomainError as err:
        db.session.rollback()
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        if not obj.agreement_terms:
            raise
        return _agreement_page(obj, {err.field or "_schema": [err.message]}, values, err.status_code)
    db.session.commit()
    flash(_("De uitleenovereenkomst is aanvaard."), "success")
    return redirect(url_for("rentals.reservation_agreement", reservation_id=reservation_id))


@bp.route("/aanvragen/<int:booking_id>/overeenkomst")
@login_required
def booking_agreement(booking_id: int) -> Any:
    """Show the loan agreement of a request for an own resource, with its acceptance."""
    obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
    return render_template(
        "rentals/agreement.html",
        back_url=url_for("rentals.booking", booking_id=obj.id),
        pdf_url=url_for("rentals.booking_agreement_pdf", booking_id=obj.id),
        accept_url="",
        can_accept=False,
        errors={},
        values={},
        **_agreement_context(obj),
    )


@bp.route("/aanvragen/<int:booking_id>/overeenkomst.pdf")
@login_required
def booking_agreement_pdf(booking_id: int) -> Any:
    """Return the loan agreement of a request for an own resource as PDF."""
    return _agreement_pdf(get_owned_or_404(Booking, booking_id, current_user.tenant_id))


# -- settlement -----------------------------------------------------------------------------


def _settlement_period() -> tuple[date, date, dict[str, Any]]:
    data, errors = load_form(RentalSettlementArgsSchema(), request.args)
    first = today().replace(month=1, day=1)
    if data is None:
        return first, first.replace(year=first.year + 1), errors
    start = data.get("van") or first
    end = data.get("tot") or start.replace(year=start.year + 1)
    if end <= start:
        return first, first.replace(year=first.year + 1), {"tot": [_("De einddatum moet na de begindatum liggen.")]}
    return start, end, {}


@bp.route("/afrekening")
@login_required
def settlement() -> Any:
    """Show per partner municipality what the own tenant lent and borrowed in a period, and the balance."""
    start, end, errors = _settlement_period()
    rows = ops.settlement(start, end) if not errors else []
    return render_template(
        "rentals/settlement.html",
        rows=rows,
        starts_on=start,
        ends_on=end,
        errors=errors,
        values=request.args.to_dict(),
        totals={
            key: sum((r[key] for r in rows), Decimal("0.00")) for key in ("lent_amount", "borrowed_amount", "balance")
        },
    ), (422 if errors else 200)


@bp.route("/afrekening.csv", defaults={"fmt": "csv"})
@bp.route("/afrekening.xlsx", defaults={"fmt": "xlsx"})
@login_required
def settlement_export(fmt: str) -> Any:
    """Download the settlement of a period as CSV or XLSX for the financial service."""
    start, end, errors = _settlement_period()
    if errors:
        raise DomainError(" ".join(str(m) for v in errors.values() for m in v), status_code=422)
    header, rows = ops.settlement_table(current_user.tenant.name, ops.settlement(start, end))
    stem = f"afrekening-verhuur-{current_user.tenant.slug}-{start.isoformat()}-{end.isoformat()}"
    return table_response(fmt, stem, header, rows, _("Afrekening"))


# -- iCal -----------------------------------------------------------------------------------


def _ics(body: bytes, stem: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'inline; filename="{stem}.ics"', "Cache-Control": "private, max-age=300"},
    )


def _calendar_page(feed_url: str | None = None, token: str | None = None) -> Any:
    return render_template(
        "rentals/calendar.html", feed_url=feed_url, token=token, has_token=ops.has_calendar_token(current_user)
    )


@bp.route("/agenda")
@login_required
def calendar() -> Any:
    """Explain the iCal feeds and manage the own secret feed address."""
    return _calendar_page()


@bp.route("/agenda/nieuw", methods=["POST"])
@login_required
def new_calendar_token() -> Any:
    """Create a new secret feed address (shown once); an older one stops working."""
    raw = ops.issue_calendar_token(current_user)
    db.session.commit()
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return _calendar_page(f"{base}/{current_user.tenant.slug}/verhuur/agenda/{raw}.ics", raw)


@bp.route("/agenda/intrekken", methods=["POST"])
@login_required
def revoke_calendar_token() -> Any:
    """Revoke the own secret feed address."""
    ops.revoke_calendar_tokens(current_user)
    db.session.commit()
    flash(_("Het agenda-adres is ingetrokken: agenda's die het gebruiken krijgen niets meer."), "success")
    return redirect(url_for("rentals.calendar"))


def _token_tenant() -> Tenant:
    """Return the tenant of the URL for a request without a session (calendar apps), else 404."""
    slug = g.get("url_tenant")
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
    if tenant is None:
        abort(404)
    return tenant


def _token_user(tenant: Tenant, token: str) -> Any:
    with tenant_context(tenant.id):
        user = ops.user_for_calendar_token(token)
    if user is None:
        abort(404)
    return user


@bp.route("/agenda/<token>.ics")
def calendar_feed(token: str) -> Any:
    """Serve the tenant's reservations as iCal to whoever holds the secret address (calendar apps)."""
    tenant = _token_tenant()
    user = _token_user(tenant, token)
    with tenant_context(tenant.id, user_id=user.id):
        body = ops.reservations_ical(tenant, current_app.config["PORTAL_BASE_URL"].rstrip("/"))
    return _ics(body, f"reservaties-{tenant.slug}")


@bp.route("/materieel/<int:resource_id>/agenda.ics")
def resource_calendar(resource_id: int) -> Any:
    """Serve free/busy of a visible resource as iCal (no requester details for partners).

    Signed in, or for calendar apps with ``?token=`` (the user's secret feed token).
    """
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    if current_user.is_authenticated:
        obj = get_visible_or_404(Resource, resource_id)
        return _ics(ops.resource_ical(obj, base), f"bezetting-{obj.id}")
    token = request.args.get("token", "")
    if not token:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    tenant = _token_tenant()
    user = _token_user(tenant, token)
    with tenant_context(tenant.id, user_id=user.id):
        obj = get_visible_or_404(Resource, resource_id)
        body = ops.resource_ical(obj, base)
    return _ics(body, f"bezetting-{obj.id}")


# -- handover photos ------------------------------------------------------------------------


def _photo_response(photo: HandoverPhoto) -> Any:
    path = path_of(photo.storage_key)
    if not path.exists():
        abort(404)
    # Read whole (at most 10 MB): no file handle outlives the request.
    return send_file(io.BytesIO(path.read_bytes()), mimetype=photo.content_type, download_name=photo.filename)


@bp.route("/aanvragen/<int:booking_id>/fotos/<int:photo_id>")
@login_required
def booking_photo(booking_id: int, photo_id: int) -> Any:
    """Show a pick-up or return photo of a request for an own resource."""
    obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
    photo = get_owned_or_404(HandoverPhoto, photo_id, current_user.tenant_id)
    if photo.booking_id != obj.id:
        abort(404)
    return _photo_response(photo)


@bp.route("/reservaties/<int:reservation_id>/fotos/<int:photo_id>")
@login_required
def reservation_photo(reservation_id: int, photo_id: int) -> Any:
    """Show a pick-up or return photo of an own reservation."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    photo = get_owned_or_404(HandoverPhoto, photo_id, current_user.tenant_id)
    if photo.reservation_id != obj.id:
        abort(404)
    return _photo_response(photo)
