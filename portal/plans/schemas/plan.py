"""Schemas of the own meerjarenplan: versions, nodes, budgets per year and indicators (pages and API)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from portal.core.schemas import OwnedSchema
from portal.plans.models import ActionStatus, Level

_MONEY_MAX = 999_999_999_999
_MONEY_ERROR = _l("Geef een bedrag van 0 of meer, met hoogstens twee decimalen.")
_VALUE_ERROR = _l("Geef een getal, met hoogstens twee decimalen.")
_DATE_ERROR = _l("Geef een geldige datum (jjjj-mm-dd).")


def _comma_decimal(value: Any) -> Any:
    """Accept the Belgian decimal comma (2,50) as well as a point."""
    if isinstance(value, str):
        return value.strip().replace(" ", "").replace(".", "").replace(",", ".") if "," in value else value.strip()
    return value


def _money(required: bool = False, allow_none: bool = False) -> fields.Decimal:
    kwargs: dict[str, Any] = {"required": True} if required else {"load_default": None if allow_none else 0}
    return fields.Decimal(
        places=2,
        as_string=True,
        allow_none=allow_none,
        validate=validate.Range(min=0, max=_MONEY_MAX, error=_MONEY_ERROR),
        error_messages={"invalid": _MONEY_ERROR, "required": _MONEY_ERROR, "null": _MONEY_ERROR},
        **kwargs,
    )


def _value(required: bool = False) -> fields.Decimal:
    """An indicator value: any number (a target may be a decrease), at most 12 digits before the point."""
    kwargs: dict[str, Any] = (
        {"required": True, "allow_none": False} if required else {"load_default": None, "allow_none": True}
    )
    return fields.Decimal(
        places=2,
        as_string=True,
        validate=validate.Range(min=-_MONEY_MAX, max=_MONEY_MAX, error=_VALUE_ERROR),
        error_messages={"invalid": _VALUE_ERROR, "required": _VALUE_ERROR, "null": _VALUE_ERROR},
        **kwargs,
    )


def _date() -> fields.Date:
    return fields.Date(load_default=None, allow_none=True, error_messages={"invalid": _DATE_ERROR})


class _CommaSchema(Schema):
    """Read the decimal fields with a Belgian comma."""

    decimals: tuple[str, ...] = ()

    @pre_load
    def comma(self, data: Any, **kwargs: Any) -> Any:
        """Read 2,50 as 2.50 and 12.500,00 as 12500.00."""
        if isinstance(data, dict):
            data = {**data, **{k: _comma_decimal(data[k]) for k in self.decimals if k in data}}
        return data


# -- versions ----------------------------------------------------------------------------------


class UpdatePlanVersionSchema(Schema):
    """Load the title, adoption date and reason of a version."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_l("De titel moet tussen 3 en 200 tekens lang zijn.")),
        error_messages={"required": _l("De titel moet tussen 3 en 200 tekens lang zijn.")},
    )
    adopted_on = _date()
    reason = fields.String(load_default="", validate=validate.Length(max=5000))


class CopyPlanVersionSchema(Schema):
    """Load an aanpassing: why it is made, and optionally a new title and adoption date."""

    title = fields.String(
        load_default="",
        validate=validate.Length(max=200, error=_l("De titel is hoogstens 200 tekens lang.")),
    )
    adopted_on = _date()
    reason = fields.String(
        required=True,
        validate=validate.Length(min=3, max=5000, error=_l("Geef de reden van de aanpassing (minstens 3 tekens).")),
        error_messages={"required": _l("Geef de reden van de aanpassing (minstens 3 tekens).")},
    )


class PlanVersionSchema(OwnedSchema):
    """One version of the own meerjarenplan."""

    id = fields.Integer()
    number = fields.Integer()
    title = fields.String()
    first_year = fields.Integer()
    last_year = fields.Integer()
    adopted_on = fields.Date(allow_none=True)
    reason = fields.String()


# -- nodes -------------------------------------------------------------------------------------


