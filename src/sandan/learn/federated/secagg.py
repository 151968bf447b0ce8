"""Secure aggregation of FedAvg/FedProx updates: the server learns the weighted mean of the companies' updates,
never one company's update. The protocol is Flower's SecAgg+ (Bell et al., "Secure Single-Server Aggregation with
(Poly)Logarithmic Overhead", CCS 2020) — `flwr.server.workflow.SecAggPlusWorkflow` on the server and
`flwr.client.mod.secaggplus_mod` on each company — run over sandan's own transports (in-process simulation, or the
authenticated TLS Flower channel of `flower.py`).

One secure round, in Flower's four stages:

1. setup: each company makes two ECDH key pairs (P-384) and sends the public halves;
2. share keys: the server forwards every company its neighbours' public keys; each company splits its private mask
   seed and its first private key into Shamir shares (threshold t) and sends one share to each neighbour,
   encrypted with a key agreed with that neighbour (ECDH + HKDF, Fernet) — the server only relays ciphertexts;
3. masked vectors: each company trains (the usual `linear` task), scales its update by its weight, clips every
   coordinate to ±`clipping_range`, quantises it to integers in [0, 2^`quantization_bits`] (stochastic rounding),
   adds its private mask and the pairwise masks agreed with each neighbour (+ or − by node order, so they cancel
   in the sum), all modulo 2^`modulus_bits`, and sends that;
4. unmask: the survivors send shares of every survivor's private mask seed and of every dropped company's first
   private key; with at least t shares of each the server removes the private masks and the dropped companies'
   dangling pairwise masks. What is left is the sum of the survivors' quantised, weighted updates.

A company that drops after the keys were shared (before sending its masked vector) is left out of the sum; one
that drops after sending it stays in. Fewer than t companies left at any stage: the round fails with the reason.

Flower 1.41 derives the masks with `secaggplus_utils.pseudo_rand_gen`, which folds the 256-bit seed into 32 bits
and draws from numpy's Mersenne Twister (flwrlabs/flower issue #7522, open). sandan replaces that one function in
the two Flower modules that call it (`_install_prg`, checked against the pinned version) with SHAKE-256 over the
whole seed: the masks are then a cryptographic stream. Both sides of a sandan federation run this code.

Threat model (as SecAgg+'s semi-honest setting): the server follows the protocol — it does not lie about which
companies dropped — and fewer than t companies collude with it. The protocol does not check what a company's
masked vector holds beyond its shape and range; a company sending a wrong update spoils the mean as it would in
plain FedAvg. With DP (`privacy.DPConfig`) each company clips its update's L2 norm to C itself (the server cannot
clip what it cannot see), weights are 1 and `clipping_range` is C, so the released sum is the one DP-FedAvg noises.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sandan.learn.federated.protocol import Failure, Payload, Reply, decode, encode

log = logging.getLogger(__name__)

TASK = "secagg"  # the transport task that carries one SecAgg+ stage message
FLOWER_VERSIONS = ("1.41.",)  # the Flower versions whose SecAgg+ internals `_install_prg` was checked against


# ---- the mask generator ---------------------------------------------------------------------------------------
def mask_stream(seed: bytes, num_range: int, dimensions_list: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Masks for Flower's SecAgg+: uniform integers in [0, `num_range`) from SHAKE-256 over the whole `seed`.

    Same signature and output types as Flower's `pseudo_rand_gen`; `num_range` must be a power of two up to 2^32
    (SecAgg+ requires a power of two) so that reducing 32-bit words keeps them uniform."""
    if num_range < 2 or num_range > 2**32 or num_range & (num_range - 1):
        raise ValueError(f"mask range must be a power of two in [2, 2^32], got {num_range}")
    sizes = [int(np.prod(d)) if len(d) else 1 for d in dimensions_list]
    words = np.frombuffer(
        hashlib.shake_256(b"sandan-secagg-mask\x00" + seed).digest(4 * max(sum(sizes), 1)), dtype="<u4"
    )
    out, at = [], 0
    for dims, n in zip(dimensions_list, sizes, strict=True):
        block = (words[at : at + n].astype(np.int64)) & (num_range - 1)
        out.append(np.array(block[0], dtype=np.int64) if len(dims) == 0 else block.reshape(dims))
        at += n
    return out


_installed = threading.Lock()


