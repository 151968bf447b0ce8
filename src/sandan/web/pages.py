"""Login, language, and the asset pages: complex → company → site → line → machine, with breadcrumbs.

Reads go through `Store` methods and `Principal` checks, exactly as the API's routes do; nothing is computed here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandan.accounts import authenticate, issue_token, revoke_token
from sandan.assist.present import duration
from sandan.collect import assets
from sandan.collect.activity import cross_tenant_activity
from sandan.collect.connector import connector_health, edge_history, recent_part_arrivals
from sandan.domain import (
    Company,
    Line,
    Machine,
    NotAuthenticated,
    NotFound,
    ProcessFamily,
    SandanError,
    Site,
    TooManyAttempts,
)
from sandan.monitor.codes import company_codes
from sandan.twin.process import MODELS
from sandan.web import i18n
from sandan.web.shell import (
    LANG_COOKIE,
    SESSION_COOKIE,
    Page,
    PublicPage,
    UserPage,
    WebRoute,
    company_of,
    form_number,
    safe_next,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PARTS_PER_PAGE = 50
MAX_PART_COLUMNS = 12  # beyond this many parameters the table stops being readable; the rest go in a cell
CHART_POLL_S = 5
EDGE_EVENTS_SHOWN = 30  # the company page's edge link history; the API gives more
CHART_RANGES = {
    "1h": 3600,
    "6h": 6 * 3600,
    "24h": 86400,
    "7d": 7 * 86400,
    "30d": 30 * 86400,
    "365d": 365 * 86400,
}
ALL_TIME = datetime(1970, 1, 1, tzinfo=UTC)


# ---- login, logout, language ---------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(page: PublicPage, next: str = "/", bye: int = 0) -> Response:
    if page.principal is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    info = page.t("login.logged_out") if bye else (page.t("login.expired") if next != "/" else None)
    return page.render("login.html", next=safe_next(next), info=info, error=None, user_id="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    page: PublicPage,
    user_id: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not user_id.strip() or not password:
        return page.render(
            "login.html", 400, next=safe_next(next), info=None, error=page.t("login.missing"), user_id=user_id
        )
    address = request.client.host if request.client else None
    try:
        user = authenticate(page.store, user_id.strip(), password, address=address)
    except TooManyAttempts as exc:
        error = exc.message(page.lang)
        return page.render("login.html", 429, next=safe_next(next), info=None, error=error, user_id=user_id)
    except NotAuthenticated as exc:
        error = exc.message(page.lang) if exc.code == "user_inactive" else page.t("login.failed")
        return page.render("login.html", 401, next=safe_next(next), info=None, error=error, user_id=user_id)
    token = issue_token(
        page.store, user, kind="session", name="web", ttl=timedelta(hours=page.settings.session_hours)
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=page.settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(page: PublicPage) -> Response:
    if page.principal is not None:
        revoke_token(page.store, page.principal)
    response = RedirectResponse("/login?bye=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
    return response


# ---- asset navigation and registration ------------------------------------------------------------
FAMILIES = tuple(f.value for f in ProcessFamily)
_FORM_FIELDS = (
    *("id", "name", "family", "region", "timezone", "model", "ideal_cycle_time_s", "line_id"),
    *("unit", "min_value", "max_value", "description", "edit"),
)


async def _form(page: Page) -> dict[str, str]:
    """An asset form's fields, trimmed; the ones a form does not have are empty."""
    data = await page.request.form()
    return {k: str(data.get(k) or "").strip() for k in _FORM_FIELDS}


def _site(page: Page, company: Company, site_id: str) -> Site:
    site = next((s for s in page.store.list_sites(company.id) if s.id == site_id), None)
    if site is None:
        raise NotFound(f"site {site_id!r} not found", f"사업장 {site_id!r}을(를) 찾을 수 없습니다")
    page.crumbs.append((site.name, f"/companies/{company.id}/sites/{site.id}"))
    return site


def _line(page: Page, company: Company, line_id: str) -> Line:
    line = next((ln for ln in page.store.list_lines(company.id) if ln.id == line_id), None)
    if line is None:
        raise NotFound(f"line {line_id!r} not found", f"라인 {line_id!r}을(를) 찾을 수 없습니다")
    site = next((s for s in page.store.list_sites(company.id) if s.id == line.site_id), None)
    if site is not None:
        page.crumbs.append((site.name, f"/companies/{company.id}/sites/{site.id}"))
    page.crumbs.append((line.name, f"/companies/{company.id}/lines/{line.id}"))
    return line


