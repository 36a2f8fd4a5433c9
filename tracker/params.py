"""Query parameters and form values as typed by anyone: the one place that cleans them.

Three kinds of input used to reach the database or ``int()`` unchecked and answer 500:
NUL bytes (PostgreSQL cannot store or compare them), digits that are not ASCII (``"²".isdigit()``
is true but ``int("²")`` fails; ``int("٣")`` is 3, which nobody typing a year means) and values
long enough to cost real work. Views that read ``request.GET`` themselves use
:func:`query_text` and :func:`query_int`; filter bars derive from :class:`FilterSet`; forms use
:class:`AsciiIntegerField`.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

# No search box, number or filter needs more; a longer value is cut (text) or refused (numbers).
MAX_PARAM_LENGTH = 200
# A whole number as typed in a filter or a form: ASCII digits, an optional sign, bounded.
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


class InvalidParameter(BadRequest):
    """A query parameter that cannot be read; its message (translated) is shown on the 400 page."""


def strip_nul(value: str) -> str:
    return value.replace("\x00", "")


def query_text(request: HttpRequest, name: str, *, max_length: int = MAX_PARAM_LENGTH) -> str:
    """``request.GET[name]`` without NUL bytes or surrounding space, at most ``max_length`` long."""
    return strip_nul(request.GET.get(name, ""))[:max_length].strip()


def parse_ascii_int(value: str) -> int:
    """``value`` as an integer if it is written in ASCII digits; ValueError otherwise."""
    value = value.strip()
    if not _ASCII_INTEGER.fullmatch(value):
        raise ValueError(value)
    return int(value)


def query_int(request: HttpRequest, name: str, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int | None:
    """``request.GET[name]`` as a whole number, None when absent or empty; an
    :class:`InvalidParameter` (400) naming the parameter when it is anything else."""
    raw = query_text(request, name)
    if not raw:
        return None
    try:
        number = parse_ascii_int(raw)
    except ValueError:
        raise InvalidParameter(
            gettext("“%(name)s” must be a whole number written with the digits 0–9.") % {"name": name}
        ) from None
    if not minimum <= number <= maximum:
        raise InvalidParameter(
            gettext("“%(name)s” must be between %(minimum)d and %(maximum)d.")
            % {"name": name, "minimum": minimum, "maximum": maximum}
        )
    return number


def cleaned_query(data: QueryDict | dict[str, Any] | None) -> QueryDict | None:
    """A copy of ``data`` without NUL bytes and with every value cut to MAX_PARAM_LENGTH."""
    if data is None:
        return None
    cleaned = QueryDict(mutable=True)
    items: list[tuple[str, list[Any]]] = (
        list(data.lists()) if isinstance(data, QueryDict) else [(k, [v]) for k, v in data.items()]
    )
    for key, values in items:
        cleaned.setlist(
            strip_nul(str(key))[:MAX_PARAM_LENGTH],
            [strip_nul(str(v))[:MAX_PARAM_LENGTH] for v in values],
        )
    return cleaned


class AsciiIntegerField(forms.IntegerField):
    """An integer typed with the digits 0–9 only: "²" and "٣" get a field message rather
    than a 500 or a silent 3; at most 18 digits, so no value overflows a database integer."""

    default_error_messages = {"invalid": _("Enter a whole number using the digits 0–9.")}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        try:
            return parse_ascii_int(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


@extend_schema_field(OpenApiTypes.INT)
class AsciiNumberFilter(django_filters.NumberFilter):
    """django-filter's NumberFilter with :class:`AsciiIntegerField` (whole numbers only)."""

    field_class = AsciiIntegerField


class FilterSet(django_filters.FilterSet):
    """The base of every filter bar: the query string cleaned of NUL bytes and overlong
    values before any filter reads it."""

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(cleaned_query(data), *args, **kwargs)
