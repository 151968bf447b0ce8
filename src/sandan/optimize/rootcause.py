"""Root cause of a defect spike: rank what differs with the defects between a good and a bad period — parameters,
machines, material lots, shifts, operators — with effect sizes and corrected tests. It reads a table; it stores nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sandan.domain import InvalidInput
from sandan.optimize.recommend import QualityModel, _is_ng

CATEGORICAL = ("machine_id", "lot_id", "shift", "operator", "crew", "product", "tool_id", "mould_id")

#: `Factor.test` in words: "none" is a factor that was not tested (constant, too few values, or varying between
#: machines only — `describe` says which)
TEST_NAMES: dict[str, dict[str, str]] = {
    "none": {"en": "not tested", "ko": "검정 안 함"},
    "chi-square": {"en": "chi-square", "ko": "카이제곱 검정"},
    "Fisher exact": {"en": "Fisher's exact test", "ko": "피셔 정확 검정"},
    "Mann-Whitney U": {"en": "Mann-Whitney U", "ko": "만-위트니 U 검정"},
    "van Elteren": {"en": "van Elteren (within machines)", "ko": "반 엘테렌 검정 (설비 안 비교)"},
}
#: `Factor.effect_name` in words
EFFECT_NAMES: dict[str, dict[str, str]] = {
    "Cramér's V": {"en": "Cramér's V", "ko": "크라메르 V"},
    "rank-biserial |r|": {"en": "rank-biserial |r|", "ko": "순위 이연 상관 |r|"},
}


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
    good_first: Any = None  # the earliest part of the good period (a time, where the rows have one)
    # pairs of significant factors that changed together (name, name, association 0–1): which of the two drives
    # the defects these records cannot tell
    confounded: list[tuple[str, str, float]] = field(default_factory=list)

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

    def describe(self, factor: Factor, lang: str) -> str:
        """What differed for one parameter, in words whose direction the printed figures show (`describe`)."""
        return describe(factor.detail, lang)

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
            "good_first": self.good_first,
            "confounded": [list(c) for c in self.confounded],
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
    units: Mapping[str, str] | None = None,
    within: str | None = "machine_id",
) -> RootCause:
    """Rank candidate causes of the defects in the `bad` period (rows compared with the `good` period, default: all
    rows not in the bad one).

    Each factor is tested for association with the ok/ng outcome over both periods: categorical ones (machine, lot,
    shift, operator…) by a chi-square test with bias-corrected Cramér's V; numeric parameters by the Mann-Whitney U
    test with the rank-biserial correlation |r| as effect (Kerby, *Compr. Psychol.* 3, 2014). Both effects lie in
    [0, 1], so they rank together. p-values are Holm-adjusted over all factors; factors significant at `alpha` rank
    first, then by effect. Each factor also reports what changed between the periods (level shares; the standardised
    mean difference, Cohen 1988) and — with a `model` — the shift of its mean TreeSHAP contribution (log-odds).
    `units` (parameter → unit, e.g. "kN") go with each parameter's figures in words.

    With parts of several machines (`within`, when the table has two or more of its levels) a parameter is compared
    within each machine — defective against good parts of the same machine — by van Elteren's stratified rank test
    (*Bull. Int. Statist. Inst.* 37, 1960), and |r| from the within-machine pairs: a setting that only one machine runs
    at is that machine's, not the defects'; the machine itself is a factor of its own. A parameter that varies only
    between machines is not tested, and says so.
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
    absent = [p for p in params if p not in data.columns]
    if absent:
        raise InvalidInput(
            f"parameters {', '.join(absent)} are not columns of the part records; their columns are "
            f"{', '.join(map(str, data.columns))}",
            f"변수 {', '.join(absent)}이(가) 부품 기록의 열에 없습니다. 있는 열: {', '.join(map(str, data.columns))}",
            code="unknown_parameter",
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

    strata = None
    if within and within in data.columns and data[within].nunique(dropna=True) > 1:
        strata = data[within].astype(object).where(data[within].notna(), "(none)").astype(str).to_numpy()
    for c in params:
        x = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype="float64")
        ok_x, ng_x = x[~ng & np.isfinite(x)], x[ng & np.isfinite(x)]
        if strata is not None and len(ok_x) >= 2 and len(ng_x) >= 2 and np.nanstd(x) > 0:
            raws.append(_within(c, x, ng, in_bad, strata, within, contrib))
            continue
        if len(ok_x) < 2 or len(ng_x) < 2 or np.nanstd(x) == 0:
            why = "constant" if len(ok_x) >= 2 and len(ng_x) >= 2 else "few"
            detail = {"direction": why, "n_ng": int(len(ng_x)), "n_ok": int(len(ok_x))}
            if len(x[np.isfinite(x)]):
                detail["value"] = float(x[np.isfinite(x)][0])
            raws.append((Factor(c, "parameter", "none", 1.0, 1.0, 0.0, "rank-biserial |r|", detail), 1.0))
            continue
        u = stats.mannwhitneyu(ng_x, ok_x, alternative="two-sided")
        higher, lower = _pairs(ng_x, ok_x)
        # rank-biserial r = P(defective > good) − P(defective < good) (Kerby 2014), from the same pair counts the
        # page prints, so the word and the figures cannot disagree
        r = (higher - lower) / (len(ng_x) * len(ok_x))
        detail = {
            "direction": "higher" if higher > lower else "lower" if higher < lower else "same",
            "pairs_higher": higher / (len(ng_x) * len(ok_x)),
            "pairs_lower": lower / (len(ng_x) * len(ok_x)),
            "median_ng": float(np.median(ng_x)),
            "median_ok": float(np.median(ok_x)),
            "mean_ng": float(np.mean(ng_x)),
            "mean_ok": float(np.mean(ok_x)),
            **_period_means(x, in_bad),
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
    for f in result.factors:
        if f.kind == "parameter" and (units or {}).get(f.name):
            f.detail["unit"] = units[f.name]
    result.confounded = _confounded(data, result.significant[:3])
    result.text = _text(result)
    return result


# Two factors this closely tied (`_association`) are one change as far as the records go: a setting that moved only
# with the shift.
CONFOUNDED = 0.9


def _association(a: pd.Series, a_kind: str, b: pd.Series, b_kind: str) -> float:
    """How much two factors fix each other, 0–1, both ways (lots nested in shifts fix the shift, not the other way,
    and the records can still tell a lot from its shift): of two categorical ones, the smaller share of rows whose
    level of one is the usual one for their level of the other, each way; of a parameter and a categorical one,
    the correlation ratio η (Fisher 1925) when the levels' middle 90 % ranges do not overlap (else 0); of two
    parameters, |Spearman ρ|."""
    if a_kind == b_kind == "categorical":
        table = pd.crosstab(a.astype(str), b.astype(str)).to_numpy()
        n = table.sum()
        return float(min(table.max(axis=1).sum(), table.max(axis=0).sum()) / n) if n else 0.0
    if a_kind == b_kind == "parameter":
        both = a.notna() & b.notna()
        rho = stats.spearmanr(a[both], b[both]).statistic if both.sum() > 2 else 0.0
        return abs(float(rho)) if np.isfinite(rho) else 0.0
    levels, x = (a, b) if a_kind == "categorical" else (b, a)
    known = x.notna()
    x, levels = x[known].astype(float), levels[known].astype(str)
    total = float(((x - x.mean()) ** 2).sum())
    groups = x.groupby(levels)
    if total == 0 or groups.ngroups < 2:
        return 0.0
    spans = groups.quantile([0.05, 0.95]).unstack().sort_values(0.05).to_numpy()
    if (spans[1:, 0] <= spans[:-1, 1]).any():
        return 0.0
    means = groups.transform("mean")
    return float(np.sqrt(((means - x.mean()) ** 2).sum() / total))


def _confounded(data: pd.DataFrame, factors: list[Factor]) -> list[tuple[str, str, float]]:
    """Pairs of the leading significant factors that changed together (association ≥ `CONFOUNDED`)."""
    out = []
    for i, f in enumerate(factors):
        for g in factors[i + 1 :]:
            if f.name in data and g.name in data:
                tie = _association(data[f.name], f.kind, data[g.name], g.kind)
                if tie >= CONFOUNDED:
                    out.append((f.name, g.name, round(tie, 3)))
    return out


def _period_means(x: np.ndarray, in_bad: np.ndarray) -> dict[str, float]:
    """The mean of each period and their standardised difference (Cohen 1988)."""
    xb, xg = x[in_bad], x[~in_bad]
    pooled = math.sqrt((np.nanvar(xb) + np.nanvar(xg)) / 2) or 1.0
    return {
        "mean_bad_period": float(np.nanmean(xb)),
        "mean_good_period": float(np.nanmean(xg)),
        "smd_periods": float((np.nanmean(xb) - np.nanmean(xg)) / pooled),
    }


def _within(
    name: str,
    x: np.ndarray,
    ng: np.ndarray,
    in_bad: np.ndarray,
    strata: np.ndarray,
    within: str,
    contrib: pd.DataFrame | None,
) -> tuple[Factor, float]:
    """One parameter compared within machines: van Elteren's statistic Σ w(U − E[U]) over the machines with
    defective and good parts whose values differ, w = 1/(n + 1), with the tie-corrected variance of each U; |r|
    from the (defective, good) pairs of the same machine."""
    num = var = 0.0
    higher = lower = total = 0
    used = 0
    for level in np.unique(strata):
        keep = (strata == level) & np.isfinite(x)
        xs, bad = x[keep], ng[keep]
        m, n = int(bad.sum()), int((~bad).sum())
        if m == 0 or n == 0 or xs.min() == xs.max():
            continue
        hi, lo = _pairs(xs[bad], xs[~bad])
        u = hi + 0.5 * (m * n - hi - lo)
        size = m + n
        _, ties = np.unique(xs, return_counts=True)
        v = m * n / 12.0 * ((size + 1) - float((ties**3 - ties).sum()) / (size * (size - 1)))
        w = 1.0 / (size + 1)
        num += w * (u - m * n / 2.0)
        var += w * w * v
        higher, lower, total, used = higher + hi, lower + lo, total + m * n, used + 1
    ok_x, ng_x = x[~ng & np.isfinite(x)], x[ng & np.isfinite(x)]
    if used == 0 or var <= 0:  # it varies between machines only: nothing to compare within one
        detail = {"direction": "between", "within": within, "n_ng": len(ng_x), "n_ok": len(ok_x)}
        return Factor(name, "parameter", "none", 1.0, 1.0, 0.0, "rank-biserial |r|", detail), 1.0
    p = float(2 * stats.norm.sf(abs(num) / math.sqrt(var)))
    detail = {
        "direction": "higher" if higher > lower else "lower" if higher < lower else "same",
        "within": within,
        "strata": used,
        "pairs_higher": higher / total,
        "pairs_lower": lower / total,
        # no medians of defective and good parts: pooled over machines they compare one machine with another, the
        # very thing this test leaves out (they read "8.2 L/min against 17.9" of a setting it found no effect of)
        **_period_means(x, in_bad),
    }
    if contrib is not None and name in contrib.columns:
        detail["model_shift_log_odds"] = float(
            contrib.loc[in_bad, name].mean() - contrib.loc[~in_bad, name].mean()
        )
    effect = abs(higher - lower) / total
    return Factor(name, "parameter", "van Elteren", p, 1.0, effect, "rank-biserial |r|", detail), p


def _pairs(ng_x: np.ndarray, ok_x: np.ndarray) -> tuple[int, int]:
    """How many (defective, good) pairs have the defective part's value higher, and how many lower (ties in
    neither): the comparison the Mann-Whitney U test makes."""
    ok_sorted = np.sort(ok_x)
    below = np.searchsorted(ok_sorted, ng_x, side="left")  # good parts lower than each defective one
    above = len(ok_sorted) - np.searchsorted(ok_sorted, ng_x, side="right")  # good parts higher
    return int(below.sum()), int(above.sum())


def _fmt(x: float, sig: int) -> str:
    """`x` to `sig` significant digits, in plain notation where it is readable (1,698, not 1.698e+03)."""
    if not math.isfinite(x):
        return "—"
    if x != 0 and 1e-4 <= abs(x) < 1e15:  # grouped as every page writes numbers (12,486 kN)
        s = f"{x:,.{max(0, sig - 1 - math.floor(math.log10(abs(x))))}f}"
        return s.rstrip("0").rstrip(".") if "." in s else s
    return f"{x:.{sig}g}"


def two(a: float, b: float, sig: int = 4) -> tuple[str, str]:
    """`a` and `b` with digits enough that two different values never print the same (3.00001 against 3)."""
    while True:
        sa, sb = _fmt(a, sig), _fmt(b, sig)
        if sa != sb or a == b or sig >= 17:
            return sa, sb
        sig += 1


def _two_pct(a: float, b: float) -> tuple[str, str]:
    digits = 1
    while True:
        sa, sb = f"{100 * a:.{digits}f}%", f"{100 * b:.{digits}f}%"
        if sa != sb or a == b or digits >= 12:
            return sa, sb
        digits += 1


def central(detail: dict[str, Any]) -> tuple[tuple[str, str], str, str] | None:
    """The defective and good parts' medians — or their means where the medians are equal or point the other way
    — printed with digits enough to differ, but only a pair that points the way the test found (`direction`):
    never "higher" beside a smaller number. None when neither does (a setting held at one value with a few parts
    off it on both sides: the pair shares of `describe` then carry the comparison)."""
    direction = detail.get("direction")
    if direction in ("same", "constant", "few"):
        return None
    for what, a, b in (
        (("median", "중앙값"), "median_ng", "median_ok"),
        (("mean", "평균"), "mean_ng", "mean_ok"),
    ):
        if a not in detail or b not in detail:
            continue
        x, y = float(detail[a]), float(detail[b])
        if x == y or not (math.isfinite(x) and math.isfinite(y)):
            continue
        if direction in ("higher", "lower") and (x > y) != (direction == "higher"):
            continue
        ng, ok = two(x, y)
        return what, ng, ok
    return None


_WORDS = {
    "higher": ("defective parts ran higher", "불량 부품에서 높음"),
    "lower": ("defective parts ran lower", "불량 부품에서 낮음"),
    "same": ("defective and good parts ran alike", "불량 부품과 양품이 비슷함"),
}


def describe(detail: dict[str, Any], lang: str) -> str:
    """What differed for one parameter, in `lang` ("en" or "ko"): the direction the Mann-Whitney test found, the
    share of (defective, good) pairs that go each way — the tested comparison itself — the medians or means where
    they point the same way, and the means of the two periods. Never empty."""
    ko = lang == "ko"
    if "worst_level" in detail:  # a machine, lot, shift…: its worst level against the rest
        level, rate, rest = detail["worst_level"], detail["worst_rate"], detail["rate_elsewhere"]
        rest_s = f"{100 * rest:.1f}%" if math.isfinite(rest) else "—"
        return (
            f"{level}: 불량률 {100 * rate:.1f}% (그 외 {rest_s})"
            if ko
            else f"{level}: {100 * rate:.1f}% defective against {rest_s} elsewhere"
        )
    direction = detail.get("direction")
    if direction == "constant":
        value = detail.get("value")
        shown = "" if value is None else f" ({_fmt(float(value), 6)})"
        return (
            f"검정하지 않음: 모든 부품에서 같은 값{shown}"
            if ko
            else f"not tested: the same value on every part{shown}"
        )
    if direction == "between":
        return (
            "검정하지 않음: 설비 사이에서만 다르고 한 설비 안에서는 바뀌지 않음 (설비 요인을 보거나 설비 하나를 골라 보세요)"
            if ko
            else "not tested: it differs between machines only, never within one (see the machine factor, or ask "
            "about one machine)"
        )
    if direction == "few" or direction not in _WORDS:
        n_ng, n_ok = detail.get("n_ng", 0), detail.get("n_ok", 0)
        return (
            f"검정하지 않음: 값이 있는 불량 부품 {n_ng}개, 양품 {n_ok}개 (각 2개 이상 필요)"
            if ko
            else f"not tested: {n_ng} defective and {n_ok} good parts with a value (2 of each needed)"
        )
    word = _WORDS[direction][1 if ko else 0]
    unit = f" {detail['unit']}" if detail.get("unit") else ""
    parts = []
    c = central(detail)
    if c is not None:
        (what_en, what_ko), ng, ok = c
        parts.append(
            f"{what_ko} {ng}{unit} 대 {ok}{unit}" if ko else f"{what_en} {ng}{unit} against {ok}{unit}"
        )
    if "pairs_higher" in detail:
        hi, lo = _two_pct(detail["pairs_higher"], detail["pairs_lower"])
        same = detail.get("within") is not None  # pairs of one machine's parts
        parts.append(
            f"{'같은 설비의 ' if same else ''}불량·양품 쌍 중 불량 쪽이 높은 쌍 {hi}, 낮은 쌍 {lo}"
            if ko
            else f"a defective part higher than a good one{' of the same machine' if same else ''} in {hi} of "
            f"pairs, lower in {lo}"
        )
    if "mean_bad_period" in detail:
        bad, good = two(detail["mean_bad_period"], detail["mean_good_period"])
        parts.append(
            f"평균 이 기간 {bad}{unit}, 이전 {good}{unit}"
            if ko
            else f"mean {bad}{unit} in this period, {good}{unit} before"
        )
    return f"{word} ({'; '.join(parts)})" if parts else word


def _text(rc: RootCause) -> dict[str, list[str]]:
    en = [f"Defect rate {rc.rate_bad:.1%} in the bad period against {rc.rate_good:.1%} in the good one."]
    ko = [f"불량 기간 불량률 {rc.rate_bad:.1%}, 정상 기간 {rc.rate_good:.1%}."]
    if not rc.rose:
        en[0] += (
            " Defects did not rise; the factors below still go with defective against good parts over both."
        )
        ko[0] += (
            " 불량률이 오르지 않았습니다. 아래 요인은 두 기간 전체에서 불량 부품과 양품을 가르는 요인입니다."
        )
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
            en.append(
                f"{i}. {f.name}: {describe(f.detail, 'en')}; {f.effect_name} {f.effect:.2f}, "
                f"adjusted p = {f.p_adjusted:.1e}."
            )
            ko.append(
                f"{i}. {f.name}: {describe(f.detail, 'ko')}; 효과 크기 {f.effect:.2f}, 보정 p = {f.p_adjusted:.1e}."
            )
    for a, b, tie in rc.confounded:
        en.append(
            f"{a} and {b} changed together (association {tie:.2f}): these records cannot tell which of them drives "
            "the defects. Change one of them alone (a short trial) to find out."
        )
        ko.append(
            f"{a}와(과) {b}이(가) 함께 바뀌었습니다(연관도 {tie:.2f}). 이 기록으로는 둘 중 무엇이 불량을 일으키는지 "
            "가릴 수 없습니다. 하나만 바꿔 보는 짧은 시험으로 확인하세요."
        )
    if len(en) == 1:
        en.append(
            "No factor is significantly associated with the defects; more data or other factors are needed."
        )
        ko.append("불량과 유의하게 관련된 요인이 없습니다. 데이터를 더 모으거나 다른 요인을 확인하세요.")
    return {"en": en, "ko": ko}
