"""OEE per machine, line, shift and day (ISO 22400-2), six big losses, downtime Pareto and unexplained downtime.

It reads machine events and part records through the Store and a shift calendar; it must not write, render or know SQL.

Time model (ISO 22400-2:2014, time elements POT, PDT, PBT, APT and KPIs Availability, Effectiveness, Quality
ratio, OEE index; names as in the standard, clause numbers not repeated here):
  planned operation time  = shift time − breaks − calendar planned stops             (POT)
  planned busy time       = POT − machine `planned_stop` events                       (PBT = POT − PDT)
  run time                = `running` time inside PBT                                 (APT, actual production time)
  availability            = APT / PBT
  effectiveness           = ideal cycle time × produced quantity / APT                (PRI × PQ / APT)
  quality ratio           = good quantity / produced quantity                        (GQ / PQ)
  OEE index               = availability × effectiveness × quality ratio

Rules that make the arithmetic exact and unambiguous:
  * All times are int64 microseconds since the epoch; every event interval is clipped to the planned-busy
    segments of each shift, so one interval crossing a shift boundary or a break splits exactly.
  * An event with no end lasts until the same machine's next event starts, or else until the query end; an
    event overlapping the next one of its machine is cut at that next start (one state at a time).
  * A part (cycle) counts in the shift in which it completes — its record's time — even when the cycle started
    in the previous shift; shift windows are half-open [start, end). Parts completed in a break count in that
    shift; parts completed outside every shift are reported as `produced_outside_shifts`, not in OEE.
  * Effectiveness above 1 (faster than the ideal cycle time, or parts counted across a boundary) is capped at 1
    for OEE and flagged in `effectiveness_capped`; `effectiveness_raw` keeps the uncapped value.
  * No planned busy time: availability, effectiveness, quality and OEE are NaN with `oee_status`
    "no_planned_time" — never a division by zero. Planned busy time but nothing produced: OEE is 0 (the time
    was planned and lost); effectiveness and quality are then NaN because their denominators are zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sandan.domain import InvalidInput, Machine, NotFound
from sandan.monitor.calendar import US, ShiftCalendar, ShiftWindows, assign_shift, shift_windows, to_us
from sandan.monitor.labels import LABELS
from sandan.store import Store

STATES = ("running", "idle", "down", "setup", "planned_stop")
RUNNING, IDLE, DOWN, SETUP, PLANNED_STOP = range(5)

#: Additive columns of the basis; every aggregate is a sum of these, then ratios (never averages of ratios).
ADDITIVE = [
    "planned_operation_time_s",
    "planned_down_time_s",
    "planned_busy_time_s",
    "run_time_s",
    "down_time_s",
    "setup_time_s",
    "idle_time_s",
    "no_data_time_s",
    "produced_qty",
    "good_qty",
    "scrap_qty",
    "startup_scrap_qty",
    "ideal_production_time_s",
    "ideal_good_time_s",
    "ideal_startup_scrap_time_s",
    "parts_without_ideal_qty",
]

#: Group-by dimensions a caller may ask for, and the columns each brings.
DIMENSIONS: dict[str, list[str]] = {
    "machine": ["machine_id", "line_id"],
    "line": ["line_id"],
    "day": ["production_day"],
    "shift": ["shift_id", "production_day", "shift_name", "shift_label_ko", "shift_label_en"],
    "shift_name": ["shift_name", "shift_label_ko", "shift_label_en"],
}

DEFAULT_OPEN_EVENT_LOOKBACK = timedelta(days=7)
DEFAULT_STARTUP_WINDOW_S = 600.0


def _check_window(start: datetime, end: datetime) -> tuple[int, int]:
    lo, hi = to_us(start), to_us(end)
    if hi <= lo:
        raise InvalidInput(
            f"the time window ends ({end.isoformat()}) at or before it starts ({start.isoformat()})",
            f"조회 기간의 끝({end.isoformat()})이 시작({start.isoformat()})보다 앞서거나 같습니다",
            code="bad_window",
        )
    return lo, hi


def select_machines(
    store: Store, company_id: str, machine_ids: Sequence[str] | None = None, line_id: str | None = None
) -> list[Machine]:
    """The company's machines, narrowed to a line and/or a list of ids; unknown ids raise NotFound."""
    machines = store.list_machines(company_id, line_id)
    if machine_ids is not None:
        wanted = list(dict.fromkeys(machine_ids))
        known = {m.id for m in machines}
        missing = [m for m in wanted if m not in known]
        if missing:
            where = f" on line {line_id}" if line_id else ""
            raise NotFound(
                f"unknown machine(s) {', '.join(missing)}{where} for company {company_id}",
                f"회사 {company_id}에 설비 {', '.join(missing)}이(가) 없습니다{f' (라인 {line_id})' if line_id else ''}",
                code="unknown_machine",
            )
        machines = [m for m in machines if m.id in set(wanted)]
    return machines


