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
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.access import MEMBERS, PUBLIC, STAFF, allow, refuse_role
from portal.core.errors import DomainError, problem
from portal.core.exports import table_response
from portal.core.files import path_of
from portal.core.forms import load_form
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.pagination import Page, paginate, paginate_list
from portal.core.unitofwork import fail, keep_on_error
from portal.core.web import PAGE_CSP, tenant_blueprint
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.loading import booking_group_or_404, reservation_group_or_404
from portal.rentals.models import (
    CATEGORIES,
    BasketItem,
    Booking,
    HandoverPhoto,
    RentalStatus,
    Reservation,
    Resource,
    ResourceKind,
    Unit,
)
from portal.rentals.schemas import (
    AcceptLoanAgreementSchema,
    AvailabilityArgsSchema,
    CreateBasketItemSchema,
    CreateReservationSchema,
    CreateResourceSchema,
    CreateSeriesSchema,
    DecisionSchema,
    GroupDecisionSchema,
    OfferResponseSchema,
    RentalSettlementArgsSchema,
)
from tenants.context import BRUSSELS, acting_for
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
@allow(MEMBERS)
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
@allow(MEMBERS, write=STAFF)
def new_resource() -> Any:
    """Add material or a hall to the own catalogue."""
    if not permissions.can_manage_catalogue(current_user):
        abort(403)
    values: dict[str, Any] = {"audience": "own", "quantity": 1, "unit": Unit.DAG, "kind": ResourceKind.MATERIEEL}
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
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("Het materieel is toegevoegd aan de catalogus."), "success")
                return redirect(url_for("rentals.resource", resource_id=obj.id))
        return render_template("rentals/resource_form.html", **_form_context(values, errors)), 422
    return render_template("rentals/resource_form.html", **_form_context(values, errors))


@bp.route("/materieel/<int:resource_id>")
@allow(MEMBERS)
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
@allow(MEMBERS)
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
    if not ops.ends_after_start(first, last) or (last - first).days > 366:
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
@allow(MEMBERS)
def availability() -> Any:
    """Choose dates first, then see what is free across all visible owners."""
    errors: dict[str, Any] = {}
    results: Page[Any] | None = None
    values = request.args.to_dict()
    if request.args.get("starts_at"):
        data, errors = load_form(AvailabilityArgsSchema(), request.args)
        if data is not None:
            # Free resources across every visible owner: at Flanders scale many, so one page at a time.
            results = paginate_list(
                ops.search_available(
                    data["starts_at"],
                    data["ends_at"],
                    category=data.get("category"),
                    owner_id=data.get("owner_id"),
                    quantity=data["quantity"],
                )
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
        return _resource_with_errors(obj, errors, 422)
    obj = get_visible_or_404(Resource, data["resource_id"])
    try:
        reservation = ops.request_reservation(obj, data, user=current_user)
    except DomainError as err:
        fail()
        obj = get_visible_or_404(Resource, data["resource_id"])
        # A full period (409) may wait on the waitlist instead.
        offer = err.status_code == 409 and err.field is None
        return _resource_with_errors(obj, {err.field or "_schema": [err.message]}, err.status_code, offer)
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
        # Agreements frozen before delivery existed carry no delivery cost.
        "delivery_cost": Decimal(terms.get("delivery_cost") or "0"),
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
        can_accept=permissions.can_reserve(current_user)
        and obj.status == RentalStatus.GOEDGEKEURD
        and not obj.accepted_at,
        errors=errors,
        values=values,
        **_agreement_context(obj),
    ), status


