"""OPC UA collector (asyncua): browses each machine's object, subscribes to its variables, reconnects on loss.

It turns data-change notifications into reading batches; validation and storage stay in `sandan.collect.ingest`.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asyncua import Client, Node, ua

from sandan.collect.connector import Batch, Connector, Health, StoreSink, store_problem


@dataclass
class OpcUaMachine:
    """One machine on a server: the object holding its variables, and how their names map to signals."""

    machine_id: str
    object_path: list[str]  # browse names below Objects, e.g. ["2:Machines", "2:IMM-01"]
    signals: dict[str, str] = field(
        default_factory=dict
    )  # variable browse name -> signal; empty = all numeric


@dataclass
class OpcUaConfig:
    endpoint: str
    company_id: str
    machines: list[OpcUaMachine]
    sampling_ms: int = 200
    flush_interval_s: float = 0.5
    reconnect_s: float = 2.0
    username: str | None = None
    password: str | None = None


class _Handler:
    def __init__(self, collector: OpcUaCollector) -> None:
        self.collector = collector

    def datachange_notification(self, node: Node, value, data) -> None:
        target = self.collector._targets.get(node.nodeid)
        if target is None or value is None:
            return
        stamp = data.monitored_item.Value.SourceTimestamp or data.monitored_item.Value.ServerTimestamp
        stamp = (stamp or datetime.now(UTC)).replace(tzinfo=UTC)
        machine_id, signal = target
        self.collector._buffer.append(
            {"time": stamp, "machine_id": machine_id, "signal": signal, "value": value}
        )


class OpcUaCollector(Connector):
    kind = "opcua"

    def __init__(self, config: OpcUaConfig, name: str = "opcua") -> None:
        self.config = config
        self.name = name
        self._health = Health(name=name, kind=self.kind)
        self._buffer: list[dict] = []
        self._targets: dict[ua.NodeId, tuple[str, str]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sink: StoreSink | None = None

    def health(self) -> Health:
        self._health.buffer_depth = len(self._buffer)
        return self._health

    def start(self, sink: StoreSink) -> None:
        self._sink = sink
        self._stop.clear()
        self._health.state = "starting"
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=15)
        self._flush()
        self._health.state = "stopped"

    async def _run(self) -> None:
        while not self._stop.is_set():
            client = Client(self.config.endpoint, timeout=5)
            if self.config.username:
                client.set_user(self.config.username)
                client.set_password(self.config.password or "")
            try:
                async with client:
                    await self._subscribe(client)
                    self._health.state = "connected"
                    while not self._stop.is_set():
                        await asyncio.sleep(self.config.flush_interval_s)
                        self._flush()
                        await client.check_connection()
            except Exception as exc:  # server gone, refused, or browse failed: report and retry
                if self._stop.is_set():
                    break
                self._flush()
                self._health.state = "disconnected"
                self._health.note_error(
                    f"OPC UA {self.config.endpoint}: {type(exc).__name__}: {exc}; retrying in {self.config.reconnect_s:g} s",
                    f"OPC UA {self.config.endpoint} 연결 문제: {exc}. {self.config.reconnect_s:g}초 뒤 다시 연결합니다",
                )
                await asyncio.sleep(self.config.reconnect_s)

    async def _subscribe(self, client: Client) -> None:
        self._targets.clear()
        nodes: list[Node] = []
        objects = client.nodes.objects
        for machine in self.config.machines:
            obj = await objects.get_child(machine.object_path)
            for var in await obj.get_children(nodeclassmask=ua.NodeClass.Variable):
                name = (await var.read_browse_name()).Name
                if machine.signals and name not in machine.signals:
                    continue
                value = await var.read_value()
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    continue
                self._targets[var.nodeid] = (machine.machine_id, machine.signals.get(name, name))
                nodes.append(var)
        if not nodes:
            raise LookupError("no numeric variables found under the configured machine objects")
        sub = await client.create_subscription(self.config.sampling_ms, _Handler(self))
        await sub.subscribe_data_change(nodes, sampling_interval=self.config.sampling_ms)

    def _flush(self) -> None:
        if not self._buffer or self._sink is None:
            return
        taken, self._buffer = self._buffer, []
        self._health.note_message(len(taken))
        try:
            self._sink(
                Batch(self.config.company_id, "reading", taken, source=f"opcua:{self.config.endpoint}")
            )
        except Exception as exc:  # keep the readings for the next flush rather than lose them
            self._buffer[:0] = taken
            self._health.note_error(*store_problem(exc))
