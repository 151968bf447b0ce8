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
    in the previous shift; shift windows are half-open [start, end). Quantities follow the same planned time as
    the time elements: parts completed outside planned operation time (outside every shift, in a break or in a
    calendar planned stop) are reported as `produced_outside_planned_time`, not in OEE — counting them against
    run time that excludes the break would push effectiveness above 1 for a machine that runs through lunch.
  * Effectiveness above 1 (faster than the ideal cycle time, or parts counted across a boundary) is capped at 1
    for OEE and flagged in `effectiveness_capped`; `effectiveness_raw` keeps the uncapped value.
  * A machine's time counts from its first state record on: planned time before the first event it ever sent
    (a plant connected inside the window) is left out of its POT, with its parts, and a note says where its
    records begin. Without this a week's OEE of a plant connected yesterday read as six days of loss, and a
    day's OEE depended on the window it was read in. Gaps after the first record stay in PBT as `no_data_time_s`
    (a collector that was down is a loss the dashboard names).
  * No planned busy time: availability, effectiveness, quality and OEE are NaN with `oee_status`
    "no_planned_time" — never a division by zero. Planned busy time but nothing produced: OEE is 0 (the time
    was planned and lost); effectiveness and quality are then NaN because their denominators are zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sandan.domain import InvalidInput, Machine, NotFound
from sandan.domain.text import counted, shown_name
from sandan.monitor.calendar import (
    US,
    ShiftCalendar,
    ShiftWindows,
    assign_planned,
    from_us,
    member_calendar,
    shift_windows,
    to_us,
)
from sandan.monitor.codes import CodeTable
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
    # shift_planned_s: the whole shift's planned operation time, so a row the window or the records cover only in
    # part (a shift under way, records that began mid-shift) can say so beside its planned_operation_time_s
    "shift": [
        "shift_id",
        "production_day",
        "shift_name",
        "shift_label_ko",
        "shift_label_en",
        "shift_planned_s",
    ],
    "shift_name": ["shift_name", "shift_label_ko", "shift_label_en"],
}

DEFAULT_OPEN_EVENT_LOOKBACK = timedelta(days=7)
DEFAULT_STARTUP_WINDOW_S = 600.0
CAPPED_NOTE_MARGIN = 0.02  # effectiveness this far above 1 earns the dashboard a note


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


def normalise_events(events: pa.Table, machine_ids: Sequence[str], lo: int, hi: int) -> dict[str, np.ndarray]:
    """One state per machine at a time, inside [lo, hi): open ends and overlaps resolved (see module rules).

    Returns numpy columns machine (index into `machine_ids`), state (index into STATES), event_start_us, start_us,
    end_us (clipped to the window) and row (the event's row in `events`, to fetch its reason code)."""
    mcode = _codes(events["machine_id"], machine_ids)
    state = _codes(events["state"], STATES)
    ev0 = _ts_us(events["start"])
    raw_end = _ts_us(events["end"], fill=hi)
    keep = (mcode >= 0) & (state >= 0)
    order = np.flatnonzero(keep)
    order = order[_sort_by_group_then_time(mcode[order], ev0[order])]
    m, s0, s1, st = mcode[order], ev0[order], raw_end[order], state[order]
    same_next = np.r_[m[1:] == m[:-1], False]
    next_start = np.r_[s0[1:], hi]
    s1 = np.where(same_next, np.minimum(s1, next_start), s1)
    c0, c1 = np.maximum(s0, lo), np.minimum(s1, hi)
    live = c1 > c0
    return {
        "machine": m[live],
        "state": st[live],
        "event_start_us": s0[live],
        "start_us": c0[live],
        "end_us": c1[live],
        "row": order[live],
    }


def _sort_by_group_then_time(group: np.ndarray, time_us: np.ndarray) -> np.ndarray:
    """The stable order by (group, time) of non-negative group codes and int64 times: one stable sort of a
    combined int64 key when it cannot overflow (several times faster than np.lexsort on 10⁵ rows), else lexsort."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    t0 = int(time_us.min())
    span = int(time_us.max()) - t0 + 1
    if (int(group.max()) + 1) * span < 2**62:
        return np.argsort(group * span + (time_us - t0), kind="stable")
    return np.lexsort((time_us, group))


def cut_by_segments(ev: Mapping[str, np.ndarray], windows: ShiftWindows) -> EventPieces:
    """Intersect every event interval with every planned-busy segment it overlaps (vectorised, exact)."""
    e0 = np.asarray(ev["start_us"], dtype=np.int64)
    e1 = np.asarray(ev["end_us"], dtype=np.int64)
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
        machine=np.asarray(ev["machine"], dtype=np.int64)[ev_idx],
        shift=windows.seg_shift[seg],
        state=np.asarray(ev["state"], dtype=np.int64)[ev_idx],
        event=ev_idx,
        start_us=p0,
        end_us=p1,
    )


@dataclass
class _IdealCycleTimes:
    """Ideal cycle time per machine (overrides applied) and per (machine id, product)."""

    per_machine: np.ndarray
    by_product: dict[tuple[str, str], float]
    ids: np.ndarray


def _ideal_cycle_times(machines: list[Machine], overrides: Mapping[Any, float] | None) -> _IdealCycleTimes:
    per_machine = np.array(
        [np.nan if m.ideal_cycle_time_s is None else float(m.ideal_cycle_time_s) for m in machines],
        dtype=float,
    )
    ids = [m.id for m in machines]
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
        elif key in ids:
            per_machine[ids.index(key)] = float(value)
    return _IdealCycleTimes(per_machine, by_product, np.array(ids, dtype=object))


def _ideal_per_part(parts: Mapping[str, Any], ideal: _IdealCycleTimes) -> np.ndarray:
    """Ideal cycle time of each part: (machine, product) override, else machine override, else the machine's."""
    machine = parts["machine"]
    out = ideal.per_machine[machine]
    if ideal.by_product and len(machine):
        product = parts["product"]
        product = pc.fill_null(product, "").to_pylist() if product is not None else [""] * len(machine)
        mapped = np.array(
            [ideal.by_product.get(k, np.nan) for k in zip(ideal.ids[machine].tolist(), product, strict=True)],
            dtype=float,
        )
        out = np.where(np.isnan(mapped), out, mapped)
    return out


