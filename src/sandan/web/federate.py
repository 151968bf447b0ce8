"""Federation pages: a company sees the federations of its process family — status, rounds, participants, the
federation's aggregate and its own gain only; the operator sees every federation and every member's gain, and
creates federations with a form. All go through `sandan.learn.federated.service`, the functions the API and the CLI
call; the form only turns the typed text into that call's arguments, and the service judges them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.accounts import audit
from sandan.domain import InvalidInput, ProcessFamily, SandanError
from sandan.learn import catalogue
from sandan.learn.explain import feature_words
from sandan.learn.federated import service
from sandan.learn.federated.client import Schema
from sandan.twin.process import MODELS, column_labels
from sandan.web import i18n
from sandan.web.shell import Page, UserPage, WebRoute, company_of, form_number

router = APIRouter(route_class=WebRoute, include_in_schema=False)

# The strategies the API offers too: tree bagging sends whole trees, which secure aggregation cannot protect.
FORM_STRATEGIES = tuple(s for s in service.STRATEGIES if s != "tree-bagging")
# What the operator's form shows before anything is typed (the CLI's defaults).
NEW_FORM: dict[str, Any] = {
    "name": "",
    "family": "",
    "target": "result",
    "positive": "ng",
    "features": "",
    "categorical": "",
    "strategy": "trees",
    "secure_aggregation": False,
    "dp_noise": "",
    "address": "",
}


def _f1(metrics: dict[str, Any] | None, model: str) -> float | None:
    value = ((metrics or {}).get(model) or {}).get("f1")
    return None if value is None else float(value)


def _gain_row(company: str, gain: dict[str, Any], name: str = "") -> dict[str, Any]:
    m = gain.get("metrics", {})
    return {
        "company": company,
        "name": name or company,
        "n_rows": gain.get("n_rows"),
        "positives": gain.get("positives"),
        "federated": _f1(m, "federated"),
        "local": _f1(m, "local"),
        "pooled": _f1(m, "pooled"),
        "gain": gain.get("gain_f1"),
        "adopt": bool(gain.get("adopt")),
    }


def _progress(company_id: str | None, federation: dict[str, Any]) -> dict[str, Any] | None:
    """A running simulation's panel: the job-shaped state and the API route job.js polls."""
    sim = federation.get("simulation") or {}
    if sim.get("state") != "running":
        return None
    fid = federation["id"]
    api = (
        f"/api/v1/companies/{company_id}/federations/run?federation_id={fid}"
        if company_id
        else f"/api/v1/federations/{fid}/run"
    )
    return {"percent": sim["progress"]["percent"], "messages": sim.get("messages") or {}, "api": api}


def _run_view(run: dict[str, Any] | None) -> dict[str, Any] | None:
    if not run:
        return None
    agg = run.get("aggregate", {})
    return {
        "at": datetime.fromisoformat(run["at"]) if run.get("at") else None,
        "mode": run.get("mode"),
        "rounds": run.get("rounds") or [],
        "privacy": run.get("privacy"),
        "scheme": run.get("scheme"),
        "federated": _f1(agg, "federated"),
        "local": _f1(agg, "local"),
    }


def _feature_words(page: Page, federation: dict[str, Any]) -> list[str]:
    """The columns a federation learns from, in words of its process family ("용융 수지 온도")."""
    labels = column_labels([federation.get("family")])
    return [feature_words(f, labels)[0 if page.lang == "en" else 1] for f in federation.get("features") or []]