@bp.route("/reservaties/<int:reservation_id>/overeenkomst")
@allow(MEMBERS)
def reservation_agreement(reservation_id: int) -> Any:
    """Show the loan agreement of an own approved reservation and the form to accept it."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    return _agreement_page(obj, {}, {})


@bp.route("/reservaties/<int:reservation_id>/overeenkomst.pdf")
@allow(MEMBERS)
def reservation_agreement_pdf(reservation_id: int) -> Any:
    """Return the loan agreement of an own reservation as PDF."""
    return _agreement_pdf(get_owned_or_404(Reservation, reservation_id, current_user.tenant_id))


@bp.route("/reservaties/<int:reservation_id>/overeenkomst/aanvaarden", methods=["POST"])
@allow(MEMBERS, write=STAFF)
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
        fail()
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        if not obj.agreement_terms:
            raise
        return _agreement_page(obj, {err.field or "_schema": [err.message]}, values, err.status_code)
    flash(_("De uitleenovereenkomst is aanvaard."), "success")
    return redirect(url_for("rentals.reservation_agreement", reservation_id=reservation_id))


@bp.route("/aanvragen/<int:booking_id>/overeenkomst")
@allow(MEMBERS)
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
@allow(MEMBERS)
def booking_agreement_pdf(booking_id: int) -> Any:
    """Return the loan agreement of a request for an own resource as PDF."""
    return _agreement_pdf(get_owned_or_404(Booking, booking_id, current_user.tenant_id))


# -- settlement -----------------------------------------------------------------------------


def _settlement_period() -> tuple[date, date, dict[str, Any]]:
    data, errors = load_form(RentalSettlementArgsSchema(), request.args)
    if data is None:
        return *ops.settlement_period(None, None), errors
    return data["van"], data["tot"], {}


@bp.route("/afrekening")
@allow(MEMBERS)
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
@allow(MEMBERS)
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
@allow(MEMBERS)
def calendar() -> Any:
    """Explain the iCal feeds and manage the own secret feed address."""
    return _calendar_page()


@bp.route("/agenda/nieuw", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def new_calendar_token() -> Any:
    """Create a new secret feed address (shown once); an older one stops working."""
    raw = ops.issue_calendar_token(current_user)
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return _calendar_page(f"{base}/{current_user.tenant.slug}/verhuur/agenda/{raw}.ics", raw)


@bp.route("/agenda/intrekken", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def revoke_calendar_token() -> Any:
    """Revoke the own secret feed address."""
    ops.revoke_calendar_tokens(current_user)
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
    with acting_for(tenant.id):
        user = ops.user_for_calendar_token(token)
    # A feed answers with its owner's rights: an expert's token opens no reservations.
    if user is None or not MEMBERS.admits(user):
        abort(404)
    return user


@bp.route("/agenda/<token>.ics")
@allow(PUBLIC)
def calendar_feed(token: str) -> Any:
    """Serve the tenant's reservations as iCal to whoever holds the secret address (calendar apps)."""
    tenant = _token_tenant()
    _token_user(tenant, token)  # refuses (404) a token that is not a member's
    with acting_for(tenant.id):
        body = ops.reservations_ical(tenant, current_app.config["PORTAL_BASE_URL"].rstrip("/"))
    return _ics(body, f"reservaties-{tenant.slug}")


@bp.route("/materieel/<int:resource_id>/agenda.ics")
@allow(PUBLIC)
def resource_calendar(resource_id: int) -> Any:
    """Serve free/busy of a visible resource as iCal (no requester details for partners).

    Signed in, or for calendar apps with ``?token=`` (the user's secret feed token): public for
    the token, so a signed-in caller passes the members' rule here.
    """
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    if current_user.is_authenticated:
        if not MEMBERS.admits(current_user):
            return refuse_role()
        obj = get_visible_or_404(Resource, resource_id)
        return _ics(ops.resource_ical(obj, base), f"bezetting-{obj.id}")
    token = request.args.get("token", "")
    if not token:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    tenant = _token_tenant()
    _token_user(tenant, token)  # refuses (404) a token that is not a member's
    with acting_for(tenant.id):
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
@allow(MEMBERS)
def booking_photo(booking_id: int, photo_id: int) -> Any:
    """Show a pick-up or return photo of a request for an own resource."""
    obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
    photo = get_owned_or_404(HandoverPhoto, photo_id, current_user.tenant_id)
    if photo.booking_id != obj.id:
        abort(404)
    return _photo_response(photo)


