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
def test_an_engineer_cannot_take_the_company_data_out(page, login, server):
    login("kim")
    page.goto("/companies/acme")
    assert page.locator("#takeout-link").count() == 0
    assert page.goto("/companies/acme/takeout").status == 403
    assert page.request.post("/companies/acme/takeout").status == 403
    assert page.request.post("/api/v1/companies/acme/takeout").status == 403
    assert page.request.post("/companies/acme/erase", form={"confirm": "acme"}).status == 403
    assert server.store.get_company("acme") is not None


@pytest.mark.browser
def test_the_operator_erases_a_company_that_left_after_a_wrong_confirmation(page, login, server):
    from datetime import UTC, datetime, timedelta

    from sandan.collect import ingest_parts
    from sandan.domain import Company, Line, Machine, Site

    store = server.store
    store.upsert_company(Company(id="leaver", name="떠나는회사", family="press"))
    store.upsert_site("leaver", Site(id="p1", company_id="leaver", name="1공장"))
    store.upsert_line("leaver", Line(id="L1", company_id="leaver", site_id="p1", name="라인"))
    store.upsert_machine("leaver", Machine(id="m1", company_id="leaver", line_id="L1", name="프레스"))
    start = datetime.now(UTC) - timedelta(hours=1)
    rows = [
        {"time": start + timedelta(minutes=i), "machine_id": "m1", "part_id": f"L{i}", "result": "ok"}
        for i in range(9)
    ]
    assert ingest_parts(store, "leaver", rows).rejected == 0

    login("admin")
    page.goto("/companies/leaver/takeout")
    expect(page.locator("#erase-takeout")).to_have_class("warn")  # no takeout made: said before anything goes
    page.fill("#erase-confirm", "leave")
    page.locator("#erase-now").click()
    expect(page.locator("#erase-error")).to_contain_text("leaver")
    assert store.count_rows("leaver", "part_records") == 9
    page.fill("#erase-confirm", "leaver")
    page.locator("#erase-now").click()
    expect(page.locator("#erased")).to_contain_text("leaver")
    assert store.get_company("leaver") is None and store.count_rows("leaver", "part_records") == 0
    assert page.locator("tr[data-company='leaver']").count() == 0
