"""The table's decisions on agenda items and each municipality's own follow-up."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.policy_tables.models import AgendaItem, Decision, DecisionFollowUp, FollowUpStatus, Meeting
from tenants.sharing import is_member, set_audience


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
