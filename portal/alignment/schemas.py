"""Marshmallow schemas of register items and proposals, shared by the pages and the REST API."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from portal.alignment.models import (
    AUDIENCE_CHOICES,
    KINDS,
    Body,
    ControlStatus,
    Decision,
    ItemKind,
    ItemStatus,
    LevyType,
    Quadrant,
)
from portal.core.schemas import OwnedSchema, check_audience, owner_ref

_MONEY_ERROR = _l("Geef een bedrag van 0 of meer, met hoogstens twee decimalen.")


def _comma_decimal(value: Any) -> Any:
    """Accept the Belgian decimal comma (2,50) as well as a point."""
    if isinstance(value, str):
        return value.strip().replace(" ", "").replace(",", ".")
    return value


class AlignmentTariffLineInSchema(Schema):
    """One tariff line: what is charged, the amount and the unit."""

    label = fields.String(
        required=True, validate=validate.Length(min=1, max=200, error=_l("Geef de omschrijving van het tarief."))
    )
    amount = fields.Decimal(
        required=True,
        places=2,
        validate=validate.Range(min=0, max=9_999_999_999, error=_MONEY_ERROR),
        error_messages={"invalid": _MONEY_ERROR},
    )
    unit = fields.String(
        required=True, validate=validate.Length(min=1, max=60, error=_l("Geef de eenheid (bv. per hek per dag)."))
    )

    @pre_load
    def comma(self, data: Any, **kwargs: Any) -> Any:
        """Read 2,50 as 2.50."""
        if isinstance(data, dict) and "amount" in data:
            data = {**data, "amount": _comma_decimal(data["amount"])}
        return data


class AlignmentRiskInSchema(Schema):
    """One risk of a process: likelihood and impact from 1 to 5, and its control."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200, error=_l("Geef het risico.")))
    likelihood = fields.Integer(
        required=True, validate=validate.Range(min=1, max=5, error=_l("Kies een kans van 1 tot 5."))
    )
    impact = fields.Integer(
        required=True, validate=validate.Range(min=1, max=5, error=_l("Kies een impact van 1 tot 5."))
    )
    control = fields.String(load_default="", validate=validate.Length(max=500))
    control_status = fields.String(
        load_default=ControlStatus.ONTBREEKT,
        validate=validate.OneOf(list(ControlStatus), error=_l("Kies de stand van de beheersmaatregel.")),
    )


class AlignmentSwotInSchema(Schema):
    """One SWOT point."""

    quadrant = fields.String(
        required=True,
        validate=validate.OneOf(list(Quadrant), error=_l("Kies sterkte, zwakte, kans of bedreiging.")),
    )
    text = fields.String(required=True, validate=validate.Length(min=1, max=500, error=_l("Geef de tekst.")))


class CreateAlignmentItemSchema(Schema):
    """Load a new or changed register item; the kind decides which fields matter."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS, error=_l("Kies een soort uit de lijst.")))
    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_l("De titel moet tussen 3 en 200 tekens lang zijn.")),
    )
    subject = fields.String(
        required=True,
        validate=validate.Length(min=2, max=120, error=_l("Geef het onderwerp (2 tot 120 tekens), bv. nadarhekken.")),
        metadata={
            "description": "As typed (shown to users); compared across municipalities by its key: "
            "case, accents, spaces and punctuation do not count."
        },
    )
    category = fields.String(
        load_default="", validate=validate.OneOf(["", *LevyType], error=_l("Kies belasting of retributie."))
    )
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    responsible = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(
        load_default=ItemStatus.ACTIEF, validate=validate.OneOf(list(ItemStatus), error=_l("Kies een status."))
    )
    valid_from_on = fields.Date(load_default=None, allow_none=True)
    valid_until_on = fields.Date(load_default=None, allow_none=True)
    decision_url = fields.Url(
        load_default=None, allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=500)
    )
    exemptions = fields.String(load_default="", validate=validate.Length(max=5000), metadata={"multiline": True})
    steps = fields.List(fields.String(validate=validate.Length(min=1, max=300)), load_default=list)
    duration_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=3650, error=_l("Geef een doorlooptijd van 0 tot 3650 dagen.")),
    )
    supplier = fields.String(load_default="", validate=validate.Length(max=200))
    contract_end_on = fields.Date(load_default=None, allow_none=True)
    users_count = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=1_000_000, error=_l("Geef 0 of meer gebruikers.")),
    )
    data_processed = fields.String(load_default="", validate=validate.Length(max=500))
    procurement_lot_id = fields.Integer(load_default=None, allow_none=True)
    channels = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list)
    opening_hours = fields.String(load_default="", validate=validate.Length(max=500))
    tariff_lines = fields.List(fields.Nested(AlignmentTariffLineInSchema), load_default=list)
    risks = fields.List(fields.Nested(AlignmentRiskInSchema), load_default=list)
    swot = fields.List(fields.Nested(AlignmentSwotInSchema), load_default=list)
    audience = fields.String(
        load_default="own", validate=validate.OneOf(AUDIENCE_CHOICES, error=_l("Kies met wie je dit deelt."))
    )
    region_id = fields.Integer(load_default=None, allow_none=True)
    partner_ids = fields.List(fields.Integer(), load_default=list)

    @validates_schema
    def check_item(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Check the fields that depend on each other and on the kind."""
        start, end = data.get("valid_from_on"), data.get("valid_until_on")
        if start and end and end < start:
            raise ValidationError(_l("Het einde van de geldigheid ligt vóór het begin."), "valid_until_on")
        kind = data.get("kind")
        if kind == ItemKind.REGLEMENT and data.get("category") not in tuple(LevyType):
            raise ValidationError(_l("Kies belasting of retributie."), "category")
        if kind != ItemKind.REGLEMENT and data.get("category"):
            raise ValidationError(_l("Alleen een reglement is een belasting of retributie."), "category")
        if data.get("tariff_lines") and kind != ItemKind.REGLEMENT:
            raise ValidationError(_l("Alleen een reglement heeft tarieven."), "tariff_lines")
        if data.get("risks") and kind != ItemKind.BEHEERSING:
            raise ValidationError(_l("Alleen een beheersingsproces heeft risico's."), "risks")
        if data.get("swot") and kind != ItemKind.DIENSTVERLENING:
            raise ValidationError(_l("Alleen het dienstverleningsmodel heeft een SWOT."), "swot")
        check_audience(data)


