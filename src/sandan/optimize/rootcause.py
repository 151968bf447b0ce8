"""Root cause of a defect spike: rank what differs with the defects between a good and a bad period — parameters,
machines, material lots, shifts, operators — with effect sizes and corrected tests. It reads a table; it stores nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sandan.domain import InvalidInput
from sandan.optimize.recommend import QualityModel, _is_ng

CATEGORICAL = ("machine_id", "lot_id", "shift", "operator", "crew", "product", "tool_id", "mould_id")


@dataclass
class Factor:
    """One candidate cause with its test and effect size (0 = no association with defects, 1 = complete)."""

    name: str
    kind: str  # "categorical" or "parameter"
    test: str
    p_value: float
    p_adjusted: float
    effect: float
    effect_name: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RootCause:
    factors: list[Factor]
    n_good: int
    n_bad: int
    rate_good: float
    rate_bad: float
    alpha: float
    text: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # factor → {"en": …, "ko": …}

    @property
    def rose(self) -> bool:
        """Whether the period asked about had more defects than the one before it (the question's premise)."""
        return self.rate_bad > self.rate_good

    @property
    def significant(self) -> list[Factor]:
        """The factors associated with defects at `alpha` (Holm-adjusted), strongest first."""
        return [f for f in self.factors if f.p_adjusted < self.alpha]

    def label(self, name: str, lang: str) -> str:
        """A factor's name for people (the process model's parameter label where known)."""
        return self.labels.get(name, {}).get(lang, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "factors": [f.to_dict() for f in self.factors],
            "n_good": self.n_good,
            "n_bad": self.n_bad,
            "rate_good": self.rate_good,
            "rate_bad": self.rate_bad,
            "rose": self.rose,
            "alpha": self.alpha,
            "text": self.text,
            "labels": self.labels,
        }


def _cramers_v(table: np.ndarray) -> tuple[float, float, str]:
    """Chi-square test of independence and bias-corrected Cramér's V (Bergsma, *J. Korean Stat. Soc.* 42, 2013);
    Fisher's exact test for a 2×2 table with a small expected count (Agresti, *Categorical Data Analysis*, §3.5)."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return 0.0, 1.0, "none"
    chi2, p, _, expected = stats.chi2_contingency(table, correction=False)
    test = "chi-square"
    if table.shape == (2, 2) and expected.min() < 5:
        p = float(stats.fisher_exact(table).pvalue)
        test = "Fisher exact"
    n = table.sum()
    r, k = table.shape
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    r_c, k_c = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    denom = min(k_c - 1, r_c - 1)
    return (math.sqrt(phi2 / denom) if denom > 0 else 0.0), float(p), test


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values (Holm, *Scand. J. Statist.* 6, 1979)."""
    order = np.argsort(p)
    m = len(p)
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return adj


def _mask(frame: pd.DataFrame, period: Any, what: str) -> np.ndarray:
    if period is None:
        return np.zeros(len(frame), dtype=bool)
    if isinstance(period, tuple) and len(period) == 2:
        t = pd.to_datetime(frame["time"], utc=True)
        return ((t >= pd.Timestamp(period[0])) & (t < pd.Timestamp(period[1]))).to_numpy()
    m = np.asarray(period, dtype=bool)
    if len(m) != len(frame):
        raise InvalidInput(
            f"the {what} period must be (start, end) or one true/false per row",
            f"{what} 기간은 (시작, 끝) 또는 행마다 참/거짓 값이어야 합니다",
            code="bad_period",
        )
    return m


def root_cause(
    frame: pd.DataFrame,
    bad: Any,
    good: Any = None,
    *,
    parameters: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    target: str = "result",
    positive: str = "ng",
    model: QualityModel | None = None,
    alpha: float = 0.01,
    min_level: int = 5,
) -> RootCause:
    """Rank candidate causes of the defects in the `bad` period (rows compared with the `good` period, default: all
    rows not in the bad one).

    Each factor is tested for association with the ok/ng outcome over both periods: categorical ones (machine, lot,
    shift, operator…) by a chi-square test with bias-corrected Cramér's V; numeric parameters by the Mann-Whitney U
    test with the rank-biserial correlation |r| as effect (Kerby, *Compr. Psychol.* 3, 2014). Both effects lie in
    [0, 1], so they rank together. p-values are Holm-adjusted over all factors; factors significant at `alpha` rank
    first, then by effect. Each factor also reports what changed between the periods (level shares; the standardised
    mean difference, Cohen 1988) and — with a `model` — the shift of its mean TreeSHAP contribution (log-odds).
    """
    bad_m = _mask(frame, bad, "bad")
    good_m = ~bad_m if good is None else _mask(frame, good, "good") & ~bad_m
    use = bad_m | good_m
    if bad_m.sum() < 10 or good_m.sum() < 10:
        raise InvalidInput(
            f"each period needs at least 10 parts (bad {int(bad_m.sum())}, good {int(good_m.sum())})",
            f"각 기간에 부품이 10개 이상 필요합니다 (불량 기간 {int(bad_m.sum())}, 정상 기간 {int(good_m.sum())})",
            code="too_few_rows",
        )
    data = frame.loc[use].reset_index(drop=True)
    in_bad = bad_m[use]
    ng = _is_ng(data[target], positive)
    params = list(
        parameters if parameters is not None else data.attrs.get("params") or frame.attrs.get("params") or []
    )
    cats = [c for c in (categorical if categorical is not None else CATEGORICAL) if c in data.columns]
    raws: list[tuple[Factor, float]] = []

    contrib = None
    if model is not None:
        contrib = model.contributions(data[model.parameters])

    for c in cats:
        # a record without a lot or product (an import without those columns) is a level of its own
        values = data[c].astype(object).where(data[c].notna(), "(none)").astype(str).to_numpy(dtype=object)
        levels, counts = np.unique(values, return_counts=True)
        small = set(levels[counts < min_level])
        values = np.where(np.isin(values, list(small)), "(other)", values)
        table = pd.crosstab(values, ng).reindex(columns=[False, True], fill_value=0)
        v, p, test = _cramers_v(table.to_numpy())
        rates = (table[True] / table.sum(axis=1)).sort_values(ascending=False)
        worst = str(rates.index[0])
        share_bad = float((values[in_bad] == worst).mean())
        share_good = float((values[~in_bad] == worst).mean())
        detail = {
            "worst_level": worst,
            "worst_rate": float(rates.iloc[0]),
            "rate_elsewhere": float(ng[values != worst].mean()) if (values != worst).any() else float("nan"),
            "share_bad_period": share_bad,
            "share_good_period": share_good,
            "levels": int(len(table)),
        }
        raws.append((Factor(c, "categorical", test, p, p, v, "Cramér's V", detail), p))

    for c in params:
        x = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype="float64")
        ok_x, ng_x = x[~ng & np.isfinite(x)], x[ng & np.isfinite(x)]
        if len(ok_x) < 2 or len(ng_x) < 2 or np.nanstd(x) == 0:
            raws.append((Factor(c, "parameter", "none", 1.0, 1.0, 0.0, "rank-biserial |r|"), 1.0))
            continue
        u = stats.mannwhitneyu(ng_x, ok_x, alternative="two-sided")
        r = 2 * u.statistic / (len(ng_x) * len(ok_x)) - 1  # rank-biserial: >0 when defective parts run higher
        xb, xg = x[in_bad], x[~in_bad]
        pooled = math.sqrt((np.nanvar(xb) + np.nanvar(xg)) / 2) or 1.0
        detail = {
            "direction": "higher" if r > 0 else "lower",
            "median_ng": float(np.median(ng_x)),
            "median_ok": float(np.median(ok_x)),
            "mean_ng": float(np.mean(ng_x)),
            "mean_ok": float(np.mean(ok_x)),
            "mean_bad_period": float(np.nanmean(xb)),
            "mean_good_period": float(np.nanmean(xg)),
            "smd_periods": float((np.nanmean(xb) - np.nanmean(xg)) / pooled),
        }
        if contrib is not None and c in contrib.columns:
            detail["model_shift_log_odds"] = float(
                contrib.loc[in_bad, c].mean() - contrib.loc[~in_bad, c].mean()
            )
        raws.append(
            (
                Factor(
                    c,
                    "parameter",
                    "Mann-Whitney U",
                    float(u.pvalue),
                    1.0,
                    abs(float(r)),
                    "rank-biserial |r|",
                    detail,
                ),
                float(u.pvalue),
            )
        )

    if not raws:
        raise InvalidInput(
            "no candidate factors: give parameter columns or categorical columns such as lot_id or shift",
            "후보 요인이 없습니다: 공정 변수 열이나 lot_id, shift 같은 범주 열을 지정하세요",
            code="no_factors",
        )
    adjusted = _holm(np.array([p for _, p in raws]))
    factors = []
    for (f, _), pa in zip(raws, adjusted, strict=True):
        f.p_adjusted = float(pa)
        factors.append(f)
    factors.sort(key=lambda f: (f.p_adjusted >= alpha, -f.effect))
    result = RootCause(
        factors,
        n_good=int((~in_bad).sum()),
        n_bad=int(in_bad.sum()),
        rate_good=float(ng[~in_bad].mean()),
        rate_bad=float(ng[in_bad].mean()),
        alpha=alpha,
    )
    result.text = _text(result)
    return result


