"""Reading a reply letter (答复函) file into normalised plain text.

Real letters arrive as Word files (.docx) or as text exports of them. Both are turned
into the same text: one paragraph a line, conversion artefacts removed, full-width
digits and Latin letters made half-width. Chinese punctuation (，：（）“”) is kept as
printed; the parser accepts both widths.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from django.utils.translation import gettext

__all__ = ["LetterError", "check_text", "normalise_text", "read_letter_text"]


class LetterError(ValueError):
    """A file that cannot be read as a reply letter; the message names the file."""


# Magic bytes: what the content is, whatever the file is called.
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls / .wps
PDF_MAGIC = b"%PDF"
RTF_MAGIC = b"{\\rtf"

TEXT_SUFFIXES = {".txt", ".text", ""}


def read_letter_text(data: bytes, filename: str) -> str:
    """The letter's text, normalised; raises LetterError naming the file when it cannot be read."""
    suffix = PurePath(filename).suffix.lower()
    if not data or not data.strip():
        raise LetterError(gettext("%(file)s: the file is empty") % {"file": filename})
    if data.startswith(ZIP_MAGIC):
        if suffix not in (".docx", *TEXT_SUFFIXES):
            raise LetterError(
                gettext("%(file)s: unsupported file type (only .txt and .docx letters can be read)")
                % {"file": filename}
            )
        from tracker.archives import ArchiveRefused, check_ooxml

        try:
            # Before python-docx unpacks anything: no zip bomb, nothing but a Word document.
            check_ooxml(data, filename, kind="docx")
        except ArchiveRefused as exc:
            if not zipfile.is_zipfile(io.BytesIO(data)):
                raise LetterError(
                    gettext("%(file)s: not a valid Word file (the zip is damaged)") % {"file": filename}
                ) from exc
            raise LetterError(str(exc)) from exc
        return normalise_text(_docx_text(data, filename))
    if suffix == ".docx":
        # A .docx is always a zip; anything else (a renamed .doc, a cut-off download) is not one.
        if data.startswith(OLE_MAGIC):
            raise LetterError(
                gettext("%(file)s: unsupported file type (an old .doc Word file; save it as .docx)")
                % {"file": filename}
            )
        raise LetterError(
            gettext("%(file)s: not a valid Word file (the zip is damaged)") % {"file": filename}
        )
    if data.startswith(OLE_MAGIC):
        raise LetterError(
            gettext("%(file)s: unsupported file type (an old .doc Word file; save it as .docx)")
            % {"file": filename}
        )
    if data.startswith(PDF_MAGIC):
        raise LetterError(
            gettext("%(file)s: unsupported file type (a PDF; only .txt and .docx letters can be read)")
            % {"file": filename}
        )
    if data.startswith(RTF_MAGIC) or suffix not in TEXT_SUFFIXES:
        raise LetterError(
            gettext("%(file)s: unsupported file type (only .txt and .docx letters can be read)")
            % {"file": filename}
        )
    return normalise_text(_decode(data, filename))


def check_text(data: bytes, filename: str) -> None:
    """LetterError naming the file unless it is text in one of the encodings letters come in."""
    if not data or not data.strip():
        raise LetterError(gettext("%(file)s: the file is empty") % {"file": filename})
    _decode(data, filename)


def _decode(data: bytes, filename: str) -> str:
    """Text exports come as UTF-8 (with or without BOM), GB18030/GBK, or UTF-16 with a BOM."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise LetterError(gettext("%(file)s: not a text file (it holds binary data)") % {"file": filename})
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LetterError(gettext("%(file)s: not a text file (neither UTF-8 nor GB18030)") % {"file": filename})


def _docx_text(data: bytes, filename: str) -> str:
    """Paragraphs and table cells of a .docx in body order, one paragraph a line."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, OSError) as error:
        raise LetterError(
            gettext("%(file)s: not a valid Word file (the zip is damaged)") % {"file": filename}
        ) from error
    except Exception as error:  # lxml errors from a damaged document.xml
        raise LetterError(
            gettext("%(file)s: not a valid Word file (%(error)s)")
            % {"file": filename, "error": type(error).__name__}
        ) from error
    numbering = _WordNumbering(document)
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == W + "p":
            lines.append(numbering.label(child) + _paragraph_text(child))
        elif child.tag == W + "tbl":
            # A letter's contact block or grade is sometimes laid out in a table.
            for cell_paragraph in child.iter(W + "p"):
                lines.append(_paragraph_text(cell_paragraph))
    return "\n".join(lines)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CN_NUMERALS = "〇一二三四五六七八九"


