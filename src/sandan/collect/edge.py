"""The edge agent's store-and-forward: batches from the factory's connectors go to a disk queue first, then to the
platform in order, acknowledged only once the platform's receipt is back. It must not validate (the platform does).

The queue is SQLite in WAL mode with synchronous=FULL: a batch the agent has taken from a connector is on disk
before the connector acknowledges it, so killing the agent or losing the link loses nothing acknowledged. The
platform's ingestion is idempotent, so a batch resent after a crash between send and delete creates no duplicates.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa

from sandan.collect.connector import EDGE_REPORT_S, Batch, Health
from sandan.collect.ingest import Receipt

KIND_PATH = {
    "reading": "ingest/readings",
    "part": "ingest/parts",
    "event": "ingest/events",
    "reject": "quarantine",
}


class Backpressure(Exception):
    """The disk buffer is full: the connector must slow down and must not acknowledge its source. Its args are
    the reason in English and in Korean."""

    def __str__(self) -> str:
        return str(self.args[0])


def _records(records: Any) -> list[dict[str, Any]]:
    if isinstance(records, pa.Table):
        return records.to_pylist()
    if isinstance(records, pd.DataFrame):
        return records.to_dict(orient="records")
    return list(records)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot encode {type(value).__name__}")


class DiskQueue:
    """A durable FIFO of batches with a size limit (bytes of payload)."""

    def __init__(self, path: Path, max_bytes: int = 2 * 1024**3) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        try:
            self._open(path)
        except sqlite3.Error as exc:  # "file is not a database" was "a fault in sandan"
            from sandan.domain import InvalidInput

            raise InvalidInput(
                f"edge buffer {path} cannot be used ({exc}): it is not this agent's buffer or the disk refused it; "
                "move the file aside (the agent starts a new one) or set buffer.path in the site file",
                f"엣지 버퍼 {path}을(를) 쓸 수 없습니다 ({exc}). 에이전트의 버퍼 파일이 아니거나 디스크가 거부했습니다. 파일을 "
                "다른 곳으로 옮기거나(새로 만듭니다) 사이트 설정의 buffer.path를 바꾸세요",
                code="bad_buffer",
                field="buffer.path",
            ) from exc

    def _open(self, path: Path) -> None:
        self._con = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=FULL")
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, company_id TEXT NOT NULL, "
            "kind TEXT NOT NULL, source TEXT NOT NULL, payload TEXT NOT NULL, bytes INTEGER NOT NULL, "
            "attempts INTEGER NOT NULL DEFAULT 0)"
        )
        # Batches the platform refused whose refusal it would not keep in its quarantine either: kept here, never
        # deleted by the agent, so a person can look at them (sqlite3 <buffer> 'SELECT * FROM parked').
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS parked (seq INTEGER PRIMARY KEY, company_id TEXT NOT NULL, kind TEXT NOT NULL, "
            "source TEXT NOT NULL, payload TEXT NOT NULL, reason TEXT NOT NULL, parked_at TEXT NOT NULL)"
        )
        self._bytes = self._con.execute("SELECT coalesce(sum(bytes), 0) FROM batches").fetchone()[0]

    def put(self, batch: Batch) -> int:
        payload = json.dumps(_records(batch.records), default=_json_default, ensure_ascii=False)
        size = len(payload.encode())
        with self._lock:
            if self._bytes + size > self.max_bytes:
                raise Backpressure(
                    f"edge buffer {self.path} is full ({self._bytes:,} of {self.max_bytes:,} bytes); the platform "
                    "has not taken the data for a while — check the agent's link to it, or raise buffer.max_mb",
                    f"엣지 버퍼 {self.path}이(가) 가득 찼습니다 ({self.max_bytes:,}바이트 중 {self._bytes:,}). 플랫폼이 "
                    "한동안 데이터를 받지 않았습니다. 플랫폼 연결을 확인하거나 buffer.max_mb를 늘리세요",
                )
            cur = self._con.execute(
                "INSERT INTO batches (company_id, kind, source, payload, bytes) VALUES (?, ?, ?, ?, ?)",
                (batch.company_id, batch.kind, batch.source, payload, size),
            )
            self._bytes += size
            return int(cur.lastrowid)

    def oldest(self) -> tuple[int, str, str, str, str] | None:
        with self._lock:
            return self._con.execute(
                "SELECT seq, company_id, kind, source, payload FROM batches ORDER BY seq LIMIT 1"
            ).fetchone()

    def delete(self, seq: int) -> None:
        with self._lock:
            row = self._con.execute("SELECT bytes FROM batches WHERE seq = ?", (seq,)).fetchone()
            self._con.execute("DELETE FROM batches WHERE seq = ?", (seq,))
            if row:
                self._bytes -= row[0]

    def park(self, seq: int, reason: str) -> None:
        """Move a batch out of the queue into `parked`, with why it could be neither delivered nor quarantined."""
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            self._con.execute(
                "INSERT INTO parked SELECT seq, company_id, kind, source, payload, ?, datetime('now') FROM batches "
                "WHERE seq = ?",
                (reason, seq),
            )
            row = self._con.execute("SELECT bytes FROM batches WHERE seq = ?", (seq,)).fetchone()
            self._con.execute("DELETE FROM batches WHERE seq = ?", (seq,))
            self._con.execute("COMMIT")
            if row:
                self._bytes -= row[0]

    def parked(self) -> int:
        with self._lock:
            return self._con.execute("SELECT count(*) FROM parked").fetchone()[0]

    def depth(self) -> int:
        with self._lock:
            return self._con.execute("SELECT count(*) FROM batches").fetchone()[0]

    @property
    def bytes(self) -> int:
        return self._bytes

    def close(self) -> None:
        with self._lock:
            self._con.close()


class EdgeSink:
    """The sink an edge agent gives its connectors: durable enqueue, then the forwarder takes over."""

    def __init__(self, queue: DiskQueue, company: str | None = None) -> None:
        self.queue = queue
        self.company = company  # the agent's own company: its token may write for no other

    def __call__(self, batch: Batch) -> Receipt:
        n = len(_records(batch.records)) if not isinstance(batch.records, list) else len(batch.records)
        if self.company is not None and batch.company_id != self.company:
            # another company's topic: the platform refuses the agent's token for it, and the batch, retried at the
            # head of the queue, held up everything behind it. Kept in the agent's own company's quarantine.
            raw = json.dumps(_records(batch.records), default=_json_default, ensure_ascii=False)[:10_000]
            self.reject(
                batch.company_id, batch.source, "message", raw, *_other_company(batch.company_id, self)
            )
            return Receipt(
                batch_id="quarantined", source=batch.source, kind=batch.kind, received=n, rejected=n
            )
        self.queue.put(batch)
        return Receipt(batch_id="queued", source=batch.source, kind=batch.kind, received=n)

    def reject(self, company_id: str, source: str, kind: str, raw: str, code: str, en: str, ko: str) -> None:
        # An undecodable payload travels, in order with the data, to the platform's quarantine with its reason
        # (the agent's own company's: it may write for no other)
        owner = self.company or company_id
        self.queue.put(Batch(owner, "reject", [_reject(source, kind, raw, code, en, ko)], source))


def _other_company(company_id: str, sink: EdgeSink) -> tuple[str, str, str]:
    return (
        "other_company",
        f"the message is for company {company_id!r}, but this edge agent forwards company {sink.company!r}'s data "
        f"only; publish it under sandan/v1/{sink.company}/…, or run an agent of {company_id!r} for it",
        f"회사 {company_id!r}의 메시지이지만 이 엣지 에이전트는 회사 {sink.company!r}의 데이터만 보냅니다. "
        f"sandan/v1/{sink.company}/… 아래로 보내거나 {company_id!r}의 에이전트를 따로 두세요",
    )


def _reject(source: str, kind: str, raw: str, code: str, en: str, ko: str) -> dict[str, Any]:
    """One item of the platform's POST …/quarantine."""
    return {
        "source": source,
        "kind": kind,
        "raw": raw,
        "reason": {"code": code, "message": {"en": en, "ko": ko}},
    }


