"""Tools over sandan.monitor: OEE, production, defect rate, defect and downtime Pareto, SPC status, process capability.

Every figure is the monitor function's own; these functions only pick arguments and shape the result.
"""

from __future__ import annotations

import json
from typing import Any

from sandan import monitor
from sandan.assist.present import duration, number, pct
from sandan.assist.registry import (
    LINE_SCHEMA,
    MACHINE_SCHEMA,
    PERIOD_SCHEMA,
    ToolContext,
    ToolOutput,
    call_citation,
    frame_rows,
    id_arg,
    plain,
    tool,
)
from sandan.domain import InvalidInput, SandanError
from sandan.monitor.calendar import ShiftCalendar, company_calendar
from sandan.monitor.codes import CodeTable, company_codes
from sandan.monitor.labels import OEE_STATUS
from sandan.monitor.specs import limits_for

_SCOPE = {"machine_id": MACHINE_SCHEMA, "line_id": LINE_SCHEMA, "period": PERIOD_SCHEMA}
# the tools that compare machines also take several ("compare lathe 1 and lathe 3")
_COMPARE_SCOPE = {
    **_SCOPE,
    "machine_ids": {
        "type": "array",
        "items": MACHINE_SCHEMA,
        "description": "machines compared / 비교할 설비들",
    },
}


def _scope(
    ctx: ToolContext, machine_id: str | None, line_id: str | None, machine_ids: list[str] | None = None
) -> dict[str, Any]:
    if machine_ids:
        ids = [id_arg(m, "machine") for m in machine_ids]
        for m in ids:
            ctx.machine(m)
        return {"machine_ids": list(dict.fromkeys(ids))}
    machine_id, line_id = id_arg(machine_id, "machine"), id_arg(line_id, "line")
    if machine_id:
        ctx.machine(machine_id)
        return {"machine_ids": [machine_id]}
    if line_id:
        return {"line_id": ctx.line(line_id)}
    return {}


def _subject(ctx: ToolContext, machine_id, line_id, machine_ids, lang: str) -> str:
    """What an answer is about: one machine or line by name, or the machines compared."""
    if machine_ids:
        return " · ".join(ctx.name_of(m, None, lang) for m in dict.fromkeys(machine_ids))
    return ctx.name_of(machine_id, line_id, lang)


def _calendar(ctx: ToolContext) -> ShiftCalendar:
    """The company's shift calendar: the one its dashboard counts with."""
    return company_calendar(ctx.settings.data_dir, ctx.company_id)


def _codes(ctx: ToolContext) -> CodeTable:
    """The company's code table: the names its pages give reason and defect codes."""
    return company_codes(ctx.settings.data_dir, ctx.company_id)


OEE_COLUMNS = [
    "machine_id",
    "line_id",
    "production_day",
    "availability",
    "effectiveness",
    "quality",
    "oee",
    "produced_qty",
    "good_qty",
    "scrap_qty",
    "run_time_s",
    "down_time_s",
    "oee_status",
]


@tool(
    "oee",
    title=("OEE", "설비종합효율(OEE)"),
    en="OEE (ISO 22400) with availability, performance and quality, per machine, line or day",
    ko="설비종합효율(OEE, ISO 22400)과 가동률·성능·품질을 설비, 라인, 일자별로",
    parameters={
        "properties": {
            **_COMPARE_SCOPE,
            "by": {"type": "string", "enum": ["machine", "line", "day"], "description": "grouping / 묶음"},
        }
    },
    calls="sandan.monitor.oee",
)
def oee_tool(
    ctx: ToolContext,
    machine_id: str | None = None,
    line_id: str | None = None,
    period: str | None = None,
    by: str = "machine",
    machine_ids: list[str] | None = None,
) -> ToolOutput:
    w = ctx.window(period)
    scope = _scope(ctx, machine_id, line_id, machine_ids)
    report = monitor.oee_report(ctx.store, ctx.company_id, w.start, w.end, calendar=_calendar(ctx), **scope)
    table = report.table(by)
    overall = report.overall()
    cols, rows = frame_rows(table, OEE_COLUMNS)
    facts = {
        k: plain(overall.get(k)) for k in ("oee", "availability", "effectiveness", "quality", "produced_qty")
    }
    where = _subject(ctx, machine_id, line_id, machine_ids, "en")
    args = {"start": w.start, "end": w.end, "by": by, **scope}
    chart = None
    if rows and by in ("machine", "line", "day"):
        x = {"machine": "machine_id", "line": "line_id", "day": "production_day"}[by]
        chart = {
            "kind": "bar",
            "x": [r.get(x) for r in rows],
            "series": {"oee": [r.get("oee") for r in rows]},
        }
    # where records begin inside the period, and much planned time without any record: say so, as the dashboard does
    notes = [
        n for n in report.notes if n["code"] in ("records_begin", "records_later")
    ] + monitor.unrecorded_notes(overall)
    low = _extreme(ctx, table, by, "oee", highest=False)
    return ToolOutput(
        facts=facts,
        summary={
            "en": f"OEE of {where}, {w.label('en')}: {pct(facts['oee'])} (availability {pct(facts['availability'])}, "
            f"performance {pct(facts['effectiveness'])}, quality {pct(facts['quality'])}){low['en']}"
            + "".join(f". Note: {n['en']}" for n in notes),
            "ko": f"{_subject(ctx, machine_id, line_id, machine_ids, 'ko')} OEE, {w.label('ko')}: {pct(facts['oee'])} "
            f"(시간 가동률 {pct(facts['availability'])}, 성능 가동률 {pct(facts['effectiveness'])}, "
            f"양품률 {pct(facts['quality'])}){low['ko']}" + "".join(f". 참고: {n['ko']}" for n in notes),
        },
        table=rows,
        columns=cols,
        chart=chart,
        names={"oee_status": OEE_STATUS},
        citations=[call_citation("oee", "sandan.monitor.oee", args, len(rows))],
    )


