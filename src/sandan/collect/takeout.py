"""A company's takeout: everything the platform holds for one company, in one ZIP file it can open without sandan.

A member that leaves the complex, or wants its own copy, gets its records in the files engineers already use:

- `parts/<month>.csv`, `events/<month>.csv` — CSV that Excel reads (UTF-8 with BOM), times on the plant's clock,
  in the columns the importer recognises, so a file taken out imports back as the same records (`collect.files`);
- `readings/<month>.parquet` — sensor readings in long format (time in UTC, machine, signal, value): too many
  rows for a spreadsheet, read by pandas, DuckDB, Power BI or Excel's Power Query;
- `predictions/<month>.csv` — the company's models' scores of its parts; `catalogue_scores.json` — shared models
  scored on its data;
- `company.json` (sites, lines, machines, signals), `users.csv` (no passwords), `quarantine.csv` (every rejected
  record with its raw payload and reason), `audit.csv` (with who labelled which stop), `edge_events.csv` and
  `edge_status.json`, `alerts.json` with their deliveries, `models.json` and the model files,
  `catalogue_published.json`, the company's stop and defect codes, shift calendar, saved twin lines, recipes, alert
  rules, partner profile and outcomes, assistant documents and uploaded files;
- `manifest.json` (what each file holds: rows, bytes, SHA-256) and `README.txt` in Korean and English.

Records are read a day at a time and written a month at a time (a file holds at most `export.MAX_ROWS` rows), so
a company with years of history is taken out in bounded memory; the quarantine, audit log and alerts are read
whole. The federation key is left out: it is a credential, not a record. The archive is written to the
data folder's `takeout/<company>/`, readable by the server's user only, and appears whole or not at all.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow.parquet as pq

from sandan.collect.export import MAX_ROWS, PART_HEADERS, Labels, parts_frame, spreadsheet_text, table_file
from sandan.domain import InvalidInput, NotFound
from sandan.jobs import Job, JobRegistry
from sandan.store import Store
from sandan.store.backup import archive_target, private_archive

FORMAT = 1
JOB_KIND = "takeout"
FOLDER = "takeout"
KEEP = 3  # a company's newest takeouts kept on the server; each holds all its records
NAME = re.compile(r"^[A-Za-z0-9._-]+-takeout-\d{8}T\d{6}Z\.zip$")  # any company id; never a path

# Machine events' columns, named as the importer's header list knows them (collect.files.HEADER_ROLES).
EVENT_HEADERS = {
    "machine_id": {"en": "machine", "ko": "설비"},
    "start": {"en": "start", "ko": "시작"},
    "end": {"en": "end", "ko": "종료"},
    "state": {"en": "state", "ko": "상태"},
    "reason_code": {"en": "reason", "ko": "사유"},
    "note": {"en": "note", "ko": "메모"},
}

# Model predictions' columns.
PREDICTION_HEADERS = {
    "time": {"en": "time", "ko": "시각"},
    "machine_id": {"en": "machine", "ko": "설비"},
    "part_id": {"en": "part_id", "ko": "부품번호"},
    "model_name": {"en": "model", "ko": "모델"},
    "model_version": {"en": "version", "ko": "버전"},
    "score": {"en": "score", "ko": "점수"},
    "label": {"en": "predicted", "ko": "예측"},
}

#: The company's files in the data folder, relative to it, and where they go in the archive.
#: `{c}` is the company's id; a folder is taken whole.
COMPANY_FILES = (
    ("codes/{c}.yaml", "settings/codes.yaml"),
    ("calendars/{c}.yaml", "settings/calendar.yaml"),
    ("specs/{c}.yaml", "settings/specs.yaml"),
    ("twin_lines/{c}", "twin_lines"),
    ("models/{c}", "models"),
    ("assist/{c}/documents", "documents"),
    ("uploads/{c}", "uploads"),
)

#: Every store table with a company column, and where its rows go in the archive; None: derived from the records
#: (rollups kept for the dashboards), rebuilt from them on import.
TABLES: dict[str, str | None] = {
    "part_records": "parts/",
    "machine_events": "events/",
    "readings": "readings/",
    "predictions": "predictions/",
    "sites": "company.json",
    "lines": "company.json",
    "machines": "company.json",
    "signals": "company.json",
    "users": "users.csv",
    "quarantine": "quarantine.csv",
    "audit_log": "audit.csv",
    "edge_events": "edge_events.csv",
    "edge_status": "edge_status.json",
    "model_versions": "models.json",
    "catalogue_scores": "catalogue_scores.json",
    "part_counts_1h": None,
    "part_scrap": None,
    "readings_1m": None,
    "rollup_pending": None,
}

#: What is written a month at a time (read a day at a time): (kind in the archive, store table).
SPANS = (
    ("parts", "part_records"),
    ("events", "machine_events"),
    ("readings", "readings"),
    ("predictions", "predictions"),
)

#: Told (done, total, (English, Korean)) as the work goes: the job registry's progress call.
Progress = Callable[..., None]


def _quiet(_done: int, _total: int | None = None, _message: Any = "") -> None:
    pass


@dataclass
class TakeoutManifest:
    company_id: str
    company_name: str
    created_at: str
    sandan_version: str
    schema_version: int
    timezone: str  # the clock of the CSV files' times
    rows: dict[str, int] = field(default_factory=dict)  # parts, events, readings, quarantine, audit, …
    first: dict[str, str | None] = field(default_factory=dict)  # the first and last record of each kind
    last: dict[str, str | None] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)  # path, bytes, sha256, rows where a table
    format: int = FORMAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def takeout_folder(data_dir: Path, company_id: str) -> Path:
    """Where a company's takeouts are written on the server (left out of backups)."""
    return Path(data_dir) / FOLDER / company_id


