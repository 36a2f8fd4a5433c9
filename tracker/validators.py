"""Rules on values a user enters, shared by the forms, the models' transitions and imports.

``not_in_future`` is the one rule for a date that records something that already
happened (received on, assigned on, sent on, contacted on, reported on, kept on): it
cannot be later than today's local date. Forms use ``PastDateField`` (tracker.forms),
which names its own label; a transition calls ``not_in_future(value, label)`` with the
model field's verbose name, so the form and the model say the same thing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext


def not_in_future(value: date | None, label: Any) -> None:
    """Raise ValidationError(code="future") when ``value`` is later than today (local date).

    ``label`` names the field in the message (a form field's label or a model field's
    verbose name; lazy strings are fine). An empty value passes: "required" is the
    field's own business.
    """
    if value is None:
        return
    today = timezone.localdate()
    if value > today:
        raise ValidationError(
            gettext("%(field)s cannot be later than today (%(today)s)."),
            code="future",
            params={"field": capfirst(str(label)), "today": today.isoformat()},
        )


def refuse_future(value: date | None, label: Any) -> None:
    """not_in_future for a workflow transition: the same rule and message, refused as
    InvalidTransition (a message, not a form error)."""
    from tracker.workflow import InvalidTransition

    try:
        not_in_future(value, label)
    except ValidationError as exc:
        raise InvalidTransition(" ".join(exc.messages)) from None
