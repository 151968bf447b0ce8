"""Who is sending data: each member's latest record and whether it has gone quiet, for the operator's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sandan.domain import Company
from sandan.store import Store

#: A member with no record (part, machine event or reading) for this long is quiet: machines not connected, a
#: collector down, imports stopped.
QUIET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Activity:
    last_record: datetime | None  # None: nothing recorded yet
    quiet: bool


def cross_tenant_activity(
    store: Store, now: datetime | None = None, companies: list[Company] | None = None
) -> dict[str, Activity]:
    """Every member's (or those of `companies`, as the caller listed them) latest record and whether it is quiet
    at `now` (default: this moment)."""
    last = store.cross_tenant_last_records()
    now = now or datetime.now(UTC)
    return {
        c.id: Activity(last.get(c.id), c.id not in last or now - last[c.id] > QUIET_AFTER)
        for c in (store.cross_tenant_companies() if companies is None else companies)
    }