def takeout_name(company_id: str, now: datetime | None = None) -> str:
    return f"{company_id}-takeout-{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}.zip"


def months(start: datetime, end: datetime, zone: str) -> list[tuple[str, datetime, datetime]]:
    """Calendar months on `zone`'s clock covering [start, end] (both included): (YYYY-MM, first instant, next
    month's first instant), instants in UTC."""
    tz = ZoneInfo(zone)
    local = start.astimezone(tz)
    at = datetime(local.year, local.month, 1, tzinfo=tz)
    out = []
    while at <= end.astimezone(tz):
        following = datetime(at.year + at.month // 12, at.month % 12 + 1, 1, tzinfo=tz)
        out.append((f"{at:%Y-%m}", at.astimezone(UTC), following.astimezone(UTC)))
        at = following
    return out


def _days(start: datetime, end: datetime, zone: str) -> Iterator[tuple[str, datetime, datetime]]:
    """Days on `zone`'s clock over [start, end): (YYYY-MM-DD, first instant, next day's), clipped to the span."""
    tz = ZoneInfo(zone)
    day = start.astimezone(tz).date()
    while (first := datetime.combine(day, time(0), tz).astimezone(UTC)) < end:
        following = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
        yield f"{day:%Y-%m-%d}", max(first, start), min(following, end)
        day += timedelta(days=1)


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    """Rows as CSV that Excel reads (UTF-8 with BOM); dicts and lists as JSON text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        values = []
        for c in columns:
            v = row.get(c)
            if isinstance(v, dict | list):
                v = json.dumps(v, ensure_ascii=False)
            elif isinstance(v, datetime):
                v = v.astimezone(UTC).isoformat(timespec="seconds")
            values.append("" if v is None else spreadsheet_text(v))
        writer.writerow(values)
    return out.getvalue().encode("utf-8-sig")


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str).encode("utf-8")


@dataclass
class _Archive:
    """The ZIP being written for one company, and what it is written with; every entry's size, SHA-256 and rows go
    to the manifest."""

    zf: zipfile.ZipFile
    manifest: TakeoutManifest
    store: Store
    company_id: str
    zone: str
    lang: str
    tmp: Path

    def _note(self, path: str, body_hash: str, size: int, rows: int | None) -> None:
        entry: dict[str, Any] = {"path": path, "bytes": size, "sha256": body_hash}
        if rows is not None:
            entry["rows"] = rows
        self.manifest.files.append(entry)

    def put(self, path: str, body: bytes, rows: int | None = None) -> None:
        self.zf.writestr(path, body)
        self._note(path, hashlib.sha256(body).hexdigest(), len(body), rows)

    def put_file(self, path: str, source: Path, rows: int | None = None, compress: bool = True) -> None:
        digest = hashlib.sha256()
        with open(source, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        self.zf.write(source, path, compress_type=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
        self._note(path, digest.hexdigest(), source.stat().st_size, rows)


def company_takeout(
    store: Store,
    company_id: str,
    data_dir: Path,
    target: Path | None = None,
    *,
    zone: str = "Asia/Seoul",
    lang: str = "ko",
    version: str = "",
    user_id: str | None = None,
    progress: Progress = _quiet,
) -> tuple[Path, TakeoutManifest]:
    """Write everything the platform holds for `company_id` to one ZIP at `target` (a folder gets a dated name
    inside it; default: the data folder's `takeout/<company>/`). CSV headers are in `lang`, their times on `zone`'s
    clock. The archive appears whole or not at all; the company's newest `KEEP` takeouts in the default folder are
    kept, and the audit log names who made it (`user_id`; none from the server's command line). Returns the
    archive's path and its manifest."""
    company = store.get_company(company_id)
    if company is None:
        raise NotFound(f"company {company_id!r} not found", f"기업 {company_id!r}을(를) 찾을 수 없습니다")
    data_dir = Path(data_dir)
    default_folder = target is None
    target = Path(target) if target is not None else takeout_folder(data_dir, company_id)
    target = archive_target(target, takeout_name(company_id))
    manifest = TakeoutManifest(
        company_id,
        company.name,
        datetime.now(UTC).isoformat(timespec="seconds"),
        version,
        store.schema_version(),
        zone,
    )
    spans = {kind: store.record_span(company_id, table) for kind, table in SPANS}
    periods = {kind: months(*span, zone) if span else [] for kind, span in spans.items()}
    for kind, span in spans.items():
        manifest.rows[kind] = 0
        manifest.first[kind] = span[0].isoformat() if span else None
        manifest.last[kind] = span[1].isoformat() if span else None
    total = sum(len(p) for p in periods.values()) + 2  # + the company's settings and logs, + its files
    done = 0

    def step(en: str, ko: str) -> None:
        nonlocal done
        done += 1
        progress(done, total, (en, ko))

    busy = (
        f"a takeout is being written to {target.name} right now; try again in a minute",
        f"지금 다른 내려받기 파일이 {target.name}에 쓰이고 있습니다. 잠시 뒤 다시 하세요",
    )
    with (
        private_archive(target, busy) as raw,  # all of one company's records
        zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf,
        tempfile.TemporaryDirectory(prefix="sandan-takeout-") as tmp,
    ):
        out = _Archive(zf, manifest, store, company_id, zone, lang, Path(tmp))
        progress(0, total, ("reading the company's settings", "기업 설정 읽는 중"))
        _structure(out, data_dir)
        step("settings and logs", "설정과 기록")
        for month, start, end in periods["parts"]:
            _monthly(out, "parts", month, start, end, _parts_of, PART_HEADERS)
            step(f"part records {month}", f"생산 기록 {month}")
        for month, start, end in periods["events"]:
            _monthly(out, "events", month, start, end, _events_of, EVENT_HEADERS)
            step(f"machine events {month}", f"설비 상태 기록 {month}")
        for month, start, end in periods["readings"]:
            _readings(out, month, start, end)
            step(f"sensor readings {month}", f"센서 값 {month}")
        for month, start, end in periods["predictions"]:
            _monthly(out, "predictions", month, start, end, _predictions_of, PREDICTION_HEADERS)
            step(f"model predictions {month}", f"모델 예측 {month}")
        _files(out, data_dir)
        step("files", "파일")
        out.put("README.txt", _readme(manifest).encode("utf-8-sig"))
        zf.writestr("manifest.json", _json(manifest.to_dict()))
    if default_folder:
        prune_takeouts(target.parent, KEEP)
    store.add_audit(company_id, user_id, "company.takeout", target.name, json.dumps(manifest.rows))
    return target, manifest


def _add_rows(manifest: TakeoutManifest, kind: str, n: int) -> None:
    manifest.rows[kind] = manifest.rows.get(kind, 0) + n


def _structure(out: _Archive, data_dir: Path) -> None:
    """The company's plant (sites, lines, machines, signals), people, logs and settings kept outside the records."""
    store, company_id = out.store, out.company_id
    company = store.get_company(company_id)
    plant = {
        "company": company.model_dump(mode="json") if company else None,
        "sites": [s.model_dump(mode="json") for s in store.list_sites(company_id)],
        "lines": [x.model_dump(mode="json") for x in store.list_lines(company_id)],
        "machines": [m.model_dump(mode="json") for m in store.list_machines(company_id)],
        "signals": [s.model_dump(mode="json") for s in store.list_signals(company_id)],
    }
    out.put("company.json", _json(plant))
    users = [u.model_dump(mode="json") for u in store.list_users(company_id)]
    out.put("users.csv", _csv(users, ["id", "name", "role", "lang", "created_at", "active"]), len(users))
    _add_rows(out.manifest, "users", len(users))

    by_id: dict[int, dict[str, Any]] = {}  # an item arriving meanwhile shifts the pages
    offset = 0
    while page := store.list_quarantine(company_id, status=None, limit=1000, offset=offset):
        by_id.update((item["id"], item) for item in page)
        offset += len(page)
    quarantine = [by_id[i] for i in sorted(by_id)]
    columns = list(quarantine[0]) if quarantine else ["id", "received_at", "source", "reason_code", "raw"]
    out.put("quarantine.csv", _csv(quarantine, columns), len(quarantine))
    _add_rows(out.manifest, "quarantine", len(quarantine))

    audit = store.list_audit(company_id, limit=10**9)
    out.put("audit.csv", _csv(audit, ["id", "time", "user_id", "action", "target", "detail"]), len(audit))
    _add_rows(out.manifest, "audit", len(audit))

    edge = [
        dict(zip(("agent", "at", "connector", "state", "error", "until"), r, strict=True))
        for r in store.list_edge_events(company_id, limit=10**9)
    ]
    out.put("edge_events.csv", _csv(edge, ["agent", "at", "connector", "state", "error", "until"]), len(edge))
    _add_rows(out.manifest, "edge_events", len(edge))

    status = [
        {"agent": agent, "reported_at": at, "health": json.loads(health)}
        for agent, at, health in store.list_edge_status(company_id)
    ]
    out.put("edge_status.json", _json(status), len(status))

    scores = [asdict(x) for x in store.list_catalogue_scores(company_id)]
    out.put("catalogue_scores.json", _json(scores), len(scores))
    _add_rows(out.manifest, "catalogue_scores", len(scores))
    family = company.family.value if company else "other"
    published = [asdict(e) for e in store.cross_tenant_catalogue(family, company_id) if e.mine]
    for e in published:  # the shared copy's place on the server: its files are the model's, under models/
        e.pop("artifact", None)
    out.put("catalogue_published.json", _json(published), len(published))

    models = [asdict(m) for m in store.list_model_versions(company_id)]
    # a path on the server means nothing outside it: the files are under models/<name>/<version>
    for m in models:
        m["artifact"] = f"models/{m['name']}/{m['version']}"
    out.put("models.json", _json(models), len(models))
    _add_rows(out.manifest, "models", len(models))

    from sandan.connect.profile_store import PROFILES_FILE, ProfileStore
    from sandan.monitor import alert_store
    from sandan.optimize.service import list_recipes

    out.put("settings/recipes.json", _json(list_recipes(data_dir, company_id)))
    if (data_dir / alert_store.FILE_NAME).exists():  # reading must not create the file
        alerts = alert_store.open_alert_store(data_dir)
        rules = alerts.list_rules(company_id)
        out.put("settings/alert_rules.json", _json(rules), len(rules))
        fired = alerts.list_alerts(company_id, limit=10**9)
        for a in fired:
            a["deliveries"] = alerts.list_deliveries(company_id, a["id"])
        out.put("alerts.json", _json(fired), len(fired))
        _add_rows(out.manifest, "alerts", len(fired))
    if (data_dir / PROFILES_FILE).exists():
        profiles = ProfileStore.in_data_dir(data_dir)
        if (profile := profiles.get(company_id)) is not None:
            out.put("settings/partner_profile.json", _json(profile.model_dump(mode="json")))
        outcomes = profiles.outcomes(company_id)
        out.put("settings/partner_outcomes.json", _json(outcomes), len(outcomes))


def _parts_of(out: _Archive, start: datetime, end: datetime) -> pd.DataFrame:
    return parts_frame(out.store, out.company_id, start, end, max_rows=None)


def _events_of(out: _Archive, start: datetime, end: datetime) -> pd.DataFrame:
    frame = out.store.query_events(out.company_id, start, end).to_pandas()
    return frame[frame["start"] >= pd.Timestamp(start)]  # an event across the day's start is the day before's


def _predictions_of(out: _Archive, start: datetime, end: datetime) -> pd.DataFrame:
    return out.store.query_predictions(out.company_id, start, end).to_pandas()


def _monthly(
    out: _Archive,
    kind: str,
    month: str,
    start: datetime,
    end: datetime,
    read: Callable[[_Archive, datetime, datetime], pd.DataFrame],
    labels: Labels,
) -> None:
    """One month of `kind` as CSV (headers in the archive's language, times on its clock), read a day at a time:
    `<kind>/<month>.csv`, then `<month>-2.csv`, … where the month holds more rows than one file may
    (`export.MAX_ROWS`, inside Excel's limit). At most a file's rows and one day's are held at once."""
    pending: list[pd.DataFrame] = []
    held = 0
    pieces = 0

    def write(frame: pd.DataFrame) -> None:
        nonlocal pieces
        pieces += 1
        path = f"{kind}/{month}.csv" if pieces == 1 else f"{kind}/{month}-{pieces}.csv"
        found = table_file(frame, "csv", name=kind, labels=labels, lang=out.lang, zone=out.zone)
        out.put(path, found.content, len(frame))
        _add_rows(out.manifest, kind, len(frame))

    for _day, a, b in _days(start, end, out.zone):
        frame = read(out, a, b)
        if frame.empty:
            continue
        pending.append(frame)
        held += len(frame)
        while held >= MAX_ROWS:
            together = pd.concat(pending, ignore_index=True) if len(pending) > 1 else pending[0]
            write(together.iloc[:MAX_ROWS])
            rest = together.iloc[MAX_ROWS:]
            pending, held = ([rest] if len(rest) else []), len(rest)
    if held:
        write(pd.concat(pending, ignore_index=True) if len(pending) > 1 else pending[0])


def _readings(out: _Archive, month: str, start: datetime, end: datetime) -> None:
    """One month of readings as one Parquet file, read and written a day at a time."""
    path = out.tmp / f"readings-{month}.parquet"
    writer = None
    rows = 0
    try:
        for _day, a, b in _days(start, end, out.zone):
            batch = out.store.query_readings(out.company_id, a, b)
            if batch.num_rows == 0:
                continue
            if writer is None:
                writer = pq.ParquetWriter(path, batch.schema, compression="zstd")
            writer.write_table(batch)
            rows += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    if rows:
        out.put_file(f"readings/{month}.parquet", path, rows, compress=False)  # Parquet is compressed already
        path.unlink()
        _add_rows(out.manifest, "readings", rows)


def _files(out: _Archive, data_dir: Path) -> None:
    for source, dest in COMPANY_FILES:
        found = data_dir / source.format(c=out.company_id)
        if found.is_file():
            out.put_file(dest, found)
        elif found.is_dir():
            for path in sorted(p for p in found.rglob("*") if p.is_file()):
                out.put_file("/".join((dest, *path.relative_to(found).parts)), path)


def _readme(m: TakeoutManifest) -> str:
    rows = m.rows
    return f"""sandan — {m.company_name} ({m.company_id}) 데이터 전체 / all data
만든 때 / made: {m.created_at} (UTC) · sandan {m.sandan_version} · schema {m.schema_version}

[한국어]
이 파일에는 플랫폼이 이 기업에 대해 가진 기록이 모두 들어 있습니다.
- parts/<월>.csv: 생산(부품) 기록 {rows.get("parts", 0):,}행. 엑셀에서 열리며 시각은 {m.timezone} 기준입니다.
  50만 행이 넘는 달은 <월>-2.csv, <월>-3.csv …로 이어집니다.
  sandan의 가져오기로 다시 넣으면 같은 기록이 됩니다.
- events/<월>.csv: 설비 상태(가동·정지·작업준비) 기록 {rows.get("events", 0):,}행.
- readings/<월>.parquet: 센서 값 {rows.get("readings", 0):,}행 (시각은 UTC). 행이 많아 엑셀 대신 파워 쿼리,
  Power BI, pandas, DuckDB로 여세요.
- predictions/<월>.csv: 모델이 부품마다 낸 예측 {rows.get("predictions", 0):,}행. catalogue_scores.json: 공유 모델을
  귀사 데이터로 평가한 결과.
- company.json: 사업장·라인·설비·신호. users.csv: 사용자(비밀번호 없음). quarantine.csv: 거부된 기록과 원본, 사유.
  audit.csv: 감사 기록(정지 사유를 누가 언제 붙였는지 포함). edge_events.csv, edge_status.json: 수집 연결 이력과
  상태. alerts.json: 경보와 발송 기록. models.json과 models/: 학습한 모델. catalogue_published.json: 공개한 공유 모델.
- settings/: 정지·불량 코드, 교대 달력, 레시피, 경보 규칙, 파트너 프로필과 결과. twin_lines/: 저장한 라인 모델.
  documents/: 비서용 문서. uploads/: 올린 파일.
- manifest.json: 파일마다 행 수, 크기, SHA-256.
quarantine.csv, audit.csv, edge_events.csv와 JSON 파일의 시각은 UTC입니다(ISO 8601, +00:00).
연합 학습 키는 들어 있지 않습니다(자격 증명이라서). 이 파일에는 기업의 기록이 모두 있으니 안전하게 보관하세요.

[English]
This file holds every record the platform keeps for this company.
- parts/<month>.csv: {rows.get("parts", 0):,} part records. Opens in Excel; times on the {m.timezone} clock.
  A month of more than 500,000 rows goes on in <month>-2.csv, <month>-3.csv, ….
  sandan's import reads them back as the same records.
- events/<month>.csv: {rows.get("events", 0):,} machine state records (running, stopped, setup, …).
- readings/<month>.parquet: {rows.get("readings", 0):,} sensor readings (times in UTC). Too many rows for a sheet:
  open them with Power Query, Power BI, pandas or DuckDB.
- predictions/<month>.csv: {rows.get("predictions", 0):,} model scores of parts. catalogue_scores.json: how shared
  models scored on your data.
- company.json: sites, lines, machines and signals. users.csv: people (no passwords). quarantine.csv: rejected
  records with their raw payload and reason. audit.csv: the audit log (who labelled which stop, too).
  edge_events.csv, edge_status.json: the collection links' history and state. alerts.json: alerts and their
  deliveries. models.json and models/: trained models. catalogue_published.json: shared models you published.
- settings/: stop and defect codes, shift calendar, specification limits, recipes, alert rules, partner profile and outcomes. twin_lines/: saved
  line models. documents/: the assistant's documents. uploads/: uploaded files.
- manifest.json: rows, size and SHA-256 of every file.
Times in quarantine.csv, audit.csv, edge_events.csv and the JSON files are UTC (ISO 8601, +00:00).
The federation key is not included (it is a credential). Keep this file safe: it holds all of the company's records.
"""


def read_manifest(archive: Path) -> dict[str, Any]:
    """A takeout's manifest, or a clear error when the file is not a whole sandan takeout."""
    try:
        with zipfile.ZipFile(archive) as zf:
            return json.loads(zf.read("manifest.json"))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise InvalidInput(
            f"{Path(archive).name} is not a whole sandan takeout ({type(exc).__name__}); make a new one",
            f"{Path(archive).name}은(는) 온전한 sandan 내려받기 파일이 아닙니다({type(exc).__name__}). 새로 만드세요",
            code="bad_takeout",
        ) from exc


def list_takeouts(data_dir: Path, company_id: str) -> list[dict[str, Any]]:
    """The company's takeouts on the server, newest first: name, bytes, when made, and the rows of each kind."""
    folder = takeout_folder(data_dir, company_id)
    out = []
    for path in sorted(folder.glob("*.zip"), reverse=True) if folder.is_dir() else []:
        if not NAME.match(path.name):
            continue
        item: dict[str, Any] = {"name": path.name, "bytes": path.stat().st_size}
        try:
            m = read_manifest(path)
            item.update(created_at=datetime.fromisoformat(m["created_at"]), rows=m.get("rows", {}))
        except InvalidInput as exc:
            item["error"] = exc.to_dict()["message"]
        out.append(item)
    return out


def takeout_file(data_dir: Path, company_id: str, name: str) -> Path:
    """The path of one of the company's takeouts by its name (never another folder's file)."""
    path = takeout_folder(data_dir, company_id) / name
    if not NAME.match(name) or not path.is_file():
        raise NotFound(
            f"takeout {name!r} not found; the newest {KEEP} are kept",
            f"내려받기 파일 {name!r}을(를) 찾을 수 없습니다. 가장 최근 {KEEP}개만 남습니다",
            code="takeout_not_found",
        )
    return path


def prune_takeouts(folder: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` takeouts in `folder`; the names deleted."""
    found = sorted((p for p in Path(folder).glob("*.zip") if NAME.match(p.name)), reverse=True)
    for path in found[keep:]:
        path.unlink(missing_ok=True)
    return [p.name for p in found[keep:]]


def takeout_job(
    progress: Progress,
    store: Store,
    company_id: str,
    data_dir: Path,
    zone: str,
    lang: str,
    version: str,
    user_id: str | None,
) -> dict[str, Any]:
    """A takeout as a background job: the archive's name, size and what it holds."""
    path, manifest = company_takeout(
        store, company_id, data_dir, zone=zone, lang=lang, version=version, user_id=user_id, progress=progress
    )
    return {"name": path.name, "bytes": path.stat().st_size, "rows": manifest.rows}


def running_takeout(jobs: JobRegistry, company_id: str) -> Job | None:
    """The company's takeout queued or running in the server's job registry, if there is one."""
    return next((j for j in jobs.list(company_id) if j.kind == JOB_KIND and not j.finished), None)


def submit_takeout(
    jobs: JobRegistry,
    store: Store,
    company_id: str,
    data_dir: Path,
    user_id: str,
    *,
    zone: str,
    lang: str,
    version: str = "",
) -> Job:
    """Start `takeout_job` in the server's job registry, under the company; the job — or the company's takeout
    already queued or running (one at a time: a takeout reads all of the company's records, and the registry's few
    workers serve every company)."""
    running = running_takeout(jobs, company_id)
    if running is not None:
        return running
    return jobs.submit(
        company_id,
        JOB_KIND,
        takeout_job,
        store,
        company_id,
        data_dir,
        zone,
        lang,
        version,
        user_id,
        user_id=user_id,
        label="takeout",
    )
