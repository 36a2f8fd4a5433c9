"""Benchmark: the upload attacks of issue 13, each posted through the real upload pages.

Builds each attack file, then, in a fresh process per attack (so that its peak memory is
its own), posts it with Django's test client to the page that takes it, with DEBUG off and
the product's real limits, and prints for each: refused or not, the message the user
reads, the wall time of the request, the peak memory (tracemalloc, on a second identical
request, and the process's RSS growth over its baseline, from ru_maxrss), the bytes the
process wrote (write() calls, /proc/self/io wchar: temporary files, the database) and the
bytes left in MEDIA_ROOT. Target: each refused in under 2 s with under 300 MB peak.

    .venv/bin/python bench/bench_upload_attacks.py            # every attack
    .venv/bin/python bench/bench_upload_attacks.py xlsx-xfd   # one of them

Attacks (issue 13, "What was measured"):

- xlsx-xfd    a 交办清单 .xlsx of ~0.5 MB, 50,000 rows each touching column XFD → 交办清单 import
- docx-bomb   a ~1.1 MB .docx whose document.xml inflates to 1.1 GB → reply-letter import
- zip-450mb   a .zip of letters with one 450 MB member (and two real letters) → reply-letter import
- txt-30mb    a 30 MB .txt "letter" → reply-letter import
- exe-xlsx    a Windows program renamed 交办清单.xlsx → 交办清单 import
- exe-in-docx a zip of an .exe plus [Content_Types].xml and word/document.xml, named
              进展材料.docx → commitment evidence (progress report)

Uses SQLite in a temporary folder (demo data loaded once, copied for each attack).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "proposals" / "seeds" / "reply-letter-20240493.txt"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ATTACKS = ["xlsx-xfd", "docx-bomb", "zip-450mb", "txt-30mb", "exe-xlsx", "exe-in-docx"]
MB = 1024 * 1024

CONTENT_TYPES_XLSX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
CONTENT_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="{target}"/></Relationships>'
)
# A small Windows program's first bytes: the MZ header and the DOS stub's message.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode.\r\r\n$"
)


# ---------------------------------------------------------------------------
# The attack files
# ---------------------------------------------------------------------------


def build_xlsx_xfd(path: Path, rows: int = 50_000) -> None:
    """A 交办清单 with the right headers whose every row also has a cell in column XFD."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XLSX)
        archive.writestr("_rels/.rels", RELS.format(target="xl/workbook.xml"))
        archive.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="交办清单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<dimension ref="A1:XFD50001"/><sheetData>'
            )
            header = ["建议编号", "标题", "领衔代表", "主办单位"]
            cells = "".join(
                f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
                for col, text in zip("ABCD", header, strict=True)
            )
            sheet.write(f'<row r="1">{cells}</row>'.encode())
            for n in range(2, rows + 2):
                sheet.write(
                    f'<row r="{n}"><c r="A{n}"><v>{20240000 + n}</v></c>'
                    f'<c r="XFD{n}"><v>1</v></c></row>'.encode()
                )
            sheet.write(b"</sheetData></worksheet>")


def build_docx_bomb(path: Path, inflated: int = 1100 * MB) -> None:
    """A .docx whose document.xml is 1.1 GB (a paragraph, then white space between the
    elements, which XML allows), deflated about 1,000 times to ~1.1 MB."""
    block = b" " * MB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_DOCX)
        archive.writestr("_rels/.rels", RELS.format(target="word/document.xml"))
        with archive.open("word/document.xml", "w", force_zip64=True) as document:
            document.write(
                f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>答复</w:t></w:r></w:p>'.encode()
            )
            written = 0
            while written < inflated:
                document.write(block)
                written += len(block)
            document.write(b"</w:body></w:document>")


def build_zip_450mb(path: Path) -> None:
    """Two real letters and a 450 MB one (the seed letter's text, repeated)."""
    letter = SEED.read_bytes()
    block = letter * (MB // len(letter))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("答复函/20240493.txt", letter)
        archive.writestr("答复函/20240494.txt", letter.replace(b"20240493", b"20240494"))
        with archive.open("答复函/20240495.txt", "w", force_zip64=True) as member:
            written = 0
            while written < 450 * MB:
                member.write(block)
                written += len(block)


def build_txt_30mb(path: Path) -> None:
    letter = SEED.read_bytes()
    with path.open("wb") as handle:
        written = 0
        while written < 30 * MB:
            handle.write(letter)
            written += len(letter)


def build_exe_xlsx(path: Path) -> None:
    path.write_bytes(EXE + os.urandom(200 * 1024))


def build_exe_in_docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_DOCX)
        archive.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>进展情况</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
        archive.writestr("payload.exe", EXE + os.urandom(64 * 1024))


