"""Tools over the digital twin: where a line's bottleneck is, and what if it gets one more machine at its bottleneck
(or a named station) or one more shift — the line is built from its recorded history and simulated (both versions
side by side for a what-if).

They call sandan.twin.service.line_of_record, sandan.twin.sim.run_line and sandan.twin.experiments.compare;
nothing is simulated here.
"""

from __future__ import annotations

from sandan.assist.registry import (
    LINE_SCHEMA,
    MACHINE_SCHEMA,
    PERIOD_SCHEMA,
    ToolContext,
    ToolOutput,
    Window,
    call_citation,
    id_arg,
    plain,
    tool,
)
from sandan.domain import FAMILY_NAMES, InvalidInput, NotFound, ProcessFamily
from sandan.domain.text import shown_name
from sandan.twin.experiments import compare
from sandan.twin.line import LineModel, load_line
from sandan.twin.service import line_of_record
from sandan.twin.sim import LABELS as KPI_LABELS
from sandan.twin.sim import run_line

REPLICATIONS = 5
WARMUP_S = 1800.0
SHIFT_H = 8.0
KPIS = ("throughput_per_h", "lead_time_s", "wip")  # the columns of Comparison.table()


def _labels() -> dict[str, dict[str, str]]:
    """The comparison's columns as people call them: the twin's own KPI labels, and each one's difference."""
    out = {
        "scenario": {"en": "Scenario", "ko": "시나리오"},
        "bottleneck": {"en": "Bottleneck", "ko": "병목"},
    }
    for k in KPIS:
        en, ko = KPI_LABELS[k]
        out[k] = {"en": en, "ko": ko}
        out[f"{k}_vs_baseline"] = {"en": f"{en} — change", "ko": f"{ko} — 변화"}
    return out


def _station_names(ctx: ToolContext, line: LineModel) -> dict[str, dict[str, str]]:
    """Each station of a line's twin as the plant calls it: a station of one process by the process's name ("사출"
    for `injection`), one machine's by the machine's name, several machines' by their names — the station's id
    only where none of these is known, so a Korean page never reads "병목 injection"."""
    machines = {m.id: m for m in ctx.store.list_machines(ctx.company_id)}
    families = {f.value: f for f in ProcessFamily}
    out: dict[str, dict[str, str]] = {}
    for s in line.stations:
        if s.id in families:
            en, ko = FAMILY_NAMES[families[s.id]]
            out[s.id] = {"en": en, "ko": ko}
        elif s.from_machines and all(m in machines for m in s.from_machines):
            named = [shown_name(machines[m].name or m) for m in s.from_machines]
            out[s.id] = {lang: " / ".join(n[lang] for n in named) for lang in ("en", "ko")}
        elif s.name:
            out[s.id] = shown_name(s.name)
        else:
            out[s.id] = {"en": s.id, "ko": s.id}
    return out


def _recorded_line(ctx: ToolContext, line_id: str, period: str | None) -> tuple[str, Window, LineModel]:
    """The line asked about, the period (the last 7 days unless said) and its twin built from that period's
    records, as both twin tools start."""
    line_id = ctx.line(id_arg(line_id, "line"))
    w = ctx.window(period or "last_7d")
    return (
        line_id,
        w,
        line_of_record(ctx.store, ctx.settings.data_dir, ctx.company_id, line_id, start=w.start, end=w.end),
    )


