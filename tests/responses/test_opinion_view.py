"""responses:opinion — a co-handling unit sends its opinion to the lead unit."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from proposals.models import Assignment, Proposal
from responses.models import CoOpinion
from tests.base import TrackerTestCase


class OpinionViewTests(TrackerTestCase):
    proposal: Proposal
    co: Assignment

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_assigned()
        cls.co = cls.proposal.assignments.get(role=Assignment.Role.CO)

    def url(self, assignment: Assignment | None = None) -> str:
        return reverse("responses:opinion", args=[(assignment or self.co).pk])

    def test_it_shows_the_lead_unit_and_the_due_date(self) -> None:
        self.client.force_login(self.co_clerk)
        response = self.client.get(self.url())
        self.assertContains(response, self.lead_dept.name)
        self.assertContains(response, self.co.due_on.isoformat())

    def test_it_sends_the_opinion_and_returns_to_the_suggestion(self) -> None:
        self.client.force_login(self.co_clerk)
        response = self.client.post(self.url(), {"body": "住建局将配合推进坪西路改造。"})
        self.assertRedirects(
            response, reverse("proposals:detail", args=[self.proposal.pk]), fetch_redirect_response=False
        )
        self.assertEqual(self.refreshed(self.co).status, Assignment.Status.OPINION_SENT)

    def test_it_works_for_the_co_handling_leader(self) -> None:
        self.client.force_login(self.co_leader)
        self.client.post(self.url(), {"body": "同意会办。"})
        self.assertEqual(CoOpinion.objects.get().submitted_by, self.co_leader)

    def test_it_refuses_an_empty_opinion(self) -> None:
        self.client.force_login(self.co_clerk)
        response = self.client.post(self.url(), {"body": "  "})
        self.assertIn("body", response.context["form"].errors)
        self.assertFalse(CoOpinion.objects.exists())

    def test_it_does_not_send_twice(self) -> None:
        CoOpinion.submit(self.co, by=self.co_clerk, body="第一次意见")
        self.client.force_login(self.co_clerk)
        response = self.client.post(self.url(), {"body": "第二次意见"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(CoOpinion.objects.get().body, "第一次意见")

    def test_it_sends_the_lead_unit_to_its_reply(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(self.url(self.lead_assignment(self.proposal)))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(list(get_messages(response.wsgi_request)))

    def test_it_hides_the_assignment_from_the_lead_clerk(self) -> None:
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_hides_the_assignment_from_an_outsider(self) -> None:
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_forbids_staff(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.url(), {"body": "意见"}).status_code, 403)
        self.assertFalse(CoOpinion.objects.exists())

    def test_it_forbids_the_deputy(self) -> None:
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.get(self.url()).status_code, 403)

    def test_it_sends_anonymous_users_to_the_login_page(self) -> None:
        response = self.client.get(self.url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.url()}", fetch_redirect_response=False)
