"""OEE counts parts from the store's per-bucket counts when no shift boundary cuts a bucket, and part by part when
one does (shifts starting at a second past the minute). Moving a whole plant — data, shifts, breaks, planned stops
and window — 30 s later changes no figure, so both ways of counting must agree exactly."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np
import pandas as pd
import pytest

from sandan.monitor import Break, PlannedStop, Shift, ShiftCalendar, oee_report
from sandan.monitor.calendar import shift_windows, to_us
from sandan.monitor.oee import ADDITIVE, count_bucket_s
from tests.monitor.conftest import COMPANY, SEOUL, add_events, add_parts

STATES = ["running", "running", "running", "idle", "down", "setup", "planned_stop"]
T0 = datetime(2025, 3, 10, 6, 47, 13, 500_000, tzinfo=SEOUL)  # Monday, a window starting mid-minute
SPAN = timedelta(days=2, hours=7, minutes=3)


def _calendar(shift_s: int) -> ShiftCalendar:
    def at(h: int, m: int = 0) -> time:
        return time(h, m, shift_s)

    return ShiftCalendar(
        shifts=[
            Shift(name="day", start=at(8), end=at(20), breaks=[Break(start=at(12), end=at(13))]),
            Shift(name="night", start=at(20), end=at(8), breaks=[Break(start=at(0), end=at(0, 30))]),
        ],
        planned_stops=[
            PlannedStop(
                start=datetime(2025, 3, 11, 14, 0, shift_s, tzinfo=SEOUL),
                end=datetime(2025, 3, 11, 15, 10, shift_s, tzinfo=SEOUL),
            )
        ],
    )


def _plant(store, shift: timedelta, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    for machine in ("M1", "M2", "M3"):
        starts = np.sort(rng.uniform(-3600, SPAN.total_seconds(), size=150))
        events = []
        for i, s in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) and rng.random() < 0.9 else None
            state = STATES[rng.integers(len(STATES))]
            reason = rng.choice(["", "spindle", "jam"]) if state == "down" else None
            at = lambda x: T0 + shift + timedelta(seconds=round(float(x), 3))  # noqa: E731
            events.append((machine, at(s), None if end is None else at(end), state, reason or None))
        add_events(store, events)
        times = np.sort(rng.uniform(-600, SPAN.total_seconds() + 600, size=2500)).round(3)
        moments = [T0 + shift + timedelta(seconds=float(t)) for t in times]
        scrap = {m for m in moments if rng.random() < 0.08}
        for product in ("shaft", "gear"):
            mine = moments[::2] if product == "shaft" else moments[1::2]
            add_parts(store, machine, mine, {m for m in mine if m in scrap}, product=product)


@pytest.fixture
def plants(tmp_path):
    from sandan.domain import Company, Line, Machine, Site
    from sandan.store import open_store

    stores = []
    for k, shift_s in enumerate((0, 30)):
        store = open_store(f"duckdb:///{tmp_path / f'plant{k}.duckdb'}")
        store.upsert_company(Company(id=COMPANY, name="acme"))
        store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="s"))
        store.upsert_line(COMPANY, Line(id="L1", company_id=COMPANY, site_id="s1", name="l"))
        for m, ideal in (("M1", 20.0), ("M2", 33.3), ("M3", None)):
            store.upsert_machine(
                COMPANY, Machine(id=m, company_id=COMPANY, line_id="L1", name=m, ideal_cycle_time_s=ideal)
            )
        _plant(store, timedelta(seconds=shift_s))
        stores.append((store, shift_s))
    yield stores
    for store, _ in stores:
        store.close()


def test_counting_by_bucket_and_part_by_part_agree(plants):
    overrides = {"M3": 41.0, ("M1", "gear"): 25.5}
    reports = []
    for store, shift_s in plants:
        calendar = _calendar(shift_s)
        start, end = T0 + timedelta(seconds=shift_s), T0 + SPAN + timedelta(seconds=shift_s)
        windows = shift_windows(calendar, start, end)
        reports.append(
            (
                count_bucket_s(windows, to_us(start), to_us(end)),
                oee_report(store, COMPANY, start, end, calendar=calendar, ideal_cycle_time_s=overrides),
            )
        )
    (by_bucket, a), (by_part, b) = reports
    # the two ways of counting are both exercised (the planned stop ends at 15:10, so buckets of 10 minutes)
    assert (by_bucket, by_part) == (600, None)
    assert a.basis["produced_qty"].sum() > 5_000 and a.basis["startup_scrap_qty"].sum() > 0
    assert (
        a.produced_outside_planned_time and a.produced_outside_planned_time == b.produced_outside_planned_time
    )
    ints = [c for c in ADDITIVE if c.endswith("_qty")]
    pd.testing.assert_frame_equal(a.basis[ints], b.basis[ints])
    floats = [c for c in ADDITIVE if c not in ints]
    np.testing.assert_allclose(a.basis[floats].to_numpy(), b.basis[floats].to_numpy(), rtol=1e-12, atol=1e-9)
    for by in ("machine", "shift", "line"):
        ta, tb = a.table(by), b.table(by)
        np.testing.assert_allclose(ta["oee"].to_numpy(), tb["oee"].to_numpy(), rtol=1e-12, equal_nan=True)
    assert a.downtime_pareto()["down_time_s"].tolist() == b.downtime_pareto()["down_time_s"].tolist()
