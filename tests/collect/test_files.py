"""File import as a factory engineer does it: Excel-made CSVs, workbooks, Parquet — and every bad input they bring."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sandan.collect.files import (
    Mapping,
    import_file,
    match_known_roles,
    preview_for_company,
    read_preview,
)
from sandan.domain import InvalidInput
from tests.conftest import require_dataset

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 12, 31, tzinfo=UTC)

LONG = Mapping(
    kind="reading",
    layout="long",
    columns={"시간": "time", "설비": "machine_id", "항목": "signal", "측정값": "value"},
)


def write_csv(path, lines, encoding="utf-8"):
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def quarantine(store, kind=None):
    items = sorted(store.list_quarantine("acme", limit=10_000), key=lambda q: q["id"])
    return [q for q in items if kind is None or q["kind"] == kind]


def readings(store):
    return store.query_readings("acme", START, END).to_pylist()


# ---- rows a user got wrong: the good rows stay, each bad one is quarantined with where and why ---------------


def test_a_value_that_is_not_a_number_is_quarantined_with_file_row_and_column(plant, tmp_path):
    f = write_csv(
        tmp_path / "온도.csv",
        [
            "시간,설비,항목,측정값",
            "2026-05-01T08:00:00+09:00,CNC-01,spindle_temp,41.5",
            "2026-05-01T08:00:01+09:00,CNC-01,spindle_temp,높음",
            '2026-05-01T08:00:02+09:00,CNC-01,spindle_temp,"1,020.5"',
            '2026-05-01T08:00:03+09:00,CNC-01,spindle_temp,"41,5"',
        ],
    )
    receipt = import_file(plant, "acme", f, LONG)
    assert (receipt.accepted, receipt.rejected) == (1, 3)
    q, grouped, comma = quarantine(plant)
    assert q["location"] == {"file": "온도.csv", "row": 3, "column": "측정값", "field": "value"}
    assert q["reason_code"] == "bad_number"
    assert "'높음' is not a number" in q["reason_en"] and "숫자가 아닙니다" in q["reason_ko"]
    # the word on decimal commas goes only with a value that has a comma
    assert "decimals" not in q["reason_en"] and "소수점" not in q["reason_ko"]
    assert json.loads(q["raw"])["value"] == "높음"
    assert q["batch_id"] == receipt.batch_id and q["source"] == "file:온도.csv"
    # a comma between thousands is read (1020.5, past the spindle's 0–150 °C); a decimal comma is not a number (it
    # was read as 415 and stored), and the message says how numbers are written
    assert grouped["reason_code"] == "out_of_range" and "1020.5" in grouped["reason_en"]
    assert comma["location"]["row"] == 5 and comma["reason_code"] == "bad_number"
    assert "'41,5' is not a number (decimals take a point" in comma["reason_en"]
    assert "소수점은 마침표로" in comma["reason_ko"]
    assert [r["value"] for r in readings(plant)] == [41.5]


def test_an_unknown_machine_is_quarantined_and_the_message_says_how_to_register_it(plant, tmp_path):
    f = write_csv(
        tmp_path / "m.csv",
        [
            "시간,설비,항목,측정값",
            "2026-05-01T08:00:00Z,CNC-01,spindle_temp,40",
            "2026-05-01T08:00:00Z,CNC-99,spindle_temp,40",
        ],
    )
    receipt = import_file(plant, "acme", f, LONG)
    assert (receipt.accepted, receipt.rejected, receipt.reasons) == (1, 1, {"unknown_machine": 1})
    [q] = quarantine(plant)
    assert q["location"] == {"file": "m.csv", "row": 3, "column": "설비", "field": "machine_id"}
    assert (
        "machine 'CNC-99' is neither the id nor the name of a machine registered" in q["reason_en"]
        and "register it first" in q["reason_en"]
        and "ID도 이름도 아닙니다" in q["reason_ko"]
    )


def test_identical_repeated_rows_count_as_duplicates_and_conflicting_ones_are_quarantined(plant, tmp_path):
    f = write_csv(
        tmp_path / "dup.csv",
        [
            "시간,설비,항목,측정값",
            "2026-05-01T08:00:00Z,CNC-01,spindle_temp,40",
            "2026-05-01T08:00:00Z,CNC-01,spindle_temp,40",
            "2026-05-01T08:00:00Z,CNC-01,spindle_temp,55",
            "2026-05-01T08:00:01Z,CNC-01,spindle_temp,41",
        ],
    )
    receipt = import_file(plant, "acme", f, LONG)
    assert (receipt.accepted, receipt.duplicates, receipt.rejected) == (2, 1, 1)
    [q] = quarantine(plant)
    assert q["reason_code"] == "conflicting_duplicate"
    assert q["location"]["row"] == 4 and "row 2" in q["reason_en"]
    assert [r["value"] for r in readings(plant)] == [40.0, 41.0]


def test_a_corrected_part_record_imported_again_is_kept_naming_what_differs_not_dropped_as_a_repeat(
    plant, tmp_path
):
    """A day exported again after a correction (양품 → 불량): the rows whose key is stored with other values are
    quarantined naming the change, the stored record stays, and only truly identical rows count as repeats."""
    parts = Mapping(
        kind="part",
        columns={
            "일시": "time",
            "설비": "machine_id",
            "부품": "part_id",
            "판정": "result",
            "지름": "measure:지름",
        },
    )
    header = "일시,설비,부품,판정,지름"
    first = write_csv(
        tmp_path / "day.csv",
        [
            header,
            "2026-05-01T08:00:00Z,CNC-01,P1,ok,10.01",
            "2026-05-01T08:00:10Z,CNC-01,P2,ok,10.02",
            "2026-05-01T08:00:20Z,CNC-01,P3,ok,10.00",
        ],
    )
    assert import_file(plant, "acme", first, parts).accepted == 3
    again = write_csv(
        tmp_path / "day-fixed.csv",
        [
            header,
            "2026-05-01T08:00:00Z,CNC-01,P1,ok,10.01",  # identical: a repeat
            "2026-05-01T08:00:10Z,CNC-01,P2,ng,10.02",  # judged again
            "2026-05-01T08:00:20Z,CNC-01,P3,ok,10.30",  # measured again
            "2026-05-01T08:00:30Z,CNC-01,P4,ok,10.01",  # new
        ],
    )
    # the preview says so before anything is imported: its check is the import's, without writing
    check = preview_for_company(plant, "acme", again, mapping=parts).check
    assert check.reasons == {"differs_from_stored": 2} and sorted(check.by_row()) == [3, 4]
    assert not quarantine(plant)
    receipt = import_file(plant, "acme", again, parts)
    assert (receipt.accepted, receipt.duplicates, receipt.rejected) == (1, 1, 2)
    assert receipt.reasons == {"differs_from_stored": 2}
    q2, q3 = quarantine(plant)
    assert (
        q2["location"]["row"] == 3 and "result: ok → ng" in q2["reason_en"] and "이미 저장" in q2["reason_ko"]
    )
    assert q3["location"]["row"] == 4 and "measures" in q3["reason_en"]
    stored = plant.query_parts("acme", START, END).to_pandas().set_index("part_id")
    assert stored.loc["P2", "result"] == "ok" and list(stored.index) == ["P1", "P2", "P3", "P4"]


def test_a_value_outside_the_signal_range_is_quarantined_with_the_range(plant, tmp_path):
    f = write_csv(
        tmp_path / "r.csv",
        [
            "시간,설비,항목,측정값",
            "2026-05-01T08:00:00Z,CNC-01,spindle_temp,250",
            "2026-05-01T08:00:01Z,CNC-01,spindle_temp,199",
        ],
    )
    receipt = import_file(plant, "acme", f, LONG)
    assert (receipt.accepted, receipt.reasons) == (1, {"out_of_range": 1})
    [q] = quarantine(plant)
    assert q["location"] == {"file": "r.csv", "row": 2, "column": "측정값", "field": "value"}
    assert "outside its valid range 0–200" in q["reason_en"] and "유효 범위" in q["reason_ko"]


def test_a_measurement_below_its_physical_floor_is_quarantined(plant, tmp_path):
    """A CNC part's roughness Ra of -0.5 µm (a sign slip): the cnc family's Ra cannot be negative, so the row is
    quarantined naming the floor; a measurement the family does not know stays unchecked."""
    parts = Mapping(
        kind="part",
        columns={
            "일시": "time",
            "설비": "machine_id",
            "판정": "result",
            "Ra": "measure:ra_um",
            "기타": "measure:x",
        },
    )
    f = write_csv(
        tmp_path / "ra.csv",
        [
            "일시,설비,판정,Ra,기타",
            "2026-05-01T08:00:00Z,CNC-01,ok,0.8,-3",
            "2026-05-01T08:00:10Z,CNC-01,ok,-0.5,1",
        ],
    )
    receipt = import_file(plant, "acme", f, parts)
    assert (receipt.accepted, receipt.reasons) == (1, {"below_floor": 1})
    [q] = quarantine(plant)
    assert q["location"]["row"] == 3 and "measurement 'ra_um' is -0.5" in q["reason_en"]
    assert (
        "physically" in q["reason_en"]
        and "at least 0" in q["reason_en"]
        and "signal" not in q["reason_en"][:30]
    )
    assert "0 이상이어야 함" in q["reason_ko"]


def test_times_without_zone_are_rejected_unless_the_import_names_a_timezone(plant, tmp_path):
    f = write_csv(
        tmp_path / "naive.csv",
        [
            "시간,설비,항목,측정값",
            "2026-05-01 08:00:00,CNC-01,spindle_temp,40",
            "2026-05-01 오후 3:20:00,CNC-01,spindle_temp,41",
        ],
    )
    receipt = import_file(plant, "acme", f, LONG)
    assert (receipt.accepted, receipt.reasons) == (0, {"naive_time": 2})
    q = quarantine(plant)[0]
    assert q["location"] == {"file": "naive.csv", "row": 2, "column": "시간", "field": "time"}
    assert (
        "has no time zone" in q["reason_en"] and "Asia/Seoul" in q["reason_en"] and "시간대" in q["reason_ko"]
    )

    seoul = LONG.model_copy(update={"timezone": "Asia/Seoul"})
    receipt = import_file(plant, "acme", f, seoul)
    assert receipt.accepted == 2
    times = [r["time"] for r in readings(plant)]
    assert times == [datetime(2026, 4, 30, 23, 0, tzinfo=UTC), datetime(2026, 5, 1, 6, 20, tzinfo=UTC)]


def test_a_files_date_order_settled_in_one_chunk_holds_for_the_chunks_after_it(plant, tmp_path):
    # day-first dates, read two rows at a time: the first chunk's 25/04 settles it, so the second chunk's 5/05
    # (either way on its own) is 5 May, not quarantined; a two-digit year and dashes are read the same way
    f = write_csv(
        tmp_path / "dmy.csv",
        [
            "시간,설비,항목,측정값",
            "25/04/2026 08:00,CNC-01,spindle_temp,40",
            "30-04-26 08:00,CNC-01,spindle_temp,41",
            "5/05/2026 08:00,CNC-01,spindle_temp,42",
            "6.05.26 08:00,CNC-01,spindle_temp,43",
        ],
    )
    seoul = LONG.model_copy(update={"timezone": "Asia/Seoul"})
    receipt = import_file(plant, "acme", f, seoul, chunk_rows=2)
    assert (receipt.accepted, receipt.reasons) == (4, {})
    days = [r["time"].astimezone(ZoneInfo("Asia/Seoul")).date() for r in readings(plant)]
    assert [(d.month, d.day) for d in days] == [(4, 25), (4, 30), (5, 5), (5, 6)]
    # nothing in the file says which: each date that reads both ways is quarantined, the rest kept
    g = write_csv(
        tmp_path / "unsure.csv",
        [
            "시간,설비,항목,측정값",
            "5/06/26 08:00,CNC-01,spindle_temp,44",
            "7-07-2026 08:00,CNC-01,spindle_temp,45",
        ],
    )
    receipt = import_file(plant, "acme", g, seoul)
    assert (receipt.accepted, receipt.reasons) == (1, {"ambiguous_date": 1})
    # the mapping states the order: every such date is read that way
    h = write_csv(tmp_path / "stated.csv", ["시간,설비,항목,측정값", "5/06/26 09:00,CNC-01,spindle_temp,46"])
    receipt = import_file(plant, "acme", h, seoul.model_copy(update={"date_order": "mdy"}))
    assert (receipt.accepted, receipt.reasons) == (1, {})
    (stated,) = [r["time"].astimezone(ZoneInfo("Asia/Seoul")) for r in readings(plant) if r["value"] == 46]
    assert (stated.month, stated.day, stated.hour) == (5, 6, 9)


# ---- whole-file problems: an error that says what and where, and a file reject in quarantine ------------------


def test_a_cp949_file_read_as_utf8_fails_with_a_hint_and_is_quarantined(plant, tmp_path):
    f = write_csv(
        tmp_path / "설비.csv", ["시간,설비,항목,측정값", "2026-05-01T08:00:00Z,CNC-01,온도,40"], "cp949"
    )
    forced = LONG.model_copy(update={"encoding": "utf-8"})
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", f, forced)
    assert err.value.code == "bad_encoding" and err.value.where["file"] == "설비.csv"
    assert "cannot be read as utf-8" in err.value.en and "cp949" in err.value.en and "cp949" in err.value.ko
    [q] = quarantine(plant, "file")
    raw = json.loads(q["raw"])
    assert raw["file"] == "설비.csv" and raw["size"] == f.stat().st_size and len(raw["sha256"]) == 64
    assert q["location"]["file"] == "설비.csv" and q["reason_code"] == "bad_encoding"


def test_a_binary_file_uploaded_as_csv_is_refused(plant, tmp_path):
    f = tmp_path / "photo.csv"
    f.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", f, LONG)
    assert err.value.code == "bad_encoding" and "photo.csv" in err.value.en
    assert len(quarantine(plant, "file")) == 1
    # said in each language alone (the Korean carried "text 텍스트로 … (it contains binary data)")
    assert "holds binary data, not text" in err.value.en and "이진 데이터입니다" in err.value.ko
    assert not re.search("[a-z]{4,} [a-z]{4,}", err.value.ko.replace("Excel Workbook", ""))
    # Excel's "Unicode text" is UTF-16: named as such, with the way to save it
    unicode_text = tmp_path / "유니코드.csv"
    unicode_text.write_bytes("시간\t설비\n".encode("utf-16"))
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", unicode_text, LONG)
    assert (
        "it is UTF-16, Excel's 'Unicode text'" in err.value.en and "'CSV UTF-8'로 다시 저장" in err.value.ko
    )


def test_an_empty_file_is_refused_and_quarantined(plant, tmp_path):
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", f, LONG)
    assert (
        err.value.code == "empty_file"
        and "empty.csv is empty" in err.value.en
        and "비어 있습니다" in err.value.ko
    )
    [q] = quarantine(plant, "file")
    assert json.loads(q["raw"])["size"] == 0


def test_a_header_without_data_rows_is_refused(plant, tmp_path):
    f = write_csv(tmp_path / "header.csv", ["시간,설비,항목,측정값"])
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", f, LONG)
    assert err.value.code == "empty_file" and "no data rows" in err.value.en


def test_a_missing_required_column_names_the_column_and_the_file(plant, tmp_path):
    f = write_csv(tmp_path / "nocol.csv", ["시간,설비,측정값", "2026-05-01T08:00:00Z,CNC-01,40"])
    mapping = Mapping(
        kind="reading", layout="long", columns={"시간": "time", "설비": "machine_id", "측정값": "value"}
    )
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", f, mapping)
    assert err.value.code == "missing_column" and err.value.where == {"file": "nocol.csv", "column": "signal"}
    assert "required column missing in nocol.csv" in err.value.en and "필수 열" in err.value.ko
    assert quarantine(plant, "file")[0]["location"] == {"file": "nocol.csv", "column": "signal"}


def test_a_mapping_naming_a_column_the_file_lacks_is_refused(plant, tmp_path):
    f = write_csv(
        tmp_path / "x.csv", ["time,machine,signal,value", "2026-05-01T08:00:00Z,CNC-01,spindle_temp,1"]
    )
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", f, LONG)
    assert (
        "'시간'" in err.value.en and "x.csv" in err.value.en and err.value.where["column"].startswith("시간")
    )


def test_a_corrupt_workbook_is_refused(plant, tmp_path):
    f = tmp_path / "broken.xlsx"
    f.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", f, LONG)
    assert err.value.code == "unreadable_file" and "broken.xlsx" in err.value.en and "엑셀" in err.value.ko
    assert len(quarantine(plant, "file")) == 1
    assert "File is not a zip file" not in err.value.ko  # the library's English stays in the English message
    # a zip archive of other files (openpyxl's own error escaped as a traceback)
    archive = tmp_path / "parts.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("parts.csv", "a,b\n1,2\n")
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", archive, LONG)
    assert err.value.code == "unreadable_file" and "parts.zip" in err.value.en


def test_a_line_with_too_many_cells_is_quarantined_and_the_rest_imported(plant, tmp_path):
    f = write_csv(
        tmp_path / "ragged.csv",
        [
            "시간,설비,항목,측정값",
            "2026-05-01T08:00:00Z,CNC-01,spindle_temp,40,extra",
            "2026-05-01T08:00:01Z,CNC-01,spindle_temp,41",
        ],
    )
    receipt = import_file(plant, "acme", f, LONG)
    assert (receipt.accepted, receipt.reasons) == (1, {"bad_record": 1})
    assert "extra" in quarantine(plant)[0]["raw"]


# ---- formats, encodings and layouts ----------------------------------------------------------------------------


def test_a_cp949_csv_with_korean_headers_is_detected_and_imported(plant, tmp_path):
    f = write_csv(
        tmp_path / "생산실적.csv",
        [
            "일시,설비,품번,로트,판정,불량유형,주축속도",
            "2026-05-01 08:00:00,CNC-01,A-100,L01,양품,,1200",
            "2026-05-01 08:01:00,CNC-01,A-100,L01,불량,치수불량,1250",
        ],
        "cp949",
    )
    preview = read_preview(f)
    assert preview.encoding == "cp949" and preview.delimiter == ","
    assert preview.kind == "part" and preview.naive_time and preview.needs_timezone
    assert preview.roles == {
        "일시": "time",
        "설비": "machine_id",
        "품번": "product",
        "로트": "lot_id",
        "판정": "result",
        "불량유형": "defect_type",
        "주축속도": "param:주축속도",
    }
    assert json.loads(json.dumps(preview.to_dict()))["rows"][1][4] == "불량"
    mapping = preview.mapping.model_copy(update={"timezone": "Asia/Seoul"})
    receipt = import_file(plant, "acme", f, mapping)
    assert (receipt.accepted, receipt.rejected) == (2, 0)
    parts = plant.query_parts("acme", START, END).to_pylist()
    assert [(p["result"], p["defect_type"], p["lot_id"]) for p in parts] == [
        ("ok", None, "L01"),
        ("ng", "치수불량", "L01"),
    ]
    assert json.loads(parts[1]["params"]) == {"주축속도": 1250.0}
    assert parts[0]["time"] == datetime(2026, 4, 30, 23, 0, tzinfo=UTC)


def test_a_csv_with_old_mac_line_ends_is_previewed_and_imported(plant, tmp_path):
    f = tmp_path / "old-mac.csv"
    f.write_bytes(
        "시간,설비,항목,측정값\r2026-05-01T08:00:00+09:00,CNC-01,spindle_temp,41.5\r"
        "2026-05-01T08:00:01+09:00,CNC-01,spindle_temp,41.7\r".encode()
    )
    shown = read_preview(f)
    assert shown.to_dict()["columns"] == ["시간", "설비", "항목", "측정값"]
    receipt = import_file(plant, "acme", f, LONG)
    assert (receipt.accepted, receipt.rejected) == (2, 0)
    with pytest.raises(InvalidInput, match="unknown text encoding"):
        read_preview(f, encoding="utf\x00-8")


def test_an_english_tab_separated_file_with_bom_is_previewed(tmp_path):
    f = tmp_path / "log.tsv"
    f.write_bytes(
        "\ufefftimestamp\tmachine\tsignal\tvalue\n2026-05-01T08:00:00Z\tCNC-01\tspindle_temp\t40\n".encode()
    )
    preview = read_preview(f)
    assert (preview.encoding, preview.delimiter, preview.kind, preview.layout) == (
        "utf-8-sig",
        "\t",
        "reading",
        "long",
    )
    assert preview.roles == {
        "timestamp": "time",
        "machine": "machine_id",
        "signal": "signal",
        "value": "value",
    }
    assert not preview.naive_time


def test_an_xlsx_workbook_imports_from_the_chosen_sheet(plant, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "표지"
    ws = wb.create_sheet("데이터")
    ws.append(["측정일시", "설비", "spindle_temp", "spindle_speed"])
    ws.append([datetime(2026, 5, 1, 8, 0), "CNC-01", 40.5, 1200])
    ws.append([datetime(2026, 5, 1, 8, 1), "CNC-01", 41.0, None])
    wb.save(tmp_path / "일보.xlsx")
    preview = read_preview(tmp_path / "일보.xlsx", sheet="데이터")
    assert preview.format == "xlsx" and preview.sheets == ["표지", "데이터"]
    assert (preview.kind, preview.layout, preview.naive_time) == ("reading", "wide", True)
    assert preview.roles["spindle_temp"] == "signal:spindle_temp"
    mapping = preview.mapping.model_copy(update={"timezone": "Asia/Seoul"})
    receipt = import_file(plant, "acme", tmp_path / "일보.xlsx", mapping)
    assert (receipt.accepted, receipt.rejected) == (3, 0)
    got = sorted((r["signal"], r["value"]) for r in readings(plant))
    assert got == [("spindle_speed", 1200.0), ("spindle_temp", 40.5), ("spindle_temp", 41.0)]


def test_a_wide_file_becomes_long_readings_and_rejects_keep_their_excel_row(plant, tmp_path):
    f = write_csv(
        tmp_path / "wide.csv",
        [
            "time,temp,speed",
            "2026-05-01T08:00:00Z,40,1200",
            "2026-05-01T08:00:01Z,,1210",
            "2026-05-01T08:00:02Z,999,1220",
        ],
    )
    mapping = Mapping(
        kind="reading",
        layout="wide",
        machine_id="CNC-01",
        columns={"time": "time", "temp": "signal:spindle_temp", "speed": "signal:spindle_speed"},
    )
    receipt = import_file(plant, "acme", f, mapping)
    assert (receipt.received, receipt.accepted, receipt.rejected) == (5, 4, 1)
    [q] = quarantine(plant)
    assert q["location"] == {"file": "wide.csv", "row": 4, "column": "temp", "field": "value"}
    assert len([r for r in readings(plant) if r["signal"] == "spindle_speed"]) == 3


def test_a_parquet_file_imports_in_streamed_chunks_with_progress(plant, tmp_path):
    n = 5_000
    base = int(datetime(2026, 5, 1, tzinfo=UTC).timestamp() * 1e6)
    table = pa.table(
        {
            "ts": pa.array([base + i * 1_000_000 for i in range(n)], pa.timestamp("us", tz="UTC")),
            "machine": ["CNC-01"] * n,
            "tag": ["spindle_temp"] * n,
            "val": [20.0 + i % 50 for i in range(n)],
        }
    )
    pq.write_table(table, tmp_path / "hist.parquet", row_group_size=1_000)
    preview = read_preview(tmp_path / "hist.parquet")
    assert preview.format == "parquet" and preview.roles == {
        "ts": "time",
        "machine": "machine_id",
        "tag": "signal",
        "val": "value",
    }
    calls = []
    receipt = import_file(
        plant,
        "acme",
        tmp_path / "hist.parquet",
        preview.mapping,
        chunk_rows=700,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert receipt.accepted == n
    assert len(calls) >= n // 700 and calls[-1] == (n, n)
    assert plant.count_rows("acme", "readings") == n


def test_a_csv_streams_in_small_chunks_and_row_numbers_stay_exact(plant, tmp_path):
    lines = ["시간,설비,항목,측정값"]
    for i in range(3_000):
        value = "x" if i == 2_500 else str(20 + i % 30)
        lines.append(f"2026-05-01T08:{i // 60 % 60:02d}:{i % 60:02d}+09:00,CNC-01,spindle_temp,{value}")
    f = write_csv(tmp_path / "big.csv", lines)
    calls = []
    receipt = import_file(plant, "acme", f, LONG, chunk_rows=200, progress=lambda d, t: calls.append((d, t)))
    assert (receipt.accepted, receipt.rejected) == (2_999, 1)
    # progress in rows (the file's bytes were once shown as rows), the last one exact
    assert len(calls) > 5 and calls[-1] == (3_000, 3_000)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert quarantine(plant)[0]["location"]["row"] == 2_502


def test_reimporting_the_same_file_adds_nothing(plant, tmp_path):
    f = write_csv(
        tmp_path / "again.csv",
        [
            "시간,설비,항목,측정값",
            "2026-05-01T08:00:00Z,CNC-01,spindle_temp,40",
            "2026-05-01T08:00:01Z,CNC-02,spindle_temp,41",
        ],
    )
    first = import_file(plant, "acme", f, LONG)
    second = import_file(plant, "acme", f, LONG)
    assert (first.accepted, second.accepted, second.duplicates) == (2, 0, 2)
    assert plant.count_rows("acme", "readings") == 2


def test_reimporting_a_file_with_bad_rows_keeps_each_reject_once_and_says_so(plant, tmp_path):
    f = write_csv(
        tmp_path / "again.csv",
        [
            "시간,설비,항목,측정값",
            "2026-05-01T08:00:00Z,CNC-01,spindle_temp,40",
            "2026-05-01T08:00:01Z,CNC-01,spindle_temp,높음",
            "2026-05-01T08:00:02Z,CNC-09,spindle_temp,41",
            "2026-05-01T08:00:03Z,CNC-01,spindle_temp,42,43",
        ],
    )
    first = import_file(plant, "acme", f, LONG)
    second = import_file(plant, "acme", f, LONG)
    assert (first.rejected, first.already_quarantined) == (3, 0)
    assert (second.rejected, second.already_quarantined, second.duplicates) == (3, 3, 1)
    assert second.to_dict()["already_quarantined"] == 3
    assert len(quarantine(plant)) == 3 and {q["batch_id"] for q in quarantine(plant)} == {first.batch_id}
    assert [q["repeats"] for q in quarantine(plant)] == [1, 1, 1]  # each counted as having come again


# ---- the mapping file ----------------------------------------------------------------------------------------------


def test_a_mapping_survives_a_yaml_round_trip(tmp_path):
    mapping = Mapping(
        kind="part",
        columns={
            "일시": "time",
            "판정": "result",
            "온도": "param:온도",
            "지름": "measure:지름",
            "비고": "ignore",
        },
        machine_id="CNC-01",
        timezone="Asia/Seoul",
        encoding="cp949",
        result_values={"0": "ok", "1": "ng"},
    )
    (tmp_path / "m.yaml").write_text(mapping.to_yaml(), encoding="utf-8")
    assert "판정: result" in mapping.to_yaml()
    assert Mapping.from_yaml(tmp_path / "m.yaml") == mapping


def test_a_mapping_with_an_unknown_role_says_which_column_and_what_is_allowed(tmp_path):
    (tmp_path / "m.yaml").write_text("kind: reading\ncolumns:\n  온도: temperature\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        Mapping.from_yaml(tmp_path / "m.yaml")
    assert "m.yaml" in err.value.en and "'온도'" in err.value.en and "'temperature'" in err.value.en
    assert "param:<name>" in err.value.en and "역할" in err.value.ko


def test_a_mapping_file_that_is_not_yaml_names_the_line(tmp_path):
    (tmp_path / "m.yaml").write_text("kind: reading\ncolumns: [시간: time\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        Mapping.from_yaml(tmp_path / "m.yaml")
    assert "m.yaml" in err.value.en and "line" in err.value.en and "YAML" in err.value.ko


# ---- real data ---------------------------------------------------------------------------------------------------------


def test_ai4i_2020_imports_as_10000_part_records_with_339_failures(plant, tmp_path):
    data = require_dataset("ai4i2020") / "ai4i2020.csv"
    preview = read_preview(data)
    assert preview.encoding == "utf-8-sig" and preview.columns[0] == "UDI"
    mapping = Mapping(
        kind="part",
        machine_id="CNC-01",
        start_time=datetime(2026, 1, 1, tzinfo=UTC),
        interval_s=60,
        result_values={"0": "ok", "1": "ng"},
        columns={
            "UDI": "part_id",
            "Product ID": "lot_id",
            "Type": "product",
            "Air temperature [K]": "param:air_temperature_k",
            "Process temperature [K]": "param:process_temperature_k",
            "Rotational speed [rpm]": "param:rotational_speed_rpm",
            "Torque [Nm]": "param:torque_nm",
            "Tool wear [min]": "param:tool_wear_min",
            "Machine failure": "result",
            "TWF": "measure:TWF",
            "HDF": "measure:HDF",
            "PWF": "measure:PWF",
            "OSF": "measure:OSF",
            "RNF": "measure:RNF",
        },
    )
    receipt = import_file(plant, "acme", data, mapping, chunk_rows=3_000)
    assert (receipt.received, receipt.accepted, receipt.rejected) == (10_000, 10_000, 0)
    frame = plant.training_frame("acme", START, END)
    assert len(frame) == 10_000 and (frame["result"] == "ng").sum() == 339
    assert frame["product"].value_counts().to_dict() == {"L": 6000, "M": 2997, "H": 1003}
    assert set(frame.attrs["params"]) >= {"torque_nm", "tool_wear_min"}
    assert import_file(plant, "acme", data, mapping).duplicates == 10_000


def test_a_header_in_words_takes_the_known_role_it_names():
    known = {
        "param:spindle_speed_rpm": ["spindle_speed_rpm", "spindle speed", "주축 회전수"],
        "measure:warpage_mm": ["warpage_mm", "warpage (flatness)", "휨량 (평면도)"],
        "param:die_temp_c": ["die_temp_c", "die temperature", "금형 온도"],
        "param:mould_temp_c": ["mould_temp_c", "mould temperature", "금형 온도"],
    }
    roles = {
        "시각": "time",
        "주축회전수": "param:주축회전수",
        "Spindle Speed [rpm]": "param:Spindle Speed [rpm]",
        "휨량": "param:휨량",
        "금형 온도": "param:금형 온도",
        "비고": "ignore",
    }
    got = match_known_roles(roles, known)
    assert got["주축회전수"] == "param:spindle_speed_rpm"
    assert got["Spindle Speed [rpm]"] == "param:Spindle Speed [rpm]"  # the role is taken by the column before
    assert got["휨량"] == "measure:warpage_mm"  # an inspection result, not a setting
    assert got["금형 온도"] == "param:금형 온도"  # two families name it: not guessed
    assert (got["시각"], got["비고"]) == ("time", "ignore")


def test_a_shortened_header_takes_the_known_role_it_stands_for():
    known = {
        "param:melt_temp_c": ["melt_temp_c", "melt temperature", "용융 수지 온도"],
        "param:mould_temp_c": ["mould_temp_c", "mould temperature", "금형 온도"],
        "param:cooling_time_s": ["cooling_time_s", "cooling time", "냉각 시간"],
        "measure:part_weight_g": ["part_weight_g", "part weight", "제품 중량"],
    }
    columns = ["Melt temp (°C)", "Mould temp", "중량", "냉각시간", "온도", "t", "Cycle"]
    got = match_known_roles({c: f"param:{c}" for c in columns}, known)
    assert got["Melt temp (°C)"] == "param:melt_temp_c" and got["Mould temp"] == "param:mould_temp_c"
    assert got["중량"] == "measure:part_weight_g"  # the head noun: an inspection result, not a setting
    assert got["냉각시간"] == "param:cooling_time_s"
    # "온도" ends two known names; a letter or an unrelated word shortens none: left as guessed
    assert (got["온도"], got["t"], got["Cycle"]) == ("param:온도", "param:t", "param:Cycle")
    # the melt temperature already taken, a second header for it stays as guessed
    again = match_known_roles({"Melt temp": "param:Melt temp", "용융온도": "param:용융온도"}, known)
    assert again == {"Melt temp": "param:melt_temp_c", "용융온도": "param:용융온도"}


def test_a_length_on_a_part_record_is_guessed_a_measurement_and_stays_one():
    """ "두께(mm)" on a press's part records is what inspection measured: guessed a measurement, it does not move to
    the press's setting "소재 두께" (blank thickness) by its head noun; a header that is a setting's own name
    ("shut height (mm)") still takes that setting."""
    from sandan.collect.files import guess_mapping
    from sandan.twin.process import known_roles_by_name

    columns = ["일시", "설비", "판정", "두께(mm)", "구멍지름(mm)", "shut height (mm)", "톤수"]
    rows = [["2026-12-03 08:00", "prs-01", "양품", "2.01", "5.02", "400.1", "200"]]
    roles, kind, _ = guess_mapping(columns, rows)
    assert kind == "part"
    got = match_known_roles(roles, known_roles_by_name(["press"]))
    assert got["두께(mm)"] == "measure:두께(mm)" and got["구멍지름(mm)"] == "measure:구멍지름(mm)"
    assert got["shut height (mm)"] == "param:shut_height_mm"
    assert got["톤수"].startswith("param:")


def test_messages_name_the_files_own_cells_and_columns(plant, tmp_path):
    """An event that ends before it starts is named by the end the file wrote (its local time, not UTC); a
    measurement that is not a number is named by the file's column, not the role; a state lists the Korean words."""
    events = write_csv(
        tmp_path / "ev.csv",
        [
            "설비,시작,종료,상태",
            "CNC-01,2026-05-01 17:30:00,2026-05-01 17:00:00,가동",
            "CNC-01,2026-05-01 18:00:00,2026-05-01 18:30:00,점검중",
        ],
    )
    mapping = Mapping(
        kind="event",
        columns={"설비": "machine_id", "시작": "start", "종료": "end", "상태": "state"},
        timezone="Asia/Seoul",
    )
    import_file(plant, "acme", events, mapping)
    late, state = quarantine(plant)
    assert "(2026-05-01 17:00:00)" in late["reason_ko"] and "+00:00" not in late["reason_ko"]
    assert "가동, 대기, 고장, 셋업, 계획정지" in state["reason_ko"]
    parts = write_csv(
        tmp_path / "p.csv", ["일시,설비,판정,두께(mm)", "2026-05-01T08:00:00Z,CNC-01,ok,측정불가"]
    )
    columns = {"일시": "time", "설비": "machine_id", "판정": "result", "두께(mm)": "measure:두께(mm)"}
    import_file(plant, "acme", parts, Mapping(kind="part", columns=columns))
    bad = quarantine(plant, "part")[0]
    assert bad["reason_ko"].startswith("두께(mm) 값 '측정불가'") and "measure:" not in bad["reason_en"]


