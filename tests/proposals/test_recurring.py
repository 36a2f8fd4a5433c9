"""Recurring suggestions (年年提): earlier years' suggestions on the same subject, flagged
at intake and on the suggestion page, and the subjects raised several years running."""

from __future__ import annotations

from datetime import date

from django.contrib.messages import get_messages
from django.urls import reverse

from proposals.models import Proposal, Session
from proposals.recurring import earlier_years, recurring_subjects
from responses.models import Commitment
from tests.base import make_user
from tests.proposals.test_related_suggestions import PINGXI_ANSWER, RelatedTestCase, detail
from tracker.models import Role

RECURRING = reverse("proposals:recurring")


class RecurringTestCase(RelatedTestCase):
    """On top of RelatedTestCase (background subjects, 2023's 坪西路 suggestion answered B,
    2024's new one): a 2022 坪西路 suggestion, answered B with its promise kept, and a
    subject raised in 2022 and 2024 but not 2023."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.session_2022 = Session.objects.create(
            congress=cls.congress, name="深圳市第七届人民代表大会第三次会议", term=7, meeting=3, year=2022
        )
        cls.oldest = cls.indexed(
            assigned=True,
            number="20220077",
            session=cls.session_2022,
            title="关于尽快启动坪西路改造工程的建议",
            body=PINGXI_ANSWER,
            received_on=date(2022, 2, 1),
        )
        cls.keep_promises(cls.make_sent(cls.oldest, grade="B"))
        cls.gap_old = cls.indexed(
            number="20220150",
            session=cls.session_2022,
            title="关于建设巴头岭公园的建议",
            body="巴头岭公园位于坪地街道，建议尽快立项建设巴头岭公园。",
        )
        cls.gap_new = cls.indexed(title="关于加快巴头岭公园立项建设的建议", body="建议加快巴头岭公园立项。")
        cls.admin = make_user("admin", is_superuser=True, is_staff=True)


class RecurringSubjectsTests(RecurringTestCase):
    def test_it_lists_a_subject_raised_three_years_running(self) -> None:
        subjects = recurring_subjects(self.congress, 2024)
        self.assertEqual([(s.proposal, s.years) for s in subjects], [(self.new, [2022, 2023, 2024])])

    def test_it_gives_each_earlier_suggestions_grade_and_promises_kept(self) -> None:
        subject = recurring_subjects(self.congress, 2024)[0]
        rows = [(r.proposal.number, r.grades, r.commitments, r.commitments_kept) for r in subject.earlier]
        self.assertEqual(rows, [("20220077", ["B"], 1, 1), ("20230118", ["B"], 1, 0)])

    def test_a_gap_year_breaks_the_run(self) -> None:
        self.assertNotIn(
            self.gap_new, [s.proposal for s in recurring_subjects(self.congress, 2024, min_years=2)]
        )

    def test_it_asks_for_as_many_years_as_told(self) -> None:
        self.assertEqual(recurring_subjects(self.congress, 2024, min_years=4), [])
        self.assertEqual(len(recurring_subjects(self.congress, 2024, min_years=2)), 1)

    def test_it_names_a_second_suggestion_of_the_year_on_the_subject_once(self) -> None:
        second = self.indexed(title="关于推进坪西路改造工程建设的建议", body=PINGXI_ANSWER)
        subjects = recurring_subjects(self.congress, 2024)
        self.assertEqual(len(subjects), 1)
        self.assertEqual(set(subjects[0].current), {self.new, second})


class EarlierYearsTests(RecurringTestCase):
    def test_it_finds_only_earlier_years(self) -> None:
        found = [row.proposal for row in earlier_years(self.new, user=self.staff)]
        self.assertEqual(set(found), {self.earlier, self.oldest})

    def test_it_shows_a_unit_only_what_it_may_see(self) -> None:
        outsider_sees = earlier_years(self.new, user=self.outsider)
        self.assertEqual(outsider_sees, [])

    def test_the_suggestion_page_flags_it_with_grades_and_promises(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(detail(self.new))
        self.assertContains(response, 'id="recurring"')
        self.assertContains(response, "20220077")
        self.assertEqual(
            [r.commitments_kept for r in response.context["earlier"]],
            [r.commitments_kept for r in earlier_years(self.new, user=self.staff)],
        )

    def test_a_suggestion_raised_for_the_first_time_is_not_flagged(self) -> None:
        self.client.force_login(self.staff)
        self.assertNotContains(self.client.get(detail(self.oldest)), 'id="recurring"')

    def test_intake_says_the_subject_was_raised_before(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("proposals:create"),
            {
                "congress": self.congress.pk,
                "session": self.session.pk,
                "number": "20240777",
                "title": "关于坪西路改造工程尽快动工的建议",
                "body": PINGXI_ANSWER,
                "category": self.category.pk,
                "lead_deputy": self.deputy.pk,
                "received_on": "2024-06-01",
                "supervising_leader": "",
            },
        )
        self.assertEqual(response.status_code, 302)
        said = " ".join(str(m) for m in get_messages(response.wsgi_request))
        self.assertIn("Recurring suggestion (年年提)", said)
        self.assertIn("2022、2023", said)
        self.assertTrue(Proposal.objects.filter(number="20240777").exists())


class RecurringPageTests(RecurringTestCase):
    def test_it_is_for_staff_only(self) -> None:
        leader = make_user("leader2", Role.DEPT_LEADER, department=self.lead_dept)
        expected = {
            self.staff: 200,
            self.admin: 200,
            self.clerk: 403,
            leader: 403,
            self.outsider: 403,
            self.deputy_user: 403,
            self.nobody: 403,
        }
        for user, status in expected.items():
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(RECURRING).status_code, status)
        self.client.logout()
        self.assertEqual(self.client.get(RECURRING).status_code, 302)

    def test_it_lists_the_subject_with_its_years(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(RECURRING, {"year": 2024})
        self.assertContains(response, self.new.number)
        self.assertContains(response, "2022、2023、2024")

    def test_bad_input_is_never_a_500(self) -> None:
        self.client.force_login(self.staff)
        for params in ({"year": "x"}, {"min_years": "999"}, {"congress": "-1"}, {"year": "1800"}):
            with self.subTest(params=params):
                self.assertIn(self.client.get(RECURRING, params).status_code, (200, 400))

    def test_commitments_not_kept_are_counted_apart(self) -> None:
        commitment = Commitment.objects.get(reply__assignment__proposal=self.earlier)
        commitment.close_not_fulfilled(by=self.staff, reason="用地未落实，未能按期完成")
        subject = recurring_subjects(self.congress, 2024)[0]
        self.assertEqual([r.commitments_not_kept for r in subject.earlier], [0, 1])


class AnnualReportRecurringTests(RecurringTestCase):
    def test_the_annual_report_lists_the_subjects_raised_three_years_running(self) -> None:
        from reports import annual
        from tests.reports.test_annual_report import docx_text

        report = annual.build(annual.Scope(year=2024), recurring=True)
        self.assertEqual([s.proposal for s in report.recurring], [self.new])
        self.assertEqual(annual.build(annual.Scope(year=2024)).recurring, [])  # the preview's
        self.client.force_login(self.staff)
        text = docx_text(self.client.get(reverse("reports:annual_docx"), {"year": 2024}).content)
        self.assertIn(f"第{self.new.number}号《{self.new.title}》，自2022年起连续3年提出", text)
        self.assertNotIn(self.gap_new.title, text)
