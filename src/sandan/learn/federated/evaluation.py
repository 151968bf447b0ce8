"""Honest per-company gains: federated vs local-only vs pooled, each scored on the company's own held-out rows.

Every company's rows are split into stratified folds (`splits.stratified_splits`; with `groups`, folds of whole
groups such as production batches, `splits.stratified_group_splits`), the same number for every company; in fold i
every company holds out its fold i. On the training parts three models are trained: the federation (its clients
see only their company's training part), each company's own local model (`Classifier`, sandan's AutoML with its leak-free inner
splits, threshold and its own search for derived features — the federation votes on the same search), and a pooled model (`Classifier` on all training parts together — possible only in
simulation). All three predict each company's held-out rows; metrics come from `evaluate.metric_set` with 95 %
bootstrap intervals (`evaluate.bootstrap_intervals`). A company adopts the federated model only where its F1 on
its own rows beats its local model's.

"federated" is the federated model as each company uses it: with `fine_tune` (the default) each company's own
version (`CompanyClient.fine_tune`: blend weight and local trees chosen on its own validation part of the training
fold, never on the held-out fold); "shared" is the federation's model as it is, scored the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sandan.domain import InvalidInput
from sandan.learn.evaluate import bootstrap_intervals, metric_set
from sandan.learn.federated.client import CompanyClient, Schema
from sandan.learn.federated.simulation import InProcessTransport
from sandan.learn.splits import stratified_group_splits, stratified_splits
from sandan.learn.tasks import Classifier

MODELS = ("federated", "local", "pooled")
SHARED = "shared"  # the federated model as the federation made it, before the company's fine-tune


@dataclass
class CompanyGain:
    company: str
    n_rows: int
    positives: int
    metrics: dict[str, dict[str, float]]  # model -> metrics
    intervals: dict[str, dict[str, tuple[float, float]]]  # model -> metric -> (lo, hi)
    adopt: bool = False
    local_trees: list[int] = field(default_factory=list)  # trees the company's fine-tune added, per fold
    # real mode: what it held out — rows, of its labelled rows, share, whole lots (0: single rows)
    held_out: dict[str, Any] | None = None

    @property
    def gain_f1(self) -> float:
        return self.metrics["federated"]["f1"] - self.metrics["local"]["f1"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "company": self.company,
            "n_rows": self.n_rows,
            "positives": self.positives,
            "metrics": self.metrics,
            "intervals": {m: {k: list(v) for k, v in iv.items()} for m, iv in self.intervals.items()},
            "gain_f1": self.gain_f1,
            "adopt": self.adopt,
            "local_trees": self.local_trees,
            **({"held_out": self.held_out} if self.held_out is not None else {}),
        }


@dataclass
class Comparison:
    strategy: str
    scheme_en: str
    scheme_ko: str
    companies: list[CompanyGain]
    overall: dict[str, dict[str, float]]  # model -> metrics over every company's held-out rows
    overall_intervals: dict[str, dict[str, tuple[float, float]]]
    privacy: dict[str, float] | None = None
    seconds: float = 0.0
    rounds: list[int] = field(default_factory=list)  # rounds kept per fold

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "scheme": {"en": self.scheme_en, "ko": self.scheme_ko},
            "companies": [c.to_dict() for c in self.companies],
            "overall": self.overall,
            "overall_intervals": {
                m: {k: list(v) for k, v in iv.items()} for m, iv in self.overall_intervals.items()
            },
            "privacy": self.privacy,
            "seconds": self.seconds,
            "rounds": self.rounds,
        }


def _counts(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """F1, precision and recall of predictions (the same definitions as `metric_set`, fast enough to bootstrap)."""
    return from_counts(
        float(np.sum((pred == 1) & (y == 1))),
        float(np.sum((pred == 1) & (y == 0))),
        float(np.sum((pred == 0) & (y == 1))),
    )


def from_counts(tp: float, fp: float, fn: float) -> dict[str, float]:
    """F1, precision and recall from true positives, false positives and false negatives."""
    return {
        "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
        "precision": tp / (tp + fp) if tp else 0.0,
        "recall": tp / (tp + fn) if tp else 0.0,
    }


def _scored(
    y: np.ndarray, pred: np.ndarray, prob: np.ndarray, seed: int, n_boot: int
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    m = metric_set("binary", y, pred, prob)
    iv = bootstrap_intervals(lambda r: _counts(y[r], pred[r]), len(y), n_boot=n_boot, seed=seed)
    return m, iv


def automl_classifier(
    frame: pd.DataFrame, schema: Schema, budget_s: float, seed: int, groups: np.ndarray | None = None
) -> Classifier:
    # A feature the rows never vary (a member that kept a setting fixed) says nothing to a model of them alone; the
    # federation still uses it where the members' values differ, as the clients do (`CompanyClient`).
    varied = [c for c in schema.features if frame[c].nunique(dropna=False) > 1]
    model = Classifier(
        time_budget_s=budget_s,
        features=varied or schema.features,
        generate_features=True,
        n_jobs=1,
        random_state=seed,
        positive_class=_positive_value(frame[schema.target], schema.positive),
    )
    return model.fit(
        frame[[*schema.features, schema.target]].reset_index(drop=True), schema.target, groups=groups
    )


def _company_splits(
    y_all: dict[str, np.ndarray], keys: dict[str, np.ndarray] | None, n_splits: int, seed: int
) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Every company's folds, the same number for all (the fewest any company's classes or groups allow), so each
    row is held out exactly once."""
    k = n_splits
    while True:
        splits = {
            c: (
                stratified_splits(y, k, seed)[0]
                if keys is None
                else stratified_group_splits(y, keys[c], k, seed)[0]
            )
            for c, y in y_all.items()
        }
        fewest = min(len(s) for s in splits.values())
        if all(len(s) == fewest for s in splits.values()):
            return splits
        k = fewest


