"""The training form checks its fields before sending and names them by their labels in the page's language; what
the API still refuses comes back under the same labels, never as 'body.budget_s' or 'end (…) must be after start'."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _posts(page) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    return sent


def test_days_and_budget_out_of_range_are_named_by_their_labels_and_nothing_is_sent(page, login):
    login("kim")
    page.goto("/companies/acme/models")
    sent = _posts(page)
    form = page.locator("#train-form")
    days, budget = form.locator("input[name=days]"), form.locator("input[name=budget_s]")
    for box, value, words in (
        (days, "0", "학습 기간(일): 1에서 3650 사이의 숫자를 입력하세요"),
        (days, "100000", "학습 기간(일): 1에서 3650 사이의 숫자를 입력하세요"),
        (budget, "0", "시간 예산(초): 5에서 3600 사이의 숫자를 입력하세요"),
    ):
        kept = box.input_value()
        box.fill(value)
        form.locator("button[type=submit]").click()
        # the browser's own check stops the form and says it in the page's words
        assert box.evaluate("e => e.validationMessage") == words
        expect(box).to_have_attribute("aria-invalid", "true")
        box.fill(kept)
        expect(box).not_to_have_attribute("aria-invalid", "true")
    # a form sent past the browser's check (a script, an old browser) is checked again before anything is posted
    days.fill("0")
    budget.fill("0")
    form.locator("input[name=name]").fill("불량 예측")
    form.evaluate("f => f.dispatchEvent(new Event('submit', {cancelable: true}))")
    status = page.locator("#train-status")
    expect(status).to_contain_text("이름: 글자(한글 포함)")
    expect(status).to_contain_text("학습 기간(일): 1에서 3650 사이의 숫자를 입력하세요")
    expect(status).to_contain_text("시간 예산(초): 5에서 3600 사이의 숫자를 입력하세요")
    for name in ("name", "days", "budget_s"):
        expect(form.locator(f"input[name={name}]")).to_have_attribute("aria-invalid", "true")
    assert sent == []
    assert "body." not in status.inner_text()


def test_what_the_api_refuses_is_named_by_the_forms_label(page, login):
    login("kim")
    page.goto("/companies/acme/models")
    form = page.locator("#train-form")
    budget = form.locator("input[name=budget_s]")
    # the page's limit taken away, the API's own refuses the budget
    budget.evaluate("e => e.max = '100000'")
    budget.fill("5000")
    with page.expect_response(lambda r: r.url.endswith("/models/train")) as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 422
    status = page.locator("#train-status")
    expect(status).to_contain_text("시간 예산(초): ")
    assert "body." not in status.inner_text() and "budget_s" not in status.inner_text()
    expect(budget).to_have_attribute("aria-invalid", "true")


def test_the_english_page_names_the_fields_in_english(page, login):
    login("kim")
    page.goto("/lang/en?next=/companies/acme/models")
    days = page.locator("#train-form input[name=days]")
    days.fill("0")
    page.locator("#train-form button[type=submit]").click()
    assert days.evaluate("e => e.validationMessage") == "Days of history: a number from 1 to 3650"
    page.goto("/lang/ko?next=/companies/acme/models")


def test_a_training_started_before_a_reload_is_followed_again_until_its_version_appears(page, login, server):
    """An engineer reloads the models page while a training runs: the page says a training is running and shows
    its progress (not "no models yet" until the version appears), and reloads itself when it is done."""
    import threading

    from sandan.web.shell import jobs_of

    login("kim")
    page.goto("/companies/acme/models")  # the app's registry exists once a page has asked for it
    release = threading.Event()

    def training(progress):  # the registry's own job, held until the test lets it finish
        progress(1, 4, message="evaluating fold 1 of 4 · 평가 1/4")
        release.wait(30)
        return {"name": "follow-web-test"}

    class Req:  # jobs_of reads the registry from the app, as a page request does
        app = server.app

    job = jobs_of(Req).submit("acme", "train", training, user_id="kim", label="follow-web-test")
    try:
        page.reload()
        expect(page.locator("#train-status")).to_contain_text("평가 1/4")
        expect(page.locator("#train-progress")).to_be_visible()
    finally:
        release.set()
    assert jobs_of(Req).wait("acme", job.id, timeout=10).state.value == "done"
    expect(page.locator("#train-status")).to_be_empty()  # done: the page reloaded itself
