"""Capability measured on the platform — machine types, OEE, defect rate — shown only with the company's consent.

Figures come from sandan.monitor; nothing is computed here.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sandan.domain import SandanError
from sandan.monitor.calendar import ShiftCalendar
from sandan.monitor.peers import company_figures, recorded_start
from sandan.store import Store


def measured_capability(
    store: Store,
    company_id: str,
    *,
    now: datetime | None = None,
    days: int = 7,
    calendar: ShiftCalendar | None = None,
) -> dict[str, Any]:
    """Machine counts per process family, OEE and defect rate of the last `days` days (with the company's shift
    `calendar`, as its dashboard shows them) — or of the days since its first record (`recorded_start`) when it
    has been on the platform for less: a plant connected yesterday is measured on its day, not on a week mostly
    unrecorded (which OEE counts as loss). `window_days` says how long (to the minute), `since_first_record`
    whether it is the shorter span."""
    now = now or datetime.now(UTC)
    start = recorded_start(store, company_id, now - timedelta(days=days), now)
    machines = store.list_machines(company_id)
    out: dict[str, Any] = {
        "window_days": round((now - start).total_seconds() / 60) / 1_440,
        "since_first_record": now - start < timedelta(days=days),
        "machines_by_family": dict(Counter(m.family.value for m in machines)),
        "oee": None,
        "defect_rate": None,
        "produced_qty": None,
    }
    if not machines:
        return out
    try:  # the figures the peer benchmark compares, from one function
        figures = company_figures(store, company_id, start, now, calendar)
    except (SandanError, IndexError):  # a window without planned shifts has no figures
        return out
    out["oee"] = None if figures["oee"] != figures["oee"] else float(figures["oee"])
    if figures["produced_qty"]:
        out["defect_rate"], out["produced_qty"] = figures["defect_rate"], figures["produced_qty"]
    return out
