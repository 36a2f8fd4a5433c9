"""Two staff members decide on the same reply's publication at the same moment: one
decision applies, the other is told to reload; never a 500, never a second event."""

from __future__ import annotations

import unittest
from typing import Any

import time_machine
from django.db import connection
from django.urls import reverse

from proposals.models import ProposalEvent
from responses.models import Publication
from tests.base import TrackerTransactionTestCase, make_user
from tests.workflow.test_races import RELOAD, TODAY, TRIALS, Outcome, at, post_at_once, server_errors
from tracker.models import Role

PUBLISHED = "The reply is published on the public site."
WITHHELD = "The reply is withheld from publication."


@unittest.skipUnless(connection.vendor == "postgresql", "concurrent transactions need PostgreSQL")
class PublicationRaceTests(TrackerTransactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.staff2 = make_user("staff2", Role.CONGRESS_STAFF)

    def trial(self, second: tuple[str, dict[str, str]]) -> tuple[list[Outcome], Publication]:
        reply = self.make_sent(self.make_assigned(with_co=False))
        publication = reply.publication
        publish = reverse("responses:publication_publish", args=[publication.pk])
        other = reverse(f"responses:publication_{second[0]}", args=[publication.pk])
        outcomes = post_at_once(
            [
                (self.staff, publish, {"form": "full", "text": "一、关于坪西路改造……", "state": "proposed"}),
                (self.staff2, other, {**second[1], "state": "proposed"}),
            ]
        )
        publication.refresh_from_db()
        return outcomes, publication

    def decisions(self, publication: Publication) -> int:
        return ProposalEvent.objects.filter(
            proposal=publication.reply.assignment.proposal,
            kind__in=[ProposalEvent.Kind.PUBLISHED, ProposalEvent.Kind.WITHHELD],
        ).count()

    def check(self, second: tuple[str, dict[str, str]], success: str) -> None:
        seen: list[dict[str, Any]] = []
        with time_machine.travel(at(TODAY), tick=False):
            for _trial in range(TRIALS):
                outcomes, publication = self.trial(second)
                seen.append(
                    {
                        "server errors": server_errors(outcomes),
                        "told it applied": sum(o.says(PUBLISHED) or o.says(success) for o in outcomes),
                        "told to reload": sum(o.says(RELOAD) for o in outcomes),
                        "decision events": self.decisions(publication),
                        "decided": publication.status != Publication.Status.PROPOSED,
                    }
                )
        expected = {
            "server errors": [],
            "told it applied": 1,
            "told to reload": 1,
            "decision events": 1,
            "decided": True,
        }
        wrong = [(n, facts) for n, facts in enumerate(seen, start=1) if facts != expected]
        self.assertEqual(wrong, [])

    def test_two_staff_publishing_at_once_publish_once(self) -> None:
        self.check(("publish", {"form": "summary", "text": "摘要"}), PUBLISHED)

    def test_publishing_and_withholding_at_once_apply_one_decision(self) -> None:
        self.check(("withhold", {"reason": "涉及尚未公开的规划"}), WITHHELD)
