"""Monitoring over HTTP: OEE dashboard, losses, downtime, quality, SPC charts, alert rules and inbox, benchmarks.

Every number comes from a `sandan.monitor` function; routes check, call and serialise. The alert evaluator runs
in a background thread for the app's lifetime (SANDAN_ALERT_INTERVAL_S seconds apart; 0 turns it off).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from fastapi import APIRouter, Depends, FastAPI, Query, Response
from pydantic import BaseModel, Field

from sandan.accounts import audit
from sandan.api.deps import (
    LastDay,
    Offset,
    PrincipalDep,
    ReadTenant,
    RowId,
    SettingsDep,
    StoreDep,
    Tenant,
    Window,
    WriteTenant,
    company_router,
    machine_or_404,
    parse_time,
    require_zone,
    window,
)
from sandan.api.encode import file_response
from sandan.api.encode import json_response as _json
from sandan.api.errors import ERROR_RESPONSES
from sandan.collect.export import MEDIA_TYPES, table_file
from sandan.domain import Conflict, InvalidInput, NotFound
from sandan.monitor import (
    HOURLY_MAX,
    AlertEvaluator,
    AlertRule,
    acknowledge_alert,
    attribute_chart,
    capability_from_store,
    check_rule_name,
    check_rule_subject,
    cross_tenant_complex_oee,
    cross_tenant_peer_benchmark,
    cross_tenant_peer_benchmarks,
    defect_pareto,
    hourly_output,
    measured_characteristics,
    measurement_chart,
    oee_report,
    open_alert_store,
    quality_table,
    report_prediction,
)
from sandan.monitor import (
    label_downtime as monitor_label_downtime,
)
from sandan.monitor.alert_store import AlertStore
from sandan.monitor.alerts import retire_rule_alerts
from sandan.monitor.calendar import ShiftCalendar, company_calendar, save_company_calendar
from sandan.monitor.codes import CodeTable, company_codes, save_company_codes
from sandan.monitor.labels import LABELS
from sandan.monitor.oee import DIMENSIONS
from sandan.monitor.peers import COMPLEX
from sandan.monitor.quality import QUALITY_DIMENSIONS
from sandan.monitor.report import one_language, production_report_file, with_names
from sandan.monitor.specs import company_specs, delete_spec, limits_for, save_spec
from sandan.twin.process import column_labels

DEFAULT_ALERT_INTERVAL_S = 60.0


def alert_interval_s(app: FastAPI) -> float:
    """`app.state.alert_interval_s` when set (tests, embedding), else SANDAN_ALERT_INTERVAL_S, else 60 s."""
    found = getattr(app.state, "alert_interval_s", None)
    if found is None:
        found = float(os.environ.get("SANDAN_ALERT_INTERVAL_S", DEFAULT_ALERT_INTERVAL_S))
    return float(found)


@asynccontextmanager
async def alert_evaluator(app: FastAPI) -> AsyncIterator[None]:
    """Start the periodic alert evaluation with the server and stop it (joined) on shutdown."""
    interval = alert_interval_s(app)
    evaluator = None
    if interval > 0:
        alerts = open_alert_store(app.state.settings.data_dir)
        evaluator = AlertEvaluator(app.state.store, alerts, interval).start()
    app.state.alert_evaluator = evaluator
    try:
        yield
    finally:
        if evaluator is not None:
            evaluator.stop()


router = APIRouter(lifespan=alert_evaluator)
company: APIRouter = company_router("monitor")
operator = APIRouter(prefix="/api/v1/monitor", tags=["monitor"], responses=ERROR_RESPONSES)


# ---- serialisation --------------------------------------------------------------------------------------
def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready rows; orjson writes NaN as null and `_default` handles timestamps and NaT."""
    return frame.to_dict(orient="records")


# ---- OEE ------------------------------------------------------------------------------------------------
OeeBy = Annotated[
    list[Literal[tuple(DIMENSIONS)]] | None,  # type: ignore[valid-type]
    Query(description="group by machine, line, day, shift, shift_name (repeat to combine)"),
]
MachineIds = Annotated[list[str] | None, Query(alias="machine_id", description="repeat for several machines")]
LineId = Annotated[str | None, Query(description="only this line's machines")]


