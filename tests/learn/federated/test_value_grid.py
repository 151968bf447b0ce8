"""The federation's value grid (`TreeBagging(grid_per_sd=…)`): every threshold a company ships lies half-way
between two points of a grid made from the federation's summed moments (so on the grid at half its step), never
at one of the company's own values."""

from __future__ import annotations

import numpy as np
import pytest

from sandan.learn.federated import CompanyClient, InProcessTransport, TreeBagging
from sandan.learn.federated.client import on_grid
from sandan.learn.federated.protocol import decode
from tests.learn.federated.conftest import SCHEMA


def test_shipped_thresholds_sit_between_grid_points(companies):
    clients = [CompanyClient(c, f, SCHEMA) for c, f in companies.items()]
    wire = []
    transport = InProcessTransport(clients, record=lambda *a: wire.append(a))
    model = TreeBagging(rounds=3, local_rounds=2, patience=2, grid_per_sd=32).run(transport, SCHEMA)
    transport.close()
    grids = [decode(b).arrays for d, _, t, b in wire if d == "down" and t == "trees"]
    assert grids and all("grid_centre" in g for g in grids)
    centre, step = grids[0]["grid_centre"], grids[0]["grid_step"]
    assert all(np.array_equal(g["grid_step"], step) for g in grids)  # one grid for the whole federation
    ups = [decode(b).arrays for d, _, t, b in wire if d == "up" and t == "trees"]
    thresholds, features = [], []
    for arrays in ups:
        thresholds += list(arrays["threshold"])
        features += list(arrays["split_feature"])
    t, f = np.array(thresholds), np.array(features)
    # Numeric columns only (categories are codes), and not LightGBM's own split of zero from the rest.
    data = (np.abs(t) > 1e-30) & (step[f] > 0)
    assert data.sum() > 10
    k = (t[data] - centre[f[data]]) / step[f[data]]
    # Half-way between the two grid points a company's values occupy on either side: a half step of the grid.
    assert np.allclose(2 * k, np.round(2 * k), atol=1e-6)
    assert (np.abs(k - np.round(k)) > 0.25).any()
    assert model.arrays["tree_nodes"].sum() > 0


def test_a_grid_of_the_wrong_width_is_refused():
    X = np.zeros((3, 4))
    with pytest.raises(ValueError, match="value grid for 2 columns"):
        on_grid(X, {"grid_centre": np.zeros(2), "grid_step": np.ones(2)})
