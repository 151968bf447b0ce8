"""Feature building: the fitted feature space of a task (numbers, categories, derived pairs) and time-series features.

Everything is computed over whole columns; time-series features look only backwards, so they are valid on a stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

QUANTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)
_UNIT = re.compile(r"^(.*?)\s*\[(.+?)\]\s*$")
MAX_CATEGORIES = 50
MAX_PAIR_PARENTS = 12
MAX_PAIRS = 8
PAIR_CELLS = 1_000_000


def name_unit(name: str) -> tuple[str, str]:
    """'Torque [Nm]' → ('Torque', 'Nm'); a name without a bracketed unit keeps an empty unit."""
    m = _UNIT.match(name)
    return (m.group(1), m.group(2)) if m else (name, "")


# Units as sandan's own column names end ("blank_holder_force_kn", "feed_mm_rev", "lubricant_g_m2"), longest first.
_SUFFIX_UNITS = sorted(
    (
        "mm_s", "mm_rev", "mm_min", "m_min", "g_m2", "per_min", "l_min", "kwh", "kw", "kn", "mpa", "bar", "rpm",
        "nm", "mm", "um", "pct", "ms", "hz", "kg", "c", "s",
    ),
    key=len,
    reverse=True,
)  # fmt: skip


def quantity_unit(name: str) -> str:
    """The unit a column's name states: bracketed ('Torque [Nm]' → 'Nm') or, in snake case, its last words
    ('blank_holder_force_kn' → 'kn', 'strokes_per_min' → 'per_min'); '' when it states none."""
    unit = name_unit(name)[1]
    if unit:
        return unit
    low = name.lower()
    return next((u for u in _SUFFIX_UNITS if low.endswith("_" + u)), "")


def _same_quantity(a: pd.Series, b: pd.Series, name_a: str, name_b: str) -> bool:
    """A difference only means something between like quantities: the same unit (a stroke rate less a force is
    no quantity an engineer can act on, however their values overlap), or, where neither name states a unit,
    overlapping value ranges."""
    ua, ub = quantity_unit(name_a), quantity_unit(name_b)
    if ua or ub:
        return ua == ub
    qa, qb = a.quantile([0.05, 0.95]).to_numpy(), b.quantile([0.05, 0.95]).to_numpy()
    return bool(qa[0] <= qb[1] and qb[0] <= qa[1])


@dataclass
class Derived:
    """A feature made from two numeric columns: their product or their difference."""

    op: str  # "mul" | "sub"
    left: str
    right: str

    @property
    def name(self) -> str:
        (a, ua), (b, ub) = name_unit(self.left), name_unit(self.right)
        if self.op == "sub":
            return f"{a} − {b} [{ua}]" if ua and ua == ub else f"{self.left} − {self.right}"
        unit = "·".join(u for u in (ua, ub) if u)
        return f"{a} × {b} [{unit}]" if unit else f"{a} × {b}"

    def compute(self, frame: pd.DataFrame) -> np.ndarray:
        a = pd.to_numeric(frame[self.left], errors="coerce").to_numpy(float)
        b = pd.to_numeric(frame[self.right], errors="coerce").to_numpy(float)
        return a * b if self.op == "mul" else a - b


def _split_gain(x: np.ndarray, y: np.ndarray, classification: bool, seed: int) -> float:
    """Share of the target's impurity a depth-3 tree on this one feature removes (on the data it is fitted on)."""
    ok = np.isfinite(x)
    if ok.sum() < 10:
        return 0.0
    leaf = max(5, int(0.005 * ok.sum()))
    tree = (
        DecisionTreeClassifier(max_depth=3, min_samples_leaf=leaf, random_state=seed)
        if classification
        else DecisionTreeRegressor(max_depth=3, min_samples_leaf=leaf, random_state=seed)
    )
    tree.fit(x[ok].reshape(-1, 1), y[ok])
    t = tree.tree_
    leaves = t.children_left == -1
    root = t.impurity[0]
    if root <= 0:
        return 0.0
    after = (t.impurity[leaves] * t.weighted_n_node_samples[leaves]).sum() / t.weighted_n_node_samples[0]
    return float(1 - after / root)


