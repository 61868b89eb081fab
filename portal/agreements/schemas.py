"""Marshmallow schemas for agreements, shared by the HTML forms and the API."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from portal.agreements.models import BODIES, CRITERIA, DECISIONS, DOMAINS, LEGAL_FORMS, MATRIX_DOMAINS, OUTCOMES
from portal.core.schemas import owner_ref


class CreateAgreementSchema(Schema):
    """Load a new or changed draft agreement."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_l("De titel moet tussen 3 en 200 tekens lang zijn.")),
    )
    legal_form = fields.String(
        required=True, validate=validate.OneOf(list(LEGAL_FORMS), error=_l("Kies een rechtsvorm uit de lijst."))
    )
    domains = fields.List(
        fields.String(validate=validate.OneOf(list(DOMAINS), error=_l("Kies een domein uit de lijst."))),
        required=True,
        validate=validate.Length(min=1, error=_l("Kies minstens één domein.")),
    )
    partner_ids = fields.List(
        fields.Integer(), required=True, validate=validate.Length(min=1, error=_l("Kies minstens één partnerbestuur."))
    )
    region_id = fields.Integer(load_default=None, allow_none=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(load_default=None, allow_none=True)
    renewal_rule = fields.String(load_default="", validate=validate.Length(max=500))
    notice_months = fields.Integer(
        load_default=6, validate=validate.Range(min=0, max=60, error=_l("Kies een opzegtermijn van 0 tot 60 maanden."))
    )
    cost_key = fields.String(load_default="", validate=validate.Length(max=500))
    evaluation_months = fields.Integer(
        load_default=12,
        validate=validate.Range(min=0, max=120, error=_l("Kies een evaluatiecyclus van 0 tot 120 maanden.")),
    )
    text_html = fields.String(load_default="", validate=validate.Length(max=100_000))

    @validates_schema
    def check_dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse an end date that is not after the start."""
        if data.get("end_date") and data.get("start_date") and data["end_date"] <= data["start_date"]:
            raise ValidationError(_l("De einddatum moet na de begindatum liggen."), "end_date")


class ApprovalSchema(Schema):
    """Load one party's council or college decision."""

    body = fields.String(required=True, validate=validate.OneOf(list(BODIES), error=_l("Kies het orgaan.")))
    decision = fields.String(
        required=True, validate=validate.OneOf(list(DECISIONS), error=_l("Kies goedgekeurd of afgekeurd."))
    )
    decided_on = fields.Date(required=True)
    reference = fields.String(
        required=True, validate=validate.Length(min=1, max=120, error=_l("Geef de referentie van de beslissing."))
    )
    # Optional: an empty form field arrives as None.
    url = fields.Url(load_default=None, allow_none=True, validate=validate.Length(max=500), schemes={"http", "https"})


class VersionSchema(Schema):
    """Load a new version of a live agreement."""

    text_html = fields.String(required=True, validate=validate.Length(min=1, max=100_000))
    change_note = fields.String(
        required=True, validate=validate.Length(min=3, max=500, error=_l("Beschrijf kort wat er verandert."))
    )


class EvaluationSchema(Schema):
    """Load the outcome of an evaluation."""

    scores = fields.Dict(keys=fields.String(validate=validate.OneOf(list(CRITERIA))), values=fields.Integer())
    outcome = fields.String(required=True, validate=validate.OneOf(list(OUTCOMES), error=_l("Kies een besluit.")))
    recommendation = fields.String(load_default="", validate=validate.Length(max=5000))
    meeting_reference = fields.String(load_default="", validate=validate.Length(max=300))
    meeting_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def check_scores(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Require a score from 1 to 5 for every criterion."""
        scores = data.get("scores") or {}
        if set(scores) != set(CRITERIA) or any(not 1 <= v <= 5 for v in scores.values()):
            raise ValidationError(_l("Geef elk criterium een score van 1 tot 5."), "scores")


class InformalSchema(Schema):
    """Load an informal cooperation (level 1 of the matrix)."""

    partner_tenant_id = fields.Integer(required=True)
    domain = fields.String(required=True, validate=validate.OneOf(list(MATRIX_DOMAINS), error=_l("Kies een domein.")))
    note = fields.String(
        required=True, validate=validate.Length(min=3, max=500, error=_l("Beschrijf de samenwerking kort."))
    )


class PartySchema(Schema):
    """Dump a party."""

    tenant = owner_ref()
    role = fields.String()
    withdrawn_on = fields.Date(allow_none=True)
    withdrawal_effective_on = fields.Date(allow_none=True)


class AgreementSummarySchema(Schema):
    """Dump what every viewer of an agreement may see: title, parties, status."""

    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    trekker = owner_ref()
    parties = fields.List(fields.Nested(PartySchema))


class ApprovalDumpSchema(Schema):
    """Dump a recorded decision."""

    version = fields.Integer()
    tenant = owner_ref()
    body = fields.String()
    decision = fields.String()
    decided_on = fields.Date()
    reference = fields.String()
    url = fields.String()


class AgreementSchema(AgreementSummarySchema):
    """Dump an agreement for a party: with its terms, versions in force and pending."""

    domains = fields.List(fields.String())
    legal_form = fields.String()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    renewal_rule = fields.String()
    notice_months = fields.Integer()
    cost_key = fields.String()
    evaluation_months = fields.Integer()
    current_version = fields.Integer(allow_none=True)
    proposed_version = fields.Integer(allow_none=True)
    activated_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
