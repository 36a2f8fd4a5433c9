"""Deadline arithmetic against the real official PRC calendars (chinese_calendar data).

Every expected date below was worked out from the State Council holiday notices and
checked against the library:
- 2024 National Day: 10-01 (Tue)…10-07 off; Sun 09-29 and Sat 10-12 are make-up days.
- 2025 Spring Festival: 01-28 (Tue)…02-04 (Tue) off; Sun 01-26 and Sat 02-08 make-up.
- 2026 Spring Festival: 02-15…02-23 off; Sat 02-14 and Sat 02-28 make-up.
- 2027: not yet published when this was written, so Monday–Friday is assumed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from django.utils import translation

from tracker.deadlines import (
    Deadline,
    Unit,
    add_calendar_months,
    compute_deadline,
    explain_basis,
    has_official_calendar,
    is_working_day,
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # The site's default language is Chinese; pin English so the assertions on
    # explanations keep passing once the Chinese translation is filled in.
    with translation.override("en"):
        yield


# --- is_working_day ------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2024, 9, 29), id="2024-09-29 Sunday before National Day"),
        pytest.param(date(2024, 10, 12), id="2024-10-12 Saturday after National Day"),
        pytest.param(date(2025, 1, 26), id="2025-01-26 Sunday before Spring Festival"),
        pytest.param(date(2025, 2, 8), id="2025-02-08 Saturday after Spring Festival"),
        pytest.param(date(2026, 1, 4), id="2026-01-04 Sunday after New Year"),
    ],
)
def test_it_counts_official_make_up_weekend_days_as_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert is_working_day(day) is True


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2024, 10, 1), id="2024-10-01 Tuesday, National Day"),
        pytest.param(date(2024, 10, 7), id="2024-10-07 Monday, National Day"),
        pytest.param(date(2025, 1, 31), id="2025-01-31 Friday, Spring Festival"),
    ],
)
def test_it_treats_weekday_holidays_as_rest_days(day: date) -> None:
    assert day.weekday() < 5
    assert is_working_day(day) is False


def test_it_treats_an_ordinary_weekend_as_rest_days() -> None:
    assert is_working_day(date(2024, 9, 28)) is False  # Saturday before the make-up Sunday
    assert is_working_day(date(2024, 10, 13)) is False  # Sunday after the make-up Saturday


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2025, 1, 27), True, id="2025-01-27 Monday, last day before"),
        pytest.param(date(2025, 1, 28), False, id="2025-01-28 Tuesday, first day off"),
        pytest.param(date(2025, 2, 4), False, id="2025-02-04 Tuesday, last day off"),
        pytest.param(date(2025, 2, 5), True, id="2025-02-05 Wednesday, first day back"),
    ],
)
def test_it_knows_the_edges_of_spring_festival_2025(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_it_falls_back_to_monday_to_friday_in_a_year_without_data() -> None:
    assert is_working_day(date(2027, 1, 4)) is True  # Monday
    assert is_working_day(date(2027, 1, 9)) is False  # Saturday


def test_it_knows_which_years_have_an_official_calendar() -> None:
    assert has_official_calendar(2026) is True
    assert has_official_calendar(2027) is False
    assert has_official_calendar(2003) is False


def test_it_refuses_a_datetime_whose_calendar_day_depends_on_the_time_zone() -> None:
    with pytest.raises(TypeError, match="localdate"):
        is_working_day(datetime(2024, 10, 1, 1, 0))  # noqa: DTZ001 - the point of the test


# --- add_calendar_months -------------------------------------------------------


def test_it_keeps_the_day_number_when_adding_months() -> None:
    assert add_calendar_months(date(2024, 7, 14), 3) == date(2024, 10, 14)


def test_it_clamps_31_january_to_the_end_of_february() -> None:
    assert add_calendar_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_calendar_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_it_crosses_the_year_end_when_adding_months() -> None:
    assert add_calendar_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_calendar_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_it_clamps_to_a_thirty_day_month() -> None:
    assert add_calendar_months(date(2024, 3, 31), 1) == date(2024, 4, 30)


# --- compute_deadline: calendar months -----------------------------------------


def test_it_explains_a_plain_three_month_deadline() -> None:
    deadline = compute_deadline(date(2024, 7, 14), 3, Unit.CALENDAR_MONTHS)

    assert deadline == Deadline(
        start=date(2024, 7, 14),
        due_on=date(2024, 10, 14),
        explanation="3 months from 2024-07-14 → 2024-10-14",
        count=3,
        unit="months",
        roll=True,
    )


def test_it_explains_a_stored_basis_again_in_the_active_language() -> None:
    from django.utils import translation

    basis = compute_deadline(date(2024, 7, 1), 3, "months").basis("reply")

    with translation.override("zh-hans"):
        chinese = explain_basis(basis)
    assert explain_basis(basis).startswith("3 months from 2024-07-01 → 2024-10-01")
    assert chinese.startswith("自2024-07-01起3个月 → 2024-10-01")


def test_it_moves_a_three_month_deadline_out_of_the_national_day_holiday() -> None:
    deadline = compute_deadline(date(2024, 7, 1), 3, "months")

    assert deadline.due_on == date(2024, 10, 8)
    assert deadline.explanation == (
        "3 months from 2024-07-01 → 2024-10-01; "
        "2024-10-01 is a holiday (National Day); moved to next working day 2024-10-08"
    )


def test_it_clamps_to_the_month_end_and_then_rolls_off_a_sunday() -> None:
    # 31 May + 1 month = 30 June 2024, a Sunday; 1 July is the Monday after.
    deadline = compute_deadline(date(2024, 5, 31), 1, "months")

    assert deadline.due_on == date(2024, 7, 1)
    assert "the month has no day 31, so its last day is used" in deadline.explanation
    assert "2024-06-30 is a rest day (Sunday); moved to next working day 2024-07-01" in deadline.explanation


def test_it_keeps_a_clamped_deadline_on_a_make_up_saturday() -> None:
    # 31 January + 1 month = 28 February 2026, a Saturday worked after Spring Festival.
    deadline = compute_deadline(date(2026, 1, 31), 1, "months")

    assert deadline.due_on == date(2026, 2, 28)
    assert "2026-02-28 is a make-up working day (Spring Festival)" in deadline.explanation


def test_it_keeps_a_weekend_date_when_rolling_is_off() -> None:
    deadline = compute_deadline(date(2024, 5, 31), 1, "months", roll_to_working_day=False)

    assert deadline.due_on == date(2024, 6, 30)
    assert "moved" not in deadline.explanation


def test_it_keeps_a_holiday_date_when_rolling_is_off() -> None:
    deadline = compute_deadline(date(2024, 7, 1), 3, "months", roll_to_working_day=False)

    assert deadline.due_on == date(2024, 10, 1)


def test_it_uses_the_singular_for_one_month() -> None:
    deadline = compute_deadline(date(2024, 8, 13), 1, "months")

    assert deadline.explanation == "1 month from 2024-08-13 → 2024-09-13"


# --- compute_deadline: working days --------------------------------------------


def test_it_counts_seven_working_days_across_national_day_2024() -> None:
    # Sat 09-28 off, Sun 09-29 worked (1), Mon 09-30 (2), 10-01…10-07 off,
    # 10-08…10-11 (3–6), Sat 10-12 worked (7).
    deadline = compute_deadline(date(2024, 9, 27), 7, Unit.WORKING_DAYS)

    assert deadline.due_on == date(2024, 10, 12)
    assert deadline.explanation == (
        "7 working days from 2024-09-27, skipping 2024-09-28, 2024-10-01…2024-10-07, "
        "counting make-up working days 2024-09-29, 2024-10-12 → 2024-10-12"
    )


def test_it_does_not_count_the_starting_day() -> None:
    deadline = compute_deadline(date(2024, 9, 23), 1, "working_days")

    assert deadline.due_on == date(2024, 9, 24)
    assert deadline.explanation == "1 working day from 2024-09-23 → 2024-09-24"


def test_it_counts_the_make_up_sunday_just_before_spring_festival_2025() -> None:
    deadline = compute_deadline(date(2025, 1, 24), 1, "working_days")

    assert deadline.due_on == date(2025, 1, 26)
    assert "counting make-up working day 2025-01-26" in deadline.explanation


def test_it_jumps_from_the_last_day_before_spring_festival_2025_to_the_first_after() -> None:
    deadline = compute_deadline(date(2025, 1, 27), 1, "working_days")

    assert deadline.due_on == date(2025, 2, 5)
    assert "skipping 2025-01-28…2025-02-04" in deadline.explanation


def test_it_counts_from_inside_spring_festival_2025() -> None:
    deadline = compute_deadline(date(2025, 2, 4), 1, "working_days")

    assert deadline.due_on == date(2025, 2, 5)


def test_it_counts_the_make_up_saturday_after_spring_festival_2025() -> None:
    # 02-05, 02-06, 02-07, Sat 02-08 (make-up), Mon 02-10.
    deadline = compute_deadline(date(2025, 1, 27), 5, "working_days")

    assert deadline.due_on == date(2025, 2, 10)
    assert "counting make-up working day 2025-02-08" in deadline.explanation


def test_it_gives_twenty_working_days_for_deputy_feedback_over_spring_festival() -> None:
    # 01-21…01-24 (4), Sun 01-26 (5), 01-27 (6), 02-05…02-07 (9), Sat 02-08 (10),
    # 02-10…02-14 (15), 02-17…02-21 (20).
    deadline = compute_deadline(date(2025, 1, 20), 20, "working_days")

    assert deadline.due_on == date(2025, 2, 21)


def test_it_moves_a_zero_day_count_that_starts_on_a_rest_day() -> None:
    deadline = compute_deadline(date(2024, 9, 28), 0, "working_days")

    assert deadline.due_on == date(2024, 9, 29)


# --- compute_deadline: calendar days -------------------------------------------


def test_it_adds_calendar_days_without_counting_the_start() -> None:
    deadline = compute_deadline(date(2024, 9, 20), 10, Unit.CALENDAR_DAYS)

    assert deadline.due_on == date(2024, 9, 30)
    assert deadline.explanation == "10 calendar days from 2024-09-20 → 2024-09-30"


def test_it_moves_a_calendar_day_deadline_out_of_a_holiday() -> None:
    deadline = compute_deadline(date(2024, 9, 24), 7, "days")

    assert deadline.due_on == date(2024, 10, 8)
    assert "2024-10-01 is a holiday (National Day)" in deadline.explanation


# --- years without an official calendar ----------------------------------------


def test_it_counts_working_days_monday_to_friday_in_2027_and_says_so() -> None:
    deadline = compute_deadline(date(2027, 3, 1), 5, "working_days")

    assert deadline.due_on == date(2027, 3, 8)
    assert deadline.explanation.endswith("; no official calendar for 2027 yet; counted Monday–Friday")


def test_it_explains_a_working_day_count_that_runs_into_2027() -> None:
    # 2026 is official; from 2027-01-01 (a Friday) on, plain weekdays are counted.
    deadline = compute_deadline(date(2026, 12, 15), 20, "working_days")

    assert deadline.due_on == date(2027, 1, 12)
    assert "no official calendar for 2027 yet" in deadline.explanation


def test_it_rolls_a_month_deadline_in_2027_off_a_saturday() -> None:
    deadline = compute_deadline(date(2026, 11, 27), 3, "months")

    assert deadline.due_on == date(2027, 3, 1)
    assert "no official calendar for 2027 yet" in deadline.explanation


def test_it_does_not_mention_the_calendar_when_none_was_consulted() -> None:
    deadline = compute_deadline(date(2027, 1, 10), 30, "days", roll_to_working_day=False)

    assert deadline.explanation == "30 calendar days from 2027-01-10 → 2027-02-09"


def test_it_says_when_a_year_before_the_data_was_counted_monday_to_friday() -> None:
    deadline = compute_deadline(date(2003, 6, 2), 5, "working_days")

    assert deadline.due_on == date(2003, 6, 9)
    assert "no official calendar for 2003; counted Monday–Friday" in deadline.explanation


# --- validation ----------------------------------------------------------------


def test_it_rejects_a_negative_count() -> None:
    with pytest.raises(ValueError, match="count must be 0 or more, got -1"):
        compute_deadline(date(2024, 7, 1), -1, "months")


def test_it_rejects_an_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unknown deadline unit 'weeks'"):
        compute_deadline(date(2024, 7, 1), 2, "weeks")


def test_it_rejects_a_result_beyond_the_last_representable_date() -> None:
    with pytest.raises(ValueError, match="falls outside the supported dates"):
        compute_deadline(date(9999, 12, 30), 5, "working_days")


def test_it_accepts_a_unit_as_plain_string_or_choice() -> None:
    assert compute_deadline(date(2024, 7, 1), 3, "months") == compute_deadline(
        date(2024, 7, 1), 3, Unit.CALENDAR_MONTHS
    )


# --- translation and speed -----------------------------------------------------


def test_it_explains_in_the_active_language() -> None:
    # Django ships the Chinese weekday names, so this holds before our own catalogue is
    # translated; it also proves remembered explanations are kept per language.
    english = compute_deadline(date(2024, 9, 21), 1, "days").explanation
    with translation.override("zh-hans"):
        chinese = compute_deadline(date(2024, 9, 21), 1, "days").explanation

    assert "(Sunday)" in english
    assert "(星期日)" in chinese
