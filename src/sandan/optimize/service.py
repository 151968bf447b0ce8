"""The optimisation a page, the API and the assistant share: recommend for a stored machine, and keep recipes.

Recipes live in a small JSON file in the data folder until the store has a table for them; nothing here writes to a
machine (no write-enabled connector exists yet).
"""

from __future__ import annotations

import json
import math
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from sandan.domain import Conflict, InvalidInput, NotFound
from sandan.monitor.oee import select_machines
from sandan.optimize.recommend import (
    Objective,
    QualityModel,
    Recommendation,
    apart,
    fixed_settings,
    plain,
    recommend,
    span,
)
from sandan.optimize.rootcause import RootCause, root_cause
from sandan.store import Store
from sandan.twin.process import MODELS, column_labels

RECIPE_FILE = "optimize_recipes.json"
# Production data: recommend only within this many times the median spacing of the distinct set points the machine
# actually ran (`set_points`, `recommend(near_set_points=…)`): its few set points leave wide unvisited corners in the
# trust ellipsoid. With fewer than 3 set points, within NEAR_OBSERVED typical k-NN distances of its parts instead.
NEAR_SET_POINTS = 0.5
NEAR_OBSERVED = 3.0
N_MEMBERS = 6  # ensemble members (whole hours bootstrapped)
N_TRIALS = 60  # Optuna trials after the Sobol candidates
_lock = threading.Lock()
# A job's progress callback (`sandan.jobs`): work done, total, message.
Progress = Callable[..., None]


CYCLE_WINDOW = 21  # parts around a gap whose median gap tells a cycle from a stop


def cycle_time_from_timestamps(frame: pd.DataFrame, parameters: list[str]) -> Objective | None:
    """Cycle time learned from the gaps between consecutive parts, as a median (quantile) LightGBM regression on the
    parameters; None when too few gaps remain. A stop is a gap over 1.5 × the median of the gaps around it (21
    parts): measured against the whole history's median instead, every part of a run slower than that was taken
    for a stop, and slow settings looked fast (a 62.7 s run learnt as 51.9 s)."""
    t = pd.to_datetime(frame["time"], utc=True)
    gaps = t.diff().dt.total_seconds()
    local = gaps.where(gaps > 0).rolling(CYCLE_WINDOW, center=True, min_periods=5).median().to_numpy()
    gap = gaps.to_numpy()
    keep = np.isfinite(gap) & (gap > 0) & np.isfinite(local) & (gap <= 1.5 * local)
    if keep.sum() < 50:
        return None
    X = frame.loc[keep, parameters].to_numpy(dtype="float64")
    booster = lgb.train(
        {"objective": "quantile", "alpha": 0.5, "verbose": -1, "num_threads": 2, "num_leaves": 15},
        lgb.Dataset(X, gap[keep]),
        num_boost_round=100,
    )
    return Objective(
        "cycle_time_s",
        "s",
        "cycle time",
        "사이클 타임",
        lambda f: booster.predict(f[parameters].to_numpy(dtype="float64")),
    )


def setting_resolution(frame: pd.DataFrame, parameters: list[str]) -> dict[str, float]:
    """The smallest meaningful change of each parameter: twice the scatter of its logged value around the set
    point, estimated from successive parts (median |difference| / 0.954 is σ for independent normal scatter and
    ignores the rare set-point steps)."""
    out = {}
    for p in parameters:
        steps = np.abs(np.diff(frame[p].to_numpy(dtype="float64")))
        steps = steps[np.isfinite(steps)]
        out[p] = 2.0 * float(np.median(steps)) / 0.954 if len(steps) else 0.0
    return out


SET_POINT_WINDOW = 5  # parts whose rolling median of the logged values follows the set point
SET_POINT_MIN_PARTS = 5  # a shorter run is a transition, not a set point
# the most set points kept (the longest runs'): a drifting machine's many short runs would make the distance
# matrices of every candidate against every set point large without telling more
MAX_SET_POINTS = 512


