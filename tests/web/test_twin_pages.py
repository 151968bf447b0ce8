"""The digital-twin pages in a real browser: the line editor's form and YAML round-trip, field-level messages, a run
with progress whose KPIs are the simulation function's, the bottleneck, layout sketch, comparison and Gantt chart."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from playwright.sync_api import expect

from sandan.domain import Line, Machine
from sandan.monitor.calendar import company_calendar
from sandan.twin import service
from sandan.twin.line import LineModel
from sandan.twin.sim import run_line
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser

LINE = """id: web-bracket
name: 브래킷 라인
stations:
  - {id: cut, process_time: 20, buffer: 4}
  - id: drill
    machines: 2
    process_time: {kind: exponential, mean: 45}
    failure: {mtbf: 7200, mttr: 600}
    buffer: 4
  - {id: pack, process_time: 18, buffer: 3}
"""


@pytest.fixture
def saved_line(server):
    service.save_line(server.settings.data_dir, "acme", LINE)
    return "web-bracket"


def _run(page, replications: int, hours: float, warmup: float, seed: int) -> None:
    form = page.locator("#twin-run-form")
    form.locator("input[name=replications]").fill(str(replications))
    form.locator("input[name=hours]").fill(str(hours))
    form.locator("input[name=warmup_hours]").fill(str(warmup))
    form.locator("input[name=seed]").fill(str(seed))
    page.click("#twin-run")


def test_the_nav_leads_to_the_twin(page, login):
    login("kim")
    page.goto("/companies/acme/monitor")
    page.click("nav.mainnav a[data-nav=twin]")
    assert page.locator("h1").inner_text().startswith("디지털 트윈")


def test_an_invalid_line_shows_the_message_at_the_field(page, login):
    login("kim")
    page.goto("/companies/acme/twin/edit")
    page.fill(
        "#twin-yaml",
        "stations:\n  - {id: cut, process_time: 20, machines: 0}\n  - {id: pack, process_time: 5}\n",
    )
    page.click("#twin-validate")
    errors = page.locator("#twin-errors")
    assert "stations[cut].machines" in errors.inner_text()
    assert "1 이상" in errors.inner_text()
    cell = page.locator("input[name='st0.machines']")
    assert "invalid" in cell.get_attribute("class")
    assert "1 이상" in page.locator(".field-error[data-for='stations.0.machines']").inner_text()
    # a time the form cannot read: named once, with what to write instead
    page.click("#twin-to-form")
    page.fill("input[name='st1.process_time']", "abc")
    page.click("#twin-validate")
    text = page.locator("#twin-errors li").first.inner_text()
    # named by the station's id, as the line model names its places (not by a row counted from 0)
    assert text.count("stations[pack].process_time") == 1 and "'abc'을(를) 시간으로 읽을 수 없습니다" in text
    # the refused form comes back as typed, for the user to correct, not with the value before the edit
    assert page.input_value("input[name='st1.process_time']") == "abc"
    page.fill("input[name='st1.process_time']", "6")
    page.fill("input[name='st0.machines']", "0")  # a typed 0 is refused, not turned into 1
    page.click("#twin-validate")
    assert "1 이상" in page.locator("#twin-errors").inner_text()
    assert page.input_value("input[name='st1.process_time']") == "6"


def test_form_and_yaml_round_trip(page, login):
    login("kim")
    page.goto("/companies/acme/twin/edit")
    page.fill("#twin-yaml", LINE)
    page.click("#twin-to-form")
    assert page.input_value("input[name='st1.id']") == "drill"
    assert page.input_value("input[name='st1.process_time']") == "exponential 45"
    assert page.input_value("input[name='st1.mtbf']") == "7200"
    page.fill("input[name='st1.machines']", "3")
    page.fill("input[name='st3.id']", "test")  # the empty row adds a station
    page.fill("input[name='st3.process_time']", "lognormal 30 5")
    page.fill("input[name='st3.buffer']", "2")
    # outside waits (material, an operator): a bare number is an exponential mean, as for failures
    page.fill("input[name='st1.wait_every']", "3600")
    page.fill("input[name='st1.wait_lasting']", "lognormal 300 60")
    page.click("#twin-to-yaml")
    line = LineModel.from_yaml(page.input_value("#twin-yaml"))
    assert [s.id for s in line.stations] == ["cut", "drill", "pack", "test"]
    assert line.station("drill").machines == 3 and line.station("drill").failure.mttr.expected == 600
    waits = line.station("drill").waits
    assert (waits.every.kind, waits.every.expected, waits.lasting.kind) == ("exponential", 3600, "lognormal")
    assert line.station("cut").waits is None
    page.click("#twin-to-form")
    assert page.input_value("input[name='st1.wait_lasting']") == "lognormal 300 60"
    assert line.station("test").process_time.kind == "lognormal" and line.station("test").buffer == 2


def test_the_scrap_rate_is_typed_as_a_percentage(page, login, server):
    login("kim")
    page.goto("/companies/acme/twin/edit")
    page.fill(
        "#twin-yaml",
        LINE.replace("web-bracket", "web-scrap").replace("buffer: 4}", "buffer: 4, scrap_rate: 0.05}", 1),
    )
    page.click("#twin-to-form")
    expect(page.locator("input[name='st0.scrap_rate']")).to_have_value(
        "5"
    )  # 5 %, as the other pages write it
    page.fill("input[name='st0.scrap_rate']", "15")
    page.click("#twin-save")
    page.wait_for_selector("#twin-saved")
    assert service.load_line(server.settings.data_dir, "acme", "web-scrap").station("cut").scrap_rate == 0.15
    page.goto("/companies/acme/twin/edit?line_id=web-scrap")
    page.click("#twin-to-form")
    page.fill("input[name='st0.scrap_rate']", "150")
    page.click("#twin-validate")
    expect(page.locator("#twin-errors")).to_contain_text("0 이상 100 미만의 백분율")


def test_a_form_edit_is_what_gets_saved(page, login, server):
    login("kim")
    page.goto("/companies/acme/twin/edit")
    page.fill("#twin-yaml", LINE.replace("web-bracket", "web-saved"))
    page.click("#twin-to-form")
    page.fill("input[name='st0.buffer']", "9")
    page.click("#twin-save")
    page.wait_for_selector("#twin-saved")
    saved = service.load_line(server.settings.data_dir, "acme", "web-saved")
    assert saved.station("cut").buffer == 9
    assert page.locator("#twin-sketch svg .station[data-station=drill]").count() == 1


def test_the_kpis_shown_are_the_simulation_functions_for_the_same_seed(page, login, saved_line):
    login("kim")
    page.goto(f"/companies/acme/twin/lines/{saved_line}")
    _run(page, 3, 2, 0.5, 7)
    expect(page.locator("#twin-kpis")).to_be_visible()
    expected = run_line(LineModel.from_yaml(LINE), replications=3, horizon=7200, warmup=1800, seed=7)
    th = expected.line["throughput_per_h"]
    shown = page.locator("#kpi-throughput_per_h")
    assert shown.locator(".mean").inner_text() == f"{th.mean:,.1f}"
    assert f"± {th.half_width:,.1f}" in shown.locator(".hw").inner_text()
    assert page.locator("#kpi-lead_time_s .mean").inner_text() == f"{expected.line['lead_time_s'].mean:,.0f}"
    assert page.inner_text("#twin-bottleneck-name") == expected.bottleneck
    row = page.locator(f"#twin-stations-kpi tr[data-station={expected.bottleneck}]")
    assert "bn-row" in row.get_attribute("class")
    util = expected.stations[expected.bottleneck]["utilisation"].mean
    assert row.locator("td").nth(1).inner_text().startswith(f"{100 * util:.1f}%")
    # every state has its column: setups and outside waits too (this line has neither)
    setup = expected.stations[expected.bottleneck]["setup"].mean
    assert row.locator("td[data-state=setup]").inner_text().startswith(f"{100 * setup:.1f}%")
    assert row.locator("td[data-state=idle]").inner_text().startswith("0.0%")
    assert page.locator(f"#twin-sketch .station.bottleneck[data-station={expected.bottleneck}]").count() == 1
    assert page.locator("#twin-states rect").count() >= 3
    # the legend's Korean labels, as drawn by the browser, end before the next swatch on their row
    overlaps = page.evaluate(
        """() => {
        const swatches = [...document.querySelectorAll('#twin-states rect[width="10"]')];
        const out = [];
        swatches.forEach((sw, i) => {
            const label = sw.nextElementSibling.getBBox(), next = swatches[i + 1];
            if (next && next.y.baseVal.value === sw.y.baseVal.value && label.x + label.width > next.x.baseVal.value)
                out.push(sw.nextElementSibling.textContent);
        });
        return {out, n: swatches.length};
    }"""
    )
    assert overlaps["n"] >= 5 and overlaps["out"] == [], overlaps


def test_a_longer_run_shows_its_progress_bar_first(page, login, saved_line):
    login("kim")
    page.goto(f"/companies/acme/twin/lines/{saved_line}")
    _run(page, 4, 150, 1, 1)
    assert page.locator("#progress").is_visible()
    expect(page.locator("#twin-kpis")).to_be_visible(timeout=60_000)
    assert re.match(r"^[\d,]+\.\d$", page.locator("#kpi-throughput_per_h .mean").inner_text())


def test_scenarios_are_compared_in_a_table_and_a_chart(page, login, saved_line):
    login("kim")
    page.goto(f"/companies/acme/twin/lines/{saved_line}")
    form = page.locator("#twin-compare-form")
    # a path the line does not have is refused on the same page, with what was typed kept
    form.locator("textarea").fill("3 drills: stations.drill.machines=3\nwide: stations.nosuch.buffer=6")
    form.locator("input[name=replications]").fill("3")
    page.click("#twin-compare")
    expect(page.locator("#twin-compare-error")).to_contain_text("nosuch")
    expect(form.locator("textarea")).to_have_value(
        "3 drills: stations.drill.machines=3\nwide: stations.nosuch.buffer=6"
    )
    expect(form.locator("input[name=replications]")).to_have_value("3")
    form.locator("textarea").fill("3 drills: stations.drill.machines=3\nbig buffers: stations.pack.buffer=10")
    form.locator("input[name=replications]").fill("3")
    form.locator("input[name=hours]").fill("2")
    form.locator("input[name=warmup_hours]").fill("0.5")
    page.click("#twin-compare")
    expect(page.locator("#twin-compare-table")).to_be_visible()
    rows = page.locator("#twin-compare-table tbody tr")
    assert rows.count() == 3
    assert page.locator("#twin-compare-table tr[data-scenario='3 drills']").count() == 1
    assert page.locator("#twin-compare-chart rect").count() == 3


def test_one_setting_is_swept_over_its_values_into_a_comparison(page, login, saved_line, server):
    """The sweep form starts at the bottleneck's machines; values typed with commas become one variant each beside
    the line, on the comparison's page; values left out are asked for on the same page."""
    login("kim")
    page.goto(f"/companies/acme/twin/lines/{saved_line}")
    form = page.locator("#twin-sweep-form")
    neck = service.line_summary(service.load_line(server.settings.data_dir, "acme", saved_line))[
        "analytic_bottleneck"
    ]
    expect(form.locator("input[name=parameter]")).to_have_value(f"stations.{neck}.machines")
    page.click("#twin-sweep")  # no values
    expect(page.locator("#twin-sweep-error")).to_contain_text("쉼표로 나눈 값들")
    form.locator("input[name=values]").fill("1, 2, 3")
    form.locator("input[name=replications]").fill("3")
    page.click("#twin-sweep")
    expect(page.locator("#twin-compare-table")).to_be_visible(timeout=60_000)
    names = page.locator("#twin-compare-table tbody tr").evaluate_all("rs => rs.map(r => r.dataset.scenario)")
    assert names == ["baseline", *(f"stations.{neck}.machines={n}" for n in (1, 2, 3))]
    # the sweep runs as a run or a comparison does, with their warm-up (it ran with none), and says so
    meta = page.inner_text("#twin-run-meta")
    assert "3회 반복" in meta and "워밍업 1.0시간 제외" in meta, meta


