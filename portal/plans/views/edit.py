"""Editing the own meerjarenplan by hand: versions, node pages, budgets per year, indicators and the stand.

Only the version in force can be changed; an older version stays readable and answers 409 to a write.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.core.access import MEMBERS, allow
from portal.core.errors import DomainError
from portal.core.forms import form_to_dict, load_data, submit
from portal.core.loading import get_owned_or_404
from portal.core.unitofwork import attempt, fail
from portal.plans import operations as ops
from portal.plans.models import PARENT_LEVEL, Level, PlanIndicator, PlanNode, PlanVersion
from portal.plans.schemas.plan import (
    CopyPlanVersionSchema,
    CreatePlanIndicatorSchema,
    CreatePlanNodeSchema,
    PlanBudgetInSchema,
    PlanMeasurementSchema,
    PlanNodeStatusSchema,
    UpdatePlanNodeSchema,
    UpdatePlanVersionSchema,
)
from portal.plans.views._blueprint import PLAN_KEEPERS, bp

#: The level a new child of a node gets.
CHILD_LEVEL: dict[str, str] = {str(parent): str(child) for child, parent in PARENT_LEVEL.items() if parent}


@bp.context_processor
def _keeper() -> dict[str, Any]:
    return {"may_keep_plan": current_user.is_authenticated and PLAN_KEEPERS.admits(current_user)}


def _version(version_id: int) -> PlanVersion:
    return get_owned_or_404(PlanVersion, version_id, current_user.tenant_id)


def _node(node_id: int) -> PlanNode:
    return get_owned_or_404(PlanNode, node_id, current_user.tenant_id)


def _indicator(indicator_id: int) -> PlanIndicator:
    return get_owned_or_404(PlanIndicator, indicator_id, current_user.tenant_id)


def _may_keep() -> bool:
    return PLAN_KEEPERS.admits(current_user)


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _node_url(node: PlanNode) -> Any:
    return redirect(url_for("plans.node", node_id=node.id)), 303


# -- versions ----------------------------------------------------------------------------------


@bp.route("/versies/<int:version_id>")
@allow(MEMBERS)
def version(version_id: int) -> Any:
    """Show one version's tree (an older version read-only), with the version switcher."""
    found = _version(version_id)
    nodes = ops.nodes_of(found, budgets=False)
    budgets = ops.budget_summary(found)
    return render_template(
        "plans/version.html",
        version=found,
        versions=ops.versions(),
        in_force=ops.is_in_force(found),
        can_edit=_may_keep() and ops.is_in_force(found),
        roots=ops.tree(found, nodes),
        budgets=budgets,
        deviations={n.id: ops.deviations(n, over_budget=budgets[n.id].over_budget) for n in nodes},
        Level=Level,
    )


def _version_values(found: PlanVersion) -> dict[str, Any]:
    return {"title": found.title, "adopted_on": _iso(found.adopted_on), "reason": found.reason}


@bp.route("/versies/<int:version_id>/bewerken", methods=["GET", "POST"])
@allow(PLAN_KEEPERS)
def edit_version(version_id: int) -> Any:
    """Change the title, adoption date and reason of the version in force."""
    found = _version(version_id)
    ops.ensure_in_force(found)
    if request.method == "POST":
        done, errors = submit(UpdatePlanVersionSchema(), lambda data: ops.update_version(found, data))
        if done is not None:
            flash(_("De versie is bijgewerkt."), "success")
            return redirect(url_for("plans.version", version_id=found.id)), 303
        return _version_form(found, request.form.to_dict(), errors, "edit", 422)
    return _version_form(found, _version_values(found), {}, "edit", 200)


@bp.route("/versies/<int:version_id>/aanpassing", methods=["GET", "POST"])
@allow(PLAN_KEEPERS)
def copy_version(version_id: int) -> Any:
    """Start an aanpassing: a new version in force with a copy of the tree; the old one stays readable."""
    found = _version(version_id)
    ops.ensure_in_force(found)
    if request.method == "POST":
        made, errors = submit(CopyPlanVersionSchema(), lambda data: ops.copy_version(found, data))
        if made is not None:
            flash(_("Aanpassing gestart: versie %(n)s is nu van kracht.", n=made.number), "success")
            return redirect(url_for("plans.version", version_id=made.id)), 303
        return _version_form(found, request.form.to_dict(), errors, "copy", 422)
    return _version_form(found, {"title": found.title, "adopted_on": "", "reason": ""}, {}, "copy", 200)


