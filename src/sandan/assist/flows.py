"""The two application services on the assistant: quality control (why did scrap rise, which parameter, which
lot, what to change) and production process (bottleneck, what-if, maintenance), as guided steps of tool calls.

A step whose tool is not registered yet (e.g. the twin's what-if, still being built) says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandan.assist.assistant import Answer, Assistant, notice
from sandan.domain import InvalidInput


@dataclass(frozen=True)
class FlowStep:
    key: str
    title_en: str
    title_ko: str
    tool: str
    arguments: dict[str, Any]


def _quality(machine_id: str | None, line_id: str | None, period: str) -> list[FlowStep]:
    scope = {"machine_id": machine_id} if machine_id else ({"line_id": line_id} if line_id else {})
    steps = [
        FlowStep(
            "trend",
            "Did scrap rise? Defect rate per day",
            "불량이 늘었나? 일별 불량률",
            "defect_rate",
            {**scope, "period": period, "by": "day"},
        ),
        FlowStep(
            "why",
            "Why? What is most associated with the scrap, against the week before",
            "왜? 그 전 일주일 대비 불량과 연관이 큰 요인",
            "root_cause",
            {**scope, "period": period},
        ),
        FlowStep(
            "machines",
            "Where? Defect rate per machine",
            "어디서? 설비별 불량률",
            "defect_rate",
            {**scope, "period": period, "by": "machine"},
        ),
        FlowStep(
            "pareto",
            "Which defects? Pareto",
            "어떤 불량? 파레토",
            "defect_pareto",
            {**scope, "period": period},
        ),
        FlowStep(
            "lots",
            "Which lot? Worst lots",
            "어느 로트? 불량률 높은 로트",
            "defect_rate",
            {**scope, "period": period, "by": "lot"},
        ),
    ]
    if machine_id:
        steps += [
            FlowStep(
                "drivers",
                "Which parameter? Drivers of scrap",
                "어떤 변수? 불량 영향 변수",
                "defect_drivers",
                {"machine_id": machine_id, "period": period},
            ),
            FlowStep(
                "spc",
                "Is the process in control? SPC",
                "공정이 안정적인가? SPC",
                "spc_status",
                {"machine_id": machine_id, "period": period},
            ),
            FlowStep(
                "settings",
                "What to change? Recommended settings within the machine limits",
                "무엇을 바꿀까? 설비 한계 안의 권장 조건",
                "recommend_settings",
                {"machine_id": machine_id, "period": period},
            ),
        ]
    steps.append(
        FlowStep(
            "standard",
            "What does the inspection standard say?",
            "검사기준서에는?",
            "search_documents",
            {"query": "불량 검사 기준 조치 inspection standard defect action"},
        )
    )
    return steps


def _production(machine_id: str | None, line_id: str | None, period: str) -> list[FlowStep]:
    scope = {"machine_id": machine_id} if machine_id else ({"line_id": line_id} if line_id else {})
    return [
        FlowStep(
            "bottleneck",
            "Where is the bottleneck? OEE and output per machine",
            "병목은 어디? 설비별 OEE와 생산량",
            "oee",
            {**scope, "period": period, "by": "machine"},
        ),
        FlowStep(
            "losses",
            "What stops us? Downtime by reason",
            "무엇이 멈추게 하나? 사유별 비가동",
            "downtime_pareto",
            {**scope, "period": period, "states": ["down", "setup", "idle"]},
        ),
        FlowStep(
            "what_if",
            "What if we add a machine at the bottleneck? (digital twin)",
            "병목 공정에 설비를 더하면? (디지털 트윈)",
            "twin_what_if",
            {"line_id": line_id, "change": "add_machine", "period": period},
        ),
        FlowStep(
            "what_if_shift",
            "What if we add a shift? (digital twin)",
            "교대를 늘리면? (디지털 트윈)",
            "twin_what_if",
            {"line_id": line_id, "change": "add_shift", "period": period},
        ),
        FlowStep(
            "maintenance",
            "What is due for maintenance? Breakdowns by reason",
            "보전이 필요한 곳은? 고장 사유",
            "downtime_pareto",
            {**scope, "period": "last_7d", "states": ["down"]},
        ),
        FlowStep(
            "manual",
            "What does the maintenance manual say?",
            "설비 매뉴얼에는?",
            "search_documents",
            {"query": "정기 점검 예방 보전 주기 maintenance interval inspection"},
        ),
    ]


FLOWS = {
    "quality": ("Quality control", "품질 관리", _quality),
    "production": ("Production process", "생산 공정", _production),
}


def run_flow(
    assistant: Assistant,
    flow: str,
    *,
    machine_id: str | None = None,
    line_id: str | None = None,
    period: str = "last_7d",
    lang: str = "ko",
) -> dict[str, Any]:
    """Run every step of a flow through the assistant's tools; one Answer with all steps and their citations."""
    if flow not in FLOWS:
        raise InvalidInput(
            f"unknown flow {flow!r}; use {', '.join(FLOWS)}",
            f"알 수 없는 흐름 {flow!r}입니다. {', '.join(FLOWS)} 중 하나",
            code="unknown_flow",
        )
    title_en, title_ko, build = FLOWS[flow]
    if flow == "production" and machine_id and not line_id:  # the twin works on the machine's line
        line_id = assistant.ctx.machine(machine_id).line_id
    answer = Answer(f"flow:{flow}", lang, "flow")
    sections = []
    for step in build(machine_id, line_id, period):
        if (
            step.tool == "recommend_settings" and step.tool not in assistant.registry
        ):  # no optimiser installed
            step = FlowStep(
                step.key, step.title_en, step.title_ko, "process_settings", {"machine_id": machine_id}
            )
        title = step.title_ko if lang == "ko" else step.title_en
        if step.tool == "twin_what_if" and not step.arguments.get("line_id"):  # the twin simulates one line
            sections.append(
                {
                    "key": step.key,
                    "title": title,
                    "unavailable": {
                        "en": "Choose a line (or a machine) to try this change on the digital twin of that line.",
                        "ko": "이 변경을 디지털 트윈으로 시험하려면 라인(또는 설비)을 고르세요.",
                    },
                }
            )
            continue
        if step.tool not in assistant.registry:
            sections.append(
                {
                    "key": step.key,
                    "title": title,
                    "unavailable": {
                        "en": "This needs the digital-twin simulation, which is not installed in this version yet.",
                        "ko": "디지털 트윈 시뮬레이션이 필요한데, 이 버전에는 아직 설치되어 있지 않습니다.",
                    },
                }
            )
            continue
        result = assistant.run_tool(step.tool, step.arguments, lang)
        result.pop("for_model", None)
        answer.steps.append(result)
        sections.append({"key": step.key, "title": title, "step": result})
    if assistant.backend is None:
        answer.notices.append(notice("no_llm"))
    assistant.finish(answer)
    return {
        "flow": flow,
        "title": title_ko if lang == "ko" else title_en,
        "sections": sections,
        "answer": answer.to_dict(),
    }
