"""Tabu search for the makespan of a classic job shop, used to give CP-SAT a good first schedule.

A schedule is one operation order per machine; its start times are the heads (longest paths) of the disjunctive
graph. Each step moves one operation of a block of a critical path (a run of operations on one machine) to the
front or the back of its block, or the block's first or last operation inside it (the neighbourhoods N5 of
Nowicki & Smutnicki 1996 and N6/N7 of Balas & Vazacopoulos 1998 and Zhang et al. 2007), chosen by the estimate of
the longest path through the moved stretch. Moves that could close a cycle are skipped, and a schedule is only
taken after an exact evaluation. A move that restores a recently reversed pair is tabu unless it promises to beat
the best makespan; when the search stalls it restarts from the best order with a few random critical swaps.

It handles one machine per operation, release times and no setups (`applies_to`); the flexible shop with setups
stays with CP-SAT alone.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandan.twin.schedule import ScheduledOp, ShopInstance


def applies_to(instance: ShopInstance) -> bool:
    """One machine per operation and no setup times: the classic job shop (release times allowed)."""
    return not instance.is_flexible and not instance.has_setups and instance.num_operations > 1


class _Shop:
    """The disjunctive graph of an order: flat operation numbers, job and machine neighbours, heads and tails."""

    def __init__(self, instance: ShopInstance) -> None:
        self.instance = instance
        self.key: list[tuple[int, int]] = []
        self.dur: list[int] = []
        self.machine: list[int] = []
        self.release: list[int] = []
        self.job_prev: list[int] = []
        self.job_next: list[int] = []
        machine_index = {name: i for i, name in enumerate(instance.machines)}
        self.index: dict[tuple[int, int], int] = {}
        for j, job in enumerate(instance.jobs):
            for k, op in enumerate(job.operations):
                o = len(self.key)
                self.index[(j, k)] = o
                self.key.append((j, k))
                name, duration = op.alternatives[0]
                self.dur.append(duration)
                self.machine.append(machine_index[name])
                self.release.append(job.release if k == 0 else 0)
                self.job_prev.append(o - 1 if k > 0 else -1)
                self.job_next.append(o + 1 if k + 1 < len(job.operations) else -1)
        self.n = len(self.key)
        self.num_machines = len(instance.machines)

    def sequences_of(self, schedule: Sequence[ScheduledOp]) -> list[list[int]]:
        """Machine orders of a schedule, by start time (ties by end time, so zero-length operations go first)."""
        jobs = {job.name: j for j, job in enumerate(self.instance.jobs)}
        seqs: list[list[tuple[int, int, int]]] = [[] for _ in range(self.num_machines)]
        for s in schedule:
            o = self.index[(jobs[s.job], s.op)]
            seqs[self.machine[o]].append((s.start, s.end, o))
        return [[o for _, _, o in sorted(seq)] for seq in seqs]

    def evaluate(self, seqs: list[list[int]]) -> tuple[list[int], list[int], list[int], list[int], int]:
        """Machine neighbours, heads (earliest starts), tails (longest path after the end) and the makespan."""
        n, dur, job_prev, job_next = self.n, self.dur, self.job_prev, self.job_next
        mprev = [-1] * n
        mnext = [-1] * n
        for seq in seqs:
            for a, b in zip(seq, seq[1:], strict=False):
                mnext[a] = b
                mprev[b] = a
        indeg = [(job_prev[o] >= 0) + (mprev[o] >= 0) for o in range(n)]
        order = [o for o in range(n) if indeg[o] == 0]
        head = list(self.release)
        i = 0
        while i < len(order):
            o = order[i]
            i += 1
            end = head[o] + dur[o]
            for s in (job_next[o], mnext[o]):
                if s >= 0:
                    if end > head[s]:
                        head[s] = end
                    indeg[s] -= 1
                    if indeg[s] == 0:
                        order.append(s)
        if len(order) != n:
            raise ValueError("the machine orders contain a cycle")
        tail = [0] * n
        for o in reversed(order):
            best = 0
            for s in (job_next[o], mnext[o]):
                if s >= 0:
                    t = tail[s] + dur[s]
                    if t > best:
                        best = t
            tail[o] = best
        makespan = max(head[o] + dur[o] for o in range(n))
        return mprev, mnext, head, tail, makespan

    def critical_path(
        self,
        mprev: list[int],
        head: list[int],
        tail: list[int],
        makespan: int,
        rng: random.Random,
    ) -> list[int]:
        """One longest path, from its last operation back to its first, ties broken at random."""
        dur, job_prev = self.dur, self.job_prev
        ends = [o for o in range(self.n) if tail[o] == 0 and head[o] + dur[o] == makespan]
        o = rng.choice(ends)
        path = [o]
        while True:
            options = [p for p in (job_prev[o], mprev[o]) if p >= 0 and head[p] + dur[p] == head[o]]
            if not options:
                break
            o = options[0] if len(options) == 1 else rng.choice(options)
            path.append(o)
        path.reverse()
        return path

    def schedule(self, head: list[int]) -> list[ScheduledOp]:
        from sandan.twin.schedule import ScheduledOp

        out = []
        for o, (j, k) in enumerate(self.key):
            job = self.instance.jobs[j]
            out.append(
                ScheduledOp(job.name, k, job.operations[k].alternatives[0][0], head[o], head[o] + self.dur[o])
            )
        return out


def _blocks(path: list[int], mnext: list[int]) -> list[list[int]]:
    """A critical path cut into blocks: maximal runs of operations that follow each other on one machine."""
    blocks: list[list[int]] = [[path[0]]]
    for a, b in zip(path, path[1:], strict=False):
        if mnext[a] == b:
            blocks[-1].append(b)
        else:
            blocks.append([b])
    return blocks


def _moves(blocks: list[list[int]]) -> set[tuple[int, int, bool]]:
    """Moves (u, v, before): put operation u directly before (or after) v, both in one critical block.

    Only moves that can shorten the path are listed (Nowicki & Smutnicki 1996; Balas & Vazacopoulos 1998; the
    extension of Zhang et al. 2007): an inner operation goes to the front or the back of its block, or the
    first or last operation goes inside; the front of the first block and the back of the last are left alone,
    as reordering there keeps the path's length.
    """
    moves: set[tuple[int, int, bool]] = set()
    last = len(blocks) - 1
    for i, block in enumerate(blocks):
        k = len(block)
        if k < 2:
            continue
        first, final = block[0], block[-1]
        if i > 0:  # the front of the block may change
            for u in block[1:]:
                moves.add((u, first, True))  # u to the front
            for v in block[2:]:
                moves.add((first, v, False))  # the first operation goes after v (v = block[1]: a swap)
        if i < last:  # the back of the block may change
            for u in block[:-1]:
                moves.add((u, final, False))  # u to the back
            for v in block[:-2]:
                moves.add((final, v, True))  # the last operation goes before v
    return moves


def improve_makespan(
    instance: ShopInstance,
    schedule: Sequence[ScheduledOp],
    *,
    time_limit_s: float = 5.0,
    lower_bound: int = 0,
    seed: int = 0,
    max_stall: int = 300,
    max_restarts: int = 8,
    exact: int = 1,
) -> list[ScheduledOp]:
    """The best schedule a tabu search finds from `schedule` within `time_limit_s`; never a longer one.

    After `max_stall` moves without a better makespan it restarts from the best order, slightly shaken; it stops
    early at `lower_bound` (no schedule can be shorter) or after `max_restarts` restarts in a row that found
    nothing better. `exact` is how many of the moves with the best estimates are evaluated exactly. `schedule`
    must be feasible (`check_schedule`) and the instance a classic job shop (`applies_to`).
    """
    if not applies_to(instance):
        raise ValueError("the tabu search handles one machine per operation and no setups")
    deadline = time.perf_counter() + time_limit_s
    rng = random.Random(seed)
    shop = _Shop(instance)
    dur, job_prev, job_next, release, machine_of = (
        shop.dur,
        shop.job_prev,
        shop.job_next,
        shop.release,
        shop.machine,
    )
    seqs = shop.sequences_of(schedule)
    mprev, mnext, head, tail, makespan = shop.evaluate(seqs)
    best_seqs = [list(s) for s in seqs]
    best_head, best = head, makespan
    pos = _positions(seqs, shop.n)
    base = 10 + len(instance.jobs) // max(len(instance.machines), 1)
    tabu: dict[tuple[int, int], int] = {}  # (a, b): until this iteration no move may put a before b
    iteration = stall = restarts = 0
    while best > lower_bound and restarts <= max_restarts and time.perf_counter() < deadline:
        iteration += 1
        blocks = _blocks(shop.critical_path(mprev, head, tail, makespan, rng), mnext)
        candidates = []
        moves = _moves(blocks)
        for u, v, before in moves:
            seq = seqs[machine_of[u]]
            pu, pv = pos[u], pos[v]
            if before:  # u (after v) goes directly before v
                lo, hi = pv, pu
                segment = seq[pv:pu]
                new = [u, *segment]
                created = [(u, x) for x in segment]
                jp = job_prev[u]
                if jp >= 0 and head[jp] >= head[v] + dur[v]:
                    continue  # a path from the block to u's job predecessor might close a cycle
            else:  # u (before v) goes directly after v
                if pv == pu + 1 and (v, u, True) in moves:
                    continue  # the same swap as "v directly before u"
                lo, hi = pu, pv
                segment = seq[pu + 1 : pv + 1]
                new = [*segment, u]
                created = [(x, u) for x in segment]
                js = job_next[u]
                if js >= 0 and tail[js] >= tail[v] + dur[v]:
                    continue  # a path from u's job successor into the block might close a cycle
            value = _estimate(new, seq, lo, hi, head, tail, dur, job_prev, job_next, release)
            expiry = max((tabu.get(pair, 0) for pair in created), default=0)
            candidates.append((value, expiry, u, v, before, lo, hi, new, created))
        allowed = [c for c in candidates if c[1] <= iteration or c[0] < best]
        if not allowed and candidates:
            allowed = [min(candidates, key=lambda c: c[1])]  # all tabu: the one whose tabu ends first
        chosen = result = None
        if allowed and stall < max_stall:
            # the estimate ignores knock-on effects, so the few best estimates are evaluated exactly
            allowed.sort(key=lambda c: (c[0], rng.random()))
            for c in allowed[:exact]:
                seq = seqs[machine_of[c[2]]]
                old = seq[c[5] : c[6] + 1]
                seq[c[5] : c[6] + 1] = c[7]
                try:
                    trial = shop.evaluate(seqs)
                except ValueError:  # a cycle after all: forbid the move for a while
                    trial = None
                    for pair in c[8]:
                        tabu[pair] = iteration + base
                seq[c[5] : c[6] + 1] = old
                if trial is not None and (result is None or trial[4] < result[4]):
                    chosen, result = c, trial
        if chosen is None or result is None:
            # no move left on the path, or a long stall: restart near the best order
            seqs = [list(s) for s in best_seqs]
            pos = _positions(seqs, shop.n)
            mprev, mnext, head, tail, makespan = shop.evaluate(seqs)
            for _ in range(rng.randint(2, 6)):
                path = shop.critical_path(mprev, head, tail, makespan, rng)
                pairs = [(a, b) for a, b in zip(path, path[1:], strict=False) if mnext[a] == b]
                if not pairs:
                    break
                u, v = rng.choice(pairs)
                seq = seqs[machine_of[u]]
                seq[pos[u]], seq[pos[v]] = v, u
                pos[u], pos[v] = pos[v], pos[u]
                mprev, mnext, head, tail, makespan = shop.evaluate(seqs)
            tabu.clear()
            stall = 0
            restarts += 1
            continue
        _, _, u, v, before, lo, hi, new, created = chosen
        seq = seqs[machine_of[u]]
        seq[lo : hi + 1] = new
        for i in range(lo, hi + 1):
            pos[seq[i]] = i
        tenure = iteration + rng.randint(base, base + base // 2)
        for a, b in created:
            tabu[(b, a)] = tenure  # forbid restoring the old order of the pair
        mprev, mnext, head, tail, makespan = result
        if makespan < best:
            best, best_head = makespan, head
            best_seqs = [list(s) for s in seqs]
            stall = restarts = 0
        else:
            stall += 1
    return shop.schedule(best_head)


def _positions(seqs: list[list[int]], n: int) -> list[int]:
    pos = [0] * n
    for seq in seqs:
        for i, o in enumerate(seq):
            pos[o] = i
    return pos


def _estimate(
    new: list[int],
    seq: list[int],
    lo: int,
    hi: int,
    head: list[int],
    tail: list[int],
    dur: list[int],
    job_prev: list[int],
    job_next: list[int],
    release: list[int],
) -> int:
    """The longest path through the reordered stretch `seq[lo..hi]` = `new`, with the heads and tails of all
    other operations as they are (the usual estimate of a move; exact for the stretch itself)."""
    if lo > 0:
        p = seq[lo - 1]
        ready = head[p] + dur[p]
    else:
        ready = 0
    heads = []
    for x in new:
        jp = job_prev[x]
        r = max(ready, head[jp] + dur[jp] if jp >= 0 else release[x])
        heads.append(r)
        ready = r + dur[x]
    if hi + 1 < len(seq):
        s = seq[hi + 1]
        after = tail[s] + dur[s]
    else:
        after = 0
    value = 0
    for i in range(len(new) - 1, -1, -1):
        x = new[i]
        js = job_next[x]
        q = max(after, tail[js] + dur[js] if js >= 0 else 0)
        after = q + dur[x]
        if heads[i] + after > value:
            value = heads[i] + after
    return value
