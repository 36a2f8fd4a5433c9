"""沟通率 and 面商率 in the statistics endpoint: the dashboard's figures (the fixture of
tests/proposals/test_contact_rates.py, counted by hand there), for those who may read them.

lead_dept 3 assigned, 2 contacted, 1 met; co_dept 2, 1, 1; other_dept 1, 1, 0; all 6, 4, 2.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.urls import reverse

from tests.proposals.test_contact_rates import ContactRateData
from tracker.models import User

URL = reverse("api:statistics")
FIELDS = ("assigned", "contacted", "met", "contact_rate", "meeting_rate")


def contact_figures(figures: Any) -> tuple[Any, ...]:
    """The communication figures of an API object (dict) or of a dashboard row (Figures)."""
    if isinstance(figures, dict):
        return tuple(figures[name] for name in FIELDS)
    return tuple(getattr(figures, name) for name in FIELDS)


class StatisticsContactRateTests(ContactRateData):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the API throttle counts requests in the cache

    def api(self, user: User | None, **params: Any) -> Any:
        if user is not None:
            self.client.force_login(user)
        return self.client.get(URL, {"year": 2024, **params})

    def dashboard(self, user: User) -> Any:
        self.client.force_login(user)
        return self.client.get(reverse("stats:dashboard"), {"year": 2024}).context

    def test_it_gives_staff_the_scopes_counts_and_rates(self) -> None:
        figures = self.api(self.staff).json()["figures"]
        self.assertEqual(contact_figures(figures)[:3], (6, 4, 2))
        self.assertAlmostEqual(figures["contact_rate"], 4 / 6)
        self.assertAlmostEqual(figures["meeting_rate"], 2 / 6)

    def test_it_gives_staff_each_units_figures_as_the_dashboard_shows_them(self) -> None:
        rows = {
            row["department"]["name"]: contact_figures(row)
            for row in self.api(self.staff).json()["departments"]
        }
        context = self.dashboard(self.staff)
        self.assertEqual(rows, {row.department.name: contact_figures(row) for row in context["table"]})
        self.assertEqual(rows[self.lead_dept.name], (3, 2, 1, 2 / 3, 1 / 3))
        self.assertEqual(
            contact_figures(self.api(self.staff).json()["figures"]), contact_figures(context["fig"])
        )

    def test_it_gives_a_units_clerk_and_leader_their_own_units_figures_only(self) -> None:
        for user in (self.clerk, self.leader):
            with self.subTest(user=user.username):
                data = self.api(user).json()
                self.assertEqual(
                    contact_figures(data["figures"]), contact_figures(self.dashboard(user)["fig"])
                )
                self.assertEqual(contact_figures(data["figures"])[:3], (3, 2, 1))
                self.assertEqual(
                    [row["department"]["id"] for row in data["departments"]], [self.lead_dept.pk]
                )

    def test_it_gives_a_unit_its_own_figures_whatever_department_it_asks_for(self) -> None:
        data = self.api(self.outsider, department=self.lead_dept.pk).json()
        self.assertEqual(contact_figures(data["figures"]), (1, 1, 0, 1.0, 0.0))

    def test_it_has_no_rate_with_nothing_assigned(self) -> None:
        figures = self.api(self.staff, year=2023).json()["figures"]
        self.assertEqual(contact_figures(figures), (0, 0, 0, None, None))

    def test_it_refuses_deputies_and_users_without_a_role(self) -> None:
        for user in (self.deputy_user, self.nobody):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).status_code, 403)
        self.client.logout()
        self.assertEqual(self.api(None).status_code, 401)
