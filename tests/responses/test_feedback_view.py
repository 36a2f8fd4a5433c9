"""responses:feedback and responses:feedback_decide — deputies rate, staff decide on 不满意."""

from __future__ import annotations

from datetime import date

import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from proposals.models import Assignment, Proposal
from responses.models import Feedback, Reply
from tests.base import TrackerTestCase


class FeedbackGiveViewTests(TrackerTestCase):
    reply: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.reply = cls.make_sent(cls.make_assigned())

    def url(self) -> str:
        return reverse("responses:feedback", args=[self.reply.pk])

    def test_it_closes_the_suggestion_when_satisfied(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.post(self.url(), {"rating": "satisfied", "comment": ""})
        self.assertRedirects(response, self.reply.get_absolute_url())
        self.assertEqual(self.refreshed(self.reply.assignment.proposal).status, Proposal.Status.CLOSED)

    def test_it_records_the_rating_and_comment(self) -> None:
        self.client.force_login(self.deputy_user)
        self.client.post(self.url(), {"rating": "basically", "comment": "希望加快进度"})
        feedback = Feedback.objects.get()
        self.assertEqual(
            (feedback.deputy, feedback.rating, feedback.comment), (self.deputy, "basically", "希望加快进度")
        )

    def test_it_refuses_unsatisfied_without_comment(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.post(self.url(), {"rating": "unsatisfied", "comment": ""})
        self.assertEqual([m.level_tag for m in get_messages(response.wsgi_request)], ["error"])
        self.assertFalse(Feedback.objects.exists())

    def test_it_refuses_an_unknown_rating(self) -> None:
        self.client.force_login(self.deputy_user)
        self.client.post(self.url(), {"rating": "great"})
        self.assertFalse(Feedback.objects.exists())

    def test_it_reports_a_second_rating(self) -> None:
        self.reply.assignment.proposal.co_signers.add(self.other_deputy)
        Feedback.give(self.reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未解决")
        self.client.force_login(self.deputy_user)
        response = self.client.post(self.url(), {"rating": "satisfied"})
        self.assertEqual([m.level_tag for m in get_messages(response.wsgi_request)], ["error"])
        self.assertEqual(Feedback.objects.get().rating, "unsatisfied")

    def test_it_hides_the_reply_from_another_deputy(self) -> None:
        self.client.force_login(self.other_deputy_user)
        self.assertEqual(self.client.post(self.url(), {"rating": "satisfied"}).status_code, 404)
        self.assertFalse(Feedback.objects.exists())

    def test_it_forbids_staff(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.url(), {"rating": "satisfied"}).status_code, 403)

    def test_it_forbids_the_department(self) -> None:
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.post(self.url(), {"rating": "satisfied"}).status_code, 403)
        self.assertFalse(Feedback.objects.exists())

    def test_it_sends_anonymous_users_to_the_login_page(self) -> None:
        response = self.client.post(self.url(), {"rating": "satisfied"})
        self.assertRedirects(response, f"{reverse('login')}?next={self.url()}", fetch_redirect_response=False)


class FeedbackDecideViewTests(TrackerTestCase):
    reply: Reply
    feedback: Feedback

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(date(2024, 11, 18), tick=False):
            cls.reply = cls.make_sent(cls.make_assigned())
        cls.feedback = Feedback.give(
            cls.reply, by=cls.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="坪西路仍未动工"
        )

    def url(self) -> str:
        return reverse("responses:feedback_decide", args=[self.feedback.pk])

    @time_machine.travel(date(2024, 12, 2), tick=False)
    def test_it_sends_the_suggestion_back_for_rehandling(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(self.url(), {"decision": "rehandling", "reason": "答复未回应动工时间"})
        self.assertRedirects(response, self.reply.get_absolute_url(), fetch_redirect_response=False)
        assignment = self.refreshed(self.reply.assignment)
        self.assertEqual(self.refreshed(self.reply.assignment.proposal).status, Proposal.Status.REHANDLING)
        self.assertEqual(
            (assignment.status, assignment.round, assignment.due_on),
            (Assignment.Status.DRAFTING, 2, date(2025, 1, 2)),
        )

    def test_it_keeps_the_earlier_reply_visible_to_the_deputy(self) -> None:
        self.client.force_login(self.staff)
        self.client.post(self.url(), {"decision": "rehandling", "reason": "答复未回应动工时间"})
        self.client.force_login(self.deputy_user)
        response = self.client.get(self.reply.get_absolute_url())
        self.assertContains(response, self.reply.body)
        self.assertNotContains(response, reverse("responses:feedback", args=[self.reply.pk]))

    def test_it_lets_the_department_draft_the_second_round(self) -> None:
        self.feedback.accept_rehandling(by=self.staff, reason="同意重新办理")
        self.client.force_login(self.clerk)
        self.client.post(
            reverse("responses:reply_edit", args=[self.reply.assignment_id]), self.reply_form_data(submit="1")
        )
        self.assertEqual(
            list(Reply.objects.order_by("round").values_list("round", "status")),
            [(1, "sent"), (2, "submitted")],
        )

    def test_it_closes_the_suggestion_when_declined(self) -> None:
        self.client.force_login(self.staff)
        self.client.post(self.url(), {"decision": "declined", "reason": "已按规划答复，无需重新办理"})
        feedback = self.refreshed(self.feedback)
        self.assertEqual(
            (feedback.decision, feedback.decision_reason), ("declined", "已按规划答复，无需重新办理")
        )
        self.assertEqual(self.refreshed(self.reply.assignment.proposal).status, Proposal.Status.CLOSED)

    def test_it_refuses_without_reason(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(self.url(), {"decision": "declined", "reason": ""})
        self.assertEqual([m.level_tag for m in get_messages(response.wsgi_request)], ["error"])
        self.assertEqual(self.refreshed(self.feedback).decision, Feedback.Decision.PENDING)

    def test_it_reports_a_decision_already_made(self) -> None:
        self.feedback.decline_rehandling(by=self.staff, reason="无需重新办理")
        self.client.force_login(self.staff)
        response = self.client.post(self.url(), {"decision": "rehandling", "reason": "改为重新办理"})
        self.assertEqual([m.level_tag for m in get_messages(response.wsgi_request)], ["error"])
        self.assertEqual(self.refreshed(self.feedback).decision, Feedback.Decision.DECLINED)

    def test_it_forbids_the_departments_leader(self) -> None:
        self.client.force_login(self.leader)
        response = self.client.post(self.url(), {"decision": "declined", "reason": "x"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.refreshed(self.feedback).decision, Feedback.Decision.PENDING)

    def test_it_forbids_the_deputy(self) -> None:
        self.client.force_login(self.deputy_user)
        self.assertEqual(
            self.client.post(self.url(), {"decision": "declined", "reason": "x"}).status_code, 403
        )

    def test_it_hides_the_feedback_from_another_deputy(self) -> None:
        self.client.force_login(self.other_deputy_user)
        self.assertEqual(
            self.client.post(self.url(), {"decision": "declined", "reason": "x"}).status_code, 404
        )

    def test_it_hides_the_feedback_from_an_outsider(self) -> None:
        self.client.force_login(self.outsider)
        self.assertEqual(
            self.client.post(self.url(), {"decision": "declined", "reason": "x"}).status_code, 404
        )
