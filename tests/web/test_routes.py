"""What the web shell promises at the HTTP level: offline assets, session cookie, and its place beside the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import sandan.web
from sandan.web.i18n import CATALOGUE

WEB = Path(sandan.web.__file__).parent
START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)


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


# a part-record export with the rows a demo walk brought: a time that cannot be, a value under its signal's
# range (spindle_temp is valid from 0 to 150 °C), a machine nobody registered, a result neither ok nor ng, and
# text in a number column (외경, which the guess leaves unused until the user maps it)
_BAD_PARTS = [
    "생산일시,설비,부품번호,판정,spindle_temp,외경",
    "2026-05-01 08:00:00,cnc-01,W-1,양품,60,25.0",
    "2026-13-45 25:00:00,cnc-01,W-2,양품,60,25.0",
    "2026-05-01 08:02:00,cnc-01,W-3,양품,-50,25.0",
    "2026-05-01 08:03:00,imm-99,W-4,양품,60,25.0",
    "2026-05-01 08:04:00,cnc-01,W-5,maybe,60,25.0",
    "2026-05-01 08:05:00,cnc-01,W-6,양품,60,abc",
]


def _preview(client, name: str, lines: list[str]):
    r = client.post("/companies/acme/import", files={"file": (name, "\n".join(lines).encode("cp949"))})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert page.status_code == 200, page.text
    return r.headers["location"], page.text


def _marked(html: str) -> dict[int, str]:
    """Excel row number -> the reasons cell of each row the preview marks as one the import would reject."""
    rows = re.findall(r'<tr class="result-ng would-reject" data-row="(\d+)">(.*?)</tr>', html, re.S)
    return {
        int(n): re.search(r'<td class="reject-reason">(.*?)</td>', body, re.S).group(1) for n, body in rows
    }


def _select(html: str, column: str) -> str:
    return re.search(rf'<select [^>]*data-column="{re.escape(column)}".*?</select>', html, re.S).group(0)


def test_the_preview_marks_the_sample_rows_the_import_would_reject_with_reason_and_column(client):
    _login(client)
    store = client.app.state.store
    quarantined = len(store.list_quarantine("acme", limit=1000))
    _, html = _preview(client, "walk.csv", _BAD_PARTS)
    marked = _marked(html)
    assert sorted(marked) == [3, 4, 5, 6]
    # each with its column and the reason in the page's language
    assert "생산일시" in marked[3] and "13월" in marked[3]
    assert "spindle_temp" in marked[4] and "-50" in marked[4]
    assert "설비" in marked[5] and "imm-99" in marked[5] and "ID도 이름도 아닙니다" in marked[5]
    assert "판정" in marked[6] and "maybe" in marked[6]
    assert re.search(r'id="sample-check"[^>]*>처음 6행 중 4행은 가져올 때 거부됩니다', html)
    assert "격리함에 보관됩니다" in html
    # the bad cell itself is outlined
    assert '<td class="mono bad-cell">imm-99</td>' in html
    # the check wrote nothing: no part, no quarantined row
    assert len(store.list_quarantine("acme", limit=1000)) == quarantined
    assert not [p for p in store.query_parts("acme", START, END).to_pylist() if p["part_id"].startswith("W-")]


def test_a_changed_mapping_is_checked_again_on_the_preview(client):
    _login(client)
    location, html = _preview(client, "walk.csv", _BAD_PARTS)
    assert 'formaction="' + location + '/check"' in html
    roles = {
        "생산일시": "time",
        "설비": "machine_id",
        "부품번호": "part_id",
        "판정": "ignore",  # no result column: the import would stop, and the check says so
        "spindle_temp": "param:spindle_temp",
        "외경": "measure:외경",
    }
    form = {"kind": "part", "layout": "long", "timezone": "Asia/Seoul", "encoding": "cp949"}
    for i, (column, role) in enumerate(roles.items()):
        form |= {f"col_{i}": column, f"role_{i}": role}
    r = client.post(f"{location}/check", data=form)
    assert r.status_code == 200, r.text
    assert 'class="notice error" id="sample-check"' in r.text and "판정" in r.text
    r = client.post(f"{location}/check", data=form | {"role_3": "result"})
    marked = _marked(r.text)
    assert sorted(marked) == [3, 4, 5, 6, 7]  # 외경 now counts: its 'abc' is no number
    assert "외경" in marked[7] and "abc" in marked[7]
    assert 'value="measure:외경" selected' in _select(r.text, "외경")  # the page keeps the user's mapping


def test_the_preview_offers_sensible_roles_and_shows_each_choice_once(client):
    _login(client)
    _, html = _preview(client, "walk.csv", _BAD_PARTS)
    # a known field is not offered as a number of its own name
    for column in ("설비", "부품번호", "판정", "생산일시"):
        assert not re.search(r'value="(param|measure|signal):', _select(html, column)), column
    assert 'value="param:spindle_temp"' in _select(html, "spindle_temp")
    # long or wide does not apply to part records
    assert re.search(r'<label id="layout-choice" hidden>', html)
    # the encoding is shown once as detected, and the choice to read it otherwise says so
    assert html.count("감지된 인코딩") == 1 and "파일을 읽을 인코딩" in html
