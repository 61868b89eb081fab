"""CSV and XLSX exports: readable by spreadsheet programs, no formula injection, one table for both."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from werkzeug.exceptions import NotFound

from portal.core.exports import XLSX_MIMETYPE, table_response, to_csv, to_xlsx

HEADER = ["Bestuur", "Bedrag", "Datum"]
ROWS = [["Zoersel", Decimal("1234.50"), date(2026, 7, 11)], ['=HYPERLINK("x")', Decimal("0.10"), None]]


def test_csv_is_semicolon_separated_utf8_with_bom_and_decimal_comma():
    text = to_csv(HEADER, ROWS).decode("utf-8")
    assert text.startswith("\ufeffBestuur;Bedrag;Datum")
    lines = text.splitlines()
    assert lines[1] == "Zoersel;1234,50;2026-07-11"
    # A cell that a spreadsheet would run as a formula is kept as text.
    assert lines[2] == '"\'=HYPERLINK(""x"")";0,10;'


def test_xlsx_reads_back_with_numbers_dates_and_escaped_formulas():
    aware = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    workbook = load_workbook(io.BytesIO(to_xlsx([*HEADER, "Tijd"], [[*ROWS[0], aware], ROWS[1]], "Register: 2026/1")))
    sheet = workbook.active
    assert sheet.title == "Register  2026 1"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Bestuur", "Bedrag", "Datum", "Tijd")
    assert values[1][:2] == ("Zoersel", 1234.5)
    assert values[1][2].date() == date(2026, 7, 11)
    assert values[1][3] == datetime(2026, 12, 1, 9, 30)
    assert values[2][0] == '\'=HYPERLINK("x")'
    assert sheet.freeze_panes == "A2"


def test_table_response_names_the_file_and_refuses_other_formats(app):
    with app.test_request_context():
        response = table_response("xlsx", "overeenkomsten-ranst", HEADER, ROWS)
        assert response.mimetype == XLSX_MIMETYPE
        assert response.headers["Content-Disposition"] == 'attachment; filename="overeenkomsten-ranst.xlsx"'
        assert load_workbook(io.BytesIO(response.get_data())).active.max_row == 3
        with pytest.raises(NotFound):
            table_response("ods", "x", HEADER, ROWS)
