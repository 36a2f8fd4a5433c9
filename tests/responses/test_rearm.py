"""Re-arming reminders when a deadline moves (design.md §5, issue 12).

A small move keeps the stage that was due but not yet delivered and does not replay
earlier stages; a large move starts afresh from the first stage of the new date.
Every case goes through a real transition and the real scan and delivery, with time
frozen: the scan runs at the hours the beat would run it.
"""

from __future__ import annotations

import threading
import time
import unittest
from collections import Counter
from datetime import date, timedelta
from unittest import mock

import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection, connections, transaction
from django.test import TransactionTestCase

from proposals.models import Assignment, Congress, Department, Deputy, Proposal, Session
from responses.models import Reminder
from responses.reminders import delivery
from responses.reminders.delivery import deliver
from responses.reminders.scan import run_scan
from tests.base import TrackerTestCase
from tests.responses.reminder_helpers import at, reminders_only, scan
from tracker.models import Role, User
from tracker.workflow import deadlines_changed

ASSIGNED = date(2025, 3, 12)  # a Wednesday
DUE = date(2025, 6, 12)  # the reply deadline: 3 months later, a Thursday
MINUS_3 = DUE - timedelta(days=3)  # Monday 2025-06-09
ONE_DAY_LATER = DUE + timedelta(days=1)  # Friday 2025-06-13
CLERK_EMAIL = "clerk@lg.gov.cn"


