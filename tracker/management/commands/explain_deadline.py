"""``manage.py explain_deadline``: check a deadline rule by hand (design.md §4).

Prints the due date alone on the first line so scripts can take it with
``| head -1``, then the explanation for the person asking.
"""

from __future__ import annotations

import re
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tracker.deadlines import Unit, compute_deadline

# date.fromisoformat() on Python 3.11 also takes "20240714" and week dates such as
# "2024-W28-7"; operators are told to type YYYY-MM-DD, so accept only that.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# (option, argparse destination, unit) for each way of measuring the period.
_PERIOD_OPTIONS: tuple[tuple[str, str, Unit], ...] = (
    ("--months", "months", Unit.CALENDAR_MONTHS),
    ("--working-days", "working_days", Unit.WORKING_DAYS),
    ("--days", "days", Unit.CALENDAR_DAYS),
)


def _parse_start(value: str) -> date:
    expected = "expected a date in YYYY-MM-DD format, e.g. 2024-07-14"
    if not _ISO_DATE.fullmatch(value):
        raise CommandError(f"--from: {expected}; got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        # The shape is right but the date does not exist, e.g. 2023-02-29.
        raise CommandError(f"--from: {value!r} is not a valid date ({exc}); {expected}") from None


class Command(BaseCommand):
    help = (
        "Compute a deadline the way the tracker does and explain it: the ISO date on the "
        "first line, then how it was reached (skipped holidays, make-up working days, "
        "moves off rest days)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--from",
            dest="start",
            required=True,
            metavar="YYYY-MM-DD",
            help="The starting day, e.g. the day of assignment (交办). It is not counted itself.",
        )
        period = parser.add_mutually_exclusive_group(required=True)
        period.add_argument("--months", type=int, metavar="N", help="N calendar months.")
        period.add_argument(
            "--working-days",
            type=int,
            metavar="N",
            help="N working days in the official calendar, make-up working days included.",
        )
        period.add_argument("--days", type=int, metavar="N", help="N calendar days.")
        parser.add_argument(
            "--no-roll",
            action="store_true",
            help="Keep a result that falls on a rest day or holiday instead of moving it "
            "to the next working day.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = _parse_start(options["start"])
        option, count, unit = next(
            (option, options[dest], unit)
            for option, dest, unit in _PERIOD_OPTIONS
            if options.get(dest) is not None
        )
        try:
            deadline = compute_deadline(start, count, unit, roll_to_working_day=not options["no_roll"])
        except ValueError as exc:
            raise CommandError(f"{option}: {exc}") from None
        self.stdout.write(deadline.due_on.isoformat())
        self.stdout.write(deadline.explanation)