QUALITY_BY = ["product", "machine", "line", "lot", "shift_name", "day"]
_GROUP_KEY = {"machine": "machine_id", "line": "line_id", "lot": "lot_id", "day": "production_day"}


def _quality(
    ctx: ToolContext,
    machine_id: str | None,
    line_id: str | None,
    period: str | None,
    by: str,
    machine_ids: list[str] | None = None,
):
    """The window, the scope's arguments, `monitor.quality_table` by `by` and its total row: what the defect-rate
    and production answers are both read from."""
    w = ctx.window(period)
    scope = _scope(ctx, machine_id, line_id, machine_ids)
    calendar = _calendar(ctx)
    table = monitor.quality_table(
        ctx.store, ctx.company_id, w.start, w.end, by=by, calendar=calendar, **scope
    )
    overall = monitor.quality_table(
        ctx.store, ctx.company_id, w.start, w.end, by=(), calendar=calendar, **scope
    )
    total = overall.iloc[0].to_dict() if len(overall) else {}
    return w, {"start": w.start, "end": w.end, "by": by, **scope}, table, total


def _extreme(ctx: ToolContext, table, by: str, column: str, highest: bool) -> dict[str, str]:
    """The machine or line with the highest (or lowest) `column`, as a clause for the answer ('' for one group):
    a question like "which machine had the most scrap?" is answered by name, not only by the table."""
    key = _GROUP_KEY.get(by)
    if by not in ("machine", "line") or key not in table or table[column].notna().sum() < 2:
        return {"en": "", "ko": ""}
    row = table.loc[table[column].idxmax() if highest else table[column].idxmin()]
    ids = {"machine_id": row[key]} if by == "machine" else {"line_id": row[key]}
    name = {lang: ctx.name_of(ids.get("machine_id"), ids.get("line_id"), lang) for lang in ("en", "ko")}
    value = pct(row[column])
    return {
        "en": f"; {'highest' if highest else 'lowest'}: {name['en']} ({value})",
        "ko": f"; 가장 {'높은' if highest else '낮은'} {'설비' if by == 'machine' else '라인'}: {name['ko']} ({value})",
    }


def _bars(rows: list[dict[str, Any]], by: str, series: list[str]) -> dict[str, Any] | None:
    """A bar chart of the first 30 groups."""
    if not rows:
        return None
    key = _GROUP_KEY.get(by, by)
    return {
        "kind": "bar",
        "x": [r.get(key) for r in rows[:30]],
        "series": {name: [r.get(name) for r in rows[:30]] for name in series},
    }


