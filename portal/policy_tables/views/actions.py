"""Action items agreed at a meeting."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import ActionItem, Meeting
from portal.policy_tables.schemas import ActionStatusSchema, CreateActionSchema
from portal.policy_tables.views._blueprint import bp
from portal.policy_tables.views._common import _chaired_meeting, _meeting_page, _run, meeting_path


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
