"""Benchmark importing a 10,000-row suggestion list (交办清单) from .xlsx.

Generates a list as offices receive it (a title row, Chinese headers, one row per
suggestion): titles built from the clauses of the seed development plans (Longgang 2022,
Pingshan 2024), the demo's real departments and categories as lead and co-handling units
(one row in twenty to separate units), demo deputies plus a few hundred not yet known
(created by the import), one row in two hundred a key suggestion. Then times, as the
upload page does it:

- upload: read the workbook once (streamed, within the row and column caps), keep the
  file and its rows (SpreadsheetImport.stage; what the upload page does);
- preview: check every row kept at upload against the data (SpreadsheetImport.read; what
  each view of the preview page does; nothing written);
- confirm: check again and log + assign every row in one transaction (SpreadsheetImport.apply,
  the real transitions: events, deadlines, obligations);
- re-preview: the same file again (every row "already exists").

and reports seconds, rows per second, SQL queries per row and peak memory.

    .venv/bin/python bench/bench_xlsx_import.py                  # SQLite, a temporary file
    .venv/bin/python bench/bench_xlsx_import.py --database-url postgres://postgres@127.0.0.1:5432/tracker_xlsx_bench

A PostgreSQL database (also taken from DATABASE_URL when it is a postgres:// URL) must have
"bench" in its name: it is dropped and created again, and dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
PLANS = ["longgang-2022-plan.txt", "pingshan-2024-plan.txt", "longgang-industry-news-2022.txt"]
SESSION_NAME = "基准测试·交办清单会议"
HEADER = ["序号", "建议编号", "标题", "领衔代表", "附议代表", "主办单位", "会办单位", "分办单位", "类别"]
HEADER += ["是否重点", "督办领导", "建议内容"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
GIVEN = "建国志强秀英丽华伟明海燕小红晓东文静国庆春梅振华玉兰家豪思远佳怡子涵雨婷浩然"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--new-deputies", type=int, default=300, help="deputies the list names that are new")
    parser.add_argument(
        "--database-url", default=None, help="postgres://…/<name with 'bench'>; default SQLite"
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--seed", type=int, default=20240493)
    parser.add_argument(
        "--preview-only", action="store_true", help="stop after the preview (skip the long confirmation)"
    )
    return parser.parse_args()


# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------


def _admin(url: str) -> Any:
    import psycopg

    parsed = urlparse(url)
    return psycopg.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=unquote(parsed.username or "postgres"),
        password=unquote(parsed.password or "") or None,
        dbname="postgres",
        autocommit=True,
    )


def _pg_name(url: str) -> str:
    name = unquote(urlparse(url).path.lstrip("/"))
    if "bench" not in name or name in ("tracker", "test_tracker"):
        sys.exit(f"Refusing to use database {name!r}: it is dropped; use a name containing 'bench'.")
    return name


def create_pg(url: str) -> None:
    from psycopg import sql

    name = _pg_name(url)
    with _admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_pg(url: str) -> None:
    from psycopg import sql

    name = _pg_name(url)
    with _admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def setup_django(url: str, media: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["MEDIA_ROOT"] = media
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------


def plan_clauses() -> list[str]:
    """Clauses of the seed plans that name a piece of work (推进…建设, 加快…改造 …)."""
    clauses: set[str] = set()
    for name in PLANS:
        path = SEEDS / name
        if not path.exists():
            continue
        for clause in re.split(r"[，。；：、,;:\n（）()“”]", path.read_text(encoding="utf-8")):
            clause = clause.strip()
            names_work = re.search(r"建设|改造|提升|推进|完善|打造|优化|加快", clause)
            if 6 <= len(clause) <= 24 and names_work and not re.search(r"\d{3,}|%|万|亿", clause):
                clauses.add(clause)
    return sorted(clauses) or ["推进坪西路改造", "加快龙筋顶公园建设", "完善社区养老服务"]


def build_workbook(rows: int, *, new_deputies: int, rng: random.Random) -> tuple[bytes, int]:
    """The .xlsx bytes of a list of ``rows`` suggestions, and how many distinct clauses titled them."""
    import openpyxl

    from proposals.demo import CATEGORIES, DEPARTMENTS, PLACEHOLDER_DEPUTIES

    clauses = plan_clauses()
    units = [name if i % 2 else short for i, (name, short, _p) in enumerate(DEPARTMENTS)]
    categories = [f"{parent}/{child}" for parent, children in CATEGORIES.items() for child in children]
    known = ["陈寿"] + [name for name, _d, _u in PLACEHOLDER_DEPUTIES]
    fresh: set[str] = set()
    while len(fresh) < new_deputies:
        fresh.add(rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)))
    deputies = known + sorted(fresh - set(known))

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("交办清单")
    sheet.append(["深圳市七届人大基准测试会议代表建议交办清单"])
    sheet.append(HEADER)
    for index in range(1, rows + 1):
        chosen = rng.sample(units, 3)
        separate = rng.random() < 0.05
        n_co = rng.choice([0, 0, 0, 1, 1, 2])
        signers = rng.sample(deputies, rng.choice([0, 1, 2, 3]) + 1)
        key = rng.random() < 0.005
        clause = rng.choice(clauses)
        sheet.append(
            [
                index,
                f"2025{index:05d}",
                f"关于{clause}的建议",
                signers[0],
                "、".join(signers[1:]),
                "" if separate else chosen[0],
                "" if separate else "、".join(chosen[1 : 1 + n_co]),
                "、".join(chosen[:2]) if separate else "",
                rng.choice(categories),
                "是" if key else "否",
                "分管副市长（基准测试）" if key else "",
                f"建议{clause}，明确责任单位和完成时限。",
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(clauses)


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    from django.db import connection

    count = [0]

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    from proposals.demo import CONGRESS, load_demo
    from proposals.models import (
        Assignment,
        Congress,
        Deputy,
        Proposal,
        ProposalEvent,
        Session,
        SpreadsheetImport,
    )
    from tracker.models import User

    started = time.perf_counter()
    load_demo()
    print(f"demo data loaded in {time.perf_counter() - started:.1f} s ({connection.vendor})")
    congress = Congress.objects.get(name=CONGRESS)
    # Shenzhen's numbers hold 4 digits of sequence (9,999 a year); the bench list is
    # longer, so this congress takes a 5-digit sequence here.
    congress.number_pattern = r"^\d{4}\d{4,5}$"
    congress.save(update_fields=["number_pattern"])
    session = Session.objects.create(congress=congress, name=SESSION_NAME, term=7, meeting=9, year=2025)
    staff = User.objects.get(username="staff")

    started = time.perf_counter()
    data, n_clauses = build_workbook(args.rows, new_deputies=args.new_deputies, rng=rng)
    print(
        f"list generated: {args.rows:,} rows, {len(data) / 1024:.0f} KiB, "
        f"{n_clauses} distinct title clauses from the seed plans ({time.perf_counter() - started:.1f} s)"
    )
    started = time.perf_counter()
    upload = SpreadsheetImport.stage(
        data,
        name="基准测试交办清单.xlsx",
        session=session,
        received_on=date(2025, 1, 20),
        assigned_on=date(2025, 2, 10),
        by=staff,
    )
    stage_s = time.perf_counter() - started
    SpreadsheetImport.objects.filter(pk=upload.pk).delete()
    tracemalloc.start()
    upload = SpreadsheetImport.stage(
        data,
        name="基准测试交办清单.xlsx",
        session=session,
        received_on=date(2025, 1, 20),
        assigned_on=date(2025, 2, 10),
        by=staff,
    )
    _current, stage_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"upload   : {stage_s:6.2f} s  {args.rows / stage_s:8.0f} rows/s  read once and kept  "
        f"peak traced memory {stage_peak / 2**20:.0f} MiB"
    )

    started = time.perf_counter()
    with counting_queries() as queries:
        # As the page does: load the import (its rows, as JSON) and check them.
        upload = SpreadsheetImport.objects.get(pk=upload.pk)
        preview = upload.read()
    preview_s = time.perf_counter() - started
    assert preview.ok, [str(e) for e in preview.all_errors()[:5]]
    del preview
    # Again, for the memory it takes: tracing slows Python down, so not timed.
    tracemalloc.start()
    preview = upload.read()
    _current, preview_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"preview  : {preview_s:6.2f} s  {args.rows / preview_s:8.0f} rows/s  {queries[0]} queries  "
        f"peak traced memory {preview_peak / 2**20:.0f} MiB  "
        f"({len(preview.new_deputies)} new deputies)"
    )

    if args.preview_only:
        print(f"peak RSS of the process: {peak_rss_mb():.0f} MiB")
        return
    before = {m.__name__: m.objects.count() for m in (Proposal, Deputy, Assignment, ProposalEvent)}
    started = time.perf_counter()
    with counting_queries() as queries:
        created = upload.apply(by=staff)
    apply_s = time.perf_counter() - started
    after = {m.__name__: m.objects.count() for m in (Proposal, Deputy, Assignment, ProposalEvent)}
    delta = ", ".join(f"{after[k] - before[k]:,} {k}" for k in before)
    print(
        f"confirm  : {apply_s:6.2f} s  {created / apply_s:8.0f} rows/s  {queries[0]:,} queries "
        f"({queries[0] / created:.1f} per row)  created {delta}"
    )

    again = SpreadsheetImport.stage(
        data,
        name="基准测试交办清单.xlsx",
        session=session,
        received_on=date(2025, 1, 20),
        assigned_on=date(2025, 2, 10),
        by=staff,
    )
    started = time.perf_counter()
    again = SpreadsheetImport.objects.get(pk=again.pk)
    repeat = again.read()
    again_s = time.perf_counter() - started
    print(
        f"re-upload: {again_s:6.2f} s  {args.rows / again_s:8.0f} rows/s  "
        f"{len(repeat.error_rows):,} rows refused as already existing"
    )
    print(f"peak RSS of the process: {peak_rss_mb():.0f} MiB")


def main() -> None:
    args = parse_args()
    url = args.database_url
    if url is None and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        url = os.environ["DATABASE_URL"]
    with tempfile.TemporaryDirectory(prefix="xlsx-bench-") as tmp:
        if url:
            create_pg(url)
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        setup_django(url, f"{tmp}/media")
        try:
            run(args)
        finally:
            if url.startswith("postgres"):
                from django.db import connections

                connections.close_all()
                if not args.keep:
                    drop_pg(url)


if __name__ == "__main__":
    main()
