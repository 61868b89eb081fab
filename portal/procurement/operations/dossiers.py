"""Dossiers, lots and stages: create, open for joining, stage dates in order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.procurement.models import (
    STAGES,
    Document,
    Dossier,
    DossierStage,
    DossierStatus,
    Lot,
    ParticipationStatus,
    Question,
    Stage,
)
from portal.procurement.operations._common import _check_cpv, _mirror, _notify_tenant
from portal.procurement.operations.participations import dossier_participations
from tenants.context import current_tenant_id
from tenants.sharing import current_regions, partner_tenants, readable_prefilter, set_audience, today


def visible_dossiers(q: str | None = None) -> Select[Any]:
    """Return a query of dossiers the acting tenant may read (own and open in its regions)."""
    stmt = select(Dossier).where(
        readable_prefilter(Dossier, current_tenant_id()),
        or_(Dossier.tenant_id == current_tenant_id(), Dossier.status != DossierStatus.CONCEPT),
    )
    if q:
        like = f"%{q.strip()[:100]}%"
        stmt = stmt.where(or_(Dossier.title.ilike(like), Dossier.cpv_code.ilike(like)))
    return stmt.order_by(Dossier.created_at.desc(), Dossier.id.desc())


def create_dossier(data: dict[str, Any]) -> Dossier:
    """Create a dossier led by the acting tenant, with its seven stages and its lots."""
    dossier = Dossier(
        title=data["title"].strip(),
        description=data.get("description") or "",
        cpv_code=_check_cpv(data["cpv_code"]),
        legal_form=data["legal_form"],
        procedure=data["procedure"],
        estimated_value=data["estimated_value"],
        joining_deadline_on=data.get("joining_deadline_on"),
        allows_later_joining=bool(data.get("allows_later_joining")),
        status=DossierStatus.CONCEPT,
        stage=STAGES[0],
    )
    db.session.add(dossier)
    db.session.flush()
    for position, code in enumerate(STAGES):
        stage = Stage(dossier_id=dossier.id, stage=code, position=position)
        _mirror(stage, dossier)
        db.session.add(stage)
    for number, lot in enumerate(data.get("lots") or [], start=1):
        add_lot(dossier, {**lot, "number": lot.get("number") or number})
    db.session.flush()
    return dossier


def update_dossier(dossier: Dossier, data: dict[str, Any]) -> Dossier:
    """Change the fields present in ``data`` (the lead only)."""
    if "cpv_code" in data:
        dossier.cpv_code = _check_cpv(data["cpv_code"])
    for name in (
        "title",
        "description",
        "legal_form",
        "procedure",
        "estimated_value",
        "joining_deadline_on",
        "allows_later_joining",
    ):
        if name in data:
            setattr(dossier, name, data[name])
    db.session.flush()
    return dossier


def add_lot(dossier: Dossier, data: dict[str, Any]) -> Lot:
    """Add a perceel to a dossier."""
    number = data.get("number") or (max((lot.number for lot in dossier.lots), default=0) + 1)
    if any(lot.number == number for lot in dossier.lots):
        raise DomainError(_("Er bestaat al een perceel met nummer %(n)s.", n=number), field="number")
    lot = Lot(
        dossier_id=dossier.id,
        number=number,
        title=data["title"].strip(),
        unit=(data.get("unit") or "stuk").strip(),
        estimated_value=data.get("estimated_value") or Decimal("0"),
    )
    _mirror(lot, dossier)
    db.session.add(lot)
    dossier.lots.append(lot)
    db.session.flush()
    return lot


def _reshare_children(dossier: Dossier) -> None:
    children: list[Any] = [
        *db.session.scalars(select(Lot).where(Lot.dossier_id == dossier.id, Lot.tenant_id == dossier.tenant_id)),
        *db.session.scalars(select(Stage).where(Stage.dossier_id == dossier.id, Stage.tenant_id == dossier.tenant_id)),
        *db.session.scalars(
            select(Question).where(Question.dossier_id == dossier.id, Question.tenant_id == dossier.tenant_id)
        ),
        *db.session.scalars(
            select(Document).where(Document.dossier_id == dossier.id, Document.tenant_id == dossier.tenant_id)
        ),
    ]
    for child in children:
        _mirror(child, dossier)
    db.session.flush()


def open_dossier(dossier: Dossier, region_id: int | None) -> Dossier:
    """Open the dossier for joining by the current members of one of the lead's regions."""
    if not dossier.lots:
        raise DomainError(_("Voeg eerst minstens één perceel toe."))
    if dossier.joining_deadline_on is None or dossier.joining_deadline_on < today():
        raise DomainError(
            _("Kies een uiterste toetredingsdatum die niet in het verleden ligt."),
            field="joining_deadline_on",
            status_code=422,
        )
    if region_id is None:
        regions = current_regions(dossier.tenant_id)
        region_id = regions[0].id if len(regions) == 1 else None
    if region_id is None:
        raise DomainError(_("Kies het samenwerkingsverband."), field="region_id", status_code=422)
    set_audience(dossier, "region", region_id=region_id)
    dossier.status = DossierStatus.OPEN
    _reshare_children(dossier)
    for partner in partner_tenants(dossier.tenant_id):
        if dossier.region_id is not None:
            _notify_tenant(
                partner.id,
                _("Nieuw aankoopdossier open voor toetreding: %(t)s", t=dossier.title),
                f"/dossiers/{dossier.id}",
                f"proc-open:{dossier.id}:{partner.id}",
            )
    return dossier


def set_stage(dossier: Dossier, code: str, planned_on: date | None, actual_on: date | None) -> Stage:
    """Set the planned and actual dates of one stage; dates follow the order of the stages."""
    stages = {s.stage: s for s in dossier.stages}
    if code not in stages:
        raise DomainError(_("Onbekende fase."), field="stage", status_code=422)
    position = STAGES.index(code)
    for other in dossier.stages:
        for mine, theirs, kind in ((planned_on, other.planned_on, "planned"), (actual_on, other.actual_on, "actual")):
            if mine is None or theirs is None or other.stage == code:
                continue
            if (other.position < position and theirs > mine) or (other.position > position and theirs < mine):
                field_name = "planned_on" if kind == "planned" else "actual_on"
                raise DomainError(
                    _("De datums van de fasen moeten in volgorde liggen (botst met fase %(s)s).", s=other.stage),
                    field=field_name,
                    status_code=422,
                )
    stage = stages[code]
    stage.planned_on = planned_on
    before = dossier.stage
    stage.actual_on = actual_on
    reached = [s for s in sorted(dossier.stages, key=lambda s: s.position) if s.actual_on is not None]
    dossier.stage = reached[-1].stage if reached else STAGES[0]
    if dossier.stage == DossierStage.AFGESLOTEN:
        dossier.status = DossierStatus.GESLOTEN
    db.session.flush()
    if dossier.stage != before:
        for part in dossier_participations(dossier):
            if part.tenant_id != dossier.tenant_id and part.status != ParticipationStatus.INGETROKKEN:
                _notify_tenant(
                    part.tenant_id,
                    _("Aankoopdossier %(t)s: nieuwe fase %(s)s", t=dossier.title, s=dossier.stage),
                    f"/dossiers/{dossier.id}",
                    f"proc-stage:{dossier.id}:{dossier.stage}",
                )
    return stage
