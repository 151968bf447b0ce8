"""The "what should I change?" page: current against recommended settings, expected effect, Pareto chart, warnings,
and saving a recommendation as a recipe; and the "why did defects rise?" page (root cause). It calls
`sandan.optimize.service`; nothing is computed or written here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.assist.present import duration, span_of_days
from sandan.domain import InvalidInput, NotFound, SandanError
from sandan.jobs import Job, JobState
from sandan.optimize.recommend import plain, signed, span
from sandan.optimize.rootcause import EFFECT_NAMES
from sandan.optimize.service import (
    RECOMMEND_JOB,
    ROOT_CAUSE_BASELINE_DAYS,
    delete_recipe,
    list_recipes,
    machines_by_defect_rate,
    recommendation_job,
    root_cause_for,
    root_cause_window,
    save_recipe,
)
from sandan.twin.process import MODELS
from sandan.web.shell import Page, UserPage, WebRoute, company_of, form_number, jobs_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _pareto_svg(points: list[dict], width: int = 420, height: int = 240) -> dict[str, Any] | None:
    """Pixel positions for the Pareto chart (expected defect rate on x, cycle time on y) and the axes' end and
    middle values."""
    if len(points) < 2:
        return None
    xs = [p["defect_rate"] for p in points]
    ys = [p["cycle_time_s"] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs) or 1, min(ys), max(ys)
    sx = (width - 80) / ((x1 - x0) or 1)
    sy = (height - 50) / ((y1 - y0) or 1)

    def px(x: float) -> float:
        return 60 + (x - x0) * sx

    def py(y: float) -> float:
        return height - 30 - (y - y0) * sy

    return {
        "points": [
            {
                "x": px(p["defect_rate"]),
                "y": py(p["cycle_time_s"]),
                "label": f"{p['defect_rate']:.1%} / {p['cycle_time_s']:.1f} s",
                "recommended": p["recommended"],
            }
            for p in points
        ],
        "x_ticks": [(px(v), f"{v:.1%}") for v in (x0, (x0 + x1) / 2, x1)],
        "y_ticks": [(py(v), f"{v:.1f}") for v in (y0, (y0 + y1) / 2, y1)],
    }


def _query(machine_id: str, job: str, cycle: bool, saved: bool) -> dict[str, str]:
    """The page's address for a machine's recommendation job."""
    return (
        {"machine_id": machine_id, "job": job}
        | ({"cycle": "true"} if cycle else {})
        | ({"saved": "1"} if saved else {})
    )


def _recommendation_job(
    page: UserPage, company_id: str, machine_id: str, cycle: bool, job_id: str | None
) -> Job:
    """The job computing this recommendation: the one the page's address names, or a new one when it names none,
    another machine's, or one the server no longer keeps (jobs live while it runs)."""
    jobs = jobs_of(page.request)
    label = f"{machine_id} · cycle" if cycle else machine_id
    if job_id:
        try:
            job = jobs.get(company_id, job_id)
        except NotFound:
            job = None
        if job is not None and job.kind == RECOMMEND_JOB and job.label == label:
            return job
    return jobs.submit(
        company_id,
        RECOMMEND_JOB,
        recommendation_job,
        page.store,
        company_id,
        machine_id,
        objectives=("cycle_time_s",) if cycle else (),
        user_id=page.principal.user.id,
        label=label,
    )


@router.get("/companies/{company_id}/optimize", response_class=HTMLResponse)
def optimize_page(
    page: UserPage,
    company_id: str,
    machine_id: Annotated[str | None, Query()] = None,
    cycle: Annotated[bool, Query()] = False,
    saved: Annotated[bool, Query()] = False,
    job: Annotated[str | None, Query()] = None,
) -> Response:
    """Pick a machine; its recommendation is computed as a job (training and search take seconds to a minute), the
    page shows its progress and then the result. The address names the job, so reloading follows the same one.
    Opening the page never starts a computation (a link, a bookmark or the back button would): the form's POST
    does, or an address naming a job the server no longer keeps."""
    return _optimize_page(page, company_id, machine_id, cycle, saved, job)


