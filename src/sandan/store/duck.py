"""The embedded store: one DuckDB file, one writer, bulk writes as Arrow batches.

Rows are never written one by one on the data paths (executemany is thousands of times slower than an Arrow insert).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sandan.domain import (
    EVENT_SCHEMA,
    PART_SCHEMA,
    READING_SCHEMA,
    Company,
    Conflict,
    Line,
    Machine,
    Role,
    Signal,
    Site,
    StoreUnavailable,
    User,
)
from sandan.store.base import (
    AGGREGATE_SCHEMA,
    CATALOGUE_COLUMNS,
    CATALOGUE_INSERT_COLUMNS,
    COMPANY_TABLES,
    COMPANY_TABLES_SQL,
    EDGE_EVENTS_LIST,
    EDGE_EVENTS_PRUNE,
    ERASE_TOKENS_SQL,
    ERASE_WITHDRAW_SQL,
    EVENT_LABEL_ACTION,
    EVENT_LABEL_COLUMNS,
    MACHINE_RECORD_TABLES,
    MODEL_COLUMNS,
    PART_COUNT_SCHEMA,
    PART_ROLLUP_S,
    PREDICTION_SCHEMA,
    QUARANTINE_COLUMNS,
    QUARANTINE_NEW,
    QUARANTINE_REPEAT,
    TOKEN_COLUMNS,
    USER_COLUMNS,
    USER_INSERT_COLUMNS,
    AssetHeld,
    CatalogueEntry,
    CatalogueScore,
    EdgeEvent,
    ModelVersion,
    QuarantineItem,
    Store,
    TokenRecord,
    audit_where,
    bucket_seconds,
    catalogue_entry_row,
    catalogue_from_row,
    check_stage,
    claim_record,
    event_label_audit,
    labelled_event,
    model_from_row,
    model_to_row,
    part_columns,
    quarantine_rows,
    quarantine_table,
    quarantine_where,
    require_registered,
    user_exists,
    user_from_row,
    user_row,
)

# Versioned migrations: append, never edit a released one.
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE companies (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, family VARCHAR NOT NULL,
            region VARCHAR NOT NULL DEFAULT '', created_at TIMESTAMPTZ NOT NULL DEFAULT now());
        CREATE TABLE sites (company_id VARCHAR NOT NULL, id VARCHAR NOT NULL, name VARCHAR NOT NULL,
            timezone VARCHAR NOT NULL, PRIMARY KEY (company_id, id));
        CREATE TABLE lines (company_id VARCHAR NOT NULL, id VARCHAR NOT NULL, site_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL, PRIMARY KEY (company_id, id));
        CREATE TABLE machines (company_id VARCHAR NOT NULL, id VARCHAR NOT NULL, line_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL, family VARCHAR NOT NULL, model VARCHAR NOT NULL DEFAULT '',
            ideal_cycle_time_s DOUBLE, PRIMARY KEY (company_id, id));
        CREATE TABLE signals (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
            unit VARCHAR NOT NULL DEFAULT '', min_value DOUBLE, max_value DOUBLE, description VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (company_id, machine_id, name));
        CREATE TABLE readings (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL, signal VARCHAR NOT NULL,
            time TIMESTAMPTZ NOT NULL, value DOUBLE NOT NULL);
        CREATE TABLE part_records (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL, time TIMESTAMPTZ NOT NULL,
            part_id VARCHAR NOT NULL, lot_id VARCHAR, product VARCHAR, result VARCHAR NOT NULL, defect_type VARCHAR,
            params VARCHAR, measures VARCHAR);
        CREATE TABLE machine_events (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL,
            start TIMESTAMPTZ NOT NULL, "end" TIMESTAMPTZ, state VARCHAR NOT NULL, reason_code VARCHAR, note VARCHAR);
        CREATE SEQUENCE quarantine_ids START 1;
        CREATE TABLE quarantine (id BIGINT PRIMARY KEY DEFAULT nextval('quarantine_ids'), company_id VARCHAR NOT NULL,
            received_at TIMESTAMPTZ NOT NULL DEFAULT now(), source VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            batch_id VARCHAR NOT NULL DEFAULT '', raw VARCHAR NOT NULL, reason_code VARCHAR NOT NULL,
            reason_en VARCHAR NOT NULL, reason_ko VARCHAR NOT NULL, location VARCHAR NOT NULL DEFAULT '{}',
            status VARCHAR NOT NULL DEFAULT 'open', resolved_by VARCHAR, resolved_at TIMESTAMPTZ);
        CREATE TABLE users (id VARCHAR PRIMARY KEY, company_id VARCHAR, name VARCHAR NOT NULL DEFAULT '',
            role VARCHAR NOT NULL, lang VARCHAR NOT NULL DEFAULT 'ko', password_hash VARCHAR NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now());
        CREATE TABLE api_tokens (id VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, token_hash VARCHAR NOT NULL UNIQUE,
            kind VARCHAR NOT NULL, name VARCHAR NOT NULL DEFAULT '', created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            expires_at TIMESTAMPTZ, revoked BOOLEAN NOT NULL DEFAULT false);
        CREATE SEQUENCE audit_ids START 1;
        CREATE TABLE audit_log (id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
            time TIMESTAMPTZ NOT NULL DEFAULT now(), company_id VARCHAR, user_id VARCHAR, action VARCHAR NOT NULL,
            target VARCHAR NOT NULL DEFAULT '', detail VARCHAR NOT NULL DEFAULT '');
        """,
    ),
    (
        2,
        # Per-minute rollup of readings (count, sum, min, max), kept in step with `readings` by every append, so
        # dashboard aggregates over hours read thousands of rows instead of millions.
        """
        CREATE TABLE readings_1m (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL, signal VARCHAR NOT NULL,
            bucket TIMESTAMPTZ NOT NULL, n BIGINT NOT NULL, total DOUBLE NOT NULL, lo DOUBLE NOT NULL,
            hi DOUBLE NOT NULL, PRIMARY KEY (company_id, machine_id, signal, bucket));
        INSERT INTO readings_1m SELECT company_id, machine_id, signal,
            make_timestamptz(epoch_us(time) // 60000000 * 60000000), count(*), sum(value), min(value), max(value)
            FROM readings GROUP BY ALL;
        """,
    ),
    (
        3,
        # The model registry, stored predictions and the shared catalogue per process family.
        """
        CREATE TABLE model_versions (company_id VARCHAR NOT NULL, name VARCHAR NOT NULL, version BIGINT NOT NULL,
            task VARCHAR NOT NULL, target VARCHAR NOT NULL, features VARCHAR NOT NULL, metrics VARCHAR NOT NULL,
            fingerprint VARCHAR NOT NULL, artifact VARCHAR NOT NULL, stage VARCHAR NOT NULL, trained_by VARCHAR,
            trained_at TIMESTAMPTZ, scope VARCHAR NOT NULL DEFAULT '{}', origin VARCHAR NOT NULL DEFAULT '',
            stage_changed_at TIMESTAMPTZ, PRIMARY KEY (company_id, name, version));
        CREATE TABLE predictions (company_id VARCHAR NOT NULL, time TIMESTAMPTZ NOT NULL, machine_id VARCHAR NOT NULL,
            part_id VARCHAR NOT NULL, model_name VARCHAR NOT NULL, model_version BIGINT NOT NULL, score DOUBLE,
            label VARCHAR);
        CREATE SEQUENCE catalogue_ids START 1;
        CREATE TABLE catalogue_entries (id BIGINT PRIMARY KEY DEFAULT nextval('catalogue_ids'),
            family VARCHAR NOT NULL, name VARCHAR NOT NULL, task VARCHAR NOT NULL, target VARCHAR NOT NULL,
            features VARCHAR NOT NULL, metrics VARCHAR NOT NULL, artifact VARCHAR NOT NULL,
            description VARCHAR NOT NULL DEFAULT '', publisher_company_id VARCHAR NOT NULL,
            publisher_named BOOLEAN NOT NULL, published_by VARCHAR, published_at TIMESTAMPTZ NOT NULL DEFAULT now());
        CREATE TABLE catalogue_scores (company_id VARCHAR NOT NULL, entry_id BIGINT NOT NULL, metrics VARCHAR NOT NULL,
            n_rows BIGINT NOT NULL, action VARCHAR NOT NULL, evaluated_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (company_id, entry_id));
        """,
    ),
    (
        4,
        # Who gave an event its reason code, and when (an operator labelling unexplained downtime).
        """
        ALTER TABLE machine_events ADD COLUMN labelled_by VARCHAR;
        ALTER TABLE machine_events ADD COLUMN labelled_at TIMESTAMPTZ;
        """,
    ),
    (
        5,
        # Hourly rollup of part counts (produced, good) per machine and product, kept in step with `part_records`
        # by every append, so OEE over a month reads tens of thousands of rows instead of millions.
        """
        CREATE TABLE part_counts_1h (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL,
            product VARCHAR NOT NULL, bucket TIMESTAMPTZ NOT NULL, n BIGINT NOT NULL, n_ok BIGINT NOT NULL,
            PRIMARY KEY (company_id, machine_id, product, bucket));
        INSERT INTO part_counts_1h SELECT company_id, machine_id, coalesce(product, ''),
            make_timestamptz(epoch_us(time) // 3600000000 * 3600000000), count(*), count_if(result = 'ok')
            FROM part_records GROUP BY ALL;
        """,
    ),
    (
        6,
        # The scrap records (result 'ng') again, without their parameter columns: OEE reads the scrap part by part
        # (start-up losses) and quality its defect types, and DuckDB has no partial index to find 2 % of a table
        # without scanning all of it. Kept in step with `part_records` by every append. (PostgreSQL serves the
        # same reads from its partial index `part_records_scrap`.)
        """
        CREATE TABLE part_scrap (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL, time TIMESTAMPTZ NOT NULL,
            part_id VARCHAR NOT NULL, lot_id VARCHAR, product VARCHAR, defect_type VARCHAR);
        INSERT INTO part_scrap SELECT company_id, machine_id, time, part_id, lot_id, product, defect_type
            FROM part_records WHERE result = 'ng' ORDER BY company_id, time;
        """,
    ),
    (
        7,
        # The per-minute rollup is brought up to date when it is read, not on every append: an append records
        # the time span it wrote in `rollup_pending` (one row), and the next aggregate read recomputes the
        # minutes of the pending spans from the readings (exactly, in one transaction). Ingestion keeps the raw
        # insert's pace; a reader pays only for the minutes written since the last read. The rollup drops its
        # unique key: rows are replaced by minute range, never looked up one by one.
        """
        CREATE TABLE readings_1m_new (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL,
            signal VARCHAR NOT NULL, bucket TIMESTAMPTZ NOT NULL, n BIGINT NOT NULL, total DOUBLE NOT NULL,
            lo DOUBLE NOT NULL, hi DOUBLE NOT NULL);
        INSERT INTO readings_1m_new SELECT * FROM readings_1m ORDER BY company_id, bucket;
        DROP TABLE readings_1m;
        ALTER TABLE readings_1m_new RENAME TO readings_1m;
        CREATE TABLE rollup_pending (company_id VARCHAR NOT NULL, lo TIMESTAMPTZ NOT NULL, hi TIMESTAMPTZ NOT NULL);
        """,
    ),
    (
        8,
        # The record as it was stored when a person replayed a quarantined one (corrected, or as it came).
        """
        ALTER TABLE quarantine ADD COLUMN stored VARCHAR;
        """,
    ),
    (
        9,
        # An account an admin has stopped (someone left): kept for the audit log, refused at sign-in.
        """
        ALTER TABLE users ADD COLUMN active BOOLEAN DEFAULT true;
        """,
    ),
    (
        10,
        # What each edge agent last reported of its collectors (JSON), so the platform shows a factory's links.
        """
        CREATE TABLE edge_status (company_id VARCHAR NOT NULL, agent VARCHAR NOT NULL,
            reported_at TIMESTAMPTZ NOT NULL, health VARCHAR NOT NULL, PRIMARY KEY (company_id, agent));
        """,
    ),
    (
        11,
        # When a token last authenticated a request (to a few minutes), so an unused or a stolen one shows.
        """
        ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMPTZ;
        """,
    ),
    (
        12,
        # A catalogue entry its publisher or the operator took out, and why (kept for those who adopted it).
        """
        ALTER TABLE catalogue_entries ADD COLUMN withdrawn_at TIMESTAMPTZ;
        ALTER TABLE catalogue_entries ADD COLUMN withdrawn_reason VARCHAR;
        """,
    ),
    (
        13,
        # How often a quarantined item came again while it waited (kept once), and when it last did.
        """
        ALTER TABLE quarantine ADD COLUMN repeats BIGINT DEFAULT 0;
        ALTER TABLE quarantine ADD COLUMN last_received_at TIMESTAMPTZ;
        """,
    ),
    (
        14,
        # What changed in an edge agent's links and when: a collector's new state, the agent's silent spans.
        """
        CREATE TABLE edge_events (company_id VARCHAR NOT NULL, agent VARCHAR NOT NULL, changed_at TIMESTAMPTZ NOT NULL,
            connector VARCHAR NOT NULL, state VARCHAR NOT NULL, error VARCHAR, silent_until TIMESTAMPTZ);
        CREATE INDEX edge_events_at ON edge_events (company_id, agent, changed_at);
        """,
    ),
    (
        15,
        # A password someone else set (an admin creating the account or resetting it): its user must choose their own.
        """
        ALTER TABLE users ADD COLUMN must_change_password BOOLEAN DEFAULT false;
        """,
    ),
    (
        16,
        # Stored before an ideal cycle time was bounded (a day), a model name or a region (200 characters): past the
        # day it is no cycle time (1e308 made every OEE figure of the company 100 % or infinite), so it is unset.
        """
        UPDATE machines SET ideal_cycle_time_s = NULL WHERE ideal_cycle_time_s > 86400;
        UPDATE machines SET model = left(model, 200) WHERE length(model) > 200;
        UPDATE companies SET region = left(region, 200) WHERE length(region) > 200;
        """,
    ),
]

