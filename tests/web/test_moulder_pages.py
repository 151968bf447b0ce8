"""A moulder's quality and "what should I change?" pages in a real browser. Quality: defects by the names of the
company's code table, control-chart violations one row per point in the plant's time. Settings advice: the machine
with the most defects is offered first, with its defect rate from the quality figures; asking for a recommendation
shows the expected effect and the settings by their names; saving it as a recipe lists it. Company charlie's two
moulding machines are used (20 hours of virtual production, one at poor settings after the demo's trial), so other
page tests' data stays untouched."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from sandan.accounts import create_user
from sandan.domain import Company, Line, Machine, ProcessFamily, Role, Signal, Site
from sandan.monitor import Shift, ShiftCalendar
from sandan.monitor.calendar import company_calendar, save_company_calendar
from sandan.monitor.codes import save_company_codes
from sandan.monitor.quality import quality_table
from sandan.twin.process import MODELS
from sandan.twin.virtual import VirtualComplex, VirtualMachine, demo_codes, demo_source
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

COMPANY = "charlie"


@pytest.fixture(scope="module")
def moulder(server):
    store = server.store
    family = ProcessFamily("injection")
    store.upsert_company(Company(id=COMPANY, name="찰리사출", family=family))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="1공장"))
    store.upsert_line(COMPANY, Line(id="l1", company_id=COMPANY, site_id="s1", name="사출 라인"))
    create_user(store, "choi", PASSWORD, Role.engineer, COMPANY, name="최엔지니어")
    machines = []
    for mid, name, setting, seed in (
        ("imm-01", "사출기 1호기", "nominal", 3),
        ("imm-02", "사출기 2호기", "poor", 2),
    ):
        source = demo_source(
            MODELS[family](material_seed=seed), setting, seed
        )  # as `sandan demo` builds them
        machine = Machine(id=mid, company_id=COMPANY, line_id="l1", name=name, family=family)
        store.upsert_machine(COMPANY, machine)
        store.upsert_signals(COMPANY, source.signals(COMPANY, mid))
        machines.append(VirtualMachine(COMPANY, machine, source))
    # a fixed position against the clock's hours (the recommendation resamples whole hours of production); 20 h,
    # so no part leaves the page's 24-hour window while the test runs
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(minutes=40)
    complex_ = VirtualComplex(store, machines)
    complex_.backfill(20, now)
    assert complex_.totals.rejected == 0
    save_company_codes(server.settings.data_dir, COMPANY, demo_codes())
    return now


def test_the_worst_machine_comes_first_and_its_recommendation_can_be_saved(page, login, server, moulder):
    rates = quality_table(
        server.store,
        COMPANY,
        datetime.now(UTC) - timedelta(hours=24),
        datetime.now(UTC),
        by="machine",
        calendar=company_calendar(server.settings.data_dir, COMPANY),
    ).set_index("machine_id")["defect_rate"]
    assert rates["imm-02"] > 2 * rates["imm-01"]  # the poor machine is the one to look at

    login("choi")
    page.goto(f"/companies/{COMPANY}/optimize")
    options = page.locator("select[name=machine_id] option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_attribute("value", "imm-02")
    expect(options.nth(0)).to_contain_text(f"24시간 불량률 {100 * rates['imm-02']:.1f}%")
    expect(page.locator("select[name=machine_id]")).to_have_value("imm-02")  # offered without a click

    # the recommendation is a job: the page answers at once, follows its progress and then shows the result
    page.get_by_role("button", name="설정 추천").click()
    expect(page).to_have_url(re.compile(r"/optimize\?machine_id=imm-02&job=[0-9a-f]+$"))
    effect = page.locator("#opt-effect")
    expect(effect).to_be_visible(timeout=120_000)
    # the model's figure for the current settings says it is a prediction, not the measured 24-hour rate
    expect(effect).to_contain_text("현재 설정에서의 예측")
    job = page.request.get(f"/api/v1/companies/{COMPANY}/jobs/{page.url.rsplit('=', 1)[1]}").json()
    assert job["kind"] == "optimize.recommend" and job["state"] == "done"
    expect(page.locator("#opt-current-rate")).to_have_text(
        f"{100 * job['result']['current_defect_rate']:.1f}%"
    )
    assert job["progress"]["done"] == job["progress"]["total"] > 1  # every step it announced was reported
    assert job["result"]["expected_defect_rate"] < job["result"]["current_defect_rate"]
    settings = page.locator("#opt-settings tbody tr")
    expect(settings).to_have_count(len(MODELS[ProcessFamily("injection")].PARAMETERS))
    # parameters by the machine's own names, not column names
    expect(page.locator("#opt-settings")).to_contain_text("보압 (bar)")  # with its unit
    expect(page.locator("#opt-settings")).not_to_contain_text("holding_pressure_bar")
    # a changed setting never reads as the same number twice (400.12 → 400.07, not 400.1 → 400.1)
    for i, c in enumerate(job["result"]["parameters"]):
        cells = settings.nth(i).locator("td")
        if c["recommended"] != c["current"]:
            assert cells.nth(1).inner_text() != cells.nth(2).inner_text(), c

    # the machine's own page leads to the same advice
    page.goto(f"/companies/{COMPANY}/machines/imm-02")
    page.locator("#machine-actions a", has_text="무엇을 바꿔야").click()
    # opening the page starts nothing (a link, a bookmark, the back button); the machine is chosen, one click runs
    expect(page.locator("select[name=machine_id]")).to_have_value("imm-02")
    expect(page.locator("#opt-progress")).to_have_count(0)
    page.locator("#opt-run").click()
    expect(page).to_have_url(
        re.compile(rf"{server.url}/companies/{COMPANY}/optimize\?machine_id=imm-02&job=")
    )
    expect(page.locator("#opt-effect")).to_be_visible(timeout=120_000)
    advice = page.url
    # the advice says what it is and leads to the comparison of good and defective parts of the same machine
    why = page.locator("#opt-why a")
    assert "예측" in page.inner_text("#opt-why") and why.get_attribute("href").endswith(
        "/quality/why?machine_id=imm-02"
    )

    # a name of spaces passes the browser's check: the reason comes back beside the name, the advice kept
    page.locator("input[name=name]").fill("   ")
    page.get_by_role("button", name="레시피로 저장").click()
    expect(page.locator("#opt-recipe-error")).to_contain_text("레시피에는 이름과")
    expect(page.locator("#opt-settings tbody tr")).to_have_count(
        len(MODELS[ProcessFamily("injection")].PARAMETERS)
    )
    # a set point altered on its way (the form's hidden values) is refused, naming it: it was a server error
    first = page.locator("input[name^=set_]").first
    altered = {p.name: p.label_ko for p in MODELS[ProcessFamily("injection")].PARAMETERS}[
        first.get_attribute("name")[4:]
    ]
    first.evaluate("el => { el.value = 'abc'; }")
    page.locator("input[name=name]").fill("2호기 개선안")
    page.get_by_role("button", name="레시피로 저장").click()
    expect(page.locator("#opt-recipe-error")).to_contain_text(f"{altered}: 'abc'은(는) 숫자가 아닙니다")
    page.locator("input[name=name]").fill("2호기 개선안")
    page.get_by_role("button", name="레시피로 저장").click()
    expect(page.locator("p[role=status]")).to_contain_text("레시피를 저장했습니다")
    expect(page.locator("body")).to_contain_text("2호기 개선안 — 사출기 2호기")
    # saved at the plant's time, as every other time on the site (it showed UTC in ISO form)
    saved = datetime.now(ZoneInfo("Asia/Seoul"))
    expect(page.locator("body")).to_contain_text(
        re.compile(rf"2호기 개선안 — 사출기 2호기 \({saved:%Y-%m-%d} \d\d:\d\d\)")
    )
    assert page.url == advice + "&saved=1"  # back to the same recommendation, not a new computation
    # the saved recipe lists its settings by name, with units
    expect(page.locator("#opt-recipes li").first).to_contain_text("보압")
    expect(page.locator("#opt-recipes li").first).to_contain_text(" bar")
    # the recipe holds the set points as the table shows them (what is keyed in at the machine), never with
    # fewer digits or an exponent; opened without a machine, the list still names and measures each one
    shown = [v.strip() for v in page.locator("#opt-settings tbody tr td:nth-child(3)").all_inner_texts()]
    recipe = page.locator("#opt-recipes li").first.inner_text()
    assert shown and all(v in recipe for v in shown) and "e+" not in recipe, (shown, recipe)
    page.goto(f"/companies/{COMPANY}/optimize")
    expect(page.locator("#opt-recipes li").first).to_contain_text("보압")
    expect(page.locator("#opt-recipes li").first).to_contain_text(" bar")
    page.goto(advice + "&saved=1")
    # the same name again is refused beside the name; the recipe is deleted after a question, the advice kept
    page.locator("input[name=name]").fill("2호기 개선안")
    page.get_by_role("button", name="레시피로 저장").click()
    expect(page.locator("#opt-recipe-error")).to_contain_text("이미 있습니다")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.locator("#opt-recipes li", has_text="2호기 개선안").get_by_role("button", name="삭제").click()
    expect(page.locator("#opt-recipes")).to_have_count(0)
    assert asked == ["'2호기 개선안' 레시피를 삭제할까요?"]
    expect(page.locator("#opt-effect")).to_be_visible()

    # a machine the company does not have: the job fails and the page says why
    page.goto(f"/companies/{COMPANY}/optimize")
    page.locator("#opt-form select").evaluate(
        "s => { s.add(new Option('imm-99', 'imm-99')); s.value = 'imm-99'; }"
    )
    page.locator("#opt-run").click()
    expect(page.locator("#opt-error")).to_contain_text("imm-99", timeout=60_000)
    expect(page.locator("#opt-effect")).to_have_count(0)


def test_quality_names_the_defects_and_lists_each_out_of_control_point_once(page, login, server, moulder):
    login("choi")
    page.goto(f"/companies/{COMPANY}/quality")
    defects = page.locator("#defects tbody")
    expect(defects).to_contain_text("미성형")  # short_shot, by the code table's name
    expect(defects).not_to_contain_text("short_shot")
    expect(defects.locator("tr").last).to_contain_text("100.00%")  # the Pareto's cumulative share, in figures
    expect(page.locator("#mon-status")).to_contain_text("갱신")
    # the period is kept in the address, so a reload or a shared link shows the same
    page.goto(f"/companies/{COMPANY}/quality?range=7d")
    expect(page.locator("#mon-range")).to_have_value("7d")
    page.locator("#mon-range").select_option("24h")
    expect(page).to_have_url(re.compile(r"[?&]range=24h"))
    # counts with thousands separators, as every page writes them ("9,592", not "9592")
    produced = quality_table(
        server.store,
        COMPANY,
        datetime.now(UTC) - timedelta(hours=24),
        datetime.now(UTC),
        calendar=company_calendar(server.settings.data_dir, COMPANY),
    )["produced_qty"]
    assert produced.max() >= 1000
    expected = sorted(f"{n:,}" for n in produced)
    cells = page.locator("#quality tbody tr td:nth-child(2)")
    expect(cells).to_have_count(
        len(expected)
    )  # the table is drawn by the page script after the period changes
    assert sorted(cells.all_inner_texts()) == expected
    rows = page.locator("#violations tbody tr")
    expect(rows.first).to_be_visible()
    points = [r.locator("td").nth(0).inner_text() for r in rows.all()]
    # the poor machine's trial puts hours out of control; each hour is listed once, the latest first, in KST
    assert len(points) > 1 and len(set(points)) == len(points)
    assert points == sorted(points, reverse=True)
    assert all(len(p) == 16 and p[10] == " " for p in points)  # "2026-12-04 18:00"
    # a p chart's point is a share of defective parts, written as one
    assert all(re.fullmatch(r"\d+\.\d%", r.locator("td").nth(2).inner_text()) for r in rows.all())
    latest = datetime.fromisoformat(points[0]).replace(tzinfo=ZoneInfo("Asia/Seoul"))
    assert latest <= datetime.now(UTC) and datetime.now(UTC) - latest < timedelta(hours=24)
    # the p chart says its hours vary beyond chance (the poor machine's trial next to a nominal one) and names p′
    expect(page.locator("#spc-note")).to_contain_text("p′ Laney")
    expect(page.locator("#spc")).to_have_attribute("data-y-unit", "%")  # a share, not a fraction (0.1–0.5)
    # Laney's p′ over the same hours: it names the spread between hours and flags no more hours than p does
    page.locator("#chart-kind").select_option("laney_p")
    page.locator("#chart-form button[type=submit]").click()
    expect(page.locator("#spc-note")).to_contain_text("σz =")
    expect(page.locator("#spc-dispersion")).to_be_hidden()  # an attributes chart is one chart
    laney = page.locator("#violations tbody tr td.violation")
    # the trial's hours are real changes of settings: still out of control
    expect(laney.first).to_be_visible()
    assert 0 < laney.count() <= len(points)
    # a variables chart of a characteristic the parts are measured on, offered from the part records
    assert set(page.locator("#characteristics option").evaluate_all("os => os.map(o => o.value)")) == {
        "part_weight_g", "sink_depth_um", "warpage_mm"
    }  # fmt: skip
    page.locator("#chart-kind").select_option("imr")
    page.locator("#chart-characteristic").fill("part_weight_g")
    page.locator("#chart-form button[type=submit]").click()
    expect(page.locator("#spc canvas")).to_have_count(1)
    expect(page.locator("#spc-note")).to_be_hidden()
    # the legend names the individuals series now, not the p chart's; the moving-range chart stands below it
    expect(page.locator("#spc .u-legend .u-series").nth(1)).to_have_text("I (개별값)--")
    expect(page.locator("#spc-dispersion canvas")).to_have_count(1)
    expect(page.locator("#spc-dispersion .u-legend .u-series").nth(1)).to_have_text("MR (이동범위)--")
    # the value axes carry the characteristic's unit (they were bare numbers), as the p chart's carried %
    expect(page.locator("#spc")).to_have_attribute("data-y-unit", "g")
    expect(page.locator("#spc-dispersion")).to_have_attribute("data-y-unit", "g")
    expect(page.locator("#spc .u-legend .u-series").first.locator(".u-label")).to_have_text("시각")
    # the latest 50 rule-breaking points are listed, the rest counted (a day of individuals broke thousands)
    found = int(page.locator("#spc").get_attribute("data-violations"))
    listed = page.locator("#violations tbody tr td.violation").count()
    assert listed == min(found, 50)
    if found > 50:
        expect(page.locator("#violations tr[data-more]")).to_contain_text(f"{found - 50:,}개")
    # each point of individual parts by its second and its value: parts a few seconds apart read as one minute
    first = page.locator("#violations tbody tr").first.locator("td")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first.nth(0).inner_text())
    assert float(first.nth(2).inner_text().replace(",", "")) > 0  # a part weight in grams
    # chart times read in plant time and ISO order, not uPlot's US style in the browser's zone
    page.locator("#spc .u-over").hover()
    expect(page.locator("#spc .u-legend .u-series").first.locator(".u-value")).to_have_text(
        re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")
    )
    # a characteristic the parts do not have: the reason, and nothing of the previous chart left standing
    page.locator("#chart-characteristic").fill("nonexistent_col")
    page.locator("#chart-form button[type=submit]").click()
    expect(page.locator("#spc canvas")).to_have_count(0)
    expect(page.locator("#spc-dispersion")).to_be_hidden()
    expect(page.locator("#spc")).to_contain_text("'nonexistent_col'을(를) 측정한 부품이 없습니다")
    expect(page.locator("#spc")).to_contain_text("part_weight_g")  # what the parts are measured on
    expect(page.locator("#violations tbody td.violation")).to_have_count(0)
    page.locator("#chart-characteristic").fill("part_weight_g")
    page.locator("#chart-kind").select_option("xbar_r")
    page.locator("#chart-form button[type=submit]").click()
    expect(page.locator("#spc canvas")).to_have_count(1)
    expect(page.locator("#spc .u-legend .u-series").nth(1)).to_have_text("X̄ (부분군 평균)--")
    expect(page.locator("#spc-dispersion .u-legend .u-series").nth(1)).to_have_text("R (부분군 범위)--")
    ticks = page.evaluate(
        """() => sandanChartTime("Asia/Seoul").axis({ scales: { x: { min: 0, max: 7200 } } },
                                                [Date.UTC(2026, 11, 3, 14, 30) / 1000, Date.UTC(2026, 11, 3, 15, 30) / 1000])"""
    )
    assert ticks == ["12-03 23:30", "12-04 00:30"]  # the day where it changes, at Seoul's midnight
    # a chart of days names each day once, however many ticks fall inside it (the trend repeated '12-03')
    hours = [f"Date.UTC(2026, 11, 3, {h}, 0) / 1000" for h in (0, 6, 12, 16, 22)]
    days = page.evaluate(
        f"""() => sandanChartTime("Asia/Seoul", {{ days: true }}).axis({{ scales: {{ x: {{ min: 0, max: 86400 }} }} }},
                                                [{", ".join(hours)}])"""
    )
    assert days == ["12-03", "", "", "12-04", ""]

    # process capability: the limits start from the drawing (part weight ≥ 84 g), the figures are the API's
    page.locator("#cap-characteristic").fill("part_weight_g")
    page.locator("#cap-characteristic").dispatch_event("change")
    expect(page.locator("#cap-lsl")).to_have_value("84")
    expect(page.locator("#cap-usl")).to_have_value("")
    # where the pre-filled limit comes from is said before anything is computed: the drawing, not the data
    expect(page.locator("#cap-spec-note")).to_contain_text("데이터에서 구한 값이 아닙니다")
    # the study takes seconds: held back here, the page says it is computing (it showed an empty table)
    held: list = []
    page.route("**/spc/capability?*", lambda route: held.append(route))
    page.locator("#cap-form button[type=submit]").click()
    expect(page.locator("#cap-summary")).to_have_text("공정능력과 신뢰구간을 계산하는 중…")
    expect(page.locator("#capability")).to_have_attribute("aria-busy", "true")
    expect(page.locator("#cap-verdict")).to_be_hidden()  # an earlier study's verdict is not this one's
    assert held  # the request waits in the route
    for route in held:
        route.continue_()
    page.unroute("**/spc/capability?*")
    expect(page.locator("#capability")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#cap-spec-note")).to_be_visible()
    verdict = page.locator("#cap-verdict")
    expect(page.locator("#cap-table tbody tr").first).to_be_visible()
    end = datetime.now(UTC)
    api = page.request.get(
        f"/api/v1/companies/{COMPANY}/spc/capability",
        params={
            "characteristic": "part_weight_g",
            "start": (end - timedelta(days=1)).isoformat(),
            "end": end.isoformat(),
        },
    ).json()
    assert api["lsl"] == 84 and api["usl"] is None and api["cp"] is None  # one-sided: Cpk only
    assert api["unit"] == "g"  # the mean and σ read in grams
    expect(page.locator("#cap-summary")).to_contain_text(re.compile(r"평균 [\d.,]+ g, 군내 σ [\d.,]+ g"))
    assert verdict.get_attribute("data-verdict") == api["verdict"]
    if api["normal"] is False:  # judged in the non-normal block below, never by the normal model's Cpk
        expect(verdict).to_be_hidden()
        expect(page.locator("#cap-nn")).to_be_visible()
    else:
        expect(verdict).to_be_visible()
    cpk_row = page.locator("#cap-table tbody tr", has_text="Cpk")
    expect(cpk_row.locator("td").first).to_have_text("Cpk (단측: CPL)")  # the one-sided ratio, named
    assert float(cpk_row.locator("td").nth(1).inner_text()) == pytest.approx(api["cpk"], abs=0.011)
    # Cp and Pp are not computed with one limit, and the row says why
    for index in ("Cp", "Pp"):
        cells = page.locator("#cap-table tbody tr").filter(
            has=page.get_by_role("cell", name=index, exact=True)
        )
        expect(cells.locator("td")).to_have_text(
            [index, "–", "규격 하한과 상한이 모두 있어야 계산", re.compile("σ")]
        )
    summary = page.locator("#cap-summary")
    expect(summary).to_contain_text(f"규격을 벗어난 측정: {api['out_of_spec']:,}개")
    expect(summary).to_contain_text(f"{round(api['observed_ppm']):,} ppm")
    # the parts of two machines, one with short shots: not a normal distribution (the API's test), so the page
    # gives the counted rate as the figure to trust, no normal-model ppm beside it, and suggests one machine
    assert api["normal"] is False and api["machine_count"] == 2, api
    normal = page.locator("#cap-normal")
    expect(normal).to_contain_text("측정값이 정규분포를 따르지 않습니다(정규성 검정 p < 0.001)")
    # the warning stands above the normal model's indices, which are greyed
    expect(page.locator("#cap-table")).to_have_class(re.compile("unreliable"))
    assert normal.bounding_box()["y"] < page.locator("#cap-table").bounding_box()["y"]
    expect(normal).to_contain_text(
        f"믿을 수치는 실제로 규격을 벗어난 비율 {api['out_of_spec'] / api['n'] * 100:.2f}%"
    )
    expect(normal).to_contain_text("설비 2대의 부품이 섞여 있습니다")
    expect(page.locator("#capability")).not_to_contain_text("p = <")
    expect(summary).not_to_contain_text("정규분포라면")
    # a limit typed absurdly far from every part gives an absurd index: shown in three digits, not in seventeen
    page.locator("#cap-lsl").fill("-1e30")
    page.locator("#cap-form button[type=submit]").click()
    cpk_cell = page.locator("#cap-table tbody tr", has_text="Cpk").locator("td").nth(1)
    expect(cpk_cell).to_have_text(re.compile(r"^\d\.\d\de\+\d+$"))
    # the plant's own drawing: a tighter limit the parts do not meet
    page.locator("#cap-lsl").fill("85.5")
    page.locator("#cap-form button[type=submit]").click()
    expect(page.locator("#cap-spec-note")).to_be_hidden()
    # still two machines' parts, not normal: judged by a fitted distribution or not at all, never "capable"
    expect(verdict).to_have_attribute("data-verdict", re.compile("^(not_capable|marginal|undetermined)$"))
    # one machine's parts: the charts and the capability read only those, and the mixed-machines note goes
    expect(page.locator("#spc-mixed")).to_be_visible()
    page.locator("#chart-machine").select_option("imm-02")
    expect(page.locator("#spc-mixed")).to_be_hidden()
    page.locator("#cap-form button[type=submit]").click()
    end = datetime.now(UTC)
    one = page.request.get(
        f"/api/v1/companies/{COMPANY}/spc/capability",
        params={
            "characteristic": "part_weight_g",
            "lsl": 85.5,
            "machine_id": "imm-02",
            "start": (end - timedelta(days=1)).isoformat(),
            "end": end.isoformat(),
        },
    ).json()
    assert one["n"] < api["n"]
    expect(page.locator("#cap-summary")).to_contain_text(f"측정 {one['n']:,}개")
    page.locator("#chart-kind").select_option("p")
    expect(
        page.locator("#chart-characteristic-label")
    ).to_be_hidden()  # a count of scrap has no characteristic

    # labelling a stop offers the code table's reasons
    page.goto(f"/companies/{COMPANY}/monitor/machines/imm-02")
    option = page.locator("#reason-codes option[value='heater_band_failure']")
    expect(option).to_have_text("히터 밴드 고장")
    # the machine's signals by their names in words, the id beside them
    long = "peak cavity pressure / 최대 캐비티 압력"  # as the demo's moulders name theirs
    server.store.upsert_signals(
        COMPANY,
        [Signal(company_id=COMPANY, machine_id="imm-02", name="cavity_pressure_peak_bar", unit="bar",
                min_value=0, max_value=1500, description=long)],
    )  # fmt: skip
    page.goto(f"/companies/{COMPANY}/machines/imm-02")
    # its part records' columns by the process's names for them, with units
    expect(page.locator("#parts thead")).to_contain_text("용융 수지 온도 (°C)")
    expect(page.locator("#parts thead")).not_to_contain_text("melt_temp_c")
    # scrap by the code table's name for its defect, as on the Pareto, the recorded code in the tooltip
    typed = page.locator("#parts tbody td[title]")
    expect(typed.first).to_be_visible()
    codes = set(typed.evaluate_all("cs => cs.map(c => c.title)"))
    names = set(typed.evaluate_all("cs => cs.map(c => c.textContent)"))
    assert codes and not codes & names and all(re.search("[가-힣]", n) for n in names), (codes, names)
    expect(page.locator("#signals")).to_contain_text(
        "노즐 수지 온도 / melt temperature at nozzle melt_temp_c"
    )
    # at 1280 px the table fits its panel: every row's "change" link can be clicked (it ran under the chart)
    overflow = page.locator("#signals").evaluate(
        "t => t.getBoundingClientRect().right - t.closest('.panel').getBoundingClientRect().right"
    )
    assert page.viewport_size["width"] >= 1280 and overflow <= 0, overflow
    expect(page.locator("#chart-signal option[value=melt_temp_c]")).to_have_text(
        "노즐 수지 온도 / melt temperature at nozzle (°C)"
    )
    # the part records go to Excel from the page, every record of the chosen days, the columns explained
    with page.expect_download() as download:
        page.locator("#parts-export a[data-range='7d']").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    header = [c.value for c in book["data"][1]]
    assert header[:2] == ["시각 (Asia/Seoul)", "설비"] and "param:melt_temp_c" in header
    end = datetime.now(UTC) + timedelta(minutes=1)
    week = server.store.query_parts(COMPANY, end - timedelta(days=7, minutes=2), end, ["imm-02"]).num_rows
    assert week - 5 <= book["data"].max_row - 1 <= week  # the machine runs on while the test reads
    legend = {r[0]: r[1:] for r in book["열 설명"].iter_rows(min_row=2, values_only=True)}
    assert legend["param:melt_temp_c"] == ("용융 수지 온도", "°C")


def test_the_oee_table_writes_part_counts_with_thousands_separators(page, login, server, moulder):
    # planned round the clock for this test only, so the 20 hours count whatever the weekday (the default calendar
    # plans Monday to Friday)
    all_day = Shift(name="all", label_ko="종일", label_en="All day", start=clock(0), end=clock(0))
    calendar = ShiftCalendar(shifts=[all_day], working_weekdays=list(range(7)), korean_public_holidays=False)
    path = save_company_calendar(server.settings.data_dir, COMPANY, calendar)
    try:
        login("choi")
        page.goto(f"/companies/{COMPANY}/monitor/lines/l1")
        expect(page.locator("body")).to_have_attribute("data-loaded", "1")
        end = page.evaluate("() => new Date().toISOString()")
        start = (datetime.fromisoformat(end.replace("Z", "+00:00")) - timedelta(days=1)).isoformat()
        api = page.request.get(
            f"/api/v1/companies/{COMPANY}/oee/dashboard", params={"line_id": "l1", "start": start, "end": end}
        ).json()
        for r in api["by_machine"]:
            assert r["produced_qty"] >= 1000
            row = page.locator(f"#children tr[data-row='{r['machine_id']}']")
            expect(row.locator("td[data-col=produced_qty]")).to_have_text(f"{r['produced_qty']:,}")  # "2,371"
            expect(row.locator("td[data-col=scrap_qty]")).to_have_text(f"{r['scrap_qty']:,}")
    finally:
        path.unlink()


def test_control_limits_come_from_the_points_before_a_clicked_one(page, login, server, moulder):
    """After a change, an engineer judges the parts made since against the process before it: a click on the last
    point before the change ends phase I there; the note and the dashed line say where the limits come from."""
    login("choi")
    page.goto(f"/companies/{COMPANY}/quality")
    page.locator("#chart-kind").select_option("imr")
    page.locator("#chart-machine").select_option("imm-01")
    page.locator("#chart-characteristic").fill("part_weight_g")
    page.locator("#chart-form button[type=submit]").click()
    phase = page.locator("#spc-phase")
    expect(page.locator("#spc .u-legend .u-series").nth(1)).to_have_text(
        "I (개별값)--"
    )  # the new chart drawn
    expect(phase).to_contain_text("기간 전체")
    points = int(page.locator("#spc").get_attribute("data-phase1"))
    assert points > 100  # 20 hours of one machine's parts, each a point
    page.locator("#spc .u-over").click()  # the middle of the chart
    expect(phase).to_contain_text("번 점(1단계)")
    until = page.locator("#chart-phase1").input_value()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", until), until
    # the figures are the API's for that time on the plant's clock
    end = page.evaluate("() => new Date().toISOString()")
    start = (datetime.fromisoformat(end.replace("Z", "+00:00")) - timedelta(days=1)).isoformat()
    params = {
        "start": start,
        "end": end,
        "chart": "imr",
        "characteristic": "part_weight_g",
        "machine_id": "imm-01",
    }
    api = page.request.get(
        f"/api/v1/companies/{COMPANY}/spc/measurement", params={**params, "baseline_end": until + "+09:00"}
    ).json()
    b = api["baseline_points"]
    assert 0.2 * points < b < 0.8 * points  # about half of the points lie left of the middle
    expect(page.locator("#spc")).to_have_attribute("data-phase1", str(b))
    expect(phase).to_contain_text(f"1–{b:,}번 점(1단계)")
    expect(phase).to_contain_text(f"{b + 1:,}–{points:,}번 점(2단계)")
    # a time before the second part: the reason, and nothing drawn
    first = datetime.fromisoformat(api["labels"][0]).astimezone(ZoneInfo("Asia/Seoul"))
    page.locator("#chart-phase1").fill(first.strftime("%Y-%m-%dT%H:%M:%S"))
    page.locator("#chart-form button[type=submit]").click()
    expect(page.locator("#spc")).to_contain_text("2개 이상")
    expect(phase).to_have_text("")
    # a time after the last point: every point sets the limits, and the note says so
    page.locator("#chart-phase1").fill("2099-01-01T00:00:00")
    page.locator("#chart-form button[type=submit]").click()
    expect(phase).to_contain_text("모든 점이 1단계 끝보다 앞에")
    page.locator("#chart-phase1").fill("")
    page.locator("#chart-form button[type=submit]").click()
    expect(phase).to_contain_text("기간 전체")


def test_a_slow_recommendation_shows_its_progress_until_the_result(page, login, server, moulder, monkeypatch):
    import sandan.optimize.service as service

    real = service.recommend_for_machine

    def slowed(*args, progress, **kwargs):  # the real recommendation, each step 50 ms slower (a busy server)
        def step(*a, **k):
            time.sleep(0.05)
            progress(*a, **k)

        return real(*args, progress=step, **kwargs)

    monkeypatch.setattr(service, "recommend_for_machine", slowed)
    login("choi")
    page.goto(f"/companies/{COMPANY}/optimize?machine_id=imm-02")
    page.locator("#opt-run").click()
    expect(page.locator("#opt-progress")).to_contain_text("imm-02")
    expect(page.locator("#progress-text")).to_contain_text("설정 탐색", timeout=30_000)  # the job's own steps
    expect(page.locator("#progress-text")).not_to_contain_text("searching")  # in the page's language only
    expect(page.locator("#opt-effect")).to_be_visible(timeout=120_000)  # and the page turns into the result
    expect(page.locator("#opt-progress")).to_have_count(0)


def test_why_did_defects_rise_ranks_the_poor_machine_and_names_the_settings(page, login, server, moulder):
    from sandan.optimize.service import root_cause_for

    login("choi")
    page.goto(f"/companies/{COMPANY}/quality")
    page.locator("#why-link").click()
    expect(page.locator("#why-form")).to_be_visible()
    # the first question is fitted to the 20 hours of records: the last quarter against the rest before it
    expect(page.locator("#why-adapted")).to_contain_text(
        re.compile(r"마지막 [45]시간( \d+분)?을 그 전 1[45]시간( \d+분)?과 비교합니다")  # "5시간" on the hour
    )
    expect(page.locator("#why-rates")).to_be_visible()
    expect(page.locator("#why-error")).to_have_count(0)
    # effect sizes named in Korean, by the words the assistant uses too (rootcause.EFFECT_NAMES)
    effects = set(page.locator("#why-factors td small").all_inner_texts())
    assert effects and effects <= {"순위 이연 상관 |r|", "크라메르 V"}, effects
    # asked for the last 24 hours against the 7 days before, which hold no parts here: said, with what to do
    end_default = moulder.astimezone(ZoneInfo("Asia/Seoul"))
    page.goto(
        f"/companies/{COMPANY}/quality/why?end={end_default:%Y-%m-%dT%H:%M}"
        f"&start={end_default - timedelta(days=1):%Y-%m-%dT%H:%M}&baseline_days=7"
    )
    expect(page.locator("#why-error")).to_contain_text("그 전 7일에도 10개 이상 있어야 합니다")
    expect(page.locator("#why-error")).to_contain_text("그 전 0개). 시작을 늦추거나 비교 일수를 줄여")

    # the last hour against the week before, of which only the 19 hours since the first record hold parts: the
    # rates say so (they said "the 7 days before"); 0 days is refused (it was taken for the default week)
    page.goto(
        f"/companies/{COMPANY}/quality/why?end={end_default:%Y-%m-%dT%H:%M}"
        f"&start={end_default - timedelta(hours=1):%Y-%m-%dT%H:%M}&baseline_days=7"
    )
    expect(page.locator("#why-rates")).to_contain_text(
        re.compile(r"그 전\(첫 기록 이후 1[89]시간( \d+분)?\) ")
    )
    page.goto(
        f"/companies/{COMPANY}/quality/why?end={end_default:%Y-%m-%dT%H:%M}"
        f"&start={end_default - timedelta(hours=1):%Y-%m-%dT%H:%M}&baseline_days=0"
    )
    expect(page.locator("#why-error")).to_contain_text("비교 기간은 0일보다 길고 90일 이하여야 합니다")

    # the last 8 hours against the 12 before (the poor machine's trial and the nominal machine's production)
    seoul = ZoneInfo("Asia/Seoul")
    end = moulder.astimezone(seoul)
    start = end - timedelta(hours=8)
    form = page.locator("#why-form")
    form.locator("input[name=start]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=end]").fill(end.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=baseline_days]").fill("0.5")
    form.get_by_role("button", name="분석").click()
    found = root_cause_for(server.store, COMPANY, start, end, baseline_days=0.5)
    rates = page.locator("#why-rates")
    assert found.n_good >= 1000  # so the count is written with its thousands separator
    expect(rates).to_contain_text(f"이 기간 {100 * found.rate_bad:.1f}% (부품 {found.n_bad:,}개)")
    # the 20 hours of records begin less than an hour after the 12 before the period do: that span is said
    expect(rates).to_contain_text(
        re.compile(
            rf"그 전( 12시간|\(첫 기록 이후 11시간( \d+분)?\)) {100 * found.rate_good:.1f}% \(부품 {found.n_good:,}개\)"
        )
    )
    rows = page.locator("#why-factors tbody tr")
    expect(rows).to_have_count(len(found.factors))
    # the machine at poor settings is among the strongest associations, named as people know it
    machine = page.locator("#why-factors tr[data-factor=machine_id]")
    expect(machine).to_have_class("significant")
    expect(machine).to_contain_text("사출기 2호기: 불량률")
    assert [f.name for f in found.factors][:4].count(
        "machine_id"
    ) == 1  # its settings differ with it, so they rank near
    # settings by the machine's own names; the raw column name only as a tooltip
    expect(page.locator("#why-factors")).to_contain_text("보압")
    expect(page.locator("#why-factors")).not_to_contain_text("holding_pressure_bar")

    # the machine's own page asks the same about that machine
    page.goto(f"/companies/{COMPANY}/machines/imm-02")
    page.locator("#machine-actions a", has_text="불량이 왜 늘었나").click()
    expect(page.locator("#why-form select[name=machine_id]")).to_have_value("imm-02")

    page.goto(f"/companies/{COMPANY}/quality/why?machine_id=nope")  # the form stays, with the reason
    expect(page.locator("#why-error")).to_contain_text("nope")
    expect(page.locator("#why-form")).to_be_visible()
    page.goto(f"/companies/{COMPANY}/quality/why?start=yesterday")
    expect(page.locator("#why-error")).to_contain_text("‘시작’에는 2026-12-04T08:00 같은 날짜와 시각")
    # an emptied "days before" is the usual week; a word there is said on the page, the window typed kept
    # (both used to end on a bare 400 page that lost the form)
    page.goto(f"/companies/{COMPANY}/quality/why")
    window = page.locator("#why-form input[name=start]").input_value()
    page.locator("#why-form input[name=baseline_days]").fill("")
    page.locator("#why-form button[type=submit]").click()
    expect(page.locator("#why-form input[name=baseline_days]")).to_have_value("7")
    expect(page.locator("#why-error")).to_have_count(0)
    page.goto(f"/companies/{COMPANY}/quality/why?start={window}&baseline_days=week")
    expect(page.locator("#why-error")).to_contain_text("비교할 이전 일수")
    expect(page.locator("#why-form input[name=start]")).to_have_value(window)


def test_the_cycle_time_trade_off_is_drawn_with_its_axes(page, login, moulder):
    login("choi")
    page.goto(f"/companies/{COMPANY}/optimize?machine_id=imm-02&cycle=true")
    expect(page.locator("#opt-form input[name=cycle]")).to_be_checked()
    page.locator("#opt-run").click()
    chart = page.locator("#opt-pareto")
    expect(chart).to_be_visible(timeout=120_000)
    expect(chart).to_contain_text("예상 불량률")
    expect(chart).to_contain_text("사이클 타임 (초)")
    ticks = chart.locator("text.tick").all_text_contents()
    assert len(ticks) == 6 and all(t.endswith("%") for t in ticks[:3])  # three on each axis
    assert chart.locator("circle[r='6']").count() == 1  # the recommended point
