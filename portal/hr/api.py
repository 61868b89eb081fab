"""REST endpoints of Gedeelde HR: vacancies, applications, staff sharing, trainings, functions, reserves."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.api import PageArgsSchema, page_envelope, page_of
from portal.core.loading import get_editable_or_404, get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import (
    Application,
    Enrolment,
    FunctionGrade,
    JobFunction,
    RequestStatus,
    Reserve,
    ReserveRequest,
    ReserveRequestDecision,
    SharingStatus,
    StaffSharing,
    StaffSharingApproval,
    Training,
    Vacancy,
)

# Aliased: ``VacancyStatus`` names the status endpoint's view class (and so its endpoint).
from portal.hr.models import VacancyStatus as VacancyState
from portal.hr.schemas import (
    ApplicationSchema,
    ApplicationStatusSchema,
    CandidateSchema,
    ComparisonRowSchema,
    CreateCandidateSchema,
    CreateFunctionSchema,
    CreateReserveSchema,
    CreateStaffSharingSchema,
    CreateTrainingSchema,
    CreateVacancySchema,
    EnrolmentDecisionSchema,
    EnrolmentSchema,
    FteOverviewSchema,
    FunctionGradeSchema,
    FunctionSchema,
    RequestCandidateSchema,
    ReserveDecisionDumpSchema,
    ReserveDecisionSchema,
    ReserveRequestSchema,
    ReserveSchema,
    SeatSchema,
    SetGradeSchema,
    SharingDecisionSchema,
    StaffSharingApprovalSchema,
    StaffSharingSchema,
    TrainingSchema,
    UpdateVacancySchema,
    VacancySchema,
    VacancyStatusSchema,
)

blp = Blueprint(
    "hr_api",
    __name__,
    url_prefix="/api/v1",
    description="Gedeelde HR: vacatures, sollicitaties, terbeschikkingstellingen, vormingen, functies, werfreserves",
)


VacancyPageSchema = page_of(VacancySchema, "VacancyPageSchema")


ApplicationPageSchema = page_of(ApplicationSchema, "ApplicationPageSchema")


def _visible(vacancy_id: int) -> Vacancy:
    obj = get_visible_or_404(Vacancy, vacancy_id)
    if obj.tenant_id != current_user.tenant_id and obj.status != VacancyState.GEPUBLICEERD:
        abort(404)
    return obj


def _application(application_id: int) -> Application:
    obj = get_owned_or_404(Application, application_id, current_user.tenant_id)
    if not permissions.can_manage_applications(current_user, obj):
        abort(404)
    return obj


@blp.route("/vacancies")
@allow(MEMBERS, write=STAFF)
class VacancyList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, VacancyPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List own vacancies and published vacancies shared with the caller's tenant."""
        # The schema dumps the time shares: load them for the whole page in one query.
        return page_envelope(paginate(ops.visible_vacancies(args.get("q")).options(selectinload(Vacancy.shares))))

    @blp.arguments(CreateVacancySchema)
    @blp.response(201, VacancySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a concept vacancy owned by the caller's tenant."""
        if not permissions.can_create(current_user):
            abort(403)
        obj = ops.create_vacancy(data, author_id=current_user.id)
        return obj


@blp.route("/vacancies/<int:vacancy_id>")
@allow(MEMBERS, write=STAFF)
class VacancyItem(MethodView):
    @blp.response(200, VacancySchema)
    def get(self, vacancy_id: int) -> Any:
        """Return one vacancy (404 when not visible)."""
        return _visible(vacancy_id)

    @blp.arguments(UpdateVacancySchema(partial=True))
    @blp.response(200, VacancySchema)
    def patch(self, data: dict[str, Any], vacancy_id: int) -> Any:
        """Change an own open vacancy."""
        obj = get_editable_or_404(Vacancy, vacancy_id, permissions.can_edit)
        ops.update_vacancy(obj, data)
        return obj


@blp.route("/vacancies/<int:vacancy_id>/status")
@allow(MEMBERS, write=STAFF)
class VacancyStatus(MethodView):
    @blp.arguments(VacancyStatusSchema)
    @blp.response(200, VacancySchema)
    def post(self, data: dict[str, Any], vacancy_id: int) -> Any:
        """Publish, close, fill or cancel an own vacancy."""
        obj = get_editable_or_404(Vacancy, vacancy_id, permissions.can_edit)
        ops.change_vacancy_status(obj, data["status"])
        return obj


@blp.route("/vacancies/<int:vacancy_id>/applications")
@allow(MEMBERS, write=STAFF)
class VacancyApplications(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ApplicationPageSchema)
    def get(self, args: dict[str, Any], vacancy_id: int) -> Any:
        """List the applications of an own vacancy (the owner's HR only; others 404)."""
        obj = get_owned_or_404(Vacancy, vacancy_id, current_user.tenant_id)
        if not permissions.can_manage_applications(current_user, obj):
            abort(404)
        stmt = select(Application).where(Application.vacancy_id == obj.id).order_by(Application.id)
        return page_envelope(paginate(stmt))


@blp.route("/applications/<int:application_id>")
@allow(MEMBERS, write=STAFF)
class ApplicationItem(MethodView):
    @blp.response(200, ApplicationSchema)
    def get(self, application_id: int) -> Any:
        """Return one application of the caller's tenant (the owner's HR only)."""
        return _application(application_id)

    @blp.arguments(ApplicationStatusSchema)
    @blp.response(200, ApplicationSchema)
    def patch(self, data: dict[str, Any], application_id: int) -> Any:
        """Move an application along the pipeline."""
        obj = _application(application_id)
        ops.move_application(obj, data["status"], author_id=current_user.id, note=data["note"])
        return obj


# -- staff sharing --------------------------------------------------------------------------------


StaffSharingPageSchema = page_of(StaffSharingSchema, "StaffSharingPageSchema")


StaffSharingApprovalPageSchema = page_of(StaffSharingApprovalSchema, "StaffSharingApprovalPageSchema")


def _sharing_reader() -> None:
    if not permissions.can_view_sharing(current_user):
        abort(403)


def _decide(row: StaffSharing | StaffSharingApproval, decision: str) -> None:
    if decision == SharingStatus.INGETROKKEN:
        if not isinstance(row, StaffSharing) or not permissions.can_request_sharing(current_user):
            abort(403)
        ops.withdraw_staff_sharing(row)
    else:
        if not permissions.can_decide_sharing(current_user, row):
            abort(403)
        ops.decide_staff_sharing(row, decision, user=current_user)


@blp.route("/staff-sharings")
@allow(MEMBERS, write=STAFF)
class StaffSharingList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, StaffSharingPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the caller's municipality's employees put at partners' disposal (HR and AD)."""
        _sharing_reader()
        stmt = select(StaffSharing).where(StaffSharing.tenant_id == current_user.tenant_id).order_by(StaffSharing.id)
        return page_envelope(paginate(stmt))

    @blp.arguments(CreateStaffSharingSchema)
    @blp.response(201, StaffSharingSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Request a terbeschikkingstelling of an own employee; both ADs are asked to approve."""
        if not permissions.can_request_sharing(current_user):
            abort(403)
        row = ops.create_staff_sharing(data, user=current_user)
        return row


@blp.route("/staff-sharings/overview")
@allow(MEMBERS, write=STAFF)
class StaffSharingOverview(MethodView):
    @blp.response(200, FteOverviewSchema)
    def get(self) -> Any:
        """Return today's FTE given to and received from each partner."""
        _sharing_reader()
        return ops.staff_sharing_overview(current_user.tenant_id)


@blp.route("/staff-sharings/<int:sharing_id>")
@allow(MEMBERS, write=STAFF)
class StaffSharingItem(MethodView):
    @blp.response(200, StaffSharingSchema)
    def get(self, sharing_id: int) -> Any:
        """Return one terbeschikkingstelling of the caller's municipality (404 for others)."""
        _sharing_reader()
        return get_owned_or_404(StaffSharing, sharing_id, current_user.tenant_id)


@blp.route("/staff-sharings/<int:sharing_id>/decision")
@allow(MEMBERS, write=STAFF)
class StaffSharingDecision(MethodView):
    @blp.arguments(SharingDecisionSchema)
    @blp.response(200, StaffSharingSchema)
    def post(self, data: dict[str, Any], sharing_id: int) -> Any:
        """Record the home AD's decision, or withdraw the request (HR)."""
        _sharing_reader()
        row = get_owned_or_404(StaffSharing, sharing_id, current_user.tenant_id)
        _decide(row, data["decision"])
        return row


@blp.route("/staff-sharing-approvals")
@allow(MEMBERS, write=STAFF)
class StaffSharingApprovalList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, StaffSharingApprovalPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List partners' employees put at the caller's municipality's disposal."""
        _sharing_reader()
        stmt = (
            select(StaffSharingApproval)
            .where(StaffSharingApproval.tenant_id == current_user.tenant_id)
            .order_by(StaffSharingApproval.id)
        )
        return page_envelope(paginate(stmt))


@blp.route("/staff-sharing-approvals/<int:approval_id>")
@allow(MEMBERS, write=STAFF)
class StaffSharingApprovalItem(MethodView):
    @blp.response(200, StaffSharingApprovalSchema)
    def get(self, approval_id: int) -> Any:
        """Return one received terbeschikkingstelling (404 for others)."""
        _sharing_reader()
        return get_owned_or_404(StaffSharingApproval, approval_id, current_user.tenant_id)


@blp.route("/staff-sharing-approvals/<int:approval_id>/decision")
@allow(MEMBERS, write=STAFF)
class StaffSharingApprovalDecision(MethodView):
    @blp.arguments(SharingDecisionSchema)
    @blp.response(200, StaffSharingApprovalSchema)
    def post(self, data: dict[str, Any], approval_id: int) -> Any:
        """Record the host AD's decision."""
        _sharing_reader()
        row = get_owned_or_404(StaffSharingApproval, approval_id, current_user.tenant_id)
        _decide(row, data["decision"])
        return row


# -- trainings ------------------------------------------------------------------------------------


TrainingPageSchema = page_of(TrainingSchema, "TrainingPageSchema")


class AttendanceSchema(Schema):
    """A training with its attendance list."""

    training = fields.Nested(TrainingSchema)
    seats = fields.List(fields.Nested(SeatSchema))


class EnrolSchema(Schema):
    """Load an enrolment request."""

    training_id = fields.Integer(required=True)


EnrolmentPageSchema = page_of(EnrolmentSchema, "EnrolmentPageSchema")


def _enrolment(enrolment_id: int) -> Enrolment:
    row = get_owned_or_404(Enrolment, enrolment_id, current_user.tenant_id)
    if not permissions.can_view_enrolment(current_user, row):
        abort(404)
    return row


@blp.route("/trainings")
@allow(MEMBERS, write=STAFF)
class TrainingList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, TrainingPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List own trainings and those partners open to the caller's tenant."""
        return page_envelope(paginate(ops.visible_trainings()))

    @blp.arguments(CreateTrainingSchema)
    @blp.response(201, TrainingSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Plan a training of the caller's tenant (sessions in Brussels time)."""
        if not permissions.can_create(current_user):
            abort(403)
        obj = ops.create_training(data, author_id=current_user.id)
        return obj


@blp.route("/trainings/<int:training_id>")
@allow(MEMBERS, write=STAFF)
class TrainingItem(MethodView):
    @blp.response(200, TrainingSchema)
    def get(self, training_id: int) -> Any:
        """Return one training (404 when not visible)."""
        return get_visible_or_404(Training, training_id)


@blp.route("/trainings/<int:training_id>/attendance")
@allow(MEMBERS, write=STAFF)
class TrainingAttendance(MethodView):
    @blp.response(200, AttendanceSchema)
    def get(self, training_id: int) -> Any:
        """Return the attendance list of an own training (the organiser's HR only; others 404)."""
        obj = get_owned_or_404(Training, training_id, current_user.tenant_id)
        if not permissions.can_manage_seats(current_user, obj):
            abort(404)
        return {"training": obj, "seats": ops.attendance_list(obj)}


@blp.route("/enrolments")
@allow(MEMBERS, write=STAFF)
class EnrolmentList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, EnrolmentPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the caller's enrolments (HR: all of the own municipality's staff)."""
        stmt = select(Enrolment).where(Enrolment.tenant_id == current_user.tenant_id)
        if not permissions.is_hr(current_user):
            stmt = stmt.where(Enrolment.user_id == current_user.id)
        return page_envelope(paginate(stmt.order_by(Enrolment.id)))

    @blp.arguments(EnrolSchema)
    @blp.response(201, EnrolmentSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Enrol the caller in a visible training (404 otherwise); their own HR approves."""
        obj = get_visible_or_404(Training, data["training_id"])
        if not permissions.can_enrol(current_user, obj):
            abort(403)
        row = ops.enrol(obj, current_user)
        return row


@blp.route("/enrolments/<int:enrolment_id>")
@allow(MEMBERS, write=STAFF)
class EnrolmentItem(MethodView):
    @blp.response(200, EnrolmentSchema)
    def get(self, enrolment_id: int) -> Any:
        """Return one enrolment (the participant and their HR)."""
        return _enrolment(enrolment_id)


@blp.route("/enrolments/<int:enrolment_id>/decision")
@allow(MEMBERS, write=STAFF)
class EnrolmentDecision(MethodView):
    @blp.arguments(EnrolmentDecisionSchema)
    @blp.response(200, EnrolmentSchema)
    def post(self, data: dict[str, Any], enrolment_id: int) -> Any:
        """Approve or refuse (own HR), or cancel (participant or HR) an enrolment."""
        row = _enrolment(enrolment_id)
        if data["action"] == "annuleren":
            ops.cancel_enrolment(row)
        else:
            if not permissions.can_decide_enrolment(current_user, row):
                abort(403)
            ops.decide_enrolment(row, data["action"] == "goedkeuren", user=current_user)
        return row


# -- function catalogue ---------------------------------------------------------------------------


FunctionPageSchema = page_of(FunctionSchema, "FunctionPageSchema")


class FunctionDetailSchema(FunctionSchema):
    """A function description with the grades the caller may see."""

    grades = fields.List(fields.Nested(FunctionGradeSchema))


@blp.route("/functions")
@allow(MEMBERS, write=STAFF)
class FunctionList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, FunctionPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the function catalogue: own descriptions and those partners share."""
        return page_envelope(paginate(select(JobFunction).order_by(JobFunction.level, JobFunction.title)))

    @blp.arguments(CreateFunctionSchema)
    @blp.response(201, FunctionSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Describe a function in the caller's catalogue."""
        if not permissions.can_create(current_user):
            abort(403)
        obj = ops.create_function(data)
        return obj


@blp.route("/functions/comparison")
@allow(MEMBERS, write=STAFF)
class FunctionComparison(MethodView):
    @blp.response(200, ComparisonRowSchema(many=True))
    def get(self) -> Any:
        """Compare the grades per municipality for every visible function."""
        return ops.function_comparison()


@blp.route("/functions/<int:function_id>")
@allow(MEMBERS, write=STAFF)
class FunctionItem(MethodView):
    @blp.response(200, FunctionDetailSchema)
    def get(self, function_id: int) -> Any:
        """Return a function description with the visible grades (404 when not visible)."""
        obj = get_visible_or_404(JobFunction, function_id)
        grades = list(db.session.scalars(select(FunctionGrade).where(FunctionGrade.function_id == obj.id)))
        fields_ = {name: getattr(obj, name) for name in (*ops.FUNCTION_FIELDS, "id", "audience", "tenant")}
        return SimpleNamespace(**fields_, grades=grades)


@blp.route("/functions/<int:function_id>/grade")
@allow(MEMBERS, write=STAFF)
class FunctionGradeItem(MethodView):
    @blp.arguments(SetGradeSchema)
    @blp.response(200, FunctionGradeSchema)
    def put(self, data: dict[str, Any], function_id: int) -> Any:
        """Set the caller's municipality's grade for a visible function (its own row)."""
        obj = get_visible_or_404(JobFunction, function_id)
        if not permissions.can_grade(current_user):
            abort(403)
        row = ops.set_grade(obj, data)
        return row


# -- recruitment reserve --------------------------------------------------------------------------


ReservePageSchema = page_of(ReserveSchema, "ReservePageSchema")


class OfferedSchema(Schema):
    """A candidate a partner may ask for: only the rank leaves the owner."""

    id = fields.Integer()
    rank = fields.Integer()


class ReserveDetailSchema(ReserveSchema):
    """A reserve with its laureates (owner's HR) or the offered ranks (partners)."""

    candidates = fields.List(fields.Nested(CandidateSchema))
    offered = fields.List(fields.Nested(OfferedSchema))


def _hr_only() -> None:
    if not permissions.is_hr(current_user):
        abort(403)


@blp.route("/reserves")
@allow(MEMBERS, write=STAFF)
class ReserveList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ReservePageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List own reserves and those partners share (HR and AD)."""
        _hr_only()
        return page_envelope(paginate(select(Reserve).order_by(Reserve.id.desc())))

    @blp.arguments(CreateReserveSchema)
    @blp.response(201, ReserveSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Open a reserve of the caller's municipality."""
        _hr_only()
        obj = ops.create_reserve(data, author_id=current_user.id)
        return obj


@blp.route("/reserves/<int:reserve_id>")
@allow(MEMBERS, write=STAFF)
class ReserveItem(MethodView):
    @blp.response(200, ReserveDetailSchema)
    def get(self, reserve_id: int) -> Any:
        """Return a reserve: laureates for the owner's HR, offered ranks for a partner."""
        _hr_only()
        obj = get_visible_or_404(Reserve, reserve_id)
        own = permissions.can_manage_reserve(current_user, obj)
        fields_ = {n: getattr(obj, n) for n in ("id", "title", "function_name", "grade", "selected_on",
                                                 "valid_until", "audience", "tenant")}  # fmt: skip
        return SimpleNamespace(
            **fields_, candidates=obj.candidates if own else [], offered=[] if own else ops.offered_candidates(obj)
        )


@blp.route("/reserves/<int:reserve_id>/candidates")
@allow(MEMBERS, write=STAFF)
class ReserveCandidates(MethodView):
    @blp.arguments(CreateCandidateSchema)
    @blp.response(201, CandidateSchema)
    def post(self, data: dict[str, Any], reserve_id: int) -> Any:
        """Add a laureate to an own reserve (others 404)."""
        obj = get_owned_or_404(Reserve, reserve_id, current_user.tenant_id)
        if not permissions.can_manage_reserve(current_user, obj):
            abort(404)
        row = ops.add_candidate(obj, data)
        return row


@blp.route("/reserve-requests")
@allow(MEMBERS, write=STAFF)
class ReserveRequestList(MethodView):
    @blp.response(200, ReserveRequestSchema(many=True))
    def get(self) -> Any:
        """List the caller's municipality's requests for partners' candidates."""
        _hr_only()
        return list(db.session.scalars(select(ReserveRequest).order_by(ReserveRequest.id)))

    @blp.arguments(RequestCandidateSchema)
    @blp.response(201, ReserveRequestSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Ask for a consenting candidate of a reserve shared with the caller (404 when not visible)."""
        _hr_only()
        obj = get_visible_or_404(Reserve, data.get("reserve_id") or 0)
        if not permissions.can_request_candidate(current_user, obj):
            abort(403)
        row = ops.request_candidate(obj, data["candidate_id"], user=current_user, motivation=data["motivation"])
        return row


@blp.route("/reserve-requests/<int:request_id>")
@allow(MEMBERS, write=STAFF)
class ReserveRequestItem(MethodView):
    @blp.response(200, ReserveRequestSchema)
    def get(self, request_id: int) -> Any:
        """Return an own request (with the candidate's contact once approved)."""
        _hr_only()
        return get_owned_or_404(ReserveRequest, request_id, current_user.tenant_id)


@blp.route("/reserve-decisions")
@allow(MEMBERS, write=STAFF)
class ReserveDecisionList(MethodView):
    @blp.response(200, ReserveDecisionDumpSchema(many=True))
    def get(self) -> Any:
        """List partners' requests for the caller's candidates."""
        _hr_only()
        return list(db.session.scalars(select(ReserveRequestDecision).order_by(ReserveRequestDecision.id)))


@blp.route("/reserve-decisions/<int:decision_id>")
@allow(MEMBERS, write=STAFF)
class ReserveDecisionItem(MethodView):
    @blp.arguments(ReserveDecisionSchema)
    @blp.response(200, ReserveDecisionDumpSchema)
    def post(self, data: dict[str, Any], decision_id: int) -> Any:
        """Approve or refuse a partner's request for one of the caller's candidates."""
        _hr_only()
        row = get_owned_or_404(ReserveRequestDecision, decision_id, current_user.tenant_id)
        if data["decision"] == RequestStatus.INGETROKKEN:
            abort(422)
        ops.decide_reserve_request(row, data["decision"] == RequestStatus.GOEDGEKEURD, user=current_user)
        return row
