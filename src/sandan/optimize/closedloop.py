"""The closed loop on the virtual factory: designed experiment around the current settings → model → recommendation
→ apply to the twin → compare fresh parts before and after with a test. It only drives the twin, never a machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sandan.domain import InvalidInput, ProcessFamily
from sandan.optimize.recommend import (
    Objective,
    ParameterChange,
    QualityModel,
    Recommendation,
    parameter_lines,
    recommend,
)
from sandan.twin.process import MODELS, MachineCondition, ProcessModel


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
    The machine runs on between runs (wear, lots and clock carry over), in random run order (Montgomery §1.3): the
    machine's warm-up at the start, a new lot or wear then falls on whichever runs come first rather than always on
    the centre, whose parts a model reads as the curvature at the current settings (centre first, seeds 0–23 × four
    families, one parameter: mean reduction 0.578, one change significantly worse; random order 0.619, none —
    benchmarks/README.md). Returns (parts, set points per run, in running order).
    """
    points = model.trial_settings(centre, n_runs, spread=spread, seed=seed)  # the centre first
    points = points[np.random.default_rng([seed, 7]).permutation(len(points))]
    parts, _ = run_set_points(model, points, parts_per_run, rng=np.random.default_rng(seed))
    return parts, pd.DataFrame(points, columns=[p.name for p in model.PARAMETERS])


def run_set_points(
    model: ProcessModel,
    points: np.ndarray,
    parts_per_run: int,
    *,
    rng: np.random.Generator,
    condition: MachineCondition | None = None,
    first_run: int = 0,
) -> tuple[pd.DataFrame, MachineCondition]:
    """Run each set point (rows of `points`, in the order of `model.PARAMETERS`) for `parts_per_run` parts on the
    twin, the machine running on between runs; parts carry a `run` number from `first_run`. Returns (parts, the
    machine's condition after the last run)."""
    pars = model.PARAMETERS
    frames = []
    for i, x in enumerate(np.atleast_2d(points)):
        setting = {p.name: float(v) for p, v in zip(pars, x, strict=True)}
        batch = model.simulate(setting, parts_per_run, rng=rng, condition=condition)
        condition = batch.end_condition
        f = batch.to_frame()
        f["run"] = first_run + i
        frames.append(f)
    parts = pd.concat(frames, ignore_index=True)
    parts.attrs["params"] = [p.name for p in pars]
    parts.attrs["end_condition"] = condition
    return parts, condition


def trial_points(
    model: type[ProcessModel] | ProcessModel,
    current: Mapping[str, float],
    targets: Sequence[Mapping[str, float]],
    steps: Sequence[float] = (0.5, 1.0, 1.5),
) -> np.ndarray:
    """Set points of a follow-up trial: along each path from the current settings towards a target the model
    found, at `steps` × the way there (beyond 1 a step past it), kept inside the process window and the machine
    limits, plus the current settings once more — the method of steepest descent of response-surface practice, run
    along the path the first model points to before the next model is fitted (Box & Wilson, *JRSS B* 13, 1951;
    Montgomery, *Design and Analysis of Experiments*, 9th ed., §11.2). Rows in the order of `model.PARAMETERS`."""
    pars = model.PARAMETERS
    x_cur = np.array([float(current[p.name]) for p in pars])
    lo = np.minimum([max(p.min, p.machine_min) for p in pars], x_cur)
    hi = np.maximum([min(p.max, p.machine_max) for p in pars], x_cur)
    rows = [x_cur]
    for target in targets:
        x_t = np.array([float(target.get(p.name, current[p.name])) for p in pars])
        if np.allclose(x_t, x_cur):
            continue
        for f in steps:
            rows.append(np.clip(x_cur + f * (x_t - x_cur), lo, hi))
    return np.unique(np.vstack(rows), axis=0) if len(rows) > 1 else np.vstack(rows)


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
    trial_paths: int = 0,
    trial_steps: Sequence[float] = (0.5, 1.0, 1.5),
    kind: str = "surface",
) -> ClosedLoopResult:
    """Start a virtual machine at `poor_settings()`, run a designed experiment, learn, recommend, apply the set points
    to the twin and measure fresh parts before and after (same start, different random streams from training).

    With `max_changed=1` and `trial_paths` > 0 the experiment is sequential, as an engineer would run it: after the
    screening model, one-factor trials run along the `trial_paths` parameter lines that promise most under optimism
    (`parameter_lines`, `trial_points`), each with a control run at the current settings, and the recommendation
    comes from one-parameter models of those lines (`_one_factor_trials`). Trial parts are training data only; the
    before/after check runs on a separate machine with fresh parts and material lots. Off by default: on the
    benchmark it did not beat the screening model's own one-parameter answer (see benchmarks/optimize.py --trials).
    `kind` is the quality model's (`QualityModel.fit`): a response surface per defect type by default (as
    `recommend_for_machine` uses), or "trees" (benchmarks/optimize.py --model compares them)."""
    family = ProcessFamily(family)
    cls = MODELS[family]
    machine = cls(material_seed=seed)
    current = cls.poor_settings()
    params = [p.name for p in cls.PARAMETERS]
    parts, setpoints = designed_experiment(
        machine, current, n_runs=n_runs, parts_per_run=parts_per_run, spread=spread, seed=seed
    )
    # runs, not parts, are the independent units of a designed experiment: the bootstrap draws whole runs
    quality = QualityModel.fit(parts, params, groups="run", kind=kind, n_members=n_members, seed=seed)
    objs = [cycle_time_objective(machine)] if "cycle_time_s" in objectives else []
    limits, labels = machine_limits(cls), parameter_labels(cls)
    # a property of the material (the press's sheet gauge) varies in the trial as lots do, but is no setting to advise
    material = [p.name for p in cls.PARAMETERS if not p.settable]

    def advise(model: QualityModel) -> Recommendation:
        return recommend(
            model,
            current,
            limits,
            fixed=material,
            objectives=objs,
            max_changed=max_changed,
            labels=labels,
            n_trials=n_trials,
            seed=seed,
        )

    n_training = len(parts)
    if trial_paths > 0 and max_changed == 1:
        rec, n_trial = _one_factor_trials(
            machine,
            quality,
            parts,
            setpoints,
            current,
            limits,
            labels,
            trial_paths,
            trial_steps,
            parts_per_run,
            n_members,
            kind,
            seed,
        )
        n_training += n_trial
    else:
        rec = advise(quality)
    check = cls(material_seed=seed + 1000)  # fresh material lots, too
    before = check.simulate(current, n_check_parts, seed=10_000 + seed)
    after = check.simulate(rec.recommended, n_check_parts, seed=20_000 + seed)
    ng_b, ng_a = int((~before.ok).sum()), int((~after.ok).sum())
    test = compare_defect_rates(ng_b, before.n_parts, ng_a, after.n_parts)
    return ClosedLoopResult(family.value, rec, test, n_training, n_check_parts, quality.oob_skill)


