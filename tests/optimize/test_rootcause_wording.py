"""The root-cause words and figures agree: the direction a parameter row states is the one its printed figures
show, two different values never print the same, and no row is left without a description."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sandan.optimize.rootcause import central, describe, root_cause, two


def _frame(ok: list[float], ng: list[float], **extra: list[float]) -> pd.DataFrame:
    """Good parts then defective ones, the first half of each in the earlier (good) period."""
    n_ok, n_ng = len(ok), len(ng)
    frame = pd.DataFrame(
        {
            "x": ok + ng,
            "result": ["ok"] * n_ok + ["ng"] * n_ng,
            **extra,
        }
    )
    frame.attrs["params"] = ["x", *extra]
    return frame


def _period(frame: pd.DataFrame) -> np.ndarray:
    bad = np.zeros(len(frame), dtype=bool)
    bad[::2] = True
    return bad


def _figures(text: str) -> tuple[float, float]:
    m = re.search(r"(median|mean) (-?[\d.]+) against (-?[\d.]+)", text)
    assert m, text
    return float(m.group(2)), float(m.group(3))


def test_mean_and_median_point_opposite_ways_and_the_row_shows_the_way_the_test_found():
    # defective parts mostly a little above the good ones (the test: higher), but one far-low outlier pulls their
    # mean below: the mean must not be printed beside "higher"
    rng = np.random.default_rng(1)
    ok = list(rng.normal(50.0, 0.5, 300))
    ng = list(rng.normal(50.6, 0.5, 60)) + [-500.0]
    result = root_cause(_frame(ok, ng), _period(_frame(ok, ng)), parameters=["x"])
    f = result.factors[0]
    d = f.detail
    assert d["mean_ng"] < d["mean_ok"] and d["median_ng"] > d["median_ok"]
    assert d["direction"] == "higher"
    text = describe(d, "en")
    assert text.startswith("defective parts ran higher")
    ng_v, ok_v = _figures(text)
    assert ng_v > ok_v and "median" in text and "mean_ng" not in text
    # the pair shares carry the tested comparison and go the same way
    hi, lo = (float(v) for v in re.search(r"in ([\d.]+)% of pairs, lower in ([\d.]+)%", text).groups())
    assert hi > lo
    assert describe(d, "ko").startswith("불량 부품에서 높음")
    assert "높음" in result.text["ko"][1] and "ran higher" in result.text["en"][1]


def test_the_medians_tie_and_the_means_disagree_so_only_the_pair_shares_are_shown():
    # a setting held at 50 with defective parts a little more often at 51 but a few at 40: the medians tie (50),
    # the mean of the defective parts is lower, the rank test says higher
    ok = [50.0] * 200 + [51.0] * 20 + [49.0] * 20
    ng = [50.0] * 30 + [51.0] * 25 + [40.0] * 5
    d = root_cause(_frame(ok, ng), _period(_frame(ok, ng)), parameters=["x"]).factors[0].detail
    assert d["median_ng"] == d["median_ok"] and d["mean_ng"] < d["mean_ok"]
    assert d["direction"] == "higher" and d["pairs_higher"] > d["pairs_lower"]
    assert central(d) is None
    text = describe(d, "en")
    assert text.startswith("defective parts ran higher") and "median" not in text
    assert "of pairs" in text and "mean" in text  # the period means stay, named as such
    assert "mean" not in text.split(";")[0]


def test_near_equal_values_print_with_digits_enough_to_differ():
    assert two(0.1200001, 0.12) == ("0.1200001", "0.12")
    assert two(1698.0, 1700.0) == ("1,698", "1,700")  # grouped, as every page writes numbers
    assert two(15298.4, 15298.0) == ("15,298.4", "15,298")  # plain notation, not 1.53e+04
    assert two(3.0, 3.0) == ("3", "3")
    d = {
        "direction": "lower",
        "median_ng": 0.12,
        "median_ok": 0.12,
        "mean_ng": 0.1199999,
        "mean_ok": 0.12,
        "pairs_higher": 0.2500001,
        "pairs_lower": 0.2500002,
        "mean_bad_period": 0.12000004,
        "mean_good_period": 0.12,
    }
    text = describe(d, "en")
    assert "mean 0.1199999 against 0.12" in text
    assert "in 25.00001% of pairs, lower in 25.00002%" in text
    assert "mean 0.12000004 in this period, 0.12 before" in text


def test_feed_values_that_round_alike_keep_the_direction_and_differ_when_printed():
    rng = np.random.default_rng(3)
    ok = list(np.round(rng.normal(0.1200, 0.0004, 400), 5))
    ng = list(np.round(rng.normal(0.1195, 0.0004, 80), 5))
    d = root_cause(_frame(ok, ng), _period(_frame(ok, ng)), parameters=["x"]).factors[0].detail
    text = describe(d, "en")
    ng_v, ok_v = _figures(text)
    assert d["direction"] == "lower" and text.startswith("defective parts ran lower") and ng_v < ok_v


def test_a_constant_setting_and_too_few_parts_are_described_not_left_empty():
    ok, ng = [1.0] * 30, [1.0] * 10
    frame = _frame(ok, ng, y=[2.0] * 40)
    result = root_cause(frame, _period(frame), parameters=["x", "y"])
    for f in result.factors:
        assert describe(f.detail, "en").startswith("not tested: the same value on every part")
        assert describe(f.detail, "ko").startswith("검정하지 않음")
        assert result.describe(f, "en")
    few = _frame([1.0, 2.0, 3.0] * 10, [4.0])
    few_d = root_cause(few, _period(few), parameters=["x"]).factors[0].detail
    assert (
        describe(few_d, "en") == "not tested: 1 defective and 30 good parts with a value (2 of each needed)"
    )


def test_pair_shares_match_the_rank_biserial_effect():
    rng = np.random.default_rng(7)
    ok = list(np.round(rng.normal(10, 1, 150)))
    ng = list(np.round(rng.normal(10.6, 1, 50)))
    f = root_cause(_frame(ok, ng), _period(_frame(ok, ng)), parameters=["x"]).factors[0]
    from scipy import stats

    u = stats.mannwhitneyu(ng, ok, alternative="two-sided").statistic
    r = 2 * u / (len(ng) * len(ok)) - 1
    assert abs(f.effect - abs(r)) < 1e-12
    assert abs(f.detail["pairs_higher"] - f.detail["pairs_lower"] - r) < 1e-12
