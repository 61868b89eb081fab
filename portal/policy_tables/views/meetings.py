"""Meetings and their agenda: planning, the meeting page, items, proposals and publication."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.core.unitofwork import fail
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import MEETING_REPEATS, AgendaItem, AgendaProposal, Meeting
from portal.policy_tables.schemas import CreateItemSchema, CreateMeetingSchema
from portal.policy_tables.views._blueprint import bp
from portal.policy_tables.views._common import _chaired_meeting, _chaired_table, _meeting_page, _run, meeting_path


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


@bp.route("/vergaderingen/<int:meeting_id>")
@allow(MEMBERS)
def meeting(meeting_id: int) -> Any:
    """Show a meeting: agenda, follow-up of open actions, proposals and actions."""
    return _meeting_page(get_visible_or_404(Meeting, meeting_id))


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
