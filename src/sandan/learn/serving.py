"""Serving: production models score part records in batches and as they arrive; predictions go to the store.

Scoring reads and writes through the Store only; a high predicted defect risk is handed to monitor's prediction rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sandan.domain import SandanError
from sandan.jobs import BackgroundLoop
from sandan.learn.registry import load_version, production_models
from sandan.store import Store, pivot_parts
from sandan.store.base import PREDICTION_SCHEMA, ModelVersion

log = logging.getLogger(__name__)

# The prediction rule judges a machine by its recent parts, not by one part: the mean over the last ones scored.
RECENT_PARTS = 20


@dataclass
class Scored:
    """What one scoring round did, per model: parts scored, predictions stored, alert changes."""

    scored: int = 0
    stored: int = 0
    models: list[str] = field(default_factory=list)
    alerts: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scored": self.scored,
            "stored": self.stored,
            "models": self.models,
            "alerts": len(self.alerts),
        }


def _frame(parts: pa.Table | pd.DataFrame) -> pd.DataFrame:
    if isinstance(parts, pa.Table):
        parts = parts.to_pandas()
    if "params" in parts.columns or "measures" in parts.columns:
        return pivot_parts(parts.reset_index(drop=True))
    return parts.reset_index(drop=True)


def _rows_for(mv: ModelVersion, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows `mv` can judge: its machines and product, with at least one of its features recorded."""
    scope = mv.scope or {}
    keep = np.ones(len(frame), dtype=bool)
    if scope.get("machine_ids"):
        keep &= frame["machine_id"].isin(scope["machine_ids"]).to_numpy()
    if scope.get("product"):
        keep &= (frame["product"] == scope["product"]).to_numpy()
    present = [f for f in mv.features if f in frame.columns]
    if not present:
        return frame.iloc[0:0]
    keep &= frame[present].notna().any(axis=1).to_numpy()
    rows = frame.loc[keep].reset_index(drop=True)
    for f in mv.features:
        if f not in rows.columns:
            rows[f] = np.nan
    return rows


def predict_rows(mv: ModelVersion, rows: pd.DataFrame) -> tuple[np.ndarray, list[str | None]]:
    """Score and label per row: probability of the positive class (binary), of the predicted class (several
    classes), or the predicted value (regression, no label)."""
    model = load_version(mv)
    if mv.task == "Classifier":
        prob = model.predict_proba(rows)
        labels = [str(v) for v in model.predict(rows)]
        score = prob[:, 1] if model.kind_ == "binary" else prob.max(axis=1)
        return np.asarray(score, float), labels
    return np.asarray(model.predict(rows), float), [None] * len(rows)


def score_batch(
    store: Store,
    company_id: str,
    parts_table: pa.Table | pd.DataFrame,
    *,
    models: list[ModelVersion] | None = None,
    alerts: Any = None,
) -> Scored:
    """Score part records (PART_SCHEMA, or an already pivoted frame) with the company's production models and
    store the predictions (a resent batch stores nothing twice). With an alert store, each machine's recent
    predicted defect risk goes to `sandan.monitor.alerts.report_prediction`, so prediction rules fire at once."""
    out = Scored()
    frame = _frame(parts_table)
    if frame.empty:
        return out
    for mv in production_models(store, company_id) if models is None else models:
        rows = _rows_for(mv, frame)
        if rows.empty:
            continue
        score, labels = predict_rows(mv, rows)
        batch = pa.table(
            {
                "time": pd.to_datetime(rows["time"], utc=True),
                "machine_id": rows["machine_id"].astype(str),
                "part_id": rows["part_id"].fillna("").astype(str),
                "model_name": [mv.name] * len(rows),
                "model_version": np.full(len(rows), mv.version, dtype=np.int64),
                "score": score,
                "label": labels,
            }
        ).cast(PREDICTION_SCHEMA)
        out.scored += len(rows)
        out.stored += store.append_predictions(company_id, batch)
        out.models.append(f"{mv.name}/{mv.version}")
        if alerts is not None and mv.task == "Classifier":
            out.alerts += _report(store, company_id, mv, rows, score, alerts)
    return out


