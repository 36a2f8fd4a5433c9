"""Handover notices (issue 14): who is told of each step, exactly once, on which channels,
and nobody else."""

from __future__ import annotations

import unittest
from datetime import date, timedelta

import time_machine
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from proposals.models import Assignment, Department, ProposalEvent
from responses import notices
from responses.models import Commitment, Feedback, Notice, Reply
from responses.reminders.scan import run_scan
from tests.base import TrackerTestCase, TrackerTransactionTestCase, make_user
from tests.responses.reminder_helpers import at
from tests.workflow.test_races import post_at_once, server_errors
from tracker.models import Notification, Role

Kind = ProposalEvent.Kind
# A Tuesday, within working hours (the quiet hours are 9–18 on working days).
TODAY = date(2024, 7, 16)


def told(kind: str) -> set[tuple[str, str]]:
    """(username, channel) of every notice of events of ``kind``."""
    return set(Notice.objects.filter(event__kind=kind).values_list("recipient__username", "channel"))


def notice_mail() -> list[object]:
    """Emails that carry notices (the reminder scan sends its own)."""
    return [m for m in mail.outbox if "X-Tracker-Notices" in m.extra_headers]


def inbox(kind: str) -> set[str]:
    return {user for user, channel in told(kind) if channel == "inbox"}


