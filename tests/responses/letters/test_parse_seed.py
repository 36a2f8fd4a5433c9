"""The real seed letter No. 20240493, field by field."""

from __future__ import annotations

import datetime

from django.test import SimpleTestCase

from responses.letters.parse import Department, parse_letter

from .helpers import SEED


class SeedLetterTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.letter = parse_letter(SEED.read_bytes(), SEED.name)

    def test_identification(self):
        self.assertEqual(self.letter.number, "20240493")
        self.assertEqual(self.letter.congress, "深圳市七届人大")
        self.assertEqual(self.letter.session, "五次会议")
        self.assertEqual(
            self.letter.title,
            "关于发展新质生产力，打造高层级高标准深圳东部万亿级绿色低碳产业集群承载区的建议",
        )
        self.assertIsNone(self.letter.document_number)

    def test_deputy_and_department(self):
        self.assertEqual(self.letter.lead_deputy, "陈寿")
        self.assertIs(self.letter.has_co_signers, True)
        self.assertEqual(self.letter.departments, [Department("龙岗区", "lead")])

    def test_sections_are_the_four_quoted_suggestions(self):
        headings = [section.heading for section in self.letter.sections]
        self.assertEqual(len(headings), 4)
        self.assertEqual(
            headings[0],
            "关于“发展新质生产力，用好独特优势，申报省级区域协同与绿色低碳发展示范平台，"
            "争取更多政策扶持突破和资源倾斜”的建议",
        )
        self.assertTrue(
            headings[3].startswith("关于“营造良好的城市品质，加快推动国际低碳城‘两公园一碧道建设’")
        )
        self.assertTrue(
            all(heading.startswith("关于“") and heading.endswith("”的建议") for heading in headings)
        )

    def test_section_bodies_are_verbatim_without_markup(self):
        third = self.letter.sections[2].body.split("\n")
        self.assertEqual(len(third), 3)
        self.assertTrue(
            third[0].startswith("一是2015年3月，坪西路（龙坪路-鹤鸣路）市政改造工程项目建议书取得批复。")
        )
        last = self.letter.sections[3].body
        self.assertTrue(last.startswith("近年来，龙岗区紧盯“山海连城”的生态规划目标"))
        self.assertTrue(last.endswith("助力“山海连城 公园城市”建设。"))
        self.assertNotIn("bookmark", self.letter.text)
        # The preamble and the closing are not part of any section.
        bodies = "\n".join(section.body for section in self.letter.sections)
        self.assertNotIn("答复如下", bodies)
        self.assertNotIn("专此函复", bodies)
        self.assertEqual(len(self.letter.sections[0].body.split("\n")), 5)

    def test_commitment_candidates(self):
        candidates = self.letter.commitment_candidates
        self.assertIn(
            "下一步，将持续推动我市制造业绿色化发展，促进绿色制造体系梯度培育和示范平台建设，"
            "高层级、高标准建设深圳东部万亿级绿色低碳产业集群承载区。",
            candidates,
        )
        for subject in ("坪西路", "龙筋顶公园", "公园立项", "清林径"):
            with self.subTest(subject=subject):
                self.assertTrue(any(s.startswith("下一步") and subject in s for s in candidates), subject)
        # Past facts are not promises; the preamble's "将办理意见答复如下" is not in a section.
        self.assertFalse(any("答复如下" in s for s in candidates))
        self.assertFalse(any(s.startswith("一是2015年3月") for s in candidates))
        self.assertEqual(len(candidates), len(set(candidates)))

    def test_signature_contact_grade(self):
        self.assertEqual(self.letter.date, datetime.date(2024, 11, 18))
        self.assertEqual(self.letter.signed_by, "深圳市龙岗区市人民政府")
        self.assertEqual(self.letter.contact_name, "杨郁波")
        self.assertEqual(self.letter.contact_phones, ["88180952", "13923831115"])
        self.assertEqual(self.letter.grade, "B")
        self.assertIsNone(self.letter.publicity)
        self.assertEqual(self.letter.copy_to, [])

    def test_as_dict_keys_and_values(self):
        data = self.letter.as_dict()
        self.assertEqual(
            list(data),
            [
                "number", "congress", "session", "title", "lead_deputy", "has_co_signers", "departments",
                "sections", "commitment_candidates", "date", "signed_by", "contact_name", "contact_phones",
                "grade", "publicity", "copy_to", "uncertain", "candidates",
            ],
        )  # fmt: skip
        self.assertEqual(data["date"], "2024-11-18")
        self.assertEqual(data["departments"], [{"name": "龙岗区", "role": "lead"}])
        self.assertEqual(set(data["sections"][0]), {"heading", "body"})
