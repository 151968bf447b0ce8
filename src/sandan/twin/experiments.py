"""What-if experiments on the twin: scenarios side by side, parameter sweeps, replications run in parallel.

It owns the execution backends (serial, local processes, a Ray cluster) and paired comparisons; no interface code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from sandan.domain import InvalidInput
from sandan.domain.errors import ConfigError
from sandan.twin.line import LineModel, load_line
from sandan.twin.sim import Estimate, Progress, SimResult, replicate, summarise

BACKENDS = ("auto", "serial", "local", "ray")
RAY_ADDRESS_ENV = "SANDAN_RAY_ADDRESS"


def _choose(backend: str) -> str:
    if backend not in BACKENDS:
        raise InvalidInput(
            f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}",
            f"알 수 없는 실행 방식 {backend!r}입니다. 다음 중 하나를 고르세요: {', '.join(BACKENDS)}",
            code="bad_backend",
            field="backend",
        )
    if backend == "auto":
        return "ray" if os.environ.get(RAY_ADDRESS_ENV) else "local"
    return backend


def _ray():
    try:
        import ray  # optional: only for a cluster
    except ImportError:
        raise ConfigError(
            "the Ray backend was selected but Ray is not installed; install it with `pip install ray` "
            f"or use backend='local' (and unset {RAY_ADDRESS_ENV})",
            "Ray 실행 방식을 선택했지만 Ray가 설치되어 있지 않습니다. `pip install ray`로 설치하거나 "
            f"backend='local'을 사용하세요 ({RAY_ADDRESS_ENV} 설정도 지우세요)",
            code="ray_missing",
        ) from None
    if not ray.is_initialized():
        ray.init(address=os.environ.get(RAY_ADDRESS_ENV) or None, ignore_reinit_error=True)
    return ray


def _run_tasks(
    tasks: list[tuple[LineModel, float, float, int, int]],
    backend: str,
    workers: int | None,
    progress: Progress | None,
) -> list[dict[str, Any]]:
    """Run `replicate(*task)` for every task; results in task order. `progress(done, total)` after each."""
    backend = _choose(backend)
    total = len(tasks)
    out: list[dict[str, Any] | None] = [None] * total
    done = 0
    if backend == "serial" or (backend == "local" and (workers == 1 or total == 1)):
        for i, task in enumerate(tasks):
            out[i] = replicate(*task)
            done += 1
            if progress:
                progress(done, total)
        return out  # type: ignore[return-value]
    if backend == "local":
        n = workers or min(2, os.cpu_count() or 1)
        pool = ProcessPoolExecutor(max_workers=n)
        try:
            futures = {pool.submit(replicate, *task): i for i, task in enumerate(tasks)}
            for fut in as_completed(futures):
                out[futures[fut]] = fut.result()
                done += 1
                if progress:
                    progress(done, total)
        except BaseException:
            # stopped (a job asked to stop raises from `progress`): the replications not yet started are dropped,
            # the running ones end on their own
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        return out  # type: ignore[return-value]
    ray = _ray()
    remote = ray.remote(replicate)
    refs = {remote.remote(*task): i for i, task in enumerate(tasks)}
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        for ref in ready:
            out[refs[ref]] = ray.get(ref)
            done += 1
            if progress:
                progress(done, total)
    return out  # type: ignore[return-value]


def run_replications(
    line: LineModel,
    replications: int,
    horizon: float,
    warmup: float,
    seed: int,
    *,
    backend: str = "local",
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Replication KPIs of one line, in replication order, on the chosen backend."""
    tasks = [(line, horizon, warmup, seed, r) for r in range(replications)]
    return _run_tasks(tasks, backend, workers, progress)


@dataclass
class Comparison:
    """Scenarios simulated with the same seeds (common random numbers, Law, *Simulation Modeling and Analysis*,
    5th ed., §11.2), so replication r of every scenario shares its random streams where the lines agree."""

    results: dict[str, SimResult]
    baseline: str

    def kpi(self, name: str, station: str | None = None) -> dict[str, Estimate]:
        return {s: (r.stations[station][name] if station else r.line[name]) for s, r in self.results.items()}

    def difference(
        self, scenario: str, kpi: str = "throughput_per_h", station: str | None = None
    ) -> Estimate:
        """Paired-t confidence interval of (scenario − baseline) over replications (Law §10.2.1, paired-t)."""

        def values(name: str) -> np.ndarray:
            reps = self.results[name].per_replication
            return np.array([(r["stations"][station] if station else r)[kpi] for r in reps], dtype="float64")

        return Estimate.of(values(scenario) - values(self.baseline))

    def table(self, kpis: Sequence[str] = ("throughput_per_h", "lead_time_s", "wip")) -> list[dict[str, Any]]:
        """One row per scenario: each KPI's mean and CI, its paired difference to the baseline, the bottleneck."""
        rows = []
        for name, res in self.results.items():
            row: dict[str, Any] = {"scenario": name, "bottleneck": res.bottleneck}
            for k in kpis:
                row[k] = res.line[k].to_dict()
                if name != self.baseline:
                    row[f"{k}_vs_baseline"] = self.difference(name, k).to_dict()
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "table": self.table(),
            "results": {k: v.to_dict() for k, v in self.results.items()},
        }