@tool(
    "defect_rate",
    title=("Defect rate", "불량률"),
    en="Defect (scrap) rate and first-pass yield, grouped by product, machine, line, lot, shift or day",
    ko="불량률(폐기율)과 직행률을 제품, 설비, 라인, 로트, 교대, 일자별로",
    parameters={
        "properties": {
            **_COMPARE_SCOPE,
            "by": {"type": "string", "enum": QUALITY_BY, "description": "grouping / 묶음"},
        }
    },
    calls="sandan.monitor.quality_table",
)
def defect_rate_tool(
    ctx: ToolContext,
    machine_id: str | None = None,
    line_id: str | None = None,
    period: str | None = None,
    by: str = "machine",
    machine_ids: list[str] | None = None,
) -> ToolOutput:
    w, args, table, total = _quality(ctx, machine_id, line_id, period, by, machine_ids)
    if by == "lot":  # the worst lots first: that is what a lot question is after
        table = table.sort_values(["defect_rate", "scrap_qty"], ascending=False, kind="stable")
    cols, rows = frame_rows(table)
    facts = {k: plain(total.get(k)) for k in ("defect_rate", "scrap_qty", "produced_qty", "first_pass_yield")}
    chart = _bars(rows, by, ["defect_rate"])
    worst = _extreme(ctx, table, by, "defect_rate", highest=True)
    return ToolOutput(
        facts=facts,
        summary={
            "en": f"Defect rate of {_subject(ctx, machine_id, line_id, machine_ids, 'en')}, {w.label('en')}: {pct(facts['defect_rate'])} "
            f"({number(facts['scrap_qty'] or 0)} scrap of {number(facts['produced_qty'] or 0)} produced){worst['en']}",
            "ko": f"{_subject(ctx, machine_id, line_id, machine_ids, 'ko')} 불량률, {w.label('ko')}: {pct(facts['defect_rate'])} "
            f"(생산 {number(facts['produced_qty'] or 0)}개 중 불량 {number(facts['scrap_qty'] or 0)}개){worst['ko']}",
        },
        table=rows,
        columns=cols,
        chart=chart,
        citations=[call_citation("defect_rate", "sandan.monitor.quality_table", args, len(rows))],
    )


PRODUCTION_BY = ["machine", "line", "product", "shift_name", "day"]
PRODUCTION_COLUMNS = [
    "machine_id",
    "line_id",
    "product",
    "shift_name",
    "production_day",
    "produced_qty",
    "good_qty",
    "scrap_qty",
    "defect_rate",
]


@tool(
    "production",
    title=("Production", "생산량"),
    en="Parts produced, good and scrap, per machine, line, product, shift or production day",
    ko="생산 수량(양품, 불량)을 설비, 라인, 제품, 교대, 생산일별로",
    parameters={
        "properties": {
            **_COMPARE_SCOPE,
            "by": {"type": "string", "enum": PRODUCTION_BY, "description": "grouping / 묶음"},
        }
    },
    calls="sandan.monitor.quality_table",
)
def production_tool(
    ctx: ToolContext,
    machine_id: str | None = None,
    line_id: str | None = None,
    period: str | None = None,
    by: str = "machine",
    machine_ids: list[str] | None = None,
) -> ToolOutput:
    w, args, table, total = _quality(ctx, machine_id, line_id, period, by, machine_ids)
    facts = {k: int(plain(total.get(k)) or 0) for k in ("produced_qty", "good_qty", "scrap_qty")}
    cols, rows = frame_rows(table, PRODUCTION_COLUMNS)
    chart = _bars(rows, by, ["produced_qty", "good_qty", "scrap_qty"])
    made, good, scrap = (number(facts[k]) for k in ("produced_qty", "good_qty", "scrap_qty"))
    return ToolOutput(
        facts=facts,
        summary={
            "en": f"Produced by {_subject(ctx, machine_id, line_id, machine_ids, 'en')}, {w.label('en')}: {made} parts "
            f"({good} good, {scrap} scrap)",
            "ko": f"{_subject(ctx, machine_id, line_id, machine_ids, 'ko')} 생산량, {w.label('ko')}: {made}개 (양품 {good}개, 불량 {scrap}개)",
        },
        table=rows,
        columns=cols,
        chart=chart,
        citations=[call_citation("production", "sandan.monitor.quality_table", args, len(rows))],
    )


