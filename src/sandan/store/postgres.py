"""The server store: PostgreSQL (TimescaleDB hypertables where installed) behind a connection pool.

It must behave exactly like the DuckDB store; bulk rows go in by binary COPY only, never row by row.
"""

from __future__ import annotations

import io
import json
import logging
import re
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg import errors as pgerrors
from psycopg_pool import ConnectionPool, PoolTimeout

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
from sandan.domain.errors import ConfigError
from sandan.store import pgcopy
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

log = logging.getLogger(__name__)

# Identifiers are compared and sorted bytewise (COLLATE "C"), as DuckDB does, so both stores order rows alike.
_ID = 'text COLLATE "C"'

# Versioned migrations: append, never edit a released one. Created in the connection's current schema.
# Readings, the largest table, carry one B-tree (the natural key, which also serves per-machine and per-signal
# windows); company-wide windows use a BRIN index on time, nearly free to maintain because rows arrive in time
# order. Part records and events keep a (company_id, time) B-tree for pages of records in time order.
# Unique natural-key indexes make appends idempotent (ON CONFLICT DO NOTHING) even with several writers.
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        f"""
        CREATE TABLE companies (id {_ID} PRIMARY KEY, name text NOT NULL, family text NOT NULL,
            region text NOT NULL DEFAULT '', created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE sites (company_id {_ID} NOT NULL, id {_ID} NOT NULL, name text NOT NULL,
            timezone text NOT NULL, PRIMARY KEY (company_id, id));
        CREATE TABLE lines (company_id {_ID} NOT NULL, id {_ID} NOT NULL, site_id {_ID} NOT NULL,
            name text NOT NULL, PRIMARY KEY (company_id, id));
        CREATE TABLE machines (company_id {_ID} NOT NULL, id {_ID} NOT NULL, line_id {_ID} NOT NULL,
            name text NOT NULL, family text NOT NULL, model text NOT NULL DEFAULT '',
            ideal_cycle_time_s double precision, PRIMARY KEY (company_id, id));
        CREATE TABLE signals (company_id {_ID} NOT NULL, machine_id {_ID} NOT NULL, name {_ID} NOT NULL,
            unit text NOT NULL DEFAULT '', min_value double precision, max_value double precision,
            description text NOT NULL DEFAULT '', PRIMARY KEY (company_id, machine_id, name));

        CREATE TABLE readings (company_id {_ID} NOT NULL, machine_id {_ID} NOT NULL, signal {_ID} NOT NULL,
            time timestamptz NOT NULL, value double precision NOT NULL);
        CREATE UNIQUE INDEX readings_key ON readings (company_id, machine_id, signal, time);
        CREATE INDEX readings_time ON readings USING brin (time) WITH (autosummarize = on);

        CREATE TABLE part_records (company_id {_ID} NOT NULL, machine_id {_ID} NOT NULL,
            time timestamptz NOT NULL, part_id {_ID} NOT NULL, lot_id text, product text, result text NOT NULL,
            defect_type text, params text, measures text);
        CREATE UNIQUE INDEX part_records_key ON part_records (company_id, machine_id, time, part_id);
        CREATE INDEX part_records_company_time ON part_records (company_id, time);

        CREATE TABLE machine_events (company_id {_ID} NOT NULL, machine_id {_ID} NOT NULL,
            start timestamptz NOT NULL, "end" timestamptz, state text NOT NULL, reason_code text, note text);
        CREATE UNIQUE INDEX machine_events_key ON machine_events (company_id, machine_id, start);
        CREATE INDEX machine_events_company_start ON machine_events (company_id, start);

        CREATE TABLE quarantine (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            company_id {_ID} NOT NULL, received_at timestamptz NOT NULL DEFAULT now(), source text NOT NULL,
            kind text NOT NULL, batch_id text NOT NULL DEFAULT '', raw text NOT NULL, reason_code text NOT NULL,
            reason_en text NOT NULL, reason_ko text NOT NULL, location text NOT NULL DEFAULT '{{}}',
            status text NOT NULL DEFAULT 'open', resolved_by text, resolved_at timestamptz);
        CREATE INDEX quarantine_company_status ON quarantine (company_id, status, id);

        CREATE TABLE users (id {_ID} PRIMARY KEY, company_id {_ID}, name text NOT NULL DEFAULT '',
            role text NOT NULL, lang text NOT NULL DEFAULT 'ko', password_hash text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX users_company ON users (company_id);
        CREATE TABLE api_tokens (id {_ID} PRIMARY KEY, user_id {_ID} NOT NULL, token_hash text NOT NULL UNIQUE,
            kind text NOT NULL, name text NOT NULL DEFAULT '', created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz, revoked boolean NOT NULL DEFAULT false);

        CREATE TABLE audit_log (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            time timestamptz NOT NULL DEFAULT now(), company_id {_ID}, user_id {_ID}, action text NOT NULL,
            target text NOT NULL DEFAULT '', detail text NOT NULL DEFAULT '');
        CREATE INDEX audit_log_company ON audit_log (company_id, id);
        """,
    ),
    (
        2,
        # The model registry, stored predictions and the shared catalogue per process family.
        f"""
        CREATE TABLE model_versions (company_id {_ID} NOT NULL, name {_ID} NOT NULL, version bigint NOT NULL,
            task text NOT NULL, target text NOT NULL, features text NOT NULL, metrics text NOT NULL,
            fingerprint text NOT NULL, artifact text NOT NULL, stage text NOT NULL, trained_by text,
            trained_at timestamptz, scope text NOT NULL DEFAULT '{{}}', origin text NOT NULL DEFAULT '',
            stage_changed_at timestamptz, PRIMARY KEY (company_id, name, version));
        CREATE TABLE predictions (company_id {_ID} NOT NULL, time timestamptz NOT NULL, machine_id {_ID} NOT NULL,
            part_id {_ID} NOT NULL, model_name {_ID} NOT NULL, model_version bigint NOT NULL,
            score double precision, label text);
        CREATE UNIQUE INDEX predictions_key ON predictions
            (company_id, model_name, model_version, machine_id, time, part_id);
        CREATE INDEX predictions_company_time ON predictions (company_id, time);
        CREATE TABLE catalogue_entries (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            family text NOT NULL, name text NOT NULL, task text NOT NULL, target text NOT NULL,
            features text NOT NULL, metrics text NOT NULL, artifact text NOT NULL,
            description text NOT NULL DEFAULT '', publisher_company_id {_ID} NOT NULL,
            publisher_named boolean NOT NULL, published_by text, published_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX catalogue_entries_family ON catalogue_entries (family, id);
        CREATE TABLE catalogue_scores (company_id {_ID} NOT NULL, entry_id bigint NOT NULL, metrics text NOT NULL,
            n_rows bigint NOT NULL, action text NOT NULL, evaluated_at timestamptz NOT NULL,
            PRIMARY KEY (company_id, entry_id));
        """,
    ),
    (
        3,
        # Who gave an event its reason code, and when (an operator labelling unexplained downtime).
        f"""
        ALTER TABLE machine_events ADD COLUMN labelled_by {_ID}, ADD COLUMN labelled_at timestamptz;
        """,
    ),
    (
        4,
        # Hourly rollup of part counts (produced, good) per machine and product, kept in step with `part_records`
        # by every append, so OEE over a month reads tens of thousands of rows instead of millions; and a partial
        # index on the scrap, which OEE reads part by part (start-up losses) without touching the good parts.
        f"""
        CREATE TABLE part_counts_1h (company_id {_ID} NOT NULL, machine_id {_ID} NOT NULL, product {_ID} NOT NULL,
            bucket timestamptz NOT NULL, n bigint NOT NULL, n_ok bigint NOT NULL,
            PRIMARY KEY (company_id, machine_id, product, bucket));
        CREATE INDEX part_counts_1h_company_bucket ON part_counts_1h (company_id, bucket);
        INSERT INTO part_counts_1h SELECT company_id, machine_id, coalesce(product, ''),
            date_bin(INTERVAL '1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), count(*),
            count(*) FILTER (WHERE result = 'ok') FROM part_records GROUP BY 1, 2, 3, 4;
        CREATE INDEX part_records_scrap ON part_records (company_id, time) WHERE result = 'ng';
        """,
    ),
    (
        5,
        # The record as it was stored when a person replayed a quarantined one (corrected, or as it came).
        """
        ALTER TABLE quarantine ADD COLUMN stored text;
        """,
    ),
    (
        6,
        # An account an admin has stopped (someone left): kept for the audit log, refused at sign-in.
        """
        ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;
        """,
    ),
    (
        7,
        # What each edge agent last reported of its collectors (JSON), so the platform shows a factory's links.
        f"""
        CREATE TABLE edge_status (company_id {_ID} NOT NULL, agent text NOT NULL,
            reported_at timestamptz NOT NULL, health text NOT NULL, PRIMARY KEY (company_id, agent));
        """,
    ),
    (
        8,
        # When a token last authenticated a request (to a few minutes), so an unused or a stolen one shows.
        """
        ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz;
        """,
    ),
    (
        9,
        # A catalogue entry its publisher or the operator took out, and why (kept for those who adopted it).
        """
        ALTER TABLE catalogue_entries ADD COLUMN withdrawn_at timestamptz, ADD COLUMN withdrawn_reason text;
        """,
    ),
    (
        10,
        # How often a quarantined item came again while it waited (kept once), and when it last did.
        """
        ALTER TABLE quarantine ADD COLUMN repeats bigint NOT NULL DEFAULT 0,
            ADD COLUMN last_received_at timestamptz;
        """,
    ),
    (
        11,
        # What changed in an edge agent's links and when: a collector's new state, the agent's silent spans.
        f"""
        CREATE TABLE edge_events (company_id {_ID} NOT NULL, agent text NOT NULL, changed_at timestamptz NOT NULL,
            connector text NOT NULL, state text NOT NULL, error text, silent_until timestamptz);
        CREATE INDEX edge_events_at ON edge_events (company_id, agent, changed_at);
        """,
    ),
    (
        12,
        # A password someone else set (an admin creating the account or resetting it): its user must choose their own.
        """
        ALTER TABLE users ADD COLUMN must_change_password boolean DEFAULT false;
        """,
    ),
    (
        13,
        # Stored before an ideal cycle time was bounded (a day), a model name or a region (200 characters): past the
        # day it is no cycle time (1e308 made every OEE figure of the company 100 % or infinite), so it is unset.
        """
        UPDATE machines SET ideal_cycle_time_s = NULL WHERE ideal_cycle_time_s > 86400;
        UPDATE machines SET model = left(model, 200) WHERE length(model) > 200;
        UPDATE companies SET region = left(region, 200) WHERE length(region) > 200;
        """,
    ),
]

