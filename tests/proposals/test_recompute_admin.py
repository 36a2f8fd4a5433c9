"""The admin action "Recompute open deadlines" on congresses and deadline rules."""

from __future__ import annotations

from datetime import date

import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from proposals.models import Assignment, DeadlineRule, ProposalEvent, Rule
from tests.base import TrackerTestCase, make_user
from tracker.deadlines import Unit
from tracker.models import Role, User

REASON = "常委会修改办理规定，答复期限改为两个月"


@time_machine.travel(date(2024, 7, 16), tick=False)
class RecomputeAdminTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(date(2024, 7, 16), tick=False):
            cls.proposal = cls.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        cls.rule = DeadlineRule.objects.create(
            congress=cls.congress, obligation=Rule.REPLY, count=2, unit=Unit.CALENDAR_MONTHS
        )
        cls.admin = User.objects.create_superuser("admin", password="pw")

    def lead(self) -> Assignment:
        return self.lead_assignment(self.proposal)

    def post(self, user: User, model: str = "congress", pk: int | None = None, **data: str) -> object:
        self.client.force_login(user)
        values = {
            "action": "recompute_open_deadlines",
            "_selected_action": str(pk or self.congress.pk),
            **data,
        }
        return self.client.post(reverse(f"admin:proposals_{model}_changelist"), values)

    def test_it_lists_the_moves_on_a_confirmation_page_without_changing_anything(self) -> None:
        response = self.post(self.admin)
        self.assertContains(response, "2024-10-15 → 2024-09-18")
        self.assertEqual(self.lead().due_on, date(2024, 10, 15))

    def test_it_moves_the_deadlines_with_the_admin_as_actor(self) -> None:
        response = self.post(self.admin, apply="yes", reason=REASON)
        self.assertRedirects(
            response, reverse("admin:proposals_congress_changelist"), fetch_redirect_response=False
        )
        self.assertEqual(self.lead().due_on, date(2024, 9, 18))
        event = ProposalEvent.objects.get(kind=ProposalEvent.Kind.DEADLINE_RECOMPUTED)
        self.assertEqual((event.actor, event.reason), (self.admin, REASON))

    def test_it_works_from_the_deadline_rule_too(self) -> None:
        self.post(self.admin, "deadlinerule", self.rule.pk, apply="yes", reason=REASON)
        self.assertEqual(self.lead().due_on, date(2024, 9, 18))

    def test_it_asks_again_when_the_reason_is_missing(self) -> None:
        response = self.post(self.admin, apply="yes", reason=" ")
        self.assertEqual(response.status_code, 200)
        self.assertIn("reason", response.context["form"].errors)
        self.assertEqual(self.lead().due_on, date(2024, 10, 15))

    def test_it_refuses_congress_staff_without_admin_access(self) -> None:
        response = self.post(self.staff, apply="yes", reason=REASON)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))
        self.assertEqual(self.lead().due_on, date(2024, 10, 15))

    def test_it_refuses_an_admin_user_who_may_only_view_congresses(self) -> None:
        viewer = make_user("viewer", Role.CONGRESS_STAFF, is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_congress"))
        self.post(viewer, apply="yes", reason=REASON)
        self.assertEqual(self.lead().due_on, date(2024, 10, 15))
        self.assertFalse(ProposalEvent.objects.filter(kind=ProposalEvent.Kind.DEADLINE_RECOMPUTED).exists())
