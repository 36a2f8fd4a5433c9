"""Two requests at once correcting a suggestion or recomputing its deadlines: one
writes and records the event, the other is told or left alone. Needs real row locks:
PostgreSQL only."""

from __future__ import annotations

import threading
import unittest
from collections.abc import Callable
from datetime import date

import time_machine
from django.contrib.auth.models import Group
from django.db import connection, connections
from django.test import TransactionTestCase

from proposals import recompute
from proposals.models import (
    Congress,
    DeadlineRule,
    Department,
    Deputy,
    Proposal,
    ProposalEvent,
    Rule,
    Session,
)
from tracker.deadlines import Unit
from tracker.models import Role, User
from tracker.workflow import InvalidTransition


def at_once(action: Callable[[], object], times: int = 2) -> list[BaseException]:
    """Run ``action`` in ``times`` threads released together; the errors they raised."""
    barrier = threading.Barrier(times)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with time_machine.travel(date(2024, 7, 16), tick=False):
                barrier.wait()
                action()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@unittest.skipUnless(connection.vendor == "postgresql", "row locks need PostgreSQL")
class RaceTests(TransactionTestCase):
    def setUp(self) -> None:
        self.congress = Congress.objects.create(name="深圳市人民代表大会")
        session = Session.objects.create(
            congress=self.congress, name="七届五次", term=7, meeting=5, year=2024
        )
        deputy = Deputy.objects.create(congress=self.congress, name="陈寿")
        self.staff = User.objects.create_user("staff")
        self.staff.groups.add(Group.objects.get_or_create(name=Role.CONGRESS_STAFF)[0])
        self.proposal = Proposal.objects.create(
            congress=self.congress,
            session=session,
            number="20240001",
            title="关于推动坪西路改造的建议",
            lead_deputy=deputy,
            received_on=date(2024, 6, 1),
        )
        with time_machine.travel(date(2024, 7, 16), tick=False):
            self.proposal.assign(
                by=self.staff,
                lead=Department.objects.create(name="龙岗区发展和改革局"),
                assigned_on=date(2024, 7, 15),
            )

    def test_two_identical_corrections_at_once_record_one_event(self) -> None:
        def correct() -> None:
            Proposal.objects.get(pk=self.proposal.pk).edit(
                by=self.staff, title="关于加快坪西路市政改造的建议", body="", category=None, reason="更正标题"
            )

        errors = at_once(correct)
        self.assertEqual([type(e) for e in errors], [InvalidTransition])
        self.assertEqual(ProposalEvent.objects.filter(kind=ProposalEvent.Kind.EDITED).count(), 1)

    def test_two_recomputes_at_once_move_each_deadline_once(self) -> None:
        DeadlineRule.objects.create(
            congress=self.congress, obligation=Rule.REPLY, count=2, unit=Unit.CALENDAR_MONTHS
        )
        plans = [recompute.plan(), recompute.plan()]
        errors = at_once(lambda: plans.pop().apply(by=self.staff, reason="改为两个月"))
        self.assertEqual(errors, [])
        self.assertEqual(ProposalEvent.objects.filter(kind=ProposalEvent.Kind.DEADLINE_RECOMPUTED).count(), 1)
        self.assertEqual(self.proposal.assignments.get().due_on, date(2024, 9, 18))
