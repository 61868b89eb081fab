"""Joint procurement operations: validate, change state, flush, never commit."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from portal.auth.models import User, UserRole
from portal.core.errors import DomainError
from portal.core.files import store_document
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.roles import AANKOPER
from portal.extensions import db
from portal.procurement.models import (
    DOCUMENT_KINDS,
    STAGES,
    Document,
    DocumentKind,
    Dossier,
    DossierStage,
    DossierStatus,
    LegalForm,
    Lot,
    Participation,
    ParticipationLine,
    ParticipationStatus,
    PurchasePlan,
    Question,
    Stage,
)
from portal.procurement.validators import cpv_error, format_kbo, kbo_error
from tenants.context import acting_tenant_id, current_tenant_id
from tenants.models import Tenant
from tenants.sharing import current_regions, partner_tenants, readable_prefilter, set_audience, today

CATEGORY = "aankoop"

# -- notifications --------------------------------------------------------------------------


def _aankopers(tenant_id: int) -> list[User]:
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.tenant_id == tenant_id, User.is_active.is_(True), UserRole.role == AANKOPER)
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt).unique())


def _notify_tenant(tenant_id: int, title: str, path: str, key: str, body: str = "") -> int:
    """Notify the aankopers of ``tenant_id``; ``path`` is appended to the tenant's slug."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        return 0
    sent = 0
    for user in _aankopers(tenant_id):
        note = notify(
            user,
            category=CATEGORY,
            title=title,
            body=body,
            link=f"/{tenant.slug}/aankoop{path}",
            dedupe_key=f"{key}:{user.id}"[:200],
            source_tenant_id=current_tenant_id(),
        )
        sent += note is not None
    return sent


# -- purchase planning and bundling ---------------------------------------------------------


def _check_cpv(code: str) -> str:
    message = cpv_error(code)
    if message:
        raise DomainError(message, field="cpv_code", status_code=422)
    return code.strip()


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise DomainError(
            _("Het einde van de periode ligt vóór het begin."), field="expected_until_on", status_code=422
        )


def visible_plans(*, own_only: bool = False, tenant_id: int | None = None) -> Select[Any]:
    """Return a query of purchase plans the acting tenant may read, soonest first."""
    stmt = select(PurchasePlan).where(readable_prefilter(PurchasePlan, current_tenant_id()))
    if own_only:
        stmt = stmt.where(PurchasePlan.tenant_id == tenant_id)
    return stmt.order_by(PurchasePlan.expected_from_on, PurchasePlan.id)


def _share_plan(plan: PurchasePlan, region_id: int | None) -> None:
    if region_id:
        set_audience(plan, "region", region_id=region_id)
    else:
        set_audience(plan, "own")


def create_plan(data: dict[str, Any]) -> PurchasePlan:
    """Add a planned purchase for the acting tenant; share it with a region when asked."""
    cpv = _check_cpv(data["cpv_code"])
    _check_period(data["expected_from_on"], data["expected_until_on"])
    plan = PurchasePlan(
        subject=data["subject"].strip(),
        cpv_code=cpv,
        estimated_value=data["estimated_value"],
        expected_from_on=data["expected_from_on"],
        expected_until_on=data["expected_until_on"],
        notes=data.get("notes") or "",
    )
    db.session.add(plan)
    db.session.flush()
    _share_plan(plan, data.get("region_id"))
    notify_bundling(plan)
    return plan


def update_plan(plan: PurchasePlan, data: dict[str, Any]) -> PurchasePlan:
    """Change the fields present in ``data``."""
    if "cpv_code" in data:
        plan.cpv_code = _check_cpv(data["cpv_code"])
    for name in ("subject", "estimated_value", "expected_from_on", "expected_until_on", "notes"):
        if name in data:
            setattr(plan, name, data[name].strip() if name == "subject" else data[name])
    _check_period(plan.expected_from_on, plan.expected_until_on)
    if "region_id" in data:
        _share_plan(plan, data["region_id"])
    db.session.flush()
    notify_bundling(plan)
    return plan


def delete_plan(plan: PurchasePlan) -> None:
    """Delete a planned purchase and its grants."""
    set_audience(plan, "own")
    db.session.delete(plan)
    db.session.flush()


@dataclass
class Suggestion:
    """Two plans of partners in the same CPV group with overlapping timing."""

    own: PurchasePlan
    other: PurchasePlan

    @property
    def combined_value(self) -> Decimal:
        return Decimal(self.own.estimated_value) + Decimal(self.other.estimated_value)


