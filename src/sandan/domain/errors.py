"""The errors a user can cause, each with a stable code and a message in Korean and English.

Interfaces turn these into a CLI message, an HTTP 4xx JSON body or a web notice; nothing here knows about them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError


class SandanError(Exception):
    """An error a user can fix: what was wrong, where, and how to fix it — in English and Korean.

    `code` is stable (API clients branch on it); `where` holds the location (file, row, column, field);
    `status` is the HTTP status an interface should use.
    """

    code = "invalid"
    status = 400

    def __init__(self, en: str, ko: str, *, code: str | None = None, **where: Any) -> None:
        super().__init__(en)
        self.en = en
        self.ko = ko
        if code:
            self.code = code
        self.where = {k: v for k, v in where.items() if v is not None}

    def message(self, lang: str = "en") -> str:
        return self.ko if lang == "ko" else self.en

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": {"en": self.en, "ko": self.ko}, "where": self.where}


class Cancelled(SandanError):
    """A long job stopped because someone asked it to (`sandan.jobs.JobRegistry.cancel`)."""

    code = "cancelled"
    status = 409


class InvalidInput(SandanError):
    code = "invalid_input"
    status = 422


class NotFound(SandanError):
    code = "not_found"
    status = 404


class Conflict(SandanError):
    code = "conflict"
    status = 409


class NotAuthenticated(SandanError):
    code = "not_authenticated"
    status = 401


class Forbidden(SandanError):
    code = "forbidden"
    status = 403


class TooManyAttempts(SandanError):
    code = "too_many_attempts"
    status = 429


class ConfigError(SandanError):
    code = "config"
    status = 500


class StoreUnavailable(SandanError):
    code = "store_unavailable"
    status = 503


def value_error(en: str, ko: str) -> PydanticCustomError:
    """A pydantic validator's refusal in both languages (raise it where a validator would raise ValueError):
    the error's message is `en`, its context carries `ko` for the interfaces to show."""
    return PydanticCustomError("value_error", "{en}", {"en": en, "ko": ko})


# Korean for pydantic's error types; the English comes from pydantic itself.
PYDANTIC_KO = {
    "missing": "필수 항목이 없습니다",
    "extra_forbidden": "알 수 없는 항목입니다",
    "string_type": "문자열이어야 합니다",
    "string_too_short": "너무 짧습니다",
    "string_too_long": "너무 깁니다",
    "string_pattern_mismatch": "형식이 맞지 않습니다",
    "int_type": "정수여야 합니다",
    "int_parsing": "정수가 아닙니다",
    "int_from_float": "소수점 없는 정수여야 합니다",
    "float_type": "숫자여야 합니다",
    "float_parsing": "숫자가 아닙니다",
    "finite_number": "유한한 숫자여야 합니다 (inf, nan은 안 됩니다)",
    "bool_type": "true 또는 false 여야 합니다",
    "bool_parsing": "true 또는 false 여야 합니다",
    "datetime_type": "시각이어야 합니다",
    "datetime_parsing": "시각으로 읽을 수 없습니다. 2026-05-01T08:00:00+09:00 같은 ISO 8601 형식을 쓰세요",
    "datetime_from_date_parsing": "시각으로 읽을 수 없습니다. 2026-05-01T08:00:00+09:00 같은 ISO 8601 형식을 쓰세요",
    "enum": "허용된 값 중 하나가 아닙니다",
    "literal_error": "허용된 값 중 하나가 아닙니다",
    "greater_than": "값이 너무 작습니다",
    "greater_than_equal": "값이 너무 작습니다",
    "less_than": "값이 너무 큽니다",
    "less_than_equal": "값이 너무 큽니다",
    "too_short": "항목이 너무 적습니다",
    "too_long": "항목이 너무 많습니다",
    "list_type": "목록(JSON 배열)이어야 합니다",
    "dict_type": "JSON 객체여야 합니다",
    "model_type": "JSON 객체여야 합니다",
    "model_attributes_type": "JSON 객체여야 합니다",
    "json_invalid": "올바른 JSON이 아닙니다",
    "json_type": "올바른 JSON이 아닙니다",
    "value_error": "값이 올바르지 않습니다",
    "assertion_error": "값이 올바르지 않습니다",
}


# English for the pydantic error types whose own wording reads like a programmer's ("Field required")
PYDANTIC_EN = {
    "missing": "required, but missing",
    "extra_forbidden": "not a known field (check its spelling)",
}


