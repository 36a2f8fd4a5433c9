"""public:reply_csv and public:reply_json — open data downloads of the published replies."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.test import override_settings
from django.urls import reverse

from responses.models import Reply
from tests.base import TrackerTestCase

CSV_URL = reverse("public:reply_csv")
JSON_URL = reverse("public:reply_json")
FIELDS = ["number", "title", "session", "congress", "department", "role", "grade", "sent_on", "url", "body"]


def content(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


@override_settings(ALLOWED_HOSTS=["testserver"])
class OpenDataTests(TrackerTestCase):
    b_reply: Reply
    a_reply: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.b_reply = cls.make_published(cls.make_assigned(title="关于发展新质生产力的建议"), grade="B")
        cls.a_reply = cls.make_published(
            cls.make_assigned(title='=HYPERLINK("http://x")关于坪山河碧道的建议')
        )

    def csv_rows(self, query: str = "") -> list[list[str]]:
        text = content(self.client.get(CSV_URL + query))
        self.assertTrue(text.startswith("\ufeff"))
        return list(csv.reader(io.StringIO(text[1:])))

    def json_rows(self, query: str = "") -> list[dict[str, str]]:
        response = self.client.get(JSON_URL + query)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        return json.loads(content(response))

    def test_the_csv_starts_with_a_bom_and_the_documented_header(self) -> None:
        response = self.client.get(CSV_URL)
        self.assertTrue(response.streaming)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment;", response["Content-Disposition"])
        self.assertEqual(self.csv_rows()[0], FIELDS)

    def test_the_csv_holds_one_row_per_published_reply(self) -> None:
        rows = self.csv_rows()
        self.assertEqual(len(rows), 3)
        numbers = {row[0] for row in rows[1:]}
        self.assertEqual(numbers, {self.a_reply.proposal.number, self.b_reply.proposal.number})

    def test_the_json_has_the_documented_fields_and_values(self) -> None:
        rows = {row["number"]: row for row in self.json_rows()}
        row = rows[self.b_reply.proposal.number]
        self.assertEqual(list(row), FIELDS)
        self.assertEqual(
            (row["title"], row["session"], row["congress"], row["department"], row["role"], row["grade"]),
            (
                "关于发展新质生产力的建议",
                self.session.name,
                self.congress.name,
                self.lead_dept.name,
                "lead",
                "B",
            ),
        )
        self.assertEqual(row["sent_on"], self.b_reply.sent_on.isoformat())
        self.assertEqual(row["url"], f"http://testserver/public/replies/{self.b_reply.pk}/")
        self.assertEqual(row["body"], self.b_reply.body)

    def test_the_csv_keeps_a_formula_from_running_in_a_spreadsheet(self) -> None:
        titles = {row[0]: row[1] for row in self.csv_rows()[1:]}
        self.assertTrue(titles[self.a_reply.proposal.number].startswith("'=HYPERLINK"))

    def test_the_json_keeps_the_title_as_written(self) -> None:
        titles = {row["number"]: row["title"] for row in self.json_rows()}
        self.assertTrue(titles[self.a_reply.proposal.number].startswith("=HYPERLINK"))

    def test_the_list_filters_apply(self) -> None:
        self.assertEqual([r["number"] for r in self.json_rows("?grade=B")], [self.b_reply.proposal.number])
        self.assertEqual([r[0] for r in self.csv_rows("?grade=A")[1:]], [self.a_reply.proposal.number])
        self.assertEqual(self.json_rows(f"?department={self.co_dept.pk}"), [])

    def test_the_search_applies(self) -> None:
        self.assertEqual(
            [r["number"] for r in self.json_rows("?q=新质生产力")], [self.b_reply.proposal.number]
        )

    def test_an_empty_selection_is_an_empty_array(self) -> None:
        self.assertEqual(content(self.client.get(JSON_URL + "?year=1999")), "[\n]\n")

    def test_it_runs_the_same_queries_for_more_rows(self) -> None:
        with self.assertNumQueries(2):
            content(self.client.get(JSON_URL))
        for _ in range(3):
            self.make_published(self.make_assigned())
        with self.assertNumQueries(2):
            self.assertEqual(content(self.client.get(JSON_URL)).count('"number"'), 5)

    def test_the_list_page_links_the_downloads_with_its_filters(self) -> None:
        response = self.client.get(reverse("public:reply_list") + "?grade=B")
        self.assertContains(response, f'href="{CSV_URL}?grade=B"')
        self.assertContains(response, f'href="{JSON_URL}?grade=B"')
