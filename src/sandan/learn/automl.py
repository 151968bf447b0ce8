"""AutoML in a time budget: a linear baseline and LightGBM tuned by Optuna on inner folds, chosen by out-of-fold score.

It works on model matrices only (the feature space is built before); it must not look at the outer test rows.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import optuna
from scipy.special import expit, log_softmax
from sklearn.linear_model import LogisticRegression, Ridge

from sandan.learn.progress import Progress, report

Splits = list[tuple[np.ndarray, np.ndarray]]
MAX_ROUNDS = 3000
EARLY_STOP = 50
# Trials fit on at most this many rows of each inner training fold (a random sample); the final model sees all rows.
# Rows of long tables (cycles of one engine, parts of one lot) are largely redundant, and cheaper trials let the
# search try more settings within the budget.
TRIAL_ROWS = 12_000
# ... and on wide tables on at most this many cells (rows × columns), but never fewer than `MIN_TRIAL_ROWS` rows.
TRIAL_CELLS = 2_000_000
MIN_TRIAL_ROWS = 4_000
# A trial is stopped after any inner fold whose running loss is this much worse than the best trial's on the same folds.
PRUNE_MARGIN = 0.10
# Share of the time budget kept for the final models (the ensemble of seeds) after the search.
FINAL_SHARE = 0.3
MAX_MEMBERS = 5
# LightGBM uses more than one thread only from this many cells on (measured here: on tables of a few thousand rows
# a second thread makes it several times slower, and more so on a shared machine).
THREAD_CELLS = 2_000_000
# Tables up to this many cells (rows × columns) get exact bins: one per distinct value, so a split can fall
# between any two neighbouring values; larger tables start from LightGBM's 255 quantile bins.
EXACT_BIN_CELLS = 1_000_000
EXACT_BINS = 16_383


# ---- the two model kinds, each reduced to arrays so an artifact is plain JSON + a LightGBM text model ---------


@dataclass
class LinearModel:
    """Standardised numbers (missing → mean) and one-hot categories, then logistic or ridge regression."""

    mean: np.ndarray
    scale: np.ndarray
    cat_index: list[int]
    n_levels: list[int]
    coef: np.ndarray  # (outputs, inputs)
    intercept: np.ndarray  # (outputs,)

    @staticmethod
    def design(
        X: np.ndarray, cat_index: list[int], n_levels: list[int], mean, scale
    ) -> tuple[np.ndarray, list[int]]:
        """The linear model's input matrix and, for each of its columns, the feature it came from."""
        num = [j for j in range(X.shape[1]) if j not in cat_index]
        Z = (X[:, num] - mean) / scale
        Z = np.where(np.isfinite(Z), Z, 0.0)
        parts, owner = [Z], list(num)
        for j, k in zip(cat_index, n_levels, strict=True):
            codes = X[:, j]
            onehot = np.zeros((len(X), k))
            ok = np.isfinite(codes)
            onehot[np.flatnonzero(ok), codes[ok].astype(int)] = 1.0
            parts.append(onehot)
            owner += [j] * k
        return np.hstack(parts), owner

    @staticmethod
    def standardise(N: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and spread of each numeric column over its finite values. A column with none in these rows (a
        parameter recorded only later, a fold's rows all missing it) is skipped: mean 0 and scale 1, so it adds
        nothing, rather than the mean of an empty slice."""
        N = np.where(np.isfinite(N), N, np.nan)
        seen = ~np.isnan(N).all(axis=0)
        mean, scale = np.zeros(N.shape[1]), np.ones(N.shape[1])
        if seen.any():
            mean[seen] = np.nanmean(N[:, seen], axis=0)
            scale[seen] = np.nanstd(N[:, seen], axis=0)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        return mean, scale

    @classmethod
    def fit(cls, X, y, kind: str, cat_index: list[int], weight=None, seed: int = 0) -> LinearModel:
        num = [j for j in range(X.shape[1]) if j not in cat_index]
        mean, scale = cls.standardise(X[:, num])
        n_levels = [int(np.nanmax(X[:, j]) + 1) if np.isfinite(X[:, j]).any() else 1 for j in cat_index]
        Z, _ = cls.design(X, cat_index, n_levels, mean, scale)
        if kind == "regression":
            est = Ridge(alpha=1.0).fit(Z, y, sample_weight=weight)
            coef, intercept = np.atleast_2d(est.coef_), np.atleast_1d(est.intercept_)
        else:
            est = LogisticRegression(C=1.0, max_iter=500, random_state=seed).fit(Z, y, sample_weight=weight)
            coef, intercept = est.coef_, est.intercept_
        return cls(mean, scale, list(cat_index), n_levels, coef, intercept)

    def raw(self, X: np.ndarray) -> np.ndarray:
        Z, _ = self.design(X, self.cat_index, self.n_levels, self.mean, self.scale)
        out = Z @ self.coef.T + self.intercept
        return out[:, 0] if out.shape[1] == 1 else out

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-feature additive parts of the raw score, shaped like LightGBM's pred_contrib (bias last)."""
        Z, owner = self.design(X, self.cat_index, self.n_levels, self.mean, self.scale)
        n_feat = X.shape[1]
        blocks = []
        for row, b in zip(self.coef, self.intercept, strict=True):
            parts = Z * row
            contrib = np.zeros((len(X), n_feat + 1))
            np.add.at(contrib.T, np.array(owner), parts.T)
            contrib[:, -1] = b
            blocks.append(contrib)
        return np.hstack(blocks)

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LinearModel:
        return cls(
            np.asarray(d["mean"], float),
            np.asarray(d["scale"], float),
            list(d["cat_index"]),
            list(d["n_levels"]),
            np.asarray(d["coef"], float),
            np.asarray(d["intercept"], float),
        )


def lgb_params(kind: str, n_classes: int, params: dict[str, Any], n_jobs: int, seed: int) -> dict[str, Any]:
    base = {
        "verbosity": -1,
        "num_threads": n_jobs,
        # Measured here: on tables of a few thousand rows a second thread makes LightGBM several times slower.
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
    }
    if kind == "binary":
        base["objective"] = "binary"
    elif kind == "multiclass":
        base.update(objective="multiclass", num_class=n_classes)
    else:
        base["objective"] = "regression"
    tuned = {k: v for k, v in params.items() if k != "class_weight"}
    return {**base, **tuned}


def balanced_weight(y: np.ndarray) -> np.ndarray:
    """Weights n / (k · n_class) per row, so every class carries the same total weight (as scikit-learn's 'balanced')."""
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    return (len(y) / (len(classes) * counts))[inverse]


class TimeCap:
    """LightGBM callback that ends boosting at a wall-clock time (`time.perf_counter()` value `at`).

    With validation rows the booster keeps the best iteration seen so far (as early stopping would); without, all
    iterations made. `hit` tells whether the cap ended the training.
    """

    order = 40  # after LightGBM's early stopping (30), so a finished early stop wins

    def __init__(self, at: float) -> None:
        self.at = at
        self.hit = False
        self._best: tuple[int, float, list] | None = None

    def __call__(self, env) -> None:
        results = env.evaluation_result_list or []
        if results and (self._best is None or results[0].metric_value < self._best[1]):
            self._best = (env.iteration, results[0].metric_value, list(results))
        if time.perf_counter() >= self.at:
            self.hit = True
            if self._best is not None:
                raise lgb.callback.EarlyStopException(self._best[0], self._best[2])
            raise lgb.callback.EarlyStopException(env.iteration, [])


def fit_lightgbm(
    X,
    y,
    kind,
    n_classes,
    params,
    cat_index,
    n_rounds,
    n_jobs,
    seed,
    weight=None,
    valid=None,
    cap: TimeCap | None = None,
):
    """Train one booster; with `cap`, boosting ends at its time (see `TimeCap`)."""
    n_jobs = n_jobs if X.shape[0] * X.shape[1] >= THREAD_CELLS else 1
    # Fine bins: failure limits sit in the extreme tails (a power limit, a wear × torque limit), where quantile bins
    # hold several rows each and blur the limit; with `EXACT_BINS` every distinct value is its own bin.
    max_bin = int(params.get("max_bin", 1023))
    bins = {"max_bin": max_bin, **({"min_data_in_bin": 1} if max_bin >= EXACT_BINS else {})}
    train = lgb.Dataset(
        X, y, weight=weight, categorical_feature=cat_index or "auto", free_raw_data=False, params=bins
    )
    kwargs: dict[str, Any] = {"callbacks": [] if cap is None else [cap]}
    if valid is not None:
        Xv, yv = valid
        kwargs["valid_sets"] = [lgb.Dataset(Xv, yv, reference=train, categorical_feature=cat_index or "auto")]
        kwargs["callbacks"].append(lgb.early_stopping(EARLY_STOP, verbose=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lgb.train(
            lgb_params(kind, n_classes, params, n_jobs, seed), train, num_boost_round=n_rounds, **kwargs
        )


# ---- scores --------------------------------------------------------------------------------------------------


def loss(kind: str, y: np.ndarray, raw: np.ndarray) -> float:
    """Log loss of raw scores (classification) or root mean squared error (regression): lower is better."""
    if kind == "binary":
        z = np.clip(raw, -30, 30)
        return float(np.mean(np.logaddexp(0, z) - y * z))
    if kind == "multiclass":
        return float(-np.mean(log_softmax(raw, axis=1)[np.arange(len(y)), y.astype(int)]))
    return float(np.sqrt(np.mean((raw - y) ** 2)))


@dataclass
class Choice:
    """The outcome of a search: the chosen model kind and settings, its out-of-fold raw scores, and the record."""

    model: str  # "lightgbm" | "linear"
    params: dict[str, Any]
    n_rounds: int
    oof_raw: np.ndarray
    score: float
    baseline_score: float
    trials: int
    seconds: float
    history: list[dict[str, Any]] = field(default_factory=list)
    fold_seconds: float = 0.0  # mean time of one inner-fold fit of the chosen trial
    # Measured seconds per boosting round and training row of the chosen trial: what a final fit will cost.
    round_row_seconds: float = 0.0
    pruned: int = 0


# The first trial of every search. Small trees on all columns: measured on AI4I (3 outer split seeds, exact bins),
# 7 leaves and all columns per tree gave F1 0.902-0.909 against 0.899-0.905 for 15 leaves and 90 % of the columns.
DEFAULT_PARAMS = {
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_child_samples": 5,
    "max_bin": 1023,
    "feature_fraction": 1.0,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "class_weight": "none",
}


def search(
    X: np.ndarray,
    y: np.ndarray,
    kind: str,
    n_classes: int,
    cat_index: list[int],
    splits: Splits,
    budget_s: float,
    *,
    n_jobs: int = 2,
    seed: int = 0,
    progress: Callable[[Progress], None] | None = None,
    weight: np.ndarray | None = None,
    max_trials: int | None = None,
    final_rows: int | None = None,
    final_budget_s: float = 0.0,
) -> Choice:
    """Fit the linear baseline, then LightGBM trials (defaults first, then Optuna TPE) until the budget is spent.

    Each LightGBM trial trains once per inner split (on at most `trial_row_cap` of its rows) with early stopping on
    that split's held-out rows; its score is the loss of the pooled out-of-fold raw scores. A trial is pruned after
    a fold where it trails the best trial by more than `PRUNE_MARGIN`, and stopped between folds when it would run
    past the budget. `max_trials` caps the LightGBM trials (for reproducible runs independent of machine speed).
    With `final_rows` (the rows the final model will be fitted on), trials also stop early enough that one final
    fit, estimated from the fold times, still ends within `budget_s + final_budget_s`.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _search(
            X,
            y,
            kind,
            n_classes,
            cat_index,
            splits,
            budget_s,
            n_jobs,
            seed,
            progress,
            weight,
            max_trials,
            final_rows,
            final_budget_s,
        )


def trial_row_cap(n_columns: int) -> int:
    """How many rows of an inner training fold a trial fits on, for a matrix of `n_columns` columns."""
    return int(min(TRIAL_ROWS, max(MIN_TRIAL_ROWS, TRIAL_CELLS // max(n_columns, 1))))


def _trial_rows(tr: np.ndarray, seed: int, cap: int = TRIAL_ROWS) -> np.ndarray:
    if len(tr) <= cap:
        return tr
    return np.sort(np.random.default_rng(seed).choice(tr, cap, replace=False))


def _search(
    X,
    y,
    kind,
    n_classes,
    cat_index,
    splits,
    budget_s,
    n_jobs,
    seed,
    progress,
    weight,
    max_trials=None,
    final_rows=None,
    final_budget_s=0.0,
) -> Choice:
    start = time.perf_counter()
    deadline = start + budget_s
    total_deadline = deadline + final_budget_s
    history: list[dict[str, Any]] = []

    def oof_of(fit_predict) -> np.ndarray:
        shape = (len(y), n_classes) if kind == "multiclass" else (len(y),)
        out = np.full(shape, np.nan)
        for tr, va in splits:
            out[va] = fit_predict(tr, va)
        return out

    covered = np.unique(np.concatenate([va for _, va in splits]))

    def lin(tr, va):
        m = LinearModel.fit(X[tr], y[tr], kind, cat_index, None if weight is None else weight[tr], seed)
        return m.raw(X[va])

    lin_oof = oof_of(lin)
    lin_score = loss(kind, y[covered], lin_oof[covered])
    history.append({"model": "linear", "score": lin_score})
    report(progress, 0.1, "linear baseline scored", "선형 기준 모델 평가 완료")

    results: dict[int, tuple[np.ndarray, int]] = {}
    fold_seconds: list[float] = []
    fold_losses: dict[int, list[float]] = {}
    trailed = [0]  # trials pruned for trailing the best one (not those stopped by the budget)
    trial_seconds: dict[int, float] = {}
    # Seconds per boosting round per training row, per trial (fold fits include their validation scoring, so
    # this errs on the safe side for a final fit).
    trial_rates: dict[int, list[float]] = {}
    fits = [_trial_rows(tr, seed + i, trial_row_cap(X.shape[1])) for i, (tr, _) in enumerate(splits)]
    fit_rows_mean = float(np.mean([len(f) for f in fits]))

    def final_cost(n: int | None = None) -> float:
        """Estimated seconds of one final fit on all rows: of trial `n`, or of the best trial so far, or (before any
        trial is done) of a fold scaled to all rows."""
        if not final_rows:
            return 0.0
        if n is None:
            done = [m for m, v in fold_losses.items() if len(v) == len(splits)]
            n = min(done, key=loss_of) if done else None
        if n is not None and trial_rates.get(n):
            return float(np.mean(trial_rates[n])) * final_rows * results[n][1] * 1.1 * 1.1
        if not fold_seconds:
            return 0.0
        return float(np.mean(fold_seconds)) * final_rows / fit_rows_mean * 1.1

    def fold_deadline() -> float:
        """No fold fit may run past the search budget, nor so late that the final fit would overrun the total."""
        return min(deadline, total_deadline - final_cost())

    def out_of_time() -> bool:
        """Would one more fold (and after it, one final fit on all rows) run past the budget?"""
        if not fold_seconds:
            return False
        fold = float(np.mean(fold_seconds))
        return time.perf_counter() + fold > fold_deadline()

    def best_losses() -> list[float] | None:
        done = [n for n, v in fold_losses.items() if len(v) == len(splits)]
        if not done:
            return None
        return fold_losses[min(done, key=lambda n: loss_of(n))]

    def loss_of(n: int) -> float:
        oof = results[n][0]
        return loss(kind, y[covered], oof[covered])

    small = X.shape[0] * X.shape[1] <= EXACT_BIN_CELLS
    bin_choices = [255, 1023, 4095, EXACT_BINS] if small else [255, 1023, 4095]

    # the search's score as the progress line names it: the loss it minimises (`loss`), not the F1 reported later
    metric_en, metric_ko = ("RMSE", "RMSE") if kind == "regression" else ("log loss", "로그 손실")

    def objective(trial: optuna.Trial) -> float:
        params = {
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 4, 128, log=True),
            "max_bin": trial.suggest_categorical("max_bin", bin_choices),
            "min_child_samples": trial.suggest_int("min_child_samples", 3, 100, log=True),
            "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
            "bagging_fraction": trial.suggest_float("bagging_fraction", 0.5, 1.0),
            "bagging_freq": 1,
            "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 30.0, log=True),
        }
        if kind != "regression":
            params["class_weight"] = trial.suggest_categorical("class_weight", ["none", "balanced"])
        shape = (len(y), n_classes) if kind == "multiclass" else (len(y),)
        oof = np.full(shape, np.nan)
        rounds = []
        done_rows = []
        losses: list[float] = []
        reference = best_losses()
        t_trial = time.perf_counter()
        for i, (_, va) in enumerate(splits):
            # Stop a trial that would end past the budget, judging by how long folds have taken so far; the first
            # trial keeps the folds it finished, so a short budget still yields a model.
            if out_of_time():
                if trial.number > 0:
                    if i == 0:  # no time for another trial at all: end the search
                        trial.study.stop()
                    raise optuna.TrialPruned()
                break
            f0 = time.perf_counter()
            cap = TimeCap(fold_deadline())
            fit_rows = fits[i]
            w = weight[fit_rows] if weight is not None else None
            if params.get("class_weight") == "balanced":
                bw = balanced_weight(y[fit_rows])
                w = bw if w is None else w * bw
            booster = fit_lightgbm(
                X[fit_rows],
                y[fit_rows],
                kind,
                n_classes,
                params,
                cat_index,
                MAX_ROUNDS,
                n_jobs,
                seed,
                w,
                (X[va], y[va]),
                cap,
            )
            if cap.hit and trial.number > 0:  # cut short by the budget: not a fair score, and no time is left
                trial.study.stop()
                raise optuna.TrialPruned()
            rounds.append(max(booster.best_iteration, 1))
            oof[va] = booster.predict(X[va], raw_score=True, num_iteration=booster.best_iteration)
            fold_seconds.append(time.perf_counter() - f0)
            trial_rates.setdefault(trial.number, []).append(
                fold_seconds[-1] / (len(fit_rows) * max(booster.current_iteration(), 1))
            )
            done_rows.append(va)
            losses.append(loss(kind, y[va], oof[va]))
            if cap.hit:  # the first trial, cut short by the budget: keep the folds it finished
                break
            # Prune a trial that already trails the best one on the same folds by more than the margin.
            trailing = reference is not None and i < len(splits) - 1
            if trailing and np.mean(losses) > (1 + PRUNE_MARGIN) * np.mean(reference[: i + 1]):
                trailed[0] += 1
                raise optuna.TrialPruned()
        fold_losses[trial.number] = losses
        trial_seconds[trial.number] = (time.perf_counter() - t_trial) / max(len(losses), 1)
        results[trial.number] = (oof, int(np.mean(rounds)))
        rows = np.unique(np.concatenate(done_rows))
        value = loss(kind, y[rows], oof[rows])
        elapsed = time.perf_counter() - start
        report(
            progress,
            0.1 + 0.85 * min(1.0, elapsed / max(budget_s, 1e-9)),
            f"LightGBM trial {trial.number + 1}: held-out {metric_en} {value:.4g} (lower is better)",
            f"LightGBM 시도 {trial.number + 1}: 검증 {metric_ko} {value:.4g} (낮을수록 좋음)",
        )
        return value

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    first = dict(DEFAULT_PARAMS)
    # Fine bins cost time in proportion to the cells; on wide or long tables start from LightGBM's 255.
    if X.shape[0] * X.shape[1] > EXACT_BIN_CELLS:
        first["max_bin"] = 255
    else:
        first["max_bin"] = EXACT_BINS
    if kind == "regression":
        first.pop("class_weight")
    study.enqueue_trial({k: v for k, v in first.items() if k != "bagging_freq"})
    # The enqueued default trial always completes; later ones fit in what remains of the budget.
    study.optimize(objective, n_trials=1)
    remaining = deadline - time.perf_counter()
    more = 500 if max_trials is None else max_trials - 1
    if remaining > 0 and more > 0:
        study.optimize(objective, timeout=remaining, n_trials=more)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    pruned = trailed[0]
    for t in done:
        history.append({"model": "lightgbm", "score": t.value, **t.params})
    # The best trial whose final fit, as measured on its folds, still fits in the budget (else the cheapest one).
    left = total_deadline - time.perf_counter()
    affordable = [t for t in done if final_cost(t.number) <= left]
    best = min(affordable or [min(done, key=lambda t: final_cost(t.number))], key=lambda t: t.value)
    seconds = time.perf_counter() - start
    if lin_score < best.value:
        return Choice(
            "linear", {}, 0, lin_oof, lin_score, lin_score, len(done), seconds, history, pruned=pruned
        )
    params = {**DEFAULT_PARAMS, **best.params}
    oof, rounds = results[best.number]
    return Choice(
        "lightgbm",
        params,
        rounds,
        oof,
        best.value,
        lin_score,
        len(done),
        seconds,
        history,
        fold_seconds=trial_seconds.get(best.number, 0.0),
        round_row_seconds=float(np.mean(trial_rates[best.number])),
        pruned=pruned,
    )


# ---- calibration and the decision threshold --------------------------------------------------------------------


def platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling (Platt 1999): p = sigmoid(a·raw + b), fitted by logistic regression on out-of-fold scores."""
    ok = np.isfinite(raw)
    if len(np.unique(y[ok])) < 2:
        return 1.0, 0.0
    m = LogisticRegression(C=1e4, max_iter=1000).fit(raw[ok].reshape(-1, 1), y[ok])
    return float(m.coef_[0, 0]), float(m.intercept_[0])


def temperature(raw: np.ndarray, y: np.ndarray) -> float:
    """Temperature scaling (Guo et al. 2017): softmax(raw / T), T chosen to minimise out-of-fold log loss."""
    from scipy.optimize import minimize_scalar

    ok = np.isfinite(raw).all(axis=1)

    def nll(log_t: float) -> float:
        return loss("multiclass", y[ok], raw[ok] / np.exp(log_t))

    res = minimize_scalar(nll, bounds=(-3, 3), method="bounded")
    return float(np.exp(res.x))


def cost_threshold(prob: np.ndarray, y: np.ndarray, cost_miss: float, cost_false_alarm: float) -> float:
    """The probability threshold with the lowest total cost cost_miss·FN + cost_false_alarm·FP on these rows.

    With calibrated probabilities the Bayes rule is p ≥ c_fa / (c_fa + c_miss) (Elkan 2001); the empirical
    minimiser is used because calibration is never perfect. Where failures are rare, a single row can make a cut far
    from the Bayes threshold look best, so every cut within the cost of one error of the minimum counts as a
    minimiser, and of those the one nearest the Bayes threshold is taken.
    """
    ok = np.isfinite(prob)
    p, t = prob[ok], y[ok].astype(int)
    bayes = cost_false_alarm / (cost_false_alarm + cost_miss)
    if len(np.unique(t)) < 2:
        return bayes
    order = np.argsort(-p, kind="stable")
    ps, ts = p[order], t[order]
    # Alarm on the top k rows: FP = negatives among them, FN = positives below them.
    fp = np.concatenate([[0], np.cumsum(1 - ts)])
    fn = t.sum() - np.concatenate([[0], np.cumsum(ts)])
    cost = cost_miss * fn + cost_false_alarm * fp
    # Only cut between distinct probabilities.
    valid = np.concatenate([[True], ps[1:] != ps[:-1], [True]])
    cost = np.where(valid, cost, np.inf)
    cand = np.flatnonzero(cost <= cost.min() + min(cost_miss, cost_false_alarm) * (1 + 1e-9))
    cuts = np.array(
        [1.0 + 1e-9 if k == 0 else (ps[k - 1] if k == len(ps) else 0.5 * (ps[k - 1] + ps[k])) for k in cand]
    )
    return float(cuts[np.argmin(np.abs(cuts - bayes))])


def sigmoid(x: np.ndarray) -> np.ndarray:
    return expit(x)
