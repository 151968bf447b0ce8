"""Exact line balancing by station-oriented branch and bound, for lines without workers (SALBP-1; SALBP-2 as a
series of SALBP-1 decisions).

A node is the set of tasks already on stations, the stations opened one after another along the line; its children
are the loads the next station can take. Only maximal loads are tried (no available task still fits; Scholl &
Klein 1997, SALOME's maximum-load rule), the first `EAGER` of a station fullest first, and a load is skipped
when it holds a task j that an available task i could replace while it still fits, i potentially dominating j:
t_i ≥ t_j and every successor of j a successor of i (Jackson 1956). A node is cut when the stations used plus a
bin-packing bound of the tasks left exceed the target — LB1 ⌈Σt / c⌉, LB2 (tasks longer than c/2 and pairs of c/2) and LB3 (weights 1, 2/3, 1/2, 1/3
for tasks longer than 2c/3, of 2c/3, between c/3 and 2c/3, and of c/3; Scholl & Klein 1997) — or when the idle
time of the stations opened so far exceeds what the target leaves (m·c − Σt). Every task set proved unable to
finish within the target is remembered with the stations it was reached at and never searched again (the
"remember" of Sewell & Jacobson's BB&R, 2012); a smaller target only tightens, so the memory carries over as the
target falls. The line is also searched backwards (the reversed precedence graph: stations from the end), which
on some lines is far easier (Scholl & Klein 1997 search both directions). Before the exact search, each
direction's Hoffmann plan (the fullest load a station, no backtracking) is tried.

Tasks are numbered 0 … n−1 in a topological order and sets are Python ints used as bit sets.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

EAGER = 200  # loads of a station enumerated and sorted before the search dives
QUICK_STEPS = 2000  # enumeration steps a station of the quick (Hoffmann) plan may take


class _OutOfTime(Exception):
    pass


@dataclass(frozen=True)
class SearchOutcome:
    """`stations`: the best plan found (the start plan if nothing better), task numbers per station in line order;
    `lower`: a proved lower bound on the stations (on the cycle time for `shortest_cycle_time`);
    `proved`: the plan's value equals `lower`; `nodes`: subproblems searched."""

    stations: list[list[int]]
    lower: int
    proved: bool
    nodes: int