def _ts_us(col: pa.ChunkedArray | pa.Array, fill: int | None = None) -> np.ndarray:
    arr = pc.cast(col, pa.timestamp("us", tz="UTC")).cast(pa.int64())
    if fill is not None:
        arr = pc.fill_null(arr, fill)
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.int64)


def _codes(col: pa.ChunkedArray, values: Sequence[str]) -> np.ndarray:
    idx = pc.index_in(col, value_set=pa.array(list(values), type=pa.string()))
    return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


@dataclass
class EventPieces:
    """Event intervals cut by planned-busy segments: one row per (event, segment) overlap, in µs."""

    machine: np.ndarray
    shift: np.ndarray
    state: np.ndarray
    event: np.ndarray  # index into the normalised events
    start_us: np.ndarray
    end_us: np.ndarray


def normalise_events(events: pa.Table, machine_ids: Sequence[str], lo: int, hi: int) -> pd.DataFrame:
    """One state per machine at a time, inside [lo, hi): open ends and overlaps resolved (see module rules)."""
    mcode = _codes(events["machine_id"], machine_ids)
    state = _codes(events["state"], STATES)
    ev0 = _ts_us(events["start"])
    raw_end = _ts_us(events["end"], fill=hi)
    keep = (mcode >= 0) & (state >= 0)
    order = np.flatnonzero(keep)
    order = order[np.lexsort((ev0[order], mcode[order]))]
    m, s0, s1, st = mcode[order], ev0[order], raw_end[order], state[order]
    same_next = np.r_[m[1:] == m[:-1], False]
    next_start = np.r_[s0[1:], hi]
    s1 = np.where(same_next, np.minimum(s1, next_start), s1)
    c0, c1 = np.maximum(s0, lo), np.minimum(s1, hi)
    live = c1 > c0
    reason = events["reason_code"].to_numpy(zero_copy_only=False)[order]
    return pd.DataFrame(
        {
            "machine": m[live],
            "state": st[live],
            "event_start_us": s0[live],
            "start_us": c0[live],
            "end_us": c1[live],
            "reason_code": reason[live],
        }
    )


def cut_by_segments(ev: pd.DataFrame, windows: ShiftWindows) -> EventPieces:
    """Intersect every event interval with every planned-busy segment it overlaps (vectorised, exact)."""
    e0 = ev["start_us"].to_numpy(dtype=np.int64)
    e1 = ev["end_us"].to_numpy(dtype=np.int64)
    g0, g1 = windows.seg_start_us, windows.seg_end_us
    first = np.searchsorted(g1, e0, side="right")  # first segment ending after the event starts
    last = np.searchsorted(g0, e1, side="left")  # segments starting before the event ends
    count = np.maximum(last - first, 0)
    ev_idx = np.repeat(np.arange(len(e0)), count)
    offsets = np.repeat(np.cumsum(count) - count, count)
    seg = first[ev_idx] + (np.arange(len(ev_idx)) - offsets)
    p0 = np.maximum(e0[ev_idx], g0[seg])
    p1 = np.minimum(e1[ev_idx], g1[seg])
    ok = p1 > p0
    ev_idx, seg, p0, p1 = ev_idx[ok], seg[ok], p0[ok], p1[ok]
    return EventPieces(
        machine=ev["machine"].to_numpy(dtype=np.int64)[ev_idx],
        shift=windows.seg_shift[seg],
        state=ev["state"].to_numpy(dtype=np.int64)[ev_idx],
        event=ev_idx,
        start_us=p0,
        end_us=p1,
    )


