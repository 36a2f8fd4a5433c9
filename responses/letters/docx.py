"""Writing a sent reply as the formal letter (答复函), laid out per GB/T 9704-2012.

The letter's lines come from one place, ``letter_content``, which the PDF uses too, so the
Word file, the PDF and the page on screen say the same thing. The body is reproduced
character for character (blank lines dropped): the parser reads the same sections back.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from tracker.privacy import mask_phone, mask_phones

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.shared import Length
    from docx.text.font import Font
    from docx.text.paragraph import Paragraph

    from responses.models import Reply

__all__ = ["Letter", "letter_content", "letter_docx", "letter_filename"]

# Faces named by GB/T 9704-2012 and the fallbacks a machine without them should use.
FANGSONG = "仿宋_GB2312"  # body, 三号
XIAOBIAOSONG = "方正小标宋简体"  # title, 二号
HEITI = "黑体"  # first-level headings
KAITI = "楷体_GB2312"  # second-level headings
SONGTI = "宋体"  # page number, 四号

BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
LINE = Pt(28)  # fixed line spacing: 22 lines on the 225 mm type area
CHAR = BODY_SIZE  # one character of body text, for indents in "characters"
# Character spacing of body text, in twentieths of a point: 28 × (16 − 0.25) pt = 441 pt,
# within the 156 mm (442.2 pt) line.
CHAR_CONDENSE_TWIPS = -5

# Run properties that come after w:spacing in the schema (CT_RPr's order).
AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish",
    "w:oMath",
)  # fmt: skip

PUBLICITY_WORDS = {"public": "主动公开", "on_request": "依申请公开", "not_public": "不予公开"}

# Numbering styles of section headings. The first style in the body is the top level
# (黑体), the next different one the second level (楷体); deeper levels stay body text.
HEADING_STYLES = [
    ("cn", re.compile(r"^[一二三四五六七八九十]{1,3}\s*、")),
    ("paren_cn", re.compile(r"^[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]")),
    ("arabic", re.compile(r"^\d{1,2}\s*(?:[、．]|\.(?!\d))")),
    ("paren_arabic", re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")),
]
# A heading that runs on into its text ("一、加强统筹。我局已…"): only the part up to the
# first full stop is set in the heading face.
HEADING_RUN_ON = re.compile(r"^(.{2,80}?。)(.+)$")


@dataclass(frozen=True)
class LetterParagraph:
    """One body paragraph: its text, heading level (0 = body) and how much of it is heading."""

    text: str
    level: int = 0
    heading_length: int = 0

    @property
    def heading(self) -> str:
        return self.text[: self.heading_length]

    @property
    def rest(self) -> str:
        return self.text[self.heading_length :]


@dataclass(frozen=True)
class Letter:
    """The letter's lines in reading order, as both the .docx and the PDF print them."""

    document_number: str
    title: str
    subject: str
    salutation: str
    paragraphs: list[LetterParagraph]
    signed_by: str
    date: str
    date_iso: str
    contact: str
    grade: str
    publicity: str
    copy_to: list[str] = field(default_factory=list)
    # Where the title's parts meet (before 关于, before 第N号): the places to break it first.
    title_breaks: tuple[int, ...] = ()

    @property
    def signature_indent_pt(self) -> float:
        """Right indent of the signing body, centred over the date, which stands four
        characters from the right edge (GB/T 9704-2012 7.3.5.1)."""
        indent = 4 * BODY_SIZE.pt + (_text_width_pt(self.date) - _text_width_pt(self.signed_by)) / 2
        return max(0.0, indent)

    @property
    def title_lines(self) -> list[str]:
        """The title in as few lines as fit, of balanced length, broken where a reader would
        pause (GB/T 9704-2012 7.3.3: "排列对称，长短适宜"), never leaving 函 alone."""
        return balanced_title_lines(self.title, self.title_breaks)

    @property
    def copy_to_line(self) -> str:
        return "抄送：" + "、".join(self.copy_to) if self.copy_to else ""


def _text_width_pt(text: str) -> float:
    """Printed width at body size: CJK characters are one em, ASCII ones half of one."""
    return sum(BODY_SIZE.pt / 2 if ord(char) < 0x2E80 else BODY_SIZE.pt for char in text)


