"""The frame every page shares: session cookie → Principal, language, template rendering, errors as notices.

It decides nothing about data; tenancy is checked by `Principal`, everything else by capability functions.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandan.accounts import Principal, resolve_token
from sandan.domain import Company, Forbidden, InvalidInput, NotAuthenticated, NotFound, SandanError
from sandan.domain.errors import korean_reason
from sandan.domain.text import in_language, shown_name
from sandan.jobs import Job, JobRegistry
from sandan.settings import Settings, load_settings
from sandan.store import Store
from sandan.web import i18n

log = logging.getLogger("sandan.web")

HERE = Path(__file__).parent
SESSION_COOKIE = "sandan_session"
LANG_COOKIE = "lang"

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)


# ---- numbers as shown -------------------------------------------------------------------------------------------
# One form in both languages (Korean groups thousands the same way): "9,592", "1,234.5", "79.0%" with no space.
# static/numbers.js writes numbers the same way in the page scripts.
def fmt_num(value: Any, digits: int = 1) -> str:
    """How a figure is shown on the pages: thousands separators, fixed decimals, '—' for none. In templates
    `{{ n | num(0) }}` for a count."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # never "-0.0"


def fmt_pct(value: Any, digits: int = 1) -> str:
    """A share (0.79) as a percentage ("79.0%"); `{{ share | pct }}` in templates."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{100 * value:.{digits}f}%"


_env.filters["num"] = fmt_num
_env.filters["pct"] = fmt_pct
# a text written in both languages with " / " between ("최대 캐비티 압력 / peak cavity pressure"): the reader's half
_env.filters["half"] = lambda text, lang: in_language(text, lang) if text else text
# a name given in both languages ("세진프레스 관리자 Sejin Press admin") as the page's language reads it
_env.filters["in_lang"] = lambda name, lang: (
    shown_name(name)[lang if lang == "en" else "ko"] if name else name
)


_jobs_lock = threading.Lock()


class LoginRequired(Exception):
    """Raised by the page dependency when there is no valid session; the route turns it into a redirect."""


class OwnPasswordRequired(Exception):
    """Raised by the page dependency while the user still has a password an admin set; the route sends the browser
    to the account page, where it chooses its own."""


#: The pages a user whose password an admin set may open: where it chooses its own.
_OWN_PASSWORD_PAGES = {("GET", "/account"), ("POST", "/account/password")}


def settings_of(request: Request) -> Settings:
    found = getattr(request.app.state, "settings", None)
    if found is None:
        found = load_settings()
        request.app.state.settings = found
    return found


def store_of(request: Request) -> Store:
    return request.app.state.store


def lang_of(request: Request) -> str:
    return i18n.pick_lang(request.cookies.get(LANG_COOKIE), settings_of(request).default_lang)


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


@dataclass
class Page:
    """One request's view of the shell: who, in which language, and how to render a template."""

    request: Request
    store: Store
    settings: Settings
    lang: str
    principal: Principal | None = None
    crumbs: list[tuple[str, str | None]] = field(default_factory=list)
    refusal: str | None = (
        None  # an action on the page refused (deleting an asset in use), shown with the page
    )

    def t(self, key: str, **fields: Any) -> str:
        return i18n.t(key, self.lang, **fields)

    def time(self, value, *, seconds: bool = True) -> str:
        return i18n.format_time(value, self.settings.display_timezone, seconds=seconds)

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(
            page=self,
            t=self.t,
            fmt_time=self.time,
            lang=self.lang,
            user=self.principal.user if self.principal else None,
            crumbs=self.crumbs,
            here=_here(self.request),
        )
        return templates.TemplateResponse(self.request, name, context, status_code=status_code)

    def notice(self, message: str, status_code: int, title_key: str = "error.title") -> HTMLResponse:
        return self.render("notice.html", status_code=status_code, title=self.t(title_key), message=message)


def public_page(request: Request) -> Page:
    """A page anyone may see (login); the principal is filled in when a valid session exists. A form posted from
    another site is refused here too: a foreign page could sign a visitor in to the sender's own account (whose
    company then received the visitor's imports) or sign them out."""
    _require_same_origin(request)
    return _signed_in_page(request)


def _signed_in_page(request: Request) -> Page:
    """The page with its principal when a valid session exists (also what an error is shown on)."""
    page = Page(request, store_of(request), settings_of(request), lang_of(request))
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            page.principal = resolve_token(page.store, token)
        except NotAuthenticated:
            page.principal = None
    return page


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    return not origin or urlsplit(origin).netloc == request.headers.get("host", "")