def _ideal_per_part(
    parts: pd.DataFrame, machines: list[Machine], overrides: Mapping[Any, float] | None
) -> np.ndarray:
    """Ideal cycle time of each part: (machine, product) override, else machine override, else the machine's."""
    per_machine = np.array(
        [np.nan if m.ideal_cycle_time_s is None else float(m.ideal_cycle_time_s) for m in machines],
        dtype=float,
    )
    by_product: dict[tuple[str, str], float] = {}
    for key, value in (overrides or {}).items():
        if value is None or not np.isfinite(value) or value <= 0:
            raise InvalidInput(
                f"ideal cycle time for {key!r} must be a positive number of seconds (got {value!r})",
                f"{key!r}의 이론 사이클 타임은 0보다 큰 초 단위 숫자여야 합니다({value!r})",
                code="bad_ideal_cycle_time",
            )
        if isinstance(key, tuple):
            by_product[(str(key[0]), str(key[1]))] = float(value)
        else:
            ids = [m.id for m in machines]
            if key in ids:
                per_machine[ids.index(key)] = float(value)
    ideal = per_machine[parts["machine"].to_numpy()]
    if by_product and len(parts):
        ids = np.array([m.id for m in machines], dtype=object)
        keys = pd.Series(
            list(zip(ids[parts["machine"].to_numpy()], parts["product"].fillna(""), strict=True))
        )
        mapped = keys.map(by_product).to_numpy(dtype=float)
        ideal = np.where(np.isnan(mapped), ideal, mapped)
    return ideal


