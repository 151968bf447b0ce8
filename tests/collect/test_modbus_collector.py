"""Modbus TCP collector against a real pymodbus server on loopback, with a documented register map."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
from pymodbus.client import ModbusTcpClient
from pymodbus.datastore import (
    ModbusDeviceContext,
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSparseDataBlock,
)
from pymodbus.server import ModbusTcpServer

from sandan.collect.connector import StoreSink
from sandan.collect.modbus import ModbusCollector, ModbusConfig, Register, read_blocks
from sandan.domain import Company, Machine, Signal
from tests.conftest import free_port

DT = ModbusTcpClient.DATATYPE


class PressPlc:
    """A press PLC: tonnage as float32 at 0–1, strokes/min ×10 as int16 at 10, stroke count uint32 at 20–21.
    `sparse`: the device has those registers only (others answer "illegal data address")."""

    def __init__(self, port: int, sparse: bool = False) -> None:
        words = [0] * 40
        words[0:2] = ModbusTcpClient.convert_to_registers(412.5, DT.FLOAT32)
        words[10] = 235  # 23.5 strokes per minute, scale 0.1
        words[20:22] = ModbusTcpClient.convert_to_registers(123456, DT.UINT32)
        if sparse:  # keyed by register number
            block = ModbusSparseDataBlock({a: words[a] for a in (0, 1, 10, 20, 21)})
        else:
            block = ModbusSequentialDataBlock(1, words)
        device = ModbusDeviceContext(hr=block)
        self.context = ModbusServerContext(devices=device, single=True)
        self.port = port
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.server = ModbusTcpServer(self.context, address=("127.0.0.1", self.port))
        self._loop.call_soon(self._ready.set)
        await self.server.serve_forever()

    def start(self) -> PressPlc:
        self._thread.start()
        assert self._ready.wait(10)
        time.sleep(0.3)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.shutdown(), self._loop).result(10)
        self._thread.join(timeout=10)


REGISTERS = [
    Register("tonnage_kn", 0, "float32"),
    Register("spm", 10, "int16", scale=0.1),
    Register("stroke_count", 20, "uint32"),
]


@pytest.fixture
def plant(duck_store):
    company = f"c{uuid.uuid4().hex[:6]}"
    duck_store.upsert_company(Company(id=company, name="Modbus test"))
    duck_store.upsert_machine(company, Machine(id="prs-01", company_id=company, line_id="l1", name="Press 1"))
    duck_store.upsert_signals(
        company, [Signal(company_id=company, machine_id="prs-01", name=r.signal) for r in REGISTERS]
    )
    return duck_store, company


def wait_for(predicate, timeout=15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_registers_at_most_eight_apart_are_read_in_one_request():
    assert read_blocks(REGISTERS) == [(0, 11), (20, 2)]  # 0–1 and 10 share a request; 20 is 9 away
    assert read_blocks([Register("a", 0), Register("b", 500)]) == [(0, 1), (500, 1)]


def test_register_map_decodes_float32_scaled_int16_and_uint32(plant):
    store, company = plant
    plc = PressPlc(free_port()).start()
    collector = ModbusCollector(
        ModbusConfig(
            "127.0.0.1", company, "prs-01", REGISTERS, port=plc.port, poll_interval_s=0.05, flush_every=5
        )
    )
    collector.start(StoreSink(store))
    try:
        assert wait_for(lambda: store.count_rows(company, "readings") >= 15)
    finally:
        collector.stop()
        plc.stop()
    latest = {}
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    for row in store.query_readings(
        company, now - timedelta(hours=1), now + timedelta(minutes=1)
    ).to_pylist():
        latest[row["signal"]] = row["value"]
    assert latest == {"tonnage_kn": 412.5, "spm": pytest.approx(23.5), "stroke_count": 123456.0}


def test_an_unreachable_device_is_reported_in_health_not_raised(plant):
    store, company = plant
    collector = ModbusCollector(
        ModbusConfig(
            "127.0.0.1", company, "prs-01", REGISTERS, port=free_port(), poll_interval_s=0.05, timeout_s=0.5
        )
    )
    collector.start(StoreSink(store))
    try:
        assert wait_for(lambda: collector.health().errors >= 1)
        health = collector.health()
        assert health.state == "disconnected" and "Modbus" in health.last_error["en"]
    finally:
        collector.stop()


def test_a_register_the_device_lacks_costs_only_its_own_signal_and_is_named(plant):
    """The map reads 0–1 and 10 in one request, and 40, which the device does not have: the merged request was
    refused whole ("illegal data address" for 2–9) and no signal of the press was stored."""
    store, company = plant
    plc = PressPlc(free_port(), sparse=True).start()
    registers = [*REGISTERS, Register("die_temp_c", 40, "int16")]
    collector = ModbusCollector(
        ModbusConfig(
            "127.0.0.1", company, "prs-01", registers, port=plc.port, poll_interval_s=0.05, flush_every=2
        )
    )
    collector.start(StoreSink(store))
    try:
        assert wait_for(lambda: store.count_rows(company, "readings") >= 9)
        health = collector.health()
        assert health.state == "connected"  # the link is fine; one register is not
    finally:
        collector.stop()
        plc.stop()
    assert "register 40 (die_temp_c): illegal data address" in health.last_error["en"]
    assert "레지스터 40(die_temp_c): 없는 레지스터 주소" in health.last_error["ko"]
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    rows = store.query_readings(company, now - timedelta(hours=1), now + timedelta(minutes=1)).to_pylist()
    assert {r["signal"] for r in rows} == {"tonnage_kn", "spm", "stroke_count"}
    assert {r["signal"]: r["value"] for r in rows}["spm"] == pytest.approx(23.5)


def test_polling_pauses_while_the_sink_refuses_rather_than_holding_readings_without_bound(monkeypatch):
    """With the edge buffer full the collector kept every reading in memory, its health saying "connected"."""
    from sandan.collect import modbus
    from sandan.collect.edge import Backpressure

    class Full:
        def __call__(self, batch):
            raise Backpressure("edge buffer full", "엣지 버퍼가 가득 찼습니다")

    monkeypatch.setattr(modbus, "MAX_BUFFERED", 30)
    plc = PressPlc(free_port()).start()
    collector = ModbusCollector(
        ModbusConfig(
            "127.0.0.1", "acme", "prs-01", REGISTERS, port=plc.port, poll_interval_s=0.02, flush_every=2
        )
    )
    collector.start(Full())
    try:
        assert wait_for(lambda: collector.health().state == "paused")
        time.sleep(0.5)
        health = collector.health()
        assert health.buffer_depth <= 30 + len(REGISTERS) and health.state == "paused"
        assert "엣지 버퍼" in health.last_error["ko"]
    finally:
        collector.stop()
        plc.stop()
