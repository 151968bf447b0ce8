"""Federation pages: a company sees the federations of its process family — status, rounds, participants, the
federation's aggregate and its own gain only; the operator sees every federation and every member's gain.
Both read through `sandan.learn.federated.service`, the functions the API answers from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from sandan.learn.federated import service
from sandan.web.shell import UserPage, WebRoute, company_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _f1(metrics: dict[str, Any] | None, model: str) -> float | None:
    value = ((metrics or {}).get(model) or {}).get("f1")
    return None if value is None else float(value)


def _gain_row(company: str, gain: dict[str, Any]) -> dict[str, Any]:
    m = gain.get("metrics", {})
    return {
        "company": company,
        "n_rows": gain.get("n_rows"),
        "federated": _f1(m, "federated"),
        "local": _f1(m, "local"),
        "gain": gain.get("gain_f1"),
        "adopt": bool(gain.get("adopt")),
    }


def _run_view(run: dict[str, Any] | None) -> dict[str, Any] | None:
    if not run:
        return None
    agg = run.get("aggregate", {})
    return {
        "at": datetime.fromisoformat(run["at"]) if run.get("at") else None,
        "mode": run.get("mode"),
        "rounds": run.get("rounds") or [],
        "privacy": run.get("privacy"),
        "federated": _f1(agg, "federated"),
        "local": _f1(agg, "local"),
    }


@router.get("/companies/{company_id}/federations", response_class=HTMLResponse)
def company_federations(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("fed.title"), None))
    views = service.federations_for_company(page.store, company.id, data_dir=page.settings.data_dir)
    rows = []
    for v in views:
        last = v.get("last_run")
        mine = (last or {}).get("mine")
        rows.append({**v, "run": _run_view(last), "mine": _gain_row(company.id, mine) if mine else None})
    return page.render("federate.html", company=company, federations=rows, operator_view=False)


@router.get("/federations", response_class=HTMLResponse)
def all_federations(page: UserPage) -> Response:
    page.principal.require_operator()
    page.crumbs.append((page.t("nav.complex"), "/"))
    page.crumbs.append((page.t("fed.title"), None))
    rows = []
    for v in service.cross_tenant_federations(data_dir=page.settings.data_dir):
        last = v.get("last_run")
        gains = [_gain_row(c, g) for c, g in sorted(((last or {}).get("companies") or {}).items())]
        rows.append({**v, "run": _run_view(last), "gains": gains})
    return page.render("federate.html", company=None, federations=rows, operator_view=True)
