"""The tool registry's contract, the SQL last resort, write tools that wait for a person, and the safety check."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from sandan.assist.assistant import Assistant, PendingActions
from sandan.assist.registry import ToolRegistry, check_arguments, default_registry, tool
from sandan.assist.safety import company_limits, violations
from sandan.domain import InvalidInput, NotFound

D = "daesung-plastics"


def test_every_tool_has_a_name_a_json_schema_a_bilingual_description_and_a_cited_function():
    registry = default_registry()
    assert {
        "oee",
        "defect_rate",
        "defect_pareto",
        "spc_status",
        "readings",
        "list_machines",
        "recent_quarantine",
        "sql_query",
        "search_documents",
    } <= set(registry.names())
    for t in registry:
        assert t.parameters["type"] == "object" and "properties" in t.parameters
        assert t.description["en"] and t.description["ko"] and t.calls
        assert t.schema()["function"]["name"] == t.name


def test_a_new_tool_is_one_registered_function():
    registry = ToolRegistry()

    @tool(
        "echo",
        en="Echo",
        ko="메아리",
        parameters={"properties": {"x": {"type": "integer"}}},
        calls="none",
        registry=registry,
    )
    def echo(ctx, x: int = 0):
        raise AssertionError("not called here")

    assert registry.names() == ["echo"]
    with pytest.raises(InvalidInput, match="must be a integer|must be an integer|'x' must be"):
        check_arguments(registry.get("echo"), {"x": "seven"})
    with pytest.raises(InvalidInput, match="unknown argument"):
        check_arguments(registry.get("echo"), {"y": 1})


def _assistant(world, company=D):
    return Assistant(
        world.store, company, world.settings, now=world.now, use_llm=False, pending=PendingActions()
    )


def test_sql_reads_only_this_companys_rows_within_the_row_limit(world):
    a = _assistant(world)
    step = a.run_tool("sql_query", {"sql": "select distinct machine_id from part_records order by 1"}, "en")
    assert [r["machine_id"] for r in step["table"]] == ["imm-01", "imm-02", "imm-03", "imm-04", "imm-05"]
    big = a.run_tool("sql_query", {"sql": "select * from readings"}, "en")
    assert len(big["table"]) == 200 and big["facts"]["truncated"]


@pytest.mark.parametrize(
    "sql",
    [
        "delete from part_records",
        "select 1; drop table machines",
        "select * from read_csv('/etc/passwd')",
        "attach '/tmp/x.db'",
        "select * from duckdb_settings() where name = 'x'; set threads = 1",
    ],
)
def test_sql_refuses_anything_but_one_read_only_query(world, sql):
    step = _assistant(world).run_tool("sql_query", {"sql": sql}, "en")
    assert step["error"]["code"] in ("sql_refused", "sql_error")


def test_sql_runs_on_one_thread_within_a_memory_limit(world):
    from sandan.assist.tools.sql import MEMORY_LIMIT, THREADS

    step = _assistant(world).run_tool(
        "sql_query",
        {"sql": "select current_setting('threads') as t, current_setting('memory_limit') as m"},
        "en",
    )
    assert "error" not in step, step
    assert step["table"] == [{"t": THREADS, "m": "244.1 MiB"}] and MEMORY_LIMIT == "256MB"


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        # a string doubled 40 times: past the memory limit at once
        (
            "with recursive t(s, n) as (select 'x', 0 union all select s || s, n + 1 from t where n < 40) "
            "select length(s) from t",
            "sql_too_big",
        ),
        # one row of 3.2 MB: past the size of a result
        ("select string_agg(md5(range::varchar), '') as s from range(100000)", "sql_too_big"),
        # text as long as asked for is not counted against the memory limit: refused as written
        ("select repeat('x', 1000000000) from range(2048)", "sql_refused"),
        ("select lpad('x', 1000000000, 'y')", "sql_refused"),
    ],
)
def test_sql_past_its_memory_or_result_size_is_refused_in_both_languages(world, sql, code):
    step = _assistant(world).run_tool("sql_query", {"sql": sql}, "ko")
    assert step["error"]["code"] == code, step["error"]
    assert re.search(r"[가-힣]", step["error"]["ko"]) and step["error"]["en"]


def test_a_failed_query_is_told_in_korean_without_duckdbs_english_sentence(world):
    step = _assistant(world).run_tool("sql_query", {"sql": "select * from no_such_table"}, "ko")
    error = step["error"]
    assert error["code"] == "sql_error" and "no_such_table" in error["en"]
    assert error["ko"] == "조회가 실패했습니다 (CatalogException). 조회문을 고쳐 다시 실행하세요"


def test_a_tool_never_reaches_another_companys_machine(world):
    step = _assistant(world).run_tool("oee", {"machine_id": "prs-02"}, "en")
    assert step["error"]["code"] == "unknown_machine"


def test_a_write_tool_only_creates_a_pending_confirmation_until_a_person_confirms(world):
    a = _assistant(world)
    before = len(world.store.list_audit(D))
    step = a.run_tool(
        "request_setting_change",
        {"machine_id": "imm-02", "parameter": "holding_pressure_bar", "value": 600},
        "ko",
    )
    assert step["pending"]["tool"] == "request_setting_change"
    assert len(world.store.list_audit(D)) == before  # nothing happened yet
    with pytest.raises(NotFound):
        _assistant(world, "sejin-press").confirm(step["pending"]["id"], "someone")  # not another company's
    result = a.confirm(step["pending"]["id"], "a-engineer")
    assert result["applied"] and len(world.store.list_audit(D)) == before + 1
    with pytest.raises(NotFound):
        a.confirm(step["pending"]["id"], "a-engineer")  # once only


def test_a_setting_outside_the_machine_limits_is_refused(world):
    step = _assistant(world).run_tool(
        "request_setting_change", {"machine_id": "imm-02", "parameter": "melt_temp_c", "value": 420}, "en"
    )
    assert step["error"]["code"] == "setting_out_of_limits"


def test_settings_held_steady_get_no_recommendation_but_a_trial(world):
    # IMM 1 runs at settings that only scatter around their set points (unlike IMM 2, which began with a trial):
    # its records cannot show what a change would do, so the assistant recommends nothing and says to run a
    # trial, citing the optimizer.
    answer = _assistant(world).ask("사출기 1호기 공정 조건 무엇을 바꿔야 해?", "ko")
    assert answer.safety["ok"] and not answer.recommendations
    assert "시험 생산" in answer.text
    assert any("recommend_for_machine" in str(c) for c in answer.citations)


def test_the_recommended_settings_are_the_settings_pages(world):
    # asked without a period, the assistant learns from the records the settings page learns from, so both give
    # the same set points (it used to take a week against the page's 30 days)
    from sandan.optimize.service import RECOMMEND_DAYS, recommend_for_machine

    step = _assistant(world).run_tool("recommend_settings", {"machine_id": "imm-02"}, "en")
    assert "error" not in step, step
    (citation,) = step["citations"]
    assert citation["arguments"]["days"] == RECOMMEND_DAYS == 30
    page = recommend_for_machine(world.store, D, "imm-02", end=world.now)
    assert {r["name"]: r["recommended"] for r in step["table"]} == pytest.approx(page.recommended)
    # each setting with its unit, in the table and in the sentence ("melt temperature 237.8 → 233.3 °C")
    units = {r["name"]: r["unit"] for r in step["table"]}
    assert units["melt_temp_c"] == "°C" and units["holding_pressure_bar"] == "bar"
    assert page.changed
    for name in [c.name for c in page.changed]:
        assert page.move(name, "en") in step["summary"] and page.units[name] in page.move(name, "en")
    asked = _assistant(world).run_tool(
        "recommend_settings", {"machine_id": "imm-02", "period": "last_7d"}, "en"
    )
    assert asked["citations"][0]["arguments"]["days"] == 7


def test_the_safety_check_catches_a_written_setting_outside_the_limits(world):
    limits = company_limits(world.store, D)
    assert violations({"text": "Raise the melt temperature to 390 °C."}, limits)
    assert not violations({"text": "Raise the melt temperature to 245 °C."}, limits)
    assert violations(
        {"recommendations": [{"machine_id": "imm-01", "parameter": "melt_temp_c", "value": 10}]}, limits
    )


def test_the_safety_check_reads_settings_below_zero_and_with_thousands_separators(world):
    limits = company_limits(world.store, D)
    # a minus sign, a hyphen or U+2212 before the number: below zero, outside every melt temperature limit
    for text in (
        "용융 수지 온도를 -40 °C로 낮추세요",
        "용융 수지 온도를 −40 °C로 낮추세요",
        "melt temperature: -40 °C",
    ):
        (found,) = violations({"text": text}, limits)
        assert found["parameter"] == "melt_temp_c" and found["value"] == -40
    # a hyphen inside an id is no sign, and 1,200 bar is one number (it read 1 bar, below the limits)
    assert not violations({"text": "Set the holding pressure on imm-02 to 1,200 bar."}, limits)
    assert not violations({"text": "holding pressure 1,200 bar"}, limits)


def test_argument_problems_are_worded_in_korean_too():
    t = default_registry().get("oee")
    with pytest.raises(InvalidInput) as refused:
        check_arguments(t, {"machine": 7, "by": "planet", "machine_ids": "imm-01", "period": "fortnight"})
    en, ko = refused.value.en, refused.value.ko
    assert en.startswith("arguments of oee are invalid: unknown argument 'machine'")
    assert ko == (
        "oee의 인수가 올바르지 않습니다: 알 수 없는 인수 'machine'; 'by'은(는) machine, line, day 중 하나여야 합니다; "
        "'machine_ids'은(는) 목록(배열)이어야 합니다; 'period'은(는) last_hour, last_8h, last_24h, today, "
        "yesterday, last_7d, this_week, last_30d, this_month 중 하나나 생산일 YYYY-MM-DD, 기간 "
        "YYYY-MM-DD..YYYY-MM-DD, last_<n>d, last_<n>h 가운데 하나여야 합니다"
    )
    with pytest.raises(InvalidInput) as refused:
        check_arguments(default_registry().get("process_capability"), {})
    assert refused.value.ko.endswith("필수 인수 'machine_id'이(가) 빠졌습니다")
    # English words only as the names and codes of the call, never a sentence
    for text in (ko, refused.value.ko):
        assert not re.search(r"\b(unknown|argument|missing|required|must|one of|items)\b", text), text


def test_an_argument_longer_than_the_limit_is_refused_naming_only_the_argument():
    t = default_registry().get("oee")
    for value in ("imm-0" + "2" * 5_000, ["imm-01", "imm-0" + "2" * 5_000]):
        key = "machine_id" if isinstance(value, str) else "machine_ids"
        with pytest.raises(InvalidInput) as refused:
            check_arguments(t, {key: value})
        assert refused.value.en == f"arguments of oee are invalid: '{key}' is longer than 4,000 characters"
        assert refused.value.ko == f"oee의 인수가 올바르지 않습니다: '{key}'이(가) 4,000자를 넘습니다"


def test_the_no_llm_answer_says_so_and_is_not_prose(world):
    answer = _assistant(world).ask("What is the OEE of IMM 2?", "en")
    assert answer.mode == "no_llm" and answer.notices[0]["code"] == "no_llm"
    assert answer.text.startswith("OEE of IMM 2,") and answer.steps[0]["table"]


def test_the_quality_flow_runs_its_steps_and_says_what_is_not_installed(world):
    from sandan.assist.flows import run_flow

    result = run_flow(_assistant(world), "production", line_id="inj-a", period="last_24h", lang="en")
    keys = [s["key"] for s in result["sections"]]
    assert keys == ["bottleneck", "losses", "what_if", "what_if_shift", "maintenance", "manual"]
    what_if = next(s for s in result["sections"] if s["key"] == "what_if")
    assert what_if["step"]["facts"]["change_per_h"] is not None  # the twin simulated one more machine
    assert result["answer"]["citations"]


def test_the_oee_tool_counts_with_the_companys_own_calendar(world):
    # the last six hours include the default calendar's lunch break; this company's calendar has none, so the
    # assistant must count the lunch-hour parts exactly as the company's dashboard does
    from sandan import monitor
    from sandan.assist.registry import resolve_period
    from sandan.monitor.calendar import calendar_path, company_calendar, save_company_calendar
    from sandan.twin.virtual import demo_calendar

    w = resolve_period("today", world.now, company_calendar(world.settings.data_dir, D))
    default = monitor.oee(world.store, D, w.start, w.end, by=()).iloc[0]
    save_company_calendar(world.settings.data_dir, D, demo_calendar())
    try:
        step = _assistant(world).run_tool("oee", {"period": "today"}, "en")
        own = monitor.oee(world.store, D, w.start, w.end, by=(), calendar=demo_calendar()).iloc[0]
    finally:
        calendar_path(world.settings.data_dir, D).unlink()
    assert own.produced_qty > default.produced_qty  # the lunch hour's parts: the two calendars do differ here
    assert step["facts"]["produced_qty"] == own.produced_qty
    assert step["facts"]["oee"] == pytest.approx(own.oee)


def test_why_did_defects_rise_asks_the_web_pages_first_question(world):
    # six hours of records, none a week old: with no period the assistant compares what the web page compares
    # (the latest quarter of the records against the rest) instead of answering that the week before is empty
    from sandan.optimize.service import root_cause_for, root_cause_window

    start, end, days = root_cause_window(world.store, D, world.now)
    assert days < 1  # the records are younger than the usual week
    expected = root_cause_for(world.store, D, start, end, baseline_days=days)
    step = _assistant(world).run_tool("root_cause", {}, "en")
    assert "error" not in step, step
    assert step["facts"]["rate_bad"] == pytest.approx(expected.rate_bad)
    assert step["facts"]["rate_good"] == pytest.approx(expected.rate_good)
    hours = (end - start).total_seconds() / 3600
    assert f"in the last {int(hours)} h" in step["summary"] and "week" not in step["summary"]
    assert f"최근 {int(hours)}시간" in _assistant(world).run_tool("root_cause", {}, "ko")["summary"]
    # a period the question names is taken as asked, against the week before it
    named = _assistant(world).run_tool("root_cause", {"period": "last_hour"}, "en")
    assert "error" not in named, named
    assert "in the last hour against" in named["summary"] and "week before" in named["summary"]
    # a period before which nothing was recorded ("this week" on the plant's first day): the question the records
    # can answer, said so, instead of asking the user to choose other dates
    early = _assistant(world).run_tool("root_cause", {"period": "last_24h"}, "en")
    assert "error" not in early, early
    assert f"in the last {int(hours)} h" in early["summary"]
    assert "(the records do not reach a week before the last 24 hours)" in early["summary"]
    assert early["facts"]["rate_bad"] == pytest.approx(expected.rate_bad)
    ko = _assistant(world).run_tool("root_cause", {"period": "last_24h"}, "ko")["summary"]
    assert "기록이" in ko and "일주일까지 있지 않아" in ko


def test_a_question_that_names_no_machine_is_answered_with_the_choice(world):
    # the tool needs one machine (or line): the answer lists them instead of "missing required 'machine_id'"
    a = _assistant(world)
    answer = a.ask("공정능력 Cpk 어때?", "ko")
    step = answer.steps[0]
    assert step["tool"] == "process_capability" and step["error"]["code"] == "which_machine"
    assert "imm-02" in answer.text and "missing" not in answer.text
    line = a.ask("What if we add a shift?", "en")
    assert line.steps[0]["error"]["code"] == "which_line" and "inj-a" in line.text
    named = a.ask("사출기 2호기 Cpk 어때?", "ko").steps[0]
    assert named["arguments"]["machine_id"] == "imm-02" and "error" not in named


def test_an_oee_over_days_before_the_data_began_counts_from_the_first_record_and_says_so(world):
    from sandan import monitor
    from sandan.assist.registry import resolve_period
    from sandan.monitor.calendar import company_calendar

    a = _assistant(world)
    week = a.ask("사출기 2호기 지난 7일 OEE", "ko")
    step = week.steps[0]
    assert step["tool"] == "oee" and "설비 상태 기록이 시작되었습니다" in week.text, week.text
    assert "손실로 계산" not in week.text
    calendar = company_calendar(world.settings.data_dir, D)
    w = resolve_period("last_7d", world.now, calendar)
    first = world.store.first_event_starts(D, ["imm-02"])["imm-02"]
    assert w.start < first < w.end
    since = monitor.oee(world.store, D, first, w.end, by=(), machine_ids=["imm-02"], calendar=calendar).iloc[
        0
    ]
    assert step["facts"]["oee"] == pytest.approx(since["oee"])
    hour = a.ask("사출기 2호기 최근 1시간 OEE", "ko")
    assert "기록이 시작" not in hour.text and "손실로 계산" not in hour.text


def test_root_cause_rows_name_their_kind_in_words(world):
    answer = _assistant(world).ask("사출기 2호기 왜 불량이 늘었어?", "ko")
    step = answer.steps[0]
    assert step["tool"] == "root_cause" and "error" not in step, step.get("error")
    shown = step["display"]["table"]
    k = [h["key"] for h in shown["headers"]].index("kind")
    kinds = {row[k]["text"] for row in shown["rows"]}
    assert kinds and kinds <= {"공정 변수", "구분 (로트, 설비, 교대…)"}, kinds


def test_a_production_question_gets_the_counts_the_quality_table_has(world):
    from sandan import monitor
    from sandan.assist.registry import resolve_period
    from sandan.monitor.calendar import company_calendar

    answer = _assistant(world).ask("오늘 교대별 사출 A라인 생산량은?", "ko")
    step = answer.steps[0]
    assert step["tool"] == "production" and "error" not in step, step
    assert step["arguments"] == {"line_id": "inj-a", "period": "today", "by": "shift_name"}
    w = resolve_period("today", world.now, company_calendar(world.settings.data_dir, D))
    table = monitor.quality_table(world.store, D, w.start, w.end, by=(), line_id="inj-a").iloc[0]
    facts = step["facts"]
    assert (facts["produced_qty"], facts["good_qty"], facts["scrap_qty"]) == (
        table.produced_qty, table.good_qty, table.scrap_qty
    )  # fmt: skip
    assert facts["produced_qty"] > 0 and facts["good_qty"] + facts["scrap_qty"] == facts["produced_qty"]
    assert (
        f"{facts['produced_qty']:,}개 (양품 {facts['good_qty']:,}개, 불량 {facts['scrap_qty']:,}개)"
        in answer.text
    )


def test_the_worst_machine_is_named_and_a_question_nothing_answers_says_what_can_be_asked(world):
    a = _assistant(world)
    worst = a.ask("오늘 스크랩률 제일 높은 설비는?", "ko")
    rows = worst.steps[0]["table"]
    top = max(rows, key=lambda r: r["defect_rate"])
    name = {"imm-02": "사출기 2호기"}.get(top["machine_id"], top["machine_id"])
    assert f"가장 높은 설비: {name} ({top['defect_rate'] * 100:.1f}%)" in worst.text
    lost = a.ask("qwzx plorb?", "en")
    assert lost.steps[0]["tool"] == "search_documents"
    # no passage is near it in meaning, none shares a word with it: nothing is offered as if it answered
    assert lost.text.startswith("no document matches the question") and not lost.steps[0]["table"]
    assert any(n["code"] == "not_understood" for n in lost.notices)
    assert not any(n["code"] == "not_understood" for n in worst.notices)


def test_capability_of_a_setting_says_it_is_not_measured_instead_of_answering_for_another(world):
    answer = _assistant(world).ask("Cpk of holding pressure on IMM 2", "en")
    step = answer.steps[0]
    assert (
        step["tool"] == "process_capability" and step["arguments"]["characteristic"] == "holding_pressure_bar"
    )
    assert step["error"]["code"] == "unknown_characteristic" and "warpage_mm" in answer.text


def test_two_machines_compared_are_shown_side_by_side(world):
    from sandan import monitor
    from sandan.assist.registry import resolve_period
    from sandan.monitor.calendar import company_calendar

    answer = _assistant(world).ask("사출기 1호기랑 사출기 3호기 불량률 비교해줘", "ko")
    step = answer.steps[0]
    assert step["tool"] == "defect_rate" and step["arguments"]["machine_ids"] == ["imm-01", "imm-03"]
    assert {r["machine_id"] for r in step["table"]} == {"imm-01", "imm-03"}
    w = resolve_period(None, world.now, company_calendar(world.settings.data_dir, D))
    both = monitor.quality_table(
        world.store, D, w.start, w.end, by=(), machine_ids=["imm-01", "imm-03"]
    ).iloc[0]
    assert step["facts"]["defect_rate"] == pytest.approx(both.defect_rate)
    assert answer.text.startswith("사출기 1호기 · 사출기 3호기 불량률")


def test_spc_counts_each_point_that_breaks_a_rule_once(world):
    from sandan import monitor

    step = _assistant(world).run_tool("spc_status", {"machine_id": "imm-02"}, "en")
    assert "error" not in step, step
    checked = [r for r in step["table"] if r.get("points")]
    assert checked
    calls = {c["arguments"]["characteristic"]: c["arguments"] for c in step["citations"]}
    for row in checked:
        args = calls[row["characteristic"]]
        chart = monitor.measurement_chart(
            world.store,
            D,
            datetime.fromisoformat(str(args["start"])),
            datetime.fromisoformat(str(args["end"])),
            row["characteristic"],
            chart="imr",
            machine_ids=["imm-02"],
        )
        flagged = {v.index for s in chart.series for v in s.violations}
        assert row["violations"] <= row["points"] and row["violations"] == len(flagged)


def test_capability_gives_the_observed_ppm_and_the_normal_models_only_where_the_data_are_normal(world):
    from sandan import monitor
    from sandan.twin.process import spec_limits

    step = _assistant(world).run_tool("process_capability", {"machine_id": "imm-02"}, "en")
    assert "error" not in step, step
    calls = {c["arguments"]["characteristic"]: c["arguments"] for c in step["citations"]}
    rows = [r for r in step["table"] if r.get("n")]
    assert rows
    for row in rows:
        args = calls[row["characteristic"]]
        study = monitor.capability_from_store(
            world.store, D, args["start"], args["end"], row["characteristic"],
            machine_ids=args["machine_ids"], specs=spec_limits({"injection"}),
        )  # fmt: skip
        assert row["n"] == study.n and row["observed_ppm"] == pytest.approx(study.observed_ppm, abs=0.1)
        # the page's rule: where the data fail the normality test the normal model's ppm describes nothing
        assert (row["expected_ppm"] is None) == (study.normal is False), (row, study.normal)


def test_where_is_the_bottleneck_is_the_twins_active_period_bottleneck_not_the_lowest_oee(world):
    from sandan.assist.intent import AssetNames, route
    from sandan.assist.registry import resolve_period
    from sandan.monitor.calendar import company_calendar
    from sandan.twin.service import line_of_record
    from sandan.twin.sim import run_line

    names = AssetNames(world.store, D)
    for question in (
        "A라인 병목은 어디야?",
        "Where is the bottleneck on line A?",
        "사출기 2호기 라인의 병목 공정",
    ):
        asked = route(question, names)
        assert (asked.tool, asked.arguments.get("line_id")) == ("line_bottleneck", "inj-a"), question
    # adding a machine at the bottleneck is still a what-if
    assert route("A라인 병목에 사출기를 한 대 더 놓으면?", names).tool == "twin_what_if"

    step = _assistant(world).run_tool("line_bottleneck", {"line_id": "inj-a"}, "en")
    assert "error" not in step, step
    w = resolve_period("last_7d", world.now, company_calendar(world.settings.data_dir, D))
    line = line_of_record(world.store, world.settings.data_dir, D, "inj-a", start=w.start, end=w.end)
    sim = run_line(line, replications=5, horizon=line.run_hours * 3600.0, warmup=1800.0, seed=0)
    assert step["facts"]["bottleneck"] == sim.bottleneck
    assert step["facts"]["votes"] == sim.bottleneck_votes[sim.bottleneck]
    from sandan.assist.tools.twin import _station_names

    # the line and the station as the plant calls them: "Injection moulding", not the station id "injection"
    words = _station_names(_assistant(world).ctx, line)[sim.bottleneck]
    assert step["summary"].startswith(
        f"Bottleneck of Injection line A: {words['en']} (longest active periods in"
    )
    korean = _assistant(world).run_tool("line_bottleneck", {"line_id": "inj-a"}, "ko")
    assert korean["summary"].startswith(f"사출 A라인의 병목: {words['ko']} (") and not re.search(
        r"[a-z]", words["ko"]
    )
    assert [r["station"] for r in step["table"]][0] == max(
        sim.stations, key=lambda s: sim.stations[s]["active_period_s"].mean
    )
    # a company with several lines is asked which one
    unnamed = _assistant(world).run_tool("line_bottleneck", {}, "ko")
    assert "어느 라인" in str(unnamed["error"]) and "inj-b" in str(unnamed["error"])


def test_the_answer_is_in_the_questions_language_whatever_the_page_language():
    from sandan.assist.assistant import question_language

    assert question_language("Which machines are due for maintenance?", "ko") == "en"
    assert (
        question_language("사출기 2호기 OEE", "en") == "en"
    )  # Korean on an English page: the page's language
    assert question_language("사출기 2호기 OEE", "ko") == "ko"
    assert question_language("imm-01 OEE?", "ko") == "ko"  # ids and acronyms: the page's language
    assert question_language("imm-01 OEE?", "en") == "en"


def test_an_english_question_on_a_korean_page_is_answered_in_english(world):
    answer = _assistant(world).ask("What is the OEE of imm-02 today?", "ko")
    assert answer.steps and "OEE" in answer.steps[0]["summary"]
    assert not re.search(r"[가-힣]", answer.steps[0]["summary"]), answer.steps[0]["summary"]


def test_a_maintenance_question_gets_the_breakdowns_and_is_told_no_maintenance_plan_is_kept(world):
    from sandan.assist.intent import AssetNames, route

    names = AssetNames(world.store, D)
    for question in ("정비할 때가 된 설비 있어?", "Which machines are due for maintenance?"):
        asked = route(question, names)
        assert (asked.tool, asked.arguments.get("states")) == ("downtime_pareto", ["down"]), question
        assert [n["code"] for n in asked.notes] == ["no_maintenance_plan"]
    answer = _assistant(world).ask("Which machines are due for maintenance?", "en")
    assert any(n["code"] == "no_maintenance_plan" for n in answer.notices)
    assert route("사출기 2호기 정지 이력", names).notes == []  # a plain stop question: no such note
