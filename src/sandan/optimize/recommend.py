"""Setting recommendations: search a quality model for set points that cut predicted defects (and cycle time/energy).

It owns the bootstrap ensemble, the trust region, the Optuna search and the `Recommendation`; it never writes to a
machine or a store.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import optuna
import pandas as pd
from scipy.stats import binomtest, qmc
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sandan.domain import InvalidInput
from sandan.domain.korean import particle
from sandan.learn.explain import nice

optuna.logging.set_verbosity(optuna.logging.WARNING)

Limits = Mapping[str, tuple[float, float]]

# Bootstrap members: small, regularised trees — the ensemble's spread is the model uncertainty we report.
_MEMBER_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 30,
    "feature_fraction": 0.9,
    "lambda_l2": 1.0,
    "verbose": -1,
    "num_threads": 2,
}

MODEL_KINDS = ("trees", "surface")


def _surface_terms(X: np.ndarray, centre: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """A second-order response surface's terms without cross products: standardised settings and their squares."""
    Z = (np.asarray(X, dtype="float64") - centre) / scale
    return np.hstack([Z, Z * Z])


@dataclass
class SurfaceMember:
    """One bootstrap member of a response-surface model: a multinomial logistic regression of each part's outcome —
    good, or its defect type — on the settings' linear and squared terms; `predict` gives P(defective) = 1 − P(good).

    Each defect type answers to few settings and rises or falls steadily along them (a short shot with too little
    pressure or too cold a melt, warpage with too short a cooling), so each type's log-odds is nearly a low-order
    surface even where their sum — the defect rate — is not; that is the quality engineer's Pareto of defect types
    put into the model. The squared terms let a type turn back inside the trial's range; cross products are left
    out, which with 24 runs over 4–8 settings is what keeps the surface from bending where no run was made
    (Montgomery, *Design and Analysis of Experiments*, 9th ed., §11.3; Agresti, *Categorical Data Analysis*, 3rd
    ed., §8.1 on baseline-category logits)."""

    classifier: LogisticRegression
    centre: np.ndarray
    scale: np.ndarray
    good: int  # index of the "good" class among the classifier's classes

    def predict(self, X: np.ndarray) -> np.ndarray:
        P = self.classifier.predict_proba(_surface_terms(X, self.centre, self.scale))
        return 1.0 - P[:, self.good]


def _fit_surface(
    terms: np.ndarray,
    outcome: np.ndarray,
    weight: np.ndarray | None = None,
    start: LogisticRegression | None = None,
) -> LogisticRegression:
    """A surface on `terms` (`_surface_terms`). A bootstrap member passes its rows weighted by how often they were
    drawn, and `start`, the fit on all rows, where its solver begins: a resample's optimum lies near the whole
    data's, so it needs fewer steps (16 members on 192,000 press parts of production records: 33.9 s instead of
    66.4 s; on a 24-run trial of the same size, 1.4–1.7 s instead of 1.6–1.9 s per member). The
    penalised fit has one optimum, so where the solver begins moves only what lies within its tolerance (predictions
    0.0014 apart at most there), not what the out-of-bag skill measures."""
    if start is not None and set(np.unique(outcome)) == set(start.classes_):
        clf = copy.deepcopy(start)
        clf.set_params(warm_start=True)
    else:
        clf = LogisticRegression(C=1.0, max_iter=1000)
    # a member that stops short of the optimum still predicts; nothing to tell
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(terms, outcome, sample_weight=weight)
    return clf


def _is_ng(values: pd.Series, positive: str) -> np.ndarray:
    if values.dtype == bool:
        return ~values.to_numpy() if positive == "ng" else values.to_numpy()
    return (values.astype(str) == positive).to_numpy()


def _group_rows(
    frame: pd.DataFrame, groups: str | Sequence[Any] | None, keep: np.ndarray
) -> list[np.ndarray] | None:
    """Row indices (after dropping incomplete rows) of each group for the cluster bootstrap, or None."""
    if groups is None:
        return None
    if isinstance(groups, str):
        if groups not in frame.columns:
            raise InvalidInput(
                f"the table has no group column '{groups}'",
                f"표에 그룹 열 '{groups}'이(가) 없습니다",
                code="unknown_column",
                column=groups,
            )
        labels = frame[groups].to_numpy()
    else:
        labels = np.asarray(groups)
        if len(labels) != len(frame):
            raise InvalidInput(
                f"groups has {len(labels)} labels for {len(frame)} rows",
                f"그룹 레이블 {len(labels)}개가 행 {len(frame)}개와 맞지 않습니다",
                code="bad_setting",
            )
    codes = pd.factorize(pd.Series(labels[keep]).astype(str))[0]
    rows = [np.flatnonzero(codes == g) for g in range(codes.max() + 1)] if len(codes) else []
    return rows if len(rows) >= 2 else None


# ---- the quality model ------------------------------------------------------------------------------------------