def test_the_comparison_first_offers_a_machine_more_at_the_bottleneck_the_page_names(page, login, saved_line):
    # cut (20 s, 180/h) comes first, but drill (2 × 45 s at 92 % availability, 148/h) is the bottleneck: a cut
    # machine more changed nothing ("+0.0"), a drill more raises the rate
    login("kim")
    page.goto(f"/companies/acme/twin/lines/{saved_line}")
    assert "drill" in page.inner_text("#twin-analytic")
    form = page.locator("#twin-compare-form")
    expect(form.locator("textarea")).to_have_value("+1 drill: stations.drill.machines=3")
    form.locator("input[name=replications]").fill("3")
    form.locator("input[name=hours]").fill("2")
    form.locator("input[name=warmup_hours]").fill("0.5")
    page.click("#twin-compare")
    expect(page.locator("#twin-compare-table")).to_be_visible(timeout=60_000)
    gain = page.locator("#twin-compare-table tr[data-scenario='+1 drill'] td").nth(2).inner_text()
    assert gain.startswith("+") and float(gain[1:].split()[0].replace(",", "")) > 10


def test_the_hours_fields_stop_where_the_server_does(page, login, saved_line):
    login("kim")
    page.goto(f"/companies/acme/twin/lines/{saved_line}")
    hours = page.locator("input[name=hours]")
    assert hours.count() == 4  # run, comparison, sweep, design
    for i in range(4):
        assert hours.nth(i).get_attribute("max") == str(service.MAX_HOURS)
    run_hours = page.locator("#twin-run-form input[name=hours]")
    run_hours.fill(str(service.MAX_HOURS + 1))
    assert not run_hours.evaluate("e => e.checkValidity()")
    run_hours.fill(str(service.MAX_HOURS))
    assert run_hours.evaluate("e => e.checkValidity()")
    page.goto("/companies/acme/twin/edit")
    assert page.get_attribute("#twin-editor input[name=hours]", "max") == str(service.MAX_HOURS)


