"""A company's side of a federation: its own rows stay here; it answers tasks with model updates and aggregates.

The client builds its model matrix with the federation's declared feature space (`FeatureSpace`, the same
translation local models use), screens the declared columns with the leakage guard on its own data, and keeps a
validation part of its rows (stratified) that training never sees, for early stopping and the decision threshold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from sandan.domain import InvalidInput
from sandan.learn.automl import LinearModel
from sandan.learn.features import Derived, FeatureSpace
from sandan.learn.federated import privacy, secagg
from sandan.learn.federated.protocol import Payload
from sandan.learn.federated.trees import TREE_ARRAYS, TreePack, checked_arrays, pack_booster
from sandan.learn.guard import check_requested, screen_columns
from sandan.learn.splits import stratified_group_splits, stratified_splits

THRESHOLDS = np.round(np.arange(0.01, 1.0, 0.01), 2)  # the grid validation counts are reported on
MIN_ROWS = 20
FINE_TUNE_TREES = 40  # at most this many local trees a company boosts on top of the federated model
FINE_TUNE_BLENDS = (1.0, 0.5)  # weights of the federated trees a company's fine-tune tries
FINE_TUNE_LEVEL = 0.95  # its validation gain must clear a one-sided test at this level (`_clear_gain`)


def require_enough(company: str, rows: int, positives: int, positive: str) -> None:
    """A member takes part with at least MIN_ROWS labelled rows, two of them of the positive class."""
    if rows < MIN_ROWS or positives < 2:
        raise InvalidInput(
            f"{company}: {rows} rows with {positives} '{positive}' — too few to take part",
            f"{company}: 행 {rows}개, '{positive}' {positives}개 — 참여하기에 너무 적습니다",
            code="too_few_rows",
        )


@dataclass
class Schema:
    """What a federation learns: the target, its positive class and the declared features (no data), plus the
    products/differences of numeric columns the federation chose by vote (`derived`: [op, left, right])."""

    target: str
    positive: str
    numeric: list[str]
    categorical: dict[str, list[str]] = field(default_factory=dict)
    derived: list[list[str]] = field(default_factory=list)

    @property
    def features(self) -> list[str]:
        """The declared columns a company's data must have."""
        return [*self.numeric, *self.categorical]

    @property
    def n_inputs(self) -> int:
        """Columns of the model matrix: the declared features, then the derived ones."""
        return len(self.features) + len(self.derived)

    def space(self) -> FeatureSpace:
        return FeatureSpace(
            numeric=list(self.numeric),
            categorical={k: list(v) for k, v in self.categorical.items()},
            derived=[Derived(*d) for d in self.derived],
        )

    def with_derived(self, derived: list[list[str]]) -> Schema:
        return Schema(self.target, self.positive, list(self.numeric), dict(self.categorical), derived)

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        return self.space().transform(frame)

    def labels(self, frame: pd.DataFrame) -> np.ndarray:
        return (frame[self.target].astype(str).to_numpy() == str(self.positive)).astype(int)

    @property
    def cat_index(self) -> list[int]:
        return self.space().categorical_index

    @property
    def n_levels(self) -> list[int]:
        return [len(v) for v in self.categorical.values()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "positive": self.positive,
            "numeric": self.numeric,
            "categorical": self.categorical,
            "derived": self.derived,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Schema:
        return cls(
            d["target"],
            str(d["positive"]),
            list(d["numeric"]),
            {k: list(v) for k, v in d.get("categorical", {}).items()},
            [list(x) for x in d.get("derived", [])],
        )


def candidate_pairs(schema: Schema) -> list[list[str]]:
    """Every product and difference of two declared numeric columns, in a fixed order both sides know: a
    company's vote on derived features is one number per candidate."""
    out = []
    for i, a in enumerate(schema.numeric):
        for b in schema.numeric[i + 1 :]:
            out += [["mul", a, b], ["sub", a, b]]
    return out


def derived_of(config: dict[str, Any]) -> list[list[str]]:
    """The derived features a request names (config `derived`: JSON list of [op, left, right])."""
    import json

    raw = config.get("derived", "")
    return [list(map(str, d)) for d in json.loads(raw)] if raw else []


GRID_ARRAYS = ("grid_centre", "grid_step")  # the federation's value grid (see `on_grid`)


def on_grid(X: np.ndarray, grid: dict[str, np.ndarray]) -> np.ndarray:
    """Each column's values moved to the nearest point of the federation's grid `centre + k × step` (columns with
    step 0 — categories — as they are). LightGBM splits half-way between neighbouring values, so a shipped
    threshold lies on the federation's grid at half its step, never at one of the company's own values; and its own
    rows lie on the same side of its thresholds as their grid points, so it scores raw rows (as everyone does)."""
    if not grid:
        return X
    centre = np.asarray(grid["grid_centre"], float).reshape(-1)
    step = np.asarray(grid["grid_step"], float).reshape(-1)
    if centre.shape != (X.shape[1],) or step.shape != (X.shape[1],):
        raise ValueError(f"value grid for {len(centre)} columns, the model matrix has {X.shape[1]}")
    on = step > 0
    out = X.copy()
    out[:, on] = centre[on] + np.round((X[:, on] - centre[on]) / step[on]) * step[on]
    return out


def linear_design(schema: Schema, X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The logistic model's inputs (standardised numbers, one-hot categories — `LinearModel.design`) plus a 1."""
    Z, _ = LinearModel.design(X, schema.cat_index, schema.n_levels, mean, scale)
    return np.hstack([Z, np.ones((len(Z), 1))])


def model_raw(
    schema: Schema, X: np.ndarray, arrays: dict[str, np.ndarray], cache: dict[str, Any] | None = None
) -> np.ndarray:
    """Raw score of a global model sent as arrays: a tree package plus `base`, or `w`, `mean`, `scale`.

    With a `cache` (one per row set), trees already scored in an earlier round are not walked again."""
    if "w" in arrays:
        return linear_design(schema, X, arrays["mean"], arrays["scale"]) @ arrays["w"]
    pack = TreePack(checked_arrays({k: v for k, v in arrays.items() if k != "base"}, X.shape[1]))
    base = float(np.asarray(arrays.get("base", 0.0)).reshape(-1)[0])
    if cache is None:
        return base + pack.raw(X)
    seen: TreePack | None = cache.get("pack")
    if seen is not None and seen.prefix_of(pack):
        raw = cache["raw"] + pack.raw(X, seen.n_trees)
    else:
        raw = pack.raw(X)
    cache["pack"], cache["raw"] = pack, raw
    return base + raw


def _split(
    y: np.ndarray, frame: pd.DataFrame, groups: str | None, k: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """One stratified 1-in-`k` part of the rows; with `groups`, whole groups of that column (batches, lots) only, so
    a part never shares a batch with the rows it judges — unless the company has a single group."""
    if groups is not None and frame[groups].nunique(dropna=False) >= 2:
        return stratified_group_splits(y, frame[groups].astype(str).to_numpy(), k, seed)[0][0]
    return stratified_splits(y, k, seed)[0][0]


EXHAUSTIVE_GROUPS = 16  # up to this many groups every set of them is weighed; beyond, random orders' prefixes
GROUP_ORDERS = 256
SHARE_SLACK = 0.01  # sets this close to the best share (1 percentage point) compete on their positive rate


def held_out_groups(y: np.ndarray, groups: np.ndarray, share: float, seed: int = 0) -> np.ndarray | None:
    """Rows (a boolean mask) of the whole groups (lots) to hold out: the set whose rows come nearest `share` of
    all rows, among the sets whose rest still holds MIN_ROWS rows with two positives and a negative; one holding
    both classes itself comes first; among the sets within `SHARE_SLACK` of the nearest share, the one whose
    positive rate is nearest the whole's (stratification as far as whole groups allow). None when no such set
    holds between half and twice `share` of the rows (then single rows are held out, stratified).
    `StratifiedGroupKFold`'s 1-in-k fold is no such set: with three lots of 14,235, 1,827 and 255 parts, its fold
    is one lot, 87 % of the rows in the worst case. Every set is weighed up to `EXHAUSTIVE_GROUPS` groups;
    beyond, the prefixes of `GROUP_ORDERS` random orders (seeded)."""
    y = np.asarray(y, float)
    _, inverse = np.unique(np.asarray(groups), return_inverse=True)
    size = np.bincount(inverse).astype(float)
    positives = np.bincount(inverse, weights=y)
    n, g = float(len(y)), len(size)
    if g < 2:
        return None
    if g <= EXHAUSTIVE_GROUPS:
        sets = (np.arange(1, 2**g - 1)[:, None] >> np.arange(g)[None, :]) & 1 == 1
    else:
        rng = np.random.default_rng(seed)
        orders = np.stack([rng.permutation(g) for _ in range(GROUP_ORDERS)])
        # the prefix of each order whose rows come nearest the share, and the one before it
        rows = np.cumsum(size[orders], axis=1)
        at = np.clip(np.argmin(np.abs(rows - share * n), axis=1), 1, g - 2)
        sets = np.zeros((2 * GROUP_ORDERS, g), bool)
        for i, (order, k) in enumerate(zip(orders, at, strict=True)):
            sets[2 * i, order[: k + 1]] = True
            sets[2 * i + 1, order[:k]] = True
    rows, pos = sets @ size, sets @ positives
    rest, rest_pos = n - rows, positives.sum() - pos
    usable = (rest >= MIN_ROWS) & (rest_pos >= 2) & (rest - rest_pos >= 1)
    usable &= (rows >= share / 2 * n) & (rows <= 2 * share * n)
    if not usable.any():
        return None
    both = usable & (pos >= 1) & (rows - pos >= 1)
    pool = both if both.any() else usable
    gap = np.abs(rows / n - share)
    near = pool & (gap <= gap[pool].min() + SHARE_SLACK)
    rate_gap = np.abs(pos / np.maximum(rows, 1.0) - positives.sum() / n)
    chosen = np.flatnonzero(near)[np.lexsort((gap[near], rate_gap[near]))[0]]
    return sets[chosen][inverse]


class CompanyClient:
    """Answers the server's tasks from one company's rows. `delay_s` makes it slow (tests, demos). `groups` names a
    column whose rows belong together (a production batch, a material lot): the validation and held-out parts then
    take whole groups, as the company's future parts will come from batches its model has not seen."""

    def __init__(
        self,
        company: str,
        frame: pd.DataFrame,
        schema: Schema,
        *,
        validation: float = 0.2,
        holdout: float = 0.0,
        seed: int = 0,
        groups: str | None = None,
    ) -> None:
        missing = [
            c
            for c in [*schema.features, schema.target, *([groups] if groups else [])]
            if c not in frame.columns
        ]
        if missing:
            raise InvalidInput(
                f"{company}: the data lack the federation's column(s) {', '.join(missing)}",
                f"{company}: 데이터에 연합 학습 열이 없습니다: {', '.join(missing)}",
                code="missing_feature",
            )
        frame = frame[frame[schema.target].notna()].reset_index(drop=True)
        # The leakage guard runs here, on the company's own rows: a declared feature it refuses is refused. One
        # this company never varied is no leak: its rows still count where the other members' values differ.
        _, refused = screen_columns(
            frame[schema.features], frame[schema.target].astype(str), task="classification"
        )
        check_requested(schema.features, [r for r in refused if r.kind != "constant"])
        y = schema.labels(frame)
        # `holdout` > 0 (real mode): a part kept out of all training, on which the company compares the federated
        # model with its own local one after the run (the `evaluate` task): with `groups`, the whole groups whose
        # rows come nearest that share (`held_out_groups`), else (or when no set of them comes near) stratified rows
        self.rows = len(frame)
        self._test_rows = frame.iloc[:0]
        self.groups_held_out = 0  # groups held out whole; 0: single rows (or nothing) held out
        if holdout > 0 and len(frame) >= 2 * MIN_ROWS and y.sum() >= 4:
            labels = frame[groups].astype(str).to_numpy() if groups is not None else None
            test = held_out_groups(y, labels, holdout, seed + 1) if labels is not None else None
            if test is not None:
                keep, self.groups_held_out = ~test, len(set(labels[test]))
            else:
                keep, test = _split(y, frame, None, max(2, int(round(1 / holdout))), seed + 1)
            self._test_rows = frame.iloc[test].reset_index(drop=True)
            frame, y = frame.iloc[keep].reset_index(drop=True), y[keep]
        require_enough(company, len(frame), int(y.sum()), schema.positive)
        k = max(2, int(round(1 / validation)))
        fit, val = _split(y, frame, groups, k, seed)
        self.company, self.schema, self.seed = company, schema, seed
        self._fit_rows, self._val_rows = frame.iloc[fit], frame.iloc[val]
        # the units the fine-tune's gain test counts: the validation part's groups, or its rows
        self._val_units = frame[groups].astype(str).to_numpy()[val] if groups else np.arange(len(val))
        self.y_fit, self.y_val = y[fit], y[val]
        # how much its validation counts are worth per part when its parts come in correlated groups
        self.count_weight = design_weight(self.y_val, self._val_units) if groups else 1.0
        self.delay_s = 0.0
        self._tree_params: dict[str, Any] | None = None  # the federation's tree settings (last "trees" task)
        self._validated: dict[str, np.ndarray] | None = None  # the last tree model validated: the chosen one
        self.local_trees = 0  # trees the last fine-tune added
        self.blend = 1.0  # the weight the last fine-tune gave the federated trees
        self._pairs_found: list[list[str]] | None = None
        self._use(schema.derived)

    @property
    def held_out(self) -> int:
        """Rows kept out of all training (`holdout`), for the comparison after a real-mode run."""
        return len(self._test_rows)

    @property
    def held_out_share(self) -> float:
        """The share of its labelled rows kept out of all training."""
        return self.held_out / self.rows if self.rows else 0.0

    def _use(self, derived: list[list[str]]) -> None:
        """Build the model matrices with these derived features (the ones the server's request names)."""
        unknown = [
            d for d in derived if d[0] not in ("mul", "sub") or not set(d[1:]) <= set(self.schema.numeric)
        ]
        if unknown:
            raise ValueError(
                f"derived features {unknown} are not products or differences of declared columns"
            )
        self.schema = self.schema.with_derived(derived)
        self.X_fit, self.X_val = self.schema.matrix(self._fit_rows), self.schema.matrix(self._val_rows)
        self._cache: dict[str, dict[str, Any]] = {"fit": {}, "val": {}, "all": {}}

    # ---- tasks ------------------------------------------------------------------------------------------
    def handle(self, task: str, request: Payload) -> Payload:
        if self.delay_s:
            time.sleep(self.delay_s)
        if task != "pairs" and derived_of(request.config) != self.schema.derived:
            self._use(derived_of(request.config))
        handler = {
            "pairs": self._pairs,
            "size": self._size,
            "moments": self._moments,
            "trees": self._trees,
            "linear": self._linear,
            "validate": self._validate,
            "sketch": self._sketch,
            "hist": self._hist,
            "evaluate": self._evaluate,
            "secagg": lambda r: secagg.answer(self, r),
        }.get(task)
        if handler is None:
            raise ValueError(f"unknown task {task!r}")
        return handler(request)

    def _pairs(self, request: Payload) -> Payload:
        """A vote (1 or 0 per candidate) for the products/differences sandan's own feature search keeps on this
        company's training rows — the same search its local model runs."""
        chosen = {tuple(d) for d in self._own_pairs()}
        base = Schema(self.schema.target, self.schema.positive, self.schema.numeric, self.schema.categorical)
        return Payload({"votes": np.array([float(tuple(c) in chosen) for c in candidate_pairs(base)])})

    def _own_pairs(self) -> list[list[str]]:
        """The products/differences sandan's feature search keeps on this company's training rows."""
        if self._pairs_found is None:
            base = Schema(
                self.schema.target, self.schema.positive, self.schema.numeric, self.schema.categorical
            )
            space = FeatureSpace().fit(
                self._fit_rows[base.features], base.features, self.y_fit, classification=True, seed=self.seed
            )
            self._pairs_found = [[d.op, d.left, d.right] for d in space.derived]
        return self._pairs_found

    def _size(self, request: Payload) -> Payload:
        return Payload({"n": np.array([len(self.y_fit)]), "positives": np.array([int(self.y_fit.sum())])})

    def _moments(self, request: Payload) -> Payload:
        num = [j for j in range(self.X_fit.shape[1]) if j not in self.schema.cat_index]
        V = self.X_fit[:, num]
        ok = np.isfinite(V)
        V0 = np.where(ok, V, 0.0)
        return Payload(
            {"sum": V0.sum(axis=0), "sumsq": (V0**2).sum(axis=0), "count": ok.sum(axis=0).astype(float)}
        )

    def _trees(self, request: Payload) -> Payload:
        c = request.config
        # "rows": "all" — the final refit, once the rounds are chosen: the validation part joins the training rows.
        every = c.get("rows") == "all"
        X = np.vstack([self.X_fit, self.X_val]) if every else self.X_fit
        y = np.concatenate([self.y_fit, self.y_val]) if every else self.y_fit
        grid = {k: request.arrays[k] for k in GRID_ARRAYS if k in request.arrays}
        model = {k: v for k, v in request.arrays.items() if k not in GRID_ARRAYS}
        init = model_raw(self.schema, X, model, self._cache["all" if every else "fit"])
        params = {
            "objective": "binary",
            "learning_rate": float(c.get("learning_rate", 0.1)),
            "num_leaves": int(c.get("num_leaves", 15)),
            "min_child_samples": int(c.get("min_child_samples", 5)),
            "lambda_l2": float(c.get("lambda_l2", 1.0)),
            "max_bin": int(c.get("max_bin", 1023)),
            "min_data_in_bin": int(c.get("min_data_in_bin", 3)),
            "verbosity": -1,
            "num_threads": 1,
            "deterministic": True,
            "force_col_wise": True,
            "seed": self.seed + int(c.get("round", 0)),
        }
        self._tree_params = params
        data = lgb.Dataset(on_grid(X, grid), y, init_score=init, free_raw_data=True)
        booster = lgb.train(params, data, num_boost_round=int(c.get("local_rounds", 5)))
        return Payload(pack_booster(booster).arrays)

    def _sketch(self, request: Payload) -> Payload:
        """Counts of this company's training values of each numeric column in the federation's fine grid
        (`lo` + k × `step`, values outside at its ends), scaled by the request's `scale` (HistBoost's bin grid)."""
        c = request.config
        k = int(c.get("sketch_bins", 1024))
        num = [j for j in range(self.X_fit.shape[1]) if j not in self.schema.cat_index]
        lo = np.asarray(request.arrays["lo"], float).reshape(-1)
        step = np.asarray(request.arrays["step"], float).reshape(-1)
        if lo.shape != (len(num),) or step.shape != (len(num),) or not (step > 0).all():
            raise ValueError(f"fine grid for {lo.shape} columns, this company has {len(num)} numeric ones")
        V = self.X_fit[:, num]
        at = np.clip(np.floor((V - lo) / step), 0, k - 1)
        ok = np.isfinite(V)
        key = (np.arange(len(num))[None, :] * k + np.where(ok, at, 0).astype(np.int64))[ok]
        counts = np.bincount(key, minlength=len(num) * k).reshape(len(num), k)
        return Payload({"counts": counts * float(c.get("scale", 1.0))})

    def _hist(self, request: Payload) -> Payload:
        """Per open node, column and bin of the federation's grid: the sums of the log-loss gradient, hessian and
        row count of this company's rows under the current model, scaled by `scale` (one HistBoost level).

        `part_*` are the splits the server chose so far in the tree being grown (heap order: node k's children
        are 2k + 1 and 2k + 2; feature −1: a leaf); `want` the heap indices of the nodes to sum for."""
        c, a = request.config, request.arrays
        every = c.get("rows") == "all"
        key = "all" if every else "fit"
        X = np.vstack([self.X_fit, self.X_val]) if every else self.X_fit
        y = np.concatenate([self.y_fit, self.y_val]) if every else self.y_fit
        edges = np.asarray(a["edges"], float)
        if edges.ndim != 2 or edges.shape[0] != X.shape[1]:
            raise ValueError(f"bin edges of shape {edges.shape} for {X.shape[1]} columns")
        B = edges.shape[1] + 1
        tag = hash(edges.tobytes())
        cache = self._cache[key]
        if cache.get("edges") != tag:
            bins = np.empty(X.shape, np.int64)
            for j in range(X.shape[1]):
                bins[:, j] = np.searchsorted(edges[j], X[:, j], side="left")
            bins[np.isnan(X)] = B  # missing values: the last bin
            cache["edges"], cache["bins"] = tag, bins
        bins = cache["bins"]
        model = {k: v for k, v in a.items() if k in TREE_ARRAYS or k == "base"}
        p = expit(model_raw(self.schema, X, model, cache))
        g, h = p - y, p * (1 - p)
        feature = np.asarray(a["part_feature"]).astype(np.int64)
        thr = np.asarray(a["part_threshold"], float)
        dleft = np.asarray(a["part_default_left"]).astype(bool)
        level = int(c.get("level", 0))
        if not len(feature) == len(thr) == len(dleft) == 2**level - 1:
            raise ValueError("the partial tree does not match its level")
        if len(feature) and (feature.max() >= X.shape[1]):
            raise ValueError("a split refers to a column this company does not have")
        node = np.zeros(len(X), np.int64)
        alive = np.ones(len(X), bool)
        rows = np.arange(len(X))
        for _ in range(level):
            f = feature[node]
            alive &= f >= 0
            v = X[rows, np.maximum(f, 0)]
            left = np.where(np.isnan(v), dleft[node], v <= thr[node])
            node = np.where(alive, 2 * node + 1 + (~left), node)
        want = np.asarray(a["want"]).astype(np.int64)
        slot = np.full(2 ** (level + 1), -1, np.int64)
        if len(want) and (want.min() < 2**level - 1 or want.max() >= 2 ** (level + 1) - 1):
            raise ValueError("asked for nodes outside the level")
        slot[want] = np.arange(len(want))
        s = np.where(alive, slot[np.minimum(node, len(slot) - 1)], -1)
        keep = s >= 0
        F = X.shape[1]
        idx = ((s[keep, None] * F + np.arange(F)[None, :]) * (B + 1) + bins[keep]).ravel()
        size = len(want) * F * (B + 1)
        scale = float(c.get("scale", 1.0))
        out = {}
        for name, w in (("g", g[keep]), ("h", h[keep]), ("n", np.ones(int(keep.sum())))):
            out[name] = np.bincount(idx, np.repeat(w, F), minlength=size).reshape(len(want), F, B + 1) * scale
        self._tree_params = {
            "objective": "binary",
            "learning_rate": float(c.get("learning_rate", 0.1)),
            "num_leaves": int(c.get("num_leaves", 31)),
            "min_child_samples": int(c.get("min_child_samples", 5)),
            "lambda_l2": float(c.get("lambda_l2", 1.0)),
            "max_bin": int(c.get("max_bin", 255)),
            "verbosity": -1,
            "num_threads": 1,
            "deterministic": True,
            "force_col_wise": True,
            "seed": self.seed,
        }
        return Payload(out)

    def _linear(self, request: Payload) -> Payload:
        c, a = request.config, request.arrays
        w0 = np.asarray(a["w"], float)
        Z = linear_design(self.schema, self.X_fit, a["mean"], a["scale"])
        y = self.y_fit
        pos = max(y.mean(), 1e-6)
        # Class-balanced weights, so rare failures shape the boundary (the threshold is chosen afterwards).
        sw = np.where(y == 1, 0.5 / pos, 0.5 / max(1 - pos, 1e-6))
        lr, l2, mu = float(c.get("lr", 0.5)), float(c.get("l2", 1e-3)), float(c.get("mu", 0.0))
        w = w0.copy()
        for _ in range(int(c.get("epochs", 5))):
            p = expit(Z @ w)
            grad = Z.T @ (sw * (p - y)) / len(y) + l2 * w + mu * (w - w0)
            w -= lr * grad
        delta = w - w0
        clip_to = float(c.get("clip", 0.0))
        if clip_to > 0:
            delta = privacy.clip(delta, clip_to)
        return Payload({"delta": delta})

    def _validate(self, request: Payload) -> Payload:
        if request.config.get("over") == "current":
            # A candidate's trees scored on this company's training rows on top of the model its last tree round
            # started from (TreeBagging's "select": the server compares the companies' candidates).
            every = request.config.get("rows") == "all"
            X = np.vstack([self.X_fit, self.X_val]) if every else self.X_fit
            y = np.concatenate([self.y_fit, self.y_val]) if every else self.y_fit
            cache = self._cache["all" if every else "fit"]
            if "raw" not in cache:
                raise ValueError("no tree round to score candidates against")
            base = float(np.asarray(request.arrays.get("base", 0.0)).reshape(-1)[0])
            trees = TreePack(
                checked_arrays({k: v for k, v in request.arrays.items() if k != "base"}, X.shape[1])
            )
            raw = base + cache["raw"] + trees.raw(X)
        else:
            y = self.y_val
            raw = model_raw(self.schema, self.X_val, request.arrays, self._cache["val"])
            if "w" not in request.arrays:
                # The strategy validates the model it keeps last: fine-tuning starts from it (see `fine_tune`).
                self._validated = dict(request.arrays)
        tp, fp, fn = _counts(y, expit(raw))
        return Payload(
            {
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "logloss": np.array([_logloss(y, raw)]),
                "n": np.array([len(raw)]),
                "weight": np.array([self.count_weight]),
            }
        )

    def _evaluate(self, request: Payload) -> Payload:
        """After a real-mode run: the federated model as this company would use it (its `fine_tune`) against its
        own local model (sandan's AutoML on the same training rows), both on its held-out rows, which no training
        saw. Only counts go back. The request carries the model's arrays and, in `model` (JSON), its kind, schema,
        the federation's threshold and summed validation counts, and this company's own threshold."""
        import json

        from sandan.learn.federated.evaluation import automl_classifier, classifier_scores
        from sandan.learn.federated.strategies import FederatedModel

        test = self._test_rows
        if test.empty:
            raise ValueError("this client keeps no held-out rows (it was not started with a hold-out part)")
        meta = json.loads(str(request.config.get("model", "{}")))
        model = FederatedModel(
            meta["kind"],
            Schema.from_dict(meta["schema"]),
            dict(request.arrays),
            float(meta["threshold"]),
            [],
            None,
            {},
            {self.company: float(meta.get("own_threshold", meta["threshold"]))},
            {k: np.asarray(v, float) for k, v in meta.get("counts", {}).items()},
        )
        own = self.fine_tune(model)
        y = self.schema.labels(test)
        federated = own.predict(test, self.company)
        rows = pd.concat([self._fit_rows, self._val_rows], ignore_index=True)
        local, _ = classifier_scores(automl_classifier(rows, self.schema, 5.0, self.seed), test, self.schema)

        def counts(pred: np.ndarray) -> np.ndarray:
            return np.array(
                [
                    ((pred == 1) & (y == 1)).sum(),
                    ((pred == 1) & (y == 0)).sum(),
                    ((pred == 0) & (y == 1)).sum(),
                ],
                float,
            )

        # what was held out: its rows and positives, then the labelled rows they were taken from and how many
        # whole groups (0: single rows) — the operator's record says what each comparison stands on
        n = [len(y), y.sum(), self.rows, self.groups_held_out]
        return Payload({"federated": counts(federated), "local": counts(local), "n": np.array(n, float)})

    # ---- after the federation: the company's own version, on its side only ---------------------------------
    def fine_tune(
        self, model, max_trees: int = FINE_TUNE_TREES, blends: tuple[float, ...] = FINE_TUNE_BLENDS
    ):
        """This company's version of a federated tree model (nothing crosses the wire).

        The company weighs the federated trees by a blend weight from `blends` (1 = as they are) and boosts up to
        `max_trees` trees of its own on top, with the federation's settings, on its training part — starting from
        the model the federation chose (the one it validated last, before its refit on all rows). It keeps the blend
        weight and number of trees with the lowest log loss on its own validation part, but only when that beats
        the federated model as it is (weight 1, no trees) clearly: the log-loss drop must pass a one-sided test at
        `FINE_TUNE_LEVEL`, its error counted over its validation rows or, with `groups`, over its validation groups
        (`_clear_gain`). Its threshold then comes from its validation counts (weighed by `count_weight`;
        `f1_threshold`) with the federation's summed counts as a prior (`company_thresholds`), and the trees are
        boosted again on all its rows on top of the federation's final model. Linear models (and a client that
        never saw a tree round) are returned as they are."""
        from sandan.learn.federated.strategies import FederatedModel, company_thresholds

        self.local_trees = 0
        self.blend = 1.0
        chosen = self._validated
        if model.kind != "trees" or chosen is None or self._tree_params is None:
            return model
        if model.schema.derived != self.schema.derived:
            self._use(model.schema.derived)
        params = {**self._tree_params, "seed": self.seed}
        base = float(np.asarray(model.arrays["base"]).reshape(-1)[0])
        fit_shared = model_raw(self.schema, self.X_fit, chosen) - base
        val_shared = model_raw(self.schema, self.X_val, chosen) - base
        # The company's own trees may also read the products/differences its own feature search keeps (they
        # never leave it); they come after the federation's columns, so the federated trees read the same.
        mine_only = [d for d in self._own_pairs() if d not in model.schema.derived]
        schema = model.schema.with_derived([*model.schema.derived, *mine_only])
        X_fit, X_val = schema.matrix(self._fit_rows), schema.matrix(self._val_rows)
        plain = base + val_shared
        best = (_logloss(self.y_val, plain), 1.0, 0, plain)
        for a in blends:
            raws = [base + a * val_shared]
            if max_trees > 0:
                data = lgb.Dataset(X_fit, self.y_fit, init_score=base + a * fit_shared)
                booster = lgb.train(params, data, num_boost_round=max_trees)
                raws += [
                    raws[0] + booster.predict(X_val, raw_score=True, num_iteration=k)
                    for k in range(1, booster.num_trees() + 1)
                ]
            for k, r in enumerate(raws):
                loss = _logloss(self.y_val, r)
                if loss < best[0] - 1e-9:
                    best = (loss, a, k, r)
        _, a, k, raw = best
        # Adopted only on a clear gain (a handful of validation failures cannot talk a company into noise).
        drop = _row_loss(self.y_val, plain) - _row_loss(self.y_val, raw)
        if (a == 1.0 and k == 0) or not _clear_gain(drop, self._val_units):
            return model
        tp, fp, fn = _counts(self.y_val, expit(raw))
        own = {
            "tp": tp.astype(float),
            "fp": fp.astype(float),
            "fn": fn.astype(float),
            "weight": np.array([self.count_weight]),
        }
        tot = {key: np.asarray(v, float) for key, v in model.counts.items()} or own
        threshold = company_thresholds({self.company: own}, tot)[self.company]
        pack = TreePack(checked_arrays({key: v for key, v in model.arrays.items() if key != "base"}))
        pack.arrays["tree_weight"] = pack.arrays["tree_weight"] * a
        if k:
            X = np.vstack([X_fit, X_val])
            y = np.concatenate([self.y_fit, self.y_val])
            init = base + pack.raw(X)
            mine = lgb.train(params, lgb.Dataset(X, y, init_score=init), num_boost_round=k)
            pack.extend(pack_booster(mine), 1.0)
        else:
            schema = model.schema
        self.local_trees, self.blend = k, a
        return FederatedModel(
            model.kind,
            schema,
            {**pack.arrays, "base": model.arrays["base"]},
            threshold,
            model.rounds,
            model.privacy,
            model.participants,
            {self.company: threshold},
            model.counts,
        )


def _counts(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, false positives and false negatives at every threshold of the grid."""
    pred = p[None, :] >= THRESHOLDS[:, None]
    tp = (pred & (y == 1)).sum(axis=1)
    fp = (pred & (y == 0)).sum(axis=1)
    fn = ((~pred) & (y == 1)).sum(axis=1)
    return tp, fp, fn


def design_weight(y: np.ndarray, units: np.ndarray) -> float:
    """1 / Kish's design effect, 1 / (1 + (m̄ − 1)·ρ), of a share measured on `y` whose rows come in groups `units`
    of mean size m̄ with intra-group correlation ρ (the one-way ANOVA estimator, clipped to [0, 1]): what one part's
    count is worth against independent parts (Kish, *Survey Sampling*, 1965, §5.4; Donner, *Int. Stat. Rev.* 54,
    1986). Parts of one production batch share its recipe and lot, so a validation part of two or three batches says
    little more than two or three parts would about where a company's threshold should sit."""
    y = np.asarray(y, float)
    _, inverse = np.unique(units, return_inverse=True)
    g, n = (int(inverse.max()) + 1 if len(inverse) else 0), len(y)
    if g == n:  # every part its own group
        return 1.0
    if g < 2:  # one batch: its parts count as one
        return 1.0 / n
    size = np.bincount(inverse)
    mean = np.bincount(inverse, weights=y) / size
    between = float(np.sum(size * (mean - y.mean()) ** 2) / (g - 1))
    within = float(np.sum((y - mean[inverse]) ** 2) / (n - g))
    m0 = (n - float(np.sum(size**2)) / n) / (g - 1)
    denominator = between + (m0 - 1) * within
    rho = float(np.clip((between - within) / denominator, 0.0, 1.0)) if denominator > 0 else 0.0
    return 1.0 / (1.0 + (n / g - 1.0) * rho)


def _clear_gain(drop: np.ndarray, units: np.ndarray) -> bool:
    """Whether the validation rows' total log-loss drop is clearly above zero: more than Student's t quantile at
    `FINE_TUNE_LEVEL` with G − 1 degrees of freedom times its standard error, the error counted over the G `units`
    (rows, or groups such as production batches whose rows share a recipe and lot: the cluster-robust variance of
    a sum, G/(G−1)·Σ(d_g − d̄)²). With few clusters the normal quantile over-rejects, and t(G − 1) is the usual
    remedy (Cameron & Miller, *J. Human Resources* 50, 2015, §VI): two or three validation batches that happen to
    agree no longer talk a company into its own trees (6.3 standard errors for two, 1.66 for a hundred rows). One
    unit shows nothing."""
    _, inverse = np.unique(units, return_inverse=True)
    per_unit = np.bincount(inverse, weights=drop)
    g = len(per_unit)
    if g < 2:
        return False
    se = np.sqrt(g / (g - 1) * np.sum((per_unit - per_unit.mean()) ** 2))
    return bool(per_unit.sum() > max(float(stats.t.ppf(FINE_TUNE_LEVEL, g - 1)) * se, 0.0))


def _row_loss(y: np.ndarray, raw: np.ndarray) -> np.ndarray:
    p = expit(raw)
    eps = 1e-12
    return -(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))


def _logloss(y: np.ndarray, raw: np.ndarray) -> float:
    return float(_row_loss(y, raw).sum())
