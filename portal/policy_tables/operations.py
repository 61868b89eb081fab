"""Policy table operations: validate, change state, flush, never commit."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import zipfile
from calendar import monthrange
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import selectinload

from portal.auth.models import User, UserRole
from portal.core.errors import DomainError
from portal.core.files import LIBRARY_TYPES, store_document
from portal.core.ical import IcalEvent, calendar
from portal.core.models import utcnow
from portal.core.outbox import notify, queue_mail
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.policy_tables.models import (
    CHALLENGE_MOVES,
    CHALLENGE_STATUSES,
    CRITERIA,
    MEETING_REPEATS,
    NO_ANSWER,
    OPEN_ACTION_STATUSES,
    ActionItem,
    ActionStatus,
    AgendaItem,
    AgendaProposal,
    CalendarToken,
    Challenge,
    ChallengeStatus,
    Cooperation,
    CooperationEvaluation,
    Decision,
    DecisionFollowUp,
    FollowUpStatus,
    Meeting,
    MeetingAttendance,
    MeetingGuest,
    MeetingRepeat,
    MeetingResponse,
    Minutes,
    MinutesRemark,
    MinutesStatus,
    MinutesVersion,
    PolicyTable,
    TableDocument,
    TableMember,
)
from portal.procurement.validators import kbo_error, normalise_kbo
from tenants.context import BRUSSELS, acting_for, current_tenant_id
from tenants.models import Tenant
from tenants.sharing import is_member, object_grantees, readable_prefilter, region_members, set_audience

#: The member users a meeting concerns: invited, registered as present.
POLICY_STAFF = ("algemeen_directeur", "beleidsverantwoordelijke")


def visible_tables(q: str | None = None) -> Select[Any]:
    """Return a query of the tables the acting tenant may read (own or of its current regions)."""
    stmt = select(PolicyTable).where(readable_prefilter(PolicyTable, current_tenant_id()))
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
        publish_days_before=data.get("publish_days_before", 7),
    )
    db.session.add(table)
    db.session.flush()
    set_audience(table, "region", region_id=region_id)
    return table


def update_table(table: PolicyTable, data: dict[str, Any]) -> PolicyTable:
    """Change the fields present in ``data`` (the region stays)."""
    if "publish_days_before" in data:
        table.publish_days_before = data["publish_days_before"]
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
    meeting = Meeting(
        table_id=table.id,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        online_url=online_url,
        series_key=data.get("series_key") or "",
    )
    db.session.add(meeting)
    db.session.flush()
    if table.region_id is not None:
        set_audience(meeting, "region", region_id=table.region_id)
    return meeting


def _shift(day: date, repeat: str, step: int) -> date:
    if repeat == MeetingRepeat.WEKELIJKS:
        return day + timedelta(weeks=step)
    if repeat == MeetingRepeat.TWEEWEKELIJKS:
        return day + timedelta(weeks=2 * step)
    month = day.month - 1 + step
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def create_meetings(table: PolicyTable, data: dict[str, Any]) -> list[Meeting]:
    """Plan one meeting, or a recurring series (weekly, every two weeks or monthly, 2 to 12 times)."""
    repeat = data.get("repeat") or ""
    count = int(data.get("count") or 1) if repeat else 1
    if repeat and repeat not in MEETING_REPEATS:
        raise DomainError(_("Kies hoe de vergadering terugkeert."), field="repeat", status_code=422)
    if repeat and not 2 <= count <= 12:
        raise DomainError(_("Een reeks telt 2 tot 12 vergaderingen."), field="count", status_code=422)
    key = secrets.token_hex(8) if repeat else ""
    return [
        create_meeting(table, {**data, "day": _shift(data["day"], repeat, step), "series_key": key})
        for step in range(count)
    ]


def meetings_of(table: PolicyTable, *, with_agenda: bool = False) -> list[Meeting]:
    """Return the table's meetings, earliest first (``with_agenda``: their agenda items loaded in one query)."""
    stmt = select(Meeting).where(Meeting.table_id == table.id).order_by(Meeting.starts_at)
    if with_agenda:
        stmt = stmt.options(selectinload(Meeting.agenda_items))
    return list(db.session.scalars(stmt))


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
    # The roles in SQL: a region's members have thousands of users, a few dozen of them policy staff.
    users = db.session.scalars(
        select(User)
        .where(
            User.tenant_id.in_(tenant_ids),
            User.is_active.is_(True),
            User.role_rows.any(UserRole.role.in_(POLICY_STAFF)),
        )
        .order_by(User.id)
    )
    return [u for u in users if u.has_role(*POLICY_STAFF)]


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


