"""Marshmallow schemas of Gedeelde HR, shared by the HTML forms and the API."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from portal.core.schemas import OwnedSchema, check_audience, dump_with, owner_ref
from portal.hr.models import (
    APPLICATION_STATUSES,
    EMPLOYMENTS,
    GRADES,
    KINDS,
    LEVELS,
    VACANCY_STATUSES,
    Employment,
    RequestStatus,
    SharingStatus,
    VacancyKind,
)


class ShareSchema(Schema):
    """One municipality's time share in a shared post."""

    municipality_id = fields.Integer(required=True)
    share_percent = fields.Integer(
        required=True, validate=validate.Range(min=1, max=100, error=str(_l("Een aandeel ligt tussen 1 en 100%.")))
    )


class CreateVacancySchema(Schema):
    """Load a new or edited vacancy."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=str(_l("De titel moet tussen 3 en 200 tekens lang zijn."))),
        error_messages={"required": str(_l("Vul een titel in."))},
    )
    department = fields.String(load_default="", validate=validate.Length(max=120))
    function_name = fields.String(load_default="", validate=validate.Length(max=120))
    grade = fields.String(
        required=True,
        validate=validate.OneOf(GRADES, error=str(_l("Kies een geldige weddeschaal (bv. C1, B2, A1a)."))),
        error_messages={"required": str(_l("Kies een weddeschaal."))},
    )
    employment = fields.String(
        load_default=Employment.CONTRACTUEEL,
        validate=validate.OneOf(EMPLOYMENTS, error=str(_l("Kies statutair of contractueel."))),
    )
    percentage = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=100, error=str(_l("Het tewerkstellingspercentage ligt tussen 1 en 100."))),
    )
    salary_min = fields.Decimal(load_default=None, allow_none=True, places=2, validate=validate.Range(min=0))
    salary_max = fields.Decimal(load_default=None, allow_none=True, places=2, validate=validate.Range(min=0))
    description_html = fields.String(load_default="", validate=validate.Length(max=20000))
    profile_html = fields.String(load_default="", validate=validate.Length(max=20000))
    selection_steps = fields.String(load_default="", validate=validate.Length(max=2000))
    deadline_on = fields.Date(
        required=True,
        error_messages={"required": str(_l("Kies een uiterste datum.")), "invalid": str(_l("Geef een geldige datum."))},
    )
    kind = fields.String(
        load_default=VacancyKind.EXTERN, validate=validate.OneOf(KINDS, error=str(_l("Kies het soort vacature.")))
    )
    shares = fields.List(fields.Nested(ShareSchema), load_default=list)
    audience = fields.String(
        load_default="own",
        validate=validate.OneOf(["own", "region", "partners"], error=str(_l("Kies wie de vacature ziet."))),
    )
    region_id = fields.Integer(load_default=None, allow_none=True)
    partner_ids = fields.List(fields.Integer(), load_default=list)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Check the salary range, the audience and the time shares of a shared post."""
        low, high = data.get("salary_min"), data.get("salary_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(str(_l("Het minimumloon mag niet hoger zijn dan het maximum.")), "salary_max")
        check_audience(data)
        shares = data.get("shares") or []
        if data.get("kind") == VacancyKind.GEDEELD and sum(s["share_percent"] for s in shares) != 100:
            raise ValidationError(str(_l("De tijdsaandelen moeten samen 100% zijn.")), "shares")


class UpdateVacancySchema(CreateVacancySchema):
    """Load a partial update (API PATCH)."""


class VacancyStatusSchema(Schema):
    """Load a vacancy status change."""

    status = fields.String(required=True, validate=validate.OneOf(VACANCY_STATUSES, error=str(_l("Onbekende status."))))


class ApplicationStatusSchema(Schema):
    """Load an application status change."""

    status = fields.String(
        required=True, validate=validate.OneOf(APPLICATION_STATUSES, error=str(_l("Onbekende status.")))
    )
    note = fields.String(load_default="", validate=validate.Length(max=5000))


class PublicApplicationSchema(Schema):
    """Load the public application form."""

    full_name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=str(_l("Vul je naam in (2 tot 200 tekens)."))),
        error_messages={"required": str(_l("Vul je naam in."))},
    )
    email = fields.Email(
        required=True,
        validate=validate.Length(max=255),
        error_messages={
            "required": str(_l("Vul je e-mailadres in.")),
            "invalid": str(_l("Geef een geldig e-mailadres.")),
        },
    )
    motivation = fields.String(load_default="", validate=validate.Length(max=10000))
    consent = fields.Boolean(load_default=False)