def english_reason(err: Mapping[str, Any]) -> str:
    """Why pydantic refused a value, in English: pydantic's message, reworded where it reads like a programmer's
    ("Field required" becomes "required, but missing")."""
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return PYDANTIC_EN.get(str(err.get("type", "")), msg)


def korean_reason(err: dict[str, Any]) -> str:
    """Why pydantic refused a value, in Korean: the validator's own Korean (`value_error`), else the error type's,
    with its bound where it has one ("0보다 커야 합니다")."""
    ctx = err.get("ctx") or {}
    if "ko" in ctx:
        return str(ctx["ko"])
    bounds = {
        "gt": "{}보다 커야 합니다",
        "ge": "{} 이상이어야 합니다",
        "lt": "{}보다 작아야 합니다",
        "le": "{} 이하여야 합니다",
    }
    for key, text in bounds.items():
        if key in ctx:
            bound = ctx[key]
            return text.format(f"{bound:g}" if isinstance(bound, int | float) else bound)
    if err.get("type") == "string_too_short" and ctx.get("min_length") == 1:
        return "비어 있으면 안 됩니다"
    if err.get("type") in ("string_too_short", "string_too_long") and (
        "min_length" in ctx or "max_length" in ctx
    ):
        n = ctx.get("min_length", ctx.get("max_length"))
        return f"{n}자 이상이어야 합니다" if err["type"] == "string_too_short" else f"{n}자 이하여야 합니다"
    return PYDANTIC_KO.get(str(err.get("type", "")), "값이 올바르지 않습니다")


# Korean names of the fields people type when they register something (companies, assets, users).
_FIELD_KO = {
    "id": "ID",
    "name": "이름",
    "family": "공정 계열",
    "region": "지역",
    "timezone": "시간대",
    "model": "모델",
    "ideal_cycle_time_s": "이론 사이클 타임",
    "role": "역할",
    "lang": "언어",
    "unit": "단위",
    "min_value": "최솟값",
    "max_value": "최댓값",
    "description": "설명",
}


def invalid_input_from(exc: ValidationError) -> InvalidInput:
    """The first thing pydantic refused, as an error in both languages naming the field."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ())) or "value"
    ctx = err.get("ctx") or {}
    en = english_reason(err)
    ko = str(ctx["ko"]) if "ko" in ctx else f"{_FIELD_KO.get(field, field)}: {korean_reason(err)}"
    # a refusal of the whole (a model's own check: "breaks … overlap") names no field before its sentence
    return InvalidInput(en if not err.get("loc") else f"{field}: {en}", ko, field=field)


def document_error(
    exc: Exception, what: tuple[str, str], code: str, hint: tuple[str, str] = ("", "")
) -> InvalidInput:
    """A YAML document that could not be read (a YAML error: where, by line) or that its model refused (pydantic:
    the first thing refused, naming its field) as one sentence in each language — "invalid shift calendar:
    timezone: unknown time zone …" — instead of the parser's dump. `what` names the document, the Korean with its
    subject particle ("shift calendar", "근무 달력이"); `hint` is added after the reason."""
    more_en, more_ko = (f"; {hint[0]}", f"; {hint[1]}") if hint[0] else ("", "")
    if isinstance(exc, ValidationError):
        wrong = invalid_input_from(exc)
        whole = wrong.where.get("field") == "value"  # refused as a whole, not one field
        return InvalidInput(
            f"invalid {what[0]}: {wrong.en}{more_en}",
            f"{what[1]} 올바르지 않습니다: {wrong.ko}{more_ko}",
            code=code,
            **({} if whole else wrong.where),
        )
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    line_en, line_ko = (
        (f" (line {mark.line + 1})", f" ({mark.line + 1}번째 줄)") if mark is not None else ("", "")
    )
    return InvalidInput(
        f"the {what[0]} is not valid YAML{line_en}: {problem}{more_en}",
        f"{what[1]} 올바른 YAML이 아닙니다{line_ko}: {problem}{more_ko}",
        code=code,
    )


def not_a_number(exc: Exception) -> tuple[str, str]:
    """What a failed int()/float() or a missing row says, in words a person reads: "'garbage' is not a whole
    number" instead of Python's "invalid literal for int() with base 10: 'garbage'"."""
    if isinstance(exc, IndexError):
        return "a line is missing", "줄이 모자랍니다"
    text = str(exc)
    found = re.search(r"(?:for int\(\) with base \d+|to float): (.*)$", text)
    value = found.group(1) if found else repr(text)
    return f"{value} is not a whole number", f"{value}은(는) 정수가 아닙니다"