def meeting_actions(meeting: Meeting) -> tuple[list[ActionItem], list[ActionItem]]:
    """Return ``follow_up_actions`` and ``actions_of`` of the meeting page in one query."""
    earlier = select(Meeting.id).where(Meeting.table_id == meeting.table_id, Meeting.starts_at < meeting.starts_at)
    rows = db.session.scalars(
        select(ActionItem)
        .where(
            or_(
                ActionItem.meeting_id == meeting.id,
                and_(
                    ActionItem.table_id == meeting.table_id,
                    ActionItem.meeting_id.in_(earlier),
                    ActionItem.status.in_(OPEN_ACTION_STATUSES),
                ),
            )
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


def decisions_and_follow_ups(meeting: Meeting) -> tuple[dict[int, Decision], dict[int, list[DecisionFollowUp]]]:
    """Return ``decisions_of`` and ``follow_ups_of`` of the meeting page in one query."""
    rows = db.session.execute(
        select(Decision, DecisionFollowUp)
        .outerjoin(DecisionFollowUp, DecisionFollowUp.decision_id == Decision.id)
        .where(Decision.meeting_id == meeting.id)
        .order_by(Decision.id, DecisionFollowUp.id)
    )
    decisions: dict[int, Decision] = {}
    found: dict[int, list[DecisionFollowUp]] = {}
    for decision, follow_up in rows:
        decisions[decision.agenda_item_id] = decision
        if follow_up is not None:
            found.setdefault(follow_up.decision_id, []).append(follow_up)
    return decisions, found


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
    if data["status"] == FollowUpStatus.UITGEVOERD and data.get("done_on") is None:
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


# -- minutes (notulen) ---------------------------------------------------------------------


def minutes_of(meeting: Meeting) -> Minutes | None:
    """Return the meeting's notulen if the acting tenant may read them."""
    return db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))


def versions_of(minutes: Minutes) -> list[MinutesVersion]:
    """Return every saved version of the notulen, newest first."""
    return list(
        db.session.scalars(
            select(MinutesVersion).where(MinutesVersion.minutes_id == minutes.id).order_by(MinutesVersion.number.desc())
        )
    )


def version_of(minutes: Minutes, number: int) -> MinutesVersion | None:
    """Return one version of the notulen (None when it does not exist)."""
    return db.session.scalar(
        select(MinutesVersion).where(MinutesVersion.minutes_id == minutes.id, MinutesVersion.number == number)
    )


def attendees_of(minutes: Minutes) -> list[int]:
    """Return the ids of the municipalities the notulen went to (besides the chair)."""
    return sorted(object_grantees(minutes)) if minutes.audience == "partners" else []


def _share_minutes(minutes: Minutes, audience: str, *, partner_ids: list[int] | None = None) -> None:
    """Give the notulen and all their versions the same readers."""
    rows: list[Any] = [minutes, *versions_of(minutes)]
    for row in rows:
        if audience == "partners" and partner_ids:
            set_audience(row, "partners", partner_ids=partner_ids)
        elif audience == "region" and minutes.meeting.region_id is not None:
            set_audience(row, "region", region_id=minutes.meeting.region_id)
        else:
            set_audience(row, "own")


def _add_version(minutes: Minutes, body_html: str, change_note: str, user_id: int | None) -> MinutesVersion:
    text = sanitise(body_html)
    if not text.strip():
        raise DomainError(_("Vul de tekst van de notulen in."), field="body_html", status_code=422)
    last = db.session.scalar(select(func.max(MinutesVersion.number)).where(MinutesVersion.minutes_id == minutes.id))
    version = MinutesVersion(
        minutes_id=minutes.id,
        number=(last or 0) + 1,
        body_html=text,
        change_note=change_note.strip()[:300],
        created_by_id=user_id,
    )
    db.session.add(version)
    db.session.flush()
    minutes.current_version = version.number
    if minutes.audience == "partners":
        set_audience(version, "partners", partner_ids=attendees_of(minutes))
    db.session.flush()
    return version


def create_minutes(meeting: Meeting, data: dict[str, Any], *, user_id: int | None) -> Minutes:
    """Start the notulen of a meeting as a draft only the chair reads."""
    if minutes_of(meeting) is not None:
        raise DomainError(_("Deze vergadering heeft al notulen."), status_code=409)
    minutes = Minutes(meeting_id=meeting.id, status=MinutesStatus.ONTWERP, current_version=1)
    db.session.add(minutes)
    db.session.flush()
    _add_version(minutes, data["body_html"], data.get("change_note") or "", user_id)
    return minutes


def revise_minutes(minutes: Minutes, data: dict[str, Any], *, user_id: int | None) -> MinutesVersion:
    """Save a new version of the notulen; earlier versions stay readable."""
    if not minutes.is_editable:
        raise DomainError(_("Goedgekeurde notulen kunnen niet meer wijzigen."), status_code=409)
    current = version_of(minutes, minutes.current_version)
    if current is not None and current.body_html == sanitise(data["body_html"]):
        raise DomainError(_("De tekst is niet gewijzigd."), field="body_html", status_code=409)
    return _add_version(minutes, data["body_html"], data.get("change_note") or "", user_id)


