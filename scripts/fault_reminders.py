"""Fault injection for the reminder engine: every reminder is recorded and delivered once.

Loads --obligations due obligations (default 3,000; --short: 300) into a dedicated
PostgreSQL database, starts its own Redis on a free port, two Celery workers and two beat
processes (each scanning every 2 s; deliveries still pending 10 s after they were recorded
are re-queued by the scan), and while the reminders drain it

  1. SIGKILLs one worker (its whole process group) while it is sending, then starts a
     replacement;
  2. terminates every PostgreSQL connection of the workers, aimed at a send in flight;
  3. kill -9s Redis and restarts it on the same port (queued tasks are lost with it).

A worker that exits on its own (Celery's worker dies when Redis vanishes under it) is
restarted, as the deployment's supervisor would, and reported.

When nothing is pending it stops everything and checks, against expectations computed
from the fixture's design (not from the Reminder table):

  (a) the ledger holds exactly the expected reminders, all sent;
  (b) the inbox holds exactly one notification per inbox reminder and nothing else;
  (c) every email digest committed in the ledger was written, and every other copy was
      in flight when a fault struck (at-least-once is the best a mail server allows);
  (d) the same for text messages, by their idempotency key;
  (e) scans resumed after every fault, record nothing once all is sent, and re-queue at
      most one delivery per person and channel, also when a lost queue is replayed at
      full size on the final ledger (inside a transaction that is rolled back).

Email and SMS go through scripts/fault_backends.py: the product's file backends plus a
pause after the write (--send-delay), like a provider slow to answer, so that the kill
lands between "provider accepted" and "database committed".

    .venv/bin/python scripts/fault_reminders.py            # full run, one to two minutes
    .venv/bin/python scripts/fault_reminders.py --short    # CI, well under two minutes

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and redis-server on PATH.
The database named in --database-url is dropped and created again, so its name must
contain "fault". Logs, mail and SMS files go to --workdir (default var/fault-reminders).
Exit status 0 means every check passed.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import hashlib
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_faults"

# The congress of the fixture reminds on these days around a deadline and then weekly
# (set explicitly on the fixture congress, so a changed product default cannot move them).
REMINDER_DAYS = "-14,-3,0,1"
# Days past due (negative: days left) → the stage that is current today, worked out by
# hand from REMINDER_DAYS and a 7-day repeat: this table is the expectation under test.
STAGE_TODAY: dict[int, int | None] = {
    -30: None,  # first reminder in 16 days
    -15: None,  # first reminder tomorrow
    -14: -14,
    -9: -14,
    -3: -3,
    -1: -3,
    0: 0,
    1: 1,
    5: 1,
    8: 8,
    12: 8,
    15: 15,
    40: 36,
}
LEADERS_FROM_STAGE = 1  # the first overdue reminder (remind_leader_from = 1)
STAFF_FROM_STAGE = 8  # the second overdue reminder (remind_staff_from = 2)

# Channel profiles, given to people in turn; the channels are what each should receive.
PROFILES: dict[str, tuple[str, ...]] = {
    "inbox": ("inbox",),  # has an address and a phone, opted out of both
    "email": ("inbox", "email"),
    "sms": ("inbox", "sms"),  # no address, opted in to SMS
    "all": ("inbox", "email", "sms"),
    "unreachable": ("inbox",),  # opted in to both, gave neither address nor phone
}

# (name, share of the expected email and SMS reminders sent before it strikes, seconds
# after the previous fault at the least, so that each strikes a stack still recovering)
FAULT_PLAN = (("kill-worker", 0.2, 0.0), ("terminate-db", 0.4, 2.0), ("kill-redis", 0.6, 2.0))
REDIS_DOWN_SECONDS = 2.0


# ---------------------------------------------------------------------------
# The fixture's design and what it must produce
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    username: str
    role: str  # clerk | leader | staff
    department: int | None
    profile: str
    number: int
    active: bool = True

    @property
    def email(self) -> str:
        return "" if self.profile in ("sms", "unreachable") else f"{self.username}@faults.example.gov.cn"

    @property
    def phone(self) -> str:
        return "" if self.profile in ("email", "unreachable") else f"139{self.number:08d}"

    @property
    def channels(self) -> tuple[str, ...]:
        return PROFILES[self.profile]


@dataclass(frozen=True)
class Duty:
    """One assignment of the fixture and the obligations it must give."""

    proposal: int
    department: int
    role: str  # lead | co
    status: str  # accepted | pending | replied
    days_past_due: int
    days_past_window: int | None = None  # pending only: the sign-for window

    def obligations(self) -> list[tuple[str, int]]:
        """(kind, days past due) of each open obligation."""
        if self.status == "replied":
            return []
        found = [("reply" if self.role == "lead" else "co_opinion", self.days_past_due)]
        if self.status == "pending" and self.days_past_window is not None:
            found.append(("change_window", self.days_past_window))
        return found


@dataclass
class Design:
    people: list[Person]
    departments: int
    duties: list[Duty]

    def due_obligations(self) -> int:
        return sum(1 for d in self.duties for _, days in d.obligations() if STAGE_TODAY[days] is not None)

    def all_obligations(self) -> int:
        return sum(len(d.obligations()) for d in self.duties)

    def pairs(self) -> int:
        """(person, channel) pairs that can receive anything."""
        return sum(len(p.channels) for p in self.people if p.active)

    def audience(self, department: int, stage: int) -> list[tuple[Person, str]]:
        active = [p for p in self.people if p.active]
        clerks = [p for p in active if p.role == "clerk" and p.department == department]
        leaders = [p for p in active if p.role == "leader" and p.department == department]
        staff = [p for p in active if p.role == "staff"]
        people = [(p, "clerk") for p in clerks]
        # A department without clerks has its leaders reminded from the first stage.
        if stage >= LEADERS_FROM_STAGE or not clerks:
            people += [(p, "leader") for p in leaders]
        if stage >= STAFF_FROM_STAGE:
            people += [(p, "staff") for p in staff]
        return people

    def expected(self, assignment_pks: list[int]) -> set[tuple[int, str, int, str, str, str]]:
        """{(assignment, obligation kind, stage, username, audience, channel)}."""
        rows = set()
        for duty, pk in zip(self.duties, assignment_pks, strict=True):
            for kind, days in duty.obligations():
                stage = STAGE_TODAY[days]
                if stage is None:
                    continue
                for person, audience in self.audience(duty.department, stage):
                    for channel in person.channels:
                        rows.add((pk, kind, stage, person.username, audience, channel))
        return rows


def design(due_obligations: int, seed: int) -> Design:
    rng = random.Random(seed)
    departments = max(6, min(60, due_obligations // 10))
    people: list[Person] = []
    profiles = list(PROFILES)

    def add(
        username: str, role: str, department: int | None, active: bool = True, profile: str | None = None
    ) -> None:
        number = len(people) + 1
        profile = profile or profiles[number % len(profiles)]
        people.append(Person(username, role, department, profile, number, active))

    for d in range(departments):
        # The last department has a leader and no clerk.
        roles = ["leader"] if d == departments - 1 else ["clerk", "clerk", "leader"]
        for i, role in enumerate(roles):
            add(f"d{d:02d}-{role}{i}", role, d)
    add("d00-clerk-left", "clerk", 0, active=False)  # deactivated: must receive nothing
    add("staff-a", "staff", None, profile="all")
    add("staff-b", "staff", None, profile="inbox")

    offsets = list(STAGE_TODAY)
    duties: list[Duty] = []
    counted = 0
    proposal = 0
    while counted < due_obligations:
        dept = proposal % departments
        pattern = proposal % 10
        if pattern == 6:
            new = [Duty(proposal, dept, "lead", "pending", rng.choice(offsets), rng.choice(offsets))]
        elif pattern == 7:
            co_dept = (dept + 1) % departments
            new = [
                Duty(proposal, dept, "lead", "accepted", rng.choice(offsets)),
                Duty(proposal, co_dept, "co", "accepted", rng.choice(offsets)),
            ]
        elif pattern == 8:
            # Replied long ago and overdue on paper: settled, so nothing to remind.
            new = [Duty(proposal, dept, "lead", "replied", 40)]
        else:
            new = [Duty(proposal, dept, "lead", "accepted", rng.choice(offsets))]
        duties += new
        counted += sum(1 for d in new for _, days in d.obligations() if STAGE_TODAY[days] is not None)
        proposal += 1
    return Design(people, departments, duties)


def digest_key(ids: list[int]) -> str:
    """The idempotency key the product gives a digest: sha256 of its sorted reminder ids."""
    return hashlib.sha256(",".join(str(i) for i in sorted(ids)).encode()).hexdigest()[:32]


# ---------------------------------------------------------------------------
# Processes, Redis and PostgreSQL
# ---------------------------------------------------------------------------


class Processes:
    """The servers this run started, each in its own session so that a signal reaches a
    worker's pool children too. Only these process groups are ever signalled."""

    def __init__(self, workdir: Path) -> None:
        self.logs = workdir / "logs"
        self.pidfile = workdir / "pids.json"
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.redis_port = 0

    def save(self) -> None:
        pids = {name: p.pid for name, p in self.running.items()}
        self.pidfile.write_text(json.dumps({"pids": pids, "redis_port": self.redis_port}))

    def kill_leftovers(self, marker: str) -> list[str]:
        """Kill what an earlier run left behind when it was itself killed (no cleanup ran):
        only process groups in its pid file whose leader still shows it is ours, so that a
        recycled pid is never hit. Celery processes carry this run's marker in their
        environment; redis-server overwrites that with its title, which names its port."""
        try:
            earlier = json.loads(self.pidfile.read_text())
        except (FileNotFoundError, ValueError):
            return []
        redis_title = f"redis-server 127.0.0.1:{earlier.get('redis_port')}".encode()
        killed = []
        for name, pid in earlier.get("pids", {}).items():
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                title = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0")
            except OSError:
                continue
            if marker.encode() in environ or title == redis_title:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                killed.append(f"{name} ({pid})")
        return killed

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = proc
        self.save()
        return proc

    def pgid(self, name: str) -> int:
        return self.running[name].pid

    def kill(self, name: str) -> None:
        proc = self.running[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        del self.running[name]
        self.save()

    def stop(self, name: str, timeout: float = 20) -> None:
        proc = self.running[name]
        # The leader only: a Celery worker then finishes its tasks (warm shutdown);
        # SIGTERM to the group would kill its pool children mid-task.
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            print(f"  {name} did not stop in {timeout:.0f} s: killed")
        # Pool children left behind by a parent that exited or hung.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        del self.running[name]
        self.save()

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            self.stop(name, timeout=10)

    def reap(self) -> list[tuple[str, int, int]]:
        """(name, exit status, process group) of every process that exited on its own."""
        exited = [(name, p.returncode, p.pid) for name, p in self.running.items() if p.poll() is not None]
        for name, _, _ in exited:
            self.stop(name)  # its pool children, if any
        return exited


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            # As redis-server binds: a port held only by TIME_WAIT connections is free.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free TCP port")


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def redis_queue_length(port: int, queue: str = "celery") -> int | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(f"*2\r\n$4\r\nLLEN\r\n${len(queue)}\r\n{queue}\r\n".encode())
            reply = s.recv(64)
    except OSError:
        return None
    return int(reply[1:].split(b"\r\n")[0]) if reply.startswith(b":") else None


def recreate_database(url: str) -> str:
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "fault" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: its name must contain 'fault'")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


# ---------------------------------------------------------------------------
# Loading the fixture (Django is set up by then)
# ---------------------------------------------------------------------------


def load(plan: Design, today: date) -> list[int]:
    """Create the people, suggestions and assignments of the design; return the
    assignments' ids in design order. Obligations come from the product's own sync."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from proposals.models import Assignment, Congress, Department, Deputy, Proposal, Session
    from responses.models import Obligation
    from tracker.models import Role, User

    groups = {
        "clerk": Group.objects.get(name=Role.DEPT_CLERK),
        "leader": Group.objects.get(name=Role.DEPT_LEADER),
        "staff": Group.objects.get(name=Role.CONGRESS_STAFF),
    }
    with transaction.atomic():
        congress = Congress.objects.create(
            name="故障注入测试人民代表大会",
            short_name="故障注入",
            reminder_days=REMINDER_DAYS,
            reminder_repeat_days=7,
            remind_leader_from=1,
            remind_staff_from=2,
        )
        session = Session.objects.create(
            congress=congress, name="故障注入测试第一次会议", term=1, meeting=1, year=today.year
        )
        deputy = Deputy.objects.create(congress=congress, name="陈寿", delegation="龙岗代表团")
        departments = Department.objects.bulk_create(
            [Department(name=f"故障注入测试局{d:02d}") for d in range(plan.departments)]
        )
        users = User.objects.bulk_create(
            [
                User(
                    username=p.username,
                    password="!",  # unusable: nobody signs in as a fixture person
                    email=p.email,
                    phone=p.phone,
                    notify_by_email=p.profile != "inbox",
                    notify_by_sms=p.profile in ("sms", "all", "unreachable"),
                    department=departments[p.department] if p.department is not None else None,
                    is_active=p.active,
                )
                for p in plan.people
            ]
        )
        User.groups.through.objects.bulk_create(
            [
                User.groups.through(user_id=u.pk, group_id=groups[p.role].pk)
                for u, p in zip(users, plan.people, strict=True)
            ]
        )
        staff = next(u for u, p in zip(users, plan.people, strict=True) if p.role == "staff")
        count = max(d.proposal for d in plan.duties) + 1
        proposals = Proposal.objects.bulk_create(
            [
                Proposal(
                    congress=congress,
                    session=session,
                    number=f"{today.year}{i + 1:05d}",
                    title=f"关于推进坪山河流域治理的建议（故障注入第{i + 1}件）",
                    lead_deputy=deputy,
                    received_on=today - timedelta(days=200),
                    status=Proposal.Status.HANDLING,
                )
                for i in range(count)
            ],
            batch_size=1000,
        )
        statuses = {
            "accepted": Assignment.Status.ACCEPTED,
            "pending": Assignment.Status.PENDING,
            "replied": Assignment.Status.REPLIED,
        }
        assignments = []
        for duty in plan.duties:
            due_on = today - timedelta(days=duty.days_past_due)
            assigned_on = due_on - timedelta(days=90)
            window = duty.days_past_window
            assignments.append(
                Assignment(
                    proposal=proposals[duty.proposal],
                    department=departments[duty.department],
                    role=Assignment.Role.LEAD if duty.role == "lead" else Assignment.Role.CO,
                    status=statuses[duty.status],
                    assigned_on=assigned_on,
                    due_on=due_on,
                    due_basis={"kind": "text", "text": "fault-injection fixture"},
                    respond_by=today - timedelta(days=window) if window is not None else assigned_on,
                    assigned_by=staff,
                )
            )
        Assignment.objects.bulk_create(assignments, batch_size=1000)
        for assignment in Assignment.objects.filter(proposal__congress=congress).select_related(
            "proposal__congress"
        ):
            Obligation.objects.sync(assignment, today=today)
    return [a.pk for a in assignments]


def check_fixture(plan: Design, pks: list[int], today: date) -> list[str]:
    """The obligations sync created must be the designed ones, or the test means nothing."""
    from responses.models import Obligation

    designed = {
        (pk, kind, today - timedelta(days=days))
        for duty, pk in zip(plan.duties, pks, strict=True)
        for kind, days in duty.obligations()
    }
    stored = set(Obligation.objects.filter(is_open=True).values_list("assignment_id", "kind", "due_on"))
    if stored != designed:
        return [f"fixture: {len(stored)} obligations stored, {len(designed)} designed"]
    return []


# ---------------------------------------------------------------------------
# Watching the run
# ---------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    at: float
    sent: int
    detail: str
    pgid: int | None = None
    until: float = 0.0  # when it was over (terminate-db: the query returned)


@dataclass
class Exit:
    """A worker that died on its own (not by our hand) and was restarted."""

    name: str
    at: float
    status: int
    pgid: int
    replacement: str


class SendsLog:
    """Follows scripts/fault_backends.py's notes as the workers append them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.notes: list[dict[str, Any]] = []

    def poll(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1
        self.notes += [json.loads(line) for line in data[:end].splitlines()]
        self.offset += end

    def in_flight(self, delay: float, pgid: int | None = None) -> list[dict[str, Any]]:
        """Notes young enough that their sender is still inside its pause, before commit."""
        self.poll()
        now = time.time()
        return [
            n
            for n in reversed(self.notes[-500:])
            if now - n["t"] < delay * 0.6 and (pgid is None or n["pgid"] == pgid)
        ]


def ledger_counts() -> dict[str, int]:
    from django.db.models import Count, Q

    from responses.models import Reminder

    return Reminder.objects.aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(status="sent")),
        pending=Count("pk", filter=Q(status="pending")),
        other=Count("pk", filter=~Q(status__in=["sent", "pending"])),
        **{
            f"sent_{channel}": Count("pk", filter=Q(status="sent", channel=channel))
            for channel in ("inbox", "email", "sms")
        },
    )


