"""Private helpers the policy table operations share: the member staff, the open and member checks."""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User, UserRole
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.policy_tables.models import Meeting
from tenants.sharing import is_member, region_members

#: The member users a meeting concerns: invited, registered as present.
POLICY_STAFF = ("algemeen_directeur", "beleidsverantwoordelijke")


def _check_open(meeting: Meeting) -> None:
    if meeting.ends_at <= utcnow():
        raise DomainError(_("Deze vergadering is voorbij: de agenda kan niet meer wijzigen."), status_code=409)


def _check_member(meeting: Meeting, tenant_id: int) -> None:
    if tenant_id == meeting.tenant_id:
        return  # the chair always takes part
    if meeting.table.region_id is None or not is_member(tenant_id, meeting.table.region_id):
        raise DomainError(_("Onbekend lid van deze beleidstafel."), field="owner_tenant_id", status_code=422)


def member_users(region_id: int) -> list[User]:
    """Return the active staff users of the region's current member municipalities."""
    tenant_ids = [t.id for t in region_members(region_id)]
    # The roles in SQL: a region's members have thousands of users, a few dozen of them policy staff.
    users = db.session.scalars(
        select(User)
        .where(
            User.tenant_id.in_(tenant_ids),
            User.is_active.is_(True),
            User.role_rows.any(UserRole.role.in_(POLICY_STAFF)),
        )
        .order_by(User.id)
    )
    return [u for u in users if u.has_role(*POLICY_STAFF)]


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
