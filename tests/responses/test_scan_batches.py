"""The scan records a batch's reminders with one insert (Reminder.objects.record): each
deadline still reaches its own unit's people, a reminder already recorded is neither
doubled nor counted again, and the queries do not grow with the deadlines due."""

from __future__ import annotations

from datetime import date

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.models import Proposal
from responses.models import Obligation, Reminder, ScanRun
from responses.reminders.scan import run_scan
from tests.base import TrackerTestCase
from tests.responses.reminder_helpers import at, reminders_only, scan
from tracker import outbox

ASSIGNED = date(2025, 3, 10)
REPLY_DUE = date(2025, 6, 10)


class BatchTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.clerk.email = "clerk@lg.gov.cn"
        cls.clerk.save()
        reminders_only()  # handover notices to the inbox only: this file counts reminders

    def assigned(self, count: int, *, unit: str = "lead") -> list[Proposal]:
        """``count`` suggestions whose reply is due on REPLY_DUE, led by the lead unit (or
        by the co-handling unit, whose clerk has no email address)."""
        department = self.lead_dept if unit == "lead" else self.co_dept
        clerk = self.clerk if unit == "lead" else self.co_clerk
        made = []
        with time_machine.travel(at(ASSIGNED, 9), tick=False):
            for _ in range(count):
                proposal = self.make_proposal()
                proposal.assign(by=self.staff, lead=department, assigned_on=ASSIGNED)
                self.lead_assignment(proposal).accept(by=clerk)
                made.append(proposal)
        # The handover notices of these assignments go out that day (the drain takes what
        # is a little old), not within the scan measured below: tests/responses/test_notices.py
        # counts their deliveries.
        with time_machine.travel(at(ASSIGNED, 12), tick=False):
            outbox.drain()
        return made

    def recorded(self, proposal: Proposal) -> set[tuple[int, str, str]]:
        return set(
            Reminder.objects.filter(obligation__proposal=proposal, obligation__kind="reply").values_list(
                "stage", "recipient__username", "channel"
            )
        )

    def test_each_deadline_reaches_its_own_units_people(self) -> None:
        ours, theirs = self.assigned(3), self.assigned(2, unit="co")
        run = scan(self, REPLY_DUE)
        for proposal in ours:
            self.assertEqual(self.recorded(proposal), {(0, "clerk", "inbox"), (0, "clerk", "email")})
        for proposal in theirs:
            self.assertEqual(self.recorded(proposal), {(0, "co_clerk", "inbox")})
        self.assertEqual((run.obligations, run.reminders), (5, 3 * 2 + 2))
        self.assertEqual(Reminder.objects.filter(obligation__kind="reply").count(), 8)
        self.assertFalse(Obligation.objects.due(REPLY_DUE).exists())

    def test_a_reminder_recorded_meanwhile_is_neither_doubled_nor_counted(self) -> None:
        first, second = self.assigned(2)
        obligation = Obligation.objects.get(assignment__proposal=first, kind="reply")
        # Another process recorded the due day's inbox reminder between the scan's reads.
        with time_machine.travel(at(REPLY_DUE, 9), tick=False):
            Reminder.objects.create(
                obligation=obligation,
                version=obligation.version,
                stage=0,
                due_on=obligation.due_on,
                recipient=self.clerk,
                audience=Reminder.Audience.CLERK,
                channel="inbox",
                send_after=at(REPLY_DUE, 9),
            )
        run = scan(self, REPLY_DUE)
        self.assertEqual(run.reminders, 3)  # the two emails and the second inbox reminder
        self.assertEqual(self.recorded(first), {(0, "clerk", "inbox"), (0, "clerk", "email")})
        self.assertEqual(self.recorded(second), {(0, "clerk", "inbox"), (0, "clerk", "email")})
        self.assertEqual(Reminder.objects.filter(obligation=obligation, stage=0, channel="inbox").count(), 1)
        # Every reminder was delivered, the one recorded meanwhile included, each once.
        self.assertFalse(Reminder.objects.pending().exists())
        self.assertEqual(self.clerk.notifications.filter(notice__isnull=True).count(), 2)

    def test_a_second_scan_records_nothing(self) -> None:
        self.assigned(3)
        scan(self, REPLY_DUE)
        again = scan(self, REPLY_DUE, hour=11)
        self.assertEqual((again.obligations, again.reminders), (0, 0))
        self.assertEqual(Reminder.objects.filter(obligation__kind="reply").count(), 6)
        self.assertEqual(ScanRun.objects.count(), 2)

    def test_the_queries_do_not_grow_with_the_deadlines_due(self) -> None:
        def queries(day: date) -> int:
            with (
                time_machine.travel(at(day, 10), tick=False),
                self.captureOnCommitCallbacks(execute=False),
                CaptureQueriesContext(connection) as captured,
            ):
                run_scan(batch=50)
            return len(captured)

        self.assigned(2)
        few = queries(REPLY_DUE)
        Reminder.objects.all().delete()
        Obligation.objects.all().delete()
        self.assigned(12)
        many = queries(REPLY_DUE)
        self.assertEqual(Reminder.objects.filter(obligation__kind="reply").count(), 24)
        self.assertEqual(few, many)
