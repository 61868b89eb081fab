"""Who may do what with resources, reservations and bookings."""

from __future__ import annotations

from typing import Any

from portal.auth.models import User
from portal.core.permissions import is_owner, is_staff
from portal.core.roles import ALGEMEEN_DIRECTEUR, BEHEERDER, DIENST


def can_manage_catalogue(user: User) -> bool:
    """The dienstmedewerker, the AD and the beheerder manage the own catalogue."""
    return bool(user.is_authenticated and user.has_role(DIENST, ALGEMEEN_DIRECTEUR, BEHEERDER))


def can_edit(user: User, obj: Any) -> bool:
    """Only catalogue managers of the owner municipality change a resource or decide on its bookings."""
    return can_manage_catalogue(user) and is_owner(user, obj)


def can_reserve(user: User) -> bool:
    """Staff of a municipality may reserve (not raadsleden or guests)."""
    return is_staff(user)
