"""Staff's commitments board: every promise, overdue first, and the per-department summary."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from responses.models import Commitment
from tests.base import TrackerTestCase


class CommitmentBoardTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        cls.late = cls.make_sent(cls.make_assigned(with_co=False), grade="B").commitments.get()
        Commitment.objects.filter(pk=cls.late.pk).update(
            description="逾期的承诺", due_on=today - timedelta(days=5)
        )
        cls.later = cls.make_sent(cls.make_assigned(with_co=False), grade="B").commitments.get()
        Commitment.objects.filter(pk=cls.later.pk).update(
            description="未到期的承诺", due_on=today + timedelta(days=30)
        )
        cls.kept = cls.make_sent(cls.make_assigned(with_co=False), grade="B").commitments.get()
        Commitment.objects.filter(pk=cls.kept.pk).update(
            description="按时落实的承诺",
            status="fulfilled",
            due_on=date(2025, 6, 30),
            fulfilled_on=date(2025, 6, 1),
        )

    def get(self, **params: str) -> object:
        self.client.force_login(self.staff)
        return self.client.get(reverse("responses:commitments"), params)

    def test_it_lists_overdue_promises_first(self) -> None:
        rows = [c.description for c in self.get().context["page_obj"]]
        self.assertEqual(rows[0], "逾期的承诺")

    def test_it_filters_overdue_only(self) -> None:
        rows = [c.description for c in self.get(overdue="on").context["page_obj"]]
        self.assertEqual(rows, ["逾期的承诺"])

    def test_it_sums_up_each_department(self) -> None:
        (row,) = self.get().context["summary"]
        self.assertEqual(
            (row["department__name"], row["open"], row["overdue"], row["on_time"], row["late"]),
            ("龙岗区发展和改革局", 2, 1, 1, 0),
        )

    def test_it_runs_a_fixed_number_of_queries(self) -> None:
        self.client.force_login(self.staff)
        self.client.get(reverse("responses:commitments"))
        for _ in range(3):
            self.make_sent(self.make_assigned(with_co=False), grade="B")
        # (The staff member's second-factor device is one of them.)
        with self.assertNumQueries(10):
            self.client.get(reverse("responses:commitments"))

    def test_departments_get_their_own_list_not_the_board(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("responses:commitments"))
        self.assertTemplateUsed(response, "responses/commitment_list.html")