def send_minutes(minutes: Minutes, attendee_ids: list[int], *, path: str) -> int:
    """Send the notulen to the attending municipalities for remarks; return how many users were told."""
    if not minutes.is_editable:
        raise DomainError(_("Goedgekeurde notulen kunnen niet meer ter opmerking gaan."), status_code=409)
    region_id = minutes.meeting.region_id
    allowed = {t.id for t in region_members(region_id)} if region_id is not None else set()
    wanted = sorted(set(attendee_ids) - {minutes.tenant_id})
    if not set(wanted) <= allowed:
        raise DomainError(_("Onbekend lid van deze beleidstafel."), field="attendee_ids", status_code=422)
    minutes.status = MinutesStatus.TER_OPMERKING
    minutes.sent_at = utcnow()
    _share_minutes(minutes, "partners", partner_ids=wanted)
    sent = 0
    table = minutes.meeting.table
    for user in member_users(region_id or 0):
        if user.tenant_id not in wanted:
            continue
        note = notify(
            user,
            category="policy_tables",
            title=_("Notulen ter opmerking: %(table)s", table=table.name),
            body=_("Versie %(number)s van de notulen wacht op je opmerkingen.", number=minutes.current_version),
            link=f"/{user.tenant.slug}{path}",
            dedupe_key=f"policy-minutes:{minutes.id}:{minutes.current_version}:{user.id}",
            source_tenant_id=minutes.tenant_id,
        )
        sent += note is not None
    return sent


def remarks_of(minutes: Minutes) -> list[MinutesRemark]:
    """Return the remarks on the notulen that the acting tenant can read."""
    return list(
        db.session.scalars(
            select(MinutesRemark).where(MinutesRemark.minutes_id == minutes.id).order_by(MinutesRemark.id)
        )
    )


def add_remark(minutes: Minutes, data: dict[str, Any], *, tenant_id: int, user_id: int) -> MinutesRemark:
    """Record an attendee's remark: its own row, shared with the chair only."""
    if minutes.status != MinutesStatus.TER_OPMERKING:
        raise DomainError(_("Opmerkingen kunnen enkel zolang de notulen ter opmerking liggen."), status_code=409)
    if tenant_id != minutes.tenant_id and tenant_id not in attendees_of(minutes):
        raise DomainError(_("Enkel de aanwezigen kunnen opmerkingen maken."), status_code=422)
    body = (data.get("body") or "").strip()
    if not body:
        raise DomainError(_("Vul je opmerking in."), field="body", status_code=422)
    remark = MinutesRemark(
        minutes_id=minutes.id, version_number=minutes.current_version, body=body[:2000], author_id=user_id
    )
    db.session.add(remark)
    db.session.flush()
    if tenant_id != minutes.tenant_id:
        set_audience(remark, "partners", partner_ids=[minutes.tenant_id])
    return remark


def next_meeting(meeting: Meeting) -> Meeting | None:
    """Return the first later meeting of the same table."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.table_id == meeting.table_id, Meeting.starts_at > meeting.starts_at)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """Return the last earlier meeting of the same table."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.table_id == meeting.table_id, Meeting.starts_at < meeting.starts_at)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )


def approve_minutes(minutes: Minutes, at_meeting_id: int | None = None) -> Minutes:
    """Approve the notulen at a later meeting of the table (by default the next one)."""
    if minutes.status != MinutesStatus.TER_OPMERKING:
        raise DomainError(_("Enkel notulen die ter opmerking lagen kunnen goedgekeurd worden."), status_code=409)
    meeting = minutes.meeting
    if at_meeting_id is None:
        at = next_meeting(meeting)
        if at is None:
            raise DomainError(
                _("Plan eerst de volgende vergadering: daar worden de notulen goedgekeurd."), status_code=409
            )
    else:
        at = db.session.scalar(select(Meeting).where(Meeting.id == at_meeting_id))
        if at is None or at.table_id != meeting.table_id or at.starts_at <= meeting.starts_at:
            raise DomainError(
                _("Notulen worden goedgekeurd op een latere vergadering van dezelfde tafel."),
                field="approved_at_meeting_id",
                status_code=422,
            )
    minutes.status = MinutesStatus.GOEDGEKEURD
    minutes.approved_at_meeting_id = at.id
    minutes.approved_at = utcnow()
    db.session.flush()
    return minutes


def publish_minutes(minutes: Minutes) -> Minutes:
    """Publish approved notulen to every current member of the region."""
    if minutes.status != MinutesStatus.GOEDGEKEURD:
        raise DomainError(_("Enkel goedgekeurde notulen kunnen gepubliceerd worden."), status_code=409)
    minutes.status = MinutesStatus.GEPUBLICEERD
    minutes.published_at = utcnow()
    _share_minutes(minutes, "region")
    db.session.flush()
    return minutes


