"""Celery app of the 285-report benchmark: the portal's worker plus a task that also renders the PDF.

    celery -A bench.report_worker worker --pool=solo

``portal.reports.generate`` gathers a draft; the PDF is made when the AD approves. The benchmark
times the whole of it, so its task runs the very same generation and then WeasyPrint.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.reports.models import CouncilReport
from portal.reports.rendering import render_pdf
from tasks.reports import generate as generate_report
from tasks.worker import app, celery
from tenants.context import tenant_context

__all__ = ["app", "celery", "generate_with_pdf"]


@celery.task(name="bench.reports.generate_with_pdf", acks_late=True)
def generate_with_pdf(tenant_id: int, report_id: int) -> dict[str, Any]:
    """Generate one draft as the worker does, render its PDF; return the timings."""
    started = time.perf_counter()
    cpu = time.process_time()
    status = generate_report(tenant_id, report_id)
    gathered = time.perf_counter() - started
    pdf_bytes = 0
    with tenant_context(tenant_id):
        report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
        if report is not None and report.content:
            pdf_bytes = len(render_pdf(report))
        db.session.rollback()
    return {
        "status": status,
        "seconds": time.perf_counter() - started,
        "gather_seconds": gathered,
        "cpu_seconds": time.process_time() - cpu,
        "pdf_bytes": pdf_bytes,
    }
