"""The same step taken twice, as users meet it (issue 12): two people post the same form
at the same moment, or one posts it again from a page that was not reloaded.

Exactly one request may win: one event, one change of state. The other user is told
that someone else was first and to reload the page (a form error on the forms that
create a row), never a 500 and never a second event.

The races run each request in its own thread, with its own signed-in client and its own
database connection, released together by a barrier. One trial may happen not to
overlap, so each race runs several trials, each on a fresh record, and the outcome is
asserted for every trial. Two transactions at once need PostgreSQL; the second,
sequential click is tested on any database (SecondClickTests).
"""

from __future__ import annotations

import re
import threading
import unittest
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import time_machine
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.http import HttpResponse
from django.urls import reverse

from proposals.models import Assignment, Proposal, ProposalEvent
from responses.models import Obligation, Reminder
from tests.base import TrackerTestCase, TrackerTransactionTestCase, VerifiedClient, make_user
from tests.responses.reminder_helpers import at
from tracker.models import Role, User
from tracker.workflow import state_of

TRIALS = 5
RELOAD = "reload the page"
APPROVED = "The reply was approved and sent."
SIGNED_FOR = "Signed for."
REMINDED = "Reminder sent to"

# Inside the sign-for window of an assignment made on ASSIGNED_ON, long before its reply deadline.
ASSIGNED_ON = date(2024, 7, 15)
TODAY = date(2024, 7, 16)


@dataclass
class Outcome:
    """What one user got back: status, the messages queued for the next page, the
    errors of a form shown again, and the exception behind a 500."""

    status: int
    messages: list[str]
    form_errors: dict[str, list[str]] = field(default_factory=dict)
    exception: str = ""

    def __str__(self) -> str:
        shown = self.exception or self.form_errors or self.messages
        return f"HTTP {self.status}: {shown}"

    def says(self, text: str) -> bool:
        return any(text in message for message in self.messages)

    def form_error_naming(self, text: str) -> bool:
        return self.status == 200 and any(text in e for errors in self.form_errors.values() for e in errors)


def outcome(response: HttpResponse) -> Outcome:
    context = getattr(response, "context", None)
    form = context.get("form") if context is not None else None
    exc_info = getattr(response, "exc_info", None)
    return Outcome(
        status=response.status_code,
        messages=[str(m) for m in get_messages(response.wsgi_request)],
        form_errors={name: list(errors) for name, errors in form.errors.items()} if form is not None else {},
        # The exception signal is process-wide: a thread's client may also catch the other's.
        exception=f"{exc_info[0].__name__}: {exc_info[1]}".splitlines()[0]
        if exc_info and response.status_code >= 500
        else "",
    )


