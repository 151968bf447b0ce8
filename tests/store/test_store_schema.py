"""Contract: versioned migrations, and data that outlives the process that wrote it."""

from __future__ import annotations

from sandan.store import open_store
from tests.store.data import T0, at, readings


def test_migrate_reports_the_schema_version(store):
    assert store.schema_version() >= 1
    assert store.migrate() == store.schema_version()


def test_migrate_twice_changes_nothing(two):
    two.append_readings("acme", readings([0, 1]))
    version = two.schema_version()
    assert two.migrate() == version
    assert two.count_rows("acme", "readings") == 2


def test_data_persists_after_close_and_reopen(two):
    two.append_readings("acme", readings([0, 1, 2]))
    two.close()
    with open_store(two.url) as again:
        assert again.get_company("acme").name == "acme Co."
        assert again.query_readings("acme", T0, at(10)).num_rows == 3
        assert again.schema_version() >= 1
