"""Proposal transitions: log, assign, close, and the status/deadline bookkeeping."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from proposals.models import Assignment, Proposal, ProposalEvent, Session
from proposals.timeline import describe
from tests.base import TrackerTestCase
from tracker.workflow import InvalidTransition


class LogTests(TrackerTestCase):
    def new(self) -> Proposal:
        return Proposal(
            congress=self.congress,
            session=self.session,
            number="20240493",
            title="关于发展新质生产力的建议",
            lead_deputy=self.deputy,
            received_on=date(2024, 6, 1),
        )

    def test_it_saves_the_suggestion_as_registered(self) -> None:
        proposal = self.new()
        proposal.log(by=self.staff, co_signers=[self.other_deputy])
        proposal.refresh_from_db()
        self.assertEqual((proposal.status, proposal.created_by), (Proposal.Status.REGISTERED, self.staff))
        self.assertEqual(list(proposal.co_signers.all()), [self.other_deputy])

    def test_it_writes_the_logged_event(self) -> None:
        proposal = self.new()
        proposal.log(by=self.staff)
        event = proposal.events.get()
        self.assertEqual(
            (event.kind, event.actor, event.to_status), (ProposalEvent.Kind.LOGGED, self.staff, "registered")
        )

    def test_it_gives_a_suggestion_raised_between_sessions_an_assignment_deadline(self) -> None:
        recess = Session.objects.create(congress=self.congress, name="第七届闭会期间", term=7, year=2024)
        proposal = self.new()
        proposal.session = recess
        proposal.received_on = date(2024, 9, 27)
        proposal.log(by=self.staff)
        # 5 working days from Friday 2024-09-27: make-up Sunday 09-29, 09-30, then 10-08…10-10.
        self.assertEqual(self.refreshed(proposal).next_due_on, date(2024, 10, 10))
        self.assertIn("2024-10-10", describe(proposal.events.get()).detail)

    def test_it_gives_a_session_suggestion_no_deadline_before_assignment(self) -> None:
        proposal = self.new()
        proposal.log(by=self.staff)
        self.assertIsNone(self.refreshed(proposal).next_due_on)

    def test_it_refuses_to_log_a_suggestion_twice(self) -> None:
        proposal = self.make_proposal()
        with self.assertRaises(InvalidTransition):
            proposal.log(by=self.staff)
        self.assertFalse(proposal.events.exists())


class AssignTests(TrackerTestCase):
    def test_it_creates_lead_and_co_assignments_with_their_deadlines(self) -> None:
        proposal = self.make_proposal()
        lead, co = proposal.assign(
            by=self.staff, lead=self.lead_dept, co=[self.co_dept], assigned_on=date(2024, 7, 15)
        )
        self.assertEqual((lead.role, lead.due_on), (Assignment.Role.LEAD, date(2024, 10, 15)))
        self.assertEqual((co.role, co.due_on), (Assignment.Role.CO, date(2024, 8, 15)))

    def test_it_moves_a_registered_suggestion_to_assigned(self) -> None:
        proposal = self.make_assigned()
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.ASSIGNED)

    def test_it_sets_the_next_deadline_to_the_earliest_open_one(self) -> None:
        proposal = self.make_assigned(assigned_on=date(2024, 7, 15))
        self.assertEqual(self.refreshed(proposal).next_due_on, date(2024, 8, 15))

    def test_it_writes_one_event_per_assignment_and_one_for_the_status(self) -> None:
        proposal = self.make_assigned()
        kinds = sorted(proposal.events.values_list("kind", flat=True))
        self.assertEqual(kinds, ["assigned", "assigned", "status"])

    def test_it_explains_each_deadline(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        self.assertIn("3 months from 2024-07-15 → 2024-10-15", self.lead_assignment(proposal).due_explanation)

    def test_it_assigns_separate_departments(self) -> None:
        proposal = self.make_proposal()
        created = proposal.assign(
            by=self.staff, separate=[self.lead_dept, self.other_dept], assigned_on=date(2024, 7, 15)
        )
        self.assertEqual({a.role for a in created}, {Assignment.Role.SEPARATE})

    def assertRefused(self, proposal: Proposal, **kwargs: object) -> None:
        events = proposal.events.count()
        assignments = proposal.assignments.count()
        status = self.refreshed(proposal).status
        with self.assertRaises(InvalidTransition):
            proposal.assign(by=self.staff, assigned_on=date(2024, 7, 15), **kwargs)
        proposal.refresh_from_db()
        self.assertEqual(
            (proposal.status, proposal.events.count(), proposal.assignments.count()),
            (status, events, assignments),
        )

    def test_it_refuses_no_department(self) -> None:
        self.assertRefused(self.make_proposal())

    def test_it_refuses_a_lead_together_with_separate_departments(self) -> None:
        self.assertRefused(self.make_proposal(), lead=self.lead_dept, separate=[self.other_dept])

    def test_it_refuses_co_handlers_without_a_lead(self) -> None:
        self.assertRefused(self.make_proposal(), co=[self.co_dept], separate=[self.other_dept])

    def test_it_refuses_a_department_chosen_twice(self) -> None:
        self.assertRefused(self.make_proposal(), lead=self.lead_dept, co=[self.lead_dept])

    def test_it_refuses_a_department_that_already_has_it(self) -> None:
        self.assertRefused(self.make_assigned(with_co=False), separate=[self.lead_dept])

    def test_it_refuses_a_second_lead(self) -> None:
        self.assertRefused(self.make_assigned(with_co=False), lead=self.other_dept)

    def test_it_refuses_a_replied_suggestion(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal)
        self.assertRefused(proposal, separate=[self.other_dept])


class StatusSyncTests(TrackerTestCase):
    def test_it_moves_to_handling_when_every_responsible_unit_signed_for(self) -> None:
        proposal = self.make_assigned()
        self.lead_assignment(proposal).accept(by=self.clerk)
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.HANDLING)

    def test_it_waits_for_every_separate_unit_before_handling(self) -> None:
        proposal = self.make_proposal()
        first, _second = proposal.assign(
            by=self.staff, separate=[self.lead_dept, self.other_dept], assigned_on=date(2024, 7, 15)
        )
        first.accept(by=self.clerk)
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.ASSIGNED)

    def test_it_moves_to_replied_when_the_lead_reply_is_sent(self) -> None:
        proposal = self.make_assigned()
        self.make_sent(proposal)
        proposal.refresh_from_db()
        self.assertEqual(
            (proposal.status, proposal.next_due_on), (Proposal.Status.REPLIED, date(2024, 8, 15))
        )


class CloseTests(TrackerTestCase):
    def test_it_closes_a_replied_suggestion_and_clears_its_deadline(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal)
        proposal.refresh_from_db()
        proposal.close(by=self.staff, reason="征询意见期满")
        proposal.refresh_from_db()
        self.assertEqual((proposal.status, proposal.next_due_on), (Proposal.Status.CLOSED, None))

    def test_it_writes_the_status_event_with_the_reason(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal)
        proposal.refresh_from_db()
        proposal.close(by=self.staff, reason="征询意见期满")
        event = proposal.events.latest("pk")
        self.assertEqual(
            (event.from_status, event.to_status, event.reason), ("replied", "closed", "征询意见期满")
        )

    def test_it_refuses_a_suggestion_still_being_handled(self) -> None:
        proposal = self.make_assigned()
        events = proposal.events.count()
        with self.assertRaises(InvalidTransition):
            proposal.close(by=self.staff, reason="x")
        self.assertEqual(
            (self.refreshed(proposal).status, proposal.events.count()), (Proposal.Status.ASSIGNED, events)
        )

    def test_it_refuses_without_a_reason(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal)
        proposal.refresh_from_db()
        with self.assertRaises(InvalidTransition):
            proposal.close(by=self.staff, reason="  ")
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.REPLIED)


class ReadingTests(TrackerTestCase):
    @time_machine.travel(date(2024, 10, 16), tick=False)
    def test_it_counts_days_left_from_the_local_date(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        self.assertEqual((self.refreshed(proposal).days_left(), proposal.is_overdue), (-1, True))

    def test_it_counts_by_the_beijing_date_not_the_utc_date(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        # 17:00 UTC on the 15th is already 01:00 on the 16th in Beijing.
        with time_machine.travel(datetime(2024, 10, 15, 17, 0, tzinfo=UTC), tick=False):
            self.assertEqual(self.refreshed(proposal).days_left(), -1)

    def test_it_has_no_days_left_without_a_deadline(self) -> None:
        self.assertIsNone(self.make_proposal().days_left())