class AlignmentShareSchema(Schema):
    """Load who besides the owner may read an item."""

    audience = fields.String(
        required=True, validate=validate.OneOf(AUDIENCE_CHOICES, error=_l("Kies met wie je dit deelt."))
    )
    region_id = fields.Integer(load_default=None, allow_none=True)
    partner_ids = fields.List(fields.Integer(), load_default=list)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Require the region or the partners the audience needs."""
        check_audience(data)


class AlignmentTariffLineSchema(Schema):
    """A tariff line as read."""

    label = fields.String()
    amount = fields.Decimal(as_string=True)
    unit = fields.String()


class AlignmentRiskSchema(Schema):
    """A risk as read, with its score."""

    title = fields.String()
    likelihood = fields.Integer()
    impact = fields.Integer()
    score = fields.Integer()
    control = fields.String()
    control_status = fields.String()


class AlignmentSwotSchema(Schema):
    """A SWOT point as read."""

    quadrant = fields.String()
    text = fields.String()


class AlignmentItemSchema(OwnedSchema):
    """A register item as its readers see it."""

    id = fields.Integer()
    kind = fields.String()
    register = fields.String()
    title = fields.String()
    subject = fields.String(metadata={"description": "As typed"})
    subject_key = fields.String(
        dump_only=True, metadata={"description": "Comparison key (read-only): letters and digits, lower case"}
    )
    category = fields.String()
    description = fields.String()
    responsible = fields.String()
    status = fields.String()
    valid_from_on = fields.Date(allow_none=True)
    valid_until_on = fields.Date(allow_none=True)
    decision_url = fields.String()
    exemptions = fields.String()
    steps = fields.List(fields.String())
    duration_days = fields.Integer(allow_none=True)
    supplier = fields.String()
    contract_end_on = fields.Date(allow_none=True)
    users_count = fields.Integer(allow_none=True)
    data_processed = fields.String()
    procurement_lot_id = fields.Integer(allow_none=True)
    channels = fields.List(fields.String())
    opening_hours = fields.String()
    has_map = fields.Function(lambda item: item.map_storage_key is not None)
    tariff_lines = fields.List(fields.Nested(AlignmentTariffLineSchema))
    risks = fields.List(fields.Nested(AlignmentRiskSchema))
    swot = fields.List(fields.Nested(AlignmentSwotSchema))
    audience = fields.String()
    region_id = fields.Integer(allow_none=True)
    updated_at = fields.DateTime()


class AlignmentCompareArgsSchema(Schema):
    """Query arguments of a comparison: the subject and the chosen partners."""

    subject = fields.String(load_default="", validate=validate.Length(max=120))
    partner_ids = fields.List(fields.Integer(), load_default=list)


class CreateAlignmentProposalSchema(Schema):
    """Load a new harmonisation proposal."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_l("De titel moet tussen 3 en 200 tekens lang zijn.")),
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS, error=_l("Kies een soort uit de lijst.")))
    subject = fields.String(
        required=True, validate=validate.Length(min=2, max=120, error=_l("Geef het onderwerp (2 tot 120 tekens)."))
    )
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    proposed_value = fields.String(load_default="", validate=validate.Length(max=300))
    target_amount = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=2,
        validate=validate.Range(min=0, max=9_999_999_999, error=_MONEY_ERROR),
        error_messages={"invalid": _MONEY_ERROR},
    )
    unit = fields.String(load_default="", validate=validate.Length(max=60))
    partner_ids = fields.List(
        fields.Integer(), required=True, validate=validate.Length(min=1, error=_l("Kies minstens één partnerbestuur."))
    )
    item_ids = fields.List(fields.Integer(), load_default=list)
    meeting_id = fields.Integer(load_default=None, allow_none=True)

    @pre_load
    def comma(self, data: Any, **kwargs: Any) -> Any:
        """Read 2,50 as 2.50."""
        if isinstance(data, dict) and data.get("target_amount") not in (None, ""):
            data = {**data, "target_amount": _comma_decimal(data["target_amount"])}
        elif isinstance(data, dict) and data.get("target_amount") == "":
            data = {**data, "target_amount": None}
        return data


