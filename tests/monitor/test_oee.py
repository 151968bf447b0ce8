"""OEE (ISO 22400-2:2014) against hand-computed shifts, with data ingested the way a user sends it.

Calendar: the default two 12-h shifts in Asia/Seoul — day 08:00-20:00 with lunch 12:00-13:00 (planned operation
time 11 h = 39 600 s), night 20:00-08:00 with a meal break 00:00-01:00. 2025-03-10 is a Monday.
"""

from __future__ import annotations

import math

import pytest

from sandan.domain import InvalidInput, NotFound
from sandan.monitor import (
    ShiftCalendar,
    downtime_pareto,
    hourly_output,
    oee,
    oee_report,
    oee_trend,
    six_big_losses,
    unexplained_downtime,
)
from sandan.monitor.codes import CodeName, CodeTable

from .conftest import COMPANY, add_events, add_parts, kst, spread

DAY = "2025-03-10"


def _standard_day_shift(store):
    """M1 (ideal 60 s) in the day shift of 2025-03-10:
    08-10 running | 10:00-10:30 down 'spindle' | 10:30-11:00 setup | 11-15 running (lunch 12-13 is no plan)
    | 15:00-15:30 planned_stop | 15:30-16:00 down, no reason | 16-20 running.
    450 parts, 10 scrap, two of them within 10 minutes after the setup ended at 11:00."""
    t = lambda c: kst(DAY, c)  # noqa: E731
    add_events(
        store,
        [
            ("M1", t("08:00"), t("10:00"), "running", None),
            ("M1", t("10:00"), t("10:30"), "down", "spindle"),
            ("M1", t("10:30"), t("11:00"), "setup", "changeover"),
            ("M1", t("11:00"), t("15:00"), "running", None),
            ("M1", t("15:00"), t("15:30"), "planned_stop", "pm"),
            ("M1", t("15:30"), t("16:00"), "down", None),
            ("M1", t("16:00"), t("20:00"), "running", None),
        ],
    )
    first = spread(t("08:00"), t("10:00"), 100)
    second = spread(t("11:00"), t("12:00"), 50)
    third = spread(t("13:00"), t("15:00"), 100)
    fourth = spread(t("16:00"), t("20:00"), 200)
    ng = {second[0], second[1], *fourth[10:18]}
    add_parts(store, "M1", first + second + third + fourth, ng_times=ng, product="shaft")


def _row(frame, **where):
    sel = frame
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_hand_computed_day_shift(plant):
    _standard_day_shift(plant)
    table = oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"), by="machine", machine_ids=["M1"])
    r = _row(table, machine_id="M1")
    assert r.planned_operation_time_s == 39_600  # 12 h less 1 h lunch
    assert r.planned_down_time_s == 1_800  # planned_stop event
    assert r.planned_busy_time_s == 37_800
    assert r.run_time_s == 32_400  # 2 h + (4 h − 1 h lunch) + 4 h
    assert r.down_time_s == 3_600 and r.setup_time_s == 1_800 and r.no_data_time_s == 0
    assert (r.produced_qty, r.good_qty, r.scrap_qty) == (450, 440, 10)
    assert r.availability == pytest.approx(32_400 / 37_800)
    assert r.effectiveness == pytest.approx(450 * 60 / 32_400)
    assert r.quality == pytest.approx(440 / 450)
    assert r.oee == pytest.approx(440 * 60 / 37_800)  # = ideal time of good parts / planned busy time
    assert not r.effectiveness_capped and r.oee_status == "ok"


def test_a_shift_the_window_holds_in_part_carries_the_whole_shifts_planned_time(plant):
    _standard_day_shift(plant)
    whole = _row(oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"), by="shift", machine_ids=["M1"]))
    assert whole.planned_operation_time_s == whole.shift_planned_s == 39_600
    part = _row(oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "14:00"), by="shift", machine_ids=["M1"]))
    assert part.shift_planned_s == 39_600 and part.planned_operation_time_s == 18_000  # 6 h less lunch


