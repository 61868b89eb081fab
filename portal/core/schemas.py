"""Schemas shared by several modules' APIs."""

from __future__ import annotations

from marshmallow import Schema, fields


class TenantRefSchema(Schema):
    """A tenant as a reference inside another object."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    nis_code = fields.String(allow_none=True)
