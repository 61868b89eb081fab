"""Council report pages: archive, generation with progress, review by the AD, approval, PDF; CLI."""

from __future__ import annotations

from typing import Any

import click
from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from portal.core.access import MEMBERS, allow, roles
from portal.core.errors import DomainError
from portal.core.forms import load_form, submit
from portal.core.pagination import paginate
from portal.core.permissions import is_admin
from portal.core.roles import ALGEMEEN_DIRECTEUR
from portal.core.templating import translated_labels
from portal.core.unitofwork import after_commit, attempt, fail, transaction
from portal.core.web import tenant_blueprint
from portal.extensions import db
from portal.reports import operations as ops
from portal.reports import permissions, rendering
from portal.reports.models import PERIOD_KINDS, STATUSES, CouncilReport, ImmutableReportError, ReportStatus
from portal.reports.rendering import PdfUnavailableError, render_pdf, report_body
from portal.reports.schemas import CreateReportSchema, PeriodKindSchema, ReportTextsSchema
from tenants.context import acting_for
from tenants.models import Tenant

bp = tenant_blueprint("reports", __name__, "/rapporten")
bp.cli.short_help = "Rapporten aan de gemeenteraad."


LABELS = {"statuses": STATUSES, "period_kinds": PERIOD_KINDS}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return translated_labels(LABELS)


def _render_index(errors: dict[str, Any], values: dict[str, Any], status: int = 200) -> Any:
    if not permissions.can_list(current_user):
        abort(403)
    page = paginate(ops.visible_reports(approved_only=not permissions.sees_drafts(current_user)))
    tenant = current_user.tenant
    kind = ops.period_kind_of(tenant)
    return render_template(
        "reports/index.html",
        page=page,
        errors=errors,
        values=values,
        can_manage=permissions.can_manage(current_user),
        can_configure=permissions.can_manage(current_user) or is_admin(current_user),
        period_kind=kind,
        default_period=ops.last_completed_period(kind, ops.today()),
    ), status


@bp.route("")
@allow(MEMBERS)
def index() -> Any:
    """List the municipality's reports: every version for the AD, the approved ones for the council."""
    return _render_index({}, {})


@bp.route("/genereren", methods=["POST"])
@allow(MEMBERS, write=roles(ALGEMEEN_DIRECTEUR))
def generate() -> Any:
    """Start generating the report of a period (AD)."""
    if not permissions.can_manage(current_user):
        abort(403)
    values = request.form.to_dict()
    report, errors = submit(
        CreateReportSchema(), lambda data: ops.request_report((data.get("period") or "").strip() or None)
    )
    if report is None:
        return _render_index(errors, values, 422)
    tenant_id, report_id = report.tenant_id, report.id
    after_commit(lambda: ops.start_generation(tenant_id, report_id))
    return redirect(url_for("reports.detail", report_id=report_id), code=303)


@bp.route("/instellingen", methods=["POST"])
@allow(MEMBERS, write=roles(ALGEMEEN_DIRECTEUR))
def settings() -> Any:
    """Set the municipality's reporting period (AD or beheerder)."""
    if not (permissions.can_manage(current_user) or is_admin(current_user)):
        abort(403)
    data, errors = load_form(PeriodKindSchema(), request.form)
    if data is None:
        return _render_index(errors, request.form.to_dict(), 422)
    tenant = db.session.scalar(select(Tenant).where(Tenant.id == current_user.tenant_id))
    assert tenant is not None
    ops.set_period_kind(tenant, data["period_kind"])
    flash(_("De rapportperiode is opgeslagen."), "success")
    return redirect(url_for("reports.index"), code=303)


