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
