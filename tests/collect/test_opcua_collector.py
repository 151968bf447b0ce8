"""OPC UA collector against a real asyncua server on loopback: subscribe, store, survive the server going away."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
from asyncua import Server, ua

from sandan.collect.connector import StoreSink
from sandan.collect.opcua import OpcUaCollector, OpcUaConfig, OpcUaMachine
from sandan.domain import Company, Machine, Signal
from tests.conftest import free_port


class MachineServer:
    """An OPC UA server with Objects/Machines/IMM-01 whose variables change every 50 ms."""

    def __init__(self, port: int, sensor_fails: bool = False) -> None:
        self.sensor_fails = sensor_fails  # the pressure sensor fails: its value comes marked BadSensorFailure
        self.endpoint = f"opc.tcp://127.0.0.1:{port}/sandan/"
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        idx = await server.register_namespace("urn:sandan:test")
        machines = await server.nodes.objects.add_folder(idx, "Machines")
        imm = await machines.add_object(idx, "IMM-01")
        melt = await imm.add_variable(idx, "MeltTemperature", 230.0)
        pressure = await imm.add_variable(idx, "InjectionPressure", 800.0)
        await imm.add_variable(idx, "MouldName", "cap-32")  # text: not a signal
        async with server:
            self._ready.set()
            i = 0
            while not self._stop.is_set():
                i += 1
                await melt.write_value(230.0 + (i % 10))
                if self.sensor_fails and i > 5:
                    failed = ua.StatusCode(ua.StatusCodes.BadSensorFailure)
                    await pressure.write_value(
                        ua.DataValue(ua.Variant(0.0, ua.VariantType.Double), StatusCode=failed)
                    )
                else:
                    await pressure.write_value(800.0 + (i % 7))
                await asyncio.sleep(0.05)

    def start(self) -> MachineServer:
        self._thread.start()
        assert self._ready.wait(20), "OPC UA server did not start"
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=20)


@pytest.fixture
def plant(duck_store):
    company = f"c{uuid.uuid4().hex[:6]}"
    duck_store.upsert_company(Company(id=company, name="OPC UA test"))
    duck_store.upsert_machine(company, Machine(id="imm-01", company_id=company, line_id="l1", name="IMM 1"))
    duck_store.upsert_signals(
        company,
        [
            Signal(
                company_id=company,
                machine_id="imm-01",
                name="melt_temp_c",
                unit="degC",
                min_value=0,
                max_value=400,
            ),
            Signal(company_id=company, machine_id="imm-01", name="InjectionPressure", unit="bar"),
        ],
    )
    return duck_store, company


def wait_for(predicate, timeout=20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def collector_for(endpoint: str, company: str) -> OpcUaCollector:
    machine = OpcUaMachine(
        "imm-01",
        ["2:Machines", "2:IMM-01"],
        {"MeltTemperature": "melt_temp_c", "InjectionPressure": "InjectionPressure"},
    )
    return OpcUaCollector(OpcUaConfig(endpoint, company, [machine], sampling_ms=50, reconnect_s=0.5))


def test_subscribed_variables_arrive_as_readings_of_their_signals(plant):
    store, company = plant
    server = MachineServer(free_port()).start()
    collector = collector_for(server.endpoint, company)
    collector.start(StoreSink(store))
    try:
        assert wait_for(lambda: store.count_rows(company, "readings") >= 20)
        assert collector.health().state == "connected"
        assert store.count_quarantine(company) == 0
        signals = {r["signal"] for r in store.query_readings(company, *_window()).to_pylist()}
        assert signals == {"melt_temp_c", "InjectionPressure"}
    finally:
        collector.stop()
        server.stop()


def test_a_server_that_disappears_is_reported_and_reconnected_when_it_returns(plant):
    store, company = plant
    port = free_port()
    server = MachineServer(port).start()
    collector = collector_for(server.endpoint, company)
    collector.start(StoreSink(store))
    try:
        assert wait_for(lambda: store.count_rows(company, "readings") >= 5)
        server.stop()
        assert wait_for(lambda: collector.health().state == "disconnected")
        assert "OPC UA" in collector.health().last_error["en"]
        before = store.count_rows(company, "readings")
        server = MachineServer(port).start()
        assert wait_for(lambda: collector.health().state == "connected", timeout=30)
        assert wait_for(lambda: store.count_rows(company, "readings") > before)
    finally:
        collector.stop()
        server.stop()


def test_values_the_server_marks_bad_are_kept_with_why_and_a_wrong_name_is_said(plant):
    """A failed sensor's values arrived as None and vanished without a word; a signal name the server does not
    have (case counts) was skipped without one either."""
    store, company = plant
    server = MachineServer(free_port(), sensor_fails=True).start()
    machine = OpcUaMachine(
        "imm-01",
        ["2:Machines", "2:IMM-01"],
        {"MeltTemperature": "melt_temp_c", "InjectionPressure": "InjectionPressure", "meltTemp": "x"},
    )
    collector = OpcUaCollector(
        OpcUaConfig(server.endpoint, company, [machine], sampling_ms=50, reconnect_s=0.5)
    )
    collector.start(StoreSink(store))
    try:
        assert wait_for(lambda: store.count_quarantine(company) >= 1)
        item = store.list_quarantine(company)[0]
        assert item["reason_code"] == "bad_status" and "BadSensorFailure" in item["reason_en"]
        assert "InjectionPressure" in item["raw"]
        assert wait_for(lambda: store.count_rows(company, "readings") >= 10)  # the other signal goes on
        assert collector.health().state == "connected"
    finally:
        collector.stop()
        server.stop()
    # a configured name that is not on the server, said when subscribing
    wrong = OpcUaMachine("imm-01", ["2:Machines", "2:IMM-01"], {"meltTemp": "x"})
    server = MachineServer(free_port()).start()
    collector = OpcUaCollector(
        OpcUaConfig(server.endpoint, company, [wrong], sampling_ms=50, reconnect_s=0.5)
    )
    collector.start(StoreSink(store))
    try:
        assert wait_for(lambda: collector.health().errors >= 1)
        health = collector.health()
        assert health.state == "error" and "imm-01/meltTemp (not on the server)" in health.last_error["en"]
        assert "신호 이름" in health.last_error["ko"]
    finally:
        collector.stop()
        server.stop()


def _window():
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(hours=1)


def test_readings_past_what_memory_holds_while_the_sink_refuses_are_counted_and_said(monkeypatch):
    """With the edge buffer full the collector held every notification in memory, saying connected."""
    from sandan.collect import opcua
    from sandan.collect.edge import Backpressure

    class Full:
        def __call__(self, batch):
            raise Backpressure("edge buffer full", "엣지 버퍼가 가득 찼습니다")

        def reject(self, *args):
            raise Backpressure("edge buffer full", "엣지 버퍼가 가득 찼습니다")

    monkeypatch.setattr(opcua, "MAX_BUFFERED", 20)
    server = MachineServer(free_port()).start()
    collector = collector_for(server.endpoint, "acme")
    collector.start(Full())
    try:
        assert wait_for(lambda: collector.health().state == "paused")
        health = collector.health()
        assert health.buffer_depth <= 20 and "readings not kept" in health.last_error["en"]
        assert "보관하지 못했습니다" in health.last_error["ko"]
    finally:
        collector.stop()
        server.stop()
