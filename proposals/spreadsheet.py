"""Read a suggestion list (交办清单) from an .xlsx sheet, check every row, and apply it.

``read_sheet`` validates the whole sheet against the reference data of one session's
congress (departments, deputies, categories and numbers already logged, each loaded in
one query) and returns a ``SheetPreview``: file-level errors, and every row with what it
resolved to and what is wrong with it (the row number as Excel shows it, the column
header as written in the file, the problem). ``apply_sheet`` logs and assigns every row
through the real transitions; it is called by ``SpreadsheetImport.apply`` inside one
transaction, so a failure on any row writes nothing.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext

from proposals.models import Category, Department, Deputy, Proposal, Session, normalise_name, normalise_number

if TYPE_CHECKING:
    from proposals.models import SpreadsheetImport
    from tracker.models import User

# The header row is looked for among the first rows (title rows such as
# "深圳市七届人大五次会议代表建议交办清单" may come above it).
HEADER_SEARCH_ROWS = 10

# Field → the headers that name it, as written in the lists offices receive. Compared
# after normalise_header(): full-width → half-width, no spaces or line breaks.
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("建议编号", "编号", "建议号", "建议序号"),
    "title": ("标题", "建议标题", "案由", "建议题目", "题目"),
    "lead_deputy": ("领衔代表", "代表", "提出代表", "代表姓名"),
    "co_signers": ("附议代表", "联名代表"),
    "lead": ("主办单位", "承办单位(主办)", "主办"),
    "co": ("会办单位", "协办单位", "会办"),
    "separate": ("分办单位", "分办"),
    "category": ("类别", "分类", "专业分类"),
    "is_key": ("是否重点", "重点建议", "是否重点建议"),
    "supervising_leader": ("督办领导",),
    "body": ("建议内容", "内容"),
}
REQUIRED = ("number", "title", "lead_deputy")
# The header shown for a missing column: the first, most common name.
CANONICAL = {name: headers[0] for name, headers in HEADERS.items()}

LIST_SEPARATORS = re.compile(r"[、，,；;\s]+")
CATEGORY_SEPARATORS = re.compile(r"\s*(?:/|／|›|>|－|-|—)\s*")
YES = {"是", "Y", "YES", "√", "✓", "1", "重点"}
NO = {"否", "N", "NO", "", "0", "×"}

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def normalise_header(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).strip("*")


def split_list(text: str) -> list[str]:
    """Names in one cell, separated by 、，,；; or spaces; repeats dropped, order kept."""
    names = [normalise_name(part) for part in LIST_SEPARATORS.split(text)]
    return list(dict.fromkeys(name for name in names if name))


def cell_text(value: object) -> str:
    """A cell as text: an Excel number 20240493.0 is "20240493"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass
