"""Contract: part counts per time bucket equal counting the records themselves — from the hourly rollup the stores
keep at ingest, across partial hours at the window's edges, resent and overlapping batches, and tenants."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tests.store.data import T0, at, parts

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _records(n: int, seed: int = 7, machines=("M1", "M2"), span_s: float = 5 * 3600):
    """n parts at random times over `span_s` seconds after T0, on two machines, two products and none, 10 % scrap."""
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0, span_s, size=n)).round(3)
    return [
        {
            "t": float(t),
            "part_id": f"P{i}",
            "machine_id": machines[i % len(machines)],
            "product": ("shaft", "gear", None)[i % 3],
            "result": "ng" if rng.random() < 0.1 else "ok",
        }
        for i, t in enumerate(times)
    ]


def _expected(store, company, start, end, bucket_s, machine_ids=None):
    """What count_parts promises, from the records themselves."""
    table = store.query_parts(
        company, start, end, machine_ids, columns=["time", "machine_id", "product", "result"]
    )
    produced, good = Counter(), Counter()
    for r in table.to_pylist():
        us = (r["time"] - EPOCH) // timedelta(microseconds=1)
        bucket = max(EPOCH + timedelta(microseconds=us // (bucket_s * 10**6) * bucket_s * 10**6), start)
        key = (bucket, r["machine_id"], r["product"] or None)
        produced[key] += 1
        good[key] += r["result"] == "ok"
    return sorted(
        ((*k, produced[k], good[k]) for k in produced), key=lambda row: (row[0], row[1], row[2] or "")
    )


def _counted(store, company, start, end, bucket_s, machine_ids=None):
    rows = store.count_parts(company, start, end, bucket_s, machine_ids).to_pylist()
    return [(r["time"], r["machine_id"], r["product"], r["produced"], r["good"]) for r in rows]


@pytest.mark.parametrize("bucket_s", [3600, 7200, 900, 60])
def test_counts_equal_counting_the_records_also_across_partial_hours(two, bucket_s):
    two.append_parts("acme", parts(_records(3000)))
    windows = [
        (T0, at(5 * 3600)),  # whole hours only
        (at(1234.5), at(4 * 3600 + 77)),  # partial first and last hour
        (at(600), at(1800)),  # inside one hour
        (T0 - timedelta(days=1), T0 + timedelta(days=1)),
    ]
    for start, end in windows:
        assert _counted(two, "acme", start, end, bucket_s) == _expected(two, "acme", start, end, bucket_s)
    start, end = at(1234.5), at(4 * 3600 + 77)
    assert _counted(two, "acme", start, end, bucket_s, ["M2"]) == _expected(
        two, "acme", start, end, bucket_s, ["M2"]
    )


def test_counts_stay_exact_when_batches_are_resent_or_overlap(two):
    records = _records(2000)
    two.append_parts("acme", parts(records[:1200]))
    assert two.append_parts("acme", parts(records[:1200])) == 0  # resent whole
    assert two.append_parts("acme", parts(records[1000:])) == 800  # overlapping
    window = (T0, at(5 * 3600))
    rows = _counted(two, "acme", *window, 3600)
    assert sum(r[3] for r in rows) == 2000
    assert sum(r[4] for r in rows) == sum(r["result"] == "ok" for r in records)
    assert rows == _expected(two, "acme", *window, 3600)


def test_counts_are_per_company(two):
    two.append_parts("acme", parts(_records(300)))
    window = (T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert _counted(two, "beta", *window, 3600) == []
    two.append_parts("beta", parts(_records(50, seed=3)))
    assert sum(r[3] for r in _counted(two, "beta", *window, 3600)) == 50
    assert sum(r[3] for r in _counted(two, "acme", *window, 3600)) == 300


def test_a_bad_bucket_is_refused(two):
    from sandan.domain import InvalidInput

    with pytest.raises(InvalidInput):
        two.count_parts("acme", T0, at(60), 0)


def test_scrap_is_read_without_the_good_parts(two):
    records = _records(500)
    two.append_parts("acme", parts(records))
    scrap = two.query_parts("acme", T0, at(5 * 3600), result="ng", columns=["time", "machine_id", "part_id"])
    assert scrap.column_names == ["time", "machine_id", "part_id"]
    assert scrap["part_id"].to_pylist() == [r["part_id"] for r in records if r["result"] == "ng"]
    assert two.query_parts("acme", T0, at(5 * 3600), ["M1"], result="ng").num_rows == sum(
        r["result"] == "ng" and r["machine_id"] == "M1" for r in records
    )


def test_a_companys_first_and_last_part_are_its_own_and_exact(two):
    """Read through the hourly counts (the views across companies ask it of every member): the same as the records'
    own minimum and maximum, to the microsecond, at hour edges too."""
    edges = [{"t": 0.0, "part_id": "a"}, {"t": 3599.999999, "part_id": "b"}, {"t": 7200.0, "part_id": "c"}]
    rows = _records(300, span_s=10 * 3600) + edges + [{"t": 10 * 3600 + 0.5, "part_id": "z"}]
    two.append_parts("acme", parts(rows))
    two.append_parts("beta", parts([{"t": -86400.0, "part_id": "early"}, {"t": 86400.0, "part_id": "late"}]))
    assert two.record_span("acme", "part_records") == (at(0), at(10 * 3600 + 0.5))
    assert two.record_span("beta", "part_records") == (at(-86400), at(86400))
    assert two.record_span("gamma", "part_records") is None
