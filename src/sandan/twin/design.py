"""Factory design on the twin: machine counts, staffing and buffer sizes by simulation-optimisation (Optuna).

It owns the design space, analytic pruning, the search and its report; simulation itself stays in `sim`.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import optuna

from sandan.domain import InvalidInput
from sandan.domain.text import counted
from sandan.twin.inputs import whole
from sandan.twin.line import MAX_MACHINES, MAX_PEOPLE, LineModel, load_line
from sandan.twin.sim import Estimate, Progress, replicate, summarise


@dataclass(frozen=True)
class DesignSpace:
    """What may change: machines per station and people per worker group as inclusive (min, max) ranges, and
    the allowed capacities of station input buffers."""

    machines: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    workers: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    buffers: Mapping[str, Sequence[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, space: DesignSpace | Mapping[str, Any] | Any) -> DesignSpace:
        """A space from its YAML/JSON form, checked for shape (what a value means is checked by `check`):

        ```yaml
        machines: {drill: [1, 3]}       # station: [min, max]
        workers: {operators: [2, 4]}    # worker group: [min, max]
        buffers: {pack: [2, 5, 10]}     # station: the sizes to try
        ```
        """
        if isinstance(space, DesignSpace):
            return space
        if not isinstance(space, Mapping):
            raise _bad(
                "the design space must be a mapping with 'machines', 'workers' and/or 'buffers', "
                "e.g. machines: {drill: [1, 3]}",
                "설계 범위는 'machines', 'workers', 'buffers' 중 하나 이상을 가진 매핑이어야 합니다 "
                "(예: machines: {drill: [1, 3]})",
                field="space",
            )
        unknown = sorted(str(k) for k in space if k not in ("machines", "workers", "buffers"))
        if unknown:
            raise _bad(
                f"unknown key(s) in the design space: {', '.join(unknown)}; use machines, workers, buffers",
                f"설계 범위에 알 수 없는 항목이 있습니다: {', '.join(unknown)}. machines, workers, buffers를 쓰세요",
                field=f"space.{unknown[0]}",
            )
        parts: dict[str, dict[str, Any]] = {}
        for key in ("machines", "workers", "buffers"):
            value = space.get(key) or {}
            if not isinstance(value, Mapping):
                raise _bad(
                    f"{key} must map ids to {'sizes' if key == 'buffers' else '[min, max]'}, "
                    f"e.g. {key}: {{{'pack: [2, 5]' if key == 'buffers' else 'drill: [1, 3]'}}}",
                    f"{key}는 id: {'크기 목록' if key == 'buffers' else '[최소, 최대]'} 매핑이어야 합니다",
                    field=f"space.{key}",
                )
            parts[key] = {}
            for ident, given in value.items():
                field_ = f"space.{key}.{ident}"
                name = (
                    f"{key} of {ident!r}",
                    f"{ident!r}의 {dict(machines='설비 수', workers='작업자 수', buffers='버퍼 크기')[key]}",
                )
                if key == "buffers":
                    sizes = given if isinstance(given, list) else [given]
                    parts[key][str(ident)] = tuple(whole(v, name, field=field_) for v in sizes)
                    continue
                if not (isinstance(given, list) and len(given) == 2):
                    raise _bad(
                        f"{name[0]}: give [min, max], e.g. [1, 3], got {given!r}",
                        f"{ident!r} {key}: [최소, 최대] 형식으로 주세요 (예: [1, 3]) (값: {given!r})",
                        field=field_,
                    )
                parts[key][str(ident)] = (
                    whole(given[0], name, field=field_),
                    whole(given[1], name, field=field_),
                )
        return cls(**parts)

    def check(self, line: LineModel) -> None:
        groups = {g.id for g in line.workers}
        stations = [s.id for s in line.stations]
        for key in ("machines", "buffers"):
            for sid in getattr(self, key):
                if sid not in stations:
                    raise _bad(
                        f"{key}: the line has no station {sid!r}; its stations are {', '.join(stations)}",
                        f"{key}: 라인에 {sid!r} 공정이 없습니다. 공정: {', '.join(stations)}",
                        field=f"space.{key}.{sid}",
                    )
        for sid, (lo, hi) in self.machines.items():
            if not 1 <= lo <= hi <= MAX_MACHINES:
                raise _bad(
                    f"machines of {sid!r}: need 1 ≤ min ≤ max ≤ {MAX_MACHINES}",
                    f"{sid!r} 설비 대수: 1 ≤ 최소 ≤ 최대 ≤ {MAX_MACHINES}이어야 합니다",
                    field=f"space.machines.{sid}",
                )
        for gid, (lo, hi) in self.workers.items():
            if gid not in groups:
                raise _bad(
                    f"no worker group {gid!r} in the line",
                    f"라인에 작업자 그룹 {gid!r}이(가) 없습니다",
                    field=f"space.workers.{gid}",
                )
            if not 0 <= lo <= hi <= MAX_PEOPLE:
                raise _bad(
                    f"people of {gid!r}: need 0 ≤ min ≤ max ≤ {MAX_PEOPLE}",
                    f"{gid!r} 인원: 0 ≤ 최소 ≤ 최대 ≤ {MAX_PEOPLE}이어야 합니다",
                    field=f"space.workers.{gid}",
                )
        for sid, sizes in self.buffers.items():
            line.require_used(
                {f"stations.{sid}.buffer": sizes}, ("design space", "설계 범위"), f"space.buffers.{sid}"
            )
            if not sizes or min(sizes) < 0:
                raise _bad(
                    f"buffer sizes of {sid!r}: give a list of places ≥ 0",
                    f"{sid!r} 버퍼 크기: 0 이상의 값 목록을 주세요",
                    field=f"space.buffers.{sid}",
                )
        if not (self.machines or self.workers or self.buffers):
            raise _bad(
                "the design space is empty; give machines, workers or buffers to vary",
                "설계 변수가 없습니다. machines, workers, buffers 중 바꿀 것을 주세요",
                field="space",
            )

    def size(self) -> int:
        n = 1
        for lo, hi in list(self.machines.values()) + list(self.workers.values()):
            n *= hi - lo + 1
        for sizes in self.buffers.values():
            n *= len(set(sizes))
        return n

    def choices(self) -> dict[str, list[int]]:
        """Every value each variable may take, keyed by `LineModel.with_changes` paths (and Optuna parameter names)."""
        out = {f"stations.{sid}.machines": list(range(lo, hi + 1)) for sid, (lo, hi) in self.machines.items()}
        out |= {f"workers.{gid}.count": list(range(lo, hi + 1)) for gid, (lo, hi) in self.workers.items()}
        out |= {
            f"stations.{sid}.buffer": sorted(set(int(s) for s in sizes))
            for sid, sizes in self.buffers.items()
        }
        return out

    def designs(self) -> Iterator[dict[str, int]]:
        """Every design of the space, in a fixed order."""
        choices = self.choices()
        for values in itertools.product(*choices.values()):
            yield dict(zip(choices, values, strict=True))

    def draw(self, rng: np.random.Generator) -> dict[str, int]:
        """One design of the space drawn uniformly."""
        return {path: int(rng.choice(values)) for path, values in self.choices().items()}

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Optuna suggestions keyed by `LineModel.with_changes` paths."""
        out: dict[str, Any] = {}
        for sid, (lo, hi) in self.machines.items():
            out[f"stations.{sid}.machines"] = trial.suggest_int(f"stations.{sid}.machines", lo, hi)
        for gid, (lo, hi) in self.workers.items():
            out[f"workers.{gid}.count"] = trial.suggest_int(f"workers.{gid}.count", lo, hi)
        for sid, sizes in self.buffers.items():
            out[f"stations.{sid}.buffer"] = trial.suggest_categorical(
                f"stations.{sid}.buffer", sorted(set(int(s) for s in sizes))
            )
        return out


