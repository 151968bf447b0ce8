"""A company's users and its audit log, for the company admin and the platform operator; every account of the
platform, for the operator.

Who may create whom is decided by `sandan.accounts.create_user`; this passes the caller along.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from sandan.accounts import (
    audit_entries,
    change_role,
    create_user,
    cross_tenant_accounts,
    platform_audit_entries,
    reset_password,
    set_active,
)
from sandan.api.deps import AdminTenant, PrincipalDep, ReadTenant, StoreDep, company_router
from sandan.api.errors import ERROR_RESPONSES
from sandan.api.models import Ok, UserOut
from sandan.domain import Role

company: APIRouter = company_router("users")
platform = APIRouter(prefix="/api/v1", tags=["users"], responses=ERROR_RESPONSES)


class UserIn(BaseModel):
    user_id: str
    password: str = Field(min_length=1, max_length=1024)
    role: Role = Role.engineer
    name: str = Field(default="", max_length=200)
    lang: str = Field(default="ko", pattern="^(ko|en)$")


class AuditOut(BaseModel):
    id: int
    time: datetime
    user_id: str | None
    action: str
    target: str
    detail: str


@company.get("/users", response_model=list[UserOut])
def list_users(t: AdminTenant) -> list[UserOut]:
    return [UserOut.model_validate(u.model_dump()) for u in t.store.list_users(t.company_id)]


@company.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserIn, t: ReadTenant) -> UserOut:
    """Create a user of this company (company admin or operator; an operator account cannot be made here)."""
    user = create_user(
        t.store,
        body.user_id,
        body.password,
        body.role,
        t.company_id,
        name=body.name,
        lang=body.lang,
        by=t.principal,
    )
    return UserOut.model_validate(user.model_dump())


class PasswordResetIn(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


@company.put("/users/{user_id}/password", response_model=Ok)
def reset_user_password(user_id: str, body: PasswordResetIn, t: AdminTenant) -> Ok:
    """Give a user of this company a new password (company admin or operator); they change it afterwards."""
    reset_password(t.store, t.principal, t.company_id, user_id, body.password)
    return Ok()


class RoleIn(BaseModel):
    role: Role


@company.put("/users/{user_id}/role", response_model=UserOut)
def set_user_role(user_id: str, body: RoleIn, t: AdminTenant) -> UserOut:
    """Give a user of this company another role (company admin or operator; another admin's role only the
    operator changes, one's own no one changes here, and the company keeps one admin)."""
    user = change_role(t.store, t.principal, t.company_id, user_id, body.role)
    return UserOut.model_validate(user.model_dump())


class ActiveIn(BaseModel):
    active: bool = Field(
        description="false stops the account (it cannot sign in; its sessions and tokens end)"
    )


@company.put("/users/{user_id}/active", response_model=UserOut)
def set_user_active(user_id: str, body: ActiveIn, t: AdminTenant) -> UserOut:
    """Stop a user's account (someone left the company) or restore it. The rules are the role change's: another
    admin's account only the operator, one's own no one, and the company keeps an active admin."""
    user = set_active(t.store, t.principal, t.company_id, user_id, body.active)
    return UserOut.model_validate(user.model_dump())


@company.get("/audit", response_model=list[AuditOut])
def audit_log(
    t: AdminTenant,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    show: Annotated[
        Literal["all", "changes", "sign_ins"],
        Query(
            description="all entries (the default here); changes: all but successful sign-ins (failed ones are "
            "kept); sign_ins: sign-in attempts only. `limit` counts the entries chosen."
        ),
    ] = "all",
) -> list[dict[str, Any]]:
    """Who did what, newest first."""
    return audit_entries(t.store, t.company_id, show, limit)


@platform.get("/users", response_model=list[UserOut])
def list_platform_users(principal: PrincipalDep, store: StoreDep) -> list[UserOut]:
    """Every account of the platform, operators first, then by company (platform operator only)."""
    return [UserOut.model_validate(u.model_dump()) for u in cross_tenant_accounts(store, principal)]


@platform.get("/audit", response_model=list[AuditOut])
def platform_audit_log(
    principal: PrincipalDep,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    show: Annotated[
        Literal["all", "changes", "sign_ins"],
        Query(description="as for a company's audit log: all (the default), changes or sign_ins"),
    ] = "all",
) -> list[dict[str, Any]]:
    """The platform's own audit log, newest first (platform operator only): the operators' sign-ins and acts,
    sign-ins tried with unknown user ids, refused runs of failures, company erasures, backup downloads."""
    return platform_audit_entries(store, principal, show, limit)


router = APIRouter()
router.include_router(company)
router.include_router(platform)
