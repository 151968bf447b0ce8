"""Quality from part records: defect rate, first-pass yield, defect Pareto and scrap cost, by any dimension.

It reads part records through the Store and a shift calendar; it must not write, render or know SQL.

Definitions:
  defect rate        = scrap (ng) records / produced records                  (ISO 22400-2:2014 scrap ratio SQ/PQ)
  first-pass yield   = units whose first record at a machine is ok / units   (a unit is a part id at a machine;
                       a record without a part id is its own unit; later records of a unit are rework/retest)
  scrap cost         = scrap records × cost per part of their product        (configurable, currency of the caller)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from sandan.domain import InvalidInput
from sandan.monitor.calendar import ShiftCalendar, assign_shift, shift_windows
from sandan.monitor.codes import CodeTable
from sandan.monitor.labels import LABELS
from sandan.monitor.oee import _check_window, _ts_us, select_machines
from sandan.store import Store

#: Dimensions a quality table can be grouped by, and the columns each brings.
QUALITY_DIMENSIONS: dict[str, list[str]] = {
    "product": ["product"],
    "machine": ["machine_id", "line_id"],
    "line": ["line_id"],
    "lot": ["lot_id"],
    "shift": ["shift_id", "production_day", "shift_name"],
    "shift_name": ["shift_name"],
    "day": ["production_day"],
    "defect_type": ["defect_type"],
}


def part_frame(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
    calendar: ShiftCalendar | None = None,
) -> pd.DataFrame:
    """Part records of [start, end) with line, shift instance and production day attached (parts outside every
    shift get an empty shift id and the local date as production day), and first-pass flags."""
    _check_window(start, end)
    calendar = calendar or ShiftCalendar.two_shifts()
    machines = select_machines(store, company_id, machine_ids, line_id)
    ids = [m.id for m in machines]
    cols = ["time", "machine_id", "part_id", "lot_id", "product", "result", "defect_type"]
    if not ids:
        return pd.DataFrame(
            columns=[*cols, "line_id", "shift_id", "shift_name", "production_day", "first_record"]
        )
    table = store.query_parts(company_id, start, end, ids, columns=cols)
    frame = table.to_pandas()
    line_of = {m.id: m.line_id for m in machines}
    frame["line_id"] = frame["machine_id"].map(line_of)
    windows = shift_windows(calendar, start, end)
    idx = assign_shift(windows, _ts_us(table["time"]))
    inside = idx >= 0
    shifts = windows.shifts

    def of_shift(column: str) -> np.ndarray:
        """`column` of each part's shift; a window without any shift (a weekend) has none."""
        if not len(shifts):
            return np.full(len(idx), None, dtype=object)
        return shifts[column].to_numpy(dtype=object)[np.clip(idx, 0, None)]

    frame["shift_id"] = np.where(inside, of_shift("shift_id"), "")
    frame["shift_name"] = np.where(inside, of_shift("shift_name"), "")
    # outside any shift, the production day the part's time falls in (its calendar date put a Sunday 03:00 part
    # under Sunday where OEE's days count it Saturday's)
    frame["production_day"] = np.where(
        inside, of_shift("production_day"), calendar.production_days(frame["time"])
    )
    # A unit is (machine, part id); rows come ordered by time, so the first row of a unit is its first pass. A
    # record without a part id is a unit of its own.
    no_id = frame["part_id"].isna() | (frame["part_id"] == "")
    frame["first_record"] = no_id.to_numpy() | ~frame.duplicated(["machine_id", "part_id"]).to_numpy()
    return frame


def quality_table(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    by: Sequence[str] | str = ("product",),
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
    calendar: ShiftCalendar | None = None,
    cost_per_part: Mapping[str, float] | float | None = None,
) -> pd.DataFrame:
    """Produced, good and scrap quantities, defect rate, first-pass yield and scrap cost per group (`by` any of
    product, machine, line, lot, shift, shift_name, day). A unit's first pass counts in the group of its first
    record. `cost_per_part` is one number or a mapping product → cost (unknown products cost NaN)."""
    frame = part_frame(
        store, company_id, start, end, machine_ids=machine_ids, line_id=line_id, calendar=calendar
    )
    keys = _keys(by)
    return _summarise(frame, keys, cost_per_part)


def output_totals(store: Store, company_id: str, start: datetime, end: datetime) -> tuple[int, float]:
    """Parts produced over [start, end) and their defect rate (scrap over produced, NaN with none): the figures
    of `quality_table(by=())`, from the store's hourly part counts instead of every record — for views over many
    companies (peer benchmarks, partner matching)."""
    counts = store.count_parts(company_id, start, end, ordered=False)
    produced = int(pc.sum(counts["produced"]).as_py() or 0)
    good = int(pc.sum(counts["good"]).as_py() or 0)
    return produced, ((produced - good) / produced if produced else float("nan"))