class RearmTestCase(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.clerk.email = CLERK_EMAIL
        cls.clerk.save()
        reminders_only()
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            cls.proposal = cls.make_assigned(with_co=False, assigned_on=ASSIGNED)
            cls.assignment = cls.lead_assignment(cls.proposal)
            cls.assignment.accept(by=cls.clerk)

    def setUp(self) -> None:
        super().setUp()
        self.assertEqual(self.assignment.due_on, DUE)  # the dates below are chosen around it

    def extend(self, day: date, hour: int, new_due_on: date) -> None:
        with time_machine.travel(at(day, hour), tick=False):
            Assignment.objects.get(pk=self.assignment.pk).extend(
                by=self.staff, new_due_on=new_due_on, reason="涉及多部门协调"
            )

    def scans(self, *times: tuple[date, int]) -> None:
        for day, hour in times:
            scan(self, day, hour)

    def every_three_hours(self, start: date, hour: int, until: date, until_hour: int = 23) -> None:
        """The beat's scan, sampled: every three hours from (start, hour) to (until, until_hour)."""
        moment = at(start, hour)
        while moment <= at(until, until_hour):
            scan(self, moment.date(), moment.hour)
            moment += timedelta(hours=3)

    def clerk_emails(self) -> list[str]:
        return [m.body for m in mail.outbox if m.to == [CLERK_EMAIL]]

    def reply_rows(self, **filters: object) -> list[tuple[int, int, str, str]]:
        """(version, stage, channel, status) of the clerk's reply-deadline reminders."""
        return sorted(
            Reminder.objects.filter(obligation__kind="reply", recipient=self.clerk, **filters).values_list(
                "version", "stage", "channel", "status"
            )
        )

    def claimed_the_minus_3_stage_in_the_evening(self) -> None:
        """−14 two weeks ahead; −3 claimed at 20:00, its email held until 09:00 tomorrow."""
        scan(self, DUE - timedelta(days=14))
        scan(self, MINUS_3, 20)
        self.assertEqual(
            self.reply_rows(stage=-3),
            [(1, -3, "email", Reminder.Status.PENDING), (1, -3, "inbox", Reminder.Status.SENT)],
        )


class ExtendedWhileTheEmailWaitsTests(RearmTestCase):
    """Case (a): extended by one day at 21:00 while the −3 email waits for 09:00."""

    def setUp(self) -> None:
        super().setUp()
        self.claimed_the_minus_3_stage_in_the_evening()
        self.emails_before = len(self.clerk_emails())
        self.extend(MINUS_3, 21, ONE_DAY_LATER)
        # The beat runs all night and through the next morning.
        self.every_three_hours(MINUS_3, 22, MINUS_3 + timedelta(days=1), 10)

    def test_it_delivers_the_waiting_email_once_the_next_morning(self) -> None:
        self.assertEqual(len(self.clerk_emails()) - self.emails_before, 1)
        email = Reminder.objects.get(obligation__kind="reply", stage=-3, channel="email")
        self.assertEqual(
            (email.status, email.sent_at), (Reminder.Status.SENT, at(MINUS_3 + timedelta(days=1), 10))
        )

    def test_it_names_the_new_due_date_in_that_email(self) -> None:
        body = self.clerk_emails()[-1]
        self.assertIn(f"Due {ONE_DAY_LATER.isoformat()}", body)
        self.assertNotIn(DUE.isoformat(), body)

    def test_it_does_not_replay_the_two_week_stage(self) -> None:
        self.assertEqual(
            self.reply_rows(version=2),
            [(2, -3, "email", Reminder.Status.SENT)],
        )

    def test_it_sends_the_due_day_reminder_on_the_new_due_day(self) -> None:
        self.every_three_hours(MINUS_3 + timedelta(days=1), 13, ONE_DAY_LATER - timedelta(days=1))
        self.assertEqual(len(self.reply_rows(version=2)), 1)  # nothing more until the new due day
        scan(self, ONE_DAY_LATER, 10)
        self.assertEqual(
            self.reply_rows(version=2, stage=0),
            [(2, 0, "email", Reminder.Status.SENT), (2, 0, "inbox", Reminder.Status.SENT)],
        )
        self.assertIn(f"Due {ONE_DAY_LATER.isoformat()} (due today)", self.clerk_emails()[-1])


class MovedByOneDayAfterDeliveryTests(RearmTestCase):
    def test_it_sends_no_reminder_in_the_next_thirteen_hours(self) -> None:
        # Case (b): −3 delivered at 10:00 (inbox and email), the deadline moved a day at 11:00.
        scan(self, DUE - timedelta(days=14))
        scan(self, MINUS_3, 10)
        recorded, emails = Reminder.objects.count(), len(mail.outbox)
        self.extend(MINUS_3, 11, ONE_DAY_LATER)
        self.every_three_hours(MINUS_3, 12, MINUS_3 + timedelta(days=1), 0)
        self.assertEqual((Reminder.objects.count(), len(mail.outbox)), (recorded, emails))


class ExtendedByThreeMonthsTests(RearmTestCase):
    """Case (c): a large move skips what waits and starts afresh from −14 of the new date."""

    NEW_DUE = date(2025, 9, 5)

    def setUp(self) -> None:
        super().setUp()
        self.claimed_the_minus_3_stage_in_the_evening()
        self.extend(MINUS_3, 21, self.NEW_DUE)

    def test_it_skips_the_waiting_email_that_would_misstate_the_deadline(self) -> None:
        emails = len(mail.outbox)
        self.every_three_hours(MINUS_3, 22, MINUS_3 + timedelta(days=1), 10)
        self.assertEqual(len(mail.outbox), emails)
        self.assertEqual(
            Reminder.objects.get(obligation__kind="reply", stage=-3, channel="email").status,
            Reminder.Status.SKIPPED,
        )

    def test_it_reminds_fourteen_days_before_the_new_date(self) -> None:
        self.scans(
            (MINUS_3 + timedelta(days=1), 10),
            (DUE, 10),
            (self.NEW_DUE - timedelta(days=15), 10),
        )
        self.assertEqual(self.reply_rows(version=2), [])
        scan(self, self.NEW_DUE - timedelta(days=14), 10)
        self.assertEqual(
            self.reply_rows(version=2),
            [(2, -14, "email", Reminder.Status.SENT), (2, -14, "inbox", Reminder.Status.SENT)],
        )


class MovedEarlierTests(RearmTestCase):
    """Case (d): a deadline moved earlier (a corrected or recomputed date) catches up."""

    def move_to(self, day: date, new_due_on: date) -> None:
        with time_machine.travel(at(day, 9), tick=False), transaction.atomic():
            Assignment.objects.filter(pk=self.assignment.pk).update(due_on=new_due_on)
            deadlines_changed(Assignment.objects.get(pk=self.assignment.pk))

    def test_it_catches_up_with_one_reminder_past_several_stages(self) -> None:
        scan(self, DUE - timedelta(days=14))
        # Moved from 06-12 to 05-31 on 06-02: −3, the due day and +1 have all passed.
        self.move_to(DUE - timedelta(days=10), DUE - timedelta(days=12))
        self.every_three_hours(DUE - timedelta(days=10), 9, DUE - timedelta(days=9), 23)
        self.assertEqual(
            self.reply_rows(version=2),
            [(2, 1, "email", Reminder.Status.SENT), (2, 1, "inbox", Reminder.Status.SENT)],
        )

    def test_it_replaces_a_waiting_reminder_with_the_catch_up_stage(self) -> None:
        self.claimed_the_minus_3_stage_in_the_evening()
        emails = len(self.clerk_emails())
        # At 21:00 the deadline moves from Thursday to Tuesday: the −3 email still waits.
        with time_machine.travel(at(MINUS_3, 21), tick=False), transaction.atomic():
            Assignment.objects.filter(pk=self.assignment.pk).update(due_on=DUE - timedelta(days=2))
            deadlines_changed(Assignment.objects.get(pk=self.assignment.pk))
        self.every_three_hours(MINUS_3, 22, MINUS_3 + timedelta(days=1), 10)
        self.assertEqual(len(self.clerk_emails()) - emails, 1)
        self.assertIn(f"Due {(DUE - timedelta(days=2)).isoformat()} (due today)", self.clerk_emails()[-1])


class ExtendedWhileOverdueTests(RearmTestCase):
    def test_it_announces_the_new_due_day_after_overdue_reminders(self) -> None:
        # +1 and +8 went out; the deadline is then extended to five days ahead. The new
        # due day and, once it is missed, the overdue ladder are news, not replays; the
        # stages before the due day are not sent again.
        for offset in (-14, -3, 0, 1, 8):
            scan(self, DUE + timedelta(days=offset))
        self.extend(DUE + timedelta(days=9), 9, DUE + timedelta(days=14))
        for offset in range(9, 16):
            scan(self, DUE + timedelta(days=offset))
        self.assertEqual({stage for _, stage, _, _ in self.reply_rows(version=2)}, {0, 1})


class ScanTwiceAfterAMoveTests(RearmTestCase):
    def test_it_records_each_reminder_once(self) -> None:
        # Case (e): two beats (or a slow scan and the next) after the one-day move.
        self.claimed_the_minus_3_stage_in_the_evening()
        self.extend(MINUS_3, 21, ONE_DAY_LATER)
        moment = at(MINUS_3, 22)
        while moment <= at(ONE_DAY_LATER + timedelta(days=1), 10):
            scan(self, moment.date(), moment.hour)
            scan(self, moment.date(), moment.hour)
            moment += timedelta(hours=6)
        told = Counter(
            Reminder.objects.filter(recipient=self.clerk, obligation__kind="reply").values_list(
                "stage", "channel"
            )
        )
        self.assertEqual(set(told.values()), {1})
        self.assertEqual(set(told), {(s, c) for s in (-14, -3, 0, 1) for c in ("inbox", "email")})


@unittest.skipUnless(connection.vendor == "postgresql", "row locks (SKIP LOCKED) need PostgreSQL")
class CarryOverRacesDeliveryTests(TransactionTestCase):
    """The move and the morning delivery of the waiting −3 email, at the same moment."""

    def setUp(self) -> None:
        congress = Congress.objects.create(name="深圳市人民代表大会")
        session = Session.objects.create(congress=congress, name="七届五次", term=7, meeting=5, year=2024)
        deputy = Deputy.objects.create(congress=congress, name="陈寿", delegation="龙岗代表团")
        self.staff = User.objects.create_user("staff")
        self.staff.groups.add(Group.objects.get_or_create(name=Role.CONGRESS_STAFF)[0])
        department = Department.objects.create(name="龙岗区发展和改革局")
        self.clerk = User.objects.create_user("clerk", email=CLERK_EMAIL, department=department)
        self.clerk.groups.add(Group.objects.get_or_create(name=Role.DEPT_CLERK)[0])
        reminders_only()
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            proposal = Proposal.objects.create(
                congress=congress,
                session=session,
                number="20240001",
                title="关于坪西路改造的建议",
                lead_deputy=deputy,
                received_on=ASSIGNED,
            )
            proposal.assign(by=self.staff, lead=department, assigned_on=ASSIGNED)
            self.assignment = proposal.assignments.get()
            self.assignment.accept(by=self.clerk)
        with time_machine.travel(at(MINUS_3, 20), tick=False):
            run_scan()
        self.email = Reminder.objects.get(stage=-3, channel="email", status=Reminder.Status.PENDING)
        self.morning = at(MINUS_3 + timedelta(days=1), 10)

    def extend(self) -> None:
        Assignment.objects.get(pk=self.assignment.pk).extend(
            by=self.staff, new_due_on=ONE_DAY_LATER, reason="涉及多部门协调"
        )

    def test_a_row_being_sent_is_not_carried_over(self) -> None:
        sending, errors = threading.Event(), []
        real_send = delivery.send_reminders

        def slow_send(*args: object) -> None:
            sending.set()
            # Hold the locked row until the move is waiting for it.
            with connection.cursor() as cursor:
                for _ in range(200):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                    if cursor.fetchone()[0]:
                        break
                    time.sleep(0.05)
            real_send(*args)

        def deliver_email() -> None:
            try:
                deliver(self.clerk.pk, "email")
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                connections.close_all()

        with (
            time_machine.travel(self.morning, tick=False),
            mock.patch.object(delivery, "send_reminders", slow_send),
        ):
            thread = threading.Thread(target=deliver_email)
            thread.start()
            self.assertTrue(sending.wait(10))
            self.extend()
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(mail.outbox), 1)
        self.email.refresh_from_db()
        self.assertEqual((self.email.version, self.email.status), (1, Reminder.Status.SENT))
        for day in (MINUS_3 + timedelta(days=1), MINUS_3 + timedelta(days=2)):
            with time_machine.travel(at(day, 11), tick=False):
                run_scan()
        self.assertEqual(len(mail.outbox), 1)

    def test_a_row_being_carried_over_is_sent_once_afterwards(self) -> None:
        delivered: list[int] = []
        with time_machine.travel(self.morning, tick=False):
            with transaction.atomic():
                self.extend()
                # A delivery while the move is uncommitted passes over the locked row.
                thread = threading.Thread(
                    target=lambda: (
                        delivered.append(deliver(self.clerk.pk, "email")),
                        connections.close_all(),
                    )
                )
                thread.start()
                thread.join()
            self.assertEqual(delivered, [0])
            run_scan()
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(f"Due {ONE_DAY_LATER.isoformat()}", mail.outbox[0].body)
        self.email.refresh_from_db()
        self.assertEqual((self.email.version, self.email.status), (2, Reminder.Status.SENT))
