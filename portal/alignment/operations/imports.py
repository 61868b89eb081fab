"""Import register items from CSV or XLSX: every row is checked first; one bad row keeps the whole file out.

One row is one item; the rows of a reglement's tariffs or a process's risks repeat the item's
title and subject, each adding one line. Columns (Dutch headings, case-insensitive):
titel, onderwerp, soort-specific columns (see ``COLUMNS``), and the common ones.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError

from portal.alignment.models import AlignmentItem, ItemKind
from portal.alignment.operations.common import normalise_subject
from portal.alignment.operations.registers import create_item
from portal.alignment.schemas import CreateAlignmentItemSchema
from portal.core.errors import DomainError
from portal.core.tables import read_table
from portal.core.validation import messages_as_text

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


def _group(kind: str, rows: list[tuple[int, dict[str, str]]]) -> list[tuple[int, dict[str, Any]]]:
    """Fold rows into items: rows repeating a title and subject add a child line."""
    mapping = {**COMMON, **COLUMNS[kind]}
    items: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    for number, row in rows:
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
    rows = read_table(upload, max_rows=MAX_ROWS)
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
