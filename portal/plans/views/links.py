"""Linking the own meerjarenplan to the cooperation: a node's links page and "link this to my plan".

Only the version in force takes new links; a link whose object is no longer visible stays but
shows only that it is no longer visible.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, allow
from portal.core.forms import load_form
from portal.core.loading import get_owned_or_404
from portal.core.unitofwork import attempt, fail
from portal.core.web import MAX_ID
from portal.plans import links
from portal.plans import operations as ops
from portal.plans.models import LINK_LABELS, LINK_TYPES, Level, PlanLink, PlanNode
from portal.plans.schemas.links import CreatePlanLinkSchema, LinkToPlanSchema
from portal.plans.views._blueprint import PLAN_KEEPERS, bp


def _node(node_id: int) -> PlanNode:
    return get_owned_or_404(PlanNode, node_id, current_user.tenant_id)


def _may_link() -> bool:
    return bool(PLAN_KEEPERS.admits(current_user))


def _ancestors(node: PlanNode) -> list[PlanNode]:
    """Return the node's parents from its domain down (for the breadcrumb)."""
    found: list[PlanNode] = []
    parent_id = node.parent_id
    while parent_id:
        parent = _node(parent_id)
        found.insert(0, parent)
        parent_id = parent.parent_id
    return found


def _render_node(
    node: PlanNode, values: dict[str, Any] | None = None, errors: dict[str, Any] | None = None, status: int = 200
) -> Any:
    values = values or {}
    chosen = values.get("object_type") or request.args.get("type", "")
    chosen = chosen if chosen in LINK_TYPES else ""
    q = request.args.get("q", "").strip()[:200]
    writable = _may_link() and links.in_force(node)
    return (
        render_template(
            "plans/links.html",
            node=node,
            ancestors=_ancestors(node),
            rows=links.link_rows(links.links_of([node])[node.id]),
            suggestions=links.suggestions(node) if writable else [],
            chosen=chosen,
            q=q,
            candidates=links.candidates(chosen, q or None) if writable and chosen else [],
            values=values,
            errors=errors or {},
            can_link=_may_link(),
            in_force=links.in_force(node),
            link_labels=LINK_LABELS,
        ),
        status,
    )


@bp.route("/acties/<int:node_id>/koppelingen", methods=["GET", "POST"])
@allow(MEMBERS, write=PLAN_KEEPERS)
def node_links(node_id: int) -> Any:
    """Show a node's links with their objects and money; the plan keepers link and unlink here."""
    node = _node(node_id)
    if request.method == "GET":
        return _render_node(node)
    values = {k: request.form.get(k, "") for k in ("object_type", "object_id", "note")}
    data, errors = load_form(CreatePlanLinkSchema(), request.form)
    if data is None:
        fail()
        return _render_node(node, values, errors, 422)
    link, errors, status = attempt(lambda: links.link_object(node, data))
    if link is None:
        return _render_node(node, values, errors, status)
    flash(_("De koppeling is bewaard."), "success")
    return redirect(url_for("plans.node_links", node_id=node.id), 303)


@bp.route("/koppelingen/<int:link_id>/ontkoppelen", methods=["POST"])
@allow(PLAN_KEEPERS)
def unlink(link_id: int) -> Any:
    """Remove one link of the plan in force (the linked object does not change)."""
    link = get_owned_or_404(PlanLink, link_id, current_user.tenant_id)
    node_id = link.node_id
    links.unlink(link)  # an older version answers 409 through the DomainError handler
    flash(_("De koppeling is verwijderd."), "success")
    return redirect(url_for("plans.node_links", node_id=node_id), 303)


def _object_or_404() -> tuple[str, int, links.Linked]:
    """Return the object named by ?type=&id= when the municipality may see it, else answer 404."""
    object_type = request.args.get("type", "")
    raw_id = request.args.get("id", "")
    if object_type not in LINK_TYPES or not raw_id.isdigit() or not 1 <= int(raw_id) <= MAX_ID:
        abort(404)
    found = links.describe(object_type, int(raw_id))
    if found is None:
        abort(404)
    return object_type, int(raw_id), found


def _render_object(
    object_type: str,
    object_id: int,
    found: links.Linked,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    status: int = 200,
) -> Any:
    version = ops.current_version()
    actions = ops.nodes_of(version, Level.ACTIE) if version is not None else []
    # Only the version in force: an aanpassing copies the links, so older versions would repeat them.
    nodes = {link.node_id: _node(link.node_id) for link in links.links_to(object_type, object_id)}
    existing = [
        link
        for link in links.links_to(object_type, object_id)
        if version and nodes[link.node_id].version_id == version.id
    ]
    return (
        render_template(
            "plans/link_object.html",
            object_type=object_type,
            object_id=object_id,
            found=found,
            type_label=LINK_LABELS[object_type],
            version=version,
            actions=actions,
            existing=[(link, nodes[link.node_id]) for link in existing],
            values=values or {},
            errors=errors or {},
            can_link=_may_link(),
        ),
        status,
    )


@bp.route("/koppelen", methods=["GET", "POST"])
@allow(MEMBERS, write=PLAN_KEEPERS)
def link_to_plan() -> Any:
    """Link one visible cooperation object (?type=&id=) to an action of the own plan in force."""
    object_type, object_id, found = _object_or_404()
    if request.method == "GET":
        return _render_object(object_type, object_id, found)
    values = {"node_id": request.form.get("node_id", ""), "note": request.form.get("note", "")}
    form = request.form.copy()
    form["object_type"], form["object_id"] = object_type, str(object_id)
    data, errors = load_form(LinkToPlanSchema(), form)
    if data is None:
        fail()
        return _render_object(object_type, object_id, found, values, errors, 422)
    node = _node(data["node_id"])
    link, errors, status = attempt(lambda: links.link_object(node, data))
    if link is None:
        return _render_object(object_type, object_id, found, values, errors, status)
    flash(_("Gekoppeld aan %(code)s %(title)s van je meerjarenplan.", code=node.code, title=node.title), "success")
    return redirect(url_for("plans.node_links", node_id=node.id), 303)
