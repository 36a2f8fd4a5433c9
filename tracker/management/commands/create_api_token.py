"""Issue an API token for a user from the command line (CI, operators).

Prints the key on standard output, alone on its line. An active token the user had is
revoked, recorded as revoked by ``--by`` (default: the user).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.models import ApiToken, User


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (an older token of theirs is revoked)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", help="Who issues it, recorded on the token (default: the user).")

    def handle(self, *args: Any, username: str, by: str | None, **options: Any) -> None:
        user = self._user(username)
        issuer = self._user(by) if by else user
        _token, key = ApiToken.issue(user, by=issuer)
        self.stdout.write(key)

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No such user: {username}") from None
