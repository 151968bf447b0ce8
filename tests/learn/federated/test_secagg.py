"""Secure aggregation in simulation: Flower's SecAgg+ over the in-process transport. The server receives masked
vectors only (not a company's update, not recoverable from it alone), the securely computed mean equals plain
FedAvg up to quantisation, a company that drops after the keys were shared leaves the survivors' exact sum, and too
many dropouts fail the round with the reason."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from sandan.learn.federated import CompanyClient, FedAvg, FederationFailed, secagg
from sandan.learn.federated.client import linear_design
from sandan.learn.federated.protocol import Payload, decode, encode
from sandan.learn.federated.simulation import InProcessTransport
from tests.learn.federated.conftest import SCHEMA


class _Seen(CompanyClient):
    """A company's client that remembers the updates it computed (to compare with what crossed the wire)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.updates: list[np.ndarray] = []

    def handle(self, task, request):
        reply = super().handle(task, request)
        if task == "linear":
            self.updates.append(np.asarray(reply.arrays["delta"], float))
        return reply


@pytest.fixture(scope="module")
def clients(companies):
    return {c: _Seen(c, frame, SCHEMA) for c, frame in companies.items()}


def _request(clients, transport, clip: float = 0.0) -> Payload:
    """One FedAvg request from the global model w = 0 on federated standardisation (as FedAvg sends it)."""
    mom = [r.payload.arrays for r in transport.ask("moments", Payload(), 30)[0]]
    cnt = np.sum([m["count"] for m in mom], axis=0)
    mean = np.sum([m["sum"] for m in mom], axis=0) / cnt
    scale = np.sqrt(np.sum([m["sumsq"] for m in mom], axis=0) / cnt - mean**2)
    width = linear_design(SCHEMA, np.zeros((1, SCHEMA.n_inputs)), mean, scale).shape[1]
    config = {"round": 1, "epochs": 10, "lr": 0.5, "l2": 1e-3, "mu": 0.0, **({"clip": clip} if clip else {})}
    return Payload({"w": np.zeros(width), "mean": mean, "scale": scale}, config)


def _plain_mean(clients, request, names, unit=False) -> np.ndarray:
    deltas = [clients[c].handle("linear", request).arrays["delta"] for c in names]
    weights = [1.0 if unit else len(clients[c].y_fit) for c in names]
    return np.average(deltas, axis=0, weights=weights)


def _uploads(wire, stage_key: str):
    """(company, Flower record) of every SecAgg+ reply that carries `stage_key`."""
    out = []
    for direction, company, task, data in wire:
        if direction == "up" and task == secagg.TASK:
            msg = decode(data).arrays["message"]
            if msg.size:
                cfg = secagg._unpack(msg).config_records["secaggplus_configs"]
                if stage_key in cfg:
                    out.append((company, cfg))
    return out


def test_the_server_receives_masked_vectors_and_the_mean_equals_plain_fedavg(clients):
    wire: list = []
    plain = InProcessTransport(list(clients.values()))
    inner = InProcessTransport(
        [secagg.SecAggClient(c) for c in clients.values()], record=lambda *a: wire.append(a)
    )
    secure = secagg.SecureTransport(inner)
    try:
        a = FedAvg(rounds=3, patience=10).run(secure, SCHEMA)
        b = FedAvg(rounds=3, patience=10).run(plain, SCHEMA)
    finally:
        plain.close()
        inner.close()
    # The same model as plain FedAvg, up to quantisation (steps of 2·8/2²² per weighted coordinate).
    assert a.arrays["w"].shape == b.arrays["w"].shape
    assert np.abs(a.arrays["w"] - b.arrays["w"]).max() < 1e-4 < np.abs(b.arrays["w"]).max()
    props = secure.properties()
    assert props["threshold"] == 2 and props["tolerated_dropouts"] == 1 and props["clipping_range"] == 8.0
    assert [r.summed for r in secure.rounds] == [sorted(clients)] * len(secure.rounds)
    # No update crosses in the clear: the `linear` task never went up, only SecAgg+ stage messages.
    assert not [w for w in wire if w[0] == "up" and w[2] == "linear"]
    masked = _uploads(wire, "masked_params")
    assert {c for c, _ in masked} == set(clients) and len(masked) == 3 * len(secure.rounds)
    T, c = props["quantization_range"], props["clipping_range"]
    blobs = b"".join(d for direction, _, __, d in wire if direction == "up")
    for company, cfg in masked:
        from flwr.common import bytes_to_ndarray

        factor, vec = (bytes_to_ndarray(x) for x in cfg["masked_params"])
        # Unmasked, every quantised coordinate (and the weight factor) lies in [0, T]; masked, they are spread
        # over [0, 2^32): nearly all exceed T, and read back as an update they are nowhere near the real one.
        assert (vec > T).mean() >= 0.75 and vec.max() < 2**32
        as_update = (vec * (2 * c / T) - c) / (
            len(clients[company].y_fit) / max(len(k.y_fit) for k in clients.values())
        )
        real = [u for u in clients[company].updates if u.shape == vec.shape]
        assert real and min(np.abs(as_update - u).max() for u in real) > 1.0
    for company, client in clients.items():  # the exact bytes of an update never appear in what went up
        for u in client.updates[:3]:
            assert u.tobytes() not in blobs, company


