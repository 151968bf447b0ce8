"""The one `Store` interface every capability uses; DuckDB and PostgreSQL implement it identically.

Every method that touches company data takes the company id first. The only calls without one are named
`cross_tenant_*` (operator functions) or concern login (users and tokens are looked up before a tenant is known).
"""

from __future__ import annotations

import abc
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sandan.domain import (
    PART_SCHEMA,
    Company,
    Conflict,
    InvalidInput,
    Line,
    Machine,
    NotFound,
    Role,
    Signal,
    Site,
    User,
)

#: The record tables whose rows name a machine; a machine that holds any is not deleted.
MACHINE_RECORD_TABLES = ("machine_events", "part_records", "readings")


class MachinesGone(Exception):
    """A batch written with `check_registered` names machines that are not registered (deleted after ingestion
    checked the batch); nothing of it was written."""

    def __init__(self, machine_ids: list[str]) -> None:
        super().__init__(f"machines not registered: {', '.join(machine_ids)}")
        self.machine_ids = machine_ids


class AssetHeld(Exception):
    """A machine that holds records was not deleted; `counts` says how many per record table."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__(f"the machine holds records: {counts}")
        self.counts = counts


def company_gone(company_id: str) -> NotFound:
    """What a write for a company that is not (or no longer) registered is told."""
    return NotFound(
        f"company {company_id!r} not found (erased, or never registered); nothing was stored for it",
        f"회사 {company_id!r}을(를) 찾을 수 없습니다(삭제되었거나 등록된 적이 없음). 아무것도 저장하지 않았습니다",
        code="company_not_found",
    )


def require_registered(
    registered: tuple[bool, Collection[str]], company_id: str, batch: pa.Table | None
) -> None:
    """Inside a write's transaction, after its lock, given (`registered`) whether the company is registered and its
    machines: refused with `company_gone`, or `MachinesGone` naming the batch's machines that are not registered."""
    exists, known = registered
    if not exists:
        raise company_gone(company_id)
    if batch is None or "machine_id" not in batch.column_names:
        return
    gone = set(pc.unique(batch["machine_id"]).drop_null().to_pylist()) - set(known)
    if gone:
        raise MachinesGone(sorted(gone))


# The result of `Store.aggregate_readings`: one row per (bucket, machine_id, signal).
AGGREGATE_SCHEMA = pa.schema(
    [
        ("bucket", pa.timestamp("us", tz="UTC")),
        ("machine_id", pa.string()),
        ("signal", pa.string()),
        ("avg", pa.float64()),
        ("min", pa.float64()),
        ("max", pa.float64()),
        ("count", pa.int64()),
    ]
)


@dataclass
class QuarantineItem:
    """A rejected record: where it came from, its raw payload, and why it was rejected."""

    source: str
    kind: str  # reading | part | event | file
    raw: str  # JSON text of the record as received (or a file reference for whole-file rejects)
    reason_code: str
    reason_en: str
    reason_ko: str
    location: dict[str, Any] = field(default_factory=dict)  # file, row, column, field
    batch_id: str = ""


@dataclass
class TokenRecord:
    token_id: str
    user_id: str
    kind: str  # api | session
    name: str
    expires_at: datetime | None
    revoked: bool
    created_at: datetime | None = None
    last_used_at: datetime | None = None  # to `sandan.accounts.TOKEN_TOUCH` (None: never used)


# The result of `Store.count_parts`: produced and good quantities per (time bucket, machine, product).
PART_COUNT_SCHEMA = pa.schema(
    [
        ("time", pa.timestamp("us", tz="UTC")),
        ("machine_id", pa.string()),
        ("product", pa.string()),
        ("produced", pa.int64()),
        ("good", pa.int64()),
    ]
)

# Both stores keep an hourly rollup of part counts, maintained by every append of part records.
PART_ROLLUP_S = 3600

# Model predictions as stored by `Store.append_predictions`; key (model_name, model_version, machine_id, time, part_id).
PREDICTION_SCHEMA = pa.schema(
    [
        ("time", pa.timestamp("us", tz="UTC")),
        ("machine_id", pa.string()),
        ("part_id", pa.string()),
        ("model_name", pa.string()),
        ("model_version", pa.int64()),
        ("score", pa.float64()),  # probability of the positive class (classification) or the predicted value
        ("label", pa.string()),
    ]
)

MODEL_STAGES = ("candidate", "production", "retired")


@dataclass
class ModelVersion:
    """One registered version of a company's model; the artifact folder holds the model itself."""

    name: str
    version: int
    task: str  # Classifier | Regressor
    target: str
    features: list[str]
    metrics: dict[str, Any]
    fingerprint: str  # SHA-256 of the training rows (never the rows)
    artifact: str  # folder written by sandan.learn.save_model
    stage: str = "candidate"  # candidate | production | retired
    trained_by: str | None = None
    trained_at: datetime | None = None
    # what the model was trained on: machine_ids, product, window
    scope: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # "" trained here, "catalogue:<id>" adopted, "catalogue:<id>:fine-tuned"
    stage_changed_at: datetime | None = None


