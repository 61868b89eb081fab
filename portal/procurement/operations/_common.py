"""Private helpers the procurement operations share: notifying aankopers, CPV check, mirrored audience."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import User, UserRole
from portal.core.errors import DomainError
from portal.core.outbox import notify
from portal.core.roles import AANKOPER
from portal.extensions import db
from portal.procurement.models import (
    Document,
    Dossier,
    Lot,
    Question,
    Stage,
)
from portal.procurement.validators import cpv_error
from tenants.context import current_tenant_id
from tenants.models import Tenant

CATEGORY = "aankoop"


def _aankopers(tenant_id: int) -> list[User]:
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.tenant_id == tenant_id, User.is_active.is_(True), UserRole.role == AANKOPER)
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt).unique())


def _notify_tenant(tenant_id: int, title: str, path: str, key: str, body: str = "") -> int:
    """Notify the aankopers of ``tenant_id``; ``path`` is appended to the tenant's slug."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        return 0
    sent = 0
    for user in _aankopers(tenant_id):
        note = notify(
            user,
            category=CATEGORY,
            title=title,
            body=body,
            link=f"/{tenant.slug}/aankoop{path}",
            dedupe_key=f"{key}:{user.id}"[:200],
            source_tenant_id=current_tenant_id(),
        )
        sent += note is not None
    return sent


def _check_cpv(code: str) -> str:
    message = cpv_error(code)
    if message:
        raise DomainError(message, field="cpv_code", status_code=422)
    return code.strip()


def _mirror(child: Lot | Stage | Question | Document, dossier: Dossier) -> None:
    """Children are readable by exactly the readers of their dossier."""
    child.audience = dossier.audience
    child.region_id = dossier.region_id
