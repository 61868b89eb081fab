"""Beleidstafel pages: tables, meetings with their agenda, proposals and action items."""

from __future__ import annotations

import io
import re
from calendar import monthrange
from datetime import date, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core.access import MEMBERS, PUBLIC, STAFF, allow
from portal.core.errors import DomainError
from portal.core.files import path_of
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.core.models import utcnow
from portal.core.pagination import paginate
from portal.core.unitofwork import attempt, fail
from portal.core.web import tenant_blueprint
from portal.extensions import db, limiter
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import (
    ACTION_STATUSES,
    CHALLENGE_MOVES,
    CHALLENGE_STATUSES,
    CRITERIA,
    FOLLOW_UP_STATUSES,
    ITEM_KINDS,
    LEGAL_FORMS,
    MEETING_REPEATS,
    RECOMMENDATIONS,
    RESULT_KINDS,
    RSVP_ANSWERS,
    THEMES,
    ActionItem,
    AgendaItem,
    AgendaProposal,
    Challenge,
    Cooperation,
    Decision,
    Meeting,
    MeetingGuest,
    Minutes,
    MinutesStatus,
    PolicyTable,
    TableDocument,
)
from portal.policy_tables.schemas import (
    ActionStatusSchema,
    ApproveMinutesSchema,
    AttendanceSchema,
    CreateActionSchema,
    CreateChallengeSchema,
    CreateCooperationEvaluationSchema,
    CreateCooperationSchema,
    CreateDocumentSchema,
    CreateItemSchema,
    CreateMeetingSchema,
    CreateMinutesSchema,
    CreateRemarkSchema,
    CreateTableSchema,
    DecisionFormSchema,
    FollowUpSchema,
    InviteGuestSchema,
    MembershipSchema,
    MoveChallengeSchema,
    RsvpSchema,
    SendMinutesSchema,
    UpdateCooperationSchema,
)
from portal.procurement.validators import format_kbo
from tenants.context import BRUSSELS, acting_for
from tenants.models import Tenant
from tenants.sharing import current_regions, region_members, today

bp = tenant_blueprint("policy_tables", __name__, "/beleidstafels")


def meeting_path(meeting_id: int) -> str:
    """Return the tenant-less path of a meeting page (each reader adds their own slug)."""
    return f"/beleidstafels/vergaderingen/{meeting_id}"


@bp.route("/")
@allow(MEMBERS)
def index() -> Any:
    """List the tables of the tenant's regions, with search."""
    q = request.args.get("q", "").strip()
    page = paginate(ops.visible_tables(q or None))
    return render_template("policy_tables/index.html", page=page, q=q, can_create=permissions.can_create(current_user))


@bp.route("/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_table() -> Any:
    """Start a table chaired by the own municipality."""
    if not permissions.can_create(current_user):
        abort(403)
    regions = current_regions(current_user.tenant_id)
    values: dict[str, Any] = {"region_id": regions[0].id if len(regions) == 1 else "", "publish_days_before": 7}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(CreateTableSchema(), request.form)
        if data is not None:
            try:
                table = ops.create_table(data, tenant_id=current_user.tenant_id)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("De beleidstafel is aangemaakt."), "success")
                return redirect(url_for("policy_tables.table", table_id=table.id))
        status = 422
    return render_template(
        "policy_tables/table_form.html", values=values, errors=errors, regions=regions, themes=THEMES
    ), status


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


@bp.route("/<int:table_id>")
@allow(MEMBERS)
def table(table_id: int) -> Any:
    """Show a table: chair, secretary, members, meetings and the challenges register."""
    return _table_page(get_visible_or_404(PolicyTable, table_id))


@bp.route("/<int:table_id>/zetel", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def set_seat(table_id: int) -> Any:
    """Record the own municipality's contacts at the table."""
    obj = get_visible_or_404(PolicyTable, table_id)
    if not permissions.can_participate(current_user, obj):
        abort(403)
    data, errors = load_form(MembershipSchema(), request.form)
    if data is None:
        flash(" ".join(m for ms in errors.values() for m in ms), "danger")
        return redirect(url_for("policy_tables.table", table_id=obj.id)), 422  # type: ignore[return-value]
    ops.set_membership(obj, data, tenant_id=current_user.tenant_id)
    flash(_("De contactpersonen van je bestuur zijn bewaard."), "success")
    return redirect(url_for("policy_tables.table", table_id=obj.id))


def _chaired_table(table_id: int) -> PolicyTable:
    obj = get_visible_or_404(PolicyTable, table_id)
    if obj.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, obj):
        abort(403)
    return obj


