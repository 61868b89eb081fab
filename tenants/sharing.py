"""The one sharing mechanism: audiences, partner grants and who a tenant's partners are."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, literal, or_, select, true, union, update
from sqlalchemy.orm import aliased

from portal.core.errors import DomainError
from portal.core.models import Shareable, utcnow
from portal.extensions import db
from tenants.context import BRUSSELS, current_tenant_id
from tenants.models import Region, RegionMembership, ShareGrant, Tenant
from tenants.request_cache import cached


def today() -> date:
    """Return today's date in Brussels."""
    return utcnow().astimezone(BRUSSELS).date()


#: The two sides of a shared membership, aliased once (building aliases per call costs more
#: than the query).
_MINE = aliased(RegionMembership)
_THEIRS = aliased(RegionMembership)


def _neighbourhood(tenant_id: int, day: date) -> tuple[list[Region], list[Tenant]]:
    """Return the tenant's current regions and its current partners, with one query, per request."""

    def compute() -> tuple[list[Region], list[Tenant]]:
        rows = db.session.execute(
            select(Region, Tenant)
            .select_from(_MINE)
            .join(_THEIRS, _THEIRS.region_id == _MINE.region_id)
            .join(Region, Region.id == _MINE.region_id)
            .join(Tenant, Tenant.id == _THEIRS.tenant_id)
            .where(
                _MINE.tenant_id == tenant_id,
                _MINE.joined_on <= day,
                (_MINE.left_on.is_(None)) | (_MINE.left_on > day),
                _THEIRS.joined_on <= day,
                (_THEIRS.left_on.is_(None)) | (_THEIRS.left_on > day),
            )
        ).all()
        regions = {region.id: region for region, _ in rows}
        partners = {tenant.id: tenant for _, tenant in rows if tenant.id != tenant_id}
        return (
            sorted(regions.values(), key=lambda r: (r.name, r.id)),
            sorted(partners.values(), key=lambda t: (t.name, t.id)),
        )

    return cached(("neighbourhood", tenant_id, day), compute)


def current_regions(tenant_id: int, day: date | None = None) -> list[Region]:
    """Return the regions ``tenant_id`` is a member of on ``day``."""
    return list(_neighbourhood(tenant_id, day or today())[0])


def region_members(region_id: int, day: date | None = None) -> list[Tenant]:
    """Return the current members of a region."""
    day = day or today()

    def compute() -> list[Tenant]:
        ids = select(RegionMembership.tenant_id).where(
            RegionMembership.region_id == region_id, RegionMembership.current_on(day)
        )
        return list(db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)).order_by(Tenant.name, Tenant.id)))

    return list(cached(("region_members", region_id, day), compute))


def partner_tenants(tenant_id: int, day: date | None = None) -> list[Tenant]:
    """Return tenants sharing at least one current region with ``tenant_id`` (not itself)."""
    return list(_neighbourhood(tenant_id, day or today())[1])


def readable_prefilter(cls: type[Shareable], tenant_id: int | None) -> ColumnElement[bool]:
    """Return an indexable superset of the rows of ``cls`` that ``tenant_id`` may read.

    Row-level security and the ORM scope decide row by row (EXISTS on memberships and grants),
    which PostgreSQL can only check by reading the whole table: a list at Flanders scale then
    costs the whole table. ANDed to a list query, this condition (own rows, rows shared in one
    of the tenant's regions, rows of tenants that granted it something) lets the database read
    just those rows through the tenant_id and region_id indexes; the exact rules still apply on
    top, so it never widens what is visible. One small query for the two id lists; outside a
    tenant (platform context) no condition.
    """
    if tenant_id is None:
        return true()
    owner_ids, region_ids = _prefilter_ids(tenant_id)
    return or_(cls.tenant_id.in_(owner_ids), cls.region_id.in_(region_ids))


def _prefilter_ids(tenant_id: int) -> tuple[list[int], list[int]]:
    """Return (own + grantor tenant ids, every region ever joined) of ``tenant_id``, per request."""

    def compute() -> tuple[list[int], list[int]]:
        regions = select(literal("r"), RegionMembership.region_id).where(RegionMembership.tenant_id == tenant_id)
        grantors = select(literal("g"), ShareGrant.tenant_id).where(
            ShareGrant.grantee_tenant_id == tenant_id, ShareGrant.revoked_at.is_(None)
        )
        region_ids: set[int] = set()
        owner_ids = {tenant_id}
        for kind, value in db.session.execute(union(regions, grantors)):
            (region_ids if kind == "r" else owner_ids).add(value)
        return sorted(owner_ids), sorted(region_ids)

    return cached(("prefilter", tenant_id), compute)


