"""Contract: appends are idempotent on natural keys and round-trip values and times exactly."""

from __future__ import annotations

import threading
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pytest

from sandan.domain import READING_SCHEMA
from tests.store.data import T0, at, events, parts, readings

DAY = timedelta(days=1)


def test_a_new_batch_is_inserted_whole(two):
    assert two.append_readings("acme", readings(range(100))) == 100
    assert two.count_rows("acme", "readings") == 100


def test_an_empty_batch_inserts_nothing(two):
    assert two.append_readings("acme", readings([])) == 0
    assert two.append_parts("acme", parts([])) == 0
    assert two.append_events("acme", events([])) == 0


def test_resending_a_batch_inserts_nothing(two):
    batch = readings(range(50))
    two.append_readings("acme", batch)
    assert two.append_readings("acme", batch) == 0
    assert two.count_rows("acme", "readings") == 50


def test_a_partly_overlapping_batch_inserts_only_the_new_rows(two):
    two.append_readings("acme", readings(range(0, 50)))
    assert two.append_readings("acme", readings(range(40, 70))) == 20
    assert two.count_rows("acme", "readings") == 70


def test_a_resent_key_keeps_the_first_value(two):
    two.append_readings("acme", readings([5], values=[1.0]))
    assert two.append_readings("acme", readings([5, 6], values=[99.0, 2.0])) == 1
    assert two.query_readings("acme", T0, at(10))["value"].to_pylist() == [1.0, 2.0]


def test_a_batch_inside_the_stored_range_with_new_keys_is_inserted(two):
    # Same times, different signal: the key differs, so nothing collides although the time range overlaps.
    two.append_readings("acme", readings(range(10), signal="temp"))
    assert two.append_readings("acme", readings(range(10), signal="load")) == 10
    assert two.append_readings("acme", readings(range(10), machine="M2", signal="temp")) == 10


def test_part_records_are_idempotent_on_machine_time_and_part_id(two):
    first = parts([{"t": 0, "part_id": "P1"}, {"t": 1, "part_id": "P2"}])
    assert two.append_parts("acme", first) == 2
    again = parts(
        [
            {"t": 1, "part_id": "P2"},  # stored already
            {"t": 1, "part_id": "P3"},  # same time, another part
            {"t": 1, "part_id": "P2", "machine_id": "M2"},  # same part id on another machine
        ]
    )
    assert two.append_parts("acme", again) == 2
    assert two.count_rows("acme", "part_records") == 4


def test_events_are_idempotent_on_machine_and_start(two):
    assert two.append_events("acme", events([("M1", 0, 60, "running"), ("M1", 60, None, "down")])) == 2
    assert two.append_events("acme", events([("M1", 60, None, "down"), ("M2", 60, 90, "idle")])) == 1
    assert two.count_rows("acme", "machine_events") == 3


def test_part_record_fields_round_trip_including_nulls_and_korean_text(two):
    batch = parts(
        [
            {
                "t": 0.000001,
                "part_id": "P-1",
                "lot_id": "로트-7",
                "result": "ng",
                "defect_type": "버",
                "params": {"속도": 1200.5},
                "measures": {"dia": 9.99},
            },
            {"t": 2, "part_id": 'P,2 "quoted"\nline', "product": None},
            {"t": 3, "part_id": "P3", "product": ""},
        ]
    )
    two.append_parts("acme", batch)
    assert two.query_parts("acme", T0, at(10)).equals(batch)


def test_event_fields_round_trip_including_open_ends(two):
    batch = events([("M1", 0, 30.5, "down", "E-12", "스핀들 과열"), ("M1", 30.5, None, "setup")])
    two.append_events("acme", batch)
    assert two.query_events("acme", T0, at(100)).equals(batch)


def test_200k_readings_round_trip_exactly(two):
    rng = np.random.default_rng(7)
    n = 200_000
    # Microsecond times over a day, several machines and signals, values of full double precision.
    us = np.int64(T0.timestamp() * 1e6) + np.sort(rng.choice(86_400_000_000, size=n, replace=False))
    batch = pa.table(
        {
            "time": pa.array(us, pa.timestamp("us", tz="UTC")),
            "machine_id": pa.array(np.array(["M1", "M2", "M10"])[rng.integers(0, 3, n)]),
            "signal": pa.array(np.array(["temp", "온도", "vib_rms"])[rng.integers(0, 3, n)]),
            "value": rng.normal(0, 1e3, n) * 10.0 ** rng.integers(-12, 12, n),
        },
        schema=READING_SCHEMA,
    )
    assert two.append_readings("acme", batch) == n
    got = two.query_readings("acme", T0, T0 + DAY)
    expected = batch.sort_by([("time", "ascending"), ("machine_id", "ascending"), ("signal", "ascending")])
    assert got.schema == READING_SCHEMA
    assert got.equals(expected)


def test_appends_from_several_threads_all_land(two):
    def send(i: int) -> None:
        for j in range(5):
            two.append_readings("acme", readings(np.arange(200) + 1000 * (5 * i + j), machine="M1"))
            two.query_readings("acme", T0, at(10))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert two.count_rows("acme", "readings") == 4 * 5 * 200


def test_a_refused_duplicate_leaves_the_store_writing(two):
    """A user or model version refused as a duplicate once left a statement's result open on DuckDB's shared
    connection, and every later batch failed to register (HTTP 500 on any company's ingest)."""
    from sandan.domain import Conflict, Role, User
    from tests.store.test_store_models import version

    two.add_user(User(id="kim", role=Role.engineer, company_id="acme"), "h1")
    with pytest.raises(Conflict):
        two.add_user(User(id="kim", role=Role.viewer, company_id="acme"), "h2")
    assert two.append_readings("beta", readings(range(10))) == 10
    two.add_model_version("acme", version())
    with pytest.raises(Conflict):
        two.add_model_version("acme", version())
    assert two.append_readings("acme", readings(range(10))) == 10
