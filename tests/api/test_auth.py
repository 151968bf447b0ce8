"""Logging in and out, API tokens, and the web session cookie."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.world import PASSWORD, assert_error


def test_login_returns_a_session_token_that_authenticates(world):
    r = world.client.post("/api/v1/auth/login", json={"user_id": "a-eng", "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"] == {
        "id": "a-eng",
        "name": "a-eng",
        "role": "engineer",
        "company_id": "acme",
        "lang": "ko",
        "created_at": body["user"]["created_at"],
        "active": True,
        "must_change_password": False,
    }
    me = world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["id"] == "a-eng"


def test_login_with_a_wrong_password_is_401_in_both_languages(world):
    r = world.client.post("/api/v1/auth/login", json={"user_id": "a-eng", "password": "wrong-password"})
    err = assert_error(r, 401, "bad_credentials")
    assert "비밀번호" in err["message"]["ko"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_failed_login_is_in_the_audit_log(world):
    world.client.post("/api/v1/auth/login", json={"user_id": "a-eng", "password": "wrong-password"})
    actions = [a["action"] for a in world.get("a-admin", "/api/v1/companies/acme/audit").json()]
    assert "login.failed" in actions


def test_repeated_failed_sign_ins_stop_further_tries_for_that_user_even_with_the_right_password(world):
    """Five wrong passwords for a-eng: the sixth try is refused (429) though its password is right, so guessing
    learns nothing; another user signs in as usual. A failed attempt is recorded without blaming the account
    holder, with the address it came from."""
    from sandan.accounts import FAILED_PER_USER

    for _ in range(FAILED_PER_USER):
        r = world.client.post("/api/v1/auth/login", json={"user_id": "a-eng", "password": "wrong-password"})
        assert_error(r, 401, "bad_credentials")
    r = world.client.post("/api/v1/auth/login", json={"user_id": "a-eng", "password": PASSWORD})
    err = assert_error(r, 429, "too_many_attempts")
    assert "15 min" in err["message"]["en"] and "15분 뒤" in err["message"]["ko"]
    assert (
        world.client.post("/api/v1/auth/login", json={"user_id": "a-admin", "password": PASSWORD}).status_code
        == 200
    )
    entries = world.get("a-admin", "/api/v1/companies/acme/audit", params={"show": "sign_ins"}).json()
    failed = [e for e in entries if e["action"] == "login.failed"]
    assert len(failed) == FAILED_PER_USER
    assert all(e["user_id"] is None and e["detail"].startswith("from ") for e in failed), failed[0]


def test_wrong_passwords_from_one_computer_do_not_lock_the_account_everywhere(world):
    """Five wrong passwords for the operator from one address locked it for everyone, the operator too, for a
    quarter of an hour (five requests every 15 minutes kept it locked): that address is stopped, others are not,
    until the guesses come from many addresses."""
    from sandan.accounts import FAILED_PER_USER, FAILED_PER_USER_ANYWHERE, authenticate
    from sandan.domain import NotAuthenticated, TooManyAttempts

    for _ in range(FAILED_PER_USER):
        with pytest.raises(NotAuthenticated):
            authenticate(world.store, "a-view", "wrong-password", address="203.0.113.7")
    with pytest.raises(TooManyAttempts):
        authenticate(world.store, "a-view", PASSWORD, address="203.0.113.7")
    assert authenticate(world.store, "a-view", PASSWORD, address="10.1.2.3").id == "a-view"
    # guesses spread over many addresses still stop at the limit for the id
    for k in range(FAILED_PER_USER_ANYWHERE - FAILED_PER_USER):
        with pytest.raises(NotAuthenticated):
            authenticate(world.store, "a-view", "wrong-password", address=f"198.51.100.{k}")
    with pytest.raises(TooManyAttempts):
        authenticate(world.store, "a-view", PASSWORD, address="10.1.2.4")


def test_a_password_a_guesser_tries_first_is_refused(world):
    for weak in ("11111111", "12345678", "abcdefgh", "Password1", "qwer1234"):
        r = world.post(
            "a-admin",
            "/api/v1/companies/acme/users",
            json={"user_id": "new-one", "password": weak, "role": "viewer"},
        )
        err = assert_error(r, 422, "weak_password")
        assert "12345678" in err["message"]["en"] and "흔한 비밀번호" in err["message"]["ko"], weak


def test_the_audit_log_leaves_out_successful_sign_ins_when_asked_for_changes(world):
    world.post("a-eng", "/api/v1/auth/tokens", json={"name": "gateway"})
    for _ in range(3):
        world.client.post("/api/v1/auth/login", json={"user_id": "a-eng", "password": PASSWORD})
    world.client.post("/api/v1/auth/login", json={"user_id": "a-eng", "password": "wrong-password"})
    base = "/api/v1/companies/acme/audit"

    def actions(**params) -> list[str]:
        r = world.get("a-admin", base, params=params)
        assert r.status_code == 200, r.text
        return [a["action"] for a in r.json()]

    assert actions(limit=3) == ["login.failed", "login.ok", "login.ok"]  # everything, as before, by default
    assert actions(show="changes", limit=2) == ["login.failed", "token.create"]  # the failed one kept
    assert set(actions(show="sign_ins")) == {"login.ok", "login.failed"}
    assert_error(world.get("a-admin", base, params={"show": "logins"}), 422)


def test_the_operator_reads_the_platform_log_that_no_company_sees(world):
    """Sign-ins with an id no one has, and the operator's own, belong to no company: they are in the platform's log,
    which only the operator reads, and in no company's."""
    world.client.post("/api/v1/auth/login", json={"user_id": "guess-who", "password": "wrong-password"})
    world.client.post("/api/v1/auth/login", json={"user_id": "ops", "password": PASSWORD})
    entries = world.get("ops", "/api/v1/audit").json()
    tried = [e for e in entries if e["target"] == "guess-who"]
    assert [e["action"] for e in tried] == ["login.failed"] and tried[0]["user_id"] is None
    assert [e["action"] for e in world.get("ops", "/api/v1/audit", params={"show": "changes"}).json()][
        :1
    ] == ["login.failed"]  # the operator's successful sign-in left out of the changes
    assert any(
        e["target"] == "ops" for e in world.get("ops", "/api/v1/audit", params={"show": "sign_ins"}).json()
    )
    assert all(
        e["target"] != "guess-who" for e in world.get("a-admin", "/api/v1/companies/acme/audit").json()
    )
    assert_error(world.get("a-admin", "/api/v1/audit"), 403)


