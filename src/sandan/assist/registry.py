"""The assistant's tool contract: a name, JSON-schema parameters, a bilingual description, the capability call.

A tool only calls capability functions and shapes their result; it computes no figure of its own.
"""

from __future__ import annotations

import importlib
import json
import math
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sandan.assist.dates import PERIOD_PATTERN, days_label, parse_days, parse_relative, relative_label
from sandan.domain import InvalidInput, Machine, NotFound
from sandan.monitor.calendar import ShiftCalendar, company_calendar
from sandan.settings import Settings
from sandan.store import Store

SEOUL = ZoneInfo("Asia/Seoul")
MAX_TABLE_ROWS = 200

#: Named periods a question can ask for; every tool that reads history takes one of these (or start/end).
PERIODS: dict[str, tuple[str, str]] = {
    "last_hour": ("last hour", "최근 1시간"),
    "last_8h": ("last 8 hours", "최근 8시간"),
    "last_24h": ("last 24 hours", "최근 24시간"),
    "today": ("today", "오늘"),
    "yesterday": ("yesterday", "어제"),
    "last_7d": ("last 7 days", "최근 7일"),
    "this_week": ("this week", "이번 주"),
    "last_30d": ("last 30 days", "최근 30일"),
    "this_month": ("this month", "이번 달"),
}

PERIOD_SCHEMA = {
    "type": "string",
    # a named window, or days on the plant's clock: "2026-12-03" (one production day), "2026-12-01..2026-12-03"
    # (both days included), or a span up to now: "last_3d", "last_48h"
    "pattern": "^(" + "|".join(PERIODS) + ")$|" + PERIOD_PATTERN,
    "description": "time window / 기간: one of "
    + ", ".join(PERIODS)
    + "; or a production day YYYY-MM-DD; or days YYYY-MM-DD..YYYY-MM-DD (both included); or last_<n>d / "
    "last_<n>h (default last_24h)",
}
#: The longest window a question may ask for.
MAX_PERIOD_DAYS = 400
MACHINE_SCHEMA = {"type": "string", "description": "machine id, e.g. imm-02 / 설비 ID"}
LINE_SCHEMA = {"type": "string", "description": "line id, e.g. inj-a / 라인 ID"}
#: The most of a value a message quotes: a model sent a 2 MB machine id, which came back in the error's English and
#: Korean text, the step and the message to the model.
MAX_QUOTED = 80
#: The longest text a tool argument may be (twice the longest question; a SELECT fits easily).
MAX_ARGUMENT_CHARS = 4000


def quoted(value: Any) -> str:
    """A value someone sent, as a message quotes it: in quotes, its first `MAX_QUOTED` characters, then "…"."""
    text = str(value)
    return repr(text[:MAX_QUOTED] + "…" if len(text) > MAX_QUOTED else text)


def clipped(value: Any) -> Any:
    """Arguments as a step or a citation shows them: every text cut to `MAX_QUOTED` characters and "…"."""
    if isinstance(value, dict):
        return {clipped(k): clipped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clipped(v) for v in value]
    if isinstance(value, str) and len(value) > MAX_QUOTED:
        return value[:MAX_QUOTED] + "…"
    return value


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    period: str
    so_far: bool = False  # days that reach into today: up to now

    def label(self, lang: str) -> str:
        return period_label(self.period, lang) + (
            (" (지금까지)" if lang == "ko" else " (so far)") if self.so_far else ""
        )


def period_label(period: str | None, lang: str) -> str:
    """A period in words: "어제" / "yesterday", "2026년 12월 3일(목)" / "Thu 3 Dec 2026", "최근 3일" / "last 3 days"."""
    name = period or "last_24h"
    if name in PERIODS:
        en, ko = PERIODS[name]
        return ko if lang == "ko" else en
    try:
        days = parse_days(name)
    except ValueError:
        days = None
    if days:
        return days_label(*days, lang)
    relative = parse_relative(name)
    return relative_label(*relative, lang) if relative else name


