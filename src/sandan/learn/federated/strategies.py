"""The server's side: strategies that drive rounds over any transport (in-process simulation or Flower's gRPC).

- `TreeBagging`: each round every company boosts a few LightGBM trees on its own rows, starting from the current
  global model. By default (`aggregate="select"`) every company then scores every company's candidate trees on its
  own training rows (one summed log loss each) and the round keeps the candidate that lowers the *other*
  companies' loss most per row — a company's trees are never judged on the rows they grew on; when none helps, or
  with `aggregate="average"`, the server appends each company's trees scaled by its share of the federation's
  rows (shrinkage scaled by data size). Averaging blurs the split thresholds the companies found each at slightly
  different places; selecting keeps them sharp. Trees cross stripped of per-node statistics (`trees.py`). After
  the federation each company may fine-tune the model on its own side (`CompanyClient.fine_tune`).
- `FedAvg` (McMahan et al., AISTATS 2017) and `FedProx` (Li et al., MLSys 2020: a proximal term μ/2‖w − w_global‖²
  in each local objective) for a logistic model on federated standardisation; optional DP (`privacy.py`).

Before the first round every strategy lets the companies vote on derived features: each runs sandan's own feature
search (`FeatureSpace`: products and differences of numeric columns, the one its local model uses) on its training
rows and returns one 0/1 vote per candidate pair; pairs backed by companies holding at least half the rows are used
by everyone. On AI4I this finds power (speed × torque), strain (torque × tool wear) and the temperature difference,
which per-company trees cannot build from few failures each.

Both stop at the round with the lowest log loss on the companies' validation rows (summed counts only) and choose
the decision threshold from the summed validation confusion counts (`f1_threshold`: within one standard error of
the best F1, nearest F1*/2); each company also gets its own threshold from its own validation counts with the
federation's as a prior (`company_thresholds`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy.special import expit

from sandan.learn.federated import privacy, secagg
from sandan.learn.federated.client import THRESHOLDS, Schema, candidate_pairs, linear_design
from sandan.learn.federated.protocol import Failure, FederationFailed, Payload, Reply
from sandan.learn.federated.trees import TreePack, checked_arrays


class Transport(Protocol):
    """Sends one task to every participant and returns the valid replies and the failures (with reasons)."""

    def participants(self) -> list[str]: ...

    def ask(self, task: str, request: Payload, timeout_s: float) -> tuple[list[Reply], list[Failure]]: ...


@dataclass
class RoundLog:
    round: int
    task: str
    participants: list[str]
    failures: list[dict[str, str]]
    validation_loss: float | None
    seconds: float
    bytes_down: int = 0
    bytes_up: int = 0


@dataclass
class FederatedModel:
    """The result: a tree ensemble or a logistic model, the schema it reads and the chosen threshold."""

    kind: str  # "trees" | "linear"
    schema: Schema
    arrays: dict[str, np.ndarray]
    threshold: float
    rounds: list[RoundLog] = field(default_factory=list)
    privacy: dict[str, float] | None = None
    participants: dict[str, int] = field(default_factory=dict)  # company -> training rows (counts only)
    thresholds: dict[str, float] = field(default_factory=dict)  # company -> its own decision threshold
    # The federation's summed validation counts per threshold ("tp", "fp", "fn"; aggregates, no company's own):
    # the prior a company's own threshold is chosen with when it fine-tunes (`CompanyClient.fine_tune`).
    counts: dict[str, np.ndarray] = field(default_factory=dict)

    def threshold_for(self, company: str | None) -> float:
        return self.thresholds.get(company, self.threshold) if company else self.threshold

    def raw(self, frame) -> np.ndarray:
        from sandan.learn.federated.client import model_raw

        return model_raw(self.schema, self.schema.matrix(frame), self.arrays)

    def predict_proba(self, frame) -> np.ndarray:
        return expit(self.raw(frame))

    def predict(self, frame, company: str | None = None) -> np.ndarray:
        return (self.predict_proba(frame) >= self.threshold_for(company)).astype(int)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "schema": self.schema.to_dict(),
            "arrays": {k: np.asarray(v).tolist() for k, v in self.arrays.items()},
            "threshold": self.threshold,
            "rounds": [r.__dict__ for r in self.rounds],
            "privacy": self.privacy,
            "participants": self.participants,
            "thresholds": self.thresholds,
            "counts": {k: np.asarray(v).tolist() for k, v in self.counts.items()},
        }

    def shipped(self, company: str | None = None) -> dict[str, Any]:
        """The model as it leaves the operator: for one member's registry (`company`: its own threshold) or for
        the family's catalogue (None). No member is named and no member's row count is in it: the rounds keep
        their aggregates (validation loss, time, bytes) without who answered or failed; the thresholds only the
        member's own; the summed validation counts (the federation's aggregate) stay, as fine-tuning needs them.
        `to_dict` is the operator's full record."""
        full = self.to_dict()
        full["rounds"] = [
            {k: v for k, v in r.items() if k not in ("participants", "failures")} for r in full["rounds"]
        ]
        full["participants"] = {}
        full["thresholds"] = (
            {company: self.thresholds[company]} if company is not None and company in self.thresholds else {}
        )
        return full

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FederatedModel:
        return cls(
            d["kind"],
            Schema.from_dict(d["schema"]),
            {k: np.asarray(v) for k, v in d["arrays"].items()},
            float(d["threshold"]),
            # a shipped model's rounds name no one (`shipped`)
            [RoundLog(**{"participants": [], "failures": [], **r}) for r in d.get("rounds", [])],
            d.get("privacy"),
            dict(d.get("participants", {})),
            {str(k): float(v) for k, v in d.get("thresholds", {}).items()},
            {str(k): np.asarray(v, float) for k, v in d.get("counts", {}).items()},
        )


