"""Backup and restore: the database and the uploaded files, as one archive that checks itself.

A backup is one uncompressed tar, ``tracker-backup-<UTC time>.tar``, that unpacks into one
folder of the same name holding

    database.pgdump    pg_dump --format=custom (PostgreSQL), or
    database.sqlite3   an online copy made with SQLite's backup API (the embedded default)
    media/...          every file under MEDIA_ROOT (reply letters, evidence, suggestion lists)
    SHA256SUMS         each file's SHA-256, so that ``sha256sum -c SHA256SUMS`` checks a copy
    manifest.json      when, which engine, each file's size and SHA-256, and each table's
                       row count in the dumped data

The database is dumped before the media folder is read: an upload is written to disk
before its row commits and is never deleted, so every file a dumped row names is in the
archive. The row counts are taken in the dump's own snapshot (PostgreSQL: pg_dump
--snapshot) or from the copy itself (SQLite), so a restore can check them exactly.

A restore unpacks the archive into a staging folder, checks every file against the
manifest, and only then writes: the media files into an empty MEDIA_ROOT and the database
into a new, empty database (pg_restore in one transaction, or the SQLite file put in
place). It never overwrites anything. Afterwards it checks the row counts, the media
files' checksums where they now lie, and that every file the database names is there.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import quote

from django.apps import apps
from django.db import connections, models

FORMAT = 1
PREFIX = "tracker-backup-"
SUFFIX = ".tar"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MEDIA = "media"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024

Log = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message tells the operator why."""


@dataclass(frozen=True)
class FileEntry:
    size: int
    sha256: str


@dataclass
class Manifest:
    """What a backup holds: read back by the restore, which trusts nothing it does not check."""

    name: str
    created_at: str
    engine: str
    database: str
    files: dict[str, FileEntry]
    tables: dict[str, int]
    format: int = FORMAT
    tool: str = ""

    @property
    def media(self) -> dict[str, FileEntry]:
        return {path: entry for path, entry in self.files.items() if path.startswith(MEDIA + "/")}

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
            if data.get("format", 0) > FORMAT:
                raise BackupError(
                    f"{MANIFEST} is format {data['format']}, made by a newer version of the tracker; "
                    "restore it with that version."
                )
            return cls(
                name=str(data["name"]),
                created_at=str(data["created_at"]),
                engine=str(data["engine"]),
                database=str(data["database"]),
                files={
                    str(path): FileEntry(size=int(entry["size"]), sha256=str(entry["sha256"]))
                    for path, entry in data["files"].items()
                },
                tables={str(table): int(count) for table, count in data["tables"].items()},
                format=int(data["format"]),
                tool=str(data.get("tool", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"{MANIFEST} cannot be read ({type(exc).__name__}: {exc}).") from None

    def sums_text(self) -> str:
        """The files' checksums in the format of GNU ``sha256sum``, which ``sha256sum -c`` reads."""
        return "".join(_sums_line(entry.sha256, path) for path, entry in sorted(self.files.items()))


def _sums_line(digest: str, path: str) -> str:
    # sha256sum escapes a name holding a backslash or a newline and marks the line with "\".
    if "\\" in path or "\n" in path:
        return "\\" + digest + "  " + path.replace("\\", "\\\\").replace("\n", "\\n") + "\n"
    return f"{digest}  {path}\n"


def verify(manifest: Manifest, found: dict[str, FileEntry], sums: str | None) -> list[str]:
    """Every way the files ``found`` in an archive differ from its manifest, one line each."""
    problems = []
    if manifest.database not in manifest.files:
        problems.append(f"{MANIFEST} lists no database file ({manifest.database}).")
    for path, entry in sorted(manifest.files.items()):
        got = found.get(path)
        if got is None:
            problems.append(f"{path}: missing from the archive.")
        elif got.size != entry.size:
            problems.append(f"{path}: {got.size} bytes, the manifest says {entry.size}.")
        elif got.sha256 != entry.sha256:
            problems.append(f"{path}: SHA-256 {got.sha256}, the manifest says {entry.sha256}.")
    for path in sorted(set(found) - set(manifest.files) - {MANIFEST, SUMS}):
        problems.append(f"{path}: in the archive but not in the manifest.")
    if sums is None:
        problems.append(f"{SUMS}: missing from the archive.")
    elif sums != manifest.sums_text():
        problems.append(f"{SUMS} does not match {MANIFEST}.")
    return problems


def backup_name(now: datetime) -> str:
    return f"{PREFIX}{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"


# -- the database --------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """The database a backup reads or a restore writes, from its Django settings."""

    engine: str  # "postgresql" | "sqlite"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, alias: str = "default") -> Database:
        params = connections[alias].settings_dict
        backend = connections[alias].vendor
        if backend not in DATABASE_FILES:
            raise BackupError(f"Backups support PostgreSQL and SQLite, not {params['ENGINE']}.")
        return cls(
            engine=backend,
            name=str(params["NAME"]),
            host=str(params.get("HOST") or ""),
            port=str(params.get("PORT") or ""),
            user=str(params.get("USER") or ""),
            password=str(params.get("PASSWORD") or ""),
        )

    @property
    def label(self) -> str:
        if self.engine == "sqlite":
            return f"SQLite {self.name}"
        return f"PostgreSQL {self.name} on {self.host or 'localhost'}:{self.port or 5432}"

    def pg_env(self) -> dict[str, str]:
        """The environment of pg_dump and pg_restore: libpq reads the connection from it."""
        env = dict(os.environ)
        for key, value in (
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
        ):
            if value:
                env[key] = value
        return env

    def pg_connect(self) -> Any:
        import psycopg
        from psycopg.conninfo import make_conninfo

        params = {"host": self.host, "port": self.port, "user": self.user, "password": self.password}
        return psycopg.connect(make_conninfo(dbname=self.name, **{k: v for k, v in params.items() if v}))


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools (Debian: postgresql-client), "
            "of the server's major version or newer."
        )
    return path


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed (exit {result.returncode}):\n{result.stderr.strip()}"
        )
    return result.stdout


