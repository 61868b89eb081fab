"""Who may do what in joint procurement."""

from __future__ import annotations

from typing import Any

from portal.core.permissions import is_owner
from portal.core.roles import AANKOPER, ALGEMEEN_DIRECTEUR, BEHEERDER

BUYERS = (AANKOPER, ALGEMEEN_DIRECTEUR, BEHEERDER)


def can_buy(user: Any) -> bool:
    """Aankopers (and the AD and beheerder) plan purchases, lead dossiers and join them."""
    return bool(user.is_authenticated and user.has_role(*BUYERS))


def can_lead(user: Any, dossier: Any) -> bool:
    """Only buyers of the lead municipality change a dossier."""
    return can_buy(user) and is_owner(user, dossier)


def can_edit_own(user: Any, obj: Any) -> bool:
    """Each tenant changes only its own plans and participations."""
    return can_buy(user) and is_owner(user, obj)
