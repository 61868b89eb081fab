"""REST endpoints of the links from the own plan: list, create, delete, suggestions and candidates."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView

from portal.core.access import MEMBERS, allow
from portal.core.loading import get_owned_or_404
from portal.plans import links
from portal.plans.api._blueprint import blp
from portal.plans.models import PlanLink, PlanNode
from portal.plans.schemas.links import (
    CreatePlanLinkSchema,
    PlanLinkCandidateArgsSchema,
    PlanLinkCandidateSchema,
    PlanLinkSchema,
    PlanLinkSuggestionSchema,
    PlanObjectLinksArgsSchema,
)
from portal.plans.views._blueprint import PLAN_KEEPERS
from tenants.context import current_tenant_id


def _node(node_id: int) -> PlanNode:
    return get_owned_or_404(PlanNode, node_id, current_tenant_id())


def _link(link_id: int) -> PlanLink:
    return get_owned_or_404(PlanLink, link_id, current_tenant_id())


@blp.route("/nodes/<int:node_id>/links")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanNodeLinks(MethodView):
    @blp.response(200, PlanLinkSchema(many=True))
    def get(self, node_id: int) -> Any:
        """List the links of one node of the own plan, each with its object as the owner may see it."""
        node = _node(node_id)
        return links.link_rows(links.links_of([node])[node.id])

    @blp.arguments(CreatePlanLinkSchema)
    @blp.response(201, PlanLinkSchema)
    def post(self, data: dict[str, Any], node_id: int) -> Any:
        """Link a node of the plan in force to an object the municipality may see (twice: 409)."""
        link = links.link_object(_node(node_id), data)
        return links.link_rows([link])[0]


@blp.route("/links/<int:link_id>")
@allow(MEMBERS, write=PLAN_KEEPERS)
class PlanLinkResource(MethodView):
    @blp.response(200, PlanLinkSchema)
    def get(self, link_id: int) -> Any:
        """Return one link of the own plan."""
        return links.link_rows([_link(link_id)])[0]

    @blp.response(204)
    def delete(self, link_id: int) -> None:
        """Remove a link of the plan in force (the object itself does not change)."""
        links.unlink(_link(link_id))


@blp.route("/nodes/<int:node_id>/suggestions")
@allow(MEMBERS)
class PlanNodeSuggestions(MethodView):
    @blp.response(200, PlanLinkSuggestionSchema(many=True))
    def get(self, node_id: int) -> Any:
        """Suggest visible objects whose titles or domains share words with the node."""
        return links.suggestions(_node(node_id))


@blp.route("/candidates")
@allow(MEMBERS)
class PlanLinkCandidates(MethodView):
    @blp.arguments(PlanLinkCandidateArgsSchema, location="query")
    @blp.response(200, PlanLinkCandidateSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """List the objects of one type the municipality may link (optionally matching a search text)."""
        object_type = args["object_type"]
        return [
            {"object_type": object_type, "object_id": object_id, "title": title}
            for object_id, title in links.candidates(object_type, args.get("q"))
        ]


@blp.route("/object-links")
@allow(MEMBERS)
class PlanObjectLinks(MethodView):
    @blp.arguments(PlanObjectLinksArgsSchema, location="query")
    @blp.response(200, PlanLinkSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """List the own plan's links to one object (404 when the municipality may not see the object)."""
        if links.describe(args["object_type"], args["object_id"]) is None:
            abort(404)
        return links.link_rows(links.links_to(args["object_type"], args["object_id"]))
