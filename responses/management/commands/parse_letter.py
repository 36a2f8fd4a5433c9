"""Parse reply letters (答复函, .txt or .docx) and print what was read from each.

    python manage.py parse_letter letter.docx other.txt          # a readable summary
    python manage.py parse_letter letters/*.txt --json           # one JSON object a line

A file that cannot be read is reported on stderr, naming the file; the others are still
parsed, and the command exits with status 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responses.letters.parse import ParsedLetter, parse_letter
from responses.letters.text import LetterError


class Command(BaseCommand):
    help = "Parse reply letters (.txt or .docx) and print the fields read from each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="Reply letters to parse.")
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object per letter (JSON Lines)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for name in options["files"]:
            path = Path(name)
            try:
                parsed = parse_letter(path.read_bytes(), str(path))
            except OSError as error:
                failed += 1
                self.stderr.write(f"{path}: cannot be read ({error.strerror or error})")
                continue
            except LetterError as error:
                failed += 1
                self.stderr.write(str(error))
                continue
            if options["json"]:
                self.stdout.write(json.dumps(parsed.as_dict(), ensure_ascii=False))
            else:
                self.stdout.write(summary(path, parsed))
        if failed:
            raise CommandError(
                f"{failed} of {len(options['files'])} files could not be parsed.", returncode=1
            )


def summary(path: Path, parsed: ParsedLetter) -> str:
    data = parsed.as_dict()
    departments = "、".join(f"{d['name']} ({d['role']})" for d in data["departments"])
    lines = [
        f"== {path}",
        f"  number:       {data['number'] or '-'}",
        f"  congress:     {data['congress'] or '-'} {data['session'] or ''}".rstrip(),
        f"  title:        {data['title'] or '-'}",
        f"  deputy:       {data['lead_deputy'] or '-'}"
        + (" (with co-signers)" if data["has_co_signers"] else ""),
        f"  departments:  {departments or '-'}",
        f"  signed by:    {data['signed_by'] or '-'} on {data['date'] or '-'}",
        f"  contact:      {data['contact_name'] or '-'} {' '.join(data['contact_phones'])}".rstrip(),
        f"  grade:        {data['grade'] or '-'}    publicity: {data['publicity'] or '-'}",
        f"  copy to:      {'、'.join(data['copy_to']) or '-'}",
        f"  sections:     {len(data['sections'])}",
    ]
    lines += [f"    {number}. {section['heading']}" for number, section in enumerate(data["sections"], 1)]
    lines.append(f"  commitments:  {len(data['commitment_candidates'])}")
    lines += [f"    - {sentence}" for sentence in data["commitment_candidates"]]
    return "\n".join(lines)
