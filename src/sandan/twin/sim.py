"""Discrete-event simulation of a `LineModel` on SimPy: one process per machine of a station, never one per part.

It owns the engine, the event log (NumPy columns), KPIs with 95 % confidence intervals and bottleneck detection;
it does not parallelise (see `experiments`) and knows no store.
"""

from __future__ import annotations

import itertools
import math
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy
from scipy import stats

from sandan.domain import InvalidInput
from sandan.twin.line import Dist, LineModel

Progress = Callable[[int, int], None]

# KPI names with their Korean and English labels (user-visible).
LABELS: dict[str, tuple[str, str]] = {
    "throughput_per_h": ("Throughput (good parts/h)", "처리량 (양품/시간)"),
    "output_per_h": ("Parts leaving the line per hour (good + scrap)", "라인 배출량 (양품+불량/시간)"),
    "scrap_per_h": ("Scrap per hour", "불량 폐기 (개/시간)"),
    "lead_time_s": ("Lead time of good parts (s)", "양품 리드타임 (초)"),
    "lead_time_all_s": ("Time in line of every part leaving (s)", "배출된 모든 부품의 체류 시간 (초)"),
    "wip": ("Work in process (time-average parts)", "재공 (시간 평균 개수)"),
    "lost_per_h": ("Arrivals lost at a full entry buffer per hour", "입구 버퍼 만재로 잃은 도착 (개/시간)"),
    "working": ("Working share", "가공 비율"),
    "setup": ("Setup share", "준비교체 비율"),
    "down": ("Down (repair) share", "고장 수리 비율"),
    "waiting_worker": ("Waiting for a worker share", "작업자 대기 비율"),
    "idle": ("Waits for material, an operator or a check (share)", "외부 대기(자재·작업자·검사) 비율"),
    "blocked": ("Blocked share", "막힘(블로킹) 비율"),
    "starved": ("Starved share", "자재 대기(기아) 비율"),
    "off_shift": ("Off-shift share", "비근무 시간 비율"),
    "queue_time_s": ("Mean wait in the input buffer (s)", "입력 버퍼 평균 대기 (초)"),
    "queue_length": ("Mean parts in the input buffer", "입력 버퍼 평균 개수"),
    "oee": ("OEE", "설비종합효율 (OEE)"),
    "availability": ("OEE availability", "OEE 시간가동률"),
    "performance": ("OEE performance", "OEE 성능가동률"),
    "performance_raw": (
        "OEE performance before it is capped at 100 % (above: the ideal cycle time is longer than the process time)",
        "100 %로 자르기 전 성능가동률 (넘으면 이상 사이클 타임이 가공 시간보다 김)",
    ),
    "quality": ("OEE quality", "OEE 양품률"),
    "active_period_s": ("Mean active period (s)", "평균 활성 구간 (초)"),
    "sole_bottleneck": ("Sole bottleneck share of time", "단독 병목 시간 비율"),
    "shifting_bottleneck": ("Shifting bottleneck share of time", "이동 병목 시간 비율"),
    "utilisation": ("Utilisation", "가동률"),
}

_T975: dict[int, float] = {}


def t_quantile(n: int) -> float:
    """t_{n−1, 0.975}, the two-sided 95 % Student-t quantile for n replications."""
    if n not in _T975:
        _T975[n] = float(stats.t.ppf(0.975, n - 1)) if n > 1 else math.nan
    return _T975[n]


@dataclass(frozen=True)
class Estimate:
    """A KPI over independent replications: mean and the 95 % confidence interval x̄ ± t_{n−1,0.975}·s/√n
    (Law, *Simulation Modeling and Analysis*, 5th ed., §4.5 and §9.4.1 — replication/deletion)."""

    mean: float
    half_width: float
    n: int

    @classmethod
    def of(cls, values: Any) -> Estimate:
        x = np.asarray(values, dtype="float64")
        x = x[np.isfinite(x)]
        if x.size == 0:
            return cls(math.nan, math.nan, 0)
        hw = t_quantile(x.size) * float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else math.nan
        return cls(float(x.mean()), hw, int(x.size))

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, float]:
        return {
            "mean": self.mean,
            "half_width": self.half_width,
            "low": self.low,
            "high": self.high,
            "n": self.n,
        }


# ---- random streams -----------------------------------------------------------------------------------------

_CHUNK = 2048


def _stream(d: Dist, rng: np.random.Generator) -> Iterator[float]:
    """An endless iterator of draws, generated in NumPy chunks (pulling one value is a C-level `next`)."""
    if d.kind == "deterministic":
        return itertools.repeat(float(d.mean))
    if d.kind == "trace":
        return itertools.cycle([float(v) for v in d.values])
    return itertools.chain.from_iterable(
        map(lambda _: d.sample(rng, _CHUNK).tolist(), itertools.repeat(None))
    )


def _uniforms(rng: np.random.Generator) -> Iterator[float]:
    return itertools.chain.from_iterable(map(lambda _: rng.random(_CHUNK).tolist(), itertools.repeat(None)))