def _bad(en: str, ko: str, **where: Any) -> InvalidInput:
    return InvalidInput(en, ko, code="bad_design_space", **where)


@dataclass
class DesignPoint:
    """One evaluated design: its changes to the line (only the values that differ from the line as it is),
    cost, analytic throughput bound and, when simulated, the throughput estimate (good parts/h, 95 % CI) with the
    replication values for paired comparisons."""

    changes: dict[str, Any]
    cost: float
    bound_per_h: float
    throughput: Estimate | None = None
    lead_time_s: Estimate | None = None
    bottleneck: str | None = None
    feasible: bool = False
    pruned: str | None = None  # why it was not simulated
    replication_throughput: list[float] = field(default_factory=list, repr=False)
    size: int = 0  # machines + workers + buffer places: between designs of equal cost, the smaller one wins
    # the chosen design's throughput on fresh replications, after the search (see `optimize_design`)
    confirmed: Estimate | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": self.changes,
            "cost": self.cost,
            "bound_per_h": self.bound_per_h,
            "throughput_per_h": self.throughput.to_dict() if self.throughput else None,
            "lead_time_s": self.lead_time_s.to_dict() if self.lead_time_s else None,
            "bottleneck": self.bottleneck,
            "feasible": self.feasible,
            "pruned": self.pruned,
            "size": self.size,
            "confirmed_per_h": self.confirmed.to_dict() if self.confirmed else None,
        }


