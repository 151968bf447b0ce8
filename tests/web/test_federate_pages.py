"""Federation pages in a real browser: a company's engineer sees the federation's status, rounds, participants, the
aggregate and its own gain — never another member's; the operator sees every member's gain."""

from __future__ import annotations

import pytest

from sandan.learn.federated import CompanyGain, Comparison, Schema, service
from sandan.learn.federated.flower import generate_key

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

SCHEMA = Schema("result", "ng", ["spindle_temp"])


def _gain(company: str, rows: int, fed: float, local: float) -> CompanyGain:
    metrics = {"federated": {"f1": fed}, "local": {"f1": local}, "pooled": {"f1": 0.9}}
    g = CompanyGain(company, rows, rows // 20, metrics, {m: {} for m in metrics})
    g.adopt = fed > local
    return g


def _trained(server, name: str, gains: list[CompanyGain], overall: dict, rounds: list[int]) -> str:
    """A federation of acme and bravo with one recorded run."""
    data_dir = server.settings.data_dir
    fed = service.create_federation(name, "cnc", SCHEMA, data_dir=data_dir)
    for company in ("acme", "bravo"):
        service.join_federation(
            server.store, company, fed["id"], generate_key()[1].decode(), data_dir=data_dir
        )
    comparison = Comparison("TreeBagging", "held-out", "보류", gains, overall, {}, rounds=rounds)
    service.record_run(data_dir, fed["id"], comparison)
    return fed["id"]


@pytest.fixture(scope="module")
def federation(server):
    return _trained(
        server,
        "CNC 불량 연합",
        [_gain("acme", 800, 0.712, 0.634), _gain("bravo", 300, 0.587, 0.655)],
        {"federated": {"f1": 0.688}, "local": {"f1": 0.641}, "pooled": {"f1": 0.7}},
        [14, 17],
    )


def test_a_company_sees_its_own_gain_and_the_aggregate_not_another_members(page, login, federation):
    login("kim")  # acme's engineer
    page.goto("/companies/acme")
    page.locator("nav.mainnav a[data-nav=federations]").click()
    card = page.locator(f"section[data-federation='{federation}']")
    expect(card.locator("[data-col=status]")).to_have_text("학습 완료")
    expect(card.locator("[data-col=participants]")).to_have_text("2")
    expect(card.locator("[data-col=rounds]")).to_have_text("14, 17")
    expect(card.locator("tr[data-row=aggregate] [data-col=federated]")).to_have_text("0.688")
    mine = card.locator("tr[data-company=acme]")
    expect(mine.locator("[data-col=federated]")).to_have_text("0.712")
    expect(mine.locator("[data-col=gain]")).to_have_text("+0.078")
    expect(mine.locator("[data-col=adopt]")).to_contain_text("채택")
    expect(card.locator("tr[data-company=bravo]")).to_have_count(0)
    body = page.locator("main").inner_text()
    assert "bravo" not in body and "0.587" not in body and "0.655" not in body
    # Another company's page is not found, not shown.
    page.goto("/companies/bravo/federations")
    expect(page.locator("main")).not_to_contain_text("0.587")


def test_the_operator_sees_every_members_gain(page, login, federation):
    login("admin")
    page.goto("/federations")
    card = page.locator(f"section[data-federation='{federation}']")
    expect(card.locator("tr[data-company=acme] [data-col=gain]")).to_have_text("+0.078")
    expect(card.locator("tr[data-company=bravo] [data-col=gain]")).to_have_text("-0.068")
    expect(card.locator("tr[data-company=bravo] [data-col=adopt]")).to_contain_text("미채택")


def test_a_company_not_yet_in_a_federation_is_told_how_to_join(page, login, server, federation):
    fed = service.create_federation("CNC 공구 마모 연합", "cnc", SCHEMA, data_dir=server.settings.data_dir)
    login("kim")
    page.goto("/companies/acme/federations")
    expect(page.locator(f"section[data-federation='{federation}'] .join-how")).to_have_count(0)  # a member
    how = page.locator(f"section[data-federation='{fed['id']}'] .join-how")
    expect(how).to_contain_text("개인키는 귀사에만 남습니다")
    expect(how.locator("code")).to_have_text(
        f"sandan federate join --company acme --federation {fed['id']} --key-file acme.key"
    )
    page.context.clear_cookies()
    login("park")  # a viewer cannot join
    page.goto("/companies/acme/federations")
    expect(page.locator(".join-how")).to_have_count(0)


def test_the_operator_takes_a_member_out_after_a_question(page, login, server):
    data_dir = server.settings.data_dir
    fed = service.create_federation("CNC 진동 연합", "cnc", SCHEMA, data_dir=data_dir)
    for company in ("acme", "bravo"):
        service.join_federation(
            server.store, company, fed["id"], generate_key()[1].decode(), data_dir=data_dir
        )
    login("admin")
    page.goto("/federations")
    card = page.locator(f"section[data-federation='{fed['id']}']")
    manage = card.locator("[data-col=manage-members]")
    manage.locator("summary").click()
    page.once("dialog", lambda d: d.dismiss())
    manage.locator("li[data-member=bravo] button").click()
    assert set(service.cross_tenant_federation(fed["id"], data_dir=data_dir)["members"]) == {"acme", "bravo"}
    page.once("dialog", lambda d: d.accept())
    manage.locator("li[data-member=bravo] button").click()
    card = page.locator(f"section[data-federation='{fed['id']}']")
    expect(card.locator("[data-col=members]")).to_have_text("에이스정밀")
    assert set(service.cross_tenant_federation(fed["id"], data_dir=data_dir)["members"]) == {"acme"}


def test_a_member_neither_model_helps_is_not_told_its_own_model_is_better(page, login, server):
    fed_id = _trained(
        server,
        "CNC 버 연합",
        [_gain("acme", 800, 0.712, 0.634), _gain("bravo", 300, 0.0, 0.0)],
        {"federated": {"f1": 0.6}, "local": {"f1": 0.55}, "pooled": {"f1": 0.62}},
        [9],
    )
    login("admin")
    page.goto("/federations")
    bravo = page.locator(f"section[data-federation='{fed_id}'] tr[data-company=bravo] [data-col=adopt]")
    expect(bravo).to_contain_text("아직 어느 모델도 도움이 되지 않음")
    expect(bravo).not_to_contain_text("자체 모델이 같거나 우수")


def test_the_summarys_single_numbers_sit_next_to_their_labels(page, login, federation):
    """ "참여사 수 2" and "학습 횟수 1" read as pairs, not a label at the left and its number at the card's far edge."""
    login("kim")
    page.goto("/companies/acme/federations")
    card = page.locator(f"section[data-federation='{federation}']")
    card_box = card.bounding_box()
    for col in ("participants", "runs"):
        value = card.locator(f"table.summary td[data-col={col}]")
        label = value.locator("xpath=preceding-sibling::th[1]")
        lab = label.bounding_box()
        text = value.evaluate(
            "td => { const r = document.createRange(); r.selectNodeContents(td); return r.getBoundingClientRect().x; }"
        )
        assert text - (lab["x"] + lab["width"]) < 40, (col, text, lab)
        assert text < card_box["x"] + 0.5 * card_box["width"], (col, text, card_box)


def test_the_operator_deletes_an_empty_federation_after_a_question(page, login, server):
    data_dir = server.settings.data_dir
    fed = service.create_federation("잘못 만든 연합", "cnc", SCHEMA, data_dir=data_dir)
    login("admin")
    page.goto("/federations")
    card = page.locator(f"section[data-federation='{fed['id']}']")
    page.once("dialog", lambda d: d.dismiss())
    card.locator("form[data-delete] button").click()
    assert any(f["id"] == fed["id"] for f in service.cross_tenant_federations(data_dir=data_dir))
    page.once("dialog", lambda d: d.accept())
    card.locator("form[data-delete] button").click()
    expect(page.locator("#federation-deleted")).to_contain_text("잘못 만든 연합")
    expect(page.locator(f"section[data-federation='{fed['id']}']")).to_have_count(0)
    assert not any(f["id"] == fed["id"] for f in service.cross_tenant_federations(data_dir=data_dir))
