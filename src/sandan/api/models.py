"""Request and response models shared by several routers (users, receipts, jobs, bilingual text).

Plain pydantic shapes of what the capability functions return; no rules live here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from sandan.domain import Role


class Text(BaseModel):
    en: str
    ko: str


class UserOut(BaseModel):
    id: str
    name: str
    role: Role
    company_id: str | None
    lang: str
    created_at: datetime | None = None
    active: bool = Field(True, description="false once an admin stopped the account: it cannot sign in")
    must_change_password: bool = Field(
        False,
        description="true while the password is one an admin set: every other request is refused "
        "(403 password_change_required) until POST /api/v1/auth/password",
    )


class ReceiptOut(BaseModel):
    """What happened to a batch: counts, reasons for rejects (quarantined), and the first issues with location."""

    batch_id: str
    source: str
    kind: str
    received: int
    accepted: int
    duplicates: int
    rejected: int
    already_quarantined: int = Field(
        0,
        description="rejects identical to items still open in quarantine (a file imported again): kept once",
    )
    reasons: dict[str, int]
    issues: list[dict[str, Any]]
    signals_registered: list[str]


class Progress(BaseModel):
    done: int
    total: int | None
    percent: float | None = Field(description="null while the total is not yet known")
    remaining_s: float | None = Field(
        default=None,
        description="about how many seconds the job still runs, from its pace so far; null until it can tell",
    )


class JobError(BaseModel):
    code: str
    message: Text
    where: dict[str, Any] = {}


class JobOut(BaseModel):
    id: str
    company_id: str
    kind: str
    label: str
    user_id: str | None
    state: str = Field(description="queued | running | done | failed")
    progress: Progress
    message: str = Field(description="what the job is doing, English and Korean together")
    messages: dict[str, str] | None = Field(
        default=None, description="the same per language ({en, ko}) when the job gave both apart"
    )
    result: Any = Field(description="the receipt (or other result) once done")
    error: JobError | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested: bool = Field(
        default=False, description="someone asked it to stop; it stops at its next progress report"
    )


class Ok(BaseModel):
    ok: bool = True