def _one_factor_trials(
    machine: ProcessModel,
    quality: QualityModel,
    parts: pd.DataFrame,
    setpoints: pd.DataFrame,
    current: Mapping[str, float],
    limits: Mapping[str, tuple[float, float]],
    labels: Mapping[str, tuple[str, str]],
    n_paths: int,
    steps: Sequence[float],
    parts_per_run: int,
    n_members: int,
    kind: str,
    seed: int,
) -> tuple[Recommendation, int]:
    """One-parameter follow-up: one-factor trials along the `n_paths` most promising lines of the screening model,
    a one-parameter model per line fitted on that line's runs (the trials and every run at the current settings),
    and the line whose change holds up best — the least improvement the line's members still agree on (their
    `confidence` quantile of the paired effect, a lower confidence bound) — is the recommendation. No line passing
    `recommend`'s gates means no change. Returns (recommendation, trial parts made)."""
    pars = machine.PARAMETERS
    names = [p.name for p in pars]
    x_cur = np.array([float(current[n]) for n in names])
    lines = parameter_lines(quality, current, limits)
    settable = {p.name for p in pars if p.settable}  # no trial along a material property (the sheet gauge)
    lines = lines[(lines["line_optimistic"] < 0.0) & lines["parameter"].isin(settable)].head(n_paths)
    # each line's trial starts with a control run at the current settings, so drift between runs (material lots,
    # wear) shows up in the controls instead of in one line's effect
    blocks, owners = [], []
    for r in lines.itertuples():
        pts = trial_points(machine, current, [{r.parameter: r.value}], steps)
        pts = pts[~np.all(np.isclose(pts, x_cur), axis=1)]
        blocks += [x_cur[None, :], pts]
        owners += [""] + [r.parameter] * len(pts)
    if not blocks:
        return recommend(quality, current, limits, fixed=names, labels=labels, seed=seed), 0
    points = np.vstack(blocks)
    first = int(parts["run"].max()) + 1
    trial, _ = run_set_points(
        machine,
        points,
        parts_per_run,
        rng=np.random.default_rng([seed, 2]),
        condition=parts.attrs["end_condition"],
        first_run=first,
    )
    allparts = pd.concat([parts, trial], ignore_index=True)
    # runs at the current settings: the screening's centre run and the trial's control runs
    centre_runs = {
        int(i) for i in np.flatnonzero(np.all(np.isclose(setpoints[names].to_numpy(), x_cur), axis=1))
    }
    centre_runs |= {first + i for i, o in enumerate(owners) if o == ""}
    best: Recommendation | None = None
    for name in lines["parameter"]:
        runs = centre_runs | {first + i for i, o in enumerate(owners) if o == name}
        on_line = allparts[allparts["run"].isin(runs)]
        try:
            model = QualityModel.fit(on_line, [name], groups="run", kind=kind, n_members=n_members, seed=seed)
        except InvalidInput:  # too few defects on the line to learn from
            continue
        rec = recommend(
            model, {name: current[name]}, {name: limits[name]}, max_changed=1, labels=labels, seed=seed
        )
        if rec.changed and (best is None or rec.effect_interval[1] < best.effect_interval[1]):
            best = rec
    if best is None:  # keep the current settings, as the screening model's own gated answer does
        return recommend(quality, current, limits, fixed=names, labels=labels, seed=seed), len(trial)
    return _with_all_parameters(best, quality, current, limits), len(trial)


def _with_all_parameters(
    rec: Recommendation,
    quality: QualityModel,
    current: Mapping[str, float],
    limits: Mapping[str, tuple[float, float]],
) -> Recommendation:
    """A one-parameter recommendation spelled out over every parameter (the others keep their current values)."""
    observed = quality.observed[quality.parameters].to_numpy(dtype="float64")
    lo, hi = np.quantile(observed, 0.005, axis=0), np.quantile(observed, 0.995, axis=0)
    own = {c.name: c for c in rec.parameters}
    changes = [
        own.get(p)
        or ParameterChange(
            p,
            float(current[p]),
            float(current[p]),
            False,
            *map(float, limits[p]),
            float(lo[j]),
            float(hi[j]),
            False,
        )
        for j, p in enumerate(quality.parameters)
    ]
    return replace(
        rec,
        parameters=changes,
        current={c.name: c.current for c in changes},
        recommended={c.name: c.recommended for c in changes},
    )
