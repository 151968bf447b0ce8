"""Tenant isolation and authentication, checked over every route the OpenAPI schema lists.

A route added later is covered without editing this file; a new kind of path id must be added to `_ids` below.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from sandan.accounts import Principal, create_api_token
from sandan.optimize.service import list_recipes
from tests.api.world import World, assert_error

AUTH_FREE = {("POST", "/api/v1/auth/login"), ("GET", "/api/v1/health")}
_PARAM = re.compile(r"{(\w+)}")


def _operations(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    schema = world.client.get("/openapi.json").json()
    return [
        (method.upper(), path, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _b_ids(world: World) -> dict[str, str]:
    """An existing id in company B for every kind of path parameter."""
    store = world.store
    from sandan.collect import ingest_readings

    receipt = ingest_readings(
        store,
        "bravo",
        [{"time": "2026-01-01T00:00:00Z", "machine_id": "m1", "signal": "temp", "value": "hot"}],
    )
    assert receipt.rejected == 1
    item_id = store.list_quarantine("bravo")[0]["id"]
    job = world.client.app.state.jobs.submit("bravo", "test", lambda progress: {"ok": True})
    from sandan.collect import ingest_parts
    from sandan.optimize.service import save_recipe

    part = {
        "time": "2026-01-01T00:00:00Z",
        "machine_id": "m1",
        "part_id": "b-1",
        "result": "ok",
        "param:temp": 1.0,
    }
    assert ingest_parts(store, "bravo", [part]).accepted == 1

    data_dir = world.client.app.state.settings.data_dir
    recipe = save_recipe(store, data_dir, "bravo", "m1", f"r-{job.id}", {"temp": 1.0}, "b-eng")
    b_eng = Principal(user=store.user_for_login("b-eng")[0])
    _, b_token = create_api_token(store, b_eng, f"bravo gateway {job.id}")
    takeout = data_dir / "takeout" / "bravo" / "bravo-takeout-20260101T000000Z.zip"
    takeout.parent.mkdir(parents=True, exist_ok=True)
    takeout.write_bytes(b"bravo's records")
    return {
        "name": takeout.name,
        "token_id": b_token.token_id,
        "federation_id": "000000000000",  # the operator's routes: a company gets 403 whatever the id
        "agent": "plant-a",
        "recipe_id": recipe["id"],
        "company_id": "bravo",
        "site_id": "s1",
        "line_id": "l1",
        "machine_id": "m1",
        "item_id": str(item_id),
        "job_id": job.id,
        "user_id": "b-eng",
    }


def _ids(world: World, company: str) -> dict[str, str]:
    return {
        "company_id": company,
        "site_id": "s1",
        "line_id": "l1",
        "machine_id": "m1",
        "item_id": "1",
        "job_id": "0000000000000000",
        "federation_id": "000000000000",  # operator routes: no company's
        "recipe_id": "000000000000",
        "token_id": "0000000000000000",
        "agent": "plant-a",
        "name": f"{company}-takeout-20260101T000000Z.zip",
        "user_id": {"acme": "a-eng", "bravo": "b-eng"}.get(company, "nobody"),
    }


def _fill(path: str, ids: dict[str, str]) -> str:
    missing = set(_PARAM.findall(path)) - set(ids)
    assert not missing, f"{path}: add an id of company B for {missing} to the tenancy test"
    return _PARAM.sub(lambda m: ids[m.group(1)], path)


def _call(world: World, method: str, url: str, op: dict[str, Any], headers: dict[str, str]):
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        files = {"file": ("x.csv", io.BytesIO(b"time,machine_id,signal,value\n"), "text/csv")}
        return world.client.request(method, url, headers=headers, files=files)
    if "application/json" in content:
        schema = content["application/json"].get("schema", {})
        body: Any = [] if schema.get("type") == "array" else {}
        return world.client.request(method, url, headers=headers, json=body)
    return world.client.request(method, url, headers=headers)


def _snapshot(world: World) -> dict[str, Any]:
    s = world.store
    return {
        "sites": s.list_sites("bravo"),
        "lines": s.list_lines("bravo"),
        "machines": s.list_machines("bravo"),
        "signals": s.list_signals("bravo"),
        "users": s.list_users("bravo"),
        "quarantine": s.list_quarantine("bravo", None),
        "readings": s.count_rows("bravo", "readings"),
        "parts": s.count_rows("bravo", "part_records"),
        "events": s.count_rows("bravo", "machine_events"),
        "uploads": sorted(p.name for p in (world.client.app.state.settings.data_dir / "uploads").rglob("*")),
        "recipes": list_recipes(world.client.app.state.settings.data_dir, "bravo"),
    }


def _leaks(world: World, user: str, ids: dict[str, str]) -> list[str]:
    scoped = [op for op in _operations(world) if "{company_id}" in op[1]]
    assert len(scoped) >= 25
    leaks = []
    for method, path, op in scoped:
        r = _call(world, method, _fill(path, ids), op, world.auth(user))
        if r.status_code not in (403, 404):
            leaks.append(f"{method} {path} -> {r.status_code} {r.text[:200]}")
        else:
            assert_error(r, r.status_code)
    return leaks


@pytest.mark.parametrize("user", ["a-admin", "a-view"])
def test_no_company_route_lets_company_a_reach_company_b(world, user):
    ids = _b_ids(world)
    before = _snapshot(world)
    leaks = _leaks(world, user, ids)
    assert not leaks, "\n".join(leaks)
    assert _snapshot(world) == before


def test_the_isolation_check_catches_a_route_that_skips_the_tenant_dependency(world):
    app = world.client.app

    @app.get("/api/v1/companies/{company_id}/careless")
    def careless(company_id: str):
        return [m.id for m in app.state.store.list_machines(company_id)]

    app.router.routes.insert(0, app.router.routes.pop())  # ahead of the web shell's catch-all page
    app.openapi_schema = None  # the schema is cached; rebuild it with the new route
    leaks = _leaks(world, "a-eng", _b_ids(world))
    assert leaks == ['GET /api/v1/companies/{company_id}/careless -> 200 ["m1"]']


def test_company_a_sees_only_itself_in_the_company_list(world):
    assert [c["id"] for c in world.get("a-eng", "/api/v1/companies").json()] == ["acme"]
    assert [c["id"] for c in world.get("ops", "/api/v1/companies").json()] == ["acme", "bravo"]


def test_another_companys_job_id_is_not_found(world):
    job = world.client.app.state.jobs.submit("bravo", "test", lambda progress: 1)
    assert_error(world.get("a-admin", f"/api/v1/companies/acme/jobs/{job.id}"), 404, "job_not_found")


def test_every_route_but_login_and_health_needs_a_token(world):
    ops = _operations(world)
    checked = 0
    for method, path, op in ops:
        if (method, path) in AUTH_FREE:
            continue
        r = _call(world, method, _fill(path, _ids(world, "acme")), op, {})
        assert_error(r, 401, "not_authenticated")
        checked += 1
    assert checked == len(ops) - len(AUTH_FREE)
