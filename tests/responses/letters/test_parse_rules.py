"""Single rules of the reader and the parser, on the forms real letters print."""

from __future__ import annotations

import datetime

from django.test import SimpleTestCase

from responses.letters.parse import (
    Department,
    find_congress,
    find_contact,
    find_departments,
    find_grade,
    find_number,
    find_salutation,
    parse_letter_text,
)
from responses.letters.text import LetterError, read_letter_text

from .helpers import sample

LETTER = "尊敬的陈寿代表：\n您的第20240493号建议收悉，现答复如下：\n专此函复。\n"


class ReadLetterTextTests(SimpleTestCase):
    def test_encodings(self):
        for encoding in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
            with self.subTest(encoding=encoding):
                self.assertEqual(read_letter_text(LETTER.encode(encoding), "a.txt"), LETTER.strip())

    def test_conversion_artefacts_and_markup_are_removed(self):
        raw = (
            "[bookmark: _GoBack]<p>一是２０２４年，</p>[bookmark: _Hlk161760914]推进&nbsp;建设。"
            "\r\n　　再次感谢。  \r\n"
        )
        self.assertEqual(read_letter_text(raw.encode(), "a.txt"), "一是2024年，\n推进 建设。\n再次感谢。")

    def test_unsupported_types_named_by_content(self):
        cases = [
            (b"%PDF-1.7 ...", "letter.pdf", "letter.pdf: unsupported file type"),
            (b"%PDF-1.7 ...", "renamed.txt", "renamed.txt: unsupported file type"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 20, "old.doc", "old.doc: unsupported file type"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 20, "old.docx", "old.docx: unsupported file type"),
            (LETTER.encode(), "letter.odt", "letter.odt: unsupported file type"),
            (b"not a zip at all", "fake.docx", "fake.docx: not a valid Word file (the zip is damaged)"),
            (b"  \n ", "blank.txt", "blank.txt: the file is empty"),
        ]
        for data, name, message in cases:
            with self.subTest(name=name), self.assertRaisesMessage(LetterError, message):
                read_letter_text(data, name)

    def test_docx_named_txt_is_read_as_word(self):
        data = sample("docx-letter.docx")
        self.assertIn("尊敬的刘芳等代表：", read_letter_text(data, "letter.txt"))


class FieldRuleTests(SimpleTestCase):
    def test_salutations(self):
        cases = {
            "尊敬的陈寿等代表：": ("陈寿", True),
            "尊敬的陈寿代表": ("陈寿", False),
            "陈寿等3名代表：": ("陈寿", True),
            "尊敬的陈寿等三位代表：": ("陈寿", True),
            "陈寿、李四代表：": ("陈寿", True),
            "欧阳明代表：": ("欧阳明", False),
            "各位代表：": (None, None),
            "您对绿色低碳发展工作以及社会建设工作的关心和支持，感谢代表：": (None, None),
        }
        for line, expected in cases.items():
            with self.subTest(line=line):
                self.assertEqual(find_salutation([line]), expected)

    def test_numbers(self):
        cases = {
            "关于市七届人大五次会议第20240493号建议答复的函": "20240493",
            "您提出的第0123号《关于…的建议》": "0123",
            "您提出的第2024-0123号建议": "2024-0123",
            "建议编号：20240215": "20240215",
            "统筹考虑地铁3号线延长线": None,
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_number(text), expected)

    def test_congress_and_session(self):
        cases = {
            "关于市七届人大五次 会议第1号建议\n您在深圳市七届人大五次会议上提出": (
                "深圳市七届人大",
                "五次会议",
            ),
            "您在深圳市第七届人民代表大会第五次会议上提出": ("深圳市第七届人民代表大会", "第五次会议"),
            "您在市七届人大常委会闭会期间提出": ("市七届人大", "闭会期间"),
            "关于市七届人大五次会议": ("市七届人大", "五次会议"),
            "关于对深圳市七届人大五次会议": ("深圳市七届人大", "五次会议"),
            "关于市七届人大五次会议…您在深圳市七届人大五次会议上": ("深圳市七届人大", "五次会议"),
            "没有会议": (None, None),
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_congress(text), expected)

    def test_grades(self):
        cases = {
            "办理结果：B": "B",
            "办理结果:(C)": "C",
            "办理结果：A类": "A",
            "答复类别：B": "B",
            "办理结果：（Ｄ）": None,  # the parser normalises first; find_grade sees half-width only
            "办理结果：已办理": None,
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_grade(text), expected)
        self.assertEqual(parse_letter_text("办理结果：（Ｄ）").grade, "D")

    def test_contacts(self):
        cases = {
            "（联系人：龙岗区发展和改革局杨郁波，电话：88180952、手机：13923831115）": (
                "杨郁波",
                ["88180952", "13923831115"],
            ),
            "联系人及电话：张三 0755-88123456": ("张三", ["0755-88123456"]),
            "联 系 人：欧阳明明": ("欧阳明明", []),
            "联系人：市水务局办公室": ("市水务局办公室", []),
        }
        for line, expected in cases.items():
            with self.subTest(line=line):
                self.assertEqual(find_contact([line]), expected)
        # The phone on the next line belongs to the contact.
        self.assertEqual(
            find_contact(["联系人：李明", "联系电话：0755-83945123"]), ("李明", ["0755-83945123"])
        )

    def test_departments(self):
        self.assertEqual(
            find_departments("（主办单位：市交通运输局；会办单位：市规划和自然资源局、市发展改革委）", None),
            [
                Department("市交通运输局", "lead"),
                Department("市规划和自然资源局", "co"),
                Department("市发展改革委", "co"),
            ],
        )
        self.assertEqual(
            find_departments("按照分工，龙岗区为分办单位。", None), [Department("龙岗区", "separate")]
        )
        # "我局" alone becomes the signing body; without one it is left out, not guessed.
        self.assertEqual(
            find_departments("我局作为协办单位", "深圳市水务局"), [Department("深圳市水务局", "co")]
        )
        self.assertEqual(find_departments("我局作为协办单位", None), [])


