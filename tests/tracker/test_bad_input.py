"""The 500s reported in issue 13, each answered with a 400 or a page instead."""

from __future__ import annotations

from django.urls import reverse

from tests.base import TrackerTestCase


class KnownBadInputTests(TrackerTestCase):
    def test_it_answers_a_superscript_number_on_the_public_lookup(self) -> None:
        response = self.client.get(reverse("public:progress_lookup"), {"number": "²"})
        self.assertIn(response.status_code, {302, 404})

    def test_it_refuses_a_nul_in_a_public_address(self) -> None:
        response = self.client.get("/public/2024%00/")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "NUL", status_code=400)

    def test_it_refuses_a_nul_in_the_search(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("search:search"), {"q": "\x00"})
        self.assertEqual(response.status_code, 400)

    def test_it_refuses_a_nul_in_the_letter_archive(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("responses:archived_letters"), {"q": "a\x00b"})
        self.assertEqual(response.status_code, 400)

    def test_it_names_the_year_when_the_review_gets_a_superscript(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("responses:commitment_review"), {"year": "²"})
        self.assertContains(response, "“year” must be a whole number", status_code=400)

    def test_it_refuses_arabic_indic_digits_for_the_list_year(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("proposals:list"), {"year": "٢٠٢٤"})
        self.assertContains(response, "Enter a whole number using the digits 0–9.")
