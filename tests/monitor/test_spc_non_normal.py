"""Capability of measurements that are not normal: the percentile method of ISO 22514-2:2017 with quantiles from a
fitted distribution (Box-Cox normal, Johnson curves), checked against distributions whose quantiles are known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sandan.monitor.spc import (
    FIT_ALPHA,
    MIN_FIT_N,
    TAIL,
    _johnson,
    _weibull3,
    anderson_darling_normal,
    capability,
    non_normal_capability,
)


def _true_ppk(dist, lsl, usl):
    """ISO 22514-2 Ppk from the distribution's own 0.135 %, 50 % and 99.865 % points."""
    low, median, high = dist.ppf([TAIL, 0.5, 1 - TAIL])
    sides = []
    if usl is not None:
        sides.append((usl - median) / (high - median))
    if lsl is not None:
        sides.append((median - lsl) / (median - low))
    return min(sides)


def _true_ppm(dist, lsl, usl):
    return ((dist.cdf(lsl) if lsl is not None else 0.0) + (dist.sf(usl) if usl is not None else 0.0)) * 1e6


def test_lognormal_parts_get_the_percentile_ppk_of_their_distribution_and_the_normal_model_does_not():
    # surface roughness or runout: skewed to the right. Lognormal σ = 0.5 around 10 µm, limits 2 and 60 µm.
    dist, lsl, usl = stats.lognorm(0.5, scale=10.0), 2.0, 60.0
    x = dist.rvs(size=2000, random_state=np.random.default_rng(2017))
    cap = capability(x, lsl, usl)
    nn = cap.non_normal
    truth = _true_ppk(dist, lsl, usl)  # 1.030
    assert cap.normal is False and nn.status == "fitted"
    assert nn.distribution in ("box_cox", "johnson_su", "johnson_sb", "johnson_sl")
    assert nn.fit_p >= FIT_ALPHA and nn.ad_statistic is not None
    assert nn.ppk == pytest.approx(truth, abs=0.06)
    assert abs(cap.ppk - truth) > 0.4  # the normal model: about half of it
    assert nn.ppk_ci[0] < truth < nn.ppk_ci[1]
    assert nn.pp == pytest.approx((usl - lsl) / (nn.x_high - nn.x_low))
    assert nn.x_low < nn.x_median < nn.x_high
    assert nn.x_median == pytest.approx(dist.median(), rel=0.05)
    # the fitted distribution's ppm beside the counted one, of the size the true distribution gives (≈ 1,000)
    assert nn.expected_ppm == pytest.approx(_true_ppm(dist, lsl, usl), rel=0.6)


def test_bounded_skewed_parts_three_parameter_weibull():
    # a wear-like characteristic with a floor: Weibull shape 3.5 from 20 mm, limits 19.9 and 23.5 mm
    dist, lsl, usl = stats.weibull_min(3.5, loc=20.0, scale=1.0), 19.9, 23.5
    x = dist.rvs(size=2000, random_state=np.random.default_rng(2))
    cap = capability(x, lsl, usl)
    truth = _true_ppk(dist, lsl, usl)  # 1.336
    assert cap.non_normal.status == "fitted"
    assert abs(cap.non_normal.ppk - truth) < 0.1
    assert abs(cap.non_normal.ppk - truth) < abs(cap.ppk - truth) / 2


def test_one_sided_limit_gives_the_one_sided_percentile_index_and_no_pp():
    dist, usl = stats.lognorm(0.3, scale=5.0), 14.0
    x = dist.rvs(size=2000, random_state=np.random.default_rng(1))
    nn = capability(x, usl=usl).non_normal
    assert nn.status == "fitted" and nn.pp is None and nn.pp_ci is None
    assert nn.ppk == pytest.approx((usl - nn.x_median) / (nn.x_high - nn.x_median))
    assert nn.ppk == pytest.approx(_true_ppk(dist, None, usl), abs=0.12)  # 1.233
    assert nn.expected_ppm == pytest.approx(
        _true_ppm(dist, None, usl), rel=1.0
    )  # ≈ 300 ppm, a tail read far out
    lower = capability(x, lsl=1.5).non_normal
    assert lower.ppk == pytest.approx((lower.x_median - 1.5) / (lower.x_median - lower.x_low))


