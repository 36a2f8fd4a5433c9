"""Field accuracy of the reply-letter parser on the corpus of real letters, and its speed.

The corpus (tests/responses/letters/corpus/manifest.json) holds real reply letters from
many provinces and every level, as their public web pages print them, each with the
fields a clerk records from it. This script parses every letter and compares the parser's
fields with the clerk's, printing the accuracy per field, overall, and for the numbers,
grades and dates together; then it times the parse of the whole corpus (letters/s).

    .venv/bin/python bench/bench_letter_corpus.py               # the table
    .venv/bin/python bench/bench_letter_corpus.py --misses      # and every wrong field
    .venv/bin/python bench/bench_letter_corpus.py --json        # the figures as JSON

Strings are compared without white space; a field the letter does not give is expected
empty, so a guess where the clerk records nothing counts as wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "responses" / "letters" / "corpus"
FIELDS = [
    "number",
    "congress",
    "session",
    "title",
    "lead_deputy",
    "has_co_signers",
    "departments",
    "date",
    "signed_by",
    "contact_name",
    "contact_phones",
    "grade",
    "publicity",
    "copy_to",
]
KEY_FIELDS = ("number", "grade", "date")


def load_manifest() -> dict:
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def comparable(value):
    """White space removed from strings (also inside lists and departments); "" is None."""
    if isinstance(value, str):
        value = re.sub(r"\s+", "", value)
        return value or None
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


def field_results(parsed: dict, expected: dict) -> dict[str, bool]:
    return {field: comparable(parsed.get(field)) == comparable(expected.get(field)) for field in FIELDS}


def evaluate(parse) -> dict:
    """Per letter, per field: right or wrong (a letter the parser refuses gets every field wrong)."""
    manifest = load_manifest()
    results = []
    for entry in manifest["letters"]:
        data = (CORPUS / entry["file"]).read_bytes()
        try:
            parsed = parse(data, entry["file"])
            error = None
        except Exception as exc:  # a refused letter is a miss on every field, reported by name
            parsed, error = {}, str(exc)
        results.append(
            {
                "file": entry["file"],
                "error": error,
                "fields": field_results(parsed, entry["expected"]),
                "parsed": parsed,
                "expected": entry["expected"],
            }
        )
    return {"letters": results, "cppcc": manifest.get("cppcc", [])}


def summary(results: list[dict]) -> dict:
    per_field = {field: sum(r["fields"][field] for r in results) / len(results) for field in FIELDS}
    total = sum(sum(r["fields"].values()) for r in results)
    key = sum(r["fields"][field] for r in results for field in KEY_FIELDS)
    return {
        "letters": len(results),
        "per_field": per_field,
        "overall": total / (len(results) * len(FIELDS)),
        "key_right": key,
        "key_total": len(results) * len(KEY_FIELDS),
    }


def timed(parse, count: int, repeats: int) -> float:
    letters = [(CORPUS / e["file"]).read_bytes() for e in load_manifest()["letters"]]
    names = [e["file"] for e in load_manifest()["letters"]]
    for data, name in zip(letters, names, strict=True):  # warm-up
        parse(data, name)
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(count):
            for data, name in zip(letters, names, strict=True):
                parse(data, name)
        rates.append(count * len(letters) / (time.perf_counter() - started))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true", help="list every wrong field")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("-n", "--count", type=int, default=20, help="passes over the corpus per repeat")
    parser.add_argument("-r", "--repeats", type=int, default=3, help="repeats; the median is reported")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    django.setup()
    from responses.letters.parse import parse_letter

    def parse(data: bytes, name: str) -> dict:
        return parse_letter(data, name).as_dict()

    evaluation = evaluate(parse)
    results = evaluation["letters"]
    figures = summary(results)
    cppcc = []
    for entry in evaluation["cppcc"]:
        try:
            parse_letter((CORPUS / entry["file"]).read_bytes(), entry["file"])
            cppcc.append((entry["file"], "accepted"))
        except Exception as exc:
            cppcc.append((entry["file"], f"refused: {exc}"))
    figures["letters_per_second"] = timed(lambda d, n: parse_letter(d, n), options.count, options.repeats)
    figures["cppcc_refused"] = sum(1 for _, outcome in cppcc if outcome.startswith("refused"))
    figures["cppcc_total"] = len(cppcc)

    if options.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    print(f"{figures['letters']} letters, {len(FIELDS)} fields each")
    print(f"{'field':<16} {'right':>6} {'accuracy':>9}")
    for field in FIELDS:
        right = sum(r["fields"][field] for r in results)
        print(f"{field:<16} {right:>6} {figures['per_field'][field]:>8.1%}")
    print(f"{'overall':<16} {'':>6} {figures['overall']:>8.1%}")
    print(
        f"numbers, grades and dates: {figures['key_right']} of {figures['key_total']} "
        f"({figures['key_right'] / figures['key_total']:.1%})"
    )
    print(f"CPPCC proposal replies refused: {figures['cppcc_refused']} of {figures['cppcc_total']}")
    print(f"speed: {figures['letters_per_second']:,.0f} letters/s over the corpus")
    if options.misses:
        for r in results:
            wrong = [field for field in FIELDS if not r["fields"][field]]
            if r["error"]:
                print(f"\n{r['file']}: refused: {r['error']}")
                continue
            for field in wrong:
                print(
                    f"{r['file']}: {field}: got {r['parsed'].get(field)!r}, want {r['expected'].get(field)!r}"
                )


if __name__ == "__main__":
    main()
