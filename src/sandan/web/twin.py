"""Digital-twin pages: saved line models, the line editor (a form and YAML that round-trip), runs with progress, the
KPI dashboard with confidence intervals, the bottleneck view, a layout sketch, scenario comparison, design
optimisation (machines, staff, buffers), line balancing and a Gantt chart.

Every figure comes from `sandan.twin.service` (the API's functions and job functions); this module only reads forms,
starts jobs on the server's registry and draws.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

import yaml
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from sandan.accounts import audit
from sandan.api.encode import file_response
from sandan.collect.export import MEDIA_TYPES, ExportFile
from sandan.domain import Conflict, InvalidInput, NotFound, SandanError
from sandan.domain.text import fit_text, shown_name, text_width
from sandan.domain.yamltext import read_yaml
from sandan.monitor.calendar import company_calendar
from sandan.twin import order_sheets, service, workclock
from sandan.twin.inputs import dist_text, parse_dist, short_number
from sandan.twin.layout import layout_svg
from sandan.twin.line import place_label
from sandan.twin.schedule import gantt_svg
from sandan.twin.workclock import unit_word
from sandan.web import i18n
from sandan.web.shell import (
    Page,
    UserPage,
    WebRoute,
    company_of,
    fmt_num,
    fmt_pct,
    form_number,
    jobs_of,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)

KINDS = ("twin.run", "twin.compare", "twin.schedule", "twin.design", "twin.balance")
LINE_KPIS = ("throughput_per_h", "lead_time_s", "wip", "output_per_h", "scrap_per_h", "lost_per_h")
STATE_KEYS = ("working", "setup", "down", "waiting_worker", "idle", "blocked", "starved", "off_shift")
STATE_COLOURS = {
    "working": "#2e7d32",
    "setup": "#8e24aa",
    "down": "#c62828",
    "waiting_worker": "#ef6c00",
    "idle": "#6d4c41",
    "blocked": "#f9a825",
    "starved": "#90a4ae",
    "off_shift": "#e0e0e0",
}

EXAMPLE_LINE = """id: new-line
name: 새 라인 New line
stations:
  - {id: cut, name: 절단 Cutting, process_time: 20, buffer: 4}
  - id: drill
    name: 드릴 Drilling
    machines: 2
    process_time: {kind: lognormal, mean: 45, sd: 10}
    failure: {mtbf: 7200, mttr: 600}
    buffer: 4
  - {id: pack, name: 포장 Packing, process_time: 18, buffer: 3}
release: {policy: kanban}
"""

XLSX = MEDIA_TYPES["xlsx"]

EXAMPLE_BALANCE = """name: assembly 2
time_unit: s
cycle_time: 40
tasks:
  - {name: housing, time: 12}
  - {name: board, time: 20, after: [housing]}
  - {name: wiring, time: 14.5, after: [housing]}
  - {name: cover, time: 9, after: [board, wiring]}
  - {name: test, time: 18, after: [cover]}
  - {name: label, time: 6, after: [test]}
"""


def _digits(kpi: str) -> int:
    return 0 if kpi.endswith("_s") else (2 if kpi == "wip" else 1)


#: The forms' number fields by their labels, for a refusal to name the field as the form does ("stations: '2.5'은(는)
#: 정수가 아닙니다" named the request's field).
_FIELD_LABELS = {
    "replications": "twin.replications",
    "hours": "twin.hours",
    "warmup_hours": "twin.warmup",
    "seed": "twin.seed",
    "time_limit_s": "twin.time_limit",
    "trials": "twin.trials",
    "stations": "twin.stations",
    "cycle_time": "twin.cycle_time",
}


def _number(text: str, field: str, kind: type = float) -> Any:
    key = _FIELD_LABELS.get(field)
    what = (i18n.t(key, "en"), i18n.t(key, "ko")) if key else None
    return form_number(text, field, what, kind=kind, code="bad_line_model")


# a design change by what it sets: "stations.drill.machines" = 3 → "drill: 3 machines" (twin.change.* texts)
_CHANGE_FIELDS = ("machines", "buffer", "count")


def change_words(key: str, value: Any, lang: str) -> str:
    """One change of a design in words ("drill: 3 machines", "drill: 1 machine", "ops: 2명"); an unknown path as
    written."""
    parts = key.split(".")
    if len(parts) == 3 and parts[2] in _CHANGE_FIELDS:
        one = "_one" if value == 1 else ""
        return f"{parts[1]}: {i18n.t(f'twin.change.{parts[2]}{one}', lang, v=value)}"
    return f"{key}={value}"


def _or(value: Any, default: Any) -> Any:
    """An empty field's default; a typed value, 0 included, is kept for the checks to judge."""
    return default if value is None else value


def _names(text: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,\s]+", text or "") if w.strip()]


