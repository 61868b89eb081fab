"""Private helpers the beleidstafel pages share: paths, the table and meeting pages, chair checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.core.loading import get_visible_or_404
from portal.core.models import utcnow
from portal.core.unitofwork import attempt
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import (
    ACTION_STATUSES,
    CHALLENGE_MOVES,
    CHALLENGE_STATUSES,
    FOLLOW_UP_STATUSES,
    ITEM_KINDS,
    RESULT_KINDS,
    RSVP_ANSWERS,
    Meeting,
    PolicyTable,
)
from tenants.sharing import region_members


def meeting_path(meeting_id: int) -> str:
    """Return the tenant-less path of a meeting page (each reader adds their own slug)."""
    return f"/beleidstafels/vergaderingen/{meeting_id}"


def _table_page(obj: PolicyTable, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    members = ops.members_of(obj)
    own_seat = next((m for m in members if m.tenant_id == current_user.tenant_id), None)
    return render_template(
        "policy_tables/table.html",
        obj=obj,
        members=members,
        own_seat=own_seat,
        municipalities=region_members(obj.region_id) if obj.region_id else [],
        meetings=ops.meetings_of(obj),
        challenges=ops.challenges_of(obj),
        challenge_moves=CHALLENGE_MOVES,
        challenge_statuses=CHALLENGE_STATUSES,
        result_kinds=RESULT_KINDS,
        can_chair=permissions.can_chair(current_user, obj),
        can_participate=permissions.can_participate(current_user, obj),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


def _chaired_table(table_id: int) -> PolicyTable:
    obj = get_visible_or_404(PolicyTable, table_id)
    if obj.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, obj):
        abort(403)
    return obj


def _meeting_page(meeting: Meeting, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    table = meeting.table
    chair = permissions.can_chair(current_user, meeting)
    # The page reads a dozen kinds of rows: paired reads keep it to one query per kind, the
    # agenda's attachments, decisions and follow-ups come with the items.
    agenda, attachments, decisions, follow_ups = ops.agenda_page_rows(meeting)
    follow_up, actions = ops.meeting_actions(meeting)
    minutes, to_approve = ops.meeting_minutes(meeting)
    present = ops.attendance_of(meeting)
    return render_template(
        "policy_tables/meeting.html",
        meeting=meeting,
        table=table,
        agenda=agenda,
        follow_up=follow_up,
        proposals=ops.proposals_of(meeting),
        accepted={item.proposal_id for item in agenda if item.proposal_id is not None},
        actions=actions,
        decisions=decisions,
        follow_ups=follow_ups,
        follow_up_statuses=FOLLOW_UP_STATUSES,
        # Only the chair's forms list the member municipalities.
        municipalities=region_members(table.region_id) if table.region_id and chair else [],
        kinds=ITEM_KINDS,
        statuses=ACTION_STATUSES,
        can_chair=chair,
        can_participate=permissions.can_participate(current_user, meeting),
        minutes=minutes,
        to_approve=to_approve,
        attachments=attachments,
        now=utcnow(),
        responses=ops.responses_of(meeting),
        answers=RSVP_ANSWERS,
        guests=ops.guests_of(meeting) if chair else [],
        present=present,
        per_municipality=ops.attendance_per_municipality(meeting, present),
        invitees=ops.invitees_of(meeting) if chair else [],
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


def _chaired_meeting(meeting_id: int) -> Meeting:
    obj = get_visible_or_404(Meeting, meeting_id)
    if obj.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, obj):
        abort(403)
    return obj


def _run(meeting: Meeting, action: Callable[[], object], message: str) -> Any:
    _done, errors, status = attempt(action)
    if errors:
        return _meeting_page(meeting, errors, status)
    flash(message, "success")
    return redirect(url_for("policy_tables.meeting", meeting_id=meeting.id))


def minutes_path(minutes_id: int) -> str:
    """Return the tenant-less path of a notulen page."""
    return f"/beleidstafels/notulen/{minutes_id}"