def bundling_suggestions(tenant_id: int, plan: PurchasePlan | None = None) -> list[Suggestion]:
    """Return bundling suggestions for the tenant's shared plans with current partners' plans.

    Only plans that both sides share are compared (so both aankopers see the same pair), and
    only with tenants that are current partners: a former member or another region never shows.
    """
    partners = {t.id for t in partner_tenants(tenant_id)}
    if not partners:
        return []
    own_stmt = select(PurchasePlan).where(PurchasePlan.tenant_id == tenant_id, PurchasePlan.audience != "own")
    if plan is not None:
        own_stmt = own_stmt.where(PurchasePlan.id == plan.id)
    own_plans = list(db.session.scalars(own_stmt))
    if not own_plans:
        return []
    others = list(
        db.session.scalars(
            select(PurchasePlan).where(
                PurchasePlan.tenant_id.in_(partners),
                PurchasePlan.audience != "own",
                PurchasePlan.expected_until_on >= today(),
            )
        )
    )
    found = []
    for mine in own_plans:
        for other in others:
            if (
                other.cpv_group == mine.cpv_group
                and other.expected_from_on <= mine.expected_until_on
                and mine.expected_from_on <= other.expected_until_on
            ):
                found.append(Suggestion(mine, other))
    found.sort(key=lambda s: (s.own.expected_from_on, s.other.expected_from_on, s.other.id))
    return found


def notify_bundling(plan: PurchasePlan) -> int:
    """Tell both aankopers about each new bundling opportunity of ``plan`` (once per pair)."""
    sent = 0
    for s in bundling_suggestions(plan.tenant_id, plan):
        pair = sorted((s.own.id, s.other.id))
        title = _("Bundelkans: %(a)s en %(b)s", a=s.own.subject, b=s.other.subject)
        sent += _notify_tenant(s.own.tenant_id, title, "/planning", f"proc-bundle:{pair[0]}:{pair[1]}")
        sent += _notify_tenant(s.other.tenant_id, title, "/planning", f"proc-bundle:{pair[0]}:{pair[1]}")
    return sent


# -- dossiers, lots and stages --------------------------------------------------------------


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


def _mirror(child: Lot | Stage | Question | Document, dossier: Dossier) -> None:
    """Children are readable by exactly the readers of their dossier."""
    child.audience = dossier.audience
    child.region_id = dossier.region_id


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


# -- participation -------------------------------------------------------------------------


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
    """Return the acting tenant's participation in the dossier, if any."""
    return db.session.scalar(
        select(Participation).where(Participation.dossier_id == dossier.id, Participation.tenant_id == tenant_id)
    )


def own_participations(tenant_id: int | None) -> Select[Any]:
    """Return a query of the tenant's own participations, newest first."""
    return (
        select(Participation)
        .where(Participation.tenant_id == tenant_id)
        .order_by(Participation.created_at.desc(), Participation.id.desc())
    )


