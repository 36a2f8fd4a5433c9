"""Deadline arithmetic for the rules in design.md §4, explained as in §5.

Periods are counted the way Chinese procedure law counts them: the starting day is not
counted, "N months after" lands on the same day number (clamped to the month's end),
and a last day that falls on a rest day or holiday moves to the next working day.
Working days follow the official PRC calendar, make-up working days (调休) included,
as published by the State Council and packaged in ``chinese_calendar``.

Every result carries a one-line explanation so staff, departments and deputies can
see how a date was reached instead of having to trust it.
"""

from __future__ import annotations

import calendar
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import cast

import chinese_calendar
from django.db import models
from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Deadline",
    "explain_basis",
    "Unit",
    "add_calendar_months",
    "clear_caches",
    "compute_deadline",
    "has_official_calendar",
    "is_working_day",
]


class Unit(models.TextChoices):
    """How a deadline's count is measured; stored with each configured rule."""

    CALENDAR_MONTHS = "months", _("calendar months")
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "days", _("calendar days")


@dataclass(frozen=True)
class Deadline:
    """A computed due date and the human-readable line that justifies it."""

    start: date
    due_on: date
    explanation: str
    # How it was counted, so that the explanation can be rendered again in another
    # language (explain_basis) and the date recomputed when a rule or the calendar changes.
    count: int = 0
    unit: str = ""
    roll: bool = True

    def basis(self, rule: str) -> dict[str, object]:
        """What to store with a date computed from a congress's ``rule``."""
        return {
            "kind": "rule",
            "rule": rule,
            "start": self.start.isoformat(),
            "count": self.count,
            "unit": self.unit,
            "roll": self.roll,
        }


def explain_basis(basis: dict[str, object]) -> str:
    """The explanation of a stored deadline basis, in the active language.

    Kinds: "rule" (computed from a congress's period), "extended" (staff moved it, with
    the reason), "kept" (a transfer kept the earlier unit's deadline) and "text" (an
    explanation stored as text by an earlier release)."""
    kind = basis.get("kind")
    if kind == "rule":
        start = date.fromisoformat(str(basis["start"]))
        return compute_deadline(
            start,
            # A JSON number as stored by Deadline.basis().
            int(cast(int, basis["count"])),
            str(basis["unit"]),
            roll_to_working_day=bool(basis.get("roll", True)),
        ).explanation
    if kind == "extended":
        return gettext("extended from %(old)s to %(new)s: %(reason)s") % {
            "old": basis.get("from", ""),
            "new": basis.get("to", ""),
            "reason": basis.get("reason", ""),
        }
    if kind == "kept":
        inner = basis.get("basis")
        return gettext("kept from the transferred assignment: %(explanation)s") % {
            "explanation": explain_basis(inner) if isinstance(inner, dict) else ""
        }
    return str(basis.get("text", ""))


_ONE_DAY = timedelta(days=1)

# The installed chinese_calendar release knows these years. They are read from its
# table rather than written here so that upgrading the package (which is how a newly
# published State Council calendar reaches us) widens the range with no code change.
_FIRST_OFFICIAL_YEAR: int = min(chinese_calendar.holidays).year
_LAST_OFFICIAL_YEAR: int = max(chinese_calendar.holidays).year

# chinese_calendar names holidays in English; route them through our catalogue so
# that the explanation can be shown in Chinese like the rest of the interface.
_HOLIDAY_NAMES: dict[str, Promise] = {
    chinese_calendar.Holiday.new_years_day.value: _("New Year's Day"),
    chinese_calendar.Holiday.spring_festival.value: _("Spring Festival"),
    chinese_calendar.Holiday.tomb_sweeping_day.value: _("Tomb-sweeping Day"),
    chinese_calendar.Holiday.labour_day.value: _("Labour Day"),
    chinese_calendar.Holiday.dragon_boat_festival.value: _("Dragon Boat Festival"),
    chinese_calendar.Holiday.national_day.value: _("National Day"),
    chinese_calendar.Holiday.mid_autumn_festival.value: _("Mid-autumn Festival"),
    chinese_calendar.Holiday.anti_fascist_70th_day.value: _(
        "Victory Day of the War of Resistance (70th anniversary)"
    ),
}


def has_official_calendar(year: int) -> bool:
    """Whether the official holiday and make-up-day schedule for ``year`` is known.

    Deadlines counted in other years use a plain Monday–Friday week and should be
    recomputed once the State Council publishes that year's calendar.
    """
    return _FIRST_OFFICIAL_YEAR <= year <= _LAST_OFFICIAL_YEAR


