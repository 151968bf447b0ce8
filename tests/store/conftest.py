"""Store fixtures: the `store` fixture (both engines, from tests/conftest.py) with two companies registered."""

from __future__ import annotations

import pytest

from tests.store.data import add_company


@pytest.fixture
def two(store):
    """A store holding companies 'acme' and 'beta' (the stores do not require assets for rows)."""
    add_company(store, "acme")
    add_company(store, "beta")
    return store


@pytest.fixture
def plant(two):
    """`two`, where each company also has site S1, line L1 and machines M1, M2."""
    add_company(two, "acme", machines=("M1", "M2"))
    add_company(two, "beta", machines=("M1", "M2"))
    return two
