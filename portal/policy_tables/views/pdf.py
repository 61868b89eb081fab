"""PDF of the agenda and of the notulen."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template
from flask_babel import gettext as _

from portal.core.access import MEMBERS, allow
from portal.core.errors import DomainError
from portal.core.loading import get_visible_or_404
from portal.policy_tables import operations as ops
from portal.policy_tables.models import Meeting, Minutes
from portal.policy_tables.views._blueprint import bp


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
