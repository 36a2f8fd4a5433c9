"""The pages of suggestions submitted online and the deputy's 待我处理 page, per role:
the lead deputy, an invited co-signer, another deputy, a clerk, staff, the anonymous
visitor, and a deputy who is also a clerk."""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.urls import reverse

from proposals.models import CoSignInvitation, Deputy, Exclusion, Proposal, Submission
from tests.base import TrackerTestCase, make_user
from tracker.models import Role, User


class SubmissionViewCase(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.third_user = make_user("third_deputy", Role.DEPUTY)
        cls.third = Deputy.objects.create(congress=cls.congress, name="李明", user=cls.third_user)
        cls.dual = make_user("dual", Role.DEPT_CLERK, Role.DEPUTY, department=cls.lead_dept)
        cls.dual_deputy = Deputy.objects.create(congress=cls.congress, name="周丽", user=cls.dual)
        Exclusion.objects.seed(cls.congress)
        cls.exclusion = Exclusion.objects.filter(congress=cls.congress).first()

    def setUp(self) -> None:
        super().setUp()
        self.submission = Submission.draft(
            by=self.deputy_user,
            session=self.session,
            title="关于坪山河碧道增设便民驿站的建议",
            body="坪山河碧道沿线缺少休息和饮水设施。",
            co_signers=[self.other_deputy],
        )

    def as_user(self, user: User | None) -> None:
        self.client.logout()
        if user is not None:
            self.client.force_login(user)

    def get(self, user: User | None, name: str, *args: Any) -> HttpResponse:
        self.as_user(user)
        return self.client.get(reverse(name, args=args))

    def post(self, user: User | None, name: str, data: dict[str, Any] | None = None) -> HttpResponse:
        self.as_user(user)
        return self.client.post(reverse(name, args=[self.submission.pk]), data or {})

    def messages(self, response: HttpResponse) -> list[str]:
        return [str(m) for m in get_messages(response.wsgi_request)]

    def invited(self) -> CoSignInvitation:
        self.submission.invite(by=self.deputy_user)
        return self.submission.invitations.get()

    def submit(self) -> None:
        self.invited().answer(by=self.other_deputy_user, confirm=True)
        self.submission.submit(by=self.deputy_user)


class DetailTests(SubmissionViewCase):
    def test_a_draft_opens_for_its_deputy_only(self) -> None:
        expected = {
            "lead": 200,
            "co-signer not yet invited": 404,
            "other deputy": 404,
            "clerk": 404,
            "staff": 404,
            "dual": 404,
        }
        users = [self.deputy_user, self.other_deputy_user, self.third_user, self.clerk, self.staff, self.dual]
        got = {
            label: self.get(user, "proposals:submission", self.submission.pk).status_code
            for label, user in zip(expected, users, strict=True)
        }
        self.assertEqual(got, expected)

    def test_anonymous_is_sent_to_sign_in(self) -> None:
        response = self.get(None, "proposals:submission", self.submission.pk)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_an_invited_co_signer_sees_confirm_and_decline(self) -> None:
        self.invited()
        response = self.get(self.other_deputy_user, "proposals:submission", self.submission.pk)
        self.assertContains(response, 'value="confirm"')
        self.assertContains(response, 'value="decline"')
        self.assertNotContains(response, reverse("proposals:submission_withdraw", args=[self.submission.pk]))

    def test_staff_see_it_once_submitted_with_accept_and_return_forms(self) -> None:
        self.submit()
        response = self.get(self.staff, "proposals:submission", self.submission.pk)
        self.assertContains(response, reverse("proposals:submission_accept", args=[self.submission.pk]))
        self.assertContains(response, self.exclusion.text)

    def test_an_unknown_id_is_a_404(self) -> None:
        self.assertEqual(self.get(self.deputy_user, "proposals:submission", 999999).status_code, 404)


class CreateAndEditTests(SubmissionViewCase):
    def test_a_deputy_drafts_a_suggestion_with_co_signers(self) -> None:
        self.as_user(self.deputy_user)
        response = self.client.post(
            reverse("proposals:submission_create"),
            {
                "session": self.session.pk,
                "title": "关于龙岗河截污管网改造的建议",
                "body": "建议实施雨污分流。",
                "co_signers": [self.other_deputy.pk, self.third.pk],
            },
        )
        created = Submission.objects.get(title="关于龙岗河截污管网改造的建议")
        self.assertRedirects(response, created.get_absolute_url())
        self.assertEqual(set(created.co_signers.all()), {self.other_deputy, self.third})

    def test_only_deputies_open_the_form(self) -> None:
        got = [
            self.get(user, "proposals:submission_create").status_code
            for user in (self.deputy_user, self.dual, self.clerk, self.staff, self.nobody)
        ]
        self.assertEqual(got, [200, 200, 403, 403, 403])

    def test_bad_input_is_a_form_error_not_a_500(self) -> None:
        self.as_user(self.deputy_user)
        for data in (
            {},
            {"session": "x", "title": "t", "body": "b"},
            {"session": self.session.pk, "title": "t", "body": "b", "co_signers": ["999999"]},
            {"session": self.session.pk, "title": "t", "body": "b", "co_signers": [self.deputy.pk]},
        ):
            with self.subTest(data=data):
                response = self.client.post(reverse("proposals:submission_create"), data)
                self.assertEqual(response.status_code, 200)
        self.assertEqual(Submission.objects.count(), 1)

    def test_the_lead_edits_the_draft_and_others_may_not(self) -> None:
        self.assertEqual(
            self.get(self.other_deputy_user, "proposals:submission_edit", self.submission.pk).status_code, 404
        )
        self.invited()
        self.assertEqual(
            self.get(self.other_deputy_user, "proposals:submission_edit", self.submission.pk).status_code, 403
        )
        response = self.get(self.deputy_user, "proposals:submission_edit", self.submission.pk)
        self.assertRedirects(response, self.submission.get_absolute_url())


class LeadActionTests(SubmissionViewCase):
    def test_the_lead_invites_then_submits_once_the_co_signer_confirmed(self) -> None:
        response = self.post(self.deputy_user, "proposals:submission_invite", {"state": "draft"})
        self.assertRedirects(response, self.submission.get_absolute_url())
        response = self.post(self.other_deputy_user, "proposals:submission_cosign", {"answer": "confirm"})
        self.assertIn("You have joined this suggestion as a co-signer.", self.messages(response))
        self.post(self.deputy_user, "proposals:submission_submit", {"state": "inviting"})
        self.assertEqual(self.refreshed(self.submission).status, Submission.Status.SUBMITTED)

    def test_submitting_before_the_answers_is_refused_with_a_message(self) -> None:
        self.invited()
        response = self.post(self.deputy_user, "proposals:submission_submit")
        self.assertTrue(any("not answered" in m for m in self.messages(response)))
        self.assertEqual(self.refreshed(self.submission).status, Submission.Status.INVITING)

    def test_others_may_not_take_the_leads_actions(self) -> None:
        self.invited()
        for name in ("proposals:submission_submit", "proposals:submission_withdraw"):
            with self.subTest(name=name):
                self.assertEqual(self.post(self.other_deputy_user, name).status_code, 403)
                self.assertEqual(self.post(self.third_user, name).status_code, 404)
                self.assertEqual(self.post(self.clerk, name).status_code, 404)
        self.assertEqual(self.refreshed(self.submission).status, Submission.Status.INVITING)

    def test_the_lead_withdraws(self) -> None:
        self.post(self.deputy_user, "proposals:submission_withdraw", {"reason": "重复"})
        self.assertEqual(self.refreshed(self.submission).status, Submission.Status.WITHDRAWN)

    def test_actions_are_post_only(self) -> None:
        self.as_user(self.deputy_user)
        response = self.client.get(reverse("proposals:submission_submit", args=[self.submission.pk]))
        self.assertEqual(response.status_code, 405)

    def test_a_page_left_open_is_told_to_reload(self) -> None:
        self.invited()
        response = self.post(self.deputy_user, "proposals:submission_invite", {"state": "draft"})
        self.assertTrue(any("reload" in m for m in self.messages(response)))


class CosignTests(SubmissionViewCase):
    def test_the_co_signer_declines(self) -> None:
        invitation = self.invited()
        self.post(self.other_deputy_user, "proposals:submission_cosign", {"answer": "decline"})
        self.assertEqual(self.refreshed(invitation).status, CoSignInvitation.Status.DECLINED)

    def test_the_lead_is_not_invited(self) -> None:
        self.invited()
        self.assertEqual(
            self.post(self.deputy_user, "proposals:submission_cosign", {"answer": "confirm"}).status_code, 403
        )

    def test_a_bad_answer_is_a_message(self) -> None:
        invitation = self.invited()
        response = self.post(self.other_deputy_user, "proposals:submission_cosign", {"answer": "maybe"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.refreshed(invitation).status, CoSignInvitation.Status.PENDING)


class StaffTests(SubmissionViewCase):
    def test_staff_accept_it_with_a_number(self) -> None:
        self.submit()
        response = self.post(
            self.staff, "proposals:submission_accept", {"number": "20240601", "state": "submitted"}
        )
        self.assertIn("Accepted as suggestion No. 20240601.", self.messages(response))
        proposal = Proposal.objects.get(number="20240601")
        self.assertEqual(list(proposal.co_signers.all()), [self.other_deputy])

    def test_a_bad_number_is_a_message_and_nothing_is_logged(self) -> None:
        self.submit()
        for number in ("", "abc", "2024０６０１x"):
            with self.subTest(number=number):
                response = self.post(self.staff, "proposals:submission_accept", {"number": number})
                self.assertEqual(response.status_code, 302)
        self.assertFalse(Proposal.objects.exists())

    def test_staff_return_it_and_the_deputy_reads_why(self) -> None:
        self.submit()
        self.post(
            self.staff,
            "proposals:submission_return",
            {"exclusion": self.exclusion.pk, "reason": "属个人诉求，已转信访部门。"},
        )
        response = self.get(self.deputy_user, "proposals:submission", self.submission.pk)
        self.assertContains(response, self.exclusion.text)
        self.assertContains(response, "属个人诉求，已转信访部门。")

    def test_return_needs_a_listed_reason(self) -> None:
        self.submit()
        for data in (
            {"reason": "x"},
            {"exclusion": "999999", "reason": "x"},
            {"exclusion": "a", "reason": "x"},
        ):
            with self.subTest(data=data):
                self.assertEqual(self.post(self.staff, "proposals:submission_return", data).status_code, 302)
        self.assertEqual(self.refreshed(self.submission).status, Submission.Status.SUBMITTED)

    def test_deputies_and_clerks_may_not_decide(self) -> None:
        self.submit()
        self.assertEqual(
            self.post(self.deputy_user, "proposals:submission_accept", {"number": "20240601"}).status_code,
            403,
        )
        self.assertEqual(
            self.post(self.clerk, "proposals:submission_accept", {"number": "20240601"}).status_code, 404
        )
        self.assertEqual(
            self.post(self.dual, "proposals:submission_return", {"reason": "x"}).status_code, 404
        )

    def test_staff_list_shows_what_waits_for_them(self) -> None:
        self.submit()
        response = self.get(self.staff, "proposals:submissions")
        self.assertEqual([s.pk for s in response.context["waiting"]], [self.submission.pk])

    def test_the_list_is_for_staff_and_deputies(self) -> None:
        got = [
            self.get(user, "proposals:submissions").status_code
            for user in (self.staff, self.deputy_user, self.dual, self.clerk, self.nobody)
        ]
        self.assertEqual(got, [200, 200, 200, 403, 403])


class TodoTests(SubmissionViewCase):
    def test_it_shows_the_invitations_drafts_replies_to_rate_and_promises(self) -> None:
        self.invited()
        reply = self.make_sent(self.make_assigned(), grade="B")
        response = self.get(self.other_deputy_user, "proposals:todo")
        self.assertContains(response, 'id="invitations"')
        todo = self.get(self.deputy_user, "proposals:todo").context["todo"]
        self.assertEqual([s.pk for s in todo.drafts], [self.submission.pk])
        self.assertEqual([r.pk for r in todo.replies_to_rate], [reply.pk])
        self.assertEqual([c.reply_id for c in todo.promises], [reply.pk] * len(todo.promises))
        self.assertTrue(todo.promises)

    def test_a_rated_reply_leaves_the_page(self) -> None:
        from responses.models import Feedback

        reply = self.make_sent(self.make_assigned())
        Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        todo = self.get(self.deputy_user, "proposals:todo").context["todo"]
        self.assertEqual(todo.replies_to_rate, [])

    def test_it_is_for_deputies_only(self) -> None:
        got = [
            self.get(user, "proposals:todo").status_code
            for user in (
                self.deputy_user,
                self.dual,
                self.other_deputy_user,
                self.clerk,
                self.staff,
                self.nobody,
            )
        ]
        self.assertEqual(got, [200, 200, 200, 403, 403, 403])

    def test_a_deputy_who_is_a_clerk_sees_only_their_own_as_a_deputy(self) -> None:
        self.make_sent(self.make_assigned())  # handled by the dual user's unit, not theirs as a deputy
        todo = self.get(self.dual, "proposals:todo").context["todo"]
        self.assertEqual((todo.replies_to_rate, todo.promises, todo.drafts), ([], [], []))

    def test_a_deputy_lands_on_it(self) -> None:
        self.assertRedirects(self.get(self.deputy_user, "home"), reverse("proposals:todo"))


class TodoQueryTests(SubmissionViewCase):
    def count_queries(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.as_user(self.other_deputy_user)
        self.client.get(reverse("proposals:todo"))
        with CaptureQueriesContext(connection) as queries:
            self.client.get(reverse("proposals:todo"))
        return len(queries)

    def test_invitations_drafts_and_promises_add_no_query_per_row(self) -> None:
        def more(n: int) -> None:
            for i in range(n):
                Submission.draft(
                    by=self.deputy_user,
                    session=self.session,
                    title=f"建议{i}",
                    body="正文",
                    co_signers=[self.other_deputy],
                ).invite(by=self.deputy_user)
                Submission.draft(
                    by=self.other_deputy_user, session=self.session, title=f"草稿{i}", body="正文"
                )

        more(1)
        one = self.count_queries()
        more(3)
        self.assertEqual(self.count_queries(), one)
