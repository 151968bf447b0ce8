"""The errors a user can cause, each with a stable code and a message in Korean and English.

Interfaces turn these into a CLI message, an HTTP 4xx JSON body or a web notice; nothing here knows about them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from sandan.domain.korean import particle


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
    "extra_forbidden": "알 수 없는 항목입니다 (철자를 확인하세요)",
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
    "time_type": "시각이 아닙니다. 08:00처럼 HH:MM으로 쓰세요",
    "time_parsing": "시각이 아닙니다. 08:00처럼 HH:MM으로 쓰세요",
    "date_type": "날짜가 아닙니다. 2026-05-01처럼 YYYY-MM-DD로 쓰세요",
    "date_parsing": "날짜가 아닙니다. 2026-05-01처럼 YYYY-MM-DD로 쓰세요",
    "date_from_datetime_parsing": "날짜가 아닙니다. 2026-05-01처럼 YYYY-MM-DD로 쓰세요",
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
    "dict_type": "'키: 값' 쌍으로 된 항목이어야 합니다",
    "model_type": "'키: 값' 쌍으로 된 항목이어야 합니다",
    "model_attributes_type": "'키: 값' 쌍으로 된 항목이어야 합니다",
    "json_invalid": "올바른 JSON이 아닙니다",
    "json_type": "올바른 JSON이 아닙니다",
    "value_error": "값이 올바르지 않습니다",
    "assertion_error": "값이 올바르지 않습니다",
}


# English for the pydantic error types whose own wording reads like a programmer's ("Field required", "Input should
# be a valid integer"); the ones with a bound or a list of choices are worded in `english_reason`
PYDANTIC_EN = {
    "missing": "required, but missing",
    "extra_forbidden": "not a known field (check its spelling)",
    "string_type": "must be text",
    "string_pattern_mismatch": "is not in the form expected",
    "int_type": "must be a whole number",
    "int_parsing": "is not a whole number",
    "int_from_float": "must be a whole number, without decimals",
    "float_type": "must be a number",
    "float_parsing": "is not a number",
    "finite_number": "must be a finite number (not inf or nan)",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "time_type": "is not a time of day; write it as HH:MM, like 08:00",
    "time_parsing": "is not a time of day; write it as HH:MM, like 08:00",
    "date_type": "is not a date; write it as YYYY-MM-DD, like 2026-05-01",
    "date_parsing": "is not a date; write it as YYYY-MM-DD, like 2026-05-01",
    "date_from_datetime_parsing": "is not a date; write it as YYYY-MM-DD, like 2026-05-01",
    "datetime_type": "is not a date and time; write it in ISO 8601, like 2026-05-01T08:00:00+09:00",
    "datetime_parsing": "is not a date and time; write it in ISO 8601, like 2026-05-01T08:00:00+09:00",
    "datetime_from_date_parsing": "is not a date and time; write it in ISO 8601, like 2026-05-01T08:00:00+09:00",
    "enum": "is not one of the allowed values",
    "literal_error": "is not one of the allowed values",
    "list_type": "must be a list",
    "dict_type": "must be an object of 'key: value' pairs",
    "model_type": "must be an object of 'key: value' pairs",
    "model_attributes_type": "must be an object of 'key: value' pairs",
    "json_invalid": "is not valid JSON",
    "json_type": "is not valid JSON",
}


def _choices(err: Mapping[str, Any]) -> str | None:
    """The allowed values of a refused choice, as a list to read: a pattern of plain alternatives
    ("^(demand|supplier|both)$" → "demand, supplier, both") or an enum's or literal's ("'cnc', 'forging', 'other'")."""
    ctx = err.get("ctx") or {}
    kind = err.get("type")
    if kind == "string_pattern_mismatch":
        found = re.fullmatch(r"\^\(?([\w-]+(?:\|[\w-]+)+)\)?\$", str(ctx.get("pattern", "")))
        return ", ".join(found.group(1).split("|")) if found else None
    if kind in ("enum", "literal_error") and ctx.get("expected"):
        return str(ctx["expected"]).replace(" or ", ", ")
    if kind == "union_tag_invalid" and ctx.get("expected_tags"):  # a connector's `type: modbuss`
        return str(ctx["expected_tags"]).replace("'", "")
    return None


def _bound(bound: object) -> str:
    """A bound as people write it: 9223372036854775807 and 86400, not 9.22337e+18; 0.5 and 1e-06 as floats."""
    if isinstance(bound, bool) or not isinstance(bound, int | float):
        return str(bound)
    if isinstance(bound, int):
        return str(bound)
    return str(int(bound)) if bound.is_integer() and abs(bound) < 1e15 else f"{bound:g}"


def english_reason(err: Mapping[str, Any]) -> str:
    """Why pydantic refused a value, in English: pydantic's message, reworded where it reads like a programmer's
    ("Field required" becomes "required, but missing", "String should have at least 1 character" "must not be
    empty", "String should match pattern '^(demand|supplier|both)$'" "must be one of demand, supplier, both")."""
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):  # a validator's own sentence
        return msg
    bounds = {
        "gt": "must be greater than {}",
        "ge": "must be greater than or equal to {}",
        "lt": "must be less than {}",
        "le": "must be less than or equal to {}",
    }
    for key, text in bounds.items():
        if key in ctx:
            return text.format(_bound(ctx[key]))
    length = ctx.get("min_length", ctx.get("max_length"))
    if kind in ("string_too_short", "string_too_long") and isinstance(length, int):
        if kind == "string_too_short":
            return "must not be empty" if length == 1 else f"must have at least {length} characters"
        return f"must have at most {length} characters"
    if kind in ("too_short", "too_long") and isinstance(length, int):
        items = f"{length} item{'' if length == 1 else 's'}"
        return f"must have at least {items}" if kind == "too_short" else f"must have at most {items}"
    choices = _choices(err)
    if choices:
        return f"must be one of {choices}"
    return PYDANTIC_EN.get(kind, msg)


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
            return text.format(_bound(ctx[key]))
    choices = _choices(err)
    if choices:
        return f"{choices} 중 하나여야 합니다"
    length = ctx.get("min_length", ctx.get("max_length"))
    # a list: "너무 많습니다" said no limit
    if err.get("type") in ("too_short", "too_long") and isinstance(length, int):
        return (
            f"{length}개 이상이어야 합니다" if err["type"] == "too_short" else f"{length}개 이하여야 합니다"
        )
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
    line, _ = yaml_position(exc)
    problem_en, problem_ko = yaml_problem(exc)
    line_en, line_ko = (f" (line {line})", f" ({line}번째 줄)") if line is not None else ("", "")
    return InvalidInput(
        f"the {what[0]} is not valid YAML{line_en}: {problem_en}{more_en}",
        f"{what[1]} 올바른 YAML이 아닙니다{line_ko}: {problem_ko}{more_ko}",
        code=code,
    )


