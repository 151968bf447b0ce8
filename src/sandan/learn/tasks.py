"""The model tasks — Classifier (defect/failure, binary or defect type), Regressor (RUL, a quality value), AnomalyDetector.

One contract as in scikit-learn: settings in `__init__`, `fit` learns and returns self, learned state ends in `_`,
`predict`/`predict_proba`/`explain` never learn. Training data never leave through an artifact, only its fingerprint.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.special import softmax
from sklearn.base import BaseEstimator
from sklearn.model_selection import GroupKFold

from sandan.domain import InvalidInput
from sandan.learn import automl
from sandan.learn.explain import Explanation
from sandan.learn.features import FeatureSpace
from sandan.learn.guard import Refusal, check_requested, screen_columns
from sandan.learn.progress import ProgressCallback, report, scaled
from sandan.learn.splits import choose_splits, stratified_splits, time_ordered_splits, two_class_splits

# Share of the time budget by which the derived pairs must be chosen (their ranking model stops then).
FEATURE_SHARE = 0.25


def _column_or_array(X: pd.DataFrame, value: Any, what: str) -> tuple[np.ndarray | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        if value not in X.columns:
            raise InvalidInput(
                f"{what} column '{value}' is not in the table",
                f"{what} 열 '{value}'이(가) 표에 없습니다",
                code="unknown_column",
                column=value,
            )
        return X[value].to_numpy(), value
    arr = np.asarray(value)
    if len(arr) != len(X):
        raise InvalidInput(
            f"{what} has {len(arr)} values but the table has {len(X)} rows",
            f"{what} 값 {len(arr)}개가 표의 행 수 {len(X)}와 다릅니다",
            code="length_mismatch",
        )
    return arr, None


def fingerprint(X: pd.DataFrame, y: np.ndarray) -> str:
    """SHA-256 over the training rows' content (pandas row hashes) and target: identifies the data, reveals nothing."""
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(X.reset_index(drop=True), index=False).to_numpy().tobytes())
    h.update(pd.util.hash_pandas_object(pd.Series(y).astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()


class _Supervised(BaseEstimator):
    """Shared fitting path: guard → feature space → inner splits → search → refit → (calibrate)."""

    _classification = True

    def _prepare_target(self, y: np.ndarray) -> tuple[np.ndarray, str, int]:
        raise NotImplementedError

    def fit(self, X: pd.DataFrame, y: Any, *, groups: Any = None, order: Any = None) -> _Supervised:
        """Learn from the table `X` and target `y` (a column name of X or values aligned with it).

        `groups` (lot, tool, engine… — a column name or values) keeps each group on one side of every inner split;
        `order` (time or cycle) makes the inner splits time-ordered. Columns the leakage guard refuses are left out
        and listed in `refused_`; asking for one of them explicitly in `features` raises `InvalidInput`.
        """
        t0 = time.perf_counter()
        progress: ProgressCallback | None = self.progress
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(X)
            X.columns = [str(c) for c in X.columns]
        y_values, target_name = _column_or_array(X, y, "target")
        y_values = np.asarray(y_values)
        group_values, group_col = _column_or_array(X, groups, "group")
        order_values, order_col = _column_or_array(X, order, "order")
        keep = pd.notna(y_values) if y_values.dtype == object else np.isfinite(y_values.astype(float))
        if not keep.all():
            X, y_values = X.loc[keep].reset_index(drop=True), y_values[keep]
            group_values = None if group_values is None else group_values[keep]
            order_values = None if order_values is None else order_values[keep]
        if len(X) < 10:
            raise InvalidInput(
                f"only {len(X)} rows with a known target; at least 10 are needed to learn anything",
                f"목표 값이 있는 행이 {len(X)}개뿐입니다. 최소 10개가 필요합니다",
                code="too_few_rows",
            )
        frame = X.drop(columns=[c for c in (target_name,) if c])
        target_series = pd.Series(y_values, name=target_name or "target")
        excluded = tuple(c for c in (group_col, order_col) if c)
        allowed, refused = screen_columns(
            frame,
            target_series,
            task="classification" if self._classification else "regression",
            groups=excluded,
            allow=tuple(self.allow_columns),
        )
        if self.features is not None:
            check_requested(list(self.features), refused)
            allowed = [c for c in self.features if c in allowed]
        if not allowed:
            raise InvalidInput(
                "no usable feature columns remain after the leakage guard: "
                + "; ".join(r.en for r in refused),
                "누수 검사 후 쓸 수 있는 특징 열이 없습니다: " + "; ".join(r.ko for r in refused),
                code="no_features",
            )
        y_model, kind, n_classes = self._prepare_target(y_values)
        self.refused_: list[Refusal] = refused
        self.features_: list[str] = list(allowed)
        self.target_name_ = target_name or "target"
        self.kind_ = kind
        self.space_ = FeatureSpace().fit(
            frame,
            allowed,
            y_model,
            classification=self._classification,
            generate_pairs=self.generate_features,
            seed=self.random_state,
            deadline=t0 + FEATURE_SHARE * float(self.time_budget_s),
        )
        M = self.space_.transform(frame)
        report(progress, 0.05, "features built", "특징 생성 완료")
        splits = self._inner_splits(y_model, group_values, order_values)
        # The time budget covers the whole fit: feature space, search and final models.
        budget = float(self.time_budget_s)
        end = t0 + budget
        left = max(end - time.perf_counter(), 0.0)
        choice = automl.search(
            M,
            y_model,
            kind,
            n_classes,
            self.space_.categorical_index,
            splits,
            left * (1 - automl.FINAL_SHARE),
            n_jobs=self.n_jobs,
            seed=self.random_state,
            progress=scaled(progress, 0.05, 0.9),
            max_trials=self.max_trials,
            final_rows=len(M),
            final_budget_s=left * automl.FINAL_SHARE,
        )
        self.model_kind_ = choice.model
        self.booster_: lgb.Booster | None = None
        self.members_: list[lgb.Booster] = []
        self.linear_: automl.LinearModel | None = None
        if choice.model == "lightgbm":
            w = automl.balanced_weight(y_model) if choice.params.get("class_weight") == "balanced" else None
            # Slightly more rounds than the inner folds needed: the final model sees all rows.
            rounds = max(1, int(round(choice.n_rounds * 1.1)))
            # An ensemble of the chosen model fitted with different seeds (row and column subsamples differ), its
            # raw scores averaged: as many members as the rest of the budget allows, judged by the time per round
            # and row measured in the search, at least one and at most `ensemble`. Every member stops at the end
            # of the budget (the first keeps the rounds it made), so the budget holds whatever the estimate.
            per_member = max(choice.round_row_seconds * len(M) * rounds * 1.1, 1e-3)
            n_members = int(max(1, min(int(self.ensemble), (end - time.perf_counter()) // per_member)))
            # The cap sits a little before the end: the last round and the booster's hand-over take time too.
            stop = end - min(0.1 * budget, 0.3 + 2 * per_member / max(rounds, 1))
            # The final fits run with the threads the trials ran with, so the time measured in the search holds.
            trial_rows = min(automl.trial_row_cap(M.shape[1]), max(len(tr) for tr, _ in splits))
            jobs = self.n_jobs if trial_rows * M.shape[1] >= automl.THREAD_CELLS else 1
            for k in range(n_members):
                cap = automl.TimeCap(stop)
                self.members_.append(
                    automl.fit_lightgbm(
                        M,
                        y_model,
                        kind,
                        n_classes,
                        choice.params,
                        self.space_.categorical_index,
                        rounds,
                        jobs,
                        self.random_state + k,
                        w,
                        cap=cap,
                    )
                )
                if k > 0 and cap.hit:  # a member cut short would tilt the average: leave it out
                    self.members_.pop()
                if cap.hit or stop - time.perf_counter() < per_member:
                    break
            self.booster_ = self.members_[0]
        else:
            self.linear_ = automl.LinearModel.fit(
                M, y_model, kind, self.space_.categorical_index, seed=self.random_state
            )
        self.search_ = {
            "model": choice.model,
            "params": choice.params,
            "n_rounds": choice.n_rounds,
            "inner_score": choice.score,
            "linear_baseline_score": choice.baseline_score,
            "trials": choice.trials,
            "pruned": choice.pruned,
            "members": len(self.members_) if choice.model == "lightgbm" else 1,
            # Rounds of the first final model: fewer than `n_rounds` · 1.1 when the budget cut it short.
            "final_rounds": self.members_[0].current_iteration() if self.members_ else 0,
            # Feature space, search and final models together: what the time budget covers.
            "seconds": round(time.perf_counter() - t0, 2),
            "search_seconds": round(choice.seconds, 2),
            "score_name": "log loss" if self._classification else "RMSE",
        }
        done = np.isfinite(choice.oof_raw if choice.oof_raw.ndim == 1 else choice.oof_raw[:, 0])
        self._after_fit(choice.oof_raw[done], y_model[done])
        self.fingerprint_ = fingerprint(frame[allowed], y_values)
        self.n_rows_ = len(frame)
        self.fit_seconds_ = round(time.perf_counter() - t0, 2)
        self.metrics_: dict[str, Any] = {}
        report(progress, 1.0, "model trained", "모델 학습 완료")
        return self

    def _after_fit(self, oof_raw: np.ndarray, y_model: np.ndarray) -> None:
        pass

    def _inner_splits(self, y, groups, order):
        """Folds for the search only (the model's evaluation has its own, outer ones). For classification, folds
        that would train on one class are left out, and where all would, the search falls back to stratified folds."""
        if groups is not None and len(np.unique(groups)) >= 2:
            k = min(self.inner_splits, len(np.unique(groups)))
            splits = list(GroupKFold(n_splits=k).split(np.zeros(len(y)), groups=groups))
        else:
            splits, _, _ = (
                time_ordered_splits(order, self.inner_splits)
                if order is not None
                else choose_splits(
                    y, self._classification, n_splits=self.inner_splits, seed=self.random_state
                )
            )
        if self._classification:
            splits = (
                two_class_splits(splits, y) or stratified_splits(y, self.inner_splits, self.random_state)[0]
            )
        return splits

    # ---- prediction --------------------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "space_"):
            raise InvalidInput(
                "this model is not trained yet; call fit first",
                "아직 학습되지 않은 모델입니다. 먼저 학습(fit)하세요",
                code="not_fitted",
            )

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        self._check_fitted()
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(X)
        return self.space_.transform(X)

    def _boosters(self) -> list[lgb.Booster]:
        members = getattr(self, "members_", None)
        return members if members else ([self.booster_] if self.booster_ is not None else [])

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """The model's raw score before calibration: log-odds (binary), per-class scores, or the value itself
        (for an ensemble of boosters, the mean of the members' raw scores)."""
        M = self._matrix(X)
        boosters = self._boosters()
        if boosters:
            return np.mean([b.predict(M, raw_score=True) for b in boosters], axis=0)
        return self.linear_.raw(M)

    def explain(self, X: pd.DataFrame) -> Explanation:
        """Per-row additive contributions of each feature to the raw score (SHAP values via LightGBM pred_contrib,
        Lundberg et al. 2020, or exact coefficient × standardised value for the linear model)."""
        M = self._matrix(X)
        boosters = self._boosters()
        # Contributions are additive, so an ensemble's are the mean of its members'.
        contrib = (
            np.mean([b.predict(M, pred_contrib=True) for b in boosters], axis=0)
            if boosters
            else self.linear_.contributions(M)
        )
        n_feat = M.shape[1]
        n_out = contrib.shape[1] // (n_feat + 1)
        contrib = contrib.reshape(len(M), n_out, n_feat + 1)
        return Explanation(
            names=self.space_.names,
            values=contrib[:, :, :-1],
            base=contrib[:, :, -1],
            data=M,
            space=self.space_,
            task=self,
        )


class Classifier(_Supervised):
    """Defect or failure classification: binary (ok/ng, failure yes/no) or the defect type (several classes).

    Probabilities are calibrated on inner out-of-fold scores (Platt scaling for two classes, temperature scaling for
    more); for two classes the decision threshold minimises cost_miss · missed + cost_false_alarm · false alarms.
    """

    _classification = True

    def __init__(
        self,
        *,
        time_budget_s: float = 30.0,
        cost_miss: float = 1.0,
        cost_false_alarm: float = 1.0,
        positive_class: Any = None,
        generate_features: bool = True,
        features: list[str] | None = None,
        allow_columns: tuple[str, ...] = (),
        inner_splits: int = 3,
        ensemble: int = automl.MAX_MEMBERS,
        max_trials: int | None = None,
        n_jobs: int = 2,
        random_state: int = 0,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.time_budget_s = time_budget_s
        self.cost_miss = cost_miss
        self.cost_false_alarm = cost_false_alarm
        self.positive_class = positive_class
        self.generate_features = generate_features
        self.features = features
        self.allow_columns = allow_columns
        self.inner_splits = inner_splits
        self.ensemble = ensemble
        self.max_trials = max_trials
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.progress = progress

    def _prepare_target(self, y: np.ndarray) -> tuple[np.ndarray, str, int]:
        classes, counts = np.unique(y.astype(str) if y.dtype == object else y, return_counts=True)
        if len(classes) < 2:
            raise InvalidInput(
                f"the target has a single class ('{classes[0]}'); classification needs at least two",
                f"목표에 등급이 하나('{classes[0]}')뿐입니다. 분류에는 두 개 이상이 필요합니다",
                code="single_class",
            )
        values = y.astype(str) if y.dtype == object else y
        if len(classes) == 2:
            pos = self.positive_class if self.positive_class is not None else classes[np.argmin(counts)]
            if pos not in classes:
                raise InvalidInput(
                    f"positive class {pos!r} does not occur in the target (classes: {list(classes)})",
                    f"양성 등급 {pos!r}이(가) 목표에 없습니다 (등급: {list(classes)})",
                    code="unknown_class",
                )
            neg = classes[0] if classes[1] == pos else classes[1]
            self.classes_ = np.array([neg, pos])
            return (values == pos).astype(float), "binary", 2
        self.classes_ = classes
        return np.searchsorted(classes, values).astype(float), "multiclass", len(classes)

    def _after_fit(self, oof_raw: np.ndarray, y_model: np.ndarray) -> None:
        if self.kind_ == "binary":
            a, b = automl.platt(oof_raw, y_model)
            self.calibration_ = {"method": "platt", "a": a, "b": b}
            prob = automl.sigmoid(a * oof_raw + b)
            self.threshold_ = automl.cost_threshold(prob, y_model, self.cost_miss, self.cost_false_alarm)
        else:
            self.calibration_ = {"method": "temperature", "t": automl.temperature(oof_raw, y_model)}
            self.threshold_ = None

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated class probabilities, columns in the order of `classes_`."""
        raw = self.decision_function(X)
        if self.kind_ == "binary":
            p = automl.sigmoid(self.calibration_["a"] * raw + self.calibration_["b"])
            return np.column_stack([1 - p, p])
        return softmax(raw / self.calibration_["t"], axis=1)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        prob = self.predict_proba(X)
        if self.kind_ == "binary":
            return np.where(prob[:, 1] >= self.threshold_, self.classes_[1], self.classes_[0])
        return self.classes_[prob.argmax(axis=1)]


class Regressor(_Supervised):
    """Regression of a number: a measured quality characteristic, or remaining useful life.

    `target_cap` clips the training target (e.g. 125 cycles for RUL: early in life the remaining life cannot be
    seen in the signals, so the literature uses a piecewise-linear target — Heimes 2008).
    """

    _classification = False

    def __init__(
        self,
        *,
        time_budget_s: float = 30.0,
        target_cap: float | None = None,
        generate_features: bool = True,
        features: list[str] | None = None,
        allow_columns: tuple[str, ...] = (),
        inner_splits: int = 3,
        ensemble: int = automl.MAX_MEMBERS,
        max_trials: int | None = None,
        n_jobs: int = 2,
        random_state: int = 0,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.time_budget_s = time_budget_s
        self.target_cap = target_cap
        self.generate_features = generate_features
        self.features = features
        self.allow_columns = allow_columns
        self.inner_splits = inner_splits
        self.ensemble = ensemble
        self.max_trials = max_trials
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.progress = progress

    def _prepare_target(self, y: np.ndarray) -> tuple[np.ndarray, str, int]:
        try:
            v = y.astype(float)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                "the regression target must be numbers",
                "회귀 목표는 숫자여야 합니다",
                code="bad_target",
            ) from exc
        if self.target_cap is not None:
            v = np.minimum(v, self.target_cap)
        return v, "regression", 1

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.decision_function(X)
