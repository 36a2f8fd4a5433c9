"""manage.py parse_letter: JSON Lines or a summary; failures on stderr, the others still parsed."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase

from .helpers import SAMPLES, SEED


class ParseLetterCommandTests(SimpleTestCase):
    def run_command(self, *args: str) -> tuple[str, str]:
        stdout, stderr = StringIO(), StringIO()
        call_command("parse_letter", *args, stdout=stdout, stderr=stderr)
        return stdout.getvalue(), stderr.getvalue()

    def test_json_lines(self):
        stdout, stderr = self.run_command(str(SEED), str(SAMPLES / "docx-letter.docx"), "--json")
        rows = [json.loads(line) for line in stdout.splitlines()]
        self.assertEqual([row["number"] for row in rows], ["20240493", "0123"])
        self.assertEqual(rows[0]["signed_by"], "深圳市龙岗区市人民政府")
        # The 16 fields, then what the parser is unsure of (nothing, for the seed letter).
        self.assertEqual(len(rows[0]), 18)
        self.assertEqual((rows[0]["uncertain"], rows[0]["candidates"]), ([], {}))
        self.assertIn("陈寿", stdout.splitlines()[0])  # not \u-escaped
        self.assertEqual(stderr, "")

    def test_summary(self):
        stdout, _ = self.run_command(str(SAMPLES / "cn-numbered-health.txt"))
        self.assertIn("number:       20240215", stdout)
        self.assertIn("深圳市卫生健康委员会 (lead)、龙岗区卫生健康局 (co)", stdout)
        self.assertIn("1. 关于“加快推进区域医疗中心建设”的建议", stdout)

    def test_failures_are_reported_and_the_rest_parsed(self):
        stdout, stderr = StringIO(), StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command(
                "parse_letter",
                str(SAMPLES / "not-a-letter.txt"),
                str(SAMPLES / "empty.txt"),
                str(SAMPLES / "missing.txt"),
                str(SEED),
                "--json",
                stdout=stdout,
                stderr=stderr,
            )
        self.assertEqual(raised.exception.returncode, 1)
        self.assertIn("3 of 4 files could not be parsed", str(raised.exception))
        errors = stderr.getvalue().splitlines()
        self.assertEqual(len(errors), 3)
        self.assertIn("not-a-letter.txt: not a reply letter", errors[0])
        self.assertIn("empty.txt: the file is empty", errors[1])
        self.assertIn("missing.txt: cannot be read", errors[2])
        self.assertEqual(
            [json.loads(line)["number"] for line in stdout.getvalue().splitlines()], ["20240493"]
        )