@dataclass
class OeeReport:
    """Everything the OEE dashboard shows for one window, computed from one read of the data.

    `basis` has one row per (machine, shift instance) with the additive time and quantity elements; every other
    table is aggregated from it by summing elements and then forming ratios (ISO 22400-2 KPIs are formed from
    their elements, so a line's availability is Σ APT / Σ PBT, not a mean of machine ratios)."""

    company_id: str
    start: datetime
    end: datetime
    calendar: ShiftCalendar
    basis: pd.DataFrame
    down_events: pd.DataFrame  # one row per down/setup/idle event piece inside planned busy time
    machines: list[Machine] = field(default_factory=list)
    produced_outside_shifts: dict[str, int] = field(default_factory=dict)
    notes: list[dict[str, str]] = field(default_factory=list)

    def table(self, by: Sequence[str] | str = ("machine",)) -> pd.DataFrame:
        """OEE and its elements grouped by any of machine, line, day, shift (instance), shift_name."""
        keys = _dimension_columns(by)
        if not keys:
            frame = self.basis[ADDITIVE].sum().to_frame().T
        else:
            frame = self.basis.groupby(keys, sort=True, dropna=False)[ADDITIVE].sum().reset_index()
            if set(keys) <= {"machine_id", "line_id"}:
                # Every selected machine or line gets a row, also when no shift was planned in the window.
                every = pd.DataFrame(
                    {
                        "machine_id": [m.id for m in self.machines],
                        "line_id": [m.line_id for m in self.machines],
                    }
                )[keys].drop_duplicates()
                frame = every.merge(frame, on=keys, how="left").sort_values(keys, kind="stable")
                frame[ADDITIVE] = frame[ADDITIVE].fillna(0)
                frame = frame.reset_index(drop=True)
        return add_kpis(frame)

    def overall(self) -> dict[str, Any]:
        """The window's single figures (all selected machines together)."""
        return self.table(()).iloc[0].to_dict()

    def trend(self, by: Sequence[str] | str = ()) -> pd.DataFrame:
        """OEE per production day (optionally per line or machine as well), oldest first."""
        extra = [by] if isinstance(by, str) else list(by)
        return self.table(["day", *[d for d in extra if d != "day"]])

    def six_big_losses(self, by: Sequence[str] | str = ()) -> pd.DataFrame:
        """Planned busy time split into Nakajima's six big losses (Introduction to TPM, 1988, ch. 2) plus
        unrecorded time and the fully productive time, in seconds. The parts add up to planned busy time,
        except that reduced speed is floored at 0 when effectiveness is capped.

        breakdowns = down time; setup and adjustment = setup time; idling and minor stops = idle time;
        reduced speed = run time − ideal cycle time × produced quantity; process defects = ideal time of scrap
        outside start-up; reduced yield = ideal time of scrap in the start-up window after a setup."""
        t = self.table(by)
        out = t[[c for c in _dimension_columns(by)]].copy()
        out["planned_busy_time_s"] = t["planned_busy_time_s"]
        out["breakdowns_s"] = t["down_time_s"]
        out["setup_adjustment_s"] = t["setup_time_s"]
        out["idling_minor_stops_s"] = t["idle_time_s"]
        out["reduced_speed_s"] = (t["run_time_s"] - t["ideal_production_time_s"]).clip(lower=0)
        out["process_defects_s"] = (
            t["ideal_production_time_s"] - t["ideal_good_time_s"] - t["ideal_startup_scrap_time_s"]
        )
        out["reduced_yield_s"] = t["ideal_startup_scrap_time_s"]
        out["unrecorded_s"] = t["no_data_time_s"]
        out["fully_productive_time_s"] = t["ideal_good_time_s"]
        out["effectiveness_capped"] = t["effectiveness_capped"]
        return out

    def downtime_pareto(self, states: Sequence[str] = ("down",)) -> pd.DataFrame:
        """Downtime inside planned busy time by reason code, largest first, with share and cumulative share
        (Pareto analysis, Juran). Down time without a reason code is one bar, `reason_code` None."""
        d = self.down_events[self.down_events["state"].isin(list(states))]
        if d.empty:
            return pd.DataFrame(
                columns=[
                    "reason_code",
                    "label_ko",
                    "label_en",
                    "down_time_s",
                    "events",
                    "machines",
                    "share",
                    "cumulative_share",
                ]
            )
        # "" stands for "no reason code" while grouping (`_down_pieces` turns stored "" into None, so no real code
        # is ""). Not "\x00": pandas 3 turns a NUL filled into an object column into "", which lost the label.
        d = d.assign(reason_key=d["reason_code"].fillna(""))
        g = (
            d.groupby("reason_key")
            .agg(
                down_time_s=("duration_s", "sum"),
                events=("event_key", "nunique"),
                machines=("machine_id", "nunique"),
            )
            .reset_index()
            .sort_values(["down_time_s", "reason_key"], ascending=[False, True], kind="stable")
        )
        g["reason_code"] = g["reason_key"].where(g["reason_key"] != "", None)
        g["label_ko"] = g["reason_code"].fillna(LABELS["unexplained"]["ko"])
        g["label_en"] = g["reason_code"].fillna(LABELS["unexplained"]["en"])
        total = g["down_time_s"].sum()
        g["share"] = g["down_time_s"] / total
        g["cumulative_share"] = g["share"].cumsum()
        cols = [
            "reason_code",
            "label_ko",
            "label_en",
            "down_time_s",
            "events",
            "machines",
            "share",
            "cumulative_share",
        ]
        return g[cols].reset_index(drop=True)

    def unexplained_downtime(self) -> pd.DataFrame:
        """Down events without a reason code, for an operator to label: one row per event, keyed as the store
        keys events (machine_id, event_start), with the down time that fell inside planned busy time."""
        d = self.down_events[(self.down_events["state"] == "down") & self.down_events["reason_code"].isna()]
        cols = ["machine_id", "line_id", "event_start", "start", "end", "down_time_s", "shift_ids"]
        if d.empty:
            return pd.DataFrame(columns=cols)
        g = (
            d.groupby(["machine_id", "line_id", "event_start"], sort=False)
            .agg(
                start=("start", "min"),
                end=("end", "max"),
                down_time_s=("duration_s", "sum"),
                shift_ids=("shift_id", lambda s: ", ".join(dict.fromkeys(s))),
            )
            .reset_index()
            .sort_values(["down_time_s", "event_start"], ascending=[False, True], kind="stable")
        )
        return g[cols].reset_index(drop=True)


def _dimension_columns(by: Sequence[str] | str) -> list[str]:
    dims = [by] if isinstance(by, str) else list(by)
    cols: list[str] = []
    for d in dims:
        if d not in DIMENSIONS:
            raise InvalidInput(
                f"cannot group OEE by {d!r}; choose from {', '.join(DIMENSIONS)}",
                f"OEE를 {d!r}(으)로 묶을 수 없습니다. {', '.join(DIMENSIONS)} 중에서 고르세요",
                code="bad_group",
            )
        cols += [c for c in DIMENSIONS[d] if c not in cols]
    return cols


