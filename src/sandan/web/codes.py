"""The company's code table on the web: the names (Korean and English) of its stop-reason and defect codes, which
the Paretos, the reports and the assistant show instead of the bare code (`sandan.monitor.codes`). The codes its
records carry without a name are listed to be named next; a CSV saved from Excel (kind, code, ko, en) is taken too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from sandan.accounts import audit
from sandan.domain import InvalidInput
from sandan.domain.errors import invalid_input_from
from sandan.domain.text import excel_text
from sandan.monitor.codes import KINDS, CodeTable, company_codes, save_company_codes, unnamed_codes
from sandan.web.shell import UserPage, WebRoute, company_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)

SEEN_DAYS = 90  # how far back the records are read for codes without a name


def _lines(table: CodeTable, kind: str) -> str:
    return "\n".join(f"{code}, {n.ko}, {n.en}" for code, n in sorted(getattr(table, kind).items()))


def _parse(text: str, kind: str) -> dict[str, dict[str, str]]:
    """One code per line: "code, 한국어 이름, English name" (the English may be left out: the Korean then serves)."""
    words = {"reasons": ("stop reasons", "정지 사유"), "defects": ("defects", "불량")}[kind]
    out: dict[str, dict[str, str]] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("\t", ",").split(",", 2)]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise InvalidInput(
                f"{words[0]}, line {n}: write the code, its Korean name and (if you like) its English name, "
                "e.g. E01, 금형 교체, Mould change",
                f"{words[1]} {n}번째 줄: 코드와 이름을 쓰세요. 예: E01, 금형 교체, Mould change",
                code="bad_code_table",
                field=kind,
            )
        if parts[0] in out:
            raise InvalidInput(
                f"{words[0]}, line {n}: code {parts[0]!r} is named twice",
                f"{words[1]} {n}번째 줄: 코드 {parts[0]!r}이(가) 두 번 나옵니다",
                code="bad_code_table",
                field=kind,
            )
        out[parts[0]] = {"ko": parts[1], "en": parts[2] if len(parts) > 2 and parts[2] else parts[1]}
    return out


def _page(page, company, texts: dict[str, str], *, error: str | None = None, status: int = 200, saved=False):
    page.crumbs.append((page.t("codes.title"), None))
    end = datetime.now(UTC)
    table = company_codes(page.settings.data_dir, company.id)
    return page.render(
        "codes.html",
        status,
        company=company,
        texts=texts,
        kinds=KINDS,
        unnamed=unnamed_codes(page.store, company.id, table, end - timedelta(days=SEEN_DAYS), end),
        seen_days=SEEN_DAYS,
        error=error,
        saved=saved,
        can_write=page.principal.user.role.can_write,
    )


@router.get("/companies/{company_id}/codes", response_class=HTMLResponse)
def codes_page(page: UserPage, company_id: str, saved: str = "") -> Response:
    company = company_of(page, company_id)
    table = company_codes(page.settings.data_dir, company.id)
    return _page(page, company, {k: _lines(table, k) for k in KINDS}, saved=bool(saved))


@router.post("/companies/{company_id}/codes", response_class=HTMLResponse)
async def save_codes(request: Request, page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    form = await request.form()
    texts: dict[str, Any] = {k: str(form.get(k, "")) for k in KINDS}
    upload = form.get("file")
    try:
        table = CodeTable.model_validate({k: _parse(texts[k], k) for k in KINDS})
        if upload is not None and not isinstance(upload, str) and upload.filename:
            text = excel_text(await upload.read(), upload.filename)
            table = table.merged(CodeTable.parse(text, upload.filename))
    except ValidationError as exc:
        return _page(page, company, texts, error=invalid_input_from(exc).message(page.lang), status=422)
    except InvalidInput as exc:
        return _page(page, company, texts, error=exc.message(page.lang), status=422)
    save_company_codes(page.settings.data_dir, company.id, table)
    detail = f"{len(table.reasons)} reasons, {len(table.defects)} defects"
    audit(page.store, page.principal, company.id, "codes.put", "codes", detail)
    return RedirectResponse(f"/companies/{company.id}/codes?saved=1", status_code=303)


__all__ = ["router"]