class CellError:
    """What is wrong, and where: the row as Excel numbers it and the column's header."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return gettext("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class SheetRow:
    """One suggestion of the sheet: the text read, what it resolved to, and its errors."""

    row: int
    number: str = ""
    title: str = ""
    body: str = ""
    lead_deputy_name: str = ""
    co_signer_names: list[str] = field(default_factory=list)
    lead_name: str = ""
    co_names: list[str] = field(default_factory=list)
    separate_names: list[str] = field(default_factory=list)
    category_text: str = ""
    is_key: bool = False
    supervising_leader: str = ""
    # Resolved
    lead_deputy: Deputy | None = None
    co_signers: list[Deputy] = field(default_factory=list)
    new_deputies: set[str] = field(default_factory=set)
    lead: Department | None = None
    co: list[Department] = field(default_factory=list)
    separate: list[Department] = field(default_factory=list)
    category: Category | None = None
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def lead_deputy_is_new(self) -> bool:
        return self.lead_deputy_name in self.new_deputies

    def co_signer_labels(self) -> list[tuple[str, bool]]:
        return [(name, name in self.new_deputies) for name in self.co_signer_names]

    def units(self) -> list[tuple[str, str]]:
        """(department name, role) for display, the names as written when not matched."""
        units = [(self.lead.name if self.lead else self.lead_name, "lead")] if self.lead_name else []
        units += [(name, "co") for name in self.co_names]
        units += [(name, "separate") for name in self.separate_names]
        return units


@dataclass
class SheetPreview:
    """The whole sheet, checked: file-level errors and every non-empty row."""

    errors: list[CellError] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def error_rows(self) -> list[SheetRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ready_count(self) -> int:
        return sum(1 for row in self.rows if row.ok)

    @property
    def new_deputies(self) -> list[str]:
        return sorted({name for row in self.rows for name in row.new_deputies})

    def all_errors(self) -> list[CellError]:
        return self.errors + [error for row in self.rows for error in row.errors]


class SheetUnreadable(Exception):
    """The upload is not an .xlsx workbook that can be opened, or not a list that can be read."""


@dataclass
class SheetData:
    """What the file holds, read once at upload (and kept as JSON on the import): the
    header text of each column found, in the file's order, and every row that is not
    empty with its cells as text. Checking it against the tracker's data is check_sheet."""

    headers: dict[str, str]
    rows: list[tuple[int, dict[str, str]]]

    def as_json(self) -> dict[str, Any]:
        return {"headers": self.headers, "rows": [[number, cells] for number, cells in self.rows]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SheetData:
        return cls(headers=dict(data["headers"]), rows=[(int(n), dict(c)) for n, c in data["rows"]])


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _damaged(exc: Exception) -> SheetUnreadable:
    return SheetUnreadable(
        gettext("The .xlsx file is damaged and cannot be read (%(error)s).") % {"error": type(exc).__name__}
    )


def extract_sheet(data: bytes, name: str = "") -> SheetData:
    """Read the first sheet of an .xlsx list once, bounded: SheetUnreadable (a message for
    the file as a whole, or naming the row) when it is not a workbook, could unpack to
    more than the limits (tracker/archives.py), has no header with the required columns,
    no rows, or rows past SPREADSHEET_MAX_ROWS.

    The sheet is streamed (openpyxl's read-only mode); the header is looked for in the
    first SPREADSHEET_MAX_COLUMNS columns, and the rows below it are read only as far as
    the header's last column, so a row that touches column XFD is not padded to 16,384 cells.
    """
    from django.conf import settings

    from tracker.archives import ArchiveRefused, check_ooxml

    if data.startswith(XLS_MAGIC):
        raise SheetUnreadable(
            gettext("This is an old Excel 97–2003 file (.xls). Open it in Excel or WPS and save it as .xlsx.")
        )
    if not data.startswith(XLSX_MAGIC):
        raise SheetUnreadable(
            gettext("This is not an Excel .xlsx file. Save the list as an Excel workbook (.xlsx).")
        )
    try:
        check_ooxml(data, name or gettext("the file"), kind="xlsx")
    except ArchiveRefused as exc:
        raise SheetUnreadable(str(exc)) from exc
    import openpyxl

    max_rows = settings.SPREADSHEET_MAX_ROWS
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # Some programs write a wrong sheet size; without this, rows past it are not read.
            sheet.reset_dimensions()
            past = _row_past(sheet, max_rows)
            if past is not None:
                raise SheetUnreadable(_too_many_rows(past, max_rows))
            top = sheet.iter_rows(
                max_row=HEADER_SEARCH_ROWS, max_col=settings.SPREADSHEET_MAX_COLUMNS, values_only=True
            )
            head = list(enumerate(top, start=1))
            found = _find_header(head)
            if found is None:
                texts = [cell_text(v) for _n, values in head for v in values if cell_text(v)]
                raise SheetUnreadable(_missing_columns(list(REQUIRED) + ["lead"], texts).message)
            header_row, columns, texts = found
            missing = [field for field in REQUIRED if field not in columns]
            if "lead" not in columns and "separate" not in columns:
                missing.append("lead")
            if "is_key" in columns and "supervising_leader" not in columns:
                missing.append("supervising_leader")
            if missing:
                raise SheetUnreadable(_missing_columns(missing, texts).message)
            header_values = dict(head)[header_row]
            headers = {field: cell_text(header_values[index]) for field, index in columns.items()}
            rows: list[tuple[int, dict[str, str]]] = []
            below = sheet.iter_rows(
                min_row=header_row + 1, max_col=max(columns.values()) + 1, values_only=True
            )
            try:
                for number, values in enumerate(below, start=header_row + 1):
                    if number > max_rows:
                        raise SheetUnreadable(_too_many_rows(number, max_rows))
                    cells = {field: cell_text(values[index]) for field, index in columns.items()}
                    if any(cells.values()):
                        rows.append((number, cells))
            finally:
                below.close()
        finally:
            workbook.close()
    except SheetUnreadable:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError) as exc:
        raise _damaged(exc) from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise _damaged(exc) from exc
    if not rows:
        raise SheetUnreadable(gettext("The sheet has a header row but no suggestions."))
    # The file's column order, so that each row's errors can be listed in it.
    ordered = dict(sorted(headers.items(), key=lambda item: columns[item[0]]))
    return SheetData(headers=ordered, rows=rows)


