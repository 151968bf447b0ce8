"""Leak-free splits: by group (lot, tool, engine, machine, experiment), in time order for streams, stratified otherwise.

Each returns a list of (train rows, test rows) index arrays and a description in English and Korean.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupKFold, KFold, LeaveOneGroupOut, StratifiedKFold

Splits = list[tuple[np.ndarray, np.ndarray]]
LEAVE_ONE_OUT_GROUPS = 20


def grouped_splits(groups: np.ndarray, n_splits: int = 5) -> tuple[Splits, str, str]:
    """Whole groups go to one side: leave-one-group-out up to 20 groups, else group k-fold."""
    groups = np.asarray(groups)
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise ValueError("grouped evaluation needs at least two groups")
    X = np.zeros(len(groups))
    if n_groups <= LEAVE_ONE_OUT_GROUPS:
        splits = list(LeaveOneGroupOut().split(X, groups=groups))
        return (
            splits,
            f"leave-one-group-out over {n_groups} groups",
            f"{n_groups}개 묶음에서 한 묶음씩 빼고 평가",
        )
    k = min(n_splits, n_groups)
    splits = list(GroupKFold(n_splits=k).split(X, groups=groups))
    return splits, f"{k}-fold by group ({n_groups} groups)", f"묶음 기준 {k}겹 평가 ({n_groups}개 묶음)"


def time_ordered_splits(order: np.ndarray, n_splits: int = 5, gap: int = 0) -> tuple[Splits, str, str]:
    """Expanding window: each test block lies after all of its training rows (with `gap` rows left out between)."""
    idx = np.argsort(np.asarray(order), kind="stable")
    n = len(idx)
    block = n // (n_splits + 1)
    if block < 1:
        raise ValueError("too few rows for time-ordered evaluation")
    splits = []
    for k in range(1, n_splits + 1):
        end_train = k * block
        test = idx[end_train + gap : end_train + gap + block] if k < n_splits else idx[end_train + gap :]
        if len(test):
            splits.append((np.sort(idx[:end_train]), np.sort(test)))
    return (
        splits,
        f"{len(splits)} time-ordered folds (train on the past, test on the next block)",
        (f"시간 순서 {len(splits)}겹 평가 (과거로 학습, 다음 구간으로 평가)"),
    )


def stratified_splits(y: np.ndarray, n_splits: int = 5, seed: int = 0) -> tuple[Splits, str, str]:
    y = np.asarray(y)
    _, counts = np.unique(y, return_counts=True)
    k = int(max(2, min(n_splits, counts.min())))
    splits = list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    return splits, f"stratified {k}-fold over independent rows", f"층화 {k}겹 평가 (행이 서로 독립)"


def shuffled_splits(n: int, n_splits: int = 5, seed: int = 0) -> tuple[Splits, str, str]:
    k = max(2, min(n_splits, n))
    splits = list(KFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n)))
    return splits, f"{k}-fold over independent rows", f"{k}겹 평가 (행이 서로 독립)"


def choose_splits(
    y: np.ndarray,
    classification: bool,
    *,
    groups: np.ndarray | None = None,
    order: np.ndarray | None = None,
    n_splits: int = 5,
    seed: int = 0,
) -> tuple[Splits, str, str]:
    """The default honest scheme: groups first (rows of one group share a tool or a lot), then time, then rows."""
    if groups is not None:
        return grouped_splits(groups, n_splits)
    if order is not None:
        return time_ordered_splits(order, n_splits)
    if classification:
        return stratified_splits(y, n_splits, seed)
    return shuffled_splits(len(y), n_splits, seed)
