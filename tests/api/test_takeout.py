"""A company admin takes the company's data out through the API: a job with progress, a file to download, an audit
entry; nobody else can start, follow or download one."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import UTC, datetime, timedelta

from sandan.collect import ingest_parts
from tests.api.world import assert_error

BASE = "/api/v1/companies/acme/takeout"


def _finished(world, job_id: str, timeout: float = 60.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = world.get("a-admin", f"{BASE}/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"takeout job {job_id} did not finish in {timeout} s")


def test_the_admin_takes_out_the_company_data_and_downloads_it(world):
    start = datetime.now(UTC) - timedelta(hours=1)
    rows = [
        {
            "time": (start + timedelta(minutes=i)).isoformat(),
            "machine_id": "m1",
            "part_id": f"P{i}",
            "result": "ok",
        }
        for i in range(30)
    ]
    assert ingest_parts(world.store, "acme", rows).rejected == 0
    started = world.post("a-admin", BASE, params={"lang": "en"})
    assert started.status_code == 202, started.text
    job = _finished(world, started.json()["id"])
    assert job["state"] == "done", job["error"]
    assert job["progress"]["percent"] == 100 and job["result"]["rows"]["parts"] == 30
    (listed,) = world.get("a-admin", BASE).json()
    assert listed["name"] == job["result"]["name"] and listed["rows"]["parts"] == 30

    got = world.get("a-admin", f"{BASE}/{listed['name']}")
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    assert listed["name"] in got.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
        assert json.loads(zf.read("manifest.json"))["rows"]["parts"] == 30
        header = next(n for n in zf.namelist() if n.startswith("parts/"))
        assert zf.read(header).decode("utf-8-sig").startswith("time (Asia/Seoul),machine,part_id")
    actions = [a["action"] for a in world.store.list_audit("acme")]
    assert actions[:2] == ["company.takeout_download", "company.takeout"]


def test_only_the_company_admin_and_the_operator_take_data_out(world):
    for user in ("a-eng", "a-view"):
        assert_error(world.post(user, BASE), 403)
        assert_error(world.get(user, BASE), 403)
    assert_error(world.post("b-eng", BASE), 404)  # another company's is not even there
    started = world.post("a-admin", BASE).json()
    assert_error(world.get("a-eng", f"{BASE}/jobs/{started['id']}"), 403)
    name = _finished(world, started["id"])["result"]["name"]
    assert_error(world.get("a-eng", f"{BASE}/{name}"), 403)
    assert_error(world.get("b-eng", f"{BASE}/{name}"), 404)
    assert world.get("ops", f"{BASE}/{name}").status_code == 200
    assert_error(world.get("a-admin", f"{BASE}/..%2Fsandan.duckdb"), 404)  # no route to a path outside
    assert_error(world.get("a-admin", f"{BASE}/sandan.duckdb"), 404, "takeout_not_found")
    assert_error(world.get("a-admin", "/api/v1/companies/bravo/takeout"), 404)


def test_the_operator_erases_a_company_that_left_and_nobody_else_can(world):
    assert_error(
        world.client.delete(
            "/api/v1/companies/acme", params={"confirm": "acme"}, headers=world.auth("a-admin")
        ),
        403,
    )
    assert_error(
        world.client.delete(
            "/api/v1/companies/acme", params={"confirm": "acme"}, headers=world.auth("b-eng")
        ),
        404,
    )
    wrong = world.client.delete(
        "/api/v1/companies/acme", params={"confirm": "bravo"}, headers=world.auth("ops")
    )
    assert_error(wrong, 422, "confirm_mismatch")
    assert world.store.get_company("acme") is not None
    done = world.client.delete(
        "/api/v1/companies/acme", params={"confirm": "acme"}, headers=world.auth("ops")
    )
    assert done.status_code == 200, done.text
    assert done.json()["rows"]["users"] == 3 and world.store.get_company("acme") is None
    assert_error(world.get("a-admin", "/api/v1/companies/acme"), 401)  # its people's sessions ended with it
    assert [c["id"] for c in world.get("ops", "/api/v1/companies").json()] == ["bravo"]


def test_a_second_takeout_asked_for_while_one_runs_is_the_same_job(world):
    import threading

    from sandan.collect.takeout import JOB_KIND

    jobs = world.client.app.state.jobs
    gate = threading.Event()
    # hold the registry's workers, so the first takeout stays queued while the second is asked for
    held = [jobs.submit("bravo", "hold", lambda progress: gate.wait(30)) for _ in range(2)]
    try:
        first = world.post("a-admin", BASE).json()
        second = world.post("a-admin", BASE).json()
        assert first["id"] == second["id"] and first["kind"] == JOB_KIND
    finally:
        gate.set()
    assert _finished(world, first["id"])["state"] == "done"
    assert all(jobs.wait("bravo", h.id, 30).state == "done" for h in held)
    assert len(world.get("a-admin", BASE).json()) == 1
