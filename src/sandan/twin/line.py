"""The line model of the factory twin: products, routings, stations, buffers, workers, release and calendar as data.

It owns YAML → validated pydantic objects, analytic capacity figures and `line_from_store`; it never simulates.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from sandan.domain import InvalidInput, Machine, NotFound, ProcessFamily
from sandan.domain.errors import english_reason, korean_reason, value_error
from sandan.monitor.calendar import ShiftCalendar, working_day_windows
from sandan.twin.inputs import DIST_FIELDS, load_yaml, parse_dist, read_text

MAX_MACHINES = 1000  # parallel machines of one station
MAX_PEOPLE = 10000  # people of one worker group
# the longest duration a line model takes (a process, setup, repair or transport time, a time between arrivals or
# failures): a year; 1e20 s was simulated as a station that never finished a part and drawn as 27,777,777,777,777,776 h
MAX_DURATION_S = 365 * 86_400.0

# ---- distributions ---------------------------------------------------------------------------------------

DistKind = Literal[
    "deterministic", "exponential", "normal", "lognormal", "triangular", "uniform", "empirical", "trace"
]


class Dist(BaseModel):
    """A random duration in seconds (process, setup, repair, transport time or time between arrivals/failures).

    `deterministic` (mean), `exponential` (mean), `normal` (mean, sd; truncated at 0 by clipping), `lognormal`
    (mean, sd of the duration itself; σ² = ln(1 + sd²/mean²), μ = ln mean − σ²/2 — Law, *Simulation Modeling and
    Analysis*, 5th ed., §6.2.2), `triangular` (low, mode, high; mean (a+b+c)/3), `uniform` (low, high),
    `empirical` (values, drawn with replacement — bootstrap of measured data) and `trace` (values used in order,
    cyclically: trace-driven simulation, Law §6.1). In YAML a bare number means a deterministic time.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DistKind = "deterministic"
    mean: float | None = Field(default=None, ge=0, le=MAX_DURATION_S)
    sd: float | None = Field(default=None, ge=0, le=MAX_DURATION_S)
    low: float | None = Field(default=None, ge=0, le=MAX_DURATION_S)
    mode: float | None = Field(default=None, ge=0, le=MAX_DURATION_S)
    high: float | None = Field(default=None, ge=0, le=MAX_DURATION_S)
    values: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Dist:
        need = DIST_FIELDS[self.kind]
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.kind} distribution needs {', '.join(missing)}")
        if self.kind == "triangular" and not (self.low <= self.mode <= self.high):
            raise ValueError("triangular needs low ≤ mode ≤ high")
        if self.kind == "uniform" and self.low > self.high:
            raise ValueError("uniform needs low ≤ high")
        if self.kind == "lognormal" and self.mean == 0:
            raise ValueError("lognormal needs mean > 0")
        if self.values is not None and (
            not self.values or not all(0 <= v <= MAX_DURATION_S for v in self.values)
        ):
            raise value_error(
                f"values must be a non-empty list of durations from 0 to {MAX_DURATION_S:,.0f} s (a year)",
                f"values는 0에서 {MAX_DURATION_S:,.0f}초(1년) 사이 시간의 목록이어야 하며 비어 있으면 안 됩니다",
            )
        return self

    @property
    def expected(self) -> float:
        """The mean of the distribution (for `normal`, of the untruncated normal)."""
        k = self.kind
        if k in ("deterministic", "exponential", "normal", "lognormal"):
            return float(self.mean)
        if k == "triangular":
            return (self.low + self.mode + self.high) / 3.0
        if k == "uniform":
            return (self.low + self.high) / 2.0
        return float(np.mean(self.values))

    @property
    def always_zero(self) -> bool:
        """No draw can be longer than 0 (a normal's sd of 0 included: it is clipped at 0)."""
        k = self.kind
        if k in ("deterministic", "exponential", "lognormal"):
            return self.mean == 0
        if k == "normal":
            return self.mean == 0 and self.sd == 0
        if k in ("triangular", "uniform"):
            return self.high == 0
        return max(self.values) == 0

    @property
    def scv(self) -> float:
        """Squared coefficient of variation c² = σ²/μ² (Hopp & Spearman, *Factory Physics*, 3rd ed., §8.2)."""
        m = self.expected
        if m == 0:
            return 0.0
        k = self.kind
        if k == "deterministic":
            var = 0.0
        elif k == "exponential":
            var = m * m
        elif k in ("normal", "lognormal"):
            var = self.sd**2
        elif k == "triangular":
            a, c, b = self.low, self.mode, self.high
            var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
        elif k == "uniform":
            var = (self.high - self.low) ** 2 / 12.0
        else:
            var = float(np.var(self.values))
        return var / (m * m)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` independent draws (for `trace`, the first `n` values of the cycle)."""
        k = self.kind
        if k == "deterministic":
            return np.full(n, float(self.mean))
        if k == "exponential":
            return rng.exponential(self.mean, n)
        if k == "normal":
            return np.maximum(rng.normal(self.mean, self.sd, n), 0.0)
        if k == "lognormal":
            s2 = math.log1p((self.sd / self.mean) ** 2)
            return rng.lognormal(math.log(self.mean) - s2 / 2.0, math.sqrt(s2), n)
        if k == "triangular":
            if self.low == self.high:
                return np.full(n, float(self.low))
            return rng.triangular(self.low, self.mode, self.high, n)
        if k == "uniform":
            return rng.uniform(self.low, self.high, n)
        values = np.asarray(self.values, dtype="float64")
        if k == "empirical":
            return rng.choice(values, n)
        return np.resize(values, n)


def _coerce_dist(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a duration must be a number or a distribution")
    if isinstance(value, int | float):
        return {"kind": "deterministic", "mean": float(value)}
    if isinstance(
        value, str
    ):  # the line editor's short text in YAML too: 30, "exponential 30", "normal 30 3"
        try:
            parsed = parse_dist(value, "")
        except InvalidInput as exc:  # "20 s", "twenty": said as the form says it, not "must be a mapping"
            raise value_error(exc.en, exc.ko) from None
        return value if parsed is None else _coerce_dist(parsed)
    return value


DistLike = Annotated[Dist, BeforeValidator(_coerce_dist)]


def dist(kind: DistKind = "deterministic", **params: Any) -> Dist:
    """Shorthand: `dist("exponential", mean=30)`."""
    return Dist(kind=kind, **params)


# ---- the line ---------------------------------------------------------------------------------------------


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


Window = tuple[float, float]


def _check_windows(windows: Sequence[Window], day_h: float) -> None:
    last = -math.inf
    for a, b in windows:
        if not (0 <= a < b <= day_h) or a < last:
            raise ValueError(f"working windows must be ordered, non-overlapping hours within [0, {day_h:g}]")
        last = b


def _exponential_numbers(data: Any, keys: tuple[str, ...]) -> Any:
    """A bare number under one of `keys` is the mean of an exponential time (a constant rate)."""
    if isinstance(data, Mapping):
        data = dict(data)
        for key in keys:
            v = data.get(key)
            if isinstance(v, int | float) and not isinstance(v, bool):
                data[key] = {"kind": "exponential", "mean": float(v)}
    return data


class Failure(_Part):
    """Breakdowns counted in operating time: time between failures `mtbf` and repair time `mttr` (a bare number
    means an exponential time with that mean — constant hazard, Ebeling, *Reliability and Maintainability
    Engineering*, 2nd ed., ch. 3). A failure interrupts the part in work, which resumes after the repair
    (preemptive outage, Hopp & Spearman, *Factory Physics*, 3rd ed., §8.4.2)."""

    mtbf: DistLike
    mttr: DistLike

    @model_validator(mode="before")
    @classmethod
    def _numbers_are_exponential(cls, data: Any) -> Any:
        return _exponential_numbers(data, ("mtbf", "mttr"))

    @model_validator(mode="after")
    def _works_between_failures(self) -> Failure:
        # mtbf 0: the machine fails again at once and never makes a part (the run said utilisation 0 %)
        if not self.mtbf.expected > 0:
            raise value_error(
                "mtbf must be more than 0: a machine that fails again at once never makes a part",
                "mtbf는 0보다 커야 합니다. 고장 사이 시간이 0이면 설비가 부품을 하나도 만들지 못합니다",
            )
        return self

    @property
    def availability(self) -> float:
        """A = MTBF / (MTBF + MTTR) (Hopp & Spearman §8.4.2, eq. 8.5)."""
        f, r = self.mtbf.expected, self.mttr.expected
        return f / (f + r) if f + r > 0 else 1.0


class Waits(_Part):
    """Stops for reasons outside the machine — waiting for material or an operator, a quality check — counted in
    operating time like failures: time between `every`, duration `lasting` (a bare number: exponential with that
    mean). The machine finishes its part first and waits before it takes the next one, so its queue grows
    meanwhile; the time is its own state (`idle`), not a repair."""

    every: DistLike
    lasting: DistLike

    @model_validator(mode="before")
    @classmethod
    def _numbers_are_exponential(cls, data: Any) -> Any:
        return _exponential_numbers(data, ("every", "lasting"))


class ProcessScrap(_Part):
    """Scrap rate taken from a family process model at given settings (its Monte-Carlo `expected_defect_rate`)."""

    family: ProcessFamily
    settings: dict[str, float] = Field(default_factory=dict)
    n_parts: int = Field(default=3000, ge=100)
    seed: int = 0

    def rate(self) -> float:
        return _process_defect_rate(
            self.family, tuple(sorted(self.settings.items())), self.n_parts, self.seed
        )


@functools.lru_cache(maxsize=256)
def _process_defect_rate(family: ProcessFamily, settings: tuple, n_parts: int, seed: int) -> float:
    from sandan.twin.process import MODELS

    if family not in MODELS:
        raise InvalidInput(
            f"there is no process model for family {family.value!r}; known: {', '.join(f.value for f in MODELS)}",
            f"{family.value!r} 공정 모델이 없습니다. 사용 가능: {', '.join(f.value for f in MODELS)}",
            code="unknown_process_model",
        )
    return float(MODELS[family]().expected_defect_rate(dict(settings), n_parts=n_parts, seed=seed))


class Station(_Part):
    """A work centre of `machines` identical parallel machines with an input buffer of `buffer` places
    (None = unlimited; parts in the machines are not counted). A finished part waits on its machine while the
    next buffer is full (blocking after service)."""

    id: str = Field(min_length=1, max_length=64)
    name: str = ""
    machines: int = Field(default=1, ge=1, le=MAX_MACHINES)
    process_time: DistLike
    setup_time: DistLike | None = None  # on a change of product at a machine (and every `setup_every` parts)
    # a machine also sets up after this many parts of one product (a mould, die or tool change): what a line
    # built from the store's records does when it makes one product but its machines did set up
    setup_every: int | None = Field(default=None, ge=1)
    failure: Failure | None = None
    waits: Waits | None = None  # stops not of the machine: material, operator, checks
    scrap_rate: float = Field(default=0.0, ge=0.0, lt=1.0)
    scrap_from: ProcessScrap | None = None
    buffer: int | None = Field(default=None, ge=0)
    worker: str | None = None  # the skill a worker needs to run this station
    worker_during: Literal["process", "setup"] = "process"
    ideal_cycle_time_s: float | None = Field(default=None, gt=0)
    machine_cost: float = Field(default=0.0, ge=0)
    from_machines: list[str] | None = (
        None  # the store's machines this station was built from (information only)
    )

    @model_validator(mode="after")
    def _setup_needs_a_time(self) -> Station:
        if self.setup_every is not None and self.setup_time is None:
            raise ValueError(f"station {self.id}: setup_every needs a setup_time")
        return self

    @property
    def scrap(self) -> float:
        return self.scrap_from.rate() if self.scrap_from is not None else self.scrap_rate

    @property
    def availability(self) -> float:
        """The share of time a machine can work: 1 / (1 + MTTR/MTBF + wait/between), both in operating time (for
        failures alone MTBF / (MTBF + MTTR), Hopp & Spearman §8.4.2, eq. 8.5)."""
        lost = 0.0
        if self.failure is not None:
            f, r = self.failure.mtbf.expected, self.failure.mttr.expected
            lost += r / f if f > 0 else math.inf
        if self.waits is not None:
            e, w = self.waits.every.expected, self.waits.lasting.expected
            lost += w / e if e > 0 else math.inf
        return 1.0 / (1.0 + lost)

    @property
    def repair_availability(self) -> float:
        """The share of processing time not lost to repairs: MTBF / (MTBF + MTTR) (outside waits left out)."""
        if self.failure is None:
            return 1.0
        f, r = self.failure.mtbf.expected, self.failure.mttr.expected
        return f / (f + r) if f + r > 0 else 1.0


class Step(_Part):
    station: str
    process_time: DistLike | None = None  # overrides the station's time for this product


def _coerce_step(value: Any) -> Any:
    return {"station": value} if isinstance(value, str) else value


class Product(_Part):
    id: str = Field(min_length=1, max_length=64)
    name: str = ""
    mix: float = Field(default=1.0, gt=0)  # share of releases (normalised over products)
    routing: list[Annotated[Step, BeforeValidator(_coerce_step)]] = Field(min_length=1)


class WorkerGroup(_Part):
    """`count` interchangeable people with `skills`; they serve stations that need one of those skills and, if
    `stations` is given, only those stations. `shift` lists their working hours of the day (None = always)."""

    id: str = Field(min_length=1, max_length=64)
    name: str = ""
    count: int = Field(default=1, ge=0, le=MAX_PEOPLE)
    skills: list[str] = Field(min_length=1)
    stations: list[str] | None = None
    # an empty list would be people who never work (the simulation failed on it); None is always
    shift: list[Window] | None = Field(default=None, min_length=1)
    cost: float = Field(default=0.0, ge=0)  # per person

    def serves(self, station: Station) -> bool:
        return (
            station.worker is not None
            and station.worker in self.skills
            and (self.stations is None or station.id in self.stations)
        )


class Transport(_Part):
    from_: str = Field(alias="from")
    to: str
    time: DistLike


class Release(_Part):
    """How work enters the line (Hopp & Spearman ch. 4 and 10): `push` — parts arrive with `interarrival` times
    (a full entry buffer blocks arrivals or loses them); `conwip` — a new part starts whenever one leaves, so `wip`
    parts are always in the line; `kanban` — the first station never starves and the finite buffers act as
    kanban squares, so work is pulled by the line's own pace."""

    policy: Literal["push", "conwip", "kanban"] = "push"
    interarrival: DistLike | None = None
    when_full: Literal["block", "lose"] = "block"
    wip: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _complete(self) -> Release:
        if self.policy == "push" and self.interarrival is None:
            raise ValueError("push release needs interarrival (the time between arrivals)")
        if self.policy == "conwip" and self.wip is None:
            raise ValueError("conwip release needs wip (the number of parts kept in the line)")
        return self


class Calendar(_Part):
    """Working windows (start hour, end hour) of each day; machines start no new operation outside them and
    releases pause. None of the line's calendar → the line runs around the clock."""

    windows: list[Window] = Field(min_length=1)
    day_h: float = Field(default=24.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        _check_windows(self.windows, self.day_h)
        return self

    @property
    def working_fraction(self) -> float:
        return sum(b - a for a, b in self.windows) / self.day_h

    def with_shift(self, hours: float) -> Calendar:
        """This calendar with one more working window of up to `hours`, starting where the longest idle stretch
        of the day begins (after the last shift, wrapping past midnight) — where a plant adds a shift."""
        ws = sorted(self.windows)
        gaps = []  # (length, start) of each idle stretch, the one across midnight included
        for (_, b), (a2, _) in zip(ws, ws[1:] + [(ws[0][0] + self.day_h, 0.0)], strict=True):
            if a2 - b > 1e-9:
                gaps.append((a2 - b, b))
        if not gaps:
            raise ValueError("the working day is already full")
        length, start = max(gaps)
        end = start + min(hours, length)
        added = [(start, min(end, self.day_h))] + ([(0.0, end - self.day_h)] if end > self.day_h else [])
        merged: list[list[float]] = []
        for a, b in sorted([*ws, *[w for w in added if w[1] > w[0]]]):
            if merged and a <= merged[-1][1] + 1e-9:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return Calendar(windows=[(a, b) for a, b in merged], day_h=self.day_h)


def _setup_share(s: Station) -> float:
    """A periodic setup's time per part at a station (`setup_time` / `setup_every`; 0 without one)."""
    return s.setup_time.expected / s.setup_every if s.setup_every and s.setup_time is not None else 0.0


def place_label(loc: Sequence[Any], data: Any) -> str:
    """A dotted path that names list items by their id where they have one, else by their place counted from 1:
    stations[drill].process_time.mean, stations[#2].id."""
    out: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            ident = item.get("id") if isinstance(item, Mapping) else None
            suffix = f"[{ident if ident else f'#{part + 1}'}]"
            if out:
                out[-1] += suffix
            else:
                out.append(suffix)
            node = item
        else:
            out.append(str(part))
            node = node.get(part) if isinstance(node, Mapping) else None
    return ".".join(out)


class LineModel(_Part):
    """A production line as data. All times are seconds; simulation time 0 is the start of a day (00:00)."""

    id: str = Field(default="line", min_length=1, max_length=64)
    name: str = ""
    stations: list[Station] = Field(min_length=1)
    products: list[Product] = Field(default_factory=list)
    workers: list[WorkerGroup] = Field(default_factory=list)
    transports: list[Transport] = Field(default_factory=list)
    release: Release = Field(default_factory=lambda: Release(policy="kanban"))
    calendar: Calendar | None = None
    buffer_cost: float = Field(default=0.0, ge=0)  # per buffer place

    @property
    def run_hours(self) -> float:
        """How long a run of this line lasts unless told otherwise: a shift (8 h) around the clock; a whole day
        when it follows a calendar, since simulation time 0 is midnight and its working hours may start late."""
        return self.calendar.day_h if self.calendar is not None else 8.0

    @model_validator(mode="after")
    def _consistent(self) -> LineModel:
        ids = [s.id for s in self.stations]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"station ids must be unique: {', '.join(sorted(dup))}")
        known = set(ids)
        if not self.products:
            self.products = [Product(id="part", routing=[Step(station=i) for i in ids])]
        for p in self.products:
            for step in p.routing:
                if step.station not in known:
                    raise ValueError(f"product {p.id!r} visits unknown station {step.station!r}")
        # a station no part visits does nothing: it reads as idle capacity, and a design would count its machines
        visited = {step.station for p in self.products for step in p.routing}
        unvisited = [i for i in ids if i not in visited]
        if unvisited:
            named = ", ".join(map(repr, unvisited))
            one = len(unvisited) == 1
            raise value_error(
                f"no product's routing visits station{'' if one else 's'} {named}: add {'it' if one else 'them'} to "
                f"a routing (products → routing, in the YAML) or remove {'it' if one else 'them'}",
                f"어느 제품의 라우팅에도 없는 공정: {named}. YAML의 라우팅(products → routing)에 넣거나 공정을 지우세요",
            )
        # parts that take no time anywhere never move the simulated clock: the run would not end
        by_id = {s.id: s for s in self.stations}
        steps = [st.process_time or by_id[st.station].process_time for p in self.products for st in p.routing]
        if all(d.always_zero for d in steps) and all(t.time.always_zero for t in self.transports):
            raise value_error(
                "every station's process time is 0, so the simulated clock would never move: give at least one "
                "station a process_time above 0",
                "모든 공정의 가공 시간(process_time)이 0이라 시뮬레이션 시계가 움직이지 않습니다. 한 공정 이상의 "
                "가공 시간을 0보다 크게 주세요",
            )
        for t in self.transports:
            for end in (t.from_, t.to):
                if end not in known:
                    raise ValueError(f"transport refers to unknown station {end!r}")
        for g in self.workers:
            for s in g.stations or []:
                if s not in known:
                    raise ValueError(f"worker group {g.id!r} refers to unknown station {s!r}")
            if g.shift is not None:
                _check_windows(g.shift, self.calendar.day_h if self.calendar else 24.0)
        for s in self.stations:
            if s.worker is not None and not any(g.serves(s) for g in self.workers):
                raise ValueError(
                    f"station {s.id!r} needs a worker with skill {s.worker!r} but no group has it"
                )
        if self.release.policy == "kanban":
            entries = {p.routing[0].station for p in self.products}
            unbounded = [s.id for s in self.stations if s.buffer is None and s.id not in entries]
            if unbounded:
                raise ValueError(
                    "kanban release needs finite buffers (the kanban squares) before stations "
                    + ", ".join(unbounded)
                )
        return self

    # ---- loading --------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LineModel:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            shown = place_label(first["loc"], data)  # a station by its id, as the line names it
            where = ".".join(str(x) for x in first["loc"])  # the field's place, which forms mark
            at = f"{shown}: " if shown else ""  # a rule of the whole line has no place
            raise InvalidInput(
                f"line model: {at}{english_reason(first)} ({exc.error_count()} problem(s))",
                f"라인 모델 오류: {at}{korean_reason(first)} (문제 {exc.error_count()}건)",
                code="bad_line_model",
                field=where or None,
            ) from None

    @classmethod
    def from_yaml(cls, source: str | Path) -> LineModel:
        """Read a line from a YAML file path or YAML text."""
        text = source
        if isinstance(source, Path) or (
            isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml"))
        ):
            path = Path(source)
            if not path.exists():
                raise NotFound(
                    f"line file {path} does not exist", f"라인 파일 {path}이(가) 없습니다", code="no_file"
                )
            text = read_text(path)
        data = load_yaml(text, "the line model", "라인 모델", field="yaml")
        if not isinstance(data, Mapping):
            raise InvalidInput(
                "line model YAML must be a mapping with 'stations'",
                "라인 모델 YAML은 'stations'를 가진 매핑이어야 합니다",
                code="bad_line_model",
            )
        return cls.from_dict(data)

    def to_yaml(self) -> str:
        """The model as YAML a person edits: numbers to six significant digits (estimates from a plant's records
        carry float tails: 352.3294618095238 s reads 352.329), empty names left out."""

        def tidy(node: Any) -> Any:
            if isinstance(node, float):
                return float(f"{node:.6g}")
            if isinstance(node, list):
                return [tidy(x) for x in node]
            if isinstance(node, dict):
                return {k: tidy(v) for k, v in node.items() if not (k == "name" and v == "")}
            return node

        data = tidy(self.model_dump(mode="json", by_alias=True, exclude_none=True))
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def with_changes(self, changes: Mapping[str, Any]) -> LineModel:
        """A copy with values replaced by dotted paths, addressing stations, products and worker groups by id:
        `{"stations.drill.machines": 2, "workers.ops.count": 3, "release.wip": 8}`."""
        data = self.model_dump(mode="python", by_alias=True)
        for path, value in changes.items():
            keys = path.split(".")
            node: Any = data
            try:
                for i, key in enumerate(keys[:-1]):
                    if isinstance(node, list):
                        node = next(x for x in node if x.get("id") == key)
                    else:
                        if node.get(key) is None and i < len(keys) - 2:
                            node[key] = {}
                        node = node[key]
                if isinstance(node, list):
                    raise KeyError(keys[-1])
                node[keys[-1]] = value
            except (KeyError, StopIteration, AttributeError, TypeError):
                raise InvalidInput(
                    f"cannot change {path!r}: no such field in the line model",
                    f"{path!r}을(를) 바꿀 수 없습니다: 라인 모델에 그런 항목이 없습니다",
                    code="bad_change",
                    field=path,
                ) from None
        return LineModel.from_dict(data)

    def idle_changes(self, changes: Mapping[str, Any]) -> list[str]:
        """The `with_changes` paths that change nothing the simulation uses in this (changed) line: under kanban
        release the buffer of a station where parts enter, since raw material is always there."""
        if self.release.policy != "kanban":
            return []
        entries = {p.routing[0].station for p in self.products}
        return [
            path
            for path in changes
            if (keys := path.split("."))
            and len(keys) == 3
            and keys[0] == "stations"
            and keys[2] == "buffer"
            and keys[1] in entries
        ]

    def require_used(self, changes: Mapping[str, Any], what: tuple[str, str], field: str) -> None:
        """Refuse `changes` that change nothing here (`idle_changes`): a variant that does not differ would read as
        "this does not help". `what` (English, Korean) names the variant in the message ("scenario 'b'")."""
        idle = self.idle_changes(changes)
        if not idle:
            return
        station = idle[0].split(".")[1]
        raise InvalidInput(
            f"{what[0]}: {idle[0]} changes nothing — under kanban release parts enter at {station!r} from raw "
            "material that is always there, so its buffer is not used; change the buffer of a later station, or "
            "release.policy",
            f"{what[1]}: {idle[0]}은(는) 아무것도 바꾸지 않습니다. kanban 투입에서는 부품이 {station!r} 공정에서 늘 있는 "
            "원자재로 투입되므로 그 버퍼는 쓰이지 않습니다. 뒤 공정의 버퍼나 release.policy를 바꾸세요",
            code="idle_change",
            field=field,
        )

    # ---- lookups ------------------------------------------------------------------------------------------
    def station(self, station_id: str) -> Station:
        for s in self.stations:
            if s.id == station_id:
                return s
        raise NotFound(
            f"line {self.id!r} has no station {station_id!r}",
            f"라인 {self.id!r}에 {station_id!r} 공정이 없습니다",
            code="unknown_station",
        )

    def mix(self) -> np.ndarray:
        w = np.array([p.mix for p in self.products], dtype="float64")
        return w / w.sum()

    # ---- analytic figures -----------------------------------------------------------------------------------
    def visit_loads(self) -> dict[str, float]:
        """Expected effective machine time each station spends per released part:
        Σ_products mix · P(part reaches the step) · (t / A + a periodic setup's share), with the effective process
        time t_e = t₀/A for preemptive outages (Hopp & Spearman §8.4.2, eq. 8.6) — failures and outside waits
        accrue in processing time, not during setups — and the setup's share `setup_time` / `setup_every` (every
        setup restarts the count, so a machine sets up at least that often).
        Setups on a change of product depend on the sequence and are left out, so capacities derived from it stay
        upper bounds."""

        def machine_time(s: Station, step: Step) -> float:
            return (step.process_time or s.process_time).expected / s.availability + _setup_share(s)

        return self._per_release(machine_time)

    def worker_loads(self) -> dict[str, float]:
        """Expected time a worker is held at each station per released part, as the simulation holds one: through
        the setup and the processing with its repairs (`worker_during="process"`; not during outside waits, which
        come before the worker is taken), or through the setup alone (`"setup"`). Setups on a change of product
        are left out, as in `visit_loads`, so capacities derived from it stay upper bounds."""

        def held(s: Station, step: Step) -> float:
            processing = 0.0
            if s.worker_during == "process":
                processing = (step.process_time or s.process_time).expected / s.repair_availability
            return processing + _setup_share(s)

        return self._per_release(held)

    def _per_release(self, time_at: Callable[[Station, Step], float]) -> dict[str, float]:
        """Σ_products mix · P(part reaches the step) · `time_at(station, step)` for each station, per released
        part (scrap at a step ends the part's route)."""
        load = {s.id: 0.0 for s in self.stations}
        by_id = {s.id: s for s in self.stations}
        for share, p in zip(self.mix(), self.products, strict=True):
            alive = 1.0
            for step in p.routing:
                s = by_id[step.station]
                load[s.id] += share * alive * time_at(s, step)
                alive *= 1.0 - s.scrap
        return load

    def yield_per_release(self) -> float:
        """Good parts out per part released: Σ mix · Π (1 − scrap) over the routing."""
        by_id = {s.id: s for s in self.stations}
        return float(
            sum(
                share * math.prod(1.0 - by_id[st.station].scrap for st in p.routing)
                for share, p in zip(self.mix(), self.products, strict=True)
            )
        )

    def raw_process_time(self) -> float:
        """T₀: the mean sum of effective process times along a routing, one part alone in the line (Hopp &
        Spearman §7.2)."""
        by_id = {s.id: s for s in self.stations}
        return float(
            sum(
                share
                * sum(
                    (st.process_time or by_id[st.station].process_time).expected
                    / by_id[st.station].availability
                    for st in p.routing
                )
                for share, p in zip(self.mix(), self.products, strict=True)
            )
        )

    def station_capacities(self) -> dict[str, float]:
        """Releases per second each station can handle: c / load (Hopp & Spearman §7.2, r_b = min capacity)."""
        return {
            s.id: (s.machines / load if load > 0 else math.inf)
            for s, load in zip(self.stations, self.visit_loads().values(), strict=True)
        }

    def bottleneck_rate(self) -> float:
        """Upper bound on good parts per second: the bottleneck rate r_b (Hopp & Spearman §7.2) in releases,
        capped by the worker pools (each skill: people × shift share / the time a worker is held per part,
        `worker_loads`), the arrival rate of a push release, and scaled by the working share of the calendar and
        the yield. The calendar's share holds for operations short against its windows: an operation started before
        a window closes runs to its end, so a line whose operations last hours can pass the bound."""
        caps = list(self.station_capacities().values())
        loads = self.worker_loads()
        for skill in {s.worker for s in self.stations if s.worker}:
            people = sum(g.count * self._shift_share(g) for g in self.workers if skill in g.skills)
            need = sum(loads[s.id] for s in self.stations if s.worker == skill)
            if need > 0:
                caps.append(people / need)
        if self.release.policy == "push":
            caps.append(
                1.0 / self.release.interarrival.expected
                if self.release.interarrival.expected > 0
                else math.inf
            )
        rate = min(caps)
        if self.calendar is not None:
            rate *= self.calendar.working_fraction
        return rate * self.yield_per_release()

    def _shift_share(self, group: WorkerGroup) -> float:
        """Share of the line's working time that a worker group is on shift."""
        if group.shift is None:
            return 1.0
        line_windows = self.calendar.windows if self.calendar else [(0.0, 24.0)]
        overlap = sum(max(0.0, min(b, d) - max(a, c)) for a, b in group.shift for c, d in line_windows)
        return overlap / sum(d - c for c, d in line_windows)

    def cost(self) -> float:
        """Investment figure of a design: machines × machine cost + people × cost + buffer places × buffer cost."""
        machines = sum(s.machines * s.machine_cost for s in self.stations)
        people = sum(g.count * g.cost for g in self.workers)
        places = sum(s.buffer or 0 for s in self.stations) * self.buffer_cost
        return float(machines + people + places)


def load_line(source: str | Path | Mapping[str, Any] | LineModel) -> LineModel:
    """A `LineModel` from a model, a mapping, YAML text or a YAML file path."""
    if isinstance(source, LineModel):
        return source
    if isinstance(source, Mapping):
        return LineModel.from_dict(source)
    return LineModel.from_yaml(source)


# ---- a line from what the store knows ---------------------------------------------------------------------


def _seconds(times: Any) -> np.ndarray:
    """Unix seconds of a pandas series of UTC timestamps (NaT → NaN)."""
    naive = times.dt.tz_convert("UTC").dt.tz_localize(None) if times.dt.tz is not None else times
    out = naive.to_numpy("datetime64[us]").astype("int64") / 1e6
    return np.where(naive.isna().to_numpy(), np.nan, out)


def _fit_duration(values: np.ndarray, max_points: int = 40) -> Dist:
    """Measured durations as an empirical distribution of at most `max_points` quantiles (one value → fixed). 40
    quantile midpoints keep the mean within 0.2 % and the sd within 3–4 % on lognormal, normal and exponential-tail
    samples of 20,000 (the sd a little narrow: the extreme tails are cut), and stay readable in the editor."""
    values = values[np.isfinite(values) & (values >= 0)]
    if values.size == 0:
        raise ValueError("no durations")
    if values.size == 1 or np.ptp(values) == 0:
        return Dist(kind="deterministic", mean=float(values[0]))
    if values.size > max_points:
        values = np.quantile(values, (np.arange(max_points) + 0.5) / max_points)
    return Dist(kind="empirical", values=tuple(float(v) for v in np.round(values, 3)))


def _repair_dist(durations: np.ndarray) -> Dist:
    m = float(durations.mean())
    if durations.size >= 2 and durations.std(ddof=1) > 0 and m > 0:
        return Dist(kind="lognormal", mean=m, sd=float(durations.std(ddof=1)))
    return Dist(kind="exponential", mean=m)


Layout = Literal["by_process", "series"]
LAYOUTS: tuple[Layout, ...] = ("by_process", "series")
# Upstream first: a part is forged or pressed, then machined or moulded, then assembled.
_PROCESS_ORDER = (
    ProcessFamily.forging,
    ProcessFamily.press,
    ProcessFamily.cnc,
    ProcessFamily.injection,
    ProcessFamily.other,
    ProcessFamily.assembly,
)
_SIDE_BY_SIDE = frozenset(_PROCESS_ORDER) - {ProcessFamily.other, ProcessFamily.assembly}


def station_groups(machines: Iterable[Machine], layout: Layout = "by_process") -> list[list[str]]:
    """Machine ids grouped into stations in flow order, for a line whose flow the store does not record.

    - ``by_process``: the machines of one process (moulding, machining, forging, press) work side by side as one
      station of parallel machines — a cell of five moulding machines makes five times one machine's output, not
      one machine's. Stations follow the usual process order (forging, press, machining, moulding, assembly).
      Assembly and unclassified machines stay one station each, in id order: they are usually steps of one flow.
    - ``series``: every machine is its own station, in id order — each part passes every machine.
    """
    if layout not in LAYOUTS:
        raise InvalidInput(
            f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}",
            f"배치는 {', '.join(LAYOUTS)} 중 하나여야 합니다 ({layout!r}은(는) 없습니다)",
            field="layout",
            code="bad_layout",
        )
    ordered = sorted(machines, key=lambda m: (_PROCESS_ORDER.index(m.family), m.id))
    if layout == "series":
        return [[m.id] for m in sorted(ordered, key=lambda m: m.id)]
    groups: list[list[str]] = []
    for family in _PROCESS_ORDER:
        ids = [m.id for m in ordered if m.family is family]
        if family in _SIDE_BY_SIDE and ids:
            groups.append(ids)
        else:
            groups.extend([i] for i in ids)
    return groups


def line_from_store(
    store: Any,
    company_id: str,
    line_id: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    stations: Sequence[Sequence[str]] | None = None,
    layout: Layout = "by_process",
    buffer: int | None = 10,
    release: Release | None = None,
    shifts: ShiftCalendar | None = None,
) -> LineModel:
    """Build a line from the store's record of a real line between `start` and `end` (default: the last 30 days).

    - Stations: `stations` groups machine ids into stations in flow order (the machines of a group run in
      parallel). Without it, `layout` decides, since the store does not know the flow (`station_groups`).
    - Process time: gaps between consecutive part records of a machine while it was running (gaps that overlap a
      recorded stop, or exceed 3 × the median gap, are idle time and left out), as an empirical distribution; the
      machine's `ideal_cycle_time_s` when it has no parts.
    - Failures: `down` events; MTTR = mean repair time (lognormal with the measured sd), MTBF = operating time
      (observed span minus every recorded stop) / number of failures, exponential (Ebeling, 2nd ed., §3.3 — the
      maximum-likelihood estimate of an exponential mean from time-truncated data).
    - Outside waits: `idle` events that carry a reason (material, operator, a check), estimated as failures are;
      idle without a reason is left out, since it may be the starving the twin reproduces itself.
    - Scrap: share of `ng` parts; setup: `setup` event durations (lognormal), applied on a change of product —
      and, when the line makes one product, every so many parts (its parts / its setups: mould, die or tool
      changes).
    - Products: the products seen, in proportion to their counts, all through every station.
    Buffers get `buffer` places (unknown to the store) and release defaults to kanban, i.e. the line's capacity.
    With the company's shift calendar `shifts`, the line works the hours of its working day (shifts less breaks,
    `monitor.calendar.working_day_windows`); without it, or when the shifts cover the day, around the clock.
    """
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=30)
    lines = {ln.id for ln in store.list_lines(company_id)}
    if line_id not in lines:
        raise NotFound(
            f"company {company_id!r} has no line {line_id!r}",
            f"회사 {company_id!r}에 라인 {line_id!r}이(가) 없습니다",
            code="unknown_line",
        )
    machines = {m.id: m for m in store.list_machines(company_id, line_id)}
    if not machines:
        raise InvalidInput(
            f"line {line_id!r} has no machines registered; register them before building its twin",
            f"라인 {line_id!r}에 등록된 설비가 없습니다. 트윈을 만들기 전에 설비를 등록하세요",
            code="empty_line",
        )
    groups = [list(g) for g in stations] if stations else station_groups(machines.values(), layout)
    seen: set[str] = set()
    for i, g in enumerate(groups, 1):
        if not g:
            raise InvalidInput(
                f"station {i} names no machine; give each station the ids of the machines that work in it",
                f"{i}번째 공정에 설비가 없습니다. 공정마다 그 공정에서 일하는 설비 아이디를 적으세요",
                field="stations",
                code="empty_station",
            )
        for mid in g:
            if mid in seen:
                raise InvalidInput(
                    f"machine {mid!r} is in two stations; a machine works in one station",
                    f"설비 {mid!r}이(가) 두 공정에 있습니다. 설비 하나는 한 공정에서만 일합니다",
                    field="stations",
                    code="machine_twice",
                )
            if mid not in machines:
                raise NotFound(
                    f"machine {mid!r} is not on line {line_id!r}",
                    f"설비 {mid!r}은(는) 라인 {line_id!r}에 없습니다",
                    code="unknown_machine",
                )
            seen.add(mid)
    ids = [mid for g in groups for mid in g]
    parts = (
        store.query_parts(company_id, start, end, ids)
        .select(["time", "machine_id", "product", "result"])
        .to_pandas()
    )
    events = (
        store.query_events(company_id, start, end, ids)
        .select(["machine_id", "start", "end", "state", "reason_code"])
        .to_pandas()
    )
    span_s = (end - start).total_seconds()
    one_product = parts["product"].fillna("part").nunique() <= 1
    built: list[Station] = []
    for g in groups:
        gaps, downs, setups, waits, uptime, n_fail, n_parts, n_ng = [], [], [], [], 0.0, 0, 0, 0
        for mid in g:
            p = parts[parts.machine_id == mid]
            e = events[events.machine_id == mid]
            n_parts += len(p)
            n_ng += int((p.result == "ng").sum())
            t = np.sort(_seconds(p.time))
            stops = e[e.state != "running"]
            s0, s1 = _seconds(stops.start), _seconds(stops.end)
            s1 = np.where(np.isnan(s1) | (s1 < s0), s0, s1)
            if t.size >= 2:
                a, b = t[:-1], t[1:]
                d = b - a
                order = np.argsort(s0)
                s0o, s1o = s0[order], np.maximum.accumulate(s1[order]) if s1.size else s1
                # a gap is clean if no stop interval overlaps (a, b): the last stop starting before b ends ≤ a
                k = np.searchsorted(s0o, b, side="left") - 1
                clean = (k < 0) | (s1o[np.maximum(k, 0)] <= a) if s0o.size else np.ones(d.size, bool)
                d = d[clean & (d > 0)]
                if d.size:
                    d = d[d <= 3 * np.median(d)]
                gaps.append(d)
            down = stops[stops.state == "down"]
            dd = (down.end - down.start).dt.total_seconds().to_numpy()
            downs.append(dd[np.isfinite(dd) & (dd >= 0)])
            ss = stops[stops.state == "setup"]
            sd = (ss.end - ss.start).dt.total_seconds().to_numpy()
            setups.append(sd[np.isfinite(sd) & (sd > 0)])
            # idle with a reason (material, operator, a check) is an outside wait; idle without one may be the
            # starving the twin makes itself when machines stand in series
            reason = stops.reason_code.fillna("").astype(str).str.strip()
            idle = stops[(stops.state == "idle") & (reason != "")]
            wd = (idle.end - idle.start).dt.total_seconds().to_numpy()
            waits.append(wd[np.isfinite(wd) & (wd > 0)])
            if t.size:
                first, last = max(t[0], start.timestamp()), min(t[-1], end.timestamp())
                observed = max(last - first, 0.0)
            else:
                observed = span_s
            stopped = np.clip(
                np.minimum(s1, t[-1] if t.size else end.timestamp())
                - np.maximum(s0, t[0] if t.size else start.timestamp()),
                0,
                None,
            ).sum()
            uptime += max(observed - stopped, 0.0)
            n_fail += len(down)
        gap = np.concatenate(gaps) if gaps else np.array([])
        first = machines[g[0]]
        if gap.size:
            pt = _fit_duration(gap)
        elif first.ideal_cycle_time_s:
            pt = Dist(kind="deterministic", mean=first.ideal_cycle_time_s)
        else:
            raise InvalidInput(
                f"machine {g[0]!r} has no part records in the period and no ideal cycle time; cannot model its station",
                f"설비 {g[0]!r}은(는) 해당 기간 생산 기록도 이론 사이클 타임도 없어 공정을 모델링할 수 없습니다",
                code="no_cycle_time",
            )
        down_all = np.concatenate(downs)
        failure = None
        if n_fail and down_all.size and uptime > 0:
            failure = Failure(
                mtbf=Dist(kind="exponential", mean=uptime / n_fail), mttr=_repair_dist(down_all)
            )
        wait_all = np.concatenate(waits)
        outside = (
            Waits(every=Dist(kind="exponential", mean=uptime / wait_all.size), lasting=_repair_dist(wait_all))
            if wait_all.size and uptime > 0
            else None
        )
        setup_all = np.concatenate(setups)
        # One product: its setups are mould, die or tool changes, not product changes — one every so many parts.
        setup_every = (
            max(1, round(n_parts / setup_all.size))
            if one_product and setup_all.size >= 2 and n_parts
            else None
        )
        family = {machines[m].family for m in g}
        if len(g) == 1:
            sid = g[0]
        elif not stations and len(family) == 1 and next(iter(family)).value not in machines:
            sid = family.pop().value  # a station of one process is named for it, unless a machine has that id
        else:
            sid = "+".join(g)[:64]
        built.append(
            Station(
                id=sid,
                name=" / ".join(machines[m].name for m in g)[:200],
                machines=len(g),
                process_time=pt,
                setup_time=Dist(
                    kind="lognormal", mean=float(setup_all.mean()), sd=float(setup_all.std()) or 1e-9
                )
                if setup_all.size >= 2
                else None,
                setup_every=setup_every,
                failure=failure,
                waits=outside,
                scrap_rate=min(n_ng / n_parts, 0.99) if n_parts else 0.0,
                buffer=buffer,
                ideal_cycle_time_s=first.ideal_cycle_time_s,
                from_machines=list(g),
            )
        )
    counts = parts["product"].fillna("part").value_counts()
    products = [
        Product(id=str(name)[:64] or "part", mix=float(n), routing=[Step(station=s.id) for s in built])
        for name, n in counts.items()
    ] or [Product(id="part", routing=[Step(station=s.id) for s in built])]
    line_name = next(ln.name for ln in store.list_lines(company_id) if ln.id == line_id)
    windows = working_day_windows(shifts) if shifts is not None else []
    return LineModel(
        id=line_id,
        name=line_name,
        stations=built,
        products=products,
        release=release or Release(policy="kanban"),
        calendar=Calendar(windows=windows) if windows and windows != [(0.0, 24.0)] else None,
    )
