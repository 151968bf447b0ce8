"""Real mode: companies join the operator's Flower gRPC server on a loopback port over TLS (a throwaway CA made
here), each proving its registered key; what crosses the wire is model updates and summed counts only; a client
that drops, sends garbage or is slow costs only its own reply, with the reason recorded."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from sandan.learn.federated import CompanyClient, FedAvg, FederationFailed, HistBoost, TreeBagging, secagg
from sandan.learn.federated.client import candidate_pairs
from sandan.learn.federated.flower import FlowerServer, _flower_client, generate_key, join
from sandan.learn.federated.protocol import decode
from sandan.learn.federated.tls import make_certificates
from tests.conftest import free_port
from tests.learn.federated.conftest import ROW_VALUED, SCHEMA

# rounds with client timeouts: alone, not beside another test worker
pytestmark = pytest.mark.serial


class Federation:
    def __init__(self, companies, *, record=None):
        self.address = f"127.0.0.1:{free_port()}"
        self.ca, cert, key = make_certificates(["127.0.0.1", "localhost"])
        self.keys = {c: generate_key() for c in companies}
        self.server = FlowerServer(
            self.address, (self.ca, cert, key), {c: k[1] for c, k in self.keys.items()}, record=record
        ).start()
        self.threads: list[threading.Thread] = []

    def join(self, company, client, private=None):
        t = threading.Thread(
            target=join,
            args=(self.address, company, client, private or self.keys[company][0], self.ca),
            kwargs={"max_wait_s": 10},
            daemon=True,
        )
        t.start()
        self.threads.append(t)

    def stop(self):
        self.server.stop()
        for t in self.threads:
            t.join(5)


@pytest.fixture
def fed(companies):
    wire: list[tuple[str, str, str, bytes]] = []
    f = Federation(companies, record=lambda *a: wire.append(a))
    f.wire = wire
    yield f
    f.stop()


def test_a_federation_trains_over_tls_and_only_model_updates_cross_the_wire(fed, companies):
    clients = {c: CompanyClient(c, frame, SCHEMA) for c, frame in companies.items()}
    for c, client in clients.items():
        fed.join(c, client)
    assert fed.server.wait_for(3, 20) == sorted(companies)
    model = TreeBagging(rounds=3, local_rounds=3).run(fed.server, SCHEMA)
    linear = FedAvg(rounds=3).run(fed.server, SCHEMA)
    assert model.participants.keys() == companies.keys() and linear.arrays["w"].size > 0
    for _, __, ___, data in fed.wire:  # every payload is a sandan payload: named numeric arrays
        decode(data)
    ups = [(c, task, decode(data)) for d, c, task, data in fed.wire if d == "up"]
    assert {task for _, task, _ in ups} == {"pairs", "size", "trees", "validate", "moments", "linear"}
    # The measurements each company trained on (its training part: the columns of ROW_VALUED).
    row_values = {c: set(np.round(cl.X_fit[:, : len(ROW_VALUED)].ravel(), 6)) for c, cl in clients.items()}
    for company, task, payload in ups:
        n_rows = len(companies[company])
        for name, a in payload.arrays.items():
            # No array is per row: none has a dimension of the company's row count (or its training part).
            assert not any(0.5 * n_rows <= d <= n_rows for d in a.shape), (task, name, a.shape)
            if task == "trees" and name == "leaf_value":
                # Leaves carry fitted scores, not measurements. (Split thresholds are bin edges of a feature
                # and can equal a recorded value: trees reveal where they split, as any shipped tree does.)
                assert not set(np.round(a.astype(float), 6)) & row_values[company], (task, name)
            if task == "trees":  # the package grows with the trees asked for, not with the company's rows
                assert payload.arrays["tree_nodes"].size == 3 and a.size <= 3 * 15
        if task == "pairs":  # one vote per candidate product/difference of the declared columns
            assert payload.arrays["votes"].shape == (len(candidate_pairs(SCHEMA)),)
            assert set(payload.arrays["votes"]) <= {0.0, 1.0}
        if task == "validate":  # summed counts on a fixed threshold grid, whatever the company's size
            assert payload.arrays["tp"].shape == (99,)


def test_histogram_boosting_over_tls_sends_only_masked_sums_of_histograms(fed, companies):
    from flwr.common import bytes_to_ndarray

    clients = {c: CompanyClient(c, frame, SCHEMA) for c, frame in companies.items()}
    for c, client in clients.items():
        fed.join(c, client)
    assert fed.server.wait_for(3, 20) == sorted(companies)
    model = HistBoost(trees=2, depth=3, bins=32, sketch_bins=256, patience=9).run(fed.server, SCHEMA)
    assert model.arrays["tree_nodes"].sum() > 0 and model.privacy["secure_aggregation"]["companies"] == 3
    ups = [(c, task, decode(data)) for d, c, task, data in fed.wire if d == "up"]
    # Histograms and value counts never cross in the clear: only SecAgg+ stage messages carry them.
    assert {task for _, task, _ in ups} == {"pairs", "size", "moments", "validate", secagg.TASK}
    F = model.schema.n_inputs
    masked = []
    for company, task, payload in ups:
        n_rows = len(companies[company])
        for name, a in payload.arrays.items():
            if task != secagg.TASK:  # no array is per row
                assert not any(0.5 * n_rows <= d <= n_rows for d in a.shape), (task, name, a.shape)
        if task == secagg.TASK and payload.arrays["message"].size:
            cfg = secagg._unpack(payload.arrays["message"]).config_records["secaggplus_configs"]
            if "masked_params" in cfg:
                masked.append([bytes_to_ndarray(b) for b in cfg["masked_params"]])
    # Each masked vector: Flower's weight factor, then the summed-to-be arrays — value counts per column and fine
    # bin, or gradient, hessian and row sums per node, column and bin; nothing has a row dimension.
    assert masked
    for factor, *arrays in masked:
        assert factor.shape == (1,)
        shapes = {a.shape for a in arrays}
        assert len(shapes) == 1
        shape = shapes.pop()
        assert shape[-1] == 256 or shape[1:] == (F, 33), shape
        # Masked: spread over the modulus, not the quantised values of [0, 2^22].
        assert (np.concatenate([a.ravel() for a in arrays]) > 2**22).mean() > 0.75


def test_a_company_without_its_registered_key_is_refused_and_never_gets_a_task(fed, companies):
    names = list(companies)
    for c in names[:2]:
        fed.join(c, CompanyClient(c, companies[c], SCHEMA))
    impostor_key, _ = generate_key()  # claims to be the third company with a key it never registered
    fed.join(names[2], CompanyClient(names[2], companies[names[2]], SCHEMA), private=impostor_key)
    deadline = time.monotonic() + 15
    while not fed.server.rejected and time.monotonic() < deadline:
        fed.server.wait_for(3, 0.5)
    assert fed.server.participants() == sorted(names[:2])
    assert "could not prove a registered key" in fed.server.rejected[0]["reason"]
    FedAvg(rounds=1).run(fed.server, SCHEMA)
    assert {c for d, c, *_ in fed.wire} == set(names[:2])


class _Misbehaving(CompanyClient):
    def __init__(self, *a, mode: str, **kw):
        super().__init__(*a, **kw)
        self.mode = mode

    def handle(self, task, request):
        if task == "trees" and self.mode == "garbage":
            from sandan.learn.federated.protocol import Payload

            return Payload({"rows": np.full(7, np.nan)})  # well-formed bytes, junk inside: wrong names, NaNs
        if task == "trees" and self.mode == "slow":
            time.sleep(SLOW_S)
        if task == "trees" and self.mode == "drop" and int(request.config.get("round", 0)) >= 2:
            raise SystemExit  # the company's process ends mid-round: its connection goes away
        return super().handle(task, request)


# The round waits ROUND_S for replies; the slow client answers well after. The margin is wide on purpose: a
# loaded machine (two cores, a browser test beside it) once kept the good client past a 0.5 s round.
ROUND_S, SLOW_S = 3.0, 8.0


def test_drop_garbage_and_slow_clients_cost_only_their_replies(fed, companies):
    names = list(companies)
    fed.join(names[0], CompanyClient(names[0], companies[names[0]], SCHEMA))
    fed.join(names[1], _Misbehaving(names[1], companies[names[1]], SCHEMA, mode="garbage"))
    fed.join(names[2], _Misbehaving(names[2], companies[names[2]], SCHEMA, mode="slow"))
    assert len(fed.server.wait_for(3, 20)) == 3
    t0 = time.perf_counter()
    model = TreeBagging(rounds=2, local_rounds=2, min_clients=1, timeout_s=ROUND_S).run(fed.server, SCHEMA)
    assert time.perf_counter() - t0 < 60  # the slow client's rounds end at their timeout, not when it answers
    trees = [r for r in model.rounds if r.task == "trees"]
    reasons = {f["company"]: f["en"] for f in trees[0].failures}
    assert "invalid reply" in reasons[names[1]]
    assert f"no reply within {ROUND_S:g} s" in reasons[names[2]]
    assert "rows" in reasons[names[1]]
    assert trees[0].participants == [names[0]]


def test_a_client_that_drops_mid_round_fails_the_round_cleanly_when_too_few_remain(fed, companies):
    names = list(companies)
    fed.join(names[0], CompanyClient(names[0], companies[names[0]], SCHEMA))
    fed.join(names[1], _Misbehaving(names[1], companies[names[1]], SCHEMA, mode="drop"))
    assert len(fed.server.wait_for(2, 20)) == 2
    with pytest.raises(FederationFailed) as err:
        TreeBagging(rounds=3, local_rounds=2, min_clients=2, timeout_s=5).run(fed.server, SCHEMA)
    assert "round 2 (trees) failed" in err.value.en
    assert names[1] in err.value.en


def test_the_flower_client_signs_challenges_with_its_own_key(companies):
    from flwr.common import FitIns, Parameters

    from sandan.learn.federated.flower import verify

    private, public = generate_key()
    c = next(iter(companies))
    client = _flower_client(c, CompanyClient(c, companies[c], SCHEMA), private)
    res = client.fit(FitIns(Parameters([], "sandan"), {"task": "hello", "challenge": "ab" * 32}))
    assert res.metrics["company"] == c
    assert verify(public, bytes.fromhex("ab" * 32), bytes.fromhex(res.metrics["signature"]))
    assert not verify(generate_key()[1], bytes.fromhex("ab" * 32), bytes.fromhex(res.metrics["signature"]))


def test_secure_aggregation_over_tls_sends_only_masked_updates_and_matches_plain_fedavg(fed, companies):
    for c, frame in companies.items():
        fed.join(c, CompanyClient(c, frame, SCHEMA))
    assert fed.server.wait_for(3, 20) == sorted(companies)
    secure = secagg.SecureTransport(fed.server)
    a = FedAvg(rounds=2, patience=5, derive=False).run(secure, SCHEMA)
    seen = list(fed.wire)
    b = FedAvg(rounds=2, patience=5, derive=False).run(fed.server, SCHEMA)
    assert np.abs(a.arrays["w"] - b.arrays["w"]).max() < 1e-4 < np.abs(b.arrays["w"]).max()
    assert [r.summed for r in secure.rounds] == [sorted(companies)] * 2
    assert not [w for w in seen if w[2] == "linear"]  # no update in the clear
    ups = {c for d, c, task, _ in seen if d == "up" and task == secagg.TASK}
    assert ups == set(companies)
    # Each company got its own stage messages only (one record each), not the others'.
    downs = [decode(data) for d, _, task, data in seen if d == "down" and task == secagg.TASK]
    assert len(downs) == 2 * 4 * 3 and all(set(p.arrays) == {"message"} for p in downs)


class _EndsWhileMasking(CompanyClient):
    def handle(self, task, request):
        if task == "linear":
            raise SystemExit  # the company's process ends inside the masked-vector stage
        return super().handle(task, request)


def test_a_company_lost_during_secure_aggregation_leaves_the_survivors_sum(fed, companies):
    names = list(companies)
    for c in names[:2]:
        fed.join(c, CompanyClient(c, companies[c], SCHEMA))
    fed.join(names[2], _EndsWhileMasking(names[2], companies[names[2]], SCHEMA))
    assert len(fed.server.wait_for(3, 20)) == 3
    secure = secagg.SecureTransport(fed.server)
    model = FedAvg(rounds=1, derive=False, timeout_s=10).run(secure, SCHEMA)
    assert secure.rounds[0].summed == sorted(names[:2])
    linear = next(r for r in model.rounds if r.task == "linear")
    assert linear.participants == sorted(names[:2])
    reason = {f["company"]: f["en"] for f in linear.failures}[names[2]]
    assert "collect_masked_vectors" in reason and "connection lost" in reason


def test_a_server_whose_port_is_taken_says_so_instead_of_ending_the_process(companies):
    from sandan.domain import Conflict

    first = Federation(companies)
    try:
        ca, cert, key = make_certificates(["127.0.0.1"])
        with pytest.raises(Conflict) as err:
            FlowerServer(first.address, (ca, cert, key), {}).start()
        assert err.value.code == "address_in_use" and first.address in err.value.ko
    finally:
        first.stop()
