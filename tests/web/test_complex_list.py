"""The operator's list of members, made for a hundred: find by name, id or region, filter by process and by
quiet members, sort by any column; each member's last record, marked when it is a day old or none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from sandan.collect import ingest_parts
from sandan.domain import Company, Line, Machine, Site


def test_the_operator_finds_filters_and_sorts_members_and_sees_who_went_quiet(page, login, server):
    store = server.store
    for i in range(12):
        store.upsert_company(
            Company(id=f"zz-member-{i:02d}", name=f"조용한회사 {i:02d}", family="press", region="구미")
        )
    # a member of its own that produced five minutes ago (the other page tests' companies stay untouched)
    store.upsert_company(Company(id="yy-active", name="가동회사", family="press", region="구미"))
    store.upsert_site("yy-active", Site(id="s1", company_id="yy-active", name="1공장"))
    store.upsert_line("yy-active", Line(id="l1", company_id="yy-active", site_id="s1", name="라인"))
    store.upsert_machine(
        "yy-active", Machine(id="prs-01", company_id="yy-active", line_id="l1", name="프레스")
    )
    now = datetime.now(UTC)
    part = {
        "time": (now - timedelta(minutes=5)).isoformat(),
        "machine_id": "prs-01",
        "part_id": "p-1",
        "result": "ok",
    }
    assert ingest_parts(store, "yy-active", [part]).rejected == 0
    last = store.cross_tenant_last_records()
    assert now - last["yy-active"] < timedelta(minutes=10)
    login("admin")
    page.goto("/")
    table = page.locator("#companies")
    total = len(store.cross_tenant_companies())
    expect(table.locator("tbody tr")).to_have_count(total)
    expect(page.locator("#companies-shown")).to_have_text(f"{total} / {total}")
    # a member with no record at all is marked, one with today's records is not
    expect(table.locator("tr[data-company=zz-member-03]")).to_have_attribute("data-quiet", "1")
    expect(table.locator("tr[data-company=zz-member-03]")).to_contain_text("아직 없음")
    expect(table.locator("tr[data-company=yy-active]")).to_have_attribute("data-quiet", "0")

    page.fill("#company-filter", "zz-member-0")
    expect(page.locator("#companies-shown")).to_have_text(f"10 / {total}")
    # every word must be found, the region's and the id's ("11" alone is in a record time from 11:00 to 11:59)
    page.fill("#company-filter", "구미 member-11")
    expect(table.locator("tbody tr:visible")).to_have_count(1)
    page.fill("#company-filter", "")
    page.select_option("#company-family", "press")
    presses = sum(c.family.value == "press" for c in store.cross_tenant_companies())
    expect(table.locator("tbody tr:visible")).to_have_count(presses)
    page.select_option("#company-family", "")
    # only the quiet ones, with the search: other tests' members went quiet or not by their own calendars and
    # the day of the week, so the count is checked on this test's own members
    page.check("#company-quiet")
    page.fill("#company-filter", "zz-member-")
    expect(table.locator("tbody tr:visible")).to_have_count(12)
    page.fill("#company-filter", "yy-active")
    expect(table.locator("tbody tr:visible")).to_have_count(0)
    page.fill("#company-filter", "")
    expect(table.locator("tbody tr:visible")).to_have_count(table.locator("tbody tr[data-quiet='1']").count())
    page.uncheck("#company-quiet")

    # sorted by the last record, newest first on the second click: an active plant leads
    header = table.locator("th", has_text="마지막 데이터")
    header.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    first = table.locator("tbody tr").first.get_attribute("data-company")
    assert first == max(last, key=last.get)
