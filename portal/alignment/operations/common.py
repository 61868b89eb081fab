"""Helpers every alignment operation shares: the acting tenant, the chosen partners, notifications."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User, UserRole
from portal.core.errors import DomainError
from portal.core.outbox import notify
from portal.core.roles import ALGEMEEN_DIRECTEUR
from portal.extensions import db
from tenants.context import acting_tenant_id
from tenants.models import Tenant
from tenants.sharing import partner_tenants


def require_tenant() -> int:
    """Return the acting tenant's id; refuse (400) when no tenant acts."""
    try:
        return acting_tenant_id()
    except RuntimeError:
        raise DomainError(_("Geen bestuur actief."), status_code=400) from None


#: The longest key the column holds.
SUBJECT_MAX = 120


def normalise_subject(subject: str) -> str:
    """Return the comparison key: the letters and digits only, lower case, without accents.

    "Nadarhekken", " nadarhekken ", "nadar-hekken" and "Nádarhekken!" all give "nadarhekken",
    and "tweede verblijven", "tweede-verblijven" and "tweedeverblijven" all give
    "tweedeverblijven": the one function used when an item or proposal is saved and when a
    comparison looks it up. Dutch writes a compound joined, hyphenated or (in reglement
    titles) apart, so spaces, hyphens and every other punctuation mark or symbol are dropped.

    Migration 0022 holds a frozen copy of these rules; change both together (the test
    ``test_the_migration_normalises_subjects_as_the_app_does`` compares them).
    """
    decomposed = unicodedata.normalize("NFKD", subject.casefold())
    # Dropping combining marks takes the accent of a decomposed letter (é = e + ´).
    kept = "".join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char))
    return kept[:SUBJECT_MAX]


def subject_key(subject: str) -> str:
    """Return the normalised key of a subject being saved; refuse one without two letters or digits."""
    key = normalise_subject(subject)
    if len(key) < 2:
        raise DomainError(
            _("Geef het onderwerp met minstens twee letters of cijfers, bv. nadarhekken."),
            field="subject",
            status_code=422,
        )
    return key


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
