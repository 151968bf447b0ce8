"""Process models per family: defects respond to settings as their documented mechanisms say, runs are seeded,
machine limits are enforced, and the batches pass the platform's ingestion unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sandan.collect import Origin, ingest_events, ingest_parts, ingest_readings
from sandan.domain import Company, InvalidInput, Line, Machine, ProcessFamily, Site
from sandan.twin.process import (
    MODELS,
    AssemblyModel,
    CncTurningModel,
    ForgingModel,
    InjectionMouldingModel,
    PressModel,
    ProcessModel,
)
from sandan.twin.process.cnc import flank_wear_mm
from sandan.twin.process.forging import die_entry_temperature_c

N = 6000  # parts per run: a 2-percentage-point difference is then many standard errors wide


def rate(model: ProcessModel, defect: str | None, seed: int = 7, n: int = N, **changes: float) -> float:
    settings = {**model.nominal_settings(), **changes}
    return model.simulate(settings, n, seed=seed).defect_rate(defect)


def clearly_more(high: float, low: float, n: int = N) -> bool:
    """`high` exceeds `low` by more than four standard errors of the difference of two proportions."""
    se = np.sqrt((high * (1 - high) + low * (1 - low)) / n) + 1e-9
    return high - low > 4 * se


ALL = sorted(MODELS.items())


# ---- contract ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("family", "cls"), ALL)
def test_same_seed_gives_identical_batches_and_another_seed_does_not(family, cls):
    a = cls().simulate(cls.poor_settings(), 800, seed=11)
    b = cls().simulate(cls.poor_settings(), 800, seed=11)
    c = cls().simulate(cls.poor_settings(), 800, seed=12)
    for make in ("to_part_table", "to_reading_table", "to_event_table"):
        assert getattr(a, make)("m1").equals(getattr(b, make)("m1"))
    assert not a.to_part_table("m1").equals(c.to_part_table("m1"))


@pytest.mark.parametrize(("family", "cls"), ALL)
def test_settings_outside_machine_limits_are_refused_in_english_and_korean(family, cls):
    p = cls.PARAMETERS[0]
    with pytest.raises(InvalidInput) as err:
        cls().simulate({p.name: p.machine_max + abs(p.machine_max) * 0.1 + 1}, 10)
    assert err.value.code == "setting_out_of_limits"
    assert p.name in err.value.en and p.name in err.value.ko and "설비 한계" in err.value.ko
    with pytest.raises(InvalidInput) as err:
        cls().simulate({"no_such_knob": 1.0}, 10)
    assert err.value.code == "unknown_parameter"


@pytest.mark.parametrize(("family", "cls"), ALL)
def test_parameters_are_declared_with_units_ranges_nominal_and_machine_limits(family, cls):
    assert cls.family == family
    for p in cls.PARAMETERS:
        assert p.unit and p.label_en and p.label_ko
        assert p.machine_min <= p.min < p.nominal < p.max <= p.machine_max, p.name
    poor = cls.poor_settings()
    assert set(poor) == {p.name for p in cls.PARAMETERS}
    cls.check_settings(poor)  # the poor start is inside the machine's limits
    assert all(d.label_ko and d.label_en for d in cls.DEFECTS)


@pytest.mark.parametrize(("family", "cls"), ALL)
def test_nominal_settings_give_1_to_3_percent_defects_and_poor_ones_10_to_30(family, cls):
    model = cls()
    nominal = model.simulate(cls.nominal_settings(), 20000, seed=3).defect_rate()
    poor = model.simulate(cls.poor_settings(), 20000, seed=3).defect_rate()
    assert 0.01 <= nominal <= 0.03, nominal
    assert 0.10 <= poor <= 0.30, poor


@pytest.mark.parametrize(("family", "cls"), ALL)
def test_a_machine_continues_from_its_end_condition_without_overlapping_times(family, cls):
    model = cls()
    first = model.simulate(None, 500, seed=1)
    second = model.simulate(None, 500, seed=2, condition=first.end_condition)
    assert second.time_us[0] > first.time_us[-1]
    assert second.events.start_us[0] >= first.events.end_us[-1]
    assert second.part_id[0] != first.part_id[-1]
    assert second.end_condition.parts_made == 1000


@pytest.mark.parametrize(("family", "cls"), ALL)
def test_an_empty_run_gives_empty_batches(family, cls):
    batch = cls().simulate(None, 0, seed=1)
    assert batch.to_part_table("m1").num_rows == batch.to_reading_table("m1").num_rows == 0


@pytest.mark.parametrize(("family", "cls"), ALL)
def test_timeline_has_setups_breakdowns_and_idle_with_reason_codes(family, cls):
    batch = cls(mtbf_h=2.0).simulate(None, 4000, seed=5)
    events = batch.to_event_table("m1").to_pandas()
    assert {"running", "setup", "down", "idle"} <= set(events.state)
    assert events.loc[events.state != "running", "reason_code"].notna().all()
    assert (events.end >= events.start).all()
    assert (events.start.diff().dropna() > timedelta(0)).all()
    assert set(batch.shift) <= {1, 2, 3}


@pytest.mark.parametrize(("family", "cls"), ALL)
def test_minor_stops_under_five_minutes_stay_in_running_time_as_speed_loss(family, cls):
    # as most OEE registrations do: only stops above a threshold are logged, so the short ones lower performance
    model = cls(minor_stops_per_h=6.0)
    settings = model.nominal_settings()
    batch = model.simulate(settings, 3000, seed=11)
    events = batch.to_event_table("m1").to_pandas().sort_values("start")
    minutes = (events.end - events.start).dt.total_seconds() / 60
    assert (minutes[events.state == "idle"] >= cls.STOP_LOG_MIN).all()
    assert (
        events.start.iloc[1:].to_numpy() == events.end.iloc[:-1].to_numpy()
    ).all()  # no holes, no overlaps
    run_s = (minutes[events.state == "running"] * 60).sum()
    ideal_s = float(model.cycle_time_s({k: np.asarray([v]) for k, v in settings.items()})[0]) * batch.n_parts
    assert 0.75 < ideal_s / run_s < 0.99  # a few percent of speed loss, not a perfect 100 %


def test_ingestion_accepts_every_family_unchanged(duck_store):
    company = "virtual-co"
    duck_store.upsert_company(Company(id=company, name="가상 공장 Virtual plant"))
    duck_store.upsert_site(company, Site(id="s1", company_id=company, name="1공장"))
    duck_store.upsert_line(company, Line(id="l1", company_id=company, site_id="s1", name="A라인"))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    for family, cls in ALL:
        machine_id = f"{family.value}-01"
        duck_store.upsert_machine(
            company, Machine(id=machine_id, company_id=company, line_id="l1", name=machine_id, family=family)
        )
        model = cls()
        duck_store.upsert_signals(company, model.signals(company, machine_id))
        batch = model.simulate(cls.poor_settings(), 1500, start, seed=4)
        origin = Origin(source=f"twin:{machine_id}")
        parts = ingest_parts(duck_store, company, batch.to_part_table(machine_id), origin)
        readings = ingest_readings(duck_store, company, batch.to_reading_table(machine_id), origin)
        events = ingest_events(duck_store, company, batch.to_event_table(machine_id), origin)
        for receipt, expected in (
            (parts, 1500),
            (readings, 1500 * len(cls.SIGNALS)),
            (events, len(batch.events)),
        ):
            assert receipt.rejected == 0, receipt.issues[:3]
            assert receipt.accepted == expected


def test_registry_covers_the_four_machining_and_forming_families():
    assert {ProcessFamily.injection, ProcessFamily.press, ProcessFamily.forging, ProcessFamily.cnc} <= set(
        MODELS
    )


# ---- injection moulding ----------------------------------------------------------------------------------------

INJ = InjectionMouldingModel()


def test_injection_cold_melt_and_low_pressure_give_short_shots():
    nominal = rate(INJ, "short_shot")
    assert clearly_more(rate(INJ, "short_shot", melt_temp_c=215), nominal)
    assert clearly_more(rate(INJ, "short_shot", injection_pressure_bar=700), nominal)


def test_injection_excessive_injection_pressure_gives_flash():
    assert clearly_more(rate(INJ, "flash", injection_pressure_bar=1450), rate(INJ, "flash"))


def test_injection_holding_shorter_than_gate_freeze_gives_sink_marks():
    assert clearly_more(rate(INJ, "sink_mark", holding_time_s=1.5), rate(INJ, "sink_mark"))


def test_injection_short_cooling_gives_warpage():
    assert clearly_more(rate(INJ, "warpage", cooling_time_s=9), rate(INJ, "warpage"))


def test_injection_fast_fill_gives_burn_marks_and_vent_fouling_adds_to_them():
    assert clearly_more(rate(INJ, "burn_mark", injection_speed_mm_s=120), rate(INJ, "burn_mark"))
    batch = INJ.simulate(None, 30000, seed=2)
    fouled = batch.wear > 0.7
    burned = batch.defect_type == "burn_mark"
    assert burned[fouled].mean() > 2 * burned[batch.wear < 0.3].mean()


# ---- press ------------------------------------------------------------------------------------------------------

PRESS = PressModel()


def test_press_thin_lubrication_and_fast_strokes_give_cracks():
    nominal = rate(PRESS, "crack")
    assert clearly_more(rate(PRESS, "crack", lubricant_g_m2=0.4), nominal)
    assert clearly_more(rate(PRESS, "crack", strokes_per_min=24), nominal)


def test_press_weak_blank_holder_and_thin_sheet_give_wrinkles():
    nominal = rate(PRESS, "wrinkle")
    assert clearly_more(rate(PRESS, "wrinkle", blank_holder_force_kn=20), nominal)
    assert clearly_more(
        rate(PRESS, "wrinkle", blank_holder_force_kn=20, blank_thickness_mm=1.0),
        rate(PRESS, "wrinkle", blank_holder_force_kn=20),
    )


def test_press_blank_holder_force_has_an_interior_optimum_between_wrinkles_and_cracks():
    low, mid, high = (rate(PRESS, None, blank_holder_force_kn=f) for f in (16, 32, 60))
    assert clearly_more(low, mid) and clearly_more(high, mid)


def test_press_shut_height_off_or_too_little_tonnage_put_the_cup_height_out_of_tolerance():
    nominal = rate(PRESS, "dimension_out")
    assert clearly_more(rate(PRESS, "dimension_out", shut_height_mm=400.15), nominal)
    assert clearly_more(rate(PRESS, "dimension_out", shut_height_mm=399.85), nominal)
    assert clearly_more(rate(PRESS, "dimension_out", tonnage_kn=300), nominal)


def test_press_burrs_grow_with_die_wear_and_a_regrind_resets_them():
    batch = PRESS.simulate(None, 30000, seed=2)
    burr = batch.measures["burr_height_mm"]
    assert burr[batch.wear > 0.8].mean() > burr[batch.wear < 0.2].mean() + 0.02
    events = batch.to_event_table("p1").to_pandas()
    assert (events.reason_code == "die_regrind").sum() >= 1


# ---- forging ----------------------------------------------------------------------------------------------------

FORGE = ForgingModel()


def test_forging_long_transfer_lowers_die_entry_temperature():
    assert (
        die_entry_temperature_c(np.array([1200.0]), np.array([10.0]))[0]
        < die_entry_temperature_c(np.array([1200.0]), np.array([3.0]))[0] - 25
    )
    slow = FORGE.simulate({"transfer_time_s": 10}, 500, seed=1).measures["die_entry_temp_c"].mean()
    fast = FORGE.simulate({"transfer_time_s": 3}, 500, seed=1).measures["die_entry_temp_c"].mean()
    assert slow < fast - 25


def test_forging_cold_billets_give_underfill_and_cracks():
    cold = {"billet_temp_c": 1150}
    assert clearly_more(rate(FORGE, "underfill", **cold), rate(FORGE, "underfill"))
    assert clearly_more(rate(FORGE, "crack", **cold), rate(FORGE, "crack"))


def test_forging_overheated_billets_give_scale_and_burnt_cracks():
    assert clearly_more(rate(FORGE, "scale", billet_temp_c=1280), rate(FORGE, "scale"))
    assert clearly_more(rate(FORGE, "crack", billet_temp_c=1285), rate(FORGE, "crack", billet_temp_c=1230))


def test_forging_low_press_force_gives_underfill_and_cold_dies_give_laps():
    assert clearly_more(rate(FORGE, "underfill", press_force_kn=10000), rate(FORGE, "underfill"))
    assert clearly_more(rate(FORGE, "lap", die_temp_c=150), rate(FORGE, "lap"))


def test_forging_billet_temperature_has_an_interior_optimum():
    low, mid, high = (rate(FORGE, None, billet_temp_c=t) for t in (1140, 1210, 1285))
    assert clearly_more(low, mid) and clearly_more(high, mid)


# ---- CNC --------------------------------------------------------------------------------------------------------

CNC = CncTurningModel()


def test_cnc_tool_wear_raises_roughness_and_drifts_the_diameter():
    batch = CNC.simulate(None, 20000, seed=3)
    worn, fresh = batch.wear > 0.55, batch.wear < 0.15
    assert batch.measures["ra_um"][worn].mean() > 1.1 * batch.measures["ra_um"][fresh].mean()
    assert batch.measures["diameter_mm"][worn].mean() > batch.measures["diameter_mm"][fresh].mean() + 0.004
    assert batch.sensors["spindle_load_pct"][worn].mean() > batch.sensors["spindle_load_pct"][fresh].mean()


def test_cnc_high_feed_roughens_the_surface():
    assert clearly_more(rate(CNC, "roughness", feed_mm_per_rev=0.18), rate(CNC, "roughness"))
    ra = [
        CNC.simulate({"feed_mm_per_rev": f}, 500, seed=1).measures["ra_um"].mean() for f in (0.08, 0.12, 0.18)
    ]
    assert ra[0] < ra[1] < ra[2]


def test_cnc_running_inserts_past_their_wear_limit_breaks_them_and_stops_the_machine():
    assert flank_wear_mm(np.array([1.0]))[0] == pytest.approx(0.3, abs=0.01)
    long_run = CNC.simulate({"tool_change_parts": 150}, N, seed=7)
    assert clearly_more(long_run.defect_rate("tool_breakage"), rate(CNC, "tool_breakage"))
    events = long_run.to_event_table("c1").to_pandas()
    breakdowns = events[(events.state == "down") & (events.reason_code == "tool_breakage")]
    assert len(breakdowns) == (long_run.defect_type == "tool_breakage").sum()


def test_cnc_dry_cutting_wears_tools_faster_and_costs_size():
    assert clearly_more(rate(CNC, "dimension_out", coolant_flow_l_min=0), rate(CNC, "dimension_out"))


# ---- assembly ---------------------------------------------------------------------------------------------------

ASSY = AssemblyModel()


def test_assembly_low_torque_loosens_bolts_and_high_torque_or_fast_rundown_over_torques_them():
    assert clearly_more(rate(ASSY, "loose_bolt", tightening_torque_nm=7.5), rate(ASSY, "loose_bolt"))
    assert clearly_more(rate(ASSY, "over_torque", tightening_torque_nm=12), rate(ASSY, "over_torque"))
    assert clearly_more(rate(ASSY, "over_torque", rundown_speed_rpm=800), rate(ASSY, "over_torque"))


def test_assembly_press_fit_force_has_a_window_between_unseated_and_overloaded():
    assert clearly_more(
        rate(ASSY, "press_fit_not_seated", press_fit_force_kn=12), rate(ASSY, "press_fit_not_seated")
    )
    assert clearly_more(rate(ASSY, "housing_overload", press_fit_force_kn=26), rate(ASSY, "housing_overload"))