# the group columns a comparison meets, in words (the part records' lot; the virtual moulders' production batch)
GROUP_WORDS = {"lot_id": ("lot", "로트"), "batch": ("batch", "생산 배치")}


def _group_keys(frame: pd.DataFrame, groups: str, company: str = "") -> np.ndarray:
    """A company's group of each row, as text; refused when the column is missing or holds a single group."""
    who = f"{company}: " if company else ""
    if groups not in frame.columns:
        raise InvalidInput(
            f"{who}the rows lack the group column {groups!r}; name a column every company has (e.g. its batch)",
            f"{who}묶음 열 {groups!r}이(가) 없습니다. 모든 회사에 있는 열(예: 배치 번호)을 지정하세요",
            code="missing_group",
            field=groups,
        )
    keys = frame[groups].astype(str).to_numpy()
    if len(np.unique(keys)) < 2:
        raise InvalidInput(
            f"{who}all rows are in one {groups}; holding out whole groups needs at least two per company",
            f"{who}모든 행이 하나의 {groups} 묶음입니다. 묶음 단위 평가에는 회사마다 두 개 이상의 묶음이 필요합니다",
            code="one_group",
            field=groups,
        )
    return keys


def _positive_value(column: pd.Series, positive: str) -> Any:
    for v in column.dropna().unique():
        if str(v) == str(positive):
            return v
    return positive


def classifier_scores(
    model: Classifier, frame: pd.DataFrame, schema: Schema
) -> tuple[np.ndarray, np.ndarray]:
    prob = model.predict_proba(frame[schema.features])
    pos = list(map(str, model.classes_)).index(str(schema.positive))
    pred = (model.predict(frame[schema.features]).astype(str) == str(schema.positive)).astype(int)
    return pred, prob[:, pos]


