"""The region's inventory of existing cooperations and their evaluations."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.core.pagination import paginate
from portal.core.unitofwork import fail
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import CRITERIA, LEGAL_FORMS, RECOMMENDATIONS, Cooperation
from portal.policy_tables.schemas import (
    CreateCooperationEvaluationSchema,
    CreateCooperationSchema,
    UpdateCooperationSchema,
)
from portal.policy_tables.views._blueprint import bp
from portal.procurement.validators import format_kbo
from tenants.sharing import current_regions, region_members


def _cooperation_form(obj: Cooperation | None, values: dict[str, Any], errors: dict[str, Any], status: int) -> Any:
    regions = current_regions(current_user.tenant_id)
    municipalities = sorted({t.id: t for r in regions for t in region_members(r.id)}.values(), key=lambda t: t.name)
    return render_template(
        "policy_tables/cooperation_form.html",
        obj=obj,
        values=values,
        errors=errors,
        regions=regions,
        municipalities=municipalities,
        legal_forms=LEGAL_FORMS,
    ), status


def _form_values(obj: Cooperation) -> dict[str, Any]:
    return {
        "name": obj.name,
        "legal_form": obj.legal_form,
        "domain": obj.domain,
        "partner_ids": [str(i) for i in obj.partner_ids],
        "other_partners": obj.other_partners,
        "kbo_number": format_kbo(obj.kbo_number) if obj.kbo_number else "",
        "started_on": obj.started_on.isoformat() if obj.started_on else "",
        "contact": obj.contact,
        "region_id": obj.region_id,
    }


def _posted_values() -> dict[str, Any]:
    values: dict[str, Any] = request.form.to_dict()
    values["partner_ids"] = request.form.getlist("partner_ids")
    return values


@bp.route("/inventaris")
@allow(MEMBERS)
def inventory() -> Any:
    """List the region's inventory of existing cooperations (art. 8 Regiodecreet)."""
    q = request.args.get("q", "").strip()
    legal_form = request.args.get("rechtsvorm", "")
    legal_form = legal_form if legal_form in LEGAL_FORMS else ""
    page = paginate(ops.visible_cooperations(q or None, legal_form or None))
    return render_template(
        "policy_tables/inventory.html",
        page=page,
        q=q,
        legal_form=legal_form,
        legal_forms=LEGAL_FORMS,
        can_create=permissions.can_create(current_user),
    )


@bp.route("/inventaris/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_cooperation() -> Any:
    """Register an existing cooperation in the inventory."""
    if not permissions.can_create(current_user):
        abort(403)
    regions = current_regions(current_user.tenant_id)
    values: dict[str, Any] = {"region_id": regions[0].id if len(regions) == 1 else "", "partner_ids": []}
    if request.method == "GET":
        return _cooperation_form(None, values, {}, 200)
    values = _posted_values()
    data, errors = load_form(CreateCooperationSchema(), request.form)
    if data is not None:
        try:
            obj = ops.create_cooperation(data, tenant_id=current_user.tenant_id)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De samenwerking is toegevoegd aan de inventaris."), "success")
            return redirect(url_for("policy_tables.cooperation", cooperation_id=obj.id))
    return _cooperation_form(None, values, errors, 422)


def _cooperation_page(obj: Cooperation, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    return render_template(
        "policy_tables/cooperation.html",
        obj=obj,
        partners=ops.partner_names(obj),
        evaluations=ops.evaluations_of(obj),
        meetings=ops.evaluation_meetings(obj, current_user.tenant_id) if permissions.can_create(current_user) else [],
        criteria=CRITERIA,
        recommendations=RECOMMENDATIONS,
        kbo=format_kbo(obj.kbo_number) if obj.kbo_number else "",
        can_edit=permissions.can_chair(current_user, obj),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


@bp.route("/inventaris/<int:cooperation_id>")
@allow(MEMBERS)
def cooperation(cooperation_id: int) -> Any:
    """Show a cooperation with its evaluation history."""
    return _cooperation_page(get_visible_or_404(Cooperation, cooperation_id))


@bp.route("/inventaris/<int:cooperation_id>/bewerken", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def edit_cooperation(cooperation_id: int) -> Any:
    """Change a cooperation the own municipality registered."""
    obj = get_visible_or_404(Cooperation, cooperation_id)
    if obj.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, obj):
        abort(403)
    if request.method == "GET":
        return _cooperation_form(obj, _form_values(obj), {}, 200)
    values = _posted_values()
    values["region_id"] = obj.region_id
    data, errors = load_form(UpdateCooperationSchema(), request.form)
    if data is not None:
        try:
            ops.update_cooperation(obj, data)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De samenwerking is bijgewerkt."), "success")
            return redirect(url_for("policy_tables.cooperation", cooperation_id=obj.id))
    return _cooperation_form(obj, values, errors, 422)


@bp.route("/inventaris/<int:cooperation_id>/evaluaties", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def evaluate(cooperation_id: int) -> Any:
    """Record an evaluation of the cooperation at a meeting the own municipality chairs."""
    obj = get_visible_or_404(Cooperation, cooperation_id)
    if not permissions.can_participate(current_user, obj):
        abort(403)
    data, errors = load_form(CreateCooperationEvaluationSchema(), request.form)
    if data is None:
        return _cooperation_page(obj, errors, 422)
    try:
        ops.evaluate_cooperation(obj, data, tenant_id=current_user.tenant_id)
    except DomainError as err:
        fail()
        return _cooperation_page(obj, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("De evaluatie is bewaard."), "success")
    return redirect(url_for("policy_tables.cooperation", cooperation_id=obj.id))
