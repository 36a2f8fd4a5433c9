"""{{ value|phone:show }} and {{ text|phones:show }}: phone numbers in full when ``show``
(the view's ``Proposal.may_see_phones(user)``), masked otherwise (tracker.privacy)."""

from __future__ import annotations

from django import template

from tracker.privacy import mask_phone, mask_phones

register = template.Library()


@register.filter
def phone(value: str, show: bool = False) -> str:
    """A phone field (a reply's contact phone)."""
    return value if show else mask_phone(value)


@register.filter
def phones(text: str, show: bool = False) -> str:
    """Free text that may hold phone numbers (a letter's body, a suggestion's text)."""
    return text if show else mask_phones(text)
