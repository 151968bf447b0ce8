"""The language-model path against a local scripted OpenAI-compatible server: tool calls, streaming, malformed
calls, a server that is down or slow. These check the plumbing only; no model quality is claimed from them."""

from __future__ import annotations

import json

from sandan.assist.assistant import MAX_BAD_TOOL_CALLS, Assistant, PendingActions
from sandan.assist.llm import ChatBackend
from tests.assist.scripted_llm import Turn, free_port

D = "daesung-plastics"


def _assistant(world, base_url, timeout_s=10.0):
    backend = ChatBackend(base_url, "scripted", "", timeout_s=timeout_s, max_retries=0)
    return Assistant(world.store, D, world.settings, now=world.now, backend=backend, pending=PendingActions())


def test_the_model_calls_a_tool_then_answers_with_the_tool_cited(world, llm):
    llm.script = [
        Turn(tool_calls=[("oee", json.dumps({"machine_id": "imm-02"}))]),
        Turn(content="imm-02 OEE is low [oee]."),
    ]
    answer = _assistant(world, llm.base_url).ask("What is the OEE of IMM 2?", "en")
    assert answer.mode == "llm" and answer.text.startswith("imm-02 OEE is low")
    assert answer.steps[0]["tool"] == "oee" and answer.citations[0]["function"] == "sandan.monitor.oee"
    sent = llm.requests[0]
    assert sent["stream"] is True and {t["function"]["name"] for t in sent["tools"]} >= {
        "oee",
        "search_documents",
    }
    tool_message = llm.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool" and "oee" in tool_message["content"]


def test_text_streams_as_it_arrives(world, llm):
    llm.script = [Turn(tool_calls=[("list_machines", "{}")]), Turn(content="You have five machines.")]
    events = list(_assistant(world, llm.base_url).stream("설비 목록", "ko"))
    deltas = "".join(e["text"] for e in events if e["event"] == "delta")
    assert deltas.strip() == "You have five machines."
    assert [e["event"] for e in events][-1] == "answer"


def test_a_malformed_tool_call_is_sent_back_and_the_model_may_retry(world, llm):
    llm.script = [
        Turn(tool_calls=[("oee", '{"machine_id": "imm-02",')]),  # broken JSON
        Turn(tool_calls=[("oee", '{"machine_id": "imm-02"}')]),
        Turn(content="Done."),
    ]
    answer = _assistant(world, llm.base_url).ask("OEE of imm-02", "en")
    assert answer.mode == "llm" and answer.steps[0]["tool"] == "oee"
    told = llm.requests[1]["messages"][-1]
    assert told["role"] == "tool" and told["content"].startswith("ERROR: arguments are not valid JSON")


def test_repeated_malformed_tool_calls_end_in_the_no_llm_answer(world, llm):
    llm.script = [
        Turn(tool_calls=[("oee", '{"machine": 7}')]),  # unknown argument
        Turn(tool_calls=[("no_such_tool", "{}")]),
    ]
    answer = _assistant(world, llm.base_url).ask("What is the OEE of IMM 2?", "en")
    assert MAX_BAD_TOOL_CALLS == 2
    assert answer.mode == "llm_fallback" and answer.notices[0]["code"] == "bad_tool_calls"
    assert answer.steps[0]["tool"] == "oee" and answer.citations


def test_a_server_that_is_down_gives_a_clear_notice_and_the_no_llm_answer(world):
    answer = _assistant(world, f"http://127.0.0.1:{free_port()}/v1").ask("불량 파레토 보여줘", "ko")
    assert answer.mode == "llm_fallback" and answer.notices[0]["code"] == "unreachable"
    assert "언어 모델 서버에 연결할 수 없어" in answer.notices[0]["ko"]
    assert answer.steps[0]["tool"] == "defect_pareto" and answer.citations


def test_a_slow_server_times_out_into_the_no_llm_answer(world, llm):
    llm.script = [Turn(content="too late", delay_s=2.0)]
    answer = _assistant(world, llm.base_url, timeout_s=0.5).ask("What is the OEE of IMM 2?", "en")
    assert answer.mode == "llm_fallback" and answer.notices[0]["code"] == "timeout"
    assert answer.steps[0]["tool"] == "oee"


def test_an_answer_recommending_a_setting_outside_the_limits_is_withheld(world, llm):
    llm.script = [
        Turn(tool_calls=[("process_settings", '{"machine_id": "imm-02"}')]),
        Turn(content="Set the melt temperature to 400 °C on imm-02."),
    ]
    answer = _assistant(world, llm.base_url).ask("What should we change on imm-02?", "en")
    assert answer.mode == "llm_fallback" and answer.notices[0]["code"] == "unsafe"
    assert "400" not in answer.text and answer.safety["ok"]


def test_a_model_cannot_change_a_machine_without_a_person(world, llm):
    llm.script = [
        Turn(
            tool_calls=[
                (
                    "request_setting_change",
                    '{"machine_id": "imm-02", "parameter": "holding_pressure_bar", "value": 600}',
                )
            ]
        ),
        Turn(content="I have asked for the change; please confirm."),
    ]
    before = len(world.store.list_audit(D))
    answer = _assistant(world, llm.base_url).ask("Set holding pressure of imm-02 to 600 bar", "en")
    assert answer.pending and answer.notices[-1]["code"] == "confirm"
    assert len(world.store.list_audit(D)) == before


def test_an_answer_without_tools_still_carries_sources(world, llm):
    llm.script = [Turn(content="Probably fine.")]
    answer = _assistant(world, llm.base_url).ask("How is line A doing on OEE?", "en")
    assert answer.mode == "llm" and answer.notices[0]["code"] == "ungrounded" and answer.citations
