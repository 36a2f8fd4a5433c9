"""Benchmark the reminder scan (run_scan) with the same due work among more and more stored rows.

For each size (default 100,000 and 1,000,000 obligations in the table) loads a dedicated
database in which exactly --due obligations (default 10,000) have a reminder stage due
today, then runs the scan --repeat times, restoring the due rows in between, and prints
the median and 95th percentile time per scan, reminders recorded and obligations handled
per second, the SQL queries one scan makes, and EXPLAIN (ANALYZE, BUFFERS) of the scan's
first batch. The scan reads through the partial index on open obligations, so its time
should follow what is due, not what is stored: the median of the largest size must stay
within 2x of the smallest.

    .venv/bin/python bench/bench_reminder_scan.py                      # 100,000 and 1,000,000
    .venv/bin/python bench/bench_reminder_scan.py --skip-load          # measure again, same data
    .venv/bin/python bench/bench_reminder_scan.py --sizes 30000 --due 2000 --repeat 3   # quick

Each size has its own database: the name from --database-url (else BENCH_DATABASE_URL,
else postgres://postgres@127.0.0.1:5432/tracker_reminder_bench) plus "_<size>". A
database that holds another load is dropped and created again, so the name must contain
"bench". Deliveries go to Celery's in-memory broker (CELERY_BROKER_URL=memory://, forced):
queuing is measured, nothing is sent; REMINDER_SEND_HOURS is empty, so that email and SMS
are queued at once whatever the hour. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from bench_proposal_list import TOPICS, VERBS, database_name, ensure_database, percentile

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_reminder_bench"
PREFIX = "提醒基准"

# The stages due today, with the one sent before each, for the congress's default
# stages -14,-3,0,1 repeated every 7 days while overdue (8 is the first repeat).
STAGES = (-14, -3, 0, 1, 8)
PREVIOUS = {-14: None, -3: -14, 0: -3, 1: 0, 8: 1}
# Share of suggestions that went through a second round (a closed re-handling obligation).
REHANDLED = 0.05
# Share of the suggestions not due today whose deadline is still open (a later stage).
OPEN_PER_MILLE = 150
DELEGATIONS = ["龙岗代表团", "坪山代表团", "福田代表团", "罗湖代表团", "南山代表团", "宝安代表团"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(part) for part in text.replace("_", "").split(",") if part],
        default=[100_000, 1_000_000],
        help="stored obligations per database, comma-separated (default 100000,1000000)",
    )
    parser.add_argument("--due", type=int, default=10_000, help="obligations due today (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed scans per size (default 5)")
    parser.add_argument("--batch", type=int, default=200, help="scan batch (REMINDER_SCAN_BATCH, 200)")
    parser.add_argument("--skip-load", action="store_true", help="measure the databases as they are")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--quiet", action="store_true", help="no query breakdown and query plans")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------


def url_for_size(url: str, size: int) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{database_name(url)}_{size}"))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    # Queue deliveries in this process's memory: measured, never sent, never run inline.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    # Email and SMS may go out at once, as in working hours on a working day: the scan
    # then queues every channel's delivery whatever the time the benchmark runs.
    os.environ["REMINDER_SEND_HOURS"] = ""
    sys.path.insert(0, str(ROOT))
    # Celery's Django fixup puts the working directory first on sys.path: make that this
    # checkout too, so that no other copy of the project is measured by mistake.
    os.chdir(ROOT)
    import django

    django.setup()
    # One line per scan from responses.models: the benchmark prints its own.
    logging.getLogger("responses").setLevel(logging.WARNING)


def use_database(url: str) -> None:
    """Point Django's default connection at another database."""
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    settings.DATABASES["default"]["NAME"] = database_name(url)
    connections["default"].settings_dict["NAME"] = database_name(url)


@dataclass
class Meta:
    size: int
    due: int
    today: date
    load_seconds: float


def read_meta() -> Meta | None:
    from django.db import connection

    if "bench_reminder_meta" not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT size, due, today, load_seconds FROM bench_reminder_meta")
        row = cursor.fetchone()
    return Meta(*row) if row else None


