"""``manage.py explain_deadline``: the date on line 1, the explanation after it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # The command speaks the site language (Chinese by default); pin English so the
    # explanation assertions survive the Chinese translation being filled in.
    with translation.override("en"):
        yield


def explain(*args: str) -> list[str]:
    out = StringIO()
    call_command("explain_deadline", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_the_rolled_month_deadline_alone_on_the_first_line() -> None:
    lines = explain("--from", "2024-07-01", "--months", "3")

    assert lines[0] == "2024-10-08"
    assert lines[1] == (
        "3 months from 2024-07-01 → 2024-10-01; "
        "2024-10-01 is a holiday (National Day); moved to next working day 2024-10-08"
    )


def test_it_counts_working_days_with_make_up_days() -> None:
    lines = explain("--from", "2024-09-27", "--working-days", "7")

    assert lines[0] == "2024-10-12"
    assert "counting make-up working days 2024-09-29, 2024-10-12" in lines[1]


def test_it_counts_calendar_days() -> None:
    lines = explain("--from", "2024-09-21", "--days", "1")

    assert lines[0] == "2024-09-23"
    assert "2024-09-22 is a rest day (Sunday)" in lines[1]


def test_it_keeps_a_weekend_date_with_no_roll() -> None:
    lines = explain("--from", "2024-05-31", "--months", "1", "--no-roll")

    assert lines[0] == "2024-06-30"
    assert len(lines) == 2


def test_it_rejects_a_date_not_written_as_yyyy_mm_dd() -> None:
    with pytest.raises(CommandError, match=r"--from: expected a date in YYYY-MM-DD format.*'14/07/2024'"):
        explain("--from", "14/07/2024", "--months", "3")


def test_it_rejects_a_date_that_does_not_exist() -> None:
    with pytest.raises(CommandError, match=r"--from: '2023-02-29' is not a valid date"):
        explain("--from", "2023-02-29", "--months", "3")


def test_it_rejects_a_negative_count_naming_the_option() -> None:
    with pytest.raises(CommandError, match="--working-days: count must be 0 or more"):
        explain("--from", "2024-07-01", "--working-days", "-2")


def test_it_requires_exactly_one_period() -> None:
    with pytest.raises(CommandError, match="one of the arguments --months --working-days --days is required"):
        explain("--from", "2024-07-01")
    with pytest.raises(CommandError, match="not allowed with"):
        explain("--from", "2024-07-01", "--months", "3", "--days", "5")


def test_it_runs_from_manage_py_for_operators() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "explain_deadline", "--from", "2025-01-27", "--working-days", "1"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2025-02-05"


def test_it_exits_with_an_error_from_manage_py_on_a_bad_date() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "explain_deadline", "--from", "2025-1-27", "--days", "1"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "--from: expected a date in YYYY-MM-DD format" in result.stderr
