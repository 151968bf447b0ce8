"""PostgreSQL specifics: clear errors when the server or schema is wrong, safe concurrent migration and writes."""

from __future__ import annotations

import threading

import psycopg
import pytest

from sandan.domain import StoreUnavailable
from sandan.domain.errors import ConfigError
from sandan.store import open_store
from sandan.store.postgres import PostgresStore
from tests.store.data import T0, add_company, at, readings

pytestmark = pytest.mark.postgres


def test_an_unreachable_server_is_store_unavailable_naming_the_url_without_its_password():
    with pytest.raises(StoreUnavailable) as caught:
        PostgresStore("postgresql://sandan:s3cret@127.0.0.1:1/plant", timeout_s=2)
    err = caught.value
    assert "127.0.0.1:1/plant" in err.en and "127.0.0.1:1/plant" in err.ko
    assert "s3cret" not in err.en + err.ko
    assert "PostgreSQL" in err.ko and err.status == 503


def test_a_missing_database_is_store_unavailable(pg_url):
    missing = pg_url.replace("/test?", "/no_such_database_here?")
    with pytest.raises(StoreUnavailable, match="no_such_database_here"):
        open_store(missing)


def test_a_search_path_without_an_existing_schema_is_a_config_error(pg_url):
    url = pg_url.split("?")[0] + "?options=-csearch_path%3Dno_such_schema"
    with pytest.raises(ConfigError, match="CREATE SCHEMA"):
        open_store(url)


def test_a_fresh_schema_has_version_zero_until_migrated(pg_url):
    with open_store(pg_url, migrate=False) as store:
        assert store.schema_version() == 0
        assert store.migrate() >= 1


def test_stores_migrating_at_once_apply_each_migration_once(pg_url):
    stores = [open_store(pg_url, migrate=False) for _ in range(3)]
    versions: list[int] = []
    threads = [threading.Thread(target=lambda s=s: versions.append(s.migrate())) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(versions) == 3 and len(set(versions)) == 1
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*) = count(DISTINCT version) FROM schema_migrations").fetchone()[0]
    for s in stores:
        s.close()


def test_overlapping_batches_sent_at_once_store_each_key_once_and_counts_add_up(pg_url):
    with open_store(pg_url) as store:
        add_company(store, "acme")
        inserted: list[int] = []
        batches = [
            readings(range(i * 500, i * 500 + 1000)) for i in range(4)
        ]  # each overlaps the next by half
        barrier = threading.Barrier(len(batches))

        def send(batch):
            barrier.wait()
            inserted.append(store.append_readings("acme", batch))

        threads = [threading.Thread(target=send, args=(b,)) for b in batches]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(inserted) == store.count_rows("acme", "readings") == 2500
        assert store.query_readings("acme", T0, at(3000))["time"].to_pylist() == [at(s) for s in range(2500)]


def test_readings_are_indexed_by_their_natural_key_and_by_time(pg_url):
    with open_store(pg_url) as store, psycopg.connect(pg_url) as con:
        indexes = dict(
            con.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'readings'").fetchall()
        )
        assert store.schema_version() >= 1
    assert "UNIQUE" in indexes["readings_key"]
    assert '(company_id, machine_id, signal, "time")' in indexes["readings_key"]
    assert "brin" in indexes["readings_time"]
