"""HR pages of the function catalogue: descriptions, grades and the comparison between municipalities."""

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
from portal.hr.models import GRADES, LEVELS, FunctionGrade, JobFunction
from portal.hr.schemas import CreateFunctionSchema, SetGradeSchema
from portal.hr.views._blueprint import bp
from portal.hr.views._common import load
from tenants.models import Tenant
from tenants.sharing import current_regions, object_grantees, partner_tenants, readable_prefilter


def _catalogue_partners() -> list[Tenant]:
    return [current_user.tenant, *partner_tenants(current_user.tenant_id)]


@bp.route("/functies")
@allow(MEMBERS)
def functions() -> Any:
    """List the function catalogue: own descriptions and those partners share, with our grade."""
    q = request.args.get("q", "").strip()
    stmt = (
        select(JobFunction)
        .where(readable_prefilter(JobFunction, current_user.tenant_id))
        .order_by(JobFunction.level, JobFunction.title)
    )
    if q:
        stmt = stmt.where(JobFunction.title.ilike(f"%{q[:100]}%"))
    page = paginate(stmt)
    own = {
        g.function_id: ops.grade_label(g)
        for g in db.session.scalars(select(FunctionGrade).where(FunctionGrade.tenant_id == current_user.tenant_id))
    }
    return render_template(
        "hr/functions.html", page=page, q=q, own=own, can_create=permissions.can_create(current_user)
    )


@bp.route("/functies/vergelijking")
@allow(MEMBERS)
def function_comparison() -> Any:
    """Compare the grades municipalities give each function; highlight where they differ."""
    differing = request.args.get("verschillen") == "1"
    return render_template(
        "hr/function_comparison.html",
        rows=ops.function_comparison(differing_only=differing),
        tenants=_catalogue_partners(),
        differing=differing,
    )


def _function_form(values: dict[str, Any], errors: dict[str, Any], obj: JobFunction | None) -> Any:
    return render_template(
        "hr/function_form.html",
        values=values,
        errors=errors,
        obj=obj,
        levels=LEVELS,
        regions=current_regions(current_user.tenant_id),
        partners=partner_tenants(current_user.tenant_id),
    )


def _save_function(obj: JobFunction | None) -> Any:
    values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
    data, errors = load(CreateFunctionSchema(), form_to_dict(request.form, CreateFunctionSchema()))
    if data is not None:
        try:
            obj = ops.create_function(data) if obj is None else ops.update_function(obj, data)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De functiebeschrijving is bewaard."), "success")
            return redirect(url_for("hr.function", function_id=obj.id))
    return _function_form(values, errors, obj), 422


@bp.route("/functies/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_function() -> Any:
    """Describe a new function for the shared catalogue."""
    if not permissions.can_create(current_user):
        abort(403)
    if request.method == "POST":
        return _save_function(None)
    return _function_form({"audience": "own", "partner_ids": []}, {}, None)


@bp.route("/functies/<int:function_id>/bewerken", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def edit_function(function_id: int) -> Any:
    """Change an own function description."""
    obj = get_editable_or_404(JobFunction, function_id, permissions.can_edit_function)
    if request.method == "POST":
        return _save_function(obj)
    values: dict[str, Any] = {name: getattr(obj, name) for name in (*ops.FUNCTION_FIELDS, "audience", "region_id")}
    values["partner_ids"] = [str(i) for i in object_grantees(obj)]
    return _function_form(values, {}, obj)


def _function_page(obj: JobFunction, values: dict[str, Any], errors: dict[str, Any], status: int = 200) -> Any:
    grades = {
        g.tenant_id: g for g in db.session.scalars(select(FunctionGrade).where(FunctionGrade.function_id == obj.id))
    }
    own = grades.get(current_user.tenant_id)
    if not values and own is not None:
        values = {"grade_min": own.grade_min, "grade_max": own.grade_max, "note": own.note}
    return (
        render_template(
            "hr/function.html",
            obj=obj,
            grades=sorted(grades.values(), key=lambda g: g.tenant.name),
            labels={i: ops.grade_label(g) for i, g in grades.items()},
            values=values,
            errors=errors,
            grade_choices=GRADES,
            can_edit=permissions.can_edit_function(current_user, obj),
            can_grade=permissions.can_grade(current_user),
        ),
        status,
    )


@bp.route("/functies/<int:function_id>")
@allow(MEMBERS)
def function(function_id: int) -> Any:
    """Show a function description and the grade each municipality gives it."""
    return _function_page(get_visible_or_404(JobFunction, function_id), {}, {})


@bp.route("/functies/<int:function_id>/weging", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def function_grade(function_id: int) -> Any:
    """Record our grade for a function (own or a partner's): the grade row is ours."""
    obj = get_visible_or_404(JobFunction, function_id)
    if not permissions.can_grade(current_user):
        abort(403)
    values = request.form.to_dict()
    data, errors = load(SetGradeSchema(), form_to_dict(request.form, SetGradeSchema()))
    if data is not None:
        try:
            ops.set_grade(obj, data)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De weging van je bestuur is bewaard."), "success")
            return _function_page(obj, {}, {})
    return _function_page(obj, values, errors, 422)