@tool(
    "defect_pareto",
    title=("Defect Pareto", "불량 파레토"),
    en="Defect Pareto: scrap by defect type, most frequent first, with share and cumulative share",
    ko="불량 파레토: 불량 유형별 수량, 많은 순, 비율과 누적 비율",
    parameters={"properties": {**_SCOPE, "product": {"type": "string", "description": "product / 제품"}}},
    calls="sandan.monitor.defect_pareto",
)
def defect_pareto_tool(
    ctx: ToolContext,
    machine_id: str | None = None,
    line_id: str | None = None,
    period: str | None = None,
    product: str | None = None,
) -> ToolOutput:
    w = ctx.window(period)
    scope = _scope(ctx, machine_id, line_id)
    table = monitor.defect_pareto(
        ctx.store,
        ctx.company_id,
        w.start,
        w.end,
        product=product,
        calendar=_calendar(ctx),
        codes=_codes(ctx),
        **scope,
    )
    cols, rows = frame_rows(table)
    top = rows[0] if rows else {}
    facts = {
        "top_defect": top.get("defect_type"),
        "top_share": top.get("share"),
        "top_qty": top.get("scrap_qty"),
    }
    args = {"start": w.start, "end": w.end, "product": product, **scope}
    chart = (
        {
            "kind": "pareto",
            "x": [r["label_en"] for r in rows],
            "series": {
                "scrap_qty": [r["scrap_qty"] for r in rows],
                "cumulative_share": [r["cumulative_share"] for r in rows],
            },
        }
        if rows
        else None
    )
    none = {"en": "no scrap in the window", "ko": "기간 안에 불량이 없습니다"}
    return ToolOutput(
        facts=facts,
        summary={
            "en": f"Top defect of {ctx.name_of(machine_id, line_id, 'en')}, {w.label('en')}: "
            + (f"{top['label_en']} ({number(top['scrap_qty'])}, {pct(top['share'])})" if top else none["en"]),
            "ko": f"{ctx.name_of(machine_id, line_id, 'ko')} 주요 불량, {w.label('ko')}: "
            + (
                f"{top['label_ko']} ({number(top['scrap_qty'])}개, {pct(top['share'])})"
                if top
                else none["ko"]
            ),
        },
        table=rows,
        columns=cols,
        chart=chart,
        citations=[call_citation("defect_pareto", "sandan.monitor.defect_pareto", args, len(rows))],
    )


#: The machine states a stop may be in, as people call them.
STOP_STATES = {
    "down": {"en": "breakdowns", "ko": "고장"},
    "setup": {"en": "setups", "ko": "작업준비"},
    "idle": {"en": "waiting", "ko": "대기"},
}


@tool(
    "downtime_pareto",
    title=("Downtime by reason", "사유별 비가동"),
    en="Stopped time by reason code inside planned time, largest first: breakdowns, setups and waiting (or only "
    "the states asked for; maintenance hints)",
    ko="계획 시간 안의 비가동 시간(고장, 작업준비, 대기)을 사유 코드별로, 큰 순서 (요청한 상태만도 가능; 보전 참고)",
    parameters={
        "properties": {
            **_SCOPE,
            "states": {
                "type": "array",
                "items": {"type": "string", "enum": ["down", "setup", "idle"]},
                "description": "machine states / 설비 상태 (default all three)",
            },
        }
    },
    calls="sandan.monitor.downtime_pareto",
)
def downtime_pareto_tool(
    ctx: ToolContext,
    machine_id: str | None = None,
    line_id: str | None = None,
    period: str | None = None,
    states: list[str] | None = None,
) -> ToolOutput:
    w = ctx.window(period)
    scope = _scope(ctx, machine_id, line_id)
    states = states or list(STOP_STATES)
    table = monitor.downtime_pareto(
        ctx.store,
        ctx.company_id,
        w.start,
        w.end,
        states=states,
        calendar=_calendar(ctx),
        codes=_codes(ctx),
        **scope,
    )
    cols, rows = frame_rows(table)
    top = rows[0] if rows else {}
    reason = top.get("reason_code") or ("unrecorded" if top else None)
    facts = {"top_reason": reason, "top_share": top.get("share")}
    for k in ("down_time_s", "duration_s"):
        if k in top:
            facts["top_time_s"] = top[k]
    # the stopped time of the kinds counted, summed over the reasons (the monitor's own figures)
    time_col = next((k for k in ("down_time_s", "duration_s") if k in table), None)
    facts["total_time_s"] = plain(float(table[time_col].sum())) if time_col and len(table) else 0.0
    facts["states"] = list(states)
    args = {"start": w.start, "end": w.end, "states": states, **scope}

    kinds = {lang: ", ".join(STOP_STATES[st][lang] for st in states) for lang in ("en", "ko")}
    # what was counted, said first: breakdowns alone are breakdowns, not "stops"
    what = (
        {"en": "Breakdown time", "ko": "고장 시간"}
        if list(states) == ["down"]
        else {"en": f"Stopped time ({kinds['en']})", "ko": f"비가동 시간 ({kinds['ko']})"}
    )
    none = (
        {"en": "no breakdown recorded", "ko": "기록된 고장이 없습니다"}
        if list(states) == ["down"]
        else {"en": "no stop recorded", "ko": "기록된 비가동이 없습니다"}
    )

    def largest(lang: str) -> str:
        name = top.get(f"label_{lang}") or reason
        total = duration(facts["total_time_s"], lang)
        share = f"{name} ({duration(facts.get('top_time_s'), lang)}, {pct(top.get('share'))})"
        return (
            f"total {total}; largest reason {share}"
            if lang == "en"
            else f"합계 {total}; 가장 큰 사유 {share}"
        )

    return ToolOutput(
        facts=facts,
        summary={
            "en": f"{what['en']} of {ctx.name_of(machine_id, line_id, 'en')}, {w.label('en')}: "
            + (largest("en") if top else none["en"]),
            "ko": f"{ctx.name_of(machine_id, line_id, 'ko')} {what['ko']}, {w.label('ko')}: "
            + (largest("ko") if top else none["ko"]),
        },
        table=rows,
        columns=cols,
        labels={"down_time_s": {"en": "Stopped time", "ko": "비가동 시간"}},
        names={"states": STOP_STATES},  # the citation says which stops were counted in words
        citations=[call_citation("downtime_pareto", "sandan.monitor.downtime_pareto", args, len(rows))],
    )


