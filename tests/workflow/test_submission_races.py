"""Online submissions raced as users meet it (see test_races.py for the method): two staff
accept one submission at the same moment; a co-signer confirms while the lead deputy
withdraws. Each request in its own thread and connection, released together."""

from __future__ import annotations

import unittest
from typing import Any

from django.db import connection
from django.urls import reverse

from proposals.models import CoSignInvitation, Proposal, Submission, SubmissionEvent
from tests.base import TrackerTransactionTestCase, make_user
from tests.workflow.test_races import TRIALS, Outcome, post_at_once, server_errors
from tracker.models import Role

ACCEPTED = "Accepted as suggestion No."
JOINED = "You have joined this suggestion as a co-signer."
WITHDRAWN = "The suggestion is withdrawn."


@unittest.skipUnless(connection.vendor == "postgresql", "concurrent transactions need PostgreSQL")
class SubmissionRaceTests(TrackerTransactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.staff2 = make_user("staff2", Role.CONGRESS_STAFF)

    def drafted(self, n: int, *, co_signers: bool) -> Submission:
        return Submission.draft(
            by=self.deputy_user,
            session=self.session,
            title=f"关于坪山河碧道增设便民驿站的建议（{n}）",
            body="坪山河碧道沿线缺少休息和饮水设施。",
            co_signers=[self.other_deputy] if co_signers else [],
        )

    def events(self, submission: Submission, kind: str) -> int:
        return SubmissionEvent.objects.filter(submission=submission, kind=kind).count()

    def assertEveryTrial(
        self, seen: list[dict[str, Any]], responses: list[list[Outcome]], expected: Any
    ) -> None:
        wrong = [
            f"trial {n}: {facts} ({'; '.join(str(o) for o in outcomes)})"
            for n, (facts, outcomes) in enumerate(zip(seen, responses, strict=True), start=1)
            if not expected(facts)
        ]
        if wrong:
            self.fail("\n".join(wrong))

    def test_two_staff_accepting_at_once_log_one_suggestion_with_one_number_and_one_event(self) -> None:
        seen, responses = [], []
        for trial in range(TRIALS):
            submission = self.drafted(trial, co_signers=False)
            submission.submit(by=self.deputy_user)
            url = reverse("proposals:submission_accept", args=[submission.pk])
            outcomes = post_at_once(
                [
                    (self.staff, url, {"number": f"2024{7000 + 2 * trial}", "state": "submitted"}),
                    (self.staff2, url, {"number": f"2024{7001 + 2 * trial}", "state": "submitted"}),
                ]
            )
            responses.append(outcomes)
            seen.append(
                {
                    "server errors": server_errors(outcomes),
                    "told accepted": sum(o.says(ACCEPTED) for o in outcomes),
                    "told refused": sum(bool(o.messages) and not o.says(ACCEPTED) for o in outcomes),
                    "suggestions": Proposal.objects.filter(title=submission.title).count(),
                    "accepted events": self.events(submission, SubmissionEvent.Kind.ACCEPTED),
                }
            )
        self.assertEveryTrial(
            seen,
            responses,
            lambda f: (
                f
                == {
                    "server errors": [],
                    "told accepted": 1,
                    "told refused": 1,
                    "suggestions": 1,
                    "accepted events": 1,
                }
            ),
        )

    def test_a_co_signer_confirming_while_the_lead_withdraws_ends_in_one_consistent_state(self) -> None:
        seen, responses = [], []
        for trial in range(TRIALS):
            submission = self.drafted(trial, co_signers=True)
            submission.invite(by=self.deputy_user)
            outcomes = post_at_once(
                [
                    (
                        self.other_deputy_user,
                        reverse("proposals:submission_cosign", args=[submission.pk]),
                        {"answer": "confirm"},
                    ),
                    (
                        self.deputy_user,
                        reverse("proposals:submission_withdraw", args=[submission.pk]),
                        {"state": "inviting"},
                    ),
                ]
            )
            responses.append(outcomes)
            invitation = submission.invitations.get()
            joined = outcomes[0].says(JOINED)
            seen.append(
                {
                    "server errors": server_errors(outcomes),
                    "withdrawn": Submission.objects.get(pk=submission.pk).status
                    == Submission.Status.WITHDRAWN,
                    "withdraw events": self.events(submission, SubmissionEvent.Kind.WITHDRAWN),
                    # Either the co-signer was first (confirmed, then the suggestion
                    # withdrawn) or the lead was (the invitation cancelled, the answer refused).
                    "consistent": (
                        joined
                        and invitation.status == CoSignInvitation.Status.CONFIRMED
                        and self.events(submission, SubmissionEvent.Kind.COSIGN_CONFIRMED) == 1
                    )
                    or (
                        not joined
                        and invitation.status == CoSignInvitation.Status.CANCELLED
                        and self.events(submission, SubmissionEvent.Kind.COSIGN_CONFIRMED) == 0
                        and bool(outcomes[0].messages)
                    ),
                }
            )
        self.assertEveryTrial(
            seen,
            responses,
            lambda f: f == {"server errors": [], "withdrawn": True, "withdraw events": 1, "consistent": True},
        )
