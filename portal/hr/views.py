"""Gedeelde HR pages: vacancies, applications, staff sharing, trainings, function catalogue, reserves."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_time, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import form_to_dict
from portal.core.loading import get_editable_or_404, get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.unitofwork import fail
from portal.core.web import tenant_blueprint
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import (
    GRADES,
    LEVELS,
    LIVE_REQUEST_STATUSES,
    LIVE_SHARING_STATUSES,
    Application,
    ApplicationReceipt,
    ApplicationStatus,
    CandidateStatus,
    Decision,
    Employment,
    Enrolment,
    EnrolmentStatus,
    FunctionGrade,
    JobFunction,
    RequestStatus,
    Reserve,
    ReserveCandidate,
    ReserveRequest,
    ReserveRequestDecision,
    SharingStatus,
    StaffSharing,
    StaffSharingApproval,
    Training,
    TrainingStatus,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)
from portal.hr.public import public_bp, region_bp
from portal.hr.schemas import (
    ApplicationStatusSchema,
    CreateCandidateSchema,
    CreateFunctionSchema,
    CreateReserveSchema,
    CreateStaffSharingSchema,
    CreateTrainingSchema,
    CreateVacancySchema,
    EnrolmentDecisionSchema,
    InternalApplicationSchema,
    RequestCandidateSchema,
    ReserveDecisionSchema,
    SetGradeSchema,
    SharingDecisionSchema,
)
from tenants.sharing import current_regions, object_grantees, partner_tenants, readable_prefilter

bp = tenant_blueprint("hr", __name__, "/hr")
# The public job pages (no login, no tenant prefix) come along with the module's blueprint.
bp.record_once(lambda state: state.app.register_blueprint(public_bp))
bp.record_once(lambda state: state.app.register_blueprint(region_bp))

KIND_LABELS: dict[str, Any] = {
    VacancyKind.EXTERN: _l("Externe werving"),
    VacancyKind.INTERN: _l("Interne mobiliteit"),
    VacancyKind.GEDEELD: _l("Gedeelde functie"),
}
STATUS_LABELS: dict[str, Any] = {
    VacancyStatus.CONCEPT: _l("Concept"),
    VacancyStatus.GEPUBLICEERD: _l("Gepubliceerd"),
    VacancyStatus.AFGESLOTEN: _l("Afgesloten"),
    VacancyStatus.INGEVULD: _l("Ingevuld"),
    VacancyStatus.GEANNULEERD: _l("Geannuleerd"),
}
STATUS_ACTIONS: dict[str, Any] = {
    VacancyStatus.GEPUBLICEERD: _l("Publiceren"),
    VacancyStatus.AFGESLOTEN: _l("Afsluiten"),
    VacancyStatus.INGEVULD: _l("Ingevuld"),
    VacancyStatus.GEANNULEERD: _l("Annuleren"),
}
APPLICATION_LABELS: dict[str, Any] = {
    ApplicationStatus.ONTVANGEN: _l("Ontvangen"),
    ApplicationStatus.SCREENING: _l("Screening"),
    ApplicationStatus.TEST: _l("Test"),
    ApplicationStatus.GESPREK: _l("Gesprek"),
    ApplicationStatus.AANBOD: _l("Aanbod"),
    ApplicationStatus.AANGEWORVEN: _l("Aangeworven"),
    ApplicationStatus.AFGEWEZEN: _l("Afgewezen"),
}


SHARING_LABELS: dict[str, Any] = {
    SharingStatus.AANGEVRAAGD: _l("Aangevraagd"),
    SharingStatus.GOEDGEKEURD: _l("Goedgekeurd"),
    SharingStatus.GEWEIGERD: _l("Geweigerd"),
    SharingStatus.INGETROKKEN: _l("Ingetrokken"),
    Decision.OPEN: _l("Nog niet beslist"),
}
CANDIDATE_LABELS: dict[str, Any] = {
    CandidateStatus.ACTIEF: _l("Actief"),
    CandidateStatus.AANGEWORVEN: _l("Aangeworven"),
    CandidateStatus.UITGESCHREVEN: _l("Uitgeschreven"),
}
ENROLMENT_LABELS: dict[str, Any] = {
    EnrolmentStatus.AANGEVRAAGD: _l("Wacht op goedkeuring van je HR-dienst"),
    EnrolmentStatus.GEWEIGERD: _l("Niet goedgekeurd"),
    EnrolmentStatus.INGESCHREVEN: _l("Ingeschreven"),
    EnrolmentStatus.WACHTLIJST: _l("Op de wachtlijst"),
    EnrolmentStatus.GEANNULEERD: _l("Geannuleerd"),
    TrainingStatus.GEPLAND: _l("Gepland"),
}


def _clock(moment: Any) -> str:
    """Format the hour of a moment in Brussels (e.g. 16:30)."""
    return format_time(to_user_timezone(moment), "short")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "hr_clock": _clock,
        "sharing_labels": SHARING_LABELS,
        "enrolment_labels": ENROLMENT_LABELS,
        "candidate_labels": CANDIDATE_LABELS,
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "status_actions": STATUS_ACTIONS,
        "application_labels": APPLICATION_LABELS,
    }


def load(schema: Schema, raw: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Return (data, {}) or (None, errors per field)."""
    try:
        return schema.load(raw), {}
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return None, messages


