"""The guided flows on a Korean page read in Korean: a station of the line's twin by its process's name, a root
cause's test in words ("검정 안 함", not "none"), the SPC table's characteristics by their labels."""

from __future__ import annotations

import re

from sandan.assist.assistant import Assistant, PendingActions
from sandan.assist.flows import run_flow

D = "daesung-plastics"


def _cells(step: dict, key: str) -> list[str]:
    table = step["display"]["table"]
    at = [h["key"] for h in table["headers"]].index(key)
    return [row[at]["text"] for row in table["rows"]]


def test_the_production_flow_names_the_station_it_adds_a_machine_at(world):
    flow = run_flow(
        Assistant(world.store, D, world.settings, now=world.now, use_llm=False, pending=PendingActions()),
        "production",
        line_id="inj-a",
        lang="ko",
    )
    steps = {s["key"]: s for s in flow["sections"]}
    what_if = steps["what_if"]["step"]
    assert "error" not in what_if, what_if
    assert "injection" not in what_if["summary"] and "공정에 설비 1대 추가" in what_if["summary"]
    assert what_if["summary"].startswith("사출 A라인, ")
    for text in _cells(what_if, "scenario") + _cells(what_if, "bottleneck"):
        assert not re.search(r"\binjection\b", text), text


def test_the_quality_flow_says_its_tests_and_characteristics_in_words(world):
    assistant = Assistant(
        world.store, D, world.settings, now=world.now, use_llm=False, pending=PendingActions()
    )
    flow = run_flow(assistant, "quality", machine_id="imm-02", lang="ko")
    steps = {s["key"]: s.get("step") for s in flow["sections"]}
    why = assistant.run_tool("root_cause", {}, "ko")  # over the world's few hours of history
    assert "error" not in why, why
    tests = _cells(why, "test")
    assert "none" not in tests and all(re.search(r"[가-힣]", t) for t in tests), tests
    spc = steps["spc"]
    assert "error" not in spc, spc
    shown = _cells(spc, "characteristic")
    assert shown and not [c for c in shown if re.fullmatch(r"[a-z_]+", c)], shown