def add_kpis(frame: pd.DataFrame) -> pd.DataFrame:
    """Availability, effectiveness, quality ratio and OEE from summed elements (ISO 22400-2:2014 KPIs:
    Availability = APT/PBT, Effectiveness = PRI×PQ/APT, Quality ratio = GQ/PQ, OEE index = A×E×Q)."""
    f = frame.copy()
    pbt = f["planned_busy_time_s"].to_numpy(dtype=float)
    run = f["run_time_s"].to_numpy(dtype=float)
    produced = f["produced_qty"].to_numpy(dtype=float)
    good = f["good_qty"].to_numpy(dtype=float)
    ideal = f["ideal_production_time_s"].to_numpy(dtype=float)
    no_ideal = f["parts_without_ideal_qty"].to_numpy(dtype=float) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        availability = np.where(pbt > 0, run / pbt, np.nan)
        eff_raw = np.where(
            no_ideal | (produced == 0) & (run == 0),
            np.nan,
            np.where(run > 0, ideal / run, np.where(produced > 0, np.inf, np.nan)),
        )
        quality = np.where(produced > 0, good / produced, np.nan)
    capped = np.nan_to_num(eff_raw, nan=0.0, posinf=2.0) > 1.0 + 1e-12
    eff = np.where(capped, 1.0, eff_raw)
    oee = availability * eff * quality
    no_output = (pbt > 0) & (produced == 0)
    oee = np.where(no_output, 0.0, oee)
    oee = np.where((pbt > 0) & (availability == 0), 0.0, oee)
    status = np.where(
        pbt <= 0, "no_planned_time", np.where(no_ideal & ~no_output, "no_ideal_cycle_time", "ok")
    )
    oee = np.where(status == "ok", oee, np.nan)
    availability = np.where(pbt > 0, availability, np.nan)
    eff = np.where(pbt > 0, eff, np.nan)
    eff_raw = np.where(pbt > 0, eff_raw, np.nan)
    quality = np.where(pbt > 0, quality, np.nan)
    f["availability"] = availability
    f["effectiveness"] = eff
    f["effectiveness_raw"] = eff_raw
    f["effectiveness_capped"] = capped & (pbt > 0)
    f["quality"] = quality
    f["oee"] = oee
    f["oee_status"] = status
    return f


