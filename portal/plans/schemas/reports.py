"""Semester report schemas: CreateSemesterReportSchema to load, SemesterReport(Summary)Schema to dump."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validates

from portal.core.schemas import TenantRefSchema, dump_with
from portal.plans import semester


class CreateSemesterReportSchema(Schema):
    """Ask for a semester report: the semester (default: the last finished one, by the Brussels date)."""

    period = fields.String(load_default=None, allow_none=True)

    @validates("period")
    def _period(self, value: str | None, **_kwargs: Any) -> None:
        if value and not semester.PERIOD.match(value.strip()):
            raise ValidationError(str(_l("Kies een semester, bv. 2026-S1 of 2026-S2.")))


def _owner(report: Any) -> Any:
    from portal.extensions import db
    from tenants.models import Tenant

    return dump_with(TenantRefSchema, db.session.get(Tenant, report.tenant_id))


class SemesterReportSummarySchema(Schema):
    """A semester report in a list."""

    id = fields.Integer()
    owner = fields.Function(_owner)
    period = fields.String()
    number = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    state = fields.Function(semester.state_of)
    error = fields.Function(semester.error_of)
    generated_at = fields.DateTime(allow_none=True)
    plan_version_id = fields.Integer(attribute="version_id")
    content_sha256 = fields.Function(lambda r: r.content_sha256 or None)
    pdf_sha256 = fields.String(allow_none=True)


class SemesterReportSchema(SemesterReportSummarySchema):
    """A semester report with its content snapshot (empty until it is made)."""

    content = fields.Function(lambda r: r.content if semester.state_of(r) == semester.ReportState.KLAAR else None)
