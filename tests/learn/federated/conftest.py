"""Small virtual federations over AI4I 2020 for the federated tests (real data, split over companies)."""

from __future__ import annotations

import pandas as pd
import pytest

from sandan.learn.federated import Schema, split_non_iid
from tests.conftest import require_dataset

SCHEMA = Schema(
    "Machine failure",
    "1",
    [
        "Air temperature [K]",
        "Process temperature [K]",
        "Rotational speed [rpm]",
        "Torque [Nm]",
        "Tool wear [min]",
    ],
    {"Type": ["L", "M", "H"]},
)
ROW_VALUED = [
    "Air temperature [K]",
    "Process temperature [K]",
    "Rotational speed [rpm]",
    "Torque [Nm]",
    "Tool wear [min]",
]


@pytest.fixture(scope="session")
def ai4i() -> pd.DataFrame:
    return pd.read_csv(require_dataset("ai4i2020") / "ai4i2020.csv")


@pytest.fixture(scope="session")
def companies(ai4i) -> dict[str, pd.DataFrame]:
    """Three companies with different product mixes and sizes (1,800 of the 10,000 cycles)."""
    plan = {
        "alpha": {"L": 700, "M": 200, "H": 100},
        "beta": {"L": 200, "M": 300, "H": 50},
        "gamma": {"L": 100, "M": 100, "H": 50},
    }
    return split_non_iid(ai4i, "Type", plan, seed=1)
