"""Assistant evaluation on the virtual complex: tool choice, argument exact match and answer execution accuracy
per language, retrieval recall@5 on document questions, citations on every answer, and the safety check.

Ground truth is computed from the data by calling the capability functions directly with the expected arguments.
Run: python benchmarks/assistant.py [--hours 24]   (no-LLM mode; quality is never claimed from a scripted server)
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandan import monitor
from sandan.assist.assistant import Answer, Assistant
from sandan.assist.documents import DocumentLibrary
from sandan.assist.registry import resolve_period
from sandan.domain import SandanError
from sandan.monitor.calendar import company_calendar
from sandan.settings import Settings
from sandan.store import Store, open_store
from sandan.twin.process import MODELS, spec_limits
from sandan.twin.virtual import VirtualComplex, build_demo_complex

DOCS = Path(__file__).resolve().parents[1] / "tests" / "assist" / "docs"
NOW = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)  # Thursday 18:00 in Korea, a working day
COMPANIES = ("daesung-plastics", "sejin-press")
D, S = "daesung-plastics", "sejin-press"

# (language, company, question, tool, expected arguments)
TOOL_QUESTIONS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("ko", D, "사출기 2호기 OEE 알려줘", "oee", {"machine_id": "imm-02", "by": "machine"}),
    (
        "ko",
        D,
        "오늘 사출 A라인 설비종합효율은?",
        "oee",
        {"line_id": "inj-a", "period": "today", "by": "machine"},
    ),
    ("ko", D, "라인별 OEE 비교해줘", "oee", {"by": "line"}),
    ("ko", D, "지난 24시간 OEE는?", "oee", {"period": "last_24h", "by": "machine"}),  # a particle on "OEE"
    ("ko", D, "imm-03 가동률 어때?", "oee", {"machine_id": "imm-03", "by": "machine"}),
    (
        "ko",
        D,
        "사출기 2호기 오늘 불량률",
        "defect_rate",
        {"machine_id": "imm-02", "period": "today", "by": "machine"},
    ),
    ("ko", D, "로트별 불량률 보여줘", "defect_rate", {"by": "lot"}),
    (
        "ko",
        D,
        "B라인 최근 8시간 불량률",
        "defect_rate",
        {"line_id": "inj-b", "period": "last_8h", "by": "machine"},
    ),
    ("ko", D, "이번 주 일별 불량률 추이", "defect_rate", {"period": "this_week", "by": "day"}),
    (
        "ko",
        D,
        "오늘 사출 A라인 생산량은?",
        "production",
        {"line_id": "inj-a", "period": "today", "by": "machine"},
    ),
    (
        "ko",
        D,
        "사출기 2호기 어제 몇 개 만들었어?",
        "production",
        {"machine_id": "imm-02", "period": "yesterday", "by": "machine"},
    ),
    ("ko", D, "이번 주 교대별 생산 실적", "production", {"period": "this_week", "by": "shift_name"}),
    ("ko", D, "불량 유형 파레토 보여줘", "defect_pareto", {}),
    ("ko", D, "사출기 2호기에서 가장 많은 불량은?", "defect_pareto", {"machine_id": "imm-02"}),
    ("ko", D, "비가동 원인이 뭐야?", "downtime_pareto", {}),
    ("ko", D, "사출기 4호기 고장 정지 시간", "downtime_pareto", {"machine_id": "imm-04", "states": ["down"]}),
    ("ko", D, "사출기 2호기 정지 이력", "downtime_pareto", {"machine_id": "imm-02"}),
    ("ko", D, "imm-01 관리도 상태 알려줘", "spc_status", {"machine_id": "imm-01"}),
    (
        "ko",
        D,
        "사출기 3호기 제품 중량 관리 이탈 있어?",
        "spc_status",
        {"machine_id": "imm-03", "characteristic": "part_weight_g"},
    ),
    ("ko", D, "사출기 2호기 공정능력 어때?", "process_capability", {"machine_id": "imm-02"}),
    (
        "ko",
        D,
        "사출기 5호기 휨량 Cpk 알려줘",
        "process_capability",
        {"machine_id": "imm-05", "characteristic": "warpage_mm"},
    ),
    ("ko", D, "사출기 1호기 금형 온도 추이", "readings", {"machine_id": "imm-01", "signal": "mould_temp_c"}),
    ("ko", D, "imm-05 센서 값 최근 1시간", "readings", {"machine_id": "imm-05", "period": "last_hour"}),
    ("ko", D, "격리된 데이터 있어?", "recent_quarantine", {}),
    ("ko", D, "설비 목록 보여줘", "list_machines", {}),
    ("ko", D, "사출 B라인에 어떤 설비가 있어?", "list_machines", {"line_id": "inj-b"}),
    ("ko", D, "사출기 2호기 불량에 영향을 주는 변수는?", "defect_drivers", {"machine_id": "imm-02"}),
    ("ko", D, "사출기 2호기 공정 조건 무엇을 바꿔야 해?", "recommend_settings", {"machine_id": "imm-02"}),
    ("ko", D, "A라인 병목은 어디야?", "line_bottleneck", {"line_id": "inj-a"}),
    (
        "ko",
        D,
        "최근 1시간 동안 사출기 2호기 불량이 왜 늘었어?",
        "root_cause",
        {"machine_id": "imm-02", "period": "last_hour"},
    ),
    (
        "en",
        D,
        "Why did scrap rise on line A in the last hour?",
        "root_cause",
        {"line_id": "inj-a", "period": "last_hour"},
    ),
    ("ko", D, "사출기 1호기 현재 공정 조건 보여줘", "process_settings", {"machine_id": "imm-01"}),
    ("en", D, "Show the current set points of imm-04", "process_settings", {"machine_id": "imm-04"}),
    (
        "ko",
        D,
        "A라인에 사출기를 한 대 더 놓으면 생산량이 얼마나 늘어?",
        "twin_what_if",
        {"line_id": "inj-a", "change": "add_machine"},
    ),
    ("ko", S, "서보프레스 2호기 OEE", "oee", {"machine_id": "prs-02", "by": "machine"}),
    ("ko", S, "프레스 A라인 불량 파레토", "defect_pareto", {"line_id": "prs-a"}),
    (
        "ko",
        S,
        "프레스 2호기 오늘 불량률은?",
        "defect_rate",
        {"machine_id": "prs-02", "period": "today", "by": "machine"},
    ),
    ("en", D, "What is the OEE of IMM 2?", "oee", {"machine_id": "imm-02", "by": "machine"}),
    ("en", D, "Show OEE per line for today", "oee", {"by": "line", "period": "today"}),
    (
        "en",
        D,
        "What's the availability of imm-03 in the last 8 hours?",
        "oee",
        {"machine_id": "imm-03", "period": "last_8h", "by": "machine"},
    ),
    (
        "en",
        D,
        "Defect rate of imm-02 today",
        "defect_rate",
        {"machine_id": "imm-02", "period": "today", "by": "machine"},
    ),
    ("en", D, "Scrap rate by lot", "defect_rate", {"by": "lot"}),
    (
        "en",
        D,
        "What is the defect rate on injection line B?",
        "defect_rate",
        {"line_id": "inj-b", "by": "machine"},
    ),
    ("en", D, "Daily defect rate trend this week", "defect_rate", {"period": "this_week", "by": "day"}),
    ("en", D, "Show me the defect Pareto", "defect_pareto", {}),
    ("en", D, "What are the most common defects on IMM 2?", "defect_pareto", {"machine_id": "imm-02"}),
    ("en", D, "Why do our machines stop? Show downtime by reason", "downtime_pareto", {}),
    (
        "en",
        D,
        "Breakdowns of imm-04 this week",
        "downtime_pareto",
        {"machine_id": "imm-04", "period": "this_week", "states": ["down"]},
    ),
    ("en", D, "Is imm-01 in control? SPC please", "spc_status", {"machine_id": "imm-01"}),
    ("en", D, "What is the Cpk of imm-04?", "process_capability", {"machine_id": "imm-04"}),
    (
        "en",
        D,
        "Is IMM 3 capable on part weight?",
        "process_capability",
        {"machine_id": "imm-03", "characteristic": "part_weight_g"},
    ),
    (
        "en",
        D,
        "Control chart status for part weight on IMM 3",
        "spc_status",
        {"machine_id": "imm-03", "characteristic": "part_weight_g"},
    ),
    (
        "en",
        D,
        "Mould temperature trend of IMM 1",
        "readings",
        {"machine_id": "imm-01", "signal": "mould_temp_c"},
    ),
    (
        "en",
        D,
        "Sensor readings of imm-05 in the last hour",
        "readings",
        {"machine_id": "imm-05", "period": "last_hour"},
    ),
    ("en", D, "Any rejected records in quarantine?", "recent_quarantine", {}),
    ("en", D, "Which machines do we have?", "list_machines", {}),
    ("en", D, "List the machines on line A", "list_machines", {"line_id": "inj-a"}),
    ("en", D, "Which parameters drive scrap on IMM 2?", "defect_drivers", {"machine_id": "imm-02"}),
    ("en", D, "What settings should we change on imm-02?", "recommend_settings", {"machine_id": "imm-02"}),
    ("en", D, "Where is the bottleneck on line A?", "line_bottleneck", {"line_id": "inj-a"}),
    (
        "en",
        D,
        "What if we add a machine to injection line B?",
        "twin_what_if",
        {"line_id": "inj-b", "change": "add_machine"},
    ),
    (
        "en",
        S,
        "How many parts did servo press 2 make today?",
        "production",
        {"machine_id": "prs-02", "period": "today", "by": "machine"},
    ),
    ("en", D, "Production by line this week", "production", {"period": "this_week", "by": "line"}),
    ("en", S, "OEE of servo press 2", "oee", {"machine_id": "prs-02", "by": "machine"}),
    ("en", S, "Defect pareto of press line A", "defect_pareto", {"line_id": "prs-a"}),
    (
        "en",
        S,
        "Scrap rate of prs-02 today?",
        "defect_rate",
        {"machine_id": "prs-02", "period": "today", "by": "machine"},
    ),
]

# Second round: written after the router was tuned on the set above; on their first run they scored tool choice
# ko 80 %, en 60 %, after which the router's vocabulary was widened (efficiency, stops, out-of-control, failed
# validation, "what should I adjust"). They are therefore no longer held out; they join the main set.
SECOND_ROUND_QUESTIONS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("ko", D, "3호기 효율 좀 봐줘", "oee", {"machine_id": "imm-03", "by": "machine"}),
    ("ko", D, "지난 8시간 동안 라인별 종합효율", "oee", {"period": "last_8h", "by": "line"}),
    ("ko", D, "사출기 5호기 폐기율이 얼마나 돼?", "defect_rate", {"machine_id": "imm-05", "by": "machine"}),
    ("ko", D, "오늘 제품별 수율 알려줘", "defect_rate", {"period": "today", "by": "product"}),
    ("ko", D, "A라인에서 제일 많이 나오는 불량 종류", "defect_pareto", {"line_id": "inj-a"}),
    ("ko", D, "사출기 1호기가 왜 자주 멈춰?", "downtime_pareto", {"machine_id": "imm-01"}),
    ("ko", D, "2호기 공정이 안정적인지 관리도로 확인해줘", "spc_status", {"machine_id": "imm-02"}),
    (
        "ko",
        D,
        "사출기 4호기 사출 압력 센서 값",
        "readings",
        {"machine_id": "imm-04", "signal": "peak_injection_pressure_bar"},
    ),
    (
        "ko",
        D,
        "불량 원인이 되는 공정 변수를 사출기 5호기에서 찾아줘",
        "defect_drivers",
        {"machine_id": "imm-05"},
    ),
    ("ko", D, "B라인 설비 리스트", "list_machines", {"line_id": "inj-b"}),
    (
        "en",
        D,
        "How efficient was IMM 4 over the last 24 hours?",
        "oee",
        {"machine_id": "imm-04", "period": "last_24h", "by": "machine"},
    ),
    ("en", D, "Compare OEE by day this week", "oee", {"period": "this_week", "by": "day"}),
    (
        "en",
        D,
        "How many parts did imm-01 scrap today?",
        "defect_rate",
        {"machine_id": "imm-01", "period": "today", "by": "machine"},
    ),
    ("en", D, "Top defect types on line B", "defect_pareto", {"line_id": "inj-b"}),
    ("en", D, "What caused the most downtime yesterday?", "downtime_pareto", {"period": "yesterday"}),
    ("en", D, "Any out-of-control points on IMM 5?", "spc_status", {"machine_id": "imm-05"}),
    (
        "en",
        D,
        "Cavity pressure readings for IMM 2",
        "readings",
        {"machine_id": "imm-02", "signal": "cavity_pressure_bar"},
    ),
    ("en", D, "What should I adjust on IMM 3 to cut scrap?", "recommend_settings", {"machine_id": "imm-03"}),
    ("en", D, "Show the records that failed validation", "recent_quarantine", {}),
    ("en", D, "How many machines are on injection line A?", "list_machines", {"line_id": "inj-a"}),
]

# Held out: written after the second round and never tuned on; reported separately, whatever they score.
HELDOUT_QUESTIONS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("ko", D, "사출기 4호기 성능 지표 보여줘", "oee", {"machine_id": "imm-04", "by": "machine"}),
    (
        "ko",
        D,
        "어제 사출 B라인 가동률은 어땠어?",
        "oee",
        {"line_id": "inj-b", "period": "yesterday", "by": "machine"},
    ),
    ("ko", D, "이번 주 설비별 불량률 비교", "defect_rate", {"period": "this_week", "by": "machine"}),
    ("ko", D, "imm-02 불량 수량이 몇 개야?", "defect_rate", {"machine_id": "imm-02", "by": "machine"}),
    ("ko", D, "사출기 3호기 불량 항목별로 정리해줘", "defect_pareto", {"machine_id": "imm-03"}),
    ("ko", D, "최근 일주일 고장 사유", "downtime_pareto", {"period": "last_7d", "states": ["down"]}),
    (
        "ko",
        D,
        "사출기 5호기 휨량 관리도",
        "spc_status",
        {"machine_id": "imm-05", "characteristic": "warpage_mm"},
    ),
    ("ko", D, "사출기 2호기 쿠션량 값 보여줘", "readings", {"machine_id": "imm-02", "signal": "cushion_mm"}),
    ("ko", D, "사출기 3호기 현재 설정 조건은?", "process_settings", {"machine_id": "imm-03"}),
    ("ko", D, "거부된 데이터 사유 보여줘", "recent_quarantine", {}),
    (
        "en",
        D,
        "What was the OEE on line B yesterday?",
        "oee",
        {"line_id": "inj-b", "period": "yesterday", "by": "machine"},
    ),
    (
        "en",
        D,
        "Which machine has the lowest availability today?",
        "oee",
        {"period": "today", "by": "machine"},
    ),
    (
        "en",
        D,
        "Yield per shift for the last 24 hours",
        "defect_rate",
        {"period": "last_24h", "by": "shift_name"},
    ),
    (
        "en",
        D,
        "What is the reject rate of IMM 5 this week?",
        "defect_rate",
        {"machine_id": "imm-05", "period": "this_week", "by": "machine"},
    ),
    ("en", D, "Which defects dominate on IMM 4?", "defect_pareto", {"machine_id": "imm-04"}),
    ("en", D, "List the stop reasons for line A", "downtime_pareto", {"line_id": "inj-a"}),
    (
        "en",
        D,
        "Is the sink depth on IMM 2 stable? check the control chart",
        "spc_status",
        {"machine_id": "imm-02", "characteristic": "sink_depth_um"},
    ),
    (
        "en",
        D,
        "Show the melt temperature of IMM 3 today",
        "readings",
        {"machine_id": "imm-03", "signal": "melt_temp_c", "period": "today"},
    ),
    ("en", D, "What drives the defects on imm-01?", "defect_drivers", {"machine_id": "imm-01"}),
    ("en", D, "What machines are there on line B?", "list_machines", {"line_id": "inj-b"}),
]

# (language, question, the document that answers it) — all asked of Daesung, which holds every fixture document.
DOC_QUESTIONS: list[tuple[str, str, str]] = [
    ("ko", "사출 수지 건조 조건은 작업표준에 어떻게 되어 있어?", "사출_작업표준서.md"),
    ("ko", "미성형이 연속으로 나오면 어떻게 해야 해?", "사출_작업표준서.md"),
    ("ko", "빌릿 가열 온도 기준이 뭐야? 작업표준 확인해줘", "단조_작업표준.txt"),
    ("ko", "프레스 버 높이 검사 기준은?", "프레스_검사기준서.docx"),
    ("ko", "프레스 금형 점검 주기는?", "프레스_검사기준서.docx"),
    ("ko", "교대 시작할 때 점검 항목은?", "설비_일상점검표.md"),
    ("ko", "품질 이상이 생기면 조치 절차는?", "품질_이상_조치_절차.md"),
    ("ko", "체결 토크 감사 방법은?", "assembly_torque_standard.docx"),
    ("ko", "단조 다이 예열 온도 기준서 내용 알려줘", "단조_작업표준.txt"),
    ("ko", "선반 인서트 교체 주기 매뉴얼 확인", "cnc_lathe_manual.md"),
    ("en", "What does the inspection standard say about part weight?", "injection_inspection_standard.txt"),
    ("en", "How often should we change the lathe insert according to the manual?", "cnc_lathe_manual.md"),
    ("en", "What coolant concentration does the lathe manual require?", "cnc_lathe_manual.md"),
    (
        "en",
        "What torque does the work standard specify for the cover screws?",
        "assembly_torque_standard.docx",
    ),
    ("en", "What is the allowed press-fit force in the standard?", "assembly_torque_standard.docx"),
    (
        "en",
        "When must the hydraulic oil filter be replaced per the maintenance manual?",
        "forging_press_maintenance.pdf",
    ),
    (
        "en",
        "What should we do after a hydraulic pump alarm according to the manual?",
        "forging_press_maintenance.pdf",
    ),
    (
        "en",
        "How should rejected moulded parts be handled per the inspection standard?",
        "injection_inspection_standard.txt",
    ),
    (
        "en",
        "What is the sampling plan in the injection inspection standard?",
        "injection_inspection_standard.txt",
    ),
    ("en", "What melt temperature does the injection work standard give?", "사출_작업표준서.md"),
]

# Document questions never used to choose how near a passage must be (NEAR_WITH_WORD, NEAR_ALONE in
# sandan.assist.documents): the document that answers each.
HELDOUT_DOC_QUESTIONS: list[tuple[str, str, str]] = [
    ("ko", "공압은 몇 MPa 이상이어야 해?", "설비_일상점검표.md"),
    ("ko", "품질 이상 보고서는 몇 년 보관해?", "품질_이상_조치_절차.md"),
    ("ko", "가열로에서 프레스까지 이송 시간 기준은?", "단조_작업표준.txt"),
    ("ko", "스케일 자국 불량을 막으려면?", "단조_작업표준.txt"),
    ("ko", "냉각수 탱크는 언제 청소해?", "설비_일상점검표.md"),
    ("en", "What is the maximum sink mark depth allowed?", "injection_inspection_standard.txt"),
    ("en", "How long may flash be on the parting line?", "injection_inspection_standard.txt"),
    ("en", "What counts as a quality abnormality?", "품질_이상_조치_절차.md"),
    ("en", "What billet temperature range should be kept?", "단조_작업표준.txt"),
    ("ko", "새 자재 로트는 어떻게 검사해?", "injection_inspection_standard.txt"),
]
# Questions no document speaks to: search should offer no passage. The first list chose the nearness thresholds
# with DOC_QUESTIONS; the held-out list never did.
UNRELATED_QUESTIONS = [
    "오늘 날씨 어때?", "What's the capital of France?", "점심 메뉴 추천해줘", "Who won the football match yesterday?",
    "주식 시장 전망은?", "Tell me a joke", "비트코인 가격 알려줘", "How do I bake bread?", "휴가 신청은 어떻게 해?",
    "What is the salary of an engineer?", "회사 주차장 위치는?", "Write a poem about spring",
]  # fmt: skip
HELDOUT_UNRELATED_QUESTIONS = [
    "환율이 얼마야?", "내일 회식 장소 추천", "What's the best smartphone?", "Translate hello into French",
    "축구 경기 결과 알려줘", "How tall is Mount Everest?", "영화 추천해줘", "What time is it in New York?",
    "오늘 기분이 안 좋아", "Recommend a good book",
]  # fmt: skip


def retrieval(world: World) -> dict[str, Any]:
    """Document search alone: held-out recall@5, and how many passages unrelated questions get."""
    library = DocumentLibrary(world.settings.data_dir, D)
    found = {q: [h.file for h in library.search(q, 5)] for _, q, _ in HELDOUT_DOC_QUESTIONS}
    return {
        "heldout_recall_at_5": sum(f in found[q] for _, q, f in HELDOUT_DOC_QUESTIONS)
        / len(HELDOUT_DOC_QUESTIONS),
        "heldout_misses": [q for _, q, f in HELDOUT_DOC_QUESTIONS if f not in found[q]],
        "unrelated_passages": [len(library.search(q, 5)) for q in UNRELATED_QUESTIONS],
        "heldout_unrelated_passages": [len(library.search(q, 5)) for q in HELDOUT_UNRELATED_QUESTIONS],
    }


@dataclass
class World:
    store: Store
    settings: Settings
    now: datetime


def build_world(
    folder: Path, hours: float = 12, companies: tuple[str, ...] = COMPANIES, now: datetime = NOW
) -> World:
    """The demo complex in a temp DuckDB file, `hours` of history for `companies`, fixture documents for Daesung."""
    store = open_store(f"duckdb:///{folder / 'sandan.duckdb'}")
    complex_ = build_demo_complex(store, password="bench-only")
    VirtualComplex(store, [m for m in complex_.machines if m.company_id in companies]).backfill(
        hours, now=now
    )
    settings = Settings(data_dir=folder / "data")
    library = DocumentLibrary(settings.data_dir, D)
    for path in sorted(DOCS.iterdir()):
        library.add(path.name, path.read_bytes(), "benchmark")
    return World(store, settings, now)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and (b is None or (isinstance(b, float) and math.isnan(b)))
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9) or (
            math.isnan(a) and math.isnan(b)
        )
    return a == b


def _num(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def expected_facts(world: World, company: str, tool: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """The figure the answer must carry, computed straight from the capability with the expected arguments."""
    s = world.store
    w = resolve_period(args.get("period"), world.now, company_calendar(world.settings.data_dir, company))
    scope: dict[str, Any] = {}
    if "machine_id" in args:
        scope["machine_ids"] = [args["machine_id"]]
    elif "line_id" in args:
        scope["line_id"] = args["line_id"]
    if tool == "oee":
        return {"oee": _num(monitor.oee(s, company, w.start, w.end, by=(), **scope).iloc[0]["oee"])}
    if tool == "defect_rate":
        t = monitor.quality_table(s, company, w.start, w.end, by=(), **scope)
        return {"defect_rate": _num(t.iloc[0]["defect_rate"]) if len(t) else None}
    if tool == "production":
        t = monitor.quality_table(s, company, w.start, w.end, by=(), **scope)
        return {"produced_qty": _num(t.iloc[0]["produced_qty"]) if len(t) else 0}
    if tool == "defect_pareto":
        t = monitor.defect_pareto(s, company, w.start, w.end, **scope)
        return {"top_defect": t.iloc[0]["defect_type"] if len(t) else None}
    if tool == "downtime_pareto":
        # the stops asked about: breakdowns alone when the question says so, else every kind the tool counts
        states = args.get("states") or ["down", "setup", "idle"]
        t = monitor.downtime_pareto(s, company, w.start, w.end, states=states, **scope)
        return {"top_reason": (t.iloc[0]["reason_code"] or "unrecorded") if len(t) else None}
    if tool == "spc_status":
        family = s.get_machine(company, args["machine_id"]).family
        names = (
            [args["characteristic"]]
            if "characteristic" in args
            else sorted(m.name for m in MODELS[family].MEASURES)
        )
        out = []
        for n in names:
            chart = monitor.measurement_chart(
                s, company, w.start, w.end, n, chart="imr", machine_ids=[args["machine_id"]]
            )
            if not chart.in_control:
                out.append(n)
        return {"out_of_control": out}
    if tool == "process_capability":
        specs = spec_limits({s.get_machine(company, args["machine_id"]).family})
        names = [args["characteristic"]] if "characteristic" in args else sorted(specs)
        return {
            "cpk": {
                n: monitor.capability_from_store(
                    s, company, w.start, w.end, n, machine_ids=[args["machine_id"]], specs=specs
                ).cpk
                for n in names
            }
        }
    if tool == "readings":
        t = s.aggregate_readings(
            company,
            w.start,
            w.end,
            60 if w.period == "last_hour" else 1800,
            [args["machine_id"]],
            [args["signal"]] if "signal" in args else None,
        ).to_pandas()
        last = t.sort_values("bucket").groupby("signal")["avg"].last().to_dict()
        return {"last_bucket_avg": {k: float(v) for k, v in last.items()}}
    if tool == "recent_quarantine":
        return {"open": s.count_quarantine(company, "open")}
    if tool == "list_machines":
        return {"machines": [m.id for m in s.list_machines(company, args.get("line_id"))]}
    if tool == "root_cause":
        import pandas as pd

        from sandan.optimize.rootcause import root_cause

        ids = (
            [args["machine_id"]]
            if "machine_id" in args
            else [m.id for m in s.list_machines(company, args.get("line_id"))]
        )
        start = w.start - timedelta(days=7)
        frame = s.training_frame(company, start, w.end, ids)
        params = [p for p in frame.attrs["params"] if pd.api.types.is_numeric_dtype(frame[p])]
        cats = [c for c in ("machine_id", "lot_id", "product") if frame[c].nunique() > 1]
        found = root_cause(frame, (w.start, w.end), (start, w.start), parameters=params, categorical=cats)
        return {"top_factors": [f.name for f in found.factors[:3]]}
    if tool == "recommend_settings":
        from sandan.optimize.service import recommend_for_machine

        rec = recommend_for_machine(s, company, args["machine_id"], end=world.now, seed=0)
        return {"recommended": rec.recommended, "changed": [c.name for c in rec.changed]}
    if tool == "process_settings":
        model = MODELS[s.get_machine(company, args["machine_id"]).family]
        return {"nominal": model.nominal_settings()}
    if tool == "line_bottleneck":
        from sandan.twin.service import line_of_record
        from sandan.twin.sim import run_line

        w = resolve_period(
            args.get("period", "last_7d"), world.now, company_calendar(world.settings.data_dir, company)
        )
        base = line_of_record(s, world.settings.data_dir, company, args["line_id"], start=w.start, end=w.end)
        sim = run_line(base, replications=5, horizon=base.run_hours * 3600.0, warmup=1800.0, seed=0)
        return {"bottleneck": sim.bottleneck}
    if tool == "twin_what_if":
        from sandan.twin.experiments import compare
        from sandan.twin.line import load_line
        from sandan.twin.service import line_of_record

        w = resolve_period(
            args.get("period", "last_7d"), world.now, company_calendar(world.settings.data_dir, company)
        )
        # the line of record (the plant's hours and its machines grouped by process), simulated for its working
        # day, as the twin pages and the assistant's tool run it
        base = line_of_record(s, world.settings.data_dir, company, args["line_id"], start=w.start, end=w.end)
        caps = base.station_capacities()
        data = base.model_dump(mode="json", by_alias=True)
        next(st for st in data["stations"] if st["id"] == min(caps, key=caps.get))["machines"] += 1
        result = compare(
            {"baseline": base, "add_machine": load_line(data)},
            replications=5,
            horizon=base.run_hours * 3600.0,
            warmup=1800.0,
            seed=0,
            backend="serial",
        )
        return {"change_per_h": result.difference("add_machine", "throughput_per_h").mean}
    return None  # defect_drivers: a fitted model's ranking is not recomputed here; the tool must have run


def _executed(world: World, company: str, tool: str, args: dict[str, Any], answer: Answer) -> bool:
    step = answer.steps[0] if answer.steps else {}
    try:
        want = expected_facts(world, company, tool, args)
    except SandanError as exc:  # the capability refuses: the answer must carry that refusal
        return step.get("tool") == tool and step.get("error", {}).get("code") == exc.code
    if step.get("error") or step.get("tool") != tool:
        return False
    facts = step.get("facts", {})
    if want is None:
        return bool(facts.get("top_parameters"))
    if tool == "process_settings":
        return all(_same(r["value"], want["nominal"][r["parameter"]]) for r in answer.recommendations)
    if tool == "recommend_settings":
        if not want["changed"]:  # the right answer is to keep the settings: nothing to apply
            return not answer.recommendations
        return {r["parameter"] for r in answer.recommendations} == set(want["changed"]) and all(
            _same(r["value"], want["recommended"][r["parameter"]]) for r in answer.recommendations
        )
    if tool == "readings":
        got = facts.get("last_bucket_avg", {})
        return got.keys() == want["last_bucket_avg"].keys() and all(
            _same(got[k], v) for k, v in want["last_bucket_avg"].items()
        )
    return all(_same(facts.get(k), v) for k, v in want.items())


def evaluate(world: World, make_assistant=None, questions=None, documents: bool = True) -> dict[str, Any]:
    make_assistant = make_assistant or (
        lambda company: Assistant(world.store, company, world.settings, now=world.now, use_llm=False)
    )
    per_lang: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    failures: list[str] = []
    uncited = unsafe = 0
    assistants: dict[str, Assistant] = {}
    for lang, company, question, tool, args in (
        (TOOL_QUESTIONS + SECOND_ROUND_QUESTIONS) if questions is None else questions
    ):
        a = assistants.setdefault(company, make_assistant(company))
        answer = a.ask(question, lang)
        got_tool = answer.steps[0]["tool"] if answer.steps else None
        got_args = answer.steps[0].get("arguments", {}) if answer.steps else {}
        stats = per_lang[lang]
        stats["n"] += 1
        stats["tool"] += got_tool == tool
        stats["args"] += got_tool == tool and got_args == args
        stats["exec"] += _executed(world, company, tool, args, answer)
        uncited += not answer.citations
        unsafe += not answer.safety["ok"]
        if got_tool != tool or got_args != args:
            failures.append(f"[{lang}] {question!r}: expected {tool} {args}, got {got_tool} {got_args}")
    doc_hits = 0
    library = DocumentLibrary(world.settings.data_dir, D)
    for lang, question, expected in DOC_QUESTIONS if documents else []:
        answer = assistants.setdefault(D, make_assistant(D)).ask(question, lang)
        stats = per_lang[lang]
        stats["n"] += 1
        routed = answer.steps[0]["tool"] if answer.steps else None
        stats["tool"] += routed == "search_documents"
        stats["args"] += routed == "search_documents"
        cited = {c.get("file") for c in answer.citations}
        stats["exec"] += expected in cited
        uncited += not answer.citations
        unsafe += not answer.safety["ok"]
        if routed != "search_documents":
            failures.append(f"[{lang}] {question!r}: expected search_documents, got {routed}")
        found = [h.file for h in library.search(question, 5)]
        doc_hits += expected in found
        if expected not in found:
            failures.append(f"[{lang}] {question!r}: {expected} not in top 5 {found}")
    result = {
        "questions": sum(s["n"] for s in per_lang.values()),
        "by_language": {
            lang: {
                "n": s["n"],
                "tool_choice_accuracy": s["tool"] / s["n"],
                "argument_exact_match": s["args"] / s["n"],
                "execution_accuracy": s["exec"] / s["n"],
            }
            for lang, s in sorted(per_lang.items())
        },
        "retrieval_recall_at_5": doc_hits / len(DOC_QUESTIONS) if documents else None,
        "answers_without_citations": uncited,
        "unsafe_answers": unsafe,
        "failures": failures,
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=12.0, help="history to backfill per machine")
    opts = parser.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        world = build_world(Path(tmp), hours=opts.hours)
        t1 = time.perf_counter()
        result = evaluate(world)
        held = evaluate(world, questions=HELDOUT_QUESTIONS, documents=False)
        search = retrieval(world)
        t2 = time.perf_counter()
        world.store.close()
    print(
        f"assistant benchmark, no-LLM mode, {result['questions']} questions, {opts.hours:g} h of history "
        f"(setup {t1 - t0:.0f} s, questions {t2 - t1:.0f} s)"
    )
    for lang, m in result["by_language"].items():
        print(
            f"  {lang}: n={m['n']} tool choice {100 * m['tool_choice_accuracy']:.1f} %  arguments exact "
            f"{100 * m['argument_exact_match']:.1f} %  execution {100 * m['execution_accuracy']:.1f} %"
        )
    print(
        f"  retrieval recall@5 {result['retrieval_recall_at_5']:.2f} on {len(DOC_QUESTIONS)} document questions"
    )
    print(
        f"  answers without citations: {result['answers_without_citations']}; unsafe answers: {result['unsafe_answers']}"
    )
    for f in result["failures"]:
        print("  miss:", f)
    print("held-out questions (never tuned on):")
    for lang, m in held["by_language"].items():
        print(
            f"  {lang}: n={m['n']} tool choice {100 * m['tool_choice_accuracy']:.1f} %  arguments exact "
            f"{100 * m['argument_exact_match']:.1f} %  execution {100 * m['execution_accuracy']:.1f} %"
        )
    for f in held["failures"]:
        print("  miss:", f)
    print(
        f"  retrieval recall@5 {search['heldout_recall_at_5']:.2f} on {len(HELDOUT_DOC_QUESTIONS)} held-out "
        f"document questions (misses: {search['heldout_misses']})"
    )
    for label, counts in (
        ("unrelated questions (tuning)", search["unrelated_passages"]),
        ("unrelated questions (held out)", search["heldout_unrelated_passages"]),
    ):
        print(
            f"  {label}: {sum(c > 0 for c in counts)} of {len(counts)} got passages; passages each {counts}"
        )
    ok = all(m["tool_choice_accuracy"] >= 0.9 for m in result["by_language"].values())
    ok = (
        ok
        and result["retrieval_recall_at_5"] >= 0.9
        and not result["answers_without_citations"]
        and not result["unsafe_answers"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
