"""Letters and evidence judged by their content at upload; refused files are not kept."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from io import StringIO
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from responses.models import Evidence, LetterImport, LetterImportFile, ProgressReport
from tests.base import TrackerTestCase
from tests.responses.test_letter_import import SEED, docx_bytes, other_letter

MEDIA = tempfile.mkdtemp(prefix="upload-refusals-")
LETTERS = reverse("responses:letter_import_upload")
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 120


def exe_in_docx() -> bytes:
    """A zip holding a program beside the two files a naive check takes for Word's."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/word/document.xml" ContentType="{WORD_MAIN}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("payload.exe", EXE)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@override_settings(MEDIA_ROOT=MEDIA)
class RefusalTestCase(TrackerTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self) -> None:
        shutil.rmtree(MEDIA, ignore_errors=True)
        Path(MEDIA).mkdir()

    def assert_nothing_kept(self) -> None:
        self.assertFalse(LetterImport.objects.exists())
        self.assertFalse(LetterImportFile.objects.exists())
        self.assertEqual([p for p in Path(MEDIA).rglob("*") if p.is_file()], [])

    def post_letters(self, *files: tuple[str, bytes]) -> list[str]:
        self.client.force_login(self.staff)
        response = self.client.post(LETTERS, {"files": [SimpleUploadedFile(n, d) for n, d in files]})
        self.assertEqual(response.status_code, 200)
        return [str(e) for e in response.context["form"].errors["files"]]


class LetterRefusalTests(RefusalTestCase):
    @override_settings(LETTER_MAX_BYTES=50_000)
    def test_it_refuses_a_zip_whose_letter_would_unpack_past_the_limit_without_unpacking_it(self) -> None:
        letters = zip_of({"20240493.txt": SEED.read_bytes(), "big.txt": SEED.read_bytes() * 20})
        (message,) = self.post_letters(("letters.zip", letters))
        self.assertIn("big.txt is", message)
        self.assertIn("once unpacked; the limit is 48.8\xa0KB", message)
        self.assert_nothing_kept()

    def test_it_refuses_a_zip_bomb_of_letters(self) -> None:
        letters = zip_of({"20240493.txt": SEED.read_bytes(), "bomb.txt": b"\0" * (5 * 1024 * 1024)})
        (message,) = self.post_letters(("letters.zip", letters))
        self.assertIn("refused as a zip bomb", message)
        self.assert_nothing_kept()

    def test_it_refuses_a_zip_of_letters_holding_a_program(self) -> None:
        letters = zip_of({"20240493.txt": SEED.read_bytes(), "setup.exe": EXE})
        (message,) = self.post_letters(("letters.zip", letters))
        self.assertIn("holds a program (setup.exe)", message)
        self.assert_nothing_kept()

    def test_it_refuses_a_program_named_txt_and_keeps_none_of_the_upload(self) -> None:
        messages = self.post_letters(("20240493.txt", SEED.read_bytes()), ("20240494.txt", EXE))
        self.assertEqual(messages, ["“20240494.txt” is a program, not a letter."])
        self.assert_nothing_kept()

    def test_it_refuses_binary_data_named_txt(self) -> None:
        (message,) = self.post_letters(("20240494.txt", b"\x01\x02\x00\x00" * 100))
        self.assertIn("not a text file", message)
        self.assert_nothing_kept()

    def test_it_refuses_a_program_hidden_in_a_docx(self) -> None:
        (message,) = self.post_letters(("20240494.docx", exe_in_docx()))
        self.assertIn("holds a program (payload.exe)", message)
        self.assert_nothing_kept()

    @override_settings(OOXML_MAX_INFLATED=100_000)
    def test_it_refuses_a_docx_that_unpacks_past_the_limit(self) -> None:
        (message,) = self.post_letters(("20240494.docx", docx_bytes(other_letter("20240494") * 10)))
        self.assertIn("once unpacked; the limit is", message)
        self.assert_nothing_kept()

    def test_it_still_accepts_text_word_and_zipped_letters(self) -> None:
        self.client.force_login(self.staff)
        files = [
            SimpleUploadedFile("20240493.txt", SEED.read_bytes()),
            SimpleUploadedFile("20240494.docx", docx_bytes(other_letter("20240494"))),
            SimpleUploadedFile("more.zip", zip_of({"20240495.txt": other_letter("20240495").encode()})),
        ]
        response = self.client.post(LETTERS, {"files": files})
        batch = LetterImport.objects.get()
        self.assertRedirects(response, batch.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(batch.files.count(), 3)


class ImportCommandRefusalTests(RefusalTestCase):
    def test_the_command_imports_the_letters_and_keeps_no_file_it_refuses(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="letters-dir-"))
        self.addCleanup(shutil.rmtree, folder, True)
        (folder / "20240493.txt").write_bytes(SEED.read_bytes())
        (folder / "setup.txt").write_bytes(EXE)
        err = StringIO()
        call_command("import_letters", str(folder), "--yes", "--user", "staff", stdout=StringIO(), stderr=err)
        self.assertIn("setup.txt", err.getvalue())
        kept = LetterImportFile.objects.values_list("original_name", flat=True)
        self.assertEqual(list(kept), ["20240493.txt"])


class EvidenceRefusalTests(RefusalTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.commitment = cls.make_sent(cls.make_assigned(), grade="B").commitments.get()

    def report(self, *files: tuple[str, bytes]) -> str:
        self.client.force_login(self.clerk)
        response = self.client.post(
            reverse("responses:commitment_report", args=[self.commitment.pk]),
            {
                "reported_on": "2025-06-01",
                "summary": "可研报告已报批",
                "files": [SimpleUploadedFile(n, d) for n, d in files],
            },
        )
        return self.client.get(response["Location"]).content.decode()

    def test_a_program_beside_the_word_marker_files_is_not_word_evidence(self) -> None:
        page = self.report(("进展材料.docx", exe_in_docx()))
        self.assertIn("“进展材料.docx” holds a program (payload.exe) and is refused.", page)
        self.assertFalse(ProgressReport.objects.exists())
        self.assertFalse(Evidence.objects.exists())
        self.assertEqual([p for p in Path(MEDIA).rglob("*") if p.is_file()], [])

    def test_a_real_word_document_is_accepted_as_evidence(self) -> None:
        self.report(("进展材料.docx", docx_bytes("坪西路改造工程已完成可研批复。")))
        self.assertEqual(Evidence.objects.get().original_name, "进展材料.docx")
