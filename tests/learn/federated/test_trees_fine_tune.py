"""A company's fine-tune of the federated trees: done on its side from its own rows, nothing crosses the wire; a
company whose failures follow a rule the others do not share gets local trees that help it on rows it never saw,
and a company that fits the federation adopts it as it is or nearly so."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import log_loss

from sandan.learn.federated import CompanyClient, FedAvg, InProcessTransport, TreeBagging
from sandan.learn.federated.trees import TreePack, checked_arrays
from tests.learn.federated.conftest import SCHEMA


def _own_rule(frame):
    """The same machines, but this company also scraps every cycle past 190 min of tool wear."""
    frame = frame.copy()
    worn = frame["Tool wear [min]"] > 190
    frame["Machine failure"] = np.where(worn, 1, frame["Machine failure"])
    return frame


def _pack(arrays):
    return TreePack(checked_arrays({k: v for k, v in arrays.items() if k != "base"}))


def test_fine_tune_adds_local_trees_where_a_company_differs_and_sends_nothing(companies, ai4i):
    held = set().union(*(set(map(tuple, f[SCHEMA.features].to_numpy())) for f in companies.values()))
    free = ai4i[[tuple(r) not in held for r in ai4i[SCHEMA.features].to_numpy()]]
    own = _own_rule(free.iloc[:800].reset_index(drop=True))
    unseen = _own_rule(free.iloc[800:2800].reset_index(drop=True))
    frames = {**companies, "delta": own}
    clients = [CompanyClient(c, f, SCHEMA) for c, f in frames.items()]
    wire = []
    transport = InProcessTransport(clients, record=lambda *a: wire.append(a))
    model = TreeBagging(rounds=6, local_rounds=3, patience=3).run(transport, SCHEMA)
    transport.close()
    crossed = len(wire)
    tuned = {c.company: c.fine_tune(model) for c in clients}
    assert len(wire) == crossed  # the fine-tune is the company's own work: nothing is sent or received
    delta = next(c for c in clients if c.company == "delta")
    assert 1 <= delta.local_trees <= 40
    mine = tuned["delta"]
    # The shared trees are kept (weighed by the company's blend weight); the company's own trees come after them.
    shared, own_pack = _pack(model.arrays), _pack(mine.arrays)
    assert delta.blend in (1.0, 0.5)
    shared.arrays["tree_weight"] = shared.arrays["tree_weight"] * delta.blend
    assert shared.prefix_of(own_pack)
    assert own_pack.n_trees == shared.n_trees + delta.local_trees
    # Its own trees may read extra derived columns of its own, after the federation's (which the shared trees read).
    assert mine.schema.derived[: len(model.schema.derived)] == model.schema.derived
    assert set(mine.thresholds) == {"delta"} and 0 < mine.threshold_for("delta") < 1
    # On its own rows it never saw, the company's version fits its failures better than the shared model.
    y = SCHEMA.labels(unseen)
    assert log_loss(y, mine.predict_proba(unseen)) < 0.9 * log_loss(y, model.predict_proba(unseen))
    # A company with no local trees uses the federated model unchanged.
    for c in clients:
        if c.local_trees == 0:
            assert tuned[c.company] is model


def test_a_linear_model_is_adopted_as_it_is(companies):
    clients = [CompanyClient(c, f, SCHEMA) for c, f in companies.items()]
    transport = InProcessTransport(clients)
    model = FedAvg(rounds=2).run(transport, SCHEMA)
    transport.close()
    assert all(c.fine_tune(model) is model and c.local_trees == 0 for c in clients)
