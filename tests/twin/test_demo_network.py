"""The demo's network transport: readings of some virtual plants travel over Sparkplug B (MQTT), OPC UA and Modbus
TCP on loopback into the platform's collectors, as they would from a shop floor."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sandan.twin.gateway import free_port
from sandan.twin.virtual import build_demo_complex, start_network
from tests.conftest import require_service


def wait_for(predicate, timeout=30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_sparkplug_and_opcua_plants_reach_the_store_through_their_collectors(duck_store):
    require_service("Mosquitto", "127.0.0.1", 1883)
    complex_ = build_demo_complex(duck_store)
    now = datetime.now(UTC)
    complex_.backfill(1, now=now - timedelta(minutes=10))  # past the first setup: machines are producing
    net = start_network(complex_)
    try:
        assert not net.notes or "embedded" not in net.notes[0][0]
        assert wait_for(lambda: all(h["state"] == "connected" for h in net.health()))
        complex_.advance(now - timedelta(minutes=1))
        complex_.advance(now)
        assert complex_.totals.published > 0
        assert wait_for(lambda: duck_store.count_rows("sejin-press", "readings") > 0)
        assert wait_for(lambda: duck_store.count_rows("daesung-plastics", "readings") > 0)
        assert sum(h["errors"] for h in net.health()) == 0
        assert duck_store.count_quarantine("sejin-press") == 0
    finally:
        net.stop()


def test_without_a_broker_an_embedded_one_is_started_and_the_press_shop_streams_over_modbus(duck_store):
    """Without Mosquitto an embedded broker carries Sparkplug B. Sejin Press's machines sit behind a Modbus TCP
    gateway; collectors built from the generated site file poll one unit per machine, and the part counters they
    store are what the models made since the gateway started."""
    complex_ = build_demo_complex(duck_store)
    now = datetime.now(UTC)
    complex_.backfill(1, now=now - timedelta(minutes=10))
    net = start_network(complex_, mqtt_port=free_port(), modbus_poll_s=0.05)
    try:
        assert "embedded" in net.notes[0][0] and "내장" in net.notes[0][1]
        assert any("Modbus TCP" in en and "sejin-press" in en for en, _ko in net.notes)
        plcs = [c for c in net.collectors if c.kind == "modbus"]
        press_ids = {vm.machine.id for vm in complex_.machines if vm.company_id == "sejin-press"}
        assert {c.config.machine_id for c in plcs} == press_ids
        assert sorted(c.config.device_id for c in plcs) == list(range(1, len(press_ids) + 1))
        assert wait_for(lambda: net.health()[0]["state"] == "connected")
        before = duck_store.count_rows("sejin-press", "part_records")
        complex_.advance(now)
        made = duck_store.count_rows("sejin-press", "part_records") - before
        assert made > 0

        def counters() -> float:
            rows = duck_store.query_readings(
                "sejin-press",
                now - timedelta(minutes=5),
                datetime.now(UTC) + timedelta(minutes=1),
                signals=["parts_total"],
            ).to_pylist()
            latest = {r["machine_id"]: r["value"] for r in rows}
            return sum(latest.values()) if set(latest) == press_ids else -1

        assert wait_for(lambda: counters() == made)
        assert all(c.health().errors == 0 and c.health().state == "connected" for c in plcs)
        assert duck_store.count_quarantine("sejin-press") == 0

        clock = [now]

        def forging_readings() -> bool:
            # Sparkplug data is QoS 0 and a forging press makes few cycles: messages sent before the collector's
            # subscription took effect are gone, so keep the plants running (a simulated minute per check)
            clock[0] += timedelta(minutes=1)
            complex_.advance(clock[0])
            return duck_store.count_rows("kumho-forging", "readings") > 0

        assert wait_for(forging_readings)
    finally:
        net.stop()
