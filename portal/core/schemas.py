"""Schemas shared by several modules' APIs."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields


class TenantRefSchema(Schema):
    """A tenant as a reference inside another object."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    nis_code = fields.String(allow_none=True)


@cache
def _instance(schema_class: type[Schema], many: bool) -> Schema:
    return schema_class(many=many)


def dump_with(schema_class: type[Schema], value: Any, *, many: bool = False) -> Any:
    """Dump ``value`` (a list with ``many``) through one shared instance of ``schema_class``.

    For ``fields.Method`` bodies that dump computed values: building a schema deep-copies its
    fields, which per object of a long list cost more than the dump itself. Dumping does not
    change a schema, so one instance serves every request and thread.
    """
    return _instance(schema_class, many).dump(list(value) if many and not isinstance(value, list) else value)


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
