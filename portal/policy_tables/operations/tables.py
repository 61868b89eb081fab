"""Tables and their member seats."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.core.errors import DomainError
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.policy_tables.models import PolicyTable, TableMember
from tenants.context import acting_for, current_tenant_id
from tenants.models import Tenant
from tenants.sharing import is_member, readable_prefilter, set_audience


def visible_tables(q: str | None = None) -> Select[Any]:
    """Return a query of the tables the acting tenant may read (own or of its current regions)."""
    stmt = select(PolicyTable).where(readable_prefilter(PolicyTable, current_tenant_id()))
    if q:
        stmt = stmt.where(PolicyTable.name.ilike(f"%{q.strip()[:100]}%"))
    return stmt.order_by(PolicyTable.name, PolicyTable.id)


def create_table(data: dict[str, Any], *, tenant_id: int) -> PolicyTable:
    """Create a table chaired by the acting tenant and share it with the chosen region."""
    region_id = data["region_id"]
    if not is_member(tenant_id, region_id):
        raise DomainError(
            _("Je kan enkel een beleidstafel oprichten in een samenwerkingsverband waarvan je bestuur lid is."),
            field="region_id",
            status_code=422,
        )
    name = data["name"].strip()
    exists = db.session.scalar(
        select(PolicyTable.id).where(
            PolicyTable.tenant_id == tenant_id, PolicyTable.region_id == region_id, PolicyTable.name == name
        )
    )
    if exists is not None:
        raise DomainError(_("Er bestaat al een beleidstafel met deze naam."), field="name", status_code=409)
    table = PolicyTable(
        name=name,
        theme=data["theme"],
        description_html=sanitise(data.get("description_html")),
        secretary_name=(data.get("secretary_name") or "").strip(),
        secretary_email=(data.get("secretary_email") or "").strip().lower(),
        publish_days_before=data.get("publish_days_before", 7),
    )
    db.session.add(table)
    db.session.flush()
    set_audience(table, "region", region_id=region_id)
    return table


def update_table(table: PolicyTable, data: dict[str, Any]) -> PolicyTable:
    """Change the fields present in ``data`` (the region stays)."""
    if "publish_days_before" in data:
        table.publish_days_before = data["publish_days_before"]
    for key in ("name", "secretary_name"):
        if key in data:
            setattr(table, key, (data[key] or "").strip())
    if "secretary_email" in data:
        table.secretary_email = (data["secretary_email"] or "").strip().lower()
    if "theme" in data:
        table.theme = data["theme"]
    if "description_html" in data:
        table.description_html = sanitise(data["description_html"])
    db.session.flush()
    return table


def members_of(table: PolicyTable) -> list[TableMember]:
    """Return the member seats of a table, by municipality name."""
    rows = db.session.scalars(select(TableMember).where(TableMember.table_id == table.id))
    return sorted(rows, key=lambda m: m.tenant.name)


def set_membership(table: PolicyTable, data: dict[str, Any], *, tenant_id: int) -> TableMember:
    """Create or update the acting tenant's seat (its own row that references the table)."""
    if tenant_id != table.tenant_id and (table.region_id is None or not is_member(tenant_id, table.region_id)):
        raise DomainError(_("Enkel leden van het samenwerkingsverband kunnen aan deze tafel zetelen."))
    seat = db.session.scalar(
        select(TableMember).where(TableMember.table_id == table.id, TableMember.tenant_id == tenant_id)
    )
    if seat is None:
        seat = TableMember(table_id=table.id)
        db.session.add(seat)
        db.session.flush()
        if table.region_id is not None:
            set_audience(seat, "region", region_id=table.region_id)
    seat.policy_contact = (data.get("policy_contact") or "").strip()
    seat.admin_contact = (data.get("admin_contact") or "").strip()
    db.session.flush()
    return seat


def chair_tenant_ids() -> list[int]:
    """Return the ids of every tenant, which the scheduled tasks visit in turn as possible chairs."""
    with acting_for(None, is_platform=True):
        return list(db.session.scalars(select(Tenant.id).order_by(Tenant.id)))
