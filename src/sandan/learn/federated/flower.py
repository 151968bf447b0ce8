"""Real mode: the federation's rounds over Flower's gRPC transport, TLS on, companies authenticated by their keys.

The operator's server starts Flower's gRPC fleet server (`flwr` is pinned in pyproject) with the federation's TLS
certificate; each company's client connects with Flower's client (`flwr.client.start_client`), verifying the
server against the federation's CA. Every request and reply travels as one Flower `Parameters` tensor holding a
sandan payload (`protocol.encode`: named numeric arrays, no pickles) and is checked on arrival.

Node authentication: each company registers an elliptic-curve public key (P-384) when it joins. Before a
connected client takes part, the server sends it a fresh random challenge; the client signs it with its private
key (ECDSA-SHA256) and the server checks the signature against the registered key of the company it claims to be.
A client that cannot prove a registered key is told why (`REFUSED`, with a reason code) and to disconnect, and
never receives a task; the hello names the federation the server runs, so a member's client holding another
federation's ticket says so instead of answering. `join` returns how the connection ended (`Ending`): refused,
or the tasks the company answered before the server's goodbye — the same goodbye ends a run that went on without it.

Secure aggregation (`secagg.py`): wrap the server in `secagg.SecureTransport` and a model-update round runs as
Flower's SecAgg+ over this same authenticated channel — each stage message goes to its own company (`ask_each`),
and every client answers the stages (`secagg.handle`), so the server only ever holds masked updates. (Flower 1.41 ties its
own SuperNode authentication to its SuperLink deployment runtime; this transport uses its gRPC fleet server.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sandan.domain import Conflict
from sandan.learn.federated import secagg
from sandan.learn.federated.client import CompanyClient
from sandan.learn.federated.protocol import Failure, Payload, Reply, check_reply, decode, encode
from sandan.learn.federated.trees import checked_arrays

log = logging.getLogger(__name__)
HELLO = "hello"
REFUSED = "refused"  # the server's last word to a client it will not take, with the reason's code
# the reason codes a refused client hears: not a member of the federation the server runs, a key that is not the
# member's registered one, the member already connected, no valid answer to the challenge, the client's ticket is
# for another federation (the client says so itself)
REFUSALS = ("not_a_member", "unregistered_key", "already_connected", "no_answer", "wrong_federation")


def quiet_grpc() -> None:
    """Keep gRPC's C-core log lines (a failed TLS handshake, a refused connection) out of the console: its
    failures reach the user as sandan's own messages. gRPC reads GRPC_VERBOSITY once, when it is first imported,
    so this runs before any import of Flower; an operator who sets the variable (to debug) keeps it."""
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")


# ---- keys ------------------------------------------------------------------------------------------------------
def generate_key() -> tuple[bytes, bytes]:
    """A new company key pair as PEM bytes (private, public)."""
    key = ec.generate_private_key(ec.SECP384R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def sign(private_pem: bytes, challenge: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.sign(challenge, ec.ECDSA(hashes.SHA256()))


def verify(public_pem: bytes, challenge: bytes, signature: bytes) -> bool:
    try:
        key = serialization.load_pem_public_key(public_pem)
        key.verify(signature, challenge, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


# ---- server ----------------------------------------------------------------------------------------------------
@dataclass
class FlowerServer:
    """The operator's side: Flower's gRPC server plus the challenge-response check of every connecting company.

    `certificates` are (CA, server certificate, server key) PEM bytes; `keys` maps company → registered public key.
    Implements the strategies' `Transport`: `ask` sends a task to every authenticated company at once.
    """

    address: str
    certificates: tuple[bytes, bytes, bytes]
    keys: dict[str, bytes]
    record: object = None  # (direction, company, task, bytes) → None: sees every payload crossing
    rejected: list[dict[str, str]] = field(default_factory=list)
    federation: str = ""  # the federation's id, named in the hello so a client of another federation can tell

    def __post_init__(self) -> None:
        quiet_grpc()
        from flwr.server.client_manager import SimpleClientManager

        self._manager = SimpleClientManager()
        self._companies: dict[str, object] = {}  # company -> proxy
        self._checked: set[str] = set()  # proxy cids already challenged
        self._lock = threading.Lock()
        self._grpc = None
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="fed-server")

    def start(self) -> FlowerServer:
        """Listen; Flower's own log lines (several per secure-aggregation round) are turned down to errors, and
        gRPC's C-core lines are kept out (`quiet_grpc`)."""
        import logging

        quiet_grpc()
        from flwr.server.superlink.fleet.grpc_bidi.grpc_server import start_grpc_server

        logging.getLogger("flwr").setLevel(logging.ERROR)

        try:
            self._grpc = start_grpc_server(
                client_manager=self._manager, server_address=self.address, certificates=self.certificates
            )
        except SystemExit as exc:  # Flower ends the process when it cannot bind; the operator gets a reason
            raise Conflict(
                f"the federation server cannot listen on {self.address}: {exc}; stop what uses that port or give "
                "another address",
                f"연합 서버가 {self.address}에서 대기할 수 없습니다: {exc}. 그 포트를 쓰는 프로그램을 멈추거나 다른 주소를 "
                "지정하세요",
                code="address_in_use",
            ) from None
        return self

    def stop(self) -> None:
        from flwr.common import ReconnectIns

        for proxy in list(self._manager.all().values()):
            with contextlib.suppress(Exception):  # a client already gone needs no goodbye
                proxy.reconnect(ReconnectIns(seconds=None), timeout=2, group_id=None)
        if self._grpc is not None:
            self._grpc.stop(grace=1)
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- authentication --
    def _authenticate(self, proxy, timeout_s: float) -> None:
        from flwr.common import Code, FitIns, Parameters, ReconnectIns

        challenge = secrets.token_bytes(32)
        config = {"task": HELLO, "challenge": challenge.hex(), "federation": self.federation}
        ins = FitIns(Parameters([], "sandan"), config)
        company, reason, code = None, "no valid answer to the authentication challenge", "no_answer"
        try:
            res = proxy.fit(ins, timeout=timeout_s, group_id=None)
            claimed = str(res.metrics.get("company", ""))
            signature = bytes.fromhex(str(res.metrics.get("signature", "")))
            if (
                res.status.code == Code.OK
                and claimed in self.keys
                and verify(self.keys[claimed], challenge, signature)
            ):
                company = claimed
            elif res.status.code != Code.OK:
                reason = f"the client declined the challenge: {res.status.message}"
            elif claimed not in self.keys:
                reason, code = f"'{claimed}' is not a member of this federation", "not_a_member"
            else:
                reason, code = f"'{claimed}' could not prove a registered key", "unregistered_key"
        except Exception as exc:  # noqa: BLE001 - any failure to answer is a failed authentication
            reason = f"authentication failed: {exc}"
        with self._lock:
            if company is not None and company not in self._companies:
                self._companies[company] = proxy
                return
        if company is not None:
            reason, code = f"'{company}' is already connected", "already_connected"
        self.rejected.append({"peer": proxy.cid, "reason": reason})
        # the client is told why before the goodbye: a goodbye alone ends its run as a finished one would
        with contextlib.suppress(Exception):
            proxy.fit(
                FitIns(Parameters([], "sandan"), {"task": REFUSED, "reason": code}), timeout=2, group_id=None
            )
        with contextlib.suppress(Exception):
            proxy.reconnect(ReconnectIns(seconds=None), timeout=2, group_id=None)

    def _refresh(self, timeout_s: float = 10.0) -> None:
        current = self._manager.all()
        with self._lock:
            for company, proxy in list(self._companies.items()):
                if proxy.cid not in current:
                    del self._companies[company]
        new = [p for cid, p in current.items() if cid not in self._checked]
        for p in new:
            self._checked.add(p.cid)
        list(self._pool.map(lambda p: self._authenticate(p, timeout_s), new))

    def wait_for(self, companies: int, timeout_s: float = 30.0) -> list[str]:
        """Authenticated companies once at least `companies` are in (or after `timeout_s`)."""
        deadline = time.monotonic() + timeout_s
        while True:
            self._refresh()
            if len(self._companies) >= companies or time.monotonic() > deadline:
                return sorted(self._companies)
            time.sleep(0.05)

    # -- Transport --
    def participants(self) -> list[str]:
        return sorted(self._companies)

    def _one(self, company: str, proxy, task: str, wire: bytes, timeout_s: float) -> Reply | Failure:
        from flwr.common import Code, FitIns, Parameters

        started = time.perf_counter()
        if callable(self.record):
            self.record("down", company, task, wire)
        try:
            res = proxy.fit(
                FitIns(Parameters([wire], "sandan"), {"task": task}), timeout=timeout_s, group_id=None
            )
        except Exception as exc:  # noqa: BLE001 - disconnect, timeout: the company's failure this round
            kind = type(exc).__name__
            # Flower closes the stream of a client that misses the timeout; say what happened first.
            late = time.perf_counter() - started >= 0.95 * timeout_s
            if late or "Timeout" in kind or "timeout" in str(exc).lower():
                return Failure(
                    company, f"no reply within {timeout_s:g} s", f"{timeout_s:g}초 안에 응답이 없습니다"
                )
            return Failure(company, f"connection lost ({kind}: {exc})", f"연결이 끊겼습니다 ({kind})")
        if res.status.code != Code.OK:
            return Failure(
                company, f"client error: {res.status.message}", f"참여사 오류: {res.status.message}"
            )
        data = res.parameters.tensors[0] if res.parameters.tensors else b""
        if callable(self.record):
            self.record("up", company, task, data)
        try:
            payload = check_reply(task, decode(data))
            if task == "trees":
                checked_arrays(payload.arrays)
        except ValueError as exc:
            return Failure(company, f"invalid reply: {exc}", f"잘못된 응답: {exc}")
        return Reply(company, payload, round(time.perf_counter() - started, 3))

    def ask(self, task: str, request: Payload, timeout_s: float) -> tuple[list[Reply], list[Failure]]:
        self._refresh()
        wire = encode(request)
        with self._lock:
            targets = {c: (p, wire) for c, p in self._companies.items()}
        return self._send(task, targets, [], timeout_s)

    def ask_each(
        self, task: str, requests: dict[str, Payload], timeout_s: float
    ) -> tuple[list[Reply], list[Failure]]:
        """Each company its own request (secure aggregation's stages); a company not connected is a failure."""
        self._refresh()
        with self._lock:
            targets = {
                c: (self._companies[c], encode(r)) for c, r in requests.items() if c in self._companies
            }
        gone = [Failure(c, "not connected", "연결되어 있지 않습니다") for c in requests if c not in targets]
        return self._send(task, targets, gone, timeout_s)

    def _send(self, task: str, targets, gone: list[Failure], timeout_s: float):
        futures = [
            self._pool.submit(self._one, c, p, task, wire, timeout_s) for c, (p, wire) in targets.items()
        ]
        out = [f.result() for f in futures] + gone
        replies = [r for r in out if isinstance(r, Reply)]
        failures = [r for r in out if isinstance(r, Failure)]
        with self._lock:  # a company that lost its connection is out until it reconnects
            for f in failures:
                if f.reason_en.startswith(("connection lost", "no reply")):
                    self._companies.pop(f.company, None)
        return replies, failures


