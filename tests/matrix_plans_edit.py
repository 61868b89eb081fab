"""The plan editing routes of the cross-tenant matrix (imported by tests/matrix.py at its end).

The meerjarenplan is never shared: every other municipality gets 404, and its writes change nothing
of the owner's plan (the snapshot holds every version, node, budget and indicator of the owner).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.plans.models import PlanBudget, PlanIndicator, PlanNode, PlanVersion
from tests.matrix import Entry, Target, owner_snapshot, secret
from tests.plans_edit_helpers import build_plan


def _plan_state(world: Any) -> Callable[[], Any]:
    def read() -> Any:
        versions = db.session.execute(
            select(PlanVersion.id, PlanVersion.number, PlanVersion.title, PlanVersion.adopted_on, PlanVersion.reason)
        ).all()
        nodes = db.session.execute(
            select(
                PlanNode.id,
                PlanNode.version_id,
                PlanNode.parent_id,
                PlanNode.code,
                PlanNode.title,
                PlanNode.status,
                PlanNode.progress_percent,
                PlanNode.starts_on,
                PlanNode.due_on,
            )
        ).all()
        budgets = db.session.execute(
            select(
                PlanBudget.node_id, PlanBudget.year, PlanBudget.expense, PlanBudget.income, PlanBudget.actual_expense
            )
        ).all()
        indicators = db.session.execute(
            select(
                PlanIndicator.id,
                PlanIndicator.node_id,
                PlanIndicator.name,
                PlanIndicator.target_value,
                PlanIndicator.measured_value,
            )
        ).all()
        return tuple(sorted(map(tuple, rows), key=repr) for rows in (versions, nodes, budgets, indicators))

    return owner_snapshot(world, read)


def _target(kind: str, route: str) -> Callable[[Any, bool], Target]:
    """Build the owner's plan; ``kind`` names the object in the URL (version, domain, plan, action, indicator)."""

    def build(world: Any, shared: bool) -> Target:
        label = secret("Matrixplan")
        plan = build_plan(world, suffix=label)
        object_id = {
            "version": plan.version_id,
            "plan": plan.plan_id,
            "action": plan.action_id,
            "indicator": plan.indicator_id,
        }[kind]
        return Target(path=route.format(id=object_id), secret=label, state=_plan_state(world))

    return build


_V = "/<tenant>/meerjarenplan/versies/{id}"
_N = "/<tenant>/meerjarenplan/acties/{id}"
_I = "/<tenant>/meerjarenplan/indicatoren/{id}"
_FORM = {"GET": 200, "POST": 303}
_POST = {"POST": 303}
_NODE_FORM = {
    "code": "A9.9.9",
    "title": "Gewijzigd door de matrix",
    "responsible": "Matrix",
    "status": "lopend",
    "progress_percent": "50",
    "starts_on": "2026-02-01",
    "due_on": "2026-11-30",
}

