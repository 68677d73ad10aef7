"""CSV/XLSX exports neutralise formula injection and keep numbers as numbers."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from common.spreadsheets import safe_cell, to_csv, to_xlsx

DANGEROUS = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_text_is_prefixed(text):
    """Text a spreadsheet would run as a formula gets an apostrophe in front."""
    assert safe_cell(text) == "'" + text


def test_numbers_and_plain_text_are_unchanged():
    """Negative numbers stay numbers; ordinary text is untouched."""
    assert safe_cell(-5) == -5
    assert safe_cell(-2.5) == -2.5
    assert safe_cell("Казань") == "Казань"
    assert safe_cell(None) == ""


def test_csv_cells_are_neutralised():
    """A CSV export has the injected name neutralised and the negative gap as a plain number."""
    data = to_csv(["name", "gap"], [["=1+2", -3]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ["'=1+2", "-3"]


def test_xlsx_has_no_formula_cells():
    """In XLSX, injected text is a string cell and a negative number is a numeric cell."""
    workbook = load_workbook(io.BytesIO(to_xlsx({"t": (["name", "gap"], [["=1+2", -3], ["@x", 4]])})))
    sheet = workbook["t"]
    assert sheet["A2"].value == "'=1+2"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -3
    assert sheet["B2"].data_type == "n"
    assert sheet["A3"].value == "'@x"
