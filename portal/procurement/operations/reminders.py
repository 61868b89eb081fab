"""Reminders: expiring contracts and near joining deadlines, sent once per municipality per day."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, select

from portal.extensions import db
from portal.procurement.models import (
    Dossier,
    DossierStatus,
    Lot,
    Participation,
    ParticipationLine,
    ParticipationStatus,
)
from portal.procurement.operations._common import _notify_tenant
from tenants.context import acting_tenant_id
from tenants.sharing import partner_tenants, today


def remind_expiring(tenant_id: int, months: int, day: date | None = None) -> int:
    """Notify the lead's and participants' aankopers of contracts ending within ``months``; idempotent."""
    day = day or today()
    horizon = date(day.year + (day.month - 1 + months) // 12, (day.month - 1 + months) % 12 + 1, 1)
    lots = db.session.scalars(
        select(Lot).where(
            Lot.tenant_id == tenant_id,
            Lot.contract_end_on.is_not(None),
            and_(Lot.contract_end_on >= day, Lot.contract_end_on < horizon),
        )
    )
    sent = 0
    for lot in lots:
        title = _(
            "Contract %(t)s (perceel %(n)s) loopt af op %(d)s", t=lot.dossier.title, n=lot.number, d=lot.contract_end_on
        )
        key = f"proc-expiry:{lot.id}:{lot.contract_end_on}"
        sent += _notify_tenant(tenant_id, title, f"/dossiers/{lot.dossier_id}", key)
        # The participants buy under this contract too: they need to plan their own follow-up.
        for participant_id in _lot_participants(lot):
            if participant_id != tenant_id:
                sent += _notify_tenant(participant_id, title, f"/dossiers/{lot.dossier_id}", key)
    return sent


def _lot_participants(lot: Lot) -> list[int]:
    """Return the tenants whose counting participation declares a need for ``lot`` (read by the lead)."""
    stmt = (
        select(Participation.tenant_id)
        .join(ParticipationLine, ParticipationLine.participation_id == Participation.id)
        .where(
            ParticipationLine.lot_id == lot.id,
            Participation.status == ParticipationStatus.DEELNAME,
            Participation.mandate_reference.is_not(None),
        )
        .distinct()
    )
    return sorted(db.session.scalars(stmt))


def deadline_reminders(tenant_id: int, days: int = 7, day: date | None = None) -> int:
    """Remind partners of open dossiers of the tenant whose joining deadline is near; idempotent."""
    day = day or today()
    dossiers = db.session.scalars(
        select(Dossier).where(
            Dossier.tenant_id == tenant_id, Dossier.status == DossierStatus.OPEN, Dossier.joining_deadline_on >= day
        )
    )
    sent = 0
    for dossier in dossiers:
        deadline = dossier.joining_deadline_on
        if deadline is None or (deadline - day).days > days:
            continue
        for partner in partner_tenants(tenant_id):
            sent += _notify_tenant(
                partner.id,
                _("Toetreden tot %(t)s kan nog tot %(d)s", t=dossier.title, d=deadline),
                f"/dossiers/{dossier.id}",
                f"proc-deadline:{dossier.id}:{partner.id}",
            )
    return sent


def send_reminders(day: date | None = None) -> int:
    """Send the acting tenant's contract-expiry and joining-deadline reminders; flush, never commit.

    The daily task calls it once per municipality and commits after each one.
    """
    from flask import current_app

    months = int(current_app.config.get("PORTAL_PROCUREMENT_EXPIRY_MONTHS", 3))
    days = int(current_app.config.get("PORTAL_PROCUREMENT_DEADLINE_DAYS", 7))
    tenant_id = acting_tenant_id()
    return remind_expiring(tenant_id, months, day) + deadline_reminders(tenant_id, days, day)
