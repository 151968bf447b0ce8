"""The partner page: each match says how to reach the supplier; after a supplier was contacted, the list says so
beside it, with when."""

from __future__ import annotations

from playwright.sync_api import expect

from sandan.connect import service
from sandan.connect.demo import DEMO_SUPPLIERS
from sandan.connect.profile import Need, Profile
from sandan.domain import ProcessFamily


def test_a_recorded_outcome_stays_beside_the_supplier(page, login, server):
    ps = service.profiles(server.settings.data_dir)
    for s in DEMO_SUPPLIERS:
        ps.put(s.company_id, s)
    need = Need(id="web-n1", text="단조 다이 수명이 짧아 교체가 잦다")
    ps.put(
        "acme",
        Profile(
            company_id="acme",
            name="에이스정밀",
            role="demand",
            region="창원",
            processes=[ProcessFamily.forging],
            needs=[need],
        ),
    )
    login("kim")
    page.goto("/companies/acme/connect")
    need_box = page.locator("section[data-need=web-n1]")
    first = need_box.locator("ol.matches > li").first
    supplier = first.get_attribute("data-supplier")
    expect(first.locator("[data-outcome]")).to_have_count(0)
    # whom to call: the contact the supplier gave in its profile
    expect(first.locator("[data-col=contact]")).to_have_text(
        f"연락처: 영업팀 / sales · sales@{supplier}.example"
    )
    first.get_by_role("button", name="연락함").click()
    row = page.locator(f"section[data-need=web-n1] li[data-supplier='{supplier}']")
    expect(row.locator("[data-outcome=contacted]")).to_contain_text("기록한 결과: 연락함")
    # the next outcome replaces it
    row.get_by_role("button", name="성공").click()
    expect(row.locator("[data-outcome]")).to_contain_text("성공")


def test_a_company_gives_its_contact_and_a_matched_supplier_reads_it(page, login, server):
    """Typed on the profile form, the contact shows on the company's own page; without one, a match says to ask
    the complex office."""
    ps = service.profiles(server.settings.data_dir)
    for s in DEMO_SUPPLIERS:
        ps.put(s.company_id, s)
    login("kim")
    page.goto("/companies/acme/connect/edit")
    page.fill("textarea[name=needs]", "사출 외관 검사 자동화")
    page.fill("input[name=contact]", "생산팀 김대리 010-1234-5678")
    page.check("input[name=listed]")
    page.click(".profile-form button[type=submit]")
    expect(page.locator("#profile")).to_contain_text("연락처: 생산팀 김대리 010-1234-5678")
    assert ps.get("acme").public_card()["contact"] == "생산팀 김대리 010-1234-5678"
    # a supplier without a contact: its match says whom to ask instead
    ps.put("visionq", DEMO_SUPPLIERS[0].model_copy(update={"contact": ""}))
    page.reload()
    row = page.locator("li[data-supplier=visionq]").first
    expect(row.locator("[data-col=contact]")).to_contain_text("산업단지 사무국")
