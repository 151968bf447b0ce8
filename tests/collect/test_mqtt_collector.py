"""MQTT collector against the real Mosquitto on 127.0.0.1:1883: batches stored, bad payloads kept, nothing lost."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest

from sandan.collect.connector import StoreSink
from sandan.collect.mqtt import MqttCollector, MqttConfig, decode
from sandan.domain import Company, Machine, Signal
from tests.conftest import require_service


@pytest.fixture
def plant(duck_store):
    company = f"c{uuid.uuid4().hex[:6]}"
    duck_store.upsert_company(Company(id=company, name="MQTT test"))
    duck_store.upsert_machine(
        company, Machine(id="inj-01", company_id=company, line_id="l1", name="Injection 1")
    )
    duck_store.upsert_signals(
        company,
        [
            Signal(company_id=company, machine_id="inj-01", name=n, unit="", min_value=0, max_value=1000)
            for n in ("melt_temp_c", "inj_pressure_bar")
        ],
    )
    return duck_store, company


def publisher() -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:6]}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    return client


def wait_for(predicate, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_compact_payload_expands_to_one_reading_per_signal():
    company, kind, records = decode(
        "sandan/v1/acme/inj-01/readings",
        json.dumps({"time": "2026-05-01T08:00:00+09:00", "values": {"a": 1, "b": 2}}).encode(),
    )
    assert (company, kind) == ("acme", "reading")
    assert records == {
        "time": ["2026-05-01T08:00:00+09:00"] * 2,
        "machine_id": ["inj-01"] * 2,
        "signal": ["a", "b"],
        "value": [1, 2],
    }


def test_columnar_payload_gives_one_reading_per_time_and_signal():
    body = {"time": ["2026-05-01T08:00:00Z", "2026-05-01T08:00:01Z"], "values": {"a": [1, 2], "b": [3, 4]}}
    _, _, records = decode("sandan/v1/acme/inj-01/readings", json.dumps(body).encode())
    rows = records.select(["signal", "value"]).to_pylist()
    assert [(r["signal"], r["value"]) for r in rows] == [("a", 1.0), ("a", 2.0), ("b", 3.0), ("b", 4.0)]
    assert records["machine_id"].to_pylist() == ["inj-01"] * 4
    with pytest.raises(ValueError):
        decode(
            "sandan/v1/acme/inj-01/readings", json.dumps({"time": ["x"], "values": {"a": [1, 2]}}).encode()
        )


def test_collector_stores_every_published_reading_once(plant):
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    collector = MqttCollector(MqttConfig(topic=f"sandan/v1/{company}/+/+", client_id=f"col-{company}"))
    collector.start(StoreSink(store))
    assert wait_for(lambda: collector.health().state == "connected")
    pub = publisher()
    t0 = datetime.now(UTC) - timedelta(minutes=30)
    for batch in range(20):
        samples = [
            {
                "time": (t0 + timedelta(seconds=batch * 50 + i)).isoformat(),
                "values": {"melt_temp_c": 230 + i % 5, "inj_pressure_bar": 800 + i % 7},
            }
            for i in range(50)
        ]
        pub.publish(f"sandan/v1/{company}/inj-01/readings", json.dumps(samples), qos=1).wait_for_publish()
    expected = 20 * 50 * 2
    assert wait_for(lambda: store.count_rows(company, "readings") == expected), store.count_rows(
        company, "readings"
    )
    health = collector.health()
    assert health.records == expected and health.errors == 0
    collector.stop()
    pub.loop_stop()


def test_bad_json_lands_in_quarantine_with_reason_and_the_stream_goes_on(plant):
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    collector = MqttCollector(MqttConfig(topic=f"sandan/v1/{company}/+/+", client_id=f"col2-{company}"))
    collector.start(StoreSink(store))
    assert wait_for(lambda: collector.health().state == "connected")
    pub = publisher()
    pub.publish(f"sandan/v1/{company}/inj-01/readings", b"{not json", qos=1).wait_for_publish()
    good = {"time": datetime.now(UTC).isoformat(), "values": {"melt_temp_c": 231.0}}
    pub.publish(f"sandan/v1/{company}/inj-01/readings", json.dumps(good), qos=1).wait_for_publish()
    assert wait_for(lambda: store.count_rows(company, "readings") == 1)
    assert wait_for(lambda: store.count_quarantine(company) == 1)
    item = store.list_quarantine(company)[0]
    assert item["reason_code"] == "bad_payload" and "JSON" in item["reason_en"] and item["raw"] == "{not json"
    assert collector.health().last_error is not None
    collector.stop()
    pub.loop_stop()


def test_messages_published_while_the_collector_is_down_arrive_after_restart(plant):
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    config = MqttConfig(topic=f"sandan/v1/{company}/+/+", client_id=f"col3-{company}")
    first = MqttCollector(config)
    first.start(StoreSink(store))
    assert wait_for(lambda: first.health().state == "connected")
    first.stop()  # persistent session: the broker queues QoS 1 messages for this client id
    pub = publisher()
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(10):
        sample = {"time": (t0 + timedelta(seconds=i)).isoformat(), "values": {"melt_temp_c": 200 + i}}
        pub.publish(f"sandan/v1/{company}/inj-01/readings", json.dumps(sample), qos=1).wait_for_publish()
    second = MqttCollector(config)
    second.start(StoreSink(store))
    assert wait_for(lambda: store.count_rows(company, "readings") == 10)
    second.stop()
    pub.loop_stop()
