"""The annual review (回头看): B replies of a year, their promises, on-time rates, Excel."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from responses.models import Commitment
from tests.base import TrackerTestCase


class CommitmentReviewTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.reply = cls.make_sent(cls.make_assigned(with_co=False), grade="B")
        Commitment.objects.filter(reply=cls.reply).update(
            description="=HYPERLINK(1)", status="fulfilled", fulfilled_on=date(2025, 6, 1)
        )
        cls.other = cls.make_sent(cls.make_assigned(with_co=False), grade="B")
        cls.make_sent(cls.make_assigned(with_co=False), grade="A")

    def get(self, **params: str) -> object:
        self.client.force_login(self.staff)
        return self.client.get(reverse("responses:commitment_review"), {"year": "2024", **params})

    def test_it_lists_the_b_replies_of_the_year_with_their_promises(self) -> None:
        review = self.get().context["review"]
        self.assertEqual({r.pk for r in review.replies}, {self.reply.pk, self.other.pk})
        self.assertEqual([c.reply_id for c in review.still_open], [self.other.pk])

    def test_it_gives_each_departments_on_time_rate(self) -> None:
        (row,) = self.get().context["review"].summary
        self.assertEqual((row["on_time"], row["due"], row["rate"]), (1, 2, 50))

    def test_it_runs_a_fixed_number_of_queries(self) -> None:
        self.get()
        for _ in range(3):
            self.make_sent(self.make_assigned(with_co=False), grade="B")
        url = reverse("responses:commitment_review")
        # (The staff member's second-factor device is one of them.)
        with self.assertNumQueries(10):
            self.client.get(url, {"year": "2024"})

    def test_the_excel_has_chinese_sheets_real_dates_and_no_formulas(self) -> None:
        from django.test import override_settings

        with override_settings(LANGUAGE_CODE="zh-hans"):
            response = self.get(format="xlsx")
        book = load_workbook(BytesIO(b"".join([response.content])))
        promises = book.worksheets[0]
        self.assertEqual(promises["A1"].value, "编号")
        values = [cell.value for row in promises.iter_rows(min_row=2) for cell in row]
        self.assertIn("'=HYPERLINK(1)", values)
        self.assertTrue(any(hasattr(v, "year") for v in values))
        self.assertEqual(len(book.worksheets), 3)

    def test_it_is_for_staff_only(self) -> None:
        for user in (self.clerk, self.leader, self.deputy_user, self.nobody):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("responses:commitment_review")).status_code, 403)
