"""tracker.validators.not_in_future: the one rule for a date that records something done,
and every form where a user enters such a date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import time_machine
from django import forms
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.utils import translation

from proposals.forms import AssignForm, ContactForm, ProposalForm, SpreadsheetImportForm
from responses.forms import ApproveForm, FulfilForm, ProgressReportForm
from tracker.validators import not_in_future

TODAY = date(2024, 7, 20)


@time_machine.travel(TODAY, tick=False)
class NotInFutureTests(SimpleTestCase):
    def test_it_accepts_today(self) -> None:
        not_in_future(TODAY, "Sent on")

    def test_it_accepts_an_empty_value(self) -> None:
        not_in_future(None, "Sent on")

    def test_it_refuses_tomorrow_naming_the_field_and_today(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            not_in_future(date(2024, 7, 21), "sent on")
        self.assertEqual(raised.exception.code, "future")
        self.assertEqual(raised.exception.messages, ["Sent on cannot be later than today (2024-07-20)."])

    def test_it_counts_today_in_local_time_not_in_utc(self) -> None:
        # 17:00 UTC on the 20th is 01:00 on the 21st in Shanghai: the 21st is today.
        with time_machine.travel(datetime(2024, 7, 20, 17, 0, tzinfo=UTC), tick=False):
            not_in_future(date(2024, 7, 21), "Sent on")
            with self.assertRaises(ValidationError):
                not_in_future(date(2024, 7, 22), "Sent on")


@time_machine.travel(TODAY, tick=False)
class FormTests(SimpleTestCase):
    """Each form refuses tomorrow on its date field, in the validator's words with its label."""

    CASES: list[tuple[type[forms.Form], str, str]] = [
        (ProposalForm, "received_on", "Received on"),
        (AssignForm, "assigned_on", "Assigned on"),
        (SpreadsheetImportForm, "received_on", "Received on"),
        (SpreadsheetImportForm, "assigned_on", "Assigned on"),
        (ContactForm, "contacted_on", "Date"),
        (ApproveForm, "sent_on", "Sent on"),
        (ProgressReportForm, "reported_on", "As of"),
        (FulfilForm, "fulfilled_on", "Kept on"),
    ]

    def field_errors(self, form_class: type[forms.Form], name: str, value: str) -> list[str]:
        field = form_class.base_fields[name]
        try:
            field.clean(value)
        except ValidationError as exc:
            return exc.messages
        return []

    def test_every_date_of_something_done_refuses_tomorrow_with_its_label(self) -> None:
        for form_class, name, label in self.CASES:
            with self.subTest(form=form_class.__name__, field=name):
                self.assertEqual(
                    self.field_errors(form_class, name, "2024-07-21"),
                    [f"{label} cannot be later than today (2024-07-20)."],
                )

    def test_every_date_of_something_done_accepts_today(self) -> None:
        for form_class, name, _label in self.CASES:
            with self.subTest(form=form_class.__name__, field=name):
                self.assertEqual(self.field_errors(form_class, name, "2024-07-20"), [])

    def test_it_says_it_in_chinese_on_the_chinese_interface(self) -> None:
        with translation.override("zh-hans"):
            self.assertEqual(
                self.field_errors(AssignForm, "assigned_on", "2024-07-21"),
                ["交办日期不能晚于今天（2024-07-20）。"],
            )

    def test_the_approval_date_may_be_left_empty(self) -> None:
        form: Any = ApproveForm({"sent_on": ""})
        self.assertTrue(form.is_valid(), form.errors)
