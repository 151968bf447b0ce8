"""Federated histogram gradient boosting (HistBoost): trees grown from the companies' summed histograms equal the
trees one holder of every company's rows would grow; through SecAgg+ the server sees masked histograms only and
the model is the same up to quantisation; dropped, garbage and slow companies cost only their own histograms."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from sandan.learn.federated import (
    CompanyClient,
    FederatedModel,
    FederationFailed,
    HistBoost,
    InProcessTransport,
    secagg,
)
from sandan.learn.federated.histboost import best_splits
from sandan.learn.federated.protocol import Payload, encode
from sandan.learn.federated.trees import checked_arrays
from tests.learn.federated.conftest import SCHEMA

# levels with client timeouts: alone, not beside another test worker
pytestmark = pytest.mark.serial

SMALL = {"trees": 4, "depth": 3, "bins": 64, "sketch_bins": 512, "patience": 99}


def _clients(companies):
    return [CompanyClient(c, f, SCHEMA) for c, f in companies.items()]


def _unseen(companies, ai4i):
    unseen = ai4i.iloc[-2000:]
    held = set().union(*(set(map(tuple, f[SCHEMA.features].to_numpy())) for f in companies.values()))
    return unseen[[tuple(r) not in held for r in unseen[SCHEMA.features].to_numpy()]]


def test_the_federation_grows_the_trees_one_holder_of_all_rows_would(companies, ai4i):
    clients = _clients(companies)
    transport = InProcessTransport(clients)
    fed = HistBoost(**SMALL, secure_aggregation=False, derive=False).run(transport, SCHEMA)
    transport.close()
    # One party holding every company's training and validation parts (possible only in a test).
    whole = CompanyClient("all", pd.concat(companies.values(), ignore_index=True), SCHEMA)
    whole._fit_rows = pd.concat([c._fit_rows for c in clients], ignore_index=True)
    whole._val_rows = pd.concat([c._val_rows for c in clients], ignore_index=True)
    whole.y_fit = np.concatenate([c.y_fit for c in clients])
    whole.y_val = np.concatenate([c.y_val for c in clients])
    whole._use([])
    alone = InProcessTransport([whole])
    pooled = HistBoost(**SMALL, secure_aggregation=False, derive=False, min_clients=1).run(alone, SCHEMA)
    alone.close()
    assert fed.arrays["tree_nodes"].sum() > 4  # real trees, not stumps
    for k in ("tree_nodes", "split_feature", "default_left", "left", "right"):
        assert np.array_equal(fed.arrays[k], pooled.arrays[k]), k
    # Bin edges from moments summed in another order: equal to the last bits.
    assert np.allclose(fed.arrays["threshold"], pooled.arrays["threshold"], rtol=1e-12)
    assert np.allclose(fed.arrays["leaf_value"], pooled.arrays["leaf_value"], atol=1e-9)
    unseen = _unseen(companies, ai4i)
    assert np.allclose(fed.predict_proba(unseen), pooled.predict_proba(unseen), atol=1e-9)


def test_histboost_learns_failures_every_company_can_use(companies, ai4i):
    clients = _clients(companies)
    transport = InProcessTransport(clients)
    model = HistBoost(trees=40, patience=8, secure_aggregation=False).run(transport, SCHEMA)
    transport.close()
    assert model.kind == "trees" and set(model.participants) == set(companies)
    assert ["mul", "Rotational speed [rpm]", "Torque [Nm]"] in model.schema.derived
    checked_arrays({k: v for k, v in model.arrays.items() if k != "base"}, model.schema.n_inputs)
    # At most one round per level of each tree (left children only), then one validation round; the kept number
    # of trees (the best validated) is grown again from the start on all rows.
    hist = [r.round for r in model.rounds if r.task == "hist"]
    refit = hist.index(1, hist.index(2))  # where the refit starts again at tree 1
    grown, kept = max(hist[:refit]), max(hist[refit:])
    assert len(hist) <= (grown + kept) * HistBoost().depth
    assert len(model.arrays["tree_nodes"]) == kept <= grown
    unseen = _unseen(companies, ai4i)
    y = SCHEMA.labels(unseen)
    assert roc_auc_score(y, model.predict_proba(unseen)) > 0.9
    assert f1_score(y, model.predict(unseen)) > 0.5
    again = FederatedModel.from_dict(model.to_dict())
    assert np.array_equal(again.predict_proba(unseen), model.predict_proba(unseen))
    assert set(model.thresholds) == set(companies)
    # Each company can fine-tune the shared trees on its own side, as with TreeBagging.
    for client in clients:
        own = client.fine_tune(model)
        assert own.kind == "trees" and len(own.predict_proba(unseen)) == len(unseen)


def test_best_split_finds_the_separating_edge_and_sends_missing_values_the_better_way():
    # One node, one column, 4 bins + missing: rows in bins 0-1 have gradient −1, in bins 2-3 and missing +1.
    G = np.array([[[-5.0, -5.0, 5.0, 5.0, 3.0]]])
    H = np.full_like(G, 2.0)
    N = np.full_like(G, 10.0)
    edges = np.array([[1.0, 2.0, 3.0]])
    s = best_splits(G, H, N, edges, 1.0, 5, 1e-3, 0.0)
    assert s["feature"][0] == 0 and s["threshold"][0] == 2.0 and s["default_left"][0] == 0
    assert s["GL"][0] == -10.0 and s["HL"][0] == 4.0
    # Children smaller than the minimum: no split.
    assert best_splits(G, H, N, edges, 1.0, 30, 1e-3, 0.0)["feature"][0] == -1


def test_secure_histograms_give_the_plain_model_up_to_quantisation(companies, ai4i):
    wire: list = []
    plain = InProcessTransport(_clients(companies))
    inner = InProcessTransport(_clients(companies), record=lambda *a: wire.append(a))
    try:
        a = HistBoost(**SMALL, secure_aggregation=False).run(plain, SCHEMA)
        b = HistBoost(**SMALL).run(inner, SCHEMA)
    finally:
        plain.close()
        inner.close()
    assert b.privacy["secure_aggregation"]["threshold"] == 2
    # No histogram or value count crosses in the clear: only SecAgg+ stage messages.
    assert not [w for w in wire if w[0] == "up" and w[2] in ("hist", "sketch")]
    assert [w for w in wire if w[0] == "up" and w[2] == secagg.TASK]
    unseen = _unseen(companies, ai4i)
    assert np.abs(a.predict_proba(unseen) - b.predict_proba(unseen)).max() < 0.02
    assert np.array_equal(a.arrays["split_feature"][:3], b.arrays["split_feature"][:3])


def test_garbage_and_dropped_histograms_are_refused_with_reasons_and_the_tree_completes(companies):
    transport = InProcessTransport(_clients(companies))

    def garbage(task, request):
        if task == "hist":
            return encode(Payload({"g": np.zeros(3), "h": np.zeros(3), "n": np.zeros(3)}))
        return encode(transport.clients["beta"].handle(task, request))

    def drop(task, request):
        if task == "hist":
            raise ConnectionError("client went away")
        return encode(transport.clients["gamma"].handle(task, request))

    transport.behaviour["beta"], transport.behaviour["gamma"] = garbage, drop
    model = HistBoost(**SMALL, secure_aggregation=False, min_clients=1).run(transport, SCHEMA)
    transport.close()
    first = next(r for r in model.rounds if r.task == "hist")
    reasons = {f["company"]: f["en"] for f in first.failures}
    assert "expected" in reasons["beta"] and "client went away" in reasons["gamma"]
    assert model.arrays["tree_nodes"].sum() > 0


def test_too_few_histograms_fail_the_round_cleanly(companies):
    transport = InProcessTransport(_clients(companies))
    for c in ("beta", "gamma"):
        transport.behaviour[c] = lambda task, request, c=c: (
            (_ for _ in ()).throw(ConnectionError("dropped"))
            if task == "hist"
            else encode(transport.clients[c].handle(task, request))
        )
    with pytest.raises(FederationFailed) as err:
        HistBoost(**SMALL, secure_aggregation=False).run(transport, SCHEMA)
    transport.close()
    assert "(hist) failed" in err.value.en and "dropped" in err.value.en


class _Slow(CompanyClient):
    def handle(self, task, request):
        if task == "hist":
            time.sleep(
                3.5
            )  # well past the round's 1.2 s, which a loaded machine's good companies stay within
        return super().handle(task, request)


def test_a_slow_company_is_left_behind_and_the_level_completes(companies):
    names = list(companies)
    clients = [CompanyClient(c, companies[c], SCHEMA) for c in names[:2]]
    clients.append(_Slow(names[2], companies[names[2]], SCHEMA))
    transport = InProcessTransport(clients)
    model = HistBoost(**{**SMALL, "trees": 1}, secure_aggregation=False, timeout_s=1.2).run(transport, SCHEMA)
    transport.close()
    first = next(r for r in model.rounds if r.task == "hist")
    assert first.participants == sorted(names[:2])
    assert "no reply within 1.2 s" in first.failures[0]["en"]


class _EndsWhileMasking(CompanyClient):
    def handle(self, task, request):
        if task == "hist":
            raise ConnectionError("gone while masking")
        return super().handle(task, request)


class _GarbageMasked(CompanyClient):
    def handle(self, task, request):
        if task == "hist":
            return Payload({"g": np.zeros(5), "h": np.zeros(5), "n": np.zeros(5)})  # wrong shapes
        return super().handle(task, request)


@pytest.mark.parametrize("bad", [_EndsWhileMasking, _GarbageMasked])
def test_under_secure_aggregation_a_lost_or_garbage_company_leaves_the_survivors_sum(companies, bad):
    names = list(companies)
    clients = [CompanyClient(c, companies[c], SCHEMA) for c in names[:2]]
    clients.append(bad(names[2], companies[names[2]], SCHEMA))
    transport = InProcessTransport(clients)
    secure = secagg.SecureTransport(transport, task=("sketch", "hist"))
    model = HistBoost(**{**SMALL, "trees": 1}).run(secure, SCHEMA)
    transport.close()
    hist = [r for r in secure.rounds if r.summed and len(r.summed) == 2]
    assert hist and all(r.summed == sorted(names[:2]) for r in hist)
    first = next(r for r in model.rounds if r.task == "hist")
    assert first.participants == sorted(names[:2])
    assert names[2] in {f["company"] for f in first.failures}
    assert model.arrays["tree_nodes"].sum() > 0
