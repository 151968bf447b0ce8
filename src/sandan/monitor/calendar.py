"""The shift calendar: shifts, breaks, planned stops, working days and Korean public holidays, as a YAML model.

It turns a calendar into exact UTC windows (shifts and planned-busy segments); it must not read machine data.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sandan.domain import InvalidInput, SandanError
from sandan.domain.errors import document_error, value_error
from sandan.domain.yamltext import read_yaml

log = logging.getLogger(__name__)

US = 1_000_000  # microseconds per second: all interval arithmetic is on int64 microseconds, exact


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _seconds(t: time) -> int:
    """Seconds past midnight: what OEE's planned time is counted from (a break 12:00:30-13:00 is 59.5 minutes,
    where whole minutes read it as an hour)."""
    return t.hour * 3600 + t.minute * 60 + t.second


_DAY_S = 86_400


class Break(BaseModel):
    """A break inside a shift, in local clock time; `end` at or before `start` means it runs past midnight."""

    model_config = ConfigDict(extra="forbid")
    start: time
    end: time
    name: str = ""


class Shift(BaseModel):
    """One shift of the working day, in local clock time. It belongs to the production day on which it starts;
    an `end` at or before `start` means it ends on the next calendar day (a night shift)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=32)
    label_ko: str = ""
    label_en: str = ""
    start: time
    end: time
    breaks: list[Break] = Field(default_factory=list)

    @property
    def length_min(self) -> int:
        d = (_minutes(self.end) - _minutes(self.start)) % (24 * 60)
        return d or 24 * 60

    @property
    def length_s(self) -> int:
        return (_seconds(self.end) - _seconds(self.start)) % _DAY_S or _DAY_S


class PlannedStop(BaseModel):
    """A dated planned stop for the whole calendar (maintenance day, stock-taking). Naive times are local."""

    model_config = ConfigDict(extra="forbid")
    start: datetime
    end: datetime
    reason_code: str = "planned"
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> PlannedStop:
        if self.end <= self.start:
            raise value_error(
                f"planned stop ends ({self.end:%Y-%m-%d %H:%M}) at or before it starts ({self.start:%Y-%m-%d %H:%M})",
                f"계획 정지의 끝({self.end:%Y-%m-%d %H:%M})이 시작({self.start:%Y-%m-%d %H:%M})보다 늦어야 합니다",
            )
        return self


def _shift(
    name: str,
    ko: str,
    en: str,
    start: tuple[int, int],
    end: tuple[int, int],
    rest_start: tuple[int, int],
    rest_end: tuple[int, int],
    rest: str,
) -> Shift:
    """A preset's shift with one break, clock times as (hour, minute)."""
    return Shift(
        name=name,
        label_ko=ko,
        label_en=en,
        start=time(*start),
        end=time(*end),
        breaks=[Break(start=time(*rest_start), end=time(*rest_end), name=rest)],
    )


