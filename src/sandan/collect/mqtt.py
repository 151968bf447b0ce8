"""MQTT collector (paho-mqtt 2): subscribes with QoS 1 and a persistent session, batches, stores, then acknowledges.

It decodes sandan's JSON topics; it must not validate records itself (that is `sandan.collect.ingest`).

Topics: ``sandan/v1/<company_id>/<machine_id>/<kind>`` with kind ``readings``, ``parts`` or ``events``.
Payloads (UTF-8 JSON):
- a list of canonical records (``machine_id`` may be left out: the topic names it);
- for readings, the compact form of one or more samples ``{"time": "...+09:00", "values": {"temp_c": 231.5, ...}}``
  or the columnar form ``{"time": [...], "values": {"temp_c": [...], ...}}`` — put ≥ 100 readings in a message:
  the Python client, not the broker, limits the message rate.
A message is acknowledged (PUBACK) only after its records were written or quarantined, so nothing acknowledged is
lost if the collector dies; a redelivered message creates no duplicates because ingestion is idempotent.

Two threads share the work. paho's network thread decodes each message as it arrives (JSON to columns; Sparkplug
in arrival order, which its sequence numbers need) and queues it. A writer thread takes what has queued — up to
`max_batch_messages` / `max_batch_records`, waiting at most `flush_interval_s` for a batch to fill, less when the
stream pauses — validates and stores it as one batch per company and kind, and then acknowledges those messages.
While one batch is written (DuckDB and PostgreSQL release the GIL), the next one is received and decoded. The broker
sends no more than its in-flight limit of unacknowledged messages (Mosquitto: `max_inflight_messages`, 20 by
default): keep that limit at least twice `max_batch_messages`, or batches shrink to what the window allows.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import orjson
import paho.mqtt.client as mqtt
import pyarrow as pa

from sandan.collect.connector import Batch, Connector, Health, StoreSink
from sandan.collect.sparkplug import SparkplugDecoder
from sandan.domain import InvalidInput, NotFound

KINDS = {"readings": "reading", "parts": "part", "events": "event"}
log = logging.getLogger(__name__)


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
    flush_interval_s: float = 0.2  # the longest a message waits for others to share its store write
    max_batch_messages: int = 500
    max_batch_records: int = 250_000  # readings (or records) per store write
    quiet_s: float = 0.005  # a pause this long in the stream ends the wait (the broker may wait for our acks)
    retry_s: float = 1.0  # wait before writing a batch again that the store refused
    keepalive_s: int = 30
    sparkplug: bool = False  # Sparkplug B (spBv1.0/#) instead of sandan's JSON topics
    group_to_company: dict[str, str] | None = None  # Sparkplug group id -> company id (default: the same)


def _bad(en: str, ko: str) -> ValueError:
    return ValueError(en, ko)


@dataclass
class _Columnar:
    """One message in the columnar form: its time stamps once, its series back to back (float64)."""

    machine_id: str
    time: pa.Array
    names: list[str]
    values: pa.Array


def _decode(topic: str, payload: bytes) -> tuple[str, str, Any]:
    """(company_id, kind, records) with columnar readings kept as `_Columnar` until a batch joins them."""
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
        fast = _columnar(items[0], machine_id)
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


def decode(topic: str, payload: bytes) -> tuple[str, str, Any]:
    """(company_id, kind, records) of a message; raises ValueError(en, ko) with the reason.

    Readings come back as columns (an Arrow table, or a dict of lists: time, machine_id, signal, value[, unit]) so
    that a flush hands one Arrow table to ingestion; parts and events as a list of JSON objects.
    """
    company_id, kind, records = _decode(topic, payload)
    if isinstance(records, _Columnar):
        records = _columnar_table([records])
    return company_id, kind, records


def _columnar(item: dict[str, Any], machine_id: str) -> _Columnar | None:
    """The common high-rate form {"time": [...], "values": {"sig": [...]}}, or None when the message needs the
    general path (units, another machine, ragged or non-numeric series, mixed time types)."""
    times, values = item.get("time"), item.get("values")
    if not isinstance(times, list) or not isinstance(values, dict) or not values or len(item) != 2:
        return None
    n = len(times)
    flat: list[Any] = []
    for series in values.values():
        if not isinstance(series, list) or len(series) != n:
            return None
        flat += series
    try:
        time_col = pa.array(times)
        value_col = pa.array(flat, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    return _Columnar(machine_id, time_col, [str(name) for name in values], value_col)


def _columnar_table(group: list[_Columnar]) -> pa.Table:
    """Columnar messages whose times share one type as one table, series after series within each message.

    Time, machine and signal are dictionary-encoded: each time stamp is stored once however many signals share it,
    so ingestion parses it once, and the labels need no hashing.
    """
    machines: dict[str, int] = {}
    names: dict[str, int] = {}
    seg_len: list[int] = []  # one segment per (message, signal)
    seg_time: list[int] = []  # where the segment's message's times start in the joined time array
    seg_signal: list[int] = []
    seg_machine: list[int] = []
    offset = 0
    for c in group:
        n = len(c.time)
        machine = machines.setdefault(c.machine_id, len(machines))
        for name in c.names:
            seg_len.append(n)
            seg_time.append(offset)
            seg_signal.append(names.setdefault(name, len(names)))
            seg_machine.append(machine)
        offset += n
    lengths = np.array(seg_len, dtype=np.int64)
    row_start = np.cumsum(lengths) - lengths
    time_index = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(
        row_start - np.array(seg_time, dtype=np.int64), lengths
    )
    times = pa.concat_arrays([c.time for c in group]) if len(group) > 1 else group[0].time

    def coded(codes: list[int], dictionary: pa.Array) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(
            pa.array(np.repeat(np.array(codes, dtype=np.int32), lengths)), dictionary
        )

    return pa.table(
        {
            "time": pa.DictionaryArray.from_arrays(pa.array(time_index.astype(np.int32)), times),
            "machine_id": coded(seg_machine, pa.array(list(machines), pa.string())),
            "signal": coded(seg_signal, pa.array(list(names), pa.string())),
            "value": pa.concat_arrays([c.values for c in group]) if len(group) > 1 else group[0].values,
        }
    )


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded, so that the table concatenates with tables of plain columns."""
    fields = [
        pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def _merge(chunks: list[Any]) -> list[Any]:
    """Several messages' records as few batches as their types allow: one list for parts and events; for readings
    one Arrow table, or one per column layout when layouts cannot share a table (text times from one publisher,
    epoch numbers from another), so that no message's rows are judged by another's types."""
    if isinstance(chunks[0], list):
        return [[r for chunk in chunks for r in chunk]]
    by_time: dict[pa.DataType, list[_Columnar]] = {}
    tables: list[pa.Table] = []
    for c in chunks:
        if isinstance(c, _Columnar):
            by_time.setdefault(c.time.type, []).append(c)
        else:
            tables.append(c if isinstance(c, pa.Table) else _table(c))
    tables = [_columnar_table(group) for group in by_time.values()] + tables
    if len(tables) == 1:
        return tables
    try:
        return [pa.concat_tables([_plain(t) for t in tables], promote_options="permissive")]
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        by_layout: dict[pa.Schema, list[pa.Table]] = {}
        for t in tables:
            by_layout.setdefault(_plain(t).schema, []).append(_plain(t))
        return [pa.concat_tables(group) if len(group) > 1 else group[0] for group in by_layout.values()]


def _column(values: list[Any]) -> pa.Array:
    """One column of a message's records for Arrow. Values of mixed types (a number beside "RUN", an epoch beside an
    ISO time) or nested ones ({"v": 1}) come as their text, so that ingestion quarantines each value it cannot read
    with its reason and stores the rest; as they were, one such message stopped the collector's writer."""
    try:
        column = pa.array(values)
        if not pa.types.is_nested(column.type):
            return column
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        pass
    return pa.array(
        [v if v is None or isinstance(v, str) else orjson.dumps(v).decode() for v in values], pa.string()
    )


def _table(cols: dict[str, list[Any]]) -> pa.Table:
    return pa.table({name: _column(values) for name, values in cols.items()})


def _company_of(topic: str, config: MqttConfig) -> str:
    """The company a topic belongs to, so even an undecodable message is quarantined where its owner sees it."""
    parts = topic.split("/")
    if config.sparkplug:
        group = parts[1] if len(parts) > 1 else "_unknown"
        return (config.group_to_company or {}).get(group, group)
    return parts[2] if len(parts) > 2 else "_unknown"


def _unusable(exc: InvalidInput | pa.ArrowException) -> tuple[str, str, str]:
    """(code, en, ko) of records ingestion refused as a whole."""
    if isinstance(exc, InvalidInput):
        return exc.code, exc.en, exc.ko
    return (
        "bad_record",
        f"the message's values cannot be stored together ({exc}); send numbers as numbers and times in one form",
        f"메시지의 값을 함께 저장할 수 없습니다 ({exc}). 숫자는 숫자로, 시각은 한 가지 형식으로 보내세요",
    )


def _count(records: Any) -> int:
    if isinstance(records, _Columnar):
        return len(records.values)
    if isinstance(records, pa.Table):
        return records.num_rows
    if isinstance(records, dict):
        return len(records["time"])
    return len(records)


class _Message(NamedTuple):
    """A received message, decoded, waiting to be stored and acknowledged."""

    mid: int
    qos: int
    topic: str
    arrived: float
    company_id: str
    kind: str
    records: Any  # None when the payload could not be decoded
    n: int
    error: tuple[str, str, str] | None = None  # (code, en, ko)
    session: int = 0  # which connection delivered it: a packet id means nothing on a later connection
    raw: bytes = b""  # the payload, for quarantine should its records turn out unusable


class MqttCollector(Connector):
    kind = "mqtt"

    def __init__(self, config: MqttConfig, name: str = "mqtt") -> None:
        self.config = config
        self.name = name
        self._health = Health(name=name, kind=self.kind)
        self._pending: deque[_Message] = deque()
        self._pending_records = 0
        self._last_arrival = 0.0
        self._session = 0  # counts connections
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        self._client: mqtt.Client | None = None
        self._sink: StoreSink | None = None
        # set when the broker answers the unsubscribe `stop` sends after the last acknowledgements
        self._settled = threading.Event()
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
        client.on_unsubscribe = self._on_unsubscribe
        client.on_connect_fail = self._on_connect_fail
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        self._client = client
        self._health.state = "starting"
        self._stop.clear()
        self._writer = threading.Thread(target=self._write_loop, name=f"{self.name}-writer", daemon=True)
        self._writer.start()
        client.connect_async(cfg.host, cfg.port, keepalive=cfg.keepalive_s)
        client.loop_start()

    def stop(self) -> None:
        """Store and acknowledge what was received, then disconnect; later messages stay with the broker."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._writer:
            self._writer.join(timeout=30)
        if self._client:
            self._settle()
            self._client.disconnect()
            self._client.loop_stop()
        self._health.state = "stopped"

    def _settle(self, timeout_s: float = 2.0) -> None:
        """Wait until the broker has read our last acknowledgements. It handles one client's packets in order, so its
        answer to an UNSUBSCRIBE sent after them (from a filter never subscribed to, which changes nothing) means it
        has them. Without this, a new session of the same client id can take the session over while the broker has
        still to read them, and that session receives those messages again (stored without duplicates, but sent
        twice)."""
        assert self._client is not None
        if self._health.state != "connected":
            return
        self._settled.clear()
        rc, _mid = self._client.unsubscribe(f"sandan/settle/{uuid.uuid4().hex}")
        if rc == mqtt.MQTT_ERR_SUCCESS:
            self._settled.wait(timeout_s)

    # paho callbacks run on the network thread: they decode and queue, nothing more.
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
        self._session += 1
        client.subscribe(topic, qos=self.config.qos)
        self._health.state = "connected"

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if not self._stop.is_set():
            where = f"{self.config.host}:{self.config.port}"
            self._health.state = "disconnected"
            self._health.note_error(
                f"lost the broker {where} ({reason_code}); reconnecting every 1–10 s",
                f"브로커 {where} 연결이 끊겼습니다({reason_code}). 1~10초마다 다시 연결합니다",
            )

    def _on_connect_fail(self, client, userdata) -> None:
        # the broker not there at all: the health said "starting" with no error for as long as it lasted
        if not self._stop.is_set():
            where = f"{self.config.host}:{self.config.port}"
            self._health.state = "disconnected"
            self._health.note_error(
                f"cannot reach the MQTT broker at {where}; check that it runs and the host and port in the "
                "connector's settings; retrying every 1–10 s",
                f"MQTT 브로커 {where}에 연결할 수 없습니다. 브로커가 실행 중인지, 커넥터 설정의 호스트와 포트를 "
                "확인하세요. 1~10초마다 다시 시도합니다",
            )

    def _on_unsubscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self._settled.set()  # the collector unsubscribes only in `_settle`

    def _on_message(self, client, userdata, message) -> None:
        if self._stop.is_set():
            return  # not acknowledged: the broker keeps it for the next session
        item = self._decoded(message)
        cfg = self.config
        with self._cond:
            self._pending.append(item)
            self._pending_records += item.n
            self._last_arrival = item.arrived
            if len(self._pending) >= cfg.max_batch_messages or self._pending_records >= cfg.max_batch_records:
                self._cond.notify()

    def _decoded(self, message) -> _Message:
        topic, payload = message.topic, message.payload
        seen = {"mid": message.mid, "qos": message.qos, "topic": topic, "arrived": time.monotonic()}
        seen.update(session=self._session, raw=payload)
        try:
            if self._sparkplug is not None:
                kind = "reading"
                company_id, records = self._sparkplug.decode(topic, payload)
                self._health.gaps = len(self._sparkplug.gaps)
            else:
                company_id, kind, records = _decode(topic, payload)
        except Exception as exc:  # a payload must never stop the network thread
            # ValueError(en, ko) is a reason we recognise; anything else is kept in quarantine the same way
            if isinstance(exc, ValueError) and len(exc.args) == 2:
                en, ko = exc.args
            else:
                en = ko = f"could not decode the payload: {type(exc).__name__}: {exc}"
            self._health.note_error(en, ko)
            error = ("bad_payload", en, ko)
            return _Message(
                **seen, company_id=_company_of(topic, self.config), kind="", records=None, n=0, error=error
            )
        n = _count(records)
        self._health.note_message(n)
        return _Message(**seen, company_id=company_id, kind=kind, records=records, n=n)

    # the writer thread
    def _write_loop(self) -> None:
        while (taken := self._next_batch()) is not None:
            if self._guarded(taken):
                self._acknowledge(taken)

    def _next_batch(self) -> list[_Message] | None:
        """The next messages to store: when the batch is full, its oldest message has waited `flush_interval_s`,
        the stream paused for `quiet_s`, or the collector stops. None when stopped and nothing is left."""
        cfg = self.config
        with self._cond:
            while True:
                if self._pending:
                    now = time.monotonic()
                    full = (
                        len(self._pending) >= cfg.max_batch_messages
                        or self._pending_records >= cfg.max_batch_records
                    )
                    due = min(
                        self._pending[0].arrived + cfg.flush_interval_s, self._last_arrival + cfg.quiet_s
                    )
                    if full or now >= due or self._stop.is_set():
                        return self._take()
                    self._cond.wait(due - now)
                elif self._stop.is_set():
                    return None
                else:
                    self._cond.wait(cfg.flush_interval_s)

    def _take(self) -> list[_Message]:
        cfg = self.config
        taken: list[_Message] = []
        records = 0
        while self._pending and (
            not taken
            or (len(taken) < cfg.max_batch_messages and records + self._pending[0].n <= cfg.max_batch_records)
        ):
            item = self._pending.popleft()
            taken.append(item)
            records += item.n
        self._pending_records -= records
        return taken

    def _deliver(self, taken: list[_Message]) -> bool:
        """Write or quarantine every message of `taken`. A store that fails is tried again every `retry_s` (the
        messages stay unacknowledged meanwhile); False when the collector stops first."""
        steps: deque[tuple[Callable[[], Any], list[_Message] | None]] = deque()
        grouped: dict[tuple[str, str], list[_Message]] = {}
        for m in taken:
            if m.error is not None:
                steps.append((self._rejecter(m, *m.error), None))
            elif m.n:
                grouped.setdefault((m.company_id, m.kind), []).append(m)
        for (company_id, kind), messages in grouped.items():
            for records in _merge([m.records for m in messages]):
                steps.append((self._writer_of(company_id, kind, records), messages))
        while steps:
            step, messages = steps[0]
            try:
                step()
                steps.popleft()
            except (InvalidInput, pa.ArrowException) as exc:
                # the records themselves are unusable (e.g. part records without a result, values of a type no
                # column takes): find the messages
                steps.popleft()
                assert messages is not None
                if len(messages) > 1:
                    for m in reversed(messages):
                        for records in reversed(_merge([m.records])):
                            steps.appendleft((self._writer_of(m.company_id, m.kind, records), [m]))
                else:
                    code, en, ko = _unusable(exc)
                    self._health.note_error(en, ko)
                    steps.appendleft((self._rejecter(messages[0], code, en, ko), None))
            except NotFound as exc:
                # the company was erased (or never registered): nowhere to keep its records, not even a quarantine;
                # said and logged, and the collector goes on with the others' rather than retrying for ever
                steps.popleft()
                log.warning("MQTT collector %s: %s", self.name, exc.en)
                self._health.note_error(exc.en, exc.ko)
            except Exception as exc:  # the store is down or refused the write: keep the batch and try again
                self._health.note_error(
                    f"could not store a batch, retrying: {exc}",
                    f"배치를 저장하지 못해 다시 시도합니다: {exc}",
                )
                if self._stop.wait(self.config.retry_s):
                    return False
        return True

    def _guarded(self, taken: list[_Message]) -> bool:
        """`_deliver`, and should it fail in a way not foreseen, each message quarantined with the error rather than
        the writer ending (the collector went on saying "connected" and stored nothing more)."""
        try:
            return self._deliver(taken)
        except Exception as exc:
            log.exception("MQTT collector %s could not store a batch", self.name)
            en = f"could not store the message: {type(exc).__name__}: {exc}"
            ko = f"메시지를 저장하지 못했습니다: {type(exc).__name__}: {exc}"
            self._health.note_error(en, ko)
            try:
                for m in taken:
                    self._rejecter(m, "bad_record", en, ko)()
            except Exception:  # not even quarantine: unacknowledged, the broker sends them again
                log.exception("MQTT collector %s could not quarantine a batch", self.name)
                return False
            return True

    def _writer_of(self, company_id: str, kind: str, records: Any) -> Callable[[], Any]:
        assert self._sink is not None
        sink, source = self._sink, f"mqtt:{self.name}"
        return lambda: sink(Batch(company_id, kind, records, source=source))

    def _rejecter(self, m: _Message, code: str, en: str, ko: str) -> Callable[[], None]:
        assert self._sink is not None
        sink = self._sink
        raw = m.raw.decode("utf-8", "replace")[:10_000]
        return lambda: sink.reject(m.company_id, f"mqtt:{m.topic}", "message", raw, code, en, ko)

    def _acknowledge(self, taken: list[_Message]) -> None:
        assert self._client is not None
        for m in taken:
            # A QoS 0 message (Sparkplug data) has nothing to acknowledge. One from an earlier connection is not
            # acknowledged either: its packet id may now name another message; the broker sends it again (persistent
            # session) and that copy, stored again without duplicates, is acknowledged.
            if m.qos > 0 and m.session == self._session:
                self._client.ack(m.mid, m.qos)