def _optimize_page(
    page: Page,
    company_id: str,
    machine_id: str | None,
    cycle: bool,
    saved: bool,
    job: str | None,
    *,
    recipe_error: str = "",
    recipe_name: str = "",
    status_code: int = 200,
) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("opt.title"), None))
    rec, error, running = None, None, None
    if machine_id and job:
        found = _recommendation_job(page, company.id, machine_id, cycle, job)
        if found.id != job:
            query = urlencode(_query(machine_id, found.id, cycle, saved))
            return RedirectResponse(f"/companies/{company.id}/optimize?{query}", status_code=303)
        state = found.state  # one reading: the job thread may finish while this page renders
        if state is JobState.done:
            rec = found.result
        elif state is JobState.failed:
            error = (found.error or {}).get("message", {}).get(page.lang, "")
        else:
            running = found
    machine = page.store.get_machine(company.id, machine_id) if machine_id else None
    model = MODELS.get(machine.family) if machine is not None else None
    units = {k: v["unit"] for k, v in model.column_labels().items()} if model is not None else {}
    return page.render(
        "optimize.html",
        status_code,
        company=company,
        units=units,
        labels=model.column_labels() if model is not None else {},
        recipe_error=recipe_error,
        recipe_name=recipe_name,
        machines=machines_by_defect_rate(page.store, company.id, page.settings.data_dir),
        machine_id=machine_id,
        cycle=cycle,
        rec=rec,
        error=error,
        saved=saved,
        job=running,
        job_id=job,
        progress_config={
            "api": f"/api/v1/companies/{company.id}/jobs/{running.id}",
            "text": {"queued": page.t("opt.queued"), "running": page.t("opt.running")},
        }
        if running
        else None,
        pareto=_pareto_svg(rec.pareto) if rec and rec.pareto else None,
        recipes=_recipes(page, company.id, machine_id),
        signed=signed,
        span=span,
    )


def _recipes(page: Page, company_id: str, machine_id: str | None) -> list[dict[str, Any]]:
    """Saved recipes with their machine's name and each set point as (label, value, unit) in the page's language,
    named by each recipe's own machine (the list shows every machine's when none is chosen)."""
    machines = {m.id: m for m in page.store.list_machines(company_id)}
    out = []
    for r in list_recipes(page.settings.data_dir, company_id, machine_id):
        machine = machines.get(r["machine_id"])
        model = MODELS.get(machine.family) if machine is not None else None
        labels = model.column_labels() if model is not None else {}
        shown = [
            (labels[k][page.lang] if k in labels else k, plain(v), labels.get(k, {}).get("unit", ""))
            for k, v in r["settings"].items()
        ]
        out.append({**r, "shown": shown, "machine_name": machine.name if machine else r["machine_id"]})
    return out


@router.post("/companies/{company_id}/optimize")
async def start_recommendation(
    page: UserPage,
    company_id: str,
    machine_id: Annotated[str, Form()],
    cycle: Annotated[bool, Form()] = False,
) -> Response:
    """Start computing a machine's recommendation; the page then follows the job."""
    company = company_of(page, company_id)
    found = _recommendation_job(page, company.id, machine_id, cycle, None)
    query = urlencode(_query(machine_id, found.id, cycle, False))
    return RedirectResponse(f"/companies/{company.id}/optimize?{query}", status_code=303)