def _bad_period(name: str, en: str = "", ko: str = "") -> InvalidInput:
    return InvalidInput(
        en
        or f"unknown period {quoted(name)}; use one of {', '.join(PERIODS)}, a day YYYY-MM-DD or days "
        "YYYY-MM-DD..YYYY-MM-DD",
        ko
        or f"알 수 없는 기간 {quoted(name)}입니다. {', '.join(PERIODS)} 중 하나나 날짜 YYYY-MM-DD, 기간 "
        "YYYY-MM-DD..YYYY-MM-DD를 쓰세요",
        code="bad_period",
    )


def resolve_period(period: str | None, now: datetime, calendar: ShiftCalendar | None = None) -> Window:
    """[start, end) of a period: a named one, days by date ("2026-12-03", "2026-12-01..2026-12-03"; a day that
    has not ended yet up to now) or a span up to now ("last_3d"). Days are the company's production days when its
    shift `calendar` is given (from the first shift's start to the next day's, on the plant's clock: what its
    dashboard and daily report call a day), else calendar days in Korean local time (KST)."""
    name = period or "last_24h"
    if calendar is not None:
        today = calendar.production_day(now)

        def begins(day: date) -> datetime:
            return calendar.production_day_span(day)[0]
    else:
        today = now.astimezone(SEOUL).date()

        def begins(day: date) -> datetime:
            return datetime.combine(day, time(0), SEOUL)

    start_today = begins(today)
    try:
        days = parse_days(name)
    except ValueError:
        raise _bad_period(name) from None
    if days is not None:
        # days named by date: from the first one's start to the day after the last one's, as "yesterday" is
        first, last = days
        if last < first:
            raise _bad_period(name)
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise _bad_period(
                name,
                f"the period {name} is longer than {MAX_PERIOD_DAYS} days",
                f"기간 {name}이(가) {MAX_PERIOD_DAYS}일을 넘습니다",
            )
        if first > today:
            label = {lang: days_label(first, last, lang) for lang in ("en", "ko")}
            raise InvalidInput(
                f"{label['en']} is in the future: there is no data for it yet",
                f"{label['ko']}은(는) 아직 오지 않은 날이라 데이터가 없습니다",
                code="future_period",
            )
        start, end = begins(first), begins(last + timedelta(days=1))
        so_far = end > now
        end = min(end, now)
        if end <= start:
            start = end - timedelta(minutes=1)
        return Window(start.astimezone(UTC), end.astimezone(UTC), name, so_far)
    relative = parse_relative(name)
    if relative is not None:
        n, unit = relative
        span = timedelta(hours=n) if unit == "h" else timedelta(days=n)
        if n <= 0 or span > timedelta(days=MAX_PERIOD_DAYS):
            raise _bad_period(name)
        return Window((now - span).astimezone(UTC), now.astimezone(UTC), name)
    spans: dict[str, tuple[datetime, datetime]] = {
        "last_hour": (now - timedelta(hours=1), now),
        "last_8h": (now - timedelta(hours=8), now),
        "last_24h": (now - timedelta(hours=24), now),
        "today": (start_today, now),
        "yesterday": (begins(today - timedelta(days=1)), start_today),
        "last_7d": (now - timedelta(days=7), now),
        "this_week": (begins(today - timedelta(days=today.weekday())), now),
        "last_30d": (now - timedelta(days=30), now),
        "this_month": (begins(today.replace(day=1)), now),
    }
    if name not in spans:
        raise _bad_period(name)
    start, end = spans[name]
    if end <= start:  # 'today' just after midnight: keep a non-empty window
        start = end - timedelta(minutes=1)
    return Window(start.astimezone(UTC), end.astimezone(UTC), name)