def test_six_big_losses_add_up_to_planned_busy_time(plant):
    _standard_day_shift(plant)
    losses = six_big_losses(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"), machine_ids=["M1"]).iloc[0]
    assert losses.breakdowns_s == 3_600
    assert losses.setup_adjustment_s == 1_800
    assert losses.idling_minor_stops_s == 0
    assert losses.reduced_speed_s == pytest.approx(32_400 - 450 * 60)
    assert losses.reduced_yield_s == pytest.approx(2 * 60)  # the two scrap parts right after the setup
    assert losses.process_defects_s == pytest.approx(8 * 60)
    assert losses.fully_productive_time_s == pytest.approx(440 * 60)
    parts = [
        "breakdowns_s",
        "setup_adjustment_s",
        "idling_minor_stops_s",
        "reduced_speed_s",
        "process_defects_s",
        "reduced_yield_s",
        "unrecorded_s",
        "fully_productive_time_s",
    ]
    assert sum(losses[p] for p in parts) == pytest.approx(losses.planned_busy_time_s)


def test_downtime_pareto_and_unexplained_downtime(plant):
    _standard_day_shift(plant)
    args = (plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"))
    pareto = downtime_pareto(*args)
    assert list(pareto["down_time_s"]) == [1_800, 1_800]
    assert set(pareto["reason_code"].fillna("-")) == {"spindle", "-"}
    assert pareto["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert "사유" in pareto[pareto["reason_code"].isna()]["label_ko"].iloc[0]
    todo = unexplained_downtime(*args)
    assert len(todo) == 1
    row = todo.iloc[0]
    assert row.machine_id == "M1" and row.down_time_s == 1_800
    assert row.event_start == kst(DAY, "15:30")  # the store's key of the event to label
    assert row.shift_ids == f"{DAY}/day"


def test_a_stop_reason_written_by_its_name_counts_under_its_code(plant):
    _standard_day_shift(plant)  # M1: spindle 10:00-10:30, an unexplained stop 15:30-16:00
    add_events(plant, [("M2", kst(DAY, "10:00"), kst(DAY, "10:20"), "down", "주축 고장")])
    codes = CodeTable(reasons={"spindle": CodeName(ko="주축 고장", en="Spindle failure")})
    args = (plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"))
    pareto = downtime_pareto(*args, codes=codes)
    assert dict(zip(pareto["reason_code"].fillna("-"), pareto["down_time_s"], strict=True)) == {
        "spindle": 3_000,
        "-": 1_800,
    }
    assert pareto.iloc[0].label_en == "Spindle failure"


def test_a_machine_that_runs_through_lunch_is_not_faster_than_its_ideal_cycle(plant):
    # running 08-20 at exactly the ideal 60 s: 720 parts, 60 of them completed in the lunch break (12-13), which
    # is not planned time — so neither its hour of running nor its 60 parts count, and effectiveness stays 1
    add_events(plant, [("M1", kst(DAY, "08:00"), kst(DAY, "20:00"), "running", None)])
    add_parts(plant, "M1", spread(kst(DAY, "08:00"), kst(DAY, "20:00"), 720))
    report = oee_report(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"), machine_ids=["M1"])
    r = _row(report.table("machine"), machine_id="M1")
    assert r.run_time_s == 39_600 and r.produced_qty == 660
    assert r.effectiveness_raw == pytest.approx(1.0) and not r.effectiveness_capped
    assert report.produced_outside_planned_time == {"M1": 60}
    assert "break" in report.notes[0]["en"] and "휴식" in report.notes[0]["ko"]


def test_no_planned_time_leaves_oee_undefined_not_divided_by_zero(plant):
    # 2025-03-15 is a Saturday, 2025-03-03 the substitute holiday for 3·1절: no shift is planned on either.
    for day in ("2025-03-15", "2025-03-03"):
        add_events(plant, [("M1", kst(day, "09:00"), kst(day, "11:00"), "running", None)])
        add_parts(plant, "M1", spread(kst(day, "09:00"), kst(day, "11:00"), 10))
        # 08-20 only: Friday's night shift legitimately reaches into Saturday until 08:00.
        report = oee_report(plant, COMPANY, kst(day, "08:00"), kst(day, "20:00"), machine_ids=["M1"])
        r = _row(report.table("machine"), machine_id="M1")
        assert r.planned_busy_time_s == 0
        assert r.oee_status == "no_planned_time"
        assert all(math.isnan(r[k]) for k in ("availability", "effectiveness", "quality", "oee"))
        assert report.produced_outside_planned_time == {"M1": 10}
        assert report.notes and report.notes[0]["code"] == "produced_outside_planned_time"


def test_down_the_whole_shift(plant):
    add_events(plant, [("M1", kst(DAY, "08:00"), kst(DAY, "20:00"), "down", "hydraulic")])
    r = _row(oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"), machine_ids=["M1"]), machine_id="M1")
    assert r.planned_busy_time_s == 39_600 and r.down_time_s == 39_600
    assert r.availability == 0 and r.oee == 0 and r.oee_status == "ok"
    assert math.isnan(r.effectiveness) and math.isnan(r.quality)  # nothing ran, nothing was made
    pareto = downtime_pareto(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"))
    assert pareto.iloc[0].reason_code == "hydraulic" and pareto.iloc[0].down_time_s == 39_600


def test_cycle_spanning_a_shift_boundary_counts_where_it_completes(plant):
    # Running 19:00-21:00 crosses the 20:00 day→night boundary; run time splits exactly at it.
    add_events(plant, [("M1", kst(DAY, "19:00"), kst(DAY, "21:00"), "running", None)])
    # A cycle started 19:59:40 completes 20:00:30 → night; one completing exactly at 20:00:00 → night too.
    add_parts(plant, "M1", [kst(DAY, "19:30"), kst(DAY, "20:00:00"), kst(DAY, "20:00:30")])
    table = oee(plant, COMPANY, kst(DAY, "19:00"), kst(DAY, "21:00"), by="shift", machine_ids=["M1"])
    day, night = _row(table, shift_name="day"), _row(table, shift_name="night")
    assert day.run_time_s == 3_600 and night.run_time_s == 3_600
    assert day.produced_qty == 1 and night.produced_qty == 2
    assert day.shift_id == f"{DAY}/day" and night.shift_id == f"{DAY}/night"


def test_faster_than_ideal_cycle_is_capped_and_flagged(plant):
    add_events(plant, [("M1", kst(DAY, "08:00"), kst(DAY, "09:00"), "running", None)])
    add_parts(plant, "M1", spread(kst(DAY, "08:00"), kst(DAY, "09:00"), 70))  # 70 × 60 s in 3 600 s
    r = _row(oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "09:00"), machine_ids=["M1"]), machine_id="M1")
    assert r.effectiveness_raw == pytest.approx(70 * 60 / 3_600)
    assert r.effectiveness == 1.0 and r.effectiveness_capped
    assert r.oee == pytest.approx(1.0 * 1.0 * 1.0)
    notes = oee_report(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "09:00"), machine_ids=["M1"]).dashboard()[
        "notes"
    ]
    assert [n["code"] for n in notes] == ["effectiveness_above_ideal"] and "CNC 1" in notes[0]["en"]


def test_open_interval_ends_at_next_event_or_query_end(plant):
    add_events(
        plant,
        [
            ("M1", kst(DAY, "08:00"), None, "running", None),  # open, cut by the next event
            ("M1", kst(DAY, "09:00"), kst(DAY, "09:30"), "down", None),
            ("M2", kst(DAY, "08:00"), None, "running", None),  # open, ends at the query end
        ],
    )
    table = oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "10:00"), machine_ids=["M1", "M2"])
    m1, m2 = _row(table, machine_id="M1"), _row(table, machine_id="M2")
    assert (m1.run_time_s, m1.down_time_s, m1.no_data_time_s) == (3_600, 1_800, 1_800)
    assert m2.run_time_s == 7_200


def test_open_event_started_before_the_window_is_found(plant):
    add_events(plant, [("M1", kst(DAY, "19:00"), None, "down", None)])  # still down next morning
    nxt = "2025-03-11"
    report = oee_report(plant, COMPANY, kst(nxt, "08:00"), kst(nxt, "10:00"), machine_ids=["M1"])
    assert _row(report.table("machine"), machine_id="M1").down_time_s == 7_200
    assert report.unexplained_downtime().iloc[0].event_start == kst(DAY, "19:00")


def test_line_oee_sums_elements_not_ratios(plant):
    add_events(
        plant,
        [
            ("M1", kst(DAY, "08:00"), kst(DAY, "09:00"), "running", None),
            ("M2", kst(DAY, "08:00"), kst(DAY, "08:30"), "running", None),
            ("M2", kst(DAY, "08:30"), kst(DAY, "09:00"), "idle", None),
        ],
    )
    add_parts(plant, "M1", spread(kst(DAY, "08:00"), kst(DAY, "09:00"), 30))  # 1 800 s ideal
    add_parts(plant, "M2", spread(kst(DAY, "08:00"), kst(DAY, "08:30"), 50))  # 1 500 s ideal
    line = _row(
        oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "09:00"), by="line", line_id="L1"), line_id="L1"
    )
    assert line.availability == pytest.approx((3_600 + 1_800) / 7_200)
    assert line.effectiveness == pytest.approx((1_800 + 1_500) / 5_400)
    assert line.oee == pytest.approx((1_800 + 1_500) / 7_200)


