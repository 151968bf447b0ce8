"""Machine-side gateways for virtual machines: an OPC UA server, a Sparkplug B publisher over MQTT, a Modbus TCP
gateway, and an embedded MQTT broker for machines without one. They speak protocols only; what to publish comes from the twin's models.

OPC UA layout (after the companion specifications' naming where practical — OPC 40077 for injection moulding,
OPC 40501 for machine tools): Objects/Machines/<machine id>/{Identification, MachineStatus, Monitoring/<signal>}.
Each Monitoring variable carries the engineering unit in its description and the cycle's time as SourceTimestamp.

Modbus layout: one unit id per machine, holding registers by `sandan.twin.modbus_map` (docs/modbus-register-map.md).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

log = logging.getLogger(__name__)

NAMESPACE = "urn:sandan:virtual-machines"


@dataclass
class GatewayMachine:
    machine_id: str
    name: str
    family: str
    model: str
    signals: list[tuple[str, str]]  # (signal name, unit)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OpcUaGateway:
    """One OPC UA server for a plant's virtual machines; `publish` hands it readings to expose as data changes."""

    def __init__(self, machines: list[GatewayMachine], port: int | None = None, name: str = "sandan") -> None:
        self.machines = machines
        self.port = port or free_port()
        self.endpoint = f"opc.tcp://127.0.0.1:{self.port}/{name}/"
        self._updates: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._thread_main, name=f"opcua-gateway-{self.port}", daemon=True
        )

    @staticmethod
    def object_path(machine_id: str) -> list[str]:
        """Browse path below Objects to a machine's Monitoring folder (ns=2 is this server's namespace)."""
        return ["2:Machines", f"2:{machine_id}", "2:Monitoring"]

    def start(self, timeout_s: float = 60.0) -> OpcUaGateway:
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise RuntimeError(f"OPC UA gateway on port {self.port} did not start: {self._error}")
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def publish(self, machine_id: str, readings: pa.Table) -> None:
        """Queue readings (time, signal, value) of one machine; the server writes them in time order."""
        if readings.num_rows:
            self._updates.put((machine_id, readings.select(["time", "signal", "value"]).to_pylist()))

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported through start()
            self._error = exc
            log.exception("OPC UA gateway failed")

    async def _serve(self) -> None:
        from asyncua import Server, ua

        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name("sandan virtual machines")
        idx = await server.register_namespace(NAMESPACE)
        folder = await server.nodes.objects.add_folder(idx, "Machines")
        variables: dict[tuple[str, str], object] = {}
        for m in self.machines:
            obj = await folder.add_object(idx, m.machine_id)
            ident = await obj.add_object(idx, "Identification")
            await ident.add_variable(idx, "Manufacturer", "sandan virtual factory")
            await ident.add_variable(idx, "Model", m.model)
            await ident.add_variable(idx, "ProductFamily", m.family)
            status = await obj.add_object(idx, "MachineStatus")
            await status.add_variable(idx, "State", "running")
            monitoring = await obj.add_object(idx, "Monitoring")
            for signal, unit in m.signals:
                var = await monitoring.add_variable(idx, signal, 0.0, varianttype=ua.VariantType.Double)
                await var.write_attribute(
                    ua.AttributeIds.Description,
                    ua.DataValue(ua.Variant(ua.LocalizedText(f"{signal} [{unit}]"))),
                )
                variables[(m.machine_id, signal)] = var
        async with server:
            self._ready.set()
            while not self._stop.is_set():
                await asyncio.sleep(0.05)
                while not self._updates.empty():
                    machine_id, rows = self._updates.get_nowait()
                    for row in rows:
                        var = variables.get((machine_id, row["signal"]))
                        if var is None:
                            continue
                        stamp: datetime = row["time"]
                        await var.write_value(
                            ua.DataValue(
                                ua.Variant(float(row["value"]), ua.VariantType.Double),
                                SourceTimestamp=stamp.replace(tzinfo=None),
                            )
                        )


