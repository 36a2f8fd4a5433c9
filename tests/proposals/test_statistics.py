"""The statistics figures on a small known data set, each counted by hand.

Today is 2024-12-01. In the 2024 session (assigned 2024-07-15, reply due 2024-10-15):

- P1 lead 龙岗区发改局: A, sent 2024-09-01 (on time, 48 days); 陈寿 满意, then the
  co-signer 王芳 基本满意 (the later rating is the final one: 基本满意).
- P2 lead 龙岗区发改局: B, sent 2024-11-01 (late, 109 days); 陈寿 满意. Three promises:
  due 2025-06-30 open, due 2024-11-20 open (overdue), due 2024-10-30 kept.
- P3 lead 龙岗区发改局, key suggestion: signed for, not replied: overdue.
- P4 lead 龙岗区住建局: C, sent 2024-10-10; 陈寿 不满意, staff order re-handling (round 2,
  due 2025-01-02): open, not yet due; its round-1 reply and rating no longer count.
- P5 lead 龙岗区住建局, assigned 2024-11-20: awaiting sign-for, not yet due.
- P6: logged, not assigned.

In the 2023 session: P8 lead 龙岗区发改局, A, sent 2023-08-01 on time (assigned 2023-06-01).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from proposals import statistics
from proposals.models import Assignment, Proposal, Session
from proposals.statistics import Scope
from responses.models import Commitment, Feedback, Reply
from tests.base import TrackerTestCase, make_user
from tracker.models import Role

TODAY = date(2024, 12, 1)
NOON_TODAY = datetime(2024, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class StatisticsData(TrackerTestCase):
    """The data set above; subclasses assert on it."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(NOON_TODAY, tick=False):
            cls._build()

    @classmethod
    def send(
        cls,
        proposal: Proposal,
        *,
        grade: str,
        sent_on: date,
        clerk: Any = None,
        leader: Any = None,
        **extra: Any,
    ) -> Reply:
        clerk, leader = clerk or cls.clerk, leader or cls.leader
        assignment = cls.lead_assignment(proposal)
        if assignment.status == Assignment.Status.PENDING:
            assignment.accept(by=clerk)
        reply = Reply.start_draft(
            assignment,
            by=clerk,
            body="一、关于坪西路改造……",
            grade=grade,
            grade_reason="受用地条件限制" if grade == "C" else "",
            publicity=Reply.Publicity.PUBLIC,
            contact_name="杨郁波",
            contact_phone="88180952",
        )
        for due_on in extra.get("promises", []):
            Commitment.objects.create(
                reply=reply, description=f"承诺{due_on}", due_on=due_on, department=clerk.department
            )
        reply.submit(by=clerk)
        reply.approve(by=leader, sent_on=sent_on)
        return reply

    @classmethod
    def _build(cls) -> None:
        cls.p1 = cls.make_assigned(with_co=False, co_signers=[cls.other_deputy])
        r1 = cls.send(cls.p1, grade="A", sent_on=date(2024, 9, 1))
        Feedback.give(r1, by=cls.deputy_user, rating=Feedback.Rating.SATISFIED)
        Feedback.give(r1, by=cls.other_deputy_user, rating=Feedback.Rating.BASICALLY)

        cls.p2 = cls.make_assigned(with_co=False)
        r2 = cls.send(
            cls.p2,
            grade="B",
            sent_on=date(2024, 11, 1),
            promises=[date(2025, 6, 30), date(2024, 11, 20), date(2024, 10, 30)],
        )
        r2.commitments.filter(due_on=date(2024, 10, 30)).update(
            status=Commitment.Status.FULFILLED, fulfilled_on=date(2024, 10, 28)
        )
        Feedback.give(r2, by=cls.deputy_user, rating=Feedback.Rating.SATISFIED)

        cls.p3 = cls.make_assigned(with_co=False, is_key=True, supervising_leader="张副主任")
        cls.lead_assignment(cls.p3).accept(by=cls.clerk)

        cls.p4 = cls.make_proposal()
        cls.p4.assign(by=cls.staff, lead=cls.co_dept, assigned_on=date(2024, 7, 15))
        r4 = cls.send(cls.p4, grade="C", sent_on=date(2024, 10, 10), clerk=cls.co_clerk, leader=cls.co_leader)
        feedback = Feedback.give(r4, by=cls.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未解决")
        feedback.accept_rehandling(by=cls.staff, reason="答复未回应核心问题")

        cls.p5 = cls.make_proposal()
        cls.p5.assign(by=cls.staff, lead=cls.co_dept, assigned_on=date(2024, 11, 20))

        cls.p6 = cls.make_proposal()

        cls.session_2023 = Session.objects.create(
            congress=cls.congress, name="深圳市第七届人民代表大会第四次会议", term=7, meeting=4, year=2023
        )
        cls.p8 = cls.make_assigned(
            with_co=False,
            session=cls.session_2023,
            received_on=date(2023, 5, 1),
            assigned_on=date(2023, 6, 1),
        )
        cls.send(cls.p8, grade="A", sent_on=date(2023, 8, 1))


class FiguresTests(StatisticsData):
    def figures(self, **scope: Any) -> statistics.Figures:
        return statistics.figures(Scope(**scope), today=TODAY)

    def test_it_counts_received_and_assigned(self) -> None:
        f = self.figures(year=2024)
        self.assertEqual((f.received, f.assigned), (6, 5))

    def test_it_splits_replied_on_time_late_and_open(self) -> None:
        f = self.figures(year=2024)
        self.assertEqual((f.replied, f.on_time, f.late), (2, 1, 1))
        self.assertEqual((f.open, f.open_overdue, f.open_not_due), (3, 1, 2))

    def test_it_computes_the_rates_of_everything_assigned(self) -> None:
        f = self.figures(year=2024)
        self.assertEqual((f.reply_rate, f.on_time_rate), (2 / 5, 1 / 5))

    def test_it_averages_the_days_from_assignment_to_reply(self) -> None:
        self.assertEqual(self.figures(year=2024).avg_days, (48 + 109) / 2)

    def test_it_counts_the_grades_of_current_replies_only(self) -> None:
        """P4's C reply was sent back for re-handling, so it is no longer counted."""
        self.assertEqual(self.figures(year=2024).grades, {"A": 1, "B": 1, "C": 0, "D": 0})

    def test_it_takes_the_latest_rating_of_each_reply(self) -> None:
        f = self.figures(year=2024)
        self.assertEqual(f.ratings, {"satisfied": 1, "basically": 1, "unsatisfied": 0})
        self.assertEqual((f.satisfied_rate, f.no_feedback), (0.5, 0))

    def test_it_counts_re_handling(self) -> None:
        self.assertEqual(self.figures(year=2024).rehandled, 1)

    def test_it_counts_commitments_open_overdue_and_kept(self) -> None:
        f = self.figures(year=2024)
        self.assertEqual((f.commitments_open, f.commitments_overdue, f.commitments_kept), (2, 1, 1))

    def test_it_follows_key_suggestions(self) -> None:
        f = self.figures(year=2024)
        self.assertEqual((f.key_assigned, f.key_replied, f.key_open_overdue), (1, 0, 1))

    def test_a_session_scope_leaves_other_sessions_out(self) -> None:
        f = self.figures(session=self.session_2023)
        self.assertEqual((f.received, f.assigned, f.replied, f.on_time), (1, 1, 1, 1))

    def test_without_a_year_it_counts_every_session(self) -> None:
        f = self.figures()
        self.assertEqual((f.received, f.assigned, f.replied, f.on_time), (7, 6, 3, 2))

    def test_a_department_scope_counts_that_department_only(self) -> None:
        f = self.figures(year=2024, department=self.co_dept)
        self.assertEqual((f.received, f.assigned, f.replied, f.open_not_due, f.rehandled), (2, 2, 0, 2, 1))
        self.assertEqual(f.commitments_open, 0)

    def test_it_runs_five_queries(self) -> None:
        with self.assertNumQueries(5):
            self.figures(year=2024)


class DepartmentTableTests(StatisticsData):
    def test_it_ranks_departments_by_on_time_rate(self) -> None:
        table = statistics.department_table(Scope(year=2024), today=TODAY)
        self.assertEqual(
            [(row.rank, row.department, row.assigned, row.replied, row.on_time) for row in table],
            [(1, self.lead_dept, 3, 2, 1), (2, self.co_dept, 2, 0, 0)],
        )

    def test_its_rows_hold_each_departments_figures(self) -> None:
        lead = statistics.department_table(Scope(year=2024), today=TODAY)[0]
        self.assertEqual((lead.late, lead.open_overdue, lead.avg_days), (1, 1, 78.5))
        self.assertEqual((lead.commitments_open, lead.commitments_overdue, lead.commitments_kept), (2, 1, 1))

    def test_equal_departments_share_a_rank(self) -> None:
        """In 2023 both departments replied on time to everything they were given."""
        p = self.make_proposal(session=self.session_2023)
        p.assign(by=self.staff, lead=self.other_dept, assigned_on=date(2023, 6, 1))
        outsider_leader = make_user("other_leader", Role.DEPT_LEADER, department=self.other_dept)
        self.send(p, grade="A", sent_on=date(2023, 7, 1), clerk=self.outsider, leader=outsider_leader)
        table = statistics.department_table(Scope(year=2023), today=TODAY)
        self.assertEqual([row.rank for row in table], [1, 1])

    def test_department_rank_counts_the_ranked_departments(self) -> None:
        self.assertEqual(statistics.department_rank(Scope(year=2024), self.co_dept, today=TODAY), (2, 2))
        self.assertEqual(
            statistics.department_rank(Scope(year=2024), self.other_dept, today=TODAY), (None, 2)
        )

    def test_it_runs_five_queries(self) -> None:
        with self.assertNumQueries(5):
            statistics.department_table(Scope(year=2024), today=TODAY)


class SummaryTests(StatisticsData):
    def test_it_adds_up_to_the_scopes_figures(self) -> None:
        for scope in (Scope(year=2024), Scope(), Scope(session=self.session_2023)):
            with self.subTest(scope=scope):
                total, table = statistics.summary(scope, today=TODAY)
                self.assertEqual(total, statistics.figures(scope, today=TODAY))
                self.assertEqual(table, statistics.department_table(scope, today=TODAY))

    def test_a_departments_summary_is_its_row(self) -> None:
        scope = Scope(year=2024, department=self.lead_dept)
        total, table = statistics.summary(scope, today=TODAY)
        self.assertEqual(total, statistics.figures(scope, today=TODAY))
        self.assertEqual((total.assigned, total.on_time, len(table)), (3, 1, 2))

    def test_a_department_with_nothing_has_empty_figures(self) -> None:
        total, table = statistics.summary(Scope(year=2024, department=self.other_dept), today=TODAY)
        self.assertEqual((total.department, total.assigned, total.avg_days), (self.other_dept, 0, None))

    def test_it_runs_six_queries(self) -> None:
        with self.assertNumQueries(6):
            statistics.summary(Scope(year=2024), today=TODAY)


class TrendTests(StatisticsData):
    def test_it_counts_assignments_and_replies_per_month(self) -> None:
        points = [
            (p.month, p.assigned, p.replied, p.on_time) for p in statistics.monthly_trend(Scope(year=2024))
        ]
        self.assertEqual(
            points,
            [
                (date(2024, 7, 1), 4, 0, 0),
                (date(2024, 8, 1), 0, 0, 0),
                (date(2024, 9, 1), 0, 1, 1),
                (date(2024, 10, 1), 0, 0, 0),
                (date(2024, 11, 1), 1, 1, 0),
            ],
        )

    def test_a_department_trend_counts_its_own(self) -> None:
        """P4's round-1 reply to 住建局 is no longer current, so nothing counts as replied."""
        points = statistics.monthly_trend(Scope(year=2024, department=self.co_dept))
        self.assertEqual(
            [(p.month.month, p.assigned, p.replied) for p in points],
            [(7, 1, 0), (8, 0, 0), (9, 0, 0), (10, 0, 0), (11, 1, 0)],
        )

    def test_an_empty_scope_has_no_months(self) -> None:
        self.assertEqual(statistics.monthly_trend(Scope(year=2020)), [])
