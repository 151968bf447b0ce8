"""The errors a user can cause, each with a stable code and a message in Korean and English.

Interfaces turn these into a CLI message, an HTTP 4xx JSON body or a web notice; nothing here knows about them.
"""

from __future__ import annotations

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


# Korean names of the fields people type when they register something (companies, assets, users).
_FIELD_KO = {
    "id": "ID",
    "name": "이름",
    "family": "공정 계열",
    "region": "지역",
    "timezone": "시간대",
    "model": "모델",
    "ideal_cycle_time_s": "이상 사이클 타임",
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
    en = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    ko = str(ctx["ko"]) if "ko" in ctx else f"{_FIELD_KO.get(field, field)} 값이 올바르지 않습니다 ({en})"
    return InvalidInput(f"{field}: {en}", ko, field=field)
