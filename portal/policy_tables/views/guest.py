"""The invited expert's page behind a secret link (``guest_bp``, no account)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.access import PUBLIC, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.unitofwork import fail
from portal.extensions import db, limiter
from portal.policy_tables import operations as ops
from portal.policy_tables.models import RSVP_ANSWERS
from portal.policy_tables.schemas import RsvpSchema
from portal.policy_tables.views._blueprint import guest_bp
from tenants.context import acting_for
from tenants.models import Tenant


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