@dataclass
class DesignResult:
    """The chosen design, the runners-up (each with its paired difference in throughput to the chosen one),
    and how much work the search did."""

    mode: Literal["target", "budget"]
    target_per_h: float | None
    budget: float | None
    best: DesignPoint | None
    runners_up: list[DesignPoint]
    differences: list[Estimate]
    simulated: int
    pruned: int
    trials: int
    line: LineModel | None = field(default=None, repr=False)
    space_size: int = 0  # designs in the space; those neither simulated nor pruned were not tried
    confidence: Literal["mean", "lower"] = (
        "mean"  # a target reached by the mean, or by the 95 % CI's lower end
    )

    @property
    def untried(self) -> int:
        return max(self.space_size - self.simulated - self.pruned, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "target_per_h": self.target_per_h,
            "budget": self.budget,
            "best": self.best.to_dict() if self.best else None,
            "runners_up": [
                {**p.to_dict(), "throughput_vs_best": d.to_dict()}
                for p, d in zip(self.runners_up, self.differences, strict=True)
            ],
            "simulated": self.simulated,
            "pruned": self.pruned,
            "trials": self.trials,
            "space_size": self.space_size,
            "untried": self.untried,
            "confidence": self.confidence,
            "message": _sentence(_message(self)),
        }


def _size(line: LineModel) -> int:
    """How much a design puts on the floor: machines, workers and buffer places."""
    return (
        sum(s.machines for s in line.stations)
        + sum(g.count for g in line.workers)
        + sum(s.buffer or 0 for s in line.stations)
    )


def _sentence(message: dict[str, str]) -> dict[str, str]:
    """The message as a sentence on its own (a page shows it alone): its English starts with a capital."""
    en = message["en"]
    return {**message, "en": en[:1].upper() + en[1:]}


def _below(value: float, limit: float) -> str:
    """`value` (< `limit`) with as many decimals as it takes to read below `limit`: 177.96 against 178 is
    "177.96", not "178.0"."""
    for digits in range(1, 4):
        text = f"{value:,.{digits}f}"
        if round(value, digits) < limit:
            return text
    return text


