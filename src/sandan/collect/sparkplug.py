"""Sparkplug B over MQTT: the protobuf payload, a decoder that tracks births, aliases and sequence numbers, and a
publisher for machine-side gateways and tests. It decodes only; storage goes through the MQTT collector's sink.

Schema and semantics follow the Eclipse Sparkplug 3.0 specification (sparkplug_b.proto; topic namespace
spBv1.0/<group>/<type>/<edge node>[/<device>]; seq 0–255 per edge node, NBIRTH carries seq 0 and bdSeq). The
protobuf descriptor is built here with the protobuf runtime, so no protoc step is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

# Sparkplug B data types (spec §6.4.16) that carry numbers sandan stores as readings.
INT_TYPES = {1, 2, 3, 5, 6, 7}  # Int8, Int16, Int32, UInt8, UInt16, UInt32 -> int_value
LONG_TYPES = {4, 8, 13}  # Int64, UInt64, DateTime -> long_value
FLOAT, DOUBLE, BOOLEAN, STRING = 9, 10, 11, 12


def _build_payload_class():
    f = descriptor_pb2.FileDescriptorProto(
        name="sandan_sparkplug_b.proto", package="org.eclipse.tahu.protobuf", syntax="proto2"
    )
    payload = f.message_type.add(name="Payload")
    opt, rep = (
        descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
        descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED,
    )
    T = descriptor_pb2.FieldDescriptorProto
    metric = payload.nested_type.add(name="Metric")
    for name, number, typ in [
        ("name", 1, T.TYPE_STRING),
        ("alias", 2, T.TYPE_UINT64),
        ("timestamp", 3, T.TYPE_UINT64),
        ("datatype", 4, T.TYPE_UINT32),
        ("is_historical", 5, T.TYPE_BOOL),
        ("is_transient", 6, T.TYPE_BOOL),
        ("is_null", 7, T.TYPE_BOOL),
    ]:
        metric.field.add(name=name, number=number, type=typ, label=opt)
    metric.oneof_decl.add(name="value")
    for name, number, typ in [
        ("int_value", 10, T.TYPE_UINT32),
        ("long_value", 11, T.TYPE_UINT64),
        ("float_value", 12, T.TYPE_FLOAT),
        ("double_value", 13, T.TYPE_DOUBLE),
        ("boolean_value", 14, T.TYPE_BOOL),
        ("string_value", 15, T.TYPE_STRING),
        ("bytes_value", 16, T.TYPE_BYTES),
    ]:
        metric.field.add(name=name, number=number, type=typ, label=opt, oneof_index=0)
    payload.field.add(name="timestamp", number=1, type=T.TYPE_UINT64, label=opt)
    payload.field.add(
        name="metrics",
        number=2,
        type=T.TYPE_MESSAGE,
        label=rep,
        type_name=".org.eclipse.tahu.protobuf.Payload.Metric",
    )
    payload.field.add(name="seq", number=3, type=T.TYPE_UINT64, label=opt)
    payload.field.add(name="uuid", number=4, type=T.TYPE_STRING, label=opt)
    payload.field.add(name="body", number=5, type=T.TYPE_BYTES, label=opt)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("org.eclipse.tahu.protobuf.Payload"))


Payload = _build_payload_class()


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def encode(metrics: list[dict[str, Any]], *, seq: int | None, timestamp: datetime | None = None) -> bytes:
    """Encode metrics ({name?, alias?, value, datatype?, timestamp?}) into a Sparkplug B payload."""
    p = Payload()
    p.timestamp = _ms(timestamp or datetime.now(UTC))
    if seq is not None:
        p.seq = seq
    for m in metrics:
        pm = p.metrics.add()
        if "name" in m:
            pm.name = m["name"]
        if "alias" in m:
            pm.alias = m["alias"]
        pm.timestamp = _ms(m.get("timestamp") or timestamp or datetime.now(UTC))
        value = m.get("value")
        if "datatype" in m:
            datatype = m["datatype"]
        elif isinstance(value, bool):
            datatype = BOOLEAN
        else:
            datatype = 4 if isinstance(value, int) else DOUBLE
        pm.datatype = datatype
        if value is None:
            pm.is_null = True
        elif datatype in INT_TYPES:
            pm.int_value = int(value) & 0xFFFFFFFF
        elif datatype in LONG_TYPES:
            pm.long_value = int(value) & 0xFFFFFFFFFFFFFFFF
        elif datatype == FLOAT:
            pm.float_value = float(value)
        elif datatype == DOUBLE:
            pm.double_value = float(value)
        elif datatype == BOOLEAN:
            pm.boolean_value = bool(value)
        else:
            pm.string_value = str(value)
    return p.SerializeToString()


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def metric_value(m) -> float | None:
    """A metric's number (signed types re-signed per spec §6.4.16); None for null, text and bytes."""
    if m.is_null:
        return None
    kind = m.WhichOneof("value")
    if kind == "int_value":
        bits = {1: 8, 2: 16, 3: 32}.get(m.datatype)
        return float(_signed(m.int_value & ((1 << bits) - 1), bits) if bits else m.int_value)
    if kind == "long_value":
        return float(_signed(m.long_value, 64) if m.datatype == 4 else m.long_value)
    if kind in ("float_value", "double_value"):
        return float(getattr(m, kind))
    if kind == "boolean_value":
        return 1.0 if m.boolean_value else 0.0
    return None


class SparkplugError(ValueError):
    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en, ko)
        self.en, self.ko = en, ko


@dataclass
class _Node:
    seq: int | None = None
    aliases: dict[tuple[str, int], str] = field(default_factory=dict)  # (device, alias) -> metric name


