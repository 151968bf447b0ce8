"""User-visible names of the monitor's columns, losses, rules and notices, in Korean and English.

Interfaces look labels up here so a page, the API and the assistant name a number the same way; no logic here.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    # what an OEE row is of (its grouping columns)
    "machine_id": {"ko": "설비", "en": "Machine"},
    "machine_name": {"ko": "설비명", "en": "Machine name"},
    "line_id": {"ko": "라인", "en": "Line"},
    "line_name": {"ko": "라인명", "en": "Line name"},
    "production_day": {"ko": "생산일", "en": "Production day"},
    "shift_id": {"ko": "교대 ID", "en": "Shift id"},
    "shift_name": {"ko": "교대", "en": "Shift"},
    "shift_label_ko": {"ko": "교대 (한국어)", "en": "Shift (Korean)"},
    "shift_label_en": {"ko": "교대 (영어)", "en": "Shift (English)"},
    "shift_label": {"ko": "교대", "en": "Shift"},
    "shift_planned_s": {
        "ko": "교대 전체 계획 운영 시간(초)",
        "en": "Whole shift's planned operation time (s)",
    },
    "label": {"ko": "이름", "en": "Name"},
    "reason_code": {"ko": "정지 사유 코드", "en": "Reason code"},
    "uncoded_state": {"ko": "사유 코드 없는 정지의 종류", "en": "Kind of stop without a reason code"},
    "defect_type": {"ko": "불량 코드", "en": "Defect code"},
    "events": {"ko": "건수", "en": "Events"},
    "machines": {"ko": "설비 수", "en": "Machines"},
    # OEE time and quantity elements (ISO 22400-2:2014)
    "planned_operation_time_s": {"ko": "계획 운영 시간(초)", "en": "Planned operation time (s)"},
    "planned_down_time_s": {"ko": "계획 정지 시간(초)", "en": "Planned down time (s)"},
    "planned_busy_time_s": {"ko": "부하 시간(초)", "en": "Planned busy time (s)"},
    "run_time_s": {"ko": "가동 시간(초)", "en": "Run time (s)"},
    "down_time_s": {"ko": "고장 정지 시간(초)", "en": "Down time (s)"},
    # every kind of stop by its reason (the production report's stop sheet), not only breakdowns
    "stop_time_s": {"ko": "정지 시간(초)", "en": "Stop time (s)"},
    "setup_time_s": {"ko": "작업준비 시간(초)", "en": "Setup time (s)"},
    "idle_time_s": {"ko": "대기 시간(초)", "en": "Idle time (s)"},
    "no_data_time_s": {"ko": "미기록 시간(초)", "en": "Unrecorded time (s)"},
    "produced_qty": {"ko": "생산 수량", "en": "Produced quantity"},
    "good_qty": {"ko": "양품 수량", "en": "Good quantity"},
    "scrap_qty": {"ko": "불량 수량", "en": "Scrap quantity"},
    "note": {"ko": "참고", "en": "Note"},
    "ideal_production_time_s": {"ko": "이론 생산 시간(초)", "en": "Ideal production time (s)"},
    "startup_scrap_qty": {"ko": "초기 불량 수량", "en": "Start-up scrap quantity"},
    "ideal_good_time_s": {"ko": "양품 이론 시간(초)", "en": "Ideal time of the good parts (s)"},
    "ideal_startup_scrap_time_s": {
        "ko": "초기 불량 이론 시간(초)",
        "en": "Ideal time of the start-up scrap (s)",
    },
    "parts_without_ideal_qty": {
        "ko": "이론 사이클 타임 없는 설비의 생산 수량",
        "en": "Parts of machines without an ideal cycle time",
    },
    "effectiveness_raw": {"ko": "성능 가동률(상한 적용 전)", "en": "Effectiveness before the cap"},
    "availability": {"ko": "시간 가동률", "en": "Availability"},
    "effectiveness": {"ko": "성능 가동률", "en": "Effectiveness (performance)"},
    "effectiveness_capped": {
        "ko": "성능 가동률 100% 초과(상한 적용)",
        "en": "Effectiveness above 100% (capped)",
    },
    "quality": {"ko": "양품률", "en": "Quality ratio"},
    "oee": {"ko": "설비종합효율(OEE)", "en": "OEE"},
    "oee_status": {"ko": "OEE 상태", "en": "OEE status"},
    # six big losses (Nakajima 1988)
    "breakdowns_s": {"ko": "고장 손실", "en": "Breakdowns"},
    "setup_adjustment_s": {"ko": "작업준비·조정 손실", "en": "Setup and adjustment"},
    "idling_minor_stops_s": {"ko": "공회전·순간정지 손실", "en": "Idling and minor stops"},
    "reduced_speed_s": {"ko": "속도 저하 손실", "en": "Reduced speed"},
    "process_defects_s": {"ko": "불량·재작업 손실", "en": "Process defects"},
    "reduced_yield_s": {"ko": "초기 수율 손실", "en": "Reduced yield (start-up)"},
    "unrecorded_s": {"ko": "미기록 시간", "en": "Unrecorded time"},
    "fully_productive_time_s": {"ko": "가치 가동 시간", "en": "Fully productive time"},
    # quality
    "defect_rate": {"ko": "불량률", "en": "Defect rate"},
    "first_pass_yield": {"ko": "직행률(FPY)", "en": "First-pass yield"},
    "scrap_cost": {"ko": "불량 비용", "en": "Scrap cost"},
    "share": {"ko": "비율", "en": "Share"},
    "cumulative_share": {"ko": "누적 비율", "en": "Cumulative share"},
    "unexplained": {"ko": "(사유 미입력)", "en": "(no reason code)"},
    "unclassified": {"ko": "(불량 유형 미입력)", "en": "(no defect type)"},
}

# Why an OEE figure is missing: shown instead of a number, never a division by zero.
OEE_STATUS: dict[str, dict[str, str]] = {
    "ok": {"ko": "정상 계산", "en": "computed"},
    "no_planned_time": {
        "ko": "계획된 부하 시간이 없어 OEE를 정의할 수 없습니다(휴일, 근무 외 시간, 계획 정지 또는 설비의 첫 상태 기록 전)",
        "en": "OEE is undefined: there was no planned busy time (holiday, outside shifts, planned stop, or before the "
        "machine's first state record)",
    },
    "no_ideal_cycle_time": {
        "ko": "이론 사이클 타임이 없어 성능 가동률과 OEE를 계산할 수 없습니다. 설비에 ideal_cycle_time_s를 입력하세요",
        "en": "effectiveness and OEE are undefined: the machine has no ideal cycle time; set ideal_cycle_time_s",
    },
}

RULE_LABELS: dict[str, dict[str, str]] = {
    "WE1": {"ko": "관리한계(3σ) 밖의 점 1개", "en": "1 point beyond 3σ"},
    "WE2": {"ko": "연속 3점 중 2점이 같은 쪽 2σ 밖", "en": "2 of 3 points beyond 2σ on one side"},
    "WE3": {"ko": "연속 5점 중 4점이 같은 쪽 1σ 밖", "en": "4 of 5 points beyond 1σ on one side"},
    "WE4": {"ko": "연속 8점이 중심선 같은 쪽", "en": "8 points in a row on one side of the centre line"},
    "N1": {"ko": "관리한계(3σ) 밖의 점 1개", "en": "1 point beyond 3σ"},
    "N2": {"ko": "연속 9점이 중심선 같은 쪽", "en": "9 points in a row on one side of the centre line"},
    "N3": {"ko": "연속 6점 증가 또는 감소", "en": "6 points in a row steadily increasing or decreasing"},
    "N4": {"ko": "연속 14점이 교대로 증감", "en": "14 points in a row alternating up and down"},
    "N5": {"ko": "연속 3점 중 2점이 같은 쪽 2σ 밖", "en": "2 of 3 points beyond 2σ on one side"},
    "N6": {"ko": "연속 5점 중 4점이 같은 쪽 1σ 밖", "en": "4 of 5 points beyond 1σ on one side"},
    "N7": {"ko": "연속 15점이 1σ 이내", "en": "15 points in a row within 1σ"},
    "N8": {"ko": "연속 8점이 1σ 밖(양쪽)", "en": "8 points in a row beyond 1σ, either side"},
}


#: Control charts by their names, for alert messages (the quality page has its own longer catalogue entries).
CHART_LABELS: dict[str, dict[str, str]] = {
    "p": {"en": "p chart", "ko": "p 관리도"},
    "laney_p": {"en": "Laney p′ chart", "ko": "Laney p′ 관리도"},
    "np": {"en": "np chart", "ko": "np 관리도"},
    "c": {"en": "c chart", "ko": "c 관리도"},
    "u": {"en": "u chart", "ko": "u 관리도"},
    "imr": {"en": "I-MR chart", "ko": "I-MR 관리도"},
    "xbar_r": {"en": "X̄-R chart", "ko": "X̄-R 관리도"},
    "xbar_s": {"en": "X̄-S chart", "ko": "X̄-S 관리도"},
}


def label(key: str, lang: str = "ko") -> str:
    """The user-visible name of a column or code; the key itself when none is defined."""
    for table in (LABELS, OEE_STATUS, RULE_LABELS):
        if key in table:
            return table[key]["ko" if lang == "ko" else "en"]
    return key
