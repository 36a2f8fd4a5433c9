"""Uploads bounded while the request streams in.

Django reads a multipart request through its upload handlers before a view sees it. The
one handler here (``FILE_UPLOAD_HANDLERS``) counts every file's bytes as they arrive and,
the moment a file passes its limit, drops what it held (memory or its temporary file)
and reads the rest of that file without keeping it. The form then finds a
``RefusedUpload`` in its place, and the file field says which file and why
(``BoundedFileField``) instead of a 500, a bare 413 or a file that is stored and only
refused later. The other fields of the form are read as usual.

Each upload page names its kind with ``@bounded_upload(kind)``; the limits are settings
(see ``LIMITS``). Without it (the admin), ``UPLOAD_MAX_BYTES`` applies to every file.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect

__all__ = [
    "BoundedFileField",
    "BoundedUploadHandler",
    "RefusedUpload",
    "UploadLimits",
    "bounded_upload",
    "limits_for",
]


@dataclass(frozen=True)
class UploadLimits:
    """How much one upload page takes: per file (by suffix, else ``max_file``) and in all."""

    kind: str
    max_file: int
    max_total: int
    by_suffix: dict[str, int] = field(default_factory=dict)

    def for_name(self, name: str) -> int:
        return self.by_suffix.get(PurePath(name).suffix.lower(), self.max_file)


def limits_for(kind: str) -> UploadLimits:
    """The limits of an upload kind, read from the settings each time (tests override them)."""
    if kind == "spreadsheet":
        size = settings.SPREADSHEET_MAX_BYTES
        return UploadLimits(kind, size, size)
    if kind == "letters":
        return UploadLimits(
            kind,
            settings.LETTER_MAX_BYTES,
            settings.LETTER_UPLOAD_MAX_BYTES,
            {".zip": settings.LETTER_ZIP_MAX_BYTES},
        )
    if kind == "evidence":
        return UploadLimits(kind, settings.EVIDENCE_MAX_BYTES, settings.EVIDENCE_UPLOAD_MAX_BYTES)
    if kind == "default":
        return UploadLimits(kind, settings.UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_BYTES)
    raise ValueError(f"unknown upload kind {kind!r}")


class RefusedUpload(UploadedFile):
    """Stands in the form for a file dropped while it streamed in: no content, only why.

    Its size is 0, so a plain ``forms.FileField`` refuses it as empty; ``BoundedFileField``
    gives the reason."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(io.BytesIO(b""), name=name, content_type="", size=0)
        self.reason = reason


class BoundedUploadHandler(FileUploadHandler):
    """Keeps each file in memory or in a temporary file, up to its limit and not a byte more."""

    def __init__(self, request: HttpRequest | None = None, limits: UploadLimits | None = None) -> None:
        super().__init__(request)
        self.limits = limits or limits_for("default")
        self.total = 0
        self.in_memory = False
        self.refusal = ""
        self.file: Any = None

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        # As Django's own handlers decide: a small request is kept in memory.
        self.in_memory = content_length <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.refusal = ""
        self.limit = self.limits.for_name(self.file_name or "")
        if self.content_length is not None and self.content_length > self.limit:
            self._refuse()
            return
        if self.in_memory:
            self.file = io.BytesIO()
        else:
            self.file = TemporaryUploadedFile(
                self.file_name or "", self.content_type, 0, self.charset, self.content_type_extra
            )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.refusal:
            return None  # The rest of a refused file is read and thrown away.
        self.total += len(raw_data)
        if start + len(raw_data) > self.limit:
            self._refuse()
        elif self.total > self.limits.max_total:
            self._refuse(total=True)
        else:
            self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile:
        if self.refusal:
            return RefusedUpload(self.file_name or "", self.refusal)
        self.file.seek(0)
        if self.in_memory:
            return InMemoryUploadedFile(
                file=self.file,
                field_name=self.field_name,
                name=self.file_name,
                content_type=self.content_type,
                size=file_size,
                charset=self.charset,
                content_type_extra=self.content_type_extra,
            )
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        self._drop()

    def _refuse(self, *, total: bool = False) -> None:
        self._drop()
        name = self.file_name or ""
        if total:
            self.refusal = gettext(
                "“%(name)s”: the files of this form together are larger than %(limit)s; "
                "upload them in several parts."
            ) % {"name": name, "limit": filesizeformat(self.limits.max_total)}
        else:
            self.refusal = gettext(
                "“%(name)s” is larger than %(limit)s, the limit for this file; it was not stored."
            ) % {"name": name, "limit": filesizeformat(self.limit)}

    def _drop(self) -> None:
        """Free what a refused file held: memory, or its temporary file (removed on close)."""
        if self.file is not None:
            self.file.close()
        self.file = io.BytesIO()  # Django's parser closes handler.file when it stops.


def bounded_upload(kind: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """The view takes uploads of ``kind``, bounded while they stream in.

    Upload handlers must be set before anything reads request.POST, and the CSRF check
    reads it; so, as Django's documentation shows, the CSRF check runs inside, once the
    handlers are in place. A request declaring a body far larger than the page ever takes
    gets the page's message at once, without reading it."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            limits = limits_for(kind)
            if request.method == "POST":
                try:
                    declared = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    declared = 0
                # The form's other fields are small; past this the files cannot fit.
                if declared > limits.max_total + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                    return _too_large(request, limits)
                # AttributeError: already read (by a middleware); the default handler bounded it.
                with contextlib.suppress(AttributeError):
                    request.upload_handlers = [BoundedUploadHandler(request, limits)]
            return protected(request, *args, **kwargs)

        return csrf_exempt(wrapped)

    return decorator


def _too_large(request: HttpRequest, limits: UploadLimits) -> HttpResponse:
    message = gettext(
        "The upload is larger than %(limit)s, the most this page takes at once; nothing was stored. "
        "Upload fewer or smaller files."
    ) % {"limit": filesizeformat(limits.max_total)}
    return render(
        request,
        "tracker/upload_too_large.html",
        {"message": message, "back": request.get_full_path()},
        status=413,
    )


def refusal_of(upload: object) -> str:
    """Why an upload was dropped while it streamed in, or ""."""
    return upload.reason if isinstance(upload, RefusedUpload) else ""


class BoundedFileField(forms.FileField):
    """A file field that says why a file was dropped while it streamed in."""

    def to_python(self, data: Any) -> Any:
        reason = refusal_of(data)
        if reason:
            raise ValidationError(reason, code="too_large")
        return super().to_python(data)
