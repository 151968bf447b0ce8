"""The Modbus TCP gateway of the virtual factory, read by the platform's Modbus collector over loopback.

The register map is one structure: the gateway writes by it, the collector's site file is generated from it and the
documentation table is rendered from it — these tests hold the three together against a live process model.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest
import yaml
from pymodbus.client import ModbusTcpClient

from sandan.collect.connector import StoreSink
from sandan.collect.modbus import ModbusCollector, read_blocks
from sandan.collect.site import SiteConfig
from sandan.domain import Company, Machine, ProcessFamily
from sandan.twin.gateway import GatewayMachine, ModbusGateway
from sandan.twin.modbus_map import STATE_CODES, register_map, render_markdown, site_yaml
from sandan.twin.process import MODELS
from sandan.twin.virtual import ProcessModelSource

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout=15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def press_machine(company: str, machine_id: str = "prs-01") -> tuple[ProcessModelSource, GatewayMachine]:
    model = MODELS[ProcessFamily.press](material_seed=7)
    source = ProcessModelSource(model, model.nominal_settings(), seed=7)
    signals = [(s.name, s.unit) for s in source.signals(company, machine_id)]
    return source, GatewayMachine(machine_id, "Servo press 1", "press", "PressModel", signals)


def latest(store, company: str) -> dict[str, float]:
    now = datetime.now(UTC)
    rows = store.query_readings(company, now - timedelta(hours=1), now + timedelta(minutes=1)).to_pylist()
    return {row["signal"]: row["value"] for row in rows}  # ordered by time: the last poll wins


@pytest.fixture
def press_plant(duck_store):
    company = f"c{uuid.uuid4().hex[:6]}"
    duck_store.upsert_company(Company(id=company, name="Modbus press shop"))
    duck_store.upsert_machine(
        company, Machine(id="prs-01", company_id=company, line_id="l1", name="Press 1", family="press")
    )
    duck_store.upsert_signals(company, register_map("press").signals(company, "prs-01"))
    return duck_store, company


def test_collector_reads_counters_state_and_scaled_values_the_model_produced(press_plant, tmp_path):
    store, company = press_plant
    source, machine = press_machine(company)
    regmap = register_map("press")
    gateway = ModbusGateway([machine]).start()
    site_file = tmp_path / "site.yaml"
    site_file.write_text(site_yaml(company, gateway.collector_specs(poll_interval_s=0.05)), encoding="utf-8")
    (collector,) = SiteConfig.from_yaml(site_file).build_connectors()
    t0 = datetime.now(UTC) - timedelta(hours=3)
    source.produce("prs-01", t0, t0)
    first = source.produce("prs-01", t0, t0 + timedelta(hours=1))
    gateway.publish_produced("prs-01", first)
    collector.start(StoreSink(store))
    try:
        n1 = first.parts.num_rows
        assert n1 > 50
        assert wait_for(lambda: latest(store, company).get("parts_total") == n1)
        seen = latest(store, company)
        ok = pc.sum(pc.equal(first.parts["result"], "ok")).as_py()
        assert (seen["parts_ok"], seen["parts_ng"]) == (ok, n1 - ok)
        # the last cycle's process values, each exact to its register's resolution
        last_cycle = first.readings.filter(pc.equal(first.readings["time"], pc.max(first.readings["time"])))
        model_values = dict(
            zip(last_cycle["signal"].to_pylist(), last_cycle["value"].to_pylist(), strict=True)
        )
        for name, value in model_values.items():
            point = regmap.point(name)
            tolerance = 1e-6 * max(1.0, abs(value)) if point.type == "float32" else point.scale / 2 + 1e-9
            assert seen[name] == pytest.approx(value, abs=tolerance), name
        assert regmap.point("die_temp_c").type == "int16" and regmap.point("die_temp_c").scale == 0.1
        last_event = first.events.sort_by("start").to_pylist()[-1]
        assert seen["state_code"] == STATE_CODES[last_event["state"]][0]
        assert seen["alarm_code"] == (
            0 if last_event["state"] == "running" else regmap.alarm_code(last_event["reason_code"])
        )
        last_defect = first.parts["defect_type"][-1].as_py()
        assert seen["defect_code"] == regmap.defect_code(last_defect)

        # the machine runs on: the counter read over Modbus rises by exactly what the model made
        second = source.produce("prs-01", t0 + timedelta(hours=1), t0 + timedelta(hours=2))
        gateway.publish_produced("prs-01", second)
        n2 = n1 + second.parts.num_rows
        assert second.parts.num_rows > 0
        assert wait_for(lambda: latest(store, company).get("parts_total") == n2)
        assert collector.health().errors == 0 and collector.health().state == "connected"
    finally:
        collector.stop()
        gateway.stop()
    assert store.count_quarantine(company) == 0


def test_units_are_machines_writes_are_refused_and_unknown_units_answer_as_a_gateway():
    company = "c1"
    source_a, press_a = press_machine(company, "prs-01")
    _, press_b = press_machine(company, "prs-02")
    gateway = ModbusGateway([press_a, press_b]).start()
    regmap = register_map("press")
    client = ModbusTcpClient("127.0.0.1", port=gateway.port, timeout=2)
    try:
        gateway.publish_produced(
            "prs-01",
            source_a.produce("prs-01", datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 5, 1, tzinfo=UTC)),
        )
        assert client.connect()
        unit_a = client.read_holding_registers(0, count=regmap.size, device_id=gateway.units["prs-01"])
        unit_b = client.read_holding_registers(0, count=regmap.size, device_id=gateway.units["prs-02"])
        total = ModbusTcpClient.convert_from_registers(unit_a.registers[0:2], ModbusTcpClient.DATATYPE.UINT32)
        assert total == gateway.values("prs-01")["parts_total"] > 0
        assert unit_b.registers == [0] * regmap.size  # prs-02 has produced nothing yet
        # one shared block: input registers (function 04) return the same words
        assert client.read_input_registers(0, count=regmap.size, device_id=1).registers == unit_a.registers
        write = client.write_register(0, 1, device_id=1)
        assert write.isError() and write.exception_code == 1  # illegal function: the image is read-only
        past_end = client.read_holding_registers(0, count=regmap.size + 1, device_id=1)
        assert past_end.isError() and past_end.exception_code == 2  # illegal data address
        unknown = client.read_holding_registers(0, count=2, device_id=42)
        assert unknown.isError() and unknown.exception_code == 0x0A  # gateway path unavailable
    finally:
        client.close()
        gateway.stop()


def test_a_negative_scaled_value_is_a_twos_complement_word():
    regmap = register_map("press")
    point = regmap.point("die_temp_c")
    words = regmap.encode({"die_temp_c": -12.34, "parts_total": 2**32 + 5})
    assert words[point.address] == 65536 - 123  # -12.3 °C at 0.1 °C per bit
    assert words[0:2] == [0, 5]  # a 32-bit counter wraps
    value = ModbusTcpClient.convert_from_registers([words[point.address]], ModbusTcpClient.DATATYPE.INT16)
    assert value * point.scale == pytest.approx(-12.3)


@pytest.mark.parametrize("family", list(MODELS))
def test_generated_site_file_round_trips_to_the_collector_config(family, tmp_path):
    regmap = register_map(family)
    spec = regmap.collector_spec(name="plc", host="10.0.0.31", machine_id="m-01", port=5020, device_id=3)
    path = tmp_path / "site.yaml"
    path.write_text(site_yaml("acme", [spec], site="plant-1"), encoding="utf-8")
    site = SiteConfig.from_yaml(path)
    assert site.connectors[0].model_dump() == spec
    (collector,) = site.build_connectors()
    assert isinstance(collector, ModbusCollector)
    cfg = collector.config
    assert (cfg.host, cfg.port, cfg.device_id, cfg.machine_id) == ("10.0.0.31", 5020, 3, "m-01")
    assert [(r.signal, r.address, r.type, r.scale, r.word_order) for r in cfg.registers] == [
        (p.name, p.address, p.type, p.scale, "big") for p in regmap.points
    ]
    assert len(read_blocks(cfg.registers)) == 1  # the whole image in one request
    # every register fits the image and no two overlap
    used = [a for p in regmap.points for a in range(p.address, p.address + p.words)]
    assert len(used) == len(set(used)) and max(used) < regmap.size
    assert (
        yaml.safe_load(path.read_text(encoding="utf-8"))["connectors"][0]["registers"][0]["signal"]
        == "parts_total"
    )


def test_the_documented_register_map_is_the_generated_one():
    doc = (ROOT / "docs" / "modbus-register-map.md").read_text(encoding="utf-8")
    assert doc == render_markdown(), (
        "regenerate: python -m sandan.twin.modbus_map > docs/modbus-register-map.md"
    )
    for family in MODELS:
        for p in register_map(family).points:
            assert f"| {p.address} | {p.reference} | {p.words} | {p.type} |" in doc
