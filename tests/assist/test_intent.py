"""Routing questions: keywords with Korean particles attached, and names written with Latin and Hangul together."""

from __future__ import annotations

from sandan.assist.intent import AssetNames, route
from sandan.domain import Company, Line, Machine, ProcessFamily, Site


def test_a_particle_on_a_keyword_and_a_latin_hangul_name_are_both_understood(duck_store):
    duck_store.upsert_company(Company(id="c1", name="가공 회사"))
    duck_store.upsert_site("c1", Site(id="s1", company_id="c1", name="1공장"))
    duck_store.upsert_line("c1", Line(id="l1", company_id="c1", site_id="s1", name="CNC라인"))
    duck_store.upsert_machine(
        "c1",
        Machine(id="m7", company_id="c1", line_id="l1", name="CNC가공기 7호기", family=ProcessFamily.cnc),
    )
    names = AssetNames(duck_store, "c1")
    asked = route("CNC가공기 7호기 OEE는?", names)
    assert (asked.tool, asked.arguments.get("machine_id")) == ("oee", "m7")
    assert route("지난 24시간 OEE가 어때?", names).arguments.get("period") == "last_24h"
    # 정지 (stop) is a stop, but not inside 측정지점 (measuring point) or 공정지표 (process indicator)
    assert route("CNC가공기 7호기 정지 이력", names).tool == "downtime_pareto"
    assert route("CNC가공기 7호기 측정지점별 온도 추이 보여줘", names).tool != "downtime_pareto"
    assert route("공정지표 알려줘", names).tool != "downtime_pareto"
    # a Pareto of stops is the downtime Pareto; the word alone is the defects'
    assert route("비가동 파레토 보여줘", names).tool == "downtime_pareto"
    assert route("Show me the downtime Pareto for last 7 days", names).tool == "downtime_pareto"
    assert route("불량 파레토", names).tool == "defect_pareto"
    # capability questions go to process capability
    assert route("CNC가공기 7호기 Cpk 어때?", names).tool == "process_capability"
    # this month is the month so far, not the last 24 hours
    assert route("이번 달 불량률 추이", names).arguments.get("period") == "this_month"


def test_this_month_starts_on_the_first_at_midnight_in_korea():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sandan.assist.registry import resolve_period

    w = resolve_period("this_month", datetime(2026, 12, 4, 20, 0, tzinfo=UTC))  # 5 Dec 05:00 in Seoul
    assert w.start.astimezone(ZoneInfo("Asia/Seoul")) == datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Seoul"))
    assert w.label("ko") == "이번 달"


def test_a_day_is_the_companys_production_day_when_its_calendar_is_given():
    # two 12-h shifts from 08:00: at 07:00 in Seoul the production day is still yesterday's, as the dashboard and
    # the daily report count it; without a calendar, days are calendar days in Seoul
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sandan.assist.registry import resolve_period
    from sandan.monitor.calendar import ShiftCalendar

    seoul = ZoneInfo("Asia/Seoul")
    now = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)  # 5 Dec 07:00 in Seoul
    calendar = ShiftCalendar.two_shifts()
    today = resolve_period("today", now, calendar)
    assert today.start.astimezone(seoul) == datetime(2026, 12, 4, 8, tzinfo=seoul) and today.end == now
    yesterday = resolve_period("yesterday", now, calendar)
    assert (yesterday.start.astimezone(seoul), yesterday.end.astimezone(seoul)) == (
        datetime(2026, 12, 3, 8, tzinfo=seoul),
        datetime(2026, 12, 4, 8, tzinfo=seoul),
    )
    assert resolve_period("this_month", now, calendar).start.astimezone(seoul) == datetime(
        2026, 12, 1, 8, tzinfo=seoul
    )
    assert resolve_period("today", now).start.astimezone(seoul) == datetime(2026, 12, 5, tzinfo=seoul)