def form_rows(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The editor form's rows from a line as data (parsed YAML, valid or not), plus one empty row to add."""
    data = data if isinstance(data, Mapping) else {}
    stations = []
    for s in data.get("stations") or []:
        s = s if isinstance(s, Mapping) else {}
        fail = s.get("failure") if isinstance(s.get("failure"), Mapping) else {}
        waits = s.get("waits") if isinstance(s.get("waits"), Mapping) else {}
        stations.append(
            {
                "id": str(s.get("id", "")),
                "name": str(s.get("name", "") or ""),
                "machines": short_number(s.get("machines", 1)),
                "process_time": dist_text(s.get("process_time")),
                "buffer": "" if s.get("buffer") is None else short_number(s.get("buffer")),
                "mtbf": dist_text(fail.get("mtbf"), "exponential"),
                "mttr": dist_text(fail.get("mttr"), "exponential"),
                "wait_every": dist_text(waits.get("every"), "exponential"),
                "wait_lasting": dist_text(waits.get("lasting"), "exponential"),
                # as a percentage, as every other page shows a scrap rate (the model keeps the fraction)
                "scrap_rate": ""
                if not s.get("scrap_rate")
                else short_number(round(100 * float(s["scrap_rate"]), 6)),
                "worker": str(s.get("worker") or ""),
            }
        )
    workers = []
    for g in data.get("workers") or []:
        g = g if isinstance(g, Mapping) else {}
        workers.append(
            {
                "id": str(g.get("id", "")),
                "count": short_number(g.get("count", 1)),
                "skills": ", ".join(str(x) for x in g.get("skills") or []),
                "stations": ", ".join(str(x) for x in g.get("stations") or []),
            }
        )
    release = data.get("release") if isinstance(data.get("release"), Mapping) else {}
    empty_station = dict.fromkeys(stations[0] if stations else ("id",), "") | {"machines": "1"}
    return {
        "id": str(data.get("id", "")),
        "name": str(data.get("name", "") or ""),
        "stations": [*stations, empty_station],
        "workers": [*workers, {"id": "", "count": "", "skills": "", "stations": ""}],
        "release": {
            "policy": release.get("policy", "kanban"),
            "interarrival": dist_text(release.get("interarrival")),
            "wip": "" if release.get("wip") is None else short_number(release.get("wip")),
        },
    }


def typed_rows(form: Mapping[str, str]) -> dict[str, Any]:
    """The editor form's rows exactly as submitted, for showing a refused form again with what was typed (the
    YAML it came from holds the values before the edit)."""
    shape = form_rows({"stations": [{}]})

    def rows(prefix: str, count: str, empty: Mapping[str, str]) -> list[dict[str, str]]:
        """The rows with an id, in order (a row whose id was cleared is removed, as `data_from_form` removes it,
        so a message's row number points at the same row), then one empty row to add."""
        out = []
        for i in range(int(form.get(count, 0) or 0)):
            row = {k: form.get(f"{prefix}{i}.{k}", "") for k in empty}
            if row.get("id", "").strip():
                out.append({**row, "orig": form.get(f"{prefix}{i}.orig", "")})
        return [*out, dict(empty)]

    return {
        "id": form.get("id", ""),
        "name": form.get("name", ""),
        "stations": rows("st", "n_stations", shape["stations"][-1]),
        "workers": rows("wk", "n_workers", shape["workers"][-1]),
        "release": {k: form.get(f"release.{k}", v) for k, v in shape["release"].items()},
    }


def _pair(
    st: dict[str, Any],
    form: Mapping[str, str],
    f: str,
    field: str,
    key: str,
    names: tuple[tuple[str, str], ...],
) -> None:
    """A station's failure or waits from its two form cells (a bare number: an exponential mean); both empty
    removes it."""
    values = {k: parse_dist(form.get(f + cell, ""), f"{field}.{key}.{k}", "exponential") for k, cell in names}
    if all(v is None for v in values.values()):
        st.pop(key, None)
    else:
        st[key] = {k: v for k, v in values.items() if v is not None}


def _unnamed(message: str, field: str) -> str:
    """A message without the "field: " it starts with: a list of issues names the field once, beside it."""
    named = f"{field}: "
    return message[len(named) :] if field and message.startswith(named) else message


def _scrap_share(text: str, field: str) -> float | None:
    """The scrap rate typed as a percentage, as a share (None: none typed)."""
    scrap = _number(text, field)
    if scrap is not None and not 0 <= scrap < 100:
        raise InvalidInput(
            f"the scrap rate is a percentage from 0 to under 100, got {scrap:g}",
            f"불량률은 0 이상 100 미만의 백분율입니다 (입력 {scrap:g})",
            code="bad_line_model",
            field=field,
        )
    return None if scrap is None else scrap / 100


def data_from_form(form: Mapping[str, str], base: Mapping[str, Any] | None) -> dict[str, Any]:
    """The line as data from the editor form, on top of `base` (the YAML the form was made from), so what the form
    does not show — products, transports, calendar, setups, costs — is kept. A row with an empty id is removed.
    Every cell that cannot be read is refused at once (`errors`: one per cell), not one per try."""
    problems: list[dict[str, str]] = []

    def read(parse: Callable[..., Any], *args: Any) -> Any:
        try:
            return parse(*args)
        except InvalidInput as exc:
            field = str(exc.where.get("field") or "")
            en, ko = (_unnamed(m, field) for m in (exc.en, exc.ko))
            problems.append({"field": field, "label": field, "en": en, "ko": ko})
            return None

    data = dict(base) if isinstance(base, Mapping) else {}
    old_stations = {str(s.get("id")): s for s in data.get("stations") or [] if isinstance(s, Mapping)}
    renamed: dict[str, str] = {}
    stations = []
    for i in range(int(form.get("n_stations", 0) or 0)):
        f = f"st{i}."
        sid = (form.get(f + "id") or "").strip()
        field = f"stations.{len(stations)}"
        if not sid:
            continue
        orig = (form.get(f + "orig") or "").strip()
        st = dict(old_stations.get(orig, {}))
        if orig and orig != sid:
            renamed[orig] = sid
        st["id"] = sid
        st["name"] = (form.get(f + "name") or "").strip()
        if not st["name"]:
            st.pop("name")
        st["machines"] = _or(read(_number, form.get(f + "machines", ""), f"{field}.machines", int), 1)
        st["process_time"] = read(parse_dist, form.get(f + "process_time", ""), f"{field}.process_time")
        if st["process_time"] is None:
            st.pop("process_time")
        st["buffer"] = read(_number, form.get(f + "buffer", ""), f"{field}.buffer", int)
        read(_pair, st, form, f, field, "failure", (("mtbf", "mtbf"), ("mttr", "mttr")))
        read(_pair, st, form, f, field, "waits", (("every", "wait_every"), ("lasting", "wait_lasting")))
        scrap = read(_scrap_share, form.get(f + "scrap_rate", ""), f"{field}.scrap_rate")
        if scrap:
            st["scrap_rate"] = scrap
        else:
            st.pop("scrap_rate", None)
        worker = (form.get(f + "worker") or "").strip()
        if worker:
            st["worker"] = worker
        else:
            st.pop("worker", None)
        stations.append({k: v for k, v in st.items() if v is not None or k == "buffer"})
    data["stations"] = stations
    for p in data.get("products") or []:
        if isinstance(p, dict) and isinstance(p.get("routing"), list):
            p["routing"] = [
                renamed.get(step, step)
                if isinstance(step, str)
                else (
                    {**step, "station": renamed.get(step.get("station"), step.get("station"))}
                    if isinstance(step, Mapping)
                    else step
                )
                for step in p["routing"]
            ]
    old_workers = {str(g.get("id")): g for g in data.get("workers") or [] if isinstance(g, Mapping)}
    workers = []
    for j in range(int(form.get("n_workers", 0) or 0)):
        f = f"wk{j}."
        wid = (form.get(f + "id") or "").strip()
        if not wid:
            continue
        g = dict(old_workers.get((form.get(f + "orig") or "").strip(), {}))
        g["id"] = wid
        g["count"] = read(_number, form.get(f + "count", ""), f"workers.{len(workers)}.count", int)
        if g["count"] is None:
            g["count"] = 1
        g["skills"] = _names(form.get(f + "skills", ""))
        listed = [renamed.get(s, s) for s in _names(form.get(f + "stations", ""))]
        if listed:
            g["stations"] = listed
        else:
            g.pop("stations", None)
        workers.append(g)
    if workers:
        data["workers"] = workers
    else:
        data.pop("workers", None)
    for key in ("id", "name"):
        value = (form.get(key) or "").strip()
        if value:
            data[key] = value
        else:
            data.pop(key, None)
    policy = (form.get("release.policy") or "kanban").strip()
    release = dict(data.get("release") or {}) if isinstance(data.get("release"), Mapping) else {}
    release["policy"] = policy
    arrival = read(parse_dist, form.get("release.interarrival", ""), "release.interarrival")
    wip = read(_number, form.get("release.wip", ""), "release.wip", int)
    for key, value in (("interarrival", arrival), ("wip", wip)):
        if value is None:
            release.pop(key, None)
        else:
            release[key] = value
    data["release"] = release
    for problem in problems:  # named as the line model's own refusals name a place: stations[drill].machines
        loc = [int(part) if part.isdigit() else part for part in problem["field"].split(".")]
        problem["label"] = place_label(loc, data)
    if problems:
        first, more = problems[0], len(problems) - 1
        also = (f" (and {more} more)", f" (외 {more}건)") if more else ("", "")
        raise InvalidInput(
            f"{first['label']}: {first['en']}{also[0]}",
            f"{first['label']}: {first['ko']}{also[1]}",
            code="bad_line_model",
            field=first["field"],
            errors=problems,
        )
    return data


def _dump(data: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, default_flow_style=None)


# ---- charts (drawn from the result dicts) ----------------------------------------------------------------------
def states_svg(result: Mapping[str, Any], tx: Mapping[str, str], width: int = 640) -> Markup:
    """One stacked bar per station: shares of machine time working, setup, down, waiting for a worker, blocked,
    starved and off shift — the bottleneck's row is bold."""
    stations = result.get("stations") or {}
    font = 11
    # the id column as wide as the longest id, up to a third of the chart (a longer id is cut in the middle)
    left = min(max([text_width(sid, font * 1.1) for sid in stations] + [40.0]) + 12, width / 3)
    row, top = 26, 8
    scale = width - left - 20
    legend_rows, x = 1, 4.0
    for key in STATE_KEYS:
        step = 22 + text_width(tx["twin.state." + key], font)
        if x + step > width and x > 4.0:
            legend_rows, x = legend_rows + 1, 4.0
        x += step
    height = top + row * len(stations) + 20 + 18 * legend_rows
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="twin-states" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11" role="img" aria-label="{html.escape(tx["twin.states"])}">'
    ]
    for r, (sid, kpi) in enumerate(stations.items()):
        y = top + r * row
        bold = ' font-weight="bold" fill="#c62828"' if sid == result.get("bottleneck") else ""
        shown = fit_text(sid, left - 12, font * 1.1)
        parts.append(
            f'<text x="4" y="{y + 16}"{bold}><title>{html.escape(sid)}</title>{html.escape(shown)}</text>'
        )
        x = float(left)
        for key in STATE_KEYS:
            share = (kpi.get(key) or {}).get("mean") or 0.0
            w = max(share, 0.0) * scale
            if w <= 0:
                continue
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{STATE_COLOURS[key]}">'
                f"<title>{html.escape(sid)} · {html.escape(tx['twin.state.' + key])} {share:.1%}</title></rect>"
            )
            x += w
    y = top + row * len(stations) + 14
    x = 4.0
    for key in STATE_KEYS:  # each swatch after the label before it, as wide as it is drawn (Hangul too)
        label = tx["twin.state." + key]
        step = 22 + text_width(label, font)
        if x + step > width and x > 4.0:
            x, y = 4.0, y + 18
        parts.append(
            f'<rect x="{x:.0f}" y="{y}" width="10" height="10" fill="{STATE_COLOURS[key]}"/>'
            f'<text x="{x + 14:.0f}" y="{y + 9}">{html.escape(label)}</text>'
        )
        x += step
    parts.append("</svg>")
    return Markup("".join(parts))