def test_a_lines_oee_is_its_fully_productive_share_of_planned_time_as_the_six_losses_count_it(plant):
    """Two machines of different ideal cycle times (60 s and 30 s) and scrap rates: the line's quality ratio weighs
    each part by its ideal time, so OEE = fully productive time / planned busy time, the figure the loss panel
    shows (counted quality gave a line OEE below it)."""
    add_events(
        plant,
        [
            ("M1", kst(DAY, "08:00"), kst(DAY, "09:00"), "running", None),
            ("M2", kst(DAY, "08:00"), kst(DAY, "09:00"), "running", None),
        ],
    )
    m1 = spread(kst(DAY, "08:00"), kst(DAY, "09:00"), 30)  # 60 s each
    m2 = spread(kst(DAY, "08:00"), kst(DAY, "09:00"), 100)  # 30 s each
    add_parts(plant, "M1", m1, ng_times=set(m1[:3]))
    add_parts(plant, "M2", m2, ng_times=set(m2[:30]))
    args = (plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "09:00"))
    line = _row(oee(*args, by="line", line_id="L1"), line_id="L1")
    losses = _row(six_big_losses(*args, by="line", line_id="L1"), line_id="L1")
    good_ideal = 27 * 60 + 70 * 30
    assert losses.fully_productive_time_s == pytest.approx(good_ideal)
    assert line.oee == pytest.approx(good_ideal / 7_200)
    assert line.quality == pytest.approx(good_ideal / (30 * 60 + 100 * 30))
    # one machine alone: its quality ratio is good parts over parts, as ISO 22400 writes it
    assert _row(oee(*args, machine_ids=["M2"]), machine_id="M2").quality == pytest.approx(70 / 100)


