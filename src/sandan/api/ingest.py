"""Ingestion over HTTP: a JSON list of records in, the receipt of `sandan.collect` out.

Validation, storage and quarantine are the ingestion path's; this only names the source after the caller.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query

from sandan.api.deps import WriteTenant, company_router
from sandan.api.models import ReceiptOut
from sandan.collect import Origin, ingest_events, ingest_parts, ingest_readings

router: APIRouter = company_router("ingest")

MAX_RECORDS = 200_000  # one request; larger loads go through file import or several batches

Records = Annotated[
    list[dict[str, Any]],
    Body(max_length=MAX_RECORDS, description="the records as JSON objects; see the examples"),
]
_TZ = Query(default=None, description="time zone for times that carry none, e.g. Asia/Seoul")
DateOrder = Annotated[
    Literal["dmy", "mdy"] | None,
    Query(
        description="how dates such as 5/12/2026 are written: dmy (day/month) or mdy (month/day); without it a "
        "batch with no date that settles the order (25/12/2026) quarantines them",
    ),
]


@router.post(
    "/ingest/readings",
    response_model=ReceiptOut,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": [
                        {
                            "time": "2026-05-01T08:00:00+09:00",
                            "machine_id": "cnc-01",
                            "signal": "spindle_temp",
                            "value": 41.5,
                        }
                    ]
                }
            }
        }
    },
)
def post_readings(
    records: Records,
    t: WriteTenant,
    register_signals: bool = Query(default=False, description="define unseen signals of known machines"),
    timezone: str | None = _TZ,
    date_order: DateOrder = None,
) -> dict[str, Any]:
    """Sensor readings (time, machine_id, signal, value[, unit]); rejected rows go to quarantine."""
    origin = Origin(source=t.source, timezone=timezone, date_order=date_order)
    receipt = ingest_readings(t.store, t.company_id, records, origin, register_signals=register_signals)
    return receipt.to_dict()


@router.post("/ingest/parts", response_model=ReceiptOut)
def post_parts(
    records: Records, t: WriteTenant, timezone: str | None = _TZ, date_order: DateOrder = None
) -> dict[str, Any]:
    """Part records (time, machine_id, result[, part_id, lot_id, product, defect_type, params, measures])."""
    origin = Origin(source=t.source, timezone=timezone, date_order=date_order)
    receipt = ingest_parts(t.store, t.company_id, records, origin)
    return receipt.to_dict()


@router.post("/ingest/events", response_model=ReceiptOut)
def post_events(
    records: Records, t: WriteTenant, timezone: str | None = _TZ, date_order: DateOrder = None
) -> dict[str, Any]:
    """Machine state intervals (machine_id, start, state[, end, reason_code, note])."""
    origin = Origin(source=t.source, timezone=timezone, date_order=date_order)
    receipt = ingest_events(t.store, t.company_id, records, origin)
    return receipt.to_dict()