def compare(
    frames: dict[str, pd.DataFrame],
    schema: Schema,
    make_strategy: Callable[[], Any],
    *,
    n_splits: int = 5,
    local_budget_s: float = 5.0,
    pooled_budget_s: float = 20.0,
    seed: int = 0,
    n_boot: int = 1000,
    fine_tune: bool = True,
    progress: Callable[[str], None] | None = None,
    on_fold: Callable[[int, int], None] | None = None,
    groups: str | None = None,
) -> Comparison:
    """Federated vs local-only vs pooled on each company's own held-out rows (see the module doc). `progress`
    hears a line per fold; `on_fold(done, folds)` the count (fewer folds than `n_splits` when a company has fewer
    rows of a class). `groups` names a column of every company's rows whose groups (production batches, lots)
    stay whole on one side of every split — held-out, validation and the local and pooled models' inner splits —
    so no model is scored on a batch it learned from."""
    t0 = time.perf_counter()
    y_all = {c: schema.labels(f) for c, f in frames.items()}
    keys = None if groups is None else {c: _group_keys(f, groups, c) for c, f in frames.items()}
    splits = _company_splits(y_all, keys, n_splits, seed)
    folds = len(next(iter(splits.values())))
    kinds = (*MODELS, SHARED) if fine_tune else MODELS
    preds = {m: {c: np.zeros(len(f), int) for c, f in frames.items()} for m in kinds}
    probs = {m: {c: np.zeros(len(f)) for c, f in frames.items()} for m in kinds}
    local_trees: dict[str, list[int]] = {c: [] for c in frames}
    privacy, rounds, name = None, [], ""
    for i in range(folds):
        train = {c: frames[c].iloc[splits[c][i][0]].reset_index(drop=True) for c in frames}
        test = {c: frames[c].iloc[splits[c][i][1]].reset_index(drop=True) for c in frames}
        strategy = make_strategy()
        name = type(strategy).__name__ + (f"(mu={strategy.mu})" if getattr(strategy, "mu", 0) else "")
        clients = {c: CompanyClient(c, f, schema, seed=seed + i, groups=groups) for c, f in train.items()}
        transport = InProcessTransport(list(clients.values()))
        try:
            model = strategy.run(transport, schema)
        finally:
            transport.close()
        # Each company's own version of the federated model, made on its side from its own training part.
        own = {c: clients[c].fine_tune(model) if fine_tune else model for c in frames}
        for c in frames:
            local_trees[c].append(clients[c].local_trees if fine_tune else 0)
        privacy = model.privacy
        scored = [r for r in model.rounds if r.validation_loss is not None]
        rounds.append(min(scored, key=lambda r: r.validation_loss).round if scored else 0)  # the round kept
        pooled_groups = (
            None
            if groups is None
            else np.concatenate([[f"{c}/{g}" for g in _group_keys(f, groups)] for c, f in train.items()])
        )
        pooled = automl_classifier(
            pd.concat(train.values(), ignore_index=True), schema, pooled_budget_s, seed, pooled_groups
        )
        for c in frames:
            te = splits[c][i][1]
            probs["federated"][c][te] = own[c].predict_proba(test[c])
            preds["federated"][c][te] = (probs["federated"][c][te] >= own[c].threshold_for(c)).astype(int)
            if fine_tune:
                probs[SHARED][c][te] = model.predict_proba(test[c])
                preds[SHARED][c][te] = (probs[SHARED][c][te] >= model.threshold_for(c)).astype(int)
            local = automl_classifier(
                train[c],
                schema,
                local_budget_s,
                seed,
                None if groups is None else _group_keys(train[c], groups),
            )
            preds["local"][c][te], probs["local"][c][te] = classifier_scores(local, test[c], schema)
            preds["pooled"][c][te], probs["pooled"][c][te] = classifier_scores(pooled, test[c], schema)
        if progress:
            progress(f"fold {i + 1}/{folds} done ({time.perf_counter() - t0:.0f} s)")
        if on_fold:
            on_fold(i + 1, folds)
    gains = []
    for c in frames:
        ms, ivs = {}, {}
        for m in kinds:
            ms[m], ivs[m] = _scored(y_all[c], preds[m][c], probs[m][c], seed, n_boot)
        g = CompanyGain(c, len(frames[c]), int(y_all[c].sum()), ms, ivs, local_trees=local_trees[c])
        g.adopt = g.metrics["federated"]["f1"] > g.metrics["local"]["f1"]
        gains.append(g)
    overall, overall_iv = {}, {}
    y_cat = np.concatenate([y_all[c] for c in frames])
    for m in kinds:
        overall[m], overall_iv[m] = _scored(
            y_cat,
            np.concatenate([preds[m][c] for c in frames]),
            np.concatenate([probs[m][c] for c in frames]),
            seed,
            n_boot,
        )
    en, ko = GROUP_WORDS.get(groups or "", (groups, groups))
    by_en, by_ko = (
        ("", "") if groups is None else (f" by {en} (whole {en}s held out)", f"({ko} 단위로 통째 보류)")
    )
    return Comparison(
        name,
        f"stratified {folds}-fold within each company{by_en}; every model scored on the company's own held-out rows",
        f"회사별 층화 {folds}겹 평가{by_ko}; 모든 모델을 각 회사의 보류 데이터로 평가",
        gains,
        overall,
        overall_iv,
        privacy,
        round(time.perf_counter() - t0, 1),
        rounds,
    )
