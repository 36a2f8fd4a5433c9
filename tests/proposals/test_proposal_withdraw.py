"""撤回: the lead deputy withdraws a suggestion staff accepted but have not yet assigned
(or staff do, on the lead deputy's written request)."""

from __future__ import annotations

import unittest
from datetime import date
from typing import Any

import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.urls import reverse

from proposals.models import Deputy, Proposal, ProposalEvent
from proposals.statistics import Scope, figures
from responses.models import Notice
from tests.base import TrackerTestCase, TrackerTransactionTestCase, make_user
from tests.responses.reminder_helpers import at
from tests.workflow.test_races import post_at_once, server_errors
from tracker.models import Role, User
from tracker.workflow import InvalidTransition

Kind = ProposalEvent.Kind
TODAY = date(2024, 7, 16)
REASON = "问题已由区政府解决，撤回本建议。"


def withdrawals(proposal: Proposal) -> int:
    return ProposalEvent.objects.filter(proposal=proposal, kind=Kind.PROPOSAL_WITHDRAWN).count()


class WithdrawModelTests(TrackerTestCase):
    def test_it_lets_the_lead_deputy_withdraw_a_suggestion_not_yet_assigned(self) -> None:
        proposal = self.make_proposal()
        proposal.withdraw(by=self.deputy_user, reason=REASON)
        proposal.refresh_from_db()
        self.assertEqual(proposal.status, Proposal.Status.WITHDRAWN)
        event = ProposalEvent.objects.get(proposal=proposal, kind=Kind.PROPOSAL_WITHDRAWN)
        self.assertEqual(
            (event.actor, event.from_status, event.to_status, event.reason, event.data),
            (self.deputy_user, "registered", "withdrawn", REASON, {}),
        )

    def test_it_keeps_the_number_and_never_gives_it_again(self) -> None:
        proposal = self.make_proposal()
        proposal.withdraw(by=self.deputy_user, reason=REASON)
        self.assertTrue(Proposal.objects.filter(pk=proposal.pk, number=proposal.number).exists())
        again = Proposal(
            congress=self.congress,
            session=self.session,
            number=proposal.number,
            title="另一条建议",
            lead_deputy=self.other_deputy,
            received_on=TODAY,
        )
        with self.assertRaises(Exception):  # noqa: B017 - ValidationError on the number
            again.log(by=self.staff)

    def test_it_refuses_a_co_signer(self) -> None:
        proposal = self.make_proposal(co_signers=[self.other_deputy])
        with self.assertRaisesMessage(InvalidTransition, "Only the lead deputy"):
            proposal.withdraw(by=self.other_deputy_user, reason=REASON)
        self.assertEqual((self.refreshed(proposal).status, withdrawals(proposal)), ("registered", 0))

    def test_it_lets_a_lead_deputy_who_is_also_a_clerk_withdraw(self) -> None:
        dual = make_user("dual", Role.DEPUTY, Role.DEPT_CLERK, department=self.lead_dept)
        deputy = Deputy.objects.create(congress=self.congress, name="李明", user=dual)
        proposal = self.make_proposal(lead_deputy=deputy)
        proposal.withdraw(by=dual, reason=REASON)
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.WITHDRAWN)

    def test_it_refuses_a_clerk_who_is_a_deputy_but_not_this_ones(self) -> None:
        dual = make_user("dual", Role.DEPUTY, Role.DEPT_CLERK, department=self.lead_dept)
        Deputy.objects.create(congress=self.congress, name="李明", user=dual)
        proposal = self.make_proposal()
        with self.assertRaises(InvalidTransition):
            proposal.withdraw(by=dual, reason=REASON)
        self.assertEqual(withdrawals(proposal), 0)

    def test_it_refuses_once_the_suggestion_is_assigned(self) -> None:
        proposal = self.make_assigned(with_co=False)
        with self.assertRaisesMessage(InvalidTransition, "not yet assigned"):
            proposal.withdraw(by=self.deputy_user, reason=REASON)
        self.assertEqual((self.refreshed(proposal).status, withdrawals(proposal)), ("assigned", 0))

    def test_it_needs_a_reason(self) -> None:
        proposal = self.make_proposal()
        with self.assertRaisesMessage(InvalidTransition, "Say why"):
            proposal.withdraw(by=self.deputy_user, reason="  ")
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.REGISTERED)

    def test_staff_withdraw_on_the_lead_deputys_request_and_the_event_names_who_asked(self) -> None:
        proposal = self.make_proposal()
        proposal.withdraw(by=self.staff, reason="代表来函（2024年7月15日）申请撤回。")
        event = ProposalEvent.objects.get(proposal=proposal, kind=Kind.PROPOSAL_WITHDRAWN)
        self.assertEqual(
            (event.actor, event.data),
            (self.staff, {"requested_by": "陈寿", "requested_by_id": self.deputy.pk}),
        )

    def test_it_refuses_to_assign_a_withdrawn_suggestion(self) -> None:
        proposal = self.make_proposal()
        proposal.withdraw(by=self.deputy_user, reason=REASON)
        with self.assertRaisesMessage(InvalidTransition, "withdrawn by its deputy"):
            proposal.assign(by=self.staff, lead=self.lead_dept, assigned_on=TODAY)
        self.assertFalse(proposal.assignments.exists())

    def test_it_offers_withdraw_to_the_lead_deputy_and_staff_only(self) -> None:
        proposal = self.make_proposal(co_signers=[self.other_deputy])
        offered = {
            user.username: "withdraw" in proposal.actions(user)
            for user in (self.deputy_user, self.other_deputy_user, self.staff, self.clerk, self.nobody)
        }
        self.assertEqual(
            offered,
            {"deputy": True, "other_deputy": False, "staff": True, "clerk": False, "nobody": False},
        )

    def test_it_leaves_a_withdrawn_suggestion_out_of_open_work_and_the_figures(self) -> None:
        kept, withdrawn = self.make_proposal(), self.make_proposal()
        withdrawn.withdraw(by=self.deputy_user, reason=REASON)
        self.assertEqual(list(Proposal.objects.open().filter(pk__in=[kept.pk, withdrawn.pk])), [kept])
        self.assertEqual(figures(Scope(session=self.session)).received, 1)

    def test_it_clears_the_assign_by_deadline_of_a_suggestion_raised_between_sessions(self) -> None:
        from proposals.models import Session

        recess = Session.objects.create(
            congress=self.congress, name="闭会期间", term=7, meeting=None, year=2024
        )
        with time_machine.travel(at(TODAY), tick=False):
            proposal = Proposal(
                congress=self.congress,
                session=recess,
                number="20249001",
                title="关于坪西路改造的建议",
                lead_deputy=self.deputy,
                received_on=TODAY,
            )
            proposal.log(by=self.staff)
            self.assertIsNotNone(proposal.next_due_on)
            proposal.withdraw(by=self.deputy_user, reason=REASON)
        self.assertIsNone(self.refreshed(proposal).next_due_on)


