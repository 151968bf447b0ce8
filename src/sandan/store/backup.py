"""Backing up and restoring an instance: its database and the files of its data folder, in one archive.

An archive is a tar file: `manifest.json` (what it holds, each table's row count), `database/` (DuckDB's export, one
Parquet file per table with the schema that creates them) and `files/` (the data folder: settings,
saved lines, calendars, uploads, federation keys, the alert rules' and partner profiles' SQLite files, …). SQLite
files go in through SQLite's own backup, one consistent copy each (a file copy of a live one, with its write-ahead
log beside it, is none). DuckDB exports in one transaction of its own, so the copy is
one consistent snapshot while a running server goes on ingesting. A PostgreSQL database goes into the same export,
copied table by table from one snapshot through a scratch DuckDB file (`store.transfer`), so every archive restores
into either store: a complex moves from the DuckDB file to PostgreSQL by restoring a backup there.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sandan.domain import InvalidInput, NotFound, SandanError
from sandan.jobs import PLATFORM, BackgroundLoop, Job, JobRegistry
from sandan.store.base import Store

log = logging.getLogger(__name__)

FORMAT = 1
JOB_KIND = "backup"  # a backup running in the server, in the job registry
MANIFEST = "manifest.json"
DATABASE = "database"
FILES = "files"
DB_FILE = "sandan.duckdb"
#: What a backup of the data folder leaves out: database files (the database goes in through its export, and a
#: live file copied mid-write is no copy), earlier backups, and the demo's own instance.
SKIPPED_DIRS = {"backups", "demo", "takeout"}  # takeouts are copies of records the database holds
SKIPPED_SUFFIXES = (".duckdb", ".duckdb.wal", ".tmp")

#: Told (what, done, total) as the work goes: "table", "file", "check".
Progress = Callable[[str, int, int], None]


@dataclass
class Manifest:
    created_at: str
    sandan_version: str
    store: str  # duckdb (database/ holds DuckDB's export) | none (the data folder only)
    schema_version: int | None  # of the export (DuckDB's schema)
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0
    format: int = FORMAT
    source: str = ""  # the store backed up: duckdb | postgresql ("" in archives before it was recorded)
    # the companies whose records the database part holds (None: a data folder only, or an archive before it was
    # recorded — either may hold anyone's)
    companies: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _quiet(_what: str, _done: int, _total: int) -> None:
    pass


SQLITE_HEADER = b"SQLite format 3\x00"
#: Beside a SQLite file while it is open: its write-ahead log, shared memory and rollback journal.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _data_files(data_dir: Path) -> list[Path]:
    found = []
    for root, dirs, names in os.walk(data_dir):
        here = Path(root)
        if here == data_dir:
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        dirs.sort()
        kept = [n for n in sorted(names) if not n.endswith(SKIPPED_SUFFIXES)]
        # a SQLite file's side files go in through its own backup, never on their own
        side = {n + s for n in kept if _is_sqlite(here / n) for s in SQLITE_SIDE_FILES}
        found += [here / n for n in kept if n not in side]
    return found


def _add_file(tar: tarfile.TarFile, path: Path, arcname: str, scratch: Path) -> int | None:
    """Add one data-folder file; its size, or None when it went away after the folder was read (a temporary file).
    A SQLite file is copied through SQLite's backup, so the archive holds one committed state of it."""
    if _is_sqlite(path):
        copy = scratch / "sqlite-copy"
        copy.unlink(missing_ok=True)
        try:
            source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            try:
                target = sqlite3.connect(copy)
                try:
                    source.backup(target)
                finally:
                    target.close()
            finally:
                source.close()
        except sqlite3.Error as exc:
            # a damaged or vanished file: its bytes as they are, rather than no backup at all
            log.warning(
                "%s could not be copied through SQLite (%s); its file is archived as it is", path, exc
            )
        else:
            path = copy
    try:
        tar.add(path, arcname=arcname)
        return path.stat().st_size
    except FileNotFoundError:
        return None


