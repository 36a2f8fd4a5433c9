"""Backup and restore, end to end on PostgreSQL: what comes back is what was there.

  1. A fresh database (…_src) is migrated and given the demo data (load_demo, which also
     archives the real seed letter of No. 20240493 as an uploaded file), two evidence files
     on a commitment's progress report (PNG and PDF, through Commitment.report_progress),
     and one reminder scan whose deliveries all go out (inbox, email to files, SMS to a
     file), on a clock frozen at the script's start.
  2. ``manage.py backup --output DIR`` makes the archive, as cron would.
  3. ``manage.py restore - < archive`` restores it from standard input, as under docker
     compose, into a second fresh database (…_dst) and an empty media folder.
  4. Checks: every table's row count equal in both databases; every media file present with
     the same SHA-256 (and every file a row names present); ``manage.py check --database
     default`` and ``migrate --check`` pass on the restored database; a reminder scan there,
     on the same frozen clock, records and sends nothing (reminders, inbox notifications,
     emails and text messages counted before and after); and an archive with one byte of
     one media file changed is refused by ``restore --check``.

    .venv/bin/python scripts/check_backup_restore.py

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and its client tools
(pg_dump, pg_restore of the server's version). --database-url names the source database;
it and the same name with _dst are dropped and created again, so the name must contain
"backup". Files go to --workdir (default var/backup-check). Prints PASS or FAIL per check;
exit status 0 means every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_backup_check"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--workdir", default=str(ROOT / "var" / "backup-check"))
    parser.add_argument("--step", help=argparse.SUPPRESS)  # internal: one step inside Django
    args = parser.parse_args()
    if args.step:
        return run_step(args.step)
    return check(args)


# ---------------------------------------------------------------------------
# The orchestration (no Django here: every step is a process of its own)
# ---------------------------------------------------------------------------


class Checks:
    def __init__(self) -> None:
        self.failed: list[str] = []
        self.passed = 0

    def expect(self, ok: bool, what: str, detail: str = "") -> None:
        print(f"{'PASS' if ok else 'FAIL'}  {what}" + (f": {detail}" if detail else ""), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed.append(what)


def database_url(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/" + name))


def recreate_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "backup" not in name:
        sys.exit(f"Refusing to drop {name!r}: the database name must contain 'backup'.")
    base = [
        "-h",
        parsed.hostname or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
    ]
    subprocess.run(["dropdb", *base, "--if-exists", "--force", name], check=True, capture_output=True)
    subprocess.run(["createdb", *base, name], check=True)


def environment(url: str, side: Path, now: str) -> dict[str, str]:
    """A process of one side (source or restored): its database, media folder and outputs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TRACKER_", "MEDIA_"))}
    env.update(
        DATABASE_URL=url,
        TRACKER_VAR_DIR=str(side),
        MEDIA_ROOT=str(side / "media"),
        DEBUG="true",
        # Tasks run in the process that queues them, as a worker would run them; the
        # memory broker only carries the outbox's publish.
        CELERY_BROKER_URL="memory://",
        CELERY_TASK_ALWAYS_EAGER="true",
        REMINDER_SEND_HOURS="",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(side / "emails"),
        SMS_BACKEND="tracker.sms.FileSmsBackend",
        SMS_FILE_PATH=str(side / "sms.jsonl"),
        LOG_LEVEL="WARNING",
        BACKUP_CHECK_NOW=now,
    )
    return env


