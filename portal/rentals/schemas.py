"""Marshmallow schemas for resources and reservations, shared by the HTML forms and the API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from portal.core.schemas import check_audience, owner_ref
from portal.rentals.models import (
    CATEGORIES,
    HANDOVER_MODES,
    INSURERS,
    KINDS,
    UNITS,
    Category,
    HandoverMode,
    Insurer,
    ResourceKind,
    Unit,
)
from portal.rentals.operations.availability import ends_after_start
from portal.rentals.operations.settlement import settlement_period
from tenants.context import BRUSSELS


def _msg(text: Any) -> str:
    return str(text)


class BlackoutSchema(Schema):
    """One blackout period (inclusive dates)."""

    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=200))


def _money(**kw: Any) -> fields.Decimal:
    return fields.Decimal(
        places=2,
        validate=validate.Range(min=Decimal("0"), max=Decimal("99999999"), error=_msg(_l("Geef een bedrag vanaf 0."))),
        **kw,
    )


class CreateResourceSchema(Schema):
    """Load a new or edited resource."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=_msg(_l("De naam moet tussen 2 en 200 tekens lang zijn."))),
    )
    kind = fields.String(load_default=ResourceKind.MATERIEEL, validate=validate.OneOf(KINDS))
    category = fields.String(load_default=Category.ANDER, validate=validate.OneOf(CATEGORIES))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    quantity = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=100000, error=_msg(_l("Geef een aantal vanaf 1.")))
    )
    capacity = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100000))
    pickup_address = fields.String(load_default="", validate=validate.Length(max=300))
    needs_towing_vehicle = fields.Boolean(load_default=False)
    needs_certified_operator = fields.Boolean(load_default=False)
    min_notice_hours = fields.Integer(load_default=0, validate=validate.Range(min=0, max=24 * 365))
    max_length_hours = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=24 * 365))
    buffer_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=60 * 24 * 30))
    unit = fields.String(load_default=Unit.DAG, validate=validate.OneOf(UNITS))
    price_own = _money(load_default=Decimal("0"))
    price_partner = _money(load_default=Decimal("0"))
    price_external = _money(load_default=Decimal("0"))
    deposit = _money(load_default=Decimal("0"))
    delivery_available = fields.Boolean(load_default=False)
    delivery_cost = _money(load_default=Decimal("0"))
    insured_by = fields.String(load_default=Insurer.EIGENAAR, validate=validate.OneOf(INSURERS))
    insurer = fields.String(load_default="", validate=validate.Length(max=200))
    policy_number = fields.String(load_default="", validate=validate.Length(max=100))
    insurance_notes = fields.String(load_default="", validate=validate.Length(max=1000))
    required_certificate = fields.String(load_default="", validate=validate.Length(max=200))
    blackouts = fields.List(fields.Nested(BlackoutSchema), load_default=list)
    audience = fields.String(load_default="own", validate=validate.OneOf(["own", "region", "partners"]))
    region_id = fields.Integer(load_default=None, allow_none=True)
    partner_ids = fields.List(fields.Integer(), load_default=list)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Require a region or partners for those audiences; halls are single units."""
        check_audience(data)
        if data.get("delivery_cost") and not data.get("delivery_available"):
            raise ValidationError(_msg(_l("Een leveringskost kan alleen als je levering aanbiedt.")), "delivery_cost")
        if data.get("kind") == ResourceKind.ZAAL and (data.get("quantity") or 1) != 1:
            raise ValidationError(_msg(_l("Een zaal is één eenheid.")), "quantity")
        for item in data.get("blackouts") or []:
            if item["ends_on"] < item["starts_on"]:
                raise ValidationError(_msg(_l("Een blokkering eindigt vóór ze begint.")), "blackouts")


def _aware(value: datetime) -> datetime:
    """Read a naive datetime as Brussels time."""
    return value.replace(tzinfo=BRUSSELS) if value.tzinfo is None else value


class _PeriodSchema(Schema):
    """Base of a schema with ``starts_at`` and ``ends_at``: Brussels time, the end after the start."""

    @validates_schema
    def check_period(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse an end before the start."""
        if (
            "starts_at" in data
            and "ends_at" in data
            and not ends_after_start(_aware(data["starts_at"]), _aware(data["ends_at"]))
        ):
            raise ValidationError(_msg(_l("Het einde moet na het begin liggen.")), "ends_at")

    @post_load
    def localise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Make both moments timezone-aware."""
        data["starts_at"] = _aware(data["starts_at"])
        data["ends_at"] = _aware(data["ends_at"])
        return data


class CreateReservationSchema(_PeriodSchema):
    """Load a reservation request; naive times are Brussels time."""

    resource_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    starts_at = fields.DateTime(required=True, error_messages={"invalid": _msg(_l("Geef een geldig begin."))})
    ends_at = fields.DateTime(required=True, error_messages={"invalid": _msg(_l("Geef een geldig einde."))})
    quantity = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=100000, error=_msg(_l("Geef een aantal vanaf 1.")))
    )
    purpose = fields.String(load_default="", validate=validate.Length(max=500))
    #: When the period is full, wait for a free slot instead of answering 409.
    waitlist = fields.Boolean(load_default=False)
    handover_mode = fields.String(
        load_default=HandoverMode.AFHALEN,
        validate=validate.OneOf(HANDOVER_MODES, error=_msg(_l("Kies afhalen of levering."))),
    )


class AvailabilityArgsSchema(_PeriodSchema):
    """Query arguments of the availability search."""

    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    category = fields.String(load_default=None, validate=validate.OneOf(CATEGORIES))
    owner_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class DecisionSchema(Schema):
    """Load an owner's step on a booking; pick-up and return carry the condition report."""

    action = fields.String(
        required=True, validate=validate.OneOf(["goedkeuren", "weigeren", "afhalen", "terugbrengen", "afrekenen"])
    )
    note = fields.String(load_default="", validate=validate.Length(max=500))
    condition = fields.String(load_default="", validate=validate.Length(max=5000))
    has_damage = fields.Boolean(load_default=False)
    damage_report = fields.String(load_default="", validate=validate.Length(max=5000))