def test_normal_parts_keep_the_normal_study_and_get_no_non_normal_part():
    x = np.random.default_rng(3).normal(10, 0.1, 500)
    cap = capability(x, 9.5, 10.5)
    assert cap.normal is True and cap.non_normal is None
    assert cap.ppk == pytest.approx(min(10.5 - x.mean(), x.mean() - 9.5) / (3 * x.std(ddof=1)))


def test_a_weibull_characteristic_no_other_curve_fits_gets_its_index_from_the_three_parameter_weibull():
    # flatness with a floor, 3000 parts: Weibull shape 1.6 from 2.0 µm, upper limit 4 µm. Box-Cox fails the fit
    # test and no Johnson curve goes through the quantiles; before the Weibull there was no index at all.
    dist, usl = stats.weibull_min(1.6, loc=2.0, scale=0.5), 4.0
    x = dist.rvs(size=3000, random_state=np.random.default_rng(3))
    nn = non_normal_capability(x, usl=usl)
    assert nn.status == "fitted" and nn.distribution == "weibull_3p"
    assert not any(c.fits for c in nn.candidates if c.distribution != "weibull_3p")
    truth = _true_ppk(dist, None, usl)  # 1.303
    assert nn.ppk_ci[0] < truth < nn.ppk_ci[1] and nn.ppk == pytest.approx(truth, abs=0.06)
    fitted = nn.parameters
    assert fitted["threshold"] == pytest.approx(2.0, abs=0.01) and fitted["shape"] == pytest.approx(
        1.6, rel=0.08
    )
    assert nn.expected_ppm == pytest.approx(_true_ppm(dist, None, usl), rel=0.6)


def test_the_weibull_fit_recovers_its_parameters_and_is_no_fit_when_its_threshold_runs_into_the_data():
    x = np.sort(
        stats.weibull_min.rvs(2.5, loc=-3.0, scale=2.0, size=20_000, random_state=np.random.default_rng(5))
    )
    fit = _weibull3(x)
    assert fit["threshold"] == pytest.approx(-3.0, abs=0.02)
    assert fit["shape"] == pytest.approx(2.5, rel=0.03) and fit["scale"] == pytest.approx(2.0, rel=0.02)
    # a shape below 1: the likelihood grows without bound as the threshold nears the smallest value
    steep = stats.weibull_min.rvs(0.7, loc=1.0, scale=1.0, size=2000, random_state=np.random.default_rng(6))
    (weibull,) = [
        c for c in non_normal_capability(steep, usl=20.0).candidates if c.distribution == "weibull_3p"
    ]
    assert weibull.reason == "threshold_at_edge" and not weibull.fits


def test_two_machines_mixed_fit_no_distribution_and_get_no_index():
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(9.8, 0.03, 1000), rng.normal(10.2, 0.03, 1000)]
    nn = capability(x, 9.5, 10.5).non_normal
    assert nn.status == "no_fit"
    assert nn.ppk is None and nn.pp is None and nn.expected_ppm is None and nn.distribution is None
    assert nn.verdict is None
    assert {c.distribution for c in nn.candidates} >= {"box_cox"}
    assert not any(c.fits for c in nn.candidates)


def test_values_not_all_positive_skip_box_cox_and_still_fit_a_johnson_curve():
    # a deviation from nominal, skewed, crossing zero: Box-Cox cannot take it, a Johnson curve can
    dist = stats.lognorm(0.4, loc=-3.0, scale=3.0)
    x = dist.rvs(size=2000, random_state=np.random.default_rng(5))
    assert x.min() < 0
    nn = capability(x, -2.5, 8.0).non_normal
    box_cox = next(c for c in nn.candidates if c.distribution == "box_cox")
    assert box_cox.reason == "not_positive" and not box_cox.fits
    assert nn.status == "fitted" and nn.distribution.startswith("johnson")
    assert nn.ppk == pytest.approx(_true_ppk(dist, -2.5, 8.0), abs=0.12)