def defect_pareto(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
    product: str | None = None,
    calendar: ShiftCalendar | None = None,
    cost_per_part: Mapping[str, float] | float | None = None,
    codes: CodeTable | None = None,
) -> pd.DataFrame:
    """Scrap by defect type, most frequent first, with share, cumulative share and scrap cost. Scrap records
    without a defect type form one bar with `defect_type` None. Defect types are named from the company's code
    table `codes` where it has them."""
    frame = part_frame(
        store, company_id, start, end, machine_ids=machine_ids, line_id=line_id, calendar=calendar
    )
    if product is not None:
        frame = frame[frame["product"] == product]
    ng = frame[frame["result"] == "ng"].copy()
    ng["scrap_cost"] = _cost(ng, cost_per_part)
    table = codes or CodeTable()
    if len(ng) and table.defects:  # "균열" and "crack" are one bar when the table names `crack` 균열
        ng["defect_type"] = [
            table.canonical("defects", d) if isinstance(d, str) else d for d in ng["defect_type"]
        ]
    cols = ["defect_type", "label_ko", "label_en", "scrap_qty", "share", "cumulative_share", "scrap_cost"]
    if ng.empty:
        return pd.DataFrame(columns=cols)
    # Scrap without a defect type is one bar of its own, listed before typed bars of the same count.
    unclassified = ng["defect_type"].isna().to_numpy()
    typed = ng[~unclassified]
    g = (
        typed.groupby("defect_type", sort=True)
        .agg(scrap_qty=("defect_type", "size"), scrap_cost=("scrap_cost", lambda s: s.sum(min_count=1)))
        .reset_index()
    )
    g["defect_type"] = g["defect_type"].astype(object)
    if unclassified.any():
        rest = ng.loc[unclassified, "scrap_cost"]
        untyped = pd.DataFrame(
            {
                "defect_type": np.array([None], dtype=object),
                "scrap_qty": [int(unclassified.sum())],
                "scrap_cost": [rest.sum(min_count=1)],
            }
        )
        g = pd.concat([untyped, g], ignore_index=True) if len(g) else untyped
    g["_unclassified"] = g["defect_type"].isna()
    g = g.sort_values(
        ["scrap_qty", "_unclassified", "defect_type"], ascending=[False, False, True], kind="stable"
    )
    for lang in ("ko", "en"):
        g[f"label_{lang}"] = [
            LABELS["unclassified"][lang] if pd.isna(d) else table.label("defects", d, lang)
            for d in g["defect_type"]
        ]
    g["share"] = g["scrap_qty"] / g["scrap_qty"].sum()
    g["cumulative_share"] = g["share"].cumsum()
    return g[cols].reset_index(drop=True)


def _keys(by: Sequence[str] | str) -> list[str]:
    dims = [by] if isinstance(by, str) else list(by)
    keys: list[str] = []
    for d in dims:
        if d not in QUALITY_DIMENSIONS:
            raise InvalidInput(
                f"cannot group quality by {d!r}; choose from {', '.join(QUALITY_DIMENSIONS)}",
                f"품질 지표를 {d!r}(으)로 묶을 수 없습니다. {', '.join(QUALITY_DIMENSIONS)} 중에서 고르세요",
                code="bad_group",
            )
        keys += [c for c in QUALITY_DIMENSIONS[d] if c not in keys]
    return keys


def _cost(frame: pd.DataFrame, cost_per_part: Mapping[str, float] | float | None) -> np.ndarray:
    if cost_per_part is None:
        return np.full(len(frame), np.nan)
    if isinstance(cost_per_part, int | float):
        return np.full(len(frame), float(cost_per_part))
    return frame["product"].map(dict(cost_per_part)).to_numpy(dtype=float)


def _summarise(frame: pd.DataFrame, keys: list[str], cost_per_part) -> pd.DataFrame:
    f = frame.copy()
    f["ng"] = (f["result"] == "ng").astype(np.int64)
    f["ok"] = 1 - f["ng"]
    f["first_pass_ok"] = (f["first_record"] & (f["result"] == "ok")).astype(np.int64)
    f["units"] = f["first_record"].astype(np.int64)
    f["scrap_cost"] = np.where(f["ng"] == 1, _cost(f, cost_per_part), 0.0)
    for k in keys:
        f[k] = f[k].astype(object).where(f[k].notna(), None)
    sums = ["ok", "ng", "units", "first_pass_ok"]
    if keys:
        g = f.groupby(keys, dropna=False, sort=True)
        out = g[sums].sum()
        out["scrap_cost"] = g["scrap_cost"].sum(min_count=1)
        out = out.reset_index()
    else:
        out = f[sums].sum().to_frame().T
        out["scrap_cost"] = f["scrap_cost"].sum(min_count=1)
    out = out.rename(columns={"ok": "good_qty", "ng": "scrap_qty"})
    out["produced_qty"] = out["good_qty"] + out["scrap_qty"]
    produced = out["produced_qty"].to_numpy(dtype=float)
    units = out["units"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["defect_rate"] = np.where(produced > 0, out["scrap_qty"] / produced, np.nan)
        out["first_pass_yield"] = np.where(units > 0, out["first_pass_ok"] / units, np.nan)
    if cost_per_part is None:
        out["scrap_cost"] = np.nan
    return out[
        [
            *keys,
            "produced_qty",
            "good_qty",
            "scrap_qty",
            "defect_rate",
            "units",
            "first_pass_ok",
            "first_pass_yield",
            "scrap_cost",
        ]
    ]