def meeting_minutes(meeting: Meeting) -> tuple[Minutes | None, list[Minutes]]:
    """Return ``minutes_of`` and ``minutes_to_approve`` of the meeting page in one query."""
    earlier = select(Meeting.id).where(Meeting.table_id == meeting.table_id, Meeting.starts_at < meeting.starts_at)
    rows = db.session.scalars(
        select(Minutes).where(
            or_(
                Minutes.meeting_id == meeting.id,
                and_(Minutes.meeting_id.in_(earlier), Minutes.status == MinutesStatus.TER_OPMERKING),
            )
        )
    ).all()
    own = next((m for m in rows if m.meeting_id == meeting.id), None)
    return own, [m for m in rows if m.meeting_id != meeting.id]


def minutes_to_approve(meeting: Meeting) -> list[Minutes]:
    """Return notulen of earlier meetings of the table that lie ter opmerking (for this agenda)."""
    earlier = select(Meeting.id).where(Meeting.table_id == meeting.table_id, Meeting.starts_at < meeting.starts_at)
    return list(
        db.session.scalars(
            select(Minutes).where(Minutes.meeting_id.in_(earlier), Minutes.status == MinutesStatus.TER_OPMERKING)
        )
    )


# -- calendar and iCal ---------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """Return the first moment of the month and of the next month, in Brussels time."""
    start = datetime(year, month, 1, tzinfo=BRUSSELS)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=BRUSSELS)
    return start, end


def visible_meetings(start: datetime, end: datetime) -> list[Meeting]:
    """Return the meetings the acting tenant may read that start in [start, end)."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                readable_prefilter(Meeting, current_tenant_id()),
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_calendar_token(user_id: int) -> str:
    """Revoke the user's feed tokens and issue a new one; return the raw token (shown once)."""
    revoke_calendar_tokens(user_id)
    raw = secrets.token_urlsafe(32)
    db.session.add(CalendarToken(user_id=user_id, token_hash=_digest(raw)))
    db.session.flush()
    return raw


def revoke_calendar_tokens(user_id: int) -> int:
    """Revoke every active feed token of the user; return how many."""
    result = db.session.execute(
        update(CalendarToken)
        .where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def has_calendar_token(user_id: int) -> bool:
    """Tell whether the user has an active personal feed."""
    found = db.session.scalar(
        select(CalendarToken.id).where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
    )
    return found is not None


def user_for_calendar_token(raw: str) -> User | None:
    """Return the active user behind a valid, unrevoked feed token, or None."""
    token = db.session.scalar(select(CalendarToken).where(CalendarToken.token_hash == _digest(raw[:100])))
    if token is None or token.revoked_at is not None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_active or not user.tenant.is_active:
        return None
    return user


def ical(meetings: list[Meeting], link: Any) -> bytes:
    """Return an iCalendar document with one event per meeting; ``link(meeting)`` gives its URL."""
    events, summaries = [], {}
    for meeting in meetings:
        url = link(meeting)
        if meeting.table_id not in summaries:  # one translation per table, not per event
            summaries[meeting.table_id] = _("Vergadering %(table)s", table=meeting.table.name)
        events.append(
            IcalEvent(
                uid=f"policy-meeting-{meeting.id}@samenwerkingsportaal",
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                summary=summaries[meeting.table_id],
                location=meeting.location or meeting.online_url,
                url=url,
                description=url,
            )
        )
    return calendar(_("Beleidstafels"), "-//Samenwerkingsportaal//Beleidstafels//NL", events, utcnow())


# -- inventory of existing cooperations and their evaluations ------------------------------


def visible_cooperations(q: str | None = None, legal_form: str | None = None) -> Select[Any]:
    """Return a query of the inventory entries the acting tenant may read."""
    stmt = select(Cooperation).where(readable_prefilter(Cooperation, current_tenant_id()))
    if q:
        stmt = stmt.where(Cooperation.name.ilike(f"%{q.strip()[:100]}%"))
    if legal_form:
        stmt = stmt.where(Cooperation.legal_form == legal_form)
    return stmt.order_by(Cooperation.name, Cooperation.id)


def _partners(region_id: int | None, partner_ids: list[int], tenant_id: int) -> list[int]:
    allowed = {t.id for t in region_members(region_id)} if region_id is not None else {tenant_id}
    wanted = sorted(set(partner_ids) | {tenant_id})
    if not set(wanted) <= allowed:
        raise DomainError(
            _("Partnerbesturen moeten lid zijn van het samenwerkingsverband."), field="partner_ids", status_code=422
        )
    return wanted


def _kbo_value(value: str | None) -> str:
    digits = normalise_kbo(value)
    if not digits:
        return ""
    message = kbo_error(digits)
    if message:
        raise DomainError(message, field="kbo_number", status_code=422)
    return digits.rjust(10, "0")


def create_cooperation(data: dict[str, Any], *, tenant_id: int) -> Cooperation:
    """Register an existing cooperation in the inventory of a region the tenant belongs to."""
    region_id = data["region_id"]
    if not is_member(tenant_id, region_id):
        raise DomainError(
            _("Je kan enkel samenwerkingen registreren in een samenwerkingsverband waarvan je bestuur lid is."),
            field="region_id",
            status_code=422,
        )
    name = data["name"].strip()
    if db.session.scalar(select(Cooperation.id).where(Cooperation.tenant_id == tenant_id, Cooperation.name == name)):
        raise DomainError(_("Er bestaat al een samenwerking met deze naam."), field="name", status_code=409)
    obj = Cooperation(
        name=name,
        legal_form=data["legal_form"],
        domain=(data.get("domain") or "").strip(),
        partner_ids=_partners(region_id, data.get("partner_ids") or [], tenant_id),
        other_partners=(data.get("other_partners") or "").strip(),
        kbo_number=_kbo_value(data.get("kbo_number")),
        started_on=data.get("started_on"),
        contact=(data.get("contact") or "").strip(),
    )
    db.session.add(obj)
    db.session.flush()
    set_audience(obj, "region", region_id=region_id)
    return obj


def update_cooperation(obj: Cooperation, data: dict[str, Any]) -> Cooperation:
    """Change the fields present in ``data`` (the owner only)."""
    if "name" in data:
        name = data["name"].strip()
        clash = db.session.scalar(
            select(Cooperation.id).where(
                Cooperation.tenant_id == obj.tenant_id, Cooperation.name == name, Cooperation.id != obj.id
            )
        )
        if clash:
            raise DomainError(_("Er bestaat al een samenwerking met deze naam."), field="name", status_code=409)
        obj.name = name
    for key in ("legal_form", "started_on"):
        if key in data:
            setattr(obj, key, data[key])
    for key in ("domain", "other_partners", "contact"):
        if key in data:
            setattr(obj, key, (data[key] or "").strip())
    if "kbo_number" in data:
        obj.kbo_number = _kbo_value(data["kbo_number"])
    if "partner_ids" in data:
        obj.partner_ids = _partners(obj.region_id, data["partner_ids"] or [], obj.tenant_id)
    db.session.flush()
    return obj


def partner_names(obj: Cooperation) -> list[str]:
    """Return the names of the participating municipalities."""
    if not obj.partner_ids:
        return []
    with_ids = db.session.scalars(select(Tenant.name).where(Tenant.id.in_(obj.partner_ids)).order_by(Tenant.name))
    return list(with_ids)


def evaluations_of(obj: Cooperation) -> list[CooperationEvaluation]:
    """Return the evaluation history of a cooperation, newest first."""
    return list(
        db.session.scalars(
            select(CooperationEvaluation)
            .where(CooperationEvaluation.cooperation_id == obj.id)
            .order_by(CooperationEvaluation.created_at.desc(), CooperationEvaluation.id.desc())
        )
    )


def evaluation_meetings(obj: Cooperation, tenant_id: int) -> list[Meeting]:
    """Return the meetings the acting tenant chairs in the cooperation's region, latest first."""
    stmt = select(Meeting).join(PolicyTable, PolicyTable.id == Meeting.table_id).where(Meeting.tenant_id == tenant_id)
    if obj.region_id is not None:
        stmt = stmt.where(PolicyTable.region_id == obj.region_id)
    return list(db.session.scalars(stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc())))