def _report(t: Tenant, w: Window, line_id: str | None, machine_ids: list[str] | None):
    return oee_report(
        t.store,
        t.company_id,
        w.start,
        w.end,
        machine_ids=machine_ids,
        line_id=line_id,
        calendar=company_calendar(t.settings.data_dir, t.company_id),
        codes=company_codes(t.settings.data_dir, t.company_id),
    )


def _window(w: Window) -> dict[str, Any]:
    return {"start": w.start, "end": w.end}


@company.get("/oee/dashboard")
def oee_dashboard(
    t: ReadTenant, w: LastDay, line_id: LineId = None, machine_ids: MachineIds = None
) -> Response:
    """Everything the OEE dashboard shows, from one read of the data (default window: the last 24 h): overall
    figures, per line, per machine, per shift, daily trend, six big losses, downtime Pareto and the
    unexplained down time; for windows up to 48 h also the output of every hour. Drill down with `line_id` or
    `machine_id`."""
    r = _report(t, w, line_id, machine_ids)
    hourly = (
        hourly_output(t.store, t.company_id, w.start, w.end, machine_ids=machine_ids, line_id=line_id)
        if w.end - w.start <= HOURLY_MAX
        else None
    )
    return _json(
        {**_window(w), "line_id": line_id, "machine_ids": machine_ids, **r.dashboard(), "hourly": hourly}
    )


@company.get(
    "/oee/export",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}, MEDIA_TYPES["csv"]: {}}}},
)
def oee_export(
    t: ReadTenant,
    w: LastDay,
    by: OeeBy = None,
    line_id: LineId = None,
    machine_ids: MachineIds = None,
    format: Annotated[
        str, Query(description="xlsx (Excel) or csv (UTF-8 with BOM, as Excel reads it)")
    ] = "xlsx",
    lang: Annotated[Literal["ko", "en"], Query(description="language of the headers")] = "ko",
) -> Response:
    """The OEE table of `GET …/oee` as a file to open in Excel: the same rows, headed in `lang`, with the machines'
    and lines' names beside their ids and the ratios formatted as percentages."""
    by = by or ["machine"]
    frame = with_names(t.store, t.company_id, _report(t, w, line_id, machine_ids).table(by))
    # named by the company and the period it covers (on the plant's clock), as the production report is
    zone = ZoneInfo(t.settings.display_timezone)
    first, last = w.start.astimezone(zone).date(), (w.end - timedelta(microseconds=1)).astimezone(zone).date()
    period = f"{first:%Y%m%d}" + (f"-{last:%Y%m%d}" if last != first else "")
    found = table_file(
        one_language(frame, lang),
        format,
        name=f"oee-{'-'.join(by)}-{t.company_id}-{period}",
        labels=LABELS,
        lang=lang,
        zone=t.settings.display_timezone,
        percent=("availability", "effectiveness", "quality", "oee"),
    )
    return file_response(found)


@company.get(
    "/reports/production",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}}}},
)
def production_report_download(
    t: ReadTenant,
    w: LastDay,
    lang: Annotated[Literal["ko", "en"], Query(description="language of the sheets and headers")] = "ko",
) -> Response:
    """The production report of the window (default: the last 24 h) as an Excel workbook: OEE overall, per machine
    and per machine and shift, down time by reason and scrap by defect type — the dashboard's and the quality
    page's numbers, from the same functions (`monitor.report.production_report`)."""
    found = production_report_file(
        t.store,
        t.company_id,
        w.start,
        w.end,
        calendar=company_calendar(t.settings.data_dir, t.company_id),
        codes=company_codes(t.settings.data_dir, t.company_id),
        lang=lang,
        zone=t.settings.display_timezone,
    )
    return file_response(found)


@company.get("/oee")
def oee_table(
    t: ReadTenant, w: LastDay, by: OeeBy = None, line_id: LineId = None, machine_ids: MachineIds = None
) -> Response:
    """OEE (ISO 22400-2) and its time and quantity elements grouped `by` (default: per machine)."""
    r = _report(t, w, line_id, machine_ids)
    return _json({**_window(w), "by": by or ["machine"], "rows": _rows(r.table(by or ["machine"]))})


@company.get("/oee/trend")
def oee_trend(
    t: ReadTenant, w: LastDay, by: OeeBy = None, line_id: LineId = None, machine_ids: MachineIds = None
) -> Response:
    """OEE per production day, optionally per line or machine as well, oldest first."""
    r = _report(t, w, line_id, machine_ids)
    return _json({**_window(w), "rows": _rows(r.trend(by or ()))})


