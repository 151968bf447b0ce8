"""Monitoring pages: OEE dashboard (complex → company → line → machine), quality with Pareto and control charts,
the alert inbox and the peer benchmark.

Figures are fetched by the pages' script from the monitoring API (or, for the benchmark and inbox, read from the
same monitor functions the API calls); nothing is computed here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.domain import NotFound
from sandan.monitor import (
    company_codes,
    cross_tenant_peer_benchmark,
    cross_tenant_peer_benchmarks,
    measured_characteristics,
    open_alert_store,
)
from sandan.monitor.alerts import SignalName, stored_rule
from sandan.monitor.alerts import signal_names as company_signal_names
from sandan.monitor.calendar import company_calendar, has_own_calendar
from sandan.monitor.labels import LABELS
from sandan.monitor.peers import COMPLEX, first_record, recorded_start
from sandan.monitor.specs import limits_for
from sandan.twin.process import column_labels
from sandan.web import i18n
from sandan.web.shell import Page, UserPage, WebRoute, company_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)

POLL_S = 30
RANGES = {"24h": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400}
BENCH_DAYS = {"1d": 1, "7d": 7, "30d": 30, "90d": 90}


def _config(page: Page, level: str, **extra) -> dict:
    return {
        "level": level,
        "lang": page.lang,
        "pollSeconds": POLL_S,
        "ranges": RANGES,
        "timezone": page.settings.display_timezone,
        "labels": {k: v["en" if page.lang == "en" else "ko"] for k, v in LABELS.items()},
        "text": i18n.js_catalogue(page.lang, ("mon.", "range.", "common.")),
        **extra,
    }


DAYS_OFFERED = 35  # production days the dashboard offers to look at one by one


def _days(page: Page, company_id: str) -> list[dict]:
    """The company's recent production days, newest first, each with its span on the plant's clock (from the first
    shift's start to the next day's, as the daily report counts a day): the dashboard's "one day" choice. Days
    before its first record (part or machine state, `peers.recorded_start`) are not offered: they hold nothing to
    look at."""
    calendar = company_calendar(page.settings.data_dir, company_id)
    now = datetime.now(UTC)
    today = calendar.production_day(now)
    first_day = calendar.production_day(
        recorded_start(page.store, company_id, now - timedelta(days=DAYS_OFFERED), now)
    )
    names = "월화수목금토일" if page.lang == "ko" else ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    out = []
    for back in range(max(1, min(DAYS_OFFERED, (today - first_day).days + 1))):
        day = today - timedelta(days=back)
        start, end = calendar.production_day_span(day)
        out.append(
            {
                "key": day.isoformat(),
                "label": f"{day:%m-%d} ({names[day.weekday()]})",
                "start": start.astimezone(UTC).isoformat(),
                "end": end.astimezone(UTC).isoformat(),
            }
        )
    return out


def _tabs(company_id: str, active: str) -> list[dict]:
    base = f"/companies/{company_id}"
    return [
        {"key": k, "href": base + path, "active": k == active}
        for k, path in (
            ("oee", "/monitor"),
            ("quality", "/quality"),
            ("alerts", "/alerts"),
            ("benchmark", "/benchmark"),
        )
    ]


@router.get("/monitor", response_class=HTMLResponse)
def complex_dashboard(page: UserPage) -> Response:
    """The operator's entry: every company's OEE; a company user goes straight to their own."""
    if not page.principal.is_operator:
        return RedirectResponse(f"/companies/{page.principal.user.company_id}/monitor", status_code=303)
    page.crumbs.append((page.t("nav.complex"), "/"))
    page.crumbs.append((page.t("mon.title"), None))
    config = _config(page, "complex")
    return page.render("monitor_dashboard.html", title=page.t("mon.complex_title"), config=config, tabs=None)


@router.get("/companies/{company_id}/monitor", response_class=HTMLResponse)
def company_dashboard(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("mon.title"), None))
    lines = [{"id": ln.id, "name": ln.name} for ln in page.store.list_lines(company.id)]
    config = _config(page, "company", companyId=company.id, lines=lines, days=_days(page, company.id))
    return page.render(
        "monitor_dashboard.html",
        company=company,
        title=company.name,
        config=config,
        tabs=_tabs(company.id, "oee"),
        reports=_report_links(page, company.id),
        planned=company_calendar(page.settings.data_dir, company.id).describe(page.lang),
        own_calendar=has_own_calendar(page.settings.data_dir, company.id),
    )


def _report_links(page: Page, company_id: str) -> list[tuple[str, str, str]]:
    """The production report (GET …/reports/production) of the last whole production day and of the current one
    so far; a production day runs from the company's first shift start to the next day's, so a night shift is not
    cut at midnight. The last day's is left out when the company's records begin after it (a member that connected
    today has no yesterday to report)."""
    calendar = company_calendar(page.settings.data_dir, company_id)
    now = datetime.now(UTC).replace(microsecond=0)
    today = calendar.production_day(now)
    last = calendar.last_working_day(today)  # on a Monday, a Mon-Fri plant's Friday, not Sunday
    last_start, last_end = calendar.production_day_span(last)
    spans = [("report.today", today, calendar.production_day_span(today)[0], now + timedelta(minutes=1))]
    first = first_record(page.store, company_id)
    if first is not None and first < last_end:
        spans.insert(0, ("report.yesterday", last, last_start, last_end))
    base = f"/api/v1/companies/{quote(company_id)}/reports/production?"
    # named by their day: before the first shift starts, "today's" production day is still yesterday's date
    return [
        (
            key,
            page.t(key, day=f"{day:%m-%d}"),
            base + urlencode({"start": a.isoformat(), "end": b.isoformat(), "lang": page.lang}),
        )
        for key, day, a, b in spans
    ]


@router.get("/companies/{company_id}/monitor/lines/{line_id}", response_class=HTMLResponse)
def line_dashboard(page: UserPage, company_id: str, line_id: str) -> Response:
    company = company_of(page, company_id)
    line = next((ln for ln in page.store.list_lines(company.id) if ln.id == line_id), None)
    if line is None:
        raise NotFound(f"line {line_id!r} not found", f"라인 {line_id!r}을(를) 찾을 수 없습니다")
    page.crumbs.append((page.t("mon.title"), f"/companies/{company.id}/monitor"))
    page.crumbs.append((line.name, None))
    config = _config(page, "line", companyId=company.id, lineId=line.id, days=_days(page, company.id))
    return page.render(
        "monitor_dashboard.html",
        company=company,
        title=line.name,
        config=config,
        tabs=_tabs(company.id, "oee"),
    )


@router.get("/companies/{company_id}/monitor/machines/{machine_id}", response_class=HTMLResponse)
def machine_dashboard(page: UserPage, company_id: str, machine_id: str) -> Response:
    company = company_of(page, company_id)
    machine = page.store.get_machine(company.id, machine_id)
    if machine is None:
        raise NotFound(f"machine {machine_id!r} not found", f"설비 {machine_id!r}을(를) 찾을 수 없습니다")
    page.crumbs.append((page.t("mon.title"), f"/companies/{company.id}/monitor"))
    line = next((ln for ln in page.store.list_lines(company.id) if ln.id == machine.line_id), None)
    if line is not None:
        page.crumbs.append((line.name, f"/companies/{company.id}/monitor/lines/{line.id}"))
    page.crumbs.append((machine.name, None))
    config = _config(
        page,
        "machine",
        companyId=company.id,
        machineId=machine.id,
        days=_days(page, company.id),
        canWrite=page.principal.user.role.can_write,
        # the company's reason codes, offered while labelling a stop
        reasons=[
            {"code": code, "name": name.en if page.lang == "en" else name.ko}
            for code, name in sorted(company_codes(page.settings.data_dir, company.id).reasons.items())
        ],
    )
    return page.render(
        "monitor_dashboard.html",
        company=company,
        title=machine.name,
        config=config,
        tabs=_tabs(company.id, "oee"),
    )


@router.get("/companies/{company_id}/quality", response_class=HTMLResponse)
def quality_page(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("mon.quality"), None))
    end = datetime.now(UTC)
    machines = page.store.list_machines(company.id)
    config = _config(
        page,
        "quality",
        companyId=company.id,
        # what the newest parts of the last 30 days are measured on (a plant idle since Friday still has a list)
        characteristics=measured_characteristics(page.store, company.id, end - timedelta(days=30), end),
        # the company's saved limits, else the process families' typical ones, to start the capability form from
        **dict(
            zip(
                ("specs", "specSources"),
                limits_for(page.settings.data_dir, company.id, {m.family for m in machines}),
                strict=True,
            )
        ),
        canWrite=page.principal.user.role.can_write,
        days=_days(page, company.id),  # one production day at a time, as on the OEE dashboard
        # each measured characteristic's unit, for the charts' value axis ("40.02 mm")
        units={
            name: words["unit"]
            for name, words in column_labels(m.family for m in machines).items()
            if words.get("unit")
        },
    )
    return page.render(
        "monitor_quality.html",
        company=company,
        config=config,
        machines=machines,
        tabs=_tabs(company.id, "quality"),
    )


def _rule_row(body: dict, signal_names: dict[str, SignalName], lang: str) -> dict:
    """A stored rule as the rules table lists it: its condition naming the signal as people do ("peak cavity
    pressure (bar) > 1200"), and in symbols with the signal's id (the cell's title, for searching)."""
    rule, why = stored_rule(body)
    if rule is None:  # saved before a check it fails was added: said, and left out of the evaluation
        return {
            **body,
            "condition": i18n.t("mon.rule_invalid", lang, why=why.message(lang)),
            "condition_ids": "",
            "invalid": True,
        }
    named = signal_names.get(rule.signal) if rule.signal else None
    return {
        **body,
        "condition": rule.condition_naming(named.label(lang) if named else rule.signal),
        "condition_ids": rule.condition,
    }


@router.get("/companies/{company_id}/alerts", response_class=HTMLResponse)
def alert_inbox(
    page: UserPage,
    company_id: str,
    status: Annotated[Literal["open", "closed", "all"], Query()] = "open",
) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("mon.alerts"), None))
    alerts = open_alert_store(page.settings.data_dir)
    items = alerts.list_alerts(company.id, None if status == "all" else status, limit=200)
    script = {
        "api": f"/api/v1/companies/{company.id}/alerts",
        "lang": page.lang,
        "timezone": page.settings.display_timezone,  # phase I is typed on the plant's clock, as on the quality page
        "text": i18n.js_catalogue(page.lang, ("mon.ack", "mon.rule_")),
    }
    # a signal name once per company (machines of one kind share it), named by its description where one has it
    signal_names = company_signal_names(page.store, company.id)
    signals = [
        {"name": n.id, "unit": n.unit, "description": n.name(page.lang) if n.name(page.lang) != n.id else ""}
        for n in signal_names.values()
    ]
    machines = page.store.list_machines(company.id)
    rules = alerts.list_rules(company.id)
    # what people read: rule names, machine names (an OEE rule's subject is a machine), the scrap share in words
    names = {m.id: m.name for m in machines} | {ln.id: ln.name for ln in page.store.list_lines(company.id)}
    rule_names = {r["id"]: r.get("name") or r["id"] for r in rules}
    for a in items:
        a["rule_name"] = rule_names.get(a["rule_id"], a["rule_id"])
        subject = a["subject"]
        machine, _, signal = subject.partition("/")
        if subject.startswith("scrap/"):
            a["subject_name"] = page.t("mon.scrap_share")
        elif signal and machine in names:  # a machine's signal: "사출기 5호기 · 최대 캐비티 압력"
            described = signal_names[signal].name(page.lang) if signal in signal_names else signal
            a["subject_name"] = f"{names[machine]} · {described}"
        else:
            a["subject_name"] = names.get(subject, subject)
    return page.render(
        "monitor_alerts.html",
        company=company,
        items=items,
        status=status,
        machines=machines,
        names=names,
        signals=signals,
        rules=[_rule_row(r, signal_names, page.lang) for r in rules],
        script=script,
        can_write=page.principal.user.role.can_write,
        tabs=_tabs(company.id, "alerts"),
    )


