"""Files crafted to exhaust the importer — a zip bomb of a workbook, a sheet as wide as Excel allows with its last
row filled, a CSV file whose first part holds a field past the csv module's limit — are refused with clear words
or read in bounded memory, never a 500 or gigabytes."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import Workbook

import sandan.collect.files as files
from sandan.collect.files import Mapping, import_file, read_preview
from sandan.domain import InvalidInput

PARTS = Mapping(
    kind="part",
    timezone="Asia/Seoul",
    columns={"일시": "time", "설비": "machine_id", "일련번호": "part_id", "판정": "result"},
)


def _workbook(path, rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _with_shared_strings_bomb(src, dest, size):
    """`src` with its shared strings replaced by `size` bytes of one repeated byte, written in blocks."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != "xl/sharedStrings.xml":
                new.writestr(info, old.read(info))
        block = b" " * (1 << 20)
        with new.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            for _ in range(size // len(block)):
                out.write(block)
    return dest


def test_a_workbook_whose_shared_strings_unpack_to_hundreds_of_mb_is_refused_before_openpyxl(tmp_path):
    small = _workbook(tmp_path / "small.xlsx", [["일시", "설비"], ["2026-03-01 08:00", "CNC-01"]])
    bomb = _with_shared_strings_bomb(small, tmp_path / "bomb.xlsx", 220 * 1024 * 1024)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(InvalidInput) as exc:
        read_preview(bomb)
    assert exc.value.code == "workbook_too_large"
    assert "xl/sharedStrings.xml" in exc.value.en and "220 MB" in exc.value.en and "CSV" in exc.value.en
    assert "220 MB" in exc.value.ko and "CSV" in exc.value.ko


def test_a_part_that_compresses_too_well_is_refused_at_import(plant, tmp_path, monkeypatch):
    # the limits lowered so a 3 MB part stands for a 300 MB one
    monkeypatch.setattr(files, "XLSX_RATIO_FROM_BYTES", 1024 * 1024, raising=False)
    small = _workbook(tmp_path / "small.xlsx", [["일시", "설비"], ["2026-03-01 08:00", "CNC-01"]])
    bomb = _with_shared_strings_bomb(small, tmp_path / "bomb.xlsx", 3 * 1024 * 1024)
    with pytest.raises(InvalidInput) as exc:
        import_file(plant, "acme", bomb, PARTS)
    assert exc.value.code == "workbook_too_large"
    assert "100 times" in exc.value.en and "100배" in exc.value.ko


def test_a_broken_zip_keeps_its_unreadable_file_message(tmp_path):
    f = tmp_path / "broken.xlsx"
    f.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(InvalidInput) as exc:
        read_preview(f)
    assert exc.value.code == "unreadable_file"


def test_a_sheet_wider_than_2000_columns_is_refused_at_preview_and_import(plant, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "실적"
    for c, name in enumerate(["일시", "설비", "일련번호", "판정"], start=1):
        ws.cell(row=1, column=c, value=name)
    ws.cell(row=1, column=16384, value="stray")
    ws.cell(row=2, column=1, value="2026-03-01 08:00")
    wb.save(tmp_path / "wide.xlsx")
    for attempt in (
        lambda: read_preview(tmp_path / "wide.xlsx"),
        lambda: import_file(plant, "acme", tmp_path / "wide.xlsx", PARTS),
    ):
        with pytest.raises(InvalidInput) as exc:
            attempt()
        assert exc.value.code == "too_many_columns"
        assert "'실적'" in exc.value.en and "16,384 columns" in exc.value.en
        assert "'실적'" in exc.value.ko and "16,384개" in exc.value.ko


def test_a_long_run_of_empty_rows_is_skipped_and_rows_keep_their_excel_numbers(plant, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["일시", "설비", "일련번호", "판정"])
    ws.append(["2026-03-01 08:00", "CNC-01", "SN-1", "OK"])
    far = 100_000
    for c, v in enumerate(["2026-03-01 09:00", "NO-SUCH-MACHINE", "SN-2", "OK"], start=1):
        ws.cell(row=far, column=c, value=v)
    wb.save(tmp_path / "gap.xlsx")
    src = files._open(tmp_path / "gap.xlsx", "gap.xlsx", None, None, None, 100_000)
    sizes = [chunk.num_rows for chunk, _ in src.chunks]
    # the empty rows between are never built as rows of empty cells
    assert sum(sizes) == 2
    receipt = import_file(plant, "acme", tmp_path / "gap.xlsx", PARTS)
    assert receipt.accepted == 1
    assert [i["row"] for i in receipt.issues] == [far]


def test_a_wide_sheet_is_read_in_chunks_of_bounded_cells(tmp_path, monkeypatch):
    # the cell budget lowered so a small sheet shows it: 10 columns, 100 cells -> 10 rows a chunk
    monkeypatch.setattr(files, "XLSX_CHUNK_CELLS", 100, raising=False)
    rows = [[f"c{i}" for i in range(10)]] + [[r * 10 + i for i in range(10)] for r in range(50)]
    f = _workbook(tmp_path / "wide.xlsx", rows)
    src = files._open(f, "wide.xlsx", None, None, None, 100_000)
    sizes = [chunk.num_rows for chunk, _ in src.chunks]
    assert sum(sizes) == 50 and max(sizes) <= 10


def test_a_csv_line_longer_than_128_kb_without_delimiters_is_refused_clearly(tmp_path):
    f = tmp_path / "blob.csv"
    f.write_text("x" * 200_000 + "\n" + "a\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        read_preview(f)
    assert exc.value.code == "line_too_long"
    assert "128 KB" in exc.value.en and "CSV export" in exc.value.en
    assert "128 KB" in exc.value.ko and "CSV" in exc.value.ko


def test_a_header_too_long_for_one_candidate_delimiter_still_finds_the_comma():
    header = ",".join(f"c{i}" for i in range(100_000))
    assert files._detect_delimiter(header + "\n" + header + "\n", "many.csv") == ","
