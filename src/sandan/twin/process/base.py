"""The process-model contract (parameters in, part outcome out, seeded) and the machine timeline every family shares.

It owns settings checks, wear/setup/breakdown/shift timelines and the conversion to the platform's Arrow batches;
it holds no physics of any one family (that lives in `<family>.py`) and must never write to a store.
"""

from __future__ import annotations

import abc
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sandan.domain import (
    EVENT_SCHEMA,
    PART_SCHEMA,
    READING_SCHEMA,
    InvalidInput,
    MachineState,
    ProcessFamily,
    Signal,
)

DEFAULT_START = datetime(
    2026, 1, 5, tzinfo=UTC
)  # a Monday; a fixed default keeps unseeded-time runs reproducible
_US = 1_000_000
SEOUL_UTC_OFFSET_H = 9  # shifts are planned in Korean local time (KST has no daylight saving)


# ---- vocabulary of a model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A settable process parameter in real units.

    `min`..`max` is the realistic process window (what a process engineer would consider trying); `nominal` is a
    good setting; `machine_min`..`machine_max` are hard machine limits — a setting outside them is refused.
    `noise_sd` is the cycle-to-cycle scatter of the actual value around the set value (controller repeatability);
    part records carry the actual value, as machine controllers log it. `settable` is false for a property of the
    incoming material recorded like a setting (a sheet's thickness): it moves the outcome, but nobody sets it at the
    machine, so advice keeps it as it is.
    """

    name: str
    unit: str
    min: float
    max: float
    nominal: float
    machine_min: float
    machine_max: float
    label_en: str
    label_ko: str
    noise_sd: float = 0.0
    decimals: int = 2
    settable: bool = True


@dataclass(frozen=True)
class DefectType:
    """A defect class the inspection records, with the mechanism that produces it in this model."""

    code: str
    label_en: str
    label_ko: str
    mechanism: str = ""


@dataclass(frozen=True)
class Measure:
    """A measured characteristic of the part (inspection), with its specification limits where it has them, and
    the least value it can physically take (`valid_min`: a height, a mass, a roughness is never below 0; None for
    one that can, such as a thinning that may be a thickening). A recorded value below it is a slip, quarantined
    on import (`collect.ingest`) unless the machine has a signal of that name with its own range."""

    name: str
    unit: str
    label_en: str
    label_ko: str
    lower_spec: float | None = None
    upper_spec: float | None = None
    decimals: int = 3
    valid_min: float | None = 0.0


@dataclass(frozen=True)
class SensorSpec:
    """A per-cycle sensor signal; values are clipped to [min_value, max_value] like a sensor's full scale."""

    name: str
    unit: str
    min_value: float
    max_value: float
    label_en: str
    label_ko: str
    decimals: int = 3

    def to_signal(self, company_id: str, machine_id: str) -> Signal:
        return Signal(
            company_id=company_id,
            machine_id=machine_id,
            name=self.name,
            unit=self.unit,
            min_value=self.min_value,
            max_value=self.max_value,
            description=f"{self.label_ko} / {self.label_en}",
        )


@dataclass(frozen=True)
class Reason:
    """A reason code for a machine-state interval, with its share among the stops of its kind."""

    code: str
    label_en: str
    label_ko: str
    weight: float = 1.0


MINOR_STOP_REASONS: tuple[Reason, ...] = (
    Reason("waiting_material", "waiting for material", "자재 대기", 3.0),
    Reason("waiting_operator", "waiting for operator", "작업자 대기", 2.0),
    Reason("quality_check", "quality check", "품질 확인", 1.0),
)
CHANGEOVER = Reason("changeover", "product changeover", "품종 교체")


@dataclass(frozen=True)
class MachineCondition:
    """Where a machine stands after a batch, so the next `simulate` call continues it (wear, lot, clock)."""

    time: datetime
    parts_made: int = 0
    wear: float = 0.0
    parts_since_change: int = 0
    parts_since_restart: int = 0
    lot_index: int = 0
    parts_in_lot: int = 0


@dataclass
class Context:
    """Per-part conditions a family's physics reads besides the settings (all arrays have one entry per part)."""

    wear: np.ndarray  # family's wear state after this part (e.g. flank wear life fraction, vent fouling)
    lot: dict[str, np.ndarray]  # material-lot properties, e.g. viscosity factor
    warmup: np.ndarray  # 1 right after a restart (setup or breakdown), decaying to 0 as the process warms up
    minutes_since_restart: np.ndarray
    operator: np.ndarray  # ≥ 1: crew skill × night-shift factor; scales handling-related scatter
    shift: np.ndarray  # 1 = day (06–14 KST), 2 = evening (14–22), 3 = night (22–06)
    rng: np.random.Generator


@dataclass
class Outcome:
    """What a family's physics returns for a batch of cycles."""

    measures: dict[str, np.ndarray]
    defects: dict[str, np.ndarray]  # defect code -> bool per part, in the order of the model's DEFECTS
    sensors: dict[str, np.ndarray]


# ---- the batch ---------------------------------------------------------------------------------------------


@dataclass
class EventLog:
    """Machine-state intervals, as arrays (microseconds since the Unix epoch, UTC)."""

    start_us: np.ndarray
    end_us: np.ndarray
    state: np.ndarray
    reason_code: np.ndarray
    note: np.ndarray

    def __len__(self) -> int:
        return len(self.start_us)


def _timestamps(us: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(us, dtype="int64"), type=pa.timestamp("us", tz="UTC"))


def _json_objects(columns: Mapping[str, np.ndarray], decimals: Mapping[str, int], n: int) -> pa.Array:
    """Rows of JSON objects name -> number, built column-wise in Arrow (no Python loop over rows)."""
    if not columns:
        return pa.array([None] * n, type=pa.string())
    pieces: list[pa.Array | pa.Scalar] = []
    for i, (name, values) in enumerate(columns.items()):
        rounded = np.round(np.asarray(values, dtype="float64"), decimals.get(name, 3)) + 0.0  # +0.0 drops -0
        pieces.append(pa.scalar(("{" if i == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":"))
        pieces.append(pc.cast(pa.array(rounded, type=pa.float64()), pa.string()))
    pieces.append(pa.scalar("}"))
    return pc.binary_join_element_wise(*pieces, "")


@dataclass
class PartBatch:
    """Parts one machine made in one `simulate` call, its sensor readings per cycle and its state intervals."""

    family: ProcessFamily
    product: str
    time_us: np.ndarray  # completion time of each cycle, microseconds since the Unix epoch (UTC)
    part_id: np.ndarray
    lot_id: np.ndarray
    shift: np.ndarray
    params: dict[str, np.ndarray]
    measures: dict[str, np.ndarray]
    ok: np.ndarray
    defect_type: np.ndarray  # defect code, None where ok
    sensors: dict[str, np.ndarray]
    events: EventLog
    end_condition: MachineCondition
    wear: np.ndarray
    decimals: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.time_us)

    @property
    def n_parts(self) -> int:
        return len(self.time_us)

    @property
    def time(self) -> pd.DatetimeIndex:
        return pd.to_datetime(self.time_us, unit="us", utc=True)

    def defect_rate(self, defect: str | None = None) -> float:
        """Share of parts that are ng (or, with `defect`, ng with that defect type)."""
        if not self.n_parts:
            return 0.0
        if defect is None:
            return float((~self.ok).mean())
        return float((self.defect_type == defect).mean())

    def defect_counts(self) -> dict[str, int]:
        codes, counts = np.unique(self.defect_type[~self.ok].astype(str), return_counts=True)
        return {str(c): int(k) for c, k in zip(codes, counts, strict=True)}

    def to_frame(self) -> pd.DataFrame:
        """One row per part with parameters and measures as columns — the shape quality learning wants."""
        frame = pd.DataFrame(
            {
                "time": self.time,
                "part_id": self.part_id,
                "lot_id": self.lot_id,
                "product": self.product,
                "shift": self.shift,
                "result": np.where(self.ok, "ok", "ng"),
                "defect_type": self.defect_type,
            }
        )
        for name, values in {**self.params, **self.measures}.items():
            frame[name] = values
        return frame

    def to_part_table(self, machine_id: str) -> pa.Table:
        n = self.n_parts
        return pa.Table.from_arrays(
            [
                _timestamps(self.time_us),
                pa.array(np.full(n, machine_id, dtype=object), type=pa.string()),
                pa.array(self.part_id, type=pa.string()),
                pa.array(self.lot_id, type=pa.string()),
                pa.array(np.full(n, self.product, dtype=object), type=pa.string()),
                pa.array(np.where(self.ok, "ok", "ng").astype(object), type=pa.string()),
                pa.array(self.defect_type, type=pa.string()),
                _json_objects(self.params, self.decimals, n),
                _json_objects(self.measures, self.decimals, n),
            ],
            schema=PART_SCHEMA,
        )

    def to_reading_table(self, machine_id: str) -> pa.Table:
        """Long format: one row per (cycle, signal), all stamped with the cycle's completion time."""
        n, k = self.n_parts, len(self.sensors)
        if not n or not k:
            return READING_SCHEMA.empty_table()
        names = list(self.sensors)
        values = np.stack(
            [np.round(self.sensors[s], self.decimals.get(s, 3)) + 0.0 for s in names], axis=1
        ).ravel()
        return pa.Table.from_arrays(
            [
                _timestamps(np.repeat(self.time_us, k)),
                pa.array(np.full(n * k, machine_id, dtype=object), type=pa.string()),
                pa.array(np.tile(np.array(names, dtype=object), n), type=pa.string()),
                pa.array(values, type=pa.float64()),
            ],
            schema=READING_SCHEMA,
        )

    def to_event_table(self, machine_id: str) -> pa.Table:
        ev, m = self.events, len(self.events)
        return pa.Table.from_arrays(
            [
                pa.array(np.full(m, machine_id, dtype=object), type=pa.string()),
                _timestamps(ev.start_us),
                _timestamps(ev.end_us),
                pa.array(ev.state, type=pa.string()),
                pa.array(ev.reason_code, type=pa.string()),
                pa.array(ev.note, type=pa.string()),
            ],
            schema=EVENT_SCHEMA,
        )


def _numbered(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Identifiers like 'SH-40-00000012', built column-wise."""
    if not len(numbers):
        return np.array([], dtype=object)
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width)).astype(object)


# ---- helpers the families share -------------------------------------------------------------------------


def softplus(x: np.ndarray | float, scale: float = 1.0) -> np.ndarray:
    """Smooth max(0, x) with knee width `scale` — keeps defect probabilities smooth in the settings."""
    x = np.asarray(x, dtype="float64") / scale
    return scale * (np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))


# ---- the contract -----------------------------------------------------------------------------------------


class ProcessModel(abc.ABC):
    """One process family's virtual machine: settings in, part records + readings + state events out, seeded.

    Subclasses declare PARAMETERS, DEFECTS, MEASURES, SIGNALS, BREAKDOWNS and the physics hooks `cycle_time_s`,
    `wear_per_part`, `lot_properties` and `outcome`. Everything a process model shares — settings checks, the
    timeline of wear-driven maintenance, random breakdowns, minor stops, shifts and crews, warm-up after restarts,
    and the conversion to the platform's batches — lives here, so a new family is one new file.

    Reliability defaults: time between failures is exponential (constant hazard in the useful-life phase) and repair
    time is lognormal, the usual pair in maintainability engineering (Ebeling, *An Introduction to Reliability and
    Maintainability Engineering*, 2nd ed., ch. 3 and 9). Operator effects: crews differ in skill, and error rates
    rise on the night shift (Folkard & Tucker, "Shift work, safety and productivity", Occup. Med. 53(2), 2003).
    """

    family: ClassVar[ProcessFamily]
    label_en: ClassVar[str]
    label_ko: ClassVar[str]
    PRODUCT: ClassVar[str]
    MATERIAL: ClassVar[str]
    PARAMETERS: ClassVar[tuple[Parameter, ...]]
    DEFECTS: ClassVar[tuple[DefectType, ...]]
    MEASURES: ClassVar[tuple[Measure, ...]]
    SIGNALS: ClassVar[tuple[SensorSpec, ...]]
    BREAKDOWNS: ClassVar[tuple[Reason, ...]]
    MAINTENANCE: ClassVar[
        Reason
    ]  # the planned stop that resets wear (tool change, die regrind, mould cleaning)
    FAILURE: ClassVar[tuple[Reason, str] | None] = None  # wear-driven failure: (down reason, defect code)
    # defaults a plant can override per machine in __init__
    MTBF_H: ClassVar[float] = 40.0
    MTTR_MIN: ClassVar[float] = 30.0
    MAINTENANCE_MIN: ClassVar[float] = 20.0
    CHANGEOVER_MIN: ClassVar[float] = 30.0
    FAILURE_REPAIR_MIN: ClassVar[float] = 15.0  # replacing a broken tool/insert and re-measuring
    MINOR_STOPS_PER_H: ClassVar[float] = 1.0
    MINOR_STOP_MIN: ClassVar[float] = 3.0
    # Minor stops shorter than this are not logged as stop events: the machine's log, like most OEE registrations,
    # only records stops above a threshold (usually 5 minutes, between 1 and 10: A. Koch, OEE Academy, "What are
    # minor stops?"), so the shorter ones stay inside the running time and show as speed loss.
    STOP_LOG_MIN: ClassVar[float] = 5.0
    LOT_SIZE_PARTS: ClassVar[int] = 2000
    WARMUP_PARTS: ClassVar[float] = 10.0

    def __init__(
        self,
        *,
        mtbf_h: float | None = None,
        mttr_min: float | None = None,
        minor_stops_per_h: float | None = None,
        lot_size_parts: int | None = None,
        crew_skill: tuple[float, float, float] = (1.0, 1.15, 0.9),
        night_factor: float = 1.2,
        material_seed: int = 0,
    ) -> None:
        self.mtbf_h = self.MTBF_H if mtbf_h is None else mtbf_h
        self.mttr_min = self.MTTR_MIN if mttr_min is None else mttr_min
        self.minor_stops_per_h = self.MINOR_STOPS_PER_H if minor_stops_per_h is None else minor_stops_per_h
        self.lot_size_parts = self.LOT_SIZE_PARTS if lot_size_parts is None else lot_size_parts
        self.crew_skill = tuple(crew_skill)
        self.night_factor = night_factor
        self.material_seed = material_seed
        if self.mtbf_h <= 0 or self.mttr_min < 0 or self.minor_stops_per_h < 0 or self.lot_size_parts < 1:
            raise InvalidInput(
                "mtbf_h must be > 0, mttr_min and minor_stops_per_h ≥ 0, lot_size_parts ≥ 1",
                "mtbf_h는 0보다 커야 하고 mttr_min, minor_stops_per_h는 0 이상, lot_size_parts는 1 이상이어야 합니다",
                code="bad_model_config",
            )

    # ---- physics hooks, one set per family ----------------------------------------------------------------
    @abc.abstractmethod
    def cycle_time_s(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """Cycle time of each part from its actual parameters."""

    @abc.abstractmethod
    def wear_per_part(self, p: Mapping[str, np.ndarray], lot: Mapping[str, np.ndarray]) -> np.ndarray:
        """Increment of the family's wear state per cycle (its maintenance resets the state to 0)."""

    @abc.abstractmethod
    def maintenance_interval_parts(self, settings: Mapping[str, float], mean_wear_per_part: float) -> int:
        """Parts between planned maintenance stops (tool change, regrind, cleaning) at these settings."""

    @abc.abstractmethod
    def lot_properties(self, rng: np.random.Generator) -> dict[str, float]:
        """Properties of one material lot, drawn from its supplier's spread."""

    @abc.abstractmethod
    def outcome(self, p: Mapping[str, np.ndarray], ctx: Context) -> Outcome:
        """Measured characteristics, defects and sensor values of each cycle."""

    def failure_probability(self, p: Mapping[str, np.ndarray], wear: np.ndarray) -> np.ndarray:
        """Probability per cycle of a wear-driven failure (e.g. tool breakage); none by default."""
        return np.zeros(len(wear))

    # ---- settings ----------------------------------------------------------------------------------------
    @classmethod
    def parameter(cls, name: str) -> Parameter:
        for p in cls.PARAMETERS:
            if p.name == name:
                return p
        raise InvalidInput(
            f"{cls.label_en} has no parameter {name!r}; known: {', '.join(p.name for p in cls.PARAMETERS)}",
            f"{cls.label_ko} 모델에는 {name!r} 변수가 없습니다. 사용 가능한 변수: "
            f"{', '.join(p.name for p in cls.PARAMETERS)}",
            code="unknown_parameter",
            field=name,
        )

    @classmethod
    def nominal_settings(cls) -> dict[str, float]:
        """A well-run setting: about 1–3 % defects over a long run."""
        return {p.name: p.nominal for p in cls.PARAMETERS}

    @classmethod
    @abc.abstractmethod
    def poor_settings(cls) -> dict[str, float]:
        """A plausible but badly tuned setting (inside the machine's limits): about 10–30 % defects."""

    @classmethod
    def machine_limits(cls) -> dict[str, tuple[float, float]]:
        return {p.name: (p.machine_min, p.machine_max) for p in cls.PARAMETERS}

    @classmethod
    def process_window(cls) -> dict[str, tuple[float, float]]:
        return {p.name: (p.min, p.max) for p in cls.PARAMETERS}

    @classmethod
    def trial_settings(
        cls, centre: Mapping[str, float], n_runs: int, *, spread: float = 0.25, seed: int = 0
    ) -> np.ndarray:
        """Set points of a space-filling trial around `centre`: a Latin hypercube (McKay, Beckman & Conover 1979)
        within ± `spread` × the process window of each parameter, kept inside the window and the machine limits;
        the first run is the centre itself. Rows in the order of `PARAMETERS`."""
        from scipy.stats import qmc

        pars = cls.PARAMETERS
        mid = np.array([float(centre[p.name]) for p in pars])
        lo = np.array(
            [max(p.min, p.machine_min, c - spread * (p.max - p.min)) for p, c in zip(pars, mid, strict=True)]
        )
        hi = np.array(
            [min(p.max, p.machine_max, c + spread * (p.max - p.min)) for p, c in zip(pars, mid, strict=True)]
        )
        lo, hi = np.minimum(lo, mid), np.maximum(hi, mid)
        points = lo + qmc.LatinHypercube(d=len(pars), seed=seed).random(n_runs) * (hi - lo)
        points[0] = mid
        return points

    @classmethod
    def check_settings(cls, settings: Mapping[str, float] | None) -> dict[str, float]:
        """All parameters as floats: missing ones take their nominal; unknown, non-numeric or out-of-limit refused."""
        out = cls.nominal_settings()
        for name, value in (settings or {}).items():
            p = cls.parameter(name)
            try:
                v = float(value)
            except (TypeError, ValueError):
                v = math.nan
            if not math.isfinite(v):
                raise InvalidInput(
                    f"{p.label_en} ({name}) must be a number in {p.unit}, got {value!r}",
                    f"{p.label_ko}({name}) 값은 {p.unit} 단위의 숫자여야 합니다 (입력: {value!r})",
                    code="bad_setting",
                    field=name,
                )
            if not p.machine_min <= v <= p.machine_max:
                raise InvalidInput(
                    f"{p.label_en} ({name}) = {v:g} {p.unit} is outside the machine's limits "
                    f"[{p.machine_min:g}, {p.machine_max:g}] {p.unit}; choose a value within them",
                    f"{p.label_ko}({name}) 값 {v:g} {p.unit}이(가) 설비 한계 [{p.machine_min:g}, "
                    f"{p.machine_max:g}] {p.unit}를 벗어났습니다. 한계 안의 값으로 설정하세요",
                    code="setting_out_of_limits",
                    field=name,
                )
            out[name] = v
        return out

    # ---- registration helpers ---------------------------------------------------------------------------
    def signals(self, company_id: str, machine_id: str) -> list[Signal]:
        """The signals to define on a machine before its readings are ingested."""
        return [s.to_signal(company_id, machine_id) for s in self.SIGNALS]

    @classmethod
    def defect_labels(cls) -> dict[str, tuple[str, str]]:
        return {d.code: (d.label_en, d.label_ko) for d in cls.DEFECTS}

    @classmethod
    def column_labels(cls) -> dict[str, dict[str, str]]:
        """The family's settings, measured characteristics and sensors by name → {"en", "ko", "unit"}: what a
        page shows for a column the machine's records carry (`melt_temp_c` → "용융 수지 온도", °C)."""
        items = (*cls.SIGNALS, *cls.MEASURES, *cls.PARAMETERS)  # a setting's own name wins over a sensor's
        return {i.name: {"en": i.label_en, "ko": i.label_ko, "unit": i.unit} for i in items}

    @classmethod
    def spec_limits(cls) -> dict[str, tuple[float | None, float | None]]:
        """The family's measured characteristics that have specification limits: name → (lower, upper)."""
        return {
            m.name: (m.lower_spec, m.upper_spec)
            for m in cls.MEASURES
            if m.lower_spec is not None or m.upper_spec is not None
        }

    # ---- simulation --------------------------------------------------------------------------------------
    def simulate(
        self,
        settings: Mapping[str, float] | None = None,
        n_parts: int = 1000,
        start_time: datetime | None = None,
        *,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        condition: MachineCondition | None = None,
    ) -> PartBatch:
        """Run `n_parts` cycles at `settings` from `start_time` (or from where `condition` left the machine).

        Same settings, n_parts, start and seed → identical output (or pass a `rng`; it is used instead of `seed`).
        Without `condition` the run starts at `start_time` (default 2026-01-05 00:00 UTC) with a product changeover
        (setup) on a fresh tool/die; pass the previous batch's `end_condition` to continue a machine — its clock,
        wear, lot and counters carry on, and `start_time` is then not used.
        """
        s = self.check_settings(settings)
        if isinstance(n_parts, bool) or not isinstance(n_parts, (int, np.integer)) or n_parts < 0:
            raise InvalidInput(
                f"n_parts must be a whole number ≥ 0, got {n_parts!r}",
                f"n_parts는 0 이상의 정수여야 합니다 (입력: {n_parts!r})",
                code="bad_setting",
                field="n_parts",
            )
        n = int(n_parts)
        fresh = condition is None
        if condition is None:
            start = start_time or DEFAULT_START
            if start.tzinfo is None:
                raise InvalidInput(
                    "start_time needs a time zone (e.g. datetime(..., tzinfo=UTC))",
                    "start_time에 시간대가 필요합니다 (예: datetime(..., tzinfo=UTC))",
                    code="naive_time",
                    field="start_time",
                )
            condition = MachineCondition(time=start.astimezone(UTC))
        if rng is None:
            rng = np.random.default_rng(seed)
        r_param, r_life, r_stop, r_out, r_lot = rng.spawn(5)

        # 1. actual parameter values per cycle (controller scatter around the set value, inside machine limits)
        p: dict[str, np.ndarray] = {}
        for par in self.PARAMETERS:
            noise = r_param.normal(0.0, par.noise_sd, n) if par.noise_sd > 0 else np.zeros(n)
            p[par.name] = np.clip(s[par.name] + noise, par.machine_min, par.machine_max)

        # 2. material lots: properties fixed per lot (seeded by lot number, so a lot is the same across calls)
        lot_index = condition.lot_index + (condition.parts_in_lot + np.arange(n)) // self.lot_size_parts
        lots = np.unique(lot_index) if n else np.array([condition.lot_index])
        lot_table = [self.lot_properties(np.random.default_rng([self.material_seed, int(i)])) for i in lots]
        pos = np.searchsorted(lots, lot_index)
        lot = {key: np.array([t[key] for t in lot_table])[pos] for key in lot_table[0]}

        # 3. wear, planned maintenance and wear-driven failures
        wear, maintenance_after, failures = self._wear_timeline(s, p, lot, condition, r_life)

        # 4. the timeline: cycles plus inserted stops
        cycle = self.cycle_time_s(p)
        gaps = self._gaps(n, cycle, fresh, maintenance_after, failures, r_stop)
        time_us, cycle_us, events, end_us, restart_before = self._clock(condition, cycle, gaps)
        t0_us = int(round(condition.time.timestamp() * _US))

        # 5. shifts and crews (KST: day 06–14, evening 14–22, night 22–06; crews rotate weekly)
        local_h = (time_us // (3600 * _US) + SEOUL_UTC_OFFSET_H) % 24
        shift = np.where((local_h >= 6) & (local_h < 14), 1, np.where((local_h >= 14) & (local_h < 22), 2, 3))
        week = time_us // (7 * 86400 * _US)
        crew = (shift - 1 + week) % 3
        operator = np.asarray(self.crew_skill)[crew] * np.where(shift == 3, self.night_factor, 1.0)

        # 6. warm-up after restarts: cycles since the last setup or breakdown, and minutes since it ended
        idx = np.arange(n)
        last = np.maximum.accumulate(np.where(restart_before[:n], idx, -1)) if n else idx
        since = np.where(last >= 0, idx - last, condition.parts_since_restart + idx)
        first = np.maximum(last, 0)
        mean_cycle_us = float(cycle_us.mean()) if n else 0.0
        restart_us = np.where(
            last >= 0,
            time_us[first] - cycle_us[first] if n else 0,
            t0_us - condition.parts_since_restart * mean_cycle_us,
        )
        minutes = (time_us - restart_us) / (60 * _US)
        warmup = np.exp(-since / self.WARMUP_PARTS)

        ctx = Context(
            wear=wear,
            lot=lot,
            warmup=warmup,
            minutes_since_restart=minutes,
            operator=operator,
            shift=shift,
            rng=r_out,
        )
        out = self.outcome(p, ctx)
        defect = np.full(n, None, dtype=object)
        failure_code = self.FAILURE[1] if self.FAILURE is not None else None
        for d in reversed(self.DEFECTS):  # the first listed defect wins when a part has several
            flags = out.defects.get(d.code)
            if flags is not None and d.code != failure_code:
                defect = np.where(flags, d.code, defect)
        if failure_code is not None and len(failures):
            defect[failures] = failure_code
        ok = np.asarray(defect == None, dtype=bool)  # noqa: E711 - elementwise on an object array

        # 7. identifiers
        serial = condition.parts_made + np.arange(n) + 1
        part_id = _numbered(f"{self.PRODUCT}-", serial, 8)
        lot_id = _numbered(f"{self.MATERIAL}-", lot_index, 5)

        sensors = {
            spec.name: np.clip(out.sensors[spec.name], spec.min_value, spec.max_value)
            for spec in self.SIGNALS
        }
        decimals = {par.name: par.decimals for par in self.PARAMETERS}
        decimals.update({m.name: m.decimals for m in self.MEASURES})
        decimals.update({sig.name: sig.decimals for sig in self.SIGNALS})

        last_wear = float(wear[-1]) if n else condition.wear
        since_change = condition.parts_since_change + n
        resets = np.concatenate([maintenance_after, failures])
        if resets.size:
            last_reset = int(resets.max())
            since_change = n - 1 - last_reset
            if last_reset == n - 1:
                last_wear = 0.0
        since_restart = int(since[-1]) + 1 if n else condition.parts_since_restart
        if restart_before[n]:
            since_restart = 0
        end = MachineCondition(
            time=datetime.fromtimestamp(end_us / _US, tz=UTC),
            parts_made=condition.parts_made + n,
            wear=last_wear,
            parts_since_change=since_change,
            parts_since_restart=since_restart,
            lot_index=int(lot_index[-1]) if n else condition.lot_index,
            parts_in_lot=(
                condition.parts_in_lot + n - (int(lot_index[-1]) - condition.lot_index) * self.lot_size_parts
                if n
                else condition.parts_in_lot
            ),
        )
        return PartBatch(
            family=self.family,
            product=self.PRODUCT,
            time_us=time_us,
            part_id=part_id,
            lot_id=lot_id,
            shift=shift,
            params={k: v for k, v in p.items()},
            measures=out.measures,
            ok=ok,
            defect_type=defect,
            sensors=sensors,
            events=events,
            end_condition=end,
            wear=wear,
            decimals=decimals,
        )

    def expected_defect_rate(
        self, settings: Mapping[str, float] | None = None, n_parts: int = 5000, seed: int = 0
    ) -> float:
        """Monte-Carlo defect rate at `settings` (common random numbers across settings for the same seed)."""
        return self.simulate(settings, n_parts, seed=seed).defect_rate()

    # ---- timeline internals ---------------------------------------------------------------------------------
    def _wear_timeline(
        self,
        s: Mapping[str, float],
        p: Mapping[str, np.ndarray],
        lot: Mapping[str, np.ndarray],
        condition: MachineCondition,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Wear after each cycle, the cycles after which planned maintenance happens, and wear-driven failures.

        Loops over maintenance intervals (not parts): each interval is vectorised, and a failure inside one ends it.
        """
        n = len(next(iter(p.values()))) if p else 0
        rate = self.wear_per_part(p, lot)
        interval = max(1, int(self.maintenance_interval_parts(s, float(rate.mean()) if n else 0.0)))
        u = rng.random(n)
        wear = np.empty(n)
        maintenance: list[int] = []
        failures: list[int] = []
        i, w0, since = 0, condition.wear, condition.parts_since_change
        while i < n:
            if since >= interval:
                maintenance.append(i - 1)
                w0, since = 0.0, 0
            end = min(n, i + interval - since)
            w = w0 + np.cumsum(rate[i:end])
            if self.FAILURE is not None:
                hazard = self.failure_probability({k: v[i:end] for k, v in p.items()}, w)
                hit = np.flatnonzero(u[i:end] < hazard)
                if hit.size:
                    k = int(hit[0])
                    wear[i : i + k + 1] = w[: k + 1]
                    failures.append(i + k)
                    i, w0, since = i + k + 1, 0.0, 0
                    continue
            wear[i:end] = w
            since += end - i
            w0 = float(w[-1])
            i = end
        return wear, np.array(maintenance, dtype="int64"), np.array(failures, dtype="int64")

    def _gaps(
        self,
        n: int,
        cycle: np.ndarray,
        fresh: bool,
        maintenance_after: np.ndarray,
        failures: np.ndarray,
        rng: np.random.Generator,
    ) -> list[tuple[int, float, str, Reason]]:
        """Stops inserted between cycles: (after cycle index, duration s, state, reason); -1 = before the first."""
        gaps: list[tuple[int, float, str, Reason]] = []
        if fresh:
            gaps.append(
                (-1, self.CHANGEOVER_MIN * 60 * rng.lognormal(0.0, 0.3), MachineState.setup, CHANGEOVER)
            )
        for k in maintenance_after:
            dur = self.MAINTENANCE_MIN * 60 * rng.lognormal(0.0, 0.25)
            gaps.append((int(k), dur, MachineState.setup, self.MAINTENANCE))
        if self.FAILURE is not None:
            for k in failures:
                dur = self.FAILURE_REPAIR_MIN * 60 * rng.lognormal(0.0, 0.5)
                gaps.append((int(k), dur, MachineState.down, self.FAILURE[0]))
        if n:
            running = np.cumsum(cycle)
            total_h = running[-1] / 3600
            # breakdowns: exponential times between failures in running time, lognormal repair times
            k = int(total_h / self.mtbf_h * 3 + 10)
            at = np.cumsum(rng.exponential(self.mtbf_h * 3600, k))
            at = at[at < running[-1]]
            weights = np.array([r.weight for r in self.BREAKDOWNS])
            which = rng.choice(len(self.BREAKDOWNS), size=len(at), p=weights / weights.sum())
            repair = self.mttr_min * 60 * rng.lognormal(0.0, 0.6, len(at))
            for t, w, d in zip(at, which, repair, strict=True):
                gaps.append(
                    (int(np.searchsorted(running, t)), float(d), MachineState.down, self.BREAKDOWNS[int(w)])
                )
            # minor stops (material, operator, checks): Poisson in running time, exponential durations
            if self.minor_stops_per_h > 0:
                k = int(total_h * self.minor_stops_per_h * 3 + 10)
                at = np.cumsum(rng.exponential(3600 / self.minor_stops_per_h, k))
                at = at[at < running[-1]]
                weights = np.array([r.weight for r in MINOR_STOP_REASONS])
                which = rng.choice(len(MINOR_STOP_REASONS), size=len(at), p=weights / weights.sum())
                dur = rng.exponential(self.MINOR_STOP_MIN * 60, len(at)) + 30.0
                for t, w, d in zip(at, which, dur, strict=True):
                    gaps.append(
                        (
                            int(np.searchsorted(running, t)),
                            float(d),
                            MachineState.idle,
                            MINOR_STOP_REASONS[int(w)],
                        )
                    )
        order = {MachineState.down: 0, MachineState.setup: 1, MachineState.idle: 2}
        gaps = [g for g in gaps if g[0] < n]
        gaps.sort(key=lambda g: (g[0], order[g[2]]))
        return gaps

    def _clock(
        self, condition: MachineCondition, cycle: np.ndarray, gaps: list[tuple[int, float, str, Reason]]
    ) -> tuple[np.ndarray, np.ndarray, EventLog, int, np.ndarray]:
        """Completion time and duration (µs) of each cycle, the state intervals, the end time, and which cycles
        follow a restart (one entry more than cycles: a restart after the last one)."""
        n = len(cycle)
        t0 = int(round(condition.time.timestamp() * _US))
        cycle_us = np.maximum(np.round(cycle * _US).astype("int64"), 1)
        after = np.array([g[0] for g in gaps], dtype="int64")
        dur_us = np.array([max(1, int(round(g[1] * _US))) for g in gaps], dtype="int64")
        acc = np.zeros(n + 1, dtype="int64")
        np.add.at(acc, after + 1, dur_us)
        time_us = t0 + np.cumsum(acc)[:n] + np.cumsum(cycle_us)
        restart_before = np.zeros(n + 1, dtype=bool)  # entry n: a restart after the last cycle
        starts, ends, states, reasons, notes = [], [], [], [], []
        cursor = t0
        unlogged_until = t0  # the end of the last minor stop too short to be logged (it stays "running")
        log_us = int(self.STOP_LOG_MIN * 60 * _US)
        for (k, _, state, reason), d in zip(gaps, dur_us, strict=True):
            # a stop starts when cycle k completes, or when the stop before it (after the same cycle) ends
            g_start = max(cursor, unlogged_until, t0 if k < 0 else int(time_us[k]))
            if state == MachineState.idle and d < log_us:
                unlogged_until = g_start + int(d)
                continue
            if g_start > cursor:
                starts.append(cursor)
                ends.append(g_start)
                states.append(MachineState.running.value)
                reasons.append(None)
                notes.append(None)
            starts.append(g_start)
            ends.append(g_start + int(d))
            states.append(str(state))
            reasons.append(reason.code)
            notes.append(f"{reason.label_ko} / {reason.label_en}")
            cursor = g_start + int(d)
            if state in (MachineState.down, MachineState.setup):
                restart_before[k + 1] = True
        end_us = max(int(time_us[-1]) if n else t0, unlogged_until)
        if end_us > cursor:
            starts.append(cursor)
            ends.append(end_us)
            states.append(MachineState.running.value)
            reasons.append(None)
            notes.append(None)
        end_us = max(end_us, cursor)
        events = EventLog(
            start_us=np.array(starts, dtype="int64"),
            end_us=np.array(ends, dtype="int64"),
            state=np.array(states, dtype=object),
            reason_code=np.array(reasons, dtype=object),
            note=np.array(notes, dtype=object),
        )
        return time_us, cycle_us, events, end_us, restart_before