@bp.route("/<int:table_id>/vergaderingen/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_meeting(table_id: int) -> Any:
    """Plan a meeting (chair only)."""
    obj = _chaired_table(table_id)
    values: dict[str, Any] = {"start_time": "14:00", "end_time": "16:00"}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(CreateMeetingSchema(), request.form)
        if data is not None:
            try:
                planned = ops.create_meetings(obj, data)
                ops.invite_members(planned, path=lambda m: meeting_path(m.id))
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                if len(planned) > 1:
                    flash(_("%(count)s vergaderingen zijn gepland.", count=len(planned)), "success")
                else:
                    flash(_("De vergadering is gepland."), "success")
                return redirect(url_for("policy_tables.meeting", meeting_id=planned[0].id))
        status = 422
    return render_template(
        "policy_tables/meeting_form.html", obj=obj, values=values, errors=errors, repeats=MEETING_REPEATS
    ), status


def _meeting_page(meeting: Meeting, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    table = meeting.table
    chair = permissions.can_chair(current_user, meeting)
    # The page reads a dozen kinds of rows: paired reads keep it to one query per kind.
    agenda = ops.agenda_of(meeting)
    follow_up, actions = ops.meeting_actions(meeting)
    decisions, follow_ups = ops.decisions_and_follow_ups(meeting)
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
        attachments=ops.attachments_of(meeting),
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


@bp.route("/vergaderingen/<int:meeting_id>")
@allow(MEMBERS)
def meeting(meeting_id: int) -> Any:
    """Show a meeting: agenda, follow-up of open actions, proposals and actions."""
    return _meeting_page(get_visible_or_404(Meeting, meeting_id))


def _chaired_meeting(meeting_id: int) -> Meeting:
    obj = get_visible_or_404(Meeting, meeting_id)
    if obj.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, obj):
        abort(403)
    return obj


def _run(meeting: Meeting, action: Any, message: str) -> Any:
    _done, errors, status = attempt(action)
    if errors:
        return _meeting_page(meeting, errors, status)
    flash(message, "success")
    return redirect(url_for("policy_tables.meeting", meeting_id=meeting.id))


@bp.route("/vergaderingen/<int:meeting_id>/punten", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def add_item(meeting_id: int) -> Any:
    """Add an agenda item (chair only)."""
    meeting = _chaired_meeting(meeting_id)
    data, errors = load_form(CreateItemSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    if data.get("owner_tenant_id") is None:
        data["owner_tenant_id"] = current_user.tenant_id
    return _run(meeting, lambda: ops.add_agenda_item(meeting, data), _("Het agendapunt is toegevoegd."))


@bp.route("/punten/<int:item_id>/verplaatsen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def move_item(item_id: int) -> Any:
    """Move an agenda item up or down (chair only)."""
    item = get_visible_or_404(AgendaItem, item_id)
    meeting = _chaired_meeting(item.meeting_id)
    if item.tenant_id != current_user.tenant_id:
        abort(404)
    direction = request.form.get("direction", "")
    return _run(meeting, lambda: ops.move_agenda_item(item, direction), _("De volgorde is aangepast."))


@bp.route("/vergaderingen/<int:meeting_id>/voorstellen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def propose(meeting_id: int) -> Any:
    """Propose an agenda item as a member municipality."""
    meeting = get_visible_or_404(Meeting, meeting_id)
    if not permissions.can_participate(current_user, meeting):
        abort(403)
    data, errors = load_form(CreateItemSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    return _run(
        meeting,
        lambda: ops.propose_item(meeting, data, tenant_id=current_user.tenant_id, user_id=current_user.id),
        _("Je voorstel is ingediend bij de voorzitter."),
    )


@bp.route("/voorstellen/<int:proposal_id>/aanvaarden", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def accept(proposal_id: int) -> Any:
    """Put a member's proposal on the agenda (chair only)."""
    proposal = get_visible_or_404(AgendaProposal, proposal_id)
    meeting = _chaired_meeting(proposal.meeting_id)
    return _run(meeting, lambda: ops.accept_proposal(meeting, proposal), _("Het voorstel staat op de agenda."))


@bp.route("/voorstellen/<int:proposal_id>/intrekken", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def withdraw(proposal_id: int) -> Any:
    """Withdraw an own proposal that is not on the agenda yet."""
    proposal = get_visible_or_404(AgendaProposal, proposal_id)
    if proposal.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_participate(current_user, proposal):
        abort(403)
    meeting = get_visible_or_404(Meeting, proposal.meeting_id)
    return _run(meeting, lambda: ops.withdraw_proposal(proposal), _("Je voorstel is ingetrokken."))


@bp.route("/vergaderingen/<int:meeting_id>/publiceren", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def publish(meeting_id: int) -> Any:
    """Publish the agenda and notify the members (chair only)."""
    meeting = _chaired_meeting(meeting_id)
    return _run(
        meeting,
        lambda: ops.publish_agenda(meeting, path=meeting_path(meeting.id)),
        _("De agenda is gepubliceerd en de leden zijn verwittigd."),
    )


@bp.route("/vergaderingen/<int:meeting_id>/actiepunten", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def add_action(meeting_id: int) -> Any:
    """Record an action item agreed at the meeting (chair only)."""
    meeting = _chaired_meeting(meeting_id)
    data, errors = load_form(CreateActionSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    if data.get("owner_tenant_id") is None:
        data["owner_tenant_id"] = current_user.tenant_id
    return _run(
        meeting,
        lambda: ops.create_action(meeting, data, path=meeting_path(meeting.id)),
        _("Het actiepunt is toegevoegd."),
    )


@bp.route("/actiepunten/<int:action_id>/status", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def action_status(action_id: int) -> Any:
    """Change the status of an action item (chair only)."""
    action = get_visible_or_404(ActionItem, action_id)
    if action.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, action):
        abort(403)
    meeting = get_visible_or_404(Meeting, action.meeting_id)
    data, errors = load_form(ActionStatusSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    return _run(meeting, lambda: ops.set_action_status(action, data["status"]), _("De status is aangepast."))


@bp.route("/punten/<int:item_id>/besluit", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def decide(item_id: int) -> Any:
    """Record the table's decision on an agenda item (chair only)."""
    item = get_visible_or_404(AgendaItem, item_id)
    if item.tenant_id != current_user.tenant_id:
        abort(404)
    meeting = _chaired_meeting(item.meeting_id)
    data, errors = load_form(DecisionFormSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    return _run(meeting, lambda: ops.record_decision(item, data["text_html"]), _("De beslissing is bewaard."))


@bp.route("/besluiten/<int:decision_id>/opvolging", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def follow_up(decision_id: int) -> Any:
    """Record the own municipality's follow-up of a decision (its own row)."""
    decision = get_visible_or_404(Decision, decision_id)
    if not permissions.can_participate(current_user, decision):
        abort(403)
    meeting = get_visible_or_404(Meeting, decision.meeting_id)
    data, errors = load_form(FollowUpSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    return _run(
        meeting,
        lambda: ops.set_follow_up(decision, data, tenant_id=current_user.tenant_id),
        _("De opvolging door je bestuur is bewaard."),
    )


# -- minutes (notulen) ---------------------------------------------------------------------


def minutes_path(minutes_id: int) -> str:
    """Return the tenant-less path of a notulen page."""
    return f"/beleidstafels/notulen/{minutes_id}"


def _minutes_page(minutes: Minutes, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    meeting = minutes.meeting
    previous = ops.previous_meeting(meeting)
    table = meeting.table
    seated = {m.tenant_id for m in ops.members_of(table)}
    attendees = ops.attendees_of(minutes)
    return render_template(
        "policy_tables/minutes.html",
        minutes=minutes,
        meeting=meeting,
        table=table,
        version=ops.version_of(minutes, minutes.current_version),
        versions=ops.versions_of(minutes),
        remarks=ops.remarks_of(minutes),
        previous=previous,
        previous_minutes=ops.minutes_of(previous) if previous is not None else None,
        later_meetings=[m for m in ops.meetings_of(table) if m.starts_at > meeting.starts_at],
        municipalities=[
            t for t in (region_members(table.region_id) if table.region_id else []) if t.id != minutes.tenant_id
        ],
        attendees=set(attendees) if minutes.sent_at else (ops.present_municipalities(meeting) or seated),
        can_chair=permissions.can_chair(current_user, minutes),
        can_remark=minutes.status == MinutesStatus.TER_OPMERKING
        and permissions.can_remark(current_user, minutes, attendees),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


def _chaired_minutes(minutes_id: int) -> Minutes:
    obj = get_visible_or_404(Minutes, minutes_id)
    if obj.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, obj):
        abort(403)
    return obj


def _run_minutes(minutes: Minutes, action: Any, message: str) -> Any:
    _done, errors, status = attempt(action)
    if errors:
        return _minutes_page(minutes, errors, status)
    flash(message, "success")
    return redirect(url_for("policy_tables.minutes", minutes_id=minutes.id))


@bp.route("/vergaderingen/<int:meeting_id>/notulen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def new_minutes(meeting_id: int) -> Any:
    """Start the notulen of a meeting as a draft (chair only)."""
    meeting = _chaired_meeting(meeting_id)
    data, errors = load_form(CreateMinutesSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    try:
        minutes = ops.create_minutes(meeting, data, user_id=current_user.id)
    except DomainError as err:
        fail()
        return _meeting_page(meeting, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("Het ontwerp van de notulen is bewaard."), "success")
    return redirect(url_for("policy_tables.minutes", minutes_id=minutes.id))


@bp.route("/notulen/<int:minutes_id>")
@allow(MEMBERS)
def minutes(minutes_id: int) -> Any:
    """Show the notulen: current text, status, remarks, versions and the previous meeting's notulen."""
    return _minutes_page(get_visible_or_404(Minutes, minutes_id))


@bp.route("/notulen/<int:minutes_id>/versies", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def revise_minutes(minutes_id: int) -> Any:
    """Save a new version of the notulen (chair only)."""
    obj = _chaired_minutes(minutes_id)
    data, errors = load_form(CreateMinutesSchema(), request.form)
    if data is None:
        return _minutes_page(obj, errors, 422)
    return _run_minutes(
        obj,
        lambda: ops.revise_minutes(obj, data, user_id=current_user.id),
        _("Een nieuwe versie van de notulen is bewaard."),
    )


@bp.route("/notulen/<int:minutes_id>/versies/<int:number>")
@allow(MEMBERS)
def minutes_version(minutes_id: int, number: int) -> Any:
    """Show one earlier version of the notulen."""
    obj = get_visible_or_404(Minutes, minutes_id)
    version = ops.version_of(obj, number)
    if version is None:
        abort(404)
    return render_template("policy_tables/minutes_version.html", minutes=obj, meeting=obj.meeting, version=version)


@bp.route("/notulen/<int:minutes_id>/ter-opmerking", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def send_minutes(minutes_id: int) -> Any:
    """Send the notulen to the attending municipalities for remarks (chair only)."""
    obj = _chaired_minutes(minutes_id)
    data, errors = load_form(SendMinutesSchema(), request.form)
    if data is None:
        return _minutes_page(obj, errors, 422)
    return _run_minutes(
        obj,
        lambda: ops.send_minutes(obj, data["attendee_ids"], path=minutes_path(obj.id)),
        _("De notulen liggen ter opmerking bij de aanwezigen."),
    )


@bp.route("/notulen/<int:minutes_id>/opmerkingen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def remark(minutes_id: int) -> Any:
    """Add the own municipality's remark on notulen that lie ter opmerking."""
    obj = get_visible_or_404(Minutes, minutes_id)
    if not permissions.can_remark(current_user, obj, ops.attendees_of(obj)):
        abort(403)
    data, errors = load_form(CreateRemarkSchema(), request.form)
    if data is None:
        return _minutes_page(obj, errors, 422)
    return _run_minutes(
        obj,
        lambda: ops.add_remark(obj, data, tenant_id=current_user.tenant_id, user_id=current_user.id),
        _("Je opmerking is bezorgd aan de voorzitter."),
    )


@bp.route("/notulen/<int:minutes_id>/goedkeuren", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def approve_minutes(minutes_id: int) -> Any:
    """Record the approval of the notulen at a later meeting (chair only)."""
    obj = _chaired_minutes(minutes_id)
    data, errors = load_form(ApproveMinutesSchema(), request.form)
    if data is None:
        return _minutes_page(obj, errors, 422)
    return _run_minutes(
        obj, lambda: ops.approve_minutes(obj, data["approved_at_meeting_id"]), _("De notulen zijn goedgekeurd.")
    )


@bp.route("/notulen/<int:minutes_id>/publiceren", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def publish_minutes(minutes_id: int) -> Any:
    """Publish approved notulen to the whole region (chair only)."""
    obj = _chaired_minutes(minutes_id)
    return _run_minutes(obj, lambda: ops.publish_minutes(obj), _("De notulen zijn gepubliceerd."))


# -- calendar and iCal ---------------------------------------------------------------------

feed_bp = Blueprint("policy_tables_feed", __name__, url_prefix="/kalender")
bp.record_once(lambda state: state.app.register_blueprint(feed_bp))


def _month(value: str) -> tuple[int, int]:
    """Parse ``YYYY-MM`` (default: the current month in Brussels)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if match and 2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    now = today()
    return now.year, now.month


@bp.route("/kalender")
@allow(MEMBERS)
def calendar() -> Any:
    """Show the meetings the user may see in one month, as a grid and as a list."""
    year, month = _month(request.args.get("maand", ""))
    start, end = ops.month_bounds(year, month)
    meetings = ops.visible_meetings(start, end)
    by_day: dict[int, list[Meeting]] = {}
    for m in meetings:
        by_day.setdefault(m.starts_at.astimezone(BRUSSELS).day, []).append(m)
    first_weekday, days = monthrange(year, month)
    previous = (start - timedelta(days=1)).strftime("%Y-%m")
    following = end.strftime("%Y-%m")
    feed_url = session.pop("policy_calendar_feed_url", None)
    week = None
    if request.args.get("weergave") == "week":
        week = _week(request.args.get("dag", ""))
    return render_template(
        "policy_tables/calendar.html",
        week=week,
        month_start=start.date(),
        weeks=_weeks(first_weekday, days),
        by_day=by_day,
        meetings=meetings,
        previous=previous,
        following=following,
        feed_url=feed_url,
        has_feed=ops.has_calendar_token(current_user.id),
    )


def _week(value: str) -> dict[str, Any]:
    """Return the days of the week around ``value`` (YYYY-MM-DD, default today) with their meetings."""
    try:
        day = date.fromisoformat(value) if value else today()
    except ValueError:
        day = today()
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, datetime.min.time(), tzinfo=BRUSSELS)
    meetings = ops.visible_meetings(start, start + timedelta(days=7))
    days = [
        (
            monday + timedelta(days=i),
            [m for m in meetings if m.starts_at.astimezone(BRUSSELS).date() == monday + timedelta(days=i)],
        )
        for i in range(7)
    ]
    return {
        "days": days,
        "previous": (monday - timedelta(days=7)).isoformat(),
        "following": (monday + timedelta(days=7)).isoformat(),
    }


def _weeks(first_weekday: int, days: int) -> list[list[int | None]]:
    cells: list[int | None] = [None] * first_weekday + list(range(1, days + 1))
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def _meeting_url(meeting: Meeting, slug: str) -> str:
    return url_for("policy_tables.meeting", tenant=slug, meeting_id=meeting.id, _external=True)


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/vergaderingen/<int:meeting_id>.ics")
@allow(MEMBERS)
def meeting_ics(meeting_id: int) -> Any:
    """Download one meeting as an iCalendar event."""
    meeting = get_visible_or_404(Meeting, meeting_id)
    slug = current_user.tenant.slug
    return _ics_response(ops.ical([meeting], lambda m: _meeting_url(m, slug)), f"vergadering-{meeting.id}.ics")


@bp.route("/kalender/feed", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def create_feed() -> Any:
    """Issue (or replace) the user's secret personal iCal feed address."""
    raw = ops.issue_calendar_token(current_user.id)
    session["policy_calendar_feed_url"] = url_for("policy_tables_feed.feed", token=raw, _external=True)
    flash(_("Je persoonlijke agenda-feed is aangemaakt; een vorig adres werkt niet meer."), "success")
    return redirect(url_for("policy_tables.calendar"))


@bp.route("/kalender/feed/intrekken", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def revoke_feed() -> Any:
    """Revoke the user's personal iCal feed address."""
    ops.revoke_calendar_tokens(current_user.id)
    flash(_("Je persoonlijke agenda-feed is ingetrokken."), "success")
    return redirect(url_for("policy_tables.calendar"))


@feed_bp.route("/<token>.ics")
@allow(PUBLIC)
@limiter.limit("120 per hour")
def feed(token: str) -> Any:
    """Serve a user's personal feed: the meetings that user may see, from a year back on."""
    with acting_for(None, is_platform=True):
        user = ops.user_for_calendar_token(token)
        if user is None:
            abort(404)
        tenant_id, slug = user.tenant_id, user.tenant.slug
        # A feed answers with its owner's rights: an expert's token lists no meetings.
        guest_only = not MEMBERS.admits(user)
    with acting_for(tenant_id):
        start = utcnow() - timedelta(days=365)
        meetings = [] if guest_only else ops.visible_meetings(start, start + timedelta(days=365 * 3))
        body = ops.ical(meetings, lambda m: _meeting_url(m, slug))
    return _ics_response(body, "beleidstafels.ics")


# -- inventory of existing cooperations ----------------------------------------------------


def _cooperation_form(obj: Cooperation | None, values: dict[str, Any], errors: dict[str, Any], status: int) -> Any:
    regions = current_regions(current_user.tenant_id)
    municipalities = sorted({t.id: t for r in regions for t in region_members(r.id)}.values(), key=lambda t: t.name)
    return render_template(
        "policy_tables/cooperation_form.html",
        obj=obj,
        values=values,
        errors=errors,
        regions=regions,
        municipalities=municipalities,
        legal_forms=LEGAL_FORMS,
    ), status


def _form_values(obj: Cooperation) -> dict[str, Any]:
    return {
        "name": obj.name,
        "legal_form": obj.legal_form,
        "domain": obj.domain,
        "partner_ids": [str(i) for i in obj.partner_ids],
        "other_partners": obj.other_partners,
        "kbo_number": format_kbo(obj.kbo_number) if obj.kbo_number else "",
        "started_on": obj.started_on.isoformat() if obj.started_on else "",
        "contact": obj.contact,
        "region_id": obj.region_id,
    }


def _posted_values() -> dict[str, Any]:
    values: dict[str, Any] = request.form.to_dict()
    values["partner_ids"] = request.form.getlist("partner_ids")
    return values


@bp.route("/inventaris")
@allow(MEMBERS)
def inventory() -> Any:
    """List the region's inventory of existing cooperations (art. 8 Regiodecreet)."""
    q = request.args.get("q", "").strip()
    legal_form = request.args.get("rechtsvorm", "")
    legal_form = legal_form if legal_form in LEGAL_FORMS else ""
    page = paginate(ops.visible_cooperations(q or None, legal_form or None))
    return render_template(
        "policy_tables/inventory.html",
        page=page,
        q=q,
        legal_form=legal_form,
        legal_forms=LEGAL_FORMS,
        can_create=permissions.can_create(current_user),
    )


@bp.route("/inventaris/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_cooperation() -> Any:
    """Register an existing cooperation in the inventory."""
    if not permissions.can_create(current_user):
        abort(403)
    regions = current_regions(current_user.tenant_id)
    values: dict[str, Any] = {"region_id": regions[0].id if len(regions) == 1 else "", "partner_ids": []}
    if request.method == "GET":
        return _cooperation_form(None, values, {}, 200)
    values = _posted_values()
    data, errors = load_form(CreateCooperationSchema(), request.form)
    if data is not None:
        try:
            obj = ops.create_cooperation(data, tenant_id=current_user.tenant_id)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De samenwerking is toegevoegd aan de inventaris."), "success")
            return redirect(url_for("policy_tables.cooperation", cooperation_id=obj.id))
    return _cooperation_form(None, values, errors, 422)


def _cooperation_page(obj: Cooperation, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    return render_template(
        "policy_tables/cooperation.html",
        obj=obj,
        partners=ops.partner_names(obj),
        evaluations=ops.evaluations_of(obj),
        meetings=ops.evaluation_meetings(obj, current_user.tenant_id) if permissions.can_create(current_user) else [],
        criteria=CRITERIA,
        recommendations=RECOMMENDATIONS,
        kbo=format_kbo(obj.kbo_number) if obj.kbo_number else "",
        can_edit=permissions.can_chair(current_user, obj),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


@bp.route("/inventaris/<int:cooperation_id>")
@allow(MEMBERS)
def cooperation(cooperation_id: int) -> Any:
    """Show a cooperation with its evaluation history."""
    return _cooperation_page(get_visible_or_404(Cooperation, cooperation_id))


@bp.route("/inventaris/<int:cooperation_id>/bewerken", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def edit_cooperation(cooperation_id: int) -> Any:
    """Change a cooperation the own municipality registered."""
    obj = get_visible_or_404(Cooperation, cooperation_id)
    if obj.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, obj):
        abort(403)
    if request.method == "GET":
        return _cooperation_form(obj, _form_values(obj), {}, 200)
    values = _posted_values()
    values["region_id"] = obj.region_id
    data, errors = load_form(UpdateCooperationSchema(), request.form)
    if data is not None:
        try:
            ops.update_cooperation(obj, data)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De samenwerking is bijgewerkt."), "success")
            return redirect(url_for("policy_tables.cooperation", cooperation_id=obj.id))
    return _cooperation_form(obj, values, errors, 422)


@bp.route("/inventaris/<int:cooperation_id>/evaluaties", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def evaluate(cooperation_id: int) -> Any:
    """Record an evaluation of the cooperation at a meeting the own municipality chairs."""
    obj = get_visible_or_404(Cooperation, cooperation_id)
    if not permissions.can_participate(current_user, obj):
        abort(403)
    data, errors = load_form(CreateCooperationEvaluationSchema(), request.form)
    if data is None:
        return _cooperation_page(obj, errors, 422)
    try:
        ops.evaluate_cooperation(obj, data, tenant_id=current_user.tenant_id)
    except DomainError as err:
        fail()
        return _cooperation_page(obj, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("De evaluatie is bewaard."), "success")
    return redirect(url_for("policy_tables.cooperation", cooperation_id=obj.id))


# -- invitations, RSVP and attendance ------------------------------------------------------

guest_bp = Blueprint("policy_tables_guest", __name__, url_prefix="/gast/<slug>")
bp.record_once(lambda state: state.app.register_blueprint(guest_bp))


@bp.route("/vergaderingen/<int:meeting_id>/antwoord", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def rsvp(meeting_id: int) -> Any:
    """Answer the invitation for the own person (the own municipality's row)."""
    meeting = get_visible_or_404(Meeting, meeting_id)
    if not permissions.can_participate(current_user, meeting):
        abort(403)
    data, errors = load_form(RsvpSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    return _run(
        meeting,
        lambda: ops.respond(meeting, data, tenant_id=current_user.tenant_id, user_id=current_user.id),
        _("Je antwoord is bewaard."),
    )


@bp.route("/vergaderingen/<int:meeting_id>/experts", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def invite_guest(meeting_id: int) -> Any:
    """Invite an external expert by e-mail to this meeting only (chair only)."""
    meeting = _chaired_meeting(meeting_id)
    data, errors = load_form(InviteGuestSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    slug = current_user.tenant.slug

    def link(raw: str) -> str:
        return url_for("policy_tables_guest.guest", slug=slug, token=raw, _external=True)

    return _run(
        meeting,
        lambda: ops.invite_guest(meeting, data, link=link),
        _("De expert is uitgenodigd en krijgt een persoonlijke link per e-mail."),
    )


@bp.route("/experts/<int:guest_id>/intrekken", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def revoke_guest(guest_id: int) -> Any:
    """End an expert's access to the meeting (chair only)."""
    guest = get_visible_or_404(MeetingGuest, guest_id)
    meeting = _chaired_meeting(guest.meeting_id)
    return _run(meeting, lambda: ops.revoke_guest(guest), _("De toegang van de expert is ingetrokken."))


@bp.route("/vergaderingen/<int:meeting_id>/aanwezigheden", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def attendance(meeting_id: int) -> Any:
    """Register who was present, per person and so per municipality (chair only)."""
    meeting = _chaired_meeting(meeting_id)
    data, errors = load_form(AttendanceSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    return _run(
        meeting,
        lambda: ops.register_attendance(meeting, data["user_ids"], data["guest_ids"]),
        _("De aanwezigheden zijn bewaard."),
    )


@guest_bp.route("/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("30 per hour", methods=["POST"])
def guest(slug: str, token: str) -> Any:
    """The expert's page: this one meeting's details and published agenda, and the answer form."""
    with acting_for(None, is_platform=True):
        chair = db.session.scalar(select(Tenant).where(Tenant.slug == slug[:60], Tenant.is_active.is_(True)))
        chair_id = chair.id if chair is not None else None
    if chair_id is None:
        abort(404)
    with acting_for(chair_id):
        found = ops.guest_for_token(token)
        if found is None:
            abort(404)
        errors: dict[str, Any] = {}
        status = 200
        if request.method == "POST":
            data, errors = load_form(RsvpSchema(), request.form)
            if data is not None:
                try:
                    ops.answer_as_guest(found, data["answer"])
                    # Inside the chair's context: the audit entry and the write checks are the chair's.
                    db.session.flush()
                except DomainError as err:
                    fail()
                    errors = {"_schema": [err.message]}
                else:
                    flash(_("Bedankt, je antwoord is bewaard."), "success")
                    return redirect(url_for("policy_tables_guest.guest", slug=slug, token=token))
            status = 422 if errors.get("answer") else 409
        meeting = found.meeting
        agenda = ops.agenda_of(meeting) if meeting.is_published else []
        return render_template(
            "policy_tables/guest.html",
            guest=found,
            meeting=meeting,
            table=meeting.table,
            agenda=agenda,
            answers=RSVP_ANSWERS,
            errors=errors,
        ), status


# -- challenges register and documents library ---------------------------------------------


@bp.route("/<int:table_id>/uitdagingen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def add_challenge(table_id: int) -> Any:
    """Raise a common challenge or opportunity (the own municipality's row)."""
    obj = get_visible_or_404(PolicyTable, table_id)
    if not permissions.can_participate(current_user, obj):
        abort(403)
    data, errors = load_form(CreateChallengeSchema(), request.form)
    if data is None:
        return _table_page(obj, errors, 422)
    try:
        ops.add_challenge(obj, data, tenant_id=current_user.tenant_id)
    except DomainError as err:
        fail()
        return _table_page(obj, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("De uitdaging is toegevoegd aan het register."), "success")
    return redirect(url_for("policy_tables.table", table_id=obj.id, _anchor="uitdagingen-kop"))


@bp.route("/uitdagingen/<int:challenge_id>/status", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def move_challenge(challenge_id: int) -> Any:
    """Move an own challenge on (idee, onderzocht, samenwerking opgestart, afgevoerd)."""
    obj = get_visible_or_404(Challenge, challenge_id)
    if obj.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, obj):
        abort(403)
    table = get_visible_or_404(PolicyTable, obj.table_id)
    data, errors = load_form(MoveChallengeSchema(), request.form)
    if data is None:
        return _table_page(table, errors, 422)
    try:
        ops.move_challenge(obj, data)
    except DomainError as err:
        fail()
        return _table_page(table, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("De status van de uitdaging is aangepast."), "success")
    return redirect(url_for("policy_tables.table", table_id=table.id, _anchor="uitdagingen-kop"))


def _library_page(obj: PolicyTable, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    q = request.args.get("q", "").strip()
    return render_template(
        "policy_tables/documents.html",
        obj=obj,
        documents=ops.documents_of(obj, q or None),
        q=q,
        can_participate=permissions.can_participate(current_user, obj),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


@bp.route("/<int:table_id>/documenten", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def documents(table_id: int) -> Any:
    """Show the table's library (searchable by title) and take an upload from a member."""
    obj = get_visible_or_404(PolicyTable, table_id)
    if request.method == "GET":
        return _library_page(obj)
    if not permissions.can_participate(current_user, obj):
        abort(403)
    data, errors = load_form(CreateDocumentSchema(), request.form)
    if data is None:
        return _library_page(obj, errors, 422)
    try:
        ops.add_document(
            obj, data, request.files.get("file"), tenant_id=current_user.tenant_id, user_id=current_user.id
        )
    except DomainError as err:
        fail()
        return _library_page(obj, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("Het document is toegevoegd aan de bibliotheek."), "success")
    return redirect(url_for("policy_tables.documents", table_id=obj.id))


@bp.route("/documenten/<int:document_id>")
@allow(MEMBERS)
def download_document(document_id: int) -> Any:
    """Download a library document."""
    doc = get_visible_or_404(TableDocument, document_id)
    path = path_of(doc.storage_key)
    if not path.exists():
        abort(404)
    # Read whole (at most 10 MB): no file handle outlives the request.
    return send_file(
        io.BytesIO(path.read_bytes()), mimetype=doc.content_type, as_attachment=True, download_name=doc.filename
    )


# -- PDF -----------------------------------------------------------------------------------


def _pdf(html: str, filename: str) -> Any:
    try:
        body = ops.render_pdf(html)
    except DomainError as err:
        abort(err.status_code)
    return Response(
        body, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.route("/vergaderingen/<int:meeting_id>/agenda.pdf")
@allow(MEMBERS)
def agenda_pdf(meeting_id: int) -> Any:
    """Download the agenda (with the follow-up of open actions) as PDF."""
    meeting = get_visible_or_404(Meeting, meeting_id)
    html = render_template(
        "policy_tables/pdf.html",
        heading=_("Agenda"),
        meeting=meeting,
        table=meeting.table,
        agenda=ops.agenda_of(meeting),
        follow_up=ops.follow_up_actions(meeting),
        minutes=None,
    )
    return _pdf(html, f"agenda-{meeting.id}.pdf")


@bp.route("/notulen/<int:minutes_id>.pdf")
@allow(MEMBERS)
def minutes_pdf(minutes_id: int) -> Any:
    """Download the current version of the notulen as PDF."""
    obj = get_visible_or_404(Minutes, minutes_id)
    html = render_template(
        "policy_tables/pdf.html",
        heading=_("Notulen"),
        meeting=obj.meeting,
        table=obj.meeting.table,
        minutes=obj,
        version=ops.version_of(obj, obj.current_version),
    )
    return _pdf(html, f"notulen-{obj.id}-v{obj.current_version}.pdf")


@bp.route("/punten/<int:item_id>/bijlagen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def attach(item_id: int) -> Any:
    """Attach a file to an agenda item (the own municipality's row; the meeting must still be open)."""
    item = get_visible_or_404(AgendaItem, item_id)
    meeting = get_visible_or_404(Meeting, item.meeting_id)
    if not permissions.can_participate(current_user, meeting):
        abort(403)
    data, errors = load_form(CreateDocumentSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    upload = request.files.get("file")
    return _run(
        meeting,
        lambda: ops.add_document(
            meeting.table,
            data,
            upload,
            tenant_id=current_user.tenant_id,
            user_id=current_user.id,
            agenda_item=item,
        ),
        _("De bijlage is toegevoegd aan het agendapunt."),
    )
