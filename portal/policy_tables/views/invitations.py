"""Answers to invitations, invited experts and attendance (the chair's and members' side)."""

from __future__ import annotations

from typing import Any

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import Meeting, MeetingGuest
from portal.policy_tables.schemas import AttendanceSchema, InviteGuestSchema, RsvpSchema
from portal.policy_tables.views._blueprint import bp
from portal.policy_tables.views._common import _chaired_meeting, _meeting_page, _run


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
