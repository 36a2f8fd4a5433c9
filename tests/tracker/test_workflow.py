"""The workflow core: one answer to "what may this user do here now", and guarded writes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import time_machine
from django.core.management import call_command

from proposals.models import Assignment, ProposalEvent
from responses.models import Reply
from tests.base import TrackerTestCase, make_user
from tracker.models import Role
from tracker.workflow import Conflict, InvalidTransition, guarded_update, markdown, workflow_models

README = Path(__file__).resolve().parents[2] / "README.md"


class ActionsTests(TrackerTestCase):
    """Assignment.actions(user) is what each persona's page offers."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_assigned(assigned_on=date(2024, 7, 15))
        cls.lead = cls.lead_assignment(cls.proposal)
        cls.co = cls.proposal.assignments.get(role=Assignment.Role.CO)

    def actions(self, assignment: Assignment, user: object) -> set[str]:
        with time_machine.travel(date(2024, 7, 16), tick=False):
            return set(assignment.actions(user))  # type: ignore[arg-type]

    def test_it_offers_the_lead_clerk_sign_for_dispute_and_contact(self) -> None:
        self.assertEqual(self.actions(self.lead, self.clerk), {"accept", "request_change", "record_contact"})

    def test_it_offers_the_co_handler_its_opinion_instead_of_a_reply(self) -> None:
        self.assertEqual(
            self.actions(self.co, self.co_clerk),
            {"accept", "request_change", "record_contact", "send_opinion"},
        )

    def test_it_offers_staff_extension_and_reminder(self) -> None:
        self.assertEqual(self.actions(self.lead, self.staff), {"extend", "remind"})

    def test_it_offers_another_unit_and_deputies_nothing(self) -> None:
        for user in (self.co_clerk, self.outsider, self.deputy_user, self.nobody):
            with self.subTest(user=user.username):
                self.assertEqual(self.actions(self.lead, user), set())

    def test_it_closes_the_dispute_window_after_its_last_day(self) -> None:
        with time_machine.travel(date(2024, 12, 1), tick=False):
            self.assertNotIn("request_change", self.lead.actions(self.clerk))

    def test_it_offers_a_deputy_who_is_also_a_clerk_nothing_on_another_deputys_reply(self) -> None:
        dual = make_user("dual", Role.DEPUTY, Role.DEPT_CLERK, department=self.lead_dept)
        self.other_deputy.user = dual
        self.other_deputy.save()
        reply = self.make_sent(self.make_assigned(with_co=False))
        self.assertNotIn("rate", reply.actions(dual))
        self.assertIn("rate", reply.actions(self.deputy_user))

    def test_it_refuses_with_the_same_words_the_page_would_hide_the_button_for(self) -> None:
        with self.assertRaisesMessage(InvalidTransition, "Only 龙岗区住房和建设局 can do this."):
            self.co.accept(by=self.clerk)


class GuardedWriteTests(TrackerTestCase):
    def test_it_refuses_a_state_that_moved_since_it_was_read_and_writes_nothing(self) -> None:
        proposal = self.make_assigned(with_co=False)
        seen = self.lead_assignment(proposal)
        self.lead_assignment(proposal).accept(by=self.clerk)  # someone else, meanwhile
        events = ProposalEvent.objects.count()
        with self.assertRaisesMessage(Conflict, "reload the page"):
            seen.accept(by=self.leader)
        self.assertEqual(ProposalEvent.objects.count(), events)

    def test_it_writes_only_from_the_expected_state(self) -> None:
        reply = self.make_draft(self.make_assigned(with_co=False))
        with self.assertRaises(Conflict):
            guarded_update(reply, Reply.workflow["approve"], expected=Reply.Status.SUBMITTED)
        self.assertEqual(self.refreshed(reply).status, Reply.Status.DRAFT)


class TableTests(TrackerTestCase):
    def test_every_table_names_only_states_its_model_has(self) -> None:
        for model in workflow_models():
            with self.subTest(model=model.__name__):
                field = model._meta.get_field(model.workflow.state_field)  # type: ignore[attr-defined]
                self.assertLessEqual(model.workflow.states(), {value for value, _ in field.choices})  # type: ignore[attr-defined]

    def test_the_readme_shows_the_tables_as_the_code_has_them(self) -> None:
        text = README.read_text(encoding="utf-8")
        found = re.search(r"<!-- workflow:start -->\n(.*)<!-- workflow:end -->", text, re.S)
        assert found, "README.md has no workflow section"
        expected = "\n".join(markdown(model) for model in workflow_models())
        self.assertEqual(found.group(1).strip(), expected.strip(), "run: manage.py show_workflow")

    def test_the_command_prints_the_tables(self) -> None:
        from io import StringIO

        out = StringIO()
        call_command("show_workflow", stdout=out)
        self.assertIn("| accept | `pending` | `accepted` | the assigned department |  |", out.getvalue())