def _limits(lsl: float | None, usl: float | None) -> str:
    """Specification limits as written: "1.95~2.05", "≥ 84", "≤ 0.1"."""
    if lsl is not None and usl is not None:
        return f"{lsl:g}~{usl:g}"
    return f"≥ {lsl:g}" if lsl is not None else f"≤ {usl:g}"


def _characteristics(ctx: ToolContext, machine_id: str, w) -> list[str]:
    recent = ctx.store.query_parts(ctx.company_id, w.start, w.end, [machine_id], limit=1, newest_first=True)
    if not recent.num_rows:
        return []
    raw = recent.column("measures")[0].as_py()
    return sorted(json.loads(raw)) if raw else []


def _characteristic_names(ctx: ToolContext, machine_id: str, keys: list[str]) -> dict[str, dict[str, str]]:
    """The measured characteristics as the machine's process model calls them ("휨량 (평면도)" for `warpage_mm`), for
    the tables' `characteristic` column; a key its process does not name stays as the data names it."""
    from sandan.twin.process import column_labels

    words = column_labels([ctx.machine(machine_id).family])
    return {k: {"en": words[k]["en"], "ko": words[k]["ko"]} for k in keys if k in words}


#: The SPC table's columns as people call them (the monitor names none of these).
SPC_LABELS = {
    "characteristic": {"en": "Characteristic", "ko": "측정 특성"},
    "in_control": {"en": "In control", "ko": "관리 상태 정상"},
    "violations": {"en": "Points breaking a rule", "ko": "규칙 위반 점 수"},
    "rules": {"en": "Rules broken", "ko": "위반 규칙"},
    "center": {"en": "Centre line", "ko": "중심선"},
    "lcl": {"en": "Lower control limit", "ko": "관리 하한(LCL)"},
    "ucl": {"en": "Upper control limit", "ko": "관리 상한(UCL)"},
    "last_value": {"en": "Last value", "ko": "최근 값"},
    "points": {"en": "Points", "ko": "점 수"},
}


@tool(
    "spc_status",
    title=("Control chart (I-MR)", "관리도 (I-MR)"),
    en="SPC status of a machine's measured characteristics: individuals (I-MR) charts with Western Electric run rules",
    ko="설비 측정 특성의 SPC 상태: 개별값(I-MR) 관리도와 웨스턴 일렉트릭 판정 규칙",
    parameters={
        "properties": {
            "machine_id": MACHINE_SCHEMA,
            "characteristic": {"type": "string", "description": "measured characteristic / 측정 특성"},
            "period": PERIOD_SCHEMA,
        },
        "required": ["machine_id"],
    },
    calls="sandan.monitor.measurement_chart",
)
def spc_status_tool(
    ctx: ToolContext, machine_id: str, characteristic: str | None = None, period: str | None = None
) -> ToolOutput:
    w = ctx.window(period)
    ctx.machine(id_arg(machine_id, "machine"))
    names = [characteristic] if characteristic else _characteristics(ctx, machine_id, w)
    rows, citations = [], []
    for name in names:
        args = {
            "start": w.start,
            "end": w.end,
            "characteristic": name,
            "chart": "imr",
            "machine_ids": [machine_id],
        }
        try:
            chart = monitor.measurement_chart(
                ctx.store, ctx.company_id, w.start, w.end, name, chart="imr", machine_ids=[machine_id]
            )
        except SandanError as exc:
            rows.append({"characteristic": name, "in_control": None, "note": exc.en})
            continue
        series = chart.series[0]
        rules = sorted({v.rule for s in chart.series for v in s.violations})
        rows.append(
            {
                "characteristic": name,
                "in_control": chart.in_control,
                # each point once, however many rules (on the individuals or the moving-range chart) it breaks
                "violations": len({v.index for s in chart.series for v in s.violations}),
                "rules": ",".join(rules),
                "center": plain(float(series.center[-1])),
                "lcl": plain(float(series.lcl[-1])),
                "ucl": plain(float(series.ucl[-1])),
                "last_value": plain(float(series.values[-1])),
                "points": len(series.values),
            }
        )
        citations.append(
            call_citation("spc_status", "sandan.monitor.measurement_chart", args, len(series.values))
        )
    if not names:
        raise InvalidInput(
            f"machine {machine_id} has no measured characteristics in the window",
            f"설비 {machine_id}에 기간 안의 측정 특성이 없습니다",
            code="too_few",
        )
    out = [r["characteristic"] for r in rows if r.get("in_control") is False]
    words = _characteristic_names(ctx, machine_id, names)
    said = {lang: ", ".join(words.get(n, {}).get(lang, n) for n in out) for lang in ("en", "ko")}
    return ToolOutput(
        facts={"out_of_control": out, "checked": len(rows)},
        summary={
            "en": f"SPC of {ctx.name_of(machine_id, None, 'en')}, {w.label('en')}: {len(out)} of {len(rows)} characteristics out of control"
            + (f" ({said['en']})" if out else ""),
            "ko": f"{ctx.name_of(machine_id, None, 'ko')} SPC, {w.label('ko')}: 측정 특성 {len(rows)}개 중 {len(out)}개 관리 이탈"
            + (f" ({said['ko']})" if out else ""),
        },
        table=rows,
        columns=list(SPC_LABELS),
        labels=SPC_LABELS,
        names={"characteristic": words},
        citations=citations
        or [call_citation("spc_status", "sandan.monitor.measurement_chart", {"machine_ids": [machine_id]})],
    )


