"""Council report schemas: Create<X>Schema to load, <X>Schema to dump, shared by UI and API."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates

from portal.core.schemas import owner_ref
from portal.reports.models import PERIOD_KINDS

PERIOD = re.compile(r"^(\d{4})(-S[12]|-Q[1-4])?$")


class CreateReportSchema(Schema):
    """Start a report: the period (default: the last finished one)."""

    period = fields.String(load_default=None, allow_none=True)

    @validates("period")
    def _period(self, value: str | None, **_kwargs: Any) -> None:
        if value and not PERIOD.match(value.strip()):
            raise ValidationError(str(_l("Gebruik bv. 2026-S2 (semester), 2026-Q3 (kwartaal) of 2026 (jaar).")))


class ReportTextsSchema(Schema):
    """The AD's foreword and remarks."""

    foreword = fields.String(load_default="", validate=validate.Length(max=10000))
    remarks = fields.String(load_default="", validate=validate.Length(max=10000))


class PeriodKindSchema(Schema):
    """The municipality's reporting period."""

    period_kind = fields.String(required=True, validate=validate.OneOf(list(PERIOD_KINDS)))


class ReportSummarySchema(Schema):
    """A report version in a list."""

    id = fields.Integer()
    tenant = owner_ref()
    period = fields.String()
    period_kind = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    version = fields.Integer()
    status = fields.String()
    progress = fields.Integer()
    error = fields.String()
    generated_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    pdf_sha256 = fields.String(allow_none=True)


class ReportSchema(ReportSummarySchema):
    """A report version with its content snapshot and the AD's texts."""

    foreword = fields.String()
    remarks = fields.String()
    content = fields.Dict(allow_none=True)
    content_sha256 = fields.String(allow_none=True)