def _refusal(response: httpx.Response) -> tuple[str, str, str]:
    """The platform's error (code, English, Korean) from a 4xx answer, whatever its body."""
    try:
        err = response.json()["error"]
        return str(err["code"]), str(err["message"]["en"]), str(err["message"]["ko"])
    except (ValueError, KeyError, TypeError):
        text = response.text[:300]
        return f"http_{response.status_code}", text, text


@dataclass
class ForwarderConfig:
    platform_url: str  # e.g. http://platform:8600
    token: str
    retry_min_s: float = 0.5
    retry_max_s: float = 30.0
    timeout_s: float = 30.0


class Forwarder:
    """Sends queued batches to the platform strictly in order; a failed send is retried with back-off."""

    def __init__(self, queue: DiskQueue, config: ForwarderConfig, name: str = "forwarder") -> None:
        self.queue = queue
        self.config = config
        self.health_ = Health(name=name, kind="forwarder", state="starting")  # "connected" after a first send
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.receipts: list[dict[str, Any]] = []

    def health(self) -> Health:
        self.health_.buffer_depth = self.queue.depth()
        return self.health_

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="edge-forwarder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=self.config.timeout_s + 5)

    def _run(self) -> None:
        delay = self.config.retry_min_s
        headers = {"Authorization": f"Bearer {self.config.token}"}
        with httpx.Client(
            base_url=self.config.platform_url, headers=headers, timeout=self.config.timeout_s
        ) as http:
            while not self._stop.is_set():
                item = self.queue.oldest()
                if item is None:
                    self._stop.wait(0.2)
                    continue
                seq, company_id, kind, _source, payload = item
                try:
                    response = http.post(
                        f"/api/v1/companies/{company_id}/{KIND_PATH[kind]}",
                        content=payload,
                        headers={"Content-Type": "application/json"},
                    )
                except httpx.HTTPError as exc:
                    self._unreachable(f"{type(exc).__name__}: {exc}")
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.config.retry_max_s)
                    continue
                if response.status_code >= 500 or response.status_code in (408, 429):
                    self._unreachable(f"HTTP {response.status_code}")
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.config.retry_max_s)
                    continue
                if response.status_code in (401, 403):
                    # A configuration error will not heal by retrying fast; keep the data, report, and wait.
                    self.health_.state = "error"
                    self.health_.note_error(
                        f"the platform refused the token (HTTP {response.status_code}); check the edge configuration",
                        f"플랫폼이 토큰을 거부했습니다 (HTTP {response.status_code}). 엣지 설정을 확인하세요",
                    )
                    self._stop.wait(self.config.retry_max_s)
                    continue
                # 2xx: stored or quarantined by the platform. Another 4xx: the platform will never take this batch
                # as it is (refused whole, e.g. a required column missing); it goes to the platform's quarantine
                # with the reason, where people see it, and if even that is refused it is parked on this disk.
                if response.status_code >= 400:
                    if not self._hand_over_refused(http, seq, company_id, kind, _source, payload, response):
                        self._stop.wait(delay)
                        delay = min(delay * 2, self.config.retry_max_s)
                        continue
                else:
                    self.receipts.append(response.json())
                    self.health_.note_message(int(response.json().get("received", 0)))
                    self.queue.delete(seq)
                self.health_.state = "connected"
                delay = self.config.retry_min_s

    def _hand_over_refused(
        self,
        http: httpx.Client,
        seq: int,
        company_id: str,
        kind: str,
        source: str,
        payload: str,
        response: httpx.Response,
    ) -> bool:
        """Keep a batch the platform refused: in its quarantine (kind "batch"), else parked here. False when the
        platform could not be reached for it, so the batch stays queued and is tried again."""
        code, en, ko = _refusal(response)
        if kind != "reject":
            reject = [_reject(source, "batch", payload, code, en, ko)]
            try:
                kept = http.post(f"/api/v1/companies/{company_id}/{KIND_PATH['reject']}", json=reject)
            except httpx.HTTPError as exc:
                self._unreachable(f"{type(exc).__name__}: {exc}")
                return False
            if kept.status_code >= 500 or kept.status_code in (401, 403, 408, 429):
                self._unreachable(f"HTTP {kept.status_code}")
                return False
            if kept.status_code < 400:
                self.queue.delete(seq)
                self.health_.note_error(
                    f"the platform refused batch {seq} ({en}); it is kept in the platform's quarantine",
                    f"플랫폼이 배치 {seq}을(를) 거부했습니다 ({ko}). 플랫폼의 격리 보관함에 보관했습니다",
                )
                return True
            code, en, ko = _refusal(kept)
        self.queue.park(seq, f"{code}: {en}")
        self.health_.note_error(
            f"the platform refused batch {seq} and would not quarantine it ({en}); it is parked in {self.queue.path} "
            "(table parked)",
            f"플랫폼이 배치 {seq}을(를) 거부했고 격리 보관도 거부했습니다 ({ko}). {self.queue.path}의 parked 표에 "
            "보관했습니다",
        )
        return True

    def _unreachable(self, why: str) -> None:
        self.health_.state = "disconnected"
        self.health_.note_error(
            f"platform {self.config.platform_url} unreachable ({why}); buffering on disk",
            f"플랫폼 {self.config.platform_url}에 연결할 수 없습니다 ({why}). 디스크에 보관 중입니다",
        )

    def drain(self, timeout_s: float = 60.0) -> bool:
        """Wait until the queue is empty (for shutdown and tests)."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.queue.depth() == 0:
                return True
            time.sleep(0.1)
        return False


class EdgeAgent:
    """Runs a site's connectors at the factory into the disk queue and forwards the queue to the platform."""

    def __init__(self, config) -> None:  # config: sandan.collect.site.SiteConfig
        from sandan.domain import InvalidInput

        if config.platform is None:
            raise InvalidInput(
                "the site file has no 'platform:' section (url and token) needed by the edge agent",
                "사이트 설정에 엣지 에이전트에 필요한 'platform:' 항목(url, token)이 없습니다",
            )
        self.config = config
        self.queue = DiskQueue(config.buffer.path, max_bytes=config.buffer.max_mb * 1024 * 1024)
        self.connectors = config.build_connectors()
        self.forwarder = Forwarder(self.queue, ForwarderConfig(config.platform.url, config.platform.token))
        self.name = config.site or "edge"  # how the platform's company page names this agent
        self.report_s = EDGE_REPORT_S
        self._stop = threading.Event()
        self._reporter: threading.Thread | None = None

    def start(self) -> None:
        self.forwarder.start()
        sink = EdgeSink(self.queue, self.config.company)
        for connector in self.connectors:
            connector.start(sink)
        self._stop.clear()
        self._reporter = threading.Thread(target=self._report_loop, name="edge-status", daemon=True)
        self._reporter.start()

    def stop(self) -> None:
        for connector in self.connectors:
            connector.stop()
        self._stop.set()
        if self._reporter:
            self._reporter.join(timeout=15)
        self.forwarder.stop()
        self.queue.close()

    def _report_loop(self) -> None:
        """Tell the platform, every `report_s`, how the collectors and the forwarder are doing (and once more on
        stopping), so the company page shows the factory's links. A report that does not arrive is not retried:
        the next one replaces it, and the platform marks an agent it stops hearing from as silent."""
        platform = self.config.platform
        url = f"/api/v1/companies/{self.config.company}/edge/{self.name}/status"
        with httpx.Client(
            base_url=platform.url, headers={"Authorization": f"Bearer {platform.token}"}, timeout=10
        ) as http:
            while True:
                stopping = self._stop.wait(self.report_s)
                # a failed report needs no note: the forwarder's health already says the platform is unreachable
                with contextlib.suppress(httpx.HTTPError):
                    http.put(url, json=json.loads(json.dumps(self.health(), default=_json_default)))
                if stopping:
                    return

    def health(self) -> list[dict[str, Any]]:
        return [c.health().to_dict() for c in self.connectors] + [self.forwarder.health().to_dict()]