def _pg_tables(cursor: Any) -> dict[str, int]:
    """Row count of every table outside PostgreSQL's own schemas ("schema.table" outside public)."""
    from psycopg import sql

    cursor.execute(
        """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
        ORDER BY 1, 2
        """
    )
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        )
        counts[table if schema == "public" else f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _sqlite_tables(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: db.execute('SELECT count(*) FROM "{}"'.format(name.replace('"', '""'))).fetchone()[0]
        for name in names
    }


def dump_database(database: Database, path: Path, *, alias: str = "default") -> tuple[dict[str, int], str]:
    """Write the database to ``path``; returns each table's row count in what was written,
    and the tool that wrote it."""
    if database.engine == "postgresql":
        pg_dump = _tool("pg_dump")
        version = _run([pg_dump, "--version"], database.pg_env()).strip()
        with database.pg_connect() as conn:
            import psycopg

            # The counts and pg_dump read one snapshot, exported by this transaction and
            # held open until pg_dump is done: a write in between is in neither.
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                tables = _pg_tables(cursor)
                _run(
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={path}",
                        f"--dbname={database.name}",
                    ],
                    database.pg_env(),
                )
            conn.rollback()
        return tables, version
    # SQLite's online backup copies a consistent state while web and worker keep writing;
    # Django's own connection is used so that an in-memory database (tests) works too.
    connection = connections[alias]
    if connection.in_atomic_block:
        # SQLite cannot copy a database its own connection is writing: it would wait forever.
        raise BackupError("A backup cannot run inside a database transaction.")
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
        tables = _sqlite_tables(copy)
    copy.close()
    return tables, f"SQLite {sqlite3.sqlite_version} backup API"


def _read_only(path: Path) -> str:
    return f"file:{quote(str(path.resolve()))}?mode=ro"