def set_points(
    frame: pd.DataFrame, parameters: list[str], resolution: dict[str, float] | None = None
) -> np.ndarray:
    """The distinct set points the machine ran at, one row per set point (columns in `parameters` order).

    A run is a stretch of consecutive parts whose rolling median of `SET_POINT_WINDOW` parts' logged values stays
    within each parameter's resolution (`setting_resolution`) of the run's mean so far; a run's set point is its
    parts' median, runs shorter than `SET_POINT_MIN_PARTS` are dropped, and runs within the resolution of one
    another in every parameter are one set point (production broken by a stop, or a scatter-made split)."""
    resolution = resolution if resolution is not None else setting_resolution(frame, parameters)
    V = frame[parameters].apply(pd.to_numeric, errors="coerce").dropna().to_numpy(dtype="float64")
    if len(V) < SET_POINT_MIN_PARTS:
        return np.empty((0, len(parameters)))
    res = np.array([max(float(resolution.get(p, 0.0)), 1e-12) for p in parameters])
    R = (
        pd.DataFrame(V)
        .rolling(SET_POINT_WINDOW, center=True, min_periods=1)
        .median()
        .to_numpy(dtype="float64")
    )
    starts = [0]
    total, count = R[0].copy(), 1
    for i in range(1, len(R)):
        if np.any(np.abs(R[i] - total / count) > res):
            starts.append(i)
            total, count = R[i].copy(), 1
        else:
            total += R[i]
            count += 1
    bounds = list(zip(starts, starts[1:] + [len(V)], strict=True))
    runs = [(b - a, np.median(V[a:b], axis=0)) for a, b in bounds if b - a >= SET_POINT_MIN_PARTS]
    points = np.empty((0, len(parameters)))
    for _, m in sorted(runs, key=lambda r: -r[0]):  # the longest run of a set point names it
        if len(points) >= MAX_SET_POINTS:
            break
        if not np.all(np.abs(points - m) <= res, axis=1).any():
            points = np.vstack([points, m])
    return points


def _machine(store: Store, company_id: str, machine_id: str) -> Any:
    """One of the company's machines, or `unknown_machine` (another company's is not found either)."""
    machine = store.get_machine(company_id, machine_id)
    if machine is None:
        raise NotFound(
            f"machine {machine_id!r} not found",
            f"설비 {machine_id!r}을(를) 찾을 수 없습니다",
            code="unknown_machine",
            field="machine_id",
        )
    return machine


#: The part records a recommendation learns from unless asked otherwise: the page, the API and the assistant alike.
RECOMMEND_DAYS = 30.0


