from __future__ import annotations

from datetime import date

import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from proposals.models import Assignment, Proposal, ProposalEvent
from tests.base import TrackerTestCase


def url(proposal: Proposal) -> str:
    return reverse("proposals:assign", args=[proposal.pk])


class AssignPermissionTests(TrackerTestCase):
    def test_it_redirects_anonymous_users_to_login(self) -> None:
        proposal = self.make_proposal()
        response = self.client.get(url(proposal))
        self.assertRedirects(
            response, f"{reverse('login')}?next={url(proposal)}", fetch_redirect_response=False
        )

    def test_it_shows_the_form_to_staff_with_today_as_assignment_date(self) -> None:
        proposal = self.make_proposal()
        self.client.force_login(self.staff)
        with time_machine.travel(date(2024, 7, 15), tick=False):
            response = self.client.get(url(proposal))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].initial["assigned_on"], date(2024, 7, 15))

    def test_it_refuses_a_clerk_who_sees_the_suggestion(self) -> None:
        proposal = self.make_assigned()
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.post(url(proposal), {"lead": self.other_dept.pk}).status_code, 403)

    def test_it_refuses_the_deputy_of_the_suggestion(self) -> None:
        proposal = self.make_proposal()
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.get(url(proposal)).status_code, 403)

    def test_it_hides_the_suggestion_from_the_outsider(self) -> None:
        proposal = self.make_assigned()
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(url(proposal)).status_code, 404)


@time_machine.travel(date(2024, 7, 20), tick=False)
class AssignViewTests(TrackerTestCase):
    def post(self, proposal: Proposal, **data: object) -> object:
        self.client.force_login(self.staff)
        return self.client.post(url(proposal), {"assigned_on": "2024-07-15", **data})

    def test_it_assigns_a_lead_and_a_co_handling_department(self) -> None:
        proposal = self.make_proposal()
        response = self.post(proposal, lead=self.lead_dept.pk, co=[self.co_dept.pk])
        self.assertRedirects(response, proposal.get_absolute_url(), fetch_redirect_response=False)
        roles = dict(proposal.assignments.values_list("department", "role"))
        self.assertEqual(roles, {self.lead_dept.pk: "lead", self.co_dept.pk: "co"})
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.ASSIGNED)

    def test_it_computes_the_deadlines(self) -> None:
        proposal = self.make_proposal()
        self.post(proposal, lead=self.lead_dept.pk, co=[self.co_dept.pk])
        lead = proposal.assignments.get(role="lead")
        co = proposal.assignments.get(role="co")
        self.assertEqual((lead.due_on, co.due_on), (date(2024, 10, 15), date(2024, 8, 15)))
        self.assertEqual(lead.respond_by, date(2024, 7, 24))

    def test_it_shows_the_computed_deadline_with_its_explanation(self) -> None:
        proposal = self.make_proposal()
        response = self.post(proposal, lead=self.lead_dept.pk)
        texts = [str(m) for m in get_messages(response.wsgi_request)]
        self.assertTrue(any("2024-10-15" in t and "2024-07-15" in t for t in texts), texts)

    def test_it_assigns_several_separate_departments(self) -> None:
        proposal = self.make_proposal()
        self.post(proposal, separate=[self.lead_dept.pk, self.other_dept.pk])
        self.assertEqual(
            sorted(proposal.assignments.values_list("role", flat=True)), ["separate", "separate"]
        )

    def test_it_refuses_a_lead_together_with_separate_departments(self) -> None:
        proposal = self.make_proposal()
        response = self.post(proposal, lead=self.lead_dept.pk, separate=[self.other_dept.pk])
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertFalse(proposal.assignments.exists())

    def test_it_refuses_a_second_lead_and_leaves_the_state_unchanged(self) -> None:
        proposal = self.make_assigned(with_co=False)
        events = proposal.events.count()
        response = self.post(proposal, lead=self.other_dept.pk)
        self.assertIn("already has a lead", " ".join(response.context["form"].non_field_errors()))
        self.assertEqual(proposal.assignments.count(), 1)
        self.assertEqual(proposal.events.count(), events)

    def test_it_adds_a_department_to_an_assigned_suggestion(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.post(proposal, separate=[self.other_dept.pk])
        self.assertTrue(proposal.assignments.filter(department=self.other_dept).exists())

    def test_it_refuses_nothing_chosen(self) -> None:
        proposal = self.make_proposal()
        response = self.post(proposal)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.REGISTERED)

    def test_it_records_the_assignment_events(self) -> None:
        proposal = self.make_proposal()
        self.post(proposal, lead=self.lead_dept.pk, reason="按职能交办")
        event = proposal.events.get(kind=ProposalEvent.Kind.ASSIGNED)
        self.assertEqual(
            (event.actor, event.department, event.reason), (self.staff, self.lead_dept, "按职能交办")
        )

    def test_it_refuses_an_assignment_date_in_the_future(self) -> None:
        proposal = self.make_proposal()
        response = self.post(proposal, lead=self.lead_dept.pk, assigned_on="2024-08-01")
        self.assertIn("assigned_on", response.context["form"].errors)
        self.assertFalse(Assignment.objects.exists())


class AssignMultiSelectTests(TrackerTestCase):
    """The co-handling and separate units are plain multiple selects that
    static/js/searchable-select.js turns into a search box with chips."""

    def test_it_renders_plain_multiple_selects_marked_for_search_with_every_unit(self) -> None:
        proposal = self.make_proposal()
        self.client.force_login(self.staff)
        page = self.client.get(url(proposal)).content.decode()
        self.assertIn("js/searchable-select.js", page)
        for name in ["co", "separate"]:
            start = page.index(f'<select name="{name}"')
            select = page[start : page.index("</select>", start)]
            self.assertIn("multiple", select[: select.index(">")])
            self.assertIn("data-multi-search", select[: select.index(">")])
            for department in [self.lead_dept, self.co_dept, self.other_dept]:
                self.assertIn(f'<option value="{department.pk}">{department.name}</option>', select)

    @time_machine.travel(date(2024, 7, 20), tick=False)
    def test_two_co_handlers_chosen_in_the_plain_select_are_assigned(self) -> None:
        proposal = self.make_proposal()
        self.client.force_login(self.staff)
        self.client.post(
            url(proposal),
            {
                "assigned_on": "2024-07-15",
                "lead": self.lead_dept.pk,
                "co": [self.co_dept.pk, self.other_dept.pk],
            },
        )
        self.assertEqual(
            set(proposal.assignments.filter(role="co").values_list("department", flat=True)),
            {self.co_dept.pk, self.other_dept.pk},
        )
