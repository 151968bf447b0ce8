"""The operator backs the platform up from the web while it runs, and sees the archive in the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sandan.store.backup import read_manifest


@pytest.mark.browser
def test_the_operator_backs_up_from_the_web_and_downloads_the_archive(page, login, server, tmp_path):
    login("admin")
    page.goto("/")
    page.locator("nav a[data-nav=backups]").click()
    expect(page.locator("h1")).to_have_text("백업")
    expect(page.locator("#backup-schedule")).to_contain_text("매일 02:00(Asia/Seoul)")
    expect(page.locator("#backup-space")).to_contain_text("GB 남음")  # room on the disk for the next one
    page.locator("#backup-now").click()
    # the page follows the job and reloads into the result
    expect(page.locator("#backup-done")).to_be_visible(timeout=60_000)
    name = re.search(r"sandan-backup-\d{8}T\d{6}Z\.tar", page.locator("#backup-done").inner_text()).group()
    row = page.locator(f"#archives tr[data-archive='{name}']")
    expect(row).to_be_visible()
    kept = read_manifest(server.settings.data_dir / "backups" / name)
    assert f"{sum(kept.tables.values()):,}" in row.inner_text() and kept.tables["users"] >= 1
    # the file's name downloads it, to keep a copy off the server's disk
    with page.expect_download() as got:
        row.locator("a[download]").click()
    copy = tmp_path / got.value.suggested_filename
    got.value.save_as(copy)
    assert copy.name == name and read_manifest(copy) == kept


@pytest.mark.browser
def test_a_company_user_cannot_reach_the_backups(page, login):
    login("kim")
    assert page.locator("nav a[data-nav=backups]").count() == 0
    assert page.goto("/backups").status == 403
    assert page.locator("#backup-now").count() == 0
    assert page.request.post("/backups").status == 403
    assert page.request.post("/api/v1/backups").status == 403
