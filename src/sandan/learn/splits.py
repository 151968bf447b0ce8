"""Leak-free splits: by group (lot, tool, engine, machine, experiment), in time order for streams, stratified otherwise.

Each returns a list of (train rows, test rows) index arrays and a description in English and Korean.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    StratifiedGroupKFold,
    StratifiedKFold,
)

from sandan.domain import InvalidInput

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


def stratified_group_splits(
    y: np.ndarray, groups: np.ndarray, n_splits: int = 5, seed: int = 0
) -> tuple[Splits, str, str]:
    """Whole groups (a production batch, a lot, a run) go to one side, with each fold's class shares as close to the
    whole's as whole groups allow (scikit-learn's `StratifiedGroupKFold`); at most one fold per group."""
    y, groups = np.asarray(y), np.asarray(groups)
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise ValueError("grouped evaluation needs at least two groups")
    k = int(max(2, min(n_splits, n_groups)))
    folds = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed).split(
        np.zeros(len(y)), y, groups
    )
    splits = [(tr, te) for tr, te in folds if len(te) and len(tr)]
    return (
        splits,
        f"stratified {len(splits)}-fold by group ({n_groups} groups)",
        f"묶음 기준 층화 {len(splits)}겹 평가 ({n_groups}개 묶음)",
    )


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
    """The default honest scheme: groups first (rows of one group share a tool or a lot), then time, then rows.

    For classification, a fold whose training rows hold one class is left out (a model cannot learn from it): with
    time order, the first weeks may hold only good parts. If every fold is such, the data cannot be evaluated this
    way and the error says so."""
    if groups is not None:
        splits, en, ko = grouped_splits(groups, n_splits)
    elif order is not None:
        splits, en, ko = time_ordered_splits(order, n_splits)
    elif classification:
        return stratified_splits(y, n_splits, seed)
    else:
        return shuffled_splits(len(y), n_splits, seed)
    if not classification:
        return splits, en, ko
    kept = two_class_splits(splits, y)
    if not kept:
        raise InvalidInput(
            "every evaluation fold would train on rows of one class only (e.g. all good parts): the other class "
            f"occurs only in the {'last rows in time' if groups is None else 'same groups'}; collect a longer "
            "history with both classes before training",
            "모든 평가 구간의 학습 데이터가 한 등급(예: 양품)뿐입니다. 다른 등급이 "
            f"{'시간상 마지막 구간' if groups is None else '같은 묶음'}에만 있습니다. 두 등급이 모두 있는 더 긴 이력을 "
            "모은 뒤 학습하세요",
            code="one_class_folds",
        )
    if len(kept) < len(splits):
        left = len(splits) - len(kept)
        en += f"; {left} fold(s) left out, their training rows holding one class"
        ko += f"; 학습 데이터가 한 등급뿐인 {left}개 구간 제외"
    return kept, en, ko


def two_class_splits(splits: Splits, y: np.ndarray) -> Splits:
    """The folds whose training rows hold at least two classes."""
    y = np.asarray(y)
    return [(tr, te) for tr, te in splits if len(np.unique(y[tr])) >= 2]
