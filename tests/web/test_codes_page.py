"""The code table on the web: the codes a company's records carry without a name are listed; named on the page
(or from an Excel CSV) they are saved, and a line that is not "code, name" is refused naming it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from sandan.collect import ingest_events
from sandan.monitor.codes import codes_path, company_codes

pytestmark = pytest.mark.browser


@pytest.fixture
def acme_codes(server):
    path = codes_path(server.settings.data_dir, "acme")
    yield path
    path.unlink(missing_ok=True)


def test_unnamed_codes_are_listed_and_named_on_the_page(page, login, server, acme_codes, tmp_path):
    start = datetime.now(UTC) - timedelta(days=40)  # outside the windows other page tests read
    ingest_events(
        server.store,
        "acme",
        [
            {"machine_id": "cnc-01", "start": start, "end": start + timedelta(minutes=5), "state": "down",
             "reason_code": "E77"},
            {"machine_id": "cnc-01", "start": start + timedelta(minutes=10),
             "end": start + timedelta(minutes=12), "state": "down", "reason_code": "E77"},
        ],
    )  # fmt: skip
    login("kim")
    page.goto("/companies/acme")
    page.click("#codes-link")
    expect(page.locator("#codes-unnamed [data-unnamed=E77]")).to_have_text("E77 (2)")

    page.fill("#codes-reasons", "E77\n")
    page.click("#codes-save")
    expect(page.locator("#codes-error")).to_contain_text("정지 사유 1번째 줄: 코드와 이름을 쓰세요")
    expect(page.locator("#codes-reasons")).to_have_value("E77\n")

    page.fill("#codes-reasons", "E77, 금형 교체, Mould change\nE78, 자재 대기")
    csv = tmp_path / "codes.csv"
    csv.write_bytes("kind,code,ko,en\ndefect,burr,버,Burr\n".encode("cp949"))
    page.set_input_files("input[name=file]", str(csv))
    page.click("#codes-save")
    expect(page.locator("#codes-saved")).to_be_visible()
    expect(page.locator("[data-unnamed=E77]")).to_have_count(0)
    table = company_codes(server.settings.data_dir, "acme")
    assert (
        table.name("reasons", "E77", "ko") == "금형 교체"
        and table.name("reasons", "E77", "en") == "Mould change"
    )
    assert table.name("reasons", "E78", "en") == "자재 대기"  # no English given: the Korean serves
    assert table.name("defects", "burr", "ko") == "버"
    expect(page.locator("#codes-defects")).to_have_value("burr, 버, Burr")