def _version_form(found: PlanVersion, values: dict[str, Any], errors: dict[str, Any], mode: str, status: int) -> Any:
    return render_template("plans/version_form.html", version=found, values=values, errors=errors, mode=mode), status


# -- nodes -------------------------------------------------------------------------------------


def _ancestors(node: PlanNode) -> list[PlanNode]:
    found: list[PlanNode] = []
    parent_id = node.parent_id
    while parent_id:
        parent = get_owned_or_404(PlanNode, parent_id, current_user.tenant_id)
        found.insert(0, parent)
        parent_id = parent.parent_id
    return found


def _node_page(node: PlanNode, status: int = 200, **forms: Any) -> Any:
    found_version = node.version
    in_force = ops.is_in_force(found_version)
    budgets = {b.year: b for b in node.budgets}
    return render_template(
        "plans/node.html",
        node=node,
        version=found_version,
        versions=ops.versions(),
        in_force=in_force,
        can_edit=_may_keep() and in_force,
        ancestors=_ancestors(node),
        children=[item.node for item in ops.subtree(node).children],
        child_level=CHILD_LEVEL.get(node.level),
        years=list(range(found_version.first_year, found_version.last_year + 1)),
        budgets=budgets,
        totals=ops.budget_totals([node]),
        deviations=ops.deviations(node),
        stand_values=forms.get("stand_values") or {"status": node.status, "progress_percent": node.progress_percent},
        stand_errors=forms.get("stand_errors") or {},
        measure_for=forms.get("measure_for"),
        measure_values=forms.get("measure_values") or {},
        measure_errors=forms.get("measure_errors") or {},
        Level=Level,
    ), status


@bp.route("/acties/<int:node_id>")
@allow(MEMBERS)
def node(node_id: int) -> Any:
    """Show one domain, goal, action plan or action: its stand, budgets per year and indicators."""
    return _node_page(_node(node_id))


def _node_values(found: PlanNode) -> dict[str, Any]:
    return {
        "code": found.code,
        "title": found.title,
        "responsible": found.responsible,
        "description": found.description,
        "status": found.status,
        "progress_percent": found.progress_percent,
        "starts_on": _iso(found.starts_on),
        "due_on": _iso(found.due_on),
    }


def _node_form(
    version_obj: PlanVersion,
    level: str,
    values: dict[str, Any],
    errors: dict[str, Any],
    status: int,
    *,
    node_obj: PlanNode | None = None,
    parent: PlanNode | None = None,
) -> Any:
    return render_template(
        "plans/node_form.html",
        version=version_obj,
        level=level,
        values=values,
        errors=errors,
        node=node_obj,
        parent=parent,
        Level=Level,
    ), status


def _create(version_obj: PlanVersion, level: str, parent: PlanNode | None) -> Any:
    ops.ensure_in_force(version_obj)
    if request.method == "POST":
        schema = CreatePlanNodeSchema()
        raw = form_to_dict(request.form, schema)
        raw.update(level=level, parent_id=parent.id if parent else None)
        raw.pop("position", None)
        made, errors = submit(schema, lambda data: ops.create_node(version_obj, data), raw)
        if made is not None:
            flash(_("%(code)s is toegevoegd.", code=made.code), "success")
            return _node_url(made)
        return _node_form(version_obj, level, request.form.to_dict(), errors, 422, parent=parent)
    return _node_form(version_obj, level, {"status": "niet_gestart", "progress_percent": 0}, {}, 200, parent=parent)


@bp.route("/versies/<int:version_id>/nieuw-domein", methods=["GET", "POST"])
@allow(PLAN_KEEPERS)
def new_domain(version_id: int) -> Any:
    """Add a beleidsdomein to the version in force."""
    return _create(_version(version_id), Level.DOMEIN, None)


