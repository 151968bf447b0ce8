"""The company page shows the health of the collectors carrying the company's machine data."""

from __future__ import annotations

import time

import pytest

from sandan.collect.connector import StoreSink
from sandan.collect.modbus import ModbusCollector, ModbusConfig, Register
from sandan.domain import Machine, Signal
from tests.collect.test_modbus_collector import PressPlc, free_port


def wait_for(predicate, timeout=15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.browser
def test_company_page_lists_its_collectors_with_state_and_counts(server, page, login):
    # A machine of its own, so the readings this collector writes stay out of the other pages' charts.
    server.store.upsert_machine(
        "acme", Machine(id="plc-test", company_id="acme", line_id="L1", name="PLC 시험기", family="press")
    )
    server.store.upsert_signals(
        "acme",
        [
            Signal(
                company_id="acme",
                machine_id="plc-test",
                name="strokes_per_min",
                unit="kN",
                min_value=0,
                max_value=3000,
            )
        ],
    )
    plc = PressPlc(free_port()).start()
    collector = ModbusCollector(
        ModbusConfig(
            "127.0.0.1",
            "acme",
            "plc-test",
            [Register("strokes_per_min", 10, "int16", scale=0.1)],
            port=plc.port,
            poll_interval_s=0.05,
            flush_every=2,
        ),
        name="cnc-plc",
    )
    collector.start(StoreSink(server.store))
    server.app.state.connectors.register(collector, {"acme"}, site="plant1")
    try:
        assert wait_for(lambda: collector.health().records > 0)
        login("kim")
        page.goto("/companies/acme")
        row = page.locator("#connectors tr[data-state=connected]")
        assert "cnc-plc" in row.inner_text() and "modbus" in row.inner_text()
        page.context.clear_cookies()
        login("lee")
        page.goto("/companies/bravo")
        assert "cnc-plc" not in page.locator("#connectors").inner_text()
    finally:
        collector.stop()
        plc.stop()


@pytest.mark.browser
def test_company_page_shows_edge_agents_and_says_when_one_went_silent(server, page, login):
    from datetime import UTC, datetime, timedelta

    from sandan.collect.connector import report_edge_status

    now = datetime.now(UTC)
    press = {"name": "press-07", "kind": "modbus", "state": "connected", "records": 4200, "rate_per_s": 2.0}
    # ten minutes ago the press's PLC did not answer, then the agent went quiet until now
    plc_lost = {"en": "no answer from the press PLC", "ko": "프레스 PLC 응답 없음"}
    report_edge_status(
        server.store,
        "acme",
        "plant-live",
        [{**press, "state": "error", "last_error": plc_lost}],
        now=now - timedelta(minutes=10),
    )
    # connected again, still carrying the error it last had
    earlier = {**plc_lost, "at": (now - timedelta(minutes=10)).isoformat()}
    report_edge_status(server.store, "acme", "plant-live", [{**press, "last_error": earlier}], now=now)
    report_edge_status(
        server.store,
        "acme",
        "plant-gone",
        [{"name": "press-08", "kind": "modbus", "state": "connected"}],
        now=now - timedelta(hours=2),
    )
    login("kim")
    page.goto("/companies/acme")
    live = page.locator("#connectors tr[data-edge=plant-live]")
    assert "press-07" in live.inner_text() and "엣지 에이전트 plant-live" in live.inner_text()
    assert live.get_attribute("data-state") == "connected" and "4,200" in live.inner_text()
    # the old error reads as past, with its time, not as a warning under a working collector
    past = live.locator("xpath=following-sibling::tr[1]")
    assert "다시 연결됨" in past.inner_text() and "프레스 PLC 응답 없음" in past.inner_text()
    assert past.locator("td.warn").count() == 0
    gone = page.locator("#connectors tr[data-edge=plant-gone]")
    # the 2-hour-old report named its collector's state only: the counts it left out read "—", not "None"
    assert "None" not in gone.inner_text() and "—" in gone.inner_text()
    assert gone.get_attribute("data-state") == "silent"
    assert "응답 없음" in gone.inner_text() and "마지막 보고" in gone.inner_text()
    # the link history says when the press failed, with its error, and how long the agent was silent
    history = page.locator("#edge-history")
    history.locator("summary").click()
    rows = history.locator("tbody tr[data-state]")
    live = [rows.nth(i).inner_text() for i in range(rows.count()) if "plant-live" in rows.nth(i).inner_text()]
    assert len(live) == 3 and "상태 → 연결됨" in live[0]
    assert "10분 동안 보고 없음" in live[1]
    assert "상태 → 오류" in live[2] and "프레스 PLC 응답 없음" in live[2]


@pytest.mark.browser
def test_without_a_collector_the_page_says_records_still_arrive(server, page, login):
    """Parts written by an import, the API or the demo's virtual plant: "no collector" alone read as if nothing
    arrived; the page says how many part records came in the last hour and when the latest did."""
    from datetime import UTC, datetime, timedelta

    from sandan.collect import ingest_parts
    from sandan.domain import Company

    server.store.upsert_company(Company(id="arrive", name="도착 시험", family="press"))
    server.store.upsert_machine(
        "arrive", Machine(id="p1", company_id="arrive", line_id="L1", name="프레스 1", family="press")
    )
    login("admin")
    page.goto("/companies/arrive")
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(page.locator("#connectors")).to_contain_text("수집기가 돌고 있지 않고")
    expect(page.locator("#records-arriving")).to_have_count(0)  # nothing recorded: nothing said to arrive
    now = datetime.now(UTC)
    parts = [
        {
            "time": (now - timedelta(minutes=30 - i)).isoformat(),
            "machine_id": "p1",
            "part_id": f"a{i}",
            "result": "ok",
        }
        for i in range(3)
    ]
    assert ingest_parts(server.store, "arrive", parts).rejected == 0
    page.reload()
    expect(page.locator("#records-arriving")).to_contain_text("최근 1시간 3건")