def evaluate_cooperation(obj: Cooperation, data: dict[str, Any], *, tenant_id: int) -> CooperationEvaluation:
    """Record an evaluation made at a table meeting the acting tenant chairs (its own row).

    Without a meeting the latest meeting the tenant chairs in the region is taken.
    """
    meetings = evaluation_meetings(obj, tenant_id)
    wanted = data.get("meeting_id")
    meeting = meetings[0] if wanted is None and meetings else next((m for m in meetings if m.id == wanted), None)
    if meeting is None:
        raise DomainError(
            _("Evalueer op een vergadering van een tafel die je bestuur voorzit in dit samenwerkingsverband."),
            field="meeting_id",
            status_code=422,
        )
    evaluation = CooperationEvaluation(
        cooperation_id=obj.id,
        meeting_id=meeting.id,
        notes=sanitise(data.get("notes")),
        recommendation=data["recommendation"],
        **{key: data[key] for key in CRITERIA},
    )
    db.session.add(evaluation)
    db.session.flush()
    if obj.region_id is not None:
        set_audience(evaluation, "region", region_id=obj.region_id)
    return evaluation


# -- invitations, RSVP and attendance ------------------------------------------------------

GUEST_ACCESS_AFTER_MEETING = timedelta(days=30)


def guests_of(meeting: Meeting) -> list[MeetingGuest]:
    """Return the experts invited to the meeting (the chair reads them), by name."""
    return list(
        db.session.scalars(
            select(MeetingGuest)
            .where(MeetingGuest.meeting_id == meeting.id, MeetingGuest.revoked_at.is_(None))
            .order_by(MeetingGuest.name, MeetingGuest.id)
        )
    )


