"""The PostgreSQL search index: kept by triggers, rebuilt by ``manage.py index_search``."""

from __future__ import annotations

from io import StringIO
from unittest import skipIf, skipUnless

from django.core.management import call_command
from django.db import connection

from proposals.models import Proposal
from proposals.search import search_proposals
from tests.base import TrackerTestCase

ON_POSTGRES = connection.vendor == "postgresql"


class SearchIndexTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proposal = cls.make_proposal(number="20240317", title="关于推进龙岗河碧道贯通的建议")

    def search(self, q: str) -> list[str]:
        return [p.number for p in search_proposals(Proposal.objects.all(), q)]

    @skipUnless(ON_POSTGRES, "the index exists on PostgreSQL only")
    def test_it_searches_through_the_index_on_postgresql(self) -> None:
        sql = str(search_proposals(Proposal.objects.all(), "龙岗河").query)
        self.assertIn("proposals_proposalsearch", sql)
        self.assertIn("@@ to_tsquery", sql)

    @skipUnless(ON_POSTGRES, "the index exists on PostgreSQL only")
    def test_it_rebuilds_a_lost_index(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM proposals_proposalsearch")
        self.assertEqual(self.search("龙岗河"), [])
        out = StringIO()
        call_command("index_search", stdout=out)
        self.assertEqual(self.search("龙岗河"), ["20240317"])
        self.assertIn("1 suggestions and 0 replies indexed", out.getvalue())

    @skipUnless(ON_POSTGRES, "the index exists on PostgreSQL only")
    def test_it_forgets_a_deleted_suggestion(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM proposals_proposal WHERE id = %s", [self.proposal.pk])
            cursor.execute("SELECT count(*) FROM proposals_proposalsearch")
            self.assertEqual(cursor.fetchone()[0], 0)

    @skipIf(ON_POSTGRES, "SQLite has no index")
    def test_it_says_there_is_no_index_on_sqlite(self) -> None:
        out = StringIO()
        call_command("index_search", stdout=out)
        self.assertIn("No search index", out.getvalue())
        self.assertEqual(self.search("龙岗河"), ["20240317"])
