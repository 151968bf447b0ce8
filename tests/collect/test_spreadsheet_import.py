"""Workbooks and CSV files as factories keep them: Excel's date numbers, Korean date styles, times without dates,
totals rows, numeric barcodes, stale sheet records, blank marks, cover sheets, and sandan's own CSV exports."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from sandan.collect.export import spreadsheet_text
from sandan.collect.files import Mapping, import_file, preview_for_company, read_preview
from sandan.collect.ingest import Origin, ingest_parts

SEOUL = ZoneInfo("Asia/Seoul")
START = datetime(1899, 1, 1, tzinfo=UTC)
END = datetime(2027, 12, 31, tzinfo=UTC)
PARTS = Mapping(
    kind="part",
    timezone="Asia/Seoul",
    columns={"일시": "time", "설비": "machine_id", "일련번호": "part_id", "판정": "result"},
)


def workbook(path, rows, *, title=None):
    wb = Workbook()
    ws = wb.active
    if title:
        ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def serial(at: datetime, day0: datetime = datetime(1899, 12, 30)) -> float:
    """The number Excel keeps for a date and time (1900 system, from serial 61 on)."""
    return (at - day0) / timedelta(days=1)


def parts(store):
    rows = store.query_parts("acme", START, END).to_pylist()
    return sorted(rows, key=lambda r: (r["time"], r["part_id"]))


def local_times(store):
    return [r["time"].astimezone(SEOUL).replace(tzinfo=None) for r in parts(store)]


def quarantine(store):
    return sorted(store.list_quarantine("acme", limit=1000), key=lambda q: q["id"])


def patched(path, member, change):
    """The workbook at `path` with one of its XML parts rewritten by `change`, as other programs write it."""
    out = path.with_name("patched-" + path.name)
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, change(data.decode()).encode() if item.filename == member else data)
    return out


# ---- Excel's date numbers ---------------------------------------------------------------------------------------


def test_excel_date_numbers_in_a_time_column_are_read_as_the_dates_excel_shows(plant, tmp_path):
    # a time column formatted General after a copy-paste (or an MES export) holds Excel's numbers for its dates:
    # they were stored as Unix seconds, on 1970-01-01
    f = workbook(
        tmp_path / "serials.xlsx",
        [
            ["일시", "설비", "일련번호", "판정"],
            [serial(datetime(2026, 10, 7, 8, 30)), "CNC-01", "S-1", "양품"],
            [int(serial(datetime(2026, 10, 7))), "CNC-01", "S-2", "불량"],
        ],
    )
    shown = read_preview(f)
    assert shown.rows[0][0] == datetime(2026, 10, 7, 8, 30) and shown.naive_time
    receipt = import_file(plant, "acme", f, PARTS)
    assert (receipt.accepted, receipt.rejected) == (2, 0)
    assert local_times(plant) == [datetime(2026, 10, 7), datetime(2026, 10, 7, 8, 30)]


def test_a_date_cell_in_korean_excels_built_in_format_31_is_read_as_its_date(plant, tmp_path):
    # Korean Excel's yyyy"년" mm"월" dd"일" is built-in format 31, written without a <numFmt>: openpyxl does not know
    # it as a date and hands over the number
    wb = Workbook()
    ws = wb.active
    ws.append(["일시", "설비", "일련번호", "판정"])
    for i, day in enumerate((datetime(2026, 10, 5), datetime(2026, 10, 6)), 2):
        ws.cell(row=i, column=1, value=day).number_format = 'yyyy"년" mm"월" dd"일"'
        for column, value in ((2, "CNC-01"), (3, f"K-{i}"), (4, "양품")):
            ws.cell(row=i, column=column, value=value)
    wb.save(tmp_path / "built-in.xlsx")

    def format_31(styles: str) -> str:
        custom = re.search(r'<numFmt numFmtId="(\d+)" formatCode="yyyy&quot;[^"]*"/>', styles)
        return styles.replace(f'<xf numFmtId="{custom.group(1)}"', '<xf numFmtId="31"')

    f = patched(tmp_path / "built-in.xlsx", "xl/styles.xml", format_31)
    receipt = import_file(plant, "acme", f, PARTS)
    assert (receipt.accepted, receipt.rejected) == (2, 0)
    assert local_times(plant) == [datetime(2026, 10, 5), datetime(2026, 10, 6)]


def test_a_workbook_on_the_1904_date_system_counts_its_date_numbers_from_1904(plant, tmp_path):
    wb = Workbook()
    # the workbook's date1904 flag, as old Mac workbooks have it
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["일시", "설비", "일련번호", "판정"])
    ws.append([serial(datetime(2026, 10, 7, 14, 0), datetime(1904, 1, 1)), "CNC-01", "M-1", "양품"])
    wb.save(tmp_path / "mac.xlsx")
    receipt = import_file(plant, "acme", tmp_path / "mac.xlsx", PARTS)
    assert receipt.accepted == 1
    assert local_times(plant) == [datetime(2026, 10, 7, 14, 0)]


def test_excels_1900_leap_year_bug_is_minded_and_its_phantom_29_february_refused(plant, tmp_path):
    # Excel counts a 1900-02-29 that never was (serial 60): serials before it are a day off, and it is no date
    f = workbook(
        tmp_path / "1900.xlsx",
        [
            ["일시", "설비", "일련번호", "판정"],
            [59, "CNC-01", "L-59", "양품"],
            [60, "CNC-01", "L-60", "양품"],
            [61, "CNC-01", "L-61", "양품"],
        ],
    )
    receipt = import_file(plant, "acme", f, PARTS.model_copy(update={"timezone": "UTC"}))
    assert (receipt.accepted, receipt.reasons) == (2, {"bad_time": 1})
    assert [r["time"] for r in parts(plant)] == [
        datetime(1900, 2, 28, tzinfo=UTC),
        datetime(1900, 3, 1, tzinfo=UTC),
    ]
    [q] = quarantine(plant)
    assert q["location"]["row"] == 3 and "1900-02 has 28 days" in q["reason_en"]


def test_a_number_in_a_csv_time_column_is_unix_time_only_when_it_plausibly_is_one(plant, tmp_path):
    # a CSV saved from a sheet whose dates were formatted General: 46302.354 is no Unix time (1970-01-01 12:51)
    f = tmp_path / "numbers.csv"
    f.write_text(
        "일시,설비,일련번호,판정\n46302.354,CNC-01,N-1,양품\n1777622400,CNC-01,N-2,양품\n1777622460000,CNC-01,N-3,양품\n",
        encoding="utf-8",
    )
    receipt = import_file(plant, "acme", f, PARTS)
    assert (receipt.accepted, receipt.reasons) == (2, {"number_time": 1})
    assert [r["time"] for r in parts(plant)] == [
        datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 5, 1, 8, 1, tzinfo=UTC),
    ]
    [q] = quarantine(plant)
    assert q["reason_code"] == "number_time" and q["location"]["row"] == 2
    assert (
        "is a number, not a date" in q["reason_en"] and "Excel keeps for 2026-10-07 08:29" in q["reason_en"]
    )
    assert "숫자입니다" in q["reason_ko"] and "2026-10-07 08:29" in q["reason_ko"]


def test_a_number_sent_as_a_time_through_the_api_is_refused_not_stored_as_1970(plant):
    receipt = ingest_parts(
        plant, "acme", [{"time": 46302.354, "machine_id": "CNC-01", "part_id": "A-1", "result": "ok"}]
    )
    assert (receipt.accepted, receipt.reasons) == (0, {"number_time": 1})
    assert parts(plant) == []


# ---- dates as Korean sheets write them ---------------------------------------------------------------------------


def test_a_short_korean_date_is_read_year_first(plant, tmp_path):
    f = tmp_path / "short.csv"
    f.write_text(
        "일시,설비,일련번호,판정\n26.10.07,CNC-01,Y-1,양품\n26.10.08 13:10,CNC-01,Y-2,양품\n", "utf-8"
    )
    receipt = import_file(plant, "acme", f, PARTS)
    assert (receipt.accepted, receipt.rejected) == (2, 0)
    assert local_times(plant) == [datetime(2026, 10, 7), datetime(2026, 10, 8, 13, 10)]


def test_one_short_date_does_not_flip_the_other_dates_of_the_file(plant, tmp_path):
    # "26.10.05" once settled day-first for the whole file (and its later chunks): 2026-10-05 became 10 May
    f = workbook(
        tmp_path / "mixed.xlsx",
        [
            ["일시", "설비", "일련번호", "판정"],
            ["26.10.05 13:10", "CNC-01", "F-1", "양품"],
            ["2026-10-05 오후 1:00", "CNC-01", "F-2", "양품"],
            ["2026-10-05 오후 1:05", "CNC-01", "F-3", "양품"],
        ],
    )
    receipt = import_file(plant, "acme", f, PARTS, chunk_rows=1)
    assert (receipt.accepted, receipt.rejected) == (3, 0)
    assert local_times(plant) == [
        datetime(2026, 10, 5, 13, 0),
        datetime(2026, 10, 5, 13, 5),
        datetime(2026, 10, 5, 13, 10),
    ]


def test_year_first_dates_stay_year_first_through_the_api(plant):
    records = [
        {"time": t, "machine_id": "CNC-01", "part_id": f"A-{i}", "result": "ok"}
        for i, t in enumerate(["2026-10-04 오후 1:00", "26.10.04 13:10"])
    ]
    receipt = ingest_parts(plant, "acme", records, Origin(source="api", timezone="Asia/Seoul"))
    assert (receipt.accepted, receipt.rejected) == (2, 0)
    assert local_times(plant) == [datetime(2026, 10, 4, 13, 0), datetime(2026, 10, 4, 13, 10)]


def test_a_stated_day_month_order_leaves_year_first_dates_as_they_are(plant, tmp_path):
    f = workbook(
        tmp_path / "dmy.xlsx",
        [
            ["일시", "설비", "일련번호", "판정"],
            ["2026-10-03 오전 9:30", "CNC-01", "D-1", "양품"],
            ["2026/10/03 10:00", "CNC-01", "D-2", "양품"],
            ["04/10/2026 11:00", "CNC-01", "D-3", "양품"],
        ],
    )
    receipt = import_file(plant, "acme", f, PARTS.model_copy(update={"date_order": "dmy"}))
    assert (receipt.accepted, receipt.rejected) == (3, 0)
    assert local_times(plant) == [
        datetime(2026, 10, 3, 9, 30),
        datetime(2026, 10, 3, 10, 0),
        datetime(2026, 10, 4, 11, 0),
    ]


# ---- times without dates, dates in a column of their own ---------------------------------------------------------


def day_sheet(path):
    """One sheet per day ('10월01일'): the day in the sheet's name and title, the time column holding clock times."""
    wb = Workbook()
    ws = wb.active
    ws.title = "10월01일"
    ws["A1"] = "2026년 10월 1일 검사일지"
    ws.append([])
    ws.append(["시각", "설비", "일련번호", "판정"])
    for i, at in enumerate([datetime(2026, 10, 1, 8, 0).time(), datetime(2026, 10, 1, 14, 30).time()], 1):
        ws.append([at, "CNC-02", f"T-{i}", "합격"])
        ws.cell(row=ws.max_row, column=1).number_format = "h:mm"
    wb.save(path)
    return path


