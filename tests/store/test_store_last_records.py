"""Contract: each company's latest record, for the operator's list of members."""

from __future__ import annotations

from sandan.domain import Signal
from tests.store.data import add_company, at, events, parts, readings


def test_the_latest_part_or_event_of_each_company_and_none_for_a_quiet_one(two):
    add_company(two, "gamma")  # no records at all
    two.append_parts("acme", parts([{"t": 10, "part_id": "a"}, {"t": 3600, "part_id": "b"}]))
    two.append_events("acme", events([("M1", 60, 120, "running")]))
    two.append_events("beta", events([("M1", 7200, None, "down")]))
    two.append_parts("beta", parts([{"t": 30, "part_id": "c"}]))
    assert two.cross_tenant_last_records() == {"acme": at(3600), "beta": at(7200)}


def test_a_company_that_only_sends_readings_is_not_quiet(two):
    # sensors alone (no part records or machine states yet) are data arriving too; a reading counts to its minute
    add_company(two, "delta", machines=("M1",))
    two.upsert_signals("delta", [Signal(company_id="delta", machine_id="M1", name="temp")])
    two.append_readings("delta", readings([100.0, 4000.5]))
    assert two.cross_tenant_last_records()["delta"] == at(4000.5)
    two.aggregate_readings("delta", at(0), at(7200), 60)  # brings the per-minute rollup up to date
    assert at(3960) <= two.cross_tenant_last_records()["delta"] <= at(4000.5)


def test_each_machines_first_state_event_of_its_own_company_where_its_oee_begins(two):
    two.append_events(
        "acme", events([("M1", 600, 700, "running"), ("M1", 60, 120, "down"), ("M2", 900, None, "idle")])
    )
    two.append_events("beta", events([("M1", 30, 40, "running")]))  # another company's earlier event
    two.append_parts("acme", parts([{"t": 5, "part_id": "a"}]))  # a part is not a state record
    assert two.first_event_starts("acme", ["M1", "M2", "M3"]) == {"M1": at(60), "M2": at(900)}
    assert two.first_event_starts("acme", ["M2"]) == {"M2": at(900)}
    assert two.first_event_starts("acme", []) == {}
