"""Taking data out to Excel: part records and the OEE table as .xlsx and as CSV that Excel reads, times on the
plant's clock, headers in the user's language — and a part-record file brought back in is the same records."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from sandan.collect import ingest_events, ingest_parts
from sandan.collect.files import import_file, read_preview
from sandan.monitor import Shift, ShiftCalendar
from sandan.monitor.calendar import save_company_calendar
from sandan.monitor.labels import OEE_STATUS
from tests.api.world import assert_error

BASE = "/api/v1/companies/acme"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
KST = ZoneInfo("Asia/Seoul")


@pytest.fixture
def parts(world):
    rows = [
        {
            "time": (START + timedelta(minutes=i)).isoformat(),
            "machine_id": "m1",
            "part_id": f"P{i:03d}",
            "lot_id": "L7" if i < 30 else "L8",
            "product": "브래킷",
            "result": "ng" if i % 7 == 0 else "ok",
            "defect_type": "균열" if i % 7 == 0 else None,
            "param:billet_temp_c": 1150.0 + i,
            **({"measure:height_mm": 20.0 + i / 100} if i % 2 == 0 else {}),
        }
        for i in range(60)
    ]
    assert ingest_parts(world.store, "acme", rows).rejected == 0
    return rows


def _two_hours_running_then_an_hour_down(world) -> dict[str, str]:
    """Machine states for the parts' three hours; returns that window. The plant works every hour of every day, so
    the window is planned time whenever the test runs (with the default Monday-to-Friday calendar a Saturday
    morning's hour down fell outside every shift and the downtime sheet was empty)."""
    all_day = Shift(name="all", label_ko="종일", label_en="All day", start=time(0), end=time(0))
    calendar = ShiftCalendar(shifts=[all_day], working_weekdays=list(range(7)), korean_public_holidays=False)
    save_company_calendar(world.client.app.state.settings.data_dir, "acme", calendar)
    events = [
        {"machine_id": "m1", "start": START, "end": START + timedelta(hours=2), "state": "running"},
        {
            "machine_id": "m1",
            "start": START + timedelta(hours=2),
            "end": START + timedelta(hours=3),
            "state": "down",
            "reason_code": "E1",
        },
    ]
    rows = [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in e.items()} for e in events]
    assert ingest_events(world.store, "acme", rows).rejected == 0
    return {"start": START.isoformat(), "end": (START + timedelta(hours=3)).isoformat()}


def _window() -> dict[str, str]:
    return {"start": (START - timedelta(minutes=1)).isoformat(), "end": datetime.now(UTC).isoformat()}


