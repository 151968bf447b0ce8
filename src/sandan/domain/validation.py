"""The rules a record must pass before it is stored, as reason codes with Korean and English messages.

Checks run over whole Arrow/NumPy columns in `sandan.collect`; this module holds the vocabulary they use.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandan.domain.model import MachineState, PartResult

# reason code -> (English template, Korean template); placeholders are filled from the offending record.
REASONS: dict[str, tuple[str, str]] = {
    "nul_character": (
        "'{field}' holds a NUL character (code 0), which no text may hold: {value!r}; remove it at the source "
        "(a device or program writing past the end of its text)",
        "'{field}'에 NUL 문자(코드 0)가 있습니다. 어떤 텍스트에도 들어갈 수 없는 문자입니다: {value!r}. 보내는 쪽에서 "
        "없애세요(장치나 프로그램이 텍스트 끝을 넘겨 쓴 경우입니다)",
    ),
    "missing_field": (
        "required field '{field}' is empty",
        "필수 항목 '{field}'이(가) 비어 있습니다",
    ),
    # {problem}: what is out of range, when the text shows it (see time_problem)
    "bad_time": (
        "cannot read {value!r} as a time{problem}; write it as Excel shows it, e.g. 2026-05-01 08:00:00, "
        "or in ISO 8601 such as 2026-05-01T08:00:00+09:00",
        "{value!r}을(를) 시각으로 읽을 수 없습니다{problem}. 엑셀에 보이는 대로 2026-05-01 08:00:00 처럼 쓰거나 "
        "2026-05-01T08:00:00+09:00 같은 ISO 8601 형식으로 쓰세요",
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
    # {value}: the time as written; {read_as}: the instant it was read as, in the zone it was read in (_read_as)
    "future_time": (
        "time {value!r}{read_as} is more than a day in the future; check the date, or the clock of the machine or "
        "PC that recorded it",
        "시각 {value!r}{read_as}이(가) 하루 이상 미래입니다. 날짜를 확인하거나, 기록한 설비나 PC의 시계를 확인하세요",
    ),
    "unknown_machine": (
        "machine {value!r} is neither the id nor the name of a machine registered for this company; check the "
        "spelling, or register it first (web: its line's page, Add a machine; API: PUT /machines/<id>)",
        "설비 {value!r}은(는) 이 회사에 등록된 설비의 ID도 이름도 아닙니다. 철자를 확인하거나 먼저 등록하세요 (웹: 라인 화면의 "
        "'설비 추가', API: PUT /machines/<ID>)",
    ),
    "unknown_signal": (
        "signal {value!r} is not defined for machine {machine!r}; define the signal or import with signal registration on",
        "설비 {machine!r}에 신호 {value!r}이(가) 정의되어 있지 않습니다. 신호를 정의하거나 신호 자동 등록을 켜고 가져오세요",
    ),
    # {hint}: how numbers are written, where the value has a comma (see _worded)
    "bad_number": (
        "{field} {value!r} is not a number{hint}",
        "{field} 값 {value!r}은(는) 숫자가 아닙니다{hint}",
    ),
    "out_of_range": (
        "value {shown} of signal {signal!r} is outside its valid range {range}; check the value, or the signal's "
        "range on its machine's page",
        "신호 {signal!r}의 값 {shown}이(가) 유효 범위 {range}을(를) 벗어났습니다. 값을 확인하거나 설비 화면에서 신호의 "
        "범위를 고치세요",
    ),
    "below_floor": (
        "measurement {signal!r} is {shown}, which it cannot physically be (it is {range}); check the value and its "
        "sign. A signal of that name with its own range on the machine's page replaces this limit",
        "측정값 {signal!r}이(가) {shown}인데, 물리적으로 가능한 값이 아닙니다({range}이어야 함). 값과 부호를 "
        "확인하세요. 설비 화면에서 같은 이름의 신호에 범위를 정하면 그 범위가 이 한계를 대신합니다",
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
        "state {value!r} is not one of running, idle, down, setup, planned_stop (also accepted: 가동, 대기, 고장, "
        "셋업, 계획정지, stop, changeover)",
        "상태 {value!r}은(는) 가동, 대기, 고장, 셋업, 계획정지(running, idle, down, setup, planned_stop) 중 하나가 "
        "아닙니다 (비가동, 준비교체, 휴식도 됩니다)",
    ),
    "end_before_start": (
        "event ends ({value}) before it starts",
        "이벤트 종료 시각({value})이 시작 시각보다 앞섭니다",
    ),
    "conflicting_duplicate": (
        "same key as another record in this batch but different values: {value}",
        "이 배치의 다른 레코드와 키가 같지만 값이 다릅니다: {value}",
    ),
    "differs_from_stored": (
        "a record of this machine, time and part is already stored with other values ({value}); the stored record "
        "was left as it is — kept here so the correction is not lost",
        "같은 설비·시각·부품의 기록이 다른 값으로 이미 저장되어 있습니다 ({value}). 저장된 기록은 그대로 두었고, 이 수정은 잃지 "
        "않도록 여기 보관합니다",
    ),
    "bad_record": (
        "record is not an object with the expected fields: {value}",
        "레코드가 예상한 항목을 가진 객체가 아닙니다: {value}",
    ),
}


# reason code -> (English, Korean) words for the kind of problem, where a list is narrowed by reason: the codes of
# REASONS, and those the MQTT collector and the file import give a message or a whole file they keep
REASON_TITLES: dict[str, tuple[str, str]] = {
    "nul_character": ("text with a NUL character", "NUL 문자가 든 텍스트"),
    "missing_field": ("required field empty", "필수 항목 비어 있음"),
    "bad_time": ("time not readable", "읽을 수 없는 시각"),
    "naive_time": ("time without a time zone", "시간대 없는 시각"),
    "ambiguous_date": ("day and month order unclear", "일/월 순서를 알 수 없는 날짜"),
    "number_time": ("number that is no date", "날짜가 아닌 숫자"),
    "time_without_date": ("time without a date", "날짜 없는 시각"),
    "summary_row": ("totals or summary row", "합계·요약 행"),
    "formula_no_value": ("formula without a saved value", "저장된 값이 없는 수식"),
    "early_time": ("time before 1900", "1900년 이전 시각"),
    "future_time": ("time in the future", "미래 시각"),
    "unknown_machine": ("machine not registered", "등록되지 않은 설비"),
    "unknown_signal": ("signal not defined", "정의되지 않은 신호"),
    "bad_number": ("not a number", "숫자가 아닌 값"),
    "out_of_range": ("value outside the valid range", "유효 범위를 벗어난 값"),
    "below_floor": ("measurement below what it can physically be", "물리적으로 불가능한 측정값"),
    "bad_unit": ("unit not convertible", "바꿀 수 없는 단위"),
    "bad_result": ("result not ok / ng", "ok / ng 가 아닌 판정"),
    "bad_state": ("unknown machine state", "알 수 없는 설비 상태"),
    "end_before_start": ("event ends before it starts", "시작보다 먼저 끝나는 이벤트"),
    "conflicting_duplicate": ("same key, different values", "키는 같고 값이 다른 중복"),
    "differs_from_stored": ("differs from the stored record", "저장된 기록과 다른 값"),
    "bad_record": ("record of an unexpected shape", "형식이 맞지 않는 레코드"),
    "bad_payload": ("message not decodable", "해석할 수 없는 메시지"),
    "other_company": ("message for another company", "다른 회사의 메시지"),
    "unknown_company": ("company not registered", "등록되지 않은 회사"),
    "bad_status": ("value the source marked bad or uncertain", "출처가 불량·불확실로 표시한 값"),
    "missing_column": ("file without a required column", "필수 열이 없는 파일"),
    "missing_sheet": ("sheet not found", "시트를 찾을 수 없음"),
    "bad_encoding": ("file text not readable", "글자를 읽을 수 없는 파일"),
    "unreadable_file": ("file not readable", "읽을 수 없는 파일"),
    "empty_file": ("empty file", "빈 파일"),
    "workbook_too_large": ("workbook too large to read", "너무 커서 읽을 수 없는 통합 문서"),
    "too_many_columns": ("sheet with too many columns", "열이 너무 많은 시트"),
    "line_too_long": ("line too long for a CSV file", "CSV 파일로 보기엔 너무 긴 줄"),
}


def reason_title(code: str) -> tuple[str, str] | None:
    """English and Korean words for a reason code, for a list narrowed by reason; None for a code without."""
    return REASON_TITLES.get(code)


def reason_text(code: str, **fields: object) -> tuple[str, str]:
    """English and Korean message of a reason code, with its placeholders filled.

    Placeholders worded per language are derived here from plain fields, so each message is made in one place:
    `problem` of bad_time from the text itself, `read_as` of future_time from `instant` (UTC) and `zone` (the
    zone the text was read in; None when the text names its own offset)."""
    en, ko = REASONS[code]

    class _Safe(dict):
        def __missing__(self, key: str) -> str:
            return "?"

    extra_en, extra_ko = _worded(code, fields)
    value = fields.get("value", "x")
    if value is None or (isinstance(value, str) and not value.strip()):  # "result None is not one of ok / ng"
        extra_en, extra_ko = {"value": _Said("(empty)"), **extra_en}, {"value": _Said("(빈 칸)"), **extra_ko}
    return en.format_map(_Safe({**fields, **extra_en})), ko.format_map(_Safe({**fields, **extra_ko}))


class _Said(str):
    """A word put where a message shows a value as written (`{value!r}`): an empty cell reads "(empty)", not
    None or ''."""

    def __repr__(self) -> str:
        return str(self)


def _worded(code: str, fields: dict[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    if code == "bad_time":
        en, ko = time_problem(fields.get("value"))
        return {"problem": en}, {"problem": ko}
    if code == "future_time":
        en, ko = _read_as(fields.get("instant"), fields.get("zone"))
        return {"read_as": en}, {"read_as": ko}
    if code == "bad_number":
        if "," not in str(fields.get("value", "")):  # '높음' needs no word on decimal commas
            return {"hint": ""}, {"hint": ""}
        return (
            {"hint": " (decimals take a point, 12.5; a comma only between thousands, 1,234.5)"},
            {"hint": " (소수점은 마침표로 12.5, 쉼표는 천 단위 구분에만 1,234.5)"},
        )
    if code in ("out_of_range", "below_floor"):
        lo, hi = _plain(fields.get("min")), _plain(fields.get("max"))
        en = f"{lo}–{hi}" if lo and hi else f"at least {lo}" if lo else f"at most {hi}"
        ko = f"{lo}–{hi}" if lo and hi else f"{lo} 이상" if lo else f"{hi} 이하"
        shown = _plain(fields.get("value")) or str(fields.get("value"))
        return {"range": en, "shown": shown}, {"range": ko, "shown": shown}
    return {}, {}


def _plain(value: object) -> str:
    """A limit or value as people write it: 0, 1500, 0.0025, -50 — not 0.0, 1.5e+03 ('' for none or infinite)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if v != v or v in (float("inf"), float("-inf")):
        return ""
    if abs(v) >= 1e15:  # 1e+30, not 1000000000000000019884624838656 (a float's digits past its precision)
        return f"{v:.6g}"
    if v == int(v):
        return str(int(v))
    return f"{v:.6f}".rstrip("0").rstrip(".") if abs(v) >= 1e-4 else f"{v:.3g}"


