"""Build a small own meerjarenplan through the real operations, for the plan editing tests and matrix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from portal.extensions import db
from portal.plans import operations as ops
from portal.plans.models import Level
from tenants.context import tenant_context


@dataclass(frozen=True)
class Plan:
    """The ids of a plan version 2026-2028 with one branch down to an action with a budget and an indicator."""

    version_id: int
    domain_id: int
    goal_id: int
    plan_id: int
    action_id: int
    indicator_id: int


def build_plan(
    world: Any, tenant: str = "owner", *, title: str = "Meerjarenplan 2026-2028", action: str = "", suffix: str = ""
) -> Plan:
    """Create and commit a plan of ``tenant`` (as its AD); ``action`` is the action's title.

    ``suffix`` is added to every title (the version's and each node's): the matrix's secret.
    """
    end = f" {suffix}" if suffix else ""
    ad = world.user(tenant, "ad")
    with tenant_context(world.tenants[tenant].id, user_id=ad.id):
        version = ops.create_version({"title": title + end, "first_year": 2026, "last_year": 2028})
        domain = ops.create_node(version, {"level": Level.DOMEIN, "code": "BD1", "title": "Personeel" + end})
        goal = ops.create_node(
            version,
            {
                "level": Level.DOELSTELLING,
                "code": "BDS1",
                "title": "Aantrekkelijke werkgever" + end,
                "parent_id": domain.id,
            },
        )
        plan = ops.create_node(
            version, {"level": Level.ACTIEPLAN, "code": "AP1.1", "title": "Samen werven" + end, "parent_id": goal.id}
        )
        node = ops.create_node(
            version,
            {
                "level": Level.ACTIE,
                "code": "A1.1.1",
                "title": (action or "Gezamenlijke externe werving") + end,
                "parent_id": plan.id,
                "responsible": "Algemeen directeur",
                "status": "lopend",
                "progress_percent": 20,
                "starts_on": date(2026, 1, 1),
                "due_on": date(2026, 12, 31),
                "budgets": [{"year": 2026, "expense": Decimal("12500"), "income": Decimal(0)}],
            },
        )
        indicator = ops.add_indicator(
            node, {"name": "Vacatures ingevuld" + end, "unit": "%", "target_value": Decimal(80)}
        )
        db.session.commit()
        return Plan(version.id, domain.id, goal.id, plan.id, node.id, indicator.id)


def start_adjustment(world: Any, tenant: str = "owner") -> int:
    """Make an aanpassing of the version in force; return the new version's id."""
    ad = world.user(tenant, "ad")
    with tenant_context(world.tenants[tenant].id, user_id=ad.id):
        version = ops.current_version()
        assert version is not None
        made = ops.copy_version(version, {"reason": "Budgetwijziging"})
        db.session.commit()
        return made.id
