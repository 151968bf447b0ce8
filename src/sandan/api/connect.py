"""Company profiles and partner matching: the own profile, suppliers for the own needs, companies for the own
offerings, outcomes, and the own measured capability. Routes call sandan.connect and nothing else.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sandan.api.deps import ReadTenant, Tenant, WriteTenant, company_router
from sandan.connect import service

router: APIRouter = company_router("connect")


def _store(t: Tenant):
    return service.profiles(t.settings.data_dir)


@router.get("/connect/profile")
def get_profile(t: ReadTenant) -> dict[str, Any]:
    """The company's own profile (every detail; only the public card is ever shown to others)."""
    return service.own_profile(_store(t), t.company_id).model_dump(mode="json")


@router.put("/connect/profile")
def put_profile(body: dict[str, Any], t: WriteTenant) -> dict[str, Any]:
    """Create or replace the company's profile."""
    profile = service.save_profile(_store(t), t.company_id, body)
    return profile.model_dump(mode="json")


class NeedIn(BaseModel):
    text: str = Field(
        min_length=1, max_length=1000, description="e.g. 'cut press scrap' / 예: 프레스 불량 줄이기"
    )
    k: int = Field(default=5, ge=1, le=20)


@router.get("/connect/matches")
def matches(t: ReadTenant) -> list[dict[str, Any]]:
    """Suppliers ranked for each of the company's needs, with the reasons."""
    return service.matches_for_needs(_store(t), t.company_id)


@router.post("/connect/matches")
def match_text(body: NeedIn, t: ReadTenant) -> list[dict[str, Any]]:
    """Suppliers ranked for a need written now (not saved)."""
    return service.match_text(_store(t), t.company_id, body.text, body.k)


@router.get("/connect/leads")
def leads(t: ReadTenant) -> list[dict[str, Any]]:
    """Listed companies ranked for each of the company's offerings, with the reasons (measured figures only of
    companies that consented)."""
    return service.leads_for_offerings(_store(t), t.store, t.company_id, data_dir=t.settings.data_dir)


class OutcomeIn(BaseModel):
    supplier_id: str = Field(min_length=1, max_length=64)
    need_id: str = Field(min_length=1, max_length=64)
    outcome: str = Field(description="contacted | declined | success | failure")
    note: str = Field(default="", max_length=1000)


@router.post("/connect/outcomes", status_code=201)
def record_outcome(body: OutcomeIn, t: WriteTenant) -> dict[str, Any]:
    """What came of a match; success and failure counts feed later rankings."""
    return service.record_outcome(_store(t), t.company_id, **body.model_dump())


@router.get("/connect/outcomes")
def list_outcomes(t: ReadTenant) -> list[dict[str, Any]]:
    return _store(t).outcomes(t.company_id)


@router.get("/connect/measured")
def measured(t: ReadTenant) -> dict[str, Any]:
    """The company's capability as measured on the platform (what partners see if it consents)."""
    return service.own_measured(t.store, t.company_id, t.settings.data_dir)
