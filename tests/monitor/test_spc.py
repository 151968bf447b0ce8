"""SPC charts, run rules and capability against the NIST/SEMATECH e-Handbook of Statistical Methods and hand work."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from sandan.domain import InvalidInput
from sandan.monitor import (
    attribute_chart,
    c_chart,
    capability,
    capability_from_store,
    control_constants,
    imr_chart,
    laney_p_chart,
    measurement_chart,
    np_chart,
    p_chart,
    run_rules,
    u_chart,
    xbar_r_chart,
    xbar_s_chart,
)

from .conftest import COMPANY, kst

# NIST e-Handbook §6.3.2.1 tables of Shewhart constants (3 decimals; c4 4 decimals), n = 2..10.
NIST_TABLE = {
    #  n: (A2, D3, D4, d2, d3, c4, A3, B3, B4)
    2: (1.880, 0.000, 3.267, 1.128, 0.853, 0.7979, 2.659, 0.000, 3.267),
    3: (1.023, 0.000, 2.574, 1.693, 0.888, 0.8862, 1.954, 0.000, 2.568),
    4: (0.729, 0.000, 2.282, 2.059, 0.880, 0.9213, 1.628, 0.000, 2.266),
    5: (0.577, 0.000, 2.114, 2.326, 0.864, 0.9400, 1.427, 0.000, 2.089),
    6: (0.483, 0.000, 2.004, 2.534, 0.848, 0.9515, 1.287, 0.030, 1.970),
    7: (0.419, 0.076, 1.924, 2.704, 0.833, 0.9594, 1.182, 0.118, 1.882),
    8: (0.373, 0.136, 1.864, 2.847, 0.820, 0.9650, 1.099, 0.185, 1.815),
    9: (0.337, 0.184, 1.816, 2.970, 0.808, 0.9693, 1.032, 0.239, 1.761),
    10: (0.308, 0.223, 1.777, 3.078, 0.797, 0.9727, 0.975, 0.284, 1.716),
}


@pytest.mark.parametrize("n", sorted(NIST_TABLE))
def test_constants_match_nist_6_3_2_1_tables(n):
    # NIST §6.3.2.1: constants computed here from the definitions of d2, d3 and c4 agree with the tables to
    # their printed precision (±1 in the last place: some printings round D4(3)=2.5746, D4(5)=2.1145 up).
    k = control_constants(n)
    names = ("A2", "D3", "D4", "d2", "d3", "c4", "A3", "B3", "B4")
    for name, table_value in zip(names, NIST_TABLE[n], strict=True):
        tol = 6e-5 if name == "c4" else 1.01e-3
        assert k[name] == pytest.approx(table_value, abs=tol), name


def test_individuals_chart_matches_nist_6_3_2_2_flow_rate_example():
    # NIST §6.3.2.2: flow rate of the first 10 batches; X̄ = 50.81, MR̄ = 1.8778, UCL = 55.8041, LCL = 45.8159
    # (NIST uses d2 = 1.128; the exact d2(2) = 2/√π = 1.12838 moves the limits by < 0.002). Both in control.
    flow = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
    chart = imr_chart(flow)
    ind, mr = chart.series
    assert ind.center[0] == pytest.approx(50.81)
    assert mr.center[0] == pytest.approx(1.8778, abs=1e-4)
    assert ind.ucl[0] == pytest.approx(55.8041, abs=0.002)
    assert ind.lcl[0] == pytest.approx(45.8159, abs=0.002)
    assert mr.ucl[0] == pytest.approx(3.267 * 1.8778, abs=0.002) and mr.lcl[0] == 0
    assert not [v for v in ind.violations if v.rule == "WE1"] and not mr.violations


NIST_WAFERS = [
    12,
    15,
    8,
    10,
    4,
    7,
    16,
    9,
    14,
    10,
    5,
    6,
    17,
    12,
    22,
    8,
    10,
    5,
    13,
    11,
    20,
    18,
    24,
    15,
    9,
    12,
    7,
    13,
    9,
    6,
]


def test_p_chart_matches_nist_6_3_3_2_wafer_example():
    # NIST §6.3.3.2: 30 wafers of 50 chips; p̄ = 0.2313, UCL = 0.4102, LCL = 0.0524.
    chart = p_chart(NIST_WAFERS, 50)
    p = chart.series[0]
    assert p.center[0] == pytest.approx(0.2313, abs=5e-5)
    assert p.ucl[0] == pytest.approx(0.4102, abs=5e-5)
    assert p.lcl[0] == pytest.approx(0.0524, abs=5e-5)
    # Hand check: 22/50 = 0.44 and 24/50 = 0.48 lie above 0.4102 — rule 1 fires on exactly those wafers.
    assert sorted(v.index for v in p.violations if v.rule == "WE1") == [14, 22]


def test_laney_p_chart_measures_the_overdispersion_it_corrects():
    rng = np.random.default_rng(3)
    m, n, p = 3000, 400, 0.05
    # Binomial subgroups: σz ≈ 1 and p′ is the p chart
    binomial = rng.binomial(n, p, m)
    laney, plain = laney_p_chart(binomial, n), p_chart(binomial, n)
    assert laney.sigma_z == pytest.approx(1.0, abs=0.05)
    assert laney.series[0].ucl[0] == pytest.approx(plain.series[0].ucl[0], rel=0.01)
    # Each subgroup's own rate varies (sd τ, e.g. machines or lots): Var(z) = 1 + n τ² / (p (1 − p)), so σz is its
    # square root; the p chart flags a large share of in-control subgroups, p′ about the 0.27 % of 3-sigma limits.
    tau = 0.02
    rates = np.clip(rng.normal(p, tau, m), 0, 1)
    spread = rng.binomial(n, rates)
    laney, plain = laney_p_chart(spread, n), p_chart(spread, n)
    expected = np.sqrt(1 + n * tau**2 / (p * (1 - p)))
    assert laney.sigma_z == pytest.approx(expected, rel=0.05) and plain.sigma_z == laney.sigma_z
    beyond = lambda c: sum(v.rule == "WE1" for v in c.series[0].violations) / m  # noqa: E731
    assert beyond(plain) > 0.1 and beyond(laney) < 0.01
    # limits are p̄ ± 3 σz √(p̄(1 − p̄)/n), per subgroup size
    sizes = rng.integers(200, 600, m)
    varied = laney_p_chart(rng.binomial(sizes, rates), sizes)
    s = varied.series[0]
    assert np.allclose(s.ucl - s.center, 3 * varied.sigma_z * np.sqrt(s.center * (1 - s.center) / sizes))


def test_np_chart_is_the_p_chart_times_n():
    # NIST §6.3.3.2: n p̄ ± 3√(n p̄ (1 − p̄)) with p̄ = 347/1500: 11.5667 ± 8.9452 = 20.512 / 2.621.
    s = np_chart(NIST_WAFERS, 50).series[0]
    assert s.center[0] == pytest.approx(347 / 30)
    assert s.ucl[0] == pytest.approx(20.512, abs=1e-3)
    assert s.lcl[0] == pytest.approx(2.621, abs=1e-3)


def test_c_and_u_charts_by_hand():
    # NIST §6.3.3.1: c̄ ± 3√c̄ and ū ± 3√(ū/nᵢ). Counts 4,6,5,9,6 → c̄ = 6, limits 6 ± 3√6 = 13.348 / 0 (floored).
    c = c_chart([4, 6, 5, 9, 6]).series[0]
    assert c.center[0] == 6 and c.ucl[0] == pytest.approx(6 + 3 * np.sqrt(6)) and c.lcl[0] == 0
    # u: 10 defects over 20 units, 6 over 10 → ū = 16/30; the second subgroup's limit uses n = 10.
    u = u_chart([10, 6], [20, 10]).series[0]
    ubar = 16 / 30
    assert u.center[0] == pytest.approx(ubar)
    assert u.ucl[1] == pytest.approx(ubar + 3 * np.sqrt(ubar / 10))
    assert u.ucl[0] == pytest.approx(ubar + 3 * np.sqrt(ubar / 20))


SUBGROUPS = np.array(
    [
        [10.0, 12.0, 11.0, 9.0],
        [11.0, 11.0, 13.0, 13.0],
        [9.0, 10.0, 10.0, 11.0],
        [12.0, 10.0, 11.0, 11.0],
        [10.0, 11.0, 12.0, 11.0],
    ]
)


def test_xbar_r_chart_by_hand():
    # NIST §6.3.2.1 formulas, n = 4 (A2 = 0.729, D3 = 0, D4 = 2.282):
    # means 10.5, 12, 10, 11, 11 → X̿ = 10.9; ranges 3, 2, 2, 2, 2 → R̄ = 2.2.
    chart = xbar_r_chart(SUBGROUPS)
    xbar, r = chart.series
    assert xbar.center[0] == pytest.approx(10.9)
    assert xbar.ucl[0] == pytest.approx(10.9 + 0.729 * 2.2, abs=1e-3)
    assert xbar.lcl[0] == pytest.approx(10.9 - 0.729 * 2.2, abs=1e-3)
    assert r.center[0] == pytest.approx(2.2) and r.lcl[0] == 0
    assert r.ucl[0] == pytest.approx(2.282 * 2.2, abs=1e-3)
    assert chart.sigma_within == pytest.approx(2.2 / 2.059, abs=1e-3)


def test_xbar_s_chart_by_hand():
    # NIST §6.3.2.1: X̄ ± A3 s̄, S between B3 s̄ and B4 s̄ (n = 4: A3 = 1.628, B3 = 0, B4 = 2.266).
    sds = SUBGROUPS.std(axis=1, ddof=1)
    sbar = sds.mean()
    xbar, s = xbar_s_chart(SUBGROUPS).series
    assert xbar.ucl[0] == pytest.approx(10.9 + 1.628 * sbar, abs=1e-3)
    assert s.center[0] == pytest.approx(sbar) and s.ucl[0] == pytest.approx(2.266 * sbar, abs=1e-3)


def test_phase_two_uses_phase_one_limits():
    x = np.r_[np.tile([9.0, 11.0], 10), [30.0, 10.0]]
    chart = imr_chart(x, baseline=20)
    ind = chart.series[0]
    assert list(ind.phase[:20]) == ["I"] * 20 and list(ind.phase[20:]) == ["II"] * 2
    assert ind.center[0] == 10.0  # from the baseline only; the phase II shift does not move the limits
    assert [v.index for v in ind.violations if v.rule == "WE1"] == [20]


# ---- run rules: each fires on its textbook pattern and not on the neighbouring non-pattern ----------------
def fired(z, rule):
    return [(v.index, v.points) for v in run_rules(np.asarray(z, dtype=float), 0.0, 1.0, (rule,))]


@pytest.mark.parametrize("rule", ["WE1", "N1"])
def test_rule_one_point_beyond_three_sigma(rule):
    assert fired([0, 0.5, 3.1], rule) == [(2, (2,))]
    assert fired([0, -3.2, 0], rule) == [(1, (1,))]
    assert fired([0, 2.9, 3.0, -3.0], rule) == []  # on the limit is not beyond it


@pytest.mark.parametrize("rule", ["WE2", "N5"])
def test_rule_two_of_three_beyond_two_sigma(rule):
    assert fired([0, 2.5, 0.3, 2.2], rule) == [(3, (1, 3))]
    assert fired([0, 2.5, 0.3, -2.2], rule) == []  # opposite sides
    assert fired([2.5, 0.3, 0.3, 2.2], rule) == []  # two of four


@pytest.mark.parametrize("rule", ["WE3", "N6"])
def test_rule_four_of_five_beyond_one_sigma(rule):
    assert fired([-1.5, -1.2, 0.2, -1.1, -1.9], rule) == [(4, (0, 1, 3, 4))]
    assert fired([-1.5, -1.2, 0.2, 0.4, -1.9], rule) == []  # three of five


def test_we4_eight_and_nelson2_nine_in_a_row_on_one_side():
    eight = [-0.2] + [0.4] * 8
    assert fired(eight, "WE4") == [(8, tuple(range(1, 9)))]
    assert fired(eight, "N2") == []  # Nelson asks for nine
    assert fired([-0.2] + [0.4] * 9, "N2") == [(9, tuple(range(1, 10)))]
    assert fired([0.4] * 7 + [0.0] + [0.4], "WE4") == []  # a point on the centre line breaks the run


def test_nelson3_six_points_steadily_increasing_or_decreasing():
    assert fired([0.0, -1.0, -0.6, -0.2, 0.2, 0.6, 1.0], "N3") == [(6, (1, 2, 3, 4, 5, 6))]
    assert fired([1.0, 0.8, 0.6, 0.4, 0.2, 0.0], "N3") == [(5, (0, 1, 2, 3, 4, 5))]
    assert fired([-1.0, -0.6, -0.2, 0.2, 0.2, 0.6], "N3") == []  # a tie breaks the trend
    assert fired([-1.0, -0.6, -0.2, 0.2, 0.6], "N3") == []  # five points only


def test_nelson4_fourteen_points_alternating():
    saw = [0.5 if i % 2 else -0.5 for i in range(14)]
    assert fired(saw, "N4") == [(13, tuple(range(14)))]
    assert fired(saw[:13], "N4") == []
    broken = saw.copy()
    broken[7] = broken[6] - 0.1  # two steps the same way
    assert fired(broken, "N4") == []


def test_nelson7_fifteen_points_within_one_sigma():
    calm = [0.3 * (-1) ** i for i in range(15)]
    assert fired(calm, "N7") == [(14, tuple(range(15)))]
    assert fired(calm[:14], "N7") == []
    assert fired(calm[:7] + [1.2] + calm[8:], "N7") == []


def test_nelson8_eight_points_beyond_one_sigma_either_side():
    wild = [1.5 * (-1) ** i for i in range(8)]
    assert fired(wild, "N8") == [(7, tuple(range(8)))]
    assert fired(wild[:7], "N8") == []
    assert fired(wild[:4] + [0.5] + wild[5:], "N8") == []


def test_unknown_rule_is_a_user_error():
    with pytest.raises(InvalidInput):
        run_rules([0.0, 1.0], 0.0, 1.0, ("WE9",))


def test_rule_one_false_alarm_rate_is_0_27_percent_on_in_control_data():
    # In control, P(|Z| > 3) = 2(1 − Φ(3)) = 0.0027 (NIST §6.3.2: "0.27 % of points outside 3σ by chance").
    rng = np.random.default_rng(20250310)
    phase1, phase2 = 20_000, 80_000
    chart = xbar_r_chart(rng.normal(50.0, 2.0, size=(phase1 + phase2, 5)), baseline=phase1, rules=("WE1",))
    xbar = chart.series[0]
    alarms = sum(1 for v in xbar.violations if v.index >= phase1)
    p = 2 * stats.norm.sf(3)
    ci = stats.binomtest(alarms, phase2).proportion_ci(confidence_level=0.99, method="exact")
    assert p == pytest.approx(0.0027, abs=1e-5)
    assert ci.low <= p <= ci.high, (alarms, ci)


# ---- capability ----------------------------------------------------------------------------------------
def test_capability_indices_and_confidence_intervals_by_hand():
    # NIST §6.1.6 formulas on a sample of n = 50 with mean 16 and s = 2 exactly; USL = 20, LSL = 8.
    # Pp = 12 / 12 = 1; Ppk = min(20 − 16, 16 − 8) / 6 = 0.6667.
    # Pp CI (ν = 49): √(χ²(0.025;49)/49) = √(31.555/49) = 0.8025, √(χ²(0.975;49)/49) = √(70.222/49) = 1.1971.
    # Ppk CI (Bissell 1990): 0.6667 ± 1.96 √(1/450 + 0.4444/98) = 0.6667 ± 0.1611.
    z = np.random.default_rng(7).normal(size=50)
    x = 16 + 2 * (z - z.mean()) / z.std(ddof=1)
    cap = capability(x, lsl=8, usl=20, sigma_within=2.0)
    assert cap.pp == pytest.approx(1.0) and cap.ppk == pytest.approx(2 / 3)
    assert cap.cp == pytest.approx(1.0) and cap.cpk == pytest.approx(2 / 3)
    assert cap.pp_ci == pytest.approx((0.8025, 1.1971), abs=5e-4)
    assert cap.ppk_ci == pytest.approx((0.5056, 0.8278), abs=5e-4)
    assert cap.cpk_ci == pytest.approx(cap.ppk_ci)


def test_capability_within_sigma_from_moving_range_and_one_sided_spec():
    x = np.array([10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 10.2, 10.1])
    cap = capability(x, usl=10.6)
    mrbar = np.abs(np.diff(x)).mean()
    assert cap.sigma_within == pytest.approx(mrbar / 1.1284, rel=1e-4)
    assert cap.cp is None and cap.cpk == pytest.approx((10.6 - x.mean()) / (3 * cap.sigma_within))
    with pytest.raises(InvalidInput):
        capability(x)
    with pytest.raises(InvalidInput):
        capability(x, lsl=2, usl=1)


# ---- from the store --------------------------------------------------------------------------------------
def test_charts_and_capability_from_ingested_part_records(plant):
    from sandan.collect import ingest_parts

    rng = np.random.default_rng(3)
    diam = 25.0 + 0.01 * rng.normal(size=60)
    diam[55] = 25.08  # a shifted part in phase II
    t0 = kst("2025-03-10", "08:00")
    rows = [
        {
            "time": (t0 + (i + 1) * (kst("2025-03-10", "08:10") - t0)).isoformat(),
            "machine_id": "M1",
            "part_id": f"p{i}",
            "product": "shaft",
            "result": "ng" if i % 10 == 0 else "ok",
            "measures": json.dumps({"diameter_mm": float(d)}),
        }
        for i, d in enumerate(diam)
    ]
    assert ingest_parts(plant, COMPANY, rows).rejected == 0
    start, end = kst("2025-03-10", "00:00"), kst("2025-03-11", "00:00")
    chart = measurement_chart(
        plant, COMPANY, start, end, "diameter_mm", baseline_end=kst("2025-03-10", "14:00")
    )
    ind = chart.series[0]
    assert chart.baseline_points == 35 and len(ind.values) == 60
    assert 55 in [v.index for v in ind.violations if v.rule == "WE1"]
    xr = measurement_chart(plant, COMPANY, start, end, "diameter_mm", chart="xbar_r", subgroup_size=5)
    assert len(xr.series[0].values) == 12
    cap = capability_from_store(plant, COMPANY, start, end, "diameter_mm", lsl=24.95, usl=25.05)
    assert cap.n == 60 and cap.cp is not None
    p = attribute_chart(plant, COMPANY, start, end, chart="p", subgroup="2h")
    # parts every 10 min from 08:10 to 18:00, scrap on every tenth: 2-h buckets from 08:00 hold 11, 12×4 and 1.
    assert len(p.series[0].values) == 6
    assert p.series[0].values[0] == pytest.approx(2 / 11) and p.series[0].values[1] == pytest.approx(1 / 12)


def test_laney_p_keeps_the_binomial_limits_when_every_subgroup_is_the_same():
    chart = laney_p_chart([5] * 10, 100)
    assert chart.sigma_z == 1.0 and chart.series[0].ucl[0] > chart.series[0].center[0]


def test_subgroups_that_do_not_vary_within_put_every_point_off_the_centre_out_of_control():
    # a gauge reading to 0.01 mm: each subgroup constant, R̄ = s̄ = 0, the limits collapse onto the centre; the
    # charts said "in control" with all five points outside them
    x = np.repeat([[1.00], [1.01], [1.00], [1.02], [1.00]], 5, axis=1)
    for chart in (xbar_r_chart(x), xbar_s_chart(x)):
        xbar = chart.series[0]
        assert not chart.in_control
        assert sorted({v.index for v in xbar.violations if v.rule == "WE1"}) == [0, 1, 2, 3, 4]
    # values all equal: every point on the centre line, nothing fires (not even a run on one side)
    flat = xbar_r_chart(np.full((20, 5), 0.1))
    assert flat.in_control
    assert run_rules([0.1] * 15, 0.1, 0.0, "nelson") == []


def test_capability_of_measurements_without_spread_says_why_not_a_division_by_zero():
    with pytest.raises(InvalidInput) as err:
        capability([10.0] * 25, 9, 11)
    assert err.value.code == "no_spread" and "all 25 measurements are 10" in err.value.en
    steps = np.repeat([1.00, 1.01, 1.00, 1.02, 1.00], 5)
    with pytest.raises(InvalidInput) as err:
        capability(steps, 0.95, 1.05, subgroup_size=5)
    assert "within any subgroup of 5" in err.value.en and "부분군" in err.value.ko
    # the same values as individuals vary from one to the next: the index is there
    assert capability(steps, 0.95, 1.05).cpk > 0


def test_capability_says_when_the_measurements_are_not_normal():
    rng = np.random.default_rng(3)
    normal = capability(rng.normal(10, 0.1, 500), 9.5, 10.5)
    two_modes = capability(np.r_[rng.normal(9.8, 0.03, 250), rng.normal(10.2, 0.03, 250)], 9.5, 10.5)
    assert normal.normal_p > 0.01 and two_modes.normal_p < 1e-6
    assert capability([1.0, 1.1, 0.9, 1.0], 0.5, 1.5).normal_p is None  # too few to test


def test_capability_with_one_limit_gives_the_one_sided_ratio_and_no_cp():
    # Montgomery (2013) §8.3: Cpl = (μ − LSL)/3σ; Cpk = min(Cpu, Cpl) is Cpl when there is no USL; Cp needs both.
    x = np.array([10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 10.2, 10.1])
    cap = capability(x, lsl=9.4)
    sigma_within = np.abs(np.diff(x)).mean() / 1.1284
    assert cap.cpk == pytest.approx((x.mean() - 9.4) / (3 * sigma_within), rel=1e-4)
    assert cap.ppk == pytest.approx((x.mean() - 9.4) / (3 * x.std(ddof=1)))
    assert cap.cp is None and cap.pp is None and cap.cp_ci is None and cap.pp_ci is None


def _short_shots(rng, n=4000, share=0.05):
    """Part weights like a moulder's: 85 g with a 0.085 g spread, and a share of short shots far below."""
    weights = rng.normal(85.0, 0.085, n)
    short = rng.random(n) < share
    weights[short] = rng.uniform(60.0, 83.5, short.sum())
    return weights