def test_a_time_without_a_date_is_refused_and_the_reason_says_to_add_the_date(plant, tmp_path):
    f = day_sheet(tmp_path / "day.xlsx")
    shown = read_preview(f)
    receipt = import_file(plant, "acme", f, shown.mapping.model_copy(update={"timezone": "Asia/Seoul"}))
    assert (receipt.accepted, receipt.reasons) == (0, {"time_without_date": 2})
    first = quarantine(plant)[0]
    assert first["location"] == {
        "file": "day.xlsx",
        "row": 4,
        "column": "시각",
        "field": "time",
        "timezone": "Asia/Seoul",
    }
    assert "'08:00:00' has no date" in first["reason_en"] and "role 'date'" in first["reason_en"]
    assert "날짜가 없고" in first["reason_ko"] and "'날짜'(date) 역할" in first["reason_ko"]
    assert parts(plant) == []


def test_the_day_of_a_sheet_of_one_day_can_be_given_in_the_mapping(plant, tmp_path):
    f = day_sheet(tmp_path / "day.xlsx")
    mapping = read_preview(f).mapping.model_copy(update={"timezone": "Asia/Seoul", "day": date(2026, 10, 1)})
    receipt = import_file(plant, "acme", f, mapping)
    assert (receipt.accepted, receipt.rejected) == (2, 0)
    assert local_times(plant) == [datetime(2026, 10, 1, 8, 0), datetime(2026, 10, 1, 14, 30)]