#: The part columns `part_scrap` holds: a scrap read wanting only these need not scan the good parts.
_SCRAP_COLUMNS = {"time", "machine_id", "part_id", "lot_id", "product", "result", "defect_type"}

_ROW_TABLES = {"readings", "part_records", "machine_events"}
_ASSET_TABLES = {"site": "sites", "line": "lines", "machine": "machines"}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _AssetCache:
    """Lists of machines and signals by (kind, company, filter), shared by the stores of one database file.

    A generation number guards the race between a read that started before a write and the write's clear: a
    result is kept only if no write happened while it was read. Callers get a copy of the list."""

    _by_path: dict[str, _AssetCache] = {}
    _registry_lock = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple, list] = {}
        self._generation = 0

    @classmethod
    def of(cls, path: str) -> _AssetCache:
        with cls._registry_lock:
            return cls._by_path.setdefault(path, cls())

    def get(self, key: tuple, load) -> list:
        with self._lock:
            hit, generation = self._entries.get(key), self._generation
        if hit is not None:
            return list(hit)
        rows = load()
        with self._lock:
            if generation == self._generation:
                self._entries[key] = rows
        return list(rows)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def _epoch_us(t: datetime) -> int:
    return (t - _EPOCH) // timedelta(microseconds=1)


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _in_list(column: str, values: list[str] | None, params: list[Any]) -> str:
    if not values:
        return ""
    params.append(list(values))
    return f" AND list_contains(?, {column})"