@dataclass
class ToolContext:
    """What a tool acts on: one company's data, its documents, and the clock questions are answered at."""

    store: Store
    company_id: str
    settings: Settings
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    lang: str = "ko"
    _zone: str | None = field(default=None, repr=False)

    @property
    def zone(self) -> str:
        """The plant's time zone (its site's; the platform's display zone when no site names one)."""
        if self._zone is None:
            sites = self.store.list_sites(self.company_id)
            self._zone = next((s.timezone for s in sites if s.timezone), self.settings.display_timezone)
        return self._zone

    def window(self, period: str | None) -> Window:
        """A period (named, or days by date), its days the company's production days (as its dashboard counts
        them)."""
        return resolve_period(period, self.now, company_calendar(self.settings.data_dir, self.company_id))

    def today(self) -> date:
        """The plant's production day now: what "today" and a date without a year are counted from."""
        return company_calendar(self.settings.data_dir, self.company_id).production_day(self.now)

    def name_of(self, machine_id: str | None, line_id: str | None, lang: str) -> str:
        """The subject of an answer as the plant names it, in `lang` ("사출기 2호기" / "IMM 2 (150 t)" of
        "사출기 2호기 IMM 2 (150 t)"), its id where it has no name; every machine without either."""
        from sandan.domain.text import shown_name

        if machine_id:
            return shown_name(self.machine(machine_id).name or machine_id)[lang]
        if line_id:
            lines = self.store.list_lines(self.company_id)
            return shown_name(next((ln.name for ln in lines if ln.id == line_id and ln.name), line_id))[lang]
        return "전체 설비" if lang == "ko" else "all machines"

    def machine(self, machine_id: str) -> Machine:
        found = self.store.get_machine(self.company_id, machine_id)
        if found is None:
            raise NotFound(
                f"machine {quoted(machine_id)} not found in this company",
                f"이 회사에 설비 {quoted(machine_id)}이(가) 없습니다",
                code="unknown_machine",
                machine_id=machine_id,
            )
        return found

    def line(self, line_id: str) -> str:
        lines = self.store.list_lines(self.company_id)
        if line_id not in {ln.id for ln in lines}:
            known = ", ".join(f"{ln.name} ({ln.id})" for ln in lines) or "—"
            raise NotFound(
                f"line {quoted(line_id)} not found in this company; its lines: {known}",
                f"이 회사에 라인 {quoted(line_id)}이(가) 없습니다. 이 회사의 라인: {known}",
                code="unknown_line",
                line_id=line_id,
            )
        return line_id


@dataclass
class Citation:
    """What an answer rests on: a tool call (function + arguments) or a document passage (file, page, section)."""

    kind: str  # tool | document
    label: str
    function: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    file: str = ""
    page: int | None = None
    section: str = ""
    document_id: str = ""
    rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v not in ("", None, {})}
        out["kind"] = self.kind
        return out


