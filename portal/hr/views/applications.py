"""HR pages of applications: internal applications, the owner's HR pipeline, a candidate's own data."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import form_to_dict
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.unitofwork import fail
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import Application, ApplicationReceipt, Vacancy, VacancyStatus
from portal.hr.schemas import ApplicationStatusSchema, InternalApplicationSchema
from portal.hr.views._blueprint import bp
from portal.hr.views._common import load


@bp.route("/vacatures/<int:vacancy_id>/solliciteren", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def apply(vacancy_id: int) -> Any:
    """Apply as a staff member of a partner municipality (internal mobility)."""
    obj = get_visible_or_404(Vacancy, vacancy_id)
    if obj.tenant_id != current_user.tenant_id and obj.status != VacancyStatus.GEPUBLICEERD:
        abort(404)
    if not permissions.can_apply(current_user, obj):
        abort(403)
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load(InternalApplicationSchema(), form_to_dict(request.form, InternalApplicationSchema()))
        if data is not None:
            try:
                receipt = ops.submit_internal_application(obj, current_user, data)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("Je sollicitatie is verstuurd."), "success")
                # Answer with the receipt page itself: the candidate sees at once what was filed.
                return render_template("hr/my_application.html", receipt=receipt, app=ops.own_application(receipt))
        return render_template("hr/apply.html", obj=obj, values=values, errors=errors), 422
    return render_template("hr/apply.html", obj=obj, values=values, errors=errors)


def _application(application_id: int) -> Application:
    obj = get_owned_or_404(Application, application_id, current_user.tenant_id)
    if not permissions.can_manage_applications(current_user, obj):
        abort(404)
    return obj


@bp.route("/sollicitaties/<int:application_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def application(application_id: int) -> Any:
    """Show an application to the owner's HR; POST moves it in the pipeline or adds a note."""
    obj = _application(application_id)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if request.form.get("action") == "note":
            ops.add_note(obj, request.form.get("note", ""), author_id=current_user.id)
            flash(_("De notitie is bewaard."), "success")
            return redirect(url_for("hr.application", application_id=obj.id))
        data, errors = load(ApplicationStatusSchema(), form_to_dict(request.form, ApplicationStatusSchema()))
        if data is not None:
            ops.move_application(obj, data["status"], author_id=current_user.id, note=data["note"])
            flash(_("De sollicitatie is bijgewerkt."), "success")
            return redirect(url_for("hr.application", application_id=obj.id))
        status = 422
    else:
        status = 200
    return (
        render_template(
            "hr/application.html", obj=obj, errors=errors, next_statuses=ops.APPLICATION_FLOW.get(obj.status, ())
        ),
        status,
    )


@bp.route("/sollicitaties/<int:application_id>/cv")
@allow(MEMBERS)
def application_cv(application_id: int) -> Any:
    """Download the candidate's CV (owner's HR only)."""
    obj = _application(application_id)
    if not obj.cv_data:
        abort(404)
    return Response(
        obj.cv_data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="cv-{obj.id}.pdf"'},
    )


@bp.route("/sollicitaties/<int:application_id>/export")
@allow(MEMBERS)
def application_export(application_id: int) -> Any:
    """Export everything held about the candidate as JSON (access request)."""
    obj = _application(application_id)
    body = json.dumps(ops.export_application(obj), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="sollicitatie-{obj.id}.json"'},
    )


@bp.route("/mijn-sollicitaties")
@allow(MEMBERS)
def my_applications() -> Any:
    """List the user's own internal applications."""
    receipts = list(
        db.session.scalars(
            select(ApplicationReceipt)
            .where(ApplicationReceipt.user_id == current_user.id)
            .order_by(ApplicationReceipt.created_at.desc())
        )
    )
    interest = ops.interest_of(current_user)
    return render_template(
        "hr/my_applications.html", receipts=receipts, keywords=interest.keywords if interest else "", errors={}
    )


@bp.route("/vacaturemeldingen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def vacancy_alerts() -> Any:
    """Store the keywords for which the user wants to hear about new vacancies they can see."""
    keywords = request.form.get("keywords", "")
    try:
        ops.set_interest(current_user, keywords)
    except DomainError as err:
        fail()
        receipts = list(
            db.session.scalars(select(ApplicationReceipt).where(ApplicationReceipt.user_id == current_user.id))
        )
        return render_template(
            "hr/my_applications.html", receipts=receipts, keywords=keywords, errors={"keywords": [err.message]}
        ), 422
    flash(_("Je vacaturemeldingen zijn bewaard."), "success")
    return redirect(url_for("hr.my_applications"))


def _receipt(receipt_id: int) -> ApplicationReceipt:
    obj = get_owned_or_404(ApplicationReceipt, receipt_id, current_user.tenant_id)
    if obj.user_id != current_user.id:
        abort(404)
    return obj


@bp.route("/mijn-sollicitaties/<int:receipt_id>")
@allow(MEMBERS)
def my_application(receipt_id: int) -> Any:
    """Show the user's own application and its status."""
    receipt = _receipt(receipt_id)
    return render_template("hr/my_application.html", receipt=receipt, app=ops.own_application(receipt))


@bp.route("/mijn-sollicitaties/<int:receipt_id>/export")
@allow(MEMBERS)
def my_application_export(receipt_id: int) -> Any:
    """Export the user's own application data as JSON."""
    receipt = _receipt(receipt_id)
    app = ops.own_application(receipt)
    if app is None:
        abort(404)
    body = json.dumps(ops.export_application(app), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="mijn-sollicitatie-{receipt.id}.json"'},
    )
