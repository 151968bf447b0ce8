"""What routes receive through `Depends`: settings, the store, the job registry, the caller and the tenant.

Tenancy is decided here once: a company route receives a `Tenant` only after `sandan.accounts` has allowed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Path, Query, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from sandan.accounts import Principal, resolve_token
from sandan.api.errors import ERROR_RESPONSES
from sandan.domain import Forbidden, InvalidInput, Machine, NotAuthenticated, NotFound
from sandan.domain.validation import time_problem
from sandan.jobs import JobRegistry
from sandan.settings import Settings
from sandan.store import Store

SESSION_COOKIE = "sandan_session"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token (POST /api/v1/auth/tokens) or the session token from POST /api/v1/auth/login",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="The web UI's session cookie (a session token)"
)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_jobs(request: Request) -> JobRegistry:
    return request.app.state.jobs


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
JobsDep = Annotated[JobRegistry, Depends(get_jobs)]


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True  # not a browser cross-site request: browsers send Origin on cross-site POSTs
    return urlsplit(origin).netloc == request.headers.get("host", "")


def signed_in(
    request: Request,
    store: StoreDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    session: Annotated[str | None, Security(_cookie)],
) -> Principal:
    """The caller, from `Authorization: Bearer …` or the web session cookie, even one that must still choose its
    own password (for the routes that let it: change the password, sign out, read who it is)."""
    if bearer is not None:
        return resolve_token(store, bearer.credentials)
    if session:
        # A cookie is sent by the browser on its own, so a write through it must come from our own pages.
        if request.method not in _SAFE_METHODS and not _same_origin(request):
            raise Forbidden(
                "cross-site request refused: the session cookie may only be used from sandan's own pages; "
                "API clients should send an Authorization: Bearer token",
                "다른 사이트에서 보낸 요청은 거부합니다. 세션 쿠키는 sandan 화면에서만 쓸 수 있습니다. "
                "API 클라이언트는 Authorization: Bearer 토큰을 보내세요",
                code="cross_site",
            )
        return resolve_token(store, session)
    raise NotAuthenticated(
        "log in first: send Authorization: Bearer <token> (POST /api/v1/auth/login gives one)",
        "먼저 로그인하세요: Authorization: Bearer <토큰> 헤더를 보내세요 (POST /api/v1/auth/login 에서 받습니다)",
    )


SignedInDep = Annotated[Principal, Depends(signed_in)]


def current_principal(principal: SignedInDep) -> Principal:
    """The caller, once it has a password of its own (`Principal.require_own_password`)."""
    principal.require_own_password()
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True)
class Tenant:
    """A company route's context: which company, who acts, and the store — handed out only after the checks."""

    company_id: str
    principal: Principal
    store: Store
    settings: Settings

    @property
    def user_id(self) -> str:
        return self.principal.user.id

    @property
    def source(self) -> str:
        return f"api:{self.principal.user.id}"


def tenant(
    company_id: Annotated[str, Path(description="the company's id")],
    principal: PrincipalDep,
    store: StoreDep,
    settings: SettingsDep,
) -> Tenant:
    """Read access to one company; every route under /companies/{company_id} depends on it."""
    principal.require_company(company_id)
    if store.get_company(company_id) is None:
        # Only the operator gets here for a company that does not exist.
        raise NotFound(f"company {company_id!r} not found", f"회사 {company_id!r}을(를) 찾을 수 없습니다")
    return Tenant(company_id, principal, store, settings)


def writer(t: Annotated[Tenant, Depends(tenant)]) -> Tenant:
    t.principal.require_write(t.company_id)
    return t


def admin(t: Annotated[Tenant, Depends(tenant)]) -> Tenant:
    t.principal.require_admin(t.company_id)
    return t


def machine_or_404(t: Tenant, machine_id: str) -> Machine:
    machine = t.store.get_machine(t.company_id, machine_id)
    if machine is None:
        raise NotFound(
            f"machine {machine_id!r} not found; register it with PUT …/machines/{machine_id}",
            f"설비 {machine_id!r}을(를) 찾을 수 없습니다. 먼저 설비를 등록하세요",
            code="unknown_machine",
            machine_id=machine_id,
        )
    return machine


ReadTenant = Annotated[Tenant, Depends(tenant)]
WriteTenant = Annotated[Tenant, Depends(writer)]
AdminTenant = Annotated[Tenant, Depends(admin)]


