"""Parsing a reply letter (答复函) into structured fields.

A letter has a header (document number, grade, title line), a salutation
(尊敬的陈寿等代表：), a preamble that names the suggestion and who handles it, numbered
answer sections, a closing (再次感谢…专此函复。), the signing body and date, a contact
line, and sometimes 抄送 / 公开方式 / 办理结果 lines. Every rule below names the printed
form it reads. A field the letter does not print comes back empty, never guessed.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext

from responses.letters.text import LetterError, normalise_text, read_letter_text

__all__ = ["Department", "ParsedLetter", "Section", "parse_letter", "parse_letter_text"]

CN_DIGITS = "〇○零一二三四五六七八九十"
HAN = r"\u4e00-\u9fff"


@dataclass
class Department:
    name: str
    role: str  # "lead" (主办) | "co" (会办/协办) | "separate" (分办)


@dataclass
class Section:
    heading: str
    body: str


@dataclass
class ParsedLetter:
    number: str | None
    congress: str | None
    session: str | None
    title: str | None
    lead_deputy: str | None
    has_co_signers: bool | None
    departments: list[Department]
    sections: list[Section]
    commitment_candidates: list[str]
    date: datetime.date | None
    signed_by: str | None
    contact_name: str | None
    contact_phones: list[str]
    grade: str | None
    publicity: str | None
    copy_to: list[str]
    document_number: str | None = None
    text: str = ""

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "congress": self.congress,
            "session": self.session,
            "title": self.title,
            "lead_deputy": self.lead_deputy,
            "has_co_signers": self.has_co_signers,
            "departments": [{"name": d.name, "role": d.role} for d in self.departments],
            "sections": [{"heading": s.heading, "body": s.body} for s in self.sections],
            "commitment_candidates": list(self.commitment_candidates),
            "date": self.date.isoformat() if self.date else None,
            "signed_by": self.signed_by,
            "contact_name": self.contact_name,
            "contact_phones": list(self.contact_phones),
            "grade": self.grade,
            "publicity": self.publicity,
            "copy_to": list(self.copy_to),
        }


# ---------------------------------------------------------------------------------------
# Entry points


def parse_letter(data: bytes, filename: str) -> ParsedLetter:
    """Read and parse a file; LetterError when it cannot be read or is not a reply letter."""
    text = read_letter_text(data, filename)
    if not looks_like_reply_letter(text):
        name = PurePath(filename).name
        raise LetterError(
            gettext("%(file)s: not a reply letter (no suggestion number, salutation or reply wording found)")
            % {"file": name}
        )
    return _parse_normalised(text)


def parse_letter_text(text: str) -> ParsedLetter:
    """Parse a letter's text (normalised here: artefacts, widths, line endings)."""
    return _parse_normalised(normalise_text(text))


def _parse_normalised(text: str) -> ParsedLetter:
    lines = text.split("\n")
    sections, first_heading, body_end = find_sections(lines)
    # The header and preamble: everything before the first numbered section (or before
    # the closing when there is none); the tail: from the closing on.
    head_end = first_heading if first_heading is not None else body_end
    head = "\n".join(lines[:head_end])
    tail_lines = lines[body_end:]
    date, date_index = find_date(tail_lines)
    signed_by = find_signed_by(tail_lines, date_index)
    contact_name, contact_phones = find_contact(lines)
    congress, session = find_congress(text)
    lead_deputy, has_co_signers = find_salutation(lines[:head_end] or lines)
    if lead_deputy is None:
        # A letter to the lead unit (a co-handler's opinion) names the deputies in its text.
        lead_deputy, has_co_signers = find_deputy_in_text(head)
    return ParsedLetter(
        number=find_number(text),
        congress=congress,
        session=session,
        title=find_title(head),
        lead_deputy=lead_deputy,
        has_co_signers=has_co_signers,
        departments=find_departments(head, signed_by) or find_signer_role(head, signed_by),
        sections=sections,
        commitment_candidates=find_commitment_candidates(sections),
        date=date,
        signed_by=signed_by,
        contact_name=contact_name,
        contact_phones=contact_phones,
        grade=find_grade(text),
        publicity=find_publicity(lines, sections),
        copy_to=find_copy_to(lines),
        document_number=find_document_number(lines),
        text=text,
    )


# Reply wording: 答复 (答复如下, 答复的函), 函复 (专此函复), 收悉 (…的建议收悉), 此复.
REPLY_WORDING = re.compile(r"答复|函复|收悉|此复|办理意见")


