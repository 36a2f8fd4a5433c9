"""``manage.py load_demo``: demo congress, suggestions and accounts for the embedded default.

Safe to run again: what exists is kept, what is missing is added, and the demo
accounts' password is reset to "demo". With DEBUG off (a server) it refuses unless given
``--force``: demo accounts with a known password must not appear on a real system by mistake.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from proposals.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, Account, demo_accounts, load_demo
from proposals.models import Proposal


class Command(BaseCommand):
    help = "Load demo data built from the real seed letters, with demo accounts (password: demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo data and accounts even with DEBUG off (a trial server, CI).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like a real server, and the demo accounts all have "
                'the password "demo". Run with --force to load them anyway.'
            )
        summary = load_demo()
        labels = dict(Proposal.Status.choices)
        statuses = ", ".join(
            f"{labels[status]} {summary.statuses[status]}"
            for status in Proposal.Status.values
            if summary.statuses[status]
        )
        total = summary.created + summary.existing
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {total} suggestions ({summary.created} new, {summary.existing} already there)."
            )
        )
        self.stdout.write(f"By status: {statuses}.")
        self.stdout.write(f'Sign in with password "{DEMO_PASSWORD}". The main accounts, one per journey:')
        self.write_accounts(demo_accounts())
        everyone = demo_accounts(summary.accounts)
        self.stdout.write(f"All {len(everyone)} demo accounts (same password):")
        self.write_accounts(everyone)
        self.stdout.write(
            "Two-step verification (staff, leaders, admin): after the password, enter the 6-digit "
            "code that `python manage.py demo_code` prints, or add this key to an authenticator "
            f"app (time-based, 6 digits): {DEMO_TOTP_SECRET}"
        )
        self.stdout.write(f"Letter archive: {summary.archived_letters} reply letters.")
        self.stdout.write(f"Open work: {summary.overdue} overdue, {summary.due_soon} due within 14 days.")

    def write_accounts(self, accounts: list[Account]) -> None:
        width = max((len(account.username) for account in accounts), default=0)
        for account in accounts:
            unit = f" · {account.unit}" if account.unit else ""
            self.stdout.write(f"  {account.username:<{width}}  {account.role}{unit}")
