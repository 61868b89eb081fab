"""Marshmallow schemas for joint procurement, shared by the HTML forms and the API."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from portal.core.schemas import OwnedSchema, dump_with, owner_ref
from portal.procurement.models import LEGAL_FORMS, PROCEDURES, STAGES
from portal.procurement.validators import cpv_error, kbo_error


def _money(**kw: Any) -> fields.Decimal:
    return fields.Decimal(places=2, as_string=True, **kw)


def _cpv(value: str) -> None:
    message = cpv_error(value)
    if message:
        raise ValidationError(message)


def _kbo(value: str) -> None:
    message = kbo_error(value)
    if message:
        raise ValidationError(message)


def _amount(required: bool = True, **kw: Any) -> fields.Decimal:
    return fields.Decimal(
        required=required,
        places=2,
        validate=validate.Range(min=0, max=10**11, error=_l("Het bedrag moet 0 of meer zijn.")),
        error_messages={"required": str(_l("Vul een bedrag in.")), "invalid": str(_l("Geef een geldig bedrag."))},
        **kw,
    )


def _date(required: bool = True, **kw: Any) -> fields.Date:
    return fields.Date(
        required=required,
        error_messages={"required": str(_l("Vul een datum in.")), "invalid": str(_l("Geef een geldige datum."))},
        **kw,
    )


class CreatePlanSchema(Schema):
    """Load a planned purchase."""

    subject = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_l("Het onderwerp moet tussen 3 en 200 tekens lang zijn.")),
        error_messages={"required": str(_l("Vul een onderwerp in."))},
    )
    cpv_code = fields.String(required=True, validate=_cpv, error_messages={"required": str(_l("Vul een CPV-code in."))})
    estimated_value = _amount()
    expected_from_on = _date()
    expected_until_on = _date()
    notes = fields.String(load_default="", validate=validate.Length(max=5000))
    region_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def check_period(self, data: dict[str, Any], **kwargs: Any) -> None:
        """The end of the expected period cannot precede its start."""
        start, end = data.get("expected_from_on"), data.get("expected_until_on")
        if start and end and end < start:
            raise ValidationError(str(_l("Het einde van de periode ligt vóór het begin.")), "expected_until_on")


class UpdatePlanSchema(CreatePlanSchema):
    """Load a partial update of a plan (API PATCH)."""


class PlanSchema(OwnedSchema):
    """Dump a planned purchase."""

    id = fields.Integer()
    subject = fields.String()
    cpv_code = fields.String()
    estimated_value = _money()
    expected_from_on = fields.Date()
    expected_until_on = fields.Date()
    notes = fields.String()
    audience = fields.String()
    region_id = fields.Integer(allow_none=True)


class SuggestionSchema(Schema):
    """Dump a bundling suggestion."""

    own = fields.Nested(PlanSchema)
    other = fields.Nested(PlanSchema)
    combined_value = _money()


class LotInputSchema(Schema):
    """Load a lot."""

    number = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=999))
    title = fields.String(
        required=True,
        validate=validate.Length(
            min=2, max=200, error=_l("De naam van het perceel moet tussen 2 en 200 tekens lang zijn.")
        ),
        error_messages={"required": str(_l("Geef het perceel een naam."))},
    )
    unit = fields.String(load_default="stuk", validate=validate.Length(min=1, max=40))
    estimated_value = _amount(required=False, load_default=0)


class CreateDossierSchema(Schema):
    """Load a dossier."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_l("De titel moet tussen 3 en 200 tekens lang zijn.")),
        error_messages={"required": str(_l("Vul een titel in."))},
    )
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    cpv_code = fields.String(required=True, validate=_cpv, error_messages={"required": str(_l("Vul een CPV-code in."))})
    legal_form = fields.String(
        required=True,
        validate=validate.OneOf(LEGAL_FORMS, error=_l("Kies de juridische vorm.")),
        error_messages={"required": str(_l("Kies de juridische vorm."))},
    )
    procedure = fields.String(
        required=True,
        validate=validate.OneOf(PROCEDURES, error=_l("Kies de procedure.")),
        error_messages={"required": str(_l("Kies de procedure."))},
    )
    estimated_value = _amount()
    joining_deadline_on = _date(required=False, load_default=None, allow_none=True)
    allows_later_joining = fields.Boolean(load_default=False)
    lots = fields.List(fields.Nested(LotInputSchema), load_default=list)


class UpdateDossierSchema(Schema):
    """Load a partial update of a dossier (API PATCH)."""

    title = fields.String(validate=validate.Length(min=3, max=200))
    description = fields.String(validate=validate.Length(max=20000))
    cpv_code = fields.String(validate=_cpv)
    legal_form = fields.String(validate=validate.OneOf(LEGAL_FORMS))
    procedure = fields.String(validate=validate.OneOf(PROCEDURES))
    estimated_value = _amount(required=False)
    joining_deadline_on = _date(required=False, allow_none=True)
    allows_later_joining = fields.Boolean()


class StageInputSchema(Schema):
    """Load the dates of one stage."""

    stage = fields.String(required=True, validate=validate.OneOf(STAGES, error=_l("Kies een fase.")))
    planned_on = _date(required=False, load_default=None, allow_none=True)
    actual_on = _date(required=False, load_default=None, allow_none=True)


class OpenDossierSchema(Schema):
    """Load the region a dossier opens for."""

    region_id = fields.Integer(load_default=None, allow_none=True)


