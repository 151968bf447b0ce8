"""The closed loop on the virtual factory: designed experiment around the current settings → model → recommendation
→ apply to the twin → compare fresh parts before and after with a test. It only drives the twin, never a machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from sandan.domain import ProcessFamily
from sandan.optimize.recommend import Objective, QualityModel, Recommendation, recommend
from sandan.twin.process import MODELS, ProcessModel


def machine_limits(model: type[ProcessModel] | ProcessModel) -> dict[str, tuple[float, float]]:
    """Hard machine limits per parameter from a process model (a setting outside them is refused by the machine)."""
    return {p.name: (float(p.machine_min), float(p.machine_max)) for p in model.PARAMETERS}


def parameter_labels(model: type[ProcessModel] | ProcessModel) -> dict[str, tuple[str, str]]:
    return {p.name: (p.label_en, p.label_ko) for p in model.PARAMETERS}


def cycle_time_objective(model: ProcessModel) -> Objective:
    """Cycle time from the family's cycle-time relation (the machine's own, not learned)."""
    return Objective(
        "cycle_time_s",
        "s",
        "cycle time",
        "사이클 타임",
        lambda frame: np.asarray(model.cycle_time_s({c: frame[c].to_numpy() for c in frame.columns})),
    )


def designed_experiment(
    model: ProcessModel,
    centre: Mapping[str, float],
    *,
    n_runs: int = 24,
    parts_per_run: int = 150,
    spread: float = 0.25,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An engineer's space-filling trial around the current settings, run on the twin as production would be.

    Each run holds one set point for `parts_per_run` parts; set points are a Latin hypercube (McKay, Beckman &
    Conover 1979) within ± `spread` × the process window of each parameter around the centre, kept inside the
    realistic process window and the machine limits — the "small designed experiment around current settings" of
    response-surface practice (Montgomery, *Design and Analysis of Experiments*, 9th ed., ch. 11; Box & Draper,
    *Response Surfaces, Mixtures and Ridge Analyses*, 2007, EVOP ch. 1). Without such variation the recorded
    settings only scatter by controller repeatability and no model can tell which direction helps.
    The machine runs on between runs (wear, lots and clock carry over). Returns (parts, set points per run).
    """
    pars = model.PARAMETERS
    lo = np.array([max(p.min, p.machine_min, centre[p.name] - spread * (p.max - p.min)) for p in pars])
    hi = np.array([min(p.max, p.machine_max, centre[p.name] + spread * (p.max - p.min)) for p in pars])
    lo, hi = np.minimum(lo, [centre[p.name] for p in pars]), np.maximum(hi, [centre[p.name] for p in pars])
    u = qmc.LatinHypercube(d=len(pars), seed=seed).random(n_runs)
    points = lo + u * (hi - lo)
    points[0] = [centre[p.name] for p in pars]  # the current settings are one of the runs
    rng = np.random.default_rng(seed)
    frames, condition = [], None
    for i, x in enumerate(points):
        setting = {p.name: float(v) for p, v in zip(pars, x, strict=True)}
        batch = model.simulate(setting, parts_per_run, rng=rng, condition=condition)
        condition = batch.end_condition
        f = batch.to_frame()
        f["run"] = i
        frames.append(f)
    parts = pd.concat(frames, ignore_index=True)
    parts.attrs["params"] = [p.name for p in pars]
    return parts, pd.DataFrame(points, columns=[p.name for p in pars])


def compare_defect_rates(ng_before: int, n_before: int, ng_after: int, n_after: int) -> dict[str, float]:
    """Two-proportion z-test (pooled, one-sided: after < before) and Fisher's exact test (one-sided) on the 2×2
    table (Agresti, *Categorical Data Analysis*, 3rd ed., §2.4 and §3.5)."""
    p1, p2 = ng_before / n_before, ng_after / n_after
    pool = (ng_before + ng_after) / (n_before + n_after)
    se = np.sqrt(pool * (1 - pool) * (1 / n_before + 1 / n_after))
    z = (p1 - p2) / se if se > 0 else 0.0
    fisher = stats.fisher_exact(
        [[ng_before, n_before - ng_before], [ng_after, n_after - ng_after]], alternative="greater"
    )
    return {
        "before": p1,
        "after": p2,
        "reduction": (p1 - p2) / p1 if p1 > 0 else 0.0,
        "z": float(z),
        "p_z": float(stats.norm.sf(z)),
        "p_fisher": float(fisher.pvalue),
    }


@dataclass
class ClosedLoopResult:
    family: str
    recommendation: Recommendation
    test: dict[str, float]
    n_training_parts: int
    n_check_parts: int
    oob_skill: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "test": self.test,
            "n_training_parts": self.n_training_parts,
            "n_check_parts": self.n_check_parts,
            "oob_skill": self.oob_skill,
            "recommendation": self.recommendation.to_dict(),
        }


def closed_loop(
    family: ProcessFamily | str,
    *,
    seed: int = 0,
    n_runs: int = 24,
    parts_per_run: int = 150,
    spread: float = 0.25,
    n_check_parts: int = 3000,
    max_changed: int | None = None,
    objectives: Sequence[str] = (),
    n_trials: int = 120,
    n_members: int = 16,
) -> ClosedLoopResult:
    """Start a virtual machine at `poor_settings()`, run a designed experiment, learn, recommend, apply the set points
    to the twin and measure fresh parts before and after (same start, different random streams from training)."""
    family = ProcessFamily(family)
    cls = MODELS[family]
    machine = cls(material_seed=seed)
    current = cls.poor_settings()
    parts, _ = designed_experiment(
        machine, current, n_runs=n_runs, parts_per_run=parts_per_run, spread=spread, seed=seed
    )
    # runs, not parts, are the independent units of a designed experiment: the bootstrap draws whole runs
    quality = QualityModel.fit(
        parts, [p.name for p in cls.PARAMETERS], groups="run", n_members=n_members, seed=seed
    )
    objs = [cycle_time_objective(machine)] if "cycle_time_s" in objectives else []
    rec = recommend(
        quality,
        current,
        machine_limits(cls),
        objectives=objs,
        max_changed=max_changed,
        labels=parameter_labels(cls),
        n_trials=n_trials,
        seed=seed,
    )
    check = cls(material_seed=seed + 1000)  # fresh material lots, too
    before = check.simulate(current, n_check_parts, seed=10_000 + seed)
    after = check.simulate(rec.recommended, n_check_parts, seed=20_000 + seed)
    ng_b, ng_a = int((~before.ok).sum()), int((~after.ok).sum())
    test = compare_defect_rates(ng_b, before.n_parts, ng_a, after.n_parts)
    return ClosedLoopResult(family.value, rec, test, len(parts), n_check_parts, quality.oob_skill)
