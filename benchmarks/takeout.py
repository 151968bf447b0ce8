"""A company's takeout: sandan's path against DuckDB's own COPY of the same rows, zipped, in the same run.

`collect.takeout.company_takeout` reads the company's records a month at a time (readings a day at a time), writes
part records and machine events as monthly CSV on the plant's clock with one column per process parameter (the
import's layout), readings as monthly Parquet, and the rest of the company's settings and logs, into one ZIP. The
baseline does the least that gets the same rows out: `COPY (SELECT … WHERE company_id = …)` of the part records to
one CSV (parameters left as JSON text) and of the readings to one Parquet file, both added to a ZIP. The ratio sandan /
baseline carries across machines; the absolute times move with the load average printed beside them.

    .venv/bin/python benchmarks/takeout.py [--parts 500000] [--readings 2000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backup import COMPANY, build, timed  # noqa: E402 (the same store as the backup benchmark)
from sandan.collect.takeout import company_takeout  # noqa: E402
from sandan.domain import Company  # noqa: E402
from sandan.store import open_store  # noqa: E402


def bare(store, folder: Path, archive: Path) -> None:
    """The company's part records to CSV and readings to Parquet by DuckDB's COPY, then both into one ZIP."""
    folder.mkdir()
    cur = store._cur()
    cur.execute(
        f"COPY (SELECT * EXCLUDE (company_id) FROM part_records WHERE company_id = '{COMPANY}' ORDER BY time) "
        f"TO '{folder / 'parts.csv'}' (HEADER)"
    )
    cur.execute(
        f"COPY (SELECT time, machine_id, signal, value FROM readings WHERE company_id = '{COMPANY}' ORDER BY time) "
        f"TO '{folder / 'readings.parquet'}' (FORMAT PARQUET, COMPRESSION ZSTD)"
    )
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.write(folder / "parts.csv", "parts.csv")
        zf.write(folder / "readings.parquet", "readings.parquet", compress_type=zipfile.ZIP_STORED)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", type=int, default=500_000)
    ap.add_argument("--readings", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "data"
        store = open_store(f"duckdb:///{data / 'sandan.duckdb'}")
        build(store, args.parts, args.readings)
        span = store.record_span(COMPANY, "part_records")
        print(
            f"store: {args.parts:,} part records, {args.readings:,} readings, parts {span[0]:%Y-%m-%d} – "
            f"{span[1]:%Y-%m-%d}; load {os.getloadavg()[0]:.1f}"
        )
        # the capabilities a takeout reads (monitor, optimize, connect) are loaded once, as in a running server
        store.upsert_company(Company(id="empty", name="빈 회사"))
        company_takeout(store, "empty", data, root / "warm-up.zip")
        for r in range(args.repeats):
            base = root / f"bare{r}.zip"
            t_raw = timed(lambda r=r, base=base: bare(store, root / f"bare{r}", base))
            found: list = []
            t_ours = timed(
                lambda r=r, found=found: found.append(
                    company_takeout(store, COMPANY, data, root / f"t{r}.zip")
                )
            )
            path, manifest = found[0]
            assert manifest.rows["parts"] == args.parts and manifest.rows["readings"] == args.readings
            print(
                f"takeout sandan {t_ours:6.2f} s ({path.stat().st_size / 2**20:,.1f} MB, "
                f"{len(manifest.files)} files)  COPY + zip {t_raw:6.2f} s ({base.stat().st_size / 2**20:,.1f} MB)"
                f"  ratio {t_ours / t_raw:4.2f}"
            )
        store.close()
        print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
