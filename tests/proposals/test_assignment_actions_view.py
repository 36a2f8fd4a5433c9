"""The POST-only actions on one assignment, and closing a suggestion."""

from __future__ import annotations

from datetime import date
from typing import Any

import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from proposals.models import Assignment, Contact, Proposal, ProposalEvent
from tests.base import TrackerTestCase
from tracker.models import User


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class ActionTestCase(TrackerTestCase):
    """A suggestion assigned on 2024-07-15: the lead reply is due 2024-10-15, the
    window to dispute closes 2024-07-24, the 6-month maximum is 2025-01-15."""

    proposal: Proposal
    lead: Assignment

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_assigned(assigned_on=date(2024, 7, 15))
        cls.lead = cls.lead_assignment(cls.proposal)

    def post(self, name: str, user: User, data: dict[str, Any] | None = None, pk: int | None = None) -> Any:
        self.client.force_login(user)
        return self.client.post(reverse(f"proposals:{name}", args=[pk or self.lead.pk]), data or {})

    def assertRedirectsToDetail(self, response: Any) -> None:
        self.assertRedirects(response, self.lead.get_absolute_url(), fetch_redirect_response=False)


class AcceptTests(ActionTestCase):
    def test_it_lets_the_clerk_sign_for_the_assignment(self) -> None:
        response = self.post("accept", self.clerk)
        self.assertRedirectsToDetail(response)
        self.assertEqual(self.refreshed(self.lead).status, Assignment.Status.ACCEPTED)

    def test_it_records_the_event(self) -> None:
        self.post("accept", self.clerk)
        event = self.lead.events.get(kind=ProposalEvent.Kind.ACCEPTED)
        self.assertEqual(
            (event.actor, event.from_status, event.to_status), (self.clerk, "pending", "accepted")
        )

    def test_it_refuses_a_second_accept_with_a_message_and_no_change(self) -> None:
        self.lead.accept(by=self.clerk)
        events = self.lead.events.count()
        response = self.post("accept", self.leader)
        self.assertRedirectsToDetail(response)
        self.assertTrue(any("not possible" in t for t in texts(response)))
        self.assertEqual(self.lead.events.count(), events)

    def test_it_refuses_staff_who_see_but_may_not_act(self) -> None:
        self.assertEqual(self.post("accept", self.staff).status_code, 403)

    def test_it_refuses_the_deputy_of_the_suggestion(self) -> None:
        self.assertEqual(self.post("accept", self.deputy_user).status_code, 403)

    def test_it_hides_the_assignment_from_the_outsider(self) -> None:
        self.assertEqual(self.post("accept", self.outsider).status_code, 404)

    def test_it_hides_another_departments_assignment_from_the_co_handler(self) -> None:
        self.assertEqual(self.post("accept", self.co_clerk).status_code, 404)

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.post(reverse("proposals:accept", args=[self.lead.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_it_accepts_only_post(self) -> None:
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(reverse("proposals:accept", args=[self.lead.pk])).status_code, 405)


class RequestChangeTests(ActionTestCase):
    def test_it_records_a_change_request_inside_the_window(self) -> None:
        with time_machine.travel(date(2024, 7, 24), tick=False):
            response = self.post("request_change", self.clerk, {"reason": "不属于本局职责"})
        self.assertRedirectsToDetail(response)
        self.lead.refresh_from_db()
        self.assertEqual((self.lead.status, self.lead.change_reason), ("change_requested", "不属于本局职责"))

    def test_it_refuses_a_change_request_after_the_window(self) -> None:
        with time_machine.travel(date(2024, 7, 25), tick=False):
            response = self.post("request_change", self.clerk, {"reason": "不属于本局职责"})
        self.assertTrue(any("2024-07-24" in t for t in texts(response)))
        self.assertEqual(self.refreshed(self.lead).status, Assignment.Status.PENDING)

    def test_it_requires_a_reason(self) -> None:
        with time_machine.travel(date(2024, 7, 20), tick=False):
            response = self.post("request_change", self.clerk, {"reason": ""})
        self.assertRedirectsToDetail(response)
        self.assertEqual(self.refreshed(self.lead).status, Assignment.Status.PENDING)

    def test_it_refuses_staff(self) -> None:
        self.assertEqual(self.post("request_change", self.staff, {"reason": "x"}).status_code, 403)

    def test_it_hides_the_assignment_from_the_outsider(self) -> None:
        self.assertEqual(self.post("request_change", self.outsider, {"reason": "x"}).status_code, 404)


class DecideChangeTests(ActionTestCase):
    def setUp(self) -> None:
        with time_machine.travel(date(2024, 7, 20), tick=False):
            self.lead.request_change(by=self.clerk, reason="不属于本局职责")

    def decide(self, **data: Any) -> Any:
        with time_machine.travel(date(2024, 7, 22), tick=False):
            return self.post("decide_change", self.staff, {"reason": "职责调整", **data})

    def test_it_moves_the_suggestion_to_the_new_department(self) -> None:
        response = self.decide(approve="yes", new_department=self.other_dept.pk)
        self.assertRedirectsToDetail(response)
        self.lead.refresh_from_db()
        self.assertEqual(self.lead.status, Assignment.Status.WITHDRAWN)
        self.assertEqual(
            (self.lead.replaced_by.department, self.lead.replaced_by.role), (self.other_dept, "lead")
        )

    def test_it_keeps_the_deadline_unless_told_to_reset_it(self) -> None:
        self.decide(approve="yes", new_department=self.other_dept.pk)
        successor = self.refreshed(self.lead).replaced_by
        self.assertEqual(successor.due_on, date(2024, 10, 15))

    def test_it_resets_the_deadline_on_request(self) -> None:
        self.decide(approve="yes", new_department=self.other_dept.pk, reset_deadline="on")
        successor = self.refreshed(self.lead).replaced_by
        self.assertEqual(successor.due_on, date(2024, 10, 22))

    def test_it_refuses_the_change_and_keeps_the_department(self) -> None:
        self.decide(approve="no")
        self.lead.refresh_from_db()
        self.assertEqual(self.lead.status, Assignment.Status.ACCEPTED)
        self.assertTrue(self.lead.events.filter(kind=ProposalEvent.Kind.CHANGE_REFUSED).exists())

    def test_it_needs_a_new_department_to_approve(self) -> None:
        self.decide(approve="yes")
        self.assertEqual(self.refreshed(self.lead).status, Assignment.Status.CHANGE_REQUESTED)

    def test_it_refuses_a_department_that_already_has_the_suggestion(self) -> None:
        response = self.decide(approve="yes", new_department=self.co_dept.pk)
        self.assertTrue(any(self.co_dept.name in t for t in texts(response)))
        self.assertEqual(self.refreshed(self.lead).status, Assignment.Status.CHANGE_REQUESTED)

    def test_it_refuses_the_clerk(self) -> None:
        response = self.post("decide_change", self.clerk, {"approve": "no", "reason": "x"})
        self.assertEqual(response.status_code, 403)

    def test_it_hides_the_assignment_from_the_outsider(self) -> None:
        response = self.post("decide_change", self.outsider, {"approve": "no", "reason": "x"})
        self.assertEqual(response.status_code, 404)


class ExtendTests(ActionTestCase):
    def extend(self, new_due_on: str, user: User | None = None) -> Any:
        return self.post("extend", user or self.staff, {"new_due_on": new_due_on, "reason": "涉及多部门协调"})

    def test_it_extends_within_the_six_month_maximum(self) -> None:
        response = self.extend("2025-01-15")
        self.assertRedirectsToDetail(response)
        self.lead.refresh_from_db()
        self.assertEqual((self.lead.due_on, self.lead.due_basis["kind"]), (date(2025, 1, 15), "extended"))

    def test_it_moves_the_suggestions_next_deadline(self) -> None:
        self.proposal.assignments.filter(role="co").update(status=Assignment.Status.OPINION_SENT)
        self.extend("2024-12-15")
        self.assertEqual(self.refreshed(self.proposal).next_due_on, date(2024, 12, 15))

    def test_it_refuses_beyond_the_maximum_and_keeps_the_deadline(self) -> None:
        response = self.extend("2025-01-16")
        self.assertTrue(any("2025-01-15" in t for t in texts(response)))
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))

    def test_it_refuses_a_missing_date(self) -> None:
        response = self.extend("")
        self.assertRedirectsToDetail(response)
        self.assertEqual(self.refreshed(self.lead).due_on, date(2024, 10, 15))

    def test_it_refuses_the_clerk(self) -> None:
        self.assertEqual(self.extend("2024-12-15", user=self.clerk).status_code, 403)

    def test_it_hides_the_assignment_from_the_outsider(self) -> None:
        self.assertEqual(self.extend("2024-12-15", user=self.outsider).status_code, 404)


