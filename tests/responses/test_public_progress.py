"""public:progress — a suggestion's public progress page by number, and its number chooser."""

from __future__ import annotations

from datetime import date

from django.urls import Resolver404, resolve, reverse

from proposals.models import Proposal, Session
from responses.models import Feedback
from tests.base import TrackerTestCase


def progress_url(number: str) -> str:
    return reverse("public:progress", args=[number])


class ProgressPageTests(TrackerTestCase):
    def test_it_shows_number_title_session_and_units_without_sign_in(self) -> None:
        proposal = self.make_assigned(title="关于推进龙筋顶公园建设的建议")
        response = self.client.get(progress_url(proposal.number))
        self.assertContains(response, "关于推进龙筋顶公园建设的建议")
        self.assertContains(response, self.session.name)
        self.assertContains(response, self.lead_dept.name)
        self.assertContains(response, self.co_dept.name)
        self.assertContains(response, '<time datetime="2024-07-15">2024-07-15</time>', html=True)

    def test_it_names_each_units_role(self) -> None:
        proposal = self.make_assigned()
        units = self.client.get(progress_url(proposal.number)).context["units"]
        roles = [(u["assignment"].department, u["assignment"].role) for u in units]
        self.assertEqual(roles, [(self.lead_dept, "lead"), (self.co_dept, "co")])

    def test_it_shows_a_received_suggestion_that_is_not_assigned(self) -> None:
        proposal = self.make_proposal()
        response = self.client.get(progress_url(proposal.number))
        self.assertEqual(response.context["stage"], "received")
        self.assertContains(response, "The suggestion has not been assigned to a department yet.")

    def test_it_maps_each_status_to_a_public_stage(self) -> None:
        proposal = self.make_assigned()
        cases = [
            ("assigned", "assigned"),
            ("handling", "handling"),
            ("rehandling", "handling"),
            ("replied", "replied"),
            ("closed", "closed"),
        ]
        for status, stage in cases:
            Proposal.objects.filter(pk=proposal.pk).update(status=status)
            with self.subTest(status=status):
                self.assertEqual(self.client.get(progress_url(proposal.number)).context["stage"], stage)

    def test_it_marks_the_stages_passed_and_the_current_one(self) -> None:
        proposal = self.make_assigned()
        self.lead_assignment(proposal).accept(by=self.clerk)
        stages = self.client.get(progress_url(proposal.number)).context["stages"]
        self.assertEqual([s["key"] for s in stages if s["done"]], ["received", "assigned"])
        self.assertEqual([s["key"] for s in stages if s["current"]], ["handling"])

    def test_it_links_the_published_reply_with_its_date(self) -> None:
        reply = self.make_published(self.make_assigned(), grade="B")
        response = self.client.get(progress_url(reply.assignment.proposal.number))
        self.assertEqual(response.context["stage"], "replied")
        self.assertContains(response, reverse("public:reply_detail", args=[reply.pk]))
        self.assertContains(response, f'<time datetime="{reply.sent_on:%Y-%m-%d}">', count=1)

    def test_it_shows_the_stage_of_a_suggestion_whose_reply_is_not_published(self) -> None:
        reply = self.make_sent(self.make_assigned(), publicity="on_request", publicity_reason="涉及规划调整")
        response = self.client.get(progress_url(reply.assignment.proposal.number))
        self.assertEqual(response.context["stage"], "replied")
        self.assertContains(response, "The reply is not published online.")

    def test_it_leaves_out_a_withdrawn_assignment(self) -> None:
        proposal = self.make_assigned(with_co=False)
        assignment = self.lead_assignment(proposal)
        assignment.request_change(by=self.clerk, reason="不属于本单位职责", today=date(2024, 7, 16))
        assignment.decide_change(
            by=self.staff, approve=True, reason="改由坪山区办理", new_department=self.other_dept
        )
        response = self.client.get(progress_url(proposal.number))
        self.assertContains(response, self.other_dept.name)
        self.assertNotContains(response, self.lead_dept.name)
        self.assertNotContains(response, "不属于本单位职责")

    def test_it_never_shows_deadlines_events_contacts_or_feedback(self) -> None:
        proposal = self.make_assigned()
        lead = self.lead_assignment(proposal)
        lead.accept(by=self.clerk)
        lead.extend(by=self.staff, new_due_on=date(2024, 12, 31), reason="涉及多部门协调")
        lead.record_contact(
            by=self.clerk,
            contacted_on=date(2024, 8, 1),
            method="phone",
            stage="before",
            summary="电话沟通坪西路",
        )
        reply = self.make_published(proposal, publicity="public")
        Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="仍未动工")
        response = self.client.get(progress_url(proposal.number))
        for hidden in ("2024-12-31", "涉及多部门协调", "电话沟通坪西路", "仍未动工", "88180952", "杨郁波"):
            self.assertNotContains(response, hidden)

    def test_it_names_the_deputies_only_once_a_reply_is_published(self) -> None:
        proposal = self.make_assigned(co_signers=[self.other_deputy])
        self.assertNotContains(self.client.get(progress_url(proposal.number)), self.deputy.name)
        self.make_published(proposal)
        self.assertContains(self.client.get(progress_url(proposal.number)), "陈寿 and other deputies")

    def test_it_shows_the_same_page_to_a_signed_in_user(self) -> None:
        proposal = self.make_assigned()
        self.make_draft(proposal, body="尚未签发的答复草稿")
        for user in (self.staff, self.clerk, self.deputy_user):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                response = self.client.get(progress_url(proposal.number))
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "尚未签发的答复草稿")

    def test_it_accepts_a_number_with_letters(self) -> None:
        proposal = self.make_proposal(number="DH0271")
        self.assertEqual(self.client.get("/public/DH0271/").context["proposal"], proposal)

    def test_it_runs_a_fixed_number_of_queries(self) -> None:
        one = self.make_assigned(with_co=False)
        self.make_published(one)
        many = self.make_assigned()
        self.make_published(many)
        for proposal in (one, many):
            with self.subTest(units=proposal.assignments.count()), self.assertNumQueries(5):
                self.client.get(progress_url(proposal.number))


