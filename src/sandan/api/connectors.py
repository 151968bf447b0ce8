"""Connector health per company: state, last message, rate, errors and buffer depth of the running collectors.

The registry decides what a company may see of a shared connector; this only lists it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from sandan.api.deps import ReadTenant, company_router

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


@router.get("/connectors", response_model=list[ConnectorHealthOut])
def connectors(t: ReadTenant, request: Request) -> list[dict[str, Any]]:
    """Health of the collectors carrying this company's machine data. 설비 연결 상태."""
    return request.app.state.connectors.for_company(t.company_id)
