"""Creating a federation from the operator's page in a real browser: the form calls the same service function as the
API and the CLI; a refused form says what was wrong and keeps what was typed; companies' users cannot create."""

from __future__ import annotations

import pytest

from sandan.learn.federated import service

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def _named(server, name: str) -> list[dict]:
    return [
        f for f in service.cross_tenant_federations(data_dir=server.settings.data_dir) if f["name"] == name
    ]


MORE = (
    "strategy",
    "secure_aggregation",
    "dp_noise",
    "address",
)  # fields under "strategy, privacy and address"


def _submit(page, fields: dict, *, reload: bool = True) -> int:
    """Fill the operator's form (opened first on a fresh /federations), send it and return the answer's status."""
    if reload:
        page.goto("/federations")
    form = page.locator("#federation-form")
    if not form.is_visible():
        page.locator("#new-federation > summary").click()
    if any(k in MORE for k in fields) and not form.locator("input[name=dp_noise]").is_visible():
        form.locator("details > summary").click()
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if name in ("family", "strategy"):
            field.select_option(value)
        elif value is True:
            field.check()
        else:
            field.fill(value)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    return answer.value.status


def test_the_operator_creates_a_federation_with_the_form(page, login, server, shot):
    login("admin")
    typed = {
        "name": "사출 불량 연합",
        "family": "injection",
        # names an injection machine records: other tests' moulders on the same server may have records, and a
        # column no member records is refused
        "features": "melt_temp_c, holding_pressure_bar,\ncooling_time_s",
        "categorical": "product: PP, ABS",
        "strategy": "fedavg",
        "secure_aggregation": True,
        "dp_noise": "1.5",
    }
    assert _submit(page, typed) == 303

    expect(page.locator("#federation-created")).to_contain_text("사출 불량 연합")
    [fed] = _named(server, "사출 불량 연합")
    assert page.url.endswith(f"/federations?created={fed['id']}#federation-{fed['id']}")
    assert fed["family"] == "injection" and fed["strategy"] == "fedavg" and fed["status"] == "open"
    assert fed["target"] == "result"
    assert fed["features"] == ["melt_temp_c", "holding_pressure_bar", "cooling_time_s", "product"]
    kept = service.cross_tenant_federation(fed["id"], data_dir=server.settings.data_dir)
    assert kept["schema"]["categorical"] == {"product": ["PP", "ABS"]}
    assert kept["secure_aggregation"] is True and kept["dp_noise_multiplier"] == 1.5
    card = page.locator(f"section[data-federation='{fed['id']}']")
    expect(card).to_contain_text("사출 불량 연합")
    expect(card.locator("[data-col=status]")).to_have_text("모집 중 — 학습 전")
    expect(card.locator("tr", has_text="공정 계열")).to_contain_text(
        "사출"
    )  # the family in words, not its code
    expect(card.locator("tr", has_text="공정 계열")).not_to_contain_text("injection")
    # the form names what each family's machines record, so features are typed as the data names them
    expect(page.locator("#family-columns li[data-family=injection]")).to_contain_text("melt_temp_c")
    shot("federations_created")


def test_a_refused_form_says_why_and_keeps_what_was_typed(page, login, server, shot):
    login("admin")
    assert _submit(page, {"name": "특징 없는 연합", "family": "press", "target": "defect_type"}) == 422
    # the service's own message (no feature given), in the page's language
    expect(page.locator("#federation-error")).to_have_text("연합 학습에는 특징 열이 하나 이상 필요합니다")
    form = page.locator("#federation-form")
    expect(form.locator("input[name=name]")).to_have_value("특징 없는 연합")
    expect(form.locator("select[name=family]")).to_have_value("press")
    expect(form.locator("input[name=target]")).to_have_value("defect_type")

    # fixed in the same form, but the noise is not a number: refused again, still keeping every field
    assert _submit(page, {"features": "tonnage", "dp_noise": "abc"}, reload=False) == 422
    expect(page.locator("#federation-error")).to_have_text(
        "차분 프라이버시 잡음: 'abc'은(는) 숫자가 아닙니다"
    )
    expect(form.locator("input[name=name]")).to_have_value("특징 없는 연합")
    expect(form.locator("input[name=features]")).to_have_value("tonnage")
    expect(form.locator("input[name=dp_noise]")).to_have_value("abc")
    shot("federations_refused")
    assert _named(server, "특징 없는 연합") == []


def test_the_message_follows_the_language(page, login, server):
    page.context.add_cookies([{"name": "lang", "value": "en", "url": server.url}])
    login("admin")
    # the default strategy, trees, takes no differential privacy: the service says which strategies do
    fields = {"name": "Trees with noise", "family": "cnc", "features": "spindle_temp", "dp_noise": "1.0"}
    assert _submit(page, fields) == 422
    expect(page.locator("#federation-error")).to_contain_text("choose the strategy fedavg or fedprox")
    assert _named(server, "Trees with noise") == []


def test_a_company_user_cannot_create(page, login, server):
    login("kim")  # acme's engineer
    page.goto("/companies/acme/federations")
    expect(page.locator("main h1")).to_contain_text("연합 학습 모델")
    expect(page.locator("#federation-form")).to_have_count(0)
    answer = page.goto("/federations")
    assert answer.status == 403
    expect(page.locator("#federation-form")).to_have_count(0)
    posted = page.request.post(
        "/federations",
        form={
            "name": "몰래 만든 연합",
            "family": "cnc",
            "target": "result",
            "positive": "ng",
            "features": "spindle_temp",
        },
    )
    assert posted.status == 403
    assert _named(server, "몰래 만든 연합") == []
