"""Private helpers the HR operations share: the users of a role, a tenant's slug."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import User, UserRole
from portal.extensions import db
from tenants.models import Tenant


def _users_with_role(tenant_id: int, *roles: str) -> list[User]:
    """Return the active users of ``tenant_id`` holding one of ``roles`` (to notify them)."""
    ids = select(UserRole.user_id).where(UserRole.role.in_(roles))
    return list(
        db.session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, User.is_active.is_(True), User.id.in_(ids))
            .order_by(User.id)
        )
    )


def _slug(tenant_id: int) -> str:
    """Return the URL name of a tenant, for links in notifications."""
    return db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id)) or ""
