from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.demo import SUGGESTIONS
from proposals.models import Proposal, Session
from proposals.related import related_suggestions
from proposals.similarity import TITLE_WEIGHT
from responses.models import Commitment
from tests.base import TrackerTestCase

# The third answer of reply letter No. 20240493, on 坪西路 (seeds/reply-letter-20240493.txt).
PINGXI_ANSWER = (
    "2015年3月，坪西路（龙坪路-鹤鸣路）市政改造工程项目建议书取得批复。当前，结合项目周边建设条件变化，"
    "统筹考虑地铁3号线东延道路恢复工程方案和建设时序，正在编制项目可研报告。下一步，龙岗区将积极与市发改委"
    "沟通协调坪西路综合管廊项目建设事宜，加快坪西路改造工程项目的可研报告审批工作，尽快推动实施建设。"
)


def detail(proposal: Proposal) -> str:
    return reverse("proposals:detail", args=[proposal.pk])


class RelatedTestCase(TrackerTestCase):
    """The demo's suggestions on some thirty other subjects (real programmes and places of
    the Longgang and Pingshan plans), an earlier year's 坪西路 suggestion answered B with
    one promise, and this year's new 坪西路 suggestion. Rarity is counted among all of
    them, so a handful of suggestions would not do: in a corpus of five, 坪西 is common."""

    earlier_session: Session
    background: list[Proposal]
    earlier: Proposal
    new: Proposal

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.earlier_session = Session.objects.create(
            congress=cls.congress, name="深圳市第七届人民代表大会第四次会议", term=7, meeting=4, year=2023
        )
        cls.background = [cls.indexed(title=spec.title, body=spec.body) for spec in SUGGESTIONS]
        cls.earlier = cls.indexed(
            assigned=True,
            number="20230118",
            session=cls.earlier_session,
            title="关于推动坪西路改造项目尽快实施的建议",
            body=PINGXI_ANSWER,
            received_on=date(2023, 2, 1),
        )
        cls.make_sent(cls.earlier, grade="B")
        cls.new = cls.indexed(
            assigned=True,
            title="关于加快坪西路市政改造工程建设的建议",
            body="坪西路（龙坪路至鹤鸣路段）路面狭窄、高峰期拥堵。建议加快可研报告审批，尽快开工建设。",
        )

    @classmethod
    def indexed(cls, *, assigned: bool = False, **overrides: Any) -> Proposal:
        """A suggestion whose subject terms are stored, as Proposal.log() does."""
        if assigned:
            proposal = cls.make_assigned(with_co=False, **overrides)
        else:
            proposal = cls.make_proposal(**overrides)
        proposal.index_subject()
        return proposal

    def related(self, proposal: Proposal | None = None, user: Any = None) -> list[Proposal]:
        rows = related_suggestions(proposal or self.new, user=user or self.staff)
        return [row.proposal for row in rows]


class IndexingTests(TrackerTestCase):
    def test_logging_a_suggestion_stores_its_subject_terms(self) -> None:
        proposal = Proposal(
            congress=self.congress,
            session=self.session,
            number="20240888",
            title="关于推动坪西路改造的建议",
            lead_deputy=self.deputy,
            received_on=date(2024, 6, 1),
        )
        proposal.log(by=self.staff)
        self.assertTrue(proposal.subject_terms.filter(term="坪西", weight=TITLE_WEIGHT).exists())


class RankingTests(RelatedTestCase):
    def test_it_finds_the_earlier_suggestion_on_the_same_road_first(self) -> None:
        self.assertEqual(self.related()[0], self.earlier)

    def test_it_leaves_out_suggestions_on_other_subjects(self) -> None:
        # Among them another road's 改造 (坪山大道综合改造) and 地铁19号线.
        self.assertEqual(self.related(), [self.earlier])

    def test_it_ranks_the_suggestion_about_the_road_above_one_that_mentions_it(self) -> None:
        park = self.indexed(
            title="关于推进巴头岭公园立项建设的建议",
            body="巴头岭公园位于坪地街道坪西路旁，用地性质为公园绿地。建议完成周边道路建设后尽快立项。",
        )
        self.assertNotEqual(park, self.related()[0])

    def test_it_does_not_list_the_suggestion_itself(self) -> None:
        self.assertNotIn(self.earlier, self.related(self.earlier))
        self.assertIn(self.new, self.related(self.earlier))

    def test_it_works_for_a_suggestion_not_saved_yet(self) -> None:
        draft = Proposal(title="关于坪西路改造的建议", body="")
        self.assertEqual(list(Proposal.objects.related_to(draft)), [self.earlier, self.new])

    def test_it_finds_nothing_for_a_subject_never_raised(self) -> None:
        draft = Proposal(title="关于规范电动自行车停放充电的建议", body="楼道内充电火灾隐患大。")
        self.assertEqual(list(Proposal.objects.related_to(draft)), [])


