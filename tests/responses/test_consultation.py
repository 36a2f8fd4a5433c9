"""Consultation on the draft reply (征询意见), the contact gate (沟通/面商) and the
two-part rating collected by the congress (issue 14)."""

from __future__ import annotations

import unittest
from datetime import date, timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from proposals.models import ConsultationRule, Contact, Deputy, ProposalEvent
from proposals.timeline import describe
from responses.models import Consultation, Feedback, Reply
from tests.base import TrackerTestCase, TrackerTransactionTestCase, make_user
from tests.workflow.test_races import TRIALS, post_at_once, server_errors
from tracker.models import Role, User
from tracker.workflow import InvalidTransition

KEY = {"is_key": True, "supervising_leader": "区人大常委会副主任"}
COMMENT = "建议补充养老护理院的开工时间。"


class ConsultationData(TrackerTestCase):
    """A key suggestion of 陈寿 with 王芳 co-signing, its draft with the lead unit; a
    deputy who is also a clerk of the lead unit (李明) and a deputy of nothing here."""

    dual: User
    dual_deputy: Deputy
    lone_user: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dual = make_user("dual", Role.DEPT_CLERK, Role.DEPUTY, department=cls.lead_dept)
        cls.dual_deputy = Deputy.objects.create(congress=cls.congress, name="李明", user=cls.dual)
        cls.lone_user = make_user("lone", Role.DEPUTY)
        Deputy.objects.create(congress=cls.congress, name="赵敏", user=cls.lone_user)

    def key_draft(self, **overrides: Any) -> Reply:
        return self.draft(**{**KEY, **overrides})

    def draft(self, **overrides: Any) -> Reply:
        """A draft read back from the database, so that it sees the congress's settings
        as a test changed them (the fixture's objects keep the ones they were made with)."""
        proposal = self.make_assigned(co_signers=[self.other_deputy], **overrides)
        return Reply.objects.get(pk=self.make_draft(proposal).pk)

    def sent_to_deputy(self, **overrides: Any) -> Consultation:
        reply = self.key_draft(**overrides)
        return reply.consult(by=self.clerk, note="请审阅")

    def set_congress(self, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self.congress, name, value)
        self.congress.save()


