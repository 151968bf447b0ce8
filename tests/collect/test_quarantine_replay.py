"""Quarantine review through the capability functions the API and web both call: replay and discard."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sandan.accounts import Principal
from sandan.collect import Origin, ingest_readings
from sandan.collect.quarantine import discard_quarantined, replay_quarantined
from sandan.domain import Company, Conflict, Machine, Role, Signal, User


@pytest.fixture
def plant(duck_store):
    duck_store.upsert_company(Company(id="acme", name="Acme"))
    duck_store.upsert_machine("acme", Machine(id="m1", company_id="acme", line_id="l1", name="M1"))
    duck_store.upsert_signals(
        "acme", [Signal(company_id="acme", machine_id="m1", name="temp", min_value=0, max_value=300)]
    )
    engineer = Principal(User(id="kim", role=Role.engineer, company_id="acme"))
    return duck_store, engineer


def test_a_fixed_record_replays_with_the_zone_of_its_original_import(plant):
    store, engineer = plant
    rows = [{"time": "2026-05-01 09:00:00", "machine_id": "m1", "signal": "temp", "value": 900}]
    receipt = ingest_readings(store, "acme", rows, Origin(source="file", timezone="Asia/Seoul"))
    assert receipt.rejected == 1
    item = store.list_quarantine("acme")[0]
    fixed = {**json.loads(item["raw"]), "value": 90}
    done = replay_quarantined(store, "acme", item["id"], engineer, record=fixed)
    assert done.replayed and done.item["status"] == "replayed"
    stored = store.query_readings("acme", datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 2, tzinfo=UTC))
    assert stored["time"].to_pylist() == [datetime(2026, 5, 1, 0, 0, tzinfo=UTC)]  # 09:00 KST


def test_a_record_still_wrong_stays_open_with_its_new_reason_and_no_second_item(plant):
    store, engineer = plant
    ingest_readings(
        store,
        "acme",
        [{"time": "2026-05-01T09:00:00+09:00", "machine_id": "m1", "signal": "temp", "value": 900}],
    )
    item = store.list_quarantine("acme")[0]
    done = replay_quarantined(
        store, "acme", item["id"], engineer, record={**json.loads(item["raw"]), "machine_id": "m9"}
    )
    assert not done.replayed and done.reason["code"] == "unknown_machine"
    assert done.item["status"] == "open" and store.count_quarantine("acme") == 1


def test_discard_records_who_and_why_and_a_resolved_item_cannot_be_replayed(plant):
    store, engineer = plant
    ingest_readings(
        store,
        "acme",
        [{"time": "2026-05-01T09:00:00+09:00", "machine_id": "m1", "signal": "temp", "value": -5}],
    )
    item = store.list_quarantine("acme")[0]
    done = discard_quarantined(store, "acme", item["id"], engineer, "sensor was unplugged")
    assert done["status"] == "discarded" and done["resolved_by"] == "kim"
    assert store.list_audit("acme")[0]["detail"] == "sensor was unplugged"
    with pytest.raises(Conflict):
        replay_quarantined(store, "acme", item["id"], engineer)
