from __future__ import annotations

from django.urls import reverse

from responses.models import Feedback
from tests.api.base import ApiTestCase
from tests.base import full_width

LIST = reverse("api:reply-list")


def detail(pk: int) -> str:
    return reverse("api:reply-detail", args=[pk])


class ReplyVisibilityTests(ApiTestCase):
    def expected(self) -> dict[str | None, set[int]]:
        r1, r2, r3, r5 = (r.pk for r in (self.r1, self.r2, self.r3, self.r5))
        return {
            "staff": {r1, r2, r3, r5},
            # Its own unit's letters in every state; never other_dept's draft r5.
            "clerk": {r1, r2, r3},
            "leader": {r1, r2, r3},
            # The lead unit's sent letter to p1, which it co-handles; not the lead's draft r3.
            "co_clerk": {r1},
            "outsider": {r5},
            # Sent letters of their suggestions, published or not.
            "deputy": {r1, r2},
            # p3's and p5's letters are drafts.
            "other_deputy": set(),
            "nobody": set(),
            # Sent and published (主动公开) only.
            None: {r1},
        }

    def test_it_lists_exactly_the_replies_each_role_may_see(self) -> None:
        for role, expected in self.expected().items():
            with self.subTest(role=role):
                self.assertEqual(self.ids(LIST, role), expected)

    def test_it_answers_404_for_a_reply_the_role_may_not_see(self) -> None:
        everything = self.expected()["staff"]
        for role, visible in self.expected().items():
            for pk in everything:
                with self.subTest(role=role, pk=pk):
                    self.assertEqual(self.get(detail(pk), role).status_code, 200 if pk in visible else 404)

    def test_it_refuses_a_bad_token_with_401_even_for_published_replies(self) -> None:
        response = self.client.get(detail(self.r1.pk), headers={"Authorization": "Token nope"})
        self.assertEqual(response.status_code, 401)


class ReplyFieldTests(ApiTestCase):
    def test_it_shows_anonymous_readers_the_letter_as_the_public_site_does(self) -> None:
        data = self.get(detail(self.r1.pk)).json()
        self.assertEqual(data["grade"], "B")
        # Was "杨郁波": the public reads what staff published, without the contact person
        # (国办发〔2014〕46号), as on the public site.
        self.assertEqual((data["contact_name"], data["contact_phone"]), ("", ""))
        self.assertEqual(data["body"], self.r1.publication.text)
        self.assertEqual(data["copy_to"], ["市人大常委会选联工委", "市政府督查室"])
        self.assertEqual([c["description"] for c in data["commitments"]], ["完成坪西路改造可研报告审批"])
        for field in ("status", "feedback", "department_grade", "publicity_reason", "submitted_at"):
            self.assertNotIn(field, data)

    def test_it_shows_the_deputy_the_ratings_and_why_a_letter_is_not_published(self) -> None:
        Feedback.objects.create(reply=self.r2, deputy=self.deputy, rating="satisfied")
        data = self.get(detail(self.r2.pk), "deputy").json()
        self.assertEqual(data["publicity_reason"], "规划尚未批复")
        self.assertEqual([(f["deputy"], f["rating"]) for f in data["feedback"]], [("陈寿", "satisfied")])
        self.assertNotIn("status", data)

    def test_it_shows_the_department_the_state_of_its_draft(self) -> None:
        data = self.get(detail(self.r3.pk), "clerk").json()
        self.assertEqual((data["status"], data["sent_on"]), ("draft", None))


class ReplyFilterTests(ApiTestCase):
    def test_it_filters_by_status(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", status="draft"), {self.r3.pk, self.r5.pk})

    def test_it_filters_by_grade_and_department(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", grade="A"), {self.r5.pk})
        self.assertEqual(
            self.ids(LIST, "staff", department=self.lead_dept.pk), {self.r1.pk, self.r2.pk, self.r3.pk}
        )

    def test_it_filters_by_publication_within_what_the_role_sees(self) -> None:
        self.assertEqual(self.ids(LIST, "deputy", publicity="not_public"), {self.r2.pk})

    def test_it_searches_by_number_or_title(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", q=self.p2.number), {self.r2.pk})
        self.assertEqual(self.ids(LIST, "staff", q="坪西路"), {self.r1.pk})

    def test_it_searches_by_a_number_typed_in_full_width(self) -> None:
        self.assertEqual(self.ids(LIST, "staff", q=full_width(self.p2.number)), {self.r2.pk})

    def test_it_filters_by_year_and_session(self) -> None:
        self.assertEqual(self.ids(LIST, None, year=2024, session=self.session.pk), {self.r1.pk})
        self.assertEqual(self.ids(LIST, None, year=2023), set())

    def test_it_lists_in_a_bounded_number_of_queries(self) -> None:
        # Token and user, its first use recorded (last_used_at), the user's groups, count, page,
        # commitments, feedback.
        with self.assertNumQueries(7):
            self.assertEqual(self.get(LIST, "staff").status_code, 200)