class InternalApplicationSchema(Schema):
    """Load an internal application of a logged-in staff member."""

    motivation = fields.String(load_default="", validate=validate.Length(max=10000))
    consent = fields.Boolean(load_default=False)


class VacancyShareDumpSchema(Schema):
    """Dump a time share."""

    municipality = owner_ref("municipality")
    share_percent = fields.Integer()


class VacancySchema(OwnedSchema):
    """Dump a vacancy."""

    id = fields.Integer()
    title = fields.String()
    department = fields.String()
    function_name = fields.String()
    grade = fields.String()
    employment = fields.String()
    percentage = fields.Integer()
    salary_min = fields.Decimal(as_string=True, allow_none=True)
    salary_max = fields.Decimal(as_string=True, allow_none=True)
    description_html = fields.String()
    profile_html = fields.String()
    selection_steps = fields.String()
    deadline_on = fields.Date()
    kind = fields.String()
    status = fields.String()
    audience = fields.String()
    region_id = fields.Integer(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    shares = fields.List(fields.Nested(VacancyShareDumpSchema))


class ApplicationSchema(Schema):
    """Dump an application (for the owner's HR only)."""

    id = fields.Integer()
    vacancy_id = fields.Integer()
    source = fields.String()
    full_name = fields.String()
    email = fields.String()
    motivation = fields.String()
    cv_filename = fields.String(allow_none=True)
    status = fields.String()
    created_at = fields.DateTime()
    anonymised_at = fields.DateTime(allow_none=True)


# -- staff sharing --------------------------------------------------------------------------------


class CreateStaffSharingSchema(Schema):
    """Load a new terbeschikkingstelling (the home municipality's request)."""

    host_tenant_id = fields.Integer(
        required=True,
        error_messages={
            "required": str(_l("Kies het ontvangende bestuur.")),
            "invalid": str(_l("Kies het ontvangende bestuur.")),
        },
    )
    employee_name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=str(_l("Vul de naam van de medewerker in (2 tot 200 tekens)."))),
        error_messages={"required": str(_l("Vul de naam van de medewerker in."))},
    )
    job_title = fields.String(load_default="", validate=validate.Length(max=200))
    share_percent = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=100, error=str(_l("Het aandeel ligt tussen 1 en 100%."))),
        error_messages={
            "required": str(_l("Vul het aandeel in procent in.")),
            "invalid": str(_l("Het aandeel ligt tussen 1 en 100%.")),
        },
    )
    starts_on = fields.Date(
        required=True,
        error_messages={"required": str(_l("Kies een begindatum.")), "invalid": str(_l("Geef een geldige datum."))},
    )
    ends_on = fields.Date(
        required=True,
        error_messages={"required": str(_l("Kies een einddatum.")), "invalid": str(_l("Geef een geldige datum."))},
    )
    host_cost_percent = fields.Integer(
        load_default=100,
        validate=validate.Range(
            min=0, max=100, error=str(_l("Het kostenaandeel van het ontvangende bestuur ligt tussen 0 en 100%."))
        ),
        error_messages={"invalid": str(_l("Het kostenaandeel van het ontvangende bestuur ligt tussen 0 en 100%."))},
    )
    note = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Check that the period does not end before it starts."""
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError(str(_l("De einddatum ligt voor de begindatum.")), "ends_on")


class SharingDecisionSchema(Schema):
    """Load an AD decision on a terbeschikkingstelling (or the home's withdrawal)."""

    decision = fields.String(
        required=True,
        validate=validate.OneOf(
            (SharingStatus.GOEDGEKEURD, SharingStatus.GEWEIGERD, SharingStatus.INGETROKKEN),
            error=str(_l("Kies goedkeuren, weigeren of intrekken.")),
        ),
    )


class StaffSharingSchema(Schema):
    """Dump a terbeschikkingstelling as the home municipality records it."""

    id = fields.Integer()
    employee_name = fields.String()
    job_title = fields.String()
    share_percent = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    host_cost_percent = fields.Integer()
    note = fields.String()
    home_decision = fields.String()
    host_decision = fields.String()
    status = fields.String()
    host = owner_ref("host_tenant")


class StaffSharingApprovalSchema(Schema):
    """Dump the host municipality's copy of a terbeschikkingstelling."""

    id = fields.Integer()
    employee_name = fields.String()
    job_title = fields.String()
    share_percent = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    host_cost_percent = fields.Integer()
    note = fields.String()
    home_decision = fields.String()
    host_decision = fields.String()
    status = fields.String()
    home = owner_ref("home_tenant")


class FteRowSchema(Schema):
    """FTE given to and received from one partner."""

    tenant = owner_ref("tenant")
    given = fields.Decimal(as_string=True)
    received = fields.Decimal(as_string=True)


class FteOverviewSchema(Schema):
    """FTE given and received per partner on one day."""

    day = fields.Date()
    given = fields.Decimal(as_string=True)
    received = fields.Decimal(as_string=True)
    partners = fields.List(fields.Nested(FteRowSchema))


# -- trainings ------------------------------------------------------------------------------------


class TrainingSessionInputSchema(Schema):
    """One session: a day and its hours in Brussels time."""

    day = fields.Date(
        required=True,
        error_messages={
            "required": str(_l("Kies de dag van de sessie.")),
            "invalid": str(_l("Geef een geldige datum.")),
        },
    )
    starts = fields.Time(
        required=True,
        error_messages={"required": str(_l("Kies het beginuur.")), "invalid": str(_l("Geef een geldig uur (uu:mm)."))},
    )
    ends = fields.Time(
        required=True,
        error_messages={"required": str(_l("Kies het einduur.")), "invalid": str(_l("Geef een geldig uur (uu:mm)."))},
    )

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Check that a session ends after it starts."""
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            raise ValidationError(str(_l("Een sessie eindigt na haar beginuur.")), "ends")


class CreateTrainingSchema(Schema):
    """Load a new training (vorming) with its sessions and audience."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=str(_l("De titel moet tussen 3 en 200 tekens lang zijn."))),
        error_messages={"required": str(_l("Vul een titel in."))},
    )
    organiser = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=str(_l("Vul de organisator in (2 tot 200 tekens)."))),
        error_messages={"required": str(_l("Vul de organisator in."))},
    )
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    location = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=str(_l("Vul de locatie in (2 tot 200 tekens)."))),
        error_messages={"required": str(_l("Vul de locatie in."))},
    )
    seats = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=1000, error=str(_l("Het aantal plaatsen ligt tussen 1 en 1000."))),
        error_messages={
            "required": str(_l("Vul het aantal plaatsen in.")),
            "invalid": str(_l("Het aantal plaatsen ligt tussen 1 en 1000.")),
        },
    )
    price_partner = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=2,
        validate=validate.Range(min=0, error=str(_l("De prijs kan niet negatief zijn."))),
        error_messages={"invalid": str(_l("Geef een geldig bedrag."))},
    )
    sessions = fields.List(
        fields.Nested(TrainingSessionInputSchema),
        required=True,
        validate=validate.Length(min=1, max=20, error=str(_l("Plan minstens één sessie."))),
        error_messages={"required": str(_l("Plan minstens één sessie."))},
    )
    audience = fields.String(
        load_default="own",
        validate=validate.OneOf(["own", "region", "partners"], error=str(_l("Kies wie de vorming ziet."))),
    )
    region_id = fields.Integer(load_default=None, allow_none=True)
    partner_ids = fields.List(fields.Integer(), load_default=list)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Check the audience."""
        check_audience(data)


class EnrolmentDecisionSchema(Schema):
    """Load an HR decision on an enrolment, or a cancellation."""

    action = fields.String(
        required=True,
        validate=validate.OneOf(
            ["goedkeuren", "weigeren", "annuleren"], error=str(_l("Kies goedkeuren, weigeren of annuleren."))
        ),
    )


class TrainingSessionSchema(Schema):
    """Dump a session."""

    starts_at = fields.DateTime()
    ends_at = fields.DateTime()


class TrainingSchema(OwnedSchema):
    """Dump a training."""

    id = fields.Integer()
    title = fields.String()
    organiser = fields.String()
    description = fields.String()
    location = fields.String()
    seats = fields.Integer()
    price_partner = fields.Decimal(as_string=True)
    status = fields.String()
    audience = fields.String()
    region_id = fields.Integer(allow_none=True)
    sessions = fields.List(fields.Nested(TrainingSessionSchema))


class EnrolmentSchema(Schema):
    """Dump an enrolment (the participant's municipality's row)."""

    id = fields.Integer()
    user_id = fields.Integer()
    training_id = fields.Integer()
    training_title = fields.String()
    status = fields.String()
    organiser = owner_ref("training_tenant")
    created_at = fields.DateTime()


class SeatSchema(Schema):
    """Dump a participant of the attendance list (the organiser's HR only)."""

    id = fields.Integer()
    participant_name = fields.String()
    participant_email = fields.String()
    participant_tenant = owner_ref("participant_tenant")
    status = fields.String()
    is_present = fields.Boolean()


# -- function catalogue ---------------------------------------------------------------------------


class CreateFunctionSchema(Schema):
    """Load a function description of the catalogue."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=str(_l("De titel moet tussen 3 en 200 tekens lang zijn."))),
        error_messages={"required": str(_l("Vul een titel in."))},
    )
    family = fields.String(load_default="", validate=validate.Length(max=120))
    level = fields.String(
        required=True,
        validate=validate.OneOf(LEVELS, error=str(_l("Kies een niveau (A, B, C, D of E)."))),
        error_messages={"required": str(_l("Kies een niveau (A, B, C, D of E)."))},
    )
    purpose = fields.String(load_default="", validate=validate.Length(max=5000))
    tasks = fields.String(load_default="", validate=validate.Length(max=10000))
    competences = fields.String(load_default="", validate=validate.Length(max=5000))
    audience = fields.String(
        load_default="own",
        validate=validate.OneOf(["own", "region", "partners"], error=str(_l("Kies wie de functie ziet."))),
    )
    region_id = fields.Integer(load_default=None, allow_none=True)
    partner_ids = fields.List(fields.Integer(), load_default=list)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Check the audience."""
        check_audience(data)


class SetGradeSchema(Schema):
    """Load the acting municipality's grade range for a function."""

    grade_min = fields.String(
        required=True,
        validate=validate.OneOf(GRADES, error=str(_l("Kies een geldige weddeschaal (bv. C1, B2, A1a)."))),
        error_messages={"required": str(_l("Kies een weddeschaal."))},
    )
    grade_max = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(GRADES, error=str(_l("Kies een geldige weddeschaal (bv. C1, B2, A1a)."))),
    )
    note = fields.String(load_default="", validate=validate.Length(max=500))