def prepare(url: str, size: int, due: int, *, skip_load: bool) -> Meta:
    """The database for one size, loaded (again) unless it already holds that load."""
    from django.core.management import call_command

    ensure_database(url, recreate=False)
    use_database(url)
    call_command("migrate", verbosity=0)
    if skip_load:
        meta = read_meta()
        if meta is None:
            sys.exit(f"{database_name(url)} holds no reminder benchmark: run without --skip-load first.")
        print(f"Using {database_name(url)} as it is ({meta.size:,} obligations, {meta.due:,} due)")
        return meta
    meta = read_meta()
    if meta is not None and (meta.size, meta.due) == (size, due):
        print(f"{database_name(url)} already holds {size:,} obligations with {due:,} due: reusing them")
        return meta
    from proposals.models import Proposal

    if meta is not None or Proposal.objects.exists():
        use_database(url)  # closes the connection, so that the database can be dropped
        ensure_database(url, recreate=True)
        use_database(url)
        call_command("migrate", verbosity=0)
    print(f"Loading {size:,} obligations ({due:,} due) into {database_name(url)}")
    return load(size, due)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


@dataclass
class Plan:
    """Row counts: every suggestion has a lead unit, every fourth a co-handling unit too;
    each unit has a change-window and a reply (or co-opinion) obligation, and re-handled
    leads a re-handling one, so that the obligation table holds exactly ``size`` rows."""

    size: int
    due: int
    proposals: int = 0
    co: int = 0
    assignments: int = 0
    rehandled: int = 0
    stride: int = 0

    def __post_init__(self) -> None:
        if self.size % 2:
            sys.exit(f"--sizes: {self.size} is odd; each unit has two obligations, give an even size.")
        self.proposals = round(self.size / (2.5 + REHANDLED))
        self.co = (self.proposals + 2) // 4  # suggestions 2, 6, 10, …
        self.assignments = self.proposals + self.co
        self.rehandled = self.size - 2 * self.assignments
        # Due suggestions are every stride-th one, spread over the whole table.
        self.stride = self.proposals // self.due if self.due else 0
        closed = (self.proposals - self.due) * (1000 - OPEN_PER_MILLE) // 1000
        if self.stride < 1 or not 0 <= self.rehandled <= closed * 9 // 10:
            sys.exit(f"--due {self.due:,} does not fit in {self.size:,} obligations: load more or due fewer.")


