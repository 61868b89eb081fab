"""Helpers every alignment operation shares: the acting tenant, the chosen partners, notifications."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.alignment.subjects import SUBJECT_MAX, normalise_subject, spelling, tidy_subject
from portal.auth.models import User, UserRole
from portal.core.errors import DomainError
from portal.core.outbox import notify
from portal.core.roles import ALGEMEEN_DIRECTEUR
from portal.extensions import db
from tenants.context import acting_tenant_id
from tenants.models import Tenant
from tenants.sharing import partner_tenants

__all__ = [
    "SUBJECT_MAX",
    "checked_subject",
    "chosen_tenants",
    "directors",
    "normalise_subject",
    "notify_users",
    "require_tenant",
    "spelling",
    "tidy_subject",
]


def require_tenant() -> int:
    """Return the acting tenant's id; refuse (400) when no tenant acts."""
    try:
        return acting_tenant_id()
    except RuntimeError:
        raise DomainError(_("Geen bestuur actief."), status_code=400) from None


def checked_subject(subject: str) -> str:
    """Return a subject being saved as shown (tidied); refuse one without two letters or digits.

    The model sets its comparison key (``subject_key``) from it.
    """
    shown = tidy_subject(subject)
    if len(normalise_subject(shown)) < 2:
        raise DomainError(
            _("Geef het onderwerp met minstens twee letters of cijfers, bv. nadarhekken."),
            field="subject",
            status_code=422,
        )
    return shown


def chosen_tenants(partner_ids: Iterable[int]) -> list[Tenant]:
    """Return the own tenant followed by the chosen current partners (all partners when none is chosen).

    Ids that are not a current partner are ignored: a former partner or another region's
    municipality is never part of a comparison.
    """
    own_id = require_tenant()
    own = db.session.get(Tenant, own_id)
    partners = partner_tenants(own_id)
    wanted = set(partner_ids)
    chosen = [t for t in partners if t.id in wanted] if wanted else partners
    return [own, *chosen] if own is not None else chosen


def directors(tenant_ids: Iterable[int]) -> list[User]:
    """Return the active algemeen directeurs of the given tenants."""
    ids = sorted(set(tenant_ids))
    if not ids:
        return []
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.tenant_id.in_(ids), User.is_active.is_(True), UserRole.role == ALGEMEEN_DIRECTEUR)
    )
    return list(db.session.scalars(stmt).unique())


def notify_users(users: Iterable[Any], *, title: str, body: str, path: str, key: str, source_tenant_id: int) -> int:
    """Notify each user once per ``key``; ``path`` is below the user's own tenant slug."""
    sent = 0
    for user in users:
        # Built by hand: tasks have no request to build URLs from.
        link = f"/{user.tenant.slug}/afstemming{path}"
        if notify(
            user,
            category="sharing",
            title=title,
            body=body,
            link=link,
            dedupe_key=f"{key}:{user.id}",
            source_tenant_id=source_tenant_id,
        ):
            sent += 1
    return sent
