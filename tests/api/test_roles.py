"""What each role may do through the API: viewers read, engineers write data, admins manage users, the operator all."""

from __future__ import annotations

from tests.api.world import PASSWORD, assert_error

MACHINE = {"line_id": "l1", "name": "Press 2", "family": "press"}


def test_viewer_reads_but_cannot_write(world):
    assert world.get("a-view", "/api/v1/companies/acme/machines").status_code == 200
    err = assert_error(
        world.put("a-view", "/api/v1/companies/acme/machines/m2", json=MACHINE), 403, "forbidden"
    )
    assert "viewer" in err["message"]["en"] and "조회자" in err["message"]["ko"]
    reading = [{"time": "2026-01-01T00:00:00Z", "machine_id": "m1", "signal": "temp", "value": 20}]
    assert_error(world.post("a-view", "/api/v1/companies/acme/ingest/readings", json=reading), 403)
    assert world.store.count_rows("acme", "readings") == 0


def test_engineer_writes_data_but_cannot_create_users(world):
    assert world.put("a-eng", "/api/v1/companies/acme/machines/m2", json=MACHINE).status_code == 200
    new = {"user_id": "kim", "password": PASSWORD, "role": "viewer"}
    assert_error(world.post("a-eng", "/api/v1/companies/acme/users", json=new), 403, "forbidden")
    assert_error(world.get("a-eng", "/api/v1/companies/acme/users"), 403)
    assert_error(world.get("a-eng", "/api/v1/companies/acme/audit"), 403)
    assert world.store.user_for_login("kim") is None


def test_company_admin_creates_a_user_who_can_log_in(world):
    new = {"user_id": "kim", "password": "kim-password-1", "role": "engineer", "name": "김철수"}
    r = world.post("a-admin", "/api/v1/companies/acme/users", json=new)
    assert r.status_code == 201, r.text
    assert r.json()["company_id"] == "acme" and r.json()["role"] == "engineer"
    assert r.json()["created_at"] is not None  # as the listing shows it
    assert [u["id"] for u in world.get("a-admin", "/api/v1/companies/acme/users").json()] == [
        "a-admin",
        "a-eng",
        "a-view",
        "kim",
    ]
    login = world.client.post("/api/v1/auth/login", json={"user_id": "kim", "password": "kim-password-1"})
    assert login.status_code == 200
    assert any(
        a["action"] == "user.create" for a in world.get("a-admin", "/api/v1/companies/acme/audit").json()
    )


def test_company_admin_cannot_create_an_operator(world):
    new = {"user_id": "boss", "password": PASSWORD, "role": "operator"}
    assert_error(world.post("a-admin", "/api/v1/companies/acme/users", json=new), 403)


def test_weak_password_is_refused_with_the_rule(world):
    new = {"user_id": "kim", "password": "short", "role": "viewer"}
    err = assert_error(world.post("a-admin", "/api/v1/companies/acme/users", json=new), 422, "weak_password")
    assert "8" in err["message"]["en"] and "8자" in err["message"]["ko"]


def test_only_the_operator_registers_companies(world):
    company = {"id": "charlie", "name": "Charlie CNC", "family": "cnc"}
    assert_error(world.post("a-admin", "/api/v1/companies", json=company), 403)
    r = world.post("ops", "/api/v1/companies", json=company)
    assert r.status_code == 201, r.text
    assert_error(world.post("ops", "/api/v1/companies", json=company), 409, "conflict")
    # one that differs only in capital letters: its folders are the first's on a case-insensitive disk
    err = assert_error(
        world.post("ops", "/api/v1/companies", json={**company, "id": "Charlie"}), 409, "conflict"
    )
    assert "only in capital letters" in err["message"]["en"] and "대소문자만" in err["message"]["ko"]


def test_only_the_operator_lists_every_account_of_the_platform(world):
    listed = world.get("ops", "/api/v1/users")
    assert listed.status_code == 200, listed.text
    assert [(u["company_id"], u["id"]) for u in listed.json()] == [
        (None, "ops"),
        ("acme", "a-admin"),
        ("acme", "a-eng"),
        ("acme", "a-view"),
        ("bravo", "b-eng"),
    ]
    assert all("password_hash" not in u and "$argon2" not in str(u) for u in listed.json())
    assert_error(world.get("a-admin", "/api/v1/users"), 403)


def test_operator_acts_in_any_company(world):
    assert world.put("ops", "/api/v1/companies/bravo/machines/m9", json=MACHINE).status_code == 200
    new = {"user_id": "lee", "password": PASSWORD, "role": "company_admin"}
    assert world.post("ops", "/api/v1/companies/bravo/users", json=new).status_code == 201
    assert world.get("ops", "/api/v1/companies/bravo/audit").status_code == 200
    assert world.get("ops", "/api/v1/companies/acme").json()["name"] == "Acme Forging"


def test_operator_gets_404_for_a_company_that_does_not_exist(world):
    assert_error(world.get("ops", "/api/v1/companies/nowhere/machines"), 404, "not_found")


