"""HR operations: vacancies, applications, retention, staff sharing, trainings, function catalogue, reserves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select, update

from portal.core import ical
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify, queue_mail
from portal.core.richtext import sanitise
from portal.core.roles import HR
from portal.extensions import db
from portal.hr.models import (
    CANDIDATE_STATUSES,
    CLOSED_VACANCY_STATUSES,
    GRADES,
    LIVE_REQUEST_STATUSES,
    LIVE_SHARING_STATUSES,
    OPEN_VACANCY_STATUSES,
    PUBLIC_KINDS,
    Application,
    ApplicationEvent,
    ApplicationReceipt,
    ApplicationSource,
    ApplicationStatus,
    CandidateStatus,
    Decision,
    Enrolment,
    EnrolmentStatus,
    FunctionGrade,
    HrSettings,
    JobFunction,
    RequestStatus,
    Reserve,
    ReserveCandidate,
    ReserveRequest,
    ReserveRequestDecision,
    SeatStatus,
    SharingStatus,
    StaffSharing,
    StaffSharingApproval,
    Training,
    TrainingSeat,
    TrainingSession,
    TrainingStatus,
    Vacancy,
    VacancyInterest,
    VacancyKind,
    VacancyShare,
    VacancyStatus,
)
from tenants.context import acting_for, acting_tenant_id, current_tenant_id
from tenants.models import Tenant
from tenants.sharing import (
    object_grantees,
    partner_tenants,
    readable_prefilter,
    region_members,
    set_audience,
    today,
)

#: Allowed status moves of a vacancy.
VACANCY_FLOW: dict[str, tuple[str, ...]] = {
    VacancyStatus.CONCEPT: (VacancyStatus.GEPUBLICEERD, VacancyStatus.GEANNULEERD),
    VacancyStatus.GEPUBLICEERD: (VacancyStatus.AFGESLOTEN, VacancyStatus.GEANNULEERD),
    VacancyStatus.AFGESLOTEN: (VacancyStatus.INGEVULD, VacancyStatus.GEANNULEERD, VacancyStatus.GEPUBLICEERD),
    VacancyStatus.INGEVULD: (),
    VacancyStatus.GEANNULEERD: (),
}
#: Allowed status moves of an application (forward, or rejection at any open step).
APPLICATION_FLOW: dict[str, tuple[str, ...]] = {
    ApplicationStatus.ONTVANGEN: (ApplicationStatus.SCREENING, ApplicationStatus.AFGEWEZEN),
    ApplicationStatus.SCREENING: (ApplicationStatus.TEST, ApplicationStatus.GESPREK, ApplicationStatus.AFGEWEZEN),
    ApplicationStatus.TEST: (ApplicationStatus.GESPREK, ApplicationStatus.AFGEWEZEN),
    ApplicationStatus.GESPREK: (ApplicationStatus.AANBOD, ApplicationStatus.AFGEWEZEN),
    ApplicationStatus.AANBOD: (ApplicationStatus.AANGEWORVEN, ApplicationStatus.AFGEWEZEN),
    ApplicationStatus.AANGEWORVEN: (),
    ApplicationStatus.AFGEWEZEN: (),
}
CV_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_RETENTION_MONTHS = 12
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


def _readers(vacancy: Vacancy) -> list[int]:
    """Return the tenants that may read a published vacancy: the owner and its audience."""
    ids = {vacancy.tenant_id}
    if vacancy.audience == "region" and vacancy.region_id is not None:
        ids |= {t.id for t in region_members(vacancy.region_id)}
    elif vacancy.audience == "partners":
        ids |= set(object_grantees(vacancy))
    return sorted(ids)


def _notify_interested(vacancy: Vacancy) -> None:
    """Tell staff whose keywords match a newly published vacancy they can see, in their own tenant."""
    from portal.auth.models import User

    text = " ".join((vacancy.title, vacancy.function_name, vacancy.department)).lower()
    owner_name, title, vacancy_id = vacancy.tenant.name, vacancy.title, vacancy.id
    for tenant_id in _readers(vacancy):
        slug = _slug(tenant_id)
        with acting_for(tenant_id):
            for interest in list(db.session.scalars(select(VacancyInterest))):
                if not any(k in text for k in interest.keyword_list):
                    continue
                user = db.session.get(User, interest.user_id)
                if user is None or not user.is_active:
                    continue
                notify(
                    user,
                    category="hr",
                    title=_("Nieuwe vacature: %(title)s", title=title),
                    body=_("%(owner)s publiceerde een vacature die past bij je interesses.", owner=owner_name),
                    link=f"/{slug}/hr/vacatures/{vacancy_id}",
                    dedupe_key=f"hr-interest:{vacancy_id}:{user.id}",
                    source_tenant_id=vacancy.tenant_id,
                )


def interest_of(user: Any) -> VacancyInterest | None:
    """Return the user's vacancy keywords (their own tenant's row)."""
    return db.session.scalar(select(VacancyInterest).where(VacancyInterest.user_id == user.id))


def set_interest(user: Any, keywords: str) -> VacancyInterest | None:
    """Store the user's keywords (comma-separated); empty keywords switch the alerts off."""
    cleaned = ", ".join(k.strip() for k in keywords.split(",") if k.strip())
    if len(cleaned) > 300:
        raise DomainError(_("Gebruik samen hoogstens 300 tekens."), field="keywords", status_code=422)
    row = interest_of(user)
    if not cleaned:
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        return None
    if row is None:
        row = VacancyInterest(user_id=user.id, keywords=cleaned)
        db.session.add(row)
    row.keywords = cleaned
    db.session.flush()
    return row


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
    if vacancy.status != VacancyStatus.GEPUBLICEERD or vacancy.deadline_on < today():
        raise DomainError(_("Voor deze vacature kan je niet (meer) solliciteren."))


