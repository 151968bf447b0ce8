"""A question is answered for what it states: its dates and date ranges, the machine it names as people shorten
names ("프레스 2호"), breakdowns when it asks about breakdowns, and the specification limits it gives — through the
real router and tools on a real store; and a date it cannot read is said, not silently replaced."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pytest

from sandan import monitor
from sandan.assist.assistant import Assistant, PendingActions
from sandan.assist.intent import AssetNames, route
from sandan.assist.registry import check_arguments, default_registry, resolve_period
from sandan.domain import (
    EVENT_SCHEMA,
    PART_SCHEMA,
    Company,
    InvalidInput,
    Line,
    Machine,
    ProcessFamily,
    Site,
)
from sandan.monitor.calendar import company_calendar
from sandan.settings import Settings
from sandan.twin.process import spec_limits

D, S = "daesung-plastics", "sejin-press"
P = "haneul-press"  # a small press shop named as the user walk's was: "…프레스 2호", prs-02
DEC3 = date(2026, 12, 3)  # a Thursday


def _ask(store, company, settings, now, question, lang="ko"):
    a = Assistant(store, company, settings, now=now, use_llm=False, pending=PendingActions())
    return a.ask(question, lang)


def _at(hour_kst: float, day: date = DEC3) -> datetime:
    """A time on the plant's clock (KST, UTC+9), in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour_kst - 9)


@pytest.fixture
def plant(duck_store, tmp_path):
    """Two servo presses named "서보프레스 1호" / "서보프레스 2호" and an injection machine "사출기 2호기" (so "2호" alone
    names no single machine); prs-01 measures a thickness the process drawing has no limits for; on 3 Dec 2026
    prs-01 made parts from 09:00 to 15:00 and prs-02 stopped for a breakdown, a die change and material."""
    s = duck_store
    s.upsert_company(Company(id=P, name="하늘프레스"))
    s.upsert_site(P, Site(id="s1", company_id=P, name="1공장", timezone="Asia/Seoul"))
    s.upsert_line(P, Line(id="l1", company_id=P, site_id="s1", name="프레스 라인 Press line"))
    for mid, name, family in (
        ("prs-01", "서보프레스 1호 Servo press 1", ProcessFamily.press),
        ("prs-02", "서보프레스 2호 Servo press 2", ProcessFamily.press),
        ("imm-02", "사출기 2호기 IMM 2", ProcessFamily.injection),
    ):
        s.upsert_machine(P, Machine(id=mid, company_id=P, line_id="l1", name=name, family=family))
    parts = []
    for i in range(360):  # one a minute, 09:00–15:00; every 20th scrap
        t = _at(9) + timedelta(minutes=i)
        parts.append(
            {
                "time": t,
                "machine_id": "prs-01",
                "part_id": f"p{i:04d}",
                "lot_id": "L1",
                "product": "bracket",
                "result": "ng" if i % 20 == 0 else "ok",
                "defect_type": "crack" if i % 20 == 0 else None,
                "params": "{}",
                "measures": json.dumps({"thickness_mm": 2.0 + 0.012 * ((i * 7919) % 11 - 5) / 5}),
            }
        )
    s.append_parts(P, pa.Table.from_pylist(parts, schema=PART_SCHEMA))
    states = [
        (9, 10, "running", None),
        (10, 10.5, "down", "die_crack"),
        (10.5, 11, "running", None),
        (11, 11 + 50 / 60, "setup", "die_change"),
        (11 + 50 / 60, 13, "running", None),
        (13, 13 + 70 / 60, "idle", "waiting_material"),
        (13 + 70 / 60, 17, "running", None),
    ]
    events = [
        {"machine_id": "prs-02", "start": _at(a), "end": _at(b), "state": st, "reason_code": r, "note": None}
        for a, b, st, r in states
    ]
    s.append_events(P, pa.Table.from_pylist(events, schema=EVENT_SCHEMA))
    return s, Settings(data_dir=tmp_path / "data")


