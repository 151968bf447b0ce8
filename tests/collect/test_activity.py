"""Who has gone quiet: a member without any record for a day, or ever, is marked on the operator's list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandan.collect import ingest_parts, ingest_readings
from sandan.collect.activity import QUIET_AFTER, cross_tenant_activity
from sandan.domain import Company, Line, Machine, Site

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _member(store, company_id):
    store.upsert_company(Company(id=company_id, name=company_id, family="press"))
    store.upsert_site(company_id, Site(id="s1", company_id=company_id, name="1공장"))
    store.upsert_line(company_id, Line(id="l1", company_id=company_id, site_id="s1", name="라인"))
    store.upsert_machine(company_id, Machine(id="m1", company_id=company_id, line_id="l1", name="프레스"))


def test_sensors_alone_keep_a_member_active_and_a_day_without_data_makes_it_quiet(duck_store):
    for company_id in ("sensors", "parts-old", "nothing"):
        _member(duck_store, company_id)
    reading = {
        "time": (NOW - timedelta(hours=2)).isoformat(),
        "machine_id": "m1",
        "signal": "온도",
        "value": 41.0,
    }
    assert ingest_readings(duck_store, "sensors", [reading], register_signals=True).rejected == 0
    old = NOW - QUIET_AFTER - timedelta(minutes=1)
    part = {"time": old.isoformat(), "machine_id": "m1", "part_id": "p1", "result": "ok"}
    assert ingest_parts(duck_store, "parts-old", [part]).rejected == 0

    activity = cross_tenant_activity(duck_store, NOW)
    assert activity["sensors"].quiet is False
    assert activity["sensors"].last_record == NOW - timedelta(hours=2)
    assert (activity["parts-old"].last_record, activity["parts-old"].quiet) == (old, True)
    assert (activity["nothing"].last_record, activity["nothing"].quiet) == (None, True)
    # the same part a minute inside the day is not quiet
    assert cross_tenant_activity(duck_store, NOW - timedelta(minutes=2))["parts-old"].quiet is False