def test_machine_without_ideal_cycle_time_says_so(plant):
    add_events(plant, [("M3", kst(DAY, "08:00"), kst(DAY, "09:00"), "running", None)])
    add_parts(plant, "M3", spread(kst(DAY, "08:00"), kst(DAY, "09:00"), 10))
    r = _row(oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "09:00"), line_id="L2"), machine_id="M3")
    assert r.availability == 1.0 and r.quality == 1.0
    assert math.isnan(r.effectiveness) and math.isnan(r.oee) and r.oee_status == "no_ideal_cycle_time"
    given = oee(
        plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "09:00"), line_id="L2", ideal_cycle_time_s={"M3": 300}
    )
    assert _row(given, machine_id="M3").oee == pytest.approx(10 * 300 / 3_600)


def test_trend_per_production_day_counts_night_shift_on_its_start_day(plant):
    nxt = "2025-03-11"
    add_events(plant, [("M1", kst(DAY, "08:00"), kst(nxt, "20:00"), "running", None)])
    trend = oee_trend(plant, COMPANY, kst(DAY, "08:00"), kst(nxt, "20:00"), machine_ids=["M1"])
    assert [str(d) for d in trend["production_day"]] == [DAY, nxt]
    # 03-10: day 11 h + night 11 h (20-08 less the 00-01 meal); 03-11: only its day shift (night is outside).
    assert list(trend["planned_busy_time_s"]) == [79_200, 39_600]
    assert list(trend["availability"]) == [1.0, 1.0]


