"""沟通率 and 面商率 per unit (issue 14), against a hand-counted fixture.

lead_dept  p1 lead, face-to-face meeting     contacted, met
           p2 lead, phone only               contacted
           p3 lead, no contact               —
co_dept    p4 lead, site visit               contacted, met
           (p1's co-handling part: a forum — a co-handler's contact is not counted)
other_dept p5 lead, a letter                 contacted
           p6 lead, withdrawn and moved to co_dept after a meeting — the withdrawn part
              is not counted; co_dept's new part has no contact

lead_dept 3 assigned, 2 contacted (67 %), 1 met (33 %)
co_dept   2 assigned, 1 contacted (50 %), 1 met (50 %)
other     1 assigned, 1 contacted (100 %), 0 met (0 %)
all       6 assigned, 4 contacted (67 %), 2 met (33 %)
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from django.urls import reverse
from openpyxl import load_workbook

from proposals import statistics
from proposals.models import Assignment, Contact, Proposal
from proposals.statistics import Scope
from tests.base import TrackerTestCase
from tracker.models import User

TODAY = date(2024, 12, 1)
M = Contact.Method


class ContactRateData(TrackerTestCase):
    @classmethod
    def contact(cls, proposal: Proposal, department: Any, by: User, method: str) -> None:
        assignment = proposal.assignments.get(department=department, status__in=Assignment.OPEN_STATUSES)
        assignment.record_contact(
            by=by, contacted_on=date(2024, 8, 1), method=method, stage=Contact.Stage.DURING, summary="沟通"
        )

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        p1 = cls.make_assigned(with_co=True)
        cls.contact(p1, cls.lead_dept, cls.clerk, M.FACE_TO_FACE)
        cls.contact(p1, cls.co_dept, cls.co_clerk, M.FORUM)
        p2 = cls.make_assigned(with_co=False)
        cls.contact(p2, cls.lead_dept, cls.clerk, M.PHONE)
        cls.make_assigned(with_co=False)
        p4 = cls.make_proposal()
        p4.assign(by=cls.staff, lead=cls.co_dept, assigned_on=date(2024, 7, 15))
        cls.contact(p4, cls.co_dept, cls.co_clerk, M.SITE_VISIT)
        p5 = cls.make_proposal()
        p5.assign(by=cls.staff, lead=cls.other_dept, assigned_on=date(2024, 7, 15))
        cls.contact(p5, cls.other_dept, cls.outsider, M.MESSAGE)
        p6 = cls.make_proposal()
        p6.assign(by=cls.staff, lead=cls.other_dept, assigned_on=date(2024, 7, 15))
        cls.contact(p6, cls.other_dept, cls.outsider, M.FACE_TO_FACE)
        moving = p6.assignments.get(department=cls.other_dept)
        moving.request_change(by=cls.outsider, reason="不属于本单位职责", today=date(2024, 7, 16))
        moving.decide_change(by=cls.staff, approve=True, reason="改由住建局办理", new_department=cls.co_dept)


class ContactRateTests(ContactRateData):
    def rows(self) -> dict[str, statistics.Figures]:
        table = statistics.department_table(Scope(year=2024), today=TODAY)
        return {row.department.name: row for row in table}

    def test_it_counts_contacted_and_met_per_unit(self) -> None:
        rows = self.rows()
        self.assertEqual(
            {name: (f.assigned, f.contacted, f.met) for name, f in rows.items()},
            {
                self.lead_dept.name: (3, 2, 1),
                self.co_dept.name: (2, 1, 1),
                self.other_dept.name: (1, 1, 0),
            },
        )

    def test_it_divides_by_the_assignments_in_force(self) -> None:
        lead = self.rows()[self.lead_dept.name]
        self.assertAlmostEqual(lead.contact_rate or 0, 2 / 3)
        self.assertAlmostEqual(lead.meeting_rate or 0, 1 / 3)

    def test_it_adds_up_the_scope(self) -> None:
        total = statistics.figures(Scope(year=2024), today=TODAY)
        summed, _table = statistics.summary(Scope(year=2024), today=TODAY)
        self.assertEqual((total.assigned, total.contacted, total.met), (6, 4, 2))
        self.assertEqual((summed.contacted, summed.met), (4, 2))

    def test_it_has_no_rate_with_nothing_assigned(self) -> None:
        self.assertIsNone(statistics.figures(Scope(year=2023), today=TODAY).contact_rate)

    def test_it_shows_the_rates_on_the_dashboard(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("stats:dashboard"), {"year": 2024})
        self.assertContains(response, '<td class="num stats-contact-rate">67%</td>', html=False)
        self.assertContains(response, '<td class="num stats-meeting-rate">33%</td>', html=False)

    def test_it_exports_the_rates_to_excel(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("stats:dashboard"), {"year": 2024, "format": "xlsx"})
        book = load_workbook(BytesIO(response.content), read_only=True)
        rows = [tuple(r) for r in book.worksheets[1].iter_rows(values_only=True)]
        by_name = {row[1]: row[-4:] for row in rows[1:]}
        self.assertEqual(by_name[self.lead_dept.name], (2, 0.6667, 1, 0.3333))
        self.assertEqual(by_name[self.other_dept.name], (1, 1.0, 0, 0.0))