# Adds the part records a CTE named {source} returns (machine_id, product, time, result) to the hourly rollup.
_COUNT_UP = (
    "INSERT INTO part_counts_1h SELECT %s, machine_id, coalesce(product, ''), "
    "date_bin(INTERVAL '1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), count(*), "
    "count(*) FILTER (WHERE result = 'ok') FROM {source} GROUP BY 1, 2, 3, 4 "
    "ON CONFLICT (company_id, machine_id, product, bucket) DO UPDATE SET "
    "n = part_counts_1h.n + excluded.n, n_ok = part_counts_1h.n_ok + excluded.n_ok"
)

# Readings and part records grow without bound and are read by time range: chunk them by time. Machine events
# are few (one row per state change), so a plain table serves them.
_HYPERTABLES = {"readings": "time", "part_records": "time"}

_ROW_TABLES = {"readings", "part_records", "machine_events"}
_ASSET_TABLES = {"site": "sites", "line": "lines", "machine": "machines"}

# Rows leave PostgreSQL as CSV parsed by Arrow in C++ (no Python object per value). Times leave as integer
# microseconds since the Unix epoch, so no text time format has to be parsed.
_EPOCH_US = "(extract(epoch FROM {0}) * 1000000)::int8"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _in_list(column: str, values: list[str] | None, params: list[Any]) -> str:
    # An empty list means "no filter", as in the DuckDB store.
    if not values:
        return ""
    params.append(list(values))
    return f' AND "{column}" = ANY(%s)'


def _time_sql(name: str) -> str:
    return _EPOCH_US.format(f'"{name}"')


