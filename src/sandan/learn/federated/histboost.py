"""Horizontal federated histogram gradient boosting: one boosted model grown over every company's rows, from
histograms the server only ever sees summed.

1. The federation agrees on one bin grid per column. From the summed moments (`moments`: sums, squares, counts)
   the server lays a fine equal-width grid over mean ± `SKETCH_SDS` standard deviations; every company counts its
   training values in those fine bins (`sketch`) and the server sums the counts and cuts each column at the
   quantiles of the sum (at most `bins` bins). Bin edges are points of the fine grid, never one company's value;
   categories (codes 0 … k−1) are cut between codes.
2. A tree grows level by level. Each level is one round: the server sends the current model and the splits chosen
   so far in this tree; every company computes the binary log-loss gradient g = p − y and hessian h = p(1 − p) of
   its rows under the current model, follows each row down the partial tree, and returns for every node asked,
   column and bin the sums of g, h and the row count (`hist`). Only left children are asked for: a right
   child's histogram is its parent's minus its sibling's (both summed over the same companies). With secure aggregation (the default) the `hist`
   and `sketch` tasks run as SecAgg+ rounds (`secagg.SecureTransport`): the server learns the sum over the
   companies, never one company's histogram.
3. The server picks each node's split from the summed histograms — gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ),
   children at least `min_child_samples` rows and `min_child_hessian` — trying missing values on either side; a
   node without a positive gain, or at the last level, becomes a leaf of value −η·G/(H+λ).
4. Finished trees are ordinary `TreePack`s (the same wire and model form as TreeBagging's), so prediction, the
   companies' own thresholds, fine-tuning, evaluation and the catalogue read them unchanged.

The number of trees is chosen on the companies' validation parts (summed log loss, as TreeBagging); the decision
threshold on the summed validation counts; then (`refit`) that many trees are grown again from the start on all of
each company's rows. Rounds: `depth` per tree (one more where a company dropped between a
parent's and its children's round), plus one validation round per tree.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sandan.learn.federated import secagg
from sandan.learn.federated.protocol import FederationFailed, Payload
from sandan.learn.federated.strategies import (
    MOMENTS,
    FederatedModel,
    Transport,
    _Server,
    boost,
    prior_score,
)
from sandan.learn.federated.trees import TreePack, empty_arrays

SKETCH_SDS = (
    6.0  # the fine grid spans mean ± this many standard deviations (values outside count at its ends)
)
SECURE_TASKS = ("sketch", "hist")  # the tasks whose replies are only ever seen summed
CLIP = 1.0  # every value a company sends lies in [−1, 1] after scaling by 1 / (the largest company's rows)


@dataclass
class HistBoost:
    """Federated gradient boosting over a shared histogram grid (see the module's docstring)."""

    trees: int = 300
    depth: int = 5
    learning_rate: float = 0.1
    lambda_l2: float = 1.0
    min_child_samples: int = 5
    min_child_hessian: float = 1e-3
    min_gain: float = 0.0
    bins: int = (
        1024  # fine bins keep the failure thresholds sharp (as LightGBM's max_bin 1023 does for TreeBagging)
    )
    sketch_bins: int = 8192
    patience: int = 20
    refit: bool = True  # after choosing the trees, grow them again on all rows (validation part included)
    min_clients: int = 2
    timeout_s: float = 60.0
    derive: bool = True  # choose products/differences of columns by vote first
    secure_aggregation: bool | secagg.SecureAggregation = True

    kind = "trees"

    def run(self, transport: Transport, schema) -> FederatedModel:
        if self.secure_aggregation and not isinstance(transport, secagg.SecureTransport):
            settings = self.secure_aggregation
            if not isinstance(settings, secagg.SecureAggregation):
                # Histogram sums cumulate over many bins: quantise as finely as the 32-bit modulus allows for the
                # federation's companies (n · 2^bits < 2^32), at most 2^28 levels.
                n = max(len(transport.participants()), 2)
                settings = secagg.SecureAggregation(
                    quantization_bits=min(28, 32 - math.ceil(math.log2(n + 1)))
                )
            transport = secagg.SecureTransport(transport, settings, task=SECURE_TASKS)
        server = _Server(self.min_clients, self.timeout_s)
        sizes = server.sizes(transport)
        if len(sizes) < self.min_clients:
            raise FederationFailed(
                f"only {len(sizes)} companies reported a valid size",
                f"유효한 크기를 보고한 참여사가 {len(sizes)}곳뿐입니다",
                code="round_failed",
            )
        if self.derive:
            schema = server.derive(transport, schema, sizes)
        base = prior_score(sizes)
        # Each company scales what it sends by 1 / (the largest company's rows, validation part included), so every
        # summed value fits SecAgg+'s clipping range; the server scales the sums back.
        scale = 1.0 / max(max(n for n, _ in sizes.values()) * 2.0, 1.0)
        edges = self._edges(server, transport, schema, scale)

        def step(model: TreePack, t: int, extra: dict[str, Any]) -> TreePack:
            model.extend(self._tree(server, transport, model, base, edges, scale, t, extra), 1.0)
            return model

        arrays, threshold, own, tot = boost(
            server, transport, base, self.trees, self.patience, self.refit, step
        )
        priv = None
        if isinstance(transport, secagg.SecureTransport) and transport.properties():
            priv = {"secure_aggregation": transport.properties()}
        return FederatedModel(
            "trees",
            schema,
            arrays,
            threshold,
            server.log,
            priv,
            {c: n for c, (n, _) in sizes.items()},
            own,
            {k: tot[k] for k in ("tp", "fp", "fn")},
        )

    # ---- the shared grid ----------------------------------------------------------------------------------
    def _edges(self, server, transport, schema, scale: float) -> np.ndarray:
        """Bin edges per column of the model matrix, (columns, bins − 1), padded with +inf: quantiles of the
        companies' summed counts on a fine grid laid from their summed moments; categories cut between codes."""
        replies = server.ask(transport, "moments", Payload(), 0)
        tot = {k: np.sum([np.asarray(r.payload.arrays[k], float) for r in replies], axis=0) for k in MOMENTS}
        numeric = [j for j in range(schema.n_inputs) if j not in schema.cat_index]
        if tot["sum"].shape != (len(numeric),):
            raise FederationFailed(
                f"moments for {tot['sum'].shape} columns, the federation has {len(numeric)} numeric ones",
                f"적률의 열 수가 연합의 수치 열 수({len(numeric)})와 다릅니다",
                code="round_failed",
            )
        count = np.maximum(tot["count"], 1.0)
        mean = tot["sum"] / count
        sd = np.sqrt(np.maximum(tot["sumsq"] / count - mean**2, 0.0))
        sd = np.where(sd > 0, sd, 1.0)
        lo = mean - SKETCH_SDS * sd
        step = 2 * SKETCH_SDS * sd / self.sketch_bins
        config = {"sketch_bins": self.sketch_bins, "scale": scale, "clip": CLIP}
        config["shapes"] = json.dumps([[len(numeric), self.sketch_bins]])
        sums, _ = self._sum(server, transport, "sketch", Payload({"lo": lo, "step": step}, config), 0, scale)
        counts = sums["counts"]
        if counts.shape != (len(numeric), self.sketch_bins):
            raise FederationFailed(
                f"value counts of shape {counts.shape}, expected {(len(numeric), self.sketch_bins)}",
                "값 분포의 크기가 연합의 격자와 다릅니다",
                code="round_failed",
            )
        edges = np.full((schema.n_inputs, self.bins - 1), np.inf)
        for i, j in enumerate(numeric):
            c = np.maximum(counts[i], 0.0)
            cum = np.cumsum(c)
            total = cum[-1]
            if total <= 0:
                continue
            # The fine-grid boundary (upper edge of fine bin k) at each quantile k/bins of the summed counts.
            targets = total * np.arange(1, self.bins) / self.bins
            at = np.unique(np.searchsorted(cum, targets, side="left"))
            at = at[at < self.sketch_bins - 1]
            e = lo[i] + (at + 1) * step[i]
            edges[j, : len(e)] = e
        for j, levels in zip(schema.cat_index, schema.n_levels, strict=True):
            cut = np.arange(levels - 1) + 0.5
            edges[j, : min(len(cut), self.bins - 1)] = cut[: self.bins - 1]
        return edges

    # ---- one tree -----------------------------------------------------------------------------------------
    def _tree(self, server, transport, model: TreePack, base, edges, scale, t: int, extra) -> TreePack:
        """Grow one tree level by level and return it as a TreePack. Each level is one summed-histogram round for
        the left children only: a right child's histogram is its parent's minus its sibling's, when both were summed
        over the same companies (else one more round sums the right children afresh)."""
        n_heap = 2 ** (self.depth + 1) - 1
        feature = np.full(n_heap, -1, np.int32)
        threshold = np.zeros(n_heap)
        default_left = np.zeros(n_heap, np.int8)
        value: dict[int, float] = {}  # leaf heap index -> leaf value
        hist: dict[int, tuple[np.ndarray, frozenset]] = {}  # node -> (G, H, N stacked, companies summed)
        open_nodes = [0]
        for level in range(self.depth):
            if not open_nodes:
                break
            parts = (feature[: 2**level - 1], threshold[: 2**level - 1], default_left[: 2**level - 1])
            ask = [n for n in open_nodes if n == 0 or n % 2 == 1]  # the root, or left children
            got, who = self._hist(server, transport, model, base, edges, scale, t, level, parts, ask, extra)
            for n, h in zip(ask, got, strict=True):
                hist[n] = (h, who)
            fresh = []
            for n in open_nodes:
                if n in hist:
                    continue
                parent, sibling = hist[(n - 1) // 2], hist[n - 1]
                if parent[1] == sibling[1]:
                    hist[n] = (parent[0] - sibling[0], sibling[1])
                else:
                    fresh.append(n)
            if fresh:
                got, who = self._hist(
                    server, transport, model, base, edges, scale, t, level, parts, fresh, extra
                )
                for n, h in zip(fresh, got, strict=True):
                    hist[n] = (h, who)
            stacked = np.stack([hist[n][0] for n in open_nodes])
            G, H, N = stacked[:, 0], np.maximum(stacked[:, 1], 0.0), np.maximum(np.round(stacked[:, 2]), 0.0)
            split = best_splits(
                G,
                H,
                N,
                edges,
                self.lambda_l2,
                self.min_child_samples,
                self.min_child_hessian,
                self.min_gain,
            )
            nxt = []
            for i, node in enumerate(open_nodes):
                g_tot, h_tot = split["G"][i], split["H"][i]
                f = split["feature"][i]
                if f < 0:
                    value[node] = self._leaf(g_tot, h_tot)
                    continue
                feature[node] = f
                threshold[node] = split["threshold"][i]
                default_left[node] = split["default_left"][i]
                left, right = 2 * node + 1, 2 * node + 2
                if level == self.depth - 1:
                    value[left] = self._leaf(split["GL"][i], split["HL"][i])
                    value[right] = self._leaf(g_tot - split["GL"][i], h_tot - split["HL"][i])
                else:
                    nxt += [left, right]
            open_nodes = nxt
        return _pack(feature, threshold, default_left, value)

    def _hist(self, server, transport, model, base, edges, scale, t, level, parts, nodes, extra):
        """One round: the companies' histograms of these nodes, summed — (nodes, 3, columns, bins + 1) with
        gradient, hessian and rows — and the companies summed."""
        F, B = edges.shape[0], edges.shape[1] + 1
        want = np.asarray(nodes, np.int64)
        request = Payload(
            {
                **model.arrays,
                "base": base,
                "edges": edges,
                "part_feature": parts[0],
                "part_threshold": parts[1],
                "part_default_left": parts[2],
                "want": want,
            },
            {
                **extra,
                "round": t,
                "level": level,
                "scale": scale,
                "clip": CLIP,
                "shapes": json.dumps([[len(want), F, B + 1]] * 3),
                **self._lgb_settings(),
            },
        )
        sums, who = self._sum(server, transport, "hist", request, t, scale)
        shape = (len(want), F, B + 1)
        if any(np.shape(sums.get(k)) != shape for k in ("g", "h", "n")):
            raise FederationFailed(
                f"tree {t} level {level}: histograms of shape {np.shape(sums.get('g'))}, expected {shape}",
                f"{t}번째 트리 {level}단계: 히스토그램 크기가 다릅니다",
                code="round_failed",
            )
        return np.stack([sums["g"], sums["h"], sums["n"]], axis=1), who

    def _leaf(self, g: float, h: float) -> float:
        return float(-self.learning_rate * g / (max(h, 0.0) + self.lambda_l2))

    def _lgb_settings(self) -> dict[str, Any]:
        """LightGBM settings a company's own fine-tune boosts with (the federation's, as near as they map)."""
        return {
            "learning_rate": self.learning_rate,
            "num_leaves": min(2**self.depth, 31),
            "min_child_samples": self.min_child_samples,
            "lambda_l2": self.lambda_l2,
            "max_bin": 255,
        }

    def _sum(self, server, transport, task: str, request: Payload, rnd: int, scale: float):
        """The companies' arrays summed (and scaled back): securely, the one mean SecAgg+ hands every summed
        company times their number; otherwise the sum of the valid replies of the expected shapes."""
        replies = server.ask(transport, task, request, rnd)
        if isinstance(transport, secagg.SecureTransport):
            first = replies[0].payload.arrays
            who = frozenset(r.company for r in replies)
            return {k: np.asarray(v, float) * len(replies) / scale for k, v in first.items()}, who
        shapes = [tuple(s) for s in json.loads(str(request.config["shapes"]))]
        names = sorted(replies[0].payload.arrays)
        kept = []
        for r in replies:
            a = r.payload.arrays
            got = [tuple(np.shape(a[k])) for k in sorted(a)]
            if sorted(a) != names or got != shapes:
                server.log[-1].failures.append(
                    {
                        "company": r.company,
                        "en": f"{task}: arrays of shapes {got}, expected {shapes}",
                        "ko": f"{task}: 배열 크기가 다릅니다",
                    }
                )
                continue
            kept.append(r)
        if len(kept) < self.min_clients:
            raise FederationFailed(
                f"round {rnd} ({task}): only {len(kept)} valid replies",
                f"{rnd}번째 라운드({task}): 유효한 응답이 {len(kept)}개뿐입니다",
                code="round_failed",
            )
        sums = {
            k: np.sum([np.asarray(r.payload.arrays[k], float) for r in kept], axis=0) / scale for k in names
        }
        return sums, frozenset(r.company for r in kept)


def best_splits(G, H, N, edges, lam, min_rows, min_hess, min_gain) -> dict[str, np.ndarray]:
    """Each node's best split from its summed histograms (nodes, columns, bins + 1; the last bin holds missing
    values): the column and edge with the largest gain, missing values sent the better way; feature −1 where no
    split has a positive gain that leaves both children big enough."""
    m = G.shape[0]
    g_tot, h_tot, n_tot = G[:, 0].sum(axis=1), H[:, 0].sum(axis=1), N[:, 0].sum(axis=1)
    cg, ch, cn = (np.cumsum(A[:, :, :-2], axis=2) for A in (G, H, N))  # left of edge k: bins 0 … k
    mg, mh, mn = G[:, :, -1:], H[:, :, -1:], N[:, :, -1:]  # missing values
    parent = g_tot**2 / (h_tot + lam)
    best_gain = np.full(m, -np.inf)
    out = {
        "feature": np.full(m, -1, np.int32),
        "threshold": np.zeros(m),
        "default_left": np.zeros(m, np.int8),
        "GL": np.zeros(m),
        "HL": np.zeros(m),
        "G": g_tot,
        "H": h_tot,
    }
    finite = np.isfinite(edges)[None, :, :]
    for miss_left in (0, 1):
        gl, hl, nl = cg + miss_left * mg, ch + miss_left * mh, cn + miss_left * mn
        gr, hr, nr = g_tot[:, None, None] - gl, h_tot[:, None, None] - hl, n_tot[:, None, None] - nl
        gain = gl**2 / (hl + lam) + gr**2 / (hr + lam) - parent[:, None, None]
        ok = finite & (nl >= min_rows) & (nr >= min_rows) & (hl >= min_hess) & (hr >= min_hess)
        gain = np.where(ok, gain, -np.inf)
        flat = gain.reshape(m, -1)
        k = np.argmax(flat, axis=1)
        g = flat[np.arange(m), k]
        better = g > np.maximum(best_gain, min_gain)
        f, e = np.unravel_index(k, gain.shape[1:])
        best_gain = np.where(better, g, best_gain)
        out["feature"] = np.where(better, f, out["feature"]).astype(np.int32)
        out["threshold"] = np.where(better, edges[f, e], out["threshold"])
        out["default_left"] = np.where(better, miss_left, out["default_left"]).astype(np.int8)
        out["GL"] = np.where(better, gl[np.arange(m), f, e], out["GL"])
        out["HL"] = np.where(better, hl[np.arange(m), f, e], out["HL"])
    return out


def _pack(feature, threshold, default_left, value: dict[int, float]) -> TreePack:
    """A heap-indexed tree (children of k at 2k+1, 2k+2) as a one-tree TreePack, inner nodes in breadth-first
    order (children after their parents)."""
    arrays = empty_arrays()
    inner, leaves = [], []
    order = [0]
    index: dict[int, int] = {}
    while order:
        node = order.pop(0)
        if node < len(feature) and feature[node] >= 0 and node not in value:
            index[node] = len(inner)
            inner.append(node)
            order += [2 * node + 1, 2 * node + 2]
        else:
            index[node] = ~len(leaves)
            leaves.append(node)
    arrays["tree_nodes"] = np.array([len(inner)], np.int32)
    arrays["tree_leaves"] = np.array([len(leaves)], np.int32)
    arrays["tree_weight"] = np.array([1.0])
    arrays["split_feature"] = feature[inner].astype(np.int32)
    arrays["threshold"] = threshold[inner].astype(float)
    arrays["default_left"] = default_left[inner].astype(np.int8)
    arrays["missing_nan"] = np.ones(len(inner), np.int8)
    arrays["missing_zero"] = np.zeros(len(inner), np.int8)
    arrays["left"] = np.array([index[2 * n + 1] for n in inner], np.int32)
    arrays["right"] = np.array([index[2 * n + 2] for n in inner], np.int32)
    arrays["leaf_value"] = np.array([value.get(n, 0.0) for n in leaves], float)
    return TreePack(arrays)