def archive_target(target: Path, default_name: str) -> Path:
    """Where an archive goes: `target`, or `default_name` inside it when it is a folder (or names none); refused
    when that file exists, so nothing is ever replaced."""
    target = Path(target)
    if target.is_dir() or not target.suffix:
        target = target / default_name
    if target.exists():
        raise InvalidInput(
            f"{target} already exists; give another file name",
            f"{target}이(가) 이미 있습니다. 다른 이름을 주세요",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


@contextmanager
def private_archive(target: Path, busy: tuple[str, str]) -> Iterator[BinaryIO]:
    """Write `target` through a `.tmp` file beside it: readable by its owner only from the first byte, created by
    one writer only (`busy`, English and Korean, is the refusal another one gets), renamed to `target` when the
    block ends without error and removed when it does not — so the archive appears whole or not at all."""
    partial = target.with_name(target.name + ".tmp")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInput(*busy) from None
    try:
        with os.fdopen(fd, "wb") as raw:
            yield raw
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _kind(store: Store) -> str:
    return "duckdb" if store.url.startswith("duckdb://") else "postgresql"


def _export_version(store: Store) -> int:
    """The schema version of a store's export: DuckDB's own (a PostgreSQL store exports through a DuckDB file at
    this sandan's schema)."""
    if _kind(store) == "duckdb":
        return store.schema_version()
    from sandan.store.duck import MIGRATIONS

    return MIGRATIONS[-1][0]


def backup_name(now: datetime | None = None) -> str:
    return f"sandan-backup-{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}.tar"


#: The names `backup_name` gives, and only those: an archive the operator named sandan-backup-before-upgrade.tar
#: was deleted by the pruning and took a scheduled archive's place.
_OUR_NAME = re.compile(r"^sandan-backup-\d{8}T\d{6}Z\.tar$")


def own_backups(folder: Path) -> list[Path]:
    """The archives this module named in `folder`, oldest first."""
    folder = Path(folder)
    found = folder.glob("sandan-backup-*.tar") if folder.exists() else []
    return sorted((p for p in found if _OUR_NAME.match(p.name)), key=lambda p: p.name)


def cross_tenant_backup(
    store: Store | None,
    data_dir: Path,
    target: Path,
    *,
    version: str = "",
    progress: Progress = _quiet,
) -> tuple[Path, Manifest]:
    """Write the instance's database (through `store`; None for the data folder only) and data folder to one
    archive at `target` (a folder gets a dated name inside it). The archive appears whole or not at all."""
    data_dir = Path(data_dir)
    target = archive_target(target, backup_name())
    manifest = Manifest(
        datetime.now(UTC).isoformat(timespec="seconds"),
        version,
        "none" if store is None else "duckdb",
        None,
        source="" if store is None else _kind(store),
    )
    busy = (
        f"another backup is being written to {target} right now; try again in a minute",
        f"지금 다른 백업이 {target}에 쓰이고 있습니다. 잠시 뒤 다시 하세요",
    )
    # one count over both steps, the database as one, then each file (each step counted on its own, the bar went
    # from 23/23 back to 3/8)
    files = _data_files(data_dir)
    first = 0 if store is None else 1
    total = first + len(files)
    with tempfile.TemporaryDirectory(prefix="sandan-backup-") as tmp:
        if store is not None:
            manifest.tables = store.export_database(Path(tmp) / DATABASE)
            manifest.schema_version = _export_version(store)
            # listed after the export: a company added meanwhile is named without being in it, never the reverse
            manifest.companies = sorted(c.id for c in store.cross_tenant_companies())
            progress("table", first, total)
        # every company's records and the files of the data folder
        with private_archive(target, busy) as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            if store is not None:
                tar.add(Path(tmp) / DATABASE, arcname=DATABASE)
            for i, path in enumerate(files, 1):
                arcname = str(PurePosixPath(FILES, *path.relative_to(data_dir).parts))
                size = _add_file(tar, path, arcname, Path(tmp))
                if size is not None:
                    manifest.files += 1
                    manifest.file_bytes += size
                progress("file", first + i, total)
            body = json.dumps(manifest.to_dict(), indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(body))
    return target, manifest


def read_manifest(archive: Path) -> Manifest:
    """What an archive holds, from its manifest; a file that is no sandan backup is named as such."""
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.getmember(MANIFEST)
            raw = json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise InvalidInput(
            f"{archive} is not a sandan backup ({exc}); give a file `sandan backup` wrote",
            f"{archive}은(는) sandan 백업 파일이 아닙니다 ({exc}). `sandan backup`이 만든 파일을 주세요",
            field="archive",
        ) from exc
    if raw.get("format") != FORMAT:
        raise InvalidInput(
            f"{archive} is a backup of format {raw.get('format')}; this sandan reads format {FORMAT}",
            f"{archive}은(는) 형식 {raw.get('format')}의 백업입니다. 이 sandan은 형식 {FORMAT}을(를) 읽습니다",
            field="archive",
        )
    return Manifest(**{k: raw[k] for k in Manifest.__dataclass_fields__ if k in raw})


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The archive's files and folders, refusing any that would land outside the folder it is unpacked in."""
    members = []
    for m in tar.getmembers():
        path = PurePosixPath(m.name)
        if path.is_absolute() or ".." in path.parts or not (m.isfile() or m.isdir()):
            raise InvalidInput(
                f"the backup holds {m.name!r}, which would be written outside the data folder; it is refused",
                f"백업에 데이터 폴더 밖에 쓰일 항목 {m.name!r}이(가) 있어 거부합니다",
                field="archive",
            )
        members.append(m)
    return members


def restore_instance(
    archive: Path, data_dir: Path, *, store_url: str | None = None, progress: Progress = _quiet
) -> tuple[Manifest, int | None]:
    """Unpack an archive into `data_dir`, which must hold no instance yet, and rebuild its DuckDB database there:
    every table's rows are checked against the manifest, then the database is opened and brought up to this
    sandan's schema. With `store_url`, a PostgreSQL store whose schema holds no sandan rows, the database goes there
    instead (every table copied and counted again; no DuckDB file is left): how a complex moves to PostgreSQL. The
    manifest and the restored database's schema version (None for an archive of the data folder only)."""
    manifest = read_manifest(archive)
    data_dir = Path(data_dir)
    if data_dir.exists() and any(data_dir.iterdir()):
        raise InvalidInput(
            f"{data_dir} is not empty; restore into an empty folder and point SANDAN_DATA_DIR at it",
            f"{data_dir}이(가) 비어 있지 않습니다. 빈 폴더에 복원한 뒤 SANDAN_DATA_DIR를 그 폴더로 지정하세요",
            field="data_dir",
        )
    target = _postgres_target(store_url, manifest, archive) if store_url else None
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            version = _unpack(archive, manifest, data_dir, progress)
            if target is not None:
                from sandan.store.transfer import duckdb_to_postgres

                duckdb_to_postgres(data_dir / DB_FILE, target, lambda _t, done, n: progress("copy", done, n))
                for name in (DB_FILE, DB_FILE + ".wal"):
                    (data_dir / name).unlink(missing_ok=True)
                version = target.schema_version()
        except BaseException:
            # the folder was empty: leave it so, and the same restore can simply be run again
            for child in data_dir.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
            raise
    finally:
        if target is not None:
            target.close()
    return manifest, version


def _postgres_target(url: str, manifest: Manifest, archive: Path) -> Store:
    """The PostgreSQL store a restore copies its database into, at this sandan's schema and holding no rows."""
    if not url.startswith(("postgresql://", "postgres://")):
        given = (
            f"not {url.split('://', 1)[0]}://…" if "://" in url else "not what was given"
        )  # never the password
        raise InvalidInput(
            f"a restore's store must be a PostgreSQL URL (postgresql://user@host/db), {given}; "
            "without one the database is restored into the data folder's DuckDB file",
            "복원 대상 저장소는 PostgreSQL URL(postgresql://user@host/db)이어야 합니다. 지정하지 않으면 데이터 폴더의 "
            "DuckDB 파일로 복원합니다",
            field="store",
        )
    if manifest.store != "duckdb":
        raise InvalidInput(
            f"{archive.name} holds the data folder only, no database to restore into PostgreSQL",
            f"{archive.name}에는 데이터 폴더만 있고 PostgreSQL로 복원할 데이터베이스가 없습니다",
            field="archive",
        )
    import psycopg

    from sandan.store import open_store
    from sandan.store.transfer import refuse_held

    try:
        store = open_store(url)
    except (
        psycopg.Error
    ) as exc:  # a schema holding another program's table of a name sandan's migrations create
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInput(
            f"the PostgreSQL store cannot take sandan's tables ({reason}); restore into an empty database or a new "
            "schema (CREATE SCHEMA …, then options=-csearch_path=… in the store URL)",
            f"PostgreSQL 저장소에 sandan 테이블을 만들 수 없습니다 ({reason}). 빈 데이터베이스나 새 스키마에 복원하세요 "
            "(CREATE SCHEMA … 로 만든 뒤 저장소 URL에 options=-csearch_path=…)",
            field="store",
        ) from exc
    try:
        refuse_held(store)  # type: ignore[arg-type]
    except BaseException:
        store.close()
        raise
    return store


def _unpack(archive: Path, manifest: Manifest, data_dir: Path, progress: Progress) -> int | None:
    with tempfile.TemporaryDirectory(prefix="sandan-restore-") as tmp, tarfile.open(archive, "r") as tar:
        members = _safe_members(tar)
        # every member is checked above; where Python has it, its own filter checks again
        tar.extractall(
            tmp, members=members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {})
        )
        files = Path(tmp) / FILES
        shipped = [p for p in files.rglob("*") if p.is_file()] if files.exists() else []
        for i, path in enumerate(shipped, 1):
            dest = data_dir / path.relative_to(files)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            progress("file", i, len(shipped))
        if manifest.store == "duckdb":
            import duckdb

            from sandan.store.duck import import_database

            try:
                counts = import_database(data_dir / DB_FILE, Path(tmp) / DATABASE)
            except duckdb.Error as exc:
                # bytes changed inside the archive: DuckDB's parser error was a traceback
                raise InvalidInput(
                    f"the backup {archive.name} is damaged: its database export cannot be read back "
                    f"({type(exc).__name__}); restore another backup",
                    f"백업 {archive.name}이(가) 손상되었습니다. 데이터베이스 내보내기를 다시 읽을 수 없습니다 "
                    f"({type(exc).__name__}). 다른 백업으로 복원하세요",
                    code="damaged_backup",
                ) from exc
            progress("check", len(counts), len(manifest.tables))
            wrong = {t: (n, counts.get(t)) for t, n in manifest.tables.items() if counts.get(t) != n}
            if wrong:
                raise InvalidInput(
                    f"the restored database does not match the backup (table: backup rows, restored rows): {wrong}",
                    f"복원한 데이터베이스가 백업과 다릅니다 (테이블: 백업 행 수, 복원 행 수): {wrong}",
                )
    if manifest.store != "duckdb":
        return None
    from sandan.store import open_store

    # an archive of an older sandan is brought up to this one's schema
    with open_store(f"duckdb:///{(data_dir / DB_FILE).resolve()}") as store:
        return store.schema_version()