@router.get("/companies/{company_id}/federations", response_class=HTMLResponse)
def company_federations(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("fed.title"), None))
    views = service.federations_for_company(page.store, company.id, data_dir=page.settings.data_dir)
    # the model a member adopted, as it sits in its registry (a candidate until someone promotes it)
    held = {mv.origin: mv for mv in page.store.list_model_versions(company.id, None)}
    rows = []
    for v in views:
        last = v.get("last_run")
        mine = (last or {}).get("mine")
        entry = (last or {}).get("catalogue_entry")
        rows.append(
            {
                **v,
                "run": _run_view(last),
                "mine": _gain_row(company.id, mine, company.name) if mine else None,
                "adopted_model": held.get(catalogue.adopted_origin(entry)) if entry is not None else None,
                "sat_out": [(company.name, (last or {}).get("sat_out"))]
                if (last or {}).get("sat_out")
                else [],
                "progress": _progress(company.id, v),
                "feature_words": _feature_words(page, v),
            }
        )
    return page.render("federate.html", company=company, federations=rows, operator_view=False)


def _operator_page(
    page: Page,
    form: dict[str, Any],
    *,
    error: str = "",
    created: str = "",
    run_error: tuple[str, str] | None = None,
    status_code: int = 200,
    deleted: str = "",
) -> Response:
    page.principal.require_operator()
    page.crumbs.append((page.t("nav.complex"), "/"))
    page.crumbs.append((page.t("fed.title"), None))
    names = {c.id: c.name for c in page.store.cross_tenant_companies()}
    rows = []
    for v in service.cross_tenant_federations(data_dir=page.settings.data_dir):
        last = v.get("last_run")
        gains = [
            _gain_row(c, g, names.get(c, ""))
            for c, g in sorted(((last or {}).get("companies") or {}).items())
        ]
        rows.append(
            {
                **v,
                "run": _run_view(last),
                "gains": gains,
                "sat_out": [
                    (names.get(c, c), why) for c, why in sorted(((last or {}).get("sat_out") or {}).items())
                ],
                "member_names": [names.get(c, c) for c in v["members"]],
                "member_ids": [(c, names.get(c, c)) for c in v["members"]],
                "progress": _progress(None, v),
                "feature_words": _feature_words(page, v),
            }
        )
    return page.render(
        "federate.html",
        status_code,
        company=None,
        federations=rows,
        operator_view=True,
        form=form,
        error=error,
        run_error=run_error,
        created=next((r for r in rows if r["id"] == created), None),
        deleted=deleted,
        families=list(ProcessFamily),
        strategies=FORM_STRATEGIES,
        family_columns={
            f.value: [p.name for p in MODELS[f].PARAMETERS] for f in ProcessFamily if f in MODELS
        },
    )


@router.get("/federations", response_class=HTMLResponse)
def all_federations(page: UserPage, created: str = "", deleted: str = "") -> Response:
    return _operator_page(page, NEW_FORM, created=created, deleted=deleted[:80])


@router.post("/federations/{federation_id}/delete", response_class=HTMLResponse)
def delete_federation(page: UserPage, federation_id: str) -> Response:
    """Operator: delete a federation (asked first on the page); a refusal comes back on its card with the reason."""
    page.principal.require_operator()
    try:
        gone = service.delete_federation(
            page.store, page.principal, federation_id, data_dir=page.settings.data_dir
        )
    except SandanError as exc:
        return _operator_page(
            page, NEW_FORM, run_error=(federation_id, exc.message(page.lang)), status_code=exc.status
        )
    audit(page.store, page.principal, None, "federation.delete", gone["id"], gone["name"])
    return RedirectResponse(f"/federations?{urlencode({'deleted': gone['name']})}", status_code=303)


def _invalid(key: str, code: str, **fields: Any) -> InvalidInput:
    """A message about the form, in both languages of the catalogue."""
    return InvalidInput(i18n.t(key, "en", **fields), i18n.t(key, "ko", **fields), code=code, field=key)


def _names(text: str) -> list[str]:
    """Column names separated by commas or lines, each once, in the order typed."""
    return list(dict.fromkeys(n.strip() for n in re.split(r"[,\n]", text) if n.strip()))


def _categorical(text: str) -> dict[str, list[str]]:
    """`column: level, level` per line."""
    columns: dict[str, list[str]] = {}
    for line in filter(str.strip, text.splitlines()):
        column, colon, levels = line.partition(":")
        if not colon or not column.strip() or not _names(levels):
            raise _invalid("fed.error.categorical", "bad_categorical", line=line.strip())
        columns[column.strip()] = _names(levels)
    return columns