def _received_mail(app: Application) -> None:
    queue_mail(
        to=app.email,
        subject=_("Je sollicitatie voor %(title)s", title=app.vacancy.title),
        template="hr_application",
        dedupe_key=f"hr-application:{app.id}:ontvangen",
        application=app,
        status=ApplicationStatus.ONTVANGEN,
    )


def submit_public_application(vacancy: Vacancy, data: dict[str, Any], cv: tuple[str, bytes] | None) -> Application:
    """File an external candidate's application in the vacancy owner's tenant (public form)."""
    _open_for_applications(vacancy)
    if vacancy.kind not in PUBLIC_KINDS:
        raise DomainError(_("Voor deze vacature kan je niet (meer) solliciteren."))
    if not data.get("consent"):
        raise DomainError(
            _("Geef je toestemming voor de verwerking van je gegevens."), field="consent", status_code=422
        )
    if cv is not None:
        check_cv(*cv)
    app = Application(
        vacancy_id=vacancy.id,
        source=ApplicationSource.EXTERN,
        full_name=data["full_name"].strip(),
        email=data["email"].strip().lower(),
        motivation=data.get("motivation", "").strip(),
        cv_filename=cv[0][-200:] if cv else None,
        cv_data=cv[1] if cv else None,
        consent_at=utcnow(),
        status=ApplicationStatus.ONTVANGEN,
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
    if vacancy.kind != VacancyKind.INTERN and vacancy.tenant_id != user.tenant_id:
        raise DomainError(_("Voor deze vacature solliciteer je via de publieke vacaturepagina."))
    if not data.get("consent"):
        raise DomainError(
            _("Geef je toestemming voor de verwerking van je gegevens."), field="consent", status_code=422
        )
    with acting_for(vacancy.tenant_id):
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
            source=ApplicationSource.INTERN,
            applicant_user_id=user.id,
            applicant_tenant_id=user.tenant_id,
            full_name=user.full_name,
            email=user.email,
            motivation=data.get("motivation", "").strip(),
            consent_at=utcnow(),
            status=ApplicationStatus.ONTVANGEN,
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
    with acting_for(receipt.vacancy_tenant_id):
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
            Vacancy.status.in_(CLOSED_VACANCY_STATUSES),
        )
    )
    count = 0
    for app in db.session.scalars(stmt):
        anonymise(app)
        count += 1
    # Laureates of a reserve that expired longer ago than the retention period are erased too.
    expired = (
        select(ReserveCandidate)
        .join(Reserve, Reserve.id == ReserveCandidate.reserve_id)
        .where(ReserveCandidate.anonymised_at.is_(None), Reserve.valid_until < limit.date())
    )
    for candidate in db.session.scalars(expired):
        candidate.full_name = _("Geanonimiseerd")
        candidate.email = f"geanonimiseerd-{candidate.id}@invalid"
        candidate.may_share = False
        candidate.anonymised_at = utcnow()
        count += 1
    db.session.flush()
    return count


# -- staff sharing (terbeschikkingstelling) -------------------------------------------------------

SHARING_TERMS = ("employee_name", "job_title", "share_percent", "starts_on", "ends_on", "host_cost_percent", "note")
SharingRow = StaffSharing | StaffSharingApproval


def _users_with_role(tenant_id: int, *roles: str) -> list[Any]:
    from portal.auth.models import User, UserRole

    ids = select(UserRole.user_id).where(UserRole.role.in_(roles))
    return list(
        db.session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, User.is_active.is_(True), User.id.in_(ids))
            .order_by(User.id)
        )
    )


def _slug(tenant_id: int) -> str:
    return db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id)) or ""


def _ask_approval(tenant_id: int, link: str, row: SharingRow, partner_name: str, key: str) -> None:
    from portal.core.roles import ALGEMEEN_DIRECTEUR

    for ad in _users_with_role(tenant_id, ALGEMEEN_DIRECTEUR):
        notify(
            ad,
            category="hr",
            title=_("Goedkeuring gevraagd: terbeschikkingstelling %(name)s", name=row.employee_name),
            body=_(
                "%(share)s%% met %(partner)s, van %(start)s tot %(end)s. Keur goed of weiger voor je eigen bestuur.",
                share=row.share_percent,
                partner=partner_name,
                start=row.starts_on.strftime("%d/%m/%Y"),
                end=row.ends_on.strftime("%d/%m/%Y"),
            ),
            link=link,
            dedupe_key=f"hr-sharing:{key}:{ad.id}",
            source_tenant_id=row.tenant_id,
        )


def _overlapping_share(home_id: int, data: dict[str, Any]) -> int:
    rows = db.session.scalars(
        select(StaffSharing.share_percent).where(
            StaffSharing.tenant_id == home_id,
            StaffSharing.employee_name == data["employee_name"],
            StaffSharing.status.in_(LIVE_SHARING_STATUSES),
            StaffSharing.starts_on <= data["ends_on"],
            StaffSharing.ends_on >= data["starts_on"],
        )
    )
    return sum(rows)