ENTRIES: dict[str, Entry] = {
    "/<tenant>/meerjarenplan/versies/<int:version_id>": Entry(build=_target("version", _V), methods=("GET",)),
    "/<tenant>/meerjarenplan/versies/<int:version_id>/bewerken": Entry(
        build=_target("version", _V + "/bewerken"),
        methods=("GET", "POST"),
        data={"POST": {"title": "Gewijzigd door de matrix", "adopted_on": "2025-12-18", "reason": "Matrix"}},
        owner_status=_FORM,
    ),
    "/<tenant>/meerjarenplan/versies/<int:version_id>/aanpassing": Entry(
        build=_target("version", _V + "/aanpassing"),
        methods=("GET", "POST"),
        data={"POST": {"title": "", "reason": "Aanpassing door de matrix"}},
        owner_status=_FORM,
    ),
    "/<tenant>/meerjarenplan/versies/<int:version_id>/nieuw-domein": Entry(
        build=_target("version", _V + "/nieuw-domein"),
        methods=("GET", "POST"),
        data={"POST": {**_NODE_FORM, "code": "BD9"}},
        owner_status=_FORM,
    ),
    "/<tenant>/meerjarenplan/acties/<int:node_id>": Entry(build=_target("action", _N), methods=("GET",)),
    "/<tenant>/meerjarenplan/acties/<int:node_id>/nieuw": Entry(
        build=_target("plan", _N + "/nieuw"),
        methods=("GET", "POST"),
        data={"POST": _NODE_FORM},
        owner_status=_FORM,
    ),
    "/<tenant>/meerjarenplan/acties/<int:node_id>/bewerken": Entry(
        build=_target("action", _N + "/bewerken"),
        methods=("GET", "POST"),
        data={"POST": _NODE_FORM},
        owner_status=_FORM,
    ),
    "/<tenant>/meerjarenplan/acties/<int:node_id>/stand": Entry(
        build=_target("action", _N + "/stand"),
        methods=("POST",),
        data={"POST": {"status": "afgerond", "progress_percent": "100"}},
        owner_status=_POST,
    ),
    "/<tenant>/meerjarenplan/acties/<int:node_id>/verwijderen": Entry(
        build=_target("action", _N + "/verwijderen"), methods=("GET", "POST"), owner_status=_FORM
    ),
    "/<tenant>/meerjarenplan/acties/<int:node_id>/budget": Entry(
        build=_target("action", _N + "/budget"),
        methods=("GET", "POST"),
        data={"POST": {"expense_2026": "1", "expense_2027": "2,50", "actual_expense_2028": "3"}},
        owner_status=_FORM,
    ),
    "/<tenant>/meerjarenplan/acties/<int:node_id>/indicatoren/nieuw": Entry(
        build=_target("action", _N + "/indicatoren/nieuw"),
        methods=("GET", "POST"),
        data={"POST": {"name": "Matrixindicator", "unit": "%", "target_value": "10"}},
        owner_status=_FORM,
    ),
    "/<tenant>/meerjarenplan/indicatoren/<int:indicator_id>/bewerken": Entry(
        build=_target("indicator", _I + "/bewerken"),
        methods=("GET", "POST"),
        data={"POST": {"name": "Gewijzigd door de matrix", "unit": "%", "target_value": "90"}},
        owner_status=_FORM,
    ),
    "/<tenant>/meerjarenplan/indicatoren/<int:indicator_id>/meting": Entry(
        build=_target("indicator", _I + "/meting"),
        methods=("POST",),
        data={"POST": {"measured_value": "55", "measured_on": "2026-01-04"}},
        owner_status=_POST,
    ),
    "/<tenant>/meerjarenplan/indicatoren/<int:indicator_id>/verwijderen": Entry(
        build=_target("indicator", _I + "/verwijderen"), methods=("POST",), owner_status=_POST
    ),
}

_API = "/api/v1/plans"
_NODE_JSON = {"code": "A9.9.9", "title": "Gewijzigd door de matrix", "status": "lopend", "progress_percent": 50}

ENTRIES.update(
    {
        "/api/v1/plans/versions/<int:version_id>": Entry(
            build=_target("version", _API + "/versions/{id}"),
            methods=("GET", "PUT"),
            data={"PUT": {"title": "Gewijzigd door de matrix", "reason": "Matrix"}},
        ),
        "/api/v1/plans/versions/<int:version_id>/adjustment": Entry(
            build=_target("version", _API + "/versions/{id}/adjustment"),
            methods=("POST",),
            data={"POST": {"reason": "Aanpassing door de matrix"}},
            owner_status={"POST": 201},
        ),
        "/api/v1/plans/versions/<int:version_id>/nodes": Entry(
            build=_target("version", _API + "/versions/{id}/nodes"),
            methods=("GET", "POST"),
            data={"POST": {**_NODE_JSON, "level": "beleidsdomein", "code": "BD9"}},
            owner_status={"GET": 200, "POST": 201},
        ),
        "/api/v1/plans/nodes/<int:node_id>": Entry(
            build=_target("action", _API + "/nodes/{id}"),
            methods=("GET", "PUT", "DELETE"),
            data={"PUT": _NODE_JSON},
        ),
        "/api/v1/plans/nodes/<int:node_id>/status": Entry(
            build=_target("action", _API + "/nodes/{id}/status"),
            methods=("PUT",),
            data={"PUT": {"status": "afgerond"}},
        ),
        "/api/v1/plans/nodes/<int:node_id>/budgets": Entry(
            build=_target("action", _API + "/nodes/{id}/budgets"),
            methods=("PUT",),
            data={"PUT": {"budgets": [{"year": 2027, "expense": "5.00"}]}},
        ),
        "/api/v1/plans/nodes/<int:node_id>/indicators": Entry(
            build=_target("action", _API + "/nodes/{id}/indicators"),
            methods=("POST",),
            data={"POST": {"name": "Matrixindicator", "target_value": "10"}},
            owner_status={"POST": 201},
        ),
        "/api/v1/plans/indicators/<int:indicator_id>": Entry(
            build=_target("indicator", _API + "/indicators/{id}"),
            methods=("GET", "PUT", "DELETE"),
            data={"PUT": {"name": "Gewijzigd door de matrix", "target_value": "90"}},
        ),
        "/api/v1/plans/indicators/<int:indicator_id>/measurement": Entry(
            build=_target("indicator", _API + "/indicators/{id}/measurement"),
            methods=("POST",),
            data={"POST": {"measured_value": "55"}},
            owner_status={"POST": 200},
        ),
    }
)
