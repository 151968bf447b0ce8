"""Optimisation over HTTP: setting recommendations for a machine (at once or as a job), root cause of a defect
rise, recipes.

Routes check, call `sandan.optimize` and serialise; nothing is written to a machine (no write-enabled connector).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from pydantic import BaseModel, Field

from sandan.api.deps import JobsDep, LastDay, ReadTenant, WriteTenant, company_router
from sandan.api.encode import json_response
from sandan.api.models import JobOut
from sandan.optimize.service import (
    RECOMMEND_DAYS,
    RECOMMEND_JOB,
    apply_recipe,
    delete_recipe,
    list_recipes,
    recommend_for_machine,
    recommendation_job,
    root_cause_for,
    save_recipe,
)

router = company_router("optimize")


class RecommendRequest(BaseModel):
    days: float = Field(
        RECOMMEND_DAYS, gt=0, le=365, description="learn from the last N days of part records"
    )
    fixed: dict[str, float] = Field(default_factory=dict, description="parameters held at a value")
    objectives: list[str] = Field(default_factory=list, description="further objectives: 'cycle_time_s'")
    allow_extrapolation: bool = False

    def options(self) -> dict[str, Any]:
        """The request as `recommend_for_machine`'s keyword arguments."""
        return {
            "days": self.days,
            "fixed": self.fixed,
            "objectives": tuple(self.objectives),
            "allow_extrapolation": self.allow_extrapolation,
        }


class RecipeRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    settings: dict[str, float]
    note: str = ""


class ApplyRequest(BaseModel):
    recipe_id: str
    confirmed: bool = False


@router.post("/machines/{machine_id}/optimize/recommendation")
def recommendation(t: ReadTenant, machine_id: str, body: RecommendRequest) -> dict[str, Any]:
    """Set points that cut the predicted defect rate, inside the region the data supports (flags extrapolation)."""
    return recommend_for_machine(t.store, t.company_id, machine_id, **body.options()).to_dict()


@router.post("/machines/{machine_id}/optimize/recommendation/jobs", response_model=JobOut, status_code=202)
def start_recommendation(
    t: ReadTenant, machine_id: str, body: RecommendRequest, jobs: JobsDep
) -> dict[str, Any]:
    """The same recommendation in the background (training and search take seconds to a minute): poll
    GET …/jobs/{job_id} for its steps; the result is what the synchronous route returns."""
    job = jobs.submit(
        t.company_id,
        RECOMMEND_JOB,
        recommendation_job,
        t.store,
        t.company_id,
        machine_id,
        **body.options(),
        user_id=t.user_id,
        label=machine_id,
    )
    return job.to_dict()


@router.get("/optimize/root-cause")
def root_cause(
    t: ReadTenant,
    w: LastDay,
    machine_id: Annotated[list[str] | None, Query(description="machines to look at (default: all)")] = None,
    line_id: Annotated[str | None, Query(description="or a line's machines")] = None,
    baseline_days: Annotated[
        float, Query(gt=0, le=90, description="compare with this many days before")
    ] = 7.0,
) -> Response:
    """Why defects rose in the window (default: the last 24 h) against the days before it: machines, lots, products
    and process parameters ranked by association with defects, each with its test, effect size and Holm-adjusted
    p-value, and what changed between the periods."""
    found = root_cause_for(
        t.store,
        t.company_id,
        w.start,
        w.end,
        machine_ids=machine_id,
        line_id=line_id,
        baseline_days=baseline_days,
    )
    return json_response({"start": w.start, "end": w.end, **found.to_dict()})


@router.get("/optimize/recipes")
def recipes(t: ReadTenant, machine_id: str | None = None) -> list[dict[str, Any]]:
    return list_recipes(t.settings.data_dir, t.company_id, machine_id)


@router.post("/machines/{machine_id}/optimize/recipes", status_code=201)
def new_recipe(t: WriteTenant, machine_id: str, body: RecipeRequest) -> dict[str, Any]:
    return save_recipe(
        t.store, t.settings.data_dir, t.company_id, machine_id, body.name, body.settings, t.user_id, body.note
    )


@router.delete("/optimize/recipes/{recipe_id}", status_code=204)
def remove_recipe(t: WriteTenant, recipe_id: str) -> Response:
    """Delete one of your company's recipes."""
    delete_recipe(t.settings.data_dir, t.company_id, recipe_id)
    return Response(status_code=204)


@router.post("/optimize/recipes/apply")
def apply(t: WriteTenant, body: ApplyRequest) -> dict[str, Any]:
    """Refused with 409 and a bilingual message until a write-enabled connector exists and a person confirms."""
    apply_recipe(t.settings.data_dir, t.company_id, body.recipe_id, body.confirmed)
    return {}
