"""Realistic part records for the learn tests: three demo companies of the virtual complex, backfilled once.

Two injection moulders (Daesung, Dongyang) share a process family; Hanil (CNC) is of another family.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandan.learn.train import TrainingResult, train_model
from sandan.store import Store, open_store
from sandan.twin.virtual import VirtualComplex, build_demo_complex

COMPANIES = ("daesung-plastics", "dongyang-tech", "hanil-precision")
PUBLISHER, ADOPTER, OTHER_FAMILY = COMPANIES
HOURS = 3.0
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
START = NOW - timedelta(hours=HOURS + 1)


def build_template(folder: Path) -> Path:
    """A DuckDB file holding the three companies' assets, users and HOURS of history up to NOW."""
    path = folder / "sandan.duckdb"
    with open_store(f"duckdb:///{path}") as store:
        complex_ = build_demo_complex(store)
        chosen = [vm for vm in complex_.machines if vm.company_id in COMPANIES]
        VirtualComplex(store, chosen).backfill(HOURS, now=NOW)
    return path


def open_copy(template: Path, folder: Path) -> Store:
    target = folder / "sandan.duckdb"
    shutil.copy(template, target)
    return open_store(f"duckdb:///{target}")


# ---- fixtures (imported by the learn and API tests that need them) -----------------------------------------------

BUDGET_S = 4.0
FOLDS = 3


_BUILT: list[tuple[Path, TrainingResult]] = []


#: What the template's training reported as it went (sandan.learn.progress.Progress).
PROGRESS: list = []


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> tuple[Path, TrainingResult]:
    """The backfilled template store, where the publisher has trained candidate 'defects' version 1.

    Built once per test process even when several test folders import this fixture (each import is its own
    fixture definition to pytest)."""
    if _BUILT:
        return _BUILT[0]
    folder = tmp_path_factory.mktemp("learn-demo")
    path = build_template(folder)
    with open_store(f"duckdb:///{path}") as store:
        result = train_model(
            store,
            PUBLISHER,
            name="defects",
            start=START,
            end=NOW,
            budget_s=BUDGET_S,
            folds=FOLDS,
            user_id="daesung-plastics-admin",
            data_dir=folder / "data",
            progress=PROGRESS.append,
        )
    _BUILT.append((path, result))
    return _BUILT[0]


@pytest.fixture
def plant(demo_template, tmp_path) -> Store:
    """A private copy of the template store for one test."""
    store = open_copy(demo_template[0], tmp_path)
    yield store
    store.close()


@pytest.fixture
def trained(demo_template) -> TrainingResult:
    return demo_template[1]
