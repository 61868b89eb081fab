"""HR operations: vacancies, public and internal applications, pipeline, retention, export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select

from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import queue_mail
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.hr.models import (
    Application,
    ApplicationEvent,
    ApplicationReceipt,
    HrSettings,
    Vacancy,
    VacancyShare,
)
from tenants.context import current_context, tenant_context
from tenants.sharing import partner_tenants, set_audience, today

#: Allowed status moves of a vacancy.
VACANCY_FLOW = {
    "concept": ("gepubliceerd", "geannuleerd"),
    "gepubliceerd": ("afgesloten", "geannuleerd"),
    "afgesloten": ("ingevuld", "geannuleerd", "gepubliceerd"),
    "ingevuld": (),
    "geannuleerd": (),
}
#: Allowed status moves of an application (forward, or rejection at any open step).
APPLICATION_FLOW = {
    "ontvangen": ("screening", "afgewezen"),
    "screening": ("test", "gesprek", "afgewezen"),
    "test": ("gesprek", "afgewezen"),
    "gesprek": ("aanbod", "afgewezen"),
    "aanbod": ("aangeworven", "afgewezen"),
    "aangeworven": (),
    "afgewezen": (),
}
CV_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_RETENTION_MONTHS = 12
FIELDS = (
    "title", "department", "function_name", "grade", "employment", "percentage", "salary_min", "salary_max",
    "selection_steps", "deadline_on", "kind",
)  # fmt: skip


def visible_vacancies(q: str | None = None, *, status: str | None = None) -> Select[Any]:
    """Return vacancies the acting tenant may read: all own ones, published shared ones of partners."""
    tenant_id = current_context().tenant_id if current_context() else None  # type: ignore[union-attr]
    stmt = select(Vacancy).where(or_(Vacancy.tenant_id == tenant_id, Vacancy.status == "gepubliceerd"))
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
            Vacancy.status == "gepubliceerd",
            Vacancy.kind.in_(("extern", "gedeeld")),
            Vacancy.deadline_on >= today(),
        )
        .order_by(Vacancy.deadline_on, Vacancy.id)
    )


def _set_shares(obj: Vacancy, shares: list[dict[str, int]]) -> None:
    if obj.kind != "gedeeld":
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
    if "deadline_on" in data and obj.status in ("concept", "gepubliceerd") and data["deadline_on"] < today():
        raise DomainError(_("De uiterste datum mag niet in het verleden liggen."), field="deadline_on", status_code=422)


def create_vacancy(data: dict[str, Any], *, author_id: int | None) -> Vacancy:
    """Create a concept vacancy for the acting tenant, with its audience and time shares."""
    obj = Vacancy(status="concept", created_by_id=author_id)
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
    if obj.status not in ("concept", "gepubliceerd"):
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
    if status == "gepubliceerd":
        if obj.deadline_on < today():
            raise DomainError(_("De uiterste datum mag niet in het verleden liggen."), field="deadline_on")
        if obj.kind == "intern" and obj.audience == "own":
            raise DomainError(_("Deel een vacature voor interne mobiliteit met je samenwerkingsverband of partners."))
        obj.published_at = obj.published_at or utcnow()
    if status in ("afgesloten", "ingevuld", "geannuleerd") and obj.closed_at is None:
        obj.closed_at = utcnow()
    if status == "gepubliceerd":
        obj.closed_at = None
    obj.status = status
    db.session.flush()
    return obj


# -- applications ---------------------------------------------------------------------------------


def check_cv(filename: str | None, content: bytes | None) -> None:
    """Refuse a CV that is not a PDF (by its first bytes) or larger than the limit."""
    if content is None or not filename:
        return
    if len(content) > CV_MAX_BYTES:
        raise DomainError(_("Je cv is te groot (maximaal 2 MB)."), field="cv", status_code=413)
    if not content.startswith(b"%PDF-") or not filename.lower().endswith(".pdf"):
        raise DomainError(_("Je cv moet een PDF-bestand zijn."), field="cv", status_code=422)


def _open_for_applications(vacancy: Vacancy) -> None:
    if vacancy.status != "gepubliceerd" or vacancy.deadline_on < today():
        raise DomainError(_("Voor deze vacature kan je niet (meer) solliciteren."))


def _received_mail(app: Application) -> None:
    queue_mail(
        to=app.email,
        subject=_("Je sollicitatie voor %(title)s", title=app.vacancy.title),
        template="hr_application",
        dedupe_key=f"hr-application:{app.id}:ontvangen",
        application=app,
        status="ontvangen",
    )


def submit_public_application(vacancy: Vacancy, data: dict[str, Any], cv: tuple[str, bytes] | None) -> Application:
    """File an external candidate's application in the vacancy owner's tenant (public form)."""
    _open_for_applications(vacancy)
    if vacancy.kind not in ("extern", "gedeeld"):
        raise DomainError(_("Voor deze vacature kan je niet (meer) solliciteren."))
    if not data.get("consent"):
        raise DomainError(
            _("Geef je toestemming voor de verwerking van je gegevens."), field="consent", status_code=422
        )
    if cv is not None:
        check_cv(*cv)
    app = Application(
        vacancy_id=vacancy.id,
        source="extern",
        full_name=data["full_name"].strip(),
        email=data["email"].strip().lower(),
        motivation=data.get("motivation", "").strip(),
        cv_filename=cv[0][-200:] if cv else None,
        cv_data=cv[1] if cv else None,
        consent_at=utcnow(),
        status="ontvangen",
    )
    db.session.add(app)
    db.session.flush()
    app.vacancy = vacancy
    _received_mail(app)
    return app


def submit_internal_application(vacancy: Vacancy, user: Any, data: dict[str, Any]) -> ApplicationReceipt:
    """File a logged-in staff member's application with the vacancy owner; keep a receipt at home.

    The caller has loaded ``vacancy`` through the scoped session, so the candidate's tenant may
    read it. The application row is inserted in the owner's tenant context (the one hand-over
    of this module, insert only, see ADR 0009); the receipt is the candidate tenant's own row.
    """
    _open_for_applications(vacancy)
    if vacancy.kind != "intern" and vacancy.tenant_id != user.tenant_id:
        raise DomainError(_("Voor deze vacature solliciteer je via de publieke vacaturepagina."))
    if not data.get("consent"):
        raise DomainError(
            _("Geef je toestemming voor de verwerking van je gegevens."), field="consent", status_code=422
        )
    home = current_context()
    assert home is not None
    with tenant_context(vacancy.tenant_id, user_id=user.id, request_id=home.request_id, ip=home.ip):
        existing = db.session.scalar(
            select(Application.id).where(
                Application.vacancy_id == vacancy.id,
                Application.applicant_user_id == user.id,
                Application.anonymised_at.is_(None),
            )
        )
        if existing is not None:
            raise DomainError(_("Je solliciteerde al voor deze vacature."))
        app = Application(
            vacancy_id=vacancy.id,
            source="intern",
            applicant_user_id=user.id,
            applicant_tenant_id=user.tenant_id,
            full_name=user.full_name,
            email=user.email,
            motivation=data.get("motivation", "").strip(),
            consent_at=utcnow(),
            status="ontvangen",
        )
        db.session.add(app)
        db.session.flush()
        app_id = app.id
        _received_mail(app)
    receipt = ApplicationReceipt(
        user_id=user.id,
        vacancy_tenant_id=vacancy.tenant_id,
        vacancy_id=vacancy.id,
        application_id=app_id,
        vacancy_title=vacancy.title,
    )
    db.session.add(receipt)
    db.session.flush()
    return receipt


def own_application(receipt: ApplicationReceipt) -> Application | None:
    """Read the candidate's application behind a receipt (only their own, in the owner's context)."""
    with tenant_context(receipt.vacancy_tenant_id, user_id=receipt.user_id):
        return db.session.scalar(
            select(Application).where(
                Application.id == receipt.application_id, Application.applicant_user_id == receipt.user_id
            )
        )


def move_application(app: Application, status: str, *, author_id: int, note: str = "") -> Application:
    """Move an application along the pipeline, log it and e-mail the candidate."""
    if app.anonymised_at is not None:
        raise DomainError(_("Deze sollicitatie is geanonimiseerd."))
    if status not in APPLICATION_FLOW.get(app.status, ()):
        raise DomainError(_("Deze statuswijziging is niet toegelaten."), field="status")
    db.session.add(
        ApplicationEvent(
            application_id=app.id, author_id=author_id, from_status=app.status, to_status=status, note=note.strip()
        )
    )
    app.status = status
    db.session.flush()
    queue_mail(
        to=app.email,
        subject=_("Je sollicitatie voor %(title)s", title=app.vacancy.title),
        template="hr_application",
        dedupe_key=f"hr-application:{app.id}:{status}",
        application=app,
        status=status,
    )
    return app


def add_note(app: Application, note: str, *, author_id: int) -> ApplicationEvent:
    """Add an HR note to an application."""
    if not note.strip():
        raise DomainError(_("Schrijf een notitie."), field="note", status_code=422)
    event = ApplicationEvent(application_id=app.id, author_id=author_id, note=note.strip()[:5000])
    db.session.add(event)
    db.session.flush()
    return event


def export_application(app: Application) -> dict[str, Any]:
    """Return everything the portal holds about the candidate of ``app`` (GDPR access request)."""
    return {
        "sollicitatie": app.id,
        "vacature": {"id": app.vacancy_id, "titel": app.vacancy.title, "bestuur": app.vacancy.tenant.name},
        "naam": app.full_name,
        "e-mail": app.email,
        "motivatie": app.motivation,
        "cv": app.cv_filename,
        "toestemming_op": app.consent_at.isoformat(),
        "status": app.status,
        "ingediend_op": app.created_at.isoformat(),
        "geanonimiseerd_op": app.anonymised_at.isoformat() if app.anonymised_at else None,
        "stappen": [
            {"op": e.created_at.isoformat(), "van": e.from_status, "naar": e.to_status}
            for e in app.events
            if e.to_status
        ],
    }


# -- retention ------------------------------------------------------------------------------------


def retention_months(tenant_id: int) -> int:
    """Return the tenant's retention period for application data, in months."""
    row = db.session.scalar(select(HrSettings).where(HrSettings.tenant_id == tenant_id))
    return row.retention_months if row else DEFAULT_RETENTION_MONTHS


