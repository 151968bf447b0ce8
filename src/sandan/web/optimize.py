"""The "what should I change?" page: current against recommended settings, expected effect, Pareto chart, warnings,
and saving a recommendation as a recipe. It calls `sandan.optimize.service`; nothing is computed or written here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.domain import SandanError
from sandan.optimize.service import list_recipes, machines_by_defect_rate, recommend_for_machine, save_recipe
from sandan.web.shell import UserPage, WebRoute, company_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _pareto_svg(points: list[dict], width: int = 420, height: int = 240) -> list[dict]:
    """Pixel positions for the Pareto chart (defect rate on x, cycle time on y)."""
    if len(points) < 2:
        return []
    xs = [p["defect_rate"] for p in points]
    ys = [p["cycle_time_s"] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs) or 1, min(ys), max(ys)
    sx = (width - 60) / ((x1 - x0) or 1)
    sy = (height - 40) / ((y1 - y0) or 1)
    return [
        {
            "x": 40 + (p["defect_rate"] - x0) * sx,
            "y": height - 20 - (p["cycle_time_s"] - y0) * sy,
            "label": f"{p['defect_rate']:.1%} / {p['cycle_time_s']:.1f} s",
            "recommended": p["recommended"],
        }
        for p in points
    ]


@router.get("/companies/{company_id}/optimize", response_class=HTMLResponse)
def optimize_page(
    page: UserPage,
    company_id: str,
    machine_id: Annotated[str | None, Query()] = None,
    cycle: Annotated[bool, Query()] = False,
    saved: Annotated[bool, Query()] = False,
) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("opt.title"), None))
    machines = machines_by_defect_rate(page.store, company.id, page.settings.data_dir)
    rec, error = None, None
    if machine_id:
        try:
            rec = recommend_for_machine(
                page.store, company.id, machine_id, objectives=("cycle_time_s",) if cycle else ()
            )
        except SandanError as exc:
            error = exc.message(page.lang)
    return page.render(
        "optimize.html",
        company=company,
        machines=machines,
        machine_id=machine_id,
        cycle=cycle,
        rec=rec,
        error=error,
        saved=saved,
        pareto=_pareto_svg(rec.pareto) if rec and rec.pareto else [],
        recipes=list_recipes(page.settings.data_dir, company.id, machine_id),
    )


@router.post("/companies/{company_id}/optimize/recipes")
async def save_recipe_form(
    page: UserPage, company_id: str, machine_id: Annotated[str, Form()], name: Annotated[str, Form()]
) -> Response:
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    form = await page.request.form()
    settings = {k[4:]: float(v) for k, v in form.items() if k.startswith("set_")}
    save_recipe(page.settings.data_dir, company.id, machine_id, name, settings, page.principal.user.id)
    return RedirectResponse(
        f"/companies/{company.id}/optimize?machine_id={machine_id}&saved=1", status_code=303
    )