@bp.route("/acties/<int:node_id>/nieuw", methods=["GET", "POST"])
@allow(PLAN_KEEPERS)
def new_child(node_id: int) -> Any:
    """Add a goal, action plan or action below a node of the version in force."""
    parent = _node(node_id)
    level = CHILD_LEVEL.get(parent.level)
    if level is None:
        raise DomainError(_("Onder een actie komt geen ander niveau meer."), status_code=409)
    return _create(parent.version, level, parent)


@bp.route("/acties/<int:node_id>/bewerken", methods=["GET", "POST"])
@allow(PLAN_KEEPERS)
def edit_node(node_id: int) -> Any:
    """Change a node's code, texts, stand and dates."""
    found = _node(node_id)
    ops.node_version_in_force(found)
    if request.method == "POST":
        done, errors = submit(UpdatePlanNodeSchema(), lambda data: ops.update_node(found, data))
        if done is not None:
            flash(_("%(code)s is bijgewerkt.", code=found.code), "success")
            return _node_url(found)
        return _node_form(found.version, found.level, request.form.to_dict(), errors, 422, node_obj=found)
    return _node_form(found.version, found.level, _node_values(found), {}, 200, node_obj=found)


@bp.route("/acties/<int:node_id>/stand", methods=["POST"])
@allow(MEMBERS, write=PLAN_KEEPERS)
def node_status(node_id: int) -> Any:
    """Update a node's status and progress percentage."""
    found = _node(node_id)
    ops.node_version_in_force(found)
    done, errors = submit(PlanNodeStatusSchema(), lambda data: ops.update_node(found, data))
    if done is not None:
        flash(_("De stand van %(code)s is bijgewerkt.", code=found.code), "success")
        return _node_url(found)
    return _node_page(found, 422, stand_values=request.form.to_dict(), stand_errors=errors)


@bp.route("/acties/<int:node_id>/verwijderen", methods=["GET", "POST"])
@allow(PLAN_KEEPERS)
def delete_node(node_id: int) -> Any:
    """Ask to confirm, then remove a node with everything below it."""
    found = _node(node_id)
    ops.node_version_in_force(found)
    if request.method == "POST":
        parent_id, version_id, code = found.parent_id, found.version_id, found.code
        ops.delete_node(found)
        flash(_("%(code)s is verwijderd, met alles wat eronder stond.", code=code), "success")
        if parent_id:
            return redirect(url_for("plans.node", node_id=parent_id)), 303
        return redirect(url_for("plans.version", version_id=version_id)), 303
    below = [n for n in ops.subtree(found).walk() if n.id != found.id]
    return render_template("plans/node_delete.html", node=found, below=below)


# -- budgets -----------------------------------------------------------------------------------


def _budget_rows(form: MultiDict[str, str], years: list[int]) -> list[dict[str, Any]]:
    """Return the filled rows of the budget form (one per year; an empty row drops that year)."""
    rows = []
    for year in years:
        cells = {
            "expense": form.get(f"expense_{year}", "").strip(),
            "income": form.get(f"income_{year}", "").strip(),
            "actual_expense": form.get(f"actual_expense_{year}", "").strip(),
        }
        if any(cells.values()):
            row: dict[str, Any] = {"year": year}
            row.update({k: v for k, v in cells.items() if v})
            rows.append(row)
    return rows


@bp.route("/acties/<int:node_id>/budget", methods=["GET", "POST"])
@allow(PLAN_KEEPERS)
def edit_budgets(node_id: int) -> Any:
    """Change the node's budget: expense, income and realised expense for each year of the version."""
    found = _node(node_id)
    ops.node_version_in_force(found)
    years = list(range(found.version.first_year, found.version.last_year + 1))
    if request.method == "POST":
        errors: dict[str, Any] = {}
        rows = []
        for raw in _budget_rows(request.form, years):
            row, row_errors = load_data(PlanBudgetInSchema(), raw)
            if row is None:
                for name, messages in row_errors.items():
                    errors[f"{name}_{raw['year']}"] = messages
            else:
                rows.append(row)
        if not errors:
            done, errors, _status = attempt(lambda: _save_budgets(found, rows))
            if done is not None:
                flash(_("Het budget van %(code)s is bewaard.", code=found.code), "success")
                return _node_url(found)
        fail()
        return _budget_form(found, years, request.form.to_dict(), errors, 422)
    values: dict[str, Any] = {}
    for budget in found.budgets:
        values[f"expense_{budget.year}"] = _number(budget.expense)
        values[f"income_{budget.year}"] = _number(budget.income)
        values[f"actual_expense_{budget.year}"] = _number(budget.actual_expense)
    return _budget_form(found, years, values, {}, 200)


