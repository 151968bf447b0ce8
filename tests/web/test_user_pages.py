"""A company's users on the web: the operator (or the company's admin) adds a person who can then sign in; a weak
password is refused without echoing it; an engineer cannot reach the page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from sandan.accounts import Principal, authenticate, create_user
from sandan.domain import Role

from .conftest import PASSWORD


def test_an_admin_adds_a_viewer_who_can_sign_in_and_the_audit_log_shows_it(page, login, server):
    login("admin")
    page.goto("/companies/acme")
    page.locator("#users-link").click()
    expect(page.locator("h1")).to_contain_text("사용자와 작업 기록")
    expect(page.locator("#users tr[data-user=kim]")).to_contain_text("엔지니어")
    form = page.locator("#add-user")
    form.locator("summary").click()
    form.locator("input[name=user_id]").fill("choi-qa")
    form.locator("input[name=name]").fill("최품질")
    form.locator("select[name=role]").select_option("viewer")
    form.locator("input[name=password]").fill("short")
    form.locator("button[type=submit]").click()
    expect(form.locator(".notice.error")).to_contain_text("비밀번호")
    expect(form.locator("input[name=user_id]")).to_have_value("choi-qa")
    expect(form.locator("select[name=role]")).to_have_value("viewer")
    expect(form.locator("input[name=password]")).to_have_value("")  # a password is never sent back
    assert server.store.user_for_login("choi-qa") is None

    form.locator("input[name=password]").fill("quality-first-2026")
    form.locator("button[type=submit]").click()
    expect(page.locator("#user-created")).to_contain_text("choi-qa")
    expect(page.locator("#users tr[data-user=choi-qa]")).to_contain_text("조회자")
    expect(page.locator("#audit")).to_contain_text("user.create")
    user = authenticate(server.store, "choi-qa", "quality-first-2026")
    assert (user.company_id, user.role, user.name) == ("acme", Role.viewer, "최품질")

    # forgotten: the admin gives a new one
    reset = page.locator("#reset-password")
    reset.locator("summary").click()
    reset.locator("select[name=user_id]").select_option("choi-qa")
    reset.locator("input[name=password]").fill("second-try-2026")
    reset.locator("button[type=submit]").click()
    expect(page.locator("#user-reset")).to_contain_text("choi-qa")
    assert authenticate(server.store, "choi-qa", "second-try-2026").must_change_password
    expect(page.locator("#audit")).to_contain_text("관리자가 비밀번호 재설정 user.password_reset")  # in words

    # a new job: another role, in the list and the audit log with what it was before
    change = page.locator("#change-role")
    change.locator("summary").click()
    change.locator("select[name=user_id]").select_option("choi-qa")
    change.locator("select[name=role]").select_option("engineer")
    change.locator("button[type=submit]").click()
    expect(page.locator("#user-role-changed")).to_contain_text("choi-qa")
    expect(page.locator("#users tr[data-user=choi-qa]")).to_contain_text("엔지니어")
    expect(page.locator("#audit tbody tr").first).to_contain_text("조회자 → 엔지니어")  # the roles in words
    assert server.store.user_for_login("choi-qa")[0].role is Role.engineer


def test_a_user_an_admin_made_chooses_a_password_before_going_anywhere(page, login, server):
    admin = Principal(user=server.store.user_for_login("admin")[0])
    create_user(server.store, "park-new", "given-by-admin-1", Role.engineer, "acme", name="박신입", by=admin)
    login("park-new", "given-by-admin-1", fresh=True)
    expect(page).to_have_url(f"{server.url}/account")
    expect(page.locator("#password-must-change")).to_contain_text("관리자가 정한 비밀번호")
    assert page.locator("#tokens").count() == 0  # no API token while the admin knows the password
    page.goto("/companies/acme")  # every other page leads back here
    expect(page).to_have_url(f"{server.url}/account")
    assert page.request.get("/api/v1/companies/acme/machines").status == 403
    form = page.locator("#password form")
    form.locator("input[name=current]").fill("given-by-admin-1")
    form.locator("input[name=new]").fill("my-own-choice-9")
    form.locator("input[name=again]").fill("my-own-choice-9")
    form.locator("button[type=submit]").click()
    expect(page.locator("#password-changed")).to_be_visible()
    expect(page.locator("#password-must-change")).to_have_count(0)
    page.locator("#password-changed a").click()  # the start page: a company's user lands on its company
    expect(page).to_have_url(f"{server.url}/companies/acme")
    assert not server.store.user_for_login("park-new")[0].must_change_password


def _audit_rows(html: str) -> list[str]:
    table = html.split('id="audit"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S)


def test_the_audit_log_shows_changes_first_and_sign_ins_on_asking(client):
    """A change made before a day of sign-ins stays on the page: the 50 rows are 50 changes, chosen by the query."""
    store = client.app.state.store
    store.add_audit("acme", "kim", "machine.put", "cnc-01", "")
    store.add_audit("acme", None, "login.failed", "kim", "")
    for _ in range(60):
        store.add_audit("acme", "kim", "login.ok", "kim", "")
    assert client.post("/login", data={"user_id": "admin", "password": PASSWORD}).status_code == 303

    page = client.get("/companies/acme/users")
    rows = _audit_rows(page.text)
    assert any("machine.put" in r for r in rows) and any("login.failed" in r for r in rows)  # failed: shown
    assert not any("login.ok" in r for r in rows)
    assert 'data-show="changes" aria-current="page"' in page.text
    assert 'href="?show=sign_ins#audit-log"' in page.text and 'href="?show=all#audit-log"' in page.text
    sign_ins = _audit_rows(client.get("/companies/acme/users?show=sign_ins").text)
    assert len(sign_ins) == 50 and all("login." in r for r in sign_ins)
    everything = _audit_rows(client.get("/companies/acme/users?show=all").text)
    assert len(everything) == 50 and not any("machine.put" in r for r in everything)  # pushed off by sign-ins
    # a sign-in's detail in the page's language (it showed "from 127.0.0.1" on a Korean page)
    store.add_audit("acme", None, "login.failed", "kim", "inactive from 10.1.2.3")
    newest = _audit_rows(client.get("/companies/acme/users?show=sign_ins").text)[0]
    assert "사용 중지된 계정, 10.1.2.3에서" in newest and "from 10.1.2.3" not in newest
    refused = client.get("/companies/acme/users?show=logins")
    assert refused.status_code == 422 and "sign_ins" in refused.text


def test_an_admin_stops_the_account_of_someone_who_left_and_restores_it(page, login, server, browser):
    create_user(server.store, "song", PASSWORD, Role.engineer, "acme", name="송퇴사")
    other = browser.new_context(base_url=server.url, locale="ko-KR")  # song's own browser, signed in
    theirs = other.new_page()
    theirs.goto("/login")
    theirs.fill("input[name=user_id]", "song")
    theirs.fill("input[name=password]", PASSWORD)
    theirs.click("button[type=submit]")
    expect(theirs.locator("#account-link")).to_be_visible()

    login("admin")
    page.goto("/companies/acme/users")
    row = page.locator("#users tr[data-user=song]")
    expect(row).to_contain_text("가능")
    page.once("dialog", lambda d: d.dismiss())  # asked first; dismissed, nothing happens
    row.locator("button").click()
    expect(row).to_contain_text("가능")
    assert server.store.user_for_login("song")[0].active
    page.once("dialog", lambda d: d.accept())
    row.locator("button").click()
    expect(page.locator("#user-stopped")).to_contain_text("song")
    expect(row).to_contain_text("사용 중지")
    expect(page.locator("#audit tbody tr").first).to_contain_text("계정 사용 중지")

    theirs.reload()  # song's open session has ended
    expect(theirs.locator("input[name=user_id]")).to_be_visible()
    theirs.fill("input[name=user_id]", "song")
    theirs.fill("input[name=password]", PASSWORD)
    theirs.click("button[type=submit]")
    expect(theirs.locator("#login-error")).to_contain_text("사용이 중지된 계정")

    row.locator("button").click()  # restoring asks nothing
    expect(page.locator("#user-restored")).to_contain_text("song")
    theirs.fill("input[name=password]", PASSWORD)
    theirs.click("button[type=submit]")
    expect(theirs.locator("#account-link")).to_be_visible()
    other.close()


def test_the_operator_reads_on_the_accounts_page_what_no_company_log_holds(client):
    """A sign-in tried with an id no one has belongs to no company: the operator's accounts page lists it in the
    platform log; the company's own log does not."""
    assert client.post("/login", data={"user_id": "nobody-here", "password": "guess-1234"}).status_code == 401
    client.app.state.store.add_audit(
        None, "admin", "backup.download", "sandan-backup-20260101T000000Z.tar", ""
    )
    assert client.post("/login", data={"user_id": "admin", "password": PASSWORD}).status_code == 303
    page = client.get("/users")
    assert "플랫폼 작업 기록" in page.text
    rows = _audit_rows(page.text)
    assert any("nobody-here" in r and "login.failed" in r for r in rows)
    assert any("백업 파일을 받음" in r and "sandan-backup-20260101T000000Z.tar" in r for r in rows)
    assert not any("login.ok" in r for r in rows)  # changes first, as on a company's page
    assert any("login.ok" in r for r in _audit_rows(client.get("/users?show=sign_ins").text))
    assert not any("nobody-here" in r for r in _audit_rows(client.get("/companies/acme/users").text))