def test_logout_revokes_the_token(world):
    headers = world.auth("a-eng")
    assert world.client.post("/api/v1/auth/logout", headers=headers).json() == {"ok": True}
    assert_error(world.client.get("/api/v1/me", headers=headers), 401, "not_authenticated")


def test_api_token_is_shown_once_and_acts_as_its_creator(world):
    r = world.post("a-eng", "/api/v1/auth/tokens", json={"name": "gateway", "days": 30})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert token.startswith("sdn_") and r.json()["expires_at"]
    me = world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == "a-eng"
    actions = [a["action"] for a in world.get("a-admin", "/api/v1/companies/acme/audit").json()]
    assert "token.create" in actions
    # a token does not make tokens: a leaked one made a child that outlived the leaked one's revocation
    child = world.client.post(
        "/api/v1/auth/tokens", json={"name": "child"}, headers={"Authorization": f"Bearer {token}"}
    )
    err = assert_error(child, 403, "token_from_token")
    assert (
        "sign in with your password" in err["message"]["en"] and "비밀번호로 로그인" in err["message"]["ko"]
    )


def test_api_tokens_are_listed_without_their_secret_and_revoked_by_id(world):
    made = world.post("a-eng", "/api/v1/auth/tokens", json={"name": "line 2 gateway"}).json()
    world.post("a-eng", "/api/v1/auth/tokens", json={"name": "report script", "days": 7})
    world.post("a-view", "/api/v1/auth/tokens", json={"name": "viewer's own"})
    listed = world.get("a-eng", "/api/v1/auth/tokens")
    assert [(t["name"], t["expires_at"] is None) for t in listed.json()] == [
        ("report script", False),
        ("line 2 gateway", True),
    ]  # newest first, only the caller's
    assert made["token"] not in listed.text and set(listed.json()[0]) == {
        "id",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
    }
    assert [t["last_used_at"] for t in listed.json()] == [None, None]
    gateway = {"Authorization": f"Bearer {made['token']}"}
    before = datetime.now(UTC)
    assert world.client.get("/api/v1/me", headers=gateway).status_code == 200
    # its use shows in the list (kept to a few minutes: a second use soon after writes nothing)
    used = {t["name"]: t["last_used_at"] for t in world.get("a-eng", "/api/v1/auth/tokens").json()}
    assert used["report script"] is None
    first_use = datetime.fromisoformat(used["line 2 gateway"])
    assert before <= first_use <= datetime.now(UTC)
    assert world.client.get("/api/v1/me", headers=gateway).status_code == 200
    again = {t["name"]: t["last_used_at"] for t in world.get("a-eng", "/api/v1/auth/tokens").json()}
    assert datetime.fromisoformat(again["line 2 gateway"]) == first_use
    # another user's token is not found for them; its owner revokes it, and the gateway is refused
    assert_error(world.client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=world.auth("a-view")), 404)
    r = world.client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=world.auth("a-eng"))
    assert r.status_code == 200, r.text
    assert_error(world.client.get("/api/v1/me", headers=gateway), 401)
    assert [t["name"] for t in world.get("a-eng", "/api/v1/auth/tokens").json()] == ["report script"]
    assert_error(world.client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=world.auth("a-eng")), 404)
    audit = world.get("a-admin", "/api/v1/companies/acme/audit").json()
    assert ("token.revoke", made["id"], "line 2 gateway") in [
        (a["action"], a["target"], a["detail"]) for a in audit
    ]


