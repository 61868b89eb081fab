"""Render a council report: SVG charts, the HTML document and its PDF (WeasyPrint)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

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


# Bar charts are drawn as a handful of SVG rectangles and text elements by hand: matplotlib took
# ~0.1-0.3 s per chart (figure, layout, savefig) and its SVG (hundreds of paths) cost WeasyPrint
# as much again to paint; this markup takes microseconds and paints in a few milliseconds.
CHART_WIDTH = 640
CHART_LABEL_WIDTH = 210
CHART_ROW = 26
CHART_FONT = "DejaVu Sans, Liberation Sans, sans-serif"
SECOND_COLOUR = "#8a8a8a"


def chart_svg(chart: dict[str, Any], colour: str) -> str:
    """Return a horizontal bar chart as SVG text (text kept as text, reproducible output)."""
    labels = [str(label) for label in chart.get("labels", [])]
    series = [[float(v or 0) for v in chart.get("values", [])]]
    if chart.get("values2"):
        series.append([float(v or 0) for v in chart["values2"]])
    colours = [colour, SECOND_COLOUR]
    legend = list(chart.get("legend") or [])
    top = 24 if len(series) > 1 else 6
    height = top + CHART_ROW * max(len(labels), 1) + 6
    largest = max([v for values in series for v in values] + [1.0])
    room = CHART_WIDTH - CHART_LABEL_WIDTH - 60  # space for the value after the longest bar
    bar = (CHART_ROW - 8) / len(series)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" font-family="{CHART_FONT}" font-size="12" aria-hidden="true">'
    ]
    if len(series) > 1:
        x = CHART_LABEL_WIDTH
        for index, name in enumerate(legend[: len(series)]):
            parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colours[index]}"/>')
            parts.append(f'<text x="{x + 16}" y="14">{escape(name)}</text>')
            x += 30 + 8 * len(str(name))
    for row, label in enumerate(labels):
        y = top + row * CHART_ROW
        shown = label if len(label) <= 32 else label[:31] + "…"
        label_y = y + CHART_ROW / 2 + 4
        parts.append(f'<text x="{CHART_LABEL_WIDTH - 8}" y="{label_y:.1f}" text-anchor="end">{escape(shown)}</text>')
        for index, values in enumerate(series):
            value = values[row] if row < len(values) else 0.0
            width = room * max(value, 0.0) / largest
            bar_y = y + 4 + index * bar
            parts.append(
                f'<rect x="{CHART_LABEL_WIDTH}" y="{bar_y:.1f}" width="{width:.1f}" height="{bar - 1:.1f}" '
                f'fill="{colours[index]}"/>'
            )
            parts.append(
                f'<text x="{CHART_LABEL_WIDTH + width + 4:.1f}" y="{bar_y + bar - 3:.1f}" font-size="10">'
                f"{escape(cell(value if value != int(value) else int(value)))}</text>"
            )
    parts.append(
        f'<line x1="{CHART_LABEL_WIDTH}" y1="{top}" x2="{CHART_LABEL_WIDTH}" y2="{height - 6}" stroke="#555"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


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
    return html_to_pdf(report_document(report))


def html_to_pdf(html: str) -> bytes:
    """Render a standalone HTML document to PDF/UA; WeasyPrint may fetch nothing but data: URIs."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # a bare machine without Pango/cairo libraries
        raise PdfUnavailableError(str(exc)) from exc
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    document = HTML(string=html, base_url="data:,", url_fetcher=fetcher)
    return bytes(
        document.write_pdf(
            pdf_variant="pdf/ua-1",
            custom_metadata=False,
        )
    )
