"""Contract: users, hashed tokens and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandan.domain import Conflict, Role, User


def test_a_user_is_found_for_login_with_its_hash(two):
    two.add_user(
        User(id="kim", name="김철수", role=Role.engineer, company_id="acme", lang="ko"), "argon-hash"
    )
    user, password_hash = two.user_for_login("kim")
    assert (user.name, user.role, user.company_id, password_hash) == (
        "김철수",
        Role.engineer,
        "acme",
        "argon-hash",
    )
    assert user.created_at.tzinfo is not None


def test_an_unknown_user_is_none(two):
    assert two.user_for_login("nobody") is None


def test_a_duplicate_user_id_is_a_conflict(two):
    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "h1")
    with pytest.raises(Conflict):
        two.add_user(User(id="kim", role=Role.viewer, company_id="beta"), "h2")
    assert two.user_for_login("kim")[1] == "h1"


def test_a_password_hash_is_replaced(two):
    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "old")
    two.set_password_hash("kim", "new")
    assert two.user_for_login("kim")[1] == "new"


def test_a_role_is_replaced(two):
    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "h")
    two.set_user_role("beta", "kim", Role.viewer)  # another company's: nothing changes
    assert two.user_for_login("kim")[0].role is Role.engineer
    two.set_user_role("acme", "kim", Role.viewer)
    assert two.user_for_login("kim")[0].role is Role.viewer
    assert [u.role for u in two.list_users("acme")] == [Role.viewer]


def test_an_account_is_stopped_and_restored(two):
    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "h")
    two.add_user(User(id="lee", role=Role.engineer, company_id="acme"), "h")
    assert two.user_for_login("kim")[0].active
    two.set_user_active("beta", "kim", False)  # another company's: nothing changes
    assert two.user_for_login("kim")[0].active
    two.set_user_active("acme", "kim", False)
    assert [(u.id, u.active) for u in two.list_users("acme")] == [("kim", False), ("lee", True)]
    assert two.user_for_login("kim") == (two.list_users("acme")[0], "h")
    two.set_user_active("acme", "kim", True)
    assert two.user_for_login("kim")[0].active


def test_operators_belong_to_no_company_and_are_listed_apart(two):
    two.add_user(User(id="ops", role=Role.operator), "h")
    two.add_user(User(id="lee", role=Role.company_admin, company_id="acme"), "h")
    two.add_user(User(id="ahn", role=Role.viewer, company_id="beta"), "h")
    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "h")
    assert [u.id for u in two.cross_tenant_users("operator")] == ["ops"]
    assert [u.id for u in two.list_users("acme")] == ["kim", "lee"]
    # the operator's list of every account: operators first, then by company and id
    assert [(u.company_id, u.id) for u in two.cross_tenant_users()] == [
        (None, "ops"),
        ("acme", "kim"),
        ("acme", "lee"),
        ("beta", "ahn"),
    ]


def test_a_token_is_found_by_its_hash_until_revoked(two):
    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "h")
    expires = datetime(2027, 1, 1, 9, 30, tzinfo=UTC)
    two.add_token("t1", "kim", "sha-abc", "api", "plc gateway", expires)
    record = two.token_for_hash("sha-abc")
    assert (record.token_id, record.user_id, record.kind, record.name) == ("t1", "kim", "api", "plc gateway")
    assert record.expires_at == expires and record.revoked is False and record.last_used_at is None
    used = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    two.touch_token("t1", used)
    assert two.token_for_hash("sha-abc").last_used_at == used
    assert two.list_tokens("kim")[0].last_used_at == used
    two.revoke_token("t1")
    assert two.token_for_hash("sha-abc").revoked is True
    assert two.token_for_hash("sha-other") is None


def test_all_of_a_users_tokens_but_one_are_revoked_together(two):
    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "h")
    two.add_user(User(id="lee", role=Role.engineer, company_id="acme"), "h")
    for token_id, user in (("k1", "kim"), ("k2", "kim"), ("k3", "kim"), ("l1", "lee")):
        two.add_token(token_id, user, f"sha-{token_id}", "session", "", None)
    two.revoke_user_tokens("kim", keep="k2")
    assert [two.token_for_hash(f"sha-{t}").revoked for t in ("k1", "k2", "k3", "l1")] == [
        True,
        False,
        True,
        False,
    ]
    two.revoke_user_tokens("kim")
    assert two.token_for_hash("sha-k2").revoked is True and two.token_for_hash("sha-l1").revoked is False


def test_a_token_without_expiry_has_none(two):
    two.add_token("t1", "kim", "sha-abc", "session", "", None)
    assert two.token_for_hash("sha-abc").expires_at is None


def test_audit_entries_are_listed_newest_first_and_limited(two):
    for n in range(5):
        two.add_audit("acme", "kim", "import", f"file{n}.csv", f"{n} rows")
    two.add_audit(None, None, "login.failed", "ghost", "")
    entries = two.list_audit("acme", limit=3)
    assert [e["target"] for e in entries] == ["file4.csv", "file3.csv", "file2.csv"]
    assert entries[0]["user_id"] == "kim" and entries[0]["time"] <= datetime.now(UTC) + timedelta(seconds=5)


def test_audit_entries_are_chosen_by_action_in_the_query_so_the_limit_counts_what_is_kept(two):
    two.add_audit("acme", "kim", "machine.put", "M1", "")
    for _ in range(4):  # sign-ins after the change push it past a limit of 3 unless the query leaves them out
        two.add_audit("acme", "kim", "login.ok", "kim", "")
    two.add_audit("acme", None, "login.failed", "kim", "")
    two.add_audit("beta", "lee", "machine.put", "M9", "")
    kept = two.list_audit("acme", limit=3, leave_out=["login.ok"])
    assert [e["action"] for e in kept] == ["login.failed", "machine.put"]
    only = two.list_audit("acme", limit=3, only=["login.ok", "login.failed"])
    assert [e["action"] for e in only] == ["login.failed", "login.ok", "login.ok"]
    assert two.list_audit("acme", only=[]) == []
    assert len(two.list_audit("acme")) == 6  # nothing chosen: everything, as the takeout reads it


def test_the_platforms_own_audit_entries_are_those_of_no_company(two):
    two.add_audit("acme", "kim", "machine.put", "M1", "")
    two.add_audit(None, None, "login.failed", "ghost", "from 10.0.0.9")
    two.add_audit(None, "root", "company.erase", "gone-co", "")
    assert [e["target"] for e in two.list_audit(None)] == ["gone-co", "ghost"]
    assert [e["target"] for e in two.list_audit(None, only=["login.failed"])] == ["ghost"]
    assert [e["target"] for e in two.list_audit("acme")] == ["M1"]


def test_a_user_id_differing_only_in_capital_letters_is_a_conflict(two):
    # "HVIEW" beside "hview" was a second account, and "Hview" signed in as neither
    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "h1")
    with pytest.raises(Conflict, match="only in capital letters"):
        two.add_user(User(id="KIM", role=Role.viewer, company_id="beta"), "h2")
    assert two.user_for_login("KIM") is None
