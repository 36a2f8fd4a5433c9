"""Benchmark search (proposals/search.py) on a large PostgreSQL database.

Loads --count suggestions (default 100,000) with bench/bench_proposal_list.py's loader
into its own database, gives each suggestion a text and each reply a body made of
sentences of the seed plans and the seed reply letter (the loader leaves them nearly
empty), then runs a fixed set of real-looking queries as congress staff sees them: the
count of matches and the first page of 20, as the search page does. It prints the median
and 95th percentile per query and over all, with the bigram index and without it (the
substring path the SQLite default uses, forced).

    .venv/bin/python bench/bench_search.py --count 100000 --repeat 5
    .venv/bin/python bench/bench_search.py --skip-load          # measure again

The database comes from --database-url, else BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/tracker_search_bench; its name must contain "bench".
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_proposal_list as loader  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_search_bench"
SEEDS = Path("/work/shared/seeds")
SEED_FILES = ["longgang-2022-plan.txt", "pingshan-2024-plan.txt", "longgang-industry-news-2022.txt"]
REPLY_SEED = "reply-letter-20240493.txt"
PAGE = 20

# Programmes, places and subjects named in the seed plans and in suggestion titles, as
# people type them: 2 to 6 characters, a line number, two words, a number.
QUERIES = [
    "学位",
    "充电设施",
    "龙岗河",
    "新质生产力",
    "坪西路",
    "碧道",
    "养老",
    "托育",
    "海绵城市",
    "光伏",
    "19号线",
    "燕子岭公园",
    "工业上楼",
    "垃圾分类",
    "跨境电商",
    "消防站",
    "污水管网",
    "老旧小区",
    "生物医药",
    "龙岗 学校",
    "坪山 碧道",
    "20240493",
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="suggestions to load (default 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query and path (default 5)")
    parser.add_argument("--skip-load", action="store_true", help="measure the database as it is")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20240493)
    return parser.parse_args(argv)


def _sentences(names: list[str]) -> list[str]:
    text = "".join((SEEDS / name).read_text(encoding="utf-8") for name in names)
    return [s.strip() + "。" for s in re.split(r"[。\n]", text) if len(s.strip()) >= 12]


def add_texts(seed: int, batch_size: int) -> None:
    """Give every benchmark suggestion a body and every reply a text (the triggers index them)."""
    from django.db import connection, transaction

    rng = random.Random(seed)
    plans, letter = _sentences(SEED_FILES), _sentences([REPLY_SEED])
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM proposals_proposal WHERE body = '' ORDER BY id")
        proposal_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM responses_reply WHERE body LIKE '%%基准测试数据%%' ORDER BY id")
        reply_ids = [row[0] for row in cursor.fetchall()]
    for table, ids, make in (
        ("proposals_proposal", proposal_ids, lambda: "".join(rng.sample(plans, rng.randint(5, 14)))),
        ("responses_reply", reply_ids, lambda: "".join(rng.sample(letter + plans, rng.randint(4, 10)))),
    ):
        for start in range(0, len(ids), batch_size):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET body = %s WHERE id = %s",
                    [(make(), pk) for pk in ids[start : start + batch_size]],
                )
        print(f"  {len(ids):,} texts added to {table}")
    # As autovacuum leaves a table some time after a bulk update: the visibility map set,
    # so that index-only scans need not visit the heap.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Texts added and indexed in {time.perf_counter() - started:.1f} s")


def run(kind: str, q: str, staff: Any) -> int:
    """What the search page does for one tab: count the matches, fetch the first page."""
    from proposals.models import Proposal
    from proposals.search import search_proposals, search_replies
    from responses.models import Reply

    if kind == "suggestions":
        found = search_proposals(Proposal.objects.visible_to(staff), q)
        rows = found.select_related("session", "lead_deputy")
    else:
        found = search_replies(Reply.objects.visible_to(staff), q)
        rows = found.select_related("assignment__department", "assignment__proposal")
    count = found.count()
    list(rows[:PAGE])
    return count


def measure(repeat: int) -> None:
    import proposals.search as search
    from proposals.models import Proposal
    from responses.models import Reply
    from tracker.models import User

    staff = User.objects.get(username="staff")
    indexed = search._indexed
    print(
        f"\nSearch as congress staff: {Proposal.objects.count():,} suggestions, "
        f"{Reply.objects.count():,} replies; {len(QUERIES)} queries, {repeat} timed runs each\n"
    )
    for kind in ("suggestions", "replies"):
        summary = {}
        for path, forced in (("index", indexed), ("no index", lambda queryset: False)):
            search._indexed = forced
            header = f"{kind}, {path}: {'query':<12} {'matches':>8} {'median ms':>10} {'p95 ms':>8}"
            print(header)
            print("-" * len(header))
            everything: list[float] = []
            for q in QUERIES:
                count = run(kind, q, staff)  # warm-up
                timings = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    run(kind, q, staff)
                    timings.append((time.perf_counter() - started) * 1000)
                everything += timings
                median, p95 = statistics.median(timings), loader.percentile(timings, 0.95)
                label = loader._pad(q, 12)
                print(f"{' ' * (len(kind) + len(path) + 3)}{label} {count:>8,} {median:>10.1f} {p95:>8.1f}")
            summary[path] = (statistics.median(everything), loader.percentile(everything, 0.95))
            print()
        search._indexed = indexed
        for path, (median, p95) in summary.items():
            print(f"{kind}, {path}: median {median:.1f} ms, p95 {p95:.1f} ms over all queries")
        print()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = args.database_url
    if urlparse(url).scheme not in ("postgres", "postgresql"):
        sys.exit("The benchmark needs PostgreSQL: --database-url postgres://…")
    loader.ensure_database(url, recreate=False)
    loader.setup_django(url)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    if not args.skip_load:
        existing = loader.bench_count()
        if existing != args.count:
            connections.close_all()
            loader.ensure_database(url, recreate=True)
            call_command("migrate", verbosity=0)
            print(f"Loading {args.count:,} suggestions into {loader.database_name(url)}")
            loader.load(args.count, batch_size=args.batch_size, seed=args.seed)
        add_texts(args.seed, args.batch_size)
    print(f"Using {loader.database_name(url)} ({loader.bench_count():,} benchmark suggestions)")
    measure(args.repeat)


if __name__ == "__main__":
    main()