class LetterShapeTests(SimpleTestCase):
    def test_chinese_numeral_and_numeric_dates(self):
        cases = {
            "二〇二四年十一月十八日": datetime.date(2024, 11, 18),
            "二○二四年五月二十日": datetime.date(2024, 5, 20),
            "二零二三年十二月三十一日": datetime.date(2023, 12, 31),
            "2024-11-18": datetime.date(2024, 11, 18),
            "２０２４年１１月１８日": datetime.date(2024, 11, 18),
        }
        for printed, expected in cases.items():
            with self.subTest(printed=printed):
                letter = parse_letter_text(f"{LETTER}\n深圳市龙岗区人民政府\n　　{printed}\n")
                self.assertEqual(letter.date, expected)
                self.assertEqual(letter.signed_by, "深圳市龙岗区人民政府")

    def test_dates_in_the_body_are_not_the_letter_date(self):
        letter = parse_letter_text("尊敬的陈寿代表：\n一、关于建设\n2023年3月1日已开工。\n再次感谢。\n")
        self.assertIsNone(letter.date)

    def test_heading_running_into_its_body_and_future_cues(self):
        text = (
            "尊敬的陈寿代表：\n首先感谢。现将办理意见答复如下：\n"
            "一、加强统筹。我局已将项目纳入计划。下一步将加快建设；年内完成验收。\n"
            "二、关于“人才”的建议\n王将军故居已修缮。待资金到位后启动建设。\n"
            "再次感谢您的支持。\n"
        )
        letter = parse_letter_text(text)
        self.assertEqual([s.heading for s in letter.sections], ["加强统筹", "关于“人才”的建议"])
        self.assertEqual(letter.sections[0].body, "我局已将项目纳入计划。下一步将加快建设；年内完成验收。")
        self.assertEqual(
            letter.commitment_candidates, ["下一步将加快建设；", "年内完成验收。", "待资金到位后启动建设。"]
        )

    def test_publicity_forms(self):
        cases = {
            "公开方式：依申请公开": "on_request",
            "公开方式：不予公开": "not_public",
            "（此件主动公开）": "public",
            "是否同意公开：同意": "public",
            "是否同意公开：否": "not_public",
        }
        for line, expected in cases.items():
            with self.subTest(line=line):
                self.assertEqual(parse_letter_text(f"{LETTER}{line}\n").publicity, expected)


