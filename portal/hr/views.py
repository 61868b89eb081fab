"""Gedeelde HR pages: vacancies, applications and the candidate's own applications."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.core.forms import form_to_dict
from portal.core.loading import get_editable_or_404, get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.web import tenant_blueprint
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import GRADES, Application, ApplicationReceipt, Vacancy
from portal.hr.public import public_bp
from portal.hr.schemas import ApplicationStatusSchema, CreateVacancySchema, InternalApplicationSchema
from tenants.sharing import current_regions, object_grantees, partner_tenants

bp = tenant_blueprint("hr", __name__, "/hr")
# The public job pages (no login, no tenant prefix) come along with the module's blueprint.
bp.record_once(lambda state: state.app.register_blueprint(public_bp))

KIND_LABELS = {"extern": _l("Externe werving"), "intern": _l("Interne mobiliteit"), "gedeeld": _l("Gedeelde functie")}
STATUS_LABELS = {
    "concept": _l("Concept"),
    "gepubliceerd": _l("Gepubliceerd"),
    "afgesloten": _l("Afgesloten"),
    "ingevuld": _l("Ingevuld"),
    "geannuleerd": _l("Geannuleerd"),
}
STATUS_ACTIONS = {
    "gepubliceerd": _l("Publiceren"),
    "afgesloten": _l("Afsluiten"),
    "ingevuld": _l("Ingevuld"),
    "geannuleerd": _l("Annuleren"),
}
APPLICATION_LABELS = {
    "ontvangen": _l("Ontvangen"),
    "screening": _l("Screening"),
    "test": _l("Test"),
    "gesprek": _l("Gesprek"),
    "aanbod": _l("Aanbod"),
    "aangeworven": _l("Aangeworven"),
    "afgewezen": _l("Afgewezen"),
}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "status_actions": STATUS_ACTIONS,
        "application_labels": APPLICATION_LABELS,
    }


def load(schema: Schema, raw: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Return (data, {}) or (None, errors per field)."""
    try:
        return schema.load(raw), {}
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return None, messages


def _vacancy_input() -> dict[str, Any]:
    raw = form_to_dict(request.form, CreateVacancySchema())
    raw.pop("shares", None)
    shares = []
    for tenant in [current_user.tenant, *partner_tenants(current_user.tenant_id)]:
        value = request.form.get(f"share-{tenant.id}", "").strip()
        if value:
            shares.append({"municipality_id": tenant.id, "share_percent": value})
    raw["shares"] = shares
    return raw


@bp.route("/")
@login_required
def index() -> Any:
    """List the own vacancies and the published vacancies partners share with us."""
    q = request.args.get("q", "").strip()
    page = paginate(ops.visible_vacancies(q or None))
    return render_template("hr/index.html", page=page, q=q, can_create=permissions.can_create(current_user))


def _form_context(values: dict[str, Any], errors: dict[str, Any], obj: Vacancy | None = None) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "obj": obj,
        "grades": GRADES,
        "regions": current_regions(current_user.tenant_id),
        "partners": partner_tenants(current_user.tenant_id),
    }


def _save(obj: Vacancy | None) -> Any:
    values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
    data, errors = load(CreateVacancySchema(), _vacancy_input())
    if data is not None:
        try:
            if obj is None:
                obj = ops.create_vacancy(data, author_id=current_user.id)
            else:
                ops.update_vacancy(obj, data)
        except DomainError as err:
            db.session.rollback()
            errors = {err.field or "_schema": [err.message]}
        else:
            db.session.commit()
            flash(_("De vacature is bewaard."), "success")
            return redirect(url_for("hr.vacancy", vacancy_id=obj.id))
    return render_template("hr/vacancy_form.html", **_form_context(values, errors, obj)), 422


@bp.route("/vacatures/nieuw", methods=["GET", "POST"])
@login_required
def new_vacancy() -> Any:
    """Write a new vacancy (saved as concept)."""
    if not permissions.can_create(current_user):
        abort(403)
    if request.method == "POST":
        return _save(None)
    values = {"audience": "own", "kind": "extern", "employment": "contractueel", "percentage": 100, "partner_ids": []}
    return render_template("hr/vacancy_form.html", **_form_context(values, {}))


@bp.route("/vacatures/<int:vacancy_id>")
@login_required
def vacancy(vacancy_id: int) -> Any:
    """Show one vacancy; the owner's HR also sees its applications."""
    obj = get_visible_or_404(Vacancy, vacancy_id)
    own = obj.tenant_id == current_user.tenant_id
    if not own and obj.status != "gepubliceerd":
        abort(404)
    applications: list[Application] = []
    if permissions.can_manage_applications(current_user, obj):
        applications = list(
            db.session.scalars(
                select(Application).where(Application.vacancy_id == obj.id).order_by(Application.created_at)
            )
        )
    applied = db.session.scalar(
        select(ApplicationReceipt.id).where(
            ApplicationReceipt.user_id == current_user.id,
            ApplicationReceipt.vacancy_id == obj.id,
        )
    )
    partners = {t.id: t for t in partner_tenants(current_user.tenant_id)}
    return render_template(
        "hr/vacancy.html",
        obj=obj,
        own=own,
        can_edit=permissions.can_edit(current_user, obj),
        can_apply=permissions.can_apply(current_user, obj) and not own and applied is None,
        applications=applications,
        next_statuses=ops.VACANCY_FLOW.get(obj.status, ()),
        grantees=[partners[i] for i in (object_grantees(obj) if own else []) if i in partners],
    )


