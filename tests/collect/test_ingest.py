"""The one ingestion path, fed as connectors and the API feed it: JSON rows, DataFrames and Arrow tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa
import pytest

from sandan.collect import Origin, ingest_events, ingest_parts, ingest_readings
from sandan.domain import Company, InvalidInput

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 12, 31, tzinfo=UTC)


def test_a_value_in_another_unit_is_converted_to_the_signals_unit(plant):
    rows = [
        {
            "time": "2026-05-01T08:00:00Z",
            "machine_id": "CNC-01",
            "signal": "spindle_temp",
            "value": 212,
            "unit": "°F",
        },
        {
            "time": "2026-05-01T08:00:01Z",
            "machine_id": "CNC-01",
            "signal": "spindle_temp",
            "value": 50,
            "unit": "℃",
        },
        {
            "time": "2026-05-01T08:00:02Z",
            "machine_id": "CNC-01",
            "signal": "spindle_temp",
            "value": 5,
            "unit": "bar",
        },
    ]
    receipt = ingest_readings(plant, "acme", rows)
    assert (receipt.accepted, receipt.reasons) == (2, {"bad_unit": 1})
    values = [r["value"] for r in plant.query_readings("acme", START, END).to_pylist()]
    assert values == pytest.approx([100.0, 50.0])
    assert "'bar' cannot be converted to the signal's unit '°C'" in receipt.issues[0]["message"]["en"]


def test_signal_registration_defines_new_signals_of_known_machines_only(plant):
    rows = [
        {
            "time": "2026-05-01T08:00:00Z",
            "machine_id": "CNC-02",
            "signal": "vibration",
            "value": 1.5,
            "unit": "mm/s",
        },
        {
            "time": "2026-05-01T08:00:00Z",
            "machine_id": "CNC-77",
            "signal": "vibration",
            "value": 1.5,
            "unit": "mm/s",
        },
    ]
    receipt = ingest_readings(plant, "acme", rows, register_signals=True)
    assert (receipt.accepted, receipt.reasons) == (1, {"unknown_machine": 1})
    assert receipt.signals_registered == ["CNC-02/vibration"]
    [signal] = plant.list_signals("acme", "CNC-02")[1:]
    assert (signal.name, signal.unit) == ("vibration", "mm/s")


def test_a_dataframe_with_nanosecond_times_and_padded_names_is_accepted(plant):
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2026-05-01 08:00:00.123456789+09:00"] * 2),
            "machine_id": [" CNC-01", "CNC-01 "],
            "signal": ["spindle_temp", "spindle_speed"],
            "value": [40.0, 1200.0],
        }
    )
    receipt = ingest_readings(plant, "acme", frame)
    assert receipt.accepted == 2
    stored = plant.query_readings("acme", START, END).to_pylist()
    assert {r["machine_id"] for r in stored} == {"CNC-01"}
    assert stored[0]["time"] == datetime(2026, 4, 30, 23, 0, 0, 123456, tzinfo=UTC)


def test_epoch_seconds_and_milliseconds_are_both_read_as_utc(plant):
    table = pa.table(
        {
            "time": [1_777_622_400, 1_777_622_401_000],
            "machine_id": ["CNC-01", "CNC-01"],
            "signal": ["spindle_temp", "spindle_temp"],
            "value": [1.0, 2.0],
        }
    )
    assert ingest_readings(plant, "acme", table).accepted == 2
    times = [r["time"] for r in plant.query_readings("acme", START, END).to_pylist()]
    assert times == [datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC), datetime(2026, 5, 1, 8, 0, 1, tzinfo=UTC)]


def test_a_time_far_in_the_future_is_quarantined(plant):
    rows = [{"time": "2099-01-01T00:00:00Z", "machine_id": "CNC-01", "signal": "spindle_temp", "value": 1}]
    receipt = ingest_readings(plant, "acme", rows, Origin(source="opcua:cnc01"))
    assert receipt.reasons == {"future_time": 1}
    [q] = plant.list_quarantine("acme")
    assert q["source"] == "opcua:cnc01" and "the clock of the machine" in q["reason_en"]
    # written with its own offset: quoted as sent, with no zone of ours put beside it
    assert "'2099-01-01T00:00:00Z' is more than a day" in q["reason_en"]


def test_a_mistyped_year_is_quarantined_with_the_rest_of_the_batch_stored(plant):
    rows = [
        {"time": t, "machine_id": "CNC-01", "signal": "spindle_temp", "value": 1}
        for t in ("0001-01-01T00:00:00+01:00", "2026-05-01T08:00:00Z", "9999-12-31T23:59:59Z")
    ]
    receipt = ingest_readings(plant, "acme", rows)
    assert (receipt.accepted, receipt.reasons) == (1, {"early_time": 1, "future_time": 1})
    early = next(q for q in plant.list_quarantine("acme") if q["reason_code"] == "early_time")
    assert "before 1900" in early["reason_en"] and "1900년 이전" in early["reason_ko"]


def test_an_unknown_timezone_is_refused_with_a_hint(plant):
    rows = [{"time": "2026-05-01 08:00:00", "machine_id": "CNC-01", "signal": "spindle_temp", "value": 1}]
    with pytest.raises(InvalidInput) as err:
        ingest_readings(plant, "acme", rows, Origin(source="api", timezone="Seoul"))
    assert "Asia/Seoul" in err.value.en and "시간대" in err.value.ko


def test_a_part_value_outside_its_machines_signal_range_is_quarantined(plant):
    # a part's parameter named like a signal of its machine is that quantity: 99999999999 °C used to be stored
    base = {"machine_id": "CNC-01", "result": "ok"}
    rows = [
        {**base, "time": "2026-05-01T08:00:00Z", "part_id": "P1", "param:spindle_temp": 180},
        {**base, "time": "2026-05-01T08:00:01Z", "part_id": "P2", "param:spindle_temp": 99999999999},
        {**base, "time": "2026-05-01T08:00:02Z", "part_id": "P3", "params": '{"spindle_temp": -5}'},
        {**base, "time": "2026-05-01T08:00:03Z", "part_id": "P4", "measure:spindle_speed": -1},
        # no machine of the company has a signal named like this one: no range to hold it to
        {**base, "time": "2026-05-01T08:00:04Z", "part_id": "P5", "param:feed": 1e9},
        {**base, "time": "2026-05-01T08:00:05Z", "part_id": "P6", "param:spindle_temp": 1e30},
    ]
    receipt = ingest_parts(plant, "acme", rows)
    assert (receipt.accepted, receipt.reasons) == (2, {"out_of_range": 4})
    # a huge value as it was written, not with a float's digits past its precision (1000000000000000019884624838656)
    huge = [i["message"]["en"] for i in receipt.issues if "1e+30" in i["message"]["en"]]
    assert len(huge) == 1 and "1000000000000000" not in huge[0], receipt.issues
    first = receipt.issues[0]
    assert (
        first["column"] == "param:spindle_temp" and "outside its valid range 0–200;" in first["message"]["en"]
    )
    fields = {i["column"] for i in receipt.issues}
    assert fields == {"param:spindle_temp", "params.spindle_temp", "measure:spindle_speed"}
    kept = plant.list_quarantine("acme")
    assert len(kept) == 4 and {q["reason_code"] for q in kept} == {"out_of_range"}
    assert [p["part_id"] for p in plant.query_parts("acme", START, END).to_pylist()] == ["P1", "P5"]


def test_part_records_take_parameters_as_json_or_as_number_columns(plant):
    rows = [
        {
            "time": "2026-05-01T08:00:00Z",
            "machine_id": "CNC-01",
            "part_id": "P1",
            "result": "OK",
            "params": '{"feed": 0.2}',
            "param:speed": "1,200",
        },
        {
            "time": "2026-05-01T08:00:01Z",
            "machine_id": "CNC-01",
            "part_id": "P2",
            "result": "불량",
            "defect_type": "burr",
            "measure:diameter": 10.02,
        },
        {"time": "2026-05-01T08:00:02Z", "machine_id": "CNC-01", "part_id": "P3", "result": "maybe"},
        {
            "time": "2026-05-01T08:00:03Z",
            "machine_id": "CNC-01",
            "part_id": "P4",
            "result": "ok",
            "params": "[1]",
        },
    ]
    receipt = ingest_parts(plant, "acme", rows)
    assert (receipt.accepted, receipt.reasons) == (2, {"bad_result": 1, "bad_number": 1})
    # a blank result is named as blank, not as Python's None
    blank = ingest_parts(
        plant,
        "acme",
        [{"time": "2026-05-01T08:00:04Z", "machine_id": "CNC-01", "part_id": "P5", "result": None}],
    )
    (issue,) = blank.issues
    assert issue["message"]["en"].startswith("result (empty) is not one of ok / ng")
    assert issue["message"]["ko"].startswith("판정 (빈 칸)")
    parts = plant.query_parts("acme", START, END).to_pylist()
    assert json.loads(parts[0]["params"]) == {"feed": 0.2, "speed": 1200.0}
    assert (parts[1]["result"], parts[1]["defect_type"], json.loads(parts[1]["measures"])) == (
        "ng",
        "burr",
        {"diameter": 10.02},
    )


def test_events_accept_open_intervals_and_refuse_ends_before_starts(plant):
    rows = [
        {"machine_id": "CNC-01", "start": "2026-05-01T08:00:00Z", "end": "", "state": "가동"},
        {
            "machine_id": "CNC-01",
            "start": "2026-05-01T09:00:00Z",
            "end": "2026-05-01T08:30:00Z",
            "state": "고장",
        },
        {"machine_id": "CNC-01", "start": "2026-05-01T10:00:00Z", "end": "soon", "state": "down"},
        {"machine_id": "CNC-01", "start": "2026-05-01T11:00:00Z", "end": None, "state": "coffee"},
    ]
    receipt = ingest_events(plant, "acme", rows)
    assert receipt.accepted == 1
    assert receipt.reasons == {"end_before_start": 1, "bad_time": 1, "bad_state": 1}
    [event] = plant.query_events("acme", START, END).to_pylist()
    assert (event["state"], event["end"]) == ("running", None)


def test_a_batch_without_a_required_column_is_refused_whole(plant):
    with pytest.raises(InvalidInput) as err:
        ingest_readings(plant, "acme", [{"time": "2026-05-01T08:00:00Z", "machine_id": "CNC-01", "value": 1}])
    assert err.value.code == "missing_column" and err.value.where["column"] == "signal"


def _coded(table: pa.Table, names: list[str]) -> pa.Table:
    return pa.table(
        {
            n: table[n].combine_chunks().dictionary_encode() if n in names else table[n]
            for n in table.column_names
        }
    )


def test_dictionary_encoded_columns_give_the_same_receipt_as_plain_ones(plant):
    """Connectors hand over time, machine and signal dictionary-encoded (each time stamp parsed once); every row
    must still get exactly the reason it gets as plain text."""
    plant.upsert_company(Company(id="acme2", name="Acme 2"))
    for machine in plant.list_machines("acme"):
        plant.upsert_machine("acme2", machine.model_copy(update={"company_id": "acme2"}))
    plant.upsert_signals(
        "acme2", [s.model_copy(update={"company_id": "acme2"}) for s in plant.list_signals("acme")]
    )
    times = [
        "2026-05-01T08:00:00+09:00",
        "2026-05-01T08:00:01Z",
        "2026-05-01 08:00:02",  # no zone: rejected
        "",
        "soon",
        None,
        "2099-01-01T00:00:00Z",  # future
        "2026-05-01T08:00:00+09:00",  # repeats the first: identical duplicate for one signal, conflict for another
    ]
    n = len(times)
    table = pa.table(
        {
            "time": times * 2,
            "machine_id": ["CNC-01"] * n
            + [" CNC-01", "CNC-01", "CNC-01", "CNC-01", "CNC-09", "CNC-01", None, "CNC-01"],
            "signal": ["spindle_temp"] * n + ["spindle_speed"] * (n - 1) + ["spindle_temp"],
            "value": [20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 20.0] + [900.0] * (n - 1) + [99.0],
        }
    )
    plain = ingest_readings(plant, "acme", table, Origin(source="t", batch_id="b"))
    coded = ingest_readings(
        plant, "acme2", _coded(table, ["time", "machine_id", "signal"]), Origin(source="t", batch_id="b")
    )
    assert plain.rejected > 4 and plain.duplicates == 1
    assert plain.machines == ["CNC-01"]  # the unknown CNC-09's row was refused: its machine is not named
    assert coded.to_dict() == plain.to_dict()
    assert plant.query_readings("acme2", START, END) == plant.query_readings("acme", START, END)
    assert [q["reason_code"] for q in plant.list_quarantine("acme2")] == [
        q["reason_code"] for q in plant.list_quarantine("acme")
    ]


def test_a_dictionary_with_repeated_entries_still_finds_in_batch_duplicates(plant):
    """Two dictionary entries spelling the same signal are one signal: the repeated reading is a duplicate."""
    signal = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int32()), pa.array(["spindle_temp"] * 2))
    table = pa.table(
        {
            "time": ["2026-05-01T08:00:00Z"] * 2,
            "machine_id": ["CNC-01"] * 2,
            "signal": signal,
            "value": [20.0, 20.0],
        }
    )
    receipt = ingest_readings(plant, "acme", table)
    assert (receipt.accepted, receipt.duplicates, receipt.rejected) == (1, 1, 0)


def test_a_large_batch_is_checked_row_by_row_like_a_small_one(plant):
    """Batches past 100 k rows code their label columns in parallel: every row still meets its own machine and
    signal, so the bad ones (and only they) are rejected, whatever their position."""
    import numpy as np

    n = 150_000
    t = np.datetime64("2026-05-01T00:00:00", "us") + np.arange(n).astype("timedelta64[ms]") * 10
    machines = np.array(["CNC-01", "CNC-02"], dtype=object)[np.arange(n) % 2]
    signals = np.where(np.arange(n) % 2 == 0, "spindle_speed", "spindle_temp").astype(object)
    machines[[7, 99_999, n - 1]] = "CNC-09"  # unknown machine
    signals[[11, 120_001]] = "spindle_speed"  # odd rows are CNC-02, which has no spindle_speed
    table = pa.table(
        {
            "time": pa.array(t, pa.timestamp("us", tz="UTC")),
            "machine_id": pa.array(machines, pa.string()),
            "signal": pa.array(signals, pa.string()),
            "value": np.full(n, 50.0),
        }
    )
    receipt = ingest_readings(plant, "acme", table)
    assert receipt.rejected == 5 and receipt.accepted == n - 5
    assert receipt.reasons == {"unknown_machine": 3, "unknown_signal": 2}, receipt.reasons
    stored = plant.query_readings("acme", START, END)
    assert stored.num_rows == n - 5 and set(stored["machine_id"].to_pylist()) == {"CNC-01", "CNC-02"}


def test_a_date_that_reads_both_ways_is_quarantined_unless_the_file_says_which(plant):
    # 5/12/2025 is 5 December or 12 May: read month-first without a word, it landed seven months off
    base = {"machine_id": "CNC-01", "result": "ok"}
    origin = Origin(source="file", timezone="Asia/Seoul")
    rows = [
        {**base, "time": "2025-12-05 08:00", "part_id": "A1"},
        {**base, "time": "5/12/2025 09:03", "part_id": "A2"},
        {**base, "time": "7/7/2025 09:04", "part_id": "A3"},  # the same either way
    ]
    receipt = ingest_parts(plant, "acme", rows, origin)
    assert (receipt.accepted, receipt.reasons) == (2, {"ambiguous_date": 1})
    assert (
        "5/12/2025" in receipt.issues[0]["message"]["en"] and "연-월-일" in receipt.issues[0]["message"]["ko"]
    )
    # another date of the file with a day above 12 in front settles it: day first
    rows = [
        {**base, "time": "25/11/2025 08:00", "part_id": "B1"},
        {**base, "time": "5/12/2025 09:03", "part_id": "B2"},
    ]
    assert ingest_parts(plant, "acme", rows, origin).accepted == 2
    times = {
        p["part_id"]: p["time"] for p in plant.query_parts("acme", START.replace(year=2025), END).to_pylist()
    }
    assert times["B2"] == datetime(2025, 12, 5, 0, 3, tzinfo=UTC)  # 09:03 in Seoul
    assert times["B1"] == datetime(2025, 11, 24, 23, 0, tzinfo=UTC)
