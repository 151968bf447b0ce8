"""JSON for answers holding numpy numbers, NaN (written as null), timestamps and NaT: what analysis results are
made of, and what the standard encoder refuses (NaN) or cannot write (numpy types)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import numpy as np
import orjson
import pandas as pd
from fastapi import Response


def _default(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NaT:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value).__name__)


def json_response(body: Any, status_code: int = 200) -> Response:
    data = orjson.dumps(body, default=_default, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
    return Response(data, media_type="application/json", status_code=status_code)


def file_response(found: Any) -> Response:
    """A file to download (`collect.export.ExportFile`, or anything with `content`, `media_type`, `filename`): its
    bytes with a name browsers keep. A name beyond ASCII (a Korean order list's) goes as RFC 6266 `filename*`
    beside an ASCII stand-in: an HTTP header cannot carry it as it is."""
    name = str(found.filename)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "download"
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        disposition += f"; filename*=UTF-8''{quote(name)}"
    return Response(found.content, media_type=found.media_type, headers={"Content-Disposition": disposition})
