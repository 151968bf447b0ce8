"""A small plant for the monitor tests: one company, two lines, three machines, data through the real ingestion."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sandan.collect import ingest_events, ingest_parts
from sandan.domain import Company, Line, Machine, Site

SEOUL = ZoneInfo("Asia/Seoul")
COMPANY = "acme"


def kst(day: str, clock: str) -> datetime:
    """A Seoul wall-clock time, e.g. kst("2025-03-10", "08:00")."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SEOUL)


def iso(t: datetime) -> str:
    return t.isoformat()


@pytest.fixture
def plant(duck_store):
    store = duck_store
    store.upsert_company(Company(id=COMPANY, name="에이크미 정밀"))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="본공장"))
    store.upsert_line(COMPANY, Line(id="L1", company_id=COMPANY, site_id="s1", name="가공 1라인"))
    store.upsert_line(COMPANY, Line(id="L2", company_id=COMPANY, site_id="s1", name="조립 라인"))
    store.upsert_machine(
        COMPANY, Machine(id="M1", company_id=COMPANY, line_id="L1", name="CNC 1", ideal_cycle_time_s=60)
    )
    store.upsert_machine(
        COMPANY, Machine(id="M2", company_id=COMPANY, line_id="L1", name="CNC 2", ideal_cycle_time_s=30)
    )
    store.upsert_machine(COMPANY, Machine(id="M3", company_id=COMPANY, line_id="L2", name="조립기"))
    return store


def add_events(store, rows: list[tuple]) -> None:
    """rows: (machine, start, end or None, state, reason or None) with datetimes."""
    payload = [
        {
            "machine_id": m,
            "start": iso(s),
            "end": iso(e) if e is not None else "",
            "state": st,
            "reason_code": r or "",
        }
        for m, s, e, st, r in rows
    ]
    receipt = ingest_events(store, COMPANY, payload)
    assert receipt.rejected == 0, receipt.issues


def add_parts(
    store, machine: str, times: list[datetime], ng_times: set[datetime] = frozenset(), **extra
) -> None:
    payload = [
        {
            "time": iso(t),
            "machine_id": machine,
            "part_id": f"{machine}-{i}",
            "result": "ng" if t in ng_times else "ok",
            **extra,
        }
        for i, t in enumerate(times)
    ]
    receipt = ingest_parts(store, COMPANY, payload)
    assert receipt.rejected == 0, receipt.issues


def spread(start: datetime, end: datetime, n: int) -> list[datetime]:
    """n completion times evenly inside (start, end]."""
    step = (end - start) / n
    return [start + step * (i + 1) - timedelta(seconds=1) for i in range(n)]
