"""SPC: Shewhart X̄-R, X̄-S, I-MR, p, np, c and u charts with phase I / II limits, run rules and Cp/Cpk/Pp/Ppk.

Pure array functions plus thin readers of part records through the Store; it must not render charts or send alerts.

Sources: NIST/SEMATECH e-Handbook of Statistical Methods (2012), §6.3.2 (run rules of the Western Electric
handbook), §6.3.2.1 (X̄-R and X̄-S charts, c4), §6.3.2.2 (individuals and moving range), §6.3.3.1 (c and u charts),
§6.3.3.2 (p and np charts), §6.1.6 (capability indices and their confidence intervals); Nelson, L. S. (1984),
"The Shewhart control chart — tests for special causes", J. Quality Technology 16(4):237-239; Western Electric
(1956), Statistical Quality Control Handbook; Bissell, A. F. (1990), "How reliable is your capability index?",
Applied Statistics 39(3):331-340; Montgomery, D. C. (2013), Introduction to Statistical Quality Control, 7th ed.,
§8.3 (process capability ratios: Cp, the one-sided Cpu and Cpl, Cpk = min(Cpu, Cpl); normality and the ratios).
Measurements that are not normal: ISO 22514-2:2017 (percentile method: X₀.₀₀₁₃₅, X₀.₅, X₀.₉₉₈₆₅ in place of μ ∓ 3σ,
μ); Box, G. E. P. and Cox, D. R. (1964), J. Royal Statistical Society B 26(2):211-252; Johnson, N. L. (1949),
Biometrika 36:149-176; Slifker, J. F. and Shapiro, S. S. (1980), Technometrics 22(2):239-246; Cohen, A. C. (1965),
"Maximum likelihood estimation in the Weibull distribution based on complete and on censored samples",
Technometrics 7(4):579-588 (the shape's likelihood equation, the threshold by profiling); D'Agostino, R. B. and
Stephens, M. A. (1986), Goodness-of-Fit Techniques, §4.8; Efron, B. and Tibshirani, R. J. (1993), An Introduction
to the Bootstrap, ch. 13.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from sandan.domain import InvalidInput
from sandan.monitor.labels import RULE_LABELS
from sandan.store import Store

# ---- control chart constants ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _range_moments(n: int) -> tuple[float, float]:
    """Mean and standard deviation of the range of n standard normal variables (d2, d3), by quadrature.

    E[R] = ∫ (1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ) dx and E[R²] = ∫₀^∞ 2w (1 − F_R(w)) dw with
    F_R(w) = n ∫ φ(x) (Φ(x + w) − Φ(x))ⁿ⁻¹ dx (Tippett 1925; the definitions behind the tables of NIST §6.3.2.1).
    The trapezoid rule on a uniform grid is spectrally accurate for these smooth, fast-decaying integrands."""
    h = 0.01
    x = np.arange(-9.0, 9.0 + h / 2, h)
    cdf = special.ndtr(x)
    d2 = float(np.trapezoid(1.0 - cdf**n - (1.0 - cdf) ** n, dx=h))
    pdf = np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    w_steps = int(round(12.0 / h))
    ext = special.ndtr(-9.0 + h * np.arange(len(x) + w_steps))
    shifted = np.lib.stride_tricks.sliding_window_view(ext, len(x))[:w_steps]  # row k: Φ(x + k·h)
    inner = np.clip(shifted - cdf, 0.0, 1.0) ** (n - 1)
    tail = 1.0 - n * h * (inner @ pdf - 0.5 * (inner[:, 0] * pdf[0] + inner[:, -1] * pdf[-1]))
    w = np.arange(w_steps) * h
    second = float(np.trapezoid(2.0 * w * tail, dx=h))
    return d2, float(np.sqrt(max(second - d2 * d2, 0.0)))


def c4(n: int) -> float:
    """c4 = √(2/(n−1)) Γ(n/2) / Γ((n−1)/2), so that E[s] = c4 σ (NIST §6.3.2.1)."""
    return float(np.sqrt(2.0 / (n - 1)) * np.exp(special.gammaln(n / 2) - special.gammaln((n - 1) / 2)))


def control_constants(n: int) -> dict[str, float]:
    """Shewhart constants for subgroup size n ≥ 2, derived from d2, d3 and c4 (NIST §6.3.2.1; 3-sigma limits):
    A2 = 3/(d2√n), D3 = max(0, 1 − 3d3/d2), D4 = 1 + 3d3/d2, A3 = 3/(c4√n),
    B3 = max(0, 1 − 3√(1 − c4²)/c4), B4 = 1 + 3√(1 − c4²)/c4, E2 = 3/d2."""
    if n < 2:
        raise InvalidInput(
            f"subgroup size must be at least 2 (got {n}); use an individuals chart for single values",
            f"부분군 크기는 2 이상이어야 합니다({n}). 값이 하나씩이면 I-MR 관리도를 쓰세요",
            code="bad_subgroup",
        )
    d2, d3 = _range_moments(n)
    cc = c4(n)
    spread = 3.0 * np.sqrt(1.0 - cc * cc) / cc
    return {
        "n": n,
        "d2": d2,
        "d3": d3,
        "c4": cc,
        "A2": 3.0 / (d2 * np.sqrt(n)),
        "A3": 3.0 / (cc * np.sqrt(n)),
        "D3": max(0.0, 1.0 - 3.0 * d3 / d2),
        "D4": 1.0 + 3.0 * d3 / d2,
        "B3": max(0.0, 1.0 - spread),
        "B4": 1.0 + spread,
        "E2": 3.0 / d2,
    }


# ---- run rules --------------------------------------------------------------------------------------------


@dataclass
class RuleViolation:
    """A run rule that fired at point `index`, with every point of the pattern that made it fire."""

    rule: str
    index: int
    points: tuple[int, ...]

    @property
    def label_ko(self) -> str:
        return RULE_LABELS[self.rule]["ko"]

    @property
    def label_en(self) -> str:
        return RULE_LABELS[self.rule]["en"]


WESTERN_ELECTRIC = ("WE1", "WE2", "WE3", "WE4")
NELSON = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
RULE_SETS = {"western_electric": WESTERN_ELECTRIC, "nelson": NELSON, "limits": ("WE1",)}


def _run_length(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True ending at each index (0 where False)."""
    idx = np.arange(len(flags))
    last_false = np.maximum.accumulate(np.where(~flags, idx, -1))
    return np.where(flags, idx - last_false, 0)


def _k_of_m(flags: np.ndarray, k: int, m: int) -> np.ndarray:
    """At each index i ≥ m−1: at least k of the m points ending at i are flagged, and i itself is."""
    csum = np.r_[0, np.cumsum(flags.astype(np.int64))]
    counts = np.zeros(len(flags), dtype=np.int64)
    if len(flags) >= m:
        counts[m - 1 :] = csum[m:] - csum[:-m]
    return flags & (counts >= k)


def run_rules(
    values: Sequence[float] | np.ndarray,
    center: float | np.ndarray,
    sigma: float | np.ndarray,
    rules: Sequence[str] | str = "western_electric",
) -> list[RuleViolation]:
    """Evaluate run rules on points standardised as z = (value − centre) / sigma, where sigma is the standard
    deviation of the plotted statistic (one third of the distance from centre to control limit).

    Western Electric (NIST §6.3.2; WE handbook 1956): WE1 one point beyond 3σ; WE2 two of three beyond 2σ on one
    side; WE3 four of five beyond 1σ on one side; WE4 eight in a row on one side.
    Nelson (1984): N1 one beyond 3σ; N2 nine in a row on one side; N3 six in a row steadily increasing or
    decreasing; N4 fourteen in a row alternating up and down; N5 = WE2; N6 = WE3; N7 fifteen in a row within 1σ;
    N8 eight in a row beyond 1σ on either side.
    A point exactly on the centre line breaks a one-side run; equal neighbours break a trend. A rule fires at the
    point that completes its pattern, and again at each later point while the pattern continues."""
    deviation = np.asarray(values, dtype=float) - center
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), deviation.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = deviation / sigma
    # limits collapsed onto the centre (σ 0: a subgroup range of 0 everywhere): a point off the centre line is
    # beyond every limit, one on it (within rounding) in no run (was: σ 0 read as unknown, no rule ever fired
    # while every point lay outside the limits)
    flat = sigma == 0
    on_centre = np.abs(deviation) <= 1e-9 * np.maximum(1.0, np.abs(np.asarray(center, dtype=float)))
    z = np.where(flat, np.where(on_centre, np.nan, np.copysign(np.inf, deviation)), z)
    names = RULE_SETS[rules] if isinstance(rules, str) else tuple(rules)
    unknown = [r for r in names if r not in RULE_LABELS]
    if unknown:
        raise InvalidInput(
            f"unknown run rule(s) {', '.join(unknown)}; choose from {', '.join(RULE_LABELS)}",
            f"알 수 없는 판정 규칙 {', '.join(unknown)}입니다. {', '.join(RULE_LABELS)} 중에서 고르세요",
            code="bad_rule",
        )
    finite = ~np.isnan(z)
    z = np.where(finite, z, 0.0)
    up, down = (z > 0) & finite, (z < 0) & finite
    out: list[RuleViolation] = []

    def fire(rule: str, at: np.ndarray, span: int, members: np.ndarray | None = None) -> None:
        for i in np.flatnonzero(at):
            lo = max(0, i - span + 1)
            pts = range(lo, i + 1)
            if members is not None:
                pts = [j for j in pts if members[j]]
            out.append(RuleViolation(rule, int(i), tuple(int(j) for j in pts)))

    def beyond(k: float) -> tuple[np.ndarray, np.ndarray]:
        return (z > k) & finite, (z < -k) & finite

    for rule in names:
        if rule in ("WE1", "N1"):
            fire(rule, (np.abs(z) > 3) & finite, 1)
        elif rule in ("WE2", "N5"):
            hi, lo = beyond(2)
            fire(rule, _k_of_m(hi, 2, 3), 3, hi)
            fire(rule, _k_of_m(lo, 2, 3), 3, lo)
        elif rule in ("WE3", "N6"):
            hi, lo = beyond(1)
            fire(rule, _k_of_m(hi, 4, 5), 5, hi)
            fire(rule, _k_of_m(lo, 4, 5), 5, lo)
        elif rule in ("WE4", "N2"):
            k = 8 if rule == "WE4" else 9
            fire(rule, _run_length(up) >= k, k)
            fire(rule, _run_length(down) >= k, k)
        elif rule == "N3":
            dz = np.diff(z)
            ok = finite[1:] & finite[:-1]
            for flags in ((dz > 0) & ok, (dz < 0) & ok):
                at = np.r_[False, _run_length(flags) >= 5]  # six points: five steps the same way
                fire(rule, at, 6)
        elif rule == "N4":
            dz = np.diff(z)
            alt = (dz[1:] * dz[:-1] < 0) & finite[2:] & finite[1:-1] & finite[:-2]
            at = np.r_[False, False, _run_length(alt) >= 12]  # fourteen points: thirteen steps, twelve turns
            fire(rule, at, 14)
        elif rule == "N7":
            fire(rule, _run_length((np.abs(z) < 1) & finite) >= 15, 15)
        elif rule == "N8":
            fire(rule, _run_length((np.abs(z) > 1) & finite) >= 8, 8)
    out.sort(key=lambda v: (v.index, v.rule))
    return out