@tool(
    "twin_what_if",
    title=("What-if on the line's twin", "라인 가상 실험"),
    en="What if a line gets one more machine (at its bottleneck or a named machine's station) or one more shift: "
    "the line's twin from its recorded history, both versions simulated with common random numbers",
    ko="라인에 설비 1대(병목 또는 지정 설비 공정)나 교대 1개를 더하면? 기록된 이력으로 만든 트윈을 두 가지로 시뮬레이션",
    parameters={
        "properties": {
            "line_id": LINE_SCHEMA,
            "change": {
                "type": "string",
                "enum": ["add_machine", "add_shift"],
                "description": "what to add / 추가 항목",
            },
            "machine_id": MACHINE_SCHEMA,
            "period": PERIOD_SCHEMA,
        },
        "required": ["line_id", "change"],
    },
    calls="sandan.twin.service.line_of_record, sandan.twin.experiments.compare",
)
def twin_what_if_tool(
    ctx: ToolContext, line_id: str, change: str, machine_id: str | None = None, period: str | None = None
) -> ToolOutput:
    line_id, w, base = _recorded_line(ctx, line_id, period)
    stations = _station_names(ctx, base)
    line_name = {lang: ctx.name_of(None, line_id, lang) for lang in ("en", "ko")}
    data = base.model_dump(mode="json", by_alias=True)
    if change == "add_machine":
        capacities = base.station_capacities()
        target = id_arg(machine_id, "machine") or min(capacities, key=capacities.get)
        station = next(
            (s for s in data["stations"] if s["id"] == target or target in (s.get("from_machines") or ())),
            None,
        )
        if station is None:
            raise NotFound(
                f"line {line_id} has no station {target!r}",
                f"라인 {line_id}에 공정 {target!r}이(가) 없습니다",
                code="unknown_station",
            )
        station["machines"] += 1
        at = stations.get(station["id"], {"en": station["id"], "ko": station["id"]})
        label = {"en": f"one more machine at {at['en']}", "ko": f"{at['ko']} 공정에 설비 1대 추가"}
    else:
        if base.calendar is None:
            raise InvalidInput(
                f"the twin of {line_id} already runs around the clock; there is no shift to add",
                f"{line_id} 트윈은 이미 24시간 가동으로 되어 있어 더할 교대가 없습니다",
                code="no_room_for_shift",
            )
        try:
            data["calendar"] = base.calendar.with_shift(SHIFT_H).model_dump(mode="json")
        except ValueError:
            raise InvalidInput(
                f"the working day of {line_id} is already full",
                f"{line_id}의 작업 시간이 이미 꽉 찼습니다",
                code="no_room_for_shift",
            ) from None
        label = {"en": "one more shift", "ko": "교대 1개 추가"}
    scenario = load_line(data)
    horizon_s = base.run_hours * 3600.0  # a whole day when the line follows the plant's hours
    result = compare(
        {"baseline": base, change: scenario},
        replications=REPLICATIONS,
        horizon=horizon_s,
        warmup=WARMUP_S,
        seed=0,
        backend="serial",
    )
    # each KPI stays its estimate (mean, 95 % half width, …): a page shows 'mean ± half width'
    rows = plain(result.table(KPIS))
    columns = ["scenario", "bottleneck"]
    for k in KPIS:
        columns += [k] + ([f"{k}_vs_baseline"] if any(f"{k}_vs_baseline" in r for r in rows) else [])
    diff = result.difference(change, "throughput_per_h").to_dict()
    before = result.results["baseline"].line["throughput_per_h"].to_dict()
    args = {
        "line_id": line_id,
        "start": w.start,
        "end": w.end,
        "change": change,
        "replications": REPLICATIONS,
        "horizon_s": horizon_s,
    }
    gain = diff.get("mean")
    grouped = {
        lang: [
            f"{stations[s.id][lang]} ×{s.machines}" for s in base.stations if len(s.from_machines or ()) > 1
        ]
        for lang in ("en", "ko")
    }
    assumed = {"en": "", "ko": ""}
    if grouped["en"]:  # say what the twin assumed about the flow, which the store does not know
        assumed = {
            "en": f" Machines of one process count as parallel machines of one station ({', '.join(grouped['en'])}); "
            "if they do successive operations, build the line as a series on the twin page.",
            "ko": f" 같은 공정의 설비는 한 공정의 병렬 설비로 보았습니다({', '.join(grouped['ko'])}). 차례로 다른 작업을 "
            "한다면 트윈 화면에서 직렬 배치로 만드세요.",
        }
    return ToolOutput(
        facts={
            "throughput_per_h": before.get("mean"),
            "change_per_h": gain,
            "change_ci": [diff.get("low"), diff.get("high")],
            "bottleneck": result.results["baseline"].bottleneck,
        },
        summary={
            "en": f"{line_name['en']}, {label['en']}: throughput {before.get('mean', 0):.1f}/h → change {gain:+.1f}/h "
            f"(twin, {REPLICATIONS} replications of {base.run_hours:g} h).{assumed['en']}",
            "ko": f"{line_name['ko']}, {label['ko']}: 시간당 생산량 {before.get('mean', 0):.1f} → 변화 {gain:+.1f}/h "
            f"(트윈, {base.run_hours:g}시간 × 반복 {REPLICATIONS}회).{assumed['ko']}",
        },
        table=rows,
        columns=columns,
        labels=_labels(),
        names={
            "scenario": {"baseline": {"en": "as recorded", "ko": "현재 (기록 기준)"}, change: label},
            "bottleneck": stations,
        },
        citations=[call_citation("twin_what_if", "sandan.twin.experiments.compare", args, len(rows))],
    )


