"""Zip files from users, looked into before anything is unpacked.

Word (.docx) and Excel (.xlsx) files are zips too, and a zip says in its central
directory how large each member is once unpacked: a 1 MB file can announce a 1 GB
document.xml (a zip bomb). Every zip is checked from that directory first (the number of
members, each member's size and compression ratio, their total), and members are read
with a limit of their own, since the sizes a zip announces can be false.

``check_ooxml`` also checks that a .docx or .xlsx is what it claims: a
[Content_Types].xml that declares the main document (word/document.xml,
xl/workbook.xml), every member a part with a declared content type, no macros and no
program anywhere inside. A zip holding an .exe beside the two Word marker files is not
a Word document.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import IO

from defusedxml import ElementTree
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, gettext_lazy

__all__ = [
    "ArchiveRefused",
    "check_members",
    "check_ooxml",
    "is_executable",
    "open_zip",
    "read_member",
]


class ArchiveRefused(ValueError):
    """A zip (or a file inside one) that is not read; the message names it and says why."""


# The first bytes of programs: Windows (MZ), Linux (ELF), macOS (Mach-O, fat), scripts.
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
EXECUTABLE_SUFFIXES = frozenset(
    [
        ".exe",
        ".dll",
        ".com",
        ".scr",
        ".bat",
        ".cmd",
        ".msi",
        ".msp",
        ".ps1",
        ".psm1",
        ".vbs",
        ".vbe",
        ".js",
        ".jse",
        ".wsf",
        ".wsh",
        ".hta",
        ".jar",
        ".sh",
        ".cpl",
        ".lnk",
        ".pif",
        ".app",
        ".so",
        ".dylib",
        ".apk",
        ".reg",
        ".inf",
        ".sys",
    ]
)
# A member this large once unpacked, or larger, is checked for its compression ratio.
RATIO_CHECKED_FROM = 1024 * 1024
CHUNK = 64 * 1024

CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
MAIN_PARTS = {
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        gettext_lazy("a Word document"),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        gettext_lazy("an Excel workbook"),
    ),
}
MACRO_TYPES = ("application/vnd.ms-office.vbaproject", "application/vnd.ms-word.vbadata+xml")
# The size [Content_Types].xml may have: a list of types, a few KB in real files.
CONTENT_TYPES_MAX = 1024 * 1024


def is_executable(head: bytes, name: str = "") -> bool:
    """A program (or a script) by its first bytes or by its name."""
    return head.startswith(EXECUTABLE_MAGIC) or PurePosixPath(name).suffix.lower() in EXECUTABLE_SUFFIXES


def open_zip(source: bytes | IO[bytes], name: str) -> zipfile.ZipFile:
    """The zip's directory, read; ArchiveRefused when it is not a zip."""
    import io

    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(
            gettext("“%(name)s” is not a valid zip file (it is damaged or of another kind).") % {"name": name}
        ) from exc


def check_members(
    archive: zipfile.ZipFile,
    name: str,
    *,
    max_members: int,
    max_total: int,
    max_member: int | None = None,
    members: Iterable[zipfile.ZipInfo] | None = None,
) -> list[zipfile.ZipInfo]:
    """The zip's files, checked from its central directory before any is unpacked: how many,
    none encrypted, none a zip bomb (over ZIP_MAX_RATIO times its packed size), none larger
    than ``max_member`` (of ``members``, default all) and all together within ``max_total``."""
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > max_members:
        raise ArchiveRefused(
            gettext("“%(name)s” holds %(count)d files; at most %(max)d are read.")
            % {"name": name, "count": len(infos), "max": max_members}
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise ArchiveRefused(
                gettext("“%(name)s”: %(member)s is encrypted and cannot be checked.")
                % {"name": name, "member": info.filename}
            )
        packed = max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECKED_FROM and info.file_size / packed > settings.ZIP_MAX_RATIO:
            raise ArchiveRefused(
                gettext(
                    "“%(name)s”: %(member)s would unpack from %(packed)s to %(size)s "
                    "(%(ratio)d times); a file packed this tightly is refused as a zip bomb."
                )
                % {
                    "name": name,
                    "member": info.filename,
                    "packed": filesizeformat(info.compress_size),
                    "size": filesizeformat(info.file_size),
                    "ratio": info.file_size // packed,
                }
            )
    if max_member is not None:
        for info in infos if members is None else members:
            if info.file_size > max_member:
                raise ArchiveRefused(
                    gettext("“%(name)s”: %(member)s is %(size)s once unpacked; the limit is %(limit)s.")
                    % {
                        "name": name,
                        "member": info.filename,
                        "size": filesizeformat(info.file_size),
                        "limit": filesizeformat(max_member),
                    }
                )
    if total > max_total:
        raise ArchiveRefused(
            gettext("“%(name)s” is %(size)s once unpacked; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(total), "limit": filesizeformat(max_total)}
        )
    return infos


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, *, limit: int) -> bytes:
    """A member's bytes, unpacked a chunk at a time and never more than ``limit`` (whatever
    size the zip announces); ArchiveRefused when it is larger or damaged."""
    parts: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ArchiveRefused(
                        gettext("“%(name)s”: %(member)s is larger than %(limit)s once unpacked.")
                        % {"name": name, "member": info.filename, "limit": filesizeformat(limit)}
                    )
                parts.append(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, NotImplementedError) as exc:
        raise ArchiveRefused(
            gettext("“%(name)s”: %(member)s cannot be read from the zip file (it is damaged).")
            % {"name": name, "member": info.filename}
        ) from exc
    return b"".join(parts)


def _head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as member:
            return member.read(8)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, NotImplementedError):
        return b""