#: How the additive elements are kept per (machine, shift instance) cell: times as exact integer microseconds
#: and quantities as integers (summed exactly, then times divided into seconds), ideal times as float seconds.
_INT_ELEMENTS = [c for c in ADDITIVE if not c.startswith("ideal_")]
_N_TIMES = sum(c.endswith("_time_s") for c in _INT_ELEMENTS)  # the first _N_TIMES are microseconds


_FLOAT_ELEMENTS = [c for c in ADDITIVE if c.startswith("ideal_")]
_MACHINE_KEYS = ("machine_id", "line_id")
_DOWN_STATES = (DOWN, SETUP, IDLE)
#: The stops the dashboard's Pareto lists: every loss of availability (breakdowns, setups, minor stops).
STOP_STATES = ("down", "setup", "idle")
_STATE_LOSS = {"setup": "setup_adjustment_s", "idle": "idling_minor_stops_s"}
_PARETO_COLUMNS = [
    "reason_code",
    "uncoded_state",  # a setup or minor stop without a reason code (the row is its kind of loss); else None
    "label_ko",
    "label_en",
    "down_time_s",
    "events",
    "machines",
    "share",
    "cumulative_share",
]


def _elements(ints: np.ndarray, floats: np.ndarray) -> Columns:
    """Named element columns from the integer (times in µs → seconds) and float element arrays."""
    out: Columns = {
        name: ints[:, j] / US if j < _N_TIMES else ints[:, j] for j, name in enumerate(_INT_ELEMENTS)
    }
    out.update((name, floats[:, j]) for j, name in enumerate(_FLOAT_ELEMENTS))
    return out


@dataclass
class DownPieces:
    """Down, setup and idle event pieces inside planned busy time (numpy columns), for Pareto and labelling."""

    machine: np.ndarray
    state: np.ndarray
    event: np.ndarray  # index into the normalised events: one event may be cut into several pieces
    event_start_us: np.ndarray
    start_us: np.ndarray
    end_us: np.ndarray
    shift: np.ndarray
    reason: np.ndarray  # object: the reason code, or None when the event has none


Columns = dict[str, np.ndarray]


def _records(cols: Columns) -> list[dict[str, Any]]:
    """Columns as JSON-ready rows (Python scalars; NaN stays a float, which orjson writes as null)."""
    names = list(cols)
    values = [np.asarray(v).tolist() for v in cols.values()]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _frame(cols: Columns, n: int | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(cols, index=None if n is None else pd.RangeIndex(n))
    return _plain_strings(frame)


def _sorted_codes(values: Sequence[Any]) -> tuple[list[Any], np.ndarray]:
    """Sorted distinct values and each value's index among them (a few hundred values: plain Python is fastest)."""
    uniq = sorted(set(values))
    index = {v: i for i, v in enumerate(uniq)}
    return uniq, np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))


