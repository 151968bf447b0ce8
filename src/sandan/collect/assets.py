"""Registering what data belongs to: member companies, and a company's sites, lines and machines.

The API (PUT, create-or-replace), the web forms (add, refused when the id is taken) and the CLI all call these; each
checks that the parent exists, that ids and names are valid, and writes an audit entry. Errors say what was wrong in
English and Korean.
"""

from __future__ import annotations

from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from sandan.accounts import Principal, audit
from sandan.domain import (
    Company,
    Conflict,
    InvalidInput,
    Line,
    Machine,
    NotFound,
    Signal,
    Site,
    invalid_input_from,
)
from sandan.store import Store
from sandan.store.base import AssetHeld

T = TypeVar("T", bound=BaseModel)


def _build(cls: type[T], **fields: Any) -> T:
    """The domain object, or the first thing wrong with the values as an error in both languages."""
    try:
        return cls(**fields)
    except ValidationError as exc:
        raise invalid_input_from(exc) from None


def _taken(kind_en: str, kind_ko: str, asset_id: str) -> Conflict:
    return Conflict(
        f"{kind_en} {asset_id!r} already exists; choose another id",
        f"{kind_ko} {asset_id!r}이(가) 이미 있습니다. 다른 ID를 쓰세요",
        field="id",
    )


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {name!r}; use an IANA name such as Asia/Seoul",
            f"알 수 없는 시간대 {name!r}입니다. Asia/Seoul 같은 IANA 이름을 쓰세요",
            code="unknown_timezone",
            field="timezone",
        ) from None
    return name


def register_company(
    store: Store,
    principal: Principal | None,
    company_id: str,
    name: str,
    family: str = "other",
    region: str = "",
) -> Company:
    """A new member company (the platform operator's job; `principal` None is the server's own command line); an
    existing id is refused."""
    if principal is not None:
        principal.require_operator()
    company = _build(Company, id=company_id, name=name, family=family, region=region)
    if store.get_company(company.id) is not None:
        raise _taken("company", "회사", company.id)
    # "QA-CO" beside "qa-co": their folders (uploads, models, documents) are one on a case-insensitive disk
    twin = next((c.id for c in store.cross_tenant_companies() if c.id.lower() == company.id.lower()), None)
    if twin is not None:
        raise Conflict(
            f"company {company.id!r} differs from the existing {twin!r} only in capital letters; choose another id",
            f"회사 {company.id!r}은(는) 기존 {twin!r}와(과) 대소문자만 다릅니다. 다른 ID를 쓰세요",
            field="id",
        )
    store.upsert_company(company)
    audit(store, principal, company.id, "company.create", company.id, company.name)
    return company


def update_company(
    store: Store,
    principal: Principal | None,
    company_id: str,
    name: str,
    family: str = "other",
    region: str = "",
) -> Company:
    """The operator changes a member's name, process family or region; its id stays (every record, file and
    account is filed under it). A new family changes which catalogue and federations it belongs with."""
    if principal is not None:
        principal.require_operator()
    old = store.get_company(company_id)
    if old is None:
        raise NotFound(
            f"company {company_id!r} not found",
            f"회사 {company_id!r}을(를) 찾을 수 없습니다",
            code="not_found",
        )
    company = _build(Company, id=company_id, name=name, family=family, region=region)
    store.upsert_company(company)
    changes = [
        f"{field}: {getattr(old, field)} → {getattr(company, field)}"
        for field in ("name", "family", "region")
        if getattr(old, field) != getattr(company, field)
    ]
    audit(store, principal, company_id, "company.put", company_id, "; ".join(map(str, changes)))
    return company


def put_site(
    store: Store,
    principal: Principal | None,
    company_id: str,
    site_id: str,
    name: str,
    timezone: str = "Asia/Seoul",
    *,
    replace: bool = True,
) -> Site:
    """Create the site, or replace its name and time zone (`replace=False`: refuse an existing id)."""
    site = _build(Site, id=site_id, company_id=company_id, name=name, timezone=check_timezone(timezone))
    if not replace and any(s.id == site.id for s in store.list_sites(company_id)):
        raise _taken("site", "사업장", site.id)
    store.upsert_site(company_id, site)
    audit(store, principal, company_id, "site.put", site.id, site.name)
    return site


def put_line(
    store: Store,
    principal: Principal | None,
    company_id: str,
    line_id: str,
    site_id: str,
    name: str,
    *,
    replace: bool = True,
) -> Line:
    """Create the line or replace it; its site must exist."""
    if not any(s.id == site_id for s in store.list_sites(company_id)):
        raise InvalidInput(
            f"site {site_id!r} does not exist; create the site first",
            f"사업장 {site_id!r}이(가) 없습니다. 먼저 사업장을 만드세요",
            code="unknown_site",
            field="site_id",
        )
    line = _build(Line, id=line_id, company_id=company_id, site_id=site_id, name=name)
    if not replace and any(ln.id == line.id for ln in store.list_lines(company_id)):
        raise _taken("line", "라인", line.id)
    store.upsert_line(company_id, line)
    audit(store, principal, company_id, "line.put", line.id, line.name)
    return line