PRIOR_POSITIVES = 10.0  # the federation's counts weigh in a company's threshold like this many positives


def company_thresholds(
    counts: dict[str, dict[str, np.ndarray]], tot: dict[str, np.ndarray]
) -> dict[str, float]:
    """Each company's own threshold (`f1_threshold`) on its validation counts plus the federation's, scaled to weigh
    like `PRIOR_POSITIVES` positives — a company with many positives (or a very different share of them) follows its
    own counts, one with a handful the federation's and the calibrated rule. A company's counts are weighed by its
    `weight` (`_count_weight`): parts from a few batches count like fewer parts. Validation counts only; the server
    has them anyway."""
    positives = float(tot["tp"][0] + tot["fn"][0])
    w = PRIOR_POSITIVES / max(positives, 1.0)
    out = {}
    for c, k in counts.items():
        own = _count_weight(k)
        out[c] = f1_threshold(
            own * k["tp"] + w * tot["tp"], own * k["fp"] + w * tot["fp"], own * k["fn"] + w * tot["fn"]
        )
    return out


def federation_threshold(counts: dict[str, dict[str, np.ndarray]], tot: dict[str, np.ndarray]) -> float:
    """The federation's threshold (for members without their own) on every company's validation counts, each
    weighed by its `weight` as in `company_thresholds` — the summed parts of a few dozen batches are not thousands
    of independent parts — or on the plain sums `tot` when no company's counts are at hand."""
    if not counts:
        return f1_threshold(tot["tp"], tot["fp"], tot["fn"])
    summed = {
        key: sum(_count_weight(k) * np.asarray(k[key], float) for k in counts.values())
        for key in ("tp", "fp", "fn")
    }
    return f1_threshold(summed["tp"], summed["fp"], summed["fn"])