def test_a_company_admin_changes_roles_within_the_rules(world):
    path = "/api/v1/companies/acme/users/{}/role"
    # an engineer who only looks: now a viewer, who can no longer write, and the audit log says so
    r = world.put("a-admin", path.format("a-eng"), json={"role": "viewer"})
    assert r.status_code == 200 and r.json()["role"] == "viewer"
    assert_error(world.put("a-eng", "/api/v1/companies/acme/machines/m2", json=MACHINE), 403)
    audit = world.get("a-admin", "/api/v1/companies/acme/audit").json()[0]
    assert (audit["action"], audit["target"], audit["detail"]) == ("user.role", "a-eng", "engineer → viewer")
    # nobody is made operator here, nor changes their own role, nor reaches another company's user
    err = assert_error(
        world.put("a-admin", path.format("a-view"), json={"role": "operator"}), 422, "bad_role"
    )
    assert "not 'operator'" in err["message"]["en"] and "<Role" not in err["message"]["ko"]
    assert_error(world.put("a-admin", path.format("a-admin"), json={"role": "viewer"}), 403, "own_role")
    assert_error(world.put("a-admin", path.format("b-eng"), json={"role": "viewer"}), 404, "unknown_user")
    assert_error(world.put("a-eng", path.format("a-view"), json={"role": "engineer"}), 403)
    # the one admin stays one: the operator is refused too, until another user is admin
    assert_error(world.put("ops", path.format("a-admin"), json={"role": "engineer"}), 409, "last_admin")
    assert world.put("a-admin", path.format("a-view"), json={"role": "company_admin"}).status_code == 200
    # another admin's role is the operator's to change
    assert_error(world.put("a-view", path.format("a-admin"), json={"role": "engineer"}), 403)
    assert world.put("ops", path.format("a-admin"), json={"role": "engineer"}).json()["role"] == "engineer"
    roles = {u["id"]: u["role"] for u in world.get("a-view", "/api/v1/companies/acme/users").json()}
    assert roles == {"a-admin": "engineer", "a-eng": "viewer", "a-view": "company_admin"}


def test_a_stopped_account_cannot_sign_in_and_its_sessions_end(world):
    path = "/api/v1/companies/acme/users/{}/active"
    assert world.get("a-eng", "/api/v1/companies/acme/machines").status_code == 200  # a session is open
    r = world.put("a-admin", path.format("a-eng"), json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    # the open session ends, and signing in again says why to whoever knows the password, and only to them
    assert_error(world.get("a-eng", "/api/v1/companies/acme/machines"), 401)
    login = {"user_id": "a-eng", "password": PASSWORD}
    err = assert_error(world.client.post("/api/v1/auth/login", json=login), 401, "user_inactive")
    assert "admin" in err["message"]["en"] and "관리자" in err["message"]["ko"]
    wrong = {"user_id": "a-eng", "password": "not-the-password"}
    assert_error(world.client.post("/api/v1/auth/login", json=wrong), 401, "bad_credentials")
    users = {u["id"]: u["active"] for u in world.get("a-admin", "/api/v1/companies/acme/users").json()}
    assert users == {"a-admin": True, "a-eng": False, "a-view": True}
    audit = [(a["action"], a["target"]) for a in world.get("a-admin", "/api/v1/companies/acme/audit").json()]
    assert ("user.stop", "a-eng") in audit
    # restored: signs in again
    assert world.put("a-admin", path.format("a-eng"), json={"active": True}).json()["active"] is True
    assert world.client.post("/api/v1/auth/login", json=login).status_code == 200
    assert ("user.activate", "a-eng") in [
        (a["action"], a["target"]) for a in world.get("a-admin", "/api/v1/companies/acme/audit").json()
    ]


def test_stopping_accounts_follows_the_role_change_rules(world):
    path = "/api/v1/companies/acme/users/{}/active"
    stop = {"active": False}
    assert_error(world.put("a-admin", path.format("a-admin"), json=stop), 403, "own_account")
    assert_error(world.put("a-admin", path.format("b-eng"), json=stop), 404, "unknown_user")
    assert_error(world.put("a-eng", path.format("a-view"), json=stop), 403)
    assert_error(world.put("ops", path.format("a-admin"), json=stop), 409, "last_admin")
    # with a second admin, another admin's account is the operator's to stop
    promote = world.put("a-admin", "/api/v1/companies/acme/users/a-view/role", json={"role": "company_admin"})
    assert promote.status_code == 200
    assert_error(world.put("a-view", path.format("a-admin"), json=stop), 403)
    assert world.put("ops", path.format("a-admin"), json=stop).json()["active"] is False
    # a stopped admin does not count: the one active admin keeps the role
    err = assert_error(
        world.put("ops", "/api/v1/companies/acme/users/a-view/role", json={"role": "engineer"}),
        409,
        "last_admin",
    )
    assert "a-view" in err["message"]["en"]
    assert_error(world.get("a-admin", "/api/v1/companies/acme/users"), 401)  # its session ended
