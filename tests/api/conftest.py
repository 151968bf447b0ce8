"""Fixtures for the API tests: the real app on a fresh DuckDB file, seeded with two companies.

The seeded file is built once and copied for each test, which is much cheaper than migrating and seeding again.
"""

from __future__ import annotations

import shutil

import pytest

from sandan.store import open_store
from tests.api.world import make_world, seed


@pytest.fixture(scope="session")
def seeded_duckdb(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "sandan.duckdb"
    with open_store(f"duckdb:///{path}") as store:
        seed(store)
    return path


@pytest.fixture
def world(tmp_path, seeded_duckdb):
    shutil.copy(seeded_duckdb, tmp_path / "sandan.duckdb")
    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    w = make_world(store, tmp_path, seeded=True)
    with w.client:
        yield w
    store.close()
