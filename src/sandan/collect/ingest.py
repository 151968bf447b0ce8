"""The one ingestion path every connector and importer uses: validate, normalise, store, quarantine, receipt.

It owns the checks on readings, part records and machine events; it must not know where a batch came from
beyond the `source` label and the row locations the caller passes.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sandan.domain import EVENT_SCHEMA, PART_SCHEMA, READING_SCHEMA, InvalidInput, Signal
from sandan.domain.text import THOUSANDS, without_thousands
from sandan.domain.validation import FUTURE_TOLERANCE_S, RESULT_SYNONYMS, STATE_SYNONYMS, reason_text
from sandan.store import QuarantineItem, Store
from sandan.store.base import MachinesGone

MAX_ISSUES = 50
TIME = pa.timestamp("us", tz="UTC")
PARAM_PREFIX = "param:"
MEASURE_PREFIX = "measure:"


@dataclass
class Receipt:
    """What happened to one batch: counts, the reasons for rejects, and the first issues with their location."""

    batch_id: str
    source: str
    kind: str
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    #: rejects identical to ones still waiting in quarantine (the same file imported again, a batch resent):
    #: counted in `rejected`, kept there once
    already_quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    signals_registered: list[str] = field(default_factory=list)
    machines: list[str] = field(default_factory=list)  # the machines the accepted rows belong to
    #: what the reader of the batch said beside the rows (code, en, ko): which sheet of a workbook it read, the
    #: other sheets that hold data
    notes: list[dict[str, str]] = field(default_factory=list)
    #: how many issues the receipt keeps; a dry run keeps all (its batch is a few sample rows, by design)
    issue_limit: int = field(default=MAX_ISSUES, repr=False, compare=False)

    def merge(self, other: Receipt) -> Receipt:
        self.received += other.received
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.already_quarantined += other.already_quarantined
        for k, v in other.reasons.items():
            self.reasons[k] = self.reasons.get(k, 0) + v
        self.issues.extend(other.issues[: max(0, self.issue_limit - len(self.issues))])
        self.signals_registered.extend(
            s for s in other.signals_registered if s not in self.signals_registered
        )
        self.machines.extend(m for m in other.machines if m not in self.machines)
        self.notes.extend(n for n in other.notes if n not in self.notes)
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "source": self.source,
            "kind": self.kind,
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "already_quarantined": self.already_quarantined,
            "reasons": dict(self.reasons),
            "issues": list(self.issues),
            "signals_registered": list(self.signals_registered),
            "machines": list(self.machines),
            "notes": list(self.notes),
        }


@dataclass
class Origin:
    """Where a batch's rows came from, so a reject can say 'file x.csv, row 12, column 온도'."""

    source: str
    file: str | None = None
    first_row: int = 0  # number of the batch's first row as the user counts it (e.g. 2 under a CSV header)
    columns: Mapping[str, str] = field(default_factory=dict)  # canonical field -> the user's column name
    timezone: str | None = None  # zone for timestamps that carry none
    batch_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    # each record's row number, when the records are not consecutive rows (e.g. a wide sheet)
    rows: Any = None
    quarantine: bool = True  # False when replaying a quarantined record: a new reject stays in its old item
    # how dates such as 5/12/2025 are written: "dmy" or "mdy"; None until a date of the batch settles it (25/11/2025),
    # which then sets it here, so a file's later chunks are read the same way
    date_order: str | None = None
    #: the date order as the caller stated it (not as a batch settled it): only a stated one reads a short Korean
    #: date such as 26.12.07 other than year first
    stated_date_order: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.stated_date_order = self.date_order

    def row_of(self, i: int) -> int:
        return int(self.rows[i]) if self.rows is not None else self.first_row + i


Details = Callable[[np.ndarray], Iterable[dict[str, Any]]]


class _Rejects:
    """First reason per row as a small integer code (0 = fine); details are built only for rejected rows."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.code = np.zeros(n, dtype=np.uint8)
        self.kinds: list[tuple[str, str]] = [("", "")]  # code number -> (reason code, field)
        self.detail: dict[int, dict[str, Any]] = {}

    def mark(self, mask: Any, code: str, field_name: str, details: Details | None = None) -> None:
        """Reject the rows in `mask` that have no reason yet; `details(rows)` describes those rows."""
        if isinstance(mask, pa.ChunkedArray | pa.Array):
            mask = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        idx = np.flatnonzero(mask & (self.code == 0))
        if not len(idx):
            return
        kind = (code, field_name)
        if kind not in self.kinds:
            self.kinds.append(kind)
        self.code[idx] = self.kinds.index(kind)
        if details is not None:
            for i, d in zip(idx.tolist(), details(idx), strict=True):
                self.detail[i] = d

    @property
    def ok(self) -> np.ndarray:
        return self.code == 0

    @property
    def any(self) -> bool:
        return len(self.kinds) > 1


def _array(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array; a single chunk is used as is rather than copied."""
    if isinstance(col, pa.ChunkedArray):
        return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    return col


def _pick(values: pa.Array | pa.ChunkedArray | np.ndarray, idx: np.ndarray) -> list[Any]:
    """The Python values of `values` at rows `idx` (only ever called for rejected rows)."""
    if isinstance(values, np.ndarray):
        return values[idx].tolist()
    return values.take(pa.array(idx, type=pa.int64())).to_pylist()


def _values(values: Any, key: str = "value", **extra: Any) -> Details:
    return lambda idx: ({key: v, **extra} for v in _pick(values, idx))


def _to_table(data: Any, what: str) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pd.DataFrame):
        return pa.Table.from_pandas(data, preserve_index=False)
    if isinstance(data, list):
        if not all(isinstance(r, Mapping) for r in data):
            raise InvalidInput(
                f"{what} must be a list of JSON objects", f"{what} 데이터는 JSON 객체의 목록이어야 합니다"
            )
        # Values as received; columns of mixed types stay as text and are parsed below.
        frame = pd.DataFrame.from_records(list(data))
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(
                    lambda v: (
                        v
                        if v is None or isinstance(v, str)
                        else json.dumps(v)
                        if isinstance(v, dict | list)
                        else str(v)
                    )
                )
        return pa.Table.from_pandas(frame, preserve_index=False)
    raise InvalidInput(
        f"cannot ingest {type(data).__name__} as {what}; pass rows as JSON objects, a DataFrame or an Arrow table",
        f"{type(data).__name__} 형식은 {what}(으)로 받을 수 없습니다",
    )


def _require(table: pa.Table, required: list[str], origin: Origin, what: str) -> None:
    if table.num_columns == 0:  # [] said "required column(s) time, machine_id, … missing (found: no columns)"
        raise InvalidInput(
            f"the batch holds no {what} records; send a list of one or more, each with {', '.join(required)}",
            f"배치에 {what} 기록이 없습니다. {', '.join(required)} 항목을 가진 기록을 하나 이상 보내세요",
            code="no_records",
        )
    missing = [c for c in required if c not in table.column_names]
    if missing:
        shown = [origin.columns.get(c, c) for c in missing]
        where = f" in {origin.file}" if origin.file else ""
        found = [origin.columns.get(c, c) for c in table.column_names]
        raise InvalidInput(
            f"required column(s) {', '.join(shown)} missing{where}; {what} need {', '.join(required)} "
            f"(found: {', '.join(found) or 'no columns'})",
            f"필수 열 {', '.join(shown)}이(가) 없습니다{f' ({origin.file})' if origin.file else ''}. "
            f"{what}에는 {', '.join(required)} 열이 필요합니다 (있는 열: {', '.join(found) or '없음'})",
            code="missing_column",
            file=origin.file,
            column=", ".join(shown),
        )


def _zone(origin: Origin) -> ZoneInfo | None:
    return time_zone(origin.timezone)