def terminate_connections(database: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return int(cursor.fetchone()[0])


# ---------------------------------------------------------------------------
# Reading what was delivered
# ---------------------------------------------------------------------------


@dataclass
class Mail:
    to: str
    message_id: str
    ids: tuple[int, ...]


def read_mail(folder: Path) -> list[Mail]:
    """Messages written by Django's file backend: each followed by a line of 79 dashes."""
    mails = []
    separator = b"\n" + b"-" * 79 + b"\n"
    for path in sorted(folder.glob("*/*.log")):
        for chunk in path.read_bytes().split(separator):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            ids = "".join(str(message.get("X-Tracker-Reminders", "")).split())
            mails.append(
                Mail(
                    to=str(message.get("To", "")),
                    message_id=str(message.get("Message-ID", "")),
                    ids=tuple(int(i) for i in ids.split(",") if i),
                )
            )
    return mails


def read_sms(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    figures: list[tuple[str, object]] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> None:
        print(f"  [{'ok' if ok else 'FAIL'}] {message}")
        if not ok:
            self.failures.append(message)

    def figure(self, name: str, value: object) -> None:
        self.figures.append((name, value))


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir: Path = args.workdir.resolve()
        self.procs = Processes(self.workdir)
        self.faults: list[Fault] = []
        self.exits: list[Exit] = []
        self.queue_peak = 0
        self.outcome = Outcome()
        self.t0 = 0.0
        self.redis_port = 0
        self.database = ""
        self.env: dict[str, str] = {}
        self.worker_number = 0

    # -- setting up -----------------------------------------------------------

    def prepare(self) -> None:
        sends_log = self.workdir / "sends.jsonl"
        for leftover in self.procs.kill_leftovers(f"FAULT_SENDS_LOG={sends_log}"):
            print(f"  killed {leftover}, left running by an earlier run")
        # Only what this script writes: --workdir may name a folder holding other things.
        for name in ("logs", "mail", "beat"):
            shutil.rmtree(self.workdir / name, ignore_errors=True)
            (self.workdir / name).mkdir(parents=True)
        for name in ("sms.jsonl", "sends.jsonl", "pids.json"):
            (self.workdir / name).unlink(missing_ok=True)
        self.redis_port = self.procs.redis_port = free_port(self.args.redis_port)
        self.database = recreate_database(self.args.database_url)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            # As in production: DEBUG off, which needs a key of its own.
            "DEBUG": "false",
            "SECRET_KEY": "fault-reminders-only-not-a-secret",
            "PYTHONPATH": os.pathsep.join([str(SCRIPTS), str(ROOT)]),
            "DATABASE_URL": self.args.database_url,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "TRACKER_VAR_DIR": str(self.workdir),
            "REMINDER_SEND_HOURS": "",
            "REMINDER_SCAN_SECONDS": str(self.args.scan_seconds),
            "REMINDER_REDISPATCH_AFTER": str(self.args.redispatch_after),
            "EMAIL_BACKEND": "fault_backends.SlowFileEmailBackend",
            "EMAIL_FILE_PATH": str(self.workdir / "mail"),
            "SMS_BACKEND": "fault_backends.SlowFileSmsBackend",
            "SMS_FILE_PATH": str(self.workdir / "sms.jsonl"),
            "FAULT_SENDS_LOG": str(sends_log),
            "FAULT_SEND_DELAY": str(self.args.send_delay),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "LOG_LEVEL": "INFO",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True
        )
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        # The rescans at the end would log their (empty) results among the checks.
        logging.getLogger("responses").setLevel(logging.WARNING)

    def start_redis(self) -> None:
        argv = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.procs.start("redis", argv, self.env)
        wait_for(lambda: redis_ping(self.redis_port), 10, f"Redis on port {self.redis_port}")

    def start_worker(self) -> str:
        self.worker_number += 1
        name = f"worker{self.worker_number}"
        argv = [str(VENV_BIN / "celery"), "-A", "tracker", "worker", "--pool=prefork", "-c", "4"]
        argv += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-n", f"{name}@%h"]
        self.procs.start(name, [*argv, "--loglevel=INFO"], self.env)
        return name

    def start_beat(self, number: int) -> None:
        argv = [str(VENV_BIN / "celery"), "-A", "tracker", "beat", "--loglevel=INFO", "--max-interval=1"]
        argv.append(f"--schedule={self.workdir / 'beat' / f'schedule-{number}'}")
        self.procs.start(f"beat{number}", argv, self.env)

    # -- faults ---------------------------------------------------------------

    def elapsed(self, at: float | None = None) -> float:
        return (at or time.time()) - self.t0

    def strike(self, name: str, sends: SendsLog) -> None:
        delay = self.args.send_delay
        if name == "kill-worker":
            victim = next(n for n in self.procs.running if n.startswith("worker"))  # the oldest
            pgid = self.procs.pgid(victim)
            aimed = self.aim(lambda: sends.in_flight(delay, pgid))
            sent = ledger_counts()["sent"]
            at = time.time()
            self.procs.kill(victim)
            replacement = self.start_worker()
            detail = f"SIGKILL to {victim}'s process group {pgid}{aimed}; {replacement} started"
            self.record(Fault(name, at, sent, detail, pgid))
        elif name == "kill-redis":
            sent = ledger_counts()["sent"]
            at = time.time()
            self.procs.kill("redis")
            time.sleep(REDIS_DOWN_SECONDS)
            self.start_redis()
            detail = f"kill -9 redis-server :{self.redis_port}, restarted {time.time() - at:.1f} s later"
            self.record(Fault(name, at, sent, detail))
        else:
            aimed = self.aim(lambda: sends.in_flight(delay))
            sent = ledger_counts()["sent"]
            at = time.time()
            terminated = terminate_connections(self.database)
            detail = f"pg_terminate_backend on {terminated} connections{aimed}"
            self.record(Fault(name, at, sent, detail, until=time.time()))

    def aim(self, in_flight: Any) -> str:
        """Wait (a little) for a send in flight, so the fault lands between write and commit."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            notes = in_flight()
            if notes:
                return f", {len(notes)} send(s) in flight"
            time.sleep(0.02)
        return ", no send in flight"

    def record(self, fault: Fault) -> None:
        self.faults.append(fault)
        print(f"  t+{self.elapsed(fault.at):6.1f} s  {fault.name}: {fault.detail} ({fault.sent} sent before)")

    # -- the whole run --------------------------------------------------------

    def execute(self) -> int:
        args = self.args
        started = time.monotonic()
        print(f"== fault injection: {args.obligations} due obligations, work files in {self.workdir}")
        self.prepare()
        print(f"  database {self.database} created and migrated in {time.monotonic() - started:.1f} s")
        from django.utils import timezone

        today = timezone.localdate()
        plan = design(args.obligations, args.seed)
        t = time.monotonic()
        pks = load(plan, today)
        expected = plan.expected(pks)
        for problem in check_fixture(plan, pks, today):
            self.outcome.check(False, problem)
            return 1
        print(
            f"  loaded {plan.all_obligations()} obligations ({plan.due_obligations()} due today) on "
            f"{len(set(pks))} assignments, {len(plan.people)} people in {plan.departments} departments "
            f"in {time.monotonic() - t:.1f} s; {len(expected)} reminders expected"
        )
        self.start_redis()
        print(f"  redis-server on 127.0.0.1:{self.redis_port}, database {self.database}")
        self.t0 = time.time()
        self.start_worker()
        self.start_worker()
        self.start_beat(1)
        self.start_beat(2)
        sends = SendsLog(self.workdir / "sends.jsonl")
        drained_at = self.drain(Counter(key[-1] for key in expected), sends)
        if drained_at:
            print(f"  t+{self.elapsed(drained_at):6.1f} s  drained: nothing pending")
        t = time.monotonic()
        self.stop_servers()
        print(f"  beats, workers and Redis stopped in {time.monotonic() - t:.1f} s")
        settle = self.rescan(drained_at) if drained_at else {}
        replay = self.replay_lost_broker()
        if not drained_at:
            counts = ledger_counts()
            self.outcome.check(False, f"drained within {args.timeout:.0f} s (ledger now {counts})")
        if today != timezone.localdate():
            self.outcome.check(False, "the run stayed within one day (it crossed midnight: run it again)")
        print("== checks")
        self.verify(expected, sends, settle, plan.pairs(), replay)
        self.summarise(plan, expected, drained_at, time.monotonic() - started)
        return 1 if self.outcome.failures else 0

    def drain(self, expected: Counter[str], sends: SendsLog) -> float | None:
        """Inject the faults as the reminders go out; return when nothing is pending.

        Faults follow the progress of email and SMS: the inbox, written in the database
        alone, drains in a moment and would make the share sent race ahead."""
        plan = list(FAULT_PLAN)
        total = sum(expected.values())
        slow = expected["email"] + expected["sms"]
        deadline = time.monotonic() + self.args.timeout
        last = shown = 0.0
        while time.monotonic() < deadline:
            counts = ledger_counts()
            sent_slow = counts["sent_email"] + counts["sent_sms"]
            if time.time() >= shown + 5:
                shown = time.time()
                queued = redis_queue_length(self.redis_port)
                self.queue_peak = max(self.queue_peak, queued or 0)
                print(
                    f"  t+{self.elapsed():6.1f} s  {counts['total']}/{total} recorded; sent: "
                    + ", ".join(f"{c} {counts['sent_' + c]}/{expected[c]}" for c in ("inbox", "email", "sms"))
                    + f"; {queued if queued is not None else '-'} tasks queued"
                )
            if plan and sent_slow >= plan[0][1] * slow and time.time() >= last + plan[0][2]:
                self.strike(plan.pop(0)[0], sends)
                last = time.time()
                continue
            if counts["total"] >= total and counts["pending"] == 0:
                if plan:
                    names = ", ".join(name for name, _, _ in plan)
                    self.outcome.check(False, f"the run lasted until every fault struck (not: {names})")
                return time.time()
            self.supervise()
            time.sleep(0.2)
        return None

    def supervise(self) -> None:
        """Restart a worker that exited, as the deployment's supervisor would
        (docker-compose.yml: restart: unless-stopped); anything else ends the run."""
        for name, status, pgid in self.procs.reap():
            if not name.startswith("worker"):
                raise RuntimeError(f"{name} exited with status {status}; see {self.workdir / 'logs'}")
            replacement = self.start_worker()
            exit_ = Exit(name, time.time(), status, pgid, replacement)
            self.exits.append(exit_)
            print(
                f"  t+{self.elapsed(exit_.at):6.1f} s  {name} exited (status {status}): {replacement} started"
            )

    def rescan(self, drained_at: float) -> dict[str, Any]:
        """Scan twice more, in this process, once everything has stopped: with every stage
        claimed and every reminder sent, a scan must record nothing and re-queue nothing.

        In this process rather than through beat because the beats' scans queue behind
        the re-dispatched deliveries and may not get their turn before the end."""
        from responses.models import ScanRun
        from responses.reminders.scan import run_scan

        beat_scans = ScanRun.objects.filter(
            started_at__gt=datetime.fromtimestamp(drained_at).astimezone(), finished_at__isnull=False
        ).count()
        before = ledger_counts()["total"]
        scans = [run_scan() for _ in range(2)]
        return {
            "beat_scans": beat_scans,
            "ids": [scan.pk for scan in scans],
            "reminders": sum(scan.reminders for scan in scans),
            "redispatched": sum(scan.redispatched for scan in scans),
            "before": before,
            "after": ledger_counts()["total"],
        }

    def replay_lost_broker(self) -> dict[str, int]:
        """Replay, at full size, what a broker that lost its queue leaves behind, then roll
        it back: every reminder pending and long since due to be re-queued. The next scan
        must then queue exactly one delivery for each (person, channel) with something
        pending. The live faults show the same thing only when a scan happens to finish
        while many reminders are stale; this makes it certain. Only the enqueueing is
        stood in for: it is recorded instead of sent to a broker."""
        from unittest import mock

        from django.db import transaction
        from django.utils import timezone

        import responses.reminders.scan as engine
        from responses.models import Reminder

        queued: list[tuple[int, str]] = []
        with transaction.atomic():
            long_ago = timezone.now() - timedelta(hours=1)
            Reminder.objects.update(status="pending", sent_at=None, created_at=long_ago)
            stale = set(Reminder.objects.values_list("recipient_id", "channel").order_by().distinct())
            # The scan queues its deliveries through the outbox: record what it queues.
            with mock.patch.object(
                engine.outbox,
                "enqueue_many",
                lambda task, calls: queued.extend((person, channel) for person, channel in calls),
            ):
                engine.redispatch_stale(timezone.now())
            transaction.set_rollback(True)
        return {
            "stale": len(stale),
            "queued": len(queued),
            "distinct": len(set(queued)),
            "missed": len(stale - set(queued)),
        }

    def stop_servers(self) -> None:
        for name in [n for n in self.procs.running if n.startswith("beat")]:
            self.procs.stop(name)
        for name in [n for n in self.procs.running if n.startswith("worker")]:
            self.procs.stop(name)
        self.procs.stop_all()

    # -- checking -------------------------------------------------------------

    def verify(
        self,
        expected: set[tuple[Any, ...]],
        sends: SendsLog,
        settle: dict[str, Any],
        pairs: int,
        replay: dict[str, int],
    ) -> None:
        from django.db.models import Count, Max, Q

        from responses.models import Reminder, ScanRun
        from tracker.models import Notification

        check, figure = self.outcome.check, self.outcome.figure
        sends.poll()
        reminders = list(
            Reminder.objects.values(
                "pk",
                "obligation__assignment_id",
                "obligation__kind",
                "stage",
                "recipient_id",
                "recipient__username",
                "recipient__email",
                "recipient__phone",
                "audience",
                "channel",
                "status",
                "version",
                "sent_at",
                "attempts",
                "notification_id",
            )
        )
        # (a) The ledger.
        recorded = Counter(
            (
                r["obligation__assignment_id"],
                r["obligation__kind"],
                r["stage"],
                r["recipient__username"],
                r["audience"],
                r["channel"],
            )
            for r in reminders
        )
        missing = expected - set(recorded)
        extra = set(recorded) - expected
        twice = [key for key, n in recorded.items() if n > 1]
        check(
            not missing and not extra and not twice and len(reminders) == len(expected),
            f"ledger: {len(reminders)} reminders recorded, {len(expected)} expected "
            f"({len(missing)} missing, {len(extra)} unexpected, {len(twice)} twice)"
            + (f"; e.g. missing {sorted(missing)[:3]}" if missing else "")
            + (f"; e.g. unexpected {sorted(extra)[:3]}" if extra else ""),
        )
        statuses = Counter(r["status"] for r in reminders)
        check(
            statuses == Counter({"sent": len(reminders)}), f"ledger: every reminder sent ({dict(statuses)})"
        )
        check(all(r["version"] == 1 for r in reminders), "ledger: every reminder is for deadline version 1")
        if settle:
            check(
                settle["reminders"] == settle["redispatched"] == 0 and settle["before"] == settle["after"],
                f"ledger: two scans after the end recorded {settle['reminders']} reminders and re-queued "
                f"{settle['redispatched']} deliveries ({settle['before']} → {settle['after']} in the ledger)",
            )
            self.outcome.figure("beat scans finished after the drain", settle["beat_scans"])
        by_pk = {r["pk"]: r for r in reminders}

        # (b) The inbox.
        inbox = [r for r in reminders if r["channel"] == "inbox"]
        linked = [r["notification_id"] for r in inbox if r["notification_id"] is not None]
        notifications = dict(Notification.objects.values_list("pk", "recipient_id"))
        orphans = Notification.objects.filter(reminder__isnull=True).count()
        wrong_person = [r for r in inbox if notifications.get(r["notification_id"]) != r["recipient_id"]]
        check(
            len(linked) == len(inbox) == len(set(linked)) == len(notifications)
            and not orphans
            and not wrong_person,
            f"inbox: {len(notifications)} notifications for {len(inbox)} inbox reminders "
            f"({len(inbox) - len(linked)} reminders without one, {len(linked) - len(set(linked))} shared, "
            f"{orphans} notifications without a reminder, {len(wrong_person)} to the wrong person)",
        )
        figure("inbox notifications", len(notifications))

        # The digests the ledger says were committed: one per (person, channel, sent_at).
        committed: dict[str, set[tuple[Any, ...]]] = {"email": set(), "sms": set()}
        groups: dict[tuple[int, str, Any], list[int]] = defaultdict(list)
        for r in reminders:
            if r["channel"] != "inbox" and r["status"] == "sent":
                groups[(r["recipient_id"], r["channel"], r["sent_at"])].append(r["pk"])
        for (_, channel, _), ids in groups.items():
            person = by_pk[ids[0]]
            if channel == "email":
                committed["email"].add((person["recipient__email"], tuple(sorted(ids))))
            else:
                committed["sms"].add((person["recipient__phone"], digest_key(ids)))
        attempts_over_one = {r["pk"] for r in reminders if r["attempts"] > 1}

        # (c) Email.
        mails = read_mail(self.workdir / "mail")
        mail_copies = Counter((m.to, tuple(sorted(m.ids))) for m in mails)
        email_ids = {r["pk"] for r in reminders if r["channel"] == "email"}
        delivered_ids = Counter(i for m in mails for i in m.ids)
        bad_message_id = [
            m for m in mails if not m.message_id.startswith(f"<reminders-{digest_key(list(m.ids))}@")
        ]
        strangers = [
            m for m in mails if any(i not in email_ids or by_pk[i]["recipient__email"] != m.to for i in m.ids)
        ]
        check(
            committed["email"] <= set(mail_copies),
            f"email: all {len(committed['email'])} committed digests written "
            f"({len(committed['email'] - set(mail_copies))} missing)",
        )
        check(
            email_ids <= set(delivered_ids),
            f"email: all {len(email_ids)} email reminders delivered "
            f"({len(email_ids - set(delivered_ids))} never)",
        )
        check(
            not strangers and not bad_message_id,
            f"email: every message lists only its recipient's email reminders and carries its digest's "
            f"Message-ID ({len(strangers)} strangers, {len(bad_message_id)} wrong Message-IDs)",
        )
        email_notes = [n for n in sends.notes if n["channel"] == "email"]
        notes_by_copy = defaultdict(list)
        for n in email_notes:
            notes_by_copy[(n["to"][0], tuple(sorted(n["ids"])))].append(n)
        self.check_repeats("email", mail_copies, notes_by_copy, committed["email"])
        repeated = {i for i, n in delivered_ids.items() if n > 1}
        figure("email messages", len(mails))
        figure("email reminders delivered", f"{len(set(delivered_ids))} of {len(email_ids)}")
        figure(
            "email reminders delivered twice",
            f"{len(repeated)} ({len(repeated & attempts_over_one)} of them with attempts > 1)",
        )

        # (d) SMS.
        lines = read_sms(self.workdir / "sms.jsonl")
        sms_copies = Counter((line["phone"], line["key"]) for line in lines)
        sms_notes = defaultdict(list)
        for n in sends.notes:
            if n["channel"] == "sms":
                sms_notes[(n["phone"], n["key"])].append(n)
        check(
            committed["sms"] <= set(sms_copies),
            f"sms: all {len(committed['sms'])} committed digests sent, matched by phone and key "
            f"({len(committed['sms'] - set(sms_copies))} missing)",
        )
        self.check_repeats("sms", sms_copies, sms_notes, committed["sms"])
        sms_count = sum(1 for r in reminders if r["channel"] == "sms")
        figure("sms messages", f"{len(lines)} for {sms_count} sms reminders")

        # Scans and recovery (the beats' scans: the two final rescans left out).
        beat_scans = ScanRun.objects.exclude(pk__in=settle.get("ids", []))
        scans = beat_scans.aggregate(
            n=Count("pk"), unfinished=Count("pk", filter=Q(finished_at=None)), requeued=Max("redispatched")
        )
        figure(
            "scans",
            f"{scans['n']} by beat ({scans['unfinished']} cut short by a fault or the shutdown), "
            f"{len(settle.get('ids', []))} final rescans",
        )
        # A scan re-queues one delivery per person and channel with stale reminders, so
        # never more than there are (person, channel) pairs; more means a flood of
        # repeated deliveries that buries the ones that matter.
        check(
            (scans["requeued"] or 0) <= pairs,
            f"scans: at most one re-queued delivery per person and channel ({pairs} pairs; "
            f"the most a scan re-queued: {scans['requeued']})",
        )
        check(
            replay["queued"] == replay["distinct"] == replay["stale"],
            f"scans: after a lost queue, one delivery per (person, channel) with stale reminders "
            f"(replayed with all {len(reminders)} reminders stale: {replay['stale']} pairs, "
            f"{replay['queued']} deliveries queued, {replay['distinct']} of them distinct, "
            f"{replay['missed']} pairs left out)",
        )
        for fault in self.faults:
            after = beat_scans.filter(
                started_at__gt=datetime.fromtimestamp(fault.at).astimezone(), finished_at__isnull=False
            ).count()
            check(after > 0, f"scans finished after {fault.name}: {after}")
        for fault in self.faults:
            check(
                0 < fault.sent < len(expected),
                f"{fault.name} struck mid-run ({fault.sent} of {len(expected)} reminders sent)",
            )
        strays = [e for e in self.exits if not any(0 <= e.at - f.at <= 30 for f in self.faults)]
        check(
            not strays,
            f"workers exited on their own only just after a fault ({len(self.exits)} exits, "
            f"{len(strays)} with no fault in the 30 s before)",
        )

    def check_repeats(
        self,
        channel: str,
        copies: Counter[tuple[Any, ...]],
        notes: dict[tuple[Any, ...], list[dict[str, Any]]],
        committed: set[tuple[Any, ...]],
    ) -> None:
        """Every copy but the committed one was in flight when a fault struck.

        A delivery that commits leaves nothing pending, so nothing sends its reminders
        again: a copy that is not the last of a committed digest belongs to a delivery
        that never committed. Such a copy is explained only if, soon after its note,
        its sender's process group was killed or died, or the database connections
        were terminated."""
        unexplained: list[dict[str, Any]] = []
        interrupted = 0
        unnoted = [key for key, n in copies.items() if n > len(notes.get(key, []))]
        for key, group in notes.items():
            group = sorted(group, key=lambda n: n["t"])
            if key in committed:
                group = group[:-1]
            for note in group:
                interrupted += 1
                if not self.explained(note):
                    unexplained.append(note)
        self.outcome.check(
            not unexplained and not unnoted,
            f"{channel}: each of {interrupted} sends that did not commit was in flight at a fault "
            f"({len(unexplained)} unexplained, {len(unnoted)} copies without a note)"
            + (f"; e.g. {unexplained[0]}" if unexplained else ""),
        )
        self.outcome.figure(f"{channel} sends interrupted by a fault", interrupted)
        same_key = sum(n - 1 for key, n in copies.items() if key in committed)
        other_key = sum(n for key, n in copies.items() if key not in committed)
        self.outcome.figure(
            f"{channel} extra copies delivered",
            f"{same_key + other_key}: {same_key} repeat a committed digest (same key), "
            f"{other_key} have a key never committed",
        )

    def explained(self, note: dict[str, Any]) -> bool:
        """Did a fault strike while the delivery that wrote this note was uncommitted?

        A kill (ours, or a worker dying on its own) explains the notes its process group
        wrote before it, within the pause and some slack for a loaded machine (a crash is
        seen up to a poll or an aimed fault later). Terminating the connections also
        explains notes written just after it: the delivery had marked its rows sent on a
        connection that was already gone, and learns so only at commit."""
        window = self.args.send_delay + 15
        for f in self.faults:
            if f.name == "kill-worker" and note["pgid"] == f.pgid and 0 <= f.at - note["t"] <= window:
                return True
            if f.name == "terminate-db" and f.at - window <= note["t"] <= f.until + 2:
                return True
        return any(note["pgid"] == e.pgid and 0 <= e.at - note["t"] <= window for e in self.exits)

    def summarise(
        self, plan: Design, expected: set[tuple[Any, ...]], drained_at: float | None, took: float
    ) -> None:
        print("== summary")
        rows = [
            ("obligations loaded", f"{plan.all_obligations()} ({plan.due_obligations()} due today)"),
            ("people", f"{len(plan.people)} in {plan.departments} departments + staff"),
            ("reminders expected", len(expected)),
            ("reminders recorded", ledger_counts()["total"]),
            *self.outcome.figures,
            ("time to drain", f"{self.elapsed(drained_at):.1f} s" if drained_at else "did not drain"),
            (
                "workers that exited on their own",
                ", ".join(f"{e.name} (status {e.status})" for e in self.exits) or "none",
            ),
            ("longest task queue seen", f"{self.queue_peak} messages"),
            ("whole run", f"{took:.1f} s"),
        ]
        for name, value in rows:
            print(f"  {name:<36} {value}")
        print("  faults injected:")
        for fault in self.faults:
            stamp = datetime.fromtimestamp(fault.at).astimezone().strftime("%H:%M:%S.%f")[:-3]
            print(f"    {stamp} (t+{self.elapsed(fault.at):.1f} s) {fault.name}: {fault.detail}")
        if self.outcome.failures:
            print(f"FAILED: {len(self.outcome.failures)} check(s); logs in {self.workdir / 'logs'}")
        else:
            print("PASSED: every reminder recorded and delivered once; repeats only where a fault struck")

    def cleanup(self) -> None:
        self.procs.stop_all()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--obligations", type=int, default=3000, help="due obligations to load (default 3000)"
    )
    parser.add_argument("--short", action="store_true", help="a quick run for CI: 300 obligations")
    parser.add_argument("--send-delay", type=float, default=0.5, help="seconds each email/SMS send pauses")
    parser.add_argument("--timeout", type=float, default=None, help="seconds to wait for the drain")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-port", type=int, default=6391, help="preferred port for our redis-server")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "fault-reminders")
    parser.add_argument("--scan-seconds", type=int, default=2)
    parser.add_argument("--redispatch-after", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.short:
        args.obligations = 300
    if args.timeout is None:
        args.timeout = 75.0 if args.short else 220.0
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
