"""Trees as they cross the wire: the split structure and leaf values of LightGBM trees, nothing else.

LightGBM's own model (text or dump) carries per-node statistics of the training rows — split gains, hessian sums
(`internal_weight`, `leaf_weight`), row counts (`internal_count`, `leaf_count`), node values of inner nodes — and the
range of every feature (`feature_infos`). Those describe a company's data, so a shipped tree keeps only what
prediction needs: for each inner node the feature, threshold, missing-value rule and children; for each leaf its
value. Prediction follows LightGBM's numerical decision rule exactly (checked against `Booster.predict` in tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Arrays a tree package may hold; everything else is refused on arrival.
TREE_ARRAYS = (
    "tree_nodes",  # (trees,) number of inner nodes of each tree
    "tree_leaves",  # (trees,) number of leaves of each tree
    "split_feature",  # (inner nodes,) int32
    "threshold",  # (inner nodes,) float64
    "default_left",  # (inner nodes,) int8
    "missing_nan",  # (inner nodes,) int8: 1 NaN goes the default way; 0 NaN is read as 0.0
    "missing_zero",  # (inner nodes,) int8: 1 zero (and NaN) goes the default way
    "left",  # (inner nodes,) int32: ≥ 0 an inner node of the same tree, < 0 leaf ~index
    "right",  # (inner nodes,) int32
    "leaf_value",  # (leaves,) float64
    "tree_weight",  # (trees,) float64: the factor each tree's leaves are multiplied by
)
_ZERO = 1e-35  # LightGBM's kZeroThreshold


@dataclass
class TreePack:
    """A list of numerical regression trees in flat arrays (the wire form and the model form are the same)."""

    arrays: dict[str, np.ndarray] = field(default_factory=lambda: empty_arrays())

    @property
    def n_trees(self) -> int:
        return int(len(self.arrays["tree_nodes"]))

    def extend(self, other: TreePack, weight: float) -> None:
        """Append `other`'s trees with their weights multiplied by `weight`."""
        a, b = self.arrays, other.arrays
        for k in TREE_ARRAYS:
            extra = b[k] * weight if k == "tree_weight" else b[k]
            a[k] = np.concatenate([a[k], extra]).astype(a[k].dtype)

    def raw(self, X: np.ndarray, first_tree: int = 0) -> np.ndarray:
        """Sum over trees (from `first_tree` on) of weight × the leaf value each row reaches (the raw score)."""
        X = np.asarray(X, float)
        out = np.zeros(len(X))
        a = self.arrays
        node_at = np.concatenate([[0], np.cumsum(a["tree_nodes"])])
        leaf_at = np.concatenate([[0], np.cumsum(a["tree_leaves"])])
        rows = np.arange(len(X))
        for t in range(first_tree, self.n_trees):
            n0, l0 = node_at[t], leaf_at[t]
            w = a["tree_weight"][t]
            if a["tree_nodes"][t] == 0:  # a single-leaf tree
                out += w * a["leaf_value"][l0]
                continue
            node = np.zeros(len(X), dtype=np.int64)
            active = np.ones(len(X), dtype=bool)
            while active.any():
                r = rows[active]
                nd = node[active] + n0
                v = X[r, a["split_feature"][nd]]
                nan = np.isnan(v)
                v = np.where(nan & (a["missing_nan"][nd] == 0), 0.0, v)
                default = ((a["missing_zero"][nd] == 1) & (np.abs(np.nan_to_num(v)) <= _ZERO)) | (
                    (a["missing_nan"][nd] == 1) & np.isnan(v)
                )
                go_left = np.where(default, a["default_left"][nd] == 1, v <= a["threshold"][nd])
                nxt = np.where(go_left, a["left"][nd], a["right"][nd])
                node[active] = nxt
                done = nxt < 0
                if done.any():
                    out[r[done]] += w * a["leaf_value"][l0 + ~nxt[done]]
                active[r[done]] = False
        return out

    def prefix_of(self, other: TreePack) -> bool:
        """Whether this package's trees are the first trees of `other` (the global model only grows)."""
        a, b = self.arrays, other.arrays
        n, m = self.n_trees, other.n_trees
        if n > m:
            return False
        nodes, leaves = int(a["tree_nodes"].sum()), int(a["tree_leaves"].sum())
        per_tree = ("tree_nodes", "tree_leaves", "tree_weight")
        return all(
            np.array_equal(a[k], b[k][: n if k in per_tree else leaves if k == "leaf_value" else nodes])
            for k in TREE_ARRAYS
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: v.tolist() for k, v in self.arrays.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TreePack:
        return cls(checked_arrays({k: np.asarray(v) for k, v in data.items()}))


def empty_arrays() -> dict[str, np.ndarray]:
    ints = ("tree_nodes", "tree_leaves", "split_feature", "left", "right")
    small = ("default_left", "missing_nan", "missing_zero")
    return {
        k: np.zeros(0, np.int32 if k in ints else np.int8 if k in small else np.float64) for k in TREE_ARRAYS
    }


def checked_arrays(arrays: dict[str, np.ndarray], n_features: int | None = None) -> dict[str, np.ndarray]:
    """Arrays of a received tree package, or ValueError saying what is wrong with them (a garbage reply)."""
    names = set(arrays)
    if names != set(TREE_ARRAYS):
        raise ValueError(f"tree package has arrays {sorted(names)}, expected {sorted(TREE_ARRAYS)}")
    ref = empty_arrays()
    out = {}
    for k in TREE_ARRAYS:
        v = np.asarray(arrays[k])
        if v.ndim != 1:
            raise ValueError(f"tree array {k} must be one-dimensional")
        out[k] = v.astype(ref[k].dtype)
    trees = len(out["tree_nodes"])
    if len(out["tree_leaves"]) != trees or len(out["tree_weight"]) != trees:
        raise ValueError("tree package: per-tree arrays differ in length")
    nodes, leaves = int(out["tree_nodes"].sum()), int(out["tree_leaves"].sum())
    for k in ("split_feature", "threshold", "default_left", "missing_nan", "missing_zero", "left", "right"):
        if len(out[k]) != nodes:
            raise ValueError(f"tree package: {k} has {len(out[k])} values for {nodes} inner nodes")
    if len(out["leaf_value"]) != leaves:
        raise ValueError("tree package: leaf values do not match the leaf counts")
    if (out["tree_leaves"] != out["tree_nodes"] + 1).any():
        raise ValueError("tree package: a binary tree has one leaf more than inner nodes")
    if not (np.isfinite(out["leaf_value"]).all() and np.isfinite(out["tree_weight"]).all()):
        raise ValueError("tree package: leaf values must be finite")
    if (
        n_features is not None
        and nodes
        and (out["split_feature"].max() >= n_features or out["split_feature"].min() < 0)
    ):
        raise ValueError("tree package: a split refers to a feature the federation does not have")
    node_at = np.concatenate([[0], np.cumsum(out["tree_nodes"])])
    for t in range(trees):
        n = int(out["tree_nodes"][t])
        for side in ("left", "right"):
            c = out[side][node_at[t] : node_at[t] + n]
            if ((c >= n) | (c < -(n + 1))).any():
                raise ValueError("tree package: a child points outside its tree")
            internal = c[c >= 0]
            if len(internal) and (internal <= np.arange(n)[c >= 0]).any():
                raise ValueError("tree package: children must come after their parent (no cycles)")
    return out


def pack_booster(booster, first_tree: int = 0) -> TreePack:
    """The trees of a trained LightGBM booster from `first_tree` on, stripped to structure and leaf values."""
    dump = booster.dump_model()
    cols: dict[str, list] = {k: [] for k in TREE_ARRAYS}
    for info in dump["tree_info"][first_tree:]:
        nodes: list[dict[str, Any]] = []
        leaves: list[float] = []

        def walk(node: dict[str, Any], nodes=nodes, leaves=leaves) -> int:
            if "leaf_value" in node or "split_feature" not in node:
                leaves.append(float(node.get("leaf_value", 0.0)))
                return ~(len(leaves) - 1)
            if node["decision_type"] != "<=":
                raise ValueError("only numerical splits can be shipped (declare no categorical features)")
            i = len(nodes)
            nodes.append(node)
            record = {
                "split_feature": int(node["split_feature"]),
                "threshold": float(node["threshold"]),
                "default_left": int(bool(node["default_left"])),
                "missing_nan": int(node["missing_type"] == "NaN"),
                "missing_zero": int(node["missing_type"] == "Zero"),
            }
            left = walk(node["left_child"])
            right = walk(node["right_child"])
            nodes[i] = {**record, "left": left, "right": right}
            return i

        walk(info["tree_structure"])
        cols["tree_nodes"].append(len(nodes))
        cols["tree_leaves"].append(len(leaves))
        cols["tree_weight"].append(1.0)
        cols["leaf_value"] += leaves
        for n in nodes:
            for k in (
                "split_feature",
                "threshold",
                "default_left",
                "missing_nan",
                "missing_zero",
                "left",
                "right",
            ):
                cols[k].append(n[k])
    ref = empty_arrays()
    return TreePack({k: np.asarray(v, dtype=ref[k].dtype) for k, v in cols.items()})