def test_the_first_variant_is_at_the_analytic_bottleneck():
    from sandan.web.twin import EXAMPLE_LINE, first_scenario

    line = service.parse_line(EXAMPLE_LINE)
    summary = service.line_summary(line)
    assert line.stations[0].id == "cut" and summary["analytic_bottleneck"] == "drill"
    assert first_scenario(line, summary) == "+1 drill: stations.drill.machines=3"


def test_a_schedule_is_drawn_as_a_gantt_chart_and_checked(page, login):
    login("kim")
    page.goto("/companies/acme/twin/schedule")
    assert "cnc-01" in page.input_value("#twin-orders")  # the sample orders run on acme's own machines
    page.fill("input[name=time_limit_s]", "3")
    page.click("#twin-solve")
    expect(page.locator("#twin-gantt svg")).to_be_visible(timeout=30_000)
    assert page.locator("#twin-checked").is_visible()
    assert page.locator("#twin-gantt svg rect").count() >= 6
    # the figures in the orders' time unit, the bound named for the goal it bounds
    for figure in ("#twin-makespan", "#twin-schedule-bound", "#twin-tardiness"):
        assert re.search(r"\d분$", page.inner_text(figure)), figure  # "657분", as Korean writes it
    assert "전체 소요 시간(메이크스팬)" in page.inner_text("#twin-schedule-stats")
    # the sample orders' name is Korean ("예시 작업 지시"): the dispatch list still downloads, under that name
    with page.expect_download() as got:
        page.click("#twin-dispatch")
    assert "예시" in got.value.suggested_filename and got.value.suggested_filename.endswith(".xlsx")


