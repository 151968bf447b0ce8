"""A handful of API paths on both stores (DuckDB and PostgreSQL): the API must not care which one it runs on."""

from __future__ import annotations

import pytest

from tests.api.world import PASSWORD, assert_error, make_world

BASE = "/api/v1/companies/acme"


@pytest.fixture
def on_store(store, tmp_path):
    w = make_world(store, tmp_path)
    with w.client:
        yield w


def test_login_and_tenant_isolation(on_store):
    login = on_store.client.post("/api/v1/auth/login", json={"user_id": "a-eng", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    assert on_store.client.get("/api/v1/me", headers=headers).json()["company_id"] == "acme"
    assert on_store.client.get(f"{BASE}/machines", headers=headers).status_code == 200
    assert_error(on_store.client.get("/api/v1/companies/bravo/machines", headers=headers), 404)


def test_ingest_then_aggregate(on_store):
    batch = [
        {"time": f"2026-03-02T08:00:{s:02d}Z", "machine_id": "m1", "signal": "temp", "value": v}
        for s, v in ((0, 10), (30, 20), (59, 30))
    ]
    receipt = on_store.post("a-eng", f"{BASE}/ingest/readings", json=batch).json()
    assert receipt["accepted"] == 3
    params = {"start": "2026-03-02T08:00:00Z", "end": "2026-03-02T09:00:00Z", "bucket_s": 60}
    columns = on_store.get("a-view", f"{BASE}/readings/aggregate", params=params).json()["columns"]
    assert (columns["bucket"], columns["avg"], columns["count"]) == (["2026-03-02T08:00:00Z"], [20.0], [3])


def test_quarantine_replay(on_store):
    bad = {"time": "2026-03-02T08:00:00Z", "machine_id": "m1", "signal": "temp", "value": "n/a"}
    assert on_store.post("a-eng", f"{BASE}/ingest/readings", json=[bad]).json()["rejected"] == 1
    item_id = on_store.get("a-view", f"{BASE}/quarantine").json()["items"][0]["id"]
    r = on_store.post(
        "a-eng", f"{BASE}/quarantine/{item_id}/replay", json={"record": {**bad, "value": 5}}
    ).json()
    assert r["replayed"] is True and r["item"]["status"] == "replayed"


def test_admin_creates_user_and_audit_shows_it(on_store):
    new = {"user_id": "park", "password": "park-password", "role": "viewer"}
    assert on_store.post("a-admin", f"{BASE}/users", json=new).status_code == 201
    assert on_store.get("a-admin", f"{BASE}/audit").json()[0]["action"] == "user.create"


def test_text_with_a_nul_character_is_quarantined_on_either_store(on_store):
    # PostgreSQL refuses the byte in text: the whole batch failed there with a driver error (nothing kept), while
    # DuckDB stored it
    parts = [
        {"time": "2026-03-02T08:00:00Z", "machine_id": "m1", "part_id": "A\x00B", "result": "ok"},
        {"time": "2026-03-02T08:01:00Z", "machine_id": "m1", "part_id": "A2", "result": "ok"},
    ]
    receipt = on_store.post("a-eng", f"{BASE}/ingest/parts", json=parts).json()
    assert (receipt["accepted"], receipt["rejected"]) == (1, 1) and receipt["reasons"] == {"nul_character": 1}
    events = [{"machine_id": "m1", "start": "2026-03-02T08:00:00Z", "state": "down", "note": "jam\x00"}]
    receipt = on_store.post("a-eng", f"{BASE}/ingest/events", json=events).json()
    assert receipt["reasons"] == {"nul_character": 1}
    readings = [{"time": "2026-03-02T08:00:00Z", "machine_id": "m1", "signal": "t\x00", "value": 1}]
    receipt = on_store.post("a-eng", f"{BASE}/ingest/readings", json=readings).json()
    assert receipt["reasons"] == {"nul_character": 1}
    assert (
        "NUL" in receipt["issues"][0]["message"]["en"] and "NUL 문자" in receipt["issues"][0]["message"]["ko"]
    )


def test_a_batchs_quarantined_rows_take_ids_in_the_batchs_order_on_either_store(on_store):
    # DuckDB's duplicate check reordered a file's rejects (ids 1, 3, 0, 2 of its rows): the newest-first list, its
    # pages and a takeout differed from PostgreSQL's
    from sandan.collect import Origin, ingest_parts

    for trial in range(3):
        rows = [
            {"time": f"2026-03-02T0{trial}:00:00Z", "machine_id": "m1", "result": "maybe"},
            {
                "time": f"2026-03-02T0{trial}:00:00Z",
                "machine_id": "m1",
                "result": "ok",
                "params": '{"t": "hot"}',
            },
            {"time": f"2026-03-02T0{trial}:00:00Z", "machine_id": "m1", "result": "zz"},
            {
                "time": f"2026-03-02T0{trial}:00:00Z",
                "machine_id": "m1",
                "result": "ok",
                "params": '{"t": "x"}',
            },
        ]
        ingest_parts(
            on_store.store, "acme", rows, Origin(source="file", file="생산.csv", batch_id=f"q{trial}")
        )
    items = sorted(on_store.store.list_quarantine("acme", limit=100), key=lambda q: q["id"])
    assert [q["location"]["row"] for q in items] == [0, 1, 2, 3] * 3
