"""Alert rules, alerts, acknowledgements, deliveries and reported predictions, kept in a small SQLite file.

Interim home until the Store has tables for them: every query names the company; it must not compute alerts.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FILE_NAME = "monitor_alerts.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_rules (
    company_id TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (company_id, id)
);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    clear_since TEXT,
    closed_at TEXT,
    value REAL,
    message_en TEXT NOT NULL,
    message_ko TEXT NOT NULL,
    acked_by TEXT,
    acked_at TEXT,
    ack_comment TEXT
);
CREATE INDEX IF NOT EXISTS alerts_open ON alerts (company_id, status, rule_id, subject);
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id TEXT NOT NULL,
    alert_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    ok INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_alert ON alert_deliveries (company_id, alert_id);
CREATE TABLE IF NOT EXISTS predictions (
    company_id TEXT NOT NULL,
    machine_id TEXT NOT NULL,
    model TEXT NOT NULL,
    at TEXT NOT NULL,
    probability REAL NOT NULL,
    PRIMARY KEY (company_id, machine_id, model)
);
"""

_ALERT_KEYS = (
    "id",
    "company_id",
    "rule_id",
    "subject",
    "kind",
    "severity",
    "status",
    "opened_at",
    "last_seen_at",
    "clear_since",
    "closed_at",
    "value",
    "message_en",
    "message_ko",
    "acked_by",
    "acked_at",
    "ack_comment",
)
_ALERT_COLS = ", ".join(_ALERT_KEYS)
_TIMES = ("opened_at", "last_seen_at", "clear_since", "closed_at", "acked_at")


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class AlertStore:
    """One SQLite file and one connection shared by threads behind a lock (writes are small and rare)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._con = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.executescript(_SCHEMA)
        self._one_open_alert()

    def _one_open_alert(self) -> None:
        """At most one open alert per rule and subject, kept by a unique index: two evaluations of one rule at once
        (the evaluator and a reported prediction) made two, and only one of them ever closed. A file from before
        the index may hold such twins: the later ones are closed when the earliest one opened."""
        with self._lock:
            self._con.execute(
                "UPDATE alerts SET status = 'closed', closed_at = (SELECT min(o.opened_at) FROM alerts o "
                "WHERE o.company_id = alerts.company_id AND o.rule_id = alerts.rule_id AND o.subject = alerts.subject "
                "AND o.status = 'open') WHERE status = 'open' AND id > (SELECT min(o.id) FROM alerts o "
                "WHERE o.company_id = alerts.company_id AND o.rule_id = alerts.rule_id AND o.subject = alerts.subject "
                "AND o.status = 'open')"
            )
            self._con.execute(
                "CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_open ON alerts (company_id, rule_id, subject) "
                "WHERE status = 'open'"
            )

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the store for a read-then-write (open, hold or close a rule's alerts): no other thread's calls run
        in between."""
        with self._lock:
            yield

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._con.execute(sql, params).fetchall()

    def _exec(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._con.execute(sql, params)

    # ---- rules ----------------------------------------------------------------------------
    def put_rule(self, company_id: str, rule_id: str, body: dict[str, Any], user_id: str | None) -> bool:
        """Create or replace a rule; True when it was new."""
        now = _iso(datetime.now(UTC))
        with self._lock:
            existed = self._con.execute(
                "SELECT 1 FROM alert_rules WHERE company_id = ? AND id = ?", (company_id, rule_id)
            ).fetchone()
            if existed:
                self._con.execute(
                    "UPDATE alert_rules SET body = ?, updated_at = ? WHERE company_id = ? AND id = ?",
                    (json.dumps(body), now, company_id, rule_id),
                )
            else:
                self._con.execute(
                    "INSERT INTO alert_rules (company_id, id, body, created_by, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (company_id, rule_id, json.dumps(body), user_id, now, now),
                )
        return not existed

    def list_rules(self, company_id: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT body FROM alert_rules WHERE company_id = ? ORDER BY id", (company_id,))
        return [json.loads(r[0]) for r in rows]

    def get_rule(self, company_id: str, rule_id: str) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT body FROM alert_rules WHERE company_id = ? AND id = ?", (company_id, rule_id)
        )
        return json.loads(rows[0][0]) if rows else None

    def delete_rule(self, company_id: str, rule_id: str) -> bool:
        cur = self._exec("DELETE FROM alert_rules WHERE company_id = ? AND id = ?", (company_id, rule_id))
        return cur.rowcount > 0

    def erase_company(self, company_id: str) -> int:
        """Delete the company's rules, alerts, their deliveries and its latest scores (it left the complex); the
        rows deleted."""
        with (
            self._lock
        ):  # one transaction: all of it or none (the connection commits each statement otherwise)
            self._con.execute("BEGIN")
            try:
                gone = sum(
                    self._con.execute(f"DELETE FROM {table} WHERE company_id = ?", (company_id,)).rowcount
                    for table in ("alert_rules", "alerts", "alert_deliveries", "predictions")
                )
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")
            return gone

    def cross_tenant_companies_with_rules(self) -> list[str]:
        """Which companies have rules — for the evaluator's loop, which then acts per company."""
        return [r[0] for r in self._rows("SELECT DISTINCT company_id FROM alert_rules ORDER BY 1")]

    # ---- alerts ---------------------------------------------------------------------------
    @staticmethod
    def _alert(row: tuple) -> dict[str, Any]:
        out = dict(zip(_ALERT_KEYS, row, strict=True))
        for k in _TIMES:
            out[k] = _time(out[k])
        return out

    def open_alerts(self, company_id: str, rule_id: str) -> dict[str, dict[str, Any]]:
        """The rule's open alerts, by subject."""
        rows = self._rows(
            f"SELECT {_ALERT_COLS} FROM alerts WHERE company_id = ? AND rule_id = ? AND status = 'open'",
            (company_id, rule_id),
        )
        return {a["subject"]: a for a in map(self._alert, rows)}

    def open_alert(
        self,
        company_id: str,
        rule_id: str,
        subject: str,
        *,
        kind: str,
        severity: str,
        at: datetime,
        value: float | None,
        message_en: str,
        message_ko: str,
    ) -> int | None:
        """A new open alert's id; None when the rule has an open alert for the subject already (it stays the one)."""
        cur = self._exec(
            "INSERT INTO alerts (company_id, rule_id, subject, kind, severity, status, opened_at, last_seen_at, "
            "value, message_en, message_ko) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?) "
            "ON CONFLICT (company_id, rule_id, subject) WHERE status = 'open' DO NOTHING",
            (company_id, rule_id, subject, kind, severity, _iso(at), _iso(at), value, message_en, message_ko),
        )
        return int(cur.lastrowid) if cur.rowcount else None

    def still_active(
        self,
        company_id: str,
        alert_id: int,
        at: datetime,
        value: float | None,
        message_en: str,
        message_ko: str,
    ) -> None:
        self._exec(
            "UPDATE alerts SET last_seen_at = ?, clear_since = NULL, value = ?, message_en = ?, message_ko = ? "
            "WHERE company_id = ? AND id = ?",
            (_iso(at), value, message_en, message_ko, company_id, alert_id),
        )

    def clearing(self, company_id: str, alert_id: int, since: datetime) -> None:
        self._exec(
            "UPDATE alerts SET clear_since = ? WHERE company_id = ? AND id = ? AND clear_since IS NULL",
            (_iso(since), company_id, alert_id),
        )

    def close_alert(
        self,
        company_id: str,
        alert_id: int,
        at: datetime,
        message_en: str | None = None,
        message_ko: str | None = None,
    ) -> None:
        """Close an alert; with messages, they replace its text (why it closed, when not because it cleared)."""
        self._exec(
            "UPDATE alerts SET status = 'closed', closed_at = ?, message_en = coalesce(?, message_en), "
            "message_ko = coalesce(?, message_ko) WHERE company_id = ? AND id = ?",
            (_iso(at), message_en, message_ko, company_id, alert_id),
        )

    def open_alert_rules(self, company_id: str) -> list[str]:
        """The rules with an open alert."""
        rows = self._rows(
            "SELECT DISTINCT rule_id FROM alerts WHERE company_id = ? AND status = 'open' ORDER BY 1",
            (company_id,),
        )
        return [r[0] for r in rows]

    def get_alert(self, company_id: str, alert_id: int) -> dict[str, Any] | None:
        rows = self._rows(
            f"SELECT {_ALERT_COLS} FROM alerts WHERE company_id = ? AND id = ?", (company_id, alert_id)
        )
        return self._alert(rows[0]) if rows else None

    def list_alerts(
        self, company_id: str, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Newest first; `status` open | closed | None for all."""
        sql = f"SELECT {_ALERT_COLS} FROM alerts WHERE company_id = ?"
        params: list[Any] = [company_id]
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        sql += " ORDER BY opened_at DESC, id DESC LIMIT ? OFFSET ?"
        params += [int(limit), int(offset)]
        return [self._alert(r) for r in self._rows(sql, tuple(params))]

    def count_alerts(self, company_id: str, status: str | None = None, unacknowledged: bool = False) -> int:
        sql = "SELECT count(*) FROM alerts WHERE company_id = ?"
        params: list[Any] = [company_id]
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        if unacknowledged:
            sql += " AND acked_at IS NULL"
        return int(self._rows(sql, tuple(params))[0][0])

    def acknowledge(self, company_id: str, alert_id: int, user_id: str, comment: str, at: datetime) -> bool:
        """Record who acknowledged and their comment; False when already acknowledged (the first one stands)."""
        cur = self._exec(
            "UPDATE alerts SET acked_by = ?, acked_at = ?, ack_comment = ? "
            "WHERE company_id = ? AND id = ? AND acked_at IS NULL",
            (user_id, _iso(at), comment, company_id, alert_id),
        )
        return cur.rowcount > 0

    # ---- deliveries -----------------------------------------------------------------------
    def add_delivery(
        self,
        company_id: str,
        alert_id: int,
        channel: str,
        target: str,
        event: str,
        ok: bool,
        attempts: int,
        error: str | None,
    ) -> None:
        self._exec(
            "INSERT INTO alert_deliveries (company_id, alert_id, channel, target, event, ok, attempts, error, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (company_id, alert_id, channel, target, event, int(ok), attempts, error, _iso(datetime.now(UTC))),
        )

    def list_deliveries(self, company_id: str, alert_id: int) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT channel, target, event, ok, attempts, error, at FROM alert_deliveries "
            "WHERE company_id = ? AND alert_id = ? ORDER BY id",
            (company_id, alert_id),
        )
        keys = ("channel", "target", "event", "ok", "attempts", "error", "at")
        return [{**dict(zip(keys, r, strict=True)), "ok": bool(r[3]), "at": _time(r[6])} for r in rows]

    # ---- predictions ----------------------------------------------------------------------
    def put_prediction(
        self, company_id: str, machine_id: str, model: str, probability: float, at: datetime
    ) -> None:
        self._exec(
            "INSERT INTO predictions (company_id, machine_id, model, at, probability) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (company_id, machine_id, model) DO UPDATE SET at = excluded.at, "
            "probability = excluded.probability",
            (company_id, machine_id, model, _iso(at), float(probability)),
        )

    def latest_predictions(self, company_id: str, model: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT machine_id, model, at, probability FROM predictions WHERE company_id = ?"
        params: list[Any] = [company_id]
        if model is not None:
            sql += " AND model = ?"
            params.append(model)
        rows = self._rows(sql + " ORDER BY machine_id, model", tuple(params))
        return [{"machine_id": m, "model": md, "at": _time(at), "probability": p} for m, md, at, p in rows]


# Held weakly: a store closes (its connection with it) once nothing uses it — a server's evaluator holds it for the
# server's life; a process that makes many apps over many data folders (a test run) does not keep every file open.
_OPEN: weakref.WeakValueDictionary[Path, AlertStore] = weakref.WeakValueDictionary()
_OPEN_LOCK = threading.Lock()


def open_alert_store(data_dir: str | Path) -> AlertStore:
    """The alert store of a data folder: one instance per file in a process while in use, shared by API, web and
    evaluator."""
    path = (Path(data_dir) / FILE_NAME).resolve()
    with _OPEN_LOCK:
        found = _OPEN.get(path)
        if found is None or not path.exists():
            found = _OPEN[path] = AlertStore(path)
        return found