def _install_prg() -> None:
    """Point Flower's SecAgg+ client mod and server workflow at `mask_stream` (see the module's docstring)."""
    import importlib

    import flwr

    mod = importlib.import_module("flwr.client.mod.secure_aggregation.secaggplus_mod")
    workflow = importlib.import_module("flwr.server.workflow.secure_aggregation.secaggplus_workflow")

    from flwr.supercore.task_identity import TaskIdentity

    with _installed:
        # Flower stamps every new message with the process's task identity; set as its own runtime would when
        # no Flower runtime has (the server's node is Flower's SuperLink id 1).
        if TaskIdentity._run_id is None:
            TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 0, 1, 1
        if mod.pseudo_rand_gen is mask_stream and workflow.pseudo_rand_gen is mask_stream:
            return
        if not str(flwr.__version__).startswith(FLOWER_VERSIONS):
            raise RuntimeError(
                f"secure aggregation was checked against Flower {FLOWER_VERSIONS}, found {flwr.__version__}"
            )
        mod.pseudo_rand_gen = mask_stream
        workflow.pseudo_rand_gen = mask_stream


# ---- settings -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SecureAggregation:
    """How updates are securely aggregated. `threshold`: companies whose shares must remain to unmask (None: a
    majority, ⌊n/2⌋ + 1, at least 2); `clipping_range`: every weighted coordinate is clipped to ±this before
    quantisation (with DP the DP clip C is used instead); 2^`quantization_bits` levels over that range; masks and
    sums modulo 2^`modulus_bits`."""

    threshold: int | None = None
    clipping_range: float = 8.0
    quantization_bits: int = 22
    modulus_bits: int = 32
    timeout_s: float | None = None  # per stage; None: the strategy's round timeout

    def __post_init__(self) -> None:
        if self.threshold is not None and self.threshold < 2:
            raise ValueError("threshold must be at least 2 companies")
        if not self.clipping_range > 0:
            raise ValueError("clipping_range must be > 0")
        if not 8 <= self.quantization_bits < self.modulus_bits <= 32:
            raise ValueError("need 8 <= quantization_bits < modulus_bits <= 32")

    def threshold_for(self, n: int) -> int:
        t = self.threshold if self.threshold is not None else max(2, n // 2 + 1)
        return min(t, n)

    def properties(self, n: int, clip: float | None = None) -> dict[str, Any]:
        """What a run reports: the protocol, its threshold and dropout tolerance, the quantisation."""
        t = self.threshold_for(n)
        c = float(clip) if clip else self.clipping_range
        return {
            "protocol": "SecAgg+ (Flower 1.41 workflow, SHAKE-256 masks)",
            "companies": n,
            "threshold": t,
            "tolerated_dropouts": max(n - t, 0),
            "clipping_range": c,
            "quantization_range": 2**self.quantization_bits,
            "modulus_range": 2**self.modulus_bits,
            "quantization_step": 2 * c / 2**self.quantization_bits,
            # a request with its own clip sums as sent (DP updates, histogram sums), else a mean weighted by rows
            "weights": "1 per company" if clip else "training rows",
        }


@dataclass
class StageLog:
    stage: str
    sent_to: list[str]
    answered: list[str]
    failures: list[dict[str, str]]
    bytes_down: int
    bytes_up: int
    seconds: float


@dataclass
class SecureRound:
    """One securely aggregated round as the server saw it: who was summed, who dropped where, and the settings."""

    round: int
    properties: dict[str, Any]
    summed: list[str] = field(default_factory=list)
    stages: list[StageLog] = field(default_factory=list)
    error: str | None = None


# ---- the server's side ----------------------------------------------------------------------------------------
class SecureTransport:
    """A `Transport` whose `linear` task (a model update) — or the tasks named in `task`, e.g. HistBoost's `sketch`
    and `hist` (arrays of the shapes the request's config `shapes` names) — runs as a SecAgg+ round; every other
    task passes through.

    Like Flower's own compatibility path (`SecAggPlusWorkflow` hands every result the aggregate), each company whose
    masked update was summed gets a reply carrying the securely computed weighted mean — so FedAvg/FedProx average
    identical vectors and use it unchanged. A company dropped from the sum is a failure with the stage and reason.
    Weights: each company's training rows (the `size` replies seen passing through), or 1 each when the request
    carries a DP `clip`."""

    def __init__(
        self, inner, settings: SecureAggregation | None = None, *, task: str | tuple[str, ...] = "linear"
    ) -> None:
        _install_prg()
        logging.getLogger("flwr").setLevel(logging.ERROR)  # its lines, several per secure round, are not ours
        self.inner, self.settings = inner, settings or SecureAggregation()
        self.tasks = (task,) if isinstance(task, str) else tuple(task)
        self.task = self.tasks[0]
        self.sizes: dict[str, int] = {}
        self.rounds: list[SecureRound] = []

    def participants(self) -> list[str]:
        return self.inner.participants()

    def properties(self) -> dict[str, Any] | None:
        return self.rounds[-1].properties if self.rounds else None

    def ask(self, task: str, request: Payload, timeout_s: float) -> tuple[list[Reply], list[Failure]]:
        if task not in self.tasks:
            replies, failures = self.inner.ask(task, request, timeout_s)
            if task == "size":
                for r in replies:
                    n = np.asarray(r.payload.arrays.get("n", [0])).reshape(-1)
                    self.sizes[r.company] = int(n[0]) if n.size else 0
            return replies, failures
        return self._secure(task, request, timeout_s)

    def _secure(self, task: str, request: Payload, timeout_s: float) -> tuple[list[Reply], list[Failure]]:
        from flwr.app import ArrayRecord, ConfigRecord, Context, RecordDict
        from flwr.common import FitIns, Parameters
        from flwr.server.compat.legacy_context import LegacyContext
        from flwr.server.workflow import SecAggPlusWorkflow
        from flwr.server.workflow.constant import MAIN_CONFIGS_RECORD, MAIN_PARAMS_RECORD
        from flwr.server.workflow.constant import Key as WorkflowKey

        companies = list(self.participants())
        n = len(companies)
        clip = float(request.config.get("clip", 0.0) or 0.0)
        rnd = int(request.config.get("round", len(self.rounds) + 1))
        props = self.settings.properties(n, clip or None)
        record = SecureRound(rnd, props)
        self.rounds.append(record)
        if n < 2 or n * props["quantization_range"] >= props["modulus_range"]:
            record.error = (
                f"secure aggregation needs 2 to {props['modulus_range'] // props['quantization_range'] - 1} "
                f"companies (the sum must fit the modulus), {n} connected"
            )
            ko = "보안 집계에 참여할 수 있는 참여사 수를 벗어났습니다"
            return [], [Failure(c, record.error, ko) for c in companies]
        if clip:
            weights = dict.fromkeys(companies, 1)
        else:
            missing = [c for c in companies if self.sizes.get(c, 0) < 1]
            if missing:
                self.ask(
                    "size",
                    Payload({}, {k: v for k, v in request.config.items() if k == "derived"}),
                    timeout_s,
                )
            weights = {c: self.sizes.get(c, 0) for c in companies}
        nodes = _node_ids(companies)
        fit_ins = {
            c: FitIns(
                Parameters([encode(request)], "sandan"),
                {"task": task, "weight": int(max(weights[c], 1))},
            )
            for c in companies
        }
        strategy = _Collect(nodes, fit_ins)
        grid = _TransportGrid(self.inner, nodes, request.config, record, _expected_shapes(request))
        t = props["threshold"]
        workflow = SecAggPlusWorkflow(
            # Every company is every other's neighbour (n is small: one process family); Flower turns the
            # fraction back into t shares (round(t / n · n) = t).
            num_shares=1.0,
            reconstruction_threshold=t / n,
            max_weight=float(max(max(weights.values()), 1)),
            clipping_range=props["clipping_range"],
            quantization_range=props["quantization_range"],
            modulus_range=props["modulus_range"],
            timeout=self.settings.timeout_s or timeout_s,
        )
        state = RecordDict(
            {
                MAIN_CONFIGS_RECORD: ConfigRecord({WorkflowKey.CURRENT_ROUND: rnd}),
                MAIN_PARAMS_RECORD: ArrayRecord(),
            }
        )
        context = LegacyContext(Context(0, 0, {}, state, {}), strategy=strategy)
        try:
            workflow(grid, context)
        except Exception as exc:  # noqa: BLE001 - a broken share or key: the round fails, with the reason
            record.error = f"secure aggregation failed: {type(exc).__name__}: {exc}"
        if strategy.mean is None and record.error is None:
            last = record.stages[-1] if record.stages else None
            left = len(last.answered) if last else 0
            record.error = (
                f"secure aggregation stopped at stage {last.stage if last else 'setup'}: "
                f"{left} of {n} companies left, {t} needed to unmask"
            )
        dropped = {f["company"]: f for s in record.stages for f in s.failures}
        if record.error is not None:
            log.warning("round %s: %s", rnd, record.error)
            failures = [
                Failure(
                    c,
                    f"{record.error}" + (f" ({dropped[c]['en']})" if c in dropped else ""),
                    "보안 집계 실패: 마스크를 제거할 참여사가 부족합니다",
                )
                for c in companies
            ]
            return [], failures
        summed = sorted(strategy.summed)
        record.summed = summed
        names = strategy.names
        if len(names) != len(strategy.mean) or len(set(names)) != len(names):
            names = ["delta"] if len(strategy.mean) == 1 else [f"a{i}" for i in range(len(strategy.mean))]
        mean = {k: np.asarray(a, float) for k, a in zip(names, strategy.mean, strict=True)}
        seconds = round(sum(s.seconds for s in record.stages), 3)
        replies = [Reply(c, Payload(dict(mean)), seconds) for c in summed]
        failures = [
            Failure(
                c,
                f"left out of the secure sum: {dropped[c]['en']}",
                f"보안 합계에서 제외: {dropped[c]['ko']}",
            )
            for c in companies
            if c not in summed and c in dropped
        ]
        failures += [
            Failure(c, "left out of the secure sum", "보안 합계에서 제외")
            for c in companies
            if c not in summed and c not in dropped
        ]
        failures += [  # dropped while unmasking: its update is in the sum, its mask removed with others' shares
            Failure(
                c,
                f"{dropped[c]['en']}; its masked update is in the sum",
                f"{dropped[c]['ko']}; 마스크된 업데이트는 합계에 포함됨",
            )
            for c in summed
            if c in dropped
        ]
        log.info("round %s: secure mean of %s (threshold %s of %s)", rnd, summed, t, n)
        return replies, failures


def _node_ids(companies: list[str]) -> dict[str, int]:
    """Fresh random node ids for one round (Flower's protocol numbers its nodes)."""
    ids: dict[str, int] = {}
    while len(set(ids.values())) != len(companies):
        ids = {c: secrets.randbits(62) + 2 for c in companies}  # 1 is the server's
    return ids


def _expected_shapes(request: Payload) -> list[tuple[int, ...]] | None:
    """Shapes of the masked vector a company must send: Flower's weight factor (1,) then the update's arrays —
    for the `linear` task one `delta` the shape of `w`; for other tasks the request's config `shapes` (a JSON list,
    the arrays in the order of their names)."""
    if "shapes" in request.config:
        return [(1,), *(tuple(int(d) for d in s) for s in json.loads(str(request.config["shapes"])))]
    if "w" in request.arrays:
        return [(1,), tuple(np.asarray(request.arrays["w"]).shape)]
    return None


class _Proxy:
    """Stands for a company in Flower's legacy strategy API (only its node id is read)."""

    def __init__(self, company: str, node_id: int) -> None:
        self.cid, self.node_id, self.company = company, node_id, company


class _Collect:
    """The Flower strategy the workflow calls: hands out each company's instructions and keeps the aggregate."""

    def __init__(self, nodes: dict[str, int], fit_ins: dict[str, Any]) -> None:
        self.nodes, self.fit_ins = nodes, fit_ins
        self.mean: list[np.ndarray] | None = None
        self.names: list[str] = []
        self.summed: list[str] = []

    def configure_fit(self, server_round, parameters, client_manager):  # noqa: ANN001, ARG002 - Flower's API
        return [(_Proxy(c, nid), self.fit_ins[c]) for c, nid in self.nodes.items()]

    def aggregate_fit(self, server_round, results, failures):  # noqa: ANN001, ARG002 - Flower's API
        from flwr.common import parameters_to_ndarrays

        if not results:
            return None, {}
        self.summed = [proxy.company for proxy, _ in results]
        self.mean = parameters_to_ndarrays(results[0][1].parameters)
        self.names = str(results[0][1].metrics.get("names", "delta")).split(",")
        return None, {}


class _TransportGrid:
    """Flower's `Grid` (what the workflow sends and receives through) over a sandan transport: each stage's
    messages travel as `secagg` tasks — per company where the transport can (`ask_each`), else one bundle — and
    replies are checked before the workflow sees them; a company that fails a stage is one that dropped."""

    def __init__(self, transport, nodes: dict[str, int], config, record: SecureRound, shapes) -> None:
        self.transport, self.nodes, self.record, self.shapes = transport, nodes, record, shapes
        self.company = {nid: c for c, nid in nodes.items()}
        self.config = {k: v for k, v in config.items() if k in ("derived", "round")}

    def send_and_receive(self, messages, *, timeout: float | None = None):
        from flwr.app import Message
        from flwr.common import Error

        messages = list(messages)
        started = time.perf_counter()
        stage = ""
        requests: dict[str, Payload] = {}
        sent: dict[str, Message] = {}
        for m in messages:
            company = self.company[m.metadata.dst_node_id]
            cfg = m.content.config_records["secaggplus_configs"]
            stage = str(cfg.get("stage", ""))
            if stage == "setup":  # report the threshold Flower actually sends, not the one asked for
                self.record.properties["threshold"] = int(cfg["threshold"])
                self.record.properties["tolerated_dropouts"] = len(messages) - int(cfg["threshold"])
            sent[company] = m
            requests[company] = Payload({"message": _pack(m.content)})
        config = {
            **self.config,
            "stage": stage,
            "nodes": json.dumps({c: self.nodes[c] for c in sent}),
        }
        timeout_s = float(timeout) if timeout else 60.0
        ask_each = getattr(self.transport, "ask_each", None)
        if callable(ask_each):
            requests = {c: Payload(p.arrays, config) for c, p in requests.items()}
            down = sum(p.nbytes() for p in requests.values())
            replies, failures = ask_each(TASK, requests, timeout_s)
        else:
            bundle = Payload({c: p.arrays["message"] for c, p in requests.items()}, config)
            down = bundle.nbytes() * len(self.transport.participants())
            replies, failures = self.transport.ask(TASK, bundle, timeout_s)
        out, answered = [], []
        stage_failures = [
            {
                "company": f.company,
                "en": f"stage {stage}: {f.reason_en}",
                "ko": f"{stage} 단계: {f.reason_ko}",
            }
            for f in failures
            if f.company in sent
        ]
        up = 0
        for r in replies:
            if r.company not in sent:
                continue
            up += r.payload.nbytes()
            try:
                content = _unpack(r.payload.arrays.get("message"))
                _check(stage, content, self.shapes)
            except ValueError as exc:
                stage_failures.append(
                    {
                        "company": r.company,
                        "en": f"stage {stage}: invalid reply: {exc}",
                        "ko": f"{stage} 단계: 잘못된 응답",
                    }
                )
                out.append(Message(Error(1, str(exc)), reply_to=sent[r.company]))
                continue
            answered.append(r.company)
            out.append(Message(content, reply_to=sent[r.company]))
        self.record.stages.append(
            StageLog(
                stage,
                sorted(sent),
                sorted(answered),
                stage_failures,
                down,
                up,
                round(time.perf_counter() - started, 3),
            )
        )
        return out


def _pack(content) -> np.ndarray:
    from flwr.common.serde import recorddict_to_proto

    return np.frombuffer(recorddict_to_proto(content).SerializeToString(), dtype=np.uint8)


def _unpack(data) -> Any:
    from flwr.common.serde import recorddict_from_proto
    from flwr.proto.recorddict_pb2 import RecordDict as ProtoRecordDict

    if data is None or np.asarray(data).dtype != np.uint8 or np.asarray(data).ndim != 1:
        raise ValueError("no stage message")
    try:
        return recorddict_from_proto(ProtoRecordDict.FromString(np.asarray(data).tobytes()))
    except Exception as exc:  # noqa: BLE001 - anything unreadable is a garbage reply
        raise ValueError(f"unreadable stage message ({type(exc).__name__})") from exc


def _check(stage: str, content, shapes) -> None:
    """What each stage's reply must hold (Flower's keys), so garbage never reaches the workflow."""
    from flwr.common import bytes_to_ndarray
    from flwr.supercore.primitives.asymmetric import bytes_to_public_key

    cfg = content.config_records.get("secaggplus_configs")
    if cfg is None:
        raise ValueError("no SecAgg+ record")

    def lists(*keys, kinds):
        got = []
        for k, kind in zip(keys, kinds, strict=True):
            v = cfg.get(k)
            if not isinstance(v, list) or any(type(x) is not kind for x in v):
                raise ValueError(f"'{k}' must be a list of {kind.__name__}")
            got.append(v)
        if len({len(v) for v in got}) > 1:
            raise ValueError(f"{', '.join(keys)} differ in length")
        return got

    if stage == "setup":
        for k in ("pk1", "pk2"):
            try:
                bytes_to_public_key(cfg[k])
            except Exception as exc:  # noqa: BLE001
                raise ValueError(f"'{k}' is not a public key") from exc
    elif stage == "share_keys":
        lists("dsts", "ctxts", kinds=(int, bytes))
    elif stage == "collect_masked_vectors":
        (blobs,) = lists("masked_params", kinds=(bytes,))
        try:
            arrays = [bytes_to_ndarray(b) for b in blobs]
        except Exception as exc:  # noqa: BLE001
            raise ValueError("masked vector is not a list of arrays") from exc
        if any(a.dtype.kind not in "iu" for a in arrays):
            raise ValueError("masked vector is not integer")
        if shapes is not None and [tuple(a.shape) for a in arrays] != shapes:
            raise ValueError(f"masked vector has shapes {[a.shape for a in arrays]}, expected {shapes}")
    elif stage == "unmask":
        lists("nids", "shares", kinds=(int, bytes))
    else:
        raise ValueError(f"unknown stage {stage!r}")


# ---- a company's side -----------------------------------------------------------------------------------------
_contexts: weakref.WeakKeyDictionary = (
    weakref.WeakKeyDictionary()
)  # client -> its SecAgg+ state across stages


def answer(client, request: Payload) -> Payload:
    """A company's answer to one SecAgg+ stage message: Flower's `secaggplus_mod` with the company's state; at the
    masked-vector stage it trains with `client.handle(<task>, request)` and masks the update before it leaves."""
    from flwr.app import Context, Message, RecordDict
    from flwr.app.message_type import MessageType
    from flwr.client.mod import secaggplus_mod

    _install_prg()
    nodes = json.loads(str(request.config.get("nodes", "{}")))
    company = client.company
    if company not in nodes:  # not addressed at this stage (dropped earlier): nothing to say
        return Payload({"message": np.zeros(0, np.uint8)})
    data = request.arrays.get("message", request.arrays.get(company))
    content = _unpack(data)
    cfg = content.config_records.get("secaggplus_configs")
    if cfg is not None and cfg.get("stage") == "setup" and int(cfg.get("threshold", 0)) < 2:
        raise ValueError("refusing secure aggregation with a threshold below 2")
    if cfg is not None and cfg.get("stage") == "unmask":
        both = set(cfg.get("active_nids", [])) & set(cfg.get("dead_nids", []))
        if both:  # revealing both kinds of share for one company would unmask its update
            raise ValueError("refusing to unmask: a company is listed as both active and dropped")
    nid = int(nodes[company])
    msg = Message(
        content,
        dst_node_id=nid,
        message_type=MessageType.TRAIN,
        group_id=str(request.config.get("round", "")),
    )
    context = _contexts.get(client)
    if context is None or context.node_id != nid:
        context = Context(0, nid, {}, RecordDict(), {})
        _contexts[client] = context
    reply = secaggplus_mod(msg, context, lambda m, _ctx: _train(client, m))
    return Payload({"message": _pack(reply.content)})


def _train(client, msg):
    """The company's own update for the masked-vector stage, as Flower's fit result (weight = `num_examples`)."""
    from flwr.app import Message
    from flwr.common import Code, FitRes, Status, ndarrays_to_parameters
    from flwr.compat.common import recorddict_compat as compat

    fit_ins = compat.recorddict_to_fitins(msg.content, keep_input=True)
    task = str(fit_ins.config.get("task", "linear"))
    reply = client.handle(task, decode(fit_ins.parameters.tensors[0]))
    names = sorted(reply.arrays)
    arrays = [np.asarray(reply.arrays[k], float) for k in names]
    if any(not np.isfinite(a).all() for a in arrays):
        raise ValueError("the update holds non-finite values")
    res = FitRes(
        Status(Code.OK, ""),
        ndarrays_to_parameters(arrays),
        int(fit_ins.config.get("weight", 1)),
        {"names": ",".join(names)},
    )
    return Message(compat.fitres_to_recorddict(res, keep_input=False), reply_to=msg)


def handle(client, task: str, request: Payload) -> Payload:
    """`client.handle` that also answers SecAgg+ stages."""
    return answer(client, request) if task == TASK else client.handle(task, request)


class SecAggClient:
    """Wraps a company's client (`CompanyClient`) so it also answers SecAgg+ stages; everything else is its own."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.company = inner.company

    def handle(self, task: str, request: Payload) -> Payload:
        return handle(self.inner, task, request)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)
