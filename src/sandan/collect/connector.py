"""The one contract every connector keeps (start, stop, health; batches go to one sink) and the store sink.

Connectors speak their protocol and hand over batches; validation and storage stay in `sandan.collect.ingest`.
"""

from __future__ import annotations

import abc
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pyarrow.compute as pc

from sandan.collect.ingest import INGESTERS, Origin, Receipt
from sandan.collect.quarantine import keep_reject
from sandan.domain import InvalidInput, NotFound
from sandan.store import Store
from sandan.store.base import EdgeEvent

#: An edge agent reports its collectors' health every EDGE_REPORT_S seconds; one not heard from for EDGE_SILENT_S
#: is shown as "silent" (the agent stopped, or the link to the platform is down).
EDGE_REPORT_S = 15.0
EDGE_SILENT_S = 60.0
_HEALTH_KEYS = (
    "name",
    "kind",
    "state",
    "messages",
    "records",
    "errors",
    "gaps",
    "buffer_depth",
    "rate_per_s",
    "last_message_at",
    "last_error",
)
_AGENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Each agent keeps its newest EDGE_EVENTS_KEPT link changes (a collector that flaps every report fills this in
#: about eight hours; one that changes a few times a day keeps years).
EDGE_EVENTS_KEPT = 2000
_TROUBLE = {"disconnected", "error"}


@dataclass
class Batch:
    """Records of one kind (reading | part | event) from one source, for one company."""

    company_id: str
    kind: str
    records: Any  # list of JSON objects, DataFrame or Arrow table in canonical columns
    source: str


@dataclass
class Health:
    """What an operator needs to see of a connector: is it connected, is data flowing, what went wrong."""

    name: str
    kind: str
    state: str = "stopped"  # starting | connected | disconnected | error | stopped
    messages: int = 0
    records: int = 0
    errors: int = 0
    gaps: int = 0
    buffer_depth: int = 0
    last_message_at: datetime | None = None
    last_error: dict[str, str] | None = None
    _window: deque = field(default_factory=lambda: deque(maxlen=600), repr=False)
    # the collector's thread notes messages while a page reads the health: the window is read and written under it
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note_message(self, records: int) -> None:
        now = time.monotonic()
        with self._lock:
            self.messages += 1
            self.records += records
            self.last_message_at = datetime.now(UTC)
            self._window.append((now, records))

    def note_error(self, en: str, ko: str) -> None:
        self.errors += 1
        self.last_error = {"en": en, "ko": ko, "at": datetime.now(UTC).isoformat()}

    @property
    def rate_per_s(self) -> float:
        """Records per second over the last minute."""
        now = time.monotonic()
        with self._lock:
            recent = [(t, n) for t, n in self._window if now - t <= 60]
        if len(recent) < 2:
            return 0.0
        span = max(now - recent[0][0], 1e-6)
        return sum(n for _, n in recent) / span

    def to_dict(self) -> dict[str, Any]:
        with self._lock:  # one consistent reading: messages and records counted together
            out = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
        if out["last_error"] is not None:
            out["last_error"] = dict(out["last_error"])
        out["rate_per_s"] = round(self.rate_per_s, 2)
        out["last_message_at"] = self.last_message_at.isoformat() if self.last_message_at else None
        return out


class Sink(Protocol):
    def __call__(self, batch: Batch) -> Receipt: ...


class Connector(abc.ABC):
    """A source of machine data. `start` connects and begins delivering batches to the sink; `stop` ends it."""

    name: str
    kind: str

    @abc.abstractmethod
    def start(self, sink: Sink) -> None: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    @abc.abstractmethod
    def health(self) -> Health: ...


class StoreSink:
    """Delivers batches into a store through the ingestion path; safe to call from several connector threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._companies: set[str] = set()  # found registered

    def __call__(self, batch: Batch) -> Receipt:
        ingest = INGESTERS[batch.kind]
        with self._lock:
            self._require_company(batch.company_id)
            try:
                return ingest(self.store, batch.company_id, batch.records, Origin(source=batch.source))
            except NotFound:
                # erased since it was found registered: asked again next time
                self._companies.discard(batch.company_id)
                raise

    def _require_company(self, company_id: str) -> None:
        """A topic or Sparkplug group that names no registered company: its records were judged machine by machine
        ("machine 'M1' is not registered") under a company no one can see; the collector's health now says which
        company or group is unknown."""
        if company_id in self._companies:
            return
        if self.store.get_company(company_id) is None:
            raise InvalidInput(
                f"company {company_id!r} is not registered on this platform; publish under sandan/v1/<company id>/… "
                "or, for Sparkplug B, map the group to a company (group_to_company)",
                f"회사 {company_id!r}은(는) 이 플랫폼에 등록되어 있지 않습니다. sandan/v1/<회사 ID>/… 아래로 보내거나, "
                "Sparkplug B라면 그룹을 회사에 연결하세요(group_to_company)",
                code="unknown_company",
            )
        self._companies.add(company_id)

    def reject(self, company_id: str, source: str, kind: str, raw: str, code: str, en: str, ko: str) -> None:
        """Keep a payload that could not even be decoded (bad JSON, bad protobuf) in quarantine."""
        with self._lock:
            keep_reject(self.store, company_id, source, kind, raw, code, en, ko)


class ConnectorRegistry:
    """The connectors running in this process, each with the companies whose data it carries.

    A connector shared by several companies (a platform-level MQTT subscription) shows each of them only its state,
    never counts or error texts that could reveal another company's traffic.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[Connector, frozenset[str], str]] = []

    def register(self, connector: Connector, company_ids: set[str] | frozenset[str], site: str = "") -> None:
        with self._lock:
            self._entries.append((connector, frozenset(company_ids), site))

    def for_company(self, company_id: str) -> list[dict[str, Any]]:
        with self._lock:
            entries = [e for e in self._entries if company_id in e[1]]
        out = []
        for connector, companies, site in entries:
            health = connector.health().to_dict()
            health["site"] = site
            health["shared"] = len(companies) > 1
            if health["shared"]:
                health = {
                    k: health[k] for k in ("name", "kind", "state", "site", "shared", "last_message_at")
                }
            out.append(health)
        return out

    def stop_all(self) -> None:
        with self._lock:
            entries, self._entries = self._entries, []
        for connector, _companies, _site in entries:
            connector.stop()


def report_edge_status(
    store: Store, company_id: str, agent: str, connectors: list[dict[str, Any]], now: datetime | None = None
) -> None:
    """Keep what an edge agent reports of its collectors (their `Health.to_dict()`), replacing its last report."""
    if not _AGENT.match(agent):
        raise InvalidInput(
            f"edge agent name {agent!r} must be 1-64 letters, digits, '.', '_' or '-' (the site file's 'site')",
            f"엣지 에이전트 이름 {agent!r}은(는) 영문자·숫자·'.'·'_'·'-' 1~64자여야 합니다 (사이트 설정의 'site')",
            field="agent",
        )
    kept = [{k: c.get(k) for k in _HEALTH_KEYS} for c in connectors[:100]]
    now = now or datetime.now(UTC)
    before = next(
        ((at, json.loads(h)) for a, at, h in store.list_edge_status(company_id) if a == agent), None
    )
    store.put_edge_status(company_id, agent, now, json.dumps(kept, default=str))
    changes = edge_changes(before, kept, now)
    if changes:
        store.add_edge_events(company_id, agent, changes, keep=EDGE_EVENTS_KEPT)


def edge_changes(
    before: tuple[datetime, list[dict[str, Any]]] | None, report: list[dict[str, Any]], now: datetime
) -> list[EdgeEvent]:
    """What an agent's report changes against its last one: the span it was silent (no report for EDGE_SILENT_S),
    each collector whose state is new (with its last error where it is not connected), each that is gone."""
    changes: list[EdgeEvent] = []
    last: dict[str, str] = {}
    if before is not None:
        reported_at, health = before
        if (now - reported_at).total_seconds() > EDGE_SILENT_S:
            changes.append((reported_at, "", "silent", None, now))
        last = {str(c.get("name")): str(c.get("state")) for c in health}
    for c in report:
        name, state = str(c.get("name")), str(c.get("state"))
        if last.get(name) != state:
            error = c.get("last_error") if state in _TROUBLE else None
            changes.append((now, name, state, json.dumps(error) if error else None, None))
    for name in last.keys() - {str(c.get("name")) for c in report}:
        changes.append((now, name, "removed", None, None))
    return changes


def edge_history(
    store: Store, company_id: str, agent: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The company's edge link changes, newest first: when a collector's state changed (and the error it gave),
    and when an agent fell silent and for how long (`until`, `silent_s`); `trouble` marks a change for the worse
    (silent, disconnected, error)."""
    out = []
    for name, at, connector, state, error, until in store.list_edge_events(company_id, agent, limit):
        out.append(
            {
                "agent": name,
                "at": at,
                "connector": connector,
                "state": state,
                "error": json.loads(error) if error else None,
                "until": until,
                "silent_s": (until - at).total_seconds() if until else None,
                "trouble": state == "silent" or state in _TROUBLE,
            }
        )
    return out


def recent_part_arrivals(
    store: Store, company_id: str, now: datetime | None = None, window: timedelta = timedelta(hours=1)
) -> dict[str, Any] | None:
    """How many part records the company received in the last `window` and when the latest was made
    ({"count", "latest"}), or None when none arrived — whatever wrote them (a collector, an import, the API)."""
    now = now or datetime.now(UTC)
    times = store.query_parts(
        company_id, now - window, now + timedelta(minutes=5), columns=["time"], ordered=False
    )["time"]
    return {"count": len(times), "latest": pc.max(times).as_py()} if len(times) else None


def connector_health(
    store: Store, registry: ConnectorRegistry | None, company_id: str, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Every collector carrying the company's machine data: those running in this server process, then those of its
    edge agents as they last reported (`site` names the agent, `reported_at` when; "silent" after EDGE_SILENT_S)."""
    out = registry.for_company(company_id) if registry is not None else []
    now = now or datetime.now(UTC)
    for agent, reported_at, health in store.list_edge_status(company_id):
        silent = (now - reported_at).total_seconds() > EDGE_SILENT_S
        for c in json.loads(health):
            c.update(site=agent, shared=False, edge=True, reported_at=reported_at.isoformat())
            if silent:
                c["state"] = "silent"
            out.append(c)
    return out


#: readings a polling or subscribing collector holds in memory while its sink refuses them (the edge buffer full):
#: past it, polling pauses and a subscription's readings are counted as not kept
MAX_BUFFERED = 200_000


def store_problem(exc: Exception) -> tuple[str, str]:
    """English and Korean words for a batch a connector's sink could not take: the reason in each language where
    the exception carries both (the edge buffer full, an invalid input), its text otherwise."""
    en = ko = str(exc)
    if len(exc.args) == 2 and all(isinstance(a, str) for a in exc.args):
        en, ko = exc.args
    elif hasattr(exc, "en") and hasattr(exc, "ko"):
        en, ko = exc.en, exc.ko
    return f"could not store readings: {en}", f"측정값을 저장하지 못했습니다: {ko}"