def _require_date(value: object, name: str) -> None:
    # A datetime is a date subclass, so it would be accepted silently; but which
    # calendar day an aware datetime stands for depends on the time zone (a UTC
    # timestamp before 08:00 is the previous day in Beijing), so make the caller
    # decide, e.g. with django.utils.timezone.localdate().
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(
            f"{name} must be a datetime.date (not a datetime; use "
            f"timezone.localdate() to convert), got {type(value).__name__}"
        )


# Reminder scans recompute many deadlines over the same few hundred days, so the
# answer for each day is remembered. The calendar only changes when the package is
# upgraded, which means a restart; call clear_caches() otherwise.
# Unbounded is fine: real keys are the few thousand days deadlines actually touch.
@cache
def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in the official PRC calendar.

    Make-up working days (调休 Saturdays and Sundays) count as working days and
    public holidays do not. Outside the years with official data a plain
    Monday–Friday week is assumed; see has_official_calendar().
    """
    _require_date(day, "day")
    if has_official_calendar(day.year):
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            # Should the package's own range check ever disagree with ours, a
            # deadline computed on a weekday basis beats a crashed reminder scan.
            pass
    return day.weekday() < 5


def add_calendar_months(start: date, months: int) -> date:
    """``start`` moved by ``months`` calendar months, keeping the day number.

    A day number the target month lacks is clamped to its last day, so 31 January
    plus one month is 28 February, or 29 February in a leap year.
    """
    month_index = start.year * 12 + (start.month - 1) + months
    year, month_zero_based = divmod(month_index, 12)
    month = month_zero_based + 1
    _first_weekday, last_day = calendar.monthrange(year, month)
    return date(year, month, min(start.day, last_day))


def clear_caches() -> None:
    """Forget remembered calendar answers, translations and deadlines.

    Needed only when the calendar changes inside a running process (tests that
    patch it, or an upgraded chinese_calendar loaded without a restart).
    """
    is_working_day.cache_clear()
    _official_day_name.cache_clear()
    _compute_deadline.cache_clear()
    _template_cache.clear()


def _next_working_day(day: date) -> date:
    day += _ONE_DAY
    while not is_working_day(day):
        day += _ONE_DAY
    return day


# Translating through Django costs about a microsecond a message (it looks up the
# active language in context-local storage every time) and that dominated computing a
# deadline. A template depends only on the language and, for plurals, the number, so
# each is translated once per language and remembered. The gettext calls stay
# literal at the call sites so that makemessages still finds them.
_TEMPLATE_CACHE_LIMIT = 4096
_template_cache: dict[tuple[str | None, str, int], str] = {}


def _template(language: str | None, key: str, translate: Callable[[], str], n: int = 0) -> str:
    cache_key = (language, key, n)
    try:
        return _template_cache[cache_key]
    except KeyError:
        pass
    if len(_template_cache) >= _TEMPLATE_CACHE_LIMIT:
        # Only unusual counts (plural forms are cached per number) can fill it.
        _template_cache.clear()
    text = _template_cache[cache_key] = translate()
    return text


def _join_list(language: str | None, items: list[str]) -> str:
    separator = _template(
        language,
        "list separator",
        # Translators: separates dates in a list, e.g. "2024-09-28, 2024-09-29".
        lambda: pgettext("list separator", ", "),
    )
    return separator.join(items)


def _format_days(language: str | None, days: list[date]) -> str:
    """ISO dates, with runs of three or more consecutive days shown as first…last."""
    # Short runs are listed one by one because "2024-09-28…2024-09-29" reads worse
    # than the two dates, while a holiday week is clearer as a range.
    parts: list[str] = []
    run_start = run_end = days[0]
    for day in [*days[1:], None]:
        if day is not None and day - run_end == _ONE_DAY:
            run_end = day
            continue
        if (run_end - run_start).days >= 2:
            parts.append(f"{run_start.isoformat()}…{run_end.isoformat()}")
        else:
            current = run_start
            while current <= run_end:
                parts.append(current.isoformat())
                current += _ONE_DAY
        if day is not None:
            run_start = run_end = day
    return _join_list(language, parts)


# chinese_calendar scans its whole table on every lookup to check the year, which
# makes an uncached call cost microseconds; a given day's answer never changes.
@cache
def _official_day_name(day: date) -> str | None:
    """The library's (English) name of the holiday or make-up day ``day`` is part of."""
    if not has_official_calendar(day.year):
        return None
    try:
        _on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name or None


