"""Excel downloads of the suggestion list and of a department's queue (?format=xlsx)."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any
from urllib.parse import quote

import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from proposals.models import Proposal
from tests.base import TrackerTestCase
from tracker.models import User

LIST_URL = reverse("proposals:list")
QUEUE_URL = reverse("proposals:queue")
DANGEROUS_TITLES = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]


class ExportTestCase(TrackerTestCase):
    def export(self, url: str, user: User, **params: Any) -> Any:
        self.client.force_login(user)
        return self.client.get(url, {"format": "xlsx", **params})

    def sheet(self, response: Any, index: int = 0) -> Any:
        self.assertEqual(response.status_code, 200)
        return load_workbook(BytesIO(response.content)).worksheets[index]

    def rows(self, response: Any) -> list[tuple[Any, ...]]:
        return list(self.sheet(response).iter_rows(min_row=2, values_only=True))

    def numbers(self, response: Any) -> list[str]:
        return [row[0] for row in self.rows(response)]


class SuggestionExportPermissionTests(ExportTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.mine = cls.make_assigned()
        cls.theirs = cls.make_proposal(lead_deputy=cls.other_deputy)
        cls.theirs.assign(by=cls.staff, lead=cls.other_dept, assigned_on=date(2024, 7, 15))
        cls.unassigned = cls.make_proposal()

    def test_it_gives_staff_every_suggestion(self) -> None:
        numbers = self.numbers(self.export(LIST_URL, self.staff))
        self.assertCountEqual(numbers, [self.mine.number, self.theirs.number, self.unassigned.number])

    def test_it_gives_a_clerk_only_the_departments_suggestions(self) -> None:
        self.assertEqual(self.numbers(self.export(LIST_URL, self.clerk)), [self.mine.number])

    def test_it_gives_a_leader_only_the_departments_suggestions(self) -> None:
        self.assertEqual(self.numbers(self.export(LIST_URL, self.leader)), [self.mine.number])

    def test_it_gives_a_co_handler_the_suggestions_it_co_handles(self) -> None:
        self.assertEqual(self.numbers(self.export(LIST_URL, self.co_clerk)), [self.mine.number])

    def test_it_gives_another_units_clerk_only_its_own(self) -> None:
        self.assertEqual(self.numbers(self.export(LIST_URL, self.outsider)), [self.theirs.number])

    def test_it_refuses_a_deputy(self) -> None:
        self.assertEqual(self.export(LIST_URL, self.deputy_user).status_code, 403)

    def test_it_refuses_a_user_without_role(self) -> None:
        self.assertEqual(self.export(LIST_URL, self.nobody).status_code, 403)

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.get(LIST_URL, {"format": "xlsx"})
        self.assertRedirects(
            response, f"{reverse('login')}?next={LIST_URL}%3Fformat%3Dxlsx", fetch_redirect_response=False
        )


class SuggestionExportContentTests(ExportTestCase):
    def test_it_has_chinese_headers_and_a_chinese_filename(self) -> None:
        self.make_assigned()
        with override_settings(LANGUAGE_CODE="zh-hans"), time_machine.travel(date(2026, 11, 24), tick=False):
            response = self.export(LIST_URL, self.staff)
        header = [cell.value for cell in self.sheet(response)[1]]
        self.assertEqual(header[:5], ["编号", "标题", "会议", "类别", "领衔代表"])
        self.assertIn("收到日期", header)
        with translation.override("zh-hans"):
            filename = quote(f"{translation.gettext('Suggestion list')}-2026-11-24.xlsx")
        self.assertIn(f"filename*=UTF-8''{filename}", response["Content-Disposition"])

    def test_it_has_english_headers_for_english_users(self) -> None:
        self.make_assigned()
        header = [cell.value for cell in self.sheet(self.export(LIST_URL, self.staff))[1]]
        self.assertEqual(header[:3], ["Number", "Title", "Session"])

    def test_it_writes_dates_as_date_cells(self) -> None:
        self.make_assigned(with_co=False, received_on=date(2024, 6, 3))
        sheet = self.sheet(self.export(LIST_URL, self.staff))
        received = sheet["K2"]
        self.assertEqual(received.value.date(), date(2024, 6, 3))
        self.assertEqual(received.number_format, "yyyy-mm-dd")
        self.assertEqual(sheet["L2"].value.date(), date(2024, 10, 15))

    def test_it_writes_formula_like_titles_as_inert_text(self) -> None:
        for title in DANGEROUS_TITLES:
            self.make_proposal(title=title)
        titles = {row[1] for row in self.rows(self.export(LIST_URL, self.staff))}
        self.assertEqual(titles, {"'" + title for title in DANGEROUS_TITLES})

    def test_it_exports_every_page_of_rows_not_only_the_current_one(self) -> None:
        for _ in range(27):
            self.make_proposal()
        self.assertEqual(len(self.rows(self.export(LIST_URL, self.staff, page="2", per_page="10"))), 27)

    def test_it_follows_the_filters(self) -> None:
        assigned = self.make_assigned()
        self.make_proposal()
        elsewhere = self.make_proposal()
        elsewhere.assign(by=self.staff, lead=self.other_dept, assigned_on=date(2024, 7, 15))
        response = self.export(LIST_URL, self.staff, status="assigned", department=str(self.lead_dept.pk))
        self.assertEqual(self.numbers(response), [assigned.number])

    def test_it_keeps_the_lists_order(self) -> None:
        unassigned = self.make_proposal()
        later = self.make_assigned(with_co=False, assigned_on=date(2024, 8, 1))
        sooner = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 1))
        numbers = self.numbers(self.export(LIST_URL, self.staff))
        self.assertEqual(numbers, [sooner.number, later.number, unassigned.number])

    def test_it_names_co_signers_departments_by_role_and_the_grade(self) -> None:
        proposal = self.make_assigned(
            co_signers=[self.other_deputy], is_key=True, supervising_leader="王副主任"
        )
        reply = self.make_draft(proposal, grade="A")
        # A key suggestion's draft goes to the lead deputy first (the congress's default).
        reply.consult(by=self.clerk).answer(by=self.deputy_user, comment="", consent="yes")
        reply.submit(by=self.clerk)
        reply.approve(by=self.leader)
        (row,) = self.rows(self.export(LIST_URL, self.staff))
        self.assertEqual(row[4:8], ("陈寿", "王芳", "龙岗区发展和改革局", "龙岗区住房和建设局"))
        self.assertEqual((row[9], row[14]), ("Yes", "A"))

    def test_it_gives_days_left_as_a_number_and_flags_overdue(self) -> None:
        self.make_assigned(with_co=False)  # reply due 2024-10-15
        with time_machine.travel(date(2024, 10, 20), tick=False):
            (row,) = self.rows(self.export(LIST_URL, self.staff))
        self.assertEqual((row[12], row[13]), (-5, "Yes"))

    def test_it_refuses_an_invalid_filter_naming_it(self) -> None:
        response = self.export(LIST_URL, self.staff, due_within="soon")
        self.assertContains(response, "Due within (days)", status_code=400)

    def test_its_query_count_does_not_grow_with_rows(self) -> None:
        self.make_sent(self.make_assigned(co_signers=[self.other_deputy]))
        self.client.force_login(self.staff)
        with CaptureQueriesContext(connection) as few:
            self.client.get(LIST_URL, {"format": "xlsx"})
        for _ in range(5):
            self.make_sent(self.make_assigned(co_signers=[self.other_deputy, self.deputy]))
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(LIST_URL, {"format": "xlsx"})


class QueueExportTests(ExportTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.mine = cls.make_assigned()  # lead: 龙岗区发展和改革局, co: 龙岗区住房和建设局
        cls.theirs = cls.make_proposal()
        cls.theirs.assign(by=cls.staff, lead=cls.other_dept, assigned_on=date(2024, 7, 15))
        cls.replied = cls.make_assigned(with_co=False)
        cls.make_sent(cls.replied)

    def test_it_gives_a_clerk_the_departments_open_assignments(self) -> None:
        self.assertEqual(self.numbers(self.export(QUEUE_URL, self.clerk)), [self.mine.number])

    def test_it_gives_a_leader_the_departments_open_assignments(self) -> None:
        self.assertEqual(self.numbers(self.export(QUEUE_URL, self.leader)), [self.mine.number])

    def test_it_gives_a_co_handler_its_own_row_and_role(self) -> None:
        (row,) = self.rows(self.export(QUEUE_URL, self.co_clerk))
        self.assertEqual(
            (row[0], row[2], row[3]), (self.mine.number, "龙岗区住房和建设局", "co-handling (会办)")
        )

    def test_it_gives_another_units_clerk_only_its_own(self) -> None:
        self.assertEqual(self.numbers(self.export(QUEUE_URL, self.outsider)), [self.theirs.number])

    def test_it_refuses_staff_as_the_page_does(self) -> None:
        self.assertEqual(self.export(QUEUE_URL, self.staff).status_code, 403)

    def test_it_refuses_a_deputy(self) -> None:
        self.assertEqual(self.export(QUEUE_URL, self.deputy_user).status_code, 403)

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.get(QUEUE_URL, {"format": "xlsx"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_has_chinese_headers_and_dates(self) -> None:
        with override_settings(LANGUAGE_CODE="zh-hans"):
            sheet = self.sheet(self.export(QUEUE_URL, self.clerk))
        header = [cell.value for cell in sheet[1]]
        self.assertEqual(header[:5], ["编号", "标题", "承办单位", "承办方式", "状态"])
        self.assertEqual(
            (sheet["G2"].value.date(), sheet["G2"].number_format), (date(2024, 7, 15), "yyyy-mm-dd")
        )

    def test_it_counts_extensions_and_shows_the_new_deadline(self) -> None:
        assignment = self.lead_assignment(self.mine)
        assignment.extend(by=self.staff, new_due_on=date(2024, 12, 1), reason="涉及多个部门")
        (row,) = self.rows(self.export(QUEUE_URL, self.clerk))
        self.assertEqual((row[7].date(), row[10]), (date(2024, 12, 1), 1))

    def test_it_writes_formula_like_titles_as_inert_text(self) -> None:
        Proposal.objects.filter(pk=self.mine.pk).update(title="@SUM(A1)")
        (row,) = self.rows(self.export(QUEUE_URL, self.clerk))
        self.assertEqual(row[1], "'@SUM(A1)")

    def test_its_query_count_does_not_grow_with_rows(self) -> None:
        self.client.force_login(self.clerk)
        with CaptureQueriesContext(connection) as few:
            self.client.get(QUEUE_URL, {"format": "xlsx"})
        for _ in range(4):
            self.make_assigned()
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(QUEUE_URL, {"format": "xlsx"})
        self.assertEqual(len(self.rows(response)), 5)


class ExportLinkTests(ExportTestCase):
    def test_the_list_links_to_the_export_with_its_filters_but_not_its_page(self) -> None:
        self.make_assigned()
        self.client.force_login(self.staff)
        response = self.client.get(LIST_URL, {"status": "assigned", "page": "1"})
        self.assertContains(response, 'href="?status=assigned&amp;format=xlsx"')

    def test_a_deputy_sees_no_export_link(self) -> None:
        self.make_proposal()
        self.client.force_login(self.deputy_user)
        self.assertNotContains(self.client.get(LIST_URL), "format=xlsx")

    def test_the_queue_links_to_its_export(self) -> None:
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(QUEUE_URL), 'href="?format=xlsx"')
