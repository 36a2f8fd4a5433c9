"""Benchmark the suggestion list over HTTP: the app, Django's admin changelist and the
page's own SQL, in one interleaved run, at concurrency 1 and 8 (issue 15).

Needs a database loaded by bench_proposal_list.py (any size). Starts gunicorn (DEBUG off,
``--workers`` sync workers) on this checkout and, with ``--old-root``, a second one on
another checkout (e.g. a worktree of an older commit) with its own database, so that
old and new code are measured in the same run on the same machine:

    .venv/bin/python bench/bench_list_http.py --database-url postgres://…/tracker_bench_1m
    .venv/bin/python bench/bench_list_http.py --database-url postgres://…/tracker_bench_100k \\
        --old-root /work/wt/perf-old --old-database-url postgres://…/tracker_bench_100k_old

Each case is requested by every target in turn (round-robin, one request each) for
``--repeat`` rounds at concurrency 1, then by each target with 8 concurrent clients for
``--burst`` requests; it prints p50 and p95 (ms), requests per second with 8 clients and
the ratios list / SQL and admin / list. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_proposal_list as base  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", base.DEFAULT_URL))
    parser.add_argument("--old-root", help="another checkout to measure alongside (its own .venv)")
    parser.add_argument("--old-database-url", help="the old checkout's database (same data)")
    parser.add_argument(
        "--repeat", type=int, default=20, help="requests per target and case at concurrency 1"
    )
    parser.add_argument("--burst", type=int, default=64, help="requests per target and case with 8 clients")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers per server")
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--only", default="", help="comma-separated case labels to run (default: all)")
    return parser.parse_args()


# ---------------------------------------------------------------------------
# Servers and sessions
# ---------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    root: Path
    database_url: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            DATABASE_URL=self.database_url,
            DEBUG="false",
            SECRET_KEY="benchmark-only",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            STATIC_ROOT=str(Path(tempfile.gettempdir()) / f"bench-static-{self.name}-{self.port}"),
            DJANGO_SETTINGS_MODULE="bench_site_settings",
            PYTHONPATH=f"{self.root}{os.pathsep}{HERE / 'httpsite'}",
            CELERY_TASK_ALWAYS_EAGER="true",
            # Plain HTTP on the loopback: cookies without the Secure flag, no redirect.
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            SECURE_SSL_REDIRECT="false",
        )
        return env

    def start(self, workers: int) -> None:
        env = self.environment()
        python = str(self.root / ".venv/bin/python")
        if not (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():  # collected by an earlier run
            subprocess.run(
                [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=self.root, env=env, check=True
            )
        self.process = subprocess.Popen(
            [
                str(self.root / ".venv/bin/gunicorn"),
                "tracker.wsgi",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--timeout=120",
                "--log-level=warning",
            ],
            cwd=self.root,
            env=env,
        )
        for _ in range(300):
            try:
                get(self.port, "/accounts/login/", {})
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn for {self.name} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (the master's children)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def login(self, username: str) -> str:
        """Sign in through the login form (password "demo", as load_demo sets) → session id."""
        if username in self.cookies:
            return self.cookies[username]
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        url = f"http://127.0.0.1:{self.port}/accounts/login/"
        page = opener.open(url).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        data = urllib.parse.urlencode(
            {"username": username, "password": "demo", "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        request = urllib.request.Request(url, data=data, headers={"Referer": url})
        response = opener.open(request)
        page = response.read().decode()
        if "/accounts/mfa/" in response.geturl():
            # The second step (congress staff must pass one), with a recovery code made for
            # the benchmark (second_step_codes).
            verify = f"http://127.0.0.1:{self.port}/accounts/mfa/verify/"
            page = opener.open(verify).read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            assert token, "no CSRF token on the second step's page"
            data = urllib.parse.urlencode(
                {"code": RECOVERY_CODES[username].pop(), "csrfmiddlewaretoken": token.group(1)}
            ).encode()
            response = opener.open(urllib.request.Request(verify, data=data, headers={"Referer": verify}))
            response.read()
            assert "/accounts/mfa/" not in response.geturl(), f"{username} could not pass the second step"
        session = next((c.value for c in jar if c.name == "sessionid"), None)
        assert session, f"could not sign in as {username}"
        self.cookies[username] = session
        return session


# username → recovery codes for the second step of signing in (second_step_codes).
RECOVERY_CODES: dict[str, list[str]] = {}


def second_step_codes(usernames: list[str]) -> None:
    """Give each user an authenticator and fresh recovery codes, so that the benchmark can
    pass the second step that staff (and, where the congress asks, clerks) must take."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tracker.mfa import TOTP_NAME, new_recovery_codes
    from tracker.models import User

    for user in User.objects.filter(username__in=usernames):
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True)
        RECOVERY_CODES[user.username] = new_recovery_codes(user)