def test_orders_from_the_excel_template_are_scheduled_and_a_bad_sheet_names_its_row(
    page, login, server, tmp_path
):
    login("kim")
    page.goto("/companies/acme/twin/schedule")
    with page.expect_download() as got:
        page.click("#twin-orders-template")
    template = tmp_path / "orders.xlsx"
    got.value.save_as(template)
    # the template is the page's sample orders on acme's machines, read back as the same shop
    from_text = service.parse_shop(page.input_value("#twin-orders"))
    from_sheet = service.parse_shop_file(template.read_bytes(), "orders.xlsx")
    assert from_sheet.jobs == from_text.jobs and from_sheet.setup_times == from_text.setup_times
    page.fill("#twin-orders", "")  # the file replaces the text
    page.set_input_files("#twin-orders-file", str(template))
    page.fill("input[name=time_limit_s]", "3")
    page.click("#twin-solve")
    expect(page.locator("#twin-gantt svg")).to_be_visible(timeout=30_000)
    assert page.locator("#twin-checked").is_visible()
    # the schedule goes back to the floor as a dispatch list: every operation once, each machine's in its order
    with page.expect_download() as got:
        page.click("#twin-dispatch")
    dispatch = pd.read_excel(got.value.path(), sheet_name=None)
    ((sheet, rows),) = dispatch.items()
    assert sheet == "작업순서" and len(rows) == sum(len(j.operations) for j in from_sheet.jobs)
    # the form's start (the company's next working instant) puts the schedule on the clock
    assert page.locator("#twin-finish-at").is_visible() and rows["시작 시각"].notna().all()
    # the chart marks where each production day's work begins, with its date (a start in a night shift after
    # midnight is the day before's)
    calendar = company_calendar(server.settings.data_dir, "acme")
    first = rows["시작 시각"].min().to_pydatetime().replace(tzinfo=ZoneInfo(calendar.timezone))
    first_day = calendar.production_day(first).isoformat()
    expect(page.locator(f"#twin-gantt svg line[data-day='{first_day}']")).to_have_count(1)
    expect(page.locator("#twin-gantt svg")).to_contain_text("근무 시간")
    for _, ops in rows.groupby("설비"):
        assert list(ops["설비 작업 순서"]) == list(range(1, len(ops) + 1))
        assert (ops["시작 (분)"].to_numpy()[1:] >= ops["종료 (분)"].to_numpy()[:-1]).all()
    bad = tmp_path / "bad.csv"
    bad.write_bytes("작업,설비,분\nA,M1,30\nB,M1,삼십\n".encode("cp949"))
    page.goto("/companies/acme/twin/schedule")
    page.set_input_files("#twin-orders-file", str(bad))
    page.click("#twin-solve")
    message = page.inner_text("#twin-schedule-error")
    assert "bad.csv" in message and "3행" in message and "삼십" in message, message


