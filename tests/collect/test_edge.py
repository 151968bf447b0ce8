"""Edge store-and-forward: a disk queue that survives restarts, and a platform that is down, killed or slow.

The platform is a real `sandan serve` process over a DuckDB file; the source is a real Modbus server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sandan.accounts import create_user, issue_token
from sandan.collect.connector import Batch, store_problem
from sandan.collect.edge import Backpressure, DiskQueue, EdgeAgent
from sandan.collect.site import SiteConfig
from sandan.domain import Company, InvalidInput, Line, Machine, Signal, Site
from sandan.store import open_store
from tests.collect.test_modbus_collector import PressPlc
from tests.conftest import free_port

OUTAGE_S = 60  # the issue's bar: the platform unreachable for 60 s while the edge agent buffers


class Platform:
    """`sandan serve` in its own process, so it can be killed with SIGKILL and started again."""

    def __init__(self, data_dir, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        with open_store(f"duckdb:///{data_dir / 'sandan.duckdb'}") as store:
            store.upsert_company(Company(id="acme", name="Acme Press"))
            store.upsert_site("acme", Site(id="s1", company_id="acme", name="Plant 1"))
            store.upsert_line("acme", Line(id="l1", company_id="acme", site_id="s1", name="Press line"))
            store.upsert_machine(
                "acme", Machine(id="prs-01", company_id="acme", line_id="l1", name="Press 1")
            )
            store.upsert_signals(
                "acme",
                [
                    Signal(company_id="acme", machine_id="prs-01", name=n)
                    for n in ("tonnage_kn", "spm", "stroke_count")
                ],
            )
            user = create_user(store, "edge", "edge-password", "engineer", "acme")
            self.token = issue_token(store, user, name="edge agent")

    def start(self) -> None:
        env = {**os.environ, "SANDAN_DATA_DIR": str(self.data_dir), "SANDAN_PORT": str(self.port)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from sandan.cli.main import run; run()", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/openapi.json", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("platform did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def readings(self) -> list[dict]:
        now = datetime.now(UTC)
        r = httpx.get(
            f"{self.url}/api/v1/companies/acme/machines/prs-01/readings",
            params={
                "start": (now - timedelta(hours=1)).isoformat(),
                "end": (now + timedelta(minutes=1)).isoformat(),
                "limit": 100_000,
            },
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        return body["items"] if "items" in body else body["rows"]


def site_config(tmp_path, platform: Platform, plc: PressPlc) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "company": "acme",
            "platform": {"url": platform.url, "token": platform.token},
            "buffer": {"path": str(tmp_path / "edge.sqlite")},
            "connectors": [
                {
                    "type": "modbus",
                    "name": "press-01",
                    "host": "127.0.0.1",
                    "port": plc.port,
                    "machine_id": "prs-01",
                    "poll_interval_s": 0.1,
                    "registers": [
                        {"signal": "tonnage_kn", "address": 0, "type": "float32"},
                        {"signal": "spm", "address": 10, "type": "int16", "scale": 0.1},
                        {"signal": "stroke_count", "address": 20, "type": "uint32"},
                    ],
                }
            ],
        }
    )


def wait_for(predicate, timeout=60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_disk_queue_keeps_batches_in_order_across_a_reopen(tmp_path):
    queue = DiskQueue(tmp_path / "q.sqlite")
    for i in range(3):
        queue.put(Batch("acme", "reading", [{"i": i}], "test"))
    queue.close()
    again = DiskQueue(tmp_path / "q.sqlite")
    seen = []
    while (item := again.oldest()) is not None:
        seen.append(item[4])
        again.delete(item[0])
    assert seen == ['[{"i": 0}]', '[{"i": 1}]', '[{"i": 2}]']


def test_a_full_disk_queue_pushes_back_instead_of_dropping(tmp_path):
    queue = DiskQueue(tmp_path / "q.sqlite", max_bytes=200)
    queue.put(Batch("acme", "reading", [{"v": "x" * 100}], "test"))
    with pytest.raises(Backpressure) as full:
        queue.put(Batch("acme", "reading", [{"v": "y" * 150}], "test"))
    assert queue.depth() == 1
    # what a connector's health shows, in each language's words
    en, ko = store_problem(full.value)
    assert "is full" in en and "buffer.max_mb" in en and "가득 찼습니다" in ko and "is full" not in ko


def test_a_buffer_file_that_is_no_buffer_is_refused_in_words(tmp_path):
    # random bytes where the buffer should be: "unexpected error (DatabaseError: file is not a database); this is a
    # fault in sandan"
    junk = tmp_path / "buf.sqlite"
    junk.write_bytes(bytes(range(256)) * 80)
    with pytest.raises(InvalidInput) as refused:
        DiskQueue(junk)
    assert refused.value.code == "bad_buffer" and "buffer.path" in refused.value.en
    assert "파일을 다른 곳으로 옮기거나" in refused.value.ko


def test_platform_unreachable_for_a_minute_then_back_loses_and_duplicates_nothing(tmp_path):
    plc = PressPlc(free_port()).start()
    platform = Platform(tmp_path, free_port())
    agent = EdgeAgent(site_config(tmp_path, platform, plc))
    # the back-off's ceiling (30 s) would add up to half a minute after the platform returns; the test is about
    # losing and duplicating nothing over the outage, not about the back-off's ceiling
    agent.forwarder.config.retry_max_s = 4.0
    agent.start()  # the platform is not running yet: everything buffers on disk
    try:
        time.sleep(OUTAGE_S)
        assert agent.queue.depth() > 0
        assert agent.forwarder.health().state == "disconnected"
        platform.start()
        for c in agent.connectors:
            c.stop()  # stop producing so the totals are final
        collected = agent.connectors[0].health().records
        assert agent.forwarder.drain(timeout_s=120)
        rows = platform.readings()
        assert len(rows) == collected > 0
        keys = {(r["signal"], r["time"]) for r in rows}
        assert len(keys) == len(rows)
    finally:
        agent.forwarder.stop()
        platform.stop()
        plc.stop()


def test_platform_killed_with_sigkill_and_restarted_loses_and_duplicates_nothing(tmp_path):
    plc = PressPlc(free_port()).start()
    platform = Platform(tmp_path, free_port())
    platform.start()
    agent = EdgeAgent(site_config(tmp_path, platform, plc))
    agent.start()
    try:
        assert wait_for(lambda: len(agent.forwarder.receipts) >= 3)
        platform.kill()
        time.sleep(3)
        platform.start()
        time.sleep(2)
        for c in agent.connectors:
            c.stop()
        collected = agent.connectors[0].health().records
        assert agent.forwarder.drain(timeout_s=120)
        rows = platform.readings()
        assert len(rows) == collected
        assert len({(r["signal"], r["time"]) for r in rows}) == len(rows)
    finally:
        agent.forwarder.stop()
        platform.stop()
        plc.stop()


def test_what_the_platform_cannot_take_is_kept_in_its_quarantine_or_parked_at_the_edge(tmp_path):
    import paho.mqtt.client as mqtt

    platform = Platform(tmp_path, free_port())
    platform.start()
    config = SiteConfig.model_validate(
        {
            "company": "acme",
            "platform": {"url": platform.url, "token": platform.token},
            "buffer": {"path": str(tmp_path / "edge.sqlite")},
            # every company's topics: another company's message must not hold up acme's
            "connectors": [{"type": "mqtt", "name": "json", "topic": "sandan/v1/+/+/+"}],
        }
    )
    agent = EdgeAgent(config)
    agent.start()
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    try:
        assert wait_for(lambda: agent.connectors[0].health().state == "connected", timeout=20)
        publisher.connect("127.0.0.1", 1883)
        publisher.loop_start()
        publisher.publish("sandan/v1/acme/prs-01/readings", b"not json", qos=1).wait_for_publish(10)
        now = datetime.now(UTC).isoformat()
        other = {"time": now, "values": {"spm": 12}}
        publisher.publish("sandan/v1/beta/prs-01/readings", json.dumps(other), qos=1).wait_for_publish(10)
        mine = {"time": now, "values": {"tonnage_kn": 12.5}}
        publisher.publish("sandan/v1/acme/prs-01/readings", json.dumps(mine), qos=1).wait_for_publish(10)
        # a batch the platform refuses whole (no time, no signal), and a reject it will not keep either
        agent.queue.put(Batch("acme", "reading", [{"machine_id": "prs-01", "value": 1.0}], "modbus:press-01"))
        bad_reject = {
            "source": "x",
            "kind": "file",
            "raw": "r",
            "reason": {"code": "c", "message": {"en": "e", "ko": "k"}},
        }
        agent.queue.put(Batch("acme", "reject", [bad_reject], "x"))

        def quarantined() -> list[dict]:
            r = httpx.get(
                f"{platform.url}/api/v1/companies/acme/quarantine",
                headers={"Authorization": f"Bearer {platform.token}"},
                timeout=10,
            )
            return r.json()["items"]

        ok = wait_for(lambda: len(quarantined()) == 3 and agent.queue.depth() == 0, timeout=60)
        assert ok
        items = {i["reason"]["code"]: i for i in quarantined()}
        message, batch = items["bad_payload"], items["missing_column"]
        # beta's reading, kept in acme's quarantine saying whose it is; acme's reading behind it is stored
        foreign = items["other_company"]
        assert foreign["kind"] == "message" and "'beta'" in foreign["reason"]["message"]["en"]
        assert "12" in json.dumps(foreign["record"])
        assert [r["value"] for r in platform.readings()] == [12.5]
        assert message["source"].endswith("mqtt:sandan/v1/acme/prs-01/readings")
        assert message["record"] == "not json" and "JSON" in message["reason"]["message"]["en"]
        assert batch["kind"] == "batch" and "time" in batch["reason"]["message"]["en"]
        assert batch["record"] == [{"machine_id": "prs-01", "value": 1.0}]
        assert agent.queue.parked() == 1  # refused twice: kept on the edge's disk, never deleted
        assert "parked" in agent.forwarder.health().last_error["en"]
    finally:
        publisher.loop_stop()
        agent.stop()
        platform.stop()


def test_the_company_page_shows_the_edge_agents_collectors_as_they_report(tmp_path):
    plc = PressPlc(free_port()).start()
    platform = Platform(tmp_path, free_port())
    platform.start()
    config = site_config(tmp_path, platform, plc).model_copy(update={"site": "plant-a"})
    agent = EdgeAgent(config)
    agent.report_s = 0.5
    agent.start()

    def shown() -> dict[str, dict]:
        r = httpx.get(
            f"{platform.url}/api/v1/companies/acme/connectors",
            headers={"Authorization": f"Bearer {platform.token}"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        return {c["name"]: c for c in r.json() if c["edge"]}

    try:
        assert wait_for(lambda: shown().get("press-01", {}).get("records", 0) > 0, timeout=30)
        press = shown()["press-01"]
        assert (press["site"], press["kind"], press["state"]) == ("plant-a", "modbus", "connected")
        assert wait_for(lambda: shown()["forwarder"]["state"] == "connected", timeout=30)
    finally:
        agent.stop()  # its last report says so: stopped, not silent
        states = {name: c["state"] for name, c in shown().items()}
        platform.stop()
        plc.stop()
    assert states == {"press-01": "stopped", "forwarder": "connected"}


def test_a_site_file_the_agent_cannot_use_is_said_in_each_languages_words(tmp_path):
    """pydantic's English ('Field required', 'Extra inputs are not permitted') was in the Korean line too."""
    from sandan.domain import InvalidInput

    site = tmp_path / "site.yaml"
    site.write_text(
        "company: acme\nplatform: {url: 'http://127.0.0.1:8600', token: sdn_x}\nconnectors:\n"
        "  - {type: modbus, name: plc, host: 10.0.0.31, machine_id: m1,\n"
        "     registers: [{signal: tonnage_kn, adress: 0, type: float32}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        SiteConfig.from_yaml(site)
    assert err.value.where["field"] == "connectors.0.modbus.registers.0.address"
    assert "required, but missing" in err.value.en and "필수 항목이 없습니다" in err.value.ko
    assert "Field required" not in err.value.ko and "Extra inputs" not in err.value.ko


@pytest.mark.parametrize(
    ("connectors", "en", "ko"),
    [
        # each read wrong numbers, or told its health apart from no other, without a word
        (
            "[{type: mqtt, name: a}, {type: mqtt, name: a}]",
            "the name 'a' is used more than once",
            "두 번 이상",
        ),
        (
            "[{type: modbus, name: m, host: h, machine_id: p, registers: [{signal: a, address: 0, type: float32},"
            " {signal: b, address: 1}]}]",
            "b and a both use register 1",
            "레지스터 1을(를) 함께 씁니다",
        ),
        (
            "[{type: modbus, name: m, host: h, machine_id: p, registers: [{signal: a, address: 65535, type: float32}]}]",
            "runs past the last register, 65535",
            "마지막 레지스터 65535를 넘습니다",
        ),
        (
            "[{type: modbus, name: m, host: h, machine_id: p, registers: [{signal: a, address: 0},"
            " {signal: a, address: 5}]}]",
            "signal 'a' is mapped more than once",
            "두 번 이상",
        ),
        ("[{type: mqtt, name: m, port: 99999}]", "must be less than or equal to 65535", "65535 이하"),
        ("[{type: modbuss, name: m}]", "must be one of opcua, modbus, mqtt", "opcua, modbus, mqtt 중 하나"),
        (
            "[{type: modbus, name: m, host: '', machine_id: p, registers: [{signal: a, address: 0}]}]",
            "empty",
            "비어",
        ),
    ],
)
def test_a_site_file_whose_connectors_cannot_work_is_refused(tmp_path, connectors, en, ko):
    site = tmp_path / "site.yaml"
    site.write_text(f"company: acme\nconnectors: {connectors}\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        SiteConfig.from_yaml(site)
    assert en in refused.value.en and ko in refused.value.ko, (refused.value.en, refused.value.ko)
