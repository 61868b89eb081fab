"""Import register items from CSV or XLSX: every row is checked first; one bad row keeps the whole file out.

One row is one item; the rows of a reglement's tariffs or a process's risks repeat the item's
title and subject, each adding one line. Columns (Dutch headings, case-insensitive):
titel, onderwerp, soort-specific columns (see ``COLUMNS``), and the common ones.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError

from portal.alignment.models import AlignmentItem, ItemKind
from portal.alignment.operations.common import normalise_subject
from portal.alignment.operations.registers import create_item
from portal.alignment.schemas import CreateAlignmentItemSchema
from portal.core.errors import DomainError
from portal.core.validation import messages_as_text

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000

#: Column heading -> schema field, common to every kind.
COMMON = {
    "titel": "title",
    "onderwerp": "subject",
    "omschrijving": "description",
    "verantwoordelijke": "responsible",
    "status": "status",
    "geldig_vanaf": "valid_from_on",
    "geldig_tot": "valid_until_on",
    "link": "decision_url",
}

#: Extra columns per kind. Lists are separated by "|".
COLUMNS: dict[str, dict[str, str]] = {
    ItemKind.REGLEMENT: {
        "soort_heffing": "category",
        "vrijstellingen": "exemptions",
        "tarief_omschrijving": "tariff.label",
        "tarief_bedrag": "tariff.amount",
        "tarief_eenheid": "tariff.unit",
    },
    ItemKind.FINANCIEEL_PROCES: {"stappen": "steps", "doorlooptijd_dagen": "duration_days"},
    ItemKind.TOEPASSING: {
        "leverancier": "supplier",
        "einde_contract": "contract_end_on",
        "gebruikers": "users_count",
        "gegevens": "data_processed",
    },
    ItemKind.BEVEILIGING: {},
    ItemKind.DIENSTVERLENING: {
        "kanalen": "channels",
        "openingsuren": "opening_hours",
        "swot_kwadrant": "swot.quadrant",
        "swot_punt": "swot.text",
    },
    ItemKind.BEHEERSING: {
        "risico": "risk.title",
        "kans": "risk.likelihood",
        "impact": "risk.impact",
        "maatregel": "risk.control",
        "status_maatregel": "risk.control_status",
    },
}

_LISTS = {"steps", "channels"}
_CHILDREN = {"tariff": "tariff_lines", "risk": "risks", "swot": "swot"}


def template_header(kind: str) -> list[str]:
    """Return the column headings of the import file of ``kind``."""
    return [*COMMON, *COLUMNS[kind]]


def _read(upload: Any) -> list[dict[str, str]]:
    """Return the rows of a CSV (; or ,) or XLSX file as dicts keyed by lower-case heading."""
    if upload is None or not getattr(upload, "filename", ""):
        raise DomainError(_("Kies een CSV- of XLSX-bestand."), field="file", status_code=422)
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError(_("Het bestand is groter dan 2 MB."), field="file", status_code=422)
    name = upload.filename.lower()
    if name.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        table = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        table = _csv_rows(data)
    else:
        raise DomainError(_("Kies een CSV- of XLSX-bestand."), field="file", status_code=422)
    if not table or not any(table[0]):
        raise DomainError(_("Het bestand is leeg."), field="file", status_code=422)
    header = [str(h or "").strip().lower().replace(" ", "_") for h in table[0]]
    rows = [
        dict(zip(header, (str(v).strip() if v is not None else "" for v in row), strict=False)) for row in table[1:]
    ]
    rows = [r for r in rows if any(r.values())]
    if len(rows) > MAX_ROWS:
        raise DomainError(_("Een bestand telt hoogstens %(max)s rijen.", max=MAX_ROWS), field="file", status_code=422)
    return rows


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("Bewaar het CSV-bestand als UTF-8."), field="file", status_code=422) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same Dutch answer
        raise DomainError(_("Dit XLSX-bestand kan niet gelezen worden."), field="file", status_code=422) from None
    sheet = workbook.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append([_xlsx_value(v) for v in row])
        if len(rows) > MAX_ROWS + 1:
            break
    workbook.close()
    return rows


def _xlsx_value(value: Any) -> Any:
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _group(kind: str, rows: list[dict[str, str]]) -> list[tuple[int, dict[str, Any]]]:
    """Fold rows into items: rows repeating a title and subject add a child line."""
    mapping = {**COMMON, **COLUMNS[kind]}
    items: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    for number, row in enumerate(rows, start=2):
        data: dict[str, Any] = {"kind": kind}
        child: dict[str, dict[str, Any]] = {}
        for heading, value in row.items():
            target = mapping.get(heading)
            if target is None or value == "":
                continue
            if "." in target:
                prefix, name = target.split(".", 1)
                child.setdefault(prefix, {})[name] = value
            elif target in _LISTS:
                data[target] = [v.strip() for v in value.split("|") if v.strip()]
            else:
                data[target] = value
        key = (data.get("title", "").strip().lower(), normalise_subject(data.get("subject", "")))
        if key not in items:
            items[key] = (number, data)
        target_data = items[key][1]
        for prefix, values in child.items():
            target_data.setdefault(_CHILDREN[prefix], []).append(values)
    return list(items.values())


def _row_errors(number: int, messages: Any) -> list[str]:
    flat: list[str] = []

    def walk(value: Any, label: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, label if isinstance(key, int) else _heading(key))
        else:
            for message in value:
                flat.append(_("Rij %(row)s, %(column)s: %(message)s", row=number, column=label, message=message))

    walk(messages_as_text(messages), "")
    return flat


def _heading(field_name: str) -> str:
    for heading, name in COMMON.items():
        if name == field_name:
            return heading
    for columns in COLUMNS.values():
        for heading, name in columns.items():
            if name == field_name or name.split(".", 1)[-1] == field_name:
                return heading
    return {"tariff_lines": "tarief", "risks": "risico", "swot": "swot", "_schema": _("rij")}.get(
        field_name, field_name
    )


def import_items(kind: str, upload: Any, share: dict[str, Any]) -> tuple[list[AlignmentItem], list[str]]:
    """Check every row of the file, then create all items, or none: returns (items, errors)."""
    if kind not in COLUMNS:
        raise DomainError(_("Kies een soort uit de lijst."), field="kind", status_code=422)
    rows = _read(upload)
    if not rows:
        raise DomainError(_("Het bestand bevat geen rijen."), field="file", status_code=422)
    schema = CreateAlignmentItemSchema()
    loaded: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, data in _group(kind, rows):
        if kind == ItemKind.REGLEMENT:
            data.setdefault("category", "")
        try:
            loaded.append(schema.load({**data, **share}))
        except ValidationError as err:
            errors.extend(_row_errors(number, err.messages))
    if errors:
        return [], errors
    return [create_item(data) for data in loaded], []
