"""A stuck import's discard against a worker applying it, with real row locks (PostgreSQL
only): the discard is refused at once while the worker holds the row, and the worker
imports everything; it never waits for the worker, which can take minutes."""

from __future__ import annotations

import threading
import unittest
from datetime import timedelta
from unittest import mock

import time_machine
from django.contrib.auth.models import Group
from django.db import connection, connections
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from proposals.models import Category, Congress, Department, Deputy, Proposal, Session, SpreadsheetImport
from tests.proposals.test_spreadsheet_import import MEDIA, row, stage, workbook
from tracker.models import Role, User
from tracker.workflow import InvalidTransition


@unittest.skipUnless(connection.vendor == "postgresql", "row locks (NOWAIT) need PostgreSQL")
@override_settings(MEDIA_ROOT=MEDIA, IMPORT_STUCK_AFTER=300)
class DiscardWhileApplyingTests(TransactionTestCase):
    def setUp(self) -> None:
        congress = Congress.objects.create(name="深圳市人民代表大会", short_name="市人大")
        self.session = Session.objects.create(
            congress=congress, name="七届五次", term=7, meeting=5, year=2024
        )
        Category.objects.create(congress=congress, name="城建环资")
        for name in ("龙岗区发展和改革局", "龙岗区住房和建设局"):
            Department.objects.create(name=name)
        for name in ("陈寿", "王芳"):
            Deputy.objects.create(congress=congress, name=name, delegation="龙岗代表团")
        self.staff = User.objects.create_user("staff")
        self.staff.groups.add(Group.objects.get_or_create(name=Role.CONGRESS_STAFF)[0])
        self.upload = stage(workbook([row("20240493")]), session=self.session, by=self.staff)
        with mock.patch("tracker.outbox.publish"):  # the task waits in the outbox
            self.upload.confirm(by=self.staff)

    def test_a_discard_is_refused_while_a_worker_applies_the_list(self) -> None:
        applying, release = threading.Event(), threading.Event()
        from proposals import spreadsheet

        original = spreadsheet.apply_sheet

        def slow_apply(*args: object, **kwargs: object) -> int:
            applying.set()
            release.wait(10)
            return original(*args, **kwargs)

        def worker() -> None:
            try:
                SpreadsheetImport.run_confirmed(self.upload.pk)
            finally:
                connections.close_all()

        with mock.patch.object(spreadsheet, "apply_sheet", slow_apply):
            thread = threading.Thread(target=worker)
            thread.start()
            self.assertTrue(applying.wait(10))
            try:
                with (
                    time_machine.travel(timezone.now() + timedelta(minutes=6)),
                    self.assertRaisesMessage(InvalidTransition, "A worker is importing this list right now"),
                ):
                    SpreadsheetImport.objects.get(pk=self.upload.pk).discard(by=self.staff)
            finally:
                release.set()
                thread.join()
        self.assertEqual(SpreadsheetImport.objects.get().status, SpreadsheetImport.Status.APPLIED)
        self.assertEqual(Proposal.objects.count(), 1)