def manage(env: dict[str, str], *args: str, stdin: Any = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        stdin=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def step(env: dict[str, str], name: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--step", name],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(result.stdout + result.stderr)
        raise SystemExit(f"FAIL  the step {name!r} stopped (exit {result.returncode}).")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def show(result: subprocess.CompletedProcess[str]) -> str:
    return "\n        ".join((result.stdout + result.stderr).strip().splitlines())


def check(args: argparse.Namespace) -> int:
    started = time.monotonic()
    workdir = Path(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    source_side, restored_side, backups = workdir / "src", workdir / "dst", workdir / "backups"
    for folder in (source_side / "emails", restored_side / "emails", backups):
        folder.mkdir(parents=True)
    source_url = args.database_url
    restored_url = database_url(source_url, urlparse(source_url).path.lstrip("/") + "_dst")
    for url in (source_url, restored_url):
        recreate_database(url)
    # One frozen instant for every scan, so that "the same day" cannot move at midnight.
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    source = environment(source_url, source_side, now)
    restored = environment(restored_url, restored_side, now)
    checks = Checks()

    print(f"== source: migrate, load_demo, evidence files and one reminder scan at {now}", flush=True)
    t0 = time.monotonic()
    before = step(source, "prepare")
    print(f"   prepared in {time.monotonic() - t0:.1f} s", flush=True)
    sent = before["reminders"].get("sent", 0)
    checks.expect(
        sent > 0
        and not before["reminders"].get("pending")
        and before["notifications"] > 0
        and before["emails"] > 0,
        "the scan sent reminders before the backup",
        f"{sent} reminders sent ({before['notifications']} in the inbox, {before['emails']} emails, "
        f"{before['sms']} text messages), none pending",
    )
    checks.expect(
        len(before["media"]) >= 3,
        "the source holds uploaded files",
        ", ".join(sorted(path.split("/")[0] for path in before["media"])),
    )

    print("== backup (manage.py backup --output DIR)", flush=True)
    t0 = time.monotonic()
    made = manage(source, "backup", "--output", str(backups))
    backup_seconds = time.monotonic() - t0
    archives = sorted(backups.glob("tracker-backup-*.tar"))
    checks.expect(made.returncode == 0 and len(archives) == 1, "backup", show(made))
    if not archives:
        return finish(checks, started)
    archive = archives[0]

    print("== restore (manage.py restore - < archive) into a fresh database and media folder", flush=True)
    t0 = time.monotonic()
    with open(archive, "rb") as stream:
        restored_run = manage(restored, "restore", "-", stdin=stream)
    restore_seconds = time.monotonic() - t0
    checks.expect(restored_run.returncode == 0, "restore", show(restored_run))

    print("== the restored side: counts, files, Django's checks, one more reminder scan", flush=True)
    after = step(restored, "rescan")
    tables, original = after["tables"], before["tables"]
    differ = {
        t: (original.get(t), tables.get(t))
        for t in sorted(set(tables) | set(original))
        if tables.get(t) != original.get(t)
    }
    checks.expect(
        not differ and len(tables) > 30,
        "row counts of every table equal",
        f"{len(tables)} tables, {sum(tables.values())} rows"
        if not differ
        else f"differ (source, restored): {differ}",
    )
    checks.expect(
        after["media"] == before["media"] and not after["missing_media"],
        "media files present with the same SHA-256",
        f"{len(after['media'])} files, every one a row names present"
        if after["media"] == before["media"] and not after["missing_media"]
        else f"source {before['media']}, restored {after['media']}, missing {after['missing_media']}",
    )
    checks.expect(
        after["check"] == "", "manage.py check --database default on the restored database", after["check"]
    )
    checks.expect(
        after["migrate_check"] == "",
        "no migration left to apply on the restored database",
        after["migrate_check"],
    )
    rescan = after["rescan"]
    checks.expect(
        rescan["scan"]["reminders"] == 0
        and rescan["after"]["reminders"] == rescan["before"]["reminders"] == before["reminders"]
        and rescan["after"]["notifications"] == before["notifications"]
        and rescan["after"]["emails"] == rescan["after"]["sms"] == 0,
        "a reminder scan after the restore sends nothing twice",
        f"scan recorded {rescan['scan']['reminders']} reminders for {rescan['scan']['obligations']} "
        f"due deadlines; reminders {before['reminders']} → {rescan['after']['reminders']}, "
        f"inbox {before['notifications']} → {rescan['after']['notifications']}, "
        f"emails sent after the restore {rescan['after']['emails']}, text messages {rescan['after']['sms']}",
    )

    print("== a damaged archive is refused (one byte of one media file changed)", flush=True)
    damaged = workdir / "damaged.tar"
    flip_media_byte(archive, damaged)
    refused = manage(restored, "restore", "--check", str(damaged))
    checks.expect(
        refused.returncode != 0 and "SHA-256" in refused.stderr,
        "restore --check refuses a damaged archive",
        refused.stderr.strip().splitlines()[-1] if refused.stderr.strip() else "it was accepted",
    )
    print(
        f"   archive {archive.stat().st_size} bytes; "
        f"backup {backup_seconds:.1f} s, restore {restore_seconds:.1f} s"
    )
    return finish(checks, started)


def flip_media_byte(archive: Path, damaged: Path) -> None:
    """A copy of ``archive`` with the first byte of its first media file changed in place."""
    shutil.copyfile(archive, damaged)
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if "/media/" in m.name and m.size > 0)
        offset = member.offset_data
    with open(damaged, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def finish(checks: Checks, started: float) -> int:
    elapsed = time.monotonic() - started
    if checks.failed:
        print(
            f"FAIL  backup and restore: {len(checks.failed)} of {checks.passed + len(checks.failed)} "
            f"checks failed ({', '.join(checks.failed)}) in {elapsed:.0f} s"
        )
        return 1
    print(f"PASS  backup and restore: {checks.passed} checks passed in {elapsed:.0f} s")
    return 0


# ---------------------------------------------------------------------------
# Steps inside Django (one process each; the last stdout line is their JSON)
# ---------------------------------------------------------------------------


def run_step(name: str) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    result = {"prepare": prepare, "rescan": rescan}[name]()
    print(json.dumps(result, ensure_ascii=False))
    return 0


def frozen() -> Any:
    import time_machine

    return time_machine.travel(datetime.fromisoformat(os.environ["BACKUP_CHECK_NOW"]), tick=False)


def prepare() -> dict[str, Any]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with frozen():
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        add_evidence()
        scan()
    return state()


def rescan() -> dict[str, Any]:
    """The restored side: its state as restored, Django's checks, then one more scan."""
    restored = state()
    restored["check"] = command_problems("check", "--database", "default")
    restored["migrate_check"] = command_problems("migrate", "--check")
    with frozen():
        before = deliveries()
        run = scan()
        after = deliveries()
    return {**restored, "rescan": {"before": before, "after": after, "scan": run}}


def command_problems(*args: str) -> str:
    """What a management command reports when it fails ("" when it passes)."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=out)
    except (SystemExit, Exception) as exc:  # noqa: BLE001 - a failed check is the result, not a crash
        return f"{type(exc).__name__}: {exc} {out.getvalue()}".strip()
    return ""


def scan() -> dict[str, int]:
    from responses.reminders.scan import run_scan

    run = run_scan()
    return {"reminders": run.reminders, "obligations": run.obligations}


def add_evidence() -> None:
    """A progress report with a PNG and a PDF, through the transition a department uses."""
    import struct
    import zlib

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from responses.models import Commitment
    from tracker.models import User

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xc0\x30\x30"))
        + chunk(b"IEND", b"")
    )
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    for commitment in Commitment.objects.select_related("reply__assignment__department").order_by("pk"):
        department = commitment.reply.assignment.department
        for user in User.objects.filter(department=department, is_active=True).order_by("pk"):
            if "report" in commitment.actions(user):
                commitment.report_progress(
                    by=user,
                    reported_on=timezone.localdate(),
                    summary="备份演练：现场照片和验收报告。",
                    percent=60,
                    files=[
                        SimpleUploadedFile("现场照片.png", png, content_type="image/png"),
                        SimpleUploadedFile("验收报告.pdf", pdf, content_type="application/pdf"),
                    ],
                )
                return
    raise SystemExit("No commitment of the demo data takes a progress report.")


def deliveries() -> dict[str, Any]:
    from django.conf import settings
    from django.db.models import Count

    from responses.models import Reminder
    from tracker.models import Notification

    emails = Path(settings.EMAIL_FILE_PATH)
    sms = Path(settings.SMS_FILE_PATH)
    return {
        "reminders": dict(Reminder.objects.order_by().values_list("status").annotate(n=Count("pk"))),
        "notifications": Notification.objects.count(),
        # The file backend writes each message followed by a line of 79 dashes.
        "emails": sum(
            path.read_text(errors="replace").count("\n" + "-" * 79 + "\n") for path in emails.glob("*.log")
        ),
        "sms": len(sms.read_text().splitlines()) if sms.exists() else 0,
    }


def state() -> dict[str, Any]:
    from django.conf import settings

    from tracker.backup import Database, database_tables, media_files, missing_media, sha256_file

    media_root = Path(settings.MEDIA_ROOT)
    return {
        **deliveries(),
        "tables": database_tables(Database.from_settings()),
        "media": {path[len("media/") :]: sha256_file(file).sha256 for path, file in media_files(media_root)},
        "missing_media": missing_media(media_root),
    }


if __name__ == "__main__":
    sys.exit(main())
