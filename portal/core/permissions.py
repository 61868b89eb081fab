"""Shared permission helpers that every module's permissions.py builds on."""

from __future__ import annotations

from typing import Any

from portal.core.roles import BEHEERDER, STAFF_ROLES


def is_owner(user: Any, obj: Any) -> bool:
    """Tell whether ``obj`` belongs to the user's tenant."""
    return bool(user.is_authenticated and obj.tenant_id == user.tenant_id)


def is_staff(user: Any) -> bool:
    """Tell whether the user acts for the municipality (not read-only or guest)."""
    return bool(user.is_authenticated and user.has_role(*STAFF_ROLES))


def is_admin(user: Any) -> bool:
    """Tell whether the user administers the tenant."""
    return bool(user.is_authenticated and user.has_role(BEHEERDER))
