"""Member companies: the operator lists and registers them; everyone else sees only their own.

The per-company route goes through the tenant dependency like every other `/companies/{company_id}` route.
"""

from __future__ import annotations

from fastapi import APIRouter

from sandan.api.deps import PrincipalDep, ReadTenant, StoreDep
from sandan.api.errors import ERROR_RESPONSES
from sandan.collect.assets import register_company
from sandan.domain import Company

router = APIRouter(prefix="/api/v1/companies", tags=["companies"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[Company])
def list_companies(principal: PrincipalDep, store: StoreDep) -> list[Company]:
    """The operator sees every company; other users see their own."""
    if principal.is_operator:
        return store.cross_tenant_companies()
    own = store.get_company(principal.user.company_id or "")
    return [own] if own else []


@router.post("", response_model=Company, status_code=201)
def create_company(body: Company, principal: PrincipalDep, store: StoreDep) -> Company:
    """Register a member company (platform operator only)."""
    return register_company(store, principal, body.id, body.name, body.family, body.region)


@router.get("/{company_id}", response_model=Company)
def get_company(t: ReadTenant) -> Company:
    return t.store.get_company(t.company_id)
