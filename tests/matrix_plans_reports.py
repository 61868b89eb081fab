"""The plan report routes of the cross-tenant matrix (imported by tests/matrix.py at its end)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.plans.models import PlanReport
from tests.matrix import Entry, Target, owner_snapshot, secret
from tests.plans_semester_helpers import make_plan, make_report

# -- the cross-tenant matrix ---------------------------------------------------------------------


def _report(world: Any, shared: bool, route: str) -> Target:
    """A finished semester report of "owner" (never shared: the plan is the owner's only)."""
    title = secret("Semesterdoel")
    make_plan(world, title=title)
    report_id = make_report(world)
    tenant_id = world.tenants["owner"].id

    def read() -> Any:
        row = db.session.execute(
            select(PlanReport.content_sha256, PlanReport.pdf_sha256).where(PlanReport.id == report_id)
        ).one_or_none()
        count = db.session.scalar(select(func.count()).select_from(PlanReport).where(PlanReport.tenant_id == tenant_id))
        return None if row is None else (*row, count)

    return Target(path=route.format(id=report_id), secret=title, state=owner_snapshot(world, read))


_RP = "/<tenant>/meerjarenplan/rapporten/{id}"
ENTRIES: dict[str, Entry] = {
    "/<tenant>/meerjarenplan/rapporten/<int:report_id>": Entry(build=lambda w, s: _report(w, s, _RP), methods=("GET",)),
    "/<tenant>/meerjarenplan/rapporten/<int:report_id>/pdf": Entry(
        build=lambda w, s: _report(w, s, _RP + "/pdf"), methods=("GET",)
    ),
    "/api/v1/plans/reports/<int:report_id>": Entry(
        build=lambda w, s: _report(w, s, "/api/v1/plans/reports/{id}"), methods=("GET",)
    ),
    "/api/v1/plans/reports/<int:report_id>/pdf": Entry(
        build=lambda w, s: _report(w, s, "/api/v1/plans/reports/{id}/pdf"), methods=("GET",)
    ),
}