class UpdatePlanNodeSchema(Schema):
    """Load the texts, status, progress and dates of a node (its level and parent stay)."""

    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40, error=_l("Geef een code van hoogstens 40 tekens, bv. A1.1.1.")),
        error_messages={"required": _l("Geef een code van hoogstens 40 tekens, bv. A1.1.1.")},
    )
    title = fields.String(
        required=True,
        validate=validate.Length(min=2, max=300, error=_l("De omschrijving moet tussen 2 en 300 tekens lang zijn.")),
        error_messages={"required": _l("De omschrijving moet tussen 2 en 300 tekens lang zijn.")},
    )
    responsible = fields.String(load_default="", validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    status = fields.String(
        load_default=ActionStatus.NIET_GESTART,
        validate=validate.OneOf(list(ActionStatus), error=_l("Kies een stand uit de lijst.")),
    )
    progress_percent = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=100, error=_l("Geef een vordering van 0 tot 100 %.")),
        error_messages={"invalid": _l("Geef een vordering van 0 tot 100 %.")},
    )
    starts_on = _date()
    due_on = _date()

    @pre_load
    def strip(self, data: Any, **kwargs: Any) -> Any:
        """Trim the code and title (a code with spaces around it is the same code)."""
        if isinstance(data, dict):
            data = {**data, **{k: data[k].strip() for k in ("code", "title") if isinstance(data.get(k), str)}}
        return data

    @validates_schema
    def check_period(self, data: dict[str, Any], **kwargs: Any) -> None:
        """The due date is not before the start."""
        start, due = data.get("starts_on"), data.get("due_on")
        if start and due and due < start:
            raise ValidationError(str(_l("De einddatum ligt voor de startdatum.")), "due_on")

    @post_load
    def drop_unset_progress(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Leave out an empty progress: the operation then keeps it (or sets 100 % when done)."""
        if data.get("progress_percent") is None:
            data.pop("progress_percent", None)
        return data


class CreatePlanNodeSchema(UpdatePlanNodeSchema):
    """Load a new domain, goal, action plan or action of the version in force."""

    level = fields.String(
        required=True,
        validate=validate.OneOf(list(Level), error=_l("Kies een niveau uit de lijst.")),
        error_messages={"required": _l("Kies een niveau uit de lijst.")},
    )
    parent_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(min=1, max=2**31 - 1, error=_l("Kies het bovenliggende niveau.")),
    )
    position = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))


class PlanNodeStatusSchema(Schema):
    """Load the stand of a node: its status and progress."""

    status = fields.String(
        required=True,
        validate=validate.OneOf(list(ActionStatus), error=_l("Kies een stand uit de lijst.")),
        error_messages={"required": _l("Kies een stand uit de lijst.")},
    )
    progress_percent = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=100, error=_l("Geef een vordering van 0 tot 100 %.")),
        error_messages={"invalid": _l("Geef een vordering van 0 tot 100 %.")},
    )

    @post_load
    def drop_unset_progress(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Leave out an empty progress (the operation keeps it, or sets 100 % when done)."""
        if data.get("progress_percent") is None:
            data.pop("progress_percent", None)
        return data


class PlanBudgetInSchema(_CommaSchema):
    """The budget of one year: planned expense and income, realised expense so far."""

    decimals = ("expense", "income", "actual_expense")

    year = fields.Integer(
        required=True,
        validate=validate.Range(min=2000, max=2100, error=_l("Geef een boekjaar tussen 2000 en 2100.")),
        error_messages={"required": _l("Geef het boekjaar."), "invalid": _l("Geef een boekjaar tussen 2000 en 2100.")},
    )
    expense = _money()
    income = _money()
    actual_expense = _money(allow_none=True)


class PlanBudgetsSchema(Schema):
    """Load the budget of a node: one row per year of the version."""

    budgets = fields.List(fields.Nested(PlanBudgetInSchema), required=True, validate=validate.Length(max=13))


class PlanBudgetSchema(Schema):
    """The budget of a node for one year."""

    year = fields.Integer()
    expense = fields.Decimal(as_string=True)
    income = fields.Decimal(as_string=True)
    actual_expense = fields.Decimal(as_string=True, allow_none=True)


class CreatePlanIndicatorSchema(_CommaSchema):
    """Load an indicator: its name, unit, target and (optionally) a measurement."""

    decimals = ("target_value", "measured_value")

    name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=_l("Geef de naam van de indicator (2 tot 200 tekens).")),
        error_messages={"required": _l("Geef de naam van de indicator (2 tot 200 tekens).")},
    )
    unit = fields.String(load_default="", validate=validate.Length(max=40, error=_l("Hoogstens 40 tekens.")))
    target_value = _value(required=True)
    measured_value = _value()
    measured_on = _date()

    @pre_load
    def strip(self, data: Any, **kwargs: Any) -> Any:
        """Trim the name."""
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            data = {**data, "name": data["name"].strip()}
        return data


class PlanMeasurementSchema(_CommaSchema):
    """Load a measurement of an indicator (the day defaults to today)."""

    decimals = ("measured_value", "target_value")

    measured_value = _value(required=True)
    measured_on = _date()
    target_value = _value()


class PlanIndicatorSchema(Schema):
    """An indicator of a node with its target and last measurement."""

    id = fields.Integer()
    node_id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    target_value = fields.Decimal(as_string=True)
    measured_value = fields.Decimal(as_string=True, allow_none=True)
    measured_on = fields.Date(allow_none=True)


class PlanNodeSchema(Schema):
    """A domain, goal, action plan or action with its budgets per year and indicators."""

    id = fields.Integer()
    version_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    level = fields.String(metadata={"enum": list(Level)})
    code = fields.String()
    title = fields.String()
    responsible = fields.String()
    description = fields.String()
    status = fields.String(metadata={"enum": list(ActionStatus)})
    progress_percent = fields.Integer()
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    position = fields.Integer()
    budgets = fields.List(fields.Nested(PlanBudgetSchema))
    indicators = fields.List(fields.Nested(PlanIndicatorSchema))
