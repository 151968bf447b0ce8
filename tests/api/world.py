"""A small complex for API tests: two companies with assets and users, the real app on a real store.

Users are stored with one password hash computed once, since Argon2 takes a quarter second per hash here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from sandan.accounts import hash_password, issue_token
from sandan.api import create_app
from sandan.domain import Company, Line, Machine, Role, Signal, Site, User
from sandan.settings import Settings
from sandan.store import Store

PASSWORD = "correct horse 1"
_HASH: list[str] = []

# user id -> (role, company)
USERS = {
    "ops": (Role.operator, None),
    "a-admin": (Role.company_admin, "acme"),
    "a-eng": (Role.engineer, "acme"),
    "a-view": (Role.viewer, "acme"),
    "b-eng": (Role.engineer, "bravo"),
}


def password_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def seed(store: Store) -> None:
    for cid, name in (("acme", "Acme Forging"), ("bravo", "Bravo Moulding")):
        store.upsert_company(Company(id=cid, name=name, family="forging"))
        store.upsert_site(cid, Site(id="s1", company_id=cid, name="Plant 1"))
        store.upsert_line(cid, Line(id="l1", company_id=cid, site_id="s1", name="Line 1"))
        store.upsert_machine(cid, Machine(id="m1", company_id=cid, line_id="l1", name="Press 1"))
        store.upsert_signals(
            cid,
            [Signal(company_id=cid, machine_id="m1", name="temp", unit="degC", min_value=0, max_value=500)],
        )
    for uid, (role, cid) in USERS.items():
        store.add_user(User(id=uid, role=role, company_id=cid, name=uid), password_hash())


@dataclass
class World:
    client: TestClient
    store: Store
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            found = self.store.user_for_login(user)
            assert found, user
            self.tokens[user] = issue_token(self.store, found[0], kind="session", ttl=timedelta(hours=1))
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, user: str | None, path: str, **kw: Any):
        return self.client.get(path, headers=self.auth(user) if user else {}, **kw)

    def post(self, user: str | None, path: str, **kw: Any):
        return self.client.post(path, headers=self.auth(user) if user else {}, **kw)

    def put(self, user: str | None, path: str, **kw: Any):
        return self.client.put(path, headers=self.auth(user) if user else {}, **kw)


def make_world(store: Store, tmp_path, *, seeded: bool = False) -> World:
    if not seeded:
        seed(store)
    app = create_app(Settings(data_dir=tmp_path / "data"), store=store)
    return World(TestClient(app), store)


def now_minus(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def assert_error(response, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape: a stable code and a message in English and Korean."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) == {"code", "message", "where"}
    assert err["message"]["en"] and err["message"]["ko"]
    assert err["message"]["en"] != err["message"]["ko"]
    if code is not None:
        assert err["code"] == code, err
    return err