@time_machine.travel(date(2024, 7, 30), tick=False)
class AddContactTests(ActionTestCase):
    def contact(self, user: User | None = None, **data: Any) -> Any:
        fields = {
            "contacted_on": "2024-07-29",
            "method": "face",
            "stage": "before",
            "summary": "与陈寿代表座谈",
        }
        return self.post("add_contact", user or self.clerk, {**fields, **data})

    def test_it_records_a_contact(self) -> None:
        response = self.contact()
        self.assertRedirectsToDetail(response)
        contact = Contact.objects.get()
        self.assertEqual(
            (contact.assignment, contact.recorded_by, contact.method), (self.lead, self.clerk, "face")
        )

    def test_it_writes_the_event(self) -> None:
        self.contact()
        self.assertTrue(self.lead.events.filter(kind=ProposalEvent.Kind.CONTACT, actor=self.clerk).exists())

    def test_it_refuses_a_date_in_the_future(self) -> None:
        self.contact(contacted_on="2024-07-31")
        self.assertFalse(Contact.objects.exists())

    def test_it_refuses_an_unknown_method(self) -> None:
        self.contact(method="pigeon")
        self.assertFalse(Contact.objects.exists())

    def test_it_refuses_staff(self) -> None:
        self.assertEqual(self.contact(user=self.staff).status_code, 403)

    def test_it_hides_the_assignment_from_the_outsider(self) -> None:
        self.assertEqual(self.contact(user=self.outsider).status_code, 404)


class CloseTests(TrackerTestCase):
    def close(self, proposal: Proposal, user: User, reason: str = "征询意见期满，代表未反馈") -> Any:
        self.client.force_login(user)
        return self.client.post(reverse("proposals:close", args=[proposal.pk]), {"reason": reason})

    def test_it_closes_a_replied_suggestion(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal)
        response = self.close(proposal, self.staff)
        self.assertRedirects(response, proposal.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.CLOSED)

    def test_it_refuses_to_close_a_suggestion_still_being_handled(self) -> None:
        proposal = self.make_assigned(with_co=False)
        response = self.close(proposal, self.staff)
        self.assertTrue(any("Only a replied suggestion" in t for t in texts(response)))
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.ASSIGNED)

    def test_it_requires_a_reason(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal)
        self.close(proposal, self.staff, reason="")
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.REPLIED)

    def test_it_refuses_the_clerk(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.assertEqual(self.close(proposal, self.clerk).status_code, 403)

    def test_it_hides_the_suggestion_from_the_outsider(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.assertEqual(self.close(proposal, self.outsider).status_code, 404)