def time_zone(name: str | None) -> ZoneInfo | None:
    """The IANA time zone of that name (None for none); an unknown name is refused in words."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone {name!r}; use an IANA name such as Asia/Seoul or UTC",
            f"알 수 없는 시간대 {name!r}입니다. Asia/Seoul 또는 UTC 같은 IANA 이름을 쓰세요",
            code="bad_timezone",
            field="timezone",
        ) from exc


# An offset counts only after a clock time, so the day of a bare date ("2026-05-01") is not read as "-01".
_OFFSET = r":\d{2}(?:[.,]\d+)?\s*(?:[zZ]|UTC|[+-]\d{2}(?::?\d{2})?)$"
# Korean Excel writes "2026-05-01 오후 3:20:11"; moved behind the clock so pandas reads it as 3:20:11 PM.
_KOREAN_HALF_DAY = [(r"오전\s*([0-9:.]+)", r"\1 AM"), (r"오후\s*([0-9:.]+)", r"\1 PM")]


def reason_words(code: str, **fields: Any) -> tuple[str, str]:
    """English and Korean message of a reason code: the time reasons of this module (a number that is no time, a
    time without a date), else `validation.reason_text`'s."""
    value = fields.get("value")
    if code == "number_time":
        excel = fields.get("excel")
        fix_en = (
            f": it is the number Excel keeps for {excel}; format the column as a date (yyyy-mm-dd hh:mm) in Excel "
            "before saving the CSV, or import the .xlsx workbook itself"
            if excel
            else "; write the date and time as Excel shows them, e.g. 2026-05-01 08:00:00"
        )
        fix_ko = (
            f". 엑셀에서 {excel}(으)로 보이는 날짜의 숫자 값입니다. CSV로 저장하기 전에 엑셀에서 그 열의 표시 형식을 날짜"
            "(yyyy-mm-dd hh:mm)로 바꾸거나, .xlsx 통합 문서를 그대로 가져오세요"
            if excel
            else ". 엑셀에 보이는 대로 2026-05-01 08:00:00 처럼 날짜와 시각을 쓰세요"
        )
        return (
            f"time {value!r} is a number, not a date and time{fix_en} (a number is read as Unix time, seconds or "
            "milliseconds since 1970, only where that falls in 1990 or later)",
            f"시각 {value!r}은(는) 날짜·시각이 아닌 숫자입니다{fix_ko} (숫자는 1970년부터 센 초·밀리초, 즉 유닉스 시간으로 "
            "1990년 이후를 가리킬 때만 시각으로 읽습니다)",
        )
    if code == "time_without_date":
        return (
            f"time {value!r} has no date, and no day is guessed for it; add the date: map a date column to the role "
            "'date' (it is joined to this time), give the day of the whole sheet in the mapping (day: 2026-12-01), "
            "or write the date in each cell (2026-12-01 08:00)",
            f"시각 {value!r}에 날짜가 없고, 날짜를 짐작하지 않습니다. 날짜를 넣으세요: 날짜 열을 '날짜'(date) 역할로 지정하면 "
            "이 시각과 합쳐 읽고, 시트 전체의 날짜를 매핑에 적거나(day: 2026-12-01), 칸마다 날짜를 함께 쓸 수도 "
            "있습니다(2026-12-01 08:00)",
        )
    return reason_text(code, **fields)


def _localize(
    naive: pd.Series, zone: ZoneInfo | None, name: str, shown: pd.Series, rej: _Rejects
) -> pd.Series:
    """Naive local times to UTC in `zone`; without a zone they are rejected (we never guess one)."""
    known = naive.notna().to_numpy()
    if zone is None:
        rej.mark(known, "naive_time", name, _values(shown.to_numpy(dtype=object)))
        return pd.Series(pd.NaT, index=naive.index, dtype="datetime64[us, UTC]")
    # A local time that does not exist or exists twice (DST change) is not guessed either.
    local = naive.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    rej.mark(known & local.isna().to_numpy(), "bad_time", name, _values(shown.to_numpy(dtype=object)))
    return local.dt.tz_convert("UTC")


# A clock time with no date ("08:00", "오후 1:00", "1:00:30 PM"): pandas would put it on the day of the import.
CLOCK_ONLY = (
    r"^(?:(?:오전|오후)\s*)?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*(?:[AaPp]\.?[Mm]\.?|오전|오후))?$"
)
# A number written as text ("46363.354", "1733900000"); eight, twelve or fourteen digits are a date written without
# separators (20261207, 202612070830, 20261207083000), not one.
_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$"
_COMPACT_DATE = r"^\d{8}(?:\d{4}(?:\d{2})?)?$"
#: Unix times before this are no plant's record: 46363.354, the number Excel keeps for 2026-12-07 08:30, is
#: 1970-01-01 12:52:43 read as seconds.
_EPOCH_FLOOR_US = int(datetime(1990, 1, 1, tzinfo=UTC).timestamp() * 1e6)


def _parse_time(col: pa.ChunkedArray, name: str, origin: Origin, rej: _Rejects) -> pa.Array:
    """Timestamps to UTC. Zone-aware values convert; naive ones take the origin's timezone or are rejected. A number
    is Unix time only where it plausibly is one (`_epoch_micros`), and a clock time without a date is refused: neither
    is ever stored as 1970 or on the day of the import."""
    col = _array(col)
    typ = col.type
    if pa.types.is_dictionary(typ):
        return _parse_coded_time(col, name, origin, rej)
    if col.null_count:
        rej.mark(pc.is_null(col), "missing_field", name)
    if pa.types.is_timestamp(typ) and typ.tz is not None:
        # safe=False: sub-microsecond digits are truncated rather than refused.
        return pc.cast(col, TIME, safe=False)
    if pa.types.is_date(typ):
        col, typ = pc.cast(col, pa.timestamp("us")), pa.timestamp("us")
    if pa.types.is_timestamp(typ):
        series = pd.Series(pc.cast(col, pa.timestamp("us"), safe=False).to_pandas())
        out = _localize(series, _zone(origin), name, series.astype(str), rej)
        return pa.array(out, type=TIME)
    if pa.types.is_integer(typ) or pa.types.is_floating(typ):
        num = col.to_numpy(zero_copy_only=False).astype("float64")
        micros, plausible = _epoch_micros(num)
        rej.mark(np.isfinite(num) & ~plausible, "number_time", name, _number_details(col))
        return pa.array(micros, type=TIME, mask=~plausible)
    text = pc.utf8_trim_whitespace(col if pa.types.is_string(typ) else pc.cast(col, pa.string()))
    empty = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
    rej.mark(empty, "missing_field", name)
    has_zone = pc.fill_null(pc.match_substring_regex(text, _OFFSET), False).to_numpy(zero_copy_only=False)
    # Arrow's own ISO 8601 parser handles the common all-zoned and all-naive columns many times faster than
    # pandas; anything it refuses (other layouts, a clock time or a number alone, a bad cell) goes the slower way
    # below, which names the bad cells.
    if not empty.any() and (has_zone.all() or not has_zone.any()):
        try:
            if has_zone.all():
                return pc.cast(text, TIME)
            return _parse_time(pc.cast(text, pa.timestamp("us")), name, origin, rej)
        except pa.ArrowInvalid:
            pass
    clock = pc.fill_null(pc.match_substring_regex(text, CLOCK_ONLY), False).to_numpy(zero_copy_only=False)
    rej.mark(clock, "time_without_date", name, _values(text))
    number = pc.and_(
        pc.match_substring_regex(text, _NUMBER), pc.invert(pc.match_substring_regex(text, _COMPACT_DATE))
    )
    number = pc.fill_null(number, False).to_numpy(zero_copy_only=False)
    skip = empty | clock | number
    series = pd.Series(text.to_numpy(zero_copy_only=False), dtype=object)
    result = pd.Series(pd.NaT, index=series.index, dtype="datetime64[us, UTC]")
    if has_zone.any():
        result[has_zone] = pd.to_datetime(series[has_zone], utc=True, errors="coerce", format="ISO8601")
    if number.any():
        num = np.full(len(series), np.nan)
        num[number] = pd.to_numeric(series[number], errors="coerce").to_numpy(dtype="float64")
        micros, plausible = _epoch_micros(num)
        rej.mark(number & ~plausible, "number_time", name, _number_details(text))
        result[plausible] = pd.to_datetime(micros[plausible], unit="us", utc=True)
    naive = ~has_zone & ~skip
    if naive.any():
        parsed = pd.to_datetime(series[naive], errors="coerce", format="ISO8601")
        retry = parsed.isna()
        if retry.any():
            # Not ISO 8601: Korean half-day words, slashes, dots — read one by one (slower, but rare).
            again, ambiguous = _year_month_day(series[naive][retry].astype(str), origin)
            parsed[retry] = pd.to_datetime(again, errors="coerce", format="mixed", dayfirst=False)
            if ambiguous.any():
                parsed[ambiguous[ambiguous].index] = pd.NaT
                mask = np.zeros(len(series), dtype=bool)
                mask[ambiguous[ambiguous].index.to_numpy()] = True
                rej.mark(mask, "ambiguous_date", name, _values(series.to_numpy()))
        full = pd.Series(pd.NaT, index=series.index, dtype="datetime64[us]")
        full[naive] = parsed.astype("datetime64[us]")
        local = _localize(full, _zone(origin), name, series, rej)
        result[naive] = local[naive]
    rej.mark(result.isna().to_numpy() & ~empty, "bad_time", name, _values(series.to_numpy()))
    return pa.array(result, type=TIME)