@router.get("/companies/{company_id}/benchmark", response_class=HTMLResponse)
def benchmark_page(
    page: UserPage, company_id: str, span: Annotated[Literal["1d", "7d", "30d", "90d"], Query()] = "7d"
) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("mon.benchmark"), None))
    end = datetime.now(UTC)
    start = end - timedelta(days=BENCH_DAYS[span])
    # the company's own figures begin at its first record (`recorded_start`): said when that is inside the window,
    # so they are not read as the whole span's (nor set beside the dashboard's last 24 hours as the same figure)
    own_start = recorded_start(page.store, company.id, start, end)
    figures: dict[str, dict[str, float]] = {}  # each company computed once, for the family and the complex
    results = [
        cross_tenant_peer_benchmark(
            page.store,
            company.id,
            start,
            end,
            family=family,
            data_dir=page.settings.data_dir,
            figures=figures,
        )
        for family in (None, COMPLEX)  # its process family's, then the whole complex's
    ]
    return page.render(
        "monitor_benchmark.html",
        company=company,
        benchmarks=results,
        span=span,
        spans=list(BENCH_DAYS),
        mine=True,
        own_since=page.time(own_start, seconds=False) if own_start > start + timedelta(minutes=1) else None,
        tabs=_tabs(company.id, "benchmark"),
    )


@router.get("/monitor/benchmark", response_class=HTMLResponse)
def operator_benchmark(
    page: UserPage, span: Annotated[Literal["1d", "7d", "30d", "90d"], Query()] = "7d"
) -> Response:
    page.principal.require_operator()
    page.crumbs.append((page.t("nav.complex"), "/"))
    page.crumbs.append((page.t("mon.benchmark"), None))
    end = datetime.now(UTC)
    results = cross_tenant_peer_benchmarks(
        page.store, end - timedelta(days=BENCH_DAYS[span]), end, data_dir=page.settings.data_dir
    )
    return page.render(
        "monitor_benchmark.html", benchmarks=results, span=span, spans=list(BENCH_DAYS), mine=False, tabs=None
    )


__all__ = ["router"]