def looks_like_reply_letter(text: str) -> bool:
    """A suggestion number, a salutation to deputies, or reply wording: one is enough."""
    if REPLY_WORDING.search(text):
        return True
    if find_number(text):
        return True
    return find_salutation(text.split("\n"))[0] is not None


# ---------------------------------------------------------------------------------------
# Number, congress and session, title


# "第20240493号建议", "第20240493号《关于…》", "会议第0123号", "第2024-0123号代表建议",
# "《关于…的建议》（第20240493号）收悉".
NUMBER_IN_TEXT = re.compile(
    r"第\s*([0-9A-Za-z][0-9A-Za-z\-]*)\s*号\s*(?=《|建议|代表建议|议案|的建议|提案|“|[）)]\s*收悉)"
)
NUMBER_AFTER_SESSION = re.compile(r"(?:会议|期间)\s*第\s*([0-9A-Za-z][0-9A-Za-z\-]*)\s*号")
# "建议编号：20240493", "建议号：2024-0123", "编号：0123".
NUMBER_LABELLED = re.compile(
    r"(?:建议编号|建议号|议案编号|编号)\s*[:：]\s*(?:第\s*)?([0-9A-Za-z][0-9A-Za-z\-]*)"
)


def find_number(text: str) -> str | None:
    for pattern in (NUMBER_IN_TEXT, NUMBER_AFTER_SESSION, NUMBER_LABELLED):
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


# "七届人大五次 会议", "第七届人民代表大会第五次会议", "七届人大常委会闭会期间".
CONGRESS = re.compile(
    rf"(第?[{CN_DIGITS}\d]+\s*届)\s*(人大|人民代表大会)(?:\s*常委会)?"
    rf"\s*(第?\s*[{CN_DIGITS}\d]+\s*次\s*会\s*议|闭\s*会\s*期\s*间)?"
)
# A place before the term: "深圳市", "广东省", "龙岗区"; the word before it is cut off at
# a boundary so that "您在深圳市" gives "深圳市" and "关于市" gives nothing.
PLACE_BOUNDARY = re.compile(rf"[^{HAN}]|[在于的您是及和与关函府上届对向就据]")
# "市七届人大", "区六届人大": the level alone, as letters to a city's deputies write it.
LEVEL_BEFORE = re.compile(rf"(?:^|[^{HAN}]|[在于的您是及和与关函府上届对向就据])([省市区县])$")
PLACE = re.compile(rf"^[{HAN}]{{2,8}}(?:省|市|区|县|自治区|自治州)$")


def find_congress(text: str) -> tuple[str | None, str | None]:
    """(congress with its term and place as written, session) — "深圳市七届人大", "五次会议".
    A place in full (深圳市) wins over the level alone (市七届人大), wherever it comes."""
    best: tuple[str, str | None] | None = None
    for match in CONGRESS.finditer(text):
        term = re.sub(r"\s+", "", match.group(1)) + match.group(2)
        session = re.sub(r"\s+", "", match.group(3)) if match.group(3) else None
        preceding = text[max(0, match.start() - 12) : match.start()]
        place = _place_before(preceding)
        if place:
            return place + term, session or (best[1] if best else None)
        level = LEVEL_BEFORE.search(preceding)
        if best is None:
            best = ((level.group(1) if level else "") + term, session)
        elif best[1] is None and session:
            best = (best[0], session)
    return best if best else (None, None)


def _place_before(preceding: str) -> str | None:
    cut = 0
    for boundary in PLACE_BOUNDARY.finditer(preceding):
        cut = boundary.end()
    candidate = preceding[cut:]
    return candidate if PLACE.match(candidate) else None


# The suggestion's title quoted in 《…》; may wrap over lines in a text export.
QUOTED_TITLE = re.compile(r"《([^《》]{4,300}?)》")
# Fallback: "关于…的建议" in running text (not "关于市七届人大…第…号建议").
TITLE_PHRASE = re.compile(r"关于[^。；，,\n《》]{2,120}?的(?:建议|议案|提案)")


def find_title(text: str) -> str | None:
    quoted = [re.sub(r"\s+", "", match.group(1)) for match in QUOTED_TITLE.finditer(text)]
    # A suggestion first: the preamble may cite a policy 《关于…的意见》 before it.
    for ending in (r"(建议|议案|提案)$", r"(意见|问题)$"):
        for title in quoted:
            if re.search(ending, title):
                return title
    for match in TITLE_PHRASE.finditer(text):
        title = re.sub(r"\s+", "", match.group(0))
        if not re.search(r"人大|号建议|会议", title):
            return title
    return None


