"""Benchmark the suggestion list (GET /proposals/) on a large PostgreSQL database.

Loads --count suggestions (default 100,000) with about 1.3 assignments each into a
dedicated database, then requests the list page as congress staff through Django's
test client, without and with filters, and prints the median and 95th percentile
time per request and the number of SQL queries each request makes.

    .venv/bin/python bench/bench_proposal_list.py --count 100000 --repeat 20
    .venv/bin/python bench/bench_proposal_list.py --skip-load        # measure again

The database comes from --database-url, else BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/tracker_bench. It is created if missing and, when it
holds a different number of benchmark suggestions, dropped and created again; so its
name must contain "bench". See bench/README.md.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"
BENCH_SESSION_PREFIX = "基准测试"

# Real programmes, roads, parks and schools from the seed plans; titles are built from them.
TOPICS = [
    "坪西路改造",
    "盐龙大道（坪地段）市政化改造",
    "龙筋顶公园建设",
    "清林径环库碧道建设",
    "巴头岭公园立项",
    "坪山大道综合改造",
    "地铁19号线一期建设",
    "宝龙生物药创新发展先导区建设",
    "深圳工业软件园建设",
    "龙岗国际艺术中心建设",
    "坪山河干流碧道示范段建设",
    "燕子岭公园群建设",
    "马峦山郊野径贯通",
    "龙岗区养老护理院建设",
    "宝荷九年一贯制学校建设",
    "深圳实验坪山学校建设",
    "社康机构标准化改造",
    "“瓶改管”和老旧燃气管道改造",
    "“工业上楼”试点项目",
    "东部过境通道建设",
    "如意路南延通道建设",
    "丹平快速二期前期工作",
    "龙翔大道东延建设",
    "平湖跨境电商产业园建设",
    "大运深港国际科教城建设",
    "国际低碳城新能源产业园建设",
    "坪山枢纽站城一体规划建设",
    "比亚迪路绿化提升",
    "汤坑二路中段打通",
    "江岭长守戏剧谷建设",
    "坪山体育公园建设",
    "区人民医院迁址重建",
    "沙湖消防站建设",
    "海绵城市建设",
    "污水零直排小区创建",
    "整区屋顶分布式光伏开发",
    "龙岗河碧道贯通",
    "公交线路优化",
    "普惠托育机构建设",
    "垃圾分类管理信息化平台建设",
]
VERBS = ["加快推进", "进一步推动", "优化", "支持", "完善", "尽快启动"]

# (status, weight) by how old the session is: old sessions are finished, the latest is busy.
STATUS_WEIGHTS = {
    "old": [("closed", 96), ("replied", 2), ("handling", 1), ("rehandling", 1)],
    "last": [("closed", 70), ("replied", 14), ("handling", 11), ("rehandling", 3), ("assigned", 2)],
    "current": [
        ("registered", 5),
        ("assigned", 15),
        ("handling", 45),
        ("replied", 15),
        ("rehandling", 3),
        ("closed", 17),
    ],
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="suggestions to load (default 100000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per case (default 20)")
    parser.add_argument("--skip-load", action="store_true", help="measure the database as it is")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20240493)
    parser.add_argument(
        "--loader",
        choices=["python", "sql", "auto"],
        default="auto",
        help="python: Django objects; sql: generated in PostgreSQL (bench/sql_loader.py); "
        "auto (default): sql above 200,000 suggestions",
    )
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------


def _admin_connection(url: str) -> Any:
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


def database_name(url: str) -> str:
    return unquote(urlparse(url).path.lstrip("/"))


def ensure_database(url: str, *, recreate: bool) -> None:
    name = database_name(url)
    if "bench" not in name:
        sys.exit(
            f"Refusing to use database {name!r}: the benchmark drops its database; use a name with 'bench'."
        )
    from psycopg import sql

    with _admin_connection(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            print(f"Dropping database {name}")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            print(f"Creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    # Measure as production runs: no query log, no template debugging.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    # Tasks the transitions may enqueue run inline: no broker is needed here.
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def bench_count() -> int:
    from proposals.models import Proposal

    return Proposal.objects.filter(session__name__startswith=BENCH_SESSION_PREFIX).count()


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Reference(NamedTuple):
    congress: Any
    staff: Any
    today: date
    sessions: list[tuple[Any, int, str]]
    departments: list[Any]
    deputies: list[Any]
    categories: list[Any]


def reference_data() -> Reference:
    """The demo data, 12 yearly sessions and a recess session, 60 more units, 500 deputies."""
    from django.utils import timezone

    from proposals.demo import CATEGORIES, load_demo
    from proposals.models import Category, Congress, Department, Deputy, Session
    from tracker.models import User

    load_demo()
    today = timezone.localdate()
    congress = Congress.objects.get(name="深圳市人民代表大会")
    staff = User.objects.get(username="staff")
    years = list(range(today.year - 11, today.year + 1))
    sessions: list[tuple[Session, int, str]] = []
    for index, year in enumerate(years):
        age = "current" if year == today.year else "last" if year == today.year - 1 else "old"
        session, _ = Session.objects.get_or_create(
            congress=congress,
            name=f"{BENCH_SESSION_PREFIX}·{year}年会议",
            defaults={"term": 6 + index // 5, "meeting": index % 5 + 1, "year": year},
        )
        sessions.append((session, year, age))
    recess, _ = Session.objects.get_or_create(
        congress=congress,
        name=f"{BENCH_SESSION_PREFIX}·闭会期间",
        defaults={"term": 7, "meeting": None, "year": today.year},
    )
    sessions.append((recess, today.year, "current"))

    departments = list(Department.objects.all())
    departments += Department.objects.bulk_create(
        [
            Department(name=f"{BENCH_SESSION_PREFIX}承办单位{i:03d}", short_name=f"基准{i:03d}")
            for i in range(60)
        ]
    )
    deputies = list(Deputy.objects.filter(congress=congress))
    deputies += Deputy.objects.bulk_create(
        [Deputy(congress=congress, name=f"基准代表{i:03d}", delegation="基准测试代表团") for i in range(500)]
    )
    categories = list(Category.objects.filter(congress=congress, parent__isnull=False))
    assert categories, CATEGORIES
    return Reference(congress, staff, today, sessions, departments, deputies, categories)


def load(count: int, *, batch_size: int, seed: int, loader: str = "python") -> None:
    """Demo reference data plus `count` generated suggestions, inserted in batches."""
    from django.db import connection

    from proposals.models import Assignment, Department, Deputy, Proposal, Rule
    from responses.models import Reply

    started = time.perf_counter()
    ref = reference_data()
    if loader == "sql":
        from sql_loader import load_sql

        load_sql(count, seed=seed, reference=ref)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"Loaded in {time.perf_counter() - started:.1f} s")
        return
    rng = random.Random(seed)
    congress, staff, today = ref.congress, ref.staff, ref.today
    sessions, departments, deputies, categories = ref.sessions, ref.departments, ref.deputies, ref.categories
    # Busy units get far more suggestions than quiet ones (roughly Zipf).
    department_weights = [1 / (rank + 1) for rank in range(len(departments))]

    proposals: list[Proposal] = []
    plans: list[tuple[str, list[tuple[Department, str]], date]] = []
    co_signers: list[tuple[int, list[Deputy]]] = []
    sequence: dict[int, int] = {}
    for index in range(count):
        session, year, age = rng.choice(sessions)
        statuses, weights = zip(*STATUS_WEIGHTS[age], strict=True)
        status = rng.choices(statuses, weights)[0]
        sequence[session.pk] = sequence.get(session.pk, 0) + 1
        if session.meeting is None:
            received_on = today - timedelta(days=rng.randint(0, 300))
        else:
            received_on = date(year, 2, 1) + timedelta(days=rng.randint(0, 25))
        if status in ("closed",) or age == "old":
            assigned_on = received_on + timedelta(days=rng.randint(10, 40))
        else:
            # Open work: assigned within the last five months, whatever the session.
            assigned_on = max(received_on, today - timedelta(days=rng.randint(1, 150)))
        roll = rng.random()
        if status == "registered":
            units: list[tuple[Department, str]] = []
        elif roll < 0.05:
            units = [(d, "separate") for d in _distinct(rng, departments, department_weights, 2)]
        else:
            picked = _distinct(rng, departments, department_weights, 3)
            n_co = 0 if roll < 0.75 else 1 if roll < 0.97 else 2
            units = [(picked[0], "lead")] + [(d, "co") for d in picked[1 : 1 + n_co]]
        is_key = rng.random() < 0.005
        proposals.append(
            Proposal(
                congress=congress,
                session=session,
                number=f"{year}{sequence[session.pk]:04d}",
                title=f"关于{rng.choice(VERBS)}{rng.choice(TOPICS)}的建议",
                category=rng.choice(categories),
                lead_deputy=rng.choice(deputies),
                received_on=received_on,
                is_key=is_key,
                supervising_leader="分管领导（基准测试）" if is_key else "",
                status=status,
                created_by=staff,
            )
        )
        plans.append((status, units, assigned_on))
        co_signers.append((index, rng.sample(deputies, rng.choice([0, 0, 1, 1, 2, 3]))))

    # No transaction around the load: each batch commits on its own, so no hour-long
    # transaction holds back the cluster's xmin (indexes built meanwhile stay unusable).
    for batch in _batches(proposals, batch_size):
        Proposal.objects.bulk_create(batch)
    print(f"  {len(proposals):,} suggestions")
    through = Proposal.co_signers.through
    links = [
        through(proposal_id=proposals[index].pk, deputy_id=deputy.pk)
        for index, signers in co_signers
        for deputy in signers
        if deputy.pk != proposals[index].lead_deputy_id
    ]
    for batch in _batches(links, batch_size):
        through.objects.bulk_create(batch)
    print(f"  {len(links):,} co-signatures")

    assignments: list[Assignment] = []
    next_due: dict[int, date] = {}
    for proposal, (status, units, assigned_on) in zip(proposals, plans, strict=True):
        for department, role in units:
            obligation = Rule.CO_OPINION if role == "co" else Rule.REPLY
            due = congress.deadline(obligation, assigned_on)
            window = congress.deadline(Rule.CHANGE_WINDOW, assigned_on)
            a_status = _assignment_status(rng, status, role)
            a_round = 2 if status == "rehandling" and role != "co" else 1
            due_on = due.due_on if a_round == 1 else assigned_on + timedelta(days=rng.randint(100, 150))
            assignments.append(
                Assignment(
                    proposal=proposal,
                    department=department,
                    role=role,
                    status=a_status,
                    assigned_on=assigned_on,
                    due_on=due_on,
                    due_basis=due.basis("reply"),
                    respond_by=window.due_on,
                    round=a_round,
                    assigned_by=staff,
                )
            )
            if a_status in Assignment.OPEN_STATUSES and status != "closed":
                next_due[proposal.pk] = min(due_on, next_due.get(proposal.pk, due_on))
    for batch in _batches(assignments, batch_size):
        Assignment.objects.bulk_create(batch)
    print(f"  {len(assignments):,} assignments ({len(assignments) / max(count, 1):.2f} per suggestion)")

    with connection.cursor() as cursor:
        rows = list(next_due.items())
        for batch in _batches(rows, batch_size):
            cursor.executemany(
                "UPDATE proposals_proposal SET next_due_on = %s WHERE id = %s",
                [(due_on, pk) for pk, due_on in batch],
            )
    print(f"  {len(next_due):,} open deadlines")

    replies = []
    for assignment in assignments:
        if assignment.status != Assignment.Status.REPLIED:
            continue
        grade = rng.choices("ABC", [50, 38, 12])[0]
        sent_on = min(today, assignment.assigned_on + timedelta(days=rng.randint(30, 95)))
        replies.append(
            Reply(
                assignment=assignment,
                replying_department_id=assignment.department_id,
                round=assignment.round,
                status=Reply.Status.SENT,
                body="答复（基准测试数据）",
                grade=grade,
                department_grade=grade,
                grade_reason="需待条件成熟后解决（基准测试数据）" if grade == "C" else "",
                publicity=Reply.Publicity.PUBLIC,
                contact_name="经办人（基准测试）",
                contact_phone="0755-00000000",
                created_by=staff,
                approved_by=staff,
                sent_on=sent_on,
                feedback_due_on=sent_on + timedelta(days=28),
            )
        )
    for batch in _batches(replies, batch_size):
        Reply.objects.bulk_create(batch)
    print(f"  {len(replies):,} sent replies")
    # Proposal.grade, which Reply.approve keeps and bulk_create bypasses (as in
    # proposals 0015's data migration).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE proposals_proposal p SET grade = latest.grade FROM ("
            " SELECT DISTINCT ON (a.proposal_id) a.proposal_id, r.grade"
            " FROM responses_reply r JOIN proposals_assignment a ON a.id = r.assignment_id"
            " WHERE r.status = 'sent' ORDER BY a.proposal_id, r.sent_on DESC, r.id DESC"
            ") latest WHERE p.id = latest.proposal_id"
        )
    with connection.cursor() as cursor:
        # Some servers run with autovacuum off: without VACUUM the visibility map is empty
        # and index-only scans read the heap.
        cursor.execute("VACUUM ANALYZE")
    print(f"Loaded in {time.perf_counter() - started:.1f} s")


def _distinct(rng: random.Random, items: list[Any], weights: list[float], k: int) -> list[Any]:
    chosen: list[Any] = []
    while len(chosen) < k:
        item = rng.choices(items, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def _assignment_status(rng: random.Random, status: str, role: str) -> str:
    if status in ("closed", "replied"):
        return "opinion_sent" if role == "co" else "replied"
    if status == "assigned":
        return "pending"
    if status == "rehandling":
        return "opinion_sent" if role == "co" else "drafting"
    # handling
    if role == "co":
        return rng.choice(["pending", "accepted", "opinion_sent", "opinion_sent"])
    return rng.choice(["accepted", "accepted", "drafting", "awaiting_approval"])


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def cases() -> list[tuple[str, dict[str, Any]]]:
    from django.db.models import Count

    from proposals.models import Category, Department, Proposal, Session

    session = (
        Session.objects.filter(name__startswith=BENCH_SESSION_PREFIX, meeting__isnull=False)
        .order_by("-year")
        .first()
    )
    busiest = Department.objects.annotate(n=Count("assignments")).order_by("-n").first()
    category = Category.objects.filter(parent__isnull=True, name="城建环资").first()
    deputy_id = (
        Proposal.objects.values("lead_deputy").annotate(n=Count("pk")).order_by("-n").first() or {}
    ).get("lead_deputy")
    result: list[tuple[str, dict[str, Any]]] = [
        ("default (by urgency)", {}),
        ("status=handling", {"status": "handling"}),
        ("department=busiest", {"department": busiest.pk if busiest else ""}),
        ("department+role=lead", {"department": busiest.pk if busiest else "", "role": "lead"}),
        ("overdue=true", {"overdue": "true"}),
        ("due_within=14", {"due_within": 14}),
        ("q=坪西路", {"q": "坪西路"}),
        ("q=number prefix", {"q": "20250"}),
        ("session=latest", {"session": session.pk if session else ""}),
        ("grade=B", {"grade": "B"}),
        ("deputy=busiest", {"deputy": deputy_id or ""}),
        ("category=城建环资", {"category": category.pk if category else ""}),
        ("is_key=true", {"is_key": "true"}),
        (
            "session+status+dept",
            {
                "session": session.pk if session else "",
                "status": "handling",
                "department": busiest.pk if busiest else "",
            },
        ),
        ("page=200", {"page": 200}),
        ("page 200 by cursor", {"cursor": _cursor_of_page(200)}),
        ("sort=-received_on", {"sort": "-received_on"}),
    ]
    return result


def _cursor_of_page(number: int, per_page: int = 25) -> str:
    """The Next link's cursor that leads to page ``number`` of the default list (tracker/keyset.py)."""
    from proposals.filters import URGENCY
    from proposals.models import Proposal
    from tracker.keyset import Cursor, ordering

    last = (number - 1) * per_page - 1
    row = Proposal.objects.order_by(*ordering(URGENCY))[last : last + 1].first()
    return Cursor(URGENCY).make("after", number, row) if row is not None else ""


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal column: CJK characters take two cells."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - cells)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(repeat: int) -> None:
    from django.conf import settings
    from django.test.utils import override_settings

    # Plain static storage: production's manifest storage would need collectstatic first.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        _measure(repeat)