def create_staff_sharing(data: dict[str, Any], *, user: Any) -> StaffSharing:
    """Record a terbeschikkingstelling of the acting tenant's employee and ask both ADs to approve it.

    The home municipality owns the request; the host gets its own approval row, inserted in the
    host's tenant context (the two-row pattern of ADR 0011), so each AD decides on its own row.
    """
    home_id = user.tenant_id
    host_id = data["host_tenant_id"]
    partners = {t.id: t for t in partner_tenants(home_id)}
    if host_id not in partners:
        raise DomainError(_("Kies een partnerbestuur als ontvangend bestuur."), field="host_tenant_id", status_code=422)
    if data["ends_on"] < data["starts_on"]:
        raise DomainError(_("De einddatum ligt voor de begindatum."), field="ends_on", status_code=422)
    if data["ends_on"] < today():
        raise DomainError(_("De periode mag niet volledig in het verleden liggen."), field="ends_on", status_code=422)
    terms = {name: data[name].strip() if isinstance(data[name], str) else data[name] for name in SHARING_TERMS}
    if _overlapping_share(home_id, terms) + terms["share_percent"] > 100:
        raise DomainError(
            _(
                "%(name)s wordt in die periode samen al voor meer dan 100%% ter beschikking gesteld.",
                name=terms["employee_name"],
            ),
            field="share_percent",
            status_code=409,
        )
    row = StaffSharing(host_tenant_id=host_id, created_by_id=user.id, **terms)
    db.session.add(row)
    db.session.flush()
    sharing_id = row.id
    home_name = user.tenant.name
    with acting_for(host_id):
        approval = StaffSharingApproval(home_tenant_id=home_id, sharing_id=sharing_id, **terms)
        db.session.add(approval)
        db.session.flush()
        approval_id = approval.id
        _ask_approval(
            host_id,
            f"/{partners[host_id].slug}/hr/terbeschikkingstellingen/ontvangen/{approval_id}",
            approval,
            home_name,
            f"host:{approval_id}",
        )
    row.approval_id = approval_id
    db.session.flush()
    _ask_approval(
        home_id,
        f"/{_slug(home_id)}/hr/terbeschikkingstellingen/{sharing_id}",
        row,
        partners[host_id].name,
        f"home:{sharing_id}",
    )
    return row


def _overall(home: str, host: str) -> str:
    if Decision.GEWEIGERD in (home, host):
        return SharingStatus.GEWEIGERD
    if home == host == Decision.GOEDGEKEURD:
        return SharingStatus.GOEDGEKEURD
    return SharingStatus.AANGEVRAAGD


def _mirror_sharing(row: SharingRow) -> None:
    """Copy the decisions and status to the other party's row, inside that party's context."""
    model: type[StaffSharing] | type[StaffSharingApproval]
    if isinstance(row, StaffSharing):
        other_tenant, model, other_id = row.host_tenant_id, StaffSharingApproval, row.approval_id
    else:
        other_tenant, model, other_id = row.home_tenant_id, StaffSharing, row.sharing_id
    if other_id is None:
        return
    with acting_for(other_tenant):
        db.session.execute(
            update(model)
            .where(model.id == other_id)
            .values(
                home_decision=row.home_decision, host_decision=row.host_decision, status=row.status, updated_at=utcnow()
            )
        )


def decide_staff_sharing(row: SharingRow, decision: str, *, user: Any) -> SharingRow:
    """Record the acting municipality's AD decision (goedgekeurd / geweigerd) on its own row."""
    if decision not in (Decision.GOEDGEKEURD, Decision.GEWEIGERD):
        raise DomainError(_("Kies goedkeuren of weigeren."), field="decision", status_code=422)
    side = "home_decision" if isinstance(row, StaffSharing) else "host_decision"
    if row.status != SharingStatus.AANGEVRAAGD or getattr(row, side) != Decision.OPEN:
        raise DomainError(_("Je bestuur heeft al beslist over deze terbeschikkingstelling."))
    setattr(row, side, decision)
    row.status = _overall(row.home_decision, row.host_decision)
    db.session.flush()
    _mirror_sharing(row)
    if row.status != SharingStatus.AANGEVRAAGD:
        _tell_requester(row)
    return row


def _tell_requester(row: SharingRow) -> None:
    from portal.auth.models import User

    home_id = row.tenant_id if isinstance(row, StaffSharing) else row.home_tenant_id
    sharing_id = row.id if isinstance(row, StaffSharing) else row.sharing_id
    with acting_for(home_id):
        author_id = db.session.scalar(select(StaffSharing.created_by_id).where(StaffSharing.id == sharing_id))
        author = db.session.get(User, author_id) if author_id else None
        if author is None:
            return
        title = (
            _("Terbeschikkingstelling goedgekeurd: %(name)s", name=row.employee_name)
            if row.status == SharingStatus.GOEDGEKEURD
            else _("Terbeschikkingstelling geweigerd: %(name)s", name=row.employee_name)
        )
        notify(
            author,
            category="hr",
            title=title,
            link=f"/{_slug(home_id)}/hr/terbeschikkingstellingen/{sharing_id}",
            dedupe_key=f"hr-sharing:{sharing_id}:{row.status}",
            source_tenant_id=row.tenant_id,
        )


def withdraw_staff_sharing(row: StaffSharing) -> StaffSharing:
    """Withdraw the home municipality's request or end an approved sharing early (status ingetrokken)."""
    if row.status not in LIVE_SHARING_STATUSES:
        raise DomainError(_("Deze terbeschikkingstelling is al afgesloten."))
    row.status = SharingStatus.INGETROKKEN
    db.session.flush()
    _mirror_sharing(row)
    return row


