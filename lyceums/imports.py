"""Reading roster files (CSV or XLSX) as schools keep them, and checking every row.

Parsing is pure: it returns the clean rows and a list of errors (row number, column, message); nothing
is written here. Headers may be English or Russian. A file is refused before it is unpacked or read
through when it is too large, packs too tightly (XLSX) or has too many rows. `check_accounts` then
compares the rows with the accounts that already exist: an import creates people or attaches people
already in the uploader's scope (`scoping.importable_people`), and never changes an existing account.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from charset_normalizer import from_bytes
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from common.spreadsheets import FORMULA_TRIGGERS
from lms.models import normalize_email_address

from . import scoping
from .models import ImportJob

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
    "language": ("language", "язык", "тел"),
}
REQUIRED = ("full_name", "email", "lyceum", "role")
COLUMN_LABELS = {
    "full_name": "full name / ФИО",
    "email": "e-mail / Эл. почта",
    "birth_year": "birth year / Год рождения",
    "lyceum": "lyceum code / Код лицея",
    "group": "group / Группа",
    "role": "role / Роль",
    "language": "language / Язык",
}
# The column and role names shown in the preview, in the reader's language.
COLUMN_TITLES = {
    "full_name": gettext_lazy("Full name"),
    "email": gettext_lazy("E-mail"),
    "birth_year": gettext_lazy("Birth year"),
    "lyceum": gettext_lazy("Lyceum code"),
    "group": gettext_lazy("Group"),
    "role": gettext_lazy("Role"),
    "language": gettext_lazy("Language"),
}
ROLE_TITLES = {"student": gettext_lazy("Student"), "teacher": gettext_lazy("Teacher")}
# The optional language column: the language of the person's invitation e-mail (empty: the site's).
LANGUAGE_NAMES = {
    "ru": "ru",
    "русский": "ru",
    "рус": "ru",
    "russian": "ru",
    "tt": "tt",
    "татарский": "tt",
    "татарча": "tt",
    "тат": "tt",
    "tatar": "tt",
    "en": "en",
    "английский": "en",
    "english": "en",
}
# An XLSX sheet is read up to this column; the roster's columns are the first few.
MAX_COLUMNS = 100
# A worksheet whose (possibly empty) rows go on this many times past the row limit is refused: a
# crafted row number would otherwise make the reader produce millions of empty rows.
MAX_SHEET_ROWS_FACTOR = 5
# A workbook part that unpacks to more than this many times its packed size (and to over 1 MB) is
# taken for a "zip bomb"; real spreadsheets pack about ten times.
MAX_PACKING_RATIO = 100
FULL_NAME_MAX_LENGTH = 200  # lms.User.full_name
EMAIL_MAX_LENGTH = 254  # lms.User.email
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


def file_too_large_message(*, size: int, limit: int) -> str:
    """Why a file of `size` bytes is refused when the limit is `limit` bytes."""
    return _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.") % {
        "size": round(size / 1024 / 1024, 1),
        "limit": round(limit / 1024 / 1024, 1),
    }


def _too_many_rows(max_rows: int) -> RosterFileError:
    return RosterFileError(
        _("The file has more than %(limit)s rows; split it into smaller files.") % {"limit": max_rows}
    )


def _table_from_csv(data: bytes, *, max_rows: int) -> tuple[list[list[str]], str]:
    text, encoding = decode_csv(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    table = []
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(table) > max_rows:  # the header and `max_rows` people are in already
                    raise _too_many_rows(max_rows)
                table.append(row)
    except csv.Error as error:  # e.g. a cell over csv.field_size_limit(), usually a quote never closed
        raise RosterFileError(
            _(
                "Line %(line)s of the file cannot be read: a cell is longer than %(limit)s characters, "
                "probably because a quotation mark is not closed. Check the file and upload it again."
            )
            % {"line": reader.line_num, "limit": csv.field_size_limit()}
        ) from error
    return table, encoding


def _check_xlsx_archive(data: bytes, *, max_unpacked_bytes: int) -> None:
    """Refuse a workbook (a zip archive) before anything in it is unpacked: when its parts declare
    more than `max_unpacked_bytes` in all, when one part packs suspiciously tightly (a "zip bomb"), or
    when a part uses a compression spreadsheets never use. Python's zipfile never unpacks more than a
    part's declared size, so the declared sizes bound the work."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise RosterFileError(_("The file is not a readable XLSX workbook.")) from error
    unpacked = sum(part.file_size for part in parts)
    if unpacked > max_unpacked_bytes:
        raise RosterFileError(
            _(
                "The workbook unpacks to %(size)s MB; the limit is %(limit)s MB. "
                "Split it into smaller files or save it as CSV UTF-8."
            )
            % {
                "size": round(unpacked / 1024 / 1024, 1),
                "limit": round(max_unpacked_bytes / 1024 / 1024, 1),
            }
        )
    for part in parts:
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or (
            part.file_size > 1024 * 1024 and part.file_size > MAX_PACKING_RATIO * max(part.compress_size, 1)
        ):
            raise RosterFileError(
                _(
                    "The workbook is packed in an unusual way and is not read. "
                    "Save it again as XLSX or as CSV UTF-8 and upload that file."
                )
            )


