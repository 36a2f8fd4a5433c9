"""Phone numbers of deputies and contact persons, masked for readers who may not call them.

Who may read them in full is one rule, ``Proposal.may_see_phones(user)`` (congress staff
and the units handling the suggestion); the public site and open data always mask them.
Two helpers, used by the pages (template filters ``phone`` and ``phones`` in
``tracker/templatetags/privacy.py``), the letters (.docx and PDF), the exports and the API:

- ``mask_phone(value)``: a phone field (``Reply.contact_phone``, ``User.phone``): every
  number in it is masked, 13923831115 → 139****1115, 88180952 → 88****52, 0755-88180952 →
  0755-88****52, and a list 88180952、13923831115 number by number;
- ``mask_phones(text)``: free text (a letter's body, a suggestion's text): mobile numbers,
  landlines with an area code, and any number written after 电话/手机/传真/联系方式/Tel.
  Other numbers (a suggestion's number 20240493, amounts, dates) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MASK = "*"

# Within a phone field: any run of digits, with the spaces and dashes people type in it.
_NUMBER = re.compile(r"\+?\d[\d \-－]*\d")
# An area code written before the subscriber number stays readable: 0755-88****52.
_AREA_CODE = re.compile(r"(\+?0\d{2,3}[ \-－])(.*)")

_LABEL = r"(?:联系电话|电话|手机|传真|联系方式|Tel|TEL|tel|Phone|phone)"
_IN_TEXT = re.compile(
    # A number after a label, and the numbers listed after it (电话：88180952、88180953).
    rf"(?P<label>{_LABEL}[号码]*\s*[：:]?\s*)(?P<listed>\d[\d \-－]*\d(?:\s*[、,，/或]\s*\d[\d \-－]*\d)*)"
    # A mobile number anywhere, with or without spaces or dashes in it.
    r"|(?<!\d)(?P<mobile>1[3-9]\d[ \-]?\d{4}[ \-]?\d{4})(?!\d)"
    # A landline with its area code anywhere.
    r"|(?<!\d)(?P<landline>0\d{2,3}[\-－]\d{7,8})(?!\d)"
)


def _mask_number(number: str) -> str:
    """One number: a mobile keeps its first 3 and last 4 digits, a shorter one its first
    and last 2; numbers under 7 digits (an extension, a room) are left as they are."""
    area = ""
    split = _AREA_CODE.fullmatch(number)
    if split and sum(c.isdigit() for c in split.group(2)) >= 7:
        area, number = split.groups()
    count = sum(c.isdigit() for c in number)
    if count < 7:
        return area + number
    head, tail = (3, 4) if count >= 11 else (2, 2)
    masked, seen = [], 0
    for char in number:
        if char.isdigit():
            seen += 1
            masked.append(char if seen <= head or seen > count - tail else MASK)
        else:
            masked.append(char)
    return area + "".join(masked)


def mask_phone(value: str) -> str:
    """A phone field with every number in it masked."""
    return _NUMBER.sub(lambda match: _mask_number(match.group()), value or "")


def mask_phones(text: str) -> str:
    """Free text with the phone numbers in it masked (see the module docstring)."""

    def masked(match: re.Match[str]) -> str:
        if match.group("label") is not None:
            return match.group("label") + mask_phone(match.group("listed"))
        return _mask_number(match.group())

    return _IN_TEXT.sub(masked, text or "")


# -- redaction before publishing (国办发〔2014〕46号) --------------------------------
#
# A reply published on the public site keeps the deputy's name (the letter's salutation
# names them) and loses everyone else's contact details and personal data: phone
# numbers, ID card numbers, email addresses, street addresses and the contact person's
# name. ``redact(text, names=…, keep=…)`` finds them and replaces each with a marker
# saying what was removed; staff see the findings beside the text and correct the
# result before it is published.


class Kind:
    PHONE = "phone"
    ID_NUMBER = "id_number"
    EMAIL = "email"
    ADDRESS = "address"
    NAME = "name"


# What stands in the published text where something was removed.
MARKERS = {
    Kind.PHONE: "〔电话已删除〕",
    Kind.ID_NUMBER: "〔身份证号已删除〕",
    Kind.EMAIL: "〔邮箱已删除〕",
    Kind.ADDRESS: "〔地址已删除〕",
    Kind.NAME: "〔姓名已删除〕",
}

# An 18-character resident ID number (GB 11643): 17 digits and a check character. Its
# checksum tells it from other long numbers (an account, a project code).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A labelled address: the rest of the clause after 地址/住址 (to the next punctuation).
_LABELLED_ADDRESS = re.compile(
    r"(?:家庭住址|通讯地址|联系地址|住址|地址|住所)\s*[：:]\s*(?P<value>[^，,。；;）)\n]+)"
)
# A street address with a house number (坪西路 alone is a road, not someone's address),
# or a flat in a residential estate. Where the road's name starts cannot be told without
# a gazetteer: up to the punctuation before it, at most 4 characters (and the district
# names before them); staff see the span marked and correct it.
_STREET_ADDRESS = re.compile(
    r"(?:[\u4e00-\u9fff]{2,4}(?:省|市|区|县|镇|街道))*[\u4e00-\u9fff]{2,4}(?:路|街|大道|巷|村)\d+(?:-\d+)?号(?:[\dA-Za-z\-]+(?:栋|座|楼|单元|室|房))*"
    r"|[\u4e00-\u9fff]{2,6}(?:小区|花园|公寓|苑)\d+(?:栋|座)\d*(?:单元)?\d+(?:室|房)"
)
# A contact person named in the text: "联系人：龙岗区发展和改革局杨郁波".
# The last word of a unit's name before a person's (局, 委员会, 办公室, 政府, 中心…).
_UNIT_SUFFIX = re.compile(r".*(?:局|委员会|委|办公室|办|政府|中心|院|所|处|科|站|队|公司|街道)")
_CONTACT_PERSON = re.compile(r"联系人\s*[：:]\s*(?P<value>[^，,。；;）)\s\d]+)")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in a text: what, where, and the text removed."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def marker(self) -> str:
        return MARKERS[self.kind]


@dataclass(frozen=True)
class Redaction:
    """A text with its personal data removed, and what was removed."""

    original: str
    text: str
    findings: tuple[Finding, ...]


def is_id_number(value: str) -> bool:
    """Whether ``value`` is an 18-character resident ID number with a valid check character."""
    if not re.fullmatch(r"\d{17}[\dXx]", value):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17].upper()


def find_personal_data(text: str, *, names: Iterable[str] = (), keep: Iterable[str] = ()) -> list[Finding]:
    """The personal data in ``text``, in order and never overlapping: phone numbers,
    ID numbers, emails, addresses, the ``names`` given (the reply's contact person) and
    whoever a 联系人 label names. Names in ``keep`` (the deputies) are never found."""
    text = text or ""
    kept = {name.strip() for name in keep if name and name.strip()}
    found: list[Finding] = []

    def add(kind: str, start: int, end: int) -> None:
        found.append(Finding(kind, start, end, text[start:end]))

    for match in _ID_NUMBER.finditer(text):
        if is_id_number(match.group()):
            add(Kind.ID_NUMBER, match.start(), match.end())
    for match in _EMAIL.finditer(text):
        add(Kind.EMAIL, match.start(), match.end())
    for match in _IN_TEXT.finditer(text):
        group = "listed" if match.group("label") is not None else 0
        if sum(c.isdigit() for c in match.group(group)) >= 7 and not is_id_number(match.group(group)):
            add(Kind.PHONE, match.start(group), match.end(group))
    for match in _LABELLED_ADDRESS.finditer(text):
        add(Kind.ADDRESS, match.start("value"), match.end("value"))
    for match in _STREET_ADDRESS.finditer(text):
        add(Kind.ADDRESS, match.start(), match.end())
    # A contact named with their unit ("龙岗区发展和改革局杨郁波"): the unit's name stays.
    wanted = {_UNIT_SUFFIX.sub("", n.strip()) or n.strip() for n in names if n and n.strip()} - kept
    for match in _CONTACT_PERSON.finditer(text):
        value = match.group("value")
        if value in kept or any(name in value for name in wanted):
            continue  # the name itself is found below
        # "龙岗区发展和改革局杨郁波": the unit stays, the person after it goes.
        unit_end = _UNIT_SUFFIX.search(value)
        start = match.start("value") + (unit_end.end() if unit_end else 0)
        if start < match.end("value"):
            add(Kind.NAME, start, match.end("value"))
    for name in wanted:
        for match in re.finditer(re.escape(name), text):
            add(Kind.NAME, match.start(), match.end())
    # The earliest first, the longest of those starting together; a finding inside one
    # already taken (a name within a labelled contact) is dropped.
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    result: list[Finding] = []
    for finding in found:
        if result and finding.start < result[-1].end:
            continue
        result.append(finding)
    return result


def redact(text: str, *, names: Iterable[str] = (), keep: Iterable[str] = ()) -> Redaction:
    """``text`` with the personal data ``find_personal_data`` finds replaced by markers."""
    text = text or ""
    findings = find_personal_data(text, names=names, keep=keep)
    parts, last = [], 0
    for finding in findings:
        parts += [text[last : finding.start], finding.marker]
        last = finding.end
    parts.append(text[last:])
    return Redaction(original=text, text="".join(parts), findings=tuple(findings))


def highlighted(redaction: Redaction) -> list[tuple[str, Finding | None]]:
    """The original text in pieces, each removed piece with its finding (for the
    side-by-side view: the page marks what will be removed)."""
    pieces: list[tuple[str, Finding | None]] = []
    last = 0
    for finding in redaction.findings:
        if finding.start > last:
            pieces.append((redaction.original[last : finding.start], None))
        pieces.append((finding.text, finding))
        last = finding.end
    if last < len(redaction.original):
        pieces.append((redaction.original[last:], None))
    return pieces
