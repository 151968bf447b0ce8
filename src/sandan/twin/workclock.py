"""Working time on a shift calendar: a schedule counts minutes (or hours, seconds) of work from its start; the shop
floor reads dates. `WorkClock` turns one into the other through the company's shift calendar (shifts, breaks,
working days, Korean public holidays, dated planned stops — `sandan.monitor.calendar`), so an operation of 90
working minutes that meets lunch ends 90 minutes of work later, after lunch, and a due date of Friday 17:00 becomes
the working minutes between the schedule's start and then.
"""

from __future__ import annotations

import bisect
import math
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sandan.domain import InvalidInput
from sandan.domain.korean import particle
from sandan.monitor.calendar import US, ShiftCalendar, shift_windows, to_us

UNIT_S = {"min": 60, "h": 3600, "s": 1}
_UNIT_WORDS = {"min": ("min", "분"), "h": ("h", "시간"), "s": ("s", "초")}


#: How people write a time unit ("minutes", "분", "hrs") → the unit the clock counts in.
UNIT_ALIASES = {
    **{w: "min" for w in ("min", "mins", "minute", "minutes", "분")},
    **{w: "h" for w in ("h", "hr", "hrs", "hour", "hours", "시간")},
    **{w: "s" for w in ("s", "sec", "secs", "second", "seconds", "초")},
}


def unit_of(value: Any) -> str:
    """A schedule's time unit as written ("minutes", "분") as the clock's ("min"); one it does not know as given."""
    text = "" if value is None else str(value).strip()
    return UNIT_ALIASES.get(text.lower(), text)


def unit_word(unit: str, lang: str) -> str:
    """A schedule's time unit as a reader of `lang` writes it ("min" → "분" in Korean); any other unit as given."""
    words = _UNIT_WORDS.get(unit)
    return (words[1] if lang == "ko" else words[0]) if words else unit


#: How far ahead the clock looks for working time before it gives up (a calendar with no shifts plans none).
HORIZON = timedelta(days=3 * 366)
_CHUNK = timedelta(days=35)


