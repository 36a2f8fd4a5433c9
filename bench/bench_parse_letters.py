"""Parse throughput of the reply-letter parser (responses.letters): letters per second.

Parses the real seed letter No. 20240493 as .txt, and as a .docx built from its lines
with python-docx, N times each (after one warm-up), R repeats, and prints the median
letters/s and ms per letter. The parser does not touch the database, so no Django setup
or PostgreSQL is needed.

    .venv/bin/python bench/bench_parse_letters.py                 # 1,000 parses × 5 repeats
    .venv/bin/python bench/bench_parse_letters.py -n 200 -r 3     # a quick run
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "proposals" / "seeds" / "reply-letter-20240493.txt"


def seed_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def measure(label: str, parse: Callable[[], object], count: int, repeats: int) -> None:
    parse()  # warm-up: imports, compiled regexes
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(count):
            parse()
        rates.append(count / (time.perf_counter() - started))
    rate = statistics.median(rates)
    print(
        f"{label:<22} {rate:>9,.0f} letters/s  {1000 / rate:>7.3f} ms/letter  (median of {repeats} × {count})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--count", type=int, default=1000, help="parses per repeat (default 1000)")
    parser.add_argument(
        "-r", "--repeats", type=int, default=5, help="repeats; the median is reported (default 5)"
    )
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from responses.letters.parse import parse_letter, parse_letter_text

    data = SEED.read_bytes()
    docx_data = seed_docx(data.decode("utf-8"))
    print(f"seed letter: {len(data):,} bytes as .txt, {len(docx_data):,} bytes as .docx")
    measure(
        "parse_letter_text", lambda: parse_letter_text(data.decode("utf-8")), options.count, options.repeats
    )
    measure("parse_letter (.txt)", lambda: parse_letter(data, "seed.txt"), options.count, options.repeats)
    measure(
        "parse_letter (.docx)", lambda: parse_letter(docx_data, "seed.docx"), options.count, options.repeats
    )


if __name__ == "__main__":
    main()
