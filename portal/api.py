"""The REST API under /api/v1: authentication, CSRF rule and the core endpoints."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Flask, current_app, g, request
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from portal.core.access import MEMBERS, SIGNED_IN, allow

# The list schemas live in portal.core.api, so a module's API (the dashboard's, imported below by
# register_api) need not import this module back; re-exported for the modules that still do.
from portal.core.api import PageArgsSchema as PageArgsSchema
from portal.core.api import PaginationSchema as PaginationSchema
from portal.core.api import page_envelope as page_envelope
from portal.core.errors import problem
from portal.core.schemas import owner_ref
from portal.extensions import api, csrf, db
from tenants.models import RegionMembership, Tenant
from tenants.sharing import current_regions, partner_tenants


class TenantSchema(Schema):
    """A tenant as the caller may see it."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    nis_code = fields.String(allow_none=True)
    kind = fields.String()
    relation = fields.String(metadata={"description": "own or partner"})


class MembershipSchema(Schema):
    """A member of a region with its period."""

    tenant = owner_ref()
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True)


class RegionSchema(Schema):
    """A samenwerkingsverband the caller's tenant belongs to."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    members = fields.List(fields.Nested(MembershipSchema))


class MeSchema(Schema):
    """The authenticated user."""

    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.String())
    locale = fields.String()
    tenant = owner_ref()


core = Blueprint("core_api", __name__, url_prefix="/api/v1", description="Account, besturen en regio's")


@core.route("/me")
@allow(SIGNED_IN)
class MeResource(MethodView):
    @core.response(200, MeSchema)
    def get(self) -> Any:
        """Return the authenticated user and their tenant."""
        return {
            "id": current_user.id,
            "email": current_user.email,
            "full_name": current_user.full_name,
            "roles": sorted(current_user.roles),
            "locale": current_user.locale,
            "tenant": current_user.tenant,
        }


@core.route("/tenants")
@allow(MEMBERS)
class TenantsResource(MethodView):
    @core.response(200, TenantSchema(many=True))
    def get(self) -> Any:
        """Return my tenant and the partner tenants of my current regions."""
        mine = current_user.tenant
        rows = [{**_tenant_dict(mine), "relation": "own"}]
        rows += [{**_tenant_dict(t), "relation": "partner"} for t in partner_tenants(mine.id)]
        return rows


def _tenant_dict(t: Tenant) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "slug": t.slug, "nis_code": t.nis_code, "kind": t.kind}


@core.route("/regions")
@allow(MEMBERS)
class RegionsResource(MethodView):
    @core.response(200, RegionSchema(many=True))
    def get(self) -> Any:
        """Return my current regions with their current members."""
        result = []
        for region in current_regions(current_user.tenant_id):
            today = g.get("today")
            members = db.session.scalars(
                select(RegionMembership)
                .where(RegionMembership.region_id == region.id)
                .order_by(RegionMembership.joined_on)
            ).all()
            from tenants.sharing import today as today_fn

            day = today or today_fn()
            result.append(
                {
                    "id": region.id,
                    "name": region.name,
                    "slug": region.slug,
                    "members": [m for m in members if m.is_current(day)],
                }
            )
        return result


def _api_guard() -> Any:
    if not request.path.startswith("/api/v1") or request.path.startswith(("/api/v1/openapi.json", "/api/v1/docs")):
        return None
    if not current_user.is_authenticated:
        return problem(401)
    if (
        request.method not in ("GET", "HEAD", "OPTIONS")
        and not g.get("token_auth")
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        # Cookie-authenticated API calls (htmx, browser) need the CSRF token too.
        csrf.protect()
    return None


_NUMERIC_KEYWORDS = ("default", "example", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _document_decimal(self: Any, field: fields.Field, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Write Decimal bounds as JSON numbers; a Decimal dumped as text is documented as a string."""
    if not isinstance(field, fields.Decimal):
        return ret
    if field.as_string:
        # Amounts travel as text so no cent is lost to floating point: say so in the schema.
        ret["type"] = "string"
        ret["format"] = "decimal"
        for key in _NUMERIC_KEYWORDS[2:]:
            ret.pop(key, None)
        if isinstance(ret.get("default"), Decimal):
            ret["default"] = str(ret["default"])
        return ret
    for key in _NUMERIC_KEYWORDS:
        if isinstance(ret.get(key), Decimal):
            ret[key] = float(ret[key])
    return ret


def register_api(app: Flask) -> None:
    """Attach flask-smorest and every module's API blueprint."""
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "REST API van het Samenwerkingsportaal. Authenticatie met een persoonlijk "
                "API-token: `Authorization: Bearer swp_...`. Fouten volgen RFC 9457 (problem details)."
            },
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    api.init_app(app)
    if _document_decimal not in api.ma_plugin.converter.attribute_functions:
        api.ma_plugin.converter.add_attribute_function(_document_decimal)
    from portal.dashboard.api import blp as announcements_api
    from portal.features import api_blueprints

    for blp in (core, announcements_api, *api_blueprints()):
        csrf.exempt(blp)
        api.register_blueprint(blp)
    app.before_request(_api_guard)
