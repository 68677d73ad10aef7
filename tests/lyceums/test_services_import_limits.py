"""Roster files that would tie up a worker or crash the import are refused with a clear reason:
workbooks declaring a huge size, zip bombs, too many rows, overlong CSV cells. Values that look like
spreadsheet formulas are imported as text with a warning."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from lyceums.imports import MAX_COLUMNS, RosterFileError
from lyceums.models import ImportJob
from lyceums.services import import_job_create

HEADER = ["Full name", "E-mail", "Birth year", "Lyceum code", "Group", "Role"]


def workbook(network, people: int = 1) -> bytes:
    sheet_book = Workbook()
    sheet = sheet_book.active
    sheet.append(HEADER)
    for i in range(people):
        sheet.append([f"Person {i}", f"p{i}@school.ru", 2010, network.lyceum_a.code, "9-A", "student"])
    buffer = io.BytesIO()
    sheet_book.save(buffer)
    return buffer.getvalue()


def repack(data: bytes, *, sheet=lambda xml: xml, extra: dict[str, tuple[bytes, int]] | None = None) -> bytes:
    """The workbook with its first sheet's XML changed by `sheet` and parts `extra` added (name →
    content, compression)."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w") as target:
        for part in source.infolist():
            content = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                content = sheet(content.decode()).encode()
            target.writestr(part.filename, content, compress_type=zipfile.ZIP_DEFLATED)
        for name, (content, compression) in (extra or {}).items():
            target.writestr(name, content, compress_type=compression)
    return output.getvalue()


def create(network, data: bytes, filename: str = "roster.xlsx") -> ImportJob:
    return import_job_create(user=network.coord_a, data=data, filename=filename)


def test_xlsx_declared_size_is_not_trusted(network, monkeypatch):
    """A sheet declaring the largest possible size (A1:XFD1048576) is read as the cells it really has:
    no row is widened to the declared 16 384 columns (20 000 such rows would take minutes)."""
    widths = []
    read_row = ReadOnlyWorksheet._get_row

    def measured(self, *args, **kwargs):
        row = read_row(self, *args, **kwargs)
        widths.append(len(row))
        return row

    monkeypatch.setattr(ReadOnlyWorksheet, "_get_row", measured)
    data = repack(
        workbook(network, people=3), sheet=lambda xml: xml.replace('ref="A1:F4"', 'ref="A1:XFD1048576"')
    )
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    job = create(network, data)
    assert job.errors == []
    assert [row["email"] for row in job.rows] == ["p0@school.ru", "p1@school.ru", "p2@school.ru"]
    assert widths
    assert max(widths) <= MAX_COLUMNS


@pytest.mark.timeout(60)
def test_xlsx_row_far_down_is_refused(network):
    """A row numbered in the hundreds of millions is refused at once (the reader would otherwise
    produce every empty row before it)."""
    data = repack(
        workbook(network), sheet=lambda xml: xml.replace("</sheetData>", '<row r="500000000" /></sheetData>')
    )
    with pytest.raises(RosterFileError, match="goes on past row"):
        create(network, data)


def test_xlsx_unpacking_above_the_limit_is_refused(network, settings):
    """A workbook whose parts declare more than LYCEUM_IMPORT_MAX_UNPACKED_BYTES is refused before it is
    unpacked, with the limit in the message."""
    settings.LYCEUM_IMPORT_MAX_UNPACKED_BYTES = 200_000
    data = repack(workbook(network), extra={"xl/media/padding.bin": (b"\0" * 300_000, zipfile.ZIP_DEFLATED)})
    with pytest.raises(RosterFileError, match="unpacks to 0.3 MB; the limit is 0.2 MB"):
        create(network, data)


def test_xlsx_zip_bomb_is_refused(network):
    """A workbook part packed a thousand times tighter than real spreadsheets pack is taken for a zip
    bomb and refused, even under the unpacked-size limit."""
    data = repack(workbook(network), extra={"xl/padding.xml": (b" " * 10_000_000, zipfile.ZIP_DEFLATED)})
    assert len(data) < 100_000
    with pytest.raises(RosterFileError, match="packed in an unusual way"):
        create(network, data)


def test_xlsx_unusual_compression_is_refused(network):
    """A workbook part compressed with something other than deflate (which spreadsheet programs never
    write, and which Python unpacks without a size bound per read) is refused."""
    data = repack(workbook(network), extra={"xl/padding.xml": (b"<x/>", zipfile.ZIP_BZIP2)})
    with pytest.raises(RosterFileError, match="packed in an unusual way"):
        create(network, data)


def test_row_limit(network, settings):
    """More people than LYCEUM_IMPORT_MAX_ROWS are refused for CSV and XLSX alike; exactly the limit
    is fine."""
    settings.LYCEUM_IMPORT_MAX_ROWS = 3
    assert len(create(network, workbook(network, people=3)).rows) == 3
    with pytest.raises(RosterFileError, match="more than 3 rows"):
        create(network, workbook(network, people=4))
    lines = [f"P{i};p{i}@school.ru;2010;{network.lyceum_a.code};9;ученик" for i in range(4)]
    data = ("ФИО;Эл. почта;Год рождения;Код лицея;Группа;Роль\n" + "\n\n".join(lines)).encode()
    with pytest.raises(RosterFileError, match="more than 3 rows"):
        create(network, data, filename="roster.csv")


def test_overlong_csv_cell_is_a_file_error(network):
    """A CSV cell over the csv module's 131 072-character limit (typically a quotation mark never
    closed) is a file error naming the line, not a crash."""
    data = f'ФИО;Эл. почта;Код лицея;Роль\n"{"x" * 200_000};a@school.ru;{network.lyceum_a.code};ученик\n'
    with pytest.raises(RosterFileError, match="Line 2 of the file cannot be read"):
        create(network, data.encode(), filename="roster.csv")


def test_overlong_full_name_is_a_row_error(network):
    """A full name longer than an account can hold is an error of its row, not a failure at import."""
    data = f"ФИО;Эл. почта;Код лицея;Роль\n{'Я' * 201};a@school.ru;{network.lyceum_a.code};ученик\n"
    job = create(network, data.encode(), filename="roster.csv")
    assert [(error["row"], error["column"]) for error in job.errors] == [(2, "full_name")]


def test_formula_like_values_are_warned_about(network):
    """A name or group a spreadsheet program would take for a formula (=HYPERLINK(…), =1+1) is
    imported as text, with a warning for each on the row; the job can still be committed."""
    data = (
        "ФИО;Эл. почта;Код лицея;Группа;Роль\n"
        f'"=HYPERLINK(""http://evil.example"")";a@school.ru;{network.lyceum_a.code};=1+1;ученик\n'
        f"Обычное Имя;b@school.ru;{network.lyceum_a.code};10-Б;ученик\n"
    )
    job = create(network, data.encode(), filename="roster.csv")
    assert job.status == ImportJob.Status.PREVIEW
    first, second = job.rows
    assert first["full_name"] == '=HYPERLINK("http://evil.example")'
    assert [warning["column"] for warning in first["warnings"]] == ["full_name", "group"]
    assert "formula" in first["warnings"][0]["message"]
    assert second["warnings"] == []