def _rng(seed: int, *key: int) -> np.random.Generator:
    """Independent stream for (replication, station, machine, purpose): a spawn key of one SeedSequence, so
    streams do not overlap and a station keeps its numbers when other stations change (common random numbers,
    Law §11.2)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


# ---- engine primitives ---------------------------------------------------------------------------------------


class _Buffer:
    """FIFO input buffer of a station with `cap` places (None = unlimited) and blocking after service.

    `take`/`offer` return at once when they can, so the common case costs no SimPy event."""

    __slots__ = ("env", "cap", "items", "getters", "putters", "t_in", "area", "last_t", "n")

    def __init__(self, env: simpy.Environment, cap: int | None, t_in: list[float]) -> None:
        self.env = env
        self.cap = math.inf if cap is None else cap
        self.items: deque[int] = deque()
        self.getters: deque[simpy.Event] = deque()
        self.putters: deque[tuple[simpy.Event, int]] = deque()
        self.t_in = t_in

    def take(self) -> int | None:
        items = self.items
        if items:
            p = items.popleft()
            if self.putters:
                ev, q = self.putters.popleft()
                items.append(q)
                self.t_in[q] = self.env.now
                ev.succeed()
            return p
        if self.putters:
            ev, q = self.putters.popleft()
            self.t_in[q] = self.env.now
            ev.succeed()
            return q
        return None

    def wait_get(self) -> simpy.Event:
        ev = self.env.event()
        self.getters.append(ev)
        return ev

    def offer(self, p: int) -> bool:
        if self.getters:
            self.t_in[p] = self.env.now
            self.getters.popleft().succeed(p)
            return True
        if len(self.items) < self.cap:
            self.t_in[p] = self.env.now
            self.items.append(p)
            return True
        return False

    def force(self, p: int) -> None:
        """Put regardless of capacity (CONWIP releases wait in the entry queue)."""
        if not self.offer(p):
            self.t_in[p] = self.env.now
            self.items.append(p)

    def wait_put(self, p: int) -> simpy.Event:
        ev = self.env.event()
        self.putters.append((ev, p))
        return ev


class _Source(_Buffer):
    """The entry of a kanban line: raw material is always there, a part is released when the machine takes one."""

    __slots__ = ("make",)

    def take(self) -> int | None:
        return self.make()


class _Crew:
    """Worker groups as counters; a station asks for any group that serves it (FIFO among waiting stations)."""

    def __init__(self, env: simpy.Environment, counts: list[int]) -> None:
        self.env = env
        self.free = list(counts)
        self.count = list(counts)
        self.busy = [0] * len(counts)
        self.on = [True] * len(counts)
        self.waiting: list[tuple[simpy.Event, tuple[int, ...]]] = []

    def take(self, groups: tuple[int, ...]) -> int | None:
        for g in groups:
            if self.on[g] and self.free[g] > 0:
                self.free[g] -= 1
                self.busy[g] += 1
                return g
        return None

    def wait(self, groups: tuple[int, ...]) -> simpy.Event:
        ev = self.env.event()
        self.waiting.append((ev, groups))
        return ev

    def give_back(self, g: int) -> None:
        self.busy[g] -= 1
        self.free[g] += 1
        self._serve()

    def _serve(self) -> None:
        i = 0
        while i < len(self.waiting):
            ev, groups = self.waiting[i]
            got = self.take(groups)
            if got is None:
                i += 1
                continue
            del self.waiting[i]
            ev.succeed(got)

    def shift(self, g: int, on: bool) -> None:
        self.on[g] = on
        if on:
            self._serve()


def _window_seconds(
    windows: list[tuple[float, float]], day_h: float
) -> tuple[list[tuple[float, float]], float]:
    return [(a * 3600.0, b * 3600.0) for a, b in windows], day_h * 3600.0


def _wait_for_window(t: float, windows: list[tuple[float, float]], day: float) -> float:
    """Seconds from `t` until the next working window opens (0 inside a window)."""
    td = t % day
    for a, b in windows:
        if td < a:
            return a - td
        if td < b:
            return 0.0
    return day - td + windows[0][0]


def _working_time(t: np.ndarray | float, windows: list[tuple[float, float]], day: float) -> np.ndarray:
    """Working seconds in [0, t] under daily `windows`."""
    t = np.asarray(t, dtype="float64")
    full = np.floor(t / day)
    td = t - full * day
    per_day = sum(b - a for a, b in windows)
    part = sum(np.clip(td - a, 0.0, b - a) for a, b in windows)
    return full * per_day + part


# ---- the event log ------------------------------------------------------------------------------------------


class _Log:
    """The event log as flat float64 columns: one row per operation (a part at a station), per repair and per
    worker hold, written once when the row is complete. Rows still open when the run stops are kept per machine
    and closed with NaN (what had not happened yet)."""

    OPS = ("station", "machine", "part", "in", "get", "wk", "ps", "pe", "out")
    DOWNS = ("machine", "start", "end")
    IDLES = ("machine", "start", "end")
    HOLDS = ("group", "start", "end")

    def __init__(self, n_machines: int) -> None:
        self.ops = array("d")
        self.downs = array("d")
        self.idles = array("d")
        self.holds = array("d")
        self.open_ops: list[list[float] | None] = [None] * n_machines
        self.open_downs: list[list[float] | None] = [None] * n_machines
        self.open_idles: list[list[float] | None] = [None] * n_machines
        self.open_holds: list[list[float] | None] = [None] * n_machines

    def table(self, which: str) -> dict[str, np.ndarray]:
        names = {"ops": self.OPS, "downs": self.DOWNS, "idles": self.IDLES, "holds": self.HOLDS}[which]
        flat = getattr(self, which)
        for row in getattr(self, "open_" + which):
            if row is not None:
                flat.extend(row)
        m = np.frombuffer(flat, dtype="float64").reshape(-1, len(names))
        out = {n: m[:, k].copy() for k, n in enumerate(names)}
        for key in ("station", "machine", "part", "group"):
            if key in out:
                out[key] = out[key].astype("int64")
        return out


@dataclass
class Run:
    """The raw outcome of one replication: parts and the event log as NumPy arrays."""

    horizon: float
    warmup: float
    part_product: np.ndarray
    part_release: np.ndarray
    part_exit: np.ndarray  # NaN: still in the line
    part_scrap: np.ndarray
    ops: dict[str, np.ndarray]
    downs: dict[str, np.ndarray]
    holds: dict[str, np.ndarray]
    machine_station: np.ndarray
    lost: int
    wall_s: float
    queued_station: np.ndarray  # parts still in an input buffer at the end: their station …
    queued_since: np.ndarray  # … and since when
    idles: dict[str, np.ndarray] = field(default_factory=lambda: {k: np.empty(0) for k in _Log.IDLES})

    @property
    def n_operations(self) -> int:
        return int(np.isfinite(self.ops["pe"]).sum())


def simulate(
    line: LineModel, horizon: float, warmup: float = 0.0, seed: int = 0, replication: int = 0
) -> Run:
    """One replication of `line` from an empty line at time 0 until `horizon` seconds."""
    if not (horizon > 0 and 0 <= warmup < horizon):
        raise InvalidInput(
            f"the simulated time must be longer than 0, and the warm-up at least 0 and shorter than the simulated "
            f"time (got {horizon:g} s simulated with a {warmup:g} s warm-up)",
            f"시뮬레이션 시간은 0보다 길어야 하고, 워밍업은 0 이상이면서 시뮬레이션 시간보다 짧아야 합니다 "
            f"(시뮬레이션 {horizon:g}초, 워밍업 {warmup:g}초)",
            code="bad_run_length",
        )
    wall0 = time.perf_counter()
    env = simpy.Environment()
    log = _Log(sum(s.machines for s in line.stations))
    st_index = {s.id: i for i, s in enumerate(line.stations)}
    routes = [tuple(st_index[step.station] for step in p.routing) for p in line.products]
    route_len = [len(r) for r in routes]
    n_products = len(line.products)
    mix = line.mix()

    # parts: plain lists grow as parts are released (one slot each, no object per part)
    p_prod: list[int] = []
    p_step: list[int] = []
    p_release: list[float] = []
    p_exit: list[float] = []
    p_scrap: list[bool] = []
    p_in: list[float] = []
    p_ready: list[float] = []

    product_draw = (
        itertools.repeat(0)
        if n_products == 1
        else itertools.chain.from_iterable(
            map(
                lambda _, r=_rng(seed, replication, 10_000, 1): r.choice(n_products, _CHUNK, p=mix).tolist(),
                itertools.repeat(None),
            )
        )
    )

    def new_part(product: int | None = None) -> int:
        p = len(p_prod)
        p_prod.append(next(product_draw) if product is None else product)
        p_step.append(0)
        p_release.append(env.now)
        p_exit.append(math.nan)
        p_scrap.append(False)
        p_in.append(env.now)
        p_ready.append(0.0)
        return p

    policy = line.release.policy
    entry_stations = sorted({r[0] for r in routes})
    buffers: list[_Buffer] = []
    for i, s in enumerate(line.stations):
        if policy == "kanban" and i in entry_stations:
            b = _Source(env, None, p_in)
            prods = [k for k in range(n_products) if routes[k][0] == i]
            if len(prods) == 1:
                b.make = lambda k=prods[0]: new_part(k)
            else:
                w = mix[prods] / mix[prods].sum()
                draws = itertools.chain.from_iterable(
                    map(
                        lambda _, r=_rng(seed, replication, 10_000, 2 + i): r.choice(
                            prods, _CHUNK, p=w
                        ).tolist(),
                        itertools.repeat(None),
                    )
                )
                b.make = lambda d=draws: new_part(next(d))
            buffers.append(b)
        else:
            buffers.append(_Buffer(env, s.buffer, p_in))

    # transports (from, to) → time stream; parts wait at the receiving machine until they have arrived
    transport = {}
    for t in line.transports:
        transport[(st_index[t.from_], st_index[t.to])] = _stream(
            t.time, _rng(seed, replication, 20_000, len(transport))
        )
    calendar = None
    if line.calendar is not None:
        calendar = _window_seconds(line.calendar.windows, line.calendar.day_h)

    # workers
    crew = _Crew(env, [g.count for g in line.workers]) if line.workers else None
    if crew is not None:
        for gi, g in enumerate(line.workers):
            if g.shift is not None:
                env.process(
                    _worker_shift(
                        env,
                        crew,
                        gi,
                        *_window_seconds(g.shift, line.calendar.day_h if line.calendar else 24.0),
                    )
                )

    lost = [0]

    def leave(p: int, scrapped: bool) -> None:
        p_exit[p] = env.now
        p_scrap[p] = scrapped
        if policy == "conwip":
            q = new_part()
            buffers[routes[p_prod[q]][0]].force(q)

    machine_station: list[int] = []
    for i, s in enumerate(line.stations):
        groups = tuple(gi for gi, g in enumerate(line.workers) if g.serves(s))
        for m in range(s.machines):
            mi = len(machine_station)
            machine_station.append(i)
            times = []
            for k, p in enumerate(line.products):
                d = next(
                    (st.process_time for st in p.routing if st.station == s.id and st.process_time), None
                )
                times.append(_stream(d or s.process_time, _rng(seed, replication, i, m, 0, k)))
            env.process(
                _machine(
                    env,
                    log,
                    i,
                    mi,
                    buffers[i],
                    buffers,
                    routes,
                    route_len,
                    times,
                    _stream(s.setup_time, _rng(seed, replication, i, m, 1)) if s.setup_time else None,
                    s.setup_every or 0,
                    # parts since the last periodic setup at time 0: uniform over 1…setup_every, as a machine that
                    # has run for a while stands before a part; a count starting at 0 puts the first setup a whole
                    # cycle away and makes short runs look faster than the line is
                    int(_rng(seed, replication, i, m, 7).integers(1, s.setup_every + 1))
                    if s.setup_every
                    else 0,
                    _stream(s.failure.mtbf, _rng(seed, replication, i, m, 2)) if s.failure else None,
                    _stream(s.failure.mttr, _rng(seed, replication, i, m, 3)) if s.failure else None,
                    _stream(s.waits.every, _rng(seed, replication, i, m, 5)) if s.waits else None,
                    _stream(s.waits.lasting, _rng(seed, replication, i, m, 6)) if s.waits else None,
                    s.scrap,
                    _uniforms(_rng(seed, replication, i, m, 4)),
                    groups if s.worker else None,
                    s.worker_during == "setup",
                    crew,
                    p_prod,
                    p_step,
                    p_in,
                    p_ready,
                    transport,
                    calendar,
                    leave,
                )
            )

    if policy == "push":
        env.process(
            _arrivals(
                env,
                _stream(line.release.interarrival, _rng(seed, replication, 10_000, 0)),
                new_part,
                lambda p: buffers[routes[p_prod[p]][0]],
                line.release.when_full == "lose",
                lost,
                calendar,
            )
        )
    elif policy == "conwip":
        for _ in range(line.release.wip):
            q = new_part()
            buffers[routes[p_prod[q]][0]].force(q)

    env.run(until=horizon)
    ops = log.table("ops")
    waiting = [(i, p_in[p]) for i, b in enumerate(buffers) for p in b.items]
    return Run(
        horizon=float(horizon),
        warmup=float(warmup),
        part_product=np.asarray(p_prod, dtype="int64"),
        part_release=np.asarray(p_release, dtype="float64"),
        part_exit=np.asarray(p_exit, dtype="float64"),
        part_scrap=np.asarray(p_scrap, dtype=bool),
        ops=ops,
        downs=log.table("downs"),
        holds=log.table("holds"),
        idles=log.table("idles"),
        machine_station=np.asarray(machine_station, dtype="int64"),
        lost=lost[0],
        wall_s=time.perf_counter() - wall0,
        queued_station=np.asarray([w[0] for w in waiting], dtype="int64"),
        queued_since=np.asarray([w[1] for w in waiting], dtype="float64"),
    )


def _worker_shift(env, crew: _Crew, g: int, windows, day):
    while True:
        wait = _wait_for_window(env.now, windows, day)
        if wait > 0:
            crew.shift(g, False)
            yield env.timeout(wait)
        crew.shift(g, True)
        td = env.now % day
        end = next(b for a, b in windows if a <= td < b)
        yield env.timeout(end - td)


def _arrivals(env, gaps, new_part, entry_of, lose: bool, lost: list[int], calendar):
    while True:
        yield env.timeout(next(gaps))
        if calendar is not None:
            w = _wait_for_window(env.now, *calendar)
            if w > 0:
                yield env.timeout(w)
        p = new_part()
        buf = entry_of(p)
        if not buf.offer(p):
            if lose:
                lost[0] += 1
                continue
            yield buf.wait_put(p)


def _machine(
    env,
    log: _Log,
    station: int,
    machine: int,
    inbuf: _Buffer,
    buffers: list[_Buffer],
    routes,
    route_len,
    times,
    setup_times,
    setup_every: int,
    setup_phase: int,
    ttf_draw,
    ttr_draw,
    tti_draw,
    til_draw,
    scrap: float,
    uniforms,
    groups,
    worker_setup_only: bool,
    crew: _Crew | None,
    p_prod: list[int],
    p_step: list[int],
    p_in: list[float],
    p_ready: list[float],
    transport,
    calendar,
    leave,
):
    """One machine: (wait for material or an operator when such a wait has come due in operating time), take the
    next part, (wait for its transport, the shift, a worker), set up on a product change (or after `setup_every`
    parts), process — failing in operating time and resuming after repair — then scrap it or pass it on, blocking
    while the next buffer is full."""
    take, wait_get = inbuf.take, inbuf.wait_get
    timeout = env.timeout
    write = log.ops.extend
    open_ops = log.open_ops
    nan = math.nan
    ttf = next(ttf_draw) if ttf_draw is not None else math.inf
    tti = next(tti_draw) if tti_draw is not None else math.inf  # operating time to the next outside wait
    open_idles = log.open_idles
    last_product = -1
    since_setup = setup_phase  # parts since this machine last set up (for `setup_every`)
    single = len(times) == 1
    time0 = times[0]
    has_transport = bool(transport)
    while True:
        if tti <= 0:  # an outside wait came due during the last part: it begins before the next one
            idle = [machine, env.now, nan]
            open_idles[machine] = idle
            yield timeout(next(til_draw))
            idle[2] = env.now
            log.idles.extend(idle)
            open_idles[machine] = None
            tti = next(tti_draw)
        p = take()
        if p is None:
            p = yield wait_get()
        if has_transport:
            ready = p_ready[p]
            if ready > env.now:
                yield timeout(ready - env.now)
        if calendar is not None:
            w = _wait_for_window(env.now, *calendar)
            if w > 0:
                yield timeout(w)
        now = env.now
        # the row of this operation: station, machine, part, in, get, wk, ps, pe, out (see _Log)
        op = [station, machine, p, p_in[p], now, now, nan, nan, nan]
        open_ops[machine] = op
        g = -1
        if groups is not None:
            g = crew.take(groups)
            if g is None:
                g = yield crew.wait(groups)
                now = env.now
                op[5] = now
            hold = [g, now, nan]
            log.open_holds[machine] = hold
        product = p_prod[p]
        if setup_times is not None and (
            (product != last_product and last_product >= 0) or (setup_every and since_setup >= setup_every)
        ):
            yield timeout(next(setup_times))
            now = env.now
            since_setup = 0
        last_product = product
        since_setup += 1
        if g >= 0 and worker_setup_only:
            hold[2] = now
            log.holds.extend(hold)
            log.open_holds[machine] = None
            crew.give_back(g)
            g = -1
        op[6] = now
        pt = next(time0) if single else next(times[product])
        tti -= pt
        while pt >= ttf:  # a failure in operating time falls inside this part: work up to it, repair, resume
            yield timeout(ttf)
            pt -= ttf
            start = env.now
            down = [machine, start, nan]
            log.open_downs[machine] = down
            yield timeout(next(ttr_draw))
            down[2] = env.now
            log.downs.extend(down)
            log.open_downs[machine] = None
            ttf = next(ttf_draw)
        ttf -= pt
        yield timeout(pt)
        now = env.now
        op[7] = now
        if g >= 0:
            hold[2] = now
            log.holds.extend(hold)
            log.open_holds[machine] = None
            crew.give_back(g)
        if scrap and next(uniforms) < scrap:
            op[8] = now
            write(op)
            open_ops[machine] = None
            leave(p, True)
            continue
        step = p_step[p] + 1
        route = routes[product]
        if step == route_len[product]:
            op[8] = now
            write(op)
            open_ops[machine] = None
            leave(p, False)
            continue
        p_step[p] = step
        nxt = route[step]
        if has_transport:
            tr = transport.get((station, nxt))
            p_ready[p] = now + next(tr) if tr is not None else now
        buf = buffers[nxt]
        if not buf.offer(p):
            yield buf.wait_put(p)
            now = env.now
        op[8] = now
        write(op)
        open_ops[machine] = None


# ---- KPIs from the log --------------------------------------------------------------------------------------


def _clipped(a: np.ndarray, b: np.ndarray | None, lo: float, hi: float) -> np.ndarray:
    """Lengths of the intervals [a, b] inside [lo, hi]; an unfinished interval (b = NaN) runs to `hi`."""
    b = np.full(np.shape(a), hi) if b is None else np.where(np.isnan(b), hi, b)
    a = np.where(np.isnan(a), hi, a)
    return np.clip(np.minimum(b, hi) - np.maximum(a, lo), 0.0, None)


def _merge(starts: np.ndarray, ends: np.ndarray, eps: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Union of intervals sorted by start (touching intervals join)."""
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] > reach[:-1] + eps
    idx = np.flatnonzero(new)
    return s[idx], np.maximum.reduceat(e, idx)


