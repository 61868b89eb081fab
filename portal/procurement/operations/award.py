"""Award, savings and the contract register."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.procurement.models import (
    Dossier,
    Lot,
)
from portal.procurement.operations._common import _notify_tenant
from portal.procurement.operations.participations import LotNeeds, consolidated_needs, dossier_participations
from portal.procurement.validators import format_kbo, kbo_error
from tenants.context import current_tenant_id
from tenants.models import Tenant
from tenants.sharing import readable_prefilter


def award_lot(lot: Lot, data: dict[str, Any]) -> Lot:
    """Award a lot to a supplier with a valid KBO number; notify the participants."""
    message = kbo_error(data.get("supplier_kbo"))
    if message:
        raise DomainError(message, field="supplier_kbo", status_code=422)
    start, end = data.get("contract_start_on"), data.get("contract_end_on")
    if start and end and end < start:
        raise DomainError(
            _("Het einde van het contract ligt vóór het begin."), field="contract_end_on", status_code=422
        )
    if Decimal(data["awarded_value"]) < 0:
        raise DomainError(_("Het gunningsbedrag kan niet negatief zijn."), field="awarded_value", status_code=422)
    lot.supplier_name = data["supplier_name"].strip()
    lot.supplier_kbo = format_kbo(data["supplier_kbo"])
    lot.awarded_value = data["awarded_value"]
    lot.awarded_at = utcnow()
    lot.contract_start_on, lot.contract_end_on = start, end
    lot.renewal_options = (data.get("renewal_options") or "").strip()
    db.session.flush()
    dossier = lot.dossier
    for part in dossier_participations(dossier):
        if part.tenant_id != dossier.tenant_id and part.counts:
            _notify_tenant(
                part.tenant_id,
                _("Perceel %(n)s van %(t)s is gegund aan %(s)s", n=lot.number, t=dossier.title, s=lot.supplier_name),
                f"/dossiers/{dossier.id}",
                f"proc-award:{lot.id}:{part.tenant_id}",
            )
    return lot


@dataclass
class Saving:
    """Estimated versus awarded value of one municipality in a dossier."""

    tenant: Tenant
    estimated: Decimal = Decimal("0")
    awarded: Decimal = Decimal("0")

    @property
    def saving(self) -> Decimal:
        return self.estimated - self.awarded


def savings(
    dossier: Dossier, lot_ids: Collection[int] | None = None, *, needs: list[LotNeeds] | None = None
) -> list[Saving]:
    """Return per participant the estimate vs its share of the awarded value of awarded lots.

    The awarded value of a lot is split over the participants by quantity (by amount when the
    lot has no quantities). ``lot_ids`` limits it to those lots (the council report's period).
    ``needs``: the dossier's ``consolidated_needs`` when the caller read them already.
    """
    per: dict[int, Saving] = {}
    for entry in consolidated_needs(dossier) if needs is None else needs:
        lot = entry.lot
        if lot.awarded_value is None or not entry.rows or (lot_ids is not None and lot.id not in lot_ids):
            continue
        by_quantity = entry.total_quantity > 0
        base = entry.total_quantity if by_quantity else entry.total_amount
        for part, line in entry.rows:
            weight = Decimal(line.quantity if by_quantity else line.amount)
            share = (Decimal(lot.awarded_value) * weight / base) if base > 0 else Decimal("0")
            row = per.setdefault(part.tenant_id, Saving(part.tenant))
            row.estimated += Decimal(line.amount)
            row.awarded += share.quantize(Decimal("0.01"))
    return sorted(per.values(), key=lambda s: s.tenant.name)


def contract_register() -> Select[Any]:
    """Return awarded lots with a contract that the acting tenant may read, by end date."""
    return (
        select(Lot)
        .join(Dossier, Dossier.id == Lot.dossier_id)
        .where(
            readable_prefilter(Lot, current_tenant_id()),
            Lot.awarded_value.is_not(None),
            Lot.contract_end_on.is_not(None),
        )
        .order_by(Lot.contract_end_on, Lot.id)
        .options(selectinload(Lot.dossier))  # every row shows its dossier: one query, not one per row
    )


def contract_table() -> tuple[list[str], list[list[Any]]]:
    """Return the contract register the acting tenant may read as a header and rows."""
    header = [
        _("Dossier"),
        _("Perceel"),
        _("Trekker"),
        _("Leverancier"),
        _("Ondernemingsnummer"),
        _("Start contract"),
        _("Einde contract"),
        _("Verlengingsopties"),
        _("Gegund bedrag (EUR)"),
    ]
    rows = [
        [
            lot.dossier.title,
            f"{lot.number}. {lot.title}",
            lot.dossier.tenant.name,
            lot.supplier_name,
            lot.supplier_kbo,
            lot.contract_start_on,
            lot.contract_end_on,
            lot.renewal_options,
            Decimal(lot.awarded_value or 0),
        ]
        for lot in db.session.scalars(contract_register())
    ]
    return header, rows
