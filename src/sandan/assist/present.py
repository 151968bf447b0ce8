"""How an assistant answer reads to a person: column ids become labels, ratios percentages, seconds hours and
minutes, numbers get thousands separators and UTC times the plant's own clock with the zone named.

Presentation only: the tools' facts, rows and chart data stay exact (the language model reads those); this module
makes the `display` a page shows next to them. Each kind of value has exactly one formatter here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandan.domain import plant_clock
from sandan.monitor.labels import label as monitor_label

DISPLAY_ROWS = 25  # what a page shows of a table; the tool keeps (and the model reads) more

Labels = Mapping[str, Mapping[str, str]]  # key → {"en": …, "ko": …}

#: Columns several tools share that no capability names (a capability's own labels come first).
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "machine_id": {"en": "Machine", "ko": "설비"},
    "line_id": {"en": "Line", "ko": "라인"},
    "production_day": {"en": "Production day", "ko": "생산일"},
    "day": {"en": "Day", "ko": "일자"},
    "lot_id": {"en": "Material lot", "ko": "자재 로트"},
    "product": {"en": "Product", "ko": "제품"},
    "shift_name": {"en": "Shift", "ko": "교대"},
    "units": {"en": "Units", "ko": "단위 수"},
    "first_pass_ok": {"en": "Good first time", "ko": "직행 양품 수"},
    "defect_type": {"en": "Defect type", "ko": "불량 유형"},
    "reason_code": {"en": "Reason", "ko": "사유"},
    "duration_s": {"en": "Duration", "ko": "시간"},
    "events": {"en": "Events", "ko": "건수"},
    "machines": {"en": "Machines", "ko": "설비 수"},
    "name": {"en": "Name", "ko": "이름"},
    "signal": {"en": "Signal", "ko": "신호"},
    "unit": {"en": "Unit", "ko": "단위"},
    "current": {"en": "Current", "ko": "현재"},
    "machine_min": {"en": "Machine min", "ko": "설비 하한"},
    "machine_max": {"en": "Machine max", "ko": "설비 상한"},
    "count": {"en": "Count", "ko": "개수"},
    "time": {"en": "Time", "ko": "시각"},
    "result": {"en": "Result", "ko": "판정"},
}

_RATIO_NAMES = {"availability", "effectiveness", "quality", "oee", "performance", "utilisation", "share"}
# a twin station's shares of time (`sandan.twin.sim`), beside its utilisation
_RATIO_NAMES |= {"working", "setup", "down", "waiting_worker", "idle", "blocked", "starved", "off_shift"}
_RATIO_NAMES |= {"sole_bottleneck", "shifting_bottleneck"}
_RATIO_ENDINGS = ("_rate", "_share", "_yield", "_ratio")
_SPEED_ENDINGS = ("_mm_s", "_m_s", "per_s")  # mm/s is a speed, not seconds
_UNIT_IN_LABEL = re.compile(r"\s*\((s|초)\)")
# the whole value an ISO time: 2026-05-01T08:00[:00[.000]][Z|+09:00] (a serial that begins like one is not)
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")
_LABEL_COLUMNS = ("label_en", "label_ko")


def lang_of(lang: str) -> str:
    return "en" if lang == "en" else "ko"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


# ---- one formatter per kind of value --------------------------------------------------------------------------
def pct(value: Any, digits: int = 1) -> str:
    """A ratio (0.153) as a percentage (15.3%); small non-zero shares keep one more digit (0.04%)."""
    if _missing(value):
        return "—"
    shown = 100 * float(value)
    if 0 < abs(shown) < 1:
        digits += 1
    return f"{shown:.{digits}f}%"


def number(value: Any) -> str:
    """A count or a measured figure: thousands separators, about four significant digits, never 7.3e+04."""
    if _missing(value):
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    size = abs(float(value))
    if size < 0.0001:
        return "< 0.0001" if value > 0 else "> -0.0001"
    digits = 4 if size < 1 else max(0, 3 - int(math.floor(math.log10(size))))
    text = f"{float(value):,.{digits}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def duration(seconds: Any, lang: str = "ko") -> str:
    """Seconds as a person reads them: 20 h 17 min / 20시간 17분; 12 min 5 s; 10 min; 2 h; 26.4 s."""
    if _missing(seconds):
        return "—"
    ko = lang_of(lang) == "ko"
    s = abs(float(seconds))
    sign = "-" if float(seconds) < 0 and round(s, 1) > 0 else ""
    if s < 60:
        return f"{sign}{number(round(s, 1))}{'초' if ko else ' s'}"
    total = round(s) if s < 3600 else round(s / 60) * 60
    h, rest = divmod(total, 3600)
    m, sec = divmod(rest, 60)
    if h:
        if not m:
            return f"{sign}{h:,}시간" if ko else f"{sign}{h:,} h"
        return f"{sign}{h:,}시간 {m}분" if ko else f"{sign}{h:,} h {m} min"
    if not sec:
        return f"{sign}{m}분" if ko else f"{sign}{m} min"
    return f"{sign}{m}분 {sec}초" if ko else f"{sign}{m} min {sec} s"


def span_of_days(days: float, lang: str = "ko") -> str:
    """A span of days as people say it: 1 day / 7 days / 7일, or 17 h 34 min when it is not whole days."""
    if days >= 1 and float(days).is_integer():
        n = int(days)
        return f"{n}일" if lang == "ko" else f"{n} day" + ("" if n == 1 else "s")
    return duration(days * 86_400, lang)


def zone_name(zone: str, when: datetime | None = None) -> str:
    """The zone as people name it where possible (KST), otherwise its offset (UTC+07) — never left unsaid."""
    abbreviation = (when or datetime.now(UTC)).astimezone(ZoneInfo(zone)).tzname() or zone
    return abbreviation if abbreviation.isalpha() else f"UTC{abbreviation}"


def local_time(value: Any, zone: str) -> str:
    """A UTC time (datetime or ISO text) on the plant's clock with its zone: 2026-03-05 18:00 KST."""
    if _missing(value) or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value  # text that only starts like a time ("2026-05-01 08:00 lot A") is shown as written
    return f"{plant_clock(value, zone)} {zone_name(zone, value)}"