def load(size: int, due: int) -> Meta:
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from proposals.demo import CATEGORIES, CONGRESS, DEPARTMENTS
    from proposals.models import Category, Congress, Department, Deputy, Session
    from tracker.models import Role, User

    started = time.perf_counter()
    plan = Plan(size, due)
    today = timezone.localdate()
    with transaction.atomic():
        congress, _ = Congress.objects.get_or_create(name=CONGRESS, defaults={"short_name": "市人大"})
        sessions = {
            year: Session.objects.create(
                congress=congress, name=f"{PREFIX}·{year}年会议", term=7, meeting=year % 5 + 1, year=year
            ).pk
            for year in range(today.year - 4, today.year + 1)
        }
        categories = []
        for parent_name, children in CATEGORIES.items():
            parent = Category.objects.create(congress=congress, name=parent_name)
            categories += [
                Category.objects.create(congress=congress, parent=parent, name=c) for c in children
            ]
        departments = [Department(name=name, short_name=short) for name, short, _prefix in DEPARTMENTS]
        departments += [
            Department(name=f"{PREFIX}承办单位{i:03d}", short_name=f"提醒{i:03d}") for i in range(60)
        ]
        Department.objects.bulk_create(departments)
        prefixes = [prefix for _name, _short, prefix in DEPARTMENTS] + [
            f"bench-unit{i:03d}" for i in range(60)
        ]

        groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
        members: list[tuple[User, str]] = []

        def user(username: str, first_name: str, role: str | None, **extra: Any) -> User:
            extra.setdefault("email", f"{username}@bench.invalid")
            account = User(username=username, first_name=first_name, password="!", **extra)
            if role:
                members.append((account, role))
            return account

        # One clerk and one leader per unit (every fourth leader also takes SMS); every
        # tenth clerk is away, with the unit's leader as delegate.
        people: list[User] = []
        for index, (department, prefix) in enumerate(zip(departments, prefixes, strict=True)):
            sms = {"phone": "13800000000", "notify_by_sms": True} if index % 4 == 0 else {}
            name = department.short_name
            leader = user(f"{prefix}-leader", f"{name}领导", Role.DEPT_LEADER, department=department, **sms)
            clerk = user(f"{prefix}-clerk", f"{name}经办人", Role.DEPT_CLERK, department=department)
            people += [leader, clerk]
        staff = [user(f"bench-staff-{n}", f"选联工委干部{n}", Role.CONGRESS_STAFF) for n in (1, 2, 3)]
        admin = user("bench-admin", "系统管理员", None, email="", is_superuser=True, is_staff=True)
        supervisor = user("bench-supervisor", "分管副市长", None)
        User.objects.bulk_create([*people, *staff, admin, supervisor])
        for index in range(0, len(people), 2):
            leader, clerk = people[index], people[index + 1]
            if index // 2 % 10 == 5:
                clerk.away_until = today + timedelta(days=30)
                clerk.delegate = leader
        User.objects.bulk_update(people[1::2], ["away_until", "delegate"])
        through = User.groups.through
        through.objects.bulk_create([through(user_id=u.pk, group_id=groups[r].pk) for u, r in members])
        deputies = Deputy.objects.bulk_create(
            [
                Deputy(
                    congress=congress, name=f"基准代表{i:03d}", delegation=DELEGATIONS[i % len(DELEGATIONS)]
                )
                for i in range(500)
            ]
        )
        with connection.cursor() as cursor:
            _load_rows(
                cursor,
                plan,
                today=today,
                congress=congress.pk,
                sessions=sessions,
                categories=[c.pk for c in categories],
                departments=[d.pk for d in departments],
                deputies=[d.pk for d in deputies],
                staff=staff[0].pk,
                supervisor=supervisor.pk,
            )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_reminder_meta VALUES (%s, %s, %s, %s)", [plan.size, plan.due, today, seconds]
        )
        vacuum_started = time.perf_counter()
        # Freeze and set hint bits now, so that the first timed scan does not pay for it.
        cursor.execute("VACUUM (FREEZE, ANALYZE)")
    print(f"  VACUUM (FREEZE, ANALYZE) in {time.perf_counter() - vacuum_started:.1f} s")
    print(f"Loaded in {seconds:.1f} s")
    return Meta(plan.size, plan.due, today, seconds)