def _message(r: DesignResult) -> dict[str, str]:
    if r.best is None and r.untried:
        # the search stopped before the space was covered: what it tried says nothing about the rest
        rest = (
            f"; {r.untried} of the {counted(r.space_size, 'design')} in the space {'was' if r.untried == 1 else 'were'} "
            "not tried — give more designs to try",
            f". 설계 범위 {r.space_size}개 중 {r.untried}개는 시도하지 않았습니다 — 시도할 설계 수를 늘리세요",
        )
        if r.mode == "target":
            t = f"{r.target_per_h:g}"
            en = (
                f"the 1 design simulated does not reach {t} good parts/h"
                if r.simulated == 1
                else f"none of the {counted(r.simulated, 'design')} simulated reaches {t} good parts/h"
            )
            ko = f"시뮬레이션한 설계 {r.simulated}개 중 시간당 양품 {t}개에 도달하는 설계가 없습니다"
            if r.pruned:
                en += f" and {r.pruned} more {'is' if r.pruned == 1 else 'are'} ruled out by the bottleneck bound"
                ko += f"(병목 한계로 {r.pruned}개 더 제외)"
            return {"en": en + rest[0], "ko": ko + rest[1]}
        tried = r.simulated + r.pruned
        return {
            "en": f"none of the {counted(tried, 'design')} tried fits the budget {r.budget:g}" + rest[0],
            "ko": f"시도한 설계 {tried}개 중 예산 {r.budget:g}에 맞는 설계가 없습니다" + rest[1],
        }
    if r.best is None:
        if r.mode == "target":
            return {
                "en": f"no design in the space reaches {r.target_per_h:g} good parts/h",
                "ko": f"설계 범위 안에서 시간당 양품 {r.target_per_h:g}개에 도달하는 설계가 없습니다",
            }
        return {
            "en": f"no design in the space fits the budget {r.budget:g}",
            "ko": f"설계 범위 안에서 예산 {r.budget:g}에 맞는 설계가 없습니다",
        }
    th = r.best.throughput
    out = {
        "en": f"best design: cost {r.best.cost:g}, {th.mean:.1f} ± {th.half_width:.1f} good parts/h (95 % CI)",
        "ko": f"최적 설계: 비용 {r.best.cost:g}, 시간당 양품 {th.mean:.1f} ± {th.half_width:.1f}개 (95% 신뢰구간)",
    }
    if r.mode == "target" and r.confidence == "lower":
        out["en"] += f"; the lower end of its interval reaches the target {r.target_per_h:g}"
        out["ko"] += f"; 신뢰구간의 하한도 목표 {r.target_per_h:g}개에 도달합니다"
    elif r.mode == "target" and th.low < r.target_per_h:
        low = _below(th.low, r.target_per_h)
        out["en"] += (
            f"; it reaches the target {r.target_per_h:g} on average, but its interval reaches down to "
            f"{low} — to be sure of the target, judge by the interval's lower end or simulate more "
            "replications"
        )
        out["ko"] += (
            f"; 평균으로는 목표 {r.target_per_h:g}개에 도달하지만 신뢰구간은 {low}개까지 내려갑니다 — 목표를 "
            "확실히 하려면 신뢰구간 하한으로 판단하거나 반복 수를 늘리세요"
        )
    c = r.best.confirmed
    if c is not None and math.isfinite(c.mean):
        hw = f" ± {c.half_width:.1f}" if math.isfinite(c.half_width) else ""
        out["en"] += f"; on {c.n} fresh replications it makes {c.mean:.1f}{hw} good parts/h"
        fresh_ko = f"; 새로 돌린 반복 {c.n}회에서는 시간당 양품 {c.mean:.1f}{hw}개"
        judged = c.low if r.confidence == "lower" else c.mean
        if r.mode == "target" and judged < r.target_per_h:
            out["en"] += (
                f", short of the target {r.target_per_h:g}: a design picked as the best of several looks better "
                "in the search than it is — simulate more replications, or judge by the interval's lower end"
            )
            out["ko"] += (
                f"{fresh_ko}로 목표 {r.target_per_h:g}개에 못 미칩니다. 여러 설계 중 가장 좋아 보여 고른 설계는 "
                "탐색에서 실제보다 좋게 나옵니다 — 반복 수를 늘리거나 신뢰구간 하한으로 판단하세요"
            )
        else:
            out["ko"] += f"{fresh_ko}입니다"
    if r.untried:
        out["en"] += (
            f"; {r.untried} of the {counted(r.space_size, 'design')} in the space {'was' if r.untried == 1 else 'were'} not "
            "tried, so a better one may exist — give more designs to try"
        )
        out["ko"] += (
            f"; 설계 범위 {r.space_size}개 중 {r.untried}개는 시도하지 않았으므로 더 나은 설계가 있을 수 있습니다 — "
            "시도할 설계 수를 늘리세요"
        )
    if r.best.cost == 0 and all(p.cost == 0 for p in r.runners_up) and r.mode == "budget":
        out["en"] += (
            "; the line names no costs, so every design fits the budget and the one with the most good parts per "
            "hour is chosen — give machine_cost, the workers' cost and buffer_cost to weigh them"
        )
        out["ko"] += (
            "; 라인에 비용이 없어 모든 설계가 예산에 맞으므로 시간당 양품이 가장 많은 설계를 골랐습니다 — 비교하려면 "
            "machine_cost, 작업자 cost, buffer_cost를 넣으세요"
        )
    elif r.best.cost == 0 and all(p.cost == 0 for p in r.runners_up):
        out["en"] += (
            "; the line names no costs, so of the designs that qualify the one with the fewest machines, workers "
            "and buffer places is chosen — give machine_cost, the workers' cost and buffer_cost to weigh them"
        )
        out["ko"] += (
            "; 라인에 비용이 없어, 조건을 만족하는 설계 중 설비·작업자·버퍼 자리가 가장 적은 것을 골랐습니다 — 비교하려면 "
            "machine_cost, 작업자 cost, buffer_cost를 넣으세요"
        )
    return out


