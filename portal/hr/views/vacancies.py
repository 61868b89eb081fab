"""HR pages of vacancies: the list, writing, showing and the status flow."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import form_to_dict
from portal.core.loading import get_editable_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.unitofwork import fail
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import (
    GRADES,
    Application,
    ApplicationReceipt,
    Employment,
    JobFunction,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)
from portal.hr.schemas import CreateVacancySchema
from portal.hr.views._blueprint import bp
from portal.hr.views._common import load
from tenants.sharing import current_regions, object_grantees, partner_tenants


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
@allow(MEMBERS)
def index() -> Any:
    """List the own vacancies and the published vacancies partners share with us."""
    q = request.args.get("q", "").strip()
    page = paginate(ops.visible_vacancies(q or None))
    return render_template(
        "hr/index.html",
        page=page,
        q=q,
        can_create=permissions.can_create(current_user),
        is_hr=permissions.is_hr(current_user),
    )


def _form_context(values: dict[str, Any], errors: dict[str, Any], obj: Vacancy | None = None) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "obj": obj,
        "grades": GRADES,
        "regions": current_regions(current_user.tenant_id),
        "partners": partner_tenants(current_user.tenant_id),
        # Function names of the shared catalogue, offered as suggestions for the vacancy's function.
        "catalogue": sorted(set(db.session.scalars(select(JobFunction.title).limit(500)))),
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
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De vacature is bewaard."), "success")
            return redirect(url_for("hr.vacancy", vacancy_id=obj.id))
    return render_template("hr/vacancy_form.html", **_form_context(values, errors, obj)), 422


@bp.route("/vacatures/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_vacancy() -> Any:
    """Write a new vacancy (saved as concept)."""
    if not permissions.can_create(current_user):
        abort(403)
    if request.method == "POST":
        return _save(None)
    values = {
        "audience": "own",
        "kind": VacancyKind.EXTERN,
        "employment": Employment.CONTRACTUEEL,
        "percentage": 100,
        "partner_ids": [],
    }
    return render_template("hr/vacancy_form.html", **_form_context(values, {}))


@bp.route("/vacatures/<int:vacancy_id>")
@allow(MEMBERS)
def vacancy(vacancy_id: int) -> Any:
    """Show one vacancy; the owner's HR also sees its applications."""
    obj = get_visible_or_404(Vacancy, vacancy_id)
    own = obj.tenant_id == current_user.tenant_id
    if not own and obj.status != VacancyStatus.GEPUBLICEERD:
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
@allow(MEMBERS, write=STAFF)
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
@allow(MEMBERS, write=STAFF)
def vacancy_status(vacancy_id: int) -> Any:
    """Publish, close, fill or cancel an own vacancy."""
    obj = _owned(vacancy_id)
    status = request.form.get("status", "")
    ops.change_vacancy_status(obj, status)
    flash(_("De status van de vacature is gewijzigd."), "success")
    return redirect(url_for("hr.vacancy", vacancy_id=obj.id))
