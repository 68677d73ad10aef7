"""Tables as CSV and XLSX, safe to open in a spreadsheet.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by spreadsheet
programs as a formula (CSV/formula injection); such text is prefixed with an apostrophe. Numbers are
written as numbers, so a negative gap stays a negative number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value ready for a spreadsheet: numbers and dates unchanged, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | dt.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def to_csv(headers: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs detect the encoding of Cyrillic text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: dict[str, tuple[list[str], list[list]]]) -> bytes:
    """One worksheet per table. Text cells are stored as plain strings, never as formulas."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (headers, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for values in [headers, *rows]:
            sheet.append([safe_cell(value) for value in values])
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    # openpyxl would store text starting with "=" as a formula: force a string cell.
                    cell.data_type = TYPE_STRING
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