def _create(form: dict[str, Any], data_dir, store) -> dict[str, Any]:
    """The service's create call with what the operator typed (the API's body, the CLI's options)."""
    schema = Schema(
        form["target"], form["positive"], _names(form["features"]), _categorical(form["categorical"])
    )
    return service.create_federation(
        form["name"],
        form["family"],
        schema,
        strategy=form["strategy"],
        address=form["address"],
        secure_aggregation=form["secure_aggregation"],
        dp_noise_multiplier=form_number(
            form["dp_noise"],
            "dp_noise",
            ("differential privacy noise", "차분 프라이버시 잡음"),
            code="bad_noise_multiplier",
        ),
        data_dir=data_dir,
        store=store,
    )


@router.post("/federations/{federation_id}/members/{company_id}/remove", response_class=HTMLResponse)
def remove_member(page: UserPage, federation_id: str, company_id: str) -> Response:
    """Operator: take a member out of the federation; the card says why when it cannot."""
    page.principal.require_operator()
    try:
        service.leave_federation(company_id, federation_id, data_dir=page.settings.data_dir)
    except SandanError as exc:
        return _operator_page(
            page, NEW_FORM, run_error=(federation_id, exc.message(page.lang)), status_code=exc.status
        )
    audit(page.store, page.principal, company_id, "federation.leave", federation_id, "by the operator")
    return RedirectResponse(f"/federations#federation-{federation_id}", status_code=303)


@router.post("/federations/{federation_id}/run", response_class=HTMLResponse)
def run_federation(
    page: UserPage,
    federation_id: str,
    days: Annotated[str, Form()] = "",
    folds: Annotated[str, Form()] = "",
    search_s: Annotated[str, Form()] = "",
) -> Response:
    """Operator: train the federation in simulation over the members' records of the last `days`, in the
    background; the card shows its progress. A refused start comes back on the card with its reason."""
    page.principal.require_operator()
    try:
        typed = {
            "days": form_number(days, "days", ("days", "일수"), code="bad_days"),
            "folds": form_number(folds, "folds", ("folds", "평가 겹 수"), kind=int, code="bad_folds"),
            "search_s": form_number(
                search_s, "search_s", ("search time", "모델 탐색 시간"), code="bad_search_s"
            ),
        }
        service.start_simulation(
            page.store,
            federation_id,
            **{k: v for k, v in typed.items() if v is not None},
            data_dir=page.settings.data_dir,
        )
    except SandanError as exc:
        return _operator_page(
            page, NEW_FORM, run_error=(federation_id, exc.message(page.lang)), status_code=exc.status
        )
    return RedirectResponse(f"/federations#federation-{federation_id}", status_code=303)


@router.post("/federations", response_class=HTMLResponse)
def create_federation(
    page: UserPage,
    name: Annotated[str, Form()] = "",
    family: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    positive: Annotated[str, Form()] = "",
    features: Annotated[str, Form()] = "",
    categorical: Annotated[str, Form()] = "",
    strategy: Annotated[str, Form()] = "trees",
    secure_aggregation: Annotated[bool, Form()] = False,
    dp_noise: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
) -> Response:
    """Operator: create a federation; a refused form comes back with its message and what was typed."""
    page.principal.require_operator()
    form = {
        "name": name.strip(),
        "family": family,
        "target": target.strip(),
        "positive": positive.strip(),
        "features": features,
        "categorical": categorical,
        "strategy": strategy,
        "secure_aggregation": secure_aggregation,
        "dp_noise": dp_noise.strip(),
        "address": address.strip(),
    }
    try:
        fed = _create(form, page.settings.data_dir, page.store)
    except SandanError as exc:
        return _operator_page(page, form, error=exc.message(page.lang), status_code=exc.status)
    return RedirectResponse(f"/federations?created={fed['id']}#federation-{fed['id']}", status_code=303)
