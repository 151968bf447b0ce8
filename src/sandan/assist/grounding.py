"""The grounding check: the figures a language model's answer quotes, against the figures its tools returned.

It only compares numbers — it says which quoted figures no tool gave, never whether the answer is right.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import Any

from sandan.assist.present import kind_of

#: How many unmatched figures a notice names (the rest are counted).
MAX_NAMED = 10

# A number as people write it: 12.8, 1,258, -3.2 or −3.2 (a sign only where it cannot be part of an id: imm-02);
# not a piece of a longer token (a version 1.2.3, an id A3, a date 2026-03-05).
_NUMBER = re.compile(
    r"(?<![\w.,/·:\-−])(?P<sign>[-−](?=\d))?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![.,]?\d)"
)
# A figure with its unit: a percentage or a measure, quoted even with one significant digit ("0.5%", "3 bar").
_UNIT = re.compile(
    r"\s?(%p|%|％|퍼센트|percent\b|°C|℃|°|bar\b|MPa\b|kPa\b|kN\b|mm/s\b|m/s\b|mm\b|µm\b|um\b|cm\b|kg\b|g\b|t\b|"
    r"ton\b|톤|rpm\b|ppm\b|pcs\b|parts?\b|units?\b|개|건|회|h\b|hours?\b|hrs?\b|min\b|minutes?\b|s\b|sec\b|"
    r"seconds?\b|시간|분|초)",
    re.IGNORECASE,
)
# Not a figure of the plant: a machine number (2호기), a rank (1위), a date or time (2026년 3월 5일 8시, 3rd).
_NOT_A_FIGURE = re.compile(
    r"\s?(호기|호|번째|번|위|년|월|일|시(?!간)|차|단계|교대|st\b|nd\b|rd\b|th\b|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    re.IGNORECASE,
)
_MONTH_BEFORE = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s$", re.IGNORECASE)
# What is read out before numbers are looked for: citations [oee] [작업표준서.pdf p.3], dates, times of day, and
# the numbering of a list.
_CITATION = re.compile(r"\[[^\]\n]{0,200}\]")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_NUMBERING = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[-*•])\s+", re.MULTILINE)
# Any number inside the tools' texts (summaries, table cells, passages, citations), as a writer would copy it, and
# whether a percent sign follows it.
_TEXT_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(\s?[%％])?")
_PERCENT = re.compile(r"%p|%|％|퍼센트|percent", re.IGNORECASE)


def quoted_figures(text: str, names: Iterable[str] = ()) -> list[tuple[str, float, float, bool]]:
    """The figures `text` quotes, each as (as written, value, half of its last rounding step, whether it is a
    percentage): numbers with a unit or a percent sign, and plain numbers of two or more significant digits. Not
    figures: the `names` (machine and line ids and names), citations in brackets, dates, years, times of day,
    machine numbers, ranks and the numbering of a list."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    for pattern in (_CITATION, _DATE, _TIME, _NUMBERING):
        text = pattern.sub(" ", text)
    found = []
    for m in _NUMBER.finditer(text):
        after = text[m.end() : m.end() + 12]
        if _NOT_A_FIGURE.match(after) or _MONTH_BEFORE.search(text[max(0, m.start() - 10) : m.start()]):
            continue
        digits = m.group("num").replace(",", "")
        value = float(digits)
        whole, _, decimals = digits.partition(".")
        unit = _UNIT.match(after)
        if not unit:
            significant = (whole + decimals).lstrip("0")
            if not decimals:
                significant = significant.rstrip("0")
            if len(significant) < 2 or (not decimals and 1900 <= value <= 2100):
                continue
        step = 10.0 ** -len(decimals)
        if not decimals and value >= 1000:
            # "about 12,000 parts" for 12,345: the zeros a writer rounds to
            step = 10.0 ** (len(whole) - len(whole.rstrip("0")))
        shown = (m.group("sign") or "") + m.group("num") + (unit.group(0) if unit else "")
        percent = bool(unit and _PERCENT.fullmatch(unit.group(1)))
        found.append((shown.strip(), value, step / 2, percent))
    return found


def _values(value: Any, key: str = "") -> Iterator[tuple[float, bool]]:
    """Every number in a tool's result as (value, whether it reads as a percentage), also as a writer may turn it:
    a ratio as a percentage, seconds as minutes, hours or days; the numbers written inside its texts ("12.8%" a
    percentage, and 12.8 as it is)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _values(v, str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _values(v, key)
    elif isinstance(value, str):
        # the dates and times in a tool's texts are not figures a model may quote as a rate or a count
        for m in _TEXT_NUMBER.finditer(_TIME.sub(" ", _DATE.sub(" ", value))):
            number = float(m.group(1).replace(",", ""))
            yield number, False
            if m.group(2):
                yield number, True
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        v = abs(float(value))
        yield v, False
        kind = kind_of(key, value)
        if kind == "ratio" or v <= 1:
            yield v * 100, True
        if kind == "duration":
            yield from ((v / 60, False), (v / 3600, False), (v / 86_400, False))


def tool_figures(steps: list[dict[str, Any]], also: Iterable[str] = ()) -> tuple[list[float], list[float]]:
    """The figures the tools returned in an answer's `steps` (their facts, tables, recommendations, citations,
    passages, summaries and what a person reads of them), and the numbers written in `also` (the question, the
    machine names): sorted, the plain ones and the percentages."""
    shown = (
        "facts",
        "table",
        "recommendations",
        "citations",
        "passages",
        "summary",
        "summary_i18n",
        "display",
    )
    found = [v for step in steps for part in shown for v in _values(step.get(part), "")]
    found += [v for text in also for v in _values(text)]
    plain = sorted({v for v, percent in found if not percent})
    percentages = sorted({v for v, percent in found if percent})
    return plain, percentages


def _near(figures: list[float], value: float, slack: float) -> bool:
    at = bisect_left(figures, value - slack)
    return at < len(figures) and figures[at] <= value + slack


def unmatched(
    text: str, steps: list[dict[str, Any]], names: Iterable[str], also: Iterable[str] = ()
) -> list[str]:
    """The figures `text` quotes (as written) that match none the tools returned, allowing the rounding of the
    figure as written (12.8 % written as 13 % or 0.128 matches 0.1277)."""
    names = list(names)
    plain, percentages = tool_figures(steps, [*also, *names])
    out = []
    for shown, value, half_step, percent in quoted_figures(text, names):
        # a percentage is compared with percentages only: "0.5%" is not the ratio 0.53
        figures = percentages if percent else plain
        if not _near(figures, value, half_step + 1e-9 * max(1.0, value)) and shown not in out:
            out.append(shown)
    return out
