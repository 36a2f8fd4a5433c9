"""Uploads bounded while they stream in: a file past its limit is dropped, the form says so."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from proposals.models import SpreadsheetImport
from responses.models import Evidence, LetterImport, ProgressReport
from tests.base import TrackerTestCase, VerifiedClient
from tests.proposals.test_spreadsheet_import import row, workbook
from tests.responses.test_commitment_lifecycle import PDF

MEDIA = tempfile.mkdtemp(prefix="bounded-uploads-")
SEED = Path(__file__).resolve().parents[2] / "proposals" / "seeds" / "reply-letter-20240493.txt"
LIST = reverse("proposals:import")
LETTERS = reverse("responses:letter_import_upload")


def stored_files() -> list[Path]:
    return [path for path in Path(MEDIA).rglob("*") if path.is_file()]


@override_settings(MEDIA_ROOT=MEDIA)
class BoundedUploadTestCase(TrackerTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self) -> None:
        shutil.rmtree(MEDIA, ignore_errors=True)
        Path(MEDIA).mkdir()

    def post_list(self, data: bytes, client: Client | None = None) -> object:
        client = client or self.client
        return client.post(
            LIST,
            {
                "file": SimpleUploadedFile("交办清单.xlsx", data),
                "session": self.session.pk,
                "received_on": "2024-06-01",
                "assigned_on": "2024-07-15",
            },
        )


class SpreadsheetLimitTests(BoundedUploadTestCase):
    @override_settings(SPREADSHEET_MAX_BYTES=1000)
    def test_it_drops_a_list_past_its_limit_and_says_so_on_the_form(self) -> None:
        self.client.force_login(self.staff)
        response = self.post_list(workbook([row("20240493")]))
        self.assertEqual(response.status_code, 200)
        (message,) = response.context["form"].errors["file"]
        self.assertIn("“交办清单.xlsx” is larger than 1000\xa0bytes, the limit for this file", message)
        self.assertFalse(SpreadsheetImport.objects.exists())
        self.assertEqual(stored_files(), [])

    @override_settings(SPREADSHEET_MAX_BYTES=1000)
    def test_it_keeps_the_other_fields_of_the_form(self) -> None:
        self.client.force_login(self.staff)
        response = self.post_list(workbook([row("20240493")]))
        self.assertEqual(response.context["form"].cleaned_data["session"], self.session)

    @override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=100)
    def test_it_accepts_a_list_within_its_limit_through_a_temporary_file(self) -> None:
        self.client.force_login(self.staff)
        response = self.post_list(workbook([row("20240493")]))
        upload = SpreadsheetImport.objects.get()
        self.assertRedirects(response, upload.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(len(stored_files()), 1)

    @override_settings(SPREADSHEET_MAX_BYTES=1000, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_it_answers_a_request_far_past_the_limit_with_a_page_that_says_so(self) -> None:
        self.client.force_login(self.staff)
        response = self.post_list(b"x" * 10_000)
        self.assertEqual(response.status_code, 413)
        self.assertContains(response, "the most this page takes at once", status_code=413)
        self.assertContains(response, f'href="{LIST}"', status_code=413)
        self.assertFalse(SpreadsheetImport.objects.exists())

    def test_it_still_checks_the_csrf_token(self) -> None:
        client = VerifiedClient(enforce_csrf_checks=True)
        client.force_login(self.staff)
        self.assertEqual(self.post_list(workbook([row("20240493")]), client).status_code, 403)
        self.assertFalse(SpreadsheetImport.objects.exists())


class LetterLimitTests(BoundedUploadTestCase):
    def test_it_drops_a_30_mb_text_file_at_the_real_limit_and_keeps_nothing(self) -> None:
        letter = SEED.read_bytes()
        big = letter * (30 * 1024 * 1024 // len(letter) + 1)
        self.client.force_login(self.staff)
        response = self.client.post(LETTERS, {"files": [SimpleUploadedFile("20240493.txt", big)]})
        (message,) = response.context["form"].errors["files"]
        self.assertIn("“20240493.txt” is larger than 10.0\xa0MB", message)
        self.assertFalse(LetterImport.objects.exists())
        self.assertEqual(stored_files(), [])

    @override_settings(LETTER_MAX_BYTES=20_000)
    def test_it_names_every_file_dropped_and_keeps_none_of_the_upload(self) -> None:
        self.client.force_login(self.staff)
        files = [
            SimpleUploadedFile("ok.txt", SEED.read_bytes()),
            SimpleUploadedFile("a.txt", b"x" * 30_000),
            SimpleUploadedFile("b.txt", b"y" * 30_000),
        ]
        response = self.client.post(LETTERS, {"files": files})
        errors = response.context["form"].errors["files"]
        self.assertEqual([("“a.txt”" in e, "“b.txt”" in e) for e in errors], [(True, False), (False, True)])
        self.assertFalse(LetterImport.objects.exists())

    @override_settings(LETTER_UPLOAD_MAX_BYTES=30_000)
    def test_it_drops_files_past_the_total_of_one_upload(self) -> None:
        self.client.force_login(self.staff)
        files = [SimpleUploadedFile(f"{n}.txt", SEED.read_bytes()) for n in range(5)]
        response = self.client.post(LETTERS, {"files": files})
        self.assertIn("together are larger than", " ".join(response.context["form"].errors["files"]))
        self.assertFalse(LetterImport.objects.exists())


class EvidenceLimitTests(BoundedUploadTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.commitment = cls.make_sent(cls.make_assigned(), grade="B").commitments.get()

    @override_settings(EVIDENCE_MAX_BYTES=10)
    def test_it_drops_evidence_past_its_limit_and_tells_the_clerk(self) -> None:
        self.client.force_login(self.clerk)
        url = reverse("responses:commitment_report", args=[self.commitment.pk])
        files = [SimpleUploadedFile("批复.pdf", PDF)]
        response = self.client.post(url, {"reported_on": "2025-06-01", "summary": "已报批", "files": files})
        page = self.client.get(response["Location"])
        self.assertContains(page, "“批复.pdf” is larger than 10\xa0bytes")
        self.assertFalse(ProgressReport.objects.exists())
        self.assertFalse(Evidence.objects.exists())
        self.assertEqual(stored_files(), [])