def central(detail: dict[str, Any]) -> tuple[tuple[str, str], str, str]:
    """How a parameter's defective and good parts compare, as shown: their medians, or their means when the
    medians read the same (a setting held at one value with a few parts off it: "median 3 vs 3" said nothing)."""
    ng, ok = f"{detail['median_ng']:.4g}", f"{detail['median_ok']:.4g}"
    if ng != ok or "mean_ng" not in detail:
        return ("median", "중앙값"), ng, ok
    ng, ok = f"{detail['mean_ng']:.4g}", f"{detail['mean_ok']:.4g}"
    digits = 4
    while ng == ok and digits < 8:  # enough digits to tell them apart
        digits += 1
        ng, ok = f"{detail['mean_ng']:.{digits}g}", f"{detail['mean_ok']:.{digits}g}"
    return ("mean", "평균"), ng, ok


def _text(rc: RootCause) -> dict[str, list[str]]:
    en = [f"Defect rate {rc.rate_bad:.1%} in the bad period against {rc.rate_good:.1%} in the good one."]
    ko = [f"불량 기간 불량률 {rc.rate_bad:.1%}, 정상 기간 {rc.rate_good:.1%}."]
    if not rc.rose:
        en[0] += " Defects did not rise; the factors below go with the difference between the periods."
        ko[0] += " 불량률이 오르지 않았습니다. 아래 요인은 두 기간의 차이와 연관된 것입니다."
    for i, f in enumerate(rc.significant[:3], start=1):
        if f.kind == "categorical":
            d = f.detail
            en.append(
                f"{i}. {f.name} = {d['worst_level']}: {d['worst_rate']:.1%} defective against {d['rate_elsewhere']:.1%} "
                f"elsewhere ({f.effect_name} {f.effect:.2f}, adjusted p = {f.p_adjusted:.1e})."
            )
            ko.append(
                f"{i}. {f.name} = {d['worst_level']}: 불량률 {d['worst_rate']:.1%} (그 외 {d['rate_elsewhere']:.1%}), "
                f"효과 크기 {f.effect:.2f}, 보정 p = {f.p_adjusted:.1e}."
            )
        else:
            word_en = "higher" if f.detail["direction"] == "higher" else "lower"
            word_ko = "높을" if f.detail["direction"] == "higher" else "낮을"
            (what_en, what_ko), ng_v, ok_v = central(f.detail)
            en.append(
                f"{i}. {f.name}: defective parts ran {word_en} ({what_en} {ng_v} vs {ok_v}; {f.effect_name} "
                f"{f.effect:.2f}, adjusted p = {f.p_adjusted:.1e})."
            )
            ko.append(
                f"{i}. {f.name}: 값이 {word_ko} 때 불량 ({what_ko} {ng_v} 대 {ok_v}; 효과 크기 {f.effect:.2f}, "
                f"보정 p = {f.p_adjusted:.1e})."
            )
    if len(en) == 1:
        en.append(
            "No factor is significantly associated with the defects; more data or other factors are needed."
        )
        ko.append("불량과 유의하게 관련된 요인이 없습니다. 데이터를 더 모으거나 다른 요인을 확인하세요.")
    return {"en": en, "ko": ko}
