"""Tool over sandan.optimize: recommended set points for a machine that cut predicted defects, inside the machine
limits and the region its data supports. The recommendation is advice; changing a machine stays a write tool.
"""

from __future__ import annotations

from datetime import timedelta

from sandan.assist.present import duration, pct
from sandan.assist.registry import (
    LINE_SCHEMA,
    MACHINE_SCHEMA,
    PERIOD_SCHEMA,
    ToolContext,
    ToolOutput,
    call_citation,
    id_arg,
    plain,
    tool,
)
from sandan.optimize import observed_sentence
from sandan.optimize.rootcause import EFFECT_NAMES, TEST_NAMES, describe
from sandan.optimize.service import (
    RECOMMEND_DAYS,
    ROOT_CAUSE_BASELINE_DAYS,
    recommend_for_machine,
    root_cause_for,
    root_cause_window,
)

#: Column names of the recommendation's and the root cause's tables as people call them.
LABELS = {
    "name": {"en": "Setting / factor", "ko": "조건 / 요인"},
    "unit": {"en": "Unit", "ko": "단위"},
    "recommended": {"en": "Recommended", "ko": "권장"},
    "change": {"en": "Change", "ko": "변화량"},
    "fixed": {"en": "Held", "ko": "고정"},
    "observed_min": {"en": "Observed min", "ko": "관측 최소"},
    "observed_max": {"en": "Observed max", "ko": "관측 최대"},
    "extrapolated": {"en": "Beyond the data", "ko": "데이터 밖"},
    "kind": {"en": "Kind", "ko": "종류"},
    "test": {"en": "Test", "ko": "검정"},
    "p_value": {"en": "p-value", "ko": "p값"},
    "p_adjusted": {"en": "p (Holm-adjusted)", "ko": "p (홀름 보정)"},
    "effect": {"en": "Effect size", "ko": "효과 크기"},
    "effect_name": {"en": "Effect measure", "ko": "효과 지표"},
    "differs": {"en": "What differed", "ko": "무엇이 달랐나"},
}

#: What kind of factor a root-cause row is, in words.
FACTOR_KINDS = {
    "parameter": {"en": "process parameter", "ko": "공정 변수"},
    "categorical": {"en": "group (lot, machine, shift…)", "ko": "구분 (로트, 설비, 교대…)"},
}

_DAYS = {
    "last_hour": 1 / 24,
    "last_8h": 1 / 3,
    "last_24h": 1.0,
    "today": 1.0,
    "yesterday": 2.0,
    "last_7d": 7.0,
    "this_week": 7.0,
    "last_30d": 30.0,
}


@tool(
    "recommend_settings",
    title=("Recommended settings", "추천 공정 조건"),
    en="Recommended process settings for a machine that cut the predicted defect rate, within machine limits and "
    "the data's trust region (current vs recommended, expected defect rate with its interval)",
    ko="예측 불량률을 낮추는 설비의 권장 공정 조건 (설비 한계와 데이터 신뢰 영역 안, 현재 대비 권장, 예상 불량률과 범위)",
    parameters={
        "properties": {"machine_id": MACHINE_SCHEMA, "period": PERIOD_SCHEMA},
        "required": ["machine_id"],
    },
    calls="sandan.optimize.service.recommend_for_machine",
)
def recommend_settings_tool(ctx: ToolContext, machine_id: str, period: str | None = None) -> ToolOutput:
    machine_id = id_arg(machine_id, "machine")
    ctx.machine(machine_id)
    days = _DAYS.get(period, RECOMMEND_DAYS) if period else RECOMMEND_DAYS  # as the settings page learns
    rec = recommend_for_machine(ctx.store, ctx.company_id, machine_id, days=days, end=ctx.now, seed=0)
    rows = [{"name": c.name, "unit": rec.units.get(c.name, ""), **plain(c.to_dict())} for c in rec.parameters]
    changed = [c for c in rows if abs((c["recommended"] or 0) - (c["current"] or 0)) > 1e-9]
    recs = [
        {
            "machine_id": machine_id,
            "parameter": c["name"],
            "value": c["recommended"],
            "current": c["current"],
            "source": "sandan.optimize.recommend",
        }
        for c in changed
    ]
    moves = {lang: ", ".join(rec.move(c["name"], lang) for c in changed) or "—" for lang in ("en", "ko")}
    now_rate, expected = rec.current_defect_rate, rec.expected_defect_rate
    lo, hi = rec.expected_interval
    args = {"machine_id": machine_id, "days": days, "end": ctx.now, "seed": 0}
    # when nothing changes, the recommendation's own lines say why (e.g. the settings never varied enough)
    why = {lang: "" if changed else " " + " ".join(rec.text[lang][1:]) for lang in ("en", "ko")}
    said = observed_sentence(rec)
    if said and changed:  # (unchanged, the recommendation's lines above already hold it)
        why = {lang: " " + said[lang] for lang in ("en", "ko")}
    return ToolOutput(
        facts={
            "current_defect_rate": now_rate,
            "expected_defect_rate": expected,
            "expected_interval": [lo, hi],
            "changed": [c["name"] for c in changed],
            "extrapolation": rec.extrapolation,
            "observed_rate": rec.observed_rate,
            "observed_parts": rec.observed_parts,
            "misjudges_present": rec.misjudges_present,
        },
        summary={
            "en": f"Recommended for {ctx.name_of(machine_id, None, 'en')}: {moves['en']}. Predicted defect rate {pct(now_rate)} → {pct(expected)} "
            f"(likely {pct(lo)}–{pct(hi)}).{why['en']} Apply only after a person confirms.",
            "ko": f"{ctx.name_of(machine_id, None, 'ko')} 권장 조건: {moves['ko']}. 예측 불량률 {pct(now_rate)} → {pct(expected)} "
            f"(범위 {pct(lo)}–{pct(hi)}).{why['ko']} 담당자가 확인한 뒤에만 적용하세요.",
        },
        table=rows,
        columns=list(rows[0]) if rows else [],
        labels=LABELS,
        names={"name": rec.labels},
        recommendations=recs,
        citations=[
            call_citation(
                "recommend_settings", "sandan.optimize.service.recommend_for_machine", args, len(rows)
            )
        ],
    )


