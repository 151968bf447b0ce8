"""A complex moves between the stores: a DuckDB instance's backup restores into PostgreSQL, and a PostgreSQL instance
backs up into the same archive, which restores into a DuckDB file — every table's rows the same on the way, the
numbering going on after them, DuckDB's summaries rebuilt."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import duckdb
import psycopg
import pytest

from sandan.accounts import Principal, issue_token, resolve_token
from sandan.domain import InvalidInput, Role, Signal
from sandan.store import QuarantineItem, open_store
from sandan.store.backup import check_backup, cross_tenant_backup, read_manifest, restore_instance
from sandan.store.base import CatalogueEntry, CatalogueScore
from sandan.store.transfer import DUCKDB_DERIVED, SKIPPED, sandan_tables
from tests.store.data import T0, add_company, at, events, parts, readings
from tests.store.test_store_models import predictions, version


def _bad(i: int) -> QuarantineItem:
    return QuarantineItem("file:a.csv", "part", f'{{"row": {i}}}', "bad_value", "bad", "나쁨", {"row": i})


def _populate(store) -> None:
    """Rows in every table a member's work fills, with the values a plain copy gets wrong: NULLs beside empty
    strings, Korean text with commas, quotes and line breaks, NaN, and times to the microsecond."""
    for c in ("acme", "beta"):
        add_company(store, c, machines=("M1", "M2"))
        store.upsert_signals(c, [Signal(company_id=c, machine_id="M1", name="temp", unit="°C", min_value=0)])
        store.append_parts(
            c,
            parts(
                [
                    {
                        "t": i + 0.000123,
                        "part_id": f"{c}-{i}",
                        "result": "ng" if i % 5 == 0 else "ok",
                        "defect_type": '버,\n"flash"' if i % 5 == 0 else None,
                        "lot_id": "" if i % 3 == 0 else f"L{i // 10}",
                        "params": {"melt": 220.5 + i, "note": '가, "나"'},
                    }
                    for i in range(120)
                ]
            ),
        )
        store.append_readings(
            c, readings(range(0, 600, 2), values=[math.nan] + [float(i) for i in range(299)])
        )
        store.append_events(
            c, events([("M1", 0, 600, "running"), ("M2", 100, None, "down", "D1", "금형 교체")])
        )
        store.add_quarantine(c, [_bad(1), _bad(2)])
        store.add_audit(c, f"{c}-eng", "line.put", "L1", "")
        store.put_edge_status(c, "gw", at(5), '{"opcua": "up"}')
        store.add_edge_events(c, "gw", [(at(6), "opcua", "down", '{"en": "refused"}', None)], keep=10)
        store.add_model_version(c, version())
        store.append_predictions(c, predictions(range(10)))
    from sandan.domain import User

    kim = User(id="kim", role=Role.engineer, company_id="acme", name="김 엔지니어")
    store.add_user(kim, "hash")
    issue_token(store, kim, kind="api", ttl=timedelta(days=1))
    entry = CatalogueEntry(0, "cnc", "acme model", "Classifier", "result", ["x"], {}, "/models/x", "")
    entry_id = store.add_catalogue_entry("acme", entry, publisher_named=True, published_by="kim")
    store.put_catalogue_score("beta", CatalogueScore(entry_id, {"f1": 0.8}, 100, "adopted"))


def _norm(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def _rows(table) -> list[tuple]:
    return [tuple(_norm(v) for v in row.values()) for row in table.to_pylist()]


def _duck_tables(path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {
            t: sorted(
                (tuple(_norm(v) for v in row) for row in con.execute(f'SELECT * FROM "{t}"').fetchall()),
                key=repr,
            )
            for t in tables
        }
    finally:
        con.close()


def _pg_tables(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchall()
        ]
        return {
            t: sorted(
                (tuple(_norm(v) for v in row) for row in con.execute(f'SELECT * FROM "{t}"').fetchall()),
                key=repr,
            )
            for t in tables
        }


def test_both_stores_hold_the_same_tables_and_columns_so_an_instance_can_move(pg_url, tmp_path):
    """A migration that adds a table or column to one store only would break moving a complex: this fails first."""
    with open_store(f"duckdb:///{tmp_path / 'a.duckdb'}"), open_store(pg_url):
        pass
    con = duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)
    duck = {}
    for t, c in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN "
        "(SELECT table_name FROM duckdb_tables()) ORDER BY table_name, column_index"
    ).fetchall():
        duck.setdefault(t, []).append(c)
    con.close()
    pg = {}
    with psycopg.connect(pg_url) as conn:
        for t, c in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "ORDER BY table_name, ordinal_position"
        ).fetchall():
            pg.setdefault(t, []).append(c)
    assert sorted(set(duck) - set(pg)) == sorted(DUCKDB_DERIVED)
    assert set(pg) <= set(duck)
    for table in set(pg) - set(SKIPPED):
        assert pg[table] == duck[table], table


def test_a_duckdb_backup_restores_into_postgresql_and_a_postgresql_backup_back_into_duckdb(pg_url, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "sandan.toml").write_text("port = 8601\n")
    source = data / "sandan.duckdb"
    with open_store(f"duckdb:///{source}") as store:
        _populate(store)
        scrap = store.query_parts("acme", T0, at(600), result="ng")
        minutes = _rows(store.aggregate_readings("beta", T0, at(600), 60))
        archive, _ = cross_tenant_backup(store, data, tmp_path / "duck.tar")
    original = _duck_tables(source)
    assert [t for t, rows in original.items() if not rows] == []  # every table is exercised

    # into PostgreSQL: every table's rows the same, no DuckDB file left, the folder's files there; another
    # program's table in the same schema is left alone
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE other_app (x integer); INSERT INTO other_app VALUES (7)")
    moved = tmp_path / "moved"
    manifest, version = restore_instance(archive, moved, store_url=pg_url)
    assert sorted(p.name for p in moved.iterdir()) == ["sandan.toml"]
    in_pg = _pg_tables(pg_url)
    assert set(in_pg) == {*sandan_tables(), *SKIPPED, "other_app"} and in_pg["other_app"] == [(7,)]
    for table in sandan_tables():
        assert in_pg[table] == original[table], table
    with open_store(pg_url) as pg:
        assert version == pg.schema_version()
        assert pg.query_parts("acme", T0, at(600), result="ng").equals(scrap)
        assert _rows(pg.aggregate_readings("beta", T0, at(600), 60)) == minutes
        old = {q["id"] for q in pg.list_quarantine("acme")}
        pg.add_quarantine("acme", [_bad(3)])  # the numbering goes on after the copied ids
        assert min({q["id"] for q in pg.list_quarantine("acme")} - old) > max(old)
        token = issue_token(pg, pg.user_for_login("kim")[0], kind="api", ttl=timedelta(days=1))
        assert isinstance(resolve_token(pg, token), Principal)

        # and back: the PostgreSQL instance's backup holds a DuckDB export, which restores into a DuckDB file
        pg_archive, pg_manifest = cross_tenant_backup(pg, moved, tmp_path / "pg.tar")
        assert (pg_manifest.store, pg_manifest.source) == ("duckdb", "postgresql")
        assert "other_app" not in pg_manifest.tables
        assert read_manifest(pg_archive).tables["part_records"] == 240
        after = _pg_tables(pg_url)
    back = tmp_path / "back"
    restore_instance(pg_archive, back)
    assert check_backup(pg_archive)[1] is not None
    again = _duck_tables(back / "sandan.duckdb")
    for table in sandan_tables():
        assert again[table] == after[table], table
    assert again["part_scrap"] == original["part_scrap"]  # DuckDB's summaries rebuilt from the records
    with open_store(f"duckdb:///{back / 'sandan.duckdb'}") as duck:
        assert duck.query_parts("acme", T0, at(600), result="ng").equals(scrap)
        assert _rows(duck.aggregate_readings("beta", T0, at(600), 60)) == minutes
        old = {q["id"] for q in duck.list_quarantine("acme")}
        duck.add_quarantine("acme", [_bad(4)])
        assert min({q["id"] for q in duck.list_quarantine("acme")} - old) > max(old)


def test_a_restore_into_postgresql_that_holds_data_or_from_a_files_only_archive_is_refused(pg_url, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "sandan.toml").write_text("port = 8601\n")
    with open_store(f"duckdb:///{data / 'sandan.duckdb'}") as store:
        add_company(store, "acme", machines=("M1",))
        archive, _ = cross_tenant_backup(store, data, tmp_path / "duck.tar")
    files_only, _ = cross_tenant_backup(None, data, tmp_path / "files.tar")
    with pytest.raises(InvalidInput, match="data folder only"):
        restore_instance(files_only, tmp_path / "a", store_url=pg_url)
    with pytest.raises(InvalidInput, match="must be a PostgreSQL URL"):
        restore_instance(archive, tmp_path / "b", store_url=f"duckdb:///{tmp_path / 'x.duckdb'}")

    with open_store(pg_url) as pg:
        add_company(pg, "other")  # another instance's data
    with pytest.raises(
        InvalidInput, match=r"already holds sandan data \(rows per table: \{'companies': 1\}\)"
    ):
        restore_instance(archive, tmp_path / "c", store_url=pg_url)
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())
    with open_store(pg_url) as pg:
        assert [c.id for c in pg.cross_tenant_companies()] == ["other"]


def test_a_long_row_a_nul_character_and_another_programs_tables_are_handled_with_a_message(pg_url, tmp_path):
    """Found in review: a 2 MB quarantined payload stopped every backup of a PostgreSQL instance; a NUL in a text
    value failed the move with a traceback; the restore renumbered another program's identity column; a schema
    holding another program's table of a sandan name failed with a traceback; a mistyped URL printed its password."""
    with open_store(pg_url) as pg:
        add_company(pg, "acme")
        pg.add_quarantine(
            "acme", [QuarantineItem("api", "part", "x" * 3_000_000, "bad_value", "bad", "나쁨", {})]
        )
        archive, manifest = cross_tenant_backup(pg, tmp_path, tmp_path / "long.tar")
    assert manifest.tables["quarantine"] == 1
    restore_instance(archive, tmp_path / "r")
    with open_store(f"duckdb:///{tmp_path / 'r' / 'sandan.duckdb'}") as duck:
        (item,) = duck.list_quarantine("acme")
        assert len(duck.get_quarantine("acme", item["id"])["raw"]) == 3_000_000

    data = tmp_path / "nul"
    data.mkdir()
    with open_store(f"duckdb:///{data / 'sandan.duckdb'}") as store:
        add_company(store, "acme")
        store.add_audit("acme", "kim", "line.put", "L\x001", "")
        nul_archive, _ = cross_tenant_backup(store, data, tmp_path / "nul.tar")
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS clean_target_t")
    fresh = pg_url.rsplit("%3D", 1)[0] + "%3Dclean_target_t"
    try:
        with psycopg.connect(fresh, autocommit=True) as con:
            con.execute("CREATE TABLE jobs (id bigint GENERATED BY DEFAULT AS IDENTITY, x int)")
            con.execute("INSERT INTO jobs (x) SELECT g FROM generate_series(1, 10) g")
            con.execute("DELETE FROM jobs")  # its numbering stays at 10
        with pytest.raises(
            InvalidInput, match="table audit_log holds a text value PostgreSQL cannot store"
        ) as nul:
            restore_instance(nul_archive, tmp_path / "n1", store_url=fresh)
        assert "NUL" in nul.value.ko and not any((tmp_path / "n1").iterdir())
        restore_instance(archive, tmp_path / "n2", store_url=fresh)  # the long row goes in, too
        with psycopg.connect(fresh, autocommit=True) as con:
            assert con.execute("INSERT INTO jobs (x) VALUES (11) RETURNING id").fetchone()[0] == 11
            con.execute("CREATE SCHEMA clash_t; CREATE TABLE clash_t.users (who text)")
        clash = pg_url.rsplit("%3D", 1)[0] + "%3Dclash_t"
        with pytest.raises(InvalidInput, match="cannot take sandan's tables"):
            restore_instance(archive, tmp_path / "n3", store_url=clash)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as con:
            con.execute("DROP SCHEMA IF EXISTS clean_target_t CASCADE; DROP SCHEMA IF EXISTS clash_t CASCADE")
    with pytest.raises(InvalidInput) as typo:
        restore_instance(archive, tmp_path / "n4", store_url="postgresql:/kim:Hunter2@db:5432/sandan")
    assert "Hunter2" not in typo.value.en and "Hunter2" not in typo.value.ko
