from __future__ import annotations

from datetime import date
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import Proposal
from responses.models import CoOpinion, Reply
from tests.base import TrackerTestCase, make_user
from tracker.models import Role, User


def url(proposal: Proposal) -> str:
    return reverse("proposals:detail", args=[proposal.pk])


class DetailTestCase(TrackerTestCase):
    proposal: Proposal

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_assigned(assigned_on=date(2024, 7, 15), co_signers=[cls.other_deputy])

    def get(self, user: User, proposal: Proposal | None = None) -> Any:
        self.client.force_login(user)
        return self.client.get(url(proposal or self.proposal))


class DetailPermissionTests(DetailTestCase):
    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.get(url(self.proposal))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_it_shows_the_working_page_to_staff(self) -> None:
        self.assertTemplateUsed(self.get(self.staff), "proposals/proposal_detail.html")

    def test_it_shows_the_working_page_to_the_lead_clerk(self) -> None:
        self.assertTemplateUsed(self.get(self.clerk), "proposals/proposal_detail.html")

    def test_it_shows_the_working_page_to_the_co_handling_clerk(self) -> None:
        self.assertEqual(self.get(self.co_clerk).status_code, 200)

    def test_it_hides_the_suggestion_from_a_clerk_of_another_department(self) -> None:
        self.assertEqual(self.get(self.outsider).status_code, 404)

    def test_it_hides_the_suggestion_from_a_user_without_role(self) -> None:
        self.assertEqual(self.get(self.nobody).status_code, 404)

    def test_it_shows_the_progress_page_to_the_lead_deputy(self) -> None:
        self.assertTemplateUsed(self.get(self.deputy_user), "proposals/proposal_progress.html")

    def test_it_shows_the_progress_page_to_a_co_signer(self) -> None:
        self.assertTemplateUsed(self.get(self.other_deputy_user), "proposals/proposal_progress.html")

    def test_it_hides_another_deputys_suggestion(self) -> None:
        theirs = self.make_proposal(lead_deputy=self.other_deputy)
        self.assertEqual(self.get(self.deputy_user, theirs).status_code, 404)


class DetailContentTests(DetailTestCase):
    def test_it_shows_the_deputies_with_co_signer_names(self) -> None:
        response = self.get(self.staff)
        self.assertContains(response, "陈寿 and others")
        self.assertContains(response, "王芳")

    def test_it_shows_how_a_deadline_was_computed(self) -> None:
        self.assertContains(self.get(self.clerk), "3 months from 2024-07-15 → 2024-10-15")

    def test_it_offers_the_clerk_the_sign_for_button_on_its_own_assignment(self) -> None:
        lead = self.lead_assignment(self.proposal)
        response = self.get(self.clerk)
        self.assertContains(response, reverse("proposals:accept", args=[lead.pk]))
        self.assertNotContains(response, reverse("proposals:extend", args=[lead.pk]))

    def test_it_does_not_offer_the_co_handler_actions_on_the_lead_assignment(self) -> None:
        lead = self.lead_assignment(self.proposal)
        self.assertNotContains(self.get(self.co_clerk), reverse("proposals:accept", args=[lead.pk]))

    def test_it_offers_staff_the_extension_but_not_the_sign_for(self) -> None:
        lead = self.lead_assignment(self.proposal)
        response = self.get(self.staff)
        self.assertContains(response, reverse("proposals:extend", args=[lead.pk]))
        self.assertNotContains(response, reverse("proposals:accept", args=[lead.pk]))

    def test_it_offers_the_change_request_only_inside_the_window(self) -> None:
        lead = self.lead_assignment(self.proposal)
        action = reverse("proposals:request_change", args=[lead.pk])
        with time_machine.travel(date(2024, 7, 24), tick=False):
            self.assertContains(self.get(self.clerk), action)
        with time_machine.travel(date(2024, 7, 25), tick=False):
            self.assertNotContains(self.get(self.clerk), action)

    def test_it_offers_staff_the_decision_on_a_change_request(self) -> None:
        lead = self.lead_assignment(self.proposal)
        with time_machine.travel(date(2024, 7, 20), tick=False):
            lead.request_change(by=self.clerk, reason="不属于本局职责")
        response = self.get(self.staff)
        self.assertContains(response, reverse("proposals:decide_change", args=[lead.pk]))
        self.assertContains(response, "不属于本局职责")

    def test_it_links_the_accepted_lead_clerk_to_the_reply_draft(self) -> None:
        lead = self.lead_assignment(self.proposal)
        lead.accept(by=self.clerk)
        self.assertContains(self.get(self.clerk), reverse("responses:reply_edit", args=[lead.pk]))

    def test_it_links_the_co_handler_to_its_opinion_form(self) -> None:
        co = self.proposal.assignments.get(role="co")
        self.assertContains(self.get(self.co_clerk), reverse("responses:opinion", args=[co.pk]))

    def test_it_shows_the_timeline_to_staff(self) -> None:
        response = self.get(self.staff)
        self.assertContains(response, 'id="timeline"')
        self.assertEqual(len(response.context["events"]), self.proposal.events.count())

    def test_it_shows_the_co_handling_opinion_to_the_lead_department(self) -> None:
        co = self.proposal.assignments.get(role="co")
        CoOpinion.submit(co, by=self.co_clerk, body="建议同步改造排水管网")
        self.assertContains(self.get(self.clerk), "建议同步改造排水管网")

    def test_it_hides_a_co_handling_opinion_from_another_co_handler(self) -> None:
        co = self.proposal.assignments.get(role="co")
        CoOpinion.submit(co, by=self.co_clerk, body="建议同步改造排水管网")
        self.proposal.assign(by=self.staff, separate=[self.other_dept], assigned_on=date(2024, 7, 15))
        self.assertNotContains(self.get(self.outsider), "建议同步改造排水管网")

    def test_it_lists_the_replies_the_user_may_see(self) -> None:
        reply = self.make_draft(self.proposal)
        self.assertContains(self.get(self.clerk), reverse("responses:reply_detail", args=[reply.pk]))
        self.assertNotContains(self.get(self.co_clerk), reverse("responses:reply_detail", args=[reply.pk]))

    def test_it_offers_staff_to_close_a_replied_suggestion(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal)
        self.assertContains(self.get(self.staff, proposal), reverse("proposals:close", args=[proposal.pk]))

    def test_it_runs_the_same_number_of_queries_however_much_happened(self) -> None:
        quiet = self.make_assigned(with_co=False)
        self.client.force_login(self.staff)
        with CaptureQueriesContext(connection) as baseline:
            self.client.get(url(quiet))
        busy = self.make_assigned(co_signers=[self.deputy, self.other_deputy])
        busy.assign(by=self.staff, separate=[self.other_dept], assigned_on=date(2024, 7, 15))
        for assignment in busy.assignments.all():
            if assignment.role == "co":
                CoOpinion.submit(assignment, by=self.co_clerk, body="会办意见")
        lead = self.lead_assignment(busy)
        with time_machine.travel(date(2024, 7, 20), tick=False):
            lead.record_contact(
                by=self.clerk,
                contacted_on=date(2024, 7, 19),
                method="phone",
                stage="before",
                summary="电话沟通",
            )
            lead.record_contact(
                by=self.clerk, contacted_on=date(2024, 7, 20), method="face", stage="before", summary="座谈"
            )
        self.make_sent(busy, grade="B")
        with self.assertNumQueries(len(baseline.captured_queries)):
            self.client.get(url(busy))


