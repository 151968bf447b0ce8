"""Shared fixtures: real services on loopback (fail loudly under CI=true, skip elsewhere) and fresh stores."""

from __future__ import annotations

import os
import random
import socket
import uuid
from pathlib import Path

import pytest

from sandan.store import open_store


def free_port() -> int:
    """A loopback port nobody listens on, taken from below the kernel's ephemeral range (32768–60999 on Linux): a
    port from that range, released by a test bind, can be handed to an outgoing connection (a gRPC channel, a
    database client) before the test's server binds it — 'address already in use' once in a while."""
    rng = random.Random()
    for _ in range(500):
        port = rng.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port between 20000 and 32000")


ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get("SANDAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """How pytest-xdist shares the tests between its workers (scripts/test.sh runs two): a test file at a time, and
    all of tests/web as one unit — the browser tests share one web server per worker and build on what earlier
    files left on it, so they run on one worker in file order, as in a serial run. (xdist's own `loadgroup` marks
    do not take under pytest 9: the group never reaches the test ids.)"""
    from xdist.scheduler import LoadScopeScheduling

    class FilesAndWeb(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return "tests/web" if path.startswith("tests/web/") else path

    return FilesAndWeb(config, log)


def service_up(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """A test needing a service fails in CI when it is missing, and is skipped on a developer's machine."""
    if service_up(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI=true: services must be running)", pytrace=False)
    pytest.skip(message)


def require_dataset(name: str) -> Path:
    path = DATASETS / name
    if not path.exists():
        if IN_CI:
            pytest.fail(f"data set {path} is missing (CI=true)", pytrace=False)
        pytest.skip(f"data set {path} is missing")
    return path


@pytest.fixture
def duck_store(tmp_path):
    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    yield store
    store.close()


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["duckdb", "postgres"])
def store(request, tmp_path):
    """The same tests run against both stores: they must behave identically."""
    if request.param == "duckdb":
        s = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
        yield s
        s.close()
    else:
        url = request.getfixturevalue("pg_url")
        s = open_store(url)
        yield s
        s.close()
