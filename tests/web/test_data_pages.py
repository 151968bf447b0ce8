"""Importing a spreadsheet through the pages, seeing its rows on the machine page, and fixing a rejected row."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from sandan.collect import ingest_readings

pytestmark = pytest.mark.browser

SEOUL = ZoneInfo("Asia/Seoul")


def _excel_csv(path, rows):
    """A part-record export as a Korean Excel saves it: CP949 text, Korean headers, local times without a zone."""
    header = "생산일시,설비,부품번호,판정,불량유형,온도,외경\n"
    path.write_bytes((header + "".join(",".join(r) + "\n" for r in rows)).encode("cp949"))
    return path


def _local(minutes_ago: int) -> str:
    return (datetime.now(SEOUL) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%d %H:%M:%S")


def _upload(page, path):
    page.goto("/companies/acme/import")
    page.set_input_files("input[type=file]", str(path))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#mapping-form")).to_be_visible()


def test_imported_csv_rows_appear_on_the_machine_page(page, login, shot, tmp_path):
    csv = _excel_csv(
        tmp_path / "생산실적.csv",
        [
            [_local(50), "cnc-01", "P-1001", "양품", "", "61.5", "24.98"],
            [_local(40), "cnc-01", "P-1002", "양품", "", "62.0", "25.01"],
            [_local(30), "cnc-01", "P-1003", "불량", "버", "66.4", "25.12"],
            [_local(20), "cnc-01", "P-1004", "OK", "", "61.8", "24.99"],
            [_local(10), "cnc-01", "P-1005", "NG", "치수", "63.1", "25.20"],
            [_local(5), "cnc-01", "P-1006", "몰라", "", "62.2", "25.00"],
        ],
    )
    login("kim")
    _upload(page, csv)

    # preview: encoding, detected roles, a warning about times without zone, sample rows
    expect(page.locator("#detected-encoding")).to_contain_text(re.compile("cp949|euc", re.I))
    expect(page.locator("#preview-warnings")).to_contain_text("시간대")
    expect(page.locator("select[data-column='판정']")).to_have_value("result")
    expect(page.locator("select[data-column='온도']")).to_have_value("param:온도")
    expect(page.locator("#columns tbody tr")).to_have_count(6)
    # the sample numbers rows as Excel, the receipt and the quarantine do (header = row 1)
    expect(page.locator("#columns tbody tr", has_text="P-1006").locator("td").first).to_have_text("7")
    expect(page.locator("#timezone")).to_have_value("Asia/Seoul")
    # the row the import will reject is marked before importing, with the column and the reason
    expect(page.locator("#columns tbody tr.would-reject")).to_have_count(1)
    expect(page.locator("#columns tr.would-reject .reject-reason")).to_contain_text("판정")
    expect(page.locator("#columns tr.would-reject .reject-reason")).to_contain_text("'몰라'")
    expect(page.locator("#sample-check")).to_contain_text("처음 6행 중 1행은 가져올 때 거부됩니다")
    # long or wide is a choice for sensor readings only
    expect(page.locator("#layout")).to_be_hidden()
    page.select_option("#kind", "reading")
    expect(page.locator("#layout")).to_be_visible()
    page.select_option("#kind", "part")
    # a role list is as wide as a column needs, not as its longest option: the table stays readable
    widths = page.locator("#columns select.role-select").evaluate_all("ss => ss.map(s => s.offsetWidth)")
    rem = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert max(widths) <= 13 * rem + 1, widths
    # mapping: the outer diameter is a measured characteristic, not a process setting
    page.select_option("select[data-column='외경']", "measure:외경")
    shot("import_preview")

    page.click("#run-import")
    expect(page.locator("#receipt")).to_be_visible()
    expect(page.locator("#n-received")).to_have_text("6")
    expect(page.locator("#n-accepted")).to_have_text("5")
    expect(page.locator("#n-rejected")).to_have_text("1")
    issue = page.locator("#issues tbody tr")
    expect(issue).to_have_count(1)
    expect(issue).to_contain_text("7")  # Excel row: header is row 1, the sixth data row is row 7
    expect(issue).to_contain_text("판정")
    expect(page.locator("#to-quarantine")).to_be_visible()
    shot("import_receipt")

    expect(page.locator("#import-machines a.chip")).to_have_text(["CNC 1호기"])  # the file's machines
    page.click("a.chip:has-text('CNC 1호기')")
    parts = page.locator("#parts")
    for part_id in ("P-1001", "P-1003", "P-1005"):
        expect(parts).to_contain_text(part_id)
    expect(parts).not_to_contain_text("P-1006")
    # newest first, NG rows highlighted, parameters and measures in their own columns
    expect(parts.locator("tbody tr").first).to_contain_text("P-1005")
    expect(parts.locator("tbody tr.result-ng")).to_have_count(2)
    expect(parts.locator("thead")).to_contain_text("온도")
    expect(parts.locator("thead")).to_contain_text("외경")
    expect(parts.locator("tbody tr", has_text="P-1003")).to_contain_text("66.4")
    # shown in Seoul time, exactly as typed in the spreadsheet
    first_time = csv.read_bytes().decode("cp949").splitlines()[1].split(",")[0]
    expect(parts).to_contain_text(first_time)
    shot("machine_parts")

    # the same file again: its rows are duplicates and its rejected row waits in quarantine once
    _upload(page, csv)
    page.select_option("select[data-column='외경']", "measure:외경")
    page.click("#run-import")
    expect(page.locator("#n-duplicates")).to_have_text("5")
    expect(page.locator("#n-rejected")).to_have_text("1")
    expect(page.locator("#already-quarantined")).to_contain_text("1행은 이전 가져오기에서 이미 격리함에")
    page.click("#to-quarantine")
    waiting = page.locator("#quarantine tbody tr", has_text="몰라")
    expect(waiting).to_have_count(1)
    expect(waiting.locator("[data-repeats]")).to_contain_text("1번 더 들어옴")


def test_the_preview_says_whether_the_encoding_was_detected_or_chosen_and_imports_after_checking_again(
    page, login, tmp_path
):
    csv = _excel_csv(tmp_path / "인코딩.csv", [[_local(5), "cnc-01", "P-9001", "양품", "", "61.5", "24.98"]])
    login("kim")
    _upload(page, csv)
    facts = page.locator("#preview-facts")
    expect(facts).to_contain_text("감지된 인코딩")
    page.click("#check-again")
    expect(facts).to_contain_text("감지된 인코딩")  # nobody chose it: still the detected one
    page.select_option("#encoding-choice", "cp949")
    page.click("#reread-form button[type=submit]")
    expect(facts).not_to_contain_text("감지된")
    expect(page.locator("#detected-encoding")).to_have_text("cp949")
    page.click("#check-again")
    expect(facts).not_to_contain_text("감지된")  # chosen stays chosen
    expect(page.locator("#detected-encoding")).to_have_text("cp949")
    # checked again, the file still imports (the form had posted back to the check's address and only checked)
    page.click("#run-import")
    expect(page.locator("#receipt")).to_be_visible()
    expect(page.locator("#n-accepted")).to_have_text("1")
    # the list of recent imports says what each stored, not only that it ran
    job = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.goto("/companies/acme/import")
    row = page.locator(f"tr[data-job='{job}']")
    expect(row.locator("[data-col=accepted]")).to_have_text("1")
    expect(row.locator("[data-col=state]")).to_have_text("완료")


def test_a_korean_column_joins_the_parameter_the_machines_already_record(page, login, server, tmp_path):
    path = tmp_path / "주축.csv"
    rows = [f"{_local(33 - i)},cnc-01,S-{i},양품,{2400 + 10 * i},{60 + i / 10}" for i in range(3)]
    header = "생산일시,설비,부품번호,판정,주축회전수,외경 (mm)\n"
    path.write_bytes((header + "\n".join(rows) + "\n").encode("cp949"))
    login("kim")
    _upload(page, path)
    select = page.locator("select[data-column='주축회전수']")
    # offered by its name in words, beside a parameter of the column's own name
    expect(select.locator("option[value='param:spindle_speed_rpm']")).to_contain_text("spindle_speed_rpm")
    # and already chosen, since the header is that parameter's Korean name; "외경" is the measured diameter (an
    # inspection result, which must not become a setting the defect models read)
    expect(select).to_have_value("param:spindle_speed_rpm")
    expect(page.locator("select[data-column='외경 (mm)']")).to_have_value("measure:diameter_mm")
    page.click("#run-import")
    expect(page.locator("#n-accepted")).to_have_text("3")
    stored = server.store.query_parts(
        "acme", datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC)
    ).to_pylist()
    mine = {r["part_id"]: r for r in stored if r["part_id"].startswith("S-")}
    assert json.loads(mine["S-1"]["params"]) == {"spindle_speed_rpm": 2410}
    assert json.loads(mine["S-1"]["measures"]) == {"diameter_mm": 60.1}


def test_rejected_row_shows_its_reason_and_fix_and_replay_accepts_it(page, login, shot, tmp_path):
    csv = _excel_csv(
        tmp_path / "불량행.csv",
        [
            [_local(45), "cnc-01", "Q-1", "양품", "", "60.1", "25.00"],
            [_local(44), "cnc-01", "Q-2", "글쎄", "", "60.2", "25.01"],
        ],
    )
    login("kim")
    _upload(page, csv)
    page.click("#run-import")
    expect(page.locator("#n-rejected")).to_have_text("1")
    page.click("#to-quarantine")

    row = page.locator("#quarantine tbody tr", has_text="Q-2")
    expect(row).to_contain_text("판정 '글쎄'은(는) ok / ng 가 아닙니다")
    expect(row).to_contain_text("3행, 판정 열")
    expect(row).to_contain_text("불량행.csv")
    # the record reads as its filled fields by the import's names; the JSON as received is one click away
    record = row.locator(".record")
    expect(record).to_contain_text("부품 번호 Q-2")
    expect(record).not_to_contain_text("null")
    expect(record).not_to_contain_text("불량 유형")  # left empty in the file
    expect(row.locator("details pre")).to_be_hidden()
    row.locator("details summary").click()
    expect(row.locator("details pre")).to_contain_text('"result": "글쎄"')
    shot("quarantine_list")
    row.locator("a", has_text="보기").click()

    # the record is a form of labelled fields, the rejected one marked; the JSON stays one click away
    faulty = page.locator("#q-fields tr.faulty")
    expect(faulty).to_have_count(1)
    expect(faulty.locator("th")).to_contain_text("판정 (양품/불량)")
    expect(faulty.locator("input")).to_have_value("글쎄")
    expect(page.locator("#q-fields tr", has_text="부품 번호").locator("input")).to_have_value("Q-2")
    expect(page.locator("#q-raw")).to_be_hidden()

    # a fix that is still wrong is rejected again, with the new reason
    faulty.locator("input").fill("아마도")
    page.click("#replay")
    expect(page.locator("#replay-result")).to_contain_text("'아마도'")
    shot("quarantine_item")

    # an edit of the JSON shows in the fields, and the other way round
    page.click("#q-json summary")
    raw = json.loads(page.locator("#q-raw").input_value())
    assert raw["result"] == "아마도" and raw["part_id"] == "Q-2"
    raw["result"] = "불량"
    page.fill("#q-raw", json.dumps(raw, ensure_ascii=False))
    expect(faulty.locator("input")).to_have_value("불량")

    faulty.locator("input").fill("양품")
    assert json.loads(page.locator("#q-raw").input_value())["result"] == "양품"
    page.click("#replay")
    expect(page.locator("#q-result")).to_have_text("저장되었습니다. 레코드를 재처리됨으로 표시했습니다.")
    expect(page.locator("#q-status")).to_contain_text("재처리됨")
    # the closed record shows what was stored, as corrected, above what was received
    expect(page.locator("#q-stored [data-changed]")).to_have_text("판정 (양품/불량) 양품")
    expect(page.locator("#q-original [data-key=result]")).to_contain_text("글쎄")
    expect(page.locator("#q-stored-raw")).to_be_hidden()
    page.locator("#q-stored + details summary").click()
    expect(page.locator("#q-stored-raw")).to_contain_text('"result": "양품"')

    page.goto("/companies/acme/machines/cnc-01")
    expect(page.locator("#parts tbody tr", has_text="Q-2")).to_contain_text("양품")
    page.goto("/companies/acme/quarantine")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Q-2")  # the list, or its empty notice


def test_discard_needs_a_comment_and_closes_the_record(page, login, tmp_path):
    csv = _excel_csv(tmp_path / "폐기.csv", [[_local(43), "no-such-machine", "D-1", "양품", "", "1", "2"]])
    login("kim")
    _upload(page, csv)
    page.click("#run-import")
    expect(page.locator("#n-rejected")).to_have_text("1")
    page.click("#to-quarantine")
    page.locator("#quarantine tbody tr", has_text="D-1").locator("a", has_text="보기").click()
    page.click("#discard")
    expect(page.locator("#discard-result")).to_have_text("폐기하려면 의견을 적으세요.")
    page.fill("#q-comment", "시험 설비 데이터")
    page.click("#discard")
    expect(page.locator("#q-result")).to_have_text("폐기했습니다.")
    expect(page.locator("#q-status")).to_contain_text("폐기됨")


def test_an_undecodable_message_is_shown_with_its_reason_and_only_discarded(page, login, server):
    from sandan.collect.quarantine import keep_reject

    keep_reject(server.store, "acme", "mqtt:sandan/v1/acme/cnc-01/readings", "message", "{temp: 21,", "bad_json",
                "the payload is not JSON", "JSON이 아닙니다")  # fmt: skip
    item_id = server.store.list_quarantine("acme")[0]["id"]
    login("kim")
    page.goto(f"/companies/acme/quarantine/{item_id}")
    expect(page.locator("#q-not-replayable")).to_contain_text("다시 넣을 수 없습니다")
    expect(page.locator("main")).to_contain_text("해석할 수 없는 메시지")
    expect(page.locator("#q-original")).to_contain_text("{temp: 21,")
    expect(page.locator("#replay")).to_have_count(0)
    page.fill("#q-comment", "게이트웨이 펌웨어 수정함")
    page.click("#discard")
    expect(page.locator("#q-status")).to_contain_text("폐기됨")


def test_the_open_items_of_one_import_are_discarded_together_after_a_question(page, login, tmp_path):
    rows = [[_local(50 + i), "no-such-machine", f"B-{i}", "양품", "", "1", "2"] for i in range(3)]
    csv = _excel_csv(tmp_path / "시험설비.csv", rows)
    login("kim")
    _upload(page, csv)
    page.click("#run-import")
    expect(page.locator("#n-rejected")).to_have_text("3")
    page.click("#to-quarantine")
    page.locator("#quarantine tbody tr", has_text="B-1").locator("a", has_text="배치").click()
    expect(page.locator("#quarantine tbody tr")).to_have_count(3)  # this import's open items only
    bulk = page.locator("#q-bulk")
    expect(bulk.locator("button")).to_have_text("3건 모두 폐기")
    bulk.locator("input[name=comment]").fill("시험 설비 데이터")
    page.once("dialog", lambda d: d.accept())
    bulk.locator("button").click()
    expect(page.locator("#q-bulk-done")).to_have_text("3건을 폐기했습니다.")
    expect(page.locator("#quarantine tbody tr", has_text="B-1")).to_have_count(0)


def test_live_chart_draws_recent_readings_and_picks_up_new_ones(page, login, server):
    now = datetime.now(UTC)
    rows = [
        {
            "time": (now - timedelta(minutes=m)).isoformat(),
            "machine_id": "cnc-01",
            "signal": "spindle_temp",
            "value": 40 + m,
        }
        for m in range(30, 0, -1)
    ]
    ingest_readings(server.store, "acme", rows)
    login("kim")
    page.goto("/companies/acme/machines/cnc-01")
    page.select_option("#chart-range", "1h")
    chart = page.locator("#chart")
    expect(chart).to_have_attribute("data-points", "30")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(page.locator("#chart-status")).to_contain_text("30개 점")

    ingest_readings(
        server.store,
        "acme",
        [{"time": now.isoformat(), "machine_id": "cnc-01", "signal": "spindle_temp", "value": 39}],
    )
    expect(chart).to_have_attribute("data-points", "31", timeout=12_000)


def test_import_progress_moves_and_turns_into_the_receipt(page, login, server):
    from sandan.collect import Receipt

    release = threading.Event()

    def slow_import(progress):
        progress(40, 100)
        release.wait(20)
        progress(100, 100)
        return Receipt(batch_id="b1", source="web:kim:big.csv", kind="part", received=100, accepted=100)

    job = server.app.state.jobs.submit("acme", "import", slow_import, user_id="kim", label="big.csv")
    login("kim")
    page.goto(f"/companies/acme/import/jobs/{job.id}")
    # the page and its script write the share alike ("40", not "40.0" and then "40" once the script polls)
    expect(page.locator("#progress")).to_have_attribute("aria-valuenow", "40")
    expect(page.locator("#progress-text")).to_have_text("100행 중 40행")
    release.set()
    expect(page.locator("#n-accepted")).to_have_text("100")


def test_a_running_jobs_page_says_so_when_the_server_no_longer_knows_the_job(page, login, server):
    # after a restart the jobs kept in memory are gone: the page polled forever behind a moving bar
    from sandan.jobs import JobRegistry

    release = threading.Event()

    def slow_import(progress):
        progress(10, 100)
        release.wait(20)

    jobs = server.app.state.jobs
    job = jobs.submit("acme", "import", slow_import, user_id="kim", label="lost.csv")
    login("kim")
    page.goto(f"/companies/acme/import/jobs/{job.id}")
    expect(page.locator("#progress")).to_have_attribute("aria-valuenow", "10")
    # the registry a restarted server starts with
    server.app.state.jobs = JobRegistry()
    try:
        expect(page.locator("#progress")).to_have_count(0, timeout=10_000)
        expect(page.locator("body")).to_contain_text(job.id)
    finally:
        server.app.state.jobs = jobs
        release.set()


def test_another_companys_import_job_is_not_found(page, login, server):
    job = server.app.state.jobs.submit("bravo", "import", lambda progress: None, label="secret.csv")
    login("kim")
    response = page.goto(f"/companies/acme/import/jobs/{job.id}")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("secret.csv")
