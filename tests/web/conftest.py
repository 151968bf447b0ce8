"""A real sandan server (uvicorn on a free loopback port, fresh DuckDB file) and Debian's chromium via Playwright.

One server and one browser for the whole run keep the browser tests fast; each test gets a fresh browser context,
and a user logged in once through the form reuses that session cookie in later tests.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandan.accounts import create_user
from sandan.domain import Company, Line, Machine, Role, Signal, Site
from sandan.settings import Settings
from sandan.store import Store, open_store
from tests.conftest import free_port as _free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-1"


@dataclass
class Server:
    url: str
    store: Store
    settings: Settings
    app: object


def _app(settings: Settings, store: Store):
    from sandan.api.app import create_app

    return create_app(settings=settings, store=store)


def seed(store: Store) -> None:
    """Two companies of the complex, each with one site, line and machine, and a user each plus the operator."""
    for cid, name, mid, mname in (
        ("acme", "에이스정밀", "cnc-01", "CNC 1호기"),
        ("bravo", "브라보단조", "press-01", "프레스 1호기"),
    ):
        store.upsert_company(Company(id=cid, name=name, family="cnc", region="반월"))
        store.upsert_site(cid, Site(id="plant1", company_id=cid, name="제1공장"))
        store.upsert_line(cid, Line(id="L1", company_id=cid, site_id="plant1", name="가공 라인"))
        store.upsert_machine(
            cid,
            Machine(id=mid, company_id=cid, line_id="L1", name=mname, family="cnc", ideal_cycle_time_s=42),
        )
        store.upsert_signals(
            cid,
            [
                Signal(
                    company_id=cid, machine_id=mid, name="spindle_temp", unit="°C", min_value=0, max_value=150
                )
            ],
        )
    create_user(store, "admin", PASSWORD, Role.operator, name="운영자")
    create_user(store, "kim", PASSWORD, Role.engineer, "acme", name="김엔지니어")
    create_user(store, "lee", PASSWORD, Role.engineer, "bravo", name="이엔지니어")
    create_user(store, "park", PASSWORD, Role.viewer, "acme", name="박조회")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    import uvicorn

    data_dir = tmp_path_factory.mktemp("sandan")
    settings = Settings(data_dir=data_dir, default_lang="ko")
    store = open_store(f"duckdb:///{data_dir / 'sandan.duckdb'}")
    seed(store)
    app = _app(settings, store)
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", store, settings, app)
    uv.should_exit = True
    thread.join(10)
    store.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import expect, sync_playwright

    # assertions wait as long as actions do: the browser tests run beside another test worker (scripts/test.sh)
    expect.set_options(timeout=10_000)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=server.url, locale="ko-KR"
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


_SESSIONS: dict[str, dict] = {}


@pytest.fixture
def login(page):
    """Log the test's browser in as `user_id` through the login form (once per user; later tests reuse the cookie).

    `fresh=True` always goes through the form, for tests that end the session.
    """

    def _login(user_id: str, password: str = PASSWORD, *, fresh: bool = False) -> None:
        cached = None if fresh or password != PASSWORD else _SESSIONS.get(user_id)
        if cached is not None:
            page.context.add_cookies([cached])
            page.goto("/")
            return
        page.goto("/login")
        page.fill("input[name=user_id]", user_id)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        found = [c for c in page.context.cookies() if c["name"] == "sandan_session"]
        if found and not fresh:
            _SESSIONS[user_id] = found[0]

    return _login


@pytest.fixture
def shot(page):
    """Save a full-page screenshot when SANDAN_SCREENSHOTS names a folder (for looking at the pages by eye)."""
    folder = os.environ.get("SANDAN_SCREENSHOTS")

    def _shot(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return _shot


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The same app in-process (no browser): for what the shell promises at the HTTP level."""
    from fastapi.testclient import TestClient

    data_dir = tmp_path_factory.mktemp("sandan-http")
    settings = Settings(data_dir=data_dir, default_lang="ko")
    store = open_store(f"duckdb:///{data_dir / 'sandan.duckdb'}")
    seed(store)
    with TestClient(_app(settings, store), follow_redirects=False) as c:
        yield c
    store.close()


@pytest.fixture
def site(tmp_path):
    """The app in-process on a fresh store and data folder (its settings: `client.app.state.settings`), with kim
    (engineer at acme) logged in: (client, store)."""
    from fastapi.testclient import TestClient

    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    seed(store)
    settings = Settings(data_dir=tmp_path, default_lang="ko")
    with TestClient(_app(settings, store), follow_redirects=False) as client:
        r = client.post("/login", data={"user_id": "kim", "password": PASSWORD, "next": "/"})
        assert r.status_code == 303
        yield client, store
    store.close()
