"""Marshmallow schemas for announcements, shared by the HTML form and the API."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate, validates_schema

from portal.core.schemas import check_audience, owner_ref


class CreateAnnouncementSchema(Schema):
    """Load a new or edited announcement."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_l("De titel moet tussen 3 en 200 tekens lang zijn.")),
        error_messages={"required": _l("Vul een titel in.")},
    )
    body_html = fields.String(load_default="", validate=validate.Length(max=20000))
    audience = fields.String(
        load_default="own",
        validate=validate.OneOf(["own", "region", "partners"], error=_l("Kies wie de mededeling ziet.")),
    )
    region_id = fields.Integer(load_default=None, allow_none=True)
    partner_ids = fields.List(fields.Integer(), load_default=list)
    publish = fields.Boolean(load_default=True)

    @validates_schema
    def check_audience(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Require a region for audience 'region' and partners for 'partners'."""
        check_audience(data)


class UpdateAnnouncementSchema(Schema):
    """Load a partial update (API PATCH): only the fields sent change."""

    title = fields.String(validate=validate.Length(min=3, max=200))
    body_html = fields.String(validate=validate.Length(max=20000))
    audience = fields.String(validate=validate.OneOf(["own", "region", "partners"]))
    region_id = fields.Integer(allow_none=True)
    partner_ids = fields.List(fields.Integer())
    publish = fields.Boolean()

    @validates_schema
    def check_audience(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Require a region for audience 'region' and partners for 'partners'."""
        CreateAnnouncementSchema.check_audience(self, data)  # type: ignore[arg-type]


class AnnouncementSchema(Schema):
    """Dump an announcement."""

    id = fields.Integer()
    title = fields.String()
    body_html = fields.String()
    audience = fields.String()
    region_id = fields.Integer(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    owner = owner_ref()
    is_own = fields.Method("get_is_own")

    def get_is_own(self, obj: Any) -> bool:
        """Tell the caller whether their tenant owns the announcement."""
        from tenants.context import current_tenant_id

        return bool(obj.tenant_id == current_tenant_id())