def staff_sharing_overview(tenant_id: int, day: Any = None) -> dict[str, Any]:
    """Return the FTE the tenant gives to and receives from each partner on ``day`` (approved sharings)."""
    day = day or today()
    rows: dict[int, dict[str, Any]] = {}

    def slot(tenant: Tenant) -> dict[str, Any]:
        return rows.setdefault(tenant.id, {"tenant": tenant, "given": Decimal(0), "received": Decimal(0)})

    active = (
        StaffSharing.status == SharingStatus.GOEDGEKEURD,
        StaffSharing.starts_on <= day,
        StaffSharing.ends_on >= day,
    )
    for given in db.session.scalars(select(StaffSharing).where(StaffSharing.tenant_id == tenant_id, *active)):
        slot(given.host_tenant)["given"] += Decimal(given.share_percent) / 100
    received_q = select(StaffSharingApproval).where(
        StaffSharingApproval.tenant_id == tenant_id,
        StaffSharingApproval.status == SharingStatus.GOEDGEKEURD,
        StaffSharingApproval.starts_on <= day,
        StaffSharingApproval.ends_on >= day,
    )
    for received in db.session.scalars(received_q):
        slot(received.home_tenant)["received"] += Decimal(received.share_percent) / 100
    partners = sorted(rows.values(), key=lambda r: r["tenant"].name)
    return {
        "day": day,
        "partners": partners,
        "given": sum((r["given"] for r in partners), Decimal(0)),
        "received": sum((r["received"] for r in partners), Decimal(0)),
    }


# -- trainings (vormingen) ------------------------------------------------------------------------

BRUSSELS = ZoneInfo("Europe/Brussels")
ACTIVE_ENROLMENTS = (EnrolmentStatus.AANGEVRAAGD, EnrolmentStatus.INGESCHREVEN, EnrolmentStatus.WACHTLIJST)


def brussels_moment(day: date, clock: time) -> datetime:
    """Return the UTC moment of ``clock`` on ``day`` in Brussels (summer and winter time alike)."""
    return datetime.combine(day, clock, tzinfo=BRUSSELS).astimezone(UTC)


def visible_trainings() -> Select[Any]:
    """Return trainings the acting tenant may read: own ones and those partners share with it."""
    stmt = select(Training).where(readable_prefilter(Training, current_tenant_id()))
    return stmt.order_by(Training.starts_at.desc(), Training.id.desc())


def upcoming_sessions(limit: int = 60) -> list[tuple[date, list[tuple[TrainingSession, Training]]]]:
    """Return the coming sessions of the visible, planned trainings, grouped per month (Brussels)."""
    now = utcnow()
    stmt = (
        select(Training)
        .where(readable_prefilter(Training, current_tenant_id()))
        .where(Training.status == TrainingStatus.GEPLAND, Training.ends_at >= now)
        .order_by(Training.starts_at, Training.id)
        .limit(limit)
    )
    sessions = sorted(
        ((s, t) for t in db.session.scalars(stmt) for s in t.sessions if s.ends_at >= now),
        key=lambda pair: pair[0].starts_at,
    )[:limit]
    months: dict[date, list[tuple[TrainingSession, Training]]] = {}
    for session, training in sessions:
        local = session.starts_at.astimezone(BRUSSELS)
        months.setdefault(local.date().replace(day=1), []).append((session, training))
    return list(months.items())


def _set_sessions(obj: Training, sessions: list[dict[str, Any]]) -> None:
    if not sessions:
        raise DomainError(_("Plan minstens één sessie."), field="sessions", status_code=422)
    moments = []
    for s in sessions:
        starts_at, ends_at = brussels_moment(s["day"], s["starts"]), brussels_moment(s["day"], s["ends"])
        if ends_at <= starts_at:
            raise DomainError(_("Een sessie eindigt na haar beginuur."), field="sessions", status_code=422)
        if s["day"] < today():
            raise DomainError(_("Een sessie mag niet in het verleden liggen."), field="sessions", status_code=422)
        moments.append((starts_at, ends_at))
    moments.sort()
    obj.session_list = [{"starts_at": a.isoformat(), "ends_at": b.isoformat()} for a, b in moments]
    obj.starts_at = moments[0][0]
    obj.ends_at = max(b for _a, b in moments)


def create_training(data: dict[str, Any], *, author_id: int | None) -> Training:
    """Plan a training of the acting tenant with its sessions and audience (open to the region or not)."""
    obj = Training(
        title=data["title"].strip(),
        organiser=data["organiser"].strip(),
        description=data.get("description", "").strip(),
        location=data["location"].strip(),
        seats=data["seats"],
        price_partner=data.get("price_partner") or Decimal(0),
        status=TrainingStatus.GEPLAND,
        created_by_id=author_id,
    )
    _set_sessions(obj, data.get("sessions") or [])
    db.session.add(obj)
    db.session.flush()
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    db.session.flush()
    return obj


def seat_counts(training: Training) -> dict[str, int]:
    """Return how many places are taken and how many people wait (numbers only leave the organiser)."""
    with acting_for(training.tenant_id):
        rows = db.session.execute(
            select(TrainingSeat.status, func.count())
            .where(TrainingSeat.training_id == training.id, TrainingSeat.status != SeatStatus.GEANNULEERD)
            .group_by(TrainingSeat.status)
        ).all()
    counts = {str(status): int(n) for status, n in rows}
    taken = counts.get(SeatStatus.INGESCHREVEN, 0)
    return {"taken": taken, "waiting": counts.get(SeatStatus.WACHTLIJST, 0), "free": max(training.seats - taken, 0)}


