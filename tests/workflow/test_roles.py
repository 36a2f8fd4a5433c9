"""Who may do and see what, for the people the simple personas miss (issue 12): a deputy
who is also a clerk, a co-signing deputy, a second separate unit and a withdrawn unit.

Deputy actions check that the user is a deputy of the suggestion, not that they may see
it (their department may). A department reads the internal history of its own
assignment only; a withdrawn unit keeps what it saw while it handled and nothing after.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import time_machine
from django.http import HttpResponse
from django.urls import reverse

from proposals.models import Assignment, Deputy, Proposal, ProposalEvent
from responses.models import CommitmentComment, Feedback, Reply
from tests.base import TrackerTestCase, VerifiedClient, make_user
from tests.responses.reminder_helpers import at
from tracker.models import Role, User

ASSIGNED_ON = date(2024, 7, 15)
# Inside the sign-for and change-request window of an assignment made on ASSIGNED_ON.
TODAY = date(2024, 7, 16)


class _TimelineParser(HTMLParser):
    """The text of each entry (<li>) of the page's timeline (the element id="timeline")."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.entries: list[str] = []
        self._tag = ""
        self._depth = 0
        self._entry: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._depth:
            if tag == self._tag:
                self._depth += 1
            elif tag == "li":
                self._entry = []
        elif ("id", "timeline") in attrs:
            self.found, self._tag, self._depth = True, tag, 1

    def handle_endtag(self, tag: str) -> None:
        if not self._depth:
            return
        if tag == "li" and self._entry is not None:
            self.entries.append(" ".join("".join(self._entry).split()))
            self._entry = None
        elif tag == self._tag:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._entry is not None:
            self._entry.append(data)


def timeline(response: HttpResponse) -> list[str]:
    parser = _TimelineParser()
    parser.feed(response.content.decode())
    if not parser.found:
        raise AssertionError('the page has no timeline (id="timeline")')
    return parser.entries


def label(kind: str) -> str:
    return str(ProposalEvent.Kind(kind).label)


def entries_of(response: HttpResponse, kind: str, *, naming: str = "") -> list[str]:
    """The timeline entries showing an event of ``kind`` (and naming ``naming``).

    Text in brackets (ASCII or full-width) is left out when looking for the kind: it holds
    the states moved from and to, and "（change requested → withdrawn）" is not a change request."""
    return [
        e for e in timeline(response) if label(kind) in re.sub(r"[(（][^()（）]*[)）]", "", e) and naming in e
    ]


def shows(response: HttpResponse, text: str) -> bool:
    return text in response.content.decode()


def post(user: User, name: str, pk: int, data: dict[str, Any] | None = None) -> HttpResponse:
    """POST as ``user`` from a browser of their own (unread messages stay theirs)."""
    client = VerifiedClient()
    client.force_login(user)
    return client.post(reverse(name, args=[pk]), data or {})


