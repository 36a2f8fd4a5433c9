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
from dataclasses import field as dataclass_field
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
    # Fields the parser read by a weak rule or found more than one value for: the clerk
    # should check them. candidates: the other values found, per field, best first.
    uncertain: list[str] = dataclass_field(default_factory=list)
    candidates: dict[str, list[str]] = dataclass_field(default_factory=dict)

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
            "uncertain": list(self.uncertain),
            "candidates": {name: list(values) for name, values in self.candidates.items()},
        }


# ---------------------------------------------------------------------------------------
# Entry points

# Letters copied from traditional-character pages print these forms of the words the
# rules read; a class like 号號 accepts both.
T_HAO, T_JIE, T_HUI, T_YI = "[号號]", "[届屆]", "[会會]", "[议議]"
T_LIAN, T_XI, T_DIAN, T_HUA = "[联聯]", "[系係繫]", "[电電]", "[话話]"
T_LEI, T_KAI, T_FU, T_BAN = "[类類]", "[开開]", "[复復覆]", "[办辦]"


def parse_letter(data: bytes, filename: str) -> ParsedLetter:
    """Read and parse a file; LetterError when it cannot be read or is not a reply letter."""
    text = read_letter_text(data, filename)
    name = PurePath(filename).name
    if not looks_like_reply_letter(text):
        raise LetterError(
            gettext("%(file)s: not a reply letter (no suggestion number, salutation or reply wording found)")
            % {"file": name}
        )
    if answers_cppcc_proposal(text):
        raise LetterError(
            gettext("%(file)s: not a reply to a deputy's suggestion (it answers a CPPCC proposal, 政协提案)")
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
    doubts = Doubts()

    date, date_index, weak_date = find_date(tail_lines)
    if date is None and len(tail_lines) < 8:
        # No closing line marked the tail: the signer and date are in the last lines.
        tail_lines = lines[-8:]
        date, date_index, weak_date = find_date(tail_lines)
    if date is None:
        date, weak_date = find_date_anywhere(lines)
    if date and weak_date:
        doubts.mark("date")
    signed_by = find_signed_by(tail_lines, date_index)
    contact_name, contact_phones = find_contact(lines)
    if contact_name and (len(contact_name) > 4 or UNIT_SUFFIX.search(contact_name)):
        doubts.mark("contact_name")
    congress, session, congress_candidates = find_congress_candidates(text)
    doubts.offer("congress", congress, congress_candidates)
    lead_deputy, has_co_signers = find_salutation(lines[:head_end] or lines)
    if lead_deputy is None:
        # A letter to the lead unit (a co-handler's opinion) names the deputies in its text.
        lead_deputy, has_co_signers = find_deputy_in_text(head)
    number, number_candidates, weak_number = find_number_candidates(text)
    doubts.offer("number", number, number_candidates)
    if weak_number:
        doubts.mark("number")
    title, title_candidates = find_title_candidates(head or text)
    doubts.offer("title", title, title_candidates)
    departments, weak_departments = find_all_departments(lines, head, signed_by)
    if weak_departments:
        doubts.mark("departments")
    grade, grade_candidates = find_grade_candidates(lines)
    doubts.offer("grade", grade, grade_candidates)
    return ParsedLetter(
        number=number,
        congress=congress,
        session=session,
        title=title,
        lead_deputy=lead_deputy,
        has_co_signers=has_co_signers,
        departments=departments,
        sections=sections,
        commitment_candidates=find_commitment_candidates(sections),
        date=date,
        signed_by=signed_by,
        contact_name=contact_name,
        contact_phones=contact_phones,
        grade=grade,
        publicity=find_publicity(lines, sections),
        copy_to=find_copy_to(lines),
        document_number=find_document_number(lines),
        text=text,
        uncertain=doubts.fields,
        candidates=doubts.candidates,
    )


class Doubts:
    """The fields to check: read by a weak rule, or with other values found beside the one chosen."""

    def __init__(self) -> None:
        self.fields: list[str] = []
        self.candidates: dict[str, list[str]] = {}

    def mark(self, field: str) -> None:
        if field not in self.fields:
            self.fields.append(field)

    def offer(self, field: str, chosen: str | None, found: list[str]) -> None:
        others = [value for value in found if value != chosen]
        if others:
            self.mark(field)
            self.candidates[field] = ([chosen] if chosen else []) + others


# Reply wording: 答复 (答复如下, 答复的函), 函复 (专此函复), 收悉 (…的建议收悉), 此复.
REPLY_WORDING = re.compile(rf"答{T_FU}|函{T_FU}|收悉|此{T_FU}|{T_BAN}理意见|回复")


def looks_like_reply_letter(text: str) -> bool:
    """A suggestion number, a salutation to deputies, or reply wording: one is enough."""
    if REPLY_WORDING.search(text):
        return True
    if find_number(text):
        return True
    return find_salutation(text.split("\n"))[0] is not None


# "郭胜利、陈爱珍委员:", "政协子洲县第十届委员会第二次会议第14号提案的复函".
TO_CPPCC_MEMBER = re.compile(r"^(?:尊敬的)?[^\n：:]{2,40}?委员(?:们)?\s*[:：]", re.M)
CPPCC_PROPOSAL = re.compile(r"政协[^\n。]{0,40}?提案")
DEPUTY_ADDRESSED = re.compile(r"代表(?:们)?\s*[:：]")


def answers_cppcc_proposal(text: str) -> bool:
    """A reply to a political consultative conference member's proposal (政协提案), not to deputies:
    addressed to 委员 or naming a 政协 proposal, and naming no congress session or deputy."""
    head = text[:1500]
    if DEPUTY_ADDRESSED.search(head) or CONGRESS.search(head) or CONGRESS_NPC_FIRST.search(head):
        return False
    return bool(TO_CPPCC_MEMBER.search(head) or CPPCC_PROPOSAL.search(head))


# ---------------------------------------------------------------------------------------
# Number, congress and session, title

NUMBER_ID = r"([0-9A-Za-z][0-9A-Za-z\-]*)"
# "第20240493号建议", "第20240493号《关于…》", "会议第0123号", "第2024-0123号代表建议",
# "《关于…的建议》（第20240493号）收悉", "（第129号）建议的答复", "第0043号的答复".
NUMBER_IN_TEXT = re.compile(
    rf"第\s*{NUMBER_ID}\s*{T_HAO}\s*(?=《|建{T_YI}|代表建{T_YI}|{T_YI}案|的建{T_YI}|提案|“|[）)]\s*(?:已\s*)?收悉"
    rf"|[）)]\s*(?:的)?(?:建{T_YI}|{T_YI}案)|的?(?:答{T_FU}|回复|复函|会办|协办)|\s*(?:已\s*)?收悉|\s*[-—－]+\s*关于)"
)
NUMBER_AFTER_SESSION = re.compile(rf"(?:会议|期间|{T_HUI}{T_YI})\s*第\s*{NUMBER_ID}\s*{T_HAO}")
# "建议编号：20240493", "建议号：2024-0123", "编号：0123".
NUMBER_LABELLED = re.compile(rf"(?:建议编号|建议号|议案编号|编号)\s*[:：]\s*(?:第\s*)?{NUMBER_ID}")
# Without 第: "会议1号建议的回复", "会议16号议案《…》", "代表建?120号的答复" (a lost character).
NUMBER_WITHOUT_DI = re.compile(
    rf"(?<![〔\[［（(【\d])(?:会议|代表建议|建议|代表|[?？]+)\s*(\d{{1,8}})\s*{T_HAO}\s*"
    rf"(?=的?(?:答{T_FU}|回复|复函)|建{T_YI}|{T_YI}案|《)"
)
# A number alone on the line under the session ("…第二次会议\n24"), as some pages lay out
# the suggestion's record.
NUMBER_ALONE = re.compile(r"会议\s*\n\s*(\d{1,5})\s*\n")


def find_number(text: str) -> str | None:
    return find_number_candidates(text)[0]


def find_number_candidates(text: str) -> tuple[str | None, list[str], bool]:
    """(number, every distinct number given for the suggestion, read by a weak rule).

    Only the letter's head is searched for other numbers: a page's links to the previous
    and next letters name theirs further down."""
    found: list[tuple[int, str]] = []
    # The number is in the heading or preamble: search there first, the whole text if not.
    for searched in (text[:1500], text) if len(text) > 1500 else (text,):
        if "号" not in searched and "號" not in searched:
            continue
        for pattern in (NUMBER_IN_TEXT, NUMBER_AFTER_SESSION, NUMBER_LABELLED):
            for match in pattern.finditer(searched):
                found.append((match.start(), match.group(1)))
        if not found:
            found = [(match.start(), match.group(1)) for match in NUMBER_WITHOUT_DI.finditer(searched)]
        if found:
            break
    if not found:
        alone = NUMBER_ALONE.search(text)
        if alone:
            return alone.group(1), [alone.group(1)], True
        return None, [], False
    found.sort()
    first_at, number = found[0]
    head_limit = first_at + 600
    distinct: list[str] = []
    for at, value in found:
        if at <= head_limit and value not in distinct and not _same_number(value, number):
            distinct.append(value)
    return number, [number, *distinct] if distinct else [], False


def _same_number(a: str, b: str) -> bool:
    return a == b or (a.isdigit() and b.isdigit() and int(a) == int(b))


NUMERAL = rf"[{CN_DIGITS}\d]"
# "七届人大五次 会议", "第七届人民代表大会第五次会议", "七届人大常委会闭会期间".
CONGRESS = re.compile(
    rf"(第?{NUMERAL}+\s*{T_JIE})\s*(人大|人民代表大{T_HUI})(?:\s*常委{T_HUI})?"
    rf"\s*(第?\s*{NUMERAL}+\s*次\s*{T_HUI}\s*{T_YI}|闭\s*{T_HUI}\s*期\s*间)?"
)
# "贵州省人大十三届四次会议", "君山区人大五届五次会议", "县人大十五届三次会议".
CONGRESS_NPC_FIRST = re.compile(
    rf"人大\s*(第?{NUMERAL}+\s*{T_JIE})\s*(第?\s*{NUMERAL}*\s*次\s*{T_HUI}\s*{T_YI})"
)
# A place before the term: "深圳市", "广东省", "龙岗区"; the word before it is cut off at
# a boundary so that "您在深圳市" gives "深圳市" and "关于市" gives nothing.
BOUNDARY_WORDS = "在于的您是及和与函府上届对向就据年将现经由议"
PLACE_BOUNDARY = re.compile(rf"[^{HAN}]|[{BOUNDARY_WORDS}]")
# "市七届人大", "区六届人大": the level alone, as letters to a city's deputies write it.
LEVEL_BEFORE = re.compile(rf"(?:^|[^{HAN}]|[{BOUNDARY_WORDS}])([省市区县])$")
PLACE = re.compile(rf"^[{HAN}]{{2,10}}(?:省|市|区|县|縣|自治区|自治州)$")


def find_congress(text: str) -> tuple[str | None, str | None]:
    """(congress with its term and place as written, session) — "深圳市七届人大", "五次会议"."""
    congress, session, _ = find_congress_candidates(text)
    return congress, session


def find_congress_candidates(text: str) -> tuple[str | None, str | None, list[str]]:
    """(congress with its term and place as written, session, every distinct congress named).

    "深圳市七届人大", "五次会议". A place in full (深圳市) wins over the level alone
    (市七届人大), wherever it comes; "X人大十三届" is written the usual way, "X十三届人大"."""
    best: tuple[str, str | None] | None = None
    found: list[str] = []
    matches = [(m.start(), m.group(1), m.group(2), m.group(3)) for m in CONGRESS.finditer(text)] + [
        (m.start(), m.group(1), "人大", m.group(2)) for m in CONGRESS_NPC_FIRST.finditer(text)
    ]
    matches.sort()
    for start, term_text, body, session_text in matches:
        term = re.sub(r"\s+", "", term_text) + body
        session = re.sub(r"\s+", "", session_text) if session_text else None
        if session and "次" in session and not re.search(NUMERAL, session):
            session = None  # "人大次会议": the number was lost
        preceding = text[max(0, start - 14) : start]
        place = _place_before(preceding)
        if place:
            congress = place + term
            if congress not in found:
                found.append(congress)
            if best is None or _is_level_only(best[0]):
                best = (congress, session or (best[1] if best else None))
            elif best[1] is None and session:
                best = (best[0], session)
            continue
        level = LEVEL_BEFORE.search(preceding)
        congress = (level.group(1) if level else "") + term
        if best is None:
            best = (congress, session)
        elif best[1] is None and session:
            best = (best[0], session)
    if best is None:
        return None, None, []
    # Other congresses in full (another place or term) make the choice uncertain.
    others = [c for c in found if c != best[0] and not best[0].endswith(c)]
    return best[0], best[1], ([best[0], *others] if others else [])


def _is_level_only(congress: str) -> bool:
    return not congress or congress[0] in "省市区县第" or congress[0] in CN_DIGITS


def _place_before(preceding: str) -> str | None:
    cut = 0
    for boundary in PLACE_BOUNDARY.finditer(preceding):
        cut = boundary.end()
    candidate = preceding[cut:]
    return candidate if PLACE.match(candidate) else None


# The suggestion's title quoted in 《…》; may wrap over lines in a text export.
QUOTED_TITLE = re.compile(r"《([^《》]{4,300}?)》")
# 《…》 right after the number: "16号议案《关于…》", "第20240493号《关于…》".
TITLE_AFTER_NUMBER = re.compile(rf"{T_HAO}\s*(?:{T_YI}案|建{T_YI}|代表建{T_YI})?\s*《([^《》]{{4,300}}?)》")
# 《…》 followed by what it is: "《关于请求对大河口大桥进行修复》的议案".
TITLE_NAMED = re.compile(rf"《([^《》]{{4,300}}?)》\s*的?\s*(?:建{T_YI}|{T_YI}案|提案)")
# “…” as the title: 关于“乡间路维护的建议”, “关于金厂河的治理建议”已收悉, 关于“X”的建议.
TITLE_IN_QUOTES = re.compile(
    rf"“([^“”\n]{{4,200}}?)”\s*(?=的?(?:建{T_YI}|{T_YI}案|提案|代表建{T_YI})|[,，、]?\s*(?:已\s*)?(?:收悉|交|转))"
)
# “…的建议案”, “…议案”: a quoted text that names itself.
QUOTED_WITH_ENDING = re.compile(rf"“([^“”\n]{{4,200}}?(?:建{T_YI}|{T_YI}案))”")
# A table's 案由 cell: "案 由 |\n关于…的建议 |", "案由：关于…的建议".
TITLE_LABEL = re.compile(
    r"^案\s*由\s*[|:：]\s*([^|\n]{4,200}?)\s*\|*\s*$|^案\s*由\s*\|?\s*\n([^|\n]{4,200}?)\s*[|\s]*$", re.M
)
# A title whose opening quote was lost in a copy: "提出的关于明确…规划”的建议".
TITLE_LOST_OPENING = re.compile(rf"关于([^“”\n。，,]{{4,120}}?)”的(?:建{T_YI}|{T_YI}案)")
# Fallback: "关于…的建议" in running text (not "关于市七届人大…第…号建议").
TITLE_PHRASE = re.compile(rf"关于[^。；，,\n《》“”]{{2,120}}?的(?:代表)?(?:建{T_YI}|{T_YI}案|提案)")
TITLE_ENDINGS = (rf"(建{T_YI}|{T_YI}案|提案|建{T_YI}案)$", r"(意见|问题)$")


def find_title(text: str) -> str | None:
    return find_title_candidates(text)[0]


def find_title_candidates(text: str) -> tuple[str | None, list[str]]:
    """(title, every distinct title the letter gives for the suggestion, the chosen first).

    A 《》 title named with the number comes first (the registered title), then a 《》
    title ending 建议/议案, one named as such (《…》的议案), one in quotes, and last a
    关于…的建议 phrase. A letter giving two titles (the motion's in its heading, the
    deputy's in the preamble) keeps the first and lists both."""
    clean = lambda value: re.sub(r"\s+", "", value)  # noqa: E731
    found: list[str] = []

    def add(value: str) -> None:
        value = clean(value)
        if value and value not in found and not re.search(r"人大|号建议|會議|会议第", value):
            found.append(value)

    for match in TITLE_AFTER_NUMBER.finditer(text):
        add(match.group(1))
    quoted = [match.group(1) for match in QUOTED_TITLE.finditer(text)]
    # A suggestion first; a 《…的意见》 only when there is none (the preamble cites policies).
    for position, ending in enumerate(TITLE_ENDINGS):
        if position and found:
            break
        for title in quoted:
            if re.search(ending, clean(title)):
                add(title)
    for match in TITLE_NAMED.finditer(text):
        add(match.group(1))
    if not found:
        for match in TITLE_LABEL.finditer(text):
            add(match.group(1) or match.group(2))
    if not found:
        for match in TITLE_IN_QUOTES.finditer(text):
            add(match.group(1))
        for match in QUOTED_WITH_ENDING.finditer(text):
            add(match.group(1))
    if not found:
        for match in TITLE_LOST_OPENING.finditer(text):
            add(match.group(1))
    if not found:
        for match in TITLE_PHRASE.finditer(text):
            add(match.group(0))
            break
    if not found:
        return None, []
    return found[0], (found if len(found) > 1 else [])


# ---------------------------------------------------------------------------------------
# Salutation: "尊敬的陈寿等代表：", "尊敬的陈寿代表", "陈寿等3名代表：", "陈寿、李四代表："

NAME = rf"[{HAN}·]{{2,4}}?"
# "等代表", "等3名代表", "等13位代表"; "区人大代表"; "杨海全代表、赵玲佩代表".
OTHERS = rf"等\s*(?:[\d{CN_DIGITS}]+\s*[名位])?"
DEPUTY_WORD = r"(?:[省市区县]?人大)?代表(?:们)?"
MORE_NAMES = rf"(?:(?:{DEPUTY_WORD})?[、，,]\s*{NAME})+"
SALUTATION = re.compile(
    rf"^(?:尊敬的?)?\s*({NAME})\s*"
    rf"(?P<more>{MORE_NAMES})?\s*(?P<others>{OTHERS})?"
    rf"\s*{DEPUTY_WORD}\s*[:：,，]?$"
)
NOT_A_NAME = {
    "人大",
    "各位",
    "全体",
    "有关",
    "相关",
    "尊敬",
    "市人大",
    "区人大",
    "两位",
    "几位",
    "各",
    "诸位",
}


# "尊敬的陈寿等代表：您提出的…收悉", "罗元代表:你提出的…": the salutation and the
# preamble in one paragraph; the colon is then required.
SALUTATION_RUN_ON = re.compile(
    rf"^(?:尊敬的?)?\s*({NAME})\s*"
    rf"(?P<more>{MORE_NAMES})?\s*(?P<others>{OTHERS})?"
    rf"\s*{DEPUTY_WORD}\s*[:：]"
)
# The same after the heading on one line, as a page flattened to one line prints it:
# "…第094号建议的答复 张凤娥等代表: 你们提出的…".
SALUTATION_MID_LINE = re.compile(
    rf"(?:^|\s)({NAME})\s*(?P<more>{MORE_NAMES})?\s*(?P<others>{OTHERS})?\s*{DEPUTY_WORD}\s*[:：]"
)


def _salutation_match(line: str) -> re.Match | None:
    line = line.strip()
    match = SALUTATION.match(line) or SALUTATION_RUN_ON.match(line)
    return match if match and match.group(1) not in NOT_A_NAME else None


# "陈寿等代表提出的《…》", "王晓梅代表在市七届人大五次会议上提出的", "陈寿等5名代表领衔提出".
DEPUTY_IN_TEXT = re.compile(
    rf"(?<![{HAN}])(?:由|是|对)?({NAME})\s*(?P<others>{OTHERS})?\s*(?:人大)?代表"
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
    for line in lines:
        for match in SALUTATION_MID_LINE.finditer(line):
            if match.group(1) not in NOT_A_NAME:
                return match.group(1), bool(match.group("others") or match.group("more"))
    return None, None


# ---------------------------------------------------------------------------------------
# Departments: who handles the suggestion, as the preamble says

ROLE_BY_WORD = {
    "牵头": "lead",
    "主办": "lead",
    "承办": "lead",
    "会办": "co",
    "协办": "co",
    "分办": "separate",
}
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
        if not WEBSITE_LINE.search(_line_at(head, match.start())):
            add(match.group(2), match.group(1))
    for match in UNIT_IS_ROLE.finditer(head):
        add(match.group(1), match.group(2))
    for match in LEAD_BY.finditer(head):
        add(match.group(1), "主办")
        co = CO_AFTER_LEAD.match(head[match.end() :])
        if co:
            add(co.group(1), co.group(2))
    return found


def _line_at(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end >= 0 else len(text)]


# A website's own footer or header: "主办单位：XX人民政府办公室 地址：…", "版权所有".
WEBSITE_LINE = re.compile(r"地址|版权|ICP|网站|邮编|主办:.*承办:|技术支持")
# "…建议会办意见的函", "现将我局协办意见函告如下", "…建议会办工作的意见": the signing
# unit says it co-handles.
CO_OPINION = re.compile(r"(会办|协办)(?:工作的)?意见")
UNIT_NAME_END = (
    r"(?:人民政府|政府|局|委员会|委|办公室|办|厅|院|中心|公司|集团|街道办事处|管理委员会|分局|站|所|署|馆)"
)
# The author in the heading: "南宫市交通运输局 对…的答复", "天水市交通运输局关于对…的答复",
# "黔东南州人民政府关于…的会办意见", or a unit alone on the line above "关于…的答复".
AUTHOR_IN_HEADING = re.compile(
    rf"^(?:\d{{4}}年度)?([{HAN}（）()]{{3,40}}?{UNIT_NAME_END})\s*(?:关于|对)[^\n]{{0,120}}?"
    rf"(?:答{T_FU}|回复|复函|意见)"
)
UNIT_ALONE = re.compile(rf"^([{HAN}（）()]{{3,40}}?{UNIT_NAME_END})$")
# "对县十六届人大一次会议第3号建议的答复(水利局)".
UNIT_AFTER_HEADING = re.compile(
    rf"(?:答{T_FU}|回复|复函)\s*[（(]\s*([{HAN}]{{2,20}}{UNIT_NAME_END})\s*[)）]\s*$"
)
# "承办单位：清原满族自治县住房和城乡建设", "主办单位: 淄川区自然资源局", and a table
# cell "承办单位 |" whose value is on the next line.
HANDLING_LABEL = re.compile(r"^[-•\s]*(承办|主办)单位\s*[|:：]\s*([^|]*?)\s*\|*\s*$")


def find_signer_role(head: str, signed_by: str | None) -> list[Department]:
    match = CO_OPINION.search(head)
    return [Department(signed_by, ROLE_BY_WORD[match.group(1)])] if match and signed_by else []


def find_all_departments(lines: list[str], head: str, signed_by: str | None) -> tuple[list[Department], bool]:
    """(departments, read by a weak rule).

    What the preamble says first (主办单位, 由…主办, …为会办单位); then a 承办单位 field
    of the page or table; else the unit that writes the letter — the signer, or the
    author its heading names — as the lead unit, or as co-handler when it sends a
    会办/协办 opinion. A unit named only by the heading or a field is marked uncertain."""
    stated = find_departments(head, signed_by)
    if stated:
        return stated, False
    co = CO_OPINION.search("\n".join(lines[:12]))
    role = ROLE_BY_WORD[co.group(1)] if co else "lead"
    labelled = find_handling_label(lines)
    if labelled:
        return [Department(labelled, "lead")], labelled != signed_by
    if signed_by:
        return [Department(signed_by, role)], False
    author = find_author_in_heading(lines)
    if author:
        return [Department(author, role)], True
    return [], False


def find_handling_label(lines: list[str]) -> str | None:
    for index, line in enumerate(lines):
        match = HANDLING_LABEL.match(line)
        if not match or WEBSITE_LINE.search(line):
            continue
        value = match.group(2).strip()
        if not value:
            following = next((item for item in lines[index + 1 : index + 3] if item.strip()), "")
            value = following.strip(" |")
        if 2 <= len(value) <= 40 and re.fullmatch(rf"[{HAN}（）()]+", value):
            return value
    return None


def find_author_in_heading(lines: list[str]) -> str | None:
    """The unit a heading names as the writer, read above the salutation only."""
    heading = [line for line in lines[: min(14, _body_start(lines) or 14)] if line.strip()]
    for position, line in enumerate(heading):
        match = AUTHOR_IN_HEADING.match(line.strip())
        if match:
            return match.group(1)
        after = UNIT_AFTER_HEADING.search(line)
        if after:
            return after.group(1)
        alone = UNIT_ALONE.match(line.strip())
        if alone and position + 1 < len(heading) and re.match(r"^(?:关于|对)", heading[position + 1].strip()):
            return alone.group(1)
    return None


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

CN_NUMBER = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "Ｏ": 0, "0": 0, "一": 1, "二": 2, "两": 2, "三": 3}
CN_NUMBER.update({"四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
# "2024年11月18日", "2024 年 11 月 18 日".
ARABIC_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
# "2024.11.18", "2024-11-18", "2024/11/18".
NUMERIC_DATE = r"(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})"
# "二〇二四年十一月十八日", "二○二四年五月二十日", "二0一七年五月二十六日" (a digit 0 for 〇).
CN_DAY = "[一二三四五六七八九十]{1,3}"
CHINESE_DATE = rf"([〇○零0一二三四五六七八九Oo]{{4}})\s*年\s*({CN_DAY})\s*月\s*({CN_DAY})\s*日"
DATE = re.compile(rf"{ARABIC_DATE}|{NUMERIC_DATE}|{CHINESE_DATE}")


DATE_HINT = re.compile(r"\d{4}\s*[.\-/]")
# What a web page prints after the date on the same line: "2018年6月28日 |",
# "2021年4月12日扫一扫在手机上查看当前页面".
PAGE_LEFTOVERS = re.compile(r"\s*(?:\|\s*|扫一扫.*|打印.*|关闭.*|【.*)$")


def _date_in_line(line: str, *, whole: bool) -> datetime.date | None:
    """The date in a line; with whole=True only when the line is a date (maybe "日期：…")."""
    line = line.strip()
    if "年" not in line and not DATE_HINT.search(line):
        return None
    if whole:
        line = PAGE_LEFTOVERS.sub("", re.sub(r"^(?:日期|时间)\s*[:：]\s*", "", line))
        match = DATE.fullmatch(line)
    else:
        match = DATE.search(line)
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


def find_date(tail_lines: list[str]) -> tuple[datetime.date | None, int | None, bool]:
    """(the letter's own date, its line in the tail, read by a weak rule).

    The last line of the tail that is only a date; else a signer and a date on one line;
    else a date whose 年/月/日 a copy lost ("2023619"), when it stands under the signer."""
    for index in range(len(tail_lines) - 1, -1, -1):
        date = _date_in_line(tail_lines[index], whole=True)
        if date:
            return date, index, False
    # "深圳市龙岗区人民政府 2024年11月18日" on one line.
    for index in range(len(tail_lines) - 1, -1, -1):
        match = re.fullmatch(rf"([{HAN}（）()]{{4,40}})\s+({DATE.pattern})", tail_lines[index].strip())
        if match:
            return _date_in_line(match.group(2), whole=True), index, False
    for index in range(len(tail_lines) - 1, -1, -1):
        digits = tail_lines[index].strip()
        if not re.fullmatch(r"\d{6,8}", digits):
            continue
        previous = _previous_non_blank(tail_lines, index)
        if previous is not None and _looks_like_signature(tail_lines[previous]):
            date = date_from_digits(digits)
            if date:
                return date, index, True
    return None, None, False


def date_from_digits(digits: str) -> datetime.date | None:
    """ "2023619" → 2023-06-19, "20230619" → 2023-06-19; None when the digits read two ways."""
    year, rest = int(digits[:4]), digits[4:]
    readings = set()
    for cut in range(1, len(rest)):
        month, day = rest[:cut], rest[cut:]
        if len(month) > 2 or len(day) > 2 or month.startswith("0") and len(month) == 1:
            continue
        try:
            readings.add(datetime.date(year, int(month), int(day)))
        except ValueError:
            continue
    return readings.pop() if len(readings) == 1 else None


# "成文时间：2022年07月28日", "成文日期：2022-07-28": the document's date in a page's record.
WRITTEN_ON = re.compile(rf"成文(?:时间|日期)\s*[:：|]?\s*({DATE.pattern})")
# A page flattened to one line ends with the date: "…万事如意! 2018年7月30日 |".
DATE_AT_END = re.compile(rf"\s({DATE.pattern})\s*\|?\s*$")


def find_date_anywhere(lines: list[str]) -> tuple[datetime.date | None, bool]:
    """For a letter whose tail has no date: the 成文日期 of the page, or the date ending a
    page flattened to one line. Both are weak rules."""
    for line in lines:
        match = WRITTEN_ON.search(line)
        if match:
            return _date_in_line(match.group(1), whole=True), True
    last = next((line for line in reversed(lines) if line.strip()), "")
    match = DATE_AT_END.search(last)
    if match and len(last) > 200:
        return _date_in_line(match.group(1), whole=True), True
    return None, False


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
# "承办人及联系电话：邓顺锡 13789037627", "承辦人及聯係電話：…" (a traditional-character copy).
CONTACT = re.compile(
    rf"(?:{T_LIAN}\s*{T_XI}\s*人|[经經]\s*{T_BAN}\s*人|承\s*{T_BAN}\s*人)"
    rf"(?:及(?:{T_LIAN}{T_XI})?{T_DIAN}{T_HUA}|姓名)?\s*[:：]\s*(.*)"
)
# A following line that carries only the numbers: "联系电话：…", "电话：…", "手机：…".
PHONE_LINE = re.compile(r"^[（(]?\s*(?:联系电话|办公电话|电话|手机|联系方式)\s*[:：]")
PHONE = re.compile(r"(?<![\d\-])(?:0\d{2,3}\s*-\s*)?\d{7,8}(?:-\d{1,5})?(?![\d\-])|(?<!\d)1[3-9]\d{9}(?!\d)")
CONTACT_NAME_END = re.compile(rf"[，,；;。:：、（(）)\s\d]|{T_DIAN}{T_HUA}|手机|{T_LIAN}{T_XI}|办公电话")
# "云南省农业厅畜牧处 王瑞欣 65749510": the office, a space, then the person.
OFFICE_SPACE_PERSON = re.compile(
    rf"^[{HAN}]{{2,30}}(?:局|委|办|厅|院|府|中心|公司|街道|所|处|科|室|队|站|部|会|组)\s+([{HAN}·]{{2,4}})(?![{HAN}])"
)
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
        office = OFFICE_SPACE_PERSON.match(rest)
        if office:
            rest = rest[office.start(1) :]
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

# "办理结果：B", "办理结果:(C)", "办理结果：A类", "答复类别：B", "办理结果：（C）", "类别：C", "类 别: B".
GRADE = re.compile(
    rf"(?:{T_BAN}理结果|答{T_FU}{T_LEI}别|答{T_FU}{T_LEI}型|{T_BAN}理{T_LEI}别|结果{T_LEI}别|{T_LEI}\s*别)"
    rf"\s*[:：]?\s*[（(]?\s*([ABCD])\s*[)）]?\s*{T_LEI}?(?![A-Za-z])"
)
# The grade beside the document number, as many letters print it above the salutation:
# "华建复〔2017〕5号(B类)", "钱汽发〔2020〕11号A类 同意公开", "A類 同意公開".
GRADE_MARK = re.compile(rf"[（(]\s*([ABCD])\s*{T_LEI}\s*[)）](?=\s|$)|(?<![A-Za-z])([ABCD]){T_LEI}(?=\s|$)")


GRADE_HINT = re.compile(r"[ABCD]|结果")


def find_grade(text: str) -> str | None:
    return find_grade_candidates(text.split("\n"))[0]


def find_grade_candidates(lines: list[str]) -> tuple[str | None, list[str]]:
    """(grade, every distinct grade marked, the chosen first). A labelled grade wins over
    a bare "(B类)" mark; marks are read on short lines only (a sentence may count 类)."""
    labelled: list[str] = []
    marks: list[str] = []
    for line in lines:
        if not GRADE_HINT.search(line):
            continue
        for match in GRADE.finditer(line):
            if match.group(1) not in labelled:
                labelled.append(match.group(1))
        if len(line) <= 40:
            for match in GRADE_MARK.finditer(line):
                grade = match.group(1) or match.group(2)
                if grade not in marks:
                    marks.append(grade)
    found = labelled + [grade for grade in marks if grade not in labelled]
    if not found:
        return None, []
    return found[0], (found if len(found) > 1 else [])


# "公开方式：主动公开", "公开属性：依申请公开", "（此件不予公开）", "（此件公开发布）",
# "是否同意公开：是/否", "同意公開".
AGREES_TO_PUBLISH = re.compile(rf"是否同意公{T_KAI}\s*[:：]\s*(是|同意|否|不同意)")
PUBLICITY_WORDS = [
    (re.compile(rf"依申请公{T_KAI}"), "on_request"),
    (re.compile(rf"不予公{T_KAI}|不公{T_KAI}|不同意公{T_KAI}"), "not_public"),
    (re.compile(rf"主动公{T_KAI}|同意公{T_KAI}|公{T_KAI}发布"), "public"),
]
# A web page's navigation: "首页/ 政务公开 / 法定主动公开内容 / 建议提案", "当前位置：…".
NAVIGATION = re.compile(
    r"首页|当前位置|您的位置|所在位置|[/>»]\s*[^/>»\n]{2,12}\s*[/>»]|公开目录|公开范围|信息公开"
)


def find_publicity(lines: list[str], sections: list[Section]) -> str | None:
    """Read outside the answer sections only: a body may discuss 主动公开 of something else."""
    body = {line for section in sections for line in section.body.split("\n")}
    for line in lines:
        if line in body or NAVIGATION.search(line):
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
