"""Benchmark the public site on a large PostgreSQL database: the published replies list
(plain, filtered, searched), a suggestion's progress page, and the open data downloads.

Reuses bench_proposal_list.py's loader (100,000 suggestions by default) and gives every
published reply the text of the real seed letter (about 4,000 characters), so that the
downloads carry realistic sizes. Prints median and 95th percentile times, the queries per
request and, for the downloads, the rows, the bytes and the peak memory Python allocated
while streaming (tracemalloc): a download that loaded every row at once would peak at
several times the file's size.

    .venv/bin/python bench/bench_public.py
    .venv/bin/python bench/bench_public.py --repeat 5 --database-url postgres://…/tracker_bench_public

The database comes from --database-url, else BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/tracker_bench_public; its name must contain "bench".
An empty database is loaded; one that holds benchmark suggestions is reused as it is.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_proposal_list import (  # noqa: E402
    bench_count,
    database_name,
    ensure_database,
    load,
    percentile,
    setup_django,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench_public"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="suggestions to load (default 100000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page case (default 20)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seed", type=int, default=20240493)
    return parser.parse_args(argv)


def prepare(args: argparse.Namespace) -> None:
    url = args.database_url
    ensure_database(url, recreate=False)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from proposals.models import Proposal
    from responses.models import Reply

    call_command("migrate", verbosity=0)
    if not Proposal.objects.exists():
        print(f"Loading {args.count:,} suggestions into {database_name(url)}")
        load(args.count, batch_size=5000, seed=args.seed)
    elif bench_count() < 1000:
        sys.exit(f"{database_name(url)} holds no benchmark suggestions; use an empty or a benchmark one.")
    letter = (ROOT / "proposals" / "seeds" / "reply-letter-20240493.txt").read_text(encoding="utf-8")
    short = Reply.objects.filter(body="答复（基准测试数据）")
    if short.exists():
        started = time.perf_counter()
        updated = short.update(body=letter)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE responses_reply")
        print(f"Gave {updated:,} replies the seed letter's text in {time.perf_counter() - started:.1f} s")


def page_cases() -> list[tuple[str, str]]:
    from proposals.models import Department, Proposal
    from responses.models import Reply

    published = Reply.objects.published()
    department = Department.objects.filter(assignments__replies__in=published).order_by("pk").first()
    number = Proposal.objects.filter(assignments__replies__in=published).order_by("-pk").first().number
    year = published.order_by("-sent_on").values_list("assignment__proposal__session__year", flat=True)[0]
    return [
        ("list", "/public/"),
        ("list page 50", "/public/?page=50"),
        ("list grade=B", "/public/?grade=B"),
        ("list year+department", "/public/?" + urlencode({"year": year, "department": department.pk})),
        ("search 坪西路改造", "/public/?" + urlencode({"q": "坪西路改造"})),
        ("search by number", "/public/?" + urlencode({"q": number})),
        ("progress page", f"/public/{number}/"),
        ("unknown number", "/public/20999999/"),
    ]


def run(repeat: int) -> None:
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from proposals.models import Proposal
    from responses.models import Reply

    # The unknown-number case answers 404 by design, and the table shows any error status.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    client = Client(raise_request_exception=False)
    published = Reply.objects.published().count()
    print(
        f"\nPublic site, anonymous; {Proposal.objects.count():,} suggestions, {published:,} published "
        f"replies; {repeat} timed requests per case\n"
    )
    header = f"{'case':<24} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for label, url in page_cases():
        status = client.get(url).status_code  # warm-up
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        count = len(queries)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{label:<24} {status:>6} {statistics.median(timings):>10.1f} "
            f"{percentile(timings, 0.95):>8.1f} {count:>8}"
        )

    print(f"\n{'download':<24} {'rows':>8} {'MB':>8} {'seconds':>8} {'peak MB':>8}")
    for label, url in [
        ("CSV, everything", "/public/replies.csv"),
        ("JSON, everything", "/public/replies.json"),
        ("JSON, grade=B", "/public/replies.json?grade=B"),
    ]:
        started = time.perf_counter()
        size, rows = 0, 0
        for chunk in client.get(url).streaming_content:
            size += len(chunk)
            # One address per row; no reply's text holds one.
            rows += chunk.count(b"/public/replies/")
        seconds = time.perf_counter() - started
        # A second pass under tracemalloc (slower) for the peak memory.
        tracemalloc.start()
        for _chunk in client.get(url).streaming_content:
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{label:<24} {rows:>8,} {size / 1e6:>8.1f} {seconds:>8.1f} {peak / 1e6:>8.1f}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if "bench" not in database_name(args.database_url):
        sys.exit("Use a benchmark database (its name contains 'bench').")
    prepare(args)
    # Plain static storage: production's manifest storage would need collectstatic first.
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        run(args.repeat)


if __name__ == "__main__":
    main()