def recommend_for_machine(
    store: Any,
    company_id: str,
    machine_id: str,
    *,
    days: float = RECOMMEND_DAYS,
    fixed: dict[str, float] | None = None,
    objectives: tuple[str, ...] = (),
    allow_extrapolation: bool = False,
    end: datetime | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    kind: str = "surface",
) -> Recommendation:
    """Learn P(ng | parameters) from the machine's recent part records and recommend set points.

    Machine limits are the process family's defaults (twin parameter catalogue) until machines carry their own;
    parameters the family does not know are limited to the observed range. Current settings: the median of the
    last 50 parts' logged values (the controller scatters around the set point), to the family's decimals of each
    parameter; a change within twice that
    scatter is no change (`setting_resolution`). `progress` (a job's) hears of each step: reading the records,
    each ensemble member trained, each search trial. `kind` is the quality model's (`QualityModel.fit`): a response
    surface per defect type, or "trees" (benchmarks/recommend_trial.py --model compares them).
    """
    total = 1 + N_MEMBERS + N_TRIALS

    def step(done: int, en: str, ko: str) -> None:
        if progress is not None:
            progress(done, total, (en, ko))

    step(0, "reading part records", "부품 기록 읽는 중")
    machine = _machine(store, company_id, machine_id)
    end = end or datetime.now(UTC)
    frame = store.training_frame(company_id, end - timedelta(days=days), end, [machine_id])
    params = [p for p in frame.attrs.get("params", []) if pd.api.types.is_numeric_dtype(frame[p])]
    if len(frame) < 50 or not params:
        raise InvalidInput(
            f"machine {machine_id} has {len(frame)} part records with parameters in the last {days:g} days; "
            "at least 50 are needed",
            f"설비 {machine_id}의 최근 {days:g}일 부품 기록이 {len(frame)}개입니다. 50개 이상 필요합니다",
            code="too_few_rows",
        )
    frame = frame.sort_values("time").reset_index(drop=True)
    family_model = MODELS.get(machine.family)
    known = {p.name: p for p in family_model.PARAMETERS} if family_model else {}
    limits = {
        p: (known[p].machine_min, known[p].machine_max)
        if p in known
        else (float(frame[p].min()), float(frame[p].max()))
        for p in params
    }
    labels = {p: (known[p].label_en, known[p].label_ko) if p in known else (p, p) for p in params}
    # the set point as the controller shows it: the last 50 parts' median, to the parameter's decimals where the
    # family knows them (the median of a scattered log read "1,699.5 rpm" for a lathe set to 1,700)
    current = {
        p: round(v, known[p].decimals) if p in known else v
        for p, v in frame[params].tail(50).median().to_dict().items()
    }
    # what a person holds is checked before any training, whatever the model then finds (with no skill it was
    # passed over unread)
    fixed_settings(fixed or {}, current, params, limits)
    # Parts of one hour share their set points, tool and material lot: the bootstrap draws whole hours
    # (cluster bootstrap), so that a pocket of the controller's scatter does not look like a sure effect.
    hours = pd.to_datetime(frame["time"], utc=True).dt.floor("1h").astype("int64").to_numpy()
    model = QualityModel.fit(
        frame,
        params,
        n_members=N_MEMBERS,
        groups=hours,
        kind=kind,
        seed=seed,
        progress=lambda b: step(1 + b, f"model {b}/{N_MEMBERS} trained", f"모델 {b}/{N_MEMBERS} 학습"),
    )
    objs = []
    if "cycle_time_s" in objectives:
        ct = cycle_time_from_timestamps(frame, params)
        if ct is not None:
            objs.append(ct)
    # Production data is observational: set points drift with wear, lots and shifts that also move the defect
    # rate. A model that cannot predict the defects of hours it never saw (out-of-bag Brier skill ≤ 0) has found
    # no effect of the settings, however sure its members are; it recommends nothing and says why.
    no_skill = not model.oob_skill > 0.0
    # a property of the incoming material (a sheet's thickness) is kept: nobody sets it at the machine
    material = [p for p in params if p in known and not known[p].settable and p not in (fixed or {})]
    resolution = setting_resolution(frame, params)
    rec = recommend(
        model,
        current,
        limits,
        fixed=list(params) if no_skill else {**{p: current[p] for p in material}, **(fixed or {})},
        objectives=objs,
        allow_extrapolation=allow_extrapolation,
        labels=labels,
        units={p: known[p].unit for p in params if p in known},
        resolution=resolution,
        near_observed=NEAR_OBSERVED,
        set_points=set_points(frame, params, resolution),
        near_set_points=NEAR_SET_POINTS,
        n_trials=N_TRIALS,
        seed=seed,
        progress=lambda k: step(
            1 + N_MEMBERS + k, f"searching settings {k}/{N_TRIALS}", f"설정 탐색 {k}/{N_TRIALS}"
        ),
    )
    if not no_skill and "cycle_time_s" not in objectives:
        _say_cycle_time(rec, frame, params, current)
    if material and not no_skill:
        rec.text["en"].append(
            f"Kept as delivered: {', '.join(labels[p][0] for p in material)} — a property of the material, changed "
            "by ordering another one, not at the machine."
        )
        rec.text["ko"].append(
            f"그대로 둠: {', '.join(labels[p][1] for p in material)} — 소재의 특성이라 설비에서가 아니라 다른 소재를 "
            "주문해서 바꿉니다."
        )
    if no_skill:
        skill = "n/a" if np.isnan(model.oob_skill) else f"{model.oob_skill:.2f}"
        rec.text["en"].insert(
            1,
            f"The recorded settings do not predict this machine's defects on hours left out of training (skill "
            f"{skill}; above 0 is needed), so the data cannot tell what a change would do. Run a small trial: a "
            "few runs at deliberately different settings, then ask again.",
        )
        rec.text["ko"].insert(
            1,
            f"기록된 설정값으로는 학습에서 뺀 시간대의 불량을 예측하지 못합니다(기술 점수 {skill}, 0보다 커야 함). "
            "설정을 바꾸면 어떻게 될지 데이터로는 알 수 없습니다. 설정을 일부러 달리한 소규모 시험 생산을 한 뒤 "
            "다시 요청하세요.",
        )
    return rec


