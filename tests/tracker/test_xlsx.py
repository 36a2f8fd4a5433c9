"""The shared .xlsx helper: formula-proof cells, typed columns, downloads with Chinese names."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

from django.test import SimpleTestCase
from openpyxl import load_workbook

from tracker.xlsx import Column, Sheet, build_workbook, neutralise, sheet_title, xlsx_response


class NeutraliseTests(SimpleTestCase):
    def test_it_prefixes_every_formula_trigger_with_a_quote(self) -> None:
        for value in ("=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", "＝1", "＋1", "－1", "＠A1"):
            with self.subTest(value=value):
                self.assertEqual(neutralise(value), "'" + value)

    def test_it_leaves_ordinary_text_unchanged(self) -> None:
        self.assertEqual(neutralise("关于推动坪西路改造的建议 = 1"), "关于推动坪西路改造的建议 = 1")

    def test_it_leaves_none_numbers_and_dates_alone(self) -> None:
        for value in (None, 0, 3, -2, -1.5, date(2024, 6, 1)):
            with self.subTest(value=value):
                self.assertEqual(neutralise(value), value)

    def test_it_drops_control_characters_xlsx_cannot_hold(self) -> None:
        self.assertEqual(neutralise("坪西路\x0b改造\x00"), "坪西路改造")


class BuildWorkbookTests(SimpleTestCase):
    def build(self, rows: list[list[object]]) -> object:
        columns = [Column.text("标题", 30), Column.date("截止日期"), Column.number("天数")]
        content = build_workbook([Sheet("建议/清单", columns, rows)])
        return load_workbook(BytesIO(content)).worksheets[0]

    def test_it_writes_dates_as_date_cells_with_the_date_format(self) -> None:
        sheet = self.build([["a", date(2024, 10, 15), 3]])
        self.assertEqual(sheet["B2"].value.date(), date(2024, 10, 15))
        self.assertEqual(sheet["B2"].number_format, "yyyy-mm-dd")

    def test_it_writes_a_moment_as_its_local_date(self) -> None:
        # 2024-10-15 18:00 UTC is already 16 October in Shanghai.
        sheet = self.build([["a", datetime(2024, 10, 15, 18, tzinfo=UTC), 1]])
        self.assertEqual(sheet["B2"].value.date(), date(2024, 10, 16))

    def test_it_keeps_numbers_numeric_and_formula_text_inert(self) -> None:
        sheet = self.build([['=HYPERLINK("http://x","y")', None, -2]])
        self.assertEqual(sheet["A2"].value, '\'=HYPERLINK("http://x","y")')
        self.assertEqual(sheet["A2"].data_type, "s")
        self.assertEqual(sheet["C2"].value, -2)

    def test_it_freezes_and_filters_the_header_and_sets_widths(self) -> None:
        sheet = self.build([["a", None, 1], ["b", None, 2]])
        self.assertEqual((sheet.freeze_panes, sheet.auto_filter.ref), ("A2", "A1:C3"))
        self.assertEqual(sheet.column_dimensions["A"].width, 30)
        self.assertTrue(sheet["A1"].font.bold)

    def test_it_writes_a_statistics_sheet_with_formatted_numbers(self) -> None:
        columns = [Column.text("承办单位"), Column.number("按时办复率", number_format="0.0%")]
        content = build_workbook([Sheet("按单位统计", columns, [["龙岗区发展和改革局", 0.875]])])
        rate = load_workbook(BytesIO(content)).worksheets[0]["B2"]
        self.assertEqual((rate.value, rate.number_format), (0.875, "0.0%"))

    def test_it_makes_sheet_titles_excel_accepts(self) -> None:
        self.assertEqual(self.build([]).title, "建议-清单")
        self.assertEqual(len(sheet_title("承" * 40)), 31)

    def test_it_refuses_a_row_with_the_wrong_number_of_cells(self) -> None:
        with self.assertRaises(ValueError):
            self.build([["a", None]])


class XlsxResponseTests(SimpleTestCase):
    def test_it_sends_a_chinese_filename_as_rfc_5987_with_an_ascii_fallback(self) -> None:
        response = xlsx_response(b"x", "建议清单-2026-11-24.xlsx")
        self.assertEqual(
            response["Content-Disposition"],
            'attachment; filename="export-2026-11-24.xlsx"; '
            "filename*=UTF-8''%E5%BB%BA%E8%AE%AE%E6%B8%85%E5%8D%95-2026-11-24.xlsx",
        )
        self.assertEqual(
            response["Content-Type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
