"""Benchmark the commitments board and the annual review with 100,000 commitments.

Loads --count commitments (two per B reply, one reply per suggestion) into a dedicated
PostgreSQL database, then requests, as congress staff through Django's test client,
the board (GET /responses/commitments/, unfiltered and filtered) and the annual review
(GET /responses/commitments/review/?year=…, page and Excel), printing the median and
95th percentile time and the number of SQL queries of each.

    .venv/bin/python bench/bench_commitments.py --count 100000 --repeat 10
    .venv/bin/python bench/bench_commitments.py --skip-load

The database comes from --database-url, else postgres://postgres@127.0.0.1:5432/
tracker_commitment_bench; its name must contain "bench" (it is dropped and loaded again
when it holds another count).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_commitment_bench"
DEPARTMENTS = [
    "龙岗区发展和改革局",
    "龙岗区住房和建设局",
    "龙岗区交通运输局",
    "龙岗区水务局",
    "龙岗区教育局",
    "龙岗区卫生健康局",
    "龙岗区城市管理和综合执法局",
    "龙岗区民政局",
    "坪山区发展和改革局",
    "坪山区水务局",
    "坪山区教育局",
    "坪山区卫生健康局",
    "坪山区住房和建设局",
    "坪山区交通运输局",
    "深圳市交通运输局",
    "深圳市水务局",
    "深圳市教育局",
    "深圳市规划和自然资源局",
    "深圳市生态环境局",
    "深圳市发展和改革委员会",
]
PROMISES = [
    "加快坪西路（龙坪路-鹤鸣路）改造工程可研报告审批",
    "推进盐龙大道（坪地段）市政化改造前期工作",
    "结合全区公园建设工作部署，加快推进龙筋顶公园建设",
    "完成131个小区优质饮用水改造",
    "新建、改造绿道8公里，打造精品远足郊野径线路",
    "推动龙岗区养老护理院开工建设",
]


def prepare(url: str, count: int, skip_load: bool) -> None:
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use database {name!r}: its name must contain 'bench'")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if not skip_load:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not skip_load:
        started = time.perf_counter()
        load(count)
        print(f"loaded {count:,} commitments in {time.perf_counter() - started:.1f} s")


def load(count: int) -> None:
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from proposals.models import Assignment, Congress, Department, Deputy, Proposal, Session
    from responses.models import Commitment, Reply
    from tracker.models import Role, User

    congress = Congress.objects.create(name="深圳市人民代表大会（基准测试）")
    sessions = [
        Session.objects.create(congress=congress, name=f"第七届第{m}次会议", term=7, meeting=m, year=2020 + m)
        for m in range(1, 6)
    ]
    deputy = Deputy.objects.create(congress=congress, name="陈寿", delegation="基准测试")
    departments = [Department.objects.create(name=name) for name in DEPARTMENTS]
    staff = User.objects.create_user("bench-staff", password="bench")
    staff.groups.add(Group.objects.get_or_create(name=Role.CONGRESS_STAFF)[0])
    replies_needed = count // 2
    today = timezone.localdate()
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                congress=congress,
                session=sessions[i % 5],
                number=f"{2021 + i % 5}{i:06d}",
                title=f"关于{PROMISES[i % len(PROMISES)][:12]}的建议",
                lead_deputy=deputy,
                received_on=date(2021 + i % 5, 1, 20),
                status="closed",
            )
            for i in range(replies_needed)
        ],
        batch_size=5000,
    )
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                proposal=p,
                department=departments[i % len(departments)],
                role="lead",
                status="replied",
                assigned_on=p.received_on + timedelta(days=30),
                due_on=p.received_on + timedelta(days=120),
                due_basis={"kind": "text", "text": "3个月"},
                respond_by=p.received_on + timedelta(days=40),
            )
            for i, p in enumerate(proposals)
        ],
        batch_size=5000,
    )
    replies = Reply.objects.bulk_create(
        [
            Reply(
                assignment=a,
                status="sent",
                body="下一步，将加快推进。",
                grade="B",
                department_grade="B",
                publicity="public",
                contact_name="杨郁波",
                contact_phone="88180952",
                created_by=staff,
                sent_on=a.due_on - timedelta(days=10),
            )
            for a in assignments
        ],
        batch_size=5000,
    )
    commitments = []
    for i, reply in enumerate(replies):
        for k in range(2):
            due = reply.sent_on + timedelta(days=180 + 200 * k)
            state = (i + k) % 4
            fulfilled_on = None
            status = "open"
            if state == 0 and due < today:
                status, fulfilled_on = "fulfilled", due - timedelta(days=10)
            elif state == 1 and due < today:
                status, fulfilled_on = "fulfilled", due + timedelta(days=20)
            commitments.append(
                Commitment(
                    reply=reply,
                    description=PROMISES[(i + k) % len(PROMISES)],
                    due_on=due,
                    department=reply.assignment.department,
                    status=status,
                    fulfilled_on=fulfilled_on,
                )
            )
    Commitment.objects.bulk_create(commitments, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure(repeat: int) -> list[tuple[str, float, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tracker.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench-staff"))
    cases = [
        ("board", "/responses/commitments/"),
        ("board overdue", "/responses/commitments/?overdue=on"),
        ("board department", "/responses/commitments/?department=1"),
        ("board year 2023", "/responses/commitments/?year=2023"),
        ("review 2023", "/responses/commitments/review/?year=2023"),
        ("review 2023 Excel", "/responses/commitments/review/?year=2023&format=xlsx"),
    ]
    results = []
    for label, url in cases:
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        results.append((label, statistics.median(times), p95, len(queries)))
        print(
            f"  {label}: median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, {len(queries)} queries"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    os.environ["REMINDER_SEND_HOURS"] = ""
    prepare(args.database_url, args.count, args.skip_load)
    results = measure(args.repeat)
    print("\n| page | median ms | p95 ms | queries |\n|---|---:|---:|---:|")
    for label, median, p95, queries in results:
        print(f"| {label} | {median:.0f} | {p95:.0f} | {queries} |")


if __name__ == "__main__":
    main()
