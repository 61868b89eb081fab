"""Schemas of the links from the own plan to cooperation objects, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, pre_load, validate

from portal.core.schemas import owner_ref
from portal.core.web import MAX_ID
from portal.plans.models import LinkType

_TYPE_ERROR = _l("Kies een soort uit de lijst.")
_ID_ERROR = _l("Kies een object uit de lijst.")


def _object_type(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(list(LinkType), error=_TYPE_ERROR),
        error_messages={"required": _TYPE_ERROR, "invalid": _TYPE_ERROR, "null": _TYPE_ERROR},
        **kwargs,
    )


def _object_id(**kwargs: Any) -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID, error=_ID_ERROR),
        error_messages={"required": _ID_ERROR, "invalid": _ID_ERROR, "null": _ID_ERROR},
        **kwargs,
    )


class CreatePlanLinkSchema(Schema):
    """Link a node of the own plan to one object: its type, its id and an optional note."""

    object_type = _object_type(required=True)
    object_id = _object_id(required=True)
    note = fields.String(
        load_default="",
        validate=validate.Length(max=300, error=_l("Houd de toelichting onder 300 tekens.")),
    )

    @pre_load
    def strip(self, data: Any, **kwargs: Any) -> Any:
        """Trim the note; an empty note is no note."""
        if isinstance(data, dict) and isinstance(data.get("note"), str):
            data = {**data, "note": data["note"].strip()}
        return data


class LinkToPlanSchema(CreatePlanLinkSchema):
    """Link one object to a node of the own plan chosen on the object's side."""

    node_id = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_ID, error=_l("Kies een actie van je meerjarenplan.")),
        error_messages={
            "required": _l("Kies een actie van je meerjarenplan."),
            "invalid": _l("Kies een actie van je meerjarenplan."),
        },
    )


class PlanLinkMoneySchema(Schema):
    """What a linked object brings to the own plan, from its module's figures."""

    procurement_saving = fields.Decimal(as_string=True)
    rental_income = fields.Decimal(as_string=True)
    rental_cost = fields.Decimal(as_string=True)
    training_cost = fields.Decimal(as_string=True)
    staff_fte_given = fields.Decimal(as_string=True)
    staff_fte_received = fields.Decimal(as_string=True)
    staff_cost_recovered_fte = fields.Decimal(as_string=True)
    staff_cost_borne_fte = fields.Decimal(as_string=True)
    net = fields.Decimal(as_string=True)


class PlanLinkSchema(Schema):
    """One link of a node; an object no longer visible shows no title, owner or money."""

    id = fields.Integer()
    node_id = fields.Integer()
    object_type = fields.String()
    object_label = fields.String()
    object_id = fields.Integer()
    note = fields.String()
    created_at = fields.DateTime()
    visible = fields.Boolean(metadata={"description": "false: the object is no longer visible to the owner"})
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    owner = owner_ref("owner_tenant", allow_none=True)
    money = fields.Nested(PlanLinkMoneySchema, allow_none=True)


class PlanLinkSuggestionSchema(Schema):
    """A visible object whose title shares words with the node."""

    object_type = fields.String()
    object_label = fields.String(attribute="label")
    object_id = fields.Integer()
    title = fields.String()
    score = fields.Integer()


class PlanLinkCandidateSchema(Schema):
    """An object of one type the acting municipality may link."""

    object_type = fields.String()
    object_id = fields.Integer()
    title = fields.String()


class PlanLinkCandidateArgsSchema(Schema):
    """Query arguments of the candidates: the type and an optional search text."""

    object_type = _object_type(required=True)
    q = fields.String(load_default=None, validate=validate.Length(max=200))


class PlanObjectLinksArgsSchema(Schema):
    """Query arguments naming one object: its type and id."""

    object_type = _object_type(required=True)
    object_id = _object_id(required=True)
