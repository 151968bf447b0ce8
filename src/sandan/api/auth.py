"""Log in and out, the caller's own profile and API tokens; the checks themselves are `sandan.accounts`.

No password or token is ever logged or returned twice: a new token is shown once, only its hash is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from sandan.accounts import (
    api_tokens,
    authenticate,
    change_password,
    create_api_token,
    issue_token,
    revoke_api_token,
    revoke_token,
)
from sandan.api.deps import SESSION_COOKIE, PrincipalDep, SettingsDep, SignedInDep, StoreDep
from sandan.api.errors import ERROR_RESPONSES
from sandan.api.models import Ok, UserOut

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=ERROR_RESPONSES)


class LoginIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginOut(BaseModel):
    token: str = Field(description="a session token; send it as Authorization: Bearer <token>")
    expires_at: datetime
    user: UserOut


class TokenIn(BaseModel):
    name: str = Field(max_length=100, description="what uses the token, e.g. 'line 2 gateway'")
    days: int | None = Field(default=None, ge=1, le=3650, description="lifetime in days; none = no expiry")


class TokenInfo(BaseModel):
    id: str = Field(description="revokes it: DELETE /api/v1/auth/tokens/{id}")
    name: str
    created_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None = Field(
        default=None, description="when it last authenticated a request, to 5 minutes; null: not yet"
    )


class TokenOut(TokenInfo):
    token: str = Field(description="shown only this once; store it safely")


def _info(record) -> dict:
    return {
        "id": record.token_id,
        "name": record.name,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "last_used_at": record.last_used_at,
    }


def _user(user) -> UserOut:
    return UserOut.model_validate(user.model_dump())


@router.post("/auth/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, store: StoreDep, settings: SettingsDep) -> LoginOut:
    """Check the password and return a session token valid for `session_hours`. After repeated failures for a user
    id (or from one address) sign-ins are refused for a while: 429 `too_many_attempts`."""
    address = request.client.host if request.client else None
    user = authenticate(store, body.user_id, body.password, address=address)
    ttl = timedelta(hours=settings.session_hours)
    token = issue_token(store, user, kind="session", name="api login", ttl=ttl)
    return LoginOut(token=token, expires_at=datetime.now(UTC) + ttl, user=_user(user))


@router.post("/auth/logout", response_model=Ok)
def logout(request: Request, response: Response, principal: SignedInDep, store: StoreDep) -> Ok:
    """Revoke the token this request was made with."""
    revoke_token(store, principal)
    if SESSION_COOKIE in request.cookies:
        response.delete_cookie(SESSION_COOKIE)
    return Ok()


class PasswordIn(BaseModel):
    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=1, max_length=1024)


@router.post("/auth/password", response_model=Ok)
def new_password(body: PasswordIn, principal: SignedInDep, store: StoreDep) -> Ok:
    """Change your own password; the current one is asked again. An account whose password an admin set
    (`must_change_password`) may do nothing else until it has."""
    change_password(store, principal, body.current, body.new)
    return Ok()


@router.get("/me", response_model=UserOut)
def me(principal: SignedInDep) -> UserOut:
    return _user(principal.user)


@router.post("/auth/tokens", response_model=TokenOut, status_code=201)
def create_token(body: TokenIn, principal: PrincipalDep, store: StoreDep) -> TokenOut:
    """A new API token acting as yourself, for scripts and gateways."""
    token, record = create_api_token(store, principal, body.name, body.days)
    return TokenOut(token=token, **_info(record))


@router.get("/auth/tokens", response_model=list[TokenInfo])
def list_tokens(principal: PrincipalDep, store: StoreDep) -> list[TokenInfo]:
    """Your API tokens that are not revoked, newest first (never the tokens themselves)."""
    return [TokenInfo(**_info(r)) for r in api_tokens(store, principal)]


@router.delete("/auth/tokens/{token_id}", response_model=Ok)
def delete_token(token_id: str, principal: PrincipalDep, store: StoreDep) -> Ok:
    """Revoke one of your API tokens: whatever uses it is refused from now on."""
    revoke_api_token(store, principal, token_id)
    return Ok()