def _save_budgets(found: PlanNode, rows: list[dict[str, Any]]) -> PlanNode:
    ops.set_budgets(found, rows)
    return found


def _budget_form(found: PlanNode, years: list[int], values: dict[str, Any], errors: dict[str, Any], status: int) -> Any:
    return render_template("plans/budget_form.html", node=found, years=years, values=values, errors=errors), status


# -- indicators --------------------------------------------------------------------------------


def _indicator_form(
    found: PlanNode, values: dict[str, Any], errors: dict[str, Any], status: int, indicator: PlanIndicator | None
) -> Any:
    return render_template(
        "plans/indicator_form.html", node=found, values=values, errors=errors, indicator=indicator
    ), status


@bp.route("/acties/<int:node_id>/indicatoren/nieuw", methods=["GET", "POST"])
@allow(PLAN_KEEPERS)
def new_indicator(node_id: int) -> Any:
    """Add an indicator with its target to a node."""
    found = _node(node_id)
    ops.node_version_in_force(found)
    if request.method == "POST":
        made, errors = submit(CreatePlanIndicatorSchema(), lambda data: ops.add_indicator(found, data))
        if made is not None:
            flash(_("De indicator is toegevoegd."), "success")
            return _node_url(found)
        return _indicator_form(found, request.form.to_dict(), errors, 422, None)
    return _indicator_form(found, {}, {}, 200, None)


@bp.route("/indicatoren/<int:indicator_id>/bewerken", methods=["GET", "POST"])
@allow(PLAN_KEEPERS)
def edit_indicator(indicator_id: int) -> Any:
    """Change an indicator's name, unit, target and measurement."""
    indicator = _indicator(indicator_id)
    found = ops.indicator_node(indicator)
    ops.node_version_in_force(found)
    if request.method == "POST":
        done, errors = submit(CreatePlanIndicatorSchema(), lambda data: ops.update_indicator(indicator, data))
        if done is not None:
            flash(_("De indicator is bijgewerkt."), "success")
            return _node_url(found)
        return _indicator_form(found, request.form.to_dict(), errors, 422, indicator)
    values = {
        "name": indicator.name,
        "unit": indicator.unit,
        "target_value": _number(indicator.target_value),
        "measured_value": _number(indicator.measured_value),
        "measured_on": _iso(indicator.measured_on),
    }
    return _indicator_form(found, values, {}, 200, indicator)


@bp.route("/indicatoren/<int:indicator_id>/meting", methods=["POST"])
@allow(MEMBERS, write=PLAN_KEEPERS)
def measure_indicator(indicator_id: int) -> Any:
    """Record a measured value of an indicator (the day defaults to today)."""
    indicator = _indicator(indicator_id)
    found = ops.indicator_node(indicator)
    ops.node_version_in_force(found)
    done, errors = submit(PlanMeasurementSchema(), lambda data: ops.measure(indicator, data))
    if done is not None:
        flash(_("De meting is bewaard."), "success")
        return _node_url(found)
    return _node_page(
        found, 422, measure_for=indicator_id, measure_values=request.form.to_dict(), measure_errors=errors
    )


@bp.route("/indicatoren/<int:indicator_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=PLAN_KEEPERS)
def delete_indicator(indicator_id: int) -> Any:
    """Remove an indicator of a node."""
    indicator = _indicator(indicator_id)
    found = ops.indicator_node(indicator)
    ops.node_version_in_force(found)
    ops.delete_indicator(indicator)
    flash(_("De indicator is verwijderd."), "success")
    return _node_url(found)
