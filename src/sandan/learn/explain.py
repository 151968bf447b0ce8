"""Explanations: global importance and per-prediction drivers from additive contributions, told as sentences (ko/en).

It reads a trained task's contributions (LightGBM pred_contrib = TreeSHAP, Lundberg et al. 2020); it never trains.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sandan.domain.korean import particle
from sandan.learn.features import QUANTILES, FeatureSpace, name_unit


def nice(x: float, digits: int = 2) -> str:
    """A number rounded to `digits` significant digits, written without exponent (203.7 → 200, 0.01234 → 0.012)."""
    if not math.isfinite(x):
        return str(x)
    # rounded by the decimal formatter: no power of ten is computed that could underflow (x = 5e-324)
    r = float(f"{x:.{digits}g}")
    if r == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(r))))
    return f"{r:,.{decimals}f}"


def _split_point(v: np.ndarray, positive: np.ndarray) -> tuple[float, bool]:
    """The value that best separates rows where the feature raises the score from rows where it lowers it,
    and whether high values raise it (a one-feature decision stump on the sign of the contribution)."""
    order = np.argsort(v, kind="stable")
    vs, ps = v[order], positive[order].astype(int)
    n = len(vs)
    pos_left = np.concatenate([[0], np.cumsum(ps)])
    neg_left = np.arange(n + 1) - pos_left
    pos_total, neg_total = pos_left[-1], neg_left[-1]
    high = neg_left + (pos_total - pos_left)  # "above the cut raises it"
    low = pos_left + (neg_total - neg_left)  # "below the cut raises it"
    valid = np.concatenate([[False], vs[1:] != vs[:-1], [False]])
    high = np.where(valid, high, -1)
    low = np.where(valid, low, -1)
    if high.max() < 0:
        return float(np.median(v)), True
    up = high.max() >= low.max()
    k = int(np.argmax(high if up else low))
    return float(0.5 * (vs[k - 1] + vs[k])), up


def _capitalised(subject: str) -> str:
    """A sentence's first letter in capitals, unless it starts with a column id, which keeps its case."""
    return subject if "_" in subject.split(" ")[0] else subject[:1].upper() + subject[1:]