def is_open(training: Training) -> bool:
    """Tell whether a training still takes enrolments (planned, first session not begun)."""
    return training.status == TrainingStatus.GEPLAND and training.starts_at > utcnow()


def enrol(training: Training, user: Any) -> Enrolment:
    """Ask to take part in a training; the participant's own HR approves (the row is the participant's)."""
    if not is_open(training):
        raise DomainError(_("Voor deze vorming kan je je niet (meer) inschrijven."))
    existing = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.training_id == training.id,
            Enrolment.user_id == user.id,
            Enrolment.status.in_(ACTIVE_ENROLMENTS),
        )
    )
    if existing is not None:
        raise DomainError(_("Je bent al ingeschreven voor deze vorming."))
    row = Enrolment(
        user_id=user.id,
        training_tenant_id=training.tenant_id,
        training_id=training.id,
        training_title=training.title,
        status=EnrolmentStatus.AANGEVRAAGD,
    )
    db.session.add(row)
    db.session.flush()
    for hr in _users_with_role(user.tenant_id, HR):
        notify(
            hr,
            category="hr",
            title=_("Inschrijving goed te keuren: %(title)s", title=training.title),
            body=_("%(name)s wil deelnemen aan %(title)s.", name=user.full_name, title=training.title),
            link=f"/{user.tenant.slug}/hr/inschrijvingen/{row.id}",
            dedupe_key=f"hr-enrolment:{row.id}:asked:{hr.id}",
            source_tenant_id=user.tenant_id,
        )
    return row


def _tell_participant(row: Enrolment, status: str) -> None:
    from portal.auth.models import User

    user = db.session.get(User, row.user_id)
    if user is None:
        return
    titles: dict[str, str] = {
        EnrolmentStatus.INGESCHREVEN: _("Inschrijving bevestigd: %(title)s", title=row.training_title),
        EnrolmentStatus.WACHTLIJST: _("Op de wachtlijst: %(title)s", title=row.training_title),
        EnrolmentStatus.GEWEIGERD: _("Inschrijving niet goedgekeurd: %(title)s", title=row.training_title),
        "opgeschoven": _("Van de wachtlijst naar ingeschreven: %(title)s", title=row.training_title),
        EnrolmentStatus.GEANNULEERD: _("Vorming geannuleerd: %(title)s", title=row.training_title),
    }
    notify(
        user,
        category="hr",
        title=titles[status],
        link=f"/{_slug(row.tenant_id)}/hr/inschrijvingen/{row.id}",
        dedupe_key=f"hr-enrolment:{row.id}:{status}",
        source_tenant_id=row.training_tenant_id,
    )


def decide_enrolment(row: Enrolment, approve: bool, *, user: Any) -> Enrolment:
    """Approve (take a place or a waitlist place with the organiser) or refuse an own staff member's enrolment."""
    if row.status != EnrolmentStatus.AANGEVRAAGD:
        raise DomainError(_("Over deze inschrijving is al beslist."))
    row.decided_by_id = user.id
    if not approve:
        row.status = EnrolmentStatus.GEWEIGERD
        db.session.flush()
        _tell_participant(row, EnrolmentStatus.GEWEIGERD)
        return row
    participant = row.user
    # Flush our own row now: what is dirty must not be flushed inside the organiser's context.
    db.session.flush()
    enrolment_id, participant_tenant = row.id, row.tenant_id
    with acting_for(row.training_tenant_id):
        # Lock the training so two approvals at once cannot both take the last place (FOR NO KEY
        # UPDATE OF trainings: the joined tenant is an outer join, and seats' foreign keys only take KEY SHARE).
        training = db.session.scalar(
            select(Training).where(Training.id == row.training_id).with_for_update(of=Training, key_share=True)
        )
        if training is None or not is_open(training):
            raise DomainError(_("Voor deze vorming kan je je niet (meer) inschrijven."))
        taken = db.session.scalar(
            select(func.count())
            .select_from(TrainingSeat)
            .where(TrainingSeat.training_id == training.id, TrainingSeat.status == SeatStatus.INGESCHREVEN)
        )
        status = SeatStatus.INGESCHREVEN if (taken or 0) < training.seats else SeatStatus.WACHTLIJST
        seat = TrainingSeat(
            training_id=training.id,
            participant_tenant_id=participant_tenant,
            participant_user_id=participant.id,
            enrolment_id=enrolment_id,
            participant_name=participant.full_name,
            participant_email=participant.email,
            status=status,
        )
        db.session.add(seat)
        db.session.flush()
        seat_id = seat.id
    row.seat_id = seat_id
    row.status = status
    db.session.flush()
    _tell_participant(row, status)
    return row


def waitlist_position(row: Enrolment) -> int | None:
    """Return the participant's place on the waitlist (1 = next), read in the organiser's context."""
    if row.status != EnrolmentStatus.WACHTLIJST or row.seat_id is None:
        return None
    with acting_for(row.training_tenant_id):
        return db.session.scalar(
            select(func.count())
            .select_from(TrainingSeat)
            .where(
                TrainingSeat.training_id == row.training_id,
                TrainingSeat.status == SeatStatus.WACHTLIJST,
                TrainingSeat.id <= row.seat_id,
            )
        )