def test_comparisons_worst_machines_and_settings_in_plain_words_reach_their_tools(duck_store):
    duck_store.upsert_company(Company(id="c2", name="프레스 회사"))
    duck_store.upsert_site("c2", Site(id="s1", company_id="c2", name="1공장"))
    duck_store.upsert_line(
        "c2", Line(id="l1", company_id="c2", site_id="s1", name="프레스 A라인 Press line A")
    )
    for n in (1, 2):
        machine = Machine(
            id=f"p{n}", company_id="c2", line_id="l1", name=f"서보프레스 {n}호기 Servo press {n}"
        )
        duck_store.upsert_machine("c2", machine)
    names = AssetNames(duck_store, "c2")
    # two machines compared: those two side by side, in the order named, not the first one alone
    for question, ids in (
        ("서보프레스 1호기랑 서보프레스 2호기 비교해줘", ["p1", "p2"]),
        ("Compare Servo press 2 and Servo press 1", ["p2", "p1"]),
    ):
        asked = route(question, names)
        assert (asked.tool, asked.arguments) == ("oee", {"machine_ids": ids, "by": "machine"}), question
    assert route("서보프레스 1호기와 2호기 불량률 비교", names).tool == "defect_rate"
    # the worst machine asked for: every machine, by machine ("스크랩률" is the scrap rate)
    worst = route("오늘 스크랩률 제일 높은 설비는?", names)
    assert (worst.tool, worst.arguments) == ("defect_rate", {"period": "today", "by": "machine"})
    # the machine with the most scrap: the machines' scrap side by side, not the machine list nor the defect types
    for question in (
        "Which machine had the most scrap yesterday?",
        "Which machine had the most defects yesterday?",
        "어제 불량이 가장 많은 설비는?",
        "어느 설비에서 어제 스크랩이 제일 많았어?",
    ):
        asked = route(question, names)
        assert (asked.tool, asked.arguments) == ("defect_rate", {"period": "yesterday", "by": "machine"}), (
            question
        )
    assert route("Which machines do we have?", names).tool == "list_machines"
    # any figure asked of "which machine": that figure by machine
    slowest = route("Which machine had the lowest availability yesterday?", names)
    assert (slowest.tool, slowest.arguments) == ("oee", {"period": "yesterday", "by": "machine"})
    assert route("어제 가장 많은 불량 유형은?", names).tool == "defect_pareto"
    # a question about the cause stays with the cause
    assert route("어느 설비가 불량 원인이야?", names).tool == "defect_drivers"
    assert route("불량이 가장 많은 설비의 불량 원인은?", names).tool != "defect_rate"
    # the settings to change, however the question is put
    for question in (
        "What settings should I change on Servo press 2?",
        "How should I change the settings of Servo press 2?",
    ):
        asked = route(question, names, {"recommend_settings", "search_documents", "oee"})
        assert (asked.tool, asked.arguments) == ("recommend_settings", {"machine_id": "p2"}), question


def test_a_line_named_by_a_number_the_company_does_not_have_is_not_dropped(duck_store):
    duck_store.upsert_company(Company(id="c3", name="사출 회사"))
    duck_store.upsert_site("c3", Site(id="s1", company_id="c3", name="1공장"))
    duck_store.upsert_line(
        "c3", Line(id="inj-a", company_id="c3", site_id="s1", name="사출 A라인 Injection line A")
    )
    names = AssetNames(duck_store, "c3")
    assert route("A라인 어제 OEE", names).arguments.get("line_id") == "inj-a"
    assert route("OEE of line A yesterday", names).arguments.get("line_id") == "inj-a"
    # "line 1" is none of its lines: passed on, so the answer says so instead of answering for every line
    assert route("OEE of line 1 yesterday", names).arguments.get("line_id") == "line-1"
    assert route("1라인 어제 OEE", names).arguments.get("line_id") == "line-1"
    assert route("어제 라인별 OEE", names).arguments.get("line_id") is None
    assert route("OEE by line yesterday", names).arguments.get("line_id") is None


def test_lines_named_by_number_are_found_and_periods_are_not_lines(duck_store):
    duck_store.upsert_company(Company(id="c4", name="조립 회사"))
    duck_store.upsert_site("c4", Site(id="s1", company_id="c4", name="1공장"))
    for lid, name in (("asm2", "조립 2라인 Assembly line 2"), ("L1", "제1라인")):
        duck_store.upsert_line("c4", Line(id=lid, company_id="c4", site_id="s1", name=name))
    names = AssetNames(duck_store, "c4")
    for question, line_id in (
        ("2라인 어제 OEE", "asm2"),
        ("2 라인 어제 OEE", "asm2"),
        ("OEE of line 2 yesterday", "asm2"),
        ("1라인 어제 OEE", "L1"),
        ("제1라인 OEE", "L1"),
        ("OEE of line 5", "line-5"),  # none of its lines: said so in the answer
        ("OEE of line B yesterday", "line-B"),  # the question is read lowercased: a letter still names a line
        ("B라인 OEE", "line-B"),
        ("OEE by line 7 days", None),  # a period, not line 7
        ("defect rate per line 30 days", None),
        ("which line I should check for OEE", None),
    ):
        assert route(question, names).arguments.get("line_id") == line_id, question


def test_a_letter_inside_a_lines_name_is_not_its_mark(duck_store):
    # "CNC라인" is not line C: "C라인" names no line of the company
    duck_store.upsert_company(Company(id="c5", name="가공 회사"))
    duck_store.upsert_site("c5", Site(id="s1", company_id="c5", name="1공장"))
    duck_store.upsert_line("c5", Line(id="cnc", company_id="c5", site_id="s1", name="CNC라인"))
    names = AssetNames(duck_store, "c5")
    assert route("CNC라인 OEE", names).arguments.get("line_id") == "cnc"
    assert route("C라인 OEE", names).arguments.get("line_id") == "line-C"
