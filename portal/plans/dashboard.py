"""The "Mijn meerjarenplan" card on the dashboard: actions the cooperation touches, late, to decide."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.access import MEMBERS
from portal.extensions import db
from portal.features import Card, CardFigure, CardItem
from portal.plans import operations as ops
from portal.plans.models import Level, PlanLink, PlanNode, PlanVersion

#: How many late or to-decide actions the card names (the plan page lists them all).
LISTED = 5


def card() -> Card | None:
    """Return the card for a reader of the plan (no card for the expert guest).

    Two statements at most: the actions of the plan in force with a flag "linked to the
    cooperation" (the newest version picked in a subquery), and their budgets.
    """
    if not MEMBERS.admits(current_user):
        return None
    newest = select(PlanVersion.id).order_by(PlanVersion.number.desc()).limit(1).scalar_subquery()
    linked = select(PlanLink.id).where(PlanLink.node_id == PlanNode.id).exists()
    rows = db.session.execute(
        select(PlanNode, linked.label("linked"))
        .where(PlanNode.version_id == newest, PlanNode.level == Level.ACTIE)
        .options(selectinload(PlanNode.budgets))
        .order_by(PlanNode.position, PlanNode.code)
    ).all()
    actions = [row[0] for row in rows]
    touched = [row[0] for row in rows if row[1]]
    late = [n for n in actions if ops.is_late(n)]
    decide = [n for n in actions if ops.needs_decision(n)]
    plan_url = url_for("plans.index")
    items = []
    for node in (decide + [n for n in late if n not in decide])[:LISTED]:
        note = ", ".join(ops.deviations(node))
        if node in decide:
            note = _("%(why)s; vraagt een beslissing", why=note)
        items.append(CardItem(f"{node.code} {node.title}", plan_url, note))
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
