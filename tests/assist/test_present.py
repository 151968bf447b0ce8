"""What a factory engineer reads in an answer: labelled columns, percentages, durations in hours and minutes,
thousands separators and times on the plant's clock — while the language model still gets the exact raw values."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sandan.assist.assistant import Assistant, PendingActions
from sandan.assist.llm import ChatBackend
from sandan.assist.present import duration, local_time, number, pct
from sandan.domain import Company, Site
from sandan.settings import Settings
from sandan.store import open_store
from tests.assist.scripted_llm import Turn

D = "daesung-plastics"
PERCENT = re.compile(r"^-?[\d,]+\.\d{1,2}%$")


def _assistant(world, **kw) -> Assistant:
    return Assistant(world.store, D, world.settings, now=world.now, pending=PendingActions(), **kw)


def _column(step, key):
    """The header and the shown cells of one column of a step's table."""
    table = step["display"]["table"]
    i = [h["key"] for h in table["headers"]].index(key)
    return table["headers"][i]["label"], [row[i]["text"] for row in table["rows"]]


def _plant_time(when: datetime) -> str:
    return when.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M") + " KST"


@pytest.mark.parametrize(
    ("lang", "availability", "run_time"),
    [("ko", "시간 가동률", "가동 시간"), ("en", "Availability", "Run time")],
)
def test_an_oee_answer_from_the_model_shows_labels_and_percentages_and_the_model_reads_raw_values(
    world, llm, lang, availability, run_time
):
    llm.script = [Turn(tool_calls=[("oee", json.dumps({"by": "machine"}))]), Turn(content="OEE [oee].")]
    backend = ChatBackend(llm.base_url, "scripted", "", timeout_s=10.0, max_retries=0)
    answer = _assistant(world, backend=backend).ask("설비별 OEE", lang)
    step = answer.steps[0]
    header, cells = _column(step, "availability")
    assert header == availability and all(PERCENT.match(c) for c in cells)
    raw = [r["availability"] for r in step["table"][: len(cells)]]
    assert cells == [pct(v) for v in raw] and all(0 <= v <= 1 for v in raw)  # the facts stay ratios
    header, cells = _column(step, "run_time_s")
    assert header == run_time and all("e+" not in c for c in cells)
    assert "effectiveness" not in [h["label"] for h in step["display"]["table"]["headers"]]
    # the model is handed the exact numbers, not the rounded text
    sent = json.loads(llm.requests[1]["messages"][-1]["content"])
    assert [r["availability"] for r in sent["rows"][: len(raw)]] == raw
    assert "KST" in llm.requests[0]["messages"][0]["content"]
    # the citation says in words what was looked up, over which window on the plant's clock, grouped how and how
    # many rows came back; its exact call keeps the function; the raw arguments stay UTC
    cite = answer.citations[0]
    assert cite["arguments"]["end"] == world.now.isoformat()
    title, per, rows = (
        ("설비종합효율(OEE)", "설비별", "행") if lang == "ko" else ("OEE", "per machine", "rows")
    )
    words = cite["text"].split(" · ")
    assert (
        words[0] == title
        and per in words
        and words[-1] == f"{len(step['table'])}{'' if lang == 'ko' else ' '}{rows}"
    )
    assert f"– {_plant_time(world.now)}" in cite["text"] and "sandan." not in cite["text"]
    assert cite["call"].startswith("sandan.monitor.oee(") and f"end={_plant_time(world.now)}" in cite["call"]
    assert "+00:00" not in cite["text"] + cite["call"]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_downtime_reads_in_hours_and_minutes(world, lang):
    step = _assistant(world).run_tool("downtime_pareto", {"period": "last_24h"}, lang)
    header, cells = _column(step, "down_time_s")
    raw = [r["down_time_s"] for r in step["table"]]
    # a stop is a breakdown, a setup or waiting: all three by default, and the column says so
    assert header == ("비가동 시간" if lang == "ko" else "Stopped time")
    assert step["citations"][0]["arguments"]["states"] == ["down", "setup", "idle"]
    long = [(v, c) for v, c in zip(raw, cells, strict=True) if v >= 3600]
    assert long, "the world has an hour-long stop to show"
    hours_minutes = r"^\d+시간( \d+분)?$" if lang == "ko" else r"^\d+ h( \d+ min)?$"
    assert all(re.match(hours_minutes, c) for _, c in long)
    assert duration(long[0][0], lang) in step["summary"]  # the answer line says it the same way


def test_durations_numbers_and_percentages_read_as_people_write_them():
    assert duration(73_020, "ko") == "20시간 17분" and duration(73_020, "en") == "20 h 17 min"
    assert duration(725, "ko") == "12분 5초" and duration(26.357, "en") == "26.4 s"
    assert duration(600, "ko") == "10분" and duration(7_200, "en") == "2 h"  # no "0 s" or "0 min" tails
    assert duration(-0.01, "en") == "0 s"
    assert number(3231) == "3,231" and number(1178.0) == "1,178" and number(0.82371) == "0.8237"
    assert number(73_000.5) == "73,000" and "e" not in number(1.23e-9)
    assert pct(0.153) == "15.3%" and pct(0.0004) == "0.04%" and pct(None) == "—"


