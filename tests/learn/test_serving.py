"""Serving: production models score part records in batch and as they are ingested; prediction alerts fire.

The live stream is the demo complex's injection machines producing past the backfilled history.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from sandan.collect import ingest_parts
from sandan.learn import registry
from sandan.learn.serving import ServingWorker, score_batch
from sandan.monitor.alert_store import open_alert_store
from sandan.monitor.alerts import AlertRule
from sandan.twin.virtual import build_demo_complex
from tests.learn.demo_plant import NOW, PUBLISHER, START


def _new_parts(store, until: datetime) -> pa.Table:
    """Part records the publisher's machines make after the backfilled history (fresh process models)."""
    machines = [vm for vm in build_demo_complex(store).machines if vm.company_id == PUBLISHER]
    # A fresh machine starts with a set-up (and the poor one with its trial, skipped here): run them from three hours
    # back, so each has made parts by the end.
    for vm in machines:
        vm.source.skip_trial()
    made = pa.concat_tables(
        [vm.source.produce(vm.machine.id, NOW - timedelta(hours=3), until).parts for vm in machines]
    )
    # The worker scores from a model's promotion on, less its 10-minute margin; on a slow run the module's NOW can
    # lie further back than that, so keep five minutes of parts. They are the five minutes up to the machine at poor
    # settings' last part, moved to end at `until`: a machine that happened to be down in the last five minutes
    # of the clock (a CI run) left only the good machines' parts, and no alert.
    poor = made.filter(pc.equal(made["machine_id"], "imm-02"))
    last = pc.max(poor["time"]).as_py()
    kind = made.schema.field("time").type
    kept = made.filter(
        pc.and_(
            pc.greater_equal(made["time"], pa.scalar(last - timedelta(minutes=5), kind)),
            pc.less_equal(made["time"], pa.scalar(last, kind)),
        )
    )
    shift = pa.scalar(int((until - last).total_seconds() * 1e6), pa.duration("us"))
    return kept.set_column(kept.schema.get_field_index("time"), "time", pc.add(kept["time"], shift))


def test_score_batch_stores_one_prediction_per_part_and_a_resend_adds_none(plant, trained):
    registry.promote(plant, PUBLISHER, "defects", 1)
    parts = plant.query_parts(PUBLISHER, START, NOW, limit=300)
    first = score_batch(plant, PUBLISHER, parts)
    assert first.scored == first.stored == 300 and first.models == ["defects/1"]
    assert score_batch(plant, PUBLISHER, parts).stored == 0
    stored = plant.query_predictions(PUBLISHER, START, NOW, model_name="defects")
    assert stored.num_rows == 300
    assert set(stored["label"].to_pylist()) <= {"ok", "ng"}
    scores = stored["score"].to_numpy()
    assert ((scores >= 0) & (scores <= 1)).all()


def test_without_a_production_model_nothing_is_scored(plant, trained):
    parts = plant.query_parts(PUBLISHER, START, NOW, limit=10)
    assert score_batch(plant, PUBLISHER, parts).scored == 0


def test_ingested_parts_are_scored_by_the_worker_and_a_prediction_alert_fires(
    plant, trained, tmp_path, caplog
):
    alerts = open_alert_store(tmp_path / "alerts")
    rule = AlertRule(id="risk", kind="prediction", threshold=0.1, model="defects", hold_s=0)
    alerts.put_rule(PUBLISHER, rule.id, rule.model_dump(mode="json"), "kim")
    registry.promote(plant, PUBLISHER, "defects", 1)
    worker = ServingWorker(plant, interval_s=0.2, alerts=alerts).start()
    try:
        parts = _new_parts(plant, datetime.now(UTC) - timedelta(seconds=1))
        receipt = ingest_parts(plant, PUBLISHER, parts)
        assert receipt.accepted == parts.num_rows > 0
        assert "imm-02" in set(parts["machine_id"].to_pylist())  # the machine at poor settings is among them
        deadline = time.monotonic() + 20
        got = 0
        while time.monotonic() < deadline:
            got = plant.query_predictions(PUBLISHER, NOW, datetime.now(UTC) + timedelta(minutes=1)).num_rows
            if got >= parts.num_rows:
                break
            time.sleep(0.2)
        assert got >= parts.num_rows
    finally:
        worker.stop()
    fired = alerts.list_alerts(PUBLISHER)
    # what the worker saw, should the alert not fire (a CI run once found none): each machine's stored risk, the
    # worker's own log
    scores = plant.query_predictions(PUBLISHER, NOW, datetime.now(UTC) + timedelta(minutes=1)).to_pandas()
    seen = scores.groupby("machine_id")["score"].agg(["count", "mean", "max"]).round(3).to_dict("index")
    assert fired and fired[0]["rule_id"] == "risk", (seen, [r.getMessage() for r in caplog.records])
    assert "imm-02" in {a["subject"].split("/")[0] for a in fired}  # the machine at poor settings