@bp.route("/reservaties/<int:reservation_id>/fotos/<int:photo_id>")
@allow(MEMBERS)
def reservation_photo(reservation_id: int, photo_id: int) -> Any:
    """Show a pick-up or return photo of an own reservation."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    photo = get_owned_or_404(HandoverPhoto, photo_id, current_user.tenant_id)
    if photo.reservation_id != obj.id:
        abort(404)
    return _photo_response(photo)


# -- catalogue photos -----------------------------------------------------------------------


@bp.context_processor
def _photo_helpers() -> dict[str, Any]:
    # Every page that shows resources (lists, detail, its re-render after a refused form) gets their photos.
    return {"resource_photos": ops.resource_photos, "main_photos": ops.main_photos}


def _editable_resource(resource_id: int) -> Resource:
    obj = get_owned_or_404(Resource, resource_id, current_user.tenant_id)
    if not permissions.can_edit(current_user, obj):
        abort(403)
    return obj


def _photos_page(obj: Resource, errors: dict[str, Any], status: int = 200) -> Any:
    return render_template(
        "rentals/resource_photos.html",
        obj=obj,
        photos=ops.resource_photos(obj),
        errors=errors,
        max_photos=ops.MAX_RESOURCE_PHOTOS,
    ), status


@bp.route("/materieel/<int:resource_id>/fotos", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def resource_photos(resource_id: int) -> Any:
    """Show and add the catalogue photos of an own resource (JPEG, PNG or WebP)."""
    obj = _editable_resource(resource_id)
    if request.method == "GET":
        return _photos_page(obj, {})
    try:
        added = ops.add_resource_photos(obj, request.files.getlist("photos"), author_id=current_user.id)
    except DomainError as err:
        fail()
        return _photos_page(_editable_resource(resource_id), {"photos": [err.message]}, err.status_code)
    flash(_("%(n)s foto('s) toegevoegd.", n=len(added)), "success")
    return redirect(url_for("rentals.resource_photos", resource_id=resource_id))


def _own_photo(resource_id: int, photo_id: int) -> tuple[Resource, Any]:
    obj = _editable_resource(resource_id)
    photo = ops.resource_photo(obj, photo_id)
    if photo is None:
        abort(404)
    return obj, photo


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>/hoofdfoto", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def main_photo(resource_id: int, photo_id: int) -> Any:
    """Make a photo the main photo of an own resource (shown in the catalogue)."""
    obj, photo = _own_photo(resource_id, photo_id)
    ops.make_main_photo(obj, photo)
    flash(_("De hoofdfoto is gewijzigd."), "success")
    return redirect(url_for("rentals.resource_photos", resource_id=resource_id))


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>/verplaatsen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def move_photo(resource_id: int, photo_id: int) -> Any:
    """Move a photo of an own resource one place up or down."""
    obj, photo = _own_photo(resource_id, photo_id)
    step = {"omhoog": -1, "omlaag": 1}.get(request.form.get("richting", ""))
    if step is None:
        raise DomainError(_("Kies omhoog of omlaag."), field="richting", status_code=422)
    ops.move_photo(obj, photo, step)
    return redirect(url_for("rentals.resource_photos", resource_id=resource_id))


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def delete_photo(resource_id: int, photo_id: int) -> Any:
    """Delete a photo of an own resource."""
    obj, photo = _own_photo(resource_id, photo_id)
    orphans = ops.delete_photo(obj, photo)
    ops.remove_stored_files(orphans)
    flash(_("De foto is verwijderd."), "success")
    return redirect(url_for("rentals.resource_photos", resource_id=resource_id))


def _catalogue_image(resource_id: int, photo_id: int, thumbnail: bool) -> Any:
    obj = get_visible_or_404(Resource, resource_id)
    photo = ops.resource_photo(obj, photo_id)
    if photo is None:
        abort(404)
    key = photo.thumbnail_key if thumbnail else photo.storage_key
    path = path_of(key)
    if not path.exists():
        abort(404)
    # The key is the file's checksum: a photo id always serves the same bytes, so browsers may keep it,
    # but only privately (it is not public, and a shared cache must not hand it to someone else).
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=photo.content_type,
        download_name=f"foto-{photo.id}{'-klein' if thumbnail else ''}.jpg",
        etag=key.rsplit("/", 1)[-1].split(".", 1)[0],
        conditional=True,
        max_age=86400,
    )
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>")
@allow(MEMBERS)
def resource_photo(resource_id: int, photo_id: int) -> Any:
    """Serve the large version of a catalogue photo to whoever may see the resource."""
    return _catalogue_image(resource_id, photo_id, thumbnail=False)


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>/klein")
@allow(MEMBERS)
def resource_thumbnail(resource_id: int, photo_id: int) -> Any:
    """Serve the thumbnail (320 px wide) of a catalogue photo to whoever may see the resource."""
    return _catalogue_image(resource_id, photo_id, thumbnail=True)


# -- resource calendar ----------------------------------------------------------------------


def _calendar_day(raw: str) -> date | None:
    """Return the Brussels day of a FullCalendar bound (a date or an ISO moment with offset), else None."""
    raw = raw.strip()[:40]
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        moment = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        return None
    return moment.astimezone(BRUSSELS).date() if moment.tzinfo else moment.date()


def _calendar_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the calendar events as table rows (the view without JavaScript), in time order."""
    rows = []
    for event in events:
        if event.get("allDay"):
            start: date | datetime = date.fromisoformat(event["start"])
            end: date | datetime = date.fromisoformat(event["end"]) - timedelta(days=1)
            moment = ops.brussels(start)  # type: ignore[arg-type]
        else:
            start, end = datetime.fromisoformat(event["start"]), datetime.fromisoformat(event["end"])
            moment = start
        kind = event["extendedProps"]["kind"]
        rows.append(
            {
                "start": start,
                "end": end,
                "all_day": bool(event.get("allDay")),
                "title": event["title"],
                "url": event.get("url"),
                "kind": kind,
                "key": moment,
            }
        )
    return sorted(rows, key=lambda row: row["key"])


