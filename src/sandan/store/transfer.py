"""An instance's whole database moved between the two stores: a DuckDB file into PostgreSQL, and back.

A complex that began on the embedded DuckDB file moves to PostgreSQL by restoring one of its backups there
(`sandan restore … --store postgresql://…`), and a PostgreSQL instance is backed up into the same archive as a DuckDB
one (its `export_database` copies every table into a scratch DuckDB file and exports that), so every archive restores
into either store.

Both stores hold the same tables with the same columns in the same order (tests/store/test_transfer.py keeps them in
step). DuckDB keeps more tables that it derives from the records (`DUCKDB_DERIVED`): they are rebuilt from the copied
records, never copied. Rows travel as CSV files that each database writes and reads itself (COPY on both sides): an
empty field is NULL and a quoted empty one an empty string, times are written in UTC with their offset, numbers in
their shortest exact form. Every table's rows are counted on both sides, and a difference fails the move.
"""

from __future__ import annotations

import errno
import functools
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import psycopg

from sandan.domain import InvalidInput

if TYPE_CHECKING:
    from sandan.store.postgres import PostgresStore

#: DuckDB's own summaries of the records (a per-minute rollup of readings, the scrap index of part records and the
#: spans still to roll up): PostgreSQL answers the same reads from its indexes, so they are rebuilt, not copied.
DUCKDB_DERIVED = ("part_scrap", "readings_1m", "rollup_pending")
#: Each store's own record of its migrations: the target store has its own.
SKIPPED = ("schema_migrations",)
CHUNK = 1 << 20
MAX_LINE = 2**31 - 1  # DuckDB's CSV reader refuses longer lines (its default is 2 MB)

#: Told (table, done, total) as the tables are copied.
Progress = Callable[[str, int, int], None]


