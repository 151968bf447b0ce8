"""Assistant pages: ask a question, the two guided flows (quality control, production process), and the company's
documents. Pages call sandan.assist — the same functions as the API — and only render their answers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.accounts import audit
from sandan.assist.assistant import Assistant
from sandan.assist.documents import MAX_BYTES, DocumentLibrary
from sandan.assist.flows import FLOWS, run_flow
from sandan.assist.registry import PERIODS
from sandan.domain import Forbidden, NotFound, SandanError
from sandan.web.shell import Page, UserPage, WebRoute, company_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _assistant(page: Page, company_id: str) -> Assistant:
    return Assistant(page.store, company_id, page.settings)


def _require_write(page: Page, company_id: str) -> None:
    if not page.principal.user.role.can_write:
        raise Forbidden("viewers cannot change documents", "조회자는 문서를 바꿀 수 없습니다")
    page.principal.require_write(company_id)


@router.get("/companies/{company_id}/assist", response_class=HTMLResponse)
def ask_page(
    page: UserPage, company_id: str, q: Annotated[str | None, Query(max_length=2000)] = None
) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("assist.title"), None))
    text = (q or "").strip()
    answer = _assistant(page, company.id).ask(text, page.lang).to_dict() if text else None
    return page.render(
        "assist.html",
        company=company,
        q=q or "",
        answer=answer,
        blank=q is not None and not text,  # asked with nothing typed (the browser's own check bypassed)
        examples=[page.t(f"assist.example{i}") for i in range(1, 5)],
        can_write=page.principal.user.role.can_write,
    )


@router.get("/companies/{company_id}/assist/flows/{flow}", response_class=HTMLResponse)
def flow_page(
    page: UserPage,
    company_id: str,
    flow: str,
    machine_id: str = "",
    line_id: str = "",
    period: str = "last_7d",
) -> Response:
    company = company_of(page, company_id)
    if flow not in FLOWS:  # a mistyped or old link: the page that is not there, not a page of raw keys
        raise NotFound(
            f"there is no guided flow {flow!r}; the flows are {', '.join(FLOWS)}",
            f"{flow!r} 흐름은 없습니다. 있는 흐름: {', '.join(FLOWS)}",
            code="unknown_flow",
        )
    page.crumbs.append((page.t("assist.title"), f"/companies/{company.id}/assist"))
    page.crumbs.append((page.t(f"assist.flow.{flow}"), None))
    result = None
    if machine_id or line_id or flow == "production":
        result = run_flow(
            _assistant(page, company.id),
            flow,
            machine_id=machine_id or None,
            line_id=line_id or None,
            period=period if period in PERIODS else "last_7d",
            lang=page.lang,
        )
    return page.render(
        "assist_flow.html",
        company=company,
        flow=flow,
        result=result,
        machines=page.store.list_machines(company.id),
        lines=page.store.list_lines(company.id),
        machine_id=machine_id,
        line_id=line_id,
        period=period,
        periods=PERIODS,
    )


@router.get("/companies/{company_id}/assist/documents", response_class=HTMLResponse)
def documents_page(page: UserPage, company_id: str, done: str = "") -> Response:
    return _documents(page, company_of(page, company_id), done)


def _documents(page: Page, company: Any, done: str = "", error: str = "", status_code: int = 200) -> Response:
    page.crumbs.append((page.t("assist.title"), f"/companies/{company.id}/assist"))
    page.crumbs.append((page.t("assist.documents"), None))
    return page.render(
        "assist_documents.html",
        status_code,
        company=company,
        documents=DocumentLibrary(page.settings.data_dir, company.id).list(),
        done=done,
        error=error,
        can_write=page.principal.user.role.can_write,
    )


@router.post("/companies/{company_id}/assist/documents")
def upload_document(
    page: UserPage, company_id: str, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    company = company_of(page, company_id)
    _require_write(page, company.id)
    if file is None or not file.filename:  # the form's own check bypassed: say what to do, on the same page
        return _documents(page, company, error=page.t("assist.documents.choose"), status_code=422)
    try:
        info = DocumentLibrary(page.settings.data_dir, company.id).add(
            file.filename, file.file.read(MAX_BYTES + 1), page.principal.user.id
        )
    except (
        SandanError
    ) as exc:  # an empty, damaged or unsupported file: the message beside the list, not a dead end
        return _documents(page, company, error=exc.message(page.lang), status_code=exc.status)
    audit(page.store, page.principal, company.id, "assist.document_add", info.id, info.name)
    return RedirectResponse(f"/companies/{company.id}/assist/documents?done=added", status_code=303)


@router.post("/companies/{company_id}/assist/documents/{document_id}/delete")
def delete_document(page: UserPage, company_id: str, document_id: str) -> Response:
    company = company_of(page, company_id)
    _require_write(page, company.id)
    library = DocumentLibrary(page.settings.data_dir, company.id)
    name = library.get(document_id).name
    library.delete(document_id)
    audit(page.store, page.principal, company.id, "assist.document_delete", document_id, name)
    return RedirectResponse(f"/companies/{company.id}/assist/documents?done=deleted", status_code=303)


@router.post("/companies/{company_id}/assist/confirm", response_class=HTMLResponse)
def confirm(page: UserPage, company_id: str, action_id: Annotated[str, Form()]) -> Response:
    company = company_of(page, company_id)
    _require_write(page, company.id)
    result = _assistant(page, company.id).confirm(action_id, page.principal.user.id)
    audit(page.store, page.principal, company.id, "assist.confirm", action_id, str(result)[:500])
    return page.notice(page.t("assist.confirmed"), 200, "assist.title")


__all__ = ["router"]