def check_backup(archive: Path) -> tuple[Manifest, int | None]:
    """Prove an archive restores: unpack it into a scratch folder, check every table's rows, open and migrate the
    database, then delete the folder. The manifest and the schema version it migrates to (None without a
    database)."""
    with tempfile.TemporaryDirectory(prefix="sandan-check-") as tmp:
        return restore_instance(archive, Path(tmp) / "data")


def list_backups(folder: Path) -> list[dict[str, Any]]:
    """The archives in `folder`, newest first: name, size and what each manifest says it holds; a file there that
    is no readable archive is listed with the reason."""
    out = []
    for path in sorted(Path(folder).glob("*.tar"), key=lambda p: p.stat().st_mtime, reverse=True):
        entry: dict[str, Any] = {"name": path.name, "bytes": path.stat().st_size}
        try:
            m = read_manifest(path)
        except InvalidInput as exc:
            entry["error"] = {"en": exc.en, "ko": exc.ko}
        else:
            entry.update(
                created_at=m.created_at,
                sandan_version=m.sandan_version,
                store=m.store,
                schema_version=m.schema_version,
                tables=len(m.tables),
                rows=sum(m.tables.values()),
                files=m.files,
            )
        out.append(entry)
    return out


def backups_holding(folder: Path, company_id: str) -> list[str]:
    """The archives in `folder` that may hold `company_id`'s records: those whose manifest names it, and those that
    do not say whose records they hold (older archives). A company added after an archive was written is not in it."""
    held = []
    for entry in list_backups(folder):
        if "error" in entry:
            continue
        companies = read_manifest(Path(folder) / entry["name"]).companies
        if companies is None or company_id in companies:
            held.append(entry["name"])
    return held