class AlignmentMeetingLinkSchema(Schema):
    """Load the beleidstafel meeting a proposal is discussed at."""

    meeting_id = fields.Integer(required=True, error_messages={"required": _l("Kies een vergadering.")})


class AlignmentDecisionSchema(Schema):
    """Load one municipality's own decision on a proposal."""

    decision = fields.String(
        required=True,
        validate=validate.OneOf(
            [Decision.GOEDGEKEURD, Decision.AFGEKEURD, Decision.UITGESTELD],
            error=_l("Kies goedgekeurd, afgekeurd of uitgesteld."),
        ),
    )
    body = fields.String(required=True, validate=validate.OneOf(list(Body), error=_l("Kies het orgaan.")))
    decided_on = fields.Date(required=True)
    reference = fields.String(
        required=True, validate=validate.Length(min=1, max=120, error=_l("Geef de referentie van de beslissing."))
    )
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ProposalPartySchema(Schema):
    """One municipality's status on a proposal."""

    tenant = owner_ref()
    decision = fields.String()
    body = fields.String(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    reference = fields.String()


class AlignmentProposalSchema(OwnedSchema):
    """A harmonisation proposal with the status per municipality."""

    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    subject = fields.String(metadata={"description": "As typed"})
    subject_key = fields.String(
        dump_only=True, metadata={"description": "Comparison key (read-only): letters and digits, lower case"}
    )
    description = fields.String()
    proposed_value = fields.String()
    target_amount = fields.Decimal(as_string=True, allow_none=True)
    unit = fields.String()
    status = fields.String()
    meeting_id = fields.Integer(allow_none=True)
    agreement_id = fields.Integer(allow_none=True)
    dossier_id = fields.Integer(allow_none=True)
    parties = fields.List(fields.Nested(ProposalPartySchema))


class AlignmentMapUploadSchema(Schema):
    """Load the process map file (multipart): a BPMN or a PDF of at most 10 MB."""

    file = Upload(required=True, metadata={"description": "BPMN (.bpmn, .xml) or PDF (.pdf), at most 10 MB"})


class AlignmentImportArgsSchema(Schema):
    """Query arguments of an import: the kind of every row, and the region to share the items with."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS, error=_l("Kies een soort uit de lijst.")))
    region_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Share the items with this region (else nobody)"}
    )


class AlignmentImportFileSchema(Schema):
    """Load the import file (multipart): CSV (; or ,) or XLSX with Dutch column headings."""

    file = Upload(required=True, metadata={"description": "CSV or XLSX; the headings of the kind's template"})


class AlignmentImportResultSchema(Schema):
    """What an import created: every row, or nothing."""

    count = fields.Integer()
    item_ids = fields.List(fields.Integer())


class AlignmentCreatedSchema(Schema):
    """The object a proposal became: its id, its API address and its page."""

    id = fields.Integer()
    url = fields.String(metadata={"description": "API address of the new object"})
    page_url = fields.String(metadata={"description": "Page of the new object in the portal"})


class AlignmentSubjectArgsSchema(Schema):
    """Query arguments of the subject suggestions: the kind of item."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS, error=_l("Kies een soort uit de lijst.")))


class AlignmentSubjectsSchema(Schema):
    """The subjects used in the caller's regions for one kind: one typed spelling per comparison key."""

    kind = fields.String()
    subjects = fields.List(fields.String())
