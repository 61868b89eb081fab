"""Council reports: periods, gathering each module's section, rendering, approval and delivery."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from portal.admin.operations import logo_data_uri
from portal.auth.models import User, UserRole
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.notifications import Notification
from portal.core.outbox import queue_mail
from portal.core.report import ReportPeriod, Section
from portal.core.roles import RAADSLID
from portal.extensions import db
from portal.reports.models import FROZEN, PERIOD_KINDS, CouncilReport, PeriodKind, ReportStatus
from tenants.context import BRUSSELS, acting_for, acting_tenant_id, acting_user_id, current_context
from tenants.models import Tenant

log = structlog.get_logger(__name__)

LOCALE = "nl_BE"
#: Shown instead of a section whose data could not be gathered (a module being changed, a missing field).
SECTION_UNAVAILABLE = "Dit onderdeel kon niet worden opgemaakt."

SectionBuilder = Callable[[ReportPeriod], Section]


# -- periods ---------------------------------------------------------------------------------


def period_kind_of(tenant: Tenant) -> str:
    """Return the tenant's reporting period: semester (default), kwartaal or jaar."""
    kind = (tenant.settings or {}).get("report_period", PeriodKind.SEMESTER)
    return kind if kind in PERIOD_KINDS else PeriodKind.SEMESTER


def set_period_kind(tenant: Tenant, kind: str) -> None:
    """Store the tenant's reporting period."""
    if kind not in PERIOD_KINDS:
        raise DomainError(_("Kies semester, kwartaal of jaar."), field="period_kind", status_code=422)
    tenant.settings = {**(tenant.settings or {}), "report_period": kind}
    db.session.flush()


def period_bounds(code: str) -> tuple[str, date, date]:
    """Return (kind, first day, last day) of a period code: 2026-S2, 2026-Q3 or 2026."""
    try:
        if len(code) == 4 and code.isdigit():
            year = int(code)
            return PeriodKind.JAAR, date(year, 1, 1), date(year, 12, 31)
        year_part, part = code.split("-")
        year, number = int(year_part), int(part[1:])
        if len(year_part) != 4 or year < 2000 or year > 2100:
            raise ValueError(code)
        if part[0] == "S" and number in (1, 2):
            start = date(year, 1 if number == 1 else 7, 1)
            end = date(year, 6, 30) if number == 1 else date(year, 12, 31)
            return PeriodKind.SEMESTER, start, end
        if part[0] == "Q" and 1 <= number <= 4:
            start = date(year, 3 * number - 2, 1)
            end = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
            return PeriodKind.KWARTAAL, start, end - timedelta(days=1)
    except (ValueError, IndexError):
        pass
    raise DomainError(
        _("Ongeldige periode: gebruik bv. 2026-S2 (semester), 2026-Q3 (kwartaal) of 2026 (jaar)."),
        field="period",
        status_code=422,
    )


def period_code(kind: str, day: date) -> str:
    """Return the code of the period of ``kind`` that contains ``day``."""
    if kind == PeriodKind.JAAR:
        return str(day.year)
    if kind == PeriodKind.KWARTAAL:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def last_completed_period(kind: str, day: date) -> str:
    """Return the code of the last period of ``kind`` that ended before ``day``."""
    _kind, start, _end = period_bounds(period_code(kind, day))
    return period_code(kind, start - timedelta(days=1))


def period_label(code: str) -> str:
    """Return a Dutch label: eerste semester 2026, derde kwartaal 2026, jaar 2026."""
    kind, start, _end = period_bounds(code)
    if kind == PeriodKind.JAAR:
        return _("jaar %(year)s", year=start.year)
    if kind == PeriodKind.SEMESTER:
        if start.month == 1:
            return _("eerste semester %(year)s", year=start.year)
        return _("tweede semester %(year)s", year=start.year)
    names = [_("eerste kwartaal"), _("tweede kwartaal"), _("derde kwartaal"), _("vierde kwartaal")]
    return f"{names[(start.month - 1) // 3]} {start.year}"


# -- reading ---------------------------------------------------------------------------------


def _require_tenant() -> int:
    """Return the acting tenant's id; refuse (400) when no tenant acts."""
    try:
        return acting_tenant_id()
    except RuntimeError:
        raise DomainError(_("Geen bestuur actief."), status_code=400) from None