STATION_KPIS = ("utilisation", "blocked", "starved", "down", "active_period_s", "sole_bottleneck")


@tool(
    "line_bottleneck",
    title=("Bottleneck of a line", "라인 병목"),
    en="Where is a line's bottleneck: the line's twin from its recorded history simulated as it runs; the station "
    "with the longest uninterrupted active periods (Roser's active-period method) in most replications, with each "
    "station's utilisation, blocked and starved shares — not the machine with the lowest OEE",
    ko="라인의 병목은 어디인가: 기록된 이력으로 만든 트윈을 지금처럼 시뮬레이션해, 중단 없는 활성 구간이 가장 긴 공정(Roser의 "
    "활성 구간 방법)과 공정별 가동률, 막힘·자재 대기 비율 — OEE가 가장 낮은 설비가 아님",
    parameters={"properties": {"line_id": LINE_SCHEMA, "period": PERIOD_SCHEMA}},
    calls="sandan.twin.service.line_of_record, sandan.twin.sim.run_line",
)
def line_bottleneck_tool(
    ctx: ToolContext, line_id: str | None = None, period: str | None = None
) -> ToolOutput:
    if not line_id:  # one line needs no naming; of several, the user says which (each is its own simulation)
        lines = ctx.store.list_lines(ctx.company_id)
        if len(lines) != 1:
            known = ", ".join(f"{ln.name} ({ln.id})" for ln in lines) or "—"
            raise InvalidInput(
                f"name the line whose bottleneck you mean; the lines: {known}",
                f"어느 라인의 병목인지 말해 주세요. 라인: {known}",
                code="line_needed",
            )
        line_id = lines[0].id
    line_id, w, base = _recorded_line(ctx, line_id, period)
    horizon_s = base.run_hours * 3600.0
    result = run_line(
        base, replications=REPLICATIONS, horizon=horizon_s, warmup=WARMUP_S, seed=0, backend="serial"
    )
    machines = {s.id: s.machines for s in base.stations}
    rows = [
        {"station": sid, "machines": machines[sid], **{k: plain(kpis[k].to_dict()) for k in STATION_KPIS}}
        for sid, kpis in result.stations.items()
    ]
    rows.sort(key=lambda r: -r["active_period_s"]["mean"])
    bn, votes = result.bottleneck, result.bottleneck_votes[result.bottleneck]
    util = result.stations[bn]["utilisation"].mean
    stations = _station_names(ctx, base)
    shown = {lang: stations.get(bn, {}).get(lang, bn) for lang in ("en", "ko")}
    line_name = {lang: ctx.name_of(None, line_id, lang) for lang in ("en", "ko")}
    args = {
        "line_id": line_id,
        "start": w.start,
        "end": w.end,
        "replications": REPLICATIONS,
        "horizon_s": horizon_s,
    }
    labels = {k: {"en": KPI_LABELS[k][0], "ko": KPI_LABELS[k][1]} for k in STATION_KPIS}
    labels |= {"station": {"en": "Station", "ko": "공정"}, "machines": {"en": "Machines", "ko": "설비 수"}}
    return ToolOutput(
        facts={"bottleneck": bn, "votes": votes, "replications": REPLICATIONS, "utilisation": util},
        summary={
            "en": f"Bottleneck of {line_name['en']}: {shown['en']} (longest active periods in {votes} of {REPLICATIONS} replications "
            f"of {base.run_hours:g} h of the line's twin built from the {w.label('en')}; utilisation {util:.0%}). "
            "Stations are listed from the longest active periods down.",
            "ko": f"{line_name['ko']}의 병목: {shown['ko']} (기록({w.label('ko')})으로 만든 트윈을 {base.run_hours:g}시간씩 {REPLICATIONS}회 "
            f"반복해 {votes}회에서 활성 구간이 가장 김; 가동률 {util:.0%}). 공정은 활성 구간이 긴 순서입니다.",
        },
        table=rows,
        columns=["station", "machines", *STATION_KPIS],
        labels=labels,
        names={"station": stations},
        citations=[call_citation("line_bottleneck", "sandan.twin.sim.run_line", args, len(rows))],
    )
