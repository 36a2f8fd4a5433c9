"""The reminder scan with frozen time: who is told what, on which channel, when."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.core import mail

from responses.models import Obligation, Reminder
from responses.reminders.delivery import deliver
from responses.reminders.scan import run_scan
from tests.base import TrackerTestCase
from tests.responses.reminder_helpers import at, reminders_only, rows, scan

ASSIGNED = date(2025, 3, 10)  # a Monday
REPLY_DUE = date(2025, 6, 10)  # 3 calendar months later, a Tuesday
CLERK_CHANNELS = {"inbox", "email", "sms"}


class WalkFromAssignmentToThreeWeeksOverdueTests(TrackerTestCase):
    """One lead assignment, scanned every day at 10:00 from 交办 to 21 days overdue."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.clerk.email, cls.clerk.phone, cls.clerk.notify_by_sms = "clerk@lg.gov.cn", "13800000001", True
        cls.clerk.save()
        cls.leader.email = "leader@lg.gov.cn"
        cls.leader.save()
        cls.staff.email = "staff@rd.sz.gov.cn"
        cls.staff.save()
        reminders_only()

    def walk(self) -> dict[date, set[tuple[str, int, str, str]]]:
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            proposal = self.make_assigned(with_co=False, assigned_on=ASSIGNED)
        seen: set[int] = set()
        by_day = {}
        day = ASSIGNED
        while day <= REPLY_DUE + timedelta(days=21):
            if day == date(2025, 3, 11):
                with time_machine.travel(at(day, 9), tick=False):
                    self.lead_assignment(proposal).accept(by=self.clerk)
            scan(self, day)
            new = Reminder.objects.exclude(pk__in=seen)
            if new.exists():
                by_day[day] = rows(pk__in=new)
                seen.update(new.values_list("pk", flat=True))
            day += timedelta(days=1)
        return by_day

    def test_it_sends_exactly_these_reminders_on_these_days(self) -> None:
        def to(kind: str, stage: int, *people: str) -> set[tuple[str, int, str, str]]:
            channels = {"clerk": CLERK_CHANNELS, "leader": {"inbox", "email"}, "staff": {"inbox", "email"}}
            return {(kind, stage, p, c) for p in people for c in channels[p]}

        self.assertEqual(
            self.walk(),
            {
                # The 7-working-day sign-for window (until 03-19) starts inside the 14-day
                # stage: the clerk hears of it on the day of 交办; accepting ends it.
                date(2025, 3, 10): to("change_window", -14, "clerk"),
                date(2025, 5, 27): to("reply", -14, "clerk"),
                date(2025, 6, 7): to("reply", -3, "clerk"),
                date(2025, 6, 10): to("reply", 0, "clerk"),
                date(2025, 6, 11): to("reply", 1, "clerk", "leader"),
                date(2025, 6, 18): to("reply", 8, "clerk", "leader", "staff"),
                date(2025, 6, 25): to("reply", 15, "clerk", "leader", "staff"),
            },
        )

    def test_it_delivers_every_reminder_by_the_end(self) -> None:
        self.walk()
        self.assertEqual(Reminder.objects.exclude(status=Reminder.Status.SENT).count(), 0)

    def test_it_sends_one_email_per_person_per_stage(self) -> None:
        self.walk()
        # clerk: 7 stages; leader: 3 overdue stages; staff: 2.
        self.assertEqual(sorted(m.to[0] for m in mail.outbox).count("clerk@lg.gov.cn"), 7)
        self.assertEqual(len(mail.outbox), 7 + 3 + 2)

    def test_it_holds_weekend_email_and_sms_until_monday_morning(self) -> None:
        self.walk()
        saturday = Reminder.objects.get(stage=-3, channel="email")
        inbox = Reminder.objects.get(stage=-3, channel="inbox")
        self.assertEqual(
            (saturday.send_after, saturday.sent_at), (at(date(2025, 6, 9), 9), at(date(2025, 6, 9)))
        )
        self.assertEqual(inbox.sent_at, at(date(2025, 6, 7)))


