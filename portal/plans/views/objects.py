"""The "Mijn meerjarenplan" block on the cooperation objects' own pages.

The plans module offers every template ``plan_links_for(object_type, object_id)``; the object
pages of the other modules only include ``plans/_object_links.html``, so no module imports the
plans package. One statement per request at most: the first call reads the acting
municipality's plan in force with all its action links, later calls (a meeting page lists many
decisions and action items) answer from the request cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_login import current_user
from sqlalchemy import and_, select
from sqlalchemy.orm import join, outerjoin

from portal.core.access import MEMBERS
from portal.extensions import db
from portal.plans.models import LINK_TYPES, Level, PlanLink, PlanNode, PlanVersion
from portal.plans.views._blueprint import PLAN_KEEPERS, bp
from tenants.context import current_tenant_id
from tenants.request_cache import cached


@dataclass(frozen=True)
class LinkedAction:
    """An action of the plan in force that an object is linked to."""

    node_id: int
    code: str
    title: str


@dataclass
class PlanIndex:
    """The acting municipality's plan in force: its actions by the objects they are linked to."""

    version_id: int
    by_object: dict[tuple[str, int], list[LinkedAction]] = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectPlanLinks:
    """What the block shows for one object: the linked actions and, for a plan keeper, the link button."""

    actions: list[LinkedAction]
    link_url: str | None


def _read_index(tenant_id: int) -> PlanIndex | None:
    """Read the plan in force and every link of its actions in one statement (None without a plan)."""
    newest = (
        select(PlanVersion.id)
        .where(PlanVersion.tenant_id == tenant_id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    # The version outer-joined to (its actions joined to their links): one row for a plan without links.
    linked = join(
        PlanNode,
        PlanLink,
        and_(PlanLink.node_id == PlanNode.id, PlanLink.tenant_id == tenant_id),
    )
    rows = db.session.execute(
        select(
            PlanVersion.id,
            PlanNode.id,
            PlanNode.code,
            PlanNode.title,
            PlanLink.object_type,
            PlanLink.object_id,
        )
        .select_from(
            outerjoin(
                PlanVersion,
                linked,
                and_(
                    PlanNode.version_id == PlanVersion.id,
                    PlanNode.tenant_id == tenant_id,
                    PlanNode.level == Level.ACTIE,
                ),
            )
        )
        .where(PlanVersion.id == newest, PlanVersion.tenant_id == tenant_id)
        .order_by(PlanNode.position, PlanNode.code, PlanLink.id)
    ).all()
    if not rows:
        return None
    index = PlanIndex(version_id=rows[0][0])
    for _version_id, node_id, code, title, object_type, object_id in rows:
        if node_id is None or object_type is None:
            continue
        actions = index.by_object.setdefault((object_type, object_id), [])
        if all(a.node_id != node_id for a in actions):
            actions.append(LinkedAction(node_id, code, title))
    return index


def plan_index() -> PlanIndex | None:
    """Return the acting municipality's plan in force with its links, read once per request."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return None
    return cached(("plans.object_links", tenant_id), lambda: _read_index(tenant_id))


def plan_links_for(object_type: str, object_id: Any) -> ObjectPlanLinks | None:
    """Return the block of one object for the signed-in user, or None when there is nothing to show.

    Nothing for a reader who may not see the plan, for a municipality without a plan in force, and
    for a reader (not a plan keeper) when the object is linked to none of the plan's actions.
    """
    if object_type not in LINK_TYPES or not isinstance(object_id, int):
        return None
    if not current_user.is_authenticated or not MEMBERS.admits(current_user):
        return None
    if current_user.tenant_id != current_tenant_id():
        return None  # the plan is only ever the signed-in municipality's own
    index = plan_index()
    if index is None:
        return None
    actions = index.by_object.get((object_type, object_id), [])
    may_link = bool(PLAN_KEEPERS.admits(current_user))
    if not actions and not may_link:
        return None
    link_url = url_for("plans.link_to_plan", type=object_type, id=object_id) if may_link else None
    return ObjectPlanLinks(actions, link_url)


@bp.app_context_processor
def _object_links() -> dict[str, Any]:
    return {"plan_links_for": plan_links_for}