def _table_from_xlsx(data: bytes, *, max_rows: int, max_unpacked_bytes: int) -> list[list[str]]:
    _check_xlsx_archive(data, max_unpacked_bytes=max_unpacked_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise RosterFileError(_("The file is not a readable XLSX workbook.")) from error
    try:
        sheet = workbook.worksheets[0]
        # The size the sheet declares is not trusted: read only the rows and columns really there.
        sheet.reset_dimensions()
        table = []
        max_sheet_rows = MAX_SHEET_ROWS_FACTOR * max_rows + 1000
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if number > max_sheet_rows:
                raise RosterFileError(
                    _(
                        "The worksheet goes on past row %(limit)s. Delete the empty rows below the table "
                        "and upload the file again."
                    )
                    % {"limit": max_sheet_rows}
                )
            if all(value is None for value in values):
                continue
            cells = [
                ""
                if value is None
                else str(int(value) if isinstance(value, float) and value.is_integer() else value)
                for value in values
            ]
            if any(cell.strip() for cell in cells):
                if len(table) > max_rows:
                    raise _too_many_rows(max_rows)
                table.append(cells)
    except RosterFileError:
        raise
    except Exception as error:  # a broken part of the workbook surfaces only while it is read
        raise RosterFileError(_("The file is not a readable XLSX workbook.")) from error
    finally:
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


def existing_accounts(emails: list[str]) -> dict[str, tuple[int, str, int | None]]:
    """The accounts of these (lower-case) e-mails, matched case-insensitively: e-mail → (id, full
    name, birth year)."""
    found = {}
    unique = sorted(set(emails))
    for start in range(0, len(unique), 500):
        found.update(
            (email.lower(), (pk, full_name, birth_year))
            for pk, email, full_name, birth_year in get_user_model()
            .objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=unique[start : start + 500])
            .values_list("pk", "email", "full_name", "birth_year")
        )
    return found


