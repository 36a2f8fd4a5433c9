from __future__ import annotations

from django.urls import reverse

from tests.api.base import ApiTestCase
from tests.base import full_width

LIST = reverse("api:assignment-list")


def detail(pk: int) -> str:
    return reverse("api:assignment-detail", args=[pk])


class AssignmentVisibilityTests(ApiTestCase):
    def expected(self) -> dict[str, set[int]]:
        p1_lead, p1_co = self.assignment(self.p1).pk, self.assignment(self.p1, "co").pk
        p2_lead = self.assignment(self.p2).pk
        p3_lead, p3_co = self.assignment(self.p3).pk, self.assignment(self.p3, "co").pk
        p5_lead = self.assignment(self.p5).pk
        return {
            "staff": {p1_lead, p1_co, p2_lead, p3_lead, p3_co, p5_lead},
            "clerk": {p1_lead, p2_lead, p3_lead},
            "leader": {p1_lead, p2_lead, p3_lead},
            "co_clerk": {p1_co, p3_co},
            "outsider": {p5_lead},
            "deputy": {p1_lead, p1_co, p2_lead},
            "other_deputy": {p3_lead, p3_co, p5_lead},
            "nobody": set(),
        }

    def test_it_lists_exactly_the_assignments_each_role_may_see(self) -> None:
        for role, expected in self.expected().items():
            with self.subTest(role=role):
                self.assertEqual(self.ids(LIST, role), expected)

    def test_it_answers_404_for_an_assignment_the_role_may_not_see(self) -> None:
        everything = self.expected()["staff"]
        for role, visible in self.expected().items():
            for pk in everything:
                with self.subTest(role=role, pk=pk):
                    self.assertEqual(self.get(detail(pk), role).status_code, 200 if pk in visible else 404)

    def test_it_refuses_anonymous_requests_and_bad_tokens_with_401(self) -> None:
        self.assertEqual(self.get(LIST).status_code, 401)
        self.assertEqual(self.get(detail(self.assignment(self.p1).pk)).status_code, 401)
        self.assertEqual(self.client.get(LIST, headers={"Authorization": "Token nope"}).status_code, 401)

    def test_it_hides_a_withdrawn_assignment_from_the_deputy(self) -> None:
        co = self.assignment(self.p1, "co")
        co.status = "withdrawn"
        co.save(update_fields=["status"])
        self.assertEqual(self.get(detail(co.pk), "deputy").status_code, 404)
        self.assertEqual(self.get(detail(co.pk), "staff").status_code, 200)


class AssignmentFieldTests(ApiTestCase):
    def test_it_shows_the_deadline_and_how_it_was_computed(self) -> None:
        data = self.get(detail(self.assignment(self.p1).pk), "clerk").json()
        self.assertEqual((data["assigned_on"], data["due_on"]), ("2024-07-15", "2024-10-15"))
        self.assertIn("2024-07-15", data["due_explanation"])
        self.assertEqual(data["status"], "replied")

    def test_it_shows_a_deputy_no_internal_state(self) -> None:
        data = self.get(detail(self.assignment(self.p1).pk), "deputy").json()
        for field in ("status", "respond_by", "change_reason", "replaced_by"):
            self.assertNotIn(field, data)


class AssignmentFilterTests(ApiTestCase):
    def test_it_filters_by_role(self) -> None:
        expected = {self.assignment(self.p1, "co").pk, self.assignment(self.p3, "co").pk}
        self.assertEqual(self.ids(LIST, "staff", role="co"), expected)

    def test_it_filters_by_department_and_status(self) -> None:
        self.assertEqual(
            self.ids(LIST, "staff", department=self.lead_dept.pk, status="drafting"),
            {self.assignment(self.p3).pk},
        )

    def test_it_filters_the_units_overdue_assignments(self) -> None:
        # The lead unit replied to p1 and p2; p3 is drafting, long past its deadline.
        self.assertEqual(self.ids(LIST, "clerk", overdue="true"), {self.assignment(self.p3).pk})
        self.assertEqual(
            self.ids(LIST, "clerk", overdue="false"),
            {self.assignment(self.p1).pk, self.assignment(self.p2).pk},
        )

    def test_it_filters_by_number(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", number=self.p5.number), {self.assignment(self.p5).pk})

    def test_it_filters_by_a_number_typed_in_full_width(self) -> None:
        number = full_width(self.p5.number)
        self.assertEqual(self.ids(LIST, "staff", number=number), {self.assignment(self.p5).pk})

    def test_it_lists_in_a_bounded_number_of_queries(self) -> None:
        # Token and user, its first use recorded (last_used_at), the user's groups, count, page.
        with self.assertNumQueries(5):
            self.assertEqual(self.get(LIST, "staff").status_code, 200)
