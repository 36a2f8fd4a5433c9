"""Staged uploads of imports never confirmed lose their files; the import rows stay."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.test import override_settings

from proposals.models import SpreadsheetImport
from responses.letter_import import Upload, discard_import, expire_uploads, stage_upload
from responses.models import LetterImport
from responses.tasks import expire_staged_uploads
from tests.base import TrackerTestCase
from tests.proposals.test_spreadsheet_import import row, stage, workbook
from tests.responses.test_letter_import import SEED

MEDIA = tempfile.mkdtemp(prefix="expire-uploads-")
UPLOADED = datetime(2024, 7, 15, 2, 0, tzinfo=UTC)
LATER = UPLOADED + timedelta(hours=48, minutes=1)


@override_settings(MEDIA_ROOT=MEDIA, STAGED_UPLOAD_HOURS=48)
class ExpireUploadsTests(TrackerTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def staged_list(self) -> SpreadsheetImport:
        with time_machine.travel(UPLOADED, tick=False):
            return stage(workbook([row("20240493")]), session=self.session, by=self.staff)

    def staged_letters(self) -> LetterImport:
        with time_machine.travel(UPLOADED, tick=False):
            return stage_upload([Upload("20240493.txt", SEED.read_bytes())], by=self.staff)

    def test_it_deletes_the_file_of_an_unconfirmed_list_and_keeps_the_row_marked_expired(self) -> None:
        upload = self.staged_list()
        storage, name = upload.file.storage, upload.file.name
        with time_machine.travel(LATER, tick=False):
            self.assertEqual(expire_uploads(), 1)
        upload.refresh_from_db()
        self.assertEqual((upload.status, upload.file_deleted_at, upload.sheet), ("expired", LATER, None))
        self.assertFalse(storage.exists(name))

    def test_it_deletes_the_files_of_unconfirmed_letters_and_keeps_the_rows(self) -> None:
        batch = self.staged_letters()
        stored = batch.files.get()
        with time_machine.travel(LATER, tick=False):
            expire_staged_uploads()
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.file_deleted_at), ("expired", LATER))
        self.assertEqual(batch.files.count(), 1)
        self.assertFalse(stored.file.storage.exists(stored.file.name))

    def test_it_deletes_the_files_of_a_discarded_upload_which_stays_discarded(self) -> None:
        batch = self.staged_letters()
        discard_import(batch, by=self.staff)
        with time_machine.travel(LATER, tick=False):
            expire_uploads()
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.file_deleted_at), ("discarded", LATER))

    def test_it_leaves_uploads_younger_than_the_limit_and_confirmed_ones(self) -> None:
        young = self.staged_list()
        applied = self.staged_list()
        applied.apply(by=self.staff)
        with time_machine.travel(UPLOADED + timedelta(hours=47), tick=False):
            self.assertEqual(expire_uploads(), 0)
        with time_machine.travel(LATER, tick=False):
            expire_uploads()
        self.assertEqual(self.refreshed(applied).file_deleted_at, None)
        self.assertTrue(applied.file.storage.exists(applied.file.name))
        self.assertEqual(self.refreshed(young).status, "expired")

    def test_an_expired_list_cannot_be_confirmed_and_its_page_says_why(self) -> None:
        upload = self.staged_list()
        with time_machine.travel(LATER, tick=False):
            expire_uploads()
        self.client.force_login(self.staff)
        page = self.client.get(upload.get_absolute_url())
        self.assertContains(page, "because it was never confirmed; this record of the upload is kept")
        self.client.post(f"{upload.get_absolute_url()}confirm/")
        self.assertEqual(self.refreshed(upload).status, "expired")

    def test_the_command_reports_how_many_uploads_lost_their_files(self) -> None:
        self.staged_list()
        self.staged_letters()
        out = StringIO()
        with time_machine.travel(LATER, tick=False):
            call_command("expire_uploads", stdout=out)
        self.assertIn("2 unconfirmed upload(s) older than 48 h: files deleted.", out.getvalue())
