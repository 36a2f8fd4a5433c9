"""Benchmark the statistics dashboard (GET /statistics/) and the public statistics page on
a large PostgreSQL database.

Reuses bench_proposal_list.py's loader (100,000 suggestions by default, about 1.3
assignments each, sent replies graded A/B/C) and adds what the figures read and that
loader does not make: a deputy's rating on about 70 % of the sent replies (a second,
later one on some) and one or two promises on every B reply, some kept, some overdue.
Then requests each page through Django's test client and prints the median and 95th
percentile time per request and the SQL queries each request makes.

    .venv/bin/python bench/bench_statistics.py
    .venv/bin/python bench/bench_statistics.py --repeat 10 --database-url postgres://…/tracker_stats_bench

The database comes from --database-url, else BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/tracker_stats_bench; its name must contain "bench".
An empty database is loaded; one that holds benchmark suggestions is reused.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_stats_bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="suggestions to load (default 100000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per case (default 20)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seed", type=int, default=20240493)
    parser.add_argument(
        "--skip-load",
        action="store_true",
        help="use the database as it is: load nothing, add no ratings or promises",
    )
    return parser.parse_args(argv)


# Ratings and promises, in SQL: a few hundred thousand rows in seconds. setseed makes
# the random() draws the same on every load.
FEEDBACK_SQL = """
SELECT setseed(0.493);
INSERT INTO responses_feedback (reply_id, deputy_id, rating, comment, created_at, decision, decision_reason)
SELECT r.id, p.lead_deputy_id,
       CASE WHEN x < 0.62 THEN 'satisfied' WHEN x < 0.93 THEN 'basically' ELSE 'unsatisfied' END,
       '', r.sent_on + interval '20 days', '', ''
FROM (SELECT id, assignment_id, sent_on, body, random() AS x, random() AS y
      FROM responses_reply WHERE status = 'sent') r
JOIN proposals_assignment a ON a.id = r.assignment_id
JOIN proposals_proposal p ON p.id = a.proposal_id
WHERE r.y < 0.7 AND r.body = '答复（基准测试数据）'
ON CONFLICT DO NOTHING;
INSERT INTO responses_feedback (reply_id, deputy_id, rating, comment, created_at, decision, decision_reason)
SELECT f.reply_id, c.deputy_id, 'satisfied', '', f.created_at + interval '2 days', '', ''
FROM responses_feedback f
JOIN responses_reply r ON r.id = f.reply_id
JOIN proposals_assignment a ON a.id = r.assignment_id
JOIN (SELECT DISTINCT ON (proposal_id) proposal_id, deputy_id FROM proposals_proposal_co_signers
      ORDER BY proposal_id, deputy_id) c ON c.proposal_id = a.proposal_id
WHERE r.body = '答复（基准测试数据）'
ON CONFLICT DO NOTHING;
"""

COMMITMENT_SQL = """
SELECT setseed(0.0493);
INSERT INTO responses_commitment (reply_id, description, due_on, department_id, status, report_due_on,
                                  fulfilled_on, confirmed_at, closed_reason, created_at)
SELECT r.id, '承诺事项（基准测试数据）', r.sent_on + (30 + (x * 400)::int),
       a.department_id,
       CASE WHEN x < 0.35 THEN 'fulfilled' ELSE 'open' END, NULL,
       CASE WHEN x < 0.35 THEN r.sent_on + (20 + (x * 300)::int) END, NULL, '', now()
FROM (SELECT id, assignment_id, sent_on, random() AS x
      FROM responses_reply WHERE grade = 'B' AND status = 'sent'
      UNION ALL
      SELECT id, assignment_id, sent_on, random() AS x FROM responses_reply
      WHERE grade = 'B' AND status = 'sent' AND id % 3 = 0) r
