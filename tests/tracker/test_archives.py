"""Zips looked into before unpacking: sizes, ratios, false headers, Office documents' parts."""

from __future__ import annotations

import io
import struct
import zipfile

import openpyxl
from django.test import SimpleTestCase, override_settings
from docx import Document

from tracker.archives import ArchiveRefused, check_members, check_ooxml, open_zip, read_member

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{WORD_MAIN}"/>{{extra}}</Types>'
)


def word_document() -> bytes:
    document = Document()
    document.add_paragraph("关于发展新质生产力的建议的答复")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes | str], *, extra_types: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(extra=extra_types))
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class OfficeDocumentTests(SimpleTestCase):
    def test_it_accepts_a_word_document_and_an_excel_workbook(self) -> None:
        check_ooxml(word_document(), "答复函.docx", kind="docx")
        buffer = io.BytesIO()
        openpyxl.Workbook().save(buffer)
        check_ooxml(buffer.getvalue(), "交办清单.xlsx", kind="xlsx")

    def test_it_refuses_a_program_beside_the_two_word_marker_files(self) -> None:
        data = zip_of({"word/document.xml": "<w:document/>", "payload.exe": b"MZ\x90\x00" + b"\0" * 64})
        with self.assertRaisesMessage(ArchiveRefused, "“进展.docx” holds a program (payload.exe)"):
            check_ooxml(data, "进展.docx", kind="docx")

    def test_it_refuses_a_program_even_when_the_content_types_declare_it(self) -> None:
        data = zip_of(
            {"word/document.xml": "<w:document/>", "word/media/image1.png": b"MZ\x90\x00" + b"\0" * 64},
            extra_types='<Default Extension="png" ContentType="image/png"/>',
        )
        with self.assertRaisesMessage(ArchiveRefused, "holds a program (word/media/image1.png)"):
            check_ooxml(data, "进展.docx", kind="docx")

    def test_it_refuses_a_member_that_is_no_part_of_the_document(self) -> None:
        data = zip_of({"word/document.xml": "<w:document/>", "notes.txt": "hello"})
        with self.assertRaisesMessage(ArchiveRefused, "it holds notes.txt, which is not a part"):
            check_ooxml(data, "进展.docx", kind="docx")

    def test_it_refuses_macros(self) -> None:
        data = zip_of(
            {"word/document.xml": "<w:document/>", "word/vbaProject.bin": b"\xd0\xcf\x11\xe0"},
            extra_types='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
        )
        with self.assertRaisesMessage(ArchiveRefused, "holds macros"):
            check_ooxml(data, "进展.docx", kind="docx")

    def test_it_refuses_a_workbook_offered_as_a_word_document(self) -> None:
        buffer = io.BytesIO()
        openpyxl.Workbook().save(buffer)
        with self.assertRaisesMessage(
            ArchiveRefused, "is not a Word document: its main document part is missing"
        ):
            check_ooxml(buffer.getvalue(), "进展.docx", kind="docx")

    @override_settings(OOXML_MAX_INFLATED=512 * 1024)
    def test_it_refuses_a_document_that_unpacks_past_the_limit_before_unpacking_it(self) -> None:
        data = zip_of({"word/document.xml": "<w:p>答复</w:p>" * 40_000})
        with self.assertRaisesMessage(ArchiveRefused, "once unpacked; the limit is 512.0\xa0KB"):
            check_ooxml(data, "答复函.docx", kind="docx")

    def test_it_refuses_a_zip_bomb_by_its_compression_ratio(self) -> None:
        data = zip_of({"word/document.xml": b"\0" * (4 * 1024 * 1024)})
        with self.assertRaisesMessage(ArchiveRefused, "refused as a zip bomb"):
            check_ooxml(data, "答复函.docx", kind="docx")


def lying_zip(real: bytes, announced: int) -> bytes:
    """A zip whose central directory announces ``announced`` bytes for a member holding ``real``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("letter.txt", real)
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, announced)  # uncompressed size
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, announced)
    return bytes(data)


class MemberTests(SimpleTestCase):
    def test_it_reads_a_member_within_its_limit(self) -> None:
        archive = open_zip(lying_zip(b"abc", 3), "letters.zip")
        self.assertEqual(read_member(archive, archive.infolist()[0], "letters.zip", limit=10), b"abc")

    def test_it_stops_at_the_limit_whatever_size_the_zip_announces(self) -> None:
        archive = open_zip(lying_zip(b"x" * 100_000, 100_000), "letters.zip")
        with self.assertRaisesMessage(
            ArchiveRefused, "letter.txt is larger than 1000\xa0bytes once unpacked"
        ):
            read_member(archive, archive.infolist()[0], "letters.zip", limit=1000)

    def test_it_refuses_a_member_larger_than_its_header_says(self) -> None:
        archive = open_zip(lying_zip(b"x" * 100_000, 1000), "letters.zip")
        (info,) = check_members(archive, "letters.zip", max_members=10, max_total=10_000, max_member=5000)
        with self.assertRaisesMessage(ArchiveRefused, "cannot be read from the zip file (it is damaged)"):
            read_member(archive, info, "letters.zip", limit=5000)

    def test_it_refuses_too_many_members(self) -> None:
        data = zip_of({f"word/{n}.xml": "<a/>" for n in range(5)})
        with self.assertRaisesMessage(ArchiveRefused, "holds 6 files; at most 3 are read"):
            check_members(open_zip(data, "a.zip"), "a.zip", max_members=3, max_total=10**6)

    def test_it_refuses_what_is_not_a_zip(self) -> None:
        with self.assertRaisesMessage(ArchiveRefused, "“a.docx” is not a valid zip file"):
            open_zip(b"MZ\x90\x00", "a.docx")
