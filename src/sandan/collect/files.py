"""File import: CSV/TSV (UTF-8, UTF-8-BOM, CP949), Excel .xlsx and Parquet, previewed, mapped and streamed in chunks.

It reads files and maps their columns to the canonical fields; all checks and storage happen in `collect.ingest`.
"""

from __future__ import annotations

import base64
import codecs
import csv
import hashlib
import inspect
import io
import itertools
import json
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sandan.collect.ingest import (
    CLOCK_ONLY,
    INGESTERS,
    MEASURE_PREFIX,
    PARAM_PREFIX,
    Origin,
    Receipt,
    as_text,
    excel_serials,
    ingest_readings,
    time_zone,
)
from sandan.domain import InvalidInput
from sandan.domain.errors import english_reason, korean_reason, yaml_position, yaml_problem
from sandan.domain.korean import particle
from sandan.domain.yamltext import read_yaml
from sandan.store import QuarantineItem, Store

SAMPLE_BYTES = 256 * 1024
SIGNAL_PREFIX = "signal:"
PLAIN_ROLES = (
    "time",
    "date",
    "machine_id",
    "signal",
    "value",
    "unit",
    "part_id",
    "lot_id",
    "product",
    "result",
    "defect_type",
    "start",
    "end",
    "state",
    "reason_code",
    "note",
    "ignore",
)
NAMED_ROLES = (PARAM_PREFIX, MEASURE_PREFIX, SIGNAL_PREFIX)
Kind = Literal["reading", "part", "event"]
Layout = Literal["long", "wide"]

# Header spellings seen in Korean factories' spreadsheets and MES exports (compared without spaces, _ - . or case).
# fmt: off
HEADER_ROLES: dict[str, tuple[str, ...]] = {
    "time": (
        "time", "timestamp", "datetime", "date", "ts", "시간", "시각", "일시", "일자", "날짜", "측정시간", "측정시각", "측정일시",
        "생산일시", "생산시간", "수집시간", "수집일시", "등록일시", "생산일자", "생산일", "작업일시", "작업일자", "검사일시",
        "검사일자", "발생일시", "timestamputc", "datetimeutc",
    ),
    "machine_id": (
        "machine", "machineid", "machinename", "equipment", "equipmentid", "eqpid", "asset", "assetid",
        "설비", "설비id", "설비번호", "설비명", "설비코드", "장비", "장비id", "장비명", "기계", "호기",
    ),
    "signal": (
        "signal", "signalname", "tag", "tagname", "sensor", "variable", "신호", "신호명", "태그", "센서", "항목",
    ),
    "value": (
        "value", "val", "reading", "값", "측정값", "수치",
    ),
    "unit": (
        "unit", "units", "단위",
    ),
    "part_id": (
        "partid", "part", "serial", "serialno", "serialnumber", "sn", "barcode", "부품", "부품id", "부품번호", "시리얼",
        "시리얼번호", "일련번호", "바코드",
    ),
    "lot_id": (
        "lot", "lotid", "lotno", "lotnumber", "로트", "로트번호", "lot번호",
    ),
    "product": (
        "product", "productid", "productcode", "item", "itemcode", "partno", "partnumber", "model", "품번",
        "품목", "품명", "제품", "제품명", "제품코드", "모델",
    ),
    "result": (
        "result", "judgement", "judgment", "judge", "okng", "passfail", "quality", "양품", "판정", "결과", "합부",
        "합부판정", "양불", "양불판정", "검사결과",
    ),
    "defect_type": (
        "defect", "defecttype", "defectcode", "ngtype", "ngcode", "failuremode", "불량유형", "불량", "불량명",
        "불량코드", "불량내용", "불량종류",
    ),
    "start": (
        "start", "starttime", "from", "begin", "시작", "시작시간", "시작시각", "시작일시",
    ),
    "end": (
        "end", "endtime", "to", "finish", "종료", "종료시간", "종료시각", "종료일시",
    ),
    "state": (
        "state", "status", "machinestate", "상태", "가동상태", "설비상태",
    ),
    "reason_code": (
        "reason", "reasoncode", "cause", "사유", "사유코드", "비가동사유", "정지사유", "원인",
    ),
    "note": (
        "note", "notes", "comment", "remark", "remarks", "memo", "비고", "메모", "설명",
    ),
}
# fmt: on
_HEADER_INDEX = {spelling: role for role, spellings in HEADER_ROLES.items() for spelling in spellings}


def _header_zone(name: str) -> str | None:
    """The IANA time zone a header names in brackets ('시각 (Asia/Seoul)'), if it names a real one."""
    found = re.search(r"[\[(（]\s*([A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+|UTC)\s*[\])）]", name)
    if not found:
        return None
    try:
        ZoneInfo(found.group(1))
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return found.group(1)


def _header_key(name: str) -> str:
    """'Air temperature [K]' -> 'airtemperature'; '측정 일시' -> '측정일시'."""
    base = re.sub(r"[\[(（].*?[\])）]", "", name)
    return re.sub(r"[\s_\-./:#]+", "", base).lower()


def field_named(column: str) -> str | None:
    """The record field a header names ('설비' → machine_id, 'Result' → result, '측정일시' → time), if any."""
    return _HEADER_INDEX.get(_header_key(column))


def _role_error(column: str, role: str) -> InvalidInput:
    allowed = ", ".join(PLAIN_ROLES) + ", param:<name>, measure:<name>, signal:<name>"
    return InvalidInput(
        f"column {column!r} has the unknown role {role!r}; use one of {allowed}",
        f"열 {column!r}의 역할 {role!r}을(를) 알 수 없습니다. 다음 중 하나를 쓰세요: {allowed}",
        code="bad_mapping",
        column=column,
    )


def _check_role(column: str, role: str) -> str:
    role = role.strip()
    if role in PLAIN_ROLES:
        return role
    for prefix in NAMED_ROLES:
        if role.startswith(prefix) and role[len(prefix) :].strip():
            return prefix + role[len(prefix) :].strip()
    raise _role_error(column, role)


class Mapping(BaseModel):
    """How a file's columns become readings, part records or machine events — the explicit file for repeat imports.

    `columns` maps each file column to a role; a file without a machine column names its `machine_id`; a file
    without a time column gives `start_time` and `interval_s` (time of the first data row and the step between
    rows). A column of the role `date` gives each row's date to a time column holding times of day alone (날짜 +
    시간, as shift logs keep them), and `day` the date of every row of a sheet of one day ('12월01일') whose time
    column has none. `result_values` maps the file's own result spellings (e.g. "1" = failure) to ok / ng.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Kind = "reading"
    layout: Layout = "long"
    columns: dict[str, str] = Field(default_factory=dict)
    timezone: str | None = None
    # how dates such as 5/12/2026 are written: "dmy" (day/month) or "mdy" (month/day); None: a date of the file
    # that can only be read one way (25/12/2026) settles it, and without one such dates are quarantined
    date_order: Literal["dmy", "mdy"] | None = None
    machine_id: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    register_signals: bool = False
    result_values: dict[str, Literal["ok", "ng"]] = Field(default_factory=dict)
    start_time: datetime | None = None
    interval_s: float | None = Field(default=None, gt=0)
    # the date of the rows whose time is a time of day alone: a sheet of one day, its day in the sheet's name
    day: date | None = None

    @field_validator("columns")
    @classmethod
    def _roles(cls, columns: dict[str, str]) -> dict[str, str]:
        return {str(c): _check_role(str(c), str(r)) for c, r in columns.items()}

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str | None) -> str | None:
        # refused when the mapping is read: the import job started and failed on it after a 202
        time_zone(name)
        return name

    @classmethod
    def from_dict(cls, data: Any, where: str = "mapping") -> Mapping:
        """A mapping from plain data (parsed YAML or JSON); mistakes become one clear bilingual error."""
        if not isinstance(data, dict):
            raise InvalidInput(
                f"{where}: a mapping must be a YAML/JSON object with kind, layout and columns",
                f"{where}: 매핑은 kind, layout, columns 항목을 가진 YAML/JSON 객체여야 합니다",
                code="bad_mapping",
                file=where,
            )
        try:
            return cls.model_validate(data)
        except InvalidInput as exc:  # an unknown role, raised by the `columns` validator
            raise InvalidInput(
                f"{where}: {exc.en}", f"{where}: {exc.ko}", code="bad_mapping", **{**exc.where, "file": where}
            ) from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            place = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(  # each language's words (pydantic's English was in the Korean line too)
                f"{where}: {place}: {english_reason(first)} (kind: reading|part|event, layout: long|wide)",
                f"{where}: {place} 항목이 올바르지 않습니다: {korean_reason(first)} (kind: reading|part|event, "
                "layout: long|wide)",
                code="bad_mapping",
                file=where,
                field=place,
            ) from exc

    @classmethod
    def from_yaml(cls, path: Path | str) -> Mapping:
        path = Path(path)
        try:
            data = read_yaml(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InvalidInput(
                f"mapping file {path} does not exist",
                f"매핑 파일 {path}이(가) 없습니다",
                code="bad_mapping",
                file=str(path),
            ) from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            row, _ = yaml_position(exc)
            if isinstance(exc, UnicodeDecodeError):
                problem_en, problem_ko = "it is not UTF-8 text", "UTF-8 텍스트가 아닙니다"
            else:
                problem_en, problem_ko = yaml_problem(exc)
            line, line_ko = (f", line {row}", f" {row}번째 줄") if row is not None else ("", "")
            raise InvalidInput(
                f"mapping file {path.name}{line} is not valid YAML: {problem_en}; save it as UTF-8 text with "
                "'column: role' lines under 'columns:'",
                f"{particle(f'매핑 파일 {path.name}{line_ko}', '이/가')} 올바른 YAML이 아닙니다: {problem_ko}. "
                "'columns:' 아래에 '열 이름: 역할' 형식으로 UTF-8로 저장하세요",
                code="bad_mapping",
                file=path.name,
                row=row,
            ) from exc
        return cls.from_dict(data, where=path.name)

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_defaults=False)
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    def role_of(self, role: str) -> str | None:
        """The file column with `role`, if any."""
        return next((c for c, r in self.columns.items() if r == role), None)


@dataclass
class Preview:
    """What a file looks like and how sandan would read it; the web and API show `to_dict()`."""

    file: str
    format: Literal["csv", "xlsx", "parquet"]
    size_bytes: int
    columns: list[str]
    rows: list[list[Any]]
    roles: dict[str, str]
    kind: Kind
    layout: Layout
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    naive_time: bool = False
    notices: list[dict[str, str]] = field(default_factory=list)
    mapping: Mapping = field(default_factory=Mapping)
    #: the sample rows as read (the table `rows` shows), for `check_sample`
    sample: pa.Table | None = field(default=None, repr=False)
    #: the sample rows through the import's checks, when a store was at hand (`preview_for_company`)
    check: SampleCheck | None = None
    #: rows above the header (a title): the first data row is row `header_row + 2` in Excel
    header_row: int = 0
    #: a workbook's date system (1900 or 1904): numbers in its time columns are Excel dates
    excel_system: int | None = field(default=None, repr=False)
    #: the sample's cells that hold a formula without a saved value: row -> column -> formula
    formulas: dict[int, dict[str, str]] = field(default_factory=dict, repr=False)
    #: empty rows of a sheet skipped before the sample's first row (a long run of them under the header)
    gap: int = field(default=0, repr=False)

    @property
    def needs_timezone(self) -> bool:
        return self.naive_time and not self.mapping.timezone

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "size_bytes": self.size_bytes,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "sheets": list(self.sheets),
            "header_row": self.header_row,
            "columns": list(self.columns),
            "rows": [[_json_cell(v) for v in row] for row in self.rows],
            "roles": dict(self.roles),
            "kind": self.kind,
            "layout": self.layout,
            "naive_time": self.naive_time,
            "needs_timezone": self.needs_timezone,
            "notices": list(self.notices),
            "warnings": [f"{n['en']} / {n['ko']}" for n in self.notices],  # the same notices as plain text
            "mapping": self.mapping.model_dump(mode="json"),
            "check": self.check.to_dict() if self.check is not None else None,
        }


@dataclass
class SampleCheck:
    """A preview's sample rows put through the import's own checks without storing anything: which rows the
    import would reject and why, or the problem that would stop it (`error`)."""

    rows: int  # sample rows checked
    issues: list[dict[str, Any]] = field(default_factory=list)  # as a receipt's: row, column, code, message
    reasons: dict[str, int] = field(default_factory=dict)
    error: dict[str, str] | None = None  # code, en, ko
    #: the signals the import would define ("imm-05/A"), when the mapping says to define new ones
    new_signals: list[str] = field(default_factory=list)

    def by_row(self) -> dict[int, list[dict[str, Any]]]:
        """Excel row number -> its distinct issues (a bad time in a wide sheet is one issue per signal column)."""
        out: dict[int, list[dict[str, Any]]] = {}
        for issue in self.issues:
            if "row" not in issue:
                continue
            seen = out.setdefault(issue["row"], [])
            if all((i["column"], i["code"]) != (issue["column"], issue["code"]) for i in seen):
                seen.append(issue)
        return out

    @property
    def rejected_rows(self) -> int:
        return len(self.by_row())

    def common_reason(self) -> dict[str, str] | None:
        """When most sample rows would be rejected and one reason covers them all (every date of the file in a
        layout the mapping cannot read, a machine column that names no machine), that reason and how to fix it in
        the mapping: code, en, ko. One cause is then most likely the mapping's, not the file's rows'."""
        rows = self.by_row()
        if not rows or len(rows) * 2 < self.rows:
            return None
        codes = {i["code"] for issues in rows.values() for i in issues}
        if len(codes) != 1:
            return None
        code = codes.pop()
        columns = sorted(
            {str(i.get("column")) for issues in rows.values() for i in issues if i.get("column")}
        )
        column = ", ".join(columns) or "?"
        from sandan.domain.validation import reason_title

        title = reason_title(code) or (code, code)
        fix_en, fix_ko = _MAPPING_FIXES.get(code, _MAPPING_FIXES[""])
        return {
            "code": code,
            "column": column,
            "en": f"all {len(rows)} rejected rows have one cause — {title[0]} (column {column}): "
            + fix_en.format(column=column),
            "ko": f"거부되는 {len(rows)}행의 원인은 모두 같습니다 — {title[1]} ({column} 열): "
            + fix_ko.format(column=column),
        }

    def summary(self) -> dict[str, str]:
        if self.error is not None:
            return {
                "en": f"the import would stop: {self.error['en']}",
                "ko": f"이대로는 가져오기가 중단됩니다: {self.error['ko']}",
            }
        bad, n = self.rejected_rows, self.rows
        if not bad:
            return {
                "en": f"the first {n} rows pass the import's checks",
                "ko": f"처음 {n}행은 모두 가져오기 검사를 통과합니다",
            }
        common = self.common_reason()
        if common is not None:
            return {
                "en": f"{bad} of the first {n} rows would be rejected: {common['en']}",
                "ko": f"처음 {n}행 중 {bad}행은 가져올 때 거부됩니다: {common['ko']}",
            }
        return {
            "en": f"{bad} of the first {n} rows would be rejected — fix them in the file or change the mapping; "
            "the import keeps every rejected row in quarantine",
            "ko": f"처음 {n}행 중 {bad}행은 가져올 때 거부됩니다 — 파일에서 고치거나 매핑을 바꾸세요. 거부된 행은 "
            "모두 격리함에 보관됩니다",
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "rejected_rows": self.rejected_rows,
            "reasons": dict(self.reasons),
            "issues": list(self.issues),
            "error": self.error,
            "common_reason": self.common_reason(),
            "new_signals": list(self.new_signals),
            "summary": self.summary(),
        }


