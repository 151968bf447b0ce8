"""A company's takeout page, for its admin: make one ZIP of everything the platform holds for the company, follow
it, and download it; for the operator, then, erase the company that left the complex.

The work is `sandan.collect.takeout.submit_takeout` and `sandan.collect.erase.erase_company`, the same the API
calls; downloads go through the API route.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan import __version__
from sandan.collect.erase import erase_check, erase_company
from sandan.collect.takeout import KEEP, list_takeouts, running_takeout, submit_takeout
from sandan.domain import Company, Conflict, InvalidInput
from sandan.jobs import JobState
from sandan.web.shell import Page, UserPage, WebRoute, company_of, job_snapshot, jobs_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/companies/{company_id}/takeout", response_class=HTMLResponse)
def takeout_page(
    page: UserPage, company_id: str, job: Annotated[str | None, Query(max_length=32)] = None
) -> Response:
    return _view(page, company_of(page, company_id), job)


def _view(
    page: Page, company: Company, job: str | None, erase_error: str | None = None, status: int = 200
) -> Response:
    page.principal.require_admin(company.id)
    page.crumbs.append((page.t("takeout.title"), None))
    if not job:  # a takeout started earlier (or by someone else) and still going: follow it
        going = running_takeout(jobs_of(page.request), company.id)
        job = going.id if going else None
    # none after a restart: the list shows what was written
    running = job_snapshot(page.request, company.id, job)
    script = {
        "api": f"/api/v1/companies/{company.id}/takeout/jobs/{running.id}" if running else "",
        "text": {"queued": page.t("takeout.queued"), "running": page.t("takeout.running")},
    }
    return page.render(
        "takeout.html",
        status,
        erase=erase_check(page.store, company.id, page.settings.data_dir)
        if page.principal.is_operator
        else None,
        erase_error=erase_error,
        company=company,
        archives=list_takeouts(page.settings.data_dir, company.id),
        keep=KEEP,
        job=running,
        done=JobState.done,
        failed=JobState.failed,
        script=script,
    )


@router.post("/companies/{company_id}/takeout", response_class=HTMLResponse)
def start_takeout(page: UserPage, company_id: str) -> Response:
    """Start a takeout of the company's data, headers in the page's language; the page follows it."""
    company = company_of(page, company_id)
    page.principal.require_admin(company.id)
    job = submit_takeout(
        jobs_of(page.request),
        page.store,
        company.id,
        page.settings.ensure_data_dir(),
        page.principal.user.id,
        zone=page.settings.display_timezone,
        lang=page.lang,
        version=__version__,
    )
    return RedirectResponse(f"/companies/{company.id}/takeout?job={job.id}", status_code=303)


@router.post("/companies/{company_id}/erase", response_class=HTMLResponse)
def erase(page: UserPage, company_id: str, confirm: Annotated[str, Form()] = "") -> Response:
    """Operator: erase the company (its id typed again); back to the complex, which no longer lists it."""
    company = company_of(page, company_id)
    page.principal.require_operator()
    try:
        erase_company(
            page.store,
            page.principal,
            company.id,
            page.settings.data_dir,
            confirm,
            jobs=jobs_of(page.request),
        )
    except (InvalidInput, Conflict) as exc:
        return _view(page, company, None, erase_error=exc.message(page.lang), status=422)
    return RedirectResponse(f"/?erased={quote(company.id)}", status_code=303)