CAPABILITY_LABELS = {
    "characteristic": {"en": "Characteristic", "ko": "측정 특성"},
    "lsl": {"en": "Lower spec limit", "ko": "규격 하한"},
    "usl": {"en": "Upper spec limit", "ko": "규격 상한"},
    "n": {"en": "Measurements", "ko": "측정 수"},
    "cpk": {"en": "Cpk", "ko": "Cpk"},
    "ppk": {"en": "Ppk", "ko": "Ppk"},
    "out_of_spec": {"en": "Out of spec", "ko": "규격 이탈 수"},
    "observed_ppm": {"en": "Observed ppm", "ko": "실측 ppm"},
    "expected_ppm": {"en": "Expected ppm (normal model)", "ko": "예상 ppm (정규 분포 모형)"},
    "verdict": {"en": "Verdict", "ko": "판정"},
}
VERDICTS = {
    "capable": {"en": "capable (Cpk ≥ 1.33)", "ko": "충분 (Cpk ≥ 1.33)"},
    "marginal": {"en": "marginal (1.00–1.33)", "ko": "부족 우려 (1.00~1.33)"},
    "not_capable": {"en": "not capable (< 1.00)", "ko": "부족 (< 1.00)"},
    "undetermined": {
        "en": "not judged: not normal and no distribution fits (see the observed ppm)",
        "ko": "판정 안 함: 정규분포가 아니고 맞는 분포도 없음 (실측 ppm 참고)",
    },
}


# Why data that are not normal got no verdict (`NonNormalCapability.status`).
UNFITTED = {
    "no_fit": VERDICTS["undetermined"],
    "too_few": {
        "en": "not judged: not normal, too few measurements to fit a distribution (see the observed ppm)",
        "ko": "판정 안 함: 정규분포가 아니고 분포를 맞추기에 측정 수가 부족함 (실측 ppm 참고)",
    },
}