# year-month-day with - / . between, then an optional clock time: the forms Excel and MES exports write
_DATE_TIME = re.compile(
    r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\.?"
    r"(?:(?:\s+|T)(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:[.,]\d+)?)?"
)


def time_problem(value: object) -> tuple[str, str]:
    """What is out of range in a date-time text that could not be read ("month 13, day 45"), as a clause that
    follows 'cannot read … as a time'; empty when the text shows nothing out of range."""
    if not isinstance(value, str):
        return "", ""
    m = _DATE_TIME.match(value)
    if m is None:
        return "", ""
    year, month, day = (int(g) for g in m.groups()[:3])
    hour, minute, second = (None if g is None else int(g) for g in m.groups()[3:])
    en: list[str] = []
    ko: list[str] = []
    if not 1 <= month <= 12:
        en.append(f"month {month} (1–12)")
        ko.append(f"{month}월(1~12월)")
    if 1 <= month <= 12:
        last = calendar.monthrange(year, month)[1] if year >= 1 else 31
        if not 1 <= day <= last:
            en.append(f"day {day} ({year:04d}-{month:02d} has {last} days)")
            ko.append(f"{day}일({year}년 {month}월은 {last}일까지)")
    elif not 1 <= day <= 31:
        en.append(f"day {day} (1–31)")
        ko.append(f"{day}일(1~31일)")
    for number, top, word, unit in (
        (hour, 23, "hour", "시"),
        (minute, 59, "minute", "분"),
        (second, 59, "second", "초"),
    ):
        if number is not None and number > top:
            en.append(f"{word} {number} (0–{top})")
            ko.append(f"{number}{unit}(0~{top}{unit})")
    if not en:
        return "", ""
    listed = en[0] if len(en) == 1 else f"{', '.join(en[:-1])} and {en[-1]}"
    verb = "is" if len(en) == 1 else "are"
    return f": {listed} {verb} out of range", f": {', '.join(ko)}은(는) 있을 수 없는 값입니다"


def _read_as(instant: object, zone: object) -> tuple[str, str]:
    """' (read as 2030-01-01 00:00 Asia/Seoul)': the instant a time without an offset was read as, in the zone it
    was read in; empty when the written text names its own offset, or the instant has no place in that zone."""
    if not isinstance(instant, datetime) or not isinstance(zone, str) or not zone:
        return "", ""
    try:
        local = instant.astimezone(ZoneInfo(zone))
    except (OverflowError, ValueError, ZoneInfoNotFoundError):
        return "", ""
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")
    return f" (read as {shown} {zone})", f"({zone} 기준 {shown})"


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