# reason code -> how to fix it in the mapping (English, Korean), when one reason rejects most sample rows
_MAPPING_FIXES: dict[str, tuple[str, str]] = {
    "ambiguous_date": (
        "its dates could be day/month or month/day; choose how dates such as 5/12/2026 are written "
        "(day/month/year or month/day/year) in the mapping and check again",
        "날짜가 일/월인지 월/일인지 알 수 없습니다. 매핑에서 5/12/2026 같은 날짜의 순서(일/월/연 또는 월/일/연)를 고르고 다시 확인하세요",
    ),
    "bad_time": (
        "the column mapped to the time cannot be read as dates and times; check that the right column is the time, "
        "and choose how dates are written (day/month or month/day) in the mapping",
        "시간으로 지정한 열을 날짜·시각으로 읽을 수 없습니다. 맞는 열을 시간으로 지정했는지 확인하고, 매핑에서 날짜 순서(일/월 "
        "또는 월/일)를 고르세요",
    ),
    "number_time": (
        "column {column} holds numbers, not dates and times; if Excel shows them as dates, format the column as a "
        "date (yyyy-mm-dd hh:mm) in Excel before saving the CSV, or import the .xlsx workbook itself",
        "{column} 열에 날짜·시각이 아니라 숫자가 있습니다. 엑셀에서 날짜로 보인다면 CSV로 저장하기 전에 그 열의 표시 형식을 "
        "날짜(yyyy-mm-dd hh:mm)로 바꾸거나, .xlsx 통합 문서를 그대로 가져오세요",
    ),
    "time_without_date": (
        "column {column} holds times of day without a date; map the date column to 'date', or give the day of the "
        "sheet in the mapping",
        "{column} 열에 날짜 없이 시각만 있습니다. 날짜 열을 '날짜'(date) 역할로 지정하거나, 매핑에 시트의 날짜를 적으세요",
    ),
    "summary_row": (
        "these rows are totals or summaries (합계, 평균), not records: they are kept out of the data, so delete them "
        "from the sheet or leave them",
        "이 행들은 기록이 아니라 합계·요약(합계, 평균) 행이라 데이터에 넣지 않습니다. 시트에서 지우거나 그대로 두세요",
    ),
    "formula_no_value": (
        "column {column} holds formulas without a saved value; open the file in Excel, save it there and check again",
        "{column} 열에 저장된 값이 없는 수식이 있습니다. 엑셀에서 열어 저장한 뒤 다시 확인하세요",
    ),
    "naive_time": (
        "the times carry no time zone; give the plant's time zone (e.g. Asia/Seoul) in the mapping",
        "시각에 시간대가 없습니다. 매핑에서 공장의 시간대(예: Asia/Seoul)를 지정하세요",
    ),
    "future_time": (
        "the times lie in the future; check the time zone and the date order (day/month or month/day) in the mapping",
        "시각이 미래입니다. 매핑의 시간대와 날짜 순서(일/월 또는 월/일)를 확인하세요",
    ),
    "unknown_machine": (
        "the column mapped to the machine names no registered machine; map the right column to the machine, or "
        "choose the machine for the whole file",
        "설비로 지정한 열에 등록된 설비가 없습니다. 맞는 열을 설비로 지정하거나 파일 전체의 설비를 고르세요",
    ),
    "unknown_signal": (
        "these signals are not defined on the machine; check the columns mapped to signals, or tick 'define new "
        "signals' to define them (the preview then lists them)",
        "신호가 설비에 정의되어 있지 않습니다. 신호로 지정한 열을 확인하거나, '새 신호 자동 등록'을 선택해 정의하세요 "
        "(미리보기에 정의될 신호가 나옵니다)",
    ),
    "bad_number": (
        "column {column} holds no numbers; give it another role (or 'ignore') in the mapping",
        "{column} 열에 숫자가 없습니다. 매핑에서 다른 역할(또는 '무시')을 지정하세요",
    ),
    "bad_result": (
        "the result column's values are not ok / ng; check that the right column is mapped to the result",
        "판정 열의 값이 ok / ng가 아닙니다. 맞는 열을 판정으로 지정했는지 확인하세요",
    ),
    "bad_state": (
        "the state column's values are no machine states; check that the right column is mapped to the state",
        "상태 열의 값이 설비 상태가 아닙니다. 맞는 열을 상태로 지정했는지 확인하세요",
    ),
    "missing_field": (
        "column {column} is empty in these rows; check that the right column has that role in the mapping",
        "이 행들에서 {column} 열이 비어 있습니다. 매핑에서 맞는 열에 그 역할을 지정했는지 확인하세요",
    ),
    "": (
        "check the column with that role in the mapping",
        "매핑에서 그 역할의 열을 확인하세요",
    ),
}