def test_a_name_given_in_both_languages_is_shown_in_the_pages_language(client):
    from sandan.web.shell import LANG_COOKIE

    store = client.app.state.store
    create_user(
        store, "sejin-adm", PASSWORD, Role.company_admin, "acme", name="세진프레스 관리자 Sejin Press admin"
    )
    assert client.post("/login", data={"user_id": "sejin-adm", "password": PASSWORD}).status_code == 303
    client.cookies.set(LANG_COOKIE, "en")
    assert "Signed in as Sejin Press admin" in client.get("/account").text
    client.cookies.set(LANG_COOKIE, "ko")
    assert "세진프레스 관리자 로그인 중" in client.get("/account").text


def test_the_operator_finds_any_account_and_sees_the_stopped_ones(page, login, server):
    create_user(server.store, "yoon", PASSWORD, Role.viewer, "bravo", name="윤조회")
    server.store.set_user_active("bravo", "yoon", False)
    login("admin")
    page.goto("/")
    page.locator("header a[data-nav=accounts-all]").click()
    table = page.locator("#accounts")
    everyone = server.store.cross_tenant_users()
    expect(table.locator("tbody tr")).to_have_count(len(everyone))
    expect(table.locator("tbody tr").first).to_contain_text("플랫폼 (운영자)")  # operators first
    page.fill("#account-filter", "윤조회")
    expect(table.locator("tbody tr:visible")).to_have_count(1)
    row = table.locator("tr[data-user=yoon]")
    expect(row).to_contain_text("브라보단조")
    expect(row).to_contain_text("사용 중지")
    page.fill("#account-filter", "")
    page.check("#account-stopped")
    stopped = [u.id for u in everyone if not u.active]
    expect(table.locator("tbody tr:visible")).to_have_count(len(stopped))
    page.uncheck("#account-stopped")
    page.select_option("#account-role", "company_admin")
    admins = [u for u in everyone if u.role == Role.company_admin]
    expect(table.locator("tbody tr:visible")).to_have_count(len(admins))
    page.select_option("#account-role", "viewer")
    row.locator("a").click()  # the company's name leads to the page that manages its users
    expect(page).to_have_url(f"{server.url}/companies/bravo/users")
    # only the operator: anyone else is refused, the page and the API alike
    page.context.clear_cookies()
    login("lee")
    assert page.goto("/users").status == 403
    assert page.request.get("/api/v1/users").status == 403