def _render_detail(report: CouncilReport, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    values = request.form.to_dict() if errors else {"foreword": report.foreword, "remarks": report.remarks}
    body = report_body(report) if report.content else ""
    return render_template(
        "reports/detail.html",
        report=report,
        body=body,
        versions=ops.versions_of(report) if permissions.sees_drafts(current_user) else [],
        can_manage=permissions.can_manage(current_user),
        stuck=ops.is_stuck(report),
        members=len(ops.council_members(report.tenant_id)) if permissions.can_manage(current_user) else 0,
        errors=errors or {},
        values=values,
    ), status


@bp.route("/<int:report_id>")
@allow(MEMBERS)
def detail(report_id: int) -> Any:
    """Show one version: its progress, its error, or the report itself."""
    return _render_detail(permissions.report_or_404(report_id))


@bp.route("/<int:report_id>/status")
@allow(MEMBERS)
def progress(report_id: int) -> Any:
    """Return the progress block (htmx polls it); once done, tell htmx to reload the page."""
    report = permissions.report_or_404(report_id)
    response = make_response(render_template("reports/_status.html", report=report, stuck=ops.is_stuck(report)))
    if report.status != ReportStatus.WORDT_GEMAAKT and request.headers.get("HX-Request"):
        response.headers["HX-Refresh"] = "true"
    return response


@bp.route("/<int:report_id>/opnieuw", methods=["POST"])
@allow(MEMBERS, write=roles(ALGEMEEN_DIRECTEUR))
def retry(report_id: int) -> Any:
    """Generate a failed (or lost) version again, or refresh a draft's data (AD)."""
    report = permissions.managed_report_or_404(report_id)
    if ops.is_stuck(report):
        report.status = ReportStatus.MISLUKT
        db.session.flush()
    action = ops.retry if report.status == ReportStatus.MISLUKT else ops.regenerate
    done, errors, _status = attempt(lambda: action(report))
    if done is None:
        return _render_detail(report, errors, 409)
    tenant_id = report.tenant_id
    after_commit(lambda: ops.start_generation(tenant_id, report_id))
    return redirect(url_for("reports.detail", report_id=report_id), code=303)


@bp.route("/<int:report_id>/bewerken", methods=["POST"])
@allow(MEMBERS, write=roles(ALGEMEEN_DIRECTEUR))
def edit(report_id: int) -> Any:
    """Save the foreword and remarks of a draft (AD)."""
    report = permissions.managed_report_or_404(report_id)
    data, errors = load_form(ReportTextsSchema(), request.form)
    if data is not None:
        _done, errors, _status = attempt(lambda: ops.update_texts(report, data))
    if errors:
        return _render_detail(report, errors, 409 if "_schema" in errors else 422)
    flash(_("Voorwoord en opmerkingen zijn opgeslagen."), "success")
    return redirect(url_for("reports.detail", report_id=report_id), code=303)


@bp.route("/<int:report_id>/goedkeuren", methods=["POST"])
@allow(MEMBERS, write=roles(ALGEMEEN_DIRECTEUR))
def approve(report_id: int) -> Any:
    """Approve a draft: freeze it with its PDF and send it to the council members (AD)."""
    report = permissions.managed_report_or_404(report_id)
    if report.status != ReportStatus.CONCEPT:
        return _render_detail(report, {"_schema": [_("Enkel een afgewerkt concept kan goedgekeurd worden.")]}, 409)
    try:
        pdf = render_pdf(report)
    except PdfUnavailableError:
        return _render_detail(report, {"_schema": [rendering.pdf_unavailable_message()]}, 503)
    # Two approvals at once: the second waits for the row, then finds it approved (a 409, not a 500).
    db.session.execute(select(CouncilReport.id).where(CouncilReport.id == report_id).with_for_update())
    db.session.refresh(report)
    _done, errors, _status = attempt(lambda: ops.approve(report, pdf))
    if errors:
        return _render_detail(report, errors, 409)
    try:
        sent = ops.deliver(report)
        # Flush here: a concurrent approval surfaces now, as this page's 409 (the commit follows).
        db.session.flush()
    except (ImmutableReportError, DBAPIError):
        fail()
        report = permissions.managed_report_or_404(report_id)
        return _render_detail(report, {"_schema": [_("Dit rapport werd intussen al goedgekeurd.")]}, 409)
    if sent:
        flash(_("Het rapport is goedgekeurd en naar %(count)s raadsleden verzonden.", count=sent), "success")
    else:
        flash(_("Het rapport is goedgekeurd. Er zijn geen raadsleden om het naar te sturen."), "warning")
    return redirect(url_for("reports.detail", report_id=report_id), code=303)


@bp.route("/<int:report_id>/correctie", methods=["POST"])
@allow(MEMBERS, write=roles(ALGEMEEN_DIRECTEUR))
def correct(report_id: int) -> Any:
    """Start a correction of an approved report: a new version of the same period (AD)."""
    report = permissions.managed_report_or_404(report_id)
    new, errors, _status = attempt(lambda: ops.correct(report))
    if new is None:
        return _render_detail(report, errors, 409)
    tenant_id, new_id = new.tenant_id, new.id
    after_commit(lambda: ops.start_generation(tenant_id, new_id))
    return redirect(url_for("reports.detail", report_id=new_id), code=303)


@bp.route("/<int:report_id>/pdf")
@allow(MEMBERS)
def pdf(report_id: int) -> Any:
    """Download the PDF: the stored, checked one of an approved version, a preview of a draft (AD)."""
    report = permissions.report_or_404(report_id)
    if report.is_frozen:
        data = ops.stored_pdf(report)
    elif report.status == ReportStatus.CONCEPT:
        try:
            data = render_pdf(report)
        except PdfUnavailableError:
            return _render_detail(report, {"_schema": [rendering.pdf_unavailable_message()]}, 503)
    else:
        return _render_detail(report, {"_schema": [_("Dit rapport heeft nog geen inhoud.")]}, 409)
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{ops.pdf_filename(report)}"'},
    )


# -- command line -----------------------------------------------------------------------------


@bp.cli.command("generate")
@click.option("--tenant", "slug", required=True, help="Slug van het bestuur")
@click.option("--period", default=None, help="Periode, bv. 2026-S2, 2026-Q3 of 2026 (standaard: de laatst afgelopen)")
def generate_command(slug: str, period: str | None) -> None:
    """Make the report of a municipality now, in this process, as a draft for the AD."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"Onbekend bestuur: {slug}")
    try:
        with acting_for(tenant.id), transaction():
            report = ops.request_report(period)
            assert report is not None
            report_id = report.id
    except DomainError as err:
        raise click.ClickException(err.message) from err
    status = ops.generate_now(tenant.id, report_id)
    with acting_for(tenant.id):
        found = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
        assert found is not None
        if status != ReportStatus.CONCEPT:
            raise click.ClickException(f"Rapport {found.period} v{found.version} mislukt: {found.error}")
        click.echo(f"Rapport {found.period} versie {found.version} van {tenant.name} staat klaar als concept.")
