"""The agenda of a meeting: items, members' proposals, publication by hand or when due."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.policy_tables.models import AgendaItem, AgendaProposal, Meeting, PolicyTable
from portal.policy_tables.operations._common import _check_member, _check_open, member_users
from tenants.context import BRUSSELS
from tenants.sharing import set_audience


def agenda_of(meeting: Meeting) -> list[AgendaItem]:
    """Return the meeting's agenda items in order."""
    return list(
        db.session.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def add_agenda_item(meeting: Meeting, data: dict[str, Any], *, proposal_id: int | None = None) -> AgendaItem:
    """Append an item to the agenda (the chair's row)."""
    _check_open(meeting)
    _check_member(meeting, data["owner_tenant_id"])
    last = db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(
        meeting_id=meeting.id,
        position=(last or 0) + 1,
        kind=data["kind"],
        title=data["title"].strip(),
        description_html=sanitise(data.get("description_html")),
        owner_tenant_id=data["owner_tenant_id"],
        proposal_id=proposal_id,
    )
    db.session.add(item)
    db.session.flush()
    if meeting.region_id is not None:
        set_audience(item, "region", region_id=meeting.region_id)
    return item


def move_agenda_item(item: AgendaItem, direction: str) -> None:
    """Swap the item with its neighbour above ("up") or below ("down")."""
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == item.meeting_id).order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    index = next(i for i, it in enumerate(items) if it.id == item.id)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        raise DomainError(_("Dit punt kan niet verder verschoven worden."), status_code=409)
    ordered = list(items)
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, it in enumerate(ordered, start=1):
        it.position = position
    db.session.flush()


def propose_item(meeting: Meeting, data: dict[str, Any], *, tenant_id: int, user_id: int) -> AgendaProposal:
    """Propose an agenda item: a row of the proposing tenant, shared with the region so the chair reads it."""
    _check_open(meeting)
    _check_member(meeting, tenant_id)
    proposal = AgendaProposal(
        meeting_id=meeting.id,
        kind=data["kind"],
        title=data["title"].strip(),
        description_html=sanitise(data.get("description_html")),
        proposed_by_id=user_id,
    )
    db.session.add(proposal)
    db.session.flush()
    if meeting.table.region_id is not None:
        set_audience(proposal, "region", region_id=meeting.table.region_id)
    return proposal


def proposals_of(meeting: Meeting) -> list[AgendaProposal]:
    """Return the proposals for a meeting that the acting tenant can read."""
    return list(
        db.session.scalars(
            select(AgendaProposal).where(AgendaProposal.meeting_id == meeting.id).order_by(AgendaProposal.id)
        )
    )


def accepted_proposal_ids(meeting: Meeting) -> set[int]:
    """Return ids of proposals the chair took onto the agenda."""
    return {
        pid
        for pid in db.session.scalars(
            select(AgendaItem.proposal_id).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.proposal_id.is_not(None)
            )
        )
        if pid is not None
    }


def accept_proposal(meeting: Meeting, proposal: AgendaProposal) -> AgendaItem:
    """Take a member's proposal onto the agenda as the chair's own item (the proposal is not changed)."""
    if proposal.meeting_id != meeting.id:
        raise DomainError(_("Dit voorstel hoort niet bij deze vergadering."), status_code=409)
    if proposal.id in accepted_proposal_ids(meeting):
        raise DomainError(_("Dit voorstel staat al op de agenda."), status_code=409)
    data = {
        "kind": proposal.kind,
        "title": proposal.title,
        "description_html": proposal.description_html,
        "owner_tenant_id": proposal.tenant_id,
    }
    return add_agenda_item(meeting, data, proposal_id=proposal.id)


def withdraw_proposal(proposal: AgendaProposal) -> None:
    """Delete an own proposal that the chair did not accept yet."""
    taken = db.session.scalar(select(func.count()).select_from(AgendaItem).where(AgendaItem.proposal_id == proposal.id))
    if taken:
        raise DomainError(_("Dit voorstel staat al op de agenda en kan niet meer ingetrokken worden."), status_code=409)
    set_audience(proposal, "own")
    db.session.delete(proposal)
    db.session.flush()


def publish_agenda(meeting: Meeting, *, path: str) -> int:
    """Publish the agenda and notify the members (once per meeting and user); return how many."""
    if meeting.is_published:
        raise DomainError(_("De agenda is al gepubliceerd."), status_code=409)
    _check_open(meeting)
    if not agenda_of(meeting):
        raise DomainError(_("Een lege agenda kan niet gepubliceerd worden."), status_code=409)
    meeting.agenda_published_at = utcnow()
    db.session.flush()
    sent = 0
    table = meeting.table
    when = meeting.starts_at.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")
    for user in member_users(table.region_id or 0):
        note = notify(
            user,
            category="policy_tables",
            title=_("Agenda gepubliceerd: %(table)s op %(when)s", table=table.name, when=when),
            body=_("De agenda van de vergadering van %(table)s staat klaar.", table=table.name),
            link=f"/{user.tenant.slug}{path}",
            dedupe_key=f"policy-agenda:{meeting.id}:{user.id}",
            source_tenant_id=meeting.tenant_id,
        )
        sent += note is not None
    return sent


def publish_due_agendas(tenant_id: int, now: datetime, base_path: str = "/beleidstafels") -> int:
    """Publish the chair's agendas that are due (``publish_days_before`` days ahead); return how many."""
    published = 0
    rows = db.session.scalars(
        select(Meeting)
        .join(PolicyTable, PolicyTable.id == Meeting.table_id)
        .where(
            Meeting.tenant_id == tenant_id,
            Meeting.agenda_published_at.is_(None),
            Meeting.ends_at > now,
            PolicyTable.publish_days_before > 0,
        )
        .order_by(Meeting.starts_at)
    )
    for meeting in list(rows):
        if meeting.starts_at - timedelta(days=meeting.table.publish_days_before) > now or not agenda_of(meeting):
            continue
        publish_agenda(meeting, path=f"{base_path}/vergaderingen/{meeting.id}")
        published += 1
    return published
