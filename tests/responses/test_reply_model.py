"""Reply transitions: start_draft, submit, approve, return_to_clerk, regrade."""

from __future__ import annotations

from datetime import date

import time_machine

from proposals.models import Assignment, Proposal, ProposalEvent
from responses.models import Commitment, Reply
from tests.base import TrackerTestCase
from tracker.workflow import InvalidTransition


class StartDraftTests(TrackerTestCase):
    def test_it_creates_the_draft_for_the_current_round(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.assertEqual((reply.status, reply.round), (Reply.Status.DRAFT, 1))
        self.assertEqual(self.refreshed(reply.assignment).status, Assignment.Status.DRAFTING)

    def test_it_records_the_drafted_event(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.assertTrue(
            ProposalEvent.objects.filter(
                assignment=reply.assignment, kind=ProposalEvent.Kind.DRAFTED
            ).exists()
        )

    def test_it_refuses_a_co_handling_unit(self) -> None:
        proposal = self.make_assigned()
        co = proposal.assignments.get(role=Assignment.Role.CO)
        co.accept(by=self.co_clerk)
        with self.assertRaises(InvalidTransition):
            Reply.start_draft(co, by=self.co_clerk, body="x", grade="A", publicity="public")
        self.assertFalse(Reply.objects.exists())

    def test_it_refuses_an_assignment_not_signed_for(self) -> None:
        assignment = self.lead_assignment(self.make_assigned())
        with self.assertRaises(InvalidTransition):
            Reply.start_draft(assignment, by=self.clerk, body="x", grade="A", publicity="public")
        self.assertEqual(self.refreshed(assignment).status, Assignment.Status.PENDING)


class SubmitTests(TrackerTestCase):
    def test_it_submits_the_draft_to_the_leader(self) -> None:
        reply = self.make_draft(self.make_assigned())
        reply.submit(by=self.clerk)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)
        self.assertEqual(self.refreshed(reply.assignment).status, Assignment.Status.AWAITING_APPROVAL)

    def test_it_refuses_a_b_reply_without_commitments(self) -> None:
        reply = self.make_draft(self.make_assigned(), grade="B")
        reply.commitments.all().delete()
        with self.assertRaises(InvalidTransition):
            reply.submit(by=self.clerk)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)

    def test_it_refuses_a_c_reply_without_reason(self) -> None:
        reply = self.make_draft(self.make_assigned(), grade="C")
        Reply.objects.filter(pk=reply.pk).update(grade_reason="")
        reply.refresh_from_db()
        with self.assertRaises(InvalidTransition):
            reply.submit(by=self.clerk)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)

    def test_it_refuses_an_unpublished_reply_without_reason(self) -> None:
        reply = self.make_draft(self.make_assigned(), publicity=Reply.Publicity.NOT_PUBLIC)
        with self.assertRaises(InvalidTransition):
            reply.submit(by=self.clerk)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)

    def test_it_refuses_a_grade_outside_the_congress_scale(self) -> None:
        reply = self.make_draft(self.make_assigned(), grade="D")
        with self.assertRaises(InvalidTransition):
            reply.submit(by=self.clerk)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)

    def test_it_refuses_another_department(self) -> None:
        reply = self.make_draft(self.make_assigned())
        with self.assertRaises(InvalidTransition):
            reply.submit(by=self.co_clerk)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)

    def test_it_refuses_a_reply_already_submitted(self) -> None:
        reply = self.make_draft(self.make_assigned())
        reply.submit(by=self.clerk)
        with self.assertRaises(InvalidTransition):
            reply.submit(by=self.clerk)
        self.assertEqual(self.refreshed(reply.assignment).status, Assignment.Status.AWAITING_APPROVAL)


class ApproveTests(TrackerTestCase):
    def submitted(self, **overrides: object) -> Reply:
        reply = self.make_draft(self.make_assigned(), **overrides)
        reply.submit(by=self.clerk)
        return reply

    def test_it_sends_the_reply(self) -> None:
        reply = self.submitted()
        reply.approve(by=self.leader, sent_on=date(2024, 11, 18))
        reply.refresh_from_db()
        self.assertEqual(
            (reply.status, reply.sent_on, reply.approved_by), ("sent", date(2024, 11, 18), self.leader)
        )

    def test_it_sets_the_feedback_deadline(self) -> None:
        reply = self.submitted()
        reply.approve(by=self.leader, sent_on=date(2024, 11, 18))
        # 20 working days after Monday 18 November 2024.
        self.assertEqual(self.refreshed(reply).feedback_due_on, date(2024, 12, 16))

    def test_it_keeps_the_department_grade(self) -> None:
        reply = self.submitted(grade="B")
        reply.approve(by=self.leader)
        self.assertEqual(self.refreshed(reply).department_grade, "B")

    @time_machine.travel(date(2024, 11, 18), tick=False)
    def test_it_dates_the_letter_today_by_default(self) -> None:
        reply = self.submitted()
        reply.approve(by=self.leader)
        self.assertEqual(self.refreshed(reply).sent_on, date(2024, 11, 18))

    def test_it_marks_the_suggestion_replied(self) -> None:
        reply = self.submitted()
        reply.approve(by=self.leader)
        self.assertEqual(self.refreshed(reply.assignment.proposal).status, Proposal.Status.REPLIED)

    def test_it_refuses_a_clerk(self) -> None:
        reply = self.submitted()
        with self.assertRaises(InvalidTransition):
            reply.approve(by=self.clerk)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)

    def test_it_refuses_the_leader_of_another_department(self) -> None:
        reply = self.submitted()
        with self.assertRaises(InvalidTransition):
            reply.approve(by=self.co_leader)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)

    def test_it_refuses_a_draft(self) -> None:
        reply = self.make_draft(self.make_assigned())
        with self.assertRaises(InvalidTransition):
            reply.approve(by=self.leader)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)


