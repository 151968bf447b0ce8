"""Sparkplug B through the real Mosquitto: births define aliases, data arrives by alias, gaps and garbage are
reported, and the payload round-trips through protobuf."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest

from sandan.collect.connector import StoreSink
from sandan.collect.mqtt import MqttCollector, MqttConfig
from sandan.collect.site import SiteConfig
from sandan.collect.sparkplug import Payload, SparkplugDecoder, SparkplugPublisher, encode, metric_value
from sandan.domain import Company, Machine, Signal
from tests.conftest import require_service


def test_payload_round_trips_numbers_of_each_type():
    body = encode(
        [
            {"name": "a", "value": -5, "datatype": 2},  # Int16, sent as uint32 two's complement
            {"name": "b", "value": 2**40, "datatype": 8},  # UInt64
            {"name": "c", "value": 1.5, "datatype": 9},  # Float
            {"name": "d", "value": True},
        ],
        seq=7,
    )
    p = Payload()
    p.ParseFromString(body)
    assert p.seq == 7
    assert [metric_value(m) for m in p.metrics] == [-5.0, float(2**40), 1.5, 1.0]


def test_decoder_counts_a_sequence_gap_and_resolves_aliases():
    decoder = SparkplugDecoder()
    t = datetime(2026, 5, 1, tzinfo=UTC)
    decoder.decode("spBv1.0/acme/NBIRTH/gw1", encode([{"name": "bdSeq", "value": 0, "datatype": 8}], seq=0))
    _, born = decoder.decode(
        "spBv1.0/acme/DBIRTH/gw1/imm-01",
        encode([{"name": "melt_temp_c", "alias": 1, "value": 230.0}], seq=1, timestamp=t),
    )
    _, data = decoder.decode(
        "spBv1.0/acme/DDATA/gw1/imm-01", encode([{"alias": 1, "value": 231.0}], seq=3, timestamp=t)
    )  # seq 2 lost
    assert born[0]["signal"] == data[0]["signal"] == "melt_temp_c" and data[0]["value"] == 231.0
    assert decoder.gaps == [{**decoder.gaps[0], "expected": 2, "got": 3}]


def test_a_metric_without_any_time_stamp_takes_the_time_it_arrived():
    """Neither the metric nor the payload stamped: read as 0, the reading was stored at 1970-01-01."""
    decoder = SparkplugDecoder()
    decoder.decode(
        "spBv1.0/acme/DBIRTH/gw1/imm-01", encode([{"name": "melt_temp_c", "alias": 1, "value": 230.0}], seq=0)
    )
    bare = Payload()
    bare.seq = 1
    metric = bare.metrics.add()
    metric.alias, metric.double_value = 1, 8.0
    before = datetime.now(UTC)
    _, [reading] = decoder.decode("spBv1.0/acme/DDATA/gw1/imm-01", bare.SerializeToString())
    assert before <= reading["time"] <= datetime.now(UTC) and reading["value"] == 8.0
    # the payload's time, where only it is given
    bare.timestamp = 1_777_000_000_000
    _, [reading] = decoder.decode("spBv1.0/acme/DDATA/gw1/imm-01", bare.SerializeToString())
    assert reading["time"] == datetime.fromtimestamp(1_777_000_000, UTC)


@pytest.fixture
def plant(duck_store):
    company = f"c{uuid.uuid4().hex[:6]}"
    duck_store.upsert_company(Company(id=company, name="Sparkplug test"))
    duck_store.upsert_machine(company, Machine(id="imm-01", company_id=company, line_id="l1", name="IMM 1"))
    duck_store.upsert_signals(
        company,
        [Signal(company_id=company, machine_id="imm-01", name=n) for n in ("melt_temp_c", "cushion_mm")],
    )
    return duck_store, company


def wait_for(predicate, timeout=15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_sparkplug_stream_is_stored_and_gaps_and_garbage_are_reported(plant):
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    collector = MqttCollector(
        MqttConfig(topic=f"spBv1.0/{company}/#", sparkplug=True, client_id=f"spb-{company}")
    )
    collector.start(StoreSink(store))
    assert wait_for(lambda: collector.health().state == "connected")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"gw-{company}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    try:
        node = SparkplugPublisher(client, company, "gw1")
        node.birth_node()
        node.birth_device("imm-01", {"melt_temp_c": 230.0, "cushion_mm": 5.0})
        t0 = datetime.now(UTC) - timedelta(minutes=10)
        for i in range(30):
            node.data(
                "imm-01",
                {"melt_temp_c": 230.0 + i % 3, "cushion_mm": 5.0 + i % 2 * 0.1},
                t0 + timedelta(seconds=i),
                skip_seq=(i == 20),
            )
        client.publish(
            f"spBv1.0/{company}/DDATA/gw1/imm-01", b"\xff\xffnot protobuf", qos=0
        ).wait_for_publish()
        assert wait_for(lambda: store.count_rows(company, "readings") == 2 + 30 * 2)
        assert wait_for(lambda: store.count_quarantine(company) == 1)
        assert collector.health().gaps == 1
        assert "protobuf" in store.list_quarantine(company)[0]["reason_en"]
    finally:
        collector.stop()
        client.loop_stop()


def test_a_site_file_selects_sparkplug_b_and_maps_its_group_to_the_company(plant):
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    group = f"plant-{company}"
    site = SiteConfig.model_validate(
        {
            "company": company,
            "connectors": [
                {"type": "mqtt", "name": "spb", "sparkplug": True, "topic": f"spBv1.0/{group}/#",
                 "group_to_company": {group: company}}
            ],
        }
    )  # fmt: skip
    (collector,) = site.build_connectors()
    collector.start(StoreSink(store))
    assert wait_for(lambda: collector.health().state == "connected")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"gw2-{company}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    try:
        node = SparkplugPublisher(client, group, "gw1")
        node.birth_node()
        node.birth_device("imm-01", {"melt_temp_c": 230.0})
        node.data("imm-01", {"melt_temp_c": 231.0}, datetime.now(UTC) - timedelta(minutes=1))
        assert wait_for(lambda: store.count_rows(company, "readings") == 2)
    finally:
        collector.stop()
        client.loop_stop()
    assert (
        SiteConfig.model_validate(
            {"company": "c", "connectors": [{"type": "mqtt", "name": "m", "sparkplug": True}]}
        )
        .build_connectors()[0]
        .config.topic
        == "spBv1.0/#"
    )