class CardContentTests(RelatedTestCase):
    def test_it_shows_number_title_and_year_of_the_earlier_suggestion(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(detail(self.new))
        self.assertContains(response, f'href="{detail(self.earlier)}">20230118</a>', html=False)
        self.assertContains(response, "关于推动坪西路改造项目尽快实施的建议")
        self.assertContains(response, 'title="深圳市第七届人民代表大会第四次会议">2023<', html=False)

    def test_it_shows_the_grade_of_the_sent_reply(self) -> None:
        self.assertEqual(related_suggestions(self.new, user=self.staff)[0].grades, ["B"])

    def test_it_does_not_count_a_promise_reported_kept_until_staff_confirm_it(self) -> None:
        self.promises().update(status="claimed", fulfilled_on=date(2024, 3, 1))
        row = related_suggestions(self.new, user=self.staff)[0]
        self.assertEqual((row.commitments, row.commitments_kept, row.commitments_open), (1, 0, 1))

    def test_it_shows_that_the_promise_is_not_kept_yet(self) -> None:
        self.client.force_login(self.staff)
        self.assertContains(self.client.get(detail(self.new)), "0 of 1")

    def promises(self) -> Any:
        return Commitment.objects.filter(reply__assignment__proposal=self.earlier)

    def test_it_shows_a_kept_promise(self) -> None:
        self.promises().update(status="fulfilled", fulfilled_on=date(2024, 3, 1))
        self.client.force_login(self.staff)
        self.assertContains(self.client.get(detail(self.new)), "1 of 1")

    def test_it_counts_a_promise_closed_as_not_fulfilled(self) -> None:
        self.promises().update(status="not_fulfilled", closed_reason="用地未能落实")
        row = related_suggestions(self.new, user=self.staff)[0]
        self.assertEqual((row.commitments, row.commitments_kept, row.commitments_not_kept), (1, 0, 1))

    def test_it_leaves_out_promises_removed_from_a_draft(self) -> None:
        self.promises().update(status="removed")
        self.assertEqual(related_suggestions(self.new, user=self.staff)[0].commitments, 0)

    def test_it_shows_no_grade_for_a_suggestion_not_answered_yet(self) -> None:
        self.assertEqual(related_suggestions(self.earlier, user=self.staff)[0].grades, [])

    def test_it_shows_the_card_right_after_a_suggestion_is_logged(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("proposals:create"),
            {
                "congress": self.congress.pk,
                "session": self.session.pk,
                "number": "20240777",
                "title": "关于尽快开工建设坪西路的建议",
                "body": "坪西路改造项目建议书已批复多年，至今未开工。",
                "lead_deputy": self.deputy.pk,
                "received_on": "2024-06-01",
                "supervising_leader": "",
            },
            follow=True,
        )
        self.assertContains(response, 'id="related"')
        self.assertContains(response, f'href="{detail(self.earlier)}">20230118</a>', html=False)

    def test_it_says_so_when_nothing_is_related(self) -> None:
        self.client.force_login(self.staff)
        school = next(p for p in self.background if "宝荷" in p.title)
        response = self.client.get(detail(school))
        self.assertContains(response, "No other suggestion on the same subject.")


class VisibilityTests(RelatedTestCase):
    def test_it_shows_a_department_the_related_suggestions_assigned_to_it(self) -> None:
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(detail(self.new)), "20230118")

    def test_it_hides_another_departments_suggestion_from_a_department_user(self) -> None:
        theirs = self.indexed(title="关于坪西路沿线交通疏导的建议", body="坪西路高峰期拥堵。")
        theirs.assign(by=self.staff, lead=self.other_dept, assigned_on=date(2024, 7, 15))
        self.client.force_login(self.outsider)
        response = self.client.get(detail(theirs))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "20230118")
        self.assertNotContains(response, "关于推动坪西路改造项目尽快实施的建议")

    def test_it_lists_for_a_department_only_what_it_may_open(self) -> None:
        theirs = self.indexed(title="关于坪西路沿线交通疏导的建议", body="坪西路高峰期拥堵。")
        theirs.assign(by=self.staff, lead=self.other_dept, assigned_on=date(2024, 7, 15))
        self.assertEqual(self.related(theirs, user=self.outsider), [])
        self.assertIn(self.earlier, self.related(theirs, user=self.staff))

    def test_it_still_hides_the_suggestion_from_a_department_it_was_not_assigned_to(self) -> None:
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(detail(self.new)).status_code, 404)

    def test_it_still_hides_the_suggestion_from_a_user_without_role(self) -> None:
        self.client.force_login(self.nobody)
        self.assertEqual(self.client.get(detail(self.new)).status_code, 404)

    def test_it_is_not_on_the_deputys_progress_page(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.get(detail(self.new))
        self.assertTemplateUsed(response, "proposals/proposal_progress.html")
        self.assertNotContains(response, 'id="related"')
        self.assertNotContains(response, "20230118")


class QueryCountTests(RelatedTestCase):
    def add_answered(self, count: int) -> None:
        """More earlier 坪西路 suggestions, each answered B with two promises."""
        for i in range(count):
            proposal = self.indexed(
                assigned=True,
                number=f"2023{900 + i:04d}",
                session=self.earlier_session,
                title="关于推进坪西路改造的建议",
                body="坪西路改造进展缓慢。",
            )
            reply = self.make_sent(proposal, grade="B")
            reply.commitments.create(
                description="开工建设", due_on=date(2026, 6, 30), department=self.lead_dept
            )

    def test_it_runs_the_same_number_of_queries_however_many_are_related(self) -> None:
        with self.assertNumQueries(5):
            self.assertEqual(len(related_suggestions(self.new, user=self.clerk)), 1)
        self.add_answered(4)
        with self.assertNumQueries(5):
            self.assertEqual(len(related_suggestions(self.new, user=self.clerk)), 5)

    def test_the_detail_page_runs_the_same_number_of_queries_however_many_are_related(self) -> None:
        self.client.force_login(self.staff)
        self.client.get(detail(self.new))
        with CaptureQueriesContext(connection) as one:
            self.client.get(detail(self.new))
        self.add_answered(4)
        with self.assertNumQueries(len(one.captured_queries)):
            response = self.client.get(detail(self.new))
        self.assertEqual(len(response.context["related"]), 5)
