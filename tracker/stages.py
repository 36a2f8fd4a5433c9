"""Reminder stages: the days around a deadline when the people responsible are told.

A stage is an offset in days from the due date: -14 is two weeks before, 0 the due
day, 1 the first day overdue. After the last configured stage, reminders repeat every
``repeat`` days for as long as the obligation stays open (design.md §5). Each congress
configures its own stages (``Congress.reminder_days`` and ``reminder_repeat_days``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext


def parse_reminder_days(text: str) -> tuple[int, ...]:
    """'-14,-3,0,1' → (-14, -3, 0, 1); raise ValidationError naming the bad part."""
    days: list[int] = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            days.append(int(part))
        except ValueError:
            raise ValidationError(
                gettext("“%(part)s” is not a whole number of days.") % {"part": part}, code="bad_day"
            ) from None
    if not days:
        raise ValidationError(gettext("Give at least one reminder day."), code="no_days")
    if len(set(days)) != len(days):
        raise ValidationError(gettext("A reminder day is listed twice."), code="duplicate_day")
    return tuple(sorted(days))


def validate_reminder_days(text: str) -> None:
    parse_reminder_days(text)


@dataclass(frozen=True)
class ReminderStages:
    """The configured offsets plus the overdue repeat, with the arithmetic the scan needs."""

    days: tuple[int, ...]
    repeat: int = 7

    def __post_init__(self) -> None:
        if not self.days or list(self.days) != sorted(set(self.days)):
            raise ValueError("days must be distinct and sorted")

    def at_or_before(self, offset: int) -> int | None:
        """The latest stage reached on day ``offset`` (days after the due date), if any."""
        last = self.days[-1]
        if offset >= last and self.repeat:
            return last + (offset - last) // self.repeat * self.repeat
        reached = [d for d in self.days if d <= offset]
        return reached[-1] if reached else None

    def after(self, stage: int | None) -> int | None:
        """The first stage after ``stage`` (None: the first stage of all); None if none follows."""
        if stage is None:
            return self.days[0]
        later = [d for d in self.days if d > stage]
        if later:
            return later[0]
        if not self.repeat:
            return None
        last = self.days[-1]
        return last + ((stage - last) // self.repeat + 1) * self.repeat

    def overdue_number(self, stage: int) -> int:
        """1 for the first stage after the due day, 2 for the next, …; 0 up to the due day."""
        if stage <= 0:
            return 0
        listed = [d for d in self.days if 0 < d <= stage]
        last = self.days[-1]
        repeats = (stage - last) // self.repeat if self.repeat and stage > last else 0
        return len(listed) + repeats


def stage_label(stage: int) -> str:
    """A stage in words: "3 days before", "due day", "8 days overdue"."""
    if stage < 0:
        return ngettext("%(n)d day before", "%(n)d days before", -stage) % {"n": -stage}
    if stage == 0:
        return gettext("due day")
    return ngettext("%(n)d day overdue", "%(n)d days overdue", stage) % {"n": stage}
