"""``manage.py load_demo``: demo congress, suggestions and accounts for the embedded default.

Safe to run again: what exists is kept, what is missing is added, and the demo
accounts' password is reset to "demo". With DEBUG off (a server) it refuses unless given
``--force``: demo accounts with a known password must not appear on a real system by mistake.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from proposals.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, LEAD_UNIT_20240493, load_demo
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
        self.stdout.write(f'Sign in with password "{DEMO_PASSWORD}":')
        for username, role in (
            ("staff", "congress staff"),
            ("clerk", f"department clerk, {LEAD_UNIT_20240493}"),
            ("leader", f"department leader, {LEAD_UNIT_20240493}"),
            ("deputy", "deputy 陈寿, lead deputy of No. 20240493"),
            (
                "sysadmin",
                "system administrator, /admin/: accounts, departments, deputies, congress and rules",
            ),
            ("secadmin", "security administrator, /admin/: roles and groups, MFA resets, lockouts"),
            ("auditadmin", "audit administrator, /admin/: reads and downloads the security log"),
            ("admin", "superuser, /admin/: break-glass only, every request is logged"),
        ):
            self.stdout.write(f"  {username:<10} {role}")
        self.stdout.write(
            "Also, same password: <unit>-clerk and <unit>-leader for every other department "
            "(e.g. longgang-drc-clerk, pingshan-gov-leader), and deputy-a … deputy-h for the "
            "placeholder deputies 代表甲 … 代表辛."
        )
        self.stdout.write(
            "Two-step verification (staff, leaders, admin): after the password, enter the 6-digit "
            "code that `python manage.py demo_code` prints, or add this key to an authenticator "
            f"app (time-based, 6 digits): {DEMO_TOTP_SECRET}"
        )
        self.stdout.write(f"Letter archive: {summary.archived_letters} reply letters.")
        self.stdout.write(f"Open work: {summary.overdue} overdue, {summary.due_soon} due within 14 days.")
