"""Ingestion benchmark: validated `ingest_readings` against a raw bulk insert of the same rows, and API read latency.

Prints (a) DuckDB file store vs raw DuckDB Arrow insert, (b) PostgreSQL store vs raw binary COPY, (c) p95 of the API's
1-minute averages over the last hour; ratios and absolute figures. It writes only to temporary files and a fresh schema.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from sandan.collect.ingest import Origin, ingest_readings
from sandan.domain import Company, Line, Machine, Signal, Site
from sandan.store import Store, open_store

COMPANY = "bench"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
GOAL_RATIO = 0.7
GOAL_P95_MS = 50.0


def make_readings(rows: int, machines: int, signals: int) -> pa.Table:
    """`rows` readings at 1 s, ordered by time as a connector delivers them, ending one second ago."""
    per_step = machines * signals
    steps = max(rows // per_step, 1)
    now = int(datetime.now(UTC).timestamp()) * 1_000_000
    times = np.repeat(now - (steps - np.arange(steps)) * 1_000_000, per_step)
    machine_names = pa.array([f"M{m:03d}" for m in range(machines)], pa.string())
    signal_names = pa.array([f"s{k}" for k in range(signals)], pa.string())
    m_idx = np.tile(np.repeat(np.arange(machines), signals), steps)
    s_idx = np.tile(np.arange(signals), machines * steps)
    values = np.random.default_rng(7).normal(50, 10, len(times))
    return pa.table(
        {
            "time": pa.array(times, pa.timestamp("us", tz="UTC")),
            "machine_id": machine_names.take(pa.array(m_idx)),
            "signal": signal_names.take(pa.array(s_idx)),
            "value": values,
        }
    )


def prepare(store: Store, machines: int, signals: int) -> None:
    store.upsert_company(Company(id=COMPANY, name="벤치마크"))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="1공장"))
    store.upsert_line(COMPANY, Line(id="l1", company_id=COMPANY, site_id="s1", name="라인"))
    for m in range(machines):
        store.upsert_machine(
            COMPANY, Machine(id=f"M{m:03d}", company_id=COMPANY, line_id="l1", name=f"M{m:03d}")
        )
    # Ranges on every signal, so the range check does its full work.
    store.upsert_signals(
        COMPANY,
        [
            Signal(
                company_id=COMPANY,
                machine_id=f"M{m:03d}",
                name=f"s{k}",
                unit="",
                min_value=-1e6,
                max_value=1e6,
            )
            for m in range(machines)
            for k in range(signals)
        ],
    )


def batches(table: pa.Table, size: int):
    for start in range(0, table.num_rows, size):
        yield table.slice(start, size)


def alternate(table: pa.Table, batch: int, raw_insert, store: Store) -> tuple[float, float, float, float]:
    """Wall and CPU seconds (this process, all threads) of the raw insert and of `ingest_readings`, batch by batch
    in turn.

    Alternating puts both under the same load (this box is shared), so their ratio is fair even when the
    absolute figures drift.
    """
    raw_s = ingest_s = raw_cpu = ingest_cpu = 0.0
    for i, piece in enumerate(batches(table, batch)):
        t0, c0 = time.perf_counter(), time.process_time()
        raw_insert(piece)
        t1, c1 = time.perf_counter(), time.process_time()
        receipt = ingest_readings(store, COMPANY, piece, Origin(source="bench", first_row=i * batch))
        t2, c2 = time.perf_counter(), time.process_time()
        if receipt.accepted != piece.num_rows:
            sys.exit(f"ingest rejected rows: {receipt.to_dict()['reasons']}")
        raw_s, ingest_s = raw_s + t1 - t0, ingest_s + t2 - t1
        raw_cpu, ingest_cpu = raw_cpu + c1 - c0, ingest_cpu + c2 - c1
    return raw_s, ingest_s, raw_cpu, ingest_cpu


def line(label: str, rows: int, seconds: float) -> str:
    return f"  {label:<34} {seconds:8.2f} s  {rows / seconds / 1e6:6.2f} M readings/s  {seconds / rows * 1e6:6.3f} s per 1 M"


def bench_duckdb(table: pa.Table, args, folder: Path) -> Store:
    import duckdb

    print(f"(a) DuckDB file, {table.num_rows:,} readings in batches of {args.batch:,}", flush=True)
    raw = duckdb.connect(str(folder / "raw.duckdb"))
    raw.execute(
        "CREATE TABLE readings (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL, signal VARCHAR NOT NULL, "
        "time TIMESTAMPTZ NOT NULL, value DOUBLE NOT NULL)"
    )
    store = open_store(f"duckdb:///{folder / 'sandan.duckdb'}")
    prepare(store, args.machines, args.signals)

    def raw_insert(piece: pa.Table) -> None:
        raw.register("_b", piece)
        raw.execute(f"INSERT INTO readings SELECT '{COMPANY}', machine_id, signal, time, value FROM _b")
        raw.unregister("_b")

    timings = alternate(table, args.batch, raw_insert, store)
    raw.close()
    assert store.count_rows(COMPANY, "readings") == table.num_rows
    report(table.num_rows, *timings, "raw DuckDB Arrow insert")
    return store


def report(
    rows: int, raw_s: float, ingest_s: float, raw_cpu: float, ingest_cpu: float, raw_label: str
) -> None:
    print(line(raw_label, rows, raw_s) + f"   cpu {raw_cpu / rows * 1e6:.3f} s per 1 M")
    print(line("ingest_readings → store", rows, ingest_s) + f"   cpu {ingest_cpu / rows * 1e6:.3f} s per 1 M")
    ratio = raw_s / ingest_s
    added = (ingest_s - raw_s) / rows * 1e6
    verdict = "meets" if ratio >= GOAL_RATIO else "MISSES"
    print(
        f"  ratio ingest/raw readings/s = {ratio:.2f} ({verdict} goal ≥ {GOAL_RATIO}); added {added:+.3f} s per 1 M",
        flush=True,
    )


def bench_postgres(table: pa.Table, args) -> None:
    import psycopg

    from sandan.store import pgcopy

    print(f"(b) PostgreSQL, {table.num_rows:,} readings in batches of {args.batch:,}", flush=True)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.pg, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in args.pg else "?"
    url = f"{args.pg}{sep}options=-csearch_path%3D{schema}"
    try:
        store = open_store(url)
        prepare(store, args.machines, args.signals)
        with psycopg.connect(url, autocommit=True) as con:
            # Same shape as the store's table: columns, keys and indexes.
            con.execute("CREATE TABLE raw_readings (LIKE readings INCLUDING ALL)")
            cols = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = "
                    "'raw_readings' ORDER BY ordinal_position",
                    [schema],
                ).fetchall()
            ]

            def raw_insert(piece: pa.Table) -> None:
                rows = piece.add_column(0, "company_id", pgcopy.constant_column(COMPANY, piece.num_rows))
                rows = rows.select([c for c in cols if c in rows.column_names])
                names = ", ".join(f'"{c}"' for c in rows.column_names)
                statement = f"COPY raw_readings ({names}) FROM STDIN (FORMAT BINARY)"
                with con.transaction(), con.cursor() as cur, cur.copy(statement) as copy:
                    for chunk in pgcopy.stream(rows):
                        copy.write(chunk)

            timings = alternate(table, args.batch, raw_insert, store)
        assert store.count_rows(COMPANY, "readings") == table.num_rows
        report(table.num_rows, *timings, "raw binary COPY (NumPy-encoded)")
        store.close()
    finally:
        with psycopg.connect(args.pg, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


def bench_api(store: Store, args, folder: Path) -> None:
    import httpx
    import uvicorn

    from sandan.accounts import create_user, issue_token
    from sandan.api.app import create_app
    from sandan.settings import load_settings

    print(
        f"(c) API p95, per-machine 1-minute averages over the last hour, {args.machines} machines", flush=True
    )
    user = create_user(store, "bench-user", "bench-password", "engineer", COMPANY)
    token = issue_token(store, user, name="benchmark")
    app = create_app(settings=load_settings(data_dir=folder / "data"), store=store)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        end = datetime.now(UTC).replace(microsecond=0)
        window = {"start": (end - timedelta(hours=1)).isoformat(), "end": end.isoformat(), "bucket_s": 60}
        url = f"http://127.0.0.1:{port}/api/v1/companies/{COMPANY}/readings/aggregate"
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for label, extra in (("one signal (s0)", {"signal": "s0"}), (f"all {args.signals} signals", {})):
                params = {**window, **extra}
                t0 = time.perf_counter()
                first = client.get(url, params=params)
                first.raise_for_status()
                if extra:  # the first request of the run
                    # DuckDB brings its minute rollup up to date on the first read after new data: this read pays
                    # for every reading ingested above (work kept out of the ingestion path, not avoided).
                    first_ms = (time.perf_counter() - t0) * 1000
                    print(
                        f"  first read after the ingest (rolls all readings up into minutes): {first_ms:.0f} ms"
                    )
                body = first.json()
                for _ in range(3):
                    client.get(url, params=params)
                took = []
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    client.get(url, params=params).raise_for_status()
                    took.append((time.perf_counter() - t0) * 1000)
                p50, p95 = np.percentile(took, [50, 95])
                verdict = "meets" if p95 <= GOAL_P95_MS else "MISSES"
                print(
                    f"  {label:<18} {body['rows']:6,} rows  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms "
                    f"({verdict} goal ≤ {GOAL_P95_MS:g} ms, {args.requests} requests)",
                    flush=True,
                )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="readings in total (default 5,000,000)")
    parser.add_argument("--machines", type=int, default=100)
    parser.add_argument("--signals", type=int, default=5, help="signals per machine (default 5)")
    parser.add_argument(
        "--batch", type=int, default=500_000, help="readings per ingest call (default 500,000)"
    )
    parser.add_argument("--requests", type=int, default=100, help="API requests for the p95 (default 100)")
    parser.add_argument("--pg", default=PG_URL, help=f"PostgreSQL URL (default {PG_URL})")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: duckdb, postgres, api")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))

    table = make_readings(args.rows, args.machines, args.signals)
    span = (table["time"][-1].value - table["time"][0].value) / 3.6e9
    print(
        f"{table.num_rows:,} readings, {args.machines} machines × {args.signals} signals, {span:.2f} h at 1 s\n"
    )
    with tempfile.TemporaryDirectory(prefix="sandan-bench-") as tmp:
        folder = Path(tmp)
        store = None
        if "duckdb" not in skip or "api" not in skip:
            store = bench_duckdb(table, args, folder)
        if "postgres" not in skip:
            bench_postgres(table, args)
        if "api" not in skip and store is not None:
            bench_api(store, args, folder)
        if store is not None:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
