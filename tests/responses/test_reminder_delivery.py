"""Delivery: digests, channels, failures and retries, and the words people read."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from responses.models import Reminder
from responses.reminders.scan import run_scan
from tests.base import TrackerTestCase
from tests.responses.reminder_helpers import at, reminders_only, scan
from tests.tracker.outbox_helpers import publishing_to, refused_broker_url
from tracker import sms
from tracker.models import OutboxMessage

ASSIGNED = date(2025, 3, 10)
REPLY_DUE = date(2025, 6, 10)


class DeliveryTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.clerk.email, cls.clerk.phone, cls.clerk.notify_by_sms = "clerk@lg.gov.cn", "13800000001", True
        cls.clerk.save()
        reminders_only()

    def assign(self, count: int = 1) -> None:
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            for _ in range(count):
                self.lead_assignment(self.make_assigned(with_co=False, assigned_on=ASSIGNED)).accept(
                    by=self.clerk
                )

    def test_it_sends_one_digest_email_and_one_sms_for_several_deadlines(self) -> None:
        self.assign(3)
        scan(self, REPLY_DUE)
        self.assertEqual((len(mail.outbox), len(sms.outbox)), (1, 1))
        # (Besides the three assignments' handover notices.)
        self.assertEqual(self.clerk.notifications.filter(reminder__isnull=False).count(), 3)

    def test_it_links_the_email_straight_to_the_assignment(self) -> None:
        self.assign()
        scan(self, REPLY_DUE)
        assignment = self.lead_assignment(self.clerk.department.assignments.first().proposal)
        self.assertIn(
            f"http://127.0.0.1:8000/proposals/{assignment.proposal_id}/#assignment-{assignment.pk}",
            mail.outbox[0].body,
        )
        self.assertEqual(mail.outbox[0].alternatives[0][1], "text/html")

    def test_it_writes_the_email_in_chinese(self) -> None:
        self.assign()
        with override_settings(LANGUAGE_CODE="zh-hans"):
            scan(self, REPLY_DUE)
        self.assertIn("以下办理事项需要您关注", mail.outbox[0].body)
        self.assertIn("今日到期", mail.outbox[0].body)
        self.assertIn("答复期限", mail.outbox[0].body)

    def test_it_names_the_item_and_the_days_in_the_sms(self) -> None:
        self.assign()
        scan(self, REPLY_DUE + timedelta(days=3))
        # The scan on day +3 sends the first overdue stage (+1); the text counts from today.
        self.assertIn("3 days overdue", sms.outbox[0]["text"])
        self.assertEqual(sms.outbox[0]["phone"], "13800000001")

    def test_it_records_a_failure_and_retries_later(self) -> None:
        self.assign()
        with (
            mock.patch("smtplib.SMTP", side_effect=OSError("mail server down")),
            override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend"),
        ):
            scan(self, REPLY_DUE)
        email = Reminder.objects.get(channel="email")
        self.assertEqual((email.status, email.attempts), (Reminder.Status.PENDING, 1))
        self.assertIn("mail server down", email.last_error)
        scan(self, REPLY_DUE, hour=11)
        self.assertEqual(self.refreshed(email).status, Reminder.Status.SENT)

    def test_a_failed_channel_does_not_stop_the_others(self) -> None:
        self.assign()
        with mock.patch("tracker.sms.LocmemSmsBackend.send", side_effect=OSError("gateway down")):
            scan(self, REPLY_DUE)
        self.assertEqual(
            dict(Reminder.objects.values_list("channel", "status")),
            {"inbox": "sent", "email": "sent", "sms": "pending"},
        )

    @override_settings(REMINDER_MAX_ATTEMPTS=2)
    def test_it_gives_up_after_the_last_attempt(self) -> None:
        self.assign()
        with mock.patch("tracker.sms.LocmemSmsBackend.send", side_effect=OSError("gateway down")):
            scan(self, REPLY_DUE)
            scan(self, REPLY_DUE, hour=12)
        failed = Reminder.objects.get(channel="sms")
        self.assertEqual((failed.status, failed.attempts), (Reminder.Status.FAILED, 2))

    def test_it_requeues_deliveries_that_a_lost_worker_left_pending(self) -> None:
        self.assign()
        with time_machine.travel(at(REPLY_DUE), tick=False), self.captureOnCommitCallbacks(execute=False):
            run_scan()  # the deliveries it queued are lost with the broker
        self.assertEqual(Reminder.objects.pending().count(), 3)
        scan(self, REPLY_DUE, hour=11)
        self.assertEqual(Reminder.objects.pending().count(), 0)
        self.assertEqual(len(mail.outbox), 1)

    def test_it_requeues_one_delivery_per_person_and_channel(self) -> None:
        self.assign(3)
        with time_machine.travel(at(REPLY_DUE), tick=False), self.captureOnCommitCallbacks(execute=False):
            run_scan()
        # The broker took the deliveries, then lost them (a Redis killed with its queue).
        OutboxMessage.objects.update(published_at=timezone.now())
        run = scan(self, REPLY_DUE, hour=11)
        # 9 pending reminders (3 deadlines × inbox, email, SMS), one person: 3 deliveries.
        reminder_messages = OutboxMessage.objects.filter(task="responses.tasks.deliver_reminders")
        self.assertEqual((run.redispatched, reminder_messages.count()), (3, 6))
        self.assertEqual(len(mail.outbox), 1)

    def test_it_does_not_requeue_a_delivery_still_waiting_in_the_outbox(self) -> None:
        self.assign()
        with publishing_to(refused_broker_url()):
            scan(self, REPLY_DUE)
            run = scan(self, REPLY_DUE, hour=11)
        # (The assignment's handover notice has its own outbox message.)
        reminder_messages = OutboxMessage.objects.filter(task="responses.tasks.deliver_reminders")
        self.assertEqual((run.redispatched, reminder_messages.count()), (0, 3))

    def test_it_keeps_what_the_broker_refuses_and_delivers_it_once_the_broker_is_back(self) -> None:
        self.assign()
        with publishing_to(refused_broker_url()):
            run = scan(self, REPLY_DUE)
        self.assertEqual((run.reminders, Reminder.objects.pending().count()), (3, 3))
        self.assertEqual(
            OutboxMessage.objects.unpublished().filter(task="responses.tasks.deliver_reminders").count(), 3
        )
        scan(self, REPLY_DUE, hour=11)
        self.assertEqual(Reminder.objects.pending().count(), 0)
        self.assertEqual((len(mail.outbox), len(sms.outbox)), (1, 1))
