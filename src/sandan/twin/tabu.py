"""Tabu search for the makespan of a classic job shop, used to give CP-SAT a good first schedule.

A schedule is one operation order per machine; its start times are the heads (longest paths) of the disjunctive
graph. Each step moves one operation of a block of a critical path (a run of operations on one machine) to the
front or the back of its block, or the block's first or last operation inside it (the neighbourhoods N5 of
Nowicki & Smutnicki 1996 and N6/N7 of Balas & Vazacopoulos 1998 and Zhang et al. 2007), chosen by the estimate of
the longest path through the moved stretch with all other heads and tails kept. Moves that could close a cycle
are skipped (the conditions of Balas & Vazacopoulos), and the chosen move is evaluated exactly. A move that
restores an order of operations reversed in the last 10 + jobs/machines steps (or up to half as many again, at
random) is tabu unless it promises to beat the best makespan.

The search runs in stretches ("runs"): when a run has found nothing better than its own best for `max_stall`
steps, that best joins a small elite set (best first, no duplicates), and the next run starts either between two
elite schedules (machine orders by a weighted mean of their start times, which cannot close a cycle, in the
spirit of the path relinking of i-TSAB, Nowicki & Smutnicki 2005) or from an elite schedule shaken by a few random
swaps on a critical path (a back jump, as in TSAB). After `max_restarts` runs in a row without a new overall
best it stops.

The core is compiled with numba (`cache=True`: the first call after an install or a change compiles for 10–15 s,
later processes load it in well under a second) and works on flat integer arrays: machine sequences,
positions, job and machine neighbours, heads and tails, recomputed in one O(n) topological pass per exact
evaluation. It runs in chunks of iterations between which the Python side looks at the clock; the compiled
search releases the GIL, so several independent searches (other seeds) can run at once in threads.

It handles one machine per operation, release times and no setups (`applies_to`); the flexible shop with setups
stays with CP-SAT alone.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from sandan.twin.schedule import ScheduledOp, ShopInstance

_ELITE = 8  # schedules kept for back jumps
_TENURE = 10  # tabu tenure: this plus jobs per machine, up to half as much again (Zhang et al. 2007)
_NEAR = 0.0  # elite schedules differ in at least this share of machine positions
_RELINK = 0.5  # share of the runs that start between two elite schedules rather than from a shaken one
# positions of the search's counters in its state array
_ITER, _STALL, _BEST, _CUR, _IDLE, _RESTARTS, _RUN = range(7)


def applies_to(instance: ShopInstance) -> bool:
    """One machine per operation and no setup times: the classic job shop (release times allowed)."""
    return not instance.is_flexible and not instance.has_setups and instance.num_operations > 1


class _Shop:
    """Flat operation numbers of a classic job shop: durations, machines, releases, job neighbours."""

    def __init__(self, instance: ShopInstance) -> None:
        self.instance = instance
        self.key: list[tuple[int, int]] = []
        dur: list[int] = []
        machine: list[int] = []
        release: list[int] = []
        job_prev: list[int] = []
        job_next: list[int] = []
        machine_index = {name: i for i, name in enumerate(instance.machines)}
        self.index: dict[tuple[int, int], int] = {}
        for j, job in enumerate(instance.jobs):
            for k, op in enumerate(job.operations):
                o = len(self.key)
                self.index[(j, k)] = o
                self.key.append((j, k))
                name, duration = op.alternatives[0]
                dur.append(duration)
                machine.append(machine_index[name])
                release.append(job.release if k == 0 else 0)
                job_prev.append(o - 1 if k > 0 else -1)
                job_next.append(o + 1 if k + 1 < len(job.operations) else -1)
        self.n = len(self.key)
        self.num_machines = len(instance.machines)
        self.dur = np.array(dur, dtype=np.int64)
        self.machine = np.array(machine, dtype=np.int64)
        self.release = np.array(release, dtype=np.int64)
        self.job_prev = np.array(job_prev, dtype=np.int64)
        self.job_next = np.array(job_next, dtype=np.int64)

    def flat(self) -> tuple[np.ndarray, ...]:
        """Durations, releases and job neighbours, in the order the compiled functions take them."""
        return self.dur, self.release, self.job_prev, self.job_next

    def sequences_of(self, schedule: Sequence[ScheduledOp]) -> tuple[np.ndarray, np.ndarray]:
        """Machine orders of a schedule by start time (ties by end time, so zero-length operations go first),
        as a machines × longest-order array and the length of each order."""
        jobs = {job.name: j for j, job in enumerate(self.instance.jobs)}
        seqs: list[list[tuple[int, int, int]]] = [[] for _ in range(self.num_machines)]
        for s in schedule:
            o = self.index[(jobs[s.job], s.op)]
            seqs[int(self.machine[o])].append((s.start, s.end, o))
        count = np.array([len(seq) for seq in seqs], dtype=np.int64)
        table = np.full((self.num_machines, max(int(count.max()), 1)), -1, dtype=np.int64)
        for m, seq in enumerate(seqs):
            for i, (_, _, o) in enumerate(sorted(seq)):
                table[m, i] = o
        return table, count

    def schedule(self, head: np.ndarray) -> list[ScheduledOp]:
        from sandan.twin.schedule import ScheduledOp

        out = []
        for o, (j, k) in enumerate(self.key):
            job = self.instance.jobs[j]
            start = int(head[o])
            out.append(
                ScheduledOp(
                    job.name, k, job.operations[k].alternatives[0][0], start, start + int(self.dur[o])
                )
            )
        return out


@njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


@njit(cache=True)
def _links(seq, count, pos, mprev, mnext):
    """Positions and machine neighbours from the machine orders."""
    for m in range(seq.shape[0]):
        for i in range(count[m]):
            o = seq[m, i]
            pos[o] = i
            mprev[o] = seq[m, i - 1] if i > 0 else -1
            mnext[o] = seq[m, i + 1] if i + 1 < count[m] else -1


@njit(cache=True)
def _evaluate(dur, release, jprev, jnext, mprev, mnext, head, tail, order, indeg):
    """Heads and tails of the disjunctive graph in one topological pass; the makespan, or -1 on a cycle."""
    n = dur.shape[0]
    top = 0
    for o in range(n):
        d = 0
        if jprev[o] >= 0:
            d += 1
        if mprev[o] >= 0:
            d += 1
        indeg[o] = d
        head[o] = release[o]
        if d == 0:
            order[top] = o
            top += 1
    i = 0
    while i < top:
        o = order[i]
        i += 1
        end = head[o] + dur[o]
        s = jnext[o]
        if s >= 0:
            if end > head[s]:
                head[s] = end
            indeg[s] -= 1
            if indeg[s] == 0:
                order[top] = s
                top += 1
        s = mnext[o]
        if s >= 0:
            if end > head[s]:
                head[s] = end
            indeg[s] -= 1
            if indeg[s] == 0:
                order[top] = s
                top += 1
    if top < n:
        return -1
    makespan = 0
    for k in range(n - 1, -1, -1):
        o = order[k]
        t = 0
        s = jnext[o]
        if s >= 0:
            t = tail[s] + dur[s]
        s = mnext[o]
        if s >= 0 and tail[s] + dur[s] > t:
            t = tail[s] + dur[s]
        tail[o] = t
        if head[o] + dur[o] > makespan:
            makespan = head[o] + dur[o]
    return makespan


@njit(cache=True)
def _critical_path(dur, jprev, mprev, head, makespan, path):
    """One longest path into `path` from its first operation on, ties broken at random; returns its length."""
    n = dur.shape[0]
    o = -1
    seen = 0
    for x in range(n):
        if head[x] + dur[x] == makespan:
            seen += 1
            if np.random.randint(seen) == 0:
                o = x
    length = 0
    while o >= 0:
        path[length] = o
        length += 1
        jp = jprev[o]
        mp = mprev[o]
        by_job = jp >= 0 and head[jp] + dur[jp] == head[o]
        by_machine = mp >= 0 and head[mp] + dur[mp] == head[o]
        if by_job and by_machine:
            o = jp if np.random.random() < 0.5 else mp
        elif by_job:
            o = jp
        elif by_machine:
            o = mp
        else:
            o = -1
    for i in range(length // 2):
        path[i], path[length - 1 - i] = path[length - 1 - i], path[i]
    return length


@njit(cache=True)
def _shift(seq, m, a, b, pos, mprev, mnext, count):
    """Move the operation at position a of machine m to position b (the others in between shift by one)."""
    u = seq[m, a]
    if a < b:
        for i in range(a, b):
            seq[m, i] = seq[m, i + 1]
    else:
        for i in range(a, b, -1):
            seq[m, i] = seq[m, i - 1]
    seq[m, b] = u
    lo = min(a, b)
    hi = max(a, b)
    for i in range(max(lo - 1, 0), min(hi + 2, count[m])):
        o = seq[m, i]
        pos[o] = i
        mprev[o] = seq[m, i - 1] if i > 0 else -1
        mnext[o] = seq[m, i + 1] if i + 1 < count[m] else -1


@njit(cache=True)
def _stretch(seq, m, a, b, k):
    """The k-th operation of positions min(a,b)..max(a,b) of machine m after moving position a to b."""
    if a < b:  # forward: a+1..b, then the moved one
        return seq[m, a + 1 + k] if a + 1 + k <= b else seq[m, a]
    return seq[m, a] if k == 0 else seq[m, b + k - 1]  # backward: the moved one, then b..a-1


@njit(cache=True)
def _estimate(seq, count, m, a, b, head, tail, dur, jprev, jnext, release, work):
    """The longest path through the moved stretch, with the heads and tails of all other operations kept."""
    lo = min(a, b)
    hi = max(a, b)
    size = hi - lo + 1
    ready = 0
    if lo > 0:
        p = seq[m, lo - 1]
        ready = head[p] + dur[p]
    for k in range(size):
        x = _stretch(seq, m, a, b, k)
        jp = jprev[x]
        r = head[jp] + dur[jp] if jp >= 0 else release[x]
        if ready > r:
            r = ready
        work[k] = r
        ready = r + dur[x]
    after = 0
    if hi + 1 < count[m]:
        s = seq[m, hi + 1]
        after = tail[s] + dur[s]
    value = 0
    for k in range(size - 1, -1, -1):
        x = _stretch(seq, m, a, b, k)
        js = jnext[x]
        q = tail[js] + dur[js] if js >= 0 else 0
        if after > q:
            q = after
        after = q + dur[x]
        if work[k] + after > value:
            value = work[k] + after
    return value


@njit(cache=True)
def _tabu_until(seq, m, a, b, tabu, n):
    """The iteration until which the move is tabu: the latest expiry among the orders it creates."""
    u = seq[m, a]
    size = tabu.shape[0]
    until = 0
    if a < b:  # u goes after a+1..b: creates (x, u)
        for i in range(a + 1, b + 1):
            t = tabu[(seq[m, i] * n + u) % size]
            if t > until:
                until = t
    else:  # u goes before b..a-1: creates (u, x)
        for i in range(b, a):
            t = tabu[(u * n + seq[m, i]) % size]
            if t > until:
                until = t
    return until


@njit(cache=True)
def _forbid(seq, m, a, b, tabu, n, until, created, pairs):
    """After the move of position a to b: forbid restoring the old orders (created=False) or, for a move found
    to close a cycle, forbid the orders it would create (created=True), until iteration `until`; only the
    `pairs` orders nearest the moved operation's old place."""
    size = tabu.shape[0]
    u = seq[m, b]
    if a < b:  # the moved one now sits at b, after a..b-1
        for i in range(a, min(b, a + pairs)):
            x = seq[m, i]
            tabu[((x * n + u) if created else (u * n + x)) % size] = until
    else:  # the moved one now sits at b, before b+1..a
        for i in range(a, max(b, a - pairs), -1):
            x = seq[m, i]
            tabu[((u * n + x) if created else (x * n + u)) % size] = until


