"""Publication of replies (responses.Publication): the unit proposes, staff decide,
personal data is removed, and the decision is due within the congress's period."""

from __future__ import annotations

from datetime import date

import time_machine

from proposals.models import DeadlineRule, ProposalEvent, Rule
from responses.models import Obligation, Publication, Reply, publication_rates
from tests.base import TrackerTestCase
from tests.responses.reminder_helpers import at, rows, scan
from tracker.deadlines import Unit
from tracker.workflow import Conflict, InvalidTransition

SENT_ON = date(2024, 11, 18)  # a Monday; 20 working days later is Monday 16 December


class PublicationTests(TrackerTestCase):
    def sent(self, **overrides: object) -> Reply:
        reply = self.make_draft(self.make_assigned(), **overrides)
        reply.submit(by=self.clerk)
        reply.approve(by=self.leader, sent_on=SENT_ON)
        return reply

    def test_it_opens_a_publication_when_the_reply_is_sent_due_in_20_working_days(self) -> None:
        publication = self.sent().publication
        self.assertEqual(
            (publication.status, publication.due_on, publication.proposed_form),
            (Publication.Status.PROPOSED, date(2024, 12, 16), Publication.Form.FULL),
        )

    def test_it_takes_the_period_from_the_congress(self) -> None:
        DeadlineRule.objects.create(
            congress=self.congress, obligation=Rule.PUBLICATION, count=5, unit=Unit.WORKING_DAYS
        )
        type(self).congress.__dict__.pop("_rules_cache", None)  # the rules as read by an earlier test
        self.assertEqual(self.sent().publication.due_on, date(2024, 11, 25))

    def test_it_takes_a_not_public_choice_on_the_draft_as_a_proposal_to_withhold(self) -> None:
        publication = self.sent(publicity="not_public", publicity_reason="道路规划尚未确定").publication
        self.assertEqual(
            (publication.proposed_form, publication.proposed_reason), ("withhold", "道路规划尚未确定")
        )

    def test_a_sent_reply_is_not_public_until_staff_publish_it(self) -> None:
        reply = self.sent()
        self.assertFalse(Reply.objects.published().filter(pk=reply.pk).exists())
        self.publish(reply)
        self.assertTrue(Reply.objects.published().filter(pk=reply.pk).exists())

    def test_it_publishes_the_text_staff_confirmed_and_records_what_was_removed(self) -> None:
        reply = self.sent(body="一、关于坪西路改造……\n（联系人：杨郁波，电话：88180952）")
        publication = reply.publication
        text = publication.redaction().text
        publication.publish("full", text, by=self.staff)
        publication.refresh_from_db()
        self.assertEqual(
            publication.text, "一、关于坪西路改造……\n（联系人：〔姓名已删除〕，电话：〔电话已删除〕）"
        )
        self.assertEqual([r["text"] for r in publication.removed], ["杨郁波", "88180952"])
        event = ProposalEvent.objects.get(kind=ProposalEvent.Kind.PUBLISHED)
        self.assertEqual((event.actor, event.data["removed"], event.data["edited"]), (self.staff, 2, False))

    def test_it_records_that_staff_corrected_the_redacted_text(self) -> None:
        publication = self.sent().publication
        publication.publish("full", "一、关于坪西路改造……（已更正）", by=self.staff)
        self.assertTrue(ProposalEvent.objects.get(kind=ProposalEvent.Kind.PUBLISHED).data["edited"])

    def test_the_unit_proposes_a_summary_with_its_text(self) -> None:
        publication = self.sent().publication
        publication.propose("summary", by=self.clerk, summary="坪西路改造可研报告正在编制。")
        publication.refresh_from_db()
        self.assertEqual(
            (publication.proposed_form, publication.proposed_summary),
            ("summary", "坪西路改造可研报告正在编制。"),
        )
        self.assertEqual(publication.redaction().text, "坪西路改造可研报告正在编制。")

    def test_a_summary_needs_its_text_and_withholding_a_reason(self) -> None:
        publication = self.sent().publication
        with self.assertRaises(InvalidTransition):
            publication.propose("summary", by=self.clerk, summary=" ")
        with self.assertRaises(InvalidTransition):
            publication.withhold(by=self.staff, reason="")

    def test_staff_withhold_with_a_reason_recorded_and_may_take_a_published_reply_down(self) -> None:
        reply = self.publish(self.sent())
        reply.publication.withhold(by=self.staff, reason="涉及尚未公开的规划")
        self.assertEqual(self.refreshed(reply.publication).withheld_reason, "涉及尚未公开的规划")
        self.assertFalse(Reply.objects.published().exists())
        event = ProposalEvent.objects.get(kind=ProposalEvent.Kind.WITHHELD)
        self.assertEqual(
            (event.from_status, event.to_status, event.reason),
            ("published", "withheld", "涉及尚未公开的规划"),
        )

    def test_only_the_replying_unit_proposes_and_only_staff_decide(self) -> None:
        publication = self.sent().publication
        self.assertEqual(publication.actions(self.clerk), {"propose"})
        self.assertEqual(publication.actions(self.staff), {"publish", "withhold"})
        self.assertEqual(publication.actions(self.co_clerk), set())
        self.assertEqual(publication.actions(self.deputy_user), set())
        with self.assertRaises(InvalidTransition):
            publication.publish("full", "正文", by=self.leader)

    def test_a_stale_copy_cannot_decide_twice(self) -> None:
        reply = self.sent()
        stale = Publication.objects.get(pk=reply.publication.pk)
        reply.publication.withhold(by=self.staff, reason="涉密")
        with self.assertRaises(Conflict):
            stale.publish("full", "正文", by=self.staff)
        self.assertEqual(ProposalEvent.objects.filter(kind__in=["published", "withheld"]).count(), 1)

    def test_it_computes_the_publication_rate_against_replies_to_be_published(self) -> None:
        published = self.publish(self.sent())
        self.sent().publication.withhold(by=self.staff, reason="涉密")
        self.sent()  # awaiting, overdue by 2025
        rates = publication_rates(Publication.objects.all(), today=date(2025, 1, 6))
        overall = rates["overall"]
        self.assertEqual(
            (overall["sent"], overall["published"], overall["withheld"], overall["overdue"]), (3, 1, 1, 1)
        )
        self.assertEqual(overall["rate"], 50.0)
        self.assertEqual([u["department"] for u in rates["units"]], [published.assignment.department.name])