# ---------------------------------------------------------------------------------------
# Salutation: "尊敬的陈寿等代表：", "尊敬的陈寿代表", "陈寿等3名代表：", "陈寿、李四代表："

NAME = rf"[{HAN}·]{{2,4}}?"
SALUTATION = re.compile(
    rf"^(?:尊敬的)?\s*({NAME})\s*"
    rf"(?P<more>(?:[、，,]\s*{NAME})+)?\s*(?P<others>等\s*(?:[\d{CN_DIGITS}]+\s*[名位])?)?"
    r"\s*(?:人大)?代表(?:们)?\s*[:：,，]?$"
)
NOT_A_NAME = {"人大", "各位", "全体", "有关", "相关", "尊敬", "市人大", "区人大"}


# "尊敬的陈寿等代表：您提出的…收悉" — the salutation and the preamble in one paragraph.
SALUTATION_RUN_ON = re.compile(
    rf"^尊敬的\s*({NAME})\s*"
    rf"(?P<more>(?:[、，,]\s*{NAME})+)?\s*(?P<others>等\s*(?:[\d{CN_DIGITS}]+\s*[名位])?)?"
    r"\s*(?:人大)?代表(?:们)?\s*[:：]"
)


def _salutation_match(line: str) -> re.Match | None:
    line = line.strip()
    match = SALUTATION.match(line) or SALUTATION_RUN_ON.match(line)
    return match if match and match.group(1) not in NOT_A_NAME else None


# "陈寿等代表提出的《…》", "王晓梅代表在市七届人大五次会议上提出的", "陈寿等5名代表领衔提出".
DEPUTY_IN_TEXT = re.compile(
    rf"(?<![{HAN}])(?:由|是|对)?({NAME})\s*(?P<others>等\s*(?:[\d{CN_DIGITS}]+\s*[名位])?)?\s*(?:人大)?代表"
    r"(?:在[^，。；\n]{0,40}?)?(?:领衔)?(?:提出|所提)"
)


def find_deputy_in_text(head: str) -> tuple[str | None, bool | None]:
    for match in DEPUTY_IN_TEXT.finditer(head):
        if match.group(1) not in NOT_A_NAME:
            return match.group(1), bool(match.group("others"))
    return None, None


def find_salutation(lines: list[str]) -> tuple[str | None, bool | None]:
    for line in lines:
        match = _salutation_match(line)
        if match:
            return match.group(1), bool(match.group("others") or match.group("more"))
    return None, None


# ---------------------------------------------------------------------------------------
# Departments: who handles the suggestion, as the preamble says

ROLE_BY_WORD = {"牵头": "lead", "主办": "lead", "会办": "co", "协办": "co", "分办": "separate"}
SELF_REFERENCES = {
    "我局",
    "我单位",
    "我区",
    "我委",
    "我办",
    "本单位",
    "我院",
    "我中心",
    "我司",
    "本局",
    "我部门",
}
# Words that open a clause before the unit's name: "按照办理分工，龙岗区为主办单位",
# "经市政府确定，…", "该建议由…".
CLAUSE_OPENERS = re.compile(r"^(?:按照|根据|经(?!济)|其中|本件|本建议|该建议|此件|由|现|目前)+")
# "龙岗区为主办单位", "我局作为协办单位", "市发展改革委、市水务局为会办单位", "…为牵头单位".
UNIT_IS_ROLE = re.compile(
    r"([^，。；：:\n（(]{2,60}?)(?:为|是|作为|系)(?:本建议的?|该建议的?)?(牵头|主办|会办|协办|分办)单位"
)
# "由市交通运输局主办，市规划和自然资源局、市发展改革委会办", "由市水务局牵头办理".
LEAD_BY = re.compile(r"由([^，。；：:\n]{2,60}?)(?:负责)?(?:主办|牵头)")
CO_AFTER_LEAD = re.compile(r"^[，,、]\s*([^，。；：:\n]{2,80}?)(?:负责)?(会办|协办)")
# "（主办单位：市交通运输局；会办单位：市规划和自然资源局、市发展改革委）".
ROLE_LABEL = re.compile(r"(牵头|主办|会办|协办|分办)单位\s*[:：为是]\s*([^；;。）)\n]+)")
NAME_SEPARATORS = re.compile(r"[、，,]|以及|及(?=[市区省])")


