"""Rental catalogue: the resources a tenant may read, and the owner adding or changing its own."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select

from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.rentals.models import ACTIVE_STATUSES, Booking, Resource
from tenants.context import current_tenant_id
from tenants.sharing import readable_prefilter, set_audience


def visible_resources(
    q: str | None = None, *, category: str | None = None, owner_id: int | None = None, kind: str | None = None
) -> Select[Any]:
    """Return a query of resources the acting tenant may read (own and shared), by owner and name."""
    # The prefilter lets PostgreSQL read only own and partners' rows, not the catalogue of Flanders.
    stmt = select(Resource).where(readable_prefilter(Resource, current_tenant_id()))
    if q:
        like = f"%{q.strip()[:100]}%"
        stmt = stmt.where(or_(Resource.name.ilike(like), Resource.description.ilike(like)))
    if category:
        stmt = stmt.where(Resource.category == category)
    if kind:
        stmt = stmt.where(Resource.kind == kind)
    if owner_id:
        stmt = stmt.where(Resource.tenant_id == owner_id)
    return stmt.order_by(Resource.tenant_id, Resource.name, Resource.id)


def _blackouts(raw: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in raw:
        starts_on, ends_on = item["starts_on"], item["ends_on"]
        if isinstance(starts_on, date):
            starts_on = starts_on.isoformat()
        if isinstance(ends_on, date):
            ends_on = ends_on.isoformat()
        if ends_on < starts_on:
            raise DomainError(_("Een blokkering eindigt vóór ze begint."), field="blackouts", status_code=422)
        out.append({"starts_on": starts_on, "ends_on": ends_on, "reason": str(item.get("reason", ""))[:200]})
    return out


_FIELDS = (
    "name",
    "kind",
    "category",
    "description",
    "quantity",
    "capacity",
    "pickup_address",
    "needs_towing_vehicle",
    "needs_certified_operator",
    "min_notice_hours",
    "max_length_hours",
    "buffer_minutes",
    "unit",
    "price_own",
    "price_partner",
    "price_external",
    "deposit",
    "delivery_available",
    "delivery_cost",
    "insured_by",
    "insurer",
    "policy_number",
    "insurance_notes",
    "required_certificate",
)


def _apply(obj: Resource, data: dict[str, Any]) -> None:
    for name in _FIELDS:
        if name in data:
            setattr(obj, name, data[name].strip() if isinstance(data[name], str) else data[name])
    if "quantity" in data:
        obj.is_single_unit = int(data["quantity"]) == 1
    if "blackouts" in data:
        obj.blackouts = _blackouts(data["blackouts"] or [])


def create_resource(data: dict[str, Any], *, author_id: int | None) -> Resource:
    """Add a resource to the acting tenant's catalogue and share it as asked."""
    obj = Resource(created_by_id=author_id, blackouts=[])
    _apply(obj, data)
    db.session.add(obj)
    db.session.flush()
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    return obj


def update_resource(obj: Resource, data: dict[str, Any]) -> Resource:
    """Change the fields present in ``data``; a stock below current bookings is refused."""
    if (
        "quantity" in data
        and int(data["quantity"]) < obj.quantity
        and db.session.scalar(
            select(Booking.id).where(
                Booking.resource_id == obj.id, Booking.status.in_(ACTIVE_STATUSES), Booking.ends_at > utcnow()
            )
        )
    ):
        raise DomainError(_("De voorraad kan niet verlagen zolang er lopende reservaties zijn."), field="quantity")
    _apply(obj, data)
    if "audience" in data:
        set_audience(obj, data["audience"], region_id=data.get("region_id"), partner_ids=data.get("partner_ids", []))
    db.session.flush()
    return obj