# ---- charts ----------------------------------------------------------------------------------------------


@dataclass
class ChartSeries:
    """One plotted statistic with its centre line, limits, the sigma of the statistic, phase and rule hits."""

    name: str
    values: np.ndarray
    center: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    sigma: np.ndarray
    phase: np.ndarray  # "I" (baseline, limits computed from it) or "II" (monitoring)
    violations: list[RuleViolation] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        fired: dict[int, list[str]] = {}
        for v in self.violations:
            fired.setdefault(v.index, []).append(v.rule)
        return pd.DataFrame(
            {
                "value": self.values,
                "center": self.center,
                "lcl": self.lcl,
                "ucl": self.ucl,
                "phase": self.phase,
                "rules": [",".join(fired.get(i, [])) for i in range(len(self.values))],
            }
        )


@dataclass
class ControlChart:
    """A Shewhart chart: the location chart first (X̄, I, p, np, c, u), then the dispersion chart (R, S, MR)."""

    kind: str
    series: list[ChartSeries]
    baseline_points: int
    sigma_within: float | None = None  # process σ estimated from the baseline (variables charts)
    sigma_z: float | None = (
        None  # Laney p′: spread of the standardised fractions (1 = binomial, > 1 overdispersed)
    )
    labels: list[Any] | None = None  # subgroup labels (times, shift ids) when built from the store

    @property
    def in_control(self) -> bool:
        return not any(s.violations for s in self.series)


def _baseline(m: int, baseline: int | None) -> tuple[int, np.ndarray]:
    b = m if baseline is None else int(baseline)
    if b < 2 or b > m:
        if m < 2:  # a chart of one point: no limits at all ("needs 2 to 1 points" said nothing)
            raise InvalidInput(
                f"the chart has {m} point{'' if m == 1 else 's'}; control limits need at least 2 — take a longer "
                "period (or, for an attributes chart, shorter subgroups)",
                f"관리도의 점이 {m}개뿐입니다. 관리 한계에는 2개 이상이 필요하니 기간을 늘리세요(계수형 관리도는 부분군을 "
                "짧게)",
                code="bad_baseline",
            )
        raise InvalidInput(
            f"the baseline (phase I) needs 2 to {m} points (got {b})",
            f"기준 구간(1단계)은 2~{m}개 점이어야 합니다({b})",
            code="bad_baseline",
        )
    phase = np.where(np.arange(m) < b, "I", "II")
    return b, phase


def _series(name, values, center, lcl, ucl, sigma, phase, rules) -> ChartSeries:
    m = len(values)
    full = lambda a: np.broadcast_to(np.asarray(a, dtype=float), (m,)).copy()  # noqa: E731
    s = ChartSeries(
        name, np.asarray(values, dtype=float), full(center), full(lcl), full(ucl), full(sigma), phase
    )
    if rules:
        s.violations = run_rules(s.values, s.center, s.sigma, rules)
    return s