def _promote(training_id: int) -> tuple[int, int] | None:
    """Give a freed place to the first on the waitlist (organiser's context); return its enrolment."""
    first = db.session.scalar(
        select(TrainingSeat)
        .where(TrainingSeat.training_id == training_id, TrainingSeat.status == SeatStatus.WACHTLIJST)
        .order_by(TrainingSeat.id)
        .limit(1)
    )
    if first is None:
        return None
    first.status = SeatStatus.INGESCHREVEN
    db.session.flush()
    return first.participant_tenant_id, first.enrolment_id


def cancel_enrolment(row: Enrolment) -> Enrolment:
    """Cancel an enrolment; a freed place goes automatically to the first on the waitlist."""
    if row.status not in ACTIVE_ENROLMENTS:
        raise DomainError(_("Deze inschrijving is al afgesloten."))
    row.status = EnrolmentStatus.GEANNULEERD
    db.session.flush()
    promoted = None
    if row.seat_id is not None:
        with acting_for(row.training_tenant_id):
            db.session.scalar(select(Training.id).where(Training.id == row.training_id).with_for_update(key_share=True))
            seat = db.session.scalar(select(TrainingSeat).where(TrainingSeat.id == row.seat_id))
            if seat is not None:
                was = seat.status
                seat.status = SeatStatus.GEANNULEERD
                db.session.flush()
                if was == SeatStatus.INGESCHREVEN:
                    promoted = _promote(row.training_id)
    if promoted is not None:
        tenant_id, enrolment_id = promoted
        with acting_for(tenant_id):
            other = db.session.scalar(select(Enrolment).where(Enrolment.id == enrolment_id))
            if other is not None:
                other.status = EnrolmentStatus.INGESCHREVEN
                db.session.flush()
                _tell_participant(other, "opgeschoven")
    return row


def cancel_training(obj: Training) -> Training:
    """Cancel a planned training; every place and enrolment is cancelled with it."""
    if obj.status != TrainingStatus.GEPLAND:
        raise DomainError(_("Deze vorming is al geannuleerd."))
    obj.status = TrainingStatus.GEANNULEERD
    seats = list(db.session.scalars(select(TrainingSeat).where(TrainingSeat.training_id == obj.id)))
    for seat in seats:
        seat.status = SeatStatus.GEANNULEERD
    db.session.flush()
    for seat in seats:
        with acting_for(seat.participant_tenant_id):
            db.session.execute(
                update(Enrolment)
                .where(Enrolment.id == seat.enrolment_id)
                .values(status=EnrolmentStatus.GEANNULEERD, updated_at=utcnow())
            )
            row = db.session.scalar(select(Enrolment).where(Enrolment.id == seat.enrolment_id))
            if row is not None:
                _tell_participant(row, EnrolmentStatus.GEANNULEERD)
    return obj


def attendance_list(training: Training) -> list[TrainingSeat]:
    """Return the organiser's participants (places first, then the waitlist in order)."""
    return list(
        db.session.scalars(
            select(TrainingSeat)
            .where(TrainingSeat.training_id == training.id, TrainingSeat.status != SeatStatus.GEANNULEERD)
            .order_by(TrainingSeat.status, TrainingSeat.participant_name, TrainingSeat.id)
        )
    )


def set_attendance(training: Training, present_ids: set[int]) -> int:
    """Mark who attended (only participants with a place); return how many were present."""
    count = 0
    for seat in attendance_list(training):
        seat.is_present = seat.status == SeatStatus.INGESCHREVEN and seat.id in present_ids
        count += seat.is_present
    training.attendance_saved_at = utcnow()
    db.session.flush()
    return count


# -- function catalogue ---------------------------------------------------------------------------

FUNCTION_FIELDS = ("title", "family", "level", "purpose", "tasks", "competences")


def _function_fields(obj: JobFunction, data: dict[str, Any]) -> None:
    for name in FUNCTION_FIELDS:
        if name in data:
            setattr(obj, name, data[name].strip())
    duplicate = db.session.scalar(
        select(JobFunction.id).where(
            JobFunction.tenant_id == acting_tenant_id(),
            JobFunction.title == obj.title,
            JobFunction.id != (obj.id or 0),
        )
    )
    if duplicate is not None:
        raise DomainError(_("Je catalogus bevat al een functie met deze titel."), field="title", status_code=409)


def create_function(data: dict[str, Any]) -> JobFunction:
    """Describe a function in the acting tenant's catalogue and share it as chosen."""
    obj = JobFunction()
    _function_fields(obj, data)
    db.session.add(obj)
    db.session.flush()
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    db.session.flush()
    return obj


def update_function(obj: JobFunction, data: dict[str, Any]) -> JobFunction:
    """Change an own function description (and who sees it)."""
    _function_fields(obj, data)
    if "audience" in data:
        set_audience(obj, data["audience"], region_id=data.get("region_id"), partner_ids=data.get("partner_ids", []))
    db.session.flush()
    return obj