class WorkClock:
    """Offsets in working `unit`s from `start` ↔ instants, on `calendar`'s planned operation time."""

    def __init__(self, calendar: ShiftCalendar, start: datetime, unit: str = "min") -> None:
        if unit not in UNIT_S:
            raise InvalidInput(
                f"a schedule with dates needs its times in minutes, hours or seconds (time_unit min, h or s), "
                f"not {unit!r}",
                f"날짜가 있는 일정은 시간 단위가 분, 시간, 초(time_unit min, h, s)여야 합니다 ({unit!r}이(가) 아님)",
                code="bad_time_unit",
                field="time_unit",
            )
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(calendar.timezone))
        self.calendar = calendar
        self.start = start
        self.unit = unit
        self.zone = ZoneInfo(calendar.timezone)
        self._unit_us = UNIT_S[unit] * US
        self._lo = to_us(start)
        self._starts: list[int] = []  # working segments from the start on, joined where they touch
        self._ends: list[int] = []
        self._before: list[int] = []  # working µs before each segment
        self._until = start

    def _extend(self) -> bool:
        if self._until - self.start >= HORIZON:
            return False
        end = self._until + _CHUNK
        w = shift_windows(self.calendar, self._until, end)
        for a, b in sorted(zip(w.seg_start_us.tolist(), w.seg_end_us.tolist(), strict=True)):
            a = max(a, self._lo)
            if b <= a:
                continue
            if self._ends and a <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], b)
                continue
            done = self._before[-1] + self._ends[-1] - self._starts[-1] if self._starts else 0
            self._starts.append(a)
            self._ends.append(b)
            self._before.append(done)
        self._until = end
        return True

    def _worked_us(self) -> int:
        return self._before[-1] + self._ends[-1] - self._starts[-1] if self._starts else 0

    def at(self, offset: float, *, ending: bool = False) -> datetime:
        """The instant at which `offset` units of work have passed since the start. At a boundary between two
        working periods, a start is placed at the next period's beginning, an end (`ending`) at the last one's
        end."""
        need = round(offset * self._unit_us)
        while self._worked_us() < need or (not ending and self._worked_us() == need) or not self._starts:
            if not self._extend():
                raise InvalidInput(
                    f"the shift calendar plans less than {offset:g} {self.unit} of work in the {HORIZON.days} days "
                    f"after {self.start:%Y-%m-%d %H:%M}; check its shifts and working days",
                    f"근무 달력의 {self.start:%Y-%m-%d %H:%M} 이후 {HORIZON.days}일 동안 계획된 작업 시간이 {offset:g} "
                    f"{self.unit}보다 적습니다. 근무조와 근무일을 확인하세요",
                    code="no_working_time",
                )
        k = (
            bisect.bisect_left(self._before, need) - 1
            if ending
            else bisect.bisect_right(self._before, need) - 1
        )
        k = max(k, 0)
        us = self._starts[k] + need - self._before[k]
        return (datetime.fromtimestamp(0, UTC) + timedelta(microseconds=us)).astimezone(self.zone)

    def day_marks(self, until: float) -> list[tuple[float, date]]:
        """Where each production day's work begins before `until`, in units from the start, with that day's date
        (the schedule's first day at 0): the places a chart in working time marks a new day. A production day runs
        from its first shift's start (`ShiftCalendar.production_day`), so work after midnight in a night shift
        belongs to the day the shift began; a day that begins inside unbroken work is marked where it begins."""
        self.at(until, ending=True)  # reads the calendar far enough (refused as `at` is)
        epoch = datetime.fromtimestamp(0, UTC)
        out: list[tuple[float, date]] = []
        for a, b, before in zip(self._starts, self._ends, self._before, strict=True):
            if before / self._unit_us >= until and out:
                break
            at = (epoch + timedelta(microseconds=a)).astimezone(self.zone)
            day = self.calendar.production_day(at)
            while True:
                if not out or day != out[-1][1]:
                    out.append(((before + to_us(at) - a) / self._unit_us, day))
                at = self.calendar.production_day_span(day)[1]  # the next production day's start
                day = self.calendar.production_day(at)
                if to_us(at) >= b or (before + to_us(at) - a) / self._unit_us >= until:
                    break
        return out

    def offset(self, when: datetime) -> float:
        """Units of work between the start and `when` (0 for an instant before the start)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.zone)
        target = to_us(when)
        while self._until < when and self._extend():
            pass
        k = bisect.bisect_right(self._starts, target) - 1
        if k < 0:
            return 0.0
        worked = self._before[k] + min(target, self._ends[k]) - self._starts[k]
        return worked / self._unit_us


def as_instant(value: Any, zone: ZoneInfo, *, end_of_day: bool = False) -> datetime | None:
    """A date or date-time cell (Excel's, YAML's, or text such as 2026-12-08 17:00 or 2026.12.08) as an aware
    instant in `zone`; None for anything else (a number of working units). A bare date means the day's start, or
    with `end_of_day` the next day's start (a due date of "12-08" is met by the end of that day)."""
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, date):
        at = datetime.combine(value, time(0)) + (timedelta(days=1) if end_of_day else timedelta(0))
    elif isinstance(value, str) and (m := _DATE.match(value.strip())):
        y, mo, d, hh, mm, ss = m.groups()
        try:
            at = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:  # 2026-02-30, 2026-13-01, 25:00: a traceback from the order sheet's reader before
            raise InvalidInput(
                f"{value.strip()} is not a calendar date and time (a month from 1 to 12, a day that month has, "
                "hours 0–23; YYYY-MM-DD HH:MM)",
                f"{particle(value.strip(), '은/는')} 달력에 없는 날짜·시각입니다 (월은 1~12, 일은 그 달에 있는 날, "
                "시는 0~23; YYYY-MM-DD HH:MM)",
                code="bad_date",
            ) from None
        if hh is None and end_of_day:
            at += timedelta(days=1)
    else:
        return None
    if hasattr(at, "to_pydatetime"):
        at = at.to_pydatetime()
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)


