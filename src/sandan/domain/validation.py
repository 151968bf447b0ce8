"""The rules a record must pass before it is stored, as reason codes with Korean and English messages.

Checks run over whole Arrow/NumPy columns in `sandan.collect`; this module holds the vocabulary they use.
"""

from __future__ import annotations

from sandan.domain.model import MachineState, PartResult

# reason code -> (English template, Korean template); placeholders are filled from the offending record.
REASONS: dict[str, tuple[str, str]] = {
    "missing_field": (
        "required field '{field}' is empty",
        "필수 항목 '{field}'이(가) 비어 있습니다",
    ),
    "bad_time": (
        "cannot read {value!r} as a time; use ISO 8601 such as 2026-05-01T08:00:00+09:00",
        "{value!r}을(를) 시각으로 읽을 수 없습니다. 2026-05-01T08:00:00+09:00 같은 ISO 8601 형식을 쓰세요",
    ),
    "naive_time": (
        "time {value!r} has no time zone; add one (e.g. +09:00) or give the import a timezone such as Asia/Seoul",
        "시각 {value!r}에 시간대가 없습니다. +09:00 처럼 시간대를 붙이거나 가져오기에 시간대(예: Asia/Seoul)를 지정하세요",
    ),
    "ambiguous_date": (
        "date {value!r} reads as day/month or month/day and nothing else in the file tells which; write it as "
        "year-month-day, e.g. 2026-12-05, or state the order (the import's date order, date_order: dmy or mdy in a "
        "mapping, ?date_order= on the API)",
        "날짜 {value!r}은(는) 일/월인지 월/일인지 파일의 다른 날짜로도 알 수 없습니다. 2026-12-05 처럼 연-월-일로 적거나 "
        "날짜 순서를 지정하세요 (가져오기의 날짜 순서, 매핑의 date_order: dmy 또는 mdy, API의 ?date_order=)",
    ),
    "early_time": (
        "time {value!r} lies before 1900; check the year",
        "시각 {value!r}이(가) 1900년 이전입니다. 연도를 확인하세요",
    ),
    "future_time": (
        "time {value!r} is more than a day in the future; check the machine's clock",
        "시각 {value!r}이(가) 하루 이상 미래입니다. 설비 시계를 확인하세요",
    ),
    "unknown_machine": (
        "machine {value!r} is not registered for this company; register it first (web: its line's page, Add a machine; API: PUT /machines/{value})",
        "설비 {value!r}은(는) 이 회사에 등록되어 있지 않습니다. 먼저 등록하세요 (웹: 라인 화면의 '설비 추가', API: PUT /machines/{value})",
    ),
    "unknown_signal": (
        "signal {value!r} is not defined for machine {machine!r}; define the signal or import with signal registration on",
        "설비 {machine!r}에 신호 {value!r}이(가) 정의되어 있지 않습니다. 신호를 정의하거나 신호 자동 등록을 켜고 가져오세요",
    ),
    "bad_number": (
        "{field} {value!r} is not a number",
        "{field} 값 {value!r}은(는) 숫자가 아닙니다",
    ),
    "out_of_range": (
        "value {value} of signal {signal!r} is outside its valid range [{min}, {max}]",
        "신호 {signal!r}의 값 {value}이(가) 유효 범위 [{min}, {max}]를 벗어났습니다",
    ),
    "bad_unit": (
        "unit {value!r} cannot be converted to the signal's unit {unit!r}",
        "단위 {value!r}을(를) 신호 단위 {unit!r}(으)로 바꿀 수 없습니다",
    ),
    "bad_result": (
        "result {value!r} is not one of ok / ng (also accepted: OK, NG, 양품, 불량, pass, fail, 1, 0)",
        "판정 {value!r}은(는) ok / ng 가 아닙니다 (OK, NG, 양품, 불량, pass, fail, 1, 0 도 됩니다)",
    ),
    "bad_state": (
        "state {value!r} is not one of running, idle, down, setup, planned_stop",
        "상태 {value!r}은(는) running, idle, down, setup, planned_stop 중 하나가 아닙니다",
    ),
    "end_before_start": (
        "event ends ({value}) before it starts",
        "이벤트 종료 시각({value})이 시작 시각보다 앞섭니다",
    ),
    "conflicting_duplicate": (
        "same key as another record in this batch but different values: {value}",
        "이 배치의 다른 레코드와 키가 같지만 값이 다릅니다: {value}",
    ),
    "bad_record": (
        "record is not an object with the expected fields: {value}",
        "레코드가 예상한 항목을 가진 객체가 아닙니다: {value}",
    ),
}


def reason_text(code: str, **fields: object) -> tuple[str, str]:
    """English and Korean message of a reason code, with its placeholders filled."""
    en, ko = REASONS[code]

    class _Safe(dict):
        def __missing__(self, key: str) -> str:
            return "?"

    data = _Safe(fields)
    return en.format_map(data), ko.format_map(data)


# Spellings seen in Korean factories' spreadsheets and MES exports, mapped to the canonical values.
RESULT_SYNONYMS: dict[str, str] = {
    "ok": PartResult.ok,
    "pass": PartResult.ok,
    "good": PartResult.ok,
    "1": PartResult.ok,
    "true": PartResult.ok,
    "양품": PartResult.ok,
    "합격": PartResult.ok,
    "g": PartResult.ok,
    "ng": PartResult.ng,
    "fail": PartResult.ng,
    "bad": PartResult.ng,
    "defect": PartResult.ng,
    "0": PartResult.ng,
    "false": PartResult.ng,
    "불량": PartResult.ng,
    "불합격": PartResult.ng,
    "n": PartResult.ng,
}

STATE_SYNONYMS: dict[str, str] = {
    "running": MachineState.running,
    "run": MachineState.running,
    "가동": MachineState.running,
    "idle": MachineState.idle,
    "대기": MachineState.idle,
    "down": MachineState.down,
    "stop": MachineState.down,
    "breakdown": MachineState.down,
    "고장": MachineState.down,
    "비가동": MachineState.down,
    "setup": MachineState.setup,
    "changeover": MachineState.setup,
    "셋업": MachineState.setup,
    "준비교체": MachineState.setup,
    "planned_stop": MachineState.planned_stop,
    "planned": MachineState.planned_stop,
    "계획정지": MachineState.planned_stop,
    "휴식": MachineState.planned_stop,
}

FUTURE_TOLERANCE_S = 86_400
