"""A company's people and its audit log, for the company admin and the platform operator.

Who may create whom is decided by `sandan.accounts.create_user`, the function the API and the CLI call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.accounts import (
    AUDIT_SHOWS,
    api_tokens,
    audit_entries,
    bad_role,
    change_password,
    change_role,
    create_api_token,
    create_user,
    cross_tenant_accounts,
    platform_audit_entries,
    reset_password,
    revoke_api_token,
    set_active,
)
from sandan.domain import Company, InvalidInput, Role, SandanError
from sandan.web.shell import Page, UserPage, WebRoute, company_of, form_number

router = APIRouter(route_class=WebRoute, include_in_schema=False)

ROLES = (
    Role.engineer,
    Role.viewer,
    Role.company_admin,
)  # an operator account is not made on a company's page
AUDIT_ROWS = 50


def _view(
    page: Page,
    company: Company,
    form: dict[str, str],
    error: str | None = None,
    status: int = 200,
    reset_error: str | None = None,
    role_error: str | None = None,
    active_error: str | None = None,
) -> Response:
    page.principal.require_admin(company.id)
    page.crumbs.append((page.t("users.title"), None))
    show = page.request.query_params.get("show", AUDIT_SHOWS[0])  # changes, unless a link asked for more
    return page.render(
        "users.html",
        status,
        company=company,
        users=page.store.list_users(company.id),
        audit=[_worded(page, a) for a in audit_entries(page.store, company.id, show, AUDIT_ROWS)],
        audit_show=show,
        audit_shows=AUDIT_SHOWS,
        roles=ROLES,
        form=form,
        error=error,
        created=page.request.query_params.get("created"),
        reset=page.request.query_params.get("reset"),
        reset_error=reset_error,
        role_changed=page.request.query_params.get("role"),
        role_error=role_error,
        stopped=page.request.query_params.get("stopped"),
        restored=page.request.query_params.get("restored"),
        active_error=active_error,
    )


def _worded(page: Page, entry: dict) -> dict:
    """An audit entry whose detail is a role ("engineer", "engineer → viewer") with the roles in words, or a
    sign-in's ("inactive from 10.1.2.3") in the page's language (it showed "from 127.0.0.1" on a Korean page)."""
    detail = str(entry.get("detail") or "")
    if entry.get("action") in ("user.create", "user.role") and detail:
        parts = [p.strip() for p in detail.split("→")]
        if all(p in {r.value for r in Role} for p in parts):
            entry = {**entry, "detail": " → ".join(page.t(f"role.{p}") for p in parts)}
    elif str(entry.get("action", "")).startswith("login.") and detail:
        said = re.fullmatch(r"(inactive)?\s*(?:from (\S+))?", detail)
        if said:
            words = [page.t("users.sign_in_stopped")] if said.group(1) else []
            words += [page.t("users.sign_in_from", address=said.group(2))] if said.group(2) else []
            entry = {**entry, "detail": ", ".join(words)}
    return entry


@router.get("/users", response_class=HTMLResponse)
def platform_users_page(page: UserPage) -> Response:
    """Every account of the platform, for the operator: find one, see who is admin where and who is stopped; each
    company's own page manages its users."""
    users = cross_tenant_accounts(page.store, page.principal)
    page.crumbs.append((page.t("accounts.title"), None))
    names = {c.id: c.name for c in page.store.cross_tenant_companies()}
    show = page.request.query_params.get("show", AUDIT_SHOWS[0])
    audit = platform_audit_entries(page.store, page.principal, show, AUDIT_ROWS)
    return page.render(
        "users_all.html",
        users=users,
        names=names,
        roles=list(Role),
        audit=[_worded(page, a) for a in audit],
        audit_show=show,
        audit_shows=AUDIT_SHOWS,
    )


@router.get("/companies/{company_id}/users", response_class=HTMLResponse)
def users_page(page: UserPage, company_id: str) -> Response:
    return _view(page, company_of(page, company_id), {"role": Role.engineer.value, "lang": page.lang})


@router.post("/companies/{company_id}/users", response_class=HTMLResponse)
def add_user(
    page: UserPage,
    company_id: str,
    user_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = Role.engineer.value,
    lang: Annotated[str, Form()] = "ko",
    password: Annotated[str, Form()] = "",
) -> Response:
    company = company_of(page, company_id)
    page.principal.require_admin(company.id)
    form = {
        "user_id": user_id.strip(),
        "name": name.strip(),
        "role": role,
        "lang": lang,
    }  # never the password
    try:
        if role not in {r.value for r in ROLES}:
            raise bad_role(role, ROLES)
        create_user(
            page.store,
            form["user_id"],
            password,
            role,
            company.id,
            name=form["name"],
            lang=lang,
            by=page.principal,
        )
    except SandanError as exc:
        return _view(page, company, form, exc.message(page.lang), exc.status)
    return RedirectResponse(f"/companies/{company.id}/users?created={form['user_id']}", status_code=303)


