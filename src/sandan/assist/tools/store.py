"""Tools over the Store's own queries: the machine list, sensor readings, recent quarantine.

Reads only, always for the tenant in the context; no SQL here.
"""

from __future__ import annotations

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
from sandan.domain import NotFound
from sandan.learn.explain import nice

#: Column names of these tools' tables as people call them.
LABELS = {
    "family": {"en": "Process", "ko": "공정"},
    "model": {"en": "Model", "ko": "모델"},
    "ideal_cycle_time_s": {"en": "Ideal cycle time", "ko": "이론 사이클 타임"},
    "bucket": {"en": "From", "ko": "구간 시작"},
    "avg": {"en": "Average", "ko": "평균"},
    "min": {"en": "Minimum", "ko": "최소"},
    "max": {"en": "Maximum", "ko": "최대"},
    "count": {"en": "Readings", "ko": "측정 수"},
    "id": {"en": "Record", "ko": "레코드"},
    "received_at": {"en": "Received", "ko": "수신 시각"},
    "source": {"en": "Source", "ko": "출처"},
    "kind": {"en": "Kind", "ko": "종류"},
    "reason_code": {"en": "Reason code", "ko": "사유 코드"},
    "reason_en": {"en": "Reason", "ko": "사유"},
    "reason_ko": {"en": "Reason", "ko": "사유"},
}


@tool(
    "list_machines",
    title=("Machine list", "설비 목록"),
    en="The company's machines with their line, process family, model and ideal cycle time",
    ko="회사의 설비 목록: 라인, 공정, 모델, 이론 사이클 타임",
    parameters={"properties": {"line_id": LINE_SCHEMA}},
    calls="Store.list_machines",
)
def list_machines_tool(ctx: ToolContext, line_id: str | None = None) -> ToolOutput:
    line_id = id_arg(line_id, "line")
    if line_id:
        ctx.line(line_id)
    machines = ctx.store.list_machines(ctx.company_id, line_id)
    rows = [
        {
            "machine_id": m.id,
            "name": m.name,
            "line_id": m.line_id,
            "family": m.family.value,
            "model": m.model,
            "ideal_cycle_time_s": m.ideal_cycle_time_s,
        }
        for m in machines
    ]
    ids = ", ".join(m.id for m in machines)
    return ToolOutput(
        facts={"machines": [m.id for m in machines], "count": len(machines)},
        summary={"en": f"{len(machines)} machines: {ids}", "ko": f"설비 {len(machines)}대: {ids}"},
        table=rows,
        columns=list(rows[0]) if rows else [],
        labels=LABELS,
        citations=[call_citation("list_machines", "Store.list_machines", {"line_id": line_id}, len(rows))],
    )


_BUCKETS = {"last_hour": 60, "last_8h": 600, "last_24h": 1800, "today": 1800, "yesterday": 1800}


@tool(
    "readings",
    title=("Sensor readings", "센서 값"),
    en="Sensor readings of a machine over a period, aggregated per time bucket (avg, min, max)",
    ko="설비 센서 값의 기간별 추이 (구간 평균, 최소, 최대)",
    parameters={
        "properties": {
            "machine_id": MACHINE_SCHEMA,
            "signal": {"type": "string", "description": "signal name / 신호 이름"},
            "period": PERIOD_SCHEMA,
        },
        "required": ["machine_id"],
    },
    calls="Store.aggregate_readings",
)
def readings_tool(
    ctx: ToolContext, machine_id: str, signal: str | None = None, period: str | None = None
) -> ToolOutput:
    w = ctx.window(period)
    ctx.machine(id_arg(machine_id, "machine"))
    known = {s.name: s for s in ctx.store.list_signals(ctx.company_id, machine_id)}
    if signal is not None and signal not in known:
        raise NotFound(
            f"machine {machine_id} has no signal {signal!r}; it has {', '.join(sorted(known))}",
            f"설비 {machine_id}에 신호 {signal!r}이(가) 없습니다. 있는 신호: {', '.join(sorted(known))}",
            code="unknown_signal",
        )
    # a named period's bucket; for days by date or a span, by its length (a day: half-hour buckets, as yesterday)
    length = (w.end - w.start).total_seconds()
    bucket_s = _BUCKETS.get(w.period) or next(
        (b for most, b in ((3600, 60), (8 * 3600, 600), (26 * 3600, 1800)) if length <= most), 3 * 3600
    )
    signals = [signal] if signal else None
    table = ctx.store.aggregate_readings(ctx.company_id, w.start, w.end, bucket_s, [machine_id], signals)
    frame = table.to_pandas()
    rows = [plain(r) for r in frame.to_dict("records")][-500:]
    latest: dict[str, float | None] = {}
    for r in rows:
        latest[r["signal"]] = r["avg"]
    series: dict[str, list] = {}
    for r in rows:
        series.setdefault(r["signal"], []).append(r["avg"])
    args = {
        "start": w.start,
        "end": w.end,
        "bucket_s": bucket_s,
        "machine_ids": [machine_id],
        "signals": signals,
    }
    units = {n: s.unit for n, s in known.items()}
    shown = (
        ", ".join(f"{k} {nice(v, 4)} {units.get(k, '')}".strip() for k, v in latest.items() if v is not None)
        or "—"
    )
    return ToolOutput(
        facts={"last_bucket_avg": latest, "buckets": len({r["bucket"] for r in rows})},
        summary={
            "en": f"Readings of {machine_id}, {w.label('en')}, last bucket average: {shown}",
            "ko": f"{machine_id} 센서 값, {w.label('ko')}, 마지막 구간 평균: {shown}",
        },
        table=rows,
        columns=["bucket", "signal", "avg", "min", "max", "count"],
        labels=LABELS,
        chart={"kind": "line", "x": sorted({r["bucket"] for r in rows}), "series": series} if rows else None,
        citations=[call_citation("readings", "Store.aggregate_readings", args, len(rows))],
    )


@tool(
    "recent_quarantine",
    title=("Quarantined records", "격리된 기록"),
    en="Recently rejected records (quarantine) with the reason for each",
    ko="최근 거부되어 격리된 레코드와 거부 사유",
    parameters={"properties": {"limit": {"type": "integer", "description": "how many / 개수 (≤ 100)"}}},
    calls="Store.list_quarantine",
)
def recent_quarantine_tool(ctx: ToolContext, limit: int = 20) -> ToolOutput:
    limit = max(1, min(int(limit), 100))
    items = ctx.store.list_quarantine(ctx.company_id, "open", limit, 0)
    total = ctx.store.count_quarantine(ctx.company_id, "open")
    rows = [
        {
            "id": i["id"],
            "received_at": plain(i["received_at"]),
            "source": i["source"],
            "kind": i["kind"],
            "reason_code": i["reason_code"],
            "reason_en": i["reason_en"],
            "reason_ko": i["reason_ko"],
        }
        for i in items
    ]
    return ToolOutput(
        facts={"open": total, "shown": len(rows)},
        summary={"en": f"{total} records open in quarantine", "ko": f"격리함에 미처리 레코드 {total}건"},
        table=rows,
        columns=list(rows[0]) if rows else [],
        labels=LABELS,
        citations=[
            call_citation(
                "recent_quarantine", "Store.list_quarantine", {"status": "open", "limit": limit}, len(rows)
            )
        ],
    )
