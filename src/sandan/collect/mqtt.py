"""MQTT collector (paho-mqtt 2): subscribes with QoS 1 and a persistent session, batches, stores, then acknowledges.

It decodes sandan's JSON topics; it must not validate records itself (that is `sandan.collect.ingest`).

Topics: ``sandan/v1/<company_id>/<machine_id>/<kind>`` with kind ``readings``, ``parts`` or ``events``.
Payloads (UTF-8 JSON):
- a list of canonical records (``machine_id`` may be left out: the topic names it);
- for readings, the compact form of one or more samples ``{"time": "...+09:00", "values": {"temp_c": 231.5, ...}}``
  — put ≥ 100 readings in a message: the Python client, not the broker, limits the message rate.
A message is acknowledged (PUBACK) only after its records were written or quarantined, so nothing acknowledged is
lost if the collector dies; a redelivered message creates no duplicates because ingestion is idempotent.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
import paho.mqtt.client as mqtt
import pyarrow as pa

from sandan.collect.connector import Batch, Connector, Health, StoreSink
from sandan.collect.sparkplug import SparkplugDecoder

KINDS = {"readings": "reading", "parts": "part", "events": "event"}


@dataclass
class MqttConfig:
    host: str = "127.0.0.1"
    port: int = 1883
    topic: str = "sandan/v1/+/+/+"
    client_id: str = ""  # fixed id → persistent session across restarts
    shared_group: str | None = None  # "$share/<group>/<topic>": several collectors split the stream
    qos: int = 1
    username: str | None = None
    password: str | None = None
    flush_interval_s: float = 0.2
    max_batch_messages: int = 500
    keepalive_s: int = 30
    sparkplug: bool = False  # Sparkplug B (spBv1.0/#) instead of sandan's JSON topics
    group_to_company: dict[str, str] | None = None  # Sparkplug group id -> company id (default: the same)


def _bad(en: str, ko: str) -> ValueError:
    return ValueError(en, ko)


def decode(topic: str, payload: bytes) -> tuple[str, str, Any]:
    """(company_id, kind, records) of a message; raises ValueError(en, ko) with the reason.

    Readings come back as columns (dict of lists: time, machine_id, signal, value[, unit]) so that a flush hands
    one Arrow table to ingestion; parts and events as a list of JSON objects.
    """
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != "sandan" or parts[1] != "v1" or parts[4] not in KINDS:
        raise _bad(
            f"topic {topic!r} is not sandan/v1/<company>/<machine>/<readings|parts|events>",
            f"토픽 {topic!r}이(가) sandan/v1/<회사>/<설비>/<readings|parts|events> 형식이 아닙니다",
        )
    _, _, company_id, machine_id, kind_name = parts
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise _bad(f"payload is not UTF-8 JSON: {exc}", f"내용이 UTF-8 JSON이 아닙니다: {exc}") from exc
    items = body if isinstance(body, list) else [body]
    if not all(isinstance(item, dict) for item in items):
        raise _bad("payload items must be JSON objects", "내용의 각 항목은 JSON 객체여야 합니다")
    if kind_name != "readings":
        return company_id, KINDS[kind_name], [{"machine_id": machine_id, **item} for item in items]
    if len(items) == 1:
        fast = _columnar_table(items[0], machine_id)
        if fast is not None:
            return company_id, "reading", fast
    cols: dict[str, list] = {"time": [], "machine_id": [], "signal": [], "value": [], "unit": []}
    for item in items:
        machine = item.get("machine_id", machine_id)
        unit = item.get("unit")
        if "values" not in item:  # one canonical record
            for key in ("time", "signal", "value"):
                cols[key].append(item.get(key))
            cols["machine_id"].append(machine)
            cols["unit"].append(unit)
            continue
        values = item["values"]
        if not isinstance(values, dict):
            raise _bad("'values' must map signal names to numbers", "'values'는 신호 이름→값 이어야 합니다")
        times = item.get("time")
        if isinstance(times, list):  # columnar: {"time": [...], "values": {"sig": [...]}}
            n = len(times)
            for name, series in values.items():
                if not isinstance(series, list) or len(series) != n:
                    raise _bad(
                        f"'values.{name}' must be a list as long as 'time' ({n})",
                        f"'values.{name}'는 'time'({n}개)과 길이가 같은 목록이어야 합니다",
                    )
                cols["time"].extend(times)
                cols["value"].extend(series)
                cols["signal"].extend([name] * n)
                cols["machine_id"].extend([machine] * n)
                cols["unit"].extend([unit] * n)
        else:
            for name, value in values.items():
                cols["time"].append(times)
                cols["signal"].append(name)
                cols["value"].append(value)
                cols["machine_id"].append(machine)
                cols["unit"].append(unit)
    if not any(u is not None for u in cols["unit"]):
        del cols["unit"]
    return company_id, "reading", cols


def _columnar_table(item: dict[str, Any], machine_id: str) -> pa.Table | None:
    """The common high-rate form {"time": [...], "values": {"sig": [...]}} straight to Arrow, or None when the
    message needs the general path (units, other machine, ragged or non-numeric series)."""
    times, values = item.get("time"), item.get("values")
    if (
        not isinstance(times, list)
        or not isinstance(values, dict)
        or not values
        or set(item) - {"time", "values"}
    ):
        return None
    n = len(times)
    if any(not isinstance(v, list) or len(v) != n for v in values.values()):
        return None
    try:
        time_col = pa.array(times)
        value_col = pa.array([x for series in values.values() for x in series], pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    k = len(values)
    return pa.table(
        {
            "time": pa.concat_arrays([time_col] * k),
            "machine_id": pa.repeat(pa.scalar(machine_id, pa.string()), n * k),
            "signal": pa.concat_arrays([pa.repeat(pa.scalar(str(name), pa.string()), n) for name in values]),
            "value": value_col,
        }
    )


def _merge(chunks: list[Any]) -> Any:
    """One batch out of several messages' records: Arrow columns for readings, a list for the rest."""
    if isinstance(chunks[0], list):
        return [r for chunk in chunks for r in chunk]
    try:
        tables = [c if isinstance(c, pa.Table) else pa.table(c) for c in chunks]
        return pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # mixed types in a column (text and numeric times from different publishers, a text value): hand the rows
        # over as they are and let ingestion reject exactly the bad ones
        rows: list[dict[str, Any]] = []
        for c in chunks:
            if isinstance(c, pa.Table):
                rows.extend(c.to_pylist())
            else:
                rows.extend(dict(zip(c, row, strict=True)) for row in zip(*c.values(), strict=True))
        return rows