def _sql_text(text: str) -> str:
    """A string literal for a statement that takes no parameters (EXPORT and IMPORT DATABASE)."""
    return "'" + text.replace("'", "''") + "'"


def _one(result: duckdb.DuckDBPyConnection) -> Any:
    """The first row of a statement's result, read to its end. DuckDB refuses other work on a connection (its
    `register` of the next batch) while a result is left unfinished: a `fetchone()` on the shared connection made
    every later write fail after one refused duplicate user."""
    rows = result.fetchall()
    return rows[0] if rows else None


def _table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return {t: _one(con.execute(f'SELECT count(*) FROM "{t}"'))[0] for t in tables}


def import_database(path: Path, folder: Path) -> dict[str, int]:
    """Create the DuckDB file `path` from an `export_database` folder; each table's rows as imported."""
    con = duckdb.connect(str(path))
    try:
        con.execute(f"IMPORT DATABASE {_sql_text(str(folder))}")
        return _table_rows(con)
    finally:
        con.close()


class DuckDBStore(Store):
    def __init__(self, url: str) -> None:
        self.url = url
        target = url.removeprefix("duckdb://")
        if target in ("", ":memory:", "/:memory:"):
            path = ":memory:"
        else:
            path = target.removeprefix("/") if target.startswith("//") else target
            if path.startswith("/") is False:
                path = str(Path(path).resolve())
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(path)
        except duckdb.IOException as exc:
            raise StoreUnavailable(
                f"cannot open the DuckDB file {path}: {exc}. Another sandan process may hold it; stop it or use "
                "PostgreSQL for several processes",
                f"DuckDB 파일 {path}을(를) 열 수 없습니다: {exc}. 다른 sandan 프로세스가 쓰고 있다면 멈추거나 PostgreSQL을 쓰세요",
            ) from exc
        self._con.execute("SET TimeZone = 'UTC'")
        self._lock = threading.RLock()
        # Machines and signals are read by every ingested batch and change rarely: kept per database file (so
        # two stores on one file in this process see each other's changes), dropped by every write to them.
        self._assets = _AssetCache.of(path if path != ":memory:" else f":memory:{id(self)}")
        self._assets.clear()  # the file may have been replaced since a store on it last read it

    # A cursor per call lets reads from several threads run concurrently on one connection.
    def _cur(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def _arrow(self, sql: str, params: list[Any]) -> pa.Table:
        return self._cur().sql(sql, params=params).to_arrow_table()

    def close(self) -> None:
        with self._lock:
            self._con.close()

    # ---- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        cur = self._cur()
        exists = cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchone()[0]
        if not exists:
            return 0
        return cur.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]

    def migrate(self) -> int:
        with self._lock:
            self._con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            current = self.schema_version()
            for version, sql in MIGRATIONS:
                if version <= current:
                    continue
                self._con.execute("BEGIN")
                try:
                    self._con.execute(sql)
                    self._con.execute("INSERT INTO schema_migrations (version) VALUES (?)", [version])
                    self._con.execute("COMMIT")
                except Exception:
                    self._con.execute("ROLLBACK")
                    raise
            self._assets.clear()
            return self.schema_version()

    # ---- assets ---------------------------------------------------------------------------
    def _upsert(self, table: str, row: dict[str, Any], keys: tuple[str, ...]) -> None:
        cols = list(row)
        updates = (
            ", ".join(f"{c} = excluded.{c}" for c in cols if c not in keys)
            or f"{keys[0]} = excluded.{keys[0]}"
        )
        sql = (
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        )
        with self._lock:
            self._con.execute(sql, list(row.values()))
            if table in ("companies", "machines", "signals"):
                self._assets.clear()

    def upsert_company(self, company: Company) -> None:
        self._upsert("companies", company.model_dump(mode="json"), ("id",))

    def get_company(self, company_id: str) -> Company | None:
        row = (
            self._cur()
            .execute("SELECT id, name, family, region FROM companies WHERE id = ?", [company_id])
            .fetchone()
        )
        return Company(id=row[0], name=row[1], family=row[2], region=row[3]) if row else None

    def cross_tenant_companies(self) -> list[Company]:
        rows = self._cur().execute("SELECT id, name, family, region FROM companies ORDER BY id").fetchall()
        return [Company(id=r[0], name=r[1], family=r[2], region=r[3]) for r in rows]

    def cross_tenant_last_records(self) -> dict[str, datetime]:
        rows = (
            self._cur()
            .execute(
                "SELECT company_id, max(t) FROM (SELECT company_id, max(time) AS t FROM part_records GROUP BY 1 "
                "UNION ALL SELECT company_id, max(start) FROM machine_events GROUP BY 1 "
                # readings through their minute rollup and the spans not yet rolled up, not a scan of them all
                "UNION ALL SELECT company_id, max(bucket) FROM readings_1m GROUP BY 1 "
                "UNION ALL SELECT company_id, max(hi) FROM rollup_pending GROUP BY 1) GROUP BY 1"
            )
            .fetchall()
        )
        return {r[0]: r[1] for r in rows}

    def _require_company(self, company_id: str, what: dict[str, Any]) -> dict[str, Any]:
        return claim_record(company_id, what)

    def upsert_site(self, company_id: str, site: Site) -> None:
        self._upsert(
            "sites", self._require_company(company_id, site.model_dump(mode="json")), ("company_id", "id")
        )

    def list_sites(self, company_id: str) -> list[Site]:
        rows = (
            self._cur()
            .execute(
                "SELECT id, company_id, name, timezone FROM sites WHERE company_id = ? ORDER BY id",
                [company_id],
            )
            .fetchall()
        )
        return [Site(id=r[0], company_id=r[1], name=r[2], timezone=r[3]) for r in rows]

    def upsert_line(self, company_id: str, line: Line) -> None:
        self._upsert(
            "lines", self._require_company(company_id, line.model_dump(mode="json")), ("company_id", "id")
        )

    def list_lines(self, company_id: str, site_id: str | None = None) -> list[Line]:
        sql = "SELECT id, company_id, site_id, name FROM lines WHERE company_id = ?"
        params: list[Any] = [company_id]
        if site_id is not None:
            sql += " AND site_id = ?"
            params.append(site_id)
        rows = self._cur().execute(sql + " ORDER BY id", params).fetchall()
        return [Line(id=r[0], company_id=r[1], site_id=r[2], name=r[3]) for r in rows]

    def upsert_machine(self, company_id: str, machine: Machine) -> None:
        self._upsert(
            "machines",
            self._require_company(company_id, machine.model_dump(mode="json")),
            ("company_id", "id"),
        )

    def list_machines(self, company_id: str, line_id: str | None = None) -> list[Machine]:
        return self._assets.get(
            ("machines", company_id, line_id), lambda: self._list_machines(company_id, line_id)
        )

    def _list_machines(self, company_id: str, line_id: str | None) -> list[Machine]:
        sql = "SELECT id, company_id, line_id, name, family, model, ideal_cycle_time_s FROM machines WHERE company_id = ?"
        params: list[Any] = [company_id]
        if line_id is not None:
            sql += " AND line_id = ?"
            params.append(line_id)
        rows = self._cur().execute(sql + " ORDER BY id", params).fetchall()
        return [
            Machine(
                id=r[0],
                company_id=r[1],
                line_id=r[2],
                name=r[3],
                family=r[4],
                model=r[5],
                ideal_cycle_time_s=r[6],
            )
            for r in rows
        ]

    def upsert_signals(self, company_id: str, signals: list[Signal]) -> None:
        for signal in signals:
            self._upsert(
                "signals",
                self._require_company(company_id, signal.model_dump(mode="json")),
                ("company_id", "machine_id", "name"),
            )

    def list_signals(self, company_id: str, machine_id: str | None = None) -> list[Signal]:
        return self._assets.get(
            ("signals", company_id, machine_id), lambda: self._list_signals(company_id, machine_id)
        )

    def _list_signals(self, company_id: str, machine_id: str | None) -> list[Signal]:
        sql = (
            "SELECT company_id, machine_id, name, unit, min_value, max_value, description FROM signals "
            "WHERE company_id = ?"
        )
        params: list[Any] = [company_id]
        if machine_id is not None:
            sql += " AND machine_id = ?"
            params.append(machine_id)
        rows = self._cur().execute(sql + " ORDER BY machine_id, name", params).fetchall()
        return [
            Signal(
                company_id=r[0],
                machine_id=r[1],
                name=r[2],
                unit=r[3],
                min_value=r[4],
                max_value=r[5],
                description=r[6],
            )
            for r in rows
        ]

    # ---- time series ------------------------------------------------------------------------
    def _append(
        self,
        company_id: str,
        batch: pa.Table,
        table: str,
        schema: pa.Schema,
        keys: list[str],
        time_col: str,
        check_registered: bool = False,
    ) -> int:
        if batch.num_rows == 0:
            return 0
        batch = batch.select(schema.names).cast(schema)
        cols = ", ".join(f'"{c}"' for c in schema.names)
        lo, hi = pa.compute.min_max(batch[time_col]).values()
        with self._lock:
            con = self._con
            if check_registered:
                require_registered(self._registered(company_id), company_id, batch)
            con.register("_batch", batch)
            try:
                overlap = _one(
                    con.execute(
                        f'SELECT count(*) FROM (SELECT 1 FROM {table} WHERE company_id = ? AND "{time_col}" BETWEEN ? AND ? '
                        "LIMIT 1)",
                        [company_id, lo.as_py(), hi.as_py()],
                    )
                )[0]
                con.execute("BEGIN")
                try:
                    if not overlap:
                        # Append-only fast path: nothing stored in this batch's time range, so nothing can collide.
                        con.execute(
                            f"INSERT INTO {table} (company_id, {cols}) SELECT ?, {cols} FROM _batch",
                            [company_id],
                        )
                        inserted, source = batch.num_rows, "_batch"
                    else:
                        key_eq = " AND ".join(f'b."{k}" = s."{k}"' for k in keys)
                        con.execute(
                            f"CREATE OR REPLACE TEMP TABLE _new AS SELECT b.* FROM _batch b WHERE NOT EXISTS "
                            f'(SELECT 1 FROM {table} s WHERE s.company_id = ? AND s."{time_col}" BETWEEN ? AND ? '
                            f"AND {key_eq})",
                            [company_id, lo.as_py(), hi.as_py()],
                        )
                        inserted = _one(
                            con.execute(
                                f"INSERT INTO {table} (company_id, {cols}) SELECT ?, {cols} FROM _new",
                                [company_id],
                            )
                        )[0]
                        source = "_new"
                    if table == "readings" and inserted:
                        con.execute(
                            "INSERT INTO rollup_pending VALUES (?, ?, ?)",
                            [company_id, lo.as_py(), hi.as_py()],
                        )
                    if table == "part_records" and inserted:
                        self._count_up(company_id, source)
                        con.execute(
                            "INSERT INTO part_scrap SELECT ?, machine_id, time, part_id, lot_id, product, defect_type "
                            f"FROM {source} WHERE result = 'ng'",
                            [company_id],
                        )
                    con.execute("COMMIT")
                except Exception:
                    con.execute("ROLLBACK")
                    raise
                finally:
                    con.execute("DROP TABLE IF EXISTS _new")
                return int(inserted)
            finally:
                con.unregister("_batch")

    def _roll_up(self, company_id: str) -> None:
        """Bring the company's per-minute rollup up to date: recompute every minute that an append since the last
        read touched, from the stored readings (so resent and overlapping batches count once), and clear the
        pending spans — all in one transaction."""
        cur = self._cur()
        if not cur.execute(
            "SELECT count(*) FROM rollup_pending WHERE company_id = ?", [company_id]
        ).fetchone()[0]:
            return
        with self._lock:
            con = self._con
            spans = con.execute(
                "SELECT epoch_us(lo) // 60000000, epoch_us(hi) // 60000000 + 1 FROM rollup_pending "
                "WHERE company_id = ? ORDER BY 1",
                [company_id],
            ).fetchall()
            if not spans:  # another thread caught up first
                return
            merged: list[list[int]] = []
            for a, b in spans:  # minute ranges [a, b), overlapping or touching ones as one
                if merged and a <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
            con.execute("BEGIN")
            try:
                for a, b in merged:
                    lo, hi = _from_us(a * 60_000_000), _from_us(b * 60_000_000)
                    con.execute(
                        "DELETE FROM readings_1m WHERE company_id = ? AND bucket >= ? AND bucket < ?",
                        [company_id, lo, hi],
                    )
                    # Group on the integer minute and make the timestamp afterwards: cheaper than bucketing times.
                    con.execute(
                        "INSERT INTO readings_1m SELECT ?, machine_id, signal, make_timestamptz(m * 60000000), n, "
                        "total, lo, hi FROM (SELECT machine_id, signal, epoch_us(time) // 60000000 AS m, count(*) AS n, "
                        "sum(value) AS total, min(value) AS lo, max(value) AS hi FROM readings "
                        "WHERE company_id = ? AND time >= ? AND time < ? GROUP BY ALL)",
                        [company_id, company_id, lo, hi],
                    )
                con.execute("DELETE FROM rollup_pending WHERE company_id = ?", [company_id])
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

    def _count_up(self, company_id: str, source: str) -> None:
        """Fold newly inserted part records into the hourly part-count rollup (same transaction as the insert)."""
        self._con.execute(
            "INSERT INTO part_counts_1h SELECT ?, machine_id, product, make_timestamptz(h * 3600000000), n, n_ok "
            "FROM (SELECT machine_id, coalesce(product, '') AS product, epoch_us(time) // 3600000000 AS h, "
            f"count(*) AS n, count_if(result = 'ok') AS n_ok FROM {source} GROUP BY ALL) "
            "ON CONFLICT (company_id, machine_id, product, bucket) DO UPDATE SET n = n + excluded.n, "
            "n_ok = n_ok + excluded.n_ok",
            [company_id],
        )

    def append_readings(self, company_id: str, batch: pa.Table, *, check_registered: bool = False) -> int:
        keys = ["machine_id", "signal", "time"]
        return self._append(company_id, batch, "readings", READING_SCHEMA, keys, "time", check_registered)

    def append_parts(self, company_id: str, batch: pa.Table, *, check_registered: bool = False) -> int:
        keys = ["machine_id", "time", "part_id"]
        return self._append(company_id, batch, "part_records", PART_SCHEMA, keys, "time", check_registered)

    def append_events(self, company_id: str, batch: pa.Table, *, check_registered: bool = False) -> int:
        keys = ["machine_id", "start"]
        return self._append(
            company_id, batch, "machine_events", EVENT_SCHEMA, keys, "start", check_registered
        )

    def _registered(self, company_id: str) -> tuple[bool, list[str]]:
        """Whether the company is registered and its machines' ids, for a write holding the lock; kept in the
        asset cache, which every change of companies and machines clears (this process alone has the file)."""

        def load() -> list:
            exists = _one(self._con.execute("SELECT count(*) FROM companies WHERE id = ?", [company_id]))[0]
            ids = self._con.execute("SELECT id FROM machines WHERE company_id = ?", [company_id]).fetchall()
            return [bool(exists), [r[0] for r in ids]]

        exists, ids = self._assets.get(("registered", company_id), load)
        return exists, ids

    def query_readings(self, company_id, start, end, machine_ids=None, signals=None, limit=None) -> pa.Table:
        params: list[Any] = [company_id, start, end]
        sql = "SELECT time, machine_id, signal, value FROM readings WHERE company_id = ? AND time >= ? AND time < ?"
        sql += _in_list("machine_id", machine_ids, params) + _in_list("signal", signals, params)
        sql += " ORDER BY time, machine_id, signal"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._arrow(sql, params).cast(READING_SCHEMA)

    def aggregate_readings(
        self, company_id, start, end, bucket_s, machine_ids=None, signals=None
    ) -> pa.Table:
        bucket_us = bucket_seconds(bucket_s) * 1_000_000
        start_us, end_us = _epoch_us(start), _epoch_us(end)
        whole_from = -(-start_us // 60_000_000) * 60_000_000  # first minute boundary at or after start
        whole_to = end_us // 60_000_000 * 60_000_000  # last minute boundary at or before end
        filters: list[Any] = []
        where = _in_list("machine_id", machine_ids, filters) + _in_list("signal", signals, filters)
        bucket = f"make_timestamptz(epoch_us(t) // {bucket_us} * {bucket_us})"
        if bucket_us % 60_000_000 == 0 and whole_from < whole_to:
            # Whole minutes come from the rollup; the partial minutes at either edge from the raw readings.
            self._roll_up(company_id)
            sql = (
                "WITH parts AS ("
                "SELECT machine_id, signal, bucket AS t, n, total, lo, hi FROM readings_1m "
                f"WHERE company_id = ? AND bucket >= ? AND bucket < ?{where} "
                "UNION ALL SELECT machine_id, signal, time AS t, 1 AS n, value AS total, value AS lo, value AS hi "
                "FROM readings WHERE company_id = ? AND ((time >= ? AND time < ?) OR (time >= ? AND time < ?))"
                f"{where}) SELECT {bucket} AS bucket, machine_id, signal, sum(total) / sum(n) AS avg, min(lo) AS min, "
                "max(hi) AS max, sum(n) AS count FROM parts GROUP BY ALL ORDER BY bucket, machine_id, signal"
            )
            params = [
                company_id,
                _from_us(whole_from),
                _from_us(whole_to),
                *filters,
                company_id,
                start,
                _from_us(whole_from),
                _from_us(whole_to),
                end,
                *filters,
            ]
        else:
            sql = (
                f"SELECT {bucket} AS bucket, machine_id, signal, avg(value) AS avg, min(value) AS min, "
                "max(value) AS max, count(*) AS count FROM (SELECT time AS t, machine_id, signal, value FROM readings "
                f"WHERE company_id = ? AND time >= ? AND time < ?{where}) GROUP BY ALL ORDER BY bucket, machine_id, signal"
            )
            params = [company_id, start, end, *filters]
        return self._arrow(sql, params).cast(AGGREGATE_SCHEMA)

    def query_parts(
        self,
        company_id,
        start,
        end,
        machine_ids=None,
        limit=None,
        offset=0,
        newest_first=False,
        columns=None,
        result=None,
        ordered=True,
    ):
        params: list[Any] = [company_id, start, end]
        schema = part_columns(columns)
        cols = ", ".join(f'"{c}"' for c in schema.names)
        table = "part_records"
        if result == "ng" and set(schema.names) <= _SCRAP_COLUMNS:
            table, cols = "part_scrap", cols.replace('"result"', "'ng' AS result")
        sql = f"SELECT {cols} FROM {table} WHERE company_id = ? AND time >= ? AND time < ?"
        sql += _in_list("machine_id", machine_ids, params)
        if result is not None and table == "part_records":
            sql += " AND result = ?"
            params.append(result)
        if result is not None and ordered and limit is None and not offset:
            # A few records of many: sorting them here is several times faster than DuckDB's ORDER BY, which
            # costs as much as the scan itself when part_id is a sort key.
            keys = ["time", "machine_id", "part_id"]
            extra = [k for k in keys if k not in schema.names]
            found = self._arrow(
                sql.replace(f"SELECT {cols}", f"SELECT {cols}{''.join(f', {k}' for k in extra)}"), params
            )
            order = "descending" if newest_first else "ascending"
            found = found.sort_by([("time", order), ("machine_id", "ascending"), ("part_id", "ascending")])
            return found.select(schema.names).cast(schema)
        if ordered or limit is not None or offset:
            sql += (
                " ORDER BY time DESC, machine_id, part_id"
                if newest_first
                else " ORDER BY time, machine_id, part_id"
            )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        if offset:
            sql += f" OFFSET {int(offset)}"
        return self._arrow(sql, params).cast(schema)

    def count_parts(
        self, company_id, start, end, bucket_s=PART_ROLLUP_S, machine_ids=None, ordered=True
    ) -> pa.Table:
        bucket_us = bucket_seconds(bucket_s) * 1_000_000
        hour_us = PART_ROLLUP_S * 1_000_000
        start_us, end_us = _epoch_us(start), _epoch_us(end)
        whole_from = -(-start_us // hour_us) * hour_us  # first rollup boundary at or after start
        whole_to = end_us // hour_us * hour_us  # last rollup boundary at or before end
        filters: list[Any] = []
        where = _in_list("machine_id", machine_ids, filters)
        bucket = f"greatest(make_timestamptz(epoch_us(t) // {bucket_us} * {bucket_us}), ?::TIMESTAMPTZ)"
        raw = (
            "SELECT time AS t, machine_id, coalesce(product, '') AS product, 1 AS n, (result = 'ok')::BIGINT AS n_ok "
            "FROM part_records WHERE company_id = ?"
        )
        if bucket_us == hour_us and whole_from == start_us and whole_to == end_us:
            # Whole hours only, in the rollup's own buckets: its rows are the answer (one per machine, product and
            # hour by its key), with no regrouping — a third of the time of the general query below.
            sql = (
                "SELECT bucket AS time, machine_id, nullif(product, '') AS product, n AS produced, n_ok AS good "
                f"FROM part_counts_1h WHERE company_id = ? AND bucket >= ? AND bucket < ?{where}"
            )
            if ordered:
                sql += " ORDER BY time, machine_id, product NULLS FIRST"
            return self._arrow(sql, [company_id, start, end, *filters]).cast(PART_COUNT_SCHEMA)
        if bucket_us % hour_us == 0 and whole_from < whole_to:
            # Whole hours come from the rollup; the partial hours at either edge from the records. An edge that is
            # itself on the hour has no partial hour: leaving it out spares a scan of every record (DuckDB has
            # no index on time to make an empty range cheap).
            sql = (
                "WITH c AS (SELECT bucket AS t, machine_id, product, n, n_ok FROM part_counts_1h "
                f"WHERE company_id = ? AND bucket >= ? AND bucket < ?{where}"
            )
            params = [company_id, _from_us(whole_from), _from_us(whole_to), *filters]
            edges = [(a, b) for a, b in ((start_us, whole_from), (whole_to, end_us)) if a < b]
            if edges:
                sql += (
                    f" UNION ALL {raw} AND ({' OR '.join(['(time >= ? AND time < ?)'] * len(edges))}){where}"
                )
                params += [company_id, *(_from_us(t) for edge in edges for t in edge), *filters]
            sql += ") "
        else:
            sql = f"WITH c AS ({raw} AND time >= ? AND time < ?{where}) "
            params = [company_id, start, end, *filters]
        params.append(start)  # the clip of the first bucket, in the SELECT below
        sql += (
            f"SELECT {bucket} AS time, machine_id, nullif(product, '') AS product, sum(n) AS produced, "
            "sum(n_ok) AS good FROM c GROUP BY ALL"
        )
        if ordered:
            sql += " ORDER BY time, machine_id, product NULLS FIRST"
        return self._arrow(sql, params).cast(PART_COUNT_SCHEMA)

    def query_events(self, company_id, start, end, machine_ids=None, ordered=True) -> pa.Table:
        params: list[Any] = [company_id, end, start, start]
        cols = ", ".join(f'"{c}"' for c in EVENT_SCHEMA.names)
        # Overlap with [start, end): begins before the window ends, and begins inside it, is still open (no end
        # yet), or ends after the window begins. An event ending exactly at the window start does not overlap.
        sql = (
            f"SELECT {cols} FROM machine_events WHERE company_id = ? AND start < ? "
            'AND (start >= ? OR "end" IS NULL OR "end" > ?)'
        )
        sql += _in_list("machine_id", machine_ids, params) + (
            " ORDER BY start, machine_id" if ordered else ""
        )
        return self._arrow(sql, params).cast(EVENT_SCHEMA)

    def set_event_reason(self, company_id, machine_id, start, reason_code, user_id, note=None):
        key = [company_id, machine_id, start]
        where = "WHERE company_id = ? AND machine_id = ? AND start = ?"
        with self._lock:
            con = self._con
            con.execute("BEGIN")
            try:
                found = _one(con.execute(f"SELECT reason_code FROM machine_events {where}", key))
                if found is None:
                    con.execute("ROLLBACK")
                    return None
                con.execute(
                    "UPDATE machine_events SET reason_code = ?, note = coalesce(?, note), labelled_by = ?, "
                    f"labelled_at = ? {where}",
                    [reason_code, note, user_id, datetime.now(UTC), *key],
                )
                target, detail = event_label_audit(machine_id, start, found[0], reason_code)
                con.execute(
                    "INSERT INTO audit_log (company_id, user_id, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                    [company_id, user_id, EVENT_LABEL_ACTION, target, detail],
                )
                row = _one(con.execute(f"SELECT {EVENT_LABEL_COLUMNS} FROM machine_events {where}", key))
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return labelled_event(row)

    def count_rows(self, company_id: str, table: str, machine_id: str | None = None) -> int:
        if table not in _ROW_TABLES:
            raise ValueError(f"unknown table {table!r}")
        sql, params = f"SELECT count(*) FROM {table} WHERE company_id = ?", [company_id]
        if machine_id is not None:
            sql, params = sql + " AND machine_id = ?", [*params, machine_id]
        return self._cur().execute(sql, params).fetchone()[0]

    def delete_asset(self, company_id: str, kind: str, asset_id: str) -> bool:
        table = _ASSET_TABLES[kind]
        with self._lock:
            self._con.execute("BEGIN TRANSACTION")
            try:
                found = _one(
                    self._con.execute(
                        f"SELECT count(*) FROM {table} WHERE company_id = ? AND id = ?",
                        [company_id, asset_id],
                    )
                )[0]
                if kind == "machine":
                    # under the lock every append takes: no batch lands on it between this count and the delete
                    held = {
                        t: _one(
                            self._con.execute(
                                f"SELECT count(*) FROM {t} WHERE company_id = ? AND machine_id = ?",
                                [company_id, asset_id],
                            )
                        )[0]
                        for t in MACHINE_RECORD_TABLES
                    }
                    if any(held.values()):
                        raise AssetHeld(held)
                self._con.execute(
                    f"DELETE FROM {table} WHERE company_id = ? AND id = ?", [company_id, asset_id]
                )
                if kind == "machine":
                    self._con.execute(
                        "DELETE FROM signals WHERE company_id = ? AND machine_id = ?", [company_id, asset_id]
                    )
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._assets.clear()
        return bool(found)

    def first_event_starts(self, company_id: str, machine_ids: list[str]) -> dict[str, datetime]:
        if not machine_ids:
            return {}
        params: list[Any] = [company_id]
        sql = "SELECT machine_id, min(start) FROM machine_events WHERE company_id = ?"
        sql += _in_list("machine_id", machine_ids, params) + " GROUP BY machine_id"
        return dict(self._cur().execute(sql, params).fetchall())

    def record_span(self, company_id: str, table: str) -> tuple[datetime, datetime] | None:
        if table not in _ROW_TABLES | {"predictions"}:
            raise ValueError(f"unknown table {table!r}")
        if table == "part_records":
            return self._part_span(company_id)
        column = "start" if table == "machine_events" else "time"
        row = (
            self._cur()
            .execute(f"SELECT min({column}), max({column}) FROM {table} WHERE company_id = ?", [company_id])
            .fetchone()
        )
        return None if row is None or row[0] is None else (row[0], row[1])

    def _part_span(self, company_id: str) -> tuple[datetime, datetime] | None:
        """The first and last part record's times, read in the first and last hour the hourly counts (kept with
        every append) hold for the company: the whole table, every company's rows, was scanned for each member
        of the views across companies."""
        cur = self._cur()
        lo, hi = cur.execute(
            "SELECT min(bucket), max(bucket) FROM part_counts_1h WHERE company_id = ?", [company_id]
        ).fetchone()
        if lo is None:
            return None
        hour = timedelta(hours=1)
        within = "FROM part_records WHERE company_id = ? AND time >= ? AND time < ?"
        first = cur.execute(f"SELECT min(time) {within}", [company_id, lo, lo + hour]).fetchone()[0]
        last = cur.execute(f"SELECT max(time) {within}", [company_id, hi, hi + hour]).fetchone()[0]
        return first, last

    # ---- quarantine -----------------------------------------------------------------------
    def add_quarantine(
        self, company_id: str, items: list[QuarantineItem], *, check_registered: bool = False
    ) -> int:
        if not items:
            return 0
        table = quarantine_table(items)
        with self._lock:
            if check_registered:
                require_registered(self._registered(company_id), company_id, None)
            self._con.register("_q", table)
            try:
                self._con.execute("BEGIN")
                self._con.execute(QUARANTINE_REPEAT.format(mark="?"), [datetime.now(UTC), company_id])
                sql = QUARANTINE_NEW.format(cols=", ".join(table.column_names), mark="?")
                new = int(_one(self._con.execute(sql, [company_id, company_id]))[0])
                self._con.execute("COMMIT")
                return new
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            finally:
                self._con.unregister("_q")

    def list_quarantine(
        self, company_id, status="open", limit=100, offset=0, *, reason_code=None, batch_id=None
    ):
        where, params = quarantine_where("?", company_id, status, reason_code, batch_id)
        sql = f"SELECT {QUARANTINE_COLUMNS} FROM quarantine{where} ORDER BY id DESC LIMIT {int(limit)} OFFSET {int(offset)}"
        return quarantine_rows(self._cur().execute(sql, params).fetchall())

    def get_quarantine(self, company_id, item_id):
        rows = (
            self._cur()
            .execute(
                f"SELECT {QUARANTINE_COLUMNS} FROM quarantine WHERE company_id = ? AND id = ?",
                [company_id, item_id],
            )
            .fetchall()
        )
        return quarantine_rows(rows)[0] if rows else None

    def set_quarantine_status(self, company_id, item_id, status, user_id, stored=None):
        with self._lock:
            self._con.execute(
                "UPDATE quarantine SET status = ?, resolved_by = ?, resolved_at = ?, stored = ? "
                "WHERE company_id = ? AND id = ?",
                [status, user_id, datetime.now(UTC), stored, company_id, item_id],
            )

    def discard_open_quarantine(self, company_id, user_id, *, reason_code=None, batch_id=None):
        where, params = quarantine_where("?", company_id, "open", reason_code, batch_id)
        with self._lock:
            return _one(
                self._con.execute(
                    f"UPDATE quarantine SET status = 'discarded', resolved_by = ?, resolved_at = ?{where}",
                    [user_id, datetime.now(UTC), *params],
                )
            )[0]

    def count_quarantine(self, company_id, status="open", *, reason_code=None, batch_id=None):
        where, params = quarantine_where("?", company_id, status, reason_code, batch_id)
        return self._cur().execute(f"SELECT count(*) FROM quarantine{where}", params).fetchone()[0]

    def quarantine_reasons(self, company_id, status="open"):
        where, params = quarantine_where("?", company_id, status)
        sql = (
            "SELECT reason_code, arg_max(reason_en, id), arg_max(reason_ko, id), count(*) AS n "
            f"FROM quarantine{where} GROUP BY reason_code ORDER BY n DESC, reason_code"
        )
        rows = self._cur().execute(sql, params).fetchall()
        return [dict(zip(("reason_code", "reason_en", "reason_ko", "n"), r, strict=True)) for r in rows]

    # ---- accounts -------------------------------------------------------------------------
    def add_user(self, user: User, password_hash: str) -> None:
        with self._lock:
            # "HVIEW" beside "hview" too: a second account that its user could not tell from the first
            exists = _one(self._con.execute("SELECT id FROM users WHERE lower(id) = lower(?)", [user.id]))
            if exists:
                raise user_exists(user.id, exists[0])
            self._con.execute(
                f"INSERT INTO users ({USER_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                user_row(user, password_hash),
            )

    def set_password_hash(self, user_id: str, password_hash: str, *, must_change: bool | None = None) -> None:
        with self._lock:
            self._con.execute(
                "UPDATE users SET password_hash = ?, must_change_password = coalesce(?, must_change_password) "
                "WHERE id = ?",
                [password_hash, must_change, user_id],
            )

    def set_user_role(self, company_id: str | None, user_id: str, role: Role) -> None:
        with self._lock:
            self._con.execute(
                "UPDATE users SET role = ? WHERE company_id IS NOT DISTINCT FROM ? AND id = ?",
                [role.value, company_id, user_id],
            )

    def set_user_active(self, company_id: str | None, user_id: str, active: bool) -> None:
        with self._lock:
            self._con.execute(
                "UPDATE users SET active = ? WHERE company_id IS NOT DISTINCT FROM ? AND id = ?",
                [active, company_id, user_id],
            )

    def _user(self, r: tuple) -> User:
        return user_from_row(r)

    def user_for_login(self, user_id: str):
        r = (
            self._cur()
            .execute(f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE id = ?", [user_id])
            .fetchone()
        )
        return (self._user(r), r[-1]) if r else None

    def list_users(self, company_id: str) -> list[User]:
        rows = (
            self._cur()
            .execute(f"SELECT {USER_COLUMNS} FROM users WHERE company_id = ? ORDER BY id", [company_id])
            .fetchall()
        )
        return [self._user(r) for r in rows]

    def cross_tenant_users(self, role: str | None = None) -> list[User]:
        where, params = (" WHERE role = ?", [role]) if role else ("", [])
        sql = f"SELECT {USER_COLUMNS} FROM users{where} ORDER BY company_id NULLS FIRST, id"
        return [self._user(r) for r in self._cur().execute(sql, params).fetchall()]

    def add_token(self, token_id, user_id, token_hash, kind, name, expires_at) -> None:
        with self._lock:
            self._con.execute(
                "INSERT INTO api_tokens (id, user_id, token_hash, kind, name, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                [token_id, user_id, token_hash, kind, name, expires_at],
            )

    def token_for_hash(self, token_hash: str) -> TokenRecord | None:
        r = (
            self._cur()
            .execute(
                f"SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?",
                [token_hash],
            )
            .fetchone()
        )
        return TokenRecord(*r) if r else None

    def touch_token(self, token_id: str, at: datetime) -> None:
        with self._lock:
            self._con.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [at, token_id])

    def revoke_token(self, token_id: str) -> None:
        with self._lock:
            self._con.execute("UPDATE api_tokens SET revoked = true WHERE id = ?", [token_id])

    def put_edge_status(self, company_id: str, agent: str, reported_at: datetime, health: str) -> None:
        with self._lock:
            self._con.execute(
                "INSERT INTO edge_status VALUES (?, ?, ?, ?) ON CONFLICT (company_id, agent) DO UPDATE SET "
                "reported_at = excluded.reported_at, health = excluded.health",
                [company_id, agent, reported_at, health],
            )

    def list_edge_status(self, company_id: str) -> list[tuple[str, datetime, str]]:
        return (
            self._cur()
            .execute(
                "SELECT agent, reported_at, health FROM edge_status WHERE company_id = ? ORDER BY agent",
                [company_id],
            )
            .fetchall()
        )

    def export_database(self, folder: Path) -> dict[str, int]:
        # One transaction on its own cursor: the export and the row counts read one snapshot of every table, while
        # batches keep arriving on the store's connection (a server backing itself up does not stop ingesting).
        cur = self._cur()
        cur.execute("BEGIN TRANSACTION")
        try:
            rows = _table_rows(cur)
            cur.execute(f"EXPORT DATABASE {_sql_text(str(folder))} (FORMAT PARQUET)")
        finally:
            cur.execute("COMMIT")
        return rows

    def add_edge_events(self, company_id: str, agent: str, events: list[EdgeEvent], keep: int) -> None:
        with self._lock:
            self._con.executemany(
                "INSERT INTO edge_events VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[company_id, agent, *e] for e in events],
            )
            self._con.execute(
                EDGE_EVENTS_PRUNE.replace("%s", "?"), [company_id, agent, company_id, agent, keep]
            )

    def list_edge_events(self, company_id: str, agent: str | None = None, limit: int = 100) -> list[tuple]:
        sql, params = EDGE_EVENTS_LIST.replace("%s", "?"), [company_id, agent, agent, limit]
        return self._cur().execute(sql, params).fetchall()

    def list_tokens(self, user_id: str, kind: str = "api") -> list[TokenRecord]:
        rows = (
            self._cur()
            .execute(
                f"SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ? AND kind = ? AND NOT revoked "
                "ORDER BY created_at DESC, id",
                [user_id, kind],
            )
            .fetchall()
        )
        return [TokenRecord(*r) for r in rows]

    def revoke_user_tokens(self, user_id: str, keep: str | None = None) -> None:
        with self._lock:
            self._con.execute(
                "UPDATE api_tokens SET revoked = true WHERE user_id = ? AND id IS DISTINCT FROM ?",
                [user_id, keep],
            )

    def add_audit(self, company_id, user_id, action, target, detail) -> None:
        with self._lock:
            self._con.execute(
                "INSERT INTO audit_log (company_id, user_id, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                [company_id, user_id, action, target, detail],
            )

    def list_audit(
        self,
        company_id: str | None,
        limit: int = 100,
        *,
        only: Collection[str] | None = None,
        leave_out: Collection[str] = (),
    ) -> list[dict[str, Any]]:
        where, params = audit_where(company_id, only, leave_out, "?")
        rows = (
            self._cur()
            .execute(
                f"SELECT id, time, user_id, action, target, detail FROM audit_log WHERE {where} "
                f"ORDER BY id DESC LIMIT {int(limit)}",
                params,
            )
            .fetchall()
        )
        return [
            dict(zip(("id", "time", "user_id", "action", "target", "detail"), r, strict=True)) for r in rows
        ]

    # ---- model registry, predictions and the shared catalogue -----------------------------------------
    def next_model_version(self, company_id: str, name: str) -> int:
        return (
            self._cur()
            .execute(
                "SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE company_id = ? AND name = ?",
                [company_id, name],
            )
            .fetchone()[0]
        )

    def add_model_version(self, company_id: str, model: ModelVersion) -> None:
        with self._lock:
            exists = _one(
                self._con.execute(
                    "SELECT 1 FROM model_versions WHERE company_id = ? AND name = ? AND version = ?",
                    [company_id, model.name, model.version],
                )
            )
            if exists:
                raise Conflict(
                    f"model {model.name!r} version {model.version} is already registered",
                    f"모델 {model.name!r} 버전 {model.version}은(는) 이미 등록되어 있습니다",
                    code="model_version_exists",
                )
            self._con.execute(
                f"INSERT INTO model_versions (company_id, {MODEL_COLUMNS}) VALUES ({', '.join('?' * 15)})",
                model_to_row(company_id, model),
            )

    def list_model_versions(self, company_id: str, name: str | None = None) -> list[ModelVersion]:
        sql, params = f"SELECT {MODEL_COLUMNS} FROM model_versions WHERE company_id = ?", [company_id]
        if name is not None:
            sql += " AND name = ?"
            params.append(name)
        rows = self._cur().execute(sql + " ORDER BY name, version DESC", params).fetchall()
        return [model_from_row(r) for r in rows]

    def get_model_version(self, company_id: str, name: str, version: int) -> ModelVersion | None:
        r = (
            self._cur()
            .execute(
                f"SELECT {MODEL_COLUMNS} FROM model_versions WHERE company_id = ? AND name = ? AND version = ?",
                [company_id, name, int(version)],
            )
            .fetchone()
        )
        return model_from_row(r) if r else None

    def set_model_stage(self, company_id: str, name: str, version: int, stage: str) -> None:
        check_stage(stage)
        now = datetime.now(UTC)
        with self._lock:
            self._con.execute("BEGIN")
            try:
                if stage == "production":
                    self._con.execute(
                        "UPDATE model_versions SET stage = 'retired', stage_changed_at = ? WHERE company_id = ? "
                        "AND name = ? AND stage = 'production' AND version <> ?",
                        [now, company_id, name, int(version)],
                    )
                self._con.execute(
                    "UPDATE model_versions SET stage = ?, stage_changed_at = ? WHERE company_id = ? AND name = ? "
                    "AND version = ?",
                    [stage, now, company_id, name, int(version)],
                )
                self._con.execute("COMMIT")
            except Exception:
                self._con.execute("ROLLBACK")
                raise

    def append_predictions(self, company_id: str, batch: pa.Table) -> int:
        return self._append(
            company_id,
            batch,
            "predictions",
            PREDICTION_SCHEMA,
            ["model_name", "model_version", "machine_id", "time", "part_id"],
            "time",
        )

    def query_predictions(
        self, company_id, start, end, machine_ids=None, model_name=None, limit=None
    ) -> pa.Table:
        params: list[Any] = [company_id, start, end]
        cols = ", ".join(f'"{c}"' for c in PREDICTION_SCHEMA.names)
        sql = f"SELECT {cols} FROM predictions WHERE company_id = ? AND time >= ? AND time < ?"
        sql += _in_list("machine_id", machine_ids, params)
        if model_name is not None:
            sql += " AND model_name = ?"
            params.append(model_name)
        sql += " ORDER BY time, machine_id, part_id, model_name, model_version"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._arrow(sql, params).cast(PREDICTION_SCHEMA)

    def add_catalogue_entry(self, company_id, entry: CatalogueEntry, *, publisher_named, published_by) -> int:
        with self._lock:
            return _one(
                self._con.execute(
                    f"INSERT INTO catalogue_entries ({CATALOGUE_INSERT_COLUMNS}) VALUES ({', '.join('?' * 11)}) "
                    "RETURNING id",
                    catalogue_entry_row(company_id, entry, publisher_named, published_by),
                )
            )[0]

    def cross_tenant_catalogue(self, family: str, viewer_company_id: str) -> list[CatalogueEntry]:
        rows = (
            self._cur()
            .execute(
                f"SELECT {CATALOGUE_COLUMNS}, (SELECT count(*) FROM catalogue_scores s WHERE s.entry_id = e.id) "
                "FROM catalogue_entries e WHERE family = ? ORDER BY id DESC",
                [family],
            )
            .fetchall()
        )
        return [catalogue_from_row(r[:-1], viewer_company_id, r[-1]) for r in rows]

    def withdraw_catalogue_entry(self, entry_id: int, at: datetime, reason: str) -> str | None:
        with self._lock:
            r = _one(
                self._con.execute(
                    "UPDATE catalogue_entries SET withdrawn_at = ?, withdrawn_reason = ? WHERE id = ? "
                    "RETURNING publisher_company_id",
                    [at, reason, int(entry_id)],
                )
            )
        return r[0] if r else None

    def erase_company(self, company_id: str, at: datetime, withdrawn_reason: str) -> dict[str, int]:
        with self._lock:
            con = self._con
            present = {r[0] for r in con.execute(COMPANY_TABLES_SQL).fetchall()}
            tables = [t for t in COMPANY_TABLES if t in present]
            con.execute("BEGIN")
            try:
                counts = {
                    "catalogue_entries": _one(
                        con.execute(ERASE_WITHDRAW_SQL.format(m="?"), [at, withdrawn_reason, company_id])
                    )[0],
                    "api_tokens": _one(con.execute(ERASE_TOKENS_SQL.format(m="?"), [company_id]))[0],
                }
                for table in tables:
                    counts[table] = _one(
                        con.execute(f'DELETE FROM "{table}" WHERE company_id = ?', [company_id])
                    )[0]
                counts["companies"] = _one(con.execute("DELETE FROM companies WHERE id = ?", [company_id]))[0]
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            finally:
                # its machines and signals were listed, and it was found registered
                self._assets.clear()
        return counts

    def cross_tenant_catalogue_family(self, entry_id: int) -> str | None:
        r = (
            self._cur()
            .execute("SELECT family FROM catalogue_entries WHERE id = ?", [int(entry_id)])
            .fetchone()
        )
        return r[0] if r else None

    def put_catalogue_score(self, company_id: str, score: CatalogueScore) -> None:
        self._upsert(
            "catalogue_scores",
            {
                "company_id": company_id,
                "entry_id": int(score.entry_id),
                "metrics": json.dumps(score.metrics, ensure_ascii=False, default=str),
                "n_rows": int(score.n_rows),
                "action": score.action,
                "evaluated_at": score.evaluated_at or datetime.now(UTC),
            },
            ("company_id", "entry_id"),
        )

    def list_catalogue_scores(self, company_id: str, entry_id: int | None = None) -> list[CatalogueScore]:
        sql = "SELECT entry_id, metrics, n_rows, action, evaluated_at FROM catalogue_scores WHERE company_id = ?"
        params: list[Any] = [company_id]
        if entry_id is not None:
            sql += " AND entry_id = ?"
            params.append(int(entry_id))
        rows = self._cur().execute(sql + " ORDER BY evaluated_at DESC, entry_id", params).fetchall()
        return [CatalogueScore(int(r[0]), json.loads(r[1]), int(r[2]), r[3], r[4]) for r in rows]


# Kept for code that imported it from here; the schema now lives in sandan.store.base.
_AGG_SCHEMA = AGGREGATE_SCHEMA