_DATE = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def resolve_dates(data: dict[str, Any], start: datetime | None, calendar: ShiftCalendar) -> WorkClock | None:
    """Shop orders whose due or release times are dates: each becomes the working time from `start` on the
    calendar (a due date rounds down, a release up, so neither is moved past its instant), in the orders' time
    unit. Returns the clock (None when no job has a date and no start was given)."""
    data.pop(NOTES_KEY, None)  # the remarks are this function's: none written into the orders are kept
    zone = ZoneInfo(calendar.timezone)
    dated = [
        (job, key, at)
        for job in data.get("jobs") or []
        if isinstance(job, dict)
        for key in ("due", "release")
        if (at := as_instant(job.get(key), zone, end_of_day=key == "due")) is not None
    ]
    if dated and start is None:
        job, key, at = dated[0]
        raise InvalidInput(
            f"{job.get('name', 'a job')}'s {key} is a date ({at:%Y-%m-%d %H:%M}); give the schedule's start (the "
            "page's start field, --start, or 'start' in the API) so dates count in working time from it",
            f"{job.get('name', '작업')}의 {'납기' if key == 'due' else '투입'}이(가) 날짜입니다({at:%Y-%m-%d %H:%M}). "
            "날짜를 작업 시간으로 세도록 일정의 시작 시각(화면의 시작, --start, API의 start)을 주세요",
            code="start_needed",
            field=key,
        )
    if start is None:
        return None
    unit = str(data.get("time_unit") or "")
    if unit not in UNIT_S and not dated:
        return None  # a job-shop instance in bare units: no clock to read it on
    clock = WorkClock(calendar, start, unit)
    notes = data[NOTES_KEY] = []
    for job, key, at in dated:
        worked = clock.offset(at)
        job[key] = math.floor(worked + 1e-9) if key == "due" else math.ceil(worked - 1e-9)
        if (
            key == "due" and at <= clock.start
        ):  # already late: say so, its lateness counts from the start only
            name = job.get("name", "?")
            notes.append(
                {
                    "en": f"{name} was due {at:%Y-%m-%d %H:%M}, before the schedule's start: it is counted as due at "
                    "the start, so its lateness here leaves out the time it is already late",
                    "ko": f"{name}의 납기 {at:%Y-%m-%d %H:%M}은(는) 일정 시작보다 앞섭니다. 시작 시각을 납기로 보고 "
                    "계산하므로, 여기의 지연에는 이미 늦은 시간이 들어 있지 않습니다",
                }
            )
    return clock


#: Where `resolve_dates` leaves its remarks in the orders (read into `ShopInstance.notes`).
NOTES_KEY = "_notes"


def parse_start(text: str | None, calendar: ShiftCalendar) -> datetime | None:
    """A schedule's start as typed (2026-12-07T08:00 from a date-time field, or with seconds or an offset); the
    calendar's zone where it names none; None when empty."""
    if text is None or not str(text).strip():
        return None
    try:
        at = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidInput(
            f"the start {text!r} is not a date and time; write it as 2026-12-07T08:00",
            f"시작 {text!r}은(는) 날짜와 시각이 아닙니다. 2026-12-07T08:00처럼 쓰세요",
            code="bad_start",
            field="start",
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(calendar.timezone))


def next_working_start(calendar: ShiftCalendar, now: datetime) -> datetime:
    """Where a schedule made now would begin: the first planned working instant from `now` on, to the next
    whole 10 minutes (the start a planner would write)."""
    first = WorkClock(calendar, now).at(0)
    rounded = first.replace(second=0, microsecond=0)
    if rounded < first or rounded.minute % 10:
        rounded += timedelta(minutes=10 - rounded.minute % 10)
    return rounded