@njit(cache=True)
def _moves(path, length, mnext, machine, pos, head, tail, dur, jprev, jnext, seq, mv):
    """Moves (machine, from, to) of the critical blocks that can shorten the path and cannot close a cycle."""
    count = 0
    start = 0
    block = 0
    last_block = 0
    for i in range(length - 1):
        if mnext[path[i]] != path[i + 1]:
            last_block += 1
    for i in range(length):
        if i + 1 < length and mnext[path[i]] == path[i + 1]:
            continue
        p0 = pos[path[start]]
        p1 = pos[path[i]]
        m = machine[path[i]]
        if p1 > p0:
            if block > 0:  # the front of the block may change
                for p in range(p0 + 1, p1 + 1):
                    count = _add(mv, count, seq, m, p, p0, head, tail, dur, jprev, jnext)
                for p in range(p0 + 2, p1 + 1):
                    count = _add(mv, count, seq, m, p0, p, head, tail, dur, jprev, jnext)
            if block < last_block:  # the back of the block may change
                for p in range(p0 + (1 if block > 0 else 0), p1):
                    count = _add(mv, count, seq, m, p, p1, head, tail, dur, jprev, jnext)
                for p in range(p0 + (1 if block > 0 else 0), p1 - 1):
                    count = _add(mv, count, seq, m, p1, p, head, tail, dur, jprev, jnext)
        start = i + 1
        block += 1
    return count


