"""Labelling downtime: an operator gives a stored machine event (usually unexplained down time) its reason code.

The one write of the OEE views; the API, the web page and the assistant call `label_downtime`. The store keeps the
label, who gave it and when, and audits it in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandan.domain import InvalidInput, NotFound
from sandan.store import Store

MAX_REASON_LEN = 64


def label_downtime(
    store: Store,
    company_id: str,
    machine_id: str,
    event_start: datetime,
    reason_code: str,
    user_id: str | None,
    note: str | None = None,
) -> dict[str, Any]:
    """Set the reason code of the event keyed (machine_id, event_start) — the `event_start` of a row of
    `OeeReport.unexplained_downtime()` — and return the event as stored. A later OEE report counts its down time
    under that reason in the downtime Pareto and no longer lists it as unexplained. Relabelling replaces the
    reason; the audit log keeps both."""
    reason = (reason_code or "").strip()
    if not reason or len(reason) > MAX_REASON_LEN:
        raise InvalidInput(
            f"a reason code needs 1 to {MAX_REASON_LEN} characters (got {len(reason)})",
            f"사유 코드는 1~{MAX_REASON_LEN}자여야 합니다({len(reason)}자)",
            code="bad_reason_code",
        )
    if event_start.tzinfo is None:
        raise InvalidInput(
            f"the event start {event_start.isoformat()} has no time zone; send it as the unexplained list gives it",
            f"이벤트 시작 시각 {event_start.isoformat()}에 시간대가 없습니다. 미입력 정지 목록의 값을 그대로 보내세요",
            code="naive_time",
        )
    start = event_start.astimezone(UTC)
    stored = store.set_event_reason(company_id, machine_id, start, reason, user_id, note)
    if stored is None:
        raise NotFound(
            f"no event of machine {machine_id} starts at {start.isoformat()}",
            f"설비 {machine_id}에 {start.isoformat()}에 시작하는 이벤트가 없습니다",
            code="unknown_event",
        )
    return stored