def test_bad_shop_orders_show_a_message(page, login):
    login("kim")
    page.goto("/companies/acme/twin/schedule")
    page.fill("#twin-orders", "jobs:\n  - name: A\n    operations: [{machine: M1}]\n")
    page.click("#twin-solve")
    assert "operations" in page.inner_text("#twin-schedule-error") or "공정" in page.inner_text(
        "#twin-schedule-error"
    )
    # a time limit past the form's own bounds (typed around the browser's check) is refused on the form, before
    # a job is queued for it
    page.goto("/companies/acme/twin/schedule")
    page.eval_on_selector(
        "input[name=time_limit_s]", "e => { e.removeAttribute('max'); e.value = '100000'; }"
    )
    page.click("#twin-solve")
    assert "120" in page.inner_text("#twin-schedule-error")
    assert "/twin/jobs/" not in page.url


def test_a_bravo_user_cannot_see_acmes_lines(page, login, saved_line):
    login("lee")
    page.goto("/companies/bravo/twin")
    assert saved_line not in page.content()
    response = page.goto(f"/companies/acme/twin/lines/{saved_line}")
    assert response.status in (403, 404)
    assert saved_line not in page.inner_text("main") or "찾을 수 없" in page.inner_text("main")
    response = page.goto(f"/companies/bravo/twin/lines/{saved_line}")
    assert response.status == 404


def test_a_line_is_built_from_what_the_store_knows(page, login, server):
    server.store.upsert_line("acme", Line(id="twin-L", company_id="acme", site_id="plant1", name="트윈 라인"))
    server.store.upsert_machine(
        "acme",
        Machine(
            id="saw-01", company_id="acme", line_id="twin-L", name="톱", family="cnc", ideal_cycle_time_s=42
        ),
    )
    login("kim")
    page.goto("/companies/acme/twin")
    page.select_option("#twin-from-store select[name=from_line]", "twin-L")
    page.click("#twin-from-store button[type=submit]")
    assert page.locator("#twin-yaml").count() == 1, page.inner_text("main")
    line = LineModel.from_yaml(page.input_value("#twin-yaml"))
    assert [s.id for s in line.stations] == ["saw-01"]
    assert line.stations[0].process_time.expected == 42  # the machine's ideal cycle time: it has no parts
    assert page.input_value("input[name='st0.id']") == "saw-01"
    assert "(설비" not in page.inner_text("#twin-notice")  # nothing grouped