def _owned(vacancy_id: int) -> Vacancy:
    return get_editable_or_404(Vacancy, vacancy_id, permissions.can_edit)


@bp.route("/vacatures/<int:vacancy_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_vacancy(vacancy_id: int) -> Any:
    """Edit an own open vacancy."""
    obj = _owned(vacancy_id)
    if request.method == "POST":
        return _save(obj)
    values: dict[str, Any] = {
        name: getattr(obj, name) for name in (*ops.FIELDS, "description_html", "profile_html", "audience", "region_id")
    }
    values["partner_ids"] = [str(i) for i in object_grantees(obj)]
    for share in obj.shares:
        values[f"share-{share.municipality_id}"] = share.share_percent
    return render_template("hr/vacancy_form.html", **_form_context(values, {}, obj))


@bp.route("/vacatures/<int:vacancy_id>/status", methods=["POST"])
@login_required
def vacancy_status(vacancy_id: int) -> Any:
    """Publish, close, fill or cancel an own vacancy."""
    obj = _owned(vacancy_id)
    status = request.form.get("status", "")
    ops.change_vacancy_status(obj, status)
    db.session.commit()
    flash(_("De status van de vacature is gewijzigd."), "success")
    return redirect(url_for("hr.vacancy", vacancy_id=obj.id))


@bp.route("/vacatures/<int:vacancy_id>/solliciteren", methods=["GET", "POST"])
@login_required
def apply(vacancy_id: int) -> Any:
    """Apply as a staff member of a partner municipality (internal mobility)."""
    obj = get_visible_or_404(Vacancy, vacancy_id)
    if obj.tenant_id != current_user.tenant_id and obj.status != "gepubliceerd":
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
                db.session.rollback()
                errors = {err.field or "_schema": [err.message]}
            else:
                db.session.commit()
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
@login_required
def application(application_id: int) -> Any:
    """Show an application to the owner's HR; POST moves it in the pipeline or adds a note."""
    obj = _application(application_id)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if request.form.get("action") == "note":
            ops.add_note(obj, request.form.get("note", ""), author_id=current_user.id)
            db.session.commit()
            flash(_("De notitie is bewaard."), "success")
            return redirect(url_for("hr.application", application_id=obj.id))
        data, errors = load(ApplicationStatusSchema(), form_to_dict(request.form, ApplicationStatusSchema()))
        if data is not None:
            ops.move_application(obj, data["status"], author_id=current_user.id, note=data["note"])
            db.session.commit()
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
@login_required
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
@login_required
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
@login_required
def my_applications() -> Any:
    """List the user's own internal applications."""
    receipts = list(
        db.session.scalars(
            select(ApplicationReceipt)
            .where(ApplicationReceipt.user_id == current_user.id)
            .order_by(ApplicationReceipt.created_at.desc())
        )
    )
    return render_template("hr/my_applications.html", receipts=receipts)


def _receipt(receipt_id: int) -> ApplicationReceipt:
    obj = get_owned_or_404(ApplicationReceipt, receipt_id, current_user.tenant_id)
    if obj.user_id != current_user.id:
        abort(404)
    return obj


@bp.route("/mijn-sollicitaties/<int:receipt_id>")
@login_required
def my_application(receipt_id: int) -> Any:
    """Show the user's own application and its status."""
    receipt = _receipt(receipt_id)
    return render_template("hr/my_application.html", receipt=receipt, app=ops.own_application(receipt))


@bp.route("/mijn-sollicitaties/<int:receipt_id>/export")
@login_required
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


@bp.route("/instellingen", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    """Set how long application data is kept after a vacancy closes."""
    if not permissions.can_configure(current_user):
        abort(403)
    errors: dict[str, Any] = {}
    months: Any = ops.retention_months(current_user.tenant_id)
    if request.method == "POST":
        months = request.form.get("retention_months", "")
        try:
            ops.set_retention_months(current_user.tenant_id, int(months) if months.isdigit() else 0)
        except DomainError as err:
            db.session.rollback()
            errors = {"retention_months": [err.message]}
        else:
            db.session.commit()
            flash(_("De bewaartermijn is bewaard."), "success")
            return redirect(url_for("hr.settings"))
        return render_template("hr/settings.html", months=months, errors=errors), 422
    return render_template("hr/settings.html", months=months, errors=errors)
