"""Dates and date ranges a question states, in the forms a factory engineer types them ("12월 3일", "12/3",
"2026-12-03", "2026.12.3", "Dec 3", "3 December", "12월 1일부터 3일까지", "12/1~12/3", "지난주 월요일", "3일 전"), read
into a period the tools take: "YYYY-MM-DD" (one production day) or "YYYY-MM-DD..YYYY-MM-DD" (days, both included).

A date without a year is the most recent such date that is not in the future; a day without a month ("3일") the
most recent 3rd. Text that looks like a date but reads as none ("13월 5일", "2/30") is returned as such, so the
answer can say it did not understand it rather than silently answer for another period.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sandan.domain.korean import particle

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MON = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_FULL_MON = r"(january|february|march|april|june|july|august|september|october|november|december)"
_ORD = r"(?:st|nd|rd|th)?"
WEEKDAYS_KO = "월화수목금토일"
WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

# "N일" that is a number of days, not a day of the month: "3일간", "1일 평균", "3일 동안", "7일째", "2일치"
_NOT_A_DAY = r"(?!\s*(?:간|동안|째|치|전|후|이내|내|마다|씩|당|평균|분량|이상|이하|연속))"
# and after "최근", "지난", "과거", "last": a span of days ("최근 3일")
_SPAN_BEFORE = re.compile(r"(최근|지난|과거|이전|향후|앞으로|last|past|next)\s*$")

# a range between two dates: "~", "-", "부터 … (까지)", "to", "through", "until", ".."
_RANGE_GAP = re.compile(
    r"^\s*(?:일)?\s*(?:부터|에서|from)?\s*(?:~|∼|〜|-|–|—|\.\.|to|through|thru|until|till|부터|에서)\s*$"
)
_BETWEEN = re.compile(r"\bbetween\s*$")

# what a person may mean as a date but is read by none of the patterns (checked on the text left over)
# "1/2 inch", "1/3로 줄었다": a fraction, not a date
_NOT_A_FRACTION = r"(?!\s*(?:인치|inch|in\b|\"|로|으로|만큼|정도|배|수준|분기))"
_LOOKS_LIKE_DATE = re.compile(
    r"(?<![\d.])(?:\d{4}\s*년|\d{2}\s*년\s*\d{1,2}\s*월)(?:\s*\d{1,2}\s*월)?(?:\s*\d{1,2}\s*일)?"
    r"|(?<![\d.])\d{1,3}\s*월\s*\d{1,3}\s*일?"
    r"|(?<![\d./])\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{2,4})?(?![\d/])" + _NOT_A_FRACTION + r""
    r"|(?<![\d.])\d{1,4}\s*[-.]\s*\d{1,2}\s*[-.]\s*\d{1,4}(?![\d.])"
    r"|(?<![\d.])(?:3[2-9]|[4-9]\d)\s*일" + _NOT_A_DAY + r"|(?<![\d.])(?:1[3-9]|[2-9]\d)\s*월(?!요)"
    r"|\b" + _MON + r"\.?\s+\d{2,}\b|\b\d{2,}" + _ORD + r"\s+(?:of\s+)?" + _MON + r"\b"
)


@dataclass
class Mention:
    """One date the text names, as far as it names it (year, month and day may each be missing)."""

    start: int
    end: int
    text: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    whole_month: bool = False
    fixed: date | None = None  # already a date: weekdays, "3일 전", "그저께"
    last: date | None = None  # a range read as one mention ("Dec 1-3", "1~3일"): its last day
    last_day: int | None = None
    broken: bool = False  # looks like a date but is none ("13월 5일", "2/30")


@dataclass
class DatesFound:
    """The period the text states (None: it states none), and what looked like a date but could not be read."""

    period: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # further dates when several unconnected ones are given
    first: str = ""  # the text of the date used


def _year(text: str | None) -> int | None:
    if not text:
        return None
    y = int(text)
    return y + 2000 if y < 100 else y


def _mentions(text: str, today: date) -> list[Mention]:
    found: list[Mention] = []

    def free(a: int, b: int) -> bool:
        return all(b <= m.start or a >= m.end for m in found)

    def add(m: re.Match[str], **kw) -> None:
        if free(m.start(), m.end()):
            found.append(Mention(m.start(), m.end(), m.group(0).strip(), **kw))

    def each(pattern: str):
        return re.finditer(pattern, text, re.IGNORECASE)

    # full dates with a year: "2026년 12월 3일", "2026-12-03", "2026.12.3", "2026/12/3"
    for m in each(r"(?<![\d.])(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일"):
        add(m, year=int(m[1]), month=int(m[2]), day=int(m[3]))
    for m in each(r"(?<![\d.])(\d{4})\s*([-./])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?![\d])\.?"):
        add(m, year=int(m[1]), month=int(m[3]), day=int(m[4]))
    # English with the month's name, ranges first: "Dec 1-3", "1-3 December", "Dec 3, 2026", "3rd of December"
    for m in each(
        rf"\b{_MON}\.?\s+(\d{{1,2}}){_ORD}\s*(?:-|–|~|to|through|until)\s*(\d{{1,2}}){_ORD}\b(?!\s*[-./]?\s*\d)"
        rf"(?!\s+{_MON})(?:,?\s+(\d{{4}})\b)?"
    ):
        add(m, year=_year(m[4]), month=MONTHS[m[1][:3].lower()], day=int(m[2]), last_day=int(m[3]))
    for m in each(
        rf"\b(\d{{1,2}}){_ORD}\s*(?:-|–|~|to|through|until)\s*(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MON}\b\.?"
        rf"(?:,?\s+(\d{{4}})\b)?"
    ):
        add(m, year=_year(m[4]), month=MONTHS[m[3][:3].lower()], day=int(m[1]), last_day=int(m[2]))
    for m in each(rf"\b{_MON}\.?\s+(\d{{1,2}}){_ORD}\b(?![./:]\d)(?:,?\s+(\d{{4}})\b)?"):
        add(m, year=_year(m[3]), month=MONTHS[m[1][:3].lower()], day=int(m[2]))
    for m in each(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MON}\b\.?(?:,?\s+(\d{{4}})\b)?"):
        add(m, year=_year(m[3]), month=MONTHS[m[2][:3].lower()], day=int(m[1]))
    # Korean month and day: "12월 3일", and "12월 1" before a range mark ("12월 1~3일")
    for m in each(r"(?<![\d.])(\d{1,2})\s*월\s*(\d{1,2})\s*일" + _NOT_A_DAY):
        add(m, month=int(m[1]), day=int(m[2]))
    for m in each(r"(?<![\d.])(\d{1,2})\s*월\s*(\d{1,2})(?=\s*(?:~|∼|-|–|부터))"):
        add(m, month=int(m[1]), day=int(m[2]))
    # "12/3", "12/3/2026" (month first, as both Korean and American engineers write it); not "1/2 inch"
    for m in each(
        r"(?<![\d/.])(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}|\d{2}))?(?![\d/])" + _NOT_A_FRACTION
    ):
        add(m, year=_year(m[3]), month=int(m[1]), day=int(m[2]))
    # relative days: "3일 전", "3 days ago", "그저께"
    for m in each(r"(?<![\d.])(\d{1,3})\s*일\s*전|\b(\d{1,3})\s+days?\s+ago\b"):
        add(m, fixed=today - timedelta(days=int(m[1] or m[2])))
    for m in each(r"그저께|그제|엊그제|day before yesterday"):
        add(m, fixed=today - timedelta(days=2))
    # weekdays: "지난주 월요일", "이번 주 금요일", "월요일", "last Monday", "Monday last week"
    for m in each(
        r"(?:(지지난\s*주|지난\s*주|저번\s*주|전\s*주|이번\s*주|금주|지난|저번)\s*)?([월화수목금토일])요일"
    ):
        add(m, fixed=_weekday(today, WEEKDAYS_KO.index(m[2]), _which_week(m[1])))
    for m in each(
        r"\b(?:(last|this|on|past)\s+)?(" + "|".join(WEEKDAYS_EN) + r")\b(?:\s+(last week|this week))?"
    ):
        which = m[3] or m[1] or ""
        which = {
            "last week": "prev",
            "this week": "this",
            "last": "last",
            "past": "last",
            "this": "this",
        }.get(which, "")
        add(m, fixed=_weekday(today, WEEKDAYS_EN.index(m[2]), which))
    # whole months: "2026년 11월", "11월", "November", "in May"
    for m in each(r"(?<![\d.])(\d{4})\s*년\s*(\d{1,2})\s*월(?!\s*\d)(?!요)"):
        add(m, year=int(m[1]), month=int(m[2]), whole_month=True)
    # day ranges without a month: "1~3일", "1일부터 3일까지" (the month is the most recent that has both)
    for m in each(r"(?<![\d.~/-])(\d{1,2})\s*(?:일)?\s*(?:~|∼|-|–|부터)\s*(\d{1,2})\s*일" + _NOT_A_DAY):
        if not _SPAN_BEFORE.search(text[: m.start()]):
            add(m, day=int(m[1]), last_day=int(m[2]))
    for m in each(r"(?<![\d.])(\d{1,2})\s*월(?!\s*\d)(?!요)(?!\s*별)"):
        add(m, month=int(m[1]), whole_month=True)
    for m in each(
        rf"\b(?:in\s+)?{_FULL_MON}\b(?:\s+(\d{{4}}))?|\bin\s+(may)\b(?:\s+(\d{{4}}))?|\b(may)\s+(\d{{4}})\b"
    ):
        name = m[1] or m[3] or m[5]
        add(m, year=_year(m[2] or m[4] or m[6]), month=MONTHS[name[:3].lower()], whole_month=True)
    # a day alone: "3일" (not "최근 3일", "3일간", "1일 평균")
    for m in each(r"(?<![\d.])(\d{1,2})\s*일" + _NOT_A_DAY):
        if not _SPAN_BEFORE.search(text[: m.start()]):
            add(m, day=int(m[1]))
    return sorted(found, key=lambda x: x.start)


def _which_week(word: str | None) -> str:
    word = re.sub(r"\s+", "", word or "")
    return {
        "지지난주": "prev2",
        "지난주": "prev",
        "저번주": "prev",
        "전주": "prev",
        "이번주": "this",
        "금주": "this",
    }.get(word, "last" if word in ("지난", "저번") else "")


def _weekday(today: date, weekday: int, which: str) -> date:
    """The `weekday` (0 = Monday) of the week `which` names: prev2/prev/this week, "last" (the latest before
    today) or "" (the latest not in the future)."""
    monday = today - timedelta(days=today.weekday())
    if which in ("prev2", "prev", "this"):
        weeks = {"prev2": 2, "prev": 1, "this": 0}[which]
        return monday - timedelta(weeks=weeks) + timedelta(days=weekday)
    back = (today.weekday() - weekday) % 7
    if back == 0 and which == "last":
        back = 7
    return today - timedelta(days=back)


def _most_recent(month: int | None, day: int, today: date, year: int | None = None) -> date | None:
    """The latest date with this day (and month, and year where given) not after today; None if there is none."""
    if not 1 <= day <= 31:  # "0일": no day of any month
        return None
    if year is not None and month is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if month is not None:
        for y in range(today.year, today.year - 9, -1):
            try:
                d = date(y, month, day)
            except ValueError:
                continue
            if d <= today:
                return d
        return None
    y, mo = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(y, mo)[1] and date(y, mo, day) <= today:
            return date(y, mo, day)
        y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    return None


def _days_of(m: Mention, today: date) -> tuple[date, date] | None:
    """The first and last day a mention names on its own (a range mention both of its ends)."""
    if m.fixed is not None:
        return m.fixed, m.fixed
    if m.whole_month:
        if m.month is None or not 1 <= m.month <= 12:
            return None
        year = m.year if m.year is not None else (today.year if m.month <= today.month else today.year - 1)
        return date(year, m.month, 1), date(year, m.month, calendar.monthrange(year, m.month)[1])
    if m.day is None or (m.month is not None and not 1 <= m.month <= 12):
        return None
    if m.last_day is not None:  # "Dec 1-3", "1~3일": the last day decides the month and year
        last = _most_recent(m.month, m.last_day, today, m.year)
        if last is None:
            return None
        # "28~3일": from the 28th of the month before; "3~1일" typed backwards where that reading is shorter
        month = last if m.day <= m.last_day else last.replace(day=1) - timedelta(days=1)
        first, backwards = _day_in(month, m.day), _day_in(last, m.day)
        if backwards and backwards <= today and (not first or backwards - last < last - first):
            return last, backwards
        return (first, last) if first else None
    d = _most_recent(m.month, m.day, today, m.year)
    return (d, d) if d else None


def _join(a: Mention, b: Mention, today: date) -> tuple[date, date] | None:
    """The days from mention `a` to mention `b` ("12월 1일부터 3일까지": b takes a's month; a year stated on either
    holds for both)."""
    if a.fixed is not None or b.fixed is not None or a.whole_month or b.whole_month:
        first, last = _days_of(a, today), _days_of(b, today)
        return (first[0], last[1]) if first and last else None
    month_b = b.month if b.month is not None else a.month
    year_b = b.year if b.year is not None else a.year
    last = _most_recent(month_b, b.day, today, year_b) if b.day is not None else None
    if last is None:
        return None
    if a.year is not None and a.month is not None:
        first = _most_recent(a.month, a.day, today, a.year)
    elif a.month is None:  # "28일부터 3일까지": the 28th of the month before
        start_month = last if a.day <= last.day else last.replace(day=1) - timedelta(days=1)
        first = _day_in(start_month, a.day)
        backwards = _day_in(last, a.day)  # "3일부터 1일까지" typed backwards
        if first and backwards and backwards <= today and abs((backwards - last).days) < (last - first).days:
            first = backwards
    else:
        year_a = last.year if (a.month, a.day) <= (last.month, last.day) else last.year - 1
        first = _day_in(date(year_a, a.month, 1), a.day)
        # "12/3~12/1" is the two days typed backwards, not the year from 3 Dec 2025: the shorter reading wins
        backwards = _most_recent(a.month, a.day, today, year_b)
        if first and backwards and abs((backwards - last).days) < (last - first).days:
            first = backwards
    return (first, last) if first else None


def _day_in(month: date, day: int) -> date | None:
    """Day `day` of `month`'s month, None where it has no such day."""
    try:
        return month.replace(day=day)
    except ValueError:
        return None