def test_a_production_day_runs_from_the_first_shift_start_to_the_next_days(plant):
    from datetime import date

    two, three = ShiftCalendar.two_shifts(), ShiftCalendar.three_shifts()
    # the night shift of 03-10 (20:00-08:00) is 03-10's, to its end at 08:00 on 03-11
    assert two.production_day(kst(DAY, "07:59")) == date(2025, 3, 9)
    assert (
        two.production_day(kst(DAY, "08:00"))
        == two.production_day(kst("2025-03-11", "07:59"))
        == date(2025, 3, 10)
    )
    assert two.production_day_span(date(2025, 3, 10)) == (kst(DAY, "08:00"), kst("2025-03-11", "08:00"))
    assert three.production_day_span(date(2025, 3, 10)) == (kst(DAY, "06:00"), kst("2025-03-11", "06:00"))
    # the span holds exactly the shifts that count on that day
    add_events(plant, [("M1", kst(DAY, "00:00"), kst("2025-03-12", "00:00"), "running", None)])
    trend = oee_trend(plant, COMPANY, *two.production_day_span(date(2025, 3, 10)), machine_ids=["M1"])
    assert [str(d) for d in trend["production_day"]] == [DAY] and list(trend["planned_busy_time_s"]) == [
        79_200
    ]


def test_three_shift_calendar_from_yaml_with_a_planned_stop(plant):
    cal = ShiftCalendar.three_shifts()
    text = cal.to_yaml() + "planned_stops:\n- {start: '2025-03-10T07:00:00', end: '2025-03-10T08:00:00'}\n"
    cal = ShiftCalendar.from_yaml(text)
    add_events(plant, [("M1", kst(DAY, "06:00"), kst(DAY, "14:00"), "running", None)])
    r = _row(
        oee(
            plant, COMPANY, kst(DAY, "06:00"), kst(DAY, "14:00"), by="shift", machine_ids=["M1"], calendar=cal
        ),
        shift_name="A",
    )
    assert r.planned_operation_time_s == 8 * 3600 - 1800 - 3600  # meal break and the calendar stop
    assert r.availability == 1.0


def test_a_break_given_to_the_second_is_planned_to_the_second():
    # a break 12:00:30-13:00 was planned as 12:00-13:00 (its seconds dropped: planned time short by 30 s a day)
    from datetime import time

    from sandan.monitor import Break, Shift, shift_windows

    day = Shift(name="day", start=time(8), end=time(20), breaks=[Break(start=time(12, 0, 30), end=time(13))])
    windows = shift_windows(ShiftCalendar(shifts=[day]), kst(DAY, "08:00"), kst(DAY, "20:00"))
    assert windows.planned_operation_time_s[0] == 12 * 3600 - (3600 - 30)


def test_the_production_reports_two_scrap_counts_are_explained_when_they_differ(plant):
    # scrap made in the lunch break is outside planned time: the summary (OEE) leaves it out, the defect sheet
    # keeps it; the workbook showed 10 against 13 without a word
    from sandan.monitor.report import production_report

    _standard_day_shift(plant)
    lunch = [kst(DAY, "12:20"), kst(DAY, "12:30"), kst(DAY, "12:40")]
    add_parts(plant, "M1", lunch, ng_times=set(lunch), defect_type="burr")
    report = production_report(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"))
    assert int(report.tables["overall"]["scrap_qty"].sum()) == 10
    assert int(report.tables["defects"]["scrap_qty"].sum()) == 13
    notes = report.for_language("en")["notes"]["note"].tolist()
    assert any("3 parts completed outside planned operation time" in n for n in notes)
    assert any("The summary's scrap (10)" in n and "(13)" in n for n in notes)
    assert any("불량 유형 시트(13개)" in n for n in report.for_language("ko")["notes"]["note"])


def test_korean_holidays_and_overrides():
    cal = ShiftCalendar.two_shifts()
    assert not cal.is_working_day(kst("2025-10-06", "00:00").date())  # 추석
    assert cal.is_working_day(kst("2025-10-10", "00:00").date())
    worked = ShiftCalendar.two_shifts(extra_working_days=["2025-10-06"], holidays=["2025-10-10"])
    assert worked.is_working_day(kst("2025-10-06", "00:00").date())
    assert not worked.is_working_day(kst("2025-10-10", "00:00").date())


def test_the_last_production_day_is_the_last_day_worked():
    from datetime import date

    cal = ShiftCalendar.two_shifts()
    assert cal.last_working_day(date(2025, 3, 17)) == date(
        2025, 3, 14
    )  # a Monday: the Friday, not the Sunday
    assert cal.last_working_day(date(2025, 3, 5)) == date(2025, 3, 4)
    # 2025-03-03 is the substitute holiday for 3·1절: the Tuesday's last day worked is the Friday before
    assert cal.last_working_day(date(2025, 3, 4)) == date(2025, 2, 28)


def test_bad_inputs_raise_user_errors(plant):
    with pytest.raises(NotFound) as err:
        oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "09:00"), machine_ids=["nope"])
    assert "nope" in err.value.ko
    with pytest.raises(InvalidInput):
        oee(plant, COMPANY, kst(DAY, "09:00"), kst(DAY, "08:00"))
    with pytest.raises(InvalidInput):
        oee(plant, COMPANY, kst(DAY, "08:00").replace(tzinfo=None), kst(DAY, "09:00"))
    with pytest.raises(InvalidInput):
        oee(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "09:00"), by="weekday")
    with pytest.raises(InvalidInput):
        ShiftCalendar.from_yaml(
            "shifts: [{name: a, start: '08:00', end: '20:00'}, {name: b, start: '19:00', end: '23:00'}]"
        )
    # overlapping breaks would be taken twice from the planned time: refused, naming both
    with pytest.raises(InvalidInput) as err:
        ShiftCalendar.from_yaml(
            "shifts: [{name: a, start: '08:00', end: '17:00', breaks: [{start: '12:00', end: '13:00'}, "
            "{start: '12:30', end: '12:40'}]}]"
        )
    assert err.value.en == (
        "invalid shift calendar: breaks 12:00-13:00 and 12:30-12:40 of shift 'a' overlap; join them into one"
    )
    assert "겹칩니다" in err.value.ko and "validation error" not in err.value.ko
    with pytest.raises(InvalidInput) as err:
        ShiftCalendar.from_yaml("shifts: [{name: a, start: '08:00'")
    assert "line 1" in err.value.en and "1번째 줄" in err.value.ko
    # a night shift's breaks on either side of midnight are fine
    night = ShiftCalendar.from_yaml(
        "shifts: [{name: n, start: '20:00', end: '08:00', breaks: [{start: '23:30', end: '00:00'}, "
        "{start: '00:00', end: '00:30'}]}]"
    )
    assert night.planned_minutes_per_day() == 11 * 60


