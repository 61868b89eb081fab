"""REST endpoints for council reports: list, fetch (JSON content or PDF), start a generation (AD)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from portal.core.access import MEMBERS, allow, roles
from portal.core.api import PageArgsSchema, page_envelope, page_of
from portal.core.errors import problem
from portal.core.pagination import paginate
from portal.core.roles import ALGEMEEN_DIRECTEUR
from portal.core.unitofwork import commit_now
from portal.reports import operations as ops
from portal.reports import permissions
from portal.reports.models import ReportStatus
from portal.reports.rendering import PdfUnavailableError, pdf_unavailable_message, render_pdf
from portal.reports.schemas import CreateReportSchema, ReportSchema, ReportSummarySchema

blp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports", description="Rapporten aan de gemeenteraad")


ReportPageSchema = page_of(ReportSummarySchema, "ReportPageSchema")


@blp.route("")
@allow(MEMBERS, write=roles(ALGEMEEN_DIRECTEUR))
class ReportList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ReportPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the municipality's reports (the council sees only approved versions)."""
        if not permissions.can_list(current_user):
            abort(403)
        return page_envelope(paginate(ops.visible_reports(approved_only=not permissions.sees_drafts(current_user))))

    @blp.arguments(CreateReportSchema)
    @blp.response(202, ReportSummarySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Start generating the report of a period (default: the last finished one); AD only."""
        if not permissions.can_manage(current_user):
            abort(403)
        report = ops.request_report((data.get("period") or "").strip() or None)
        assert report is not None
        tenant_id, report_id = report.tenant_id, report.id
        # The answer shows what an eager worker made of it: the version must be committed first.
        commit_now()
        ops.start_generation(tenant_id, report_id)
        return permissions.report_or_404(report_id)


@blp.route("/<int:report_id>")
@allow(MEMBERS, write=roles(ALGEMEEN_DIRECTEUR))
class ReportItem(MethodView):
    @blp.response(200, ReportSchema)
    def get(self, report_id: int) -> Any:
        """Return one version with its content snapshot."""
        return permissions.report_or_404(report_id)


@blp.route("/<int:report_id>/pdf")
@allow(MEMBERS, write=roles(ALGEMEEN_DIRECTEUR))
class ReportPdf(MethodView):
    @blp.response(200, description="Het rapport als PDF")
    def get(self, report_id: int) -> Any:
        """Return the PDF: the stored one of an approved version, a preview of a draft (AD)."""
        report = permissions.report_or_404(report_id)
        if report.is_frozen:
            data = ops.stored_pdf(report)
        elif report.status == ReportStatus.CONCEPT:
            try:
                data = render_pdf(report)
            except PdfUnavailableError:
                return problem(503, pdf_unavailable_message())
        else:
            return problem(409, _("Dit rapport heeft nog geen inhoud."))
        return Response(
            data,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{ops.pdf_filename(report)}"'},
        )