def put_machine(
    store: Store,
    principal: Principal | None,
    company_id: str,
    machine_id: str,
    line_id: str,
    name: str,
    family: str = "other",
    model: str = "",
    ideal_cycle_time_s: float | None = None,
    *,
    replace: bool = True,
) -> Machine:
    """Create the machine or replace it; its line must exist. The ideal cycle time is what OEE's performance
    compares with."""
    if not any(ln.id == line_id for ln in store.list_lines(company_id)):
        raise InvalidInput(
            f"line {line_id!r} does not exist; create the line first",
            f"라인 {line_id!r}이(가) 없습니다. 먼저 라인을 만드세요",
            code="unknown_line",
            field="line_id",
        )
    machine = _build(
        Machine,
        id=machine_id,
        company_id=company_id,
        line_id=line_id,
        name=name,
        family=family,
        model=model,
        ideal_cycle_time_s=ideal_cycle_time_s,
    )
    if not replace and store.get_machine(company_id, machine.id) is not None:
        raise _taken("machine", "설비", machine.id)
    store.upsert_machine(company_id, machine)
    audit(store, principal, company_id, "machine.put", machine.id, machine.name)
    return machine


def put_signals(
    store: Store,
    principal: Principal | None,
    company_id: str,
    machine_id: str,
    signals: list[dict[str, Any]],
    *,
    replace: bool = True,
) -> list[Signal]:
    """Create or replace the listed signals of a machine (signals not listed are kept; `replace=False`: refuse a
    name the machine already has). Readings of a signal outside its [min_value, max_value] go to quarantine."""
    if store.get_machine(company_id, machine_id) is None:
        raise NotFound(
            f"machine {machine_id!r} not found",
            f"설비 {machine_id!r}을(를) 찾을 수 없습니다",
            code="unknown_machine",
        )
    names = [str(s.get("name", "")) for s in signals]
    if len(set(names)) != len(names):
        raise InvalidInput(
            "a signal name appears twice in the list", "신호 이름이 목록에 두 번 나옵니다", field="name"
        )
    built = [_build(Signal, company_id=company_id, machine_id=machine_id, **s) for s in signals]
    if not replace:
        have = {s.name for s in store.list_signals(company_id, machine_id)}
        for s in built:
            if s.name in have:
                raise _taken("signal", "신호", s.name)
    store.upsert_signals(company_id, built)
    audit(store, principal, company_id, "signals.put", machine_id, ", ".join(names))
    return store.list_signals(company_id, machine_id)


ASSET_KINDS = {"site": ("site", "사업장"), "line": ("line", "라인"), "machine": ("machine", "설비")}
_RECORDS = (
    ("part_records", "part record", "부품 기록"),
    ("machine_events", "state event", "상태 기록"),
    ("readings", "reading", "측정값"),
)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def remove_asset(
    store: Store, principal: Principal | None, company_id: str, kind: str, asset_id: str
) -> None:
    """Delete a site, line or machine registered by mistake (a machine with its signals); a company admin's act,
    audited. Refused, saying what to do instead, while it is in use: a site that still has lines, a line that still
    has machines, a machine with any record — its history must stay readable (rename it or move it to another line
    instead)."""
    if kind not in ASSET_KINDS:
        raise InvalidInput(
            f"unknown asset kind {kind!r}; use site, line or machine",
            f"알 수 없는 자산 종류 {kind!r}입니다. site, line, machine 중 하나를 쓰세요",
            field="kind",
        )
    if principal is not None:
        principal.require_admin(company_id)
    en, ko = ASSET_KINDS[kind]
    if kind == "site":
        exists = any(s.id == asset_id for s in store.list_sites(company_id))
        children = [ln.id for ln in store.list_lines(company_id, asset_id)]
        child = ("line", "라인")
    elif kind == "line":
        exists = any(ln.id == asset_id for ln in store.list_lines(company_id))
        children = [m.id for m in store.list_machines(company_id, asset_id)]
        child = ("machine", "설비")
    else:
        exists = store.get_machine(company_id, asset_id) is not None
        children = []
    if not exists:
        raise NotFound(f"{en} {asset_id!r} not found", f"{ko} {asset_id!r}을(를) 찾을 수 없습니다")
    if children:
        listed = ", ".join(children[:5]) + (", …" if len(children) > 5 else "")
        raise Conflict(
            f"{en} {asset_id!r} still has {len(children)} {child[0]}{_s(len(children))} "
            f"({listed}); delete or move them first",
            f"{ko} {asset_id!r}에 아직 {child[1]} {len(children)}개({listed})가 있습니다. 먼저 지우거나 옮기세요",
            code="asset_in_use",
        )
    try:
        # the store counts a machine's records under the appends' write locks and keeps it when it holds any (a
        # count here first let a batch arriving in between land on the deleted machine)
        store.delete_asset(company_id, kind, asset_id)
    except AssetHeld as kept:
        held = [(n, e, k) for table, e, k in _RECORDS if (n := kept.counts.get(table, 0))]
        raise Conflict(
            f"machine {asset_id!r} holds {', '.join(f'{n:,} {e}{_s(n)}' for n, e, _ in held)}; a machine with records "
            "is kept so its history stays readable — rename it or move it to another line instead",
            f"설비 {asset_id!r}에 {', '.join(f'{k} {n:,}건' for n, _, k in held)}이 있습니다. 기록이 있는 설비는 "
            "이력을 읽을 수 있도록 남겨 둡니다. 대신 이름을 바꾸거나 다른 라인으로 옮기세요",
            code="asset_in_use",
        ) from None
    audit(store, principal, company_id, f"{kind}.delete", asset_id, "")