class ConsultationRuleTests(ConsultationData):
    def test_it_refuses_to_send_a_key_reply_never_shown_to_the_lead_deputy(self) -> None:
        reply = self.key_draft()
        reply.submit(by=self.clerk)
        with self.assertRaisesMessage(InvalidTransition, "lead deputy"):
            reply.approve(by=self.leader)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.SUBMITTED)

    def test_it_sends_a_key_reply_once_the_lead_deputy_answered(self) -> None:
        consultation = self.sent_to_deputy()
        reply = consultation.reply
        reply.submit(by=self.clerk)
        self.assertNotIn("approve", self.refreshed(reply).actions(self.leader))
        consultation.answer(by=self.deputy_user, comment=COMMENT, consent=Consultation.Consent.YES)
        reply = self.refreshed(reply)
        reply.approve(by=self.leader)
        self.assertEqual(reply.status, Reply.Status.SENT)

    def test_it_sends_an_ordinary_reply_without_consultation_by_default(self) -> None:
        reply = self.draft()
        reply.submit(by=self.clerk)
        reply.approve(by=self.leader)
        self.assertEqual(reply.status, Reply.Status.SENT)

    def test_it_asks_consultation_on_every_reply_when_the_congress_says_so(self) -> None:
        self.set_congress(consultation=ConsultationRule.ALL)
        reply = self.draft()
        reply.submit(by=self.clerk)
        self.assertIsNotNone(reply.consultation_problem())

    def test_it_asks_none_when_the_congress_switched_it_off(self) -> None:
        self.set_congress(consultation=ConsultationRule.OFF)
        reply = self.key_draft()
        reply.submit(by=self.clerk)
        reply.approve(by=self.leader)
        self.assertEqual(reply.status, Reply.Status.SENT)

    def test_it_stops_waiting_once_the_waiting_time_passed(self) -> None:
        # Sent on Monday 2 Dec 2024: five working days end on Monday 9 Dec.
        with time_machine.travel(timezone.make_aware(timezone.datetime(2024, 12, 2, 10)), tick=False):
            consultation = self.sent_to_deputy()
            consultation.reply.submit(by=self.clerk)
        self.assertEqual(consultation.answer_due_on, date(2024, 12, 9))
        reply = self.refreshed(consultation.reply)
        self.assertIsNotNone(reply.consultation_problem(date(2024, 12, 9)))
        self.assertIsNone(reply.consultation_problem(date(2024, 12, 10)))

    def test_it_waits_for_the_answer_without_end_when_the_wait_is_zero(self) -> None:
        self.set_congress(consultation_wait_days=0)
        consultation = self.sent_to_deputy()
        self.assertIsNone(consultation.answer_due_on)
        reply = self.refreshed(consultation.reply)
        self.assertIsNotNone(reply.consultation_problem(timezone.localdate() + timedelta(days=365)))

    def test_it_keeps_every_sending_and_replaces_the_unanswered_one(self) -> None:
        first = self.sent_to_deputy()
        reply = self.refreshed(first.reply)
        reply.body += "\n二、补充开工时间。"
        reply.save(update_fields=["body"])
        second = reply.consult(by=self.clerk)
        self.assertEqual(self.refreshed(first).status, Consultation.Status.REPLACED)
        self.assertEqual((second.sequence, second.status), (2, Consultation.Status.AWAITING))
        self.assertEqual(ProposalEvent.objects.filter(kind=ProposalEvent.Kind.CONSULTATION_SENT).count(), 2)

    def test_it_refuses_to_send_an_unchanged_draft_again(self) -> None:
        consultation = self.sent_to_deputy()
        with self.assertRaisesMessage(InvalidTransition, "already with the lead deputy"):
            self.refreshed(consultation.reply).consult(by=self.clerk)

    def test_it_sends_again_after_an_answer_without_changes(self) -> None:
        consultation = self.sent_to_deputy()
        consultation.answer(by=self.deputy_user, comment=COMMENT, consent=Consultation.Consent.YES)
        again = self.refreshed(consultation.reply).consult(by=self.clerk)
        self.assertEqual(again.sequence, 2)

    def test_it_keeps_a_reply_unpublished_when_the_deputy_did_not_consent(self) -> None:
        consultation = self.sent_to_deputy()
        consultation.answer(by=self.deputy_user, comment="涉及选址，暂不宜公开", consent="no")
        reply = self.refreshed(consultation.reply)
        with self.assertRaisesMessage(InvalidTransition, "did not consent"):
            reply.submit(by=self.clerk)
        reply.publicity, reply.publicity_reason = Reply.Publicity.ON_REQUEST, "代表不同意公开"
        reply.save(update_fields=["publicity", "publicity_reason"])
        reply.submit(by=self.clerk)
        reply.approve(by=self.leader)
        self.assertEqual(reply.status, Reply.Status.SENT)

    def test_it_asks_why_when_the_deputy_refuses_publication(self) -> None:
        consultation = self.sent_to_deputy()
        with self.assertRaisesMessage(InvalidTransition, "why"):
            consultation.answer(by=self.deputy_user, comment=" ", consent="no")
        self.assertEqual(self.refreshed(consultation).status, Consultation.Status.AWAITING)

    def test_it_refuses_an_answer_without_consent(self) -> None:
        consultation = self.sent_to_deputy()
        with self.assertRaises(InvalidTransition):
            consultation.answer(by=self.deputy_user, comment=COMMENT, consent="maybe")

    def test_it_lets_only_the_lead_deputy_answer(self) -> None:
        consultation = self.sent_to_deputy()
        for user in (self.other_deputy_user, self.lone_user, self.dual, self.clerk, self.leader, self.staff):
            with self.subTest(user=user.username), self.assertRaises(InvalidTransition):
                consultation.answer(by=user, comment=COMMENT, consent="yes")

    def test_it_lets_a_lead_deputy_who_is_also_a_clerk_answer(self) -> None:
        consultation = self.sent_to_deputy(lead_deputy=self.dual_deputy)
        consultation.answer(by=self.dual, comment=COMMENT, consent="yes")
        self.assertEqual(consultation.status, Consultation.Status.ANSWERED)

    def test_it_consults_in_person_a_lead_deputy_without_an_account(self) -> None:
        offline = Deputy.objects.create(congress=self.congress, name="钱七")
        reply = self.key_draft(lead_deputy=offline)
        self.assertNotIn("consult", reply.actions(self.clerk))
        reply.submit(by=self.clerk)
        reply.approve(by=self.leader)
        self.assertEqual(reply.status, Reply.Status.SENT)

    def test_it_records_both_steps_on_the_timeline_in_both_languages(self) -> None:
        consultation = self.sent_to_deputy()
        consultation.answer(by=self.deputy_user, comment=COMMENT, consent="yes")
        answered = ProposalEvent.objects.get(kind=ProposalEvent.Kind.CONSULTATION_ANSWERED)
        self.assertEqual(
            (answered.actor, answered.reason, answered.data["consent"]), (self.deputy_user, COMMENT, "yes")
        )
        with translation.override("en"):
            self.assertIn("the reply may be published", describe(answered).detail)
        with translation.override("zh-hans"):
            self.assertIn("同意公开", describe(answered).detail)