@dataclass
class CatalogueEntry:
    """A model published to a process family's shared catalogue: metadata and artifact, never data.

    `publisher_company_id` is filled only when the publisher consented to be named (or for the publisher itself)."""

    id: int
    family: str
    name: str
    task: str
    target: str
    features: list[str]
    metrics: dict[str, Any]  # the publisher's own evaluation
    artifact: str
    description: str = ""
    publisher_company_id: str | None = None
    publisher_named: bool = False
    published_at: datetime | None = None
    mine: bool = False  # the viewing company is the publisher
    evaluations: int = 0  # how many member companies have evaluated it on their own data
    withdrawn_at: datetime | None = (
        None  # taken out by its publisher or the operator: no longer evaluated or adopted
    )
    withdrawn_reason: str = ""


@dataclass
class CatalogueScore:
    """One company's own score of a catalogue entry on its own data (what it did with it: evaluated, adopted…)."""

    entry_id: int
    metrics: dict[str, Any]
    n_rows: int
    action: str  # evaluated | adopted | fine-tuned
    evaluated_at: datetime | None = None


#: A change to an edge agent's links: (at, connector, state, error JSON or None, until — the end of a silent span).
EdgeEvent = tuple[datetime, str, str, str | None, datetime | None]
# Both stores (DuckDB after `%s` → `?`): an agent's newest changes, and dropping all but its newest `keep`.
EDGE_EVENTS_LIST = (
    "SELECT agent, changed_at, connector, state, error, silent_until FROM edge_events WHERE company_id = %s "
    "AND (CAST(%s AS VARCHAR) IS NULL OR agent = %s) ORDER BY changed_at DESC, connector LIMIT %s"
)
EDGE_EVENTS_PRUNE = (
    "DELETE FROM edge_events WHERE company_id = %s AND agent = %s AND changed_at < (SELECT min(changed_at) FROM "
    "(SELECT changed_at FROM edge_events WHERE company_id = %s AND agent = %s ORDER BY changed_at DESC LIMIT %s) "
    "AS newest)"
)


def user_exists(user_id: str, existing: str) -> Conflict:
    """The refusal of a user id taken, also when only its letters' case differs."""
    if existing == user_id:
        return Conflict(f"user {user_id!r} already exists", f"사용자 {user_id!r}이(가) 이미 있습니다")
    return Conflict(
        f"user {user_id!r} differs from the existing {existing!r} only in capital letters; choose another id",
        f"사용자 {user_id!r}은(는) 기존 {existing!r}와(과) 대소문자만 다릅니다. 다른 ID를 쓰세요",
    )


