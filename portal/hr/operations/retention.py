"""Retention: how long application data is kept, and erasing what has expired."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.hr.models import CLOSED_VACANCY_STATUSES, Application, HrSettings, Reserve, ReserveCandidate, Vacancy

DEFAULT_RETENTION_MONTHS = 12


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