def test_a_date_column_beside_a_time_column_is_joined_to_it_row_by_row(plant, tmp_path):
    # a night shift's log: the shift's date in 날짜, the clock in 시간 (an Excel time cell); each row is its own
    # date and time, nothing guessed about midnight
    wb = Workbook()
    ws = wb.active
    ws.append(["날짜", "시간", "설비", "일련번호", "판정"])
    for at, serial_no in ((datetime(2026, 10, 5, 22, 10), "N-1"), (datetime(2026, 10, 6, 1, 20), "N-2")):
        ws.append([datetime(2026, 10, 5), at.time(), "CNC-01", serial_no, "OK"])
        ws.cell(row=ws.max_row, column=2).number_format = "h:mm"
    wb.save(tmp_path / "night.xlsx")
    shown = read_preview(tmp_path / "night.xlsx")
    assert shown.mapping.columns["날짜"] == "date" and shown.mapping.columns["시간"] == "time"
    mapping = shown.mapping.model_copy(update={"timezone": "Asia/Seoul"})
    receipt = import_file(plant, "acme", tmp_path / "night.xlsx", mapping)
    assert (receipt.accepted, receipt.rejected) == (2, 0)
    assert local_times(plant) == [datetime(2026, 10, 5, 1, 20), datetime(2026, 10, 5, 22, 10)]