# ---- time windows ------------------------------------------------------------------------------
_SPACE_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")


def parse_time(value: str, name: str) -> datetime:
    """An ISO 8601 time with a zone. A '+' sent unencoded in a query string arrives as a space; put it back."""
    text = _SPACE_OFFSET.sub(r"+\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        # a day or hour out of range is said as such (2026-02-30 is written as ISO 8601, but has no such day)
        problem_en, problem_ko = time_problem(text)
        if problem_en:
            raise InvalidInput(
                f"cannot read {name}={value!r} as a time{problem_en}",
                f"{name}={value!r}을(를) 시각으로 읽을 수 없습니다{problem_ko}",
                code="bad_time",
                field=name,
            ) from exc
        raise InvalidInput(
            f"{name}={value!r} is not an ISO 8601 time; use e.g. 2026-05-01T08:00:00+09:00 or …Z "
            "(encode '+' as %2B in a URL)",
            f"{name}={value!r}은(는) ISO 8601 시각이 아닙니다. 2026-05-01T08:00:00+09:00 또는 …Z 처럼 쓰세요 "
            "(URL에서는 '+'를 %2B로 쓰세요)",
            code="bad_time",
            field=name,
        ) from exc
    return require_zone(parsed, name, value)


#: Times a factory's data can carry; outside them a time is a typo (year 1, 9999) that date arithmetic cannot take.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def require_zone(value: datetime, name: str, shown: str | None = None) -> datetime:
    """The time in UTC; a time without a zone is refused, never guessed (UTC or local), and so is one outside
    1900–2200."""
    shown = value.isoformat() if shown is None else shown
    if value.tzinfo is None:
        raise InvalidInput(
            f"{name}={shown!r} has no time zone; add one such as Z or +09:00",
            f"{name}={shown!r}에 시간대가 없습니다. Z 또는 +09:00 처럼 붙이세요",
            code="naive_time",
            field=name,
        )
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        # in UTC where that is what crosses the edge (1900-01-01T00:00+09:00 is 1899 there)
        utc_en = f" (in UTC {utc:%Y-%m-%d %H:%M})" if utc is not None and value.utcoffset() else ""
        utc_ko = f" (UTC로 {utc:%Y-%m-%d %H:%M})" if utc_en else ""
        raise InvalidInput(
            f"{name}={shown!r}{utc_en} lies outside the years 1900 to 2199; check the year",
            f"{name}={shown!r}{utc_ko}이(가) 1900~2199년 밖에 있습니다. 연도를 확인하세요",
            code="bad_time",
            field=name,
        )
    return utc


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def window(start: str | None, end: str | None, default: timedelta) -> Window:
    """[start, end): end defaults to now, start to `default` before end; an empty or reversed window is refused."""
    end_t = parse_time(end, "end") if end else datetime.now(UTC)
    start_t = parse_time(start, "start") if start else max(end_t - default, EARLIEST)
    if end_t <= start_t:
        raise InvalidInput(
            f"end ({end_t.isoformat()}) must be after start ({start_t.isoformat()})",
            f"끝 시각({end_t.isoformat()})이 시작 시각({start_t.isoformat()})보다 뒤여야 합니다",
            code="bad_window",
            field="end",
        )
    return Window(start_t, end_t)


_START = Query(description="window start, ISO 8601 with zone (default: end minus the default span)")
_END = Query(description="window end (exclusive), ISO 8601 with zone (default: now)")


def last_hour(start: Annotated[str | None, _START] = None, end: Annotated[str | None, _END] = None) -> Window:
    return window(start, end, timedelta(hours=1))


def last_day(start: Annotated[str | None, _START] = None, end: Annotated[str | None, _END] = None) -> Window:
    return window(start, end, timedelta(days=1))


#: A stored row's number in a path (alerts, quarantine), within the databases' 64-bit integers.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the item's number")]
#: How many rows a listing skips.
Offset = Annotated[int, Query(ge=0, le=10**9, description="rows to skip")]

LastHour = Annotated[Window, Depends(last_hour)]
LastDay = Annotated[Window, Depends(last_day)]


def company_router(tag: str) -> APIRouter:
    """A router for routes under /api/v1/companies/{company_id}: the tenant check runs before any of them."""
    return APIRouter(
        prefix="/api/v1/companies/{company_id}",
        tags=[tag],
        dependencies=[Depends(tenant)],
        responses=ERROR_RESPONSES,
    )
