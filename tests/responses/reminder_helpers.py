"""Shared helpers for the reminder tests: frozen-time scans and readable reminder rows."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from responses.models import Reminder, ScanRun
from responses.reminders.scan import run_scan

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def scan(test: TestCase, day: date, hour: int = 10) -> ScanRun:
    """Run the beat task's scan at a local time, delivering what it queues."""
    with time_machine.travel(at(day, hour), tick=False), test.captureOnCommitCallbacks(execute=True):
        return run_scan()


def rows(**filters: object) -> set[tuple[str, int, str, str]]:
    """Reminders as (obligation kind, stage, recipient username, channel)."""
    return set(
        Reminder.objects.filter(**filters).values_list(
            "obligation__kind", "stage", "recipient__username", "channel"
        )
    )


def reminders_only() -> None:
    """Handover notices of every kind to the inbox only, for every user so far: these
    tests count the reminders' emails and texts (notices have tests of their own)."""
    from responses.notices import kind_codes
    from tracker.models import User

    User.objects.update(notice_channels={kind: [] for kind in kind_codes()})
