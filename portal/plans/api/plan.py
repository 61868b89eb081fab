"""REST endpoints to read and edit the own meerjarenplan: versions, nodes, budgets, indicators, measurements.

Everything is the caller's own plan (the scoped session never shows another municipality's);
the plan keepers write, every member reads. Only the version in force can change (409 otherwise).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from portal.core.access import MEMBERS, allow
from portal.core.api import page_envelope, page_of
from portal.core.loading import get_owned_or_404
from portal.core.pagination import paginate
from portal.plans import operations as ops
from portal.plans.api._blueprint import blp
from portal.plans.models import Level, PlanIndicator, PlanNode, PlanVersion
from portal.plans.schemas.plan import (
    CopyPlanVersionSchema,
    CreatePlanIndicatorSchema,
    CreatePlanNodeSchema,
    PlanBudgetsSchema,
    PlanIndicatorSchema,
    PlanMeasurementSchema,
    PlanNodeSchema,
    PlanNodeStatusSchema,
    PlanVersionSchema,
    UpdatePlanNodeSchema,
    UpdatePlanVersionSchema,
)
from portal.plans.views._blueprint import PLAN_KEEPERS

PlanVersionPageSchema = page_of(PlanVersionSchema, "PlanVersionPageSchema")
PlanNodePageSchema = page_of(PlanNodeSchema, "PlanNodePageSchema")

_LEVEL_ORDER = case({str(level): i for i, level in enumerate(Level)}, value=PlanNode.level, else_=len(Level))


def _version(version_id: int) -> PlanVersion:
    return get_owned_or_404(PlanVersion, version_id, current_user.tenant_id)


def _node(node_id: int) -> PlanNode:
    return get_owned_or_404(PlanNode, node_id, current_user.tenant_id)


def _indicator(indicator_id: int) -> PlanIndicator:
    return get_owned_or_404(PlanIndicator, indicator_id, current_user.tenant_id)


# -- versions ----------------------------------------------------------------------------------


@blp.route("/versions")
@allow(MEMBERS)
class PlanVersionList(MethodView):
    @blp.response(200, PlanVersionPageSchema)
    def get(self) -> Any:
        """List the versions of the own meerjarenplan, the one in force first."""
        return page_envelope(paginate(select(PlanVersion).order_by(PlanVersion.number.desc())))


@blp.route("/versions/<int:version_id>")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanVersionResource(MethodView):
    @blp.response(200, PlanVersionSchema)
    def get(self, version_id: int) -> Any:
        """Return one version (its nodes: /versions/{version_id}/nodes)."""
        return _version(version_id)

    @blp.arguments(UpdatePlanVersionSchema)
    @blp.response(200, PlanVersionSchema)
    def put(self, data: dict[str, Any], version_id: int) -> Any:
        """Change the title, adoption date and reason of the version in force (409 for an older one)."""
        return ops.update_version(_version(version_id), data)


@blp.route("/versions/<int:version_id>/adjustment")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanVersionAdjustment(MethodView):
    @blp.arguments(CopyPlanVersionSchema)
    @blp.response(201, PlanVersionSchema)
    def post(self, data: dict[str, Any], version_id: int) -> Any:
        """Start an aanpassing: a new version in force with a copy of the tree; the old one stays readable."""
        return ops.copy_version(_version(version_id), data)


@blp.route("/versions/<int:version_id>/nodes")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanVersionNodes(MethodView):
    @blp.response(200, PlanNodePageSchema)
    def get(self, version_id: int) -> Any:
        """List a version's nodes with budgets and indicators, domains first, then each lower level."""
        found = _version(version_id)
        stmt = (
            select(PlanNode)
            .where(PlanNode.version_id == found.id)
            .options(selectinload(PlanNode.budgets), selectinload(PlanNode.indicators))
            .order_by(_LEVEL_ORDER, PlanNode.position, PlanNode.code, PlanNode.id)
        )
        return page_envelope(paginate(stmt, per_page=50, max_per_page=200))

    @blp.arguments(CreatePlanNodeSchema)
    @blp.response(201, PlanNodeSchema)
    def post(self, data: dict[str, Any], version_id: int) -> Any:
        """Add a domain, goal, action plan or action (with parent_id) to the version in force."""
        return ops.create_node(_version(version_id), data)


# -- nodes -------------------------------------------------------------------------------------


@blp.route("/nodes/<int:node_id>")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanNodeResource(MethodView):
    @blp.response(200, PlanNodeSchema)
    def get(self, node_id: int) -> Any:
        """Return one node with its budgets per year and its indicators."""
        return _node(node_id)

    @blp.arguments(UpdatePlanNodeSchema)
    @blp.response(200, PlanNodeSchema)
    def put(self, data: dict[str, Any], node_id: int) -> Any:
        """Replace a node's code, texts, stand and dates (its level and parent stay)."""
        return ops.update_node(_node(node_id), data)

    @blp.response(204)
    def delete(self, node_id: int) -> None:
        """Remove a node with everything below it."""
        ops.delete_node(_node(node_id))


@blp.route("/nodes/<int:node_id>/status")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanNodeStatus(MethodView):
    @blp.arguments(PlanNodeStatusSchema)
    @blp.response(200, PlanNodeSchema)
    def put(self, data: dict[str, Any], node_id: int) -> Any:
        """Update a node's status and progress percentage (done without a percentage means 100)."""
        return ops.update_node(_node(node_id), data)


@blp.route("/nodes/<int:node_id>/budgets")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanNodeBudgets(MethodView):
    @blp.arguments(PlanBudgetsSchema)
    @blp.response(200, PlanNodeSchema)
    def put(self, data: dict[str, Any], node_id: int) -> Any:
        """Replace the node's budget: one row per year inside the version's years."""
        node = _node(node_id)
        ops.set_budgets(node, data["budgets"])
        return node


@blp.route("/nodes/<int:node_id>/indicators")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanNodeIndicators(MethodView):
    @blp.arguments(CreatePlanIndicatorSchema)
    @blp.response(201, PlanIndicatorSchema)
    def post(self, data: dict[str, Any], node_id: int) -> Any:
        """Add an indicator with its target to a node."""
        return ops.add_indicator(_node(node_id), data)


# -- indicators --------------------------------------------------------------------------------


@blp.route("/indicators/<int:indicator_id>")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanIndicatorResource(MethodView):
    @blp.response(200, PlanIndicatorSchema)
    def get(self, indicator_id: int) -> Any:
        """Return one indicator."""
        return _indicator(indicator_id)

    @blp.arguments(CreatePlanIndicatorSchema)
    @blp.response(200, PlanIndicatorSchema)
    def put(self, data: dict[str, Any], indicator_id: int) -> Any:
        """Replace an indicator's name, unit, target and measurement."""
        return ops.update_indicator(_indicator(indicator_id), data)

    @blp.response(204)
    def delete(self, indicator_id: int) -> None:
        """Remove an indicator."""
        ops.delete_indicator(_indicator(indicator_id))


@blp.route("/indicators/<int:indicator_id>/measurement")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanIndicatorMeasurement(MethodView):
    @blp.arguments(PlanMeasurementSchema)
    @blp.response(200, PlanIndicatorSchema)
    def post(self, data: dict[str, Any], indicator_id: int) -> Any:
        """Record a measured value (the day defaults to today; optionally a new target)."""
        return ops.measure(_indicator(indicator_id), data)
