"""Contract: time windows are [start, end); aggregates, part pages, event overlaps and the training frame."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from sandan.domain import InvalidInput
from sandan.store.base import AGGREGATE_SCHEMA
from tests.store.data import T0, at, events, parts, readings

HOUR = timedelta(hours=1)


def test_readings_window_includes_start_and_excludes_end(two):
    two.append_readings("acme", readings([9.999999, 10, 15, 20, 20.000001]))
    got = two.query_readings("acme", at(10), at(20))
    assert got["time"].to_pylist() == [at(10), at(15)]


def test_readings_are_ordered_by_time_machine_and_signal(two):
    two.append_readings("acme", readings([1, 0], machine="M2", signal="b"))
    two.append_readings("acme", readings([1, 0], machine="M1", signal="b"))
    two.append_readings("acme", readings([1, 0], machine="M1", signal="a"))
    got = two.query_readings("acme", T0, at(5))
    keys = list(
        zip(got["time"].to_pylist(), got["machine_id"].to_pylist(), got["signal"].to_pylist(), strict=True)
    )
    assert keys == sorted(keys)


def test_readings_are_filtered_by_machine_and_signal_and_limited(two):
    two.append_readings("acme", readings(range(10), machine="M1", signal="temp"))
    two.append_readings("acme", readings(range(10), machine="M2", signal="temp"))
    two.append_readings("acme", readings(range(10), machine="M2", signal="load"))
    assert two.query_readings("acme", T0, at(60), machine_ids=["M2"]).num_rows == 20
    assert two.query_readings("acme", T0, at(60), machine_ids=["M2"], signals=["load"]).num_rows == 10
    assert two.query_readings("acme", T0, at(60), limit=7)["time"].to_pylist() == [at(0)] * 3 + [
        at(1)
    ] * 3 + [at(2)]


def test_window_bounds_in_another_time_zone_mean_the_same_instants(two):
    two.append_readings("acme", readings([0, 1, 2]))
    seoul = ZoneInfo("Asia/Seoul")
    got = two.query_readings("acme", at(1).astimezone(seoul), at(2).astimezone(seoul))
    assert got["time"].to_pylist() == [at(1)]
    assert got.schema.field("time").type.tz == "UTC"


def _expected_aggregates(times_s: np.ndarray, values: np.ndarray, bucket_s: int):
    epoch_us = np.int64(T0.timestamp() * 1e6) + np.round(times_s * 1e6).astype(np.int64)
    bucket_us = (epoch_us // (bucket_s * 1_000_000)) * bucket_s * 1_000_000
    rows = []
    for b in np.unique(bucket_us):
        v = values[bucket_us == b]
        start = datetime.fromtimestamp(0, UTC) + timedelta(microseconds=int(b))
        rows.append((start, v.mean(), v.min(), v.max(), len(v)))
    return rows


@pytest.mark.parametrize("bucket_s", [7, 3600])
def test_aggregates_match_numpy_in_epoch_aligned_buckets(two, bucket_s):
    rng = np.random.default_rng(bucket_s)
    times_s = np.sort(rng.uniform(-300, 7300, 2000))
    values = rng.normal(50, 10, 2000)
    two.append_readings("acme", readings(times_s, values=values))
    got = two.aggregate_readings("acme", at(-1000), at(10_000), bucket_s)
    assert got.schema == AGGREGATE_SCHEMA
    expected = _expected_aggregates(times_s, values, bucket_s)
    assert got["bucket"].to_pylist() == [e[0] for e in expected]
    for name, i in (("avg", 1), ("min", 2), ("max", 3)):
        np.testing.assert_allclose(got[name].to_numpy(), [e[i] for e in expected], rtol=1e-12)
    assert got["count"].to_pylist() == [e[4] for e in expected]


@pytest.mark.parametrize(
    ("window", "bucket_s"), [((-95.5, 7201.25), 60), ((30, 3570), 300), ((-1000, 10_000), 3600)]
)
def test_aggregates_over_windows_off_the_minute_match_the_raw_readings(two, window, bucket_s):
    # DuckDB answers whole minutes from its per-minute rollup and the window's ragged edges from raw readings
    rng = np.random.default_rng(11)
    times_s = np.sort(rng.uniform(-300, 7300, 3000))
    values = rng.normal(50, 10, 3000)
    two.append_readings("acme", readings(times_s, values=values))
    lo, hi = window
    got = two.aggregate_readings("acme", at(lo), at(hi), bucket_s)
    inside = (times_s >= lo) & (times_s < hi)
    expected = _expected_aggregates(times_s[inside], values[inside], bucket_s)
    assert got["bucket"].to_pylist() == [e[0] for e in expected]
    assert got["count"].to_pylist() == [e[4] for e in expected]
    for name, i in (("avg", 1), ("min", 2), ("max", 3)):
        np.testing.assert_allclose(got[name].to_numpy(), [e[i] for e in expected], rtol=1e-12)


def test_resent_and_overlapping_batches_are_not_counted_twice_in_aggregates(two):
    two.append_readings("acme", readings(range(0, 120), values=np.arange(120.0)))
    two.append_readings("acme", readings(range(0, 120), values=np.arange(120.0)))  # resent whole
    two.append_readings("acme", readings(range(60, 180), values=np.arange(60.0, 180.0)))  # half new
    got = two.aggregate_readings("acme", T0, at(180), 60)
    assert got["count"].to_pylist() == [60, 60, 60]
    assert got["avg"].to_pylist() == [29.5, 89.5, 149.5]


def test_minutes_split_between_batches_aggregate_as_one_minute(two):
    # Batch edges fall inside minutes, as a connector's batches do; each minute's figures cover both halves.
    rng = np.random.default_rng(5)
    times_s = np.arange(0.0, 600.0, 0.5)
    values = rng.normal(50, 10, len(times_s))
    for lo, hi in ((0, 95), (95, 130), (130, 131), (131, 600)):
        part = (times_s >= lo) & (times_s < hi)
        two.append_readings("acme", readings(times_s[part], values=values[part]))
    for window, bucket_s in (((0, 600), 60), ((0, 600), 300), ((20.5, 400), 60)):
        got = two.aggregate_readings("acme", at(window[0]), at(window[1]), bucket_s)
        inside = (times_s >= window[0]) & (times_s < window[1])
        expected = _expected_aggregates(times_s[inside], values[inside], bucket_s)
        assert got["count"].to_pylist() == [e[4] for e in expected]
        for name, i in (("avg", 1), ("min", 2), ("max", 3)):
            np.testing.assert_allclose(got[name].to_numpy(), [e[i] for e in expected], rtol=1e-12)


def test_aggregate_buckets_start_on_multiples_of_the_bucket_since_the_unix_epoch(two):
    two.append_readings("acme", readings([0.5, 3]))  # T0 is 08:00 UTC; 7 s buckets do not start there
    got = two.aggregate_readings("acme", T0, at(10), 7)
    assert all(int(b.timestamp()) % 7 == 0 for b in got["bucket"].to_pylist())
    assert got["count"].to_pylist() == [2] or got.num_rows == 2


def test_aggregates_are_grouped_per_machine_and_signal_and_respect_the_window(two):
    two.append_readings("acme", readings([0, 1, 60], machine="M1", values=[1, 3, 100]))
    two.append_readings("acme", readings([0, 1], machine="M2", signal="load", values=[10, 20]))
    got = two.aggregate_readings("acme", T0, at(60), 60)
    assert got.select(["machine_id", "signal", "avg", "count"]).to_pylist() == [
        {"machine_id": "M1", "signal": "temp", "avg": 2.0, "count": 2},
        {"machine_id": "M2", "signal": "load", "avg": 15.0, "count": 2},
    ]
    assert two.aggregate_readings("acme", T0, at(60), 60, signals=["load"]).num_rows == 1


def test_a_bucket_that_is_not_positive_is_refused(two):
    with pytest.raises(InvalidInput):
        two.aggregate_readings("acme", T0, at(60), 0)


PART_IDS = ["P9", "P10", "P_a", "P-b", "P-B"]


def _some_parts(two):
    rows = [{"t": t, "part_id": p, "machine_id": m} for t in (0, 1) for m in ("M2", "M1") for p in PART_IDS]
    two.append_parts("acme", parts(rows))


def test_parts_are_ordered_by_time_then_machine_then_bytewise_part_id(two):
    _some_parts(two)
    got = two.query_parts("acme", T0, at(5))
    keys = list(
        zip(got["time"].to_pylist(), got["machine_id"].to_pylist(), got["part_id"].to_pylist(), strict=True)
    )
    assert keys == sorted(keys)  # Python compares str by code point, i.e. UTF-8 bytes


def test_parts_window_includes_start_and_excludes_end(two):
    two.append_parts("acme", parts([{"t": t, "part_id": f"P{t}"} for t in (0, 1, 2)]))
    assert two.query_parts("acme", at(1), at(2))["part_id"].to_pylist() == ["P1"]


def test_parts_pages_with_limit_and_offset(two):
    _some_parts(two)
    everything = two.query_parts("acme", T0, at(5))["part_id"].to_pylist()
    page = two.query_parts("acme", T0, at(5), limit=4, offset=3)["part_id"].to_pylist()
    assert page == everything[3:7]


def test_parts_offset_without_limit_skips_rows(two):
    _some_parts(two)
    everything = two.query_parts("acme", T0, at(5))["part_id"].to_pylist()
    assert two.query_parts("acme", T0, at(5), offset=15)["part_id"].to_pylist() == everything[15:]


def test_parts_newest_first_puts_the_latest_time_first(two):
    _some_parts(two)
    got = two.query_parts("acme", T0, at(5), newest_first=True, limit=5)
    assert got["time"].to_pylist() == [at(1)] * 5
    assert got["machine_id"].to_pylist() == ["M1"] * 5
    assert got["part_id"].to_pylist() == sorted(PART_IDS)


def test_parts_are_filtered_by_machine(two):
    _some_parts(two)
    assert set(two.query_parts("acme", T0, at(5), machine_ids=["M2"])["machine_id"].to_pylist()) == {"M2"}


def test_events_overlapping_the_window_are_returned_in_start_order(two):
    # Window [08:10, 08:20) as seconds after T0 = 08:00: [600, 1200).
    two.append_events(
        "acme",
        events(
            [
                ("M1", 0, 600, "running"),  # ends exactly at the window start: no overlap
                ("M1", 300, 900, "idle"),  # straddles the start
                ("M2", 700, 800, "down"),  # inside
                ("M2", 800, 800, "setup"),  # zero length, inside
                ("M1", 1100, 1500, "running"),  # straddles the end
                ("M2", 1200, 1300, "idle"),  # starts exactly at the window end: no overlap
                ("M2", 1300, None, "running"),  # open, starts after the window
            ]
        ),
    )
    got = two.query_events("acme", at(600), at(1200))
    assert list(zip(got["machine_id"].to_pylist(), got["state"].to_pylist(), strict=True)) == [
        ("M1", "idle"),
        ("M2", "down"),
        ("M2", "setup"),
        ("M1", "running"),
    ]


def test_an_open_event_that_began_before_the_window_overlaps_it(two):
    two.append_events("acme", events([("M1", 0, None, "down")]))  # still down, no end yet
    got = two.query_events("acme", at(3600), at(7200))
    assert got["state"].to_pylist() == ["down"]
    assert got["end"].to_pylist() == [None]


def test_events_are_filtered_by_machine(two):
    two.append_events("acme", events([("M1", 0, 10, "running"), ("M2", 0, 10, "idle")]))
    assert two.query_events("acme", T0, at(20), machine_ids=["M2"])["state"].to_pylist() == ["idle"]


def test_training_frame_spreads_params_and_measures_into_columns(two):
    two.append_parts(
        "acme",
        parts(
            [
                {
                    "t": 0,
                    "part_id": "P1",
                    "params": {"speed": 1200, "feed": 0.2},
                    "measures": {"dia": 10.01, "speed": 1190},
                },
                {
                    "t": 1,
                    "part_id": "P2",
                    "result": "ng",
                    "defect_type": "burr",
                    "params": {"speed": 1500, "feed": 0.3},
                    "measures": {"dia": 10.2, "speed": 1480},
                },
                {"t": 2, "part_id": "P3", "product": "gear", "params": {"speed": 900, "feed": 0.1}},
            ]
        ),
    )
    frame = two.training_frame("acme", T0, at(10), product="shaft")
    assert list(frame.columns) == [
        "time",
        "machine_id",
        "part_id",
        "lot_id",
        "product",
        "speed",
        "feed",
        "dia",
        "speed_measured",
        "result",
        "defect_type",
    ]
    assert frame.attrs == {"params": ["speed", "feed"], "measures": ["dia", "speed_measured"]}
    assert frame["speed_measured"].tolist() == [1190, 1480]
    assert frame["result"].tolist() == ["ok", "ng"]


def test_training_frame_of_an_empty_window_has_the_identity_columns(two):
    frame = two.training_frame("acme", T0, T0 + HOUR)
    assert frame.empty and "result" in frame.columns and frame.attrs == {"params": [], "measures": []}


def test_part_records_can_be_read_with_only_the_columns_asked_for(two):
    two.append_parts("acme", parts([{"t": t, "part_id": f"p{t}"} for t in (0, 1, 2)]))
    got = two.query_parts("acme", T0, at(60), columns=["time", "result"])
    assert got.column_names == ["time", "result"]
    assert got.num_rows == 3 and got.schema.field("time").type.tz == "UTC"
    with pytest.raises(InvalidInput):
        two.query_parts("acme", T0, at(60), columns=["time", "no_such_column"])
