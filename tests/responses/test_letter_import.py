"""Importing reply letters into the archive: preview, confirm, re-import, zip, command, access."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from io import BytesIO, StringIO
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, override_settings
from django.urls import reverse
from docx import Document

from proposals.models import Department
from responses.letter_import import (
    LetterPreview,
    Upload,
    apply_import,
    chinese_number,
    discard_import,
    match_department,
    preview_letters,
    stage_upload,
)
from responses.models import ArchivedLetter, LetterImport, LetterImportFile
from tests.base import TrackerTestCase
from tracker.workflow import InvalidTransition

SEED = Path(__file__).resolve().parents[2] / "proposals" / "seeds" / "reply-letter-20240493.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")
NEWS = "龙岗区召开2022年工业经济运行分析会，会议通报了全区规模以上工业增加值增长情况。\n"


def docx_bytes(text: str) -> bytes:
    document = Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def other_letter(number: str) -> str:
    """The seed letter for another suggestion number (same text otherwise)."""
    return SEED_TEXT.replace("20240493", number)


MEDIA = tempfile.mkdtemp(prefix="letters-test-")


@override_settings(MEDIA_ROOT=MEDIA)
class LetterImportTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The seed letter's lead unit: "龙岗区为主办单位", signed "深圳市龙岗区市人民政府" (sic).
        cls.lead_dept.name = "深圳市龙岗区人民政府"
        cls.lead_dept.short_name = "龙岗区政府"
        cls.lead_dept.save()
        cls.proposal = cls.make_assigned(
            number="20240493",
            title="关于发展新质生产力，打造高层级高标准深圳东部万亿级绿色低碳产业集群承载区的建议",
            co_signers=[cls.other_deputy],
        )
        cls.reply = cls.make_sent(cls.proposal, grade="B")

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def upload(self, *files: tuple[str, bytes]) -> LetterImport:
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("responses:letter_import_upload"),
            {"files": [SimpleUploadedFile(name, data) for name, data in files]},
        )
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context["form"].errors
        )
        return LetterImport.objects.latest("pk")

    # -- the preview ----------------------------------------------------------

    def test_preview_of_the_seed_letter_matches_suggestion_department_and_reply(self) -> None:
        summary = preview_letters([Upload("reply-letter-20240493.txt", SEED.read_bytes())])
        (letter,) = summary.letters
        self.assertEqual(letter.outcome, LetterPreview.NEW)
        self.assertEqual(letter.proposal, self.proposal)
        self.assertEqual(
            [(m.name, m.role, m.department) for m in letter.departments], [("龙岗区", "lead", self.lead_dept)]
        )
        # Signed "深圳市龙岗区市人民政府": still the lead unit of this suggestion.
        self.assertEqual(letter.department, self.lead_dept)
        self.assertEqual(letter.reply, self.reply)
        self.assertEqual(summary.linked, 1)
        self.assertFalse(LetterImport.objects.exists())
        self.assertFalse(ArchivedLetter.objects.exists())

    def test_preview_notes_a_grade_that_differs_from_the_tracker(self) -> None:
        text = SEED_TEXT.replace("办理结果：B", "办理结果：A")
        (letter,) = preview_letters([Upload("a.txt", text.encode())]).letters
        self.assertTrue(any("A" in note and "B" in note for note in letter.notes), letter.notes)

    def test_unknown_number_is_new_but_unlinked(self) -> None:
        (letter,) = preview_letters([Upload("x.txt", other_letter("20249999").encode())]).letters
        self.assertEqual(letter.outcome, LetterPreview.NEW)
        self.assertIsNone(letter.proposal)
        self.assertTrue(any("20249999" in note for note in letter.notes))

    def test_wrong_session_is_not_linked(self) -> None:
        text = SEED_TEXT.replace("七届人大五次", "六届人大三次")
        (letter,) = preview_letters([Upload("x.txt", text.encode())]).letters
        self.assertIsNone(letter.proposal)

    def test_bad_files_fail_with_their_reason_and_the_rest_go_on(self) -> None:
        summary = preview_letters(
            [
                Upload("news.txt", NEWS.encode()),
                Upload("broken.docx", docx_bytes(SEED_TEXT)[:2000]),
                Upload("scan.pdf", b"%PDF-1.7 ..."),
                Upload("good.txt", SEED.read_bytes()),
            ]
        )
        outcomes = {letter.upload.name: letter for letter in summary.letters}
        for name in ("news.txt", "broken.docx", "scan.pdf"):
            self.assertEqual(outcomes[name].outcome, LetterPreview.FAILED, name)
            self.assertIn(name, outcomes[name].error)
        self.assertEqual(outcomes["good.txt"].outcome, LetterPreview.NEW)
        self.assertEqual((summary.new, summary.failed), (1, 3))

    def test_the_same_letter_twice_in_one_upload_is_imported_once(self) -> None:
        summary = preview_letters(
            [Upload("a.txt", SEED.read_bytes()), Upload("b.docx", docx_bytes(SEED_TEXT))]
        )
        self.assertEqual([letter.outcome for letter in summary.letters], ["new", "unchanged"])
        self.assertIn("a.txt", summary.letters[1].duplicate_of)

    # -- confirming ----------------------------------------------------------

    def test_upload_preview_confirm_then_reimport_changes_nothing(self) -> None:
        batch = self.upload(("20240493.txt", SEED.read_bytes()), ("news.txt", NEWS.encode()))
        page = self.client.get(batch.get_absolute_url())
        self.assertContains(page, "20240493.txt")
        self.assertContains(page, "news.txt")
        self.assertEqual(page.context["summary"].new, 1)
        self.assertEqual(page.context["summary"].failed, 1)
        self.assertFalse(ArchivedLetter.objects.exists(), "nothing is written before staff confirm")

        self.client.post(reverse("responses:letter_import_confirm", args=[batch.pk]))
        letter = ArchivedLetter.objects.get()
        self.assertEqual(
            (letter.number, letter.proposal, letter.department, letter.reply, letter.grade),
            ("20240493", self.proposal, self.lead_dept, self.reply, "B"),
        )
        self.assertEqual(letter.fields["contact_phones"], ["88180952", "13923831115"])
        self.assertEqual(letter.imported_by, self.staff)
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.imported_count, batch.decided_by), ("applied", 1, self.staff))

        # Confirming again does nothing.
        self.client.post(reverse("responses:letter_import_confirm", args=[batch.pk]))
        self.assertEqual(ArchivedLetter.objects.count(), 1)

        # The same letter again, as the same file and re-saved as Word: unchanged.
        again = self.upload(("copy.txt", SEED.read_bytes()), ("resaved.docx", docx_bytes(SEED_TEXT)))
        summary = self.client.get(again.get_absolute_url()).context["summary"]
        self.assertEqual((summary.new, summary.unchanged), (0, 2))
        self.client.post(reverse("responses:letter_import_confirm", args=[again.pk]))
        self.assertEqual(ArchivedLetter.objects.count(), 1)
        self.assertEqual(LetterImport.objects.get(pk=again.pk).imported_count, 0)

    def test_the_preview_marks_the_fields_the_parser_is_unsure_of(self) -> None:
        """A letter giving two numbers (第009号 in its heading, 第2019009号 in its text) is read
        with the first, and the page marks the number and names both for staff to check."""
        corpus = Path(__file__).parent / "letters" / "corpus"
        unsure = (corpus / "liaoning-district-1.txt").read_bytes()
        cppcc = (corpus / "negative" / "henan-county-cppcc-1.txt").read_bytes()
        batch = self.upload(("20240493.txt", SEED.read_bytes()), ("dawa.txt", unsure), ("tian.txt", cppcc))
        page = self.client.get(batch.get_absolute_url())
        summary = page.context["summary"]
        self.assertEqual((summary.new, summary.unsure, summary.failed), (2, 1, 1))
        self.assertContains(page, '<mark class="unsure"', count=1)
        self.assertContains(page, "009 / 2019009", count=2)  # the mark's title and the note
        marked = next(letter for letter in summary.letters if letter.upload.name == "dawa.txt")
        self.assertEqual(marked.unsure, {"number": "009 / 2019009"})
        # A reply to a CPPCC proposal is refused with the reason.
        failed = next(letter for letter in summary.letters if letter.upload.name == "tian.txt")
        self.assertIn("tian.txt: not a reply to a deputy's suggestion", failed.error)

    def test_discarded_upload_is_kept_but_imports_nothing(self) -> None:
        batch = self.upload(("20240493.txt", SEED.read_bytes()))
        self.client.post(reverse("responses:letter_import_discard", args=[batch.pk]))
        batch.refresh_from_db()
        self.assertEqual(batch.status, "discarded")
        self.client.post(reverse("responses:letter_import_confirm", args=[batch.pk]))
        self.assertFalse(ArchivedLetter.objects.exists())
        self.assertTrue(LetterImportFile.objects.filter(batch=batch).exists())

    def test_the_preview_offers_staff_confirm_and_discard_and_an_imported_upload_offers_neither(self) -> None:
        batch = self.upload(("20240493.txt", SEED.read_bytes()))
        confirm = reverse("responses:letter_import_confirm", args=[batch.pk])
        discard = reverse("responses:letter_import_discard", args=[batch.pk])
        page = self.client.get(batch.get_absolute_url())
        self.assertEqual(page.context["actions"], {"confirm", "discard"})
        self.assertContains(page, confirm)
        self.assertContains(page, discard)
        self.client.post(confirm)
        page = self.client.get(batch.get_absolute_url())
        self.assertEqual(page.context["actions"], frozenset())
        self.assertNotContains(page, discard)

    def test_an_upload_offers_nothing_to_a_department_user(self) -> None:
        batch = stage_upload([Upload("20240493.txt", SEED.read_bytes())], by=self.staff)
        self.assertEqual(batch.actions(self.clerk), frozenset())

    def test_a_discard_after_the_confirmation_is_refused_and_changes_nothing(self) -> None:
        batch = stage_upload([Upload("20240493.txt", SEED.read_bytes())], by=self.staff)
        apply_import(batch, by=self.staff)
        with self.assertRaisesMessage(InvalidTransition, "This upload was already imported."):
            discard_import(batch, by=self.staff)
        self.assertEqual(LetterImport.objects.get().status, LetterImport.Status.APPLIED)

    def test_zip_of_letters_is_read_member_by_member(self) -> None:
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("2024/20240493.txt", SEED.read_bytes())
            archive.writestr("2024/20240494.docx", docx_bytes(other_letter("20240494")))
            archive.writestr("2024/readme.md", "not a letter")
            archive.writestr("__MACOSX/2024/._20240493.txt", b"junk")
        batch = self.upload(("letters.zip", buffer.getvalue()))
        summary = self.client.get(batch.get_absolute_url()).context["summary"]
        self.assertEqual(
            sorted(letter.upload.name for letter in summary.letters),
            [
                "letters.zip/2024/20240493.txt",
                "letters.zip/2024/20240494.docx",
            ],
        )
        self.client.post(reverse("responses:letter_import_confirm", args=[batch.pk]))
        letters = ArchivedLetter.objects.order_by("number")
        self.assertEqual([letter.number for letter in letters], ["20240493", "20240494"])
        self.assertEqual(letters[1].source.original_name, "letters.zip/2024/20240494.docx")
        with letters[1].source.file.open("rb") as handle:
            self.assertEqual(handle.read()[:2], b"PK")

    def test_the_page_refuses_an_upload_of_more_letters_than_it_can_preview_and_keeps_nothing(self) -> None:
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for n in range(3):
                archive.writestr(f"{20240500 + n}.txt", other_letter(str(20240500 + n)))
        self.client.force_login(self.staff)
        with mock.patch("responses.archive_views.WEB_MAX_LETTERS", 2):
            response = self.client.post(
                reverse("responses:letter_import_upload"),
                {"files": [SimpleUploadedFile("letters.zip", buffer.getvalue())]},
            )
        self.assertEqual(response.status_code, 200)
        self.assertFormError(
            response.context["form"],
            "files",
            "This upload holds 3 letters; the page takes up to 2 at a time. Upload them in several parts, "
            "or ask the administrator to run import_letters on the folder.",
        )
        self.assertFalse(LetterImport.objects.exists())
        self.assertFalse(LetterImportFile.objects.exists())

    def test_a_damaged_zip_is_refused_at_upload_with_its_name_and_not_kept(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("responses:letter_import_upload"),
            {"files": [SimpleUploadedFile("letters.zip", b"PK\x03\x04 broken")]},
        )
        self.assertFormError(
            response.context["form"],
            "files",
            "“letters.zip” is not a valid zip file (it is damaged or of another kind).",
        )
        self.assertFalse(LetterImportFile.objects.exists())

    def test_the_suggestion_page_lists_its_archived_letters(self) -> None:
        apply_import(stage_upload([Upload("20240493.txt", SEED.read_bytes())], by=self.staff), by=self.staff)
        self.client.force_login(self.clerk)
        page = self.client.get(self.proposal.get_absolute_url())
        self.assertContains(page, "深圳市龙岗区市人民政府")
        self.assertContains(page, ArchivedLetter.objects.get().get_absolute_url())

    # -- who may ---------------------------------------------------------------

    def test_only_staff_import(self) -> None:
        url = reverse("responses:letter_import_upload")
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(url).status_code, 200)
        for user in (self.clerk, self.leader, self.deputy_user, self.nobody):
            self.client.force_login(user)
            self.assertEqual(self.client.get(url).status_code, 403, user)
        batch = stage_upload([Upload("20240493.txt", SEED.read_bytes())], by=self.staff)
        for user in (self.clerk, self.deputy_user):
            self.client.force_login(user)
            self.assertEqual(self.client.get(batch.get_absolute_url()).status_code, 403)
            self.assertEqual(
                self.client.post(reverse("responses:letter_import_confirm", args=[batch.pk])).status_code, 403
            )
        self.assertFalse(ArchivedLetter.objects.exists())
        self.client.logout()
        self.assertEqual(self.client.get(url).status_code, 302)

    def test_archived_letter_is_seen_by_staff_and_the_suggestion_units_only(self) -> None:
        apply_import(stage_upload([Upload("20240493.txt", SEED.read_bytes())], by=self.staff), by=self.staff)
        letter = ArchivedLetter.objects.get()
        page_url = letter.get_absolute_url()
        file_url = reverse("responses:archived_letter_file", args=[letter.pk])
        for user in (self.staff, self.clerk, self.leader, self.co_clerk):
            self.client.force_login(user)
            self.assertEqual(self.client.get(page_url).status_code, 200, user)
            download = self.client.get(file_url)
            self.assertEqual(download.status_code, 200)
            self.assertEqual(download["X-Content-Type-Options"], "nosniff")
            self.assertEqual(b"".join(download.streaming_content), SEED.read_bytes())
        for user in (self.outsider, self.deputy_user, self.nobody):
            self.client.force_login(user)
            self.assertEqual(self.client.get(page_url).status_code, 404, user)
            self.assertEqual(self.client.get(file_url).status_code, 404, user)
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(reverse("responses:archived_letters")).status_code, 200)
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(reverse("responses:archived_letters")).status_code, 403)

    # -- the command -------------------------------------------------------------

    def test_command_previews_then_imports_once(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="letters-dir-"))
        self.addCleanup(shutil.rmtree, folder, True)
        (folder / "2024").mkdir()
        (folder / "2024" / "20240493.txt").write_bytes(SEED.read_bytes())
        (folder / "20240494.docx").write_bytes(docx_bytes(other_letter("20240494")))
        (folder / "news.txt").write_text(NEWS, encoding="utf-8")

        out, err = StringIO(), StringIO()
        call_command("import_letters", str(folder), "--dry-run", stdout=out, stderr=err)
        self.assertIn("2 new (1 matched a suggestion)", out.getvalue())
        self.assertIn("news.txt", err.getvalue())
        self.assertFalse(ArchivedLetter.objects.exists())

        with self.assertRaisesMessage(CommandError, "only staff"):
            call_command(
                "import_letters",
                str(folder),
                "--yes",
                "--user",
                "clerk",
                stdout=StringIO(),
                stderr=StringIO(),
            )
        self.assertFalse(ArchivedLetter.objects.exists())

        call_command(
            "import_letters", str(folder), "--yes", "--user", "staff", stdout=StringIO(), stderr=StringIO()
        )
        self.assertEqual(ArchivedLetter.objects.count(), 2)

        out = StringIO()
        call_command("import_letters", str(folder), "--yes", "--user", "staff", stdout=out, stderr=StringIO())
        self.assertIn("0 new", out.getvalue())
        self.assertEqual(ArchivedLetter.objects.count(), 2)


class MatchingTests(SimpleTestCase):
    def test_department_names_as_letters_write_them(self) -> None:
        government = Department(pk=1, name="深圳市龙岗区人民政府", short_name="龙岗区政府")
        drc = Department(pk=2, name="龙岗区发展和改革局", short_name="龙岗区发改局")
        water = Department(pk=3, name="深圳市水务局", short_name="市水务局")
        everyone = [government, drc, water]
        self.assertEqual(match_department("龙岗区", [government], everyone), government)
        self.assertEqual(match_department("深圳市龙岗区市人民政府", [government], everyone), government)
        self.assertEqual(match_department("深圳市龙岗区市人民政府", [], everyone), government)
        self.assertEqual(match_department("市水务局", [], everyone), water)
        self.assertEqual(match_department("龙岗区发改局", [], everyone), drc)
        # Both of the suggestion's units are in 龙岗区: not one unit, so no match.
        self.assertIsNone(match_department("龙岗区", [government, drc], everyone))
        self.assertIsNone(match_department("市交通运输局", [government], everyone))
        self.assertIsNone(match_department("", [government], everyone))

    def test_chinese_numbers(self) -> None:
        for text, value in [
            ("七", 7),
            ("十", 10),
            ("十三", 13),
            ("二十", 20),
            ("二十一", 21),
            ("１５", 15),
            ("7", 7),
        ]:
            self.assertEqual(chinese_number(text), value, text)
        self.assertIsNone(chinese_number("七八九"))