def is_member(tenant_id: int, region_id: int, day: date | None = None) -> bool:
    """Tell whether the tenant is a current member of the region."""
    day = day or today()
    if tenant_id == current_tenant_id():
        # The acting tenant's own regions are usually read already in this request.
        return any(region.id == region_id for region in _neighbourhood(tenant_id, day)[0])
    return (
        db.session.scalar(
            select(RegionMembership.id).where(
                RegionMembership.tenant_id == tenant_id,
                RegionMembership.region_id == region_id,
                RegionMembership.current_on(day),
            )
        )
        is not None
    )


def object_grantees(obj: Shareable) -> list[int]:
    """Return ids of tenants with an active per-object grant on ``obj``."""
    return list(
        db.session.scalars(
            select(ShareGrant.grantee_tenant_id).where(
                ShareGrant.tenant_id == obj.tenant_id,
                ShareGrant.object_type == obj.__share_type__,
                ShareGrant.object_id == obj.id,
                ShareGrant.active_at(utcnow()),
            )
        )
    )


def set_audience(
    obj: Shareable,
    audience: str,
    *,
    region_id: int | None = None,
    partner_ids: Iterable[int] = (),
    expires_at: datetime | None = None,
) -> None:
    """Share ``obj`` with nobody, a region, or chosen partners (grants are added and revoked)."""
    owner = obj.tenant_id
    if audience not in ("own", "region", "partners"):
        raise DomainError(_("Onbekende doelgroep."), field="audience", status_code=422)
    if audience == "region":
        if region_id is None or not is_member(owner, region_id):
            raise DomainError(
                _("Je kan enkel delen met een samenwerkingsverband waarvan je bestuur lid is."),
                field="region_id",
                status_code=422,
            )
    else:
        region_id = None
    wanted = set(partner_ids) if audience == "partners" else set()
    if audience == "partners":
        if not wanted:
            raise DomainError(_("Kies minstens één partnerbestuur."), field="partner_ids", status_code=422)
        allowed = {t.id for t in partner_tenants(owner)}
        if not wanted <= allowed:
            raise DomainError(
                _("Je kan enkel delen met partnerbesturen uit je samenwerkingsverbanden."),
                field="partner_ids",
                status_code=422,
            )
    obj.audience = audience
    obj.region_id = region_id
    db.session.flush()
    now = utcnow()
    existing = set(object_grantees(obj))
    stale = existing - wanted
    if stale:
        db.session.execute(
            update(ShareGrant)
            .where(
                ShareGrant.tenant_id == owner,
                ShareGrant.object_type == obj.__share_type__,
                ShareGrant.object_id == obj.id,
                ShareGrant.grantee_tenant_id.in_(stale),
                ShareGrant.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    for grantee in sorted(wanted - existing):
        db.session.add(
            ShareGrant(
                tenant_id=owner,
                grantee_tenant_id=grantee,
                object_type=obj.__share_type__,
                object_id=obj.id,
                expires_at=expires_at,
            )
        )
    db.session.flush()


def grant_domain(
    owner_id: int, grantee_id: int, domain: str, *, source: str, expires_at: datetime | None = None
) -> ShareGrant:
    """Share every object of ``domain`` of the owner with the grantee (e.g. by an agreement)."""
    if owner_id == grantee_id:
        raise DomainError(_("Een bestuur kan niet met zichzelf delen."))
    grant = ShareGrant(
        tenant_id=owner_id, grantee_tenant_id=grantee_id, domain=domain, source=source, expires_at=expires_at
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def revoke_source(source: str, *, owner_id: int | None = None, grantee_id: int | None = None) -> int:
    """Revoke the acting tenant's active grants created by ``source``; return how many.

    Only the owner writes its grants (the ORM scope and row-level security both enforce it):
    to end grants of several owners, e.g. every party of an agreement, call this inside each
    owner's tenant context in turn.
    """
    stmt = update(ShareGrant).where(ShareGrant.source == source, ShareGrant.revoked_at.is_(None))
    if owner_id is not None:
        stmt = stmt.where(ShareGrant.tenant_id == owner_id)
    if grantee_id is not None:
        stmt = stmt.where(ShareGrant.grantee_tenant_id == grantee_id)
    result = db.session.execute(stmt.values(revoked_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
