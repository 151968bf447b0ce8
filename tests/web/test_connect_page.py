"""The partner page: after a supplier was contacted, the list says so beside it, with when."""

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
    first.get_by_role("button", name="연락함").click()
    row = page.locator(f"section[data-need=web-n1] li[data-supplier='{supplier}']")
    expect(row.locator("[data-outcome=contacted]")).to_contain_text("기록한 결과: 연락함")
    # the next outcome replaces it
    row.get_by_role("button", name="성공").click()
    expect(row.locator("[data-outcome]")).to_contain_text("성공")