class ProgressPageTests(DetailTestCase):
    def test_it_shows_the_departments_and_the_reply_deadline(self) -> None:
        response = self.get(self.deputy_user)
        self.assertContains(response, self.lead_dept.name)
        self.assertContains(response, "2024-10-15")

    def test_it_does_not_show_the_co_handlers_internal_deadline(self) -> None:
        self.assertNotContains(self.get(self.deputy_user), "2024-08-15")

    def test_it_links_the_sent_reply_with_its_grade_and_commitments(self) -> None:
        reply = self.make_sent(self.proposal, grade="B")
        response = self.get(self.deputy_user)
        self.assertContains(response, reverse("responses:reply_detail", args=[reply.pk]))
        self.assertContains(response, "完成坪西路改造可研报告审批")

    def test_it_does_not_show_internal_events(self) -> None:
        lead = self.lead_assignment(self.proposal)
        with time_machine.travel(date(2024, 7, 20), tick=False):
            lead.request_change(by=self.clerk, reason="不属于本局职责范围")
            lead.decide_change(by=self.staff, approve=False, reason="仍由本局主办")
        reply = self.make_draft(self.proposal)
        reply.submit(by=self.clerk)
        reply.return_to_clerk(by=self.leader, comment="请补充资金安排")
        response = self.get(self.deputy_user)
        for internal in ("不属于本局职责范围", "仍由本局主办", "请补充资金安排", 'id="timeline"'):
            self.assertNotContains(response, internal)

    def test_it_does_not_link_a_draft_reply(self) -> None:
        reply = self.make_draft(self.proposal)
        self.assertNotContains(self.get(self.deputy_user), reverse("responses:reply_detail", args=[reply.pk]))

    def test_it_does_not_show_a_withdrawn_department(self) -> None:
        lead = self.lead_assignment(self.proposal)
        with time_machine.travel(date(2024, 7, 20), tick=False):
            lead.request_change(by=self.clerk, reason="不属于本局职责范围")
            lead.decide_change(by=self.staff, approve=True, reason="调整", new_department=self.other_dept)
        response = self.get(self.deputy_user)
        self.assertNotContains(response, self.lead_dept.name)
        self.assertContains(response, self.other_dept.name)

    def test_it_runs_the_same_number_of_queries_with_more_replies_and_promises(self) -> None:
        self.proposal.assign(by=self.staff, separate=[self.other_dept], assigned_on=date(2024, 7, 15))
        reply = self.make_sent(self.proposal, grade="B")
        self.client.force_login(self.deputy_user)
        with CaptureQueriesContext(connection) as baseline:
            self.client.get(url(self.proposal))
        for month in (3, 6, 9):
            reply.commitments.create(
                description="分期推进", due_on=date(2025, month, 30), department=self.lead_dept
            )
        separate = self.proposal.assignments.get(department=self.other_dept)
        separate.accept(by=self.outsider)
        other = Reply.start_draft(
            separate,
            by=self.outsider,
            body="答复",
            grade="A",
            publicity="public",
            contact_name="李",
            contact_phone="1",
        )
        other.submit(by=self.outsider)
        other.approve(by=make_user("other_leader", Role.DEPT_LEADER, department=self.other_dept))
        with self.assertNumQueries(len(baseline.captured_queries)):
            self.client.get(url(self.proposal))