def _require_same_origin(request: Request) -> None:
    # SameSite=Lax already keeps the cookie off cross-site form posts; refusing foreign origins is a second lock,
    # and the only one for the forms that need no cookie (sign-in)
    if request.method not in ("GET", "HEAD") and not _same_origin(request):
        raise Forbidden(
            "cross-site form refused", "다른 사이트에서 보낸 요청은 거부합니다", code="cross_site"
        )


def user_page(request: Request) -> Page:
    """Every page but login: needs a valid session cookie, otherwise the browser is sent to the login page."""
    page = public_page(request)
    if page.principal is None:
        raise LoginRequired
    if (
        page.principal.user.must_change_password
        and (request.method, request.url.path) not in _OWN_PASSWORD_PAGES
    ):
        raise OwnPasswordRequired
    return page


def form_number(
    text: str | None,
    field: str,
    what: tuple[str, str] | None = None,
    *,
    kind: type = float,
    code: str = "invalid_input",
) -> Any:
    """A number typed into a form (empty: None), or a bilingual error naming the field (or `what`, English and
    Korean) and what was typed."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = kind(text)
        if not math.isfinite(value):  # 'inf', 'nan', 1e999: no machine or limit is that
            raise ValueError(text)
        return value
    except ValueError:
        en, ko = what or (field, field)
        whole = kind is int
        raise InvalidInput(
            f"{en}: {text!r} is not a {'whole ' if whole else ''}number",
            f"{ko}: {text!r}은(는) {'정수' if whole else '숫자'}가 아닙니다",
            code=code,
            field=field,
        ) from None


def company_of(page: Page, company_id: str) -> Company:
    """The company a page shows, after the tenant check; another tenant's company is 'not found' so ids do not leak."""
    page.principal.require_company(company_id)
    company = page.store.get_company(company_id)
    if company is None:
        raise NotFound(f"company {company_id!r} not found", f"회사 {company_id!r}을(를) 찾을 수 없습니다")
    if page.principal.is_operator:
        page.crumbs.append((page.t("nav.complex"), "/"))
    page.crumbs.append((company.name, f"/companies/{company.id}"))
    return company


UserPage = Annotated[Page, Depends(user_page)]
PublicPage = Annotated[Page, Depends(public_page)]


def job_snapshot(request: Request, tenant: str, job_id: str | None) -> Job | None:
    """A copy of a job as it is now (the worker may finish it while the page renders), or None when there is no
    such job — also after a restart, when a page shows what the job left instead."""
    if not job_id:
        return None
    try:
        return copy.copy(jobs_of(request).get(tenant, job_id))
    except NotFound:
        return None


def jobs_of(request: Request) -> JobRegistry:
    """The server's job registry (the API's, when it created one), so web and API see the same imports."""
    with _jobs_lock:
        found = getattr(request.app.state, "jobs", None)
        if found is None:
            found = request.app.state.jobs = JobRegistry()
        return found


class WebRoute(APIRoute):
    """Turns what a page raises into HTML: a redirect to login, or a notice in the user's language.

    Scoped to the web routes so that the API keeps its own JSON error bodies.
    """

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                target = "/login"
                if request.method == "GET" and request.url.path != "/":
                    target += "?next=" + quote(_here(request), safe="")
                return RedirectResponse(target, status_code=303)
            except OwnPasswordRequired:
                return RedirectResponse("/account", status_code=303)
            except SandanError as exc:
                page = _signed_in_page(request)
                key = "error.not_found" if exc.status == 404 else "error.title"
                return page.notice(exc.message(page.lang), exc.status, key)
            except RequestValidationError as exc:
                page = _signed_in_page(request)
                # each field with why it was refused ("version: 1 이상이어야 합니다"), not only its name
                detail = "; ".join(
                    ".".join(str(p) for p in e.get("loc", ())[1:])
                    + ": "
                    + (korean_reason(e) if page.lang == "ko" else str(e.get("msg", "")))
                    for e in exc.errors()
                )
                return page.notice(page.t("error.bad_request", detail=detail), 400)
            except StarletteHTTPException:
                raise
            except Exception:  # a bug must not show a traceback to a plant engineer; it is logged instead
                log.exception("web page %s failed", request.url.path)
                page = Page(request, store_of(request), settings_of(request), lang_of(request))
                return page.notice(page.t("error.internal"), 500)

        return handle


def safe_next(target: str | None) -> str:
    """Only local paths are followed after login, so a crafted link cannot send users to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