def visible_reports(*, approved_only: bool) -> Select[tuple[CouncilReport]]:
    """Return a query of the acting tenant's reports (only approved ones if asked), newest first."""
    stmt = select(CouncilReport)
    if approved_only:
        stmt = stmt.where(CouncilReport.status.in_(FROZEN))
    return stmt.order_by(CouncilReport.period.desc(), CouncilReport.version.desc(), CouncilReport.id.desc())


def versions_of(report: CouncilReport) -> list[CouncilReport]:
    """Return every version of the report's period, newest first."""
    stmt = select(CouncilReport).where(CouncilReport.period == report.period).order_by(CouncilReport.version.desc())
    return list(db.session.scalars(stmt))


def previous_report(report: CouncilReport) -> CouncilReport | None:
    """Return the latest report with content of an earlier period (approved preferred)."""
    candidates = list(
        db.session.scalars(
            select(CouncilReport)
            .where(CouncilReport.period_kind == report.period_kind, CouncilReport.ends_on < report.starts_on)
            .where(CouncilReport.content.is_not(None))
            .order_by(CouncilReport.ends_on.desc(), CouncilReport.version.desc())
        )
    )
    approved = [r for r in candidates if r.is_frozen]
    found = approved or candidates
    return found[0] if found else None


# -- starting a generation --------------------------------------------------------------------


def request_report(period: str | None = None, *, only_if_missing: bool = False) -> CouncilReport | None:
    """Create (or reuse) the version of ``period`` to generate; return it in status wordt_gemaakt.

    A version being generated is reused, a failed or draft one is generated again; after an
    approved version a correction becomes a new version. ``only_if_missing`` (the schedule) does
    nothing when any version of the period exists, so a second scheduled run creates nothing.
    """
    tenant_id, user_id = _require_tenant(), acting_user_id()
    tenant = db.session.get(Tenant, tenant_id)
    assert tenant is not None
    code = period or last_completed_period(period_kind_of(tenant), today())
    kind, start, end = period_bounds(code)
    if period is not None and start > today():
        raise DomainError(_("Deze periode is nog niet begonnen."), field="period", status_code=422)
    existing = list(
        db.session.scalars(
            select(CouncilReport).where(CouncilReport.period == code).order_by(CouncilReport.version.desc())
        )
    )
    if existing and only_if_missing:
        return None
    latest = existing[0] if existing else None
    if latest is not None and not latest.is_frozen:
        if latest.status != ReportStatus.WORDT_GEMAAKT:
            _restart(latest, user_id)
        return latest
    report = CouncilReport(
        period=code,
        period_kind=kind,
        starts_on=start,
        ends_on=end,
        version=(latest.version + 1) if latest else 1,
        status=ReportStatus.WORDT_GEMAAKT,
        requested_by_id=user_id,
    )
    if latest is not None:
        # A correction keeps the approved texts as a starting point.
        report.foreword, report.remarks = latest.foreword, latest.remarks
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        # Another run created this version at the same moment: use that one.
        found = db.session.scalar(
            select(CouncilReport).where(CouncilReport.period == code, CouncilReport.version == report.version)
        )
        if found is None or only_if_missing:
            return None
        return found
    return report


def _restart(report: CouncilReport, user_id: int | None) -> None:
    report.status = ReportStatus.WORDT_GEMAAKT
    report.progress = 0
    report.error = ""
    report.requested_by_id = user_id
    db.session.flush()


def retry(report: CouncilReport) -> CouncilReport:
    """Generate a failed version again."""
    if report.status != ReportStatus.MISLUKT:
        raise DomainError(_("Enkel een mislukt rapport kan opnieuw gemaakt worden."), status_code=409)
    _require_tenant()
    _restart(report, acting_user_id())
    return report


def regenerate(report: CouncilReport) -> CouncilReport:
    """Gather the data of a draft again (texts of the AD are kept)."""
    if report.status != ReportStatus.CONCEPT:
        raise DomainError(_("Enkel een concept kan opnieuw opgemaakt worden."), status_code=409)
    _require_tenant()
    _restart(report, acting_user_id())
    return report


