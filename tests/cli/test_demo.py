"""`sandan demo` as a user starts it: a real server process with a live virtual complex behind it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import free_port


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """One demo for the file's tests, which only read what it serves (it takes 15–20 s to build its history)."""
    port = free_port()
    env = {**os.environ, "SANDAN_DATA_DIR": str(tmp_path_factory.mktemp("demo"))}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from sandan.cli.main import run; run()",
            "demo",
            "--port",
            str(port),
            "--history-hours",
            "8",
            "--duration",
            "120",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"demo exited early:\n{proc.stdout.read()}")
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code < 500:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("demo server did not come up within 90 s")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def login(base: str, user: str) -> dict[str, str]:
    r = httpx.post(base + "/api/v1/auth/login", json={"user_id": user, "password": "sandan-demo"}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_demo_serves_a_complex_whose_companies_have_live_machines_and_a_federation(demo_server):
    headers = login(demo_server, "admin")
    companies = httpx.get(demo_server + "/api/v1/companies", headers=headers, timeout=10).json()
    ids = [c["id"] for c in companies]
    machines_seen = 0
    for company in ids:
        r = httpx.get(f"{demo_server}/api/v1/companies/{company}/machines", headers=headers, timeout=10)
        assert r.status_code == 200, r.text
        machines_seen += len(r.json())
    assert len(ids) >= 6 and machines_seen >= 12
    # the moulders' federation is there to look at, training in the background on the history just made
    (fed,) = httpx.get(demo_server + "/api/v1/federations", headers=headers, timeout=10).json()
    assert fed["members"] == ["daesung-plastics", "dongyang-tech"] and fed["strategy"] == "trees"
    run = httpx.get(f"{demo_server}/api/v1/federations/{fed['id']}/run", headers=headers, timeout=10).json()
    assert run["state"] in ("running", "done"), (run.get("error"), run.get("messages"))


def test_demo_company_user_sees_recent_part_records_and_the_login_page_renders(demo_server):
    headers = login(demo_server, "hanil")
    r = httpx.get(
        f"{demo_server}/api/v1/companies/hanil-precision/parts",
        headers=headers,
        timeout=10,
        params={"limit": 5},
    )
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert len(rows) == 5 and {row["machine_id"] for row in rows} <= {"cnc-01", "cnc-02", "cnc-03", "cnc-04"}
    # it starts with alert rules, as a plant sets its first ones (its alerts page was empty at 40 % scrap)
    rules = httpx.get(
        f"{demo_server}/api/v1/companies/hanil-precision/alerts/rules", headers=headers, timeout=10
    ).json()
    assert {(r["id"], r["kind"]) for r in rules} == {("scrap-p-chart", "spc"), ("oee-under-60", "oee_drop")}
    page = httpx.get(demo_server + "/login", timeout=10)
    assert page.status_code == 200 and "password" in page.text and "로그인" in page.text
    # the demo's code table names every defect the machines report (Korean names, not codes)
    r = httpx.get(
        f"{demo_server}/api/v1/companies/hanil-precision/quality/pareto", headers=headers, timeout=30
    )
    typed = [d for d in r.json()["rows"] if d["defect_type"]]
    assert typed and all(d["label_ko"] != d["defect_type"] for d in typed), typed


def test_demo_factories_have_needs_that_the_listed_suppliers_match(demo_server):
    headers = login(demo_server, "sejin")
    base = f"{demo_server}/api/v1/companies/sejin-press/connect"
    profile = httpx.get(f"{base}/profile", headers=headers, timeout=10).json()
    assert profile["needs"], profile
    matches = httpx.get(f"{base}/matches", headers=headers, timeout=30).json()
    assert any(m["suppliers"] for m in matches), matches
