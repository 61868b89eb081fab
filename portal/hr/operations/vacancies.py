"""Vacancies: the visible and public lists, writing, time shares of a shared post, the status flow."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select

from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.hr.models import (
    CLOSED_VACANCY_STATUSES,
    OPEN_VACANCY_STATUSES,
    PUBLIC_KINDS,
    Vacancy,
    VacancyKind,
    VacancyShare,
    VacancyStatus,
)
from portal.hr.operations.interests import _notify_interested
from tenants.context import current_tenant_id
from tenants.sharing import partner_tenants, readable_prefilter, set_audience, today

#: Allowed status moves of a vacancy.
VACANCY_FLOW: dict[str, tuple[str, ...]] = {
    VacancyStatus.CONCEPT: (VacancyStatus.GEPUBLICEERD, VacancyStatus.GEANNULEERD),
    VacancyStatus.GEPUBLICEERD: (VacancyStatus.AFGESLOTEN, VacancyStatus.GEANNULEERD),
    VacancyStatus.AFGESLOTEN: (VacancyStatus.INGEVULD, VacancyStatus.GEANNULEERD, VacancyStatus.GEPUBLICEERD),
    VacancyStatus.INGEVULD: (),
    VacancyStatus.GEANNULEERD: (),
}
FIELDS = (
    "title", "department", "function_name", "grade", "employment", "percentage", "salary_min", "salary_max",
    "selection_steps", "deadline_on", "kind",
)  # fmt: skip


def visible_vacancies(q: str | None = None, *, status: str | None = None) -> Select[Any]:
    """Return vacancies the acting tenant may read: all own ones, published shared ones of partners."""
    tenant_id = current_tenant_id()
    # The prefilter lets PostgreSQL read only own and partners' rows, not every published vacancy of Flanders.
    stmt = select(Vacancy).where(
        readable_prefilter(Vacancy, tenant_id),
        or_(Vacancy.tenant_id == tenant_id, Vacancy.status == VacancyStatus.GEPUBLICEERD),
    )
    if status:
        stmt = stmt.where(Vacancy.status == status)
    if q:
        like = f"%{q.strip()[:100]}%"
        stmt = stmt.where(or_(Vacancy.title.ilike(like), Vacancy.department.ilike(like)))
    return stmt.order_by(Vacancy.deadline_on.desc(), Vacancy.id.desc())


def public_vacancies(tenant_id: int) -> Select[Any]:
    """Return the published external vacancies of ``tenant_id`` (call inside its tenant context)."""
    return (
        select(Vacancy)
        .where(
            Vacancy.tenant_id == tenant_id,
            Vacancy.status == VacancyStatus.GEPUBLICEERD,
            Vacancy.kind.in_(PUBLIC_KINDS),
            Vacancy.deadline_on >= today(),
        )
        .order_by(Vacancy.deadline_on, Vacancy.id)
    )


def _set_shares(obj: Vacancy, shares: list[dict[str, int]]) -> None:
    if obj.kind != VacancyKind.GEDEELD:
        obj.shares.clear()
        return
    allowed = {t.id for t in partner_tenants(obj.tenant_id)} | {obj.tenant_id}
    ids = [s["municipality_id"] for s in shares]
    if obj.tenant_id not in ids:
        raise DomainError(_("Een gedeelde functie bevat altijd je eigen bestuur."), field="shares", status_code=422)
    if len(set(ids)) != len(ids) or not set(ids) <= allowed:
        raise DomainError(_("Kies elk partnerbestuur hoogstens één keer."), field="shares", status_code=422)
    if len(ids) < 2:
        raise DomainError(_("Een gedeelde functie heeft minstens twee besturen."), field="shares", status_code=422)
    if sum(s["share_percent"] for s in shares) != 100:
        raise DomainError(_("De tijdsaandelen moeten samen 100% zijn."), field="shares", status_code=422)
    obj.shares.clear()
    db.session.flush()
    for s in shares:
        obj.shares.append(VacancyShare(municipality_id=s["municipality_id"], share_percent=s["share_percent"]))


def _apply(obj: Vacancy, data: dict[str, Any]) -> None:
    for name in FIELDS:
        if name in data:
            value = data[name]
            setattr(obj, name, value.strip() if isinstance(value, str) else value)
    if "description_html" in data:
        obj.description_html = sanitise(data["description_html"])
    if "profile_html" in data:
        obj.profile_html = sanitise(data["profile_html"])
    if "deadline_on" in data and obj.status in OPEN_VACANCY_STATUSES and data["deadline_on"] < today():
        raise DomainError(_("De uiterste datum mag niet in het verleden liggen."), field="deadline_on", status_code=422)


def create_vacancy(data: dict[str, Any], *, author_id: int | None) -> Vacancy:
    """Create a concept vacancy for the acting tenant, with its audience and time shares."""
    obj = Vacancy(status=VacancyStatus.CONCEPT, created_by_id=author_id)
    _apply(obj, data)
    db.session.add(obj)
    db.session.flush()
    _set_shares(obj, data.get("shares") or [])
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    db.session.flush()
    return obj


def update_vacancy(obj: Vacancy, data: dict[str, Any]) -> Vacancy:
    """Change a vacancy that is still open (concept or published)."""
    if obj.status not in OPEN_VACANCY_STATUSES:
        raise DomainError(_("Een afgesloten vacature kan je niet meer wijzigen."))
    _apply(obj, data)
    if "kind" in data or "shares" in data:
        _set_shares(obj, data.get("shares") or [])
    if "audience" in data:
        set_audience(obj, data["audience"], region_id=data.get("region_id"), partner_ids=data.get("partner_ids", []))
    db.session.flush()
    return obj


def change_vacancy_status(obj: Vacancy, status: str) -> Vacancy:
    """Move a vacancy along concept -> gepubliceerd -> afgesloten -> ingevuld / geannuleerd."""
    if status not in VACANCY_FLOW.get(obj.status, ()):
        raise DomainError(_("Deze statuswijziging is niet toegelaten."), field="status")
    if status == VacancyStatus.GEPUBLICEERD:
        if obj.deadline_on < today():
            raise DomainError(_("De uiterste datum mag niet in het verleden liggen."), field="deadline_on")
        if obj.kind == VacancyKind.INTERN and obj.audience == "own":
            raise DomainError(_("Deel een vacature voor interne mobiliteit met je samenwerkingsverband of partners."))
        obj.published_at = obj.published_at or utcnow()
    if status in CLOSED_VACANCY_STATUSES and obj.closed_at is None:
        obj.closed_at = utcnow()
    first_publication = status == VacancyStatus.GEPUBLICEERD and obj.status == VacancyStatus.CONCEPT
    if status == VacancyStatus.GEPUBLICEERD:
        obj.closed_at = None
    obj.status = status
    db.session.flush()
    if first_publication:
        _notify_interested(obj)
    return obj
