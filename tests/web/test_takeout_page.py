"""A company's data is taken out from its page: the file is made with progress, listed with its rows and downloads
as the ZIP the manifest describes; an engineer of the company cannot reach it."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_the_admin_makes_and_downloads_the_company_takeout(page, login, server):
    login("admin")
    page.goto("/companies/acme")
    page.locator("#takeout-link").click()
    expect(page.locator("h1")).to_have_text("데이터 전체 내려받기")
    page.locator("#takeout-now").click()
    expect(page.locator("#takeout-done")).to_be_visible(timeout=60_000)
    name = re.search(r"acme-takeout-\d{8}T\d{6}Z\.zip", page.locator("#takeout-done").inner_text()).group()
    row = page.locator(f"#takeouts tr[data-takeout='{name}']")
    expect(row).to_be_visible()
    parts = server.store.count_rows("acme", "part_records")
    expect(row.locator("td").nth(3)).to_have_text(f"{parts:,}")
    with page.expect_download() as download:
        row.locator("a").click()
    body = open(download.value.path(), "rb").read()  # noqa: SIM115
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["company_id"] == "acme" and manifest["rows"]["parts"] == parts
        assert "bravo" not in json.dumps(manifest)


@pytest.mark.browser
def test_an_engineer_cannot_take_the_company_data_out(page, login):
    login("kim")
    page.goto("/companies/acme")
    assert page.locator("#takeout-link").count() == 0
    assert page.goto("/companies/acme/takeout").status == 403
    assert page.request.post("/companies/acme/takeout").status == 403
    assert page.request.post("/api/v1/companies/acme/takeout").status == 403
