"""Pieces every module's REST API shares: the list arguments and the paginated envelope."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from portal.core.pagination import Page
from portal.core.web import MAX_ID


class PaginationSchema(Schema):
    """Pagination block of list responses."""

    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


class PageArgsSchema(Schema):
    """Query arguments of every list endpoint."""

    # marshmallow 4 ignores a validator's return value: validators must raise, so use Range.
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=MAX_ID, error=_l("Kies een pagina vanaf 1."))
    )
    per_page = fields.Integer(
        load_default=25, validate=validate.Range(min=1, max=100, error=_l("Kies tussen 1 en 100 per pagina."))
    )
    q = fields.String(load_default=None, validate=validate.Length(max=200))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """Return the schema of one page of ``item_schema``: ``items`` and ``pagination``.

    ``name`` is the class name (``AgreementPageSchema``); apispec names the component after it.
    """
    return type(
        name,
        (Schema,),
        {
            "__doc__": f"A page of {item_schema.__name__.removesuffix('Schema')} items.",
            "__module__": item_schema.__module__,
            "items": fields.List(fields.Nested(item_schema)),
            "pagination": fields.Nested(PaginationSchema),
        },
    )


def page_envelope(page: Page[Any]) -> dict[str, Any]:
    """Return the list envelope every paginated endpoint answers (dumped by its page schema)."""
    return {"items": page.items, "pagination": page.meta()}
