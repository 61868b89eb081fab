"""Read an uploaded table (CSV with ; or , or the first sheet of an XLSX) for the imports.

One set of rules and Dutch messages for every module that imports rows: the file is at most
2 MB, the first row holds the headings (lower case, spaces as underscores), fully empty rows are
skipped and every row keeps its line number in the file, so a per-row error names the line the
user sees in the spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from portal.core.errors import DomainError

#: The largest file an import reads.
MAX_BYTES = 2 * 1024 * 1024


def read_table(upload: Any, *, max_rows: int, required: Iterable[str] = ()) -> list[tuple[int, dict[str, str]]]:
    """Return ``(line number, row)`` for each non-empty row, the row keyed by heading.

    Refuse (422, on the field ``file``) a missing, too large, unreadable or empty file, one
    without a ``required`` heading, and one with more than ``max_rows`` rows.
    """
    if upload is None or not getattr(upload, "filename", ""):
        raise _refuse(_("Kies een CSV- of XLSX-bestand."))
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(_("Het bestand is groter dan 2 MB."))
    name = upload.filename.lower()
    if name.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        table = _xlsx_rows(data, max_rows)
    elif name.endswith((".csv", ".txt")):
        table = _csv_rows(data)
    else:
        raise _refuse(_("Kies een CSV- of XLSX-bestand."))
    if not table or not any(table[0]):
        raise _refuse(_("Het bestand is leeg."))
    header = [str(h or "").strip().lower().replace(" ", "_") for h in table[0]]
    missing = [h for h in required if h not in header]
    if missing:
        raise _refuse(_("Deze kolommen ontbreken: %(columns)s.", columns=", ".join(missing)))
    rows = [
        (line, dict(zip(header, (str(v).strip() if v is not None else "" for v in row), strict=False)))
        for line, row in enumerate(table[1:], start=2)
    ]
    rows = [(line, row) for line, row in rows if any(row.values())]
    if len(rows) > max_rows:
        raise _refuse(_("Een bestand telt hoogstens %(max)s rijen.", max=max_rows))
    return rows


def _refuse(message: str) -> DomainError:
    return DomainError(message, field="file", status_code=422)


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(_("Bewaar het CSV-bestand als UTF-8.")) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _xlsx_rows(data: bytes, max_rows: int) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same Dutch answer
        raise _refuse(_("Dit XLSX-bestand kan niet gelezen worden.")) from None
    rows = []
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        rows.append([_xlsx_value(v) for v in row])
        if len(rows) > max_rows + 1:
            break  # enough to know the file is too long; blank rows at the end are rare
    workbook.close()
    return rows


def _xlsx_value(value: Any) -> Any:
    # Dates as ISO text and whole numbers without ".0", as a user typed them in the sheet.
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value
