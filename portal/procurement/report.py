"""The joint-procurement section of the council report: dossiers, awarded lots and savings."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.report import ReportPeriod, Section, date_cell, figure, table
from portal.extensions import db
from portal.procurement import operations as ops
from portal.procurement.models import Dossier, DossierStatus, Lot, Participation, ParticipationStatus


def section(period: ReportPeriod) -> Section:
    """Return the dossiers the municipality leads or joins and the lots awarded in the period."""
    tenant_id = period.tenant_id
    joined_ids = set(
        db.session.scalars(
            select(Participation.dossier_id).where(
                Participation.tenant_id == tenant_id, Participation.status == ParticipationStatus.DEELNAME
            )
        )
    )
    dossiers = list(db.session.scalars(select(Dossier).order_by(Dossier.id)))
    led = [d for d in dossiers if d.tenant_id == tenant_id and d.status != DossierStatus.CONCEPT]
    involved = {d.id: d for d in dossiers if d.id in joined_ids or d in led}
    lots = list(db.session.scalars(select(Lot).where(Lot.dossier_id.in_(list(involved))))) if involved else []
    awarded = [lot for lot in lots if lot.awarded_value is not None and period.contains(lot.awarded_at)]
    # The dossier's own savings (each participant's estimate minus its share of the award), as the
    # lead sees them on the dossier; a participant sees its own share only.
    savings = sum(
        (
            saving.saving
            for dossier_id, dossier in involved.items()
            for saving in ops.savings(dossier, {lot.id for lot in awarded if lot.dossier_id == dossier_id})
        ),
        Decimal(0),
    )
    return {
        "key": "procurement",
        "title": _("Gezamenlijke aankoop"),
        "key_figures": [
            figure(_("Gezamenlijke aankoopdossiers"), len(involved)),
            figure(_("Geraamde besparing"), savings, "money"),
        ],
        "figures": [
            figure(_("Dossiers waaraan we deelnemen"), len(joined_ids)),
            figure(_("Dossiers die we trekken"), len(led)),
            figure(_("Percelen gegund in de periode"), len(awarded)),
            figure(_("Geraamde besparing (raming min gunning)"), savings, "money"),
        ],
        "tables": [
            table(
                _("Gegunde percelen"),
                [_("Dossier"), _("Perceel"), _("Leverancier"), _("Raming"), _("Gegund"), _("Looptijd tot")],
                [
                    [
                        involved[lot.dossier_id].title,
                        lot.title,
                        lot.supplier_name or "",
                        {"money": lot.estimated_value},
                        {"money": lot.awarded_value},
                        date_cell(lot.contract_end_on),
                    ]
                    for lot in awarded
                ],
                _("Geen gunningen in deze periode."),
            ),
        ],
    }
