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


def test_a_batch_of_mixed_payload_forms_is_stored_whole(plant):
    """Columnar messages (text and epoch times), compact samples and canonical records, queued together, become one
    batch; every reading arrives once with its value."""
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    config = MqttConfig(
        topic=f"sandan/v1/{company}/+/+", client_id=f"col4-{company}", flush_interval_s=3.0, quiet_s=2.0
    )
    collector = MqttCollector(config)
    collector.start(StoreSink(store))
    assert wait_for(lambda: collector.health().state == "connected")
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    iso = [(t0 + timedelta(seconds=i)).isoformat() for i in range(3)]
    epoch_ms = [int((t0 + timedelta(seconds=10 + i)).timestamp() * 1000) for i in range(3)]
    bodies = [
        {"time": iso, "values": {"melt_temp_c": [230.0, 231.0, 232.0], "inj_pressure_bar": [800, 801, 802]}},
        {"time": epoch_ms, "values": {"melt_temp_c": [240.0, 241.0, 242.0]}},
        {"time": (t0 + timedelta(seconds=20)).isoformat(), "values": {"melt_temp_c": 250.0}},
        [{"time": (t0 + timedelta(seconds=21)).isoformat(), "signal": "inj_pressure_bar", "value": 850}],
        {"time": iso[:2], "values": {"melt_temp_c": [260.0, 261.0]}},  # conflicts with the first message
    ]
    pub = publisher()
    for body in bodies:
        pub.publish(f"sandan/v1/{company}/inj-01/readings", json.dumps(body), qos=1).wait_for_publish()
    assert wait_for(lambda: store.count_rows(company, "readings") == 11), store.count_rows(
        company, "readings"
    )
    assert store.count_quarantine(company) == 2
    rows = store.query_readings(company, t0 - timedelta(hours=1), t0 + timedelta(hours=1)).to_pylist()
    melt = [r["value"] for r in rows if r["signal"] == "melt_temp_c"]
    assert melt == [230.0, 231.0, 232.0, 240.0, 241.0, 242.0, 250.0]
    reasons = {q["reason_code"] for q in store.list_quarantine(company)}
    assert reasons == {"conflicting_duplicate"}
    collector.stop()
    pub.loop_stop()


class FlakySink(StoreSink):
    """A store that refuses the first `failures` writes, as a store that is briefly down does."""

    def __init__(self, store, failures: int) -> None:
        super().__init__(store)
        self.failures = failures

    def __call__(self, batch):
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("store is down")
        return super().__call__(batch)


def test_a_batch_the_store_refuses_is_written_again_and_not_acknowledged_before(plant):
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    config = MqttConfig(topic=f"sandan/v1/{company}/+/+", client_id=f"col5-{company}", retry_s=0.2)
    collector = MqttCollector(config)
    collector.start(FlakySink(store, failures=3))
    assert wait_for(lambda: collector.health().state == "connected")
    pub = publisher()
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(20):
        body = {"time": (t0 + timedelta(seconds=i)).isoformat(), "values": {"melt_temp_c": 200 + i}}
        pub.publish(f"sandan/v1/{company}/inj-01/readings", json.dumps(body), qos=1).wait_for_publish()
    assert wait_for(lambda: store.count_rows(company, "readings") == 20)
    assert collector.health().errors == 3 and "retrying" in collector.health().last_error["en"]
    collector.stop()
    assert collector.health().errors == 3, collector.health().last_error  # stored once, no failure after
    # everything was acknowledged once stored, and the broker has read the acks before the collector left:
    # a new session of the same client, straight after, gets nothing again
    again = MqttCollector(config)
    again.start(StoreSink(store))
    assert wait_for(lambda: again.health().state == "connected")
    time.sleep(1.0)
    assert again.health().messages == 0 and store.count_rows(company, "readings") == 20
    again.stop()
    pub.loop_stop()