def _epoch_micros(num: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as Unix time in µs — the magnitude tells seconds, ms, µs and ns apart — and which of them plausibly
    are one: finite, and no earlier than 1990."""
    size = np.abs(np.nan_to_num(num))
    scale = np.select([size >= 1e17, size >= 1e14, size >= 1e11], [1e-3, 1.0, 1e3], 1e6)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = num * scale
        plausible = np.isfinite(scaled) & (scaled >= _EPOCH_FLOOR_US) & (scaled < 9e18)
    micros = np.where(plausible, np.nan_to_num(scaled), 0).astype("int64")
    return micros, plausible


def _number_details(written: Any) -> Details:
    """A time given as a number, with the date Excel shows for it when it is one of Excel's date numbers."""
    return lambda idx: ({"value": v, "excel": excel_serial_text(v)} for v in _pick(written, idx))


#: Day 0 of Excel's two date systems, as µs since 1970: 1900 (serial 1 is 1900-01-01, counted as if 1900 had a
#: 29 February, as Lotus 1-2-3 did) and 1904 (serial 0 is 1904-01-01, a workbook's date1904 flag).
_EXCEL_DAY0_US = {
    1900: int(datetime(1899, 12, 30, tzinfo=UTC).timestamp() * 1e6),
    1904: int(datetime(1904, 1, 1, tzinfo=UTC).timestamp() * 1e6),
}
#: The serial number of 9999-12-31 in each system, Excel's last day.
_EXCEL_LAST = {1900: 2_958_465, 1904: 2_957_003}
_DAY_US = 86_400_000_000


def excel_serials(serial: np.ndarray, system: int = 1900) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Excel serial date numbers (days since day 0, the time of day as the fraction) as naive wall times in µs since
    1970, with which of them are dates Excel shows (1 to 9999-12-31) and which are a time of day alone (0 to 1:
    Excel's time cells). In the 1900 system serials below 61 fall before Excel's phantom 1900-02-29 (serial 60, a
    date that does not exist, which is neither); times are rounded to the millisecond, as Excel shows them.
    Source: ECMA-376 Part 1, §18.17.4 (date systems)."""
    num = np.asarray(serial, dtype="float64")
    with np.errstate(invalid="ignore"):
        days = np.floor(num)
        millis = np.round((num - days) * 86_400_000)
        first = 0 if system == 1904 else 1
        dates = np.isfinite(num) & (num >= first) & (num < _EXCEL_LAST[system] + 1)
        clock = np.isfinite(num) & (num >= 0) & (num < 1)
        if system == 1900:
            dates &= (num < 60) | (num >= 61)
            days = np.where(num < 60, days + 1, days)
    micros = _EXCEL_DAY0_US[system] + np.nan_to_num(days).astype("int64") * _DAY_US
    micros += np.nan_to_num(millis).astype("int64") * 1000
    return np.where(dates | clock, micros, 0), dates & ~clock, clock


def excel_serial_text(value: Any) -> str | None:
    """The date and time Excel shows for a serial date number (1900 system), e.g. '2026-12-07 08:30'; None for a
    value that is no such number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    micros, dates, _ = excel_serials(np.array([number]))
    # before 1910: no date a plant's record is on
    if not dates[0] or number < 3653:
        return None
    shown = datetime(1970, 1, 1) + timedelta(microseconds=int(micros[0]))
    return shown.strftime("%Y-%m-%d" if shown.time() == datetime.min.time() else "%Y-%m-%d %H:%M")


# Dates as people type them, rewritten year-month-day before pandas reads them: dateutil's day-first reading would
# turn the year-first 2026-12-05 into 12 May as well.
_YEAR_FIRST = r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\.?(?=$|\s|T)(.*)$"
_KOREAN_DATE = r"^(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일(.*)$"
# yy.mm.dd, Korean's short date (26.12.07 is 7 December 2026)
_SHORT_KOREAN = r"^(\d{2})\.(\d{1,2})\.(\d{1,2})\.?(?=$|\s)(.*)$"
_NUMERIC_DATE = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})\b(.*)$"


def _year_month_day(text: pd.Series, origin: Origin) -> tuple[pd.Series, pd.Series]:
    """Naive date texts rewritten with the date year-month-day, and which of them are ambiguous.

    A four-digit year in front (2026-12-05, 2026. 12. 5., 2026/12/05, 2026년 12월 5일) is always year-month-day, and
    yy.mm.dd (26.12.05) is too unless the caller states a day/month order. Dates with the year behind (5/12/2026,
    5.12.26, 5-12-2026) are read as the origin's `date_order` says, else day first when some such date has a day
    above 12 in front (25/12/2026) and none behind, month first for the opposite — and the origin keeps what the
    batch settled for the batches after it. With neither, a date whose two numbers could each be the month
    (5/12/2026, not 5/5/2026) is ambiguous and marked, never guessed."""
    # full-width digits and dashes, as some input methods type them
    text = text.str.normalize("NFKC").str.strip()
    for pattern, repl in _KOREAN_HALF_DAY:
        text = text.str.replace(pattern, repl, regex=True)
    ambiguous = pd.Series(False, index=text.index)
    done = pd.Series(False, index=text.index)
    for pattern in (_YEAR_FIRST, _KOREAN_DATE):
        parts = text[~done].str.extract(pattern).dropna(subset=[0])
        text[parts.index] = _ymd(parts[0], parts[1], parts[2], parts[3])
        done[parts.index] = True
    if origin.stated_date_order is None:
        parts = text[~done].str.extract(_SHORT_KOREAN).dropna(subset=[0])
        text[parts.index] = _ymd(_full_year(parts[0]), parts[1], parts[2], parts[3])
        done[parts.index] = True
    parts = text[~done].str.extract(_NUMERIC_DATE).dropna(subset=[0])
    if parts.empty:
        return text, ambiguous
    first, second = pd.to_numeric(parts[0]), pd.to_numeric(parts[1])
    if origin.date_order is None:
        day_first = bool(((first > 12) & (second <= 12)).any())
        if day_first != bool(((second > 12) & (first <= 12)).any()):
            origin.date_order = "dmy" if day_first else "mdy"
    if origin.date_order is not None:
        day_first = pd.Series(origin.date_order == "dmy", index=parts.index)
    else:
        day_first = first > 12
        ambiguous[parts.index] = (first <= 12) & (second <= 12) & (first != second)
    day, month = first.where(day_first, second), second.where(day_first, first)
    text[parts.index] = _ymd(_full_year(parts[2]), month, day, parts[3])
    return text, ambiguous


def _ymd(year: pd.Series, month: pd.Series, day: pd.Series, rest: pd.Series) -> pd.Series:
    def padded(numbers: pd.Series, width: int) -> pd.Series:
        return pd.to_numeric(numbers).astype(int).astype(str).str.zfill(width)

    return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + rest.fillna("")