def optimize_design(
    line: LineModel | Any,
    space: DesignSpace | Mapping[str, Any],
    *,
    target: float | None = None,
    budget: float | None = None,
    replications: int = 5,
    horizon: float = 8 * 3600.0,
    warmup: float = 3600.0,
    seed: int = 0,
    n_trials: int = 60,
    confidence: Literal["mean", "lower"] = "mean",
    bound_slack: float = 0.05,
    runners_up: int = 5,
    backend: Literal["serial", "local"] = "local",
    workers: int | None = None,
    progress: Progress | None = None,
    confirm: bool = True,
) -> DesignResult:
    """Choose machine counts, staffing and buffer sizes.

    `target` (good parts per hour): the cheapest design whose simulated throughput reaches it (its mean, or with
    `confidence="lower"` the lower end of its 95 % CI). `budget`: the highest throughput at a cost ≤ budget.

    Simulation-optimisation (Fu, "Optimization for simulation: theory vs. practice", INFORMS J. Computing 14(3),
    2002) with Optuna: exhaustive (`BruteForceSampler`) when the space has at most `n_trials` designs, TPE
    otherwise. Designs are pruned without simulating when the analytic bound settles them: the bottleneck rate
    r_b (Hopp & Spearman, *Factory Physics*, 3rd ed., §7.2; capacity c/t_e per station with t_e = t₀/A, §8.4.2,
    and each worker skill's capacity) is an upper bound on throughput, so a design whose bound (raised by
    `bound_slack`, because a finite run's mean can exceed the long-run rate by chance) misses the target or cannot beat the best throughput found is skipped;
    so is, with a target, a design dearer than the cheapest one already feasible. Every design is simulated with
    the same seeds (common random numbers, Law, *Simulation Modeling and Analysis*, 5th ed., §11.2), so the
    paired differences between designs are sharp.

    `n_trials` is the number of designs to simulate: a design settled by its bound costs no simulation and does
    not count, nor does a design the sampler suggests again (it is answered from memory, and the next trial is
    steered to a design not yet tried), so the search stops after `n_trials` simulations, when every design of
    the space is settled, or after 10 × `n_trials` suggestions. Designs still untried then are settled by their
    bound where it can (up to `SWEEP_UNTRIED` of them); `DesignResult.untried` counts the rest, and the report
    claims that no design reaches the goal only when none is left untried.

    With `confirm`, the chosen design is simulated once more on `replications` fresh replications (numbered after
    the search's) and `DesignPoint.confirmed` holds that estimate: the search's own figure for the design it picked
    as the best of many is biased upwards (selection bias; the "clean-up" step of Boesel, Nelson & Kim, *Operations
    Research* 51(5), 2003), the fresh one is not. The choice itself stays the search's."""
    base = load_line(line)
    space = DesignSpace.of(space)
    space.check(base)
    if (target is None) == (budget is None):
        raise InvalidInput(
            "give exactly one of target (good parts per hour) or budget",
            "목표 처리량(시간당 양품) 또는 예산 중 하나만 주세요",
            code="bad_design_goal",
        )
    if (target is not None and target <= 0) or (budget is not None and budget < 0):
        raise InvalidInput(
            "target must be > 0 and budget ≥ 0",
            "목표는 0보다, 예산은 0 이상이어야 합니다",
            code="bad_design_goal",
        )
    if replications < 2:
        raise InvalidInput(
            "need at least 2 replications per design for a confidence interval",
            "신뢰구간을 구하려면 설계마다 2회 이상 반복 실행해야 합니다",
            code="bad_replications",
            field="replications",
        )
    if not (horizon > 0 and 0 <= warmup < horizon):
        raise InvalidInput(
            f"need a run length > 0 and 0 ≤ warm-up < run length (got {horizon:g} s and {warmup:g} s)",
            f"실행 시간은 0보다 크고, 워밍업은 0 이상 실행 시간 미만이어야 합니다 ({horizon:g}초, {warmup:g}초)",
            code="bad_run_length",
            field="hours",
        )
    if n_trials < 1:
        raise InvalidInput(
            "try at least 1 design (trials ≥ 1)",
            "설계를 1개 이상 시도하세요 (trials ≥ 1)",
            code="bad_trials",
            field="trials",
        )
    mode: Literal["target", "budget"] = "target" if target is not None else "budget"
    size = space.size()
    exhaustive = size <= n_trials
    with warnings.catch_warnings():  # BruteForceSampler is marked experimental in Optuna 3–5
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = (
            optuna.samplers.BruteForceSampler(seed=seed)
            if exhaustive
            else optuna.samplers.TPESampler(
                seed=seed, multivariate=True, n_startup_trials=min(10, n_trials // 3)
            )
        )
    direction = "minimize" if mode == "target" else "maximize"
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=sampler)
    optuna.logging.set_verbosity(verbosity)
    points: dict[tuple, DesignPoint] = {}
    trials = min(n_trials, size)  # the progress total: designs to settle (exhaustive) or to simulate (TPE)
    base_values = base.model_dump(mode="python", by_alias=True)
    rng = np.random.default_rng(seed)
    pool = (
        ProcessPoolExecutor(max_workers=workers or min(2, os.cpu_count() or 1))
        if backend == "local" and (workers or 2) > 1
        else None
    )

    def simulate_design(candidate: LineModel, first: int = 0) -> list[dict[str, Any]]:
        """`replications` replications of `candidate`, numbered from `first` (every design shares 0, 1, …)."""
        tasks = [(candidate, horizon, warmup, seed, first + r) for r in range(replications)]
        if pool is None:
            return [replicate(*t) for t in tasks]
        return list(pool.map(replicate, *zip(*tasks, strict=True)))

    def feasible(th: Estimate) -> bool:
        return (th.low if confidence == "lower" else th.mean) >= target

    def best_so_far() -> DesignPoint | None:
        done = [p for p in points.values() if p.feasible]
        if not done:
            return None
        if mode == "target":
            return min(done, key=lambda p: (p.cost, p.size, -p.throughput.mean))
        return max(done, key=lambda p: (p.throughput.mean, -p.cost, -p.size))

    def simulated_count() -> int:
        return sum(1 for p in points.values() if p.throughput is not None)

    def untried() -> dict[str, int] | None:
        """A design not yet settled: drawn at random, or from the whole space when draws keep hitting tried ones."""
        for _ in range(20):
            design = space.draw(rng)
            if _key(design) not in points:
                return design
        left = [d for d in itertools.islice(space.designs(), 100_000) if _key(d) not in points]
        return left[int(rng.integers(len(left)))] if left else None

    def settle(changes: dict[str, Any]) -> tuple[DesignPoint, LineModel]:
        """The design's cost and bound, and whether they settle it without simulating."""
        candidate = base.with_changes(changes)
        cost = candidate.cost()
        bound = candidate.bottleneck_rate() * 3600.0
        real = {k: v for k, v in changes.items() if _current(base_values, k) != v}
        point = DesignPoint(real, cost, bound, size=_size(candidate))
        best = best_so_far()
        if mode == "target":
            if bound * (1 + bound_slack) < target:
                point.pruned = "bound below target"
            elif best is not None and (cost, point.size) > (best.cost, best.size):
                point.pruned = "dearer than a feasible design"
        else:
            if cost > budget:
                point.pruned = "over budget"
            elif best is not None and bound * (1 + bound_slack) < best.throughput.mean:
                point.pruned = "bound below best throughput"
        return point, candidate

    def objective(trial: optuna.Trial) -> float:
        changes = space.suggest(trial)
        key = _key(changes)
        point = points.get(key)
        if point is not None:  # suggested again: no new design, so no budget spent; steer the next trial
            nxt = untried()
            if nxt is not None:
                study.enqueue_trial(nxt)
        else:
            point, candidate = settle(changes)
            if point.pruned is None:
                reps = simulate_design(candidate)
                res = summarise(candidate, reps, horizon, warmup, seed)
                point.throughput = res.throughput_per_h
                point.lead_time_s = res.line["lead_time_s"]
                point.bottleneck = res.bottleneck
                point.replication_throughput = [r["throughput_per_h"] for r in reps]
                point.feasible = feasible(point.throughput) if mode == "target" else True
            points[key] = point
            if progress:
                progress(len(points) if exhaustive else simulated_count(), trials)
        th = point.throughput.mean if point.throughput else point.bound_per_h
        if mode == "target":
            shortfall = max(0.0, target - th) / target
            return point.cost + (1 + point.cost) * 10.0 * shortfall if shortfall > 0 else point.cost
        if point.cost > budget:
            return -(point.cost - budget)
        return th

    def enough(study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
        if len(points) >= size or simulated_count() >= n_trials:
            study.stop()

    verbosity = optuna.logging.get_verbosity()
    try:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.optimize(objective, n_trials=size if exhaustive else 10 * n_trials, callbacks=[enough])
        chosen = best_so_far()
        if chosen is not None and confirm:
            # the chosen design again on replications the search never saw: picked as the best of many noisy
            # estimates, its own looks better than it is (a 5-replication search said 178.9 ± 0.9 for a design
            # that 10 replications put at 177.1 ± 2.5, under its target of 178)
            fresh = simulate_design(base.with_changes(chosen.changes), first=replications)
            chosen.confirmed = Estimate.of([r["throughput_per_h"] for r in fresh])
    finally:
        optuna.logging.set_verbosity(verbosity)
        if pool is not None:
            pool.shutdown()
    if 0 < size - len(points) <= SWEEP_UNTRIED:
        # the simulations are spent: settle what the bound alone can among the designs not tried (a fraction of
        # a millisecond each), so the report says whether an untried design could still be the answer
        for changes in space.designs():
            if _key(changes) not in points:
                point, _ = settle(changes)
                if point.pruned:
                    points[_key(changes)] = point

    best = best_so_far()
    simulated = [p for p in points.values() if p.throughput is not None]
    if mode == "target":
        ranked = sorted(
            simulated,
            key=lambda p: (not p.feasible, p.cost if p.feasible else 0.0, p.size, -p.throughput.mean),
        )
    else:
        ranked = sorted(simulated, key=lambda p: (-p.throughput.mean, p.cost))
    others = [p for p in ranked if p is not best][:runners_up]
    diffs = []
    for p in others:
        if best is not None:
            diffs.append(Estimate.of(np.subtract(p.replication_throughput, best.replication_throughput)))
        else:
            diffs.append(Estimate(math.nan, math.nan, 0))
    return DesignResult(
        mode=mode,
        target_per_h=target,
        budget=budget,
        best=best,
        runners_up=others,
        differences=diffs,
        simulated=len(simulated),
        pruned=sum(1 for p in points.values() if p.pruned),
        trials=len(study.trials),
        line=base.with_changes(best.changes) if best else None,
        space_size=size,
        confidence=confidence,
    )


SWEEP_UNTRIED = 10_000  # the most untried designs settled by their bound after the search


def _key(changes: Mapping[str, Any]) -> tuple:
    return tuple(sorted(changes.items()))


def _current(data: Mapping[str, Any], path: str) -> Any:
    """The value a dotted `with_changes` path has in a dumped line (list items by id); None where it is unset."""
    node: Any = data
    for key in path.split("."):
        if isinstance(node, list):
            node = next((x for x in node if x.get("id") == key), None)
        elif isinstance(node, Mapping):
            node = node.get(key)
        else:
            return None
    return node