class LetterWithoutSalutationTests(SimpleTestCase):
    def test_marks_above_the_title_do_not_end_the_letter(self):
        text = (
            "办理结果：（C）\n领导签发：张三\n深圳市水务局关于第20240518号建议答复的函\n"
            "您提出的《关于开放清林径水库周边生态资源的建议》（第20240518号）收悉，现答复如下：\n"
            "一、关于“开放水库”的建议\n下一步，我局将配合龙岗区加快远足径建设。\n"
            "特此函复。\n深圳市水务局\n2024年8月15日\n经办人：李明，电话：83945123\n（此件公开发布）\n"
        )
        letter = parse_letter_text(text)
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), (None, None))
        self.assertEqual((letter.number, letter.grade), ("20240518", "C"))
        self.assertEqual(letter.title, "关于开放清林径水库周边生态资源的建议")
        self.assertEqual([s.heading for s in letter.sections], ["关于“开放水库”的建议"])
        self.assertEqual(letter.commitment_candidates, ["下一步，我局将配合龙岗区加快远足径建设。"])
        self.assertEqual((letter.date, letter.signed_by), (datetime.date(2024, 8, 15), "深圳市水务局"))
        self.assertEqual((letter.contact_name, letter.contact_phones), ("李明", ["83945123"]))
        self.assertEqual(letter.publicity, "public")


class MoreRealFormsTests(SimpleTestCase):
    def test_salutation_running_on_into_the_preamble(self):
        letter = parse_letter_text("尊敬的陈寿等代表：您提出的第20240493号建议收悉，现答复如下：\n专此函复。")
        self.assertEqual(
            (letter.lead_deputy, letter.has_co_signers, letter.number), ("陈寿", True, "20240493")
        )

    def test_a_cited_policy_opinion_is_not_the_title(self):
        head = "根据《关于推进公园城市建设的实施意见》，您提出的《关于加快龙筋顶公园建设的建议》收悉。"
        self.assertEqual(parse_letter_text(head).title, "关于加快龙筋顶公园建设的建议")

    def test_lead_and_several_co_handlers_in_one_sentence(self):
        self.assertEqual(
            find_departments("按照办理分工，龙岗区为主办单位，市发展改革委、市水务局为会办单位。", None),
            [Department("龙岗区", "lead"), Department("市发展改革委", "co"), Department("市水务局", "co")],
        )
        self.assertEqual(
            find_departments("该建议由市交通运输局牵头办理。", None), [Department("市交通运输局", "lead")]
        )

    def test_area_code_in_brackets_and_stamp_after_signature(self):
        self.assertEqual(find_contact(["联系人：刘海，电话：（0755）28949123"]), ("刘海", ["0755-28949123"]))
        letter = parse_letter_text(f"{LETTER}深圳市龙岗区人民政府（代章）\n2024年11月18日")
        self.assertEqual(letter.signed_by, "深圳市龙岗区人民政府")

    def test_words_that_look_like_promises_but_are_not(self):
        text = (
            "尊敬的陈寿代表：\n一、关于“待遇”的建议\n去年已将补贴标准提高。教师待遇提高后流失减少。"
            "已纳入年度计划。王将军纪念馆已开放。\n二、关于“下一步”的建议\n下一步将开展评估。\n再次感谢。"
        )
        self.assertEqual(parse_letter_text(text).commitment_candidates, ["下一步将开展评估。"])

    def test_thanks_opening_the_preamble_or_a_section_does_not_close_the_letter(self):
        text = (
            "尊敬的陈寿代表：\n非常感谢您对龙岗区交通建设工作的关心和支持，现将办理意见答复如下：\n"
            "一、关于“坪西路”的建议\n感谢您对坪西路的关注。\n下一步将加快审批。\n"
            "二、关于“公交”的建议\n已开通线路2条。\n再次感谢您的关心和支持。专此函复。\n"
            "深圳市龙岗区人民政府\n2024年11月18日\n"
        )
        letter = parse_letter_text(text)
        self.assertEqual(
            [(s.heading, s.body) for s in letter.sections],
            [
                ("关于“坪西路”的建议", "感谢您对坪西路的关注。\n下一步将加快审批。"),
                ("关于“公交”的建议", "已开通线路2条。"),
            ],
        )

    def test_title_fallback_phrase_and_no_title(self):
        letter = parse_letter_text(
            "尊敬的陈寿代表：\n您提出的关于加快龙筋顶公园建设的建议收悉，现答复如下：\n"
            "一、关于“立项”的建议\n已立项。\n"
        )
        self.assertEqual(letter.title, "关于加快龙筋顶公园建设的建议")
        # A section heading quoting one point is not the suggestion's title.
        letter = parse_letter_text(
            "尊敬的陈寿代表：\n您的第20240493号建议收悉。\n一、关于“立项”的建议\n已立项。\n"
        )
        self.assertIsNone(letter.title)

    def test_co_signers_listed_and_followed_by_deng(self):
        self.assertEqual(find_salutation(["尊敬的陈寿、李四等代表："]), ("陈寿", True))
        self.assertEqual(find_salutation(["尊敬的陈寿等代表：您提出的建议收悉。"]), ("陈寿", True))