def _company_of(topic: str, config: MqttConfig) -> str:
    """The company a topic belongs to, so even an undecodable message is quarantined where its owner sees it."""
    parts = topic.split("/")
    if config.sparkplug:
        group = parts[1] if len(parts) > 1 else "_unknown"
        return (config.group_to_company or {}).get(group, group)
    return parts[2] if len(parts) > 2 else "_unknown"


class MqttCollector(Connector):
    kind = "mqtt"

    def __init__(self, config: MqttConfig, name: str = "mqtt") -> None:
        self.config = config
        self.name = name
        self._health = Health(name=name, kind=self.kind)
        self._pending: list[tuple[int, int, str, bytes]] = []  # mid, qos, topic, payload
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        self._client: mqtt.Client | None = None
        self._sink: StoreSink | None = None
        self._sparkplug = SparkplugDecoder(config.group_to_company) if config.sparkplug else None

    def health(self) -> Health:
        with self._cond:
            self._health.buffer_depth = len(self._pending)
        return self._health

    def start(self, sink: StoreSink) -> None:
        cfg = self.config
        self._sink = sink
        client_id = cfg.client_id or f"sandan-{uuid.uuid4().hex[:8]}"
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=not cfg.client_id,
            manual_ack=True,
        )
        if cfg.username:
            client.username_pw_set(cfg.username, cfg.password)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        self._client = client
        self._health.state = "starting"
        self._stop.clear()
        self._flusher = threading.Thread(target=self._flush_loop, name=f"{self.name}-flush", daemon=True)
        self._flusher.start()
        client.connect_async(cfg.host, cfg.port, keepalive=cfg.keepalive_s)
        client.loop_start()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._flusher:
            self._flusher.join(timeout=10)
        if self._client:
            self._client.disconnect()
            self._client.loop_stop()
        self._health.state = "stopped"

    # paho callbacks run on the network thread: keep them short.
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._health.state = "error"
            self._health.note_error(
                f"broker refused the connection: {reason_code}",
                f"브로커가 연결을 거부했습니다: {reason_code}",
            )
            return
        topic = self.config.topic
        if self.config.shared_group:
            topic = f"$share/{self.config.shared_group}/{topic}"
        client.subscribe(topic, qos=self.config.qos)
        self._health.state = "connected"

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if not self._stop.is_set():
            self._health.state = "disconnected"
            self._health.note_error(
                f"lost the broker: {reason_code}", f"브로커 연결이 끊겼습니다: {reason_code}"
            )

    def _on_message(self, client, userdata, message) -> None:
        with self._cond:
            self._pending.append((message.mid, message.qos, message.topic, message.payload))
            if len(self._pending) >= self.config.max_batch_messages:
                self._cond.notify()

    def _flush_loop(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                self._cond.wait(timeout=self.config.flush_interval_s)
                taken, self._pending = self._pending, []
            if taken:
                self._deliver(taken)
        with self._cond:
            taken, self._pending = self._pending, []
        if taken:
            self._deliver(taken)

    def _deliver(self, taken: list[tuple[int, int, str, bytes]]) -> None:
        assert self._sink is not None and self._client is not None
        grouped: dict[tuple[str, str], list[Any]] = {}
        for _mid, _qos, topic, payload in taken:
            try:
                if self._sparkplug is not None:
                    kind = "reading"
                    company_id, records = self._sparkplug.decode(topic, payload)
                    self._health.gaps = len(self._sparkplug.gaps)
                else:
                    company_id, kind, records = decode(topic, payload)
            except ValueError as exc:
                en, ko = exc.args if len(exc.args) == 2 else (str(exc), str(exc))
                raw = payload.decode("utf-8", "replace")[:10_000]
                self._sink.reject(
                    _company_of(topic, self.config), f"mqtt:{topic}", "message", raw, "bad_payload", en, ko
                )
                self._health.note_error(en, ko)
                continue
            n = (
                records.num_rows
                if isinstance(records, pa.Table)
                else len(records["time"])
                if isinstance(records, dict)
                else len(records)
            )
            if n:
                grouped.setdefault((company_id, kind), []).append(records)
            self._health.note_message(n)
        try:
            for (company_id, kind), chunks in grouped.items():
                self._sink(Batch(company_id, kind, _merge(chunks), source=f"mqtt:{self.name}"))
        except Exception as exc:  # store down: do not acknowledge; the broker redelivers after reconnect
            self._health.note_error(f"could not store a batch: {exc}", f"배치를 저장하지 못했습니다: {exc}")
            self._client.disconnect()
            time.sleep(1.0)
            self._client.reconnect()
            return
        for mid, qos, _topic, _payload in taken:
            if qos > 0:  # a QoS 0 message (Sparkplug data) has nothing to acknowledge
                self._client.ack(mid, qos)
