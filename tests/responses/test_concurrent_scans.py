"""Two scans at once (two beat processes, or a slow scan overlapping the next) still
record and deliver each reminder once. Needs real row locks: PostgreSQL only."""

from __future__ import annotations

import threading
import unittest
from datetime import date

import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection, connections
from django.test import TransactionTestCase

from proposals.models import Congress, Department, Deputy, Proposal, Session
from responses.models import Reminder
from responses.reminders.scan import run_scan
from tests.responses.reminder_helpers import at, reminders_only
from tracker.models import Notification, Role, User

ASSIGNED = date(2025, 3, 10)
REPLY_DUE = date(2025, 6, 10)


@unittest.skipUnless(connection.vendor == "postgresql", "row locks (SKIP LOCKED) need PostgreSQL")
class ConcurrentScanTests(TransactionTestCase):
    def setUp(self) -> None:
        congress = Congress.objects.create(name="深圳市人民代表大会")
        session = Session.objects.create(congress=congress, name="七届五次", term=7, meeting=5, year=2024)
        deputy = Deputy.objects.create(congress=congress, name="陈寿", delegation="龙岗代表团")
        staff = User.objects.create_user("staff")
        staff.groups.add(Group.objects.get_or_create(name=Role.CONGRESS_STAFF)[0])
        self.departments = []
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            for d in range(8):
                department = Department.objects.create(name=f"承办单位{d}")
                clerk = User.objects.create_user(
                    f"clerk{d}", email=f"clerk{d}@example.cn", department=department
                )
                clerk.groups.add(Group.objects.get_or_create(name=Role.DEPT_CLERK)[0])
                reminders_only()
                for n in range(25):
                    proposal = Proposal.objects.create(
                        congress=congress,
                        session=session,
                        number=f"2024{d:02d}{n:02d}",
                        title="关于坪西路改造的建议",
                        lead_deputy=deputy,
                        received_on=ASSIGNED,
                    )
                    proposal.assign(by=staff, lead=department, assigned_on=ASSIGNED)

    def test_two_scans_at_once_send_each_reminder_once(self) -> None:
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with time_machine.travel(at(REPLY_DUE), tick=False):
                    barrier.wait()
                    run_scan(batch=10)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        # 200 reply deadlines due today (the sign-for windows lapsed long ago): one inbox and one
        # email reminder each; one digest email per clerk.
        reply_reminders = Reminder.objects.filter(obligation__kind="reply")
        self.assertEqual(reply_reminders.count(), 400)
        self.assertEqual(Notification.objects.filter(reminder__obligation__kind="reply").count(), 200)
        self.assertFalse(Reminder.objects.filter(status=Reminder.Status.PENDING, channel="inbox").exists())
        # Each scan sends at most one digest per person (8 clerks and the staff member).
        self.assertLessEqual(len(mail.outbox), 9 * 2)
        emailed = [int(i) for m in mail.outbox for i in m.extra_headers["X-Tracker-Reminders"].split(",")]
        self.assertEqual(
            sorted(emailed), sorted(Reminder.objects.filter(channel="email").values_list("pk", flat=True))
        )
