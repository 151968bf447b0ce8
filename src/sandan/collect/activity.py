"""Who is sending data: each member's latest record and whether it has gone quiet, for the operator's list.

Quiet is counted in the member's planned time when its data folder is given: a plant that works Monday to Friday
is not quiet on Saturday, nor on Monday morning, for a weekend without data. It is quiet once more than a working
day's planned time (its shifts less their breaks, `ShiftCalendar.planned_minutes_per_day`) has passed since its
last record — nights off, weekends, holidays and planned stops do not count."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandan.domain import Company, SandanError
from sandan.monitor.calendar import ShiftCalendar, company_calendar, planned_start
from sandan.store import Store

log = logging.getLogger("sandan.collect.activity")

#: Without a calendar (no data folder given): a member with no record (part, machine event or reading) for this
#: long is quiet — machines not connected, a collector down, imports stopped.
QUIET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Activity:
    last_record: datetime | None  # None: nothing recorded yet
    quiet: bool


def quiet_after(calendar: ShiftCalendar) -> timedelta:
    """How much planned time without a record makes a member quiet: one working day's planned time (8 h for one
    shift 08-17 with an hour's lunch, 22 h for two 12-h shifts). Zero for a calendar whose shifts are all break:
    `is_quiet` then counts clock time."""
    return timedelta(minutes=calendar.planned_minutes_per_day())


def is_quiet(last: datetime | None, now: datetime, calendar: ShiftCalendar | None = None) -> bool:
    """Whether a member whose latest record is `last` (None: none ever) is quiet at `now`: more than a working
    day's planned time of `calendar` has passed since it (see `quiet_after`); without a calendar, more than
    `QUIET_AFTER` of clock time."""
    if last is None:
        return True
    need = quiet_after(calendar) if calendar is not None else timedelta(0)
    if need <= timedelta(0):
        return now - last > QUIET_AFTER
    if now - last <= need:
        return False  # planned time is never more than clock time
    start = planned_start(calendar, now, need, last)  # where the last working day's planned time began
    return start is not None and start > last


def cross_tenant_activity(
    store: Store,
    now: datetime | None = None,
    companies: list[Company] | None = None,
    *,
    data_dir: Path | None = None,
) -> dict[str, Activity]:
    """Every member's (or those of `companies`, as the caller listed them) latest record and whether it is quiet
    at `now` (default: this moment). With `data_dir` (the settings' data folder) each member's quiet is counted in
    its own shift calendar's planned time (`is_quiet`); without it, in clock time (`QUIET_AFTER`)."""
    last = store.cross_tenant_last_records()
    now = now or datetime.now(UTC)
    out = {}
    for c in store.cross_tenant_companies() if companies is None else companies:
        calendar = None
        if data_dir is not None and c.id in last:
            try:
                calendar = company_calendar(data_dir, c.id)
            except SandanError as exc:  # one member's unreadable calendar must not hide the others' activity
                log.warning("calendar of %s unreadable, quiet counted in clock time: %s", c.id, exc.en)
        out[c.id] = Activity(last.get(c.id), is_quiet(last.get(c.id), now, calendar))
    return out