class NumberChooserTests(TrackerTestCase):
    later: Session

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.later = Session.objects.create(
            congress=cls.congress, name="深圳市第七届人民代表大会第六次会议", term=7, meeting=6, year=2025
        )
        cls.first = cls.make_proposal(number="00000031", title="关于坪西路改造的建议")
        cls.second = cls.make_proposal(
            number="00000031", session=cls.later, title="关于马峦山郊野径贯通的建议"
        )

    def test_it_offers_a_choice_when_the_number_exists_in_several_sessions(self) -> None:
        response = self.client.get(progress_url("00000031"))
        self.assertTemplateUsed(response, "public/progress_choose.html")
        self.assertContains(response, f"?session={self.first.session_id}")
        self.assertContains(response, f"?session={self.later.pk}")
        self.assertContains(response, "关于马峦山郊野径贯通的建议")

    def test_it_shows_the_chosen_session(self) -> None:
        response = self.client.get(progress_url("00000031") + f"?session={self.later.pk}")
        self.assertEqual(response.context["proposal"], self.second)

    def test_it_offers_the_choice_again_for_a_session_without_the_number(self) -> None:
        response = self.client.get(progress_url("00000031") + "?session=abc")
        self.assertTemplateUsed(response, "public/progress_choose.html")


class UnknownNumberTests(TrackerTestCase):
    def test_it_answers_404_with_a_lookup_and_a_search_form(self) -> None:
        response = self.client.get(progress_url("20249999"))
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, 'name="number"', status_code=404)
        self.assertContains(response, 'name="q"', status_code=404)

    def test_the_lookup_form_goes_to_the_number(self) -> None:
        proposal = self.make_proposal()
        response = self.client.get(reverse("public:progress_lookup") + f"?number=+{proposal.number}+")
        self.assertRedirects(response, progress_url(proposal.number))

    def test_the_lookup_form_goes_to_a_full_width_number_in_ascii_digits(self) -> None:
        proposal = self.make_proposal(number="20240493")
        response = self.client.get(reverse("public:progress_lookup"), {"number": "\u3000２０２４０４９３"})
        self.assertRedirects(response, progress_url(proposal.number))

    def test_a_full_width_number_in_the_address_finds_the_suggestion(self) -> None:
        proposal = self.make_proposal(number="20240493")
        response = self.client.get("/public/２０２４０４９３/")
        self.assertEqual(response.context["proposal"], proposal)

    def test_arabic_indic_digits_find_nothing(self) -> None:
        self.make_proposal(number="20240493")
        response = self.client.get(reverse("public:progress_lookup"), {"number": "٢٠٢٤٠٤٩٣"}, follow=True)
        self.assertEqual(response.status_code, 404)

    def test_the_lookup_form_answers_404_for_a_word(self) -> None:
        response = self.client.get(reverse("public:progress_lookup") + "?number=坪西路")
        self.assertEqual(response.status_code, 404)

    def test_the_sites_own_words_are_not_numbers(self) -> None:
        for path in ("/public/statistics/", "/public/replies/", "/public/progress/"):
            with self.subTest(path=path):
                try:
                    match = resolve(path)
                except Resolver404:
                    continue
                self.assertNotEqual(match.url_name, "progress")