#: PyYAML's names of what it found, as a person reads them.
_YAML_TOKENS = {
    "<stream end>": ("the end of the text", "문서 끝"),
    "<block end>": ("the end of a block", "블록 끝"),
    "<scalar>": ("a value", "값"),
    "<block mapping start>": ("a new 'key: value'", "새 '키: 값'"),
    "<block sequence start>": ("a new list", "새 목록"),
    "?": ("a new key", "새 키"),
    "-": ("a list item ('-')", "목록 항목"),
}


def _yaml_token(found: str) -> tuple[str, str]:
    bare = found.strip("'\"")
    return _YAML_TOKENS.get(bare, (f"'{bare}'", f"'{bare}' 기호"))


def yaml_problem(exc: Exception) -> tuple[str, str]:
    """What a PyYAML error says, in English and Korean, for the common mistakes of a hand-written file (an unclosed
    bracket or quote, a misaligned indent, a tab, a colon inside a value); the parser's own words otherwise, in both
    texts with a Korean lead. Where it happened is the error's `problem_mark` (see `yaml_position`)."""
    problem = str(getattr(exc, "problem", None) or "")
    context = str(getattr(exc, "context", None) or "")
    if not problem:
        return str(exc), f"문법 오류({exc})"
    date = re.match(r"^'(.+)' is not a calendar date$", problem)  # `sandan.domain.yamltext`
    if date:
        return (
            f"{date.group(1)} is not a calendar date (a month from 1 to 12 and a day that month has; YYYY-MM-DD)",
            f"{particle(date.group(1), '은/는')} 달력에 없는 날짜입니다 (월은 1~12, 일은 그 달에 있는 날; YYYY-MM-DD)",
        )
    found = re.search(r"but (?:got|found) (.+)$", problem)
    tok_en, tok_ko = _yaml_token(found.group(1)) if found else ("", "")
    closing = re.match(r"expected ',' or '([\]}])'", problem)
    if closing:
        return (
            f"expected ',' or '{closing.group(1)}' but found {tok_en}: a bracket is not closed or a comma is missing",
            f"쉼표(,)나 닫는 괄호({closing.group(1)})가 와야 하는데 {particle(tok_ko, '이/가')} 있습니다. 괄호가 "
            "닫히지 않았거나 쉼표가 빠졌습니다",
        )
    if problem.startswith("expected <block end>") and tok_en in ("']'", "'}'"):
        return (
            f"{tok_en} closes a bracket that was never opened",
            f"{particle(tok_ko, '이/가')} 열지 않은 괄호를 닫습니다",
        )
    if problem.startswith("expected <block end>") or problem.startswith("did not find expected"):
        return (
            f"the indentation does not line up ({tok_en or 'an item'} where the block should end); items of one "
            "level start in the same column",
            f"들여쓰기가 맞지 않습니다({particle(tok_ko or '항목', '이/가')} 블록이 끝나야 할 곳에 있습니다). 같은 단계의 "
            "항목은 같은 칸에서 시작해야 합니다",
        )
    if problem == "mapping values are not allowed here":
        return (
            "a 'key: value' cannot start here: the indentation is off, or a value holds a colon and needs quotes",
            "여기에는 '키: 값'이 올 수 없습니다. 들여쓰기가 어긋났거나, 값 안의 콜론(:)을 따옴표로 감싸야 합니다",
        )
    if problem == "block sequence entries are not allowed here":
        return (
            "a list item '- ' cannot start here: check the indentation",
            "여기에는 목록 항목('- ')이 올 수 없습니다. 들여쓰기를 확인하세요",
        )
    if problem.startswith("could not find expected ':'"):
        return "a key has no ':' after it", "키 뒤에 콜론(:)이 없습니다"
    if problem == "found unexpected end of stream" and "quoted" in context:
        return "a quote is opened and never closed", "따옴표가 열린 채 닫히지 않았습니다"
    escape = re.match(r"found unknown escape character (.+)$", problem)
    if escape:
        char = escape.group(1).strip("'\"")
        return (
            f"'\\{char}' is not an escape inside double quotes: write '\\\\' or use single quotes",
            f"큰따옴표 안의 '\\{char}'는 쓸 수 없는 이스케이프입니다. 역슬래시는 '\\\\'로 쓰거나 작은따옴표를 쓰세요",
        )
    if "tab character" in problem or problem.startswith("found character '\\t'"):
        return "a tab character: indent with spaces", "탭 문자가 있습니다. 들여쓰기는 공백으로 하세요"
    start = re.match(r"found character (.+) that cannot start any token", problem)
    if start:
        char = start.group(1).strip("'\"")
        return (
            f"a value cannot start with '{char}' unless it is in quotes",
            f"'{char}'(으)로 시작하는 값은 따옴표로 감싸야 합니다",
        )
    alias = re.match(r"found undefined alias (.+)$", problem)
    if alias:
        name = alias.group(1).strip("'\"")
        return (
            f"'*{name}' refers to no '&{name}' before it",
            f"별칭 '*{name}'에 해당하는 앵커 '&{name}' 정의가 앞에 없습니다",
        )
    if context.startswith("found duplicate anchor"):
        name = context.split("anchor", 1)[1].split(";")[0].strip().strip("'\"")
        return f"the anchor '&{name}' is defined twice", f"같은 앵커 '&{name}' 정의가 두 번 있습니다"
    if problem == "found unhashable key":
        return "a list or mapping cannot be a key", "목록이나 매핑은 키로 쓸 수 없습니다"
    tag = re.match(r"could not determine a constructor for the tag (.+)$", problem)
    if tag:
        name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        return (
            f"the tag {name} is not allowed: remove it",
            f"태그 {particle(name, '은/는')} 쓸 수 없습니다. 지우세요",
        )
    if problem == "but found another document":
        return (
            "the text holds more than one document ('---'): keep one",
            "문서가 둘 이상입니다('---' 구분선). 하나만 넣으세요",
        )
    if problem.startswith("expected '<document start>'"):
        return (
            f"{tok_en} after the text's first value has ended: the rest is not part of it",
            f"문서의 첫 값이 끝난 뒤에 {particle(tok_ko, '이/가')} 더 있습니다",
        )
    if problem.startswith("expected the node content"):
        return f"{tok_en} where a value should be", f"값이 올 자리에 {particle(tok_ko, '이/가')} 있습니다"
    if problem.startswith("expected a comment or a line break"):
        return (
            f"{tok_en} after a value: a value ends at a comment or the line's end",
            f"값 뒤에 {particle(tok_ko, '이/가')} 있습니다. 값 뒤에는 주석이나 줄바꿈만 올 수 있습니다",
        )
    return (
        f"{problem}; check the indentation, colons and brackets there",
        f"문법 오류({problem}). 그 위치의 들여쓰기, 콜론, 괄호를 확인하세요",
    )


