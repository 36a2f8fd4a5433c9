"""``manage.py backup``: the database and the uploaded files in one archive that checks itself.

Writes ``tracker-backup-<UTC time>.tar`` into --output (default var/backups), or to standard
output with ``--output -`` (for ``docker compose exec -T web python manage.py backup -o - > file``).
The archive format and what is checked are described in tracker/backup.py; restore it with
``manage.py restore``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tracker.backup import BackupError, Database, backup_to_folder, missing_media, prune, write_backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and every file under MEDIA_ROOT "
        "into one archive, tracker-backup-<time>.tar, with a manifest of checksums and row counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            default=str(settings.VAR_DIR / "backups"),
            help="The folder the archive is written into (default var/backups), or - for standard output.",
        )
        parser.add_argument(
            "--keep",
            type=int,
            help="Afterwards delete all but the newest KEEP archives in the output folder.",
        )
        parser.add_argument(
            "--workdir", help="Where the database dump is written meanwhile (default: TMPDIR)."
        )

    def handle(self, *args: Any, output: str, keep: int | None, workdir: str | None, **options: Any) -> None:
        if keep is not None and (keep < 1 or output == "-"):
            raise CommandError("--keep needs a number of at least 1 and an output folder.")
        to_stdout = output == "-"
        # With the archive on standard output, everything else goes to standard error.
        log = self.stderr.write if to_stdout else self.stdout.write
        media_root = Path(settings.MEDIA_ROOT)
        now = timezone.now()
        try:
            database = Database.from_settings()
            if to_stdout:
                manifest = write_backup(
                    sys.stdout.buffer,
                    database=database,
                    media_root=media_root,
                    now=now,
                    workdir=Path(workdir) if workdir else None,
                    log=log,
                )
                sys.stdout.buffer.flush()
                where = f"{manifest.name}.tar on standard output"
            else:
                path, manifest = backup_to_folder(
                    Path(output),
                    database=database,
                    media_root=media_root,
                    now=now,
                    workdir=Path(workdir) if workdir else None,
                    log=log,
                )
                where = str(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        media = manifest.media
        log(
            self.style.SUCCESS(
                f"Backup written: {where} ({len(manifest.tables)} tables, {manifest.rows} rows, "
                f"{len(media)} media files)."
            )
        )
        for line in missing_media(media_root)[:20]:
            log(self.style.WARNING(f"Named by the database but not in MEDIA_ROOT (so not backed up): {line}"))
        if keep is not None:
            for old in prune(Path(output), keep):
                log(f"Deleted the older backup {old}")