class ShiftCalendar(BaseModel):
    """When a factory plans to produce. ISO 22400-2:2014 (time elements): the shift time less breaks and
    calendar planned stops is the planned operation time (POT) from which planned busy time is derived.

    Working days are the `working_weekdays` (0 = Monday) that are not public holidays (Korean ones from the
    `holidays` package when `korean_public_holidays` is on) nor listed in `holidays`; `extra_working_days`
    overrides both (a Saturday or holiday worked by plan)."""

    model_config = ConfigDict(extra="forbid")
    timezone: str = "Asia/Seoul"
    shifts: list[Shift]
    working_weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    korean_public_holidays: bool = True
    holidays: list[date] = Field(default_factory=list)
    extra_working_days: list[date] = Field(default_factory=list)
    planned_stops: list[PlannedStop] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise value_error(
                f"unknown time zone {v!r}; use an IANA name such as Asia/Seoul",
                f"알 수 없는 시간대 {v!r}입니다. Asia/Seoul 같은 IANA 이름을 쓰세요",
            ) from exc
        return v

    @field_validator("working_weekdays")
    @classmethod
    def _weekdays(cls, v: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in v):
            raise value_error(
                "working_weekdays are 0 (Monday) to 6 (Sunday)", "근무 요일은 0(월요일)에서 6(일요일)입니다"
            )
        return sorted(set(v))

    @field_validator("holidays", "extra_working_days")
    @classmethod
    def _days(cls, v: list[date]) -> list[date]:
        # the years a factory's data can carry (1900–2199, as times elsewhere): 9999-12-31 is a typo
        odd = [d for d in v if not 1900 <= d.year < 2200]
        if odd:
            raise value_error(
                f"{odd[0].isoformat()} lies outside the years 1900 to 2199; check the year",
                f"{odd[0].isoformat()}이(가) 1900~2199년 밖에 있습니다. 연도를 확인하세요",
            )
        return v

    @model_validator(mode="after")
    def _shifts_fit(self) -> ShiftCalendar:
        if not self.shifts:
            raise value_error(
                "a shift calendar needs at least one shift", "근무 달력에는 근무조가 하나 이상 있어야 합니다"
            )
        names = [s.name for s in self.shifts]
        if len(set(names)) != len(names):
            raise value_error(
                f"shift names must be unique (got {names})", f"근무조 이름이 겹치지 않아야 합니다 ({names})"
            )
        total = sum(s.length_min for s in self.shifts)
        if total > 24 * 60:
            raise value_error(
                f"shifts add up to {total / 60:g} h, more than a day: they would overlap",
                f"근무조를 합하면 {total / 60:g}시간으로 하루보다 깁니다: 서로 겹칩니다",
            )
        # Shifts of one day must not overlap each other (measured on a 48-h clock from the first start).
        spans = sorted((_minutes(s.start), _minutes(s.start) + s.length_min, s.name) for s in self.shifts)
        for (_a0, a1, an), (b0, _b1, bn) in zip(spans, spans[1:], strict=False):
            if b0 < a1:
                raise value_error(
                    f"shifts {an!r} and {bn!r} overlap", f"근무조 {an!r}와(과) {bn!r}이(가) 겹칩니다"
                )
        if spans[-1][1] > spans[0][0] + 24 * 60:
            raise value_error(
                f"shift {spans[-1][2]!r} runs into the next day's {spans[0][2]!r}",
                f"근무조 {spans[-1][2]!r}이(가) 다음 날 {spans[0][2]!r}까지 이어집니다",
            )
        for s in self.shifts:
            inside = []
            for b in s.breaks:
                b0 = (_minutes(b.start) - _minutes(s.start)) % (24 * 60)
                b1 = b0 + ((_minutes(b.end) - _minutes(b.start)) % (24 * 60) or 24 * 60)
                if b1 > s.length_min:
                    raise value_error(
                        f"break {b.start:%H:%M}-{b.end:%H:%M} lies outside shift {s.name!r} "
                        f"({s.start:%H:%M}-{s.end:%H:%M})",
                        f"휴식 {b.start:%H:%M}-{b.end:%H:%M}이(가) 근무조 {s.name!r}({s.start:%H:%M}-{s.end:%H:%M}) "
                        "밖에 있습니다",
                    )
                inside.append((b0, b1, b))
            inside.sort(key=lambda t: t[:2])
            # overlapping breaks are a slip of the keyboard, and would be subtracted twice from the planned time
            for (_a0, a1, a), (b0, _b1, b) in zip(inside, inside[1:], strict=False):
                if b0 < a1:  # named as the calendar page shows the shift
                    raise value_error(
                        f"breaks {a.start:%H:%M}-{a.end:%H:%M} and {b.start:%H:%M}-{b.end:%H:%M} of shift "
                        f"{s.label_en or s.name!r} overlap; join them into one",
                        f"근무조 {s.label_ko or s.name!r}의 휴식 {a.start:%H:%M}-{a.end:%H:%M}와(과) "
                        f"{b.start:%H:%M}-{b.end:%H:%M}이(가) 겹칩니다. 하나로 합치세요",
                    )
        return self

    # ---- constructors -----------------------------------------------------------------------
    @classmethod
    def one_shift(cls, **overrides) -> ShiftCalendar:
        """One day shift 08-17 with an hour's lunch, Mon-Fri: the plant that works days only."""
        return cls(
            shifts=[_shift("day", "주간", "Day", (8, 0), (17, 0), (12, 0), (13, 0), "lunch")], **overrides
        )

    @classmethod
    def two_shifts(cls, **overrides) -> ShiftCalendar:
        """Default two 12-h shifts (주간 08-20, 야간 20-08) with a one-hour meal break each, Mon-Fri."""
        return cls(
            shifts=[
                _shift("day", "주간", "Day", (8, 0), (20, 0), (12, 0), (13, 0), "lunch"),
                _shift("night", "야간", "Night", (20, 0), (8, 0), (0, 0), (1, 0), "meal"),
            ],
            **overrides,
        )

    @classmethod
    def three_shifts(cls, **overrides) -> ShiftCalendar:
        """Three 8-h shifts (06-14, 14-22, 22-06) with a 30-minute meal break each, Mon-Fri."""
        return cls(
            shifts=[
                _shift("A", "1조", "Shift A", (6, 0), (14, 0), (11, 30), (12, 0), "meal"),
                _shift("B", "2조", "Shift B", (14, 0), (22, 0), (18, 0), (18, 30), "meal"),
                _shift("C", "3조", "Shift C", (22, 0), (6, 0), (2, 0), (2, 30), "meal"),
            ],
            **overrides,
        )

    @classmethod
    def from_yaml(cls, source: str | Path) -> ShiftCalendar:
        """Read a calendar from YAML text or a .yaml/.yml file; errors say which field is wrong, in ko/en."""
        text = source
        if isinstance(source, Path) or (
            isinstance(source, str) and source.strip().endswith((".yaml", ".yml")) and "\n" not in source
        ):
            try:
                text = Path(source).read_text(encoding="utf-8")
            except OSError as exc:
                raise InvalidInput(
                    f"cannot read shift calendar file {source}: {exc}",
                    f"근무 달력 파일 {source}을(를) 읽을 수 없습니다: {exc}",
                    code="bad_calendar",
                ) from exc
        try:
            return cls.model_validate(read_yaml(text) or {})
        except (yaml.YAMLError, ValidationError) as exc:
            raise document_error(exc, ("shift calendar", "근무 달력이"), "bad_calendar") from exc

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), allow_unicode=True, sort_keys=False)

    # ---- in words ---------------------------------------------------------------------------
    def planned_minutes_per_day(self) -> int:
        """Planned minutes of one working day: every shift's length less its breaks."""
        total = 0
        for s in self.shifts:
            total += s.length_min - sum(
                (_minutes(b.end) - _minutes(b.start)) % (24 * 60) or 24 * 60 for b in s.breaks
            )
        return total

    def describe(self, lang: str = "ko") -> str:
        """The calendar in one line, as the dashboard names the planned time its OEE counts from: "주간
        08:00–17:00 (휴식 12:00–13:00) · 월–금 · 공휴일 쉼 · 하루 8시간"."""
        ko = lang == "ko"
        names = "월화수목금토일" if ko else ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        shifts = []
        for s in self.shifts:
            label = (s.label_ko if ko else s.label_en) or s.name
            text = f"{label} {s.start:%H:%M}–{s.end:%H:%M}"
            if s.breaks:
                spans = ", ".join(f"{b.start:%H:%M}–{b.end:%H:%M}" for b in s.breaks)
                word = "휴식" if ko else ("break" if len(s.breaks) == 1 else "breaks")
                text += f" ({word} {spans})"
            shifts.append(text)
        days = self.working_weekdays
        if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            weekdays = f"{names[days[0]]}–{names[days[-1]]}"
        else:
            weekdays = ", ".join(names[d] for d in days) or ("근무일 없음" if ko else "no working days")
        minutes = self.planned_minutes_per_day()
        hours = f"{minutes / 60:g}"
        parts = [" / ".join(shifts), weekdays]
        if self.korean_public_holidays:
            parts.append("공휴일 쉼" if ko else "public holidays off")
        parts.append(f"하루 {hours}시간" if ko else f"{hours} h a day")
        return " · ".join(parts)

    # ---- days -----------------------------------------------------------------------------
    def production_day(self, at: datetime) -> date:
        """The production day `at` falls in: a day runs from its earliest shift start to the next day's, so a night
        shift that crosses midnight belongs wholly to the day it started on (as `shift_windows` counts it)."""
        return (at.astimezone(ZoneInfo(self.timezone)) - self._day_start()).date()

    def _day_start(self) -> timedelta:
        """How long after midnight a production day starts: at the earliest shift start."""
        return timedelta(seconds=min(_seconds(s.start) for s in self.shifts))

    def production_days(self, times: pd.Series) -> np.ndarray:
        """`production_day` of each of `times` (UTC), at once: a part made on Sunday at 03:00 outside any shift
        belongs to Saturday's production day in a plant whose day starts at 08:00, as OEE's days count it."""
        local = pd.to_datetime(times, utc=True).dt.tz_convert(self.timezone)
        return (local - pd.Timedelta(self._day_start())).dt.date.to_numpy()

    def production_day_span(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) of production day `day` on the plant's clock: from its earliest shift start to the next
        day's (around a change to or from summer time the span is 23 or 25 hours)."""
        clock = min(s.start for s in self.shifts)
        zone = ZoneInfo(self.timezone)
        return (
            datetime.combine(day, clock, zone),
            datetime.combine(day + timedelta(days=1), clock, zone),
        )

    def last_working_day(self, before: date) -> date:
        """The last working day before `before` (within two weeks; else the day before): the day a "last
        production day" report means — on a Monday, a Monday-to-Friday plant's Friday, not its Sunday."""
        for back in range(1, 15):
            if self.is_working_day(day := before - timedelta(days=back)):
                return day
        return before - timedelta(days=1)

    def is_working_day(self, day: date) -> bool:
        return bool(self.working_days(day, day)[0])

    def working_days(self, first: date, last: date) -> np.ndarray:
        """Boolean per day from `first` to `last` inclusive."""
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        off: set[date] = set(self.holidays)
        if self.korean_public_holidays:
            off |= korean_public_holidays(first.year, last.year)
        extra = set(self.extra_working_days)
        weekdays = set(self.working_weekdays)
        return np.array([d in extra or (d.weekday() in weekdays and d not in off) for d in days], dtype=bool)


