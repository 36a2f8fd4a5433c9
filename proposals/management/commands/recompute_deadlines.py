"""``manage.py recompute_deadlines``: move open deadlines after a rule or calendar change.

Without ``--apply`` it only lists what would move (and the extended deadlines it leaves
alone) and changes nothing. With ``--apply --reason "…"`` it moves them, records the
reason on each suggestion's timeline and re-arms the reminders (proposals/recompute.py).

    python manage.py recompute_deadlines --congress 1
    python manage.py recompute_deadlines --congress 1 --apply --reason "2025年放假安排公布" --user admin
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from proposals import recompute
from proposals.models import Congress
from tracker.models import User
from tracker.workflow import InvalidTransition


def line(move: recompute.Move) -> str:
    """One deadline: number, unit, role, kind of deadline, old → new date, explanation."""
    department = move.department.name if move.department else "—"
    dates = move.old.isoformat()
    if move.new is not None and move.moves:
        dates = f"{dates} → {move.new.isoformat()}"
    return "  ".join(
        [move.proposal.number, department, move.role or "—", move.deadline_label, dates, move.explanation]
    )


class Command(BaseCommand):
    help = (
        "List the open deadlines whose rule now gives another date (after a DeadlineRule "
        "change or a new official calendar); with --apply --reason, move them, record the "
        "reason on each suggestion's timeline and re-arm their reminders."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--congress", type=int, metavar="ID", help="Only this congress (its id).")
        parser.add_argument("--apply", action="store_true", help="Move the deadlines (default: only list).")
        parser.add_argument("--reason", default="", help="Why they move; required with --apply.")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="The congress staff account recorded as acting (default: system).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        congresses = None
        if options["congress"] is not None:
            congresses = list(Congress.objects.filter(pk=options["congress"]))
            if not congresses:
                raise CommandError(f"--congress: no congress with id {options['congress']}")
        by = None
        if options["user"]:
            by = User.objects.filter(username=options["user"], is_active=True).first()
            if by is None:
                raise CommandError(f"--user: no active user {options['user']!r}")
        if options["apply"] and not options["reason"].strip():
            raise CommandError('--apply needs --reason "…": it is recorded on each suggestion\'s timeline.')

        found = recompute.plan(congresses)
        self.stdout.write(gettext("Open deadlines that move: %(count)s") % {"count": len(found.moves)})
        for move in found.moves:
            self.stdout.write(line(move))
        if found.left_alone:
            self.stdout.write(gettext("Left alone: %(count)s") % {"count": len(found.left_alone)})
            for move in found.left_alone:
                self.stdout.write(line(move))
        if not options["apply"]:
            if found.moves:
                self.stdout.write(
                    gettext('Nothing was changed; run again with --apply --reason "…" to move them.')
                )
            return
        try:
            outcome = found.apply(by=by, reason=options["reason"])
        except InvalidTransition as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            gettext("Deadlines moved: %(moved)s, on %(suggestions)s suggestions.")
            % {"moved": len(outcome.moved), "suggestions": outcome.suggestions}
        )
        for move in outcome.stale:
            self.stdout.write(gettext("Changed meanwhile, left alone: %(line)s") % {"line": line(move)})
