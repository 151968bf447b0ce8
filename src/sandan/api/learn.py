"""Learn routes: training as a background job, the model registry and stages, explanations, predictions, batch
scoring and the shared catalogue. Thin: every body checks, calls a `sandan.learn` function and returns its answer.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field

from sandan.accounts import audit
from sandan.api.deps import (
    JobsDep,
    PrincipalDep,
    ReadTenant,
    StoreDep,
    Tenant,
    WriteTenant,
    company_router,
    window,
)
from sandan.api.errors import ERROR_RESPONSES
from sandan.api.models import JobOut
from sandan.learn import catalogue, registry
from sandan.learn.progress import Progress
from sandan.learn.serving import ServingWorker, score_batch
from sandan.learn.train import train_model
from sandan.monitor import open_alert_store
from sandan.store.base import ModelVersion
from sandan.twin.process import column_labels

DEFAULT_SERVING_INTERVAL_S = 10.0


def serving_interval_s(app: FastAPI) -> float:
    """`app.state.serving_interval_s` when set (tests, embedding), else SANDAN_SERVING_INTERVAL_S, else 10 s;
    0 turns online scoring off."""
    found = getattr(app.state, "serving_interval_s", None)
    if found is None:
        found = float(os.environ.get("SANDAN_SERVING_INTERVAL_S", DEFAULT_SERVING_INTERVAL_S))
    return float(found)


@asynccontextmanager
async def serving_worker(app: FastAPI) -> AsyncIterator[None]:
    """Score new part records with production models while the server runs (joined on shutdown)."""
    interval = serving_interval_s(app)
    worker = None
    if interval > 0:
        alerts = open_alert_store(app.state.settings.data_dir)
        worker = ServingWorker(app.state.store, interval_s=interval, alerts=alerts).start()
    app.state.serving_worker = worker
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()


router = APIRouter(lifespan=serving_worker)
company: APIRouter = company_router("learn")
operator = APIRouter(prefix="/api/v1/catalogue", tags=["learn"], responses=ERROR_RESPONSES)


# ---- shapes ---------------------------------------------------------------------------------------------------
class ModelOut(BaseModel):
    name: str
    version: int
    task: str
    target: str
    features: list[str]
    stage: str = Field(description="candidate | production | retired")
    trained_by: str | None
    trained_at: Any
    origin: str = Field(description="'' trained here; catalogue:<id> adopted; catalogue:<id>:fine-tuned")
    scope: dict[str, Any]
    fingerprint: str = Field(description="SHA-256 of the training rows (never the rows)")
    metrics: dict[str, Any] = Field(description="the evaluation: metrics, intervals, scheme, report {en, ko}")
    source_withdrawn: str | None = Field(
        default=None, description="the reason its catalogue entry was withdrawn, when it came from one"
    )


def _model(m: ModelVersion, withdrawn: dict[tuple[str, int], str] | None = None) -> dict[str, Any]:
    out = registry.plain({k: getattr(m, k) for k in ModelOut.model_fields if k != "source_withdrawn"})
    out["source_withdrawn"] = (withdrawn or {}).get((m.name, m.version))
    return out


class TrainIn(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="model name, e.g. defects")
    target: str = Field(
        default="result", description="result (ok/ng), defect_type or a measured characteristic"
    )
    machine_ids: list[str] | None = None
    product: str | None = None
    start: str | None = Field(default=None, description="ISO 8601 with zone; default 30 days before end")
    end: str | None = Field(default=None, description="ISO 8601 with zone; default now")
    budget_s: float = Field(default=60, gt=0, le=3600, description="search time budget in seconds")
    cost_miss: float = Field(default=5.0, gt=0, description="cost of a missed defect")
    cost_false_alarm: float = Field(default=1.0, gt=0, description="cost of a false alarm")
    group_by: Literal["auto", "lot", "machine", "time"] = "auto"
    folds: int = Field(default=5, ge=2, le=10)


class StageIn(BaseModel):
    name: str
    version: int = Field(ge=1)
    stage: Literal["candidate", "production", "retired"]


class WindowIn(BaseModel):
    start: str | None = None
    end: str | None = None
    machine_ids: list[str] | None = None
    product: str | None = None


class PublishIn(BaseModel):
    name: str
    version: int = Field(ge=1)
    name_publisher: bool = Field(
        default=False, description="show the company's id; otherwise 'a member company'"
    )
    description: str = Field(default="", max_length=2000)


class EvaluateIn(WindowIn):
    entry_id: int = Field(ge=1)


class AdoptIn(BaseModel):
    entry_id: int = Field(ge=1)
    name: str | None = Field(default=None, description="name in your registry (default: the entry's)")


class WithdrawIn(BaseModel):
    entry_id: int = Field(ge=1, le=2**63 - 1)
    reason: str = Field(
        max_length=catalogue.MAX_WITHDRAW_REASON, description="why: those who adopted it read it"
    )


class FineTuneIn(EvaluateIn):
    name: str | None = None
    budget_s: float = Field(default=60, gt=0, le=3600)


def _window(start: str | None, end: str | None):
    return window(start, end, timedelta(days=30))


def _job_progress(progress):
    """A sandan.learn Progress callback that feeds a job's progress (percent, with both languages)."""

    def on(p: Progress) -> None:
        progress(int(round(p.fraction * 100)), 100, (p.en, p.ko))

    return on