def find_departments(head: str, signed_by: str | None) -> list[Department]:
    found: list[Department] = []

    def add(names: str, role_word: str) -> None:
        for name in NAME_SEPARATORS.split(names):
            name = CLAUSE_OPENERS.sub("", name.strip(' 　“”"')).strip()
            if name in SELF_REFERENCES:
                if not signed_by:
                    continue
                name = signed_by
            if 2 <= len(name) <= 30:
                department = Department(name, ROLE_BY_WORD[role_word])
                if department not in found:
                    found.append(department)

    for match in ROLE_LABEL.finditer(head):
        add(match.group(2), match.group(1))
    for match in UNIT_IS_ROLE.finditer(head):
        add(match.group(1), match.group(2))
    for match in LEAD_BY.finditer(head):
        add(match.group(1), "主办")
        co = CO_AFTER_LEAD.match(head[match.end() :])
        if co:
            add(co.group(1), co.group(2))
    return found


# "…建议会办意见的函", "现将我局协办意见函告如下": the signing unit says it co-handles.
CO_OPINION = re.compile(r"(会办|协办)意见")


def find_signer_role(head: str, signed_by: str | None) -> list[Department]:
    match = CO_OPINION.search(head)
    return [Department(signed_by, ROLE_BY_WORD[match.group(1)])] if match and signed_by else []


# ---------------------------------------------------------------------------------------
# Sections

# Numbering styles, each a level: "一、", "（一）", "1、 1. 1．", "（1）", "第一，".
HEADING_STYLES = [
    ("cn", re.compile(rf"^[{CN_DIGITS}]{{1,3}}\s*[、.．]\s*")),
    ("paren_cn", re.compile(rf"^[（(]\s*[{CN_DIGITS}]{{1,3}}\s*[）)]\s*[、.．]?\s*")),
    ("arabic", re.compile(r"^\d{1,2}\s*(?:[、．]|\.(?!\d))\s*")),
    ("paren_arabic", re.compile(r"^[（(]\s*\d{1,2}\s*[）)]\s*[、.．]?\s*")),
    ("ordinal", re.compile(rf"^第[{CN_DIGITS}]{{1,3}}\s*[，,、:：]\s*")),
]
# The closing after the last section: "再次感谢您…", "最后，衷心感谢…", "专此函复。", "特此函复".
CLOSING = re.compile(
    r"^(?:最后[，,]?\s*)?(?:再次|衷心|非常|诚挚)?(?:感谢|谢谢)|^(?:专此|特此)?函复|^此复|^以上答复"
)
# Lines that can only belong to the tail: contact, copy-to, grade, publicity, signature date.
TAIL_LINE = re.compile(
    r"^[（(]?\s*(?:联系人|联\s*系\s*人|抄\s*送|办理结果|答复类别|公开方式|是否同意公开|领导签发|签发人)"
)


def heading_style(line: str) -> str | None:
    for name, pattern in HEADING_STYLES:
        if pattern.match(line):
            return name
    return None


def find_sections(lines: list[str]) -> tuple[list[Section], int | None, int]:
    """(sections, index of the first heading line or None, index where the tail begins).

    The first numbered line after the salutation sets the top level for this letter:
    the seed uses "1、" with 一是/二是 inside; others use "一、" with "（一）" inside.
    """
    start = _body_start(lines)
    end = _tail_start(lines, start)
    top_style = None
    headings: list[int] = []
    for index in range(start, end):
        style = heading_style(lines[index])
        if style is None:
            continue
        if top_style is None:
            top_style = style
        if style == top_style:
            headings.append(index)
    sections = []
    for position, index in enumerate(headings):
        stop = headings[position + 1] if position + 1 < len(headings) else end
        heading, rest = _split_heading(HEADING_STYLES_BY_NAME[top_style].sub("", lines[index], count=1))
        body_lines = ([rest] if rest else []) + [line for line in lines[index + 1 : stop] if line]
        sections.append(Section(heading, "\n".join(body_lines)))
    return sections, (headings[0] if headings else None), end


HEADING_STYLES_BY_NAME = dict(HEADING_STYLES)


def _body_start(lines: list[str]) -> int:
    """After the salutation when there is one (numbered lines above it are not sections)."""
    for index, line in enumerate(lines):
        if _salutation_match(line):
            return index + 1
    return 0


