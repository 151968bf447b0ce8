"""Working time on the shift calendar: a schedule's minutes of work from its start ↔ the shop floor's clock.

Calendar: the default two 12-h shifts in Asia/Seoul, Monday to Friday — day 08:00-20:00 with lunch 12:00-13:00,
night 20:00-08:00 with a meal break 00:00-01:00: 22 working hours a weekday. 2025-03-10 is a Monday."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from sandan.domain import InvalidInput
from sandan.monitor.calendar import Shift, ShiftCalendar
from sandan.twin import order_sheets, service
from sandan.twin import schedule as sched
from sandan.twin.workclock import WorkClock, next_working_start, parse_start

KST = ZoneInfo("Asia/Seoul")
CAL = ShiftCalendar.two_shifts()


def kst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=KST)


def test_work_skips_breaks_and_weekends_and_reads_back():
    clock = WorkClock(CAL, kst(10, 8))
    assert clock.at(0) == kst(10, 8) and clock.at(300) == kst(10, 14)  # four hours, lunch, one more
    # at lunch: an operation that ends after 240 minutes ends at 12:00, the next one starts at 13:00
    assert clock.at(240, ending=True) == kst(10, 12) and clock.at(240) == kst(10, 13)
    week = 5 * 22 * 60
    assert clock.at(week, ending=True) == kst(15, 8)  # Friday's night shift ends on Saturday morning
    assert clock.at(week) == kst(17, 8)  # the next minute of work is Monday's
    for minutes in (0, 1, 239, 241, 1000, week - 1, week + 30):
        assert clock.offset(clock.at(minutes)) == pytest.approx(minutes)
    assert clock.offset(kst(16, 12)) == week  # a Sunday adds no work
    assert WorkClock(CAL, kst(10, 8), "h").at(5) == kst(10, 14)


def test_a_start_in_a_break_or_a_weekend_begins_with_the_next_shift():
    assert WorkClock(CAL, kst(10, 12, 30)).at(0) == kst(10, 13)
    assert next_working_start(CAL, kst(15, 9, 17)) == kst(17, 8)  # a Saturday morning → Monday 08:00
    assert next_working_start(CAL, kst(10, 9, 17)) == kst(10, 9, 20)  # inside a shift: the next 10 minutes


def test_a_calendar_without_work_says_so():
    idle = ShiftCalendar(shifts=[Shift(name="d", start="08:00", end="17:00")], working_weekdays=[])
    with pytest.raises(InvalidInput, match="plans less than 10 min of work"):
        WorkClock(idle, kst(10, 8)).at(10)
    with pytest.raises(InvalidInput, match="2026-12-07T08:00"):
        parse_start("next monday", CAL)
    assert parse_start("2025-03-10T08:00", CAL) == kst(10, 8) and parse_start("", CAL) is None


def test_due_dates_in_a_sheet_count_in_working_time_and_the_schedule_is_on_the_clock():
    orders = pd.DataFrame(
        {
            "작업": ["A", "A", "B"],
            "설비": ["M1", "M2", "M1"],
            "분": [300, 120, 60],
            "납기": [datetime(2025, 3, 10, 17, 0), None, "2025-03-11"],  # B: by the end of Tuesday
        }
    )
    out = pd.io.common.BytesIO()
    with pd.ExcelWriter(out, engine="xlsxwriter") as w:
        orders.to_excel(w, sheet_name="orders", index=False)
    shop = service.parse_shop_file(out.getvalue(), "o.xlsx", start=kst(10, 8), calendar=CAL)
    a, b = shop.jobs
    # A: 08:00-17:00 less lunch; B: to Tuesday's midnight — Monday's 15 hours, Tuesday's 22 (its 00:00-01:00 is
    # the night shift's break)
    assert a.due == 480 and b.due == 37 * 60
    with pytest.raises(InvalidInput, match="A's due is a date") as err:
        service.parse_shop_file(out.getvalue(), "o.xlsx")
    assert "시작 시각" in err.value.ko
    result = service.schedule_shop(None, shop, time_limit_s=5, start=kst(10, 8), calendar=CAL)
    assert result["checked"]
    ops = {(o["job"], o["op"]): o for o in result["schedule"]}
    a0 = ops[("A", 0)]
    clock = WorkClock(CAL, kst(10, 8))
    for o in result["schedule"]:
        assert o["start_at"] == clock.at(o["start"]).isoformat()
        assert o["end_at"] == clock.at(o["end"], ending=True).isoformat()
    if a0["start"] == 0:  # A first on M1: 300 minutes from 08:00 cross lunch
        assert a0["end_at"] == kst(10, 14).isoformat()
    else:  # B first: A follows it at 09:00 and its 300 minutes end at 15:00
        assert (a0["start_at"], a0["end_at"]) == (kst(10, 9).isoformat(), kst(10, 15).isoformat())
    assert result["makespan_at"] == WorkClock(CAL, kst(10, 8)).at(result["makespan"], ending=True).isoformat()
    # the dispatch list carries the clock too, as dates Excel shows
    sheet = order_sheets.dispatch_sheet(result["schedule"], "min", "en")
    assert list(sheet.columns[-2:]) == ["starts", "ends"] and sheet["starts"].notna().all()


def test_a_job_shop_instance_in_bare_units_gets_no_clock():
    shop = sched.parse_jsplib("2 2\n0 3 1 2\n1 2 0 4\n")
    result = service.schedule_shop(None, shop, time_limit_s=2, start=kst(10, 8), calendar=CAL)
    assert "clock" not in result and "start_at" not in result["schedule"][0]
    assert result["notes"] == []  # an instance has no place for a unit: nothing to advise


def test_orders_without_a_unit_say_the_start_was_not_used_and_a_unit_word_is_read():
    orders = "jobs:\n  - name: A\n    operations: [{machine: M1, duration: 30}]\n"
    shop = service.parse_shop(orders, start=kst(10, 8), calendar=CAL)
    (note,) = (
        shop.notes
    )  # the start the form filled in, said to be unused and why, rather than dropped in silence
    assert (
        "start was not used: the orders' times have no unit" in note["en"] and "단위가 없습니다" in note["ko"]
    )
    odd = service.parse_shop("time_unit: days\n" + orders, start=kst(10, 8), calendar=CAL)
    assert "time_unit 'days' is not min, h or s" in odd.notes[0]["en"]
    assert service.parse_shop(orders).notes == ()  # no start asked: nothing to say
    # a unit as people write it is the clock's unit
    korean = service.parse_shop("time_unit: 분\n" + orders, start=kst(10, 8), calendar=CAL)
    assert korean.time_unit == "min" and korean.notes == ()
    result = service.schedule_shop(None, korean, time_limit_s=2, start=kst(10, 8), calendar=CAL)
    assert result["schedule"][0]["start_at"] == kst(10, 8).isoformat()


def test_an_order_already_late_at_the_start_is_said_so():
    text = (
        "time_unit: min\njobs:\n"
        "  - {name: LATE-1, due: 2025-03-07 17:00, operations: [{machine: M1, duration: 30}]}\n"
        "  - {name: OK-2, due: 2025-03-10 12:00, operations: [{machine: M1, duration: 30}]}\n"
    )
    shop = service.parse_shop(text, start=kst(10, 8), calendar=CAL)
    assert [j.due for j in shop.jobs] == [0, 240]
    result = service.schedule_shop(None, shop, time_limit_s=2, start=kst(10, 8), calendar=CAL)
    (note,) = result["notes"]
    assert (
        "LATE-1 was due 2025-03-07 17:00, before the schedule's start" in note["en"]
        and "LATE-1" in note["ko"]
    )
    assert "OK-2" not in note["en"]


def test_notes_written_into_the_orders_are_not_passed_on_as_the_schedules_own():
    """The schedule's notes are the ones dates give rise to; a `_notes` key typed into the orders is not shown as
    one (a malformed one reached the CLI, which printed its 'en' and 'ko')."""
    text = (
        "time_unit: min\n_notes: [{en: forged}, 3, {en: also forged, ko: 위조}]\n"
        "jobs:\n  - {name: A, due: 2025-03-07 17:00, operations: [{machine: M1, duration: 30}]}\n"
    )
    shop = service.parse_shop(text, start=kst(10, 8), calendar=CAL)
    assert [n["en"][:11] for n in shop.notes] == ["A was due 2"]
    assert service.parse_shop(text.replace("due: 2025-03-07 17:00, ", "")).notes == ()
    forged = sched.parse_shop_orders(
        {
            "_notes": [{"en": "x"}, "y"],
            "jobs": [{"name": "A", "operations": [{"machine": "M1", "duration": 1}]}],
        }
    )
    assert forged.notes == ()


def test_the_gantt_chart_on_the_clock_marks_each_day_and_times_each_bar():
    """The chart's axis stays working time; a dashed line with the date marks where each production day's work
    begins (Tuesday's at 08:00, after Monday's day and night shifts: 22 working hours after Monday 08:00 — the
    night shift's hours after midnight are Monday's), and each bar's tooltip gives its start and end on the
    clock."""
    clock = WorkClock(CAL, kst(10, 8))
    marks = clock.day_marks(3 * 22 * 60 + 1)
    assert [(o, d.isoformat()) for o, d in marks] == [
        (0.0, "2025-03-10"),
        (1320.0, "2025-03-11"),
        (2 * 1320.0, "2025-03-12"),
        (3 * 1320.0, "2025-03-13"),
    ]
    assert clock.at(1320) == kst(11, 8)
    # a night shift's break at midnight starts no day; a start inside the night shift belongs to its day
    assert [d.isoformat() for _, d in WorkClock(CAL, kst(11, 2)).day_marks(600)] == [
        "2025-03-10",
        "2025-03-11",
    ]
    shop = sched.parse_shop_orders(
        {"time_unit": "min", "jobs": [{"name": "A", "operations": [{"machine": "M1", "duration": 1500}]}]}
    )
    result = service.schedule_shop(None, shop, time_limit_s=2, start=kst(10, 8), calendar=CAL)
    assert result["gantt"]["days"] == [[0.0, "2025-03-10"], [1320.0, "2025-03-11"]]
    (bar,) = result["gantt"]["machines"]["M1"]
    assert (bar["start_at"], bar["end_at"]) == (kst(10, 8).isoformat(), kst(11, 11).isoformat())
    svg = sched.gantt_svg(service.gantt_of(result), lang="ko")
    assert (
        svg.count("data-day=") == 2 and "3/11 (화)" in svg and "시각 (근무 시간만: 휴식·비근무 제외)" in svg
    )
    assert "A-1 3/10 08:00–3/11 11:00 [0, 1500)" in svg
    # the axis reads as clock times: the first tick is the start, the one at 1320 working minutes Tuesday's 08:00
    ticks = dict(result["gantt"]["ticks"])
    assert ticks[0] == "08:00" and ticks[1400] == f"{clock.at(1400):%H:%M}" == "09:20"
    assert '<text x="90.0" y="' in svg and 'text-anchor="middle">08:00</text>' in svg
    bare = sched.gantt_svg(sched.gantt(shop, []), lang="en", names={"M1": "Press 1"})
    assert "data-day" not in bare and "Working time" not in bare and 'text-anchor="middle">0</text>' in bare
    assert "<title>M1</title>Press 1</text>" in bare  # a row by the machine's name, its id in the tooltip
    assert "1,500 [분] (25.0시간)" in svg  # a makespan of 1,500 minutes also in hours
    # rows in the order machines are counted by name, whatever the order the orders listed them
    three = sched.parse_shop_orders(
        {"jobs": [{"name": "A", "operations": [{"machine": m, "duration": 5} for m in ("M10", "M2", "M1")]}]}
    )
    rows = re.findall(r'data-machine="([^"]+)"', sched.gantt_svg(sched.gantt(three, []), lang="en"))
    assert rows == ["M1", "M2", "M10"]
    # case aside, and a sign that looks like a digit ("²") is text
    assert sorted(["press 10", "²", "Press 2"], key=sched._natural) == ["Press 2", "press 10", "²"]


def test_a_job_shop_instance_given_a_start_says_the_start_was_not_used():
    """The CLI's note and the web's are one text (`service.start_not_used`): an instance read with a start someone
    typed (--start) says why the start is not used, rather than dropping it in silence."""
    text = "2 2\n0 3 1 2\n1 2 0 4\n"
    (note,) = service.with_start_note(sched.parse_jsplib(text), kst(10, 8)).notes
    assert note == service.start_not_used("", instance=True)
    assert "The start was not used: a job-shop instance's times have no unit" in note["en"]
    assert "time_unit: min, h or s" in note["en"] and note["ko"].startswith("시작 시각을 쓰지 않았습니다")
    assert (
        service.with_start_note(sched.parse_jsplib(text), None).notes == ()
    )  # no start asked: nothing to say
    # the orders' note is the same function's
    orders = "jobs:\n  - name: A\n    operations: [{machine: M1, duration: 30}]\n"
    assert service.parse_shop(orders, start=kst(10, 8), calendar=CAL).notes == (service.start_not_used(""),)


def test_the_gantt_axis_ends_at_the_finish_the_summary_gives_not_after_the_break():
    """900 working minutes from Monday 08:00 end at midnight, where the night shift's meal break begins: the last
    tick reads 00:00, the finish, not 01:00, when work would resume."""
    shop = sched.parse_shop_orders(
        {"time_unit": "min", "jobs": [{"name": "A", "operations": [{"machine": "M1", "duration": 900}]}]}
    )
    result = service.schedule_shop(None, shop, time_limit_s=2, start=kst(10, 8), calendar=CAL)
    assert result["makespan_at"] == kst(11, 0).isoformat()
    ticks = dict(result["gantt"]["ticks"])
    assert ticks[900] == "00:00" and ticks[0] == "08:00" and ticks[400] == "15:40"
    svg = sched.gantt_svg(service.gantt_of(result), lang="ko")
    assert 'text-anchor="middle">00:00</text>' in svg and 'text-anchor="middle">01:00</text>' not in svg
    assert "전체 소요 시간(메이크스팬) 900 [분]" in svg  # a duration, not a clock time


def test_a_schedule_starting_in_a_night_shift_after_midnight_marks_its_first_day_by_the_calendar_date():
    """Tuesday 02:40 is in Monday's night shift (its production day is Monday): the chart's first mark reads the
    date and time the work begins, Tuesday 02:40, with Monday's production day in its tooltip — not "3/10 (월)"
    alone, which reads as if the schedule began on Monday."""
    shop = sched.parse_shop_orders(
        {"time_unit": "min", "jobs": [{"name": "A", "operations": [{"machine": "M1", "duration": 600}]}]}
    )
    result = service.schedule_shop(None, shop, time_limit_s=2, start=kst(11, 2, 40), calendar=CAL)
    assert [d for _, d in result["gantt"]["days"]] == ["2025-03-10", "2025-03-11"]
    assert result["gantt"]["begins_at"] == kst(11, 2, 40).isoformat()
    ko = sched.gantt_svg(service.gantt_of(result), lang="ko")
    assert "3/11 (화) 02:40</text>" in ko and "3/10 (월) 생산일 야간 근무 중에 시작" in ko
    assert ">3/10 (월)</text>" not in ko and ">3/11 (화)</text>" in ko  # Tuesday's own day still marked
    en = sched.gantt_svg(service.gantt_of(result), lang="en")
    assert "3/11 (Tue) 02:40</text>" in en and "night work of production day 3/10 (Mon)" in en
    # a schedule that starts with its production day is marked by that day alone
    day = service.schedule_shop(None, shop, time_limit_s=2, start=kst(11, 9), calendar=CAL)
    assert ">3/11 (화)</text>" in sched.gantt_svg(service.gantt_of(day), lang="ko")
