from __future__ import annotations

from django.urls import reverse

from responses.models import Commitment
from tests.api.base import ApiTestCase

LIST = reverse("api:commitment-list")


def detail(pk: int) -> str:
    return reverse("api:commitment-detail", args=[pk])


class CommitmentVisibilityTests(ApiTestCase):
    def expected(self) -> dict[str | None, set[int]]:
        c1, c2, c3 = self.c1.pk, self.c2.pk, self.c3.pk
        return {
            "staff": {c1, c2, c3},
            "clerk": {c1, c2, c3},
            "leader": {c1, c2, c3},
            # Of the sent letter to p1 it co-handles; c3 belongs to the lead's draft.
            "co_clerk": {c1},
            "outsider": set(),
            "deputy": {c1, c2},
            "other_deputy": set(),
            "nobody": set(),
            # Of published letters only.
            None: {c1},
        }

    def test_it_lists_exactly_the_commitments_each_role_may_see(self) -> None:
        for role, expected in self.expected().items():
            with self.subTest(role=role):
                self.assertEqual(self.ids(LIST, role), expected)

    def test_it_answers_404_for_a_commitment_the_role_may_not_see(self) -> None:
        everything = self.expected()["staff"]
        for role, visible in self.expected().items():
            for pk in everything:
                with self.subTest(role=role, pk=pk):
                    self.assertEqual(self.get(detail(pk), role).status_code, 200 if pk in visible else 404)

    def test_it_shows_a_department_the_sent_promises_it_is_responsible_for(self) -> None:
        Commitment.objects.filter(pk=self.c2.pk).update(department=self.other_dept)
        self.assertEqual(self.ids(LIST, "outsider"), {self.c2.pk})

    def test_it_never_lists_a_commitment_removed_from_a_draft(self) -> None:
        Commitment.all_objects.filter(pk=self.c3.pk).update(status=Commitment.Status.REMOVED)
        self.assertEqual(self.get(detail(self.c3.pk), "clerk").status_code, 404)

    def test_it_refuses_a_bad_token_with_401(self) -> None:
        self.assertEqual(self.client.get(LIST, headers={"Authorization": "Token nope"}).status_code, 401)


class CommitmentFieldTests(ApiTestCase):
    def test_it_shows_anonymous_readers_only_the_public_sites_columns(self) -> None:
        data = self.get(detail(self.c1.pk)).json()
        self.assertEqual(
            (data["description"], data["due_on"], data["status"]),
            ("完成坪西路改造可研报告审批", "2025-06-30", "open"),
        )
        self.assertEqual(data["proposal"]["number"], self.p1.number)
        for field in ("fulfilled_on", "closed_reason", "report_due_on", "confirmed_at"):
            self.assertNotIn(field, data)

    def test_it_shows_the_deputy_why_a_promise_was_not_kept_but_not_internal_dates(self) -> None:
        Commitment.objects.filter(pk=self.c2.pk).update(status="not_fulfilled", closed_reason="用地未落实")
        data = self.get(detail(self.c2.pk), "deputy").json()
        self.assertEqual(data["closed_reason"], "用地未落实")
        self.assertNotIn("report_due_on", data)


class CommitmentFilterTests(ApiTestCase):
    def test_it_filters_by_status(self) -> None:
        Commitment.objects.filter(pk=self.c2.pk).update(status="fulfilled", fulfilled_on="2025-06-01")
        self.assertEqual(self.ids(LIST, "staff", status="open"), {self.c1.pk, self.c3.pk})

    def test_it_filters_overdue_promises(self) -> None:
        # Every promise is due 2025-06-30, which has passed.
        self.assertEqual(self.ids(LIST, "deputy", overdue="true"), {self.c1.pk, self.c2.pk})
        self.assertEqual(self.ids(LIST, "deputy", due_from="2025-07-01"), set())

    def test_it_filters_by_department(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", department=self.co_dept.pk), set())

    def test_it_lists_in_a_bounded_number_of_queries(self) -> None:
        # Token and user, its first use recorded (last_used_at), the user's groups, count, page.
        with self.assertNumQueries(5):
            self.assertEqual(self.get(LIST, "staff").status_code, 200)
