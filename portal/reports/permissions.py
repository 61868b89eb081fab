"""Who may do what with council reports: the AD makes and approves them, the council reads them."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from portal.core.loading import get_owned_or_404
from portal.core.permissions import is_staff
from portal.core.roles import ALGEMEEN_DIRECTEUR, RAADSLID
from portal.reports.models import CouncilReport


def can_manage(user: Any) -> bool:
    """Only the algemeen directeur generates, edits, approves and corrects reports."""
    return bool(user.is_authenticated and user.has_role(ALGEMEEN_DIRECTEUR))


def can_list(user: Any) -> bool:
    """Council members and the municipality's staff open the archive (guests do not)."""
    return bool(user.is_authenticated and (user.has_role(RAADSLID) or is_staff(user)))


def sees_drafts(user: Any) -> bool:
    """Only the AD sees versions that are not approved yet."""
    return can_manage(user)


def can_read(user: Any, report: CouncilReport) -> bool:
    """Drafts only for the AD; approved versions for every reader of the own municipality."""
    return can_list(user) and report.tenant_id == user.tenant_id and (report.is_frozen or sees_drafts(user))


def report_or_404(report_id: int) -> CouncilReport:
    """Load a report of the own municipality the user may read; 404 for anything else."""
    report = get_owned_or_404(CouncilReport, report_id, current_user.tenant_id)
    if not can_read(current_user, report):
        abort(404)
    return report


def managed_report_or_404(report_id: int) -> CouncilReport:
    """Load a report of the own municipality for the AD: another tenant's is 404, no right is 403."""
    report = get_owned_or_404(CouncilReport, report_id, current_user.tenant_id)
    if not can_manage(current_user):
        abort(403 if can_read(current_user, report) else 404)
    return report
