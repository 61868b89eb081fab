"""The "Mijn meerjarenplan" card on the dashboard: actions the cooperation touches, late, to decide."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core.access import MEMBERS
from portal.extensions import db
from portal.features import Card, CardFigure, CardItem
from portal.plans import operations as ops
from portal.plans.models import Level, PlanLink, PlanNode, PlanVersion

#: How many late or to-decide actions the card names (the plan page lists them all).
LISTED = 5


def card() -> Card | None:
    """Return the card for a reader of the plan (no card for the expert guest).

    One statement: the actions of the plan in force (the newest version picked in a subquery) as
    columns, with flags "linked to the cooperation" and "over budget" computed in SQL, so the
    dashboard does not load every action and its budgets.
    """
    if not MEMBERS.admits(current_user):
        return None
    newest = select(PlanVersion.id).order_by(PlanVersion.number.desc()).limit(1).scalar_subquery()
    linked = select(PlanLink.id).where(PlanLink.node_id == PlanNode.id).exists()
    actions = db.session.execute(
        select(
            PlanNode.id,
            PlanNode.code,
            PlanNode.title,
            PlanNode.status,
            PlanNode.due_on,
            linked.label("linked"),
            ops.over_budget_clause().label("over_budget"),
        )
        .where(PlanNode.version_id == newest, PlanNode.level == Level.ACTIE)
        .order_by(PlanNode.position, PlanNode.code)
    ).all()
    touched = [row for row in actions if row.linked]
    late = [row for row in actions if ops.is_late(row)]
    decide = [row for row in actions if ops.needs_decision(row, over_budget=row.over_budget)]
    decide_ids = {row.id for row in decide}
    plan_url = url_for("plans.index")
    items = []
    for row in (decide + [n for n in late if n.id not in decide_ids])[:LISTED]:
        note = ", ".join(ops.deviations(row, over_budget=row.over_budget))
        if row.id in decide_ids:
            note = _("%(why)s; vraagt een beslissing", why=note)
        items.append(CardItem(f"{row.code} {row.title}", plan_url, note))
    return Card(
        key="plans",
        title=_("Mijn meerjarenplan"),
        url=plan_url,
        link_label=_("Naar mijn meerjarenplan"),
        figures=[
            CardFigure(
                _("Acties geraakt door de samenwerking"), f"{len(touched)} / {len(actions)}", plan_url, "primary"
            ),
            CardFigure(_("Te laat"), len(late), plan_url, "warning" if late else "secondary"),
            CardFigure(_("Vraagt een beslissing"), len(decide), plan_url, "danger" if decide else "secondary"),
        ],
        items=items,
        empty=_("Nog geen acties in het meerjarenplan.") if not actions else _("Niets te laat, niets te beslissen."),
    )