@company.get("/oee/losses")
def oee_losses(
    t: ReadTenant, w: LastDay, by: OeeBy = None, line_id: LineId = None, machine_ids: MachineIds = None
) -> Response:
    """Planned busy time split into the six big losses, in seconds."""
    r = _report(t, w, line_id, machine_ids)
    return _json({**_window(w), "rows": _rows(r.six_big_losses(by or ()))})


@company.get("/oee/downtime-pareto")
def oee_downtime_pareto(
    t: ReadTenant,
    w: LastDay,
    line_id: LineId = None,
    machine_ids: MachineIds = None,
    state: Annotated[list[Literal["down", "setup", "idle"]] | None, Query()] = None,
) -> Response:
    """Down time inside planned busy time by reason code, largest first."""
    r = _report(t, w, line_id, machine_ids)
    return _json({**_window(w), "rows": _rows(r.downtime_pareto(state or ("down",)))})


@company.get("/oee/unexplained")
def oee_unexplained(
    t: ReadTenant, w: LastDay, line_id: LineId = None, machine_ids: MachineIds = None
) -> Response:
    """Down events without a reason code, longest first, to be labelled."""
    r = _report(t, w, line_id, machine_ids)
    return _json({**_window(w), "rows": _rows(r.unexplained_downtime())})


class LabelIn(BaseModel):
    machine_id: str
    start: datetime = Field(
        description="the event's start with its time zone, as the unexplained list gives it (its key with "
        "machine_id); a time without a zone is refused (422 naive_time)"
    )
    reason_code: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=1000)


@company.post("/oee/unexplained/label")
def label_downtime(body: LabelIn, t: WriteTenant) -> Response:
    """Give a stored event (key: machine_id, start — the `event_start` of an unexplained row) a reason code. The
    store records who labelled it and when, and audits it; the downtime Pareto then counts the event under the
    reason and the unexplained list drops it. 404 `unknown_event` when no event has that key."""
    start = require_zone(body.start, "start")
    machine_or_404(t, body.machine_id)
    event = monitor_label_downtime(
        t.store, t.company_id, body.machine_id, start, body.reason_code, t.user_id, body.note
    )
    return _json({"applied": True, "event": event})


# ---- quality and SPC ------------------------------------------------------------------------------------
QualityBy = Annotated[
    list[Literal[tuple(QUALITY_DIMENSIONS)]] | None,  # type: ignore[valid-type]
    Query(description="group by product, machine, line, lot, shift, shift_name, day, defect_type"),
]


@company.get("/quality")
def quality(
    t: ReadTenant, w: LastDay, by: QualityBy = None, line_id: LineId = None, machine_ids: MachineIds = None
) -> Response:
    """Produced, good and scrap quantities, defect rate and first-pass yield per group (default: per product)."""
    frame = quality_table(
        t.store,
        t.company_id,
        w.start,
        w.end,
        by=by or ["product"],
        machine_ids=machine_ids,
        line_id=line_id,
        calendar=company_calendar(t.settings.data_dir, t.company_id),
    )
    return _json({**_window(w), "by": by or ["product"], "rows": _rows(frame)})


@company.get("/quality/pareto")
def quality_pareto(
    t: ReadTenant,
    w: LastDay,
    line_id: LineId = None,
    machine_ids: MachineIds = None,
    product: str | None = None,
) -> Response:
    """Scrap by defect type, most frequent first, with share and cumulative share."""
    frame = defect_pareto(
        t.store,
        t.company_id,
        w.start,
        w.end,
        machine_ids=machine_ids,
        line_id=line_id,
        product=product,
        calendar=company_calendar(t.settings.data_dir, t.company_id),
        codes=company_codes(t.settings.data_dir, t.company_id),
    )
    return _json({**_window(w), "rows": _rows(frame)})


def _chart(chart) -> dict[str, Any]:
    labels = [x.isoformat() if hasattr(x, "isoformat") else str(x) for x in (chart.labels or [])]
    return {
        "kind": chart.kind,
        "in_control": chart.in_control,
        "baseline_points": chart.baseline_points,
        "sigma_within": chart.sigma_within,
        "sigma_z": chart.sigma_z,
        "labels": labels,
        "series": [
            {
                "name": s.name,
                "values": s.values,
                "center": s.center,
                "lcl": s.lcl,
                "ucl": s.ucl,
                "phase": s.phase.tolist(),
                "violations": [
                    {
                        "rule": v.rule,
                        "index": v.index,
                        "points": list(v.points),
                        "en": v.label_en,
                        "ko": v.label_ko,
                    }
                    for v in s.violations
                ],
            }
            for s in chart.series
        ],
    }