class ContactGateTests(ConsultationData):
    def setUp(self) -> None:
        super().setUp()
        self.set_congress(contact_before_reply=True)

    def contact(self, reply: Reply, method: str) -> None:
        reply.assignment.record_contact(
            by=self.clerk,
            contacted_on=date(2024, 8, 1),
            method=method,
            stage=Contact.Stage.DURING,
            summary="沟通",
        )

    def test_it_refuses_to_submit_before_a_contact_is_logged(self) -> None:
        reply = self.draft()
        with self.assertRaisesMessage(InvalidTransition, "Log a contact"):
            reply.submit(by=self.clerk)
        self.contact(reply, Contact.Method.PHONE)
        reply.submit(by=self.clerk)
        self.assertEqual(reply.status, Reply.Status.SUBMITTED)

    def test_it_asks_a_face_to_face_meeting_for_a_key_suggestion(self) -> None:
        reply = self.key_draft()
        self.contact(reply, Contact.Method.PHONE)
        with self.assertRaisesMessage(InvalidTransition, "面商"):
            reply.submit(by=self.clerk)
        self.contact(reply, Contact.Method.FACE_TO_FACE)
        reply.submit(by=self.clerk)
        self.assertEqual(reply.status, Reply.Status.SUBMITTED)

    def test_it_says_on_the_drafting_page_what_is_missing(self) -> None:
        reply = self.key_draft()
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("responses:reply_edit", args=[reply.assignment.pk]))
        self.assertContains(response, "面商")
        response = self.client.get(reply.get_absolute_url())
        self.assertContains(response, "面商")

    def test_it_lets_a_congress_without_the_gate_submit_without_contact(self) -> None:
        self.set_congress(contact_before_reply=False)
        reply = self.draft()
        reply.submit(by=self.clerk)
        self.assertEqual(reply.status, Reply.Status.SUBMITTED)


