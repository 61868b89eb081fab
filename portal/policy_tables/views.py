"""Beleidstafel pages: tables, meetings with their agenda, proposals and action items."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.core.pagination import paginate
from portal.core.web import tenant_blueprint
from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import (
    ACTION_STATUSES,
    FOLLOW_UP_STATUSES,
    ITEM_KINDS,
    THEMES,
    ActionItem,
    AgendaItem,
    AgendaProposal,
    Decision,
    Meeting,
    PolicyTable,
)
from portal.policy_tables.schemas import (
    ActionStatusSchema,
    CreateActionSchema,
    CreateItemSchema,
    CreateMeetingSchema,
    CreateTableSchema,
    DecisionFormSchema,
    FollowUpSchema,
    MembershipSchema,
)
from tenants.sharing import current_regions, region_members

bp = tenant_blueprint("policy_tables", __name__, "/beleidstafels")


def meeting_path(meeting_id: int) -> str:
    """Return the tenant-less path of a meeting page (each reader adds their own slug)."""
    return f"/beleidstafels/vergaderingen/{meeting_id}"


@bp.route("/")
@login_required
def index() -> Any:
    """List the tables of the tenant's regions, with search."""
    q = request.args.get("q", "").strip()
    page = paginate(ops.visible_tables(q or None))
    return render_template("policy_tables/index.html", page=page, q=q, can_create=permissions.can_create(current_user))


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def new_table() -> Any:
    """Start a table chaired by the own municipality."""
    if not permissions.can_create(current_user):
        abort(403)
    regions = current_regions(current_user.tenant_id)
    values: dict[str, Any] = {"region_id": regions[0].id if len(regions) == 1 else ""}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(CreateTableSchema(), request.form)
        if data is not None:
            try:
                table = ops.create_table(data, tenant_id=current_user.tenant_id)
            except DomainError as err:
                db.session.rollback()
                errors = {err.field or "_schema": [err.message]}
            else:
                db.session.commit()
                flash(_("De beleidstafel is aangemaakt."), "success")
                return redirect(url_for("policy_tables.table", table_id=table.id))
        status = 422
    return render_template(
        "policy_tables/table_form.html", values=values, errors=errors, regions=regions, themes=THEMES
    ), status


@bp.route("/<int:table_id>")
@login_required
def table(table_id: int) -> Any:
    """Show a table: chair, secretary, members per municipality, meetings and open actions."""
    obj = get_visible_or_404(PolicyTable, table_id)
    members = ops.members_of(obj)
    own_seat = next((m for m in members if m.tenant_id == current_user.tenant_id), None)
    return render_template(
        "policy_tables/table.html",
        obj=obj,
        members=members,
        own_seat=own_seat,
        municipalities=region_members(obj.region_id) if obj.region_id else [],
        meetings=ops.meetings_of(obj),
        can_chair=permissions.can_chair(current_user, obj),
        can_participate=permissions.can_participate(current_user, obj),
    )


@bp.route("/<int:table_id>/zetel", methods=["POST"])
@login_required
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
    db.session.commit()
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
@login_required
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
                meeting = ops.create_meeting(obj, data)
            except DomainError as err:
                db.session.rollback()
                errors = {err.field or "_schema": [err.message]}
            else:
                db.session.commit()
                flash(_("De vergadering is gepland."), "success")
                return redirect(url_for("policy_tables.meeting", meeting_id=meeting.id))
        status = 422
    return render_template("policy_tables/meeting_form.html", obj=obj, values=values, errors=errors), status


def _meeting_page(meeting: Meeting, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    table = meeting.table
    return render_template(
        "policy_tables/meeting.html",
        meeting=meeting,
        table=table,
        agenda=ops.agenda_of(meeting),
        follow_up=ops.follow_up_actions(meeting),
        proposals=ops.proposals_of(meeting),
        accepted=ops.accepted_proposal_ids(meeting),
        actions=ops.actions_of(meeting),
        decisions=ops.decisions_of(meeting),
        follow_ups=ops.follow_ups_of(meeting),
        follow_up_statuses=FOLLOW_UP_STATUSES,
        municipalities=region_members(table.region_id) if table.region_id else [],
        kinds=ITEM_KINDS,
        statuses=ACTION_STATUSES,
        can_chair=permissions.can_chair(current_user, meeting),
        can_participate=permissions.can_participate(current_user, meeting),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


@bp.route("/vergaderingen/<int:meeting_id>")
@login_required
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
    try:
        action()
    except DomainError as err:
        db.session.rollback()
        return _meeting_page(meeting, {err.field or "_schema": [err.message]}, err.status_code)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("policy_tables.meeting", meeting_id=meeting.id))


@bp.route("/vergaderingen/<int:meeting_id>/punten", methods=["POST"])
@login_required
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
@login_required
def move_item(item_id: int) -> Any:
    """Move an agenda item up or down (chair only)."""
    item = get_visible_or_404(AgendaItem, item_id)
    meeting = _chaired_meeting(item.meeting_id)
    if item.tenant_id != current_user.tenant_id:
        abort(404)
    direction = request.form.get("direction", "")
    return _run(meeting, lambda: ops.move_agenda_item(item, direction), _("De volgorde is aangepast."))


@bp.route("/vergaderingen/<int:meeting_id>/voorstellen", methods=["POST"])
@login_required
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
@login_required
def accept(proposal_id: int) -> Any:
    """Put a member's proposal on the agenda (chair only)."""
    proposal = get_visible_or_404(AgendaProposal, proposal_id)
    meeting = _chaired_meeting(proposal.meeting_id)
    return _run(meeting, lambda: ops.accept_proposal(meeting, proposal), _("Het voorstel staat op de agenda."))


@bp.route("/voorstellen/<int:proposal_id>/intrekken", methods=["POST"])
@login_required
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
@login_required
def publish(meeting_id: int) -> Any:
    """Publish the agenda and notify the members (chair only)."""
    meeting = _chaired_meeting(meeting_id)
    return _run(
        meeting,
        lambda: ops.publish_agenda(meeting, path=meeting_path(meeting.id)),
        _("De agenda is gepubliceerd en de leden zijn verwittigd."),
    )


@bp.route("/vergaderingen/<int:meeting_id>/actiepunten", methods=["POST"])
@login_required
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
@login_required
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
@login_required
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
@login_required
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
