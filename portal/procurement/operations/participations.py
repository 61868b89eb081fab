"""Participation: joining a dossier, needs per lot, the mandate, withdrawal, consolidated needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.procurement.models import (
    Dossier,
    DossierStatus,
    LegalForm,
    Lot,
    Participation,
    ParticipationLine,
    ParticipationStatus,
)
from tenants.context import current_tenant_id
from tenants.sharing import set_audience, today


def joining_open(dossier: Dossier) -> bool:
    """Tell whether a partner may still join or change its needs."""
    if dossier.status != DossierStatus.OPEN:
        return False
    if dossier.joining_deadline_on is not None and today() <= dossier.joining_deadline_on:
        return True
    return dossier.allows_later_joining and dossier.legal_form == LegalForm.OPDRACHTENCENTRALE


def _require_open(dossier: Dossier) -> None:
    if not joining_open(dossier):
        raise DomainError(_("De uiterste datum om toe te treden is verstreken of het dossier is niet open."))


def own_participation(dossier: Dossier, tenant_id: int | None) -> Participation | None:
    """Return the acting tenant's participation in the dossier, if any, with its lines (one query)."""
    return (
        db.session.scalars(
            select(Participation)
            .where(Participation.dossier_id == dossier.id, Participation.tenant_id == tenant_id)
            .options(joinedload(Participation.lines))
        )
        .unique()
        .first()
    )


def own_participations(tenant_id: int | None) -> Select[Any]:
    """Return a query of the tenant's own participations, newest first."""
    return (
        select(Participation)
        .where(Participation.tenant_id == tenant_id)
        .order_by(Participation.created_at.desc(), Participation.id.desc())
    )


def dossier_participations(dossier: Dossier) -> list[Participation]:
    """Return the participations the acting tenant may read (all for the lead, else its own), with their lines."""
    return list(
        db.session.scalars(
            select(Participation)
            .where(Participation.dossier_id == dossier.id)
            .order_by(Participation.id)
            .options(joinedload(Participation.lines))
        ).unique()
    )


def _grant_to_lead(obj: Participation | ParticipationLine, dossier: Dossier) -> None:
    if obj.tenant_id == dossier.tenant_id:
        set_audience(obj, "own")
    else:
        set_audience(obj, "partners", partner_ids=[dossier.tenant_id])


def join(dossier: Dossier, data: dict[str, Any]) -> Participation:
    """Express interest in (or join) a dossier for the acting tenant; only the lead reads it."""
    _require_open(dossier)
    part = own_participation(dossier, current_tenant_id())
    if part is None:
        part = Participation(dossier_id=dossier.id, status=ParticipationStatus.INTERESSE)
        db.session.add(part)
        db.session.flush()
        _grant_to_lead(part, dossier)
    elif part.status == ParticipationStatus.INGETROKKEN:
        part.status = ParticipationStatus.INTERESSE
        part.withdrawn_at = None
    if data.get("contact_name") is not None:
        part.contact_name = data["contact_name"].strip()
    if data.get("lines"):
        set_lines(part, data["lines"])
    if data.get("mandate_reference"):
        record_mandate(part, data)
    db.session.flush()
    return part


def set_lines(part: Participation, lines: list[dict[str, Any]]) -> None:
    """Declare quantities and amounts per lot (before the joining deadline)."""
    dossier = part.dossier
    _require_open(dossier)
    lots = {lot.id: lot for lot in dossier.lots}
    existing = {line.lot_id: line for line in part.lines}
    for row in lines:
        lot_id = int(row["lot_id"])
        if lot_id not in lots:
            raise DomainError(_("Dit perceel hoort niet bij het dossier."), field="lines", status_code=422)
        quantity, amount = Decimal(row.get("quantity") or 0), Decimal(row.get("amount") or 0)
        if quantity < 0 or amount < 0:
            raise DomainError(_("Hoeveelheden en bedragen kunnen niet negatief zijn."), field="lines", status_code=422)
        line = existing.get(lot_id)
        if line is None:
            line = ParticipationLine(participation_id=part.id, lot_id=lot_id, quantity=quantity, amount=amount)
            db.session.add(line)
            part.lines.append(line)
            db.session.flush()
            _grant_to_lead(line, dossier)
        else:
            line.quantity, line.amount = quantity, amount
    db.session.flush()