def bin_packing_bound(times: list[int], cycle_time: int) -> int:
    """max(LB1, LB2, LB3) of Scholl & Klein (1997) for tasks with these times: stations any line needs."""
    c = cycle_time
    w2 = sum(2 if 2 * t > c else 1 if 2 * t == c else 0 for t in times)
    return max(-(-sum(times) // c), -(-w2 // 2), -(-sum(_w3(t, c) for t in times) // 6), 1 if times else 0)


def _w3(t: int, c: int) -> int:
    """LB3's weight of a task, in sixths: 1, 2/3, 1/2, 1/3 or 0."""
    if 3 * t > 2 * c:
        return 6
    if 3 * t == 2 * c:
        return 4
    if 3 * t > c:
        return 3
    return 2 if 3 * t == c else 0


class _Line:
    """One direction of a line at one cycle time: times, precedence bit sets and the search's memory."""

    def __init__(self, times: list[int], preds: list[int], cycle_time: int, deadline: float) -> None:
        n = len(times)
        self.n, self.times, self.preds, self.c, self.deadline = n, times, preds, cycle_time, deadline
        self.full = (1 << n) - 1
        self.total = sum(times)
        self.succs = [[s for s in range(n) if preds[s] >> i & 1] for i in range(n)]
        self.succ_mask = [sum(1 << s for s in self.succs[i]) for i in range(n)]
        every = [0] * n  # all (transitive) successors
        for i in reversed(range(n)):
            for s in self.succs[i]:
                every[i] |= (1 << s) | every[s]
        # dominated_by[j]: the tasks i that potentially dominate j (ties go to the lower number)
        self.dominated_by = [
            sum(
                1 << i
                for i in range(n)
                if i != j
                and times[i] >= times[j]
                and every[j] & ~every[i] == 0
                and (times[i] > times[j] or every[i] != every[j] or i < j)
            )
            for j in range(n)
        ]
        # stations a task and its successors fill at least (Scholl 1999 §5.1): it cannot start later than that
        # many stations from the end; the tasks with the longest such tails are checked first
        self.tail = [-(-(times[i] + sum(times[s] for s in _bits(every[i]))) // cycle_time) for i in range(n)]
        self.by_tail = sorted(range(n), key=lambda i: -self.tail[i])
        self.w2 = [2 if 2 * t > cycle_time else 1 if 2 * t == cycle_time else 0 for t in times]
        self.w3 = [_w3(t, cycle_time) for t in times]
        self.sum_w2, self.sum_w3 = sum(self.w2), sum(self.w3)
        self.memo: dict[int, int] = {}
        self.nodes = 0
        self.steps = 0
        self.cap: int | None = None  # the quick plan's last enumeration step of a station
        self.target = 0
        self.slack = 0
        self.path: list[int] = []

    def ready(self, done: int) -> int:
        """Tasks not in `done` whose predecessors all are."""
        out = 0
        rest = self.full & ~done
        while rest:
            low = rest & -rest
            i = low.bit_length() - 1
            rest ^= low
            if self.preds[i] & ~done == 0:
                out |= low
        return out

    def loads(self, done: int, least: int) -> Iterator[tuple[int, int, int, int]]:
        """The maximal, undominated loads of the next station after `done` with at least `least` time:
        (tasks, time, LB2 weight, LB3 weight). The first `EAGER` come fullest first; past them the rest follow
        as they are found (a station can take hundreds of thousands of loads, most of them full, and enumerating
        them all before the first dive would cost more than the whole search)."""
        found = self._grow(done, least)
        first = sorted(itertools.islice(found, EAGER), key=lambda x: -x[1])
        yield from first
        if len(first) == EAGER:
            yield from found

    def _grow(self, done: int, least: int) -> Iterator[tuple[int, int, int, int]]:
        times, c, succs, preds = self.times, self.c, self.succs, self.preds
        start = self.ready(done)
        stack = [(0, 0, start, start, 0, 0)]
        while stack:
            chosen, load, cand, avail, w2, w3 = stack.pop()
            self.steps += 1
            if not self.steps & 4095 and time.perf_counter() > self.deadline:
                raise _OutOfTime
            if self.cap is not None and self.steps > self.cap:
                return
            grew = False
            rest = cand
            children = []
            while rest:
                low = rest & -rest
                rest ^= low
                i = low.bit_length() - 1
                t = times[i]
                if load + t > c:
                    continue
                grew = True
                now = done | chosen | low
                new = 0
                for s in succs[i]:
                    if preds[s] & ~now == 0:
                        new |= 1 << s
                children.append(
                    (
                        chosen | low,
                        load + t,
                        rest | new,
                        (avail ^ low) | new,
                        w2 + self.w2[i],
                        w3 + self.w3[i],
                    )
                )
            if grew:
                stack += reversed(children)  # the lowest-numbered (longest) task is tried first
                continue
            if not chosen or load < least:
                continue
            if self._maximal(chosen, load, avail):
                yield chosen, load, w2, w3

    def _maximal(self, chosen: int, load: int, avail: int) -> bool:
        """No available task still fits, and no available task could take the place of a task ending the load
        while it fits (Jackson's dominance)."""
        times = self.times
        room = self.c - load
        left = avail
        while left:
            low = left & -left
            left ^= low
            if times[low.bit_length() - 1] <= room:
                return False
        leaves = chosen
        while leaves:
            low = leaves & -leaves
            leaves ^= low
            j = low.bit_length() - 1
            if self.succ_mask[j] & chosen:
                continue
            rivals = self.dominated_by[j] & avail
            while rivals:
                r = rivals & -rivals
                rivals ^= r
                if times[r.bit_length() - 1] - times[j] <= room:
                    return False
        return True

    def fullest(self) -> list[int]:
        """A plan without backtracking: each station takes the fullest load found within `EAGER` loads or
        `QUICK_STEPS` steps of the enumeration (Hoffmann's heuristic, 1963, capped). Its loads, first station
        first."""
        done, plan = 0, []
        while done != self.full:
            best, most = self._first_fit(done), -1
            self.cap = self.steps + QUICK_STEPS
            for count, (load_set, load, _, _) in enumerate(self._grow(done, 0)):
                if load > most:
                    best, most = load_set, load
                if load == self.c or count + 1 >= EAGER:
                    break
            self.cap = None
            plan.append(best)
            done |= best
        return plan

    def _first_fit(self, done: int) -> int:
        """A maximal load by first fit: the ready tasks in order (longest first), each taken if it still fits."""
        chosen, load = 0, 0
        grew = True
        while grew:
            grew = False
            rest = self.ready(done | chosen)
            while rest:
                low = rest & -rest
                rest ^= low
                t = self.times[low.bit_length() - 1]
                if load + t <= self.c:
                    chosen, load, grew = chosen | low, load + t, True
        return chosen

    def decide(self, target: int) -> bool:
        """Is there a plan with at most `target` stations? Records it in `path` (loads, last station first).
        Raises _OutOfTime at the deadline."""
        self.target = target
        self.slack = target * self.c - self.total
        self.path = []
        if self.slack < 0:
            return False
        # one call deep per station: a line of a thousand one-task stations needs more than Python's default. The
        # limit is process-wide and only raised, never put back: another thread's search may be deep in it.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), target + 1000))
        return self._dive(0, 0, 0, 0, 0)

    def _dive(self, done: int, depth: int, done_time: int, w2: int, w3: int) -> bool:
        if done == self.full:
            return True
        self.nodes += 1
        if not self.nodes & 1023 and time.perf_counter() > self.deadline:
            raise _OutOfTime
        c = self.c
        rest = self.total - done_time
        bound = max(-(-rest // c), -(-(self.sum_w2 - w2) // 2), -(-(self.sum_w3 - w3) // 6))
        if depth + bound > self.target:
            return False
        for i in self.by_tail:
            if not done >> i & 1:
                if depth + self.tail[i] > self.target:
                    return False
                break
        seen = self.memo.get(done)
        if seen is not None and seen <= depth:
            return False
        idle_left = self.slack - (depth * c - done_time)
        for load_set, load, lw2, lw3 in self.loads(done, c - idle_left):
            if self._dive(done | load_set, depth + 1, done_time + load, w2 + lw2, w3 + lw3):
                self.path.append(load_set)
                return True
        self.memo[done] = depth
        return False


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _direction(times: list[int], preds: list[int], backwards: bool) -> tuple[list[int], list[int], list[int]]:
    """The line renumbered for the search, read forwards or from its end (every precedence turned round): a
    topological order that takes the longest ready task first, so the loads tried first hold the long tasks.
    Returns the times and predecessor sets in the new numbers and the original number of each."""
    n = len(times)
    before = [_bits(p) for p in preds]
    after: list[list[int]] = [[] for _ in range(n)]
    for b, ps in enumerate(before):
        for a in ps:
            after[a].append(b)
    if backwards:
        before, after = after, before
    waiting = [len(ps) for ps in before]
    ready = [(-times[i], i) for i in range(n) if not waiting[i]]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        _, i = heapq.heappop(ready)
        order.append(i)
        for s in after[i]:
            waiting[s] -= 1
            if not waiting[s]:
                heapq.heappush(ready, (-times[s], s))
    new = {old: k for k, old in enumerate(order)}
    new_preds = [sum(1 << new[a] for a in before[old]) for old in order]
    return [times[old] for old in order], new_preds, order


class _Race:
    """Both directions of a line at one cycle time, searched in turn with growing time slices (the easy direction
    shows early), each keeping its memory between turns."""

    def __init__(
        self, times: list[int], preds: list[int], cycle_time: int, deadline: float, directions=(False, True)
    ) -> None:
        self.lines = []
        for backwards in directions:
            own_times, own_preds, original = _direction(times, preds, backwards)
            self.lines.append((_Line(own_times, own_preds, cycle_time, deadline), backwards, original))
        self.turn = 0
        self.quick: list[list[int]] | None = None

    @property
    def nodes(self) -> int:
        return sum(line.nodes for line, _, _ in self.lines)

    def _fullest(self, deadline: float) -> list[list[int]] | None:
        """The shorter of both directions' Hoffmann plans (None if the deadline comes first)."""
        plans = []
        for line, backwards, original in self.lines:
            line.deadline = deadline
            try:
                plans.append(self._original(line.fullest(), backwards, original))
            except _OutOfTime:
                return None
        return min(plans, key=len)

    @staticmethod
    def _original(loads: list[int], backwards: bool, original: list[int]) -> list[list[int]]:
        plan = [sorted(original[i] for i in _bits(s)) for s in loads]
        return plan[::-1] if backwards else plan

    def decide(self, target: int, deadline: float) -> list[list[int]] | bool | None:
        """A plan with at most `target` stations (original task numbers, stations in line order), False when
        none exists, None when the deadline came first. The Hoffmann plans are tried first: on lines whose
        exact search thrashes near the end they are far better than a partial search."""
        if self.quick is None:
            self.quick = self._fullest(deadline)
            if self.quick is None:
                return None
        if len(self.quick) <= target:
            return self.quick
        while (now := time.perf_counter()) < deadline:
            line, backwards, original = self.lines[self.turn % len(self.lines)]
            line.deadline = min(deadline, now + 0.05 * 2 ** (self.turn // 2))
            self.turn += 1
            try:
                if not line.decide(target):
                    return False
            except _OutOfTime:
                continue
            return self._original(line.path[::-1], backwards, original)
        return None


def fewest_stations(
    times: list[int],
    preds: list[int],
    cycle_time: int,
    *,
    start: list[list[int]],
    lower: int,
    deadline: float,
    improved: Callable[[int], None] | None = None,
) -> SearchOutcome:
    """SALBP-1: the fewest stations for `cycle_time`. `preds[i]` is the bit set of task i's direct predecessors;
    `start` a valid plan to improve on; `lower` a proved bound; `improved(stations)` is told of each better plan.
    Asks for one station fewer than the best plan until that is proved impossible or the bound is reached; stops
    at `deadline` (time.perf_counter()) with the best plan and bound so far."""
    lower = max(lower, bin_packing_bound(times, cycle_time))
    best = [list(s) for s in start]
    race = _Race(times, preds, cycle_time, deadline)
    while len(best) > lower:
        plan = race.decide(len(best) - 1, deadline)
        if plan is None:
            break
        if plan is False:
            lower = len(best)  # no plan with fewer stations: `best` is optimal
            break
        best = plan
        if improved:
            improved(len(best))
    return SearchOutcome(best, lower, len(best) <= lower, race.nodes)


def load_sums(times: list[int], upper: int) -> int:
    """Every load a station could have up to `upper`, as a bit set (bit c set: some tasks' times sum to c). A
    line's cycle time is its fullest station's load, so only these are worth deciding; between two of them a
    cycle time admits the same plans as the lower one. Few counts are skipped where many tasks have fine times
    (their sums are dense); the doubling steps of `shortest_cycle_time` carry those lines."""
    sums, mask = 1, (1 << (upper + 1)) - 1
    for t in times:
        sums = (sums | (sums << t)) & mask
    return sums


def _next_sum(sums: int, c: int) -> int | None:
    """The least load of `sums` at or above `c`, or None."""
    rest = sums >> c
    return c + ((rest & -rest).bit_length() - 1) if rest else None


def shortest_cycle_time(
    times: list[int],
    preds: list[int],
    stations: int,
    *,
    start: list[list[int]],
    upper: int,
    lower: int,
    deadline: float,
    improved: Callable[[int], None] | None = None,
) -> tuple[SearchOutcome, int]:
    """SALBP-2: the shortest cycle time with at most `stations` stations, between a proved `lower` bound and the
    cycle time `upper` that the plan `start` reaches, each step a SALBP-1 decision at one cycle time. A cycle time
    that admits no plan refutes every shorter one, and one that admits a plan is an upper bound, so the bound is
    tried first (the optimum is most often at or just above it; Scholl & Klein 1997), then cycle times above it in
    steps that double while none admits a plan, never past the middle of what is left: first each with half the
    time left, a decision that runs out left open; then the open ones again, from the lowest, with all the time
    left and the memory of the first try. Returns the outcome (`lower` a cycle time
    here) and the best plan's cycle time. Only cycle times some station load can equal are decided (`load_sums`)."""
    best, high = [list(s) for s in start], upper
    sums = load_sums(times, upper)
    lower = min(_next_sum(sums, lower) or high, high)
    while lower < high and bin_packing_bound(times, lower) > stations:
        # the bin-packing bounds need a longer cycle time to fit the stations
        lower = min(_next_sum(sums, lower + 1) or high, high)
    races: dict[int, _Race] = {}
    for share in (0.5, 1.0):
        c, step, tried = lower, 0, set()
        # a cycle time is decided once a pass: one left open waits for the next pass's whole time
        while c < high and c not in tried and (now := time.perf_counter()) < deadline:
            tried.add(c)
            race = races.get(c) or races.setdefault(c, _Race(times, preds, c, deadline))
            plan = race.decide(stations, now + (deadline - now) * share)
            if plan is False:  # the optimum is a load above c
                lower = max(lower, _next_sum(sums, c + 1) or high)
                step = max(1, 2 * step)
            elif plan is not None:
                best, high = plan, max(sum(times[i] for i in s) for s in plan)
                if improved:
                    improved(high)
            # the next cycle time: the bound first, then steps doubling while none admits a plan, never past
            # the middle of what is left — at most a few more decisions than stepping by one where the optimum
            # is at the bound, and a logarithmic number where times counted in thousandths leave a wide gap
            nxt = lower + min(step, (high - lower) // 2)
            if plan is None:  # left open: further up in this pass, back to it in the next
                nxt = max(nxt, c + 1)
            c = _next_sum(sums, nxt) or high
            if c >= high and plan is not None:  # no load between the step and the best plan: the bound next
                c = lower
    nodes = sum(race.nodes for race in races.values())
    return SearchOutcome(best, lower, high <= lower, nodes), high
