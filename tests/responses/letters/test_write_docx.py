"""The generated Word letter follows GB/T 9704-2012 and reproduces the reply exactly."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.text.paragraph import Paragraph
from lxml import etree

from responses.letters.docx import letter_docx, letter_filename
from responses.models import Reply
from tests.base import TrackerTestCase

BODY = """\
您提出的《关于推动坪西路改造的建议》收悉，现答复如下：

一、关于坪西路改造。我局已完成项目建议书。
（一）可研报告
下一步，将加快可研报告审批。
二、关于盐龙大道
正在研究论证。
专此函复。"""


def east_asia_font(paragraph: Paragraph, run: int = 0) -> str | None:
    return paragraph.runs[run]._element.rPr.rFonts.get(qn("w:eastAsia"))


class WriteDocxTests(TrackerTestCase):
    reply: Reply
    document: docx.document.Document
    data: bytes

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        proposal = cls.make_assigned(number="20240493", co_signers=[cls.other_deputy])
        cls.reply = cls.make_draft(proposal, grade="B", body=BODY, document_number="深龙发改函〔2024〕61号")
        cls.reply.submit(by=cls.clerk)
        cls.reply.approve(by=cls.leader, sent_on=date(2024, 11, 18))
        cls.data = letter_docx(cls.reply, show_phones=True)

    def setUp(self) -> None:
        self.document = docx.Document(io.BytesIO(self.data))
        self.paragraphs = [p for p in self.document.paragraphs if p.text]

    def paragraph(self, text: str) -> Paragraph:
        return next(p for p in self.paragraphs if p.text == text)

    def test_it_uses_an_a4_page_with_the_standard_margins(self) -> None:
        section = self.document.sections[0]

        def mm(*lengths: Length) -> tuple[int, ...]:  # Word stores twips: 210 mm is 11906
            return tuple(round(length.mm) for length in lengths)

        self.assertEqual(mm(section.page_width, section.page_height), (210, 297))
        margins = mm(section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
        self.assertEqual(margins, (37, 35, 28, 26))

    def test_it_prints_the_lines_of_the_letter_in_order(self) -> None:
        self.assertEqual(
            [p.text for p in self.paragraphs],
            [
                "深龙发改函〔2024〕61号",
                "龙岗区发展和改革局关于深圳市第七届人民代表大会第五次会议第20240493号建议答复的函",
                "尊敬的陈寿等代表：",
                *[line for line in BODY.splitlines() if line],
                "龙岗区发展和改革局",
                "2024年11月18日",
                "（联系人：杨郁波，电话：88180952）",
                "办理结果：B",
                "公开方式：主动公开",
                "抄送：市人大常委会选联工委、市政府督查室",
            ],
        )

    def test_it_sets_the_title_in_xiaobiaosong_size_two_centred(self) -> None:
        title = self.paragraphs[1]
        self.assertEqual(title.alignment, WD_ALIGN_PARAGRAPH.CENTER)
        self.assertEqual(east_asia_font(title), "方正小标宋简体")
        self.assertEqual(title.runs[0].font.size, Pt(22))

    def test_it_sets_the_body_in_fangsong_size_three_on_a_fixed_28_point_line(self) -> None:
        normal = self.document.styles["Normal"].paragraph_format
        self.assertEqual((normal.line_spacing_rule, normal.line_spacing), (WD_LINE_SPACING.EXACTLY, Pt(28)))
        body = self.paragraph("正在研究论证。")
        self.assertEqual((east_asia_font(body), body.runs[0].font.name), ("仿宋_GB2312", "仿宋_GB2312"))
        self.assertEqual(body.runs[0].font.size, Pt(16))
        self.assertEqual(body.paragraph_format.first_line_indent, Pt(32))

    def test_28_characters_fill_a_line_without_a_character_grid(self) -> None:
        section = self.document.sections[0]
        line_width = section.page_width - section.left_margin - section.right_margin
        grid = section._sectPr.find(qn("w:docGrid"))
        # A character grid spaces 16 pt characters two cells apart in LibreOffice.
        self.assertEqual((grid.get(qn("w:type")), grid.get(qn("w:linePitch"))), ("lines", "560"))
        spacing = self.document.styles["Normal"].element.rPr.find(qn("w:spacing"))
        advance = Pt(16) + Pt(int(spacing.get(qn("w:val"))) / 20)
        self.assertLessEqual(28 * advance, line_width)
        self.assertGreater(29 * advance, line_width)

    def test_it_sets_headings_in_heiti_then_kaiti(self) -> None:
        self.assertEqual(east_asia_font(self.paragraph("二、关于盐龙大道")), "黑体")
        self.assertEqual(east_asia_font(self.paragraph("（一）可研报告")), "楷体_GB2312")

    def test_it_sets_only_the_heading_of_a_run_on_heading_in_heiti(self) -> None:
        runs = self.paragraph("一、关于坪西路改造。我局已完成项目建议书。").runs
        self.assertEqual([run.text for run in runs], ["一、关于坪西路改造。", "我局已完成项目建议书。"])
        self.assertEqual(
            [run._element.rPr.rFonts.get(qn("w:eastAsia")) for run in runs], ["黑体", "仿宋_GB2312"]
        )

    def test_it_aligns_number_signature_and_date_right_and_the_salutation_left(self) -> None:
        for text in ("深龙发改函〔2024〕61号", "龙岗区发展和改革局", "2024年11月18日"):
            with self.subTest(text=text):
                self.assertEqual(self.paragraph(text).alignment, WD_ALIGN_PARAGRAPH.RIGHT)
        salutation = self.paragraph("尊敬的陈寿等代表：")
        self.assertIsNone(salutation.paragraph_format.first_line_indent)
        self.assertEqual(self.paragraph("2024年11月18日").paragraph_format.right_indent, Pt(64))

    def test_it_names_fallback_faces_in_the_font_table(self) -> None:
        fonts = etree.fromstring(zipfile.ZipFile(io.BytesIO(self.data)).read("word/fontTable.xml"))
        entries = {
            font.get(qn("w:name")): (
                font.find(qn("w:altName")).get(qn("w:val")),
                font.find(qn("w:charset")).get(qn("w:val")),
            )
            for font in fonts.findall(qn("w:font"))
            if font.find(qn("w:altName")) is not None
        }
        self.assertEqual(entries["仿宋_GB2312"], ("仿宋", "86"))
        self.assertEqual(entries["仿宋"], ("FangSong", "86"))
        self.assertEqual(entries["方正小标宋简体"], ("宋体", "86"))
        self.assertEqual(entries["黑体"], ("SimHei", "86"))
        self.assertEqual(entries["楷体_GB2312"], ("楷体", "86"))

    def test_it_numbers_pages_in_the_footer_odd_right_even_left(self) -> None:
        section = self.document.sections[0]
        self.assertTrue(self.document.settings.odd_and_even_pages_header_footer)
        odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
        self.assertEqual((odd.alignment, even.alignment), (WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT))
        self.assertEqual(odd.text, "— 1 —")
        self.assertIn("PAGE", "".join(odd._element.itertext()))
        self.assertEqual(odd.runs[0].font.size, Pt(14))

    def test_it_records_title_author_and_date_in_the_properties(self) -> None:
        properties = self.document.core_properties
        self.assertEqual(properties.title, self.paragraphs[1].text)
        self.assertEqual(properties.author, "龙岗区发展和改革局")
        self.assertEqual(properties.created.date(), date(2024, 11, 18))

    def test_it_names_the_file_after_the_number_and_the_department(self) -> None:
        self.assertEqual(letter_filename(self.reply, "docx"), "20240493-龙岗区发展和改革局-答复函.docx")


class WriteDocxVariantsTests(TrackerTestCase):
    def test_it_greets_a_single_deputy_without_等(self) -> None:
        reply = self.make_sent(self.make_assigned(with_co=False))
        texts = [p.text for p in docx.Document(io.BytesIO(letter_docx(reply, show_phones=True))).paragraphs]
        self.assertIn("尊敬的陈寿代表：", texts)

    def test_it_omits_the_copy_to_line_and_number_when_there_are_none(self) -> None:
        reply = self.make_sent(self.make_assigned(with_co=False), copy_to="", document_number="")
        texts = [
            p.text
            for p in docx.Document(io.BytesIO(letter_docx(reply, show_phones=True))).paragraphs
            if p.text
        ]
        self.assertFalse(any(text.startswith("抄送") for text in texts))
        self.assertTrue(texts[0].endswith("建议答复的函"))

    def test_it_prints_the_suggestion_title_when_the_body_does_not_quote_it(self) -> None:
        reply = self.make_sent(self.make_assigned(with_co=False, title="关于增设公交线路的建议"))
        texts = [p.text for p in docx.Document(io.BytesIO(letter_docx(reply, show_phones=True))).paragraphs]
        self.assertEqual(texts.count("《关于增设公交线路的建议》"), 1)

    def test_it_spells_out_the_publicity(self) -> None:
        reply = self.make_sent(
            self.make_assigned(with_co=False), publicity=Reply.Publicity.NOT_PUBLIC, publicity_reason="涉密"
        )
        texts = [p.text for p in docx.Document(io.BytesIO(letter_docx(reply, show_phones=True))).paragraphs]
        self.assertIn("公开方式：不予公开", texts)
