"""The region's inventory of existing cooperations and their evaluations at table meetings."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.core.errors import DomainError
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.policy_tables.models import CRITERIA, Cooperation, CooperationEvaluation, Meeting, PolicyTable
from portal.procurement.validators import kbo_error, normalise_kbo
from tenants.context import current_tenant_id
from tenants.models import Tenant
from tenants.sharing import is_member, readable_prefilter, region_members, set_audience


def visible_cooperations(q: str | None = None, legal_form: str | None = None) -> Select[Any]:
    """Return a query of the inventory entries the acting tenant may read."""
    stmt = select(Cooperation).where(readable_prefilter(Cooperation, current_tenant_id()))
    if q:
        stmt = stmt.where(Cooperation.name.ilike(f"%{q.strip()[:100]}%"))
    if legal_form:
        stmt = stmt.where(Cooperation.legal_form == legal_form)
    return stmt.order_by(Cooperation.name, Cooperation.id)


def _partners(region_id: int | None, partner_ids: list[int], tenant_id: int) -> list[int]:
    allowed = {t.id for t in region_members(region_id)} if region_id is not None else {tenant_id}
    wanted = sorted(set(partner_ids) | {tenant_id})
    if not set(wanted) <= allowed:
        raise DomainError(
            _("Partnerbesturen moeten lid zijn van het samenwerkingsverband."), field="partner_ids", status_code=422
        )
    return wanted


def _kbo_value(value: str | None) -> str:
    digits = normalise_kbo(value)
    if not digits:
        return ""
    message = kbo_error(digits)
    if message:
        raise DomainError(message, field="kbo_number", status_code=422)
    return digits.rjust(10, "0")


def create_cooperation(data: dict[str, Any], *, tenant_id: int) -> Cooperation:
    """Register an existing cooperation in the inventory of a region the tenant belongs to."""
    region_id = data["region_id"]
    if not is_member(tenant_id, region_id):
        raise DomainError(
            _("Je kan enkel samenwerkingen registreren in een samenwerkingsverband waarvan je bestuur lid is."),
            field="region_id",
            status_code=422,
        )
    name = data["name"].strip()
    if db.session.scalar(select(Cooperation.id).where(Cooperation.tenant_id == tenant_id, Cooperation.name == name)):
        raise DomainError(_("Er bestaat al een samenwerking met deze naam."), field="name", status_code=409)
    obj = Cooperation(
        name=name,
        legal_form=data["legal_form"],
        domain=(data.get("domain") or "").strip(),
        partner_ids=_partners(region_id, data.get("partner_ids") or [], tenant_id),
        other_partners=(data.get("other_partners") or "").strip(),
        kbo_number=_kbo_value(data.get("kbo_number")),
        started_on=data.get("started_on"),
        contact=(data.get("contact") or "").strip(),
    )
    db.session.add(obj)
    db.session.flush()
    set_audience(obj, "region", region_id=region_id)
    return obj


def update_cooperation(obj: Cooperation, data: dict[str, Any]) -> Cooperation:
    """Change the fields present in ``data`` (the owner only)."""
    if "name" in data:
        name = data["name"].strip()
        clash = db.session.scalar(
            select(Cooperation.id).where(
                Cooperation.tenant_id == obj.tenant_id, Cooperation.name == name, Cooperation.id != obj.id
            )
        )
        if clash:
            raise DomainError(_("Er bestaat al een samenwerking met deze naam."), field="name", status_code=409)
        obj.name = name
    for key in ("legal_form", "started_on"):
        if key in data:
            setattr(obj, key, data[key])
    for key in ("domain", "other_partners", "contact"):
        if key in data:
            setattr(obj, key, (data[key] or "").strip())
    if "kbo_number" in data:
        obj.kbo_number = _kbo_value(data["kbo_number"])
    if "partner_ids" in data:
        obj.partner_ids = _partners(obj.region_id, data["partner_ids"] or [], obj.tenant_id)
    db.session.flush()
    return obj


def partner_names(obj: Cooperation) -> list[str]:
    """Return the names of the participating municipalities."""
    if not obj.partner_ids:
        return []
    with_ids = db.session.scalars(select(Tenant.name).where(Tenant.id.in_(obj.partner_ids)).order_by(Tenant.name))
    return list(with_ids)


def evaluations_of(obj: Cooperation) -> list[CooperationEvaluation]:
    """Return the evaluation history of a cooperation, newest first."""
    return list(
        db.session.scalars(
            select(CooperationEvaluation)
            .where(CooperationEvaluation.cooperation_id == obj.id)
            .order_by(CooperationEvaluation.created_at.desc(), CooperationEvaluation.id.desc())
        )
    )


def evaluation_meetings(obj: Cooperation, tenant_id: int) -> list[Meeting]:
    """Return the meetings the acting tenant chairs in the cooperation's region, latest first."""
    stmt = select(Meeting).join(PolicyTable, PolicyTable.id == Meeting.table_id).where(Meeting.tenant_id == tenant_id)
    if obj.region_id is not None:
        stmt = stmt.where(PolicyTable.region_id == obj.region_id)
    return list(db.session.scalars(stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc())))


def evaluate_cooperation(obj: Cooperation, data: dict[str, Any], *, tenant_id: int) -> CooperationEvaluation:
    """Record an evaluation made at a table meeting the acting tenant chairs (its own row).

    Without a meeting the latest meeting the tenant chairs in the region is taken.
    """
    meetings = evaluation_meetings(obj, tenant_id)
    wanted = data.get("meeting_id")
    meeting = meetings[0] if wanted is None and meetings else next((m for m in meetings if m.id == wanted), None)
    if meeting is None:
        raise DomainError(
            _("Evalueer op een vergadering van een tafel die je bestuur voorzit in dit samenwerkingsverband."),
            field="meeting_id",
            status_code=422,
        )
    evaluation = CooperationEvaluation(
        cooperation_id=obj.id,
        meeting_id=meeting.id,
        notes=sanitise(data.get("notes")),
        recommendation=data["recommendation"],
        **{key: data[key] for key in CRITERIA},
    )
    db.session.add(evaluation)
    db.session.flush()
    if obj.region_id is not None:
        set_audience(evaluation, "region", region_id=obj.region_id)
    return evaluation
