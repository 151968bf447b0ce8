"""Part records out to Excel and CSV: sandan's export path against the bare libraries in the same run.

`collect.export.parts_file` reads the records from a DuckDB file store, spreads the parameter and measurement JSON
into columns, converts times to the plant's clock and writes the file. Baselines, on the same store and rows:
the store read plus `pandas.DataFrame.to_csv` of the unexpanded table (CSV), and the same expanded frame written
row by row as plain values with XlsxWriter in constant-memory mode (xlsx; the writer sandan uses). For context the
same frame through openpyxl's write-only mode is timed too (the writer sandan used before). The ratio sandan /
baseline is what carries across machines; the absolute times move with the load average printed beside them.

    .venv/bin/python benchmarks/export.py [--rows 100000] [--params 5]
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sandan.collect import ingest_parts
from sandan.collect.export import parts_file, parts_frame
from sandan.domain import Company, Line, Machine, Site
from sandan.store import open_store

COMPANY = "bench"


def build(store, rows: int, params: int) -> tuple[datetime, datetime]:
    rng = np.random.default_rng(1)
    store.upsert_company(Company(id=COMPANY, name="벤치마크"))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="site"))
    store.upsert_line(COMPANY, Line(id="l1", company_id=COMPANY, site_id="s1", name="line"))
    store.upsert_machine(COMPANY, Machine(id="m1", company_id=COMPANY, line_id="l1", name="machine"))
    start = datetime(2026, 11, 1, tzinfo=UTC)
    frame = pd.DataFrame(
        {
            "time": [(start + timedelta(seconds=10 * i)).isoformat() for i in range(rows)],
            "machine_id": "m1",
            "part_id": [f"P{i:08d}" for i in range(rows)],
            "lot_id": [f"L{i // 1000}" for i in range(rows)],
            "result": np.where(rng.random(rows) < 0.05, "ng", "ok"),
            **{f"param:p{k}": rng.normal(100, 5, rows) for k in range(params)},
            "measure:height_mm": rng.normal(20, 0.1, rows),
        }
    )
    assert ingest_parts(store, COMPANY, frame).rejected == 0
    return start, start + timedelta(seconds=10 * rows + 1)


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--params", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"duckdb:///{Path(tmp) / 'bench.duckdb'}")
        start, end = build(store, args.rows, args.params)

        def csv_baseline() -> None:
            store.query_parts(COMPANY, start, end).to_pandas().to_csv(io.StringIO(), index=False)

        def plain_rows():
            frame = parts_frame(store, COMPANY, start, end)  # same cells, written as plain values
            frame["time"] = frame["time"].dt.tz_localize(None)
            return list(frame.columns), frame.astype(object).where(frame.notna(), None).itertuples(
                index=False, name=None
            )

        def xlsx_baseline() -> None:
            import xlsxwriter

            header, rows = plain_rows()
            book = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
            sheet = book.add_worksheet("data")
            sheet.write_row(0, 0, header)
            for r, row in enumerate(rows, start=1):
                sheet.write_row(r, 0, row)
            book.close()

        def openpyxl_write_only() -> None:
            from openpyxl import Workbook

            header, rows = plain_rows()
            book = Workbook(write_only=True)
            sheet = book.create_sheet("data")
            sheet.append(header)
            for row in rows:
                sheet.append(row)
            book.save(io.BytesIO())

        cells = args.rows * (7 + args.params + 1)
        print(
            f"{args.rows:,} part records × {7 + args.params + 1} columns ({cells:,} cells), load {os.getloadavg()[0]:.1f}"
        )
        for fmt, baseline in (("csv", csv_baseline), ("xlsx", xlsx_baseline)):
            base = best_of(baseline, args.repeats)
            ours = best_of(lambda f=fmt: parts_file(store, COMPANY, start, end, f), args.repeats)
            size = len(parts_file(store, COMPANY, start, end, fmt).content)
            print(
                f"  {fmt:4}  sandan {ours:6.2f} s  baseline {base:6.2f} s  ratio {ours / base:4.2f}  "
                f"({cells / ours / 1e3:,.0f} k cells/s, {size / 1e6:.1f} MB)  load {os.getloadavg()[0]:.1f}"
            )
        other = best_of(openpyxl_write_only, args.repeats)
        print(f"  (openpyxl write-only, same frame: {other:6.2f} s)")
        store.close()


if __name__ == "__main__":
    main()
