"""Fault injection for handover notices: every notice is recorded and delivered once.

Builds a fixture in a dedicated PostgreSQL database (departments whose clerks choose
inbox, email, SMS or all three, one clerk who turned email off for "assigned" notices),
starts its own Redis on a free port, two Celery workers and a beat process (the reminder
scan re-queues notices left pending, the outbox drain runs every second), then assigns
--suggestions suggestions in three waves from this process, as the web would (each
assignment's notices are recorded in its transaction and queued through the outbox),
striking between the waves:

  1. SIGKILL to one worker's process group while it is sending, and a replacement;
  2. kill -9 of Redis (queued tasks lost with it), restarted two seconds later, while
     the next wave is being assigned (the outbox keeps what the broker refused);
  3. every PostgreSQL connection of the workers terminated, aimed at a send in flight.

When nothing is pending it stops everything and checks, against expectations computed
from the fixture (not from the Notice table):

  (a) the ledger holds exactly the expected notices (assignment, person, channel), all sent;
  (b) the inbox holds exactly one notification per inbox notice and nothing else;
  (c) every email notice was written, and an email written twice was in flight when a
      fault struck (a provider can accept a message just before the commit is lost);
  (d) the same for text messages, by their idempotency key.

    .venv/bin/python scripts/fault_notices.py            # 240 suggestions
    .venv/bin/python scripts/fault_notices.py --short    # CI: 60 suggestions

Reuses scripts/fault_reminders.py's process handling and scripts/fault_backends.py's
slowed file backends. The database named in --database-url is dropped and created again,
so its name must contain "fault". Exit status 0 means every check passed.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import fault_reminders as fr  # noqa: E402 - a sibling script, found through sys.path

ROOT = fr.ROOT
# (profile, notify_by_email, notify_by_sms, has email, has phone) → the channels expected.
PROFILES: dict[str, tuple[str, ...]] = {
    "inbox": ("inbox",),
    "email": ("inbox", "email"),
    "sms": ("inbox", "sms"),
    "all": ("inbox", "email", "sms"),
    "email_off_for_assigned": ("inbox",),  # email in general, not for this kind
}
DEPARTMENTS = 12


def load(suggestions: int) -> tuple[list[int], dict[int, list[tuple[str, str]]], Any]:
    """The fixture: departments with clerks of each profile, and unassigned suggestions.
    Returns the suggestions' ids, each department's expected (username, channel) pairs,
    and the staff member who assigns."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from proposals.models import Congress, Department, Deputy, Proposal, Session
    from tracker.models import Role, User

    clerk_group = Group.objects.get_or_create(name=Role.DEPT_CLERK)[0]
    staff_group = Group.objects.get_or_create(name=Role.CONGRESS_STAFF)[0]
    from django.utils import timezone

    today = timezone.localdate()
    expected: dict[int, list[tuple[str, str]]] = {}
    profiles = list(PROFILES)
    with transaction.atomic():
        # Reminded on the due day only: no reminder falls due during the run, so every
        # text message and notification written is a notice.
        congress = Congress.objects.create(
            name="故障注入测试人民代表大会", short_name="故障注入", reminder_days="0", reminder_repeat_days=7
        )
        session = Session.objects.create(
            congress=congress, name="故障注入测试会议", term=1, meeting=1, year=today.year
        )
        deputy = Deputy.objects.create(congress=congress, name="陈寿", delegation="龙岗代表团")
        staff = User.objects.create(username="fault-staff", password="!", notify_by_email=False)
        staff.groups.add(staff_group)
        n = 0
        for d in range(DEPARTMENTS):
            department = Department.objects.create(name=f"故障注入测试局{d:02d}")
            expected[department.pk] = []
            for _clerk in range(2):
                profile = profiles[n % len(profiles)]
                n += 1
                user = User.objects.create(
                    username=f"fault-clerk-{n:03d}",
                    password="!",
                    email=f"clerk{n}@example.gov.cn",
                    phone=f"1380000{n:04d}",
                    notify_by_email=profile in ("email", "all", "email_off_for_assigned"),
                    notify_by_sms=profile in ("sms", "all"),
                    notice_channels={"assigned": []} if profile == "email_off_for_assigned" else {},
                    department=department,
                )
                user.groups.add(clerk_group)
                expected[department.pk] += [(user.username, channel) for channel in PROFILES[profile]]
        proposals = Proposal.objects.bulk_create(
            [
                Proposal(
                    congress=congress,
                    session=session,
                    number=f"{today.year}{i + 1:05d}",
                    title=f"关于推进坪山河流域治理的建议（故障注入第{i + 1}件）",
                    lead_deputy=deputy,
                    received_on=today,
                )
                for i in range(suggestions)
            ]
        )
    return [p.pk for p in proposals], expected, staff


