"""Contract: each company's latest production record, for the operator's list of members."""

from __future__ import annotations

from tests.store.data import add_company, at, events, parts


def test_the_latest_part_or_event_of_each_company_and_none_for_a_quiet_one(two):
    add_company(two, "gamma")  # no records at all
    two.append_parts("acme", parts([{"t": 10, "part_id": "a"}, {"t": 3600, "part_id": "b"}]))
    two.append_events("acme", events([("M1", 60, 120, "running")]))
    two.append_events("beta", events([("M1", 7200, None, "down")]))
    two.append_parts("beta", parts([{"t": 30, "part_id": "c"}]))
    assert two.cross_tenant_last_records() == {"acme": at(3600), "beta": at(7200)}
