"""Who may do what with announcements."""

from __future__ import annotations

from typing import Any

from portal.core.permissions import is_owner, is_staff
from portal.dashboard.models import Announcement


def can_create(user: Any) -> bool:
    """Staff of the municipality (not raadsleden or guests) may post announcements."""
    return is_staff(user)


def can_edit(user: Any, obj: Announcement) -> bool:
    """Only staff of the owner municipality may edit or delete it."""
    return is_staff(user) and is_owner(user, obj)
