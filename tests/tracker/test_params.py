"""tracker.params: the one place that reads what people type into addresses and forms."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.test import RequestFactory, SimpleTestCase

from tracker.params import AsciiIntegerField, InvalidParameter, cleaned_query, query_int, query_text


class QueryParameterTests(SimpleTestCase):
    def request(self, query: str):  # type: ignore[no-untyped-def]
        return RequestFactory().get(f"/?{query}")

    def test_it_reads_a_year_in_ascii_digits(self) -> None:
        self.assertEqual(query_int(self.request("year=2024"), "year", maximum=2999), 2024)

    def test_it_refuses_a_superscript_and_names_the_parameter(self) -> None:
        with self.assertRaisesMessage(InvalidParameter, "“year” must be a whole number"):
            query_int(self.request("year=%C2%B2"), "year")

    def test_it_refuses_arabic_indic_digits(self) -> None:
        with self.assertRaises(InvalidParameter):
            query_int(self.request("year=%D9%A2%D9%A0%D9%A2%D9%A4"), "year")

    def test_it_refuses_a_number_out_of_range(self) -> None:
        with self.assertRaisesMessage(InvalidParameter, "between 1949 and 2999"):
            query_int(self.request("year=3000"), "year", minimum=1949, maximum=2999)

    def test_it_strips_nul_bytes_and_bounds_text(self) -> None:
        self.assertEqual(query_text(self.request("q=a%00b" + "c" * 500), "q"), "ab" + "c" * 198)

    def test_it_cleans_every_value_of_a_query_dict(self) -> None:
        cleaned = cleaned_query(QueryDict("q=a%00&q=" + "x" * 300))
        self.assertEqual(cleaned.getlist("q"), ["a", "x" * 200])  # type: ignore[union-attr]


class AsciiIntegerFieldTests(SimpleTestCase):
    def test_it_gives_a_field_message_for_non_ascii_digits(self) -> None:
        field = AsciiIntegerField(required=False)
        for value in ("²", "٣", "２０２４", "1.5", "9" * 19):
            with self.subTest(value=value), self.assertRaisesMessage(ValidationError, "digits 0–9"):
                field.clean(value)

    def test_it_reads_ascii_digits(self) -> None:
        self.assertEqual(AsciiIntegerField().clean(" 42 "), 42)
