"""Render a council report: SVG charts (matplotlib), the HTML document and its PDF (WeasyPrint)."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal.core.templating import DEFAULT_BRAND_COLOUR, _is_hex, brand_scheme, fmt_date, fmt_money, fmt_number
from portal.reports.models import CouncilReport

LOCALE = "nl_BE"


class PdfUnavailableError(RuntimeError):
    """Raise when WeasyPrint (or its system libraries) cannot be loaded on this machine."""


def pdf_unavailable_message() -> str:
    """Return the Dutch message shown when the PDF library cannot run on this machine."""
    return _(
        "De PDF kan op deze server niet gemaakt worden: de bibliotheek WeasyPrint of de systeembibliotheken "
        "die ze nodig heeft (Pango) ontbreken. Vraag de beheerder van de server om ze te installeren."
    )


def brand_colour(content: dict[str, Any]) -> str:
    """Return the municipality's colour stored with the report, or the portal's default."""
    colour = (content.get("tenant") or {}).get("brand_colour")
    return colour if colour and _is_hex(colour) else DEFAULT_BRAND_COLOUR


def cell(value: Any) -> str:
    """Format one table cell the Belgian way (dates, amounts, numbers)."""
    if isinstance(value, dict):
        if "money" in value:
            return fmt_money(value["money"])
        if "date" in value:
            return fmt_date(date.fromisoformat(value["date"]))
        if "datetime" in value:
            return fmt_date(datetime.fromisoformat(value["datetime"]))
        return ""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, (int, float)):
        return fmt_number(value)
    return str(value)


def figure(item: dict[str, Any]) -> str:
    """Format one key figure."""
    if item.get("kind") == "money":
        return fmt_money(item.get("value") or 0)
    return fmt_number(item.get("value") or 0)


def chart_svg(chart: dict[str, Any], colour: str) -> str:
    """Return a horizontal bar chart as SVG text (text kept as text, reproducible output)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = [str(label) for label in chart.get("labels", [])]
    values = [float(v or 0) for v in chart.get("values", [])]
    second = chart.get("values2")
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "portal-report", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(6.4, 0.45 * max(len(labels), 1) + 0.9))
        try:
            positions = list(range(len(labels)))
            if second:
                height = 0.4
                ax.barh([p - height / 2 for p in positions], values, height, color=colour, label=chart["legend"][0])
                ax.barh(
                    [p + height / 2 for p in positions],
                    [float(v or 0) for v in second],
                    height,
                    color="#9e9e9e",
                    label=chart["legend"][1],
                )
                ax.legend(loc="lower right", frameon=False)
            else:
                ax.barh(positions, values, 0.6, color=colour)
            ax.set_yticks(positions, labels)
            ax.invert_yaxis()
            ax.spines[["top", "right"]].set_visible(False)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            fig.tight_layout()
            out = io.StringIO()
            fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    return out.getvalue()


def chart_alt(chart: dict[str, Any]) -> str:
    """Return the chart's data as a sentence: the alternative text of the image."""
    parts = []
    second = chart.get("values2")
    legend = chart.get("legend") or ["", ""]
    for index, label in enumerate(chart.get("labels", [])):
        value = cell(chart["values"][index])
        if second:
            parts.append(f"{label}: {legend[0]} {value}, {legend[1]} {cell(second[index])}")
        else:
            parts.append(f"{label}: {value}")
    return f"{chart.get('title', '')}. " + "; ".join(parts) + "."


def chart_img(chart: dict[str, Any], colour: str) -> Markup:
    """Return an <img> with the SVG as a data URI (allowed by the page CSP and the PDF fetcher)."""
    svg = chart_svg(chart, colour)
    data = base64.b64encode(svg.encode()).decode()
    return Markup('<img class="report-chart img-fluid" src="data:image/svg+xml;base64,{}" alt="{}">').format(
        Markup(data),  # noqa: S704 - base64 text holds no markup characters
        chart_alt(chart),
    )


def _context(report: CouncilReport) -> dict[str, Any]:
    content = report.content or {}
    colour = brand_colour(content)
    return {
        "report": report,
        "content": content,
        "colour": colour,
        "scheme": brand_scheme(colour),
        "cell": cell,
        "figure": figure,
        "chart_img": lambda chart: chart_img(chart, colour),
    }


def report_body(report: CouncilReport) -> str:
    """Render the report's content (Dutch, Belgian formats) as an HTML fragment for the portal page."""
    with force_locale(LOCALE):
        return render_template("reports/_content.html", heading_level=2, **_context(report))


def report_document(report: CouncilReport) -> str:
    """Render the whole report as a standalone HTML document, the source of the PDF."""
    with force_locale(LOCALE):
        return render_template("reports/document.html", heading_level=2, **_context(report))


def render_pdf(report: CouncilReport) -> bytes:
    """Render the report to PDF; WeasyPrint may fetch nothing but the embedded data: URIs."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # a bare machine without Pango/cairo libraries
        raise PdfUnavailableError(str(exc)) from exc
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    document = HTML(string=report_document(report), base_url="data:,", url_fetcher=fetcher)
    return bytes(
        document.write_pdf(
            pdf_variant="pdf/ua-1",
            custom_metadata=False,
        )
    )