def test_a_company_dropping_after_the_keys_were_shared_leaves_the_survivors_exact_sum(clients):
    names = list(clients)
    inner = InProcessTransport([secagg.SecAggClient(c) for c in clients.values()])
    secure = secagg.SecureTransport(inner)
    try:
        secure.ask("size", Payload(), 30)
        request = _request(clients, inner)
        dropper = names[1]

        def drops_before_masking(task, req):
            if req.config.get("stage") == "collect_masked_vectors":
                raise ConnectionError("process ended")
            return encode(secagg.handle(clients[dropper], task, req))

        inner.behaviour[dropper] = drops_before_masking
        replies, failures = secure.ask("linear", request, 30)
        survivors = [names[0], names[2]]
        assert sorted(r.company for r in replies) == sorted(survivors)
        assert [f.company for f in failures] == [dropper]
        assert "collect_masked_vectors" in failures[0].reason_en and "process ended" in failures[0].reason_en
        got = replies[0].payload.arrays["delta"]
        assert np.abs(got - _plain_mean(clients, request, survivors)).max() < 1e-4
        assert np.abs(got - _plain_mean(clients, request, names)).max() > 1e-3  # not everyone's mean

        # Dropping after its masked vector went up: its update is in the sum (its private mask is unmasked with
        # the survivors' shares), the round completes.
        def drops_at_unmask(task, req):
            if req.config.get("stage") == "unmask":
                raise ConnectionError("process ended")
            return encode(secagg.handle(clients[dropper], task, req))

        inner.behaviour[dropper] = drops_at_unmask
        replies, failures = secure.ask("linear", request, 30)
        assert len(replies) == 3 and [f.company for f in failures] == [dropper]
        assert "stage unmask" in failures[0].reason_en and "is in the sum" in failures[0].reason_en
        assert np.abs(replies[0].payload.arrays["delta"] - _plain_mean(clients, request, names)).max() < 1e-4
    finally:
        inner.close()


def test_a_garbage_masked_vector_counts_as_a_dropout(clients):
    names = list(clients)
    inner = InProcessTransport([secagg.SecAggClient(c) for c in clients.values()])
    secure = secagg.SecureTransport(inner)
    try:
        secure.ask("size", Payload(), 30)
        request = _request(clients, inner)
        liar = names[0]

        def garbage(task, req):
            if req.config.get("stage") == "collect_masked_vectors":
                return encode(Payload({"message": np.frombuffer(b"not a record at all", np.uint8)}))
            return encode(secagg.handle(clients[liar], task, req))

        inner.behaviour[liar] = garbage
        replies, failures = secure.ask("linear", request, 30)
        assert sorted(r.company for r in replies) == sorted(names[1:])
        assert "invalid reply" in failures[0].reason_en
        got = replies[0].payload.arrays["delta"]
        assert np.abs(got - _plain_mean(clients, request, names[1:])).max() < 1e-4
    finally:
        inner.close()