def set_grade(function: JobFunction, data: dict[str, Any]) -> FunctionGrade:
    """Record the acting tenant's grade range for a function it can read; the row is its own."""
    low, high = data["grade_min"], data.get("grade_max") or data["grade_min"]
    if GRADES.index(high) < GRADES.index(low):
        raise DomainError(_("De hoogste weddeschaal ligt onder de laagste."), field="grade_max", status_code=422)
    tenant_id = acting_tenant_id()
    row = db.session.scalar(
        select(FunctionGrade).where(FunctionGrade.tenant_id == tenant_id, FunctionGrade.function_id == function.id)
    )
    if row is None:
        row = FunctionGrade(function_id=function.id)
        db.session.add(row)
    row.grade_min, row.grade_max, row.note = low, high, data.get("note", "").strip()
    db.session.flush()
    partners = [t.id for t in partner_tenants(tenant_id)]
    # Shared with every partner, so the comparison shows it wherever the function is read.
    set_audience(row, "partners" if partners else "own", partner_ids=partners)
    db.session.flush()
    return row


def grade_label(row: FunctionGrade) -> str:
    """Return e.g. "B1-B3", or "C1" for a single grade."""
    return row.grade_min if row.grade_min == row.grade_max else f"{row.grade_min}-{row.grade_max}"


def function_comparison(*, differing_only: bool = False) -> list[dict[str, Any]]:
    """Compare the visible functions' grades per municipality; flag the functions where they differ."""
    functions = list(db.session.scalars(select(JobFunction).order_by(JobFunction.level, JobFunction.title)))
    grades: dict[int, dict[int, FunctionGrade]] = {}
    if functions:
        for g in db.session.scalars(
            select(FunctionGrade).where(FunctionGrade.function_id.in_([f.id for f in functions]))
        ):
            grades.setdefault(g.function_id, {})[g.tenant_id] = g
    rows = []
    for f in functions:
        per_tenant = grades.get(f.id, {})
        labels = {tenant_id: grade_label(g) for tenant_id, g in per_tenant.items()}
        differs = len(set(labels.values())) > 1
        if differing_only and not differs:
            continue
        rows.append({"function": f, "grades": per_tenant, "labels": labels, "differs": differs})
    return rows


# -- recruitment reserve (werfreserve) ------------------------------------------------------------


def create_reserve(data: dict[str, Any], *, author_id: int | None) -> Reserve:
    """Open a ranked reserve after a selection, valid until a date, shared as chosen."""
    if data["valid_until"] < data["selected_on"]:
        raise DomainError(_("De geldigheid eindigt voor de selectiedatum."), field="valid_until", status_code=422)
    if data["valid_until"] < today():
        raise DomainError(_("De geldigheid mag niet in het verleden liggen."), field="valid_until", status_code=422)
    vacancy_id = data.get("vacancy_id")
    if (
        vacancy_id is not None
        and db.session.scalar(
            select(Vacancy.id).where(Vacancy.id == vacancy_id, Vacancy.tenant_id == acting_tenant_id())
        )
        is None
    ):
        raise DomainError(_("Kies een vacature van je eigen bestuur."), field="vacancy_id", status_code=422)
    obj = Reserve(
        title=data["title"].strip(),
        function_name=data.get("function_name", "").strip(),
        grade=data["grade"],
        vacancy_id=vacancy_id,
        selected_on=data["selected_on"],
        valid_until=data["valid_until"],
        created_by_id=author_id,
    )
    db.session.add(obj)
    db.session.flush()
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    db.session.flush()
    return obj


def add_candidate(reserve: Reserve, data: dict[str, Any]) -> ReserveCandidate:
    """Put a laureate on an own reserve at a free rank; sharing needs their explicit consent."""
    taken = db.session.scalar(
        select(ReserveCandidate.id).where(
            ReserveCandidate.reserve_id == reserve.id, ReserveCandidate.rank == data["rank"]
        )
    )
    if taken is not None:
        raise DomainError(_("Deze rangschikking is al ingenomen."), field="rank", status_code=409)
    row = ReserveCandidate(
        reserve_id=reserve.id,
        rank=data["rank"],
        full_name=data["full_name"].strip(),
        email=data["email"].strip().lower(),
        may_share=bool(data.get("may_share")),
        consent_at=utcnow() if data.get("may_share") else None,
        status=CandidateStatus.ACTIEF,
    )
    db.session.add(row)
    db.session.flush()
    return row


def set_candidate_status(candidate: ReserveCandidate, status: str) -> ReserveCandidate:
    """Mark an own laureate as hired or withdrawn (no longer offered), or active again."""
    if status not in CANDIDATE_STATUSES:
        raise DomainError(_("Onbekende status."), field="status", status_code=422)
    if candidate.anonymised_at is not None:
        raise DomainError(_("Deze kandidaat is geanonimiseerd."))
    candidate.status = status
    db.session.flush()
    return candidate


def is_valid(reserve: Reserve) -> bool:
    """Tell whether the reserve is still valid today."""
    return reserve.valid_until >= today()


def offered_candidates(reserve: Reserve) -> list[dict[str, Any]]:
    """Return the ranks of the consenting, active candidates a partner may ask for (no names leave)."""
    if not is_valid(reserve):
        return []
    with acting_for(reserve.tenant_id):
        rows = db.session.execute(
            select(ReserveCandidate.id, ReserveCandidate.rank)
            .where(
                ReserveCandidate.reserve_id == reserve.id,
                ReserveCandidate.may_share.is_(True),
                ReserveCandidate.status == CandidateStatus.ACTIEF,
            )
            .order_by(ReserveCandidate.rank)
        ).all()
    return [{"id": candidate_id, "rank": rank} for candidate_id, rank in rows]


