"""Simulation mode: every company's client in this process, each payload still encoded to bytes and checked as it
would be on the network — the same strategies and aggregation as real mode, without a server.

Also the virtual federations used by demos, tests and benchmarks: a table split over companies with different
category mixes and unequal sizes (non-IID), and injection-moulding companies simulated by the twin's process model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import numpy as np
import pandas as pd

from sandan.learn.federated.client import CompanyClient
from sandan.learn.federated.protocol import Failure, Payload, Reply, check_reply, decode, encode
from sandan.learn.federated.trees import checked_arrays

Recorder = Callable[[str, str, str, bytes], None]  # (direction, company, task, bytes)


class InProcessTransport:
    """Runs each company's client on its own thread; replies later than `timeout_s` count as failures."""

    def __init__(self, clients: list[CompanyClient], *, record: Recorder | None = None) -> None:
        self.clients = {c.company: c for c in clients}
        self.record = record
        self.behaviour: dict[str, Callable[[str, Payload], bytes] | None] = {}  # tests: drop, garbage…
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(clients)), thread_name_prefix="fed-client")

    def participants(self) -> list[str]:
        return list(self.clients)

    def _call(self, company: str, task: str, wire: bytes) -> bytes:
        request = decode(wire)
        override = self.behaviour.get(company)
        if override is not None:
            return override(task, request)
        return encode(self.clients[company].handle(task, request))

    def ask(self, task: str, request: Payload, timeout_s: float) -> tuple[list[Reply], list[Failure]]:
        wire = encode(request)
        replies, failures = [], []
        # One client at a time (threads in one process only contend for the interpreter), each on a worker thread
        # so that one that does not answer within `timeout_s` is left behind and counted as failed.
        for company in self.clients:
            if self.record:
                self.record("down", company, task, wire)
            started = time.perf_counter()
            fut = self._pool.submit(self._call, company, task, wire)
            try:
                data = fut.result(timeout=timeout_s)
            except FutureTimeout:
                failures.append(
                    Failure(
                        company, f"no reply within {timeout_s:g} s", f"{timeout_s:g}초 안에 응답이 없습니다"
                    )
                )
                continue
            except Exception as exc:  # noqa: BLE001 - a client's error is that client's failure
                failures.append(Failure(company, f"client error: {exc}", f"참여사 오류: {exc}"))
                continue
            if self.record:
                self.record("up", company, task, data)
            try:
                payload = check_reply(task, decode(data))
                if task == "trees":
                    checked_arrays(payload.arrays)
            except ValueError as exc:
                failures.append(Failure(company, f"invalid reply: {exc}", f"잘못된 응답: {exc}"))
                continue
            replies.append(Reply(company, payload, round(time.perf_counter() - started, 3)))
        return replies, failures

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# ---- virtual federations ------------------------------------------------------------------------------------


def split_non_iid(
    frame: pd.DataFrame, by: str, plan: dict[str, dict[str, int]], seed: int = 0
) -> dict[str, pd.DataFrame]:
    """Deal rows to companies without replacement: `plan[company][category]` rows of each category of `by`.

    Asking for more rows of a category than remain raises ValueError (the plan must fit the table)."""
    rng = np.random.default_rng(seed)
    pools = {
        cat: list(rng.permutation(np.flatnonzero(frame[by].astype(str).to_numpy() == cat)))
        for cat in frame[by].astype(str).unique()
    }
    out = {}
    for company, want in plan.items():
        rows = []
        for cat, n in want.items():
            pool = pools.get(cat, [])
            if n > len(pool):
                raise ValueError(f"{company}: {n} rows of {by}={cat} asked, {len(pool)} left")
            rows += pool[:n]
            pools[cat] = pool[n:]
        out[company] = frame.iloc[np.sort(rows)].reset_index(drop=True)
    return out


# Six injection moulders: different machines (material lots, crews, night-shift effect, reliability) running
# their own recipe ranges around different centres (nominal, poorly set, in between) and unequal volumes.
INJECTION_COMPANIES = (
    # name, parts, centre (0 nominal … 1 poor), spread of recipes (share of process window), crew skill, seed
    ("daesung-plastics", 6000, 0.3, 0.25, (1.0, 1.15, 0.9), 11),
    ("dongyang-tech", 3000, 0.6, 0.20, (1.1, 1.2, 1.0), 12),
    ("hankook-mold", 2000, 0.1, 0.30, (0.9, 1.0, 0.95), 13),
    ("seoul-injection", 1200, 0.8, 0.15, (1.2, 1.3, 1.1), 14),
    ("incheon-polymer", 700, 0.4, 0.35, (1.0, 1.0, 1.0), 15),
    ("ansan-parts", 400, 0.5, 0.25, (1.3, 1.1, 1.2), 16),
)


def injection_federation(
    scale: float = 1.0, seed: int = 0, batch_parts: tuple[int, int] = (25, 100)
) -> dict[str, pd.DataFrame]:
    """Part records (settings as actually run, `batch`, result ok/ng) of six virtual injection moulders, from
    `sandan.twin`'s injection-moulding process model; `scale` multiplies every company's number of parts. Each
    company runs one recipe per batch of `batch_parts` parts (drawn between the two); `batch` numbers them, so an
    evaluation can keep a batch's parts — one recipe, lot and crew — on one side of a split."""
    from sandan.twin.process.injection import InjectionMouldingModel

    out = {}
    for name, parts, centre, spread, crew, mseed in INJECTION_COMPANIES:
        model = InjectionMouldingModel(material_seed=mseed, crew_skill=crew)
        nominal, poor = model.nominal_settings(), model.poor_settings()
        window = model.process_window()
        rng = np.random.default_rng([seed, mseed])
        n = max(50, int(parts * scale))
        batches, made, condition = [], 0, None
        while made < n:
            recipe = {}
            for k in nominal:
                lo, hi = window[k]
                c = nominal[k] + centre * (poor[k] - nominal[k])
                recipe[k] = float(np.clip(c + rng.normal(0, spread * (hi - lo) / 2), lo, hi))
            k_parts = int(min(n - made, rng.integers(*batch_parts)))
            batch = model.simulate(recipe, k_parts, rng=rng, condition=condition)
            condition = batch.end_condition
            frame = batch.to_frame()
            frame["batch"] = len(batches)
            batches.append(frame)
            made += k_parts
        data = pd.concat(batches, ignore_index=True)
        out[name] = data[[*nominal, "batch", "result"]].copy()
    return out