def oee_report(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
    calendar: ShiftCalendar | None = None,
    ideal_cycle_time_s: Mapping[Any, float] | None = None,
    startup_window_s: float = DEFAULT_STARTUP_WINDOW_S,
    open_event_lookback: timedelta = DEFAULT_OPEN_EVENT_LOOKBACK,
) -> OeeReport:
    """Read events and parts of [start, end) once and compute the OEE basis per (machine, shift instance).

    `calendar` defaults to two 12-h shifts in Asia/Seoul (`ShiftCalendar.two_shifts()`); `ideal_cycle_time_s`
    overrides the machines' ideal cycle times, keyed by machine id or (machine id, product). Scrap completed
    within `startup_window_s` after a setup ends counts as start-up (reduced yield) loss. Open events that
    started up to `open_event_lookback` before `start` are found (the store returns open events only from their
    start). Formulas and counting rules: see the module docstring."""
    lo, hi = _check_window(start, end)
    calendar = calendar or ShiftCalendar.two_shifts()
    machines = select_machines(store, company_id, machine_ids, line_id)
    ids = [m.id for m in machines]
    windows = shift_windows(calendar, start, end)
    n_m, n_s = len(machines), len(windows.shifts)

    # ---- events → time elements -----------------------------------------------------------
    if ids:
        events = store.query_events(company_id, start - open_event_lookback, end, ids)
    else:
        events = pa.table({c: [] for c in ("machine_id", "start", "end", "state", "reason_code")})
    ev = (
        normalise_events(events, ids, lo, hi)
        if events.num_rows
        else normalise_events(_empty_events(), ids, lo, hi)
    )
    pieces = cut_by_segments(ev, windows)
    dur = (pieces.end_us - pieces.start_us).astype(np.float64)
    state_time = (
        np.bincount(
            (pieces.machine * n_s + pieces.shift) * len(STATES) + pieces.state,
            weights=dur,
            minlength=n_m * n_s * len(STATES),
        ).reshape(n_m, n_s, len(STATES))
        / US
    )

    # ---- parts → quantities -----------------------------------------------------------------
    # Counted per time bucket by the store (from its hourly rollup) whenever no shift boundary falls inside a
    # bucket, so every bucket lies in one shift or outside all; part by part otherwise. Scrap is read part by part
    # either way, since start-up losses depend on each scrap part's time after a setup.
    bucket_s = count_bucket_s(windows, lo, hi)
    setups = ev[ev["state"] == SETUP]
    want_scrap = bool(ids) and startup_window_s > 0 and not setups.empty
    if not ids:
        parts, scrap = _parts_frame(None, ids), _parts_frame(None, ids)
    elif bucket_s is not None:
        parts = _counts_frame(store.count_parts(company_id, start, end, bucket_s, ids), ids)
        scrap_cols = ["time", "machine_id", "result", "product"]
        scrap = _parts_frame(
            store.query_parts(company_id, start, end, ids, columns=scrap_cols, result="ng")
            if want_scrap
            else None,
            ids,
        )
    else:
        # only what OEE counts: reading the JSON parameter columns of a million parts would dominate the report
        wanted = ["time", "machine_id", "result", "product"]
        parts = _parts_frame(store.query_parts(company_id, start, end, ids, columns=wanted), ids)
        scrap = parts[parts["good"] == 0].reset_index(drop=True) if want_scrap else _parts_frame(None, ids)
    parts["shift"] = assign_shift(windows, parts["time_us"].to_numpy(dtype=np.int64))
    parts["ideal_s"] = _ideal_per_part(parts, machines, ideal_cycle_time_s)
    scrap["shift"] = assign_shift(windows, scrap["time_us"].to_numpy(dtype=np.int64))
    scrap["ideal_s"] = _ideal_per_part(scrap, machines, ideal_cycle_time_s)
    scrap = scrap[_startup_flags(scrap, setups, startup_window_s) & (scrap["shift"].to_numpy() >= 0)]
    inside = parts[parts["shift"] >= 0]
    key = inside["machine"].to_numpy() * n_s + inside["shift"].to_numpy()
    size = n_m * n_s
    n = inside["produced"].to_numpy(dtype=float)
    n_ok = inside["good"].to_numpy(dtype=float)
    ideal = inside["ideal_s"].to_numpy()
    has_ideal = ~np.isnan(ideal)
    ideal0 = np.where(has_ideal, ideal, 0.0)

    def per_cell(weights: np.ndarray | None = None, at: np.ndarray = key) -> np.ndarray:
        return np.bincount(at, weights=weights, minlength=size).reshape(n_m, n_s)

    produced = per_cell(n)
    good = per_cell(n_ok)
    ideal_all = per_cell(ideal0 * n)
    ideal_good = per_cell(ideal0 * n_ok)
    startup_key = scrap["machine"].to_numpy() * n_s + scrap["shift"].to_numpy()
    startup_ideal = scrap["ideal_s"].to_numpy()
    startup_qty = per_cell(None, startup_key)
    ideal_startup = per_cell(np.where(np.isnan(startup_ideal), 0.0, startup_ideal), startup_key)

    outside = parts[parts["shift"] < 0]
    outside_qty = np.bincount(
        outside["machine"].to_numpy(), weights=outside["produced"].to_numpy(dtype=float), minlength=n_m
    )
    produced_outside = {ids[m]: int(c) for m, c in enumerate(outside_qty) if c > 0}

    # ---- basis frame: every machine × every shift instance --------------------------------
    pot = np.broadcast_to(windows.planned_operation_time_s, (n_m, n_s))
    pdt = state_time[:, :, PLANNED_STOP]
    pbt = pot - pdt
    run, idle, down, setup = (state_time[:, :, s] for s in (RUNNING, IDLE, DOWN, SETUP))
    basis = pd.DataFrame(
        {
            "machine_id": np.repeat(np.array(ids, dtype=object), n_s),
            "line_id": np.repeat(np.array([m.line_id for m in machines], dtype=object), n_s),
            "planned_operation_time_s": pot.ravel(),
            "planned_down_time_s": pdt.ravel(),
            "planned_busy_time_s": pbt.ravel(),
            "run_time_s": run.ravel(),
            "down_time_s": down.ravel(),
            "setup_time_s": setup.ravel(),
            "idle_time_s": idle.ravel(),
            "no_data_time_s": (pbt - run - idle - down - setup).ravel(),
            "produced_qty": produced.ravel().astype(np.int64),
            "good_qty": good.ravel().astype(np.int64),
            "scrap_qty": (produced - good).ravel().astype(np.int64),
            "startup_scrap_qty": startup_qty.ravel().astype(np.int64),
            "ideal_production_time_s": ideal_all.ravel(),
            "ideal_good_time_s": ideal_good.ravel(),
            "ideal_startup_scrap_time_s": ideal_startup.ravel(),
            "parts_without_ideal_qty": per_cell(n * ~has_ideal).ravel().astype(np.int64),
        }
    )
    shift_cols = windows.shifts.iloc[np.tile(np.arange(n_s), n_m)].reset_index(drop=True)
    basis = _plain_strings(pd.concat([basis.iloc[:, :2], shift_cols, basis.iloc[:, 2:]], axis=1))

    down_events = _down_pieces(pieces, ev, windows, machines)
    notes = []
    if produced_outside:
        notes.append(
            {
                "code": "produced_outside_shifts",
                "en": f"{sum(produced_outside.values())} part(s) completed outside planned shifts are not in OEE",
                "ko": f"계획 근무 시간 밖에서 완료된 {sum(produced_outside.values())}개 부품은 OEE에서 제외했습니다",
            }
        )
    return OeeReport(
        company_id=company_id,
        start=start,
        end=end,
        calendar=calendar,
        basis=basis,
        down_events=down_events,
        machines=machines,
        produced_outside_shifts=produced_outside,
        notes=notes,
    )