Rules = Annotated[Literal["western_electric", "nelson", "limits"], Query()]
PhaseOneEnd = Annotated[
    str | None,
    Query(
        description="end of phase I, ISO 8601 with zone: the control limits come from the points before it and the "
        "later points are judged against them (default: the whole window sets the limits). A subgroup of parts "
        "counts by its last part; a time subgroup (an hour of an attributes chart) by its start"
    ),
]


def _phase_one_end(value: str | None) -> datetime | None:
    return None if value is None else parse_time(value, "baseline_end")


@company.get("/spc/characteristics")
def spc_characteristics(t: ReadTenant, w: LastDay) -> Response:
    """The measured characteristics of the company's recent part records, most often measured first."""
    return _json(
        {**_window(w), "characteristics": measured_characteristics(t.store, t.company_id, w.start, w.end)}
    )


@company.get("/spc/measurement")
def spc_measurement(
    t: ReadTenant,
    w: LastDay,
    characteristic: str,
    chart: Annotated[Literal["imr", "xbar_r", "xbar_s"], Query()] = "imr",
    subgroup_size: Annotated[int, Query(ge=2, le=50)] = 5,
    machine_ids: MachineIds = None,
    product: str | None = None,
    rules: Rules = "western_electric",
    baseline_end: PhaseOneEnd = None,
) -> Response:
    """A variables control chart of one measured characteristic with run-rule violations marked; with
    `baseline_end`, limits from phase I only."""
    out = measurement_chart(
        t.store,
        t.company_id,
        w.start,
        w.end,
        characteristic,
        chart=chart,
        subgroup_size=subgroup_size,
        machine_ids=machine_ids,
        product=product,
        rules=rules,
        baseline_end=_phase_one_end(baseline_end),
        timezone=t.settings.display_timezone,
    )
    return _json({**_window(w), "characteristic": characteristic, **_chart(out)})


@company.get("/spc/capability")
def spc_capability(
    t: ReadTenant,
    w: LastDay,
    characteristic: str,
    lsl: Annotated[float | None, Query(allow_inf_nan=False, description="lower specification limit")] = None,
    usl: Annotated[float | None, Query(allow_inf_nan=False, description="upper specification limit")] = None,
    subgroup_size: Annotated[int, Query(ge=1, le=50, description="1: σ within from moving ranges")] = 1,
    machine_ids: MachineIds = None,
    product: str | None = None,
) -> Response:
    """Process capability of one measured characteristic: Cp, Cpk (σ within), Pp, Ppk (σ overall) with 95 %
    intervals, measurements out of specification, the ppm a normal distribution expects, and a verdict against
    Cpk 1.33 / 1.00. Without `lsl` and `usl` the limits of the process family's drawing are used where known.
    When the measurements fail the normality test, `non_normal` holds Pp and Ppk by the percentile method of
    ISO 22514-2 from the best-fitting distribution (which, its fit p-value, the expected ppm, a bootstrap interval
    and a verdict on that Ppk), or status `no_fit` and no index when no candidate fits. `unit` is the
    characteristic's unit where its process family names one (the mean and σ are in it)."""
    families = {m.family for m in t.store.list_machines(t.company_id)}
    specs, sources = limits_for(t.settings.data_dir, t.company_id, families)
    found = capability_from_store(
        t.store,
        t.company_id,
        w.start,
        w.end,
        characteristic,
        lsl=lsl,
        usl=usl,
        machine_ids=machine_ids,
        product=product,
        subgroup_size=subgroup_size,
        specs=specs,
        spec_sources=sources,
    )
    unit = (
        column_labels(sorted(families)).get(characteristic, {}).get("unit") or None
    )  # the family's: "mm", "g"
    body = {
        **_window(w),
        "characteristic": characteristic,
        "unit": unit,
        **asdict(found),
        "verdict": found.verdict,
    }
    if found.non_normal is not None:
        body["non_normal"]["verdict"] = found.non_normal.verdict
    return _json(body)