def record_mandate(part: Participation, data: dict[str, Any]) -> Participation:
    """Record the participant's own mandate decision; from then on the participation counts."""
    _require_open(part.dossier)
    body, on, ref = data.get("mandate_body"), data.get("mandate_on"), (data.get("mandate_reference") or "").strip()
    if not body or on is None or not ref:
        raise DomainError(
            _("Vul het orgaan, de datum en de referentie van de mandaatbeslissing in."),
            field="mandate_reference",
            status_code=422,
        )
    if on > today():
        raise DomainError(
            _("De mandaatbeslissing kan niet in de toekomst liggen."), field="mandate_on", status_code=422
        )
    part.mandate_body, part.mandate_on, part.mandate_reference = body, on, ref
    part.status = ParticipationStatus.DEELNAME
    part.withdrawn_at = None
    db.session.flush()
    return part


def withdraw(part: Participation) -> Participation:
    """Withdraw before the joining deadline; the participation no longer counts."""
    _require_open(part.dossier)
    part.status = ParticipationStatus.INGETROKKEN
    part.withdrawn_at = utcnow()
    db.session.flush()
    return part


@dataclass
class LotNeeds:
    """The consolidated needs of one lot."""

    lot: Lot
    rows: list[tuple[Participation, ParticipationLine]] = field(default_factory=list)

    @property
    def total_quantity(self) -> Decimal:
        return sum((Decimal(line.quantity) for _p, line in self.rows), Decimal("0"))

    @property
    def total_amount(self) -> Decimal:
        return sum((Decimal(line.amount) for _p, line in self.rows), Decimal("0"))


def consolidated_needs(dossier: Dossier, participations: list[Participation] | None = None) -> list[LotNeeds]:
    """Return per lot the counting participants' quantities and amounts (only with a mandate).

    ``participations``: the dossier's ``dossier_participations`` (with their lines) when the
    caller read them already; the same rows then need no query of their own.
    """
    needs = {lot.id: LotNeeds(lot) for lot in dossier.lots}
    if participations is None:
        stmt = (
            select(Participation, ParticipationLine)
            .join(ParticipationLine, ParticipationLine.participation_id == Participation.id)
            .where(
                Participation.dossier_id == dossier.id,
                Participation.status == ParticipationStatus.DEELNAME,
                Participation.mandate_reference.is_not(None),
            )
            .order_by(Participation.id)
        )
        pairs = [(part, line) for part, line in db.session.execute(stmt).all()]
    else:
        pairs = [
            (part, line)
            for part in sorted(participations, key=lambda p: p.id)
            if part.status == ParticipationStatus.DEELNAME and part.mandate_reference is not None
            for line in part.lines
        ]
    for part, line in pairs:
        if line.lot_id in needs:
            needs[line.lot_id].rows.append((part, line))
    return [needs[lot.id] for lot in dossier.lots]


def needs_table(dossier: Dossier) -> tuple[list[str], list[list[Any]]]:
    """Return the consolidated needs as a header and rows: one row per participant and a total per lot."""
    header = [_("Dossier"), _("Perceel"), _("Bestuur"), _("Eenheid"), _("Hoeveelheid"), _("Bedrag (EUR)")]
    rows: list[list[Any]] = []
    for entry in consolidated_needs(dossier):
        label = f"{entry.lot.number}. {entry.lot.title}"
        for part, line in entry.rows:
            rows.append(
                [dossier.title, label, part.tenant.name, entry.lot.unit, Decimal(line.quantity), Decimal(line.amount)]
            )
        rows.append([dossier.title, label, _("Totaal"), entry.lot.unit, entry.total_quantity, entry.total_amount])
    return header, rows


def per_lot_needs(dossier: Dossier) -> dict[int, LotNeeds]:
    """Return the consolidated needs keyed by lot id."""
    return {entry.lot.id: entry for entry in consolidated_needs(dossier)}
