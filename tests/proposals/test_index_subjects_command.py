from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from proposals.models import Proposal, SubjectTerm
from tests.base import TrackerTestCase


class IndexSubjectsCommandTests(TrackerTestCase):
    def test_it_indexes_suggestions_loaded_by_other_means(self) -> None:
        proposal = self.make_proposal()
        call_command("index_subjects", stdout=StringIO())
        self.assertIn("坪西", set(proposal.subject_terms.values_list("term", flat=True)))

    def test_it_replaces_terms_of_an_edited_title(self) -> None:
        proposal = self.make_proposal()
        proposal.index_subject()
        Proposal.objects.filter(pk=proposal.pk).update(title="关于盐龙大道市政化改造的建议", body="")
        call_command("index_subjects", stdout=StringIO())
        terms = set(proposal.subject_terms.values_list("term", flat=True))
        self.assertIn("盐龙", terms)
        self.assertNotIn("坪西", terms)

    def test_it_says_how_many_suggestions_it_indexed(self) -> None:
        self.make_proposal()
        self.make_proposal()
        out = StringIO()
        call_command("index_subjects", stdout=out)
        self.assertIn(f"2 suggestions indexed; {SubjectTerm.objects.count()} subject terms.", out.getvalue())