@njit(cache=True)
def _add(mv, count, seq, m, a, b, head, tail, dur, jprev, jnext):
    """Append the move of position a to b unless a path outside the machine could make it close a cycle."""
    if count >= mv.shape[0]:
        return count
    u = seq[m, a]
    v = seq[m, b]
    if a > b:  # u goes before v: unsafe if u's job predecessor may come after v
        jp = jprev[u]
        if jp >= 0 and head[jp] >= head[v] + dur[v]:
            return count
    else:  # u goes after v: unsafe if u's job successor may come before v
        js = jnext[u]
        if js >= 0 and tail[js] >= tail[v] + dur[v]:
            return count
    mv[count, 0] = m
    mv[count, 1] = a
    mv[count, 2] = b
    return count + 1


@njit(cache=True)
def _load(src, seq, count, pos, mprev, mnext, dur, release, jprev, jnext, head, tail, order, indeg):
    seq[:, :] = src
    _links(seq, count, pos, mprev, mnext)
    return _evaluate(dur, release, jprev, jnext, mprev, mnext, head, tail, order, indeg)


@njit(cache=True, nogil=True)  # nogil: parallel searches run in threads (`improve_makespan`'s `threads`)
def _search(
    dur,
    machine,
    release,
    jprev,
    jnext,
    seq,
    count,
    pos,
    mprev,
    mnext,
    head,
    tail,
    best_seq,
    run_seq,
    elite,
    elite_value,
    tabu,
    state,
    iterations,
    lower_bound,
    max_stall,
    max_restarts,
    exact,
    tenure,
    relink,
    near,
):
    """Run up to `iterations` steps; returns 1 at the lower bound, 2 after too many idle restarts, else 0."""
    n = dur.shape[0]
    order = np.empty(n, dtype=np.int64)
    indeg = np.empty(n, dtype=np.int64)
    path = np.empty(n, dtype=np.int64)
    work = np.empty(n + 1, dtype=np.int64)
    mv = np.empty((8 * n + 8, 3), dtype=np.int64)
    value = np.empty(8 * n + 8, dtype=np.int64)
    until = np.empty(8 * n + 8, dtype=np.int64)
    pick = np.empty(max(exact, 1), dtype=np.int64)
    for _ in range(iterations):
        if state[_BEST] <= lower_bound:
            return 1
        if state[_IDLE] > max_restarts:
            return 2
        state[_ITER] += 1
        it = state[_ITER]
        makespan = state[_CUR]
        length = _critical_path(dur, jprev, mprev, head, makespan, path)
        moves = _moves(path, length, mnext, machine, pos, head, tail, dur, jprev, jnext, seq, mv)
        chosen = 0
        if state[_STALL] < max_stall:
            # the `exact` allowed moves with the best estimates (ties at random); if every move is tabu and none
            # promises a new best, the one whose tabu ends first
            for k in range(moves):
                value[k] = _estimate(
                    seq, count, mv[k, 0], mv[k, 1], mv[k, 2], head, tail, dur, jprev, jnext, release, work
                )
                until[k] = _tabu_until(seq, mv[k, 0], mv[k, 1], mv[k, 2], tabu, n)
            for _ in range(exact):
                best_k = -1
                best_v = 0
                ties = 0
                for k in range(moves):
                    if until[k] > it and value[k] >= state[_BEST]:
                        continue
                    taken = False
                    for c in range(chosen):
                        if pick[c] == k:
                            taken = True
                    if taken:
                        continue
                    if best_k < 0 or value[k] < best_v:
                        best_k, best_v, ties = k, value[k], 1
                    elif value[k] == best_v:
                        ties += 1
                        if np.random.randint(ties) == 0:
                            best_k = k
                if best_k < 0:
                    break
                pick[chosen] = best_k
                chosen += 1
            if chosen == 0 and moves > 0:
                best_k = 0
                for k in range(1, moves):
                    if until[k] < until[best_k]:
                        best_k = k
                pick[0] = best_k
                chosen = 1
        done = -1
        if chosen > 0:
            # evaluate the picks exactly and keep the shortest
            best_value = -1
            for c in range(chosen):
                k = pick[c]
                m, a, b = mv[k, 0], mv[k, 1], mv[k, 2]
                _shift(seq, m, a, b, pos, mprev, mnext, count)
                result = _evaluate(dur, release, jprev, jnext, mprev, mnext, head, tail, order, indeg)
                if result < 0:
                    _forbid(seq, m, a, b, tabu, n, it + tenure, True, n)
                elif best_value < 0 or result < best_value:
                    best_value = result
                    done = k
                _shift(seq, m, b, a, pos, mprev, mnext, count)
            if done >= 0:
                m, a, b = mv[done, 0], mv[done, 1], mv[done, 2]
                _shift(seq, m, a, b, pos, mprev, mnext, count)
                makespan = _evaluate(dur, release, jprev, jnext, mprev, mnext, head, tail, order, indeg)
                _forbid(seq, m, a, b, tabu, n, it + tenure + np.random.randint(tenure // 2 + 1), False, n)
                state[_CUR] = makespan
                if makespan < state[_RUN]:
                    state[_RUN] = makespan
                    run_seq[:, :] = seq
                    state[_STALL] = 0
                    if makespan < state[_BEST]:
                        state[_BEST] = makespan
                        best_seq[:, :] = seq
                        state[_IDLE] = 0
                else:
                    state[_STALL] += 1
            else:
                _evaluate(dur, release, jprev, jnext, mprev, mnext, head, tail, order, indeg)
                state[_STALL] += 1
        if done < 0 and (chosen == 0 or state[_STALL] >= max_stall):
            # no move left on the path, or a long stall: the run's best joins the elite set, and the next run
            # starts between two elite schedules or from a shaken elite schedule
            _offer(run_seq, state[_RUN], elite, elite_value, count, near)
            kept = 0
            for e in range(elite_value.shape[0]):
                if elite_value[e] >= 0:
                    kept += 1
            if kept >= 2 and np.random.random() < relink:
                a = np.random.randint(kept)
                b = (a + 1 + np.random.randint(kept - 1)) % kept
                _between(
                    elite[a],
                    elite[b],
                    30 + np.random.randint(41),
                    seq,
                    count,
                    pos,
                    mprev,
                    mnext,
                    dur,
                    release,
                    jprev,
                    jnext,
                    head,
                    tail,
                    order,
                    indeg,
                    path,
                )
                makespan = _load(
                    seq.copy(),
                    seq,
                    count,
                    pos,
                    mprev,
                    mnext,
                    dur,
                    release,
                    jprev,
                    jnext,
                    head,
                    tail,
                    order,
                    indeg,
                )
            else:
                e = 0 if np.random.random() < 0.5 else np.random.randint(kept)
                makespan = _load(
                    elite[e],
                    seq,
                    count,
                    pos,
                    mprev,
                    mnext,
                    dur,
                    release,
                    jprev,
                    jnext,
                    head,
                    tail,
                    order,
                    indeg,
                )
                for _ in range(2 + np.random.randint(5)):
                    length = _critical_path(dur, jprev, mprev, head, makespan, path)
                    swaps = 0
                    for i in range(length - 1):
                        if mnext[path[i]] == path[i + 1]:
                            swaps += 1
                    if swaps == 0:
                        break
                    r = np.random.randint(swaps)
                    for i in range(length - 1):
                        if mnext[path[i]] == path[i + 1]:
                            if r == 0:
                                o = path[i]
                                _shift(seq, machine[o], pos[o], pos[o] + 1, pos, mprev, mnext, count)
                                break
                            r -= 1
                    makespan = _evaluate(dur, release, jprev, jnext, mprev, mnext, head, tail, order, indeg)
            state[_CUR] = makespan
            state[_RUN] = makespan
            run_seq[:, :] = seq
            if makespan < state[_BEST]:
                state[_BEST] = makespan
                best_seq[:, :] = seq
            state[_ITER] += 2 * tenure + 2  # every tabu entry expires
            state[_STALL] = 0
            state[_IDLE] += 1
            state[_RESTARTS] += 1
    return 0


@njit(cache=True)
def _offer(seq, makespan, elite, elite_value, count, near):
    """Keep a schedule in the elite set (best first) if it beats the worst kept; a schedule that differs from a
    kept one in fewer than `near` machine positions replaces that one instead, if it is shorter, so the set
    stays spread out."""
    size = elite_value.shape[0]
    worst = -1
    for e in range(size):
        if elite_value[e] < 0:  # a free slot (they come last)
            worst = e
            break
        d = 0
        for m in range(seq.shape[0]):
            for i in range(count[m]):
                if elite[e, m, i] != seq[m, i]:
                    d += 1
        if d < near:
            if makespan >= elite_value[e]:
                return
            worst = e
            break
        if worst < 0 or elite_value[e] > elite_value[worst]:
            worst = e
    if elite_value[worst] >= 0 and elite_value[worst] <= makespan:
        return
    elite[worst, :, :] = seq
    elite_value[worst] = makespan
    for e in range(worst, 0, -1):  # keep the set sorted, free slots last
        if elite_value[e - 1] >= 0 and elite_value[e - 1] <= elite_value[e]:
            break
        elite_value[e - 1], elite_value[e] = elite_value[e], elite_value[e - 1]
        keep = elite[e - 1].copy()
        elite[e - 1, :, :] = elite[e]
        elite[e, :, :] = keep


@njit(cache=True)
def _between(
    first,
    second,
    percent,
    seq,
    count,
    pos,
    mprev,
    mnext,
    dur,
    release,
    jprev,
    jnext,
    head,
    tail,
    order,
    indeg,
    key,
):
    """Machine orders by a weighted mean of the start times of two schedules (`percent` % of the first's).

    Every arc of either schedule goes forward in both, so it goes forward in the mean too (ties by operation
    number, which grows along each job): the result has no cycle and lies between the two.
    """
    n = dur.shape[0]
    _load(first, seq, count, pos, mprev, mnext, dur, release, jprev, jnext, head, tail, order, indeg)
    for o in range(n):
        key[o] = percent * head[o]
    _load(second, seq, count, pos, mprev, mnext, dur, release, jprev, jnext, head, tail, order, indeg)
    for o in range(n):
        key[o] = (key[o] + (100 - percent) * head[o]) * n + o
    for m in range(seq.shape[0]):
        ops = seq[m, : count[m]].copy()
        ranks = np.argsort(key[ops])
        for i in range(count[m]):
            seq[m, i] = ops[ranks[i]]


def improve_makespan(
    instance: ShopInstance,
    schedule: Sequence[ScheduledOp],
    *,
    time_limit_s: float = 5.0,
    lower_bound: int = 0,
    seed: int = 0,
    max_stall: int = 3000,
    max_restarts: int = 200,
    exact: int = 1,
    threads: int = 1,
) -> list[ScheduledOp]:
    """The best schedule a tabu search finds from `schedule` within `time_limit_s`; never a longer one.

    After `max_stall` moves without a better makespan of its run it starts a new run between two elite schedules
    or from a shaken one (see the module's description); it stops early at `lower_bound` (no schedule can be
    shorter) or when `max_restarts` runs in a row found nothing better. `exact` is how many of the moves with the best estimates are evaluated exactly.
    `threads` > 1 runs that many independent searches at once (seeds `seed`, `seed` + 1, …; the compiled search
    releases the GIL, so each gets a core) and keeps the best; they stop together when one reaches the lower bound.
    `schedule` must be feasible (`check_schedule`) and the instance a classic job shop (`applies_to`). The same
    seed gives the same sequence of moves; where the time limit cuts it depends on the machine's speed.
    """
    if not applies_to(instance):
        raise ValueError("the tabu search handles one machine per operation and no setups")
    deadline = time.perf_counter() + time_limit_s
    shop = _Shop(instance)
    start, count = shop.sequences_of(schedule)
    n = shop.n
    arrays = _Arrays(n)
    makespan = _load(start, arrays.seq(start), count, *arrays.links(), *shop.flat(), *arrays.times())
    if makespan < 0:
        raise ValueError("the machine orders contain a cycle")
    settings = (lower_bound, max_stall, max_restarts, max(exact, 1))
    tenure = _TENURE + len(instance.jobs) // max(len(instance.machines), 1)
    stop = np.zeros(1, dtype=np.int64)  # set by a search that reached the lower bound: the others stop too
    if threads <= 1:
        found = [_run(shop, start, count, makespan, deadline, seed, tenure, settings, stop)]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            runs = [
                pool.submit(_run, shop, start, count, makespan, deadline, seed + t, tenure, settings, stop)
                for t in range(threads)
            ]
            found = [r.result() for r in runs]
    value, best_seq = min(found, key=lambda f: f[0])
    seq = start if value >= makespan else best_seq
    _load(seq, arrays.seq(seq), count, *arrays.links(), *shop.flat(), *arrays.times())
    return shop.schedule(arrays.head)


class _Arrays:
    """A search's working arrays over `n` operations (machine links, heads and tails)."""

    def __init__(self, n: int) -> None:
        self.pos, self.mprev, self.mnext = (np.empty(n, dtype=np.int64) for _ in range(3))
        self.head, self.tail, self.order, self.indeg = (np.empty(n, dtype=np.int64) for _ in range(4))
        self._seq: np.ndarray | None = None

    def seq(self, like: np.ndarray) -> np.ndarray:
        if self._seq is None:
            self._seq = like.copy()
        return self._seq

    def links(self) -> tuple[np.ndarray, ...]:
        return self.pos, self.mprev, self.mnext

    def times(self) -> tuple[np.ndarray, ...]:
        return self.head, self.tail, self.order, self.indeg


def _run(
    shop: _Shop,
    start: np.ndarray,
    count: np.ndarray,
    makespan: int,
    deadline: float,
    seed: int,
    tenure: int,
    settings: tuple[int, int, int, int],
    stop: np.ndarray,
) -> tuple[int, np.ndarray]:
    """One search from `start` until `deadline` (or a stop): (its best makespan, its best machine orders)."""
    lower_bound, max_stall, max_restarts, exact = settings
    n = shop.n
    a = _Arrays(n)
    seq = a.seq(start)
    _load(start, seq, count, *a.links(), *shop.flat(), *a.times())
    best_seq = seq.copy()
    run_seq = seq.copy()
    elite = np.repeat(seq[None, :, :], _ELITE, axis=0)
    elite_value = np.full(_ELITE, -1, dtype=np.int64)
    elite_value[0] = makespan
    tabu = np.zeros(min(n * n, 1 << 22), dtype=np.int64)  # (a * n + b) -> until when a may not precede b
    state = np.zeros(7, dtype=np.int64)
    state[_BEST] = state[_CUR] = state[_RUN] = makespan
    _seed(seed)  # numba keeps one random state per thread
    chunk = 64
    first = True  # one chunk at least, even when loading or compiling the search took the whole time
    while (first or time.perf_counter() < deadline) and not stop[0]:
        first = False
        began = time.perf_counter()
        status = _search(
            shop.dur,
            shop.machine,
            shop.release,
            shop.job_prev,
            shop.job_next,
            seq,
            count,
            *a.links(),
            a.head,
            a.tail,
            best_seq,
            run_seq,
            elite,
            elite_value,
            tabu,
            state,
            chunk,
            lower_bound,
            max_stall,
            max_restarts,
            exact,
            tenure,
            _RELINK,
            max(1, int(_NEAR * n)),
        )
        if status == 1:
            stop[0] = 1
        if status:
            break
        if time.perf_counter() - began < 0.01:  # chunks of about 20 ms between looks at the clock
            chunk *= 2
    return int(state[_BEST]), best_seq


def compile_ahead() -> float:
    """Compile (or load from numba's cache) the search by running it once on a tiny shop; returns the seconds it
    took. The setup script calls it, so the first `sandan schedule` after an install does not spend its time limit
    compiling."""
    from sandan.twin.schedule import dispatch_schedule, parse_jsplib

    began = time.perf_counter()
    shop = parse_jsplib("3 3\n0 3 1 2 2 2\n0 2 2 1 1 4\n1 4 2 3 0 1\n", "warm-up")
    improve_makespan(shop, dispatch_schedule(shop), time_limit_s=0.01, threads=2)
    return time.perf_counter() - began