class ReturnToClerkTests(TrackerTestCase):
    def test_it_returns_the_reply_with_the_comment(self) -> None:
        reply = self.make_draft(self.make_assigned())
        reply.submit(by=self.clerk)
        reply.return_to_clerk(by=self.leader, comment="请补充办理时限")
        reply.refresh_from_db()
        self.assertEqual((reply.status, reply.return_comment), (Reply.Status.RETURNED, "请补充办理时限"))
        self.assertEqual(self.refreshed(reply.assignment).status, Assignment.Status.DRAFTING)

    def test_it_refuses_without_comment(self) -> None:
        reply = self.make_draft(self.make_assigned())
        reply.submit(by=self.clerk)
        with self.assertRaises(InvalidTransition):
            reply.return_to_clerk(by=self.leader, comment=" ")
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)

    def test_it_refuses_a_clerk(self) -> None:
        reply = self.make_draft(self.make_assigned())
        reply.submit(by=self.clerk)
        with self.assertRaises(InvalidTransition):
            reply.return_to_clerk(by=self.clerk, comment="x")
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)

    def test_it_lets_the_clerk_submit_again(self) -> None:
        reply = self.make_draft(self.make_assigned())
        reply.submit(by=self.clerk)
        reply.return_to_clerk(by=self.leader, comment="请补充")
        reply.submit(by=self.clerk)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)


class RegradeTests(TrackerTestCase):
    def test_it_changes_the_grade_and_keeps_the_department_grade(self) -> None:
        reply = self.make_sent(self.make_assigned(), grade="B")
        self.keep_promises(reply)
        reply.regrade("A", by=self.staff, reason="坪西路改造已完成")
        reply.refresh_from_db()
        self.assertEqual((reply.grade, reply.department_grade), ("A", "B"))

    def test_it_records_the_event_from_and_to(self) -> None:
        reply = self.make_sent(self.make_assigned(), grade="B")
        self.keep_promises(reply)
        reply.regrade("A", by=self.staff, reason="坪西路改造已完成")
        event = ProposalEvent.objects.get(kind=ProposalEvent.Kind.REGRADED)
        self.assertEqual((event.from_status, event.to_status, event.actor), ("B", "A", self.staff))

    def test_it_refuses_without_reason(self) -> None:
        reply = self.make_sent(self.make_assigned(), grade="B")
        with self.assertRaises(InvalidTransition):
            reply.regrade("A", by=self.staff, reason="")
        self.assertEqual(self.refreshed(reply).grade, "B")

    def test_it_refuses_a_department_user(self) -> None:
        reply = self.make_sent(self.make_assigned(), grade="B")
        with self.assertRaises(InvalidTransition):
            reply.regrade("A", by=self.leader, reason="已解决")
        self.assertEqual(self.refreshed(reply).grade, "B")

    def test_it_refuses_b_without_a_dated_commitment(self) -> None:
        reply = self.make_sent(self.make_assigned(), grade="A")
        with self.assertRaises(InvalidTransition):
            reply.regrade("B", by=self.staff, reason="尚未解决")
        self.assertEqual(self.refreshed(reply).grade, "A")

    def test_it_refuses_a_reply_not_sent(self) -> None:
        reply = self.make_draft(self.make_assigned(), grade="B")
        with self.assertRaises(InvalidTransition):
            reply.regrade("A", by=self.staff, reason="已解决")
        self.assertEqual(self.refreshed(reply).grade, "B")


class VisibilityTests(TrackerTestCase):
    def test_it_keeps_drafts_inside_the_department(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.assertIn(reply, Reply.objects.visible_to(self.clerk))
        self.assertNotIn(reply, Reply.objects.visible_to(self.co_clerk))

    def test_it_shows_sent_replies_to_the_suggestion_deputy(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.assertIn(reply, Reply.objects.visible_to(self.deputy_user))
        self.assertNotIn(reply, Reply.objects.visible_to(self.other_deputy_user))

    def test_it_publishes_only_sent_replies_staff_published(self) -> None:
        # Was: sent and 主动公开. The unit's choice is now a proposal; staff decide
        # (responses.Publication, 国办发〔2014〕46号).
        sent = self.publish(self.make_sent(self.make_assigned()))
        self.make_sent(self.make_assigned())  # awaiting staff's decision
        self.make_draft(self.make_assigned())
        self.make_sent(
            self.make_assigned(), publicity=Reply.Publicity.ON_REQUEST, publicity_reason="涉及规划"
        )
        self.assertEqual(list(Reply.objects.published()), [sent])

    def test_it_counts_a_commitment_as_dated(self) -> None:
        reply = self.make_draft(self.make_assigned(), grade="B")
        self.assertEqual(reply.problems(), [])
        self.assertEqual(Commitment.objects.filter(reply=reply).count(), 1)


class RemoveCommitmentTests(TrackerTestCase):
    def test_it_refuses_to_remove_a_commitment_of_a_sent_reply(self) -> None:
        reply = self.make_sent(self.make_assigned(), grade="B")
        commitment = reply.commitments.get()
        with self.assertRaises(InvalidTransition):
            commitment.remove_from_draft()
        self.assertEqual(self.refreshed(commitment).status, Commitment.Status.OPEN)
