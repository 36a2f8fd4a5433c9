"""Excel downloads of commitments: the staff board with its statistics sheet, and a
department's own list (?format=xlsx)."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from typing import Any

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from responses.models import Commitment, ProgressReport
from tests.base import TrackerTestCase
from tracker.models import User

URL = reverse("responses:commitments")
DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]


class CommitmentExportTestCase(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        cls.late = cls.make_sent(cls.make_assigned(with_co=False), grade="B").commitments.get()
        Commitment.objects.filter(pk=cls.late.pk).update(
            description="逾期的承诺", due_on=today - timedelta(days=5)
        )
        cls.kept = cls.make_sent(cls.make_assigned(with_co=False), grade="B").commitments.get()
        Commitment.objects.filter(pk=cls.kept.pk).update(
            description="按时落实的承诺",
            status="fulfilled",
            due_on=date(2025, 6, 30),
            fulfilled_on=date(2025, 6, 1),
        )
        ProgressReport.objects.create(
            commitment=cls.kept, reported_on=date(2025, 3, 1), summary="完成初稿", created_by=cls.clerk
        )
        ProgressReport.objects.create(
            commitment=cls.kept, reported_on=date(2025, 5, 20), summary="完成审批", created_by=cls.clerk
        )
        # A promise of the lead unit's reply that another unit has to keep.
        cls.elsewhere = cls.make_sent(cls.make_assigned(with_co=False), grade="B").commitments.get()
        Commitment.objects.filter(pk=cls.elsewhere.pk).update(
            description="坪山区教育局的承诺", department=cls.other_dept, due_on=today + timedelta(days=40)
        )

    def export(self, user: User, **params: Any) -> Any:
        self.client.force_login(user)
        return self.client.get(URL, {"format": "xlsx", **params})

    def book(self, response: Any) -> Any:
        self.assertEqual(response.status_code, 200)
        return load_workbook(BytesIO(response.content))

    def promises(self, response: Any) -> list[str]:
        sheet = self.book(response).worksheets[0]
        return [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]


class BoardExportTests(CommitmentExportTestCase):
    def test_it_gives_staff_every_promise_overdue_first(self) -> None:
        self.assertEqual(
            self.promises(self.export(self.staff)), ["逾期的承诺", "按时落实的承诺", "坪山区教育局的承诺"]
        )

    def test_it_follows_the_filters(self) -> None:
        response = self.export(self.staff, department=str(self.other_dept.pk))
        self.assertEqual(self.promises(response), ["坪山区教育局的承诺"])
        response = self.export(self.staff, status="fulfilled")
        self.assertEqual(self.promises(response), ["按时落实的承诺"])

    def test_it_adds_the_statistics_by_department_as_a_second_sheet(self) -> None:
        sheet = self.book(self.export(self.staff)).worksheets[1]
        rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(rows["龙岗区发展和改革局"], (1, 1, 1, 0, 0, 50))
        self.assertEqual(rows["坪山区教育局"][:2], (1, 0))

    def test_its_statistics_follow_the_filters_too(self) -> None:
        sheet = self.book(self.export(self.staff, department=str(self.other_dept.pk))).worksheets[1]
        self.assertEqual([row[0] for row in sheet.iter_rows(min_row=2, values_only=True)], ["坪山区教育局"])

    def test_it_has_chinese_headers_and_sheet_names(self) -> None:
        with override_settings(LANGUAGE_CODE="zh-hans"):
            book = self.book(self.export(self.staff))
        header = [cell.value for cell in book.worksheets[0][1]]
        self.assertEqual(header[0], "编号")
        self.assertIn("承诺内容", header)
        self.assertIn("责任单位", header)
        self.assertEqual(book.worksheets[0].title, "承诺事项")
        self.assertEqual([cell.value for cell in book.worksheets[1][1]][:3], ["承办单位", "待落实", "已逾期"])

    def test_it_writes_due_latest_report_and_kept_dates_as_dates(self) -> None:
        sheet = self.book(self.export(self.staff, status="fulfilled")).worksheets[0]
        due, report, kept = sheet["E2"], sheet["G2"], sheet["H2"]
        self.assertEqual(
            (due.value.date(), report.value.date(), kept.value.date()),
            (date(2025, 6, 30), date(2025, 5, 20), date(2025, 6, 1)),
        )
        self.assertEqual({due.number_format, report.number_format, kept.number_format}, {"yyyy-mm-dd"})

    def test_it_writes_formula_like_promises_as_inert_text(self) -> None:
        reply = self.late.reply
        for text in DANGEROUS:
            Commitment.objects.create(
                reply=reply, description=text, due_on=date(2030, 1, 1), department=self.lead_dept
            )
        exported = set(self.promises(self.export(self.staff)))
        self.assertLessEqual({"'" + text for text in DANGEROUS}, exported)
        self.assertFalse(exported & set(DANGEROUS))

    def test_it_refuses_an_invalid_filter_naming_it(self) -> None:
        response = self.export(self.staff, due_from="yesterday")
        self.assertContains(response, "Due from", status_code=400)

    def test_its_query_count_does_not_grow_with_rows(self) -> None:
        self.client.force_login(self.staff)
        with CaptureQueriesContext(connection) as few:
            self.client.get(URL, {"format": "xlsx"})
        for _ in range(3):
            self.make_sent(self.make_assigned(with_co=False), grade="B")
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(URL, {"format": "xlsx"})


class DepartmentListExportTests(CommitmentExportTestCase):
    def test_it_gives_a_clerk_the_departments_open_promises(self) -> None:
        self.assertEqual(self.promises(self.export(self.clerk)), ["逾期的承诺"])

    def test_it_keeps_the_pages_show_all_switch(self) -> None:
        # In the page's order: by due date.
        self.assertEqual(self.promises(self.export(self.leader, all="1")), ["按时落实的承诺", "逾期的承诺"])

    def test_it_gives_another_unit_only_the_promises_it_must_keep(self) -> None:
        self.assertEqual(self.promises(self.export(self.outsider)), ["坪山区教育局的承诺"])

    def test_it_has_no_statistics_sheet(self) -> None:
        self.assertEqual(len(self.book(self.export(self.clerk)).worksheets), 1)

    def test_it_refuses_a_deputy(self) -> None:
        self.assertEqual(self.export(self.deputy_user).status_code, 403)

    def test_it_refuses_a_user_without_role(self) -> None:
        self.assertEqual(self.export(self.nobody).status_code, 403)

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.get(URL, {"format": "xlsx"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_its_query_count_does_not_grow_with_rows(self) -> None:
        self.client.force_login(self.clerk)
        with CaptureQueriesContext(connection) as few:
            self.client.get(URL, {"format": "xlsx"})
        for _ in range(3):
            self.make_sent(self.make_assigned(with_co=False), grade="B")
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(URL, {"format": "xlsx"})
        self.assertEqual(len(self.promises(response)), 4)


class ExportLinkTests(CommitmentExportTestCase):
    def test_the_board_links_to_the_export_with_its_filters(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"status": "open", "page": "1"})
        self.assertContains(response, 'href="?status=open&amp;format=xlsx"')

    def test_the_department_list_links_to_its_export(self) -> None:
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(URL, {"all": "1"}), 'href="?all=1&amp;format=xlsx"')

    def test_a_deputy_sees_no_export_link(self) -> None:
        self.client.force_login(self.deputy_user)
        self.assertNotContains(self.client.get(URL), "format=xlsx")
