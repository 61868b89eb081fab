"""Policy table operations: validate, change state, flush, never commit."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.policy_tables.models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    AgendaItem,
    AgendaProposal,
    Decision,
    DecisionFollowUp,
    Meeting,
    PolicyTable,
    TableMember,
)
from tenants.context import BRUSSELS
from tenants.sharing import is_member, region_members, set_audience


def visible_tables(q: str | None = None) -> Select[Any]:
    """Return a query of the tables the acting tenant may read (own or of its current regions)."""
    stmt = select(PolicyTable)
    if q:
        stmt = stmt.where(PolicyTable.name.ilike(f"%{q.strip()[:100]}%"))
    return stmt.order_by(PolicyTable.name, PolicyTable.id)


def brussels_datetime(day: date, at: time) -> datetime:
    """Combine a local Brussels date and time into an aware datetime."""
    return datetime.combine(day, at, tzinfo=BRUSSELS)


def create_table(data: dict[str, Any], *, tenant_id: int) -> PolicyTable:
    """Create a table chaired by the acting tenant and share it with the chosen region."""
    region_id = data["region_id"]
    if not is_member(tenant_id, region_id):
        raise DomainError(
            _("Je kan enkel een beleidstafel oprichten in een samenwerkingsverband waarvan je bestuur lid is."),
            field="region_id",
            status_code=422,
        )
    name = data["name"].strip()
    exists = db.session.scalar(
        select(PolicyTable.id).where(
            PolicyTable.tenant_id == tenant_id, PolicyTable.region_id == region_id, PolicyTable.name == name
        )
    )
    if exists is not None:
        raise DomainError(_("Er bestaat al een beleidstafel met deze naam."), field="name", status_code=409)
    table = PolicyTable(
        name=name,
        theme=data["theme"],
        description_html=sanitise(data.get("description_html")),
        secretary_name=(data.get("secretary_name") or "").strip(),
        secretary_email=(data.get("secretary_email") or "").strip().lower(),
    )
    db.session.add(table)
    db.session.flush()
    set_audience(table, "region", region_id=region_id)
    return table


def update_table(table: PolicyTable, data: dict[str, Any]) -> PolicyTable:
    """Change the fields present in ``data`` (the region stays)."""
    for key in ("name", "secretary_name"):
        if key in data:
            setattr(table, key, (data[key] or "").strip())
    if "secretary_email" in data:
        table.secretary_email = (data["secretary_email"] or "").strip().lower()
    if "theme" in data:
        table.theme = data["theme"]
    if "description_html" in data:
        table.description_html = sanitise(data["description_html"])
    db.session.flush()
    return table


def members_of(table: PolicyTable) -> list[TableMember]:
    """Return the member seats of a table, by municipality name."""
    rows = db.session.scalars(select(TableMember).where(TableMember.table_id == table.id))
    return sorted(rows, key=lambda m: m.tenant.name)


def set_membership(table: PolicyTable, data: dict[str, Any], *, tenant_id: int) -> TableMember:
    """Create or update the acting tenant's seat (its own row that references the table)."""
    if tenant_id != table.tenant_id and (table.region_id is None or not is_member(tenant_id, table.region_id)):
        raise DomainError(_("Enkel leden van het samenwerkingsverband kunnen aan deze tafel zetelen."))
    seat = db.session.scalar(
        select(TableMember).where(TableMember.table_id == table.id, TableMember.tenant_id == tenant_id)
    )
    if seat is None:
        seat = TableMember(table_id=table.id)
        db.session.add(seat)
        db.session.flush()
        if table.region_id is not None:
            set_audience(seat, "region", region_id=table.region_id)
    seat.policy_contact = (data.get("policy_contact") or "").strip()
    seat.admin_contact = (data.get("admin_contact") or "").strip()
    db.session.flush()
    return seat


def create_meeting(table: PolicyTable, data: dict[str, Any]) -> Meeting:
    """Plan a meeting of a table (the chair's row, shared with the table's region)."""
    starts_at = brussels_datetime(data["day"], data["start_time"])
    ends_at = brussels_datetime(data["day"], data["end_time"])
    if ends_at <= starts_at:
        raise DomainError(_("Het einde moet na het begin liggen."), field="end_time", status_code=422)
    location = (data.get("location") or "").strip()
    online_url = (data.get("online_url") or "").strip()
    if not location and not online_url:
        raise DomainError(_("Geef een locatie of een link voor online deelname."), field="location", status_code=422)
    meeting = Meeting(table_id=table.id, starts_at=starts_at, ends_at=ends_at, location=location, online_url=online_url)
    db.session.add(meeting)
    db.session.flush()
    if table.region_id is not None:
        set_audience(meeting, "region", region_id=table.region_id)
    return meeting