class _WordNumbering:
    """The "一、" / "（一）" / "1." that Word's automatic list numbering prints before a paragraph.

    Real letters often number their sections with Word lists, so the number is not in the
    paragraph's text; without it the parser would see no sections. Numbering set on the
    paragraph (w:numPr) is rendered from numbering.xml's level format and text ("%1、");
    numbering inherited from a paragraph style is not.
    """

    def __init__(self, document) -> None:
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(W + "abstractNumId"): a for a in numbering.iter(W + "abstractNum")}
        for num in numbering.iter(W + "num"):
            reference = num.find(W + "abstractNumId")
            definition = abstract.get(reference.get(W + "val")) if reference is not None else None
            if definition is None:
                continue
            for level in definition.iter(W + "lvl"):
                fmt, text, start = (
                    level.find(W + "numFmt"),
                    level.find(W + "lvlText"),
                    level.find(W + "start"),
                )
                self.levels[(num.get(W + "numId"), int(level.get(W + "ilvl", "0")))] = (
                    fmt.get(W + "val") if fmt is not None else "decimal",
                    text.get(W + "val") if text is not None else "",
                    int(start.get(W + "val")) if start is not None else 1,
                )

    def label(self, paragraph) -> str:
        number = paragraph.find(f"{W}pPr/{W}numPr")
        if number is None or not self.levels:
            return ""
        num_id = number.find(W + "numId")
        ilvl = number.find(W + "ilvl")
        num_id = num_id.get(W + "val") if num_id is not None else None
        ilvl = int(ilvl.get(W + "val")) if ilvl is not None else 0
        if (num_id, ilvl) not in self.levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, len(counters)):
            counters[deeper] = 0
        fmt, text, _ = self.levels[(num_id, ilvl)]
        if fmt in ("bullet", "none"):
            return ""

        def render(match: re.Match) -> str:
            level = int(match.group(1)) - 1
            level_fmt, _, start = self.levels.get((num_id, level), ("decimal", "", 1))
            return _format_number(counters[level] + start - 1, level_fmt)

        return re.sub(r"%([1-9])", render, text)


def _format_number(value: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideograph", "japanese", "taiwanese")):
        return _chinese_numeral(value)
    if fmt == "lowerLetter":
        return chr(ord("a") + (value - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (value - 1) % 26)
    if fmt == "decimalEnclosedCircle" and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    return str(value)


def _chinese_numeral(value: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 23 → 二十三 (list numbers stay below 100)."""
    if value < 10:
        return CN_NUMERALS[value]
    tens, units = divmod(value, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens]) + "十" + (CN_NUMERALS[units] if units else "")


def _paragraph_text(paragraph_element) -> str:
    """A w:p's text: runs, tabs as spaces and soft line breaks (Shift+Enter) as new lines."""
    parts: list[str] = []
    for node in paragraph_element.iter(W + "t", W + "tab", W + "br"):
        if node.tag == W + "t":
            parts.append(node.text or "")
        elif node.tag == W + "tab":
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)


# "[bookmark: _GoBack]", "[bookmark: _Hlk161760914]" and other "[word: value]" artefacts of
# a Word-to-text conversion; an ASCII word then a colon, so "[2024]" or "[注]" are kept.
CONVERSION_ARTEFACT = re.compile(
    r"\[(?:bookmark|comment|footnote|endnote|image|pic|[a-z]+)\s*:[^\]\n]*\]", re.I
)
# HTML-ish tags from a web export: <p>, </span>, <br/>.
HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>\n]*)?/?>")
HTML_BREAK = re.compile(r"<br\s*/?>|</p>", re.I)
HTML_ENTITIES = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"'}
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
# A tag or entity whose "<" / "&" was lost in a copy: "建?/strong>?120号", "建?nbsp;".
BROKEN_MARKUP = re.compile(r"(?<=[?？])/?(?:strong|span|font|em|b|p|div)>|[?？]nbsp;")
# Characters that print as nothing: zero-width spaces and joiners, soft hyphens, BOMs.
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
BLANK_RUN = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """One paragraph a line, trimmed; artefacts removed; full-width digits/letters half-width."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = INVISIBLE.sub("", text)
    if "<" in text or "nbsp;" in text or ">" in text:
        text = HTML_COMMENT.sub("", text)
        text = BROKEN_MARKUP.sub("", text)
    text = HTML_BREAK.sub("\n", text)
    text = HTML_TAG.sub("", text)
    for entity, char in HTML_ENTITIES.items():
        text = text.replace(entity, char)
    text = CONVERSION_ARTEFACT.sub("", text)
    if FULL_WIDTH.search(text):  # most letters have none; translate() is slow on long text
        text = text.translate(HALF_WIDTH)
    lines = [line.strip(" \t\u3000\u00a0") for line in text.split("\n")]
    return BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n")


# ２０２４ → 2024, Ａ → A, a no-break space → space; Chinese punctuation (，：（）) is kept.
HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}
HALF_WIDTH.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})
HALF_WIDTH.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})
HALF_WIDTH[0x00A0] = 0x20
FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u00a0]")
