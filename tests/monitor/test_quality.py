"""Defect rate, first-pass yield, defect Pareto and scrap cost from part records sent through ingestion."""

from __future__ import annotations

import math

import pytest

from sandan.collect import Origin, ingest_parts
from sandan.domain import InvalidInput
from sandan.monitor import defect_pareto, quality_table
from sandan.monitor.codes import CodeName, CodeTable

from .conftest import COMPANY, kst

DAY = "2025-03-10"


def _parts(store):
    """M1 day shift: shaft lot A — 6 parts, 2 scrapped (burr, burr); part s5 reworked (ng then ok).
    M2 night shift: flange lot B — 4 parts, 1 scrapped without a defect type."""
    t = lambda c: kst(DAY, c).isoformat()  # noqa: E731
    rows = [
        ("M1", t("09:00"), "s1", "A", "shaft", "ok", ""),
        ("M1", t("09:10"), "s2", "A", "shaft", "ng", "burr"),
        ("M1", t("09:20"), "s3", "A", "shaft", "ok", ""),
        ("M1", t("09:30"), "s4", "A", "shaft", "ng", "burr"),
        ("M1", t("09:40"), "s5", "A", "shaft", "ng", "dimension"),
        ("M1", t("10:40"), "s5", "A", "shaft", "ok", ""),  # the rework of s5
        ("M2", t("21:00"), "f1", "B", "flange", "ok", ""),
        ("M2", t("21:10"), "f2", "B", "flange", "ok", ""),
        ("M2", t("21:20"), "f3", "B", "flange", "ng", ""),
        ("M2", t("21:30"), "f4", "B", "flange", "ok", ""),
    ]
    payload = [
        dict(
            zip(
                ("machine_id", "time", "part_id", "lot_id", "product", "result", "defect_type"),
                r,
                strict=True,
            )
        )
        for r in rows
    ]
    assert ingest_parts(store, COMPANY, payload).rejected == 0


WINDOW = (kst(DAY, "08:00"), kst(DAY, "23:00"))


def test_defect_rate_and_first_pass_yield_by_product(plant):
    _parts(plant)
    q = quality_table(plant, COMPANY, *WINDOW, by="product", cost_per_part={"shaft": 12_000, "flange": 5_000})
    shaft = q[q["product"] == "shaft"].iloc[0]
    assert (shaft.produced_qty, shaft.scrap_qty) == (6, 3)
    assert shaft.defect_rate == pytest.approx(3 / 6)
    assert shaft.units == 5 and shaft.first_pass_yield == pytest.approx(2 / 5)  # s1, s3 first time right
    assert shaft.scrap_cost == 36_000
    flange = q[q["product"] == "flange"].iloc[0]
    assert flange.defect_rate == pytest.approx(1 / 4) and flange.first_pass_yield == pytest.approx(3 / 4)
    assert flange.scrap_cost == 5_000


def test_quality_by_shift_machine_and_lot(plant):
    _parts(plant)
    by_shift = quality_table(plant, COMPANY, *WINDOW, by="shift_name")
    assert dict(zip(by_shift["shift_name"], by_shift["scrap_qty"], strict=True)) == {"day": 3, "night": 1}
    by_lot = quality_table(plant, COMPANY, *WINDOW, by=["machine", "lot"])
    assert list(by_lot["lot_id"]) == ["A", "B"] and list(by_lot["line_id"]) == ["L1", "L1"]
    assert math.isnan(by_lot["scrap_cost"].iloc[0])  # no cost given: unknown, not zero


def test_defect_pareto_with_unclassified_scrap(plant):
    _parts(plant)
    pareto = defect_pareto(plant, COMPANY, *WINDOW, cost_per_part=1_000)
    assert list(pareto["defect_type"].fillna("-")) == ["burr", "-", "dimension"]
    assert list(pareto["scrap_qty"]) == [2, 1, 1]
    assert pareto["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert pareto.iloc[1].label_en == "(no defect type)" and pareto.iloc[0].scrap_cost == 2_000
    assert list(defect_pareto(plant, COMPANY, *WINDOW, product="flange")["defect_type"].fillna("-")) == ["-"]


def test_a_defect_written_by_its_name_counts_under_its_code(plant):
    _parts(plant)
    rows = [
        {"machine_id": "M2", "time": kst(DAY, c).isoformat(), "part_id": p, "product": "flange", "result": "ng",
         "defect_type": d}
        for c, p, d in (("22:00", "f5", "버"), ("22:10", "f6", " Burr "), ("22:20", "f7", "찍힘"))
    ]  # fmt: skip
    assert ingest_parts(plant, COMPANY, rows, Origin(source="test")).rejected == 0
    table = CodeTable(defects={"burr": CodeName(ko="버", en="Burr"), "dent": CodeName(ko="찍힘", en="Dent")})
    pareto = defect_pareto(plant, COMPANY, *WINDOW, codes=table)
    got = dict(zip(pareto["defect_type"].fillna("-"), pareto["scrap_qty"], strict=True))
    assert got == {"burr": 4, "dent": 1, "-": 1, "dimension": 1}
    assert pareto.iloc[0].label_ko == "버"
    # without a table the values stay as recorded
    plain = defect_pareto(plant, COMPANY, *WINDOW)
    assert set(plain["defect_type"].fillna("-")) == {"burr", "버", "Burr", "찍힘", "-", "dimension"}


def test_unknown_group_is_a_user_error(plant):
    with pytest.raises(InvalidInput):
        quality_table(plant, COMPANY, *WINDOW, by="colour")


def test_parts_made_on_a_day_without_shifts_are_counted_outside_every_shift(plant):
    # 2025-03-15 is a Saturday: the default calendar plans no shift, yet parts made then still count (the
    # production report of 'today so far' on a weekend failed on them)
    sat = "2025-03-15"
    rows = [
        {"machine_id": "M1", "time": kst(sat, "09:00").isoformat(), "part_id": "w1", "result": "ok"},
        {"machine_id": "M1", "time": kst(sat, "09:05").isoformat(), "part_id": "w2", "result": "ng"},
    ]
    assert ingest_parts(plant, COMPANY, rows).rejected == 0
    q = quality_table(plant, COMPANY, kst(sat, "08:00"), kst(sat, "10:00"), by="shift_name")
    assert list(q["shift_name"]) == [""] and (q.iloc[0].produced_qty, q.iloc[0].scrap_qty) == (2, 1)
    by_day = quality_table(plant, COMPANY, kst(sat, "08:00"), kst(sat, "10:00"), by="day")
    assert [str(d) for d in by_day["production_day"]] == [sat]
    assert defect_pareto(plant, COMPANY, kst(sat, "08:00"), kst(sat, "10:00")).iloc[0]["scrap_qty"] == 1


def test_a_part_outside_every_shift_is_counted_on_its_production_day_as_oee_counts_it(plant):
    # Sunday 03:00 lies before Sunday's 08:00 start of the day: it is Saturday's production day (its calendar
    # date put it under Sunday, where the OEE pages count Saturday)
    sun = "2025-03-16"
    rows = [{"machine_id": "M1", "time": kst(sun, "03:00").isoformat(), "part_id": "n1", "result": "ng"}]
    assert ingest_parts(plant, COMPANY, rows).rejected == 0
    by_day = quality_table(plant, COMPANY, kst("2025-03-15", "08:00"), kst(sun, "20:00"), by="day")
    assert [str(d) for d in by_day["production_day"]] == ["2025-03-15"]
