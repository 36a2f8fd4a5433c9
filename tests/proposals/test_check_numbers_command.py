"""manage.py check_numbers: the suggestions logged before numbers were normalised."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command

from tests.base import TrackerTestCase


class CheckNumbersCommandTests(TrackerTestCase):
    def run_command(self) -> str:
        out = StringIO()
        call_command("check_numbers", stdout=out)
        return out.getvalue()

    def failure(self) -> tuple[str, str]:
        out = StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command("check_numbers", stdout=out)
        return out.getvalue(), str(raised.exception)

    def test_it_passes_numbers_in_normal_form(self) -> None:
        self.make_proposal(number="20240493")
        self.assertIn("Every suggestion number is in normal form.", self.run_command())

    def test_it_lists_a_full_width_number_whose_normal_form_is_free(self) -> None:
        proposal = self.make_proposal(number="２０２４０４９３")
        out, error = self.failure()
        self.assertIn(f"#{proposal.pk} '２０２４０４９３'", out)
        self.assertIn("normal form '20240493', free", out)
        self.assertEqual(error, "1 suggestion numbers need correcting.")

    def test_it_says_when_the_normal_form_is_taken(self) -> None:
        self.make_proposal(number="20240493")
        self.make_proposal(number="２０２４０４９３")
        out, _error = self.failure()
        self.assertIn("taken: No. 20240493 already exists in this session.", out)

    def test_it_lists_arabic_indic_digits(self) -> None:
        self.make_proposal(number="٢٠٢٤٠٤٩٣")
        out, _error = self.failure()
        self.assertIn("(U+0662) is not an ASCII digit or letter", out)

    def test_it_leaves_an_ascii_number_that_an_edited_pattern_no_longer_matches(self) -> None:
        self.make_proposal(number="31")
        self.assertIn("Every suggestion number is in normal form.", self.run_command())
