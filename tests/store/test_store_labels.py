"""Contract: an operator's reason code for a stored event is kept, says who gave it, is audited, and stays put."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.store.data import T0, at, events

WEEK = timedelta(days=7)


def _events(store, company_id="acme"):
    return store.query_events(company_id, T0 - WEEK, T0 + WEEK).to_pylist()


def _down_without_reason(store):
    store.append_events(
        "acme",
        events(
            [
                ("M1", 0, 60, "running"),
                ("M1", 60, 120, "down", None, "stopped by itself"),
                ("M2", 60, 120, "down"),
            ]
        ),
    )


def test_a_labelled_event_keeps_the_reason_and_who_gave_it(two):
    _down_without_reason(two)
    before = datetime.now(UTC)
    stored = two.set_event_reason("acme", "M1", at(60), "spindle", "kim")
    assert stored["machine_id"] == "M1" and stored["start"] == at(60) and stored["end"] == at(120)
    assert stored["state"] == "down" and stored["reason_code"] == "spindle"
    assert stored["note"] == "stopped by itself"  # no note given: the stored one stays
    assert stored["labelled_by"] == "kim" and before <= stored["labelled_at"] <= datetime.now(UTC)
    reasons = {(e["machine_id"], e["start"]): e["reason_code"] for e in _events(two)}
    assert reasons == {("M1", at(0)): None, ("M1", at(60)): "spindle", ("M2", at(60)): None}


def test_a_label_is_audited_with_the_reason_it_replaced(two):
    _down_without_reason(two)
    two.set_event_reason("acme", "M1", at(60), "spindle", "kim")
    two.set_event_reason("acme", "M1", at(60), "tool", "lee", note="worn insert")
    audit = two.list_audit("acme")
    assert [(a["user_id"], a["action"], a["target"]) for a in audit] == [
        ("lee", "event.label", f"M1@{at(60).isoformat()}"),
        ("kim", "event.label", f"M1@{at(60).isoformat()}"),
    ]
    assert [json.loads(a["detail"]) for a in audit] == [
        {"reason_code": "tool", "previous": "spindle"},
        {"reason_code": "spindle", "previous": None},
    ]
    event = next(e for e in _events(two) if e["machine_id"] == "M1" and e["start"] == at(60))
    assert (event["reason_code"], event["note"]) == ("tool", "worn insert")


def test_no_event_with_the_key_writes_nothing(two):
    _down_without_reason(two)
    assert two.set_event_reason("acme", "M1", at(61), "spindle", "kim") is None
    assert two.set_event_reason("acme", "M9", at(60), "spindle", "kim") is None
    assert [e["reason_code"] for e in _events(two)] == [None, None, None]
    assert two.list_audit("acme") == []


def test_a_company_cannot_label_another_companys_event(two):
    _down_without_reason(two)
    assert two.set_event_reason("beta", "M1", at(60), "spindle", "intruder") is None
    assert [e["reason_code"] for e in _events(two)] == [None, None, None]
    assert two.list_audit("acme") == [] and two.list_audit("beta") == []


def test_resending_a_labelled_event_keeps_the_label(two):
    _down_without_reason(two)
    two.set_event_reason("acme", "M1", at(60), "spindle", "kim")
    assert two.append_events("acme", events([("M1", 60, 120, "down")])) == 0
    event = next(e for e in _events(two) if e["machine_id"] == "M1" and e["start"] == at(60))
    assert event["reason_code"] == "spindle"


def test_a_label_outlives_the_process_that_wrote_it(two):
    from sandan.store import open_store

    _down_without_reason(two)
    two.set_event_reason("acme", "M2", at(60), "jam", "kim")
    two.close()
    with open_store(two.url) as again:
        event = next(e for e in _events(again) if e["machine_id"] == "M2")
        assert event["reason_code"] == "jam"