def backup_file(folder: Path, name: str) -> Path:
    """One archive of `folder` by the name `list_backups` gives it, to download (never a file outside the folder)."""
    path = Path(folder) / name
    if PurePosixPath(name).name != name or "\\" in name or not name.endswith(".tar") or not path.is_file():
        raise NotFound(
            f"backup {name!r} not found in {folder}; the list of backups names the archives there",
            f"백업 {name!r}을(를) {folder}에서 찾을 수 없습니다. 백업 목록에 있는 파일 이름을 쓰세요",
            code="backup_not_found",
        )
    return path


def backup_space(folder: Path) -> dict[str, Any]:
    """Room for the next archive on the backups' disk: free and total bytes, the newest archive's size, and whether
    twice that is still free (`enough`; the export is written once more into the tar)."""
    folder = Path(folder)
    probe = folder if folder.exists() else folder.parent
    usage = shutil.disk_usage(probe)
    ours = own_backups(folder)
    last = ours[-1].stat().st_size if ours else None
    return {
        "free": usage.free,
        "total": usage.total,
        "last_size": last,
        "enough": last is None or usage.free >= 2 * last,
    }


def backup_folder(data_dir: Path) -> Path:
    """Where a running server writes its backups: the data folder's backups/ (left out of every archive)."""
    return Path(data_dir) / "backups"


