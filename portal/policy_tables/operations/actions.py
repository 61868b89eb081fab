"""Action items agreed at meetings, their follow-up and the reminders when overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal.core.errors import DomainError
from portal.core.outbox import notify
from portal.extensions import db
from portal.policy_tables.models import OPEN_ACTION_STATUSES, ActionItem, ActionStatus, Meeting
from portal.policy_tables.operations._common import _check_member, member_users
from portal.policy_tables.operations.agenda import agenda_of
from portal.policy_tables.operations.meetings import this_and_earlier
from tenants.sharing import set_audience


def follow_up_actions(meeting: Meeting) -> list[ActionItem]:
    """Return the open actions of earlier meetings of the table: "Opvolging actiepunten"."""
    earlier = select(Meeting.id).where(Meeting.table_id == meeting.table_id, Meeting.starts_at < meeting.starts_at)
    return list(
        db.session.scalars(
            select(ActionItem)
            .where(
                ActionItem.table_id == meeting.table_id,
                ActionItem.meeting_id.in_(earlier),
                ActionItem.status.in_(OPEN_ACTION_STATUSES),
            )
            .order_by(ActionItem.due_on.nulls_last(), ActionItem.id)
        )
    )


def meeting_actions(meeting: Meeting) -> tuple[list[ActionItem], list[ActionItem]]:
    """Return ``follow_up_actions`` and ``actions_of`` of the meeting page in one query."""
    rows = db.session.scalars(
        select(ActionItem)
        .where(
            ActionItem.meeting_id.in_(this_and_earlier(meeting)),
            or_(ActionItem.meeting_id == meeting.id, ActionItem.status.in_(OPEN_ACTION_STATUSES)),
        )
        .order_by(ActionItem.due_on.nulls_last(), ActionItem.id)
    ).all()
    own = sorted((a for a in rows if a.meeting_id == meeting.id), key=lambda a: a.id)
    return [a for a in rows if a.meeting_id != meeting.id], own


def actions_of(meeting: Meeting) -> list[ActionItem]:
    """Return the actions agreed at this meeting."""
    return list(
        db.session.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting.id).order_by(ActionItem.id))
    )


def create_action(meeting: Meeting, data: dict[str, Any], *, path: str) -> ActionItem:
    """Record an action agreed at the meeting and tell the responsible municipality."""
    _check_member(meeting, data["owner_tenant_id"])
    agenda_item_id = data.get("agenda_item_id")
    if agenda_item_id is not None and agenda_item_id not in {i.id for i in agenda_of(meeting)}:
        raise DomainError(_("Onbekend agendapunt."), field="agenda_item_id", status_code=422)
    action = ActionItem(
        table_id=meeting.table_id,
        meeting_id=meeting.id,
        agenda_item_id=agenda_item_id,
        title=data["title"].strip(),
        owner_tenant_id=data["owner_tenant_id"],
        owner_person=(data.get("owner_person") or "").strip(),
        due_on=data.get("due_on"),
        status=ActionStatus.OPEN,
    )
    db.session.add(action)
    db.session.flush()
    if meeting.region_id is not None:
        set_audience(action, "region", region_id=meeting.region_id)
    for user in member_users(meeting.region_id or 0):
        if user.tenant_id == action.owner_tenant_id:
            notify(
                user,
                category="policy_tables",
                title=_("Nieuw actiepunt voor je bestuur: %(title)s", title=action.title),
                link=f"/{user.tenant.slug}{path}",
                dedupe_key=f"policy-action:{action.id}:{user.id}",
                source_tenant_id=action.tenant_id,
            )
    return action


def set_action_status(action: ActionItem, status: str) -> ActionItem:
    """Change an action's status."""
    action.status = status
    db.session.flush()
    return action


def overdue_actions(day: date) -> list[ActionItem]:
    """Return the acting tenant's open actions whose due date passed before ``day``."""
    return list(
        db.session.scalars(
            select(ActionItem).where(
                ActionItem.status.in_(OPEN_ACTION_STATUSES),
                ActionItem.due_on.is_not(None),
                ActionItem.due_on < day,
            )
        )
    )


def remind_overdue(tenant_id: int, day: date, base_path: str) -> int:
    """Notify the responsible municipality of each overdue action of the chair tenant once per due date."""
    sent = 0
    for action in overdue_actions(day):
        if action.tenant_id != tenant_id:
            continue
        for user in member_users(action.region_id or 0):
            if user.tenant_id != action.owner_tenant_id:
                continue
            note = notify(
                user,
                category="policy_tables",
                title=_("Actiepunt over tijd: %(title)s", title=action.title),
                link=f"/{user.tenant.slug}{base_path}/vergaderingen/{action.meeting_id}",
                dedupe_key=f"policy-action-overdue:{action.id}:{action.due_on}:{user.id}",
                source_tenant_id=action.tenant_id,
            )
            sent += note is not None
    return sent
