"""Meerjarenplan tasks: make one semester report (snapshot and PDF) of the AD to the college and the MAT."""

from __future__ import annotations

import structlog
from celery import shared_task

from portal.extensions import db
from portal.plans import semester
from tenants.context import acting_for

log = structlog.get_logger(__name__)


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