def correct(report: CouncilReport) -> CouncilReport:
    """Start a correction of an approved report: a new version of the same period."""
    if not report.is_frozen:
        raise DomainError(_("Enkel een goedgekeurd rapport kan gecorrigeerd worden."), status_code=409)
    found = request_report(report.period)
    assert found is not None
    return found


def today() -> date:
    """Return the acting context's date in Brussels (the date periods are judged by)."""
    ctx = current_context()
    return ctx.today if ctx else utcnow().astimezone(BRUSSELS).date()


# -- handing off to the worker ----------------------------------------------------------------

TASK = "portal.reports.generate"
#: A generation that shows no progress for this long is considered lost (worker gone): retry allowed.
STUCK_AFTER = timedelta(minutes=10)


def start_generation(tenant_id: int, report_id: int) -> None:
    """Hand a committed version to the worker (in-process when eager); a broker outage is logged.

    Call it once the version is committed and nothing more was read (``after_commit`` or right
    after ``commit_now``): an eager task commits on another connection, which an open read
    transaction would block on SQLite.
    """
    from portal.core.taskqueue import enqueue

    try:
        enqueue(TASK, tenant_id, report_id)
    except Exception as exc:  # noqa: BLE001 - broker down: the version stays retryable
        log.warning("reports.enqueue_failed", report_id=report_id, error=str(exc))


def generate_now(tenant_id: int, report_id: int, *, commit_progress: bool = True) -> str:
    """Run the generation task in this process (command line, demo) and return the version's status.

    The task owns the transactions (the progress, the draft, a failure each commit on their
    own); as with :func:`start_generation`, the version must be committed first.
    """
    task = current_app.extensions["celery"].tasks[TASK]
    result = task.apply(args=(tenant_id, report_id), kwargs={"commit_progress": commit_progress}, throw=True)
    return str(result.get())


def is_stuck(report: CouncilReport) -> bool:
    """Tell whether a generation has shown no sign of life for too long."""
    return report.status == ReportStatus.WORDT_GEMAAKT and report.updated_at < utcnow() - STUCK_AFTER


def stored_pdf(report: CouncilReport) -> bytes:
    """Return the approved PDF after checking it against its stored checksum."""
    data = report.pdf_data or b""
    if hashlib.sha256(data).hexdigest() != report.pdf_sha256:
        raise DomainError(_("Het opgeslagen PDF-bestand komt niet overeen met zijn controlesom."), status_code=409)
    return data


# -- generating -------------------------------------------------------------------------------


def report_by_id(report_id: int) -> CouncilReport | None:
    """Return the version ``report_id`` of the acting municipality (None if it is not there)."""
    return db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))


def fill_draft(report: CouncilReport, progress: Callable[[int], None] | None = None) -> None:
    """Gather the content of a version in wordt_gemaakt and make it a draft; flush, never commit.

    Runs in the municipality's tenant context (the report holds only what it may see);
    ``progress`` receives the percentage after each section.
    """
    content = gather(report, progress)
    report.content = content
    report.content_sha256 = content_checksum(content)
    report.generated_at = utcnow()
    report.progress = 100
    report.status = ReportStatus.CONCEPT
    report.error = ""
    if report.requested_by_id is None:
        _notify_directors(report)
    db.session.flush()


def mark_failed(report_id: int, exc: BaseException) -> str:
    """Record why the generation of ``report_id`` failed (it becomes mislukt); return its status.

    Call it after the failed attempt was rolled back. An approved version is left alone.
    """
    failed = report_by_id(report_id)
    if failed is None or failed.is_frozen:
        return "missing" if failed is None else failed.status
    failed.status = ReportStatus.MISLUKT
    failed.error = f"{type(exc).__name__}: {exc}"[:2000]
    db.session.flush()
    return ReportStatus.MISLUKT


def _notify_directors(report: CouncilReport) -> None:
    """Tell the AD that a scheduled draft waits for review (once per version and person)."""
    from portal.core.outbox import notify
    from portal.core.roles import ALGEMEEN_DIRECTEUR

    directors = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.tenant_id == report.tenant_id, User.is_active.is_(True), UserRole.role == ALGEMEEN_DIRECTEUR)
    ).unique()
    with force_locale(LOCALE):
        title = _("Het rapport aan de gemeenteraad (%(period)s) staat klaar om na te lezen.", period=report.period)
        for user in directors:
            notify(
                user,
                category="general",
                title=title,
                link=f"/{report.tenant.slug}/rapporten/{report.id}",
                dedupe_key=f"council-report-draft:{report.id}:{user.id}",
                source_tenant_id=report.tenant_id,
            )