def test_part_records_go_to_excel_on_the_plants_clock(world, parts):
    r = world.get("a-view", f"{BASE}/parts/export", params={**_window(), "machine_id": "m1"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["content-disposition"].startswith('attachment; filename="parts-m1-')
    book = load_workbook(io.BytesIO(r.content))
    sheet = book["data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("시각 (Asia/Seoul)", "설비", "부품번호", "로트번호", "제품", "판정", "불량유형")
    assert set(rows[0][7:]) == {"param:billet_temp_c", "measure:height_mm"}
    assert len(rows) == 61
    first = dict(zip(rows[0], rows[1], strict=True))
    # 09:00 Seoul is written as 09:00 (Excel has no zones; the header names the clock)
    assert first["시각 (Asia/Seoul)"] == START.astimezone(KST).replace(tzinfo=None)
    assert (first["부품번호"], first["판정"], first["불량유형"], first["param:billet_temp_c"]) == (
        "P000",
        "ng",
        "균열",
        1150,
    )
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["measure:height_mm"] is None  # not measured on that part: an empty cell, not 0
    # the second sheet says what the columns are, in the header's language
    legend = {row[0]: row[1:] for row in book["열 설명"].iter_rows(min_row=2, values_only=True)}
    assert set(legend) == {"param:billet_temp_c", "measure:height_mm"}


def test_a_csv_export_opens_in_excel_and_imports_back_as_the_same_records(world, parts, tmp_path):
    r = world.get("a-eng", f"{BASE}/parts/export", params={**_window(), "format": "csv", "lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8 Korean text
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0][:2] == ["time (Asia/Seoul)", "machine"] and len(table) == 61
    # corrected in Excel and brought back to a second company: the importer reads every column's role and the
    # clock from the headers, and the records are the same
    path = tmp_path / "parts.csv"
    path.write_bytes(r.content)
    preview = read_preview(path)
    assert preview.kind == "part" and preview.mapping.timezone == "Asia/Seoul" and not preview.needs_timezone
    assert preview.roles["param:billet_temp_c"] == "param:billet_temp_c"
    assert preview.roles["measure:height_mm"] == "measure:height_mm"
    receipt = import_file(world.store, "bravo", path, preview.mapping)
    assert (receipt.accepted, receipt.rejected) == (60, 0)
    start, end = START - timedelta(minutes=1), datetime.now(UTC)
    mine = world.store.query_parts("acme", start, end).to_pylist()
    theirs = world.store.query_parts("bravo", start, end).to_pylist()
    for a, b in zip(mine, theirs, strict=True):
        for k in ("time", "machine_id", "part_id", "lot_id", "product", "result", "defect_type"):
            assert a[k] == b[k], k
        assert json.loads(a["params"]) == json.loads(b["params"])
        assert json.loads(a["measures"] or "{}") == json.loads(b["measures"] or "{}")


def test_text_that_looks_like_a_formula_or_a_link_stays_text():
    import pandas as pd

    from sandan.collect.export import table_file

    frame = pd.DataFrame(
        {"part_id": ['=HYPERLINK("http://x","y")', "http://example.com", "+1-2"], "n": [1, 2, 3]}
    )
    book = load_workbook(io.BytesIO(table_file(frame, "xlsx", name="t").content))
    cells = [row[0] for row in book["data"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == list(frame["part_id"]) and {c.data_type for c in cells} == {"s"}
    assert not any(c.hyperlink for c in cells)
    # CSV has no text type: a cell a formula could begin with is written after an apostrophe (OWASP); a name
    # =HYPERLINK(…) or +cmd|… ran in whoever opened the export in Excel
    frame = pd.DataFrame(
        {"part_id": ['=HYPERLINK("http://x","y")', "+1-2", "@SUM(1)", "-", "P-1"], "n": [1] * 5}
    )
    text = table_file(frame, "csv", name="t").content.decode("utf-8-sig")
    column = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert column == ['\'=HYPERLINK("http://x","y")', "'+1-2", "'@SUM(1)", "-", "P-1"]


def test_the_schedules_workbooks_keep_a_job_named_like_a_formula_as_text():
    import pandas as pd

    from sandan.twin.order_sheets import workbook

    orders = pd.DataFrame({"job": ['=HYPERLINK("http://x","y")'], "product": ["a"]})
    book = load_workbook(io.BytesIO(workbook(orders, pd.DataFrame({"machine": []}))))
    cell = book["orders"]["A2"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"


def test_an_infinite_figure_goes_to_excel_as_its_sign_and_the_missing_one_as_an_empty_cell():
    import pandas as pd

    from sandan.collect.export import table_file

    # effectiveness before its cap is infinite for parts made with no run time recorded (no machine states):
    # the workbook writer refused the whole production report on it
    frame = pd.DataFrame(
        {"machine_id": ["m1", "m2", "m3"], "effectiveness_raw": [float("inf"), 0.8, float("nan")]}
    )
    book = load_workbook(io.BytesIO(table_file(frame, "xlsx", name="t").content))
    assert [row[1] for row in book["data"].iter_rows(min_row=2, values_only=True)] == ["∞", 0.8, None]


def test_the_oee_table_goes_to_excel_with_names_and_percentages(world, parts):
    window = _two_hours_running_then_an_hour_down(world)
    shown = world.get("a-view", f"{BASE}/oee", params=window).json()["rows"][0]
    r = world.get("a-view", f"{BASE}/oee/export", params=window)
    assert r.status_code == 200, r.text
    # named by the company and the days it covers, not only by the time it was downloaded
    assert re.search(
        r'filename="oee-machine-acme-\d{8}(-\d{8})?-\d{8}-\d{4}\.xlsx"', r.headers["content-disposition"]
    )
    sheet = load_workbook(io.BytesIO(r.content))["data"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["설비", "설비명"] and "설비종합효율(OEE)" in header and "시간 가동률" in header
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["설비명"] == "Press 1"
    # the same numbers as the API's table: one function computes them
    assert row["시간 가동률"] == pytest.approx(shown["availability"])
    assert row["생산 수량"] == shown["produced_qty"]
    availability = sheet.cell(row=2, column=header.index("시간 가동률") + 1)
    assert availability.number_format == "0.0%"
    # the CSV writes a ratio as a ratio, without binary noise (0.735, not 0.7350000000000001)
    text = world.get("a-view", f"{BASE}/oee/export", params={**window, "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    table = list(csv.reader(io.StringIO(text)))
    cell = table[1][table[0].index("시간 가동률")]
    assert len(cell.split(".")[-1]) <= 6 and float(cell) == pytest.approx(shown["availability"], abs=1e-6)
    # per shift: the shift's name in the file's language only, once
    shifts = world.get("a-view", f"{BASE}/oee/export", params={**window, "by": "shift"})
    shift_header = [c.value for c in load_workbook(io.BytesIO(shifts.content))["data"][1]]
    assert (
        "교대" in shift_header and "교대 (영어)" not in shift_header and "교대 (한국어)" not in shift_header
    )


def test_export_refusals_say_what_to_change(world, parts):
    err = assert_error(
        world.get("a-view", f"{BASE}/parts/export", params={"format": "pdf"}), 422, "bad_format"
    )
    assert "xlsx" in err["message"]["en"] and "엑셀" in err["message"]["ko"]
    assert_error(
        world.get("a-view", f"{BASE}/parts/export", params={"machine_id": "nope"}), 404, "unknown_machine"
    )
    # another company's records stay theirs
    r = world.get("b-eng", "/api/v1/companies/bravo/parts/export", params={**_window(), "format": "csv"})
    assert len(list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))) == 1  # the header only
    assert_error(world.get("b-eng", f"{BASE}/parts/export"), 404)


def test_the_production_report_is_one_workbook_of_the_dashboards_numbers(world, parts):
    window = _two_hours_running_then_an_hour_down(world)
    dashboard = world.get("a-view", f"{BASE}/oee/dashboard", params=window).json()
    r = world.get("a-view", f"{BASE}/reports/production", params=window)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith('attachment; filename="production-acme-')
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames[:5] == ["요약", "설비별", "설비·교대별", "정지 사유", "불량 유형"]

    def rows(title):
        values = list(book[title].iter_rows(values_only=True))
        return [dict(zip(values[0], v, strict=True)) for v in values[1:]]

    # what the dashboard notes beside its figures goes with the workbook (a sheet of its own, when there is any)
    notes = [n["ko"] for n in dashboard["notes"]]
    assert book.sheetnames[5:] == (["참고"] if notes else [])
    if notes:
        assert [row["참고"] for row in rows("참고")][: len(notes)] == notes

    (summary,) = rows("요약")
    assert summary["설비종합효율(OEE)"] == pytest.approx(dashboard["overall"]["oee"])
    assert summary["생산 수량"] == dashboard["overall"]["produced_qty"]
    (machine,) = rows("설비별")
    assert (machine["설비"], machine["설비명"], machine["라인명"]) == ("m1", "Press 1", "Line 1")
    shifts = rows("설비·교대별")
    assert shifts and "교대" in shifts[0] and "교대 (영어)" not in shifts[0]  # one language per file
    assert sum(s["생산 수량"] for s in shifts) == machine["생산 수량"]
    down = rows("정지 사유")
    expected = dashboard["downtime_pareto"]
    assert down and expected  # the hour down is in the report
    assert [d["정지 사유 코드"] for d in down] == [d["reason_code"] for d in expected]
    # every stop by its reason, changeovers and waits too: headed as stop time, not breakdown time ('고장 정지')
    assert down[0]["정지 시간(초)"] == pytest.approx(expected[0]["down_time_s"])
    assert "고장 정지 시간(초)" not in down[0]
    # an OEE figure's status in words, as the dashboard says it (the cells held the codes, 'ok')
    words = {status["ko"] for status in OEE_STATUS.values()}
    assert summary["OEE 상태"] == OEE_STATUS[dashboard["overall"]["oee_status"]]["ko"]
    assert {s["OEE 상태"] for s in shifts} <= words
    (crack,) = rows("불량 유형")
    assert crack["불량 코드"] == "균열" and crack["불량 수량"] > 0
    english = load_workbook(
        io.BytesIO(world.get("a-view", f"{BASE}/reports/production", params={**window, "lang": "en"}).content)
    )
    assert english.sheetnames[0] == "Summary" and "OEE" in [c.value for c in english["Summary"][1]]
    # every column is headed in words, once per sheet (start-up scrap and the shift's key came out as raw names,
    # the shift twice), and durations are shown to the tenth of a second
    for workbook in (book, english):
        for sheet in workbook.worksheets:
            headers = [c.value for c in sheet[1]]
            assert len(set(headers)) == len(headers), (sheet.title, headers)
            assert not [h for h in headers if "_" in h], (sheet.title, headers)
    down_column = [c.column_letter for c in book["설비별"][1] if c.value == "고장 정지 시간(초)"][0]
    assert book["설비별"].column_dimensions[down_column].number_format == "#,##0.0"


def test_a_file_named_in_korean_downloads_under_its_name():
    # an HTTP header carries only Latin-1: the name goes as RFC 6266 filename*, an ASCII stand-in beside it
    from sandan.api.encode import file_response
    from sandan.collect.export import ExportFile

    r = file_response(ExportFile(b"x", "text/csv", "3월 작업순서.xlsx"))
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="3_.xlsx"')
    assert "filename*=UTF-8''3%EC%9B%94%20%EC%9E%91%EC%97%85%EC%88%9C%EC%84%9C.xlsx" in disposition
    plain = file_response(ExportFile(b"x", "text/csv", "parts-20261205.csv")).headers["content-disposition"]
    assert plain == 'attachment; filename="parts-20261205.csv"'
