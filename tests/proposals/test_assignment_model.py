"""Assignment transitions: accept, request_change, decide_change, extend, record_contact.

The suggestion is assigned on Monday 2024-07-15: the lead reply is due 2024-10-15,
the co-handler's opinion 2024-08-15, the window to dispute closes after 7 working
days on 2024-07-24, and an extension may reach 2025-01-15 at most.
"""

from __future__ import annotations

from datetime import date

import time_machine

from proposals.models import Assignment, Contact, Proposal, ProposalEvent
from proposals.timeline import describe
from tests.base import TrackerTestCase
from tracker.workflow import InvalidTransition


class AssignmentTestCase(TrackerTestCase):
    proposal: Proposal
    lead: Assignment
    co: Assignment

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_assigned(assigned_on=date(2024, 7, 15))
        cls.lead = cls.lead_assignment(cls.proposal)
        cls.co = cls.proposal.assignments.get(role=Assignment.Role.CO)

    def assertUnchanged(self, assignment: Assignment, status: str) -> None:
        events = assignment.events.count()
        assignment.refresh_from_db()
        self.assertEqual(assignment.status, status)
        self.assertEqual(assignment.events.count(), events)


class CreateTests(AssignmentTestCase):
    def test_it_sets_the_window_to_dispute(self) -> None:
        self.assertEqual(self.lead.respond_by, date(2024, 7, 24))

    def test_it_gives_the_co_handler_one_month(self) -> None:
        self.assertEqual(self.co.due_on, date(2024, 8, 15))

    def test_it_records_who_assigned_it(self) -> None:
        event = self.lead.events.get(kind=ProposalEvent.Kind.ASSIGNED)
        self.assertEqual(
            (event.actor, event.department, event.to_status), (self.staff, self.lead_dept, "pending")
        )