class PublicationReminderTests(TrackerTestCase):
    """The decision is chased through the reminder ledger, like any other duty."""

    def sent(self) -> Reply:
        with time_machine.travel(at(SENT_ON), tick=False):
            reply = self.make_draft(self.make_assigned())
            reply.submit(by=self.clerk)
            reply.approve(by=self.leader, sent_on=SENT_ON)
        return reply

    def test_it_opens_a_publication_obligation_due_on_the_publication_date(self) -> None:
        reply = self.sent()
        obligation = Obligation.objects.get(reply=reply, kind=Obligation.Kind.PUBLICATION)
        self.assertEqual((obligation.due_on, obligation.is_open), (date(2024, 12, 16), True))

    def test_it_reminds_staff_on_the_due_day_once(self) -> None:
        self.sent()
        scan(self, date(2024, 12, 16))
        scan(self, date(2024, 12, 16))
        staff_rows = {r for r in rows(obligation__kind="publication") if r[1] == 0}
        self.assertEqual({(r[0], r[2]) for r in staff_rows}, {("publication", "staff")})
        self.assertEqual(len([r for r in staff_rows if r[3] == "inbox"]), 1)

    def test_it_closes_the_obligation_once_staff_decide(self) -> None:
        reply = self.publish(self.sent())
        self.assertFalse(Obligation.objects.get(reply=reply, kind=Obligation.Kind.PUBLICATION).is_open)
        scan(self, date(2024, 12, 17))
        self.assertEqual(rows(obligation__kind="publication"), set())
