"""Reading roster files (CSV or XLSX) as schools keep them, and checking every row.

Parsing is pure: it returns the clean rows and a list of errors (row number, column, message); nothing
is written here. Headers may be English or Russian.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from charset_normalizer import from_bytes
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": ("full name", "full_name", "name", "фио", "ф.и.о.", "ф. и. о.", "полное имя"),
    "email": (
        "e-mail",
        "email",
        "e mail",
        "эл. почта",
        "эл.почта",
        "электронная почта",
        "почта",
        "e-mail адрес",
    ),
    "birth_year": ("birth year", "birth_year", "год рождения"),
    "lyceum": ("lyceum code", "lyceum", "lyceum_code", "код лицея", "лицей"),
    "group": ("group", "группа", "класс"),
    "role": ("role", "роль"),
}
REQUIRED = ("full_name", "email", "lyceum", "role")
COLUMN_LABELS = {
    "full_name": "full name / ФИО",
    "email": "e-mail / Эл. почта",
    "birth_year": "birth year / Год рождения",
    "lyceum": "lyceum code / Код лицея",
    "group": "group / Группа",
    "role": "role / Роль",
}
ROLES = {
    "student": "student",
    "ученик": "student",
    "учащийся": "student",
    "студент": "student",
    "обучающийся": "student",
    "teacher": "teacher",
    "учитель": "teacher",
    "преподаватель": "teacher",
    "педагог": "teacher",
}
# Cyrillic text that was decoded with the wrong code page somewhere along the way: UTF-8 bytes read as
# Windows-1251 ("Р\u0098РІР°Р") or as Latin-1 ("Ð\u0098Ð²Ð°Ð½").
MOJIBAKE = re.compile(
    r"(?:[РС][\u0400-\u040f\u0450-\u045f\u0490\u0491\u0080-\u00bf\u2010-\u2122]){3,}|(?:[ÐÑ][\u0080-\u00bf]){2,}"
)


class RosterFileError(Exception):
    """The file as a whole cannot be read (encoding, format, missing columns)."""


@dataclass
class ParsedRoster:
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    total: int = 0
    encoding: str = ""


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in. UTF-8 (with or without a byte-order
    mark) first; otherwise the encoding charset-normalizer recognises (e.g. Windows-1251 from Excel);
    text that is recognisably garbled is refused rather than imported."""
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise RosterFileError(
                _("The file's text encoding could not be recognised. Save it as CSV UTF-8 and upload again.")
            ) from None
        text, encoding = str(best), best.encoding
    if "\ufffd" in text or MOJIBAKE.search(text):
        raise RosterFileError(
            _(
                "The file's text is garbled (broken encoding, e.g. «Ð˜Ð²Ð°Ð½» instead of «Иван»). "
                "Open the original file and save it as CSV UTF-8."
            )
        )
    return text, encoding


def _table_from_csv(data: bytes) -> tuple[list[list[str]], str]:
    text, encoding = decode_csv(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [
        row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)
    ], encoding


def _table_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise RosterFileError(_("The file is not a readable XLSX workbook.")) from error
    sheet = workbook.worksheets[0]
    table = []
    for values in sheet.iter_rows(values_only=True):
        cells = [
            ""
            if value is None
            else str(int(value) if isinstance(value, float) and value.is_integer() else value)
            for value in values
        ]
        if any(cell.strip() for cell in cells):
            table.append(cells)
    workbook.close()
    return table


def _header_map(header: list[str]) -> dict[str, int]:
    found = {}
    for index, title in enumerate(header):
        normal = " ".join(title.strip().lower().replace("ё", "е").split())
        for key, names in COLUMNS.items():
            if normal in names and key not in found:
                found[key] = index
    missing = [COLUMN_LABELS[key] for key in REQUIRED if key not in found]
    if missing:
        raise RosterFileError(
            _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    return found


def parse_roster(
    *, data: bytes, filename: str, lyceum_codes: set[str], known_codes: set[str]
) -> ParsedRoster:
    """Read and check a roster. `lyceum_codes` are the lyceums the uploader may import into;
    `known_codes` every lyceum code (to tell "unknown" from "outside your scope")."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        table, encoding = _table_from_xlsx(data), "xlsx"
    elif name.endswith((".csv", ".txt")):
        table, encoding = _table_from_csv(data)
    else:
        raise RosterFileError(_("Upload a .csv or .xlsx file."))
    if not table:
        raise RosterFileError(_("The file is empty."))
    columns = _header_map(table[0])
    result = ParsedRoster(encoding=encoding)
    seen: dict[str, int] = {}
    this_year = dt.date.today().year

    for number, cells in enumerate(table[1:], start=2):
        result.total += 1

        def cell(key: str, cells=cells) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row_errors = []

        def error(column: str, message: str, number=number, row_errors=row_errors) -> None:
            row_errors.append({"row": number, "column": column, "message": message})

        full_name = " ".join(cell("full_name").split())
        email = cell("email").lower()
        lyceum = cell("lyceum").lower()
        role_text = cell("role").lower()
        year_text = cell("birth_year")
        if not full_name:
            error("full_name", _("The full name is empty."))
        try:
            validate_email(email)
        except ValidationError:
            error("email", _("«%(value)s» is not a valid e-mail address.") % {"value": email})
        else:
            if email in seen:
                error("email", _("Duplicate e-mail: already on row %(row)s.") % {"row": seen[email]})
            else:
                seen[email] = number
        if lyceum not in known_codes:
            error("lyceum", _("Unknown lyceum code «%(value)s».") % {"value": lyceum})
        elif lyceum not in lyceum_codes:
            error("lyceum", _("Lyceum «%(value)s» is outside your scope.") % {"value": lyceum})
        role = ROLES.get(role_text)
        if role is None:
            error("role", _("Unknown role «%(value)s»: use student or teacher.") % {"value": role_text})
        birth_year = None
        if year_text:
            try:
                birth_year = int(year_text)
            except ValueError:
                error("birth_year", _("«%(value)s» is not a year.") % {"value": year_text})
            else:
                if not 1920 <= birth_year <= this_year - 5:
                    error("birth_year", _("Birth year %(value)s is out of range.") % {"value": birth_year})
                    birth_year = None
        if row_errors:
            result.errors.extend(row_errors)
            continue
        result.rows.append(
            {
                "row": number,
                "full_name": full_name,
                "email": email,
                "birth_year": birth_year,
                "lyceum": lyceum,
                "group": cell("group")[:100],
                "role": role,
            }
        )
    if result.total == 0:
        raise RosterFileError(_("The file has a header but no people."))
    return result