class FunctionGradeSchema(Schema):
    """Dump one municipality's grade for a function."""

    municipality = owner_ref("tenant")
    grade_min = fields.String()
    grade_max = fields.String()
    note = fields.String()


class FunctionSchema(OwnedSchema):
    """Dump a function description."""

    id = fields.Integer()
    title = fields.String()
    family = fields.String()
    level = fields.String()
    purpose = fields.String()
    tasks = fields.String()
    competences = fields.String()
    audience = fields.String()


class ComparisonRowSchema(Schema):
    """Dump one row of the grade comparison."""

    function = fields.Nested(FunctionSchema)
    grades = fields.Method("dump_grades")
    differs = fields.Boolean()

    def dump_grades(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """Dump the grades of every municipality that shares one."""
        return list(dump_with(FunctionGradeSchema, row["grades"].values(), many=True))


# -- recruitment reserve --------------------------------------------------------------------------


class CreateReserveSchema(Schema):
    """Load a new werfreserve."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=str(_l("De titel moet tussen 3 en 200 tekens lang zijn."))),
        error_messages={"required": str(_l("Vul een titel in."))},
    )
    function_name = fields.String(load_default="", validate=validate.Length(max=120))
    grade = fields.String(
        required=True,
        validate=validate.OneOf(GRADES, error=str(_l("Kies een geldige weddeschaal (bv. C1, B2, A1a)."))),
        error_messages={"required": str(_l("Kies een weddeschaal."))},
    )
    vacancy_id = fields.Integer(load_default=None, allow_none=True)
    selected_on = fields.Date(
        required=True,
        error_messages={"required": str(_l("Kies de selectiedatum.")), "invalid": str(_l("Geef een geldige datum."))},
    )
    valid_until = fields.Date(
        required=True,
        error_messages={
            "required": str(_l("Kies tot wanneer de werfreserve geldt.")),
            "invalid": str(_l("Geef een geldige datum.")),
        },
    )
    audience = fields.String(
        load_default="own",
        validate=validate.OneOf(["own", "region", "partners"], error=str(_l("Kies wie de werfreserve ziet."))),
    )
    region_id = fields.Integer(load_default=None, allow_none=True)
    partner_ids = fields.List(fields.Integer(), load_default=list)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Check the period and the audience."""
        if data.get("selected_on") and data.get("valid_until") and data["valid_until"] < data["selected_on"]:
            raise ValidationError(str(_l("De geldigheid eindigt voor de selectiedatum.")), "valid_until")
        check_audience(data)


class CreateCandidateSchema(Schema):
    """Load a laureate of a reserve."""

    rank = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=999, error=str(_l("De rangschikking is een getal vanaf 1."))),
        error_messages={
            "required": str(_l("Vul de rangschikking in.")),
            "invalid": str(_l("De rangschikking is een getal vanaf 1.")),
        },
    )
    full_name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=str(_l("Vul de naam in (2 tot 200 tekens)."))),
        error_messages={"required": str(_l("Vul de naam in (2 tot 200 tekens)."))},
    )
    email = fields.Email(
        required=True,
        validate=validate.Length(max=255),
        error_messages={
            "required": str(_l("Vul het e-mailadres in.")),
            "invalid": str(_l("Geef een geldig e-mailadres.")),
        },
    )
    may_share = fields.Boolean(load_default=False)


