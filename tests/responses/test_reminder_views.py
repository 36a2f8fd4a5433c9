"""Staff's reminders page, "remind now" on an assignment, and the operators' health view."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.test import override_settings
from django.urls import reverse

from proposals.models import ProposalEvent
from responses.models import Obligation, Reminder
from responses.reminders.scan import run_scan
from tests.base import TrackerTestCase, full_width
from tests.responses.reminder_helpers import at, rows, scan

ASSIGNED = date(2025, 3, 10)
REPLY_DUE = date(2025, 6, 10)


class ReminderListViewTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            cls.proposal = cls.make_assigned(with_co=False, assigned_on=ASSIGNED)

    def test_it_shows_staff_what_was_sent_to_whom(self) -> None:
        scan(self, REPLY_DUE + timedelta(days=8))
        self.client.force_login(self.staff)
        response = self.client.get(reverse("responses:reminders"))
        self.assertContains(response, self.proposal.number)
        self.assertContains(response, "8 days overdue")
        self.assertContains(response, "department leader")

    def test_it_filters_by_status(self) -> None:
        scan(self, REPLY_DUE)
        Reminder.objects.filter(obligation__kind="reply").update(
            status=Reminder.Status.FAILED, last_error="SMTP 550"
        )
        self.client.force_login(self.staff)
        response = self.client.get(reverse("responses:reminders"), {"status": "failed"})
        self.assertContains(response, "SMTP 550")
        self.assertEqual(response.context["page_obj"].paginator.count, 1)

    def test_it_filters_by_a_number_typed_in_full_width(self) -> None:
        scan(self, REPLY_DUE)
        self.client.force_login(self.staff)

        def count(number: str) -> int:
            response = self.client.get(reverse("responses:reminders"), {"number": number})
            return response.context["page_obj"].paginator.count

        self.assertGreater(count(self.proposal.number), 0)
        self.assertEqual(count(full_width(self.proposal.number)), count(self.proposal.number))
        self.assertEqual(count("2099"), 0)

    def test_it_runs_a_fixed_number_of_queries(self) -> None:
        scan(self, REPLY_DUE + timedelta(days=8))
        self.client.force_login(self.staff)
        # (The staff member's second-factor device is one of them; the page's groups and
        # their reminders are one query each.)
        with self.assertNumQueries(13):
            self.client.get(reverse("responses:reminders"))

    def test_it_refuses_department_users_and_deputies(self) -> None:
        for user in (self.clerk, self.leader, self.deputy_user, self.nobody):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("responses:reminders")).status_code, 403, user)

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        self.assertEqual(self.client.get(reverse("responses:reminders")).status_code, 302)


class RemindNowViewTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            cls.proposal = cls.make_assigned(with_co=False, assigned_on=ASSIGNED)
            cls.assignment = cls.lead_assignment(cls.proposal)
            cls.assignment.accept(by=cls.clerk)

    def remind(self, day: date) -> object:
        self.client.force_login(self.staff)
        with time_machine.travel(at(day), tick=False), self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("responses:remind_now", args=[self.assignment.pk]))

    def test_it_sends_the_next_stage_now(self) -> None:
        response = self.remind(REPLY_DUE - timedelta(days=20))
        self.assertRedirects(
            response,
            f"/proposals/{self.proposal.pk}/#assignment-{self.assignment.pk}",
            fetch_redirect_response=False,
        )
        self.assertEqual(rows(), {("reply", -14, "clerk", "inbox")})
        self.assertEqual(self.clerk.notifications.count(), 1)

    def test_it_counts_as_that_stage_so_the_scan_does_not_send_it_again(self) -> None:
        self.remind(REPLY_DUE - timedelta(days=20))
        scan(self, REPLY_DUE - timedelta(days=14))
        self.assertEqual(Reminder.objects.count(), 1)
        self.assertEqual(Reminder.objects.get().requested_by, self.staff)

    def test_it_records_the_reminder_on_the_timeline(self) -> None:
        self.remind(REPLY_DUE)
        event = self.proposal.events.get(kind=ProposalEvent.Kind.REMINDED)
        self.assertEqual((event.actor, event.department), (self.staff, self.lead_dept))

    def test_it_refuses_the_department_and_deputies(self) -> None:
        for user in (self.clerk, self.leader):
            self.client.force_login(user)
            response = self.client.post(reverse("responses:remind_now", args=[self.assignment.pk]))
            self.assertEqual(response.status_code, 403)
        self.client.force_login(self.outsider)
        self.assertEqual(
            self.client.post(reverse("responses:remind_now", args=[self.assignment.pk])).status_code, 404
        )
        self.assertFalse(Reminder.objects.exists())

    def test_it_is_post_only(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(
            self.client.get(reverse("responses:remind_now", args=[self.assignment.pk])).status_code, 405
        )

    def test_it_says_so_when_the_assignment_is_done(self) -> None:
        with time_machine.travel(at(REPLY_DUE - timedelta(days=30), 9), tick=False):
            self.make_sent(self.proposal)
        response = self.remind(REPLY_DUE)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Reminder.objects.exists())
        self.assertFalse(Obligation.objects.filter(kind="reply", is_open=True).exists())

    def test_staff_see_the_button_on_the_suggestion(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("proposals:detail", args=[self.proposal.pk]))
        self.assertContains(response, reverse("responses:remind_now", args=[self.assignment.pk]))

    def test_the_department_does_not_see_the_button(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("proposals:detail", args=[self.proposal.pk]))
        self.assertNotContains(response, reverse("responses:remind_now", args=[self.assignment.pk]))


@override_settings(CELERY_BROKER_URL="memory://")
class HealthViewTests(TrackerTestCase):
    def test_it_reports_the_last_scan_and_the_last_days_counts_to_staff(self) -> None:
        run_scan()
        self.client.force_login(self.staff)
        response = self.client.get(reverse("health"))
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["ok"], body["sent_last_day"], body["failed_last_day"]), (True, 0, 0))
        self.assertTrue(body["queue_reachable"])

    def test_it_answers_503_when_no_scan_ran_recently(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("health"))
        self.assertEqual(response.status_code, 503)
        self.assertIsNone(response.json()["last_scan_at"])

    @override_settings(HEALTH_CHECK_TOKEN="s3cret")
    def test_a_monitor_may_use_the_token(self) -> None:
        run_scan()
        response = self.client.get(reverse("health"), headers={"Authorization": "Bearer s3cret"})
        self.assertEqual(response.status_code, 200)
        bad = self.client.get(reverse("health"), headers={"Authorization": "Bearer wrong"})
        self.assertEqual(bad.status_code, 403)

    def test_it_refuses_anonymous_and_non_staff_users(self) -> None:
        self.assertEqual(self.client.get(reverse("health")).status_code, 403)
        for user in (self.clerk, self.deputy_user):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("health")).status_code, 403)