def _day_off_name(language: str | None, day: date) -> tuple[str | None, str]:
    """The translated holiday name of ``day`` (or None) and its translated weekday."""
    name = _official_day_name(day)
    holiday = (
        _template(language, f"holiday {name}", lambda: str(_HOLIDAY_NAMES.get(name, name))) if name else None
    )
    weekday = day.weekday()
    return holiday, _template(language, "weekday", lambda: str(WEEKDAYS[weekday]), weekday)


def _moved_clause(language: str | None, day: date, moved_to: date) -> str:
    """Explain why ``day`` is a day off and where the deadline moved instead."""
    values: dict[str, str | None] = {"day": day.isoformat(), "due": moved_to.isoformat()}
    values["holiday"], values["weekday"] = _day_off_name(language, day)
    if values["holiday"]:
        template = _template(
            language,
            "moved off holiday",
            lambda: gettext("%(day)s is a holiday (%(holiday)s); moved to next working day %(due)s"),
        )
    else:
        template = _template(
            language,
            "moved off rest day",
            lambda: gettext("%(day)s is a rest day (%(weekday)s); moved to next working day %(due)s"),
        )
    return template % values


def _make_up_clause(language: str | None, day: date) -> str:
    """Explain that weekend ``day`` is an official make-up working day."""
    values: dict[str, str | None] = {"day": day.isoformat()}
    values["holiday"], values["weekday"] = _day_off_name(language, day)
    if values["holiday"]:
        template = _template(
            language,
            "make-up day of holiday",
            lambda: gettext("%(day)s is a make-up working day (%(holiday)s)"),
        )
    else:
        template = _template(language, "make-up day", lambda: gettext("%(day)s is a make-up working day"))
    return template % values


def _missing_calendar_notes(language: str | None, first: date, last: date) -> list[str]:
    """Say which years between ``first`` and ``last`` were counted Monday–Friday."""
    years = range(first.year, last.year + 1)
    past = [str(year) for year in years if year < _FIRST_OFFICIAL_YEAR]
    future = [str(year) for year in years if year > _LAST_OFFICIAL_YEAR]
    notes: list[str] = []
    if past:
        template = _template(
            language,
            "no calendar (past)",
            lambda: gettext("no official calendar for %(years)s; counted Monday–Friday"),
        )
        notes.append(template % {"years": _join_list(language, past)})
    if future:
        template = _template(
            language,
            "no calendar (future)",
            lambda: gettext("no official calendar for %(years)s yet; counted Monday–Friday"),
        )
        notes.append(template % {"years": _join_list(language, future)})
    return notes


def _count_working_days(start: date, count: int) -> tuple[date, list[date], list[date]]:
    """The ``count``-th working day after ``start``, the rest days stepped over and
    the make-up (weekend) working days counted on the way."""
    day = start
    remaining = count
    skipped: list[date] = []
    make_up: list[date] = []
    while remaining:
        day += _ONE_DAY
        if is_working_day(day):
            remaining -= 1
            if day.weekday() >= 5:
                make_up.append(day)
        else:
            skipped.append(day)
    return day, skipped, make_up


def _explain_working_days(
    language: str | None,
    values: dict[str, object],
    count: int,
    skipped: list[date],
    make_up: list[date],
) -> str:
    steps = [
        _template(
            language,
            "working days",
            lambda: ngettext(
                "%(count)s working day from %(start)s",
                "%(count)s working days from %(start)s",
                count,
            ),
            count,
        )
        % values
    ]
    if skipped:
        skipping = _template(language, "skipping", lambda: gettext("skipping %(days)s"))
        steps.append(skipping % {"days": _format_days(language, skipped)})
    if make_up:
        counting = _template(
            language,
            "counting make-up",
            lambda: ngettext(
                "counting make-up working day %(days)s",
                "counting make-up working days %(days)s",
                len(make_up),
            ),
            len(make_up),
        )
        steps.append(counting % {"days": _format_days(language, make_up)})
    separator = _template(
        language,
        "phrase separator",
        # Translators: joins "7 working days from …", "skipping …" and "counting …".
        lambda: pgettext("phrase separator", ", "),
    )
    arrow = _template(
        language,
        "arrow",
        # Translators: %(steps)s is e.g. "7 working days from 2024-09-27, skipping …";
        # %(due)s is the resulting date.
        lambda: gettext("%(steps)s → %(due)s"),
    )
    return arrow % {"steps": separator.join(steps), "due": values["due"]}


