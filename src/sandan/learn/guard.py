"""The leakage guard: decides which columns of a training table may be features, and says why the others may not.

It detects identifiers and outcome columns from the data alone (no lists of names); it must not train models.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from sandan.domain import InvalidInput

# A column whose values are this unique is a row label, not a property of the part.
ID_UNIQUE_RATIO = 0.95
TEXT_ID_UNIQUE_RATIO = 0.5
# A flag whose raised rows are this pure in one class was written down after the outcome was known.
OUTCOME_PURITY = 0.98
FLAG_RARE = 0.05
# Rows each value of a candidate class cut must hold before contiguity along the target counts as evidence.
CLASS_CUT_MIN_ROWS = 5
# A measurement whose values for one class and for the rest do not overlap (one-vs-rest ROC-AUC this close to 1)
# in this many rows of each was taken from the outcome (an inspection score): process settings and sensor
# readings shift a defect's odds, they do not sort every part.
SEPARATION_AUC = 0.999
SEPARATION_MIN_ROWS = 30


@dataclass(frozen=True)
class Refusal:
    """A column refused as a feature: which, what kind of leak, and the reason in English and Korean."""

    column: str
    kind: str  # identifier | outcome | outcome_sibling | group | time | constant | target | inspection
    en: str
    ko: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _is_integer_valued(s: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(s):
        return True
    if pd.api.types.is_float_dtype(s):
        v = s.dropna().to_numpy()
        return len(v) > 0 and bool(np.all(np.mod(v, 1) == 0))
    return False


def _identifier(col: str, s: pd.Series) -> Refusal | None:
    n = int(s.notna().sum())
    if n < 20:
        return None
    ratio = s.nunique(dropna=True) / n
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    if not numeric and ratio >= TEXT_ID_UNIQUE_RATIO:
        return Refusal(
            col,
            "identifier",
            f"column '{col}' is refused as a feature: {ratio:.0%} of its text values are distinct, so it names "
            f"individual rows (an identifier such as a part or serial number) and would let the model memorise "
            f"rows instead of learning the process",
            f"'{col}' 열은 특징으로 쓸 수 없습니다: 텍스트 값의 {ratio:.0%}가 서로 달라 행 하나하나를 가리키는 "
            f"식별자(부품 번호, 일련번호 등)입니다. 모델이 공정을 배우지 않고 행을 외우게 됩니다",
        )
    if numeric and _is_integer_valued(s) and ratio >= ID_UNIQUE_RATIO:
        return Refusal(
            col,
            "identifier",
            f"column '{col}' is refused as a feature: it holds whole numbers that are {ratio:.0%} distinct, "
            f"which is a row number or serial id rather than a measurement",
            f"'{col}' 열은 특징으로 쓸 수 없습니다: 정수 값의 {ratio:.0%}가 서로 달라 측정값이 아니라 "
            f"행 번호나 일련번호입니다",
        )
    return None


def _codes(s: pd.Series) -> np.ndarray:
    return pd.factorize(s.astype("object").where(s.notna(), "\0missing"))[0]


def _outcome_for_class(col: str, s: pd.Series, y: pd.Series, target: str) -> Refusal | None:
    """Outcome columns for a categorical target: a function of the target, or a flag raised only in one class."""
    if s.nunique(dropna=False) < 2:
        return None
    yc = _codes(y)
    sc = _codes(s)
    k = len(np.unique(sc))
    n = len(sc)
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    if numeric and k > max(50, n // 20) and np.bincount(sc).max() >= n / 2:
        # a measurement with a usual value (0 minutes of rework, no reading) that departs from it: the departure
        # is what the class tests below judge, as they judge a 0/1 flag
        sc = (sc != np.bincount(sc).argmax()).astype(np.int64)
        k = 2
    if k <= max(50, n // 20):
        # Does the target fix the column's value, or the column fix the target, far better than chance?
        tab = pd.crosstab(sc, yc).to_numpy()
        col_determines = tab.max(axis=1).sum() / n
        target_determines = tab.max(axis=0).sum() / n
        target_base = np.bincount(yc).max() / n
        col_base = np.bincount(sc).max() / n
        follows = target_determines >= 0.995 and (1 - target_determines) <= 0.1 * (1 - col_base)
        fixes = n / k >= 20 and col_determines >= 0.995 and (1 - col_determines) <= 0.1 * (1 - target_base)
        if follows and fixes:
            return Refusal(
                col,
                "outcome",
                f"column '{col}' is refused as a feature: it matches the target '{target}' one to one "
                f"({col_determines:.1%} of rows), so it is a copy or recoding of the outcome",
                f"'{col}' 열은 특징으로 쓸 수 없습니다: 목표 '{target}'와 행의 {col_determines:.1%}에서 "
                f"일대일로 맞아떨어져 결과를 옮겨 적은 열입니다",
            )
        if follows:
            return Refusal(
                col,
                "outcome",
                f"column '{col}' is refused as a feature: its value follows from the target '{target}' "
                f"in {target_determines:.1%} of rows, so it is recorded from the outcome",
                f"'{col}' 열은 특징으로 쓸 수 없습니다: 행의 {target_determines:.1%}에서 목표 '{target}'로부터 "
                f"값이 정해져 결과를 보고 기록한 열입니다",
            )
        if fixes:
            return Refusal(
                col,
                "outcome",
                f"column '{col}' is refused as a feature: each of its values goes with a single value of the "
                f"target '{target}' ({col_determines:.1%} of rows), so it is a finer label of the outcome "
                f"(such as a defect type next to ok/ng)",
                f"'{col}' 열은 특징으로 쓸 수 없습니다: 값마다 목표 '{target}'의 값이 하나로 정해져 "
                f"(행의 {col_determines:.1%}) 결과를 더 자세히 적은 열(예: 양품/불량 옆의 불량 유형)입니다",
            )
        # A rare raised value (a 0/1 failure-mode flag) whose rows are almost all in one class.
        counts = np.bincount(sc)
        mode = counts.argmax()
        raised = sc != mode
        share = raised.mean()
        if 0 < share <= FLAG_RARE and raised.sum() >= 5:
            ys = yc[raised]
            top = np.bincount(ys).argmax()
            purity = (ys == top).mean()
            lift = purity / max((yc == top).mean(), 1e-12)
            if purity >= OUTCOME_PURITY and lift >= 5:
                label = y.iloc[int(np.flatnonzero(yc == top)[0])]
                label = label.item() if hasattr(label, "item") else label
                return Refusal(
                    col,
                    "outcome",
                    f"column '{col}' is refused as a feature: whenever it departs from its usual value "
                    f"({raised.sum()} rows), the target '{target}' is {label!r} in {purity:.0%} of them — "
                    f"it flags the outcome (e.g. a failure-mode label) rather than a condition before it",
                    f"'{col}' 열은 특징으로 쓸 수 없습니다: 평소 값과 다른 {raised.sum()}개 행 중 {purity:.0%}에서 "
                    f"목표 '{target}'가 {label!r}입니다. 원인 조건이 아니라 결과(고장 유형 표시 등)를 나타내는 열입니다",
                )
    return _separation(col, s, y, target) if numeric else None


def _separation(col: str, s: pd.Series, y: pd.Series, target: str) -> Refusal | None:
    """A numeric column that sorts one class apart from the rest with no overlap (an inspection score next to
    ok/ng): one-vs-rest ROC-AUC from ranks (Mann–Whitney), over rows where both are known."""
    known = s.notna().to_numpy() & y.notna().to_numpy()
    values = s.to_numpy(dtype=float, na_value=np.nan)[known]
    labels = y[known]
    if len(values) < 2 * SEPARATION_MIN_ROWS or not np.isfinite(values).all():
        return None
    ranks = rankdata(values)
    for label in labels.value_counts(ascending=True).index:  # the rarer class (ng) named first
        mine = (labels == label).to_numpy()
        n1, n0 = int(mine.sum()), int((~mine).sum())
        if min(n1, n0) < SEPARATION_MIN_ROWS:
            continue
        auc = (ranks[mine].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
        if max(auc, 1 - auc) >= SEPARATION_AUC:
            shown = label.item() if hasattr(label, "item") else label
            return Refusal(
                col,
                "outcome",
                f"column '{col}' is refused as a feature: its values for {target} = {shown!r} and for the other "
                f"rows do not overlap (ROC-AUC {max(auc, 1 - auc):.3f} from this column alone), so it is "
                f"measured from the outcome (such as an inspection score); if it is truly measured before the "
                f"outcome, allow it explicitly",
                f"'{col}' 열은 특징으로 쓸 수 없습니다: {target} = {shown!r}인 행과 나머지 행의 값이 겹치지 않아"
                f"(이 열 하나로 ROC-AUC {max(auc, 1 - auc):.3f}) 결과를 보고 잰 값(검사 점수 등)입니다. 결과보다 "
                f"먼저 측정되는 값이면 명시적으로 허용하세요",
            )
    return None


def _outcome_for_number(col: str, s: pd.Series, y: pd.Series, target: str) -> Refusal | None:
    """Outcome columns for a numeric target: a monotone copy, or a step function (class) of the target."""
    ok = s.notna() & y.notna()
    if ok.sum() < 20 or s[ok].nunique() < 2:
        return None
    sv, yv = s[ok], y[ok].astype(float)
    if pd.api.types.is_numeric_dtype(sv):
        # Spearman's rho: Pearson's correlation of the average ranks (numpy: wide tables have hundreds of columns).
        rx, ry = rankdata(sv.to_numpy(float)), rankdata(yv.to_numpy())
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = float(np.corrcoef(rx, ry)[0, 1])
        if abs(rho) >= 0.995:
            return Refusal(
                col,
                "outcome",
                f"column '{col}' is refused as a feature: its rank correlation with the target '{target}' "
                f"is {rho:.3f}, so it is the outcome in other units or a formula of it",
                f"'{col}' 열은 특징으로 쓸 수 없습니다: 목표 '{target}'와의 순위 상관이 {rho:.3f}로 "
                f"결과를 다른 단위나 식으로 옮긴 열입니다",
            )
    k = sv.nunique()
    if k <= 10 and sv.value_counts().min() >= CLASS_CUT_MIN_ROWS:
        # A class cut from the target changes value only at the cut points when rows are sorted by the target.
        # Ties of the target are broken at random: a value a class cut takes is the same across a tie, while a
        # column written in file order (a setting changed once, a sensor's few odd rows) must not look contiguous.
        # A value held by a handful of rows is contiguous by chance too often to prove anything.
        tie_break = np.random.default_rng(0).random(len(yv))
        order = np.lexsort((tie_break, yv.to_numpy()))
        codes = _codes(sv.reset_index(drop=True))[order]
        changes = int(np.count_nonzero(np.diff(codes)))
        if changes <= 2 * (k - 1):
            return Refusal(
                col,
                "outcome",
                f"column '{col}' is refused as a feature: it is a class cut from the target '{target}' "
                f"(its {k} values occupy separate ranges of the target)",
                f"'{col}' 열은 특징으로 쓸 수 없습니다: 목표 '{target}'를 구간으로 나눈 등급입니다 "
                f"({k}개 값이 목표의 서로 다른 구간에 놓입니다)",
            )
    return None


def _is_rare_flag(s: pd.Series) -> bool:
    vals = s.dropna().unique()
    if len(vals) != 2:
        return False
    return s.value_counts(normalize=True).min() <= FLAG_RARE


def screen_columns(
    frame: pd.DataFrame,
    target: str | pd.Series,
    *,
    task: str = "classification",
    groups: list[str] | tuple[str, ...] = (),
    allow: list[str] | tuple[str, ...] = (),
) -> tuple[list[str], list[Refusal]]:
    """Split the columns of `frame` into allowed features and refused ones (each with its reason).

    `target` is a column of `frame` or a Series aligned with it. `groups` names columns used to split
    (lot, tool, engine...): they identify the unit of evaluation and are never features. `allow` overrides the
    identifier and outcome checks for columns the user knows are measured before the outcome.
    """
    if isinstance(target, str):
        if target not in frame.columns:
            raise InvalidInput(
                f"target column '{target}' is not in the table (columns: {', '.join(map(str, frame.columns))})",
                f"목표 열 '{target}'이(가) 표에 없습니다 (있는 열: {', '.join(map(str, frame.columns))})",
                code="unknown_target",
            )
        y = frame[target].reset_index(drop=True)
        target_name = target
    else:
        y = pd.Series(np.asarray(target)).reset_index(drop=True)
        target_name = str(target.name) if getattr(target, "name", None) is not None else "target"
    refused: list[Refusal] = []
    features: list[str] = []
    columns = list(frame.columns)
    for col in columns:
        s = frame[col].reset_index(drop=True)
        name = str(col)
        if name == target_name:
            continue
        if name in groups:
            refused.append(
                Refusal(
                    name,
                    "group",
                    f"column '{name}' is the grouping used to split the evaluation; it is not a feature",
                    f"'{name}' 열은 평가를 나누는 묶음 기준이라 특징으로 쓰지 않습니다",
                )
            )
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            refused.append(
                Refusal(
                    name,
                    "time",
                    f"column '{name}' is a timestamp; raw time identifies when a row was made, not how — "
                    f"use time-ordered evaluation and derived features instead",
                    f"'{name}' 열은 시각입니다. 시각 그 자체는 특징이 아닙니다 — 시간 순서 평가와 파생 특징을 쓰세요",
                )
            )
            continue
        if s.nunique(dropna=False) <= 1:
            refused.append(
                Refusal(
                    name,
                    "constant",
                    f"column '{name}' has a single value and carries no information",
                    f"'{name}' 열은 값이 하나뿐이라 정보가 없습니다",
                )
            )
            continue
        if name in allow:
            features.append(name)
            continue
        reason = _identifier(name, s)
        if reason is None:
            reason = (
                _outcome_for_class(name, s, y, target_name)
                if task == "classification"
                else _outcome_for_number(name, s, y, target_name)
            )
        if reason is not None:
            refused.append(reason)
        else:
            features.append(name)
    refused += _outcome_siblings(frame, columns, target_name, features, refused, allow)
    sib = {r.column for r in refused}
    return [f for f in features if f not in sib], refused


def _outcome_siblings(
    frame: pd.DataFrame,
    columns: list,
    target: str,
    features: list[str],
    refused: list[Refusal],
    allow: list[str] | tuple[str, ...],
) -> list[Refusal]:
    """Rare 0/1 flags stored in one block with the outcome flags are outcome labels too.

    A failure-mode table lists the modes side by side next to the overall failure column; a mode that is mostly
    random (so its rows are not pure) still belongs to the outcome block and was recorded after the fact.
    """
    names = [str(c) for c in columns]
    block = {r.column for r in refused if r.kind == "outcome"}
    if not block:
        return []
    if target in names:
        block.add(target)
    out: list[Refusal] = []
    changed = True
    while changed:
        changed = False
        for i, name in enumerate(names):
            if name in block or name not in features or name in allow:
                continue
            neighbours = {names[j] for j in (i - 1, i + 1) if 0 <= j < len(names)}
            if neighbours & block and _is_rare_flag(frame[name]):
                anchors = sorted(neighbours & block)
                out.append(
                    Refusal(
                        name,
                        "outcome_sibling",
                        f"column '{name}' is refused as a feature: it is a rare yes/no flag stored in one block "
                        f"with the outcome columns ({', '.join(anchors)}), like a failure-mode label; "
                        f"if it is measured before the outcome, allow it explicitly",
                        f"'{name}' 열은 특징으로 쓸 수 없습니다: 결과 열({', '.join(anchors)})과 나란히 놓인 "
                        f"드문 예/아니오 표시로 고장 유형 표시처럼 보입니다. 결과보다 먼저 측정되는 값이면 "
                        f"명시적으로 허용하세요",
                    )
                )
                block.add(name)
                changed = True
    return out


def check_requested(requested: list[str], refused: list[Refusal]) -> None:
    """Raise when a user explicitly asks for a refused column, naming the column and why."""
    by_name = {r.column: r for r in refused}
    bad = [by_name[c] for c in requested if c in by_name]
    if bad:
        raise InvalidInput(
            " ; ".join(r.en for r in bad),
            " ; ".join(r.ko for r in bad),
            code="leaky_feature",
            column=", ".join(r.column for r in bad),
        )