@company.get("/spc/attribute")
def spc_attribute(
    t: ReadTenant,
    w: LastDay,
    chart: Annotated[Literal["p", "laney_p", "np", "c", "u"], Query()] = "p",
    subgroup: Annotated[Literal["h", "2h", "4h", "8h", "D"], Query()] = "h",
    machine_ids: MachineIds = None,
    product: str | None = None,
    rules: Rules = "western_electric",
    baseline_end: PhaseOneEnd = None,
) -> Response:
    """A p, np, c or u chart of scrap per time subgroup with run-rule violations marked; with `baseline_end`,
    limits from phase I only."""
    out = attribute_chart(
        t.store,
        t.company_id,
        w.start,
        w.end,
        chart=chart,
        subgroup=subgroup,
        machine_ids=machine_ids,
        product=product,
        rules=rules,
        baseline_end=_phase_one_end(baseline_end),
        timezone=t.settings.display_timezone,
    )
    return _json({**_window(w), **_chart(out)})


# ---- alerts ---------------------------------------------------------------------------------------------
def alerts_of(t: Tenant) -> AlertStore:
    return open_alert_store(t.settings.data_dir)


def _rule_or_404(t: Tenant, rule_id: str) -> dict[str, Any]:
    found = alerts_of(t).get_rule(t.company_id, rule_id)
    if found is None:
        raise NotFound(f"alert rule {rule_id!r} not found", f"경보 규칙 {rule_id!r}을(를) 찾을 수 없습니다")
    return found


@company.get("/alerts/rules", response_model=list[AlertRule])
def list_rules(t: ReadTenant) -> list[dict[str, Any]]:
    """The company's alert rules."""
    return alerts_of(t).list_rules(t.company_id)


@company.post("/alerts/rules", response_model=AlertRule, status_code=201)
def create_rule(rule: AlertRule, t: WriteTenant) -> dict[str, Any]:
    """Add a rule; 409 when its id is taken (use PUT to change a rule)."""
    check_rule_subject(t.store, t.company_id, rule)
    store = alerts_of(t)
    if store.get_rule(t.company_id, rule.id) is not None:
        raise Conflict(
            f"alert rule {rule.id!r} exists", f"경보 규칙 {rule.id!r}이(가) 이미 있습니다", code="rule_exists"
        )
    check_rule_name(store, t.company_id, rule)
    store.put_rule(t.company_id, rule.id, rule.model_dump(mode="json"), t.user_id)
    audit(t.store, t.principal, t.company_id, "alert_rule.create", rule.id, rule.kind)
    return rule.model_dump()


@company.get("/alerts/rules/{item_id}", response_model=AlertRule)
def get_rule(item_id: str, t: ReadTenant) -> dict[str, Any]:
    """One rule (`item_id` is the rule's id)."""
    return _rule_or_404(t, item_id)


class SpecIn(BaseModel):
    characteristic: str = Field(description="the measured characteristic, e.g. thickness_mm or 두께(mm)")
    lsl: float | None = Field(default=None, description="lower specification limit")
    usl: float | None = Field(default=None, description="upper specification limit")


def _specs_out(specs: dict) -> dict[str, dict[str, float | None]]:
    return {k: {"lsl": lsl, "usl": usl} for k, (lsl, usl) in specs.items()}


@company.get("/specs")
def get_specs(t: ReadTenant) -> dict[str, dict[str, float | None]]:
    """The company's saved specification limits per characteristic, used by capability studies (and the
    assistant) where no limits are typed, before the process family's typical ones."""
    return _specs_out(company_specs(t.settings.data_dir, t.company_id))


@company.put("/specs")
def put_spec(body: SpecIn, t: WriteTenant) -> dict[str, dict[str, float | None]]:
    """Save one characteristic's limits (replacing its earlier ones)."""
    specs = save_spec(t.settings.data_dir, t.company_id, body.characteristic, body.lsl, body.usl)
    detail = f"{body.characteristic}: {body.lsl} – {body.usl}"
    audit(t.store, t.principal, t.company_id, "specs.put", body.characteristic, detail)
    return _specs_out(specs)


@company.delete("/specs")
def delete_specs(
    t: WriteTenant, characteristic: Annotated[str, Query(min_length=1, max_length=128)]
) -> dict[str, dict[str, float | None]]:
    """Forget one characteristic's saved limits."""
    specs = delete_spec(t.settings.data_dir, t.company_id, characteristic)
    audit(t.store, t.principal, t.company_id, "specs.delete", characteristic, "")
    return _specs_out(specs)