def _say_cycle_time(
    rec: Recommendation, frame: pd.DataFrame, params: list[str], current: dict[str, float]
) -> None:
    """Advice that only cuts defects still says what it does to the cycle time, predicted from the gaps between
    parts as when it is an objective (`cycle_time_from_timestamps`): slower settings cost output, and a reader
    must not learn that only by ticking the option. Added to the figures (not to the objectives searched) and
    to the text; nothing when the data give no cycle-time model or the settings do not change."""
    ct = cycle_time_from_timestamps(frame, params) if rec.changed else None
    if ct is None:
        return
    now, then = (float(ct.function(pd.DataFrame([point]))[0]) for point in (current, rec.recommended))
    rec.current_objectives[ct.name], rec.expected_objectives[ct.name] = now, then
    a, b = apart(now, then)
    change = then / now - 1 if now > 0 else 0.0
    en = f"Cycle time: {a} s now, about {b} s at these settings ({change:+.0%}; defects only were weighed"
    ko = f"사이클 타임: 현재 {a}초, 권장 설정에서 약 {b}초 ({change:+.0%}, 불량만 따졌습니다"
    if change > 0.02:
        en += " — tick 'Also shorten cycle time (Pareto)' to weigh output too)."
        ko += ". 생산량도 따지려면 '사이클 타임도 줄이기 (파레토)'를 고르세요)."
    else:
        en, ko = en + ").", ko + ")."
    rec.text["en"].append(en)
    rec.text["ko"].append(ko)


# What a factor is called when it is not a process parameter (root cause's categorical columns)
FACTOR_LABELS = {
    "machine_id": {"en": "machine", "ko": "설비"},
    "lot_id": {"en": "material lot", "ko": "자재 로트"},
    "product": {"en": "product", "ko": "제품"},
}
ROOT_CAUSE_BASELINE_DAYS = 7.0
ROOT_CAUSE_MIN_PARTS = 10  # in the period asked and in the days before it: fewer compare nothing


def root_cause_window(
    store: Store,
    company_id: str,
    now: datetime,
    *,
    start: datetime | None = None,
    machine_ids: list[str] | None = None,
    line_id: str | None = None,
    baseline_days: float = ROOT_CAUSE_BASELINE_DAYS,
) -> tuple[datetime, datetime, float]:
    """The question `root_cause_for` can answer: [start, now) — by default the last 24 hours — against the
    `baseline_days` before it. When the records are younger than that (a plant connected since yesterday, the
    demo), the last quarter of what there is up to `now` — at least an hour — against everything before it, so
    the question asked has an answer; a `start` the user asked for ("this week" on its second day) is kept while
    the days before it hold the `ROOT_CAUSE_MIN_PARTS` a comparison needs. The web page and the assistant both ask it; a caller
    tells its user when the span it got is not the one asked."""
    asked = start is not None
    start = now - timedelta(days=1) if start is None else start
    machines = select_machines(store, company_id, machine_ids or None, line_id)
    ids = [m.id for m in machines]
    if not ids:
        return start, now, baseline_days
    if asked:
        before = store.query_parts(
            company_id,
            start - timedelta(days=baseline_days),
            start,
            ids,
            limit=ROOT_CAUSE_MIN_PARTS,
            columns=["time"],
        )
        if before.num_rows >= ROOT_CAUSE_MIN_PARTS:
            return start, now, baseline_days
    times = store.query_parts(
        company_id, start - timedelta(days=baseline_days), now, ids, limit=1, columns=["time"]
    ).column("time")  # the earliest record in reach: one row of one column
    if len(times) == 0:
        return start, now, baseline_days
    first = pd.Timestamp(times[0].as_py()).to_pydatetime()
    if first < start - timedelta(days=baseline_days / 2):
        return start, now, baseline_days  # enough history before the day: the usual question
    recorded = now - first
    period = max(recorded / 4, timedelta(hours=1))
    if recorded <= period:
        return start, now, baseline_days
    return now - period, now, (recorded - period).total_seconds() / 86_400


