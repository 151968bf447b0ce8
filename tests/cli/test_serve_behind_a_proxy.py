"""`sandan serve` behind a reverse proxy: the proxies named in SANDAN_FORWARDED_ALLOW_IPS are believed about the
client's address and the scheme (so sign-in limits count each user's own address, and the session cookie is
Secure behind TLS); no one else is."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from sandan.accounts import create_user
from sandan.domain import Company
from sandan.store import open_store
from tests.conftest import free_port

FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def _serve(data_dir, port: int, allow: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "SANDAN_DATA_DIR": str(data_dir),
        "SANDAN_PORT": str(port),
        "SANDAN_FORWARDED_ALLOW_IPS": allow,
        "SANDAN_BACKUP_AT": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from sandan.cli.main import run; run()", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise AssertionError("sandan serve did not start")


def _sign_in(port: int) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/login",
        data={"user_id": "eng", "password": "engineer-pass-1"},
        headers={**FORWARDED, "Origin": f"http://127.0.0.1:{port}"},
    )


def test_only_the_named_proxies_are_believed_about_the_address_and_the_scheme(tmp_path):
    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        store.upsert_company(Company(id="acme", name="Acme"))
        create_user(store, "eng", "engineer-pass-1", "engineer", "acme")
    for allow, secure, address in (("127.0.0.1", True, "203.0.113.9"), ("192.0.2.1", False, "127.0.0.1")):
        port = free_port()
        proc = _serve(tmp_path, port, allow)
        try:
            r = _sign_in(port)
            assert r.status_code == 303, r.text
            cookie = r.headers["set-cookie"]
            assert ("secure" in cookie.lower()) is secure, cookie
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
            # newest first
            detail = [a["detail"] for a in store.list_audit("acme") if a["action"] == "login.ok"][0]
        assert detail == f"from {address}", (allow, detail)