class EmbeddedBroker:
    """An MQTT broker in this process (amqtt) for a demo on a machine without Mosquitto."""

    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve()), name="embedded-mqtt", daemon=True
        )

    async def _serve(self) -> None:
        from amqtt.broker import Broker

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        broker = Broker(
            {
                "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
                "auth": {"allow-anonymous": True, "plugins": ["auth_anonymous"]},
                "topic-check": {"enabled": False},
            }
        )
        await broker.start()
        self._ready.set()
        await self._stop.wait()
        await broker.shutdown()

    def start(self) -> EmbeddedBroker:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the embedded MQTT broker did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)


class SparkplugGateway:
    """A Sparkplug B edge node for a plant: one device per machine, every cycle's readings as DDATA metrics."""

    def __init__(
        self, host: str, port: int, group: str, node_id: str, machines: list[GatewayMachine]
    ) -> None:
        import paho.mqtt.client as mqtt

        from sandan.collect.sparkplug import SparkplugPublisher

        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{group}-{node_id}")
        self.client.connect(host, port)
        self.client.loop_start()
        self.node = SparkplugPublisher(self.client, group, node_id)
        self.node.birth_node()
        for m in machines:
            self.node.birth_device(m.machine_id, {name: 0.0 for name, _unit in m.signals})
        self._lock = threading.Lock()

    def publish(self, machine_id: str, readings: pa.Table) -> None:
        """One DDATA per cycle time (metrics carry that time), so the platform stores every reading."""
        if not readings.num_rows:
            return
        rows = readings.select(["time", "signal", "value"]).to_pylist()
        by_time: dict[datetime, dict[str, float]] = {}
        for row in rows:
            by_time.setdefault(row["time"], {})[row["signal"]] = row["value"]
        with self._lock:
            for when, values in by_time.items():
                known = {k: v for k, v in values.items() if (machine_id, k) in self.node.aliases}
                if known:
                    self.node.data(machine_id, known, when)

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@dataclass
class _PlcImage:
    """What a machine's PLC holds: counters, codes and the last cycle's process values."""

    parts_total: int = 0
    parts_ok: int = 0
    parts_ng: int = 0
    state: str | None = None
    reason: str | None = None
    defect: str | None = None
    values: dict[str, float] | None = None


