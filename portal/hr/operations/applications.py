"""Applications: the public and internal forms, the pipeline, notes and the candidate's data export."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import queue_mail
from portal.extensions import db
from portal.hr.models import (
    PUBLIC_KINDS,
    Application,
    ApplicationEvent,
    ApplicationReceipt,
    ApplicationSource,
    ApplicationStatus,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)
from tenants.context import acting_for
from tenants.sharing import today

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


def submit_internal_application(vacancy: Vacancy, user: User, data: dict[str, Any]) -> ApplicationReceipt:
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