def _vacancy_input() -> dict[str, Any]:
    raw = form_to_dict(request.form, CreateVacancySchema())
    raw.pop("shares", None)
    shares = []
    for tenant in [current_user.tenant, *partner_tenants(current_user.tenant_id)]:
        value = request.form.get(f"share-{tenant.id}", "").strip()
        if value:
            shares.append({"municipality_id": tenant.id, "share_percent": value})
    raw["shares"] = shares
    return raw


@bp.route("/")
@allow(MEMBERS)
def index() -> Any:
    """List the own vacancies and the published vacancies partners share with us."""
    q = request.args.get("q", "").strip()
    page = paginate(ops.visible_vacancies(q or None))
    return render_template(
        "hr/index.html",
        page=page,
        q=q,
        can_create=permissions.can_create(current_user),
        is_hr=permissions.is_hr(current_user),
    )


def _form_context(values: dict[str, Any], errors: dict[str, Any], obj: Vacancy | None = None) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "obj": obj,
        "grades": GRADES,
        "regions": current_regions(current_user.tenant_id),
        "partners": partner_tenants(current_user.tenant_id),
        # Function names of the shared catalogue, offered as suggestions for the vacancy's function.
        "catalogue": sorted(set(db.session.scalars(select(JobFunction.title).limit(500)))),
    }


def _save(obj: Vacancy | None) -> Any:
    values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
    data, errors = load(CreateVacancySchema(), _vacancy_input())
    if data is not None:
        try:
            if obj is None:
                obj = ops.create_vacancy(data, author_id=current_user.id)
            else:
                ops.update_vacancy(obj, data)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De vacature is bewaard."), "success")
            return redirect(url_for("hr.vacancy", vacancy_id=obj.id))
    return render_template("hr/vacancy_form.html", **_form_context(values, errors, obj)), 422


