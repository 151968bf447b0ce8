"""Reading back what was collected: raw readings, bucketed aggregates, part records and machine events.

The store answers in Arrow; large answers go to JSON column by column, never through one pydantic model per row.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

import numpy as np
import orjson
import pyarrow as pa
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from sandan.api.deps import LastDay, LastHour, Offset, ReadTenant, company_router, machine_or_404
from sandan.api.encode import file_response
from sandan.collect.export import MEDIA_TYPES, parts_file
from sandan.twin.process import column_labels

router: APIRouter = company_router("data")

MAX_READINGS = 100_000
MAX_PARTS = 10_000


# NumPy arrays go to orjson as they are: datetime64 becomes RFC 3339 text with "Z", NaN becomes null.
_ORJSON = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


def _times(col: pa.ChunkedArray, unit: str = "us") -> np.ndarray:
    """UTC timestamps as naive datetime64 (orjson writes them with a Z)."""
    return col.to_numpy().astype(f"datetime64[{unit}]")


def _numbers(col: pa.ChunkedArray) -> np.ndarray:
    return col.to_numpy(zero_copy_only=False)


def _json(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body, option=_ORJSON), media_type="application/json")


class ReadingRow(BaseModel):
    time: datetime
    signal: str
    value: float


class ReadingsOut(BaseModel):
    machine_id: str
    start: datetime
    end: datetime
    rows: list[ReadingRow]
    truncated: bool = Field(description="true when `limit` cut the answer; ask again from the last time")


@router.get("/machines/{machine_id}/readings", response_model=ReadingsOut)
def machine_readings(
    machine_id: str,
    t: ReadTenant,
    w: LastHour,
    signal: Annotated[list[str] | None, Query(description="repeat to ask for several signals")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_READINGS)] = 10_000,
) -> Response:
    """Raw readings of one machine in [start, end), oldest first (default window: the last hour)."""
    machine_or_404(t, machine_id)
    table = t.store.query_readings(t.company_id, w.start, w.end, [machine_id], signal or None, limit + 1)
    truncated = table.num_rows > limit
    table = table.slice(0, limit)
    rows = [
        {"time": ti, "signal": s, "value": v}
        for ti, s, v in zip(
            _times(table["time"]).tolist(),
            table["signal"].to_pylist(),
            table["value"].to_pylist(),
            strict=True,
        )
    ]
    return _json(
        {"machine_id": machine_id, "start": w.start, "end": w.end, "rows": rows, "truncated": truncated}
    )


class AggregateColumns(BaseModel):
    bucket: list[str] = Field(description="bucket start, UTC, ISO 8601")
    machine_id: list[str]
    signal: list[str]
    avg: list[float]
    min: list[float]
    max: list[float]
    count: list[int]


class AggregateOut(BaseModel):
    start: datetime
    end: datetime
    bucket_s: int
    rows: int
    columns: AggregateColumns = Field(description="one list per column, all of length `rows`")


@router.get("/readings/aggregate", response_model=AggregateOut)
def aggregate_readings(
    t: ReadTenant,
    w: LastDay,
    bucket_s: Annotated[int, Query(ge=1, le=31 * 86_400, description="bucket width in seconds")] = 60,
    machine_id: Annotated[list[str] | None, Query(description="repeat for several machines")] = None,
    signal: Annotated[list[str] | None, Query(description="repeat for several signals")] = None,
) -> Response:
    """Average, minimum, maximum and count per time bucket, machine and signal (default window: the last day)."""
    # a typo (or another company's machine) was an empty answer, as …/readings is not
    for m in machine_id or ():
        machine_or_404(t, m)
    table = t.store.aggregate_readings(
        t.company_id, w.start, w.end, bucket_s, machine_id or None, signal or None
    )
    columns = {
        "bucket": _times(table["bucket"], "s"),
        "machine_id": table["machine_id"].to_pylist(),
        "signal": table["signal"].to_pylist(),
        "avg": _numbers(table["avg"]),
        "min": _numbers(table["min"]),
        "max": _numbers(table["max"]),
        "count": _numbers(table["count"]),
    }
    return _json(
        {"start": w.start, "end": w.end, "bucket_s": bucket_s, "rows": table.num_rows, "columns": columns}
    )


class PartOut(BaseModel):
    time: datetime
    machine_id: str
    part_id: str
    lot_id: str | None
    product: str | None
    result: str
    defect_type: str | None
    params: dict[str, float]
    measures: dict[str, float]


class PartsOut(BaseModel):
    start: datetime
    end: datetime
    offset: int
    rows: list[PartOut]


@router.get(
    "/parts/export",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}, MEDIA_TYPES["csv"]: {}}}},
)
def parts_export(
    t: ReadTenant,
    w: LastDay,
    machine_id: Annotated[list[str] | None, Query(description="repeat for several machines")] = None,
    format: Annotated[
        str, Query(description="xlsx (Excel) or csv (UTF-8 with BOM, as Excel reads it)")
    ] = "xlsx",
    lang: Annotated[Literal["ko", "en"], Query(description="language of the headers")] = "ko",
) -> Response:
    """Part records in [start, end) as a file to open in Excel (default window: the last day): one column per
    process parameter (`param:<name>`) and measurement (`measure:<name>`), times on the plant's clock. The file
    imports back as the same records (`collect.files`)."""
    ids = [machine_or_404(t, m).id for m in machine_id] if machine_id else None
    labels = column_labels(
        m.family for m in t.store.list_machines(t.company_id) if ids is None or m.id in ids
    )
    found = parts_file(
        t.store,
        t.company_id,
        w.start,
        w.end,
        format,
        machine_ids=ids,
        lang=lang,
        zone=t.settings.display_timezone,
        column_labels=labels,
    )
    return file_response(found)


@router.get("/parts", response_model=PartsOut)
def parts(
    t: ReadTenant,
    w: LastDay,
    machine_id: Annotated[list[str] | None, Query(description="repeat for several machines")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PARTS)] = 1000,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Part records in [start, end), oldest first, a page at a time (default window: the last day)."""
    table = t.store.query_parts(t.company_id, w.start, w.end, machine_id or None, limit, offset)
    rows = table.to_pylist()
    for row in rows:
        row["params"] = json.loads(row["params"]) if row["params"] else {}
        row["measures"] = json.loads(row["measures"]) if row["measures"] else {}
    return {"start": w.start, "end": w.end, "offset": offset, "rows": rows}


class EventOut(BaseModel):
    machine_id: str
    start: datetime
    end: datetime | None = Field(description="null while the state lasts")
    state: str
    reason_code: str | None
    note: str | None


class EventsOut(BaseModel):
    start: datetime
    end: datetime
    rows: list[EventOut]


@router.get("/events", response_model=EventsOut)
def events(
    t: ReadTenant,
    w: LastDay,
    machine_id: Annotated[list[str] | None, Query(description="repeat for several machines")] = None,
) -> dict[str, Any]:
    """Machine state intervals overlapping [start, end) (default window: the last day)."""
    table = t.store.query_events(t.company_id, w.start, w.end, machine_id or None)
    return {"start": w.start, "end": w.end, "rows": table.to_pylist()}
