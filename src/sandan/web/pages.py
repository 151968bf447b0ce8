"""Login, language, and the asset pages: complex → company → site → line → machine, with breadcrumbs.

Reads go through `Store` methods and `Principal` checks, exactly as the API's routes do; nothing is computed here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandan.accounts import authenticate, issue_token, revoke_token
from sandan.domain import Company, Line, Machine, NotAuthenticated, NotFound, Site
from sandan.web import i18n
from sandan.web.shell import (
    LANG_COOKIE,
    SESSION_COOKIE,
    Page,
    PublicPage,
    UserPage,
    WebRoute,
    company_of,
    safe_next,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PARTS_PER_PAGE = 50
MAX_PART_COLUMNS = 12  # beyond this many parameters the table stops being readable; the rest go in a cell
CHART_POLL_S = 5
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
    try:
        user = authenticate(page.store, user_id.strip(), password)
    except NotAuthenticated:
        return page.render(
            "login.html", 401, next=safe_next(next), info=None, error=page.t("login.failed"), user_id=user_id
        )
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


# ---- asset navigation ----------------------------------------------------------------------------
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
    rows = []
    for company in page.store.cross_tenant_companies():
        rows.append(
            {
                "company": company,
                "machines": len(page.store.list_machines(company.id)),
                "open_quarantine": page.store.count_quarantine(company.id),
            }
        )
    page.crumbs.append((page.t("nav.complex"), None))
    return page.render("complex.html", rows=rows)


@router.get("/companies/{company_id}", response_class=HTMLResponse)
def company_page(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
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
    connectors = registry.for_company(company.id) if registry is not None else []
    for c in connectors:
        if c.get("last_message_at"):
            c["last_message_at"] = datetime.fromisoformat(c["last_message_at"])
    return page.render(
        "company.html",
        company=company,
        sites=sites,
        open_quarantine=page.store.count_quarantine(company.id),
        connectors=connectors,
    )


@router.get("/companies/{company_id}/sites/{site_id}", response_class=HTMLResponse)
def site_page(page: UserPage, company_id: str, site_id: str) -> Response:
    company = company_of(page, company_id)
    site = _site(page, company, site_id)
    page.crumbs[-1] = (site.name, None)
    machines = page.store.list_machines(company.id)
    lines = [
        {"line": ln, "machines": [m for m in machines if m.line_id == ln.id]}
        for ln in page.store.list_lines(company.id, site.id)
    ]
    return page.render("site.html", company=company, site=site, lines=lines)


@router.get("/companies/{company_id}/lines/{line_id}", response_class=HTMLResponse)
def line_page(page: UserPage, company_id: str, line_id: str) -> Response:
    company = company_of(page, company_id)
    line = _line(page, company, line_id)
    page.crumbs[-1] = (line.name, None)
    machines = page.store.list_machines(company.id, line.id)
    return page.render("line.html", company=company, line=line, machines=machines)


def _machine(page: Page, company: Company, machine_id: str) -> Machine:
    machine = page.store.get_machine(company.id, machine_id)
    if machine is None:
        raise NotFound(f"machine {machine_id!r} not found", f"설비 {machine_id!r}을(를) 찾을 수 없습니다")
    _line(page, company, machine.line_id)
    page.crumbs.append((machine.name, None))
    return machine


def _numbers(text: str | None) -> dict[str, float]:
    return json.loads(text) if text else {}


@router.get("/companies/{company_id}/machines/{machine_id}", response_class=HTMLResponse)
def machine_page(
    page: UserPage, company_id: str, machine_id: str, p: Annotated[int, Query(ge=0)] = 0
) -> Response:
    company = company_of(page, company_id)
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
    for r in rows:
        r["params"] = _numbers(r["params"])
        r["measures"] = _numbers(r["measures"])
    param_cols = list(dict.fromkeys(k for r in rows for k in r["params"]))[:MAX_PART_COLUMNS]
    measure_cols = list(dict.fromkeys(k for r in rows for k in r["measures"]))[:MAX_PART_COLUMNS]
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
        company=company,
        machine=machine,
        signals=signals,
        rows=rows,
        param_cols=param_cols,
        measure_cols=measure_cols,
        page_no=p,
        has_older=has_older,
        chart=chart,
    )


# Registered after everything else by `mount`, so only paths nobody answers reach it.
fallback = APIRouter(route_class=WebRoute, include_in_schema=False)


@fallback.get("/{path:path}", response_class=HTMLResponse)
def not_found(page: PublicPage, path: str) -> Response:
    if path.startswith("api/"):
        # API clients get the API's JSON 404, not a page.
        raise StarletteHTTPException(status_code=404)
    return page.notice(page.t("error.page_not_found"), 404, "error.not_found")