# ---- training and the registry ---------------------------------------------------------------------------------
def _train(progress, t: Tenant, body: TrainIn, start, end) -> dict[str, Any]:
    result = train_model(
        t.store,
        t.company_id,
        name=body.name,
        target=body.target,
        machine_ids=body.machine_ids,
        product=body.product,
        start=start,
        end=end,
        budget_s=body.budget_s,
        cost_miss=body.cost_miss,
        cost_false_alarm=body.cost_false_alarm,
        group_by=body.group_by,
        folds=body.folds,
        progress=_job_progress(progress),
        user_id=t.user_id,
        data_dir=t.settings.data_dir,
    )
    return registry.plain(result.to_dict())


@company.post("/models/train", response_model=JobOut, status_code=202)
def start_training(body: TrainIn, t: WriteTenant, jobs: JobsDep) -> dict[str, Any]:
    """Train, evaluate and register a candidate version in the background; poll GET …/jobs/{job_id}."""
    registry.check_name(body.name)
    w = _window(body.start, body.end)
    job = jobs.submit(
        t.company_id, "train", _train, t, body, w.start, w.end, user_id=t.user_id, label=body.name
    )
    audit(t.store, t.principal, t.company_id, "model.train.start", body.name, f"job {job.id}")
    return job.to_dict()


@company.get("/models", response_model=list[ModelOut])
def list_models(t: ReadTenant, name: str | None = None) -> list[dict[str, Any]]:
    """Registered versions, by name then newest first."""
    withdrawn = catalogue.withdrawn_sources(t.store, t.company_id)
    return [_model(m, withdrawn) for m in registry.list_models(t.store, t.company_id, name)]


@company.get("/models/version", response_model=ModelOut)
def get_model(t: ReadTenant, name: str, version: Annotated[int, Query(ge=1)]) -> dict[str, Any]:
    """One version with its evaluation (metrics, intervals and the plain-words report in Korean and English)."""
    return _model(registry.get_version(t.store, t.company_id, name, version))


@company.post("/models/stage", response_model=ModelOut)
def set_stage(body: StageIn, t: WriteTenant) -> dict[str, Any]:
    """Promote (production retires the previous production version), return to candidate, or retire."""
    return _model(
        registry.set_stage(t.store, t.company_id, body.name, body.version, body.stage, user_id=t.user_id)
    )


