"""Feedback transitions: give, accept_rehandling, decline_rehandling; and CoOpinion.submit."""

from __future__ import annotations

from datetime import date

import time_machine

from proposals.models import Assignment, Proposal, ProposalEvent
from responses.models import CoOpinion, Feedback, Reply
from tests.base import TrackerTestCase
from tracker.workflow import InvalidTransition


class GiveTests(TrackerTestCase):
    def test_it_closes_the_suggestion_when_satisfied(self) -> None:
        reply = self.make_sent(self.make_assigned())
        Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        self.assertEqual(self.refreshed(reply.assignment.proposal).status, Proposal.Status.CLOSED)

    def test_it_closes_the_suggestion_when_basically_satisfied(self) -> None:
        reply = self.make_sent(self.make_assigned())
        Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.BASICALLY)
        self.assertEqual(self.refreshed(reply.assignment.proposal).status, Proposal.Status.CLOSED)

    def test_it_waits_for_every_current_reply(self) -> None:
        proposal = self.make_proposal()
        proposal.assign(by=self.staff, separate=[self.lead_dept, self.co_dept], assigned_on=date(2024, 7, 15))
        first = proposal.assignments.get(department=self.lead_dept)
        second = proposal.assignments.get(department=self.co_dept)
        for assignment, clerk, leader in (
            (first, self.clerk, self.leader),
            (second, self.co_clerk, self.co_leader),
        ):
            assignment.accept(by=clerk)
            reply = Reply.start_draft(
                assignment,
                by=clerk,
                body="答复",
                grade="A",
                publicity="public",
                contact_name="杨",
                contact_phone="1",
            )
            reply.submit(by=clerk)
            reply.approve(by=leader)
        Feedback.give(first.replies.get(), by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.REPLIED)

    def test_it_leaves_an_unsatisfied_rating_pending(self) -> None:
        reply = self.make_sent(self.make_assigned())
        feedback = Feedback.give(
            reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未解决"
        )
        self.assertEqual(feedback.decision, Feedback.Decision.PENDING)
        self.assertEqual(self.refreshed(reply.assignment.proposal).status, Proposal.Status.REPLIED)

    def test_it_records_the_event(self) -> None:
        reply = self.make_sent(self.make_assigned())
        Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        event = ProposalEvent.objects.get(kind=ProposalEvent.Kind.FEEDBACK)
        self.assertEqual((event.actor, event.to_status), (self.deputy_user, "satisfied"))

    def test_it_refuses_unsatisfied_without_comment(self) -> None:
        reply = self.make_sent(self.make_assigned())
        with self.assertRaises(InvalidTransition):
            Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment=" ")
        self.assertFalse(Feedback.objects.exists())

    def test_it_refuses_another_deputy(self) -> None:
        reply = self.make_sent(self.make_assigned())
        with self.assertRaises(InvalidTransition):
            Feedback.give(reply, by=self.other_deputy_user, rating=Feedback.Rating.SATISFIED)
        self.assertFalse(Feedback.objects.exists())

    def test_it_refuses_a_second_rating(self) -> None:
        reply = self.make_sent(self.make_assigned(co_signers=[self.other_deputy]))
        Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未解决")
        with self.assertRaises(InvalidTransition):
            Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        self.assertEqual(Feedback.objects.get().rating, Feedback.Rating.UNSATISFIED)

    def test_it_refuses_a_reply_not_sent(self) -> None:
        reply = self.make_draft(self.make_assigned())
        with self.assertRaises(InvalidTransition):
            Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        self.assertFalse(Feedback.objects.exists())


