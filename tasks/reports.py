"""Council report tasks: generate one version, and after each period ends a report for every tenant."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.schedules import crontab

from portal.core.taskqueue import enqueue
from portal.extensions import db
from portal.reports import operations as ops

SCHEDULE: dict[str, Any] = {
    # Daily just after midnight: on the first day after a period the missing reports are made; on
    # other days (or a second run) every tenant already has one and nothing happens.
    "reports-due": {"task": "portal.reports.schedule", "schedule": crontab(hour=0, minute=30)},
}


@shared_task(name="portal.reports.generate", acks_late=True, reject_on_worker_lost=True)
def generate_report(tenant_id: int, report_id: int) -> str:
    """Gather one version as a draft; a redelivered task finds it done and changes nothing."""
    return ops.generate(tenant_id, report_id)


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
