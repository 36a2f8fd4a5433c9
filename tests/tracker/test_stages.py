from __future__ import annotations

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from tracker.stages import ReminderStages, parse_reminder_days

DEFAULT = ReminderStages((-14, -3, 0, 1), 7)


class ReminderStagesTests(SimpleTestCase):
    def test_it_reaches_no_stage_before_the_first(self) -> None:
        self.assertIsNone(DEFAULT.at_or_before(-15))

    def test_it_reaches_each_configured_stage_on_its_day(self) -> None:
        self.assertEqual([DEFAULT.at_or_before(d) for d in (-14, -4, -3, 0, 1)], [-14, -14, -3, 0, 1])

    def test_it_repeats_weekly_while_overdue(self) -> None:
        self.assertEqual([DEFAULT.at_or_before(d) for d in (7, 8, 14, 15, 21, 22)], [1, 8, 8, 15, 15, 22])

    def test_it_names_the_next_stage(self) -> None:
        self.assertEqual([DEFAULT.after(s) for s in (None, -14, -3, 0, 1, 8)], [-14, -3, 0, 1, 8, 15])

    def test_it_stops_after_the_last_stage_without_repeat(self) -> None:
        stages = ReminderStages((-3, 0), 0)
        self.assertEqual((stages.after(0), stages.at_or_before(30)), (None, 0))

    def test_it_numbers_overdue_stages_for_escalation(self) -> None:
        self.assertEqual([DEFAULT.overdue_number(s) for s in (-3, 0, 1, 8, 15)], [0, 0, 1, 2, 3])

    def test_it_repeats_after_the_due_day_when_no_overdue_stage_is_listed(self) -> None:
        stages = ReminderStages((-7, 0), 7)
        self.assertEqual((stages.after(0), stages.overdue_number(7)), (7, 1))


class ParseReminderDaysTests(SimpleTestCase):
    def test_it_reads_commas_including_full_width_ones(self) -> None:
        self.assertEqual(parse_reminder_days("0，-14, -3,1"), (-14, -3, 0, 1))

    def test_it_names_the_part_that_is_not_a_number(self) -> None:
        with self.assertRaisesMessage(ValidationError, "“3天” is not a whole number of days."):
            parse_reminder_days("-14,3天")

    def test_it_refuses_an_empty_list(self) -> None:
        with self.assertRaises(ValidationError):
            parse_reminder_days(" , ")
