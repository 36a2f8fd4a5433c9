"""Delete the staged files of imports never confirmed (the hourly beat task does the same)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from responses.letter_import import expire_uploads


class Command(BaseCommand):
    help = (
        "Delete the uploaded files of suggestion-list and letter imports never confirmed "
        "STAGED_UPLOAD_HOURS after the upload; the import records stay, marked expired."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = expire_uploads()
        self.stdout.write(
            f"{count} unconfirmed upload(s) older than {settings.STAGED_UPLOAD_HOURS} h: files deleted."
        )