class WithdrawNoticeTests(TrackerTestCase):
    def told(self) -> set[tuple[str, str]]:
        return set(
            Notice.objects.filter(event__kind=Kind.PROPOSAL_WITHDRAWN).values_list(
                "recipient__username", "channel"
            )
        )

    def test_it_tells_staff_once_when_the_deputy_withdraws(self) -> None:
        self.staff.notice_channels = {Kind.PROPOSAL_WITHDRAWN: ["email"]}
        self.staff.email = "staff@example.org"
        self.staff.save()
        with time_machine.travel(at(TODAY), tick=False):
            self.make_proposal().withdraw(by=self.deputy_user, reason=REASON)
        self.assertEqual(self.told(), {("staff", "inbox"), ("staff", "email")})

    def test_it_tells_the_lead_deputy_when_staff_withdraw_on_request(self) -> None:
        other_staff = make_user("staff2", Role.CONGRESS_STAFF)
        with time_machine.travel(at(TODAY), tick=False):
            self.make_proposal().withdraw(by=other_staff, reason="代表来函申请撤回。")
        self.assertEqual(self.told(), {("staff", "inbox"), ("deputy", "inbox")})


class WithdrawViewTests(TrackerTestCase):
    def post(self, user: User, proposal: Proposal, reason: str = REASON) -> HttpResponse:
        self.client.force_login(user)
        return self.client.post(
            reverse("proposals:withdraw", args=[proposal.pk]), {"reason": reason, "state": proposal.status}
        )

    def messages(self, response: HttpResponse) -> list[str]:
        return [str(m) for m in get_messages(response.wsgi_request)]

    def test_the_lead_deputy_withdraws_with_a_reason(self) -> None:
        proposal = self.make_proposal()
        response = self.post(self.deputy_user, proposal)
        self.assertRedirects(response, proposal.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.WITHDRAWN)

    def test_staff_withdraw_on_request(self) -> None:
        proposal = self.make_proposal()
        self.post(self.staff, proposal)
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.WITHDRAWN)

    def test_a_co_signer_gets_403(self) -> None:
        proposal = self.make_proposal(co_signers=[self.other_deputy])
        self.assertEqual(self.post(self.other_deputy_user, proposal).status_code, 403)
        self.assertEqual(withdrawals(proposal), 0)

    def test_users_who_cannot_see_it_get_404(self) -> None:
        proposal = self.make_proposal()
        for user in (self.clerk, self.outsider, self.nobody):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(user, proposal).status_code, 404)
        self.assertEqual(withdrawals(proposal), 0)

    def test_a_unit_handling_it_gets_403_and_the_deputy_a_message_once_assigned(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.assertEqual(self.post(self.clerk, proposal).status_code, 403)
        response = self.post(self.deputy_user, proposal)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(any("not yet assigned" in m for m in self.messages(response)))
        self.assertEqual(withdrawals(proposal), 0)

    def test_an_empty_reason_is_refused(self) -> None:
        proposal = self.make_proposal()
        response = self.post(self.deputy_user, proposal, reason="")
        self.assertTrue(self.messages(response))
        self.assertEqual(self.refreshed(proposal).status, Proposal.Status.REGISTERED)

    def test_it_is_post_only(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.get(reverse("proposals:withdraw", args=[self.make_proposal().pk]))
        self.assertEqual(response.status_code, 405)

    def test_the_progress_page_offers_the_form_to_the_lead_deputy_only(self) -> None:
        proposal = self.make_proposal(co_signers=[self.other_deputy])
        for user, offered in ((self.deputy_user, True), (self.other_deputy_user, False)):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get(proposal.get_absolute_url())
                self.assertEqual(response.context["withdraw_form"] is not None, offered)

    def test_the_progress_page_shows_its_deputies_the_reason_after(self) -> None:
        proposal = self.make_proposal(co_signers=[self.other_deputy])
        proposal.withdraw(by=self.deputy_user, reason=REASON)
        self.client.force_login(self.other_deputy_user)
        response = self.client.get(proposal.get_absolute_url())
        self.assertContains(response, REASON)
        self.assertIsNone(response.context["withdraw_form"])

    def test_staff_find_it_by_status_with_its_number(self) -> None:
        proposal = self.make_proposal()
        proposal.withdraw(by=self.deputy_user, reason=REASON)
        self.client.force_login(self.staff)
        response = self.client.get(reverse("proposals:list"), {"status": "withdrawn"})
        self.assertContains(response, proposal.number)

    def test_the_staff_assign_page_refuses_it_with_a_message(self) -> None:
        proposal = self.make_proposal()
        proposal.withdraw(by=self.deputy_user, reason=REASON)
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("proposals:assign", args=[proposal.pk]),
            {"lead": self.lead_dept.pk, "assigned_on": TODAY.isoformat(), "reason": ""},
        )
        self.assertContains(response, "withdrawn by its deputy")
        self.assertFalse(proposal.assignments.exists())

    def test_the_waiting_page_lists_what_the_deputy_may_still_withdraw(self) -> None:
        waiting, assigned = self.make_proposal(), self.make_assigned(with_co=False)
        self.client.force_login(self.deputy_user)
        todo = self.client.get(reverse("proposals:todo")).context["todo"]
        self.assertEqual(todo.withdrawable, [waiting])
        self.assertNotIn(assigned, todo.withdrawable)

    def test_the_public_progress_page_does_not_show_it(self) -> None:
        proposal = self.make_proposal()
        proposal.withdraw(by=self.deputy_user, reason=REASON)
        response = self.client.get(reverse("public:progress", args=[proposal.number]))
        self.assertEqual(response.status_code, 404)


@unittest.skipUnless(connection.vendor == "postgresql", "concurrent transactions need PostgreSQL")
class WithdrawRaceTests(TrackerTransactionTestCase):
    """The deputy withdraws while staff assign: one wins, the other is told, one event."""

    def test_withdrawing_and_assigning_at_once_end_one_way_with_one_event(self) -> None:
        report: list[str] = []
        with time_machine.travel(at(TODAY), tick=False):
            for trial in range(5):
                proposal = self.make_proposal()
                assign: dict[str, Any] = {"lead": self.lead_dept.pk, "assigned_on": TODAY.isoformat()}
                outcomes = post_at_once(
                    [
                        (
                            self.deputy_user,
                            reverse("proposals:withdraw", args=[proposal.pk]),
                            {"reason": REASON},
                        ),
                        (
                            self.staff,
                            reverse("proposals:assign", args=[proposal.pk]),
                            {**assign, "reason": ""},
                        ),
                    ]
                )
                withdraw_outcome, assign_outcome = outcomes
                status = self.refreshed(proposal).status
                facts = {
                    "server errors": server_errors(outcomes),
                    "withdrawn events": withdrawals(proposal),
                    "assigned events": ProposalEvent.objects.filter(
                        proposal=proposal, kind=Kind.ASSIGNED
                    ).count(),
                }
                if status == Proposal.Status.WITHDRAWN:
                    expected = {"server errors": [], "withdrawn events": 1, "assigned events": 0}
                    loser_told = assign_outcome.form_error_naming("withdrawn by its deputy")
                else:
                    expected = {"server errors": [], "withdrawn events": 0, "assigned events": 1}
                    loser_told = withdraw_outcome.says("not yet assigned")
                if facts != expected or not loser_told:
                    report.append(f"trial {trial}: {status} {facts} {withdraw_outcome} / {assign_outcome}")
        self.assertEqual(report, [])
