"""The policy-tables section of the council report: meetings, decisions and action items."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.core.report import ReportPeriod, Section, date_cell, figure, table
from portal.extensions import db
from portal.policy_tables.models import (
    ACTION_STATUSES,
    OPEN_ACTION_STATUSES,
    ActionItem,
    Decision,
    Meeting,
    PolicyTable,
)


def section(period: ReportPeriod) -> Section:
    """Return the meetings and decisions of the period and the action items, the municipality's first."""
    tenant_id = period.tenant_id
    since, until = period.moments()
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .join(PolicyTable, PolicyTable.id == Meeting.table_id)
            .where(Meeting.starts_at >= since, Meeting.starts_at < until)
            .order_by(Meeting.starts_at)
        )
    )
    meeting_ids = [m.id for m in meetings]
    decisions = (
        db.session.scalar(select(func.count()).select_from(Decision).where(Decision.meeting_id.in_(meeting_ids)))
        if meeting_ids
        else 0
    ) or 0
    actions = list(db.session.scalars(select(ActionItem).order_by(ActionItem.due_on, ActionItem.id)))
    # Those this municipality carries come first.
    actions.sort(key=lambda a: (a.owner_tenant_id != tenant_id, a.due_on or date.max))
    relevant = [a for a in actions if a.status in OPEN_ACTION_STATUSES or period.contains(a.updated_at)]
    own_open = [a for a in actions if a.owner_tenant_id == tenant_id and a.status in OPEN_ACTION_STATUSES]
    overdue = [a for a in own_open if a.due_on is not None and a.due_on < period.end]
    return {
        "key": "policy_tables",
        "title": _("Beleidstafels"),
        "key_figures": [
            figure(_("Vergaderingen van beleidstafels"), len(meetings)),
            figure(_("Open actiepunten van onze gemeente"), len(own_open)),
        ],
        "figures": [
            figure(_("Vergaderingen"), len(meetings)),
            figure(_("Besluiten"), decisions),
            figure(_("Open actiepunten van onze gemeente"), len(own_open)),
            figure(_("Waarvan over de termijn"), len(overdue)),
        ],
        "tables": [
            table(
                _("Vergaderingen in de periode"),
                [_("Beleidstafel"), _("Datum"), _("Plaats")],
                [[m.table.name, date_cell(m.starts_at), m.location] for m in meetings],
                _("Geen vergaderingen in deze periode."),
            ),
            table(
                _("Actiepunten (eerst die van onze gemeente)"),
                [_("Actiepunt"), _("Trekker"), _("Verantwoordelijke"), _("Termijn"), _("Status")],
                [
                    [
                        a.title,
                        a.owner_tenant.name,
                        a.owner_person,
                        date_cell(a.due_on),
                        str(ACTION_STATUSES.get(a.status, a.status)),
                    ]
                    for a in relevant[:50]
                ],
                _("Geen actiepunten."),
            ),
        ],
    }