def test_times_are_shown_in_the_zone_of_the_companys_site(tmp_path):
    store = open_store("duckdb://:memory:")
    try:
        store.upsert_company(Company(id="berlin-parts", name="Berlin Parts"))
        store.upsert_site(
            "berlin-parts", Site(id="p1", company_id="berlin-parts", name="P1", timezone="Europe/Berlin")
        )
        now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
        a = Assistant(store, "berlin-parts", Settings(data_dir=tmp_path), now=now, use_llm=False)
        step = a.run_tool("sql_query", {"sql": "SELECT 1 AS x", "period": "last_hour"}, "en")
        assert step["citations"][0]["text"].startswith(
            "Database query · 2026-01-15 12:00 CET – 2026-01-15 13:00 CET"
        )
        assert "end=2026-01-15 13:00 CET" in step["citations"][0]["call"]
        assert step["citations"][0]["arguments"]["end"] == now.isoformat()
    finally:
        store.close()
    assert local_time("2026-07-01T00:00:00+00:00", "Asia/Ho_Chi_Minh") == "2026-07-01 07:00 UTC+07"


def test_text_that_only_begins_like_a_time_is_shown_as_written():
    from sandan.assist.present import value_text

    assert value_text("lot", "2026-05-01 08:00 lot A", "ko", "Asia/Seoul") == "2026-05-01 08:00 lot A"
    assert value_text("serial", "2026-05-01T08:00:01-0001", "en", "Asia/Seoul") == "2026-05-01T08:00:01-0001"
    assert value_text("time", "2026-05-01T08:00:00+00:00", "en", "Asia/Seoul") == "2026-05-01 17:00 KST"


def test_a_span_of_days_is_said_in_whole_days_or_hours():
    from sandan.assist.present import span_of_days

    assert [span_of_days(d, "en") for d in (1, 7, 0.5)] == ["1 day", "7 days", "12 h"]
    assert [span_of_days(d, "ko") for d in (1, 7, 1.5)] == ["1일", "7일", "36시간"]


@pytest.mark.parametrize(("lang", "words"), [("en", "not found"), ("ko", "없습니다")])
def test_a_line_the_company_does_not_have_is_named_with_the_lines_it_has(world, lang, words):
    answer = _assistant(world).ask("OEE of line 1 yesterday" if lang == "en" else "1라인 어제 OEE", lang)
    step = answer.steps[0]
    said = step["error"][lang]
    assert words in said and "'line-1'" in said
    # the company's own lines, by name, so the next question can use one
    for line in world.store.list_lines(D):
        assert line.name in said
    assert "table" not in step or not step.get("table")  # no answer for every machine in its place


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("What should I change on the worst machine?", "en"),
        ("불량이 가장 많은 설비의 조건을 어떻게 바꿔야 하나요?", "ko"),
    ],
)
def test_the_worst_machine_asked_for_is_found_before_its_settings_are_advised(world, question, lang):
    answer = _assistant(world).ask(question, lang)
    ranking, advice = answer.steps[:2]
    assert ranking["tool"] == "defect_rate" and advice["tool"] == "recommend_settings"
    rates = {r["machine_id"]: r["defect_rate"] for r in ranking["table"] if r.get("defect_rate") is not None}
    worst = max(rates, key=rates.get)
    assert advice["arguments"]["machine_id"] == worst and "error" not in advice
    assert any("recommend_for_machine" in str(c) for c in answer.citations)


def test_a_twin_stations_shares_of_time_read_as_percentages_beside_its_utilisation():
    """The bottleneck answer's row: utilisation, blocked, starved, down and the bottleneck shares all as
    percentages (it read "81.3% ± 4.1% | 0 ± 0 | 0.0546 ± 0.0273 | … | 0.943 ± 0.0904")."""
    from sandan.assist.present import value_text

    row = {
        "utilisation": {"mean": 0.813, "half_width": 0.041},
        "blocked": {"mean": 0.0546, "half_width": 0.0273},
        "starved": {"mean": 0.0, "half_width": 0.0},
        "down": {"mean": 0.02, "half_width": 0.01},
        "sole_bottleneck": {"mean": 0.943, "half_width": 0.0904},
    }
    shown = {k: value_text(k, v, "en", "Asia/Seoul") for k, v in row.items()}
    assert shown["utilisation"] == "81.3% ± 4.1%" and shown["blocked"] == "5.5% ± 2.7%"
    assert shown["sole_bottleneck"] == "94.3% ± 9.0%" and all(v.endswith("%") for v in shown.values())