def _json_cell(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if np.isfinite(v) else None
    if isinstance(v, datetime | date):
        return v.isoformat()
    return str(v)


# ---- whole-file problems -------------------------------------------------------------------------------------


def _file_facts(path: Path) -> dict[str, Any]:
    """Name, size, checksum and the first bytes (as text where possible) — enough to find the file again."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                if not head:
                    head = block[:200]
                digest.update(block)
                size += len(block)
    except OSError:
        return {"file": path.name, "size": None, "sha256": None, "head": None}
    facts: dict[str, Any] = {"file": path.name, "size": size, "sha256": digest.hexdigest()}
    text = _text_head(head)
    if text is not None:
        facts["head"] = text
    else:  # a workbook, an archive, a binary file: its bytes kept as bytes, never shown as text
        facts["head_base64"] = base64.b64encode(head).decode("ascii")
    return facts


def _text_head(head: bytes) -> str | None:
    """The first bytes of a file as text, when they are text (UTF-8 or CP949, no control characters); None for
    binary bytes (a .xlsx starts "PK\\x03\\x04")."""
    for encoding in ("utf-8", "cp949"):
        try:
            text = codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
            return text
    return None


def _fail(
    store: Store | None,
    company_id: str | None,
    path: Path,
    source: str,
    kind: str,
    error: InvalidInput,
    batch_id: str = "",
) -> InvalidInput:
    """Record a whole-file reject in quarantine (nothing is dropped silently) and return the error to raise."""
    if store is not None and company_id is not None:
        location = {"file": path.name, **{k: v for k, v in error.where.items() if k != "file"}}
        raw = json.dumps({**_file_facts(path), "kind": kind}, ensure_ascii=False)
        store.add_quarantine(
            company_id,
            [QuarantineItem(source, "file", raw, error.code, error.en, error.ko, location, batch_id)],
            check_registered=True,
        )
    return error


def reject_file(
    store: Store, company_id: str, path: Path, source: str, kind: str, error: InvalidInput
) -> InvalidInput:
    """Keep a file an import refused before reading its rows (unreadable, binary, empty) in quarantine as a whole-file
    reject, as `import_file` keeps the ones it refuses; returns the error to raise."""
    return _fail(store, company_id, path, source, kind, error, uuid.uuid4().hex[:12])


def _empty(name: str) -> InvalidInput:
    return InvalidInput(
        f"file {name} is empty: it has no header row and no data; export the sheet again with its header row",
        f"파일 {name}이(가) 비어 있습니다: 머리글 행도 데이터도 없습니다. 머리글 행을 포함해 다시 내보내세요",
        code="empty_file",
        file=name,
    )


def _no_rows(name: str) -> InvalidInput:
    return InvalidInput(
        f"file {name} has a header row but no data rows",
        f"파일 {name}에 머리글 행만 있고 데이터 행이 없습니다",
        code="empty_file",
        file=name,
    )


def _undecodable(name: str, encoding: str, detail: tuple[str, str]) -> InvalidInput:
    return InvalidInput(
        f"file {name} cannot be read as {encoding} text ({detail[0]}); if Korean Excel saved it, choose encoding "
        "cp949 (or save as 'CSV UTF-8'); if it is not a CSV/TSV file, upload .xlsx or .parquet instead",
        f"파일 {name}을(를) {encoding} 텍스트로 읽을 수 없습니다 ({detail[1]}). 한글 엑셀에서 저장했다면 인코딩을 cp949로 "
        "고르거나 'CSV UTF-8'로 다시 저장하세요. CSV/TSV가 아니라면 .xlsx 또는 .parquet 파일을 올리세요",
        code="bad_encoding",
        file=name,
    )


def _binary(name: str) -> InvalidInput:
    """A file of bytes that no text has (NUL): no encoding reads it, so the advice is the file's kind, not one."""
    return InvalidInput(
        f"file {name} holds binary data, not text: it is no CSV/TSV file; upload an .xlsx or .parquet file (an old "
        ".xls or another program's file: open it in Excel and save it as 'Excel Workbook (*.xlsx)' or 'CSV UTF-8')",
        f"파일 {name}은(는) 텍스트가 아닌 이진 데이터입니다. CSV/TSV 파일이 아니므로 .xlsx 또는 .parquet 파일을 올리세요 "
        "(옛 .xls나 다른 프로그램의 파일은 엑셀에서 열어 'Excel 통합 문서(*.xlsx)'나 'CSV UTF-8'로 저장하세요)",
        code="bad_encoding",
        file=name,
    )


# ---- format and text detection ----------------------------------------------------------------------------


def _format_of(name: str, head: bytes) -> Literal["csv", "xlsx", "parquet"]:
    lower = name.lower()
    if head.startswith(b"PAR1") or lower.endswith((".parquet", ".pq")):
        return "parquet"
    if head.startswith(b"PK\x03\x04") or lower.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except (LookupError, ValueError) as exc:  # ValueError: a name with a NUL in it
        raise InvalidInput(
            f"unknown text encoding {encoding!r}; use utf-8, utf-8-sig or cp949",
            f"알 수 없는 인코딩 {encoding!r}입니다. utf-8, utf-8-sig 또는 cp949를 쓰세요",
            code="bad_encoding",
        ) from exc


def _decode_sample(sample: bytes, encoding: str, complete: bool) -> str:
    """Decode the first bytes; a multi-byte character cut at the sample's end is not an error."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    return decoder.decode(sample, final=complete)


def _detect_encoding(sample: bytes, name: str, complete: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        raise _undecodable(
            name,
            "UTF-8/cp949",
            ("it is UTF-16, Excel's 'Unicode text'", "UTF-16, 엑셀의 '유니코드 텍스트'입니다"),
        )
    if b"\x00" in sample[:4096]:
        raise _binary(name)
    try:
        _decode_sample(sample, "utf-8", complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise _undecodable(name, "text", ("no known encoding fits", "맞는 인코딩이 없습니다"))
    found = _codec(best.encoding)
    # Korean Excel writes CP949, a superset of EUC-KR; reading EUC-KR guesses as CP949 loses nothing.
    return "cp949" if found in ("euc_kr", "cp949", "johab", "iso2022_kr") else found


def _detect_delimiter(text: str, name: str) -> str:
    lower = name.lower()
    if lower.endswith((".tsv", ".tab")):
        return "\t"
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    best, best_score = ",", -1
    readable = 0
    for d in (",", "\t", ";", "|"):
        try:
            counts = [len(next(csv.reader([ln], delimiter=d))) - 1 for ln in lines]
        except csv.Error:
            # a field past the csv module's limit (128 KB) for this delimiter: not this file's delimiter
            continue
        readable += 1
        if not counts or counts[0] == 0:
            continue
        score = sum(1 for c in counts if c == counts[0]) * 1000 + counts[0]
        if score > best_score:
            best, best_score = d, score
    if not readable:
        raise _line_too_long(name)
    return best


def _line_too_long(name: str) -> InvalidInput:
    limit = csv.field_size_limit() // 1024
    return InvalidInput(
        f"file {name} has a line or field longer than {limit} KB in its first part, whatever the delimiter (comma, "
        "tab, semicolon or |): it does not look like a CSV/TSV export; check that the file is a CSV export of a "
        "table, or upload it as .xlsx or .parquet",
        f"파일 {name}의 앞부분에 구분자(쉼표, 탭, 세미콜론, |)와 상관없이 {limit} KB보다 긴 줄이나 칸이 있어 CSV/TSV로 "
        "내보낸 파일로 보이지 않습니다. 표를 CSV로 내보낸 파일인지 확인하거나 .xlsx 또는 .parquet 파일로 올리세요",
        code="line_too_long",
        file=name,
    )


def _unique_names(names: list[Any]) -> list[str]:
    """Header cells as column names: blanks get 'column_<n>', repeats get a suffix, as a user would name them."""
    out: list[str] = []
    for i, raw in enumerate(names):
        base = ("" if raw is None else str(raw)).strip() or f"column_{i + 1}"
        name, k = base, 2
        while name in out:
            name, k = f"{base}_{k}", k + 1
        out.append(name)
    return out


# ---- role detection -------------------------------------------------------------------------------------------


#: A column is numbers when at least this share of its filled cells are: a typo ("빠름") in a column of settings is
#: a bad cell the import rejects with its row, not a reason to leave the whole column out; a column of operator
#: numbers with a few names in it (8 of 10) stays text.
NUMERIC_SHARE = 0.9
#: What factory sheets write in a cell that holds nothing ("not measured"), read as empty: pyarrow's own marks
#: ("", "NA", "N/A", "null", "NaN", …) and the dashes and Korean words people type.
BLANK_MARKS = (*pacsv.ConvertOptions().null_values, "-", "--", "—", "–", "없음", "미측정", "해당없음")
_BLANK = frozenset(m.casefold() for m in BLANK_MARKS)


def _looks_numeric(values: list[Any]) -> bool:
    seen = numbers = 0
    for v in values:
        if v is None or (isinstance(v, str) and v.strip().casefold() in _BLANK):
            continue
        if isinstance(v, bool):
            return False
        seen += 1
        if isinstance(v, int | float):
            numbers += 1
            continue
        try:
            # a decimal comma counts: the column is numbers, and the reader refuses those cells (quarantine)
            float(str(v).replace(",", ""))
            numbers += 1
        except ValueError:
            pass
    return numbers > 0 and numbers >= NUMERIC_SHARE * seen


_ZONE_RE = re.compile(r":\d{2}(?:[.,]\d+)?\s*(?:[zZ]|UTC|[+-]\d{2}(?::?\d{2})?)$")


def _naive(values: list[Any]) -> bool:
    for v in values:
        if v is None or v == "":
            continue
        if isinstance(v, datetime):
            return v.tzinfo is None
        if isinstance(v, date):
            return True
        if isinstance(v, str):
            return not _ZONE_RE.search(v.strip())
        return False  # epoch numbers are UTC
    return False


def guess_mapping(columns: list[str], rows: list[list[Any]]) -> tuple[dict[str, str], Kind, Layout]:
    """Roles from header names (Korean and English), then kind and layout from the roles found."""
    roles: dict[str, str] = {}
    taken: set[str] = set()
    for c in columns:
        named = next((p for p in NAMED_ROLES if c.startswith(p) and c[len(p) :].strip()), None)
        if named:  # 'param:melt_temp_c': the header says its role (as sandan's own exports write it)
            roles[c] = named + c[len(named) :].strip()
            continue
        role = _HEADER_INDEX.get(_header_key(c))
        if role and role not in taken:
            roles[c] = role
            taken.add(role)
    if "time" not in taken and "start" in taken and "state" not in taken:
        # A lone start column of part or reading data is its time.
        col = next(c for c, r in roles.items() if r == "start")
        roles[col], taken = "time", (taken - {"start"}) | {"time"}
    _pair_date_and_time(columns, rows, roles)
    if taken & {"result", "defect_type"}:
        kind: Kind = "part"
    elif "state" in taken and ({"start", "time"} & taken):
        kind = "event"
        for c, r in list(roles.items()):
            if r == "time":
                roles[c] = "start"
    else:
        kind = "reading"
    layout: Layout = "long" if kind != "reading" or {"signal", "value"} <= taken else "wide"
    for i, c in enumerate(columns):
        if c in roles:
            continue
        numeric = _looks_numeric([r[i] if i < len(r) else None for r in rows])
        if kind == "part" and numeric:
            # a length in mm or µm on a part record is most often what inspection measured ("두께(mm)")
            roles[c] = (MEASURE_PREFIX if _LENGTH_UNIT.search(c) else PARAM_PREFIX) + c
        elif kind == "reading" and layout == "wide" and numeric:
            roles[c] = SIGNAL_PREFIX + c
        else:
            roles[c] = "ignore"
    return roles, kind, layout


def _pair_date_and_time(columns: list[str], rows: list[list[Any]], roles: dict[str, str]) -> None:
    """A column of dates alone beside one of times of day alone (날짜 + 시간, 일자 + 시각, as shift logs keep them):
    the first becomes the rows' `date`, the second their time, and the import joins each row's two. Only a column
    no other role took is paired, and a column of numbers from 0 to 1 (Excel's times kept as numbers) only when its
    header names a time."""
    timed = next((c for c, r in roles.items() if r == "time"), None)
    if timed is None:
        return
    i = columns.index(timed)

    def cells(j: int) -> list[Any]:
        return [r[j] if j < len(r) else None for r in rows]

    for j in (i + 1, i - 1):
        if not 0 <= j < len(columns) or columns[j] in roles:
            continue
        other = columns[j]
        named = _HEADER_INDEX.get(_header_key(other)) == "time"
        if _dates_alone(cells(i)) and _times_of_day(cells(j), named):
            roles[timed], roles[other] = "date", "time"
            return
        if _times_of_day(cells(i), True) and _dates_alone(cells(j)):
            roles[other] = "date"
            return


_DATE_ALONE = re.compile(
    r"^(?:\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}\.?|\d{4}\s*년\s*\d{1,2}\s*월\s*\d{1,2}\s*일|"
    r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{8})(?:\s+0?0:00(?::00)?)?$"
)


def _dates_alone(values: list[Any]) -> bool:
    """Whether a sample column holds dates without a time of day (cells, text, or Excel's day numbers)."""
    seen = [v for v in values if v is not None and v != ""]
    return bool(seen) and all(
        (isinstance(v, datetime) and v.time() == datetime.min.time())
        or (isinstance(v, date) and not isinstance(v, datetime))
        or (isinstance(v, str) and _DATE_ALONE.match(v.strip()) is not None)
        or (isinstance(v, int) and not isinstance(v, bool) and 20_000 <= v < 80_000)
        for v in seen
    )


def _times_of_day(values: list[Any], named: bool) -> bool:
    """Whether a sample column holds times of day without a date (Excel's time cells, "08:00", "오후 1:00"); numbers
    from 0 to 1 count only when the header names a time."""
    seen = [v for v in values if v is not None and v != ""]
    return bool(seen) and all(
        isinstance(v, time)
        or (isinstance(v, str) and re.match(CLOCK_ONLY, v.strip()) is not None)
        or (named and isinstance(v, float) and 0 <= v < 1)
        for v in seen
    )


_LENGTH_UNIT = re.compile(r"[\[(（]\s*(mm|µm|μm|um|㎜|㎛)\s*[\])）]|_(mm|um)$", re.IGNORECASE)


def match_known_roles(roles: dict[str, str], known: dict[str, list[str]]) -> dict[str, str]:
    """`roles` (from `guess_mapping`) with every column that was guessed a parameter of its own name moved to a
    known role (`known`: role → the names people give it, e.g. "measure:warpage_mm" → ["warpage_mm", "휨량 (평면도)",
    "warpage (flatness)"]) whose name the header is, spacing, case and units in brackets aside. So "주축 회전수" joins
    the machines' `param:spindle_speed_rpm`, and "휨량" is taken as the measurement `measure:warpage_mm` — an
    inspection result, which defect models must not read as a setting. A shortened header moves only within its
    kind: "두께(mm)", guessed a measurement, does not become the setting "소재 두께". A header that two known roles
    share, or a role another column already has, stays as guessed."""
    index: dict[str, set[str]] = {}
    for role, names in known.items():
        for name in names:
            if name:
                index.setdefault(_header_key(name), set()).add(role)
    out = dict(roles)
    taken = set(roles.values())
    for column, role in roles.items():
        if role not in (PARAM_PREFIX + column, MEASURE_PREFIX + column):
            continue
        hits = index.get(_header_key(column), set())
        if not hits:  # "Melt temp (°C)" for melt temperature, "중량" for 제품 중량
            prefix = role[: -len(column)]
            hits = {
                r
                for r, names in known.items()
                if (r.startswith(prefix) or prefix == PARAM_PREFIX)
                and any(_short_for(column, n) for n in names if n)
            }
        if len(hits) == 1 and (hit := next(iter(hits))) not in taken:
            out[column] = hit
            taken.add(hit)
    return out


def _short_for(header: str, name: str) -> bool:
    """Whether a header is a shortened form of a known column name, units in brackets aside: word by word the
    start of each of the name's words ("melt temp" → "melt temperature", two letters at least), or — for Korean,
    whose nouns end in their head — the name's letters in order ending as it ends ("용융온도" → "용융 수지 온도",
    "중량" → "제품 중량"; two letters at least)."""
    strip = re.compile(r"[\[(（].*?[\])）]")
    h, n = strip.sub("", header).lower().strip(), strip.sub("", name).lower().strip()
    if not h or not n or _header_key(h) == _header_key(n):
        return False
    if h.isascii() and n.isascii():
        words = re.compile(r"[a-z0-9]+")
        hw, nw = words.findall(h), words.findall(n)
        return len(hw) == len(nw) and all(
            len(a) >= 2 and b.startswith(a) for a, b in zip(hw, nw, strict=True)
        )
    hs, ns = re.sub(r"\s+", "", h), re.sub(r"\s+", "", n)
    if len(hs) < 2 or hs[-1] != ns[-1]:
        return False
    rest = iter(ns)
    return all(c in rest for c in hs)


# ---- readers --------------------------------------------------------------------------------------------------


@dataclass
class _Source:
    """An opened file: its columns and a stream of Arrow chunks (with the progress measure of each)."""

    format: Literal["csv", "xlsx", "parquet"]
    columns: list[str]
    chunks: Iterator[tuple[pa.Table, int]]  # (chunk, progress so far: rows, or bytes of a CSV file)
    total: int | None  # rows, or a CSV file's bytes
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    bad_rows: list[str] = field(default_factory=list)
    #: rows above the header (a sheet's title, a blank line): the header is row `header_row + 1` in Excel
    header_row: int = 0
    #: about how many data rows a CSV file has, from the bytes per line of its first part
    rows_estimate: int | None = None
    #: a workbook's date system (1900, or 1904 for its date1904 flag): numbers in its time columns are Excel dates
    excel_system: int | None = None
    #: what the reader says beside the rows (code, en, ko): the sheet it chose, the other sheets with data
    notices: list[dict[str, str]] = field(default_factory=list)
    #: the cells of the chunk last read that hold a formula without a saved value: row -> column -> formula
    formulas: dict[int, dict[str, str]] = field(default_factory=dict)
    #: the empty rows skipped just before the chunk last read (a long run of them in a sheet), for row numbers
    gap: int = 0


#: How far down a sheet its header is looked for, under a title or a note.
HEADER_SEARCH_ROWS = 10


def _header_row(rows: list[list[Any]]) -> int:
    """Which of a sheet's first rows is its header: the first row, unless it names fewer than two known columns
    and a row below it names two or more ("생산 실적 12/3 (프레스 A라인)" above "일시, 설비, 판정 …", as reports
    exported from Excel often have)."""

    def known(row: list[Any]) -> int:
        cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
        return sum(1 for c in cells if _HEADER_INDEX.get(_header_key(c))) if len(cells) >= 2 else 0

    if not rows or known(rows[0]) >= 2:
        return 0
    return next((i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if known(row) >= 2), 0)


def _open(
    path: Path,
    name: str,
    mapping_encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    chunk_rows: int,
) -> _Source:
    size = path.stat().st_size
    if size == 0:
        raise _empty(name)
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES)
    fmt = _format_of(name, sample[:8])
    if fmt == "parquet":
        return _open_parquet(path, name, chunk_rows)
    if fmt == "xlsx":
        return _open_xlsx(path, name, sheet, chunk_rows)
    return _open_csv(path, name, sample, size, mapping_encoding, delimiter, chunk_rows)


# Arrow reads UTF-8 natively (and skips a BOM); any other name goes through a slower Python transcoder.
_ARROW_UTF8 = {"utf-8": "utf8", "utf-8-sig": "utf8"}


def _open_csv(
    path: Path,
    name: str,
    sample: bytes,
    size: int,
    encoding: str | None,
    delimiter: str | None,
    chunk_rows: int,
) -> _Source:
    complete = len(sample) >= size
    encoding = _codec(encoding) if encoding else _detect_encoding(sample, name, complete)
    try:
        text = _decode_sample(sample, encoding, complete)
    except UnicodeDecodeError as exc:
        line = sample[: exc.start].count(b"\n") + 1
        raise _undecodable(
            name,
            encoding,
            (
                f"byte {exc.start} on line {line} is not valid {encoding}",
                f"{line}행의 {exc.start}번째 바이트",
            ),
        ) from exc
    if "\x00" in text[:4096]:
        raise _binary(name)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise _empty(name)
    delimiter = delimiter or _detect_delimiter(text, name)
    try:  # newline="": a file of old-Mac line ends (CR only) is read as lines, not one unquoted field
        top = list(
            itertools.islice(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), HEADER_SEARCH_ROWS
            )
        )
    except csv.Error as exc:
        raise _undecodable(
            name,
            encoding,
            (f"its first line cannot be read as CSV ({exc})", "첫 행을 CSV로 읽을 수 없습니다"),
        ) from exc
    first = next((i for i, row in enumerate(top) if row), None)
    if first is None:
        raise _empty(name)
    skip = first + _header_row(top[first:])
    header = top[skip]
    columns = _unique_names(header)
    bad_rows: list[str] = []

    def invalid_row(row: Any) -> str:
        # A line with the wrong number of cells is kept for quarantine instead of failing the whole file.
        bad_rows.append(row.text)
        return "skip"

    # Roughly chunk_rows rows per block: the reader's unit is bytes, so scale by the sample's bytes per line.
    per_line = max(len(sample) / max(text.count("\n"), 1), 8)
    block = int(min(max(chunk_rows * per_line, 4096), 256 * 1024 * 1024))
    f = path.open("rb")
    try:
        reader = pacsv.open_csv(
            f,
            read_options=pacsv.ReadOptions(
                column_names=columns,
                skip_rows=skip + 1,
                encoding=_ARROW_UTF8.get(encoding, encoding),
                block_size=block,
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=invalid_row),
            # Every column as text: types are decided by the mapping and checked row by row in ingest, so one
            # odd cell deep in a large file cannot fail the stream.
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=True,
                null_values=list(BLANK_MARKS),
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        f.close()
        if "Empty CSV file" in str(exc):
            raise _no_rows(name) from exc
        raise _undecodable(
            name, encoding, (str(exc).splitlines()[0], "CSV로 읽을 수 없는 곳이 있습니다")
        ) from exc

    def chunks() -> Iterator[tuple[pa.Table, int]]:
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                    raise _undecodable(
                        name, encoding, (str(exc).splitlines()[0], "CSV로 읽을 수 없는 곳이 있습니다")
                    ) from exc
                yield _unguarded(pa.Table.from_batches([batch])), f.tell()
        finally:
            f.close()

    estimate = max(round(size / per_line) - skip - 1, 1)
    return _Source(
        "csv",
        columns,
        chunks(),
        size,
        encoding,
        delimiter,
        bad_rows=bad_rows,
        header_row=skip,
        rows_estimate=estimate,
    )


# The apostrophe sandan's CSV export puts before text a spreadsheet would run as a formula (= + - @, a tab or a
# carriage return: `export.spreadsheet_text`, OWASP's advice on CSV injection); "-" and "+" alone get none.
_FORMULA_GUARD = r"(?s)^'([=@\t\r].*|[+\-].+)$"


def _unguarded(table: pa.Table) -> pa.Table:
    """A CSV chunk with that one apostrophe taken off again, so an export imports back as it was."""
    for i, name in enumerate(table.column_names):
        col = table.column(i)
        if pa.types.is_string(col.type) and pc.any(pc.starts_with(col, "'")).as_py():
            table = table.set_column(i, name, pc.replace_substring_regex(col, _FORMULA_GUARD, r"\1"))
    return table


def _open_parquet(path: Path, name: str, chunk_rows: int) -> _Source:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInput(
            f"file {name} is not a readable Parquet file ({exc}); export it again",
            f"파일 {name}은(는) 읽을 수 있는 Parquet 파일이 아닙니다 ({exc}). 다시 내보내세요",
            code="unreadable_file",
            file=name,
        ) from exc
    columns = list(pf.schema_arrow.names)

    def chunks() -> Iterator[tuple[pa.Table, int]]:
        done = 0
        for batch in pf.iter_batches(batch_size=chunk_rows):
            done += batch.num_rows
            yield pa.Table.from_batches([batch]), done

    return _Source("parquet", columns, chunks(), pf.metadata.num_rows)


def _excel_column(values: list[Any]) -> pa.Array:
    """One Excel column: numbers stay numbers (whole ones as integers, so a barcode kept as a number keeps its
    digits), dates stay (naive) times; anything mixed becomes text. A blank mark ("-", "해당없음": `BLANK_MARKS`)
    is an empty cell, as in a CSV file."""
    values = [None if isinstance(v, str) and v.strip().casefold() in _BLANK else v for v in values]
    kinds = {type(v) for v in values if v is not None}
    if kinds == {int}:
        try:
            return pa.array(values, type=pa.int64())
        except (OverflowError, pa.ArrowInvalid):
            pass
    if kinds and kinds <= {int, float}:
        return pa.array(values, type=pa.float64())
    if kinds and kinds <= {datetime, date}:
        return pa.array(
            [
                v if isinstance(v, datetime) or v in (None, "") else datetime(v.year, v.month, v.day)
                for v in values
            ]
            if date in kinds
            else [None if v == "" else v for v in values],
            type=pa.timestamp("us"),
        )
    return pa.array(
        [
            None if v is None or v == "" else v.isoformat(sep=" ") if isinstance(v, datetime) else str(v)
            for v in values
        ],
        type=pa.string(),
    )


#: A workbook's limits, checked in its zip directory before openpyxl reads it (a zip bomb of a few MB otherwise
#: unpacks to many GB): one part's and all parts' unpacked bytes, and how far a large part may compress.
XLSX_MEMBER_BYTES = 200 * 1024 * 1024
XLSX_TOTAL_BYTES = 1024 * 1024 * 1024
XLSX_RATIO_FROM_BYTES = 10 * 1024 * 1024
XLSX_MAX_RATIO = 100
#: The widest sheet read: a cell in column XFD makes every row 16,384 cells wide.
XLSX_MAX_COLUMNS = 2000
#: The cells of one chunk of a sheet (rows × columns), whatever its number of rows.
XLSX_CHUNK_CELLS = 2_000_000
#: A run of this many empty rows is skipped, not read as rows of empty cells (row numbers stay the sheet's).
XLSX_EMPTY_RUN = 16


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _check_workbook_size(path: Path, name: str) -> None:
    """Refuse a workbook whose parts unpack too large (`XLSX_MEMBER_BYTES`, `XLSX_TOTAL_BYTES`) or compress too
    well (`XLSX_MAX_RATIO`), from the zip's directory alone. A file that is no zip is left to openpyxl's words."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    total = sum(m.file_size for m in members)
    problem_en = problem_ko = ""
    for m in members:
        if m.file_size > XLSX_MEMBER_BYTES:
            problem_en = (
                f"its part {m.filename} unpacks to {_megabytes(m.file_size)} (at most "
                f"{_megabytes(XLSX_MEMBER_BYTES)} is read)"
            )
            problem_ko = f"안의 {m.filename} 부분이 풀면 {_megabytes(m.file_size)}입니다 (최대 {_megabytes(XLSX_MEMBER_BYTES)})"
            break
        if m.file_size > XLSX_RATIO_FROM_BYTES and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
            problem_en = (
                f"its part {m.filename} of {_megabytes(m.compress_size)} unpacks to {_megabytes(m.file_size)}, "
                f"more than {XLSX_MAX_RATIO} times its size"
            )
            problem_ko = (
                f"안의 {_megabytes(m.compress_size)}짜리 {m.filename} 부분이 풀면 {_megabytes(m.file_size)}로, "
                f"{XLSX_MAX_RATIO}배가 넘게 커집니다"
            )
            break
    if not problem_en and total > XLSX_TOTAL_BYTES:
        problem_en = (
            f"its parts unpack to {_megabytes(total)} (at most {_megabytes(XLSX_TOTAL_BYTES)} is read)"
        )
        problem_ko = f"안의 내용이 풀면 {_megabytes(total)}입니다 (최대 {_megabytes(XLSX_TOTAL_BYTES)})"
    if problem_en:
        raise InvalidInput(
            f"workbook {name} is too large to read: {problem_en}; save the sheet as 'CSV UTF-8' and import that, "
            "or split it into smaller workbooks",
            f"통합 문서 {name}이(가) 너무 커서 읽을 수 없습니다: {problem_ko}. 시트를 'CSV UTF-8'로 저장해 가져오거나 "
            "더 작은 통합 문서로 나누세요",
            code="workbook_too_large",
            file=name,
        )


def _blank_row(row: Any) -> bool:
    return all(v is None or v == "" for v in row)


def _open_xlsx(path: Path, name: str, sheet: str | None, chunk_rows: int) -> _Source:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    from openpyxl.utils.exceptions import InvalidFileException

    _check_workbook_size(path, name)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        # (a .zip of other files, or a file named .xlsx that is none: openpyxl's own words stay in the English)
        raise InvalidInput(
            f"file {name} is not a readable Excel workbook (.xlsx): {exc}; open it in Excel and save it again as "
            "'Excel Workbook (*.xlsx)' (old .xls files must be re-saved too)",
            f"파일 {name}은(는) 읽을 수 있는 엑셀 통합 문서(.xlsx)가 아닙니다. 엑셀에서 열어 'Excel 통합 문서(*.xlsx)'로 "
            "다시 저장하세요 (.xls 파일도 다시 저장해야 합니다)",
            code="unreadable_file",
            file=name,
        ) from exc
    sheets = list(wb.sheetnames)
    if sheet is not None and sheet not in sheets:
        wb.close()
        raise InvalidInput(
            f"sheet {sheet!r} is not in {name}; its sheets are {', '.join(sheets)}",
            f"{name}에 {sheet!r} 시트가 없습니다. 있는 시트: {', '.join(sheets)}",
            code="missing_sheet",
            file=name,
        )
    # The first rows of every sheet, to read the first that holds a table (a cover sheet is often first) and to say
    # which others hold one too. A sheet's <dimension> record, which read-only mode trusts, can be stale (some
    # report generators write A1:D3 over 500 rows): it is reset, so rows and columns come as the sheet has them.
    tops: dict[str, list[list[Any]]] = {}
    recorded: dict[str, int | None] = {}
    for ws in wb.worksheets:
        recorded[ws.title] = ws.max_row
        ws.reset_dimensions()
        tops[ws.title] = [
            list(r) for r in itertools.islice(ws.iter_rows(values_only=True), HEADER_SEARCH_ROWS + 1)
        ]
    with_data = [title for title, top in tops.items() if _holds_table(top)]
    notices: list[dict[str, str]] = []
    if sheet is None:
        if not with_data:
            wb.close()
            raise _empty(name)
        sheet = with_data[0]
        if sheet != sheets[0]:
            before = sheets[: sheets.index(sheet)]
            skipped = ", ".join(repr(s) for s in before)
            verb = "holds" if len(before) == 1 else "hold"
            notices.append(
                {
                    "code": "sheet_chosen",
                    "en": f"sheet {sheet!r} is read: it is the first sheet that holds a table ({skipped} {verb} none)",
                    "ko": f"{sheet!r} 시트를 읽습니다. 표가 있는 첫 시트입니다 ({skipped} 시트에는 표가 없습니다)",
                }
            )
    elif sheet not in with_data:
        wb.close()
        others = ", ".join(repr(s) for s in with_data)
        raise InvalidInput(
            f"sheet {sheet!r} of {name} holds no table (a header row and rows under it)"
            + (f"; the sheets with data: {others}" if others else ""),
            f"{name}의 {sheet!r} 시트에 표(머리글 행과 그 아래 행)가 없습니다"
            + (f". 데이터가 있는 시트: {others}" if others else ""),
            code="empty_file",
            file=name,
        )
    others = [s for s in with_data if s != sheet]
    if others:
        listed = ", ".join(repr(s) for s in others[:10]) + (
            f" … (+{len(others) - 10})" if len(others) > 10 else ""
        )
        notices.append(
            {
                "code": "other_sheets",
                "en": f"only sheet {sheet!r} is imported; {len(others)} other sheet(s) hold data too: {listed} — "
                "import each of them on its own, choosing its sheet",
                "ko": f"{sheet!r} 시트만 가져옵니다. 다른 {len(others)}개 시트에도 데이터가 있습니다: {listed} — 시트를 "
                "골라 하나씩 가져오세요",
            }
        )
    ws = wb[sheet]
    rows = ws.iter_rows(values_only=True)
    top = [list(r) for r in itertools.islice(rows, HEADER_SEARCH_ROWS)]
    skip = _header_row(top)
    header = top[skip] if len(top) > skip else None
    if header is None or all(v is None for v in header):
        wb.close()
        raise _empty(name)
    # the header's used width: blank cells after its last name are no columns
    width = (
        max(i + 1 for i, v in enumerate(header) if v is not None and str(v).strip() != "")
        if any(v is not None and str(v).strip() != "" for v in header)
        else len(header)
    )
    if width > XLSX_MAX_COLUMNS:
        wb.close()
        raise InvalidInput(
            f"sheet {sheet!r} of {name} has {width:,} columns (its header reaches column {width:,}); at most "
            f"{XLSX_MAX_COLUMNS:,} are read: delete the cells far to the right (a stray value or format) and save "
            "again, or split the sheet",
            f"{name}의 {sheet!r} 시트에 열이 {width:,}개 있습니다 (머리글이 {width:,}번째 열까지 있습니다). 최대 "
            f"{XLSX_MAX_COLUMNS:,}개까지 읽습니다. 오른쪽 멀리 있는 칸(잘못 들어간 값이나 서식)을 지우고 다시 저장하거나 "
            "시트를 나누세요",
            code="too_many_columns",
            file=name,
            sheet=sheet,
        )
    if len(header) > XLSX_MAX_COLUMNS:
        header = header[:width]
    columns = _unique_names(list(header))
    # the recorded size, as the progress measure; a stale one is dropped once the rows pass it
    total = recorded[sheet] - 1 - skip if recorded.get(sheet) else None
    rows = itertools.chain(top[skip + 1 :], rows)
    # A formula without a saved value reads as an empty cell: the sheet's formulas are read beside its values, row
    # for row, so such a cell is named with its formula (`_held_rows`), not taken for an empty one.
    formulas = None
    if _unsaved_formulas(ws):
        formula_book = load_workbook(path, read_only=True, data_only=False)
        formula_sheet = formula_book[sheet]
        formula_sheet.reset_dimensions()
        formulas = formula_sheet.iter_rows(values_only=True)
        for _ in range(skip + 1):
            next(formulas, None)
        notices.append(
            {
                "code": "formula_no_value",
                "en": f"sheet {sheet!r} has formulas without a saved value: it was written by a program that does not "
                "calculate formulas, and rows whose cells hold one are refused; open the file in Excel, save it "
                "there and import it again",
                "ko": f"{sheet!r} 시트에 저장된 값이 없는 수식이 있습니다. 수식을 계산하지 않는 프로그램이 만든 파일이라, 그런 "
                "칸이 있는 행은 거부됩니다. 엑셀에서 열어 저장한 뒤 다시 가져오세요",
            }
        )

    width = len(columns)
    # at most `XLSX_CHUNK_CELLS` cells a chunk: a wide sheet is read in fewer rows at a time
    limit = max(1, min(chunk_rows, XLSX_CHUNK_CELLS // max(width, 1)))

    def paired() -> Iterator[tuple[Any, Any]]:
        # each row's values beside its formulas, so a row of formulas without values is not taken for an empty one
        for row in rows:
            yield row, (next(formulas, ()) if formulas is not None else ())

    pairs = paired()

    def chunks() -> Iterator[tuple[pa.Table, int]]:
        done = 0
        carry: tuple[Any, Any] | None = None
        carried_gap = 0
        try:
            while True:
                block: list[tuple[Any, Any]] = []
                gap, empties, carried_gap = 0, carried_gap, 0
                for pair in itertools.chain([carry] if carry is not None else [], pairs):
                    carry = None
                    if _blank_row(pair[0]) and _blank_row(pair[1]):
                        empties += 1
                        continue
                    if empties >= XLSX_EMPTY_RUN and block:
                        # a long run of empty rows ends the chunk; the row after it starts the next one
                        carry, carried_gap = pair, empties
                        break
                    if empties >= XLSX_EMPTY_RUN:
                        gap = empties
                    else:
                        block.extend([((), ())] * empties)
                    empties = 0
                    block.append(pair)
                    if len(block) >= limit:
                        break
                if 0 < empties < XLSX_EMPTY_RUN and carry is None:
                    # a few empty rows at the sheet's end are read as before; a long run of them is no data
                    block.extend([((), ())] * empties)
                if not block:
                    return
                source.gap = gap
                done += gap
                values = [r for r, _ in block]
                cols = [[r[i] if i < len(r) else None for r in values] for i in range(width)]
                if formulas is not None:
                    source.formulas = _formula_cells(values, [f for _, f in block], columns)
                done += len(block)
                if source.total is not None and done > source.total:
                    source.total = None
                yield pa.table([_excel_column(c) for c in cols], names=columns), done
        finally:
            wb.close()
            if formulas is not None:
                formula_book.close()

    source = _Source(
        "xlsx",
        columns,
        chunks(),
        total,
        sheet=ws.title,
        sheets=sheets,
        header_row=skip,
        excel_system=1904 if wb.epoch == CALENDAR_MAC_1904 else 1900,
        notices=notices,
    )
    return source


# a formula element with no value after it: </c>, <v/> or an empty <v></v>
_UNSAVED_FORMULA = re.compile(rb"(?:</f>|<f\b[^>]*/>)\s*(?:</c>|<v\s*/>|<v>\s*</v>)")


def _unsaved_formulas(ws: Any) -> bool:
    """Whether a sheet holds a formula without a saved value (<f> and no <v> in its XML): a workbook written by a
    program that does not calculate formulas (openpyxl, many report tools) and never saved in Excel. One pass over
    the sheet's XML, far cheaper than reading its formulas too."""
    # openpyxl's read-only sheet gives its XML as a stream
    opener = getattr(ws, "_get_source", None)
    if opener is None:
        return False
    tail = b""
    with opener() as xml:
        for block in iter(lambda: xml.read(1 << 20), b""):
            text = tail + block
            if b"<f" in text and _UNSAVED_FORMULA.search(text):
                return True
            tail = text[-256:]
    return False


def _formula_cells(
    values: list[tuple[Any, ...]], formulas: list[tuple[Any, ...]], columns: list[str]
) -> dict[int, dict[str, str]]:
    """Block row -> column -> formula, for the cells whose value is empty and whose formula is not."""
    out: dict[int, dict[str, str]] = {}
    for k, (row, written) in enumerate(zip(values, formulas, strict=True)):
        for i, formula in enumerate(written[: len(columns)]):
            # an array formula is an object with its text
            formula = getattr(formula, "text", formula)
            if (
                isinstance(formula, str)
                and formula.startswith("=")
                and (i >= len(row) or row[i] in (None, ""))
            ):
                out.setdefault(k, {})[columns[i]] = formula
    return out


def _holds_table(top: list[list[Any]]) -> bool:
    """Whether a sheet's first rows hold a table: a header row (under a title, perhaps) and a filled row below it."""

    def filled(row: list[Any]) -> bool:
        return any(v is not None and str(v).strip() for v in row)

    skip = _header_row(top)
    return len(top) > skip + 1 and filled(top[skip]) and any(filled(row) for row in top[skip + 1 :])


def _excel_times(col: pa.Array | pa.ChunkedArray, system: int) -> pa.Array | pa.ChunkedArray:
    """A workbook's time column whose cells are numbers: Excel's date numbers (a date cell in a format openpyxl does
    not know as a date — Korean Excel's built-in 31, yyyy"년" mm"월" dd"일" — or a column formatted General), read
    as the wall time Excel shows on `system`'s calendar (`ingest.excel_serials`). A fraction alone is a time of day
    with no date (refused unless a date joins it) and a number past Excel's dates stays a number (Unix time, say);
    the column is then text, each cell as Excel shows it."""
    if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
        return col
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    num = col.to_numpy(zero_copy_only=False).astype("float64")
    micros, dates, clock = excel_serials(num, system)
    given = np.isfinite(num)
    if not (given & ~dates).any():
        return pa.array(micros, type=pa.timestamp("us"), mask=~given)
    shown = np.datetime_as_string(micros.astype("datetime64[us]"), unit="s").tolist()
    cells: list[str | None] = []
    for v, wall, dated, alone, ok in zip(num.tolist(), shown, dates, clock, given, strict=True):
        if not ok:
            cells.append(None)
        elif dated:
            cells.append(wall.replace("T", " "))
        elif alone:
            cells.append(wall[11:])
        elif system == 1900 and 60 <= v < 61:
            # Excel's 1900-02-29, a day that never was: refused as such
            cells.append("1900-02-29 " + wall[11:])
        else:
            cells.append(str(int(v)) if v == int(v) else repr(v))
    return pa.array(cells, type=pa.string())


# ---- preview --------------------------------------------------------------------------------------------------


def preview_for_company(
    store: Store,
    company_id: str,
    path: Path,
    *,
    filename: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    rows: int = 20,
    mapping: Mapping | None = None,
    timezone: str | None = None,
) -> Preview:
    """`read_preview` as the company sees it, with its sample rows checked as the import would (`check_sample`).

    Without a `mapping`, a header that names a parameter or measurement the company's machines record (in the
    process models' words, e.g. "주축 회전수") takes that role (`match_known_roles`), and times without a zone are
    read in `timezone` (the zone the web form proposes) unless the header names one. With a `mapping` (the
    user's edit of the proposed one), the file is read and the sample checked as that mapping says.
    """
    from sandan.twin.process import known_roles_by_name

    if mapping is not None:
        shown = read_preview(
            path,
            filename=filename,
            encoding=mapping.encoding or encoding,
            sheet=mapping.sheet or sheet,
            delimiter=mapping.delimiter,
            rows=rows,
        )
        shown.roles, shown.kind, shown.layout = dict(mapping.columns), mapping.kind, mapping.layout
        sheets = [n for n in shown.notices if n["code"] in _FILE_NOTICES]
        shown.naive_time, shown.notices, _zone = _notices(shown.columns, shown.rows, mapping)
        shown.notices = sheets + _header_notice(shown.header_row) + shown.notices
        shown.mapping = mapping
    else:
        shown = read_preview(path, filename=filename, encoding=encoding, sheet=sheet, rows=rows)
        families = [m.family for m in store.list_machines(company_id)]
        shown.mapping.columns = match_known_roles(shown.mapping.columns, known_roles_by_name(families))
        shown.mapping.timezone = shown.mapping.timezone or timezone
    shown.check = check_sample(store, company_id, shown)
    return shown


def check_sample(
    store: Store, company_id: str, shown: Preview, mapping: Mapping | None = None
) -> SampleCheck:
    """The preview's sample rows through the import's own path (`_ingest_chunk`, hence `collect.ingest`) as a dry
    run: the reasons and rows are the ones the import would give, and nothing is stored or quarantined. Only the
    sample is read, so a large file previews as fast as a small one. Repeats of rows already stored are not
    looked for (that needs the write); rows that would change a stored record (a corrected day sent again) are
    flagged as the import would quarantine them."""
    mapping = mapping or shown.mapping
    sample = shown.sample if shown.sample is not None else pa.table({})
    try:
        _check_columns(mapping, shown.columns, shown.file)
        got = _ingest_chunk(
            store,
            company_id,
            sample,
            mapping,
            shown.file,
            f"file:{shown.file}",
            shown.gap,
            "preview",
            [mapping.date_order],
            dry_run=True,
            header_row=shown.header_row,
            excel_system=shown.excel_system,
            formulas=shown.formulas,
        )
    except InvalidInput as exc:
        return SampleCheck(sample.num_rows, error={"code": exc.code, "en": exc.en, "ko": exc.ko})
    return SampleCheck(sample.num_rows, got.issues, got.reasons, new_signals=list(got.signals_registered))


def read_preview(
    path: Path,
    *,
    filename: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    rows: int = 20,
    delimiter: str | None = None,
) -> Preview:
    """Format, encoding, delimiter, columns, sample rows and the guessed mapping of a file, without storing it."""
    path = Path(path)
    name = filename or path.name
    src = _open(path, name, encoding, delimiter, sheet, max(rows, 1))
    sample = next(src.chunks, (None, 0))[0]
    src.chunks.close()
    if sample is None or sample.num_rows == 0:
        raise _no_rows(name)
    sample = sample.slice(0, rows)
    data = [list(r.values()) for r in sample.to_pylist()]
    roles, kind, layout = guess_mapping(src.columns, data)
    mapping = Mapping(
        kind=kind,
        layout=layout,
        columns=roles,
        encoding=src.encoding,
        sheet=src.sheet,
        delimiter=src.delimiter,
    )
    if src.excel_system is not None:
        _show_excel_times(data, src.columns, roles, sample, src.excel_system)
    naive, notices, mapping.timezone = _notices(src.columns, data, mapping)
    notices = src.notices + _header_notice(src.header_row) + notices
    size = path.stat().st_size
    return Preview(
        name,
        src.format,
        size,
        src.columns,
        data,
        roles,
        kind,
        layout,
        src.encoding,
        src.delimiter,
        src.sheet,
        src.sheets,
        naive,
        notices,
        mapping,
        sample,
        header_row=src.header_row,
        excel_system=src.excel_system,
        formulas={i: cells for i, cells in src.formulas.items() if i < rows},
        gap=src.gap,
    )


def _show_excel_times(
    data: list[list[Any]], columns: list[str], roles: dict[str, str], sample: pa.Table, system: int
) -> None:
    """The sample's time and date cells that are Excel's date numbers, shown as the dates they are."""
    for i, column in enumerate(columns):
        if roles.get(column) in (*_TIME_ROLES, "date"):
            for row, cell in zip(data, _excel_times(sample[column], system).to_pylist(), strict=True):
                row[i] = cell


#: The notices of the file itself (its sheets), kept when the notices of a mapping are worked out again
_FILE_NOTICES = ("sheet_chosen", "other_sheets", "formula_no_value")


def _header_notice(header_row: int) -> list[dict[str, str]]:
    """The preview's word on rows above the header, when it found the header lower down."""
    if not header_row:
        return []
    return [
        {
            "code": "header_row",
            "en": f"the header is row {header_row + 1}: the {header_row} row(s) above it (a title) are left out",
            "ko": f"머리글은 {header_row + 1}행입니다. 그 위 {header_row}행(제목)은 읽지 않습니다",
        }
    ]


def _notices(
    columns: list[str], data: list[list[Any]], mapping: Mapping
) -> tuple[bool, list[dict[str, str]], str | None]:
    """Whether the sample's times lack a zone, what the user should look at under `mapping`, and the zone a time
    header names."""
    roles = mapping.columns
    # a mapped column the file lacks is not looked at here: the sample check names it (missing_column)
    time_col = next((c for c, r in roles.items() if r in ("time", "start") and c in columns), None)
    time_col = time_col or next((c for c, r in roles.items() if r == "date" and c in columns), None)
    naive = time_col is not None and _naive([row[columns.index(time_col)] for row in data])
    notices = []
    if naive:
        notices.append(
            {
                "code": "naive_time",
                "en": f"times in column {time_col!r} carry no time zone: they are read in the time zone the import "
                "gives, so check that it is the plant's (e.g. Asia/Seoul)",
                "ko": f"{time_col!r} 열의 시각에 시간대가 없습니다. 가져오기에 지정한 시간대로 읽으니 공장의 시간대(예: "
                "Asia/Seoul)인지 확인하세요",
            }
        )
    if "machine_id" not in roles.values() and not mapping.machine_id:
        notices.append(
            {
                "code": "no_machine_column",
                "en": "no machine column found; choose the machine these rows belong to",
                "ko": "설비 열이 없습니다. 이 데이터가 속한 설비를 고르세요",
            }
        )
    if time_col is None and not (mapping.start_time is not None and mapping.interval_s):
        notices.append(
            {
                "code": "no_time_column",
                "en": "no time column found; mark one, or give the time of the first row and the interval between rows",
                "ko": "시간 열이 없습니다. 시간 열을 지정하거나 첫 행의 시각과 행 간격을 입력하세요",
            }
        )
    zone = _header_zone(time_col) if naive and time_col else None
    if zone:  # '시각 (Asia/Seoul)', as sandan's exports name the clock their times are on
        notices = [n for n in notices if n["code"] != "naive_time"]
        notices.append(
            {
                "code": "zone_from_header",
                "en": f"times in column {time_col!r} are read on the clock its header names ({zone})",
                "ko": f"{time_col!r} 열의 시각은 머리글에 적힌 시간대({zone})로 읽습니다",
            }
        )
    return naive, notices, zone


# ---- import ---------------------------------------------------------------------------------------------------

_REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    ("reading", "long"): ("time", "machine_id", "signal", "value"),
    ("reading", "wide"): ("time", "machine_id"),
    ("part", "long"): ("time", "machine_id", "result"),
    ("part", "wide"): ("time", "machine_id", "result"),
    ("event", "long"): ("machine_id", "start", "state"),
    ("event", "wide"): ("machine_id", "start", "state"),
}
_ROLE_NAMES_KO = {
    "time": "시간",
    "machine_id": "설비",
    "signal": "신호",
    "value": "값",
    "result": "판정",
    "start": "시작",
    "state": "상태",
}


def _check_columns(mapping: Mapping, columns: list[str], name: str) -> None:
    unknown = [c for c in mapping.columns if c not in columns]
    if unknown:
        raise InvalidInput(
            f"the mapping names column(s) {', '.join(map(repr, unknown))} that {name} does not have "
            f"(its columns: {', '.join(columns)}); fix the header or the mapping",
            f"매핑에 있는 열 {', '.join(map(repr, unknown))}이(가) {name}에 없습니다 (있는 열: {', '.join(columns)}). "
            "머리글이나 매핑을 고치세요",
            code="missing_column",
            file=name,
            column=", ".join(unknown),
        )
    machine_columns = [c for c, role in mapping.columns.items() if role == "machine_id"]
    # both a machine column and a machine chosen: the column won, and the machine was dropped without a word
    if mapping.machine_id and machine_columns:
        raise InvalidInput(
            f"the rows' machine is given twice: column {machine_columns[0]!r} and the machine {mapping.machine_id!r}; "
            "leave the machine out to use the column, or map the column to 'ignore' to put every row on "
            f"{mapping.machine_id!r}",
            f"설비가 두 번 주어졌습니다: {machine_columns[0]!r} 열과 설비 {mapping.machine_id!r}. 열의 설비를 쓰려면 설비 "
            f"선택을 비우고, 모든 행을 {mapping.machine_id!r}에 넣으려면 그 열을 '무시'로 지정하세요",
            code="machine_twice",
            file=name,
            column=machine_columns[0],
        )
    have = set(mapping.columns.values())
    if mapping.machine_id:
        have.add("machine_id")
    # a date column alone is the rows' time (midnight); with a time column it gives that one its date
    if "date" in have:
        have.add("time" if mapping.kind != "event" else "start")
    if mapping.start_time is not None and mapping.interval_s:
        have.add("time" if mapping.kind != "event" else "start")
    missing = [r for r in _REQUIRED[(mapping.kind, mapping.layout)] if r not in have]
    if (
        mapping.kind == "reading"
        and mapping.layout == "wide"
        and not any(r.startswith(SIGNAL_PREFIX) for r in have)
    ):
        missing.append("signal:<name>")
    if missing:
        raise InvalidInput(
            f"required column missing in {name}: no column is mapped to {', '.join(missing)} "
            f"(columns: {', '.join(columns)}); map a column to it"
            + (" or give machine_id for the whole file" if "machine_id" in missing else ""),
            f"{name}에 필수 열이 없습니다: {', '.join(_ROLE_NAMES_KO.get(m, m) for m in missing)}({', '.join(missing)}) "
            f"역할의 열이 없습니다 (있는 열: {', '.join(columns)}). "
            + (
                "열을 지정하거나 파일 전체의 설비를 고르세요"
                if "machine_id" in missing
                else "열을 지정하세요"
            ),
            code="missing_column",
            file=name,
            column=", ".join(missing),
        )


_TIME_ROLES = ("time", "start", "end")


def _canonical(
    chunk: pa.Table, mapping: Mapping, first_index: int, excel_system: int | None = None
) -> tuple[pa.Table, dict[str, str]]:
    """A file chunk as canonical columns, and canonical column -> the user's column name. Numbers in a workbook's
    time columns are Excel dates (`_excel_times`); a date column (or the mapping's `day`) gives a time column's
    times of day their date."""
    arrays: dict[str, pa.Array | pa.ChunkedArray] = {}
    names: dict[str, str] = {}
    for column, role in mapping.columns.items():
        if role in ("ignore", "date") or role.startswith(SIGNAL_PREFIX):
            continue
        arrays[role] = chunk[column]
        if role in _TIME_ROLES and excel_system is not None:
            arrays[role] = _excel_times(chunk[column], excel_system)
        names[role] = column
    n = chunk.num_rows
    if "machine_id" not in arrays and mapping.machine_id:
        arrays["machine_id"] = pa.array([mapping.machine_id] * n, pa.string())
    time_role = "start" if mapping.kind == "event" else "time"
    date_column = mapping.role_of("date")
    if date_column is not None or mapping.day is not None:
        days = _days(chunk[date_column] if date_column else None, mapping.day, excel_system, n)
        for role in _TIME_ROLES:
            if role in arrays:
                arrays[role] = _on_day(days, arrays[role])
                # a reject names both cells the time was made of
                if date_column is not None:
                    names[role] = f"{date_column} + {names[role]}"
        if time_role not in arrays and date_column is not None:
            arrays[time_role], names[time_role] = days, date_column
    if time_role not in arrays and mapping.start_time is not None and mapping.interval_s:
        start = mapping.start_time
        offsets = (np.arange(first_index, first_index + n) * mapping.interval_s * 1e6).astype("int64")
        wall = np.datetime64(start.replace(tzinfo=None), "us").astype("int64") + offsets
        if start.tzinfo is not None:
            utc = wall - int(start.utcoffset().total_seconds() * 1e6)
            arrays[time_role] = pa.array(utc, type=pa.timestamp("us", tz="UTC"))
        else:
            arrays[time_role] = pa.array(wall, type=pa.timestamp("us"))
    if mapping.result_values and "result" in arrays:
        arrays["result"] = _recode(arrays["result"], mapping.result_values)
    return pa.table(arrays), names


def _days(
    col: pa.Array | pa.ChunkedArray | None, day: date | None, excel_system: int | None, n: int
) -> pa.Array:
    """Each row's date as yyyy-mm-dd text (a date cell, Excel's date number, a date as written), or the mapping's
    `day` where the row has none."""
    if col is None:
        return pa.array([day.isoformat() if day else None] * n, pa.string())
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if excel_system is not None:
        col = _excel_times(col, excel_system)
    if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
        text = pc.strftime(col, format="%Y-%m-%d")
    else:
        text = pc.utf8_trim_whitespace(col if pa.types.is_string(col.type) else as_text(col))
        # a date cell kept with its midnight ("2026-12-05 00:00:00", a column of dates and text)
        text = pc.replace_substring_regex(text, r"\s+0?0:00(?::00(?:\.0+)?)?$", "")
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return pc.fill_null(text, day.isoformat()) if day is not None else text


def _on_day(days: pa.Array, times: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A time column's times of day ("22:10:00", "오후 1:00", an Excel time cell) on their row's date, each row's own
    (a night shift's 01:20 stays on the date its row gives); a cell with a date of its own keeps it."""
    times = times.combine_chunks() if isinstance(times, pa.ChunkedArray) else times
    if not pa.types.is_string(times.type):
        return times
    clock = pc.utf8_trim_whitespace(times)
    alone = pc.fill_null(pc.match_substring_regex(clock, CLOCK_ONLY), False)
    return pc.if_else(alone, pc.binary_join_element_wise(days, clock, " "), times)


def _recode(col: pa.ChunkedArray | pa.Array, values: dict[str, str]) -> pa.Array:
    """The file's own result spellings to ok / ng, once per distinct spelling."""
    text = pc.cast(col, pa.string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    # Numbers read from Excel or Parquet arrive as 1.0; the mapping says "1".
    text = pc.replace_substring_regex(pc.utf8_trim_whitespace(text), r"^(-?\d+)\.0+$", r"\1")
    enc = pc.dictionary_encode(text)
    spelled = [values.get(v, v) if v is not None else None for v in enc.dictionary.to_pylist()]
    return pc.take(pa.array(spelled, pa.string()), enc.indices)


def import_file(
    store: Store,
    company_id: str,
    path: Path,
    mapping: Mapping,
    *,
    source: str | None = None,
    chunk_rows: int = 100_000,
    progress: Callable[..., None] | None = None,
    filename: str | None = None,
) -> Receipt:
    """Stream a file through `mapping` into the store, chunk by chunk; returns the merged receipt.

    `progress(rows, total[, words])` hears the rows read so far and the total — for a CSV file an estimate,
    which the (English, Korean) `words` call "about", when the callback takes them.
    Rejected rows go to quarantine with their Excel row number (header = row 1) and the user's column name.
    A problem with the whole file (empty, undecodable, unreadable, a required column missing) raises
    `InvalidInput` and is recorded in quarantine as a file reject.
    """
    path = Path(path)
    name = filename or path.name
    source = source or f"file:{name}"
    # One batch id for the whole file, so its quarantined rows can be found (and fixed) together.
    receipt = Receipt(batch_id=uuid.uuid4().hex[:12], source=source, kind=mapping.kind)
    try:
        src = _open(path, name, mapping.encoding, mapping.delimiter, mapping.sheet, chunk_rows)
        _check_columns(mapping, src.columns, name)
        row = 0
        order: list[str | None] = [mapping.date_order]  # stated, or settled by a chunk for those after it
        for chunk, _done in src.chunks:
            # empty rows the reader skipped before this chunk still count in the rows' numbers
            row += src.gap
            if chunk.num_rows:
                receipt.merge(
                    _ingest_chunk(
                        store,
                        company_id,
                        chunk,
                        mapping,
                        name,
                        source,
                        row,
                        receipt.batch_id,
                        order,
                        header_row=src.header_row,
                        excel_system=src.excel_system,
                        formulas=src.formulas,
                    )
                )
                row += chunk.num_rows
            if progress is not None:
                _report(progress, src, row)
        if progress is not None and src.format == "csv":
            _report(progress, src, row, finished=True)
        if row == 0 and not src.bad_rows:
            raise _no_rows(name)
    except InvalidInput as exc:
        raise _fail(store, company_id, path, source, mapping.kind, exc, receipt.batch_id) from None
    receipt.notes.extend(src.notices)
    if src.bad_rows:
        receipt.merge(
            _quarantine_bad_lines(
                store, company_id, src.bad_rows, mapping.kind, name, source, receipt.batch_id
            )
        )
    return receipt


def _report(progress: Callable[..., None], src: _Source, rows: int, finished: bool = False) -> None:
    """Progress in rows. A CSV file's rows are not counted ahead, so its total is an estimate from the bytes per
    line of its first part (`_Source.rows_estimate`), said as one ("about N rows") until the file is read; a
    workbook's or a Parquet file's rows are counted ahead."""
    if src.format != "csv":
        progress(rows, src.total)
        return
    if finished:  # the whole file read: the count is exact
        total, words = rows, (f"{rows:,} of {rows:,} rows", f"{rows:,}행 중 {rows:,}행")
    else:
        total = max(rows, src.rows_estimate or 0)
        words = (f"{rows:,} of about {total:,} rows", f"약 {total:,}행 중 {rows:,}행")
    if _takes_message(progress):  # a job's progress shows the words; a plain (done, total) one the numbers
        progress(rows, total, words)
    else:
        progress(rows, total)


def _takes_message(fn: Callable[..., None]) -> bool:
    """Whether a progress callback takes a third argument, the (English, Korean) words of a job's progress."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    return len(params) >= 3 or any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)


def _name_key(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _machine_ids_for_names(store: Store, company_id: str, table: pa.Table) -> pa.Table:
    """A machine column holding a registered machine's name, as an MES or Excel export writes it ("200톤 프레스 1호",
    spaces and case aside), reads as that machine's id. An id stays as it is, and a name two machines share is left
    as written (rejected, named, in quarantine)."""
    if "machine_id" not in table.column_names:
        return table
    machines = store.list_machines(company_id)
    ids = {m.id for m in machines}
    named: dict[str, set[str]] = {}
    for m in machines:
        named.setdefault(_name_key(m.name), set()).add(m.id)
    col = pc.cast(table["machine_id"], pa.string())
    enc = pc.dictionary_encode(col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col)
    values = enc.dictionary.to_pylist()
    mapped = [
        v
        if v is None or v.strip() in ids or len(named.get(_name_key(v), ())) != 1
        else next(iter(named[_name_key(v)]))
        for v in values
    ]
    if mapped == values:
        return table
    column = pc.take(pa.array(mapped, pa.string()), enc.indices)
    return table.set_column(table.column_names.index("machine_id"), "machine_id", column)


def _ingest_chunk(
    store: Store,
    company_id: str,
    chunk: pa.Table,
    mapping: Mapping,
    name: str,
    source: str,
    row: int,
    batch_id: str,
    order: list[str | None],
    *,
    dry_run: bool = False,
    header_row: int = 0,
    excel_system: int | None = None,
    formulas: dict[int, dict[str, str]] | None = None,
) -> Receipt:
    """One chunk of a file through the ingestion path; `order` carries the date order (`Origin.date_order`) from
    the chunks before it and takes what this one settles. Rows that are no record — a totals row, a row whose
    cells are formulas without a saved value (`formulas`: chunk row -> column -> formula) — are held back with
    their reason (`_held_rows`). A `dry_run` checks and stores nothing."""
    table, names = _canonical(chunk, mapping, row, excel_system)
    first_row = row + 2 + header_row  # the header is row `header_row + 1` in Excel
    held = _held_rows(chunk, mapping, formulas or {})
    kept = _keep_held(store, company_id, held, table, mapping, name, source, batch_id, first_row, dry_run)
    # each row's place in the chunk, once the held rows are taken out
    at = None
    if held:
        at = np.setdiff1d(np.arange(chunk.num_rows), np.fromiter(held, dtype=np.int64))
        chunk, table = chunk.take(pa.array(at)), table.take(pa.array(at))
    table = _machine_ids_for_names(store, company_id, table)
    if mapping.kind == "reading" and mapping.layout == "wide":
        merged: Receipt | None = None
        for column, role in mapping.columns.items():
            if not role.startswith(SIGNAL_PREFIX):
                continue
            cells = chunk[column]
            # An empty cell in a wide sheet means the signal was not recorded at that time: not an error.
            present = pc.invert(pc.is_null(cells))
            if pa.types.is_string(cells.type):
                present = pc.and_(present, pc.not_equal(pc.utf8_trim_whitespace(cells), ""))
            keep = pc.fill_null(present, False)
            rows = np.flatnonzero(
                keep.to_numpy(zero_copy_only=False)
                if isinstance(keep, pa.Array)
                else keep.combine_chunks().to_numpy(zero_copy_only=False)
            )
            if not len(rows):
                continue
            signal = role[len(SIGNAL_PREFIX) :]
            readings = table.append_column("value", cells).append_column(
                "signal", pa.array([signal] * chunk.num_rows, pa.string())
            )
            origin = Origin(
                source,
                name,
                first_row,
                {**names, "value": column},
                mapping.timezone,
                batch_id,
                date_order=mapping.date_order,
            )
            origin.rows, origin.date_order = (rows if at is None else at[rows]) + first_row, order[0]
            got = ingest_readings(
                store,
                company_id,
                readings.take(pa.array(rows)),
                origin,
                register_signals=mapping.register_signals,
                dry_run=dry_run,
            )
            order[0] = origin.date_order
            merged = got if merged is None else merged.merge(got)
        return merged.merge(kept) if merged is not None else kept
    if not chunk.num_rows:
        return kept
    origin = Origin(source, name, first_row, names, mapping.timezone, batch_id, date_order=mapping.date_order)
    origin.date_order = order[0]
    if at is not None:
        origin.rows = at + first_row
    if mapping.kind == "reading":
        got = ingest_readings(
            store, company_id, table, origin, register_signals=mapping.register_signals, dry_run=dry_run
        )
    else:
        got = INGESTERS[mapping.kind](store, company_id, table, origin, dry_run=dry_run)
    order[0] = origin.date_order
    return got.merge(kept)


#: What the label cell of a totals or summary row says, spaces and case aside: 합계, 소계, 평균, 최대 … or Total.
#: Such a row sums or averages the rows above it; stored, it would count them again as one more reading or part.
SUMMARY_LABEL = (
    r"^(?:총|일|주|월|연|누적)?(?:합계|소계|총계|누계|총합계|평균|계|합|최대|최소)값?:?$"
    r"|^(?:sub|grand)?total:?$|^(?:sum|average|avg|mean|max|min):?$"
)
# the roles whose cells are a record's own words, never the label of a totals row (a signal named "total", a
# product coded "SUM"): the label sits in a column of times, dates or machines, or one the import leaves out
_NOT_A_LABEL = (
    "signal",
    "value",
    "unit",
    "part_id",
    "lot_id",
    "product",
    "result",
    "defect_type",
    "state",
    "reason_code",
    "note",
)


def _held_rows(
    chunk: pa.Table, mapping: Mapping, formulas: dict[int, dict[str, str]]
) -> dict[int, tuple[str, str, Any]]:
    """The chunk's rows that are no record, each with why (code, column, cell): a totals or summary row — a cell
    outside the record's own words says 합계, 평균, Total (`SUMMARY_LABEL`) — and a row whose mapped cells hold a
    formula Excel never calculated (the file was written by a program that does not)."""
    held: dict[int, tuple[str, str, Any]] = {}
    for column in chunk.column_names:
        role = mapping.columns.get(column, "ignore")
        if role in _NOT_A_LABEL or role.startswith(NAMED_ROLES) or not pa.types.is_string(chunk[column].type):
            continue
        cells = chunk[column].combine_chunks()
        # only short cells can be such a label, and their distinct spellings are looked at once each
        short = np.flatnonzero(pc.fill_null(pc.less_equal(pc.utf8_length(cells), 16), False).to_numpy(False))
        if not len(short):
            continue
        coded = pc.dictionary_encode(cells.take(pa.array(short)))
        words = pc.utf8_lower(pc.replace_substring_regex(coded.dictionary, r"\s+", ""))
        labels = np.flatnonzero(
            pc.fill_null(pc.match_substring_regex(words, SUMMARY_LABEL), False).to_numpy(False)
        )
        if not len(labels):
            continue
        found = pc.is_in(coded.indices, value_set=pa.array(labels, coded.indices.type))
        for i in short[pc.fill_null(found, False).to_numpy(False)].tolist():
            held.setdefault(i, ("summary_row", column, cells[i].as_py()))
    for i, cells in sorted(formulas.items()):
        used = [c for c in cells if mapping.columns.get(c, "ignore") != "ignore"]
        if used and i not in held:
            held[i] = ("formula_no_value", used[0], cells[used[0]])
    return held


def _keep_held(
    store: Store,
    company_id: str,
    held: dict[int, tuple[str, str, Any]],
    table: pa.Table,
    mapping: Mapping,
    name: str,
    source: str,
    batch_id: str,
    first_row: int,
    dry_run: bool,
) -> Receipt:
    """The held rows (`_held_rows`) into quarantine, each as its record with where and why, and their receipt; a
    `dry_run` keeps nothing and reports every one."""
    receipt = Receipt(batch_id=batch_id, source=source, kind=mapping.kind)
    if dry_run:
        receipt.issue_limit = sys.maxsize
    if not held:
        return receipt
    rows = sorted(held)
    items = []
    for i, record in zip(rows, table.take(pa.array(rows, pa.int64())).to_pylist(), strict=True):
        code, column, value = held[i]
        en, ko = _held_reason(code, column, value)
        location: dict[str, Any] = {"row": first_row + i, "column": column, "file": name}
        if mapping.timezone:
            location["timezone"] = mapping.timezone
        raw = json.dumps(record, ensure_ascii=False, default=str)
        items.append(QuarantineItem(source, mapping.kind, raw, code, en, ko, location, batch_id))
        if len(receipt.issues) < receipt.issue_limit:
            receipt.issues.append({**location, "code": code, "message": {"en": en, "ko": ko}})
        receipt.reasons[code] = receipt.reasons.get(code, 0) + 1
    receipt.received = receipt.rejected = len(items)
    if not dry_run:
        receipt.already_quarantined = len(items) - store.add_quarantine(
            company_id, items, check_registered=True
        )
    return receipt


def _held_reason(code: str, column: str, value: Any) -> tuple[str, str]:
    if code == "summary_row":
        return (
            f"{column} says {value!r}: this is a totals or summary row, not a record of its own; it is kept here, "
            "not stored (remove such rows from the sheet before importing, or discard them here)",
            f"{column} 칸이 {value!r}인 합계·요약 행으로, 하나의 기록이 아닙니다. 저장하지 않고 여기 보관합니다 "
            "(가져오기 전에 시트에서 이런 행을 지우거나 여기서 폐기하세요)",
        )
    return (
        f"{column} holds the formula {value} with no saved value: the file was written by a program that does not "
        "calculate formulas; open it in Excel, save it there, and import it again",
        f"{column} 칸에 저장된 값이 없는 수식 {value}이(가) 있습니다. 수식을 계산하지 않는 프로그램이 만든 파일입니다. "
        "엑셀에서 열어 저장한 뒤 다시 가져오세요",
    )


def _quarantine_bad_lines(
    store: Store, company_id: str, lines: list[str], kind: str, name: str, source: str, batch_id: str
) -> Receipt:
    en = "line has a different number of cells than the header: {value}"
    ko = "줄의 칸 수가 머리글과 다릅니다: {value}"
    items = [
        QuarantineItem(
            source,
            kind,
            json.dumps({"line": line}, ensure_ascii=False),
            "bad_record",
            en.format(value=line[:200]),
            ko.format(value=line[:200]),
            {"file": name},
            batch_id,
        )
        for line in lines
    ]
    kept = store.add_quarantine(company_id, items, check_registered=True)
    return Receipt(
        batch_id=batch_id,
        source=source,
        kind=kind,
        received=len(items),
        rejected=len(items),
        already_quarantined=len(items) - kept,
        reasons={"bad_record": len(items)},
        issues=[
            {"file": name, "code": "bad_record", "message": {"en": i.reason_en, "ko": i.reason_ko}}
            for i in items[:10]
        ],
    )