def _quiet(_table: str, _done: int, _total: int) -> None:
    pass


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duck_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name IN "
        "(SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main') ORDER BY table_name, column_index"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _pg_columns(conn) -> dict[str, list[str]]:
    rows = conn.execute(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _plan(source: dict[str, list[str]], target: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """sandan's tables to copy (`SANDAN_TABLES`; another program's tables in a PostgreSQL schema are left alone),
    each with the target's columns, all of which the source must have."""
    plan = []
    for table in sandan_tables():
        missing = [c for c in target.get(table, []) if c not in source.get(table, [])]
        if table not in source or table not in target or missing:
            side = "target" if table not in target else "source"
            what = f"table {table}" if not missing else f"column(s) {', '.join(missing)} of {table}"
            what_ko = f"{table} 테이블" if not missing else f"{table} 테이블의 열 {', '.join(missing)}"
            raise InvalidInput(
                f"the {side} store has no {what}; bring both to the same sandan version first",
                f"{'대상' if side == 'target' else '원본'} 저장소에 {what_ko}이(가) 없습니다. 먼저 양쪽을 같은 sandan "
                "버전으로 맞추세요",
            )
        plan.append((table, target[table]))
    return plan


@functools.cache
def sandan_tables() -> tuple[str, ...]:
    """The tables of sandan's schema that a move copies: all of DuckDB's at this version but its derived ones and
    the record of migrations."""
    from sandan.store import open_store

    with open_store("duckdb://:memory:") as store:
        tables = _duck_columns(store._con)  # type: ignore[attr-defined]
    return tuple(t for t in sorted(tables) if t not in SKIPPED + DUCKDB_DERIVED)


def _pg_counts(conn, tables: list[str]) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {_quoted(t)}").fetchone()[0] for t in tables}


def _duck_counts(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {_quoted(t)}").fetchone()[0] for t in tables}


def _check(copied: dict[str, int], expected: dict[str, int]) -> None:
    wrong = {t: (expected[t], copied.get(t)) for t in expected if copied.get(t) != expected[t]}
    if wrong:
        raise InvalidInput(
            f"the copy does not match its source (table: source rows, copied rows): {wrong}",
            f"복사한 데이터가 원본과 다릅니다 (테이블: 원본 행 수, 복사한 행 수): {wrong}",
        )


def _refuse_held(conn) -> None:
    tables = [t for t in _pg_columns(conn) if t in sandan_tables()]
    held = {t: n for t, n in _pg_counts(conn, tables).items() if n}
    if held:
        raise InvalidInput(
            f"the PostgreSQL store already holds sandan data (rows per table: {held}); restore into an empty "
            "database or schema (a new one: CREATE SCHEMA …, then options=-csearch_path=… in the store URL)",
            f"PostgreSQL 저장소에 이미 sandan 데이터가 있습니다 (테이블별 행 수: {held}). 빈 데이터베이스나 스키마에 "
            "복원하세요 (CREATE SCHEMA … 로 새로 만든 뒤 저장소 URL에 options=-csearch_path=…)",
        )


def refuse_held(store: PostgresStore) -> None:
    """Refuse a PostgreSQL store that holds any sandan rows already: a move never mixes two instances."""
    with store._conn() as conn:
        _refuse_held(conn)


@contextmanager
def _table_step(table: str, folder: str) -> Iterator[None]:
    """A failure while one table moves, said with the table's name and what to do; a lost connection is left to
    the store, which says the server is unavailable."""
    try:
        yield
    except psycopg.OperationalError:
        raise
    except (psycopg.errors.CharacterNotInRepertoire, psycopg.errors.UntranslatableCharacter) as exc:
        raise InvalidInput(
            f"table {table} holds a text value PostgreSQL cannot store ({_first_line(exc)}): PostgreSQL text "
            "cannot hold the NUL character (\\x00); the source must be cleaned of it before the move",
            f"{table} 테이블에 PostgreSQL이 저장할 수 없는 글자가 있습니다 ({_first_line(exc)}). PostgreSQL 텍스트에는 "
            "NUL 문자(\\x00)가 들어갈 수 없으니 옮기기 전에 원본에서 지워야 합니다",
            code="bad_value",
        ) from exc
    except (psycopg.Error, duckdb.Error) as exc:
        raise InvalidInput(
            f"table {table} could not be copied: {_first_line(exc)}",
            f"{table} 테이블을 복사하지 못했습니다: {_first_line(exc)}",
        ) from exc
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        raise InvalidInput(
            f"no room left in the temporary folder {folder} while copying table {table}; point TMPDIR at a folder "
            "on a disk with room for the largest table and try again",
            f"{table} 테이블을 복사하는 중 임시 폴더 {folder}에 공간이 없습니다. 가장 큰 테이블이 들어갈 공간이 있는 "
            "디스크의 폴더를 TMPDIR로 지정하고 다시 하세요",
            code="no_space",
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def duckdb_to_postgres(duck_path: Path, store: PostgresStore, progress: Progress = _quiet) -> dict[str, int]:
    """Copy every table of the DuckDB file `duck_path` (at this sandan's schema) into `store`, whose schema must
    hold no sandan rows yet, in one transaction; each copied table's rows. Identity columns go on numbering after
    the copied ids."""
    con = duckdb.connect(str(duck_path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        source = _duck_columns(con)
        counts = _duck_counts(con, list(source))
        with store._conn() as conn:
            target = _pg_columns(conn)
            plan = _plan(source, target)
            _refuse_held(conn)
            with tempfile.TemporaryDirectory(prefix="sandan-transfer-") as tmp, conn.transaction():
                conn.execute("SET LOCAL TimeZone = 'UTC'")
                for i, (table, columns) in enumerate(plan, 1):
                    csv = Path(tmp) / f"{table}.csv"
                    names = ", ".join(_quoted(c) for c in columns)
                    with _table_step(table, tmp):
                        con.execute(
                            f"COPY (SELECT {names} FROM {_quoted(table)}) TO {_sql_text(str(csv))} (HEADER false)"
                        )
                        with (
                            conn.cursor() as cur,
                            cur.copy(f"COPY {_quoted(table)} ({names}) FROM STDIN (FORMAT csv)") as pipe,
                            csv.open("rb") as f,
                        ):
                            while chunk := f.read(CHUNK):
                                pipe.write(chunk)
                    csv.unlink()
                    progress(table, i, len(plan))
                copied_tables = [t for t, _ in plan]  # another program's sequences are not touched
                for table, column in conn.execute(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name = ANY(%s)",
                    [copied_tables],
                ).fetchall():
                    conn.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({_quoted(column)}), 1), "
                        f"max({_quoted(column)}) IS NOT NULL) FROM {_quoted(table)}",
                        [_quoted(table), column],
                    )
                copied = _pg_counts(conn, [t for t, _ in plan])
                _check(copied, {t: counts[t] for t, _ in plan})
    finally:
        con.close()
    return copied


def postgres_to_duckdb(store: PostgresStore, duck_path: Path, progress: Progress = _quiet) -> dict[str, int]:
    """Copy every table of `store` into a new DuckDB file `duck_path` at this sandan's schema, from one snapshot of
    the PostgreSQL database (a server writing meanwhile is not stopped), and rebuild DuckDB's derived tables; each
    table's rows in the new file (none is left when it fails)."""
    if duck_path.exists():
        raise InvalidInput(f"{duck_path} already exists", f"{duck_path}이(가) 이미 있습니다")
    try:
        return _postgres_to_duckdb(store, duck_path, progress)
    except BaseException:
        for leftover in (duck_path, duck_path.with_name(duck_path.name + ".wal")):
            leftover.unlink(missing_ok=True)  # a failed copy leaves no half-made file
        raise


def _postgres_to_duckdb(store: PostgresStore, duck_path: Path, progress: Progress) -> dict[str, int]:
    from sandan.store import open_store

    open_store(f"duckdb:///{duck_path}").close()  # this sandan's schema, through the migrations
    con = duckdb.connect(str(duck_path))
    try:
        con.execute("SET TimeZone = 'UTC'")
        target = _duck_columns(con)
        with tempfile.TemporaryDirectory(prefix="sandan-transfer-") as tmp, store._conn() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            try:
                with conn.transaction():
                    conn.execute("SET TRANSACTION READ ONLY")
                    conn.execute("SET LOCAL TimeZone = 'UTC'")
                    conn.execute("SET LOCAL DateStyle = 'ISO, YMD'")
                    source = _pg_columns(conn)
                    plan = _plan(source, target)
                    counts = _pg_counts(conn, [t for t, _ in plan])
                    for i, (table, columns) in enumerate(plan, 1):
                        progress(table, i - 1, len(plan))
                        if not counts[table]:
                            continue
                        csv = Path(tmp) / f"{table}.csv"
                        names = ", ".join(_quoted(c) for c in columns)
                        with _table_step(table, tmp):
                            with (
                                conn.cursor() as cur,
                                cur.copy(
                                    f"COPY (SELECT {names} FROM {_quoted(table)}) TO STDOUT (FORMAT csv)"
                                ) as pipe,
                                csv.open("wb") as f,
                            ):
                                for chunk in pipe:
                                    f.write(chunk)
                            # a row as long as a text column allows (a quarantined payload of megabytes)
                            con.execute(
                                f"COPY {_quoted(table)} ({names}) FROM {_sql_text(str(csv))} "
                                "(FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', ESCAPE '\"', "
                                f"allow_quoted_nulls false, max_line_size {MAX_LINE})"
                            )
                        csv.unlink()
                    progress("", len(plan), len(plan))
            finally:
                conn.isolation_level = None
        _check(_duck_counts(con, [t for t, _ in plan]), {t: counts[t] for t, _ in plan})
        _rebuild_derived(con)
        return _duck_counts(con, list(target))
    finally:
        con.close()


def _rebuild_derived(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's summaries of copied records, and its id sequences moved past the copied ids."""
    con.execute(
        "INSERT INTO part_scrap SELECT company_id, machine_id, time, part_id, lot_id, product, defect_type "
        "FROM part_records WHERE result = 'ng' ORDER BY company_id, time"
    )
    # the per-minute rollup is recomputed from the readings on its first read
    con.execute("INSERT INTO rollup_pending SELECT company_id, min(time), max(time) FROM readings GROUP BY 1")
    for table, column, default in con.execute(
        "SELECT table_name, column_name, column_default FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND column_default LIKE 'nextval(%'"
    ).fetchall():
        sequence = default.split("'")[1]
        top = con.execute(f"SELECT coalesce(max({_quoted(column)}), 0) FROM {_quoted(table)}").fetchone()[0]
        con.execute(f"SELECT max(nextval({_sql_text(sequence)})) FROM range({int(top)})")
