"""Benchmark importing reply letters: 1,000 letters, half plain text and half Word.

Builds --count suggestions (each assigned to a lead unit, a fifth of them with a sent
reply) in a dedicated PostgreSQL database, writes --count letters made from the real seed
letter (each with its own suggestion number; one in ten for a number the tracker does not
hold), then times, as the upload page and ``import_letters`` do it:

- preview: read, parse and match every letter (nothing written);
- confirm: keep the files and archive every letter in one transaction;
- re-import: the same letters again (all recognised, nothing written).

    .venv/bin/python bench/bench_letter_import.py --count 1000

The database comes from --database-url, else postgres://postgres@127.0.0.1:5432/
tracker_letter_bench; its name must contain "bench" (it is dropped and created again).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from io import BytesIO
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_letter_bench"
SEED = ROOT / "proposals" / "seeds" / "reply-letter-20240493.txt"


def prepare(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use database {name!r}: its name must contain 'bench'")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="letter-bench-media-"))
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(count: int) -> object:
    from proposals.models import Assignment, Congress, Department, Deputy, Proposal, Session
    from responses.models import Reply
    from tracker.models import Role, User

    staff = User.objects.create_user("bench-staff")
    from django.contrib.auth.models import Group

    staff.groups.add(Group.objects.get_or_create(name=Role.CONGRESS_STAFF)[0])
    congress = Congress.objects.create(name="深圳市人民代表大会", short_name="市人大")
    session = Session.objects.create(
        congress=congress, name="深圳市第七届人民代表大会第五次会议", term=7, meeting=5, year=2024
    )
    government = Department.objects.create(name="深圳市龙岗区人民政府", short_name="龙岗区政府")
    Department.objects.bulk_create(
        Department(name=f"龙岗区第{i}局", short_name=f"龙岗{i}局") for i in range(1, 40)
    )
    deputy = Deputy.objects.create(congress=congress, name="陈寿")
    proposals = Proposal.objects.bulk_create(
        Proposal(
            congress=congress,
            session=session,
            number=f"2024{i:04d}",
            title="关于发展新质生产力，打造高层级高标准深圳东部万亿级绿色低碳产业集群承载区的建议",
            lead_deputy=deputy,
            received_on=date(2024, 2, 1),
            status=Proposal.Status.HANDLING,
        )
        for i in range(1, count + 1)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            proposal=p,
            department=government,
            role=Assignment.Role.LEAD,
            status=Assignment.Status.ACCEPTED,
            assigned_on=date(2024, 8, 19),
            due_on=date(2024, 11, 19),
            due_basis={"kind": "text", "text": "3 months"},
            respond_by=date(2024, 8, 26),
            assigned_by=staff,
        )
        for p in proposals
    )
    Reply.objects.bulk_create(
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
        for a in assignments[::5]
    )
    return staff


def letters(count: int) -> list:
    from docx import Document

    from responses.letter_import import Upload

    seed = SEED.read_text(encoding="utf-8")
    result = []
    for i in range(1, count + 1):
        # One in ten letters is for a suggestion the tracker does not hold.
        number = f"2024{i:04d}" if i % 10 else f"2023{i:04d}"
        text = seed.replace("20240493", number)
        if i % 2:
            result.append(Upload(f"{number}.txt", text.encode("utf-8")))
        else:
            document = Document()
            for line in text.splitlines():
                document.add_paragraph(line)
            buffer = BytesIO()
            document.save(buffer)
            result.append(Upload(f"{number}.docx", buffer.getvalue()))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    prepare(args.database_url)
    staff = load(args.count)
    uploads = letters(args.count)
    megabytes = sum(len(u.data) for u in uploads) / 1e6

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from responses.letter_import import apply_import, preview_letters, stage_upload
    from responses.models import ArchivedLetter

    reset_queries()
    with CaptureQueriesContext(connection) as preview_queries:
        started = time.perf_counter()
        summary = preview_letters(uploads)
        preview_s = time.perf_counter() - started
    # What one preview holds at its peak beyond the uploads (the web worker's share),
    # measured on a second, untimed run: tracing doubles the time.
    tracemalloc.start()
    preview_letters(uploads)
    preview_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    started = time.perf_counter()
    batch = stage_upload(uploads, by=staff)
    stage_s = time.perf_counter() - started
    started = time.perf_counter()
    applied = apply_import(batch, by=staff)
    apply_s = time.perf_counter() - started
    started = time.perf_counter()
    again = apply_import(stage_upload(uploads, by=staff), by=staff)
    again_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"{args.count} letters ({megabytes:.1f} MB; half .txt, half .docx) on {connection.vendor}")
    print(
        f"preview (read, parse, match): {preview_s:.2f} s = {args.count / preview_s:.0f} letters/s, "
        f"{len(preview_queries)} queries; {summary.new} new, {summary.linked} matched, "
        f"{summary.failed} failed; peak traced memory {preview_peak_mb:.0f} MiB"
    )
    print(f"upload kept (files + rows):   {stage_s:.2f} s")
    print(
        f"confirm (re-read + archive):  {apply_s:.2f} s = {args.count / apply_s:.0f} letters/s; "
        f"{applied.new} archived, {ArchivedLetter.objects.exclude(proposal=None).count()} linked"
    )
    print(f"re-import of the same files:  {again_s:.2f} s; {again.new} new, {again.unchanged} unchanged")
    print(
        f"end-to-end upload → archive:  {preview_s + stage_s + apply_s:.2f} s; "
        f"peak RSS {peak_mb:.0f} MB (whole run)"
    )


if __name__ == "__main__":
    main()
