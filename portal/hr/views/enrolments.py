"""HR pages of enrolments: the participant's view and the own HR's decision."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import form_to_dict
from portal.core.loading import get_owned_or_404
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import Enrolment, EnrolmentStatus
from portal.hr.schemas import EnrolmentDecisionSchema
from portal.hr.views._blueprint import bp
from portal.hr.views._common import load


def _enrolment(enrolment_id: int) -> Enrolment:
    row = get_owned_or_404(Enrolment, enrolment_id, current_user.tenant_id)
    if not permissions.can_view_enrolment(current_user, row):
        abort(404)
    return row


@bp.route("/inschrijvingen/<int:enrolment_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def enrolment(enrolment_id: int) -> Any:
    """Show an enrolment to the participant and their HR; POST approves, refuses or cancels it."""
    row = _enrolment(enrolment_id)
    if request.method == "POST":
        data, errors = load(EnrolmentDecisionSchema(), form_to_dict(request.form, EnrolmentDecisionSchema()))
        if data is None:
            raise DomainError(" ".join(" ".join(v) for v in errors.values()), status_code=422)
        if data["action"] == "annuleren":
            ops.cancel_enrolment(row)
            message = _("De inschrijving is geannuleerd.")
        else:
            if not permissions.can_decide_enrolment(current_user, row):
                abort(403)
            ops.decide_enrolment(row, data["action"] == "goedkeuren", user=current_user)
            messages: dict[str, str] = {
                EnrolmentStatus.INGESCHREVEN: _("Goedgekeurd: de plaats is bevestigd."),
                EnrolmentStatus.WACHTLIJST: _(
                    "Goedgekeurd, maar de vorming is volzet: de medewerker staat op de wachtlijst."
                ),
                EnrolmentStatus.GEWEIGERD: _("De inschrijving is niet goedgekeurd."),
            }
            message = messages[row.status]
        flash(message, "success")
        return redirect(url_for("hr.enrolment", enrolment_id=row.id))
    return _enrolment_page(row)


def _enrolment_page(row: Enrolment) -> Any:
    return render_template(
        "hr/enrolment.html",
        row=row,
        position=ops.waitlist_position(row),
        can_decide=permissions.can_decide_enrolment(current_user, row) and row.status == EnrolmentStatus.AANGEVRAAGD,
        can_cancel=row.status in ops.ACTIVE_ENROLMENTS,
    )
