"""Reading, checking and applying a suggestion list (交办清单) from .xlsx.

The workbooks are built here as offices receive them: a title row above the header
row, Chinese headers, one row per suggestion (so the first suggestion is Excel row 3).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Any
from unittest import mock

import openpyxl
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from proposals.models import (
    Assignment,
    Category,
    Department,
    Deputy,
    Proposal,
    ProposalEvent,
    Session,
    SpreadsheetImport,
)
from proposals.spreadsheet import SheetRejected, read_sheet
from tests.base import TrackerTestCase
from tracker.models import OutboxMessage, User
from tracker.workflow import Conflict, InvalidTransition

TITLE = "深圳市七届人大五次会议代表建议交办清单"
HEADER = [
    "序号",
    "建议编号",
    "标题",
    "领衔代表",
    "附议代表",
    "主办单位",
    "会办单位",
    "类别",
    "是否重点",
    "督办领导",
    "建议内容",
]
# Keyword → header, for row() below.
FIELDS = {
    "number": "建议编号",
    "title": "标题",
    "lead_deputy": "领衔代表",
    "co_signers": "附议代表",
    "lead": "主办单位",
    "co": "会办单位",
    "separate": "分办单位",
    "category": "类别",
    "is_key": "是否重点",
    "leader": "督办领导",
    "body": "建议内容",
}


def row(number: Any = "20240493", **overrides: Any) -> dict[str, Any]:
    """One suggestion's cells by header; defaults name the test personas' units and deputies."""
    cells: dict[str, Any] = {
        "建议编号": number,
        "标题": "关于推动坪西路改造的建议",
        "领衔代表": "陈寿",
        "附议代表": "王芳",
        "主办单位": "龙岗区发展和改革局",
        "会办单位": "龙岗区住房和建设局",
        "类别": "城建环资",
        "是否重点": "否",
        "督办领导": "",
        "建议内容": "建议加快坪西路市政改造。",
    }
    for key, value in overrides.items():
        cells[FIELDS[key]] = value
    return cells


def workbook(
    rows: list[dict[str, Any]], *, header: list[str] | None = None, title: str | None = TITLE
) -> bytes:
    """The .xlsx bytes: an optional title row, the header row, then the rows (row 3 onwards)."""
    header = header or HEADER
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for index, cells in enumerate(rows, start=1):
        sheet.append([index if h == "序号" else cells.get(h) for h in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stage(data: bytes, *, session: Session, by: User, name: str = "交办清单.xlsx") -> SpreadsheetImport:
    return SpreadsheetImport.stage(
        data,
        name=name,
        session=session,
        received_on=date(2024, 6, 1),
        assigned_on=date(2024, 7, 15),
        by=by,
    )


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Proposal, Deputy, Assignment, ProposalEvent)}


MEDIA = "/tmp/tracker-test-media"


@override_settings(MEDIA_ROOT=MEDIA)
class SpreadsheetTestCase(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.transport = Category.objects.create(congress=cls.congress, parent=cls.category, name="交通")
        cls.good_rows = [
            row("20240493", co_signers="王芳、李新"),
            row("20240494", title="关于加快龙筋顶公园建设的建议", co=""),
            row("20240495", title="关于盐龙大道市政化改造的建议", lead_deputy="李新", co_signers=""),
        ]

    def preview(self, rows: list[dict[str, Any]], **kwargs: Any) -> Any:
        return read_sheet(workbook(rows, **kwargs), session=self.session)

    def errors(self, rows: list[dict[str, Any]], **kwargs: Any) -> list[tuple[int | None, str, str]]:
        preview = self.preview(rows, **kwargs)
        return [(e.row, e.column, e.message) for e in preview.all_errors()]

    def assert_error(self, rows: list[dict[str, Any]], row_number: int, column: str, text: str) -> None:
        found = self.errors(rows)
        self.assertTrue(
            any(r == row_number and c == column and text in m for r, c, m in found),
            f"no error at row {row_number}, {column} containing {text!r}: {found}",
        )


class ReadingTests(SpreadsheetTestCase):
    def test_it_reads_a_good_list_below_its_title_row(self) -> None:
        preview = self.preview(self.good_rows)
        self.assertTrue(preview.ok, preview.all_errors())
        self.assertEqual([r.row for r in preview.rows], [3, 4, 5])
        self.assertEqual(preview.rows[0].lead, self.lead_dept)
        self.assertEqual(preview.rows[0].co, [self.co_dept])

    def test_it_lists_a_deputy_it_does_not_know_as_new(self) -> None:
        preview = self.preview(self.good_rows)
        self.assertEqual(preview.new_deputies, ["李新"])
        self.assertTrue(preview.rows[2].lead_deputy_is_new)
        self.assertEqual(preview.rows[0].co_signer_labels(), [("王芳", False), ("李新", True)])

    def test_it_turns_an_excel_number_cell_and_full_width_digits_into_the_number(self) -> None:
        preview = self.preview([row(20240493.0), row("２０２４０４９４")])
        self.assertEqual([r.number for r in preview.rows], ["20240493", "20240494"])
        self.assertTrue(preview.ok, preview.all_errors())

    def test_it_accepts_header_variants_with_spaces_line_breaks_and_full_width_brackets(self) -> None:
        header = ["建议号", "案 由", "提出代表", "联名代表", "承办单位\n（主办）", "协办单位"]
        cells = {
            "建议号": "20240493",
            "案 由": "关于坪西路改造的建议",
            "提出代表": "陈寿",
            "联名代表": "",
            "承办单位\n（主办）": "龙岗区发展和改革局",
            "协办单位": "",
        }
        preview = self.preview([cells], header=header, title=None)
        self.assertTrue(preview.ok, preview.all_errors())
        self.assertEqual(preview.rows[0].title, "关于坪西路改造的建议")

    def test_it_matches_a_department_by_short_name_with_full_width_brackets_and_spaces(self) -> None:
        Department.objects.create(name="深圳市规划和自然资源局龙岗管理局(龙岗区)", short_name="规自龙岗")
        preview = self.preview([row(lead="深圳市规划和自然资源局龙岗管理局（龙岗区）")])
        self.assertTrue(preview.ok, preview.all_errors())
        preview = self.preview([row(lead="规自龙岗")])
        self.assertEqual(preview.rows[0].lead.short_name, "规自龙岗")

    def test_it_reads_a_category_as_parent_and_child_or_as_a_unique_child(self) -> None:
        for text in ("城建环资/交通", "城建环资-交通", "城建环资 › 交通", "交通"):
            with self.subTest(text=text):
                preview = self.preview([row(category=text)])
                self.assertEqual(preview.rows[0].category, self.transport)

    def test_it_numbers_rows_as_excel_does_when_the_sheet_starts_with_blank_rows_and_columns(self) -> None:
        book = openpyxl.Workbook()
        sheet = book.active
        for column, (header, value) in enumerate(row().items(), start=2):
            sheet.cell(row=4, column=column, value=header)
            sheet.cell(row=6, column=column, value=value)
        buffer = io.BytesIO()
        book.save(buffer)
        preview = read_sheet(buffer.getvalue(), session=self.session)
        self.assertEqual([(r.row, r.number) for r in preview.rows], [(6, "20240493")])

    def test_it_skips_empty_rows(self) -> None:
        preview = self.preview([self.good_rows[0], {}, self.good_rows[1]])
        self.assertEqual([r.row for r in preview.rows], [3, 5])


class FileErrorTests(SpreadsheetTestCase):
    def file_error(self, data: bytes) -> str:
        preview = read_sheet(data, session=self.session)
        self.assertEqual(len(preview.errors), 1)
        self.assertFalse(preview.rows)
        return preview.errors[0].message

    def test_it_names_the_missing_columns_and_the_headers_it_found(self) -> None:
        header = ["序号", "建议编号", "领衔代表", "会办单位"]
        message = self.file_error(workbook([row()], header=header))
        self.assertIn("Required columns are missing", message)
        self.assertIn("标题", message)
        self.assertIn("主办单位", message)
        self.assertIn("Headers found: 序号、建议编号、领衔代表、会办单位", message)

    def test_it_says_a_sheet_without_a_header_row_lacks_every_column(self) -> None:
        message = self.file_error(workbook([row()], header=["甲", "乙"], title=None))
        self.assertIn("建议编号", message)

    def test_it_refuses_a_csv_file(self) -> None:
        data = "建议编号,标题\n20240493,关于坪西路改造的建议\n".encode()
        self.assertIn("not an Excel .xlsx file", self.file_error(data))

    def test_it_explains_an_old_xls_file(self) -> None:
        data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
        self.assertIn("(.xls)", self.file_error(data))

    def test_it_refuses_a_truncated_xlsx(self) -> None:
        data = workbook([row()])
        self.assertIn("damaged", self.file_error(data[: len(data) // 2]))

    def test_it_refuses_a_zip_that_is_not_a_workbook(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
        self.assertIn("is not an Excel workbook", self.file_error(buffer.getvalue()))

    def test_it_says_a_list_with_only_a_header_has_no_suggestions(self) -> None:
        self.assertIn("no suggestions", self.file_error(workbook([])))


class RowErrorTests(SpreadsheetTestCase):
    def test_it_names_an_empty_required_cell(self) -> None:
        self.assert_error([row(), row("20240494", title="")], 4, "标题", "empty")

    def test_it_checks_the_number_against_the_congress_format(self) -> None:
        self.assert_error([row("2024-493")], 3, "建议编号", "8位数字")

    def test_it_marks_every_row_that_repeats_a_number(self) -> None:
        rows = [row("20240493"), row("20240494"), row("20240493")]
        self.assert_error(rows, 3, "建议编号", "rows 3、5 all have number 20240493")
        self.assert_error(rows, 5, "建议编号", "rows 3、5 all have number 20240493")

    def test_it_refuses_a_number_already_logged_in_the_session(self) -> None:
        self.make_proposal(number="20240494")
        self.assert_error(self.good_rows, 4, "建议编号", "already exists in this session")

    def test_it_refuses_a_number_logged_in_another_session_of_a_congress_with_unique_numbers(self) -> None:
        other = Session.objects.create(
            congress=self.congress, name="第七届第四次会议", term=7, meeting=4, year=2023
        )
        self.make_proposal(number="20240493", session=other)
        self.assert_error(self.good_rows, 3, "建议编号", "already exists in 第七届第四次会议")

    def test_it_refuses_an_unknown_department_without_creating_it(self) -> None:
        self.assert_error(
            [row(co="龙岗区不存在局")], 3, "会办单位", "no department is called “龙岗区不存在局”"
        )
        self.assertFalse(Department.objects.filter(name="龙岗区不存在局").exists())

    def test_it_refuses_an_inactive_department(self) -> None:
        Department.objects.filter(pk=self.co_dept.pk).update(is_active=False)
        self.assert_error([row()], 3, "会办单位", "no longer active")

    def test_it_refuses_an_inactive_deputy_without_creating_another(self) -> None:
        Deputy.objects.filter(pk=self.other_deputy.pk).update(is_active=False)
        self.assert_error([row()], 3, "附议代表", "王芳 is no longer active")
        self.assertEqual(Deputy.objects.filter(name="王芳").count(), 1)

    def test_it_refuses_a_lead_unit_that_also_co_handles(self) -> None:
        self.assert_error(
            [row(co="龙岗区发展和改革局、龙岗区住房和建设局")], 3, "会办单位", "is the lead unit"
        )

    def test_it_refuses_a_lead_unit_together_with_separate_units(self) -> None:
        header = [*HEADER, "分办单位"]
        preview = self.preview([row(separate="坪山区教育局")], header=header)
        self.assertIn("分办单位", [e.column for e in preview.all_errors()])

    def test_it_refuses_a_row_without_any_unit(self) -> None:
        self.assert_error([row(lead="", co="")], 3, "主办单位", "empty")

    def test_it_refuses_an_unknown_category(self) -> None:
        self.assert_error([row(category="城建环资/航天")], 3, "类别", "no category")

    def test_it_refuses_a_child_category_name_used_under_two_parents(self) -> None:
        other_parent = Category.objects.create(congress=self.congress, name="社会建设")
        Category.objects.create(congress=self.congress, parent=other_parent, name="交通")
        self.assert_error([row(category="交通")], 3, "类别", "write it as parent/category")

    def test_it_requires_a_supervising_leader_for_a_key_suggestion(self) -> None:
        self.assert_error([row(is_key="是")], 3, "督办领导", "needs a supervising leader")

    def test_it_refuses_a_key_flag_that_is_neither_yes_nor_no(self) -> None:
        self.assert_error([row(is_key="可能")], 3, "是否重点", "neither 是 nor 否")

    def test_it_refuses_the_lead_deputy_as_a_co_signer(self) -> None:
        self.assert_error([row(co_signers="陈寿、王芳")], 3, "附议代表", "cannot also be a co-signer")

    def test_it_refuses_a_new_deputy_named_as_lead_and_co_signer(self) -> None:
        self.assert_error(
            [row(lead_deputy="李新", co_signers="王芳、李新")], 3, "附议代表", "李新 is the lead deputy"
        )

    def test_it_refuses_arabic_indic_digits_naming_the_first_one(self) -> None:
        self.assert_error([row("٢٠٢٤٠٤٩٣")], 3, "建议编号", "“٢” (U+0662) is not an ASCII digit or letter")

    def test_it_refuses_the_full_width_form_of_a_logged_number(self) -> None:
        self.make_proposal(number="20240493")
        self.assert_error(
            [row("２０２４０４９３")], 3, "建议编号", "No. 20240493 already exists in this session"
        )

    def test_it_sees_a_number_written_in_full_width_and_ascii_as_repeated(self) -> None:
        rows = [row("20240493"), row("２０２４０４９３")]
        self.assert_error(rows, 4, "建议编号", "rows 3、4 all have number 20240493")

    def test_it_refuses_two_lead_deputies_in_one_cell(self) -> None:
        self.assert_error(
            [row(lead_deputy="陈寿、王芳", co_signers="")], 3, "领衔代表", "one lead deputy only"
        )

    def test_it_uses_the_header_as_written_in_the_file(self) -> None:
        header = ["建议编号", "案由", "代表", "承办单位（主办）"]
        cells = {"建议编号": "20240493", "案由": "", "代表": "陈寿", "承办单位（主办）": "龙岗区发展和改革局"}
        preview = self.preview([cells], header=header)
        self.assertEqual([(e.row, e.column) for e in preview.all_errors()], [(3, "案由")])


class ApplyTests(SpreadsheetTestCase):
    def staged(self, rows: list[dict[str, Any]] | None = None) -> SpreadsheetImport:
        return stage(workbook(self.good_rows if rows is None else rows), session=self.session, by=self.staff)

    def test_it_logs_and_assigns_every_row(self) -> None:
        upload = self.staged()
        self.assertEqual(upload.apply(by=self.staff), 3)
        proposal = Proposal.objects.get(number="20240493")
        self.assertEqual(proposal.status, Proposal.Status.ASSIGNED)
        self.assertEqual(
            sorted(proposal.assignments.values_list("department__name", "role")),
            [("龙岗区住房和建设局", "co"), ("龙岗区发展和改革局", "lead")],
        )
        self.assertEqual(proposal.assignments.get(role="lead").assigned_on, date(2024, 7, 15))
        self.assertEqual(proposal.received_on, date(2024, 6, 1))

    def test_it_records_the_events_of_logging_and_assigning(self) -> None:
        self.staged().apply(by=self.staff)
        kinds = list(
            ProposalEvent.objects.filter(proposal__number="20240493").values_list("kind", "actor__username")
        )
        self.assertEqual(
            sorted(kinds),
            sorted([("logged", "staff"), ("assigned", "staff"), ("assigned", "staff"), ("status", "staff")]),
        )

    def test_it_creates_a_new_deputy_once_and_links_it(self) -> None:
        self.staged().apply(by=self.staff)
        new = Deputy.objects.get(name="李新")
        self.assertEqual(new.congress, self.congress)
        self.assertEqual(Proposal.objects.get(number="20240495").lead_deputy, new)
        self.assertIn(new, Proposal.objects.get(number="20240493").co_signers.all())

    def test_it_marks_the_import_applied(self) -> None:
        upload = self.staged()
        upload.apply(by=self.staff)
        upload.refresh_from_db()
        self.assertEqual(upload.status, SpreadsheetImport.Status.APPLIED)
        self.assertEqual((upload.created_count, upload.row_count, upload.applied_by), (3, 3, self.staff))

    def test_it_assigns_separate_units(self) -> None:
        header = [*HEADER, "分办单位"]
        rows = [row(lead="", co="", separate="龙岗区发展和改革局、坪山区教育局")]
        upload = stage(workbook(rows, header=header), session=self.session, by=self.staff)
        upload.apply(by=self.staff)
        roles = Assignment.objects.values_list("department__name", "role")
        self.assertEqual(sorted(roles), [("坪山区教育局", "separate"), ("龙岗区发展和改革局", "separate")])

    def test_it_logs_a_key_suggestion_with_its_leader(self) -> None:
        self.staged([row(is_key="是", leader="副市长（演示）")]).apply(by=self.staff)
        proposal = Proposal.objects.get()
        self.assertEqual((proposal.is_key, proposal.supervising_leader), (True, "副市长（演示）"))

    def test_it_writes_nothing_when_a_row_has_errors(self) -> None:
        upload = self.staged([*self.good_rows, row("20240496", co="龙岗区不存在局")])
        before = counts()
        with self.assertRaises(SheetRejected) as raised:
            upload.apply(by=self.staff)
        self.assertEqual(counts(), before)
        self.assertEqual([(e.row, e.column) for e in raised.exception.errors], [(6, "会办单位")])
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.PREVIEWED)

    def test_it_checks_again_at_confirmation_what_changed_since_the_preview(self) -> None:
        upload = self.staged()
        self.assertTrue(upload.read().ok)
        self.make_proposal(number="20240494")
        before = counts()
        with self.assertRaises(SheetRejected):
            upload.apply(by=self.staff)
        self.assertEqual(counts(), before)

    def test_it_rolls_back_every_row_when_one_fails_midway(self) -> None:
        upload = self.staged()
        before = counts()
        original = Proposal.assign
        calls = []

        def assign(proposal: Proposal, **kwargs: Any) -> Any:
            calls.append(proposal.number)
            if len(calls) == 2:
                raise InvalidTransition("a department is on strike")
            return original(proposal, **kwargs)

        with mock.patch.object(Proposal, "assign", assign), self.assertRaises(SheetRejected) as raised:
            upload.apply(by=self.staff)
        self.assertEqual(counts(), before)
        self.assertEqual(raised.exception.errors[0].row, 4)
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.PREVIEWED)

    def test_it_refuses_to_apply_the_same_import_twice(self) -> None:
        upload = self.staged()
        upload.apply(by=self.staff)
        before = counts()
        with self.assertRaises(InvalidTransition):
            SpreadsheetImport.objects.get(pk=upload.pk).apply(by=self.staff)
        self.assertEqual(counts(), before)

    def test_it_shows_every_row_of_a_list_imported_again_as_already_existing(self) -> None:
        data = workbook(self.good_rows)
        stage(data, session=self.session, by=self.staff).apply(by=self.staff)
        preview = stage(data, session=self.session, by=self.staff).read()
        self.assertEqual(len(preview.error_rows), 3)
        self.assertTrue(all("already exists in this session" in r.errors[0].message for r in preview.rows))

    def test_it_refuses_an_apply_by_a_department_user(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.staged().apply(by=self.clerk)
        self.assertFalse(Proposal.objects.exists())

    def test_it_keeps_a_discarded_import_and_will_not_apply_it(self) -> None:
        upload = self.staged()
        upload.discard(by=self.staff)
        self.assertEqual(SpreadsheetImport.objects.get().status, SpreadsheetImport.Status.DISCARDED)
        with self.assertRaises(InvalidTransition):
            upload.apply(by=self.staff)
        self.assertFalse(Proposal.objects.exists())

    @time_machine.travel(date(2024, 7, 20), tick=False)
    def test_it_refuses_to_stage_a_list_assigned_after_today(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            SpreadsheetImport.stage(
                workbook(self.good_rows),
                name="交办清单.xlsx",
                session=self.session,
                received_on=date(2024, 6, 1),
                assigned_on=date(2024, 7, 21),
                by=self.staff,
            )
        self.assertEqual(
            raised.exception.message_dict,
            {"assigned_on": ["Assigned on cannot be later than today (2024-07-20)."]},
        )
        self.assertFalse(SpreadsheetImport.objects.exists())

    def test_it_keeps_the_uploaded_file_and_its_digest(self) -> None:
        data = workbook(self.good_rows)
        upload = stage(data, session=self.session, by=self.staff)
        with upload.file.open("rb") as handle:
            self.assertEqual(handle.read(), data)
        self.assertTrue(upload.file.name.startswith("imports/"))
        self.assertEqual(len(upload.sha256), 64)


class WorkflowTests(SpreadsheetTestCase):
    """What staff may do with an upload, in each state (the import page's buttons)."""

    def staged(self) -> SpreadsheetImport:
        return stage(workbook(self.good_rows), session=self.session, by=self.staff)

    def test_staff_may_confirm_apply_or_discard_a_preview(self) -> None:
        self.assertEqual(self.staged().actions(self.staff), {"confirm", "apply", "discard"})

    def test_department_users_and_deputies_may_do_nothing(self) -> None:
        upload = self.staged()
        for user in (self.clerk, self.leader, self.deputy_user, self.nobody):
            self.assertEqual(upload.actions(user), frozenset(), user)

    def test_an_imported_list_offers_nothing(self) -> None:
        upload = self.staged()
        upload.apply(by=self.staff)
        self.assertEqual(upload.actions(self.staff), frozenset())

    def test_a_second_confirmation_is_refused_and_queues_nothing_more(self) -> None:
        upload = self.staged()
        upload.confirm(by=self.staff)
        with self.assertRaisesMessage(InvalidTransition, "This list is already being imported."):
            SpreadsheetImport.objects.get(pk=upload.pk).confirm(by=self.staff)
        self.assertEqual(OutboxMessage.objects.count(), 1)

    def test_a_confirmation_that_lost_the_race_is_a_conflict(self) -> None:
        upload = self.staged()
        stale = SpreadsheetImport.objects.get(pk=upload.pk)
        upload.confirm(by=self.staff)
        with mock.patch.object(SpreadsheetImport, "refresh_from_db"), self.assertRaises(Conflict):
            stale.confirm(by=self.staff)
        self.assertEqual(OutboxMessage.objects.count(), 1)