class RequestCandidateSchema(Schema):
    """Load a partner's request for a candidate of a reserve."""

    reserve_id = fields.Integer(load_default=None)
    candidate_id = fields.Integer(
        required=True,
        error_messages={"required": str(_l("Kies een kandidaat.")), "invalid": str(_l("Kies een kandidaat."))},
    )
    motivation = fields.String(load_default="", validate=validate.Length(max=2000))


class ReserveDecisionSchema(Schema):
    """Load the owner's decision on a request (or the requester's withdrawal)."""

    decision = fields.String(
        required=True,
        validate=validate.OneOf(
            (RequestStatus.GOEDGEKEURD, RequestStatus.GEWEIGERD, RequestStatus.INGETROKKEN),
            error=str(_l("Kies goedkeuren, weigeren of intrekken.")),
        ),
    )


class CandidateSchema(Schema):
    """Dump a laureate (the owner's HR only)."""

    id = fields.Integer()
    rank = fields.Integer()
    full_name = fields.String()
    email = fields.String()
    may_share = fields.Boolean()
    status = fields.String()


class ReserveSchema(OwnedSchema):
    """Dump a reserve."""

    id = fields.Integer()
    title = fields.String()
    function_name = fields.String()
    grade = fields.String()
    selected_on = fields.Date()
    valid_until = fields.Date()
    audience = fields.String()


class ReserveRequestSchema(Schema):
    """Dump a request as the requesting municipality holds it."""

    id = fields.Integer()
    reserve_id = fields.Integer()
    reserve_title = fields.String()
    rank = fields.Integer()
    status = fields.String()
    candidate_name = fields.String(allow_none=True)
    candidate_email = fields.String(allow_none=True)
    owner = owner_ref("reserve_tenant")


class ReserveDecisionDumpSchema(Schema):
    """Dump a request as the reserve owner holds it."""

    id = fields.Integer()
    reserve_id = fields.Integer()
    candidate_id = fields.Integer()
    status = fields.String()
    motivation = fields.String()
    requester = owner_ref("requester_tenant")
