"""Withdrawing a shared model through the pages: its publisher takes it out saying why, the operator sees every
family's catalogue and can take any entry out; a member that never looked at a withdrawn model no longer sees it."""

from __future__ import annotations

import re

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


def test_a_federations_model_says_how_it_is_adopted_instead_of_offering_what_always_fails(
    page, login, server
):
    # "Evaluate on my data" answered "… was trained by a federation" and "Fine-tune" "model name '…' is not
    # allowed": neither is offered on a federation's entry; the row says how its members adopt it
    from sandan.learn import catalogue

    entry = CatalogueEntry(
        id=0,
        family="cnc",
        name="가공 불량 예측 연합 Machining defect prediction",
        task="Classifier",
        target="result",
        features=["spindle_temp"],
        metrics={"metrics": {"f1": 0.66}, "federation": "fed-web"},
        artifact="/nowhere",
        description="연합 학습 fed-web: 회원사 2곳, fedavg / federation fed-web: 2 members, fedavg",
    )
    fed = catalogue.record_federated(server.store, "fed-web", entry, {})
    login("kim")
    page.goto("/companies/acme/catalogue")
    row = page.locator(f"#entry-{fed}")
    expect(row.locator("[data-federated]")).to_contain_text("연합 학습 결과로")
    expect(row.locator("a[href='/companies/acme/federations']")).to_be_visible()
    expect(row.locator("button")).to_have_count(0)
    # published by the members together, not under an internal id
    expect(row).to_contain_text("연합 학습 (회원사 공동)")
    # its description in the page's language only (the English half showed on Korean pages)
    expect(row).to_contain_text("회원사 2곳")
    expect(row).not_to_contain_text("2 members")
    expect(row).not_to_contain_text("federation:fed-web")
    # an ordinary entry still offers all three
    other = _publish(server.store, "bravo", "burr-offered")
    page.reload()
    actions = page.locator(f"#entry-{other} button[data-action]")
    expect(actions).to_have_count(2)  # evaluate and fine-tune; adopt after an evaluation


def test_adopting_a_model_that_finds_none_of_the_defects_asks_first(page, login, server):
    from sandan.store.base import CatalogueScore

    blind = _publish(server.store, "bravo", "blind-web-test")
    fair = _publish(server.store, "bravo", "fair-web-test")
    for entry_id, recall in ((blind, 0.0), (fair, 0.5)):
        metrics = {"metrics": {"f1": recall, "roc_auc": 0.59, "recall": recall}}
        server.store.put_catalogue_score("acme", CatalogueScore(entry_id, metrics, 15298, "evaluated"))
    login("kim")
    page.goto("/companies/acme/catalogue")
    row = page.locator(f"#entry-{blind}")
    # the count of parts it was scored on, labelled and grouped: not "(15298)"
    expect(row.locator("[data-rows]")).to_have_text("(부품 15,298개)")
    expect(row.locator("[data-finds-none]")).to_be_visible()
    adopts: list[str] = []
    page.on("request", lambda r: adopts.append(r.url) if r.url.endswith("/catalogue/adopt") else None)
    asked: list[str] = []

    def dismiss(d):
        asked.append(d.message)
        d.dismiss()

    page.once("dialog", dismiss)
    row.locator("button[data-action=adopt]").click()
    expect(row.locator("button[data-action=adopt]")).to_be_visible()
    assert asked and "하나도 찾지 못했습니다" in asked[0]
    page.wait_for_timeout(300)
    assert adopts == []  # declined: nothing sent
    page.once("dialog", lambda d: d.accept())
    with page.expect_request(lambda r: r.url.endswith("/catalogue/adopt")):
        row.locator("button[data-action=adopt]").click()
    # a model that finds some of them is adopted with one click, as before
    answered: list[str] = []
    page.on("dialog", lambda d: (answered.append(d.message), d.dismiss()))
    with page.expect_request(lambda r: r.url.endswith("/catalogue/adopt")):
        page.locator(f"#entry-{fair} button[data-action=adopt]").click()
    assert answered == []


def test_a_model_no_better_than_chance_says_so_and_is_not_offered_to_the_catalogue(page, login, server):
    """An engineer looking at the models list sees which version ranks parts no better than chance, cannot put it
    in the shared catalogue, and its page says not to use it."""
    from datetime import UTC, datetime

    from sandan.store.base import ModelVersion

    poor = ModelVersion(
        name="chance-web-test",
        version=1,
        task="Classifier",
        target="result",
        features=["spindle_temp"],
        metrics={"kind": "binary", "metrics": {"f1": 0.21, "roc_auc": 0.45}, "report": {"ko": "", "en": ""}},
        fingerprint="0" * 64,
        artifact="/nowhere",
        trained_at=datetime.now(UTC),
    )
    server.store.add_model_version("acme", poor)
    login("kim")
    page.goto("/companies/acme/models")
    row = page.locator("#models tr[data-name='chance-web-test']")
    expect(row.locator("[data-weak]")).to_have_text("학습에 쓰지 않은 행에서 우연보다 낫지 않음")
    expect(row.locator("button[data-action=publish]")).to_have_count(0)
    expect(row.locator("[data-not-publishable]")).to_have_attribute("title", re.compile("ROC-AUC 0.45"))
    row.get_by_role("link").first.click()
    expect(page.locator("#weak-model")).to_contain_text("우연보다 낫지 않습니다")
