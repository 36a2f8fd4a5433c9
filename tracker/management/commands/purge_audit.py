"""Remove security-log rows older than the retention (AUDIT_RETENTION_DAYS, at least 180).

The security log (tracker.SecurityEvent) is append-only: this command is the one way a
row leaves it, and only a row older than the retention. ``--days`` may keep more (a
longer period), never less. On PostgreSQL the table's trigger checks the age of every
row again, so even this command cannot remove a younger one; the purge itself is logged.
Events of suggestions, progress reports and comments are never purged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from tracker import audit
from tracker.models import SecurityEvent

MINIMUM_DAYS = 180


class Command(BaseCommand):
    help = "Remove security-log rows older than AUDIT_RETENTION_DAYS (at least 180 days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep rows of this many days (default AUDIT_RETENTION_DAYS; never fewer).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count the rows, remove nothing.")

    def handle(self, *args: Any, days: int | None, dry_run: bool, **options: Any) -> None:
        retention = max(int(settings.AUDIT_RETENTION_DAYS), MINIMUM_DAYS)
        days = retention if days is None else days
        if days < retention:
            raise CommandError(
                f"--days {days} is below the retention of {retention} days (AUDIT_RETENTION_DAYS); "
                "rows younger than the retention cannot be removed."
            )
        old = SecurityEvent.objects.older_than(days)
        if dry_run:
            self.stdout.write(f"{old.count()} security-log rows are older than {days} days; nothing removed.")
            return
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The trigger lets this transaction delete rows older than this many days.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('tracker.audit_purge_days', %s, true)", [str(days)])
            count = old._purge()
            audit.record(SecurityEvent.Kind.PURGED, count=count, days=days)
        self.stdout.write(f"{count} security-log rows older than {days} days removed.")