# ---- rows that are no records ----------------------------------------------------------------------------------


def test_totals_and_averages_rows_are_quarantined_not_stored_as_readings(plant, tmp_path):
    # an hourly check sheet with no time column (the first row's time and the interval are given), ending in
    # 합계 and 평균 rows
    rows = [["구분", "주축 온도", "주축 속도"]]
    rows += [[f"{8 + h}시", 40 + h, 1200] for h in range(4)]
    rows += [["합계", 166, 4800], ["평 균", 41.5, 1200]]
    f = workbook(tmp_path / "점검표.xlsx", rows)
    mapping = Mapping(
        kind="reading",
        layout="wide",
        machine_id="CNC-01",
        timezone="Asia/Seoul",
        start_time=datetime(2026, 10, 5, 8, 0),
        interval_s=3600,
        columns={"구분": "ignore", "주축 온도": "signal:spindle_temp", "주축 속도": "signal:spindle_speed"},
    )
    receipt = import_file(plant, "acme", f, mapping)
    assert (receipt.accepted, receipt.reasons) == (8, {"summary_row": 2})
    stored = plant.query_readings("acme", START, END).to_pylist()
    assert sorted(r["value"] for r in stored if r["signal"] == "spindle_temp") == [40, 41, 42, 43]
    total, mean = quarantine(plant)
    assert total["location"] == {"file": "점검표.xlsx", "row": 6, "column": "구분", "timezone": "Asia/Seoul"}
    assert "'합계'" in total["reason_en"] and "totals or summary row" in total["reason_en"]
    assert "합계·요약 행" in total["reason_ko"] and mean["location"]["row"] == 7


def test_a_record_whose_own_words_read_like_a_total_is_not_taken_for_a_totals_row(plant, tmp_path):
    f = workbook(
        tmp_path / "words.xlsx",
        [
            ["일시", "설비", "일련번호", "품번", "판정"],
            [datetime(2026, 10, 4, 9, 0), "CNC-01", "SUM", "TOTAL", "OK"],
        ],
    )
    mapping = PARTS.model_copy(update={"columns": {**PARTS.columns, "품번": "product"}})
    assert import_file(plant, "acme", f, mapping).accepted == 1
    assert [(r["part_id"], r["product"]) for r in parts(plant)] == [("SUM", "TOTAL")]


# ---- what cells hold ---------------------------------------------------------------------------------------------