# ---- client ----------------------------------------------------------------------------------------------------
@dataclass
class Ending:
    """How a company's connection ended. The server's goodbye is the same whether its run finished with the
    company, went on without it or stopped early, so the client keeps what it saw: the server's refusal (a code of
    `REFUSALS`), the federation the server named in its hello, and the tasks it answered."""

    refused: str = ""
    federation: str = ""
    answered: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # task -> why the company could not answer it


def _flower_client(
    company: str,
    client: CompanyClient,
    private_pem: bytes,
    ending: Ending | None = None,
    federation: str = "",
):
    """Flower's client for the company; what it sees goes into `ending`. With `federation` (its ticket's), it
    answers no challenge of a server that names another federation."""
    from flwr.client import Client
    from flwr.common import Code, FitRes, Parameters, Status

    seen = ending if ending is not None else Ending()

    class _Company(Client):
        def fit(self, ins):  # noqa: ANN001 - Flower's FitIns
            task = str(ins.config.get("task", ""))
            if task == HELLO:
                seen.federation = str(ins.config.get("federation", ""))
                if federation and seen.federation and seen.federation != federation:
                    seen.refused = "wrong_federation"
                    return FitRes(
                        Status(Code.FIT_NOT_IMPLEMENTED, f"this client is for federation {federation}"),
                        Parameters([], "sandan"),
                        0,
                        {},
                    )
                signature = sign(private_pem, bytes.fromhex(str(ins.config["challenge"])))
                return FitRes(
                    Status(Code.OK, ""),
                    Parameters([], "sandan"),
                    0,
                    {"company": company, "signature": signature.hex()},
                )
            if task == REFUSED:
                # the first reason stays: a client that declined a server of another federation knows better
                seen.refused = seen.refused or str(ins.config.get("reason", "")) or "no_answer"
                return FitRes(Status(Code.OK, ""), Parameters([], "sandan"), 0, {})
            try:
                reply = secagg.handle(client, task, decode(ins.parameters.tensors[0]))
            except Exception as exc:  # noqa: BLE001 - report, do not crash the connection
                seen.failed[task] = str(exc)[:300]
                return FitRes(
                    Status(Code.FIT_NOT_IMPLEMENTED, str(exc)[:300]), Parameters([], "sandan"), 0, {}
                )
            seen.answered.add(task)
            return FitRes(Status(Code.OK, ""), Parameters([encode(reply)], "sandan"), 0, {})

    return _Company()


