"""Contract: one company never sees another company's data, whatever the kind."""

from __future__ import annotations

from datetime import timedelta

from sandan.domain import Role, User
from sandan.store import QuarantineItem
from tests.store.data import T0, at, events, parts, readings

WEEK = timedelta(days=7)


def test_readings_of_one_company_are_invisible_to_another(two):
    two.append_readings("acme", readings([0, 1, 2]))
    assert two.query_readings("beta", T0 - WEEK, T0 + WEEK).num_rows == 0
    assert two.aggregate_readings("beta", T0 - WEEK, T0 + WEEK, 60).num_rows == 0
    assert two.count_rows("beta", "readings") == 0
    assert two.query_readings("acme", T0 - WEEK, T0 + WEEK).num_rows == 3


def test_the_same_reading_key_is_stored_once_per_company(two):
    assert two.append_readings("acme", readings([0, 1])) == 2
    assert two.append_readings("beta", readings([0, 1])) == 2
    assert two.count_rows("acme", "readings") == two.count_rows("beta", "readings") == 2


def test_part_records_of_one_company_are_invisible_to_another(two):
    two.append_parts("acme", parts([{"t": 0, "part_id": "P1", "params": {"speed": 1}}]))
    assert two.query_parts("beta", T0 - WEEK, T0 + WEEK).num_rows == 0
    assert two.training_frame("beta", T0 - WEEK, T0 + WEEK).empty
    assert two.count_rows("beta", "part_records") == 0


def test_events_of_one_company_are_invisible_to_another(two):
    two.append_events("acme", events([("M1", 0, 60, "running"), ("M1", 60, None, "down")]))
    assert two.query_events("beta", T0 - WEEK, T0 + WEEK).num_rows == 0
    assert two.count_rows("beta", "machine_events") == 0


def test_quarantine_of_one_company_is_invisible_to_another(two):
    two.add_quarantine("acme", [QuarantineItem("csv", "reading", "{}", "bad_time", "bad", "나쁨")])
    item_id = two.list_quarantine("acme")[0]["id"]
    assert two.list_quarantine("beta", status=None) == []
    assert two.count_quarantine("beta", status=None) == 0
    assert two.get_quarantine("beta", item_id) is None


def test_changing_quarantine_status_for_another_company_changes_nothing(two):
    two.add_quarantine("acme", [QuarantineItem("csv", "reading", "{}", "bad_time", "bad", "나쁨")])
    item_id = two.list_quarantine("acme")[0]["id"]
    two.set_quarantine_status("beta", item_id, "dismissed", "mallory")
    assert two.get_quarantine("acme", item_id)["status"] == "open"


def test_users_and_audit_of_one_company_are_invisible_to_another(two):
    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "hash")
    two.add_audit("acme", "kim", "import", "file.csv", "12 rows")
    assert two.list_users("beta") == []
    assert two.list_audit("beta") == []
    assert [u.id for u in two.list_users("acme")] == ["kim"]


def test_machine_and_window_filters_never_widen_the_tenant(two):
    two.append_readings("acme", readings([0], machine="M1"))
    assert two.query_readings("beta", at(-1), at(1), machine_ids=["M1"]).num_rows == 0