@time_machine.travel(at(TODAY), tick=False)
class DualRoleTests(TrackerTestCase):
    """A deputy who is also a clerk of the lead unit, on a suggestion of another deputy."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dual = make_user("dual", Role.DEPUTY, Role.DEPT_CLERK, department=cls.lead_dept)
        cls.dual_deputy = Deputy.objects.create(
            congress=cls.congress, name="李明", delegation="龙岗代表团", user=cls.dual
        )
        cls.proposal = cls.make_assigned(with_co=False, assigned_on=ASSIGNED_ON, lead_deputy=cls.other_deputy)
        cls.reply = cls.make_sent(cls.proposal, grade="B")
        cls.commitment = cls.reply.commitments.get()

    def setUp(self) -> None:
        self.client.force_login(self.dual)

    def test_it_refuses_a_rating_of_their_units_reply_on_another_deputys_suggestion(self) -> None:
        response = self.client.post(
            reverse("responses:feedback", args=[self.reply.pk]), {"rating": "satisfied"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Feedback.objects.exists())
        self.assertEqual(self.refreshed(self.proposal).status, Proposal.Status.REPLIED)

    def test_it_refuses_a_comment_on_their_units_promise_to_another_deputy(self) -> None:
        url = reverse("responses:commitment_comment", args=[self.commitment.pk])
        response = self.client.post(url, {"body": "请加快进度"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(CommitmentComment.objects.exists())

    def test_it_shows_the_working_page_without_a_rating_form(self) -> None:
        response = self.client.get(self.proposal.get_absolute_url())
        self.assertTemplateUsed(response, "proposals/proposal_detail.html")
        self.assertFalse(
            shows(response, reverse("responses:feedback", args=[self.reply.pk])), "a rating form"
        )

    def test_it_offers_no_rating_on_their_units_reply(self) -> None:
        response = self.client.get(self.reply.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertFalse(
            shows(response, reverse("responses:feedback", args=[self.reply.pk])), "a rating form"
        )

    def test_it_shows_the_deputy_progress_page_of_their_own_suggestion_another_unit_handles(self) -> None:
        own = self.make_proposal(lead_deputy=self.dual_deputy)
        own.assign(by=self.staff, lead=self.other_dept, assigned_on=ASSIGNED_ON)
        response = self.client.get(own.get_absolute_url())
        self.assertTemplateUsed(response, "proposals/proposal_progress.html")


@time_machine.travel(at(TODAY), tick=False)
class CoSignerTests(TrackerTestCase):
    def test_it_lets_a_co_signing_deputy_rate_the_reply(self) -> None:
        proposal = self.make_assigned(with_co=False, assigned_on=ASSIGNED_ON, co_signers=[self.other_deputy])
        reply = self.make_sent(proposal)
        response = post(self.other_deputy_user, "responses:feedback", reply.pk, {"rating": "satisfied"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Feedback.objects.filter(reply=reply, deputy=self.other_deputy).exists())


@time_machine.travel(at(TODAY), tick=False)
class SeparateUnitTests(TrackerTestCase):
    """Separate units A (the lead unit's people) and B (the co unit's people); B's leader
    returns B's draft with a comment."""

    COMMENT = "请补充资金来源"

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_proposal()
        cls.proposal.assign(by=cls.staff, separate=[cls.lead_dept, cls.co_dept], assigned_on=ASSIGNED_ON)
        b = cls.proposal.assignments.get(department=cls.co_dept)
        post(cls.co_clerk, "proposals:accept", b.pk)
        post(cls.co_clerk, "responses:reply_edit", b.pk, cls.reply_form_data(submit="1"))
        reply = Reply.objects.get(assignment=b, status=Reply.Status.SUBMITTED)
        post(cls.co_leader, "responses:reply_return", reply.pk, {"comment": cls.COMMENT})

    def page(self, user: User) -> HttpResponse:
        self.client.force_login(user)
        return self.client.get(self.proposal.get_absolute_url())

    def test_it_hides_the_other_units_returned_draft_from_a_separate_unit(self) -> None:
        response = self.page(self.clerk)
        seen = {
            "return comment shown": shows(response, self.COMMENT),
            "returned entries": entries_of(response, ProposalEvent.Kind.RETURNED),
        }
        self.assertEqual(seen, {"return comment shown": False, "returned entries": []})

    def test_it_shows_the_return_to_the_unit_whose_draft_it_was(self) -> None:
        [entry] = entries_of(self.page(self.co_clerk), ProposalEvent.Kind.RETURNED)
        self.assertIn(self.COMMENT, entry)

    def test_it_shows_the_return_to_staff(self) -> None:
        [entry] = entries_of(self.page(self.staff), ProposalEvent.Kind.RETURNED)
        self.assertIn(self.COMMENT, entry)


@time_machine.travel(at(TODAY), tick=False)
class WithdrawnUnitTests(TrackerTestCase):
    """Unit C (the lead unit's people) asks for a change; staff move the suggestion to
    unit D (the co unit's people), which signs for it and records a contact."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_assigned(with_co=False, assigned_on=ASSIGNED_ON)
        c = cls.lead_assignment(cls.proposal)
        post(cls.clerk, "proposals:request_change", c.pk, {"reason": "不属于本单位职责"})
        decision = {"approve": "yes", "new_department": cls.co_dept.pk, "reason": "改由住建局主办"}
        post(cls.staff, "proposals:decide_change", c.pk, decision)
        d = cls.proposal.assignments.get(department=cls.co_dept)
        post(cls.co_clerk, "proposals:accept", d.pk)
        contact = {
            "contacted_on": TODAY.isoformat(),
            "method": "phone",
            "stage": "before",
            "summary": "电话联系",
        }
        post(cls.co_clerk, "proposals:add_contact", d.pk, contact)
        cls.c, cls.d = c, d

    def page(self, user: User) -> HttpResponse:
        self.client.force_login(user)
        return self.client.get(self.proposal.get_absolute_url())

    def test_it_moved_the_suggestion_to_the_new_unit(self) -> None:
        statuses = dict(self.proposal.assignments.values_list("department", "status"))
        self.assertEqual(
            statuses,
            {self.lead_dept.pk: Assignment.Status.WITHDRAWN, self.co_dept.pk: Assignment.Status.ACCEPTED},
        )

    def test_it_still_shows_a_withdrawn_unit_what_happened_while_it_handled(self) -> None:
        response = self.page(self.clerk)
        name = self.lead_dept.name
        for kind in (
            ProposalEvent.Kind.ASSIGNED,
            ProposalEvent.Kind.CHANGE_REQUESTED,
            ProposalEvent.Kind.WITHDRAWN,
        ):
            self.assertEqual(len(entries_of(response, kind, naming=name)), 1, f"{kind}: {timeline(response)}")

    def test_it_hides_from_a_withdrawn_unit_what_the_new_unit_did_after(self) -> None:
        response = self.page(self.clerk)
        seen = {
            "sign-for entries": entries_of(response, ProposalEvent.Kind.ACCEPTED),
            "contact entries": entries_of(response, ProposalEvent.Kind.CONTACT),
        }
        self.assertEqual(seen, {"sign-for entries": [], "contact entries": []})

    def test_it_shows_the_new_unit_its_sign_for_and_contact(self) -> None:
        response = self.page(self.co_clerk)
        name = self.co_dept.name
        self.assertEqual(len(entries_of(response, ProposalEvent.Kind.ACCEPTED, naming=name)), 1)
        self.assertEqual(len(entries_of(response, ProposalEvent.Kind.CONTACT, naming=name)), 1)
