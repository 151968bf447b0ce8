"""The import preview's check: the sample rows go through the import's own path as a dry run, on both stores.

What the check says about a row must be what the import then says about it; and the check must leave no trace.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandan.collect import ingest_events, ingest_readings
from sandan.collect.files import Mapping, import_file, preview_for_company
from sandan.domain import Company, Line, Machine, Signal, Site

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 12, 31, tzinfo=UTC)

# the rows a demo walk brought: a time that cannot be, a value under its signal's range, text in a number
# column, a machine nobody registered, a result that is neither ok nor ng
PARTS = [
    "생산일시,설비,부품번호,판정,melt_temp,무게",
    "2026-05-01 08:00:00,imm-01,P1,OK,230,12.1",
    "2026-13-45 25:00:00,imm-01,P2,OK,230,12.1",
    "2026-05-01 08:02:00,imm-01,P3,OK,-50,12.1",
    "2026-05-01 08:03:00,imm-01,P4,OK,231,abc",
    "2026-05-01 08:04:00,imm-99,P5,OK,230,12.1",
    "2026-05-01 08:05:00,imm-01,P6,maybe,230,12.1",
    "2026-05-01 08:06:00,imm-01,P7,NG,229,12.0",
]
PART_MAPPING = Mapping(
    kind="part",
    columns={
        "생산일시": "time",
        "설비": "machine_id",
        "부품번호": "part_id",
        "판정": "result",
        "melt_temp": "param:melt_temp",
        "무게": "measure:무게",
    },
    timezone="Asia/Seoul",
)


@pytest.fixture
def moulder(store):
    """Company 'acme' with one moulding machine imm-01 whose melt temperature is valid from 150 to 350 °C."""
    store.upsert_company(Company(id="acme", name="에이크미 사출"))
    store.upsert_site("acme", Site(id="s1", company_id="acme", name="1공장"))
    store.upsert_line("acme", Line(id="l1", company_id="acme", site_id="s1", name="사출 1라인"))
    store.upsert_machine(
        "acme", Machine(id="imm-01", company_id="acme", line_id="l1", name="사출기 1", family="injection")
    )
    store.upsert_signals(
        "acme",
        [
            Signal(
                company_id="acme",
                machine_id="imm-01",
                name="melt_temp",
                unit="°C",
                min_value=150,
                max_value=350,
            )
        ],
    )
    return store


def write_csv(path, lines):
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def nothing_stored(store) -> None:
    assert store.query_parts("acme", START, END).num_rows == 0
    assert store.query_readings("acme", START, END).num_rows == 0
    assert store.list_quarantine("acme", limit=100) == []
    assert [s.name for s in store.list_signals("acme")] == ["melt_temp"]


def said(issue) -> tuple:
    return issue["row"], issue["column"], issue["code"], issue["message"]["en"], issue["message"]["ko"]


def test_the_preview_check_stores_and_quarantines_nothing_yet_names_the_rows_the_import_rejects(
    moulder, tmp_path
):
    f = write_csv(tmp_path / "사출실적.csv", PARTS)
    shown = preview_for_company(moulder, "acme", f, mapping=PART_MAPPING)
    check = shown.check
    nothing_stored(moulder)
    assert (check.rows, check.rejected_rows) == (7, 5)
    rows = {row: [(i["column"], i["code"]) for i in issues] for row, issues in check.by_row().items()}
    assert rows == {
        3: [("생산일시", "bad_time")],
        4: [("melt_temp", "out_of_range")],
        5: [("무게", "bad_number")],
        6: [("설비", "unknown_machine")],
        7: [("판정", "bad_result")],
    }
    assert check.summary()["en"].startswith("5 of the first 7 rows would be rejected")
    assert check.summary()["ko"].startswith("처음 7행 중 5행은 가져올 때 거부됩니다")

    receipt = import_file(moulder, "acme", f, PART_MAPPING)
    assert (receipt.accepted, receipt.rejected) == (2, 5)
    quarantined = sorted(moulder.list_quarantine("acme", limit=100), key=lambda q: q["location"]["row"])
    assert [
        (q["location"]["row"], q["location"]["column"], q["reason_code"], q["reason_en"], q["reason_ko"])
        for q in quarantined
    ] == [said(i) for i in check.issues]
    assert check.reasons == receipt.reasons


def test_a_dry_run_of_readings_defines_no_signal_and_checks_new_ones_as_the_import_would(moulder):
    rows = [
        {"time": "2026-05-01T08:00:00Z", "machine_id": "imm-01", "signal": "melt_temp", "value": 400},
        {"time": "2026-05-01T08:00:00Z", "machine_id": "imm-01", "signal": "hold_bar", "value": 80},
        {"time": "2026-05-01T08:00:00Z", "machine_id": "imm-02", "signal": "hold_bar", "value": 80},
        {"time": "2026-05-01T08:00:01Z", "machine_id": "imm-01", "signal": "melt_temp", "value": "높음"},
    ]
    dry = ingest_readings(moulder, "acme", rows, register_signals=True, dry_run=True)
    nothing_stored(moulder)
    assert (dry.received, dry.accepted, dry.rejected) == (4, 1, 3)
    assert dry.signals_registered == ["imm-01/hold_bar"]  # would be defined, and is not

    real = ingest_readings(moulder, "acme", rows, register_signals=True)
    assert (real.accepted, real.rejected, real.reasons) == (1, 3, dry.reasons)
    assert [said(i) for i in real.issues] == [said(i) for i in dry.issues]
    assert "imm-01/hold_bar" in real.signals_registered


def test_a_dry_run_of_events_stores_nothing(moulder):
    rows = [
        {"machine_id": "imm-01", "start": "2026-05-01T08:00:00Z", "state": "running"},
        {
            "machine_id": "imm-01",
            "start": "2026-05-01T09:00:00Z",
            "end": "2026-05-01T08:00:00Z",
            "state": "down",
        },
    ]
    dry = ingest_events(moulder, "acme", rows, dry_run=True)
    assert (dry.accepted, dry.reasons) == (1, {"end_before_start": 1})
    assert moulder.query_events("acme", START, END).num_rows == 0
    assert moulder.list_quarantine("acme", limit=10) == []


def test_a_mapping_that_would_stop_the_import_is_reported_and_not_quarantined(moulder, tmp_path):
    f = write_csv(tmp_path / "판정없음.csv", PARTS)
    no_result = PART_MAPPING.model_copy(update={"columns": {**PART_MAPPING.columns, "판정": "ignore"}})
    check = preview_for_company(moulder, "acme", f, mapping=no_result).check
    assert check.error["code"] == "missing_column" and "result" in check.error["en"]
    assert check.summary()["ko"].startswith("이대로는 가져오기가 중단됩니다")
    nothing_stored(moulder)


def test_a_wide_sheet_counts_a_row_with_two_bad_cells_once(moulder, tmp_path):
    f = write_csv(
        tmp_path / "wide.csv",
        [
            "time,machine,melt_temp,nozzle_temp",
            "2026-05-01T08:00:00Z,imm-01,200,abc",
            "2026-05-01T08:00:01Z,imm-01,999,xyz",
            "2026-05-01T08:00:02Z,imm-01,210,220",
        ],
    )
    wide = Mapping(
        layout="wide",
        columns={
            "time": "time",
            "machine": "machine_id",
            "melt_temp": "signal:melt_temp",
            "nozzle_temp": "signal:nozzle_temp",
        },
        register_signals=True,
    )
    check = preview_for_company(moulder, "acme", f, mapping=wide).check
    assert check.rejected_rows == 2
    assert {row: [i["column"] for i in issues] for row, issues in check.by_row().items()} == {
        2: ["nozzle_temp"],
        3: ["melt_temp", "nozzle_temp"],
    }
    nothing_stored(moulder)


def test_only_the_sample_of_a_large_file_is_read_and_checked(moulder, tmp_path):
    good = "2026-05-01 08:00:00,imm-01,P{i},OK,230,12.1"
    lines = [PARTS[0], *(good.format(i=i) for i in range(300_000))]
    lines[250_000] = "2026-05-01 08:00:00,imm-01,X,maybe,230,12.1"  # far past the sample
    f = write_csv(tmp_path / "big.csv", lines)
    shown = preview_for_company(moulder, "acme", f, mapping=PART_MAPPING, rows=20)
    # only the sample is checked: the bad row far past it is not seen (speed belongs in benchmarks, not here)
    assert (shown.check.rows, shown.check.rejected_rows) == (20, 0)
    nothing_stored(moulder)


def test_a_mapping_naming_a_column_the_file_lacks_is_said_not_a_traceback(moulder, tmp_path):
    f = write_csv(tmp_path / "parts.csv", PARTS[:3])
    wrong = PART_MAPPING.model_copy(update={"columns": {**PART_MAPPING.columns, "when": "time"}})
    wrong.columns.pop("생산일시")
    shown = preview_for_company(moulder, "acme", f, mapping=wrong)  # raised ValueError in the notices
    assert shown.check.error["code"] == "missing_column" and "when" in shown.check.error["en"]
    assert not shown.naive_time
    nothing_stored(moulder)
