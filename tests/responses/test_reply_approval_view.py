"""responses:reply_submit, reply_approve and reply_return; and the whole journey through the views."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from proposals.models import Assignment, Proposal, ProposalEvent
from responses.models import Reply
from tests.base import TrackerTestCase


class JourneyTests(TrackerTestCase):
    def test_it_takes_a_reply_from_draft_to_sent(self) -> None:
        proposal = self.make_assigned()
        assignment = self.lead_assignment(proposal)
        assignment.accept(by=self.clerk)
        edit_url = reverse("responses:reply_edit", args=[assignment.pk])

        self.client.force_login(self.clerk)
        self.client.post(edit_url, self.reply_form_data(submit="1"))
        reply = Reply.objects.get()
        self.client.force_login(self.leader)
        self.client.post(reverse("responses:reply_return", args=[reply.pk]), {"comment": "请写明动工时间"})
        self.assertEqual(self.refreshed(reply).status, Reply.Status.RETURNED)

        self.client.force_login(self.clerk)
        self.client.post(edit_url, self.reply_form_data(body="坪西路改造将于2025年动工。", submit="1"))
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)
        self.client.force_login(self.leader)
        self.client.post(reverse("responses:reply_approve", args=[reply.pk]), {"sent_on": "2024-11-18"})

        reply.refresh_from_db()
        self.assertEqual(
            (reply.status, reply.sent_on, reply.body),
            ("sent", date(2024, 11, 18), "坪西路改造将于2025年动工。"),
        )
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.REPLIED)
        kinds = list(ProposalEvent.objects.filter(assignment=assignment).values_list("kind", flat=True))
        self.assertEqual(kinds[-5:], ["drafted", "submitted", "returned", "submitted", "sent"])


class ReplySubmitViewTests(TrackerTestCase):
    def url(self, reply: Reply) -> str:
        return reverse("responses:reply_submit", args=[reply.pk])

    def test_it_submits_for_the_clerk(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.clerk)
        self.assertRedirects(self.client.post(self.url(reply)), reply.get_absolute_url())
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)

    def test_it_submits_for_the_leader(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.leader)
        self.client.post(self.url(reply))
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)

    def test_it_reports_what_stops_the_submission(self) -> None:
        reply = self.make_draft(self.make_assigned(), grade="B")
        reply.commitments.all().delete()
        self.client.force_login(self.clerk)
        response = self.client.post(self.url(reply))
        self.assertEqual([m.level_tag for m in get_messages(response.wsgi_request)], ["error"])
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)

    def test_it_hides_the_draft_from_the_co_handling_clerk(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.co_clerk)
        self.assertEqual(self.client.post(self.url(reply)).status_code, 404)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)

    def test_it_forbids_staff(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.url(reply)).status_code, 403)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)

    def test_it_refuses_get(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(self.url(reply)).status_code, 405)


class ReplyApproveViewTests(TrackerTestCase):
    reply: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.reply = cls.make_draft(cls.make_assigned())
        cls.reply.submit(by=cls.clerk)

    def url(self) -> str:
        return reverse("responses:reply_approve", args=[self.reply.pk])

    def test_it_sends_the_reply_for_the_leader(self) -> None:
        self.client.force_login(self.leader)
        response = self.client.post(self.url(), {"sent_on": "2024-11-18"})
        self.assertRedirects(response, self.reply.get_absolute_url())
        self.assertEqual(self.refreshed(self.reply).status, Reply.Status.SENT)

    def test_it_dates_the_letter_today_when_no_date_is_given(self) -> None:
        self.client.force_login(self.leader)
        self.client.post(self.url(), {"sent_on": ""})
        self.assertEqual(self.refreshed(self.reply).sent_on, timezone.localdate())

    def test_it_refuses_a_date_in_the_future(self) -> None:
        self.client.force_login(self.leader)
        self.client.post(self.url(), {"sent_on": (timezone.localdate() + timedelta(days=1)).isoformat()})
        self.assertEqual(self.refreshed(self.reply).status, Reply.Status.SUBMITTED)

    def test_it_forbids_the_clerk(self) -> None:
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.post(self.url()).status_code, 403)
        self.assertEqual(self.refreshed(self.reply).status, Reply.Status.SUBMITTED)
        self.assertEqual(self.refreshed(self.reply.assignment).status, Assignment.Status.AWAITING_APPROVAL)

    def test_it_hides_the_reply_from_the_co_handling_leader(self) -> None:
        self.client.force_login(self.co_leader)
        self.assertEqual(self.client.post(self.url()).status_code, 404)
        self.assertEqual(self.refreshed(self.reply).status, Reply.Status.SUBMITTED)

    def test_it_forbids_staff(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.url()).status_code, 403)

    def test_it_reports_a_reply_already_sent(self) -> None:
        self.reply.approve(by=self.leader, sent_on=date(2024, 11, 18))
        self.client.force_login(self.leader)
        response = self.client.post(self.url(), {"sent_on": "2024-11-20"})
        self.assertRedirects(response, self.reply.get_absolute_url())
        self.assertEqual(self.refreshed(self.reply).sent_on, date(2024, 11, 18))

    def test_it_sends_anonymous_users_to_the_login_page(self) -> None:
        response = self.client.post(self.url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.url()}", fetch_redirect_response=False)


class ReplyReturnViewTests(TrackerTestCase):
    reply: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.reply = cls.make_draft(cls.make_assigned())
        cls.reply.submit(by=cls.clerk)

    def url(self) -> str:
        return reverse("responses:reply_return", args=[self.reply.pk])

    def test_it_returns_the_reply_with_the_comment(self) -> None:
        self.client.force_login(self.leader)
        self.client.post(self.url(), {"comment": "请补充坪西路动工时间"})
        reply = self.refreshed(self.reply)
        self.assertEqual(
            (reply.status, reply.return_comment), (Reply.Status.RETURNED, "请补充坪西路动工时间")
        )

    def test_it_refuses_without_comment(self) -> None:
        self.client.force_login(self.leader)
        response = self.client.post(self.url(), {"comment": ""})
        self.assertEqual([m.level_tag for m in get_messages(response.wsgi_request)], ["error"])
        self.assertEqual(self.refreshed(self.reply).status, Reply.Status.SUBMITTED)

    def test_it_forbids_the_clerk(self) -> None:
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.post(self.url(), {"comment": "x"}).status_code, 403)
        self.assertEqual(self.refreshed(self.reply).status, Reply.Status.SUBMITTED)

    def test_it_hides_the_reply_from_an_outsider(self) -> None:
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.url(), {"comment": "x"}).status_code, 404)
