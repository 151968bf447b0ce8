"""Sending data in and reading it back: receipts, raw readings, aggregates, part records, events, time windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.world import assert_error

BASE = "/api/v1/companies/acme"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _readings(n: int, machine: str = "m1", signal: str = "temp") -> list[dict]:
    return [
        {
            "time": (T0 + timedelta(seconds=10 * i)).isoformat(),
            "machine_id": machine,
            "signal": signal,
            "value": 20 + i,
        }
        for i in range(n)
    ]


def test_readings_receipt_counts_accepted_duplicates_and_rejects(world):
    batch = _readings(3) + [{"time": "not a time", "machine_id": "m1", "signal": "temp", "value": 1}]
    r = world.post("a-eng", f"{BASE}/ingest/readings", json=batch)
    assert r.status_code == 200, r.text
    receipt = r.json()
    assert (receipt["received"], receipt["accepted"], receipt["rejected"]) == (4, 3, 1)
    assert receipt["source"] == "api:a-eng"
    assert receipt["issues"][0]["code"] == "bad_time" and receipt["issues"][0]["message"]["ko"]
    again = world.post("a-eng", f"{BASE}/ingest/readings", json=_readings(3)).json()
    assert (again["accepted"], again["duplicates"]) == (0, 3)


def test_register_signals_flag_defines_new_signals(world):
    batch = [
        {"time": T0.isoformat(), "machine_id": "m1", "signal": "vibration", "value": 0.3, "unit": "mm/s"}
    ]
    refused = world.post("a-eng", f"{BASE}/ingest/readings", json=batch).json()
    assert refused["rejected"] == 1
    r = world.post("a-eng", f"{BASE}/ingest/readings", params={"register_signals": "true"}, json=batch).json()
    assert r["accepted"] == 1 and r["signals_registered"] == ["m1/vibration"]


def test_naive_times_take_the_timezone_parameter(world):
    batch = [{"time": "2026-03-02 17:00:00", "machine_id": "m1", "signal": "temp", "value": 1}]
    r = world.post("a-eng", f"{BASE}/ingest/readings", params={"timezone": "Asia/Seoul"}, json=batch).json()
    assert r["accepted"] == 1
    rows = world.get(
        "a-view",
        f"{BASE}/machines/m1/readings",
        params={"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()},
    ).json()["rows"]
    assert rows == [{"time": "2026-03-02T08:00:00Z", "signal": "temp", "value": 1.0}]


def test_a_gateways_day_month_dates_are_read_as_the_date_order_parameter_says(world):
    """A small batch cannot settle 05/12/2026 itself: without the order it is quarantined, never guessed."""
    batch = [{"time": "05/12/2026 17:00", "machine_id": "m1", "signal": "temp", "value": 1}]
    unsure = world.post(
        "a-eng", f"{BASE}/ingest/readings", params={"timezone": "Asia/Seoul"}, json=batch
    ).json()
    assert unsure["reasons"] == {"ambiguous_date": 1}
    assert (
        "date_order" in unsure["issues"][0]["message"]["en"]
        and "날짜 순서" in unsure["issues"][0]["message"]["ko"]
    )
    for order, day in (("dmy", "2026-12-05T08:00:00Z"), ("mdy", "2026-05-12T08:00:00Z")):
        got = world.post(
            "a-eng",
            f"{BASE}/ingest/readings",
            params={"timezone": "Asia/Seoul", "date_order": order},
            json=batch,
        ).json()
        assert got["accepted"] == 1, got
        window = {"start": day, "end": day.replace("08:00", "09:00")}
        rows = world.get("a-view", f"{BASE}/machines/m1/readings", params=window).json()["rows"]
        assert [r["time"] for r in rows] == [day]
    err = assert_error(
        world.post("a-eng", f"{BASE}/ingest/parts", params={"date_order": "ymd"}, json=[]),
        422,
        "invalid_request",
    )
    assert err["where"]["field"] == "query.date_order"


def test_ingest_body_must_be_a_list_of_objects(world):
    err = assert_error(
        world.post("a-eng", f"{BASE}/ingest/parts", json={"time": "x"}), 422, "invalid_request"
    )
    assert err["where"]["field"] == "body"


def test_parts_and_events_roundtrip(world):
    parts = [
        {
            "time": (T0 + timedelta(minutes=i)).isoformat(),
            "machine_id": "m1",
            "part_id": f"P{i}",
            "result": "NG" if i == 2 else "양품",
            "defect_type": "crack" if i == 2 else None,
            "params": {"force_kN": 800 + i},
            "measures": {"height_mm": 12.1},
        }
        for i in range(3)
    ]
    receipt = world.post("a-eng", f"{BASE}/ingest/parts", json=parts).json()
    assert receipt["accepted"] == 3, receipt
    window = {"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()}
    page = world.get("a-view", f"{BASE}/parts", params={**window, "limit": 2, "offset": 1}).json()
    assert [p["part_id"] for p in page["rows"]] == ["P1", "P2"]
    assert page["rows"][1]["result"] == "ng" and page["rows"][1]["defect_type"] == "crack"
    assert page["rows"][0]["params"] == {"force_kN": 801.0} and page["rows"][0]["measures"] == {
        "height_mm": 12.1
    }
    events = [
        {
            "machine_id": "m1",
            "start": T0.isoformat(),
            "end": (T0 + timedelta(minutes=5)).isoformat(),
            "state": "down",
            "reason_code": "E12",
        },
        {"machine_id": "m1", "start": (T0 + timedelta(minutes=5)).isoformat(), "state": "running"},
    ]
    assert world.post("a-eng", f"{BASE}/ingest/events", json=events).json()["accepted"] == 2
    got = world.get("a-view", f"{BASE}/events", params=window).json()["rows"]
    assert [(e["state"], e["reason_code"], e["end"] is None) for e in got] == [
        ("down", "E12", False),
        ("running", None, True),
    ]


def test_readings_query_filters_caps_and_says_so(world):
    world.post(
        "a-eng",
        f"{BASE}/ingest/readings",
        params={"register_signals": "true"},
        json=_readings(5) + _readings(5, signal="rpm"),
    )
    window = {"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()}
    r = world.get(
        "a-view", f"{BASE}/machines/m1/readings", params={**window, "signal": "rpm", "limit": 3}
    ).json()
    assert [row["signal"] for row in r["rows"]] == ["rpm"] * 3 and r["truncated"] is True
    assert r["rows"][0] == {"time": "2026-03-02T08:00:00Z", "signal": "rpm", "value": 20.0}
    assert world.get("a-view", f"{BASE}/machines/m1/readings", params=window).json()["truncated"] is False


def test_aggregate_returns_columns_per_bucket(world):
    world.post("a-eng", f"{BASE}/ingest/readings", json=_readings(12))  # 2 minutes of 10 s readings
    params = {
        "start": T0.isoformat(),
        "end": (T0 + timedelta(hours=1)).isoformat(),
        "bucket_s": 60,
        "machine_id": "m1",
        "signal": "temp",
    }
    r = world.get("a-view", f"{BASE}/readings/aggregate", params=params)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["rows"] == 2 and body["bucket_s"] == 60
    assert body["columns"] == {
        "bucket": ["2026-03-02T08:00:00Z", "2026-03-02T08:01:00Z"],
        "machine_id": ["m1", "m1"],
        "signal": ["temp", "temp"],
        "avg": [22.5, 28.5],
        "min": [20.0, 26.0],
        "max": [25.0, 31.0],
        "count": [6, 6],
    }


def test_default_window_is_recent(world):
    recent = [
        {
            "time": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "machine_id": "m1",
            "signal": "temp",
            "value": 7,
        }
    ]
    world.post("a-eng", f"{BASE}/ingest/readings", json=recent + _readings(1))
    assert [row["value"] for row in world.get("a-view", f"{BASE}/machines/m1/readings").json()["rows"]] == [
        7.0
    ]
    assert world.get("a-view", f"{BASE}/readings/aggregate").json()["columns"]["count"] == [1]


def test_window_with_end_before_start_is_refused(world):
    params = {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T08:00:00Z"}
    err = assert_error(world.get("a-view", f"{BASE}/parts", params=params), 422, "bad_window")
    assert "must be after start" in err["message"]["en"] and "뒤여야" in err["message"]["ko"]


def test_time_without_zone_is_refused_and_an_unencoded_plus_is_understood(world):
    err = assert_error(
        world.get("a-view", f"{BASE}/events", params={"start": "2026-03-02T08:00:00"}), 422, "naive_time"
    )
    assert err["where"] == {"field": "start"}
    # '+09:00' typed into a URL without encoding arrives as ' 09:00'
    r = world.client.get(
        f"{BASE}/events?start=2026-03-02T17:00:00+09:00&end=2026-03-02T18:00:00+09:00",
        headers=world.auth("a-view"),
    )
    assert r.status_code == 200 and r.json()["start"] == "2026-03-02T08:00:00Z"


def test_an_empty_batch_is_said_to_hold_no_records(world):
    err = assert_error(world.post("a-eng", f"{BASE}/ingest/readings", json=[]), 422, "no_records")
    assert "no readings records" in err["message"]["en"] and "기록이 없습니다" in err["message"]["ko"]


def test_a_day_that_does_not_exist_is_named_in_a_query_time(world):
    # "is not an ISO 8601 time" for a time written in ISO 8601, whose day February has not
    err = assert_error(
        world.get("a-view", f"{BASE}/events", params={"start": "2026-02-30T00:00:00Z"}), 422, "bad_time"
    )
    assert "day 30 (2026-02 has 28 days)" in err["message"]["en"] and "2월은 28일까지" in err["message"]["ko"]
    assert err["where"] == {"field": "start"}
    # a time of 1900 that is 1899 in UTC says so
    err = assert_error(
        world.get("a-view", f"{BASE}/events", params={"start": "1900-01-01T00:00:00+09:00"}), 422, "bad_time"
    )
    assert "(in UTC 1899-12-31 15:00)" in err["message"]["en"] and "UTC로 1899-12-31" in err["message"]["ko"]


def test_readings_of_an_unknown_machine_are_404(world):
    assert_error(world.get("a-view", f"{BASE}/machines/m404/readings"), 404, "unknown_machine")
    # the aggregate too (it answered 200 with no rows)
    r = world.get("a-view", f"{BASE}/readings/aggregate", params={"machine_id": ["m1", "m404"]})
    assert assert_error(r, 404, "unknown_machine")["where"]["machine_id"] == "m404"


def test_sub_second_times_keep_their_fraction(world):
    batch = [{"time": "2026-03-02T08:00:00.25Z", "machine_id": "m1", "signal": "temp", "value": 1}]
    world.post("a-eng", f"{BASE}/ingest/readings", json=batch)
    params = {"start": T0.isoformat(), "end": (T0 + timedelta(minutes=1)).isoformat()}
    rows = world.get("a-view", f"{BASE}/machines/m1/readings", params=params).json()["rows"]
    assert rows[0]["time"] == "2026-03-02T08:00:00.250000Z"


def test_aggregate_of_an_empty_window_has_empty_columns(world):
    body = world.get("a-view", f"{BASE}/readings/aggregate", params={"start": T0.isoformat()}).json()
    assert body["rows"] == 0 and body["columns"]["bucket"] == [] and body["columns"]["avg"] == []
    assert body["start"] == "2026-03-02T08:00:00Z"