def _load_rows(cursor: Any, plan: Plan, *, today: date, **ids: Any) -> None:
    """The suggestions, units and obligations, generated in SQL (ids are set explicitly:
    suggestion i has lead unit i; co-handling units follow; obligations likewise)."""
    p, a = plan.proposals, plan.assignments
    params = {
        **ids,
        "p": p,
        "a": a,
        "k": plan.stride,
        "due": plan.due,
        "today": today,
        "year": today.year,
        "sessions": [ids["sessions"][year] for year in sorted(ids["sessions"])],  # oldest first
        "stages": list(STAGES),
        "previous": [PREVIOUS[s] for s in STAGES],
        "open": OPEN_PER_MILLE,
        "topics": TOPICS,
        "verbs": VERBS,
        "reply_basis": json.dumps({"kind": "text", "text": "自交办之日起3个月内办结（基准测试）"}),
        "co_basis": json.dumps({"kind": "text", "text": "自交办之日起3个月内提出会办意见（基准测试）"}),
    }
    # One row per suggestion: whether and how its lead unit's reply is due.
    cursor.execute(
        """
        CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
        WITH base AS (
            SELECT i,
                   mod(i, %(k)s) = 0 AND i <= %(k)s * %(due)s AS is_due,
                   mod(i::bigint * 2654435761, 1000)::int AS h,
                   mod(i::bigint * 40503, 997)::int AS h2
            FROM generate_series(1, %(p)s) AS i
        )
        SELECT i, h,
               CASE WHEN is_due THEN 'due' WHEN h < %(open)s THEN 'open' ELSE 'closed' END AS state,
               CASE WHEN is_due THEN (%(stages)s::int[])[1 + mod(i / %(k)s, 5)] END AS stage,
               CASE WHEN is_due THEN (%(previous)s::int[])[1 + mod(i / %(k)s, 5)] END AS previous,
               -- Busy units get far more suggestions than quiet ones.
               1 + floor(power(h2 / 997.0, 2) * cardinality(%(departments)s::bigint[]))::int AS unit,
               mod(i, 200) = 7 AS is_key
        FROM base
        """,
        params,
    )
    cursor.execute(
        """
        ALTER TABLE bench_plan ADD COLUMN due_on date, ADD COLUMN session int, ADD COLUMN co_unit int;
        UPDATE bench_plan SET
            due_on = CASE state
                WHEN 'due' THEN %(today)s::date - stage
                WHEN 'open' THEN %(today)s::date + 4 + mod(h, 117)
                ELSE make_date(%(year)s - 1 - mod(i, 4), 5, 1) + mod(h, 60)
            END,
            session = CASE WHEN state = 'closed' THEN 4 - mod(i, 4) ELSE 5 - (mod(i, 3) = 0)::int END,
            co_unit = 1 + mod(unit + mod(i, 7), cardinality(%(departments)s::bigint[]));
        ANALYZE bench_plan;
        """,
        params,
    )
    cursor.execute(
        """
        INSERT INTO proposals_proposal (
            id, number, title, body, received_on, is_key, supervising_leader, status, next_due_on,
            created_at, category_id, congress_id, created_by_id, lead_deputy_id, session_id, supervisor_id)
        SELECT i,
               (%(year)s - 5 + session)::text || lpad(i::text, 7, '0'),
               '关于' || (%(verbs)s::text[])[1 + mod(i, cardinality(%(verbs)s::text[]))]
                   || (%(topics)s::text[])[1 + mod(i * 7, cardinality(%(topics)s::text[]))] || '的建议',
               '', due_on - 100, is_key, CASE WHEN is_key THEN '分管领导（基准测试）' ELSE '' END,
               CASE WHEN state = 'closed' THEN 'closed' ELSE 'handling' END,
               CASE WHEN state <> 'closed' THEN due_on END,
               now(),
               (%(categories)s::bigint[])[1 + mod(i, cardinality(%(categories)s::bigint[]))],
               %(congress)s,
               %(staff)s,
               (%(deputies)s::bigint[])[1 + mod(i * 13, cardinality(%(deputies)s::bigint[]))],
               (%(sessions)s::bigint[])[session],
               CASE WHEN is_key THEN %(supervisor)s::bigint END
        FROM bench_plan
        """,
        params,
    )
    print(f"  {cursor.rowcount:,} suggestions")
    cursor.execute(
        """
        INSERT INTO proposals_assignment (
            id, role, status, assigned_on, due_on, due_basis, respond_by, respond_basis, round,
            change_reason, created_at, assigned_by_id, department_id, proposal_id)
        SELECT i, 'lead',
               CASE WHEN state = 'closed' THEN 'replied'
                    ELSE (ARRAY['accepted', 'drafting', 'awaiting_approval'])[1 + mod(h, 3)] END,
               due_on - 91, due_on, %(reply_basis)s::jsonb, due_on - 80, '{}'::jsonb, 1,
               '', now(), %(staff)s, (%(departments)s::bigint[])[unit], i
        FROM bench_plan
        UNION ALL
        SELECT %(p)s + (i + 2) / 4, 'co',
               CASE WHEN state = 'open' AND mod(h, 3) = 0 THEN 'accepted' ELSE 'opinion_sent' END,
               due_on - 91, due_on, %(co_basis)s::jsonb, due_on - 80, '{}'::jsonb, 1,
               '', now(), %(staff)s, (%(departments)s::bigint[])[co_unit], i
        FROM bench_plan WHERE mod(i, 4) = 2
        """,
        params,
    )
    print(f"  {cursor.rowcount:,} assignments ({plan.co:,} co-handling)")
    cursor.execute(
        """
        UPDATE proposals_assignment SET round = 2, due_on = due_on + 60 WHERE id IN (
            SELECT id FROM proposals_assignment WHERE role = 'lead' AND status = 'replied'
            ORDER BY mod(id * 7919, 1000003), id LIMIT %(rehandled)s)
        """,
        {**params, "rehandled": plan.rehandled},
    )
    # Change windows: all signed for long ago. Replies and co-opinions: open while the
    # unit is; the due ones point at today's stage, the others at a later day.
    cursor.execute(
        """
        INSERT INTO responses_obligation (
            id, kind, due_on, version, is_open, last_stage, next_stage, next_remind_on,
            opened_at, closed_at, assignment_id, department_id, proposal_id)
        SELECT a.id, 'change_window', a.respond_by, 1, false, NULL, NULL, NULL,
               a.assigned_on, a.assigned_on + 3, a.id, a.department_id, a.proposal_id
        FROM proposals_assignment a
        UNION ALL
        SELECT %(a)s + a.id, CASE a.role WHEN 'lead' THEN 'reply' ELSE 'co_opinion' END,
               CASE WHEN a.round = 2 THEN a.due_on - 60 ELSE a.due_on END,
               1, o.is_open, o.last_stage, o.next_stage, a.due_on + o.next_stage,
               a.assigned_on, CASE WHEN NOT o.is_open THEN a.due_on - 5 END,
               a.id, a.department_id, a.proposal_id
        FROM proposals_assignment a
        JOIN bench_plan p ON p.i = a.proposal_id
        CROSS JOIN LATERAL (
            SELECT true AS is_open, p.previous AS last_stage, p.stage AS next_stage
            WHERE p.state = 'due' AND a.role = 'lead'
            UNION ALL  -- open, next stage later: two weeks before, else three days before
            SELECT true, NULL, -14 WHERE p.state = 'open' AND a.status <> 'opinion_sent'
                                     AND a.due_on - %(today)s::date > 14
            UNION ALL
            SELECT true, -14, -3 WHERE p.state = 'open' AND a.status <> 'opinion_sent'
                                   AND a.due_on - %(today)s::date <= 14
            UNION ALL  -- settled: the last reminder was the due day's
            SELECT false, 0, NULL WHERE p.state = 'closed' OR a.status = 'opinion_sent'
        ) o
        UNION ALL
        SELECT 2 * %(a)s + row_number() OVER (ORDER BY a.id), 'rehandling', a.due_on, 1, false, 1, 8, NULL,
               a.due_on - 60, a.due_on - 3, a.id, a.department_id, a.proposal_id
        FROM proposals_assignment a WHERE a.round = 2
        """,
        params,
    )
    print(f"  {cursor.rowcount:,} obligations ({plan.rehandled:,} re-handling)")
    for table in ("proposals_proposal", "proposals_assignment", "responses_obligation"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    # What the due rows look like before a scan: restored between repetitions.
    cursor.execute(
        """
        CREATE TABLE bench_reminder_due AS
        SELECT id AS obligation_id, version, last_stage, next_stage, next_remind_on
        FROM responses_obligation WHERE is_open AND next_remind_on <= %(today)s;
        ALTER TABLE bench_reminder_due ADD PRIMARY KEY (obligation_id);
        CREATE TABLE bench_reminder_meta (size int, due int, today date, load_seconds float);
        """,
        params,
    )
    cursor.execute(
        "SELECT (SELECT count(*) FROM responses_obligation), (SELECT count(*) FROM bench_reminder_due)"
    )
    stored, due = cursor.fetchone()
    if (stored, due) != (plan.size, plan.due):
        raise RuntimeError(f"loaded {stored} obligations, {due} due; planned {plan.size}, {plan.due}")


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


@dataclass
class Result:
    size: int
    due: int
    today: date
    open: int = 0
    table_mb: float = 0.0
    index_kb: float = 0.0
    timings: list[float] = field(default_factory=list)
    cpu: list[tuple[float, float | None]] = field(default_factory=list)  # (Python, PostgreSQL backend)
    enqueue_seconds: list[float] = field(default_factory=list)
    obligations: int = 0
    reminders: int = 0
    queries: int = 0
    transactions: int = 0
    query_ms: float = 0.0
    due_query_ms: float = 0.0
    enqueued: int = 0
    pairs: int = 0
    by_stage: dict[int, tuple[int, int]] = field(default_factory=dict)
    shapes: list[tuple[str, int, float]] = field(default_factory=list)
    plan: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.timings)

    @property
    def p95(self) -> float:
        return percentile(self.timings, 0.95)


