"""Contract: what edge agents report of their collectors, per company, and how the platform shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandan.collect.connector import EDGE_SILENT_S, connector_health, edge_history, report_edge_status
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


def test_an_agents_link_changes_are_kept_with_its_silent_spans_newest_first(two):
    fwd = {"name": "fwd", "kind": "forwarder", "state": "connected"}
    lost = {"en": "no answer from 10.0.0.7:502", "ko": "10.0.0.7:502 응답 없음", "at": T0.isoformat()}
    at = [T0 + timedelta(seconds=s) for s in (0, 15, 30, 300, 315)]
    report_edge_status(two, "acme", "plant-a", [PRESS, fwd], now=at[0])  # first report: both states are new
    report_edge_status(
        two, "acme", "plant-a", [{**PRESS, "records": 1300}, fwd], now=at[1]
    )  # nothing changed
    report_edge_status(
        two, "acme", "plant-a", [{**PRESS, "state": "disconnected", "last_error": lost}, fwd], now=at[2]
    )
    report_edge_status(two, "acme", "plant-a", [PRESS, fwd], now=at[3])  # after 270 s without a report
    report_edge_status(two, "acme", "plant-a", [PRESS], now=at[4])  # the forwarder is no longer reported
    report_edge_status(two, "beta", "plant-b", [PRESS], now=at[4])
    history = edge_history(two, "acme")
    assert [(e["at"], e["connector"], e["state"]) for e in history] == [
        (at[4], "fwd", "removed"),
        (at[3], "press-01", "connected"),
        (at[2], "", "silent"),  # from the last report before the gap
        (at[2], "press-01", "disconnected"),
        (at[0], "fwd", "connected"),
        (at[0], "press-01", "connected"),
    ]
    assert history[2]["until"] == at[3] and history[2]["silent_s"] == 270
    assert history[3]["error"] == lost and history[1]["error"] is None  # the error where it was not connected
    # changes for the worse are marked: the silence and the disconnection, not the recoveries or the removal
    assert [e["trouble"] for e in history] == [False, False, True, True, False, False]
    assert {e["agent"] for e in edge_history(two, "beta")} == {"plant-b"}  # each company its own
    assert edge_history(two, "acme", agent="plant-b") == [] and len(edge_history(two, "acme", limit=2)) == 2


def test_an_agent_keeps_only_its_newest_link_changes(two):
    events = [(T0 + timedelta(seconds=i), "press-01", "connected", None, None) for i in range(10)]
    two.add_edge_events("acme", "plant-a", events, keep=4)
    two.add_edge_events("acme", "plant-b", events[:2], keep=4)
    kept = two.list_edge_events("acme", "plant-a")
    assert [row[1] for row in kept] == [T0 + timedelta(seconds=i) for i in (9, 8, 7, 6)]
    assert len(two.list_edge_events("acme", "plant-b")) == 2  # another agent's are not touched