def database_tables(database: Database) -> dict[str, int]:
    """Each table's row count in ``database`` now (empty for a database that does not exist yet)."""
    if database.engine == "postgresql":
        with database.pg_connect() as conn, conn.cursor() as cursor:
            return _pg_tables(cursor)
    # Django's test database is an in-memory URI (file:memorydb_default?mode=memory&cache=shared).
    if not database.name.startswith("file:") and not Path(database.name).exists():
        return {}
    uri = database.name if database.name.startswith("file:") else _read_only(Path(database.name))
    with sqlite3.connect(uri, uri=True) as db:
        tables = _sqlite_tables(db)
    db.close()
    return tables


def check_dump(database: Database, path: Path) -> None:
    """Raise BackupError unless the dump can be read back by its engine."""
    if database.engine == "postgresql":
        _run([_tool("pg_restore"), "--list", str(path)], database.pg_env())
        return
    with sqlite3.connect(_read_only(path), uri=True) as db:
        result = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    if result != "ok":
        raise BackupError(f"{path.name} fails SQLite's integrity check: {result}")


def load_database(database: Database, path: Path) -> None:
    """Put the dump into ``database``, which must be new and empty."""
    if database.engine == "postgresql":
        _run(
            [
                _tool("pg_restore"),
                # The roles of the backed-up server need not exist here: objects belong to
                # the restoring user, and grants are left out.
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={database.name}",
                str(path),
            ],
            database.pg_env(),
        )
        return
    target = Path(database.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A write-ahead log left beside an empty database file belongs to that file, not this one.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    partial = target.with_name(target.name + ".restoring")
    shutil.copyfile(path, partial)
    os.replace(partial, target)


# -- media ---------------------------------------------------------------------------


def media_files(root: Path, log: Log | None = None) -> Iterator[tuple[str, Path]]:
    """(path inside the archive, file) for every regular file under ``root``, in name order.
    Symbolic links are left out (and reported): a backup holds only what lies in the folder."""
    if not root.is_dir():
        return
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(folder) / filename
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() or not path.is_file():
                if log:
                    log(f"Left out {relative}: not a regular file.")
                continue
            yield f"{MEDIA}/{relative}", path


def sha256_file(path: Path) -> FileEntry:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return FileEntry(size=size, sha256=digest.hexdigest())


def missing_media(root: Path) -> list[str]:
    """Files that rows of the current database name but MEDIA_ROOT does not hold."""
    missing = []
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.FileField):
                names = model._default_manager.exclude(**{model_field.name: ""}).values_list(
                    model_field.name, flat=True
                )
                label = f"{model._meta.label}.{model_field.name}"
                missing += [f"{label}: {name}" for name in names.iterator() if not (root / name).is_file()]
    return missing