@router.get("/", response_class=HTMLResponse)
def complex_home(page: UserPage) -> Response:
    if not page.principal.is_operator:
        return RedirectResponse(f"/companies/{page.principal.user.company_id}", status_code=303)
    return _complex_view(page)


def _complex_view(
    page: Page, form: dict[str, Any] | None = None, error: str | None = None, status: int = 200
):
    # one list for the rows and their activity: a member registered while the page renders is in both or neither
    companies = page.store.cross_tenant_companies()
    activity = cross_tenant_activity(page.store, companies=companies, data_dir=page.settings.data_dir)
    rows = []
    for company in companies:
        rows.append(
            {
                "company": company,
                "machines": len(page.store.list_machines(company.id)),
                "open_quarantine": page.store.count_quarantine(company.id),
                "last_record": activity[company.id].last_record,
                "quiet": activity[company.id].quiet,
            }
        )
    page.crumbs.append((page.t("nav.complex"), None))
    families_present = sorted({r["company"].family.value for r in rows})
    return page.render(
        "complex.html",
        status,
        rows=rows,
        form=form or {"family": "other"},
        error=error,
        families=FAMILIES,
        families_present=families_present,
        erased=page.request.query_params.get("erased", "")[:64],
    )


@router.post("/companies", response_class=HTMLResponse)
async def add_company(page: UserPage) -> Response:
    """Operator: register a member company."""
    page.principal.require_operator()
    form = await _form(page)
    try:
        company = assets.register_company(
            page.store, page.principal, form["id"], form["name"], form["family"], form["region"]
        )
    except SandanError as exc:
        return _complex_view(page, form, exc.message(page.lang), exc.status)
    return RedirectResponse(f"/companies/{company.id}", status_code=303)


@router.get("/companies/{company_id}", response_class=HTMLResponse)
def company_page(page: UserPage, company_id: str) -> Response:
    return _company_view(page, company_of(page, company_id))


@router.post("/companies/{company_id}/edit", response_class=HTMLResponse)
async def edit_company(page: UserPage, company_id: str) -> Response:
    """Operator: change a member's name, process family or region (its id stays)."""
    company = company_of(page, company_id)
    page.principal.require_operator()
    form = await _form(page)
    try:
        assets.update_company(
            page.store, page.principal, company.id, form["name"], form["family"], form["region"]
        )
    except SandanError as exc:
        return _company_view(
            page, company, edit_form=form, edit_error=exc.message(page.lang), status=exc.status
        )
    return RedirectResponse(f"/companies/{company.id}", status_code=303)


def _company_view(
    page: Page,
    company: Company,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
    *,
    edit_form: dict[str, Any] | None = None,
    edit_error: str | None = None,
) -> Response:
    page.crumbs[-1] = (company.name, None)
    lines = page.store.list_lines(company.id)
    machines = page.store.list_machines(company.id)
    sites = [
        {
            "site": site,
            "lines": [
                {"line": ln, "machines": [m for m in machines if m.line_id == ln.id]}
                for ln in lines
                if ln.site_id == site.id
            ],
        }
        for site in page.store.list_sites(company.id)
    ]
    registry = getattr(page.request.app.state, "connectors", None)
    connectors = connector_health(page.store, registry, company.id)
    for c in connectors:
        for key in ("last_message_at", "reported_at"):
            if c.get(key):
                c[key] = datetime.fromisoformat(c[key])
    # without a collector: whether part records still arrive (imports, the API, the demo's plant)
    arriving = None if connectors else recent_part_arrivals(page.store, company.id)
    return page.render(
        "company.html",
        status,
        company=company,
        sites=sites,
        open_quarantine=page.store.count_quarantine(company.id),
        connectors=connectors,
        arriving=arriving,
        edge_events=edge_history(page.store, company.id, limit=EDGE_EVENTS_SHOWN),
        silent_for=lambda seconds: duration(seconds, page.lang),
        form=form or {"timezone": "Asia/Seoul"},
        error=error,
        edit_form=edit_form or {**company.model_dump(), "family": company.family.value},
        edit_error=edit_error,
        families=FAMILIES,
    )