def test_an_engineer_neither_sees_nor_reaches_the_users_page(page, login):
    login("kim")
    page.goto("/companies/acme")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#users-link")).to_have_count(0)
    assert page.goto("/companies/acme/users").status == 403
    response = page.request.post(
        "/companies/acme/users",
        form={"user_id": "sneaky", "password": "long-enough-pass", "role": "company_admin"},
    )
    assert response.status == 403


def test_a_user_changes_their_password_on_their_account_page(page, login, server):
    create_user(server.store, "jung", PASSWORD, Role.engineer, "acme", name="정엔지니어")
    login("jung", fresh=True)
    page.locator("#account-link").click()
    expect(page.locator("h1")).to_contain_text("내 계정")
    form = page.locator("#password form")
    form.locator("input[name=current]").fill("not-my-password")
    form.locator("input[name=new]").fill("a-longer-secret")
    form.locator("input[name=again]").fill("a-longer-secret")
    form.locator("button[type=submit]").click()
    expect(page.locator("#password-error")).to_have_text("현재 비밀번호가 틀렸습니다")
    form.locator("input[name=current]").fill(PASSWORD)
    form.locator("input[name=new]").fill("a-longer-secret")
    form.locator("input[name=again]").fill("a-longer-secreT")
    form.locator("button[type=submit]").click()
    expect(page.locator("#password-error")).to_have_text("새 비밀번호와 확인 입력이 다릅니다")
    form.locator("input[name=current]").fill(PASSWORD)
    form.locator("input[name=new]").fill("a-longer-secret")
    form.locator("input[name=again]").fill("a-longer-secret")
    form.locator("button[type=submit]").click()
    expect(page.locator("#password-changed")).to_be_visible()
    assert authenticate(server.store, "jung", "a-longer-secret").id == "jung"