def meetings_of(table: PolicyTable) -> list[Meeting]:
    """Return the table's meetings, earliest first."""
    return list(db.session.scalars(select(Meeting).where(Meeting.table_id == table.id).order_by(Meeting.starts_at)))


def agenda_of(meeting: Meeting) -> list[AgendaItem]:
    """Return the meeting's agenda items in order."""
    return list(
        db.session.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def _check_open(meeting: Meeting) -> None:
    if meeting.ends_at <= utcnow():
        raise DomainError(_("Deze vergadering is voorbij: de agenda kan niet meer wijzigen."), status_code=409)


def _check_member(meeting: Meeting, tenant_id: int) -> None:
    if tenant_id == meeting.tenant_id:
        return  # the chair always takes part
    if meeting.table.region_id is None or not is_member(tenant_id, meeting.table.region_id):
        raise DomainError(_("Onbekend lid van deze beleidstafel."), field="owner_tenant_id", status_code=422)


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


def member_users(region_id: int) -> list[User]:
    """Return the active staff users of the region's current member municipalities."""
    tenant_ids = [t.id for t in region_members(region_id)]
    users = db.session.scalars(
        select(User).where(User.tenant_id.in_(tenant_ids), User.is_active.is_(True)).order_by(User.id)
    )
    return [u for u in users if u.has_role("algemeen_directeur", "beleidsverantwoordelijke")]


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
        status="open",
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


def remind_all_overdue(day: date | None = None) -> int:
    """Run the overdue reminders for every chair tenant, each inside its own tenant context."""
    from tenants.context import tenant_context
    from tenants.models import Tenant
    from tenants.sharing import today

    day = day or today()
    with tenant_context(None, is_platform=True):
        tenant_ids = list(db.session.scalars(select(Tenant.id).order_by(Tenant.id)))
    sent = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            sent += remind_overdue(tenant_id, day, "/beleidstafels")
            db.session.commit()
    return sent


def record_decision(item: AgendaItem, text_html: str) -> Decision:
    """Record or change the table's decision on an agenda item (the chair's row)."""
    text = sanitise(text_html)
    if not text.strip():
        raise DomainError(_("Vul de beslissing in."), field="text_html", status_code=422)
    decision = db.session.scalar(select(Decision).where(Decision.agenda_item_id == item.id))
    if decision is None:
        decision = Decision(meeting_id=item.meeting_id, agenda_item_id=item.id, text_html=text)
        db.session.add(decision)
        db.session.flush()
        if item.region_id is not None:
            set_audience(decision, "region", region_id=item.region_id)
    else:
        decision.text_html = text
    db.session.flush()
    return decision


def decisions_of(meeting: Meeting) -> dict[int, Decision]:
    """Return the meeting's decisions by agenda item id."""
    rows = db.session.scalars(select(Decision).where(Decision.meeting_id == meeting.id))
    return {d.agenda_item_id: d for d in rows}


def follow_ups_of(meeting: Meeting) -> dict[int, list[DecisionFollowUp]]:
    """Return the follow-ups the acting tenant can read, by decision id."""
    ids = select(Decision.id).where(Decision.meeting_id == meeting.id)
    found: dict[int, list[DecisionFollowUp]] = {}
    for row in db.session.scalars(select(DecisionFollowUp).where(DecisionFollowUp.decision_id.in_(ids))):
        found.setdefault(row.decision_id, []).append(row)
    return found


def set_follow_up(decision: Decision, data: dict[str, Any], *, tenant_id: int) -> DecisionFollowUp:
    """Create or update the acting municipality's own follow-up of a decision."""
    if tenant_id != decision.tenant_id and (decision.region_id is None or not is_member(tenant_id, decision.region_id)):
        raise DomainError(_("Onbekend lid van deze beleidstafel."), status_code=422)
    if data["status"] == "uitgevoerd" and data.get("done_on") is None:
        raise DomainError(_("Geef de datum waarop het uitgevoerd is."), field="done_on", status_code=422)
    row = db.session.scalar(
        select(DecisionFollowUp).where(
            DecisionFollowUp.decision_id == decision.id, DecisionFollowUp.tenant_id == tenant_id
        )
    )
    if row is None:
        row = DecisionFollowUp(decision_id=decision.id, status=data["status"])
        db.session.add(row)
        db.session.flush()
        if decision.region_id is not None:
            set_audience(row, "region", region_id=decision.region_id)
    row.status = data["status"]
    row.done_on = data.get("done_on")
    row.reference = (data.get("reference") or "").strip()
    row.note = (data.get("note") or "").strip()
    db.session.flush()
    return row
