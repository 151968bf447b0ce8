"""Assets (Company → Site → Line → Machine → Signal), accounts, and the Arrow schemas of the high-volume tables.

Assets are small pydantic objects; readings, part records and machine events travel only as Arrow batches.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sandan.domain.errors import value_error


def plant_clock(value: datetime, zone: str, *, seconds: bool = False) -> str:
    """A UTC time on a plant's clock, ISO order (2026-05-01 08:00), which reads the same in Korean and English.
    A naive value is UTC, as the store keeps every time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TIME = pa.timestamp("us", tz="UTC")


class ProcessFamily(StrEnum):
    cnc = "cnc"
    forging = "forging"
    injection = "injection"
    press = "press"
    assembly = "assembly"
    other = "other"


# each process family in words (English, Korean), for pages and the reasons capabilities give
FAMILY_NAMES: dict[ProcessFamily, tuple[str, str]] = {
    ProcessFamily.cnc: ("CNC machining", "CNC 가공"),
    ProcessFamily.forging: ("Forging", "단조"),
    ProcessFamily.injection: ("Injection moulding", "사출"),
    ProcessFamily.press: ("Press", "프레스"),
    ProcessFamily.assembly: ("Assembly", "조립"),
    ProcessFamily.other: ("Other", "기타"),
}


class MachineState(StrEnum):
    running = "running"
    idle = "idle"
    down = "down"
    setup = "setup"
    planned_stop = "planned_stop"


class PartResult(StrEnum):
    ok = "ok"
    ng = "ng"


class Role(StrEnum):
    """Operator runs the platform across companies; the others act inside one company."""

    operator = "operator"
    company_admin = "company_admin"
    engineer = "engineer"
    viewer = "viewer"

    @property
    def can_write(self) -> bool:
        return self is not Role.viewer

    @property
    def can_admin(self) -> bool:
        return self in (Role.operator, Role.company_admin)


_ASSET_KO = {"company": "회사", "site": "사업장", "line": "라인", "machine": "설비", "user": "사용자"}


def _check_id(value: str, what: str) -> str:
    if not ID_PATTERN.match(value or ""):
        raise value_error(
            f"{what} id {value!r} must be 1-64 letters, digits, '.', '_' or '-' and start with a letter or digit",
            f"{_ASSET_KO.get(what, what)} ID {value!r}은(는) 영문자·숫자·'.'·'_'·'-' 1-64자로, 영문자나 숫자로 "
            "시작해야 합니다",
        )
    return value


class _Asset(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Company(_Asset):
    id: str
    name: str = Field(min_length=1, max_length=200)
    family: ProcessFamily = ProcessFamily.other
    region: str = Field(default="", max_length=200)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _check_id(v, "company")


class Site(_Asset):
    id: str
    company_id: str
    name: str = Field(min_length=1, max_length=200)
    timezone: str = "Asia/Seoul"

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _check_id(v, "site")


class Line(_Asset):
    id: str
    company_id: str
    site_id: str
    name: str = Field(min_length=1, max_length=200)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _check_id(v, "line")


#: the longest ideal cycle time a machine may have, in seconds (a day)
MAX_CYCLE_TIME_S = 86_400


class Machine(_Asset):
    id: str
    company_id: str
    line_id: str
    name: str = Field(min_length=1, max_length=200)
    family: ProcessFamily = ProcessFamily.other
    model: str = Field(default="", max_length=200)
    # at most a day a part: 1e308 was stored and made every OEE figure of the company infinite or 100 %
    ideal_cycle_time_s: float | None = Field(default=None, gt=0, le=MAX_CYCLE_TIME_S, allow_inf_nan=False)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _check_id(v, "machine")


class Signal(_Asset):
    """A measured quantity of a machine; readings outside [min_value, max_value] are rejected."""

    company_id: str
    machine_id: str
    name: str = Field(min_length=1, max_length=100)
    unit: str = ""
    min_value: float | None = None
    max_value: float | None = None
    description: str = ""

    @model_validator(mode="after")
    def _range(self) -> Signal:
        lo, hi = self.min_value, self.max_value
        for v in (lo, hi):
            if v is not None and not math.isfinite(v):
                raise value_error(
                    "signal range limits must be finite numbers", "신호 범위의 한계는 유한한 숫자여야 합니다"
                )
        if lo is not None and hi is not None and lo > hi:
            raise value_error(
                f"signal {self.name!r}: min_value {lo} is above max_value {hi}",
                f"신호 {self.name!r}: 최솟값 {lo}이(가) 최댓값 {hi}보다 큽니다",
            )
        return self


class User(_Asset):
    id: str
    name: str = ""
    role: Role
    company_id: str | None = None
    lang: str = "ko"
    created_at: datetime | None = None
    #: False once an admin has stopped the account (someone left the company): it cannot sign in, and its
    #: sessions and API tokens are revoked. Kept rather than deleted, so the audit log still names it.
    active: bool = True
    #: True while the password is one someone else set (an admin making the account or resetting it): the user
    #: must choose their own before doing anything else, so no one else goes on knowing it.
    must_change_password: bool = False

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _check_id(v, "user")

    @model_validator(mode="after")
    def _tenant(self) -> User:
        if self.role is Role.operator and self.company_id:
            raise value_error("an operator belongs to no company", "운영자는 회사에 속하지 않습니다")
        if self.role is not Role.operator and not self.company_id:
            raise value_error(
                f"a {self.role.value} must belong to a company",
                f"{self.role.value} 사용자는 회사에 속해야 합니다",
            )
        return self


# The canonical batch forms. Natural keys make ingestion idempotent:
#   readings (machine_id, signal, time); part records (machine_id, time, part_id); events (machine_id, start).
READING_SCHEMA = pa.schema(
    [("time", TIME), ("machine_id", pa.string()), ("signal", pa.string()), ("value", pa.float64())]
)
PART_SCHEMA = pa.schema(
    [
        ("time", TIME),
        ("machine_id", pa.string()),
        ("part_id", pa.string()),
        ("lot_id", pa.string()),
        ("product", pa.string()),
        ("result", pa.string()),
        ("defect_type", pa.string()),
        ("params", pa.string()),  # JSON object name -> number
        ("measures", pa.string()),  # JSON object name -> number
    ]
)
EVENT_SCHEMA = pa.schema(
    [
        ("machine_id", pa.string()),
        ("start", TIME),
        ("end", TIME),
        ("state", pa.string()),
        ("reason_code", pa.string()),
        ("note", pa.string()),
    ]
)