class EnqueueCounter:
    """Wraps tracker.outbox.enqueue_many, through which the scan queues its deliveries (in
    its last transaction; published once it commits): counts the deliveries queued and the
    time spent writing and publishing them."""

    def __init__(self) -> None:
        from tracker import outbox

        self.original = outbox.enqueue_many
        self.calls: list[tuple[int, str]] = []
        self.seconds = 0.0
        outbox.enqueue_many = self  # type: ignore[assignment]

    def __call__(self, task_name: str, calls: Any) -> Any:
        calls = [tuple(call) for call in calls]
        started = time.perf_counter()
        rows = self.original(task_name, calls)
        self.seconds += time.perf_counter() - started
        if task_name.endswith("deliver_reminders"):
            self.calls.extend(calls)
        return rows

    def reset(self) -> None:
        from tracker.celery import app

        app.control.purge()  # empty the in-memory queue: no worker consumes it
        self.calls, self.seconds = [], 0.0


def restore(meta: Meta) -> None:
    """Put the due rows back as loaded and forget what the previous scan recorded."""
    from django.db import connection

    from responses.models import Obligation

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE responses_reminder, responses_scanrun")
        cursor.execute(
            """
            UPDATE responses_obligation o
            SET version = d.version, last_stage = d.last_stage, next_stage = d.next_stage,
                next_remind_on = d.next_remind_on, is_open = true, closed_at = NULL
            FROM bench_reminder_due d WHERE o.id = d.obligation_id
            """
        )
        # Do not leave it to autovacuum (off on some servers, and slow to start): clear the
        # dead row versions the previous scan and this restore left in the table and its
        # indexes, so that every scan starts from the same state.
        cursor.execute("VACUUM responses_obligation, responses_reminder")
    due = Obligation.objects.due(meta.today).count()
    if due != meta.due:
        raise RuntimeError(f"{due:,} obligations due after restoring, expected {meta.due:,}")


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backend_cpu(pid: int) -> float | None:
    """CPU seconds used so far by a PostgreSQL backend, when the server runs on this
    machine and its /proc entry is readable; else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def scan(
    meta: Meta, batch: int, counter: EnqueueCounter, pid: int
) -> tuple[Any, float, tuple[float, float | None]]:
    """One timed run_scan, as the beat task runs it (with the benchmark's today).

    Besides wall time, the CPU time of this process and of its PostgreSQL backend: on a
    busy machine they vary less than the wall time does."""
    from responses.reminders.scan import run_scan

    counter.reset()
    backend_before = backend_cpu(pid)
    cpu_before = time.process_time()
    started = time.perf_counter()
    run = run_scan(today=meta.today, batch=batch)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    backend_after = backend_cpu(pid)
    backend = None if backend_before is None or backend_after is None else backend_after - backend_before
    return run, seconds, (cpu, backend)


def check(meta: Meta, run: Any) -> None:
    """Every due obligation was claimed, and every reminder counted was stored."""
    from responses.models import Obligation, Reminder

    left = Obligation.objects.due(meta.today).count()
    stored = Reminder.objects.count()
    if left or run.obligations != meta.due or stored != run.reminders:
        raise RuntimeError(
            f"the scan handled {run.obligations:,} of {meta.due:,} obligations, left {left:,} due, "
            f"and stored {stored:,} of the {run.reminders:,} reminders it counted"
        )


QUERY_LABELS = [
    (r'^SELECT .* FROM "responses_obligation" .* FOR UPDATE', "due obligations, one batch (FOR UPDATE)"),
    (r'^INSERT INTO "responses_reminder"', "insert reminders (bulk_create)"),
    (r'^UPDATE "responses_obligation"', "update obligations (bulk_update)"),
    (r'^SELECT .* FROM "tracker_user" .*"tracker_user"\."department_id" = ', "a unit's users (Audience)"),
    (r'^SELECT .* FROM "auth_group" .*"tracker_user_groups"\."user_id" IN ', "their groups (prefetch)"),
    (r'^SELECT "auth_group"\."name" AS "name" FROM ', "one user's groups (User.role_names)"),
    (r'^SELECT DISTINCT .* FROM "tracker_user"', "congress staff (Audience)"),
    (r'^SELECT DISTINCT .* FROM "responses_reminder"', "stale pending reminders (redispatch)"),
    (r'"responses_scanrun"', "the ScanRun row"),
    (r"^(BEGIN|COMMIT)$", "BEGIN / COMMIT"),
]


def label(sql: str) -> str:
    for pattern, text in QUERY_LABELS:
        if re.search(pattern, sql, re.DOTALL):
            return text
    return re.sub(r"\b\d+\b", "?", sql)[:70]


def inspect(url: str, meta: Meta, *, batch: int, counter: EnqueueCounter) -> Result:
    """An untimed scan that warms up, counts the queries and shows what one scan records;
    then the plan of the scan's first batch."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from responses.models import Obligation, Reminder

    result = Result(size=meta.size, due=meta.due, today=meta.today)
    restore(meta)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size('responses_obligation'), pg_relation_size('obligation_scan_idx')"
        )
        table_bytes, index_bytes = cursor.fetchone()
    result.table_mb, result.index_kb = table_bytes / 2**20, index_bytes / 2**10
    result.open = Obligation.objects.open().count()
    stored = Obligation.objects.count()
    print(
        f"\n{database_name(url)}: {stored:,} obligations, {result.open:,} open, {meta.due:,} due on "
        f"{meta.today} (table {result.table_mb:.0f} MB, obligation_scan_idx {result.index_kb:.0f} kB)"
    )

    pid = backend_pid()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        run, seconds, _cpu = scan(meta, batch, counter, pid)
    check(meta, run)
    queries = captured.captured_queries
    result.obligations, result.reminders = run.obligations, run.reminders
    result.enqueued, result.pairs = len(counter.calls), len(set(counter.calls))
    shapes: dict[str, list[float]] = {}
    for query in queries:
        shapes.setdefault(label(query["sql"]), []).append(float(query["time"]) * 1000)
    result.shapes = sorted(((k, len(v), sum(v)) for k, v in shapes.items()), key=lambda s: -s[2])
    result.transactions = len(shapes.get("BEGIN / COMMIT", [])) // 2
    result.queries = len(queries) - 2 * result.transactions
    result.query_ms = sum(ms for _label, _count, ms in result.shapes)
    result.due_query_ms = sum(shapes.get(QUERY_LABELS[0][1], []))
    reminders = Counter(Reminder.objects.order_by().values_list("stage", flat=True))
    claimed = Counter(
        stage for stage, _id in Reminder.objects.order_by().values_list("stage", "obligation").distinct()
    )
    result.by_stage = {stage: (claimed[stage], reminders[stage]) for stage in sorted(claimed)}
    print(f"  warm-up scan: {seconds:.2f} s, {run.obligations:,} obligations, {run.reminders:,} reminders")

    # The scan's first batch, as the planner runs it on a fresh due set.
    restore(meta)
    due_sql = next(q["sql"] for q in queries if label(q["sql"]) == QUERY_LABELS[0][1])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + due_sql)
        result.plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)  # release the rows it locked
    if "obligation_scan_idx" not in result.plan:
        print("  WARNING: the due query does not use obligation_scan_idx")
    return result