def content_checksum(content: dict[str, Any]) -> str:
    """Return the SHA-256 of the content in a canonical JSON form."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """Return a JSON-ready value (dates as ISO strings, decimals as floats)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


#: The report's layout: the agreements overview opens it, the matrix sums it up, the other
#: modules' sections come between them in navigation order.
FIRST, LAST = ("agreements",), ("matrix",)


def _ordered(found: list[tuple[str, SectionBuilder]]) -> list[tuple[str, SectionBuilder]]:
    def rank(item: tuple[str, SectionBuilder]) -> int:
        return -1 if item[0] in FIRST else (1 if item[0] in LAST else 0)

    return sorted(found, key=rank)  # stable: navigation order within each group


def gather(report: CouncilReport, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Collect everything the acting municipality may see for the report's period.

    Every installed module offers its own section (``portal.features.report_sections``); each
    runs in its own savepoint: a module that fails yields a short notice, not a failed report.
    """
    from portal.features import report_sections

    tenant = report.tenant
    previous = previous_report(report)
    period = ReportPeriod(
        tenant_id=tenant.id,
        start=report.starts_on,
        end=report.ends_on,
        previous={s["key"]: s for s in (previous.content or {}).get("sections", []) if "key" in s} if previous else {},
    )
    builders = _ordered(report_sections())
    sections: list[dict[str, Any]] = []
    with force_locale(LOCALE):
        for index, (key, builder) in enumerate(builders):
            sections.append(_run_section(key, builder, period))
            if progress is not None:
                progress(10 + int(80 * (index + 1) / len(builders)))
        key_figures = [figure for section in sections for figure in section.get("key_figures", [])]
        content = {
            "schema": 1,
            "tenant": {
                "id": tenant.id,
                "name": tenant.name,
                "slug": tenant.slug,
                "nis_code": tenant.nis_code,
                "brand_colour": tenant.brand_colour,
                # A copy, not a link: the approved snapshot keeps the logo it was approved with.
                "logo": logo_data_uri(tenant),
            },
            "period": {
                "code": report.period,
                "kind": report.period_kind,
                "label": period_label(report.period),
                "start": report.starts_on,
                "end": report.ends_on,
            },
            "version": report.version,
            "previous": {"id": previous.id, "period": previous.period, "version": previous.version}
            if previous
            else None,
            "key_figures": key_figures,
            "sections": sections,
        }
    return _plain(content)  # type: ignore[no-any-return]


def _run_section(key: str, builder: SectionBuilder, period: ReportPeriod) -> dict[str, Any]:
    try:
        with db.session.begin_nested():
            section = dict(builder(period))
    except Exception as exc:  # noqa: BLE001 - one module failing must not take the others down
        log.warning("reports.section_failed", section=key, error=f"{type(exc).__name__}: {exc}")
        return {"key": key, "title": _section_titles().get(key, key), "unavailable": SECTION_UNAVAILABLE}
    section.setdefault("key", key)
    section.setdefault("title", _section_titles().get(key, key))
    return section


def _section_titles() -> dict[str, str]:
    """Return the titles shown for a section that could not be made (its module gave none)."""
    return {
        "agreements": _("Samenwerkingsovereenkomsten"),
        "policy_tables": _("Beleidstafels"),
        "hr": _("Gedeelde HR"),
        "rentals": _("Materieel en zalen"),
        "procurement": _("Gezamenlijke aankoop"),
        "matrix": _("Samenwerkingsmatrix"),
    }


# -- editing, approving, delivering -------------------------------------------------------------


def update_texts(report: CouncilReport, data: dict[str, Any]) -> CouncilReport:
    """Save the AD's foreword and remarks on a draft."""
    if report.status != ReportStatus.CONCEPT:
        raise DomainError(_("Enkel een concept kan nog gewijzigd worden."), status_code=409)
    report.foreword = (data.get("foreword") or "").strip()
    report.remarks = (data.get("remarks") or "").strip()
    db.session.flush()
    return report


def approve(report: CouncilReport, pdf: bytes) -> CouncilReport:
    """Freeze a draft with its PDF: content, texts and PDF never change after this."""
    _require_tenant()
    user_id = acting_user_id()
    if report.status != ReportStatus.CONCEPT or not report.content:
        raise DomainError(_("Enkel een afgewerkt concept kan goedgekeurd worden."), status_code=409)
    report.pdf_data = pdf
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    report.content_sha256 = content_checksum(report.content)
    report.approved_at = utcnow()
    report.approved_by_id = user_id
    report.status = ReportStatus.GOEDGEKEURD
    db.session.flush()
    return report


def council_members(tenant_id: int) -> list[User]:
    """Return the active users of the municipality with the role raadslid."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.tenant_id == tenant_id, User.is_active.is_(True), UserRole.role == RAADSLID)
            .order_by(User.id)
        ).unique()
    )


def pdf_filename(report: CouncilReport) -> str:
    """Return the download name of the PDF."""
    return f"rapport-gemeenteraad-{report.tenant.slug}-{report.period}-v{report.version}.pdf"


def _attachment_path(report: CouncilReport) -> str:
    """Write the approved PDF where the mail sender can attach it (named by its checksum)."""
    from portal.core.files import upload_root

    assert report.pdf_data is not None and report.pdf_sha256 is not None
    path = upload_root() / str(report.tenant_id) / "reports" / f"{report.pdf_sha256}.pdf"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(report.pdf_data)
        tmp.replace(path)
    return str(path)


def deliver(report: CouncilReport) -> int:
    """Mail the approved report (link and PDF) to every raadslid and notify them; once per person."""
    if not report.is_frozen:
        raise DomainError(_("Enkel een goedgekeurd rapport kan verzonden worden."), status_code=409)
    members = council_members(report.tenant_id)
    attachment = _attachment_path(report) if members else None
    base_url = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    link = f"/{report.tenant.slug}/rapporten/{report.id}"
    with force_locale(LOCALE):
        label = period_label(report.period)
        title = _("Rapport aan de gemeenteraad: %(period)s", period=label)
        sent = 0
        for user in members:
            key = f"council-report:{report.id}:{user.id}"
            if db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is None:
                # The mail below carries the PDF; the in-app note is never mailed or digested again.
                db.session.add(
                    Notification(
                        user_id=user.id,
                        category="general",
                        title=title,
                        body=_("Het rapport over de samenwerking is goedgekeurd en staat in het portaal."),
                        link=link,
                        dedupe_key=key,
                        source_tenant_id=report.tenant_id,
                        digested_at=utcnow(),
                    )
                )
            if queue_mail(
                to=user.email,
                subject=title,
                template="council_report",
                dedupe_key=f"{key}:mail",
                attachment_path=attachment,
                attachment_name=pdf_filename(report),
                user=user,
                report=report,
                period_label=label,
                url=f"{base_url}{link}",
            ):
                sent += 1
    if members and report.status == ReportStatus.GOEDGEKEURD:
        report.status = ReportStatus.VERZONDEN
        report.sent_at = utcnow()
    db.session.flush()
    return sent


# -- the schedule -------------------------------------------------------------------------------


def scheduled_tenants() -> list[int]:
    """Return the active tenants the schedule makes reports for."""
    return list(db.session.scalars(select(Tenant.id).where(Tenant.is_active.is_(True)).order_by(Tenant.id)))


def due_report(tenant_id: int, day: date | None = None) -> int | None:
    """Create the report of the last finished period if none exists yet; return its id (else None).

    A version of that period still waiting to be generated is returned too: when the worker died
    between creating it and handing it on, the next run of the schedule hands it on again.
    """
    with acting_for(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        if tenant is None:
            return None
        code = last_completed_period(period_kind_of(tenant), day or today())
        report = request_report(code, only_if_missing=True)
        if report is None:
            return db.session.scalar(
                select(CouncilReport.id).where(
                    CouncilReport.period == code, CouncilReport.status == ReportStatus.WORDT_GEMAAKT
                )
            )
        db.session.flush()
        return report.id