@company.get("/models/explanation")
def explain(
    t: ReadTenant,
    name: str,
    version: Annotated[int, Query(ge=1)],
    start: str | None = None,
    end: str | None = None,
    lang: Literal["ko", "en"] = "ko",
    rows: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    """Global importance (chart data) with summary sentences, and the drivers of the latest predictions."""
    w = window(start, end, timedelta(days=7))
    labels = column_labels(m.family for m in t.store.list_machines(t.company_id))
    return registry.explain_version(
        t.store, t.company_id, name, version, w.start, w.end, lang=lang, rows=rows, labels=labels
    )


@company.get("/models/predictions")
def predictions(
    t: ReadTenant,
    start: str | None = None,
    end: str | None = None,
    model: str | None = None,
    machine_id: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    """Stored predictions in [start, end) (default: the last day), oldest first."""
    w = window(start, end, timedelta(days=1))
    table = t.store.query_predictions(t.company_id, w.start, w.end, machine_id or None, model, limit)
    return {"start": w.start, "end": w.end, "rows": registry.plain(table.to_pylist())}


@company.post("/models/score")
def score(body: WindowIn, t: WriteTenant) -> dict[str, Any]:
    """Score the part records of a window with the production models now (online scoring does this by itself)."""
    w = window(body.start, body.end, timedelta(days=1))
    parts = t.store.query_parts(t.company_id, w.start, w.end, body.machine_ids)
    return score_batch(t.store, t.company_id, parts).to_dict()


# ---- the shared catalogue ----------------------------------------------------------------------------------------
@company.get("/catalogue")
def list_catalogue(t: ReadTenant) -> list[dict[str, Any]]:
    """Your process family's catalogue: the publisher's score and, separately, your own score on your data."""
    return catalogue.cross_tenant_catalogue(t.store, t.company_id)


@company.post("/catalogue/publish")
def publish(body: PublishIn, t: WriteTenant) -> dict[str, Any]:
    """Publish a model (never data) to your process family's catalogue."""
    entry = catalogue.publish_model(
        t.store,
        t.company_id,
        body.name,
        body.version,
        name_publisher=body.name_publisher,
        description=body.description,
        user_id=t.user_id,
        data_dir=t.settings.data_dir,
    )
    return catalogue.cross_tenant_catalogue_entry(t.store, t.company_id, entry.id)


def _evaluate(progress, t: Tenant, body: EvaluateIn, start, end) -> dict[str, Any]:
    progress(0, 1, ("evaluating on your data", "자사 데이터로 평가 중"))
    return catalogue.evaluate_entry(
        t.store,
        t.company_id,
        body.entry_id,
        start=start,
        end=end,
        machine_ids=body.machine_ids,
        product=body.product,
        user_id=t.user_id,
    )


@company.post("/catalogue/evaluate", response_model=JobOut, status_code=202)
def evaluate(body: EvaluateIn, t: WriteTenant, jobs: JobsDep) -> dict[str, Any]:
    """Evaluate a catalogue model on your own part records in the background; the result is your own score."""
    catalogue.usable_entry(t.store, t.company_id, body.entry_id)
    w = _window(body.start, body.end)
    job = jobs.submit(
        t.company_id,
        "catalogue.evaluate",
        _evaluate,
        t,
        body,
        w.start,
        w.end,
        user_id=t.user_id,
        label=f"entry {body.entry_id}",
    )
    return job.to_dict()


@company.post("/catalogue/withdraw")
def withdraw(body: WithdrawIn, t: WriteTenant) -> dict[str, Any]:
    """Take your own published model out of the catalogue, saying why; those who adopted it see the reason."""
    entry = catalogue.withdraw_entry(
        t.store, t.principal, body.entry_id, body.reason, company_id=t.company_id
    )
    return catalogue.cross_tenant_catalogue_entry(t.store, t.company_id, entry.id)


@operator.get("")
def list_all_catalogues(principal: PrincipalDep, store: StoreDep) -> list[dict[str, Any]]:
    """Every process family's catalogue, withdrawn entries included (platform operator only)."""
    return catalogue.cross_tenant_all_catalogues(store, principal)


@operator.post("/withdraw")
def withdraw_any(body: WithdrawIn, principal: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    """Take any entry out of the catalogue, saying why (platform operator only)."""
    entry = catalogue.withdraw_entry(store, principal, body.entry_id, body.reason)
    return {"id": entry.id, "withdrawn": {"at": entry.withdrawn_at, "reason": entry.withdrawn_reason}}


@company.post("/catalogue/adopt", response_model=ModelOut)
def adopt(body: AdoptIn, t: WriteTenant) -> dict[str, Any]:
    """Copy an evaluated catalogue model into your registry as a candidate."""
    return _model(
        catalogue.adopt_entry(
            t.store,
            t.company_id,
            body.entry_id,
            name=body.name,
            user_id=t.user_id,
            data_dir=t.settings.data_dir,
        )
    )


def _fine_tune(progress, t: Tenant, body: FineTuneIn, start, end) -> dict[str, Any]:
    result = catalogue.fine_tune_entry(
        t.store,
        t.company_id,
        body.entry_id,
        start=start,
        end=end,
        machine_ids=body.machine_ids,
        product=body.product,
        name=body.name,
        budget_s=body.budget_s,
        progress=_job_progress(progress),
        user_id=t.user_id,
        data_dir=t.settings.data_dir,
    )
    return registry.plain(result.to_dict())


@company.post("/catalogue/fine-tune", response_model=JobOut, status_code=202)
def fine_tune(body: FineTuneIn, t: WriteTenant, jobs: JobsDep) -> dict[str, Any]:
    """Retrain a catalogue model's target and features on your own data in the background."""
    catalogue.usable_entry(t.store, t.company_id, body.entry_id)
    w = _window(body.start, body.end)
    job = jobs.submit(
        t.company_id,
        "catalogue.fine-tune",
        _fine_tune,
        t,
        body,
        w.start,
        w.end,
        user_id=t.user_id,
        label=f"entry {body.entry_id}",
    )
    return job.to_dict()


router.include_router(company)
router.include_router(operator)