def compare(
    scenarios: Mapping[str, LineModel | Any],
    *,
    replications: int = 10,
    horizon: float = 8 * 3600.0,
    warmup: float = 3600.0,
    seed: int = 0,
    baseline: str | None = None,
    backend: str = "local",
    workers: int | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """Simulate named scenarios side by side; all their replications share one pool of workers."""
    if not scenarios:
        raise InvalidInput("give at least one scenario", "시나리오를 하나 이상 주세요", code="no_scenarios")
    if replications < 2:
        raise InvalidInput(
            "need at least 2 replications for a confidence interval",
            "신뢰구간을 구하려면 반복 실행이 2회 이상 필요합니다",
            code="bad_replications",
        )
    lines = {name: load_line(line) for name, line in scenarios.items()}
    baseline = baseline or next(iter(lines))
    if baseline not in lines:
        raise InvalidInput(
            f"baseline {baseline!r} is not one of the scenarios",
            f"기준 시나리오 {baseline!r}이(가) 시나리오 목록에 없습니다",
            code="bad_baseline",
        )
    names = list(lines)
    tasks = [(lines[n], horizon, warmup, seed, r) for n in names for r in range(replications)]
    reps = _run_tasks(tasks, backend, workers, progress)
    results = {
        n: summarise(lines[n], reps[i * replications : (i + 1) * replications], horizon, warmup, seed)
        for i, n in enumerate(names)
    }
    return Comparison(results, baseline)


def sweep(
    line: LineModel | Any,
    parameters: Mapping[str, Sequence[Any]],
    *,
    grid: bool = True,
    **options: Any,
) -> Comparison:
    """Vary line fields by dotted path (see `LineModel.with_changes`): all combinations (`grid=True`) or the
    values side by side (`grid=False`, equal lengths). The baseline is the unchanged line."""
    return compare(sweep_lines(line, parameters, grid=grid), baseline="baseline", **options)


def sweep_lines(
    line: LineModel | Any, parameters: Mapping[str, Sequence[Any]], *, grid: bool = True
) -> dict[str, LineModel]:
    """The lines a sweep simulates: "baseline" (the line as it is), then one per combination of values, named by
    its changes ("stations.drill.machines=2")."""
    line = load_line(line)
    if not parameters or any(
        not isinstance(v, Sequence) or isinstance(v, str) or not v for v in parameters.values()
    ):
        raise InvalidInput(
            "give each parameter to vary a list of values, e.g. {'stations.drill.machines': [1, 2, 3]}",
            "바꿀 변수마다 값 목록을 주세요. 예: {'stations.drill.machines': [1, 2, 3]}",
            code="bad_sweep",
            field="parameters",
        )
    keys = list(parameters)
    if grid:
        combos = [
            dict(zip(keys, vals, strict=True)) for vals in _product([list(parameters[k]) for k in keys])
        ]
    else:
        lengths = {len(parameters[k]) for k in keys}
        if len(lengths) != 1:
            raise InvalidInput(
                "side-by-side sweeps need the same number of values for every parameter",
                "나란히 비교하려면 모든 변수의 값 개수가 같아야 합니다",
                code="bad_sweep",
            )
        combos = [
            dict(zip(keys, vals, strict=True)) for vals in zip(*(parameters[k] for k in keys), strict=True)
        ]
    scenarios: dict[str, LineModel] = {"baseline": line}
    for change in combos:
        changed = line.with_changes(change)
        changed.require_used(change, ("sweep", "변수 훑기"), "parameters")
        scenarios[", ".join(f"{k}={v}" for k, v in change.items())] = changed
    return scenarios


def _product(lists: list[list[Any]]) -> list[tuple[Any, ...]]:
    import itertools

    return list(itertools.product(*lists))
