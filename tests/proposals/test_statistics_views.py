"""The statistics dashboard (/statistics/) and the public page (/public/statistics/):
who sees what, the links behind the figures, the Excel export and the query count.
The data set is the hand-counted one of test_statistics.py."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from proposals.models import Proposal
from tests.base import TrackerTestCase
from tests.proposals.test_statistics import NOON_TODAY, StatisticsData

URL = reverse("stats:dashboard")
PUBLIC_URL = reverse("public:statistics")
SUMMARY, DEPARTMENTS = 0, 1


def listed(client: Any, url: str) -> int:
    """How many suggestions the list behind a link shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page_obj"].paginator.count


@time_machine.travel(NOON_TODAY, tick=False)
class DashboardAccessTests(StatisticsData):
    def test_it_sends_anonymous_users_to_log_in(self) -> None:
        response = self.client.get(URL)
        self.assertRedirects(response, f"{reverse('login')}?next={URL}", fetch_redirect_response=False)

    def test_it_refuses_deputies_and_users_without_a_role(self) -> None:
        for user in (self.deputy_user, self.nobody):
            self.client.force_login(user)
            self.assertEqual(self.client.get(URL).status_code, 403, user)

    def test_staff_see_every_department_ranked(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        self.assertEqual(
            [row.department for row in response.context["table"]], [self.lead_dept, self.co_dept]
        )
        self.assertEqual(response.context["fig"].assigned, 5)

    def test_staff_may_look_at_one_department(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024, "department": self.co_dept.pk})
        self.assertEqual((response.context["fig"].assigned, response.context["fig"].rehandled), (2, 1))

    def test_a_clerk_sees_only_the_own_departments_figures_and_rank(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(URL, {"year": 2024})
        fig = response.context["fig"]
        self.assertEqual((fig.assigned, fig.replied, fig.on_time, fig.rehandled), (3, 2, 1, 0))
        self.assertEqual([row.department for row in response.context["table"]], [self.lead_dept])
        self.assertNotContains(response, self.co_dept.name)

    def test_a_department_sees_its_rank_among_all(self) -> None:
        self.client.force_login(self.co_leader)
        response = self.client.get(URL, {"year": 2024})
        self.assertEqual((response.context["own"].rank, response.context["ranked_count"]), (2, 2))
        self.assertNotContains(response, self.lead_dept.name)

    def test_a_department_cannot_ask_for_another_department(self) -> None:
        self.client.force_login(self.leader)
        response = self.client.get(URL, {"year": 2024, "department": self.co_dept.pk})
        self.assertEqual(response.context["scope"].department, self.lead_dept)
        self.assertEqual(response.context["fig"].assigned, 3)

    def test_a_department_with_nothing_assigned_is_not_ranked(self) -> None:
        self.client.force_login(self.outsider)
        response = self.client.get(URL, {"year": 2024})
        self.assertIsNone(response.context["own"])
        self.assertEqual(response.context["fig"].assigned, 0)

    def test_the_navigation_links_it_for_staff_and_departments_only(self) -> None:
        link = f'href="{URL}"'
        for user, shown in ((self.staff, True), (self.clerk, True), (self.deputy_user, False)):
            self.client.force_login(user)
            page = self.client.get(reverse("public:reply_list"))
            self.assertEqual(link in page.content.decode(), shown, user)

    def test_a_first_visit_shows_the_latest_year(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(URL).context["scope"].year, 2024)

    def test_all_years_can_be_chosen(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(URL, {"year": ""}).context["fig"].received, 7)


@time_machine.travel(NOON_TODAY, tick=False)
class DashboardLinkTests(StatisticsData):
    """Following a figure's link lists exactly the suggestions it counts."""

    FIGURES = (
        "assigned",
        "replied",
        "on_time",
        "late",
        "open",
        "open_overdue",
        "open_not_due",
        "rehandled",
        "key_assigned",
        "key_replied",
        "key_open_overdue",
    )

    def assert_links_match(self, fig: Any, links: dict[str, str]) -> None:
        expected = {name: getattr(fig, name) for name in self.FIGURES}
        expected.update({f"grade_{g}": n for g, n in fig.grades.items()})
        expected.update({f"rating_{r}": n for r, n in fig.ratings.items()})
        found = {name: listed(self.client, links[name]) for name in expected}
        self.assertEqual(found, expected)

    def test_staff_links_list_the_counted_suggestions(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        self.assert_links_match(response.context["fig"], response.context["links"])
        self.assertEqual(listed(self.client, response.context["links"]["received"]), 6)

    def test_each_department_rows_links_list_its_suggestions(self) -> None:
        self.client.force_login(self.staff)
        for row in self.client.get(URL, {"year": 2024}).context["table"]:
            with self.subTest(department=row.department.name):
                self.assert_links_match(row, row.links)

    def test_a_clerks_links_list_the_own_suggestions(self) -> None:
        self.client.force_login(self.co_clerk)
        response = self.client.get(URL, {"year": 2024})
        self.assert_links_match(response.context["fig"], response.context["links"])

    def test_commitment_links_list_the_suggestions_with_such_promises(self) -> None:
        self.client.force_login(self.staff)
        links = self.client.get(URL, {"year": 2024}).context["links"]
        # P2 holds all three promises (two open, one of them overdue, one kept).
        for name in ("commitments_open", "commitments_overdue", "commitments_kept"):
            self.assertEqual(listed(self.client, links[name]), 1, name)
        self.assertContains(self.client.get(links["commitments_overdue"]), self.p2.number)

    def test_the_page_links_every_figure(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        for name in ("on_time", "late", "open_overdue", "grade_A", "rating_basically", "commitments_kept"):
            self.assertContains(response, f'href="{response.context["links"][name]}"'.replace("&", "&amp;"))


@time_machine.travel(NOON_TODAY, tick=False)
class DashboardExportTests(StatisticsData):
    def sheet(self, response: Any, index: int) -> list[tuple[Any, ...]]:
        """A sheet's rows by position (the sheet names are translated)."""
        book = load_workbook(BytesIO(response.content), read_only=True)
        return [tuple(row) for row in book.worksheets[index].iter_rows(values_only=True)]

    def test_it_downloads_the_figures_as_excel(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024, "format": "xlsx"})
        rows = self.sheet(response, DEPARTMENTS)
        self.assertEqual(
            [row[:5] for row in rows[1:]],
            [(1, self.lead_dept.name, 3, 2, 1), (2, self.co_dept.name, 2, 0, 0)],
        )
        # Received, assigned, replied, on time, late (the labels are translated; the order is fixed).
        self.assertEqual([row[1] for row in self.sheet(response, SUMMARY)[1:6]], [6, 5, 2, 1, 1])

    def test_a_departments_download_holds_only_its_own_row(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(URL, {"year": 2024, "format": "xlsx"})
        self.assertEqual([row[1] for row in self.sheet(response, DEPARTMENTS)[1:]], [self.lead_dept.name])

    def test_deputies_cannot_download(self) -> None:
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.get(URL, {"format": "xlsx"}).status_code, 403)


class DashboardQueryCountTests(TrackerTestCase):
    """The dashboard's query count does not grow with the number of suggestions."""

    QUERIES = 18  # with the staff member's second-factor device and the publication rate (2)

    def add(self, n: int) -> None:
        for i in range(n):
            proposal = self.make_assigned(with_co=i % 2 == 0)
            if i % 3 == 0:
                self.make_sent(proposal, grade="B")

    def count(self, user: Any) -> int:
        self.client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(URL, {"year": 2024}).status_code, 200)
        return len(queries)

    def test_it_runs_the_same_queries_for_3_and_30_suggestions(self) -> None:
        self.add(3)
        self.client.force_login(self.staff)
        with self.assertNumQueries(self.QUERIES):
            self.client.get(URL, {"year": 2024})
        self.add(27)
        self.assertEqual(Proposal.objects.count(), 30)
        with self.assertNumQueries(self.QUERIES):
            self.client.get(URL, {"year": 2024})

    def test_a_departments_page_is_bounded_too(self) -> None:
        self.add(3)
        few = self.count(self.clerk)
        self.add(27)
        self.assertEqual(self.count(self.clerk), few)


@time_machine.travel(NOON_TODAY, tick=False)
class PublicStatisticsTests(StatisticsData):
    def test_anyone_may_read_it(self) -> None:
        response = self.client.get(PUBLIC_URL, {"year": 2024})
        self.assertEqual(response.status_code, 200)
        rows = [
            (r.department, r.assigned, r.replied, r.on_time_percent, r.grade_counts)
            for r in response.context["table"]
        ]
        self.assertEqual(
            rows,
            [
                (self.lead_dept, 3, 2, 33.3, [1, 1, 0]),  # A, B, C: this congress grades on three classes
                (self.co_dept, 2, 0, 0.0, [0, 0, 0]),
            ],
        )

    def test_it_shows_no_names_no_reply_text_and_no_ratings(self) -> None:
        response = self.client.get(PUBLIC_URL, {"year": ""})
        for secret in (
            self.deputy.name,
            self.other_deputy.name,
            "坪西路改造",
            "杨郁波",
            "满意",
            "承诺",
            self.p1.number,
        ):
            self.assertNotContains(response, secret)

    def test_it_does_not_link_to_the_staff_list(self) -> None:
        response = self.client.get(PUBLIC_URL, {"year": 2024})
        self.assertNotContains(response, reverse("proposals:list") + "?")
        self.assertContains(response, f"{reverse('public:reply_list')}?department={self.lead_dept.pk}")
