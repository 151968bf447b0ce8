"""A company's assets (Site → Line → Machine → Signal): list, read, and create-or-replace with PUT.

A child names its parent (a line its site, a machine its line); an unknown parent is refused with the id named.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from sandan.api.deps import ReadTenant, Tenant, WriteTenant, company_router, machine_or_404
from sandan.collect import assets
from sandan.domain import Line, Machine, NotFound, ProcessFamily, Signal, Site
from sandan.domain.model import MAX_CYCLE_TIME_S

router: APIRouter = company_router("assets")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SiteIn(_In):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="Asia/Seoul", description="IANA time zone of the site")


class LineIn(_In):
    site_id: str
    name: str = Field(min_length=1, max_length=200)


class MachineIn(_In):
    line_id: str
    name: str = Field(min_length=1, max_length=200)
    family: ProcessFamily = ProcessFamily.other
    model: str = Field(default="", max_length=200)
    ideal_cycle_time_s: float | None = Field(default=None, gt=0, le=MAX_CYCLE_TIME_S)


class SignalIn(_In):
    name: str = Field(min_length=1, max_length=100)
    # bounded: a 100 kB unit was echoed in every listing and every message about the signal's values
    unit: str = Field(default="", max_length=100)
    min_value: float | None = None
    max_value: float | None = None
    description: str = Field(default="", max_length=2000)


def _site(t: Tenant, site_id: str) -> Site | None:
    return next((s for s in t.store.list_sites(t.company_id) if s.id == site_id), None)


def _line(t: Tenant, line_id: str) -> Line | None:
    return next((x for x in t.store.list_lines(t.company_id) if x.id == line_id), None)


# ---- sites --------------------------------------------------------------------------------------
@router.get("/sites", response_model=list[Site])
def list_sites(t: ReadTenant) -> list[Site]:
    return t.store.list_sites(t.company_id)


@router.get("/sites/{site_id}", response_model=Site)
def get_site(site_id: str, t: ReadTenant) -> Site:
    site = _site(t, site_id)
    if site is None:
        raise NotFound(f"site {site_id!r} not found", f"사업장 {site_id!r}을(를) 찾을 수 없습니다")
    return site


@router.put("/sites/{site_id}", response_model=Site)
def put_site(site_id: str, body: SiteIn, t: WriteTenant) -> Site:
    """Create the site or replace its name and time zone."""
    return assets.put_site(t.store, t.principal, t.company_id, site_id, body.name, body.timezone)


@router.delete("/sites/{site_id}", status_code=204)
def delete_site(site_id: str, t: WriteTenant) -> Response:
    """Delete a site that has no lines (a company admin's act)."""
    assets.remove_asset(t.store, t.principal, t.company_id, "site", site_id)
    return Response(status_code=204)


# ---- lines --------------------------------------------------------------------------------------
@router.get("/lines", response_model=list[Line])
def list_lines(t: ReadTenant, site_id: str | None = Query(default=None)) -> list[Line]:
    return t.store.list_lines(t.company_id, site_id)


@router.get("/lines/{line_id}", response_model=Line)
def get_line(line_id: str, t: ReadTenant) -> Line:
    line = _line(t, line_id)
    if line is None:
        raise NotFound(f"line {line_id!r} not found", f"라인 {line_id!r}을(를) 찾을 수 없습니다")
    return line


@router.put("/lines/{line_id}", response_model=Line)
def put_line(line_id: str, body: LineIn, t: WriteTenant) -> Line:
    """Create the line or replace it; its site must exist."""
    return assets.put_line(t.store, t.principal, t.company_id, line_id, body.site_id, body.name)


@router.delete("/lines/{line_id}", status_code=204)
def delete_line(line_id: str, t: WriteTenant) -> Response:
    """Delete a line that has no machines (a company admin's act)."""
    assets.remove_asset(t.store, t.principal, t.company_id, "line", line_id)
    return Response(status_code=204)


# ---- machines -----------------------------------------------------------------------------------
@router.get("/machines", response_model=list[Machine])
def list_machines(t: ReadTenant, line_id: str | None = Query(default=None)) -> list[Machine]:
    return t.store.list_machines(t.company_id, line_id)


@router.get("/machines/{machine_id}", response_model=Machine)
def get_machine(machine_id: str, t: ReadTenant) -> Machine:
    return machine_or_404(t, machine_id)


@router.put("/machines/{machine_id}", response_model=Machine)
def put_machine(machine_id: str, body: MachineIn, t: WriteTenant) -> Machine:
    """Create the machine or replace it; its line must exist."""
    return assets.put_machine(t.store, t.principal, t.company_id, machine_id, **body.model_dump())


@router.delete("/machines/{machine_id}", status_code=204)
def delete_machine(machine_id: str, t: WriteTenant) -> Response:
    """Delete a machine registered by mistake, with its signals: refused (409 `asset_in_use`) once it holds any
    record — rename it or move it to another line instead (a company admin's act)."""
    assets.remove_asset(t.store, t.principal, t.company_id, "machine", machine_id)
    return Response(status_code=204)


# ---- signals ------------------------------------------------------------------------------------
@router.get("/machines/{machine_id}/signals", response_model=list[Signal])
def list_signals(machine_id: str, t: ReadTenant) -> list[Signal]:
    machine_or_404(t, machine_id)
    return t.store.list_signals(t.company_id, machine_id)


@router.put("/machines/{machine_id}/signals", response_model=list[Signal])
def put_signals(machine_id: str, body: list[SignalIn], t: WriteTenant) -> list[Signal]:
    """Create or replace the listed signals of a machine (signals not listed are kept)."""
    machine_or_404(t, machine_id)
    return assets.put_signals(t.store, t.principal, t.company_id, machine_id, [s.model_dump() for s in body])
