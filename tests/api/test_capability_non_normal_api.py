"""`GET …/spc/capability` for measurements that are not normal: the percentile study of ISO 22514-2 from a fitted
distribution, the same figures as sandan.monitor.spc.capability_from_store, or the plain word that none fits."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy import stats

from sandan.collect import ingest_parts
from sandan.monitor import capability_from_store

START = datetime(2025, 3, 10, 6, tzinfo=ZoneInfo("Asia/Seoul"))
END = START + timedelta(hours=12)
BASE = "/api/v1/companies/acme"
WINDOW = {"start": START.isoformat(), "end": END.isoformat()}


@pytest.fixture
def measured(world):
    """2,000 parts of m1 measured on a right-skewed runout (lognormal, σ 0.5 around 10 µm), a normal diameter and
    a flatness from two setups side by side (two modes)."""
    rng = np.random.default_rng(22514)
    runout = stats.lognorm(0.5, scale=10.0).rvs(size=2000, random_state=rng)
    diameter = rng.normal(25.0, 0.01, 2000)
    flatness = np.r_[rng.normal(0.04, 0.002, 1000), rng.normal(0.06, 0.002, 1000)]
    rng.shuffle(flatness)
    parts = [
        {
            "time": (START + timedelta(seconds=20 * i + 10)).isoformat(),
            "machine_id": "m1",
            "part_id": f"r{i}",
            "result": "ok",
            "measures": {"runout_um": float(r), "diameter_mm": float(d), "flatness_mm": float(f)},
        }
        for i, (r, d, f) in enumerate(zip(runout, diameter, flatness, strict=True))
    ]
    assert ingest_parts(world.store, "acme", parts).rejected == 0
    return world


def _get(world, **params):
    r = world.get("a-view", f"{BASE}/spc/capability", params={**WINDOW, **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_skewed_measurements_get_the_percentile_study_of_the_fitted_distribution(measured):
    c = _get(measured, characteristic="runout_um", usl=60.0)
    direct = capability_from_store(measured.store, "acme", START, END, "runout_um", usl=60.0).non_normal
    nn = c["non_normal"]
    assert c["normal"] is False and c["n"] == 2000
    assert nn["status"] == "fitted" and nn["method"] == "percentile_iso_22514_2"
    assert nn["distribution"] == direct.distribution and nn["fit_p"] == pytest.approx(direct.fit_p)
    assert nn["ppk"] == pytest.approx(direct.ppk) and nn["pp"] is None  # one limit: no Pp
    assert nn["ppk_ci"] == pytest.approx(list(direct.ppk_ci))
    assert nn["expected_ppm"] == pytest.approx(direct.expected_ppm)
    assert nn["x_low"] < nn["x_median"] < nn["x_high"]
    assert nn["verdict"] == direct.verdict
    assert {k["distribution"] for k in nn["candidates"]} & {"box_cox"}
    # the ISO 22514-2 Ppu of the lognormal itself: (60 − X₀.₅)/(X₀.₉₉₈₆₅ − X₀.₅) = 1.44
    low, median, high = stats.lognorm(0.5, scale=10.0).ppf([0.00135, 0.5, 0.99865])
    assert nn["ppk"] == pytest.approx((60 - median) / (high - median), abs=0.1)
    # the normal study's figures stay as they were, beside it: (USL − mean)/3σ, near 2.7 and far from the truth
    assert c["ppk"] == pytest.approx((60 - c["mean"]) / (3 * c["sigma_overall"]))
    assert c["ppk"] > 2.2


def test_normal_measurements_have_no_non_normal_part(measured):
    c = _get(measured, characteristic="diameter_mm", lsl=24.95, usl=25.05)
    assert c["normal"] is True and c["non_normal"] is None


def test_two_modes_say_no_distribution_fits_and_give_no_index(measured):
    c = _get(measured, characteristic="flatness_mm", usl=0.08)
    nn = c["non_normal"]
    assert c["normal"] is False and nn["status"] == "no_fit"
    assert nn["ppk"] is None and nn["expected_ppm"] is None and nn["verdict"] is None
    assert nn["candidates"] and not any(k["fits"] for k in nn["candidates"])
    assert c["observed_ppm"] == 0.0  # the counted figure is still there
