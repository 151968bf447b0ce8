"""Federation routes: a company lists the federations of its process family, joins one with its public key and
sees its own gain and the aggregate; the operator creates federations and sees every member's gain.
Thin: every body checks, calls a `sandan.learn.federated.service` function and returns its answer.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from sandan.accounts import audit
from sandan.api.deps import PrincipalDep, ReadTenant, SettingsDep, StoreDep, WriteTenant, company_router
from sandan.api.errors import ERROR_RESPONSES
from sandan.learn.federated import service
from sandan.learn.federated.client import Schema

router = APIRouter()
operator = APIRouter(prefix="/api/v1/federations", tags=["federate"], responses=ERROR_RESPONSES)
company: APIRouter = company_router("federate")


class SchemaIn(BaseModel):
    target: str = Field(description="the column learned, e.g. result")
    positive: str = Field(description="its positive class, e.g. ng")
    numeric: list[str] = Field(default_factory=list)
    categorical: dict[str, list[str]] = Field(default_factory=dict)


class CreateIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    family: Literal["cnc", "forging", "injection", "press", "assembly", "other"]
    strategy: Literal["trees", "fedavg", "fedprox"] = "trees"
    address: str = Field(default="", description="host:port of the operator's Flower server")
    secure_aggregation: bool = Field(
        default=False,
        description="fedavg/fedprox: run every update round as SecAgg+ (the server sees only the mean)",
    )
    dp_noise_multiplier: float | None = Field(
        default=None,
        description="fedavg/fedprox: differential privacy noise σ (clip C = 1); the run reports ε",
    )
    schema_: SchemaIn = Field(alias="schema")


class LeaveIn(BaseModel):
    federation_id: str = Field(min_length=1, max_length=32)


class JoinIn(BaseModel):
    federation_id: str = Field(min_length=1, max_length=32)
    public_key: str = Field(
        max_length=4000,
        description="the company's PEM public key (P-384); its client proves the private key",
    )


@operator.get("")
def list_all(principal: PrincipalDep, settings: SettingsDep) -> list[dict[str, Any]]:
    """Operator: every federation with its members and every member's gain."""
    principal.require_operator()
    return service.cross_tenant_federations(data_dir=settings.data_dir)


@operator.post("", status_code=201)
def create(body: CreateIn, principal: PrincipalDep, settings: SettingsDep, store: StoreDep) -> dict[str, Any]:
    """Operator: create a federation for one process family."""
    principal.require_operator()
    s = body.schema_
    return service.create_federation(
        body.name,
        body.family,
        Schema(s.target, s.positive, s.numeric, s.categorical),
        strategy=body.strategy,
        address=body.address,
        secure_aggregation=body.secure_aggregation,
        dp_noise_multiplier=body.dp_noise_multiplier,
        data_dir=settings.data_dir,
        store=store,
    )


class RunIn(BaseModel):
    days: float = Field(default=30, gt=0, le=3650, description="the members' part records of the last N days")
    folds: int = Field(
        default=5, ge=2, le=10, description="folds of every member's rows the models are compared on"
    )
    search_s: float = Field(
        default=5,
        ge=1,
        le=600,
        description="AutoML search seconds of each member's own model per fold (pooled: ×4)",
    )


@operator.post("/{federation_id}/run", status_code=202)
def run(
    federation_id: str,
    principal: PrincipalDep,
    settings: SettingsDep,
    store: StoreDep,
    body: RunIn | None = None,
) -> dict[str, Any]:
    """Operator: train the federation in simulation over the members' own records here, in the background (one run
    at a time); poll `GET …/run` for its progress. The run records every member's gain against its own model."""
    principal.require_operator()
    body = body or RunIn()
    return service.start_simulation(
        store, federation_id, body.days, folds=body.folds, search_s=body.search_s, data_dir=settings.data_dir
    )


@operator.get("/{federation_id}/run")
def run_state(federation_id: str, principal: PrincipalDep, settings: SettingsDep) -> dict[str, Any]:
    """Operator: the federation's background simulation run — state, progress and what it is doing."""
    principal.require_operator()
    return service.simulation_state(federation_id, data_dir=settings.data_dir)


@company.get("/federations")
def federations(t: ReadTenant) -> list[dict[str, Any]]:
    """Federations of your process family: status, rounds, participants, the aggregate and your own gain."""
    return service.federations_for_company(t.store, t.company_id, data_dir=t.settings.data_dir)


@company.get("/federations/status")
def status(t: ReadTenant, federation_id: str = Query(min_length=1, max_length=32)) -> dict[str, Any]:
    """One federation as your company sees it (never another member's gain)."""
    return service.federation_for_company(t.store, t.company_id, federation_id, data_dir=t.settings.data_dir)


@company.get("/federations/run")
def member_run_state(
    t: ReadTenant, federation_id: str = Query(min_length=1, max_length=32)
) -> dict[str, Any]:
    """The background simulation run of a federation of your process family: state and progress."""
    return service.federation_for_company(t.store, t.company_id, federation_id, data_dir=t.settings.data_dir)[
        "simulation"
    ]


@company.post("/federations/join")
def join(body: JoinIn, t: WriteTenant) -> dict[str, Any]:
    """Join a federation of your process family with the public key your client will prove. Joining again
    replaces your key (`rejoined`, `key_replaced` in the answer): the old key no longer connects."""
    return service.join_federation(
        t.store,
        t.company_id,
        body.federation_id,
        body.public_key,
        data_dir=t.settings.data_dir,
        user_id=t.principal.user.id,
    )


@company.post("/federations/leave")
def leave(body: LeaveIn, t: WriteTenant) -> dict[str, Any]:
    """Leave a federation: your key is dropped and the next run goes on without your company."""
    service.leave_federation(t.company_id, body.federation_id, data_dir=t.settings.data_dir)
    audit(t.store, t.principal, t.company_id, "federation.leave", body.federation_id)
    return service.federation_for_company(
        t.store, t.company_id, body.federation_id, data_dir=t.settings.data_dir
    )


@operator.delete("/{federation_id}")
def delete(
    federation_id: str, principal: PrincipalDep, settings: SettingsDep, store: StoreDep
) -> dict[str, Any]:
    """Operator: delete a federation (one created by mistake, say). Refused while it trains or while a company
    scores its parts with a model of it; its models leave the catalogue."""
    gone = service.delete_federation(store, principal, federation_id, data_dir=settings.data_dir)
    audit(store, principal, None, "federation.delete", gone["id"], gone["name"])
    return gone


@operator.delete("/{federation_id}/members/{company_id}")
def remove_member(
    federation_id: str, company_id: str, principal: PrincipalDep, settings: SettingsDep, store: StoreDep
) -> dict[str, Any]:
    """Operator: take a member out of the federation (it left the complex, or has no data to bring)."""
    principal.require_operator()
    fed = service.leave_federation(company_id, federation_id, data_dir=settings.data_dir)
    audit(store, principal, company_id, "federation.leave", federation_id, "by the operator")
    return {"id": fed["id"], "members": sorted(fed["members"])}


router.include_router(operator)
router.include_router(company)
