"""What the web shell promises at the HTTP level: offline assets, session cookie, and its place beside the API."""

from __future__ import annotations

import re
from pathlib import Path

import sandan.web
from sandan.web.i18n import CATALOGUE

WEB = Path(sandan.web.__file__).parent


def _login(client, user_id="kim"):
    r = client.post("/login", data={"user_id": user_id, "password": "correct-horse-1", "next": "/"})
    assert r.status_code == 303
    return r


def test_pages_load_nothing_from_other_hosts():
    """The complex's network may have no internet: templates, scripts and styles reference only our files."""
    pattern = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""")
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("static/*.js"), *WEB.glob("static/*.css")]:
        assert not pattern.search(path.read_text(encoding="utf-8")), path.name
    vendored = WEB / "static" / "vendor" / "uplot"
    assert (vendored / "LICENSE").read_text().startswith("The MIT License")


def test_every_catalogue_key_used_by_templates_exists():
    used = set()
    for path in WEB.glob("templates/*.html"):
        used |= set(
            re.findall(r"""\bt\(\s*["']([a-z_.]*[a-z_])["']\s*[,)]""", path.read_text(encoding="utf-8"))
        )
    assert used - set(CATALOGUE) == set()
    assert all(en and ko for en, ko in CATALOGUE.values())
    # keys built in templates ("mon.chart_" ~ rule.chart): every chart an alert rule may name has its label
    from typing import get_args

    from sandan.monitor.alerts import AlertRule

    charts = get_args(AlertRule.model_fields["chart"].annotation)
    assert {f"mon.chart_{c}" for c in charts} - set(CATALOGUE) == set()


def test_session_cookie_is_http_only_and_same_site_lax(client):
    r = _login(client)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("sandan_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


def test_the_api_accepts_the_web_session_cookie(client):
    _login(client)
    r = client.get("/api/v1/companies/acme/quarantine", headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text


def test_unknown_api_paths_keep_the_apis_json_404(client):
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")


def test_login_link_cannot_send_a_user_to_another_site(client):
    r = client.post(
        "/login", data={"user_id": "kim", "password": "correct-horse-1", "next": "//evil.example/x"}
    )
    assert r.headers["location"] == "/"


def test_a_form_posted_from_another_site_is_refused(client):
    _login(client)
    r = client.post(
        "/companies/acme/import", headers={"Origin": "http://evil.example"}, files={"file": ("a.csv", b"x")}
    )
    assert r.status_code == 403
    assert "text/html" in r.headers["content-type"]


def test_a_viewer_sees_the_import_page_but_cannot_upload(client):
    _login(client, "park")
    page = client.get("/companies/acme/import")
    assert page.status_code == 200
    assert "가져오기는 할 수 없습니다" in page.text and 'type="file"' not in page.text
    r = client.post("/companies/acme/import", files={"file": ("a.csv", b"time,value\n")})
    assert r.status_code == 403
    assert "엔지니어 권한을 요청하세요" in r.text


def test_an_empty_upload_is_a_notice_not_an_error_page(client):
    _login(client)
    r = client.post("/companies/acme/import", files={"file": ("빈파일.csv", b"")})
    assert r.status_code == 422
    assert "올린 파일이 비어 있습니다" in r.text
    assert "Traceback" not in r.text


def test_a_file_that_cannot_be_read_is_reported_on_the_upload_step(client):
    _login(client)
    r = client.post(
        "/companies/acme/import", files={"file": ("머리만.csv", "생산일시,설비\n".encode("cp949"))}
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code >= 400
    assert 'id="upload-form"' in page.text and 'class="notice error"' in page.text


def test_every_audited_action_has_a_name_on_the_users_page():
    src = WEB.parent
    actions = set()
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        actions |= set(re.findall(r"""(?:add_audit|audit)\([^)]*?["']([a-z_]+\.[a-z_]+)["']""", text, re.S))
    assert {"login.ok", "user.create", "quarantine.discard"} <= actions  # the scan finds them
    assert {f"audit.{a}" for a in actions} - set(CATALOGUE) == set()
