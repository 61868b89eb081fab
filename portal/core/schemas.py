"""Schemas shared by several modules' APIs."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields


class TenantRefSchema(Schema):
    """A tenant as a reference inside another object."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    nis_code = fields.String(allow_none=True)


def owner_ref(attribute: str = "tenant", **kwargs: Any) -> fields.Nested:
    """Return the field that shows the municipality behind ``attribute`` as a tenant reference."""
    return fields.Nested(TenantRefSchema, attribute=attribute, **kwargs)


def tenant_refs(**kwargs: Any) -> fields.List:
    """Return the field that lists municipalities as tenant references."""
    return fields.List(fields.Nested(TenantRefSchema), **kwargs)


class OwnedSchema(Schema):
    """Base of an object's schema that names its owning municipality as ``owner``."""

    owner = owner_ref()


def check_audience(data: dict[str, Any]) -> None:
    """Require a region for audience "region" and at least one partner for "partners"."""
    if data.get("audience") == "region" and not data.get("region_id"):
        raise ValidationError(str(_l("Kies het samenwerkingsverband.")), "region_id")
    if data.get("audience") == "partners" and not data.get("partner_ids"):
        raise ValidationError(str(_l("Kies minstens één partnerbestuur.")), "partner_ids")
