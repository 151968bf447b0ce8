"""The assistant's documents page: an upload that cannot be read says why on the same page, beside the list, and
the list shows when each document came in on the plant's clock."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_a_bad_upload_is_refused_beside_the_list_and_times_are_on_the_plant_clock(page, login, tmp_path):
    login("kim")
    good = tmp_path / "작업표준.txt"
    good.write_text("# 사출 조건\n보압은 600 bar에서 시작한다.\n", encoding="utf-8")
    page.goto("/companies/acme/assist/documents")
    page.set_input_files("input[name=file]", str(good))
    page.get_by_role("button", name="올리기").click()
    row = page.locator("#documents tbody tr", has_text="작업표준.txt")
    expect(row).to_be_visible()
    # in the display zone, as every other page writes times: no UTC offset, no "T"
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d kim", row.inner_text()) and "+00:00" not in row.inner_text()

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj <<")
    for bad, says in ((empty, "empty.txt"), (broken, "broken.pdf")):
        page.set_input_files("input[name=file]", str(bad))
        page.get_by_role("button", name="올리기").click()
        message = page.locator("#documents-error").inner_text()
        assert says in message and "Error" not in message, message
        expect(
            page.locator("#documents tbody tr", has_text="작업표준.txt")
        ).to_be_visible()  # still on the list
    # the form's own check bypassed: no file at all
    page.locator("input[name=file]").evaluate("e => e.removeAttribute('required')")
    page.set_input_files("input[name=file]", [])
    page.get_by_role("button", name="올리기").click()
    expect(page.locator("#documents-error")).to_contain_text("파일을 먼저 고르세요")


def test_an_empty_question_asks_for_one(page, login):
    login("kim")
    page.goto("/companies/acme/assist?q=%20%20")
    expect(page.locator("#ask-blank")).to_contain_text("질문을 입력")
    page.goto("/companies/acme/assist")
    expect(page.locator("#ask-blank")).to_have_count(0)  # the page opened, nothing asked yet
    assert page.locator("#q").get_attribute("required") is not None
