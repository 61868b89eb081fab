"""The AD's semester report to the college and the MAT: the operational plan with its finances.

A report is one row of ``plan_reports`` per request: the number counts the generations of one
period (2026-S1, 2026-S2), so a new generation never replaces an older one. The row is made
when the AD (or the beheerder) asks for it and filled by a Celery task (``tasks/plans.py``):
until then its content only says that it is being made (or why it failed). Once filled, the
snapshot and its PDF carry their SHA-256 and never change: a later change of the plan shows up
in the next generation only.

Only the plan's owner ever reads a report (the plan is never shared); every figure of money
comes from :class:`portal.plans.links.MoneyReader`, never from a calculation of our own.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, event, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.core.errors import DomainError
from portal.core.loading import get_owned_or_404
from portal.core.models import utcnow
from portal.core.roles import ALGEMEEN_DIRECTEUR, BEHEERDER
from portal.core.templating import brand_scheme
from portal.extensions import db
from portal.plans import links
from portal.plans import operations as ops
from portal.plans.models import LINK_LABELS, STATUS_LABELS, ActionStatus, Level, PlanNode, PlanReport, PlanVersion
from tenants.context import acting_user_id, current_tenant_id
from tenants.models import Tenant
from tenants.sharing import today

LOCALE = "nl_BE"
PERIOD = re.compile(r"^(\d{4})-S([12])$")
#: A generation that is still not done after this long is taken as lost (worker gone).
STUCK_AFTER = timedelta(minutes=10)
TASK = "portal.plans.semester_report"


class ReportState(StrEnum):
    """Where a semester report stands (read from the row: the table has no status column)."""

    WORDT_GEMAAKT = "wordt_gemaakt"
    MISLUKT = "mislukt"
    KLAAR = "klaar"


STATE_LABELS: dict[str, Any] = {
    ReportState.WORDT_GEMAAKT: _l("Wordt gemaakt"),
    ReportState.MISLUKT: _l("Mislukt"),
    ReportState.KLAAR: _l("Klaar"),
}
#: The columns a finished report keeps forever.
FROZEN_COLUMNS = (
    "tenant_id",
    "version_id",
    "period",
    "number",
    "starts_on",
    "ends_on",
    "content",
    "content_sha256",
    "pdf_data",
    "pdf_sha256",
    "generated_at",
)


class ImmutablePlanReportError(RuntimeError):
    """Raise when code tries to change or delete a finished semester report."""


def state_of(report: PlanReport) -> str:
    """Return the report's state: finished (it has its PDF), failed, or being made."""
    if report.pdf_sha256:
        return ReportState.KLAAR
    if (report.content or {}).get("state") == ReportState.MISLUKT:
        return ReportState.MISLUKT
    return ReportState.WORDT_GEMAAKT


def state_label(report: PlanReport) -> str:
    """Return the Dutch label of the report's state."""
    return str(STATE_LABELS[state_of(report)])


def error_of(report: PlanReport) -> str:
    """Return why the generation failed (empty otherwise)."""
    return str((report.content or {}).get("error") or "") if state_of(report) == ReportState.MISLUKT else ""


def is_stuck(report: PlanReport) -> bool:
    """Tell whether a generation has been waiting too long (the worker lost it)."""
    return state_of(report) == ReportState.WORDT_GEMAAKT and report.generated_at < utcnow() - STUCK_AFTER


@event.listens_for(Session, "before_flush")
def _guard_finished(session: Session, flush_context: Any, instances: Any) -> None:
    """Refuse, before anything is written, a change to or the removal of a finished report."""
    for obj in session.deleted:
        if isinstance(obj, PlanReport):
            history = inspect(obj).attrs.pdf_sha256.history
            if obj.pdf_sha256 or (history.deleted and history.deleted[0]):
                raise ImmutablePlanReportError(f"plan report {obj.id} is finished and cannot be deleted")
    for obj in session.dirty:
        if not isinstance(obj, PlanReport):
            continue
        state: Any = inspect(obj)
        history = state.attrs.pdf_sha256.history
        was = history.deleted[0] if history.deleted else (None if history.added else obj.pdf_sha256)
        if not was:
            continue
        changed = [name for name in FROZEN_COLUMNS if state.attrs[name].history.has_changes()]
        if changed:
            raise ImmutablePlanReportError(f"plan report {obj.id} is finished; cannot change {changed}")


