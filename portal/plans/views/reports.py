"""Semester reports of the meerjarenplan: the archive, asking for one, reading one, its PDF."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.core.access import MEMBERS, allow, roles
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.pagination import paginate
from portal.core.roles import ALGEMEEN_DIRECTEUR, BEHEERDER
from portal.core.unitofwork import after_commit, attempt
from portal.plans import operations as ops
from portal.plans import semester
from portal.plans.models import PlanReport
from portal.plans.schemas.reports import CreateSemesterReportSchema
from portal.plans.views._blueprint import bp

#: Who asks for a semester report: the AD and the beheerder (the other members read them).
REPORT_WRITERS = roles(ALGEMEEN_DIRECTEUR, BEHEERDER)


def _render_list(errors: dict[str, Any], values: dict[str, Any], status: int = 200) -> Any:
    version = ops.current_version()
    choices = semester.semester_choices(version)
    return render_template(
        "plans/reports.html",
        page=paginate(semester.reports()),
        errors=errors,
        values=values,
        can_request=semester.can_request(current_user),
        has_plan=version is not None,
        choices=choices,
        labels={code: semester.semester_label(code) for code in choices},
        default_period=semester.last_finished_semester(),
        state_label=semester.state_label,
    ), status


@bp.route("/rapporten")
@allow(MEMBERS)
def reports() -> Any:
    """List the own semester reports; the AD and the beheerder ask for a new one here."""
    return _render_list({}, {})


@bp.route("/rapporten", methods=["POST"])
@allow(MEMBERS, write=REPORT_WRITERS)
def request_report() -> Any:
    """Ask for the report of a semester (default: the last finished one); the worker makes it."""
    values = request.form.to_dict()
    data, errors = load_form(CreateSemesterReportSchema(), request.form)
    report = None
    if data is not None:
        report, errors, _status = attempt(lambda: semester.request_report(data.get("period")))
    if report is None:
        return _render_list(errors, values, 422)
    tenant_id, report_id = report.tenant_id, report.id
    after_commit(lambda: semester.start_generation(tenant_id, report_id))
    return redirect(url_for("plans.report", report_id=report_id), code=303)


def _render_report(found: PlanReport, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    return render_template(
        "plans/report.html",
        report=found,
        state=semester.state_of(found),
        state_label=semester.state_label(found),
        error=semester.error_of(found),
        body=semester.report_body(found),
        generations=semester.generations_of(found),
        can_request=semester.can_request(current_user),
        stuck=semester.is_stuck(found),
        errors=errors or {},
    ), status


@bp.route("/rapporten/<int:report_id>")
@allow(MEMBERS)
def report(report_id: int) -> Any:
    """Show one semester report: its snapshot, or that it is being made or failed."""
    return _render_report(semester.report_or_404(report_id))


@bp.route("/rapporten/<int:report_id>/pdf")
@allow(MEMBERS)
def report_pdf(report_id: int) -> Any:
    """Download the stored PDF of a semester report, checked against its SHA-256."""
    found = semester.report_or_404(report_id)
    try:
        data = semester.stored_pdf(found)
    except DomainError as err:
        return _render_report(found, {"_schema": [err.message]}, err.status_code or 409)
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{semester.pdf_filename(found)}"'},
    )