def test_machines_of_one_process_become_one_station_unless_the_engineer_says_series(page, login, server):
    server.store.upsert_line("acme", Line(id="twin-P", company_id="acme", site_id="plant1", name="선반 셀"))
    for m in ("lathe-1", "lathe-2"):
        server.store.upsert_machine(
            "acme",
            Machine(id=m, company_id="acme", line_id="twin-P", name=m, family="cnc", ideal_cycle_time_s=30),
        )
    login("kim")
    page.goto("/companies/acme/twin")
    page.select_option("#twin-from-store select[name=from_line]", "twin-P")
    page.click("#twin-from-store button[type=submit]")
    line = LineModel.from_yaml(page.input_value("#twin-yaml"))
    assert [(s.id, s.machines) for s in line.stations] == [("cnc", 2)]
    assert "cnc (설비 2대)" in page.inner_text("#twin-notice")
    # the default calendar's two 12-h shifts less their meal hours
    assert "01:00–12:00, 13:00–24:00" in page.inner_text("#twin-notice")
    assert line.calendar.windows == [(1.0, 12.0), (13.0, 24.0)]
    assert page.input_value("input[name='st0.machines']") == "2"
    page.goto("/companies/acme/twin")
    page.select_option("#twin-from-store select[name=from_line]", "twin-P")
    page.select_option("#twin-from-store select[name=layout]", "series")
    page.click("#twin-from-store button[type=submit]")
    line = LineModel.from_yaml(page.input_value("#twin-yaml"))
    assert [(s.id, s.machines) for s in line.stations] == [("lathe-1", 1), ("lathe-2", 1)]
    assert "cnc (" not in page.inner_text("#twin-notice")


def test_a_line_the_store_cannot_model_gets_a_clear_message(page, login, server):
    server.store.upsert_line("acme", Line(id="twin-E", company_id="acme", site_id="plant1", name="빈 라인"))
    server.store.upsert_machine(
        "acme", Machine(id="new-01", company_id="acme", line_id="twin-E", name="신규")
    )
    login("kim")
    response = page.goto("/companies/acme/twin/edit?from_line=twin-E")
    assert response.status == 422
    assert "new-01" in page.inner_text("main") and "사이클 타임" in page.inner_text("main")


def test_the_editor_speaks_english_too(page, login):
    login("kim")
    page.goto("/lang/en?next=/companies/acme/twin/edit")
    assert page.locator("h1").inner_text().startswith("Line editor")
    page.fill("#twin-yaml", "stations:\n  - {id: cut, process_time: -5}\n")
    page.click("#twin-validate")
    assert "stations[cut].process_time.mean" in page.inner_text("#twin-errors")
    assert "greater than or equal to 0" in page.inner_text("#twin-errors")


def test_the_editor_runs_the_yaml_as_typed_without_saving(page, login, server):
    login("kim")
    page.goto("/companies/acme/twin/edit")
    text = LINE.replace("web-bracket", "web-unsaved")
    page.fill("#twin-yaml", text)
    page.fill("#twin-editor input[name=replications]", "2")
    page.fill("#twin-editor input[name=hours]", "1")
    page.fill("#twin-editor input[name=warmup_hours]", "0.2")
    page.fill("#twin-editor input[name=seed]", "3")
    page.click("#twin-run")
    expect(page.locator("#twin-kpis")).to_be_visible()
    expected = run_line(LineModel.from_yaml(text), replications=2, horizon=3600, warmup=720, seed=3)
    assert page.inner_text("#kpi-wip .mean") == f"{expected.line['wip'].mean:,.2f}"
    assert "web-unsaved" not in [x["id"] for x in service.list_lines(server.settings.data_dir, "acme")]


def test_a_run_of_zero_hours_is_refused_on_the_page_not_run_for_the_default(page, login, saved_line):
    login("kim")
    page.goto(f"/companies/acme/twin/lines/{saved_line}")
    form = page.locator("#twin-run-form")
    form.locator("input[name=hours]").evaluate(
        "e => e.removeAttribute('min')"
    )  # as a script or old browser sends it
    form.locator("input[name=hours]").fill("0")
    form.locator("input[name=replications]").fill("3")
    page.click("#twin-run")
    expect(page.locator("#twin-run-error")).to_contain_text("시간은 0 초과")
    expect(form.locator("input[name=hours]")).to_have_value("0")
    expect(form.locator("input[name=replications]")).to_have_value("3")
    # the refusal is in view, wherever the form sits; the address it stays on, opened again, is the line's page
    expect(page.locator("#twin-run-error")).to_be_in_viewport()
    assert page.url.endswith(f"/twin/lines/{saved_line}/run")
    page.goto(page.url)
    assert page.url.endswith(f"/twin/lines/{saved_line}") and page.locator("#twin-run-form").is_visible()