def _empty_events() -> pa.Table:
    from sandan.domain import EVENT_SCHEMA

    return EVENT_SCHEMA.empty_table()


def count_bucket_s(windows: ShiftWindows, lo: int, hi: int) -> int | None:
    """The widest bucket (1 h down to 1 min, aligned to the epoch) that no shift boundary cuts, so each bucket of
    part counts lies in one shift instance or outside all; None when boundaries are not on whole minutes. The
    window's own edges do not count: the store clips the first and last bucket to them."""
    cuts = np.concatenate([windows.shift_start_us, windows.shift_end_us])
    cuts = cuts[(cuts != lo) & (cuts != hi)]
    for seconds in (3600, 1800, 900, 600, 300, 60):
        if not (cuts % (seconds * US)).any():
            return seconds
    return None


def _parts_frame(parts: pa.Table | None, ids: Sequence[str]) -> pd.DataFrame:
    """One row per part record: machine code, time, produced (1), good (1 or 0) and product. String columns are
    the slow part of a million-row read, so only the product leaves Arrow, as objects."""
    if parts is None or parts.num_rows == 0:
        return pd.DataFrame(
            {
                "machine": np.array([], dtype=np.int64),
                "time_us": np.array([], dtype=np.int64),
                "produced": np.array([], dtype=np.int64),
                "good": np.array([], dtype=np.int64),
                "product": np.array([], dtype=object),
            }
        )
    machine = _codes(parts["machine_id"], ids)
    ok = pc.fill_null(pc.equal(parts["result"], "ok"), False)
    frame = pd.DataFrame(
        {
            "machine": machine,
            "time_us": _ts_us(parts["time"]),
            "produced": np.ones(len(machine), dtype=np.int64),
            "good": np.asarray(ok.to_numpy(zero_copy_only=False), dtype=np.int64),
            "product": parts["product"].to_numpy(zero_copy_only=False),
        }
    )
    keep = machine >= 0
    return frame if keep.all() else frame[keep].reset_index(drop=True)


def _counts_frame(counts: pa.Table, ids: Sequence[str]) -> pd.DataFrame:
    """`Store.count_parts` rows in the shape of `_parts_frame`: one row per (bucket, machine, product)."""
    if counts.num_rows == 0:
        return _parts_frame(None, ids)
    machine = _codes(counts["machine_id"], ids)
    frame = pd.DataFrame(
        {
            "machine": machine,
            "time_us": _ts_us(counts["time"]),
            "produced": counts["produced"].to_numpy(),
            "good": counts["good"].to_numpy(),
            "product": counts["product"].to_numpy(zero_copy_only=False),
        }
    )
    keep = machine >= 0
    return frame if keep.all() else frame[keep].reset_index(drop=True)


def _startup_flags(scrap: pd.DataFrame, setups: pd.DataFrame, window_s: float) -> np.ndarray:
    """True for scrap parts completed within `window_s` after the end of a setup on their machine."""
    flags = np.zeros(len(scrap), dtype=bool)
    if not len(scrap) or window_s <= 0 or setups.empty:
        return flags
    right = pd.DataFrame(
        {"machine": setups["machine"].to_numpy(), "setup_end_us": setups["end_us"].to_numpy()}
    )
    right = right.sort_values("setup_end_us", kind="stable")
    left = pd.DataFrame(
        {
            "machine": scrap["machine"].to_numpy(),
            "time_us": scrap["time_us"].to_numpy(),
            "row": np.arange(len(scrap)),
        }
    ).sort_values("time_us", kind="stable")
    merged = pd.merge_asof(
        left, right, left_on="time_us", right_on="setup_end_us", by="machine", direction="backward"
    )
    age = merged["time_us"].to_numpy() - merged["setup_end_us"].to_numpy(dtype=float)
    flags[merged["row"].to_numpy()] = (age >= 0) & (age <= window_s * US)
    return flags


