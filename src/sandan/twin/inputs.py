"""Reading what users hand the twin — YAML/JSON text and files, whole numbers — into plain data, or an `InvalidInput`
that says what was wrong, where (file, line, column, field) and how to fix it, in English and Korean.

Every twin reader (line models, shop orders, line-balancing problems, design spaces) goes through here, so a typo in
any of them gets the same kind of message and never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from sandan.domain import InvalidInput


def yaml_position(exc: yaml.YAMLError) -> tuple[int | None, int | None, str]:
    """1-based line and column of a YAML error (where the parser noticed it) and its problem in words."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or "syntax error"
    return line, column, str(problem)


def _at(line: int | None, column: int | None) -> tuple[str, str]:
    if line is None:
        return "", ""
    return f" at line {line}, column {column}", f" ({line}행 {column}열)"


def load_yaml(
    text: str, what_en: str, what_ko: str, *, field: str | None = None, file: str | None = None
) -> Any:
    """Parse YAML text (JSON is YAML too); a syntax error names the line and column and says how to fix it."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line, column, problem = yaml_position(exc)
        at_en, at_ko = _at(line, column)
        raise InvalidInput(
            f"{what_en} is not valid YAML{at_en}: {problem}; check the indentation, colons and brackets there",
            f"{what_ko}이(가) 올바른 YAML이 아닙니다{at_ko}: {problem}. 그 위치의 들여쓰기, 콜론, 괄호를 확인하세요",
            code="bad_yaml",
            field=field,
            file=file,
            line=line,
            column=column,
        ) from None


def load_json(text: str, what_en: str, what_ko: str, *, file: str | None = None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at_en, at_ko = _at(exc.lineno, exc.colno)
        raise InvalidInput(
            f"{what_en} is not valid JSON{at_en}: {exc.msg}",
            f"{what_ko}이(가) 올바른 JSON이 아닙니다{at_ko}: {exc.msg}",
            code="bad_json",
            file=file,
            line=exc.lineno,
            column=exc.colno,
        ) from None


def read_text(path: str | Path) -> str:
    """A text file's contents, or a message that it is missing, a folder, unreadable or not UTF-8 text."""
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
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8",
            f"{path}이(가) UTF-8 텍스트가 아닙니다 ({exc.start}번째 바이트). UTF-8로 저장하세요",
            code="not_text",
            file=str(path),
        ) from None
    except OSError as exc:
        raise InvalidInput(
            f"cannot read {path}: {exc.strerror or exc}",
            f"{path} 파일을 읽을 수 없습니다: {exc.strerror or exc}",
            code="unreadable_file",
            file=str(path),
        ) from None


def read_data_file(path: str | Path, what_en: str, what_ko: str) -> Any:
    """A `.json` file as JSON, anything else as YAML."""
    path = Path(path)
    text = read_text(path)
    if path.suffix.lower() == ".json":
        return load_json(text, f"{what_en} {path.name}", f"{what_ko} {path.name}", file=str(path))
    return load_yaml(text, f"{what_en} {path.name}", f"{what_ko} {path.name}", file=str(path))


def whole(value: Any, name: str, *, minimum: int | None = 0, field: str | None = None, **where: Any) -> int:
    """A whole number (an integral float such as 3.0 counts), else a message naming `name` and the value."""
    ok = isinstance(value, int) and not isinstance(value, bool)
    if not ok and isinstance(value, float) and value.is_integer():
        value, ok = int(value), True
    if not ok or (minimum is not None and value < minimum):
        bound_en = f" ≥ {minimum}" if minimum is not None else ""
        bound_ko = f"{minimum} 이상의 " if minimum is not None else ""
        raise InvalidInput(
            f"{name} must be a whole number{bound_en}, got {value!r}",
            f"{name}은(는) {bound_ko}정수여야 합니다 (값: {value!r})",
            code="bad_number",
            field=field,
            **where,
        )
    return int(value)
