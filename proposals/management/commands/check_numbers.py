"""List the suggestions whose stored number is not what intake accepts now.

Before numbers were normalised (Congress.clean_number: NFKC, ASCII only, the congress's
pattern with ASCII semantics), the intake form accepted ２０２４０４９３ next to 20240493,
and Arabic-Indic digits. Such a row is no longer found by typing its number (the lookups
normalise what is typed) and may stand for a suggestion logged twice. This command only
reads: it prints each such suggestion, what is wrong, and whether its normal form is
already taken, so that staff can correct or merge it. Exit status 1 when any is found.

    python manage.py check_numbers
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from proposals.models import Proposal, normalise_number


class Command(BaseCommand):
    help = "List suggestions whose number is not in the normal form intake accepts (read-only)."

    def handle(self, *args: Any, **options: Any) -> None:
        found = 0
        rows = Proposal.objects.select_related("congress", "session").defer("body")
        for proposal in rows.order_by("pk").iterator(chunk_size=2000):
            problem = self.problem(proposal)
            if problem:
                found += 1
                self.stdout.write(f"#{proposal.pk} {proposal.number!r} ({proposal.session.name}): {problem}")
        if found:
            raise CommandError(f"{found} suggestion numbers need correcting.")
        self.stdout.write("Every suggestion number is in normal form.")

    @staticmethod
    def problem(proposal: Proposal) -> str:
        try:
            normal = proposal.congress.clean_number(proposal.number)
        except ValidationError as exc:
            # A number typed before the pattern changed is not a problem of its form:
            # only report what normalising would change or refuses as non-ASCII.
            if normalise_number(proposal.number) == proposal.number and proposal.number.isascii():
                return ""
            return " ".join(exc.messages)
        if normal == proposal.number:
            return ""
        try:
            Proposal.check_number_free(normal, session=proposal.session, excluding=proposal.pk)
        except ValidationError as exc:
            return f"normal form {normal!r}, taken: " + " ".join(exc.messages)
        return f"normal form {normal!r}, free"