def root_cause_for(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    machine_ids: list[str] | None = None,
    line_id: str | None = None,
    baseline_days: float = ROOT_CAUSE_BASELINE_DAYS,
) -> RootCause:
    """Why defects rose in [start, end): its parts against those of the `baseline_days` before it, on the company's
    machines (or those given, or a line's) — machines, material lots, products and process parameters ranked by
    their association with defects (`rootcause.root_cause`). Parameters carry their process model's names."""
    if not end > start:
        raise InvalidInput(
            "the period to explain must end after it starts",
            "분석할 기간의 끝이 시작보다 뒤여야 합니다",
            code="bad_window",
        )
    if not 0 < baseline_days <= 90:
        raise InvalidInput(
            f"the comparison period is more than 0 and at most 90 days before (got {baseline_days:g})",
            f"비교 기간은 0일보다 길고 90일 이하여야 합니다 (입력 {baseline_days:g})",
            code="bad_window",
        )
    machines = select_machines(store, company_id, machine_ids or None, line_id)
    ids = [m.id for m in machines]
    before = start - timedelta(days=baseline_days)
    frame = store.training_frame(company_id, before, end, ids) if ids else pd.DataFrame()
    if frame.empty:
        raise InvalidInput(
            "no part records in the period or the days before it",
            "해당 기간과 그 전 기간에 부품 기록이 없습니다",
            code="too_few_rows",
        )
    t = pd.to_datetime(frame["time"], utc=True)
    n_period = int(((t >= pd.Timestamp(start)) & (t < pd.Timestamp(end))).sum())
    n_before = int(((t >= pd.Timestamp(before)) & (t < pd.Timestamp(start))).sum())
    if min(n_period, n_before) < ROOT_CAUSE_MIN_PARTS:
        raise InvalidInput(
            f"the comparison needs at least {ROOT_CAUSE_MIN_PARTS} parts in the period and {ROOT_CAUSE_MIN_PARTS} "
            f"in the {baseline_days:g} days before it "
            f"(period {n_period:,}, before {n_before:,}); "
            + (
                "choose a later start or fewer comparison days, so the days before hold records"
                if n_before < ROOT_CAUSE_MIN_PARTS
                else "choose a longer period"
            ),
            f"비교하려면 기간에 부품이 {ROOT_CAUSE_MIN_PARTS}개 이상, 그 전 {baseline_days:g}일에도 "
            f"{ROOT_CAUSE_MIN_PARTS}개 이상 있어야 합니다 "
            f"(기간 {n_period:,}개, 그 전 {n_before:,}개). "
            + (
                "시작을 늦추거나 비교 일수를 줄여 그 전 기간에 기록이 들어오게 하세요"
                if n_before < ROOT_CAUSE_MIN_PARTS
                else "기간을 더 길게 잡으세요"
            ),
            code="too_few_rows",
        )
    parameters = [p for p in frame.attrs.get("params", []) if pd.api.types.is_numeric_dtype(frame[p])]
    categorical = [c for c in FACTOR_LABELS if c in frame and frame[c].nunique() > 1]
    words = column_labels(m.family for m in machines)  # the families' units: "kN", "mm", "g/m²"
    units = {p: words[p]["unit"] for p in parameters if words.get(p, {}).get("unit")}
    found = root_cause(
        frame, (start, end), (before, start), parameters=parameters, categorical=categorical, units=units
    )
    earlier = t[(t >= pd.Timestamp(before)) & (t < pd.Timestamp(start))]
    found.good_first = earlier.min().to_pydatetime()  # records may begin after `before`: the page says so
    labels = dict(FACTOR_LABELS)
    for m in machines:
        for p in MODELS[m.family].PARAMETERS if m.family in MODELS else ():
            labels.setdefault(p.name, {"en": p.label_en, "ko": p.label_ko})
    found.labels = {f.name: labels[f.name] for f in found.factors if f.name in labels}
    return found


RECOMMEND_JOB = "optimize.recommend"  # the kind of a recommendation's background job


def recommendation_job(
    progress: Progress, store: Any, company_id: str, machine_id: str, **options: Any
) -> Recommendation:
    """`recommend_for_machine` as a background job's function (a job registry passes its progress first)."""
    return recommend_for_machine(store, company_id, machine_id, progress=progress, **options)