class LotSchema(Schema):
    """Dump a lot with its award."""

    id = fields.Integer()
    number = fields.Integer()
    title = fields.String()
    unit = fields.String()
    estimated_value = _money()
    supplier_name = fields.String(allow_none=True)
    supplier_kbo = fields.String(allow_none=True)
    awarded_value = _money(allow_none=True)
    contract_start_on = fields.Date(allow_none=True)
    contract_end_on = fields.Date(allow_none=True)
    renewal_options = fields.String()


class StageSchema(Schema):
    """Dump a stage."""

    stage = fields.String()
    planned_on = fields.Date(allow_none=True)
    actual_on = fields.Date(allow_none=True)


class DossierSchema(Schema):
    """Dump a dossier."""

    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    cpv_code = fields.String()
    legal_form = fields.String()
    procedure = fields.String()
    estimated_value = _money()
    joining_deadline_on = fields.Date(allow_none=True)
    allows_later_joining = fields.Boolean()
    status = fields.String()
    stage = fields.String()
    region_id = fields.Integer(allow_none=True)
    lead = owner_ref()
    lots = fields.List(fields.Nested(LotSchema))
    stages = fields.Method("get_stages")

    def get_stages(self, obj: Any) -> list[dict[str, Any]]:
        """Return the stages in timeline order."""
        return dump_with(StageSchema, sorted(obj.stages, key=lambda s: s.position), many=True)  # type: ignore[no-any-return]


class LineInputSchema(Schema):
    """Load the need for one lot."""

    lot_id = fields.Integer(required=True)
    quantity = fields.Decimal(
        required=True,
        places=3,
        validate=validate.Range(min=0, max=10**9, error=_l("Hoeveelheden kunnen niet negatief zijn.")),
    )
    amount = _amount(required=False, load_default=0)


class ParticipationInputSchema(Schema):
    """Load a participation: needs per lot and the mandate decision."""

    dossier_id = fields.Integer(required=True, error_messages={"required": str(_l("Kies een dossier."))})
    contact_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=160))
    lines = fields.List(fields.Nested(LineInputSchema), load_default=list)
    mandate_body = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(
            ["gemeenteraad", "college", "algemeen_directeur", "raad_voor_maatschappelijk_welzijn", "vast_bureau"],
            error=_l("Kies het orgaan dat de beslissing nam."),
        ),
    )
    mandate_on = _date(required=False, load_default=None, allow_none=True)
    mandate_reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class UpdateParticipationSchema(ParticipationInputSchema):
    """Load a change of an own participation (no dossier)."""

    dossier_id = fields.Integer(load_default=None, allow_none=True)


class LineSchema(Schema):
    """Dump one need."""

    lot_id = fields.Integer()
    quantity = fields.Decimal(places=3, as_string=True)
    amount = _money()


class ParticipationSchema(Schema):
    """Dump a participation."""

    id = fields.Integer()
    dossier_id = fields.Integer()
    status = fields.String()
    contact_name = fields.String()
    mandate_body = fields.String(allow_none=True)
    mandate_on = fields.Date(allow_none=True)
    mandate_reference = fields.String(allow_none=True)
    counts = fields.Boolean()
    participant = owner_ref()
    lines = fields.List(fields.Nested(LineSchema))


class AwardSchema(Schema):
    """Load the award of a lot."""

    supplier_name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=_l("Vul de naam van de leverancier in.")),
        error_messages={"required": str(_l("Vul de naam van de leverancier in."))},
    )
    supplier_kbo = fields.String(
        required=True, validate=_kbo, error_messages={"required": str(_l("Vul het ondernemingsnummer in."))}
    )
    awarded_value = _amount()
    contract_start_on = _date(required=False, load_default=None, allow_none=True)
    contract_end_on = _date(required=False, load_default=None, allow_none=True)
    renewal_options = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def check_contract(self, data: dict[str, Any], **kwargs: Any) -> None:
        """The contract cannot end before it starts."""
        start, end = data.get("contract_start_on"), data.get("contract_end_on")
        if start and end and end < start:
            raise ValidationError(str(_l("Het einde van het contract ligt vóór het begin.")), "contract_end_on")


class NeedsLotSchema(Schema):
    """Dump the consolidated needs of one lot."""

    lot = fields.Nested(LotSchema)
    total_quantity = fields.Decimal(places=3, as_string=True)
    total_amount = _money()
    participants = fields.Method("get_participants")

    def get_participants(self, obj: Any) -> list[dict[str, Any]]:
        """Return one row per counting participant."""
        return [
            {"tenant": p.tenant.name, "quantity": str(line.quantity), "amount": str(line.amount)}
            for p, line in obj.rows
        ]


class NeedsSchema(Schema):
    """Dump a dossier's consolidated needs."""

    dossier_id = fields.Integer()
    title = fields.String()
    lots = fields.List(fields.Nested(NeedsLotSchema))


class SavingSchema(Schema):
    """Dump the estimated versus awarded value of one municipality."""

    participant = owner_ref()
    estimated = _money()
    awarded = _money()
    saving = _money()


class SavingsSchema(Schema):
    """Dump the savings per municipality of a dossier."""

    dossier_id = fields.Integer()
    title = fields.String()
    savings = fields.List(fields.Nested(SavingSchema))


class DocumentSchema(OwnedSchema):
    """Dump a dossier document (download through the web page)."""

    id = fields.Integer()
    dossier_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    author_name = fields.String()
    created_at = fields.DateTime()