def test_a_barcode_kept_as_a_number_keeps_its_digits(plant, tmp_path):
    f = workbook(
        tmp_path / "barcodes.xlsx",
        [
            ["일시", "설비", "일련번호", "로트번호", "판정"],
            [datetime(2026, 10, 4, 15, 0), "CNC-01", 20261004000120, 2610040001, "OK"],
            [datetime(2026, 10, 4, 15, 1), "CNC-01", 20261004000121, 2610040001.5, "OK"],
        ],
    )
    mapping = PARTS.model_copy(update={"columns": {**PARTS.columns, "로트번호": "lot_id"}})
    receipt = import_file(plant, "acme", f, mapping)
    assert receipt.accepted == 2
    assert [(r["part_id"], r["lot_id"]) for r in parts(plant)] == [
        ("20261004000120", "2610040001"),
        ("20261004000121", "2610040001.5"),
    ]


def test_a_serial_number_column_of_decimals_sent_as_a_data_frame_keeps_its_digits(plant):
    frame = pd.DataFrame(
        {
            "time": ["2026-10-04T15:00:00+09:00"],
            "machine_id": ["CNC-01"],
            "part_id": [20261004000120.0],
            "result": ["ok"],
        }
    )
    assert ingest_parts(plant, "acme", frame).accepted == 1
    assert [r["part_id"] for r in parts(plant)] == ["20261004000120"]


def test_a_stale_sheet_dimension_record_cuts_no_rows_or_columns(plant, tmp_path):
    # some report generators write <dimension ref="A1:D3"/> over a larger sheet; read-only openpyxl trusted it
    rows = [["일시", "설비", "일련번호", "판정", "두께(mm)"]]
    rows += [[datetime(2026, 10, 4, 9, i), "CNC-01", f"DIM-{i}", "OK", 2.5 + i / 100] for i in range(5)]
    workbook(tmp_path / "dim.xlsx", rows)

    def stale(sheet: str) -> str:
        return re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:D3"/>', sheet)

    f = patched(tmp_path / "dim.xlsx", "xl/worksheets/sheet1.xml", stale)
    shown = read_preview(f)
    assert shown.columns[-1] == "두께(mm)"
    receipt = import_file(plant, "acme", f, shown.mapping.model_copy(update={"timezone": "Asia/Seoul"}))
    assert (receipt.accepted, receipt.rejected) == (5, 0)
    assert [json.loads(r["measures"]) for r in parts(plant)][-1] == {"두께(mm)": 2.54}


def test_blank_marks_in_workbook_cells_are_empty_cells_as_in_a_csv_file(plant, tmp_path):
    f = workbook(
        tmp_path / "marks.xlsx",
        [
            ["일시", "설비", "일련번호", "판정", "불량유형", "두께(mm)"],
            [datetime(2026, 10, 4, 12, 0), "CNC-01", "B-1", "OK", "해당없음", "-"],
            [datetime(2026, 10, 4, 12, 1), "CNC-01", "B-2", "NG", "버", 2.5],
            [datetime(2026, 10, 4, 12, 2), "CNC-01", "B-3", "OK", "N/A", " - "],
        ],
    )
    mapping = PARTS.model_copy(
        update={"columns": {**PARTS.columns, "불량유형": "defect_type", "두께(mm)": "measure:thickness_mm"}}
    )
    receipt = import_file(plant, "acme", f, mapping)
    assert (receipt.accepted, receipt.rejected) == (3, 0)
    assert [(r["defect_type"], r["measures"]) for r in parts(plant)] == [
        (None, None),
        ("버", '{"thickness_mm": 2.5}'),
        (None, None),
    ]