def _all_busy(periods: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The time when all of `c` machines are active: a sweep over their period ends (ends before starts at ties)."""
    if len(periods) == 1:
        return periods[0]
    c = len(periods)
    t = np.concatenate([x for s, e in periods for x in (s, e)])
    d = np.concatenate([x for s, e in periods for x in (np.ones(s.size), -np.ones(e.size))])
    order = np.lexsort((d, t))
    t, d = t[order], d[order]
    level = np.cumsum(d)
    full = level == c
    if not full.any():
        return np.array([]), np.array([])
    starts = t[:-1][full[:-1]]
    ends = t[1:][full[:-1]]
    keep = ends > starts
    return _merge(starts[keep], ends[keep])


def active_periods(run: Run, station: int) -> tuple[np.ndarray, np.ndarray]:
    """Active periods of a station (Roser, Nakano & Tanaka, "A practical bottleneck detection method",
    Proc. Winter Simulation Conference 2001, 949–953): a machine is active while it works, sets up, is repaired
    or waits for its worker, and inactive while it waits for a part (starved), for a free place downstream
    (blocked) or for its shift. Consecutive operations with no inactive gap form one period. A station with
    parallel machines counts as active while all its machines are (it has no spare capacity then)."""
    ops = run.ops
    sel = ops["station"] == station
    get, pe, mach = ops["get"][sel], ops["pe"][sel], ops["machine"][sel]
    pe = np.where(np.isnan(pe), run.horizon, pe)
    per_machine = []
    for m in np.flatnonzero(run.machine_station == station):
        k = mach == m
        per_machine.append(_merge(get[k], pe[k]))
    return _all_busy(per_machine)


def shifting_bottleneck(
    periods: list[tuple[np.ndarray, np.ndarray]], lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray]:
    """Sole and shifting bottleneck time per station (Roser, Nakano & Tanaka, "Shifting bottleneck detection",
    Proc. Winter Simulation Conference 2002, 1079–1086): at any instant the station in the longest active period
    is the momentary bottleneck; where the active period of one bottleneck overlaps that of the previous or next
    bottleneck, both are shifting bottlenecks, otherwise the bottleneck is sole. Returns seconds within [lo, hi]."""
    n = len(periods)
    sole, shifting = np.zeros(n), np.zeros(n)
    cuts = np.unique(
        np.concatenate([np.clip(np.concatenate(p), lo, hi) for p in periods] + [np.array([lo, hi])])
    )
    if cuts.size < 2:
        return sole, shifting
    mid = (cuts[:-1] + cuts[1:]) / 2
    dur = np.zeros((n, mid.size))
    idx = np.full((n, mid.size), -1)
    for i, (s, e) in enumerate(periods):
        if s.size == 0:
            continue
        k = np.searchsorted(s, mid, side="right") - 1
        ok = (k >= 0) & (e[np.maximum(k, 0)] > mid)
        dur[i] = np.where(ok, (e - s)[np.maximum(k, 0)], 0.0)
        idx[i] = np.where(ok, k, -1)
    who = np.argmax(dur, axis=0)
    has = dur[who, np.arange(mid.size)] > 0
    who, pk = who[has], idx[who[has], np.flatnonzero(has)]
    if who.size == 0:
        return sole, shifting
    change = np.ones(who.size, dtype=bool)
    change[1:] = (who[1:] != who[:-1]) | (pk[1:] != pk[:-1])
    rs, rk = who[change], pk[change]
    ps = np.array([periods[s][0][k] for s, k in zip(rs, rk, strict=True)])
    pe = np.array([periods[s][1][k] for s, k in zip(rs, rk, strict=True)])
    total = np.clip(np.minimum(pe, hi) - np.maximum(ps, lo), 0, None)
    ov = np.clip(
        np.minimum(np.minimum(pe[:-1], pe[1:]), hi) - np.maximum(np.maximum(ps[:-1], ps[1:]), lo), 0, None
    )
    ov = np.where(rs[:-1] != rs[1:], ov, 0.0)
    sh = np.zeros(rs.size)
    sh[:-1] += ov
    sh[1:] += ov
    sh = np.minimum(sh, total)
    np.add.at(shifting, rs, sh)
    np.add.at(sole, rs, total - sh)
    return sole, shifting


def kpis(run: Run, line: LineModel) -> dict[str, Any]:
    """Every KPI of one replication over the measurement window [warmup, horizon] — computed from the log only.

    Line: throughput (good parts/h), lead time of good parts (exit − release), time-average WIP (∫ parts in line
    dt / T), scrap and lost rates. Stations: shares of machine time working / setup / down / waiting for a
    worker / waiting for material, an operator or a check (idle) / blocked / starved / off-shift, mean wait and
    length of the input buffer, OEE = availability × performance × quality (ISO 22400-2:2014, §5.3.1–5.3.4:
    availability = APT / PBT with actual production time APT = working time and planned busy time PBT = machine
    time − off-shift, so down, setup, waits for a worker, outside waits, blocked and starved time are all
    availability losses, as a machine's idle and waiting states are in `sandan.monitor.oee`; performance = ideal
    cycle time × parts / working time, capped at 1 as the dashboard caps it (`performance_raw` keeps it: above 1,
    the ideal cycle time is longer than the process time the model gives); quality = good / produced), mean
    active period and sole/shifting bottleneck shares (Roser et al. 2001, 2002). Workers: utilisation of each group
    over its shift time (a job begun before the shift ends is finished, so overtime can take it slightly above 1)."""
    lo, hi = run.warmup, run.horizon
    T = hi - lo
    ex, rel, scrap = run.part_exit, run.part_release, run.part_scrap
    out_win = np.isfinite(ex) & (ex >= lo) & (ex <= hi)
    good = out_win & ~scrap
    res: dict[str, Any] = {
        "throughput_per_h": good.sum() / T * 3600.0,
        "output_per_h": out_win.sum() / T * 3600.0,
        "scrap_per_h": (out_win & scrap).sum() / T * 3600.0,
        "lead_time_s": float((ex[good] - rel[good]).mean()) if good.any() else math.nan,
        "lead_time_all_s": float((ex[out_win] - rel[out_win]).mean()) if out_win.any() else math.nan,
        "wip": float(_clipped(rel, ex, lo, hi).sum() / T),
        "lost_per_h": run.lost / run.horizon * 3600.0,
    }
    ops, downs = run.ops, run.downs
    if line.calendar is not None:
        w, day = _window_seconds(line.calendar.windows, line.calendar.day_h)
        off_one = T - float(_working_time(hi, w, day) - _working_time(lo, w, day))
    else:
        off_one = 0.0
    stations: dict[str, dict[str, float]] = {}
    periods = []
    dn_station = run.machine_station[downs["machine"]] if downs["machine"].size else np.array([], dtype=int)
    idles = run.idles
    id_station = (
        run.machine_station[idles["machine"].astype("int64")]
        if idles["machine"].size
        else np.array([], dtype=int)
    )
    for i, s in enumerate(line.stations):
        sel = ops["station"] == i
        c = s.machines
        cap = c * T
        get, wk, ps, pe, out, tin = (ops[k][sel] for k in ("get", "wk", "ps", "pe", "out", "in"))
        dsel = dn_station == i
        down = _clipped(downs["start"][dsel], downs["end"][dsel], lo, hi).sum()
        isel = id_station == i
        idle = _clipped(idles["start"][isel], idles["end"][isel], lo, hi).sum()
        processing = _clipped(ps, pe, lo, hi).sum()
        working = processing - down
        setup = _clipped(wk, ps, lo, hi).sum()
        waiting = _clipped(get, wk, lo, hi).sum()
        blocked = _clipped(pe, out, lo, hi).sum()
        off = off_one * c
        starved = max(cap - working - down - setup - waiting - idle - blocked - off, 0.0)
        done = np.isfinite(pe) & (pe >= lo) & (pe <= hi)
        produced = int(done.sum())
        # good at this station = finished and not scrapped here: a part scrapped here leaves the line as it is
        # finished here (its exit is this operation's end); one scrapped further down left this station earlier
        part = ops["part"][sel]
        scrapped_here = int((done & scrap[part] & (pe == ex[part])).sum())
        planned = cap - off
        ideal = s.ideal_cycle_time_s or float(
            np.average(
                [
                    next(
                        (st.process_time for st in p.routing if st.station == s.id and st.process_time),
                        s.process_time,
                    ).expected
                    for p in line.products
                ],
                weights=line.mix(),
            )
        )
        # every share above but working and off-shift is lost planned busy time: they add up to `planned`
        avail = working / planned if planned > 0 else math.nan
        perf_raw = produced * ideal / working if working > 0 else math.nan
        perf = min(perf_raw, 1.0)  # NaN stays NaN
        qual = (produced - scrapped_here) / produced if produced else math.nan
        # queue: waits of parts taken in the window; length from the in-buffer intervals
        qmask = (get >= lo) & (get <= hi)
        qa = np.where(np.isnan(tin), hi, tin)
        at_end = run.queued_station == i
        queued = _clipped(qa, get, lo, hi).sum() + _clipped(run.queued_since[at_end], None, lo, hi).sum()
        ap_s, ap_e = active_periods(run, i)
        periods.append((ap_s, ap_e))
        ap_len = _clipped(ap_s, ap_e, lo, hi)
        ap_len = ap_len[ap_len > 0]
        stations[s.id] = {
            "working": working / cap,
            "setup": setup / cap,
            "down": down / cap,
            "waiting_worker": waiting / cap,
            "idle": idle / cap,
            "blocked": blocked / cap,
            "starved": starved / cap,
            "off_shift": off / cap,
            "utilisation": working / cap,
            "queue_time_s": float((get[qmask] - tin[qmask]).mean()) if qmask.any() else math.nan,
            "queue_length": queued / T,
            "availability": avail,
            "performance": perf,
            "performance_raw": perf_raw,
            "quality": qual,
            "oee": avail * perf * qual if produced else 0.0,
            "active_period_s": float(ap_len.mean()) if ap_len.size else 0.0,
        }
    sole, shifting = shifting_bottleneck(periods, lo, hi)
    for i, s in enumerate(line.stations):
        stations[s.id]["sole_bottleneck"] = sole[i] / T
        stations[s.id]["shifting_bottleneck"] = shifting[i] / T
    res["stations"] = stations
    workers = {}
    holds = run.holds
    for gi, g in enumerate(line.workers):
        k = holds["group"] == gi
        busy = _clipped(holds["start"][k], holds["end"][k], lo, hi).sum()
        if g.shift is not None:
            w, day = _window_seconds(g.shift, line.calendar.day_h if line.calendar else 24.0)
            avail_t = float(_working_time(hi, w, day) - _working_time(lo, w, day))
        else:
            avail_t = T
        workers[g.id] = {"utilisation": busy / (g.count * avail_t) if g.count and avail_t > 0 else math.nan}
    res["workers"] = workers
    return res


# ---- results ------------------------------------------------------------------------------------------------


@dataclass
class SimResult:
    """KPIs of a line over independent replications with 95 % confidence intervals (Law, 5th ed., §9.4.1).

    `bottleneck` is the station with the longest mean active period (Roser et al. 2001) in most replications;
    `per_replication` keeps each replication's figures."""

    line_id: str
    replications: int
    horizon: float
    warmup: float
    seed: int
    line: dict[str, Estimate]
    stations: dict[str, dict[str, Estimate]]
    workers: dict[str, dict[str, Estimate]]
    bottleneck: str
    bottleneck_votes: dict[str, int]
    per_replication: list[dict[str, Any]] = field(repr=False)
    operations: int = 0
    wall_s: float = 0.0

    def __getitem__(self, name: str) -> Estimate:
        return self.line[name]

    @property
    def throughput_per_h(self) -> Estimate:
        return self.line["throughput_per_h"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "replications": self.replications,
            "horizon_s": self.horizon,
            "warmup_s": self.warmup,
            "seed": self.seed,
            "line": {k: v.to_dict() for k, v in self.line.items()},
            "stations": {s: {k: v.to_dict() for k, v in d.items()} for s, d in self.stations.items()},
            "workers": {w: {k: v.to_dict() for k, v in d.items()} for w, d in self.workers.items()},
            "bottleneck": self.bottleneck,
            "bottleneck_votes": dict(self.bottleneck_votes),
            "operations": self.operations,
            "wall_s": self.wall_s,
            "labels": {k: {"en": en, "ko": ko} for k, (en, ko) in LABELS.items()},
        }


def summarise(
    line: LineModel, reps: list[dict[str, Any]], horizon: float, warmup: float, seed: int
) -> SimResult:
    """Combine replication KPIs (as returned by `replicate`) into estimates with confidence intervals.

    Bookkeeping a replication carries under names starting with "_" (operations, wall time) is not a KPI: it is
    summed into `operations` and `wall_s` and kept out of `line`."""
    scalar = [k for k, v in reps[0].items() if isinstance(v, int | float) and not k.startswith("_")]
    est_line = {k: Estimate.of([r[k] for r in reps]) for k in scalar}
    est_st = {
        s.id: {k: Estimate.of([r["stations"][s.id][k] for r in reps]) for k in reps[0]["stations"][s.id]}
        for s in line.stations
    }
    est_wk = {
        g.id: {k: Estimate.of([r["workers"][g.id][k] for r in reps]) for k in reps[0]["workers"][g.id]}
        for g in line.workers
    }
    votes: dict[str, int] = {}
    for r in reps:
        b = max(r["stations"], key=lambda s: r["stations"][s]["active_period_s"])
        votes[b] = votes.get(b, 0) + 1
    return SimResult(
        line_id=line.id,
        replications=len(reps),
        horizon=horizon,
        warmup=warmup,
        seed=seed,
        line=est_line,
        stations=est_st,
        workers=est_wk,
        bottleneck=max(votes, key=votes.get),
        bottleneck_votes=votes,
        per_replication=reps,
        operations=int(sum(r["_operations"] for r in reps)),
        wall_s=float(sum(r["_wall_s"] for r in reps)),
    )


def replicate(line: LineModel, horizon: float, warmup: float, seed: int, replication: int) -> dict[str, Any]:
    """One replication's KPIs (a plain dict, cheap to send between processes)."""
    run = simulate(line, horizon, warmup, seed, replication)
    res = kpis(run, line)
    res["_operations"] = run.n_operations
    res["_wall_s"] = run.wall_s
    return res


def run_line(
    line: LineModel | Any,
    replications: int = 10,
    horizon: float = 8 * 3600.0,
    warmup: float = 3600.0,
    seed: int = 0,
    progress: Progress | None = None,
    backend: str = "serial",
    workers: int | None = None,
) -> SimResult:
    """Simulate `line` `replications` times for `horizon` seconds each, discarding the first `warmup` seconds
    (replication/deletion, Law §9.5.2), with independent seeded random streams per replication.

    `backend`: "serial" here, "local" (process pool) or "ray" through `sandan.twin.experiments`.
    `progress(done, total)` is called after each replication."""
    from sandan.twin.line import load_line

    line = load_line(line)
    if replications < 2:
        raise InvalidInput(
            "need at least 2 replications for a confidence interval",
            "신뢰구간을 구하려면 반복 실행이 2회 이상 필요합니다",
            code="bad_replications",
        )
    if backend == "serial":
        reps = []
        for r in range(replications):
            reps.append(replicate(line, horizon, warmup, seed, r))
            if progress:
                progress(r + 1, replications)
    else:
        from sandan.twin.experiments import run_replications

        reps = run_replications(
            line, replications, horizon, warmup, seed, backend=backend, workers=workers, progress=progress
        )
    return summarise(line, reps, horizon, warmup, seed)
