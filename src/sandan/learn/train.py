"""Training from the store: a company's part records → leak-free evaluation → artifact → a candidate version.

It reads through the Store and writes artifacts under the data folder; it must not serve, publish or render anything.
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sandan.domain import Conflict, InvalidInput
from sandan.jobs import committing
from sandan.learn.evaluate import Evaluation, cross_validate
from sandan.learn.guard import Refusal
from sandan.learn.persist import save_model
from sandan.learn.progress import ProgressCallback, report, scaled
from sandan.learn.registry import check_name, model_folder, plain
from sandan.learn.tasks import Classifier, Regressor
from sandan.store import Store
from sandan.store.base import ModelVersion

# Columns of the training frame that identify a part or are another form of the outcome: never features.
IDENTITY = ("time", "machine_id", "part_id", "lot_id", "product")
OUTCOMES = ("result", "defect_type")
CLASS_TARGETS = ("result", "defect_type")


@dataclass
class TrainingResult:
    """What `train_model` made: the registered candidate version and its leak-free evaluation."""

    model: ModelVersion
    evaluation: Evaluation
    task: Any = None  # the fitted Classifier or Regressor, as saved in the artifact

    def to_dict(self) -> dict[str, Any]:
        m = self.model
        return {
            "name": m.name,
            "version": m.version,
            "stage": m.stage,
            "task": m.task,
            "target": m.target,
            "features": m.features,
            "metrics": m.metrics,
        }


def feature_columns(frame: pd.DataFrame, target: str) -> list[str]:
    """The columns a model may learn from: process parameters, not ids or outcomes.

    Of part records (`frame.attrs` names their parameters and measurements) the measured characteristics are left
    out: they are read at inspection together with the result, so a defect model that reads them learns the
    inspection's own limits, scores nearly perfectly, and cannot warn before a part is made or say which setting
    to change. A plain table without those names offers every column but ids and outcomes."""
    if "params" in frame.attrs or "measures" in frame.attrs:
        candidates = list(frame.attrs.get("params", []))
    else:
        candidates = [c for c in frame.columns if c not in IDENTITY + OUTCOMES]
    return [c for c in candidates if c != target and c in frame.columns]


def inspection_refusals(frame: pd.DataFrame, target: str, used: list[str]) -> list[Refusal]:
    """Why each measured characteristic of the part records is not an input (see `feature_columns`)."""
    return [
        Refusal(
            m,
            "inspection",
            f"column '{m}' is measured on the finished part, at inspection together with the result, so it is not "
            f"known before the part is made",
            f"'{m}' 열은 완성된 부품을 검사할 때 결과와 함께 재는 값이라 부품을 만들기 전에는 알 수 없습니다",
        )
        for m in frame.attrs.get("measures", [])
        if m != target and m not in used and m in frame.columns
    ]


def groups_usable(frame: pd.DataFrame, column: str = "lot_id") -> bool:
    """Whether the rows can be held out by `column` (whole lots): at least three values and none missing."""
    return column in frame and bool(frame[column].notna().all()) and frame[column].nunique() >= 3


def split_plan(
    frame: pd.DataFrame, group_by: str = "auto"
) -> tuple[np.ndarray | None, np.ndarray | None, str]:
    """How the evaluation holds rows out: whole lots, whole machines, or later rows (time order).

    "auto" takes whole lots when there are at least three, else time order. Whole machines are asked for, not
    chosen: where one machine at poor settings makes most defects, holding it out leaves folds with none.
    """
    if group_by not in ("auto", "lot", "machine", "time"):
        raise InvalidInput(
            f"group_by={group_by!r} is not known; use auto, lot, machine or time",
            f"group_by={group_by!r}을(를) 알 수 없습니다. auto, lot, machine, time 중에서 고르세요",
            code="bad_group_by",
        )
    wanted = {"auto": ("lot_id",), "lot": ("lot_id",), "machine": ("machine_id",), "time": ()}[group_by]
    for col in wanted:
        if groups_usable(frame, col):
            return frame[col].astype(str).to_numpy(), None, col.removesuffix("_id")
        if group_by != "auto":
            raise InvalidInput(
                f"grouping by {col} needs at least three different values with none missing",
                f"{col} 기준으로 나누려면 빈 값 없이 서로 다른 값이 세 개 이상 있어야 합니다",
                code="too_few_groups",
            )
    order = pd.to_datetime(frame["time"], utc=True).astype("int64").to_numpy()
    return None, order, "time"


def make_task(
    frame: pd.DataFrame,
    target: str,
    budget_s: float,
    cost_miss: float,
    cost_false_alarm: float,
    features: list[str] | None = None,
    seed: int = 0,
):
    if (
        target in CLASS_TARGETS
        or frame[target].dtype == object
        or str(frame[target].dtype) in ("str", "string")
    ):
        positive = "ng" if target == "result" and "ng" in set(frame[target].astype(str)) else None
        return Classifier(
            time_budget_s=budget_s,
            cost_miss=cost_miss,
            cost_false_alarm=cost_false_alarm,
            positive_class=positive,
            features=features,
            random_state=seed,
        )
    return Regressor(time_budget_s=budget_s, features=features, random_state=seed)


def evaluation_record(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation as it is kept in the registry: metrics, intervals, scheme and the plain-words report."""
    return plain(
        {
            **evaluation.to_dict(),
            "positive": evaluation.positive,
            "report": {"en": evaluation.report("en"), "ko": evaluation.report("ko")},
        }
    )


