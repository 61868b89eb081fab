"""Marshmallow schemas for vacancies and applications, shared by the HTML forms and the API."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from portal.core.schemas import TenantRefSchema
from portal.hr.models import APPLICATION_STATUSES, EMPLOYMENTS, GRADES, KINDS, VACANCY_STATUSES


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
        load_default="contractueel",
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
        load_default="extern", validate=validate.OneOf(KINDS, error=str(_l("Kies het soort vacature.")))
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
        if data.get("audience") == "region" and not data.get("region_id"):
            raise ValidationError(str(_l("Kies het samenwerkingsverband.")), "region_id")
        if data.get("audience") == "partners" and not data.get("partner_ids"):
            raise ValidationError(str(_l("Kies minstens één partnerbestuur.")), "partner_ids")
        shares = data.get("shares") or []
        if data.get("kind") == "gedeeld" and sum(s["share_percent"] for s in shares) != 100:
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

    municipality = fields.Nested(TenantRefSchema)
    share_percent = fields.Integer()


class VacancySchema(Schema):
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
    owner = fields.Nested(TenantRefSchema, attribute="tenant")


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
