"""Who may do what at a policy table."""

from __future__ import annotations

from portal.auth.models import User
from portal.core.models import Shareable
from portal.core.permissions import is_owner, is_staff
from portal.policy_tables.models import Minutes
from tenants.sharing import is_member


def can_create(user: User) -> bool:
    """Staff of a municipality may start a table (their municipality chairs it)."""
    return is_staff(user)


def can_chair(user: User, obj: Shareable) -> bool:
    """Staff of the chair municipality (the owner of the table's rows) manage it."""
    return is_staff(user) and is_owner(user, obj)


def can_participate(user: User, obj: Shareable) -> bool:
    """Staff of a current member of the object's region take part (propose, set contacts)."""
    if not is_staff(user):
        return False
    if is_owner(user, obj):
        return True
    return obj.region_id is not None and is_member(user.tenant_id, obj.region_id)


def can_remark(user: User, minutes: Minutes, attendee_ids: list[int]) -> bool:
    """Staff of the chair or of a municipality the notulen went to may remark on them."""
    return is_staff(user) and (is_owner(user, minutes) or user.tenant_id in attendee_ids)