def learning_frame(
    store: Store,
    company_id: str,
    target: str,
    start: datetime,
    end: datetime,
    machine_ids: list[str] | None = None,
    product: str | None = None,
) -> pd.DataFrame:
    """The company's training frame for `target`, rows with a known target only; refused when unusable."""
    if end <= start:
        raise InvalidInput(
            "the training window is empty: end must be after start",
            "학습 기간이 비어 있습니다. 끝 시각이 시작 시각보다 뒤여야 합니다",
            code="bad_window",
        )
    frame = store.training_frame(company_id, start, end, machine_ids, product)
    if target not in frame.columns:
        raise InvalidInput(
            f"target {target!r} is not in the part records of this window; use result, defect_type or a "
            "measured characteristic",
            f"목표 {target!r}이(가) 이 기간의 생산 실적에 없습니다. result, defect_type 또는 측정 항목을 쓰세요",
            code="unknown_target",
            target=target,
        )
    attrs = dict(frame.attrs)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    frame.attrs.update(attrs)
    if len(frame) < 30:
        raise InvalidInput(
            f"only {len(frame)} part records with a known {target} in this window; at least 30 are needed",
            f"이 기간에 {target} 값이 있는 생산 실적이 {len(frame)}건뿐입니다. 최소 30건이 필요합니다",
            code="too_few_rows",
        )
    return frame


def _enough_of_each_class(frame: pd.DataFrame, target: str, folds: int) -> None:
    """Every evaluation fold must see each class; refuse early, in words, when the rarer class is too rare."""
    if target not in CLASS_TARGETS:
        return
    counts = frame[target].astype(str).value_counts()
    needed = max(10, 2 * folds)
    if len(counts) == 1:
        # one class only (every part ok): it was told the other class came only in the last rows in time
        (only,) = counts.index
        raise InvalidInput(
            f"every one of the {int(counts.iloc[0])} part records in this window has {target} = '{only}'; a model "
            "learns to tell classes apart, so it needs records of another class too. Choose a longer window or "
            "more machines",
            f"이 기간의 생산 실적 {int(counts.iloc[0])}건이 모두 {target} = '{only}'입니다. 모델은 등급을 구별하도록 "
            "배우므로 다른 등급의 실적도 필요합니다. 기간을 늘리거나 설비를 더 포함하세요",
            code="too_few_of_a_class",
            count=0,
        )
    if len(counts) >= 2 and counts.min() < needed:
        rare = counts.idxmin()
        raise InvalidInput(
            f"only {counts.min()} part records with {target} = {rare!r} in this window; at least {needed} are "
            "needed to learn and check a model. Choose a longer window or more machines",
            f"이 기간에 {target} = {rare!r}인 생산 실적이 {counts.min()}건뿐입니다. 모델을 학습하고 확인하려면 최소 "
            f"{needed}건이 필요합니다. 기간을 늘리거나 설비를 더 포함하세요",
            code="too_few_of_a_class",
            count=int(counts.min()),
        )


#: tries at a version number when other registrations of the same name take the next ones meanwhile
VERSION_ATTEMPTS = 5


def register_version(
    store: Store,
    company_id: str,
    name: str,
    data_dir: str | Path | None,
    write: Callable[[Path], Any],
    describe: Callable[[int, Path, Any], ModelVersion],
) -> ModelVersion:
    """Register the next version of model `name` with its artifact, safe beside other registrations of the same
    name (two trainings that end together, the CLI beside the server).

    `write(folder)` writes the artifact into a staging folder beside the versions' folders and returns what
    `describe(version, folder, written)` needs to make the registry's record. Only once the registry has taken
    that version does the staging folder become the version's folder, so a registration never writes into a
    folder another one may own; a number another registration took meanwhile is retried with the next one. The
    job's point of no return (`sandan.jobs.committing`) comes after the artifact is written and before the
    registry insert: a stop asked until then leaves neither a version nor files."""
    parent = model_folder(data_dir, company_id, name, 1).parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".staging-{secrets.token_hex(8)}"
    staging.mkdir()
    try:
        written = write(staging)
        committing()
        for attempt in range(VERSION_ATTEMPTS):
            version = store.next_model_version(company_id, name)
            folder = model_folder(data_dir, company_id, name, version)
            mv = describe(version, folder, written)
            try:
                store.add_model_version(company_id, mv)
                break
            except Conflict as exc:
                if exc.code != "model_version_exists" or attempt == VERSION_ATTEMPTS - 1:
                    raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if folder.exists():
        # left by a registration that never reached the registry: the registry's record of this version is ours
        shutil.rmtree(folder)
    staging.rename(folder)
    return mv


