"""Decisions on agenda items and each municipality's follow-up."""

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
from portal.policy_tables.models import AgendaItem, Decision, Meeting
from portal.policy_tables.schemas import DecisionFormSchema, FollowUpSchema
from portal.policy_tables.views._blueprint import bp
from portal.policy_tables.views._common import _chaired_meeting, _meeting_page, _run


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
