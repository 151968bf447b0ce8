"""The grounding check: figures a language model's answer quotes against the figures its tools returned (with the
local scripted server). It compares numbers only; nothing here claims an answer is right."""

from __future__ import annotations

import json

from sandan.assist.assistant import Assistant, PendingActions
from sandan.assist.grounding import quoted_figures, unmatched
from sandan.assist.llm import ChatBackend
from tests.assist.scripted_llm import Turn

D = "daesung-plastics"


def _assistant(world, base_url):
    backend = ChatBackend(base_url, "scripted", "", timeout_s=10.0, max_retries=0)
    return Assistant(world.store, D, world.settings, now=world.now, backend=backend, pending=PendingActions())


def _defect_rate(world) -> dict:
    a = Assistant(world.store, D, world.settings, now=world.now, use_llm=False, pending=PendingActions())
    return a.run_tool("defect_rate", {"machine_id": "imm-02"}, "ko")


def test_a_figure_the_tools_did_not_return_is_named_and_the_answer_is_not_grounded(world, llm):
    assert _defect_rate(world)["facts"]["defect_rate"] > 0.05  # the figure invented below is far from it
    llm.script = [
        Turn(tool_calls=[("defect_rate", json.dumps({"machine_id": "imm-02"}))]),
        Turn(content="사출기 2호기 불량률은 0.5%로 매우 양호합니다 [defect_rate]"),
    ]
    answer = _assistant(world, llm.base_url).ask("2호기 불량률?", "ko")
    assert answer.mode == "llm" and answer.grounding == {"ok": False, "unmatched": ["0.5%"]}
    flagged = answer.notices[-1]
    assert flagged["code"] == "unverified_figures" and flagged["figures"] == "0.5%"
    assert (
        flagged["en"]
        == "These figures in the answer are not from the plant's data — check them before acting: 0.5%"
    )
    assert (
        flagged["ko"]
        == "답에 나온 다음 수치는 공장 데이터에서 나온 것이 아닙니다. 행동하기 전에 확인하세요: 0.5%"
    )


def test_the_tools_figures_rounded_as_a_writer_would_are_grounded(world, llm):
    facts = _defect_rate(world)["facts"]
    rate, produced, scrap = facts["defect_rate"], int(facts["produced_qty"]), int(facts["scrap_qty"])
    text = (
        f"사출기 2호기(imm-02)의 불량률은 {100 * rate:.1f}%, 약 {100 * rate:.0f}%입니다 (비율 {rate:.3f}). "
        f"2026-03-05 18:00 KST까지 생산 {produced:,}개 중 불량 {scrap}개 [defect_rate].\n"
        "1. 금형 온도 확인\n2. 2호기 점검"
    )
    llm.script = [
        Turn(tool_calls=[("defect_rate", json.dumps({"machine_id": "imm-02"}))]),
        Turn(content=text),
    ]
    answer = _assistant(world, llm.base_url).ask("2호기 불량률?", "ko")
    assert answer.mode == "llm" and answer.grounding == {"ok": True, "unmatched": []}
    assert all(n["code"] != "unverified_figures" for n in answer.notices)


def test_an_answer_without_tools_is_checked_against_the_data_attached_to_it(world, llm):
    llm.script = [Turn(content="OEE is 97.3% [oee] and scrap 0.1% [defect_rate]")]
    answer = _assistant(world, llm.base_url).ask("What is the OEE of imm-02 today?", "en")
    assert [n["code"] for n in answer.notices] == ["ungrounded", "unverified_figures"]
    assert answer.grounding["unmatched"] == ["97.3%", "0.1%"]


def test_dates_times_ids_machine_numbers_ranks_and_list_numbers_are_no_figures():
    text = (
        "1. imm-02 (사출기 2호기): 2026-03-05 08:00, 2026년 3월 5일 14시, 12:30, 3rd shift, 5 Mar, 1위, 2교대\n"
        "2) In 2026 line inj-a ran; 3 machines, 10 lots [작업표준서.pdf p.12]"
    )
    assert quoted_figures(text, ["imm-02", "사출기 2호기", "inj-a"]) == []


def test_figures_are_numbers_with_a_unit_or_of_two_significant_digits():
    found = quoted_figures(
        "OEE 45.2%, 0.5%, −3.2%p, -40 °C, 3 bar, 1,258개, 약 12,000개, Cpk 2.5, 7 lots, 35"
    )
    shown = [f[0] for f in found]
    assert shown == ["45.2%", "0.5%", "−3.2%p", "-40 °C", "3 bar", "1,258개", "12,000개", "2.5", "35"]
    # each with half of the step it is rounded to: 12,000 may stand for 11,500 to 12,500
    assert (
        dict((f[0], f[2]) for f in found)["12,000개"] == 500
        and dict((f[0], f[2]) for f in found)["45.2%"] == 0.05
    )


def test_ratios_seconds_and_texts_of_a_tool_count_as_written_for_people():
    steps = [
        {
            "facts": {"defect_rate": 0.1277, "downtime_s": 4500, "good_qty": 239},
            "summary": "최근 24시간: 12.8% (생산 274개 중 불량 35개)",
        }
    ]
    grounded = "불량률 12.8% (약 13%, 0.128), 생산 274개 중 35개, 양품 239개, 비가동 75분(1.25 h)"
    assert unmatched(grounded, steps, []) == []
    assert unmatched("불량률 14%, 비가동 80분", steps, []) == ["14%", "80분"]
    # a percentage is compared with percentages: the ratio 0.1277 is 12.8 %, not 0.1 %
    assert unmatched("불량률 0.1%", steps, []) == ["0.1%"]