def _too_many_rows(number: int, max_rows: int) -> str:
    return gettext(
        "Row %(row)s: the sheet goes on past row %(max)s, the most a list may have. Split the "
        "list into several files (or delete the empty rows below it)."
    ) % {"row": f"{number:,}", "max": f"{max_rows:,}"}


# A row element of the sheet's XML (<row r="7" …>, or <x:row …> with a namespace prefix).
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
ROW_NUMBER = re.compile(rb'\sr="(\d+)"')


def _row_past(sheet: Any, max_rows: int) -> int | None:
    """The number of the first row past ``max_rows``, or None, found by counting the row
    elements of the sheet's XML as it is unpacked (a regular expression, at C speed), before
    openpyxl parses it at Python speed (about 7,000 rows a second): a sheet of 50,000 rows is
    refused in a tenth of a second instead of four. Rows are numbered upwards, so the
    max_rows + 1st element is past the cap."""
    try:
        source = sheet._get_source()  # openpyxl's read-only sheet: its XML, streamed from the zip
    except AttributeError:
        return None
    count, tail = 0, b""
    with source:
        while True:
            chunk = source.read(1 << 20)
            buffer = tail + chunk
            # Tags starting in the last 64 bytes may be cut; they are counted with the next chunk.
            cut = len(buffer) if not chunk else max(len(buffer) - 64, 0)
            for match in ROW_TAG.finditer(buffer, 0, cut + 64 if not chunk else len(buffer)):
                if match.start() >= cut:
                    break
                count += 1
                if count > max_rows:
                    found = ROW_NUMBER.search(buffer, match.start(), match.start() + 300)
                    return int(found.group(1)) if found else max_rows + 1
            if not chunk:
                return None
            tail = buffer[cut:]


def _find_header(rows: list[tuple[int, tuple[Any, ...]]]) -> tuple[int, dict[str, int], list[str]] | None:
    """The header row among the first rows: the one naming the most known columns."""
    lookup = {normalise_header(h): name for name, headers in HEADERS.items() for h in headers}
    best: tuple[int, dict[str, int], list[str]] | None = None
    for number, values in rows[:HEADER_SEARCH_ROWS]:
        columns: dict[str, int] = {}
        for index, value in enumerate(values):
            name = lookup.get(normalise_header(value))
            if name and name not in columns:
                columns[name] = index
        if len(columns) >= 2 and (best is None or len(columns) > len(best[1])):
            best = (number, columns, [cell_text(v) for v in values if cell_text(v)])
    return best


def read_sheet(data: bytes, *, session: Session, name: str = "") -> SheetPreview:
    """Read an uploaded 交办清单 and check every row for ``session``; nothing is written."""
    try:
        sheet = extract_sheet(data, name)
    except SheetUnreadable as exc:
        return SheetPreview(errors=[CellError(None, "", str(exc))])
    return check_sheet(sheet, session=session)


