"""{% state_input obj %}: the hidden field an action form posts back (tracker.actions)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tracker.workflow import state_of

register = template.Library()


@register.simple_tag
def state_input(obj: Any) -> SafeString:
    return format_html('<input type="hidden" name="state" value="{}">', state_of(obj))