def invite_guest(meeting: Meeting, data: dict[str, Any], *, link: Any) -> tuple[MeetingGuest, str]:
    """Invite an external expert by e-mail to this meeting only; return the row and the raw token.

    ``link(raw)`` builds the absolute URL of the guest page; the mail goes through the outbox.
    """
    if meeting.ends_at <= utcnow():
        raise DomainError(_("Deze vergadering is voorbij: nodig geen experts meer uit."), status_code=409)
    email = data["email"].strip().lower()
    taken = db.session.scalar(
        select(MeetingGuest.id).where(
            MeetingGuest.meeting_id == meeting.id, MeetingGuest.email == email, MeetingGuest.revoked_at.is_(None)
        )
    )
    if taken is not None:
        raise DomainError(_("Deze expert is al uitgenodigd."), field="email", status_code=409)
    raw = secrets.token_urlsafe(32)
    guest = db.session.scalar(
        select(MeetingGuest).where(MeetingGuest.meeting_id == meeting.id, MeetingGuest.email == email)
    )
    if guest is None:
        guest = MeetingGuest(meeting_id=meeting.id, email=email, token_hash=_digest(raw))
        db.session.add(guest)
    guest.token_hash = _digest(raw)
    guest.revoked_at = None
    guest.answer = NO_ANSWER
    guest.name = data["name"].strip()
    guest.organisation = (data.get("organisation") or "").strip()
    db.session.flush()
    table = meeting.table
    queue_mail(
        to=email,
        subject=_("Uitnodiging: %(table)s", table=table.name),
        template="policy_guest_invitation",
        dedupe_key=f"policy-guest:{guest.id}:{guest.token_hash[:16]}",
        guest=guest,
        table=table,
        meeting=meeting,
        when=meeting.starts_at.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M"),
        link=link(raw),
    )
    return guest, raw


def revoke_guest(guest: MeetingGuest) -> None:
    """End an expert's access to the meeting."""
    guest.revoked_at = utcnow()
    db.session.flush()


def guest_for_token(raw: str) -> MeetingGuest | None:
    """Return the invitation behind a guest link of the acting (chair) tenant, while it is valid."""
    guest = db.session.scalar(select(MeetingGuest).where(MeetingGuest.token_hash == _digest(raw[:100])))
    if guest is None or guest.revoked_at is not None:
        return None
    if guest.meeting.ends_at + GUEST_ACCESS_AFTER_MEETING <= utcnow():
        return None
    return guest


def answer_as_guest(guest: MeetingGuest, answer: str) -> MeetingGuest:
    """Record the expert's answer (the chair's row, written in the chair's context by the guest page)."""
    if guest.meeting.starts_at <= utcnow():
        raise DomainError(_("De vergadering is al begonnen."), status_code=409)
    guest.answer = answer
    guest.answered_at = utcnow()
    db.session.flush()
    return guest


def responses_of(meeting: Meeting) -> list[MeetingResponse]:
    """Return the members' answers the acting tenant can read."""
    return list(
        db.session.scalars(
            select(MeetingResponse).where(MeetingResponse.meeting_id == meeting.id).order_by(MeetingResponse.id)
        )
    )


def respond(meeting: Meeting, data: dict[str, Any], *, tenant_id: int, user_id: int) -> MeetingResponse:
    """Record or change a member user's own answer to the invitation (the responder's own row)."""
    _check_member(meeting, tenant_id)
    if meeting.starts_at <= utcnow():
        raise DomainError(_("De vergadering is al begonnen."), status_code=409)
    row = db.session.scalar(
        select(MeetingResponse).where(
            MeetingResponse.meeting_id == meeting.id,
            MeetingResponse.tenant_id == tenant_id,
            MeetingResponse.user_id == user_id,
        )
    )
    if row is None:
        row = MeetingResponse(meeting_id=meeting.id, user_id=user_id, answer=data["answer"])
        db.session.add(row)
        db.session.flush()
        if meeting.region_id is not None:
            set_audience(row, "region", region_id=meeting.region_id)
    row.answer = data["answer"]
    row.note = (data.get("note") or "").strip()[:300]
    db.session.flush()
    return row


def attendance_of(meeting: Meeting) -> list[MeetingAttendance]:
    """Return the people registered as present, by name."""
    return list(
        db.session.scalars(
            select(MeetingAttendance)
            .where(MeetingAttendance.meeting_id == meeting.id)
            .order_by(MeetingAttendance.name, MeetingAttendance.id)
        )
    )


def attendance_per_municipality(meeting: Meeting, rows: list[MeetingAttendance] | None = None) -> list[tuple[str, int]]:
    """Return (municipality, people present) for the members present, by name (``rows``: attendance already read)."""
    counts: dict[str, int] = {}
    for row in attendance_of(meeting) if rows is None else rows:
        if row.attendee_tenant is not None:
            counts[row.attendee_tenant.name] = counts.get(row.attendee_tenant.name, 0) + 1
    return sorted(counts.items())


def present_municipalities(meeting: Meeting) -> set[int]:
    """Return the ids of the municipalities with someone present."""
    return {r.attendee_tenant_id for r in attendance_of(meeting) if r.attendee_tenant_id is not None}


