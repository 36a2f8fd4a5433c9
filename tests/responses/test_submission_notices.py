"""Notices of the steps of a suggestion submitted online (issue 14): who is told, once,
on which channels, and nobody else; in the reader's language."""

from __future__ import annotations

from datetime import date
from typing import Any

import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from proposals.models import Deputy, Exclusion, Submission, SubmissionEvent
from responses import notices
from responses.models import Notice
from tests.base import TrackerTestCase, make_user
from tests.responses.reminder_helpers import at
from tracker.models import Notification, Role

Kind = SubmissionEvent.Kind
# A Tuesday, within working hours.
TODAY = date(2024, 7, 16)


def told(kind: str) -> list[tuple[str, str]]:
    """(username, channel) of every notice of submission events of ``kind``, sorted: a
    person told twice on a channel shows twice."""
    return sorted(
        Notice.objects.filter(submission_event__kind=kind).values_list("recipient__username", "channel")
    )


class SubmissionNoticeCase(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.third_user = make_user("third_deputy", Role.DEPUTY)
        cls.third = Deputy.objects.create(congress=cls.congress, name="李明", user=cls.third_user)
        Exclusion.objects.seed(cls.congress)
        cls.exclusion = Exclusion.objects.filter(congress=cls.congress).first()

    def setUp(self) -> None:
        super().setUp()
        traveller = time_machine.travel(at(TODAY), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def drafted(self, *co_signers: Deputy) -> Submission:
        return Submission.draft(
            by=self.deputy_user,
            session=self.session,
            title="关于坪山河碧道增设便民驿站的建议",
            body="坪山河碧道沿线缺少休息和饮水设施。",
            co_signers=co_signers,
        )

    def invited(self) -> Submission:
        submission = self.drafted(self.other_deputy, self.third)
        submission.invite(by=self.deputy_user)
        return submission

    def submitted(self, *, confirm: bool = True) -> Submission:
        submission = self.invited()
        for invitation in submission.invitations.select_related("deputy__user"):
            confirmed = confirm and invitation.deputy == self.other_deputy
            invitation.answer(by=invitation.deputy.user, confirm=confirmed)
        submission.submit(by=self.deputy_user)
        return submission


class SubmissionNoticeTests(SubmissionNoticeCase):
    def test_it_tells_each_invited_co_signer_with_a_link_to_the_invitation(self) -> None:
        self.other_deputy_user.email = "wangfang@example.org"
        self.other_deputy_user.notice_channels = {"submission_invited": ["email"]}
        self.other_deputy_user.save()
        submission = self.invited()
        self.assertEqual(
            told(Kind.INVITED),
            [("other_deputy", "email"), ("other_deputy", "inbox"), ("third_deputy", "inbox")],
        )
        urls = set(Notice.objects.filter(submission_event__kind=Kind.INVITED).values_list("url", flat=True))
        self.assertEqual(urls, {submission.get_absolute_url() + "#invitation"})

    def test_it_tells_the_lead_deputy_of_each_answer(self) -> None:
        submission = self.invited()
        other = submission.invitations.get(deputy=self.other_deputy)
        third = submission.invitations.get(deputy=self.third)
        other.answer(by=self.other_deputy_user, confirm=True)
        third.answer(by=self.third_user, confirm=False)
        self.assertEqual(told(Kind.COSIGN_CONFIRMED), [("deputy", "inbox")])
        self.assertEqual(told(Kind.COSIGN_DECLINED), [("deputy", "inbox")])

    def test_it_tells_staff_of_a_submission_with_a_link_to_accept_it(self) -> None:
        submission = self.submitted()
        self.assertEqual(told(Kind.SUBMITTED), [("staff", "inbox")])
        notice = Notice.objects.get(submission_event__kind=Kind.SUBMITTED)
        self.assertEqual(notice.url, submission.get_absolute_url() + "#actions")

    def test_it_tells_no_one_of_lapsed_invitations(self) -> None:
        submission = self.invited()
        with time_machine.travel(at(date(2024, 8, 30)), tick=False):
            submission.submit(by=self.deputy_user)
        self.assertEqual(told(Kind.COSIGN_LAPSED), [])

    def test_it_tells_the_lead_deputy_and_the_confirmed_co_signers_of_the_number(self) -> None:
        submission = self.submitted()
        proposal = submission.accept(by=self.staff, number="20240501")
        self.assertEqual(told(Kind.ACCEPTED), [("deputy", "inbox"), ("other_deputy", "inbox")])
        urls = set(Notice.objects.filter(submission_event__kind=Kind.ACCEPTED).values_list("url", flat=True))
        self.assertEqual(urls, {proposal.get_absolute_url()})

    def test_it_tells_the_lead_deputy_of_a_return_with_the_reason(self) -> None:
        submission = self.submitted()
        submission.return_(
            by=self.staff, exclusion=self.exclusion, reason="属于个人诉求，请通过信访渠道反映。"
        )
        self.assertEqual(told(Kind.RETURNED), [("deputy", "inbox")])
        text = notices.describe(Notice.objects.get(submission_event__kind=Kind.RETURNED))
        self.assertIn("属于个人诉求", text.body)
        self.assertIn(self.exclusion.text, text.body)
        self.assertEqual(text.url, submission.get_absolute_url() + "#returned")

    def test_it_tells_staff_when_a_submitted_suggestion_is_withdrawn(self) -> None:
        submission = self.submitted()
        submission.withdraw(by=self.deputy_user, reason="另行提交")
        self.assertEqual(told(Kind.WITHDRAWN), [("staff", "inbox")])

    def test_it_tells_nobody_when_a_draft_is_withdrawn(self) -> None:
        self.drafted().withdraw(by=self.deputy_user)
        self.assertEqual(told(Kind.WITHDRAWN), [])

    def test_it_tells_nobody_of_drafting_and_editing(self) -> None:
        self.drafted(self.other_deputy)
        self.assertEqual(Notice.objects.count(), 0)

    def test_it_records_each_notice_once(self) -> None:
        submission = self.submitted()
        event = submission.events.get(kind=Kind.SUBMITTED)
        notices.record(event)  # again: the ledger already holds it
        self.assertEqual(told(Kind.SUBMITTED), [("staff", "inbox")])
        with self.assertRaises(IntegrityError), transaction.atomic():
            Notice.objects.create(
                submission_event=event,
                recipient=self.staff,
                audience="staff",
                channel="inbox",
                url="/",
                send_after=event.created_at,
            )

    def test_a_notice_is_of_exactly_one_event(self) -> None:
        submission = self.submitted()
        proposal = submission.accept(by=self.staff, number="20240501")
        both: dict[str, Any] = {
            "event": proposal.events.first(),
            "submission_event": submission.events.first(),
        }
        for fields in (both, {}):
            with self.subTest(fields=list(fields)), self.assertRaises(IntegrityError), transaction.atomic():
                Notice.objects.create(
                    **fields,
                    recipient=self.nobody,
                    audience="staff",
                    channel="inbox",
                    url="/",
                    send_after=submission.created_at,
                )


class SubmissionNoticeDeliveryTests(SubmissionNoticeCase):
    def test_it_delivers_once_however_often_delivery_runs(self) -> None:
        self.staff.email = "staff@example.org"
        self.staff.notice_channels = {"submission_submitted": ["email"]}
        self.staff.save()
        with self.captureOnCommitCallbacks(execute=True):
            self.submitted()
        for channel in ("inbox", "email", "inbox", "email"):
            notices.deliver(self.staff.pk, channel)
        self.assertEqual(Notification.objects.filter(recipient=self.staff).count(), 1)
        self.assertEqual(
            [m.to for m in mail.outbox if "X-Tracker-Notices" in m.extra_headers], [["staff@example.org"]]
        )

    def test_it_names_the_suggestion_by_title_then_by_number_in_the_readers_language(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            submission = self.submitted()
            submission.accept(by=self.staff, number="20240501")
        self.client.force_login(self.deputy_user)
        with translation.override("zh-hans"), override_settings(LANGUAGE_CODE="zh-hans"):
            response = self.client.get(reverse("inbox"))
        self.assertContains(response, "第20240501号建议：")
        self.assertContains(response, "王芳")  # 王芳 confirmed co-signing
        response = self.client.get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "No. 20240501:")


class SubmissionNoticeSettingsTests(TrackerTestCase):
    def test_it_shows_deputies_and_staff_the_online_kinds_that_reach_them(self) -> None:
        expected = {
            self.deputy_user: ("I am invited to co-sign a suggestion", "A suggestion is submitted online"),
            self.staff: ("A suggestion is submitted online", "I am invited to co-sign a suggestion"),
            self.clerk: ("A suggestion is assigned to my unit", "A suggestion is submitted online"),
        }
        for user, (shown, hidden) in expected.items():
            self.client.force_login(user)
            response = self.client.get(reverse("reminder_settings"), HTTP_ACCEPT_LANGUAGE="en")
            self.assertContains(response, shown, msg_prefix=user.username)
            self.assertNotContains(response, hidden, msg_prefix=user.username)

    def test_it_saves_a_choice_per_online_kind_apart_from_the_reply_kinds_of_the_same_code(self) -> None:
        self.staff.email = "staff@example.org"
        self.staff.save()
        self.client.force_login(self.staff)
        data = {"email": "staff@example.org", "phone": "", "notice_submission_submitted_email": "on"}
        response = self.client.post(reverse("reminder_settings"), data)
        self.assertEqual(response.status_code, 302)
        self.staff.refresh_from_db()
        self.assertEqual(self.staff.notice_channels["submission_submitted"], ["email"])
        self.assertEqual(self.staff.channels_for_notice("submitted"), ["inbox"])  # a reply's: untouched
        self.assertEqual(self.staff.channels_for_notice("submission_submitted"), ["inbox", "email"])