class ConsultationPageTests(ConsultationData):
    """GET and POST of the deputy's page, for every persona."""

    def setUp(self) -> None:
        super().setUp()
        self.consultation = self.sent_to_deputy()
        self.url = reverse("responses:consultation", args=[self.consultation.pk])

    def get_as(self, user: User | None) -> Any:
        if user is not None:
            self.client.force_login(user)
        return self.client.get(self.url)

    def post_as(self, user: User | None, data: dict[str, str] | None = None) -> Any:
        if user is not None:
            self.client.force_login(user)
        return self.client.post(self.url, {"comment": COMMENT, "consent": "yes"} if data is None else data)

    def test_it_shows_the_draft_and_the_answer_form_to_the_lead_deputy(self) -> None:
        response = self.get_as(self.deputy_user)
        self.assertContains(response, "关于坪西路改造")
        self.assertContains(response, 'name="consent"')

    def test_it_shows_the_draft_without_a_form_to_the_unit_and_staff(self) -> None:
        for user in (self.clerk, self.leader, self.dual, self.staff):
            with self.subTest(user=user.username):
                response = self.get_as(user)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, 'name="consent"')

    def test_it_hides_the_draft_from_everyone_else(self) -> None:
        for user in (self.other_deputy_user, self.lone_user, self.co_clerk, self.outsider, self.nobody):
            with self.subTest(user=user.username):
                self.assertEqual(self.get_as(user).status_code, 404)
                self.assertEqual(self.post_as(user).status_code, 404)

    def test_it_sends_anonymous_visitors_to_sign_in(self) -> None:
        self.assertEqual(self.get_as(None).status_code, 302)
        self.assertIn("/accounts/login/", self.post_as(None)["Location"])

    def test_it_records_the_lead_deputys_answer(self) -> None:
        response = self.post_as(self.deputy_user)
        self.assertRedirects(response, self.url)
        consultation = self.refreshed(self.consultation)
        self.assertEqual((consultation.status, consultation.comment), (Consultation.Status.ANSWERED, COMMENT))

    def test_it_refuses_the_answer_of_the_unit_and_staff(self) -> None:
        for user in (self.clerk, self.leader, self.dual, self.staff):
            with self.subTest(user=user.username):
                self.assertEqual(self.post_as(user).status_code, 403)
        self.assertEqual(self.refreshed(self.consultation).status, Consultation.Status.AWAITING)

    def test_it_answers_bad_input_with_a_message(self) -> None:
        for data in ({"consent": "maybe"}, {"consent": "no", "comment": ""}, {}, {"comment": "x" * 5000}):
            with self.subTest(data=data):
                response = self.post_as(self.deputy_user, data)
                self.assertEqual(response.status_code, 302)
        self.assertEqual(self.refreshed(self.consultation).status, Consultation.Status.AWAITING)
        self.assertEqual(self.client.get(reverse("responses:consultation", args=[999999])).status_code, 404)

    def test_it_tells_a_second_answer_it_was_already_given(self) -> None:
        self.post_as(self.deputy_user)
        response = self.client.post(self.url, {"comment": "再次", "consent": "no"}, follow=True)
        self.assertContains(response, "already answered")
        self.assertEqual(
            ProposalEvent.objects.filter(kind=ProposalEvent.Kind.CONSULTATION_ANSWERED).count(), 1
        )

    def test_it_shows_the_comment_and_consent_on_the_drafting_and_approval_pages(self) -> None:
        self.consultation.answer(by=self.deputy_user, comment=COMMENT, consent="no")
        reply = self.consultation.reply
        self.client.force_login(self.clerk)
        drafting = self.client.get(reverse("responses:reply_edit", args=[reply.assignment.pk]))
        self.assertContains(drafting, COMMENT)
        self.assertContains(drafting, "the reply may not be published")
        reply.publicity, reply.publicity_reason = Reply.Publicity.NOT_PUBLIC, "代表不同意"
        reply.save(update_fields=["publicity", "publicity_reason"])
        reply.submit(by=self.clerk)
        self.client.force_login(self.leader)
        approval = self.client.get(reply.get_absolute_url())
        self.assertContains(approval, COMMENT)
        approve_url = reverse("responses:reply_approve", args=[reply.pk])
        self.assertContains(approval, f'action="{approve_url}"')

    def test_it_tells_the_leader_why_sending_waits(self) -> None:
        reply = self.consultation.reply
        reply.submit(by=self.clerk)
        self.client.force_login(self.leader)
        response = self.client.get(reply.get_absolute_url())
        self.assertContains(response, "sending waits for their answer")

    @override_settings(LANGUAGE_CODE="zh-hans")
    def test_it_speaks_chinese_by_default(self) -> None:
        response = self.get_as(self.deputy_user)
        self.assertContains(response, "是否同意公开")

    def test_it_speaks_english_to_an_english_reader(self) -> None:
        response = self.get_as(self.deputy_user)
        self.assertContains(response, "May the reply be published")

    def test_it_points_the_lead_deputy_to_the_draft_from_the_progress_page(self) -> None:
        proposal_url = reverse("proposals:detail", args=[self.consultation.reply.assignment.proposal_id])
        self.client.force_login(self.deputy_user)
        self.assertContains(self.client.get(proposal_url), self.url)
        self.client.force_login(self.other_deputy_user)
        self.assertNotContains(self.client.get(proposal_url), self.url)


class ConsultViewTests(ConsultationData):
    """The clerk's "send for comment" action."""

    def setUp(self) -> None:
        super().setUp()
        self.reply = self.key_draft()
        self.url = reverse("responses:reply_consult", args=[self.reply.pk])

    def post_as(self, user: User) -> Any:
        self.client.force_login(user)
        return self.client.post(self.url, {"note": "请审阅", "state": self.reply.status})

    def test_it_sends_the_draft_for_the_clerk(self) -> None:
        self.assertRedirects(self.post_as(self.clerk), self.reply.get_absolute_url())
        self.assertEqual(self.reply.consultations.get().note, "请审阅")

    def test_it_lets_a_unit_member_who_is_also_a_deputy_send(self) -> None:
        self.post_as(self.dual)
        self.assertEqual(self.reply.consultations.count(), 1)

    def test_it_refuses_everyone_outside_the_unit(self) -> None:
        expected = {
            self.staff: 403,
            self.deputy_user: 404,
            self.other_deputy_user: 404,
            self.lone_user: 404,
            self.co_clerk: 404,
            self.outsider: 404,
        }
        for user, status in expected.items():
            with self.subTest(user=user.username):
                self.assertEqual(self.post_as(user).status_code, status)
        self.assertFalse(self.reply.consultations.exists())

    def test_it_refuses_a_get(self) -> None:
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(self.url).status_code, 405)

    def test_it_offers_the_button_on_the_draft_page(self) -> None:
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(self.reply.get_absolute_url()), f'action="{self.url}"')