def train_model(
    store: Store,
    company_id: str,
    *,
    name: str,
    target: str = "result",
    machine_ids: list[str] | None = None,
    product: str | None = None,
    start: datetime,
    end: datetime,
    budget_s: float = 60.0,
    cost_miss: float = 5.0,
    cost_false_alarm: float = 1.0,
    progress: ProgressCallback | None = None,
    user_id: str | None = None,
    data_dir: str | Path | None = None,
    features: list[str] | None = None,
    origin: str = "",
    group_by: str = "auto",
    folds: int = 5,
    seed: int = 0,
) -> TrainingResult:
    """Train, evaluate and register a candidate version of model `name` on the company's part records.

    Half the time budget goes to the leak-free evaluation (`folds` folds of whole lots or machines held out, or
    time-ordered; see `split_plan`), half to the final model on all rows. A missed defect costs `cost_miss`, a false alarm
    `cost_false_alarm`: the decision threshold minimises their sum. `features` restricts the candidate columns (fine-tuning
    a catalogue model; the leakage guard still leaves out useless ones); `origin` records where the version came from.
    """
    t0 = time.perf_counter()
    check_name(name)
    report(progress, 0.0, "reading part records", "생산 실적 읽는 중")
    frame = learning_frame(store, company_id, target, start, end, machine_ids, product)
    cols = features or feature_columns(frame, target)
    if not cols:
        measured = ", ".join(m for m in frame.attrs.get("measures", []) if m != target)
        raise InvalidInput(
            "the part records carry no process parameters to learn from"
            + (
                f"; their measurements ({measured}) are read at inspection with the result, not before"
                if measured
                else ""
            )
            + ": record the machine's settings with each part (param: columns in an import)",
            "생산 실적에 학습할 공정 조건이 없습니다"
            + (
                f". 측정값({measured})은 검사 때 결과와 함께 읽는 값이라 입력이 될 수 없습니다"
                if measured
                else ""
            )
            + ". 부품마다 설비 설정값을 기록하세요(가져오기 파일에서는 param: 열)",
            code="no_features",
        )
    _enough_of_each_class(frame, target, folds)
    groups, order, grouped_by = split_plan(frame, group_by)
    table = frame[cols + [target]]
    task = make_task(table, target, budget_s / 2, cost_miss, cost_false_alarm, None, seed)
    n_splits = folds if groups is None else min(folds, len(np.unique(groups)))
    evaluation = cross_validate(
        task,
        table,
        target,
        groups=groups,
        order=order,
        n_splits=n_splits,
        progress=scaled(progress, 0.02, 0.6),
    )
    report(progress, 0.6, "training the final model", "최종 모델 학습 중")
    model = task.set_params(progress=scaled(progress, 0.6, 0.95, ("final model", "최종 모델")))
    model.fit(table, target, groups=groups, order=order)
    model.set_params(progress=None)
    evaluation.refused = [*evaluation.refused, *inspection_refusals(frame, target, cols)]
    evaluation.training_budget_s = budget_s
    record = evaluation_record(evaluation)
    record["grouped_by"] = grouped_by
    # the last moment a stop is acted on by a progress report; registering is the point of no return
    report(progress, 0.95, f"registering {name}", f"{name} 등록 중")
    now = datetime.now(UTC)

    def describe(version: int, folder: Path, _written: Any) -> ModelVersion:
        return ModelVersion(
            name=name,
            version=version,
            task=type(model).__name__,
            target=target,
            features=list(model.features_),
            metrics=record,
            fingerprint=model.fingerprint_,
            artifact=str(folder.resolve()),
            stage="candidate",
            trained_by=user_id,
            trained_at=now,
            scope=plain(
                {
                    "machine_ids": machine_ids or [],
                    "product": product,
                    "start": start,
                    "end": end,
                    "rows": len(frame),
                    "budget_s": budget_s,
                    "seconds": round(time.perf_counter() - t0, 1),
                }
            ),
            origin=origin,
        )

    mv = register_version(
        store,
        company_id,
        name,
        data_dir,
        lambda folder: save_model(model, folder, metrics=record["metrics"]),
        describe,
    )
    version = mv.version
    store.add_audit(company_id, user_id, "model.train", f"{name}/{version}", f"{len(frame)} rows")
    report(progress, 1.0, f"registered {name} version {version}", f"{name} 버전 {version} 등록 완료")
    return TrainingResult(mv, evaluation, model)