def _report(store: Store, company_id: str, mv: ModelVersion, rows: pd.DataFrame, score, alerts) -> list[Any]:
    from sandan.monitor.alerts import report_prediction

    changes: list[Any] = []
    recent = pd.DataFrame({"machine_id": rows["machine_id"], "time": pd.to_datetime(rows["time"], utc=True)})
    recent["score"] = score
    for machine_id, group in recent.sort_values("time").groupby("machine_id", sort=True):
        last = group.tail(RECENT_PARTS)
        try:
            changes += report_prediction(
                store,
                company_id,
                str(machine_id),
                float(np.clip(last["score"].mean(), 0.0, 1.0)),
                model=mv.name,
                at=last["time"].iloc[-1].to_pydatetime(),
                alerts=alerts,
            )
        except (
            SandanError
        ) as exc:  # e.g. a machine removed since: the predictions are kept, the alert skipped
            log.warning("prediction alert for %s/%s skipped: %s", company_id, machine_id, exc.en)
    return changes


class ServingWorker(BackgroundLoop):
    """Polls every company's new part records and scores them with its production models.

    A model scores parts from its promotion on (at most `lookback` back); each round re-reads `margin` before the
    last part it saw, so records that arrive late are scored too, and skips parts already scored by that version.
    """

    def __init__(
        self,
        store: Store,
        *,
        interval_s: float = 5.0,
        alerts: Any = None,
        margin: timedelta = timedelta(minutes=10),
        lookback: timedelta = timedelta(days=1),
    ) -> None:
        self.store = store
        self.interval_s = interval_s
        self.alerts = alerts
        self.margin = margin
        self.lookback = lookback
        self._seen: dict[tuple[str, str, int], datetime] = {}
        super().__init__("sandan-serving")
        self.rounds = 0

    def run_once(self, now: datetime | None = None) -> dict[str, Scored]:
        now = now or datetime.now(UTC)
        done: dict[str, Scored] = {}
        for company in self.store.cross_tenant_companies():
            try:
                result = self._company(company.id, now)
            except SandanError as exc:
                log.warning("scoring for %s skipped: %s", company.id, exc.en)
                continue
            if result.scored:
                done[company.id] = result
        self.rounds += 1
        return done

    def _company(self, company_id: str, now: datetime) -> Scored:
        total = Scored()
        for mv in production_models(self.store, company_id):
            key = (company_id, mv.name, mv.version)
            promoted = mv.stage_changed_at or mv.trained_at or now
            since = max(self._seen.get(key, promoted), now - self.lookback) - self.margin
            end = now + timedelta(days=1)
            machines = (mv.scope or {}).get("machine_ids") or None
            parts = self.store.query_parts(company_id, since, end, machines).to_pandas()
            if parts.empty:
                continue
            self._seen[key] = max(
                self._seen.get(key, promoted), pd.Timestamp(parts["time"].max()).to_pydatetime()
            )
            done = self.store.query_predictions(company_id, since, end, machines, mv.name).to_pandas()
            done = done[done["model_version"] == mv.version]
            if not done.empty:
                scored = set(zip(done["machine_id"], done["time"], done["part_id"], strict=True))
                fresh = [
                    k not in scored
                    for k in zip(parts["machine_id"], parts["time"], parts["part_id"], strict=True)
                ]
                parts = parts.loc[fresh]
            if parts.empty:
                continue
            result = score_batch(self.store, company_id, parts, models=[mv], alerts=self.alerts)
            total.scored += result.scored
            total.stored += result.stored
            total.models += result.models
            total.alerts += result.alerts
        return total

    def wait_s(self) -> float:
        return self.interval_s

    def tick(self) -> None:
        try:
            self.run_once()
        except Exception:  # keep serving; the next round tries again
            log.exception("serving round failed")