def get(port: int, path: str, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


# ---------------------------------------------------------------------------
# What is measured
# ---------------------------------------------------------------------------


@dataclass
class Target:
    """One thing to time: an HTTP GET on a server as a user, or a SQL statement."""

    label: str
    call: Callable[[], Any]


@dataclass
class Result:
    timings: list[float] = field(default_factory=list)
    burst: list[float] = field(default_factory=list)
    per_second: float = 0.0
    errors: int = 0


def http_target(label: str, server: Server, path: str, username: str) -> Target:
    headers = {"Cookie": f"sessionid={server.login(username)}", "Accept-Language": "zh-hans"}

    def call() -> None:
        status = get(server.port, path, headers)
        if status != 200:
            raise RuntimeError(f"{label} {path}: HTTP {status}")

    return Target(label, call)


def sql_target(label: str, url: str, sql: str, params: Any) -> Target:
    import psycopg

    local = threading.local()

    def call() -> None:
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True)
            local.conn.execute("SET jit = off")
        local.conn.execute(sql, params, prepare=False).fetchall()

    return Target(label, call)


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(targets: list[Target], repeat: int, burst: int, clients: int) -> dict[str, Result]:
    results = {t.label: Result() for t in targets}
    for target in targets:  # warm-up (and a check that each works)
        try:
            target.call()
        except Exception as exc:  # noqa: BLE001 - reported, the run goes on
            print(f"    {target.label}: {exc}")
            results[target.label].errors += 1
    live = [t for t in targets if not results[t.label].errors]

    def attempt(target: Target) -> float | None:
        """The time of one call, or None when it failed (a 503 past the statement timeout:
        counted in ``errors`` and left out of the times)."""
        try:
            return timed(target.call)
        except Exception:  # noqa: BLE001 - counted, the run goes on
            results[target.label].errors += 1
            return None

    for _ in range(repeat):
        for target in live:
            took = attempt(target)
            if took is not None:
                results[target.label].timings.append(took)
    for target in live:
        result = results[target.label]
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            times = list(pool.map(lambda _, target=target: attempt(target), range(burst)))
        result.burst = [t for t in times if t is not None]
        result.per_second = len(result.burst) / (time.perf_counter() - started)
    for label, result in results.items():
        if result.errors:
            print(f"    {label}: {result.errors} request(s) failed (left out of the times)")
    return results


def p(values: list[float], fraction: float) -> float:
    return base.percentile(values, fraction) if values else float("nan")


# ---------------------------------------------------------------------------
# Cases: the list's filters, their admin equivalents, the page's SQL, other pages
# ---------------------------------------------------------------------------


ADMIN = {
    "default (by urgency)": {},
    "status=handling": {"status__exact": "handling"},
    "department=busiest": {"assignments__department__id__exact": "{department}"},
    "department+role=lead": {
        "assignments__department__id__exact": "{department}",
        "assignments__role__exact": "lead",
    },
    "q=坪西路": {"q": "坪西路"},
    "q=number prefix": {"q": "20250"},
    "session=latest": {"session__id__exact": "{session}"},
    "grade=B": {"assignments__replies__grade__exact": "B"},
    "deputy=busiest": {"lead_deputy__id__exact": "{deputy}"},
    "category=城建环资": {"category__id__exact": "{category}"},
    "is_key=true": {"is_key__exact": "1"},
    "page=200": {"p": "200"},
    "sort=-received_on": {"o": "-6"},
}


