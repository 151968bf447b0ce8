"""Reading what users hand the twin — YAML/JSON text and files, whole numbers — into plain data, or an `InvalidInput`
that says what was wrong, where (file, line, column, field) and how to fix it, in English and Korean.

Every twin reader (line models, shop orders, line-balancing problems, design spaces) goes through here, so a typo in
any of them gets the same kind of message and never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sandan.domain import InvalidInput
from sandan.domain.errors import yaml_position, yaml_problem
from sandan.domain.korean import particle
from sandan.domain.yamltext import read_yaml


def _at(line: int | None, column: int | None) -> tuple[str, str]:
    if line is None:
        return "", ""
    return f" at line {line}, column {column}", f" ({line}행 {column}열)"


def load_yaml(
    text: str, what_en: str, what_ko: str, *, field: str | None = None, file: str | None = None
) -> Any:
    """Parse YAML text (JSON is YAML too); a syntax error names the line and column and says how to fix it."""
    try:
        return read_yaml(text)
    except yaml.YAMLError as exc:
        line, column = yaml_position(exc)
        at_en, at_ko = _at(line, column)
        problem_en, problem_ko = yaml_problem(exc)
        raise InvalidInput(
            f"{what_en} is not valid YAML{at_en}: {problem_en}",
            f"{particle(what_ko, '이/가')} 올바른 YAML이 아닙니다{at_ko}: {problem_ko}",
            code="bad_yaml",
            field=field,
            file=file,
            line=line,
            column=column,
        ) from None
    except RecursionError:
        raise InvalidInput(
            f"{what_en} nests brackets or lists too deeply to read; a line, schedule or design needs only a few levels",
            f"{what_ko}의 괄호나 목록이 너무 깊게 겹쳐 읽을 수 없습니다. 라인·일정·설계에는 몇 단계면 충분합니다",
            code="bad_yaml",
            field=field,
            file=file,
        ) from None


def load_json(text: str, what_en: str, what_ko: str, *, file: str | None = None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at_en, at_ko = _at(exc.lineno, exc.colno)
        raise InvalidInput(
            f"{what_en} is not valid JSON{at_en}: {exc.msg}",
            f"{particle(what_ko, '이/가')} 올바른 JSON이 아닙니다{at_ko}: {exc.msg}",
            code="bad_json",
            file=file,
            line=exc.lineno,
            column=exc.colno,
        ) from None
    except RecursionError:
        raise InvalidInput(
            f"{what_en} nests brackets too deeply to read",
            f"{what_ko}의 괄호가 너무 깊게 겹쳐 읽을 수 없습니다",
            code="bad_json",
            file=file,
        ) from None


def read_bytes(path: str | Path) -> bytes:
    """A file's contents, or a message that it is missing, a folder or unreadable."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(
            f"file {path} does not exist; check the path",
            f"파일 {path}이(가) 없습니다. 경로를 확인하세요",
            code="file_not_found",
            file=str(path),
        )
    if path.is_dir():
        raise InvalidInput(
            f"{path} is a folder; give a file",
            f"{path}은(는) 폴더입니다. 파일을 주세요",
            code="not_a_file",
            file=str(path),
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            f"cannot read {path}: {exc.strerror or exc}",
            f"{path} 파일을 읽을 수 없습니다: {exc.strerror or exc}",
            code="unreadable_file",
            file=str(path),
        ) from None


def read_text(path: str | Path) -> str:
    """A text file's contents, or a message that it is missing, a folder, unreadable or not UTF-8 text."""
    content = read_bytes(path)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8",
            f"{path}이(가) UTF-8 텍스트가 아닙니다 ({exc.start}번째 바이트). UTF-8로 저장하세요",
            code="not_text",
            file=str(path),
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads a Windows file


def read_data_file(path: str | Path, what_en: str, what_ko: str) -> Any:
    """A `.json` file as JSON, anything else as YAML."""
    path = Path(path)
    text = read_text(path)
    if path.suffix.lower() == ".json":
        return load_json(text, f"{what_en} {path.name}", f"{what_ko} {path.name}", file=str(path))
    return load_yaml(text, f"{what_en} {path.name}", f"{what_ko} {path.name}", file=str(path))