def test_too_many_dropouts_fail_the_round_with_the_reason(clients):
    names = list(clients)
    inner = InProcessTransport([secagg.SecAggClient(c) for c in clients.values()])
    secure = secagg.SecureTransport(inner, secagg.SecureAggregation(threshold=3))

    def drops(task, req):
        if req.config.get("stage") == "collect_masked_vectors":
            raise ConnectionError("process ended")
        return encode(secagg.handle(clients[names[2]], task, req))

    inner.behaviour[names[2]] = drops
    try:
        with pytest.raises(FederationFailed) as err:
            FedAvg(rounds=2, derive=False).run(secure, SCHEMA)
    finally:
        inner.close()
    assert "round 1 (linear) failed" in err.value.en
    assert "2 of 3 companies left, 3 needed to unmask" in err.value.en


def test_with_dp_each_company_counts_once_and_the_dp_clip_bounds_the_quantisation(clients):
    names = list(clients)
    inner = InProcessTransport([secagg.SecAggClient(c) for c in clients.values()])
    secure = secagg.SecureTransport(inner)
    try:
        request = _request(clients, inner, clip=0.05)
        replies, _ = secure.ask("linear", request, 30)
    finally:
        inner.close()
    props = secure.properties()
    assert props["clipping_range"] == 0.05 and props["weights"].startswith("1 per company")
    got = replies[0].payload.arrays["delta"]
    assert np.linalg.norm(got) <= 0.05 + 1e-6
    assert np.abs(got - _plain_mean(clients, request, names, unit=True)).max() < 1e-5


def test_masks_use_the_whole_seed():
    from flwr.common.secure_aggregation.secaggplus_utils import pseudo_rand_gen

    # Two seeds that Flower's generator folds to the same 32 bits (XOR of 4-byte words) give it the same mask.
    a = bytes(range(32))
    b = a[4:8] + a[:4] + a[8:]
    assert (pseudo_rand_gen(a, 2**32, [(50,)])[0] == pseudo_rand_gen(b, 2**32, [(50,)])[0]).all()
    ma, mb = secagg.mask_stream(a, 2**32, [(50,), ()]), secagg.mask_stream(b, 2**32, [(50,), ()])
    assert not (ma[0] == mb[0]).any() and ma[1].shape == ()
    assert (secagg.mask_stream(a, 2**32, [(50,)])[0] == ma[0]).all()  # deterministic: both ends agree
    big = secagg.mask_stream(a, 2**32, [(20000,)])[0]
    assert big.min() >= 0 and big.max() < 2**32 and abs(big.mean() / 2**32 - 0.5) < 0.01
    secagg.SecureTransport(InProcessTransport([]))  # installing it into Flower's SecAgg+ on both sides
    for name in (
        "flwr.client.mod.secure_aggregation.secaggplus_mod",
        "flwr.server.workflow.secure_aggregation.secaggplus_workflow",
    ):
        assert importlib.import_module(name).pseudo_rand_gen is secagg.mask_stream
    with pytest.raises(ValueError, match="power of two"):
        secagg.mask_stream(a, 1000, [(3,)])


def test_the_fedavg_option_runs_secure_aggregation_with_plain_company_clients_and_reports_it(companies):
    """`FedAvg(secure_aggregation=True)` over ordinary company clients: every update round goes through SecAgg+ (no
    `linear` upload in the clear), the model is plain FedAvg's, and the result records the protocol's properties."""
    wire: list = []
    plain_clients = [CompanyClient(c, frame, SCHEMA) for c, frame in companies.items()]
    secure = InProcessTransport(plain_clients, record=lambda *a: wire.append(a))
    plain = InProcessTransport([CompanyClient(c, frame, SCHEMA) for c, frame in companies.items()])
    try:
        a = FedAvg(rounds=3, patience=10, secure_aggregation=True).run(secure, SCHEMA)
        b = FedAvg(rounds=3, patience=10).run(plain, SCHEMA)
    finally:
        secure.close()
        plain.close()
    assert np.abs(a.arrays["w"] - b.arrays["w"]).max() < 1e-4 < np.abs(b.arrays["w"]).max()
    assert not [w for w in wire if w[0] == "up" and w[2] == "linear"]
    assert [w for w in wire if w[0] == "up" and w[2] == secagg.TASK]
    assert a.privacy["secure_aggregation"]["threshold"] == 2
    assert "secure_aggregation" not in (b.privacy or {})
