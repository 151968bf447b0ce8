"""Monitoring pages in a real browser: the OEE dashboard drills down from the complex to a machine and shows the
API's figures; unexplained downtime is labelled and moves into the Pareto under its reason; an alert is acknowledged
from the inbox with a comment. Company bravo's press is used, so the
acme data other page tests rely on stays untouched."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from sandan.collect import ingest_events, ingest_parts, ingest_readings
from sandan.domain import Machine
from sandan.monitor import AlertRule, Delivery, Shift, ShiftCalendar, evaluate_alerts, open_alert_store
from sandan.monitor.calendar import save_company_calendar

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

COMPANY, MACHINE, PRESS2 = "bravo", "press-01", "press-02"


@pytest.fixture(scope="module")
def running_press(server):
    """Six hours of bravo's press: running, an hour down without a reason, running again; a part a minute. Bravo
    plans round the clock, so the figures do not depend on the weekday or the hour the tests run at."""
    all_day = Shift(name="all", label_ko="종일", label_en="All day", start=time(0), end=time(0))
    calendar = ShiftCalendar(shifts=[all_day], working_weekdays=list(range(7)), korean_public_holidays=False)
    save_company_calendar(server.settings.data_dir, COMPANY, calendar)
    now = datetime.now(UTC).replace(microsecond=0)
    t = [now - timedelta(hours=h) for h in (6, 3, 2)]
    events = [
        {"machine_id": MACHINE, "start": t[0].isoformat(), "end": t[1].isoformat(), "state": "running"},
        {"machine_id": MACHINE, "start": t[1].isoformat(), "end": t[2].isoformat(), "state": "down"},
        {"machine_id": MACHINE, "start": t[2].isoformat(), "end": now.isoformat(), "state": "running"},
    ]
    assert ingest_events(server.store, COMPANY, events).rejected == 0
    parts = [
        {
            "time": (t[0] + timedelta(minutes=m)).isoformat(),
            "machine_id": MACHINE,
            "part_id": f"W-{m}",
            "result": "ng" if m % 25 == 0 else "ok",
        }
        for m in range(1, 360)
        if not (180 <= m < 240)
    ]
    assert ingest_parts(server.store, COMPANY, parts).rejected == 0
    return now


def _pct(v) -> str:
    return "–" if v is None else f"{v * 100:.1f}%"


def test_oee_dashboard_drills_down_from_the_complex_to_a_machine(page, login, server, running_press, shot):
    login("admin")
    page.goto("/")
    page.locator("header a[data-nav='monitor-all']").click()  # the operator's menu leads to the complex's OEE
    expect(page).to_have_url(f"{server.url}/monitor")
    companies = page.locator("#children tbody")
    expect(companies).to_contain_text("브라보단조")
    # the complex's own figures: the API's, from the companies' summed elements
    end = page.evaluate("() => new Date().toISOString()")
    start = (datetime.fromisoformat(end.replace("Z", "+00:00")) - timedelta(days=1)).isoformat()
    complex_oee = page.request.get("/api/v1/monitor/oee", params={"start": start, "end": end}).json()[
        "overall"
    ]
    expect(page.locator("#kpis [data-kpi='availability'] .kpi-value")).to_have_text(
        _pct(complex_oee["availability"])
    )
    # the quality ratio says how it counts (by ideal time, not the quality page's parts)
    expect(page.locator("#kpis [data-kpi='quality']")).to_have_attribute(
        "title", re.compile("이상 사이클 타임")
    )
    expect(page.locator("#children th[data-sort='quality']")).to_have_attribute("title", re.compile("불량률"))
    companies.locator("a", has_text="브라보단조").click()

    expect(page).to_have_url(f"{server.url}/companies/{COMPANY}/monitor")
    # the day's production report, one workbook from the company's dashboard, named by its production day (before
    # the first shift starts that is still yesterday's date)
    from sandan.monitor.calendar import company_calendar

    day = company_calendar(server.settings.data_dir, COMPANY).production_day(datetime.now(UTC))
    expect(page.locator("#production-report a[data-report='report.today']")).to_have_text(
        f"생산일 {day:%m-%d} (지금까지)"
    )
    with page.expect_download() as report:
        page.locator("#production-report a[data-report='report.today']").click()
    assert report.value.suggested_filename.startswith(f"production-{COMPANY}-")
    book = load_workbook(io.BytesIO(Path(report.value.path()).read_bytes()))
    assert book.sheetnames[:5] == ["요약", "설비별", "설비·교대별", "정지 사유", "불량 유형"]
    assert MACHINE in [r[0] for r in book["설비별"].iter_rows(min_row=2, values_only=True)]
    page.locator("#children a", has_text="가공 라인").click()
    expect(page).to_have_url(f"{server.url}/companies/{COMPANY}/monitor/lines/L1")
    row = page.locator(f"#children tbody tr[data-row='{MACHINE}']")
    expect(row).to_be_visible()
    # the number in the line table is the API's number (one function behind both)
    expect(page.locator("body")).to_have_attribute("data-loaded", "1")
    end = page.evaluate("() => new Date().toISOString()")
    api = page.request.get(
        f"/api/v1/companies/{COMPANY}/oee/dashboard",
        params={
            "line_id": "L1",
            "end": end,
            "start": (datetime.fromisoformat(end.replace("Z", "+00:00")) - timedelta(days=1)).isoformat(),
        },
    ).json()
    expected = next(r for r in api["by_machine"] if r["machine_id"] == MACHINE)
    expect(row.locator("td[data-col='oee']")).to_have_text(_pct(expected["oee"]))
    shot("oee_line")
    # the table goes to Excel from the page: a real download in the browser's session, the same rows
    with page.expect_download() as download:
        page.locator("#oee-export-xlsx").click()
    assert download.value.suggested_filename.startswith("oee-machine-")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["data"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)]
    exported = next(r for r in rows if r["설비"] == MACHINE)
    assert exported["설비명"] and exported["설비종합효율(OEE)"] == pytest.approx(expected["oee"], abs=0.01)

    row.locator("a").click()
    expect(page).to_have_url(f"{server.url}/companies/{COMPANY}/monitor/machines/{MACHINE}")
    expect(page.locator(".crumbs")).to_contain_text("가공 라인")
    # The default calendar plans Mon-Fri shifts, so on a weekend the same data means no planned time: compare with
    # what the API says for this machine rather than with fixed numbers.
    expect(page.locator("body")).to_have_attribute("data-loaded", "1")
    end = page.evaluate("() => new Date().toISOString()")
    start = (datetime.fromisoformat(end.replace("Z", "+00:00")) - timedelta(days=1)).isoformat()
    window = {"machine_id": MACHINE, "end": end, "start": start}
    mine = page.request.get(f"/api/v1/companies/{COMPANY}/oee/dashboard", params=window).json()
    down_h = f"{mine['losses']['breakdowns_s'] / 3600:.1f}시간"  # in Korean words
    expect(page.locator("#losses tr[data-loss='breakdowns_s']")).to_contain_text(down_h)
    expect(page.locator(".kpi[data-kpi='oee'] .kpi-value")).to_have_text(_pct(mine["overall"]["oee"]))
    # a shift the window or the records hold only in part says so beside its name; a whole one does not
    shifts = page.locator("#children tbody tr")
    expect(shifts).to_have_count(len(mine["by_shift"]))
    partial = sum(r["planned_operation_time_s"] < r["shift_planned_s"] - 60 for r in mine["by_shift"])
    expect(page.locator("#children tbody tr:has-text('(일부:')")).to_have_count(partial)
    if mine["unexplained"]["count"]:  # a weekday: the hour of down time waits for a reason
        expect(page.locator("#unexplained tbody tr form")).to_have_count(1)
        expect(page.locator("#pareto")).to_contain_text("(사유 미입력)")
    else:
        expect(page.locator("#unexplained")).to_contain_text("모든 정지에 사유가 있습니다")
    expect(page.locator("#trend canvas")).to_have_count(1)
    expect(page.locator("#hourly-panel")).to_be_visible()  # 24 hours: the hour-by-hour output too
    expect(page.locator("#hourly canvas")).to_have_count(1)
    # room right of the plot for the last time label, centred on its tick ("12-03 14:00" was cut in half)
    room = page.evaluate(
        "() => { const w = document.querySelector('#hourly .u-wrap'), o = w.querySelector('.u-over');"
        " return w.clientWidth - (o.offsetLeft + o.offsetWidth); }"
    )
    assert room >= 40
    shot("oee_machine")


def test_the_operator_sorts_the_members_by_a_figure_and_finds_one_by_name(page, login, running_press):
    login("admin")
    page.goto("/monitor")
    rows = page.locator("#children tbody tr")
    expect(rows.filter(has_text="브라보단조")).to_have_count(1)
    total = rows.count()
    assert total >= 2

    def oee_column():
        texts = page.locator("#children tbody [data-col=oee]").all_inner_texts()
        figures = [float(x.rstrip("%")) for x in texts if x != "–"]
        assert texts[: len(figures)] == [x for x in texts if x != "–"], texts  # members without a figure last
        return figures

    heading = page.locator("#children th[data-sort=oee]")
    heading.click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    figures = oee_column()
    assert figures and figures == sorted(figures)
    heading.click()
    expect(heading).to_have_attribute("aria-sort", "descending")
    figures = oee_column()
    assert figures == sorted(figures, reverse=True)
    page.locator("#children-find").fill("브라보")
    expect(rows).to_have_count(1)
    expect(page.locator("#children-shown")).to_have_text(f"1 / {total}")
    page.locator("#children-find").fill("")
    expect(rows).to_have_count(total)


def test_the_chosen_period_stays_in_the_address_through_drill_down_and_language(page, login, running_press):
    login("lee")
    page.goto(f"/companies/{COMPANY}/monitor?range=7d")
    expect(page.locator("#mon-range")).to_have_value("7d")
    page.locator("#mon-range").select_option("30d")
    expect(page).to_have_url(re.compile(r"[?&]range=30d"))
    expect(page.locator("#lang-switch")).to_have_attribute("href", re.compile(r"range%3D30d|range=30d"))
    # the table is drawn again for the new period: its link carries the period once it is (a click on the link of
    # the table being replaced was lost in a CI run)
    line = page.locator("#children a", has_text="가공 라인")
    expect(line).to_have_attribute("href", re.compile(r"range=30d"))
    line.click()
    expect(page).to_have_url(re.compile(r"/monitor/lines/L1\?range=30d$"))
    expect(page.locator("#mon-range")).to_have_value("30d")
    page.locator("#lang-switch").click()
    expect(page.locator("#mon-range")).to_have_value("30d")  # the English page, the same period


def test_one_production_day_is_chosen_from_the_list_and_stays_in_the_address(
    page, login, server, running_press
):
    """A plant that imports yesterday's Excel looks at that day, not the last 24 hours: the day's figures are the
    API's over the production day's span (bravo plans round the clock from 00:00 Seoul time)."""
    from sandan.monitor.calendar import company_calendar
    from sandan.web.monitor import DAYS_OFFERED

    calendar = company_calendar(server.settings.data_dir, COMPANY)
    today = calendar.production_day(running_press)
    # the day list begins at the plant's first record: one part made two days ago opens the days since
    early = {
        "time": (running_press - timedelta(hours=48)).isoformat(),
        "machine_id": MACHINE,
        "part_id": "W-early",
    }
    assert ingest_parts(server.store, COMPANY, [{**early, "result": "ok"}]).rejected == 0
    first = calendar.production_day(server.store.record_span(COMPANY, "part_records")[0])
    first = max(
        first, today - timedelta(days=DAYS_OFFERED - 1)
    )  # another test's older record: the list's limit
    login("lee")
    page.goto(f"/companies/{COMPANY}/monitor/machines/{MACHINE}")
    expect(page.locator("#mon-day-label")).to_be_hidden()
    page.locator("#mon-range").select_option("day")
    expect(page.locator("#mon-day")).to_be_visible()
    expect(page.locator("#mon-day")).to_have_value(today.isoformat())
    expect(page).to_have_url(re.compile(rf"range=day&day={today.isoformat()}"))
    start, end = calendar.production_day_span(today)
    until = min(end, datetime.now(UTC) + timedelta(minutes=1))
    window = {"machine_id": MACHINE, "start": start.isoformat(), "end": until.isoformat()}
    mine = page.request.get(f"/api/v1/companies/{COMPANY}/oee/dashboard", params=window).json()
    expect(page.locator(".kpi[data-kpi='oee'] .kpi-value")).to_have_text(_pct(mine["overall"]["oee"]))
    # no day before the first record is offered
    offered = page.locator("#mon-day option").evaluate_all("options => options.map(o => o.value)")
    assert offered[-1] == first.isoformat() and len(offered) == (today - first).days + 1
    # another day: its own figures (the machine's state records begin later: none), the address says which day
    day = first
    old = day.isoformat()
    page.locator("#mon-day").select_option(old)
    expect(page).to_have_url(re.compile(rf"day={old}"))
    start, end = calendar.production_day_span(day)
    window = {"machine_id": MACHINE, "start": start.isoformat(), "end": end.isoformat()}
    then = page.request.get(f"/api/v1/companies/{COMPANY}/oee/dashboard", params=window).json()
    assert then["overall"]["oee"] != mine["overall"]["oee"]
    expect(page.locator(".kpi[data-kpi='oee'] .kpi-value")).to_have_text(_pct(then["overall"]["oee"]))
    page.reload()
    expect(page.locator("#mon-range")).to_have_value("day")
    expect(page.locator("#mon-day")).to_have_value(old)


def test_the_quality_page_shows_one_production_day_too(page, login, server, running_press):
    """After a fix, an engineer looks at today's production day alone: the quality table holds that day's parts."""
    from sandan.monitor.calendar import company_calendar

    calendar = company_calendar(server.settings.data_dir, COMPANY)
    today = calendar.production_day(running_press)
    login("lee")
    page.goto(f"/companies/{COMPANY}/quality")
    expect(page.locator("#mon-day-label")).to_be_hidden()
    page.locator("#mon-range").select_option("day")
    expect(page.locator("#mon-day")).to_have_value(today.isoformat())
    expect(page).to_have_url(re.compile(rf"range=day&day={today.isoformat()}"))
    start, end = calendar.production_day_span(today)
    until = min(end, datetime.now(UTC) + timedelta(minutes=1))
    window = {"start": start.isoformat(), "end": until.isoformat()}
    rows = page.request.get(f"/api/v1/companies/{COMPANY}/quality", params=window).json()["rows"]
    assert rows, "the running press made parts today"
    shown = page.locator("#quality tbody tr")
    expect(shown).to_have_count(len(rows))
    for r in rows:  # each product's count of the day, as the API counts it
        expect(page.locator("#quality tbody")).to_contain_text(f"{r['produced_qty']:,}")
    page.reload()  # the day stays in the address
    expect(page.locator("#mon-range")).to_have_value("day")
    expect(page.locator("#mon-day")).to_be_visible()


def test_an_alert_is_acknowledged_with_a_comment_in_the_inbox(page, login, server):
    alerts = open_alert_store(server.settings.data_dir)
    rule = AlertRule(
        id="press-hot", name="프레스 과열", kind="threshold", signal="spindle_temp", threshold=100
    )
    alerts.put_rule(COMPANY, rule.id, rule.model_dump(mode="json"), "lee")
    now = datetime.now(UTC)
    row = {
        "time": (now - timedelta(minutes=1)).isoformat(),
        "machine_id": MACHINE,
        "signal": "spindle_temp",
        "value": 131,
    }
    assert ingest_readings(server.store, COMPANY, [row]).rejected == 0
    (change,) = evaluate_alerts(server.store, COMPANY, now, alerts=alerts, delivery=Delivery())

    login("lee")
    page.goto(f"/companies/{COMPANY}/alerts")
    line = page.locator(f"#alerts tr[data-alert='{change.alert_id}']")
    expect(line).to_contain_text(
        "press-01 spindle_temp (°C) = 131, 한계 100 초과"
    )  # the signal with its unit
    expect(line).to_contain_text(
        "프레스 1호기 · spindle_temp"
    )  # where: the machine by its name, then the signal
    expect(line).to_contain_text("발생 중")
    line.locator("input[name=comment]").fill("금형 냉각수 확인 중")
    line.locator("button[type=submit]").click()
    expect(line.locator(".acked")).to_contain_text("lee")
    expect(line).to_contain_text("금형 냉각수 확인 중")
    acked = alerts.get_alert(COMPANY, change.alert_id)
    assert (acked["acked_by"], acked["ack_comment"]) == ("lee", "금형 냉각수 확인 중")


@pytest.fixture(scope="module")
def stopped_press(server):
    """Bravo's second press over the last six hours, planned round the clock (so the test does not depend on the
    weekday or on break times): running, an hour down and ten minutes down, both without a reason."""
    store, data_dir = server.store, server.settings.data_dir
    store.upsert_machine(
        COMPANY,
        Machine(
            id=PRESS2,
            company_id=COMPANY,
            line_id="L1",
            name="프레스 2호기",
            family="press",
            ideal_cycle_time_s=50,
        ),
    )
    all_day = Shift(name="all", label_ko="종일", label_en="All day", start=time(0), end=time(0))
    calendar = ShiftCalendar(shifts=[all_day], working_weekdays=list(range(7)), korean_public_holidays=False)
    path = save_company_calendar(data_dir, COMPANY, calendar)
    now = datetime.now(UTC).replace(microsecond=0)
    h = lambda hours: (now - timedelta(hours=hours)).isoformat()  # noqa: E731
    events = [
        {"machine_id": PRESS2, "start": h(6), "end": h(4), "state": "running"},
        {"machine_id": PRESS2, "start": h(4), "end": h(3), "state": "down"},
        {"machine_id": PRESS2, "start": h(3), "end": h(2), "state": "running"},
        {"machine_id": PRESS2, "start": h(2), "end": h(2 - 1 / 6), "state": "down"},
        {"machine_id": PRESS2, "start": h(2 - 1 / 6), "end": now.isoformat(), "state": "running"},
    ]
    assert ingest_events(store, COMPANY, events).rejected == 0
    # a part every 40 s while running, against an ideal cycle of 50 s: the ideal time is wrong, and the page says so
    parts = [
        {
            "time": (datetime.fromisoformat(e["start"]) + timedelta(seconds=s)).isoformat(),
            "machine_id": PRESS2,
            "result": "ok",
        }
        for e in events
        if e["state"] == "running"
        for s in range(
            40,
            int((datetime.fromisoformat(e["end"]) - datetime.fromisoformat(e["start"])).total_seconds()),
            40,
        )
    ]
    assert ingest_parts(store, COMPANY, parts).rejected == 0
    yield now - timedelta(hours=4)
    path.unlink()


def test_an_operator_labels_unexplained_downtime_and_the_pareto_shows_the_reason(
    page, login, server, stopped_press
):
    login("lee")
    page.goto(f"/companies/{COMPANY}/monitor/machines/{PRESS2}")
    expect(page.locator("body")).to_have_attribute("data-loaded", "1")
    todo = page.locator("#unexplained tbody tr")
    expect(todo.locator("form")).to_have_count(2)
    note = page.locator("#mon-notes [data-note='effectiveness_above_ideal']")
    expect(note).to_contain_text("프레스 2호기")
    expect(note).to_contain_text("이론 사이클 타임이 너무 길게 설정되었거나")
    expect(page.locator("#kpis [data-kpi='effectiveness'] .kpi-value")).to_have_text("100.0%")
    pareto = page.locator("#pareto tbody")
    expect(pareto.locator("tr")).to_have_count(1)
    expect(pareto).to_contain_text("(사유 미입력)")

    longest = todo.nth(0)  # longest first: the hour
    expect(longest.locator("td.num")).to_have_text("60")
    longest.locator("input[name=reason]").fill("spindle")
    longest.locator("input[name=reason]").press("Enter")  # the input keeps focus: the list must still redraw
    expect(page.locator("#label-result")).to_contain_text("사유를 저장했습니다")
    expect(todo.locator("form")).to_have_count(1)
    expect(todo.nth(0).locator("td.num")).to_have_text("10")
    # the Pareto now has the reason's bar, the hour, biggest first; and the ten unexplained minutes after it
    expect(pareto.locator("tr")).to_have_count(2)
    expect(pareto.locator("tr").nth(0)).to_contain_text("spindle")
    expect(pareto.locator("tr").nth(0).locator("td").nth(1)).to_have_text("1.0")
    expect(pareto.locator("tr").nth(1)).to_contain_text("(사유 미입력)")

    stored = server.store.query_events(COMPANY, stopped_press, stopped_press + timedelta(seconds=1), [PRESS2])
    (event,) = [e for e in stored.to_pylist() if e["start"] == stopped_press]
    assert (event["state"], event["reason_code"]) == ("down", "spindle")
    audit = [a for a in server.store.list_audit(COMPANY) if a["action"] == "event.label"]
    assert [(a["user_id"], a["target"]) for a in audit] == [("lee", f"{PRESS2}@{stopped_press.isoformat()}")]


def test_an_engineer_adds_a_limit_rule_from_the_page_and_deletes_it(page, login, server, shot):
    login("lee")
    page.goto(f"/companies/{COMPANY}/alerts")
    form = page.locator("#rule-form")
    form.locator("input[name=name]").fill("스핀들 과열")
    form.locator("select[name=machine]").select_option(MACHINE)
    form.locator("select[name=signal]").select_option("spindle_temp")
    expect(form.locator("input[name=oee_target]")).to_be_hidden()  # only what this kind needs
    # a field of another kind, typed and left out of range, does not hold the form back unseen
    form.locator("select[name=kind]").select_option("oee_drop")
    form.locator("input[name=oee_target]").fill("0.5")
    form.locator("select[name=kind]").select_option("threshold")
    form.get_by_role("button", name="규칙 추가").click()
    # no limit given: the API's own check answers, on the page, naming the field by its label
    expect(form.locator("input[name=threshold]").locator("xpath=..")).to_contain_text("한계값")
    expect(page.locator("#rule-result [role=alert]")).to_have_text(
        "‘측정값 한계 초과’ 규칙에는 한계값이 필요합니다 (threshold)"
    )
    # a limit outside the signal's valid range (0–150 °C) would fire on every reading: refused, saying the range
    form.locator("input[name=threshold]").fill("-99999")
    form.locator("button[type=submit]").click()
    expect(page.locator("#rule-result [role=alert]")).to_have_text(
        "한계값 -99999는 spindle_temp의 유효 범위 0–150 °C 밖에 있어 이 규칙(초과)은 모든 측정값에서 울립니다. "
        "0에서 150 사이의 한계값을 입력하세요"
    )

    form.locator("input[name=threshold]").fill("120")
    # a name of spaces passes the browser's own check; the form asks for a name
    form.locator("input[name=name]").fill("   ")
    form.locator("button[type=submit]").click()
    expect(page.locator("#rule-result [role=alert]")).to_have_text("규칙 이름을 입력하세요.")
    expect(form.locator("input[name=name]")).to_have_attribute("aria-invalid", "true")
    form.locator("input[name=name]").fill("스핀들 과열")
    # a refused field is named by its label on the form and marked, not by its place in the request
    form.locator("input[name=email_to]").fill("kim-at-plant")
    form.locator("button[type=submit]").click()
    expect(page.locator("#rule-result [role=alert]")).to_have_text(
        "이메일 받는 사람: 'kim-at-plant'은(는) 이메일 주소가 아닙니다"
    )
    expect(form.locator("input[name=email_to]")).to_have_attribute("aria-invalid", "true")
    form.locator("input[name=email_to]").fill("")
    form.locator("button[type=submit]").click()
    row = page.locator("#rules tr", has_text="스핀들 과열")
    expect(row).to_be_visible()
    shot("alert_rules")
    expect(row).to_contain_text(
        "spindle_temp (°C) > 120"
    )  # the signal with its unit; the id in symbols on hover
    expect(row.locator(".condition")).to_have_attribute("title", "spindle_temp > 120")
    expect(row).to_contain_text("프레스 1호기")  # the machine by its name, not its id
    expect(row).not_to_contain_text(MACHINE)
    rule_id = row.get_attribute("data-rule")
    rules = {r["id"]: r for r in open_alert_store(server.settings.data_dir).list_rules(COMPANY)}
    made = rules[rule_id]
    assert (made["kind"], made["signal"], made["direction"], made["threshold"]) == (
        "threshold", "spindle_temp", "above", 120
    )  # fmt: skip
    assert made["machine_ids"] == [MACHINE]
    assert any(a["action"] == "alert_rule.create" for a in server.store.list_audit(COMPANY))

    # deleting asks first, naming the rule; saying no keeps it
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    row.locator("button.rule-delete").click()
    expect(row.locator("button.rule-delete")).to_be_enabled()
    assert asked == ["규칙 “스핀들 과열”을(를) 삭제할까요? 이 규칙의 경보는 목록에 남습니다."]
    assert rule_id in {r["id"] for r in open_alert_store(server.settings.data_dir).list_rules(COMPANY)}
    page.once("dialog", lambda d: d.accept())
    row.locator("button.rule-delete").click()
    expect(page.locator(f"#rules tr[data-rule='{rule_id}']")).to_have_count(0)
    assert rule_id not in {r["id"] for r in open_alert_store(server.settings.data_dir).list_rules(COMPANY)}

    # a control-chart rule on the scrap share: the chart is chosen, a characteristic is asked only for variables
    form.locator("input[name=name]").fill("불량률 관리도")
    form.locator("select[name=kind]").select_option("spc")
    form.locator("select[name=chart]").select_option("laney_p")
    expect(form.locator("input[name=characteristic]")).to_be_hidden()
    form.locator("select[name=chart]").select_option("imr")
    expect(form.locator("input[name=characteristic]")).to_be_visible()
    form.locator("select[name=chart]").select_option("laney_p")
    form.locator("button[type=submit]").click()
    row = page.locator("#rules tr", has_text="불량률 관리도")
    expect(row).to_contain_text("p′ Laney")  # the chart by its name
    made = {r["id"]: r for r in open_alert_store(server.settings.data_dir).list_rules(COMPANY)}[
        row.get_attribute("data-rule")
    ]
    assert (made["kind"], made["chart"], made["characteristic"]) == ("spc", "laney_p", None)


def test_an_spc_rule_takes_its_limits_from_a_phase_i_typed_on_the_form(page, login, server, running_press):
    """Phase I on the form: one end alone is refused, naming both; with both, the rule keeps them (typed on the
    plant's clock, as the quality page's phase I and the rules list read it — not the browser's — sent as UTC) and
    the rules list shows the period its limits come from."""
    login("lee")
    page.goto(f"/companies/{COMPANY}/alerts")
    form = page.locator("#rule-form")
    form.locator("input[name=name]").fill("고정 한계 불량률")
    form.locator("select[name=kind]").select_option("spc")
    form.locator("select[name=chart]").select_option("p")
    seoul = ZoneInfo("Asia/Seoul")
    start, end = running_press - timedelta(hours=6), running_press - timedelta(hours=3)
    start, end = start.replace(second=0), end.replace(second=0)
    form.locator("input[name=baseline_end]").fill(end.astimezone(seoul).strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[type=submit]").click()
    expect(page.locator("#rule-result [role=alert]")).to_contain_text(
        "1단계에는 ‘1단계 시작’과 ‘1단계 끝’이 모두 필요합니다"
    )
    form.locator("input[name=baseline_start]").fill(start.astimezone(seoul).strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[type=submit]").click()
    row = page.locator("#rules tr", has_text="고정 한계 불량률")
    expect(row.locator(".phase1")).to_contain_text("관리 한계: ")
    made = {r["id"]: r for r in open_alert_store(server.settings.data_dir).list_rules(COMPANY)}[
        row.get_attribute("data-rule")
    ]
    assert datetime.fromisoformat(made["baseline_start"]) == start
    assert datetime.fromisoformat(made["baseline_end"]) == end
    expect(row.locator(".phase1")).to_contain_text(start.astimezone(seoul).strftime("%Y-%m-%d %H:%M"))


def test_a_viewer_sees_the_rules_but_no_form(page, login):
    login("park")
    page.goto("/companies/acme/alerts")
    expect(page.locator("h1")).to_contain_text("경보")
    expect(page.locator("#rule-form")).to_have_count(0)


def test_a_description_in_both_languages_is_shown_in_the_pages():
    from sandan.domain.text import in_language as _in_language

    both = "최대 캐비티 압력 / peak cavity pressure"
    assert (_in_language(both, "ko"), _in_language(both, "en")) == (
        "최대 캐비티 압력",
        "peak cavity pressure",
    )
    assert _in_language("spindle temperature", "ko") == "spindle temperature"  # one language: as written
    assert _in_language("A / B", "ko") == "A / B"


def test_the_rule_refusals_name_fields_as_the_form_labels_them():
    from sandan.monitor.alerts import field_label
    from sandan.web.i18n import CATALOGUE

    for field, kind, key in (
        ("threshold", "threshold", "mon.limit"),
        ("signal", "threshold", "mon.signal"),
        ("characteristic", "spc", "mon.characteristic"),
    ):
        assert field_label(field, kind) == CATALOGUE[key]
    form, said = CATALOGUE["mon.oee_target"], field_label("threshold", "oee_drop")  # the form adds "(%)"
    assert all(shown.startswith(word) for shown, word in zip(form, said, strict=True))


def test_the_assistants_bar_chart_draws_its_bars(page, login, running_press):
    # the bars' look lives in the shared style sheet: the assistant's page loads no monitoring styles
    login("lee")
    page.goto(f"/companies/{COMPANY}/assist?q=지난 24시간 설비별 생산량")
    bars = page.locator(".bars .bar")
    expect(bars.first).to_be_visible()
    assert bars.first.bounding_box()["width"] > 20
    row = page.locator(".bars .bar-row").first
    expect(row).to_contain_text("프레스 1호기")
    expect(page.locator(".bars")).to_have_attribute("aria-label", "생산 수량")


def test_capability_without_known_limits_asks_for_them_instead_of_failing(page, login, server):
    # bravo's parts measured on a characteristic no drawing gives limits for: the page asks for the limits and
    # sends no request the API must refuse (a 422 in the console on every visit)
    now = datetime.now(UTC).replace(microsecond=0)
    parts = [
        {
            "time": (now - timedelta(minutes=m)).isoformat(),
            "machine_id": MACHINE,
            "part_id": f"F-{m}",
            "result": "ok",
            "measures": {"flatness_mm": 0.05 + 0.001 * (m % 7)},
        }
        for m in range(1, 40)
    ]
    assert ingest_parts(server.store, COMPANY, parts).rejected == 0
    refused = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 422 else None)
    login("lee")
    page.goto(f"/companies/{COMPANY}/quality")
    expect(page.locator("#cap-characteristic")).to_have_value("flatness_mm")
    expect(page.locator("#cap-summary")).to_have_text(
        "이 측정 항목의 규격 한계를 모릅니다. 도면의 규격 한계(하한, 상한 또는 둘 다)를 입력하세요."
    )
    # nothing pre-filled: no limit is made up from the measurements
    expect(page.locator("#cap-lsl")).to_have_value("")
    expect(page.locator("#cap-usl")).to_have_value("")
    expect(page.locator("#cap-spec-note")).to_be_hidden()
    page.wait_for_load_state("networkidle")
    assert not [u for u in refused if "/spc/capability" in u]
    page.locator("#cap-usl").fill("0.1")
    page.locator("#cap-form button[type=submit]").click()
    expect(page.locator("#cap-verdict")).to_be_visible()
    # the drawing's limit saved once: the next visit starts from it, and says they are the company's
    page.locator("#cap-save").click()
    expect(page.locator("#cap-saved")).to_contain_text("저장했습니다: flatness_mm – – 0.1")
    from sandan.monitor.specs import company_specs

    assert company_specs(server.settings.data_dir, COMPANY)["flatness_mm"] == (None, 0.1)
    page.reload()
    expect(page.locator("#cap-usl")).to_have_value("0.1")
    expect(page.locator("#cap-spec-note")).to_have_text("이 한계는 회사가 이 측정 특성에 저장한 규격입니다.")
    expect(page.locator("#cap-verdict")).to_be_visible()


def test_a_rule_saved_before_a_check_it_fails_is_listed_as_no_longer_valid(page, login, server):
    from sandan.monitor import open_alert_store

    store = open_alert_store(server.settings.data_dir)
    store.put_rule(
        COMPANY, "old-limit", {"id": "old-limit", "kind": "threshold", "signal": "", "threshold": 2.05}, None
    )
    try:
        login("lee")
        page.goto(f"/companies/{COMPANY}/alerts")
        expect(page.locator("tr[data-rule='old-limit']")).to_contain_text("더 이상 올바르지 않은 규칙입니다")
    finally:
        store.delete_rule(COMPANY, "old-limit")


def test_a_rule_named_in_both_languages_is_listed_in_the_pages(page, login, server):
    """The demo names its rules in both languages ("OEE 60 % 미만 (8시간) / OEE under 60 % (8 h)"): each page lists
    the half in its language (both showed), the whole name on hover."""
    from sandan.monitor import open_alert_store

    store = open_alert_store(server.settings.data_dir)
    body = {"id": "both", "name": "OEE 60 % 미만 / OEE under 60 %", "kind": "oee_drop", "threshold": 0.6}
    store.put_rule(COMPANY, "both", body, None)
    try:
        login("lee")
        page.goto(f"/companies/{COMPANY}/alerts")
        cell = page.locator("tr[data-rule='both'] td").first
        expect(cell).to_have_text("OEE 60 % 미만")
        expect(cell).to_have_attribute("title", "OEE 60 % 미만 / OEE under 60 %")
        page.goto("/lang/en")
        page.goto(f"/companies/{COMPANY}/alerts")
        expect(page.locator("tr[data-rule='both'] td").first).to_have_text("OEE under 60 %")
    finally:
        store.delete_rule(COMPANY, "both")
        page.goto("/lang/ko")
