"""Excel (.xlsx) exports: one formula-proof cell writer and one workbook builder for every
list, review and statistics download.

A sheet is a title, typed columns and an iterable of rows; rows are streamed through
openpyxl's write-only mode, so a 10,000-row list never holds a cell object per value.
A statistics table (a later dashboard) is one more ``Sheet`` of text and number columns.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"

# Spreadsheet programs run a cell typed as = + - @ (and a leading tab or carriage return
# can smuggle one in; some also read the full-width forms) as a formula: OWASP's "CSV
# injection". A leading apostrophe keeps such text inert.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

# Characters a sheet name may not contain (Excel refuses the file otherwise).
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet could run as a formula is written with a leading ' as plain text;
    control characters the .xlsx format cannot hold are dropped. Other values (numbers,
    dates, None) are returned unchanged."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """A column's header (already translated), width in characters and number format."""

    header: str
    width: float = 12
    number_format: str | None = None

    @classmethod
    def text(cls, header: str, width: float = 16) -> Column:
        return cls(str(header), width)

    @classmethod
    def date(cls, header: str, width: float = 12) -> Column:
        return cls(str(header), width, DATE_FORMAT)

    @classmethod
    def number(cls, header: str, width: float = 10, number_format: str | None = None) -> Column:
        """Integers or decimals; ``number_format`` e.g. "0.0%" for a share given as 0.875."""
        return cls(str(header), width, number_format)


@dataclass
class Sheet:
    """One worksheet: a title, its columns and its rows (any iterable; consumed once)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


def sheet_title(title: str) -> str:
    """A title Excel accepts: no []:*?/\\ and at most 31 characters."""
    return _SHEET_TITLE_FORBIDDEN.sub("-", str(title)).strip("'")[:31] or "Sheet"


def build_workbook(sheets: Iterable[Sheet]) -> bytes:
    """The sheets as an .xlsx file: bold, frozen header row with an auto-filter, column
    widths, dates as date cells, text neutralised."""
    book = Workbook(write_only=True)
    try:
        for spec in sheets:
            _write_sheet(book, spec)
    except BaseException:
        # Close the half-written sheets' streams, or they complain when collected.
        for sheet in book.worksheets:
            with contextlib.suppress(Exception):
                sheet.close()
        raise
    if not book.worksheets:
        book.create_sheet("Sheet")
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(book: Workbook, spec: Sheet) -> None:
    sheet = book.create_sheet(sheet_title(spec.title))
    # Widths go before the first row: write-only mode writes <cols> ahead of the data.
    for index, column in enumerate(spec.columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in spec.columns:
        cell = WriteOnlyCell(sheet, value=neutralise(column.header))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    formats = [column.number_format for column in spec.columns]
    count = 0
    for count, row in enumerate(spec.rows, 1):
        if len(row) != len(formats):
            raise ValueError(
                f"Sheet {spec.title!r}, row {count}: {len(row)} values for {len(formats)} columns."
            )
        sheet.append([_cell(sheet, value, fmt) for value, fmt in zip(row, formats, strict=True)])
    if spec.columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{count + 1}"


def _cell(sheet: Any, value: Any, number_format: str | None) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        # Excel has no time zones: a moment is written as the local date.
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if number_format is None or (number_format == DATE_FORMAT and isinstance(value, date)):
        # openpyxl already gives a date cell the yyyy-mm-dd format; a plain value is
        # several times cheaper to write than a styled cell.
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def dated_filename(name: str, today: date | None = None) -> str:
    """E.g. "建议清单-2026-11-24.xlsx"."""
    return f"{name}-{(today or timezone.localdate()).isoformat()}.xlsx"


def xlsx_response(content: bytes | Workbook, filename: str) -> HttpResponse:
    """A download of the workbook; a Chinese filename travels as RFC 5987 ``filename*``,
    with an ASCII ``filename`` for clients that do not read it."""
    if isinstance(content, Workbook):
        buffer = BytesIO()
        content.save(buffer)
        content = buffer.getvalue()
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{_ascii_filename(filename)}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _ascii_filename(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, "xlsx"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "", stem.replace(" ", "-")).strip("-.")
    if not re.search(r"[A-Za-z]", stem):
        stem = f"export-{stem}" if stem else "export"
    return f"{stem}.{extension}"


def invalid_filters_response(form: Any) -> HttpResponse | None:
    """A 400 naming each filter that is wrong, or None: an export must not silently
    ignore a filter the page would show as an error and hand out more rows than asked."""
    if form.is_valid():
        return None
    lines = [
        f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    ]
    return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


def wants_xlsx(request: HttpRequest) -> bool:
    """A list page downloads its rows as .xlsx on ?format=xlsx."""
    return request.GET.get("format") == "xlsx"


def require_exporter(request: HttpRequest) -> None:
    """403 unless staff or a department user: deputies read their pages online."""
    user = request.user
    if not (user.is_authenticated and (user.is_congress_staff or user.is_department_user)):
        raise PermissionDenied
