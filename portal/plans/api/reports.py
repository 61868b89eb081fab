"""REST endpoints of the semester reports: list, fetch (JSON snapshot or PDF), ask for one (AD, beheerder)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from portal.core.access import MEMBERS, allow, roles
from portal.core.api import PageArgsSchema, page_envelope, page_of
from portal.core.errors import DomainError, problem
from portal.core.pagination import paginate
from portal.core.roles import ALGEMEEN_DIRECTEUR, BEHEERDER
from portal.core.unitofwork import commit_now
from portal.plans import semester
from portal.plans.api._blueprint import blp
from portal.plans.schemas.reports import (
    CreateSemesterReportSchema,
    SemesterReportSchema,
    SemesterReportSummarySchema,
)

SemesterReportPageSchema = page_of(SemesterReportSummarySchema, "SemesterReportPageSchema")
WRITERS = roles(ALGEMEEN_DIRECTEUR, BEHEERDER)


@blp.route("/reports")
@allow(MEMBERS, write=WRITERS)
class SemesterReportList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, SemesterReportPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the own semester reports, newest period and generation first."""
        return page_envelope(paginate(semester.reports()))

    @blp.arguments(CreateSemesterReportSchema)
    @blp.response(202, SemesterReportSummarySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Ask for the report of a semester (default: the last finished one); the worker makes it."""
        report = semester.request_report(data.get("period"))
        tenant_id, report_id = report.tenant_id, report.id
        # The answer shows what an eager worker made of it: the row must be committed first.
        commit_now()
        semester.start_generation(tenant_id, report_id)
        return semester.report_or_404(report_id)


@blp.route("/reports/<int:report_id>")
@allow(MEMBERS, write=WRITERS)
class SemesterReportItem(MethodView):
    @blp.response(200, SemesterReportSchema)
    def get(self, report_id: int) -> Any:
        """Return one semester report with its content snapshot."""
        return semester.report_or_404(report_id)


@blp.route("/reports/<int:report_id>/pdf")
@allow(MEMBERS, write=WRITERS)
class SemesterReportPdf(MethodView):
    @blp.response(200, description="Het semesterrapport als PDF")
    def get(self, report_id: int) -> Any:
        """Return the stored PDF, checked against its SHA-256."""
        report = semester.report_or_404(report_id)
        try:
            data = semester.stored_pdf(report)
        except DomainError as err:
            return problem(err.status_code or 409, err.message)
        return Response(
            data,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{semester.pdf_filename(report)}"'},
        )
