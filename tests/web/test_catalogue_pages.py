"""Withdrawing a shared model through the pages: its publisher takes it out saying why, the operator sees every
family's catalogue and can take any entry out; a member that never looked at a withdrawn model no longer sees it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sandan.store.base import CatalogueEntry

pytestmark = pytest.mark.browser


def _publish(store, company_id: str, name: str) -> int:
    entry = CatalogueEntry(
        id=0,
        family="cnc",
        name=name,
        task="Classifier",
        target="result",
        features=["spindle_temp"],
        metrics={"metrics": {"f1": 0.71}},
        artifact="/nowhere",
        description="가공 불량",
    )
    return store.add_catalogue_entry(company_id, entry, publisher_named=False, published_by=None)


def test_the_publisher_withdraws_its_model_saying_why(page, login, server):
    mine = _publish(server.store, "acme", "burr-web-test")
    login("kim")
    page.goto("/companies/acme/catalogue")
    row = page.locator(f"#entry-{mine}")
    row.locator("input[name=reason]").fill("3월 라벨 오류")
    page.once("dialog", lambda d: d.accept())  # asked first
    row.locator("button[data-withdraw]").click()
    expect(page.locator("#withdraw-done")).to_contain_text(str(mine))
    expect(row.locator("[data-withdrawn-reason]")).to_contain_text("3월 라벨 오류")
    expect(row.locator("button")).to_have_count(0)  # nothing more to do with it
    # a member of the family that never looked at it no longer sees it
    page.context.clear_cookies()
    login("lee")
    page.goto("/companies/bravo/catalogue")
    expect(page.locator(f"#entry-{mine}")).to_have_count(0)


def test_the_operator_sees_every_family_and_withdraws_any_entry(page, login, server):
    theirs = _publish(server.store, "bravo", "crack-web-test")
    login("admin")
    page.goto("/")
    page.locator("header a[data-nav=catalogue-all]").click()
    row = page.locator(f"#catalogue-all tr[data-entry='{theirs}']")
    expect(row).to_contain_text("한 회원사")  # anonymous to the operator too: the publisher did not consent
    row.locator("input[name=reason]").fill("고객 부품 번호가 특징에 섞여 있음")
    page.once("dialog", lambda d: d.accept())
    row.locator("button").click()
    expect(page.locator("#withdraw-done")).to_contain_text(str(theirs))
    expect(row.locator("[data-withdrawn-reason]")).to_contain_text("고객 부품 번호")
    assert [a["action"] for a in server.store.list_audit("bravo", 5)][0] == "catalogue.withdraw"