def test_a_typo_in_a_column_of_numbers_does_not_leave_the_column_out(plant, tmp_path):
    """One "빠름" among the spindle speeds: the column is still a setting, and the import rejects that row with its
    cell named, instead of dropping every row's spindle speed. A column mostly of text stays out. "부품" is the
    part's id, as the machine page's own table heads it."""
    from sandan.collect.files import guess_mapping

    columns = ["일시", "설비", "부품", "판정", "spindle_speed_rpm", "작업자"]
    rows = [
        [f"2026-05-01 08:{i:02d}:00", "CNC-01", f"P{i}", "ok", "빠름" if i == 3 else str(2000 + i), f"kim{i}"]
        for i in range(12)
    ]
    for i in range(2, 12):  # operator numbers with two names among them (10 of 12): still text
        rows[i][5] = str(1020 + i)
    roles, kind, _ = guess_mapping(columns, rows)
    assert kind == "part" and roles["부품"] == "part_id"
    assert roles["spindle_speed_rpm"] == "param:spindle_speed_rpm" and roles["작업자"] == "ignore"
    path = write_csv(tmp_path / "typo.csv", [",".join(columns)] + [",".join(r) for r in rows])
    receipt = import_file(plant, "acme", path, Mapping(kind="part", columns=roles, timezone="Asia/Seoul"))
    assert (receipt.accepted, receipt.rejected) == (11, 1)
    bad = quarantine(plant, "part")[0]
    assert "빠름" in bad["reason_ko"] and "spindle_speed_rpm" in bad["reason_en"]
    # "-" is what a sheet writes for "not measured": an empty cell, neither a reason to drop the column nor the row
    dashes = [r[:] for r in rows]
    for r in dashes:
        r[2] = r[2].replace("P", "Q")  # other parts
    dashes[3][4], dashes[6][4] = "2003", "-"
    path = write_csv(tmp_path / "dash.csv", [",".join(columns)] + [",".join(r) for r in dashes])
    roles, _, _ = guess_mapping(columns, dashes)
    assert roles["spindle_speed_rpm"] == "param:spindle_speed_rpm"
    receipt = import_file(plant, "acme", path, Mapping(kind="part", columns=roles, timezone="Asia/Seoul"))
    assert (receipt.accepted, receipt.rejected) == (12, 0)