# -- periods -----------------------------------------------------------------------------------


def semester_bounds(code: str) -> tuple[date, date]:
    """Return the first and last day of a semester code (2026-S1: January-June, 2026-S2: July-December)."""
    match = PERIOD.match((code or "").strip())
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        raise DomainError(_("Kies een semester, bv. 2026-S1 of 2026-S2."), field="period", status_code=422)
    year, half = int(match.group(1)), int(match.group(2))
    if half == 1:
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


def semester_of(day: date) -> str:
    """Return the code of the semester that holds ``day``."""
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def last_finished_semester(day: date | None = None) -> str:
    """Return the last semester that ended before ``day`` (default: today in Brussels)."""
    start, _end = semester_bounds(semester_of(day or today()))
    return semester_of(start - timedelta(days=1))


def semester_label(code: str) -> str:
    """Return a Dutch label: eerste semester 2026, tweede semester 2026."""
    start, _end = semester_bounds(code)
    if start.month == 1:
        return _("eerste semester %(year)s", year=start.year)
    return _("tweede semester %(year)s", year=start.year)


def semester_choices(version: PlanVersion | None, day: date | None = None) -> list[str]:
    """Return the semesters a report can be asked for, newest first: started ones of the plan's years.

    The last finished semester is always among them (it is the default), even before the plan starts.
    """
    day = day or today()
    current = semester_of(day)
    default = last_finished_semester(day)
    first = min(version.first_year if version else day.year, int(default[:4]))
    found: list[str] = []
    for year in range(day.year, first - 1, -1):
        for half in (2, 1):
            code = f"{year}-S{half}"
            if code <= current:
                found.append(code)
    return found[:16]


# -- reading -----------------------------------------------------------------------------------


def can_request(user: Any) -> bool:
    """The AD and the beheerder ask for a report; the other members read them."""
    return bool(user.is_authenticated and user.has_role(ALGEMEEN_DIRECTEUR, BEHEERDER))


def reports() -> Select[tuple[PlanReport]]:
    """Return a query of the own semester reports, newest period and generation first."""
    return select(PlanReport).order_by(PlanReport.period.desc(), PlanReport.number.desc(), PlanReport.id.desc())


def report_by_id(report_id: int) -> PlanReport | None:
    """Return the own report ``report_id`` (None if the acting municipality has no such report)."""
    return db.session.scalar(select(PlanReport).where(PlanReport.id == report_id))


def report_or_404(report_id: int) -> PlanReport:
    """Load a report of the own municipality; another municipality's is 404."""
    return get_owned_or_404(PlanReport, report_id, current_user.tenant_id)


def generations_of(report: PlanReport) -> list[PlanReport]:
    """Return every generation of the report's period, newest first."""
    return list(
        db.session.scalars(
            select(PlanReport).where(PlanReport.period == report.period).order_by(PlanReport.number.desc())
        )
    )


def stored_pdf(report: PlanReport) -> bytes:
    """Return the stored PDF after checking it against its checksum."""
    if state_of(report) != ReportState.KLAAR:
        raise DomainError(_("Dit rapport heeft nog geen PDF."), status_code=409)
    data = report.pdf_data or b""
    if hashlib.sha256(data).hexdigest() != report.pdf_sha256:
        raise DomainError(_("Het opgeslagen PDF-bestand komt niet overeen met zijn controlesom."), status_code=409)
    return data


def pdf_filename(report: PlanReport) -> str:
    """Return the download name of the PDF."""
    slug = (report.content.get("tenant") or {}).get("slug") or str(report.tenant_id)
    return f"semesterrapport-{slug}-{report.period}-{report.number}.pdf"


# -- asking for a report -----------------------------------------------------------------------