def machines_by_defect_rate(
    store: Store, company_id: str, data_dir: Path, *, now: datetime | None = None, hours: float = 24.0
) -> list[dict[str, Any]]:
    """The company's machines, those with the highest defect rate over the last `hours` first (the quality page's
    figures: `monitor.quality_table` with the company's calendar); machines without parts come last, rate None."""
    from sandan.monitor.calendar import company_calendar
    from sandan.monitor.quality import quality_table

    end = now or datetime.now(UTC)
    machines = store.list_machines(company_id)
    table = quality_table(
        store,
        company_id,
        end - timedelta(hours=hours),
        end,
        by="machine",
        calendar=company_calendar(data_dir, company_id),
    )
    rates = {r["machine_id"]: (r["defect_rate"], r["produced_qty"]) for r in table.to_dict("records")}
    out = [
        {
            "id": m.id,
            "name": m.name or m.id,
            "defect_rate": None if m.id not in rates else float(rates[m.id][0]),
            "produced_qty": 0 if m.id not in rates else int(rates[m.id][1]),
        }
        for m in machines
    ]
    return sorted(out, key=lambda r: (r["defect_rate"] is None, -(r["defect_rate"] or 0.0)))


# ---- recipes --------------------------------------------------------------------------------------------------------


def _path(data_dir: Path) -> Path:
    return Path(data_dir) / RECIPE_FILE


def _load(data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    p = _path(data_dir)
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


RECIPE_NAME_MAX = 100


def check_recipe_settings(
    store: Store, company_id: str, machine_id: str, settings: dict[str, Any], end: datetime | None = None
) -> dict[str, float]:
    """The settings of a recipe for one of the company's machines, as numbers, or why not: each is a parameter the
    machine's process family knows (within its machine limits) or one its part records of the last
    `RECOMMEND_DAYS` before the company's newest carry (within the range they show) — a recipe is typed into a
    controller as it stands."""
    machine = _machine(store, company_id, machine_id)
    family_model = MODELS.get(machine.family)
    known = {p.name: p for p in family_model.PARAMETERS} if family_model else {}
    observed: pd.DataFrame | None = None
    out: dict[str, float] = {}
    for name, raw in settings.items():
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value):
            en, ko = (known[name].label_en, known[name].label_ko) if name in known else (name, name)
            raise InvalidInput(
                f"{en}: {raw!r} is not a number",
                f"{ko}: {raw!r}은(는) 숫자가 아닙니다",
                code="bad_recipe",
                field=name,
            )
        if name in known:
            low, high = known[name].machine_min, known[name].machine_max
            what_en, what_ko, unit = known[name].label_en, known[name].label_ko, known[name].unit
            source = ("the machine's limits", "설비 한계")
        else:
            if observed is None:  # the window the recommendation learns from, ending at the newest records
                records = store.record_span(company_id, "part_records")
                end = end or (records[1] + timedelta(seconds=1) if records else datetime.now(UTC))
                observed = store.training_frame(
                    company_id, end - timedelta(days=RECOMMEND_DAYS), end, [machine_id]
                )
            if name not in observed.attrs.get("params", []) or not pd.api.types.is_numeric_dtype(
                observed[name]
            ):
                names = sorted(set(known) | set(observed.attrs.get("params", [])))
                raise InvalidInput(
                    f"{machine_id} has no setting {name!r}: its settings are {', '.join(names) or 'none recorded'}",
                    f"{machine_id}에는 설정 {name!r}이(가) 없습니다. 설정: {', '.join(names) or '기록 없음'}",
                    code="bad_recipe",
                    field=name,
                )
            low, high = float(observed[name].min()), float(observed[name].max())
            what_en = what_ko = name
            unit = ""
            source = (
                f"what its part records of the last {RECOMMEND_DAYS:g} days show",
                f"최근 {RECOMMEND_DAYS:g}일 부품 기록의 범위",
            )
        if not low <= value <= high:
            u = f" {unit}" if unit else ""
            raise InvalidInput(
                f"{what_en} {plain(value)}{u} lies outside {source[0]}, {span(low, high)}{u}",
                f"{what_ko} {plain(value)}{u}: {source[1]}({span(low, high)}{u}) 밖입니다",
                code="outside_limits",
                field=name,
            )
        out[name] = value
    return out