def test_records_unusable_as_a_whole_are_quarantined_per_message_and_the_stream_goes_on(plant):
    """Part records without a result column make ingestion refuse the batch: the collector finds the message that
    caused it, quarantines it with the reason, and stores the rest."""
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    config = MqttConfig(topic=f"sandan/v1/{company}/+/+", client_id=f"col6-{company}", flush_interval_s=1.0)
    collector = MqttCollector(config)
    collector.start(StoreSink(store))
    assert wait_for(lambda: collector.health().state == "connected")
    pub = publisher()
    now = datetime.now(UTC) - timedelta(minutes=1)
    bad = [{"time": now.isoformat(), "part_id": "p1"}]
    good = [{"time": (now + timedelta(seconds=1)).isoformat(), "part_id": "p2", "result": "ok"}]
    pub.publish(f"sandan/v1/{company}/inj-01/parts", json.dumps(bad), qos=1).wait_for_publish()
    sample = {"time": now.isoformat(), "values": {"melt_temp_c": 231.0}}
    pub.publish(f"sandan/v1/{company}/inj-01/readings", json.dumps(sample), qos=1).wait_for_publish()
    assert wait_for(lambda: store.count_quarantine(company) == 1)
    item = store.list_quarantine(company)[0]
    assert item["reason_code"] == "missing_column" and "result" in item["reason_en"]
    assert json.loads(item["raw"]) == bad
    pub.publish(f"sandan/v1/{company}/inj-01/parts", json.dumps(good), qos=1).wait_for_publish()
    assert wait_for(lambda: store.count_rows(company, "part_records") == 1)
    assert store.count_rows(company, "readings") == 1
    collector.stop()
    pub.loop_stop()


def test_values_of_mixed_or_nested_types_are_quarantined_one_by_one_and_the_stream_goes_on(plant):
    """A number beside text in one message ("RUN"), or an object for a value, stopped the collector's writer: it
    went on saying "connected" and stored nothing more. Each unreadable value is quarantined with its reason and
    the rest is stored."""
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    config = MqttConfig(topic=f"sandan/v1/{company}/+/+", client_id=f"col7-{company}", flush_interval_s=0.5)
    collector = MqttCollector(config)
    collector.start(StoreSink(store))
    assert wait_for(lambda: collector.health().state == "connected")
    pub = publisher()
    now = datetime.now(UTC) - timedelta(minutes=1)
    topic = f"sandan/v1/{company}/inj-01/readings"
    mixed = {"time": now.isoformat(), "values": {"melt_temp_c": 231.5, "inj_pressure_bar": "RUN"}}
    nested = {"time": (now + timedelta(seconds=1)).isoformat(), "values": {"melt_temp_c": {"v": 1}}}
    pub.publish(topic, json.dumps(mixed), qos=1).wait_for_publish()
    pub.publish(topic, json.dumps(nested), qos=1).wait_for_publish()
    assert wait_for(lambda: store.count_quarantine(company) == 2)
    for i in range(3):
        good = {"time": (now + timedelta(seconds=2 + i)).isoformat(), "values": {"melt_temp_c": 230.0 + i}}
        pub.publish(topic, json.dumps(good), qos=1).wait_for_publish()
    assert wait_for(lambda: store.count_rows(company, "readings") == 4), store.count_rows(company, "readings")
    reasons = sorted((q["reason_code"], q["raw"]) for q in store.list_quarantine(company))
    assert [code for code, _ in reasons] == ["bad_number", "bad_number"]
    raws = [json.loads(raw)["value"] for _, raw in reasons]
    assert raws == ["RUN", '{"v":1}']
    assert collector.health().state == "connected"
    collector.stop()
    pub.loop_stop()


def test_a_broker_that_is_not_there_is_said_with_its_address():
    """The health read "starting" with no error for as long as no broker answered."""
    from tests.conftest import free_port

    port = free_port()
    collector = MqttCollector(MqttConfig(port=port))
    collector.start(StoreSink(None))
    try:
        assert wait_for(lambda: collector.health().errors >= 1, timeout=10)
        health = collector.health()
        assert health.state == "disconnected" and f"127.0.0.1:{port}" in health.last_error["en"]
        assert "연결할 수 없습니다" in health.last_error["ko"]
    finally:
        collector.stop()


def test_a_topic_of_a_company_not_registered_is_said_in_the_health(plant):
    """Its records were judged as unknown machines under a company no one can see."""
    require_service("Mosquitto", "127.0.0.1", 1883)
    store, company = plant
    ghost = f"{company}-ghost"
    config = MqttConfig(topic=f"sandan/v1/{ghost}/+/+", client_id=f"col8-{company}", flush_interval_s=0.5)
    collector = MqttCollector(config)
    collector.start(StoreSink(store))
    assert wait_for(lambda: collector.health().state == "connected")
    pub = publisher()
    sample = {"time": datetime.now(UTC).isoformat(), "values": {"melt_temp_c": 231.0}}
    pub.publish(f"sandan/v1/{ghost}/inj-01/readings", json.dumps(sample), qos=1).wait_for_publish()
    assert wait_for(lambda: collector.health().errors >= 1)
    error = collector.health().last_error
    assert f"company '{ghost}' is not registered" in error["en"] and "group_to_company" in error["ko"]
    assert wait_for(lambda: store.count_quarantine(ghost) == 1)  # kept, with that reason
    assert store.list_quarantine(ghost)[0]["reason_code"] == "unknown_company"
    collector.stop()
    pub.loop_stop()