@bp.route("/materieel/<int:resource_id>/kalender")
@allow(MEMBERS)
def resource_calendar_page(resource_id: int) -> Any:
    """Show the free/busy calendar of a visible resource (month, week, list), with a table for no-JS."""
    obj = get_visible_or_404(Resource, resource_id)
    first = today()
    response = current_app.make_response(
        render_template(
            "rentals/resource_calendar.html",
            obj=obj,
            rows=_calendar_rows(ops.calendar_events(obj, first, first + timedelta(weeks=8))),
            can_reserve=permissions.can_reserve(current_user),
        )
    )
    # FullCalendar injects its stylesheet as a <style> element carrying this request's nonce; that
    # stylesheet brings its icon font as a data: URL.
    response.headers["Content-Security-Policy"] = PAGE_CSP.replace(
        "style-src 'self'", f"style-src 'self' 'nonce-{g.csp_nonce}'", 1
    ).replace("font-src 'self'", "font-src 'self' data:", 1)
    return response


@bp.route("/materieel/<int:resource_id>/kalender.json")
@allow(MEMBERS)
def resource_calendar_events(resource_id: int) -> Any:
    """Return the calendar events of a visible resource between ``start`` and ``end`` (FullCalendar's feed)."""
    obj = get_visible_or_404(Resource, resource_id)
    raw_start, raw_end = request.args.get("start", ""), request.args.get("end", "")
    first = _calendar_day(raw_start) if raw_start else today()
    # Years far off are refused too: nothing is booked there and date arithmetic would overflow.
    if first is not None and not 2000 <= first.year <= 2200:
        first = None
    last = _calendar_day(raw_end) if raw_end else (first + timedelta(weeks=6) if first else None)
    if first is None or last is None or not 2000 <= last.year <= 2200:
        return problem(400, _("Ongeldige datum: gebruik JJJJ-MM-DD of een ISO 8601-tijdstip."))
    if not ops.ends_after_start(first, last):
        return problem(422, _("Het einde van de periode moet na het begin liggen."))
    if (last - first).days > ops.CALENDAR_MAX_DAYS:
        return problem(422, _("Vraag hoogstens %(n)s dagen tegelijk op.", n=ops.CALENDAR_MAX_DAYS))
    response = jsonify(
        {
            "resource": {"id": obj.id, "name": obj.name, "owner": obj.tenant.name},
            "events": ops.calendar_events(obj, first, last),
        }
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# -- basket ---------------------------------------------------------------------------------


def _basket_page(*, error: str | None = None, status: int = 200) -> Any:
    lines = ops.basket_lines(current_user)
    owners: dict[int, dict[str, Any]] = {}
    for line in lines:
        group = owners.setdefault(line["owner"].id, {"owner": line["owner"], "lines": [], "price": Decimal("0.00")})
        group["lines"].append(line)
        group["price"] += line["price"] + line["delivery_cost"]
    return render_template(
        "rentals/basket.html",
        groups=list(owners.values()),
        total_price=sum((line["price"] + line["delivery_cost"] for line in lines), Decimal("0.00")),
        total_deposit=sum((line["deposit"] for line in lines), Decimal("0.00")),
        can_submit=permissions.can_reserve(current_user) and bool(lines),
        error=error,
    ), status


def _flash_dropped(names: list[str]) -> None:
    flash(
        _(
            "Niet meer zichtbaar voor jullie en uit het mandje gehaald: %(names)s (bv. omdat een samenwerking afliep).",
            names=", ".join(names),
        ),
        "warning",
    )


@bp.route("/mandje")
@allow(MEMBERS)
def basket() -> Any:
    """Show the own basket per owner municipality with the computed prices, before submitting it."""
    dropped = ops.prune_basket(current_user)
    if dropped:
        _flash_dropped(dropped)
    return _basket_page()


@bp.route("/mandje/toevoegen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def add_to_basket() -> Any:
    """Put a visible resource for a period in the own basket."""
    if not permissions.can_reserve(current_user):
        abort(403)
    data, errors = load_form(CreateBasketItemSchema(), request.form)
    if data is None:
        raw_id = request.form.get("resource_id", "")
        if not raw_id.isdigit() or len(raw_id) > 9:
            abort(400)
        return _resource_with_errors(get_visible_or_404(Resource, int(raw_id)), errors, 422)
    obj = get_visible_or_404(Resource, data["resource_id"])
    try:
        ops.add_to_basket(obj, data, user=current_user)
    except DomainError as err:
        fail()
        obj = get_visible_or_404(Resource, data["resource_id"])
        return _resource_with_errors(obj, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("%(name)s staat in je mandje.", name=obj.name), "success")
    return redirect(url_for("rentals.basket"))


@bp.route("/mandje/<int:item_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def remove_basket_item(item_id: int) -> Any:
    """Remove a line from the own basket."""
    item = get_owned_or_404(BasketItem, item_id, current_user.tenant_id)
    if item.user_id != current_user.id:
        abort(404)
    ops.remove_from_basket(item)
    flash(_("De regel is uit je mandje gehaald."), "success")
    return redirect(url_for("rentals.basket"))


@bp.route("/mandje/versturen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def submit_basket() -> Any:
    """Send the basket: one request per owner municipality, all or nothing."""
    if not permissions.can_reserve(current_user):
        abort(403)
    # Lines no longer visible leave the basket for good, although this request answers a 409.
    dropped = keep_on_error(lambda: ops.prune_basket(current_user))
    if dropped:
        _flash_dropped(dropped)
        return _basket_page(error=_("Controleer je mandje en verstuur het opnieuw."), status=409)
    try:
        groups = ops.submit_basket(current_user)
    except DomainError as err:
        fail()
        return _basket_page(error=err.message, status=err.status_code)
    flash(
        _(
            "Je mandje is verstuurd: één aanvraag per eigenaar (%(owners)s).",
            owners=", ".join(owner.name for owner, _key, _rows in groups),
        ),
        "success",
    )
    if len(groups) == 1:
        return redirect(url_for("rentals.reservation_group", group_key=groups[0][1]))
    return redirect(url_for("rentals.reservations"))


# -- weekly series --------------------------------------------------------------------------


def _series_page(values: dict[str, Any], errors: dict[str, Any], status: int = 200) -> Any:
    halls = list(db.session.scalars(ops.visible_resources(kind=ResourceKind.ZAAL).limit(500)).unique())
    return render_template("rentals/series_form.html", halls=halls, values=values, errors=errors), status


@bp.route("/reeksen/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_series() -> Any:
    """Reserve a hall every week on the same day and hours (e.g. every Tuesday 19:00–22:00)."""
    if not permissions.can_reserve(current_user):
        abort(403)
    if request.method == "GET":
        values = {k: request.args[k][:20] for k in ("resource_id",) if k in request.args}
        return _series_page({"mode": "alles", "starts_time": "19:00", "ends_time": "22:00", **values}, {})
    values = request.form.to_dict()
    data, errors = load_form(CreateSeriesSchema(), request.form)
    if data is None:
        return _series_page(values, errors, 422)
    obj = get_visible_or_404(Resource, data["resource_id"])
    try:
        result = ops.request_series(obj, data, user=current_user)
    except DomainError as err:
        fail()
        return _series_page(values, {err.field or "_schema": [err.message]}, err.status_code)
    flash(
        _(
            "%(n)s keer %(name)s aangevraagd bij %(owner)s.",
            n=len(result["reservations"]),
            name=obj.name,
            owner=obj.tenant.name,
        ),
        "success",
    )
    if result["skipped"]:
        flash(
            _(
                "Overgeslagen: %(days)s.",
                days="; ".join(f"{s['on'].strftime('%d/%m/%Y')} ({s['reason']})" for s in result["skipped"]),
            ),
            "warning",
        )
    if result["conflicts"]:
        flash(
            _(
                "Al bezet, niet aangevraagd: %(days)s.",
                days=", ".join(c["on"].strftime("%d/%m/%Y") for c in result["conflicts"]),
            ),
            "warning",
        )
    return redirect(url_for("rentals.reservation_group", group_key=result["group_key"]))


# -- request groups -------------------------------------------------------------------------


def _reservation_group_page(group_key: str, error: str | None = None, status: int = 200) -> Any:
    rows = reservation_group_or_404(group_key)
    return render_template(
        "rentals/reservation_group.html",
        rows=rows,
        group_key=group_key,
        kind=rows[0].group_kind,
        owner=rows[0].owner,
        can_cancel=permissions.can_reserve(current_user) and any(r.status in ops.CANCELLABLE_STATUSES for r in rows),
        total=ops.group_total(rows),
        error=error,
    ), status


@bp.route("/reservaties/groep/<group_key>")
@allow(MEMBERS)
def reservation_group(group_key: str) -> Any:
    """Show an own request group: the basket lines for one owner, or a weekly series."""
    return _reservation_group_page(group_key)


@bp.route("/reservaties/groep/<group_key>/annuleren", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def cancel_reservation_group(group_key: str) -> Any:
    """Cancel every open line of an own request group (the whole series)."""
    reservation_group_or_404(group_key)  # 404 unless it is an own group
    if not permissions.can_reserve(current_user):
        abort(403)
    try:
        count = ops.cancel_group(group_key)
    except DomainError as err:
        fail()
        return _reservation_group_page(group_key, err.message, err.status_code)
    flash(_("%(n)s reservaties geannuleerd.", n=count), "success")
    return redirect(url_for("rentals.reservation_group", group_key=group_key))


def _booking_group_page(group_key: str, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    rows = booking_group_or_404(group_key)
    return render_template(
        "rentals/booking_group.html",
        rows=rows,
        group_key=group_key,
        kind=rows[0].group_kind,
        requester=rows[0].requester,
        can_decide=permissions.can_edit(current_user, rows[0])
        and any(b.status == RentalStatus.AANGEVRAAGD for b in rows),
        total=ops.group_total(rows),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


@bp.route("/aanvragen/groep/<group_key>")
@allow(MEMBERS)
def booking_group(group_key: str) -> Any:
    """Show a request group for the own resources, to approve or refuse it as a whole."""
    return _booking_group_page(group_key)


@bp.route("/aanvragen/groep/<group_key>/beslissen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def decide_booking_group(group_key: str) -> Any:
    """Approve or refuse every open line of a request group for the own resources."""
    rows = booking_group_or_404(group_key)
    if not permissions.can_edit(current_user, rows[0]):
        abort(403)
    data, errors = load_form(GroupDecisionSchema(), request.form)
    if data is None:
        return _booking_group_page(group_key, errors, 422)
    try:
        count = ops.decide_group(group_key, data["action"], note=data["note"])
    except DomainError as err:
        fail()
        return _booking_group_page(group_key, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("%(n)s regels bijgewerkt.", n=count), "success")
    return redirect(url_for("rentals.booking_group", group_key=group_key))


# -- waitlist offers ------------------------------------------------------------------------


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