class HandoverNoticeTests(TrackerTestCase):
    """One test per handover of the table: the people told, and nobody else."""

    def setUp(self) -> None:
        super().setUp()
        self.traveller = time_machine.travel(at(TODAY), tick=False)
        self.traveller.start()
        self.addCleanup(self.traveller.stop)

    def test_it_tells_each_assigned_units_clerks(self) -> None:
        self.make_assigned()
        self.assertEqual(inbox(Kind.ASSIGNED), {"clerk", "co_clerk"})

    def test_it_tells_the_leaders_of_a_unit_without_a_clerk(self) -> None:
        unit = Department.objects.create(name="坪山区水务局")
        make_user("water_leader", Role.DEPT_LEADER, department=unit)
        proposal = self.make_proposal()
        proposal.assign(by=self.staff, lead=unit, co=[], assigned_on=TODAY)
        self.assertEqual(inbox(Kind.ASSIGNED), {"water_leader"})

    def test_it_tells_staff_of_a_change_request_and_the_unit_of_its_refusal(self) -> None:
        assignment = self.lead_assignment(self.make_assigned(with_co=False))
        assignment.request_change(by=self.clerk, reason="不属于本单位职责")
        self.assertEqual(inbox(Kind.CHANGE_REQUESTED), {"staff"})
        assignment.decide_change(by=self.staff, approve=False, reason="属于本单位职责")
        self.assertEqual(inbox(Kind.CHANGE_REFUSED), {"clerk"})

    def test_it_tells_a_withdrawn_unit_and_the_unit_taking_over(self) -> None:
        assignment = self.lead_assignment(self.make_assigned(with_co=False))
        assignment.request_change(by=self.clerk, reason="不属于本单位职责")
        Notice.objects.all().delete()
        assignment.decide_change(
            by=self.staff, approve=True, reason="改由教育局办理", new_department=self.other_dept
        )
        self.assertEqual(inbox(Kind.WITHDRAWN), {"clerk"})
        self.assertEqual(inbox(Kind.ASSIGNED), {"outsider"})

    def test_it_tells_the_lead_unit_of_a_co_handlers_opinion(self) -> None:
        from responses.models import CoOpinion

        proposal = self.make_assigned()
        co = proposal.assignments.get(role=Assignment.Role.CO)
        co.accept(by=self.co_clerk)
        CoOpinion.submit(co, by=self.co_clerk, body="建议同步考虑排水管网改造。")
        self.assertEqual(inbox(Kind.OPINION), {"clerk"})

    def test_it_tells_no_withdrawn_lead_unit_of_an_opinion(self) -> None:
        from responses.models import CoOpinion

        proposal = self.make_assigned()
        lead = self.lead_assignment(proposal)
        lead.request_change(by=self.clerk, reason="不属于本单位职责")
        lead.decide_change(
            by=self.staff, approve=True, reason="改由教育局办理", new_department=self.other_dept
        )
        co = proposal.assignments.get(role=Assignment.Role.CO)
        co.accept(by=self.co_clerk)
        CoOpinion.submit(co, by=self.co_clerk, body="建议同步考虑排水管网改造。")
        self.assertEqual(inbox(Kind.OPINION), {"outsider"})

    def test_it_tells_the_units_leaders_of_a_reply_to_approve(self) -> None:
        reply = self.make_draft(self.make_assigned(with_co=False))
        reply.submit(by=self.clerk)
        self.assertEqual(inbox(Kind.SUBMITTED), {"leader"})

    def test_it_tells_the_drafter_of_a_returned_reply_with_the_comment(self) -> None:
        reply = self.make_draft(self.make_assigned(with_co=False))
        reply.submit(by=self.clerk)
        reply.return_to_clerk(by=self.leader, comment="请补充资金安排")
        self.assertEqual(inbox(Kind.RETURNED), {"clerk"})
        notice = Notice.objects.get(event__kind=Kind.RETURNED)
        self.assertIn("请补充资金安排", notices.describe(notice).body)

    def test_it_tells_the_deputies_of_a_sent_reply_with_a_link_to_it(self) -> None:
        proposal = self.make_assigned(with_co=False, co_signers=[self.other_deputy])
        reply = self.make_sent(proposal)
        self.assertEqual(inbox(Kind.SENT), {"deputy", "other_deputy"})
        urls = set(Notice.objects.filter(event__kind=Kind.SENT).values_list("url", flat=True))
        self.assertEqual(urls, {reverse("responses:reply_detail", args=[reply.pk])})

    def test_it_tells_the_lead_deputy_only_of_a_draft_to_comment_on_and_the_drafter_of_the_answer(
        self,
    ) -> None:
        proposal = self.make_assigned(with_co=False, co_signers=[self.other_deputy])
        reply = self.make_draft(proposal)
        consultation = reply.consult(by=self.clerk, note="请审阅答复稿")
        self.assertEqual(inbox(Kind.CONSULTATION_SENT), {"deputy"})  # not the co-signer
        url = Notice.objects.get(event__kind=Kind.CONSULTATION_SENT, channel="inbox").url
        self.assertEqual(url, reverse("responses:consultation", args=[consultation.pk]))
        consultation.answer(by=self.deputy_user, comment="请写明完工时间", consent="yes")
        self.assertEqual(inbox(Kind.CONSULTATION_ANSWERED), {"clerk"})
        notice = Notice.objects.get(event__kind=Kind.CONSULTATION_ANSWERED, channel="inbox")
        self.assertIn("请写明完工时间", notices.describe(notice).body)

    def test_it_tells_the_unit_of_staffs_publication_decision(self) -> None:
        first = self.make_sent(self.make_assigned(with_co=False))
        self.publish(first)
        self.assertEqual(inbox(Kind.PUBLISHED), {"clerk"})
        second = self.make_sent(self.make_assigned(with_co=False))
        second.publication.withhold(by=self.staff, reason="涉及尚未公开的规划")
        self.assertEqual(inbox(Kind.WITHHELD), {"clerk"})
        notice = Notice.objects.get(event__kind=Kind.WITHHELD, channel="inbox")
        self.assertIn("涉及尚未公开的规划", notices.describe(notice).body)

    def test_it_tells_the_unit_and_staff_of_a_rating(self) -> None:
        reply = self.make_sent(self.make_assigned(with_co=False))
        Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未解决")
        self.assertEqual(inbox(Kind.FEEDBACK), {"clerk", "staff"})

    def test_it_tells_the_unit_of_a_new_round(self) -> None:
        reply = self.make_sent(self.make_assigned(with_co=False))
        feedback = Feedback.give(
            reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未解决"
        )
        feedback.accept_rehandling(by=self.staff, reason="请重新办理")
        self.assertEqual(inbox(Kind.REHANDLING), {"clerk"})

    def test_it_tells_staff_of_a_promise_claimed_kept_and_the_unit_of_the_decision(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        reply = self.make_sent(self.make_assigned(with_co=False), grade="B")
        commitment = reply.commitments.get()
        evidence = SimpleUploadedFile("批复.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
        commitment.claim_fulfilled(by=self.clerk, fulfilled_on=TODAY, summary="已批复", files=[evidence])
        self.assertEqual(inbox(Kind.COMMITMENT_CLAIMED), {"staff"})
        commitment.reject(by=self.staff, reason="证明材料不足")
        self.assertEqual(inbox(Kind.COMMITMENT_REJECTED), {"clerk"})
        notice = Notice.objects.get(event__kind=Kind.COMMITMENT_REJECTED)
        self.assertIn("完成坪西路改造可研报告审批", notices.describe(notice).body)

    def test_it_tells_the_unit_of_a_promise_confirmed(self) -> None:
        reply = self.make_sent(self.make_assigned(with_co=False), grade="B")
        commitment = reply.commitments.get()
        Commitment.objects.filter(pk=commitment.pk).update(
            status=Commitment.Status.CLAIMED, fulfilled_on=TODAY
        )
        commitment.refresh_from_db()
        commitment.confirm(by=self.staff)
        self.assertEqual(inbox(Kind.COMMITMENT_CONFIRMED), {"clerk"})

    def test_it_tells_the_deputies_when_the_suggestion_closes(self) -> None:
        proposal = self.make_assigned(with_co=False, co_signers=[self.other_deputy])
        reply = self.make_sent(proposal)
        Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        closed = Notice.objects.filter(event__kind=Kind.STATUS, event__to_status="closed")
        # The lead deputy closed it by rating; the co-signer is told.
        self.assertEqual(set(closed.values_list("recipient__username", flat=True)), {"other_deputy"})

    def test_it_tells_nobody_of_steps_not_in_the_table(self) -> None:
        reply = self.make_draft(self.make_assigned(with_co=False))
        self.assertEqual(Notice.objects.filter(event__kind__in=[Kind.ACCEPTED, Kind.DRAFTED]).count(), 0)
        self.assertEqual(reply.status, Reply.Status.DRAFT)

    def test_it_tells_a_deputy_who_is_also_a_clerk_once(self) -> None:
        self.deputy_user.groups.add(*self.clerk.groups.all())
        self.deputy_user.department = self.lead_dept
        self.deputy_user.save()
        self.make_sent(self.make_assigned(with_co=False))
        self.assertEqual(Notice.objects.filter(event__kind=Kind.SENT, recipient=self.deputy_user).count(), 1)
        self.assertEqual(
            Notice.objects.get(event__kind=Kind.SENT, recipient=self.deputy_user).audience, "deputy"
        )

    def test_it_tells_a_delegate_while_the_clerk_is_away(self) -> None:
        clerk2 = make_user("clerk2", Role.DEPT_CLERK, department=self.lead_dept)
        self.clerk.away_until = TODAY + timedelta(days=3)
        self.clerk.delegate = self.leader
        self.clerk.save()
        self.make_assigned(with_co=False)
        rows = Notice.objects.filter(event__kind=Kind.ASSIGNED)
        self.assertEqual(
            set(rows.values_list("recipient__username", "on_behalf_of__username")),
            {("leader", "clerk"), (clerk2.username, None)},
        )

    def test_it_sends_each_channel_once_however_often_delivery_runs(self) -> None:
        self.clerk.email = "clerk@example.gov.cn"
        self.clerk.phone = "13800000001"
        self.clerk.notify_by_sms = True
        self.clerk.save()
        from tracker import sms

        with self.captureOnCommitCallbacks(execute=True):
            self.make_assigned(with_co=False)
        self.assertEqual(told(Kind.ASSIGNED), {("clerk", "inbox"), ("clerk", "email"), ("clerk", "sms")})
        for channel in ("inbox", "email", "sms"):
            notices.deliver(self.clerk.pk, channel)
        self.assertEqual(Notification.objects.filter(recipient=self.clerk).count(), 1)
        self.assertEqual((len(mail.outbox), len(sms.outbox)), (1, 1))
        self.assertIn("http", sms.outbox[0]["text"])

    def test_it_sends_no_email_of_a_kind_turned_off(self) -> None:
        self.clerk.email = "clerk@example.gov.cn"
        self.clerk.notice_channels = {Kind.ASSIGNED: []}
        self.clerk.save()
        reply = self.make_draft(self.make_assigned(with_co=False))
        reply.submit(by=self.leader)
        reply.return_to_clerk(by=self.leader, comment="请修改")
        self.assertEqual(told(Kind.ASSIGNED), {("clerk", "inbox")})
        self.assertEqual(told(Kind.RETURNED), {("clerk", "inbox"), ("clerk", "email")})


class QuietHoursTests(TrackerTestCase):
    def test_it_holds_email_for_working_hours_and_the_scan_sends_it_then(self) -> None:
        self.clerk.email = "clerk@example.gov.cn"
        self.clerk.save()
        with time_machine.travel(at(TODAY, 22), tick=False), self.captureOnCommitCallbacks(execute=True):
            self.make_assigned(with_co=False)
        email = Notice.objects.get(channel="email")
        self.assertEqual((email.status, email.send_after), ("pending", at(TODAY + timedelta(days=1), 9)))
        self.assertEqual(notice_mail(), [])
        next_morning = at(TODAY + timedelta(days=1), 9, 5)
        with time_machine.travel(next_morning, tick=False), self.captureOnCommitCallbacks(execute=True):
            run_scan()
            run_scan()
        self.assertEqual((self.refreshed(email).status, len(notice_mail())), ("sent", 1))


class InboxTests(TrackerTestCase):
    def test_it_names_the_suggestion_and_renders_in_the_readers_language(self) -> None:
        with time_machine.travel(at(TODAY), tick=False), self.captureOnCommitCallbacks(execute=True):
            proposal = self.make_assigned(with_co=False)
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, f"No. {proposal.number} is assigned to {self.lead_dept.name}")
        self.assertContains(response, proposal.title)
        with translation.override("zh-hans"), override_settings(LANGUAGE_CODE="zh-hans"):
            response = self.client.get(reverse("inbox"))
        self.assertContains(response, proposal.number)
        self.assertNotContains(response, "is assigned to")


class SettingsTests(TrackerTestCase):
    def test_it_saves_email_and_sms_per_kind_of_notice(self) -> None:
        self.clerk.email = "clerk@example.gov.cn"
        self.clerk.save()
        self.client.force_login(self.clerk)
        data = {
            "notify_by_email": "on",
            "email": "clerk@example.gov.cn",
            "phone": "",
            "notice_assigned_email": "on",
        }
        response = self.client.post(reverse("reminder_settings"), data)
        self.assertEqual(response.status_code, 302)
        self.clerk.refresh_from_db()
        self.assertEqual(self.clerk.notice_channels["assigned"], ["email"])
        self.assertEqual(self.clerk.notice_channels["returned"], [])

    def test_it_shows_a_deputy_only_the_notices_that_reach_deputies(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.get(reverse("reminder_settings"))
        self.assertContains(response, "A reply is sent")
        self.assertNotContains(response, "A reply awaits approval")

    def test_it_shows_each_role_the_notices_that_can_reach_it(self) -> None:
        expected = {
            self.staff: ("A unit asks to change an assignment", "A reply is sent"),
            self.clerk: ("A suggestion is assigned to my unit", "A reply awaits approval"),
            self.leader: ("A reply awaits approval", "A suggestion is closed"),
            self.deputy_user: ("A reply is sent", "A unit asks to change an assignment"),
        }
        for user, (shown, hidden) in expected.items():
            self.client.force_login(user)
            response = self.client.get(reverse("reminder_settings"))
            self.assertContains(response, shown, msg_prefix=user.username)
            self.assertNotContains(response, hidden, msg_prefix=user.username)

    def test_it_shows_no_notice_table_to_a_user_without_a_role(self) -> None:
        self.client.force_login(self.nobody)
        response = self.client.get(reverse("reminder_settings"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'id="notice-settings"')

    def test_it_asks_for_a_number_before_sms_notices(self) -> None:
        self.client.force_login(self.clerk)
        data = {"email": "", "phone": "", "notice_assigned_sms": "on"}
        response = self.client.post(reverse("reminder_settings"), data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("phone", response.context["form"].errors)


@unittest.skipUnless(connection.vendor == "postgresql", "concurrent transactions need PostgreSQL")
class NoticeRaceTests(TrackerTransactionTestCase):
    def test_it_tells_the_deputy_once_when_two_leaders_send_the_same_reply(self) -> None:
        leader2 = make_user("leader2", Role.DEPT_LEADER, department=self.lead_dept)
        with time_machine.travel(at(TODAY), tick=False):
            for _trial in range(3):
                reply = self.make_draft(self.make_assigned(with_co=False))
                reply.submit(by=self.clerk)
                url = reverse("responses:reply_approve", args=[reply.pk])
                outcomes = post_at_once([(self.leader, url, {}), (leader2, url, {})])
                self.assertEqual(server_errors(outcomes), [])
                sent = Notice.objects.filter(event__kind=Kind.SENT, event__proposal=reply.assignment.proposal)
                self.assertEqual(
                    list(sent.values_list("recipient__username", "channel")), [("deputy", "inbox")]
                )


class ReminderPageTests(TrackerTestCase):
    def test_it_shows_one_row_per_item_and_stage_with_its_recipients(self) -> None:
        from tests.responses.reminder_helpers import scan

        with time_machine.travel(at(TODAY), tick=False):
            proposal = self.make_assigned(with_co=False, assigned_on=TODAY)
        assignment = self.lead_assignment(proposal)
        scan(self, assignment.due_on + timedelta(days=8))
        self.client.force_login(self.staff)
        response = self.client.get(reverse("responses:reminders"))
        items = response.context["items"]
        reply_items = [i for i in items if i.obligation.kind == "reply"]
        self.assertEqual(len(reply_items), 1)
        self.assertEqual(
            {p.reminder.recipient.username for p in reply_items[0].recipients}, {"clerk", "leader", "staff"}
        )
