"""Reviewing rejected records: fix and replay through the same ingestion path, or discard with a reason."""

from __future__ import annotations

from tests.api.world import World, assert_error

BASE = "/api/v1/companies/acme"
BAD = {"time": "2026-03-02T08:00:00Z", "machine_id": "m1", "signal": "temp", "value": "12,5°"}


def _reject(world: World, record: dict, kind: str = "readings") -> int:
    receipt = world.post("a-eng", f"{BASE}/ingest/{kind}", json=[record]).json()
    assert receipt["rejected"] == 1, receipt
    return world.get("a-view", f"{BASE}/quarantine").json()["items"][0]["id"]


def test_quarantine_lists_the_record_its_reason_and_source(world):
    item_id = _reject(world, BAD)
    page = world.get("a-view", f"{BASE}/quarantine").json()
    assert page["total"] == 1
    item = world.get("a-view", f"{BASE}/quarantine/{item_id}").json()
    assert item["record"]["value"] == "12,5°" and item["kind"] == "reading"
    assert item["reason"]["code"] == "bad_number"
    assert item["reason"]["message"]["en"] and item["reason"]["message"]["ko"]
    assert item["source"] == "api:a-eng" and item["status"] == "open"


def test_fixed_record_replays_and_the_item_is_marked_replayed(world):
    item_id = _reject(world, BAD)
    r = world.post("a-eng", f"{BASE}/quarantine/{item_id}/replay", json={"record": {**BAD, "value": 12.5}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["replayed"] is True and body["reason"] is None
    assert body["receipt"]["accepted"] == 1
    assert body["item"]["status"] == "replayed" and body["item"]["resolved_by"] == "a-eng"
    # the item keeps both: what came in, and what was stored
    assert body["item"]["record"]["value"] == "12,5°" and body["item"]["stored"] == {**BAD, "value": 12.5}
    assert world.store.count_rows("acme", "readings") == 1
    assert world.get("a-view", f"{BASE}/quarantine").json()["total"] == 0
    audit = world.get("a-admin", f"{BASE}/audit").json()
    assert audit[0]["action"] == "quarantine.replay" and audit[0]["target"] == str(item_id)


def test_replay_without_a_record_uses_the_stored_one(world):
    item_id = _reject(world, {**BAD, "value": 3, "time": "2026-03-02 08:00:00"})  # no time zone
    r = world.post("a-eng", f"{BASE}/quarantine/{item_id}/replay", json={"timezone": "Asia/Seoul"}).json()
    assert r["replayed"] is True


def test_record_rejected_again_stays_open_with_the_new_reason_and_no_new_item(world):
    item_id = _reject(world, BAD)
    r = world.post(
        "a-eng",
        f"{BASE}/quarantine/{item_id}/replay",
        json={"record": {**BAD, "value": 1, "machine_id": "m404"}},
    )
    body = r.json()
    assert body["replayed"] is False
    assert body["reason"]["code"] == "unknown_machine" and "m404" in body["reason"]["message"]["ko"]
    assert body["item"]["status"] == "open"
    page = world.get("a-view", f"{BASE}/quarantine", params={"status": "all"}).json()
    assert page["total"] == 1


def test_discard_records_the_comment_in_the_audit_log(world):
    item_id = _reject(world, BAD)
    r = world.post(
        "a-eng", f"{BASE}/quarantine/{item_id}/discard", json={"comment": "sensor test, not production"}
    )
    assert r.status_code == 200 and r.json()["status"] == "discarded"
    assert world.get("a-view", f"{BASE}/quarantine", params={"status": "discarded"}).json()["total"] == 1
    entry = world.get("a-admin", f"{BASE}/audit").json()[0]
    assert (entry["action"], entry["detail"], entry["user_id"]) == (
        "quarantine.discard",
        "sensor test, not production",
        "a-eng",
    )


def test_a_resolved_item_cannot_be_resolved_again(world):
    item_id = _reject(world, BAD)
    world.post("a-eng", f"{BASE}/quarantine/{item_id}/discard", json={"comment": "x"})
    assert_error(world.post("a-eng", f"{BASE}/quarantine/{item_id}/replay", json={}), 409, "already_resolved")
    assert_error(world.post("a-eng", f"{BASE}/quarantine/{item_id}/discard", json={}), 409)


def test_part_record_replay_goes_through_the_part_ingester(world):
    item_id = _reject(
        world,
        {"time": "2026-03-02T08:00:00Z", "machine_id": "m1", "part_id": "P1", "result": "maybe"},
        "parts",
    )
    r = world.post(
        "a-eng",
        f"{BASE}/quarantine/{item_id}/replay",
        json={
            "record": {"time": "2026-03-02T08:00:00Z", "machine_id": "m1", "part_id": "P1", "result": "ok"}
        },
    )
    assert r.json()["replayed"] is True
    assert world.store.count_rows("acme", "part_records") == 1


def test_viewer_cannot_replay_or_discard(world):
    item_id = _reject(world, BAD)
    assert_error(world.post("a-view", f"{BASE}/quarantine/{item_id}/replay", json={}), 403)
    assert_error(world.post("a-view", f"{BASE}/quarantine/{item_id}/discard", json={}), 403)


def test_unknown_item_is_404(world):
    assert_error(world.get("a-view", f"{BASE}/quarantine/999"), 404)


def test_the_open_items_of_one_reason_are_discarded_together_with_one_comment(world):
    bad = [{**BAD, "time": f"2026-03-02T08:00:0{i}Z"} for i in range(3)]
    unknown = {**BAD, "machine_id": "m404", "value": 1.0}
    assert world.post("a-eng", f"{BASE}/ingest/readings", json=[*bad, unknown]).json()["rejected"] == 4
    reasons = world.get("a-view", f"{BASE}/quarantine/reasons").json()
    assert [(r["reason"]["code"], r["n"]) for r in reasons] == [("bad_number", 3), ("unknown_machine", 1)]
    listed = world.get("a-view", f"{BASE}/quarantine?reason_code=bad_number").json()
    assert listed["total"] == 3
    discard = {"reason_code": "bad_number", "comment": "온도계 고장 기간 / broken thermometer"}
    assert_error(world.post("a-view", f"{BASE}/quarantine/discard", json=discard), 403)
    assert_error(world.post("a-eng", f"{BASE}/quarantine/discard", json={"comment": "x"}), 422, "no_filter")
    r = world.post("a-eng", f"{BASE}/quarantine/discard", json=discard)
    assert r.status_code == 200 and r.json() == {"discarded": 3}
    left = world.get("a-view", f"{BASE}/quarantine").json()["items"]
    assert [i["reason"]["code"] for i in left] == ["unknown_machine"]
    audit = world.get("a-admin", f"{BASE}/audit").json()[0]
    assert (audit["action"], audit["target"]) == ("quarantine.discard_many", "reason=bad_number")
    assert audit["detail"] == "3: 온도계 고장 기간 / broken thermometer"