@router.post("/companies/{company_id}/sites", response_class=HTMLResponse)
async def add_site(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    form = await _form(page)
    try:
        site = assets.put_site(
            page.store, page.principal, company.id, form["id"], form["name"], form["timezone"], replace=False
        )
    except SandanError as exc:
        return _company_view(page, company, form, exc.message(page.lang), exc.status)
    return RedirectResponse(f"/companies/{company.id}/sites/{site.id}", status_code=303)


@router.get("/companies/{company_id}/sites/{site_id}", response_class=HTMLResponse)
def site_page(page: UserPage, company_id: str, site_id: str) -> Response:
    company = company_of(page, company_id)
    return _site_view(page, company, _site(page, company, site_id))


def _site_view(
    page: Page,
    company: Company,
    site: Site,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    page.crumbs[-1] = (site.name, None)
    machines = page.store.list_machines(company.id)
    lines = [
        {"line": ln, "machines": [m for m in machines if m.line_id == ln.id]}
        for ln in page.store.list_lines(company.id, site.id)
    ]
    return page.render(
        "site.html", status, company=company, site=site, lines=lines, form=form or {}, error=error
    )


@router.post("/companies/{company_id}/sites/{site_id}/lines", response_class=HTMLResponse)
async def add_line(page: UserPage, company_id: str, site_id: str) -> Response:
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    site = _site(page, company, site_id)
    form = await _form(page)
    try:
        line = assets.put_line(
            page.store, page.principal, company.id, form["id"], site.id, form["name"], replace=False
        )
    except SandanError as exc:
        return _site_view(page, company, site, form, exc.message(page.lang), exc.status)
    return RedirectResponse(f"/companies/{company.id}/lines/{line.id}", status_code=303)


@router.get("/companies/{company_id}/lines/{line_id}", response_class=HTMLResponse)
def line_page(page: UserPage, company_id: str, line_id: str) -> Response:
    company = company_of(page, company_id)
    return _line_view(page, company, _line(page, company, line_id))


def _line_view(
    page: Page,
    company: Company,
    line: Line,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    page.crumbs[-1] = (line.name, None)
    machines = page.store.list_machines(company.id, line.id)
    return page.render(
        "line.html",
        status,
        company=company,
        line=line,
        machines=machines,
        form=form or {"family": company.family.value},
        error=error,
        families=FAMILIES,
    )


@router.post("/companies/{company_id}/lines/{line_id}/machines", response_class=HTMLResponse)
async def add_machine(page: UserPage, company_id: str, line_id: str) -> Response:
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    line = _line(page, company, line_id)
    form = await _form(page)
    try:
        machine = _put_machine(page, company, form["id"], line.id, form, replace=False)
    except SandanError as exc:
        return _line_view(page, company, line, form, exc.message(page.lang), exc.status)
    return RedirectResponse(f"/companies/{company.id}/machines/{machine.id}", status_code=303)


def _put_machine(
    page: Page, company: Company, machine_id: str, line_id: str, form: dict[str, str], replace: bool
):
    what = ("ideal cycle time (s)", "이론 사이클 타임(초)")
    cycle = form_number(form["ideal_cycle_time_s"], "ideal_cycle_time_s", what)
    return assets.put_machine(
        page.store,
        page.principal,
        company.id,
        machine_id,
        line_id,
        form["name"],
        form["family"],
        form["model"],
        cycle,
        replace=replace,
    )


@router.post("/companies/{company_id}/machines/{machine_id}/signals", response_class=HTMLResponse)
async def add_signal(page: UserPage, company_id: str, machine_id: str) -> Response:
    """Define one more signal of the machine (its name as the data names it, unit, valid range, description), or,
    with `edit`, change the unit, range or description of one it has (the name stays: readings are kept under it)."""
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    form = await _form(page)
    editing = bool(form.get("edit"))
    try:
        if editing and form["name"] not in {s.name for s in page.store.list_signals(company.id, machine_id)}:
            raise NotFound(
                f"machine {machine_id!r} has no signal {form['name']!r} to change; add it instead",
                f"설비 {machine_id!r}에 고칠 신호 {form['name']!r}이(가) 없습니다. 새로 추가하세요",
                code="unknown_signal",
            )
        signal = {
            "name": form["name"],
            "unit": form["unit"],
            "min_value": form_number(form["min_value"], "min_value", ("lowest valid value", "유효 최솟값")),
            "max_value": form_number(form["max_value"], "max_value", ("highest valid value", "유효 최댓값")),
            "description": form["description"],
        }
        assets.put_signals(page.store, page.principal, company.id, machine_id, [signal], replace=editing)
    except SandanError as exc:
        return _machine_view(
            page,
            company,
            machine_id,
            signal_form=form,
            signal_error=exc.message(page.lang),
            status=exc.status,
        )
    return RedirectResponse(f"/companies/{company.id}/machines/{machine_id}#signals", status_code=303)


@router.post("/companies/{company_id}/machines/{machine_id}", response_class=HTMLResponse)
async def change_machine(page: UserPage, company_id: str, machine_id: str) -> Response:
    """Change a machine's name, process, model, ideal cycle time or line (its id stays, and its records with it)."""
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    machine = page.store.get_machine(company.id, machine_id)
    if machine is None:
        raise NotFound(f"machine {machine_id!r} not found", f"설비 {machine_id!r}을(를) 찾을 수 없습니다")
    form = await _form(page)
    try:
        _put_machine(page, company, machine.id, form.get("line_id") or machine.line_id, form, replace=True)
    except SandanError as exc:
        return _machine_view(page, company, machine.id, 0, form, exc.message(page.lang), exc.status)
    return RedirectResponse(f"/companies/{company.id}/machines/{machine.id}?saved=1", status_code=303)


@router.post("/companies/{company_id}/sites/{site_id}/delete", response_class=HTMLResponse)
def delete_site(page: UserPage, company_id: str, site_id: str) -> Response:
    return _delete_asset(page, company_id, "site", site_id)


@router.post("/companies/{company_id}/lines/{line_id}/delete", response_class=HTMLResponse)
def delete_line(page: UserPage, company_id: str, line_id: str) -> Response:
    return _delete_asset(page, company_id, "line", line_id)


@router.post("/companies/{company_id}/machines/{machine_id}/delete", response_class=HTMLResponse)
def delete_machine(page: UserPage, company_id: str, machine_id: str) -> Response:
    return _delete_asset(page, company_id, "machine", machine_id)


def _delete_asset(page: Page, company_id: str, kind: str, asset_id: str) -> Response:
    """Delete a site, line or machine registered by mistake (a company admin's act, `assets.remove_asset`); back
    to the page above it, which says so. Refused while in use: the asset's own page again, saying why."""
    company = company_of(page, company_id)
    machine = page.store.get_machine(company.id, asset_id) if kind == "machine" else None
    line = next((ln for ln in page.store.list_lines(company.id) if ln.id == asset_id), None)
    try:
        assets.remove_asset(page.store, page.principal, company.id, kind, asset_id)
    except SandanError as exc:
        if isinstance(exc, NotFound):
            raise
        page.refusal = exc.message(page.lang)
        if kind == "site":
            shown = _site_view(page, company, _site(page, company, asset_id))
        elif kind == "line":
            shown = _line_view(page, company, _line(page, company, asset_id))
        else:
            shown = _machine_view(page, company, asset_id)
        shown.status_code = exc.status
        return shown
    above = {
        "site": f"/companies/{company.id}",
        "line": f"/companies/{company.id}/sites/{line.site_id}" if line else f"/companies/{company.id}",
        "machine": f"/companies/{company.id}/lines/{machine.line_id}"
        if machine
        else f"/companies/{company.id}",
    }[kind]
    return RedirectResponse(f"{above}?deleted={quote(asset_id)}", status_code=303)


def _machine(page: Page, company: Company, machine_id: str) -> Machine:
    machine = page.store.get_machine(company.id, machine_id)
    if machine is None:
        raise NotFound(f"machine {machine_id!r} not found", f"설비 {machine_id!r}을(를) 찾을 수 없습니다")
    _line(page, company, machine.line_id)
    page.crumbs.append((machine.name, None))
    return machine


def _line_choices(page: Page, company: Company) -> list[tuple[str, str]]:
    """The company's lines a machine may be moved to, each as "site · line" where the company has several sites."""
    sites = {s.id: s.name for s in page.store.list_sites(company.id)}
    return [
        (ln.id, f"{sites.get(ln.site_id, ln.site_id)} · {ln.name}" if len(sites) > 1 else ln.name)
        for ln in page.store.list_lines(company.id)
    ]


def _as_typed(value: float | None) -> str:
    """A stored number as a person would type it back into a form (150, not 150.0; empty for none)."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _numbers(text: str | None) -> dict[str, float]:
    return json.loads(text) if text else {}


@router.get("/companies/{company_id}/machines/{machine_id}", response_class=HTMLResponse)
def machine_page(
    page: UserPage,
    company_id: str,
    machine_id: str,
    p: Annotated[int, Query(ge=0)] = 0,
    saved: int = 0,
    signal: Annotated[str, Query(description="a signal to change: its form opens filled in")] = "",
) -> Response:
    company = company_of(page, company_id)
    signal_form = None
    if signal and page.principal.user.role.can_write:
        found = next((s for s in page.store.list_signals(company.id, machine_id) if s.name == signal), None)
        if found is not None:
            signal_form = {
                "name": found.name,
                "unit": found.unit or "",
                "min_value": _as_typed(found.min_value),
                "max_value": _as_typed(found.max_value),
                "description": found.description or "",
                "edit": "1",
            }
    return _machine_view(page, company, machine_id, p, saved=bool(saved), signal_form=signal_form)


def _machine_view(
    page: Page,
    company: Company,
    machine_id: str,
    p: int = 0,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
    saved: bool = False,
    signal_form: dict[str, Any] | None = None,
    signal_error: str | None = None,
) -> Response:
    machine = _machine(page, company, machine_id)
    signals = page.store.list_signals(company.id, machine.id)
    # One more row than shown tells whether an older page exists without counting the whole table.
    table = page.store.query_parts(
        company.id,
        ALL_TIME,
        datetime.now(UTC) + timedelta(days=2),
        [machine.id],
        limit=PARTS_PER_PAGE + 1,
        offset=p * PARTS_PER_PAGE,
        newest_first=True,
    )
    rows = table.to_pylist()
    has_older = len(rows) > PARTS_PER_PAGE
    rows = rows[:PARTS_PER_PAGE]
    codes = company_codes(page.settings.data_dir, company.id)
    for r in rows:
        r["params"] = _numbers(r["params"])
        r["measures"] = _numbers(r["measures"])
        # the defect by the name the Pareto gives it ("휨 (변형)"), the recorded code in its tooltip
        r["defect_name"] = codes.label("defects", r["defect_type"], page.lang) if r["defect_type"] else ""
    model = MODELS.get(machine.family)
    column_labels = model.column_labels() if model is not None else {}  # the family's names for its columns
    param_cols = list(dict.fromkeys(k for r in rows for k in r["params"]))[:MAX_PART_COLUMNS]
    measure_cols = list(dict.fromkeys(k for r in rows for k in r["measures"]))[:MAX_PART_COLUMNS]
    now = datetime.now(UTC).replace(microsecond=0)
    exports = [
        (
            key,
            f"/api/v1/companies/{quote(company.id)}/parts/export?"
            + urlencode(
                {
                    "machine_id": machine.id,
                    "start": (now - span).isoformat(),
                    "end": (now + timedelta(minutes=1)).isoformat(),
                    "lang": page.lang,
                    "format": "xlsx",
                }
            ),
        )
        for key, span in (("24h", timedelta(days=1)), ("7d", timedelta(days=7)), ("30d", timedelta(days=30)))
    ]
    chart = {
        "companyId": company.id,
        "machineId": machine.id,
        "signals": [{"name": s.name, "unit": s.unit, "label": s.description or s.name} for s in signals],
        "ranges": {k: v for k, v in CHART_RANGES.items()},
        "pollSeconds": CHART_POLL_S,
        "timezone": page.settings.display_timezone,
        "lang": page.lang,
        "text": i18n.js_catalogue(page.lang, ("machine.chart", "range.")),
    }
    return page.render(
        "machine.html",
        status,
        form=form or {**machine.model_dump(), "family": machine.family.value},
        error=error,
        saved=saved,
        signal_form=signal_form or {},
        signal_error=signal_error,
        families=FAMILIES,
        lines=_line_choices(page, company),
        company=company,
        machine=machine,
        signals=signals,
        rows=rows,
        param_cols=param_cols,
        measure_cols=measure_cols,
        column_labels=column_labels,
        page_no=p,
        has_older=has_older,
        chart=chart,
        exports=exports,
    )


# Registered after everything else by `mount`, so only paths nobody answers reach it.
fallback = APIRouter(route_class=WebRoute, include_in_schema=False)


@fallback.get("/{path:path}", response_class=HTMLResponse)
def not_found(page: PublicPage, path: str) -> Response:
    if path.startswith("api/"):
        # API clients get the API's JSON 404, not a page.
        raise StarletteHTTPException(status_code=404)
    return page.notice(page.t("error.page_not_found"), 404, "error.not_found")
