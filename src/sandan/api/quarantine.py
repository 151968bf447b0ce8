"""Quarantine review: list rejected records with their reason, fix and replay one, or discard it.

A replay goes through the same ingestion function as the original batch; resolutions are written to the audit log.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from sandan.api.deps import Offset, ReadTenant, RowId, WriteTenant, company_router
from sandan.api.models import Ok, ReceiptOut, Text
from sandan.collect.quarantine import (
    REJECT_KINDS,
    discard_matching,
    discard_quarantined,
    keep_reject,
    quarantined,
    replay_quarantined,
)

router: APIRouter = company_router("quarantine")


class Reason(BaseModel):
    code: str
    message: Text


class QuarantineOut(BaseModel):
    id: int
    received_at: datetime
    source: str
    kind: str = Field(description="reading | part | event | file | message | batch")
    batch_id: str
    record: Any = Field(description="the record as received")
    reason: Reason
    location: dict[str, Any]
    status: str = Field(description="open | replayed | discarded")
    resolved_by: str | None
    resolved_at: datetime | None
    stored: Any = Field(
        None, description="the record as it was stored when it was replayed (corrected or not)"
    )
    repeats: int = Field(0, description="how often the same record came again while this item waited")
    last_received_at: datetime | None = Field(None, description="when it last came again")


class QuarantinePage(BaseModel):
    total: int
    items: list[QuarantineOut]


def _out(item: dict[str, Any]) -> dict[str, Any]:
    try:
        record = json.loads(item["raw"])
    except (TypeError, ValueError):
        record = item["raw"]
    return {
        **item,
        "record": record,
        "stored": json.loads(item["stored"]) if item.get("stored") else None,
        "reason": {
            "code": item["reason_code"],
            "message": {"en": item["reason_en"], "ko": item["reason_ko"]},
        },
    }


@router.get("/quarantine", response_model=QuarantinePage)
def list_quarantine(
    t: ReadTenant,
    status: Annotated[Literal["open", "replayed", "discarded", "all"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
    reason_code: Annotated[str | None, Query(max_length=100, description="only items of this reason")] = None,
    batch_id: Annotated[str | None, Query(max_length=100, description="only items of this import")] = None,
) -> dict[str, Any]:
    """Rejected records, newest first, with why each was rejected and where it came from."""
    wanted = None if status == "all" else status
    narrow = {"reason_code": reason_code, "batch_id": batch_id}
    items = t.store.list_quarantine(t.company_id, wanted, limit, offset, **narrow)
    return {
        "total": t.store.count_quarantine(t.company_id, wanted, **narrow),
        "items": [_out(i) for i in items],
    }


class ReasonCount(BaseModel):
    reason: Reason
    n: int


@router.get("/quarantine/reasons", response_model=list[ReasonCount])
def quarantine_reasons(t: ReadTenant) -> list[dict[str, Any]]:
    """Open items per reason, most first: what to fix at the source first."""
    return [
        {
            "reason": {"code": r["reason_code"], "message": {"en": r["reason_en"], "ko": r["reason_ko"]}},
            "n": r["n"],
        }
        for r in t.store.quarantine_reasons(t.company_id)
    ]


class DiscardManyIn(BaseModel):
    comment: str = Field(min_length=1, max_length=1000, description="why these items are dropped (audit log)")
    reason_code: str | None = Field(None, max_length=100)
    batch_id: str | None = Field(None, max_length=100)


class DiscardManyOut(BaseModel):
    discarded: int


@router.post("/quarantine/discard", response_model=DiscardManyOut)
def discard_many(body: DiscardManyIn, t: WriteTenant) -> dict[str, Any]:
    """Discard every open item of one reason and/or one import at once, with one comment (one audit entry)."""
    n = discard_matching(
        t.store, t.company_id, t.principal, body.comment, reason_code=body.reason_code, batch_id=body.batch_id
    )
    return {"discarded": n}


class RejectIn(BaseModel):
    source: str = Field(min_length=1, max_length=500, description="where it came from, e.g. mqtt:<topic>")
    kind: Literal[REJECT_KINDS] = Field(  # type: ignore[valid-type]
        description="message: a payload that could not be decoded; batch: a batch the platform refused whole"
    )
    raw: str = Field(max_length=16_000_000, description="the payload as received")
    reason: Reason


@router.post("/quarantine", response_model=Ok, status_code=201)
def keep_rejects(items: Annotated[list[RejectIn], Field(max_length=1000)], t: WriteTenant) -> Ok:
    """Keep what an edge agent could not deliver as records — an undecodable message, or a batch the platform
    refused whole — in quarantine with its reason, so nothing is dropped unseen. These cannot be replayed."""
    for item in items:
        message = item.reason.message
        keep_reject(
            t.store,
            t.company_id,
            f"{t.source}/{item.source}",
            item.kind,
            item.raw,
            item.reason.code,
            message.en,
            message.ko,
        )
    return Ok()


@router.get("/quarantine/{item_id}", response_model=QuarantineOut)
def get_quarantine(item_id: RowId, t: ReadTenant) -> dict[str, Any]:
    return _out(quarantined(t.store, t.company_id, item_id))


class ReplayIn(BaseModel):
    record: dict[str, Any] | None = Field(
        default=None, description="the corrected record; the stored one when omitted"
    )
    timezone: str | None = Field(default=None, description="zone for times without one, e.g. Asia/Seoul")
    register_signals: bool = Field(default=False, description="readings only: define an unseen signal")


class ReplayOut(BaseModel):
    replayed: bool = Field(description="true when the record is now stored (or was already)")
    reason: Reason | None = Field(description="why it was rejected again, when it was")
    receipt: ReceiptOut
    item: QuarantineOut


@router.post("/quarantine/{item_id}/replay", response_model=ReplayOut)
def replay(item_id: RowId, body: ReplayIn, t: WriteTenant) -> dict[str, Any]:
    """Ingest the (fixed) record again; when it is accepted the item becomes `replayed`, else it stays open."""
    done = replay_quarantined(
        t.store,
        t.company_id,
        item_id,
        t.principal,
        record=body.record,
        timezone=body.timezone,
        register_signals=body.register_signals,
        source=t.source,
    )
    return {
        "replayed": done.replayed,
        "reason": done.reason,
        "receipt": done.receipt.to_dict(),
        "item": _out(done.item),
    }


class DiscardIn(BaseModel):
    comment: str = Field(default="", max_length=1000, description="why the record is dropped")


@router.post("/quarantine/{item_id}/discard", response_model=QuarantineOut)
def discard(item_id: RowId, body: DiscardIn, t: WriteTenant) -> dict[str, Any]:
    """Mark the record as deliberately dropped; the comment goes to the audit log."""
    return _out(discard_quarantined(t.store, t.company_id, item_id, t.principal, body.comment))
