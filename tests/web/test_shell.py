"""Login, language, navigation and tenancy as a user sees them in the browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_wrong_password_shows_a_message_and_no_session(page, login):
    login("kim", "not-the-password")
    expect(page.locator("#login-error")).to_have_text("아이디 또는 비밀번호가 틀렸습니다.")
    assert not [c for c in page.context.cookies() if c["name"] == "sandan_session"]


def test_pages_need_login_and_return_to_the_asked_page(page, login):
    page.goto("/companies/acme/machines/cnc-01")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("input[name=user_id]", "kim")
    page.fill("input[name=password]", "correct-horse-1")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/companies/acme/machines/cnc-01$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "sandan_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_company_user_goes_straight_to_their_company_and_walks_down_to_a_machine(page, login, shot):
    login("kim")
    expect(page).to_have_url(re.compile(r"/companies/acme$"))
    expect(page.locator("h1")).to_contain_text("에이스정밀")
    page.click("text=가공 라인")
    expect(page.locator("h1")).to_contain_text("가공 라인")
    page.click("a:has-text('CNC 1호기')")
    expect(page.locator("h1")).to_contain_text("CNC 1호기")
    crumbs = page.locator("nav.crumbs")
    expect(crumbs).to_contain_text("에이스정밀")
    expect(crumbs).to_contain_text("제1공장")
    expect(crumbs).to_contain_text("가공 라인")
    expect(page.locator("#signals")).to_contain_text("spindle_temp")
    shot("machine_ko")


def test_operator_sees_every_company_of_the_complex(page, login, server):
    login("admin")
    rows = page.locator("table.grid tbody tr")
    expect(rows).to_have_count(len(server.store.cross_tenant_companies()))  # other page tests add companies
    expect(page.locator("table.grid")).to_contain_text("브라보단조")
    page.click("text=브라보단조")
    expect(page.locator("nav.crumbs")).to_contain_text("산업단지")
    # on a company's pages the menu is that company's, once: no second 'OEE' or 'federations' for the complex
    menu = page.locator("nav.mainnav")
    expect(menu.locator("a[data-nav=monitor]")).to_have_attribute("href", "/companies/bravo/monitor")
    expect(menu.locator("a[data-nav^=monitor]")).to_have_count(1)
    expect(menu.locator("a[data-nav^=federations]")).to_have_count(1)
    expect(menu.locator("a", has_text="산업단지")).to_have_count(1)  # the way back to the complex


def test_language_switch_shows_english_and_back_to_korean(page, login, shot):
    login("kim")
    expect(page.locator("header")).to_contain_text("가져오기")
    page.click("#lang-switch")
    expect(page.locator("header")).to_contain_text("Import")
    expect(page.locator("header")).to_contain_text("Quarantine")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # at 1280 px a company's menu stays on one line in English too (its eleven entries wrapped to two)
    tops = page.locator("nav.mainnav a").evaluate_all(
        "links => links.map(a => a.getBoundingClientRect().top)"
    )
    assert page.viewport_size["width"] == 1280 and len(tops) >= 11 and max(tops) - min(tops) < 4, tops
    # the choice sticks on the next page
    page.goto("/companies/acme/machines/cnc-01")
    expect(page.locator("h2").first).to_have_text("Machine")
    shot("machine_en")
    page.click("#lang-switch")
    expect(page.locator("h2").first).to_have_text("설비 정보")


def test_a_user_of_one_company_cannot_open_another_companys_machine(page, login):
    login("kim")
    response = page.goto("/companies/bravo/machines/press-01")
    assert response.status == 404
    expect(page.locator(".notice.error")).to_contain_text("찾을 수 없습니다")
    expect(page.locator("body")).not_to_contain_text("프레스 1호기")
    expect(page.locator("body")).not_to_contain_text("브라보단조")


def test_unknown_page_is_a_page_not_a_traceback(page, login):
    login("kim")
    response = page.goto("/no/such/page")
    assert response.status == 404
    expect(page.locator(".notice.error")).to_have_text("없는 페이지입니다.")


def test_logout_ends_the_session(page, login):
    login("kim", fresh=True)
    page.click("text=로그아웃")
    expect(page.locator(".notice.info")).to_have_text("로그아웃했습니다.")
    page.goto("/companies/acme")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_model_may_be_named_in_korean_and_the_form_says_what_a_name_may_hold(page, login):
    login("kim")
    page.goto("/companies/acme/models")
    name = page.locator("#train-form input[name=name]")

    def valid(text: str) -> bool:
        name.fill(text)
        return name.evaluate("e => e.checkValidity()")

    assert valid("불량예측") and valid("defects_v2.1")  # the server takes letters of any script
    assert not valid("불량 예측") and not valid("-x")
    expect(page.locator("#name-rule")).to_contain_text("한글 포함")


def test_the_training_form_refuses_an_empty_window_or_budget_before_sending(page, login):
    # an empty number field used to reach the API as 0 and come back as "body.budget_s: …" or "end (…) must be
    # after start (…)"; the browser now asks for the field and nothing is sent
    login("kim")
    page.goto("/companies/acme/models")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    for field in ("days", "budget_s"):
        box = page.locator(f"#train-form input[name={field}]")
        kept = box.input_value()
        box.fill("")
        page.click("#train-form button[type=submit]")
        assert not box.evaluate("e => e.checkValidity()") and box.evaluate("e => e.validity.valueMissing")
        box.fill(kept)
    assert sent == [] and page.inner_text("#train-status") == ""
