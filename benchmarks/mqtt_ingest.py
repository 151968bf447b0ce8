"""End-to-end MQTT ingestion: publisher → Mosquitto → sandan collector → store, against a bare paho subscriber.

Run: .venv/bin/python benchmarks/mqtt_ingest.py [--messages 2000] [--samples 100] [--signals 5]

Starts its own Mosquitto (from /usr/sbin/mosquitto) on a free loopback port with explicit queue and in-flight
limits — Mosquitto's defaults (1000 queued QoS 1 messages per client) drop messages silently under back-pressure.
The in-flight window (1000) is twice the collector's largest batch (500 messages), so the broker keeps sending the
next batch while one is being written and acknowledged.
The publisher runs in its own process so that it does not compete with the subscriber for the GIL. The sandan
clock stops when the store's receipts report every reading committed (no polling of the table being written); the
loss check then counts the table. Prints the readings/s of both paths, their ratio (goal ≥ 0.8), the absolute rate
(goal ≥ 150 k readings/s), loss (goal 0), and the CPU time of each subscriber process per million readings.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sandan.collect.connector import StoreSink  # noqa: E402
from sandan.collect.mqtt import MqttCollector, MqttConfig  # noqa: E402
from sandan.domain import Company, Machine, Signal  # noqa: E402
from sandan.store import open_store  # noqa: E402

BROKER_CONF = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 2000000
max_queued_bytes 0
max_inflight_messages 1000
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_broker(workdir: Path) -> tuple[subprocess.Popen, int]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(BROKER_CONF.format(port=port))
    proc = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def payloads(messages: int, samples: int, signals: int, t0: datetime) -> list[bytes]:
    out = []
    for m in range(messages):
        times = [(t0 + timedelta(milliseconds=10 * (m * samples + i))).isoformat() for i in range(samples)]
        values = {
            f"s{k}": [float((m * samples + i) % 97 + k) for i in range(samples)] for k in range(signals)
        }
        out.append(json.dumps({"time": times, "values": values}).encode())
    return out


def publish(port: int, topic: str, bodies: list[bytes], go) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    client.max_inflight_messages_set(200)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    go.wait()
    infos = [client.publish(topic, body, qos=1) for body in bodies]
    for info in infos:
        info.wait_for_publish(timeout=120)
    client.disconnect()
    client.loop_stop()


def run_publisher(port: int, topic: str, bodies: list[bytes]) -> tuple[mp.Process, object]:
    go = mp.Event()
    proc = mp.Process(target=publish, args=(port, topic, bodies, go), daemon=True)
    proc.start()
    time.sleep(0.5)
    return proc, go


def bare_subscriber(port: int, topic: str, bodies: list[bytes], expected: int) -> tuple[float, float]:
    got = {"readings": 0, "first": None, "last": None}

    def on_message(client, userdata, message):
        body = json.loads(message.payload)
        got["readings"] += sum(len(v) for v in body["values"].values())
        now = time.perf_counter()
        got["first"] = got["first"] or now
        got["last"] = now

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-bare-{uuid.uuid4().hex[:6]}")
    client.on_message = on_message
    client.connect("127.0.0.1", port)
    client.subscribe(topic, qos=1)
    client.loop_start()
    time.sleep(0.3)
    pub, go = run_publisher(port, topic, bodies)
    start, cpu = time.perf_counter(), time.process_time()
    go.set()
    deadline = start + 300
    while got["readings"] < expected and time.perf_counter() < deadline:
        time.sleep(0.01)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    client.loop_stop()
    pub.join(timeout=30)
    if got["readings"] != expected:
        print(f"  bare subscriber received {got['readings']:,} of {expected:,}")
    return got["readings"] / elapsed, cpu


class CountingSink(StoreSink):
    """The store sink, noting when the readings the store reports as committed reach the expected number — so the
    clock stops without querying the table the collector is writing to."""

    def __init__(self, store, expected: int) -> None:
        super().__init__(store)
        self.expected = expected
        self.accepted = 0
        self.done = threading.Event()
        self.finished_at = 0.0

    def __call__(self, batch):
        receipt = super().__call__(batch)
        self.accepted += receipt.accepted
        if self.accepted >= self.expected and not self.done.is_set():
            self.finished_at = time.perf_counter()
            self.done.set()
        return receipt


def sandan_path(
    port: int, topic_base: str, bodies: list[bytes], expected: int, workdir: Path
) -> tuple[float, int, float]:
    store = open_store(f"duckdb:///{workdir / 'bench.duckdb'}")
    company = "bench"
    store.upsert_company(Company(id=company, name="MQTT benchmark"))
    store.upsert_machine(company, Machine(id="m1", company_id=company, line_id="l1", name="Machine 1"))
    n_signals = len(json.loads(bodies[0])["values"])
    store.upsert_signals(
        company, [Signal(company_id=company, machine_id="m1", name=f"s{k}") for k in range(n_signals)]
    )
    collector = MqttCollector(
        MqttConfig(
            port=port,
            topic=f"sandan/v1/{company}/+/+",
            client_id="bench-sandan",
            max_batch_messages=500,
            flush_interval_s=0.05,
        )
    )
    sink = CountingSink(store, expected)
    collector.start(sink)
    while collector.health().state != "connected":
        time.sleep(0.05)
    pub, go = run_publisher(port, f"sandan/v1/{company}/m1/readings", bodies)
    start, cpu = time.perf_counter(), time.process_time()
    go.set()
    sink.done.wait(timeout=300)
    elapsed, cpu = (sink.finished_at or time.perf_counter()) - start, time.process_time() - cpu
    pub.join(timeout=30)
    time.sleep(1.0)
    collector.stop()
    stored = store.count_rows(company, "readings")  # the loss check reads the table itself
    store.close()
    return min(stored, sink.accepted) / elapsed, expected - stored, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=100, help="time points per message")
    parser.add_argument("--signals", type=int, default=5, help="signals per time point")
    args = parser.parse_args()
    expected = args.messages * args.samples * args.signals
    t0 = datetime.now(UTC) - timedelta(hours=1)
    bodies = payloads(args.messages, args.samples, args.signals, t0)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        broker, port = start_broker(workdir)
        try:
            print(
                f"{args.messages:,} messages × {args.samples * args.signals} readings = {expected:,} readings, QoS 1"
            )
            bare, bare_cpu = bare_subscriber(port, "bench/bare", bodies, expected)
            print(
                f"  bare paho subscriber (decode only): {bare:12,.0f} readings/s"
                f"   CPU {bare_cpu / expected * 1e6:5.2f} s per million readings"
            )
            rate, lost, cpu = sandan_path(port, "sandan/v1/bench", bodies, expected, workdir)
            print(
                f"  sandan collector → DuckDB store:    {rate:12,.0f} readings/s"
                f"   CPU {cpu / expected * 1e6:5.2f} s per million readings"
            )
            print(f"ratio sandan / bare = {rate / bare:.2f}   (goal ≥ 0.8)")
            print(f"absolute = {rate:,.0f} readings/s   (goal ≥ 150,000)")
            print(f"lost at QoS 1 = {lost:,}   (goal 0)")
        finally:
            broker.terminate()
            broker.wait(timeout=10)


if __name__ == "__main__":
    main()
