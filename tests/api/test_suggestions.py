from __future__ import annotations

from django.urls import reverse

from proposals.models import Assignment
from tests.api.base import ApiTestCase
from tests.base import full_width

LIST = reverse("api:suggestion-list")


def detail(pk: int) -> str:
    return reverse("api:suggestion-detail", args=[pk])


class SuggestionVisibilityTests(ApiTestCase):
    def expected(self) -> dict[str, set[int]]:
        p1, p2, p3, p4, p5 = (p.pk for p in (self.p1, self.p2, self.p3, self.p4, self.p5))
        return {
            "staff": {p1, p2, p3, p4, p5},
            "clerk": {p1, p2, p3},
            "leader": {p1, p2, p3},
            "co_clerk": {p1, p3},
            "outsider": {p5},
            "deputy": {p1, p2},
            "other_deputy": {p3, p4, p5},
            "nobody": set(),
        }

    def test_it_lists_exactly_the_suggestions_each_role_may_see(self) -> None:
        for role, expected in self.expected().items():
            with self.subTest(role=role):
                self.assertEqual(self.ids(LIST, role), expected)

    def test_it_answers_404_for_a_suggestion_the_role_may_not_see(self) -> None:
        everything = self.expected()["staff"]
        for role, visible in self.expected().items():
            for pk in everything:
                with self.subTest(role=role, pk=pk):
                    self.assertEqual(self.get(detail(pk), role).status_code, 200 if pk in visible else 404)

    def test_it_refuses_anonymous_requests_with_401(self) -> None:
        for url in (LIST, detail(self.p1.pk)):
            response = self.get(url)
            self.assertEqual(response.status_code, 401)
            self.assertEqual(response["WWW-Authenticate"], "Token")

    def test_it_refuses_a_bad_token_with_401(self) -> None:
        response = self.client.get(LIST, headers={"Authorization": "Token not-a-key"})
        self.assertEqual(response.status_code, 401)

    def test_it_refuses_the_token_of_a_deactivated_user(self) -> None:
        self.clerk.is_active = False
        self.clerk.save(update_fields=["is_active"])
        self.assertEqual(self.get(LIST, "clerk").status_code, 401)

    def test_it_accepts_a_signed_in_session(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.get(LIST)
        self.assertEqual({row["id"] for row in response.json()["results"]}, {self.p1.pk, self.p2.pk})


class SuggestionFieldTests(ApiTestCase):
    def test_it_shows_the_facts_and_assignments_of_a_suggestion(self) -> None:
        data = self.get(detail(self.p1.pk), "staff").json()
        self.assertEqual(data["number"], self.p1.number)
        self.assertEqual(data["lead_deputy"]["name"], "陈寿")
        self.assertEqual(data["session"]["year"], 2024)
        self.assertEqual(
            [(a["department"]["name"], a["role"]) for a in data["assignments"]],
            [("龙岗区发展和改革局", "lead"), ("龙岗区住房和建设局", "co")],
        )

    def test_it_shows_a_deputy_neither_internal_deadlines_nor_assignment_states(self) -> None:
        data = self.get(detail(self.p1.pk), "deputy").json()
        self.assertNotIn("next_due_on", data)
        self.assertNotIn("status", data["assignments"][0])
        self.assertIn("status", self.get(detail(self.p1.pk), "clerk").json()["assignments"][0])

    def test_it_lists_a_withdrawn_assignment_for_staff_but_not_for_the_deputy(self) -> None:
        Assignment.objects.filter(pk=self.assignment(self.p1, "co").pk).update(status="withdrawn")
        self.assertEqual(len(self.get(detail(self.p1.pk), "staff").json()["assignments"]), 2)
        self.assertEqual(len(self.get(detail(self.p1.pk), "deputy").json()["assignments"]), 1)

    def test_it_lists_in_a_bounded_number_of_queries(self) -> None:
        # Token and user, its first use recorded (last_used_at), the user's groups, count, page,
        # co-signers, assignments.
        with self.assertNumQueries(7):
            self.assertEqual(self.get(LIST, "staff").status_code, 200)


class SuggestionFilterTests(ApiTestCase):
    def test_it_filters_by_status(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", status="registered"), {self.p4.pk})

    def test_it_filters_by_department(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", department=self.other_dept.pk), {self.p5.pk})

    def test_it_filters_by_grade_of_a_sent_reply(self) -> None:
        # r3 is a B draft: not a grade yet.
        self.assertEqual(self.ids(LIST, "staff", grade="B"), {self.p1.pk, self.p2.pk})

    def test_it_filters_by_deputy(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", deputy=self.deputy.pk), {self.p1.pk, self.p2.pk})

    def test_it_filters_by_session_and_number_within_what_the_role_sees(self) -> None:
        self.assertEqual(self.ids(LIST, "co_clerk", session=self.session.pk), {self.p1.pk, self.p3.pk})
        self.assertEqual(self.ids(LIST, "co_clerk", q=self.p2.number), set())

    def test_it_finds_a_number_typed_in_full_width(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", q=full_width(self.p2.number)), {self.p2.pk})

    def test_it_filters_overdue_suggestions(self) -> None:
        # Assigned on 2024-07-15: every open deadline has passed. p2's only assignment is
        # replied; p4 is not assigned.
        self.assertEqual(self.ids(LIST, "staff", overdue="true"), {self.p1.pk, self.p3.pk, self.p5.pk})

    def test_it_rejects_an_unknown_department_with_400(self) -> None:
        self.assertEqual(self.get(LIST, "staff", department=999999).status_code, 400)