def yaml_position(exc: Exception) -> tuple[int | None, int | None]:
    """1-based line and column where PyYAML noticed an error, or (None, None)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def not_a_number(exc: Exception) -> tuple[str, str]:
    """What a failed int()/float() or a missing row says, in words a person reads: "'garbage' is not a whole
    number" instead of Python's "invalid literal for int() with base 10: 'garbage'"."""
    if isinstance(exc, IndexError):
        return "a line is missing", "줄이 모자랍니다"
    text = str(exc)
    found = re.search(r"(?:for int\(\) with base \d+|to float): (.*)$", text)
    value = found.group(1) if found else repr(text)
    return f"{value} is not a whole number", f"{value}은(는) 정수가 아닙니다"


def check_keys(raw: Mapping, known: tuple[str, ...], where: str, *, code: str, **location: Any) -> None:
    """Refuse a key of a hand-written mapping (YAML, JSON) that is not one of `known`, naming the closest known one:
    a typo such as 'afer' or 'deu' was dropped without a word, and the answer ignored what the user wrote."""
    unknown = [str(k) for k in raw if str(k) not in known]
    if not unknown:
        return
    key = unknown[0]
    close = difflib.get_close_matches(key, known, n=1)
    at = f"{where}: " if where else ""
    raise InvalidInput(
        f"{at}unknown key {key!r}{f' (did you mean {close[0]!r}?)' if close else ''}; the keys here are "
        f"{', '.join(known)}",
        f"{at}알 수 없는 키 {key!r}입니다{f' ({close[0]!r}인가요?)' if close else ''}. 여기에 쓸 수 있는 키: "
        f"{', '.join(known)}",
        code=code,
        field=f"{where}.{key}" if where else key,
        **location,
    )