def test_hour_by_hour_output_lists_every_hour_with_its_scrap(plant):
    # parts only between 08:00 and 10:00; the window starts at 07:30 and ends at 11:00
    first = spread(kst(DAY, "08:00"), kst(DAY, "09:00"), 30)
    second = spread(kst(DAY, "09:00"), kst(DAY, "10:00"), 50)
    add_parts(plant, "M1", first + second, ng_times=set(second[:4]))
    rows = hourly_output(plant, COMPANY, kst(DAY, "07:30"), kst(DAY, "11:00"), machine_ids=["M1"])
    assert [(r["start"], r["produced_qty"], r["scrap_qty"]) for r in rows] == [
        (kst(DAY, "07:30"), 0, 0),  # the first hour starts with the window
        (kst(DAY, "08:00"), 30, 0),
        (kst(DAY, "09:00"), 50, 4),
        (kst(DAY, "10:00"), 0, 0),
    ]
    with pytest.raises(InvalidInput, match="48 hours"):
        hourly_output(plant, COMPANY, kst(DAY, "07:30"), kst("2025-03-13", "07:30"))


def test_a_period_mostly_without_records_says_its_oee_counts_that_as_loss(plant):
    # one hour recorded in a day shift: the other hours count as unrecorded loss, and the dashboard says so
    add_events(plant, [("M1", kst(DAY, "08:00"), kst(DAY, "09:00"), "running", None)])
    add_parts(plant, "M1", spread(kst(DAY, "08:00"), kst(DAY, "09:00"), 50))
    day = oee_report(plant, COMPANY, kst(DAY, "00:00"), kst(DAY, "23:59"), machine_ids=["M1"]).dashboard()
    (note,) = [n for n in day["notes"] if n["code"] == "unrecorded_time"]
    share = day["overall"]["no_data_time_s"] / day["overall"]["planned_busy_time_s"]
    assert share > 0.5 and f"{share:.0%}" in note["en"] and "손실" in note["ko"]
    hour = oee_report(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "09:00"), machine_ids=["M1"]).dashboard()
    assert "unrecorded_time" not in [n["code"] for n in hour["notes"]]  # the recorded hour alone: no note