def test_too_few_measurements_are_not_fitted():
    x = stats.lognorm(1.0).rvs(size=MIN_FIT_N - 1, random_state=np.random.default_rng(4))
    assert non_normal_capability(x, usl=20.0).status == "too_few"


def test_the_bootstrap_interval_is_the_same_for_the_same_data():
    x = stats.gamma(3).rvs(size=1500, random_state=np.random.default_rng(8))
    first, again = non_normal_capability(x, usl=14.0), non_normal_capability(x, usl=14.0)
    assert first.ppk_ci == again.ppk_ci and first.bootstrap_resamples == 200
    assert first.ppk_ci[0] < first.ppk < first.ppk_ci[1]


def test_anderson_darling_statistic_matches_scipy():
    y = np.sort(np.random.default_rng(6).standard_t(5, 300))
    a2, p = anderson_darling_normal(y)
    assert a2 == pytest.approx(stats.anderson(y, "norm", method="interpolate").statistic, rel=1e-9)
    assert 0 <= p <= 1
    # D'Agostino & Stephens (1986) Table 4.7: A*² = 0.752 is the 5 % point, 1.035 the 1 % point
    n = 10_000
    for point, alpha in ((0.752, 0.05), (1.035, 0.01)):
        _, p = anderson_darling_normal(_with_a2(point / (1 + 0.75 / n + 2.25 / n**2), n))
        assert p == pytest.approx(alpha, rel=0.08)


def _with_a2(target: float, n: int) -> np.ndarray:
    """A sorted sample of n whose Anderson–Darling A² against the normal is `target` (by bisection on a mix of
    normal scores and a skewing term)."""
    base = stats.norm.ppf((np.arange(1, n + 1) - 0.5) / n)
    lo, hi = 0.0, 2.0
    for _ in range(80):
        mid = (lo + hi) / 2
        a2, _ = anderson_darling_normal(np.sort(base + mid * base**2))
        lo, hi = (mid, hi) if a2 < target else (lo, mid)
    return np.sort(base + lo * base**2)


@pytest.mark.parametrize(
    ("family", "params"),
    [("su", (1.2, 1.5, 3.0, 2.0)), ("su", (-0.7, 2.5, 10.0, 0.3)), ("sb", (0.5, 1.2, 3.0, 2.0))],
)
def test_johnson_percentile_fit_recovers_a_known_curve_from_its_quantiles(family, params):
    # Slifker & Shapiro (1980): the four quantiles at ∓3z, ∓z determine the curve exactly
    dist = (stats.johnsonsu if family == "su" else stats.johnsonsb)(*params)
    z = 0.6
    fit = _johnson(dist.ppf(stats.norm.cdf([-3 * z, -z, z, 3 * z])), z)
    assert int(fit["kind"]) == (0 if family == "su" else 1)
    got = [float(fit[k]) for k in ("gamma", "eta", "epsilon", "lambda")]
    assert got == pytest.approx(list(params), rel=1e-6, abs=1e-9)


def test_the_verdict_of_data_that_are_not_normal_never_comes_from_the_normal_models_cpk():
    from sandan.monitor.spc import capability

    rng = np.random.default_rng(31)
    # burr heights: lognormal, a long upper tail past the limit the normal model's Cpk would call far away
    x = rng.lognormal(mean=np.log(0.05), sigma=0.6, size=3000)
    c = capability(x, lsl=None, usl=0.22)
    assert (
        c.normal is False and c.cpk is not None and c.cpk >= 1.33
    )  # the normal model alone would say capable
    assert c.verdict == (c.non_normal.verdict or "undetermined") and c.verdict != "capable"
