"""Small, exact batches for the store contract tests: readings, part records and events built from plain lists."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from sandan.domain import EVENT_SCHEMA, PART_SCHEMA, READING_SCHEMA, Company, Line, Machine, Site
from sandan.store import Store

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def add_company(store: Store, company_id: str, machines: tuple[str, ...] = ()) -> None:
    """Register a company; with `machines`, also site S1 and line L1 holding them."""
    store.upsert_company(Company(id=company_id, name=f"{company_id} Co.", family="cnc"))
    if not machines:
        return
    store.upsert_site(company_id, Site(id="S1", company_id=company_id, name="Plant 1"))
    store.upsert_line(company_id, Line(id="L1", company_id=company_id, site_id="S1", name="Line 1"))
    for m in machines:
        store.upsert_machine(
            company_id, Machine(id=m, company_id=company_id, line_id="L1", name=m, family="cnc")
        )


def readings(times_s, machine: str = "M1", signal: str = "temp", values=None) -> pa.Table:
    times_s = np.asarray(times_s, dtype=float)
    values = np.arange(len(times_s), dtype=float) if values is None else np.asarray(values, dtype=float)
    us = np.int64(T0.timestamp() * 1_000_000) + np.round(times_s * 1_000_000).astype(np.int64)
    return pa.table(
        {
            "time": pa.array(us, pa.timestamp("us", tz="UTC")),
            "machine_id": [machine] * len(us),
            "signal": [signal] * len(us),
            "value": values,
        },
        schema=READING_SCHEMA,
    )


def parts(rows: list[dict]) -> pa.Table:
    """Rows with keys t (seconds after T0), part_id and optionally machine_id, result, params, measures, ..."""
    out = {name: [] for name in PART_SCHEMA.names}
    for r in rows:
        out["time"].append(at(r["t"]))
        out["machine_id"].append(r.get("machine_id", "M1"))
        out["part_id"].append(r["part_id"])
        out["lot_id"].append(r.get("lot_id"))
        out["product"].append(r.get("product", "shaft"))
        out["result"].append(r.get("result", "ok"))
        out["defect_type"].append(r.get("defect_type"))
        out["params"].append(json.dumps(r["params"]) if "params" in r else None)
        out["measures"].append(json.dumps(r["measures"]) if "measures" in r else None)
    return pa.table(out, schema=PART_SCHEMA)


def events(rows: list[tuple]) -> pa.Table:
    """Rows of (machine_id, start seconds, end seconds or None, state[, reason_code, note])."""
    out = {name: [] for name in EVENT_SCHEMA.names}
    for machine, start, end, state, *rest in rows:
        out["machine_id"].append(machine)
        out["start"].append(at(start))
        out["end"].append(None if end is None else at(end))
        out["state"].append(state)
        out["reason_code"].append(rest[0] if rest else None)
        out["note"].append(rest[1] if len(rest) > 1 else None)
    return pa.table(out, schema=EVENT_SCHEMA)
