"""proposals:edit, the page where staff correct a suggestion's title, text or category."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from proposals.models import Proposal, ProposalEvent
from tests.base import TrackerTestCase
from tracker.models import User


def url(proposal: Proposal) -> str:
    return reverse("proposals:edit", args=[proposal.pk])


class EditViewTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_assigned(title="关于推动坪西路改造的建议")

    def post(self, user: User, proposal: Proposal | None = None, **data: object) -> object:
        self.client.force_login(user)
        proposal = proposal or self.proposal
        values = {
            "title": "关于加快坪西路市政改造的建议",
            "body": proposal.body,
            "category": proposal.category_id,
            "reason": "代表来函更正标题",
        }
        values.update(data)
        return self.client.post(url(proposal), values)

    def test_it_shows_the_form_filled_with_the_current_values_to_staff(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(url(self.proposal))
        self.assertEqual(response.context["form"].initial["title"], "关于推动坪西路改造的建议")

    def test_it_saves_the_correction_for_staff(self) -> None:
        response = self.post(self.staff)
        self.assertRedirects(response, self.proposal.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(self.refreshed(self.proposal).title, "关于加快坪西路市政改造的建议")
        self.assertTrue(self.proposal.events.filter(kind=ProposalEvent.Kind.EDITED).exists())

    def test_it_links_the_page_from_the_suggestion_for_staff(self) -> None:
        self.client.force_login(self.staff)
        self.assertContains(self.client.get(self.proposal.get_absolute_url()), url(self.proposal))

    def test_it_does_not_link_the_page_for_a_clerk(self) -> None:
        self.client.force_login(self.clerk)
        self.assertNotContains(self.client.get(self.proposal.get_absolute_url()), url(self.proposal))

    def test_it_refuses_the_lead_unit_clerk(self) -> None:
        self.assertEqual(self.post(self.clerk).status_code, 403)

    def test_it_refuses_the_lead_unit_leader(self) -> None:
        self.assertEqual(self.post(self.leader).status_code, 403)

    def test_it_refuses_the_deputy_of_the_suggestion(self) -> None:
        self.assertEqual(self.post(self.deputy_user).status_code, 403)
        self.assertEqual(self.refreshed(self.proposal).title, "关于推动坪西路改造的建议")

    def test_it_hides_the_suggestion_from_the_outsider(self) -> None:
        self.assertEqual(self.post(self.outsider).status_code, 404)

    def test_it_refuses_a_replied_suggestion_with_a_message(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal)
        response = self.post(self.staff, proposal)
        self.assertRedirects(response, proposal.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(
            [str(m) for m in get_messages(response.wsgi_request)],
            ["A suggestion can be corrected only before it is replied to."],
        )
        self.assertFalse(proposal.events.filter(kind=ProposalEvent.Kind.EDITED).exists())

    def test_it_asks_for_a_reason(self) -> None:
        response = self.post(self.staff, reason="")
        self.assertEqual(response.status_code, 200)
        self.assertIn("reason", response.context["form"].errors)

    def test_it_says_when_nothing_changed(self) -> None:
        response = self.post(self.staff, title=self.proposal.title)
        self.assertContains(response, "Nothing to correct")