class _HashingReader:
    """Hands tarfile the bytes of a file while hashing them: the manifest records exactly
    what went into the archive, read once."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def entry(self) -> FileEntry:
        return FileEntry(size=self.size, sha256=self.digest.hexdigest())


def _member(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    # Personal data: readable by whoever unpacks it, no one else.
    info.mode = 0o600
    return info


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> FileEntry:
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        reader = _HashingReader(handle)
        tar.addfile(_member(name, stat.st_size, stat.st_mtime), reader)
    return reader.entry()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    import io

    tar.addfile(_member(name, len(data), mtime), io.BytesIO(data))


# -- backup --------------------------------------------------------------------------


def write_backup(
    stream: IO[bytes],
    *,
    database: Database,
    media_root: Path,
    now: datetime,
    workdir: Path | None = None,
    log: Log = lambda line: None,
) -> Manifest:
    """Write one backup archive to ``stream``: the database first, then the media folder."""
    name = backup_name(now)
    database_file = DATABASE_FILES[database.engine]
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".tracker-backup-") as tmp:
        dump = Path(tmp) / database_file
        log(f"Dumping {database.label} …")
        tables, tool = dump_database(database, dump)
        log(f"  {len(tables)} tables, {sum(tables.values())} rows.")
        files: dict[str, FileEntry] = {}
        with tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            files[database_file] = _add_file(tar, f"{name}/{database_file}", dump)
            for path_in_archive, path in media_files(media_root, log):
                files[path_in_archive] = _add_file(tar, f"{name}/{path_in_archive}", path)
            manifest = Manifest(
                name=name,
                created_at=now.astimezone(UTC).isoformat(timespec="seconds"),
                engine=database.engine,
                database=database_file,
                files=files,
                tables=tables,
                tool=tool,
            )
            stamp = now.timestamp()
            _add_bytes(tar, f"{name}/{SUMS}", manifest.sums_text().encode(), stamp)
            _add_bytes(tar, f"{name}/{MANIFEST}", manifest.to_json().encode(), stamp)
    media = manifest.media
    log(f"  {len(media)} media files, {sum(e.size for e in media.values())} bytes, from {media_root}.")
    return manifest


def backup_to_folder(
    folder: Path,
    *,
    database: Database,
    media_root: Path,
    now: datetime,
    workdir: Path | None = None,
    log: Log = lambda line: None,
) -> tuple[Path, Manifest]:
    """Write ``folder/tracker-backup-<time>.tar``. It appears under that name only once it is
    complete and on disk: an interrupted backup leaves a ``.part`` file, never a short archive."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (backup_name(now) + SUFFIX)
    if target.exists():
        raise BackupError(f"{target} already exists.")
    partial = target.with_name(target.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            manifest = write_backup(
                stream, database=database, media_root=media_root, now=now, workdir=workdir, log=log
            )
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target, manifest


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder`` (their names sort by time);
    returns what was deleted. Only complete archives named by this module are touched."""
    archives = sorted(
        path
        for path in folder.glob(f"{PREFIX}*{SUFFIX}")
        if path.is_file() and len(path.name) == len(PREFIX) + len("20260101T000000Z") + len(SUFFIX)
    )
    old = archives[:-keep] if keep > 0 else archives
    for path in old:
        path.unlink()
    return old


# -- restore -------------------------------------------------------------------------


@dataclass
class Staged:
    """An archive unpacked into a staging folder and checked against its manifest."""

    folder: Path
    manifest: Manifest
    found: dict[str, FileEntry] = field(default_factory=dict)

    @property
    def database_file(self) -> Path:
        return self.folder / self.manifest.database


def _safe_parts(name: str) -> tuple[str, ...]:
    path = PurePosixPath(name)
    parts = path.parts
    if path.is_absolute() or not parts or any(part in ("", ".", "..") for part in parts) or "\\" in parts[0]:
        raise BackupError(f"The archive holds an unsafe name: {name!r}.")
    return parts


def unpack(stream: IO[bytes], staging: Path) -> Staged:
    """Unpack a backup into ``staging``, hashing every file as it is written, and check it
    all against the manifest. Raises BackupError listing every difference; writes nothing
    outside ``staging``. Reads the archive once, start to end, so a pipe will do."""
    found: dict[str, FileEntry] = {}
    top = None
    try:
        tar = tarfile.open(fileobj=stream, mode="r|*")  # noqa: SIM115 - closed by the with below
    except tarfile.TarError as exc:
        raise BackupError(f"This is not a backup archive ({exc}).") from None
    with tar:
        try:
            for member in tar:
                parts = _safe_parts(member.name)
                if top is None:
                    top = parts[0]
                    if not top.startswith(PREFIX):
                        raise BackupError(f"This is not a backup archive: it starts with {member.name!r}.")
                if parts[0] != top:
                    raise BackupError(f"The archive holds {member.name!r} outside its folder {top}/.")
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(f"{member.name}: a backup holds only files and folders.")
                inner = "/".join(parts[1:])
                allowed = inner in (MANIFEST, SUMS, *DATABASE_FILES.values()) or inner.startswith(MEDIA + "/")
                if not allowed or inner in found:
                    raise BackupError(f"{member.name}: unexpected in a backup archive.")
                target = staging.joinpath(*parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None  # a regular file
                reader = _HashingReader(source)
                with open(target, "wb") as out:
                    while chunk := reader.read(CHUNK):
                        out.write(chunk)
                found[inner] = reader.entry()
        except (tarfile.TarError, EOFError) as exc:
            raise BackupError(f"The archive is damaged or cut short ({exc}).") from None
    if top is None or MANIFEST not in found:
        raise BackupError(f"The archive holds no {MANIFEST}: it is not a complete backup.")
    manifest = Manifest.from_json((staging / MANIFEST).read_text(encoding="utf-8"))
    problems = []
    if manifest.name != top:
        problems.append(f"{MANIFEST} names the backup {manifest.name}, its folder is {top}.")
    sums = (staging / SUMS).read_text(encoding="utf-8") if SUMS in found else None
    problems += verify(manifest, found, sums)
    if problems:
        raise BackupError("The archive does not match its manifest:\n  " + "\n  ".join(problems))
    return Staged(folder=staging, manifest=manifest, found=found)


def _owner_of(folder: Path) -> tuple[int, int] | None:
    """Files restored by root take the media folder's owner, so that the app can still
    write next to them (e.g. a month folder the next upload goes into)."""
    if os.geteuid() != 0:
        return None
    stat = folder.stat()
    return (stat.st_uid, stat.st_gid) if stat.st_uid != 0 else None


def install_media(staged: Staged, media_root: Path) -> list[Path]:
    """Copy the staged media files into ``media_root``; returns the files written."""
    media_root.mkdir(parents=True, exist_ok=True)
    owner = _owner_of(media_root)
    written: list[Path] = []
    try:
        for path_in_archive in sorted(staged.manifest.media):
            relative = path_in_archive[len(MEDIA) + 1 :]
            target = media_root.joinpath(*relative.split("/"))
            created = [
                p for p in reversed(target.relative_to(media_root).parents) if not (media_root / p).exists()
            ]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(staged.folder / path_in_archive, target)
            written.append(target)
            os.chmod(target, 0o644)
            if owner:
                for folder in created:
                    os.chown(media_root / folder, *owner)
                os.chown(target, *owner)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def check_fresh(database: Database, media_root: Path) -> None:
    """Raise BackupError unless both the database and the media folder are empty."""
    tables = database_tables(database)
    if tables:
        how = (
            "a new, empty database (createdb)"
            if database.engine == "postgresql"
            else "a file that does not exist yet"
        )
        raise BackupError(
            f"{database.label} already holds {len(tables)} tables. A restore never overwrites: "
            f"restore into {how}, or move the old one aside first."
        )
    if media_root.exists():
        if not media_root.is_dir():
            raise BackupError(f"MEDIA_ROOT {media_root} is not a folder.")
        for _folder, _dirs, files in os.walk(media_root):
            if files:
                raise BackupError(
                    f"MEDIA_ROOT {media_root} already holds files. A restore never overwrites: "
                    "point MEDIA_ROOT at an empty folder, or move the old files aside first."
                )


@dataclass
class RestoreReport:
    tables: dict[str, int]
    media: int
    problems: list[str]


def restore(
    staged: Staged, *, database: Database, media_root: Path, log: Log = lambda line: None
) -> RestoreReport:
    """Restore a checked archive into an empty database and an empty media folder, then
    check the result. The media files are removed again if the database cannot be loaded."""
    manifest = staged.manifest
    if manifest.engine != database.engine:
        raise BackupError(
            f"This backup is of a {manifest.engine} database and this tracker runs on {database.engine}; "
            "restore it into the same kind of database."
        )
    check_fresh(database, media_root)
    log(f"Copying {len(manifest.media)} media files into {media_root} …")
    written = install_media(staged, media_root)
    log(f"Loading the database into {database.label} …")
    connections.close_all()
    try:
        load_database(database, staged.database_file)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    log("Checking the restored data …")
    tables = database_tables(database)
    problems = [
        f"table {table}: {tables.get(table, 'missing')} rows, the backup has {count}."
        for table, count in sorted(manifest.tables.items())
        if tables.get(table) != count
    ]
    problems += [f"table {table}: not in the backup." for table in sorted(set(tables) - set(manifest.tables))]
    for path_in_archive, entry in sorted(manifest.media.items()):
        target = media_root.joinpath(*path_in_archive[len(MEDIA) + 1 :].split("/"))
        if sha256_file(target) != entry:
            problems.append(f"{path_in_archive}: differs from the backup after copying.")
    return RestoreReport(tables=tables, media=len(written), problems=problems)