def _down_pieces(pieces: EventPieces, ev: pd.DataFrame, windows: ShiftWindows, machines: list[Machine]):
    """Non-running, non-planned pieces (down, setup, idle) with their reason codes, for Pareto and labelling."""
    mask = np.isin(pieces.state, [DOWN, SETUP, IDLE])
    e = pieces.event[mask]
    ids = np.array([m.id for m in machines], dtype=object)
    lines = np.array([m.line_id for m in machines], dtype=object)
    reason = ev["reason_code"].to_numpy(dtype=object)[e]
    reason = np.where(pd.isna(reason) | (reason == ""), None, reason)
    m = pieces.machine[mask]
    frame = pd.DataFrame(
        {
            "machine_id": ids[m],
            "line_id": lines[m],
            "state": np.array(STATES, dtype=object)[pieces.state[mask]],
            "reason_code": reason,
            "event_key": m * (1 << 20) + e,
            "event_start": pd.to_datetime(ev["event_start_us"].to_numpy()[e], unit="us", utc=True),
            "start": pd.to_datetime(pieces.start_us[mask], unit="us", utc=True),
            "end": pd.to_datetime(pieces.end_us[mask], unit="us", utc=True),
            "duration_s": (pieces.end_us[mask] - pieces.start_us[mask]) / US,
            "shift_id": windows.shifts["shift_id"].to_numpy(dtype=object)[pieces.shift[mask]],
        }
    )
    return _plain_strings(frame)


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python objects. pandas 3 infers Arrow-backed strings, whose takes and group-bys cost
    milliseconds each on a few hundred rows — most of a dashboard's time once the reads are fast."""
    text = [
        c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype) and frame[c].dtype != object
    ]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


# ---- the single functions the API, web and assistant call --------------------------------------------
def oee(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    by: Sequence[str] | str = ("machine",),
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
    calendar: ShiftCalendar | None = None,
    ideal_cycle_time_s: Mapping[Any, float] | None = None,
) -> pd.DataFrame:
    """OEE (ISO 22400-2:2014) and its elements over [start, end), grouped `by` machine, line, day, shift
    (instance) and/or shift_name. See `oee_report` for the counting rules."""
    report = oee_report(
        store,
        company_id,
        start,
        end,
        machine_ids=machine_ids,
        line_id=line_id,
        calendar=calendar,
        ideal_cycle_time_s=ideal_cycle_time_s,
    )
    return report.table(by)


def oee_trend(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    by: Sequence[str] | str = (),
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
    calendar: ShiftCalendar | None = None,
) -> pd.DataFrame:
    """OEE per production day (the local date on which a shift starts), optionally per line or machine."""
    return oee_report(
        store, company_id, start, end, machine_ids=machine_ids, line_id=line_id, calendar=calendar
    ).trend(by)


def six_big_losses(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    by: Sequence[str] | str = (),
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
    calendar: ShiftCalendar | None = None,
    startup_window_s: float = DEFAULT_STARTUP_WINDOW_S,
) -> pd.DataFrame:
    """Planned busy time split into the six big losses (see `OeeReport.six_big_losses`)."""
    return oee_report(
        store,
        company_id,
        start,
        end,
        machine_ids=machine_ids,
        line_id=line_id,
        calendar=calendar,
        startup_window_s=startup_window_s,
    ).six_big_losses(by)


def downtime_pareto(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
    calendar: ShiftCalendar | None = None,
    states: Sequence[str] = ("down",),
) -> pd.DataFrame:
    """Down time inside planned busy time by reason code, largest first (see `OeeReport.downtime_pareto`)."""
    return oee_report(
        store, company_id, start, end, machine_ids=machine_ids, line_id=line_id, calendar=calendar
    ).downtime_pareto(states)


def unexplained_downtime(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
    calendar: ShiftCalendar | None = None,
) -> pd.DataFrame:
    """Down events without a reason code, longest first, for an operator to label."""
    return oee_report(
        store, company_id, start, end, machine_ids=machine_ids, line_id=line_id, calendar=calendar
    ).unexplained_downtime()