def test_a_machine_counts_its_time_from_its_first_state_record_so_no_window_reads_the_days_before_as_loss(
    plant,
):
    # M1 was connected on Monday at 08:00: a week's window that starts the Friday before reads the same OEE as
    # Monday's day shift alone, and the parts it reported before its first state record are left out with a note
    _standard_day_shift(plant)
    add_parts(plant, "M1", [kst("2025-03-07", "09:00"), kst(DAY, "07:30")])
    week = oee_report(plant, COMPANY, kst("2025-03-07", "08:00"), kst(DAY, "20:00"), machine_ids=["M1"])
    shift = oee_report(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"), machine_ids=["M1"])
    w, d = week.overall(), shift.overall()
    for k in ("planned_operation_time_s", "planned_busy_time_s", "no_data_time_s", "produced_qty", "oee"):
        assert w[k] == pytest.approx(d[k]), k
    assert w["planned_operation_time_s"] == 39_600 and w["no_data_time_s"] == 0
    board = week.dashboard()
    (note,) = [n for n in board["notes"] if n["code"] == "records_begin"]
    assert (
        "CNC 1 2025-03-10 08:00" in note["en"]
        and "2 parts completed before then" in note["en"]
        and "2개" in note["ko"]
    )
    assert "unrecorded_time" not in [n["code"] for n in board["notes"]]
    # the days before the first record have no planned time of this machine, hence no OEE (not an OEE of 0)
    days = {str(r["production_day"]): r for r in week.rows("day")}
    assert math.isnan(days["2025-03-07"]["oee"]) and days[DAY]["oee"] == pytest.approx(d["oee"]), days
    assert "records_begin" not in [n["code"] for n in shift.dashboard()["notes"]]


def test_parts_before_a_first_record_inside_an_hour_are_cut_at_the_records_exact_time(plant):
    # M1 (ideal 60 s) makes a part a minute from 07:00 but is connected at 09:20: counted per hour, the 20 parts
    # of 09:00-09:20 were counted too (effectiveness past 100 %, and the note blamed the ideal cycle time)
    add_events(plant, [("M1", kst(DAY, "09:20"), kst(DAY, "20:00"), "running", None)])
    add_parts(plant, "M1", spread(kst(DAY, "07:00"), kst(DAY, "20:00"), 13 * 60))
    report = oee_report(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"), machine_ids=["M1"])
    overall = report.overall()
    # 09:20-20:00 less lunch 12-13: 580 planned minutes, a part in each
    assert overall["planned_operation_time_s"] == 580 * 60
    assert overall["produced_qty"] == 580 and overall["effectiveness"] == pytest.approx(1.0)
    (note,) = [n for n in report.dashboard()["notes"] if n["code"] == "records_begin"]
    assert "80 parts completed before then" in note["en"]


def test_a_period_wholly_before_a_machines_first_record_has_no_oee_for_it_not_zero(plant):
    # M1 connected on Monday 08:00: the Friday before, looked at alone, holds no OEE (the walk saw 0.0 % and
    # "96 h unrecorded" for the day before the demo's history began), and the note says why
    _standard_day_shift(plant)
    friday = oee_report(
        plant, COMPANY, kst("2025-03-07", "08:00"), kst("2025-03-07", "20:00"), machine_ids=["M1"]
    )
    overall = friday.overall()
    assert overall["planned_operation_time_s"] == 0 and overall["no_data_time_s"] == 0
    assert math.isnan(overall["oee"])
    notes = {n["code"]: n for n in friday.dashboard()["notes"]}
    assert "records_begin" not in notes and "unrecorded_time" not in notes
    assert notes["records_later"]["en"].startswith("CNC 1: state records begin only after this period")


def test_a_gap_after_the_first_state_record_still_counts_as_unrecorded_loss(plant):
    # records began long before the window; a collector that was down for the day's afternoon is a loss, named
    add_events(plant, [("M1", kst("2025-03-07", "08:00"), kst("2025-03-07", "09:00"), "running", None)])
    add_events(plant, [("M1", kst(DAY, "08:00"), kst(DAY, "12:00"), "running", None)])
    report = oee_report(plant, COMPANY, kst(DAY, "08:00"), kst(DAY, "20:00"), machine_ids=["M1"])
    overall = report.overall()
    assert overall["planned_operation_time_s"] == 39_600 and overall["no_data_time_s"] == 39_600 - 4 * 3_600
    codes = [n["code"] for n in report.dashboard()["notes"]]
    assert "unrecorded_time" in codes and "records_begin" not in codes