def test_a_run_the_editor_cannot_start_is_refused_in_the_editor_with_what_was_typed(page, login):
    login("kim")
    page.goto("/companies/acme/twin/edit")
    page.fill("#twin-yaml", LINE.replace("web-bracket", "web-warm"))
    page.fill("#twin-editor input[name=replications]", "3")
    page.fill("#twin-editor input[name=hours]", "1")
    page.fill("#twin-editor input[name=warmup_hours]", "2")  # the warm-up would take the whole run
    page.click("#twin-run")
    expect(page.locator("#twin-errors")).to_contain_text("워밍업은 0 이상 시간 미만")
    expect(page.locator("#twin-editor input[name=warmup_hours]")).to_have_value("2")
    expect(page.locator("#twin-editor input[name=replications]")).to_have_value("3")
    expect(page.locator("#twin-yaml")).to_contain_text("web-warm")


def test_saving_asks_for_an_id_and_before_replacing_another_saved_model(page, login, server, saved_line):
    login("kim")
    page.goto("/companies/acme/twin/edit")
    # no id: refused at the id, nothing saved under a made-up one
    page.fill("#twin-yaml", LINE.replace("id: web-bracket\n", ""))
    page.click("#twin-save")
    expect(page.locator("#twin-errors")).to_contain_text("저장할 라인 id를 적어 주세요")
    assert "line" not in [x["id"] for x in service.list_lines(server.settings.data_dir, "acme")]
    # an id no file may carry: the editor keeps what was typed
    page.fill("#twin-yaml", LINE.replace("web-bracket", "../x y"))
    page.click("#twin-save")
    expect(page.locator("#twin-errors")).to_contain_text("저장할 수 없습니다")
    expect(page.locator("#twin-yaml")).to_contain_text("../x y")
    # another saved model's id: asked first, replaced once allowed
    page.fill("#twin-yaml", LINE.replace("name: 브래킷 라인", "name: 다른 모델"))
    page.click("#twin-save")
    expect(page.locator("#twin-errors")).to_contain_text("이미 저장되어 있습니다")
    assert service.load_line(server.settings.data_dir, "acme", saved_line).name != "다른 모델"
    page.check("#twin-replace")
    page.click("#twin-save")
    page.wait_for_selector("#twin-saved")
    assert service.load_line(server.settings.data_dir, "acme", saved_line).name == "다른 모델"
    # the model being edited is saved over without asking
    page.goto(f"/companies/acme/twin/edit?line_id={saved_line}")
    page.click("#twin-save")
    page.wait_for_selector("#twin-saved")
    # ...also after a refused attempt on the way (the editor keeps which model it was opened on)
    page.goto(f"/companies/acme/twin/edit?line_id={saved_line}")
    page.fill("#twin-yaml", LINE.replace("buffer: 4}", "buffer: -1}", 1))
    page.click("#twin-save")
    expect(page.locator("#twin-errors")).to_be_visible()
    page.fill("#twin-yaml", LINE.replace("buffer: 4}", "buffer: 5}", 1))
    page.click("#twin-save")
    page.wait_for_selector("#twin-saved")
    assert service.load_line(server.settings.data_dir, "acme", saved_line).station("cut").buffer == 5


def test_check_refuses_the_ids_save_would_refuse(page, login, server):
    login("kim")
    page.goto("/companies/acme/twin/edit")
    # Check used to call these lines valid, and Save then refused them
    page.fill("#twin-yaml", LINE.replace("id: web-bracket\n", ""))
    page.click("#twin-validate")
    expect(page.locator("#twin-errors")).to_contain_text("저장할 라인 id를 적어 주세요")
    assert page.locator("#twin-notice").count() == 0
    assert "invalid" in page.locator("input[name='id']").get_attribute("class")
    page.fill("#twin-yaml", LINE.replace("web-bracket", "my line/../x"))
    page.click("#twin-validate")
    expect(page.locator("#twin-errors")).to_contain_text("'my line/../x'(으)로는 저장할 수 없습니다")
    expect(page.locator("#twin-yaml")).to_contain_text("my line/../x")
    # the same from the form
    page.click("#twin-to-form")
    page.fill("input[name='id']", "a/b")
    page.click("#twin-validate")
    expect(page.locator("#twin-errors")).to_contain_text("'a/b'(으)로는 저장할 수 없습니다")
    # a good id is valid; nothing was saved by checking
    page.fill("input[name='id']", "web-checked")
    page.click("#twin-validate")
    expect(page.locator("#twin-notice")).to_have_text("라인 모델이 올바릅니다.")
    assert page.locator("#twin-errors").count() == 0
    assert "web-checked" not in [x["id"] for x in service.list_lines(server.settings.data_dir, "acme")]


