"""Issue an API token for a user from the command line (CI, operators).

Prints the key on standard output, alone on its line. An active token the user had is
revoked, recorded as revoked by ``--by`` (default: the user). ``--expires-in-days N``
gives the token an expiry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tracker.models import ApiToken, User


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (an older token of theirs is revoked)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", help="Who issues it, recorded on the token (default: the user).")
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=None,
            help="The token stops working this many days from now (default: never, until revoked).",
        )

    def handle(
        self, *args: Any, username: str, by: str | None, expires_in_days: int | None, **options: Any
    ) -> None:
        if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
            raise CommandError("--expires-in-days must be between 1 and 3650.")
        user = self._user(username)
        issuer = self._user(by) if by else user
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        _token, key = ApiToken.issue(user, by=issuer, expires_at=expires_at)
        self.stdout.write(key)

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No such user: {username}") from None
