"""Every API error as one JSON shape: `{"error": {"code", "message": {"en", "ko"}, "where"}}`.

Turns project errors, request validation failures, unknown routes and unexpected exceptions into that shape;
it never puts a traceback or a submitted value (a password, say) into a response.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import pydantic
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandan.domain import NotAuthenticated, SandanError
from sandan.domain.errors import korean_reason

log = logging.getLogger("sandan.api")

API_PREFIX = "/api/"
MAX_LISTED = 20


class ErrorMessage(BaseModel):
    en: str
    ko: str


class ErrorBody(BaseModel):
    code: str
    message: ErrorMessage
    where: dict[str, Any] = {}


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorBody


def error_response(
    status: int, code: str, en: str, ko: str, where: dict[str, Any] | None = None, headers=None
) -> JSONResponse:
    body = {"error": {"code": code, "message": {"en": en, "ko": ko}, "where": where or {}}}
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple | list) -> str:
    return ".".join(str(p) for p in loc) or "request"


def _describe(errors: list[dict[str, Any]], prefix: tuple = ()) -> tuple[str, str, dict[str, Any]]:
    """English and Korean summary of pydantic errors, and the per-field list — without the submitted values."""
    listed = []
    for err in errors[:MAX_LISTED]:
        field = _field((*prefix, *err.get("loc", ())))
        en = str(err.get("msg", "invalid value"))
        ko = korean_reason(err)
        if "Expected UploadFile" in en:  # a form field where the file belongs ("received: <class 'str'>")
            en = "must be a file: send it as a multipart file part with a filename (curl -F 'file=@data.csv')"
            ko = "파일이어야 합니다. 파일 이름이 있는 multipart 파일 항목으로 보내세요 (curl -F 'file=@data.csv')"
        elif err.get("type") in ("value_error", "assertion_error") and "ko" not in (err.get("ctx") or {}):
            ko = f"{ko}: {en.removeprefix('Value error, ')}"
        # (a choice's allowed values are in korean_reason's own sentence: "'cnc', … 중 하나여야 합니다")
        listed.append({"field": field, "type": err.get("type"), "message": {"en": en, "ko": ko}})
    if not listed:
        return "the request is not valid", "요청이 올바르지 않습니다", {}
    first = listed[0]
    more = len(errors) - 1
    # a rule over the whole body (a model validator) is about no one field: no "body: " before it
    at = "" if first["field"] == "body" else f"{first['field']}: "
    en = f"{at}{first['message']['en']}" + (f" (and {more} more problem(s))" if more else "")
    ko = f"{at}{first['message']['ko']}" + (f" (그 밖에 {more}개 문제)" if more else "")
    return en, ko, {"field": first["field"], "errors": listed}


async def _sandan_error(request: Request, exc: SandanError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
    if exc.status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc.en)
    return error_response(exc.status, exc.code, exc.en, exc.ko, exc.where, headers)


async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    en, ko, where = _describe(errors)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    whole_body = any(tuple(e.get("loc", ())) == ("body",) for e in errors)
    if whole_body and kind and "json" not in kind and "form" not in kind:
        # JSON sent as text/plain arrives as one string: "Input should be a valid list" named no cause
        en += f" — the body was sent as {kind}; send JSON with Content-Type: application/json"
        ko += f" — 본문이 {kind}(으)로 왔습니다. JSON은 Content-Type: application/json으로 보내세요"
    return error_response(422, "invalid_request", en, ko, where)


async def _model_invalid(request: Request, exc: pydantic.ValidationError) -> JSONResponse:
    # A domain object built inside a route refused the values (e.g. an id with spaces).
    en, ko, where = _describe(list(exc.errors()), (exc.title,))
    return error_response(422, "invalid_input", en, ko, where)


async def _http_error(request: Request, exc: StarletteHTTPException):
    if not request.url.path.startswith(API_PREFIX):
        # Pages belong to the web shell, which may render its own; keep the framework's default there.
        return await http_exception_handler(request, exc)
    where = {"method": request.method, "path": request.url.path}
    if exc.status_code == 404:
        return error_response(
            404,
            "no_such_route",
            f"there is no API route {request.method} {request.url.path}; see /docs for the list",
            f"API 경로 {request.method} {request.url.path}이(가) 없습니다. /docs 에서 목록을 보세요",
            where,
        )
    if exc.status_code == 405:
        return error_response(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path}",
            f"{request.url.path}에는 {request.method} 요청을 쓸 수 없습니다",
            where,
            exc.headers,
        )
    # e.g. 400 for a body the framework could not read: the framework's words, with a Korean sentence around them
    detail = str(exc.detail)
    known = _FRAMEWORK_KO.get(detail)
    if known is not None:  # its words in each language, with the fix
        return error_response(
            exc.status_code, f"http_{exc.status_code}", known[0], known[1], where, exc.headers
        )
    return error_response(
        exc.status_code,
        f"http_{exc.status_code}",
        f"the request could not be handled (HTTP {exc.status_code}): {detail}",
        f"요청을 처리할 수 없습니다 (HTTP {exc.status_code}): {detail}",
        where,
        exc.headers,
    )


# the framework's own refusals, in words with what to do (its English was inside the Korean sentence)
_FRAMEWORK_KO = {
    "There was an error parsing the body": (
        "the request body could not be read: send the file as multipart/form-data with a boundary, or JSON with "
        "Content-Type: application/json",
        "요청 본문을 읽을 수 없습니다. 파일은 경계(boundary)가 있는 multipart/form-data로, JSON은 Content-Type: "
        "application/json으로 보내세요",
    ),
}


def unexpected_error(doing: str) -> SandanError:
    """An error no one foresaw, as the user is told of it: logged with its traceback (call inside `except`) under
    an incident id the message gives, to tell the operator. `doing` says where, for the log."""
    incident = secrets.token_hex(6)
    log.exception("unexpected error %s %s", incident, doing)
    return SandanError(
        f"something went wrong on the server; tell the platform operator the incident id {incident}",
        f"서버에서 오류가 발생했습니다. 플랫폼 운영자에게 사고 번호 {incident}을(를) 알려 주세요",
        code="internal_error",
        incident=incident,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    said = unexpected_error(f"in {request.method} {request.url.path}")
    return error_response(500, said.code, said.en, said.ko, said.where)


def install(app: FastAPI) -> None:
    app.add_exception_handler(SandanError, _sandan_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(pydantic.ValidationError, _model_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


# Documented on every route so that clients see the error shape in the OpenAPI schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing, expired or revoked token"},
    403: {"model": ErrorResponse, "description": "your role may not do this"},
    404: {"model": ErrorResponse, "description": "not found (also: another company's data)"},
    422: {"model": ErrorResponse, "description": "the request or a record in it is not valid"},
}