def test_a_refused_form_marks_the_row_it_names_after_a_row_was_removed():
    from sandan.domain import InvalidInput
    from sandan.web.twin import data_from_form, typed_rows

    form = {"n_stations": "3", "st0.id": "a", "st1.id": "", "st2.id": "c", "st2.machines": "x"}
    with pytest.raises(InvalidInput) as err:
        data_from_form(form, {})
    index = int(err.value.where["field"].split(".")[1])
    rows = typed_rows(form)["stations"]
    # the message's row is the typed 'c' (the cleared row is gone), and one empty row follows to add a station
    assert rows[index]["id"] == "c" and rows[index]["machines"] == "x"
    assert [r["id"] for r in rows] == ["a", "c", ""]


def test_every_cell_the_form_cannot_read_is_named_at_once():
    """A process time of 'abc', a scrap rate of 150 % and a wip of 'x' typed together: all three refused in one
    answer, each at its cell, not one per press of Check."""
    from sandan.domain import InvalidInput
    from sandan.web.twin import data_from_form

    form = {
        "n_stations": "2",
        "st0.id": "cut",
        "st0.process_time": "abc",
        "st1.id": "drill",
        "st1.scrap_rate": "150",
        "release.policy": "conwip",
        "release.wip": "x",
    }
    with pytest.raises(InvalidInput) as err:
        data_from_form(form, {})
    fields = [e["field"] for e in err.value.where["errors"]]
    assert fields == ["stations.0.process_time", "stations.1.scrap_rate", "release.wip"]
    labels = [e["label"] for e in err.value.where["errors"]]
    assert labels == ["stations[cut].process_time", "stations[drill].scrap_rate", "release.wip"]
    assert err.value.en.startswith("stations[cut].process_time: ")
    assert err.value.en.endswith("(and 2 more)") and err.value.ko.endswith("(외 2건)")
    assert "0 이상 100 미만" in err.value.where["errors"][1]["ko"]
    # the field is named once, by the list
    assert not err.value.where["errors"][2]["en"].startswith("release.wip:")


def test_a_long_simulation_can_be_stopped_from_its_page(page, login, saved_line):
    login("kim")
    page.goto(f"/companies/acme/twin/lines/{saved_line}")
    _run(page, replications=60, hours=700, warmup=1, seed=5)
    page.wait_for_url(re.compile(r"/twin/jobs/"))
    # a long run says about how long it still takes, from its pace so far
    expect(page.locator("#progress-text")).to_contain_text(
        re.compile(r"약 \d+(초|분|시간 \d+분) 남음"), timeout=60_000
    )
    page.click("#twin-stop")
    expect(page.locator("#job-error")).to_contain_text("멈춤", timeout=60_000)
    expect(page.locator("#job-error")).to_contain_text("요청에 따라 멈췄습니다")
    expect(page.locator("#twin-kpis")).to_have_count(0)
    job_id = page.url.rsplit("/", 1)[1]
    page.goto("/companies/acme/twin")  # the recent runs list it as stopped, not failed
    run = page.locator(f"a[href$='/twin/jobs/{job_id}']").locator("xpath=..")
    expect(run).to_contain_text("멈춤")
    expect(run).not_to_contain_text("실패")


def test_a_number_the_balancing_form_cannot_read_is_named_by_its_label(client):
    """The refusal named the request's field ("stations: '2.5'은(는) 정수가 아닙니다"), not what the form calls it."""
    assert client.post("/login", data={"user_id": "kim", "password": PASSWORD}).status_code == 303
    form = {"text": "tasks:\n  - {name: a, time: 5}\n", "format": "auto", "goal": "stations", "value": "2.5"}
    refused = client.post("/companies/acme/twin/balance", data=form)
    assert refused.status_code == 422 and "공정: &#39;2.5&#39;은(는) 정수가 아닙니다" in refused.text
    assert "stations: " not in refused.text
