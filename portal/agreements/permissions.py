"""Who may do what with agreements: drafting by the trekker, decisions by each party's own AD."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from portal.agreements.models import Agreement
from portal.core.loading import get_visible_or_404
from portal.core.permissions import is_owner, is_staff
from portal.core.roles import ALGEMEEN_DIRECTEUR, BEHEERDER, RAADSLID


def can_draft(user: Any) -> bool:
    """The AD or the beheerder drafts agreements for the municipality."""
    return bool(user.is_authenticated and user.has_role(ALGEMEEN_DIRECTEUR, BEHEERDER))


def can_manage(user: Any, agreement: Agreement) -> bool:
    """The trekker's AD or beheerder edits, submits, amends, ends and evaluates the agreement."""
    return can_draft(user) and is_owner(user, agreement)


def is_party(user: Any, agreement: Agreement) -> bool:
    """Tell whether the user's municipality is (or was) a party."""
    return bool(user.is_authenticated and agreement.party(user.tenant_id) is not None)


def can_read_details(user: Any, agreement: Agreement) -> bool:
    """Staff and council members of a party read the text, decisions and evaluations."""
    return is_party(user, agreement) and (is_staff(user) or user.has_role(RAADSLID))


def can_decide(user: Any, agreement: Agreement) -> bool:
    """Only the AD of a party records that party's council decision or withdraws it."""
    party = agreement.party(user.tenant_id) if user.is_authenticated else None
    return bool(party is not None and party.withdrawn_on is None and user.has_role(ALGEMEEN_DIRECTEUR))


def can_withdraw(user: Any, agreement: Agreement) -> bool:
    """Only the AD of a party withdraws it (opzeggen); a second withdrawal is refused by the operation."""
    return bool(is_party(user, agreement) and user.has_role(ALGEMEEN_DIRECTEUR))


def can_record_informal(user: Any) -> bool:
    """The AD or the beheerder records informal cooperation of the municipality."""
    return can_draft(user)


def party_agreement_or_404(agreement_id: int) -> Agreement:
    """Load an agreement whose details the current user may read (a party's); 404 for anyone else."""
    agreement = get_visible_or_404(Agreement, agreement_id)
    if not can_read_details(current_user, agreement):
        abort(404)
    return agreement