# The title's line on the page: A4 less the left and right margins, at 二号 (22 pt).
TITLE_LINE_PT = (210 - 28 - 26) / 25.4 * 72
# Where a title line may end (after) or begin (before) well, and how much better it is.
_GOOD_BREAKS_BEFORE = {"关于": 4.0, "建议": 1.0}
_GOOD_BREAKS_AFTER = {"会议": 4.0, "期间": 3.0, "政府": 3.0, "委员会": 3.0, "局": 2.5, "》": 2.0}
_NUMERALS = set("0123456789一二三四五六七八九十百零〇")
# Terms a title line must not split.
_WHOLE_TERMS = ("人民代表大会", "常务委员会", "人民政府", "办公厅", "闭会期间", "建议答复", "答复的函")
# Characters a line must not begin or end with (Chinese line-breaking rules); nor may a
# line begin with the suffix of a place or body's name (深圳|市, 龙岗|区).
_NO_LINE_START = set("，。、；：？！）》」』〕】”’,.;:?!)")
_NO_LINE_END = set("（《「『〔【“‘(")


def balanced_title_lines(
    title: str, parts: tuple[int, ...] = (), line_pt: float = TITLE_LINE_PT, size_pt: float = TITLE_SIZE.pt
) -> list[str]:
    """Split a title into the fewest lines that fit, as even in length as the good break
    points allow. ``parts`` are where the title's parts meet (unit | 关于 session | 第N号…):
    a title breaks there only, unless a part is too long for a line by itself. A line never
    starts with closing punctuation and never splits a number."""
    widths = [size_pt / 2 if ord(char) < 0x2E80 else size_pt for char in title]
    total = sum(widths)
    if total <= line_pt or len(title) < 2:
        return [title]
    inside_term: set[int] = set()
    for term in _WHOLE_TERMS:
        at = title.find(term)
        while at != -1:
            inside_term.update(range(at + 1, at + len(term)))
            at = title.find(term, at + 1)
    fewest = int(-(-total // line_pt))  # ceiling
    for lines in range(fewest, fewest + 3):
        found = _best_title_breaks(title, widths, lines, line_pt, size_pt, inside_term, parts)
        if found is not None:
            cuts = [0, *found]
            return [title[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    return [title]  # nothing fits with the breaks allowed: let the browser wrap it


def _best_title_breaks(
    title: str,
    widths: list[float],
    lines: int,
    line_pt: float,
    size_pt: float,
    inside_term: set[int],
    parts: tuple[int, ...],
) -> list[int] | None:
    total = sum(widths)
    starts = [0.0]
    for width in widths:
        starts.append(starts[-1] + width)
    bounds = [0, *sorted(p for p in parts if 0 < p < len(title)), len(title)]
    # Parts too long for a line by themselves, which may break inside.
    long_parts = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if starts[b] - starts[a] > line_pt]

    def breakable(i: int) -> bool:
        if i in parts:
            return True
        if parts and not any(a < i < b for a, b in long_parts):
            return False
        before, after = title[i - 1], title[i]
        if i in inside_term:
            return False
        if after in _NO_LINE_START or before in _NO_LINE_END or before == "第" or after in "省市区县局厅":
            return False
        if before in _NUMERALS and (after in _NUMERALS or after in "次届号条年月日"):
            return False  # 第五|次, 第二十|届, 20240493|号
        return not (before.isascii() and before.isalnum() and after.isascii() and after.isalnum())

    def bonus(i: int) -> float:
        score = max((v for k, v in _GOOD_BREAKS_BEFORE.items() if title.startswith(k, i)), default=0.0)
        if title.startswith("第", i) and title[i + 1 : i + 2].isascii():
            score = 2.0  # before the suggestion's number: 第20240493号
        return score + max((v for k, v in _GOOD_BREAKS_AFTER.items() if title[:i].endswith(k)), default=0.0)

    average = total / lines
    # best[(k, i)]: the least cost of setting title[:i] as k lines; a line costs its
    # distance from the average length (in characters) less its break's bonus.
    best: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 0): (0.0, [])}
    for k in range(1, lines + 1):
        ends = [len(title)] if k == lines else [i for i in range(1, len(title)) if breakable(i)]
        for end in ends:
            for (done, start), (cost, cuts) in list(best.items()):
                width = starts[end] - starts[start]
                if done != k - 1 or end <= start or width > line_pt:
                    continue
                line_cost = abs(width - average) / size_pt - (bonus(end) if end < len(title) else 0.0)
                candidate = (cost + line_cost, [*cuts, end])
                if (k, end) not in best or candidate[0] < best[(k, end)][0]:
                    best[(k, end)] = candidate
    found = best.get((lines, len(title)))
    return found[1] if found else None


def chinese_date(day: date) -> str:
    """GB/T 9704-2012 7.3.5.1: the date in Arabic numerals, year in full, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def letter_content(reply: Reply, *, show_phones: bool) -> Letter:
    """The letter's lines; phone numbers masked unless ``show_phones`` (tracker.privacy)."""
    proposal = reply.assignment.proposal
    # The name the unit had when it signed, even if it was renamed since.
    department = reply.signer
    lead = proposal.lead_deputy.name
    salutation = f"尊敬的{lead}等代表：" if proposal.co_signers.exists() else f"尊敬的{lead}代表："
    body = reply.body if show_phones else mask_phones(reply.body)
    phone = reply.contact_phone if show_phones else mask_phone(reply.contact_phone)
    # The letter must name the suggestion it answers; most bodies quote it in the opening
    # sentence, otherwise it is printed under the title, as the page on screen does.
    subject = "" if f"《{proposal.title}》" in body else f"《{proposal.title}》"
    sent_on = reply.sent_on
    about = f"关于{proposal.session.name}"
    return Letter(
        document_number=reply.document_number.strip(),
        title=f"{department}{about}第{proposal.number}号建议答复的函",
        title_breaks=(len(department), len(department) + len(about)),
        subject=subject,
        salutation=salutation,
        paragraphs=body_paragraphs(body),
        signed_by=department,
        date=chinese_date(sent_on) if sent_on else "",
        date_iso=sent_on.isoformat() if sent_on else "",
        # A published copy names no contact person (Publication.public_copy).
        contact=f"（联系人：{reply.contact_name}，电话：{phone}）" if reply.contact_name or phone else "",
        grade=f"办理结果：{reply.grade}",
        publicity=f"公开方式：{PUBLICITY_WORDS[reply.publicity]}",
        copy_to=reply.copy_to_list,
    )


def body_paragraphs(body: str) -> list[LetterParagraph]:
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    levels: dict[str, int] = {}
    paragraphs = []
    for line in lines:
        style = next((name for name, pattern in HEADING_STYLES if pattern.match(line)), None)
        if style is not None and style not in levels and len(levels) < 2:
            levels[style] = len(levels) + 1
        level = levels.get(style, 0) if style else 0
        if not level:
            paragraphs.append(LetterParagraph(line))
            continue
        run_on = HEADING_RUN_ON.match(line)
        heading_length = len(run_on.group(1)) if run_on else len(line)
        paragraphs.append(LetterParagraph(line, level, heading_length))
    return paragraphs


def letter_filename(reply: Reply, ext: str) -> str:
    """ "20240493-深圳市龙岗区人民政府-答复函.docx", with characters no file system accepts removed."""
    name = f"{reply.assignment.proposal.number}-{reply.signer}-答复函"
    return re.sub(r'[\\/:*?"<>|\s]+', "", name) + "." + ext.lstrip(".")


# ---------------------------------------------------------------------------------------
# The Word file


def letter_docx(reply: Reply, *, show_phones: bool) -> bytes:
    """The sent reply as a GB/T 9704-2012 letter in a .docx file."""
    letter = letter_content(reply, show_phones=show_phones)
    document = Document()
    _set_up_page(document)
    _set_up_styles(document)
    _register_fonts(document)

    if letter.document_number:
        _paragraph(document, letter.document_number, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, letter.title, font=XIAOBIAOSONG, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    if letter.subject:
        _paragraph(document, letter.subject, align=WD_ALIGN_PARAGRAPH.CENTER)
    document.add_paragraph()  # 标题下空一行
    _paragraph(document, letter.salutation)
    for paragraph in letter.paragraphs:
        _body_paragraph(document, paragraph)

    # Signing body centred over the date; two blank lines above it for the seal.
    signature = _paragraph(document, letter.signed_by, align=WD_ALIGN_PARAGRAPH.RIGHT)
    signature.paragraph_format.right_indent = Pt(letter.signature_indent_pt)
    signature.paragraph_format.space_before = 2 * LINE
    if letter.date:
        dated = _paragraph(document, letter.date, align=WD_ALIGN_PARAGRAPH.RIGHT)
        dated.paragraph_format.right_indent = 4 * CHAR

    if letter.contact:
        contact = _paragraph(document, letter.contact, indent=True)
        contact.paragraph_format.space_before = LINE
    _paragraph(document, letter.grade)
    _paragraph(document, letter.publicity)
    if letter.copy_to:
        _copy_to(document, letter.copy_to_line)

    _page_number_footers(document)
    _core_properties(document, reply, letter)
    _drop_template_thumbnail(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_up_page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The page number sits 7 mm below the type area (GB/T 9704-2012 7.5).
    section.header_distance, section.footer_distance = Mm(15), Mm(23)
    # 22 lines of 28 characters. Lines snap to a 28 pt grid. Characters are not put on a
    # character grid (linesAndChars with a negative charSpace): Word squeezes each
    # character into its cell, but LibreOffice gives a 16 pt character two 15.8 pt cells
    # and prints 14 spaced-out characters a line. Body text is instead condensed by
    # CHAR_CONDENSE, so that 28 characters fill the 156 mm line in every program.
    sect_pr = section._sectPr
    for grid in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(grid)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(LINE.pt * 20)))
    sect_pr.append(grid)


def _set_up_styles(document: DocumentObject) -> None:
    normal = document.styles["Normal"]
    _set_font(normal.font, normal.element.get_or_add_rPr(), FANGSONG, BODY_SIZE)
    _set_language(normal.element.get_or_add_rPr())
    rpr = normal.element.get_or_add_rPr()
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_CONDENSE_TWIPS))
    rpr.insert_element_before(spacing, *AFTER_SPACING)
    # Chinese line breaking: no punctuation at the start of a line, no squeezing of
    # spaces. Added before python-docx's own properties, which it inserts in schema order.
    ppr = normal.element.get_or_add_pPr()
    for tag, value in (
        ("w:kinsoku", "1"),
        ("w:overflowPunct", "1"),
        ("w:autoSpaceDE", "0"),
        ("w:autoSpaceDN", "0"),
    ):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        ppr.append(element)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    # The document defaults too, so that the grid's character pitch is computed from 16 pt.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            for tag in ("w:sz", "w:szCs"):
                for old in rpr.findall(qn(tag)):
                    rpr.remove(old)
                size = OxmlElement(tag)
                size.set(qn("w:val"), str(int(BODY_SIZE.pt * 2)))
                lang = rpr.find(qn("w:lang"))
                if lang is None:
                    rpr.append(size)
                else:
                    lang.addprevious(size)