__all__ = ["recommend_settings_tool"]


@tool(
    "root_cause",
    title=("Cause of a scrap rise", "불량 증가 원인"),
    en="Why did scrap rise: the period asked about against the week before it (without a period: the last 24 hours, "
    "or the latest quarter of the records when they are younger than a week) — machines, lots, products and "
    "process parameters ranked by their association with defects (chi-square / Mann-Whitney, Holm-adjusted)",
    ko="불량이 왜 늘었나: 물어본 기간과 그 전 일주일을 비교해 (기간이 없으면 최근 24시간, 기록이 일주일이 안 되면 기록의 "
    "마지막 4분의 1) 설비, 로트, 제품, 공정 변수를 불량과의 연관성 순으로 (카이제곱 / 만-위트니, 홀름 보정)",
    parameters={
        "properties": {"machine_id": MACHINE_SCHEMA, "line_id": LINE_SCHEMA, "period": PERIOD_SCHEMA}
    },
    calls="sandan.optimize.service.root_cause_for",
)
def root_cause_tool(
    ctx: ToolContext, machine_id: str | None = None, line_id: str | None = None, period: str | None = None
) -> ToolOutput:
    ids = [ctx.machine(id_arg(machine_id, "machine")).id] if machine_id else None
    line = ctx.line(line_id) if line_id and not machine_id else None
    w = ctx.window(period) if period else None
    # the period asked (else the web page's first question), fitted to the records there are: with too little
    # history before it, the latest quarter of the records against the rest, said so in the answer
    bad_start, bad_end, days = root_cause_window(
        ctx.store,
        ctx.company_id,
        w.end if w else ctx.now,
        start=w.start if w else None,
        machine_ids=ids,
        line_id=line,
    )
    if w is not None and (bad_start, days) == (w.start, ROOT_CAUSE_BASELINE_DAYS):
        asked = {"en": f"the {w.label('en')}", "ko": w.label("ko")}
    else:
        span = (bad_end - bad_start).total_seconds()
        asked = {"en": f"the last {duration(span, 'en')}", "ko": f"최근 {duration(span, 'ko')}"}
        if w is not None:  # the records do not reach back a week before the period asked
            asked = {
                "en": f"{asked['en']} (the records do not reach a week before the {w.label('en')})",
                "ko": f"{asked['ko']}(기록이 {w.label('ko')} 전 일주일까지 있지 않아 이렇게 비교)",
            }
    found = root_cause_for(
        ctx.store, ctx.company_id, bad_start, bad_end, machine_ids=ids, line_id=line, baseline_days=days
    )
    start = bad_start - timedelta(days=days)
    if days == ROOT_CAUSE_BASELINE_DAYS:
        before = {"en": "the week before", "ko": "그 전 일주일"}
    else:
        before = {
            "en": f"the {duration(days * 86_400, 'en')} before",
            "ko": f"그 전 {duration(days * 86_400, 'ko')}",
        }
    rows = [plain(f.to_dict()) for f in found.factors]
    differs: dict[str, dict[str, str]] = {}
    for f, r in zip(found.factors, rows, strict=True):
        r.pop("detail", None)
        # what differed, in the words and figures of the web page (the direction the test found, never
        # "higher" beside a smaller number); the language model reads it in the question's language
        texts = {lang: describe(f.detail, lang) for lang in ("en", "ko")}
        r["differs"] = texts["ko" if ctx.lang == "ko" else "en"]
        differs[r["differs"]] = texts
    top = [r["name"] for r in rows[:3]]
    named = {lang: ", ".join(found.label(n, lang) for n in top) or "—" for lang in ("en", "ko")}
    args = {
        "start": start,
        "bad": [bad_start, bad_end],
        "good": [start, bad_start],
        "machine_ids": ids,
        "line_id": line,
    }
    where = {lang: ctx.name_of(machine_id, line_id, lang) for lang in ("en", "ko")}
    return ToolOutput(
        facts={
            "top_factors": top,
            "rate_bad": found.rate_bad,
            "rate_good": found.rate_good,
            "rose": found.rose,
        },
        summary={
            "en": f"Scrap of {where['en']}: {pct(found.rate_bad)} in {asked['en']} against {pct(found.rate_good)} in "
            f"{before['en']}{'' if found.rose else ', so it did not rise'}; most associated with the difference: "
            f"{named['en']}",
            "ko": f"{where['ko']} 불량률: {asked['ko']} {pct(found.rate_bad)}, {before['ko']} {pct(found.rate_good)}"
            f"{'' if found.rose else '로 오르지 않았습니다'}; 차이와 연관성이 큰 요인: {named['ko']}",
        },
        table=rows,
        columns=["name", "kind", "differs", *(c for c in rows[0] if c not in ("name", "kind", "differs"))]
        if rows
        else [],
        labels=LABELS,
        names={
            "name": found.labels,
            "kind": FACTOR_KINDS,
            "differs": differs,
            "test": TEST_NAMES,
            "effect_name": EFFECT_NAMES,
        },
        citations=[
            call_citation(
                "root_cause", "sandan.optimize.service.root_cause_for", args, found.n_good + found.n_bad
            )
        ],
    )
