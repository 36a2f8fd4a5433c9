"""Import a folder of reply letters (.txt, .docx, .zip) into the letter archive.

It prints what each letter matched, what is new and what failed, and writes nothing until
confirmed (at the prompt, or with --yes). A letter already archived is left unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from responses.letter_import import (
    LETTER_SUFFIXES,
    ImportSummary,
    LetterPreview,
    Upload,
    apply_import,
    preview_letters,
    stage_upload,
)


class Command(BaseCommand):
    help = "Read the reply letters in DIR, show what importing them would do, and import them once confirmed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="A folder of .txt, .docx or .zip letters (read recursively).")
        parser.add_argument("--user", help="The congress staff account the import is recorded under.")
        parser.add_argument("--yes", action="store_true", help="Import without asking.")
        parser.add_argument("--dry-run", action="store_true", help="Only show the preview; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["directory"])
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        suffixes = (*LETTER_SUFFIXES, ".zip")
        paths = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith("~$")
        )
        if not paths:
            raise CommandError(f"{folder} holds no .txt, .docx or .zip files.")
        uploads = [Upload(name=str(p.relative_to(folder)), data=p.read_bytes()) for p in paths]
        summary = preview_letters(uploads)
        self._report(summary)
        if options["dry_run"] or not summary.new:
            return
        user = self._user(options["user"])
        if not options["yes"]:
            answer = input(f"Import {summary.new} letters? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                self.stdout.write("Nothing was imported.")
                return
        # Files refused by their content (listed as failed above) are not kept.
        batch = stage_upload(uploads, by=user, skip_refused=True)
        result = apply_import(batch, by=user)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.new} letters ({result.linked} linked to a suggestion); "
                f"{result.unchanged} unchanged; {result.failed} failed. Upload #{batch.pk}."
            )
        )

    def _user(self, username: str | None) -> Any:
        if not username:
            raise CommandError("Say which congress staff account imports the letters: --user USERNAME.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no account {username!r}.")
        if not user.is_congress_staff:
            raise CommandError(f"{username} is not congress staff; only staff import letters.")
        return user

    def _report(self, summary: ImportSummary) -> None:
        for letter in summary.letters:
            if letter.outcome == LetterPreview.FAILED:
                self.stderr.write(f"failed     {letter.upload.name}: {letter.error}")
                continue
            fields = letter.fields
            if letter.outcome == LetterPreview.UNCHANGED:
                self.stdout.write(
                    f"unchanged  {letter.upload.name}: No. {fields['number']}, {letter.duplicate_of}"
                )
                continue
            target = f"suggestion #{letter.proposal.pk}" if letter.proposal else "not in the tracker"
            units = ", ".join(
                f"{m.name}→{m.department.name if m.department else '?'}({m.role})" for m in letter.departments
            )
            self.stdout.write(
                f"new        {letter.upload.name}: No. {fields['number']} {fields['date'] or ''} "
                f"grade {fields['grade'] or '-'}; {target}; {units or 'no departments named'}"
            )
            for note in letter.notes:
                self.stdout.write(f"           {note}")
        self.stdout.write(
            f"{len(summary.letters)} letters: {summary.new} new ({summary.linked} matched a suggestion), "
            f"{summary.unchanged} already archived, {summary.failed} failed."
        )