# ---- dates -------------------------------------------------------------------------------------------------------
def test_every_usual_way_of_writing_a_date_or_range_is_read_as_that_period(plant):
    store, _ = plant
    names = AssetNames(store, P)
    today = date(2026, 12, 5)  # a Saturday
    for question, period in (
        ("12월 3일 설비별 OEE 알려줘", "2026-12-03"),
        ("12/3 불량률", "2026-12-03"),
        ("2026-12-03 불량률", "2026-12-03"),
        ("2026.12.3 생산량", "2026-12-03"),
        ("2026년 12월 3일 생산량", "2026-12-03"),
        ("3일 불량률", "2026-12-03"),
        ("12월 1일부터 3일까지 불량률", "2026-12-01..2026-12-03"),
        ("12/1~12/3 OEE", "2026-12-01..2026-12-03"),
        ("12월 1~3일 생산량", "2026-12-01..2026-12-03"),
        ("지난주 월요일 OEE", "2026-11-23"),
        ("3일 전 불량률", "2026-12-02"),
        ("11월 불량률", "2026-11-01..2026-11-30"),
        ("OEE on Dec 3", "2026-12-03"),
        ("defect rate on 3 December", "2026-12-03"),
        ("defect rate on 2026-12-03", "2026-12-03"),
        ("production Dec 1-3", "2026-12-01..2026-12-03"),
        ("OEE between Dec 1 and Dec 3", "2026-12-01..2026-12-03"),
        ("OEE from Dec 28 to Jan 3", "2025-12-28..2026-01-03"),
        ("OEE Monday last week", "2026-11-23"),
        # from the month before; and the same days typed backwards are those days, not a year
        ("28일부터 3일까지 불량률", "2026-11-28..2026-12-03"),
        ("28~3일 불량률", "2026-11-28..2026-12-03"),
        ("12/3~12/1 OEE", "2026-12-01..2026-12-03"),
        ("3일부터 1일까지 불량률", "2026-12-01..2026-12-03"),
        ("12월 3일부터 11월 30일까지 생산량", "2026-11-30..2026-12-03"),
        # a date without a year is the latest one not in the future
        ("12월 25일 불량률", "2025-12-25"),
        ("12월 7일 불량률", "2025-12-07"),
        # spans of days are spans up to now, not a day of the month
        ("최근 3일 불량률", "last_3d"),
        ("3일간 불량률", "last_3d"),
        ("지난 7일 불량률", "last_7d"),
        ("defect rate last 10 days", "last_10d"),
        # the named periods as before
        ("어제 불량률", "yesterday"),
        ("이번 주 일별 불량률 추이", "this_week"),
    ):
        asked = route(question, names, today=today)
        assert asked.arguments.get("period") == period, question
        assert not asked.notes, question
    # "1일 평균" is per day, not the 1st; a spec range is not a date
    assert route("1일 평균 생산량", names, today=today).arguments.get("period") is None
    capability = route("prs-01 두께 공정능력 규격 1.95~2.05", names, today=today)
    assert capability.arguments.get("period") is None and not capability.notes


def test_a_stated_day_is_that_production_day_on_the_plants_clock_and_says_so(world):
    # three days after the history: the last 24 hours are empty, 5 March (a Thursday) is not
    later = world.now + timedelta(days=3)
    calendar = company_calendar(world.settings.data_dir, D)
    start, end = calendar.production_day_span(date(2026, 3, 5))
    expected = monitor.oee(world.store, D, start, end, by=(), calendar=calendar).iloc[0]["oee"]
    assert expected == expected and expected > 0  # not NaN: the plant ran that day
    for question, lang, said in (
        ("3월 5일 설비별 OEE 알려줘", "ko", "2026년 3월 5일(목)"),
        ("2026-03-05 설비별 OEE", "ko", "2026년 3월 5일(목)"),
        ("3/5 OEE", "ko", "2026년 3월 5일(목)"),
        ("OEE by machine on Mar 5", "en", "Thu 5 Mar 2026"),
        ("OEE on 5 March", "en", "Thu 5 Mar 2026"),
    ):
        answer = _ask(world.store, D, world.settings, later, question, lang)
        step = answer.steps[0]
        assert step["tool"] == "oee" and step["arguments"]["period"] == "2026-03-05", question
        assert step["facts"]["oee"] == pytest.approx(expected), question
        assert said in answer.text and "—" not in answer.text.split(":")[1].split("(")[0], question
        cited = step["citations"][0]["arguments"]
        assert (datetime.fromisoformat(cited["start"]), datetime.fromisoformat(cited["end"])) == (start, end)
    # the same question without its date answers for the last 24 hours, which hold nothing
    undated = _ask(world.store, D, world.settings, later, "설비별 OEE 알려줘")
    assert undated.steps[0]["facts"]["oee"] is None and "최근 24시간" in undated.text