def set_retention_months(tenant_id: int, months: int) -> HrSettings:
    """Store the tenant's retention period."""
    if not 1 <= months <= 120:
        raise DomainError(
            _("Kies een bewaartermijn tussen 1 en 120 maanden."), field="retention_months", status_code=422
        )
    row = db.session.scalar(select(HrSettings).where(HrSettings.tenant_id == tenant_id))
    if row is None:
        row = HrSettings(retention_months=months)
        db.session.add(row)
    row.retention_months = months
    db.session.flush()
    return row


def anonymise(app: Application) -> None:
    """Erase the personal data of one application; the pipeline facts stay for statistics."""
    app.full_name = _("Geanonimiseerd")
    app.email = f"geanonimiseerd-{app.id}@invalid"
    app.motivation = ""
    app.cv_filename = None
    app.cv_data = None
    app.applicant_user_id = None
    app.anonymised_at = utcnow()
    for event in app.events:
        event.note = ""
        if event.to_status is None:
            db.session.delete(event)


def anonymise_expired(tenant_id: int) -> int:
    """Anonymise the acting tenant's applications of vacancies closed longer ago than its retention."""
    months = retention_months(tenant_id)
    limit = utcnow() - timedelta(days=round(months * 30.44))
    stmt = (
        select(Application)
        .join(Vacancy, Vacancy.id == Application.vacancy_id)
        .where(
            Application.anonymised_at.is_(None),
            Vacancy.closed_at.is_not(None),
            Vacancy.closed_at < limit,
            Vacancy.status.in_(("afgesloten", "ingevuld", "geannuleerd")),
        )
    )
    count = 0
    for app in db.session.scalars(stmt):
        anonymise(app)
        count += 1
    db.session.flush()
    return count