def check_sheet(sheet: SheetData, *, session: Session) -> SheetPreview:
    """Check every row read from a list against ``session``'s congress as its data is now."""
    preview = SheetPreview(headers=dict(sheet.headers))
    for number, cells in sheet.rows:
        preview.rows.append(_parse_row(number, cells, preview.headers))
    _Resolver(session, preview).resolve()
    # Each row's errors in the order of the file's columns.
    order = {header: index for index, header in enumerate(preview.headers.values())}
    for row in preview.rows:
        row.errors.sort(key=lambda error: order.get(error.column, len(order)))
    return preview


def _missing_columns(missing: list[str], found: list[str]) -> CellError:
    labels = []
    for name in missing:
        label = "/".join(HEADERS[name][:3])
        if name == "lead":
            label = gettext("%(lead)s (or %(separate)s)") % {"lead": label, "separate": CANONICAL["separate"]}
        labels.append(label)
    return CellError(
        None,
        "",
        gettext("Required columns are missing: %(missing)s. Headers found: %(found)s.")
        % {"missing": "；".join(labels), "found": "、".join(found) or gettext("none")},
    )


def _parse_row(number: int, cells: dict[str, str], headers: dict[str, str]) -> SheetRow:
    row = SheetRow(row=number)

    def error(column: str, message: str) -> None:
        row.errors.append(CellError(number, headers.get(column, CANONICAL[column]), message))

    # Checked against the congress's rules in _Resolver (Congress.clean_number).
    row.number = normalise_number(cells.get("number", ""))
    row.title = cells.get("title", "")
    row.body = cells.get("body", "")
    row.category_text = cells.get("category", "")
    row.supervising_leader = cells.get("supervising_leader", "")
    for name in REQUIRED:
        if not cells.get(name):
            error(name, gettext("empty; this column is required."))
    if len(row.title) > Proposal._meta.get_field("title").max_length:
        error("title", gettext("longer than 300 characters."))
    lead_deputies = split_list(cells.get("lead_deputy", ""))
    if len(lead_deputies) > 1:
        error("lead_deputy", gettext("one lead deputy only; put the others under co-signers."))
    row.lead_deputy_name = lead_deputies[0] if lead_deputies else ""
    row.co_signer_names = split_list(cells.get("co_signers", ""))
    for name in [row.lead_deputy_name, *row.co_signer_names]:
        if len(name) > Deputy._meta.get_field("name").max_length:
            error("co_signers" if name != row.lead_deputy_name else "lead_deputy", gettext("name too long."))
    leads = split_list(cells.get("lead", ""))
    if len(leads) > 1:
        error("lead", gettext("one lead unit only; put the others under co-handling units."))
    row.lead_name = leads[0] if leads else ""
    row.co_names = split_list(cells.get("co", ""))
    row.separate_names = split_list(cells.get("separate", ""))
    if row.lead_name and row.separate_names:
        error("separate", gettext("a suggestion has either a lead unit or separate units, not both."))
    elif not row.lead_name and not row.separate_names:
        error("lead", gettext("empty; give a lead unit or separate units."))
    if row.co_names and not row.lead_name:
        error("co", gettext("co-handling units need a lead unit."))
    if row.lead_name and row.lead_name in row.co_names:
        error("co", gettext("%(name)s is the lead unit and cannot also co-handle.") % {"name": row.lead_name})
    key = normalise_name(cells.get("is_key", "")).upper()
    if key in YES:
        row.is_key = True
        if not row.supervising_leader:
            error("supervising_leader", gettext("a key suggestion needs a supervising leader."))
    elif key not in NO:
        error("is_key", gettext("“%(value)s” is neither 是 nor 否.") % {"value": cells.get("is_key", "")})
    if len(row.supervising_leader) > Proposal._meta.get_field("supervising_leader").max_length:
        error("supervising_leader", gettext("longer than 100 characters."))
    return row


