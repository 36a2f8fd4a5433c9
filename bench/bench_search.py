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
CAP = 1000  # SEARCH_COUNT_CAP's default: counts stop there ("1,000+")

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
    parser.add_argument("--user", default="staff", help="search as this user (default staff)")
    parser.add_argument(
        "--paths", default="index,no index", help="'index', 'no index' (the SQLite path, forced) or both"
    )
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


def run(kind: str, q: str, user: Any) -> int:
    """What the search page does for one tab: count the matches (up to the cap), read the
    first page (proposals.search_views)."""
    from django.conf import settings

    from proposals.models import Proposal
    from proposals.search import ranked_proposals, ranked_replies, replies_visible_to
    from responses.models import Reply

    cap = settings.SEARCH_COUNT_CAP
    if kind == "suggestions":
        rows = Proposal.objects.select_related("session", "lead_deputy")
        found = ranked_proposals(Proposal.objects.visible_to(user), q, cap=cap, rows=rows)
    else:
        rows = Reply.objects.select_related("assignment__department", "assignment__proposal")
        found = ranked_replies(replies_visible_to(user), q, cap=cap, rows=rows)
    count = found.exact_count
    list(found[0:PAGE])
    return count


def bare_sql(kind: str, q: str, user: Any, repeat: int) -> float:
    """The median time of the statements one run sends, sent again bare through the
    database cursor (no Django): the floor the page's time is compared to."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run(kind, q, user)
    statements = [query["sql"] for query in captured.captured_queries]
    timings = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:  # not SET, BEGIN, COMMIT
                    cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure(repeat: int, username: str, paths: list[str]) -> None:
    import proposals.search as search
    from proposals.models import Proposal
    from responses.models import Reply
    from tracker.models import User

    user = User.objects.get(username=username)
    indexed = search._indexed
    print(
        f"\nSearch as {username}: {Proposal.objects.count():,} suggestions, "
        f"{Reply.objects.count():,} replies; {len(QUERIES)} queries, {repeat} timed runs each; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )
    for kind in ("suggestions", "replies"):
        summary = {}
        for path, forced in (("index", indexed), ("no index", lambda queryset: False)):
            if path not in paths:
                continue
            search._indexed = forced
            header = (
                f"{kind}, {path}: {'query':<12} {'matches':>8} {'median ms':>10} {'p95 ms':>8} "
                f"{'SQL ms':>8} {'ratio':>6}"
            )
            print(header)
            print("-" * len(header))
            everything: list[float] = []
            for q in QUERIES:
                count = run(kind, q, user)  # warm-up
                timings = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    run(kind, q, user)
                    timings.append((time.perf_counter() - started) * 1000)
                everything += timings
                median, p95 = statistics.median(timings), loader.percentile(timings, 0.95)
                sql = bare_sql(kind, q, user, repeat)
                label = loader._pad(q, 12)
                shown = f"{count:>8,}" if count <= CAP else f"{CAP:>7,}+"
                print(
                    f"{' ' * (len(kind) + len(path) + 3)}{label} {shown} {median:>10.1f} {p95:>8.1f} "
                    f"{sql:>8.1f} {median / sql if sql else 0:>6.1f}"
                )
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
    measure(args.repeat, args.user, args.paths.split(","))


if __name__ == "__main__":
    main()
