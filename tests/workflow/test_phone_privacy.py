"""Phone numbers of deputies and contact persons, per persona (issue 13, personal data).

The rule, ``Proposal.may_see_phones``: congress staff and the units handling the suggestion
read them in full; its deputies, a unit whose assignment was withdrawn and everyone else
read them masked (138****8000); the public site, open data and the API without sign-in
always mask them. The fixture is PersonaFixture's, with phone numbers written where people
write them: the reply's contact line, the letter's text and the suggestion's text.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from unittest import mock

import docx
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import Proposal
from responses.models import Reply
from tests.workflow.test_personas import ALL, DETAIL, REPLIES, PersonaFixture

CONTACT_LANDLINE, CONTACT_LANDLINE_MASKED = "88180952", "88****52"
CONTACT_MOBILE, CONTACT_MOBILE_MASKED = "13923831115", "139****1115"
S1_DEPUTY_MOBILE, S1_DEPUTY_MOBILE_MASKED = "13800138000", "138****8000"
S3_LANDLINE, S3_LANDLINE_MASKED = "0755-84612345", "0755-84****45"
ACCOUNT_PHONE = "13700001111"  # 陈寿's own mobile, for SMS reminders

# Who reads S1's phones in full: staff, its lead and co-handling units (李明, ``dual``, as
# a clerk of the lead unit) and its deputies, to whom the letter is addressed. S3's: staff,
# the unit it moved to (not the one it left) and its co-signer 王芳.
FULL_S1 = {"staff", "clerk", "leader", "dual", "co_clerk", "deputy_user", "other_deputy_user"}
FULL_S3 = {"staff", "d_clerk", "other_deputy_user"}


class PhonePrivacyTests(PersonaFixture):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        Reply.objects.filter(pk=cls.r1.pk).update(
            contact_phone=f"{CONTACT_LANDLINE}、{CONTACT_MOBILE}",
            body=cls.r1.body + f"\n联系人：杨郁波，手机：{CONTACT_MOBILE}",
        )
        Proposal.objects.filter(pk=cls.s1.pk).update(
            body=f"建议加快坪西路改造。（陈寿代表手机{S1_DEPUTY_MOBILE}）"
        )
        Proposal.objects.filter(pk=cls.s3.pk).update(body=f"建议建设排水设施。联系电话：{S3_LANDLINE}")
        cls.deputy_user.phone = ACCOUNT_PHONE
        cls.deputy_user.save(update_fields=["phone"])

    def assert_phones(self, content: str, full: bool, *pairs: tuple[str, str]) -> None:
        for number, masked in pairs:
            if full:
                self.assertIn(number, content)
            else:
                self.assertNotIn(number, content)
                self.assertIn(masked, content)

    def assert_no_phones(self, content: str, *pairs: tuple[str, str]) -> None:
        """Published copies (publication's redaction step, issue 16) carry no phone at all,
        neither in full nor masked."""
        for number, masked in pairs:
            self.assertNotIn(number, content)
            self.assertNotIn(masked, content)

    def r1_readers(self) -> list[str]:
        return [persona for persona in ALL if "R1" in REPLIES[persona]]

    # -- pages ------------------------------------------------------------------

    def test_it_shows_the_reply_letters_phones_in_full_only_to_staff_and_the_handling_units(self) -> None:
        for persona in self.r1_readers():
            with self.subTest(persona=persona):
                content = self.get(persona, self.r1.get_absolute_url()).content.decode()
                self.assert_phones(
                    content,
                    persona in FULL_S1,
                    (CONTACT_LANDLINE, CONTACT_LANDLINE_MASKED),
                    (CONTACT_MOBILE, CONTACT_MOBILE_MASKED),
                )

    def test_it_shows_the_phone_in_a_suggestions_text_in_full_only_to_staff_and_its_units(self) -> None:
        cases = {
            "S1": (self.s1, FULL_S1, (S1_DEPUTY_MOBILE, S1_DEPUTY_MOBILE_MASKED)),
            # 水务局 (c_clerk) left S3: it keeps its part of the page, not the phones.
            "S3": (self.s3, FULL_S3, (S3_LANDLINE, S3_LANDLINE_MASKED)),
        }
        for name, (proposal, full, pair) in cases.items():
            for persona, page in DETAIL[name].items():
                if page == 404:
                    continue
                with self.subTest(suggestion=name, persona=persona):
                    content = self.get(persona, proposal.get_absolute_url()).content.decode()
                    self.assert_phones(content, persona in full, pair)

    def test_it_masks_the_phones_in_search_snippets_for_those_who_may_not_call(self) -> None:
        for persona in ("staff", "clerk", "co_clerk", "deputy_user", "other_deputy_user"):
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("search:search"), q="代表手机")
                (snippet,) = [hit.snippet for hit in response.context["hits"] if hit.obj == self.s1]
                self.assert_phones(
                    str(snippet), persona in FULL_S1, (S1_DEPUTY_MOBILE, S1_DEPUTY_MOBILE_MASKED)
                )

    def test_it_never_shows_a_deputys_own_account_phone(self) -> None:
        pages = [self.s1.get_absolute_url(), self.r1.get_absolute_url(), f"/api/v1/suggestions/{self.s1.pk}/"]
        for persona in ALL:
            for url in pages:
                with self.subTest(persona=persona, url=url):
                    self.assertNotIn(ACCOUNT_PHONE, self.get(persona, url).content.decode())

    # -- letters ------------------------------------------------------------------

    def test_it_masks_the_phones_in_the_word_letter_for_all_but_staff_and_the_units(self) -> None:
        for persona in self.r1_readers():
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("responses:reply_docx", args=[self.r1.pk]))
                text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
                self.assert_phones(
                    text,
                    persona in FULL_S1,
                    (CONTACT_LANDLINE, CONTACT_LANDLINE_MASKED),
                    (CONTACT_MOBILE, CONTACT_MOBILE_MASKED),
                )

    def test_it_asks_for_the_pdf_letter_with_phones_only_for_staff_and_the_units(self) -> None:
        asked: list[bool] = []

        def letter_pdf(reply: Reply, *, show_phones: bool) -> bytes:
            asked.append(show_phones)
            return b"%PDF-1.7"

        shown = {}
        with mock.patch("responses.letter_views.letter_pdf", letter_pdf):
            for persona in self.r1_readers():
                self.get(persona, reverse("responses:reply_pdf", args=[self.r1.pk]))
                shown[persona] = asked.pop()
            # The public site's PDF, whoever asks.
            for persona in ("staff", "clerk", "anonymous"):
                self.client.logout()
                if persona != "anonymous":
                    self.client.force_login(getattr(self, persona))
                self.client.get(reverse("public:reply_pdf", args=[self.r1.pk]))
                shown[f"{persona} (public)"] = asked.pop()
        expected = {persona: persona in FULL_S1 for persona in self.r1_readers()}
        expected.update({"staff (public)": False, "clerk (public)": False, "anonymous (public)": False})
        self.assertEqual(shown, expected)

    # -- the public site and open data ------------------------------------------------

    def test_the_public_reply_page_shows_no_phone_to_anyone(self) -> None:
        url = reverse("public:reply_detail", args=[self.r1.pk])
        for persona in ("staff", "clerk", "deputy_user"):
            with self.subTest(persona=persona):
                content = self.get(persona, url).content.decode()
                self.assertIn(self.s1.number, content)
                self.assert_no_phones(
                    content,
                    (CONTACT_LANDLINE, CONTACT_LANDLINE_MASKED),
                    (CONTACT_MOBILE, CONTACT_MOBILE_MASKED),
                )
        self.client.logout()
        content = self.client.get(url).content.decode()
        self.assertIn(self.s1.number, content)
        self.assert_no_phones(
            content,
            (CONTACT_LANDLINE, CONTACT_LANDLINE_MASKED),
            (CONTACT_MOBILE, CONTACT_MOBILE_MASKED),
        )

    def test_the_open_data_carries_no_phone(self) -> None:
        csv_body = b"".join(self.client.get(reverse("public:reply_csv")).streaming_content).decode(
            "utf-8-sig"
        )
        (row,) = [r for r in csv.DictReader(io.StringIO(csv_body)) if r["number"] == self.s1.number]
        json_body = b"".join(self.client.get(reverse("public:reply_json")).streaming_content).decode()
        (item,) = [r for r in json.loads(json_body) if r["number"] == self.s1.number]
        for name, body in (("csv", row["body"]), ("json", item["body"])):
            with self.subTest(name):
                self.assertTrue(body)
                self.assert_no_phones(body, (CONTACT_MOBILE, CONTACT_MOBILE_MASKED))

    # -- the API ------------------------------------------------------------------------

    def test_it_gives_the_replys_phones_in_full_in_the_api_only_to_staff_and_the_units(self) -> None:
        for persona in self.r1_readers():
            with self.subTest(persona=persona):
                data = self.api(persona, f"replies/{self.r1.pk}/")
                self.assert_phones(
                    json.dumps(data, ensure_ascii=False),
                    persona in FULL_S1,
                    (CONTACT_LANDLINE, CONTACT_LANDLINE_MASKED),
                    (CONTACT_MOBILE, CONTACT_MOBILE_MASKED),
                )

    def test_the_api_without_sign_in_gives_the_published_reply_without_phones(self) -> None:
        for path in (f"/api/v1/replies/{self.r1.pk}/", "/api/v1/replies/"):
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 200)
                self.assertIn(self.s1.number, response.content.decode())
                self.assert_no_phones(
                    response.content.decode(),
                    (CONTACT_LANDLINE, CONTACT_LANDLINE_MASKED),
                    (CONTACT_MOBILE, CONTACT_MOBILE_MASKED),
                )

    def test_it_gives_a_suggestions_text_with_phones_in_the_api_only_to_staff_and_its_units(self) -> None:
        for persona, page in DETAIL["S1"].items():
            if page == 404:
                continue
            with self.subTest(persona=persona):
                body = self.api(persona, f"suggestions/{self.s1.pk}/")["body"]
                self.assert_phones(body, persona in FULL_S1, (S1_DEPUTY_MOBILE, S1_DEPUTY_MOBILE_MASKED))

    def test_it_decides_the_api_lists_phones_without_a_query_per_reply(self) -> None:
        def queries(page_size: str) -> list[Any]:
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(
                    self.client.get("/api/v1/replies/", {"page_size": page_size}).status_code, 200
                )
            return captured.captured_queries

        self.client.force_login(self.clerk)  # the lead unit: R1 (phones in full) and R2A
        self.assertEqual(len(queries("1")), len(queries("100")))
        self.assertIn(CONTACT_MOBILE, self.client.get("/api/v1/replies/").content.decode())