def request_report(period: str | None = None) -> PlanReport:
    """Create the next generation of a semester's report (default: the last finished semester).

    A generation of the same period that is still being made is returned instead (a double
    click makes one report); one that waits too long is marked failed and a new one is made.
    """
    if current_tenant_id() is None:
        raise DomainError(_("Kies eerst een bestuur."))
    version = ops.current_version()
    if version is None:
        raise DomainError(_("Je bestuur heeft nog geen meerjarenplan in het portaal."), status_code=409)
    code = (period or "").strip() or last_finished_semester()
    start, end = semester_bounds(code)
    if start > today():
        raise DomainError(_("Dit semester is nog niet begonnen."), field="period", status_code=422)
    existing = list(
        db.session.scalars(select(PlanReport).where(PlanReport.period == code).order_by(PlanReport.number.desc()))
    )
    for report in existing:
        if state_of(report) == ReportState.WORDT_GEMAAKT:
            if not is_stuck(report):
                return report
            _fail(report, _("De aanmaak werd onderbroken."))
    number = int(
        db.session.scalar(select(func.coalesce(func.max(PlanReport.number), 0)).where(PlanReport.period == code)) or 0
    )
    for attempt in range(3):
        report = PlanReport(
            version_id=version.id,
            period=code,
            number=number + 1 + attempt,
            starts_on=start,
            ends_on=end,
            content={"state": ReportState.WORDT_GEMAAKT},
            content_sha256="",
            generated_at=utcnow(),
            requested_by_id=acting_user_id(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(report)
        except IntegrityError:
            continue  # another request took this number at the same moment: take the next one
        return report
    raise DomainError(_("De aanvraag botst met de huidige toestand."), status_code=409)


def start_generation(tenant_id: int, report_id: int) -> None:
    """Hand a committed report to the worker (in-process when eager); a broker outage is logged."""
    import structlog

    from portal.core.taskqueue import enqueue

    try:
        enqueue(TASK, tenant_id, report_id)
    except Exception as exc:  # noqa: BLE001 - broker down: the report stays pending, a new request retries
        structlog.get_logger(__name__).warning("plans.report_enqueue_failed", report_id=report_id, error=str(exc))


def _fail(report: PlanReport, message: str) -> None:
    report.content = {"state": ReportState.MISLUKT, "error": message[:2000]}
    db.session.flush()


def mark_failed(report_id: int, exc: BaseException) -> str:
    """Record why the generation failed (after the failed attempt was rolled back); return the state."""
    report = report_by_id(report_id)
    if report is None:
        return "missing"
    if state_of(report) != ReportState.WORDT_GEMAAKT:
        return state_of(report)
    from portal.reports.rendering import PdfUnavailableError, pdf_unavailable_message

    with force_locale(LOCALE):
        message = pdf_unavailable_message() if isinstance(exc, PdfUnavailableError) else f"{type(exc).__name__}: {exc}"
    _fail(report, message)
    return ReportState.MISLUKT


# -- generating --------------------------------------------------------------------------------


def fill(report: PlanReport) -> None:
    """Gather the snapshot of a report being made, render its PDF and store both with checksums; flush."""
    from portal.reports.rendering import html_to_pdf

    if state_of(report) != ReportState.WORDT_GEMAAKT:
        raise DomainError(_("Dit rapport is al gemaakt."), status_code=409)
    content = gather(report)
    report.content = content
    report.content_sha256 = content_checksum(content)
    pdf = html_to_pdf(report_document(report))
    report.pdf_data = pdf
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    report.generated_at = utcnow()
    db.session.flush()


def content_checksum(content: dict[str, Any]) -> str:
    """Return the SHA-256 of the content in a canonical JSON form."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """Return a JSON-ready value (dates as ISO strings, decimals as floats)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


MONEY_FIELDS = (
    "procurement_saving",
    "rental_income",
    "rental_cost",
    "training_cost",
    "staff_fte_given",
    "staff_fte_received",
    "staff_cost_recovered_fte",
    "staff_cost_borne_fte",
)


def _money(money: links.Money) -> dict[str, Any]:
    found: dict[str, Any] = {name: getattr(money, name) for name in MONEY_FIELDS}
    found["net"] = money.net
    return found


def _year_budget(nodes: list[PlanNode], year: int) -> dict[str, Decimal]:
    """Return the planned expense and income and the realised expense of the nodes for one year."""
    totals = {"expense": Decimal(0), "income": Decimal(0), "actual_expense": Decimal(0)}
    for node in nodes:
        for budget in node.budgets:
            if budget.year == year:
                totals["expense"] += Decimal(budget.expense)
                totals["income"] += Decimal(budget.income)
                totals["actual_expense"] += Decimal(budget.actual_expense or 0)
    return totals


def _action(
    node: PlanNode, reader: links.MoneyReader, link_map: dict[int, Any], year: int, day: date
) -> dict[str, Any]:
    deviations = ops.deviations(node, day)
    return {
        "id": node.id,
        "code": node.code,
        "title": node.title,
        "responsible": node.responsible,
        "status": node.status,
        "status_label": str(STATUS_LABELS.get(node.status, node.status)),
        "progress_percent": node.progress_percent,
        "due_on": node.due_on,
        "indicators": [
            {
                "name": i.name,
                "unit": i.unit,
                "target_value": i.target_value,
                "measured_value": i.measured_value,
                "measured_on": i.measured_on,
            }
            for i in node.indicators
        ],
        "budget": _year_budget([node], year),
        "money": _money(reader.of_nodes([node], link_map)),
        "links": [_link(link, reader) for link in link_map.get(node.id, [])],
        "deviations": deviations,
        "is_late": ops.is_late(node, day),
        "needs_decision": ops.needs_decision(node, day),
    }


def _link(link: Any, reader: links.MoneyReader) -> dict[str, Any]:
    seen = links.resolve(link, reader)
    return {
        "type": link.object_type,
        "type_label": str(LINK_LABELS.get(link.object_type, link.object_type)),
        "title": seen.title if seen.visible else _("niet meer zichtbaar voor ons bestuur"),
        "owner": seen.owner if seen.visible else "",
        "visible": seen.visible,
    }


def gather(report: PlanReport) -> dict[str, Any]:
    """Collect, for the report's semester, each goal → action plan → action the cooperation touches.

    Deviations are judged at the end of the semester (or today, for a semester still running);
    budgets and money are those of the semester's year.
    """
    version = db.session.get(PlanVersion, report.version_id)
    tenant = db.session.get(Tenant, report.tenant_id)
    assert version is not None and tenant is not None
    day = min(report.ends_on, today())
    year = report.starts_on.year
    nodes = ops.nodes_of(version, indicators=True)
    link_map = links.links_of(nodes)
    reader = links.MoneyReader(year, linked=(link for ls in link_map.values() for link in ls))
    goals: list[dict[str, Any]] = []
    touched: list[PlanNode] = []
    decisions: list[dict[str, Any]] = []
    with force_locale(LOCALE):
        for root in ops.tree(version, nodes):
            for goal in (item for item in ops._items(root) if item.node.level == Level.DOELSTELLING):
                plans: list[dict[str, Any]] = []
                goal_actions: list[PlanNode] = []
                for plan in (child for child in goal.children if child.node.level == Level.ACTIEPLAN):
                    actions = [c.node for c in plan.children if c.node.level == Level.ACTIE and link_map.get(c.node.id)]
                    if not actions:
                        continue
                    goal_actions.extend(actions)
                    rows = [_action(n, reader, link_map, year, day) for n in actions]
                    plans.append(
                        {
                            "code": plan.node.code,
                            "title": plan.node.title,
                            "status_label": str(STATUS_LABELS.get(plan.node.status, plan.node.status)),
                            "actions": rows,
                            "budget": _year_budget(actions, year),
                            "money": _money(reader.of_nodes(actions, link_map)),
                        }
                    )
                    decisions.extend(
                        {"code": r["code"], "title": r["title"], "plan": plan.node.code, "why": r["deviations"]}
                        for r in rows
                        if r["needs_decision"]
                    )
                if not plans:
                    continue
                touched.extend(goal_actions)
                goals.append(
                    {
                        "code": goal.node.code,
                        "title": goal.node.title,
                        "domain": root.node.title,
                        "action_plans": plans,
                        "budget": _year_budget(goal_actions, year),
                        "money": _money(reader.of_nodes(goal_actions, link_map)),
                        "late": sum(1 for n in goal_actions if ops.is_late(n, day)),
                        "needs_decision": sum(1 for n in goal_actions if ops.needs_decision(n, day)),
                    }
                )
        total_money = reader.of_nodes(touched, link_map)
        totals = {
            "actions": len([n for n in nodes if n.level == Level.ACTIE]),
            "touched": len(touched),
            "late": sum(1 for n in touched if ops.is_late(n, day)),
            "over_budget": sum(1 for n in touched if _("over budget") in ops.deviations(n, day)),
            "stopped": sum(1 for n in touched if n.status == ActionStatus.STOPGEZET),
            "needs_decision": len(decisions),
            "budget": _year_budget(touched, year),
            "money": _money(total_money),
        }
        content = {
            "schema": 1,
            "kind": "plan_semester",
            "tenant": {
                "id": tenant.id,
                "name": tenant.name,
                "slug": tenant.slug,
                "nis_code": tenant.nis_code,
                "brand_colour": tenant.brand_colour,
                "logo": _logo(tenant),
            },
            "period": {
                "code": report.period,
                "label": semester_label(report.period),
                "start": report.starts_on,
                "end": report.ends_on,
            },
            "number": report.number,
            "as_of": day,
            "year": year,
            "plan": {
                "id": version.id,
                "number": version.number,
                "title": version.title,
                "first_year": version.first_year,
                "last_year": version.last_year,
            },
            "goals": goals,
            "decisions": decisions,
            "totals": totals,
            "charts": _charts(goals),
        }
    return _plain(content)  # type: ignore[no-any-return]


def _logo(tenant: Tenant) -> str | None:
    from portal.admin.operations import logo_data_uri

    return logo_data_uri(tenant)


def _charts(goals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the charts a reader would rather look at: budget against realised, what the cooperation brings."""
    if not goals:
        return []
    labels = [g["code"] for g in goals]
    return [
        {
            "key": "budget",
            "title": _("Budget en realisatie van de gekoppelde acties per beleidsdoelstelling (euro)"),
            "labels": labels,
            "values": [g["budget"]["expense"] for g in goals],
            "values2": [g["budget"]["actual_expense"] for g in goals],
            "legend": [_("Budget uitgaven"), _("Gerealiseerd")],
        },
        {
            "key": "money",
            "title": _("Wat de samenwerking opbrengt en kost per beleidsdoelstelling (euro)"),
            "labels": labels,
            "values": [g["money"]["procurement_saving"] + g["money"]["rental_income"] for g in goals],
            "values2": [g["money"]["rental_cost"] + g["money"]["training_cost"] for g in goals],
            "legend": [_("Besparing en inkomsten"), _("Kosten")],
        },
    ]


# -- rendering ---------------------------------------------------------------------------------


def _context(report: PlanReport) -> dict[str, Any]:
    from portal.reports import rendering

    content = report.content or {}
    colour = rendering.brand_colour(content)
    return {
        "report": report,
        "content": content,
        "colour": colour,
        "scheme": brand_scheme(colour),
        "cell": rendering.cell,
        "chart_img": lambda chart: rendering.chart_img(chart, colour),
        "state": state_of(report),
    }


def report_body(report: PlanReport) -> str:
    """Render the report's snapshot (Dutch, Belgian formats) as an HTML fragment for the portal page."""
    if "goals" not in (report.content or {}):
        return ""
    with force_locale(LOCALE):
        return render_template("plans/report_content.html", heading_level=2, **_context(report))


def report_document(report: PlanReport) -> str:
    """Render the whole report as a standalone HTML document, the source of the PDF."""
    with force_locale(LOCALE):
        return render_template("plans/report_document.html", heading_level=2, **_context(report))
