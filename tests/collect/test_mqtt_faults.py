"""MQTT fault tests on a Mosquitto of our own (so it can be restarted): broker restarted mid-stream, collector
killed with SIGKILL and restarted. Each asserts that every published reading is stored exactly once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from sandan.collect.connector import StoreSink
from sandan.collect.mqtt import MqttCollector, MqttConfig
from sandan.domain import Company, Machine, Signal
from sandan.store import open_store
from tests.conftest import IN_CI, free_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Broker:
    """Mosquitto with persistence and explicit queue/in-flight limits (its defaults drop messages silently)."""

    def __init__(self) -> None:
        if not os.path.exists(MOSQUITTO):
            if IN_CI:
                pytest.fail("mosquitto is not installed (CI=true)", pytrace=False)
            pytest.skip("mosquitto is not installed")
        self.port = free_port()
        # Started as root, mosquitto drops to its own user, which must reach and write its persistence folder:
        # pytest's tmp_path sits under a 0700 folder, so use a folder of its own.
        workdir = Path(tempfile.mkdtemp(prefix="sandan-mosquitto-"))
        workdir.chmod(0o777)
        self.workdir = workdir
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {workdir}/\nautosave_interval 1\nmax_queued_messages 1000000\n"
            "max_queued_bytes 0\nmax_inflight_messages 100\n"
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> Broker:
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: mosquitto saves its persistence file on the way out
            self.proc.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def messages(n: int, t0: datetime) -> list[bytes]:
    return [
        json.dumps(
            {
                "time": [(t0 + timedelta(seconds=i)).isoformat()],
                "values": {"melt_temp_c": [200.0 + i % 50], "cushion_mm": [5.0]},
            }
        ).encode()
        for i in range(n)
    ]


def publish_all(port: int, topic: str, bodies: list[bytes], pause_s: float = 0.0) -> threading.Thread:
    """Publish at QoS 1 with a persistent session; paho resends unacknowledged messages after a reconnect."""

    def run() -> None:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:6]}", clean_session=False
        )
        client.reconnect_delay_set(0.2, 1)
        client.connect("127.0.0.1", port)
        client.loop_start()
        pending = list(bodies)
        deadline = time.monotonic() + 120
        while pending and time.monotonic() < deadline:
            # like a real gateway: a message the client could not hand to the broker is sent again later
            infos = []
            for body in pending:
                infos.append((body, client.publish(topic, body, qos=1)))
                if pause_s:
                    time.sleep(pause_s)
            retry = []
            for body, info in infos:
                try:
                    info.wait_for_publish(timeout=30)
                    if not info.is_published():
                        retry.append(body)
                except (RuntimeError, ValueError):
                    retry.append(body)
            pending = retry
            if pending:
                time.sleep(0.5)
        client.loop_stop()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def setup_store(path):
    store = open_store(f"duckdb:///{path}")
    store.upsert_company(Company(id="acme", name="Acme Moulding"))
    store.upsert_machine("acme", Machine(id="imm-01", company_id="acme", line_id="l1", name="IMM 1"))
    store.upsert_signals(
        "acme",
        [Signal(company_id="acme", machine_id="imm-01", name=n) for n in ("melt_temp_c", "cushion_mm")],
    )
    return store


def wait_for(predicate, timeout=60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_broker_restarted_mid_stream_loses_and_duplicates_nothing(tmp_path):
    broker = Broker().start()
    store = setup_store(tmp_path / "s.duckdb")
    collector = MqttCollector(
        MqttConfig(port=broker.port, topic="sandan/v1/acme/+/+", client_id="col-restart")
    )
    collector.start(StoreSink(store))
    assert wait_for(lambda: collector.health().state == "connected")
    bodies = messages(600, datetime.now(UTC) - timedelta(hours=1))
    publisher = publish_all(broker.port, "sandan/v1/acme/imm-01/readings", bodies, pause_s=0.005)
    try:
        assert wait_for(lambda: store.count_rows("acme", "readings") >= 200)
        broker.stop()
        time.sleep(1.0)
        broker.start()
        publisher.join(timeout=120)
        assert wait_for(lambda: store.count_rows("acme", "readings") == 2 * len(bodies), timeout=60), (
            store.count_rows("acme", "readings")
        )
        time.sleep(1.0)  # nothing more may arrive
        assert store.count_rows("acme", "readings") == 2 * len(bodies)
        assert collector.health().errors >= 1  # the lost broker was reported
    finally:
        collector.stop()
        broker.remove()
        store.close()


COLLECTOR_SCRIPT = """
import sys, time
from sandan.collect.connector import StoreSink
from sandan.collect.mqtt import MqttCollector, MqttConfig
from sandan.store import open_store
store = open_store(sys.argv[1])
c = MqttCollector(MqttConfig(port=int(sys.argv[2]), topic="sandan/v1/acme/+/+", client_id="col-killed",
                             flush_interval_s=0.05, max_batch_messages=20))
c.start(StoreSink(store))
while True:  # report progress on stdout: the DuckDB file is this process's alone while it runs
    print(c.health().state, store.count_rows("acme", "readings"), flush=True)
    time.sleep(0.2)
"""


def test_collector_killed_with_sigkill_and_restarted_loses_and_duplicates_nothing(tmp_path):
    broker = Broker().start()
    db = tmp_path / "s.duckdb"
    setup_store(db).close()
    url = f"duckdb:///{db}"

    def start_collector() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", COLLECTOR_SCRIPT, url, str(broker.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def wait_line(proc: subprocess.Popen, predicate, timeout: float = 90.0) -> tuple[str, int]:
        end = time.monotonic() + timeout
        state, count = "", -1
        while time.monotonic() < end:
            line = proc.stdout.readline()
            if not line:
                break
            state, count = line.split()[0], int(line.split()[1])
            if predicate(state, count):
                return state, count
        return state, count

    proc = start_collector()
    # once subscribed, the broker keeps the session's QoS 1 messages while the collector is dead
    assert wait_line(proc, lambda state, _n: state == "connected")[0] == "connected"
    bodies = messages(600, datetime.now(UTC) - timedelta(hours=1))
    expected = 2 * len(bodies)
    publisher = publish_all(broker.port, "sandan/v1/acme/imm-01/readings", bodies, pause_s=0.005)
    try:
        wait_line(proc, lambda _s, n: n >= 100)
        proc.send_signal(signal.SIGKILL)  # mid-stream, between storing and acknowledging for some messages
        proc.wait(timeout=10)
        publisher.join(timeout=120)
        proc = start_collector()
        assert wait_line(proc, lambda _s, n: n >= expected)[1] == expected
        # redeliveries of stored-but-unacknowledged messages must not add rows: watch for two more seconds
        settle = time.monotonic() + 2.0
        counts = [
            wait_line(proc, lambda _s, _n: True)[1] for _ in iter(lambda: time.monotonic() < settle, False)
        ]
        assert max(counts) == expected
    finally:
        if proc.poll() is None:
            proc.kill()
        broker.remove()