def yes_no(value: bool, lang: str) -> str:
    return ("예" if value else "아니오") if lang_of(lang) == "ko" else ("yes" if value else "no")


# ---- which kind a value is ------------------------------------------------------------------------------------
def kind_of(column: str, value: Any) -> str:
    """ratio | duration | time | flag | number | text, from the column's name and the value itself."""
    if isinstance(value, bool):
        return "flag"
    if column.endswith("_vs_baseline"):  # a difference to the baseline has its KPI's kind
        column = column.removesuffix("_vs_baseline")
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_TIME.fullmatch(value)):
        return "time"
    if column in _RATIO_NAMES or column.endswith(_RATIO_ENDINGS):
        return "ratio"
    if column.endswith("_s") and not column.endswith(_SPEED_ENDINGS):
        return "duration"
    if isinstance(value, int | float):
        return "number"
    return "text"


def value_text(column: str, value: Any, lang: str, zone: str) -> str:
    """One value as shown, by its kind; an estimate {mean, half_width} as 'mean ± half width'."""
    if isinstance(value, Mapping) and "mean" in value:
        half = value.get("half_width")
        shown = value_text(column, value["mean"], lang, zone)
        return shown if _missing(half) else f"{shown} ± {value_text(column, half, lang, zone)}"
    if _missing(value):
        return "—"
    kind = kind_of(column, value)
    if kind == "ratio" and isinstance(value, int | float):
        return pct(value)
    if kind == "duration" and isinstance(value, int | float):
        return duration(value, lang)
    if kind == "time":
        return local_time(value, zone)
    if kind == "flag":
        return yes_no(value, lang)
    if kind == "number":
        return number(value)
    if isinstance(value, list | tuple):
        return ", ".join(value_text(column, v, lang, zone) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ---- labels ---------------------------------------------------------------------------------------------------
def column_label(column: str, lang: str, labels: Labels | None = None) -> str:
    """A column's name for people: the tool's own labels, then the shared ones, then the monitor's (the names the
    dashboard uses); a duration's '(s)' is dropped because it is shown in hours and minutes."""
    lang = lang_of(lang)
    found = (labels or {}).get(column) or COLUMN_LABELS.get(column)
    text = found[lang] if found else monitor_label(column, lang)
    return _UNIT_IN_LABEL.sub("", text) if kind_of(column, 0.0) == "duration" else text


def _own_name(row: Mapping[str, Any], lang: str) -> str | None:
    """The name a row gives itself (capabilities put label_en/label_ko next to a code, e.g. a defect type)."""
    return row.get(f"label_{lang}") or None


def _other_language(column: str, columns: list[str], lang: str) -> bool:
    """reason_en next to reason_ko: a person reads the one in their language."""
    other = "ko" if lang == "en" else "en"
    return column.endswith(f"_{other}") and f"{column[: -len(other)]}{lang}" in columns


def present_table(
    rows: list[dict[str, Any]],
    columns: list[str],
    lang: str,
    zone: str,
    *,
    labels: Labels | None = None,
    names: Mapping[str, Labels] | None = None,
    limit: int = DISPLAY_ROWS,
) -> dict[str, Any]:
    """Headers and cells of a tool's table as a person reads them. A code whose name is known (a parameter, a
    factor, a defect type with its label columns) shows the name, with the code kept beside it."""
    lang = lang_of(lang)
    shown = [c for c in columns if c not in _LABEL_COLUMNS and not _other_language(c, columns, lang)]
    headers = [{"key": c, "label": column_label(c, lang, labels)} for c in shown]
    body = []
    for r in rows[:limit]:
        cells = []
        for c in shown:
            v = r.get(c)
            named = (names or {}).get(c, {}).get(v) if isinstance(v, str) else None
            text = named[lang] if named else (_own_name(r, lang) if c == shown[0] else None)
            if text and text != v:  # the row's own code stays beside its name (a model's answer may use it)
                cells.append({"text": text, "code": v if c == shown[0] else None, "num": False})
            else:
                is_num = isinstance(v, int | float) and not isinstance(v, bool)
                cells.append({"text": value_text(c, v, lang, zone), "num": is_num or isinstance(v, Mapping)})
        body.append(cells)
    return {"headers": headers, "rows": body, "rows_total": len(rows)}


def present_chart(
    chart: Mapping[str, Any] | None,
    rows: list[dict[str, Any]],
    lang: str,
    zone: str,
    *,
    labels: Labels | None = None,
    names: Mapping[str, Labels] | None = None,
    limit: int = 20,
) -> dict[str, Any] | None:
    """A bar or Pareto chart's first series as labelled bars: the x names, the raw value for the bar's length
    and its text (a ratio as a percentage)."""
    if not chart or chart.get("kind") not in ("bar", "pareto") or not chart.get("series"):
        return None
    lang = lang_of(lang)
    key, values = next(iter(chart["series"].items()))
    every = {code: n[lang] for table in (names or {}).values() for code, n in table.items()}
    for r in rows:  # the chart's x is a row's code or its English label
        if _own_name(r, lang):
            every.update({str(r.get(k)): _own_name(r, lang) for k in (next(iter(r), ""), "label_en")})
    bars = []
    for x, v in list(zip(chart.get("x", []), values, strict=False))[:limit]:
        name = every.get(x) or (value_text("x", x, lang, zone) if x is not None else "—")
        bars.append(
            {"label": name, "value": None if _missing(v) else v, "text": value_text(key, v, lang, zone)}
        )
    return {"label": column_label(key, lang, labels), "bars": bars}


#: A citation's arguments that say what was asked, as its line words them (the rest stay in the exact call).
CITED_ARGUMENTS: dict[str, dict[str, str]] = {
    "product": {"en": "product {}", "ko": "제품 {}"},
    "characteristic": {"en": "characteristic {}", "ko": "특성 {}"},
    "lsl": {"en": "LSL {}", "ko": "규격 하한 {}"},
    "usl": {"en": "USL {}", "ko": "규격 상한 {}"},
    "signals": {"en": "signals {}", "ko": "신호 {}"},
    "states": {"en": "{}", "ko": "{}"},
    "parameter": {"en": "setting {}", "ko": "조건 {}"},
    "value": {"en": "to {}", "ko": "값 {}"},
    "change": {"en": "change: {}", "ko": "변경: {}"},
    "days": {"en": "last {} days", "ko": "최근 {}일"},
}
#: What a table is grouped by, as a citation says it ("per machine", "설비별").
_GROUPS = {
    "machine": "machine_id",
    "line": "line_id",
    "lot": "lot_id",
    "day": "production_day",
}


def _arguments(citation: Mapping[str, Any]) -> Mapping[str, Any]:
    """A citation's arguments; none when a model sent something else than an object (`[1]`, `5`)."""
    args = citation.get("arguments")
    return args if isinstance(args, Mapping) else {}


def citation_call(citation: Mapping[str, Any], lang: str, zone: str) -> str:
    """A tool citation's exact call: the function and its arguments, times on the plant's clock."""
    lang = lang_of(lang)
    args = ", ".join(
        f"{k}={value_text(k, v, lang, zone)}"
        for k, v in _arguments(citation).items()
        if v not in (None, "", [], {})
    )
    return f"{citation.get('function', '')}({args})"


def present_citation(
    citation: Mapping[str, Any],
    lang: str,
    zone: str,
    title: str | None = None,
    names: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
) -> str:
    """A citation as a person reads it: for a tool, what was looked up (`title`), for which machines or line,
    over which period on the plant's clock, grouped how, and how many rows came back — "불량률 · 사출기 1호기 ·
    2026-11-20 08:00 KST – 2026-11-21 08:00 KST · 설비별 · 5행". `citation_call` gives the exact call."""
    if citation.get("kind") == "document":
        return str(citation.get("label", ""))
    lang = lang_of(lang)
    args = _arguments(citation)
    shown_names = names or {}

    def named(column: str, ids: Any) -> str:
        ids = ids if isinstance(ids, list | tuple) else [ids]
        found = shown_names.get(column, {})
        return ", ".join((found.get(str(i)) or {}).get(lang) or str(i) for i in ids)

    parts = [title or str(citation.get("label") or citation.get("function", ""))]
    for key, column in (("machine_ids", "machine_id"), ("machine_id", "machine_id"), ("line_id", "line_id")):
        if args.get(key) not in (None, "", []):
            parts.append(named(column, args[key]))
    if args.get("bad") and args.get("good"):
        windows = (("bad", "불량 증가", "scrap rise"), ("good", "비교 기간", "compared with"))
        for key, ko, en in windows:
            a, b = args[key]
            parts.append(f"{ko if lang == 'ko' else en} {local_time(a, zone)} – {local_time(b, zone)}")
    elif args.get("start") and args.get("end"):
        parts.append(f"{local_time(args['start'], zone)} – {local_time(args['end'], zone)}")
    elif args.get("end"):
        parts.append(("~ " if lang == "ko" else "until ") + local_time(args["end"], zone))
    if args.get("by"):
        group = column_label(_GROUPS.get(str(args["by"]), str(args["by"])), lang)
        parts.append(f"{group}별" if lang == "ko" else f"per {group.lower()}")
    for key, words in CITED_ARGUMENTS.items():
        value = args.get(key)
        if value in (None, "", [], {}):
            continue
        # codes the tool names for people ("down" → "고장"); anything else as the tables show it
        codes = shown_names.get(key, {})
        shown = [
            (codes.get(str(v)) or {}).get(lang) or value_text(key, v, lang, zone)
            for v in (value if isinstance(value, list | tuple) else [value])
        ]
        parts.append(words[lang].format(", ".join(shown)))
    rows = citation.get("rows")
    if rows is not None:
        parts.append(f"{number(rows)}행" if lang == "ko" else f"{number(rows)} row{'' if rows == 1 else 's'}")
    if citation.get("refused"):
        parts.append("거절됨" if lang == "ko" else "refused")
    return " · ".join(parts)