class TwoPartRatingTests(ConsultationData):
    """The deputy's own rating page: the progress page's link opens it."""

    def setUp(self) -> None:
        super().setUp()
        self.set_congress(two_part_rating=True, consultation=ConsultationRule.OFF)
        reply = self.draft()
        reply.submit(by=self.clerk)
        reply.approve(by=self.leader)
        self.reply = Reply.objects.get(pk=reply.pk)
        self.url = reverse("responses:feedback", args=[self.reply.pk])

    def test_it_opens_the_rating_page_from_the_progress_pages_link(self) -> None:
        self.client.force_login(self.deputy_user)
        progress = self.client.get(reverse("proposals:detail", args=[self.reply.assignment.proposal_id]))
        self.assertContains(progress, f'href="{self.url}"')
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="communication"')

    def test_it_records_both_parts(self) -> None:
        self.client.force_login(self.other_deputy_user)
        self.client.post(self.url, {"communication": "satisfied", "rating": "basically", "comment": ""})
        feedback = Feedback.objects.get()
        self.assertEqual((feedback.communication, feedback.rating), ("satisfied", "basically"))

    def test_it_refuses_a_rating_without_the_communication_part(self) -> None:
        self.client.force_login(self.deputy_user)
        self.client.post(self.url, {"rating": "satisfied"})
        self.assertFalse(Feedback.objects.exists())
        with self.assertRaises(InvalidTransition):
            Feedback.give(self.reply, by=self.deputy_user, rating="satisfied")

    def test_it_asks_one_part_where_the_congress_rates_once(self) -> None:
        self.set_congress(two_part_rating=False)
        self.client.force_login(self.deputy_user)
        self.assertNotContains(self.client.get(self.url), 'name="communication"')
        self.client.post(self.url, {"rating": "satisfied", "communication": "unsatisfied"})
        self.assertEqual(Feedback.objects.get().communication, "")

    def test_it_lets_no_one_else_open_the_rating_page(self) -> None:
        expected = {
            self.staff: 403,
            self.clerk: 403,
            self.leader: 403,
            self.co_clerk: 403,
            self.lone_user: 404,
        }
        for user, status in expected.items():
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.url).status_code, status)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_it_sends_a_deputy_who_already_rated_back_to_the_reply(self) -> None:
        Feedback.give(self.reply, by=self.deputy_user, rating="satisfied", communication="satisfied")
        self.client.force_login(self.deputy_user)
        self.assertRedirects(self.client.get(self.url), self.reply.get_absolute_url())

    def test_it_shows_the_unit_both_parts_once_given(self) -> None:
        self.client.force_login(self.clerk)
        self.assertNotContains(self.client.get(self.reply.get_absolute_url()), "communication:")
        Feedback.give(
            self.reply, by=self.deputy_user, rating="satisfied", communication="basically", comment=""
        )
        response = self.client.get(self.reply.get_absolute_url())
        self.assertContains(response, "communication:")
        self.assertContains(response, "badge-rating-basically")


@unittest.skipUnless(connection.vendor == "postgresql", "concurrent transactions need PostgreSQL")
class ConsultationRaceTests(TrackerTransactionTestCase):
    def test_it_records_one_answer_when_two_are_posted_at_once(self) -> None:
        for _trial in range(TRIALS):
            proposal = self.make_assigned(**KEY)
            consultation = self.make_draft(proposal).consult(by=self.clerk)
            url = reverse("responses:consultation", args=[consultation.pk])
            outcomes = post_at_once(
                [
                    (self.deputy_user, url, {"comment": "同意", "consent": "yes"}),
                    (self.deputy_user, url, {"comment": "不同意公开", "consent": "no"}),
                ]
            )
            self.assertEqual(server_errors(outcomes), [])
            answered = ProposalEvent.objects.filter(
                proposal=proposal, kind=ProposalEvent.Kind.CONSULTATION_ANSWERED
            )
            self.assertEqual(answered.count(), 1)
            consultation.refresh_from_db()
            self.assertEqual(consultation.consent, answered.get().data["consent"])
            self.assertEqual(sum(any("Thank you" in m for m in o.messages) for o in outcomes), 1)