def _tail_start(lines: list[str], start: int) -> int:
    """The closing paragraph, or else the first tail-only line or date line after the body.

    Searched from the first paragraph of prose or numbered line on, so that a grade or a
    "领导签发" line printed above the title (in a letter without salutation) is not the tail.
    """
    first_text = next(
        (i for i in range(start, len(lines)) if len(lines[i]) > 30 or heading_style(lines[i])), start
    )
    for index in range(first_text, len(lines)):
        line = lines[index]
        if TAIL_LINE.match(line):
            return index
        if _date_in_line(line, whole=True):
            # A signature line directly above the date belongs to the tail too.
            previous = _previous_non_blank(lines, index)
            if previous is not None and previous >= start and _looks_like_signature(lines[previous]):
                return previous
            return index
        # "非常感谢您对…" may open the preamble, or a section's answer; it closes the letter
        # only when no numbered line follows before the tail.
        if CLOSING.match(line) and not _numbered_line_follows(lines, index + 1):
            return index
    return len(lines)


def _numbered_line_follows(lines: list[str], begin: int) -> bool:
    for line in lines[begin:]:
        if TAIL_LINE.match(line) or _date_in_line(line, whole=True):
            return False
        if heading_style(line):
            return True
    return False


def _split_heading(text: str) -> tuple[str, str]:
    """ "加强统筹。我局已…" → ("加强统筹", "我局已…"): a heading line that runs on into its body."""
    text = text.strip()
    match = re.match(r"^(.{2,80}?)[。](.+)$", text)
    if match and not re.search(r"[“‘][^”’]*$", match.group(1)):
        return match.group(1).strip(), match.group(2).strip()
    return text, ""


# ---------------------------------------------------------------------------------------
# Commitment candidates: sentences that promise future action

SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
# Cues of future action, as replies print them.
FUTURE_CUES = re.compile(
    r"下一步|(?<!科技)(?<!行动)(?<!年度)(?<!投资)(?<!工作)计划(?![。；;，,、！？\s”》）)]|$|项目|单列|生育|中|内|书|表)|争取|力争|预计|年底前|年内|(?<![模虚比])拟(?!人)"
    r"|推动[^。；]{0,40}?尽快|(?<![期接对等看招款])待(?!遇)[^。；]{1,40}?后"
    # 将 as "will": not 已将/已经将 (past), 将军/将领/将士, 将近 (nearly).
    r"|(?<!已)(?<!已经)(?<!曾)将(?![军领士帅近])"
)
ITEM_NUMBER = re.compile(rf"^(?:\d{{1,2}}\s*(?:[、．]|\.(?!\d))|[（(]\s*[\d{CN_DIGITS}]{{1,3}}\s*[）)])\s*")
# 《…》 names a document ("三年行动计划"), not an intention.
DOCUMENT_NAME = re.compile(r"《[^《》]*》")


def find_commitment_candidates(sections: list[Section]) -> list[str]:
    candidates: list[str] = []
    for section in sections:
        for match in SENTENCE.finditer(section.body):
            # "2. 下一步，…" → "下一步，…": a lower-level item number is not part of the sentence.
            sentence = ITEM_NUMBER.sub("", match.group(0).strip())
            if len(sentence) < 4 or sentence in candidates:
                continue
            if FUTURE_CUES.search(DOCUMENT_NAME.sub("《》", sentence)):
                candidates.append(sentence)
    return candidates


# ---------------------------------------------------------------------------------------
# Date and signature

