"""Fault injection: a stalled Redis holds no web request, and nothing queued meanwhile is lost.

Runs the real stack on its own PostgreSQL database and its own redis-server (free port):
gunicorn with DEBUG off on a free port, a Celery worker and beat (the outbox drained every
2 s). With the stack warm it stalls Redis with SIGSTOP (the port still accepts
connections; nothing answers) for --stall seconds (default 30; --short: 10) and, during
the stall, fires from two clients:

  - 立即催办 (responses:remind_now) on every assignment of the fixture: each reaches 8
    clerks by inbox and email, so each queues 16 deliveries;
  - the confirmation of every staged 交办清单 import (proposals:import_confirm);
  - plain pages: the suggestion list and a suggestion, the import page, the staff
    reminders page and /health/ (both ask whether the broker answers).

Then SIGCONT, and it waits until the outbox is empty and nothing is pending. It prints
every request's time by page, and checks:

  (a) no request took more than 3 s, and none failed (5xx, or a time-out);
  (b) every outbox message was published;
  (c) every reminder recorded by 立即催办 (and by the scan, which reminds the clerks of the
      imported suggestions once Redis is back) was delivered, each inbox reminder once;
  (d) every confirmed import was applied: its rows logged and assigned.

    .venv/bin/python scripts/fault_broker_stall.py           # full run, about two minutes
    .venv/bin/python scripts/fault_broker_stall.py --short   # CI, under a minute

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and redis-server on PATH.
The database named in --database-url is dropped and created again, so its name must
contain "fault". Logs and mail go to --workdir (default var/fault-broker-stall).
Exit status 0 means every check passed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from fault_reminders import Processes, free_port, recreate_database, redis_ping, wait_for

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_fault_broker"
LIMIT_SECONDS = 3.0
PASSWORD = "fault-stall-only"
CLERKS = 8
HEADER = [
    "序号",
    "建议编号",
    "标题",
    "领衔代表",
    "附议代表",
    "主办单位",
    "会办单位",
    "类别",
    "是否重点",
    "督办领导",
    "建议内容",
]


@dataclass
class Hit:
    page: str
    status: int
    seconds: float
    at: float
    during_stall: bool


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.recovery_codes: list[str] = []
        self.args = args
        self.workdir: Path = args.workdir.resolve()
        self.procs = Processes(self.workdir)
        self.env: dict[str, str] = {}
        self.redis_port = 0
        self.web_port = 0
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.stalled = threading.Event()
        self.failures: list[str] = []
        self.restarts: list[str] = []
        self.t0 = time.monotonic()

    # -- setting up -----------------------------------------------------------

    def prepare(self) -> None:
        for leftover in self.procs.kill_leftovers(f"FAULT_STALL_WORKDIR={self.workdir}"):
            print(f"  killed {leftover}, left running by an earlier run")
        for name in ("logs", "mail", "media", "beat", "staticfiles"):
            shutil.rmtree(self.workdir / name, ignore_errors=True)
            (self.workdir / name).mkdir(parents=True)
        self.redis_port = self.procs.redis_port = free_port(self.args.redis_port)
        self.web_port = free_port(0)
        database = recreate_database(self.args.database_url)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.args.database_url,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "TRACKER_VAR_DIR": str(self.workdir),
            "DEBUG": "false",
            "SECRET_KEY": "fault-broker-stall-only-not-a-secret",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "REMINDER_SEND_HOURS": "",
            "REMINDER_SCAN_SECONDS": "10",
            "OUTBOX_DRAIN_SECONDS": "2",
            "OUTBOX_DRAIN_AFTER": "2",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.workdir / "mail"),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "FAULT_STALL_WORKDIR": str(self.workdir),
            "LOG_LEVEL": "INFO",
        }
        self.env.pop("OUTBOX_BROKER_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True
        )
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django
        from django.conf import settings
        from django.core.management import call_command
        from django.test.utils import override_settings

        django.setup()
        # Pages with DEBUG off need the static files' manifest. Django's own manifest storage
        # writes the same staticfiles.json as the production (WhiteNoise) storage in seconds;
        # WhiteNoise's compression of the fonts would add a minute and a half.
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
        }
        with override_settings(STORAGES=storages):
            call_command("collectstatic", "--noinput", verbosity=0)
        print(
            f"  database {database} migrated, static files collected in {time.monotonic() - self.t0:.1f} s; "
            f"redis-server on :{self.redis_port}, gunicorn on :{self.web_port}"
        )

    def load(self) -> tuple[list[int], list[int], int]:
        """Staff, a unit with 8 clerks (each with an email address), its accepted
        assignments, and the staged imports; returns (assignments, imports, rows per import)."""
        import io

        import openpyxl
        from django.contrib.auth.models import Group
        from django.utils import timezone

        from proposals.models import (
            Category,
            Congress,
            Department,
            Deputy,
            Proposal,
            Session,
            SpreadsheetImport,
        )
        from tracker.models import Role, User

        def user(name: str, role: str, **fields: Any) -> User:
            person = User.objects.create_user(name, password=PASSWORD, **fields)
            person.groups.add(Group.objects.get_or_create(name=role)[0])
            return person

        today = timezone.localdate()
        congress = Congress.objects.create(name="深圳市人民代表大会", short_name="市人大")
        session = Session.objects.create(
            congress=congress, name="深圳市第七届人民代表大会第五次会议", term=7, meeting=5, year=2024
        )
        Category.objects.create(congress=congress, name="城建环资")
        unit = Department.objects.create(name="龙岗区发展和改革局")
        Department.objects.create(name="龙岗区住房和建设局")
        deputy = Deputy.objects.create(congress=congress, name="陈寿", delegation="龙岗代表团")
        Deputy.objects.create(congress=congress, name="王芳", delegation="坪山代表团")
        staff = user("staff", Role.CONGRESS_STAFF)
        # Staff pass a second step: each client signs in with one of these recovery codes.
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tracker.mfa import TOTP_NAME, new_recovery_codes

        TOTPDevice.objects.create(user=staff, name=TOTP_NAME, confirmed=True)
        self.recovery_codes = new_recovery_codes(staff)
        clerks = [
            user(f"clerk{n}", Role.DEPT_CLERK, department=unit, email=f"clerk{n}@lg.gov.cn")
            for n in range(CLERKS)
        ]
        user("leader", Role.DEPT_LEADER, department=unit, email="leader@lg.gov.cn")
        assignments = []
        for n in range(self.args.assignments):
            proposal = Proposal.objects.create(
                congress=congress,
                session=session,
                number=f"2024{n + 1:04d}",
                title="关于推动坪西路改造的建议",
                body="建议加快坪西路市政改造。",
                lead_deputy=deputy,
                received_on=today,
            )
            proposal.assign(by=staff, lead=unit, assigned_on=today)
            assignment = proposal.assignments.get()
            assignment.accept(by=clerks[0])
            assignments.append(assignment.pk)
        imports = []
        rows = self.args.import_rows
        for i in range(self.args.imports):
            book = openpyxl.Workbook()
            sheet = book.active
            sheet.append(HEADER)
            for r in range(rows):
                number = f"2024{5000 + i * rows + r:04d}"
                sheet.append(
                    [
                        r + 1,
                        number,
                        "关于加快龙筋顶公园建设的建议",
                        "陈寿",
                        "王芳",
                        unit.name,
                        "龙岗区住房和建设局",
                        "城建环资",
                        "否",
                        "",
                        "建议加快公园建设。",
                    ]
                )
            buffer = io.BytesIO()
            book.save(buffer)
            upload = SpreadsheetImport.stage(
                buffer.getvalue(),
                name=f"交办清单{i + 1}.xlsx",
                session=session,
                received_on=today,
                assigned_on=today,
                by=staff,
            )
            imports.append(upload.pk)
        return assignments, imports, rows

    def start_redis(self) -> None:
        argv = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.procs.start("redis", argv, self.env)
        wait_for(lambda: redis_ping(self.redis_port), 10, f"Redis on port {self.redis_port}")

    def start(self, name: str) -> None:
        celery = str(VENV_BIN / "celery")
        argv = {
            "web": [str(VENV_BIN / "gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{self.web_port}"]
            + ["--workers", "3", "--timeout", "60", "--log-level", "warning"],
            "worker": [celery, "-A", "tracker", "worker", "--pool=prefork", "-c", "2", "--loglevel=INFO"]
            + ["--without-mingle", "--without-gossip", "--without-heartbeat"],
            "beat": [celery, "-A", "tracker", "beat", "--loglevel=INFO", "--max-interval=1"]
            + [f"--schedule={self.workdir / 'beat' / 'schedule'}"],
        }[name]
        self.procs.start(name, argv, self.env)

    def supervise(self) -> None:
        """Restart a worker or beat that exited, as the deployment's supervisor would."""
        for name, status, _pgid in self.procs.reap():
            if name not in ("worker", "beat"):
                raise RuntimeError(f"{name} exited with status {status}; see {self.workdir / 'logs'}")
            self.start(name)
            self.restarts.append(f"{name} exited with status {status} and was restarted")
            print(f"  {name} exited (status {status}): restarted")

    # -- the clients ------------------------------------------------------------

    def client(self) -> Any:
        import requests

        session = requests.Session()
        base = f"http://127.0.0.1:{self.web_port}"
        session.get(f"{base}/accounts/login/", timeout=30)
        response = session.post(
            f"{base}/accounts/login/",
            data={
                "username": "staff",
                "password": PASSWORD,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            allow_redirects=False,
            timeout=30,
        )
        if response.status_code != 302:
            raise RuntimeError(f"could not sign in as staff: HTTP {response.status_code}")
        # The second step (congress staff must pass one), with a recovery code.
        response = session.post(
            f"{base}/accounts/mfa/verify/",
            data={"code": self.recovery_codes.pop(), "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            allow_redirects=False,
            timeout=30,
        )
        if response.status_code != 302 or "/accounts/" in response.headers.get("Location", ""):
            where = response.headers.get("Location", "")
            raise RuntimeError(f"staff could not pass the second step: HTTP {response.status_code} {where}")
        session.base = base  # type: ignore[attr-defined]
        return session

    def hit(self, session: Any, page: str, method: str, path: str) -> Hit:
        import requests

        started = time.monotonic()
        try:
            if method == "POST":
                headers = {"X-CSRFToken": session.cookies["csrftoken"]}
                response = session.post(
                    session.base + path, headers=headers, allow_redirects=False, timeout=30
                )
            else:
                response = session.get(session.base + path, allow_redirects=False, timeout=30)
            status = response.status_code
        except requests.RequestException:
            status = 0
        hit = Hit(page, status, time.monotonic() - started, time.time(), self.stalled.is_set())
        with self.lock:
            self.hits.append(hit)
        return hit

    def plain_pages(self, proposal_url: str, import_url: str) -> list[tuple[str, str, str]]:
        return [
            ("suggestion list", "GET", "/proposals/"),
            ("suggestion page", "GET", proposal_url),
            ("import page", "GET", import_url),
            ("reminders page (broker check)", "GET", "/responses/reminders/"),
            ("/health/ (broker check)", "GET", "/health/"),
        ]

    # -- the whole run ------------------------------------------------------------

    def execute(self) -> int:
        args = self.args
        started = time.monotonic()
        print(f"== fault injection: Redis stalled for {args.stall:.0f} s; work files in {self.workdir}")
        self.prepare()
        from django.urls import reverse

        from proposals.models import Assignment, SpreadsheetImport

        t = time.monotonic()
        assignments, imports, rows = self.load()
        print(
            f"  loaded {len(assignments)} assignments (8 clerks each), {len(imports)} imports of {rows} rows "
            f"in {time.monotonic() - t:.1f} s"
        )
        t = time.monotonic()
        self.start_redis()
        for name in ("web", "worker", "beat"):
            self.start(name)
        wait_for(self.web_up, 30, "gunicorn")
        print(f"  redis-server, gunicorn, worker and beat started in {time.monotonic() - t:.1f} s")
        proposal_url = Assignment.objects.get(pk=assignments[0]).proposal.get_absolute_url()
        import_url = SpreadsheetImport.objects.get(pk=imports[0]).get_absolute_url()
        pages = self.plain_pages(proposal_url, import_url)
        enqueuing = [
            ("立即催办 (remind now)", "POST", reverse("responses:remind_now", args=[pk]))
            for pk in assignments
        ]
        enqueuing += [
            ("import confirm", "POST", reverse("proposals:import_confirm", args=[pk])) for pk in imports
        ]

        first, second = self.client(), self.client()
        for page in pages:  # warm every gunicorn worker and page before the stall
            for session in (first, second, first):
                self.hit(session, page[0], page[1], page[2])
        with self.lock:
            self.hits.clear()

        redis = self.procs.running["redis"]
        stall_started = time.monotonic()
        redis.send_signal(signal.SIGSTOP)
        self.stalled.set()
        print(f"  SIGSTOP redis-server: stalled for {args.stall:.0f} s")

        def background() -> None:
            n = 0
            while self.stalled.is_set():
                page = pages[n % len(pages)]
                self.hit(second, *page)
                n += 1

        thread = threading.Thread(target=background)
        thread.start()
        queue = list(enqueuing)
        n = 0
        while time.monotonic() - stall_started < args.stall:
            if queue:
                self.hit(first, *queue.pop(0))
            else:
                self.hit(first, *pages[n % len(pages)])
                n += 1
            self.supervise()
        if queue:
            self.failures.append(f"{len(queue)} enqueuing requests did not fit in the stall (raise --stall)")
        redis.send_signal(signal.SIGCONT)
        self.stalled.clear()
        thread.join()
        resumed = time.monotonic()
        print(f"  SIGCONT redis-server after {resumed - stall_started:.1f} s")
        for page in pages:  # and once more with Redis back
            self.hit(first, *page)

        settled = self.settle(imports, args.timeout)
        if settled is None:
            self.failures.append(f"everything drained within {args.timeout:.0f} s after Redis came back")
        else:
            print(f"  everything drained {settled - resumed:.1f} s after Redis came back")
        # No more scans; then let the worker finish what the last one queued.
        self.procs.stop("beat")
        if self.settle(imports, args.timeout, quiet=3.0) is None:
            self.failures.append(f"the worker went quiet within {args.timeout:.0f} s once beat stopped")
        t = time.monotonic()
        self.procs.stop_all()
        print(f"  web, worker, beat and Redis stopped in {time.monotonic() - t:.1f} s")
        print("== requests")
        self.report()
        print("== checks")
        self.verify(imports, rows, len(enqueuing))
        print(f"== done in {time.monotonic() - started:.0f} s")
        if self.failures:
            for failure in self.failures:
                print(f"FAILED: {failure}")
            print(f"logs in {self.workdir / 'logs'}")
            return 1
        print("PASSED: no request over 3 s while Redis was stalled, and nothing was lost")
        return 0

    def web_up(self) -> bool:
        import requests

        try:
            return (
                requests.get(f"http://127.0.0.1:{self.web_port}/accounts/login/", timeout=2).status_code
                == 200
            )
        except requests.RequestException:
            return False

    def settle(self, imports: list[int], timeout: float, *, quiet: float = 0.0) -> float | None:
        """Wait until the outbox is empty, no reminder is pending and every import is done,
        and (with ``quiet``) the reminders stop changing for that many seconds."""
        from django.db import close_old_connections

        from proposals.models import SpreadsheetImport
        from responses.models import Reminder
        from tracker.models import OutboxMessage

        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            close_old_connections()
            state = (Reminder.objects.count(), OutboxMessage.objects.count())
            if state != last:
                last, since = state, time.monotonic()
            if (
                not OutboxMessage.objects.unpublished().exists()
                and not Reminder.objects.pending().exists()
                and not SpreadsheetImport.objects.filter(
                    pk__in=imports, status=SpreadsheetImport.Status.APPLYING
                ).exists()
                and time.monotonic() - since >= quiet
            ):
                return time.monotonic()
            if "beat" in self.procs.running:
                self.supervise()
            time.sleep(0.5)
        return None

    # -- the outcome ------------------------------------------------------------

    def report(self) -> None:
        by_page: dict[str, list[Hit]] = defaultdict(list)
        for hit in self.hits:
            by_page[hit.page].append(hit)
        print(f"  {'page':32} {'requests':>8} {'median s':>9} {'slowest s':>10}  statuses")
        for page, hits in by_page.items():
            times = [h.seconds for h in hits]
            statuses = ",".join(sorted({str(h.status) for h in hits}))
            print(
                f"  {page:32} {len(hits):8d} {statistics.median(times):9.3f} {max(times):10.3f}  {statuses}"
            )
        during = [h for h in self.hits if h.during_stall]
        slowest = max(self.hits, key=lambda h: h.seconds)
        print(
            f"  slowest request: {slowest.seconds:.3f} s ({slowest.page}); {len(during)} requests during the "
            f"stall, slowest {max(h.seconds for h in during):.3f} s"
        )
        over = [h for h in self.hits if h.seconds > LIMIT_SECONDS]
        if over:
            self.failures.append(
                f"{len(over)} requests took over {LIMIT_SECONDS:.0f} s: {sorted({h.page for h in over})}"
            )
        broken = [
            h for h in self.hits if h.status == 0 or h.status >= 500 and not h.page.startswith("/health/")
        ]
        if broken:
            self.failures.append(
                f"{len(broken)} requests failed: {sorted({(h.page, h.status) for h in broken})}"
            )

    def verify(self, imports: list[int], rows: int, enqueuing: int) -> None:
        from django.db import close_old_connections
        from django.db.models import Count

        from proposals.models import Proposal, SpreadsheetImport
        from responses.models import Reminder
        from tracker.models import Notification, OutboxMessage

        close_old_connections()

        def check(ok: bool, message: str) -> None:
            print(f"  {'ok  ' if ok else 'FAIL'} {message}")
            if not ok:
                self.failures.append(message)

        posts = [h for h in self.hits if h.page.startswith(("立即催办", "import confirm"))]
        check(
            len(posts) == enqueuing and all(h.status == 302 and h.during_stall for h in posts),
            f"every enqueuing request ({len(posts)} of {enqueuing}) ran during the stall and redirected",
        )
        total = OutboxMessage.objects.count()
        unpublished = OutboxMessage.objects.unpublished().count()
        refused = OutboxMessage.objects.exclude(last_error="").count()
        # A delivery identical to one the drain sent counts as published, merged into it.
        merged = OutboxMessage.objects.exclude(merged_into=None).count()
        check(unpublished == 0, f"(b) every outbox message was published ({total - unpublished} of {total})")
        print(
            f"       of which {refused} were refused by the stalled broker (the request's one try) and "
            f"published by the drain once Redis answered; {merged} went merged into an identical message"
        )
        statuses = dict(Reminder.objects.values_list("status").annotate(n=Count("pk")).order_by())
        recorded = sum(statuses.values())
        pressed = Reminder.objects.filter(requested_by__isnull=False).count()
        check(
            pressed == enqueuing_reminders(self.args.assignments),
            f"(c) 立即催办 recorded {pressed} reminders (8 clerks × inbox and email, per press)",
        )
        # The scan adds the sign-for reminders of the imported suggestions once Redis is back.
        check(
            statuses.get("sent") == recorded,
            f"(c) every reminder recorded, by 立即催办 or by the scan, was sent ({statuses})",
        )
        inbox = Reminder.objects.filter(channel="inbox").count()
        # Handover notices (the assignments' own) reach the inbox too; these are the reminders'.
        reached = Notification.objects.filter(notice__isnull=True).count()
        check(
            reached == inbox,
            f"(c) each inbox reminder reached the inbox once ({reached} of {inbox})",
        )
        applied = SpreadsheetImport.objects.filter(
            pk__in=imports, status=SpreadsheetImport.Status.APPLIED
        ).count()
        logged = Proposal.objects.filter(number__gte="20245000").count()
        check(
            applied == len(imports) and logged == len(imports) * rows,
            f"(d) every confirmed import was applied ({applied} of {len(imports)}; "
            f"{logged} suggestions logged)",
        )
        for restart in self.restarts:
            print(f"  note: {restart}")

    def cleanup(self) -> None:
        redis = self.procs.running.get("redis")
        if redis is not None and redis.poll() is None:
            redis.send_signal(signal.SIGCONT)
        self.procs.stop_all()


def enqueuing_reminders(assignments: int) -> int:
    """Each 立即催办 reaches the 8 clerks by inbox and email (the first stage reminds the
    clerks only)."""
    return assignments * CLERKS * 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--short", action="store_true", help="a quick run for CI: a 10 s stall, fewer requests"
    )
    parser.add_argument("--stall", type=float, default=None, help="seconds Redis is stalled (default 30)")
    parser.add_argument("--assignments", type=int, default=None, help="assignments reminded (default 12)")
    parser.add_argument("--imports", type=int, default=None, help="imports confirmed (default 3)")
    parser.add_argument("--import-rows", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for the drain")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-port", type=int, default=6393, help="preferred port for our redis-server")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "fault-broker-stall")
    args = parser.parse_args(argv)
    args.stall = args.stall or (10.0 if args.short else 30.0)
    args.assignments = args.assignments or (4 if args.short else 12)
    args.imports = args.imports or (1 if args.short else 3)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    run = Run(args)
    try:
        return run.execute()
    finally:
        run.cleanup()


if __name__ == "__main__":
    sys.exit(main())