def save_recipe(
    store: Store,
    data_dir: Path,
    company_id: str,
    machine_id: str,
    name: str,
    settings: dict[str, Any],
    user_id: str,
    note: str = "",
) -> dict[str, Any]:
    """Keep a set of set points under a name for one of the company's machines (`check_recipe_settings`)."""
    if not name.strip() or not settings:
        raise InvalidInput(
            "a recipe needs a name and at least one setting",
            "레시피에는 이름과 설정값이 하나 이상 필요합니다",
            code="bad_recipe",
            field="name" if not name.strip() else None,
        )
    if len(name.strip()) > RECIPE_NAME_MAX:
        raise InvalidInput(
            f"a recipe name has at most {RECIPE_NAME_MAX} characters; this one has {len(name.strip()):,}",
            f"레시피 이름은 {RECIPE_NAME_MAX}자까지입니다. 지금 이름은 {len(name.strip()):,}자입니다",
            code="bad_recipe",
            field="name",
        )
    settings = check_recipe_settings(store, company_id, machine_id, settings)
    recipe = {
        "id": uuid.uuid4().hex[:12],
        "machine_id": machine_id,
        "name": name.strip(),
        "settings": {k: float(v) for k, v in settings.items()},
        "note": note,
        "created_by": user_id,
        "created_at": datetime.now(UTC).isoformat(),
    }
    with _lock:
        data = _load(data_dir)
        mine = data.setdefault(company_id, [])
        if any(r["machine_id"] == machine_id and r["name"] == recipe["name"] for r in mine):
            raise Conflict(
                f"machine {machine_id} has a recipe named {recipe['name']!r} already; choose another name or "
                "delete that one first",
                f"설비 {machine_id}에 {recipe['name']!r} 레시피가 이미 있습니다. 다른 이름을 쓰거나 그 레시피를 먼저 "
                "지우세요",
                code="recipe_exists",
                field="name",
            )
        mine.append(recipe)
        _write(data_dir, data)
    return recipe


def _write(data_dir: Path, data: dict[str, list[dict[str, Any]]]) -> None:
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    tmp = _path(data_dir).with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(_path(data_dir))


def erase_recipes(data_dir: Path, company_id: str) -> int:
    """Delete all of the company's recipes (it left the complex); how many there were."""
    with _lock:
        data = _load(data_dir)
        gone = data.pop(company_id, [])
        if gone:
            _write(data_dir, data)
    return len(gone)


def delete_recipe(data_dir: Path, company_id: str, recipe_id: str) -> None:
    """Remove one of the company's recipes; another company's is not found."""
    with _lock:
        data = _load(data_dir)
        kept = [r for r in data.get(company_id, []) if r["id"] != recipe_id]
        if len(kept) == len(data.get(company_id, [])):
            raise NotFound(
                f"recipe {recipe_id!r} not found",
                f"레시피 {recipe_id!r}을(를) 찾을 수 없습니다",
                code="no_recipe",
            )
        data[company_id] = kept
        _write(data_dir, data)


def list_recipes(data_dir: Path, company_id: str, machine_id: str | None = None) -> list[dict[str, Any]]:
    rows = _load(data_dir).get(company_id, [])
    return [r for r in rows if machine_id is None or r["machine_id"] == machine_id]


def apply_recipe(data_dir: Path, company_id: str, recipe_id: str, confirmed: bool) -> None:
    """Write a recipe's set points to the machine — refused: no write-enabled connector is configured."""
    if not any(r["id"] == recipe_id for r in list_recipes(data_dir, company_id)):
        raise NotFound(f"recipe {recipe_id!r} not found", f"레시피 {recipe_id!r}을(를) 찾을 수 없습니다")
    raise Conflict(
        "settings are not written to the machine: no write-enabled connector is configured"
        + ("" if confirmed else ", and a person must confirm the change")
        + ". Enter the recipe at the machine's controller by hand.",
        "설비에 설정값을 쓰지 않았습니다: 쓰기가 허용된 커넥터가 설정되어 있지 않습니다"
        + ("" if confirmed else ". 또한 담당자의 확인이 필요합니다")
        + ". 레시피를 설비 제어기에 직접 입력하세요.",
        code="no_write_connector",
    )
