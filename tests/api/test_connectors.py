"""Connector health through the API: a company sees its own collectors in full, a shared one only by state."""

from __future__ import annotations

import time

from sandan.collect.connector import StoreSink
from sandan.collect.modbus import ModbusCollector, ModbusConfig, Register
from tests.collect.test_modbus_collector import PressPlc, free_port


def wait_for(predicate, timeout=15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_company_sees_its_collector_health_and_only_the_state_of_a_shared_one(world):
    plc = PressPlc(free_port()).start()
    own = ModbusCollector(
        ModbusConfig(
            "127.0.0.1",
            "acme",
            "m1",
            [Register("temp", 10, "int16")],
            port=plc.port,
            poll_interval_s=0.05,
            flush_every=2,
        ),
        name="press-plc",
    )
    shared = ModbusCollector(
        ModbusConfig(
            "127.0.0.1",
            "acme",
            "m1",
            [Register("temp", 10, "int16")],
            port=free_port(),
            poll_interval_s=0.2,
            timeout_s=0.2,
        ),
        name="shared-gw",
    )
    registry = world.client.app.state.connectors
    own.start(StoreSink(world.store))
    shared.start(StoreSink(world.store))
    registry.register(own, {"acme"}, site="s1")
    registry.register(shared, {"acme", "bravo"}, site="s1")
    try:
        assert wait_for(lambda: own.health().records > 0 and shared.health().errors > 0)
        mine = {h["name"]: h for h in world.get("a-admin", "/api/v1/companies/acme/connectors").json()}
        assert mine["press-plc"]["state"] == "connected" and mine["press-plc"]["records"] > 0
        assert mine["shared-gw"]["shared"] is True and mine["shared-gw"]["errors"] is None
        theirs = world.get("b-eng", "/api/v1/companies/bravo/connectors").json()
        assert [h["name"] for h in theirs] == ["shared-gw"]
        assert theirs[0]["records"] is None and theirs[0]["last_error"] is None
        assert world.get("b-eng", "/api/v1/companies/acme/connectors").status_code == 404
    finally:
        own.stop()
        shared.stop()
        plc.stop()


def test_an_edge_agents_link_changes_are_listed_for_its_company_only(world):
    press = {"name": "press-01", "kind": "modbus", "state": "connected", "records": 10}
    error = {"en": "no answer from the PLC", "ko": "PLC 응답 없음"}
    path = "/api/v1/companies/acme/edge/plant-a/status"
    assert world.put("a-admin", path, json=[press]).status_code == 200
    assert (
        world.put("a-admin", path, json=[{**press, "state": "error", "last_error": error}]).status_code == 200
    )
    events = world.get("a-eng", "/api/v1/companies/acme/edge/events").json()
    assert [(e["agent"], e["connector"], e["state"]) for e in events] == [
        ("plant-a", "press-01", "error"),
        ("plant-a", "press-01", "connected"),
    ]
    assert events[0]["error"] == error and events[1]["error"] is None
    assert [e["trouble"] for e in events] == [True, False]
    assert world.get("a-eng", "/api/v1/companies/acme/edge/events", params={"agent": "other"}).json() == []
    assert world.get("b-eng", "/api/v1/companies/acme/edge/events").status_code == 404
    assert world.get("b-eng", "/api/v1/companies/bravo/edge/events").json() == []
