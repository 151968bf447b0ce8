"""Contract: what edge agents report of their collectors, per company, and how the platform shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandan.collect.connector import EDGE_SILENT_S, connector_health, report_edge_status
from sandan.domain import InvalidInput

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
PRESS = {"name": "press-01", "kind": "modbus", "state": "connected", "records": 1200, "rate_per_s": 3.5}


def test_an_edge_report_replaces_the_last_one_and_goes_silent_when_it_stops(two):
    report_edge_status(two, "acme", "plant-a", [PRESS], now=T0)
    report_edge_status(
        two, "acme", "plant-a", [{**PRESS, "records": 1500}, {"name": "fwd", "kind": "forwarder"}], now=T0
    )
    report_edge_status(
        two, "acme", "plant-b", [{**PRESS, "name": "press-02"}], now=T0 + timedelta(seconds=50)
    )
    shown = connector_health(two, None, "acme", now=T0 + timedelta(seconds=30))
    assert [(c["site"], c["name"], c["state"], c["records"]) for c in shown] == [
        ("plant-a", "press-01", "connected", 1500),
        ("plant-a", "fwd", None, None),
        ("plant-b", "press-02", "connected", 1200),
    ]
    assert all(c["edge"] for c in shown) and shown[0]["reported_at"] == T0.isoformat()
    later = connector_health(two, None, "acme", now=T0 + timedelta(seconds=EDGE_SILENT_S + 1))
    assert [c["state"] for c in later] == ["silent", "silent", "connected"]
    assert connector_health(two, None, "beta", now=T0) == []  # another company sees none of it


def test_an_edge_report_keeps_only_health_fields_and_a_safe_agent_name(two):
    report_edge_status(two, "acme", "plant-a", [{**PRESS, "password": "secret"}], now=T0)
    (shown,) = connector_health(two, None, "acme", now=T0)
    assert "password" not in shown
    with pytest.raises(InvalidInput, match="edge agent name"):
        report_edge_status(two, "acme", "../etc", [PRESS], now=T0)