def assign_wave(pks: list[int], staff: Any) -> dict[int, int]:
    """Assign each suggestion to a department, as the assign page does; returns the
    department of each suggestion."""
    from django.utils import timezone

    from proposals.models import Department, Proposal

    departments = list(Department.objects.order_by("pk").values_list("pk", flat=True))
    chosen: dict[int, int] = {}
    for pk in pks:
        proposal = Proposal.objects.get(pk=pk)
        department = Department.objects.get(pk=departments[pk % len(departments)])
        proposal.assign(by=staff, lead=department, co=[], assigned_on=timezone.localdate())
        chosen[pk] = department.pk
    return chosen


def read_notice_mail(folder: Path) -> list[tuple[int, ...]]:
    separator = b"\n" + b"-" * 79 + b"\n"
    found = []
    for path in sorted(folder.glob("*/*.log")):
        for chunk in path.read_bytes().split(separator):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            ids = "".join(str(message.get("X-Tracker-Notices", "")).split())
            if ids:
                found.append(tuple(int(i) for i in ids.split(",")))
    return found


def repeats_in_flight(notes: list[dict[str, Any]], field: str, explained: Any) -> bool:
    """Of the sends noted for the same digest (same notice ids, or SMS key), every one but
    the last was uncommitted when a fault struck: only a lost commit sends a digest again.
    Prints each repeat that no fault explains."""
    by_digest: dict[str, list[dict[str, Any]]] = {}
    for note in notes:
        value = note.get(field)
        if value:
            by_digest.setdefault(str(value), []).append(note)
    unexplained = [
        (digest, note)
        for digest, copies in by_digest.items()
        for note in sorted(copies, key=lambda n: n["t"])[:-1]
        if not explained(note)
    ]
    for digest, note in unexplained:
        print(
            f"    {field} {digest}: a copy sent at {note['t']:.2f} by process group {note['pgid']} "
            "was sent again, and no fault struck while it was uncommitted"
        )
    return not unexplained


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--suggestions", type=int, default=240)
    parser.add_argument("--short", action="store_true", help="a quick run for CI: 60 suggestions")
    parser.add_argument("--send-delay", type=float, default=0.5)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/tracker_faults_notices")
    parser.add_argument("--redis-port", type=int, default=6393)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "fault-notices")
    args = parser.parse_args(argv)
    if args.short:
        args.suggestions = 60
    # What fault_reminders.Run reads from its arguments.
    args.scan_seconds, args.redispatch_after, args.obligations, args.seed = 2, 5, 0, 7

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    run = fr.Run(args)
    try:
        return execute(run, args)
    finally:
        run.cleanup()


def execute(run: fr.Run, args: argparse.Namespace) -> int:
    import os

    os.environ["OUTBOX_DRAIN_SECONDS"] = "1"
    print(f"== fault injection: notices of {args.suggestions} assignments, work files in {run.workdir}")
    run.prepare()
    run.env["OUTBOX_DRAIN_SECONDS"] = "1"
    run.start_redis()
    run.start_worker()
    run.start_worker()
    run.start_beat(1)
    run.t0 = time.time()
    pks, expected_by_department, staff = load(args.suggestions)
    sends = fr.SendsLog(run.workdir / "sends.jsonl")
    waves = [pks[i::3] for i in range(3)]
    assigned: dict[int, int] = {}
    assigned.update(assign_wave(waves[0], staff))
    run.strike("kill-worker", sends)
    # Redis dies and stays down while the second wave is assigned.
    run.procs.kill("redis")
    at = time.time()
    assigned.update(assign_wave(waves[1], staff))
    run.start_redis()
    run.record(
        fr.Fault(
            "kill-redis",
            at,
            0,
            f"kill -9 redis-server, restarted after the second wave ({time.time() - at:.1f} s)",
        )
    )
    assigned.update(assign_wave(waves[2], staff))
    run.strike("terminate-db", sends)

    from django.db import close_old_connections

    from responses.models import Notice

    deadline = time.monotonic() + args.timeout
    while True:
        close_old_connections()
        pending = Notice.objects.filter(status="pending").count()
        for name, status, _pgid in run.procs.reap():
            print(f"  {name} exited with {status}: restarted")
            if name.startswith("worker"):
                run.start_worker()
            elif name == "redis":
                run.start_redis()
        if pending == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    elapsed = time.time() - run.t0
    run.procs.stop_all()
    return check(run, sends, assigned, expected_by_department, pending, elapsed)


