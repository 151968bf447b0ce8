"""Connector health per company: state, last message, rate, errors and buffer depth of the collectors running in
this server and of the company's edge agents, which report theirs here.

The registry decides what a company may see of a shared connector; this only lists it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from sandan.api.deps import ReadTenant, WriteTenant, company_router
from sandan.api.models import Ok
from sandan.collect.connector import connector_health, edge_history, report_edge_status

router: APIRouter = company_router("connectors")


class ConnectorHealthOut(BaseModel):
    name: str
    kind: str
    state: str
    site: str = ""
    shared: bool = False
    last_message_at: datetime | None = None
    messages: int | None = None
    records: int | None = None
    rate_per_s: float | None = None
    errors: int | None = None
    gaps: int | None = None
    buffer_depth: int | None = None
    last_error: dict[str, str] | None = None
    edge: bool = Field(False, description="reported by an edge agent (`site` names it) rather than run here")
    reported_at: datetime | None = Field(
        None, description="when the edge agent last reported; silent after 60 s"
    )


class EdgeEventOut(BaseModel):
    agent: str
    at: datetime
    connector: str = Field(description="the collector whose state changed; empty for the agent itself")
    state: str = Field(
        description="the new state; 'silent' for a span without reports, 'removed' for a collector gone"
    )
    error: dict[str, str] | None = Field(
        None, description="the collector's last error where it is not connected"
    )
    until: datetime | None = Field(None, description="where silent: the report that ended the silence")
    silent_s: float | None = None
    trouble: bool = Field(False, description="a change for the worse: silent, disconnected or error")


class EdgeHealthIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str = Field(max_length=50)
    state: str = Field(max_length=50)
    messages: int = 0
    records: int = 0
    errors: int = 0
    gaps: int = 0
    buffer_depth: int = 0
    rate_per_s: float = 0.0
    last_message_at: datetime | None = None
    last_error: dict[str, str] | None = None


@router.get("/connectors", response_model=list[ConnectorHealthOut])
def connectors(t: ReadTenant, request: Request) -> list[dict[str, Any]]:
    """Health of the collectors carrying this company's machine data, here and at its edge agents. 설비 연결 상태."""
    return connector_health(t.store, getattr(request.app.state, "connectors", None), t.company_id)


@router.put("/edge/{agent}/status", response_model=Ok)
def edge_status(agent: str, body: Annotated[list[EdgeHealthIn], Field(max_length=100)], t: WriteTenant) -> Ok:
    """An edge agent's report of its collectors and forwarder (`sandan edge run` sends it every 15 s)."""
    report_edge_status(t.store, t.company_id, agent, [c.model_dump(mode="json") for c in body])
    return Ok()


@router.get("/edge/events", response_model=list[EdgeEventOut])
def edge_events(
    t: ReadTenant,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 100,
) -> list[dict[str, Any]]:
    """What changed in the company's edge links, newest first: a collector's new state (with its error) and the
    spans an agent was silent. 엣지 연결 이력."""
    return edge_history(t.store, t.company_id, agent, limit)
