"""Partner pages: the company's profile (edit form), suppliers matched to its needs and companies matched to its
offerings, with the reasons, and recording what came of a match. Pages call sandan.connect.service only.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.assist.present import span_of_days
from sandan.connect import service
from sandan.connect.profile import CATEGORIES, Profile
from sandan.domain import Forbidden, InvalidInput, ProcessFamily
from sandan.web.shell import Page, UserPage, WebRoute, company_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _writer(page: Page, company_id: str) -> None:
    if not page.principal.user.role.can_write:
        raise Forbidden("viewers cannot change the profile", "조회자는 프로필을 바꿀 수 없습니다")
    page.principal.require_write(company_id)


@router.get("/companies/{company_id}/connect", response_class=HTMLResponse)
def connect_page(page: UserPage, company_id: str, done: str = "") -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("connect.title"), None))
    ps = service.profiles(page.settings.data_dir)
    profile = ps.get(company.id)
    matches = service.matches_for_needs(ps, company.id) if profile and profile.needs else []
    leads = (
        service.leads_for_offerings(ps, page.store, company.id, data_dir=page.settings.data_dir)
        if profile and profile.offerings
        else []
    )
    measured = (
        service.own_measured(page.store, company.id, page.settings.data_dir)
        if profile and profile.share_measured
        else None
    )
    return page.render(
        "connect.html",
        company=company,
        profile=profile,
        matches=matches,
        leads=leads,
        categories=CATEGORIES,
        # what the company last recorded with each supplier for each need (outcomes come newest first)
        last_outcome={(o["need_id"], o["supplier_id"]): o for o in reversed(ps.outcomes(company.id))},
        done=done,
        measured=measured,
        measured_span=span_of_days(measured["window_days"], page.lang) if measured else "",
        can_write=page.principal.user.role.can_write,
    )


@router.get("/companies/{company_id}/connect/edit", response_class=HTMLResponse)
def edit_page(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("connect.title"), f"/companies/{company.id}/connect"))
    page.crumbs.append((page.t("connect.edit"), None))
    profile = service.profiles(page.settings.data_dir).get(company.id) or Profile(
        company_id=company.id, name=company.name, region=company.region, processes=[company.family]
    )
    return page.render("connect_edit.html", company=company, profile=profile, families=list(ProcessFamily))


def _lines(text: str) -> list[tuple[int, str]]:
    """The box's non-blank lines with their line numbers on the form (blank lines counted)."""
    return [(n, x.strip()) for n, x in enumerate(text.splitlines(), start=1) if x.strip()]


@router.post("/companies/{company_id}/connect/edit")
def save(
    page: UserPage,
    company_id: str,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "demand",
    region: Annotated[str, Form()] = "",
    processes: Annotated[list[str] | None, Form()] = None,
    certifications: Annotated[str, Form()] = "",
    capacity: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    needs: Annotated[str, Form()] = "",
    offerings: Annotated[str, Form()] = "",
    listed: Annotated[bool, Form()] = False,
    share_measured: Annotated[bool, Form()] = False,
) -> Response:
    company = company_of(page, company_id)
    _writer(page, company.id)
    ps = service.profiles(page.settings.data_dir)
    old = ps.get(company.id)
    old_needs = {n.text: n for n in (old.needs if old else [])}
    old_offers = {o.title: o for o in (old.offerings if old else [])}
    offers = []
    for _, line in _lines(offerings):
        title, _, description = line.partition(":")
        kept = old_offers.get(title.strip())
        offers.append(
            {"id": kept.id, "title": title.strip(), "description": description.strip()}
            if kept
            else {"title": title.strip(), "description": description.strip()}
        )
    fields = {
        "name": name,
        "role": role,
        "region": region,
        "processes": processes or [],
        "certifications": [c.strip() for c in certifications.split(",") if c.strip()],
        "capacity": capacity,
        "contact": contact.strip(),
        "needs": [
            {"id": old_needs[t].id, "text": t} if t in old_needs else {"text": t} for _, t in _lines(needs)
        ],
        "offerings": offers,
        "references": [r.model_dump(mode="json") for r in (old.references if old else [])],
        "machines": [m.model_dump(mode="json") for m in (old.machines if old else [])],
        "listed": listed,
        "share_measured": share_measured,
    }
    try:
        numbers = {"needs": [n for n, _ in _lines(needs)], "offerings": [n for n, _ in _lines(offerings)]}
        service.save_profile(ps, company.id, fields, numbers)
    except InvalidInput as exc:  # the form again, as typed, with the reason above it
        page.crumbs.append((page.t("connect.title"), f"/companies/{company.id}/connect"))
        page.crumbs.append((page.t("connect.edit"), None))
        typed = SimpleNamespace(
            **{
                **fields,
                "needs": [SimpleNamespace(**n) for n in fields["needs"]],
                "offerings": [SimpleNamespace(**o) for o in offers],
            }
        )
        return page.render(
            "connect_edit.html",
            422,
            company=company,
            profile=typed,
            families=list(ProcessFamily),
            error=exc.message(page.lang),
        )
    # saved either way: a supplier's offerings may suit any process; a manufacturer's needs without one still match
    # by field and words, only without the process fit, so the page says what ticking its processes would add
    done = "saved" if fields["processes"] or role == "supplier" else "saved_no_process"
    return RedirectResponse(f"/companies/{company.id}/connect?done={done}", status_code=303)


@router.post("/companies/{company_id}/connect/outcome")
def outcome(
    page: UserPage,
    company_id: str,
    supplier_id: Annotated[str, Form()],
    need_id: Annotated[str, Form()],
    result: Annotated[str, Form()],
) -> Response:
    company = company_of(page, company_id)
    _writer(page, company.id)
    service.record_outcome(service.profiles(page.settings.data_dir), company.id, supplier_id, need_id, result)
    return RedirectResponse(f"/companies/{company.id}/connect?done=outcome", status_code=303)


__all__ = ["router"]