class PostgresStore(Store):
    """Tenant-scoped store on PostgreSQL ≥ 14 (date_bin); safe to call from several threads."""

    def __init__(self, url: str, *, max_connections: int = 8, timeout_s: float = 10.0) -> None:
        self.url = url
        self._timeout_s = timeout_s
        try:
            # Connect once directly: the pool would retry silently, this gives the server's own reason at once.
            psycopg.connect(url, connect_timeout=int(timeout_s)).close()
        except psycopg.Error as exc:
            raise self._unavailable(exc) from exc
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True, "application_name": "sandan"},
            configure=self._configure,
            check=ConnectionPool.check_connection,
            open=False,
            name="sandan-store",
        )
        try:
            self._pool.open(wait=True, timeout=timeout_s)
        except PoolTimeout as exc:
            raise self._unavailable(exc) from exc

    @staticmethod
    def _configure(conn: psycopg.Connection) -> None:
        conn.execute("SET TimeZone TO 'UTC'")

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        where = _safe_url(self.url)
        reason = str(exc).strip() or type(exc).__name__
        return StoreUnavailable(
            f"cannot reach the PostgreSQL store at {where}: {reason}. Check that the server is running, that the "
            "database and user in the URL exist, and that SANDAN_STORE_URL (or the settings file) names them",
            f"PostgreSQL 저장소 {where}에 연결할 수 없습니다: {reason}. 서버가 실행 중인지, URL의 데이터베이스와 "
            "사용자가 있는지, SANDAN_STORE_URL(또는 설정 파일)이 맞는지 확인하세요",
        )

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection]:
        try:
            with self._pool.connection(timeout=self._timeout_s) as conn:
                yield conn
        except PoolTimeout as exc:
            raise self._unavailable(exc) from exc
        except psycopg.OperationalError as exc:
            # Only a lost or refused connection means the store is unavailable; a deadlock or a cancelled
            # statement is an ordinary error of that call.
            if exc.sqlstate is None or exc.sqlstate.startswith(("08", "57P")):
                raise self._unavailable(exc) from exc
            raise

    def _rows(self, sql: str, params: list[Any] | tuple = ()) -> list[tuple]:
        with self._conn() as conn:
            return conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: list[Any] | tuple = ()) -> tuple | None:
        with self._conn() as conn:
            return conn.execute(sql, params).fetchone()

    def _run(self, sql: str, params: list[Any] | tuple = ()) -> int:
        with self._conn() as conn:
            return conn.execute(sql, params).rowcount

    def _arrow(self, sql: str, params: list[Any], schema: pa.Schema, times: tuple[str, ...]) -> pa.Table:
        """Run a query whose `times` columns are epoch microseconds; return it as an Arrow table of `schema`."""
        data = bytearray()
        with (
            self._conn() as conn,
            conn.cursor() as cur,
            cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy,
        ):
            # One message per row arrives; appending to one buffer is about twice as fast as joining them.
            while chunk := copy.read():
                data += chunk
        if not data:
            return schema.empty_table()
        types = {f.name: (pa.int64() if f.name in times else f.type) for f in schema}
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=schema.names),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            # PostgreSQL writes NULL as an unquoted empty field and '' as a quoted one.
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
        for name in times:
            i = table.schema.get_field_index(name)
            table = table.set_column(i, name, pc.cast(table[name], schema.field(name).type))
        return table.cast(schema)

    def close(self) -> None:
        self._pool.close()

    # ---- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self._conn() as conn:
            return self._version(conn)

    @staticmethod
    def _version(conn: psycopg.Connection) -> int:
        if conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:
            return 0
        return conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]

    def migrate(self) -> int:
        with self._conn() as conn, conn.transaction():
            if conn.execute("SELECT current_schema()").fetchone()[0] is None:
                raise ConfigError(
                    f"the PostgreSQL search_path of {_safe_url(self.url)} names no existing schema; create the "
                    "schema (CREATE SCHEMA …) or fix options=-csearch_path=… in the store URL",
                    f"{_safe_url(self.url)}의 search_path에 있는 스키마가 없습니다. CREATE SCHEMA 로 만들거나 "
                    "저장소 URL의 options=-csearch_path=… 를 고치세요",
                )
            # Two processes starting at once must not both apply the same migration.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.sandan.migrate'))")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                "applied_at timestamptz NOT NULL DEFAULT now())"
            )
            current = self._version(conn)
            for version, sql in MIGRATIONS:
                if version <= current:
                    continue
                conn.execute(sql)
                if version == 1:
                    self._use_timescaledb(conn)
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", [version])
            return self._version(conn)

    @staticmethod
    def _use_timescaledb(conn: psycopg.Connection) -> None:
        """Turn the time-series tables into hypertables when TimescaleDB is available; plain tables otherwise."""
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone()
        if not available:
            return
        try:
            # A savepoint: TimescaleDB listed but not preloaded must not abort the migration.
            with conn.transaction():
                conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
                for table, column in _HYPERTABLES.items():
                    conn.execute(
                        "SELECT create_hypertable(%s, %s, chunk_time_interval => INTERVAL '7 days', "
                        "create_default_indexes => false)",  # the indexes of migration 1 serve the queries
                        [table, column],
                    )
        except psycopg.Error as exc:
            log.warning("TimescaleDB is installed but could not be used (%s); using plain tables", exc)

    # ---- assets ---------------------------------------------------------------------------
    def _upsert(self, table: str, row: dict[str, Any], keys: tuple[str, ...]) -> None:
        cols = list(row)
        updates = (
            ", ".join(f"{c} = excluded.{c}" for c in cols if c not in keys)
            or f"{keys[0]} = excluded.{keys[0]}"
        )
        self._run(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('%s' for _ in cols)}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}",
            list(row.values()),
        )

    def upsert_company(self, company: Company) -> None:
        self._upsert("companies", company.model_dump(mode="json"), ("id",))

    def get_company(self, company_id: str) -> Company | None:
        r = self._one("SELECT id, name, family, region FROM companies WHERE id = %s", [company_id])
        return Company(id=r[0], name=r[1], family=r[2], region=r[3]) if r else None

    def cross_tenant_companies(self) -> list[Company]:
        rows = self._rows("SELECT id, name, family, region FROM companies ORDER BY id")
        return [Company(id=r[0], name=r[1], family=r[2], region=r[3]) for r in rows]

    def cross_tenant_last_records(self) -> dict[str, datetime]:
        # one index probe per company and table (company_id, time / start), and per signal for the readings
        # (their key leads with company, machine and signal), never a scan of the records
        rows = self._rows(
            "SELECT c.id, greatest((SELECT max(time) FROM part_records p WHERE p.company_id = c.id), "
            "(SELECT max(start) FROM machine_events e WHERE e.company_id = c.id), "
            "(SELECT max((SELECT max(time) FROM readings r WHERE r.company_id = s.company_id "
            "AND r.machine_id = s.machine_id AND r.signal = s.name)) FROM signals s WHERE s.company_id = c.id)) "
            "FROM companies c"
        )
        return {r[0]: r[1] for r in rows if r[1] is not None}

    def upsert_site(self, company_id: str, site: Site) -> None:
        self._upsert("sites", claim_record(company_id, site.model_dump(mode="json")), ("company_id", "id"))

    def list_sites(self, company_id: str) -> list[Site]:
        rows = self._rows(
            "SELECT id, company_id, name, timezone FROM sites WHERE company_id = %s ORDER BY id", [company_id]
        )
        return [Site(id=r[0], company_id=r[1], name=r[2], timezone=r[3]) for r in rows]

    def upsert_line(self, company_id: str, line: Line) -> None:
        self._upsert("lines", claim_record(company_id, line.model_dump(mode="json")), ("company_id", "id"))

    def list_lines(self, company_id: str, site_id: str | None = None) -> list[Line]:
        sql = "SELECT id, company_id, site_id, name FROM lines WHERE company_id = %s"
        params: list[Any] = [company_id]
        if site_id is not None:
            sql += " AND site_id = %s"
            params.append(site_id)
        rows = self._rows(sql + " ORDER BY id", params)
        return [Line(id=r[0], company_id=r[1], site_id=r[2], name=r[3]) for r in rows]

    def upsert_machine(self, company_id: str, machine: Machine) -> None:
        self._upsert(
            "machines", claim_record(company_id, machine.model_dump(mode="json")), ("company_id", "id")
        )

    def list_machines(self, company_id: str, line_id: str | None = None) -> list[Machine]:
        sql = (
            "SELECT id, company_id, line_id, name, family, model, ideal_cycle_time_s FROM machines "
            "WHERE company_id = %s"
        )
        params: list[Any] = [company_id]
        if line_id is not None:
            sql += " AND line_id = %s"
            params.append(line_id)
        rows = self._rows(sql + " ORDER BY id", params)
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
        if not signals:
            return
        rows = [claim_record(company_id, s.model_dump(mode="json")) for s in signals]
        cols = list(rows[0])
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in cols if c not in ("company_id", "machine_id", "name")
        )
        # One transaction: a machine's signal list is registered whole or not at all. Signal lists are short.
        with self._conn() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO signals ({', '.join(cols)}) VALUES ({', '.join('%s' for _ in cols)}) "
                f"ON CONFLICT (company_id, machine_id, name) DO UPDATE SET {updates}",
                [list(r.values()) for r in rows],
            )

    def list_signals(self, company_id: str, machine_id: str | None = None) -> list[Signal]:
        sql = (
            "SELECT company_id, machine_id, name, unit, min_value, max_value, description FROM signals "
            "WHERE company_id = %s"
        )
        params: list[Any] = [company_id]
        if machine_id is not None:
            sql += " AND machine_id = %s"
            params.append(machine_id)
        rows = self._rows(sql + " ORDER BY machine_id, name", params)
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
        time_col: str,
        keys: tuple[str, ...],
        check_registered: bool = False,
    ) -> int:
        if batch.num_rows == 0:
            return 0
        batch = batch.select(schema.names).cast(schema)
        rows = batch.add_column(0, "company_id", pgcopy.constant_column(company_id, batch.num_rows))
        cols = ", ".join(f'"{c}"' for c in rows.column_names)
        lo, hi = pc.min_max(batch[time_col]).values()
        with self._conn() as conn, conn.transaction():
            # One writer at a time per company and table (others proceed in parallel): the range check below
            # then stays true until commit, and two batches with shared keys cannot deadlock on each other.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", [table, company_id])
            if check_registered:
                # after the lock, which a machine's deletion and a company's erasure take too
                require_registered(self._registered(conn, company_id), company_id, batch)
            # `keys` lead the natural-key index before the time column, so this probe is a few index range scans.
            params: list[Any] = [company_id, lo.as_py(), hi.as_py()]
            sql = f'SELECT EXISTS (SELECT 1 FROM {table} WHERE company_id = %s AND "{time_col}" BETWEEN %s AND %s'
            for key in keys:
                sql += f' AND "{key}" = ANY(%s)'
                params.append(pc.unique(batch[key]).to_pylist())
            stored = conn.execute(sql + ")", params).fetchone()[0]
            if not stored:
                # Append-only fast path: nothing stored in this batch's time range, so nothing can collide.
                self._copy_in(conn, f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)", rows)
                if table == "part_records":
                    self._count_up(conn, company_id, batch)
                return batch.num_rows
            conn.execute(f"CREATE TEMPORARY TABLE _incoming (LIKE {table}) ON COMMIT DROP")
            self._copy_in(conn, f"COPY _incoming ({cols}) FROM STDIN (FORMAT BINARY)", rows)
            if table != "part_records":
                return conn.execute(
                    f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming ON CONFLICT DO NOTHING"
                ).rowcount
            # Only the records actually inserted count in the rollup.
            return conn.execute(
                f"WITH ins AS (INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming ON CONFLICT DO NOTHING "
                "RETURNING machine_id, product, time, result), "
                f"counted AS ({_COUNT_UP.format(source='ins')} RETURNING 1) "
                "SELECT count(*) FROM ins",
                [company_id],
            ).fetchone()[0]

    @staticmethod
    def _count_up(conn: psycopg.Connection, company_id: str, batch: pa.Table) -> None:
        """Fold a batch of newly inserted part records into the hourly part-count rollup (same transaction)."""
        hour_us = PART_ROLLUP_S * 1_000_000
        us = pc.cast(batch["time"], pa.int64()).to_numpy(zero_copy_only=False)
        counts = (
            pa.table(
                {
                    "machine_id": batch["machine_id"],
                    "product": pc.fill_null(batch["product"], ""),
                    "hour": us // hour_us,  # floor division, as date_bin buckets
                    "ok": pc.cast(pc.equal(batch["result"], "ok"), pa.int64()),
                }
            )
            .group_by(["machine_id", "product", "hour"], use_threads=False)
            .aggregate([("ok", "count", pc.CountOptions(mode="all")), ("ok", "sum")])
        )
        rows = pa.table(
            {
                "machine_id": counts["machine_id"],
                "product": counts["product"],
                "bucket": pc.cast(pc.multiply(counts["hour"], hour_us), pa.timestamp("us", tz="UTC")),
                "n": counts["ok_count"],
                "n_ok": pc.fill_null(counts["ok_sum"], 0),
            }
        )
        conn.execute(
            "CREATE TEMPORARY TABLE _counts (machine_id text, product text, bucket timestamptz, n bigint, "
            "n_ok bigint) ON COMMIT DROP"
        )
        PostgresStore._copy_in(conn, "COPY _counts FROM STDIN (FORMAT BINARY)", rows)
        conn.execute(
            "INSERT INTO part_counts_1h SELECT %s, machine_id, product, bucket, n, n_ok FROM _counts "
            "ON CONFLICT (company_id, machine_id, product, bucket) DO UPDATE SET "
            "n = part_counts_1h.n + excluded.n, n_ok = part_counts_1h.n_ok + excluded.n_ok",
            [company_id],
        )

    @staticmethod
    def _copy_in(conn: psycopg.Connection, statement: str, rows: pa.Table) -> None:
        with conn.cursor() as cur, cur.copy(statement) as copy:
            for piece in pgcopy.stream(rows):
                copy.write(piece)

    def append_readings(self, company_id: str, batch: pa.Table, *, check_registered: bool = False) -> int:
        keys = ("machine_id", "signal")
        return self._append(company_id, batch, "readings", READING_SCHEMA, "time", keys, check_registered)

    def append_parts(self, company_id: str, batch: pa.Table, *, check_registered: bool = False) -> int:
        keys = ("machine_id",)
        return self._append(company_id, batch, "part_records", PART_SCHEMA, "time", keys, check_registered)

    def append_events(self, company_id: str, batch: pa.Table, *, check_registered: bool = False) -> int:
        keys = ("machine_id",)
        return self._append(
            company_id, batch, "machine_events", EVENT_SCHEMA, "start", keys, check_registered
        )

    @staticmethod
    def _registered(conn: Any, company_id: str) -> tuple[bool, list[str]]:
        """Whether the company is registered and its machines' ids, read in a write's transaction."""
        exists, ids = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM companies WHERE id = %s), "
            "coalesce((SELECT array_agg(id) FROM machines WHERE company_id = %s), '{}')",
            [company_id, company_id],
        ).fetchone()
        return bool(exists), list(ids)

    @staticmethod
    def _lock_writes(conn: Any, company_id: str, tables: tuple[str, ...]) -> None:
        """Take the company's write locks of `tables` (record tables, "quarantine") in one order, as appends and
        quarantine writes take theirs one at a time: none of them writes until this transaction ends."""
        for table in sorted(tables):
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", [table, company_id])

    def query_readings(self, company_id, start, end, machine_ids=None, signals=None, limit=None) -> pa.Table:
        params: list[Any] = [company_id, start, end]
        sql = (
            f"SELECT {_time_sql('time')}, machine_id, signal, value FROM readings "
            "WHERE company_id = %s AND time >= %s AND time < %s"
        )
        sql += _in_list("machine_id", machine_ids, params) + _in_list("signal", signals, params)
        sql += " ORDER BY time, machine_id, signal"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._arrow(sql, params, READING_SCHEMA, ("time",))

    def aggregate_readings(
        self, company_id, start, end, bucket_s, machine_ids=None, signals=None
    ) -> pa.Table:
        bucket_s = bucket_seconds(bucket_s)
        params: list[Any] = [bucket_s, company_id, start, end]
        bucket = "date_bin(make_interval(secs => %s), time, TIMESTAMPTZ '1970-01-01 00:00:00+00')"
        sql = (
            f"SELECT {_EPOCH_US.format(bucket)} AS bucket, machine_id, signal, avg(value), min(value), "
            "max(value), count(*) FROM readings WHERE company_id = %s AND time >= %s AND time < %s"
        )
        sql += _in_list("machine_id", machine_ids, params) + _in_list("signal", signals, params)
        sql += " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        return self._arrow(sql, params, AGGREGATE_SCHEMA, ("bucket",))

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
        cols = ", ".join(_time_sql(c) if c == "time" else f'"{c}"' for c in schema.names)
        sql = f"SELECT {cols} FROM part_records WHERE company_id = %s AND time >= %s AND time < %s"
        sql += _in_list("machine_id", machine_ids, params)
        if result is not None:
            sql += " AND result = %s"
            params.append(result)
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
        return self._arrow(sql, params, schema, tuple(c for c in ("time",) if c in schema.names))

    def count_parts(
        self, company_id, start, end, bucket_s=PART_ROLLUP_S, machine_ids=None, ordered=True
    ) -> pa.Table:
        bucket_s = bucket_seconds(bucket_s)
        hour_us = PART_ROLLUP_S * 1_000_000
        start_us = (start - _EPOCH) // timedelta(microseconds=1)
        end_us = (end - _EPOCH) // timedelta(microseconds=1)
        whole_from = _EPOCH + timedelta(microseconds=-(-start_us // hour_us) * hour_us)
        whole_to = _EPOCH + timedelta(microseconds=end_us // hour_us * hour_us)
        filters: list[Any] = []
        where = _in_list("machine_id", machine_ids, filters)
        raw = (
            "SELECT time AS t, machine_id, coalesce(product, '') COLLATE \"C\" AS product, 1 AS n, "
            "(result = 'ok')::int::int8 AS n_ok "
            "FROM part_records WHERE company_id = %s"
        )
        if bucket_s % PART_ROLLUP_S == 0 and whole_from < whole_to:
            # Whole hours come from the rollup; the partial hours at either edge from the records.
            source = (
                "SELECT bucket AS t, machine_id, product, n, n_ok FROM part_counts_1h "
                f"WHERE company_id = %s AND bucket >= %s AND bucket < %s{where} "
                f"UNION ALL {raw} AND ((time >= %s AND time < %s) OR (time >= %s AND time < %s)){where}"
            )
            params = [
                company_id,
                whole_from,
                whole_to,
                *filters,
                company_id,
                start,
                whole_from,
                whole_to,
                end,
            ]
            params += filters
        else:
            source = f"{raw} AND time >= %s AND time < %s{where}"
            params = [company_id, start, end, *filters]
        bucket = "greatest(date_bin(make_interval(secs => %s), t, TIMESTAMPTZ '1970-01-01 00:00:00+00'), %s)"
        sql = (
            f"SELECT {_EPOCH_US.format(bucket)}, machine_id, nullif(product, ''), sum(n)::int8, sum(n_ok)::int8 "
            f"FROM ({source}) c GROUP BY 1, 2, 3{' ORDER BY 1, 2, 3 NULLS FIRST' if ordered else ''}"
        )
        return self._arrow(sql, [bucket_s, start, *params], PART_COUNT_SCHEMA, ("time",))

    def query_events(self, company_id, start, end, machine_ids=None, ordered=True) -> pa.Table:
        params: list[Any] = [company_id, end, start, start]
        cols = ", ".join(_time_sql(c) if c in ("start", "end") else f'"{c}"' for c in EVENT_SCHEMA.names)
        # Overlap with [start, end): begins before the window ends, and begins inside it, is still open, or
        # ends after the window begins.
        sql = (
            f"SELECT {cols} FROM machine_events WHERE company_id = %s AND start < %s "
            'AND (start >= %s OR "end" IS NULL OR "end" > %s)'
        )
        sql += _in_list("machine_id", machine_ids, params) + (
            " ORDER BY start, machine_id" if ordered else ""
        )
        return self._arrow(sql, params, EVENT_SCHEMA, ("start", "end"))

    def set_event_reason(self, company_id, machine_id, start, reason_code, user_id, note=None):
        key = [company_id, machine_id, start]
        where = "WHERE company_id = %s AND machine_id = %s AND start = %s"
        with self._conn() as conn, conn.transaction():
            # FOR UPDATE: two labels of one event at once are applied one after the other, each audited with
            # the reason it replaced.
            found = conn.execute(f"SELECT reason_code FROM machine_events {where} FOR UPDATE", key).fetchone()
            if found is None:
                return None
            conn.execute(
                "UPDATE machine_events SET reason_code = %s, note = coalesce(%s, note), labelled_by = %s, "
                f"labelled_at = %s {where}",
                [reason_code, note, user_id, datetime.now(UTC), *key],
            )
            target, detail = event_label_audit(machine_id, start, found[0], reason_code)
            conn.execute(
                "INSERT INTO audit_log (company_id, user_id, action, target, detail) VALUES (%s, %s, %s, %s, %s)",
                [company_id, user_id, EVENT_LABEL_ACTION, target, detail],
            )
            row = conn.execute(f"SELECT {EVENT_LABEL_COLUMNS} FROM machine_events {where}", key).fetchone()
        return labelled_event(row)

    def count_rows(self, company_id: str, table: str, machine_id: str | None = None) -> int:
        if table not in _ROW_TABLES:
            raise ValueError(f"unknown table {table!r}")
        sql, params = f"SELECT count(*) FROM {table} WHERE company_id = %s", [company_id]
        if machine_id is not None:
            sql, params = sql + " AND machine_id = %s", [*params, machine_id]
        return self._one(sql, params)[0]

    def delete_asset(self, company_id: str, kind: str, asset_id: str) -> bool:
        table = _ASSET_TABLES[kind]
        with self._conn() as conn, conn.transaction():
            if kind == "machine":
                # counted under the appends' locks: no batch lands on it between this count and the delete
                self._lock_writes(conn, company_id, MACHINE_RECORD_TABLES)
                held = {
                    t: conn.execute(
                        f"SELECT count(*) FROM {t} WHERE company_id = %s AND machine_id = %s",
                        [company_id, asset_id],
                    ).fetchone()[0]
                    for t in MACHINE_RECORD_TABLES
                }
                if any(held.values()):
                    raise AssetHeld(held)
            gone = conn.execute(
                f"DELETE FROM {table} WHERE company_id = %s AND id = %s", [company_id, asset_id]
            ).rowcount
            if kind == "machine":
                conn.execute(
                    "DELETE FROM signals WHERE company_id = %s AND machine_id = %s", [company_id, asset_id]
                )
        return bool(gone)

    def first_event_starts(self, company_id: str, machine_ids: list[str]) -> dict[str, datetime]:
        if not machine_ids:
            return {}
        params: list[Any] = [company_id]
        sql = "SELECT machine_id, min(start) FROM machine_events WHERE company_id = %s"
        sql += _in_list("machine_id", machine_ids, params) + " GROUP BY machine_id"
        return dict(self._rows(sql, params))

    def record_span(self, company_id: str, table: str) -> tuple[datetime, datetime] | None:
        if table not in _ROW_TABLES | {"predictions"}:
            raise ValueError(f"unknown table {table!r}")
        column = "start" if table == "machine_events" else "time"
        row = self._one(
            f"SELECT min({column}), max({column}) FROM {table} WHERE company_id = %s", [company_id]
        )
        return None if row is None or row[0] is None else (row[0], row[1])

    # ---- quarantine -----------------------------------------------------------------------
    def add_quarantine(
        self, company_id: str, items: list[QuarantineItem], *, check_registered: bool = False
    ) -> int:
        if not items:
            return 0
        rows = quarantine_table(items)
        cols = ", ".join(rows.column_names)
        with self._conn() as conn, conn.transaction():
            # one writer per company here, so two imports of the same file cannot both find the items new
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('quarantine'), hashtext(%s))", [company_id])
            if check_registered:
                require_registered(self._registered(conn, company_id), company_id, None)
            conn.execute(
                f"CREATE TEMPORARY TABLE _q ON COMMIT DROP AS SELECT {cols} FROM quarantine WITH NO DATA"
            )
            self._copy_in(conn, f"COPY _q ({cols}) FROM STDIN (FORMAT BINARY)", rows)
            conn.execute(QUARANTINE_REPEAT.format(mark="%s"), [datetime.now(UTC), company_id])
            return conn.execute(
                QUARANTINE_NEW.format(cols=cols, mark="%s"), [company_id, company_id]
            ).rowcount

    def list_quarantine(
        self, company_id, status="open", limit=100, offset=0, *, reason_code=None, batch_id=None
    ):
        where, params = quarantine_where("%s", company_id, status, reason_code, batch_id)
        sql = f"SELECT {QUARANTINE_COLUMNS} FROM quarantine{where} ORDER BY id DESC LIMIT {int(limit)} OFFSET {int(offset)}"
        return quarantine_rows(self._rows(sql, params))

    def get_quarantine(self, company_id, item_id):
        rows = self._rows(
            f"SELECT {QUARANTINE_COLUMNS} FROM quarantine WHERE company_id = %s AND id = %s",
            [company_id, item_id],
        )
        return quarantine_rows(rows)[0] if rows else None

    def set_quarantine_status(self, company_id, item_id, status, user_id, stored=None):
        self._run(
            "UPDATE quarantine SET status = %s, resolved_by = %s, resolved_at = %s, stored = %s "
            "WHERE company_id = %s AND id = %s",
            [status, user_id, datetime.now(UTC), stored, company_id, item_id],
        )

    def discard_open_quarantine(self, company_id, user_id, *, reason_code=None, batch_id=None):
        where, params = quarantine_where("%s", company_id, "open", reason_code, batch_id)
        return self._run(
            f"UPDATE quarantine SET status = 'discarded', resolved_by = %s, resolved_at = %s{where}",
            [user_id, datetime.now(UTC), *params],
        )

    def count_quarantine(self, company_id, status="open", *, reason_code=None, batch_id=None):
        where, params = quarantine_where("%s", company_id, status, reason_code, batch_id)
        return self._one(f"SELECT count(*) FROM quarantine{where}", params)[0]

    def quarantine_reasons(self, company_id, status="open"):
        where, params = quarantine_where("%s", company_id, status)
        sql = (
            "SELECT reason_code, (array_agg(reason_en ORDER BY id DESC))[1], (array_agg(reason_ko ORDER BY id DESC))[1], "
            f"count(*) AS n FROM quarantine{where} GROUP BY reason_code ORDER BY n DESC, reason_code"
        )
        return [
            dict(zip(("reason_code", "reason_en", "reason_ko", "n"), r, strict=True))
            for r in self._rows(sql, params)
        ]

    # ---- accounts -------------------------------------------------------------------------
    def add_user(self, user: User, password_hash: str) -> None:
        # "HVIEW" beside "hview" too: a second account that its user could not tell from the first
        same = self._rows("SELECT id FROM users WHERE lower(id) = lower(%s)", [user.id])
        if same:
            raise user_exists(user.id, same[0][0])
        try:
            self._run(
                f"INSERT INTO users ({USER_INSERT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                user_row(user, password_hash),
            )
        except pgerrors.UniqueViolation as exc:
            raise Conflict(
                f"user {user.id!r} already exists", f"사용자 {user.id!r}이(가) 이미 있습니다"
            ) from exc

    def set_password_hash(self, user_id: str, password_hash: str, *, must_change: bool | None = None) -> None:
        self._run(
            "UPDATE users SET password_hash = %s, must_change_password = coalesce(%s, must_change_password) "
            "WHERE id = %s",
            [password_hash, must_change, user_id],
        )

    def set_user_role(self, company_id: str | None, user_id: str, role: Role) -> None:
        self._run(
            "UPDATE users SET role = %s WHERE company_id IS NOT DISTINCT FROM %s AND id = %s",
            [role.value, company_id, user_id],
        )

    def set_user_active(self, company_id: str | None, user_id: str, active: bool) -> None:
        self._run(
            "UPDATE users SET active = %s WHERE company_id IS NOT DISTINCT FROM %s AND id = %s",
            [active, company_id, user_id],
        )

    @staticmethod
    def _user(r: tuple) -> User:
        return user_from_row(r)

    def user_for_login(self, user_id: str):
        r = self._one(f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE id = %s", [user_id])
        return (self._user(r), r[-1]) if r else None

    def list_users(self, company_id: str) -> list[User]:
        rows = self._rows(f"SELECT {USER_COLUMNS} FROM users WHERE company_id = %s ORDER BY id", [company_id])
        return [self._user(r) for r in rows]

    def cross_tenant_users(self, role: str | None = None) -> list[User]:
        where, params = (" WHERE role = %s", [role]) if role else ("", [])
        sql = f"SELECT {USER_COLUMNS} FROM users{where} ORDER BY company_id NULLS FIRST, id"
        return [self._user(r) for r in self._rows(sql, params)]

    def add_token(self, token_id, user_id, token_hash, kind, name, expires_at) -> None:
        self._run(
            "INSERT INTO api_tokens (id, user_id, token_hash, kind, name, expires_at) VALUES (%s, %s, %s, %s, %s, %s)",
            [token_id, user_id, token_hash, kind, name, expires_at],
        )

    def token_for_hash(self, token_hash: str) -> TokenRecord | None:
        r = self._one(
            f"SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = %s",
            [token_hash],
        )
        return TokenRecord(*r) if r else None

    def touch_token(self, token_id: str, at: datetime) -> None:
        self._run("UPDATE api_tokens SET last_used_at = %s WHERE id = %s", [at, token_id])

    def revoke_token(self, token_id: str) -> None:
        self._run("UPDATE api_tokens SET revoked = true WHERE id = %s", [token_id])

    def put_edge_status(self, company_id: str, agent: str, reported_at: datetime, health: str) -> None:
        self._run(
            "INSERT INTO edge_status VALUES (%s, %s, %s, %s) ON CONFLICT (company_id, agent) DO UPDATE SET "
            "reported_at = excluded.reported_at, health = excluded.health",
            [company_id, agent, reported_at, health],
        )

    def list_edge_status(self, company_id: str) -> list[tuple[str, datetime, str]]:
        return [
            tuple(r)
            for r in self._rows(
                "SELECT agent, reported_at, health FROM edge_status WHERE company_id = %s ORDER BY agent",
                [company_id],
            )
        ]

    def export_database(self, folder: Path) -> dict[str, int]:
        # The archive holds the same export as a DuckDB instance's: every table copied from one snapshot into a
        # scratch DuckDB file, exported from there, so it restores into either store.
        from sandan.store.duck import DuckDBStore
        from sandan.store.transfer import postgres_to_duckdb

        with tempfile.TemporaryDirectory(prefix="sandan-export-") as tmp:
            scratch = Path(tmp) / "sandan.duckdb"
            postgres_to_duckdb(self, scratch)
            with DuckDBStore(f"duckdb:///{scratch}") as copy:
                return copy.export_database(folder)

    def add_edge_events(self, company_id: str, agent: str, events: list[EdgeEvent], keep: int) -> None:
        with self._conn() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO edge_events VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [[company_id, agent, *e] for e in events],
            )
            cur.execute(EDGE_EVENTS_PRUNE, [company_id, agent, company_id, agent, keep])

    def list_edge_events(self, company_id: str, agent: str | None = None, limit: int = 100) -> list[tuple]:
        return [tuple(r) for r in self._rows(EDGE_EVENTS_LIST, [company_id, agent, agent, limit])]

    def list_tokens(self, user_id: str, kind: str = "api") -> list[TokenRecord]:
        rows = self._rows(
            f"SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = %s AND kind = %s AND NOT revoked "
            "ORDER BY created_at DESC, id",
            [user_id, kind],
        )
        return [TokenRecord(*r) for r in rows]

    def revoke_user_tokens(self, user_id: str, keep: str | None = None) -> None:
        self._run(
            "UPDATE api_tokens SET revoked = true WHERE user_id = %s AND id IS DISTINCT FROM %s",
            [user_id, keep],
        )

    def add_audit(self, company_id, user_id, action, target, detail) -> None:
        self._run(
            "INSERT INTO audit_log (company_id, user_id, action, target, detail) VALUES (%s, %s, %s, %s, %s)",
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
        where, params = audit_where(company_id, only, leave_out, "%s")
        rows = self._rows(
            f"SELECT id, time, user_id, action, target, detail FROM audit_log WHERE {where} "
            f"ORDER BY id DESC LIMIT {int(limit)}",
            params,
        )
        return [
            dict(zip(("id", "time", "user_id", "action", "target", "detail"), r, strict=True)) for r in rows
        ]

    # ---- model registry, predictions and the shared catalogue -----------------------------------------
    def next_model_version(self, company_id: str, name: str) -> int:
        return self._one(
            "SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE company_id = %s AND name = %s",
            [company_id, name],
        )[0]

    def add_model_version(self, company_id: str, model: ModelVersion) -> None:
        try:
            self._run(
                f"INSERT INTO model_versions (company_id, {MODEL_COLUMNS}) VALUES ({', '.join(['%s'] * 15)})",
                model_to_row(company_id, model),
            )
        except pgerrors.UniqueViolation as exc:
            raise Conflict(
                f"model {model.name!r} version {model.version} is already registered",
                f"모델 {model.name!r} 버전 {model.version}은(는) 이미 등록되어 있습니다",
                code="model_version_exists",
            ) from exc

    def list_model_versions(self, company_id: str, name: str | None = None) -> list[ModelVersion]:
        sql, params = f"SELECT {MODEL_COLUMNS} FROM model_versions WHERE company_id = %s", [company_id]
        if name is not None:
            sql += " AND name = %s"
            params.append(name)
        return [model_from_row(r) for r in self._rows(sql + " ORDER BY name, version DESC", params)]

    def get_model_version(self, company_id: str, name: str, version: int) -> ModelVersion | None:
        r = self._one(
            f"SELECT {MODEL_COLUMNS} FROM model_versions WHERE company_id = %s AND name = %s AND version = %s",
            [company_id, name, int(version)],
        )
        return model_from_row(r) if r else None

    def set_model_stage(self, company_id: str, name: str, version: int, stage: str) -> None:
        check_stage(stage)
        now = datetime.now(UTC)
        with self._conn() as conn, conn.transaction():
            if stage == "production":
                conn.execute(
                    "UPDATE model_versions SET stage = 'retired', stage_changed_at = %s WHERE company_id = %s "
                    "AND name = %s AND stage = 'production' AND version <> %s",
                    [now, company_id, name, int(version)],
                )
            conn.execute(
                "UPDATE model_versions SET stage = %s, stage_changed_at = %s WHERE company_id = %s AND name = %s "
                "AND version = %s",
                [stage, now, company_id, name, int(version)],
            )

    def append_predictions(self, company_id: str, batch: pa.Table) -> int:
        return self._append(
            company_id,
            batch,
            "predictions",
            PREDICTION_SCHEMA,
            "time",
            ("model_name", "model_version", "machine_id"),
        )

    def query_predictions(
        self, company_id, start, end, machine_ids=None, model_name=None, limit=None
    ) -> pa.Table:
        params: list[Any] = [company_id, start, end]
        cols = ", ".join(_time_sql(c) if c == "time" else f'"{c}"' for c in PREDICTION_SCHEMA.names)
        sql = f"SELECT {cols} FROM predictions WHERE company_id = %s AND time >= %s AND time < %s"
        sql += _in_list("machine_id", machine_ids, params)
        if model_name is not None:
            sql += " AND model_name = %s"
            params.append(model_name)
        sql += " ORDER BY time, machine_id, part_id, model_name, model_version"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._arrow(sql, params, PREDICTION_SCHEMA, ("time",))

    def add_catalogue_entry(self, company_id, entry: CatalogueEntry, *, publisher_named, published_by) -> int:
        return self._one(
            f"INSERT INTO catalogue_entries ({CATALOGUE_INSERT_COLUMNS}) VALUES ({', '.join(['%s'] * 11)}) "
            "RETURNING id",
            catalogue_entry_row(company_id, entry, publisher_named, published_by),
        )[0]

    def cross_tenant_catalogue(self, family: str, viewer_company_id: str) -> list[CatalogueEntry]:
        rows = self._rows(
            f"SELECT {CATALOGUE_COLUMNS}, (SELECT count(*) FROM catalogue_scores s WHERE s.entry_id = e.id) "
            "FROM catalogue_entries e WHERE family = %s ORDER BY id DESC",
            [family],
        )
        return [catalogue_from_row(r[:-1], viewer_company_id, r[-1]) for r in rows]

    def withdraw_catalogue_entry(self, entry_id: int, at: datetime, reason: str) -> str | None:
        r = self._one(
            "UPDATE catalogue_entries SET withdrawn_at = %s, withdrawn_reason = %s WHERE id = %s "
            "RETURNING publisher_company_id",
            [at, reason, int(entry_id)],
        )
        return r[0] if r else None

    def erase_company(self, company_id: str, at: datetime, withdrawn_reason: str) -> dict[str, int]:
        with self._conn() as conn, conn.transaction():
            # a batch on its way waits, then finds the company gone, rather than writing after the erasure
            self._lock_writes(conn, company_id, (*MACHINE_RECORD_TABLES, "quarantine"))
            present = {r[0] for r in conn.execute(COMPANY_TABLES_SQL).fetchall()}
            tables = [t for t in COMPANY_TABLES if t in present]
            counts = {
                "catalogue_entries": conn.execute(
                    ERASE_WITHDRAW_SQL.format(m="%s"), [at, withdrawn_reason, company_id]
                ).rowcount,
                "api_tokens": conn.execute(ERASE_TOKENS_SQL.format(m="%s"), [company_id]).rowcount,
            }
            for table in tables:
                counts[table] = conn.execute(
                    f'DELETE FROM "{table}" WHERE company_id = %s', [company_id]
                ).rowcount
            counts["companies"] = conn.execute("DELETE FROM companies WHERE id = %s", [company_id]).rowcount
        return counts

    def cross_tenant_catalogue_family(self, entry_id: int) -> str | None:
        r = self._one("SELECT family FROM catalogue_entries WHERE id = %s", [int(entry_id)])
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
        sql = "SELECT entry_id, metrics, n_rows, action, evaluated_at FROM catalogue_scores WHERE company_id = %s"
        params: list[Any] = [company_id]
        if entry_id is not None:
            sql += " AND entry_id = %s"
            params.append(int(entry_id))
        rows = self._rows(sql + " ORDER BY evaluated_at DESC, entry_id", params)
        return [CatalogueScore(int(r[0]), json.loads(r[1]), int(r[2]), r[3], r[4]) for r in rows]
