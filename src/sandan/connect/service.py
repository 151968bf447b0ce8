"""What the API and web pages call for partner matching: profile read/write, matches, leads, outcomes.

Tenant-scoped except the directory and consenting companies' measured figures, read through cross_tenant_*.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sandan.connect.matching import need_categories, rank_companies, rank_suppliers
from sandan.connect.measured import measured_capability
from sandan.connect.profile import Need, Profile
from sandan.connect.profile_store import ProfileStore, check_outcome
from sandan.domain import InvalidInput, NotFound
from sandan.domain.errors import english_reason, korean_reason
from sandan.monitor.calendar import company_calendar, member_calendar
from sandan.store import Store


def profiles(data_dir: Path) -> ProfileStore:
    return ProfileStore.in_data_dir(data_dir)


def own_profile(ps: ProfileStore, company_id: str) -> Profile:
    found = ps.get(company_id)
    if found is None:
        raise NotFound(
            "this company has no profile yet; create one with PUT …/connect/profile",
            "아직 회사 프로필이 없습니다. 먼저 프로필을 만드세요",
            code="no_profile",
        )
    return found


# a profile's fields in words, for what validation refused; a list's entries by their line on the form
_PROFILE_FIELDS = {
    "name": ("name", "이름"),
    "role": ("role", "역할"),
    "region": ("region", "지역"),
    "processes": ("processes", "공정"),
    "certifications": ("certifications", "인증"),
    "capacity": ("capacity", "생산 여력"),
    "contact": ("contact", "연락처"),
    "needs": ("needs, line {n}", "요구 사항 {n}번째 줄"),
    "offerings": ("offerings, line {n}", "제안 {n}번째 줄"),
    "references": ("references, entry {n}", "실적 {n}번째"),
    "machines": ("machines, entry {n}", "설비 {n}번째"),
}


def _profile_problem(err: dict[str, Any], lines: dict[str, list[int]]) -> tuple[str, str]:
    """One refused value of a profile, in words: "needs, line 2: must have at most 1000 characters".
    `lines` gives a list's entries their line on the form where blank lines were left out (else entry i is i + 1)."""
    loc = err.get("loc", ())
    msg = english_reason(err)
    known = _PROFILE_FIELDS.get(str(loc[0])) if loc else None
    if known is None:  # a field the profile does not have: named as sent, never read as a template
        where = ".".join(map(str, loc))
        return f"{where}: {msg}", f"{where}: {korean_reason(err)}"
    n: int | str = ""
    if len(loc) > 1 and isinstance(loc[1], int):
        numbers = lines.get(str(loc[0]), [])
        n = numbers[loc[1]] if loc[1] < len(numbers) else loc[1] + 1
    return f"{known[0].format(n=n)}: {msg}", f"{known[1].format(n=n)}: {korean_reason(err)}"


def save_profile(
    ps: ProfileStore, company_id: str, fields: dict[str, Any], lines: dict[str, list[int]] | None = None
) -> Profile:
    """Validate and keep the company's profile; refused values are named by field and, for a list typed one entry
    per line, by the line on the form (`lines`: each entry's line number, blank lines counted)."""
    try:
        profile = Profile.model_validate({**fields, "company_id": company_id})
    except ValidationError as exc:
        problems = [_profile_problem(e, lines or {}) for e in exc.errors()]
        raise InvalidInput(
            f"the profile is not valid: {'; '.join(p[0] for p in problems)}",
            f"프로필이 올바르지 않습니다: {'; '.join(p[1] for p in problems)}",
            code="bad_profile",
        ) from exc
    return ps.put(company_id, profile)


def _directory(ps: ProfileStore) -> list[Profile]:
    return ps.cross_tenant_listed()


def matches_for_needs(ps: ProfileStore, company_id: str, k: int = 5) -> list[dict[str, Any]]:
    me = own_profile(ps, company_id)
    directory, stats = _directory(ps), ps.cross_tenant_outcome_stats()
    return [
        {
            "need": need.model_dump(mode="json"),
            "categories": need_categories(need),
            "suppliers": [m.to_dict() for m in rank_suppliers(need, me, directory, stats, k)],
        }
        for need in me.needs
    ]