class SparkplugDecoder:
    """Turns Sparkplug B messages into readings, remembering each edge node's aliases and sequence number.

    Groups map to companies (`group_to_company`, default: the group id is the company id); devices map to machines
    (a node-level metric belongs to a machine named after the edge node). Sequence gaps are counted: data messages
    are QoS 0 by the specification, so a gap is the only sign of loss.
    """

    def __init__(self, group_to_company: dict[str, str] | None = None) -> None:
        self.group_to_company = group_to_company or {}
        self.nodes: dict[tuple[str, str], _Node] = {}
        self.gaps: list[dict[str, Any]] = []

    def decode(self, topic: str, payload: bytes) -> tuple[str, list[dict[str, Any]]]:
        parts = topic.split("/")
        if len(parts) < 4 or parts[0] != "spBv1.0":
            raise SparkplugError(
                f"topic {topic!r} is not in the spBv1.0 namespace",
                f"토픽 {topic!r}이(가) spBv1.0 형식이 아닙니다",
            )
        group, mtype, node_id = parts[1], parts[2], parts[3]
        device = parts[4] if len(parts) > 4 else None
        company = self.group_to_company.get(group, group)
        if mtype == "STATE" or mtype.endswith("CMD"):
            return company, []
        msg = Payload()
        try:
            msg.ParseFromString(payload)
        except Exception as exc:  # protobuf raises DecodeError and friends
            raise SparkplugError(
                f"payload of {topic} is not a Sparkplug B protobuf: {exc}",
                f"{topic}의 내용이 Sparkplug B protobuf가 아닙니다: {exc}",
            ) from exc
        node = self.nodes.setdefault((group, node_id), _Node())
        if mtype == "NBIRTH":
            node.seq = msg.seq if msg.HasField("seq") else 0
            node.aliases = {}  # a rebirth redefines every alias
        elif msg.HasField("seq"):
            expected = None if node.seq is None else (node.seq + 1) % 256
            if expected is not None and msg.seq != expected:
                self.gaps.append(
                    {
                        "group": group,
                        "node": node_id,
                        "expected": expected,
                        "got": msg.seq,
                        "at": datetime.now(UTC).isoformat(),
                    }
                )
            node.seq = msg.seq
        if mtype.endswith("DEATH"):
            return company, []
        machine = device or node_id
        records = []
        # a metric without its own time stamp takes the payload's; one without either (the specification requires
        # the payload's) the time it arrived — read as 0 it was stored at 1970-01-01
        sent = datetime.fromtimestamp(msg.timestamp / 1000, UTC) if msg.HasField("timestamp") else None
        arrived = datetime.now(UTC)
        for m in msg.metrics:
            if m.name:
                name = m.name
                if m.HasField("alias"):
                    node.aliases[(machine, m.alias)] = m.name
            elif m.HasField("alias"):
                name = node.aliases.get((machine, m.alias))
                if name is None:
                    raise SparkplugError(
                        f"{topic}: metric alias {m.alias} was never defined in a birth message of {machine}",
                        f"{topic}: 별칭 {m.alias}이(가) {machine}의 BIRTH 메시지에 정의된 적이 없습니다",
                    )
            else:
                continue
            if name.startswith(("bdSeq", "Node Control/", "Device Control/", "Properties/")):
                continue
            value = metric_value(m)
            if value is None:
                continue
            stamp = datetime.fromtimestamp(m.timestamp / 1000, UTC) if m.HasField("timestamp") else None
            records.append(
                {
                    "time": stamp or sent or arrived,
                    "machine_id": machine,
                    "signal": name,
                    "value": value,
                }
            )
        return company, records


class SparkplugPublisher:
    """A Sparkplug B edge node publishing devices' metrics (births with aliases, then data by alias)."""

    def __init__(self, client, group: str, node_id: str) -> None:
        self.client, self.group, self.node_id = client, group, node_id
        self.seq = 0
        self.aliases: dict[tuple[str, str], int] = {}

    def _topic(self, mtype: str, device: str | None = None) -> str:
        base = f"spBv1.0/{self.group}/{mtype}/{self.node_id}"
        return f"{base}/{device}" if device else base

    def _next_seq(self) -> int:
        seq = self.seq
        self.seq = (self.seq + 1) % 256
        return seq

    def birth_node(self, bd_seq: int = 0) -> None:
        self.seq = 0
        body = encode([{"name": "bdSeq", "value": bd_seq, "datatype": 8}], seq=self._next_seq())
        self.client.publish(self._topic("NBIRTH"), body, qos=0).wait_for_publish()

    def birth_device(self, device: str, values: dict[str, float]) -> None:
        metrics = []
        for name, value in values.items():
            alias = self.aliases.setdefault((device, name), len(self.aliases) + 1)
            metrics.append({"name": name, "alias": alias, "value": value, "datatype": DOUBLE})
        self.client.publish(self._topic("DBIRTH", device), encode(metrics, seq=self._next_seq()), qos=0)

    def data(
        self, device: str, values: dict[str, float], when: datetime | None = None, *, skip_seq: bool = False
    ) -> None:
        if skip_seq:
            self._next_seq()  # simulate a lost message
        metrics = [
            {"alias": self.aliases[(device, n)], "value": v, "datatype": DOUBLE, "timestamp": when}
            for n, v in values.items()
        ]
        self.client.publish(
            self._topic("DDATA", device), encode(metrics, seq=self._next_seq(), timestamp=when), qos=0
        ).wait_for_publish()

    def death_device(self, device: str) -> None:
        self.client.publish(self._topic("DDEATH", device), encode([], seq=self._next_seq()), qos=0)
