"""The redaction step before publishing (tracker.privacy.redact), on the real seed letter."""

from __future__ import annotations

from pathlib import Path

from django.test import SimpleTestCase

from tracker.privacy import Kind, find_personal_data, highlighted, is_id_number, redact

SEED = Path(__file__).resolve().parents[2] / "proposals" / "seeds" / "reply-letter-20240493.txt"
SHARED_SEED = Path("/work/shared/seeds/reply-letter-20240493.txt")


def seed_letter() -> str:
    for path in (SEED, SHARED_SEED):
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(SEED)


class SeedLetterTests(SimpleTestCase):
    """The real reply to No. 20240493: the contact line goes, the letter stays."""

    def setUp(self) -> None:
        self.letter = seed_letter()
        self.redaction = redact(self.letter, names=["杨郁波"], keep=["陈寿"])

    def test_it_removes_the_contact_persons_name_and_both_phones(self) -> None:
        for removed in ("杨郁波", "88180952", "13923831115"):
            self.assertNotIn(removed, self.redaction.text)
        self.assertIn(
            "（联系人：龙岗区发展和改革局〔姓名已删除〕，电话：〔电话已删除〕、手机：〔电话已删除〕）",
            self.redaction.text,
        )

    def test_it_keeps_the_deputy_the_number_the_amounts_and_the_dates(self) -> None:
        for kept in (
            "尊敬的陈寿等代表",
            "第20240493号",
            "最高予以400万元",
            "2024年11月18日",
            "2015年3月",
            "坪西路",
        ):
            self.assertIn(kept, self.redaction.text)

    def test_it_finds_exactly_the_three_items(self) -> None:
        self.assertEqual(
            [(f.kind, f.text) for f in self.redaction.findings],
            [(Kind.NAME, "杨郁波"), (Kind.PHONE, "88180952"), (Kind.PHONE, "13923831115")],
        )

    def test_it_finds_the_contact_person_by_the_label_even_without_the_name_given(self) -> None:
        found = find_personal_data(self.letter, keep=["陈寿"])
        self.assertIn((Kind.NAME, "杨郁波"), [(f.kind, f.text) for f in found])

    def test_it_marks_the_removed_pieces_for_the_side_by_side_view(self) -> None:
        pieces = highlighted(self.redaction)
        self.assertEqual("".join(text for text, _f in pieces), self.letter)
        self.assertEqual([text for text, finding in pieces if finding], ["杨郁波", "88180952", "13923831115"])


class PersonalDataTests(SimpleTestCase):
    """Other personal data a letter may quote (a resident's complaint, a site visit)."""

    TEXT = (
        "经核查，反映人张三（身份证号：11010519491231002X，住址：深圳市龙岗区龙城街道清林路88号3栋1201室，"
        "邮箱 zhangsan@example.com）所述情况属实。另见合同编号110105194912310021。"
    )

    def test_it_removes_an_id_number_with_a_valid_check_character(self) -> None:
        text = redact(self.TEXT).text
        self.assertNotIn("11010519491231002X", text)
        self.assertIn("〔身份证号已删除〕", text)

    def test_it_leaves_an_18_digit_number_whose_check_character_is_wrong(self) -> None:
        self.assertIn("110105194912310021", redact(self.TEXT).text)
        self.assertFalse(is_id_number("110105194912310021"))
        self.assertTrue(is_id_number("11010519491231002x"))

    def test_it_removes_a_labelled_address_and_an_email(self) -> None:
        text = redact(self.TEXT).text
        self.assertNotIn("清林路88号", text)
        self.assertNotIn("zhangsan@example.com", text)
        self.assertIn("住址：〔地址已删除〕", text)

    def test_it_removes_a_street_address_with_a_house_number_but_not_a_road(self) -> None:
        text = redact("居民反映：龙岗大道123号门前积水，龙岗大道改造将于年内完成。").text
        self.assertEqual(text, "居民反映：〔地址已删除〕门前积水，龙岗大道改造将于年内完成。")

    def test_it_removes_the_names_given_but_never_a_deputy(self) -> None:
        text = redact("陈寿代表与李四同志座谈，联系人：陈寿", names=["李四", "陈寿"], keep=["陈寿"]).text
        self.assertEqual(text, "陈寿代表与〔姓名已删除〕同志座谈，联系人：陈寿")

    def test_it_keeps_the_unit_of_a_contact_named_with_it(self) -> None:
        text = redact("请联系龙岗区发展和改革局杨郁波。", names=["龙岗区发展和改革局杨郁波"]).text
        self.assertEqual(text, "请联系龙岗区发展和改革局〔姓名已删除〕。")

    def test_it_leaves_text_without_personal_data_as_it_is(self) -> None:
        text = "截至目前，我市累计创建国家级绿色工厂108家。"
        self.assertEqual(redact(text).text, text)
        self.assertEqual(redact("").findings, ())