def join(
    address: str,
    company: str,
    client: CompanyClient,
    private_pem: bytes,
    ca_pem: bytes,
    *,
    max_wait_s: float = 30.0,
    federation: str = "",
) -> Ending:
    """Connect a company's client to the federation server and answer tasks until the server says goodbye;
    returns how it ended (`Ending`: refused, or the tasks answered). With `federation` (the ticket's id), a server
    running another federation is not answered. Flower's own log lines (one per message, and a notice that this
    API is deprecated in the pinned version in favour of its SuperNode command) are turned down to errors, and
    gRPC's C-core lines kept out (`quiet_grpc`)."""
    import logging

    quiet_grpc()
    from flwr.client import start_client

    logging.getLogger("flwr").setLevel(logging.ERROR)

    ending = Ending()
    previous = threading.excepthook
    threading.excepthook = _quiet_closed_channel(previous)
    try:
        start_client(
            server_address=address,
            client=_flower_client(company, client, private_pem, ending, federation),
            root_certificates=ca_pem,
            insecure=False,
            max_wait_time=max_wait_s,
        )
    finally:
        threading.excepthook = previous
    return ending


def _quiet_closed_channel(fallback):
    """A thread exception hook that drops gRPC's "Cannot monitor channel state: Channel closed!" from the channel's
    connectivity-polling thread, raised when a channel closes while subscribed (grpc/grpc#18995): the connection
    has already ended, and the member is told so; it must not print a traceback as well. Others go to `fallback`."""

    def hook(args) -> None:
        if isinstance(args.exc_value, ValueError) and "Channel closed" in str(args.exc_value):
            return
        fallback(args)

    return hook