def _numbers(values: pd.Series, column: str) -> np.ndarray:
    """A numeric feature's values as numbers; a value that is not one ("1,5", "abc") is refused naming it, where
    it became a missing value and still got a prediction. Empty cells stay missing."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        from sandan.domain import InvalidInput

        first = values[bad].iloc[0]
        raise InvalidInput(
            f"column '{column}' holds {int(bad.sum())} value(s) that are not numbers, e.g. {first!r}; write numbers "
            "with a point for decimals (1.5, not 1,5) or leave the cell empty",
            f"'{column}' 열에 숫자가 아닌 값이 {int(bad.sum())}개 있습니다 (예: {first!r}). 소수점은 점으로 쓰거나"
            "(1,5가 아니라 1.5) 칸을 비워 두세요",
            code="bad_number",
            column=column,
        )
    return numbers.to_numpy(float)


@dataclass
class FeatureSpace:
    """The fitted translation from a user's table to the model matrix.

    Numbers pass through; text columns become category codes (rare or unseen values → missing); up to
    `MAX_PAIRS` products and differences of numeric columns are added when a shallow tree on the pair separates
    the target better than a tree on either parent — chosen on the training rows only, so inside each CV fold.
    """

    numeric: list[str] = field(default_factory=list)
    categorical: dict[str, list[str]] = field(default_factory=dict)
    derived: list[Derived] = field(default_factory=list)
    quantiles: dict[str, list[float]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [*self.numeric, *self.categorical, *(d.name for d in self.derived)]

    @property
    def categorical_index(self) -> list[int]:
        return [len(self.numeric) + i for i in range(len(self.categorical))]

    def fit(
        self,
        frame: pd.DataFrame,
        columns: list[str],
        y: np.ndarray | None,
        *,
        classification: bool,
        generate_pairs: bool = True,
        seed: int = 0,
        deadline: float | None = None,
    ) -> FeatureSpace:
        """Learn the feature space from the training rows; with `deadline` (a `time.perf_counter()` value) the
        ranking model of the derived pairs stops boosting at that time and ranks with the rounds it made."""
        self.numeric, self.categorical, self.derived = [], {}, []
        for col in columns:
            s = frame[col]
            if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
                self.numeric.append(col)
            else:
                counts = s.astype("object").dropna().astype(str).value_counts()
                self.categorical[col] = [str(v) for v in counts.index[:MAX_CATEGORIES]]
        if generate_pairs and y is not None and len(self.numeric) >= 2:
            self.derived = self._choose_pairs(frame, y, classification, seed, deadline)
        matrix = self.transform(frame)
        for j, name in enumerate(self.names):
            if j in self.categorical_index:
                continue
            v = matrix[:, j]
            v = v[np.isfinite(v)]
            if len(v):
                self.quantiles[name] = [float(q) for q in np.percentile(v, QUANTILES)]
        return self

    def _choose_pairs(
        self,
        frame: pd.DataFrame,
        y: np.ndarray,
        classification: bool,
        seed: int,
        deadline: float | None = None,
    ) -> list[Derived]:
        """Candidates: products of numeric columns and differences of like quantities. A quick LightGBM on the
        training rows with the columns and all candidates ranks them by split gain; a candidate is kept when it
        earns at least half the gain of an average original column."""
        import lightgbm as lgb

        rng = np.random.default_rng(seed)
        idx = np.arange(len(frame))
        # A sample of rows for the quick ranking model; fewer on wide tables, whose cost grows with the cells.
        n_rows = max(2000, min(6000, PAIR_CELLS // max(len(self.numeric), 1)))
        if len(idx) > n_rows:
            idx = np.sort(rng.choice(idx, n_rows, replace=False))
        sub = frame.iloc[idx]
        ys = np.asarray(y)[idx]
        # Only columns with enough distinct values to carry a physical quantity take part.
        parents = [c for c in self.numeric if sub[c].nunique() > 2]
        if len(parents) > MAX_PAIR_PARENTS:
            single = {
                c: _split_gain(pd.to_numeric(sub[c]).to_numpy(float), ys, classification, seed)
                for c in parents
            }
            parents = sorted(parents, key=lambda c: -single[c])[:MAX_PAIR_PARENTS]
        candidates = []
        for a, b in combinations(parents, 2):
            candidates.append(Derived("mul", a, b))
            if _same_quantity(sub[a], sub[b], a, b):
                candidates.append(Derived("sub", a, b))
        if not candidates:
            return []
        base = np.column_stack([pd.to_numeric(sub[c], errors="coerce").to_numpy(float) for c in self.numeric])
        extra = np.column_stack([d.compute(sub) for d in candidates])
        n_classes = len(np.unique(ys)) if classification else 0
        params = {
            "objective": "regression" if not classification else "binary" if n_classes <= 2 else "multiclass",
            "learning_rate": 0.1,
            "num_leaves": 15,
            "min_child_samples": 10,
            "verbosity": -1,
            "num_threads": 1,
            "seed": seed,
            "deterministic": True,
            "force_col_wise": True,
        }
        if params["objective"] == "multiclass":
            params["num_class"] = n_classes
        from sandan.learn.automl import TimeCap

        callbacks = [] if deadline is None else [TimeCap(deadline)]
        data = lgb.Dataset(np.hstack([base, extra]), ys)
        booster = lgb.train(params, data, num_boost_round=100, callbacks=callbacks)
        gain = booster.feature_importance(importance_type="gain")
        original, derived = gain[: base.shape[1]], gain[base.shape[1] :]
        bar = 0.5 * original.mean()
        ranked = sorted(zip(derived, range(len(candidates)), strict=True), reverse=True)
        return [candidates[i] for g, i in ranked[:MAX_PAIRS] if g > 0 and g >= bar]

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        missing = [c for c in [*self.numeric, *self.categorical] if c not in frame.columns]
        if missing:
            from sandan.domain import InvalidInput

            raise InvalidInput(
                f"the table lacks column(s) the model was trained on: {', '.join(missing)}",
                f"모델 학습에 쓴 열이 표에 없습니다: {', '.join(missing)}",
                code="missing_feature",
                column=", ".join(missing),
            )
        cols: list[np.ndarray] = [_numbers(frame[c], c) for c in self.numeric]
        for col, cats in self.categorical.items():
            lookup = {v: i for i, v in enumerate(cats)}
            codes = (
                frame[col]
                .astype("object")
                .map(lambda v, lk=lookup: lk.get(str(v), np.nan) if v is not None else np.nan)
            )
            cols.append(codes.to_numpy(float))
        cols += [d.compute(frame) for d in self.derived]
        if not cols:
            return np.empty((len(frame), 0))
        return np.column_stack(cols)

    def to_dict(self) -> dict[str, Any]:
        return {
            "numeric": self.numeric,
            "categorical": self.categorical,
            "derived": [{"op": d.op, "left": d.left, "right": d.right} for d in self.derived],
            "quantiles": self.quantiles,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpace:
        return cls(
            numeric=list(data["numeric"]),
            categorical={k: list(v) for k, v in data["categorical"].items()},
            derived=[Derived(**d) for d in data["derived"]],
            quantiles={k: list(v) for k, v in data["quantiles"].items()},
        )


# ---- time series ------------------------------------------------------------------------------------------


def rolling_features(
    frame: pd.DataFrame,
    unit: str,
    order: str,
    columns: list[str],
    windows: tuple[int, ...] = (5, 10, 20, 30),
    baseline: int = 10,
    *,
    slopes: tuple[int, ...] | None = (10, 30, 60, 0),
    ewm_alphas: tuple[float, ...] = (0.1, 0.03),
) -> pd.DataFrame:
    """Backward-looking features per unit (engine, machine, tool) at each row, rows ordered by `order`:

    rolling mean and standard deviation over each window; least-squares slopes (degradation trends) over each of
    `slopes` rows — 0 means the unit's whole history so far, None the longest window only; an exponentially
    weighted mean for each of `ewm_alphas` (a fast and a slow one); the deviation of the first from the unit's own first
    `baseline` rows (units start with different wear, and a unit's first rows are known when it is scored); and
    the row's age within its unit. Only past rows are used, so the features are valid on a stream.
    """
    data = frame.sort_values([unit, order], kind="stable")
    g = data.groupby(unit, sort=False)
    out: dict[str, np.ndarray | pd.Series] = {}
    age = g.cumcount().to_numpy(float)
    out["age"] = age
    values = data[columns].astype(float)
    for w in windows:
        roll = g[columns].rolling(w, min_periods=1)
        mean = roll.mean().reset_index(level=0, drop=True).loc[data.index]
        std = roll.std().reset_index(level=0, drop=True).loc[data.index]
        for c in columns:
            out[f"{c} mean{w}"] = mean[c].to_numpy()
            out[f"{c} std{w}"] = std[c].to_numpy()
    # Slope = cov(t, x) / var(t) over the window, from rolling (or expanding) moments: no Python loop over rows.
    t = pd.Series(age, index=data.index)
    tx = values.mul(t, axis=0)
    helper = pd.concat([values, tx.add_suffix(" ·t"), t.rename("__t"), (t * t).rename("__tt")], axis=1)
    helper[unit] = data[unit]
    hg = helper.groupby(unit, sort=False)
    for w in slopes if slopes is not None else (max(windows),):
        moving = hg.expanding(min_periods=2) if w == 0 else hg.rolling(w, min_periods=2)
        rm = moving.mean().reset_index(level=0, drop=True).loc[data.index]
        var_t = (rm["__tt"] - rm["__t"] ** 2).to_numpy()
        label = "slope" if w == 0 else f"slope{w}"
        with np.errstate(invalid="ignore", divide="ignore"):
            for c in columns:
                cov = rm[f"{c} ·t"].to_numpy() - rm["__t"].to_numpy() * rm[c].to_numpy()
                out[f"{c} {label}"] = np.where(var_t > 1e-12, cov / var_t, np.nan)
    first = g[columns].transform(lambda s: s.iloc[:baseline].expanding().mean().reindex(s.index).ffill())
    for i, alpha in enumerate(ewm_alphas):
        ewm = g[columns].transform(lambda s, a=alpha: s.ewm(alpha=a).mean())
        suffix = "ewm" if i == 0 else f"ewm{alpha:g}"
        for c in columns:
            out[f"{c} {suffix}"] = ewm[c].to_numpy()
            if i == 0:
                out[f"{c} since start"] = (ewm[c] - first[c]).to_numpy()
    result = pd.DataFrame(out, index=data.index)
    return result.loc[frame.index]


def window_aggregates(
    frame: pd.DataFrame,
    by: list[str],
    columns: list[str],
    stats: tuple[str, ...] = ("mean", "std", "min", "max", "median"),
) -> pd.DataFrame:
    """One row per group of `by` (a cycle, a window, a unit) with summary statistics of each column."""
    agg = frame.groupby(by, sort=True)[columns].agg(list(stats))
    agg.columns = [f"{c} {s}" for c, s in agg.columns]
    agg["rows"] = frame.groupby(by, sort=True).size()
    return agg.reset_index()


def fixed_windows(frame: pd.DataFrame, unit: str, size: int) -> pd.Series:
    """Window number of each row: consecutive blocks of `size` rows within each unit."""
    return frame.groupby(unit, sort=False).cumcount() // size