def _measure(repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from proposals.filters import ProposalFilter
    from proposals.models import Proposal
    from tracker.models import User

    client = Client()
    staff = User.objects.get(username="staff")
    client.force_login(staff)
    # Staff must pass a second step: the session says it was passed with a device of theirs.
    device, _ = StaticDevice.objects.get_or_create(user=staff, name="benchmark", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    total = Proposal.objects.count()
    print(f"\nGET /proposals/ as congress staff; {total:,} suggestions; {repeat} timed requests per case\n")
    header = f"{'case':<24} {'matches':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for label, params in cases():
        url = "/proposals/?" + urlencode(params) if params else "/proposals/"
        response = client.get(url)  # warm-up (and a check that the page works)
        if response.status_code != 200:
            print(f"{_pad(label, 24)} HTTP {response.status_code}")
            continue
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # Read now: the next request's request_started signal clears the query log.
        query_count = len(queries)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        filter_params = {k: str(v) for k, v in params.items() if k not in ("page",)}
        matches = ProposalFilter(filter_params, queryset=Proposal.objects.all()).qs.count()
        median, p95, worst = statistics.median(timings), percentile(timings, 0.95), max(timings)
        print(f"{_pad(label, 24)} {matches:>8,} {median:>10.1f} {p95:>8.1f} {worst:>8.1f} {query_count:>8}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = args.database_url
    if urlparse(url).scheme not in ("postgres", "postgresql"):
        sys.exit("The benchmark needs PostgreSQL: --database-url postgres://…")
    if args.skip_load:
        ensure_database(url, recreate=False)
        setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"Using {database_name(url)} as it is ({bench_count():,} benchmark suggestions)")
    else:
        ensure_database(url, recreate=False)
        setup_django(url)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        existing = bench_count()
        if existing == args.count:
            print(f"{database_name(url)} already holds {existing:,} benchmark suggestions: reusing them")
        else:
            connections.close_all()
            ensure_database(url, recreate=True)
            call_command("migrate", verbosity=0)
            print(f"Loading {args.count:,} suggestions into {database_name(url)}")
            loader = args.loader if args.loader != "auto" else "sql" if args.count > 200_000 else "python"
            load(args.count, batch_size=args.batch_size, seed=args.seed, loader=loader)
    measure(args.repeat)


if __name__ == "__main__":
    main()
