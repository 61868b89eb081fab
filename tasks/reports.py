"""Council report tasks: generate one version, and after each period ends a report for every tenant."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task
from celery.schedules import crontab

from portal.core.taskqueue import enqueue
from portal.extensions import db
from portal.reports import operations as ops
from portal.reports.models import ReportStatus
from tenants.context import acting_for

log = structlog.get_logger(__name__)

SCHEDULE: dict[str, Any] = {
    # Daily just after midnight: on the first day after a period the missing reports are made; on
    # other days (or a second run) every tenant already has one and nothing happens.
    "reports-due": {"task": "portal.reports.schedule", "schedule": crontab(hour=0, minute=30)},
}


@shared_task(name="portal.reports.generate", acks_late=True, reject_on_worker_lost=True)
def generate_report(tenant_id: int, report_id: int, commit_progress: bool = True) -> str:
    """Gather one version as a draft; a redelivered task finds it done and changes nothing."""
    return generate(tenant_id, report_id, commit_progress=commit_progress)


def generate(tenant_id: int, report_id: int, *, commit_progress: bool = True) -> str:
    """Make a version in wordt_gemaakt a draft, in the municipality's context; return the status.

    This task owns the transactions, one report at a time: each progress step commits (the page
    shows it while it runs), the draft commits, and a failure is rolled back and then committed
    as mislukt with its message, so it never takes another report along. Safe to run twice: a
    version that is no longer being generated is left alone.
    """
    with acting_for(tenant_id):
        report = ops.report_by_id(report_id)
        if report is None or report.status != ReportStatus.WORDT_GEMAAKT:
            return report.status if report is not None else "missing"
        try:

            def progress(value: int) -> None:
                report.progress = value
                if commit_progress:
                    db.session.commit()

            ops.fill_draft(report, progress)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.exception("reports.generation_failed", report_id=report_id)
            status = ops.mark_failed(report_id, exc)
            db.session.commit()
            return status
        return ReportStatus.CONCEPT


@shared_task(name="portal.reports.schedule", acks_late=True)
def schedule_reports() -> int:
    """Create the report of the last finished period where missing (or still waiting) and hand it on; count them."""
    started: list[tuple[int, int]] = []
    for tenant_id in ops.scheduled_tenants():
        report_id = ops.due_report(tenant_id)
        db.session.commit()
        if report_id is not None:
            started.append((tenant_id, report_id))
    for tenant_id, report_id in started:
        enqueue("portal.reports.generate", tenant_id, report_id)
    return len(started)