def test_an_api_token_needs_a_name(world):
    err = assert_error(world.post("a-eng", "/api/v1/auth/tokens", json={"name": "  "}), 422, "bad_token_name")
    assert "gateway" in err["message"]["en"]


def test_garbage_token_is_401(world):
    r = world.client.get("/api/v1/me", headers={"Authorization": "Bearer sdn_nope"})
    assert_error(r, 401, "not_authenticated")


def test_session_cookie_authenticates_reads_and_same_site_writes(world):
    token = world.auth("a-eng")["Authorization"].removeprefix("Bearer ")
    world.client.cookies.set("sandan_session", token)
    assert world.client.get("/api/v1/me").json()["id"] == "a-eng"
    same = world.client.put(
        "/api/v1/companies/acme/sites/s2", json={"name": "Plant 2"}, headers={"Origin": "http://testserver"}
    )
    assert same.status_code == 200, same.text


def test_session_cookie_is_refused_for_a_cross_site_write(world):
    token = world.auth("a-eng")["Authorization"].removeprefix("Bearer ")
    world.client.cookies.set("sandan_session", token)
    r = world.client.put(
        "/api/v1/companies/acme/sites/s2",
        json={"name": "Plant 2"},
        headers={"Origin": "https://evil.example"},
    )
    assert_error(r, 403, "cross_site")
    assert [s["id"] for s in world.get("a-eng", "/api/v1/companies/acme/sites").json()] == ["s1"]


