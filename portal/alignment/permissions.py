"""Who may do what in the alignment registers: staff keep their own register, each AD decides for its own."""

from __future__ import annotations

from typing import Any

from portal.core.permissions import is_owner
from portal.core.roles import AANKOPER, ALGEMEEN_DIRECTEUR, BEHEERDER, STAFF_ROLES


def can_edit_items(user: Any) -> bool:
    """Every staff role keeps the municipality's registers (the raadslid reads)."""
    return bool(user.is_authenticated and user.has_role(*STAFF_ROLES))


def can_edit(user: Any, item: Any) -> bool:
    """Only staff of the owner change, share or delete an item."""
    return can_edit_items(user) and is_owner(user, item)


def can_propose(user: Any) -> bool:
    """Staff open harmonisation proposals."""
    return can_edit_items(user)


def can_manage(user: Any, proposal: Any) -> bool:
    """Staff of the proposer submit, link and withdraw the proposal."""
    return can_edit_items(user) and is_owner(user, proposal)


def can_decide(user: Any, proposal: Any) -> bool:
    """Only the AD of a party records that party's decision."""
    party = proposal.party(user.tenant_id) if user.is_authenticated else None
    return bool(party is not None and user.has_role(ALGEMEEN_DIRECTEUR))


def can_make_agreement(user: Any, proposal: Any) -> bool:
    """The proposer's AD or beheerder drafts the agreement."""
    return bool(is_owner(user, proposal) and user.has_role(ALGEMEEN_DIRECTEUR, BEHEERDER))


def can_make_dossier(user: Any, proposal: Any) -> bool:
    """The proposer's buyers start the joint procurement dossier."""
    return bool(is_owner(user, proposal) and user.has_role(AANKOPER, ALGEMEEN_DIRECTEUR, BEHEERDER))