def test_a_stated_day_of_the_user_walk_gives_its_defect_rate_in_both_languages(plant):
    store, settings = plant
    now = _at(12, date(2026, 12, 5))
    start, end = company_calendar(settings.data_dir, P).production_day_span(DEC3)
    total = monitor.quality_table(store, P, start, end, by=())
    made, scrap = int(total.iloc[0]["produced_qty"]), int(total.iloc[0]["scrap_qty"])
    assert (made, scrap) == (360, 18)
    for question, lang, said in (
        ("2026-12-03 불량률", "ko", f"2026년 12월 3일(목): 5.0% (생산 {made}개 중 불량 {scrap}개)"),
        ("12월 3일 불량률", "ko", "2026년 12월 3일(목): 5.0%"),
        ("defect rate on Dec 3", "en", f"Thu 3 Dec 2026: 5.0% ({scrap} scrap of {made} produced)"),
    ):
        answer = _ask(store, P, settings, now, question, lang)
        assert said in answer.text, (question, answer.text)
    # a range says its days; the day that has not ended yet says "so far"
    ranged = _ask(store, P, settings, now, "12월 1일부터 3일까지 생산량")
    assert "2026년 12월 1일~3일" in ranged.text and "360개" in ranged.text
    today = _ask(store, P, settings, _at(16), "12월 3일 생산량", "en")
    assert "Thu 3 Dec 2026 (so far): 360 parts" in today.text


def test_a_date_that_cannot_be_read_is_said_and_the_default_named(plant):
    store, settings = plant
    now = _at(12, date(2026, 12, 5))
    for question, lang, said in (
        ("13월 5일 불량률", "ko", "날짜 '13월 5일'을(를) 이해하지 못해 최근 24시간으로 답합니다."),
        ("12월 32일 불량률", "ko", "날짜 '12월 32일'을(를) 이해하지 못해 최근 24시간으로 답합니다."),
        ("어제 2/30 불량률", "ko", "날짜 '2/30'을(를) 이해하지 못해 어제로 답합니다."),
        ("0일 불량률", "ko", "날짜 '0일'을(를) 이해하지 못해 최근 24시간으로 답합니다."),  # was a 500
        (
            "defect rate on 2/30",
            "en",
            "Could not read the date '2/30', so this answers for last 24 hours instead.",
        ),
    ):
        answer = _ask(store, P, settings, now, question, lang)
        notices = [n for n in answer.notices if n["code"] == "date_not_understood"]
        assert [n[lang] for n in notices] == [said], question
    # a future day is refused with its reason, not answered with nothing
    future = _ask(store, P, settings, now, "2027-01-04 불량률")
    assert future.steps[0]["error"]["code"] == "future_period"
    assert "2027년 1월 4일(월)" in future.steps[0]["error"]["ko"]


def test_periods_by_date_resolve_as_yesterday_does_and_models_may_pass_them():
    from sandan.monitor.calendar import ShiftCalendar

    calendar = ShiftCalendar.two_shifts()
    now = _at(12, date(2026, 12, 5))
    day = resolve_period("2026-12-03", now, calendar)
    assert (day.start, day.end) == calendar.production_day_span(DEC3)
    days = resolve_period("2026-12-01..2026-12-03", now, calendar)
    assert days.start == calendar.production_day_span(date(2026, 12, 1))[0] and days.end == day.end
    yesterday = resolve_period("yesterday", now, calendar)
    assert (yesterday.start, yesterday.end) == calendar.production_day_span(date(2026, 12, 4))
    assert resolve_period("last_3d", now, calendar).start == now - timedelta(days=3)
    oee = default_registry().get("oee")
    assert check_arguments(oee, {"period": "2026-12-03"}) == {"period": "2026-12-03"}
    with pytest.raises(InvalidInput, match="period"):
        check_arguments(oee, {"period": "3 Dec"})


# ---- machines and breakdowns ---------------------------------------------------------------------------------------
def test_a_machine_is_found_however_the_question_writes_it(plant):
    store, _ = plant
    names = AssetNames(store, P)
    for question, machine_id in (
        ("프레스 2호 고장 시간", "prs-02"),
        ("서보프레스 2호 고장 시간", "prs-02"),
        ("서보 프레스 2호기 OEE", "prs-02"),
        ("서보프레스2호 OEE", "prs-02"),
        ("PRS-02 OEE", "prs-02"),
        ("prs02 OEE", "prs-02"),
        ("press 2 OEE", "prs-02"),
        ("Servo press #2 OEE", "prs-02"),
        ("사출기 2호 OEE", "imm-02"),
        ("사출 2호기 OEE", "imm-02"),
        ("프레스 1호 12월 3일 불량률", "prs-01"),
    ):
        assert route(question, names).arguments.get("machine_id") == machine_id, question
    # "2호" alone is two machines here: neither is guessed
    assert route("2호 OEE", names).arguments.get("machine_id") is None


