"""Function catalogue (functiecatalogus): shared descriptions and each municipality's grade for them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.hr.models import GRADES, FunctionGrade, JobFunction
from tenants.context import acting_tenant_id
from tenants.sharing import partner_tenants, set_audience

FUNCTION_FIELDS = ("title", "family", "level", "purpose", "tasks", "competences")


def _function_fields(obj: JobFunction, data: dict[str, Any]) -> None:
    for name in FUNCTION_FIELDS:
        if name in data:
            setattr(obj, name, data[name].strip())
    duplicate = db.session.scalar(
        select(JobFunction.id).where(
            JobFunction.tenant_id == acting_tenant_id(),
            JobFunction.title == obj.title,
            JobFunction.id != (obj.id or 0),
        )
    )
    if duplicate is not None:
        raise DomainError(_("Je catalogus bevat al een functie met deze titel."), field="title", status_code=409)


def create_function(data: dict[str, Any]) -> JobFunction:
    """Describe a function in the acting tenant's catalogue and share it as chosen."""
    obj = JobFunction()
    _function_fields(obj, data)
    db.session.add(obj)
    db.session.flush()
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    db.session.flush()
    return obj


def update_function(obj: JobFunction, data: dict[str, Any]) -> JobFunction:
    """Change an own function description (and who sees it)."""
    _function_fields(obj, data)
    if "audience" in data:
        set_audience(obj, data["audience"], region_id=data.get("region_id"), partner_ids=data.get("partner_ids", []))
    db.session.flush()
    return obj


def set_grade(function: JobFunction, data: dict[str, Any]) -> FunctionGrade:
    """Record the acting tenant's grade range for a function it can read; the row is its own."""
    low, high = data["grade_min"], data.get("grade_max") or data["grade_min"]
    if GRADES.index(high) < GRADES.index(low):
        raise DomainError(_("De hoogste weddeschaal ligt onder de laagste."), field="grade_max", status_code=422)
    tenant_id = acting_tenant_id()
    row = db.session.scalar(
        select(FunctionGrade).where(FunctionGrade.tenant_id == tenant_id, FunctionGrade.function_id == function.id)
    )
    if row is None:
        row = FunctionGrade(function_id=function.id)
        db.session.add(row)
    row.grade_min, row.grade_max, row.note = low, high, data.get("note", "").strip()
    db.session.flush()
    partners = [t.id for t in partner_tenants(tenant_id)]
    # Shared with every partner, so the comparison shows it wherever the function is read.
    set_audience(row, "partners" if partners else "own", partner_ids=partners)
    db.session.flush()
    return row


def grade_label(row: FunctionGrade) -> str:
    """Return e.g. "B1-B3", or "C1" for a single grade."""
    return row.grade_min if row.grade_min == row.grade_max else f"{row.grade_min}-{row.grade_max}"


def function_comparison(*, differing_only: bool = False) -> list[dict[str, Any]]:
    """Compare the visible functions' grades per municipality; flag the functions where they differ."""
    functions = list(db.session.scalars(select(JobFunction).order_by(JobFunction.level, JobFunction.title)))
    grades: dict[int, dict[int, FunctionGrade]] = {}
    if functions:
        for g in db.session.scalars(
            select(FunctionGrade).where(FunctionGrade.function_id.in_([f.id for f in functions]))
        ):
            grades.setdefault(g.function_id, {})[g.tenant_id] = g
    rows = []
    for f in functions:
        per_tenant = grades.get(f.id, {})
        labels = {tenant_id: grade_label(g) for tenant_id, g in per_tenant.items()}
        differs = len(set(labels.values())) > 1
        if differing_only and not differs:
            continue
        rows.append({"function": f, "grades": per_tenant, "labels": labels, "differs": differs})
    return rows