@tool(
    "process_capability",
    title=("Process capability", "공정 능력"),
    en="Process capability (Cp, Cpk, Pp, Ppk) of a machine's measured characteristics against their specification "
    "limits (the process drawing's unless given)",
    ko="설비 측정 특성의 공정능력(Cp, Cpk, Pp, Ppk): 규격 한계(주지 않으면 공정 도면 값) 기준",
    parameters={
        "properties": {
            "machine_id": MACHINE_SCHEMA,
            "characteristic": {"type": "string", "description": "measured characteristic / 측정 특성"},
            "lsl": {"type": "number", "description": "lower specification limit / 규격 하한"},
            "usl": {"type": "number", "description": "upper specification limit / 규격 상한"},
            "period": PERIOD_SCHEMA,
        },
        "required": ["machine_id"],
    },
    calls="sandan.monitor.capability_from_store",
)
def capability_tool(
    ctx: ToolContext,
    machine_id: str,
    characteristic: str | None = None,
    lsl: float | None = None,
    usl: float | None = None,
    period: str | None = None,
) -> ToolOutput:
    w = ctx.window(period)
    machine = ctx.machine(id_arg(machine_id, "machine"))
    # the company's saved limits before the process family's typical ones (sandan.monitor.specs)
    specs, sources = limits_for(ctx.settings.data_dir, ctx.company_id, {machine.family})
    measured = [] if characteristic else _characteristics(ctx, machine_id, w)
    given = lsl is not None or usl is not None
    if given and not characteristic:
        # limits given are one characteristic's: the only one measured, or the question must say which
        if len(measured) != 1:
            listed = ", ".join(measured) or "—"
            raise InvalidInput(
                f"which characteristic are the limits {_limits(lsl, usl)} for? {machine_id} measures: {listed}",
                f"규격 {_limits(lsl, usl)}이(가) 어느 측정 특성의 것인지 적어 주세요. {machine_id}의 측정 특성: {listed}",
                code="which_characteristic",
            )
        characteristic = measured[0]
    names = [characteristic] if characteristic else [n for n in measured if n in specs]
    if not names:
        listed = ", ".join(measured)
        raise InvalidInput(
            f"machine {machine_id} has no measured characteristic with known specification limits in the window; "
            "name one and give its limits"
            + (
                f" (it measures {listed}; e.g. '{measured[0]} capability, spec 1.0 to 2.0')"
                if measured
                else ""
            ),
            f"설비 {machine_id}에 기간 안의 규격 한계가 알려진 측정 특성이 없습니다. 측정 특성과 규격 한계를 알려 주세요"
            + (f" (측정 특성: {listed}; 예: '{measured[0]} 공정능력 규격 1.0~2.0')" if measured else ""),
            code="no_spec",
        )
    rows, citations, cpk, weak = [], [], {}, []
    # measurements that fail the normality test: Pp/Ppk by the percentile method of ISO 22514-2 from a fitted
    # distribution, or the plain word that none fits (sandan.monitor.spc.non_normal_capability); normal data as before
    skewed: dict[str, Any] = {}
    dist_names = {
        "box_cox": {"en": "normal after Box-Cox", "ko": "Box-Cox 변환 후 정규분포"},
        "johnson_su": {"en": "Johnson SU", "ko": "존슨 SU"},
        "johnson_sb": {"en": "Johnson SB", "ko": "존슨 SB"},
        "johnson_sl": {"en": "Johnson SL", "ko": "존슨 SL"},
        "weibull_3p": {"en": "3-parameter Weibull", "ko": "3모수 와이블"},
    }
    for name in names:
        args = {"start": w.start, "end": w.end, "characteristic": name, "machine_ids": [machine_id]}
        if given:
            args |= {"lsl": lsl, "usl": usl}
        try:
            c = monitor.capability_from_store(
                ctx.store,
                ctx.company_id,
                w.start,
                w.end,
                name,
                lsl=lsl,
                usl=usl,
                machine_ids=[machine_id],
                specs=specs,
                spec_sources=sources,
            )
        except SandanError as exc:
            if characteristic:
                raise
            rows.append({"characteristic": name, "verdict": exc.message(ctx.lang)})
            continue
        cpk[name] = plain(c.cpk)
        nn = c.non_normal
        fitted = nn is not None and nn.status == "fitted"
        # for data the normal model does not describe, `verdict` is the fitted distribution's Ppk's (or none)
        if c.verdict in ("marginal", "not_capable"):  # an undetermined one is said apart, below
            weak.append(name)
        rows.append(
            {
                "characteristic": name,
                "lsl": c.lsl,
                "usl": c.usl,
                "n": c.n,
                "cpk": plain(c.cpk),
                "ppk": plain(c.ppk),
                "out_of_spec": c.out_of_spec,
                "observed_ppm": plain(round(c.observed_ppm, 1)),
                # the normal model's ppm describes these data only when they pass the normality test; the page
                # says so, and the assistant leaves it out where they fail (the observed ppm is the figure then)
                "expected_ppm": None if c.normal is False else plain(round(c.expected_ppm, 1)),
                "verdict": VERDICTS[c.verdict][ctx.lang].replace("Cpk", "Ppk")
                if fitted
                else UNFITTED[nn.status][ctx.lang]
                if c.verdict == "undetermined" and nn is not None
                else VERDICTS[c.verdict][ctx.lang],
            }
        )
        if nn is not None:
            none_fits = {"en": "none fits: observed ppm only", "ko": "맞는 분포 없음: 실측 ppm만 유효"}
            too_few = {"en": "too few to fit", "ko": "분포 적합에 측정 수 부족"}
            skewed[name] = {
                "status": nn.status,
                "distribution": nn.distribution,
                "fit_p": plain(nn.fit_p),
                "pp": plain(nn.pp),
                "ppk": plain(nn.ppk),
                "ppk_ci": None if nn.ppk_ci is None else [plain(v) for v in nn.ppk_ci],
                "expected_ppm": None if nn.expected_ppm is None else plain(round(nn.expected_ppm, 1)),
            }
            rows[-1] |= {
                "nn_distribution": (
                    f"{dist_names[nn.distribution][ctx.lang]} (p = {nn.fit_p:.3f})"
                    if fitted
                    else (none_fits if nn.status == "no_fit" else too_few)[ctx.lang]
                ),
                "nn_ppk": plain(nn.ppk) if fitted else None,
                "nn_ppk_ci": None if nn.ppk_ci is None else f"{nn.ppk_ci[0]:.2f}–{nn.ppk_ci[1]:.2f}",
                "nn_expected_ppm": plain(round(nn.expected_ppm, 1)) if fitted else None,
            }
        citations.append(
            call_citation("process_capability", "sandan.monitor.capability_from_store", args, c.n)
        )
    shown = ", ".join(f"{n} Cpk {'—' if v is None else f'{v:.2f}'}" for n, v in cpk.items())
    said = {"en": shown, "ko": shown}
    for n, k in skewed.items():  # after the normal figures, what holds for data that are not normal
        if k["status"] == "fitted":
            dist = dist_names[k["distribution"]]
            said["en"] += f"; {n} not normal: Ppk {k['ppk']:.2f} by the percentile method ({dist['en']})"
            said["ko"] += f"; {n} 비정규: 백분위수 방법 Ppk {k['ppk']:.2f} ({dist['ko']})"
        elif k["status"] == "no_fit":
            said["en"] += f"; {n} not normal and no distribution fits: only the observed ppm holds"
            said["ko"] += f"; {n} 비정규, 맞는 분포 없음: 실측 ppm만 유효"
        else:
            said["en"] += (
                f"; {n} not normal, too few measurements to fit a distribution: only the observed ppm holds"
            )
            said["ko"] += f"; {n} 비정규, 분포 적합에 측정 수 부족: 실측 ppm만 유효"
    labels = CAPABILITY_LABELS
    if skewed:
        labels = {
            **CAPABILITY_LABELS,
            "nn_distribution": {"en": "Fitted distribution (not normal)", "ko": "적합 분포 (비정규)"},
            "nn_ppk": {"en": "Ppk (percentile method)", "ko": "Ppk (백분위수 방법)"},
            "nn_ppk_ci": {"en": "Ppk 95 % interval", "ko": "Ppk 95% 구간"},
            "nn_expected_ppm": {"en": "Expected ppm (fitted)", "ko": "예상 ppm (적합 분포)"},
        }
    below = {"en": "below Cpk 1.33", "ko": "Cpk 1.33 미만"}
    if skewed:
        below = {
            "en": "below 1.33 (Cpk; the percentile Ppk where not normal)",
            "ko": "1.33 미만 (Cpk, 비정규는 백분위수 방법 Ppk)",
        }
    # limits given with the question: said with the figures, so nobody reads them against the drawing's
    saved = [n for n in names if sources.get(n) == "company"]
    against = (
        {"en": f" (spec {_limits(lsl, usl)} as given)", "ko": f" (규격 {_limits(lsl, usl)}, 질문에서 준 값)"}
        if given
        else {
            "en": f" (the limits your company saved for {', '.join(saved)})",
            "ko": f" ({', '.join(saved)}: 회사가 저장한 규격)",
        }
        if saved
        else {"en": "", "ko": ""}
    )
    return ToolOutput(
        facts={"cpk": cpk, "not_capable": weak}
        | ({"non_normal": skewed} if skewed else {})
        | ({"lsl": lsl, "usl": usl} if given else {}),
        summary={
            "en": f"Capability of {ctx.name_of(machine_id, None, 'en')}, {w.label('en')}{against['en']}: "
            + (said["en"] or "none computed")
            + (f"; {below['en']}: {', '.join(weak)}" if weak else ""),
            "ko": f"{ctx.name_of(machine_id, None, 'ko')} 공정능력, {w.label('ko')}{against['ko']}: "
            + (said["ko"] or "계산 없음")
            + (f"; {below['ko']}: {', '.join(weak)}" if weak else ""),
        },
        table=rows,
        columns=list(labels),
        labels=labels,
        names={"characteristic": _characteristic_names(ctx, machine_id, [r["characteristic"] for r in rows])},
        citations=citations
        or [
            call_citation(
                "process_capability", "sandan.monitor.capability_from_store", {"machine_ids": [machine_id]}
            )
        ],
    )
