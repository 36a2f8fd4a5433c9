"""The statistics endpoint on the known data of tests/api/base.py.

Responsible assignments: p1, p2, p3 to lead_dept (p1 and p2 replied today, long after
their 2024-10-15 deadline; p3 drafting, overdue) and p5 to other_dept (drafting,
overdue). Sent replies r1 and r2 are both B with one open commitment due 2025-06-30.
"""

from __future__ import annotations

from django.urls import reverse

from tests.api.base import ApiTestCase

URL = reverse("api:statistics")


class StatisticsTests(ApiTestCase):
    def test_it_gives_staff_the_figures_of_every_department(self) -> None:
        figures = self.get(URL, "staff").json()["figures"]
        counts = [figures[k] for k in ("received", "assigned", "replied", "on_time", "late", "open_overdue")]
        self.assertEqual(counts, [5, 4, 2, 0, 2, 2])
        self.assertEqual(figures["grades"], {"A": 0, "B": 2, "C": 0, "D": 0})
        self.assertEqual((figures["commitments_open"], figures["commitments_overdue"]), (2, 2))
        self.assertEqual(figures["reply_rate"], 0.5)

    def test_it_ranks_the_departments_for_staff(self) -> None:
        data = self.get(URL, "staff").json()
        # Both answered nothing on time; lead_dept replied 2 of 3, other_dept 0 of 1.
        ranking = [(row["department"]["name"], row["rank"], row["assigned"]) for row in data["departments"]]
        self.assertEqual(ranking, [("龙岗区发展和改革局", 1, 3), ("坪山区教育局", 2, 1)])
        self.assertEqual((data["rank"], data["ranked_count"]), (None, 2))

    def test_it_gives_staff_one_departments_figures_and_rank(self) -> None:
        data = self.get(URL, "staff", department=self.other_dept.pk).json()
        self.assertEqual((data["figures"]["assigned"], data["figures"]["replied"]), (1, 0))
        self.assertEqual(data["rank"], 2)

    def test_it_gives_a_department_only_its_own_figures_and_rank(self) -> None:
        data = self.get(URL, "clerk").json()
        self.assertEqual((data["figures"]["received"], data["figures"]["replied"]), (3, 2))
        self.assertEqual((data["rank"], data["ranked_count"]), (1, 2))
        self.assertEqual([row["department"]["id"] for row in data["departments"]], [self.lead_dept.pk])

    def test_it_ignores_another_department_asked_for_by_a_department(self) -> None:
        data = self.get(URL, "outsider", department=self.lead_dept.pk).json()
        self.assertEqual(data["scope"]["department"]["id"], self.other_dept.pk)
        self.assertEqual((data["figures"]["assigned"], data["rank"]), (1, 2))

    def test_it_scopes_by_year_and_session(self) -> None:
        self.assertEqual(self.get(URL, "staff", session=self.session.pk).json()["figures"]["received"], 5)
        empty = self.get(URL, "staff", year=2023).json()
        self.assertEqual((empty["figures"]["received"], empty["figures"]["reply_rate"]), (0, None))

    def test_it_counts_the_trend_by_month(self) -> None:
        trend = self.get(URL, "staff").json()["trend"]
        self.assertEqual(trend[0], {"month": "2024-07-01", "assigned": 4, "replied": 0, "on_time": 0})
        self.assertEqual(sum(point["replied"] for point in trend), 2)

    def test_it_refuses_deputies_and_users_without_a_role_with_403(self) -> None:
        for who in ("deputy", "other_deputy", "nobody"):
            with self.subTest(who=who):
                self.assertEqual(self.get(URL, who).status_code, 403)

    def test_it_refuses_anonymous_requests_and_bad_tokens_with_401(self) -> None:
        self.assertEqual(self.get(URL).status_code, 401)
        self.assertEqual(self.client.get(URL, headers={"Authorization": "Token nope"}).status_code, 401)

    def test_it_rejects_a_malformed_scope_with_400(self) -> None:
        self.assertEqual(self.get(URL, "staff", year="last").status_code, 400)
        self.assertEqual(self.get(URL, "staff", session=999999).status_code, 400)

    def test_it_computes_in_a_bounded_number_of_queries(self) -> None:
        # Token and user, its first use recorded (last_used_at), groups, statistics.summary
        # (figures and table: 6), the trend (2).
        with self.assertNumQueries(11):
            self.assertEqual(self.get(URL, "staff").status_code, 200)
