"""Delete outbox messages handed to the broker more than --days days ago (default 90).

The outbox (tracker/outbox.py) keeps every message after it is published, as a record of
what was queued and when; this command is the only thing that deletes them, and it
never touches a message not yet published. Run it by hand or from cron as the table
grows; it prints how many rows it deleted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tracker.models import OutboxMessage


class Command(BaseCommand):
    help = "Delete outbox messages published more than DAYS days ago (default 90); unpublished ones are kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=90, help="Keep messages published within this many days."
        )

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1.")
        before = timezone.now() - timedelta(days=days)
        deleted, _ = OutboxMessage.objects.filter(published_at__lt=before).delete()
        self.stdout.write(f"{deleted} outbox messages published before {before:%Y-%m-%d %H:%M} deleted.")
