"""The loan agreement: shown, as PDF, and accepted by the requester."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_owned_or_404
from portal.core.unitofwork import fail
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.models import Booking, RentalStatus, Reservation
from portal.rentals.schemas import AcceptLoanAgreementSchema
from portal.rentals.views._blueprint import bp


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