class ScanTests(TrackerTestCase):
    """Exactly once, re-checks, re-arming, escalation extras and channel choices."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.clerk.email = "clerk@lg.gov.cn"
        cls.clerk.save()
        reminders_only()

    def assigned(self, **overrides: object):  # type: ignore[no-untyped-def]
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            proposal = self.make_assigned(with_co=False, assigned_on=ASSIGNED, **overrides)
            self.lead_assignment(proposal).accept(by=self.clerk)
        return proposal

    def test_it_sends_each_reminder_once_when_the_scan_runs_twice(self) -> None:
        self.assigned()
        scan(self, REPLY_DUE)
        scan(self, REPLY_DUE, hour=11)
        self.assertEqual(Reminder.objects.filter(stage=0, channel="email").count(), 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_it_counts_days_in_china_time_not_utc(self) -> None:
        self.assigned()
        # 07:00 in Shanghai is 23:00 UTC the day before: the due day has begun here.
        scan(self, REPLY_DUE, hour=7)
        self.assertEqual(rows(channel="inbox"), {("reply", 0, "clerk", "inbox")})

    def test_it_cannot_record_the_same_reminder_twice(self) -> None:
        self.assigned()
        scan(self, REPLY_DUE)
        first = Reminder.objects.get(stage=0, channel="inbox")
        first.pk = None
        with self.assertRaises(Exception):  # noqa: B017 - the database's unique key refuses it
            first.save()

    def test_it_skips_a_reminder_whose_duty_was_done_before_delivery(self) -> None:
        proposal = self.assigned()
        with time_machine.travel(at(REPLY_DUE, 10), tick=False):
            with self.captureOnCommitCallbacks(execute=False):
                run_scan()
            reply = self.make_sent(proposal)
            deliver(self.clerk.pk, "inbox")
        self.assertEqual(Reminder.objects.get(channel="inbox").status, Reminder.Status.SKIPPED)
        self.assertFalse(self.clerk.notifications.filter(reminder__isnull=False).exists())
        self.assertIsNotNone(reply.sent_on)

    def test_it_sends_only_the_latest_stage_after_the_scan_was_down(self) -> None:
        self.assigned()
        scan(self, REPLY_DUE - timedelta(days=2))
        self.assertEqual(rows(channel="inbox"), {("reply", -3, "clerk", "inbox")})

    def test_it_rearms_reminders_when_the_deadline_is_extended(self) -> None:
        proposal = self.assigned()
        scan(self, REPLY_DUE + timedelta(days=1))
        with time_machine.travel(at(REPLY_DUE + timedelta(days=2), 9), tick=False):
            self.lead_assignment(proposal).extend(
                by=self.staff, new_due_on=date(2025, 8, 29), reason="涉及规划调整"
            )
        scan(self, date(2025, 8, 29) - timedelta(days=3))
        obligation = Obligation.objects.get(kind="reply")
        self.assertEqual(obligation.version, 2)
        self.assertEqual(
            set(
                Reminder.objects.filter(recipient=self.clerk, channel="inbox").values_list("version", "stage")
            ),
            {(1, 1), (2, -3)},
        )

    def test_it_respects_a_user_who_turned_email_off(self) -> None:
        self.clerk.notify_by_email = False
        self.clerk.save()
        self.assigned()
        scan(self, REPLY_DUE)
        self.assertEqual(rows(), {("reply", 0, "clerk", "inbox")})

    def test_it_sends_a_clerks_reminders_to_the_delegate_while_away(self) -> None:
        colleague = self.make_colleague()
        self.clerk.away_until, self.clerk.delegate = REPLY_DUE, colleague
        self.clerk.save()
        self.assigned()
        scan(self, REPLY_DUE)
        reminder = Reminder.objects.get(channel="inbox", stage=0, recipient=colleague)
        self.assertEqual(reminder.on_behalf_of, self.clerk)
        self.assertFalse(Reminder.objects.filter(recipient=self.clerk).exists())

    def make_colleague(self):  # type: ignore[no-untyped-def]
        from tests.base import make_user
        from tracker.models import Role

        return make_user("colleague", Role.DEPT_CLERK, department=self.lead_dept)

    def test_it_tells_a_key_suggestions_supervising_leader_once_overdue(self) -> None:
        from tests.base import make_user

        vice_mayor = make_user("vice_mayor")
        self.assigned(is_key=True, supervising_leader="副区长", supervisor=vice_mayor)
        scan(self, REPLY_DUE)
        scan(self, REPLY_DUE + timedelta(days=1))
        self.assertEqual(
            set(Reminder.objects.filter(recipient=vice_mayor).values_list("stage", "audience")),
            {(1, "supervisor")},
        )

    def test_it_reminds_the_department_leader_when_it_has_no_clerk_account(self) -> None:
        self.clerk.is_active = False
        self.clerk.save()
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            self.make_assigned(with_co=False, assigned_on=ASSIGNED)
        scan(self, REPLY_DUE - timedelta(days=14))
        self.assertIn(("reply", -14, "leader", "inbox"), rows())

    def test_it_stops_reminding_once_the_reply_is_sent(self) -> None:
        proposal = self.assigned()
        with time_machine.travel(at(REPLY_DUE - timedelta(days=20), 9), tick=False):
            self.make_sent(proposal)
        scan(self, REPLY_DUE)
        self.assertFalse(Reminder.objects.filter(obligation__kind="reply").exists())

    def test_it_follows_the_congress_configured_stages(self) -> None:
        self.congress.reminder_days = "-7,0"
        self.congress.reminder_repeat_days = 0
        self.congress.save()
        self.assigned(congress=self.congress)
        for offset in (-14, -7, 0, 1, 30):
            scan(self, REPLY_DUE + timedelta(days=offset))
        self.assertEqual({s for _, s, _, _ in rows(obligation__kind="reply")}, {-7, 0})

    def test_it_moves_on_when_the_congress_changes_its_stages_later(self) -> None:
        self.assigned()
        self.congress.reminder_days = "-7,0"
        self.congress.save()
        for offset in (-14, -7):
            scan(self, REPLY_DUE + timedelta(days=offset))
        self.assertEqual({s for _, s, _, _ in rows(obligation__kind="reply")}, {-7})


class CoHandlerAndWindowTests(TrackerTestCase):
    def test_it_reminds_the_co_handler_until_its_opinion_is_sent(self) -> None:
        from responses.models import CoOpinion

        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            proposal = self.make_assigned(assigned_on=ASSIGNED)
        co = proposal.assignments.get(role="co")
        scan(self, co.due_on - timedelta(days=14))
        with time_machine.travel(at(co.due_on - timedelta(days=5), 9), tick=False):
            CoOpinion.submit(co, by=self.co_clerk, body="同意主办单位意见")
        scan(self, co.due_on)
        self.assertEqual({s for k, s, _, _ in rows(obligation__kind="co_opinion")}, {-14})


class PoisonRowTests(TrackerTestCase):
    def test_one_failing_deadline_does_not_stop_the_others(self) -> None:
        from unittest import mock

        from responses.models import Obligation as Ob

        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            first = self.make_assigned(with_co=False, assigned_on=ASSIGNED)
            second = self.make_assigned(with_co=False, assigned_on=ASSIGNED)
            for proposal in (first, second):
                self.lead_assignment(proposal).accept(by=self.clerk)
        bad = Ob.objects.get(assignment__proposal=first, kind="reply").pk
        real_claim = Ob.claim

        def claim(obligation, *args, **kwargs):  # type: ignore[no-untyped-def]
            if obligation.pk == bad:
                raise RuntimeError("corrupt row")
            return real_claim(obligation, *args, **kwargs)

        with mock.patch.object(Ob, "claim", claim), self.assertLogs("responses.reminders", "ERROR"):
            scan(self, REPLY_DUE)
        self.assertEqual(
            set(Reminder.objects.values_list("obligation__assignment__proposal", flat=True)), {second.pk}
        )
        self.assertEqual(Ob.objects.get(pk=bad).next_remind_on, REPLY_DUE - timedelta(days=14))