class _Resolver:
    """Matches names to departments, deputies and categories loaded once, not per row."""

    def __init__(self, session: Session, preview: SheetPreview) -> None:
        self.session = session
        self.congress = session.congress
        self.preview = preview
        self.departments: dict[str, list[Department]] = defaultdict(list)
        for department in Department.objects.all():
            keys = {normalise_name(department.name), normalise_name(department.short_name)} - {""}
            for key in keys:
                self.departments[key].append(department)
        self.deputies: dict[str, list[Deputy]] = defaultdict(list)
        for deputy in Deputy.objects.filter(congress=self.congress).only(
            "pk", "name", "congress_id", "is_active"
        ):
            self.deputies[normalise_name(deputy.name)].append(deputy)
        # The deputies the sheet names but the congress lacks, one unsaved Deputy per name
        # (apply_sheet creates them), so that Proposal.check_deputies tells them apart.
        self.unsaved: dict[str, Deputy] = {}
        categories = list(Category.objects.filter(congress=self.congress))
        by_id = {c.pk: c for c in categories}
        for category in categories:
            if category.parent_id:
                category.parent = by_id[category.parent_id]
        self.pairs = {
            (normalise_name(c.parent.name), normalise_name(c.name)): c for c in categories if c.parent_id
        }
        self.leaves: dict[str, list[Category]] = defaultdict(list)
        self.tops: dict[str, Category] = {}
        for category in categories:
            if category.parent_id:
                self.leaves[normalise_name(category.name)].append(category)
            else:
                self.tops[normalise_name(category.name)] = category

    def resolve(self) -> None:
        rows = self.preview.rows
        headers = self.preview.headers
        taken = Proposal.objects.numbered_alongside(self.session).numbers_taken(
            row.number for row in rows if row.number
        )
        by_number: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            if row.number:
                by_number[row.number].append(row.row)
        for row in rows:

            def error(column: str, message: str, row: SheetRow = row) -> None:
                row.errors.append(CellError(row.row, headers.get(column, CANONICAL[column]), message))

            if row.number:
                self._check_number(row, error, taken, by_number[row.number])
            if row.lead_deputy_name:
                row.lead_deputy = self._deputy(row, row.lead_deputy_name, "lead_deputy", error)
            row.co_signers = [
                d for name in row.co_signer_names if (d := self._deputy(row, name, "co_signers", error))
            ]
            self._check_deputies(row, error)
            if row.lead_name:
                row.lead = self._department(row.lead_name, "lead", error)
            row.co = [d for name in row.co_names if (d := self._department(name, "co", error))]
            row.separate = [
                d for name in row.separate_names if (d := self._department(name, "separate", error))
            ]
            if row.category_text:
                row.category = self._category(row.category_text, error)

    def _check_number(
        self, row: SheetRow, error: Any, taken: dict[str, tuple[int, str]], rows: list[int]
    ) -> None:
        try:
            row.number = self.congress.clean_number(row.number)
        except ValidationError as exc:
            error("number", " ".join(exc.messages))
            valid = False
        else:
            valid = True
        if len(rows) > 1:
            error(
                "number",
                gettext("rows %(rows)s all have number %(number)s.")
                % {"rows": "、".join(str(r) for r in rows), "number": row.number},
            )
        if valid:
            try:
                Proposal.check_number_free(row.number, session=self.session, taken=taken)
            except ValidationError as exc:
                error("number", " ".join(exc.messages))

    def _check_deputies(self, row: SheetRow, error: Any) -> None:
        """The rule of the intake form (Proposal.check_deputies), on the names resolved."""

        def unsaved(name: str) -> Deputy:
            return self.unsaved.setdefault(name, Deputy(congress=self.congress, name=name))

        lead = row.lead_deputy
        if lead is None and row.lead_deputy_is_new:
            lead = unsaved(row.lead_deputy_name)
        co_signers = row.co_signers + [unsaved(n) for n in row.co_signer_names if n in row.new_deputies]
        try:
            Proposal.check_deputies(self.congress, lead, co_signers)
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                for message in messages:
                    error(column, message)

    def _deputy(self, row: SheetRow, name: str, column: str, error: Any) -> Deputy | None:
        found = self.deputies.get(name, [])
        if len(found) > 1:
            error(
                column,
                gettext("%(count)s deputies are named %(name)s; log this suggestion by hand.")
                % {"count": len(found), "name": name},
            )
            return None
        if found:
            if not found[0].is_active:
                error(column, gettext("%(name)s is no longer active.") % {"name": name})
                return None
            return found[0]
        row.new_deputies.add(name)
        return None

    def _department(self, name: str, column: str, error: Any) -> Department | None:
        found = self.departments.get(name, [])
        if not found:
            error(
                column,
                gettext("no department is called “%(name)s”; add it first or correct the name.")
                % {"name": name},
            )
            return None
        if len(found) > 1:
            error(
                column,
                gettext("“%(name)s” could be %(names)s; write the full name.")
                % {"name": name, "names": "、".join(d.name for d in found)},
            )
            return None
        department = found[0]
        if not department.is_active:
            error(column, gettext("%(name)s is no longer active.") % {"name": department.name})
            return None
        return department

    def _category(self, text: str, error: Any) -> Category | None:
        parts = [normalise_name(p) for p in CATEGORY_SEPARATORS.split(text.strip()) if p.strip()]
        category: Category | None = None
        if len(parts) == 2:
            category = self.pairs.get((parts[0], parts[1]))
        elif len(parts) == 1:
            leaves = self.leaves.get(parts[0], [])
            if len(leaves) > 1:
                error(
                    "category",
                    gettext("“%(name)s” is in several categories: %(names)s; write it as parent/category.")
                    % {"name": text, "names": "、".join(str(c) for c in leaves)},
                )
                return None
            category = leaves[0] if leaves else self.tops.get(parts[0])
        if category is None:
            error(
                "category",
                gettext("no category “%(name)s” in %(congress)s.")
                % {
                    "name": text,
                    "congress": self.congress.name,
                },
            )
        return category