CN_NUMBER = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3}
CN_NUMBER.update({"四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
# "2024年11月18日", "2024 年 11 月 18 日".
ARABIC_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
# "2024.11.18", "2024-11-18", "2024/11/18".
NUMERIC_DATE = r"(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})"
# "二〇二四年十一月十八日", "二○二四年五月二十日".
CN_DAY = "[一二三四五六七八九十]{1,3}"
CHINESE_DATE = rf"([〇○零一二三四五六七八九Oo]{{4}})\s*年\s*({CN_DAY})\s*月\s*({CN_DAY})\s*日"
DATE = re.compile(rf"{ARABIC_DATE}|{NUMERIC_DATE}|{CHINESE_DATE}")


def _date_in_line(line: str, *, whole: bool) -> datetime.date | None:
    """The date in a line; with whole=True only when the line is a date (maybe "日期：…")."""
    line = line.strip()
    match = DATE.fullmatch(re.sub(r"^(?:日期|时间)\s*[:：]\s*", "", line)) if whole else DATE.search(line)
    return _to_date(match) if match else None


def _to_date(match: re.Match) -> datetime.date | None:
    groups = match.groups()
    try:
        if groups[0]:
            return datetime.date(int(groups[0]), int(groups[1]), int(groups[2]))
        if groups[3]:
            return datetime.date(int(groups[3]), int(groups[4]), int(groups[5]))
        year = int("".join(str(CN_NUMBER[char]) for char in groups[6]))
        month, day = chinese_number(groups[7]), chinese_number(groups[8])
        return datetime.date(year, month, day) if month and day else None
    except (ValueError, KeyError):
        return None


def chinese_number(text: str) -> int | None:
    """七 → 7, 十 → 10, 十三 → 13, 二十 → 20, 二十三 → 23, 15 → 15; None when it is not one."""
    text = unicodedata.normalize("NFKC", text)
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        if (tens and tens not in CN_NUMBER) or (units and units not in CN_NUMBER):
            return None
        return (CN_NUMBER[tens] if tens else 1) * 10 + (CN_NUMBER[units] if units else 0)
    return CN_NUMBER.get(text) if len(text) == 1 else None


def find_date(tail_lines: list[str]) -> tuple[datetime.date | None, int | None]:
    """The letter's own date: the last line of the tail that is only a date."""
    for index in range(len(tail_lines) - 1, -1, -1):
        date = _date_in_line(tail_lines[index], whole=True)
        if date:
            return date, index
    # "深圳市龙岗区人民政府 2024年11月18日" on one line.
    for index in range(len(tail_lines) - 1, -1, -1):
        match = re.fullmatch(rf"([{HAN}（）()]{{4,40}})\s+({DATE.pattern})", tail_lines[index].strip())
        if match:
            return _date_in_line(match.group(2), whole=True), index
    return None, None


SIGNATURE = re.compile(
    rf"^[{HAN}（）()·]{{2,40}}(?:政府|局|委员会|委|办公室|办|厅|院|中心|公司|集团|街道办事处|街道|分局|管理处|所|会|部|署|馆)"
    r"(?:[（(]?\s*(?:盖章|印章|代章|章)\s*[）)]?)?$"
)


def _looks_like_signature(line: str) -> bool:
    return bool(SIGNATURE.match(line.strip()))


def _previous_non_blank(lines: list[str], index: int) -> int | None:
    for previous in range(index - 1, -1, -1):
        if lines[previous].strip():
            return previous
    return None


def find_signed_by(tail_lines: list[str], date_index: int | None) -> str | None:
    """The signing body printed just above the date (or before it on the same line), verbatim."""
    if date_index is None:
        return None
    same_line = re.fullmatch(rf"([{HAN}（）()]{{4,40}})\s+({DATE.pattern})", tail_lines[date_index].strip())
    if same_line:
        return same_line.group(1)
    previous = _previous_non_blank(tail_lines, date_index)
    if previous is not None and _looks_like_signature(tail_lines[previous]):
        return re.sub(r"[（(]?\s*(?:盖章|印章|代章|章)\s*[）)]?$", "", tail_lines[previous].strip())
    return None


# ---------------------------------------------------------------------------------------
# Contact

# "（联系人：龙岗区发展和改革局杨郁波，电话：88180952、手机：13923831115）",
# "联系人及电话：张三 0755-88123456", "联 系 人：张三", "经办人：张三".
CONTACT = re.compile(r"(?:联\s*系\s*人|经\s*办\s*人)(?:及(?:联系)?电话|姓名)?\s*[:：]\s*(.*)")
# A following line that carries only the numbers: "联系电话：…", "电话：…", "手机：…".
PHONE_LINE = re.compile(r"^[（(]?\s*(?:联系电话|办公电话|电话|手机|联系方式)\s*[:：]")
PHONE = re.compile(r"(?<![\d\-])(?:0\d{2,3}\s*-\s*)?\d{7,8}(?:-\d{1,5})?(?![\d\-])|(?<!\d)1[3-9]\d{9}(?!\d)")
CONTACT_NAME_END = re.compile(r"[，,；;。:：、（(）)\s\d]|电话|手机|联系电话|办公电话")
# A unit before the person: "龙岗区发展和改革局杨郁波" → "杨郁波".
UNIT_THEN_PERSON = re.compile(
    rf"^(.*(?:局|委|办|厅|院|府|中心|公司|街道|所|处|科|室|队|站|部|会|组))([{HAN}·]{{2,4}})$"
)


UNIT_SUFFIX = re.compile(r"(?:局|委|办|厅|院|府|中心|公司|街道|所|处|科|室|队|站|部|会|组)$")


def find_contact(lines: list[str]) -> tuple[str | None, list[str]]:
    for index, line in enumerate(lines):
        match = CONTACT.search(line)
        if not match:
            continue
        rest = match.group(1)
        name_match = CONTACT_NAME_END.search(rest)
        name = (rest[: name_match.start()] if name_match else rest).strip()
        contact_text = rest
        for following in lines[index + 1 : index + 3]:
            if PHONE_LINE.match(following):
                contact_text += "\n" + following
        phones = [_normalise_phone(phone) for phone in PHONE.findall(_dashes(contact_text))]
        return _person_only(name), phones
    return None, []


def _dashes(text: str) -> str:
    """ "0755－84612345" → "0755-84612345"; "（0755）84612345" → "0755-84612345"."""
    text = re.sub(r"[－—–‐]", "-", text)
    return re.sub(r"[（(]\s*(0\d{2,3})\s*[）)]\s*", r"\1-", text)


def _normalise_phone(phone: str) -> str:
    return re.sub(r"\s+", "", phone)


def _person_only(name: str) -> str | None:
    if not name:
        return None
    match = UNIT_THEN_PERSON.match(name)
    # "市水务局办公室" is a unit, not "市水务局办" + a person "公室".
    if match and len(match.group(1)) >= 2 and not UNIT_SUFFIX.search(match.group(2)):
        return match.group(2)
    return name


# ---------------------------------------------------------------------------------------
# Grade, publicity, copy-to, document number

# "办理结果：B", "办理结果:(C)", "办理结果：A类", "答复类别：B", "办理结果：（C）".
GRADE = re.compile(
    r"(?:办理结果|答复类别|答复类型|办理类别|结果类别)\s*[:：]?\s*[（(]?\s*([ABCD])\s*[)）]?\s*类?(?![A-Za-z])"
)


def find_grade(text: str) -> str | None:
    match = GRADE.search(text)
    return match.group(1) if match else None


# "公开方式：主动公开", "公开属性：依申请公开", "（此件不予公开）", "（此件公开发布）",
# "是否同意公开：是/否".
AGREES_TO_PUBLISH = re.compile(r"是否同意公开\s*[:：]\s*(是|同意|否|不同意)")
PUBLICITY_WORDS = [
    (re.compile(r"依申请公开"), "on_request"),
    (re.compile(r"不予公开|不公开|不同意公开"), "not_public"),
    (re.compile(r"主动公开|同意公开|公开发布"), "public"),
]


def find_publicity(lines: list[str], sections: list[Section]) -> str | None:
    """Read outside the answer sections only: a body may discuss 主动公开 of something else."""
    body = {line for section in sections for line in section.body.split("\n")}
    for line in lines:
        if line in body:
            continue
        agrees = AGREES_TO_PUBLISH.search(line)
        if agrees:
            return "public" if agrees.group(1) in ("是", "同意") else "not_public"
        if len(line) > 40:  # a sentence of the preamble or closing, not a marking
            continue
        for pattern, code in PUBLICITY_WORDS:
            if pattern.search(line):
                return code
    return None


COPY_TO = re.compile(r"^抄\s*送\s*[:：]\s*(.+)$")
COPY_TO_SEPARATORS = re.compile(r"[、，,；;\s]+")


def find_copy_to(lines: list[str]) -> list[str]:
    for line in lines:
        match = COPY_TO.match(line.strip())
        if match:
            return [name for name in COPY_TO_SEPARATORS.split(match.group(1).rstrip("。.")) if name]
    return []


# "深卫健建函〔2022〕61号", "深龙府建〔2024〕12号", "龙发改函[2024]5号".
DOCUMENT_NUMBER = re.compile(rf"[{HAN}]{{1,12}}\s*[〔\[［（(【]\s*\d{{4}}\s*[〕\]］）)】]\s*\d{{1,5}}\s*号")


def find_document_number(lines: list[str]) -> str | None:
    for line in lines:
        match = DOCUMENT_NUMBER.fullmatch(line.strip())
        if match:
            return re.sub(r"\s+", "", match.group(0))
    return None
