"""Reminders after the reply: the deputy's feedback window, commitments and progress reports."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine

from proposals.models import Proposal, ProposalEvent
from responses.models import Feedback, Obligation, Reminder
from tests.base import TrackerTestCase
from tests.responses.reminder_helpers import at, rows, scan

SENT = date(2025, 5, 20)


class FeedbackWindowTests(TrackerTestCase):
    def send_reply(self, **overrides: object):  # type: ignore[no-untyped-def]
        with time_machine.travel(at(SENT, 9), tick=False):
            proposal = self.make_assigned(with_co=False, assigned_on=date(2025, 3, 10), **overrides)
            reply = self.make_sent(proposal)
        return proposal, self.refreshed(reply)

    def test_it_reminds_the_deputy_before_the_window_closes(self) -> None:
        _, reply = self.send_reply()
        scan(self, reply.feedback_due_on - timedelta(days=3))
        self.assertEqual(rows(), {("feedback", -3, "deputy", "inbox")})

    def test_it_closes_the_round_when_the_window_passes_in_silence(self) -> None:
        proposal, reply = self.send_reply()
        scan(self, reply.feedback_due_on + timedelta(days=1))
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.CLOSED)
        self.assertEqual(self.refreshed(reply).feedback_lapsed_on, reply.feedback_due_on + timedelta(days=1))
        self.assertTrue(proposal.events.filter(kind=ProposalEvent.Kind.FEEDBACK_LAPSED, actor=None).exists())

    def test_it_keeps_the_round_open_on_the_last_day_of_the_window(self) -> None:
        proposal, reply = self.send_reply()
        scan(self, reply.feedback_due_on)
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.REPLIED)

    def test_it_reminds_staff_instead_when_silence_does_not_close_the_round(self) -> None:
        self.congress.silence_closes_round = False
        self.congress.save()
        proposal, reply = self.send_reply(congress=self.congress)
        scan(self, reply.feedback_due_on + timedelta(days=1))
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.REPLIED)
        # The publication decision falls due the same day (20 working days too): staff
        # hear about both; this test is about the feedback window's reminder.
        self.assertEqual(rows(obligation__kind="feedback"), {("feedback", 1, "staff", "inbox")})

    def test_it_stops_reminding_the_deputy_once_rated(self) -> None:
        _, reply = self.send_reply()
        with time_machine.travel(at(SENT + timedelta(days=2), 9), tick=False):
            Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        scan(self, reply.feedback_due_on - timedelta(days=3))
        self.assertFalse(Reminder.objects.exists())


class CommitmentTests(TrackerTestCase):
    def test_it_follows_a_b_replys_commitment_and_its_progress_reports(self) -> None:
        with time_machine.travel(at(SENT, 9), tick=False):
            proposal = self.make_assigned(with_co=False, assigned_on=date(2025, 3, 10))
            reply = self.make_sent(proposal, grade="B")
        commitment = reply.commitments.get()
        self.assertEqual(
            set(Obligation.objects.filter(commitment=commitment, is_open=True).values_list("kind", "due_on")),
            # Progress every 3 months from the sending; the promise itself by 2025-06-30.
            {("commitment", date(2025, 6, 30))},
        )
        scan(self, date(2025, 6, 30))
        self.assertIn(("commitment", 0, "clerk", "inbox"), rows())

    def test_it_asks_for_a_progress_report_before_a_distant_promise_is_due(self) -> None:
        with time_machine.travel(at(SENT, 9), tick=False):
            proposal = self.make_assigned(with_co=False, assigned_on=date(2025, 3, 10))
            reply = self.make_draft(proposal, grade="B")
            reply.commitments.update(due_on=date(2026, 12, 31))
            reply.submit(by=self.clerk)
            reply.approve(by=self.leader)
        report = Obligation.objects.get(kind="progress_report")
        self.assertEqual(report.due_on, date(2025, 8, 20))
        scan(self, date(2025, 8, 20))
        self.assertIn(("progress_report", 0, "clerk", "inbox"), rows())

    def test_it_stops_asking_for_progress_reports_once_the_promise_is_due(self) -> None:
        with time_machine.travel(at(SENT, 9), tick=False):
            proposal = self.make_assigned(with_co=False, assigned_on=date(2025, 3, 10))
            reply = self.make_draft(proposal, grade="B")
            reply.commitments.update(due_on=date(2025, 9, 30))
            reply.submit(by=self.clerk)
            reply.approve(by=self.leader)
        scan(self, date(2025, 10, 1))
        # The reply's publication, still undecided by October, is chased too (staff's duty).
        self.assertEqual({k for k, _, _, _ in rows()} - {"publication"}, {"commitment"})
        self.assertFalse(Obligation.objects.get(kind="progress_report").is_open)

    def test_the_reminder_links_to_the_commitment(self) -> None:
        with time_machine.travel(at(SENT, 9), tick=False):
            proposal = self.make_assigned(with_co=False, assigned_on=date(2025, 3, 10))
            reply = self.make_sent(proposal, grade="B")
        scan(self, date(2025, 6, 30))
        # The reminder's inbox item (not the handover notices of the assignment).
        reminder = self.clerk.notifications.get(notice__isnull=True)
        self.assertEqual(reminder.url, reply.commitments.get().get_absolute_url())