class Store(abc.ABC):
    """Persistence behind one interface. Implementations: `DuckDBStore`, `PostgresStore`."""

    url: str

    # ---- life cycle -------------------------------------------------------------------------
    @abc.abstractmethod
    def migrate(self) -> int:
        """Apply pending schema migrations; returns the schema version now in force."""

    @abc.abstractmethod
    def schema_version(self) -> int: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- assets ---------------------------------------------------------------------------
    @abc.abstractmethod
    def upsert_company(self, company: Company) -> None: ...

    @abc.abstractmethod
    def get_company(self, company_id: str) -> Company | None: ...

    @abc.abstractmethod
    def cross_tenant_companies(self) -> list[Company]:
        """All companies — operator views only."""

    @abc.abstractmethod
    def cross_tenant_last_records(self) -> dict[str, datetime]:
        """Each company's latest record — a part record's time, a machine event's start or a reading's time (a
        reading to its minute on DuckDB, where the per-minute rollup answers) — for the operator's list of
        members: who has gone quiet. Companies with none are absent."""

    @abc.abstractmethod
    def upsert_site(self, company_id: str, site: Site) -> None: ...

    @abc.abstractmethod
    def list_sites(self, company_id: str) -> list[Site]: ...

    @abc.abstractmethod
    def upsert_line(self, company_id: str, line: Line) -> None: ...

    @abc.abstractmethod
    def list_lines(self, company_id: str, site_id: str | None = None) -> list[Line]: ...

    @abc.abstractmethod
    def upsert_machine(self, company_id: str, machine: Machine) -> None: ...

    @abc.abstractmethod
    def list_machines(self, company_id: str, line_id: str | None = None) -> list[Machine]: ...

    def get_machine(self, company_id: str, machine_id: str) -> Machine | None:
        return next((m for m in self.list_machines(company_id) if m.id == machine_id), None)

    @abc.abstractmethod
    def upsert_signals(self, company_id: str, signals: list[Signal]) -> None: ...

    @abc.abstractmethod
    def list_signals(self, company_id: str, machine_id: str | None = None) -> list[Signal]: ...

    # ---- time series and records ------------------------------------------------------------
    # Each append with `check_registered` first makes sure, under the write's own lock, that the company and every
    # machine of the batch are registered (`require_registered`): a machine deleted or a company erased while the
    # batch was on its way gets none of it.
    @abc.abstractmethod
    def append_readings(self, company_id: str, batch: pa.Table, *, check_registered: bool = False) -> int:
        """Insert a validated READING_SCHEMA batch (no duplicate keys inside it); rows whose key
        (machine_id, signal, time) is already stored are skipped. Returns the number inserted."""

    @abc.abstractmethod
    def append_parts(self, company_id: str, batch: pa.Table, *, check_registered: bool = False) -> int:
        """Insert a validated PART_SCHEMA batch; key (machine_id, time, part_id). Returns the number inserted."""

    @abc.abstractmethod
    def append_events(self, company_id: str, batch: pa.Table, *, check_registered: bool = False) -> int:
        """Insert a validated EVENT_SCHEMA batch; key (machine_id, start). Returns the number inserted."""

    @abc.abstractmethod
    def query_readings(
        self,
        company_id: str,
        start: datetime,
        end: datetime,
        machine_ids: list[str] | None = None,
        signals: list[str] | None = None,
        limit: int | None = None,
    ) -> pa.Table:
        """Readings with start <= time < end, ordered by time (READING_SCHEMA)."""

    @abc.abstractmethod
    def aggregate_readings(
        self,
        company_id: str,
        start: datetime,
        end: datetime,
        bucket_s: int,
        machine_ids: list[str] | None = None,
        signals: list[str] | None = None,
    ) -> pa.Table:
        """Per (bucket, machine_id, signal): avg, min, max, count over start <= time < end.
        Buckets are aligned to the Unix epoch; `bucket` is the bucket's start time (UTC)."""

    @abc.abstractmethod
    def query_parts(
        self,
        company_id: str,
        start: datetime,
        end: datetime,
        machine_ids: list[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
        columns: list[str] | None = None,
        result: str | None = None,
        ordered: bool = True,
    ) -> pa.Table:
        """Part records with start <= time < end (PART_SCHEMA), ordered by time (then machine_id, part_id), or in
        no particular order with `ordered=False` (for callers that only count or re-sort: sorting can cost as
        much as the scan).

        `columns` picks a subset of PART_SCHEMA (e.g. time, machine_id, result for counts): much less to read and
        convert than the JSON parameter columns. `result` keeps only records with that result ("ng": the scrap,
        which both stores find without reading the good parts)."""

    @abc.abstractmethod
    def count_parts(
        self,
        company_id: str,
        start: datetime,
        end: datetime,
        bucket_s: int = PART_ROLLUP_S,
        machine_ids: list[str] | None = None,
        ordered: bool = True,
    ) -> pa.Table:
        """Produced and good quantities of the part records with start <= time < end, per (bucket, machine_id,
        product) (PART_COUNT_SCHEMA), ordered by time, machine_id, product (in no particular order with
        `ordered=False`). Buckets are aligned to the Unix epoch
        and clipped to the window: `time` is the later of the bucket's start and `start`, so every part counted
        in a row completed in [time, next bucket start) ∩ [start, end). A missing product is None.

        With `bucket_s` a multiple of PART_ROLLUP_S the whole buckets come from the hourly rollup the stores keep
        at ingest (a few rows per machine-hour instead of one per part); other widths count the records."""

    @abc.abstractmethod
    def query_events(
        self,
        company_id: str,
        start: datetime,
        end: datetime,
        machine_ids: list[str] | None = None,
        ordered: bool = True,
    ) -> pa.Table:
        """Machine events overlapping [start, end) (EVENT_SCHEMA), ordered by start (then machine_id), or in no
        particular order with `ordered=False`."""

    @abc.abstractmethod
    def set_event_reason(
        self,
        company_id: str,
        machine_id: str,
        start: datetime,
        reason_code: str,
        user_id: str | None,
        note: str | None = None,
    ) -> dict[str, Any] | None:
        """Give the stored event keyed (machine_id, start) a reason code — and a note, when one is given — as an
        operator's label. In one transaction the event records who labelled it and when (`labelled_by`,
        `labelled_at`) and the audit log gets an `event.label` entry naming the event and the old and new reason.
        Returns the event as stored afterwards (EVENT_SCHEMA fields plus labelled_by, labelled_at), or None when
        the company has no event with that key (nothing is written then)."""

    @abc.abstractmethod
    def count_rows(self, company_id: str, table: str, machine_id: str | None = None) -> int:
        """Row count of one of readings | part_records | machine_events for a company (or one of its machines)."""

    @abc.abstractmethod
    def delete_asset(self, company_id: str, kind: str, asset_id: str) -> bool:
        """Delete a site, line or machine (`kind`) of the company — a machine with its signals — and say whether
        it was there. A machine that holds records is not deleted: `AssetHeld` with the counts, found under the
        record tables' write locks, so no batch lands on a machine deleted under it. The rest is checked by
        `collect.assets.remove_asset`, which refuses an asset still in use."""

    @abc.abstractmethod
    def first_event_starts(self, company_id: str, machine_ids: list[str]) -> dict[str, datetime]:
        """The start (UTC) of each machine's first state event ever stored; a machine without any is left out.
        Where a machine's state records begin, its OEE begins (no availability can be measured before)."""

    @abc.abstractmethod
    def record_span(self, company_id: str, table: str) -> tuple[datetime, datetime] | None:
        """The first and last time (UTC) in one of readings | part_records | machine_events | predictions (events
        by their start) for a company; None when it has none. For work that goes through all of a company's records a
        month at a time (the company's takeout)."""

    def training_frame(
        self,
        company_id: str,
        start: datetime,
        end: datetime,
        machine_ids: list[str] | None = None,
        product: str | None = None,
    ) -> pd.DataFrame:
        """Part records pivoted wide: identity columns, one column per process parameter and per measured
        characteristic, then `result` and `defect_type`. `frame.attrs` names the parameter and measure columns."""
        parts = self.query_parts(company_id, start, end, machine_ids).to_pandas()
        if product is not None:
            parts = parts[parts["product"] == product]
        return pivot_parts(parts)

    # ---- quarantine -----------------------------------------------------------------------
    @abc.abstractmethod
    def add_quarantine(
        self, company_id: str, items: list[QuarantineItem], *, check_registered: bool = False
    ) -> int:
        """Keep rejected records; return how many were new (`check_registered`: refused with `company_gone` when
        the company is not registered, checked under the write's lock). An item identical to one still open (same source,
        kind, reason, payload and location: a file imported again, a batch an edge agent resent, a sensor sending
        the same bad message) waits there once, counting how often it came again (`repeats`, with the time of the
        latest, `last_received_at`)."""

    @abc.abstractmethod
    def list_quarantine(
        self,
        company_id: str,
        status: str | None = "open",
        limit: int = 100,
        offset: int = 0,
        *,
        reason_code: str | None = None,
        batch_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Items newest first; `reason_code` and `batch_id` narrow them to one reason or one import."""

    @abc.abstractmethod
    def get_quarantine(self, company_id: str, item_id: int) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    def set_quarantine_status(
        self, company_id: str, item_id: int, status: str, user_id: str, stored: str | None = None
    ) -> None:
        """Close an item; `stored` is the record as it went into the store when it was replayed (JSON)."""

    @abc.abstractmethod
    def discard_open_quarantine(
        self, company_id: str, user_id: str, *, reason_code: str | None = None, batch_id: str | None = None
    ) -> int:
        """Discard every open item of the company of one reason and/or one import in one statement; the count."""

    @abc.abstractmethod
    def count_quarantine(
        self,
        company_id: str,
        status: str | None = "open",
        *,
        reason_code: str | None = None,
        batch_id: str | None = None,
    ) -> int: ...

    @abc.abstractmethod
    def quarantine_reasons(self, company_id: str, status: str | None = "open") -> list[dict[str, Any]]:
        """Items per reason code, most first: reason_code, reason_en and reason_ko (of the newest item), n."""

    # ---- accounts -------------------------------------------------------------------------
    @abc.abstractmethod
    def add_user(self, user: User, password_hash: str) -> None: ...

    @abc.abstractmethod
    def set_password_hash(self, user_id: str, password_hash: str, *, must_change: bool | None = None) -> None:
        """A new password hash; `must_change` True when someone else set it (the user must choose their own),
        False when the user did, None to leave that as it is (a rehash)."""

    @abc.abstractmethod
    def set_user_role(self, company_id: str | None, user_id: str, role: Role) -> None:
        """Give the company's user another role (`company_id` None: an operator)."""

    @abc.abstractmethod
    def set_user_active(self, company_id: str | None, user_id: str, active: bool) -> None:
        """Stop the company's user's account (False: it may no longer sign in) or restore it."""

    @abc.abstractmethod
    def user_for_login(self, user_id: str) -> tuple[User, str] | None:
        """The user and its password hash, looked up before any tenant is known."""

    @abc.abstractmethod
    def list_users(self, company_id: str) -> list[User]: ...

    @abc.abstractmethod
    def cross_tenant_users(self, role: str | None = None) -> list[User]:
        """Every account of the platform (of one role where given): the operators first, then by company and id."""

    @abc.abstractmethod
    def add_token(
        self, token_id: str, user_id: str, token_hash: str, kind: str, name: str, expires_at: datetime | None
    ) -> None: ...

    @abc.abstractmethod
    def token_for_hash(self, token_hash: str) -> TokenRecord | None: ...

    @abc.abstractmethod
    def touch_token(self, token_id: str, at: datetime) -> None:
        """Record that the token authenticated a request at `at`."""

    @abc.abstractmethod
    def revoke_token(self, token_id: str) -> None: ...

    @abc.abstractmethod
    def put_edge_status(self, company_id: str, agent: str, reported_at: datetime, health: str) -> None:
        """Keep what an edge agent last reported of its collectors (`health`: JSON), replacing the one before."""

    @abc.abstractmethod
    def list_edge_status(self, company_id: str) -> list[tuple[str, datetime, str]]:
        """(agent, reported_at, health JSON) of every edge agent that has reported for the company."""

    @abc.abstractmethod
    def export_database(self, folder: Path) -> dict[str, int]:
        """Write every table to `folder` as one consistent copy (DuckDB: Parquet files and the schema that
        creates them) and return each table's rows; a store another tool backs up says which."""

    @abc.abstractmethod
    def add_edge_events(self, company_id: str, agent: str, events: list[EdgeEvent], keep: int) -> None:
        """Append changes to an edge agent's links, (at, connector, state, error JSON, until) each, keeping the
        agent's newest `keep`."""

    @abc.abstractmethod
    def list_edge_events(self, company_id: str, agent: str | None = None, limit: int = 100) -> list[tuple]:
        """(agent, at, connector, state, error JSON, until) of the company's edge link changes (one agent's where
        given), newest first."""

    @abc.abstractmethod
    def list_tokens(self, user_id: str, kind: str = "api") -> list[TokenRecord]:
        """A user's tokens of one kind that are not revoked, newest first (expired ones included)."""

    @abc.abstractmethod
    def revoke_user_tokens(self, user_id: str, keep: str | None = None) -> None:
        """Revoke every session and API token of a user but `keep` (after a password change or reset)."""

    @abc.abstractmethod
    def add_audit(
        self, company_id: str | None, user_id: str | None, action: str, target: str, detail: str
    ) -> None: ...

    @abc.abstractmethod
    def list_audit(
        self,
        company_id: str | None,
        limit: int = 100,
        *,
        only: Collection[str] | None = None,
        leave_out: Collection[str] = (),
    ) -> list[dict[str, Any]]:
        """The company's audit entries (None: the platform's own), newest first: those whose action is in `only`
        (all where None) and not in `leave_out`. The choice is made in the query, so `limit` counts the entries
        returned."""

    # ---- model registry, predictions and the shared catalogue -----------------------------------------
    @abc.abstractmethod
    def next_model_version(self, company_id: str, name: str) -> int:
        """The version number the next registration of model `name` gets (1 for a new name)."""

    @abc.abstractmethod
    def add_model_version(self, company_id: str, model: ModelVersion) -> None:
        """Register a model version; `Conflict` when (name, version) is already registered."""

    @abc.abstractmethod
    def list_model_versions(self, company_id: str, name: str | None = None) -> list[ModelVersion]:
        """The company's model versions, by name then newest version first."""

    @abc.abstractmethod
    def get_model_version(self, company_id: str, name: str, version: int) -> ModelVersion | None: ...

    @abc.abstractmethod
    def set_model_stage(self, company_id: str, name: str, version: int, stage: str) -> None:
        """Move a version to candidate | production | retired. Production is exclusive per model name: in the
        same transaction the previous production version is retired."""

    @abc.abstractmethod
    def append_predictions(self, company_id: str, batch: pa.Table) -> int:
        """Insert a PREDICTION_SCHEMA batch; rows whose key is already stored are skipped. Returns the number
        inserted."""

    @abc.abstractmethod
    def query_predictions(
        self,
        company_id: str,
        start: datetime,
        end: datetime,
        machine_ids: list[str] | None = None,
        model_name: str | None = None,
        limit: int | None = None,
    ) -> pa.Table:
        """Predictions with start <= time < end (PREDICTION_SCHEMA), ordered by time."""

    @abc.abstractmethod
    def add_catalogue_entry(
        self, company_id: str, entry: CatalogueEntry, *, publisher_named: bool, published_by: str | None
    ) -> int:
        """Publish a model of `company_id` to `entry.family`'s catalogue; returns the new entry id."""

    @abc.abstractmethod
    def cross_tenant_catalogue(self, family: str, viewer_company_id: str) -> list[CatalogueEntry]:
        """The family's catalogue as `viewer_company_id` may see it: publishers are named only with their
        consent (or to themselves); no other company's rows, scores or predictions."""

    def cross_tenant_catalogue_entry(self, entry_id: int, viewer_company_id: str) -> CatalogueEntry | None:
        """One entry as `viewer_company_id` may see it (any family; callers check the family)."""
        family = self.cross_tenant_catalogue_family(entry_id)
        if family is None:
            return None
        return next(
            (e for e in self.cross_tenant_catalogue(family, viewer_company_id) if e.id == entry_id), None
        )

    @abc.abstractmethod
    def withdraw_catalogue_entry(self, entry_id: int, at: datetime, reason: str) -> str | None:
        """Mark an entry withdrawn (kept, so those who adopted it can see why); returns its publisher's id."""

    @abc.abstractmethod
    def erase_company(self, company_id: str, at: datetime, withdrawn_reason: str) -> dict[str, int]:
        """Delete everything stored for a company, in one transaction: its rows in each of `COMPANY_TABLES` present
        (records, rollups, assets, users, models, audit log, quarantine, …; another program's tables in the same
        schema are left alone), its users' API tokens and the company itself. Its shared-catalogue entries stay, withdrawn with `withdrawn_reason` (others adopted them);
        they no longer name it. Returns the rows deleted per table (`catalogue_entries`: entries withdrawn)."""

    @abc.abstractmethod
    def cross_tenant_catalogue_family(self, entry_id: int) -> str | None:
        """The process family an entry was published to (None when there is no such entry)."""

    @abc.abstractmethod
    def put_catalogue_score(self, company_id: str, score: CatalogueScore) -> None:
        """Record (replace) the company's own score of a catalogue entry."""

    @abc.abstractmethod
    def list_catalogue_scores(self, company_id: str, entry_id: int | None = None) -> list[CatalogueScore]:
        """The company's own scores of catalogue entries, newest first."""


#: sandan's tables that hold a company's rows (a `company_id` column); the derived ones (rollups) exist on DuckDB
#: only. `collect.takeout.TABLES` says where each goes in a company's takeout, and a test keeps both in step with the
#: stores' schemas.
COMPANY_TABLES = (
    "audit_log",
    "catalogue_scores",
    "edge_events",
    "edge_status",
    "lines",
    "machine_events",
    "machines",
    "model_versions",
    "part_counts_1h",
    "part_records",
    "part_scrap",
    "predictions",
    "quarantine",
    "readings",
    "readings_1m",
    "rollup_pending",
    "signals",
    "sites",
    "users",
)
#: The tables of the current schema with a company column, as both stores' catalogues name them.
COMPANY_TABLES_SQL = (
    "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND column_name = 'company_id' ORDER BY table_name"
)
#: Erasing a company: its published catalogue entries withdrawn and no longer naming it — nor claimable by a company
#: registered later under its id ('' is no company's) —, its users' tokens deleted (before its users), then the rows
#: of every company table present and the company (`{m}`: the driver's parameter mark).
ERASE_WITHDRAW_SQL = (
    "UPDATE catalogue_entries SET withdrawn_at = coalesce(withdrawn_at, {m}), "
    "withdrawn_reason = coalesce(withdrawn_reason, {m}), publisher_named = false, published_by = NULL, "
    "publisher_company_id = '' WHERE publisher_company_id = {m}"
)
ERASE_TOKENS_SQL = "DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE company_id = {m})"


def part_columns(columns: list[str] | None) -> pa.Schema:
    """The PART_SCHEMA subset named by `columns` (all of it for None), refusing unknown names."""
    if columns is None:
        return PART_SCHEMA
    unknown = [c for c in columns if c not in PART_SCHEMA.names]
    if unknown:
        raise InvalidInput(
            f"unknown part-record column(s) {', '.join(unknown)}; use {', '.join(PART_SCHEMA.names)}",
            f"알 수 없는 생산 실적 열 {', '.join(unknown)}; {', '.join(PART_SCHEMA.names)} 중에서 고르세요",
        )
    return pa.schema([PART_SCHEMA.field(c) for c in columns])


def pivot_parts(parts: pd.DataFrame) -> pd.DataFrame:
    """Spread the JSON `params` and `measures` of part records into one column each (shared by both stores)."""
    ident = ["time", "machine_id", "part_id", "lot_id", "product"]
    if parts.empty:
        frame = pd.DataFrame(columns=[*ident, "result", "defect_type"])
        frame.attrs.update(params=[], measures=[])
        return frame
    params = pd.DataFrame.from_records(
        [json.loads(p) if isinstance(p, str) else {} for p in parts["params"]], index=parts.index
    )
    measures = pd.DataFrame.from_records(
        [json.loads(m) if isinstance(m, str) else {} for m in parts["measures"]], index=parts.index
    )
    measures = measures.rename(columns={c: f"{c}_measured" for c in measures.columns if c in params.columns})
    frame = pd.concat([parts[ident], params, measures, parts[["result", "defect_type"]]], axis=1)
    frame = frame.reset_index(drop=True)
    frame.attrs.update(params=list(params.columns), measures=list(measures.columns))
    return frame


def claim_record(company_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """`record` stamped with `company_id`; refused when it names another company (shared by both stores)."""
    if record.get("company_id") not in (None, company_id):
        raise Conflict(
            f"record belongs to company {record['company_id']!r}, not {company_id!r}",
            f"레코드가 회사 {company_id!r}이(가) 아니라 {record['company_id']!r}에 속합니다",
        )
    return {**record, "company_id": company_id}


EVENT_LABEL_ACTION = "event.label"
EVENT_LABEL_COLUMNS = 'machine_id, start, "end", state, reason_code, note, labelled_by, labelled_at'


def event_label_audit(
    machine_id: str, start: datetime, previous: str | None, reason_code: str
) -> tuple[str, str]:
    """The audit target and detail of labelling an event (shared by both stores): the event's key, and the reason
    code it had before and has now, as JSON."""
    target = f"{machine_id}@{start.astimezone(UTC).isoformat()}"
    detail = json.dumps({"reason_code": reason_code, "previous": previous}, ensure_ascii=False)
    return target, detail


def labelled_event(row: tuple) -> dict[str, Any]:
    """An event row of EVENT_LABEL_COLUMNS as a dict (shared by both stores)."""
    names = ("machine_id", "start", "end", "state", "reason_code", "note", "labelled_by", "labelled_at")
    return dict(zip(names, row, strict=True))


def audit_where(
    company_id: str | None, only: Collection[str] | None, leave_out: Collection[str], mark: str
) -> tuple[str, list[Any]]:
    """The WHERE clause of `Store.list_audit` and its parameters, with `mark` the driver's placeholder (`?`, `%s`);
    company None reads the platform's own entries (the operators' sign-ins, erasures, backups)."""
    where, params = (
        (["company_id IS NULL"], []) if company_id is None else (["company_id = " + mark], [company_id])
    )
    if only is not None:
        only = sorted(only)
        if not only:
            return "false", []
        where.append(f"action IN ({', '.join([mark] * len(only))})")
        params += only
    if leave_out:
        leave_out = sorted(leave_out)
        where.append(f"action NOT IN ({', '.join([mark] * len(leave_out))})")
        params += leave_out
    return " AND ".join(where), params


def bucket_seconds(bucket_s: int) -> int:
    """A validated aggregation bucket width in seconds (shared by both stores)."""
    if int(bucket_s) <= 0:
        raise InvalidInput(
            f"bucket size must be a positive number of seconds, not {bucket_s}",
            f"집계 구간은 0보다 큰 초 단위 값이어야 합니다 ({bucket_s})",
            code="bad_bucket",
        )
    return int(bucket_s)


def check_stage(stage: str) -> str:
    """A validated model stage (shared by both stores)."""
    if stage not in MODEL_STAGES:
        raise InvalidInput(
            f"unknown model stage {stage!r}; use one of {', '.join(MODEL_STAGES)}",
            f"알 수 없는 모델 단계 {stage!r}; {', '.join(MODEL_STAGES)} 중에서 고르세요",
            code="bad_stage",
        )
    return stage


def quarantine_table(items: list[QuarantineItem]) -> pa.Table:
    """The items to keep as columns, each identical item once with how often it came again (`repeats`; see
    `Store.add_quarantine`)."""
    seen: dict[tuple[str, ...], QuarantineItem] = {}
    repeats: dict[tuple[str, ...], int] = {}
    for i in items:
        key = (
            i.source,
            i.kind,
            i.reason_code,
            i.raw,
            json.dumps(i.location, ensure_ascii=False, default=str),
        )
        if key in seen:
            repeats[key] += 1
        else:
            seen[key], repeats[key] = i, 0
    keys, kept = list(seen), list(seen.values())
    return pa.table(
        {
            "source": [k[0] for k in keys],
            "kind": [k[1] for k in keys],
            "batch_id": [i.batch_id for i in kept],
            "raw": [k[3] for k in keys],
            "reason_code": [k[2] for k in keys],
            "reason_en": [i.reason_en for i in kept],
            "reason_ko": [i.reason_ko for i in kept],
            "location": [k[4] for k in keys],
            "repeats": pa.array([repeats[k] for k in keys], pa.int64()),
        }
    )


# An open item of the company (`mark`: the driver's parameter) identical to the staged item `_q`.
_SAME_OPEN = (
    "q.company_id = {mark} AND q.status = 'open' AND q.source = _q.source AND q.kind = _q.kind "
    "AND q.reason_code = _q.reason_code AND q.raw = _q.raw AND q.location = _q.location"
)

#: Counts the staged items `_q` that an open item already holds as repeats of it, with the time they came again.
QUARANTINE_REPEAT = (
    "UPDATE quarantine AS q SET repeats = q.repeats + _q.repeats + 1, last_received_at = {mark} FROM _q WHERE "
    + _SAME_OPEN
)

#: Inserts the staged items `_q` that no open item of the company already holds.
QUARANTINE_NEW = (
    "INSERT INTO quarantine (company_id, {cols}) SELECT {mark}, {cols} FROM "
    "(SELECT *, row_number() OVER () AS _row FROM _q) AS _q WHERE NOT EXISTS "
    "(SELECT 1 FROM quarantine q WHERE " + _SAME_OPEN + ") ORDER BY _row"
)
# (ids follow the batch's rows on both stores: DuckDB's anti-join had put a file's rejects in another order, so
# the newest-first list, its pages and a takeout's quarantine.csv differed from PostgreSQL's)

#: The columns a quarantine item is read with (`quarantine_rows` makes them dicts).
QUARANTINE_COLUMNS = (
    "id, received_at, source, kind, batch_id, raw, reason_code, reason_en, reason_ko, location, status, "
    "resolved_by, resolved_at, stored, repeats, last_received_at"
)


def quarantine_rows(rows: list[tuple]) -> list[dict[str, Any]]:
    names = [c.strip() for c in QUARANTINE_COLUMNS.split(",")]
    out = []
    for r in rows:
        d = dict(zip(names, r, strict=True))
        d["location"] = json.loads(d["location"] or "{}")
        d["repeats"] = int(d["repeats"] or 0)
        out.append(d)
    return out


def quarantine_where(
    mark: str,
    company_id: str,
    status: str | None,
    reason_code: str | None = None,
    batch_id: str | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE clause (with the driver's parameter `mark`, "?" or "%s") and parameters of a quarantine query:
    the company's items, narrowed to a status, a reason and an import where given."""
    sql, params = f" WHERE company_id = {mark}", [company_id]
    for column, value in (("status", status), ("reason_code", reason_code), ("batch_id", batch_id)):
        if value is not None:
            sql += f" AND {column} = {mark}"
            params.append(value)
    return sql, params


#: The columns of `api_tokens` a `TokenRecord` is made of, in its fields' order.
TOKEN_COLUMNS = "id, user_id, kind, name, expires_at, revoked, created_at, last_used_at"

#: The columns of `users` a `User` is made of, in `user_from_row`'s order.
USER_COLUMNS = "id, company_id, name, role, lang, created_at, active, must_change_password"


#: The columns `Store.add_user` writes, in `user_row`'s order.
USER_INSERT_COLUMNS = "id, company_id, name, role, lang, password_hash, must_change_password"


def user_row(user: User, password_hash: str) -> list[Any]:
    """The values of a new user's row, in `USER_INSERT_COLUMNS` order (shared by both stores)."""
    return [
        user.id,
        user.company_id,
        user.name,
        user.role.value,
        user.lang,
        password_hash,
        user.must_change_password,
    ]


def user_from_row(r: tuple) -> User:
    return User(
        id=r[0],
        company_id=r[1],
        name=r[2],
        role=r[3],
        lang=r[4],
        created_at=r[5],
        active=r[6] is not False,
        must_change_password=r[7] is True,
    )


MODEL_COLUMNS = (
    "name, version, task, target, features, metrics, fingerprint, artifact, stage, trained_by, trained_at, "
    "scope, origin, stage_changed_at"
)


def model_from_row(r: tuple) -> ModelVersion:
    """A `ModelVersion` from a row of MODEL_COLUMNS (shared by both stores)."""
    return ModelVersion(
        name=r[0],
        version=int(r[1]),
        task=r[2],
        target=r[3],
        features=json.loads(r[4]),
        metrics=json.loads(r[5]),
        fingerprint=r[6],
        artifact=r[7],
        stage=r[8],
        trained_by=r[9],
        trained_at=r[10],
        scope=json.loads(r[11]),
        origin=r[12],
        stage_changed_at=r[13],
    )


#: a catalogue entry's columns, in the order of `catalogue_entry_row`
CATALOGUE_INSERT_COLUMNS = (
    "family, name, task, target, features, metrics, artifact, description, publisher_company_id, "
    "publisher_named, published_by"
)


def catalogue_entry_row(
    company_id: str, entry: CatalogueEntry, publisher_named: bool, published_by: str | None
) -> list[Any]:
    """Values in the order of CATALOGUE_INSERT_COLUMNS (shared by both stores)."""
    return [
        entry.family,
        entry.name,
        entry.task,
        entry.target,
        json.dumps(list(entry.features), ensure_ascii=False),
        json.dumps(entry.metrics, ensure_ascii=False, default=str),
        entry.artifact,
        entry.description,
        company_id,
        bool(publisher_named),
        published_by,
    ]


def model_to_row(company_id: str, m: ModelVersion) -> list[Any]:
    """Values in the order of `company_id` + MODEL_COLUMNS (shared by both stores)."""
    return [
        company_id,
        m.name,
        int(m.version),
        m.task,
        m.target,
        json.dumps(list(m.features), ensure_ascii=False),
        json.dumps(m.metrics, ensure_ascii=False, default=str),
        m.fingerprint,
        m.artifact,
        check_stage(m.stage),
        m.trained_by,
        m.trained_at,
        json.dumps(m.scope, ensure_ascii=False, default=str),
        m.origin,
        m.stage_changed_at or m.trained_at,
    ]


CATALOGUE_COLUMNS = (
    "id, family, name, task, target, features, metrics, artifact, description, publisher_company_id, "
    "publisher_named, published_at, withdrawn_at, withdrawn_reason"
)


def catalogue_from_row(r: tuple, viewer_company_id: str, evaluations: int) -> CatalogueEntry:
    """A `CatalogueEntry` as `viewer_company_id` may see it: the publisher is named only with consent or to itself."""
    mine = r[9] == viewer_company_id
    return CatalogueEntry(
        id=int(r[0]),
        family=r[1],
        name=r[2],
        task=r[3],
        target=r[4],
        features=json.loads(r[5]),
        metrics=json.loads(r[6]),
        artifact=r[7],
        description=r[8],
        publisher_company_id=r[9] if (r[10] or mine) else None,
        publisher_named=bool(r[10]),
        published_at=r[11],
        mine=mine,
        evaluations=int(evaluations),
        withdrawn_at=r[12],
        withdrawn_reason=r[13] or "",
    )