@dataclass
class QualityModel:
    """Bootstrap ensemble of P(ng | set points) over the process parameters: LightGBM classifiers (`kind="trees"`)
    or response surfaces of each defect type (`kind="surface"`, `SurfaceMember`).

    Uncertainty is the spread across members, each trained on a bootstrap resample of the parts (Efron &
    Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 6; bagging, Breiman 1996) — or, given `groups`
    (e.g. the runs of a designed experiment), of whole groups: parts of one set point are not independent, and
    resampling them one by one hides how little a few set points say about the response surface (cluster
    bootstrap, Davison & Hinkley, *Bootstrap Methods and their Application*, 1997, §3.8). When a trained
    `sandan.learn.Classifier` is given to a tree model, its chosen LightGBM hyper-parameters and round count are
    reused (it learned them leak-free); its own predictions stay the place for explanations of single parts.

    Trees take effects of any shape and explain single parts (TreeSHAP, `contributions`), but on the few set points
    that carry the information — a trial's two dozen runs — they split between runs and credit one run's luck to
    whichever setting it had highest. The surface draws one smooth trend per defect type through all of them; on
    the twin it gave the larger and the safer drop both after a designed experiment and from production records
    that hold a trial (benchmarks/optimize.py and benchmarks/recommend_trial.py, `--model`), so the closed loop
    and `recommend_for_machine` use it.
    """

    parameters: list[str]
    members: list[Any]  # lgb.Booster (trees) or SurfaceMember; each has predict(X) → P(ng)
    observed: pd.DataFrame  # the parameter values the model was trained on (for the trust region)
    base_rate: float
    classifier: Any = None
    outcomes: np.ndarray | None = None  # 1 = defective, per row of `observed`
    # out-of-bag Brier skill against a constant rate (1 perfect, ≤ 0 no better than the mean; NaN unknown)
    oob_skill: float = float("nan")
    kind: str = "trees"

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        parameters: Sequence[str] | None = None,
        *,
        target: str = "result",
        positive: str = "ng",
        n_members: int = 8,
        n_rounds: int = 250,
        classifier: Any = None,
        groups: str | Sequence[Any] | None = None,
        kind: str = "trees",
        defect_type: str = "defect_type",
        seed: int = 0,
        progress: Callable[[int], None] | None = None,
    ) -> QualityModel:
        """`kind` "trees" or "surface" (see the class); a surface tells defect types apart by the `defect_type`
        column where the table has one (else good against defective). `progress`, when given, is called with the
        number of members trained so far."""
        if kind not in MODEL_KINDS:
            raise InvalidInput(
                f"unknown model kind '{kind}'; choose one of {', '.join(MODEL_KINDS)}",
                f"알 수 없는 모델 종류 '{kind}'입니다. {', '.join(MODEL_KINDS)} 중에서 고르세요",
                code="bad_setting",
                field="kind",
            )
        params = list(parameters or frame.attrs.get("params") or [])
        missing = [p for p in params if p not in frame.columns]
        if not params or missing:
            raise InvalidInput(
                f"name the process parameter columns to optimise (missing: {missing or 'none given'})",
                f"최적화할 공정 변수 열을 지정하세요 (없는 열: {missing or '지정 없음'})",
                code="no_parameters",
            )
        if target not in frame.columns:
            raise InvalidInput(
                f"the table has no '{target}' column with ok/ng results",
                f"표에 양품/불량 결과 열 '{target}'이(가) 없습니다",
                code="unknown_column",
                column=target,
            )
        data = frame[params].apply(pd.to_numeric, errors="coerce")
        keep = data.notna().all(axis=1).to_numpy() & frame[target].notna().to_numpy()
        data = data.loc[keep].reset_index(drop=True)
        y = _is_ng(frame.loc[keep, target], positive).astype(float)
        if len(y) < 50 or y.sum() < 5 or (1 - y).sum() < 5:
            raise InvalidInput(
                f"too little data to learn defects from settings: {len(y)} parts, {int(y.sum())} defective "
                "(need ≥ 50 parts with ≥ 5 good and ≥ 5 defective)",
                f"설정으로 불량을 학습하기에 데이터가 부족합니다: 부품 {len(y)}개, 불량 {int(y.sum())}개 "
                "(부품 50개 이상, 양품·불량 각각 5개 이상 필요)",
                code="too_few_rows",
            )
        lgb_params = dict(_MEMBER_PARAMS)
        if classifier is not None and getattr(classifier, "model_kind_", None) == "lightgbm":
            chosen = {
                k: v
                for k, v in classifier.search_["params"].items()
                if k in ("learning_rate", "num_leaves", "min_data_in_leaf", "lambda_l2", "feature_fraction")
            }
            lgb_params.update(chosen)
            n_rounds = max(20, int(classifier.search_["n_rounds"]))
        X = data.to_numpy(dtype="float64")
        if kind == "surface":
            centre, scale = X.mean(axis=0), X.std(axis=0)
            scale = np.where(scale > 0, scale, 1.0)
            # each defective part's own defect type, where recorded; "ok" is the good class
            types = (
                frame.loc[keep, defect_type].astype("string").fillna("ng").to_numpy(dtype=object)
                if defect_type in frame.columns
                else np.full(len(y), "ng", dtype=object)
            )
            outcome = np.where(y > 0, types, "ok")
            terms = _surface_terms(X, centre, scale)
            whole = _fit_surface(terms, outcome)
        rng = np.random.default_rng(seed)
        group_rows = _group_rows(frame, groups, keep)
        members = []
        sse_model = sse_const = 0.0
        for b in range(n_members):
            if group_rows is None:
                idx = rng.integers(0, len(y), len(y))
            else:  # cluster bootstrap: whole runs (set points) are drawn, not single parts
                idx = np.concatenate(
                    [group_rows[g] for g in rng.integers(0, len(group_rows), len(group_rows))]
                )
            if kind == "surface":
                drawn = np.bincount(idx, minlength=len(y)).astype("float64")
                rows = drawn > 0
                if y[rows].min() == y[rows].max():  # a draw of runs without a defect (or without a good part)
                    idx, clf = np.arange(len(y)), whole
                else:
                    clf = _fit_surface(terms[rows], outcome[rows], drawn[rows], whole)
                members.append(SurfaceMember(clf, centre, scale, list(clf.classes_).index("ok")))
            else:
                ds = lgb.Dataset(X[idx], y[idx], feature_name=params, free_raw_data=True)
                members.append(lgb.train({**lgb_params, "seed": seed + b}, ds, num_boost_round=n_rounds))
            oob = np.ones(len(y), dtype=bool)
            oob[idx] = False
            if (
                oob.any()
            ):  # held-out quality: the member against the in-bag defect rate on the parts it never saw
                sse_model += float(((members[-1].predict(X[oob]) - y[oob]) ** 2).sum())
                sse_const += float(((y[idx].mean() - y[oob]) ** 2).sum())
            if progress is not None:
                progress(b + 1)
        skill = 1.0 - sse_model / sse_const if sse_const > 0 else float("nan")
        return cls(params, members, data, float(y.mean()), classifier, y, skill, kind)

    def observed_near(self, x: np.ndarray, tolerance: float = 0.1) -> tuple[int, int]:
        """(parts, defective) observed within ± `tolerance` × the observed span of every parameter around `x` —
        what the data itself says about a setting, e.g. the current one."""
        if self.outcomes is None:
            return 0, 0
        X = self.observed[self.parameters].to_numpy(dtype="float64")
        lo, hi = np.quantile(X, 0.005, axis=0), np.quantile(X, 0.995, axis=0)
        span = np.where(hi > lo, hi - lo, np.maximum(np.abs(hi), 1.0) * 1e-3)
        near = np.all(np.abs(X - np.asarray(x, dtype="float64")) <= tolerance * span, axis=1)
        return int(near.sum()), int(self.outcomes[near].sum())

    def member_predictions(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """P(ng) from every member: members × rows."""
        M = X[self.parameters].to_numpy(dtype="float64") if isinstance(X, pd.DataFrame) else np.asarray(X)
        return np.vstack([m.predict(M) for m in self.members])

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        return self.member_predictions(X).mean(axis=0)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Mean TreeSHAP contributions (log-odds) of each parameter over the members (LightGBM pred_contrib,
        Lundberg et al. 2020). Trees only."""
        if self.kind != "trees":
            raise InvalidInput(
                "explanations of single parts come from a tree model; fit one with kind='trees'",
                "부품별 설명은 트리 모델에서 나옵니다. kind='trees'로 학습하세요",
                code="bad_setting",
                field="kind",
            )
        M = X[self.parameters].to_numpy(dtype="float64")
        c = np.mean([m.predict(M, pred_contrib=True)[:, :-1] for m in self.members], axis=0)
        return pd.DataFrame(c, columns=self.parameters, index=X.index)

    def importance(self) -> pd.Series:
        """Mean |contribution| per parameter over the observed settings."""
        sample = self.observed.sample(min(len(self.observed), 2000), random_state=0)
        return self.contributions(sample).abs().mean().sort_values(ascending=False)


# ---- the region the data supports --------------------------------------------------------------------------------


@dataclass
class TrustRegion:
    """Where the data supports the model: each parameter inside its observed range (0.5–99.5 % quantiles) widened
    by `margin` of that range, and the point inside the observed cloud's Mahalanobis ellipsoid (squared distance no
    more than the largest observed one × (1 + margin)). Mahalanobis 1936; its use as an applicability domain for
    data-driven models: Jaworska et al., *ATLA* 33, 2005. A k-NN distance (mean over the k nearest observed
    points, standardised) is reported as the local data density.
    """

    parameters: list[str]
    low: np.ndarray
    high: np.ndarray
    mean: np.ndarray
    precision: np.ndarray
    d2_max: float
    scale: np.ndarray
    points: np.ndarray
    knn_typical: float
    margin: float
    k: int = 10

    @classmethod
    def fit(cls, observed: pd.DataFrame, parameters: Sequence[str], margin: float = 0.05) -> TrustRegion:
        X = observed[list(parameters)].to_numpy(dtype="float64")
        lo, hi = np.quantile(X, 0.005, axis=0), np.quantile(X, 0.995, axis=0)
        span = np.where(hi > lo, hi - lo, np.maximum(np.abs(hi), 1.0) * 1e-3)
        mean = X.mean(axis=0)
        scale = np.where(X.std(axis=0) > 0, X.std(axis=0), span)
        Z = (X - mean) / scale
        cov = np.atleast_2d(np.cov(Z, rowvar=False)) + 1e-6 * np.eye(Z.shape[1])
        precision = np.linalg.pinv(cov)
        d2 = np.einsum("ij,jk,ik->i", Z, precision, Z)
        d2_max = float(np.quantile(d2, 0.995))
        rng = np.random.default_rng(0)
        pts = Z[rng.choice(len(Z), min(len(Z), 3000), replace=False)]
        region = cls(
            list(parameters),
            lo - margin * span,
            hi + margin * span,
            mean,
            precision,
            d2_max,
            scale,
            pts,
            0.0,
            margin,
        )
        region.knn_typical = float(
            np.quantile(region.knn_distance(X[rng.choice(len(X), min(len(X), 500))]), 0.95)
        )
        return region

    def _z(self, X: np.ndarray) -> np.ndarray:
        return (np.atleast_2d(X) - self.mean) / self.scale

    def mahalanobis2(self, X: np.ndarray) -> np.ndarray:
        Z = self._z(X)
        return np.einsum("ij,jk,ik->i", Z, self.precision, Z)

    def knn_distance(self, X: np.ndarray) -> np.ndarray:
        Z = self._z(X)
        out = np.empty(len(Z))
        for i in range(0, len(Z), 512):  # blocks keep the distance matrix small
            d = np.sqrt(((Z[i : i + 512, None, :] - self.points[None, :, :]) ** 2).sum(axis=2))
            k = min(self.k, d.shape[1])
            out[i : i + 512] = np.sort(np.partition(d, k - 1, axis=1)[:, :k], axis=1).mean(axis=1)
        return out

    def excess(self, X: np.ndarray) -> np.ndarray:
        """How far outside the region (0 inside): box excess in observed ranges plus ellipsoid excess."""
        X = np.atleast_2d(X)
        span = np.maximum(self.high - self.low, 1e-12)
        box = (np.maximum(self.low - X, 0) + np.maximum(X - self.high, 0)) / span
        ell = np.maximum(self.mahalanobis2(X) / (self.d2_max * (1 + self.margin)) - 1.0, 0.0)
        return box.sum(axis=1) + ell

    def outside_parameters(self, x: np.ndarray) -> list[str]:
        return [
            p
            for p, v, lo, hi in zip(self.parameters, x, self.low, self.high, strict=True)
            if v < lo or v > hi
        ]


# ---- objectives and the result ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Objective:
    """A further objective to minimise besides the defect rate: a vectorised function of a settings table."""

    name: str
    unit: str
    label_en: str
    label_ko: str
    function: Callable[[pd.DataFrame], np.ndarray]


@dataclass
class ParameterChange:
    name: str
    current: float
    recommended: float
    fixed: bool
    machine_min: float
    machine_max: float
    observed_min: float
    observed_max: float
    extrapolated: bool

    @property
    def change(self) -> float:
        return self.recommended - self.current

    def shown(self) -> tuple[str, str]:
        """Current and recommended value as the advice writes them: digits enough to tell them apart."""
        return apart(self.current, self.recommended)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "change": self.change}


@dataclass
class Recommendation:
    """Current against recommended set points, with the expected defect rate and its interval, the flags and the
    Pareto front; `text` holds plain-words advice in English and Korean."""

    parameters: list[ParameterChange]
    current: dict[str, float]
    recommended: dict[str, float]
    current_defect_rate: float
    current_interval: tuple[float, float]
    expected_defect_rate: float
    expected_interval: tuple[float, float]
    effect_interval: tuple[float, float]  # change in defect rate (recommended − current), 10–90 % of members
    objectives: list[str]
    current_objectives: dict[str, float]
    expected_objectives: dict[str, float]
    pareto: list[dict[str, Any]]
    extrapolation: list[str]  # parameters outside the observed range
    outside_trust_region: bool
    knn_distance: float
    knn_typical: float
    n_trials: int
    # parts made near the current settings (± 10 % of each parameter's observed span) and how many were defective:
    # what the data itself says about the present, against which the model's `current_defect_rate` is checked
    observed_parts: int = 0
    observed_defective: int = 0
    text: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # parameter → {"en": …, "ko": …}
    units: dict[str, str] = field(default_factory=dict)  # parameter → unit ("°C"), where known

    def label(self, name: str, lang: str) -> str:
        """A parameter's name for people (the machine's own label where known)."""
        return self.labels.get(name, {}).get(lang, name)

    def move(self, name: str, lang: str) -> str:
        """One change in words with its unit, as the advice gives it: "melt temperature 237.8 → 233.3 °C"."""
        change = next(c for c in self.parameters if c.name == name)
        now, then = apart(change.current, change.recommended)
        unit = self.units.get(name, "")
        return f"{self.label(name, lang)} {now} → {then}{' ' + unit if unit else ''}"

    @property
    def observed_rate(self) -> float | None:
        """The defect rate of the parts made near the current settings (None under 30 parts)."""
        return self.observed_defective / self.observed_parts if self.observed_parts >= 30 else None

    @property
    def misjudges_present(self) -> bool:
        """True when the model's rate at the current settings (members' 10–90 % range) and the rate observed there
        (Wilson 95 % interval) do not overlap: something the recorded settings do not capture — material, tool wear,
        a setting nobody logs — also drives the defects, so the expected effect is less certain than its range says."""
        if self.observed_rate is None:
            return False
        ci = binomtest(self.observed_defective, self.observed_parts).proportion_ci(0.95, method="wilson")
        lo, hi = self.current_interval
        return bool(ci.low > hi or ci.high < lo)

    @property
    def changed(self) -> list[ParameterChange]:
        return [
            c
            for c in self.parameters
            if not math.isclose(c.recommended, c.current, rel_tol=1e-9, abs_tol=1e-9)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": [c.to_dict() for c in self.parameters],
            "current": self.current,
            "recommended": self.recommended,
            "current_defect_rate": self.current_defect_rate,
            "current_interval": list(self.current_interval),
            "expected_defect_rate": self.expected_defect_rate,
            "expected_interval": list(self.expected_interval),
            "effect_interval": list(self.effect_interval),
            "objectives": self.objectives,
            "current_objectives": self.current_objectives,
            "expected_objectives": self.expected_objectives,
            "pareto": self.pareto,
            "extrapolation": self.extrapolation,
            "outside_trust_region": self.outside_trust_region,
            "knn_distance": self.knn_distance,
            "knn_typical": self.knn_typical,
            "n_trials": self.n_trials,
            "observed_parts": self.observed_parts,
            "observed_defective": self.observed_defective,
            "observed_rate": self.observed_rate,
            "misjudges_present": self.misjudges_present,
            "text": self.text,
            "labels": self.labels,
        }


# ---- the search --------------------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _non_dominated(F: np.ndarray) -> np.ndarray:
    """Indices of the rows of F (to minimise) no other row dominates."""
    keep = []
    for i in range(len(F)):
        worse_or_equal = np.all(F[i] >= F, axis=1)
        dominated = np.any(worse_or_equal & np.any(F[i] > F, axis=1))
        if not dominated:
            keep.append(i)
    return np.array(keep, dtype=int)


def plain(x: float, digits: int = 6) -> str:
    """A set point as a person keys it in: `digits` significant digits, no exponent, no trailing zeros
    (13759.8 → 13,759.8; 0.1500 → 0.15)."""
    text = nice(x, digits)
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(x: float, digits: int = 3) -> str:
    """A change with its sign, written as `plain` writes numbers (+1,270, −0.06)."""
    return ("+" if x > 0 else "−" if x < 0 else "") + plain(abs(x), digits)


def span(lo: float, hi: float, digits: int = 4) -> str:
    """A range with both ends to the same decimals, the larger end to `digits` significant digits
    (0.3412 and 1.644 → 0.341–1.644); whole numbers without decimals (16–82, not 16.00–82.00)."""
    top = max(abs(lo), abs(hi))
    decimals = 0 if top == 0 or not math.isfinite(top) else max(0, digits - 1 - math.floor(math.log10(top)))
    if float(lo).is_integer() and float(hi).is_integer():  # counts (a tool change every 16–82 parts)
        decimals = 0
    a, b = f"{lo:,.{decimals}f}", f"{hi:,.{decimals}f}"
    while decimals > 0 and a.endswith("0") and b.endswith("0"):  # 0.091–0.211, not 0.0910–0.2110
        decimals -= 1
        a, b = f"{lo:,.{decimals}f}", f"{hi:,.{decimals}f}"
    return a if a == b else f"{a}–{b}"  # a setting never moved is one value (0.12, not 0.1200–0.1200)


def apart(current: float, recommended: float) -> tuple[str, str]:
    """Both values with at least the four significant digits the settings table shows (so the sentence and the table
    give the number to set alone), more (up to 6) where four do not tell them apart."""
    if current == recommended:  # nothing to tell apart: the table's four digits (it wrote 40.8234 s twice)
        return plain(current, 4), plain(recommended, 4)
    for digits in range(4, 7):
        a, b = plain(current, digits), plain(recommended, digits)
        if a != b:
            break
    return a, b


def observed_sentence(rec: Recommendation) -> dict[str, str] | None:
    """What the parts made at the current settings show, in words — a caution when the model misjudges the present
    (`Recommendation.misjudges_present`); None when too few parts were made there."""
    if rec.observed_rate is None:
        return None
    seen, n = _pct(rec.observed_rate), f"{rec.observed_parts:,}"
    if rec.misjudges_present:
        en = (
            f"Caution: {seen} of the {n} parts made at the current settings were defective, against the "
            f"{_pct(rec.current_defect_rate)} the model expects there. Something the recorded settings do not "
            "capture (material, tool wear, a setting nobody logs) also drives the defects, so the expected "
            "effect is less certain than its range says: try the change on a few parts first."
        )
        ko = (
            f"주의: 현재 설정에서 만든 부품 {n}개 중 {seen}가 불량으로, 모델이 예상한 "
            f"{_pct(rec.current_defect_rate)}와 다릅니다. 기록된 설정값이 담지 못한 원인(소재, 공구 마모, 기록하지 "
            "않는 설정)도 불량에 작용하므로 예상 효과는 표시된 범위보다 불확실합니다. 먼저 소량으로 시험하세요."
        )
    else:
        en = f"Observed at the current settings: {seen} of {n} parts defective."
        ko = f"현재 설정의 실측: 부품 {n}개 중 {seen} 불량."
    return {"en": en, "ko": ko}


def _text(
    rec: Recommendation, labels: Mapping[str, tuple[str, str]], units: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    units = units or {}
    en, ko = [], []
    lo, hi = rec.expected_interval
    en.append(
        f"Expected defect rate {_pct(rec.expected_defect_rate)} (likely {_pct(lo)}–{_pct(hi)}) instead of "
        f"{_pct(rec.current_defect_rate)} now."
    )
    ko.append(
        f"예상 불량률 {_pct(rec.expected_defect_rate)} (범위 {_pct(lo)}–{_pct(hi)}), 현재 {_pct(rec.current_defect_rate)}."
    )
    said = observed_sentence(rec)
    if said:
        en.append(said["en"])
        ko.append(said["ko"])
    for c in sorted(rec.changed, key=lambda c: -abs(c.change) / max(c.observed_max - c.observed_min, 1e-12)):
        name_en, name_ko = labels.get(c.name, (c.name, c.name))
        verb_en = "Raise" if c.change > 0 else "Lower"
        verb_ko = "올리세요" if c.change > 0 else "내리세요"
        now, then = apart(c.current, c.recommended)
        unit = units.get(c.name, "")
        en.append(f"{verb_en} {name_en} from {now} to {then}{' ' + unit if unit else ''}.")
        ko.append(
            f"{particle(name_ko, '을/를')} {now}에서 {particle(then, '으로/로')} {verb_ko}"
            + (f" (단위 {unit})." if unit else ".")
        )
    if not rec.changed:
        en.append("Keep the current settings: the data shows no clearly better point.")
        ko.append("현재 설정을 유지하세요: 데이터에서 뚜렷이 더 나은 설정을 찾지 못했습니다.")
    if rec.extrapolation or rec.outside_trust_region:
        names_en = ", ".join(labels.get(p, (p, p))[0] for p in rec.extrapolation) or "the combination"
        names_ko = ", ".join(labels.get(p, (p, p))[1] for p in rec.extrapolation) or "설정 조합"
        if rec.outside_trust_region:
            en.append(
                f"Warning: {names_en} goes beyond the settings seen in the data; the model is extrapolating — try "
                "it on a few parts first."
            )
            ko.append(
                f"주의: {particle(names_ko, '이/가')} 데이터에 없는 범위입니다. 모델이 외삽하고 있으니 먼저 소량으로 시험하세요."
            )
        else:
            en.append(
                f"Note: {names_en} goes slightly past the settings seen in the data (within the trust margin); "
                "check the first parts."
            )
            ko.append(
                f"참고: {particle(names_ko, '이/가')} 데이터 범위를 약간(허용 여유 안에서) 벗어납니다. 첫 부품을 확인하세요."
            )
    return {"en": en, "ko": ko}


def parameter_lines(
    model: QualityModel,
    current: Mapping[str, float],
    limits: Limits,
    *,
    margin: float = 0.0,
    n_points: int = 128,
    confidence: float = 0.9,
) -> pd.DataFrame:
    """What moving one parameter alone from the current settings promises, per parameter: along its line (machine
    limits ∩ trust region, so where the data reaches) the point of least mean predicted rate, the members' mean
    paired effect there and its optimistic (1 − `confidence`) and cautious (`confidence`) quantiles, and the line's
    most optimistic effect anywhere. Sorted by that optimistic effect — the order in which an engineer would try
    the parameters when the goal is to learn where one change pays (optimism under uncertainty, Srinivas et al.
    2010). It makes no recommendation and applies no gate; `recommend` does.
    """
    params = model.parameters
    mach_lo = np.array([float(limits[p][0]) for p in params])
    mach_hi = np.array([float(limits[p][1]) for p in params])
    x_cur = np.clip(np.array([float(current[p]) for p in params]), mach_lo, mach_hi)
    region = TrustRegion.fit(model.observed, params, margin)
    lo = np.minimum(np.maximum(mach_lo, region.low), x_cur)
    hi = np.maximum(np.minimum(mach_hi, region.high), x_cur)
    p_cur = model.member_predictions(x_cur[None, :])[:, 0]
    rows = []
    for j, name in enumerate(params):
        if hi[j] <= lo[j]:
            continue
        line = np.repeat(x_cur[None, :], n_points, axis=0)
        line[:, j] = np.linspace(lo[j], hi[j], n_points)
        inside = region.excess(line) <= 1e-12
        if not inside.any():
            continue
        line = line[inside]
        D = model.member_predictions(line) - p_cur[:, None]
        mean = D.mean(axis=0)
        k = int(np.argmin(mean))
        rows.append(
            {
                "parameter": name,
                "current": float(x_cur[j]),
                "value": float(line[k, j]),
                "effect": float(mean[k]),
                "optimistic": float(np.quantile(D[:, k], 1.0 - confidence)),
                "cautious": float(np.quantile(D[:, k], confidence)),
                "line_optimistic": float(np.quantile(D, 1.0 - confidence, axis=0).min()),
            }
        )
    out = pd.DataFrame(
        rows, columns=["parameter", "current", "value", "effect", "optimistic", "cautious", "line_optimistic"]
    )
    return out.sort_values("line_optimistic", kind="stable").reset_index(drop=True)


def _pareto_pick(
    model: QualityModel,
    Cf: np.ndarray,
    Ff: np.ndarray,
    front: np.ndarray,
    x_base: np.ndarray,
    further: Callable[[np.ndarray], np.ndarray],
    confidence: float,
    resolution: np.ndarray,
) -> int | None:
    """The point of the Pareto front to recommend, or None (keep the current settings). Only points whose drop in
    defects holds up under the ensemble (the `confidence` quantile of the members' paired differences to the
    current point below zero) count — the test a single objective passes. Among them, those no worse than now on
    every further objective (asked to shorten the cycle, the advice must not lengthen it) come first, the fewest
    defects among them; else the least further objectives among those within 10 % (relative) of the lowest defect
    score, the trade said in words by the caller. A point within `resolution` of the current one in every setting
    is the controller's scatter, not a change, and never counts (picked, it was put back and the advice kept the
    settings while a real change held up)."""

    def holding(points: np.ndarray) -> np.ndarray:
        step = np.abs(Cf[points] - x_base)
        tiny = 1e-9 * np.maximum(
            1.0, np.abs(x_base)
        )  # a setting with no resolution moves when it moves at all
        points = points[((step >= resolution) & (step > tiny)).any(axis=1)]
        if not len(points):
            return points
        P = model.member_predictions(np.vstack([x_base[None, :], Cf[points]]))
        return points[np.quantile(P[:, 1:] - P[:, :1], confidence, axis=0) < 0.0]

    candidates = holding(front)
    if not len(candidates):
        # no point of the front holds up (its fewest-defect points can be the ensemble's least sure): any
        # searched point that does, as a single objective would choose — else asking for a shorter cycle too
        # could turn advice into "keep the settings"
        candidates = holding(np.arange(len(Cf)))
    if not len(candidates):
        return None
    now = further(x_base[None, :])[0]
    no_worse = candidates[(Ff[candidates, 1:] <= now[None, :] + 1e-12).all(axis=1)]
    if len(no_worse):
        return int(no_worse[np.argmin(Ff[no_worse, 0])])
    best = Ff[candidates, 0].min()
    ok = candidates[Ff[candidates, 0] <= best * 1.10 + 1e-9]
    return int(ok[np.lexsort(tuple(Ff[ok, k] for k in range(Ff.shape[1] - 1, 0, -1)))[0]])


def fixed_settings(
    fixed: Mapping[str, float] | Sequence[str],
    current: Mapping[str, float],
    params: Sequence[str],
    limits: Limits,
) -> dict[str, float]:
    """The parameters a person holds, with their values (a name alone holds the current value): each must be one
    of the model's parameters and a number within the machine's limits, else refused naming it."""
    values = dict(fixed) if isinstance(fixed, Mapping) else {p: current[p] for p in fixed}
    unknown = [p for p in values if p not in params]
    if unknown:
        raise InvalidInput(
            f"fixed parameters {unknown} are not among the model's parameters {list(params)}",
            f"고정할 변수 {unknown}이(가) 모델의 변수 {list(params)}에 없습니다",
            code="unknown_parameter",
        )
    for p, v in values.items():
        low, high = (float(x) for x in limits[p])
        if not low <= float(v) <= high:
            raise InvalidInput(
                f"fixed {p}={v} is outside the machine limits {low:g}–{high:g}",
                f"고정값 {particle(f'{p}={v}', '이/가')} 설비 한계 {low:g}–{high:g}를 벗어납니다",
                code="bad_setting",
                field=p,
            )
    return values


def recommend(
    model: QualityModel,
    current: Mapping[str, float],
    limits: Limits,
    *,
    fixed: Mapping[str, float] | Sequence[str] = (),
    objectives: Sequence[Objective] = (),
    margin: float = 0.0,
    allow_extrapolation: bool = False,
    max_changed: int | None = None,
    risk_aversion: float = 1.0,
    confidence: float = 0.9,
    n_candidates: int = 4096,
    n_trials: int = 120,
    labels: Mapping[str, tuple[str, str]] | None = None,
    resolution: Mapping[str, float] | None = None,
    near_observed: float | None = None,
    set_points: np.ndarray | None = None,
    near_set_points: float | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    units: Mapping[str, str] | None = None,
) -> Recommendation:
    """Set points that minimise the predicted defect rate (and, as further objectives, e.g. cycle time or energy).

    Search space: each parameter's machine limits (`limits`, hard), intersected — unless `allow_extrapolation` —
    with the trust region (`TrustRegion`, points outside it are infeasible); `fixed` parameters stay at the given
    (or current) value; `max_changed=1` changes one parameter only. The score to minimise is the ensemble mean plus
    `risk_aversion` × its standard deviation (a lower-confidence-bound rule guards against chasing model noise,
    Srinivas et al. 2010). With one parameter, each line is scored by the `confidence` quantile of the members'
    paired differences to the current point; the change chosen is the largest mean effect among those whose
    quantile is below zero (the effect holds up under the ensemble's uncertainty). A change is only recommended when that quantile is below zero and — where parts were
    made at the current settings — the expected rate beats their observed rate; otherwise nothing changes.
    `resolution` (parameter → smallest change that means anything, e.g. twice the scatter of the logged value
    around its set point) keeps a parameter at its current value when the search moves it by less: a model fitted
    to that scatter finds 'effects' in it that no controller can set. `near_observed` (e.g. 3) narrows the trust
    region to points whose k-NN distance to the observed settings is at most that many times the typical one
    (`TrustRegion.knn_typical`), and makes the observed settings candidates: with few distinct set points in many
    dimensions (production data plus a small trial) the ellipsoid holds wide corners no run ever visited.
    `set_points` (rows in the order of the model's parameters: the distinct set points the data was made at, e.g.
    `sandan.optimize.service.set_points`) with `near_set_points` (e.g. 0.5) measure that distance to the nearest set
    point instead, limited to that many times the set points' median nearest-neighbour spacing (both standardised as
    the trust region is), and make the set points the candidates: the parts' own k-NN distance is the controller's
    scatter within one set point, so a limit in its units leaves islands around each set point and the advice can
    only pick one of them; with at least 3 set points this replaces `near_observed`, which stays the rule otherwise.
    A scrambled Sobol sample (Owen 1998) seeds Optuna: TPE for one objective (Bergstra et al. 2011), NSGA-II for several (Deb et al., *IEEE TEVC* 6(2), 2002). From the Pareto front the
    recommendation is a point whose drop in defects holds up: the fewest defects among those no worse than now on
    the further objectives, else the least further objectives among those within 10 % (relative) of the lowest
    defect score (`_pareto_pick`). `progress`, when given, is called with the number of Optuna trials done so far.
    """
    params = model.parameters
    labels = dict(labels or {})
    missing = [p for p in params if p not in current or p not in limits]
    if missing:
        raise InvalidInput(
            f"current settings and machine limits are needed for every parameter; missing: {missing}",
            f"모든 공정 변수에 현재 설정과 설비 한계가 필요합니다. 없는 변수: {missing}",
            code="bad_setting",
        )
    fixed_values = fixed_settings(fixed, current, params, limits)
    mach_lo = np.array([float(limits[p][0]) for p in params])
    mach_hi = np.array([float(limits[p][1]) for p in params])
    x_real = np.array([float(current[p]) for p in params])
    x_cur = np.clip(x_real, mach_lo, mach_hi)
    region = TrustRegion.fit(model.observed, params, margin)
    if allow_extrapolation:
        lo, hi = mach_lo.copy(), mach_hi.copy()
    else:
        lo, hi = np.maximum(mach_lo, region.low), np.minimum(mach_hi, region.high)
        # a current setting outside the data stays reachable (no change is always allowed)
        lo, hi = np.minimum(lo, x_cur), np.maximum(hi, x_cur)
    free = np.array([p not in fixed_values for p in params])
    for p, v in fixed_values.items():
        j = params.index(p)
        lo[j] = hi[j] = v
    x_base = x_cur.copy()
    for p, v in fixed_values.items():
        x_base[params.index(p)] = v
    # the present as it is: a setting run outside the machine's recorded limits (4,800 rpm against 4,500) is
    # predicted and shown where it is, while every advice, "no change" included, lies within the limits
    beyond = free & (x_real != x_cur)
    x_now = np.where(beyond, x_real, x_base)

    def scores(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        P = model.member_predictions(X)
        return P.mean(axis=0) + risk_aversion * P.std(axis=0), P

    def further(X: np.ndarray) -> np.ndarray:
        if not objectives:
            return np.zeros((len(X), 0))
        frame = pd.DataFrame(X, columns=params)
        return np.column_stack([np.asarray(o.function(frame), dtype="float64") for o in objectives])

    penalty_scale = 1.0
    free_idx = np.flatnonzero(free & (hi > lo))
    if not 0.5 <= confidence < 1.0:
        raise InvalidInput(
            "confidence must be in [0.5, 1)", "confidence는 0.5 이상 1 미만이어야 합니다", code="bad_setting"
        )
    if max_changed is not None and max_changed < 1:
        raise InvalidInput("max_changed must be ≥ 1", "max_changed는 1 이상이어야 합니다", code="bad_setting")

    # distinct set points (≥ 3 of them): distances are measured to the nearest, in units of their median spacing
    S = None
    if set_points is not None and near_set_points is not None:
        S = np.asarray(set_points, dtype="float64").reshape(-1, len(params))
        S = S if len(S) >= 3 else None
    if S is not None:
        ZS = region._z(S)

        def set_point_distance(X: np.ndarray) -> np.ndarray:
            Z = region._z(X)
            return np.sqrt(((Z[:, None, :] - ZS[None, :, :]) ** 2).sum(axis=2)).min(axis=1)

        among = np.sqrt(((ZS[:, None, :] - ZS[None, :, :]) ** 2).sum(axis=2))
        np.fill_diagonal(among, np.inf)
        set_point_limit = max(near_set_points * float(np.median(among.min(axis=1))), 1e-12)

    def outside(X: np.ndarray) -> np.ndarray:
        """How far outside the trust region (0 inside); nothing is outside when extrapolation is allowed."""
        if allow_extrapolation:
            return np.zeros(len(np.atleast_2d(X)))
        out = region.excess(X)
        if S is not None:
            out = out + np.maximum(set_point_distance(X) / set_point_limit - 1.0, 0.0)
        elif near_observed is not None:
            limit = max(near_observed * region.knn_typical, 1e-12)
            out = out + np.maximum(region.knn_distance(X) / limit - 1.0, 0.0)
        return out

    # 1. candidates: the current point, and a Sobol sample of the box (or one-parameter lines)
    cands = [x_base[None, :]]
    if (near_observed is not None or S is not None) and max_changed != 1 and len(free_idx):
        if S is not None:
            seen = S.copy()
        else:
            seen = np.unique(model.observed[params].to_numpy(dtype="float64"), axis=0)
            seen = seen[np.random.default_rng(seed).permutation(len(seen))[:1024]]
        seen[:, ~free] = x_base[~free]
        cands.append(np.clip(seen, lo, hi))
    if max_changed == 1:
        for j in free_idx:
            line = np.repeat(x_base[None, :], 256, axis=0)
            line[:, j] = np.linspace(lo[j], hi[j], 256)
            cands.append(line)
    elif len(free_idx):
        m = int(2 ** math.ceil(math.log2(max(n_candidates, 2))))
        u = qmc.Sobol(d=len(free_idx), scramble=True, seed=seed).random(m)
        X = np.repeat(x_base[None, :], m, axis=0)
        X[:, free_idx] = lo[free_idx] + u * (hi[free_idx] - lo[free_idx])
        cands.append(X)
    C = np.vstack(cands)
    ex = outside(C)
    ex[0] = 0.0  # the current settings are always a feasible answer ("change nothing")
    s, P_c = scores(C)
    if max_changed == 1:
        # one parameter: the largest mean predicted effect among the changes whose improvement holds up under the
        # ensemble — the `confidence` quantile of the members' paired differences to the current point below zero
        D = P_c - P_c[:, :1]
        q = np.quantile(D, confidence, axis=0)
        s = np.where(q < 0.0, D.mean(axis=0), 1.0 + q)
        s[0] = 0.0
    F = np.column_stack([s + penalty_scale * ex, further(C)])
    trials_done = 0

    # 2. Optuna refines around the best candidates (not for the one-parameter search: it is a full line scan)
    if max_changed != 1 and len(free_idx) and n_trials > 0:
        names = [params[j] for j in free_idx]
        multi = bool(objectives)
        order = np.argsort(F[:, 0])[:8]

        def to_x(trial_params: Mapping[str, float]) -> np.ndarray:
            x = x_base.copy()
            for j, n in zip(free_idx, names, strict=True):
                x[j] = trial_params[n]
            return x

        def objective(trial: optuna.Trial):
            x = to_x({n: trial.suggest_float(n, lo[j], hi[j]) for j, n in zip(free_idx, names, strict=True)})
            e = float(outside(x[None, :])[0])
            trial.set_constraint("trust_region", e)
            sc, _ = scores(x[None, :])
            if multi:
                return (float(sc[0]), *further(x[None, :])[0].tolist())
            return float(sc[0]) + penalty_scale * e

        if multi:
            sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=24)
            study = optuna.create_study(directions=["minimize"] * (1 + len(objectives)), sampler=sampler)
        else:
            sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=10, multivariate=True)
            study = optuna.create_study(direction="minimize", sampler=sampler)
        for i in order:
            study.enqueue_trial(
                {n: float(np.clip(C[i, j], lo[j], hi[j])) for j, n in zip(free_idx, names, strict=True)}
            )
        callbacks = [] if progress is None else [lambda study, _trial: progress(len(study.trials))]
        study.optimize(objective, n_trials=n_trials, callbacks=callbacks)
        trials_done = len(study.trials)
        T = np.vstack([to_x(t.params) for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE])
        ex_t = outside(T)
        s_t, _ = scores(T)
        C = np.vstack([C, T])
        ex = np.concatenate([ex, ex_t])
        F = np.vstack([F, np.column_stack([s_t + penalty_scale * ex_t, further(T)])])

    # 3. Pareto front of the feasible points, and the pick
    feasible = ex <= 1e-12
    Cf, Ff = C[feasible], F[feasible]
    if objectives:
        front = _non_dominated(Ff)
    else:
        # the best score among the points whose improvement over the current one holds up under the ensemble
        # (`confidence` quantile of the members' paired differences below zero); the current point always does
        Pf = model.member_predictions(Cf)
        holds = np.quantile(Pf - Pf[:, :1], confidence, axis=0) < 0.0
        holds[0] = True
        front = np.array([int(np.argmin(np.where(holds, Ff[:, 0], np.inf)))])
    res = np.array([max(float((resolution or {}).get(p, 0.0)), 0.0) for p in params])
    pick = _pareto_pick(model, Cf, Ff, front, x_base, further, confidence, res) if objectives else front[0]
    if objectives and pick is not None and pick not in front:  # drawn with the front it was chosen beside
        front = np.append(front, pick)
    x_rec = np.clip(
        x_base if pick is None else Cf[pick], mach_lo, mach_hi
    )  # hard limits, whatever the search did
    if resolution:
        x_rec = np.where(np.abs(x_rec - x_base) < res, x_base, x_rec)
    # Do not recommend a change the ensemble cannot tell from the current point.
    P_cur, P_rec = (
        model.member_predictions(x_now[None, :])[:, 0],
        model.member_predictions(x_rec[None, :])[:, 0],
    )
    # ...nor one whose improvement is not significant: the members' paired differences must agree on a drop
    # (their `confidence` quantile below zero), else "keep the current settings" is the answer.
    not_better = P_rec.mean() + risk_aversion * P_rec.std() >= P_cur.mean() + risk_aversion * P_cur.std()
    not_sure = np.quantile(P_rec - P_cur, confidence) >= 0.0
    # ...nor one the model only believes because it misjudges the present: where parts were made at the current
    # settings, the expected rate at the recommendation must beat their observed rate.
    n_near, ng_near = model.observed_near(x_now)
    if n_near >= 30:
        not_sure = not_sure or P_rec.mean() >= ng_near / n_near
    if (not_better or not_sure) and (not objectives or pick is None):
        x_rec = x_base.copy()
        P_rec = P_cur
    diff = P_rec - P_cur

    observed_lo = np.quantile(model.observed[params].to_numpy(), 0.005, axis=0)
    observed_hi = np.quantile(model.observed[params].to_numpy(), 0.995, axis=0)
    extrap = [p for j, p in enumerate(params) if x_rec[j] < observed_lo[j] or x_rec[j] > observed_hi[j]]
    outside = bool(region.excess(x_rec[None, :])[0] > 1e-12)
    changes = [
        ParameterChange(
            p,
            float(x_now[j]) if beyond[j] else float(x_cur[j]),
            float(x_rec[j]),
            p in fixed_values,
            float(mach_lo[j]),
            float(mach_hi[j]),
            float(observed_lo[j]),
            float(observed_hi[j]),
            p in extrap,
        )
        for j, p in enumerate(params)
    ]
    obj_cur = further(x_now[None, :])[0] if objectives else []
    obj_rec = further(x_rec[None, :])[0] if objectives else []
    pareto = []
    if objectives:
        P_front = model.member_predictions(Cf[front])
        for k, i in enumerate(front):
            pareto.append(
                {
                    "defect_rate": float(P_front[:, k].mean()),
                    **{o.name: float(Ff[i, 1 + m]) for m, o in enumerate(objectives)},
                    "settings": {p: float(Cf[i, j]) for j, p in enumerate(params)},
                    # the point advised, where a change is advised: the gates or the resolution may keep the
                    # settings, and the chart then marks none (it marked a point the text did not advise)
                    "recommended": bool(pick is not None and i == pick and not np.array_equal(x_rec, x_base)),
                }
            )
        pareto.sort(key=lambda r: r["defect_rate"])
    rec = Recommendation(
        parameters=changes,
        current={p: float(x_now[j]) if beyond[j] else float(x_cur[j]) for j, p in enumerate(params)},
        recommended={p: float(x_rec[j]) for j, p in enumerate(params)},
        current_defect_rate=float(P_cur.mean()),
        current_interval=(float(np.quantile(P_cur, 0.1)), float(np.quantile(P_cur, 0.9))),
        expected_defect_rate=float(P_rec.mean()),
        expected_interval=(float(np.quantile(P_rec, 0.1)), float(np.quantile(P_rec, 0.9))),
        effect_interval=(float(np.quantile(diff, 0.1)), float(np.quantile(diff, 0.9))),
        objectives=[o.name for o in objectives],
        current_objectives={o.name: float(v) for o, v in zip(objectives, obj_cur, strict=True)},
        expected_objectives={o.name: float(v) for o, v in zip(objectives, obj_rec, strict=True)},
        pareto=pareto,
        extrapolation=extrap,
        outside_trust_region=outside,
        knn_distance=float(region.knn_distance(x_rec[None, :])[0]),
        knn_typical=region.knn_typical,
        n_trials=trials_done,
        observed_parts=n_near,
        observed_defective=ng_near,
    )
    rec.units = dict(units or {})
    rec.text = _text(rec, labels, units)
    for j in np.flatnonzero(beyond):
        name, unit = params[j], (units or {}).get(params[j], "")
        now, low, high = (
            plain(float(v), 4) + (f" {unit}" if unit else "") for v in (x_real[j], mach_lo[j], mach_hi[j])
        )
        name_en, name_ko = labels.get(name, (name, name))
        rec.text["en"].insert(
            0,
            f"{name_en[:1].upper()}{name_en[1:]} is now {now}, outside the machine's recorded limits {low} to "
            f"{high}: the advice stays within them. If the limits are wrong, correct them in the machine's settings.",
        )
        rec.text["ko"].insert(
            0,
            f"{name_ko}의 현재 값 {now}은(는) 설비에 기록된 한계({low}~{high}) 밖입니다. 권장은 한계 안에서만 "
            "합니다. 한계가 틀렸다면 설비 설정에서 고치세요.",
        )
    for o in objectives:  # a further objective is said with its figures, now and at the recommendation
        now, then = apart(rec.current_objectives[o.name], rec.expected_objectives[o.name])
        unit = f" {o.unit}" if o.unit else ""
        rec.text["en"].append(
            f"{o.label_en[:1].upper()}{o.label_en[1:]}: {now}{unit} now, {then}{unit} at these settings."
        )
        rec.text["ko"].append(f"{o.label_ko}: 현재 {now}{unit}, 권장 설정에서 {then}{unit}.")
        if rec.expected_objectives[o.name] > rec.current_objectives[o.name] and pareto:
            # asked to shorten it, the advice lengthens it: fewer defects cost that; the chart has the other trades
            rec.text["en"].append(
                f"These settings trade a higher {o.label_en} for fewer defects; the points of the chart below "
                f"trade differently (each point shows its defect rate and {o.label_en})."
            )
            rec.text["ko"].append(
                f"이 설정은 불량을 줄이는 대신 {o.label_ko}이(가) 늘어납니다. 아래 그래프의 다른 점은 달리 절충합니다"
                f"(점마다 불량률과 {o.label_ko}이(가) 보입니다)."
            )
    rec.labels = {name: {"en": en, "ko": ko} for name, (en, ko) in labels.items()}
    return rec