def _count_weight(k: dict[str, np.ndarray]) -> float:
    """What one validation part of a company counts (the client's `design_weight`, 1 for independent rows); a weight
    out of range or not a number is read as 1 (a company cannot weigh more than its parts)."""
    weight = np.asarray(k.get("weight", 1.0), float).reshape(-1)
    return float(np.clip(weight[0], 0.0, 1.0)) if weight.size and np.isfinite(weight[0]) else 1.0


def f1_threshold(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> float:
    """The decision threshold from (effective) counts at every grid threshold: of the thresholds whose F1 lies within
    one standard error of the best — F1 = 2·tp / (2·tp + fp + fn) read as a share of that many counts — the one
    nearest F1*/2, the F1-optimal threshold of a calibrated model (Lipton, Elkan & Naryanaswamy, ECML PKDD 2014).
    The one-standard-error rule (Breiman et al., *Classification and Regression Trees*, 1984, §3.4) keeps a
    validation part of a few dozen batches, whose F1 curve is flat and bumpy, from setting the threshold by its
    bumps (seen: 0.80 chosen where the held-out parts wanted 0.30); a curve that is clearly best in one place still
    decides. No positive found at any threshold: 0.5."""
    n = 2 * tp + fp + fn
    f1 = np.where(n > 0, 2 * tp / np.maximum(n, 1e-12), 0.0)
    b = int(np.argmax(f1))
    if f1[b] <= 0:
        return 0.5
    se = float(np.sqrt(f1[b] * (1 - f1[b]) / n[b]))
    near = np.flatnonzero(f1 >= f1[b] - se - 1e-12)
    return float(THRESHOLDS[near[np.argmin(np.abs(THRESHOLDS[near] - f1[b] / 2))]])


MOMENTS = ("sum", "sumsq", "count")
MAX_DERIVED = 8  # as many products/differences as a local model's feature search keeps at most


@dataclass
class _Server:
    min_clients: int = 2
    timeout_s: float = 60.0
    log: list[RoundLog] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # config every request carries (the derived features)
    counts: dict[str, dict[str, np.ndarray]] = field(
        default_factory=dict
    )  # last validation counts per company

    def ask(self, transport: Transport, task: str, request: Payload, rnd: int) -> list[Reply]:
        t0 = time.perf_counter()
        if self.extra:
            request = Payload(request.arrays, {**request.config, **self.extra})
        replies, failures = transport.ask(task, request, self.timeout_s)
        entry = RoundLog(
            rnd,
            task,
            sorted(r.company for r in replies),
            [{"company": f.company, "en": f.reason_en, "ko": f.reason_ko} for f in failures],
            None,
            round(time.perf_counter() - t0, 3),
            request.nbytes() * len(transport.participants()),
            sum(r.payload.nbytes() for r in replies),
        )
        self.log.append(entry)
        if len(replies) < self.min_clients:
            why = "; ".join(f"{f.company}: {f.reason_en}" for f in failures) or "no replies"
            why_ko = "; ".join(f"{f.company}: {f.reason_ko}" for f in failures) or "응답 없음"
            raise FederationFailed(
                f"round {rnd} ({task}) failed: {len(replies)} valid replies, at least {self.min_clients} needed ({why})",
                f"{rnd}번째 라운드({task}) 실패: 유효한 응답 {len(replies)}개, 최소 {self.min_clients}개 필요 ({why_ko})",
                code="round_failed",
            )
        return replies

    def validate(self, transport: Transport, arrays: dict[str, np.ndarray], rnd: int):
        replies = self.ask(transport, "validate", Payload(arrays), rnd)
        tot = {
            k: np.sum([np.asarray(r.payload.arrays[k], float) for r in replies], axis=0)
            for k in ("tp", "fp", "fn", "logloss", "n")
        }
        self.counts = {
            r.company: {
                **{k: np.asarray(r.payload.arrays[k], float) for k in ("tp", "fp", "fn")},
                "weight": np.asarray(r.payload.arrays.get("weight", [1.0]), float).reshape(-1)[:1],
            }
            for r in replies
        }
        loss = float(tot["logloss"][0] / max(tot["n"][0], 1))
        self.log[-1].validation_loss = round(loss, 6)
        return loss, tot

    def derive(self, transport: Transport, schema: Schema, sizes: dict[str, tuple[int, int]]) -> Schema:
        """Derived features by vote: each company runs sandan's feature search on its own training rows and votes
        for the products/differences it keeps (one number per candidate, no data); a candidate is kept when
        companies holding at least half the federation's rows vote for it, the best-supported first."""
        import json

        candidates = candidate_pairs(schema)
        if not candidates:
            return schema
        support = np.zeros(len(candidates))
        for r in self.ask(transport, "pairs", Payload(), 0):
            votes = np.asarray(r.payload.arrays["votes"], float).reshape(-1)
            if votes.shape != support.shape or not np.isin(votes, (0.0, 1.0)).all():
                self.log[-1].failures.append(
                    {"company": r.company, "en": "malformed feature vote", "ko": "잘못된 특징 투표"}
                )
                continue
            support += votes * sizes.get(r.company, (0, 0))[0]
        total = sum(n for n, _ in sizes.values()) or 1
        order = np.argsort(-support, kind="stable")
        chosen = [candidates[i] for i in order[:MAX_DERIVED] if support[i] >= 0.5 * total]
        self.extra = {"derived": json.dumps(chosen)}
        return schema.with_derived(chosen)

    def sizes(self, transport: Transport) -> dict[str, tuple[int, int]]:
        out = {}
        for r in self.ask(transport, "size", Payload(), 0):
            n, pos = int(r.payload.arrays["n"][0]), int(r.payload.arrays["positives"][0])
            if n < 1 or pos < 0 or pos > n:
                continue
            out[r.company] = (n, pos)
        return out


def prior_score(sizes: dict[str, tuple[int, int]]) -> np.ndarray:
    """The raw score every company starts from: the log-odds of the federation's summed positive rate."""
    n_all = sum(n for n, _ in sizes.values())
    pos_all = sum(p for _, p in sizes.values())
    prior = min(max(pos_all / max(n_all, 1), 1e-4), 1 - 1e-4)
    return np.array([np.log(prior / (1 - prior))])


def boost(
    server: _Server,
    transport: Transport,
    base: np.ndarray,
    rounds: int,
    patience: int,
    refit: bool,
    step: Callable[[TreePack, int, dict[str, Any]], TreePack],
) -> tuple[dict[str, np.ndarray], float, dict[str, float], dict[str, np.ndarray]]:
    """Rounds of `step` (the model so far, the round, extra request fields → the longer model) stopped early on
    the companies' summed validation loss; the decision threshold and each company's own from the validation
    counts of the best round; with `refit`, that many rounds again from the start on all rows (validation part
    included; the thresholds stay). Returns (arrays with "base", threshold, company thresholds, summed counts)."""
    model = TreePack()
    best = (np.inf, 0, model.arrays)
    for rnd in range(1, rounds + 1):
        model = step(model, rnd, {})
        loss, _ = server.validate(transport, {**model.arrays, "base": base}, rnd)
        if loss < best[0] - 1e-6:
            best = (loss, rnd, {k: v.copy() for k, v in model.arrays.items()})
        elif rnd - best[1] >= patience:
            break
    arrays = {**best[2], "base": base}
    _, tot = server.validate(transport, arrays, best[1])
    threshold = federation_threshold(server.counts, tot)
    own = company_thresholds(server.counts, tot)
    if refit and best[1] > 0:
        model = TreePack()
        for rnd in range(1, best[1] + 1):
            model = step(model, rnd, {"rows": "all"})
        arrays = {**model.arrays, "base": base}
    return arrays, threshold, own, tot


@dataclass
class TreeBagging:
    """Federated gradient boosting from per-company trees: each round keeps the company's trees that help the
    others most (`aggregate="select"`) or all of them with shrinkage scaled by each company's rows ("average").

    The number of rounds and the decision threshold are chosen on the companies' validation parts (summed
    counts); with `refit` the chosen rounds are then trained again from the start on all of each company's rows."""

    rounds: int = 60
    local_rounds: int = 5
    learning_rate: float = 0.1
    num_leaves: int = 15
    min_child_samples: int = 5  # leaf size as sandan's AutoML starts from (its DEFAULT_PARAMS)
    lambda_l2: float = 1.0
    max_bin: int = 1023  # fine bins keep the failure thresholds sharp on few failures per company
    patience: int = 8
    refit: bool = True  # after choosing the rounds, train them again on all rows (validation part included)
    min_clients: int = 2
    timeout_s: float = 60.0
    derive: bool = True  # choose products/differences of columns by vote first
    # "average": every company's trees, scaled by its share of the rows; "select": the one company's trees that
    # help the other companies' training rows most (each scores every candidate; falls back to the average)
    aggregate: str = "select"
    # > 0: the companies split on the federation's value grid, this many points per standard deviation (`_grid`,
    # `client.on_grid`), so no shipped threshold is a company's own value. Off by default: at 64 points it cost
    # 0.005-0.03 F1 in the benchmark (benchmarks/README.md); without it a threshold lies half-way between two
    # neighbouring values of the company that grew the tree.
    grid_per_sd: float = 0.0
    min_data_in_bin: int = 3  # LightGBM's; 1 gives one bin per distinct value where max_bin allows

    kind = "trees"

    def run(self, transport: Transport, schema: Schema) -> FederatedModel:
        server = _Server(self.min_clients, self.timeout_s)
        sizes = server.sizes(transport)
        if self.derive:
            schema = server.derive(transport, schema, sizes)
        base = prior_score(sizes)
        grid = self._grid(server, transport, schema) if self.grid_per_sd > 0 else {}

        def step(model: TreePack, rnd: int, extra: dict[str, Any]) -> TreePack:
            return self._round(server, transport, schema, sizes, model, base, rnd, extra, grid)

        arrays, threshold, own, tot = boost(
            server, transport, base, self.rounds, self.patience, self.refit, step
        )
        return FederatedModel(
            "trees",
            schema,
            arrays,
            threshold,
            server.log,
            None,
            {c: n for c, (n, _) in sizes.items()},
            own,
            {k: tot[k] for k in ("tp", "fp", "fn")},
        )

    def _grid(self, server, transport, schema: Schema) -> dict[str, np.ndarray]:
        """The federation's value grid: centred on each numeric column's mean, `grid_per_sd` points per standard
        deviation — from the companies' summed moments (sums only, no company's own); categories are left off."""
        replies = server.ask(transport, "moments", Payload(), 0)
        tot = {k: np.sum([np.asarray(r.payload.arrays[k], float) for r in replies], axis=0) for k in MOMENTS}
        count = np.maximum(tot["count"], 1.0)
        mean = tot["sum"] / count
        sd = np.sqrt(np.maximum(tot["sumsq"] / count - mean**2, 0.0))
        numeric = [j for j in range(schema.n_inputs) if j not in schema.cat_index]
        centre, step = np.zeros(schema.n_inputs), np.zeros(schema.n_inputs)
        if len(mean) != len(numeric):
            raise FederationFailed(
                f"moments for {len(mean)} columns, the federation has {len(numeric)} numeric ones",
                f"적률의 열 수({len(mean)})가 연합의 수치 열 수({len(numeric)})와 다릅니다",
                code="round_failed",
            )
        centre[numeric] = mean
        step[numeric] = np.where(sd > 0, sd / self.grid_per_sd, 0.0)
        return {"grid_centre": centre, "grid_step": step}

    def _round(
        self, server, transport, schema, sizes, model: TreePack, base, rnd: int, extra, grid=None
    ) -> TreePack:
        """One round: every company boosts `local_rounds` trees from the current model on its rows; the server
        appends each company's trees scaled by its share of the round's rows."""
        request = Payload(
            {**model.arrays, "base": base, **(grid or {})},
            {
                **extra,
                "round": rnd,
                "local_rounds": self.local_rounds,
                "learning_rate": self.learning_rate,
                "num_leaves": self.num_leaves,
                "min_child_samples": self.min_child_samples,
                "lambda_l2": self.lambda_l2,
                "max_bin": self.max_bin,
                "min_data_in_bin": self.min_data_in_bin,
            },
        )
        replies = server.ask(transport, "trees", request, rnd)
        got = []
        for r in replies:
            try:
                got.append((r.company, TreePack(checked_arrays(r.payload.arrays, schema.n_inputs))))
            except ValueError as exc:
                server.log[-1].failures.append(
                    {"company": r.company, "en": str(exc), "ko": f"잘못된 트리: {exc}"}
                )
        if len(got) < self.min_clients:
            raise FederationFailed(
                f"round {rnd}: only {len(got)} valid tree packages",
                f"{rnd}번째 라운드: 유효한 트리 묶음이 {len(got)}개뿐입니다",
                code="round_failed",
            )
        if self.aggregate == "select":
            pick = self._select(server, transport, got, base, rnd, extra)
            if pick is not None:
                model.extend(pick, 1.0)
                return model
        n_round = sum(sizes.get(c, (0, 0))[0] for c, _ in got) or len(got)
        for company, pack in got:
            model.extend(pack, sizes.get(company, (1, 0))[0] / n_round)
        return model

    def _select(self, server, transport, got, base, rnd: int, extra) -> TreePack | None:
        """The candidate whose trees lower the log loss most on the other companies' training rows (per row),
        or None when none lowers it. Each company scores every candidate on its own rows and returns summed log
        losses; a company's own trees are never judged on the rows they were grown on."""
        config = {**extra, "over": "current", "round": rnd}
        empty = TreePack()
        losses: dict[str, dict[str, float]] = {}  # candidate ("" = none) -> company -> summed log loss
        rows: dict[str, float] = {}
        for name, pack in [("", empty), *got]:
            for r in server.ask(transport, "validate", Payload({**pack.arrays, "base": base}, config), rnd):
                losses.setdefault(name, {})[r.company] = float(r.payload.arrays["logloss"][0])
                rows[r.company] = float(r.payload.arrays["n"][0])
        best, gain = None, 0.0
        for name, pack in got:
            others = [c for c in losses.get(name, {}) if c != name and c in losses.get("", {})]
            n = sum(rows[c] for c in others)
            if not n:
                continue
            g = sum(losses[""][c] - losses[name][c] for c in others) / n
            if g > gain:
                best, gain = pack, g
        return best


@dataclass
class FedAvg:
    """Federated averaging of a logistic model; `mu` > 0 makes it FedProx; `dp` clips and adds noise;
    `secure_aggregation` (True or `secagg.SecureAggregation` settings) runs every update round as SecAgg+, so the
    server learns only the mean of the companies' updates (`secagg.py`)."""

    rounds: int = 40
    epochs: int = 10
    lr: float = 0.5
    l2: float = 1e-3
    mu: float = 0.0
    dp: privacy.DPConfig | None = None
    patience: int = 8
    min_clients: int = 2
    timeout_s: float = 60.0
    derive: bool = True  # choose products/differences of columns by vote first
    seed: int = 0
    secure_aggregation: bool | secagg.SecureAggregation = False

    kind = "linear"

    def run(self, transport: Transport, schema: Schema) -> FederatedModel:
        if self.secure_aggregation and not isinstance(transport, secagg.SecureTransport):
            settings = self.secure_aggregation
            transport = secagg.SecureTransport(
                transport, settings if isinstance(settings, secagg.SecureAggregation) else None
            )
        server = _Server(self.min_clients, self.timeout_s)
        sizes = server.sizes(transport)
        if self.derive:
            schema = server.derive(transport, schema, sizes)
        # Federated standardisation: summed per-feature sums, squares and counts (no row leaves a company).
        mom = server.ask(transport, "moments", Payload(), 0)
        s = np.sum([r.payload.arrays["sum"] for r in mom], axis=0)
        ss = np.sum([r.payload.arrays["sumsq"] for r in mom], axis=0)
        cnt = np.maximum(np.sum([r.payload.arrays["count"] for r in mom], axis=0), 1)
        mean = s / cnt
        scale = np.sqrt(np.maximum(ss / cnt - mean**2, 0))
        scale = np.where(scale > 0, scale, 1.0)
        width = linear_design(schema, np.zeros((1, schema.n_inputs)), mean, scale).shape[1]
        w = np.zeros(width)
        rng = np.random.default_rng(self.seed)
        best = (np.inf, 0, w.copy())
        done = 0
        for rnd in range(1, self.rounds + 1):
            config = {"round": rnd, "epochs": self.epochs, "lr": self.lr, "l2": self.l2, "mu": self.mu}
            if self.dp:
                config["clip"] = self.dp.clip
            replies = server.ask(
                transport, "linear", Payload({"w": w, "mean": mean, "scale": scale}, config), rnd
            )
            deltas, weights = [], []
            for r in replies:
                d = np.asarray(r.payload.arrays["delta"], float)
                if d.shape != w.shape:
                    server.log[-1].failures.append(
                        {
                            "company": r.company,
                            "en": f"update has shape {d.shape}, expected {w.shape}",
                            "ko": "업데이트 크기가 다릅니다",
                        }
                    )
                    continue
                deltas.append(d)
                weights.append(sizes.get(r.company, (1, 0))[0])
            if len(deltas) < self.min_clients:
                raise FederationFailed(
                    f"round {rnd}: only {len(deltas)} valid updates",
                    f"{rnd}번째 라운드: 유효한 업데이트가 {len(deltas)}개뿐입니다",
                    code="round_failed",
                )
            if self.dp:
                w = w + privacy.noisy_mean(deltas, self.dp, rng)
            else:
                w = w + np.average(deltas, axis=0, weights=np.asarray(weights, float))
            done = rnd
            loss, _ = server.validate(transport, {"w": w, "mean": mean, "scale": scale}, rnd)
            if loss < best[0] - 1e-6:
                best = (loss, rnd, w.copy())
            elif rnd - best[1] >= self.patience:
                break
        arrays = {"w": best[2], "mean": mean, "scale": scale}
        _, tot = server.validate(transport, arrays, best[1])
        threshold = federation_threshold(server.counts, tot)
        own = company_thresholds(server.counts, tot)
        priv = None
        if self.dp:
            # Every round run is charged, not only the kept one. ε covers the model updates; the validation
            # sums (per-threshold counts, summed log loss) are aggregates but are not noised, so not covered.
            priv = {
                "epsilon": round(privacy.epsilon(done, self.dp.noise_multiplier, self.dp.delta), 4),
                "delta": self.dp.delta,
                "rounds": done,
                "clip": self.dp.clip,
                "noise_multiplier": self.dp.noise_multiplier,
            }
        if isinstance(transport, secagg.SecureTransport) and transport.properties():
            priv = {**(priv or {}), "secure_aggregation": transport.properties()}
        return FederatedModel(
            "linear", schema, arrays, threshold, server.log, priv, {c: n for c, (n, _) in sizes.items()}, own
        )


def FedProx(mu: float = 0.1, **kw: Any) -> FedAvg:  # noqa: N802 - reads as the strategy's name
    """FedProx: FedAvg whose local objective adds μ/2‖w − w_global‖² (Li et al., MLSys 2020)."""
    return FedAvg(mu=mu, **kw)