def test_a_breakdown_question_counts_breakdowns_only_and_says_so(plant):
    store, settings = plant
    now = _at(17)
    start, end = now - timedelta(hours=24), now
    pareto = monitor.downtime_pareto(store, P, start, end, machine_ids=["prs-02"], states=["down"])
    assert list(pareto["reason_code"]) == ["die_crack"]
    for question, lang, said in (
        ("프레스 2호 고장 시간", "ko", "서보프레스 2호 고장 시간, 최근 24시간: 합계 30분"),
        ("breakdowns of press 2", "en", "Breakdown time of Servo press 2, last 24 hours: total 30 min"),
    ):
        answer = _ask(store, P, settings, now, question, lang)
        step = answer.steps[0]
        assert (step["tool"], step["arguments"]) == (
            "downtime_pareto",
            {"machine_id": "prs-02", "states": ["down"]},
        ), question
        assert step["facts"]["total_time_s"] == pytest.approx(pareto["down_time_s"].sum())
        assert said in answer.text, answer.text
        # setup and waiting are not breakdowns
        assert [r["reason_code"] for r in step["table"]] == ["die_crack"]
        assert "die_change" not in answer.text and "waiting" not in answer.text
    # a question about stops in general counts every kind, and says which
    stops = _ask(store, P, settings, now, "프레스 2호 비가동 시간")
    assert stops.steps[0]["facts"]["total_time_s"] == pytest.approx((30 + 50 + 70) * 60)
    assert "비가동 시간 (고장, 작업준비, 대기)" in stops.text and "합계 2시간 30분" in stops.text
    setup = _ask(store, P, settings, now, "프레스 2호 작업준비 시간")
    assert setup.steps[0]["arguments"]["states"] == ["setup"]


def test_the_press_shops_breakdowns_in_the_virtual_complex_are_not_its_waiting(world):
    # sejin-press had waiting and quality checks but no breakdown in the window: its answer says so
    answer = _ask(world.store, S, world.settings, world.now, "프레스 2호 고장 시간")
    step = answer.steps[0]
    assert step["arguments"] == {"machine_id": "prs-02", "states": ["down"]}
    assert "기록된 고장이 없습니다" in answer.text and "waiting" not in answer.text


# ---- specification limits --------------------------------------------------------------------------------------------
def test_limits_in_a_capability_question_are_the_ones_used(plant):
    store, settings = plant
    now = _at(17)
    start, end = now - timedelta(hours=24), now
    expected = monitor.capability_from_store(
        store,
        P,
        start,
        end,
        "thickness_mm",
        lsl=1.95,
        usl=2.05,
        machine_ids=["prs-01"],
        specs=spec_limits({ProcessFamily.press}),
    )
    for question, lang, said in (
        ("prs-01 두께 공정능력 규격 1.95~2.05", "ko", "(규격 1.95~2.05, 질문에서 준 값)"),
        ("prs-01 두께 Cpk LSL 1.95 USL 2.05", "ko", "(규격 1.95~2.05, 질문에서 준 값)"),
        ("프레스 1호 두께 Cpk 1.95-2.05 mm", "ko", "(규격 1.95~2.05, 질문에서 준 값)"),
        ("프레스 1호 두께 Cpk 2.00 ± 0.05", "ko", "(규격 1.95~2.05, 질문에서 준 값)"),
        ("capability of prs-01 thickness, spec 1.95 to 2.05", "en", "(spec 1.95~2.05 as given)"),
    ):
        answer = _ask(store, P, settings, now, question, lang)
        step = answer.steps[0]
        assert step["tool"] == "process_capability" and "error" not in step, (question, step.get("error"))
        assert step["arguments"] == {
            "machine_id": "prs-01",
            "characteristic": "thickness_mm",
            "lsl": 1.95,
            "usl": 2.05,
        }, question
        row = step["table"][0]
        assert (row["lsl"], row["usl"], row["n"]) == (1.95, 2.05, 360)
        assert step["facts"]["cpk"]["thickness_mm"] == pytest.approx(expected.cpk)
        assert said in answer.text, answer.text
        assert "규격 한계가 알려진 측정 특성이 없습니다" not in answer.text
    # without limits, the answer names what is measured so the question can give them
    bare = _ask(store, P, settings, now, "prs-01 공정능력")
    assert bare.steps[0]["error"]["code"] == "no_spec" and "thickness_mm" in bare.steps[0]["error"]["ko"]


def test_limits_of_a_characteristic_with_a_drawing_replace_the_drawings(world):
    # the virtual press shop's cup height has drawing limits 59.85–60.15; the question's tighter ones are used
    answer = _ask(
        world.store, S, world.settings, world.now, "서보프레스 1호기 컵 높이 공정능력 규격 59.9~60.1"
    )
    step = answer.steps[0]
    assert step["arguments"]["characteristic"] == "cup_height_mm"
    assert (step["table"][0]["lsl"], step["table"][0]["usl"]) == (59.9, 60.1)
    drawing = _ask(world.store, S, world.settings, world.now, "서보프레스 1호기 컵 높이 공정능력")
    assert (drawing.steps[0]["table"][0]["lsl"], drawing.steps[0]["table"][0]["usl"]) == (59.85, 60.15)