def request_candidate(reserve: Reserve, candidate_id: int, *, user: Any, motivation: str = "") -> ReserveRequest:
    """Ask the reserve's owner for a consenting candidate; the owner's HR approves on its own row."""
    if reserve.tenant_id == user.tenant_id:
        raise DomainError(_("Een kandidaat uit je eigen werfreserve hoef je niet aan te vragen."))
    offered = {c["id"]: c["rank"] for c in offered_candidates(reserve)}
    if candidate_id not in offered:
        raise DomainError(_("Deze kandidaat wordt niet (meer) aangeboden."), field="candidate_id", status_code=409)
    existing = db.session.scalar(
        select(ReserveRequest.id).where(
            ReserveRequest.candidate_id == candidate_id,
            ReserveRequest.reserve_id == reserve.id,
            ReserveRequest.status.in_(LIVE_REQUEST_STATUSES),
        )
    )
    if existing is not None:
        raise DomainError(_("Je bestuur vroeg deze kandidaat al aan."))
    row = ReserveRequest(
        reserve_tenant_id=reserve.tenant_id,
        reserve_id=reserve.id,
        candidate_id=candidate_id,
        reserve_title=reserve.title,
        rank=offered[candidate_id],
        motivation=motivation.strip()[:2000],
        status=RequestStatus.AANGEVRAAGD,
        requested_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    request_id, requester = row.id, user.tenant_id
    requester_name = user.tenant.name
    with acting_for(reserve.tenant_id):
        decision = ReserveRequestDecision(
            requester_tenant_id=requester,
            request_id=request_id,
            reserve_id=reserve.id,
            candidate_id=candidate_id,
            motivation=row.motivation,
            status=RequestStatus.AANGEVRAAGD,
        )
        db.session.add(decision)
        db.session.flush()
        decision_id = decision.id
        for hr in _users_with_role(reserve.tenant_id, HR):
            notify(
                hr,
                category="hr",
                title=_("Kandidaat uit de werfreserve gevraagd: %(title)s", title=reserve.title),
                body=_("%(who)s vraagt kandidaat %(rank)s aan.", who=requester_name, rank=offered[candidate_id]),
                link=f"/{_slug(reserve.tenant_id)}/hr/werfreserve-beslissingen/{decision_id}",
                dedupe_key=f"hr-reserve:{decision_id}:{hr.id}",
                source_tenant_id=requester,
            )
    row.decision_id = decision_id
    db.session.flush()
    return row


def decide_reserve_request(decision: ReserveRequestDecision, approve: bool, *, user: Any) -> ReserveRequestDecision:
    """Approve or refuse a partner's request; on approval the partner receives the candidate's contact."""
    if decision.status != RequestStatus.AANGEVRAAGD:
        raise DomainError(_("Over deze aanvraag is al beslist."))
    candidate = decision.candidate
    if approve and (
        candidate.status != CandidateStatus.ACTIEF or not candidate.may_share or not is_valid(decision.reserve)
    ):
        raise DomainError(_("Deze kandidaat wordt niet (meer) aangeboden."))
    decision.status = RequestStatus.GOEDGEKEURD if approve else RequestStatus.GEWEIGERD
    decision.decided_by_id = user.id
    db.session.flush()
    values: dict[str, Any] = {"status": decision.status, "updated_at": utcnow()}
    if approve:
        values.update(candidate_name=candidate.full_name, candidate_email=candidate.email)
    with acting_for(decision.requester_tenant_id):
        db.session.execute(update(ReserveRequest).where(ReserveRequest.id == decision.request_id).values(**values))
        author_id = db.session.scalar(
            select(ReserveRequest.requested_by_id).where(ReserveRequest.id == decision.request_id)
        )
    from portal.auth.models import User

    author = db.session.get(User, author_id) if author_id else None
    if author is not None:
        notify(
            author,
            category="hr",
            title=(
                _("Kandidaat uit de werfreserve toegekend: %(title)s", title=decision.reserve.title)
                if approve
                else _("Kandidaat uit de werfreserve niet toegekend: %(title)s", title=decision.reserve.title)
            ),
            link=f"/{_slug(decision.requester_tenant_id)}/hr/werfreserve-aanvragen/{decision.request_id}",
            dedupe_key=f"hr-reserve-request:{decision.request_id}:{decision.status}",
            source_tenant_id=decision.tenant_id,
        )
    return decision


def withdraw_reserve_request(row: ReserveRequest) -> ReserveRequest:
    """Withdraw an open request of the acting tenant."""
    if row.status != RequestStatus.AANGEVRAAGD:
        raise DomainError(_("Over deze aanvraag is al beslist."))
    row.status = RequestStatus.INGETROKKEN
    db.session.flush()
    if row.decision_id is not None:
        with acting_for(row.reserve_tenant_id):
            db.session.execute(
                update(ReserveRequestDecision)
                .where(ReserveRequestDecision.id == row.decision_id)
                .values(status=RequestStatus.INGETROKKEN, updated_at=utcnow())
            )
    return row


def trainings_ical(trainings: list[Training], link: Any) -> bytes:
    """Return an iCalendar document with one event per session; ``link(training)`` gives its URL."""
    events = []
    for training in trainings:
        url = link(training)
        for index, session in enumerate(training.sessions, start=1):
            events.append(
                ical.IcalEvent(
                    uid=f"hr-training-{training.id}-{index}@samenwerkingsportaal",
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    summary=training.title,
                    url=url,
                    location=training.location or "",
                    description=f"{training.organiser}\n{url}",
                )
            )
    return ical.calendar(_("Vormingen"), "-//Samenwerkingsportaal//Vormingen//NL", events, now=utcnow())