@lru_cache(maxsize=64)
def korean_public_holidays(first_year: int, last_year: int) -> frozenset[date]:
    """Korean public holidays of the years from `first_year` to `last_year` (the `holidays` package computes the
    lunar ones on every call, which would cost each OEE request milliseconds; the answer never changes)."""
    import holidays as holidays_lib

    return frozenset(holidays_lib.country_holidays("KR", years=range(first_year, last_year + 1)).keys())


@dataclass
class ShiftWindows:
    """The shifts of a calendar inside [start, end) and their planned-busy segments, as int64 µs since epoch.

    `shifts` has one row per shift instance (shift_id, shift_name, production_day, shift_start, shift_end, and
    shift_planned_s: the whole shift's planned operation time, unclipped);
    `seg_start/seg_end/seg_shift` are the disjoint, sorted pieces of shift time left after breaks and calendar
    planned stops — the planned operation time (POT, ISO 22400-2:2014). Everything is clipped to [start, end)."""

    shifts: pd.DataFrame
    shift_start_us: np.ndarray
    shift_end_us: np.ndarray
    seg_start_us: np.ndarray
    seg_end_us: np.ndarray
    seg_shift: np.ndarray  # index into `shifts`

    @property
    def planned_operation_time_s(self) -> np.ndarray:
        out = np.zeros(len(self.shifts), dtype=np.int64)
        np.add.at(out, self.seg_shift, self.seg_end_us - self.seg_start_us)
        return out / US