def _act_on_user(
    page: Page,
    company_id: str,
    act: Callable[[Company], None],
    done: str,
    error_slot: str,
    form: dict[str, str],
) -> Response:
    """One change to a user of the company (company admin or operator): done, back to the page saying so
    (`done`, the query the page reads); refused, the page again with the reason beside the form (`error_slot`)."""
    company = company_of(page, company_id)
    page.principal.require_admin(company.id)
    try:
        act(company)
    except SandanError as exc:
        form = {"role": Role.engineer.value, "lang": page.lang, **form}
        return _view(page, company, form, status=exc.status, **{error_slot: exc.message(page.lang)})
    return RedirectResponse(f"/companies/{company.id}/users?{done}", status_code=303)


@router.post("/companies/{company_id}/users/password", response_class=HTMLResponse)
def reset_user_password(
    page: UserPage,
    company_id: str,
    user_id: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Give a user of the company a new password (company admin or operator)."""
    return _act_on_user(
        page,
        company_id,
        lambda company: reset_password(page.store, page.principal, company.id, user_id, password),
        f"reset={quote(user_id)}",
        "reset_error",
        {"reset_user": user_id},
    )


@router.post("/companies/{company_id}/users/role", response_class=HTMLResponse)
def change_user_role(
    page: UserPage,
    company_id: str,
    user_id: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    """Give a user of the company another role (company admin or operator)."""
    return _act_on_user(
        page,
        company_id,
        lambda company: change_role(page.store, page.principal, company.id, user_id, role),
        f"role={quote(user_id)}",
        "role_error",
        {"role_user": user_id, "new_role": role},
    )


@router.post("/companies/{company_id}/users/active", response_class=HTMLResponse)
def set_user_active(
    page: UserPage,
    company_id: str,
    user_id: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """Stop a user's account (someone left) or restore it (company admin or operator)."""

    def act(company: Company) -> None:
        if active not in ("0", "1"):
            raise InvalidInput(
                f"active must be 0 (stop) or 1 (restore), not {active!r}",
                f"active는 0(사용 중지) 또는 1(다시 사용)이어야 합니다 ({active!r}은(는) 안 됩니다)",
                field="active",
            )
        set_active(page.store, page.principal, company.id, user_id, active == "1")

    done = "restored" if active == "1" else "stopped"
    return _act_on_user(page, company_id, act, f"{done}={quote(user_id)}", "active_error", {})


# ---- one's own account ----------------------------------------------------------------------------------------
# A new token reaches the page after the redirect in a cookie that lives two minutes and is read once, so a
# reload neither shows it again nor makes another token.
_NEW_TOKEN_COOKIE = "sandan_new_token"


@router.get("/account", response_class=HTMLResponse)
def account_page(page: UserPage, changed: int = 0, revoked: str = "") -> Response:
    name, _, token = unquote(page.request.cookies.get(_NEW_TOKEN_COOKIE, "")).partition("\t")
    response = _account(
        page,
        changed=bool(changed),
        revoked=revoked,
        new_token={"token": token, "name": name} if token else None,
    )
    if token:
        response.delete_cookie(_NEW_TOKEN_COOKIE, path="/account")
    return response


def _account(
    page: Page,
    error: str | None = None,
    status: int = 200,
    changed: bool = False,
    **tokens: object,
) -> Response:
    """The account page; `tokens` holds the token section's state: `new_token`, `token_form`, `token_error`,
    `revoked`."""
    page.crumbs.append((page.t("account.title"), None))
    company = (
        page.store.get_company(page.principal.user.company_id) if page.principal.user.company_id else None
    )
    return page.render(
        "account.html",
        status,
        account=page.principal.user,
        company=company,
        error=error,
        changed=changed,
        tokens=api_tokens(page.store, page.principal),
        now=datetime.now(UTC),
        **{"new_token": None, "token_form": {}, "token_error": None, "revoked": "", **tokens},
    )


@router.post("/account/tokens", response_class=HTMLResponse)
def account_new_token(
    page: UserPage,
    name: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
) -> Response:
    """A new API token, shown once on the account page the browser is sent to."""
    form = {"name": name.strip(), "days": days.strip()}
    try:
        days_valid = form_number(
            form["days"], "days", ("days valid", "유효 일수"), kind=int, code="bad_token_days"
        )
        token, record = create_api_token(page.store, page.principal, form["name"], days_valid)
    except SandanError as exc:
        return _account(page, status=exc.status, token_form=form, token_error=exc.message(page.lang))
    response = RedirectResponse("/account", status_code=303)
    response.set_cookie(
        _NEW_TOKEN_COOKIE,
        quote(f"{record.name}\t{token}"),
        max_age=120,
        httponly=True,
        samesite="strict",
        secure=page.request.url.scheme == "https",
        path="/account",
    )
    return response


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def account_revoke_token(page: UserPage, token_id: str) -> Response:
    try:
        record = revoke_api_token(page.store, page.principal, token_id)
    except SandanError as exc:
        return _account(page, status=exc.status, token_error=exc.message(page.lang))
    return RedirectResponse(f"/account?revoked={quote(record.name)}", status_code=303)


@router.post("/account/password", response_class=HTMLResponse)
def account_password(
    page: UserPage,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    again: Annotated[str, Form()] = "",
) -> Response:
    try:
        if new != again:
            raise InvalidInput(
                "the new password and its repetition differ",
                "새 비밀번호와 확인 입력이 다릅니다",
                field="again",
            )
        change_password(page.store, page.principal, current, new)
    except SandanError as exc:
        return _account(page, exc.message(page.lang), exc.status)
    return RedirectResponse("/account?changed=1", status_code=303)
