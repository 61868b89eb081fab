"""Platform operations on tenants and regions (platform operator, CLI, demo)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.extensions import db
from tenants.catalogue import flemish_municipalities, municipality, slugify
from tenants.models import Region, RegionMembership, Tenant


def create_tenant(name: str, *, nis_code: str | None = None, slug: str | None = None, kind: str = "gemeente") -> Tenant:
    """Create a tenant; refuse a duplicate slug or NIS code."""
    slug = slug or slugify(name)
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise DomainError(_("Er bestaat al een bestuur met slug %(s)s.", s=slug))
    if nis_code and db.session.scalar(select(Tenant.id).where(Tenant.nis_code == nis_code)) is not None:
        raise DomainError(_("Er bestaat al een bestuur met NIS-code %(n)s.", n=nis_code))
    tenant = Tenant(name=name, slug=slug, nis_code=nis_code, kind=kind, settings={"closing_days": ["07-11"]})
    db.session.add(tenant)
    db.session.flush()
    return tenant


def ensure_municipality(nis_code: str) -> Tenant:
    """Return the tenant of a Flemish municipality, creating it from the catalogue if needed."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.nis_code == nis_code))
    if tenant is not None:
        return tenant
    m = municipality(nis_code)
    return create_tenant(m["name"], nis_code=m["nis_code"], slug=m["slug"])


def import_flemish_municipalities() -> tuple[int, int]:
    """Create a tenant for every Flemish municipality not yet present; return (created, total)."""
    existing = set(db.session.scalars(select(Tenant.nis_code).where(Tenant.nis_code.is_not(None))))
    created = 0
    for m in flemish_municipalities():
        if m["nis_code"] in existing:
            continue
        db.session.add(
            Tenant(name=m["name"], slug=m["slug"], nis_code=m["nis_code"], settings={"closing_days": ["07-11"]})
        )
        created += 1
    db.session.flush()
    return created, len(flemish_municipalities())


def create_region(name: str, *, slug: str | None = None, description: str | None = None) -> Region:
    """Create a samenwerkingsverband."""
    slug = slug or slugify(name)
    if db.session.scalar(select(Region.id).where(Region.slug == slug)) is not None:
        raise DomainError(_("Er bestaat al een samenwerkingsverband met slug %(s)s.", s=slug))
    region = Region(name=name, slug=slug, description=description)
    db.session.add(region)
    db.session.flush()
    return region


def add_member(region: Region, tenant: Tenant, joined_on: date) -> RegionMembership:
    """Let ``tenant`` join ``region`` from ``joined_on``; refuse overlapping periods."""
    for m in region.memberships:
        if m.tenant_id == tenant.id and (m.left_on is None or m.left_on > joined_on):
            raise DomainError(_("%(t)s is al lid van %(r)s.", t=tenant.name, r=region.name))
    membership = RegionMembership(region=region, tenant=tenant, joined_on=joined_on)
    db.session.add(membership)
    db.session.flush()
    return membership


def remove_member(region: Region, tenant: Tenant, left_on: date) -> RegionMembership:
    """End the running membership of ``tenant`` on ``left_on`` (that day excluded)."""
    for m in region.memberships:
        if m.tenant_id == tenant.id and m.left_on is None:
            if left_on <= m.joined_on:
                raise DomainError(_("De einddatum moet na de startdatum %(d)s liggen.", d=m.joined_on.isoformat()))
            m.left_on = left_on
            db.session.flush()
            return m
    raise DomainError(_("%(t)s is geen lid van %(r)s.", t=tenant.name, r=region.name))