def period_of(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"


def find_dates(text: str, today: date) -> DatesFound:
    """The period the (lowercased) question states, with `today` the plant's production day."""
    mentions = _mentions(text, today)
    out = DatesFound()
    readable: list[tuple[Mention, tuple[date, date] | None, int]] = []
    i = 0
    while i < len(mentions):
        m = mentions[i]
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        if nxt is not None:
            gap = text[m.end : nxt.start]
            between = _BETWEEN.search(text[: m.start]) and re.fullmatch(r"\s*and\s*", gap)
            if _RANGE_GAP.match(gap) or between:
                readable.append((m, _join(m, nxt, today), nxt.end))
                i += 2
                continue
        readable.append((m, _days_of(m, today), m.end))
        i += 1
    for m, days, end in readable:
        out.spans.append((m.start, end))
        said = text[m.start : end].strip()
        if days is None:
            out.unreadable.append(said)
        elif out.period is None:
            first, last = sorted(days)
            out.period, out.first = period_of(first, last), said
        else:
            out.ignored.append(said)
    # what looks like a date outside everything read above
    rest = list(text)
    for a, b in out.spans:
        rest[a:b] = " " * (b - a)
    left = "".join(rest)
    out.unreadable += [
        m.group(0).strip()
        for m in _LOOKS_LIKE_DATE.finditer(left)
        if not _SPAN_BEFORE.search(left[: m.start()])  # "최근 45일" is a span, not a date
    ]
    return out


_SPAN = re.compile(
    r"(?:최근|지난|과거)\s*(\d{1,4})\s*(시간|일|주)(?:\s*(?:간|동안))?|(?<![\d.])(\d{1,4})\s*(시간|일|주)\s*(?:간|동안)"
    r"|\b(?:last|past|previous)\s+(\d{1,4})\s+(hours?|days?|weeks?)\b"
)
_SPAN_NAMES = {(1, "h"): "last_hour", (8, "h"): "last_8h", (24, "h"): "last_24h", (1, "d"): "last_24h"}
_SPAN_NAMES |= {(7, "d"): "last_7d", (30, "d"): "last_30d"}


def find_span(text: str) -> tuple[str, tuple[int, int]] | None:
    """A span of hours, days or weeks up to now ("최근 3일", "지난 48시간", "2주간", "last 10 days") as a period
    ("last_3d", "last_48h"; the named periods where there is one) and where the text says it."""
    m = _SPAN.search(text)
    if not m:
        return None
    n = int(m[1] or m[3] or m[5])
    unit = (m[2] or m[4] or m[6])[0]
    n, unit = (n * 7, "d") if unit in ("주", "w") else (n, "h" if unit in ("시", "h") else "d")
    if n <= 0:
        return None
    return _SPAN_NAMES.get((n, unit), f"last_{n}{unit}"), m.span()


# ---- periods as people read them -------------------------------------------------------------------------------
_PERIOD = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")
_RELATIVE = re.compile(r"^last_(\d{1,4})([hd])$")
PERIOD_PATTERN = r"^(\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?|last_\d{1,4}[hd])$"


def parse_days(period: str) -> tuple[date, date] | None:
    """The first and last day of a period written as days ("2026-12-03", "2026-12-01..2026-12-03"); None for a
    named or relative period. Raises ValueError for a malformed date."""
    m = _PERIOD.match(period)
    if not m:
        return None
    first = date.fromisoformat(m[1])
    last = date.fromisoformat(m[2]) if m[2] else first
    return first, last


def parse_relative(period: str) -> tuple[int, str] | None:
    """(n, "h" or "d") of "last_36h", "last_3d"."""
    m = _RELATIVE.match(period)
    return (int(m[1]), m[2]) if m else None


_WEEKDAY_KO = "월화수목금토일"
_WEEKDAY_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONTH_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def days_label(first: date, last: date, lang: str) -> str:
    """'2026년 12월 3일(목)' / 'Thu 3 Dec 2026'; '2026년 12월 1일~3일' / '1–3 Dec 2026'; '2026년 11월' / 'Nov 2026'."""
    if first == last:
        if lang == "ko":
            return f"{first.year}년 {first.month}월 {first.day}일({_WEEKDAY_KO[first.weekday()]})"
        return f"{_WEEKDAY_EN[first.weekday()]} {first.day} {_MONTH_EN[first.month - 1]} {first.year}"
    whole = (
        first.day == 1
        and (first.year, first.month) == (last.year, last.month)
        and last.day == calendar.monthrange(last.year, last.month)[1]
    )
    if whole:
        return (
            f"{first.year}년 {first.month}월"
            if lang == "ko"
            else f"{_MONTH_EN[first.month - 1]} {first.year}"
        )
    if lang == "ko":
        if first.year != last.year:
            return f"{first.year}년 {first.month}월 {first.day}일~{last.year}년 {last.month}월 {last.day}일"
        if first.month != last.month:
            return f"{first.year}년 {first.month}월 {first.day}일~{last.month}월 {last.day}일"
        return f"{first.year}년 {first.month}월 {first.day}일~{last.day}일"
    if first.year != last.year:
        return (
            f"{first.day} {_MONTH_EN[first.month - 1]} {first.year} – "
            f"{last.day} {_MONTH_EN[last.month - 1]} {last.year}"
        )
    if first.month != last.month:
        return (
            f"{first.day} {_MONTH_EN[first.month - 1]} – {last.day} {_MONTH_EN[last.month - 1]} {last.year}"
        )
    return f"{first.day}–{last.day} {_MONTH_EN[first.month - 1]} {first.year}"


def relative_label(n: int, unit: str, lang: str) -> str:
    if lang == "ko":
        return f"최근 {n}{'시간' if unit == 'h' else '일'}"
    return f"last {n} {'hour' if unit == 'h' else 'day'}{'' if n == 1 else 's'}"


def with_particle(label: str) -> str:
    """The label with '으로' or '로' as its last syllable takes ('최근 24시간으로', '어제로', '오늘로')."""
    return particle(label, "으로/로")
