"""A 交办清单 is read once, streamed, within row and column caps, and its rows kept."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from proposals.models import SpreadsheetImport
from proposals.spreadsheet import SheetUnreadable, extract_sheet
from tests.base import TrackerTestCase
from tests.proposals.test_spreadsheet_import import HEADER, TITLE, row, stage, workbook

MEDIA = tempfile.mkdtemp(prefix="sheet-limits-")


def workbook_touching_xfd(rows: list[dict[str, str]]) -> bytes:
    """The list of ``rows`` where every row also holds a value in the sheet's last column."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.append(HEADER)
    for number, cells in enumerate(rows, start=3):
        sheet.append([cells.get(h) for h in HEADER])
        sheet.cell(row=number, column=16384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@override_settings(MEDIA_ROOT=MEDIA)
class SheetLimitTests(TrackerTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def test_it_reads_only_the_columns_the_header_declares(self) -> None:
        sheet = extract_sheet(workbook_touching_xfd([row("20240493"), row("20240494")]))
        self.assertEqual([number for number, _cells in sheet.rows], [3, 4])
        self.assertEqual(set(sheet.rows[0][1]), set(sheet.headers))
        self.assertNotIn("x", sheet.rows[0][1].values())

    @override_settings(SPREADSHEET_MAX_ROWS=20)
    def test_it_stops_at_the_row_cap_and_names_the_row(self) -> None:
        data = workbook([row(f"2024{n:04d}") for n in range(1, 30)])
        with self.assertRaisesMessage(SheetUnreadable, "Row 21: the sheet goes on past row 20"):
            extract_sheet(data)

    @override_settings(SPREADSHEET_MAX_COLUMNS=3)
    def test_it_looks_for_the_header_only_in_the_first_columns(self) -> None:
        with self.assertRaisesMessage(SheetUnreadable, "Required columns are missing"):
            extract_sheet(workbook([row()]))

    def test_it_refuses_a_program_named_xlsx_at_upload_and_keeps_nothing(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("proposals:import"),
            {
                "file": SimpleUploadedFile("交办清单.xlsx", b"MZ\x90\x00" + b"\0" * 4096),
                "session": self.session.pk,
                "received_on": "2024-06-01",
                "assigned_on": "2024-07-15",
            },
        )
        self.assertIn("not an Excel .xlsx file", response.context["form"].errors["file"][0])
        self.assertFalse(SpreadsheetImport.objects.exists())
        self.assertEqual([p for p in Path(MEDIA).rglob("*") if p.is_file()], [])

    def test_it_keeps_the_rows_read_at_upload_and_never_opens_the_file_again(self) -> None:
        upload = stage(workbook([row("20240493"), row("20240494")]), session=self.session, by=self.staff)
        self.assertEqual([number for number, _cells in upload.sheet["rows"]], [3, 4])
        upload.file.delete(save=False)  # The preview must not need it.
        self.client.force_login(self.staff)
        response = self.client.get(upload.get_absolute_url())
        self.assertEqual(len(response.context["preview"].rows), 2)

    def test_the_worker_imports_the_rows_kept_at_upload(self) -> None:
        upload = stage(workbook([row("20240493")]), session=self.session, by=self.staff)
        upload.file.delete(save=False)
        self.assertEqual(upload.apply(by=self.staff), 1)
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.APPLIED)

    @override_settings(SPREADSHEET_MAX_ROWS=100)
    def test_a_list_whose_every_row_touches_column_xfd_is_refused_past_the_cap(self) -> None:
        data = workbook_touching_xfd([row(f"2024{n:04d}") for n in range(1, 200)])
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("proposals:import"),
            {
                "file": SimpleUploadedFile("交办清单.xlsx", data),
                "session": self.session.pk,
                "received_on": "2024-06-01",
                "assigned_on": "2024-07-15",
            },
        )
        self.assertIn("Row 101:", response.context["form"].errors["file"][0])
        self.assertFalse(SpreadsheetImport.objects.exists())