@company.get("/codes", response_model=CodeTable)
def get_codes(t: ReadTenant) -> CodeTable:
    """The company's code table: names (ko/en) of its stop-reason codes and defect codes, as the monitoring pages
    show them."""
    return company_codes(t.settings.data_dir, t.company_id)


@company.put("/codes", response_model=CodeTable)
def put_codes(table: CodeTable, t: WriteTenant) -> CodeTable:
    """Replace the company's code table (`reasons` and `defects`: code → {ko, en})."""
    save_company_codes(t.settings.data_dir, t.company_id, table)
    audit(
        t.store,
        t.principal,
        t.company_id,
        "codes.put",
        "codes",
        f"{len(table.reasons)} reasons, {len(table.defects)} defects",
    )
    return table


@company.get("/calendar", response_model=ShiftCalendar)
def get_calendar(t: ReadTenant) -> ShiftCalendar:
    """The company's shift calendar (shifts, breaks, working days, holidays, planned stops): the planned time of
    its OEE."""
    return company_calendar(t.settings.data_dir, t.company_id)


@company.put("/calendar", response_model=ShiftCalendar)
def put_calendar(calendar: ShiftCalendar, t: WriteTenant) -> ShiftCalendar:
    """Replace the company's shift calendar; OEE of every period is counted with it from now on."""
    save_company_calendar(t.settings.data_dir, t.company_id, calendar)
    audit(t.store, t.principal, t.company_id, "calendar.put", "calendar", f"{len(calendar.shifts)} shifts")
    return calendar


@company.put("/alerts/rules/{item_id}", response_model=AlertRule)
def put_rule(item_id: str, rule: AlertRule, t: WriteTenant) -> dict[str, Any]:
    """Create or replace the rule `item_id`; open alerts of the rule stay open and follow the new condition, or,
    when the rule is turned off, close (as closed because it was turned off, not as cleared)."""
    if rule.id != item_id:
        raise InvalidInput(
            f"the rule's id {rule.id!r} differs from the path's {item_id!r}",
            f"규칙 id {rule.id!r}이(가) 경로의 {item_id!r}와(과) 다릅니다",
            code="id_mismatch",
        )
    check_rule_subject(t.store, t.company_id, rule)
    check_rule_name(alerts_of(t), t.company_id, rule)
    alerts_of(t).put_rule(t.company_id, rule.id, rule.model_dump(mode="json"), t.user_id)
    if not rule.enabled:
        retire_rule_alerts(alerts_of(t), t.company_id, rule.id, "disabled")
    audit(t.store, t.principal, t.company_id, "alert_rule.put", rule.id, rule.kind)
    return rule.model_dump()


@company.delete("/alerts/rules/{item_id}", status_code=204)
def delete_rule(item_id: str, t: WriteTenant) -> Response:
    """Remove a rule; its alerts stay in the inbox, the open ones closed (as closed because the rule was deleted,
    not as cleared)."""
    _rule_or_404(t, item_id)
    alerts_of(t).delete_rule(t.company_id, item_id)
    retire_rule_alerts(alerts_of(t), t.company_id, item_id, "deleted")
    audit(t.store, t.principal, t.company_id, "alert_rule.delete", item_id, "")
    return Response(status_code=204)


class Text(BaseModel):
    en: str
    ko: str


class AlertOut(BaseModel):
    id: int
    rule_id: str
    subject: str = Field(description="what the alert is about, e.g. machine/signal")
    kind: str
    severity: str
    status: str = Field(description="open | closed")
    opened_at: datetime
    last_seen_at: datetime
    clear_since: datetime | None
    closed_at: datetime | None
    value: float | None
    message: Text
    acked_by: str | None
    acked_at: datetime | None
    ack_comment: str | None


class AlertPage(BaseModel):
    total: int
    open: int
    unacknowledged: int
    items: list[AlertOut]


def _alert_out(a: dict[str, Any]) -> dict[str, Any]:
    return {**a, "message": {"en": a["message_en"], "ko": a["message_ko"]}}


