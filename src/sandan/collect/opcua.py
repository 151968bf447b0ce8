"""OPC UA collector (asyncua): browses each machine's object, subscribes to its variables, reconnects on loss.

It turns data-change notifications into reading batches; validation and storage stay in `sandan.collect.ingest`.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asyncua import Client, Node, ua

from sandan.collect.connector import MAX_BUFFERED, Batch, Connector, Health, StoreSink, store_problem


class _NotFound(Exception):
    """What the configuration names is not on the server: (en, ko). Retried slowly; fixing it is a person's job."""


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
        if target is None:
            return
        item = data.monitored_item.Value
        stamp = item.SourceTimestamp or item.ServerTimestamp
        stamp = (stamp or datetime.now(UTC)).replace(tzinfo=UTC)
        machine_id, signal = target
        status = item.StatusCode
        if status is not None and not status.is_good():
            # a sensor failure or a value the server itself doubts (uncertain): kept with why, not stored as a
            # reading and not dropped without a word (its value arrived as None, or as the last usable one)
            self.collector._not_good(machine_id, signal, stamp, value, status)
            return
        if value is None:
            return
        if len(self.collector._buffer) >= MAX_BUFFERED:
            # the sink has refused for long (the edge buffer full): counted and said, not held without bound
            self.collector._not_kept += 1
            return
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
        self._not_kept = 0  # readings that arrived while the buffer was full
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
            except _NotFound as exc:  # the configuration names what the server does not have
                if self._stop.is_set():
                    break
                self._flush()
                self._health.state = "error"
                self._health.note_error(*exc.args)
                await asyncio.sleep(max(self.config.reconnect_s, 30.0))
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
        skipped: list[tuple[str, str]] = []  # (en, ko) of each variable named but not collected
        for machine in self.config.machines:
            try:
                obj = await objects.get_child(machine.object_path)
            except ua.UaStatusCodeError as exc:
                path = "/".join(machine.object_path)
                raise _NotFound(
                    f"OPC UA {self.config.endpoint}: machine {machine.machine_id}'s object_path {path} is not on the "
                    f"server ({type(exc).__name__}); check the browse names (with their namespace, e.g. 2:IMM-01) "
                    f"in the connector's settings; trying again in {max(self.config.reconnect_s, 30.0):g} s",
                    f"OPC UA {self.config.endpoint}: 설비 {machine.machine_id}의 object_path {path}이(가) 서버에 "
                    f"없습니다({type(exc).__name__}). 커넥터 설정의 이름(네임스페이스 포함, 예: 2:IMM-01)을 확인하세요",
                ) from exc
            found: set[str] = set()
            for var in await obj.get_children(nodeclassmask=ua.NodeClass.Variable):
                name = (await var.read_browse_name()).Name
                if machine.signals and name not in machine.signals:
                    continue
                found.add(name)
                value = await var.read_value()
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    # named in the settings; with none named, text variables are not signals
                    if machine.signals:
                        kind = type(value).__name__
                        skipped.append(
                            (f"{machine.machine_id}/{name} ({kind})", f"{machine.machine_id}/{name}({kind})")
                        )
                    continue
                self._targets[var.nodeid] = (machine.machine_id, machine.signals.get(name, name))
                nodes.append(var)
            skipped += [
                (
                    f"{machine.machine_id}/{name} (not on the server)",
                    f"{machine.machine_id}/{name}(서버에 없음)",
                )
                for name in machine.signals
                if name not in found
            ]
        skipped_en, skipped_ko = ", ".join(en for en, _ in skipped), ", ".join(ko for _, ko in skipped)
        if not nodes:
            raise _NotFound(
                f"OPC UA {self.config.endpoint}: no numeric variable under the configured machine objects "
                f"({skipped_en or 'none at all'}); check the signal names (browse names, case counts)",
                f"OPC UA {self.config.endpoint}: 설정한 설비 객체 아래에 숫자 변수가 없습니다 "
                f"({skipped_ko or '변수 없음'}). 신호 이름(브라우즈 이름, 대소문자 구분)을 확인하세요",
            )
        if skipped:  # collected without them: said once, so a typo in one name is found
            self._health.note_error(
                f"OPC UA {self.config.endpoint}: not collected: {skipped_en}",
                f"OPC UA {self.config.endpoint}: 수집하지 않는 변수: {skipped_ko}",
            )
        sub = await client.create_subscription(self.config.sampling_ms, _Handler(self))
        await sub.subscribe_data_change(nodes, sampling_interval=self.config.sampling_ms)

    def _not_good(self, machine_id: str, signal: str, stamp: datetime, value, status: ua.StatusCode) -> None:
        name = status.name
        en = f"OPC UA {machine_id}/{signal}: the server marks the value {name}; not stored as a reading"
        ko = f"OPC UA {machine_id}/{signal}: 서버가 값을 {name}(으)로 표시했습니다. 측정값으로 저장하지 않았습니다"
        self._health.note_error(en, ko)
        if self._sink is None:
            return
        raw = json.dumps(
            {
                "time": stamp.isoformat(),
                "machine_id": machine_id,
                "signal": signal,
                "value": value,
                "status": name,
            },
            default=str,
        )
        try:
            self._sink.reject(
                self.config.company_id, f"opcua:{self.config.endpoint}", "message", raw, "bad_status", en, ko
            )
        except Exception as exc:  # the store down: the health says so; the server still has its own history
            self._health.note_error(*store_problem(exc))

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
            if self._not_kept:  # a subscription cannot pause as a poll can: what did not fit is counted
                self._health.state = "paused"
                self._health.note_error(
                    f"OPC UA {self.config.endpoint}: {self._not_kept:,} readings not kept while the sink refused "
                    f"({MAX_BUFFERED:,} held in memory); the server's own history has them",
                    f"OPC UA {self.config.endpoint}: 저장소가 거부하는 동안 측정값 {self._not_kept:,}건을 보관하지 "
                    f"못했습니다(메모리에 {MAX_BUFFERED:,}건 보관). 서버 자체 이력에는 남아 있습니다",
                )