JOIN proposals_assignment a ON a.id = r.assignment_id
WHERE NOT EXISTS (SELECT 1 FROM responses_commitment c WHERE c.reply_id = r.id);
"""


def prepare(args: argparse.Namespace) -> None:
    url = args.database_url
    ensure_database(url, recreate=False)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from proposals.models import Proposal
    from responses.models import Commitment, Feedback

    call_command("migrate", verbosity=0)
    if args.skip_load:
        if bench_count() < 1000:
            sys.exit(f"{database_name(url)} holds no benchmark suggestions; --skip-load needs them.")
        return
    if not Proposal.objects.exists():
        print(f"Loading {args.count:,} suggestions into {database_name(url)}")
        load(args.count, batch_size=5000, seed=args.seed)
    elif bench_count() < 1000:
        sys.exit(f"{database_name(url)} holds no benchmark suggestions; use an empty or a benchmark one.")
    if not Feedback.objects.filter(reply__body="答复（基准测试数据）").exists():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(FEEDBACK_SQL)
            cursor.execute(COMMITMENT_SQL)
            cursor.execute("ANALYZE responses_feedback")
            cursor.execute("ANALYZE responses_commitment")
        print(
            f"Added {Feedback.objects.count():,} ratings and {Commitment.objects.count():,} promises "
            f"in {time.perf_counter() - started:.1f} s"
        )


def cases() -> list[tuple[str, str, str]]:
    """(label, user name or "" for anonymous, URL)."""
    from django.contrib.auth.models import Group
    from django.db.models import Count

    from proposals.models import Department, Session
    from tracker.models import Role, User

    year = Session.objects.order_by("-year").values_list("year", flat=True)[0]
    busiest = (
        Department.objects.annotate(n=Count("assignments")).order_by("-n").values_list("pk", flat=True)[0]
    )
    clerk = User.objects.filter(department_id=busiest, groups__name=Role.DEPT_CLERK).order_by("pk").first()
    if clerk is None:  # a benchmark department has no accounts: give it a clerk
        clerk = User.objects.create_user(username="bench-stats-clerk", department_id=busiest)
        clerk.groups.add(Group.objects.get_or_create(name=Role.DEPT_CLERK)[0])
    return [
        ("staff, latest year", "staff", "/statistics/"),
        ("staff, all years", "staff", "/statistics/?year="),
        ("staff, one department", "staff", "/statistics/?" + urlencode({"year": "", "department": busiest})),
        ("staff, Excel all years", "staff", "/statistics/?year=&format=xlsx"),
        ("busiest dept's clerk", clerk.username, "/statistics/?year="),
        ("public, all years", "", "/public/statistics/?year="),
        ("public, latest year", "", f"/public/statistics/?year={year}"),
    ]


def run(repeat: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from proposals.models import Assignment, Proposal
    from responses.models import Commitment, Feedback, Reply
    from tracker.models import User

    print(
        f"\n{Proposal.objects.count():,} suggestions, {Assignment.objects.count():,} assignments, "
        f"{Reply.objects.sent().count():,} sent replies, {Feedback.objects.count():,} ratings, "
        f"{Commitment.objects.count():,} promises; {repeat} timed requests per case\n"
    )
    header = f"{'case':<26} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    # Plain static storage: production's manifest storage would need collectstatic first.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        the_cases = cases()
        _compute_snapshots(the_cases)
        for label, username, url in the_cases:
            client = Client()
            if username:
                _login(client, User.objects.get(username=username))
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
                f"{label:<26} {status:>6} {statistics.median(timings):>10.1f} "
                f"{percentile(timings, 0.95):>8.1f} {max(timings):>8.1f} {count:>8}"
            )


def _login(client: Any, user: Any) -> None:
    """Log in; staff must also pass a second step: the session says it was passed with a
    device of theirs (as bench_proposal_list.py does)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="benchmark", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _compute_snapshots(the_cases: list[tuple[str, str, str]]) -> None:
    """A scope above STATISTICS_SNAPSHOT_ABOVE suggestions is served from a snapshot a
    worker computes (proposals/statistics_snapshots.py): open each page once, so the
    large ones ask for theirs, then compute them here as the worker would, timed."""
    from django.test import Client

    from proposals import statistics_snapshots
    from proposals.models import StatisticsSnapshot
    from tracker.models import User

    for _label, username, url in the_cases:
        client = Client()
        if username:
            _login(client, User.objects.get(username=username))
        client.get(url)
    for key in StatisticsSnapshot.objects.order_by("key").values_list("key", flat=True):
        started = time.perf_counter()
        statistics_snapshots.refresh(key)
        print(f"snapshot {key:<40} computed in {(time.perf_counter() - started) * 1000:8.0f} ms (worker)")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    prepare(args)
    run(args.repeat)


if __name__ == "__main__":
    main()
