"""The rules of a suggestion's number and deputies, as the model states them:
Congress.clean_number, Proposal.check_number_free, Proposal.check_deputies and
Proposal.clean, which uses them."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from proposals.models import Congress, Deputy, Proposal, Session, normalise_number
from tests.base import TrackerTestCase


class CleanNumberTests(TrackerTestCase):
    def refusal(self, raw: str, congress: Congress | None = None) -> ValidationError:
        with self.assertRaises(ValidationError) as raised:
            (congress or self.congress).clean_number(raw)
        return raised.exception

    def test_it_turns_full_width_digits_into_ascii_digits(self) -> None:
        self.assertEqual(self.congress.clean_number("２０２４０４９３"), "20240493")

    def test_it_strips_surrounding_spaces_including_the_ideographic_space(self) -> None:
        self.assertEqual(self.congress.clean_number("\u3000 20240493\t"), "20240493")

    def test_it_turns_full_width_letters_into_ascii_letters(self) -> None:
        chongqing = Congress.objects.create(name="重庆市大渡口区人大", number_pattern=r"^[A-Z]{2}\d{4}$")
        self.assertEqual(chongqing.clean_number("ＤＨ０２７１"), "DH0271")

    def test_it_refuses_arabic_indic_digits_naming_the_first_one(self) -> None:
        error = self.refusal("٢٠٢٤٠٤٩٣")
        self.assertEqual(error.code, "bad_number")
        self.assertIn("“٢” (U+0662) is not an ASCII digit or letter", error.messages[0])

    def test_it_refuses_devanagari_digits_even_where_the_pattern_would_take_any_digit(self) -> None:
        serials = Congress.objects.create(name="坪山区人大", number_pattern=r"^\d+$")
        self.assertIn("“३” (U+0969)", self.refusal("31३", serials).messages[0])

    def test_it_refuses_a_non_ascii_letter_naming_it(self) -> None:
        chongqing = Congress.objects.create(name="重庆市大渡口区人大", number_pattern=r"^\w{2}\d{4}$")
        self.assertIn("“Д” (U+0414)", self.refusal("ДH0271", chongqing).messages[0])

    def test_it_refuses_an_invisible_character_naming_its_code(self) -> None:
        self.assertIn("U+200B", self.refusal("2024\u200b0493").messages[0])

    def test_it_refuses_a_number_outside_the_pattern_with_the_congress_hint(self) -> None:
        error = self.refusal("2024-493")
        self.assertEqual(error.code, "bad_number")
        self.assertIn(self.congress.number_hint, error.messages[0])


class NormaliseNumberTests(TrackerTestCase):
    def test_it_keeps_what_clean_number_would_refuse_for_a_lookup(self) -> None:
        """A lookup only normalises: a non-ASCII digit finds nothing instead of failing."""
        self.assertEqual(normalise_number(" ２０２４٠ "), "2024٠")


class CongressPatternTests(TrackerTestCase):
    def test_it_refuses_a_pattern_that_is_not_a_regular_expression(self) -> None:
        congress = Congress(name="坪山区人大", number_pattern=r"^(\d{4}$")
        with self.assertRaises(ValidationError) as raised:
            congress.full_clean()
        self.assertIn("number_pattern", raised.exception.message_dict)


class ProposalNumberTests(TrackerTestCase):
    def new(self, number: str, **fields: object) -> Proposal:
        values: dict[str, object] = {
            "congress": self.congress,
            "session": self.session,
            "number": number,
            "title": "关于发展新质生产力的建议",
            "lead_deputy": self.deputy,
            "received_on": date(2024, 6, 1),
        }
        values.update(fields)
        return Proposal(**values)

    def number_errors(self, proposal: Proposal) -> list[ValidationError]:
        with self.assertRaises(ValidationError) as raised:
            proposal.full_clean()
        return raised.exception.error_dict["number"]

    def test_it_stores_the_normal_form_of_the_number(self) -> None:
        proposal = self.new("２０２４０４９３")
        proposal.full_clean()
        self.assertEqual(proposal.number, "20240493")

    def test_it_refuses_the_full_width_form_of_a_logged_number(self) -> None:
        self.make_proposal(number="20240493")
        errors = self.number_errors(self.new("２０２４０４９３"))
        self.assertEqual([e.code for e in errors], ["duplicate_number"])

    def test_it_refuses_arabic_indic_digits(self) -> None:
        errors = self.number_errors(self.new("٢٠٢٤٠٤٩٣"))
        self.assertEqual([e.code for e in errors], ["bad_number"])

    def test_it_names_the_other_session_holding_the_number(self) -> None:
        earlier = Session.objects.create(
            congress=self.congress, name="第七届第四次会议", term=7, meeting=4, year=2023
        )
        self.make_proposal(number="20240493", session=earlier)
        errors = self.number_errors(self.new("20240493"))
        self.assertEqual(errors[0].message, "No. 20240493 already exists in 第七届第四次会议.")

    def test_it_allows_a_serial_again_in_another_session_where_numbers_restart(self) -> None:
        serials = Congress.objects.create(
            name="坪山区人大", number_pattern=r"^\d+$", numbers_unique_across_sessions=False
        )
        first = Session.objects.create(congress=serials, name="一次会议", term=1, meeting=1, year=2023)
        second = Session.objects.create(congress=serials, name="二次会议", term=1, meeting=2, year=2024)
        deputy = Deputy.objects.create(congress=serials, name="李新")
        self.make_proposal(congress=serials, session=first, number="31", lead_deputy=deputy, category=None)
        proposal = self.new("３１", congress=serials, session=second, lead_deputy=deputy)
        proposal.full_clean()
        self.assertEqual(proposal.number, "31")

    def test_it_does_not_count_the_suggestion_itself_as_a_duplicate(self) -> None:
        proposal = self.make_proposal(number="20240493")
        proposal.full_clean()

    def test_the_check_answers_from_numbers_taken_together(self) -> None:
        self.make_proposal(number="20240493")
        taken = Proposal.objects.numbered_alongside(self.session).numbers_taken(["20240493", "20240494"])
        Proposal.check_number_free("20240494", session=self.session, taken=taken)
        with self.assertRaises(ValidationError):
            Proposal.check_number_free("20240493", session=self.session, taken=taken)


class ProposalDeputiesTests(TrackerTestCase):
    def test_it_refuses_a_logged_suggestion_whose_lead_deputy_also_co_signs(self) -> None:
        proposal = self.make_proposal(co_signers=[self.deputy])
        with self.assertRaises(ValidationError) as raised:
            proposal.full_clean()
        self.assertEqual(
            raised.exception.message_dict["co_signers"],
            ["陈寿 is the lead deputy and cannot also be a co-signer."],
        )

    def test_it_checks_the_co_signers_passed_in_before_the_suggestion_is_logged(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            Proposal.check_deputies(self.congress, self.deputy, [self.other_deputy, self.deputy])
        self.assertEqual(list(raised.exception.message_dict), ["co_signers"])

    def test_it_refuses_a_lead_deputy_of_another_congress(self) -> None:
        other = Congress.objects.create(name="龙岗区人民代表大会", number_pattern=r"^\d+$")
        stranger = Deputy.objects.create(congress=other, name="李新")
        proposal = Proposal(
            congress=self.congress,
            session=self.session,
            number="20240493",
            title="关于发展新质生产力的建议",
            lead_deputy=stranger,
            received_on=date(2024, 6, 1),
        )
        with self.assertRaises(ValidationError) as raised:
            proposal.full_clean()
        self.assertEqual(
            raised.exception.message_dict["lead_deputy"], ["李新 is a deputy of another congress."]
        )

    def test_it_tells_unsaved_deputies_apart_by_identity(self) -> None:
        first, second = (
            Deputy(congress=self.congress, name="李新"),
            Deputy(congress=self.congress, name="张三"),
        )
        Proposal.check_deputies(self.congress, first, [second])
        with self.assertRaises(ValidationError):
            Proposal.check_deputies(self.congress, first, [first])