def check(
    run: fr.Run,
    sends: fr.SendsLog,
    assigned: dict[int, int],
    expected_by_department: dict[int, list[tuple[str, str]]],
    pending: int,
    elapsed: float,
) -> int:
    from django.db import close_old_connections

    from proposals.models import Proposal
    from responses.models import Notice
    from tracker.models import Notification

    close_old_connections()
    outcome = fr.Outcome()
    numbers = dict(Proposal.objects.filter(pk__in=assigned).values_list("pk", "number"))
    expected = {
        (numbers[pk], user, channel)
        for pk, department in assigned.items()
        for user, channel in expected_by_department[department]
    }
    rows = list(
        Notice.objects.values_list(
            "pk", "event__proposal__number", "recipient__username", "channel", "status"
        )
    )
    ledger = [(number, user, channel) for _pk, number, user, channel, _status in rows]
    print(f"== checks ({len(expected)} notices expected, drained in {elapsed:.1f} s, {pending} left pending)")
    outcome.check(
        sorted(ledger) == sorted(expected),
        f"(a) ledger: {len(ledger)} notices, each expected one exactly once "
        f"({len(set(ledger) - expected)} unexpected, {len(expected - set(ledger))} missing)",
    )
    outcome.check(all(r[4] == "sent" for r in rows), "(a) every notice sent")
    inbox_ids = {pk for pk, _n, _u, channel, _s in rows if channel == "inbox"}
    linked = Notice.objects.filter(pk__in=inbox_ids, notification__isnull=False).count()
    # (The assignments' own deadlines are reminded meanwhile; their notifications are theirs.)
    notifications = Notification.objects.filter(reminder__isnull=True).count()
    outcome.check(
        linked == len(inbox_ids) == notifications,
        f"(b) inbox: {notifications} notifications besides reminders for {len(inbox_ids)} inbox notices",
    )
    sends.poll()
    # A worker killed mid-send, or connections terminated while a delivery had marked its
    # rows sent but not committed (which it learns only at commit, so notes written just
    # after the strike count too): fault_reminders.Run.explained, shared.
    in_flight = run.explained
    email_ids = {pk for pk, _n, _u, channel, _s in rows if channel == "email"}
    mails = read_notice_mail(run.workdir / "mail")
    copies = Counter(i for ids in mails for i in ids)
    outcome.check(
        email_ids <= set(copies), f"(c) email: every one of {len(email_ids)} written ({len(mails)} digests)"
    )
    twice = {i for i, n in copies.items() if n > 1}
    outcome.check(
        repeats_in_flight([n for n in sends.notes if n.get("channel") == "email"], "notice_ids", in_flight),
        f"(c) email: {len(twice)} written twice, each earlier copy in flight when a fault struck",
    )
    sms_rows = Notice.objects.filter(channel="sms")
    sms_users = Counter(sms_rows.values_list("recipient__phone", flat=True))
    texts = fr.read_sms(run.workdir / "sms.jsonl")
    received = Counter(t["phone"] for t in texts)
    outcome.check(
        all(received[phone] >= 1 for phone in sms_users),
        f"(d) SMS: each of {len(sms_users)} people with SMS notices got a digest ({len(texts)} texts)",
    )
    repeated = {k for k, n in Counter(t["key"] for t in texts).items() if n > 1}
    outcome.check(
        repeats_in_flight([n for n in sends.notes if n.get("channel") == "sms"], "key", in_flight),
        f"(d) SMS: {len(repeated)} sent twice, each earlier copy in flight when a fault struck",
    )
    print(f"== {'PASS' if not outcome.failures else 'FAIL'}: {len(outcome.failures)} check(s) failed")
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    sys.exit(main())