def _full_year(year: pd.Series) -> pd.Series:
    """A year of two digits as the one within 50 years of now that ends so (26 → 2026), as dateutil reads it."""
    number = pd.to_numeric(year)
    if number.empty or number.min() >= 100:
        return number
    now = datetime.now(UTC).year
    full = number.where(number >= 100, number + now // 100 * 100)
    return full.where((number >= 100) | (full < now + 50), full - 100)


def _parse_coded_time(col: pa.DictionaryArray, name: str, origin: Origin, rej: _Rejects) -> pa.Array:
    """A dictionary-encoded time column (e.g. several signals sharing each time stamp): every distinct entry is
    parsed once and the result spread over the rows, with the same reasons per row as the plain column."""
    entries = _Rejects(len(col.dictionary))
    parsed = _parse_time(col.dictionary, name, origin, entries)
    indices = col.indices
    if indices.null_count:
        rej.mark(pc.is_null(indices), "missing_field", name)
    at = pc.fill_null(indices, 0) if indices.null_count else indices
    at = at.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if entries.any:
        row_code = entries.code[at]
        for number, (code, field_name) in enumerate(entries.kinds):
            if number:
                rej.mark(
                    row_code == number,
                    code,
                    field_name,
                    lambda idx: (entries.detail.get(j, {}) for j in at[idx].tolist()),
                )
    return _array(pc.take(parsed, indices))


_EARLIEST_US = int(datetime(1900, 1, 1, tzinfo=UTC).timestamp() * 1e6)


def _check_future(
    times: pa.Array, written: pa.ChunkedArray, name: str, origin: Origin, rej: _Rejects
) -> None:
    """Reject times more than a day ahead (a machine clock set wrong) and before 1900 (a mistyped year, which no
    date arithmetic downstream could take). A rejected time is quoted as written (`written`, the column as
    received); a future one also says the instant it was read as, in the zone it was read in."""
    limit = int((datetime.now(UTC).timestamp() + FUTURE_TOLERANCE_S) * 1e6)
    latest, earliest = pc.max(times).value, pc.min(times).value
    if latest is None or (latest <= limit and earliest >= _EARLIEST_US):
        return
    micros = pc.cast(times, pa.int64()).to_numpy(zero_copy_only=False)
    if times.null_count:
        micros = np.nan_to_num(micros.astype("float64"), nan=_EARLIEST_US)
    rej.mark(
        micros < _EARLIEST_US,
        "early_time",
        name,
        lambda idx: ({"value": _cell(v)} for v in _pick(written, idx)),
    )

    def future(idx: np.ndarray) -> Iterable[dict[str, Any]]:
        for v, at in zip(_pick(written, idx), micros[idx].tolist(), strict=True):
            text = _cell(v)
            # the zone it was read in: none to name where the text carries its offset, UTC for epoch numbers
            number = isinstance(v, int | float) or (isinstance(v, str) and re.match(_NUMBER, v.strip()))
            zone = None if _has_offset(v, text) else "UTC" if number else origin.timezone
            instant = datetime.fromtimestamp(0, UTC) + timedelta(microseconds=int(at))
            yield {"value": text, "instant": instant, "zone": zone}

    rej.mark(micros > limit, "future_time", name, future)


def _cell(value: Any) -> Any:
    """A received time as the user wrote it: text as is, a spreadsheet's date-time as Excel shows it."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value.isoformat() if isinstance(value, date) else value


def _has_offset(value: Any, text: Any) -> bool:
    if isinstance(value, datetime):
        return value.tzinfo is not None
    return isinstance(text, str) and re.search(_OFFSET, text.strip()) is not None


def _parse_number(col: pa.ChunkedArray | pa.Array, name: str, rej: _Rejects) -> np.ndarray:
    """Numbers as float64; text may use thousands separators ("1,234.5"). NaN and ±inf are rejected."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    typ = col.type
    if (
        pa.types.is_floating(typ)
        or pa.types.is_integer(typ)
        or pa.types.is_boolean(typ)
        or pa.types.is_decimal(typ)
    ):
        values = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
        bad = ~np.isfinite(values)
        if bad.any():
            rej.mark(bad & col.is_null().to_numpy(zero_copy_only=False), "missing_field", name)
            rej.mark(bad, "bad_number", name, _values(values, field=name))
        return values
    text = col if pa.types.is_string(typ) else pc.cast(col, pa.string())
    # commas only between thousands (1,234.5): a decimal comma (12,3, 1.200,5) was read as 123 and 1.2005 and
    # stored; left in, it is refused as not a number and kept in quarantine as written
    grouped = pc.and_(pc.match_substring(text, ","), pc.match_substring_regex(text, THOUSANDS))
    cleaned = pc.utf8_trim_whitespace(pc.if_else(grouped, pc.replace_substring(text, ",", ""), text))
    try:
        # Arrow parses a clean column in one pass; a bad cell makes it refuse, and pandas then finds which.
        values = pc.cast(
            pc.if_else(pc.equal(cleaned, ""), pa.scalar(None, pa.string()), cleaned), pa.float64()
        )
        return _parse_number(values, name, rej)
    except pa.ArrowInvalid:
        pass
    values = pd.to_numeric(pd.Series(cleaned.to_numpy(zero_copy_only=False)), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    bad = ~np.isfinite(values)
    if bad.any():
        rej.mark(
            bad & pc.fill_null(pc.equal(cleaned, ""), True).to_numpy(zero_copy_only=False),
            "missing_field",
            name,
        )
        rej.mark(bad, "bad_number", name, _values(text, field=name))
    return values


def _strings(table: pa.Table, name: str, default: str | None = None) -> pa.Array:
    """A text column, trimmed; absent columns become `default`."""
    if name not in table.column_names:
        return (
            pa.nulls(table.num_rows, pa.string()) if default is None else pa.array([default] * table.num_rows)
        )
    col = table[name].combine_chunks()
    if not pa.types.is_string(col.type):
        col = as_text(col)
    return pc.utf8_trim_whitespace(col)


def as_text(col: pa.Array) -> pa.Array:
    """A column as text, a whole number in a column of decimals as its integer: the barcode 20261204000120 a
    spreadsheet or a DataFrame kept as a number, not '2.026120400012e+13'."""
    if pa.types.is_floating(col.type):
        num = col.to_numpy(zero_copy_only=False).astype("float64")
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(num) & (np.abs(num) < 9e18)
            whole[whole] = num[whole] == np.trunc(num[whole])
        if whole.any():
            ints = pc.cast(pa.array(np.where(whole, num, 0).astype("int64")), pa.string())
            return pc.if_else(pa.array(whole), ints, pc.cast(col, pa.string()))
    return pc.cast(col, pa.string())


_PARALLEL_ROWS = 100_000


@functools.cache
def _labels_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandan-labels")


@dataclass
class _Labels:
    """A text column of few distinct values (machine, signal, unit) as codes into a small, trimmed dictionary.

    Checks run once per distinct value instead of once per row; that is what keeps ingestion near insert speed.
    """

    text: pa.Array  # trimmed strings, one per row
    codes: np.ndarray  # int32 index into `values`, -1 where empty
    values: list[str]

    @classmethod
    def of(cls, table: pa.Table, name: str) -> _Labels:
        col = (
            table[name].combine_chunks()
            if name in table.column_names
            else pa.nulls(table.num_rows, pa.string())
        )
        enc = None
        if pa.types.is_dictionary(col.type) and pa.types.is_string(col.type.value_type):
            # already coded (MQTT batches): usable as is when its entries are distinct and not null
            entries = col.dictionary
            if not entries.null_count and len(pc.unique(entries)) == len(entries):
                enc = col
        if not pa.types.is_string(col.type):
            col = as_text(col)
        if enc is None:
            enc = pc.dictionary_encode(col)
        values = enc.dictionary.to_pylist()
        trimmed = [v.strip() for v in values]
        indices = pc.fill_null(enc.indices, -1) if enc.indices.null_count else enc.indices
        codes = indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
        if trimmed != values:
            # Padded spellings ("M1 " and "M1") are the same label: renumber onto the trimmed set.
            unique = list(dict.fromkeys(trimmed))
            remap = np.array([unique.index(t) for t in trimmed] + [-1], dtype=np.int32)
            codes, values = remap[codes], unique
            col = pc.take(pa.array(values, type=pa.string()), pa.array(np.where(codes < 0, 0, codes)))
            col = (
                pc.if_else(pa.array(codes < 0), pa.scalar(None, pa.string()), col)
                if (codes < 0).any()
                else col
            )
        if "" in values:
            codes = np.where(codes == values.index(""), -1, codes).astype(np.int32)
        return cls(col, codes, values)

    def per_row(self, per_value: np.ndarray, missing: Any) -> np.ndarray:
        """Spread a per-value array over the rows (`missing` for empty rows)."""
        return np.append(per_value, np.asarray([missing], dtype=per_value.dtype))[self.codes]


def _required(labels: _Labels, name: str, rej: _Rejects) -> None:
    if len(labels.codes) and labels.codes.min() < 0:
        rej.mark(labels.codes < 0, "missing_field", name)
    _labels_without_nul(labels, name, rej)


def _labels_without_nul(labels: _Labels, name: str, rej: _Rejects) -> None:
    """Rows whose label holds a NUL character (judged on the few distinct values): PostgreSQL refuses the byte in
    text, so the whole batch failed there with a driver error while DuckDB stored it."""
    nul = np.array(["\x00" in v for v in labels.values], dtype=bool)
    if nul.any():
        rej.mark(labels.per_row(nul, False), "nul_character", name, _values(labels.text))


def _texts_without_nul(table: pa.Table, names: Sequence[str], rej: _Rejects) -> None:
    """Rows whose free text (part id, lot, note…) holds a NUL character, as `_labels_without_nul`."""
    for name in names:
        if name not in table.column_names:
            continue
        col = table[name]
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        rej.mark(pc.match_substring(col, "\x00"), "nul_character", name, _values(col))


def _check_machines(store: Store, company_id: str, machines: _Labels, rej: _Rejects) -> None:
    known = {m.id for m in store.list_machines(company_id)}
    unknown = np.array([v not in known for v in machines.values], dtype=bool)
    if unknown.any():
        rej.mark(machines.per_row(unknown, False), "unknown_machine", "machine_id", _values(machines.text))


def _raw_rows(table: pa.Table, idx: np.ndarray) -> list[str]:
    rows = table.take(pa.array(idx, type=pa.int64())).to_pylist()
    return [json.dumps(r, ensure_ascii=False, default=str) for r in rows]


def _has_duplicates(key: np.ndarray) -> bool:
    """Exact test for repeated int64 keys: a sort and one comparison, far cheaper than hashing groups."""
    ordered = np.sort(key)
    return bool((ordered[1:] == ordered[:-1]).any())


def _split_duplicates(
    good: pa.Table, ok_idx: np.ndarray, keys: list[str], rej: _Rejects, origin: Origin, receipt: Receipt
) -> tuple[pa.Table, np.ndarray]:
    """Repeats of a key inside the batch: identical ones are counted as duplicates, others quarantined. Returns
    the rows kept and their indices in the batch."""
    frame = good.to_pandas()
    repeat = frame.duplicated(subset=keys, keep="first").to_numpy()
    if not repeat.any():
        return good, ok_idx
    identical = frame.duplicated(keep="first").to_numpy()
    first = pd.Series(ok_idx).groupby([frame[k] for k in keys], sort=False, dropna=False).transform("min")
    receipt.duplicates += int((repeat & identical).sum())
    conflict = repeat & ~identical
    mask = np.zeros(rej.n, dtype=bool)
    mask[ok_idx[conflict]] = True
    first_row = dict(zip(ok_idx[conflict].tolist(), first.to_numpy()[conflict].tolist(), strict=True))
    rej.mark(
        mask,
        "conflicting_duplicate",
        keys[-1],
        lambda idx: ({"value": f"row {origin.row_of(first_row[i])}"} for i in idx.tolist()),
    )
    return good.filter(pa.array(~repeat)), ok_idx[~repeat]


PART_VALUES = ("result", "defect_type", "lot_id", "product", "params", "measures")


def _empty(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, float) and math.isnan(v))


def _shown(v: Any) -> str:
    return "—" if _empty(v) else str(v)


def _same(a: Any, b: Any, field: str) -> bool:
    if field in ("params", "measures"):
        x, y = (json.loads(v) if isinstance(v, str) and v else {} for v in (a, b))
        return x.keys() == y.keys() and all(
            x[k] == y[k]
            or (isinstance(x[k], float | int) and isinstance(y[k], float | int) and math.isclose(x[k], y[k]))
            for k in x
        )

    return (_empty(a) and _empty(b)) or a == b


def _differing_parts(
    store: Store, company_id: str, good: pa.Table, idx: np.ndarray, rej: _Rejects
) -> tuple[pa.Table, np.ndarray]:
    """Part records whose key (machine, time, part) is stored already with other values — a corrected day
    exported again — are quarantined naming what differs ("result: ok → ng"), not counted as repeats and dropped;
    an identical one stays a repeat. Returns the rows left to write and their indices in the batch."""
    times = pc.min_max(good["time"]).as_py()
    machines = pc.unique(good["machine_id"]).drop_null().to_pylist()
    stored = store.query_parts(
        company_id, times["min"], times["max"] + timedelta(microseconds=1), machines, ordered=False
    )
    if not stored.num_rows:
        return good, idx
    keys = ["machine_id", "time", "part_id"]
    mine = good.select([*keys, *PART_VALUES]).to_pandas()
    mine["_row"] = np.arange(len(mine))
    both = mine.merge(stored.select([*keys, *PART_VALUES]).to_pandas(), on=keys, suffixes=("", "_stored"))
    changed: dict[int, str] = {}
    for rec in both.to_dict("records"):
        diffs = [f for f in PART_VALUES if not _same(rec[f], rec[f + "_stored"], f)]
        if diffs:
            changed[int(rec["_row"])] = ", ".join(
                f"{f}: {_shown(rec[f + '_stored'])} → {_shown(rec[f])}"
                if f not in ("params", "measures")
                else f
                for f in diffs
            )
    if not changed:
        return good, idx
    rows = np.array(sorted(changed))
    mask = np.zeros(rej.n, dtype=bool)
    mask[idx[rows]] = True
    by_batch = {int(idx[r]): changed[r] for r in rows.tolist()}
    rej.mark(mask, "differs_from_stored", "part_id", lambda at: ({"value": by_batch[i]} for i in at.tolist()))
    keep = np.ones(good.num_rows, dtype=bool)
    keep[rows] = False
    return good.filter(pa.array(keep)), idx[keep]


def _append_registered(
    append: Callable[..., int],
    company_id: str,
    valid: pa.Table,
    good: pa.Table,
    good_idx: np.ndarray,
    rej: _Rejects,
) -> tuple[int, pa.Table, np.ndarray]:
    """Write `good`, the store making sure under its write lock that the company and the batch's machines are
    still registered: rows of a machine deleted since the batch was checked are rejected as unknown (quarantined with
    the rest) and the others written. The rows inserted, and the rows and row numbers that were to be written."""
    while True:
        try:
            return append(company_id, good, check_registered=True), good, good_idx
        except MachinesGone as gone:
            lost = pc.is_in(good["machine_id"], value_set=pa.array(gone.machine_ids)).to_numpy(
                zero_copy_only=False
            )
            rows = np.zeros(rej.n, dtype=bool)
            rows[good_idx[lost]] = True
            rej.mark(rows, "unknown_machine", "machine_id", _values(valid["machine_id"]))
            good, good_idx = good.filter(pa.array(~lost)), good_idx[~lost]
            if not good.num_rows:
                return 0, good, good_idx


def _finish(
    store: Store,
    company_id: str,
    kind: str,
    table: pa.Table,
    rej: _Rejects,
    origin: Origin,
    valid: pa.Table,
    keys: list[str],
    append: Callable[[str, pa.Table], int],
    has_repeats: Callable[[np.ndarray | None], bool] | None = None,
    dry_run: bool = False,
    stored_differs: Callable[..., tuple[pa.Table, np.ndarray]] | None = None,
) -> Receipt:
    """Drop in-batch repeats, quarantine the rejects with where and why, write the rest, count what happened.

    `has_repeats(ok)`, when given, is a fast exact test for repeated keys among the rows `ok` (None: all rows).
    A `dry_run` writes nothing and quarantines nothing: its receipt has every issue, `accepted` counts the rows
    that pass the checks, and repeats of rows already stored are not looked for (that needs the write); rows that
    would change a stored record (`stored_differs`) are found, as the import would find them.
    """
    receipt = Receipt(batch_id=origin.batch_id, source=origin.source, kind=kind, received=table.num_rows)
    if dry_run:
        receipt.issue_limit = sys.maxsize
    ok = rej.ok if rej.any else None
    good = valid.filter(pa.array(ok)) if ok is not None else valid
    good_idx = np.flatnonzero(ok) if ok is not None else np.arange(table.num_rows)
    if good.num_rows > 1 and (has_repeats is None or has_repeats(ok)):
        good, good_idx = _split_duplicates(good, good_idx, keys, rej, origin, receipt)
    if dry_run and stored_differs is not None and good.num_rows:
        good, good_idx = stored_differs(good, good_idx, rej)
    write = good.num_rows and not dry_run
    if write:
        inserted, good, good_idx = _append_registered(append, company_id, valid, good, good_idx, rej)
    else:
        inserted = good.num_rows
    repeats = good.num_rows - inserted
    if stored_differs is not None and repeats:
        # rows not written repeat a stored key: those with other values are a correction, not a repeat
        left, _ = stored_differs(good, good_idx, rej)
        repeats -= good.num_rows - left.num_rows
    if rej.any:
        bad_idx = np.flatnonzero(~rej.ok)
        items = []
        for i, raw in zip(bad_idx.tolist(), _raw_rows(table, bad_idx), strict=True):
            code, fname = rej.kinds[rej.code[i]]
            column = origin.columns.get(fname, fname)
            detail = dict(rej.detail.get(i, {}))
            if "field" in detail:  # a parameter's or measurement's role, named by the file's own column
                detail["field"] = origin.columns.get(str(detail["field"]), detail["field"])
            en, ko = reason_words(code, **{"field": column, **detail})
            location: dict[str, Any] = {"row": origin.row_of(i), "column": column}
            if column != fname:
                location["field"] = fname  # the record's own key, for a fix on the quarantine page
            if origin.file:
                location["file"] = origin.file
            if origin.timezone:
                location["timezone"] = origin.timezone  # so a replay reads the times the same way
            items.append(QuarantineItem(origin.source, kind, raw, code, en, ko, location, origin.batch_id))
            if len(receipt.issues) < receipt.issue_limit:
                receipt.issues.append({**location, "code": code, "message": {"en": en, "ko": ko}})
        if origin.quarantine and not dry_run:
            receipt.already_quarantined = len(items) - store.add_quarantine(
                company_id, items, check_registered=True
            )
        receipt.rejected = len(items)
        counts = np.bincount(rej.code[bad_idx], minlength=len(rej.kinds))
        for number, (code, _) in enumerate(rej.kinds):
            if number and counts[number]:
                receipt.reasons[code] = receipt.reasons.get(code, 0) + int(counts[number])
    receipt.accepted = inserted
    if good.num_rows and "machine_id" in good.column_names:
        receipt.machines = sorted(pc.unique(good["machine_id"]).drop_null().to_pylist())
    receipt.duplicates += repeats
    return receipt


def ingest_readings(
    store: Store,
    company_id: str,
    data: Any,
    origin: Origin | None = None,
    *,
    register_signals: bool = False,
    dry_run: bool = False,
) -> Receipt:
    """Validate and store sensor readings (time, machine_id, signal, value[, unit]).

    Valid rows are written, idempotently on (machine_id, signal, time); each invalid row goes to quarantine with
    its reason. With `register_signals`, a signal seen for the first time on a known machine is defined on the fly.
    A `unit` other than the signal's is converted (pint); an empty unit means the signal's own.
    A `dry_run` checks the rows the same way and writes nothing: no readings, no quarantine, no new signals (the
    ones it would define are named in the receipt and used for the checks).
    """
    origin = origin or Origin(source="api")
    table = _to_table(data, "readings")
    _require(table, ["time", "machine_id", "signal", "value"], origin, "readings")
    rej = _Rejects(table.num_rows)
    if table.num_rows >= _PARALLEL_ROWS:
        # Coding the two label columns is most of the validation's own time; Arrow releases the GIL, so on large
        # batches both run at once (the store's insert uses every core too).
        machines_f = _labels_pool().submit(_Labels.of, table, "machine_id")
        signals = _Labels.of(table, "signal")
        machines = machines_f.result()
    else:
        machines = _Labels.of(table, "machine_id")
        signals = _Labels.of(table, "signal")
    _required(machines, "machine_id", rej)
    _required(signals, "signal", rej)
    times = _parse_time(table["time"], "time", origin, rej)
    values = _parse_number(table["value"], "value", rej)
    _check_machines(store, company_id, machines, rej)
    _check_future(times, table["time"], "time", origin, rej)

    # Each (machine, signal) pair gets one number; the signal definition is looked up once per pair.
    n_sig = max(len(signals.values), 1)
    pair = machines.codes.astype(np.int64)
    pair *= n_sig
    pair += signals.codes
    if len(pair) and min(machines.codes.min(), signals.codes.min()) < 0:
        pair[(machines.codes < 0) | (signals.codes < 0)] = -1
    present = _present(pair[rej.ok] if rej.any else pair, len(machines.values) * n_sig)
    defined = store.list_signals(company_id)
    index = {(s.machine_id, s.name): i for i, s in enumerate(defined)}
    pair_names = [(machines.values[p // n_sig], signals.values[p % n_sig]) for p in present.tolist()]
    registered: list[str] = []
    if register_signals:
        new = [(m, s) for m, s in pair_names if (m, s) not in index]
        if new:
            units = _first_units(table, pair, present, pair_names, new)
            fresh = [
                Signal(company_id=company_id, machine_id=m, name=s, unit=units.get((m, s), ""))
                for m, s in new
            ]
            if not dry_run:
                store.upsert_signals(company_id, fresh)
            for s in fresh:
                index[(s.machine_id, s.name)] = len(defined)
                defined.append(s)
            registered = [f"{s.machine_id}/{s.name}" for s in fresh]
    # Row -> position of its signal definition (-1: not defined), through a per-pair lookup table.
    pair_pos = np.array([index.get(p, -1) for p in pair_names], dtype=np.int64)
    n_pairs = len(machines.values) * n_sig
    if n_pairs <= 1 << 22:
        lookup = np.full(n_pairs + 1, -1, dtype=np.int64)  # the extra last slot answers pair -1
        lookup[present] = pair_pos
        pos = lookup[pair]
    else:
        slot = np.clip(np.searchsorted(present, pair), 0, max(len(present) - 1, 0))
        pos = np.where(present[slot] == pair, pair_pos[slot], -1) if len(present) else np.full(len(pair), -1)
    unknown = (pos < 0) & (pair >= 0)
    if unknown.any():
        rej.mark(
            unknown,
            "unknown_signal",
            "signal",
            lambda idx: (
                {"value": s, "machine": m}
                for s, m in zip(_pick(signals.text, idx), _pick(machines.text, idx), strict=True)
            ),
        )
    if "unit" in table.column_names:
        values = _convert_units(values, _Labels.of(table, "unit"), pos, defined, rej)
    lo = np.array([-np.inf if s.min_value is None else s.min_value for s in defined] + [-np.inf])
    hi = np.array([np.inf if s.max_value is None else s.max_value for s in defined] + [np.inf])
    # One pass over min and max settles the usual case where every value is inside every signal's range.
    in_all = not len(values) or (np.fmin.reduce(values) >= lo.max() and np.fmax.reduce(values) <= hi.min())
    if not in_all:
        lo_row, hi_row = lo[pos], hi[pos]  # pos -1 picks the open range appended last
        out = (values < lo_row) | (values > hi_row)
        if out.any():
            rej.mark(
                out,
                "out_of_range",
                "value",
                lambda idx: (
                    {"value": v, "signal": s, "min": a, "max": b}
                    for v, s, a, b in zip(
                        values[idx].tolist(),
                        _pick(signals.text, idx),
                        lo_row[idx].tolist(),
                        hi_row[idx].tolist(),
                        strict=True,
                    )
                ),
            )
    valid = pa.Table.from_arrays(
        [times, machines.text, signals.text, pa.array(values, type=pa.float64())], schema=READING_SCHEMA
    )
    receipt = _finish(
        store,
        company_id,
        "reading",
        table,
        rej,
        origin,
        valid,
        ["machine_id", "signal", "time"],
        store.append_readings,
        _reading_key(pair, times, n_pairs),
        dry_run,
    )
    receipt.signals_registered = registered
    return receipt


def _present(pair: np.ndarray, n_pairs: int) -> np.ndarray:
    """The distinct pair numbers, sorted; counting beats sorting when the pair space is small."""
    if len(pair) and pair.min() < 0:
        pair = pair[pair >= 0]
    if n_pairs <= 1 << 22:
        return np.flatnonzero(np.bincount(pair, minlength=n_pairs))
    return np.unique(pair)


def _reading_key(pair: np.ndarray, times: pa.Array, n_pairs: int) -> Callable[[np.ndarray], bool]:
    """An exact test for repeated (machine, signal, time) among the rows `ok`.

    Batches usually arrive ordered by time (connectors) or by series (exports); a strictly ordered batch cannot
    hold a repeat, which one linear pass proves. Otherwise (pair, time) packed into one int64 is sorted.
    """

    def has_repeats(ok: np.ndarray | None) -> bool:
        micros = pc.cast(times, pa.int64())
        micros = (pc.fill_null(micros, 0) if micros.null_count else micros).to_numpy(zero_copy_only=False)
        p, t = (pair, micros) if ok is None else (pair[ok], micros[ok])
        if len(t) < 2:
            return False
        lo = int(t.min())
        span = int(t.max()) - lo + 1
        if (n_pairs + 2) * span >= 1 << 62:
            order = np.lexsort((t, p))
            return bool(((np.diff(p[order]) == 0) & (np.diff(t[order]) == 0)).any())
        # In place: each temporary array of a million int64 costs as much as the comparison itself.
        by_time = np.subtract(t, lo)
        by_time *= n_pairs + 1
        by_time += p
        if np.greater(by_time[1:], by_time[:-1]).all():
            return False
        by_series = (p + 1) * span + (t - lo)
        return bool((by_series[1:] <= by_series[:-1]).any()) and _has_duplicates(by_series)

    return has_repeats


def _first_units(
    table: pa.Table, pair: np.ndarray, present: np.ndarray, names: list[tuple[str, str]], new: list
) -> dict[tuple[str, str], str]:
    """The unit given with the first reading of each new signal, used as that signal's unit."""
    if "unit" not in table.column_names:
        return {}
    units = _strings(table, "unit", "")
    _, first = np.unique(pair, return_index=True)
    first_of = dict(zip(np.unique(pair).tolist(), first.tolist(), strict=True))
    wanted = set(new)
    out = {}
    for p, name in zip(present.tolist(), names, strict=True):
        if name in wanted:
            out[name] = units[first_of[p]].as_py() or ""
    return out


def _convert_units(
    values: np.ndarray, units: _Labels, pos: np.ndarray, defined: list[Signal], rej: _Rejects
) -> np.ndarray:
    """Convert values given in another unit than their signal's (e.g. °F to °C, bar to MPa) with pint."""
    target_of = [s.unit for s in defined] + [""]
    n_units = max(len(units.values), 1)
    combo = np.where(units.codes < 0, -1, pos * n_units + units.codes)
    # Only (signal, unit) combinations whose unit differs from the signal's need work.
    todo = []
    for c in np.unique(combo[combo >= 0]).tolist():
        given, target = units.values[c % n_units], target_of[c // n_units]
        if given != target:
            todo.append((c, given, target))
    if not todo:
        return values
    import pint

    ureg = _unit_registry(pint)
    out = values.copy()
    bad = np.zeros(len(values), dtype=bool)
    for c, given, target in todo:
        rows = combo == c
        try:
            if not target:
                raise ValueError("signal has no unit")
            out[rows] = ureg.Quantity(out[rows], _unit_name(given)).to(_unit_name(target)).magnitude
        except Exception:  # pint raises several error types for unknown or incompatible units
            bad |= rows
    target_row = np.array(target_of, dtype=object)[pos]
    rej.mark(
        bad,
        "bad_unit",
        "unit",
        lambda idx: (
            {"value": u, "unit": t} for u, t in zip(_pick(units.text, idx), target_row[idx], strict=True)
        ),
    )
    return out


_UREG = None


def _unit_registry(pint):
    global _UREG
    if _UREG is None:
        _UREG = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    return _UREG


def _unit_name(unit: str) -> str:
    aliases = {
        "°C": "degC",
        "℃": "degC",
        "C": "degC",
        "°F": "degF",
        "℉": "degF",
        "F": "degF",
        "K": "kelvin",
        "rpm": "revolutions_per_minute",
        "%": "percent",
    }
    return aliases.get(unit.strip(), unit.strip())


def _json_numbers(col: pa.Array, field_name: str, rej: _Rejects) -> list[dict[str, float] | None]:
    """Parameters or measures given as a JSON object of name -> number; anything else is rejected."""
    out: list[dict[str, float] | None] = []
    bad = np.zeros(len(col), dtype=bool)
    details: dict[int, dict[str, Any]] = {}
    for i, v in enumerate(col.to_pylist()):
        if v is None or v == "":
            out.append(None)
            continue
        try:
            obj = json.loads(v) if isinstance(v, str) else v
            if not isinstance(obj, dict):
                raise ValueError
            clean = {}
            for k, x in obj.items():
                if x is None:
                    continue
                num = float(without_thousands(x)) if isinstance(x, str) else float(x)
                if not math.isfinite(num):
                    raise ValueError(k)
                clean[str(k)] = num
            out.append(clean)
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            bad[i] = True
            details[i] = {
                "value": str(v)[:200],
                "field": f"{field_name}{('.' + str(exc)) if str(exc) else ''}",
            }
            out.append(None)
    rej.mark(bad, "bad_number", field_name, lambda idx: (details[i] for i in idx.tolist()))
    return out


class _SignalLimits:
    """Each row's valid range of a named quantity: the range of the row's machine's signal of that name (a part's
    parameter or measurement named like one of its machine's signals is that quantity, with its limits), else the
    physical floor of its process family's measurement of that name (`Measure.valid_min`)."""

    def __init__(self, store: Store, company_id: str, machines: _Labels) -> None:
        from sandan.twin.process import MODELS  # the process families' measurements and their physical floors

        self.ranges = {
            (s.machine_id, s.name): (s.min_value, s.max_value)
            for s in store.list_signals(company_id)
            if s.min_value is not None or s.max_value is not None
        }
        # a measurement of the machine's process that cannot be negative (a burr height of -0.5 mm), unless the
        # machine has a signal of that name with a range of its own
        self.floors: set[tuple[str, str]] = set()
        for m in store.list_machines(company_id):
            model = MODELS.get(m.family)
            for measure in model.MEASURES if model is not None else ():
                if measure.valid_min is not None and (m.id, measure.name) not in self.ranges:
                    self.ranges[(m.id, measure.name)] = (measure.valid_min, None)
                    self.floors.add((m.id, measure.name))
        self.names = {name for _, name in self.ranges}
        self.machines = machines
        self._rows: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def rows(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Per row (lowest, highest, whether the limit is the family's physical floor rather than a signal's
        range) of `name`, open where the row's machine has no such signal; None when none of the company's
        machines has."""
        if name not in self.names:
            return None
        if name not in self._rows:
            bounds = [self.ranges.get((m, name), (None, None)) for m in self.machines.values]
            lo = np.array([-np.inf if a is None else a for a, _ in bounds] + [-np.inf])
            hi = np.array([np.inf if b is None else b for _, b in bounds] + [np.inf])
            floor = np.array([(m, name) in self.floors for m in self.machines.values] + [False])
            codes = self.machines.codes  # -1 (no machine) picks the open range appended last
            self._rows[name] = (lo[codes], hi[codes], floor[codes])
        return self._rows[name]


def _mark_out_of_range(
    number: np.ndarray, name: str, limits: _SignalLimits | None, rej: _Rejects, field_name: str
) -> None:
    """Reject the rows whose `name` lies outside its machine's signal range (`out_of_range`) or below its process
    family's physical floor (`below_floor`), each with the limit it broke."""
    found = limits.rows(name) if limits is not None else None
    if found is None:
        return
    lo, hi, floor = found
    with np.errstate(invalid="ignore"):
        out = (number < lo) | (number > hi)

    def details(idx: np.ndarray) -> Iterable[dict]:
        return ({"value": number[i], "signal": name, "min": lo[i], "max": hi[i]} for i in idx.tolist())

    rej.mark(out & ~floor, "out_of_range", field_name, details)
    rej.mark(out & floor, "below_floor", field_name, details)


def _named_numbers(
    table: pa.Table, prefix: str, field_name: str, rej: _Rejects, limits: _SignalLimits | None = None
) -> pa.Array:
    """One JSON object text per row from a JSON column `field_name` and/or number columns `<prefix><name>`; a
    value outside the range of its machine's signal of the same name (`limits`) is rejected.

    Number columns are joined into JSON text with Arrow string kernels, so wide part files need no row loop.
    """
    n = table.num_rows
    pieces = []
    for column in table.column_names:
        if column.startswith(prefix):
            name = column[len(prefix) :]
            number = _parse_number(table[column], column, _Rejects(n))
            bad = ~np.isfinite(number)
            text = table[column].combine_chunks()
            # An empty cell (or NaN in a typed column) is a missing measurement; only unreadable text or ±inf is
            # rejected.
            if pa.types.is_string(text.type) or pa.types.is_large_string(text.type):
                given = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(text), ""), False)
                given = given.to_numpy(zero_copy_only=False)
            else:
                given = np.isinf(number)
            rej.mark(bad & given, "bad_number", column, _values(text, field=column))
            _mark_out_of_range(number, name, limits, rej, column)
            as_text = pc.cast(pa.array(number, mask=bad), pa.string())
            key = ", " + json.dumps(name, ensure_ascii=False) + ": "
            pieces.append(pc.fill_null(pc.binary_join_element_wise(key, as_text, ""), ""))
    # Each piece is ', "name": value' or ''; Arrow's null-skipping join drops all-null rows (Arrow 26), so
    # pieces are concatenated plainly and the leading separator trimmed.
    joined = pc.binary_join_element_wise(*pieces, "") if pieces else pa.array([""] * n, pa.string())
    joined = pc.utf8_ltrim(joined, ", ")
    joined = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    columns_json = pc.binary_join_element_wise("{", joined, "}", "")
    if field_name not in table.column_names:
        return columns_json
    parsed = _json_numbers(table[field_name].combine_chunks(), field_name, rej)
    for name in sorted({k for obj in parsed if obj for k in obj} & (limits.names if limits else set())):
        number = np.array([np.nan if not obj or name not in obj else obj[name] for obj in parsed])
        _mark_out_of_range(number, name, limits, rej, f"{field_name}.{name}")
    merged = []
    for given, extra in zip(parsed, columns_json.to_pylist(), strict=True):
        obj = {**(given or {}), **(json.loads(extra) if extra else {})}
        merged.append(json.dumps(obj, ensure_ascii=False) if obj else None)
    return pa.array(merged, type=pa.string())


def _synonyms(
    labels: _Labels, table: pa.Table, name: str, vocabulary: dict[str, str], code: str, rej: _Rejects
):
    """Spellings mapped onto canonical values once per distinct spelling; unknown spellings are rejected."""
    canonical = [vocabulary.get(v.lower()) for v in labels.values]
    number = np.array([-1 if c is None else i for i, c in enumerate(canonical)] + [-1], dtype=np.int64)
    row = number[labels.codes]
    rej.mark(row < 0, code, name, _values(table[name]) if name in table.column_names else None)
    dictionary = pa.array([str(c) if c else None for c in canonical] + [None], type=pa.string())
    return pc.take(dictionary, pa.array(np.where(row < 0, len(canonical), row)))


def ingest_parts(
    store: Store, company_id: str, data: Any, origin: Origin | None = None, *, dry_run: bool = False
) -> Receipt:
    """Validate and store part records; key (machine_id, time, part_id); a `dry_run` checks and writes nothing.

    Process parameters and measured characteristics come as JSON objects (`params`, `measures`: name → number)
    or as number columns `param:<name>` and `measure:<name>`; one named like a signal of its machine must lie in
    that signal's valid range.
    """
    origin = origin or Origin(source="api")
    table = _to_table(data, "part records")
    _require(table, ["time", "machine_id", "result"], origin, "part records")
    rej = _Rejects(table.num_rows)
    machines = _Labels.of(table, "machine_id")
    _required(machines, "machine_id", rej)
    times = _parse_time(table["time"], "time", origin, rej)
    _check_machines(store, company_id, machines, rej)
    _check_future(times, table["time"], "time", origin, rej)
    result = _synonyms(_Labels.of(table, "result"), table, "result", RESULT_SYNONYMS, "bad_result", rej)
    _texts_without_nul(table, ("part_id", "lot_id", "product", "defect_type", "operator", "note"), rej)
    limits = _SignalLimits(store, company_id, machines)
    params = _named_numbers(table, PARAM_PREFIX, "params", rej, limits)
    measures = _named_numbers(table, MEASURE_PREFIX, "measures", rej, limits)
    defect = _strings(table, "defect_type")
    defect = pc.if_else(pc.fill_null(pc.equal(defect, ""), True), pa.scalar(None, pa.string()), defect)
    valid = pa.Table.from_arrays(
        [
            times,
            machines.text,
            pc.fill_null(_strings(table, "part_id", ""), ""),
            _strings(table, "lot_id"),
            _strings(table, "product"),
            result,
            defect,
            params,
            measures,
        ],
        schema=PART_SCHEMA,
    )
    return _finish(
        store,
        company_id,
        "part",
        table,
        rej,
        origin,
        valid,
        ["machine_id", "time", "part_id"],
        store.append_parts,
        dry_run=dry_run,
        stored_differs=lambda good, idx, rej: _differing_parts(store, company_id, good, idx, rej),
    )


def ingest_events(
    store: Store, company_id: str, data: Any, origin: Origin | None = None, *, dry_run: bool = False
) -> Receipt:
    """Validate and store machine state intervals (machine_id, start, end, state, reason_code, note); a `dry_run`
    checks and writes nothing."""
    origin = origin or Origin(source="api")
    table = _to_table(data, "machine events")
    _require(table, ["machine_id", "start", "state"], origin, "machine events")
    rej = _Rejects(table.num_rows)
    machines = _Labels.of(table, "machine_id")
    _required(machines, "machine_id", rej)
    starts = _parse_time(table["start"], "start", origin, rej)
    if "end" in table.column_names:
        end_rej = _Rejects(table.num_rows)
        ends = _parse_time(table["end"], "end", origin, end_rej)
        # An empty end means the interval is still open; any other unreadable end is an error.
        empty_end = ("missing_field", "end")
        open_end = end_rej.code == (end_rej.kinds.index(empty_end) if empty_end in end_rej.kinds else -1)
        unreadable = ~end_rej.ok & ~open_end
        rej.mark(unreadable, "bad_time", "end", _values(table["end"]))
        before = pc.fill_null(pc.less(ends, starts), False).to_numpy(zero_copy_only=False)
        rej.mark(before, "end_before_start", "end", _values(table["end"]))  # as the file wrote it
    else:
        ends = pa.nulls(table.num_rows, TIME)
    _check_machines(store, company_id, machines, rej)
    _check_future(starts, table["start"], "start", origin, rej)
    state = _synonyms(_Labels.of(table, "state"), table, "state", STATE_SYNONYMS, "bad_state", rej)
    _texts_without_nul(table, ("reason_code", "note"), rej)
    valid = pa.Table.from_arrays(
        [machines.text, starts, ends, state, _strings(table, "reason_code"), _strings(table, "note")],
        schema=EVENT_SCHEMA,
    )
    return _finish(
        store,
        company_id,
        "event",
        table,
        rej,
        origin,
        valid,
        ["machine_id", "start"],
        store.append_events,
        dry_run=dry_run,
    )


INGESTERS = {"reading": ingest_readings, "part": ingest_parts, "event": ingest_events}