BUILDERS = {
    "xlsx-xfd": (build_xlsx_xfd, "交办清单.xlsx"),
    "docx-bomb": (build_docx_bomb, "20240493答复函.docx"),
    "zip-450mb": (build_zip_450mb, "答复函.zip"),
    "txt-30mb": (build_txt_30mb, "20240493答复函.txt"),
    "exe-xlsx": (build_exe_xlsx, "交办清单.xlsx"),
    "exe-in-docx": (build_exe_in_docx, "进展材料.docx"),
}


# ---------------------------------------------------------------------------
# The parent: the database once, the files, one child per attack
# ---------------------------------------------------------------------------


def setup_django(workdir: Path, database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["TRACKER_VAR_DIR"] = str(workdir / "var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["TMPDIR"] = str(workdir / "tmp")
    (workdir / "tmp").mkdir(exist_ok=True)
    tempfile.tempdir = str(workdir / "tmp")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(workdir: Path) -> Path:
    database = workdir / "demo.sqlite3"
    setup_django(workdir, database)
    from django.core.management import call_command

    from proposals.demo import load_demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo()
    from django.db import connection, connections

    # The file is copied for each attack: fold the write-ahead log into it first.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connections.close_all()
    print(f"demo data: {time.perf_counter() - started:.1f} s", flush=True)
    return database


def request_for(attack: str, path: Path, name: str) -> tuple[str, str, dict[str, object]]:
    """(url, username, form fields without the file, file field) for an attack."""
    from django.urls import reverse

    from proposals.models import Session
    from responses.models import Commitment

    if attack in ("xlsx-xfd", "exe-xlsx"):
        session = Session.objects.order_by("pk").first()
        assert session is not None
        fields = {"session": session.pk, "received_on": "2024-01-20", "assigned_on": "2024-02-10"}
        return reverse("proposals:import"), "staff", {"fields": fields, "file_field": "file"}
    if attack == "exe-in-docx":
        commitment = Commitment.objects.filter(status="open", reply__status="sent").order_by("pk").first()
        assert commitment is not None, "the demo has an open promise of a sent reply"
        from tracker.models import User

        clerk = (
            User.objects.filter(department_id=commitment.department_id, is_active=True).order_by("pk").first()
        )
        assert clerk is not None
        fields = {"reported_on": "2024-12-01", "summary": "已完成可研批复。"}
        return (
            reverse("responses:commitment_report", args=[commitment.pk]),
            clerk.username,
            {"fields": fields, "file_field": "files"},
        )
    return reverse("responses:letter_import_upload"), "staff", {"fields": {}, "file_field": "files"}


def encode_body(workdir: Path, attack: str, path: Path, name: str) -> dict[str, object]:
    """The multipart body, encoded once by the parent and written to disk, so that the
    child measures the request and not the test client building it."""
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    url, username, spec = request_for(attack, path, name)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = dict(spec["fields"])  # type: ignore[call-overload]
    data[spec["file_field"]] = SimpleUploadedFile(name, path.read_bytes())  # type: ignore[index]
    body = encode_multipart(BOUNDARY, data)
    body_path = workdir / f"{attack}.body"
    body_path.write_bytes(body)
    return {"url": url, "username": username, "body": str(body_path), "content_type": MULTIPART_CONTENT}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("attacks", nargs="*", help=f"some of {', '.join(ATTACKS)} (default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    unknown = set(args.attacks) - set(ATTACKS)
    if unknown:
        parser.error(f"unknown attacks: {', '.join(sorted(unknown))}")
    workdir = Path(tempfile.mkdtemp(prefix="upload-attacks-"))
    try:
        database = prepare(workdir)
        files = workdir / "files"
        files.mkdir()
        results = []
        for attack in args.attacks or ATTACKS:
            builder, name = BUILDERS[attack]
            path = files / attack
            started = time.perf_counter()
            builder(path)
            size = path.stat().st_size
            request = encode_body(workdir, attack, path, name)
            print(
                f"{attack}: built {name}, {size / MB:.2f} MB ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
            copy = workdir / f"{attack}.sqlite3"
            shutil.copy(database, copy)
            job = {
                "attack": attack,
                "name": name,
                "size": size,
                "workdir": str(workdir / attack),
                "database": str(copy),
                **request,
            }
            out = subprocess.run(
                [sys.executable, __file__, "--child", json.dumps(job)],
                capture_output=True,
                text=True,
                check=False,
            )
            lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
            if out.returncode or not lines:
                print(out.stdout[-2000:], out.stderr[-4000:])
                sys.exit(f"{attack}: the child failed")
            results.append(json.loads(lines[-1]))
            Path(request["body"]).unlink()  # type: ignore[arg-type]
            path.unlink()
        print_table(results)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def print_table(results: list[dict[str, object]]) -> None:
    print()
    print(
        "| attack | file | refused | HTTP | time | peak traced | peak RSS growth | written | kept | message |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['attack']} | {r['size'] / MB:.2f} MB | {'yes' if r['refused'] else '**NO**'} "
            f"| {r['status']} "
            f"| {r['seconds']:.2f} s | {r['traced_mb']:.1f} MB | {r['rss_mb']:.1f} MB "
            f"| {r['written_mb']:.2f} MB | {r['kept']} B | {r['message']} |"
        )
    worst_time = max(float(r["seconds"]) for r in results)  # type: ignore[arg-type]
    worst_memory = max(max(float(r["traced_mb"]), float(r["rss_mb"])) for r in results)  # type: ignore[arg-type]
    ok = all(r["refused"] for r in results) and worst_time < 2 and worst_memory < 300
    print(
        f"\nslowest {worst_time:.2f} s, most memory {worst_memory:.1f} MB: "
        f"{'target met' if ok else 'TARGET MISSED'}"
    )


# ---------------------------------------------------------------------------
# The child: one attack, measured
# ---------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def stored_bytes(media: Path) -> int:
    return sum(p.stat().st_size for p in media.rglob("*") if p.is_file()) if media.exists() else 0


def child(job: dict[str, object]) -> None:
    workdir = Path(str(job["workdir"]))
    workdir.mkdir(parents=True)
    setup_django(workdir, Path(str(job["database"])))
    from django.test import Client
    from django.test.utils import setup_test_environment

    from proposals.models import SpreadsheetImport
    from responses.models import Evidence, LetterImport
    from tracker.models import User

    setup_test_environment()
    from django.conf import settings
    from django.test import override_settings

    # Plain static storage: production's manifest storage would need collectstatic first.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()
    client = Client()
    client.force_login(User.objects.get(username=job["username"]))
    body = Path(str(job["body"])).read_bytes()
    url, content_type = str(job["url"]), str(job["content_type"])
    before = (SpreadsheetImport.objects.count(), LetterImport.objects.count(), Evidence.objects.count())
    client.get(url if "commitments" not in url else url.rsplit("/", 2)[0] + "/")  # warm up

    baseline_rss, baseline_peak = rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    written_before = wchar()
    started = time.perf_counter()
    response = client.generic("POST", url, body, content_type=content_type)
    seconds = time.perf_counter() - started
    written = wchar() - written_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_growth = max(peak - max(baseline_rss, baseline_peak), 0.0)

    message = _message(client, response)
    after = (SpreadsheetImport.objects.count(), LetterImport.objects.count(), Evidence.objects.count())
    kept = stored_bytes(workdir / "media")
    refused = after == before and kept == 0 and bool(message)

    # The same request again, traced (tracing slows Python down, so not timed).
    tracemalloc.start()
    client.generic("POST", url, body, content_type=content_type)
    _current, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "attack": job["attack"],
                "size": job["size"],
                "refused": refused,
                "status": response.status_code,
                "seconds": seconds,
                "traced_mb": traced / MB,
                "rss_mb": rss_growth,
                "written_mb": written / MB,
                "kept": kept,
                "message": message,
            },
            ensure_ascii=False,
        )
    )


def _message(client: object, response: object) -> str:
    """What the user reads: the form's error, or (after a redirect) the page's message."""
    context = getattr(response, "context", None)
    if context is not None and "form" in context:
        errors = context["form"].errors
        return " ".join(str(e) for field in errors.values() for e in field)
    if getattr(response, "status_code", 0) in (301, 302):
        page = client.get(response["Location"])  # type: ignore[attr-defined,index]
        found = re.findall(r'class="message error">(.*?)</li>', page.content.decode())
        return " ".join(found)
    found = re.findall(r'class="message error">(.*?)</li>', response.content.decode())  # type: ignore[attr-defined]
    return " ".join(found)


if __name__ == "__main__":
    main()
