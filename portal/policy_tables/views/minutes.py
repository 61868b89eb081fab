"""The notulen: draft, versions, remarks, approval and publication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.core.unitofwork import attempt, fail
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import Minutes, MinutesStatus
from portal.policy_tables.schemas import (
    ApproveMinutesSchema,
    CreateMinutesSchema,
    CreateRemarkSchema,
    SendMinutesSchema,
)
from portal.policy_tables.views._blueprint import bp
from portal.policy_tables.views._common import _chaired_meeting, _meeting_page, minutes_path
from tenants.sharing import region_members


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


def _run_minutes(minutes: Minutes, action: Callable[[], object], message: str) -> Any:
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