def compute_deadline(start: date, count: int, unit: str, *, roll_to_working_day: bool = True) -> Deadline:
    """The deadline ``count`` ``unit`` after ``start``, with its explanation.

    The starting day itself is not counted. ``unit`` is a Unit value ("months",
    "working_days" or "days"). With ``roll_to_working_day`` a result that falls on a
    rest day or holiday moves to the next working day; a congress may switch that
    off. Raises ValueError for a negative count or an unknown unit.
    """
    _require_date(start, "start")
    count = operator.index(count)
    if count < 0:
        raise ValueError(f"count must be 0 or more, got {count}")
    try:
        unit = Unit(unit)
    except ValueError:
        expected = ", ".join(repr(choice.value) for choice in Unit)
        raise ValueError(f"unknown deadline unit {unit!r}; expected one of {expected}") from None

    # Checked up front for working days: stepping day by day towards an impossible
    # count would take minutes before the date arithmetic finally overflowed.
    if unit == Unit.WORKING_DAYS and count > (date.max - start).days:
        raise _out_of_range(start, count, unit)
    try:
        return _compute_deadline(start, count, unit, bool(roll_to_working_day), get_language())
    except (OverflowError, ValueError):
        # Past validation only date arithmetic can fail: the result left year 1–9999.
        raise _out_of_range(start, count, unit) from None


def _out_of_range(start: date, count: int, unit: Unit) -> ValueError:
    return ValueError(
        f"{count} {unit.value.replace('_', ' ')} from {start.isoformat()} falls outside "
        f"the supported dates (years {date.min.year}–{date.max.year})"
    )


# Assignments come in batches (a whole session's suggestions are handed out on a few
# days) and reminder scans recompute the same deadlines every run, so most calls
# repeat an earlier one. A Deadline is immutable, so the result is shared; the
# language is part of the key because the explanation is translated.
@lru_cache(maxsize=16384)
def _compute_deadline(
    start: date, count: int, unit: Unit, roll_to_working_day: bool, language: str | None
) -> Deadline:
    values: dict[str, object] = {"count": count, "start": start.isoformat()}
    # The earliest day whose working/rest status the result depends on; None when
    # no calendar is consulted at all (calendar units without rolling).
    consulted_from: date | None = None

    if unit == Unit.WORKING_DAYS:
        reached, skipped, make_up = _count_working_days(start, count)
        if count:
            consulted_from = start + _ONE_DAY
        values["due"] = reached.isoformat()
        clauses = [_explain_working_days(language, values, count, skipped, make_up)]
    elif unit == Unit.CALENDAR_MONTHS:
        reached = add_calendar_months(start, count)
        values["due"] = reached.isoformat()
        months = _template(
            language,
            "months",
            lambda: ngettext(
                "%(count)s month from %(start)s → %(due)s",
                "%(count)s months from %(start)s → %(due)s",
                count,
            ),
            count,
        )
        clauses = [months % values]
        if reached.day != start.day:
            clamped = _template(
                language,
                "clamped",
                lambda: gettext("the month has no day %(day)s, so its last day is used"),
            )
            clauses.append(clamped % {"day": start.day})
    else:
        reached = start + timedelta(days=count)
        values["due"] = reached.isoformat()
        days = _template(
            language,
            "days",
            lambda: ngettext(
                "%(count)s calendar day from %(start)s → %(due)s",
                "%(count)s calendar days from %(start)s → %(due)s",
                count,
            ),
            count,
        )
        clauses = [days % values]

    due_on = reached
    if roll_to_working_day:
        if consulted_from is None:
            consulted_from = reached
        # Counting working days always ends on a working day, so in practice this
        # moves only calendar-unit results and a zero count started on a day off.
        if not is_working_day(reached):
            due_on = _next_working_day(reached)
            clauses.append(_moved_clause(language, reached, due_on))
        elif unit != Unit.WORKING_DAYS and reached.weekday() >= 5:
            # A Saturday or Sunday deadline looks like a mistake unless we say why
            # it stands; working-day counts already name their make-up days.
            clauses.append(_make_up_clause(language, reached))

    if consulted_from is not None:
        clauses.extend(_missing_calendar_notes(language, consulted_from, due_on))

    separator = _template(
        language,
        "clause separator",
        # Translators: separates the clauses of an explanation, e.g.
        # "3 months from 2024-07-01 → 2024-10-01; 2024-10-01 is a holiday (…)".
        lambda: pgettext("clause separator", "; "),
    )
    return Deadline(
        start=start,
        due_on=due_on,
        explanation=separator.join(clauses),
        count=count,
        unit=unit.value,
        roll=roll_to_working_day,
    )
