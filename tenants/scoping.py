"""ORM-level tenant scoping: every session only reads what the acting tenant may see.

Reads of tenant-owned rows are filtered to the owner tenant; reads of shareable rows also
admit rows shared with the acting tenant (region or grant). Writes are checked before
flush: only the owner tenant may insert, change or delete its rows. PostgreSQL row-level
security (see ``tenants.rls``) enforces the same rules a second time in the database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, event, exists, or_
from sqlalchemy.orm import ORMExecuteState, Session, aliased, with_loader_criteria
from sqlalchemy.sql.elements import ColumnElement

from portal.core.models import Shareable, TenantOwned, TenantScoped
from tenants.context import current_context
from tenants.models import RegionMembership, ShareGrant


class TenantViolation(RuntimeError):
    """Raise when code tries to write a row of a tenant it does not act for."""


def shareable_visibility(cls: Any, tenant_id: int | None, now: datetime, today: date) -> ColumnElement[bool]:
    """Return SQL true for rows of ``cls`` the tenant may read: own, region-shared or granted."""
    viewer = aliased(RegionMembership)
    owner = aliased(RegionMembership)
    in_region = exists().where(
        viewer.region_id == cls.region_id,
        viewer.tenant_id == tenant_id,
        viewer.joined_on <= today,
        or_(viewer.left_on.is_(None), viewer.left_on > today),
        owner.region_id == cls.region_id,
        owner.tenant_id == cls.tenant_id,
        owner.joined_on <= today,
        or_(owner.left_on.is_(None), owner.left_on > today),
    )
    granted = exists().where(
        ShareGrant.tenant_id == cls.tenant_id,
        ShareGrant.grantee_tenant_id == tenant_id,
        ShareGrant.revoked_at.is_(None),
        or_(ShareGrant.expires_at.is_(None), ShareGrant.expires_at > now),
        or_(
            and_(ShareGrant.object_type == cls.__share_type__, ShareGrant.object_id == cls.id),
            ShareGrant.domain == cls.__share_domain__,
        ),
    )
    return or_(
        cls.tenant_id == tenant_id,
        and_(cls.audience == "region", in_region),
        and_(cls.audience == "partners", granted),
    )


def _scope_statement(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        # Options on the originating statement propagate to these loads already.
        return
    ctx = current_context()
    tenant_id = ctx.tenant_id if ctx else None
    if state.is_select:
        now = ctx.started_at if ctx else datetime.min.replace(tzinfo=UTC)
        today = ctx.today if ctx else date.min
        state.statement = state.statement.options(
            with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True),
            with_loader_criteria(
                Shareable,
                lambda cls: shareable_visibility(cls, tenant_id, now, today),
                include_aliases=True,
            ),
        )
    elif state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True),
        )


def _check_writes(session: Session, flush_context: Any, instances: Any) -> None:
    ctx = current_context()
    tenant_id = ctx.tenant_id if ctx else None
    for obj in session.new:
        if isinstance(obj, TenantScoped):
            if obj.tenant_id is None:
                if tenant_id is None:
                    raise TenantViolation(f"{type(obj).__name__} created outside a tenant context")
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise TenantViolation(f"{type(obj).__name__} created for another tenant")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and obj.tenant_id != tenant_id:
            raise TenantViolation(f"{type(obj).__name__} #{obj.id} belongs to another tenant")


def install(session_class: Any = Session) -> None:
    """Attach the scoping hooks to every session of ``session_class``."""
    if not event.contains(session_class, "do_orm_execute", _scope_statement):
        event.listen(session_class, "do_orm_execute", _scope_statement)
        event.listen(session_class, "before_flush", _check_writes)
