"""Profiles and matching outcomes in a small SQLite file in the data folder, tenant-scoped like the Store.

Cross-tenant reads (the partner directory, outcome statistics) are named cross_tenant_*.
Store wish: `profiles` and `match_outcomes` tables in the Store, so PostgreSQL installations keep them too.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandan.connect.profile import Profile
from sandan.domain import Conflict, InvalidInput

_SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (
    company_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    listed INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outcomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id TEXT NOT NULL,
    supplier_id TEXT NOT NULL,
    need_id TEXT NOT NULL,
    category TEXT NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outcomes_company ON outcomes (company_id);
"""
# One outcome per company, need and supplier: a later one replaces the earlier (a file from before kept every click;
# its newest per triple stays).
_ONE_PER_MATCH = """
DELETE FROM outcomes WHERE id NOT IN (SELECT MAX(id) FROM outcomes GROUP BY company_id, need_id, supplier_id);
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_one ON outcomes (company_id, need_id, supplier_id);
"""
OUTCOMES = ("contacted", "declined", "success", "failure")
# Success and failure counts of a supplier in a field are shown (and move its ranking) only once this many different
# companies reported them: fewer would let a reader tell one company's private verdict.
MIN_REPORTING_COMPANIES = 3
PROFILES_FILE = "connect/profiles.sqlite"  # in the data folder


class ProfileStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as con:
            con.executescript(_SCHEMA)
            if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'outcomes_one'").fetchone() is None:
                con.executescript(_ONE_PER_MATCH)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ProfileStore:
        return cls(Path(data_dir) / PROFILES_FILE)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10)
        con.row_factory = sqlite3.Row
        return con

    # ---- one tenant -------------------------------------------------------------------------------------
    def get(self, company_id: str) -> Profile | None:
        with self._connect() as con:
            row = con.execute("SELECT body FROM profiles WHERE company_id = ?", (company_id,)).fetchone()
        return None if row is None else Profile.model_validate_json(row["body"])

    def put(self, company_id: str, profile: Profile) -> Profile:
        if profile.company_id != company_id:
            raise Conflict(
                f"the profile names company {profile.company_id!r}, not {company_id!r}",
                f"프로필의 회사가 {company_id!r}이(가) 아니라 {profile.company_id!r}입니다",
            )
        with self._lock, self._connect() as con:
            con.execute(
                "INSERT INTO profiles (company_id, body, listed, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (company_id) DO UPDATE SET body = excluded.body, listed = excluded.listed, "
                "updated_at = excluded.updated_at",
                (company_id, profile.model_dump_json(), int(profile.listed), datetime.now(UTC).isoformat()),
            )
        return profile

    def delete(self, company_id: str) -> None:
        with self._lock, self._connect() as con:
            con.execute("DELETE FROM profiles WHERE company_id = ?", (company_id,))

    def erase_company(self, company_id: str) -> int:
        """Delete the company's profile and the outcomes it recorded (it left the complex); the rows deleted."""
        with self._lock, self._connect() as con:
            return sum(
                con.execute(f"DELETE FROM {table} WHERE company_id = ?", (company_id,)).rowcount
                for table in ("profiles", "outcomes")
            )

    def record_outcome(
        self, company_id: str, supplier_id: str, need_id: str, category: str, outcome: str, note: str = ""
    ) -> int:
        """Keep what came of the company's match of `supplier_id` to its need: one outcome per company, need and
        supplier, a later one replacing the earlier. Returns the outcome's id."""
        check_outcome(outcome)
        with self._lock, self._connect() as con:
            row = con.execute(
                "INSERT INTO outcomes (company_id, supplier_id, need_id, category, outcome, note, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (company_id, need_id, supplier_id) DO UPDATE SET "
                "category = excluded.category, outcome = excluded.outcome, note = excluded.note, "
                "created_at = excluded.created_at RETURNING id",
                (
                    company_id,
                    supplier_id,
                    need_id,
                    category,
                    outcome,
                    note[:1000],
                    datetime.now(UTC).isoformat(),
                ),
            ).fetchone()
            return int(row["id"])

    def outcomes(self, company_id: str) -> list[dict[str, Any]]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT * FROM outcomes WHERE company_id = ? ORDER BY id DESC", (company_id,)
            ).fetchall()
        return [dict(r) for r in rows]

    # ---- operator / directory reads ------------------------------------------------------------------------
    def cross_tenant_listed(self) -> list[Profile]:
        """Profiles their companies chose to list in the partner directory."""
        with self._connect() as con:
            rows = con.execute("SELECT body FROM profiles WHERE listed = 1 ORDER BY company_id").fetchall()
        return [Profile.model_validate_json(r["body"]) for r in rows]

    def cross_tenant_outcome_stats(
        self, min_companies: int = MIN_REPORTING_COMPANIES
    ) -> dict[tuple[str, str], dict[str, int]]:
        """(supplier, category) → counts of success and failure over all companies (no company named), and how
        many different companies reported them; only where at least `min_companies` did, so no one company's
        verdict can be told from the counts (nor from a supplier's rank, which they move)."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT supplier_id, category, "
                "SUM(outcome = 'success') AS success, SUM(outcome = 'failure') AS failure, "
                "COUNT(DISTINCT company_id) AS companies FROM outcomes "
                "WHERE outcome IN ('success', 'failure') GROUP BY 1, 2 HAVING COUNT(DISTINCT company_id) >= ?",
                (max(int(min_companies), 1),),
            ).fetchall()
        return {
            (r["supplier_id"], r["category"]): {
                "success": int(r["success"]),
                "failure": int(r["failure"]),
                "companies": int(r["companies"]),
            }
            for r in rows
        }


def check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise InvalidInput(
            f"outcome must be one of {', '.join(OUTCOMES)}",
            f"결과는 {', '.join(OUTCOMES)} 중 하나여야 합니다",
            code="bad_outcome",
        )


def profile_json(profile: Profile) -> dict[str, Any]:
    return json.loads(profile.model_dump_json())
