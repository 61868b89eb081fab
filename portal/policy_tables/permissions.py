"""Who may do what at a policy table."""

from __future__ import annotations

from typing import Any

from portal.core.permissions import is_owner, is_staff
from tenants.sharing import is_member


def can_create(user: Any) -> bool:
    """Staff of a municipality may start a table (their municipality chairs it)."""
    return is_staff(user)


def can_chair(user: Any, obj: Any) -> bool:
    """Staff of the chair municipality (the owner of the table's rows) manage it."""
    return is_staff(user) and is_owner(user, obj)


def can_participate(user: Any, obj: Any) -> bool:
    """Staff of a current member of the object's region take part (propose, set contacts)."""
    if not is_staff(user):
        return False
    if is_owner(user, obj):
        return True
    region_id = getattr(obj, "region_id", None)
    return region_id is not None and is_member(user.tenant_id, region_id)


def can_remark(user: Any, minutes: Any, attendee_ids: list[int]) -> bool:
    """Staff of the chair or of a municipality the notulen went to may remark on them."""
    return is_staff(user) and (is_owner(user, minutes) or user.tenant_id in attendee_ids)