def page_sql(path: str, username: str) -> tuple[str, Any] | None:
    """The page's own SELECT (the query with ORDER BY … LIMIT that reads the rows shown)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

    from tracker.models import User

    client = Client()
    user = User.objects.get(username=username)
    client.force_login(user)
    device = next(devices_for_user(user), None)
    if device is not None:  # as if the second step was passed (second_step_codes made one)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    pages = [
        query
        for query in queries.captured_queries
        if " LIMIT " in query["sql"] and "ORDER BY" in query["sql"] and "COUNT(" not in query["sql"][:40]
    ]
    # Several may qualify (search looks deputies up first): the slowest is the page's.
    return (max(pages, key=lambda q: float(q["time"]))["sql"], None) if pages else None


def build_cases() -> list[dict[str, Any]]:
    from django.db.models import Count

    from proposals.models import Assignment, Proposal
    from tracker.models import User

    cases = []
    ids: dict[str, Any] = {}
    for label, params in base.cases():
        for key, name in (("department", "department"), ("session", "session"), ("deputy", "deputy")):
            if key in params and name not in ids:
                ids[name] = params[key]
        if label.startswith("category"):
            ids["category"] = params["category"]
        path = "/proposals/?" + urllib.parse.urlencode(params) if params else "/proposals/"
        admin = ADMIN.get(label)
        admin_path = None
        if admin is not None:
            admin_path = "/bench-admin/proposals/proposal/?" + urllib.parse.urlencode(
                {k: v.format(**ids) for k, v in admin.items()}
            )
        cases.append({"label": label, "path": path, "user": "staff", "admin": admin_path})
    # The other pages of the targets.
    busiest = (
        Assignment.objects.filter(department__users__isnull=False)
        .values("department")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    clerk = (
        User.objects.filter(department_id=busiest["department"]).order_by("pk").first() if busiest else None
    )
    if clerk is not None:
        cases.append({"label": "queue (busiest unit)", "path": "/proposals/queue/", "user": clerk.username})
    # And of the unit with an account and the fewest assignments (its recent replies are rare).
    smallest = (
        Assignment.objects.filter(department__users__isnull=False)
        .values("department")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("n")
        .first()
    )
    small_clerk = (
        User.objects.filter(department_id=smallest["department"]).order_by("pk").first() if smallest else None
    )
    if small_clerk is not None and small_clerk != clerk:
        cases.append(
            {"label": "queue (smallest unit)", "path": "/proposals/queue/", "user": small_clerk.username}
        )
    deputy = User.objects.filter(username="deputy").first()
    if deputy is not None:
        cases.append({"label": "deputy: my suggestions", "path": "/proposals/mine/", "user": deputy.username})
    # The deputy with an account who led the most suggestions.
    busiest_deputy = (
        Proposal.objects.filter(lead_deputy__user__isnull=False)
        .values("lead_deputy__user__username")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if busiest_deputy is not None:
        username = busiest_deputy["lead_deputy__user__username"]
        cases.append({"label": "deputy: busiest (mine)", "path": "/proposals/mine/", "user": username})
    cases.append({"label": "public replies", "path": "/public/", "user": "staff"})
    for q in ("坪西路", "坪山 碧道", "碧道"):
        cases.append(
            {
                "label": f"search q={q}",
                "path": "/search/?" + urllib.parse.urlencode({"q": q}),
                "user": "staff",
            }
        )
    return cases


def main() -> None:
    args = parse_args()
    base.setup_django(args.database_url)
    from django.conf import settings
    from django.test.utils import override_settings

    from proposals.models import Proposal

    total = Proposal.objects.count()
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        cases = build_cases()
        only = {c.strip() for c in args.only.split(",") if c.strip()}
        if only:
            cases = [c for c in cases if c["label"] in only]
        second_step_codes(sorted({"staff", "admin", *(case["user"] for case in cases)}))
        for case in cases:
            case["sql"] = page_sql(case["path"], case["user"])

    new = Server("new", ROOT, args.database_url, args.port)
    servers = [new]
    old = None
    if args.old_root:
        old = Server("old", Path(args.old_root), args.old_database_url or args.database_url, args.port + 1)
        servers.append(old)
    try:
        for server in servers:
            server.start(args.workers)
        load = os.getloadavg()
        print(
            f"\n{total:,} suggestions; {args.workers} gunicorn workers per server; {os.cpu_count()} CPUs; "
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {time.strftime('%Y-%m-%d')}"
        )
        print(
            f"c=1: {args.repeat} requests per target, round-robin; c={args.clients}: {args.burst} requests\n"
        )
        floor = measure(
            [http_target("login page", new, "/accounts/login/", "staff")], 5, args.burst, args.clients
        )
        print(
            f"framework floor (login page): {floor['login page'].per_second:.0f} req/s at c={args.clients}\n"
        )
        header = (
            f"{'case':<24} {'list p50':>9} {'p95':>7} {'req/s':>6} │ "
            f"{'old p50':>8} {'p95':>7} {'req/s':>6} │ {'admin p50':>9} {'req/s':>6} │ {'SQL p50':>8} │ "
            f"{'list/SQL':>8} {'admin/list':>10} {'old/list':>8}"
        )
        print(header)
        print("-" * len(header))
        rows = []
        for case in cases:
            targets = [http_target("list", new, case["path"], case["user"])]
            if old is not None:
                targets.append(http_target("old", old, case["path"], case["user"]))
            if case.get("admin"):
                targets.append(http_target("admin", new, case["admin"], "admin"))
            if case.get("sql"):
                sql, params = case["sql"]
                targets.append(sql_target("sql", args.database_url, sql, params))
            results = measure(targets, args.repeat, args.burst, args.clients)
            rows.append((case["label"], results))
            print(format_row(case["label"], results), flush=True)
        for server in servers:
            sizes = server.worker_rss_mb()
            print(f"\n{server.name}: worker RSS after the run: " + ", ".join(f"{s:.0f} MB" for s in sizes))
    finally:
        for server in servers:
            server.stop()


def format_row(label: str, results: dict[str, Result]) -> str:
    def cell(name: str, what: str, width: int) -> str:
        result = results.get(name)
        if result is None or not result.timings:
            return f"{'—':>{width}}"
        value = {
            "p50": statistics.median(result.timings),
            "p95": p(result.timings, 0.95),
            "rps": result.per_second,
        }[what]
        return f"{value:>{width}.1f}" if what != "rps" else f"{value:>{width}.0f}"

    def ratio(a: str, b: str, width: int) -> str:
        ra, rb = results.get(a), results.get(b)
        if not ra or not rb or not ra.timings or not rb.timings:
            return f"{'—':>{width}}"
        return f"{statistics.median(ra.timings) / statistics.median(rb.timings):>{width}.1f}"

    return (
        f"{base._pad(label, 24)} "
        f"{cell('list', 'p50', 9)} {cell('list', 'p95', 7)} {cell('list', 'rps', 6)} │ "
        f"{cell('old', 'p50', 8)} {cell('old', 'p95', 7)} {cell('old', 'rps', 6)} │ "
        f"{cell('admin', 'p50', 9)} {cell('admin', 'rps', 6)} │ {cell('sql', 'p50', 8)} │ "
        f"{ratio('list', 'sql', 8)} {ratio('admin', 'list', 10)} {ratio('old', 'list', 8)}"
    )


if __name__ == "__main__":
    main()
