"""Contract: reading the scrap (result "ng") gives exactly the scrap records, whichever way a store finds them
(DuckDB keeps a scrap table in step with every append; PostgreSQL a partial index), ordered or not."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from sandan.store.duck import DuckDBStore
from tests.store.data import T0, add_company, at, events, parts

SCRAP_COLUMNS = ["time", "machine_id", "part_id", "lot_id", "product", "result", "defect_type"]


def _records(n: int, seed: int = 11):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0, 4 * 3600, size=n)).round(3)
    out = []
    for i, t in enumerate(times):
        ng = rng.random() < 0.15
        out.append(
            {
                "t": float(t),
                "part_id": f"P{i}",
                "machine_id": ("M1", "M2", "M3")[i % 3],
                "lot_id": f"L{i % 4}" if i % 5 else None,
                "product": ("shaft", "gear", None)[i % 3],
                "result": "ng" if ng else "ok",
                "defect_type": ("burr", None)[i % 2] if ng else None,
                "params": {"speed": i},
            }
        )
    return out


def _rows(table):
    return sorted((tuple(r.values()) for r in table.to_pylist()), key=repr)


def _scrap_from_all(store, company, start, end, machine_ids=None, columns=SCRAP_COLUMNS):
    every = store.query_parts(company, start, end, machine_ids, columns=columns)
    keep = [r for r in every.to_pylist() if r["result"] == "ng"] if "result" in columns else None
    return sorted((tuple(r.values()) for r in keep), key=repr)


def test_scrap_reads_equal_filtering_every_record(two):
    records = _records(1500)
    two.append_parts("acme", parts(records[:900]))
    assert two.append_parts("acme", parts(records[:900])) == 0  # resent whole: no scrap counted twice
    assert two.append_parts("acme", parts(records[700:])) == 600  # overlapping
    two.append_parts("beta", parts(_records(200, seed=3)))
    n_ng = sum(r["result"] == "ng" for r in records)
    for start, end, machines in [
        (T0, at(4 * 3600), None),
        (at(1000.5), at(3 * 3600 + 17), None),
        (at(1000.5), at(3 * 3600 + 17), ["M2", "M3"]),
        (T0 - timedelta(days=1), T0 + timedelta(days=1), ["M1"]),
    ]:
        expected = _scrap_from_all(two, "acme", start, end, machines)
        for ordered in (True, False):
            got = two.query_parts(
                "acme", start, end, machines, columns=SCRAP_COLUMNS, result="ng", ordered=ordered
            )
            assert got.column_names == SCRAP_COLUMNS
            assert _rows(got) == expected
    whole = two.query_parts("acme", T0, at(4 * 3600), columns=["time", "part_id"], result="ng")
    assert whole.num_rows == n_ng
    times = whole["time"].to_pylist()
    assert times == sorted(times)  # ordered by default
    newest = two.query_parts("acme", T0, at(4 * 3600), result="ng", newest_first=True, limit=5)
    assert newest["time"].to_pylist() == sorted(times, reverse=True)[:5]
    assert newest["params"].to_pylist()[0] is not None  # every column, from the records themselves
    assert two.query_parts("beta", T0, at(4 * 3600), result="ng").num_rows == sum(
        r["result"] == "ng" for r in _records(200, seed=3)
    )


def test_duckdb_migration_fills_the_scrap_table_from_stored_records(tmp_path):
    path = tmp_path / "old.duckdb"
    store = DuckDBStore(f"duckdb:///{path}")
    store.migrate()
    records = _records(600)
    add_company(store, "acme")
    store.append_parts("acme", parts(records))
    # back to the schema before the scrap table (version 5), with the records in place
    store._con.execute(
        "DROP TABLE part_scrap; DROP TABLE rollup_pending; ALTER TABLE quarantine DROP COLUMN stored; "
        "ALTER TABLE users DROP COLUMN active; DROP TABLE edge_status; ALTER TABLE api_tokens DROP COLUMN last_used_at; "
        "ALTER TABLE catalogue_entries DROP COLUMN withdrawn_at; ALTER TABLE catalogue_entries DROP COLUMN withdrawn_reason; "
        "ALTER TABLE quarantine DROP COLUMN repeats; ALTER TABLE quarantine DROP COLUMN last_received_at; "
        "DROP TABLE edge_events; ALTER TABLE users DROP COLUMN must_change_password"
    )
    store._con.execute("DELETE FROM schema_migrations WHERE version >= 6")
    version = store.migrate()
    assert version >= 6
    got = store.query_parts("acme", T0, at(4 * 3600), columns=SCRAP_COLUMNS, result="ng")
    assert _rows(got) == _scrap_from_all(store, "acme", T0, at(4 * 3600))
    assert got.num_rows == sum(r["result"] == "ng" for r in records)
    store.close()


def test_unordered_event_reads_hold_the_same_events(two):

    rows = [("M1", 0, 600, "running"), ("M2", 300, None, "down", "jam"), ("M1", 600, 1200, "setup")]
    rows += [("M3", 100 * i, 100 * i + 50, "idle") for i in range(20)]
    two.append_events("acme", events(rows))
    for start, end in [(T0, at(3600)), (at(550), at(700))]:
        ordered = two.query_events("acme", start, end)
        unordered = two.query_events("acme", start, end, ordered=False)
        assert ordered.schema == unordered.schema
        assert _rows(unordered) == _rows(ordered)
        assert ordered["start"].to_pylist() == sorted(ordered["start"].to_pylist())


def test_unordered_part_counts_hold_the_same_rows(two):
    two.append_parts("acme", parts(_records(800)))
    for start, end, bucket_s in [(T0, at(4 * 3600), 3600), (at(1000.5), at(3 * 3600 + 17), 900)]:
        ordered = two.count_parts("acme", start, end, bucket_s)
        unordered = two.count_parts("acme", start, end, bucket_s, ordered=False)
        assert ordered.schema == unordered.schema and ordered.num_rows > 0
        assert _rows(unordered) == _rows(ordered)


def test_duckdb_migration_keeps_the_minute_rollup_when_it_drops_its_unique_key(tmp_path):
    """Migration 7 turns the per-minute rollup into append-only partial rows; the rows already there carry over."""
    import numpy as np

    from tests.store.data import readings

    path = tmp_path / "old.duckdb"
    store = DuckDBStore(f"duckdb:///{path}")
    store.migrate()
    add_company(store, "acme")
    times_s = np.arange(0.0, 900.0, 1.0)
    store.append_readings("acme", readings(times_s, values=np.sin(times_s)))
    before = store.aggregate_readings("acme", T0, at(900), 60)
    # back to the version-6 table (with its unique key), holding the same rows
    store._con.execute("CREATE TABLE r6 AS SELECT * FROM readings_1m; DROP TABLE readings_1m")
    store._con.execute(
        "CREATE TABLE readings_1m (company_id VARCHAR NOT NULL, machine_id VARCHAR NOT NULL, signal VARCHAR NOT NULL, "
        "bucket TIMESTAMPTZ NOT NULL, n BIGINT NOT NULL, total DOUBLE NOT NULL, lo DOUBLE NOT NULL, hi DOUBLE NOT NULL, "
        "PRIMARY KEY (company_id, machine_id, signal, bucket)); INSERT INTO readings_1m SELECT * FROM r6; DROP TABLE r6"
    )
    store._con.execute(
        "DROP TABLE rollup_pending; ALTER TABLE quarantine DROP COLUMN stored; ALTER TABLE users DROP COLUMN active; DROP TABLE edge_status; "
        "ALTER TABLE api_tokens DROP COLUMN last_used_at; "
        "ALTER TABLE catalogue_entries DROP COLUMN withdrawn_at; ALTER TABLE catalogue_entries DROP COLUMN withdrawn_reason; "
        "ALTER TABLE quarantine DROP COLUMN repeats; ALTER TABLE quarantine DROP COLUMN last_received_at; DROP TABLE edge_events; "
        "ALTER TABLE users DROP COLUMN must_change_password; DELETE FROM schema_migrations WHERE version >= 7"
    )
    assert store.migrate() >= 7
    assert store.aggregate_readings("acme", T0, at(900), 60).equals(before)
    store.append_readings("acme", readings(times_s[:30] + 900.5, values=times_s[:30]))  # shares minute 15
    after = store.aggregate_readings("acme", T0, at(960), 60)
    assert after["count"].to_pylist() == [60] * 15 + [30]
    store.close()