def register_attendance(meeting: Meeting, user_ids: list[int], guest_ids: list[int]) -> int:
    """Replace the list of people present (member users of the region, invited experts); return how many."""
    members = {u.id: u for u in member_users(meeting.region_id)} if meeting.region_id is not None else {}
    chair_users = db.session.scalars(
        select(User).where(
            User.tenant_id == meeting.tenant_id,
            User.is_active.is_(True),
            User.role_rows.any(UserRole.role.in_(POLICY_STAFF)),
        )
    )
    members.update({u.id: u for u in chair_users if u.has_role(*POLICY_STAFF)})
    guests = {g.id: g for g in guests_of(meeting)}
    if not set(user_ids) <= set(members) or not set(guest_ids) <= set(guests):
        raise DomainError(_("Onbekende deelnemer aan deze vergadering."), field="user_ids", status_code=422)
    for row in attendance_of(meeting):
        db.session.delete(row)
    db.session.flush()
    rows: list[MeetingAttendance] = []
    for uid in sorted(set(user_ids)):
        user = members[uid]
        rows.append(
            MeetingAttendance(
                meeting_id=meeting.id, user_id=uid, attendee_tenant_id=user.tenant_id, name=user.full_name
            )
        )
    for gid in sorted(set(guest_ids)):
        guest = guests[gid]
        label = f"{guest.name} ({guest.organisation})" if guest.organisation else guest.name
        rows.append(MeetingAttendance(meeting_id=meeting.id, guest_id=gid, name=label[:200]))
    db.session.add_all(rows)
    db.session.flush()
    if meeting.region_id is not None:
        for row in rows:
            set_audience(row, "region", region_id=meeting.region_id)
    return len(rows)


def invitees_of(meeting: Meeting) -> list[User]:
    """Return the member users invited to the meeting (the policy staff of every current member)."""
    users = member_users(meeting.region_id) if meeting.region_id is not None else []
    if not any(u.tenant_id == meeting.tenant_id for u in users):
        chair = db.session.scalars(
            select(User).where(
                User.tenant_id == meeting.tenant_id,
                User.is_active.is_(True),
                User.role_rows.any(UserRole.role.in_(POLICY_STAFF)),
            )
        )
        users += [u for u in chair if u.has_role(*POLICY_STAFF)]
    return sorted(users, key=lambda u: (u.tenant.name, u.full_name))


# -- challenges and opportunities ----------------------------------------------------------


def challenges_of(table: PolicyTable) -> list[Challenge]:
    """Return the table's challenges the acting tenant can read, open ones first."""
    order: dict[str, int] = {status: index for index, status in enumerate(ChallengeStatus)}
    rows = db.session.scalars(select(Challenge).where(Challenge.table_id == table.id).order_by(Challenge.id))
    return sorted(rows, key=lambda c: (order.get(c.status, 9), c.id))


def _result_link(value: str | None) -> str:
    link = (value or "").strip()
    if link and not re.fullmatch(r"/[A-Za-z0-9/_\-.?=&]*|https://\S+", link):
        raise DomainError(
            _("Geef een pad in het portaal (bv. /overeenkomsten/12) of een https-link."),
            field="result_link",
            status_code=422,
        )
    return link


def add_challenge(table: PolicyTable, data: dict[str, Any], *, tenant_id: int) -> Challenge:
    """Raise a common challenge or opportunity at the table (the raising municipality's own row)."""
    if tenant_id != table.tenant_id and (table.region_id is None or not is_member(tenant_id, table.region_id)):
        raise DomainError(_("Enkel leden van het samenwerkingsverband kunnen aan deze tafel zetelen."))
    obj = Challenge(
        table_id=table.id,
        title=data["title"].strip(),
        description_html=sanitise(data.get("description_html")),
        status=ChallengeStatus.IDEE,
    )
    db.session.add(obj)
    db.session.flush()
    if table.region_id is not None:
        set_audience(obj, "region", region_id=table.region_id)
    return obj


def move_challenge(obj: Challenge, data: dict[str, Any]) -> Challenge:
    """Move a challenge on (idee -> onderzocht -> samenwerking opgestart, or afgevoerd)."""
    status = data["status"]
    if status not in CHALLENGE_MOVES.get(obj.status, ()):
        raise DomainError(
            _("Van %(old)s kan niet naar %(new)s.", old=obj.status_label, new=CHALLENGE_STATUSES[status]),
            field="status",
            status_code=409,
        )
    if status == ChallengeStatus.OPGESTART:
        if not data.get("result_kind"):
            raise DomainError(_("Geef aan welke samenwerking is opgestart."), field="result_kind", status_code=422)
        obj.result_kind = data["result_kind"]
        obj.result_link = _result_link(data.get("result_link"))
        obj.result_note = (data.get("result_note") or "").strip()[:300]
    obj.status = status
    db.session.flush()
    return obj


# -- documents library ---------------------------------------------------------------------

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
_ZIP_MARKERS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


