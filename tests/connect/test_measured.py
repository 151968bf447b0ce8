"""Capability measured on the platform: a plant connected yesterday is measured on its day, not on a week that is
mostly unrecorded (its OEE counts each machine's time from its first state record)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandan import monitor
from sandan.assist.present import span_of_days
from sandan.collect import ingest_events, ingest_parts
from sandan.connect.measured import measured_capability
from sandan.domain import Company, Line, Machine, Site
from sandan.monitor import Shift, ShiftCalendar


def test_a_plant_connected_yesterday_is_measured_on_the_day_it_has(duck_store):
    store = duck_store
    store.upsert_company(Company(id="new-co", name="새 회사", family="cnc"))
    store.upsert_site("new-co", Site(id="s1", company_id="new-co", name="1공장"))
    store.upsert_line("new-co", Line(id="l1", company_id="new-co", site_id="s1", name="가공"))
    store.upsert_machine(
        "new-co", Machine(id="m1", company_id="new-co", line_id="l1", name="CNC 1", ideal_cycle_time_s=60)
    )
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    first = now - timedelta(hours=20)
    events = [{"machine_id": "m1", "start": first.isoformat(), "end": now.isoformat(), "state": "running"}]
    parts = [
        {
            "machine_id": "m1",
            "time": (first + timedelta(minutes=2 * i + 1)).isoformat(),
            "part_id": f"p{i}",
            "result": "ok",
        }
        for i in range(600)
    ]
    assert ingest_events(store, "new-co", events).rejected == 0
    assert ingest_parts(store, "new-co", parts).rejected == 0
    around_the_clock = ShiftCalendar(
        shifts=[Shift(name="all", start="00:00", end="00:00")],
        working_weekdays=[0, 1, 2, 3, 4, 5, 6],
        korean_public_holidays=False,
    )
    got = measured_capability(store, "new-co", now=now, days=7, calendar=around_the_clock)
    start = first  # its first record: the machine event that begins a minute before the first part
    assert got["window_days"] == pytest.approx((now - start).total_seconds() / 86_400, abs=1 / 1440)
    assert got["since_first_record"] and span_of_days(got["window_days"], "en") == "20 h"
    own = monitor.oee(store, "new-co", start, now, by=(), calendar=around_the_clock).iloc[0]
    week = monitor.oee(store, "new-co", now - timedelta(days=7), now, by=(), calendar=around_the_clock).iloc[
        0
    ]
    # the week's OEE itself counts the machine's time from its first record, so it reads the day's figure, not
    # about an eighth of it
    assert got["oee"] == pytest.approx(own["oee"]) == week["oee"]
    assert own["planned_operation_time_s"] == week["planned_operation_time_s"] == pytest.approx(20 * 3600)
