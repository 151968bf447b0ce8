"""Leak-free evaluation: cross-validation with the honest split for the data, metrics with intervals, a plain report.

Every fold trains a fresh task on its training rows only (feature choice, tuning, calibration, threshold included).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.metrics import f1_score

from sandan.learn.guard import Refusal
from sandan.learn.progress import ProgressCallback, report, scaled
from sandan.learn.splits import choose_splits

N_BOOT = 1000


def nasa_score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """PHM08 asymmetric scoring function (Saxena et al. 2008): d = predicted − true RUL;
    s = Σ exp(−d/13) − 1 for early (d < 0) and exp(d/10) − 1 for late predictions (late is penalised more)."""
    d = np.asarray(y_pred, float) - np.asarray(y_true, float)
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1, np.exp(d / 10.0) - 1)))


def _binary_metrics(y: np.ndarray, pred: np.ndarray, prob: np.ndarray) -> dict[str, float]:
    """F1, precision, recall (0 where undefined, as scikit-learn's zero_division=0), accuracy, and with both
    classes present ROC-AUC and average precision — the same values as scikit-learn's functions, computed directly
    with numpy because the bootstrap calls this a thousand times."""
    y = np.asarray(y).astype(int)
    pred = np.asarray(pred).astype(int)
    tp = int(np.sum((pred == 1) & (y == 1)))
    fp = int(np.sum((pred == 1) & (y == 0)))
    fn = int(np.sum((pred == 0) & (y == 1)))
    out = {
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "accuracy": float(np.mean(y == pred)),
    }
    n_pos = int(y.sum())
    if 0 < n_pos < len(y):
        out["roc_auc"] = _roc_auc(y, np.asarray(prob, float), n_pos)
        out["pr_auc"] = _average_precision(y, np.asarray(prob, float), n_pos)
    return {k: float(v) for k, v in out.items()}


def _roc_auc(y: np.ndarray, score: np.ndarray, n_pos: int) -> float:
    """Area under the ROC curve as the Mann–Whitney statistic: ties between a positive and a negative count half."""
    ranks = rankdata(score)  # average ranks of tied scores
    n_neg = len(y) - n_pos
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _average_precision(y: np.ndarray, score: np.ndarray, n_pos: int) -> float:
    """Σ (R_k − R_k−1) · P_k over the distinct score thresholds, highest first (scikit-learn's definition)."""
    order = np.argsort(-score, kind="mergesort")
    s, t = score[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the last row of each run of equal scores
    tps = np.cumsum(t)[last]
    precision = tps / (last + 1)
    recall = tps / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _multiclass_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {
        "accuracy": float(np.mean(y == pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
    }


def _regression_metrics(y: np.ndarray, pred: np.ndarray, rul: bool) -> dict[str, float]:
    err = pred - y
    out = {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "r2": float(1 - np.sum(err**2) / max(np.sum((y - y.mean()) ** 2), 1e-12)),
    }
    if rul:
        out["nasa_score"] = nasa_score(y, pred)
    return out


def metric_set(kind: str, y, pred, prob=None, *, rul: bool = False) -> dict[str, float]:
    if kind == "binary":
        return _binary_metrics(y, pred, prob)
    if kind == "multiclass":
        return _multiclass_metrics(y, pred)
    return _regression_metrics(np.asarray(y, float), np.asarray(pred, float), rul)


def no_better_than_chance(evaluation: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """Why a model's held-out evaluation (`Evaluation.to_dict()`) shows it no better than guessing, in English and
    Korean, or None: a classifier whose ROC-AUC is at most 0.5 ranks parts no better than chance; a regression
    whose R² is at most 0 predicts no better than the mean of the training rows."""
    kind, m = (evaluation or {}).get("kind"), (evaluation or {}).get("metrics") or {}
    auc, r2 = m.get("roc_auc"), m.get("r2")
    if kind == "binary" and auc is not None and auc <= 0.5:
        return (
            f"on rows it did not train on it ranks parts no better than chance (ROC-AUC {auc:.2f}; 0.5 is chance)",
            f"학습에 쓰지 않은 행에서 부품의 순위를 우연보다 잘 매기지 못합니다 (ROC-AUC {auc:.2f}; 0.5는 우연)",
        )
    if kind == "regression" and r2 is not None and r2 <= 0:
        return (
            f"on rows it did not train on it predicts no better than their mean (R² {r2:.2f})",
            f"학습에 쓰지 않은 행에서 평균값보다 잘 예측하지 못합니다 (R² {r2:.2f})",
        )
    return None


def bootstrap_intervals(
    fn: Callable[[np.ndarray], dict[str, float]],
    n: int,
    *,
    groups: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """95 % percentile bootstrap intervals (Efron & Tibshirani 1993, ch. 13) of each metric `fn(rows)` returns.

    With groups, whole groups are resampled (cluster bootstrap), because rows of one group are not independent.
    """
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    if groups is not None:
        uniq, inverse = np.unique(groups, return_inverse=True)
        members = [np.flatnonzero(inverse == g) for g in range(len(uniq))]
    for _ in range(n_boot):
        if groups is None:
            rows = rng.integers(0, n, n)
        else:
            rows = np.concatenate([members[g] for g in rng.integers(0, len(members), len(members))])
        try:
            values = fn(rows)
        except ValueError:  # a resample with a single class has no ROC-AUC
            continue
        for k, v in values.items():
            draws.setdefault(k, []).append(v)
    return {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for k, v in draws.items()}


@dataclass
class Evaluation:
    """What a leak-free evaluation found: pooled metrics with 95 % intervals, per-fold metrics, the scheme, the rest."""

    kind: str
    scheme_en: str
    scheme_ko: str
    n_rows: int
    metrics: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    folds: list[dict[str, float]]
    refused: list[Refusal]
    budget_s: float
    seconds: float
    search: list[dict[str, Any]] = field(default_factory=list)
    predictions: pd.DataFrame | None = None
    target: str = "target"
    positive: Any = None
    time_budget_s: float | None = None  # the budget asked for; `budget_s` is what the model search used of it
    # the whole training's budget when this evaluation was given a share of it (`train_model`: half; the other half
    # trains the final model)
    training_budget_s: float | None = None

    def fold_spread(self) -> dict[str, tuple[float, float]]:
        """Mean and standard deviation of each metric over the folds that have it: a time-ordered fold holding
        one class only has no ROC-AUC, for one."""
        keys = list(dict.fromkeys(k for f in self.folds for k in f))
        out = {}
        for k in keys:
            values = [f[k] for f in self.folds if k in f and f[k] is not None and np.isfinite(f[k])]
            if values:
                out[k] = (float(np.mean(values)), float(np.std(values)))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "scheme": {"en": self.scheme_en, "ko": self.scheme_ko},
            "n_rows": self.n_rows,
            "metrics": self.metrics,
            "intervals": {k: list(v) for k, v in self.intervals.items()},
            "folds": self.folds,
            "refused": [r.to_dict() for r in self.refused],
            "budget_s": self.budget_s,
            "time_budget_s": self.time_budget_s,
            "training_budget_s": self.training_budget_s,
            "seconds": self.seconds,
        }

    def report(self, lang: str = "en") -> str:
        """The evaluation in plain words for an engineer, in English or Korean."""
        m, ci = self.metrics, self.intervals

        def iv(k: str, pct: bool = True) -> str:
            if k not in ci:
                return ""
            lo, hi = ci[k]
            return f" ({lo:.0%}–{hi:.0%})" if pct else f" ({lo:.3g}–{hi:.3g})"

        en: list[str] = [
            f"Checked with {self.scheme_en} on {self.n_rows:,} rows; each test part was unseen in training."
        ]
        ko: list[str] = [
            f"{self.scheme_ko}로 {self.n_rows:,}개 행을 확인했습니다. 평가한 행은 학습에 쓰이지 않았습니다."
        ]
        if self.kind == "binary":
            en.append(
                f"Of the real '{self.positive}' cases the model catches {m['recall']:.0%}{iv('recall')}; "
                f"of its alarms {m['precision']:.0%}{iv('precision')} are real. F1 {m['f1']:.2f}{iv('f1', False)}."
            )
            ko.append(
                f"실제 '{self.positive}' 중 {m['recall']:.0%}{iv('recall')}를 찾아내고, 경보 중 "
                f"{m['precision']:.0%}{iv('precision')}가 실제입니다. F1 {m['f1']:.2f}{iv('f1', False)}."
            )
            if "roc_auc" in m:
                en.append(
                    f"Ranking quality (ROC-AUC) {m['roc_auc']:.3f}{iv('roc_auc', False)}; 0.5 is chance, 1 is perfect."
                )
                ko.append(
                    f"순위 품질(ROC-AUC) {m['roc_auc']:.3f}{iv('roc_auc', False)}; 0.5는 우연, 1은 완벽입니다."
                )
        elif self.kind == "multiclass":
            en.append(
                f"The right class is named for {m['accuracy']:.0%}{iv('accuracy')} of rows (macro F1 {m['macro_f1']:.2f})."
            )
            ko.append(
                f"행의 {m['accuracy']:.0%}{iv('accuracy')}에서 등급을 맞혔습니다 (매크로 F1 {m['macro_f1']:.2f})."
            )
        else:
            en.append(
                f"Typical error (RMSE) {m['rmse']:.3g}{iv('rmse', False)}, mean absolute error {m['mae']:.3g}; "
                f"R² {m['r2']:.2f}."
            )
            ko.append(
                f"대표 오차(RMSE) {m['rmse']:.3g}{iv('rmse', False)}, 평균 절대 오차 {m['mae']:.3g}; R² {m['r2']:.2f}."
            )
            if "nasa_score" in m:
                en.append(
                    f"NASA asymmetric score {m['nasa_score']:.0f} (lower is better; late predictions cost more)."
                )
                ko.append(f"NASA 비대칭 점수 {m['nasa_score']:.0f} (낮을수록 좋음; 늦은 예측에 더 큰 벌점).")
        if len(self.folds) > 1:
            spread = self.fold_spread()
            key = "f1" if self.kind == "binary" else "accuracy" if self.kind == "multiclass" else "rmse"
            if key in spread:
                mu, sd = spread[key]
                en.append(f"Across the {len(self.folds)} folds {key} was {mu:.3g} ± {sd:.2g}.")
                ko.append(f"{len(self.folds)}개 평가 구간의 {key}: {mu:.3g} ± {sd:.2g}.")
        for r in self.refused:
            if r.kind in ("identifier", "outcome", "outcome_sibling"):
                en.append(f"Left out: {r.en}.")
                ko.append(f"제외: {r.ko}.")
        inspected = ", ".join(r.column for r in self.refused if r.kind == "inspection")
        if inspected:
            en.append(
                f"Left out: {inspected}, measured on the finished part at inspection together with the result; "
                "the model predicts from the settings, before a part is inspected."
            )
            ko.append(
                f"제외: {inspected} — 완성된 부품을 검사할 때 결과와 함께 재는 값입니다. 모델은 검사 전에 설정값으로 예측합니다."
            )
        if self.time_budget_s and self.training_budget_s:
            en.append(
                f"Time budget {self.training_budget_s:.0f} s: {self.time_budget_s:.0f} s for this evaluation, of "
                f"which the model search used {self.budget_s:.0f} s (the rest went to the features and fitting), and "
                f"the rest for the final model; the whole evaluation took {self.seconds:.0f} s."
            )
            ko.append(
                f"시간 예산 {self.training_budget_s:.0f}초: 이 평가에 {self.time_budget_s:.0f}초(그중 모델 탐색 "
                f"{self.budget_s:.0f}초, 나머지는 특징 생성과 학습), 나머지는 최종 모델 학습에 썼습니다. 전체 평가에 "
                f"{self.seconds:.0f}초가 걸렸습니다."
            )
        elif self.time_budget_s:
            en.append(
                f"Time budget {self.time_budget_s:.0f} s: the model search used {self.budget_s:.0f} s of it, the "
                f"rest went to the features and the final models; the whole evaluation took {self.seconds:.0f} s."
            )
            ko.append(
                f"시간 예산 {self.time_budget_s:.0f}초 중 모델 탐색에 {self.budget_s:.0f}초를 썼고, 나머지는 특징 생성과 "
                f"최종 모델 학습에 썼습니다. 전체 평가에 {self.seconds:.0f}초가 걸렸습니다."
            )
        else:
            en.append(f"Model search {self.budget_s:.0f} s; the whole evaluation took {self.seconds:.0f} s.")
            ko.append(f"모델 탐색 {self.budget_s:.0f}초; 전체 평가에 {self.seconds:.0f}초가 걸렸습니다.")
        return "\n".join(en if lang == "en" else ko)


def _predict_fold(model, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    pred = model.predict(X)
    prob = model.predict_proba(X)[:, 1] if getattr(model, "kind_", "") == "binary" else None
    return pred, prob


def cross_validate(
    task,
    X: pd.DataFrame,
    y: Any,
    *,
    groups: Any = None,
    order: Any = None,
    n_splits: int = 5,
    rul: bool = False,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    n_boot: int = N_BOOT,
) -> Evaluation:
    """Evaluate `task` (an unfitted Classifier or Regressor) without leakage.

    The split follows the data: whole groups when `groups` is given (lot, tool, engine, experiment), time order when
    `order` is given (streams), stratified folds otherwise. The task's time budget is shared across the folds, so
    the evaluation costs what one training costs. Metrics are pooled over all out-of-fold predictions, with 95 %
    bootstrap intervals (`n_boot` resamples, of whole groups when there are groups) and the per-fold values.
    """
    t0 = time.perf_counter()
    X = X.reset_index(drop=True)
    if isinstance(y, str):
        target = y
        y_all = X[y].to_numpy()
    else:
        target = getattr(y, "name", None) or "target"
        y_all = np.asarray(y)
    g_all = (
        X[groups].to_numpy() if isinstance(groups, str) else (None if groups is None else np.asarray(groups))
    )
    o_all = X[order].to_numpy() if isinstance(order, str) else (None if order is None else np.asarray(order))
    classification = task._classification
    splits, scheme_en, scheme_ko = choose_splits(
        y_all, classification, groups=g_all, order=o_all, n_splits=n_splits, seed=seed
    )
    budget = float(task.time_budget_s)
    preds = np.empty(len(X), dtype=object if classification else float)
    probs = np.full(len(X), np.nan)
    tested = np.zeros(len(X), dtype=bool)
    folds, searches, refused, kind, classes = [], [], [], None, None
    for i, (tr, te) in enumerate(splits):
        model = clone(task).set_params(
            time_budget_s=budget / len(splits),
            progress=scaled(
                progress,
                i / len(splits),
                (i + 1) / len(splits),
                (f"evaluation {i + 1} of {len(splits)}", f"평가 {i + 1}/{len(splits)}"),
            ),
        )
        y_arg = target if isinstance(y, str) else y_all[tr]
        model.fit(
            X.iloc[tr].reset_index(drop=True),
            y_arg,
            groups=None if g_all is None else g_all[tr],
            order=None if o_all is None else o_all[tr],
        )
        kind, classes, refused = model.kind_, getattr(model, "classes_", None), model.refused_
        pred, prob = _predict_fold(model, X.iloc[te])
        preds[te] = pred
        tested[te] = True
        if prob is not None:
            probs[te] = prob
        yt = _truth(y_all[te], kind, classes)
        folds.append(metric_set(kind, yt, _truth(pred, kind, classes), prob, rul=rul))
        searches.append(model.search_)
        report(
            progress,
            (i + 1) / len(splits),
            f"fold {i + 1}/{len(splits)} done",
            f"{i + 1}/{len(splits)}번째 평가 완료",
        )
    idx = np.flatnonzero(tested)
    yt = _truth(y_all[idx], kind, classes)
    yp = _truth(preds[idx], kind, classes)
    pp = probs[idx] if kind == "binary" else None
    metrics = metric_set(kind, yt, yp, pp, rul=rul)
    gi = None if g_all is None else g_all[idx]
    intervals = bootstrap_intervals(
        lambda r: metric_set(kind, yt[r], yp[r], None if pp is None else pp[r], rul=rul),
        len(idx),
        groups=gi,
        n_boot=n_boot,
    )
    frame = pd.DataFrame({"truth": y_all, "prediction": preds})
    if kind == "binary":
        frame["probability"] = probs
    return Evaluation(
        kind=kind,
        scheme_en=scheme_en,
        scheme_ko=scheme_ko,
        n_rows=len(X),
        metrics=metrics,
        intervals=intervals,
        folds=folds,
        refused=refused,
        budget_s=sum(s["seconds"] for s in searches),
        time_budget_s=budget,
        seconds=round(time.perf_counter() - t0, 1),
        search=searches,
        predictions=frame,
        target=target,
        positive=None if classes is None or kind != "binary" else classes[1],
    )


def _truth(values: np.ndarray, kind: str, classes) -> np.ndarray:
    """Labels as the metrics want them: 0/1 for the positive class of a binary task, class names otherwise."""
    if kind == "binary":
        return (np.asarray(values).astype(str) == str(classes[1])).astype(int)
    if kind == "multiclass":
        return np.asarray(values).astype(str)
    return np.asarray(values, float)


def evaluate_holdout(
    model,
    X_test: pd.DataFrame,
    y_test: Any,
    *,
    groups: Any = None,
    rul: bool = False,
    seed: int = 0,
    n_boot: int = N_BOOT,
) -> Evaluation:
    """Score an already trained task on a separate test set (e.g. an official test split), with bootstrap intervals."""
    y_all = X_test[y_test].to_numpy() if isinstance(y_test, str) else np.asarray(y_test)
    kind, classes = model.kind_, getattr(model, "classes_", None)
    pred, prob = _predict_fold(model, X_test)
    yt, yp = _truth(y_all, kind, classes), _truth(pred, kind, classes)
    metrics = metric_set(kind, yt, yp, prob, rul=rul)
    g = X_test[groups].to_numpy() if isinstance(groups, str) else groups
    intervals = bootstrap_intervals(
        lambda r: metric_set(kind, yt[r], yp[r], None if prob is None else prob[r], rul=rul),
        len(yt),
        groups=g,
        seed=seed,
        n_boot=n_boot,
    )
    return Evaluation(
        kind=kind,
        scheme_en="a separate test set",
        scheme_ko="별도 시험 데이터",
        n_rows=len(X_test),
        metrics=metrics,
        intervals=intervals,
        folds=[metrics],
        refused=model.refused_,
        budget_s=model.search_["seconds"],
        time_budget_s=getattr(model, "time_budget_s", None),
        seconds=model.fit_seconds_,
        search=[model.search_],
        predictions=pd.DataFrame({"truth": y_all, "prediction": pred}),
        positive=None if classes is None or kind != "binary" else classes[1],
    )
