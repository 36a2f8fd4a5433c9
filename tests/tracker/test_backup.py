"""Backup and restore (tracker/backup.py, ``manage.py backup`` / ``restore``).

The manifest and checksum logic, the archive's safety checks and the commands run on the
test database here; the full round trip on PostgreSQL (pg_dump, pg_restore into a fresh
database, the reminder scan afterwards) is scripts/check_backup_restore.py, run by CI.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings

from proposals.models import Department
from tracker import backup
from tracker.backup import BackupError, Database, FileEntry, Manifest

NOW = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)


def manifest_of(files: dict[str, bytes], *, engine: str = "sqlite") -> Manifest:
    import hashlib

    return Manifest(
        name=backup.backup_name(NOW),
        created_at=NOW.isoformat(),
        engine=engine,
        database=backup.DATABASE_FILES[engine],
        files={
            path: FileEntry(size=len(data), sha256=hashlib.sha256(data).hexdigest())
            for path, data in files.items()
        },
        tables={"proposals_proposal": 3},
    )


def entries(files: dict[str, bytes]) -> dict[str, FileEntry]:
    return manifest_of(files).files


FILES = {"database.sqlite3": b"SQLite format 3\0...", "media/letters/2026/12/a.txt": "答复函".encode()}


class VerifyTests(TestCase):
    def test_matching_files_pass(self) -> None:
        manifest = manifest_of(FILES)
        self.assertEqual(backup.verify(manifest, entries(FILES), manifest.sums_text()), [])

    def test_a_changed_byte_is_reported_with_the_file(self) -> None:
        manifest = manifest_of(FILES)
        changed = {**FILES, "media/letters/2026/12/a.txt": "答复涵".encode()}
        problems = backup.verify(manifest, entries(changed), manifest.sums_text())
        self.assertEqual(len(problems), 1)
        self.assertIn("media/letters/2026/12/a.txt: SHA-256", problems[0])

    def test_missing_extra_and_short_files_are_reported(self) -> None:
        manifest = manifest_of(FILES)
        found = entries({"database.sqlite3": b"SQLite", "media/evidence/x.png": b"png"})
        problems = backup.verify(manifest, found, manifest.sums_text())
        self.assertEqual(
            problems,
            [
                "database.sqlite3: 6 bytes, the manifest says 19.",
                "media/letters/2026/12/a.txt: missing from the archive.",
                "media/evidence/x.png: in the archive but not in the manifest.",
            ],
        )

    def test_checksum_list_must_agree_with_the_manifest(self) -> None:
        manifest = manifest_of(FILES)
        self.assertEqual(
            backup.verify(manifest, entries(FILES), manifest.sums_text().replace("a.txt", "b.txt")),
            ["SHA256SUMS does not match manifest.json."],
        )
        self.assertEqual(
            backup.verify(manifest, entries(FILES), None), ["SHA256SUMS: missing from the archive."]
        )

    def test_manifest_reads_back_and_refuses_a_newer_format(self) -> None:
        manifest = manifest_of(FILES)
        self.assertEqual(Manifest.from_json(manifest.to_json()), manifest)
        newer = manifest.to_json().replace('"format": 1', '"format": 2')
        with self.assertRaisesMessage(BackupError, "made by a newer version"):
            Manifest.from_json(newer)
        with self.assertRaisesMessage(BackupError, "manifest.json cannot be read"):
            Manifest.from_json('{"name": "x"}')


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs GNU sha256sum")
def test_sha256sums_is_checked_by_coreutils(tmp_path: Path) -> None:
    """An operator checks an unpacked backup with `sha256sum -c SHA256SUMS`, odd names included."""
    files = {
        "database.sqlite3": b"db",
        "media/letters/with space.txt": b"one",
        "media/letters/back\\slash.txt": b"two",
    }
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    (tmp_path / "SHA256SUMS").write_text(manifest_of(files).sums_text())
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "media/letters/with space.txt").write_bytes(b"One")
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    assert "media/letters/with space.txt: FAILED" in result.stdout


def tar_with(members: list[tuple[tarfile.TarInfo, bytes]]) -> io.BytesIO:
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode="w") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    stream.seek(0)
    return stream


class UnpackTests(TestCase):
    def setUp(self) -> None:
        self.staging = Path(self.enterContext(self._tmp()))

    def _tmp(self) -> object:
        import tempfile

        return tempfile.TemporaryDirectory()

    def test_a_name_leaving_the_folder_is_refused_and_nothing_is_written_outside(self) -> None:
        name = backup.backup_name(NOW)
        archive = tar_with([(tarfile.TarInfo(f"{name}/../../escaped.txt"), b"x")])
        with self.assertRaisesMessage(BackupError, "unsafe name"):
            backup.unpack(archive, self.staging / "inner")
        self.assertFalse((self.staging / "escaped.txt").exists())

    def test_links_and_unexpected_files_are_refused(self) -> None:
        name = backup.backup_name(NOW)
        link = tarfile.TarInfo(f"{name}/media/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        with self.assertRaisesMessage(BackupError, "only files and folders"):
            backup.unpack(tar_with([(link, b"")]), self.staging)
        with self.assertRaisesMessage(BackupError, "unexpected in a backup archive"):
            backup.unpack(tar_with([(tarfile.TarInfo(f"{name}/settings.py"), b"x")]), self.staging)

    def test_not_an_archive_or_cut_short_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(BackupError, "not a backup archive"):
            backup.unpack(io.BytesIO(b"this is a letter, not a tar"), self.staging)
        manifest = manifest_of(FILES)
        whole = tar_with(
            [(tarfile.TarInfo(f"{manifest.name}/{path}"), FILES[path]) for path in FILES]
        ).getvalue()
        with self.assertRaisesMessage(BackupError, "damaged or cut short"):
            backup.unpack(io.BytesIO(whole[:700]), self.staging)
        with self.assertRaisesMessage(BackupError, "holds no manifest.json"):
            backup.unpack(io.BytesIO(whole), Path(self.enterContext(self._tmp())))


class PruneTests(TestCase):
    def test_keeps_the_newest_archives_and_touches_nothing_else(self) -> None:
        import tempfile

        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        names = [backup.backup_name(datetime(2026, 12, day, tzinfo=UTC)) + ".tar" for day in (1, 2, 3)]
        for name in [*names, "tracker-backup-20261201T000000Z.tar.part", "notes.txt"]:
            (folder / name).write_bytes(b"")
        deleted = backup.prune(folder, keep=2)
        self.assertEqual([p.name for p in deleted], [names[0]])
        self.assertEqual(
            sorted(p.name for p in folder.iterdir()),
            sorted(["notes.txt", names[1], names[2], "tracker-backup-20261201T000000Z.tar.part"]),
        )


class BackupCommandTests(TransactionTestCase):
    """``manage.py backup`` and ``restore --check`` on the test database (either engine),
    committed as the command would find it (SQLite cannot copy inside a transaction)."""

    def setUp(self) -> None:
        import tempfile

        self.tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.media = self.tmp / "media"
        (self.media / "evidence/2026/12").mkdir(parents=True)
        (self.media / "evidence/2026/12/photo.png").write_bytes(b"\x89PNG evidence")
        self.enterContext(override_settings(MEDIA_ROOT=self.media))
        Department.objects.create(name="深圳市龙岗区人民政府")

    def run_backup(self, *args: str) -> Path:
        out = io.StringIO()
        call_command("backup", "--output", str(self.tmp / "backups"), *args, stdout=out, stderr=out)
        self.output = out.getvalue()
        archives = sorted((self.tmp / "backups").glob("tracker-backup-*.tar"))
        return archives[-1]

    def test_backup_writes_one_private_archive_that_restore_check_accepts(self) -> None:
        archive = self.run_backup()
        self.assertIn("Backup written", self.output)
        self.assertEqual(os.stat(archive).st_mode & 0o777, 0o600)
        self.assertEqual(list((self.tmp / "backups").glob("*.part")), [])
        with tarfile.open(archive) as tar:
            names = tar.getnames()
            manifest = Manifest.from_json(tar.extractfile(f"{archive.stem}/manifest.json").read().decode())  # type: ignore[union-attr]
        self.assertIn(f"{archive.stem}/media/evidence/2026/12/photo.png", names)
        self.assertEqual(
            manifest.media["media/evidence/2026/12/photo.png"],
            backup.sha256_file(self.media / "evidence/2026/12/photo.png"),
        )
        self.assertEqual(manifest.engine, connection.vendor)
        out = io.StringIO()
        call_command("restore", "--check", str(archive), stdout=out)
        self.assertIn("The archive is complete and its database dump reads back.", out.getvalue())

    def test_the_archive_streams_through_standard_output_and_input(self) -> None:
        """docker compose: `backup --output - > file`, then `restore - < file`."""
        stdout = io.TextIOWrapper(io.BytesIO())
        log = io.StringIO()
        with mock.patch("sys.stdout", stdout):
            call_command("backup", "--output", "-", stdout=log, stderr=log)
        stdout.flush()
        archive = stdout.buffer.getvalue()  # type: ignore[attr-defined]
        self.assertIn("on standard output", log.getvalue())
        out = io.StringIO()
        with mock.patch("sys.stdin", io.TextIOWrapper(io.BytesIO(archive))):
            call_command("restore", "--check", "-", stdout=out)
        self.assertIn("1 media files", out.getvalue())
        self.assertIn("The archive is complete", out.getvalue())

    def test_restore_check_names_a_changed_media_file(self) -> None:
        archive = self.run_backup()
        with tarfile.open(archive) as tar:
            member = tar.getmember(f"{archive.stem}/media/evidence/2026/12/photo.png")
        with open(archive, "r+b") as handle:
            handle.seek(member.offset_data)
            handle.write(b"\x00")
        with self.assertRaisesMessage(CommandError, "media/evidence/2026/12/photo.png: SHA-256"):
            call_command("restore", "--check", str(archive), stdout=io.StringIO())

    def test_keep_deletes_older_archives(self) -> None:
        older = self.tmp / "backups" / "tracker-backup-20200101T000000Z.tar"
        older.parent.mkdir()
        older.write_bytes(b"")
        archive = self.run_backup("--keep", "1")
        self.assertFalse(older.exists())
        self.assertTrue(archive.exists())
        self.assertIn(f"Deleted the older backup {older}", self.output)

    def test_restore_refuses_a_database_that_holds_tables_and_writes_nothing(self) -> None:
        archive = self.run_backup()
        shutil.rmtree(self.media)
        with self.assertRaisesMessage(CommandError, "A restore never overwrites"):
            call_command("restore", str(archive), stdout=io.StringIO())
        self.assertFalse(self.media.exists() and any(self.media.rglob("*")))

    def test_a_missing_archive_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(CommandError, "no-such.tar: no such file."):
            call_command("restore", str(self.tmp / "no-such.tar"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL: scripts/check_backup_restore.py")
class SqliteRoundTripTests(TransactionTestCase):
    """The embedded default: the online copy restored into a new file holds what was there."""

    def setUp(self) -> None:
        import tempfile

        self.tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.media = self.tmp / "media"
        (self.media / "letters").mkdir(parents=True)
        (self.media / "letters/a.txt").write_text("答复函", encoding="utf-8")
        Department.objects.create(name="深圳市坪山区人民政府")

    def archive(self) -> io.BytesIO:
        stream = io.BytesIO()
        backup.write_backup(
            stream, database=Database.from_settings(), media_root=self.media, now=NOW, workdir=self.tmp
        )
        stream.seek(0)
        return stream

    def staged(self) -> backup.Staged:
        return backup.unpack(self.archive(), self.tmp / "staging")

    def test_restore_into_a_new_file_brings_back_every_row_and_file(self) -> None:
        target = Database(engine="sqlite", name=str(self.tmp / "restored" / "tracker.sqlite3"))
        restored_media = self.tmp / "restored" / "media"
        report = backup.restore(self.staged(), database=target, media_root=restored_media)
        self.assertEqual(report.problems, [])
        self.assertEqual(report.media, 1)
        self.assertEqual((restored_media / "letters/a.txt").read_text(encoding="utf-8"), "答复函")
        with sqlite3.connect(target.name) as db:
            names = [row[0] for row in db.execute("SELECT name FROM proposals_department")]
        db.close()
        self.assertIn("深圳市坪山区人民政府", names)
        self.assertEqual(report.tables["proposals_department"], Department.objects.count())

    def test_a_media_folder_with_files_is_refused(self) -> None:
        target = Database(engine="sqlite", name=str(self.tmp / "new.sqlite3"))
        with self.assertRaisesMessage(BackupError, "already holds files"):
            backup.restore(self.staged(), database=target, media_root=self.media)
        self.assertFalse(Path(target.name).exists())

    def test_a_backup_of_another_engine_is_refused(self) -> None:
        target = Database(engine="postgresql", name="tracker_new")
        with self.assertRaisesMessage(BackupError, "restore it into the same kind of database"):
            backup.restore(self.staged(), database=target, media_root=self.tmp / "empty")

    def test_media_copied_are_removed_again_when_the_database_cannot_be_loaded(self) -> None:
        target = Database(engine="sqlite", name=str(self.tmp / "new.sqlite3"))
        restored_media = self.tmp / "restored-media"
        with (
            mock.patch.object(backup, "load_database", side_effect=BackupError("disk full")),
            self.assertRaisesMessage(BackupError, "disk full"),
        ):
            backup.restore(self.staged(), database=target, media_root=restored_media)
        self.assertEqual([p for p in restored_media.rglob("*") if p.is_file()], [])