class ModbusGateway:
    """A plant's Modbus TCP gateway (pymodbus server): one unit id per virtual machine, each unit's holding
    registers laid out by `sandan.twin.modbus_map` and refreshed from the machine's model as it produces.

    One TCP server with a unit id per machine, not one server per machine: press and forging shops usually put a
    Modbus TCP gateway in front of the machines' controllers (RS-485 / serial PLCs and load monitors), and the MBAP
    header's unit identifier exists to address the device behind such a gateway (MODBUS Messaging on TCP/IP
    Implementation Guide V1.0b, §3.1.3). A collector per machine then polls (host, port, unit id) — the same site
    file works for a plant with one PLC per machine (a different host, unit id 1).
    """

    def __init__(
        self, machines: list[GatewayMachine], port: int | None = None, host: str = "127.0.0.1"
    ) -> None:
        from sandan.twin.modbus_map import register_map

        self.host = host
        self.port = port or free_port()
        self.machines = machines
        self.units = {m.machine_id: i + 1 for i, m in enumerate(machines)}
        self.maps = {m.machine_id: register_map(m.family) for m in machines}
        self._plc = {m.machine_id: _PlcImage() for m in machines}
        self._words = {m.machine_id: [0] * self.maps[m.machine_id].size for m in machines}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._thread_main, name=f"modbus-gateway-{self.port}", daemon=True
        )

    def start(self, timeout_s: float = 15.0) -> ModbusGateway:
        self._thread.start()
        end = time.monotonic() + timeout_s
        while not port_open(self.host, self.port, timeout=0.2):
            if self._error is not None or time.monotonic() > end:
                raise RuntimeError(f"Modbus gateway on port {self.port} did not start: {self._error}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._server is not None and self._thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(self._server.shutdown(), self._loop).result(10)
            except Exception:  # already closing
                log.debug("Modbus gateway shutdown", exc_info=True)
        self._thread.join(timeout=10)

    def collector_specs(self, poll_interval_s: float = 1.0, host: str | None = None) -> list[dict]:
        """The `type: modbus` connectors of a site file that poll every machine of this gateway."""
        return [
            self.maps[m.machine_id].collector_spec(
                name=f"modbus-{m.machine_id}",
                host=host or self.host,
                port=self.port,
                device_id=self.units[m.machine_id],
                machine_id=m.machine_id,
                poll_interval_s=poll_interval_s,
            )
            for m in self.machines
        ]

    def values(self, machine_id: str) -> dict[str, float]:
        """The engineering values a machine's unit currently serves, by register-map point name."""
        from sandan.twin.modbus_map import STATE_CODES

        with self._lock:
            plc = self._plc[machine_id]
            regmap = self.maps[machine_id]
            out = {
                "parts_total": float(plc.parts_total),
                "parts_ok": float(plc.parts_ok),
                "parts_ng": float(plc.parts_ng),
                "state_code": float(STATE_CODES[plc.state][0] if plc.state in STATE_CODES else 0),
                "alarm_code": float(regmap.alarm_code(plc.reason) if plc.state != "running" else 0),
                "defect_code": float(regmap.defect_code(plc.defect)),
            }
            out.update(plc.values or {})
        return out

    def publish(self, machine_id: str, readings: pa.Table) -> None:
        """Latch the last cycle's process values of one machine (readings: time, signal, value in time order)."""
        self._apply(machine_id, readings=readings)

    def publish_produced(self, machine_id: str, produced) -> None:
        """Everything a machine produced in a tick (`sandan.twin.replay.Produced`): counters from its parts,
        state and stop reason from its events, process values from its readings."""
        self._apply(machine_id, parts=produced.parts, readings=produced.readings, events=produced.events)

    def _apply(
        self,
        machine_id: str,
        *,
        parts: pa.Table | None = None,
        readings: pa.Table | None = None,
        events: pa.Table | None = None,
    ) -> None:
        if machine_id not in self._plc:
            return
        with self._lock:
            plc = self._plc[machine_id]
            if parts is not None and parts.num_rows:
                results = parts.column("result").to_pylist()
                ok = sum(1 for r in results if r == "ok")
                plc.parts_total += len(results)
                plc.parts_ok += ok
                plc.parts_ng += len(results) - ok
                plc.defect = parts.column("defect_type")[-1].as_py()
            if readings is not None and readings.num_rows:
                latest = dict(
                    zip(
                        readings.column("signal").to_pylist(),
                        readings.column("value").to_pylist(),
                        strict=True,
                    )
                )
                plc.values = {**(plc.values or {}), **latest}
            if events is not None and events.num_rows:
                last = events.sort_by("start").slice(events.num_rows - 1).to_pylist()[0]
                plc.state, plc.reason = last["state"], last["reason_code"]
        words = self.maps[machine_id].encode(self.values(machine_id))
        with self._lock:
            self._words[machine_id] = words

    def _device(self, machine_id: str):
        from pymodbus.constants import ExcCodes
        from pymodbus.simulator import DataType, SimData, SimDevice

        size = self.maps[machine_id].size

        async def serve_image(function_code, start, address, count, registers, set_values):
            if set_values is not None:  # the process image is read-only
                return ExcCodes.ILLEGAL_FUNCTION
            with self._lock:
                registers[0:size] = self._words[machine_id]  # the block starts at address 0
            return None

        return SimDevice(
            id=self.units[machine_id],
            simdata=SimData(0, count=size, values=0, datatype=DataType.REGISTERS),
            action=serve_image,
        )

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported through start()
            self._error = exc
            log.exception("Modbus gateway failed")

    async def _serve(self) -> None:
        from pymodbus.constants import ExcCodes
        from pymodbus.server import ModbusTcpServer
        from pymodbus.simulator import DataType, SimData, SimDevice

        async def no_such_unit(*_args):
            return ExcCodes.GATEWAY_PATH_UNAVIABLE

        # unit id 0 stands for every id not configured: answer as a gateway with no path to that device
        catch_all = SimDevice(
            id=0, simdata=SimData(0, count=65535, values=0, datatype=DataType.REGISTERS), action=no_such_unit
        )
        devices = [self._device(m.machine_id) for m in self.machines] + [catch_all]
        self._loop = asyncio.get_running_loop()
        self._server = ModbusTcpServer(devices, address=(self.host, self.port))
        await self._server.serve_forever()
