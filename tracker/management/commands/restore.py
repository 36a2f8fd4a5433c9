"""``manage.py restore ARCHIVE``: a backup made by ``manage.py backup`` into a new, empty database
and an empty MEDIA_ROOT, checked before anything is written and again afterwards.

ARCHIVE is a file or - for standard input (``docker compose run --rm -T web python manage.py
restore - < file``). ``--check`` only verifies an archive: every checksum, and that the
database dump can be read back. See tracker/backup.py.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.backup import BackupError, Database, check_dump, missing_media, restore, unpack


class Command(BaseCommand):
    # The system checks would open (and so create) the SQLite file before it is restored.
    requires_system_checks: list[str] = []
    help = (
        "Restore a backup archive into a new, empty database and an empty MEDIA_ROOT, checking every "
        "checksum before and the row counts and files after. --check only verifies the archive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="A tracker-backup-<time>.tar file, or - for standard input.")
        parser.add_argument("--check", action="store_true", help="Only verify the archive; change nothing.")
        parser.add_argument("--workdir", help="Where the archive is unpacked meanwhile (default: TMPDIR).")

    def handle(self, *args: Any, archive: str, check: bool, workdir: str | None, **options: Any) -> None:
        media_root = Path(settings.MEDIA_ROOT)
        try:
            database = Database.from_settings()
            with tempfile.TemporaryDirectory(dir=workdir, prefix=".tracker-restore-") as staging:
                with self._open(archive) as stream:
                    staged = unpack(stream, Path(staging))
                manifest = staged.manifest
                media = manifest.media
                self.stdout.write(
                    f"{manifest.name}: {manifest.engine}, made {manifest.created_at} ({manifest.tool}); "
                    f"{len(manifest.tables)} tables, {manifest.rows} rows, {len(media)} media files "
                    f"({sum(e.size for e in media.values())} bytes). Every checksum matches."
                )
                if check:
                    check_dump(Database(engine=manifest.engine, name=""), staged.database_file)
                    self.stdout.write(
                        self.style.SUCCESS("The archive is complete and its database dump reads back.")
                    )
                    return
                report = restore(staged, database=database, media_root=media_root, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        problems = report.problems + [
            f"named by the database, missing from MEDIA_ROOT: {line}" for line in missing_media(media_root)
        ]
        if problems:
            raise CommandError("The restored data differs from the backup:\n  " + "\n  ".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {manifest.name} into {database.label} and {media_root}: "
                f"{len(report.tables)} tables and {sum(report.tables.values())} rows as in the backup, "
                f"{report.media} media files with their checksums, every file the database names present."
            )
        )
        self.stdout.write(
            "Next: run `manage.py migrate` (it applies what this version adds, if anything), then start "
            "web, worker and beat. Reminders sent after this backup was made are sent once more."
        )

    def _open(self, archive: str) -> IO[bytes]:
        if archive == "-":
            return sys.stdin.buffer
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"{archive}: no such file.")
        return open(path, "rb")