@dataclass(eq=False)
class OeeReport:
    """Everything the OEE dashboard shows for one window, computed from one read of the data.

    The additive time and quantity elements are kept per (machine, shift instance) — `basis` shows them as a
    frame; every other table is aggregated from them by summing elements and then forming ratios (ISO 22400-2
    KPIs are formed from their elements, so a line's availability is Σ APT / Σ PBT, not a mean of machine
    ratios). Group-bys are numpy sums over integer group codes: the dashboard's tables cost microseconds each."""

    company_id: str
    start: datetime
    end: datetime
    calendar: ShiftCalendar
    machines: list[Machine]
    windows: ShiftWindows
    cell_ints: np.ndarray  # (machines × shifts, len(_INT_ELEMENTS)) int64, times in µs
    cell_floats: np.ndarray  # (machines × shifts, len(_FLOAT_ELEMENTS)) float seconds
    down: DownPieces
    produced_outside_planned_time: dict[str, int] = field(default_factory=dict)
    notes: list[dict[str, str]] = field(default_factory=list)
    codes: CodeTable = field(default_factory=CodeTable)  # names of the reason codes

    def __post_init__(self) -> None:
        self._codes: dict[str, tuple[list[Any], np.ndarray]] = {}
        self._basis: pd.DataFrame | None = None
        self._down_events: pd.DataFrame | None = None

    # ---- grouping ------------------------------------------------------------------------------------------
    def _key_values(self, column: str) -> list[Any]:
        if column == "machine_id":
            return [m.id for m in self.machines]
        if column == "line_id":
            return [m.line_id for m in self.machines]
        return self.windows.shifts[column].tolist()

    def _key_codes(self, column: str) -> tuple[list[Any], np.ndarray]:
        if column not in self._codes:
            self._codes[column] = _sorted_codes(self._key_values(column))
        return self._codes[column]

    def _aggregate(self, keys: list[str]) -> Columns:
        """Key columns and summed elements per group, sorted by the keys (as pandas' sorted group-by)."""
        n_m, n_s = len(self.machines), len(self.windows.shifts)
        if not keys:
            return self._sums(np.zeros(n_m * n_s, dtype=np.int64), 1)
        machine_only = set(keys) <= set(_MACHINE_KEYS)
        combined = np.zeros(n_m if machine_only else n_m * n_s, dtype=np.int64)
        sizes = []
        for k in keys:
            uniq, codes = self._key_codes(k)
            if not machine_only:
                codes = np.repeat(codes, n_s) if k in _MACHINE_KEYS else np.tile(codes, n_m)
            combined = combined * len(uniq) + codes
            sizes.append(len(uniq))
        groups, inverse = np.unique(combined, return_inverse=True)
        if machine_only:
            # Every selected machine or line gets a row, also when no shift was planned in the window.
            inverse = np.repeat(inverse, n_s)
        out: Columns = {}
        for k, pos in zip(keys, np.unravel_index(groups, sizes) if sizes else (), strict=True):
            out[k] = np.array(self._key_codes(k)[0], dtype=object)[pos]
        out.update(self._sums(inverse.ravel(), len(groups)))
        return out

    def _sums(self, inverse: np.ndarray, n_groups: int) -> Columns:
        ints = np.zeros((n_groups, len(_INT_ELEMENTS)), dtype=np.int64)
        floats = np.zeros((n_groups, len(_FLOAT_ELEMENTS)), dtype=float)
        if len(inverse):
            order = np.argsort(inverse, kind="stable")
            sorted_inv = inverse[order]
            first = np.flatnonzero(np.r_[True, sorted_inv[1:] != sorted_inv[:-1]])
            ints[sorted_inv[first]] = np.add.reduceat(self.cell_ints[order], first, axis=0)
            floats[sorted_inv[first]] = np.add.reduceat(self.cell_floats[order], first, axis=0)
        sums = _elements(ints, floats)
        return {name: sums[name] for name in ADDITIVE}

    def _table_columns(self, by: Sequence[str] | str) -> Columns:
        cols = self._aggregate(_dimension_columns(by))
        return {**cols, **_kpis(cols)}

    # ---- tables --------------------------------------------------------------------------------------------
    def table(self, by: Sequence[str] | str = ("machine",)) -> pd.DataFrame:
        """OEE and its elements grouped by any of machine, line, day, shift (instance), shift_name."""
        return _frame(self._table_columns(by))

    def rows(self, by: Sequence[str] | str = ("machine",)) -> list[dict[str, Any]]:
        """`table(by)` as JSON-ready rows (what the API sends), without building a frame."""
        return _records(self._table_columns(by))

    def overall(self) -> dict[str, Any]:
        """The window's single figures (all selected machines together)."""
        return self.table(()).iloc[0].to_dict()

    def trend(self, by: Sequence[str] | str = ()) -> pd.DataFrame:
        """OEE per production day (optionally per line or machine as well), oldest first."""
        return self.table(_trend_dims(by))

    def _losses_columns(self, by: Sequence[str] | str) -> Columns:
        t = self._table_columns(by)
        out: Columns = {c: t[c] for c in _dimension_columns(by)}
        out["planned_busy_time_s"] = t["planned_busy_time_s"]
        out["breakdowns_s"] = t["down_time_s"]
        out["setup_adjustment_s"] = t["setup_time_s"]
        out["idling_minor_stops_s"] = t["idle_time_s"]
        out["reduced_speed_s"] = np.clip(t["run_time_s"] - t["ideal_production_time_s"], 0, None)
        out["process_defects_s"] = (
            t["ideal_production_time_s"] - t["ideal_good_time_s"] - t["ideal_startup_scrap_time_s"]
        )
        out["reduced_yield_s"] = t["ideal_startup_scrap_time_s"]
        out["unrecorded_s"] = t["no_data_time_s"]
        out["fully_productive_time_s"] = t["ideal_good_time_s"]
        out["effectiveness_capped"] = t["effectiveness_capped"]
        return out

    def six_big_losses(self, by: Sequence[str] | str = ()) -> pd.DataFrame:
        """Planned busy time split into Nakajima's six big losses (Introduction to TPM, 1988, ch. 2) plus
        unrecorded time and the fully productive time, in seconds. The parts add up to planned busy time,
        except that reduced speed is floored at 0 when effectiveness is capped.

        breakdowns = down time; setup and adjustment = setup time; idling and minor stops = idle time;
        reduced speed = run time − ideal cycle time × produced quantity; process defects = ideal time of scrap
        outside start-up; reduced yield = ideal time of scrap in the start-up window after a setup."""
        return _frame(self._losses_columns(by))

    def _pareto_columns(self, states: Sequence[str]) -> Columns:
        wanted = [STATES.index(s) for s in states if s in STATES]
        d = self.down
        mask = np.isin(d.state, wanted)
        if not mask.any():
            return {c: np.array([], dtype=object) for c in _PARETO_COLUMNS}
        # A breakdown without a reason code groups under "" (stored "" already reads as None, so no real code is
        # ""); a setup or minor stop without one under its kind of loss ("~setup", "~idle"), not as an unexplained
        # breakdown. A reason written by its name ("공구 파손") counts under its code (`tool_breakage`) when the
        # table has it.
        keys, code = _sorted_codes(
            [
                ("" if st == DOWN else f"~{STATES[st]}") if r is None else self.codes.canonical("reasons", r)
                for r, st in zip(d.reason[mask].tolist(), d.state[mask].tolist(), strict=True)
            ]
        )
        dur_us = (d.end_us[mask] - d.start_us[mask]).astype(float)
        n = len(keys)
        down_s = np.bincount(code, weights=dur_us, minlength=n) / US
        n_ev = int(d.event.max()) + 1
        events = np.bincount(np.unique(code * n_ev + d.event[mask]) // n_ev, minlength=n)
        n_m = len(self.machines) + 1
        machines = np.bincount(np.unique(code * n_m + d.machine[mask]) // n_m, minlength=n)
        order = np.lexsort((np.arange(n), -down_s))
        keys = np.array(keys, dtype=object)[order]
        reason = np.array([None if not k or k.startswith("~") else k for k in keys], dtype=object)
        kind = np.array([k[1:] if k.startswith("~") else None for k in keys], dtype=object)
        unexplained = LABELS["unexplained"]
        down_s = down_s[order]
        share = down_s / down_s.sum()

        def label(r: str | None, k: str | None, lang: str) -> str:
            if k is not None:  # a setup or minor stop without a reason code: its kind of loss
                return LABELS[_STATE_LOSS[k]][lang]
            return unexplained[lang] if r is None else self.codes.name("reasons", r, lang) or r

        return {
            "reason_code": reason,
            "uncoded_state": kind,
            "label_ko": np.array(
                [label(r, k, "ko") for r, k in zip(reason, kind, strict=True)], dtype=object
            ),
            "label_en": np.array(
                [label(r, k, "en") for r, k in zip(reason, kind, strict=True)], dtype=object
            ),
            "down_time_s": down_s,
            "events": events[order],
            "machines": machines[order],
            "share": share,
            "cumulative_share": np.cumsum(share),
        }

    def downtime_pareto(self, states: Sequence[str] = ("down",)) -> pd.DataFrame:
        """Time of the stops in `states` inside planned busy time by reason code, largest first, with share and
        cumulative share (Pareto analysis, Juran). Breakdowns without a reason code are one bar (`reason_code`
        None); setups and minor stops without one are a bar each, named by their kind of loss (`uncoded_state`).
        `STOP_STATES` lists every loss of availability."""
        return _frame(self._pareto_columns(states))

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

    def unexplained_summary(self) -> dict[str, Any]:
        """How many down events lack a reason code and their down time inside planned busy time (the totals of
        `unexplained_downtime()`)."""
        d = self.down
        mask = (d.state == DOWN) & np.array([r is None for r in d.reason.tolist()], dtype=bool)
        return {
            "count": int(len(np.unique(d.event[mask]))),
            "down_time_s": float((d.end_us[mask] - d.start_us[mask]).sum() / US),
        }

    def dashboard(self) -> dict[str, Any]:
        """Everything the OEE dashboard shows, as JSON-ready values: the same figures as `table`, `trend`,
        `six_big_losses` and `downtime_pareto`, computed once from the report's elements."""
        by_machine = self.rows("machine")
        names = {m.id: m.name for m in self.machines}
        overall = self.rows(())[0]
        return {
            "overall": overall,
            "by_line": self.rows("line"),
            "by_machine": by_machine,
            "by_shift": self.rows("shift"),
            "trend": self.rows(_trend_dims(())),
            "losses": _records(self._losses_columns(()))[0],
            "downtime_pareto": _records(self._pareto_columns(STOP_STATES)),
            "unexplained": self.unexplained_summary(),
            "machines": [{"id": m.id, "name": m.name, "line_id": m.line_id} for m in self.machines],
            "notes": self.notes + _capped_notes(by_machine, names) + unrecorded_notes(overall),
        }

    # ---- frames for callers that want every row ----------------------------------------------------------
    @property
    def basis(self) -> pd.DataFrame:
        """One row per (machine, shift instance) with the additive time and quantity elements."""
        if self._basis is None:
            n_m, n_s = len(self.machines), len(self.windows.shifts)
            cols: Columns = {
                "machine_id": np.repeat(np.array([m.id for m in self.machines], dtype=object), n_s),
                "line_id": np.repeat(np.array([m.line_id for m in self.machines], dtype=object), n_s),
            }
            shift_cols = self.windows.shifts.iloc[np.tile(np.arange(n_s), n_m)].reset_index(drop=True)
            elements = _elements(self.cell_ints, self.cell_floats)
            head = pd.DataFrame(cols, index=pd.RangeIndex(n_m * n_s))
            tail = pd.DataFrame({c: elements[c] for c in ADDITIVE}, index=pd.RangeIndex(n_m * n_s))
            self._basis = _plain_strings(pd.concat([head, shift_cols, tail], axis=1))
        return self._basis

    @property
    def down_events(self) -> pd.DataFrame:
        """One row per down/setup/idle event piece inside planned busy time."""
        if self._down_events is None:
            d = self.down
            ids = np.array([m.id for m in self.machines], dtype=object)
            lines = np.array([m.line_id for m in self.machines], dtype=object)
            frame = pd.DataFrame(
                {
                    "machine_id": ids[d.machine],
                    "line_id": lines[d.machine],
                    "state": np.array(STATES, dtype=object)[d.state],
                    "reason_code": d.reason,
                    "event_key": d.machine * (1 << 20) + d.event,
                    "event_start": pd.to_datetime(d.event_start_us, unit="us", utc=True),
                    "start": pd.to_datetime(d.start_us, unit="us", utc=True),
                    "end": pd.to_datetime(d.end_us, unit="us", utc=True),
                    "duration_s": (d.end_us - d.start_us) / US,
                    "shift_id": self.windows.shifts["shift_id"].to_numpy(dtype=object)[d.shift],
                }
            )
            self._down_events = _plain_strings(frame)
        return self._down_events


def _capped_notes(machines: list[dict[str, Any]], names: Mapping[str, str]) -> list[dict[str, str]]:
    """A note naming the machines whose effectiveness came out more than `CAPPED_NOTE_MARGIN` above 1 (an ideal
    cycle time set too long, or a machine run faster than its standard); a few parts counted across a boundary do
    not earn one."""
    fast = [
        shown_name(names.get(r["machine_id"], r["machine_id"]))
        for r in machines
        if r["effectiveness_raw"] is not None and r["effectiveness_raw"] > 1 + CAPPED_NOTE_MARGIN
    ]
    if not fast:
        return []
    listed = {lang: ", ".join(n[lang] for n in fast) for lang in ("en", "ko")}
    return [
        {
            "code": "effectiveness_above_ideal",
            "en": f"{listed['en']} made more parts than the ideal cycle time allows in the run time (effectiveness shown "
            "capped at 100%): either the ideal cycle time is set too long, or the machine runs faster than its "
            "standard",
            "ko": f"{listed['ko']}: 가동 시간에 이론 사이클 타임으로 가능한 것보다 많이 생산했습니다(성능 가동률은 100%로 "
            "제한해 표시). 이론 사이클 타임이 너무 길게 설정되었거나, 설비가 표준보다 빠르게 돌고 있습니다",
        }
    ]


#: Share of planned busy time without any record above which the dashboard says so.
UNRECORDED_NOTE_SHARE = 0.05


def unrecorded_notes(overall: Mapping[str, Any]) -> list[dict[str, str]]:
    """A note when much of the planned time has no record after the machines' first records: it counts as a loss
    (ISO 22400 has no 'unknown'), so a collector that was down reads as lost time, not as missing data."""
    planned = float(overall.get("planned_busy_time_s") or 0.0)
    if planned <= 0 or nothing_recorded(overall):
        return []
    share = float(overall.get("no_data_time_s") or 0.0) / planned
    if share <= UNRECORDED_NOTE_SHARE:
        return []
    return [
        {
            "code": "unrecorded_time",
            "en": f"{share:.0%} of the planned time in this period has no machine-state record and counts as a loss "
            "in OEE: a collector or a machine that stopped sending, or machines whose state is not collected; "
            "check the connectors' state on the company page",
            "ko": f"이 기간 계획 시간의 {share:.0%}에 설비 상태 기록이 없어 OEE에서 손실로 계산됩니다. 수집기나 설비가 "
            "전송을 멈췄거나 설비 상태를 수집하지 않는 경우입니다. 회사 화면에서 연결 상태를 확인하세요",
        }
    ]


def _trend_dims(by: Sequence[str] | str) -> list[str]:
    extra = [by] if isinstance(by, str) else list(by)
    return ["day", *[d for d in extra if d != "day"]]


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


def _kpis(cols: Mapping[str, Any]) -> Columns:
    """Availability, effectiveness, quality ratio and OEE from summed elements (ISO 22400-2:2014 KPIs:
    Availability = APT/PBT, Effectiveness = PRI×PQ/APT, Quality ratio = GQ/PQ, OEE index = A×E×Q).

    Summed over machines (a line, a company) or products with different ideal cycle times, each part's quantity
    is weighted by its ideal cycle time: quality ratio = ideal time of the good parts / ideal time of all parts
    produced. For one machine making one product this is GQ/PQ exactly; for a sum it keeps OEE equal to the fully
    productive time over planned busy time, as the six big losses count it (a line of a 3-s and a 30-s machine
    with counted quality read OEE 69.3 % beside a fully productive 70.7 %). Without ideal cycle times the ratio
    is GQ/PQ."""
    pbt = np.asarray(cols["planned_busy_time_s"], dtype=float)
    run = np.asarray(cols["run_time_s"], dtype=float)
    produced = np.asarray(cols["produced_qty"], dtype=float)
    good = np.asarray(cols["good_qty"], dtype=float)
    ideal = np.asarray(cols["ideal_production_time_s"], dtype=float)
    ideal_good = np.asarray(cols["ideal_good_time_s"], dtype=float)
    no_ideal = np.asarray(cols["parts_without_ideal_qty"], dtype=float) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        availability = np.where(pbt > 0, run / pbt, np.nan)
        eff_raw = np.where(
            no_ideal | (produced == 0) & (run == 0),
            np.nan,
            np.where(run > 0, ideal / run, np.where(produced > 0, np.inf, np.nan)),
        )
        quality = np.where(
            produced > 0, np.where(~no_ideal & (ideal > 0), ideal_good / ideal, good / produced), np.nan
        )
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
    return {
        "availability": np.where(pbt > 0, availability, np.nan),
        "effectiveness": np.where(pbt > 0, eff, np.nan),
        "effectiveness_raw": np.where(pbt > 0, eff_raw, np.nan),
        "effectiveness_capped": capped & (pbt > 0),
        "quality": np.where(pbt > 0, quality, np.nan),
        "oee": oee,
        "oee_status": status.astype(object),
    }


def add_kpis(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (summed elements) with the ISO 22400-2 KPIs added (see `_kpis`)."""
    f = frame.copy()
    for name, values in _kpis({c: f[c].to_numpy() for c in ADDITIVE}).items():
        f[name] = values
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
    codes: CodeTable | None = None,
) -> OeeReport:
    """Read events and parts of [start, end) once and compute the OEE elements per (machine, shift instance).

    `calendar` defaults to two 12-h shifts in Asia/Seoul (`ShiftCalendar.two_shifts()`); `ideal_cycle_time_s`
    overrides the machines' ideal cycle times, keyed by machine id or (machine id, product). Scrap completed
    within `startup_window_s` after a setup ends counts as start-up (reduced yield) loss. Open events that
    started up to `open_event_lookback` before `start` are found (the store returns open events only from their
    start). Reason codes are named from `codes` (the company's code table) where it has them. Formulas and
    counting rules: see the module docstring."""
    lo, hi = _check_window(start, end)
    calendar = calendar or ShiftCalendar.two_shifts()
    machines = select_machines(store, company_id, machine_ids, line_id)
    ideal_times = _ideal_cycle_times(machines, ideal_cycle_time_s)
    ids = [m.id for m in machines]
    windows = shift_windows(calendar, start, end)
    n_m, n_s = len(machines), len(windows.shifts)
    size = n_m * n_s

    # ---- events → time elements (µs) ------------------------------------------------------------------
    events = (
        store.query_events(company_id, start - open_event_lookback, end, ids, ordered=False)
        if ids
        else _empty_events()
    )
    ev = normalise_events(events, ids, lo, hi)
    begin_us = _records_begin(store, company_id, ids, lo, hi)
    late = begin_us > lo
    pieces = cut_by_segments(ev, windows)
    cell_of_piece = pieces.machine * n_s + pieces.shift
    state_us = np.rint(
        np.bincount(
            cell_of_piece * len(STATES) + pieces.state,
            weights=(pieces.end_us - pieces.start_us).astype(np.float64),
            minlength=size * len(STATES),
        )
    ).astype(np.int64)
    state_us = state_us.reshape(size, len(STATES))

    # ---- parts → quantities -----------------------------------------------------------------
    # Counted per time bucket by the store (from its hourly rollup) whenever no boundary of planned time falls
    # inside a bucket, so every bucket lies in one shift's planned time or outside all; part by part otherwise.
    # Scrap is read part by part either way, since start-up losses depend on each scrap part's time after a setup.
    bucket_s = count_bucket_s(windows, lo, hi)
    setup = ev["state"] == SETUP
    want_scrap = bool(ids) and startup_window_s > 0 and bool(setup.any())
    if not ids:
        parts, scrap = _parts_columns(None, ids), _parts_columns(None, ids)
    elif bucket_s is not None:
        parts = _counts_columns(store.count_parts(company_id, start, end, bucket_s, ids, ordered=False), ids)
        parts = _exact_first_bucket(store, company_id, ids, parts, begin_us, late & (begin_us < hi), bucket_s)
        scrap_cols = ["time", "machine_id", "result", "product"]
        scrap = _parts_columns(
            store.query_parts(company_id, start, end, ids, columns=scrap_cols, result="ng", ordered=False)
            if want_scrap
            else None,
            ids,
        )
    else:
        # only what OEE counts: reading the JSON parameter columns of a million parts would dominate the report
        wanted = ["time", "machine_id", "result", "product"]
        parts = _parts_columns(
            store.query_parts(company_id, start, end, ids, columns=wanted, ordered=False), ids
        )
        scrap = _select(parts, parts["good"] == 0) if want_scrap else _parts_columns(None, ids)
    part_shift = assign_planned(windows, parts["time_us"])
    part_ideal = _ideal_per_part(parts, ideal_times)
    scrap_shift = assign_planned(windows, scrap["time_us"])
    scrap_shift[scrap["time_us"] < begin_us[scrap["machine"]]] = -1
    startup = _startup_flags(scrap, ev["machine"][setup], ev["end_us"][setup], startup_window_s)
    startup &= scrap_shift >= 0
    startup_ideal = _ideal_per_part(scrap, ideal_times)[startup]
    startup_key = scrap["machine"][startup] * n_s + scrap_shift[startup]

    # parts before a machine's records begin are left out (the bucket they begin in is read part by part)
    before = parts["time_us"] < begin_us[parts["machine"]]
    inside = (part_shift >= 0) & ~before
    key = parts["machine"][inside] * n_s + part_shift[inside]
    n = parts["produced"][inside].astype(float)
    n_ok = parts["good"][inside].astype(float)
    ideal = part_ideal[inside]
    has_ideal = ~np.isnan(ideal)
    ideal0 = np.where(has_ideal, ideal, 0.0)

    def per_cell(weights: np.ndarray | None, at: np.ndarray = key) -> np.ndarray:
        return np.bincount(at, weights=weights, minlength=size)

    def count(weights: np.ndarray | None, at: np.ndarray = key) -> np.ndarray:
        return np.rint(per_cell(weights, at)).astype(np.int64)

    produced = count(n)
    good = count(n_ok)
    outside = (part_shift < 0) & ~before
    outside_qty = np.bincount(
        parts["machine"][outside], weights=parts["produced"][outside].astype(float), minlength=n_m
    )
    produced_outside = {ids[m]: int(c) for m, c in enumerate(outside_qty) if c > 0}

    # ---- the elements of every machine × shift instance cell --------------------------------------------
    pot = np.rint(
        np.bincount(
            windows.seg_shift,
            weights=(windows.seg_end_us - windows.seg_start_us).astype(float),
            minlength=n_s,
        )
    ).astype(np.int64)
    pot = np.tile(pot, n_m)
    for m in np.flatnonzero(late):
        unrecorded = np.clip(np.minimum(windows.seg_end_us, begin_us[m]) - windows.seg_start_us, 0, None)
        pot[m * n_s : (m + 1) * n_s] -= np.rint(
            np.bincount(windows.seg_shift, weights=unrecorded.astype(float), minlength=n_s)
        ).astype(np.int64)
    pdt = state_us[:, PLANNED_STOP]
    pbt = pot - pdt
    run, idle, down, setup_t = (state_us[:, s] for s in (RUNNING, IDLE, DOWN, SETUP))
    cell_ints = (
        np.column_stack(
            [
                pot,
                pdt,
                pbt,
                run,
                down,
                setup_t,
                idle,
                pbt - run - idle - down - setup_t,
                produced,
                good,
                produced - good,
                count(None, startup_key),
                count(n * ~has_ideal),
            ]
        )
        .astype(np.int64)
        .reshape(size, len(_INT_ELEMENTS))
    )
    cell_floats = np.column_stack(
        [
            per_cell(ideal0 * n),
            per_cell(ideal0 * n_ok),
            per_cell(np.where(np.isnan(startup_ideal), 0.0, startup_ideal), startup_key),
        ]
    ).reshape(size, len(_FLOAT_ELEMENTS))

    notes = []
    if produced_outside:
        outside = int(sum(produced_outside.values()))
        notes.append(
            {
                "code": "produced_outside_planned_time",
                "en": f"{counted(outside, 'part')} completed outside planned operation time (outside the shifts, "
                f"in breaks or planned stops) {'is' if outside == 1 else 'are'} not in OEE; if machines run through "
                "breaks, take the breaks out of their calendar",
                "ko": f"계획 운영 시간 밖(근무 외, 휴식·계획 정지 중)에 완료된 {outside:,}개 "
                "부품은 OEE에서 제외했습니다. 설비가 휴식 시간에도 가동한다면 근무 달력에서 휴식을 빼세요",
            }
        )
    notes += _records_begin_notes(machines, begin_us, late, before, parts, calendar, hi)
    return OeeReport(
        company_id=company_id,
        start=start,
        end=end,
        calendar=calendar,
        machines=machines,
        windows=windows,
        cell_ints=cell_ints,
        cell_floats=cell_floats,
        down=_down_pieces(pieces, ev, events),
        produced_outside_planned_time=produced_outside,
        notes=notes,
        codes=codes or CodeTable(),
    )


def _records_begin(store: Store, company_id: str, ids: Sequence[str], lo: int, hi: int) -> np.ndarray:
    """Per machine, where its OEE time begins in [lo, hi]: its first state event ever, when that lies inside the
    window; `hi` when it lies after the window (a day before the plant was connected has no OEE, not 0 %); else
    `lo` (recorded from before the window, or never: a machine with no state record at all keeps its whole planned
    time unrecorded, so it shows no OEE rather than none of its time)."""
    firsts = store.first_event_starts(company_id, list(ids)) if ids else {}
    begin = np.full(len(ids), lo, dtype=np.int64)
    for m, machine_id in enumerate(ids):
        first = firsts.get(machine_id)
        if first is not None and lo < (t := to_us(first)):
            begin[m] = min(t, hi)
    return begin


def _first_five(items: list[str]) -> str:
    return ", ".join(items[:5]) + (f" (+{len(items) - 5})" if len(items) > 5 else "")


def _records_begin_notes(
    machines: Sequence[Machine],
    begin_us: np.ndarray,
    late: np.ndarray,
    before: np.ndarray,
    parts: Mapping[str, Any],
    calendar: ShiftCalendar,
    hi: int,
) -> list[dict[str, str]]:
    """A note naming the machines whose state records begin inside the window, and where; another naming those
    whose records begin only after it (the window holds no OEE for them)."""
    notes: list[dict[str, str]] = []
    later = late & (begin_us >= hi)
    if later.any():
        names = [shown_name(machines[m].name) for m in np.flatnonzero(later)]
        listed = {lang: _first_five([n[lang] for n in names]) for lang in ("en", "ko")}
        notes.append(
            {
                "code": "records_later",
                "en": f"{listed['en']}: state records begin only after this period, so it holds no OEE for them",
                "ko": f"{listed['ko']}: 설비 상태 기록이 이 기간 뒤에 시작되어 이 기간의 OEE가 없습니다",
            }
        )
    inside = late & ~later
    if not inside.any():
        return notes
    zone = ZoneInfo(calendar.timezone)
    listed = {
        lang: _first_five(
            [
                f"{shown_name(machines[m].name)[lang]} {datetime.fromtimestamp(begin_us[m] / US, zone):%Y-%m-%d %H:%M}"
                for m in np.flatnonzero(inside)
            ]
        )
        for lang in ("en", "ko")
    }
    earlier = int(parts["produced"][before].sum())
    are = "is" if earlier == 1 else "are"
    en_parts = (
        f"; {counted(earlier, 'part')} completed before then {are} not counted either" if earlier else ""
    )
    ko_parts = f". 그 전에 완료된 부품 {earlier:,}개도 세지 않습니다" if earlier else ""
    return [
        *notes,
        {
            "code": "records_begin",
            "en": f"State records begin inside this period ({listed['en']}); each machine's OEE counts its time from "
            f"then, not the planned time before{en_parts}",
            "ko": f"이 기간 중에 설비 상태 기록이 시작되었습니다({listed['ko']}). 각 설비의 OEE는 그때부터의 시간으로 "
            f"계산하며, 그 전의 계획 시간은 넣지 않습니다{ko_parts}",
        },
    ]


def _empty_events() -> pa.Table:
    from sandan.domain import EVENT_SCHEMA

    return EVENT_SCHEMA.empty_table()


def count_bucket_s(windows: ShiftWindows, lo: int, hi: int) -> int | None:
    """The widest bucket (1 h down to 1 min, aligned to the epoch) that no boundary of a shift, a break or a
    planned stop cuts, so each bucket of part counts lies in one shift's planned operation time or outside all;
    None when boundaries are not on whole minutes. The window's own edges do not count: the store clips the first
    and last bucket to them."""
    cuts = np.concatenate(
        [windows.shift_start_us, windows.shift_end_us, windows.seg_start_us, windows.seg_end_us]
    )
    cuts = cuts[(cuts != lo) & (cuts != hi)]
    for seconds in (3600, 1800, 900, 600, 300, 60):
        if not (cuts % (seconds * US)).any():
            return seconds
    return None


def _exact_first_bucket(
    store: Store,
    company_id: str,
    ids: Sequence[str],
    parts: dict[str, Any],
    begin_us: np.ndarray,
    late: np.ndarray,
    bucket_s: int,
) -> dict[str, Any]:
    """Counted per bucket, a machine whose state records begin inside a bucket would have that bucket's parts
    from before its first record counted (40 parts of an hour at a 30 s cycle, effectiveness past 100 %): that
    bucket's count is replaced by its parts, read one by one, so they are cut at the record's exact time."""
    bucket_us = bucket_s * US
    mixed = [m for m in np.flatnonzero(late) if begin_us[m] % bucket_us]
    if not mixed:
        return parts
    drop = np.zeros(len(parts["machine"]), dtype=bool)
    exact = []
    for m in mixed:
        first = begin_us[m] - begin_us[m] % bucket_us
        drop |= (parts["machine"] == m) & (parts["time_us"] >= first) & (parts["time_us"] < first + bucket_us)
        table = store.query_parts(
            company_id,
            from_us(first),
            from_us(first + bucket_us),
            [ids[m]],
            columns=["time", "machine_id", "result", "product"],
            ordered=False,
        )
        exact.append(_parts_columns(table, ids))
    kept = _select(parts, ~drop)
    pieces = [kept, *exact]
    products = [p["product"] for p in pieces if p["product"] is not None and len(p["product"])]
    out: dict[str, Any] = {
        k: np.concatenate([p[k] for p in pieces]) for k in ("machine", "time_us", "produced", "good")
    }
    out["product"] = (
        pa.chunked_array(
            [c for col in products for c in col.cast(products[0].type).chunks], type=products[0].type
        )
        if products
        else None
    )
    return out


def _parts_columns(parts: pa.Table | None, ids: Sequence[str]) -> dict[str, Any]:
    """One row per part record: machine code, time, produced (1), good (1 or 0), and the product as Arrow
    (converted only when per-product ideal cycle times ask for it)."""
    if parts is None or parts.num_rows == 0:
        empty = np.array([], dtype=np.int64)
        return {"machine": empty, "time_us": empty, "produced": empty, "good": empty, "product": None}
    machine = _codes(parts["machine_id"], ids)
    ok = pc.fill_null(pc.equal(parts["result"], "ok"), False)
    cols = {
        "machine": machine,
        "time_us": _ts_us(parts["time"]),
        "produced": np.ones(len(machine), dtype=np.int64),
        "good": np.asarray(ok.to_numpy(zero_copy_only=False), dtype=np.int64),
        "product": parts["product"],
    }
    return _select(cols, machine >= 0)


def _counts_columns(counts: pa.Table, ids: Sequence[str]) -> dict[str, Any]:
    """`Store.count_parts` rows in the shape of `_parts_columns`: one row per (bucket, machine, product)."""
    if counts.num_rows == 0:
        return _parts_columns(None, ids)
    machine = _codes(counts["machine_id"], ids)
    cols = {
        "machine": machine,
        "time_us": _ts_us(counts["time"]),
        "produced": np.asarray(counts["produced"].to_numpy(), dtype=np.int64),
        "good": np.asarray(counts["good"].to_numpy(), dtype=np.int64),
        "product": counts["product"],
    }
    return _select(cols, machine >= 0)


def _select(cols: dict[str, Any], keep: np.ndarray) -> dict[str, Any]:
    if keep.all():
        return cols
    out = {k: v[keep] for k, v in cols.items() if k != "product"}
    out["product"] = None if cols["product"] is None else cols["product"].filter(pa.array(keep))
    return out


def _startup_flags(
    scrap: Mapping[str, Any], setup_machine: np.ndarray, setup_end_us: np.ndarray, window_s: float
) -> np.ndarray:
    """True for scrap parts completed within `window_s` after the end of a setup on their machine (the latest
    setup ending at or before the part's time)."""
    n = len(scrap["machine"])
    flags = np.zeros(n, dtype=bool)
    if not n or window_s <= 0 or not len(setup_machine):
        return flags
    k = len(setup_machine)
    machine = np.r_[setup_machine, scrap["machine"]]
    time_us = np.r_[setup_end_us, scrap["time_us"]]
    is_part = np.r_[np.zeros(k, dtype=bool), np.ones(n, dtype=bool)]
    # by machine, then time, a setup ending at a part's time first
    order = _sort_by_group_then_time(machine, time_us * 2 + is_part)
    position = np.where(is_part[order], -1, np.arange(len(order)))
    last_setup = np.maximum.accumulate(position)
    parts_at = np.flatnonzero(is_part[order])
    found = last_setup[parts_at]
    same = (found >= 0) & (machine[order][np.clip(found, 0, None)] == machine[order][parts_at])
    age = time_us[order][parts_at] - time_us[order][np.clip(found, 0, None)]
    flags[order[parts_at] - k] = same & (age >= 0) & (age <= window_s * US)
    return flags


def _down_pieces(pieces: EventPieces, ev: Mapping[str, np.ndarray], events: pa.Table) -> DownPieces:
    """Non-running, non-planned pieces (down, setup, idle) with their events' reason codes."""
    mask = np.isin(pieces.state, _DOWN_STATES)
    e = pieces.event[mask]
    rows = ev["row"][e]
    if len(rows):
        reason = events["reason_code"].take(pa.array(rows, type=pa.int64())).to_pylist()
        reason = np.array([r or None for r in reason], dtype=object)
    else:
        reason = np.array([], dtype=object)
    return DownPieces(
        machine=pieces.machine[mask],
        state=pieces.state[mask],
        event=e,
        event_start_us=ev["event_start_us"][e],
        start_us=pieces.start_us[mask],
        end_us=pieces.end_us[mask],
        shift=pieces.shift[mask],
        reason=reason,
    )


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python objects. pandas 3 infers Arrow-backed strings, whose takes and group-bys cost
    milliseconds each on a few hundred rows."""
    text = [
        c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype) and frame[c].dtype != object
    ]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


# ---- the single functions the API, web and assistant call --------------------------------------------
HOURLY_MAX = timedelta(hours=48)  # the longest window the hour-by-hour output is given for


def hourly_output(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    machine_ids: Sequence[str] | None = None,
    line_id: str | None = None,
) -> list[dict[str, Any]]:
    """Parts completed per clock hour, produced and scrap, oldest first, every hour of the window listed (the
    shop floor's hour-by-hour board; from the store's hourly rollup). The first hour starts at `start` when the
    window does not begin on the hour. Windows longer than `HOURLY_MAX` are refused."""
    lo, hi = _check_window(start, end)
    if end - start > HOURLY_MAX:
        raise InvalidInput(
            f"hour-by-hour output covers at most {HOURLY_MAX.total_seconds() / 3600:g} hours; choose a shorter window",
            f"시간대별 생산은 최대 {HOURLY_MAX.total_seconds() / 3600:g}시간까지입니다. 더 짧은 기간을 고르세요",
            code="window_too_long",
        )
    ids = [m.id for m in select_machines(store, company_id, machine_ids, line_id)]
    hour = 3600 * US
    first = lo - lo % hour
    times = np.arange(first, hi, hour, dtype=np.int64)
    produced = np.zeros(len(times), dtype=np.int64)
    good = np.zeros(len(times), dtype=np.int64)
    if ids:
        counts = _counts_columns(store.count_parts(company_id, start, end, 3600, ids, ordered=False), ids)
        at = (counts["time_us"] - first) // hour
        np.add.at(produced, at, counts["produced"])
        np.add.at(good, at, counts["good"])
    return [
        {
            "start": datetime.fromtimestamp(max(int(t), lo) / US, tz=UTC),
            "produced_qty": int(p),
            "scrap_qty": int(p - g),
        }
        for t, p, g in zip(times, produced, good, strict=True)
    ]


def nothing_recorded(row: Mapping[str, Any]) -> bool:
    """No machine-state record in the planned busy time of an OEE row (a member that has just joined, machines not
    yet connected, or one that imports only its part records): there is no availability, hence no OEE, to show or
    compare, rather than an OEE of 0. Its parts may still have been counted (`produced_qty`)."""
    planned = float(row.get("planned_busy_time_s") or 0.0)
    return planned <= 0 or float(row.get("no_data_time_s") or 0.0) >= planned


def cross_tenant_complex_oee(
    store: Store, start: datetime, end: datetime, *, data_dir: Path | None = None
) -> dict[str, Any]:
    """The operator's view of the complex over [start, end): each company's overall OEE row (with its own shift
    calendar from `data_dir`, as its dashboard shows it) and the complex's, from the companies' summed time and
    quantity elements (ratios of sums, never averages of ratios). A company with no machine-state record in its
    planned time is listed with `recorded` False (and `parts_only` True when it has part records) and left out of
    the complex's sums. Cross-tenant by design: the operator's page."""
    companies, frames = [], []
    for c in store.cross_tenant_companies():
        # a member whose saved calendar cannot be read is counted in the default shifts, and said to be
        calendar, unreadable = member_calendar(data_dir, c.id)
        report = oee_report(store, c.id, start, end, calendar=calendar)
        if not report.machines:
            continue
        row = report.rows(())[0]
        if unreadable is not None:
            row["calendar_error"] = {"en": unreadable.en, "ko": unreadable.ko}
        # a member with nothing recorded in its planned time (just joined, not yet connected) is listed as such
        # and left out of the complex's sums, where its planned hours would count as the complex's loss
        recorded = not nothing_recorded(row)
        if recorded:
            frames.append(report.table(()))
        # parts without machine states (a plant that imports only its part records): output and quality, no OEE
        parts_only = not recorded and float(row.get("produced_qty") or 0) > 0
        companies.append(
            {"company_id": c.id, "name": c.name, **row, "recorded": recorded, "parts_only": parts_only}
        )
    overall = None
    if frames:
        totals = add_kpis(pd.concat(frames, ignore_index=True)[ADDITIVE].sum().to_frame().T)
        overall = _records({k: totals[k].to_numpy() for k in totals.columns})[0]
    return {"overall": overall, "companies": companies}


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
    codes: CodeTable | None = None,
) -> pd.DataFrame:
    """Down time inside planned busy time by reason code, largest first (see `OeeReport.downtime_pareto`); each
    code named from the company's code table `codes` where it has the code."""
    return oee_report(
        store,
        company_id,
        start,
        end,
        machine_ids=machine_ids,
        line_id=line_id,
        calendar=calendar,
        codes=codes,
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
