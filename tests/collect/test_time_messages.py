"""What a rejected time's message says, through the ingestion path on both stores: the time as the user wrote it,
what is wrong with it when the text shows that, and how to write it the way Excel does."""

from __future__ import annotations

import pytest

from sandan.collect import Origin, ingest_events, ingest_parts, ingest_readings
from sandan.collect.files import Mapping, import_file
from sandan.domain import Company, Machine, Signal


@pytest.fixture
def plant(store):
    store.upsert_company(Company(id="acme", name="에이크미 정밀"))
    store.upsert_machine("acme", Machine(id="CNC-01", company_id="acme", line_id="l1", name="CNC-01"))
    store.upsert_signals("acme", [Signal(company_id="acme", machine_id="CNC-01", name="temp", unit="°C")])
    return store


def _only_reason(store) -> dict:
    [item] = store.list_quarantine("acme")
    return item


def test_a_future_time_is_quoted_as_written_and_read_in_the_imports_zone(plant):
    row = {"time": "2099-01-01 00:00:00", "machine_id": "CNC-01", "part_id": "P-1", "result": "ok"}
    receipt = ingest_parts(plant, "acme", [row], Origin(source="file", timezone="Asia/Seoul"))
    assert receipt.reasons == {"future_time": 1}
    item = _only_reason(plant)
    assert item["reason_en"].startswith(
        "time '2099-01-01 00:00:00' (read as 2099-01-01 00:00 Asia/Seoul) is more than a day in the future; "
        "check the date"
    )
    assert (
        "'2099-01-01 00:00:00'(Asia/Seoul 기준 2099-01-01 00:00)이(가) 하루 이상 미래입니다"
        in item["reason_ko"]
    )
    # never the UTC instant the check compared: that is not what the user typed
    assert "2098-12-31" not in item["reason_en"] + item["reason_ko"]
    assert receipt.issues[0]["message"]["en"] == item["reason_en"]


def test_a_future_time_in_a_csv_reads_as_excel_wrote_it(plant, tmp_path):
    # the report's case: an Excel-made CSV, local times without a zone, imported as Asia/Seoul
    path = tmp_path / "측정.csv"
    path.write_bytes("시간,설비,항목,측정값\r\n2099-01-01 00:00:00,CNC-01,temp,21.5\r\n".encode("cp949"))
    mapping = Mapping(
        kind="reading",
        layout="long",
        columns={"시간": "time", "설비": "machine_id", "항목": "signal", "측정값": "value"},
        timezone="Asia/Seoul",
    )
    receipt = import_file(plant, "acme", path, mapping)
    assert receipt.reasons == {"future_time": 1}
    assert (
        "time '2099-01-01 00:00:00' (read as 2099-01-01 00:00 Asia/Seoul)" in _only_reason(plant)["reason_en"]
    )


def test_a_future_time_with_its_own_offset_is_quoted_without_a_zone_of_ours(plant):
    row = {"time": "2099-01-01T00:00:00+09:00", "machine_id": "CNC-01", "signal": "temp", "value": 1}
    ingest_readings(plant, "acme", [row], Origin(source="api", timezone="Asia/Seoul"))
    assert _only_reason(plant)["reason_en"].startswith("time '2099-01-01T00:00:00+09:00' is more than a day")


def test_an_impossible_date_says_which_parts_are_out_of_range_and_how_excel_writes_it(plant):
    row = {"time": "2026-13-45 25:00:00", "machine_id": "CNC-01", "part_id": "P-1", "result": "ok"}
    receipt = ingest_parts(plant, "acme", [row], Origin(source="file", timezone="Asia/Seoul"))
    assert receipt.reasons == {"bad_time": 1}
    item = _only_reason(plant)
    assert item["reason_en"] == (
        "cannot read '2026-13-45 25:00:00' as a time: month 13 (1–12), day 45 (1–31) and hour 25 (0–23) are out "
        "of range; write it as Excel shows it, e.g. 2026-05-01 08:00:00, or in ISO 8601 such as "
        "2026-05-01T08:00:00+09:00"
    )
    ko = item["reason_ko"]
    assert (
        "13월(1~12월), 45일(1~31일), 25시(0~23시)" in ko and "2026-05-01 08:00:00" in ko and "ISO 8601" in ko
    )


def test_a_day_past_the_end_of_its_month_names_the_months_length(plant):
    row = {"machine_id": "CNC-01", "start": "2026-02-30 08:00", "state": "down"}
    ingest_events(plant, "acme", [row], Origin(source="file", timezone="Asia/Seoul"))
    assert "day 30 (2026-02 has 28 days) is out of range" in _only_reason(plant)["reason_en"]


def test_an_unreadable_time_with_nothing_out_of_range_still_says_how_to_write_it(plant):
    row = {"time": "yesterday", "machine_id": "CNC-01", "signal": "temp", "value": 1}
    ingest_readings(plant, "acme", [row], Origin(source="api", timezone="Asia/Seoul"))
    assert _only_reason(plant)["reason_en"] == (
        "cannot read 'yesterday' as a time; write it as Excel shows it, e.g. 2026-05-01 08:00:00, or in ISO 8601 "
        "such as 2026-05-01T08:00:00+09:00"
    )
