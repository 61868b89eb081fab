"""Meerjarenplan tasks: one semester report (snapshot and PDF), and the BBC rhythm that asks for them.

After each semester (the first days of January and July, Brussels time) every municipality with
a plan in force gets the report of the semester just ended, once, and its AD a notification.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import structlog
from celery import shared_task
from celery.schedules import crontab
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.plans import operations as ops
from portal.plans import semester
from portal.plans.models import PlanReport
from tenants.context import acting_for, for_each_tenant
from tenants.models import Tenant
from tenants.sharing import today

log = structlog.get_logger(__name__)

SCHEDULE_TASK = "portal.plans.semester_schedule"
#: The days after a semester ends on which the missing reports are made (a day missed by a
#: stopped beat is caught up on the next one; a second run finds every report made).
WINDOW_DAYS = range(1, 6)

SCHEDULE: dict[str, Any] = {
    "plans-semester-reports": {
        "task": SCHEDULE_TASK,
        # The Celery timezone is Europe/Brussels: 06:45 on 1-5 January and 1-5 July.
        "schedule": crontab(hour=6, minute=45, day_of_month="1-5", month_of_year="1,7"),
    },
}


@shared_task(name=semester.TASK, acks_late=True, reject_on_worker_lost=True)
def generate_semester_report(tenant_id: int, report_id: int) -> str:
    """Make one semester report; a redelivered task finds it made (or failed) and changes nothing."""
    return generate(tenant_id, report_id)


def generate(tenant_id: int, report_id: int) -> str:
    """Fill a report being made, in the municipality's context; return its state.

    This task owns the transaction of one report: the finished snapshot and PDF commit together,
    a failure is rolled back and then committed as mislukt with its message. Safe to run twice:
    a report that is no longer being made is left alone.
    """
    with acting_for(tenant_id):
        report = semester.report_by_id(report_id)
        if report is None:
            return "missing"
        state = semester.state_of(report)
        if state != semester.ReportState.WORDT_GEMAAKT:
            return state
        try:
            semester.fill(report)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.exception("plans.semester_report_failed", report_id=report_id)
            state = semester.mark_failed(report_id, exc)
            db.session.commit()
            return state
        return semester.ReportState.KLAAR


def in_window(day: date) -> bool:
    """Tell whether ``day`` is one of the first days after a semester ended (1-5 January or July)."""
    return day.month in (1, 7) and day.day in WINDOW_DAYS


@shared_task(name=SCHEDULE_TASK, acks_late=True)
def schedule_semester_reports() -> int:
    """Make the report of the semester just ended for every municipality missing one; count them."""
    return run_schedule()


def run_schedule(day: date | None = None) -> int:
    """Make the missing semester reports of the last finished semester, one commit per municipality.

    Outside the window (1-5 January and 1-5 July) nothing happens. A municipality without a plan
    in force, or with a report of that semester made or being made, is left alone, so running it
    twice (or on five days) makes one report. A failure is rolled back and logged: the next day's
    run tries again, the other municipalities are not held up.
    """
    day = day or today()
    if not in_window(day):
        return 0
    period = semester.last_finished_semester(day)
    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.is_active.is_(True)).order_by(Tenant.id)))
    made = 0
    for tenant_id in for_each_tenant(tenant_ids):
        try:
            report = _due_report(period)
            if report is None:
                db.session.rollback()
                continue
            semester.fill(report)
            _notify_directors(report)
            db.session.commit()
            made += 1
        except Exception:
            db.session.rollback()
            log.exception("plans.scheduled_semester_report_failed", tenant_id=tenant_id, period=period)
    return made


def _due_report(period: str) -> PlanReport | None:
    """Return a new report of ``period`` for the acting municipality, or None when it needs none."""
    if ops.current_version() is None:
        return None
    for found in db.session.scalars(select(PlanReport).where(PlanReport.period == period)):
        state = semester.state_of(found)
        if state == semester.ReportState.KLAAR:
            return None
        if state == semester.ReportState.WORDT_GEMAAKT and not semester.is_stuck(found):
            return None  # asked for by hand and being made by the worker right now
    report = semester.request_report(period)
    return report if semester.state_of(report) == semester.ReportState.WORDT_GEMAAKT else None


def _notify_directors(report: PlanReport) -> None:
    """Tell the municipality's AD(s) that the semester report is ready (once per report and person)."""
    from portal.auth.models import User, UserRole
    from portal.core.outbox import notify
    from portal.core.roles import ALGEMEEN_DIRECTEUR

    tenant = db.session.get(Tenant, report.tenant_id)
    assert tenant is not None
    directors = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.tenant_id == report.tenant_id, User.is_active.is_(True), UserRole.role == ALGEMEEN_DIRECTEUR)
        .order_by(User.id)
    ).unique()
    with force_locale(semester.LOCALE):
        title = _(
            "Het semesterrapport van het meerjarenplan (%(period)s) staat klaar voor het college en het MAT.",
            period=semester.semester_label(report.period),
        )
        body = _("Het rapport en de PDF staan bij Mijn meerjarenplan, Semesterrapporten.")
        for user in directors:
            notify(
                user,
                category="general",
                title=title,
                body=body,
                link=f"/{tenant.slug}/meerjarenplan/rapporten/{report.id}",
                dedupe_key=f"plan-semester-report:{report.id}:{user.id}",
                source_tenant_id=report.tenant_id,
            )