@bp.route("/vacatures/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_vacancy() -> Any:
    """Write a new vacancy (saved as concept)."""
    if not permissions.can_create(current_user):
        abort(403)
    if request.method == "POST":
        return _save(None)
    values = {
        "audience": "own",
        "kind": VacancyKind.EXTERN,
        "employment": Employment.CONTRACTUEEL,
        "percentage": 100,
        "partner_ids": [],
    }
    return render_template("hr/vacancy_form.html", **_form_context(values, {}))


@bp.route("/vacatures/<int:vacancy_id>")
@allow(MEMBERS)
def vacancy(vacancy_id: int) -> Any:
    """Show one vacancy; the owner's HR also sees its applications."""
    obj = get_visible_or_404(Vacancy, vacancy_id)
    own = obj.tenant_id == current_user.tenant_id
    if not own and obj.status != VacancyStatus.GEPUBLICEERD:
        abort(404)
    applications: list[Application] = []
    if permissions.can_manage_applications(current_user, obj):
        applications = list(
            db.session.scalars(
                select(Application).where(Application.vacancy_id == obj.id).order_by(Application.created_at)
            )
        )
    applied = db.session.scalar(
        select(ApplicationReceipt.id).where(
            ApplicationReceipt.user_id == current_user.id,
            ApplicationReceipt.vacancy_id == obj.id,
        )
    )
    partners = {t.id: t for t in partner_tenants(current_user.tenant_id)}
    return render_template(
        "hr/vacancy.html",
        obj=obj,
        own=own,
        can_edit=permissions.can_edit(current_user, obj),
        can_apply=permissions.can_apply(current_user, obj) and not own and applied is None,
        applications=applications,
        next_statuses=ops.VACANCY_FLOW.get(obj.status, ()),
        grantees=[partners[i] for i in (object_grantees(obj) if own else []) if i in partners],
    )


def _owned(vacancy_id: int) -> Vacancy:
    return get_editable_or_404(Vacancy, vacancy_id, permissions.can_edit)


@bp.route("/vacatures/<int:vacancy_id>/bewerken", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def edit_vacancy(vacancy_id: int) -> Any:
    """Edit an own open vacancy."""
    obj = _owned(vacancy_id)
    if request.method == "POST":
        return _save(obj)
    values: dict[str, Any] = {
        name: getattr(obj, name) for name in (*ops.FIELDS, "description_html", "profile_html", "audience", "region_id")
    }
    values["partner_ids"] = [str(i) for i in object_grantees(obj)]
    for share in obj.shares:
        values[f"share-{share.municipality_id}"] = share.share_percent
    return render_template("hr/vacancy_form.html", **_form_context(values, {}, obj))


@bp.route("/vacatures/<int:vacancy_id>/status", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def vacancy_status(vacancy_id: int) -> Any:
    """Publish, close, fill or cancel an own vacancy."""
    obj = _owned(vacancy_id)
    status = request.form.get("status", "")
    ops.change_vacancy_status(obj, status)
    flash(_("De status van de vacature is gewijzigd."), "success")
    return redirect(url_for("hr.vacancy", vacancy_id=obj.id))


@bp.route("/vacatures/<int:vacancy_id>/solliciteren", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def apply(vacancy_id: int) -> Any:
    """Apply as a staff member of a partner municipality (internal mobility)."""
    obj = get_visible_or_404(Vacancy, vacancy_id)
    if obj.tenant_id != current_user.tenant_id and obj.status != VacancyStatus.GEPUBLICEERD:
        abort(404)
    if not permissions.can_apply(current_user, obj):
        abort(403)
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load(InternalApplicationSchema(), form_to_dict(request.form, InternalApplicationSchema()))
        if data is not None:
            try:
                receipt = ops.submit_internal_application(obj, current_user, data)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("Je sollicitatie is verstuurd."), "success")
                # Answer with the receipt page itself: the candidate sees at once what was filed.
                return render_template("hr/my_application.html", receipt=receipt, app=ops.own_application(receipt))
        return render_template("hr/apply.html", obj=obj, values=values, errors=errors), 422
    return render_template("hr/apply.html", obj=obj, values=values, errors=errors)


def _application(application_id: int) -> Application:
    obj = get_owned_or_404(Application, application_id, current_user.tenant_id)
    if not permissions.can_manage_applications(current_user, obj):
        abort(404)
    return obj


@bp.route("/sollicitaties/<int:application_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def application(application_id: int) -> Any:
    """Show an application to the owner's HR; POST moves it in the pipeline or adds a note."""
    obj = _application(application_id)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if request.form.get("action") == "note":
            ops.add_note(obj, request.form.get("note", ""), author_id=current_user.id)
            flash(_("De notitie is bewaard."), "success")
            return redirect(url_for("hr.application", application_id=obj.id))
        data, errors = load(ApplicationStatusSchema(), form_to_dict(request.form, ApplicationStatusSchema()))
        if data is not None:
            ops.move_application(obj, data["status"], author_id=current_user.id, note=data["note"])
            flash(_("De sollicitatie is bijgewerkt."), "success")
            return redirect(url_for("hr.application", application_id=obj.id))
        status = 422
    else:
        status = 200
    return (
        render_template(
            "hr/application.html", obj=obj, errors=errors, next_statuses=ops.APPLICATION_FLOW.get(obj.status, ())
        ),
        status,
    )


@bp.route("/sollicitaties/<int:application_id>/cv")
@allow(MEMBERS)
def application_cv(application_id: int) -> Any:
    """Download the candidate's CV (owner's HR only)."""
    obj = _application(application_id)
    if not obj.cv_data:
        abort(404)
    return Response(
        obj.cv_data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="cv-{obj.id}.pdf"'},
    )


@bp.route("/sollicitaties/<int:application_id>/export")
@allow(MEMBERS)
def application_export(application_id: int) -> Any:
    """Export everything held about the candidate as JSON (access request)."""
    obj = _application(application_id)
    body = json.dumps(ops.export_application(obj), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="sollicitatie-{obj.id}.json"'},
    )


@bp.route("/mijn-sollicitaties")
@allow(MEMBERS)
def my_applications() -> Any:
    """List the user's own internal applications."""
    receipts = list(
        db.session.scalars(
            select(ApplicationReceipt)
            .where(ApplicationReceipt.user_id == current_user.id)
            .order_by(ApplicationReceipt.created_at.desc())
        )
    )
    interest = ops.interest_of(current_user)
    return render_template(
        "hr/my_applications.html", receipts=receipts, keywords=interest.keywords if interest else "", errors={}
    )


@bp.route("/vacaturemeldingen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def vacancy_alerts() -> Any:
    """Store the keywords for which the user wants to hear about new vacancies they can see."""
    keywords = request.form.get("keywords", "")
    try:
        ops.set_interest(current_user, keywords)
    except DomainError as err:
        fail()
        receipts = list(
            db.session.scalars(select(ApplicationReceipt).where(ApplicationReceipt.user_id == current_user.id))
        )
        return render_template(
            "hr/my_applications.html", receipts=receipts, keywords=keywords, errors={"keywords": [err.message]}
        ), 422
    flash(_("Je vacaturemeldingen zijn bewaard."), "success")
    return redirect(url_for("hr.my_applications"))


def _receipt(receipt_id: int) -> ApplicationReceipt:
    obj = get_owned_or_404(ApplicationReceipt, receipt_id, current_user.tenant_id)
    if obj.user_id != current_user.id:
        abort(404)
    return obj


@bp.route("/mijn-sollicitaties/<int:receipt_id>")
@allow(MEMBERS)
def my_application(receipt_id: int) -> Any:
    """Show the user's own application and its status."""
    receipt = _receipt(receipt_id)
    return render_template("hr/my_application.html", receipt=receipt, app=ops.own_application(receipt))


@bp.route("/mijn-sollicitaties/<int:receipt_id>/export")
@allow(MEMBERS)
def my_application_export(receipt_id: int) -> Any:
    """Export the user's own application data as JSON."""
    receipt = _receipt(receipt_id)
    app = ops.own_application(receipt)
    if app is None:
        abort(404)
    body = json.dumps(ops.export_application(app), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="mijn-sollicitatie-{receipt.id}.json"'},
    )


@bp.route("/instellingen", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def settings() -> Any:
    """Set how long application data is kept after a vacancy closes."""
    if not permissions.can_configure(current_user):
        abort(403)
    errors: dict[str, Any] = {}
    months: Any = ops.retention_months(current_user.tenant_id)
    if request.method == "POST":
        months = request.form.get("retention_months", "")
        try:
            ops.set_retention_months(current_user.tenant_id, int(months) if months.isdigit() else 0)
        except DomainError as err:
            fail()
            errors = {"retention_months": [err.message]}
        else:
            flash(_("De bewaartermijn is bewaard."), "success")
            return redirect(url_for("hr.settings"))
        return render_template("hr/settings.html", months=months, errors=errors), 422
    return render_template("hr/settings.html", months=months, errors=errors)


# -- staff sharing (terbeschikkingstelling) -------------------------------------------------------


def _hr_only_page(title: str) -> Any:
    """Refuse with 403, explaining in Dutch that this personnel data is for HR and the AD only."""
    return render_template("hr/hr_only.html", title=title), 403


def _sharing_reader() -> None:
    if not permissions.can_view_sharing(current_user):
        abort(403)


@bp.route("/terbeschikkingstellingen")
@allow(MEMBERS)
def sharings() -> Any:
    """List the staff the municipality gives and receives, with the FTE overview per partner."""
    if not permissions.can_view_sharing(current_user):
        return _hr_only_page(_("Terbeschikkingstellingen"))
    given = list(
        db.session.scalars(
            select(StaffSharing)
            .where(StaffSharing.tenant_id == current_user.tenant_id)
            .order_by(StaffSharing.starts_on.desc(), StaffSharing.id.desc())
        )
    )
    received = list(
        db.session.scalars(
            select(StaffSharingApproval)
            .where(StaffSharingApproval.tenant_id == current_user.tenant_id)
            .order_by(StaffSharingApproval.starts_on.desc(), StaffSharingApproval.id.desc())
        )
    )
    return render_template(
        "hr/sharings.html",
        given=given,
        received=received,
        overview=ops.staff_sharing_overview(current_user.tenant_id),
        can_request=permissions.can_request_sharing(current_user),
    )


@bp.route("/terbeschikkingstellingen/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_sharing() -> Any:
    """Put an employee (partly) at a partner municipality's disposal; both ADs then decide."""
    if not permissions.can_request_sharing(current_user):
        if request.method == "POST":
            abort(403)
        return _hr_only_page(_("Medewerker ter beschikking stellen"))
    values: dict[str, Any] = {"share_percent": 20, "host_cost_percent": 100}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load(CreateStaffSharingSchema(), form_to_dict(request.form, CreateStaffSharingSchema()))
        if data is not None:
            try:
                row = ops.create_staff_sharing(data, user=current_user)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("De terbeschikkingstelling is aangevraagd; beide algemeen directeurs beslissen."), "success")
                return redirect(url_for("hr.sharing", sharing_id=row.id))
    return (
        render_template(
            "hr/sharing_form.html", values=values, errors=errors, partners=partner_tenants(current_user.tenant_id)
        ),
        422 if errors else 200,
    )


def _decide(row: StaffSharing | StaffSharingApproval, target: str) -> Any:
    data, errors = load(SharingDecisionSchema(), form_to_dict(request.form, SharingDecisionSchema()))
    if data is None:
        raise DomainError(" ".join(" ".join(v) for v in errors.values()), status_code=422)
    if data["decision"] == SharingStatus.INGETROKKEN:
        if not isinstance(row, StaffSharing) or not permissions.can_request_sharing(current_user):
            abort(403)
        ops.withdraw_staff_sharing(row)
        message = _("De terbeschikkingstelling is ingetrokken.")
    else:
        if not permissions.can_decide_sharing(current_user, row):
            abort(403)
        ops.decide_staff_sharing(row, data["decision"], user=current_user)
        message = _("De beslissing van je bestuur is geregistreerd.")
    flash(message, "success")
    return redirect(target)


@bp.route("/terbeschikkingstellingen/<int:sharing_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def sharing(sharing_id: int) -> Any:
    """Show a terbeschikkingstelling of our employee; POST records our AD's decision or withdraws it."""
    _sharing_reader()
    row = get_owned_or_404(StaffSharing, sharing_id, current_user.tenant_id)
    if request.method == "POST":
        return _decide(row, url_for("hr.sharing", sharing_id=row.id))
    return render_template(
        "hr/sharing.html",
        row=row,
        side="home",
        home=current_user.tenant,
        host=row.host_tenant,
        can_decide=permissions.can_decide_sharing(current_user, row) and row.home_decision == Decision.OPEN,
        can_withdraw=permissions.can_request_sharing(current_user) and row.status in LIVE_SHARING_STATUSES,
    )


@bp.route("/terbeschikkingstellingen/ontvangen/<int:approval_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def received_sharing(approval_id: int) -> Any:
    """Show a partner's employee put at our disposal; POST records our AD's decision."""
    _sharing_reader()
    row = get_owned_or_404(StaffSharingApproval, approval_id, current_user.tenant_id)
    if request.method == "POST":
        return _decide(row, url_for("hr.received_sharing", approval_id=row.id))
    return render_template(
        "hr/sharing.html",
        row=row,
        side="host",
        home=row.home_tenant,
        host=current_user.tenant,
        can_decide=permissions.can_decide_sharing(current_user, row) and row.host_decision == Decision.OPEN,
        can_withdraw=False,
    )


# -- trainings (vormingen) ------------------------------------------------------------------------

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


# -- function catalogue ---------------------------------------------------------------------------


def _catalogue_partners() -> list[Any]:
    return [current_user.tenant, *partner_tenants(current_user.tenant_id)]


@bp.route("/functies")
@allow(MEMBERS)
def functions() -> Any:
    """List the function catalogue: own descriptions and those partners share, with our grade."""
    q = request.args.get("q", "").strip()
    stmt = (
        select(JobFunction)
        .where(readable_prefilter(JobFunction, current_user.tenant_id))
        .order_by(JobFunction.level, JobFunction.title)
    )
    if q:
        stmt = stmt.where(JobFunction.title.ilike(f"%{q[:100]}%"))
    page = paginate(stmt)
    own = {
        g.function_id: ops.grade_label(g)
        for g in db.session.scalars(select(FunctionGrade).where(FunctionGrade.tenant_id == current_user.tenant_id))
    }
    return render_template(
        "hr/functions.html", page=page, q=q, own=own, can_create=permissions.can_create(current_user)
    )


@bp.route("/functies/vergelijking")
@allow(MEMBERS)
def function_comparison() -> Any:
    """Compare the grades municipalities give each function; highlight where they differ."""
    differing = request.args.get("verschillen") == "1"
    return render_template(
        "hr/function_comparison.html",
        rows=ops.function_comparison(differing_only=differing),
        tenants=_catalogue_partners(),
        differing=differing,
    )


def _function_form(values: dict[str, Any], errors: dict[str, Any], obj: JobFunction | None) -> Any:
    return render_template(
        "hr/function_form.html",
        values=values,
        errors=errors,
        obj=obj,
        levels=LEVELS,
        regions=current_regions(current_user.tenant_id),
        partners=partner_tenants(current_user.tenant_id),
    )


def _save_function(obj: JobFunction | None) -> Any:
    values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
    data, errors = load(CreateFunctionSchema(), form_to_dict(request.form, CreateFunctionSchema()))
    if data is not None:
        try:
            obj = ops.create_function(data) if obj is None else ops.update_function(obj, data)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De functiebeschrijving is bewaard."), "success")
            return redirect(url_for("hr.function", function_id=obj.id))
    return _function_form(values, errors, obj), 422


@bp.route("/functies/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_function() -> Any:
    """Describe a new function for the shared catalogue."""
    if not permissions.can_create(current_user):
        abort(403)
    if request.method == "POST":
        return _save_function(None)
    return _function_form({"audience": "own", "partner_ids": []}, {}, None)


@bp.route("/functies/<int:function_id>/bewerken", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def edit_function(function_id: int) -> Any:
    """Change an own function description."""
    obj = get_editable_or_404(JobFunction, function_id, permissions.can_edit_function)
    if request.method == "POST":
        return _save_function(obj)
    values: dict[str, Any] = {name: getattr(obj, name) for name in (*ops.FUNCTION_FIELDS, "audience", "region_id")}
    values["partner_ids"] = [str(i) for i in object_grantees(obj)]
    return _function_form(values, {}, obj)


def _function_page(obj: JobFunction, values: dict[str, Any], errors: dict[str, Any], status: int = 200) -> Any:
    grades = {
        g.tenant_id: g for g in db.session.scalars(select(FunctionGrade).where(FunctionGrade.function_id == obj.id))
    }
    own = grades.get(current_user.tenant_id)
    if not values and own is not None:
        values = {"grade_min": own.grade_min, "grade_max": own.grade_max, "note": own.note}
    return (
        render_template(
            "hr/function.html",
            obj=obj,
            grades=sorted(grades.values(), key=lambda g: g.tenant.name),
            labels={i: ops.grade_label(g) for i, g in grades.items()},
            values=values,
            errors=errors,
            grade_choices=GRADES,
            can_edit=permissions.can_edit_function(current_user, obj),
            can_grade=permissions.can_grade(current_user),
        ),
        status,
    )


@bp.route("/functies/<int:function_id>")
@allow(MEMBERS)
def function(function_id: int) -> Any:
    """Show a function description and the grade each municipality gives it."""
    return _function_page(get_visible_or_404(JobFunction, function_id), {}, {})


@bp.route("/functies/<int:function_id>/weging", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def function_grade(function_id: int) -> Any:
    """Record our grade for a function (own or a partner's): the grade row is ours."""
    obj = get_visible_or_404(JobFunction, function_id)
    if not permissions.can_grade(current_user):
        abort(403)
    values = request.form.to_dict()
    data, errors = load(SetGradeSchema(), form_to_dict(request.form, SetGradeSchema()))
    if data is not None:
        try:
            ops.set_grade(obj, data)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De weging van je bestuur is bewaard."), "success")
            return _function_page(obj, {}, {})
    return _function_page(obj, values, errors, 422)


# -- recruitment reserve (werfreserve) ------------------------------------------------------------


def _reserve_reader() -> None:
    if not permissions.is_hr(current_user):
        abort(403)


@bp.route("/werfreserves")
@allow(MEMBERS)
def reserves() -> Any:
    """List own reserves and those partners share, our requests and the requests to decide."""
    if not permissions.is_hr(current_user):
        return _hr_only_page(_("Werfreserves"))
    page = paginate(select(Reserve).order_by(Reserve.valid_until.desc(), Reserve.id.desc()))
    requests = list(db.session.scalars(select(ReserveRequest).order_by(ReserveRequest.id.desc())))
    decisions = list(db.session.scalars(select(ReserveRequestDecision).order_by(ReserveRequestDecision.id.desc())))
    return render_template(
        "hr/reserves.html",
        page=page,
        requests=requests,
        decisions=decisions,
        can_create=permissions.can_create(current_user),
        today=ops.today(),
    )


@bp.route("/werfreserves/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_reserve() -> Any:
    """Open a ranked reserve after a selection."""
    if not permissions.is_hr(current_user):
        if request.method == "POST":
            abort(403)
        return _hr_only_page(_("Nieuwe werfreserve"))
    values: dict[str, Any] = {"audience": "own", "partner_ids": [], "selected_on": ops.today().isoformat()}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
        data, errors = load(CreateReserveSchema(), form_to_dict(request.form, CreateReserveSchema()))
        if data is not None:
            try:
                obj = ops.create_reserve(data, author_id=current_user.id)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("De werfreserve is aangemaakt."), "success")
                return redirect(url_for("hr.reserve", reserve_id=obj.id))
    vacancies = list(
        db.session.scalars(
            select(Vacancy).where(Vacancy.tenant_id == current_user.tenant_id).order_by(Vacancy.id.desc()).limit(50)
        )
    )
    return (
        render_template(
            "hr/reserve_form.html",
            values=values,
            errors=errors,
            grades=GRADES,
            vacancies=vacancies,
            regions=current_regions(current_user.tenant_id),
            partners=partner_tenants(current_user.tenant_id),
        ),
        422 if errors else 200,
    )


def _reserve_page(obj: Reserve, *, values: Any = None, errors: Any = None, status: int = 200) -> Any:
    own = permissions.can_manage_reserve(current_user, obj)
    asked = set(
        db.session.scalars(
            select(ReserveRequest.candidate_id).where(
                ReserveRequest.reserve_id == obj.id, ReserveRequest.status.in_(LIVE_REQUEST_STATUSES)
            )
        )
    )
    return (
        render_template(
            "hr/reserve.html",
            obj=obj,
            own=own,
            valid=ops.is_valid(obj),
            offered=[] if own else ops.offered_candidates(obj),
            asked=asked,
            can_request=permissions.can_request_candidate(current_user, obj),
            values=values or {},
            errors=errors or {},
        ),
        status,
    )


@bp.route("/werfreserves/<int:reserve_id>")
@allow(MEMBERS)
def reserve(reserve_id: int) -> Any:
    """Show a reserve: the owner's HR sees the laureates, a partner the ranks it may ask for."""
    _reserve_reader()
    return _reserve_page(get_visible_or_404(Reserve, reserve_id))


@bp.route("/werfreserves/<int:reserve_id>/kandidaten", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def reserve_candidate(reserve_id: int) -> Any:
    """Add a laureate to an own reserve."""
    obj = get_owned_or_404(Reserve, reserve_id, current_user.tenant_id)
    if not permissions.can_manage_reserve(current_user, obj):
        abort(404)
    data, errors = load(CreateCandidateSchema(), form_to_dict(request.form, CreateCandidateSchema()))
    if data is not None:
        try:
            ops.add_candidate(obj, data)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De kandidaat staat in de werfreserve."), "success")
            return redirect(url_for("hr.reserve", reserve_id=obj.id))
    return _reserve_page(obj, values=request.form.to_dict(), errors=errors, status=422)


@bp.route("/werfreserves/kandidaten/<int:candidate_id>", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def reserve_candidate_status(candidate_id: int) -> Any:
    """Mark an own laureate as hired or withdrawn (no longer offered to partners), or active again."""
    row = get_owned_or_404(ReserveCandidate, candidate_id, current_user.tenant_id)
    if not permissions.is_hr(current_user):
        abort(404)
    ops.set_candidate_status(row, request.form.get("status", ""))
    flash(_("De status van de kandidaat is gewijzigd."), "success")
    return redirect(url_for("hr.reserve", reserve_id=row.reserve_id))


@bp.route("/werfreserve-aanvragen/nieuw", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def reserve_request() -> Any:
    """Ask a partner for a consenting candidate of its shared reserve (ids in the form; foreign is 404)."""
    _reserve_reader()
    data, errors = load(RequestCandidateSchema(), form_to_dict(request.form, RequestCandidateSchema()))
    if data is None:
        raise DomainError(" ".join(" ".join(v) for v in errors.values()), status_code=422)
    obj = get_visible_or_404(Reserve, data.get("reserve_id") or 0)
    if not permissions.can_request_candidate(current_user, obj):
        abort(403)
    row = ops.request_candidate(obj, data["candidate_id"], user=current_user, motivation=data["motivation"])
    flash(_("Je aanvraag is verstuurd; het bestuur van de werfreserve beslist."), "success")
    # Answer with the request itself, like an application: the requester sees what was filed.
    return render_template("hr/reserve_request.html", row=row, can_withdraw=True)


@bp.route("/werfreserve-aanvragen/<int:request_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def own_reserve_request(request_id: int) -> Any:
    """Show our request for a partner's candidate (with the contact once approved); POST withdraws it."""
    _reserve_reader()
    row = get_owned_or_404(ReserveRequest, request_id, current_user.tenant_id)
    if request.method == "POST":
        data, _errors = load(ReserveDecisionSchema(), form_to_dict(request.form, ReserveDecisionSchema()))
        if data is None or data["decision"] != RequestStatus.INGETROKKEN:
            raise DomainError(_("Je kan je aanvraag enkel intrekken."), status_code=422)
        ops.withdraw_reserve_request(row)
        flash(_("Je aanvraag is ingetrokken."), "success")
        return redirect(url_for("hr.own_reserve_request", request_id=row.id))
    return render_template("hr/reserve_request.html", row=row, can_withdraw=row.status == RequestStatus.AANGEVRAAGD)


@bp.route("/werfreserve-beslissingen/<int:decision_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def reserve_decision(decision_id: int) -> Any:
    """Show a partner's request for one of our laureates; POST approves or refuses it."""
    _reserve_reader()
    row = get_owned_or_404(ReserveRequestDecision, decision_id, current_user.tenant_id)
    if request.method == "POST":
        data, _errors = load(ReserveDecisionSchema(), form_to_dict(request.form, ReserveDecisionSchema()))
        if data is None or data["decision"] == RequestStatus.INGETROKKEN:
            raise DomainError(_("Kies goedkeuren of weigeren."), status_code=422)
        ops.decide_reserve_request(row, data["decision"] == RequestStatus.GOEDGEKEURD, user=current_user)
        flash(_("De beslissing is geregistreerd."), "success")
        return redirect(url_for("hr.reserve_decision", decision_id=row.id))
    return render_template("hr/reserve_decision.html", row=row)