def _disguised(data: bytes, filename: str) -> bool:
    """Tell whether a zip-based office file is something else inside (e.g. a spreadsheet named .docx)."""
    extension = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    extension = f".{extension}"
    if extension not in (".docx", ".xlsx", ".odt") or not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if extension == ".odt":
                return "mimetype" not in names or archive.read("mimetype") != b"application/vnd.oasis.opendocument.text"
            return _ZIP_MARKERS[extension] not in names
    except (zipfile.BadZipFile, KeyError, ValueError):
        return True


def documents_of(table: PolicyTable, q: str | None = None) -> list[TableDocument]:
    """Return the table's library the acting tenant can read, searchable by title."""
    stmt = select(TableDocument).where(TableDocument.table_id == table.id)
    if q:
        stmt = stmt.where(TableDocument.title.ilike(f"%{q.strip()[:100]}%"))
    return list(db.session.scalars(stmt.order_by(TableDocument.title, TableDocument.id)))


def add_document(
    table: PolicyTable,
    data: dict[str, Any],
    upload: Any,
    *,
    tenant_id: int,
    user_id: int | None,
    agenda_item: AgendaItem | None = None,
) -> TableDocument:
    """Add a file to the table's library, or attach it to an agenda item (the uploader's own row).

    The type is checked by the content, not only by the extension.
    """
    if tenant_id != table.tenant_id and (table.region_id is None or not is_member(tenant_id, table.region_id)):
        raise DomainError(_("Enkel leden van het samenwerkingsverband kunnen aan deze tafel zetelen."))
    if agenda_item is not None:
        meeting = db.session.get(Meeting, agenda_item.meeting_id)
        if meeting is None or meeting.table_id != table.id:
            raise DomainError(_("Onbekend agendapunt."), status_code=422)
        _check_open(meeting)
    if upload is not None and upload.filename:
        head = upload.stream.read(DOCUMENT_MAX_BYTES + 1)
        upload.stream.seek(0)
        if len(head) <= DOCUMENT_MAX_BYTES and _disguised(head, upload.filename):
            raise DomainError(_("De inhoud van het bestand past niet bij de extensie."), field="file", status_code=422)
    stored = store_document(
        upload,
        tenant_id,
        DOCUMENT_MAX_BYTES,
        types=LIBRARY_TYPES,
        refusal=_("Enkel PDF-, DOCX-, ODT-, XLSX-, PNG- of JPEG-bestanden zijn toegelaten."),
    )
    title = (data.get("title") or "").strip() or stored.filename
    doc = TableDocument(
        table_id=table.id,
        title=title[:200],
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        storage_key=stored.key,
        uploaded_by_id=user_id,
        agenda_item_id=agenda_item.id if agenda_item is not None else None,
    )
    db.session.add(doc)
    db.session.flush()
    if table.region_id is not None:
        set_audience(doc, "region", region_id=table.region_id)
    return doc


# -- PDF of agenda and minutes -------------------------------------------------------------


def render_pdf(html: str) -> bytes:
    """Render self-contained HTML to PDF; WeasyPrint may fetch nothing (no files, no network)."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError):
        raise DomainError(_("De PDF kan op deze server niet gemaakt worden."), status_code=503) from None

    class BlockingFetcher(URLFetcher):  # type: ignore[misc]
        """Refuse every URL: the document carries its CSS inline and loads nothing else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"blocked: {url[:80]}")

    return bytes(HTML(string=html, base_url=None, url_fetcher=BlockingFetcher()).write_pdf())


# -- automatic agenda publication ----------------------------------------------------------


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


def chair_tenant_ids() -> list[int]:
    """Return the ids of every tenant, which the scheduled tasks visit in turn as possible chairs."""
    with acting_for(None, is_platform=True):
        return list(db.session.scalars(select(Tenant.id).order_by(Tenant.id)))


def attachments_of(meeting: Meeting) -> dict[int, list[TableDocument]]:
    """Return the readable attachments of the meeting's agenda items, by item id."""
    items = select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id)
    found: dict[int, list[TableDocument]] = {}
    rows = db.session.scalars(
        select(TableDocument).where(TableDocument.agenda_item_id.in_(items)).order_by(TableDocument.id)
    )
    for doc in rows:
        if doc.agenda_item_id is not None:
            found.setdefault(doc.agenda_item_id, []).append(doc)
    return found


def invite_members(meetings: list[Meeting], *, path: Any) -> int:
    """Tell the members' policy staff about newly planned meetings (one message for a series)."""
    if not meetings:
        return 0
    first = meetings[0]
    table = first.table
    when = first.starts_at.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")
    body = (
        _("Gevolgd door nog %(count)s vergaderingen in deze reeks.", count=len(meetings) - 1)
        if len(meetings) > 1
        else ""
    )
    sent = 0
    for user in invitees_of(first):
        note = notify(
            user,
            category="policy_tables",
            title=_("Uitnodiging: %(table)s op %(when)s", table=table.name, when=when),
            body=body,
            link=f"/{user.tenant.slug}{path(first)}",
            dedupe_key=f"policy-invite:{first.id}:{user.id}",
            source_tenant_id=first.tenant_id,
        )
        sent += note is not None
    return sent
