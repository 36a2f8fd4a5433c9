"""responses:reply_edit — the department drafts or revises the reply for the current round."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from proposals.models import Assignment, Contact, Proposal
from responses.models import Commitment, CoOpinion, Feedback, Reply
from tests.base import TrackerTestCase

COMMITMENT = {"description": "完成坪西路改造可研报告审批", "due_on": "2025-06-30"}


class ReplyEditTestCase(TrackerTestCase):
    proposal: Proposal
    assignment: Assignment

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_assigned()
        cls.assignment = cls.lead_assignment(cls.proposal)
        cls.assignment.accept(by=cls.clerk)

    def url(self) -> str:
        return reverse("responses:reply_edit", args=[self.assignment.pk])


class DraftingTests(ReplyEditTestCase):
    def test_it_shows_the_form_to_the_clerk(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(self.url())
        self.assertContains(response, 'name="body"')
        self.assertContains(response, "Save and submit for approval")

    def test_it_offers_only_the_congress_grades(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(self.url())
        self.assertEqual(
            [value for value, _ in response.context["form"].fields["grade"].choices], ["A", "B", "C"]
        )

    def test_it_saves_a_draft(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.post(self.url(), self.reply_form_data(save="1"))
        reply = Reply.objects.get()
        self.assertRedirects(response, reply.get_absolute_url())
        self.assertEqual((reply.status, reply.round, reply.created_by), (Reply.Status.DRAFT, 1, self.clerk))

    def test_it_moves_the_assignment_to_drafting(self) -> None:
        self.client.force_login(self.clerk)
        self.client.post(self.url(), self.reply_form_data())
        self.assertEqual(self.refreshed(self.assignment).status, Assignment.Status.DRAFTING)

    def test_it_saves_commitments_with_the_department_by_default(self) -> None:
        self.client.force_login(self.clerk)
        self.client.post(
            self.url(), self.reply_form_data(grade="B", commitments=[COMMITMENT, {"description": ""}])
        )
        commitment = Commitment.objects.get()
        self.assertEqual((commitment.due_on, commitment.department), (date(2025, 6, 30), self.lead_dept))

    def test_it_submits_when_asked(self) -> None:
        self.client.force_login(self.clerk)
        self.client.post(self.url(), self.reply_form_data(submit="1"))
        self.assertEqual(Reply.objects.get().status, Reply.Status.SUBMITTED)
        self.assertEqual(self.refreshed(self.assignment).status, Assignment.Status.AWAITING_APPROVAL)

    def test_it_lets_the_leader_draft_too(self) -> None:
        self.client.force_login(self.leader)
        self.client.post(self.url(), self.reply_form_data())
        self.assertEqual(Reply.objects.get().created_by, self.leader)


class ValidationTests(ReplyEditTestCase):
    def test_it_refuses_b_without_a_dated_commitment(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.post(self.url(), self.reply_form_data(grade="B", submit="1"))
        self.assertIn("grade", response.context["form"].errors)
        self.assertFalse(Reply.objects.exists())

    def test_it_refuses_b_whose_only_commitment_is_removed(self) -> None:
        self.client.force_login(self.clerk)
        data = self.reply_form_data(grade="B", commitments=[{**COMMITMENT, "DELETE": "on"}])
        response = self.client.post(self.url(), data)
        self.assertIn("grade", response.context["form"].errors)
        self.assertFalse(Reply.objects.exists())

    def test_it_refuses_c_without_reason(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.post(self.url(), self.reply_form_data(grade="C", submit="1"))
        self.assertIn("grade_reason", response.context["form"].errors)
        self.assertFalse(Reply.objects.exists())

    def test_it_accepts_c_with_reason(self) -> None:
        self.client.force_login(self.clerk)
        self.client.post(self.url(), self.reply_form_data(grade="C", grade_reason="需待土地征转完成后解决"))
        self.assertEqual(Reply.objects.get().grade, "C")

    def test_it_refuses_not_published_without_reason(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.post(self.url(), self.reply_form_data(publicity="not_public", submit="1"))
        self.assertIn("publicity_reason", response.context["form"].errors)
        self.assertFalse(Reply.objects.exists())

    def test_it_refuses_a_grade_the_congress_does_not_use(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.post(self.url(), self.reply_form_data(grade="D"))
        self.assertIn("grade", response.context["form"].errors)
        self.assertFalse(Reply.objects.exists())

    def test_it_refuses_a_commitment_without_due_date(self) -> None:
        self.client.force_login(self.clerk)
        data = self.reply_form_data(grade="B", commitments=[{"description": "推进改造", "due_on": ""}])
        response = self.client.post(self.url(), data)
        self.assertIn("due_on", response.context["commitments"].forms[0].errors)
        self.assertFalse(Reply.objects.exists())


class EditingTests(ReplyEditTestCase):
    def test_it_edits_the_existing_draft(self) -> None:
        reply = self.make_draft(self.proposal)
        self.client.force_login(self.clerk)
        self.client.post(self.url(), self.reply_form_data(body="二、修改后的答复"))
        self.assertEqual(self.refreshed(reply).body, "二、修改后的答复")
        self.assertEqual(Reply.objects.count(), 1)

    def test_it_removes_a_commitment_of_the_draft(self) -> None:
        reply = self.make_draft(self.proposal, grade="B")
        kept = Commitment.objects.create(
            reply=reply, description="建设龙筋顶公园", due_on=date(2026, 6, 30), department=self.lead_dept
        )
        gone = reply.commitments.exclude(pk=kept.pk).get()
        rows = [
            {"id": gone.pk, "description": gone.description, "due_on": "2025-06-30", "DELETE": "on"},
            {"id": kept.pk, "description": kept.description, "due_on": "2026-06-30"},
        ]
        self.client.force_login(self.clerk)
        self.client.post(self.url(), self.reply_form_data(grade="B", commitments=rows, initial_commitments=2))
        self.assertEqual(list(reply.commitments.all()), [kept])

    def test_it_keeps_a_removed_commitment_on_record(self) -> None:
        reply = self.make_draft(self.proposal, grade="B")
        gone = reply.commitments.get()
        kept = {"description": "建设龙筋顶公园", "due_on": "2026-06-30"}
        rows = [
            {"id": gone.pk, "description": gone.description, "due_on": "2025-06-30", "DELETE": "on"},
            kept,
        ]
        self.client.force_login(self.clerk)
        self.client.post(self.url(), self.reply_form_data(grade="B", commitments=rows, initial_commitments=1))
        self.assertEqual(Commitment.all_objects.get(pk=gone.pk).status, Commitment.Status.REMOVED)

    def test_it_shows_the_leaders_comment_on_a_returned_draft(self) -> None:
        reply = self.make_draft(self.proposal)
        reply.submit(by=self.clerk)
        reply.return_to_clerk(by=self.leader, comment="请补充坪西路动工时间")
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(self.url()), "请补充坪西路动工时间")

    def test_it_sends_a_submitted_reply_to_its_page(self) -> None:
        reply = self.make_draft(self.proposal)
        reply.submit(by=self.clerk)
        self.client.force_login(self.clerk)
        response = self.client.post(self.url(), self.reply_form_data(body="改"))
        self.assertRedirects(response, reply.get_absolute_url())
        self.assertNotEqual(self.refreshed(reply).body, "改")


class DraftingContextTests(ReplyEditTestCase):
    def test_it_shows_the_co_handlers_opinion(self) -> None:
        co = self.proposal.assignments.get(role=Assignment.Role.CO)
        CoOpinion.submit(co, by=self.co_clerk, body="住建局将配合推进坪西路综合管廊建设。")
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(self.url()), "住建局将配合推进坪西路综合管廊建设。")

    def test_it_shows_the_suggestion_text(self) -> None:
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(self.url()), self.proposal.body)

    def test_it_shows_the_contacts_with_deputies(self) -> None:
        self.assignment.record_contact(
            by=self.clerk,
            contacted_on=date(2024, 8, 1),
            method=Contact.Method.FACE_TO_FACE,
            stage=Contact.Stage.BEFORE,
            summary="与陈寿代表座谈坪西路改造",
        )
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(self.url()), "与陈寿代表座谈坪西路改造")

    def test_it_starts_a_new_round_from_the_previous_letter(self) -> None:
        reply = self.make_sent(self.proposal)
        feedback = Feedback.give(
            reply, by=self.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="仍未动工"
        )
        feedback.accept_rehandling(by=self.staff, reason="同意重新办理")
        self.client.force_login(self.clerk)
        response = self.client.get(self.url())
        self.assertEqual(response.context["form"].initial["contact_name"], "杨郁波")
        self.assertContains(response, "仍未动工")

    def test_it_fills_a_first_letter_with_the_contact_of_the_units_latest_letter(self) -> None:
        self.make_sent(self.make_assigned(), contact_name="王小明", contact_phone="0755-28940001")
        self.client.force_login(self.clerk)
        initial = self.client.get(self.url()).context["form"].initial
        self.assertEqual((initial["contact_name"], initial["contact_phone"]), ("王小明", "0755-28940001"))

    def test_it_does_not_take_another_units_contact(self) -> None:
        other = self.make_proposal(number="20240777")
        other.assign(by=self.staff, lead=self.co_dept, co=[], assigned_on=date(2024, 7, 15))
        theirs = self.lead_assignment(other)
        theirs.accept(by=self.co_clerk)
        Reply.start_draft(
            theirs,
            by=self.co_clerk,
            body="答复",
            grade="A",
            publicity=Reply.Publicity.PUBLIC,
            contact_name="别的单位联系人",
            contact_phone="1",
        )
        self.client.force_login(self.clerk)
        self.assertNotIn("contact_name", self.client.get(self.url()).context["form"].initial)


class PermissionTests(ReplyEditTestCase):
    def test_it_hides_the_lead_assignment_from_the_co_handling_clerk(self) -> None:
        self.client.force_login(self.co_clerk)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_hides_the_assignment_from_an_outsider(self) -> None:
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.url(), self.reply_form_data()).status_code, 404)
        self.assertFalse(Reply.objects.exists())

    def test_it_forbids_staff(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.url(), self.reply_form_data()).status_code, 403)
        self.assertFalse(Reply.objects.exists())

    def test_it_forbids_the_deputy(self) -> None:
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.get(self.url()).status_code, 403)

    def test_it_sends_anonymous_users_to_the_login_page(self) -> None:
        response = self.client.get(self.url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.url()}", fetch_redirect_response=False)

    def test_it_turns_the_co_handling_unit_to_its_opinion(self) -> None:
        co = self.proposal.assignments.get(role=Assignment.Role.CO)
        self.client.force_login(self.co_clerk)
        response = self.client.get(reverse("responses:reply_edit", args=[co.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Reply.objects.exists())

    def test_it_waits_until_the_assignment_is_signed_for(self) -> None:
        pending = self.lead_assignment(self.make_assigned())
        self.client.force_login(self.clerk)
        response = self.client.post(
            reverse("responses:reply_edit", args=[pending.pk]), self.reply_form_data()
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Reply.objects.exists())