def test_the_web_sign_in_and_sign_out_refuse_a_form_sent_from_another_site(world):
    # a foreign page could sign a visitor in to the sender's own account (the visitor's imports then went to the
    # sender's company) or sign them out
    form = {"user_id": "a-eng", "password": PASSWORD}
    foreign = {"Origin": "https://evil.example"}
    r = world.client.post("/login", data=form, headers=foreign, follow_redirects=False)
    assert r.status_code == 403 and "sandan_session" not in r.cookies
    r = world.client.post(
        "/login", data=form, headers={"Origin": "http://testserver"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.cookies.get("sandan_session")
    world.client.cookies.set("sandan_session", r.cookies["sandan_session"])
    assert world.client.post("/logout", headers=foreign, follow_redirects=False).status_code == 403
    assert world.client.get("/api/v1/me").status_code == 200


def test_logout_with_the_cookie_clears_it(world):
    token = world.auth("a-eng")["Authorization"].removeprefix("Bearer ")
    world.client.cookies.set("sandan_session", token)
    r = world.client.post("/api/v1/auth/logout", headers={"Origin": "http://testserver"})
    assert r.status_code == 200
    assert "sandan_session" in r.headers.get("set-cookie", "")
    assert_error(world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_health_needs_no_login(world):
    assert world.client.get("/api/v1/health").json()["status"] == "ok"


def test_a_user_changes_their_own_password_after_proving_the_current_one(world):
    path = "/api/v1/auth/password"
    other = world.client.post("/api/v1/auth/login", json={"user_id": "a-view", "password": PASSWORD}).json()
    err = assert_error(world.post("a-view", path, json={"current": "wrong-one", "new": "a-new-secret"}), 422)
    assert err["code"] == "bad_password" and "현재 비밀번호" in err["message"]["ko"]
    # a wrong current password is a refused change, not a failed login
    assert "login.failed" not in [
        a["action"] for a in world.store.list_audit("acme") if a["target"] == "a-view"
    ]
    assert_error(world.post("a-view", path, json={"current": PASSWORD, "new": "short"}), 422, "weak_password")
    spaces = assert_error(
        world.post("a-view", path, json={"current": PASSWORD, "new": " " * 12}), 422, "weak_password"
    )
    assert "spaces" in spaces["message"]["en"] and "공백" in spaces["message"]["ko"]
    assert_error(
        world.post("a-view", path, json={"current": PASSWORD, "new": PASSWORD}), 422, "same_password"
    )
    assert world.post("a-view", path, json={"current": PASSWORD, "new": "a-new-secret"}).status_code == 200
    login = world.client.post("/api/v1/auth/login", json={"user_id": "a-view", "password": PASSWORD})
    assert_error(login, 401, "bad_credentials")
    login = world.client.post("/api/v1/auth/login", json={"user_id": "a-view", "password": "a-new-secret"})
    assert login.status_code == 200
    audit = [a["action"] for a in world.store.list_audit("acme") if a["target"] == "a-view"]
    assert "user.password" in audit and "user.password_refused" in audit
    # the session that changed it goes on; every other session of the user ends
    assert world.get("a-view", "/api/v1/me").status_code == 200
    me = world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {other['token']}"})
    assert me.status_code == 401
    assert world.client.post(path, json={"current": "x", "new": "yyyyyyyyy"}).status_code == 401  # no session


def test_an_account_an_admin_made_chooses_its_own_password_before_anything_else(world):
    """The admin knows the first password: until its user has chosen another, only that change (and reading who
    one is, and signing out) is allowed."""
    new = {"user_id": "new-eng", "password": "first-given-1", "role": "engineer"}
    assert world.post("a-admin", "/api/v1/companies/acme/users", json=new).status_code == 201
    login = world.client.post("/api/v1/auth/login", json={"user_id": "new-eng", "password": "first-given-1"})
    assert login.status_code == 200 and login.json()["user"]["must_change_password"] is True
    me = {"Authorization": f"Bearer {login.json()['token']}"}
    err = assert_error(
        world.client.get("/api/v1/companies/acme/machines", headers=me), 403, "password_change_required"
    )
    assert "/api/v1/auth/password" in err["message"]["en"] and "비밀번호" in err["message"]["ko"]
    token = world.client.post("/api/v1/auth/tokens", json={"name": "gateway"}, headers=me)
    assert_error(token, 403, "password_change_required")  # no API token that outlives the given password
    assert world.client.get("/api/v1/me", headers=me).json()["must_change_password"] is True
    changed = world.client.post(
        "/api/v1/auth/password", json={"current": "first-given-1", "new": "chosen-by-me-7"}, headers=me
    )
    assert changed.status_code == 200, changed.text
    assert world.client.get("/api/v1/companies/acme/machines", headers=me).status_code == 200
    assert world.client.get("/api/v1/me", headers=me).json()["must_change_password"] is False
    # accounts the server made for itself (the seed here, the demo's, `sandan init`'s operator) are their own
    assert world.get("a-eng", "/api/v1/companies/acme/machines").status_code == 200


def test_a_company_admin_gives_a_forgotten_password_a_new_one(world):
    path = "/api/v1/companies/acme/users/a-eng/password"
    assert_error(world.put("a-eng", path, json={"password": "by-myself-123"}), 403)
    session = world.auth("a-eng")
    assert world.put("a-admin", path, json={"password": "given-by-admin"}).status_code == 200
    assert world.client.get("/api/v1/me", headers=session).status_code == 401  # the user's sessions ended
    login = world.client.post("/api/v1/auth/login", json={"user_id": "a-eng", "password": "given-by-admin"})
    assert (
        login.status_code == 200 and login.json()["user"]["must_change_password"] is True
    )  # the admin knows it
    # another company's user is not found from here, and bravo's engineer cannot reach acme
    assert_error(
        world.put("a-admin", "/api/v1/companies/acme/users/b-eng/password", json={"password": "xxxxxxxxxx"}),
        404,
    )
    assert_error(world.put("b-eng", path, json={"password": "xxxxxxxxxx"}), 404)
    # a company admin's password only the operator resets: another admin would take over a peer's account
    from sandan.domain import Role, User
    from tests.api.world import password_hash

    world.store.add_user(User(id="a-admin2", role=Role.company_admin, company_id="acme"), password_hash())
    peer = "/api/v1/companies/acme/users/a-admin2/password"
    assert_error(world.put("a-admin", peer, json={"password": "taken-over-1"}), 403)
    # nor an admin their own: an unattended session must not hand over the account (the account page asks for
    # the current password)
    own = assert_error(
        world.put(
            "a-admin", "/api/v1/companies/acme/users/a-admin/password", json={"password": "taken-over-2"}
        ),
        403,
        "own_password",
    )
    assert "/account" in own["message"]["en"]
    admin_path = "/api/v1/companies/acme/users/a-admin/password"
    assert world.put("ops", admin_path, json={"password": "operator-set-1"}).status_code == 200
    resets = [a["target"] for a in world.store.list_audit("acme") if a["action"] == "user.password_reset"]
    assert sorted(resets) == ["a-admin", "a-eng"]


def test_wrong_passwords_sent_in_parallel_still_stop_at_the_limit(world):
    """Twelve wrong passwords for one user at once: only the limit's worth are checked, the rest are refused as
    too many, though none had failed yet when they all began."""
    from concurrent.futures import ThreadPoolExecutor

    from sandan.accounts import FAILED_PER_USER, authenticate
    from sandan.domain import NotAuthenticated, TooManyAttempts

    def attempt(_: int) -> str:
        try:
            authenticate(world.store, "a-view", "wrong-password", address="10.0.0.9")
        except NotAuthenticated:
            return "wrong"
        except TooManyAttempts:
            return "throttled"
        return "signed in"

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(attempt, range(12)))
    assert answers.count("wrong") == FAILED_PER_USER and answers.count("throttled") == 12 - FAILED_PER_USER
    # a right password is not counted against the user
    for _ in range(FAILED_PER_USER + 1):
        assert authenticate(world.store, "a-eng", PASSWORD, address="10.0.0.10").id == "a-eng"
