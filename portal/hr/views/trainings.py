"""HR pages of trainings (vormingen): list and calendar, planning, enrolling, cancelling, attendance."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import form_to_dict
from portal.core.loading import get_editable_or_404, get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.unitofwork import fail
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import Enrolment, EnrolmentStatus, Training, TrainingStatus
from portal.hr.schemas import CreateTrainingSchema
from portal.hr.views._blueprint import bp
from portal.hr.views._common import ENROLMENT_LABELS, load
from portal.hr.views.enrolments import _enrolment_page
from tenants.sharing import current_regions, partner_tenants

SESSION_ROWS = 5
#: How many enrolment requests the trainings page lists for HR (the oldest first).
TO_DECIDE_LIMIT = 50


def _training_input() -> dict[str, Any]:
    raw = form_to_dict(request.form, CreateTrainingSchema())
    sessions = []
    for i in range(SESSION_ROWS):
        row = {k: request.form.get(f"session-{i}-{k}", "").strip() for k in ("day", "starts", "ends")}
        if any(row.values()):
            sessions.append({k: v for k, v in row.items() if v})
    raw["sessions"] = sessions
    return raw


def _flatten_session_errors(errors: dict[str, Any]) -> dict[str, Any]:
    nested = errors.get("sessions")
    if isinstance(nested, dict):
        flat = {k: v for k, v in errors.items() if k != "sessions"}
        for index, fields_ in nested.items():
            for name, messages in fields_.items():
                flat[f"session-{index}-{name}"] = messages
        flat["sessions"] = [_("Controleer de sessies.")]
        return flat
    return errors


@bp.route("/vormingen")
@allow(MEMBERS)
def trainings() -> Any:
    """List the trainings we organise or partners open to us, our enrolments and those to approve."""
    page = paginate(ops.visible_trainings())
    mine = list(
        db.session.scalars(
            select(Enrolment).where(Enrolment.user_id == current_user.id).order_by(Enrolment.created_at.desc())
        )
    )
    to_decide: list[Enrolment] = []
    if permissions.is_hr(current_user):
        # The oldest requests first, with their staff member in the same query; a long backlog is
        # cut off (the page says so) rather than growing the page with every request.
        to_decide = list(
            db.session.scalars(
                select(Enrolment)
                .options(joinedload(Enrolment.user))
                .where(Enrolment.tenant_id == current_user.tenant_id, Enrolment.status == EnrolmentStatus.AANGEVRAAGD)
                .order_by(Enrolment.created_at, Enrolment.id)
                .limit(TO_DECIDE_LIMIT + 1)
            )
        )
    return render_template(
        "hr/trainings.html",
        page=page,
        mine=mine,
        to_decide=to_decide[:TO_DECIDE_LIMIT],
        more_to_decide=len(to_decide) > TO_DECIDE_LIMIT,
        calendar=ops.upcoming_sessions(),
        can_create=permissions.can_create(current_user),
    )


@bp.route("/vormingen.ics")
@allow(MEMBERS)
def trainings_ical() -> Any:
    """Download the sessions of every planned training the user may see, as an iCalendar file."""
    items = list(
        db.session.scalars(ops.visible_trainings().where(Training.status == TrainingStatus.GEPLAND).limit(500))
    )
    body = ops.trainings_ical(
        items, lambda t: url_for("hr.training", tenant=current_user.tenant.slug, training_id=t.id, _external=True)
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="vormingen.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/vormingen/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_training() -> Any:
    """Plan a training with its sessions; open it to the region or chosen partners."""
    if not permissions.can_create(current_user):
        abort(403)
    values: dict[str, Any] = {"audience": "own", "seats": 20, "partner_ids": []}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
        data, errors = load(CreateTrainingSchema(), _training_input())
        errors = _flatten_session_errors(errors)
        if data is not None:
            try:
                obj = ops.create_training(data, author_id=current_user.id)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("De vorming is gepland."), "success")
                return redirect(url_for("hr.training", training_id=obj.id))
    return (
        render_template(
            "hr/training_form.html",
            values=values,
            errors=errors,
            session_rows=range(SESSION_ROWS),
            regions=current_regions(current_user.tenant_id),
            partners=partner_tenants(current_user.tenant_id),
        ),
        422 if errors else 200,
    )


def _own_enrolment(training: Training) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment)
        .where(
            Enrolment.training_id == training.id,
            Enrolment.user_id == current_user.id,
            Enrolment.status.in_(ops.ACTIVE_ENROLMENTS),
        )
        .order_by(Enrolment.id.desc())
    )


@bp.route("/vormingen/<int:training_id>")
@allow(MEMBERS)
def training(training_id: int) -> Any:
    """Show a training, its sessions and free places; the organiser's HR also reaches the attendance list."""
    obj = get_visible_or_404(Training, training_id)
    own = obj.tenant_id == current_user.tenant_id
    enrolment = _own_enrolment(obj)
    return render_template(
        "hr/training.html",
        obj=obj,
        own=own,
        counts=ops.seat_counts(obj),
        enrolment=enrolment,
        is_open=ops.is_open(obj),
        can_enrol=permissions.can_enrol(current_user, obj) and enrolment is None and ops.is_open(obj),
        can_edit=permissions.can_edit_training(current_user, obj),
        can_manage=permissions.can_manage_seats(current_user, obj),
    )


