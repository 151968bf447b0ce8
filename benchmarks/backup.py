"""Backup and restore of a DuckDB instance: sandan's path against DuckDB's own EXPORT / IMPORT DATABASE in the same run.

`store.backup.cross_tenant_backup` exports the database in one transaction (DuckDB's EXPORT DATABASE, Parquet), adds
the data folder and a manifest with every table's rows to one tar; `restore_instance` unpacks it, imports and checks
every table's rows. Baselines on the same store: a bare `EXPORT DATABASE … (FORMAT PARQUET)` into a folder, and a
bare `IMPORT DATABASE` of that folder into a new file. The ratio sandan / baseline carries across machines; the
absolute times move with the load average printed beside them.

    .venv/bin/python benchmarks/backup.py [--parts 500000] [--readings 2000000]

With `--postgres URL` (a database the benchmark may create schemas and databases in, e.g.
postgresql://postgres@127.0.0.1:5432/test) the same rows live in a PostgreSQL schema: sandan's backup (every table
read from one snapshot into the DuckDB export, through `store.transfer`) against `pg_dump -Fc` of that schema, and
sandan's restore into an empty schema (`restore_instance(..., store_url=…)`: the DuckDB import, then every table
copied to PostgreSQL and counted) against `pg_restore` of the dump into an empty database.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from sandan.domain import PART_SCHEMA, READING_SCHEMA, Company, Line, Machine, Site
from sandan.store import open_store
from sandan.store.backup import cross_tenant_backup, restore_instance

COMPANY = "bench"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def build(store, parts: int, readings: int) -> None:
    rng = np.random.default_rng(1)
    store.upsert_company(Company(id=COMPANY, name="벤치마크"))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="site"))
    store.upsert_line(COMPANY, Line(id="l1", company_id=COMPANY, site_id="s1", name="line"))
    machines = [f"m{i}" for i in range(10)]
    for m in machines:
        store.upsert_machine(COMPANY, Machine(id=m, company_id=COMPANY, line_id="l1", name=m))
    t0 = int(T0.timestamp() * 1e6)
    for start in range(0, parts, 100_000):
        n = min(100_000, parts - start)
        idx = np.arange(start, start + n)
        cols = {name: pa.nulls(n, PART_SCHEMA.field(name).type) for name in PART_SCHEMA.names}
        cols.update(
            time=pa.array(t0 + idx * 10_000_000, pa.timestamp("us", tz="UTC")),
            machine_id=pa.array([machines[i % 10] for i in idx]),
            part_id=pa.array([f"P{i:09d}" for i in idx]),
            result=pa.array(np.where(rng.random(n) < 0.05, "ng", "ok")),
            params=pa.array([f'{{"p0": {v:.3f}, "p1": {w:.3f}}}' for v, w in rng.normal(100, 5, (n, 2))]),
        )
        store.append_parts(COMPANY, pa.table(cols, schema=PART_SCHEMA))
    for start in range(0, readings, 500_000):
        n = min(500_000, readings - start)
        idx = np.arange(start, start + n)
        store.append_readings(
            COMPANY,
            pa.table(
                {
                    "time": pa.array(t0 + idx * 1_000_000, pa.timestamp("us", tz="UTC")),
                    "machine_id": pa.array([machines[i % 10] for i in idx]),
                    "signal": pa.array(["temp"] * n),
                    "value": rng.normal(60, 2, n),
                },
                schema=READING_SCHEMA,
            ),
        )


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _in_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def postgres(url: str, args: argparse.Namespace) -> None:
    import psycopg

    tag = f"bench_{os.getpid()}"
    admin = psycopg.connect(url, autocommit=True)
    schemas = [f"{tag}_src", *(f"{tag}_dst{r}" for r in range(args.repeats))]
    databases = [f"{tag}_restore{r}" for r in range(args.repeats)]
    for schema in schemas:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            data = root / "data"
            data.mkdir()
            (data / "secret.key").write_text("k" * 64)
            store = open_store(_in_schema(url, schemas[0]))
            build(store, args.parts, args.readings)
            print(
                f"PostgreSQL store: {args.parts:,} part records, {args.readings:,} readings; "
                f"load {os.getloadavg()[0]:.1f}"
            )
            rows = []
            for r in range(args.repeats):
                dump = root / f"d{r}.dump"
                t_raw = timed(
                    lambda dump=dump: subprocess.run(  # noqa: B023
                        ["pg_dump", "-Fc", "-n", schemas[0], "-f", str(dump), "-d", url], check=True
                    )
                )
                archive = root / f"b{r}.tar"
                t_ours = timed(lambda archive=archive: cross_tenant_backup(store, data, archive))
                admin.execute(f"CREATE DATABASE {databases[r]}")
                target_db = url.rsplit("/", 1)[0] + f"/{databases[r]}"
                t_raw_in = timed(
                    lambda dump=dump, target_db=target_db: subprocess.run(  # noqa: B023
                        ["pg_restore", "-d", target_db, str(dump)], check=True
                    )
                )
                t_ours_in = timed(
                    lambda archive=archive, r=r: restore_instance(  # noqa: B023
                        archive, root / f"restored{r}", store_url=_in_schema(url, schemas[r + 1])
                    )
                )
                rows.append((t_ours, t_raw, t_ours_in, t_raw_in))
            store.close()
            for t_ours, t_raw, t_ours_in, t_raw_in in rows:
                print(
                    f"backup  sandan {t_ours:6.2f} s  pg_dump -Fc {t_raw:6.2f} s  ratio {t_ours / t_raw:4.2f}   "
                    f"restore sandan {t_ours_in:6.2f} s  pg_restore {t_raw_in:6.2f} s  "
                    f"ratio {t_ours_in / t_raw_in:4.2f}"
                )
            size = (root / "b0.tar").stat().st_size / 2**20
            dump_size = (root / "d0.dump").stat().st_size / 2**20
            print(f"archive {size:,.1f} MB, dump {dump_size:,.1f} MB; load {os.getloadavg()[0]:.1f}")
    finally:
        for schema in schemas:
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        for database in databases:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", type=int, default=500_000)
    ap.add_argument("--readings", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument(
        "--postgres", metavar="URL", help="measure a PostgreSQL instance in this database instead"
    )
    args = ap.parse_args()
    if args.postgres:
        postgres(args.postgres, args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "data"
        store = open_store(f"duckdb:///{data / 'sandan.duckdb'}")
        build(store, args.parts, args.readings)
        (data / "secret.key").write_text("k" * 64)
        print(
            f"store: {args.parts:,} part records, {args.readings:,} readings; load {os.getloadavg()[0]:.1f}"
        )
        rows = []
        for r in range(args.repeats):
            raw = root / f"raw{r}"
            t_raw = timed(
                lambda raw=raw: store._cur().execute(f"EXPORT DATABASE '{raw}' (FORMAT PARQUET)")  # noqa: B023
            )
            archive = root / f"b{r}.tar"
            t_ours = timed(lambda archive=archive: cross_tenant_backup(store, data, archive))
            raw_db = root / f"raw{r}.duckdb"
            t_raw_in = timed(
                lambda raw=raw, raw_db=raw_db: duckdb.connect(str(raw_db)).execute(f"IMPORT DATABASE '{raw}'")
            )
            t_ours_in = timed(lambda archive=archive, r=r: restore_instance(archive, root / f"restored{r}"))
            rows.append((t_ours, t_raw, t_ours_in, t_raw_in))
            shutil.rmtree(raw)
        store.close()
        size = (root / "b0.tar").stat().st_size / 2**20
        for t_ours, t_raw, t_ours_in, t_raw_in in rows:
            print(
                f"backup  sandan {t_ours:6.2f} s  EXPORT DATABASE {t_raw:6.2f} s  ratio {t_ours / t_raw:4.2f}   "
                f"restore sandan {t_ours_in:6.2f} s  IMPORT DATABASE {t_raw_in:6.2f} s  ratio {t_ours_in / t_raw_in:4.2f}"
            )
        print(f"archive {size:,.1f} MB; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