def whole(
    value: Any,
    name: str | tuple[str, str],
    *,
    minimum: int | None = 0,
    field: str | None = None,
    **where: Any,
) -> int:
    """A whole number (an integral float such as 3.0 counts), else a message naming `name` (English and Korean, or
    one name for both) and the value."""
    name_en, name_ko = name if isinstance(name, tuple) else (name, name)
    ok = isinstance(value, int) and not isinstance(value, bool)
    if not ok and isinstance(value, float) and value.is_integer():
        value, ok = int(value), True
    if not ok or (minimum is not None and value < minimum):
        bound_en = f" ≥ {minimum}" if minimum is not None else ""
        bound_ko = f"{minimum} 이상의 " if minimum is not None else ""
        raise InvalidInput(
            f"{name_en} must be a whole number{bound_en}, got {value!r}",
            f"{particle(name_ko, '은/는')} {bound_ko}정수여야 합니다 (값: {value!r})",
            code="bad_number",
            field=field,
            **where,
        )
    return int(value)


# ---- durations as short text: the line editor's cells and scenario changes ---------------------------------
# the words a duration may start with ("exponential 30", "tri 20 30 45", "empirical 12 14 15")
_ALIASES = {
    "exp": "exponential",
    "exponential": "exponential",
    "normal": "normal",
    "lognormal": "lognormal",
    "tri": "triangular",
    "triangular": "triangular",
    "uniform": "uniform",
    "empirical": "empirical",
    "trace": "trace",
    "fixed": "deterministic",
    "deterministic": "deterministic",
}
# each distribution's fields, as the line model's `Dist` requires them
DIST_FIELDS: dict[str, tuple[str, ...]] = {
    "deterministic": ("mean",),
    "exponential": ("mean",),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "empirical": ("values",),
    "trace": ("values",),
}
# ... those given by numbers in the short text ("lognormal 45 10"); a list of values is written out
_PARAMS = {kind: fields for kind, fields in DIST_FIELDS.items() if fields != ("values",)}


def short_number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, int | float) and not isinstance(x, bool) else str(x)


def dist_text(value: Any, bare: str = "deterministic") -> str:
    """A duration as the form shows it: `30`, `exponential 30`, `lognormal 45 10`, `triangular 60 90 180`,
    `empirical 12 14 15`. `bare` is the kind a plain number means in this field (failures: exponential)."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return short_number(value)
    if isinstance(value, Mapping):
        kind = value.get("kind", "deterministic")
        if kind == bare and set(value) <= {"kind", "mean"} and "mean" in value:
            return short_number(value["mean"])
        if kind in _PARAMS and all(value.get(p) is not None for p in _PARAMS[kind]):
            if set(value) - {"kind", *_PARAMS[kind]} - {k for k, v in value.items() if v is None}:
                return yaml.safe_dump(dict(value), default_flow_style=True, allow_unicode=True).strip()
            return " ".join([kind, *(short_number(value[p]) for p in _PARAMS[kind])])
        if kind in ("empirical", "trace") and isinstance(value.get("values"), list | tuple):
            return " ".join([kind, *(short_number(v) for v in value["values"])])
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()


def parse_dist(text: str, field: str, bare: str = "deterministic") -> Any:
    """The form's duration text back to the line model's form; a mistake names the field in both languages."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            return read_yaml(text)
        except yaml.YAMLError:
            pass
    words = text.replace(",", " ").split()
    try:
        if len(words) == 1:
            number = float(words[0])
            return number if bare == "deterministic" else {"kind": bare, "mean": number}
        kind = _ALIASES.get(words[0].lower())
        numbers = [float(w) for w in words[1:]]
    except ValueError:
        kind, numbers = None, []
    if kind in ("empirical", "trace") and numbers:
        return {"kind": kind, "values": numbers}
    if kind in _PARAMS and len(numbers) == len(_PARAMS[kind]):
        return {"kind": kind, **dict(zip(_PARAMS[kind], numbers, strict=True))}
    raise InvalidInput(
        f"cannot read {text!r} as a time; write a number of seconds (30) or a distribution such as "
        "'exponential 30', 'normal 30 3', 'lognormal 45 10', 'triangular 20 30 45', 'uniform 20 40'",
        f"{text!r}을(를) 시간으로 읽을 수 없습니다. 초 단위 숫자(30)나 'exponential 30', 'normal 30 3', "
        "'lognormal 45 10', 'triangular 20 30 45', 'uniform 20 40' 같은 분포로 쓰세요",
        code="bad_line_model",
        field=field,
    )


DURATION_KINDS = frozenset(_ALIASES)
# the line model's fields that hold a duration (the last part of a change's path)
DURATION_FIELDS = frozenset(
    {"process_time", "setup_time", "mtbf", "mttr", "every", "lasting", "interarrival", "time"}
)
