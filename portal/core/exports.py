"""Tabular exports for the financial and administrative services: CSV and XLSX from one table."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, abort

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")

# Excel and LibreOffice run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        # Belgian spreadsheets expect a decimal comma in a semicolon-separated file.
        return format(value, "f").replace(".", ",")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return _safe_text(value)
    return value


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # openpyxl writes naive datetimes only
    if isinstance(value, str):
        return _safe_text(value)
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Return the table as semicolon-separated UTF-8 with a byte order mark (Excel in Belgium)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str) -> bytes:
    """Return the table as one XLSX worksheet with a bold, frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _SHEET_TITLE_FORBIDDEN.sub(" ", sheet_title)[:31] or "Blad1"
    sheet.append([_xlsx_cell(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = [len(str(h)) for h in header]
    for row in rows:
        values = [_xlsx_cell(v) for v in row]
        sheet.append(values)
        for index, value in enumerate(values[: len(widths)]):
            widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
    for index, width in enumerate(widths):
        sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = min(width + 2, 60)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_response(
    fmt: str, filename_stem: str, header: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str = ""
) -> Response:
    """Answer the table as a download in ``fmt`` (csv or xlsx); another format is a 404."""
    if fmt == "csv":
        body, mimetype = to_csv(header, rows), CSV_MIMETYPE
    elif fmt == "xlsx":
        body, mimetype = to_xlsx(header, rows, sheet_title or filename_stem), XLSX_MIMETYPE
    else:
        abort(404)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename_stem}.{fmt}"'},
    )