def test_capability_of_data_that_fail_normality_gives_the_observed_rate_to_trust():
    x = _short_shots(np.random.default_rng(11))
    cap = capability(x, lsl=84.0)
    assert cap.normal is False and cap.normal_p < 1e-6
    assert cap.out_of_spec == int((x < 84.0).sum())
    assert cap.observed_ppm == pytest.approx(cap.out_of_spec / len(x) * 1e6)
    # the normal model's ppm is far from what was counted: the reason it must not stand beside the count
    assert cap.expected_ppm > 5 * cap.observed_ppm


def test_capability_says_whether_the_normality_test_passed():
    rng = np.random.default_rng(3)
    assert capability(rng.normal(10, 0.1, 500), 9.5, 10.5).normal is True
    assert capability([1.0, 1.1, 0.9, 1.0], 0.5, 1.5).normal is None  # too few to test
    assert capability(rng.normal(10, 0.1, 500), 9.5, 10.5).machine_count is None  # not from the store


def test_capability_from_the_store_counts_the_machines_it_mixes_and_never_takes_limits_from_the_data(store):
    from sandan.collect import ingest_parts
    from sandan.domain import Company, Line, Machine, Site

    store.upsert_company(Company(id=COMPANY, name="에이크미 사출"))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="본공장"))
    store.upsert_line(COMPANY, Line(id="L1", company_id=COMPANY, site_id="s1", name="사출 라인"))
    for mid in ("M1", "M2"):
        store.upsert_machine(COMPANY, Machine(id=mid, company_id=COMPANY, line_id="L1", name=mid))
    rng = np.random.default_rng(5)
    good, poor = rng.normal(85.0, 0.085, 60), _short_shots(rng, 60, share=0.3)
    t0 = kst("2025-03-10", "08:00")
    rows = [
        {
            "time": (t0 + (2 * i + k) * (kst("2025-03-10", "08:01") - t0)).isoformat(),
            "machine_id": mid,
            "part_id": f"{mid}-{i}",
            "result": "ok",
            "measures": json.dumps({"part_weight_g": float(w)}),
        }
        for k, (mid, weights) in enumerate((("M1", good), ("M2", poor)))
        for i, w in enumerate(weights)
    ]
    assert ingest_parts(store, COMPANY, rows).rejected == 0
    start, end = kst("2025-03-10", "00:00"), kst("2025-03-11", "00:00")
    both = capability_from_store(store, COMPANY, start, end, "part_weight_g", lsl=84.0)
    assert both.n == 120 and both.machine_count == 2 and both.normal is False
    one = capability_from_store(store, COMPANY, start, end, "part_weight_g", lsl=84.0, machine_ids=["M1"])
    assert one.n == 60 and one.machine_count == 1 and one.out_of_spec == 0
    # no limits typed and none known for the characteristic: refused, not filled in from the measurements
    with pytest.raises(InvalidInput) as refused:
        capability_from_store(store, COMPANY, start, end, "part_weight_g", specs={"warpage_mm": (None, 0.4)})
    assert refused.value.code == "no_spec"