def feature_words(name: str, labels: Mapping[str, Mapping[str, str]]) -> tuple[str, str, str]:
    """A feature in words (English, Korean) and its unit. A labelled column (`labels`: column → {"en", "ko",
    "unit"}) reads as its label; in a derived feature's name ("holding_time_s × cooling_time_s") each labelled
    column is replaced by its label."""
    label = labels.get(name)
    if label:
        en = label.get("en") or name
        return en, label.get("ko") or en, label.get("unit", "")
    base, unit = name_unit(name)
    en = ko = base
    for key in sorted(labels, key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")
        words = labels[key]
        if words.get("en"):
            en = pattern.sub(words["en"], en)
        if words.get("ko") or words.get("en"):
            ko = pattern.sub(words.get("ko") or words["en"], ko)
    return en, ko, unit


@dataclass
class Explanation:
    """Contributions of each feature to each row's raw score; values[:, k, j] + ... + base[:, k] = raw score k."""

    names: list[str]
    values: np.ndarray  # (rows, outputs, features)
    base: np.ndarray  # (rows, outputs)
    data: np.ndarray  # (rows, features) model matrix
    space: FeatureSpace
    task: Any
    # a column's name in words and its unit ({"en", "ko", "unit"}), e.g. a process model's `column_labels()`: the
    # sentences then say "용융 수지 온도 231.5 °C 초과" rather than "melt_temp_c 231.5 초과"
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def words(self, name: str) -> tuple[str, str, str]:
        """A feature in words (English, Korean) and its unit (`feature_words` with this explanation's labels)."""
        return feature_words(name, self.labels)

    def word(self, name: str, lang: str) -> str:
        """`words` in one language, without the unit."""
        en, ko, _unit = self.words(name)
        return en if lang == "en" else ko

    # ---- numbers ---------------------------------------------------------------------------------------------
    def raw(self) -> np.ndarray:
        out = self.values.sum(axis=2) + self.base
        return out[:, 0] if out.shape[1] == 1 else out

    def _output(self, i: int | None = None) -> int:
        if self.values.shape[1] == 1:
            return 0
        # Several classes: explain the class the model predicts for the row (or the most frequent one overall).
        raw = self.values.sum(axis=2) + self.base
        return int(raw[i].argmax()) if i is not None else int(np.bincount(raw.argmax(axis=1)).argmax())

    def contributions(self) -> pd.DataFrame:
        """Rows × features for binary and regression tasks (for several classes: the predicted class per row)."""
        if self.values.shape[1] == 1:
            vals = self.values[:, 0, :]
        else:
            raw = self.values.sum(axis=2) + self.base
            vals = self.values[np.arange(len(raw)), raw.argmax(axis=1), :]
        return pd.DataFrame(vals, columns=self.names)

    def importance(self) -> pd.DataFrame:
        """Global importance: mean absolute contribution of each feature over the explained rows, largest first."""
        imp = np.abs(self.values).mean(axis=0).sum(axis=0)
        frame = pd.DataFrame({"feature": self.names, "mean_abs_contribution": imp})
        total = imp.sum()
        frame["share"] = imp / total if total > 0 else 0.0
        return frame.sort_values("mean_abs_contribution", ascending=False, ignore_index=True)

    # ---- words -----------------------------------------------------------------------------------------------
    def _outcome(self, lang: str) -> str:
        task = self.task
        target = getattr(task, "target_name_", "target")
        if getattr(task, "kind_", "") == "binary":
            pos = task.classes_[1]
            if target == "result" and str(pos) == "ng":  # the part records' own verdict
                return "a defective part" if lang == "en" else "불량"
            return target if str(pos) in ("1", "1.0", "True") else f"{target} = {pos}"
        return self.word(target, lang)

    def _value_phrase(self, j: int, v: float) -> tuple[str, str]:
        name = self.names[j]
        if j in self.space.categorical_index:
            cats = self.space.categorical[name]
            shown = cats[int(v)] if math.isfinite(v) and 0 <= int(v) < len(cats) else "?"
            en, ko, _unit = self.words(name)
            return f"{en} = {shown}", f"{ko} = {shown}"
        en, ko, unit = self.words(name)
        u = f" {unit}" if unit else ""
        if not math.isfinite(v):
            return f"{en} missing", f"{ko} 값 없음"
        q = dict(zip(QUANTILES, self.space.quantiles.get(name, [v] * len(QUANTILES)), strict=True))
        for p in (99, 95, 90, 75):
            if v >= q[p] and v > q[50]:
                return f"{en} above {nice(q[p])}{u}", f"{ko} {nice(q[p])}{u} 초과"
        for p in (1, 5, 10, 25):
            if v <= q[p] and v < q[50]:
                return f"{en} below {nice(q[p])}{u}", f"{ko} {nice(q[p])}{u} 미만"
        return f"{en} at a typical {nice(v)}{u}", f"{ko} 보통 수준({nice(v)}{u})"

    def _effect(self, total: float, lang: str) -> str:
        outcome = self._outcome(lang)
        if getattr(self.task, "kind_", "") in ("binary", "multiclass"):
            factor = math.exp(total)
            if nice(max(factor, 1 / factor)) in ("1", "1.0"):  # "multiplies the odds by 1.0" says nothing
                return (
                    f"barely changes the odds of {outcome}"
                    if lang == "en"
                    else f"{outcome}의 가능성(오즈)을 거의 바꾸지 않습니다"
                )
            if factor >= 1:
                return (
                    f"multiplies the odds of {outcome} by {nice(factor)}"
                    if lang == "en"
                    else f"{outcome}의 가능성(오즈)을 {nice(factor)}배로 높입니다"
                )
            return (
                f"divides the odds of {outcome} by {nice(1 / factor)}"
                if lang == "en"
                else f"{outcome}의 가능성(오즈)을 {nice(1 / factor)}분의 1로 낮춥니다"
            )
        word_en = "raises" if total >= 0 else "lowers"
        word_ko = "높입니다" if total >= 0 else "낮춥니다"
        return (
            f"{word_en} the predicted {outcome} by {nice(abs(total))}"
            if lang == "en"
            else f"예측 {outcome} 값을 {nice(abs(total))}만큼 {word_ko}"
        )

    def drivers(self, i: int, top: int = 3) -> list[dict[str, Any]]:
        """The row's strongest contributions, largest magnitude first."""
        k = self._output(i)
        phi = self.values[i, k]
        out = []
        for j in np.argsort(-np.abs(phi))[:top]:
            en, ko = self._value_phrase(int(j), float(self.data[i, j]))
            out.append(
                {
                    "feature": self.names[j],
                    "value": float(self.data[i, j]),
                    "contribution": float(phi[j]),
                    "phrase_en": en,
                    "phrase_ko": ko,
                }
            )
        return out

    def sentences(self, i: int, lang: str = "en", top: int = 3) -> list[str]:
        """Plain-words drivers of one prediction: the two strongest pushes up together, then the strongest push down."""
        k = self._output(i)
        phi = self.values[i, k]
        ups = [int(j) for j in np.argsort(-phi) if phi[j] > 0][:2]
        downs = [int(j) for j in np.argsort(phi) if phi[j] < 0][: max(0, top - len(ups))]
        out = []
        for group in ([ups] if ups else []) + [[j] for j in downs]:
            phrases = [self._value_phrase(j, float(self.data[i, j]))[0 if lang == "en" else 1] for j in group]
            joiner = " with " if lang == "en" else ", "
            total = float(sum(phi[j] for j in group))
            subject = joiner.join(phrases)
            if lang == "en":
                together = " together" if len(group) > 1 else ""
                out.append(f"{_capitalised(subject)}{together} {self._effect(total, 'en')}.")
            else:
                together = " 함께 " if len(group) > 1 else " "
                out.append(f"{particle(subject, '이/가')}{together}{self._effect(total, 'ko')}.")
        return out

    def summary(self, lang: str = "en", top: int = 2) -> list[str]:
        """Global sentences: what the strongest features do across the explained rows, and where they combine."""
        imp = self.importance()
        feats = [self.names.index(f) for f in imp["feature"][:top] if f in self.names]
        k = self._output()
        phrases, masks = [], []
        for j in feats:
            v, phi = self.data[:, j], self.values[:, k, j]
            ok = np.isfinite(v)
            if j in self.space.categorical_index or ok.sum() < 5:
                continue
            cut, up = _split_point(v[ok], phi[ok] > 0)
            en, ko, unit = self.words(self.names[j])
            u = f" {unit}" if unit else ""
            phrases.append(
                (
                    f"{en} {'above' if up else 'below'} {nice(cut)}{u}",
                    f"{ko} {nice(cut)}{u} {'초과' if up else '미만'}",
                )
            )
            masks.append(ok & ((v > cut) if up else (v < cut)))
        out = []
        share = imp["share"].to_numpy()
        names = ", ".join(
            f"{self.word(f, lang)} ({s:.0%})" for f, s in zip(imp["feature"][:5], share[:5], strict=True)
        )
        out.append(
            f"The features that move the predictions most: {names}."
            if lang == "en"
            else f"예측을 가장 많이 움직이는 특징: {names}."
        )
        # the rows where the strongest features all point the same way; else where the first one that holds any does
        region = np.logical_and.reduce(masks) if masks else None
        if region is not None and region.sum() == 0:
            first = next((i for i, m in enumerate(masks) if m.any()), None)
            region, phrases = (None, []) if first is None else (masks[first], phrases[first : first + 1])
        if region is None:
            return out
        subject = (" with " if lang == "en" else ", ").join(p[0 if lang == "en" else 1] for p in phrases)
        if lang == "en":
            subject = _capitalised(subject)
        pred = self._prediction()
        outcome = self._outcome(lang)
        frac = region.mean()
        if getattr(self.task, "kind_", "") == "binary":
            ratio = pred[region].mean() / max(pred.mean(), 1e-12)
            out.append(
                f"{subject} multiplies the predicted risk of {outcome} by {nice(ratio)} "
                f"({frac:.0%} of the rows examined)."
                if lang == "en"
                else f"{subject}이면 예측된 {outcome} 위험이 평균의 {nice(ratio)}배입니다 (살펴본 행의 {frac:.0%})."
            )
        elif getattr(self.task, "kind_", "") == "regression":
            diff = pred[region].mean() - pred.mean()
            out.append(
                f"{subject} {'raises' if diff >= 0 else 'lowers'} the predicted {outcome} "
                f"by {nice(abs(diff))} on average ({frac:.0%} of the rows examined)."
                if lang == "en"
                else f"{subject}이면 예측 {outcome} 값이 평균보다 {nice(abs(diff))} "
                f"{'높습니다' if diff >= 0 else '낮습니다'} (살펴본 행의 {frac:.0%})."
            )
        return out

    def _prediction(self) -> np.ndarray:
        raw = self.raw()
        task = self.task
        if getattr(task, "kind_", "") == "binary":
            cal = task.calibration_
            return 1 / (1 + np.exp(-(cal["a"] * raw + cal["b"])))
        return raw if raw.ndim == 1 else raw.max(axis=1)