def to_us(t: datetime) -> int:
    if t.tzinfo is None:
        raise InvalidInput(
            f"time {t.isoformat()} has no time zone; pass timezone-aware times (UTC inside sandan)",
            f"시각 {t.isoformat()}에 시간대가 없습니다. 시간대가 있는 시각(UTC)을 넘기세요",
            code="naive_time",
        )
    delta = t.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def _subtract(lo: int, hi: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[lo, hi) less the union of `holes`, as sorted disjoint pieces."""
    pieces = []
    cur = lo
    for h0, h1 in sorted(holes):
        if h1 <= cur or h0 >= hi:
            continue
        if h0 > cur:
            pieces.append((cur, h0))
        cur = max(cur, h1)
        if cur >= hi:
            break
    if cur < hi:
        pieces.append((cur, hi))
    return pieces


def shift_windows(calendar: ShiftCalendar, start: datetime, end: datetime) -> ShiftWindows:
    """Shift instances overlapping [start, end) with their planned operation segments (breaks and calendar
    planned stops removed), clipped to the window. Local clock times convert through the calendar's zone."""
    zone = ZoneInfo(calendar.timezone)
    lo, hi = to_us(start), to_us(end)
    first = start.astimezone(zone).date() - timedelta(
        days=1
    )  # a night shift of the previous day may reach in
    last = end.astimezone(zone).date()
    working = calendar.working_days(first, last)

    def at(day: date, clock: time, offset_s: int = 0) -> int:
        local = datetime.combine(day, clock, tzinfo=zone) + timedelta(seconds=offset_s)
        return to_us(local)

    stops = [
        (
            to_us(s.start if s.start.tzinfo else s.start.replace(tzinfo=zone)),
            to_us(s.end if s.end.tzinfo else s.end.replace(tzinfo=zone)),
        )
        for s in calendar.planned_stops
    ]
    rows = []
    seg0: list[int] = []
    seg1: list[int] = []
    segs: list[int] = []
    order = sorted(calendar.shifts, key=lambda s: _seconds(s.start))
    for i, is_working in enumerate(working):
        if not is_working:
            continue
        day = first + timedelta(days=i)
        for s in order:
            s0 = at(day, s.start)
            s1 = at(day, s.start, s.length_s)
            c0, c1 = max(s0, lo), min(s1, hi)
            if c1 <= c0:
                continue
            holes = list(stops)
            for b in s.breaks:
                off = (_seconds(b.start) - _seconds(s.start)) % _DAY_S
                length = (_seconds(b.end) - _seconds(b.start)) % _DAY_S or _DAY_S
                holes.append((at(day, s.start, off), at(day, s.start, off + length)))
            k = len(rows)
            # the whole shift's planned operation time, however little of it the window holds
            whole = sum(p1 - p0 for p0, p1 in _subtract(s0, s1, holes)) / 1e6
            rows.append(
                (
                    f"{day.isoformat()}/{s.name}",
                    s.name,
                    s.label_ko or s.name,
                    s.label_en or s.name,
                    day,
                    c0,
                    c1,
                    whole,
                )
            )
            for p0, p1 in _subtract(c0, c1, holes):
                seg0.append(p0)
                seg1.append(p1)
                segs.append(k)
    columns = list(zip(*rows, strict=True)) if rows else [()] * 8
    s0 = np.array(columns[5], dtype=np.int64)
    s1 = np.array(columns[6], dtype=np.int64)
    shifts = pd.DataFrame(
        {
            "shift_id": np.array(columns[0], dtype=object),
            "shift_name": np.array(columns[1], dtype=object),
            "shift_label_ko": np.array(columns[2], dtype=object),
            "shift_label_en": np.array(columns[3], dtype=object),
            "production_day": np.array(columns[4], dtype=object),
            "shift_start": pd.to_datetime(s0, unit="us", utc=True),
            "shift_end": pd.to_datetime(s1, unit="us", utc=True),
            "shift_planned_s": np.array(columns[7], dtype=float),
        },
        index=pd.RangeIndex(len(rows)),
    )
    return ShiftWindows(
        shifts=shifts,
        shift_start_us=s0,
        shift_end_us=s1,
        seg_start_us=np.asarray(seg0, dtype=np.int64),
        seg_end_us=np.asarray(seg1, dtype=np.int64),
        seg_shift=np.asarray(segs, dtype=np.int64),
    )


def assign_shift(windows: ShiftWindows, times_us: np.ndarray) -> np.ndarray:
    """Index of the shift instance whose [start, end) holds each time, or -1 (outside every shift).

    A part or cycle counts in the shift in which it completes: its record's time is its completion time, so a
    cycle that started before a shift boundary belongs to the shift after it (half-open windows)."""
    if not len(windows.shift_start_us):
        return np.full(len(times_us), -1, dtype=np.int64)
    idx = np.searchsorted(windows.shift_start_us, times_us, side="right") - 1
    ok = (idx >= 0) & (times_us < windows.shift_end_us[np.clip(idx, 0, None)])
    return np.where(ok, idx, -1)


def assign_planned(windows: ShiftWindows, times_us: np.ndarray) -> np.ndarray:
    """Index of the shift instance whose planned operation time (its segments: shift time less breaks and
    calendar planned stops) holds each time, or -1 (outside every shift, in a break or in a planned stop).
    Half-open segments, as in `assign_shift`."""
    if not len(windows.seg_start_us):
        return np.full(len(times_us), -1, dtype=np.int64)
    idx = np.searchsorted(windows.seg_start_us, times_us, side="right") - 1
    ok = (idx >= 0) & (times_us < windows.seg_end_us[np.clip(idx, 0, None)])
    return np.where(ok, windows.seg_shift[np.clip(idx, 0, None)], -1)


def calendar_path(data_dir: Path, company_id: str) -> Path:
    """Where a company's shift calendar is kept: `<data folder>/calendars/<company>.yaml` (until the Store has it)."""
    return Path(data_dir) / "calendars" / f"{company_id}.yaml"


def working_day_windows(calendar: ShiftCalendar) -> list[tuple[float, float]]:
    """The hours of a working day in which the calendar plans production, on the local clock within [0, 24): every
    shift less its breaks, a night shift's hours after midnight folded onto the same day, adjoining hours joined.
    Which days are worked, and dated planned stops, are not in it."""
    day = 24 * 60
    planned = np.zeros(day, dtype=bool)
    for shift in calendar.shifts:
        start = _minutes(shift.start)
        on = np.zeros(2 * day, dtype=bool)
        on[start : start + shift.length_min] = True
        for b in shift.breaks:
            offset = (_minutes(b.start) - start) % day
            length = (_minutes(b.end) - _minutes(b.start)) % day
            on[start + offset : start + offset + length] = False
        planned |= on[:day] | on[day:]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], planned.astype(np.int8), [0]))))
    return [(float(a) / 60, float(b) / 60) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def has_own_calendar(data_dir: Path | None, company_id: str) -> bool:
    """Whether the company saved a calendar of its own (else its OEE counts on the default two shifts)."""
    return data_dir is not None and calendar_path(data_dir, company_id).exists()


def company_calendar(data_dir: Path | None, company_id: str) -> ShiftCalendar:
    """The company's own calendar when one was saved (none without a data folder), else two 12-h shifts Monday to
    Friday in Asia/Seoul."""
    if data_dir is None:
        return ShiftCalendar.two_shifts()
    path = calendar_path(data_dir, company_id)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ShiftCalendar.two_shifts()
    # read once per version of the file (5 ms a member, for each member of a view across companies); a copy, so
    # no caller changes another's
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _READ_LOCK:
        read = _READ.get(key)
    if read is None:
        read = ShiftCalendar.from_yaml(path)
        with _READ_LOCK:
            _READ[key] = read
            while len(_READ) > 512:
                _READ.pop(next(iter(_READ)))
    return read.model_copy(deep=True)


#: calendars read from files, by (path, modification time, size)
_READ: dict[tuple[str, int, int], ShiftCalendar] = {}
_READ_LOCK = threading.Lock()


def member_calendar(data_dir: Path | None, company_id: str) -> tuple[ShiftCalendar, SandanError | None]:
    """A member's calendar for a view across companies: its own (`company_calendar`), or — when its saved file cannot
    be read — the default two shifts with the error, so one member's broken file does not break the view for every
    other member (the caller says which member's figures rest on the default)."""
    try:
        return company_calendar(data_dir, company_id), None
    except SandanError as exc:
        log.warning("calendar of %s unreadable, the default shifts used: %s", company_id, exc.en)
        return ShiftCalendar.two_shifts(), exc


def check_working_days(calendar: ShiftCalendar) -> None:
    """A company's calendar may work listed days only, but not no day at all: it would plan no time, and OEE
    would have nothing to count from (`no_working_days`). A calendar built for a what-if may; one saved may not."""
    if not calendar.working_weekdays and not calendar.extra_working_days:
        raise InvalidInput(
            "working days: tick at least one day of the week (or list extra working days); a calendar without "
            "working days plans no time, and OEE would have nothing to count from",
            "근무일: 요일을 하나 이상 고르세요(또는 추가 근무일을 적으세요). 근무일이 없으면 계획 시간이 없어 OEE를 셀 수 "
            "없습니다",
            code="no_working_days",
            field="working_weekdays",
        )


def save_company_calendar(data_dir: Path, company_id: str, calendar: ShiftCalendar) -> Path:
    """Keep `calendar` as the company's (refused without a working day, `check_working_days`)."""
    check_working_days(calendar)
    path = calendar_path(data_dir, company_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(calendar.to_yaml(), encoding="utf-8")
    # a save within the file clock's tick, of the same length, would look unchanged
    with _READ_LOCK:
        for key in [k for k in _READ if k[0] == str(path.resolve())]:
            del _READ[key]
    return path


# ---- planned time before an instant (alert windows, quiet members) ------------------------------------------
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_WEEK_US = 7 * 86_400 * US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(us))


def planned_start(
    calendar: ShiftCalendar, end: datetime, planned: timedelta, earliest: datetime
) -> datetime | None:
    """Where the last `planned` of the calendar's planned time before `end` begins: the latest `t` such that
    [t, end) holds exactly `planned` of planned operation time (shifts less breaks and planned stops; nights off,
    weekends and holidays hold none). None when [earliest, end) plans less than that."""
    need = round(planned.total_seconds() * US)
    if need <= 0:
        return end
    floor, hi = to_us(earliest), to_us(end)
    while hi > floor:  # back a week at a time: a short window costs one week's shifts
        lo = max(floor, hi - _WEEK_US)
        windows = shift_windows(calendar, from_us(lo), from_us(hi))
        order = np.argsort(windows.seg_start_us, kind="stable")[::-1]
        for s0, s1 in zip(windows.seg_start_us[order], windows.seg_end_us[order], strict=True):
            if s1 - s0 >= need:
                return from_us(s1 - need)
            need -= int(s1 - s0)
        hi = lo
    return None


def in_planned_time(calendar: ShiftCalendar, at: datetime) -> bool:
    """Whether the calendar plans production at `at` (inside a shift, not in a break or a planned stop)."""
    return bool(len(shift_windows(calendar, at, at + timedelta(microseconds=1)).seg_start_us))
