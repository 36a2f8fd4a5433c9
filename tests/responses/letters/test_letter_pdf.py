"""The PDF of a sent reply: A4, the letter's text, Chinese faces embedded, nothing fetched."""

from __future__ import annotations

import io
import re
import subprocess
from unittest import mock

import pypdf

from responses.letters.pdf import LetterRenderError, chinese_fonts_installed, letter_pdf
from responses.models import Reply
from tests.base import TrackerTestCase


def flat(text: str) -> str:
    """Extracted text without the line breaks the layout put in."""
    return re.sub(r"\s+", "", text)


class LetterPdfTests(TrackerTestCase):
    reply: Reply
    pdf: pypdf.PdfReader

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        proposal = cls.make_assigned(number="20240493", co_signers=[cls.other_deputy])
        cls.reply = cls.make_sent(
            proposal,
            grade="B",
            body='一、关于坪西路改造\n下一步，将加快可研报告审批。<img src="http://example.com/x.png">',
        )
        cls.pdf = pypdf.PdfReader(io.BytesIO(letter_pdf(cls.reply, show_phones=True)))

    def text(self) -> str:
        return flat("".join(page.extract_text() for page in self.pdf.pages))

    def test_it_is_an_a4_page(self) -> None:
        box = self.pdf.pages[0].mediabox
        self.assertAlmostEqual(float(box.width), 595.3, delta=1)
        self.assertAlmostEqual(float(box.height), 841.9, delta=1)

    def test_it_prints_title_salutation_and_grade(self) -> None:
        text = self.text()
        self.assertIn(
            "龙岗区发展和改革局关于深圳市第七届人民代表大会第五次会议第20240493号建议答复的函", text
        )
        self.assertIn("尊敬的陈寿等代表：", text)
        self.assertIn("办理结果：B", text)
        self.assertIn("公开方式：主动公开", text)

    def test_it_breaks_the_title_into_balanced_lines(self) -> None:
        lines = [line.strip() for line in self.pdf.pages[0].extract_text().splitlines()]
        self.assertIn("第20240493号建议答复的函", lines)
        self.assertNotIn("函", lines)

    def test_it_prints_markup_in_the_body_as_text(self) -> None:
        self.assertIn('<imgsrc="http://example.com/x.png">', self.text())

    def test_it_embeds_a_chinese_font(self) -> None:
        fonts = self.pdf.pages[0]["/Resources"]["/Font"]
        names = [str(font.get_object()["/BaseFont"]) for font in fonts.values()]
        self.assertTrue(any("CJK" in name for name in names), names)
        descriptor = next(
            font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            for font in fonts.values()
            if "CJK" in str(font.get_object()["/BaseFont"])
        )
        self.assertTrue(any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")))

    def test_it_records_the_title_and_author(self) -> None:
        self.assertEqual(self.pdf.metadata.author, "龙岗区发展和改革局")
        self.assertTrue(self.pdf.metadata.title.endswith("第20240493号建议答复的函"))

    def test_it_refuses_to_render_without_a_chinese_font(self) -> None:
        with (
            mock.patch("responses.letters.pdf.chinese_fonts_installed", return_value=False),
            self.assertRaisesMessage(LetterRenderError, "fonts-noto-cjk"),
        ):
            letter_pdf(self.reply, show_phones=True)

    def test_it_names_the_packages_when_weasyprint_cannot_load_pango(self) -> None:
        # WeasyPrint loads Pango when imported; without it the import raises OSError.
        with (
            mock.patch("builtins.__import__", side_effect=_failing_weasyprint_import),
            self.assertRaisesMessage(LetterRenderError, "libpango-1.0-0"),
        ):
            letter_pdf(self.reply, show_phones=True)


_real_import = __import__


def _failing_weasyprint_import(name: str, *args: object, **kwargs: object) -> object:
    if name == "weasyprint":
        raise OSError("cannot load library 'libpango-1.0-0'")
    return _real_import(name, *args, **kwargs)


class ChineseFontCheckTests(TrackerTestCase):
    def setUp(self) -> None:
        chinese_fonts_installed.cache_clear()
        self.addCleanup(chinese_fonts_installed.cache_clear)

    def test_it_finds_the_fonts_installed_from_debian(self) -> None:
        self.assertTrue(chinese_fonts_installed())

    def test_it_reports_no_font_when_fontconfig_is_missing(self) -> None:
        with mock.patch("responses.letters.pdf.shutil.which", return_value=None):
            self.assertFalse(chinese_fonts_installed())

    def test_it_reports_no_font_when_fontconfig_lists_no_chinese_face(self) -> None:
        listing = subprocess.CompletedProcess(args=[], returncode=0, stdout="", stderr="")
        with mock.patch("responses.letters.pdf.subprocess.run", return_value=listing):
            self.assertFalse(chinese_fonts_installed())