def test_cells_holding_formulas_without_a_saved_value_are_named_not_taken_for_empty(plant, tmp_path):
    # saved by a program that does not calculate formulas (here openpyxl): the cells have no value to read
    f = workbook(
        tmp_path / "formulas.xlsx",
        [
            ["일시", "설비", "일련번호", "판정", "생산수량"],
            [datetime(2026, 10, 4, 17, 0), "CNC-01", "PF-1", "OK", 10],
            ["=A2+TIME(0,1,0)", "CNC-01", "PF-2", "OK", 11],
            [datetime(2026, 10, 4, 17, 2), "CNC-01", "PF-3", "OK", "=E2+1"],
        ],
    )
    shown = read_preview(f)
    assert any(n["code"] == "formula_no_value" for n in shown.notices)
    mapping = PARTS.model_copy(update={"columns": {**PARTS.columns, "생산수량": "param:qty"}})
    receipt = import_file(plant, "acme", f, mapping)
    assert (receipt.accepted, receipt.reasons) == (1, {"formula_no_value": 2})
    time_cell, quantity_cell = quarantine(plant)
    assert time_cell["location"]["row"] == 3 and time_cell["location"]["column"] == "일시"
    assert "the formula =A2+TIME(0,1,0) with no saved value" in time_cell["reason_en"]
    assert (
        "open it in Excel, save it there" in time_cell["reason_en"]
        and "엑셀에서 열어 저장한" in time_cell["reason_ko"]
    )
    # the quantity was dropped from the row without a word
    assert quantity_cell["location"]["column"] == "생산수량" and "=E2+1" in quantity_cell["reason_en"]


# ---- sheets ------------------------------------------------------------------------------------------------------


def shift_book(path):
    wb = Workbook()
    wb.active.title = "표지"
    for day in (1, 2):
        ws = wb.create_sheet(f"10월{day:02d}일")
        ws.append(["일시", "설비", "일련번호", "판정"])
        ws.append([datetime(2026, 10, day, 8, 0), "CNC-01", f"W-{day}", "OK"])
    wb.save(path)
    return path


def test_a_workbook_is_read_from_its_first_sheet_with_data_naming_the_others(plant, tmp_path):
    # an empty cover sheet first: the file was refused as empty
    f = shift_book(tmp_path / "book.xlsx")
    shown = preview_for_company(plant, "acme", f, timezone="Asia/Seoul")
    assert shown.sheet == "10월01일" and shown.mapping.sheet == "10월01일"
    chosen, others = shown.notices[:2]
    assert (
        chosen["code"] == "sheet_chosen"
        and "'표지' holds none" in chosen["en"]
        and "표가 없습니다" in chosen["ko"]
    )
    assert others["code"] == "other_sheets" and "'10월02일'" in others["en"] and "'10월02일'" in others["ko"]
    receipt = import_file(plant, "acme", f, shown.mapping)
    assert receipt.accepted == 1 and [n["code"] for n in receipt.notes] == ["other_sheets"]
    assert receipt.to_dict()["notes"][0]["ko"].startswith("'10월01일' 시트만 가져옵니다")


def test_a_chosen_sheet_is_imported(plant, tmp_path):
    f = shift_book(tmp_path / "book.xlsx")
    shown = preview_for_company(plant, "acme", f, sheet="10월02일", timezone="Asia/Seoul")
    assert shown.sheet == "10월02일"
    receipt = import_file(plant, "acme", f, shown.mapping)
    assert receipt.accepted == 1 and [r["part_id"] for r in parts(plant)] == ["W-2"]


# ---- sandan's own exports ----------------------------------------------------------------------------------------


def test_a_csv_export_imports_back_without_its_formula_guard(plant, tmp_path):
    # the export puts an apostrophe before text a spreadsheet would run as a formula (OWASP): taken off again
    texts = {"part_id": "-0012", "product": '=HYPERLINK("http://x")', "lot_id": "@L1", "defect_type": "+버"}
    header = "일시,설비,판정,일련번호,품번,로트,불량유형"
    cells = [spreadsheet_text(v).replace('"', '""') for v in texts.values()]
    line = "2026-10-04 09:00:00,CNC-01,NG," + ",".join(f'"{c}"' for c in cells)
    f = tmp_path / "export.csv"
    f.write_text(header + "\n" + line + "\n", encoding="utf-8-sig")
    assert "'-0012" in f.read_text(encoding="utf-8-sig")
    mapping = Mapping(
        kind="part",
        timezone="Asia/Seoul",
        columns={
            "일시": "time",
            "설비": "machine_id",
            "판정": "result",
            "일련번호": "part_id",
            "품번": "product",
            "로트": "lot_id",
            "불량유형": "defect_type",
        },
    )
    assert import_file(plant, "acme", f, mapping).accepted == 1
    [stored] = parts(plant)
    assert {k: stored[k] for k in texts} == texts