def check_accounts(*, user, rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Check parsed rows against the accounts that already exist, as `user` would import them.

    Returns the rows that may be imported and an error for each row that may not: a teacher row for a
    lyceum the user may not import teachers into (`scoping.importable_teacher_lyceums`), or an e-mail
    whose account the user may not attach (`scoping.importable_people`). An import never changes an
    existing account, so a full name or birth year differing from the account's becomes a warning of
    the row. Reads the database; writes nothing."""
    accounts = existing_accounts([row["email"] for row in rows])
    ids = [account[0] for account in accounts.values()]
    attachable: set[int] = set()
    for start in range(0, len(ids), 500):
        attachable.update(
            scoping.importable_people(user)
            .filter(pk__in=ids[start : start + 500])
            .values_list("pk", flat=True)
        )
    teacher_codes: set[str] = set()
    if any(row["role"] == "teacher" for row in rows):
        teacher_codes = set(scoping.importable_teacher_lyceums(user).values_list("code", flat=True))
    coordinates = scoping.is_republic_admin(user) or scoping.is_coordinator(user)
    kept, errors = [], []
    for row in rows:
        row_errors = []
        if row["role"] == "teacher" and row["lyceum"] not in teacher_codes:
            row_errors.append(
                {
                    "row": row["row"],
                    "column": "role",
                    "message": _(
                        "Only a coordinator of the lyceum's municipality can import teachers. "
                        "Remove the row or import the person as a student."
                    ),
                }
            )
        account = accounts.get(row["email"])
        if account is not None and account[0] not in attachable:
            if coordinates:
                message = _(
                    "An account with the e-mail «%(email)s» already exists outside your municipality, "
                    "so this import cannot add it. Remove the row or ask a republic administrator to "
                    "move the person."
                )
            else:
                message = _(
                    "An account with the e-mail «%(email)s» already exists outside your lyceum, so this "
                    "import cannot add it. Remove the row or ask your coordinator to move the person."
                )
            row_errors.append(
                {"row": row["row"], "column": "email", "message": message % {"email": row["email"]}}
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        warnings = list(row.get("warnings", []))
        if account is not None:
            _pk, full_name, birth_year = account
            if " ".join(full_name.split()) != row["full_name"]:
                warnings.append(
                    {
                        "column": "full_name",
                        "message": _(
                            "The account of «%(email)s» is named «%(name)s»; the import does not rename it."
                        )
                        % {"email": row["email"], "name": full_name},
                    }
                )
            if row["birth_year"] and row["birth_year"] != birth_year:
                warnings.append(
                    {
                        "column": "birth_year",
                        "message": _(
                            "The birth year %(year)s is not saved: the import does not change existing "
                            "accounts."
                        )
                        % {"year": row["birth_year"]},
                    }
                )
        kept.append({**row, "warnings": warnings})
    return kept, errors


def parse_roster(
    *,
    data: bytes,
    filename: str,
    lyceum_codes: set[str],
    known_codes: set[str],
    max_rows: int = 20_000,
    max_unpacked_bytes: int = 30 * 1024 * 1024,
) -> ParsedRoster:
    """Read and check a roster. `lyceum_codes` are the lyceums the uploader may import into;
    `known_codes` every lyceum code (to tell "unknown" from "outside your scope"). A file with more than
    `max_rows` people, or a workbook unpacking to more than `max_unpacked_bytes`, is refused. A name or
    group that a spreadsheet program would take for a formula is kept as text, with a warning in the
    row's `warnings`."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = _table_from_xlsx(data, max_rows=max_rows, max_unpacked_bytes=max_unpacked_bytes)
        encoding = "xlsx"
    elif name.endswith((".csv", ".txt")):
        table, encoding = _table_from_csv(data, max_rows=max_rows)
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
        email = cell("email")
        lyceum = cell("lyceum").lower()
        role_text = cell("role").lower()
        year_text = cell("birth_year")
        if not full_name:
            error("full_name", _("The full name is empty."))
        elif len(full_name) > FULL_NAME_MAX_LENGTH:
            error(
                "full_name",
                _("The full name is longer than %(limit)s characters.") % {"limit": FULL_NAME_MAX_LENGTH},
            )
        try:
            # The accounts' own normalisation: a look-alike of an existing address (`admın@…` for
            # `admin@…`) is refused here rather than created as a second account.
            email = normalize_email_address(email)
        except ValidationError as problem:
            error(
                "email",
                _("«%(value)s»: %(problem)s") % {"value": email[:300], "problem": " ".join(problem.messages)},
            )
        else:
            try:
                validate_email(email)
                if len(email) > EMAIL_MAX_LENGTH:
                    raise ValidationError("too long")
            except ValidationError:
                error("email", _("«%(value)s» is not a valid e-mail address.") % {"value": email[:300]})
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
        language_text = cell("language").lower()
        language = LANGUAGE_NAMES.get(language_text, "") if language_text else ""
        if language_text and not language:
            error("language", _("Unknown language «%(value)s»: use ru, tt or en.") % {"value": language_text})
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
        group = cell("group")[:100]
        warnings = [
            {
                "column": column,
                "message": _(
                    "«%(value)s» starts with «%(sign)s», so a spreadsheet program would take it for a "
                    "formula. It is imported as text: check that this is what the cell should say."
                )
                % {"value": value, "sign": value[0]},
            }
            for column, value in (("full_name", full_name), ("group", group))
            if value.startswith(FORMULA_TRIGGERS)
        ]
        result.rows.append(
            {
                "row": number,
                "full_name": full_name,
                "email": email,
                "birth_year": birth_year,
                "lyceum": lyceum,
                "group": group,
                "role": role,
                "language": language,
                "warnings": warnings,
            }
        )
    if result.total == 0:
        raise RosterFileError(_("The file has a header but no people."))
    return result


# ---------------------------------------------------------------------------------------------------
# Progress of a running import: published in the cache by `services.import_job_run` (the job row
# itself is only written when the import's transaction ends), read by the progress page.


def import_progress_key(job_id: int) -> str:
    """The cache key of the number of rows a running import has done."""
    return f"lyceums:import-progress:{job_id}"


def import_job_progress(job: ImportJob) -> ImportJob:
    """The job with `processed_rows` as the running import last published it."""
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        job.processed_rows = cache.get(import_progress_key(job.pk), job.processed_rows)
    return job