def _local_time(text: str, zone: str, field: str) -> datetime:
    """A `datetime-local` form value (plant time) as UTC; a clear message when it is not one."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        # the form's labels
        en, ko = {"start": ("From", "시작"), "end": ("To", "끝")}.get(field, (field, field))
        raise InvalidInput(
            f"“{en}” must be a date and time such as 2026-12-04T08:00 (got {text!r})",
            f"‘{ko}’에는 2026-12-04T08:00 같은 날짜와 시각을 넣으세요 (입력 {text!r})",
            code="bad_time",
            field=field,
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


WHY_BASELINE = ("days before to compare with", "비교할 이전 일수")


@router.post("/companies/{company_id}/optimize/recipes/{recipe_id}/delete")
def delete_recipe_form(
    page: UserPage,
    company_id: str,
    recipe_id: str,
    machine_id: Annotated[str, Form()] = "",
    job: Annotated[str, Form()] = "",
    cycle: Annotated[bool, Form()] = False,
) -> Response:
    """Delete a saved recipe and come back to the same page."""
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    delete_recipe(page.settings.data_dir, company.id, recipe_id)
    query = urlencode(_query(machine_id, job, cycle, False)) if machine_id else ""
    return RedirectResponse(f"/companies/{company.id}/optimize?{query}#opt-recipes", status_code=303)


@router.get("/companies/{company_id}/quality/why", response_class=HTMLResponse)
def root_cause_page(
    page: UserPage,
    company_id: str,
    start: Annotated[str | None, Query()] = None,
    end: Annotated[str | None, Query()] = None,
    machine_id: Annotated[str, Query()] = "",
    baseline_days: Annotated[str, Query()] = "",
) -> Response:
    """Why did defects rise: a period (default: the last 24 hours) against the days before it, the factors ranked
    by `optimize.service.root_cause_for`. An empty "days before" is the usual week; one that is not a number is
    said on the page, with what was typed kept."""
    company = company_of(page, company_id)
    page.crumbs.append((page.t("mon.quality"), f"/companies/{company.id}/quality"))
    page.crumbs.append((page.t("why.title"), None))
    zone = page.settings.display_timezone
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    end_t, start_t = now, now - timedelta(days=1)
    found, error, adapted = None, None, None
    machine_ids = [machine_id] if machine_id else None
    days = None
    try:
        if end:
            end_t = _local_time(end, zone, "end")
        if start or end:
            start_t = _local_time(start, zone, "start") if start else end_t - timedelta(days=1)
        days = form_number(baseline_days, "baseline_days", WHY_BASELINE, code="bad_window")
        if not (start or end) and days is None:  # the first question: fitted to the records there are
            start_t, end_t, days = root_cause_window(page.store, company.id, now, machine_ids=machine_ids)
            if days != ROOT_CAUSE_BASELINE_DAYS:
                adapted = page.t(
                    "why.adapted",
                    period=duration((end_t - start_t).total_seconds(), page.lang),
                    before=duration(days * 86_400, page.lang),
                )
        found = root_cause_for(
            page.store,
            company.id,
            start_t,
            end_t,
            machine_ids=machine_ids,
            baseline_days=ROOT_CAUSE_BASELINE_DAYS if days is None else days,
        )
    except SandanError as exc:
        error = exc.message(page.lang)
    local = ZoneInfo(zone)
    machines = page.store.list_machines(company.id)
    return page.render(
        "quality_why.html",
        company=company,
        machines=machines,
        level_names={m.id: m.name for m in machines},
        machine_id=machine_id,
        start=start_t.astimezone(local).strftime("%Y-%m-%dT%H:%M"),
        end=end_t.astimezone(local).strftime("%Y-%m-%dT%H:%M"),
        baseline_days=baseline_days.strip()
        if error and baseline_days.strip()
        else ROOT_CAUSE_BASELINE_DAYS
        if days is None
        else days,
        found=found,
        significant=found.significant if found else [],
        error=error,
        adapted=adapted,
        effect_names={k: v["en" if page.lang == "en" else "ko"] for k, v in EFFECT_NAMES.items()},
        compared=_compared_span(found, start_t, ROOT_CAUSE_BASELINE_DAYS if days is None else days, page),
    )


def _compared_span(found: Any, start: datetime, days: float, page: Page) -> tuple[str, bool]:
    """The span the parts before the period were taken from, in words, and whether it is the time since the first
    record: "7 days", or — where the records begin later than that — "23 h" since it (it said "the 7 days before"
    of a plant recording since yesterday)."""
    first = getattr(found, "good_first", None)
    if first is not None and first > start - timedelta(days=days) + timedelta(minutes=30):
        return duration((start - first).total_seconds(), page.lang), True
    return span_of_days(days, page.lang), False


@router.post("/companies/{company_id}/optimize/recipes")
async def save_recipe_form(
    page: UserPage,
    company_id: str,
    machine_id: Annotated[str, Form()],
    name: Annotated[str, Form()],
    job: Annotated[str, Form()] = "",
    cycle: Annotated[bool, Form()] = False,
) -> Response:
    crumbs = len(page.crumbs)
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    form = await page.request.form()
    settings = {k[4:]: v for k, v in form.items() if k.startswith("set_")}  # read and checked by save_recipe
    try:
        save_recipe(
            page.store, page.settings.data_dir, company.id, machine_id, name, settings, page.principal.user.id
        )
    except SandanError as exc:  # back to the recommendation, with the reason beside the name it keeps
        del page.crumbs[crumbs:]  # the page names the company once (it listed it twice)
        return _optimize_page(
            page,
            company.id,
            machine_id,
            cycle,
            False,
            job or None,
            recipe_error=exc.message(page.lang),
            recipe_name=name,
            status_code=exc.status,
        )
    query = urlencode(_query(machine_id, job, cycle, saved=True))
    return RedirectResponse(f"/companies/{company.id}/optimize?{query}", status_code=303)