def time_scan(url: str, meta: Meta, result: Result, *, batch: int, counter: EnqueueCounter) -> None:
    """One timed scan of one size's database, from the state as loaded (left so after)."""
    use_database(url)
    restore(meta)
    run, seconds, cpu = scan(meta, batch, counter, backend_pid())
    check(meta, run)
    restore(meta)
    result.timings.append(seconds)
    result.cpu.append(cpu)
    result.enqueue_seconds.append(counter.seconds)
    backend = "" if cpu[1] is None else f" + PostgreSQL {cpu[1]:.2f}"
    print(
        f"  {meta.size:>9,} stored, scan {len(result.timings)}: {seconds:.2f} s "
        f"({run.reminders / seconds:,.0f} reminders/s, {run.obligations / seconds:,.0f} obligations/s); "
        f"CPU: Python {cpu[0]:.2f}{backend} s; queuing deliveries {counter.seconds:.2f} s"
    )


def report(results: list[Result], *, batch: int, quiet: bool) -> None:
    if not quiet:
        for r in results:
            print(
                f"\n### {r.size:,} stored obligations: one scan's SQL, {r.queries} queries in "
                f"{r.transactions} transactions, {r.query_ms:,.0f} ms\n"
            )
            print("| query | count | total ms |\n|---|---:|---:|")
            for text, count, ms in r.shapes:
                print(f"| {text} | {count} | {ms:,.0f} |")
            print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the first batch ({batch} rows):\n\n```\n{r.plan}\n```")
    first = results[0]
    stages = ", ".join(f"{s:+d}: {n:,} obligations, {m:,} reminders" for s, (n, m) in first.by_stage.items())
    print(f"\nStages due: {stages}")
    print(f"\n## Reminder scan: {first.due:,} due, batches of {batch}\n")
    print(
        "| stored obligations | open | median s | p95 s | CPU s: Python + PostgreSQL | reminders "
        "| reminders/s | obligations/s | queries | due query ms | deliveries queued (distinct) | queuing s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        python = statistics.median(c[0] for c in r.cpu)
        backends = [c[1] for c in r.cpu if c[1] is not None]
        cpu = f"{python:.2f} + {statistics.median(backends):.2f}" if backends else f"{python:.2f} + ?"
        print(
            f"| {r.size:,} | {r.open:,} | {r.median:.2f} | {r.p95:.2f} | {cpu} | {r.reminders:,} "
            f"| {r.reminders / r.median:,.0f} | {r.obligations / r.median:,.0f} | {r.queries} "
            f"| {r.due_query_ms:,.0f} | {r.enqueued:,} ({r.pairs:,}) "
            f"| {statistics.median(r.enqueue_seconds):.2f} |"
        )
    if len(results) > 1:
        small, large = min(results, key=lambda r: r.size), max(results, key=lambda r: r.size)
        ratio = large.median / small.median
        verdict = "under 2x: OK" if ratio < 2 else "2x or more: FAIL"
        print(f"\nMedian scan, {large.size:,} vs {small.size:,} stored obligations: {ratio:.2f}x ({verdict})")
        if all(c[1] is not None for r in (small, large) for c in r.cpu):
            cpu = [statistics.median(c[0] + (c[1] or 0.0) for c in r.cpu) for r in (small, large)]
            print(f"Median CPU per scan (Python + PostgreSQL), same sizes: {cpu[1] / cpu[0]:.2f}x")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if urlparse(args.database_url).scheme not in ("postgres", "postgresql"):
        sys.exit("The benchmark needs PostgreSQL: --database-url postgres://…")
    for size in args.sizes:
        Plan(size, args.due)  # exits now if a size cannot hold the due rows
    urls = [url_for_size(args.database_url, size) for size in args.sizes]
    setup_django(urls[0])
    counter = EnqueueCounter()
    metas = [
        prepare(url, size, args.due, skip_load=args.skip_load)
        for size, url in zip(args.sizes, urls, strict=True)
    ]
    results = []
    for url, meta in zip(urls, metas, strict=True):
        use_database(url)
        results.append(inspect(url, meta, batch=args.batch, counter=counter))
    # Timed scans take turns between the sizes, so that a busy spell on the machine
    # does not fall on one size only.
    print(f"\n{args.repeat} timed scans per size, taking turns:")
    for _round in range(args.repeat):
        for url, meta, result in zip(urls, metas, results, strict=True):
            time_scan(url, meta, result, batch=args.batch, counter=counter)
    report(results, batch=args.batch, quiet=args.quiet)


if __name__ == "__main__":
    main()