class RehandlingTests(TrackerTestCase):
    def unsatisfied(self) -> Feedback:
        reply = self.make_sent(self.make_assigned())
        return Feedback.give(
            reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="坪西路仍未动工"
        )

    @time_machine.travel(date(2024, 12, 2), tick=False)
    def test_it_starts_a_new_round_with_a_new_deadline(self) -> None:
        feedback = self.unsatisfied()
        feedback.accept_rehandling(by=self.staff, reason="答复未回应动工时间")
        assignment = self.refreshed(feedback.reply.assignment)
        self.assertEqual(
            (assignment.status, assignment.round, assignment.due_on),
            (Assignment.Status.DRAFTING, 2, date(2025, 1, 2)),
        )

    def test_it_puts_the_suggestion_in_rehandling(self) -> None:
        feedback = self.unsatisfied()
        feedback.accept_rehandling(by=self.staff, reason="答复未回应动工时间")
        self.assertEqual(
            self.refreshed(feedback.reply.assignment.proposal).status, Proposal.Status.REHANDLING
        )
        self.assertEqual(self.refreshed(feedback).decision, Feedback.Decision.REHANDLING)

    def test_it_keeps_the_earlier_reply_sent(self) -> None:
        feedback = self.unsatisfied()
        feedback.accept_rehandling(by=self.staff, reason="答复未回应动工时间")
        self.assertEqual(self.refreshed(feedback.reply).status, Reply.Status.SENT)

    def test_it_refuses_a_department_user(self) -> None:
        feedback = self.unsatisfied()
        with self.assertRaises(InvalidTransition):
            feedback.accept_rehandling(by=self.leader, reason="同意")
        self.assertEqual(self.refreshed(feedback).decision, Feedback.Decision.PENDING)

    def test_it_refuses_without_reason(self) -> None:
        feedback = self.unsatisfied()
        with self.assertRaises(InvalidTransition):
            feedback.accept_rehandling(by=self.staff, reason="")
        self.assertEqual(self.refreshed(feedback.reply.assignment).round, 1)

    def test_it_refuses_a_satisfied_rating(self) -> None:
        reply = self.make_sent(self.make_assigned())
        feedback = Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        with self.assertRaises(InvalidTransition):
            feedback.accept_rehandling(by=self.staff, reason="x")
        self.assertEqual(self.refreshed(reply.assignment).round, 1)

    def test_it_closes_the_suggestion_when_declined(self) -> None:
        feedback = self.unsatisfied()
        feedback.decline_rehandling(by=self.staff, reason="已按规划答复，无需重新办理")
        feedback.refresh_from_db()
        self.assertEqual(
            (feedback.decision, feedback.decision_reason), ("declined", "已按规划答复，无需重新办理")
        )
        self.assertEqual(self.refreshed(feedback.reply.assignment.proposal).status, Proposal.Status.CLOSED)

    def test_it_refuses_to_decline_twice(self) -> None:
        feedback = self.unsatisfied()
        feedback.decline_rehandling(by=self.staff, reason="无需重新办理")
        with self.assertRaises(InvalidTransition):
            feedback.decline_rehandling(by=self.staff, reason="再次")
        self.assertEqual(self.refreshed(feedback).decision_reason, "无需重新办理")

    def test_it_refuses_feedback_on_the_replaced_reply(self) -> None:
        proposal = self.make_assigned(co_signers=[self.other_deputy])
        reply = self.make_sent(proposal)
        feedback = Feedback.give(
            reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未解决"
        )
        feedback.accept_rehandling(by=self.staff, reason="同意重新办理")
        with self.assertRaises(InvalidTransition):
            Feedback.give(reply, by=self.other_deputy_user, rating=Feedback.Rating.SATISFIED)
        self.assertEqual(Feedback.objects.count(), 1)


class CoOpinionTests(TrackerTestCase):
    def test_it_sends_the_opinion(self) -> None:
        co = self.make_assigned().assignments.get(role=Assignment.Role.CO)
        CoOpinion.submit(co, by=self.co_clerk, body="住建局将配合推进坪西路改造。")
        self.assertEqual(self.refreshed(co).status, Assignment.Status.OPINION_SENT)
        self.assertEqual(co.opinion.body, "住建局将配合推进坪西路改造。")

    def test_it_refuses_an_empty_opinion(self) -> None:
        co = self.make_assigned().assignments.get(role=Assignment.Role.CO)
        with self.assertRaises(InvalidTransition):
            CoOpinion.submit(co, by=self.co_clerk, body="  ")
        self.assertEqual(self.refreshed(co).status, Assignment.Status.PENDING)

    def test_it_refuses_the_lead_unit(self) -> None:
        lead = self.lead_assignment(self.make_assigned())
        with self.assertRaises(InvalidTransition):
            CoOpinion.submit(lead, by=self.clerk, body="意见")
        self.assertFalse(CoOpinion.objects.exists())

    def test_it_refuses_another_department(self) -> None:
        co = self.make_assigned().assignments.get(role=Assignment.Role.CO)
        with self.assertRaises(InvalidTransition):
            CoOpinion.submit(co, by=self.clerk, body="意见")
        self.assertEqual(self.refreshed(co).status, Assignment.Status.PENDING)
