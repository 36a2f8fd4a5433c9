"""responses:reply_detail — the letter, and the actions each viewer may take on it."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from proposals.models import Proposal
from responses.models import Feedback, Reply
from tests.base import TrackerTestCase


def url(reply: Reply) -> str:
    return reverse("responses:reply_detail", args=[reply.pk])


class VisibilityTests(TrackerTestCase):
    def test_it_shows_the_draft_to_the_clerk(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(url(reply)).status_code, 200)

    def test_it_shows_the_draft_to_staff(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(url(reply)).status_code, 200)

    def test_it_hides_the_draft_from_a_clerk_of_another_department(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(url(reply)).status_code, 404)

    def test_it_hides_the_draft_from_the_co_handling_clerk(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.co_clerk)
        self.assertEqual(self.client.get(url(reply)).status_code, 404)

    def test_it_shows_the_sent_reply_to_the_co_handling_clerk(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.client.force_login(self.co_clerk)
        self.assertEqual(self.client.get(url(reply)).status_code, 200)

    def test_it_hides_the_draft_from_the_deputy(self) -> None:
        reply = self.make_draft(self.make_assigned())
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.get(url(reply)).status_code, 404)

    def test_it_shows_the_sent_reply_to_the_deputy(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.get(url(reply)).status_code, 200)

    def test_it_hides_the_sent_reply_from_another_deputy(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.client.force_login(self.other_deputy_user)
        self.assertEqual(self.client.get(url(reply)).status_code, 404)

    def test_it_hides_the_reply_from_a_user_without_role(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.client.force_login(self.nobody)
        self.assertEqual(self.client.get(url(reply)).status_code, 404)

    def test_it_sends_anonymous_users_to_the_login_page(self) -> None:
        reply = self.make_sent(self.make_assigned())
        response = self.client.get(url(reply))
        self.assertRedirects(response, f"{reverse('login')}?next={url(reply)}", fetch_redirect_response=False)


class LetterTests(TrackerTestCase):
    reply: Reply
    proposal: Proposal

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_assigned()
        cls.reply = cls.make_draft(cls.proposal, grade="B", document_number="深龙发改函〔2024〕61号")
        cls.reply.submit(by=cls.clerk)
        cls.reply.approve(by=cls.leader, sent_on=date(2024, 11, 18))

    def get(self) -> str:
        self.client.force_login(self.deputy_user)
        return self.client.get(url(self.reply)).content.decode()

    def test_it_names_the_suggestion_in_the_heading(self) -> None:
        page = self.get()
        for part in (self.proposal.number, self.session.name, self.proposal.title, "深龙发改函〔2024〕61号"):
            self.assertIn(part, page)

    def test_it_greets_the_lead_deputy_alone(self) -> None:
        self.assertIn("Dear Deputy 陈寿:", self.get())

    def test_it_greets_the_co_signers_too(self) -> None:
        self.proposal.co_signers.add(self.other_deputy)
        self.assertIn("Dear Deputy 陈寿 and fellow deputies:", self.get())

    def test_it_keeps_the_line_breaks_of_the_body(self) -> None:
        Reply.objects.filter(pk=self.reply.pk).update(body="一、关于坪西路改造\n二、关于盐龙大道")
        self.assertInHTML("<p>二、关于盐龙大道</p>", self.get())

    def test_it_shows_the_contact_line_grade_and_copy_list(self) -> None:
        page = self.get()
        # The letter is addressed to the deputy, who reads its contact line in full.
        self.assertIn("(Contact: 杨郁波, phone: 88180952)", page)
        self.assertIn('<span class="grade-B">B</span>', page)
        self.assertIn("市人大常委会选联工委、市政府督查室", page)

    def test_it_lists_the_commitments(self) -> None:
        self.assertIn("完成坪西路改造可研报告审批", self.get())

    def test_it_shows_both_grades_after_a_regrade(self) -> None:
        self.keep_promises(self.reply)
        self.reply.regrade("A", by=self.staff, reason="可研报告已批复")
        self.assertIn("the department gave B", self.get())

    def test_it_shows_the_feedback_given(self) -> None:
        Feedback.give(
            self.reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="坪西路仍未动工"
        )
        self.assertIn("坪西路仍未动工", self.get())


class ActionTests(TrackerTestCase):
    def page(self, reply: Reply, user: object) -> str:
        self.client.force_login(user)
        return self.client.get(url(reply)).content.decode()

    def test_it_offers_the_clerk_edit_and_submit_on_a_draft(self) -> None:
        reply = self.make_draft(self.make_assigned())
        page = self.page(reply, self.clerk)
        self.assertIn(reverse("responses:reply_submit", args=[reply.pk]), page)
        self.assertIn(reverse("responses:reply_edit", args=[reply.assignment_id]), page)

    def test_it_lists_what_stops_the_submission(self) -> None:
        reply = self.make_draft(self.make_assigned(), grade="B")
        reply.commitments.all().delete()
        self.assertIn("A B reply must carry at least one commitment", self.page(reply, self.clerk))

    def test_it_offers_the_leader_approve_and_return(self) -> None:
        reply = self.make_draft(self.make_assigned())
        reply.submit(by=self.clerk)
        page = self.page(reply, self.leader)
        self.assertIn(reverse("responses:reply_approve", args=[reply.pk]), page)
        self.assertIn(reverse("responses:reply_return", args=[reply.pk]), page)

    def test_it_does_not_offer_the_clerk_approval(self) -> None:
        reply = self.make_draft(self.make_assigned())
        reply.submit(by=self.clerk)
        self.assertNotIn(reverse("responses:reply_approve", args=[reply.pk]), self.page(reply, self.clerk))

    def test_it_shows_the_clerk_the_leaders_comment(self) -> None:
        reply = self.make_draft(self.make_assigned())
        reply.submit(by=self.clerk)
        reply.return_to_clerk(by=self.leader, comment="请补充坪西路动工时间")
        self.assertIn("请补充坪西路动工时间", self.page(reply, self.clerk))

    def test_it_offers_staff_the_regrade(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.assertIn(reverse("responses:reply_regrade", args=[reply.pk]), self.page(reply, self.staff))

    def test_it_does_not_offer_the_department_the_regrade(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.assertNotIn(reverse("responses:reply_regrade", args=[reply.pk]), self.page(reply, self.leader))

    def test_it_offers_the_deputy_the_feedback_form(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.assertIn(reverse("responses:feedback", args=[reply.pk]), self.page(reply, self.deputy_user))

    def test_it_does_not_ask_the_deputy_twice(self) -> None:
        reply = self.make_sent(self.make_assigned(co_signers=[self.other_deputy]))
        Feedback.give(reply, by=self.deputy_user, rating=Feedback.Rating.SATISFIED)
        self.assertNotIn(reverse("responses:feedback", args=[reply.pk]), self.page(reply, self.deputy_user))

    def test_it_does_not_offer_staff_the_feedback_form(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.assertNotIn(reverse("responses:feedback", args=[reply.pk]), self.page(reply, self.staff))

    def test_it_offers_staff_the_decision_on_an_unsatisfied_rating(self) -> None:
        reply = self.make_sent(self.make_assigned())
        feedback = Feedback.give(
            reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未解决"
        )
        self.assertIn(reverse("responses:feedback_decide", args=[feedback.pk]), self.page(reply, self.staff))

    def test_it_does_not_offer_the_deputy_the_decision(self) -> None:
        reply = self.make_sent(self.make_assigned())
        feedback = Feedback.give(
            reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未解决"
        )
        page = self.page(reply, self.deputy_user)
        self.assertNotIn(reverse("responses:feedback_decide", args=[feedback.pk]), page)

    def test_it_shows_the_history_to_the_department_only(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.assertIn('class="timeline"', self.page(reply, self.clerk))
        self.assertNotIn('class="timeline"', self.page(reply, self.deputy_user))


class PromiseStatusTests(TrackerTestCase):
    """A promise is made when the reply is sent: before that it is not 'open' with a countdown."""

    def page(self, reply: Reply) -> str:
        self.client.force_login(self.leader)
        return self.client.get(url(reply)).content.decode()

    def test_it_shows_the_promises_of_a_reply_awaiting_approval_as_to_be_sent(self) -> None:
        reply = self.make_draft(self.make_assigned(), grade="B")
        reply.submit(by=self.clerk)
        page = self.page(reply)
        self.assertIn('badge-commitment-pending">to be sent with the reply<', page)
        self.assertNotIn('badge-commitment-open"', page)
        self.assertNotIn("days-left", page)

    def test_it_shows_the_promises_of_a_sent_reply_as_open_with_their_countdown(self) -> None:
        reply = self.make_sent(self.make_assigned(), grade="B")
        page = self.page(reply)
        self.assertIn('badge-commitment-open">open<', page)
        self.assertNotIn("to be sent with the reply", page)


class SendConfirmationTests(TrackerTestCase):
    def test_it_asks_the_leader_before_sending_naming_the_suggestion_and_grade(self) -> None:
        reply = self.make_draft(self.make_assigned(number="20240493"), grade="B")
        reply.submit(by=self.clerk)
        self.client.force_login(self.leader)
        page = self.client.get(url(reply)).content.decode()
        form = page[page.index(reverse("responses:reply_approve", args=[reply.pk])) :]
        form = form[: form.index(">")]
        self.assertIn("data-confirm=", form)
        self.assertIn("No. 20240493 (grade B)", form)
        self.assertIn("cannot be taken back", form)