def backup_job(
    progress: Callable[..., None], store: Store, data_dir: Path, version: str = ""
) -> dict[str, Any]:
    """A backup as a background job (`progress(done, total, (English, Korean))`, the job registry's call): the
    archive's name and what it holds."""
    steps = {"table": ("database exported", "데이터베이스 내보냄"), "file": ("data folder", "데이터 폴더")}

    def told(what: str, done: int, total: int) -> None:
        en, ko = steps.get(what, (what, what))
        progress(done, total, (f"{en}: {done}/{total}", f"{ko}: {done}/{total}"))

    path, manifest = cross_tenant_backup(
        store, data_dir, backup_folder(data_dir), version=version, progress=told
    )
    return {"name": path.name, **manifest.to_dict()}


def submit_backup(jobs: JobRegistry, store: Store, data_dir: Path, user_id: str, version: str = "") -> Job:
    """Start `backup_job` in the server's job registry (the platform's, no company's), recorded in the platform's
    audit log with the job's id; the job."""
    job = jobs.submit(
        PLATFORM, JOB_KIND, backup_job, store, data_dir, version, user_id=user_id, label="backup"
    )
    store.add_audit(None, user_id, "backup.start", f"job {job.id}", "")
    return job


def prune_backups(folder: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` archives this module named (sandan-backup-….tar; files the operator named
    are never touched); the names deleted."""
    ours = own_backups(folder)[::-1]
    for path in ours[keep:]:
        path.unlink(missing_ok=True)
    return [p.name for p in ours[keep:]]


def next_due(at: str, zone: str, now: datetime) -> datetime:
    """The next time the clock in `zone` shows `at` ("02:00") after `now` (UTC)."""
    hour, minute = parse_clock(at)
    local = now.astimezone(ZoneInfo(zone))
    due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if due <= local:
        due = (local + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return due.astimezone(UTC)


def parse_clock(at: str) -> tuple[int, int]:
    try:
        hour, minute = (int(x) for x in at.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise InvalidInput(
            f"backup time {at!r} is not a clock time; write it as HH:MM, e.g. 02:00 (or empty for no backups)",
            f"백업 시각 {at!r}이(가) 시각이 아닙니다. 02:00처럼 HH:MM으로 쓰세요 (비우면 자동 백업 없음)",
            field="backup_at",
        ) from None
    return hour, minute


class BackupSchedule(BackgroundLoop):
    """A backup every day when the plant's clock shows `at`, keeping the newest `keep` archives, run in the server.

    A failed backup is logged and kept as `last_error` for the operator's page; the next day's runs as usual.
    """

    def __init__(
        self, store: Store, data_dir: Path, at: str, zone: str, keep: int, version: str = ""
    ) -> None:
        parse_clock(at)
        self.store, self.data_dir, self.at, self.zone = store, Path(data_dir), at, zone
        self.keep, self.version = max(1, keep), version
        self.last_run: datetime | None = None
        self.last_archive: str | None = None
        self.last_error: dict[str, str] | None = None
        super().__init__("sandan-backups")

    def next_run(self, now: datetime | None = None) -> datetime:
        return next_due(self.at, self.zone, now or datetime.now(UTC))

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        return {
            "at": self.at,
            "zone": self.zone,
            "keep": self.keep,
            "next_run": self.next_run(now),
            "last_run": self.last_run,
            "last_archive": self.last_archive,
            "last_error": self.last_error,
        }

    def run_once(self) -> None:
        self.last_run = datetime.now(UTC)
        try:
            path, _ = cross_tenant_backup(
                self.store,
                self.data_dir,
                backup_folder(self.data_dir),
                version=self.version,
            )
            self.last_archive, self.last_error = path.name, None
            prune_backups(backup_folder(self.data_dir), self.keep)
        except SandanError as exc:
            log.error("scheduled backup failed: %s", exc.en)
            self.last_error = {"en": exc.en, "ko": exc.ko}
        except Exception as exc:  # a full disk must not end the schedule
            log.exception("scheduled backup failed")
            self.last_error = {"en": f"the backup failed: {exc}", "ko": f"백업에 실패했습니다: {exc}"}

    def wait_s(self) -> float:
        return max(1.0, (self.next_run() - datetime.now(UTC)).total_seconds())

    def tick(self) -> None:
        self.run_once()