def _set_language(rpr: etree._Element) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _set_font(font: Font, rpr: etree._Element, name: str, size: Length) -> None:
    """python-docx sets only the ascii/hAnsi faces; Chinese text uses the eastAsia one."""
    font.name = name
    font.size = size
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    fonts.attrib.pop(qn("w:asciiTheme"), None)
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)


def _run(paragraph: Paragraph, text: str, font: str, size: Length) -> None:
    run = paragraph.add_run(text)
    _set_font(run.font, run._element.get_or_add_rPr(), font, size)


def _paragraph(
    document: DocumentObject,
    text: str,
    *,
    font: str = FANGSONG,
    size: Length = BODY_SIZE,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
) -> Paragraph:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        _indent_two_characters(paragraph)
    _run(paragraph, text, font, size)
    return paragraph


def _indent_two_characters(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.first_line_indent = 2 * CHAR
    # Word measures firstLineChars in hundredths of a character, whatever the font size.
    paragraph.paragraph_format.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")


def _body_paragraph(document: DocumentObject, paragraph: LetterParagraph) -> None:
    out = document.add_paragraph()
    out.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_two_characters(out)
    if paragraph.level:
        _run(out, paragraph.heading, HEITI if paragraph.level == 1 else KAITI, BODY_SIZE)
    if paragraph.rest:
        _run(out, paragraph.rest, FANGSONG, BODY_SIZE)


def _copy_to(document: DocumentObject, text: str) -> None:
    """版记: the copy-to line in 四号, one character in from each side, between thin rules."""
    paragraph = _paragraph(document, text, size=PAGE_NUMBER_SIZE)
    paragraph.paragraph_format.space_before = LINE
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = PAGE_NUMBER_SIZE
    borders = OxmlElement("w:pBdr")
    for side in ("top", "bottom"):
        rule = OxmlElement(f"w:{side}")
        rule.set(qn("w:val"), "single")
        rule.set(qn("w:sz"), "4")  # eighths of a point: a 0.5 pt rule
        rule.set(qn("w:space"), "1")
        rule.set(qn("w:color"), "000000")
        borders.append(rule)
    ppr = paragraph.paragraph_format.element.get_or_add_pPr()
    # pBdr comes before spacing/ind/jc in CT_PPr's sequence.
    ppr.insert(0, borders)
    style = ppr.find(qn("w:pStyle"))
    if style is not None:
        ppr.remove(style)
        ppr.insert(0, style)


def _page_number_footers(document: DocumentObject) -> None:
    """ "— 1 —" in 四号 宋体, one character in from the outside edge: odd right, even left."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        _run(paragraph, "— ", SONGTI, PAGE_NUMBER_SIZE)
        _page_field(paragraph)
        _run(paragraph, " —", SONGTI, PAGE_NUMBER_SIZE)


def _page_field(paragraph: Paragraph) -> None:
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        _set_font(run.font, run._element.get_or_add_rPr(), SONGTI, PAGE_NUMBER_SIZE)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)
        elif text == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._element.append(instruction)
        else:
            run.text = text


# (name, substitute, panose-1, family, pitch): charset 86 is GB2312. Word and LibreOffice
# fall back to the altName, then to the family, when the named face is missing.
FONT_TABLE = [
    (FANGSONG, "仿宋", "02010609030101010101", "modern", "fixed"),
    ("仿宋", "FangSong", "02010609060101010101", "modern", "fixed"),
    (XIAOBIAOSONG, SONGTI, "02000000000000000000", "script", "variable"),
    (SONGTI, "SimSun", "02010600030101010101", "auto", "variable"),
    (HEITI, "SimHei", "02010609060101010101", "modern", "fixed"),
    (KAITI, "楷体", "02010609030101010101", "modern", "fixed"),
    ("楷体", "KaiTi", "02010609060101010101", "modern", "fixed"),
]


def _register_fonts(document: DocumentObject) -> None:
    part = next(p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, substitute, panose, family, pitch in FONT_TABLE:
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (
            ("w:altName", substitute),
            ("w:panose1", panose),
            ("w:charset", "86"),
            ("w:family", family),
            ("w:pitch", pitch),
        ):
            etree.SubElement(font, qn(tag)).set(qn("w:val"), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _drop_template_thumbnail(document: DocumentObject) -> None:
    """python-docx's template carries a preview image of an unrelated page; file managers
    would show it instead of the letter."""
    rels = document.part.package.rels
    for rel_id in [rid for rid, rel in rels.items() if rel.reltype.endswith("/thumbnail")]:
        del rels[rel_id]


def _core_properties(document: DocumentObject, reply: Reply, letter: Letter) -> None:
    properties = document.core_properties
    properties.title = letter.title
    properties.subject = reply.assignment.proposal.title
    properties.author = properties.last_modified_by = letter.signed_by
    properties.language = "zh-CN"
    properties.comments = properties.keywords = ""
    properties.revision = 1
    if reply.sent_on:
        properties.created = properties.modified = datetime.combine(reply.sent_on, time(), tzinfo=UTC)