@dataclass
class ToolOutput:
    """A tool's result: figures for the answer line, a table, chart data, document passages, recommendations."""

    facts: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, str] = field(
        default_factory=dict
    )  # {"en": ..., "ko": ...} — facts in a fixed template
    table: list[dict[str, Any]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    passages: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    pending: dict[str, Any] | None = None
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # column → {"en": …, "ko": …}
    names: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # column → code → {"en", "ko"}

    def for_model(self, max_rows: int = 30) -> str:
        """A compact JSON text of the result for a language model (tables cut to `max_rows`)."""
        body = {
            "facts": self.facts,
            "rows": self.table[:max_rows],
            "rows_total": len(self.table),
            "passages": [{k: p.get(k) for k in ("file", "page", "section", "text")} for p in self.passages],
            "recommendations": self.recommendations,
        }
        if self.pending:
            body["pending_confirmation"] = self.pending
        return json.dumps(plain(body), ensure_ascii=False)


@dataclass(frozen=True)
class Tool:
    """One assistant tool. `writes` tools change a machine or a recipe: they only ever return a pending
    confirmation, and `apply` runs after a person confirms."""

    name: str
    description: dict[str, str]
    parameters: dict[str, Any]
    function: Callable[..., ToolOutput]
    calls: str  # the capability function(s) it calls, for citations
    writes: bool = False
    apply: Callable[..., dict[str, Any]] | None = None
    title: dict[str, str] | None = None  # what it looks up in a few words, for the citation a person reads

    def schema(self, lang: str = "en") -> dict[str, Any]:
        """The OpenAI-style tool definition."""
        text = f"{self.description['en']} / {self.description['ko']}"
        if self.writes:
            text += " (WRITE: needs a person's confirmation / 사람의 확인 필요)"
        return {
            "type": "function",
            "function": {"name": self.name, "description": text, "parameters": self.parameters},
        }


class ToolRegistry:
    """The tools an assistant may call. `default_registry()` loads every module of `sandan.assist.tools`."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def add(self, t: Tool) -> Tool:
        self._tools[t.name] = t
        return t

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._tools

    def __iter__(self):
        return iter(self._tools.values())

    def names(self) -> list[str]:
        return list(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        return [t.schema() for t in self._tools.values()]


_DEFAULT = ToolRegistry()
_loaded = False


def tool(
    name: str,
    *,
    en: str,
    ko: str,
    parameters: dict[str, Any],
    calls: str,
    title: tuple[str, str] | None = None,
    writes: bool = False,
    apply: Callable[..., dict[str, Any]] | None = None,
    registry: ToolRegistry | None = None,
) -> Callable[[Callable[..., ToolOutput]], Callable[..., ToolOutput]]:
    """Register `fn(ctx, **arguments) -> ToolOutput` as a tool (in the default registry unless one is given);
    `title` (English, Korean) names what it looks up in a few words, for the citations a person reads."""

    def wrap(fn: Callable[..., ToolOutput]) -> Callable[..., ToolOutput]:
        schema = {"type": "object", "additionalProperties": False, **parameters}
        (registry or _DEFAULT).add(
            Tool(
                name,
                {"en": en, "ko": ko},
                schema,
                fn,
                calls,
                writes=writes,
                apply=apply,
                title={"en": title[0], "ko": title[1]} if title else None,
            )
        )
        return fn

    return wrap


def default_registry() -> ToolRegistry:
    """Every tool module under `sandan.assist.tools` (one file per capability); a module whose capability is
    not installed yet simply registers nothing."""
    global _loaded
    if not _loaded:
        import sandan.assist.tools as pkg

        for info in pkgutil.iter_modules(pkg.__path__):
            try:
                importlib.import_module(f"{pkg.__name__}.{info.name}")
            except ImportError:  # a capability that is not built yet
                continue
        _loaded = True
    return _DEFAULT


# ---- argument checks (the model's arguments are untrusted) --------------------------------------------------
_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


#: What a value of each JSON type is called in a message: (English, Korean "must be …").
_TYPE_WORDS = {
    "string": ("a string", "문자열이어야"),
    "integer": ("an integer", "정수여야"),
    "number": ("a number", "숫자여야"),
    "boolean": ("true or false", "true나 false여야"),
    "array": ("an array", "목록(배열)이어야"),
    "object": ("an object", "객체여야"),
}


def _problem(key: str, spec: dict[str, Any], value: Any) -> tuple[str, str] | None:
    """What is wrong with one argument, in English and in Korean; None when nothing is."""
    name = quoted(key)
    kind = spec.get("type", "")
    en_type, ko_type = _TYPE_WORDS.get(kind, (kind, f"{kind} 형식이어야"))
    if isinstance(value, bool) and kind in ("integer", "number"):
        return f"{name} must be {en_type}", f"{name}은(는) {ko_type} 합니다"
    if not isinstance(value, _TYPES.get(kind, object)):
        return f"{name} must be {en_type}", f"{name}은(는) {ko_type} 합니다"
    # a text, or every text in a list or an object together (["imm-01", "x" * 10**6] too)
    size = len(value) if isinstance(value, str) else len(json.dumps(value, ensure_ascii=False, default=str))
    if size > MAX_ARGUMENT_CHARS:
        return (
            f"{name} is longer than {MAX_ARGUMENT_CHARS:,} characters",
            f"{name}이(가) {MAX_ARGUMENT_CHARS:,}자를 넘습니다",
        )
    if "enum" in spec and value not in spec["enum"]:
        listed = ", ".join(str(v) for v in spec["enum"])
        return f"{name} must be one of {listed}", f"{name}은(는) {listed} 중 하나여야 합니다"
    if "pattern" in spec and isinstance(value, str) and not re.search(spec["pattern"], value):
        if spec["pattern"] == PERIOD_SCHEMA["pattern"]:
            return (
                f"{name} must be {spec['description']}",
                f"{name}은(는) {', '.join(PERIODS)} 중 하나나 생산일 YYYY-MM-DD, 기간 YYYY-MM-DD..YYYY-MM-DD, "
                "last_<n>d, last_<n>h 가운데 하나여야 합니다",
            )
        return (
            f"{name} must be {spec.get('description') or 'of the form ' + spec['pattern']}",
            f"{name}의 형식이 맞지 않습니다 (형식: {spec['pattern']})",
        )
    if kind == "array":
        allowed = spec.get("items", {}).get("enum")
        if allowed is not None and any(v not in allowed for v in value):
            listed = ", ".join(str(v) for v in allowed)
            return f"{name} items must be among {listed}", f"{name}의 항목은 {listed} 중에서 골라야 합니다"
    return None


def check_arguments(t: Tool, arguments: Any) -> dict[str, Any]:
    """Arguments checked against the tool's JSON schema (types, enums, required, no unknown keys, no text longer
    than `MAX_ARGUMENT_CHARS`); raises InvalidInput with a message a model or a person can act on, in English and
    in Korean, quoting at most `MAX_QUOTED` characters of what was sent."""
    if not isinstance(arguments, dict):
        raise InvalidInput(
            f"arguments of {t.name} must be a JSON object",
            f"{t.name}의 인수는 JSON 객체여야 합니다",
            code="bad_tool_arguments",
        )
    props = t.parameters.get("properties", {})
    problems: list[tuple[str, str]] = []
    for key in t.parameters.get("required", []):
        if arguments.get(key) in (None, ""):
            problems.append((f"missing required {quoted(key)}", f"필수 인수 {quoted(key)}이(가) 빠졌습니다"))
    for key, value in arguments.items():
        spec = props.get(key)
        if spec is None:
            problems.append((f"unknown argument {quoted(key)}", f"알 수 없는 인수 {quoted(key)}"))
            continue
        if value is None:
            continue
        found = _problem(key, spec, value)
        if found is not None:
            problems.append(found)
    if problems:
        raise InvalidInput(
            f"arguments of {t.name} are invalid: " + "; ".join(en for en, _ in problems),
            f"{t.name}의 인수가 올바르지 않습니다: " + "; ".join(ko for _, ko in problems),
            code="bad_tool_arguments",
        )
    return {k: v for k, v in arguments.items() if v is not None}


# ---- shaping capability results ----------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """JSON-safe Python values (NaN → None, numpy → Python, times → ISO 8601)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is pd.NaT:
        return None
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    return value


def frame_rows(frame: pd.DataFrame, columns: list[str] | None = None, limit: int = MAX_TABLE_ROWS):
    """(columns, rows) of a capability's DataFrame, cut to `limit` rows."""
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    rows = [plain(r) for r in frame[cols].head(limit).to_dict("records")]
    return cols, rows


def call_citation(t_name: str, function: str, arguments: dict[str, Any], rows: int | None = None) -> Citation:
    return Citation(kind="tool", label=t_name, function=function, arguments=plain(arguments), rows=rows)


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_WHAT_KO = {"machine": "설비", "line": "라인"}


def id_arg(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not _ID.match(str(value)):
        raise InvalidInput(
            f"{what} id {quoted(value)} is not valid",
            f"{_WHAT_KO.get(what, what)} ID {quoted(value)}이(가) 올바르지 않습니다",
        )
    return str(value)