def test_an_engineer_makes_an_api_token_for_a_gateway_and_revokes_it(page, login, server):
    create_user(server.store, "cho", PASSWORD, Role.engineer, "acme", name="조게이트웨이")
    login("cho", fresh=True)
    page.goto("/account")
    tokens = page.locator("#tokens")
    expect(tokens.locator("#token-list")).to_contain_text("API 토큰이 없습니다")
    tokens.locator("input[name=name]").fill("2라인 게이트웨이")
    tokens.locator("input[name=days]").fill("1년")
    tokens.locator("button[type=submit]").last.click()
    expect(page.locator("#token-error")).to_contain_text("유효 일수")
    expect(tokens.locator("input[name=name]")).to_have_value("2라인 게이트웨이")  # kept as typed
    tokens.locator("input[name=days]").fill("365")
    tokens.locator("button[type=submit]").last.click()
    expect(page.locator("#token-new")).to_contain_text("한 번만")
    token = page.locator("#token-value").inner_text()
    assert page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["id"] == "cho"
    row = page.locator("#token-list tbody tr").first
    expect(row).to_contain_text("2라인 게이트웨이")
    page.reload()  # shown once: a reload no longer holds it
    expect(page.locator("#token-value")).to_have_count(0)
    expect(page.locator("#token-list tbody tr[data-token]")).to_have_count(1)  # and makes no second token
    # the gateway's call above shows as its last use (the page's own session is another token)
    expect(page.locator("#token-list [data-col=last-used]")).not_to_have_text("아직 없음")
    page.once("dialog", lambda d: d.accept())
    page.locator("#token-list tbody tr").first.locator("button").click()
    expect(page.locator("#token-revoked")).to_contain_text("2라인 게이트웨이")
    expect(page.locator("#token-list")).to_contain_text("API 토큰이 없습니다")
    assert page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status == 401


def test_company_a_cannot_post_to_company_bs_forms(page, login, server):
    store = server.store
    before = (store.list_sites("bravo"), store.list_machines("bravo"), store.list_signals("bravo"))
    users_before = store.list_users("bravo")
    login("kim")  # an engineer of acme
    posts = {
        "/companies/bravo/sites": {"id": "x-site", "name": "x"},
        "/companies/bravo/sites/plant1/lines": {"id": "x-line", "name": "x"},
        "/companies/bravo/lines/L1/machines": {"id": "x-m", "name": "x", "family": "press"},
        "/companies/bravo/machines/press-01": {"name": "taken", "family": "press"},
        "/companies/bravo/machines/press-01/signals": {"name": "x_sig"},
        "/companies/bravo/users": {"user_id": "x-user", "password": "long-enough-1", "role": "viewer"},
        "/companies/bravo/users/password": {"user_id": "lee", "password": "long-enough-1"},
        "/companies/bravo/users/role": {"user_id": "lee", "role": "viewer"},
        "/companies/bravo/users/active": {"user_id": "lee", "active": "0"},
        "/companies": {"id": "x-co", "name": "x"},
        "/federations": {"name": "x", "family": "press", "features": "a"},
    }
    for path, form in posts.items():
        assert page.request.post(path, form=form).status in (403, 404), path
    assert page.goto("/companies/bravo/users").status in (403, 404)
    assert (store.list_sites("bravo"), store.list_machines("bravo"), store.list_signals("bravo")) == before
    assert store.list_users("bravo") == users_before and store.get_company("x-co") is None
    assert authenticate(server.store, "lee", PASSWORD).id == "lee"  # bravo's password untouched, still active
