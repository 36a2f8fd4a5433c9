"""Masking phone numbers (tracker.privacy) and its template filters."""

from __future__ import annotations

from django.template import Context, Template
from django.test import SimpleTestCase

from tracker.privacy import mask_phone, mask_phones


class MaskPhoneTests(SimpleTestCase):
    """A phone field: every number in it."""

    def test_it_keeps_a_mobiles_first_three_and_last_four_digits(self) -> None:
        self.assertEqual(mask_phone("13923831115"), "139****1115")

    def test_it_keeps_a_landlines_first_and_last_two_digits(self) -> None:
        self.assertEqual(mask_phone("88180952"), "88****52")

    def test_it_keeps_the_area_code(self) -> None:
        self.assertEqual(mask_phone("0755-88180952"), "0755-88****52")

    def test_it_masks_each_number_of_a_list(self) -> None:
        # The seed letter's contact line gives a landline and a mobile.
        self.assertEqual(mask_phone("88180952、13923831115"), "88****52、139****1115")

    def test_it_keeps_the_spaces_and_dashes_typed_in_a_number(self) -> None:
        self.assertEqual(mask_phone("139-2383-1115"), "139-****-1115")

    def test_it_leaves_a_short_extension_and_an_empty_field(self) -> None:
        self.assertEqual((mask_phone("转 8012"), mask_phone("")), ("转 8012", ""))


class MaskPhonesInTextTests(SimpleTestCase):
    """Free text: phone numbers only, not every number."""

    def test_it_masks_the_numbers_of_a_letters_contact_line(self) -> None:
        line = "（联系人：龙岗区发展和改革局杨郁波，电话：88180952、手机：13923831115）"
        self.assertEqual(
            mask_phones(line), "（联系人：龙岗区发展和改革局杨郁波，电话：88****52、手机：139****1115）"
        )

    def test_it_masks_every_number_listed_after_a_label(self) -> None:
        self.assertEqual(mask_phones("联系电话:83945123或83945124"), "联系电话:83****23或83****24")

    def test_it_masks_a_mobile_and_a_landline_with_area_code_anywhere(self) -> None:
        self.assertEqual(
            mask_phones("请拨打0755-84612345或13800138000咨询"), "请拨打0755-84****45或138****8000咨询"
        )

    def test_it_leaves_suggestion_numbers_amounts_and_dates(self) -> None:
        text = "第20240493号建议：投资12000000元，2024年11月18日开工"
        self.assertEqual(mask_phones(text), text)


class FilterTests(SimpleTestCase):
    def render(self, source: str, **context: object) -> str:
        return Template("{% load privacy %}" + source).render(Context(context))

    def test_it_shows_the_number_in_full_only_when_told_to(self) -> None:
        source = "{{ value|phone:show }}"
        self.assertEqual(self.render(source, value="88180952", show=True), "88180952")
        self.assertEqual(self.render(source, value="88180952", show=False), "88****52")

    def test_it_masks_phone_numbers_in_text_unless_told_to_show_them(self) -> None:
        source = "{{ text|phones:show }}"
        self.assertEqual(self.render(source, text="手机13800138000", show=False), "手机138****8000")
        self.assertEqual(self.render(source, text="手机13800138000", show=True), "手机13800138000")
