from __future__ import annotations

from django.test import SimpleTestCase

from proposals.similarity import (
    BODY_WEIGHT,
    MAX_BODY_TERMS,
    TITLE_WEIGHT,
    place_names,
    subject_terms,
    text_terms,
)


class TextTermsTests(SimpleTestCase):
    def test_it_cuts_chinese_text_into_overlapping_character_pairs(self) -> None:
        self.assertEqual(text_terms("坪西路改造"), ["坪西", "西路", "路改", "改造"])

    def test_it_drops_the_boilerplate_of_a_suggestion_title(self) -> None:
        self.assertEqual(text_terms("关于加快推进坪西路改造的建议"), ["坪西", "西路", "路改", "改造"])

    def test_it_does_not_join_the_words_around_boilerplate(self) -> None:
        self.assertNotIn("快坪", text_terms("加快坪西路改造"))

    def test_it_folds_full_width_characters(self) -> None:
        self.assertEqual(text_terms("（坪地段）ＶＯＣｓ"), text_terms("(坪地段)VOCs"))

    def test_it_keeps_a_line_number_and_drops_bare_numbers(self) -> None:
        terms = text_terms("地铁19号线2024年投入400万元")
        self.assertIn("19号", terms)
        self.assertNotIn("2024", terms)
        self.assertNotIn("400", terms)

    def test_it_keeps_latin_words(self) -> None:
        self.assertIn("vocs", text_terms("推动VOCs协同减排"))


class PlaceNamesTests(SimpleTestCase):
    def test_it_finds_the_name_before_a_road_park_or_avenue(self) -> None:
        self.assertEqual(place_names("坪西路、盐龙大道和龙筋顶公园"), {"坪西", "盐龙", "筋顶"})

    def test_it_finds_no_name_in_a_suffix_alone(self) -> None:
        self.assertEqual(place_names("道路建设"), set())


class SubjectTermsTests(SimpleTestCase):
    def test_it_weighs_title_terms_above_body_terms(self) -> None:
        terms = subject_terms("关于坪西路改造的建议", "盐龙大道")
        self.assertEqual((terms["坪西"], terms["盐龙"]), (TITLE_WEIGHT, BODY_WEIGHT))

    def test_it_keeps_the_most_frequent_body_terms(self) -> None:
        body = "坪西路坪西路坪西路。" + "".join(chr(0x4E00 + i) for i in range(200))
        terms = subject_terms("关于交通的建议", body)
        self.assertIn("坪西", terms)
        self.assertEqual(len(terms), len(text_terms("交通")) + MAX_BODY_TERMS)