@bp.route("/vormingen/<int:training_id>/inschrijven", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def training_enrol(training_id: int) -> Any:
    """Enrol in a training; the own HR approves, then a place or a waitlist place is taken."""
    obj = get_visible_or_404(Training, training_id)
    if not permissions.can_enrol(current_user, obj):
        abort(403)
    row = ops.enrol(obj, current_user)
    flash(_("Je inschrijving is doorgestuurd naar je HR-dienst voor goedkeuring."), "success")
    if ops.seat_counts(obj)["free"] == 0:
        flash(_("De vorming is volzet: na goedkeuring kom je op de wachtlijst."), "warning")
    # Answer with the enrolment page itself, like an application: the participant sees what was filed.
    return _enrolment_page(row)


@bp.route("/vormingen/<int:training_id>/annuleren", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def training_cancel(training_id: int) -> Any:
    """Cancel an own planned training (every enrolment is cancelled with it)."""
    obj = get_editable_or_404(Training, training_id, permissions.can_edit_training)
    ops.cancel_training(obj)
    flash(_("De vorming is geannuleerd."), "success")
    return redirect(url_for("hr.training", training_id=obj.id))


@bp.route("/vormingen/<int:training_id>/aanwezigheden", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def training_attendance(training_id: int) -> Any:
    """Show and record the attendance list (organiser's HR); ?formaat=csv|xlsx downloads it."""
    obj = get_owned_or_404(Training, training_id, current_user.tenant_id)
    if not permissions.can_manage_seats(current_user, obj):
        abort(404)
    if request.method == "POST":
        present = {int(v) for v in request.form.getlist("present") if v.isdigit()}
        count = ops.set_attendance(obj, present)
        flash(_("De aanwezigheden zijn bewaard (%(n)s aanwezig).", n=count), "success")
        return redirect(url_for("hr.training_attendance", training_id=obj.id))
    seats = ops.attendance_list(obj)
    fmt = request.args.get("formaat")
    if fmt:
        from portal.core.exports import table_response

        header = [_("Naam"), _("E-mailadres"), _("Bestuur"), _("Status"), _("Aanwezig")]
        rows = [
            [
                s.participant_name,
                s.participant_email,
                s.participant_tenant.name,
                str(ENROLMENT_LABELS[s.status]),
                _("ja") if s.is_present else _("nee"),
            ]
            for s in seats
        ]
        return table_response(fmt, f"aanwezigheden-vorming-{obj.id}", header, rows, _("Aanwezigheden"))
    return render_template("hr/training_attendance.html", obj=obj, seats=seats)