def compare_svg(
    rows: list[dict[str, Any]], kpi: str, title: str, names: Mapping[str, str], width: int = 560
) -> Markup:
    """Horizontal bars of one KPI per scenario with its 95 % confidence interval as a whisker."""
    font = 11
    values = [(names.get(r["scenario"], r["scenario"]), r[kpi]) for r in rows if r.get(kpi)]
    # the name column as wide as the longest name, up to 40 % of the chart; a longer name is cut in the middle
    # (a sweep's value is at its end: stations.drill.machines=3), whole on hover
    left = min(max([text_width(name, font) for name, _ in values] + [60.0]) + 12, 0.4 * width)
    row, top = 30, 24
    hi = max([(e.get("high") or e.get("mean") or 0) for _, e in values] + [1e-9])
    scale = (width - left - 70) / hi
    height = top + row * len(values) + 10
    esc = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="twin-compare-chart" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11" role="img" aria-label="{esc(title)}">',
        f'<text x="4" y="14" font-weight="bold">{esc(title)}</text>',
    ]
    for r, (name, e) in enumerate(values):
        y = top + r * row
        mean = e.get("mean") or 0.0
        shown = fit_text(name, left - 12, font)
        parts.append(f'<text x="4" y="{y + 17}"><title>{esc(name)}</title>{esc(shown)}</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 5}" width="{mean * scale:.1f}" height="{row - 10}" '
            f'fill="{"#5c7fa3" if r else "#9aa9b8"}"/>'
        )
        if e.get("half_width") is not None:
            lo, hi_ = left + (e["low"] or 0) * scale, left + e["high"] * scale
            ym = y + row / 2
            parts.append(
                f'<path d="M{lo:.1f},{ym - 5} v10 M{lo:.1f},{ym} H{hi_:.1f} M{hi_:.1f},{ym - 5} v10" '
                'stroke="#222" fill="none"/>'
            )
        parts.append(
            f'<text x="{left + mean * scale + 6 + (e.get("half_width") or 0) * scale:.1f}" y="{y + 18}">'
            f"{fmt_num(mean, _digits(kpi))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def loads_svg(result: Mapping[str, Any], title: str, cycle_label: str = "", width: int = 560) -> Markup:
    """One bar per station of a balanced line: its load against the cycle time (the dashed line)."""
    stations = result.get("stations") or []
    cycle = result.get("cycle_time") or max([s["load"] for s in stations] + [1])
    row, left, top = 24, 70, 36
    scale = (width - left - 60) / max([cycle, *(s["load"] for s in stations)] + [1])
    height = top + row * len(stations) + 12
    esc = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="twin-loads-chart" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11" role="img" aria-label="{esc(title)}">',
        f'<text x="4" y="14" font-weight="bold">{esc(title)}</text>',
    ]
    for r, st in enumerate(stations):
        y = top + r * row
        parts.append(f'<text x="4" y="{y + 15}">#{st["index"]}</text>')
        parts.append(
            f'<rect class="load" data-station="{st["index"]}" x="{left}" y="{y + 4}" '
            f'width="{st["load"] * scale:.1f}" height="{row - 8}" fill="#5c7fa3">'
            f"<title>#{st['index']}: {st['load']:g} / {cycle:g}</title></rect>"
        )
        parts.append(f'<text x="{left + st["load"] * scale + 6:.1f}" y="{y + 15}">{st["load"]:g}</text>')
    x = left + cycle * scale
    parts.append(
        f'<path d="M{x:.1f},{top - 4} V{top + row * len(stations)}" stroke="#c62828" stroke-dasharray="4 3"/>'
    )
    if cycle_label:  # the dashed line says what it is: "cycle time 40 s", ending at the line
        parts.append(
            f'<text class="cycle-label" x="{x:.1f}" y="{top - 7}" text-anchor="end" fill="#c62828">'
            f"{esc(cycle_label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _after_number(unit: str, lang: str) -> str:
    """A time unit as it follows a number: a Korean word joins it ("657분"), a symbol is spaced ("657 min")."""
    if not unit:
        return ""
    word = unit_word(unit, lang)
    return word if lang == "ko" and word != unit else f" {word}"


# ---- pages ------------------------------------------------------------------------------------------------------
def _tx(page: Page) -> dict[str, str]:
    return i18n.js_catalogue(page.lang, ("twin.",))


def _twin_crumb(page: Page, company_id: str, tx: Mapping[str, str], here: str | None = None) -> None:
    page.crumbs.append((tx["twin.title"], f"/companies/{company_id}/twin" if here else None))
    if here:
        page.crumbs.append((here, None))


@router.get("/companies/{company_id}/twin", response_class=HTMLResponse)
def twin_home(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    tx = _tx(page)
    _twin_crumb(page, company.id, tx)
    jobs = [j for j in jobs_of(page.request).list(company.id) if j.kind in KINDS][:10]
    return page.render(
        "twin_home.html",
        company=company,
        tx=tx,
        lines=service.list_lines(page.settings.data_dir, company.id),
        store_lines=page.store.list_lines(company.id),
        jobs=jobs,
        can_write=page.principal.user.role.can_write,
    )


def _editor(
    page: Page,
    company,
    text: str,
    *,
    data: Any = None,
    error: SandanError | None = None,
    notice: str | None = None,
    run: Mapping[str, str] | None = None,
    loaded_id: str | None = None,
    status_code: int = 200,
    rows: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    tx = _tx(page)
    _twin_crumb(page, company.id, tx, tx["twin.editor"])
    if data is None:
        try:
            data = read_yaml(text)
        except yaml.YAMLError:
            data = None
    issues = []
    if error is not None:
        field = error.where.get("field", "")
        issues = error.where.get("errors") or [
            {"field": field, "label": field, "en": _unnamed(error.en, field), "ko": _unnamed(error.ko, field)}
        ]
    by_field: dict[str, str] = {}
    for issue in issues:
        by_field.setdefault(issue["field"], issue[page.lang if page.lang == "en" else "ko"])
    summary = None
    if error is None:
        try:
            summary = service.line_summary(service.parse_line(text))
        except SandanError:
            summary = None
    return page.render(
        "twin_edit.html",
        status_code=status_code,
        company=company,
        tx=tx,
        text=text,
        rows=rows or form_rows(data),
        issues=issues,
        field_error=by_field,
        error=error.message(page.lang) if error is not None else None,
        notice=notice,
        summary=summary,
        run=run or {},
        loaded_id=loaded_id,
        offer_replace=error is not None and error.code == "line_exists",
        max_hours=service.MAX_HOURS,
        warmup_hours=WARMUP_HOURS,
        fmt_num=fmt_num,
        can_write=page.principal.user.role.can_write,
    )


def _clock(hour: float) -> str:
    return f"{int(hour):02d}:{round(hour % 1 * 60):02d}"


@router.get("/companies/{company_id}/twin/edit", response_class=HTMLResponse)
def edit_page(
    page: UserPage,
    company_id: str,
    line_id: str | None = None,
    from_line: str | None = None,
    layout: str = "by_process",
) -> Response:
    company = company_of(page, company_id)
    if line_id:
        text = service.line_text(page.settings.data_dir, company.id, line_id)
    elif from_line:
        end = datetime.now(UTC)
        line = service.line_of_record(
            page.store,
            page.settings.data_dir,
            company.id,
            from_line,
            start=end - timedelta(days=30),
            end=end,
            layout=layout,
        )
        tx = _tx(page)
        grouped = [
            tx["twin.from_store_group"].format(station=s.id, n=len(s.from_machines))
            for s in line.stations
            if s.from_machines and len(s.from_machines) > 1
        ]
        notes = [tx["twin.from_store_grouped"].format(groups="; ".join(grouped))] if grouped else []
        if line.calendar is not None:
            hours = ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in line.calendar.windows)
            notes.append(tx["twin.from_store_calendar"].format(hours=hours))
        return _editor(page, company, line.to_yaml(), notice=" ".join(notes) or None)
    else:
        text = EXAMPLE_LINE
    return _editor(page, company, text, loaded_id=line_id)


@router.post("/companies/{company_id}/twin/edit", response_class=HTMLResponse)
async def edit_submit(page: UserPage, company_id: str) -> Response:
    """One form, four buttons: take the form into the YAML, take the YAML into the form, check, save, run."""
    company = company_of(page, company_id)
    form = {k: v for k, v in (await page.request.form()).items() if isinstance(v, str)}
    action = form.get("action", "validate")
    loaded = form.get("loaded_id") or None  # the saved line the editor was opened on, if any
    text = form.get("yaml", "")
    # Save, check and run take whichever side was edited last (the page script sets `source`); the two arrow
    # buttons say it explicitly.
    source = (
        "form" if action == "from_form" else ("yaml" if action == "from_yaml" else form.get("source", "yaml"))
    )
    if source == "form":
        try:
            base = read_yaml(form.get("base", "") or "") or {}
        except yaml.YAMLError:
            base = {}
        try:
            data = data_from_form(form, base)
        except SandanError as exc:  # the form as typed, the refused cell marked; the YAML as it was
            return _editor(
                page,
                company,
                text,
                error=exc,
                run=form,
                loaded_id=loaded,
                status_code=422,
                rows=typed_rows(form),
            )
        text = _dump(data)
    try:
        # Check says what Save would refuse (a missing id, or one that cannot be a file name), not only what Run would
        line = service.savable_line(text) if action == "validate" else service.parse_line(text)
    except SandanError as exc:
        return _editor(page, company, text, error=exc, run=form, loaded_id=loaded, status_code=422)
    tx = _tx(page)
    if action == "save":
        page.principal.require_write(company.id)
        try:
            # the line being edited is replaced; another saved line of the id only when the user allows it
            replace = line.id == loaded or form.get("replace") == "1"
            service.save_line(page.settings.data_dir, company.id, text, replace=replace)
        except SandanError as exc:  # back to the editor, with what was typed and why it was not saved
            return _editor(page, company, text, error=exc, run=form, loaded_id=loaded, status_code=exc.status)
        return RedirectResponse(f"/companies/{company.id}/twin/lines/{line.id}?saved=1", status_code=303)
    if action == "run":
        try:
            return _start_run(page, company.id, line, form)
        except SandanError as exc:  # back to the editor, with what was typed and why the run was refused
            return _editor(page, company, text, error=exc, run=form, loaded_id=loaded, status_code=422)
    return _editor(
        page,
        company,
        text,
        notice=tx["twin.valid"] if action == "validate" else None,
        run=form,
        loaded_id=loaded,
    )


def design_defaults(line, summary: Mapping[str, Any]) -> dict[str, str]:
    """The design form as first shown: a target a fifth above the line's bottleneck rate, one to two more machines
    at every station whose capacity is below that (the bottleneck and the stations that would limit the line next,
    so the target can be reached), and a wider buffer before the bottleneck where the line uses it."""
    neck = line.station(summary["analytic_bottleneck"])
    caps = {s["id"]: s["capacity_per_h"] for s in summary["stations"]}
    limit = 1.2 * (caps.get(neck.id) or 0.0)
    short = [s for s in line.stations if s.id == neck.id or (caps.get(s.id) or math.inf) < limit]
    space = {"machines": {s.id: [s.machines, s.machines + 2] for s in short}}
    # a wider buffer where it is used: not where parts enter under kanban (raw material is always there)
    if neck.buffer is not None and not line.idle_changes({f"stations.{neck.id}.buffer": neck.buffer}):
        space["buffers"] = {neck.id: sorted({neck.buffer, neck.buffer + 2, neck.buffer * 2 or 4})}
    rate = summary.get("bottleneck_rate_per_h") or 0.0
    return {
        "space": _dump(space),
        "goal": "target",
        "value": f"{math.ceil(rate * 1.2):g}" if rate else "",
        "replications": "5",
        "hours": f"{line.run_hours:g}",
        "warmup_hours": f"{WARMUP_HOURS:g}",
        "trials": "30",
        "seed": "0",
    }


def first_scenario(line, summary: Mapping[str, Any]) -> str:
    """The variant the comparison form first offers: one more machine at the bottleneck the page names (a machine
    more elsewhere leaves the bottleneck rate where it is)."""
    neck = line.station(summary["analytic_bottleneck"])
    return f"+1 {neck.id}: stations.{neck.id}.machines={neck.machines + 1}"


def _line_page(
    page: Page,
    company,
    line_id: str,
    *,
    saved: bool = False,
    design: Mapping[str, str] | None = None,
    design_error: str | None = None,
    compare: Mapping[str, str] | None = None,
    compare_error: str | None = None,
    sweep: Mapping[str, str] | None = None,
    sweep_error: str | None = None,
    run: Mapping[str, str] | None = None,
    run_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    tx = _tx(page)
    got = service.get_line(page.settings.data_dir, company.id, line_id)
    line = service.parse_line(got["yaml"])
    _twin_crumb(page, company.id, tx, line.name or line.id)
    return page.render(
        "twin_line.html",
        status_code=status_code,
        company=company,
        tx=tx,
        line=line,
        summary=got["summary"],
        sketch=Markup(layout_svg(line, lang=page.lang)),
        saved=saved,
        design={**design_defaults(line, got["summary"]), **(design or {})},
        design_error=design_error,
        compare=compare or {},
        compare_error=compare_error,
        sweep=sweep or {"parameter": f"stations.{got['summary']['analytic_bottleneck']}.machines"},
        sweep_error=sweep_error,
        first_scenario=first_scenario(line, got["summary"]),
        run=run or {},
        run_error=run_error,
        max_hours=service.MAX_HOURS,
        warmup_hours=WARMUP_HOURS,
        fmt_num=fmt_num,
        fmt_pct=fmt_pct,
        can_write=page.principal.user.role.can_write,
    )


@router.get("/companies/{company_id}/twin/lines/{line_id}", response_class=HTMLResponse)
def line_page(page: UserPage, company_id: str, line_id: str, saved: bool = False) -> Response:
    company = company_of(page, company_id)
    return _line_page(page, company, line_id, saved=saved)


@router.get("/companies/{company_id}/twin/lines/{line_id}/{action}")
def line_action_again(
    page: UserPage, company_id: str, line_id: str, action: Literal["run", "compare", "design"]
):
    """The address a refused run, comparison or design stays on, opened again (a reload, a bookmark): the line's
    page, where those forms are."""
    company = company_of(page, company_id)
    return RedirectResponse(f"/companies/{company.id}/twin/lines/{quote(line_id)}", status_code=303)


@router.post("/companies/{company_id}/twin/lines/{line_id}/design")
async def design_saved(page: UserPage, company_id: str, line_id: str) -> Response:
    """Start a design search on a saved line; a mistake in the form comes back on the line page at the form."""
    company = company_of(page, company_id)
    form = {k: v for k, v in (await page.request.form()).items() if isinstance(v, str)}
    line = service.load_line(page.settings.data_dir, company.id, line_id)
    try:
        goal = form.get("goal", "target")
        if goal not in ("target", "budget"):
            raise InvalidInput(
                f"unknown goal {goal!r}; use target or budget",
                f"알 수 없는 목표 {goal!r}입니다. target 또는 budget을 쓰세요",
                code="bad_design_goal",
                field="goal",
            )
        value = _number(form.get("value", ""), "value")
        opts = {
            "target": value if goal == "target" else None,
            "budget": value if goal == "budget" else None,
            "replications": _or(_number(form.get("replications", ""), "replications", int), 5),
            "hours": _or(_number(form.get("hours", ""), "hours"), line.run_hours),
            "warmup_hours": _or(_number(form.get("warmup_hours", ""), "warmup_hours"), WARMUP_HOURS),
            "trials": _or(_number(form.get("trials", ""), "trials", int), 30),
        }
        if value is None:
            raise InvalidInput(
                "give the good parts per hour to reach, or the budget",
                "도달할 시간당 양품 수나 예산을 주세요",
                code="bad_design_goal",
                field="value",
            )
        seed = _number(form.get("seed", ""), "seed", int) or 0
        space = service.check_design(line, form.get("space", ""), seed=seed, **opts)
    except SandanError as exc:
        return _line_page(
            page, company, line_id, design=form, design_error=exc.message(page.lang), status_code=422
        )
    job = jobs_of(page.request).submit(
        company.id,
        "twin.design",
        service.optimize_line,
        line,
        space,
        seed=seed,
        confidence="lower" if form.get("surely") == "on" else "mean",
        **opts,
        user_id=page.principal.user.id,
        label=line.id,
    )
    return RedirectResponse(f"/companies/{company.id}/twin/jobs/{job.id}", status_code=303)


#: The warm-up left out of a run, compare or sweep when its field is empty (as the forms first show it): a sweep
#: without the field ran with none, and its unchanged line disagreed with the same line's run.
WARMUP_HOURS = 1.0


def _run_options(form: Mapping[str, str], line) -> dict[str, Any]:
    """The run's settings as typed; an empty field takes its default, a typed 0 stays 0 (and `check_run` says
    what is wrong with it) instead of quietly becoming the default."""

    def typed(key: str, default: Any, kind: type = float) -> Any:
        return _or(_number(form.get(key, ""), key, kind), default)

    return {
        "replications": typed("replications", 10, int),
        "hours": typed("hours", line.run_hours),
        "warmup_hours": typed("warmup_hours", WARMUP_HOURS),
        "seed": typed("seed", 0, int),
    }


def _start_run(page: Page, company_id: str, line, form: Mapping[str, str]) -> Response:
    opts = _run_options(form, line)
    service.check_run(opts["replications"], opts["hours"], opts["warmup_hours"], opts["seed"])
    job = jobs_of(page.request).submit(
        company_id,
        "twin.run",
        service.simulate_line,
        line,
        **opts,
        user_id=page.principal.user.id,
        label=line.id,
    )
    return RedirectResponse(f"/companies/{company_id}/twin/jobs/{job.id}", status_code=303)


@router.post("/companies/{company_id}/twin/lines/{line_id}/run")
async def run_saved(page: UserPage, company_id: str, line_id: str) -> Response:
    company = company_of(page, company_id)
    form = {k: v for k, v in (await page.request.form()).items() if isinstance(v, str)}
    line = service.load_line(page.settings.data_dir, company.id, line_id)
    try:
        return _start_run(page, company.id, line, form)
    except SandanError as exc:  # back to the form, with what was typed and why it was refused
        return _line_page(page, company, line_id, run=form, run_error=exc.message(page.lang), status_code=422)


def parse_scenarios(text: str) -> list[dict[str, Any]]:
    """One variant a line: `name: path=value, path=value` (the name is optional)."""
    out = []
    for n, raw in enumerate((text or "").splitlines()):
        if not raw.strip():
            continue
        name, sep, rest = raw.partition(":")
        if not sep or "=" in name:
            name, rest = f"#{n + 1}", raw
        out.append({"name": name.strip(), "changes": service.parse_changes(rest)})
    return out


async def _comparison_from_form(
    page: UserPage, company_id: str, line_id: str, form_name: str, variants: Callable[[Any, Mapping], Any]
) -> Response:
    """A comparison's job from one of the line page's forms (`form_name`: compare or sweep): the saved line and
    `variants(line, form)` side by side; a refusal goes back to that form with what was typed."""
    company = company_of(page, company_id)
    form = {k: v for k, v in (await page.request.form()).items() if isinstance(v, str)}
    base = service.load_line(page.settings.data_dir, company.id, line_id)
    try:
        opts = _run_options(form, base)
        service.check_run(opts["replications"], opts["hours"], opts["warmup_hours"], opts["seed"])
        lines = variants(base, form)
    except SandanError as exc:  # back to the form, with what was typed and why it was refused
        refused = {form_name: form, f"{form_name}_error": exc.message(page.lang)}
        return _line_page(page, company, line_id, status_code=422, **refused)
    job = jobs_of(page.request).submit(
        company.id,
        "twin.compare",
        service.compare_lines,
        lines,
        **opts,
        user_id=page.principal.user.id,
        label=base.id,
    )
    return RedirectResponse(f"/companies/{company.id}/twin/jobs/{job.id}", status_code=303)


@router.post("/companies/{company_id}/twin/lines/{line_id}/compare")
async def compare_saved(page: UserPage, company_id: str, line_id: str) -> Response:
    return await _comparison_from_form(
        page,
        company_id,
        line_id,
        "compare",
        lambda base, form: service.scenario_lines(base, parse_scenarios(form.get("scenarios", ""))),
    )


@router.post("/companies/{company_id}/twin/lines/{line_id}/sweep")
async def sweep_saved(page: UserPage, company_id: str, line_id: str) -> Response:
    """The line with each value of one setting, side by side (a comparison's job)."""
    return await _comparison_from_form(
        page,
        company_id,
        line_id,
        "sweep",
        lambda base, form: service.sweep_scenarios(
            base, service.parse_sweep(form.get("parameter", ""), form.get("values", ""))
        ),
    )


@router.get("/companies/{company_id}/twin/schedule", response_class=HTMLResponse)
def schedule_page(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    tx = _tx(page)
    _twin_crumb(page, company.id, tx, tx["twin.schedule"])
    return page.render(
        "twin_schedule.html",
        company=company,
        tx=tx,
        text=service.example_orders(page.store, company.id) or service.EXAMPLE_ORDERS,
        start=_start_default(page, company.id),
        fmt="auto",
        objective="makespan",
        time_limit="5",
        error=None,
    )


def _start_default(page: Page, company_id: str) -> str:
    """The scheduling form's start: the company's next working instant, as a date-time field writes it."""
    calendar = company_calendar(page.settings.data_dir, company_id)
    return f"{workclock.next_working_start(calendar, datetime.now(UTC)):%Y-%m-%dT%H:%M}"


@router.get("/companies/{company_id}/twin/schedule/orders.xlsx")
def schedule_template(page: UserPage, company_id: str) -> Response:
    """The shop orders as a workbook to fill in (the page's sample orders, one row per operation)."""
    company = company_of(page, company_id)
    return file_response(ExportFile(service.orders_template(page.store, company.id), XLSX, "orders.xlsx"))


@router.post("/companies/{company_id}/twin/schedule", response_class=HTMLResponse)
async def schedule_submit(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    raw = await page.request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    upload = raw.get("file")
    text, fmt = form.get("text", ""), form.get("format", "auto")
    objective, limit = form.get("objective", "makespan"), form.get("time_limit_s", "5")
    calendar = company_calendar(page.settings.data_dir, company.id)
    try:
        start = workclock.parse_start(form.get("start"), calendar)
        if upload is not None and not isinstance(upload, str) and upload.filename:
            # a spreadsheet (or a YAML/JSON file) of orders replaces the text box
            content = await upload.read(service.MAX_SHOP_FILE_BYTES + 1)
            instance = service.parse_shop_file(content, upload.filename, start=start, calendar=calendar)
        else:
            instance = service.parse_shop(text, fmt, "orders", start=start, calendar=calendar)
        seconds = _or(_number(limit, "time_limit_s"), 5.0)
        service.check_time_limit(seconds)
        job = jobs_of(page.request).submit(
            company.id,
            "twin.schedule",
            service.schedule_shop,
            instance,
            objective=objective,
            time_limit_s=seconds,
            start=start,
            calendar=calendar,
            user_id=page.principal.user.id,
            label=instance.name,
        )
    except SandanError as exc:
        tx = _tx(page)
        _twin_crumb(page, company.id, tx, tx["twin.schedule"])
        return page.render(
            "twin_schedule.html",
            status_code=422,
            company=company,
            tx=tx,
            text=text,
            start=form.get("start", ""),
            fmt=fmt,
            objective=objective,
            time_limit=limit,
            error=exc.message(page.lang),
        )
    return RedirectResponse(f"/companies/{company.id}/twin/jobs/{job.id}", status_code=303)


def _balance_page(
    page: Page, company, form: Mapping[str, str], error: str | None, status_code: int
) -> HTMLResponse:
    tx = _tx(page)
    _twin_crumb(page, company.id, tx, tx["twin.balance"])
    return page.render(
        "twin_balance.html",
        status_code=status_code,
        company=company,
        tx=tx,
        form={
            "text": EXAMPLE_BALANCE,
            "format": "auto",
            "goal": "cycle_time",
            "value": "",  # the example states its cycle time (40 s)
            "time_limit_s": "5",
            **form,
        },
        error=error,
    )


@router.get("/companies/{company_id}/twin/balance", response_class=HTMLResponse)
def balance_page(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    return _balance_page(page, company, {}, None, 200)


@router.post("/companies/{company_id}/twin/balance", response_class=HTMLResponse)
async def balance_submit(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    form = {k: v for k, v in (await page.request.form()).items() if isinstance(v, str)}
    try:
        problem = service.parse_balance(form.get("text", ""), form.get("format", "auto"), "line")
        goal = form.get("goal", "cycle_time")
        # a cycle time may have decimals (12.5 s); a number of stations is whole
        value = _number(
            form.get("value", ""),
            goal if goal in ("cycle_time", "stations") else "value",
            float if goal == "cycle_time" else int,
        )
        # no value: the cycle time the text states (.alb, YAML's cycle_time), if it states one
        cycle_time, stations = service.balance_goal(
            problem, value if goal == "cycle_time" else None, value if goal == "stations" else None
        )
        if cycle_time is None and stations is None:
            raise InvalidInput(
                "give the cycle time (fewest stations) or the number of stations (shortest cycle time)",
                "사이클타임(공정 수 최소)이나 공정 수(사이클타임 최소)를 주세요",
                code="bad_balance_goal",
                field="value",
            )
        opts = {
            "cycle_time": cycle_time,
            "stations": stations,
            "time_limit_s": _or(_number(form.get("time_limit_s", ""), "time_limit_s"), 5.0),
        }
        service.check_balance(problem, **opts)
    except SandanError as exc:
        return _balance_page(page, company, form, exc.message(page.lang), 422)
    job = jobs_of(page.request).submit(
        company.id,
        "twin.balance",
        service.balance_problem,
        problem,
        **opts,
        user_id=page.principal.user.id,
        label=problem.name,
    )
    return RedirectResponse(f"/companies/{company.id}/twin/jobs/{job.id}", status_code=303)


@router.post("/companies/{company_id}/twin/jobs/{job_id}/cancel")
def job_cancel(page: UserPage, company_id: str, job_id: str) -> Response:
    """Stop a running simulation, comparison, design search, schedule or balance: by whoever started it or anyone
    who may write for the company; back to the job's page, which then shows it stopped."""
    company = company_of(page, company_id)
    try:
        job = jobs_of(page.request).cancel(company.id, job_id, page.principal)
        audit(page.store, page.principal, company.id, "job.cancel", job_id, f"{job.kind} {job.label}")
    except Conflict:  # it finished meanwhile: nothing to stop, and its page says how it ended
        pass
    return RedirectResponse(f"/companies/{company.id}/twin/jobs/{job_id}", status_code=303)


@router.get("/companies/{company_id}/twin/jobs/{job_id}/schedule.xlsx")
def schedule_download(page: UserPage, company_id: str, job_id: str) -> Response:
    """A finished schedule's dispatch list as a workbook: per machine, its operations in order."""
    company = company_of(page, company_id)
    job = jobs_of(page.request).get(company.id, job_id)
    result = job.result if job.state.value == "done" else None
    if not result or result.get("kind") != "schedule" or not result.get("schedule"):
        raise NotFound(
            f"job {job_id} has no finished schedule to download",
            f"작업 {job_id}에는 내려받을 완료된 일정이 없습니다",
        )
    content = order_sheets.dispatch_workbook(result["schedule"], result.get("time_unit", ""), page.lang)
    name = re.sub(r"[\\/:*?\"<>|\s]+", "_", job.label or "schedule").strip("_") or "schedule"
    return file_response(ExportFile(content, XLSX, f"{name}.xlsx"))


@router.get("/companies/{company_id}/twin/jobs/{job_id}", response_class=HTMLResponse)
def job_page(page: UserPage, company_id: str, job_id: str) -> Response:
    """Progress while the job runs; then the KPI dashboard, the comparison or the Gantt chart."""
    company = company_of(page, company_id)
    tx = _tx(page)
    job = jobs_of(page.request).get(company.id, job_id)
    _twin_crumb(page, company.id, tx, f"{tx['twin.kind.' + job.kind.removeprefix('twin.')]} · {job.label}")
    # One reading of the state: the job thread may finish while this page renders.
    state = job.state.value
    result = job.result if state == "done" else None
    percent = job.percent if state != "done" else 100.0
    context: dict[str, Any] = {}
    if result and result.get("kind") == "run":
        line = service.parse_line(result["yaml"])
        context = {
            "sketch": Markup(layout_svg(line, result, lang=page.lang)),
            "states": states_svg(result, tx),
            "kpis": [k for k in LINE_KPIS if k in result["line"]],
            "perf_capped": service.performance_capped(result),
        }
    elif result and result.get("kind") == "compare":
        kpi_title = result["labels"]["throughput_per_h"]["en" if page.lang == "en" else "ko"]
        names = {result["baseline"]: tx["twin.baseline"]}
        context = {"chart": compare_svg(result["table"], "throughput_per_h", kpi_title, names)}
    elif result and result.get("kind") == "schedule":
        # rows by the machines' names where the orders name the company's machines
        names = {m.id: shown_name(m.name)[page.lang] for m in page.store.list_machines(company.id)}
        context = {"gantt": Markup(gantt_svg(service.gantt_of(result), lang=page.lang, names=names))}
    elif result and result.get("kind") == "balance":
        cycle = result.get("cycle_time")
        said = f"{tx['twin.cycle_time']} {cycle:g}{_after_number(result.get('time_unit') or '', page.lang)}"
        context = {"loads": loads_svg(result, tx["twin.loads_chart"], said if cycle else "")}
    script = {
        "api": f"/api/v1/companies/{company.id}/jobs/{job.id}",
        "text": {"queued": tx["twin.state_queued"], "running": tx["twin.state_running"]},
    }
    return page.render(
        "twin_job.html",
        company=company,
        tx=tx,
        job=job,
        state=state,
        finished=state in ("done", "failed"),
        percent=percent,
        result=result,
        script=script,
        fmt_num=fmt_num,
        fmt_pct=fmt_pct,
        digits=_digits,
        label=lambda key: (
            (result or {}).get("labels", {}).get(key, {}).get("en" if page.lang == "en" else "ko", key)
        ),
        change_words=lambda key, value: change_words(key, value, page.lang),
        unit=lambda u: unit_word(u, page.lang) if u else "",
        with_unit=lambda u: _after_number(u, page.lang),
        **context,
    )