def post_at_once(posts: list[tuple[User, str, dict[str, Any]]]) -> list[Outcome]:
    """POST each (user, url, data) from its own thread and connection, all released together."""
    clients = []
    for user, _url, _data in posts:
        # A 500 is an outcome to report, not an exception to stop the trial.
        client = VerifiedClient(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    barrier = threading.Barrier(len(posts))
    outcomes: list[Outcome | None] = [None] * len(posts)
    crashes: list[BaseException] = []

    def run(i: int) -> None:
        _user, url, data = posts[i]
        try:
            barrier.wait(timeout=30)
            outcomes[i] = outcome(clients[i].post(url, data))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread below
            crashes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if any(thread.is_alive() for thread in threads):
        raise AssertionError("a request did not finish within 60 s (deadlock?)")
    if crashes:
        raise crashes[0]
    return [o for o in outcomes if o is not None]


def server_errors(outcomes: list[Outcome]) -> list[str]:
    return [o.exception or "HTTP 500" for o in outcomes if o.status >= 500]


def events(proposal: Proposal, kind: str, **filters: Any) -> int:
    return ProposalEvent.objects.filter(proposal=proposal, kind=kind, **filters).count()


def remind_form(obligation: Obligation) -> dict[str, str]:
    """What 立即催办 posts: the stage the page showed as next (a hidden field)."""
    return {"stage": str(obligation.next_stage)}


@unittest.skipUnless(connection.vendor == "postgresql", "concurrent transactions need PostgreSQL")
class RaceTests(TrackerTransactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.responses: list[list[Outcome]] = []
        self.leader2 = make_user("leader2", Role.DEPT_LEADER, department=self.lead_dept)
        self.clerk2 = make_user("clerk2", Role.DEPT_CLERK, department=self.lead_dept)
        self.staff2 = make_user("staff2", Role.CONGRESS_STAFF)

    def race(self, posts: list[tuple[User, str, dict[str, Any]]]) -> list[Outcome]:
        outcomes = post_at_once(posts)
        self.responses.append(outcomes)
        return outcomes

    def assertEveryTrial(self, seen: list[dict[str, Any]], expected: dict[str, Any]) -> None:
        """Every trial ends as ``expected``; otherwise say, per trial, what differed and
        what each user got back."""
        report = []
        for n, (facts, outcomes) in enumerate(zip(seen, self.responses, strict=True), start=1):
            wrong = [
                f"{key} {facts[key]!r} (expected {value!r})"
                for key, value in expected.items()
                if facts[key] != value
            ]
            if wrong:
                report.append(f"trial {n}: " + "; ".join(wrong))
                report.extend(f"    {o}" for o in outcomes)
        if report:
            self.fail(
                f"{len([r for r in report if r.startswith('trial')])} of {TRIALS} trials wrong:\n"
                + "\n".join(report)
            )

    def test_it_sends_a_reply_once_when_two_leaders_approve_it_at_once(self) -> None:
        seen = []
        with time_machine.travel(at(TODAY), tick=False):
            for _trial in range(TRIALS):
                proposal = self.make_assigned(with_co=False, assigned_on=ASSIGNED_ON)
                reply = self.make_draft(proposal)
                reply.submit(by=self.clerk)
                url = reverse("responses:reply_approve", args=[reply.pk])
                # Each posts the state its page showed, as the form does (state_input):
                # the loser is told to reload whether or not the two requests overlapped.
                page = {"state": state_of(reply)}
                outcomes = self.race([(self.leader, url, page), (self.leader2, url, page)])
                seen.append(
                    {
                        "server errors": server_errors(outcomes),
                        "told it was sent": sum(o.says(APPROVED) for o in outcomes),
                        "told to reload": sum(o.says(RELOAD) for o in outcomes),
                        "sent events": events(proposal, ProposalEvent.Kind.SENT),
                        "events → replied": events(
                            proposal, ProposalEvent.Kind.STATUS, to_status=Proposal.Status.REPLIED
                        ),
                    }
                )
        self.assertEveryTrial(
            seen,
            {
                "server errors": [],
                "told it was sent": 1,
                "told to reload": 1,
                "sent events": 1,
                "events → replied": 1,
            },
        )

    def test_it_signs_for_an_assignment_once_when_two_clerks_sign_at_once(self) -> None:
        seen = []
        with time_machine.travel(at(TODAY), tick=False):
            for _trial in range(TRIALS):
                proposal = self.make_assigned(with_co=False, assigned_on=ASSIGNED_ON)
                url = reverse("proposals:accept", args=[self.lead_assignment(proposal).pk])
                page = {"state": state_of(self.lead_assignment(proposal))}
                outcomes = self.race([(self.clerk, url, page), (self.clerk2, url, page)])
                seen.append(
                    {
                        "server errors": server_errors(outcomes),
                        "told it was signed for": sum(o.says(SIGNED_FOR) for o in outcomes),
                        "told to reload": sum(o.says(RELOAD) for o in outcomes),
                        "accepted events": events(proposal, ProposalEvent.Kind.ACCEPTED),
                        "events → handling": events(
                            proposal, ProposalEvent.Kind.STATUS, to_status=Proposal.Status.HANDLING
                        ),
                    }
                )
        self.assertEveryTrial(
            seen,
            {
                "server errors": [],
                "told it was signed for": 1,
                "told to reload": 1,
                "accepted events": 1,
                "events → handling": 1,
            },
        )

    def test_it_assigns_a_unit_once_when_two_staff_assign_it_at_once(self) -> None:
        seen = []
        data = {"lead": self.lead_dept.pk, "assigned_on": ASSIGNED_ON.isoformat(), "reason": ""}
        with time_machine.travel(at(TODAY), tick=False):
            for _trial in range(TRIALS):
                proposal = self.make_proposal()
                url = reverse("proposals:assign", args=[proposal.pk])
                outcomes = self.race([(self.staff, url, data), (self.staff2, url, data)])
                seen.append(
                    {
                        "server errors": server_errors(outcomes),
                        "redirected": sum(o.status == 302 for o in outcomes),
                        "form again naming the unit": sum(
                            o.form_error_naming(self.lead_dept.name) for o in outcomes
                        ),
                        "assignments to the unit": proposal.assignments.exclude(
                            status=Assignment.Status.WITHDRAWN
                        )
                        .filter(department=self.lead_dept)
                        .count(),
                        "assigned events": events(proposal, ProposalEvent.Kind.ASSIGNED),
                    }
                )
        self.assertEveryTrial(
            seen,
            {
                "server errors": [],
                "redirected": 1,
                "form again naming the unit": 1,
                "assignments to the unit": 1,
                "assigned events": 1,
            },
        )

    def test_it_logs_a_suggestion_once_when_the_intake_form_is_sent_twice(self) -> None:
        seen = []
        url = reverse("proposals:create")
        with time_machine.travel(at(TODAY), tick=False):
            for trial in range(TRIALS):
                data = intake_form(self, number=f"2024{9000 + trial}")
                outcomes = self.race([(self.staff, url, data), (self.staff2, url, data)])
                seen.append(
                    {
                        "server errors": server_errors(outcomes),
                        "redirected": sum(o.status == 302 for o in outcomes),
                        "form again with a number error": sum(
                            o.status == 200 and "number" in o.form_errors for o in outcomes
                        ),
                        "suggestions with the number": Proposal.objects.filter(number=data["number"]).count(),
                    }
                )
        self.assertEveryTrial(
            seen,
            {
                "server errors": [],
                "redirected": 1,
                "form again with a number error": 1,
                "suggestions with the number": 1,
            },
        )

    def test_it_sends_one_stage_when_two_staff_press_remind_now_at_once(self) -> None:
        seen = []
        for _trial in range(TRIALS):
            with time_machine.travel(at(ASSIGNED_ON, 9), tick=False):
                proposal = self.make_assigned(with_co=False, assigned_on=ASSIGNED_ON)
                assignment = self.lead_assignment(proposal)
                assignment.accept(by=self.clerk)
            obligation = Obligation.objects.main_for(assignment)
            url = reverse("responses:remind_now", args=[assignment.pk])
            # 20 days before the reply deadline the next stage is -14, then -3.
            with time_machine.travel(at(obligation.due_on - timedelta(days=20)), tick=False):
                form = remind_form(obligation)
                outcomes = self.race([(self.staff, url, form), (self.staff2, url, form)])
            obligation.refresh_from_db()
            seen.append(
                {
                    "server errors": server_errors(outcomes),
                    "told it was sent": sum(o.says(REMINDED) for o in outcomes),
                    "told to reload": sum(o.says(RELOAD) for o in outcomes),
                    "stages sent": sorted(set(obligation.reminders.values_list("stage", flat=True))),
                    "last stage": obligation.last_stage,
                    "next stage": obligation.next_stage,
                    "reminded events": events(proposal, ProposalEvent.Kind.REMINDED),
                }
            )
        self.assertEveryTrial(
            seen,
            {
                "server errors": [],
                "told it was sent": 1,
                "told to reload": 1,
                "stages sent": [-14],
                "last stage": -14,
                "next stage": -3,
                "reminded events": 1,
            },
        )


def intake_form(test: TrackerTestCase | TrackerTransactionTestCase, *, number: str) -> dict[str, Any]:
    """The 登记建议 form as staff fill it in."""
    return {
        "congress": test.congress.pk,
        "session": test.session.pk,
        "number": number,
        "title": "关于发展新质生产力的建议",
        "body": "建议加快培育新质生产力。",
        "category": test.category.pk,
        "lead_deputy": test.deputy.pk,
        "received_on": "2024-06-01",
        "supervising_leader": "",
    }


@time_machine.travel(at(TODAY), tick=False)
class SecondClickTests(TrackerTestCase):
    """The loser of a race and a user clicking again on a page not reloaded since
    someone else acted get the same answer, and nothing is written."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.leader2 = make_user("leader2", Role.DEPT_LEADER, department=cls.lead_dept)
        cls.clerk2 = make_user("clerk2", Role.DEPT_CLERK, department=cls.lead_dept)
        cls.staff2 = make_user("staff2", Role.CONGRESS_STAFF)

    def post(self, user: User, url: str, data: dict[str, Any] | None = None) -> Outcome:
        # A browser of its own: messages left unread by one user must not reach the other.
        client = VerifiedClient()
        client.force_login(user)
        return outcome(client.post(url, data or {}))

    def page_form(self, user: User, page: str, action: str) -> dict[str, str]:
        """The hidden fields of the form posting to ``action`` on ``page`` as ``user`` sees it
        now: what a click on that form sends later, whatever happened meanwhile."""
        client = VerifiedClient()
        client.force_login(user)
        html = client.get(page).content.decode()
        form = re.search(r'<form[^>]*action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.S)
        assert form, f"{page} has no form posting to {action}"
        hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1))
        return {name: value for name, value in hidden if name != "csrfmiddlewaretoken"}

    def written(self) -> tuple[int, ...]:
        """Rows a second click must not add to."""
        return (
            ProposalEvent.objects.count(),
            Proposal.objects.count(),
            Assignment.objects.count(),
            Reminder.objects.count(),
        )

    def test_it_tells_a_second_leader_approving_a_sent_reply_to_reload(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=ASSIGNED_ON)
        reply = self.make_draft(proposal)
        reply.submit(by=self.clerk)
        url = reverse("responses:reply_approve", args=[reply.pk])
        left_open = self.page_form(self.leader2, reply.get_absolute_url(), url)
        self.assertTrue(self.post(self.leader, url).says(APPROVED))
        before = self.written()
        second = self.post(self.leader2, url, left_open)
        self.assertTrue(second.says(RELOAD), second.messages)
        self.assertEqual((self.written(), self.refreshed(reply).approved_by), (before, self.leader))

    def test_it_tells_a_second_clerk_signing_for_an_assignment_to_reload(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=ASSIGNED_ON)
        url = reverse("proposals:accept", args=[self.lead_assignment(proposal).pk])
        left_open = self.page_form(self.clerk2, proposal.get_absolute_url(), url)
        self.assertTrue(self.post(self.clerk, url).says(SIGNED_FOR))
        before = self.written()
        second = self.post(self.clerk2, url, left_open)
        self.assertTrue(second.says(RELOAD), second.messages)
        self.assertEqual(self.written(), before)

    def test_it_shows_the_assign_form_again_naming_the_unit_already_assigned(self) -> None:
        proposal = self.make_proposal()
        url = reverse("proposals:assign", args=[proposal.pk])
        data = {"lead": self.lead_dept.pk, "assigned_on": ASSIGNED_ON.isoformat(), "reason": ""}
        self.assertEqual(self.post(self.staff, url, data).status, 302)
        before = self.written()
        second = self.post(self.staff2, url, data)
        self.assertTrue(second.form_error_naming(self.lead_dept.name), second)
        self.assertEqual(self.written(), before)

    def test_it_shows_the_intake_form_again_with_a_number_error(self) -> None:
        url = reverse("proposals:create")
        data = intake_form(self, number="20240493")
        self.assertEqual(self.post(self.staff, url, data).status, 302)
        before = self.written()
        second = self.post(self.staff2, url, data)
        self.assertEqual((second.status, "number" in second.form_errors), (200, True), second)
        self.assertEqual(self.written(), before)

    def test_it_tells_a_second_remind_now_of_the_same_stage_to_reload(self) -> None:
        with time_machine.travel(at(ASSIGNED_ON, 9), tick=False):
            proposal = self.make_assigned(with_co=False, assigned_on=ASSIGNED_ON)
            assignment = self.lead_assignment(proposal)
            assignment.accept(by=self.clerk)
        obligation = Obligation.objects.main_for(assignment)
        url = reverse("responses:remind_now", args=[assignment.pk])
        with time_machine.travel(at(obligation.due_on - timedelta(days=20)), tick=False):
            form = remind_form(obligation)  # the page as both staff loaded it
            self.assertTrue(self.post(self.staff, url, form).says(REMINDED))
            before = self.written()
            second = self.post(self.staff2, url, form)
        obligation.refresh_from_db()
        self.assertTrue(second.says(RELOAD), second.messages)
        self.assertEqual((self.written(), obligation.last_stage, obligation.next_stage), (before, -14, -3))
