from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.base import TrackerTestCase
from tracker.models import User

URL = reverse("proposals:mine")


class MyProposalsViewTests(TrackerTestCase):
    def get(self, user: User) -> Any:
        self.client.force_login(user)
        return self.client.get(URL)

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.get(URL)
        self.assertRedirects(response, f"{reverse('login')}?next={URL}", fetch_redirect_response=False)

    def test_it_refuses_a_clerk(self) -> None:
        self.assertEqual(self.get(self.clerk).status_code, 403)

    def test_it_refuses_staff(self) -> None:
        self.assertEqual(self.get(self.staff).status_code, 403)

    def test_it_lists_suggestions_the_deputy_led_or_co_signed(self) -> None:
        led = self.make_proposal()
        cosigned = self.make_proposal(lead_deputy=self.other_deputy, co_signers=[self.deputy])
        self.make_proposal(lead_deputy=self.other_deputy)
        listed = list(self.get(self.deputy_user).context["page_obj"])
        self.assertCountEqual(listed, [led, cosigned])

    def test_it_links_each_suggestion_to_its_progress_page(self) -> None:
        proposal = self.make_proposal()
        self.assertContains(self.get(self.deputy_user), proposal.get_absolute_url())

    def test_it_shows_the_departments_reply_date_and_grade(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal, grade="B")
        response = self.get(self.deputy_user)
        self.assertContains(response, self.lead_dept.name)
        self.assertContains(response, '<span class="grade-B">B</span>')

    def test_it_shows_the_reply_deadline_not_the_co_handlers_deadline(self) -> None:
        self.make_assigned(assigned_on=date(2024, 7, 15))
        response = self.get(self.deputy_user)
        self.assertContains(response, "2024-10-15")
        self.assertNotContains(response, "2024-08-15")

    def test_it_renders_cards_rather_than_a_table(self) -> None:
        self.make_proposal()
        response = self.get(self.deputy_user)
        self.assertContains(response, 'class="card proposal-card"')
        self.assertNotContains(response, "<table")

    def test_it_runs_the_same_number_of_queries_for_few_and_many_suggestions(self) -> None:
        self.make_sent(self.make_assigned(with_co=False), grade="A")
        self.client.force_login(self.deputy_user)
        with CaptureQueriesContext(connection) as few:
            self.client.get(URL)
        for _ in range(5):
            self.make_sent(self.make_assigned(assigned_on=date(2024, 7, 1)), grade="A")
            self.make_proposal(lead_deputy=self.other_deputy, co_signers=[self.deputy])
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(URL)
