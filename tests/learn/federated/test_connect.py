"""A member's `connect` against the operator's Flower server on a loopback port over TLS: it is told when the
server refuses it, when the server runs another federation, when the run ends without its comparison, and when
its CA file is not the server's — in words about what to do, never as a run it took part in."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from sandan.domain import Forbidden, InvalidInput, SandanError
from sandan.learn.federated import service
from sandan.learn.federated.flower import FlowerServer, generate_key
from sandan.learn.federated.protocol import FederationFailed, Payload
from sandan.learn.federated.tls import make_certificates
from sandan.store import open_store
from tests.conftest import free_port
from tests.learn.federated.test_federate_real import FEATURES, _own_parts

COMPANY = "moulder-a"
SCHEMA = {"target": "result", "positive": "ng", "numeric": FEATURES, "categorical": {}, "derived": []}


@pytest.fixture
def member(tmp_path):
    """A moulder's own store with 600 parts of the last days, and its key pair."""
    _own_parts(tmp_path / "member", COMPANY, 1)
    store = open_store(f"duckdb:///{tmp_path / 'member' / 'sandan.duckdb'}")
    yield store, generate_key()
    store.close()


class Server:
    """The operator's server for federation `federation` with `keys` registered, on a free loopback port."""

    def __init__(self, keys: dict[str, bytes], federation: str = "fed-a", *, listen: bool = True):
        self.address = f"127.0.0.1:{free_port()}"
        self.ca, cert, key = make_certificates(["127.0.0.1"])
        self.flower = FlowerServer(self.address, (self.ca, cert, key), keys, federation=federation)
        if listen:
            self.flower.start()

    def stop(self):
        self.flower.stop()


def _connect(
    store, private: bytes, server: Server, *, federation: str = "fed-a", ca: bytes | None = None, wait_s=10.0
):
    """`service.connect` of the moulder in a thread (it answers until the server's goodbye)."""
    ticket = {"federation": federation, "company": COMPANY, "family": "injection", "schema": SCHEMA}
    end = datetime.now(UTC)
    pool = ThreadPoolExecutor(1)
    future = pool.submit(
        service.connect,
        store,
        ticket,
        private,
        ca or server.ca,
        end - timedelta(days=7),
        end,
        address=server.address,
        max_wait_s=wait_s,
    )
    pool.shutdown(wait=False)
    return future


def _until(condition, server: Server, limit_s: float = 30) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, server.flower.rejected
        server.flower.wait_for(1, 0.2)


def _ended(future) -> SandanError:
    with pytest.raises(SandanError) as err:
        future.result(timeout=60)
    return err.value


def test_a_member_whose_key_the_server_does_not_hold_is_told_it_was_refused(member):
    store, (private, _) = member
    # the server holds the key of a later join: this key file is an old one
    server = Server({COMPANY: generate_key()[1]})
    try:
        future = _connect(store, private, server)
        _until(future.done, server)
    finally:
        server.stop()
    err = _ended(future)
    assert isinstance(err, Forbidden) and err.code == "key_refused"
    assert "refused moulder-a" in err.en and "--key-file" in err.en and "join again" in err.en
    assert "거부했습니다" in err.ko and "--key-file" in err.ko
    assert "could not prove a registered key" in server.flower.rejected[0]["reason"]


def test_a_member_holding_another_federations_ticket_does_not_answer_its_server(member):
    store, (private, public) = member
    server = Server({COMPANY: public}, federation="fed-b")
    try:
        future = _connect(store, private, server, federation="fed-a")
        _until(future.done, server)
    finally:
        server.stop()
    err = _ended(future)
    assert isinstance(err, Forbidden) and err.code == "wrong_federation"
    assert "runs federation fed-b, not fed-a" in err.en and "연합 fed-b" in err.ko
    assert server.flower.participants() == []


def test_a_member_whose_run_ends_without_its_comparison_is_told_nothing_of_it_counted(member):
    store, (private, public) = member
    # the server takes it, then stops before giving it a task (the run went on without it, or not at all)
    server = Server({COMPANY: public})
    try:
        future = _connect(store, private, server)
        _until(lambda: server.flower.participants() == [COMPANY], server)
    finally:
        server.stop()
    err = _ended(future)
    assert isinstance(err, FederationFailed) and err.code == "not_counted"
    assert "before giving moulder-a any task" in err.en and "반영되지 않았습니다" in err.ko
    # a run that stops after a few tasks but before the comparison
    server = Server({COMPANY: public})
    try:
        future = _connect(store, private, server)
        _until(lambda: server.flower.participants() == [COMPANY], server)
        replies, _ = server.flower.ask("size", Payload(), 20)
        assert [r.company for r in replies] == [COMPANY]
    finally:
        server.stop()
    err = _ended(future)
    assert isinstance(err, FederationFailed) and err.code == "run_ended"
    assert "ended before moulder-a compared the models" in err.en and "기록되지 않았습니다" in err.ko


def test_a_ca_file_that_is_not_a_certificate_or_not_the_servers_is_named_as_such(member, tmp_path):
    store, (private, public) = member
    server = Server({COMPANY: public})
    try:
        # not a certificate at all: refused before connecting
        err = _ended(_connect(store, private, server, ca=b"garbage\n"))
        assert isinstance(err, InvalidInput) and err.code == "bad_ca"
        assert "not a PEM certificate" in err.en and "PEM 인증서가 아닙니다" in err.ko
        # another federation's CA: the TLS handshake fails, and the member hears it is the certificate
        other_ca = make_certificates(["127.0.0.1"])[0]
        err = _ended(_connect(store, private, server, ca=other_ca))
        assert isinstance(err, InvalidInput) and err.code == "tls_failed"
        assert "TLS handshake" in err.en and "not signed by the CA in --ca" in err.en
        assert "ca.pem" in err.en and "인증서" in err.ko
    finally:
        server.stop()
    assert server.flower.participants() == []


def test_a_member_started_before_the_server_keeps_trying_for_its_wait(member):
    store, (private, public) = member
    server = Server({COMPANY: public}, listen=False)
    try:
        future = _connect(store, private, server, wait_s=30)
        time.sleep(3)  # the operator starts serving a little after the member connects
        assert not future.done()
        server.flower.start()
        _until(lambda: server.flower.participants() == [COMPANY], server)
    finally:
        server.stop()
    assert _ended(future).code == "not_counted"  # reached, and told the run went without it
    # nobody serves: it says so after its wait, not at once
    nobody = Server({COMPANY: public}, listen=False)
    started = time.monotonic()
    err = _ended(_connect(store, private, nobody, wait_s=3))
    nobody.stop()
    assert isinstance(err, FederationFailed) and err.code == "server_unreachable"
    assert time.monotonic() - started >= 2 and "could not be reached within 3 s" in err.en
    assert "연합 서버에 닿지 못했습니다" in err.ko