class AcceptTests(AssignmentTestCase):
    def test_it_accepts_a_pending_assignment(self) -> None:
        self.lead.accept(by=self.clerk)
        self.assertEqual(self.refreshed(self.lead).status, Assignment.Status.ACCEPTED)

    def test_it_writes_the_event(self) -> None:
        self.lead.accept(by=self.clerk)
        event = self.lead.events.latest("pk")
        self.assertEqual(
            (event.kind, event.actor, event.from_status), (ProposalEvent.Kind.ACCEPTED, self.clerk, "pending")
        )

    def test_it_refuses_another_department(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.accept(by=self.co_clerk)
        self.assertUnchanged(self.lead, Assignment.Status.PENDING)

    def test_it_refuses_staff(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.accept(by=self.staff)
        self.assertUnchanged(self.lead, Assignment.Status.PENDING)

    def test_it_refuses_to_accept_twice(self) -> None:
        self.lead.accept(by=self.clerk)
        with self.assertRaises(InvalidTransition):
            self.lead.accept(by=self.clerk)
        self.assertUnchanged(self.lead, Assignment.Status.ACCEPTED)


class RequestChangeTests(AssignmentTestCase):
    def test_it_records_the_request_just_before_the_window_closes(self) -> None:
        with time_machine.travel(date(2024, 7, 23), tick=False):
            self.lead.request_change(by=self.clerk, reason="不属于本局职责")
        self.lead.refresh_from_db()
        self.assertEqual((self.lead.status, self.lead.change_reason), ("change_requested", "不属于本局职责"))

    def test_it_accepts_the_request_on_the_last_day(self) -> None:
        with time_machine.travel(date(2024, 7, 24), tick=False):
            self.lead.request_change(by=self.clerk, reason="不属于本局职责")
        self.assertEqual(self.refreshed(self.lead).status, Assignment.Status.CHANGE_REQUESTED)

    def test_it_refuses_the_request_after_the_window(self) -> None:
        with time_machine.travel(date(2024, 7, 25), tick=False), self.assertRaises(InvalidTransition):
            self.lead.request_change(by=self.clerk, reason="不属于本局职责")
        self.assertUnchanged(self.lead, Assignment.Status.PENDING)

    def test_it_allows_a_request_after_signing_for(self) -> None:
        self.lead.accept(by=self.clerk)
        with time_machine.travel(date(2024, 7, 20), tick=False):
            self.lead.request_change(by=self.clerk, reason="不属于本局职责")
        self.assertEqual(self.refreshed(self.lead).status, Assignment.Status.CHANGE_REQUESTED)

    def test_it_writes_the_event_with_the_reason(self) -> None:
        with time_machine.travel(date(2024, 7, 20), tick=False):
            self.lead.request_change(by=self.clerk, reason="不属于本局职责")
        event = self.lead.events.latest("pk")
        self.assertEqual((event.kind, event.reason), (ProposalEvent.Kind.CHANGE_REQUESTED, "不属于本局职责"))

    def test_it_refuses_an_empty_reason(self) -> None:
        with time_machine.travel(date(2024, 7, 20), tick=False), self.assertRaises(InvalidTransition):
            self.lead.request_change(by=self.clerk, reason=" ")
        self.assertUnchanged(self.lead, Assignment.Status.PENDING)

    def test_it_refuses_another_department(self) -> None:
        with time_machine.travel(date(2024, 7, 20), tick=False), self.assertRaises(InvalidTransition):
            self.lead.request_change(by=self.outsider, reason="x")
        self.assertUnchanged(self.lead, Assignment.Status.PENDING)


@time_machine.travel(date(2024, 7, 22), tick=False)
class DecideChangeTests(AssignmentTestCase):
    def setUp(self) -> None:
        self.lead.request_change(by=self.clerk, reason="不属于本局职责")

    def test_it_withdraws_the_old_assignment_and_creates_the_new_one(self) -> None:
        successor = self.lead.decide_change(
            by=self.staff, approve=True, reason="调整", new_department=self.other_dept
        )
        self.lead.refresh_from_db()
        self.assertEqual((self.lead.status, self.lead.replaced_by), (Assignment.Status.WITHDRAWN, successor))
        self.assertEqual((successor.department, successor.role), (self.other_dept, "lead"))

    def test_it_keeps_the_assignment_date_with_the_deadline_but_opens_a_new_sign_for_window(self) -> None:
        successor = self.lead.decide_change(
            by=self.staff, approve=True, reason="调整", new_department=self.other_dept
        )
        # 7 working days from the transfer on Monday 2024-07-22.
        self.assertEqual(
            (successor.assigned_on, successor.respond_by), (date(2024, 7, 15), date(2024, 7, 31))
        )

    def test_it_transfers_an_overdue_assignment_keeping_its_passed_deadline(self) -> None:
        with time_machine.travel(date(2024, 11, 4), tick=False):
            successor = self.lead.decide_change(
                by=self.staff, approve=True, reason="调整", new_department=self.other_dept
            )
            self.assertEqual((successor.due_on, successor.is_overdue), (date(2024, 10, 15), True))

    def test_it_keeps_the_deadline_by_default(self) -> None:
        successor = self.lead.decide_change(
            by=self.staff, approve=True, reason="调整", new_department=self.other_dept
        )
        self.assertEqual(successor.due_on, date(2024, 10, 15))
        self.assertIn("kept from the transferred assignment", successor.due_explanation)

    def test_it_resets_the_deadline_on_request(self) -> None:
        successor = self.lead.decide_change(
            by=self.staff, approve=True, reason="调整", new_department=self.other_dept, reset_deadline=True
        )
        self.assertEqual((successor.assigned_on, successor.due_on), (date(2024, 7, 22), date(2024, 10, 22)))

    def test_it_writes_the_withdrawn_and_assigned_events(self) -> None:
        self.lead.decide_change(by=self.staff, approve=True, reason="调整", new_department=self.other_dept)
        kinds = list(self.proposal.events.order_by("-pk").values_list("kind", flat=True)[:2])
        self.assertEqual(kinds, [ProposalEvent.Kind.ASSIGNED, ProposalEvent.Kind.WITHDRAWN])

    def test_it_refuses_the_change_and_returns_to_accepted(self) -> None:
        self.assertIsNone(self.lead.decide_change(by=self.staff, approve=False, reason="仍由本局主办"))
        self.assertEqual(self.refreshed(self.lead).status, Assignment.Status.ACCEPTED)
        self.assertEqual(self.lead.events.latest("pk").kind, ProposalEvent.Kind.CHANGE_REFUSED)

    def test_it_refuses_a_department_user(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.decide_change(by=self.clerk, approve=False, reason="x")
        self.assertUnchanged(self.lead, Assignment.Status.CHANGE_REQUESTED)

    def test_it_refuses_without_a_reason(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.decide_change(by=self.staff, approve=False, reason="")
        self.assertUnchanged(self.lead, Assignment.Status.CHANGE_REQUESTED)

    def test_it_refuses_approval_without_a_new_department(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.decide_change(by=self.staff, approve=True, reason="调整")
        self.assertUnchanged(self.lead, Assignment.Status.CHANGE_REQUESTED)

    def test_it_refuses_the_same_department(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.decide_change(by=self.staff, approve=True, reason="调整", new_department=self.lead_dept)
        self.assertUnchanged(self.lead, Assignment.Status.CHANGE_REQUESTED)

    def test_it_refuses_a_department_that_already_has_the_suggestion(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.decide_change(by=self.staff, approve=True, reason="调整", new_department=self.co_dept)
        self.assertUnchanged(self.lead, Assignment.Status.CHANGE_REQUESTED)

    def test_it_refuses_when_no_change_was_requested(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.co.decide_change(by=self.staff, approve=False, reason="x")
        self.assertUnchanged(self.co, Assignment.Status.PENDING)


class ExtendTests(AssignmentTestCase):
    def test_it_extends_to_the_six_month_maximum(self) -> None:
        self.lead.extend(by=self.staff, new_due_on=date(2025, 1, 15), reason="涉及多部门协调")
        self.lead.refresh_from_db()
        self.assertEqual((self.lead.due_on, self.lead.due_basis["kind"]), (date(2025, 1, 15), "extended"))

    def test_it_explains_the_new_deadline_with_the_reason(self) -> None:
        self.lead.extend(by=self.staff, new_due_on=date(2024, 12, 15), reason="涉及多部门协调")
        self.assertIn("涉及多部门协调", self.refreshed(self.lead).due_explanation)

    def test_it_writes_the_event(self) -> None:
        self.lead.extend(by=self.staff, new_due_on=date(2024, 12, 15), reason="涉及多部门协调")
        event = self.lead.events.latest("pk")
        self.assertEqual(
            (event.kind, event.data, describe(event).detail),
            (
                ProposalEvent.Kind.EXTENDED,
                {"old_due_on": "2024-10-15", "due_on": "2024-12-15"},
                "2024-10-15 → 2024-12-15",
            ),
        )

    def test_it_refuses_one_day_beyond_the_maximum(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.extend(by=self.staff, new_due_on=date(2025, 1, 16), reason="涉及多部门协调")
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))

    def test_it_refuses_an_earlier_date(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.extend(by=self.staff, new_due_on=date(2024, 10, 1), reason="x")
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))

    def test_it_refuses_without_a_reason(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.extend(by=self.staff, new_due_on=date(2024, 12, 15), reason="")
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))

    def test_it_refuses_a_department_user(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.lead.extend(by=self.clerk, new_due_on=date(2024, 12, 15), reason="x")
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))

    def test_it_refuses_a_replied_assignment(self) -> None:
        self.make_sent(self.proposal)
        self.lead.refresh_from_db()
        with self.assertRaises(InvalidTransition):
            self.lead.extend(by=self.staff, new_due_on=date(2024, 12, 15), reason="x")
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))


@time_machine.travel(date(2024, 7, 30), tick=False)
class RecordContactTests(AssignmentTestCase):
    def record(self, **overrides: object) -> Contact:
        fields: dict[str, object] = {
            "by": self.clerk,
            "contacted_on": date(2024, 7, 29),
            "method": Contact.Method.FACE_TO_FACE,
            "stage": Contact.Stage.BEFORE,
            "summary": "与陈寿代表座谈",
        }
        fields.update(overrides)
        return self.lead.record_contact(**fields)  # type: ignore[arg-type]

    def test_it_records_the_contact(self) -> None:
        contact = self.record()
        self.assertEqual(
            (contact.assignment, contact.recorded_by, contact.is_face_to_face), (self.lead, self.clerk, True)
        )

    def test_it_writes_the_event(self) -> None:
        self.record()
        self.assertEqual(self.lead.events.latest("pk").kind, ProposalEvent.Kind.CONTACT)

    def test_it_refuses_a_date_in_the_future(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.record(contacted_on=date(2024, 7, 31))
        self.assertFalse(Contact.objects.exists())

    def test_it_refuses_another_department(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.record(by=self.co_clerk)
        self.assertFalse(Contact.objects.exists())

    def test_it_refuses_a_withdrawn_assignment(self) -> None:
        with time_machine.travel(date(2024, 7, 22), tick=False):
            self.lead.request_change(by=self.clerk, reason="不属于本局职责")
            self.lead.decide_change(
                by=self.staff, approve=True, reason="调整", new_department=self.other_dept
            )
        with self.assertRaises(InvalidTransition):
            self.record()
        self.assertFalse(Contact.objects.exists())
