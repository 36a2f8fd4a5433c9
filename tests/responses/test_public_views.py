"""public:reply_list and public:reply_detail — only replies published as 主动公开, no sign-in needed."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from proposals.models import Session
from responses.models import Feedback, Reply
from tests.base import TrackerTestCase

LIST_URL = reverse("public:reply_list")


def detail_url(reply: Reply) -> str:
    return reverse("public:reply_detail", args=[reply.pk])


class PublicReplyListTests(TrackerTestCase):
    published: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.published = cls.make_published(cls.make_assigned(title="关于发展新质生产力的建议"), grade="B")

    def numbers(self, query: str = "") -> list[str]:
        response = self.client.get(f"{LIST_URL}{query}")
        return [reply.assignment.proposal.number for reply in response.context["page_obj"]]

    def test_it_lists_published_replies_without_sign_in(self) -> None:
        response = self.client.get(LIST_URL)
        self.assertContains(response, "关于发展新质生产力的建议")
        self.assertContains(response, self.lead_dept.name)

    def test_it_links_the_public_statistics_for_the_public_and_deputies_only(self) -> None:
        statistics = reverse("public:statistics")
        self.assertContains(self.client.get(LIST_URL), f'href="{statistics}"', count=2)
        self.client.force_login(self.deputy_user)
        self.assertContains(self.client.get(reverse("proposals:mine")), f'href="{statistics}"')
        self.client.force_login(self.staff)
        # Staff and departments have the full statistics page in their menu instead.
        self.assertNotContains(self.client.get(reverse("proposals:list")), f'href="{statistics}"')

    def test_it_leaves_out_replies_published_only_on_request(self) -> None:
        on_request = self.make_sent(
            self.make_assigned(), publicity="on_request", publicity_reason="涉及规划调整"
        )
        self.assertNotIn(on_request.assignment.proposal.number, self.numbers())

    def test_it_leaves_out_replies_not_published(self) -> None:
        hidden = self.make_sent(
            self.make_assigned(), publicity="not_public", publicity_reason="道路规划尚未确定"
        )
        self.assertNotIn(hidden.assignment.proposal.number, self.numbers())

    def test_it_leaves_out_drafts(self) -> None:
        draft = self.make_draft(self.make_assigned())
        self.assertNotIn(draft.assignment.proposal.number, self.numbers())

    def test_it_lists_the_newest_first(self) -> None:
        newer = self.make_published(self.make_assigned())
        Reply.objects.filter(pk=self.published.pk).update(sent_on=date(2024, 11, 18))
        self.assertEqual(self.numbers()[0], newer.assignment.proposal.number)

    def test_it_filters_by_grade(self) -> None:
        other = self.make_published(self.make_assigned(), grade="A")
        self.assertEqual(self.numbers("?grade=A"), [other.assignment.proposal.number])

    def test_it_filters_by_department(self) -> None:
        proposal = self.make_proposal()
        assignment = proposal.assign(by=self.staff, lead=self.co_dept, assigned_on=date(2024, 7, 15))[0]
        assignment.accept(by=self.co_clerk)
        reply = Reply.start_draft(
            assignment,
            by=self.co_clerk,
            body="答复",
            grade="A",
            publicity="public",
            contact_name="李",
            contact_phone="1",
        )
        reply.submit(by=self.co_clerk)
        reply.approve(by=self.co_leader)
        self.publish(reply)
        self.assertEqual(self.numbers(f"?department={self.co_dept.pk}"), [proposal.number])

    def test_it_filters_by_year_and_session(self) -> None:
        session = Session.objects.create(
            congress=self.congress, name="深圳市第七届人民代表大会第六次会议", term=7, meeting=6, year=2025
        )
        later = self.make_published(self.make_assigned(session=session, number="20250001"))
        self.assertEqual(self.numbers("?year=2025"), [later.assignment.proposal.number])
        self.assertEqual(
            self.numbers(f"?session={self.session.pk}"), [self.published.assignment.proposal.number]
        )

    def test_it_searches_number_and_title(self) -> None:
        self.make_published(self.make_assigned())
        number = self.published.assignment.proposal.number
        self.assertEqual(self.numbers(f"?q={number}"), [number])
        self.assertEqual(self.numbers("?q=新质生产力"), [number])

    def test_it_selects_nothing_for_a_malformed_filter(self) -> None:
        response = self.client.get(f"{LIST_URL}?year=abc&page=x")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.numbers("?year=abc&page=x"), [])

    def test_it_searches_the_reply_text(self) -> None:
        other = self.make_published(self.make_assigned(), body="一、关于清林径环库碧道建设……")
        self.assertEqual(self.numbers("?q=清林径"), [other.assignment.proposal.number])

    def test_it_combines_search_and_filters(self) -> None:
        self.make_published(self.make_assigned(title="关于发展新质生产力产业园的建议"), grade="A")
        self.assertEqual(self.numbers("?q=新质生产力&grade=B"), [self.published.assignment.proposal.number])

    def test_it_ranks_the_exact_number_first(self) -> None:
        number = self.published.assignment.proposal.number
        self.make_published(self.make_assigned(title=f"关于{number}号建议的补充建议"))
        self.assertEqual(self.numbers(f"?q={number}")[0], number)

    def test_it_shows_the_same_list_to_every_signed_in_user(self) -> None:
        self.make_draft(self.make_assigned())
        anonymous = self.numbers()
        for user in (self.staff, self.clerk, self.leader, self.deputy_user, self.nobody):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.numbers(), anonymous)

    def test_it_links_each_number_to_its_progress_page(self) -> None:
        proposal = self.published.assignment.proposal
        self.assertContains(self.client.get(LIST_URL), reverse("public:progress", args=[proposal.number]))

    def test_it_paginates(self) -> None:
        response = self.client.get(LIST_URL)
        self.assertEqual(response.context["page_obj"].paginator.per_page, 20)

    def test_it_runs_a_constant_number_of_queries(self) -> None:
        with self.assertNumQueries(5):
            self.client.get(LIST_URL)
        for _ in range(3):
            self.make_published(self.make_assigned(), grade="B")
        with self.assertNumQueries(5):
            self.client.get(LIST_URL)


class PublicReplyDetailTests(TrackerTestCase):
    published: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.published = cls.make_published(cls.make_assigned(), grade="B")

    def test_it_shows_the_published_letter_without_sign_in(self) -> None:
        response = self.client.get(detail_url(self.published))
        self.assertContains(response, self.published.body)
        self.assertContains(response, "完成坪西路改造可研报告审批")

    def test_it_names_no_contact_person_and_no_phone(self) -> None:
        # Was: the contact line with the phone masked. Under 国办发〔2014〕46号 the contact
        # details of anyone but the deputy are removed before publishing.
        response = self.client.get(detail_url(self.published))
        self.assertNotContains(response, "杨郁波")
        self.assertNotContains(response, "88****52")
        self.assertNotContains(response, "88180952")

    def test_it_never_shows_feedback_or_staff_decisions(self) -> None:
        feedback = Feedback.give(
            self.published, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="坪西路仍未动工"
        )
        feedback.decline_rehandling(by=self.staff, reason="已列入规划，无需重新办理")
        response = self.client.get(detail_url(self.published))
        self.assertNotContains(response, "坪西路仍未动工")
        self.assertNotContains(response, "已列入规划，无需重新办理")

    def test_it_does_not_show_the_department_grade_after_a_regrade(self) -> None:
        self.keep_promises(self.published)
        self.published.regrade("A", by=self.staff, reason="可研报告已批复")
        response = self.client.get(detail_url(self.published))
        self.assertContains(response, '<span class="grade-A">A</span>', html=True)
        self.assertNotContains(response, "可研报告已批复")

    def test_it_hides_a_reply_published_only_on_request(self) -> None:
        reply = self.make_sent(self.make_assigned(), publicity="on_request", publicity_reason="涉及规划调整")
        self.assertEqual(self.client.get(detail_url(reply)).status_code, 404)

    def test_it_hides_a_reply_not_published(self) -> None:
        reply = self.make_sent(
            self.make_assigned(), publicity="not_public", publicity_reason="道路规划尚未确定"
        )
        self.assertEqual(self.client.get(detail_url(reply)).status_code, 404)

    def test_it_hides_a_draft_even_from_its_department(self) -> None:
        draft = self.make_draft(self.make_assigned())
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(detail_url(draft)).status_code, 404)

    def test_it_hides_an_unknown_id(self) -> None:
        self.assertEqual(self.client.get(reverse("public:reply_detail", args=[999999])).status_code, 404)