def test_production_day_headers_are_read_as_the_time():
    from sandan.collect.files import guess_mapping

    for header in ("생산일자", "작업일자", "검사일시"):
        roles, kind, _ = guess_mapping([header, "설비", "판정"], [["2026-12-03", "prs-01", "양품"]])
        assert roles[header] == "time" and kind == "part", header


def test_a_title_above_the_header_is_skipped_and_rows_keep_their_excel_numbers(plant, tmp_path):
    """Reports exported from Excel often carry a title (and a blank line) above the header: the header is found
    below it, the preview says so, and a rejected row is named by its row in the sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["생산 실적 5/1 (가공 라인)"])
    ws.append([])
    ws.append(["일시", "설비", "판정"])
    ws.append(["2026-05-01T08:00:00Z", "CNC-01", "양품"])
    ws.append(["2026-05-01T08:00:10Z", "CNC-01", "몰라"])
    wb.save(tmp_path / "titled.xlsx")
    shown = read_preview(tmp_path / "titled.xlsx")
    assert shown.columns == ["일시", "설비", "판정"] and shown.header_row == 2
    assert shown.mapping.columns == {"일시": "time", "설비": "machine_id", "판정": "result"}
    assert shown.notices[0]["code"] == "header_row" and "머리글은 3행" in shown.notices[0]["ko"]
    receipt = import_file(plant, "acme", tmp_path / "titled.xlsx", shown.mapping)
    assert (receipt.accepted, receipt.rejected) == (1, 1)
    assert quarantine(plant)[0]["location"]["row"] == 5  # the sheet's own row of '몰라'

    csv_file = write_csv(
        tmp_path / "titled.csv",
        [
            "생산 실적 5/1",
            "",
            "일시,설비,판정",
            "2026-05-01T09:00:00Z,CNC-01,양품",
            "2026-05-01T09:00:10Z,CNC-01,?",
        ],
        encoding="cp949",
    )
    shown = read_preview(csv_file)
    assert shown.columns == ["일시", "설비", "판정"] and shown.header_row == 2 and len(shown.rows) == 2
    receipt = import_file(plant, "acme", csv_file, shown.mapping)
    assert (receipt.accepted, receipt.rejected) == (1, 1) and receipt.issues[0]["row"] == 5
    # a plain file keeps its first row as the header
    assert read_preview(write_csv(tmp_path / "plain.csv", ["a,b", "1,2"])).header_row == 0


def test_a_machine_chosen_for_a_file_with_a_machine_column_is_refused_not_dropped(plant, tmp_path):
    f = write_csv(
        tmp_path / "온도.csv", ["시간,설비,항목,측정값", "2026-05-01T08:00:00+09:00,CNC-01,spindle_temp,41.5"]
    )
    both = LONG.model_copy(update={"machine_id": "CNC-02"})  # the column won, and CNC-02 was ignored
    with pytest.raises(InvalidInput) as err:
        import_file(plant, "acme", f, both)
    assert err.value.code == "machine_twice" and err.value.where["column"] == "설비"
    assert "column '설비' and the machine 'CNC-02'" in err.value.en and "'무시'로 지정하세요" in err.value.ko
    assert readings(plant) == []


def test_a_mapping_file_mistake_is_said_in_each_languages_words():
    with pytest.raises(InvalidInput) as err:  # pydantic's "Extra inputs are not permitted" in both lines
        Mapping.from_dict({"kind": "reading", "layout": "long", "colums": {}}, "map.yaml")
    assert err.value.where["field"] == "colums" and "not a known field (check its spelling)" in err.value.en
    assert "알 수 없는 항목입니다" in err.value.ko and "Extra inputs" not in err.value.ko
    with pytest.raises(InvalidInput) as err:
        Mapping.from_dict({"kind": "reading", "date_order": "ymd"}, "map.yaml")
    assert "'dmy', 'mdy' 중 하나" in err.value.ko and "Input should" not in err.value.en