# ---------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------


class SheetRejected(Exception):
    """The sheet (re-read at confirmation) has errors; nothing was written."""

    def __init__(self, errors: Iterable[CellError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors[:5]))


def apply_sheet(upload: SpreadsheetImport, preview: SheetPreview, *, by: User) -> int:
    """Create the new deputies, then log and assign every row; returns how many were logged.

    Call inside a transaction (SpreadsheetImport.apply): any failure must undo it all.
    """
    from tracker.workflow import InvalidTransition

    if not preview.ok:
        raise SheetRejected(preview.all_errors() or [CellError(None, "", gettext("Nothing to import."))])
    session = upload.session
    congress = session.congress
    created = {
        deputy.name: deputy
        for deputy in Deputy.objects.bulk_create(
            [Deputy(congress=congress, name=name) for name in preview.new_deputies]
        )
    }
    if created and created[next(iter(created))].pk is None:
        # Backends that do not return keys from a bulk insert: read them back.
        created = {d.name: d for d in Deputy.objects.filter(congress=congress, name__in=list(created))}
    reason = gettext("imported from the list %(file)s") % {"file": upload.original_name}
    for row in preview.rows:
        try:
            proposal = Proposal(
                congress=congress,
                session=session,
                number=row.number,
                title=row.title,
                body=row.body,
                category=row.category,
                lead_deputy=row.lead_deputy or created[row.lead_deputy_name],
                received_on=upload.received_on,
                is_key=row.is_key,
                supervising_leader=row.supervising_leader,
            )
            co_signers = [
                *row.co_signers,
                *(created[n] for n in row.co_signer_names if n in row.new_deputies),
            ]
            # The rows' numbers were checked together, under the congress's lock
            # (SpreadsheetImport._apply_rows), when the sheet was read again.
            proposal.log(by=by, co_signers=co_signers, number_checked=True)
            proposal.assign(
                by=by,
                lead=row.lead,
                co=row.co,
                separate=row.separate,
                assigned_on=upload.assigned_on,
                reason=reason,
            )
        except (InvalidTransition, ValidationError, IntegrityError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise SheetRejected([CellError(row.row, CANONICAL["number"], message)]) from exc
    return len(preview.rows)