def dossier_participations(dossier: Dossier) -> list[Participation]:
    """Return the participations the acting tenant may read (all of them for the lead, else its own)."""
    return list(
        db.session.scalars(
            select(Participation).where(Participation.dossier_id == dossier.id).order_by(Participation.id)
        )
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


def consolidated_needs(dossier: Dossier) -> list[LotNeeds]:
    """Return per lot the counting participants' quantities and amounts (only with a mandate)."""
    needs = {lot.id: LotNeeds(lot) for lot in dossier.lots}
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
    for part, line in db.session.execute(stmt).all():
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


# -- award, savings, contracts ----------------------------------------------------------------


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


def savings(dossier: Dossier, lot_ids: Collection[int] | None = None) -> list[Saving]:
    """Return per participant the estimate vs its share of the awarded value of awarded lots.

    The awarded value of a lot is split over the participants by quantity (by amount when the
    lot has no quantities). ``lot_ids`` limits it to those lots (the council report's period).
    """
    per: dict[int, Saving] = {}
    for entry in consolidated_needs(dossier):
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


# -- questions and answers -----------------------------------------------------------------


def post_question(dossier: Dossier, body: str, author_name: str) -> Question:
    """Post a message in the dossier's Q&A thread, readable by every reader of the dossier."""
    text = (body or "").strip()
    if not text:
        raise DomainError(_("Schrijf eerst een vraag of antwoord."), field="body", status_code=422)
    if dossier.status == DossierStatus.CONCEPT and dossier.tenant_id != current_tenant_id():
        raise DomainError(_("Dit dossier is nog niet open."))
    message = Question(dossier_id=dossier.id, body=text[:5000], author_name=author_name[:160])
    db.session.add(message)
    db.session.flush()
    if dossier.audience == "region" and dossier.region_id is not None:
        set_audience(message, "region", region_id=dossier.region_id)
    if dossier.tenant_id != current_tenant_id():
        _notify_tenant(
            dossier.tenant_id,
            _("Nieuwe vraag bij %(t)s", t=dossier.title),
            f"/dossiers/{dossier.id}",
            f"proc-question:{message.id}",
        )
    else:
        # The lead answers: whoever asked in the thread, and the participants, hear of it.
        askers = set(db.session.scalars(select(Question.tenant_id).where(Question.dossier_id == dossier.id)))
        parties = {p.tenant_id for p in dossier_participations(dossier) if p.status != ParticipationStatus.INGETROKKEN}
        partners = {t.id for t in partner_tenants(dossier.tenant_id)}
        for tenant_id in sorted(((askers | parties) & partners) - {dossier.tenant_id}):
            _notify_tenant(
                tenant_id,
                _("Nieuw antwoord bij %(t)s", t=dossier.title),
                f"/dossiers/{dossier.id}",
                f"proc-answer:{message.id}:{tenant_id}",
            )
    return message


def dossier_questions(dossier: Dossier) -> list[Question]:
    """Return the Q&A thread of a dossier, oldest first."""
    return list(
        db.session.scalars(
            select(Question).where(Question.dossier_id == dossier.id).order_by(Question.created_at, Question.id)
        )
    )


# -- documents (knowledge exchange) -------------------------------------------------------------


def dossier_documents(dossier: Dossier) -> list[Document]:
    """Return the documents of a dossier the acting tenant may read, bestek first, newest first."""
    docs = db.session.scalars(
        select(Document).where(Document.dossier_id == dossier.id).order_by(Document.created_at.desc(), Document.id)
    )
    return sorted(docs, key=lambda d: DOCUMENT_KINDS.index(d.kind))


def may_share_documents(dossier: Dossier, tenant_id: int | None) -> bool:
    """The lead shares documents; a partner once it takes part (interest or participation, not withdrawn)."""
    if dossier.tenant_id == tenant_id:
        return True
    if dossier.status == DossierStatus.CONCEPT:
        return False
    part = own_participation(dossier, tenant_id)
    return part is not None and part.status != ParticipationStatus.INGETROKKEN


def add_document(dossier: Dossier, upload: FileStorage | None, data: dict[str, Any], author_name: str) -> Document:
    """Store a checked document (PDF, DOCX, ODT) in the dossier, readable by exactly its readers."""
    tenant_id = current_tenant_id()
    is_lead = dossier.tenant_id == tenant_id
    if not may_share_documents(dossier, tenant_id):
        raise DomainError(
            _("Enkel de trekker en de deelnemende besturen delen documenten. Toon eerst je interesse."),
            status_code=409,
        )
    kind = data.get("kind") or DocumentKind.ANDERE
    if kind not in DOCUMENT_KINDS:
        raise DomainError(_("Kies het soort document."), field="kind", status_code=422)
    if kind == DocumentKind.BESTEK and not is_lead:
        raise DomainError(_("Enkel de trekker deelt het bestek."), field="kind", status_code=422)
    title = (data.get("title") or "").strip()
    if len(title) > 200:
        raise DomainError(_("De titel mag hoogstens 200 tekens lang zijn."), field="title", status_code=422)
    stored = store_document(upload, int(tenant_id or 0))
    duplicate = db.session.scalar(
        select(Document.id).where(
            Document.dossier_id == dossier.id, Document.tenant_id == tenant_id, Document.sha256 == stored.sha256
        )
    )
    if duplicate is not None:
        raise DomainError(_("Dit bestand is al gedeeld in dit dossier."), field="file", status_code=409)
    doc = Document(
        dossier_id=dossier.id,
        kind=kind,
        title=title or stored.filename,
        filename=stored.filename,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        author_name=author_name[:160],
    )
    db.session.add(doc)
    db.session.flush()
    if is_lead:
        _mirror(doc, dossier)
    elif dossier.region_id is not None:
        set_audience(doc, "region", region_id=dossier.region_id)
    db.session.flush()
    if dossier.status != DossierStatus.CONCEPT:
        _notify_dossier_parties(
            dossier,
            _("Nieuw document bij %(t)s: %(d)s", t=dossier.title, d=doc.title),
            f"proc-document:{doc.id}",
        )
    return doc


def _notify_dossier_parties(dossier: Dossier, title: str, key: str) -> int:
    """Notify the lead and the participants (not withdrawn) of a dossier, except the acting tenant."""
    acting = current_tenant_id()
    tenants = {dossier.tenant_id}
    if acting == dossier.tenant_id:
        # Only the lead reads every participation.
        parties = {p.tenant_id for p in dossier_participations(dossier) if p.status != ParticipationStatus.INGETROKKEN}
        # A participant that left the region no longer sees the dossier: it hears nothing of it.
        tenants |= parties & {t.id for t in partner_tenants(dossier.tenant_id)}
    sent = 0
    for tenant_id in sorted(tenants - {acting}):
        sent += _notify_tenant(tenant_id, title, f"/dossiers/{dossier.id}", f"{key}:{tenant_id}")
    return sent


def delete_document(doc: Document) -> None:
    """Remove a document from its dossier (the uploading tenant only); the stored file may be shared."""
    db.session.delete(doc)
    db.session.flush()


def per_lot_needs(dossier: Dossier) -> dict[int, LotNeeds]:
    """Return the consolidated needs keyed by lot id."""
    return {entry.lot.id: entry for entry in consolidated_needs(dossier)}


def send_reminders(day: date | None = None) -> int:
    """Send the acting tenant's contract-expiry and joining-deadline reminders; flush, never commit.

    The daily task calls it once per municipality and commits after each one.
    """
    from flask import current_app

    months = int(current_app.config.get("PORTAL_PROCUREMENT_EXPIRY_MONTHS", 3))
    days = int(current_app.config.get("PORTAL_PROCUREMENT_DEADLINE_DAYS", 7))
    tenant_id = acting_tenant_id()
    return remind_expiring(tenant_id, months, day) + deadline_reminders(tenant_id, days, day)
