"""Proposal.edit: staff correct the title, text or category before the reply."""

from __future__ import annotations

from proposals.models import Category, Congress, Proposal, ProposalEvent
from proposals.search import search_proposals
from proposals.timeline import describe
from tests.base import TrackerTestCase
from tracker.workflow import InvalidTransition


class EditTests(TrackerTestCase):
    def edit(self, proposal: Proposal, **changes: object) -> None:
        values: dict[str, object] = {
            "title": proposal.title,
            "body": proposal.body,
            "category": proposal.category,
            "reason": "代表来函更正标题",
        }
        values.update(changes)
        proposal.edit(by=self.staff, **values)  # type: ignore[arg-type]

    def test_it_writes_only_the_changed_field(self) -> None:
        proposal = self.make_assigned(title="关于推动坪西路改造的建议")
        self.edit(proposal, title="关于加快坪西路市政改造的建议")
        proposal.refresh_from_db()
        self.assertEqual(proposal.title, "关于加快坪西路市政改造的建议")
        self.assertEqual(proposal.body, "建议加快坪西路市政改造。")

    def test_it_records_the_changed_fields_and_their_old_values(self) -> None:
        proposal = self.make_proposal(title="关于推动坪西路改造的建议")
        self.edit(proposal, title="关于加快坪西路市政改造的建议")
        event = proposal.events.get(kind=ProposalEvent.Kind.EDITED)
        self.assertEqual(
            (event.actor, event.reason, event.data),
            (
                self.staff,
                "代表来函更正标题",
                {"fields": ["title"], "before": {"title": "关于推动坪西路改造的建议"}},
            ),
        )

    def test_it_keeps_the_old_category_by_id_and_name(self) -> None:
        proposal = self.make_proposal()
        social = Category.objects.create(congress=self.congress, name="社会建设")
        self.edit(proposal, category=social)
        event = proposal.events.get(kind=ProposalEvent.Kind.EDITED)
        self.assertEqual(event.data["before"], {"category": {"id": self.category.pk, "name": "城建环资"}})
        self.assertEqual(self.refreshed(proposal).category, social)

    def test_it_shows_the_correction_on_the_timeline(self) -> None:
        proposal = self.make_proposal(title="关于推动坪西路改造的建议")
        self.edit(proposal, title="关于加快坪西路市政改造的建议", body="新的正文")
        detail = describe(proposal.events.get(kind=ProposalEvent.Kind.EDITED)).detail
        self.assertEqual(detail, "corrected: title, full text; the title was “关于推动坪西路改造的建议”")

    def test_it_indexes_the_new_subject_for_related_suggestions(self) -> None:
        proposal = self.make_proposal(title="关于推动坪西路改造的建议", body="")
        self.edit(proposal, title="关于增设龙岗河碧道的建议")
        terms = set(proposal.subject_terms.values_list("term", flat=True))
        self.assertIn("碧道", terms)
        self.assertNotIn("坪西路", terms)

    def test_it_finds_the_corrected_title_in_search(self) -> None:
        proposal = self.make_proposal(title="关于推动坪西路改造的建议", body="")
        self.edit(proposal, title="关于增设公共停车场的建议")
        found = list(search_proposals(Proposal.objects.all(), "停车场"))
        self.assertEqual((found, list(search_proposals(Proposal.objects.all(), "坪西路"))), ([proposal], []))

    def test_it_treats_crlf_line_ends_as_the_same_text(self) -> None:
        proposal = self.make_proposal(body="第一段。\n第二段。")
        with self.assertRaisesMessage(InvalidTransition, "Nothing to correct"):
            self.edit(proposal, body="第一段。\r\n第二段。\r\n")
        self.assertFalse(proposal.events.exists())

    def test_it_requires_a_reason(self) -> None:
        proposal = self.make_proposal()
        with self.assertRaises(InvalidTransition):
            self.edit(proposal, title="关于加快坪西路市政改造的建议", reason=" ")
        self.assertEqual(self.refreshed(proposal).title, "关于推动坪西路改造的建议")

    def test_it_refuses_a_category_of_another_congress(self) -> None:
        other = Congress.objects.create(name="龙岗区人民代表大会")
        foreign = Category.objects.create(congress=other, name="社会建设")
        proposal = self.make_proposal()
        with self.assertRaisesMessage(InvalidTransition, "another congress"):
            self.edit(proposal, category=foreign)

    def test_it_refuses_a_replied_suggestion(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal)
        with self.assertRaisesMessage(InvalidTransition, "only before it is replied to"):
            self.edit(self.refreshed(proposal), title="关于加快坪西路市政改造的建议")
        self.assertFalse(proposal.events.filter(kind=ProposalEvent.Kind.EDITED).exists())

    def test_it_refuses_a_suggestion_replied_since_the_page_was_loaded(self) -> None:
        proposal = self.make_assigned(with_co=False)
        stale = Proposal.objects.get(pk=proposal.pk)
        self.make_sent(proposal)
        with self.assertRaisesMessage(InvalidTransition, "only before it is replied to"):
            self.edit(stale, title="关于加快坪西路市政改造的建议")
        self.assertEqual(self.refreshed(proposal).title, "关于推动坪西路改造的建议")

    def test_it_refuses_a_department_clerk(self) -> None:
        proposal = self.make_assigned()
        with self.assertRaises(InvalidTransition):
            proposal.edit(by=self.clerk, title="新标题", body="", category=None, reason="更正")
        self.assertFalse(proposal.events.filter(kind=ProposalEvent.Kind.EDITED).exists())
