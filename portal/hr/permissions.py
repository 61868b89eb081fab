"""Who may do what in Gedeelde HR."""

from __future__ import annotations

from typing import Any

from portal.core.permissions import is_owner, is_staff
from portal.core.roles import ALGEMEEN_DIRECTEUR, BEHEERDER, HR


def is_hr(user: Any) -> bool:
    """Tell whether the user works for the HR service (or is the AD)."""
    return bool(user.is_authenticated and user.has_role(HR, ALGEMEEN_DIRECTEUR))


def can_create(user: Any) -> bool:
    """HR staff, the AD and the tenant administrator post vacancies."""
    return bool(user.is_authenticated and user.has_role(HR, ALGEMEEN_DIRECTEUR, BEHEERDER))


def can_edit(user: Any, obj: Any) -> bool:
    """Only HR (or the AD, the administrator) of the owner municipality changes a vacancy."""
    return can_create(user) and is_owner(user, obj)


def can_configure(user: Any) -> bool:
    """HR, the AD and the administrator set the retention period."""
    return can_create(user)


def can_manage_applications(user: Any, obj: Any) -> bool:
    """Only HR of the recruiting municipality sees and handles applications."""
    return is_hr(user) and is_owner(user, obj)


def can_apply(user: Any, vacancy: Any) -> bool:
    """Staff apply to published internal-mobility vacancies they can see (own or a partner's)."""
    return bool(is_staff(user) and vacancy.status == "gepubliceerd" and vacancy.kind == "intern")