@company.get("/alerts", response_model=AlertPage)
def alert_inbox(
    t: ReadTenant,
    status: Annotated[Literal["open", "closed", "all"], Query()] = "all",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The alert inbox, newest first."""
    store = alerts_of(t)
    wanted = None if status == "all" else status
    items = store.list_alerts(t.company_id, wanted, limit, offset)
    return {
        "total": store.count_alerts(t.company_id, wanted),
        "open": store.count_alerts(t.company_id, "open"),
        "unacknowledged": store.count_alerts(t.company_id, None, unacknowledged=True),
        "items": [_alert_out(a) for a in items],
    }


class Delivered(BaseModel):
    channel: str
    target: str
    event: str
    ok: bool
    attempts: int
    error: str | None
    at: datetime


class AlertDetail(AlertOut):
    deliveries: list[Delivered]


def _alert_or_404(t: Tenant, alert_id: int) -> dict[str, Any]:
    found = alerts_of(t).get_alert(t.company_id, alert_id)
    if found is None:
        raise NotFound(f"alert {alert_id} not found", f"경보 {alert_id}을(를) 찾을 수 없습니다")
    return found


@company.get("/alerts/{item_id}", response_model=AlertDetail)
def get_alert(item_id: RowId, t: ReadTenant) -> dict[str, Any]:
    """One alert with its deliveries (`item_id` is the alert's number)."""
    alert = _alert_or_404(t, item_id)
    return {**_alert_out(alert), "deliveries": alerts_of(t).list_deliveries(t.company_id, item_id)}


class AckIn(BaseModel):
    comment: str = Field(default="", max_length=2000, description="what is being done about it")


@company.post("/alerts/{item_id}/acknowledge", response_model=AlertOut)
def acknowledge(item_id: RowId, body: AckIn, t: WriteTenant) -> dict[str, Any]:
    """Acknowledge an alert with a comment; who and when are recorded. 409 when already acknowledged."""
    _alert_or_404(t, item_id)
    alert = acknowledge_alert(alerts_of(t), t.company_id, item_id, t.user_id, body.comment)
    audit(t.store, t.principal, t.company_id, "alert.acknowledge", str(item_id), body.comment[:500])
    return _alert_out(alert)


class PredictionIn(BaseModel):
    machine_id: str
    probability: float = Field(ge=0, le=1)
    model: str = Field(default="default", min_length=1, max_length=100)
    at: datetime | None = None


@company.post("/alerts/predictions")
def post_prediction(body: PredictionIn, t: WriteTenant) -> Response:
    """A model's predicted defect probability for a machine; prediction rules are evaluated at once."""
    changes = report_prediction(
        t.store,
        t.company_id,
        body.machine_id,
        body.probability,
        model=body.model,
        at=None if body.at is None else require_zone(body.at, "at"),
        alerts=alerts_of(t),
    )
    return _json({"changes": [c.__dict__ for c in changes]})


# ---- peer benchmarks ------------------------------------------------------------------------------------
def _last_week(
    start: Annotated[str | None, Query(description="window start (default: 7 days before end)")] = None,
    end: Annotated[str | None, Query(description="window end, exclusive (default: now)")] = None,
) -> Window:
    return window(start, end, timedelta(days=7))


LastWeek = Annotated[Window, Depends(_last_week)]


@company.get("/peers")
def peers(
    t: ReadTenant,
    w: LastWeek,
    scope: Annotated[
        Literal["family", "complex"],
        Query(description="compare with the companies of this one's process family, or of the whole complex"),
    ] = "family",
) -> Response:
    """Where this company's OEE and defect rate stand among companies of its process family (or of the whole
    complex): quantiles and its own position, only when at least five companies contribute (default window: the
    last 7 days)."""
    family = COMPLEX if scope == "complex" else None
    return _json(
        cross_tenant_peer_benchmark(
            t.store, t.company_id, w.start, w.end, family=family, data_dir=t.settings.data_dir
        )
    )


@operator.get("/oee")
def operator_oee(principal: PrincipalDep, store: StoreDep, settings: SettingsDep, w: LastDay) -> Response:
    """The operator's view: every company's OEE (its own calendar) and the complex's, from summed elements."""
    principal.require_operator()
    return _json(
        {**_window(w), **cross_tenant_complex_oee(store, w.start, w.end, data_dir=settings.data_dir)}
    )


@operator.get("/peers")
def operator_peers(principal: PrincipalDep, store: StoreDep, settings: SettingsDep, w: LastWeek) -> Response:
    """The operator's view: the anonymised benchmark of every process family."""
    principal.require_operator()
    families = cross_tenant_peer_benchmarks(store, w.start, w.end, data_dir=settings.data_dir)
    return _json({**_window(w), "families": families})


router.include_router(company)
router.include_router(operator)
