"""Benchmark the Excel exports: the suggestion list (GET /proposals/?format=xlsx) with
--count suggestions (default 10,000), and the commitments board with its statistics.

Loads the suggestions (lead and co-handling units, two co-signers each, one in five with
a sent B reply and its promise) into a dedicated database, then downloads each export as
congress staff through Django's test client and prints the median and slowest time, the
SQL queries per download, the file size and the peak Python memory of one download.

    .venv/bin/python bench/bench_exports.py                       # 10,000 suggestions, 5 downloads each
    .venv/bin/python bench/bench_exports.py --count 1000 --repeat 3
    .venv/bin/python bench/bench_exports.py --database-url sqlite:////tmp/export_bench.sqlite3

The database comes from --database-url, else BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/tracker_export_bench; its name must contain "bench"
(it is dropped and loaded again on every run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_export_bench"


def prepare(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in Path(name).name:
        sys.exit(f"refusing to use database {name!r}: its name must contain 'bench'")
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if parsed.scheme == "sqlite":
        Path(parsed.path[1:] if parsed.path.startswith("//") else parsed.path).unlink(missing_ok=True)
    else:
        host = ["-h", parsed.hostname or "127.0.0.1", "-U", parsed.username or "postgres"]
        subprocess.run(["dropdb", *host, "--if-exists", name], check=True)
        subprocess.run(["createdb", *host, name], check=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(count: int) -> object:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from proposals.models import Assignment, Congress, Department, Deputy, Proposal, Session
    from responses.models import Commitment, Reply
    from tracker.models import Role, User

    staff = User.objects.create_user("bench-staff")
    staff.groups.add(Group.objects.get_or_create(name=Role.CONGRESS_STAFF)[0])
    congress = Congress.objects.create(name="深圳市人民代表大会", short_name="市人大")
    session = Session.objects.create(
        congress=congress, name="深圳市第七届人民代表大会第五次会议", term=7, meeting=5, year=2024
    )
    departments = Department.objects.bulk_create(Department(name=f"龙岗区第{i}局") for i in range(1, 41))
    deputies = Deputy.objects.bulk_create(Deputy(congress=congress, name=f"代表{i}") for i in range(1, 301))
    today = timezone.localdate()
    proposals = Proposal.objects.bulk_create(
        Proposal(
            congress=congress,
            session=session,
            number=f"2024{i:04d}",
            title="关于发展新质生产力，打造高层级高标准深圳东部万亿级绿色低碳产业集群承载区的建议",
            lead_deputy=deputies[i % len(deputies)],
            received_on=date(2024, 2, 1),
            status=Proposal.Status.HANDLING,
            next_due_on=today + timedelta(days=i % 90 - 30),
        )
        for i in range(1, count + 1)
    )
    through = Proposal.co_signers.through
    through.objects.bulk_create(
        through(proposal_id=p.pk, deputy_id=deputies[(i + k) % len(deputies)].pk)
        for i, p in enumerate(proposals)
        for k in (7, 13)
    )

    def assignment(p: Proposal, i: int, role: str, department: Department) -> Assignment:
        return Assignment(
            proposal=p,
            department=department,
            role=role,
            status=Assignment.Status.ACCEPTED,
            assigned_on=date(2024, 8, 19),
            due_on=today + timedelta(days=i % 90 - 30),
            due_basis={"kind": "text", "text": "3 months"},
            respond_by=date(2024, 8, 26),
            assigned_by=staff,
        )

    leads = Assignment.objects.bulk_create(
        assignment(p, i, Assignment.Role.LEAD, departments[i % 40]) for i, p in enumerate(proposals)
    )
    Assignment.objects.bulk_create(
        assignment(p, i, Assignment.Role.CO, departments[(i + 1) % 40]) for i, p in enumerate(proposals)
    )
    replies = Reply.objects.bulk_create(
        Reply(
            assignment=a,
            status=Reply.Status.SENT,
            body="…",
            grade="B",
            publicity=Reply.Publicity.PUBLIC,
            contact_name="杨郁波",
            contact_phone="88180952",
            created_by=staff,
            sent_on=date(2024, 11, 18),
        )
        for a in leads[::5]
    )
    Commitment.objects.bulk_create(
        Commitment(
            reply=r,
            description="下一步，将加快坪西路改造工程项目的可研报告审批工作。",
            due_on=today + timedelta(days=i % 400 - 200),
            department=r.assignment.department,
        )
        for i, r in enumerate(replies)
    )
    return staff


def measure(client: Any, path: str, repeat: int) -> tuple[list[float], int, int, int]:
    from django.db import connection

    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    size = len(response.content)
    tracemalloc.start()
    client.get(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return times, queries, size, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    prepare(args.database_url)
    start = time.perf_counter()
    staff = load(args.count)
    print(f"loaded {args.count:,} suggestions in {time.perf_counter() - start:.1f} s")

    from django.test import Client

    client = Client()
    client.force_login(staff)
    cases = [
        ("suggestions, all", "/proposals/?format=xlsx"),
        ("suggestions, overdue=true", "/proposals/?format=xlsx&overdue=true"),
        ("commitments board + stats", "/responses/commitments/?format=xlsx"),
    ]
    print(f"{'case':28} {'median ms':>10} {'max ms':>8} {'queries':>8} {'size KB':>8} {'peak MB':>8}")
    for label, path in cases:
        times, queries, size, peak = measure(client, path, args.repeat)
        print(
            f"{label:28} {statistics.median(times):10.0f} {max(times):8.0f} {queries:8d}"
            f" {size / 1024:8.0f} {peak / 2**20:8.1f}"
        )


if __name__ == "__main__":
    main()