def match_text(ps: ProfileStore, company_id: str, text: str, k: int = 5) -> list[dict[str, Any]]:
    me = ps.get(company_id) or Profile(company_id=company_id, name=company_id)
    need = Need(id="adhoc", text=text)
    return [m.to_dict() for m in rank_suppliers(need, me, _directory(ps), ps.cross_tenant_outcome_stats(), k)]


def cross_tenant_measured(
    store: Store, profiles_: list[Profile], data_dir: Path | None = None
) -> dict[str, dict[str, Any]]:
    """Measured capability of the listed companies that consented, for matched partners to see (each with its
    own shift calendar from `data_dir`)."""
    measured = {}
    for p in profiles_:
        if not p.share_measured or not store.get_company(p.company_id):
            continue
        calendar, unreadable = member_calendar(data_dir, p.company_id)
        # a member whose saved calendar cannot be read shows no measured figures rather than others' leads failing
        if unreadable is None:
            measured[p.company_id] = measured_capability(store, p.company_id, calendar=calendar)
    return measured


def leads_for_offerings(
    ps: ProfileStore, store: Store, company_id: str, k: int = 10, data_dir: Path | None = None
) -> list[dict[str, Any]]:
    me = own_profile(ps, company_id)
    directory = _directory(ps)
    measured = (
        cross_tenant_measured(store, [p for p in directory if p.company_id != company_id], data_dir)
        if me.offerings
        else {}
    )
    stats = ps.cross_tenant_outcome_stats()
    return [
        {
            "offering": o.model_dump(mode="json"),
            "companies": [m.to_dict() for m in rank_companies(o, me, directory, stats, measured, k)],
        }
        for o in me.offerings
    ]


def record_outcome(
    ps: ProfileStore, company_id: str, supplier_id: str, need_id: str, outcome: str, note: str = ""
) -> dict[str, Any]:
    me = own_profile(ps, company_id)
    need = next((n for n in me.needs if n.id == need_id), None)
    if need is None:
        raise NotFound(
            f"need {need_id!r} is not in your profile",
            f"프로필에 요구 {need_id!r}이(가) 없습니다",
            code="unknown_need",
        )
    check_outcome(outcome)
    if supplier_id not in matched_suppliers(ps, me, need):
        raise InvalidInput(
            f"supplier {supplier_id!r} was not matched to your need {need_id!r}: record what came of a match only "
            "for a supplier listed under that need",
            f"공급사 {supplier_id!r}은(는) 귀사 요구 {need_id!r}에 추천된 곳이 아닙니다. 그 요구 아래에 추천된 "
            "공급사에 대해서만 결과를 기록할 수 있습니다",
            code="supplier_not_matched",
            field="supplier_id",
        )
    cats = need_categories(need)
    row = ps.record_outcome(company_id, supplier_id, need_id, cats[0] if cats else "", outcome, note)
    return {"id": row, "supplier_id": supplier_id, "need_id": need_id, "outcome": outcome}


def matched_suppliers(ps: ProfileStore, me: Profile, need: Need) -> set[str]:
    """The suppliers an outcome of `need` may name: every supplier the directory matches to it (at any rank, as
    recorded outcomes move ranks), and any the company already recorded an outcome with for it (to change it)."""
    directory = _directory(ps)
    ranked = rank_suppliers(need, me, directory, ps.cross_tenant_outcome_stats(), k=len(directory))
    earlier = {o["supplier_id"] for o in ps.outcomes(me.company_id) if o["need_id"] == need.id}
    return {m.company_id for m in ranked} | earlier


def own_measured(store: Store, company_id: str, data_dir: Path | None = None) -> dict[str, Any]:
    return measured_capability(store, company_id, calendar=company_calendar(data_dir, company_id))
