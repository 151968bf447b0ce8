"""Contract: rejected records are kept with their reason, listed newest first, and resolved by a user."""

from __future__ import annotations

from sandan.store import QuarantineItem


def _item(n: int, kind: str = "reading") -> QuarantineItem:
    return QuarantineItem(
        source="upload:line1.csv",
        kind=kind,
        raw=f'{{"row": {n}, "온도": "abc"}}',
        reason_code="bad_number",
        reason_en="value 'abc' is not a number",
        reason_ko="값 'abc'은(는) 숫자가 아닙니다",
        location={"file": "line1.csv", "row": n, "column": "온도"},
        batch_id="b-1",
    )


def test_quarantined_items_are_listed_newest_first_with_their_reason_and_location(two):
    two.add_quarantine("acme", [_item(1), _item(2)])
    listed = two.list_quarantine("acme")
    assert [q["location"]["row"] for q in listed] == [2, 1]
    first = listed[-1]
    assert first["reason_code"] == "bad_number" and first["reason_ko"] == "값 'abc'은(는) 숫자가 아닙니다"
    assert first["raw"] == '{"row": 1, "온도": "abc"}'
    assert first["status"] == "open" and first["resolved_by"] is None and first["batch_id"] == "b-1"
    assert first["received_at"].tzinfo is not None


def test_an_item_already_waiting_is_kept_once_and_comes_back_after_it_was_resolved(two):
    # a file imported again, a batch an edge agent resent: the same rejects wait in quarantine once
    assert two.add_quarantine("acme", [_item(1), _item(2), _item(1)]) == 2
    assert two.add_quarantine("acme", [_item(1), _item(2), _item(3)]) == 1
    assert sorted(q["location"]["row"] for q in two.list_quarantine("acme")) == [1, 2, 3]
    moved = QuarantineItem(
        **{**vars(_item(1)), "location": {"file": "line1.csv", "row": 9, "column": "온도"}}
    )
    other_reason = QuarantineItem(**{**vars(_item(1)), "reason_code": "out_of_range"})
    assert two.add_quarantine("acme", [moved, other_reason]) == 2  # another row, another reason: new items
    assert two.add_quarantine("other", [_item(1)]) == 1  # each company's quarantine is its own
    first = min(two.list_quarantine("acme"), key=lambda q: q["id"])
    # each came again is counted on the item that waits: row 1 twice more, row 2 once more, with the last time
    counted = {
        q["location"]["row"]: q for q in two.list_quarantine("acme") if q["reason_code"] == "bad_number"
    }
    assert {row: q["repeats"] for row, q in counted.items()} == {1: 2, 2: 1, 3: 0, 9: 0}
    assert counted[1]["last_received_at"] is not None and counted[3]["last_received_at"] is None
    two.set_quarantine_status("acme", first["id"], "dismissed", "kim")
    assert two.add_quarantine("acme", [_item(1)]) == 1  # sent again after a person discarded it: open anew
    assert two.count_quarantine("acme") == 5


def test_adding_no_items_stores_nothing(two):
    two.add_quarantine("acme", [])
    assert two.count_quarantine("acme", status=None) == 0


def test_a_quarantined_item_is_read_by_id(two):
    two.add_quarantine("acme", [_item(1)])
    item_id = two.list_quarantine("acme")[0]["id"]
    assert two.get_quarantine("acme", item_id)["location"] == {
        "file": "line1.csv",
        "row": 1,
        "column": "온도",
    }
    assert two.get_quarantine("acme", item_id + 1000) is None


def test_resolving_an_item_records_who_and_when_and_takes_it_off_the_open_list(two):
    two.add_quarantine("acme", [_item(1), _item(2), _item(3)])
    item_id = two.list_quarantine("acme")[0]["id"]
    two.set_quarantine_status("acme", item_id, "dismissed", "kim")
    item = two.get_quarantine("acme", item_id)
    assert (item["status"], item["resolved_by"]) == ("dismissed", "kim") and item["resolved_at"] is not None
    assert two.count_quarantine("acme") == 2
    assert two.count_quarantine("acme", status="dismissed") == 1
    assert two.count_quarantine("acme", status=None) == 3
    assert item_id not in [q["id"] for q in two.list_quarantine("acme")]


def test_quarantine_pages_with_limit_and_offset(two):
    two.add_quarantine("acme", [_item(n) for n in range(10)])
    rows = [q["location"]["row"] for q in two.list_quarantine("acme", limit=3, offset=2)]
    assert rows == [7, 6, 5]


def test_items_are_narrowed_to_one_reason_or_one_batch_and_counted_per_reason(two):
    other = QuarantineItem(
        "api:kim", "part", "{}", "unknown_machine", "machine 'x' …", "설비 'x' …", {}, "b-2"
    )
    two.add_quarantine("acme", [_item(1), _item(2), other])
    two.add_quarantine("beta", [_item(3)])
    assert [q["location"]["row"] for q in two.list_quarantine("acme", reason_code="bad_number")] == [2, 1]
    assert [q["batch_id"] for q in two.list_quarantine("acme", batch_id="b-2")] == ["b-2"]
    assert two.count_quarantine("acme", reason_code="bad_number", batch_id="b-2") == 0
    assert [(r["reason_code"], r["n"]) for r in two.quarantine_reasons("acme")] == [
        ("bad_number", 2),
        ("unknown_machine", 1),
    ]
    assert two.quarantine_reasons("acme")[1]["reason_ko"] == "설비 'x' …"


def test_open_items_of_one_reason_or_import_are_discarded_in_one_go(two):
    other = QuarantineItem(**{**vars(_item(9)), "reason_code": "unknown_machine", "batch_id": "b-2"})
    two.add_quarantine("acme", [_item(1), _item(2), _item(3), other])
    two.add_quarantine("beta", [_item(1)])
    replayed = min(q["id"] for q in two.list_quarantine("acme"))
    two.set_quarantine_status("acme", replayed, "replayed", "kim")
    assert two.discard_open_quarantine("acme", "lee", reason_code="bad_number") == 2  # the replayed one stays
    discarded = two.list_quarantine("acme", status="discarded")
    assert sorted(q["location"]["row"] for q in discarded) == [2, 3]
    assert {q["resolved_by"] for q in discarded} == {"lee"} and all(q["resolved_at"] for q in discarded)
    assert two.get_quarantine("acme", replayed)["status"] == "replayed"
    assert two.count_quarantine("beta") == 1  # another company's items are its own
    assert two.discard_open_quarantine("acme", "lee", batch_id="b-2", reason_code="bad_number") == 0
    assert two.discard_open_quarantine("acme", "lee", batch_id="b-2") == 1
    assert two.count_quarantine("acme") == 0
