"""Recomputing open deadlines after a rule or calendar change: ``manage.py
recompute_deadlines`` and proposals/recompute.py, which the admin action shares."""

from __future__ import annotations

from datetime import date
from io import StringIO
from unittest import mock

import chinese_calendar
import time_machine
from django.core.management import CommandError, call_command

from proposals import recompute
from proposals.models import Assignment, Congress, DeadlineRule, Proposal, ProposalEvent, Rule, Session
from proposals.timeline import describe
from responses.models import Obligation
from tests.base import TrackerTestCase
from tracker import deadlines
from tracker.deadlines import Unit

REASON = "常委会修改办理规定，答复期限改为两个月"


def run(*args: str) -> str:
    out = StringIO()
    call_command("recompute_deadlines", *args, stdout=out)
    return out.getvalue()


def set_rule(congress: Congress, rule: str, count: int, unit: str) -> None:
    DeadlineRule.objects.update_or_create(
        congress=congress, obligation=rule, defaults={"count": count, "unit": unit}
    )


@time_machine.travel(date(2024, 7, 16), tick=False)
class ReplyRuleChangeTests(TrackerTestCase):
    """The congress shortens the reply period from 3 to 2 months after assigning."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(date(2024, 7, 16), tick=False):
            cls.proposal = cls.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        cls.lead = cls.lead_assignment(cls.proposal)

    def setUp(self) -> None:
        set_rule(self.congress, Rule.REPLY, 2, Unit.CALENDAR_MONTHS)

    def test_it_lists_the_deadline_that_would_move_with_its_new_explanation(self) -> None:
        output = run()
        # 2 months from 07-15 is 09-15, a Mid-autumn holiday (09-15…09-17): moved to 09-18.
        self.assertIn(
            f"{self.proposal.number}  龙岗区发展和改革局  lead (主办)  reply to the deputy  "
            "2024-10-15 → 2024-09-18  2 months from 2024-07-15 → 2024-09-15",
            output,
        )

    def test_it_changes_nothing_on_a_dry_run(self) -> None:
        run()
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))
        self.assertFalse(ProposalEvent.objects.filter(kind=ProposalEvent.Kind.DEADLINE_RECOMPUTED).exists())
        self.assertEqual(Obligation.objects.get(assignment=self.lead, kind="reply").version, 1)

    def test_it_moves_the_open_reply_deadline_with_apply(self) -> None:
        run("--apply", "--reason", REASON)
        lead = self.refreshed(self.lead)
        self.assertEqual((lead.due_on, lead.due_basis["count"]), (date(2024, 9, 18), 2))
        self.assertEqual(self.refreshed(self.proposal).next_due_on, date(2024, 9, 18))

    def test_it_records_the_move_and_the_reason_on_the_timeline(self) -> None:
        run("--apply", "--reason", REASON, "--user", "staff")
        event = ProposalEvent.objects.get(kind=ProposalEvent.Kind.DEADLINE_RECOMPUTED)
        self.assertEqual((event.assignment, event.actor, event.reason), (self.lead, self.staff, REASON))
        self.assertEqual((event.data["old_due_on"], event.data["due_on"]), ("2024-10-15", "2024-09-18"))
        self.assertTrue(
            describe(event).detail.startswith("reply to the deputy: 2024-10-15 → 2024-09-18 (2 months from")
        )

    def test_it_re_arms_the_reminders_of_the_moved_deadline(self) -> None:
        run("--apply", "--reason", REASON)
        obligation = Obligation.objects.get(assignment=self.lead, kind="reply")
        self.assertEqual((obligation.due_on, obligation.version), (date(2024, 9, 18), 2))

    def test_it_leaves_a_replied_assignment_alone(self) -> None:
        self.make_sent(self.proposal)
        self.assertNotIn("reply to the deputy", run("--apply", "--reason", REASON))
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))

    def test_it_lists_an_extended_deadline_without_moving_it(self) -> None:
        self.lead.extend(by=self.staff, new_due_on=date(2024, 12, 31), reason="涉及多部门协调")
        output = run("--apply", "--reason", REASON)
        self.assertIn("2024-12-31  not recomputed (extended)", output)
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 12, 31))

    def test_it_moves_a_deadline_kept_through_a_transfer_from_its_rule(self) -> None:
        self.lead.request_change(by=self.clerk, reason="不属于本局职责")
        successor = self.lead.decide_change(
            by=self.staff, approve=True, reason="同意调整", new_department=self.other_dept
        )
        assert successor is not None
        run("--apply", "--reason", REASON)
        successor.refresh_from_db()
        self.assertEqual(successor.due_on, date(2024, 9, 18))
        self.assertEqual((successor.due_basis["kind"], successor.due_basis["basis"]["count"]), ("kept", 2))

    def test_it_moves_a_re_handling_deadline_from_the_decision(self) -> None:
        set_rule(self.congress, Rule.REPLY, 3, Unit.CALENDAR_MONTHS)
        self.make_sent(self.proposal)
        self.lead.refresh_from_db()
        self.lead.reopen(
            by=self.staff, due=self.congress.deadline(Rule.REHANDLING, date(2024, 7, 16)), reason="不满意"
        )
        set_rule(self.congress, Rule.REHANDLING, 2, Unit.CALENDAR_MONTHS)
        run("--apply", "--reason", REASON)
        # 2 months from 07-16 → 09-16, in the Mid-autumn holiday: 09-18.
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 9, 18))

    def test_it_only_looks_at_the_congress_given(self) -> None:
        other = Congress.objects.create(name="龙岗区人民代表大会")
        self.assertIn("Open deadlines that move: 0", run("--congress", str(other.pk)))
        self.assertIn("Open deadlines that move: 1", run("--congress", str(self.congress.pk)))

    def test_it_requires_a_reason_to_apply(self) -> None:
        with self.assertRaisesMessage(CommandError, "--reason"):
            run("--apply")
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))

    def test_it_refuses_a_user_who_is_not_congress_staff(self) -> None:
        with self.assertRaisesMessage(CommandError, "Only congress staff"):
            run("--apply", "--reason", REASON, "--user", "clerk")
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))

    def test_it_leaves_a_deadline_that_moved_since_it_was_listed(self) -> None:
        found = recompute.plan()
        self.lead.extend(by=self.staff, new_due_on=date(2024, 12, 31), reason="涉及多部门协调")
        outcome = found.apply(by=self.staff, reason=REASON)
        self.assertEqual((len(outcome.moved), len(outcome.stale)), (0, 1))
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 12, 31))
        self.assertFalse(ProposalEvent.objects.filter(kind=ProposalEvent.Kind.DEADLINE_RECOMPUTED).exists())


@time_machine.travel(date(2024, 8, 1), tick=False)
class OtherDeadlineTests(TrackerTestCase):
    def test_it_moves_the_sign_for_window_of_a_pending_assignment(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 29))
        set_rule(self.congress, Rule.CHANGE_WINDOW, 5, Unit.WORKING_DAYS)
        run("--apply", "--reason", REASON)
        lead = self.lead_assignment(proposal)
        # 5 working days from Monday 07-29: 08-05 (7 days gave 08-07).
        self.assertEqual((lead.respond_by, lead.respond_basis["count"]), (date(2024, 8, 5), 5))
        self.assertEqual(
            Obligation.objects.get(assignment=lead, kind="change_window").due_on, date(2024, 8, 5)
        )

    def test_it_moves_an_open_feedback_window(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        reply = self.make_sent(proposal)
        self.assertEqual(reply.feedback_due_on, date(2024, 8, 29))
        set_rule(self.congress, Rule.FEEDBACK, 15, Unit.WORKING_DAYS)
        run("--apply", "--reason", REASON)
        self.assertEqual(self.refreshed(reply).feedback_due_on, date(2024, 8, 22))
        self.assertEqual(Obligation.objects.get(reply=reply, kind="feedback").version, 2)

    def test_it_moves_the_next_progress_report_of_an_open_commitment(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        commitment = self.make_sent(proposal, grade="B").commitments.get()
        self.assertEqual(commitment.report_due_on, date(2024, 11, 1))
        set_rule(self.congress, Rule.PROGRESS_REPORT, 2, Unit.CALENDAR_MONTHS)
        run("--apply", "--reason", REASON)
        # 2 months from 08-01 is 10-01, National Day (10-01…10-07): moved to 10-08.
        self.assertEqual(self.refreshed(commitment).report_due_on, date(2024, 10, 8))

    def test_it_moves_the_assignment_deadline_of_a_suggestion_raised_between_sessions(self) -> None:
        recess = Session.objects.create(congress=self.congress, name="第七届闭会期间", term=7, year=2024)
        proposal = Proposal(
            congress=self.congress,
            session=recess,
            number="20240900",
            title="关于增设公交站点的建议",
            lead_deputy=self.deputy,
            received_on=date(2024, 7, 29),
        )
        proposal.log(by=self.staff)
        set_rule(self.congress, Rule.RECESS_ASSIGN, 3, Unit.WORKING_DAYS)
        run("--apply", "--reason", REASON)
        self.assertEqual(self.refreshed(proposal).next_due_on, date(2024, 8, 1))


@time_machine.travel(date(2024, 7, 16), tick=False)
class CalendarChangeTests(TrackerTestCase):
    """A corrected official calendar makes Thursday 2024-07-18 a holiday."""

    def setUp(self) -> None:
        # Assigned before the correction, under the calendar the package shipped with.
        self.proposal = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        real = chinese_calendar.is_workday
        patcher = mock.patch.object(
            chinese_calendar, "is_workday", lambda day: day != date(2024, 7, 18) and real(day)
        )
        deadlines.clear_caches()
        patcher.start()
        self.addCleanup(deadlines.clear_caches)
        self.addCleanup(patcher.stop)

    def test_it_moves_a_working_day_window_over_the_new_holiday(self) -> None:
        lead = self.lead_assignment(self.proposal)
        self.assertEqual(lead.respond_by, date(2024, 7, 24))
        self.assertIn("2024-07-24 → 2024-07-25", run())
        run("--apply", "--reason", "国务院办公厅更正放假安排")
        self.assertEqual(self.refreshed(lead).respond_by, date(2024, 7, 25))

    def test_it_leaves_a_month_deadline_the_change_does_not_touch(self) -> None:
        run("--apply", "--reason", "国务院办公厅更正放假安排")
        self.assertEqual(self.lead_assignment(self.proposal).due_on, date(2024, 10, 15))


class RespondBasisTests(TrackerTestCase):
    @time_machine.travel(date(2024, 7, 16), tick=False)
    def test_it_opens_a_transferred_units_window_on_the_day_of_the_transfer(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 10))
        lead = self.lead_assignment(proposal)
        lead.request_change(by=self.clerk, reason="不属于本局职责")
        successor = lead.decide_change(
            by=self.staff, approve=True, reason="同意调整", new_department=self.other_dept
        )
        assert successor is not None
        self.assertEqual(
            (successor.respond_basis["start"], self.refreshed(successor).respond_by),
            ("2024-07-16", date(2024, 7, 25)),
        )
        self.assertEqual(Assignment.objects.get(pk=successor.pk).respond_basis["rule"], Rule.CHANGE_WINDOW)