class AcceptLoanAgreementSchema(Schema):
    """Load the requester's acceptance of a loan agreement."""

    accept = fields.Boolean(load_default=False)
    requester_policy_number = fields.String(load_default="", validate=validate.Length(max=100))
    operator_name = fields.String(load_default="", validate=validate.Length(max=200))
    operator_certificate = fields.String(load_default="", validate=validate.Length(max=200))


class LoanAgreementSchema(Schema):
    """Dump the loan agreement of a reservation and its acceptance."""

    reservation_id = fields.Integer(attribute="id")
    status = fields.String()
    terms = fields.Dict(attribute="agreement_terms", allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    accepted_by_name = fields.String()
    requester_policy_number = fields.String()
    operator_name = fields.String()
    operator_certificate = fields.String()


class RentalSettlementArgsSchema(Schema):
    """Query arguments of the settlement: a period of dates (end exclusive)."""

    van = fields.Date(load_default=None, error_messages={"invalid": _msg(_l("Geef een geldige begindatum."))})
    tot = fields.Date(load_default=None, error_messages={"invalid": _msg(_l("Geef een geldige einddatum."))})

    @validates_schema
    def check_period(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse an end before the start (a default included) and periods longer than five years."""
        start, end = settlement_period(data.get("van"), data.get("tot"))
        if not ends_after_start(start, end):
            raise ValidationError(_msg(_l("De einddatum moet na de begindatum liggen.")), "tot")
        if data.get("van") and data.get("tot") and (end - start).days > 366 * 5:
            raise ValidationError(_msg(_l("Kies een periode van hoogstens vijf jaar.")), "tot")

    @post_load
    def fill_period(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Fill in the default period: from 1 January for a year, or a year from the start."""
        data["van"], data["tot"] = settlement_period(data.get("van"), data.get("tot"))
        return data


class RentalSettlementRowSchema(Schema):
    """Dump one pair of municipalities in the settlement."""

    partner = owner_ref("partner")
    lent_count = fields.Integer()
    lent_amount = fields.Decimal(as_string=True)
    borrowed_count = fields.Integer()
    borrowed_amount = fields.Decimal(as_string=True)
    balance = fields.Decimal(as_string=True)


class RentalSettlementSchema(Schema):
    """Dump the settlement of a period for the caller's tenant."""

    starts_on = fields.Date()
    ends_on = fields.Date()
    rows = fields.List(fields.Nested(RentalSettlementRowSchema))


class ResourceSchema(Schema):
    """Dump a resource."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    category = fields.String()
    description = fields.String()
    quantity = fields.Integer()
    is_single_unit = fields.Boolean()
    capacity = fields.Integer(allow_none=True)
    pickup_address = fields.String()
    needs_towing_vehicle = fields.Boolean()
    needs_certified_operator = fields.Boolean()
    min_notice_hours = fields.Integer()
    max_length_hours = fields.Integer(allow_none=True)
    buffer_minutes = fields.Integer()
    blackouts = fields.List(fields.Dict())
    unit = fields.String()
    price_own = fields.Decimal(as_string=True)
    price_partner = fields.Decimal(as_string=True)
    price_external = fields.Decimal(as_string=True)
    deposit = fields.Decimal(as_string=True)
    delivery_available = fields.Boolean()
    delivery_cost = fields.Decimal(as_string=True)
    insured_by = fields.String()
    insurer = fields.String()
    policy_number = fields.String()
    insurance_notes = fields.String()
    required_certificate = fields.String()
    audience = fields.String()
    owner = owner_ref()
    photos = fields.Method("dump_photos", metadata={"description": "Photos in order; the first is the main photo."})

    def dump_photos(self, obj: Any) -> list[dict[str, Any]]:
        """Return the addresses of the resource's photos (large and thumbnail), main photo first."""
        from flask import url_for

        from portal.rentals.operations import resource_photos

        return [
            {
                "id": p.id,
                "is_main": index == 0,
                "url": url_for("rentals.resource_photo", resource_id=obj.id, photo_id=p.id),
                "thumbnail_url": url_for("rentals.resource_thumbnail", resource_id=obj.id, photo_id=p.id),
                "width": p.width,
                "height": p.height,
                "alt": obj.name,
            }
            for index, p in enumerate(resource_photos(obj))
        ]


class AvailableSchema(Schema):
    """Dump one search hit."""

    resource = fields.Nested(ResourceSchema)
    free = fields.Integer()


class _RentalRowSchema(Schema):
    """The fields both rows of a reservation dump (the requester's and the owner's)."""

    id = fields.Integer()
    resource_id = fields.Integer()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    quantity = fields.Integer()
    purpose = fields.String()
    status = fields.String()
    tariff_class = fields.String()
    price = fields.Decimal(as_string=True)
    deposit = fields.Decimal(as_string=True)
    decision_note = fields.String()
    accepted_at = fields.DateTime(allow_none=True)
    picked_up_at = fields.DateTime(allow_none=True)
    pickup_report = fields.String()
    returned_at = fields.DateTime(allow_none=True)
    return_report = fields.String()
    has_damage = fields.Boolean()
    damage_report = fields.String()
    group_key = fields.String(allow_none=True)
    group_kind = fields.String(allow_none=True)
    handover_mode = fields.String()
    delivery_cost = fields.Decimal(as_string=True)
    offer_expires_at = fields.DateTime(allow_none=True)


class ReservationSchema(_RentalRowSchema):
    """Dump the requester's reservation."""

    resource_name = fields.String()
    owner = owner_ref("owner")
    unit = fields.String()


class BookingSchema(_RentalRowSchema):
    """Dump the owner's booking."""

    resource_name = fields.String(attribute="resource.name")
    requester = owner_ref("requester")
    blocked_until = fields.DateTime()


# -- basket, weekly series, request groups, waitlist offers ---------------------------------


class CreateBasketItemSchema(CreateReservationSchema):
    """Load a line for the basket: a reservation request with pick-up or delivery."""


class BasketLineSchema(Schema):
    """Dump one basket line with its computed (not yet frozen) price."""

    id = fields.Integer(attribute="item.id")
    number = fields.Integer()
    resource_id = fields.Integer(attribute="item.resource_id")
    resource_name = fields.String(attribute="item.resource_name")
    owner = owner_ref("owner")
    starts_at = fields.DateTime(attribute="item.starts_at")
    ends_at = fields.DateTime(attribute="item.ends_at")
    quantity = fields.Integer(attribute="item.quantity")
    purpose = fields.String(attribute="item.purpose")
    handover_mode = fields.String(attribute="item.handover_mode")
    tariff_class = fields.String()
    price = fields.Decimal(as_string=True)
    delivery_cost = fields.Decimal(as_string=True)
    deposit = fields.Decimal(as_string=True)
    free = fields.Integer()
    problem = fields.String(allow_none=True)


class BasketSchema(Schema):
    """Dump the caller's basket: its lines per owner and the lines that dropped out."""

    lines = fields.List(fields.Nested(BasketLineSchema))
    dropped = fields.List(fields.String())
    total_price = fields.Decimal(as_string=True)
    total_deposit = fields.Decimal(as_string=True)


class RequestGroupSchema(Schema):
    """Dump one request group (the basket's lines for one owner, or a weekly series) of the caller."""

    group_key = fields.String()
    group_kind = fields.String()
    owner = owner_ref("owner")
    reservations = fields.List(fields.Nested(lambda: ReservationSchema()))


class SubmittedBasketSchema(Schema):
    """Dump the request groups a basket became: one per owner."""

    groups = fields.List(fields.Nested(RequestGroupSchema))


class CreateSeriesSchema(Schema):
    """Load a weekly series of a hall: the first and last date and the wall-clock hours in Brussels."""

    resource_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    first_on = fields.Date(required=True, error_messages={"invalid": _msg(_l("Geef een geldige eerste datum."))})
    last_on = fields.Date(required=True, error_messages={"invalid": _msg(_l("Geef een geldige laatste datum."))})
    starts_time = fields.Time(required=True, error_messages={"invalid": _msg(_l("Geef een geldig beginuur."))})
    ends_time = fields.Time(required=True, error_messages={"invalid": _msg(_l("Geef een geldig einduur."))})
    purpose = fields.String(load_default="", validate=validate.Length(max=500))
    #: "alles": all or nothing; "vrije": reserve the free occurrences and report the taken ones.
    mode = fields.String(
        load_default="alles",
        validate=validate.OneOf(["alles", "vrije"], error=_msg(_l("Kies alles of niets, of enkel de vrije data."))),
    )

    @validates_schema
    def check_period(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse a last date before the first, an end hour before the start and more than 52 weeks."""
        first, last = data.get("first_on"), data.get("last_on")
        if first and last and last < first:
            raise ValidationError(_msg(_l("De laatste datum moet na de eerste liggen.")), "last_on")
        if first and last and (last - first).days // 7 + 1 > 52:
            raise ValidationError(_msg(_l("Een reeks telt hoogstens 52 keer; kies een kortere periode.")), "last_on")
        start, end = data.get("starts_time"), data.get("ends_time")
        if start and end and not ends_after_start(start, end):
            raise ValidationError(_msg(_l("Het einduur moet na het beginuur liggen.")), "ends_time")


class OccurrenceSchema(Schema):
    """Dump one skipped or taken occurrence of a series."""

    on = fields.Date()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    reason = fields.String(load_default="")


class SeriesResultSchema(Schema):
    """Dump what a series request reserved, skipped (closed days, blackouts) and found taken."""

    group_key = fields.String()
    reservations = fields.List(fields.Nested(lambda: ReservationSchema()))
    skipped = fields.List(fields.Nested(OccurrenceSchema))
    conflicts = fields.List(fields.Nested(OccurrenceSchema))


class GroupDecisionSchema(Schema):
    """Load the owner's decision on a whole request group."""

    action = fields.String(required=True, validate=validate.OneOf(["goedkeuren", "weigeren"]))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class OfferResponseSchema(Schema):
    """Load the requester's answer to a waitlist offer."""

    action = fields.String(
        required=True,
        validate=validate.OneOf(["aanvaarden", "weigeren"], error=_msg(_l("Kies aanvaarden of weigeren."))),
    )
