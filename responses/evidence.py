"""Evidence files for commitment progress: what they are is read from their content.

An upload is accepted only if its bytes are one of the allowed kinds (PDF, PNG, JPEG,
Word .docx) and its name's extension agrees with them, within the size limit. A file
renamed to look like a PDF, or a .docx that is not a Word document inside, is refused
with a message saying which file and why. ``filetype`` reads the magic numbers; a .docx
is also looked into as a zip (tracker/archives.py): a Word document and nothing else, no
program or macros inside, no zip bomb.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from tracker.archives import ArchiveRefused, check_ooxml

# Detected MIME type → the extensions a file of that type may carry, and its label.
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "application/pdf": (frozenset({".pdf"}), "PDF"),
    "image/png": (frozenset({".png"}), "PNG"),
    "image/jpeg": (frozenset({".jpg", ".jpeg"}), "JPEG"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        frozenset({".docx"}),
        "Word",
    ),
}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int


def check_evidence(upload: UploadedFile) -> CheckedFile:
    """Raise ValidationError naming the file unless it is an allowed kind, by content."""
    name = upload.name or ""
    size = upload.size or 0
    if size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            gettext("“%(name)s” is %(size)s; the limit is %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES),
            },
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else ""
    if content_type == "application/zip" or content_type.endswith("wordprocessingml.document"):
        content_type = _docx_or_zip(upload, name)
    extension = PurePath(name).suffix.lower()
    allowed = ALLOWED.get(content_type)
    if allowed is None:
        raise ValidationError(
            gettext("“%(name)s” is not a PDF, PNG, JPEG or Word (.docx) file by its content.")
            % {"name": name},
            code="bad_type",
        )
    extensions, label = allowed
    if extension not in extensions:
        raise ValidationError(
            gettext("“%(name)s” is a %(kind)s file by its content but named %(extension)s.")
            % {"name": name, "kind": label, "extension": extension or gettext("without an extension")},
            code="mismatch",
        )
    return CheckedFile(content_type=content_type, size=size)


def _docx_or_zip(upload: UploadedFile, name: str) -> str:
    """A .docx is a Word document inside and nothing else: its [Content_Types].xml declares
    the main document, every member is a part of it, no program or macros anywhere, and it
    cannot unpack into a zip bomb (tracker/archives.py). Any other zip is not evidence."""
    try:
        check_ooxml(upload, name, kind="docx")
    except ArchiveRefused as exc:
        raise ValidationError(str(exc), code="bad_type") from None
    finally:
        upload.seek(0)
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