def _subgroups(data: Any) -> np.ndarray:
    arr = np.asarray(data, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2 or np.isnan(arr).any():
        raise InvalidInput(
            "subgroups must be a table of m rows × n ≥ 2 measurements with no gaps",
            "부분군 데이터는 빈칸 없이 m행 × n(≥2)열의 측정값이어야 합니다",
            code="bad_subgroup",
        )
    return arr


def xbar_r_chart(
    subgroups: Any, baseline: int | None = None, rules: Sequence[str] | str = "western_electric"
) -> ControlChart:
    """X̄ and R charts (NIST §6.3.2.1): X̄-chart limits X̿ ± A2 R̄, R-chart limits D3 R̄ and D4 R̄, with X̿ and R̄
    from the first `baseline` subgroups (phase I; all when None). σ_within = R̄/d2. The R chart uses rule 1 only
    (its distribution is skewed, so zone rules do not apply)."""
    x = _subgroups(subgroups)
    m, n = x.shape
    b, phase = _baseline(m, baseline)
    k = control_constants(n)
    means, ranges = x.mean(axis=1), np.ptp(x, axis=1)
    xbb, rbar = means[:b].mean(), ranges[:b].mean()
    sigma = rbar / k["d2"]
    xbar = _series(
        "xbar", means, xbb, xbb - k["A2"] * rbar, xbb + k["A2"] * rbar, sigma / np.sqrt(n), phase, rules
    )
    r = _series("r", ranges, rbar, k["D3"] * rbar, k["D4"] * rbar, k["d3"] * sigma, phase, "limits")
    return ControlChart("xbar_r", [xbar, r], b, sigma)


def xbar_s_chart(
    subgroups: Any, baseline: int | None = None, rules: Sequence[str] | str = "western_electric"
) -> ControlChart:
    """X̄ and S charts (NIST §6.3.2.1): X̄ limits X̿ ± A3 s̄, S limits B3 s̄ and B4 s̄; σ_within = s̄/c4."""
    x = _subgroups(subgroups)
    m, n = x.shape
    b, phase = _baseline(m, baseline)
    k = control_constants(n)
    means, sds = x.mean(axis=1), x.std(axis=1, ddof=1)
    xbb, sbar = means[:b].mean(), sds[:b].mean()
    sigma = sbar / k["c4"]
    xbar = _series(
        "xbar", means, xbb, xbb - k["A3"] * sbar, xbb + k["A3"] * sbar, sigma / np.sqrt(n), phase, rules
    )
    s_sigma = sigma * np.sqrt(1 - k["c4"] ** 2)
    s = _series("s", sds, sbar, k["B3"] * sbar, k["B4"] * sbar, s_sigma, phase, "limits")
    return ControlChart("xbar_s", [xbar, s], b, sigma)


def imr_chart(
    values: Sequence[float] | np.ndarray,
    baseline: int | None = None,
    rules: Sequence[str] | str = "western_electric",
) -> ControlChart:
    """Individuals and moving-range charts (NIST §6.3.2.2): X̄ ± 3 MR̄/1.128, MR limits 0 and D4(2) MR̄ = 3.267 MR̄,
    with MR(i) = |x(i) − x(i−1)| and d2(2) = 1.128; the first point has no moving range (NaN)."""
    x = np.asarray(values, dtype=float)
    b, phase = _baseline(len(x), baseline)
    k = control_constants(2)
    mr = np.r_[np.nan, np.abs(np.diff(x))]
    xbar, mrbar = x[:b].mean(), np.nanmean(mr[:b])
    sigma = mrbar / k["d2"]
    ind = _series("i", x, xbar, xbar - 3 * sigma, xbar + 3 * sigma, sigma, phase, rules)
    mrs = _series("mr", mr, mrbar, 0.0, k["D4"] * mrbar, k["d3"] * sigma, phase, "limits")
    return ControlChart("imr", [ind, mrs], b, sigma)


def p_chart(
    defectives: Sequence[int],
    sizes: Sequence[int] | int,
    baseline: int | None = None,
    rules: Sequence[str] | str = "western_electric",
) -> ControlChart:
    """Fraction nonconforming (NIST §6.3.3.2): p̄ = Σd/Σn over the baseline, limits p̄ ± 3√(p̄(1−p̄)/nᵢ) per
    subgroup, the lower limit floored at 0. `sigma_z` reports Laney's overdispersion measure alongside."""
    d = np.asarray(defectives, dtype=float)
    n = np.broadcast_to(np.asarray(sizes, dtype=float), d.shape)
    _check_counts(d, n)
    b, phase = _baseline(len(d), baseline)
    pbar = d[:b].sum() / n[:b].sum()
    sig = np.sqrt(pbar * (1 - pbar) / n)
    series = _series("p", d / n, pbar, np.maximum(pbar - 3 * sig, 0), pbar + 3 * sig, sig, phase, rules)
    # σz tells whether the subgroups vary more than binomial chance (then Laney's p′ is the chart to read)
    return ControlChart("p", [series], b, sigma_z=_sigma_z(d[:b], n[:b], pbar))


def _sigma_z(d: np.ndarray, n: np.ndarray, pbar: float) -> float:
    """Laney's σ_z: the mean moving range of zᵢ = (pᵢ − p̄)/√(p̄(1 − p̄)/nᵢ) over d₂ = 1.128 (1 when nothing varies)."""
    if pbar in (0.0, 1.0) or len(d) < 2:
        return 1.0  # no spread to measure: every part good (or every part scrap)
    z = (d / n - pbar) / np.sqrt(pbar * (1 - pbar) / n)
    sigma_z = float(np.abs(np.diff(z)).mean() / 1.128)
    return (
        sigma_z if sigma_z > 0 else 1.0
    )  # identical fractions: no spread measured, keep the binomial limits


def laney_p_chart(
    defectives: Sequence[int],
    sizes: Sequence[int] | int,
    baseline: int | None = None,
    rules: Sequence[str] | str = "western_electric",
) -> ControlChart:
    """Laney's p′ chart (Laney 2002, Quality Engineering 14(4), 531–537): a p chart whose limits are widened (or
    narrowed) by σ_z, the within-process spread of the standardised fractions zᵢ = (pᵢ − p̄)/σ_pᵢ, estimated as the
    mean moving range of the baseline's z over d₂ = 1.128. Limits p̄ ± 3·σ_pᵢ·σ_z. With large subgroups, real
    variation between them (several machines, material lots) makes an ordinary p chart flag nearly every point;
    σ_z ≈ 1 means the data are binomial and p′ equals p."""
    d = np.asarray(defectives, dtype=float)
    n = np.broadcast_to(np.asarray(sizes, dtype=float), d.shape)
    _check_counts(d, n)
    b, phase = _baseline(len(d), baseline)
    pbar = d[:b].sum() / n[:b].sum()
    sig_p = np.sqrt(pbar * (1 - pbar) / n)
    sigma_z = _sigma_z(d[:b], n[:b], pbar)
    sig = sig_p * sigma_z
    series = _series(
        "p′", d / n, pbar, np.maximum(pbar - 3 * sig, 0), np.minimum(pbar + 3 * sig, 1), sig, phase, rules
    )
    return ControlChart("laney_p", [series], b, sigma_z=sigma_z)


def np_chart(
    defectives: Sequence[int],
    size: int,
    baseline: int | None = None,
    rules: Sequence[str] | str = "western_electric",
) -> ControlChart:
    """Number nonconforming with a constant subgroup size n (NIST §6.3.3.2): n p̄ ± 3√(n p̄ (1 − p̄))."""
    d = np.asarray(defectives, dtype=float)
    _check_counts(d, np.full(d.shape, float(size)))
    b, phase = _baseline(len(d), baseline)
    pbar = d[:b].mean() / size
    c, sig = size * pbar, np.sqrt(size * pbar * (1 - pbar))
    return ControlChart("np", [_series("np", d, c, max(c - 3 * sig, 0.0), c + 3 * sig, sig, phase, rules)], b)


def c_chart(
    counts: Sequence[int], baseline: int | None = None, rules: Sequence[str] | str = "western_electric"
) -> ControlChart:
    """Nonconformities per inspection unit of constant size (NIST §6.3.3.1): c̄ ± 3√c̄, the lower limit ≥ 0."""
    c = np.asarray(counts, dtype=float)
    _check_counts(c, None)
    b, phase = _baseline(len(c), baseline)
    cbar = c[:b].mean()
    sig = np.sqrt(cbar)
    return ControlChart(
        "c", [_series("c", c, cbar, max(cbar - 3 * sig, 0.0), cbar + 3 * sig, sig, phase, rules)], b
    )


def u_chart(
    counts: Sequence[int],
    units: Sequence[float] | float,
    baseline: int | None = None,
    rules: Sequence[str] | str = "western_electric",
) -> ControlChart:
    """Nonconformities per unit with varying inspected units (NIST §6.3.3.1): ū = Σc/Σn, ū ± 3√(ū/nᵢ)."""
    c = np.asarray(counts, dtype=float)
    n = np.broadcast_to(np.asarray(units, dtype=float), c.shape)
    _check_counts(c, None)
    b, phase = _baseline(len(c), baseline)
    ubar = c[:b].sum() / n[:b].sum()
    sig = np.sqrt(ubar / n)
    return ControlChart(
        "u", [_series("u", c / n, ubar, np.maximum(ubar - 3 * sig, 0), ubar + 3 * sig, sig, phase, rules)], b
    )


def _check_counts(d: np.ndarray, n: np.ndarray | None) -> None:
    bad = (d < 0) | ~np.isfinite(d)
    if n is not None:
        bad |= (n <= 0) | (d > n)
    if bad.any():
        raise InvalidInput(
            f"counts must be finite, non-negative and not above their subgroup size (subgroup {int(np.argmax(bad))})",
            f"개수는 0 이상이고 부분군 크기를 넘지 않아야 합니다(부분군 {int(np.argmax(bad))})",
            code="bad_counts",
        )


# ---- capability ------------------------------------------------------------------------------------------


@dataclass
class Capability:
    """Capability (σ within subgroups) and performance (σ overall) indices with two-sided confidence intervals."""

    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    lsl: float | None
    usl: float | None
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    cp_ci: tuple[float, float] | None
    cpk_ci: tuple[float, float] | None
    pp_ci: tuple[float, float] | None
    ppk_ci: tuple[float, float] | None
    confidence: float
    out_of_spec: int = 0  # measurements outside the limits, counted
    # the counted share outside the limits in parts per million: the figure that holds whatever the distribution
    observed_ppm: float = 0.0
    # parts per million outside the limits that a normal distribution of the overall mean and σ expects; it
    # describes the process only when `normal` is not False (Montgomery §8.3: the ratios' ppm assume normality)
    expected_ppm: float = 0.0
    # "given" (typed), "company" (the company's saved limits, `monitor.specs`) or "process" (the family's drawing)
    spec_source: str = "given"
    # D'Agostino–Pearson test of normality (scipy.stats.normaltest; n ≥ 20)
    normal_p: float | None = None
    # False when the test rejects normality at NORMALITY_ALPHA: the indices and `expected_ppm` then do not describe
    # the data and `observed_ppm` is the figure to trust; None when too few measurements to test (n < 20)
    normal: bool | None = None
    # how many machines' parts the measurements mix (from the store; None for values handed in): several
    # streams side by side (each its own mean and spread) are a common reason for a distribution that is not normal
    machine_count: int | None = None
    # when the test rejects normality: Pp and Ppk by the percentile method of ISO 22514-2 from a fitted distribution,
    # or the plain statement that none fits (`non_normal_capability`); None for data that pass or were not tested
    non_normal: NonNormalCapability | None = None

    @property
    def verdict(self) -> str:
        """capable (Cpk ≥ 1.33), marginal (1.00–1.33) or not_capable (< 1.00): the thresholds customers ask of
        an ongoing process (AIAG, *Statistical Process Control*, 2nd ed., 2005, ch. IV). For measurements that
        fail the normality test the normal model's Cpk judges nothing: the same thresholds on the percentile Ppk
        of a fitted distribution (`non_normal`), else `undetermined` (judge by the observed share out of limits)."""
        if self.normal is False:
            fitted = self.non_normal.verdict if self.non_normal is not None else None
            return fitted or "undetermined"
        cpk = self.cpk if self.cpk is not None else -math.inf
        return "capable" if cpk >= 1.33 else "marginal" if cpk >= 1.0 else "not_capable"


# The D'Agostino–Pearson test rejects normality below this p (1 %: thousands of parts make small departures
# significant; below 1 % the departure is plain in a histogram too).
NORMALITY_ALPHA = 0.01


def check_spec(lsl: float | None, usl: float | None) -> None:
    """Specification limits as a capability study needs them, refused saying how to fix them: at least one
    (`no_spec`), finite, and the lower below the upper (`bad_spec`). The one check for typed and saved limits."""
    if lsl is None and usl is None:
        raise InvalidInput(
            "capability needs at least one specification limit (lsl or usl)",
            "공정능력 계산에는 규격 하한 또는 상한이 하나 이상 필요합니다",
            code="no_spec",
            field="lsl",
        )
    if not all(math.isfinite(v) for v in (lsl, usl) if v is not None):
        raise InvalidInput(
            "specification limits must be finite numbers",
            "규격 한계는 유한한 숫자여야 합니다",
            code="bad_spec",
        )
    if lsl is not None and usl is not None and usl <= lsl:
        raise InvalidInput(
            f"the lower specification limit {lsl:g} must be below the upper {usl:g}",
            f"규격 하한 {lsl:g}은(는) 상한 {usl:g}보다 작아야 합니다",
            code="bad_spec",
            field="usl",
        )


def _check_spread(x: np.ndarray, overall: float, sigma_within: float, subgroup_size: int) -> None:
    """Capability divides by σ: measurements that do not vary (or vary only between subgroups, as a gauge reading
    to 0.01 mm on a 0.001 mm process does) have no index, which is said with the likely cause (was a
    ZeroDivisionError, HTTP 500)."""
    if overall == 0:
        raise InvalidInput(
            f"all {len(x)} measurements are {x[0]:g}: capability needs measurements that vary; the gauge may read "
            "too coarsely for this tolerance (its resolution should be a tenth of the tolerance or finer)",
            f"측정값 {len(x)}개가 모두 {x[0]:g}입니다. 공정능력은 값이 흩어져야 계산됩니다. 측정기의 분해능이 이 공차에 비해 "
            "거칠 수 있습니다(분해능은 공차의 1/10 이하가 좋습니다)",
            code="no_spread",
        )
    if not sigma_within > 0:
        within = (
            "between consecutive measurements"
            if subgroup_size <= 1
            else f"within any subgroup of {subgroup_size}"
        )
        within_ko = "연속한 측정값 사이에" if subgroup_size <= 1 else f"{subgroup_size}개씩의 부분군 안에서"
        raise InvalidInput(
            f"the measurements do not vary {within}, so σ within is 0 and Cp and Cpk cannot be computed; the "
            "gauge may read too coarsely for this tolerance — measure finer, or choose another subgroup size",
            f"측정값이 {within_ko} 변하지 않아 군내 σ가 0이므로 Cp와 Cpk를 계산할 수 없습니다. 측정기의 분해능이 "
            "거칠 수 있으니 더 정밀하게 측정하거나 부분군 크기를 바꾸세요",
            code="no_spread",
        )


def _indices(mean, sigma, lsl, usl):
    """(Cp, Cpk) for σ within or (Pp, Ppk) for σ overall. Montgomery (2013) §8.3: Cp = (USL − LSL)/6σ needs both
    limits (None otherwise); the one-sided ratios are Cpu = (USL − μ)/3σ and Cpl = (μ − LSL)/3σ, and
    Cpk = min(Cpu, Cpl) — so with one limit only Cpk is that limit's one-sided ratio (Cpl or Cpu)."""
    cp = (usl - lsl) / (6 * sigma) if lsl is not None and usl is not None else None
    sides = []
    if usl is not None:
        sides.append((usl - mean) / (3 * sigma))
    if lsl is not None:
        sides.append((mean - lsl) / (3 * sigma))
    return cp, min(sides)


# ---- capability of measurements that are not normal -------------------------------------------------------

# ISO 22514-2:2017 percentile method: the 0.135 % and 99.865 % points of the process distribution take the place
# of μ ∓ 3σ (they are μ ∓ 3σ exactly when the distribution is normal), the median the place of μ.
TAIL = 0.00135
Z_TAIL = float(stats.norm.isf(TAIL))  # 2.99997…
# A fitted distribution is used only when the data, transformed by it, pass the Anderson–Darling test of normality
# at this level: the same 1 % the normal model is held to (NORMALITY_ALPHA), so no fit that fails where the normal
# model failed is put in its place.
FIT_ALPHA = 0.01
# Fewer parts than this say too little about a distribution's shape to carry it out to its 0.135 % tails.
MIN_FIT_N = 50
BOX_COX_LAMBDA = (-5.0, 5.0)  # the range searched for λ (Box & Cox 1964), as statistics packages bound it
BOOTSTRAP_RESAMPLES = 200
BOOTSTRAP_SEED = 22514
# Johnson fits are tried at these z (Slifker & Shapiro 1980 use z ≈ 0.5; searching z as Minitab does makes the
# fit follow the tails better); a z is used only where the sample holds parts out to Φ(−3z) (see _johnson_zs).
JOHNSON_Z = np.round(np.arange(0.25, 1.2501, 0.05), 2)
_BOX_COX_GRID = np.round(np.arange(BOX_COX_LAMBDA[0], BOX_COX_LAMBDA[1] + 1e-9, 0.1), 1)


@dataclass
class FitCandidate:
    """One distribution tried for the measurements and how well it fits: the Anderson–Darling statistic A² of the
    data transformed to normal scores and its p-value (D'Agostino & Stephens 1986); `fits` when p ≥ FIT_ALPHA."""

    distribution: str  # box_cox, johnson_su, johnson_sb, johnson_sl or weibull_3p
    ad_statistic: float | None
    fit_p: float | None
    fits: bool
    parameters: dict[str, float] = field(default_factory=dict)
    reason: str | None = None  # why it could not be tried (e.g. "not_positive" for Box-Cox)


@dataclass
class NonNormalCapability:
    """Performance indices by the percentile method of ISO 22514-2:2017 for measurements that failed the normality
    test: Pp = (USL − LSL)/(X₀.₉₉₈₆₅ − X₀.₀₀₁₃₅), Ppk = min(Ppu, Ppl), Ppu = (USL − X₀.₅)/(X₀.₉₉₈₆₅ − X₀.₅),
    Ppl = (X₀.₅ − LSL)/(X₀.₅ − X₀.₀₀₁₃₅), the quantiles those of the best-fitting distribution.

    `status` is "fitted" (the figures hold), "no_fit" (no candidate passed the fit test: no index, no expected ppm;
    the observed ppm of the study is the only figure) or "too_few" (fewer than MIN_FIT_N measurements)."""

    status: str
    method: str = "percentile_iso_22514_2"
    distribution: str | None = None
    parameters: dict[str, float] = field(default_factory=dict)
    ad_statistic: float | None = None
    fit_p: float | None = None
    candidates: list[FitCandidate] = field(default_factory=list)
    x_low: float | None = None  # X₀.₀₀₁₃₅ of the fitted distribution
    x_median: float | None = None  # X₀.₅
    x_high: float | None = None  # X₀.₉₉₈₆₅
    pp: float | None = None
    ppk: float | None = None
    pp_ci: tuple[float, float] | None = None
    ppk_ci: tuple[float, float] | None = None
    confidence: float = 0.95
    bootstrap_resamples: int = 0
    # parts per million outside the limits that the fitted distribution expects (beside the study's observed ppm)
    expected_ppm: float | None = None
    min_fit_n: int = MIN_FIT_N  # the fewest measurements a fit is tried on

    @property
    def verdict(self) -> str | None:
        """The thresholds of `Capability.verdict` applied to the percentile Ppk; None without a fit."""
        if self.ppk is None:
            return None
        return "capable" if self.ppk >= 1.33 else "marginal" if self.ppk >= 1.0 else "not_capable"


def anderson_darling_normal(y: np.ndarray) -> tuple[float, float]:
    """Anderson–Darling test that sorted `y` are normal with mean and σ estimated from them (D'Agostino, R. B. and
    Stephens, M. A. (1986), Goodness-of-Fit Techniques, §4.8, Table 4.9): with zᵢ = Φ((y₍ᵢ₎ − ȳ)/s),
    A² = −n − (1/n) Σ (2i − 1)[ln zᵢ + ln(1 − z₍ₙ₊₁₋ᵢ₎)], A*² = A²(1 + 0.75/n + 2.25/n²), and the p-value from
    A*² by the table's four exponential pieces. Returns (A², p)."""
    n = len(y)
    s = float(y.std(ddof=1))
    if not s > 0:
        return math.inf, 0.0
    u = (y - y.mean()) / s
    i = np.arange(1, n + 1)
    a2 = float(-n - np.sum((2 * i - 1) * (special.log_ndtr(u) + special.log_ndtr(-u[::-1]))) / n)
    a = a2 * (1 + 0.75 / n + 2.25 / n**2)
    if a >= 150:  # past the table's range the quadratic term would turn the curve up; p is below 1e-300 there
        p = 0.0
    elif a >= 0.6:
        p = math.exp(1.2937 - 5.709 * a + 0.0186 * a * a)
    elif a >= 0.34:
        p = math.exp(0.9177 - 4.279 * a - 1.38 * a * a)
    elif a >= 0.2:
        p = 1 - math.exp(-8.318 + 42.796 * a - 59.938 * a * a)
    else:
        p = 1 - math.exp(-13.436 + 101.14 * a - 223.73 * a * a)
    return a2, min(max(p, 0.0), 1.0)


def _box_cox(log_x: np.ndarray, lam: np.ndarray | float) -> np.ndarray:
    """y = (x^λ − 1)/λ, ln x at λ = 0 (Box, G. E. P. and Cox, D. R. (1964), "An analysis of transformations",
    J. Royal Statistical Society B 26(2):211-252, eq. 1), from ln x."""
    lam = np.asarray(lam, dtype=float)
    safe = np.where(lam == 0, 1.0, lam)
    return np.where(lam == 0, log_x, np.expm1(lam * log_x) / safe)


def _box_cox_inverse(y: np.ndarray, lam: np.ndarray | float) -> np.ndarray:
    """x = (1 + λy)^(1/λ), eʸ at λ = 0; where 1 + λy ≤ 0 (a normal tail past the transform's bound) the bound:
    0 for λ > 0, +∞ for λ < 0."""
    lam = np.asarray(lam, dtype=float)
    safe = np.where(lam == 0, 1.0, lam)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        base = 1.0 + lam * y
        inside = np.exp(np.log1p(lam * y) / safe)
        out = np.where(base > 0, inside, np.where(lam > 0, 0.0, np.inf))
    return np.where(lam == 0, np.exp(y), out)


def _box_cox_lambda(log_x: np.ndarray) -> float:
    """λ maximising the profile log-likelihood of Box & Cox (1964) §3, ℓ(λ) = (λ − 1) Σ ln x − (n/2) ln σ̂²(λ)
    with σ̂²(λ) the variance of the transformed values, searched in BOX_COX_LAMBDA."""
    from scipy import optimize

    total = float(log_x.sum())
    n = len(log_x)

    def negative(lam: float) -> float:
        return -((lam - 1) * total - n / 2 * math.log(max(float(_box_cox(log_x, lam).var()), 1e-300)))

    return float(optimize.minimize_scalar(negative, bounds=BOX_COX_LAMBDA, method="bounded").x)


def _johnson(q: np.ndarray, z: float) -> dict[str, np.ndarray]:
    """Johnson's system (Johnson, N. L. (1949), "Systems of frequency curves generated by methods of translation",
    Biometrika 36:149-176) fitted by the percentile method of Slifker, J. F. and Shapiro, S. S. (1980), "The Johnson
    system: selection and parameter estimation", Technometrics 22(2):239-246, from the data's quantiles
    q = (x₋₃z, x₋z, xz, x₃z) at Φ(−3z), Φ(−z), Φ(z), Φ(3z) (last axis; any leading shape).

    m = x₃z − xz, n = x₋z − x₋₃z, p = xz − x₋z; mn/p² > 1 gives SU, < 1 SB, = 1 SL, with normal score
    SU: γ + η sinh⁻¹((x − ε)/λ);  SB: γ + η ln((x − ε)/(λ + ε − x));  SL: γ + η ln(x − ε).
    SU: η = 2z / cosh⁻¹(½(m/p + n/p)), γ = η sinh⁻¹((n/p − m/p) / (2√(mn/p² − 1))),
        λ = 2p√(mn/p² − 1) / ((m/p + n/p − 2)√(m/p + n/p + 2)), ε = (xz + x₋z)/2 + p(n/p − m/p)/(2(m/p + n/p − 2)).
    SB: η = z / cosh⁻¹(½√((1 + p/m)(1 + p/n))),
        γ = η sinh⁻¹((p/n − p/m)√((1 + p/m)(1 + p/n) − 4) / (2(p²/mn − 1))),
        λ = p√(((1 + p/m)(1 + p/n) − 2)² − 4) / (p²/mn − 1), ε = (xz + x₋z)/2 − λ/2 + p(p/n − p/m)/(2(p²/mn − 1)).
    SL: η = 2z / ln(m/p), γ = η ln((m/p − 1)/(p√(m/p))), ε = (xz + x₋z)/2 − (p/2)(m/p + 1)/(m/p − 1).
    Returns kind (0 SU, 1 SB, 2 SL) and γ, η, ε, λ as arrays; NaN where the quantiles admit no fit."""
    q = np.asarray(q, dtype=float)
    m, nn, p = q[..., 3] - q[..., 2], q[..., 1] - q[..., 0], q[..., 2] - q[..., 1]
    mid = (q[..., 2] + q[..., 1]) / 2
    with np.errstate(all="ignore"):
        ratio = m * nn / (p * p)
        mp, np_ = m / p, nn / p
        su_eta = 2 * z / np.arccosh(0.5 * (mp + np_))
        su = (
            su_eta * np.arcsinh((np_ - mp) / (2 * np.sqrt(ratio - 1))),
            su_eta,
            mid + p * (np_ - mp) / (2 * (mp + np_ - 2)),
            2 * p * np.sqrt(ratio - 1) / ((mp + np_ - 2) * np.sqrt(mp + np_ + 2)),
        )
        pm, pn = p / m, p / nn
        prod, inv = (1 + pm) * (1 + pn), pm * pn - 1
        sb_eta = z / np.arccosh(0.5 * np.sqrt(prod))
        sb_lam = p * np.sqrt((prod - 2) ** 2 - 4) / inv
        sb = (
            sb_eta * np.arcsinh((pn - pm) * np.sqrt(prod - 4) / (2 * inv)),
            sb_eta,
            mid - sb_lam / 2 + p * (pn - pm) / (2 * inv),
            sb_lam,
        )
        sl_eta = 2 * z / np.log(mp)
        sl = (
            sl_eta * np.log((mp - 1) / (p * np.sqrt(mp))),
            sl_eta,
            mid - p / 2 * (mp + 1) / (mp - 1),
            np.ones_like(mp),
        )
    # at mn/p² = 1 the SU and SB formulas divide by zero; SL is their common limit
    kind = np.where(np.abs(ratio - 1) < 1e-6, 2, np.where(ratio > 1, 0, 1))
    out = {"kind": kind}
    for k, name in enumerate(("gamma", "eta", "epsilon", "lambda")):
        value = np.select([kind == 0, kind == 1], [su[k], sb[k]], sl[k])
        ok = (p > 0) & (m > 0) & (nn > 0) & np.isfinite(value)
        out[name] = np.where(ok, value, np.nan)
    return out


def _johnson_quantile(fit: Mapping[str, np.ndarray], u: float) -> np.ndarray:
    """x at normal score u: SU ε + λ sinh((u − γ)/η), SB ε + λ/(1 + e^(−(u − γ)/η)), SL ε + e^((u − γ)/η)."""
    w = (u - fit["gamma"]) / fit["eta"]
    with np.errstate(all="ignore"):
        su = fit["epsilon"] + fit["lambda"] * np.sinh(w)
        sb = fit["epsilon"] + fit["lambda"] * special.expit(w)
        sl = fit["epsilon"] + np.exp(w)
    return np.select([fit["kind"] == 0, fit["kind"] == 1], [su, sb], sl)


def _johnson_score(fit: Mapping[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The normal score of x under a Johnson fit (see `_johnson`); ∓∞ beyond an SB or SL bound."""
    g, e, eps, lam = (float(fit[k]) for k in ("gamma", "eta", "epsilon", "lambda"))
    kind = int(fit["kind"])
    with np.errstate(all="ignore"):
        if kind == 0:
            return g + e * np.arcsinh((x - eps) / lam)
        if kind == 1:
            t = (x - eps) / lam
            inside = g + e * (np.log(t) - np.log1p(-t))
            return np.where(t <= 0, -np.inf, np.where(t >= 1, np.inf, inside))
        return np.where(x <= eps, -np.inf, g + e * np.log(x - eps))


def _quantiles_type7(sorted_x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Sample quantiles by linear interpolation between order statistics, h = (n − 1)p (Hyndman & Fan type 7)."""
    return np.quantile(sorted_x, probs)


def _johnson_zs(n: int) -> np.ndarray:
    """The z a sample of n supports: the Φ(−3z) quantile must lie at least five parts into the tail."""
    return JOHNSON_Z[stats.norm.cdf(-3 * JOHNSON_Z) * n >= 5]


JOHNSON_NAMES = ("johnson_su", "johnson_sb", "johnson_sl")

# The three-parameter Weibull's threshold θ is searched between WEIBULL_EDGE and WEIBULL_FAR times the data's range
# below the smallest value (log scale). Its likelihood grows without bound as θ nears the smallest value when the
# shape is below 1, so a fit whose threshold ends on that edge is no fit (the packages that fit it say the same).
WEIBULL_EDGE = 1e-7  # far below the gap to the smallest value a sample of thousands leaves (≈ range/n^(1/k))
WEIBULL_FAR = 10.0
_WEIBULL_GRID = np.linspace(math.log10(WEIBULL_EDGE), math.log10(WEIBULL_FAR), 33)


def _weibull_profile(z: np.ndarray, w: np.ndarray, k0: float = 1.5) -> tuple[float, float, float]:
    """The two-parameter Weibull fit of z > 0 with weights w (counts): (log-likelihood, shape k, scale λ). k solves
    Σw zᵏ ln z / Σw zᵏ − 1/k − Σw ln z / Σw = 0 (Cohen 1965, increasing in k), then λ = (Σw zᵏ / Σw)^(1/k);
    Newton's method starts from `k0` (the last fit's shape, when the threshold moves a little)."""
    n = float(w.sum())
    c = float(z.max())
    zs = z / c  # in (0, 1]: zᵏ cannot overflow
    lz = np.log(zs)
    mean_lz = float(w @ lz) / n

    def equation(k: float) -> tuple[float, float]:
        """g(k) and g'(k) = Var_k(ln z) + 1/k², the variance under weights w zᵏ (so g rises with k)."""
        wk = w * np.exp(k * lz)
        s0 = float(wk.sum())
        m1, m2 = float(wk @ lz) / s0, float(wk @ (lz * lz)) / s0
        return m1 - 1.0 / k - mean_lz, m2 - m1 * m1 + 1.0 / (k * k)

    # Newton's method kept inside a bracket that shrinks with every step (bisection when a step leaves it)
    lo, hi, k = 0.02, 200.0, min(max(k0, 0.05), 100.0)
    for _ in range(100):
        g, slope = equation(k)
        if g > 0:
            hi = k
        else:
            lo = k
        step = k - g / slope
        k_next = step if lo < step < hi else 0.5 * (lo + hi)
        if abs(k_next - k) <= 1e-10 * k:
            k = k_next
            break
        k = k_next
    m = float(w @ np.exp(k * lz)) / n
    loglik = n * math.log(k) - n * math.log(m) + (k - 1) * float(w @ lz) - n - n * math.log(c)
    return loglik, k, c * m ** (1.0 / k)


def _weibull3(
    xs: np.ndarray, w: np.ndarray | None = None, near: float | None = None
) -> dict[str, float] | None:
    """The three-parameter Weibull (threshold θ, shape k, scale λ) by maximum likelihood with θ profiled (coarse
    grid of log₁₀ of θ's distance below the smallest value in ranges, then Brent's method between the best point's
    neighbours); None when θ ends on the edge next to the smallest value (`WEIBULL_EDGE`). `w`: how often each of
    sorted `xs` is counted (a bootstrap resample); `near`: the grid only a decade either side of this log₁₀
    distance (a resample's fit lies near the sample's)."""
    if w is None:
        w = np.ones(len(xs))
    grid = _WEIBULL_GRID
    if near is not None:
        grid = np.linspace(max(grid[0], near - 1.0), min(grid[-1], near + 1.0), 5)
    keep = w > 0
    x, w = xs[keep], w[keep]
    low, span = float(x.min()), float(x.max() - x.min())
    if not span > 0:
        return None

    last = [1.5]  # the shape of the last threshold tried: the next one's Newton starts there

    def negative(t: float) -> float:
        loglik, last[0], _ = _weibull_profile(x - low + span * 10.0**t, w, last[0])
        return -loglik

    values = [negative(t) for t in grid]
    i = int(np.argmin(values))
    if i == 0 and grid[0] <= _WEIBULL_GRID[0]:
        return None
    bounds = (grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)])
    xatol = 1e-4 if near is None else 5e-3  # a resample's threshold need not be as exact as the sample's
    t = optimize.minimize_scalar(negative, bounds=bounds, method="bounded", options={"xatol": xatol}).x
    d = span * 10.0**t
    _, k, lam = _weibull_profile(x - low + d, w, last[0])
    return {"threshold": low - d, "shape": k, "scale": lam, "log_gap": float(t)}


def _weibull_quantile(fit: Mapping[str, float], u: float) -> float:
    """x at normal score u: θ + λ(−ln(1 − Φ(u)))^(1/k), with −ln(1 − Φ(u)) = −log Φ(−u) kept exact in both tails."""
    return fit["threshold"] + fit["scale"] * (-float(special.log_ndtr(-u))) ** (1.0 / fit["shape"])


def _weibull_score(fit: Mapping[str, float], x: np.ndarray) -> np.ndarray:
    """The normal score Φ⁻¹(F(x)) of x under a Weibull fit, F(x) = 1 − exp(−((x − θ)/λ)ᵏ); −∞ at or below θ."""
    with np.errstate(all="ignore"):
        h = (np.maximum(np.asarray(x, dtype=float) - fit["threshold"], 0.0) / fit["scale"]) ** fit["shape"]
        # the upper tail through the survival exp(−h), the lower through F = −expm1(−h): each keeps its digits
        return np.where(h > math.log(2), -special.ndtri(np.exp(-h)), special.ndtri(-np.expm1(-h)))


def _fit_candidates(xs: np.ndarray) -> tuple[list[FitCandidate], dict[str, Any]]:
    """Box-Cox normal and the best Johnson curve over the z grid, each with its Anderson–Darling fit. Returns the
    candidates and, per candidate name, what `_percentiles` needs to evaluate it."""
    candidates: list[FitCandidate] = []
    models: dict[str, Any] = {}
    n = len(xs)
    if xs[0] > 0:
        scale = float(np.median(xs))
        log_x = np.log(xs / scale)  # Box-Cox's λ does not depend on the unit; scaled, x^λ stays near 1
        lam = _box_cox_lambda(log_x)
        y = _box_cox(log_x, lam)
        a2, p = anderson_darling_normal(y)
        mu, sd = float(y.mean()), float(y.std(ddof=1))
        params = {"lambda": lam, "mean": mu, "sigma": sd, "scale": scale}
        candidates.append(FitCandidate("box_cox", a2, p, p >= FIT_ALPHA, params))
        models["box_cox"] = params
    else:
        candidates.append(FitCandidate("box_cox", None, None, False, reason="not_positive"))
    best: tuple[float, float, float, dict[str, Any]] | None = None
    for z in _johnson_zs(n):
        probs = stats.norm.cdf([-3 * z, -z, z, 3 * z])
        fit = _johnson(_quantiles_type7(xs, probs), float(z))
        if not np.isfinite(fit["gamma"]):
            continue
        y = _johnson_score(fit, xs)
        if not np.all(np.isfinite(y)):  # an SB or SL bound inside the data: not a distribution of these parts
            continue
        a2, p = anderson_darling_normal(y)
        if best is None or a2 < best[0]:
            best = (a2, p, float(z), fit)
    if best is None:
        candidates.append(FitCandidate("johnson", None, None, False, reason="no_curve"))
    else:
        a2, p, z, fit = best
        name = JOHNSON_NAMES[int(fit["kind"])]
        params = {k: float(fit[k]) for k in ("gamma", "eta", "epsilon", "lambda")} | {"z": z}
        candidates.append(FitCandidate(name, a2, p, p >= FIT_ALPHA, params))
        models[name] = fit | {"z": z}
    weibull = _weibull3(xs)
    if weibull is None:
        candidates.append(FitCandidate("weibull_3p", None, None, False, reason="threshold_at_edge"))
    else:
        y = _weibull_score(weibull, xs)
        a2, p = anderson_darling_normal(y) if np.all(np.isfinite(y)) else (math.inf, 0.0)
        params = {k: weibull[k] for k in ("threshold", "shape", "scale")}
        candidates.append(FitCandidate("weibull_3p", a2, p, p >= FIT_ALPHA, params))
        models["weibull_3p"] = weibull
    return candidates, models


def _box_cox_percentiles(params: Mapping[str, Any]) -> tuple[np.ndarray, ...]:
    """X₀.₀₀₁₃₅, X₀.₅, X₀.₉₉₈₆₅ of a Box-Cox normal: the normal's μ ∓ Z·σ and μ carried back through the inverse
    transform (the transform is monotone, so quantiles map to quantiles)."""
    lam, mu, sd, scale = (np.asarray(params[k]) for k in ("lambda", "mean", "sigma", "scale"))
    return tuple(scale * _box_cox_inverse(mu + u * sd, lam) for u in (-Z_TAIL, 0.0, Z_TAIL))


def _percentile_indices(lo, med, hi, lsl, usl) -> tuple[Any, Any]:
    """(Pp, Ppk) of the percentile method of ISO 22514-2:2017 (the quantile-based performance indices for any
    distribution; Clements' method in Montgomery (2013) §8.3, normality and the process capability ratio):
    Pp = (USL − LSL)/(X₀.₉₉₈₆₅ − X₀.₀₀₁₃₅), Ppu = (USL − X₀.₅)/(X₀.₉₉₈₆₅ − X₀.₅), Ppl = (X₀.₅ − LSL)/(X₀.₅ − X₀.₀₀₁₃₅),
    Ppk = min(Ppu, Ppl). Pp needs both limits; one limit gives Ppk as that limit's one-sided index."""
    with np.errstate(all="ignore"):
        pp = (usl - lsl) / (hi - lo) if lsl is not None and usl is not None else None
        sides = []
        if usl is not None:
            sides.append((usl - med) / (hi - med))
        if lsl is not None:
            sides.append((med - lsl) / (med - lo))
    return pp, sides[0] if len(sides) == 1 else np.minimum(*sides)


def _resample_counts(n: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of n measurements is drawn in each of `rows` bootstrap resamples of size n."""
    idx = rng.integers(0, n, size=(rows, n)) + n * np.arange(rows)[:, None]
    return np.bincount(idx.ravel(), minlength=rows * n).reshape(rows, n).astype(float)


def _bootstrap_percentiles(xs: np.ndarray, name: str, model: Mapping[str, Any], w: np.ndarray):
    """X₀.₀₀₁₃₅, X₀.₅, X₀.₉₉₈₆₅ of the named distribution refitted to each resample (rows of counts `w` over sorted
    `xs`), the same estimator as the point fit: Box-Cox's λ by its profile likelihood on a 0.1 grid refined by a
    parabola through the best three points; Johnson's curve by the percentiles at the z chosen for the data; the
    Weibull by its maximum likelihood (NaN where a resample's threshold ends on the edge)."""
    n = len(xs)
    if name == "weibull_3p":
        rows = []
        for counts in w:
            fit = _weibull3(xs, counts, near=model["log_gap"])
            rows.append(
                [math.nan] * 3 if fit is None else [_weibull_quantile(fit, u) for u in (-Z_TAIL, 0.0, Z_TAIL)]
            )
        return tuple(np.asarray(rows).T)
    if name == "box_cox":
        log_x = np.log(xs / model["scale"])
        grid = _box_cox(log_x[None, :], _BOX_COX_GRID[:, None])
        grid -= grid.mean(axis=1, keepdims=True)  # the variance does not change; the cancellation goes
        s1, s2 = w @ grid.T / n, w @ (grid * grid).T / n
        llf = (_BOX_COX_GRID[None, :] - 1) * (w @ log_x)[:, None] - n / 2 * np.log(
            np.maximum(s2 - s1 * s1, 1e-300)
        )
        k = np.clip(np.argmax(llf, axis=1), 1, len(_BOX_COX_GRID) - 2)
        rows = np.arange(len(w))
        a, b, c = llf[rows, k - 1], llf[rows, k], llf[rows, k + 1]
        with np.errstate(all="ignore"):
            shift = np.where(a - 2 * b + c < 0, 0.5 * (a - c) / (a - 2 * b + c), 0.0)
        lam = np.clip(_BOX_COX_GRID[k] + 0.1 * np.clip(shift, -1, 1), *BOX_COX_LAMBDA)
        y = _box_cox(log_x[None, :], lam[:, None])
        mu = (w * y).sum(axis=1) / n
        sd = np.sqrt((w * (y - mu[:, None]) ** 2).sum(axis=1) / (n - 1))
        return _box_cox_percentiles({"lambda": lam, "mean": mu, "sigma": sd, "scale": model["scale"]})
    z = model["z"]
    h = (n - 1) * stats.norm.cdf([-3 * z, -z, z, 3 * z])
    cum = np.cumsum(w, axis=1)
    q = []
    for hk in h:
        lo = int(math.floor(hk))
        # the k-th order statistic (from 0) of a resample is the first sorted value whose count passes k
        j0 = np.minimum((cum <= lo).sum(axis=1), n - 1)
        j1 = np.minimum((cum <= lo + 1).sum(axis=1), n - 1)
        q.append(xs[j0] + (hk - lo) * (xs[j1] - xs[j0]))
    fit = _johnson(np.stack(q, axis=-1), z)
    return tuple(_johnson_quantile(fit, u) for u in (-Z_TAIL, 0.0, Z_TAIL))


def non_normal_capability(
    values: Sequence[float] | np.ndarray,
    lsl: float | None = None,
    usl: float | None = None,
    *,
    confidence: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> NonNormalCapability:
    """Pp and Ppk by the percentile method of ISO 22514-2:2017 (see `NonNormalCapability`) from a fitted
    distribution, as Minitab-like tools do for data that are not normal; the quantiles are the fitted
    distribution's, not the sample's: a few thousand parts hold too few measurements past 0.135 % to read it.

    Candidates: a normal after the Box-Cox transformation (positive data only; Box & Cox 1964), Johnson's SU, SB
    or SL curve (Johnson 1949) fitted by Slifker & Shapiro's (1980) percentiles at the z in JOHNSON_Z that fits
    best, and the three-parameter Weibull by maximum likelihood (Cohen 1965), the usual model of a characteristic
    bounded on one side (flatness, runout, roughness). Each is judged by the Anderson–Darling test of its normal scores (D'Agostino & Stephens 1986); the one
    with the smallest A² among those with p ≥ FIT_ALPHA is used. Its p-value is optimistic (λ or z chosen on the
    same data), as in the statistics packages that do the same. No candidate passing: status "no_fit" and no index.

    The expected ppm is F(LSL) + 1 − F(USL) of the fitted distribution. The interval for Pp and Ppk is the
    percentile bootstrap (Efron, B. and Tibshirani, R. J. (1993), An Introduction to the Bootstrap, ch. 13) of
    `resamples` resamples drawn with a fixed seed (the same data give the same interval), each refitted with the
    chosen family (the choice itself is not repeated)."""
    xs = np.sort(np.asarray(values, dtype=float))
    xs = xs[np.isfinite(xs)]
    n = len(xs)
    if n < MIN_FIT_N or not xs[-1] > xs[0]:
        return NonNormalCapability(status="too_few", confidence=confidence)
    candidates, models = _fit_candidates(xs)
    passing = [c for c in candidates if c.fits]
    if not passing:
        return NonNormalCapability(status="no_fit", candidates=candidates, confidence=confidence)
    chosen = min(passing, key=lambda c: c.ad_statistic)
    model = models[chosen.distribution]
    if chosen.distribution == "box_cox":
        lo, med, hi = (float(v) for v in _box_cox_percentiles(model))
        lam, scale = model["lambda"], model["scale"]

        def score(limit: float) -> float:
            if limit <= 0:
                return -math.inf
            return (float(_box_cox(np.log(limit / scale), lam)) - model["mean"]) / model["sigma"]
    elif chosen.distribution == "weibull_3p":
        lo, med, hi = (_weibull_quantile(model, u) for u in (-Z_TAIL, 0.0, Z_TAIL))

        def score(limit: float) -> float:
            return float(_weibull_score(model, np.asarray(limit)))
    else:
        lo, med, hi = (float(_johnson_quantile(model, u)) for u in (-Z_TAIL, 0.0, Z_TAIL))

        def score(limit: float) -> float:
            return float(_johnson_score(model, np.asarray(limit)))

    pp, ppk = _percentile_indices(lo, med, hi, lsl, usl)
    if ppk is None or not math.isfinite(ppk):  # a degenerate fit (points that coincide): no index from it
        return NonNormalCapability(status="no_fit", candidates=candidates, confidence=confidence)
    below = float(special.ndtr(score(lsl))) if lsl is not None else 0.0
    above = float(special.ndtr(-score(usl))) if usl is not None else 0.0
    pp_ci = ppk_ci = None
    if resamples > 0:
        rng = np.random.default_rng(seed)
        chunk = max(1, min(resamples, 1_000_000 // n))  # keeps the count matrices near 8 MB
        pps, ppks = [], []
        for start in range(0, resamples, chunk):
            w = _resample_counts(n, min(chunk, resamples - start), rng)
            b_pp, b_ppk = _percentile_indices(
                *_bootstrap_percentiles(xs, chosen.distribution, model, w), lsl, usl
            )
            pps.append(b_pp)
            ppks.append(b_ppk)
        alpha = 100 * (1 - confidence) / 2

        def interval(draws):
            draws = np.concatenate(draws)
            draws = draws[np.isfinite(draws)]
            if len(draws) < 0.9 * resamples:  # too many resamples without a curve: no interval worth giving
                return None
            return (float(np.percentile(draws, alpha)), float(np.percentile(draws, 100 - alpha)))

        ppk_ci = interval(ppks)
        pp_ci = interval(pps) if pp is not None else None
    return NonNormalCapability(
        status="fitted",
        distribution=chosen.distribution,
        parameters=chosen.parameters,
        ad_statistic=chosen.ad_statistic,
        fit_p=chosen.fit_p,
        candidates=candidates,
        x_low=lo,
        x_median=med,
        x_high=hi,
        pp=None if pp is None else float(pp),
        ppk=float(ppk),
        pp_ci=pp_ci,
        ppk_ci=ppk_ci,
        confidence=confidence,
        bootstrap_resamples=resamples,
        expected_ppm=(below + above) * 1e6,
    )


def capability(
    values: Sequence[float] | np.ndarray,
    lsl: float | None = None,
    usl: float | None = None,
    *,
    sigma_within: float | None = None,
    subgroup_size: int = 1,
    confidence: float = 0.95,
) -> Capability:
    """Cp, Cpk (σ within) and Pp, Ppk (σ overall, the sample standard deviation), NIST §6.1.6:
    Cp = (USL − LSL)/(6σ), Cpk = min(USL − μ, μ − LSL)/(3σ); a one-sided specification gives no Cp or Pp, and
    Cpk, Ppk are then its one-sided ratio (Cpl/Ppl or Cpu/Ppu; Montgomery 2013, §8.3).
    σ within defaults to MR̄/d2(2) for individual values (subgroup_size 1) or R̄/d2(n) for consecutive subgroups
    of `subgroup_size`, as on the matching control chart (NIST §6.3.2.1-2); pass `sigma_within` to override.

    Confidence intervals (NIST §6.1.6), ν = n − 1, α = 1 − confidence:
    Cp·√(χ²(α/2; ν)/ν) ≤ Cp ≤ Cp·√(χ²(1 − α/2; ν)/ν)  (the same for Pp);
    Cpk ± z(1 − α/2)·√(1/(9n) + Cpk²/(2ν))  (Bissell 1990; the same for Ppk).
    For σ within, ν = n − 1 is an approximation (the estimator's own degrees of freedom are fewer)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    check_spec(lsl, usl)
    if n < 2 * max(subgroup_size, 1) or n < 3:
        raise InvalidInput(
            f"capability needs more measurements (got {n})",
            f"공정능력 계산에 측정값이 부족합니다({n}개)",
            code="too_few",
        )
    mean = float(x.mean())
    overall = float(x.std(ddof=1))
    if sigma_within is None:
        if subgroup_size <= 1:
            sigma_within = float(np.abs(np.diff(x)).mean() / control_constants(2)["d2"])
        else:
            m = n // subgroup_size
            groups = x[: m * subgroup_size].reshape(m, subgroup_size)
            sigma_within = float(np.ptp(groups, axis=1).mean() / control_constants(subgroup_size)["d2"])
    _check_spread(x, overall, sigma_within, subgroup_size)
    cp, cpk = _indices(mean, sigma_within, lsl, usl)
    pp, ppk = _indices(mean, overall, lsl, usl)
    out_of_spec = int((x < lsl).sum() if lsl is not None else 0) + int(
        (x > usl).sum() if usl is not None else 0
    )
    below = stats.norm.cdf((lsl - mean) / overall) if lsl is not None and overall > 0 else 0.0
    above = stats.norm.sf((usl - mean) / overall) if usl is not None and overall > 0 else 0.0
    alpha = 1.0 - confidence
    nu = n - 1
    lo_f = np.sqrt(stats.chi2.ppf(alpha / 2, nu) / nu)
    hi_f = np.sqrt(stats.chi2.ppf(1 - alpha / 2, nu) / nu)
    z = stats.norm.ppf(1 - alpha / 2)

    def ratio_ci(v):
        return None if v is None else (float(v * lo_f), float(v * hi_f))

    def bissell(v):
        half = z * np.sqrt(1.0 / (9 * n) + v * v / (2 * nu))
        return (float(v - half), float(v + half))

    normal_p = float(stats.normaltest(x).pvalue) if n >= 20 and overall > 0 else None
    normal = None if normal_p is None else normal_p >= NORMALITY_ALPHA
    return Capability(
        n=n,
        mean=mean,
        sigma_within=float(sigma_within),
        sigma_overall=overall,
        lsl=lsl,
        usl=usl,
        cp=cp,
        cpk=float(cpk),
        pp=pp,
        ppk=float(ppk),
        cp_ci=ratio_ci(cp),
        cpk_ci=bissell(cpk),
        pp_ci=ratio_ci(pp),
        ppk_ci=bissell(ppk),
        confidence=confidence,
        out_of_spec=out_of_spec,
        observed_ppm=out_of_spec / n * 1e6,
        expected_ppm=float((below + above) * 1e6),
        normal_p=normal_p,
        normal=normal,
        non_normal=non_normal_capability(x, lsl, usl, confidence=confidence) if normal is False else None,
    )


# ---- from the store ------------------------------------------------------------------------------------


def measurements(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    characteristic: str,
    *,
    machine_ids: Sequence[str] | None = None,
    product: str | None = None,
) -> pd.DataFrame:
    """Time-ordered values of one measured characteristic from part records (`measures` JSON), with machine,
    part, lot and product; records without that characteristic are left out."""
    parts = store.query_parts(company_id, start, end, list(machine_ids) if machine_ids else None).to_pandas()
    if product is not None:
        parts = parts[parts["product"] == product]
    values = [(json.loads(m).get(characteristic) if isinstance(m, str) else None) for m in parts["measures"]]
    parts = parts.assign(
        value=pd.to_numeric(pd.Series(values, index=parts.index, dtype=object), errors="coerce")
    )
    parts = parts[parts["value"].notna()]
    return parts[["time", "machine_id", "part_id", "lot_id", "product", "value"]].reset_index(drop=True)


def measured_characteristics(
    store: Store, company_id: str, start: datetime, end: datetime, *, sample: int = 2000
) -> list[str]:
    """The measured characteristics (numeric `measures` keys) of the newest `sample` part records in the window,
    most often measured first: what a variables chart can be drawn of."""
    parts = store.query_parts(company_id, start, end, limit=sample, newest_first=True, columns=["measures"])
    counts: dict[str, int] = {}
    for m in parts["measures"].to_pylist():
        if not m:
            continue
        for key, value in json.loads(m).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                counts[key] = counts.get(key, 0) + 1
    return sorted(counts, key=lambda k: (-counts[k], k))


def _not_measured(
    store: Store, company_id: str, start: datetime, end: datetime, characteristic: str
) -> InvalidInput:
    """A name the window's parts are not measured on: say which they are measured on."""
    known = measured_characteristics(store, company_id, start, end)
    return InvalidInput(
        f"no part in the window was measured for {characteristic!r}; measured: {', '.join(known) or 'none'}",
        f"기간 안에 {characteristic!r}을(를) 측정한 부품이 없습니다. 측정 항목: {', '.join(known) or '없음'}",
        code="unknown_characteristic",
        field="characteristic",
    )


def _points_before(times: Any, baseline_end: datetime | None, timezone: str) -> int | None:
    """How many of a chart's points (their times) lie before `baseline_end`, the end of phase I: the control limits
    come from those, and the later points are judged against them. None: the whole window is phase I."""
    if baseline_end is None:
        return None
    b = int((pd.DatetimeIndex(times) < pd.Timestamp(baseline_end)).sum())
    if b < 2:
        when = pd.Timestamp(baseline_end).tz_convert(timezone).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"{'no point' if b == 0 else 'only 1 point'} of the chart lies before the end of phase I ({when}); its "
            "control limits need at least 2 — choose a later time",
            f"1단계 끝({when}) 전에 있는 관리도의 점이 {b}개뿐입니다. 관리 한계에는 2개 이상이 필요하니 더 늦은 시각을 "
            "고르세요",
            code="bad_baseline",
            field="baseline_end",
        )
    return b


def measurement_chart(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    characteristic: str,
    *,
    chart: str = "imr",
    subgroup_size: int = 5,
    baseline_end: datetime | None = None,
    machine_ids: Sequence[str] | None = None,
    product: str | None = None,
    rules: Sequence[str] | str = "western_electric",
    timezone: str = "Asia/Seoul",
) -> ControlChart:
    """A variables chart (imr, xbar_r or xbar_s) of one characteristic; consecutive parts form subgroups of
    `subgroup_size` (an incomplete last subgroup is left out). Points before `baseline_end` are phase I (a subgroup
    by its last part); `timezone` only writes a time in a message."""
    data = measurements(
        store, company_id, start, end, characteristic, machine_ids=machine_ids, product=product
    )
    if len(data) < 2:
        if data.empty:
            raise _not_measured(store, company_id, start, end, characteristic)
        raise InvalidInput(
            f"fewer than two measurements of {characteristic!r} in the window",
            f"기간 안에 {characteristic!r} 측정값이 두 개 미만입니다",
            code="too_few",
        )
    times = pd.to_datetime(data["time"], utc=True)
    if chart == "imr":
        b = _points_before(times, baseline_end, timezone)
        out = imr_chart(data["value"].to_numpy(), b, rules)
        out.labels = list(times)
        return out
    if chart not in ("xbar_r", "xbar_s"):
        raise InvalidInput(
            f"unknown variables chart {chart!r}; use imr, xbar_r or xbar_s",
            f"알 수 없는 계량형 관리도 {chart!r}입니다. imr, xbar_r, xbar_s 중에서 고르세요",
            code="bad_chart",
        )
    m = len(data) // subgroup_size
    groups = data["value"].to_numpy()[: m * subgroup_size].reshape(m, subgroup_size)
    last = times.to_numpy()[: m * subgroup_size].reshape(m, subgroup_size)[:, -1]
    b = _points_before(last, baseline_end, timezone)
    out = (xbar_r_chart if chart == "xbar_r" else xbar_s_chart)(groups, b, rules)
    out.labels = list(pd.DatetimeIndex(last))
    return out


def attribute_chart(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    chart: str = "p",
    subgroup: str = "D",
    baseline_end: datetime | None = None,
    machine_ids: Sequence[str] | None = None,
    product: str | None = None,
    rules: Sequence[str] | str = "western_electric",
    timezone: str = "Asia/Seoul",
) -> ControlChart:
    """p, Laney p′ (`laney_p`), np, c or u chart of scrap (result = ng) per time subgroup (`subgroup` is a pandas frequency in local
    time: "D" per day, "h" per hour, "8h"…). p and u use the parts produced as subgroup size; np needs equal
    sizes; c counts scrap per subgroup as if each were one inspection unit."""
    parts = store.query_parts(company_id, start, end, list(machine_ids) if machine_ids else None)
    frame = parts.select(["time", "result", "product"]).to_pandas()
    if product is not None:
        frame = frame[frame["product"] == product]
    if frame.empty:
        raise InvalidInput("no part records in the window", "기간 안에 부품 기록이 없습니다", code="too_few")
    local = pd.to_datetime(frame["time"], utc=True).dt.tz_convert(timezone)
    g = (
        frame.assign(bucket=local.dt.floor(subgroup), ng=(frame["result"] == "ng").astype(int))
        .groupby("bucket")
        .agg(ng=("ng", "sum"), n=("ng", "size"))
    )
    b = _points_before(g.index, baseline_end, timezone)
    if chart == "p":
        out = p_chart(g["ng"], g["n"], b, rules)
    elif chart == "laney_p":
        out = laney_p_chart(g["ng"], g["n"], b, rules)
    elif chart == "np":
        if g["n"].nunique() != 1:
            raise InvalidInput(
                "an np chart needs the same number of parts in every subgroup; use a p chart",
                "np 관리도는 부분군마다 부품 수가 같아야 합니다. p 관리도를 쓰세요",
                code="bad_chart",
            )
        out = np_chart(g["ng"], int(g["n"].iloc[0]), b, rules)
    elif chart == "c":
        out = c_chart(g["ng"], b, rules)
    elif chart == "u":
        out = u_chart(g["ng"], g["n"], b, rules)
    else:
        raise InvalidInput(
            f"unknown attributes chart {chart!r}; use p, laney_p, np, c or u",
            f"알 수 없는 계수형 관리도 {chart!r}입니다. p, laney_p, np, c, u 중에서 고르세요",
            code="bad_chart",
        )
    out.labels = list(g.index)
    return out


def capability_from_store(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    characteristic: str,
    *,
    lsl: float | None = None,
    usl: float | None = None,
    machine_ids: Sequence[str] | None = None,
    product: str | None = None,
    subgroup_size: int = 1,
    confidence: float = 0.95,
    specs: Mapping[str, tuple[float | None, float | None]] | None = None,
    spec_sources: Mapping[str, str] | None = None,
) -> Capability:
    """Cp/Cpk/Pp/Ppk of one measured characteristic over the window (see `capability`). Without `lsl` and `usl`
    the limits come from `specs` (the process family's drawing), and the result says so; without those either,
    it refuses (`no_spec`) — a limit is never taken from the data. `machine_count` says how many machines' parts
    the study mixes."""
    source = "given"
    if lsl is None and usl is None and specs and characteristic in specs:
        (lsl, usl), source = specs[characteristic], (spec_sources or {}).get(characteristic, "process")
    data = measurements(
        store, company_id, start, end, characteristic, machine_ids=machine_ids, product=product
    )
    if data.empty:
        raise _not_measured(store, company_id, start, end, characteristic)
    found = capability(data["value"].to_numpy(), lsl, usl, subgroup_size=subgroup_size, confidence=confidence)
    found.spec_source = source
    found.machine_count = int(data["machine_id"].nunique())
    return found