def check_ooxml(source: bytes | IO[bytes], name: str, *, kind: str) -> None:
    """Refuse (ArchiveRefused) a .docx or .xlsx that is not a well-formed Office document
    of that kind, could unpack to more than OOXML_MAX_INFLATED, or holds a program or
    macros. Reads the directory, [Content_Types].xml and eight bytes of each member."""
    main_type, label = MAIN_PARTS[kind]
    not_kind = gettext("“%(name)s” is not %(kind)s: %(why)s")
    archive = open_zip(source, name)
    with archive:
        limit = settings.OOXML_MAX_INFLATED
        infos = check_members(archive, name, max_members=5000, max_total=limit)
        by_name = {info.filename: info for info in infos}
        types_info = by_name.get("[Content_Types].xml")
        if types_info is None:
            raise ArchiveRefused(
                not_kind % {"name": name, "kind": label, "why": gettext("it has no [Content_Types].xml.")}
            )
        try:
            root = ElementTree.fromstring(read_member(archive, types_info, name, limit=CONTENT_TYPES_MAX))
        except ArchiveRefused:
            raise
        except Exception as exc:  # noqa: BLE001 - defusedxml and expat raise several kinds
            raise ArchiveRefused(
                not_kind
                % {"name": name, "kind": label, "why": gettext("its [Content_Types].xml is damaged.")}
            ) from exc
        defaults = {
            (element.get("Extension") or "").lower(): (element.get("ContentType") or "").lower()
            for element in root.iter(CONTENT_TYPES_NS + "Default")
        }
        overrides = {
            (element.get("PartName") or "").lstrip("/").lower(): (element.get("ContentType") or "").lower()
            for element in root.iter(CONTENT_TYPES_NS + "Override")
        }
        mains = [part for part, content_type in overrides.items() if content_type == main_type]
        lower_names = {member.lower() for member in by_name}
        if not mains or not any(part in lower_names for part in mains):
            raise ArchiveRefused(
                not_kind % {"name": name, "kind": label, "why": gettext("its main document part is missing.")}
            )
        for member, info in by_name.items():
            if member == "[Content_Types].xml":
                continue
            # An OPC part's extension is what follows the last dot ("_rels/.rels": "rels").
            base = PurePosixPath(member).name
            extension = base.rsplit(".", 1)[1].lower() if "." in base else ""
            content_type = overrides.get(member.lower()) or defaults.get(extension, "")
            if is_executable(_head(archive, info), member):
                raise ArchiveRefused(
                    gettext("“%(name)s” holds a program (%(member)s) and is refused.")
                    % {"name": name, "member": member}
                )
            if not content_type:
                raise ArchiveRefused(
                    not_kind
                    % {
                        "name": name,
                        "kind": label,
                        "why": gettext("it holds %(member)s, which is not a part of such a document.")
                        % {"member": member},
                    }
                )
            if content_type in MACRO_TYPES or PurePosixPath(member).name.lower() == "vbaproject.bin":
                raise ArchiveRefused(
                    gettext("“%(name)s” holds macros (%(member)s); save it without macros (.%(kind)s).")
                    % {"name": name, "member": member, "kind": kind}
                )
