"""Benchmark: line balancing (SALBP-1 and SALBP-2) against exact answers, and its times at the size of
the public test sets.

1. Small lines (10–12 tasks, random times and precedence graphs) whose optimum a dynamic programme over the
   precedence-closed task sets finds exactly, independently of CP-SAT: does `balance_line` reach it and prove it?
2. Generated lines of the sizes of Scholl's data sets (Scholl 1993: 7–297 tasks, order strength 0.2–0.8, times of
   one to a few hundred units): stations or cycle time against the SALOME lower bounds, proved or not within the
   time limit, and the wall time.

3. Mixed generated lines (sizes, time distributions, order strengths and station counts of the public sets'
   range), each solved by sandan (its branch and bound, then CP-SAT) and by CP-SAT alone in the same run: how many
   each proves optimal, and whose plan is better.

Every plan is confirmed by `check_balance` inside `balance_line` (a plan with a violation would be reported).
Run: .venv/bin/python benchmarks/balance.py [--limit 60] [--small 8] [--sizes 50,100,200,297] [--mixed 20]
     [--mixed-limit 20]
"""

from __future__ import annotations

import argparse
import random
import time

from sandan.twin.balance import (
    LineProblem,
    balance_line,
    cycle_time_lower_bound,
    stations_lower_bound,
)


def random_line(seed: int, n: int, edge_p: float, times: tuple[int, int]) -> LineProblem:
    """Random whole task times in `times` and a random acyclic precedence graph (edges from lower to higher task
    numbers, each with probability `edge_p`)."""
    rng = random.Random(seed)
    task_times = {f"t{i + 1}": rng.randint(*times) for i in range(n)}
    pairs = tuple(
        (f"t{a + 1}", f"t{b + 1}") for a in range(n) for b in range(a + 1, n) if rng.random() < edge_p
    )
    return LineProblem(f"random{seed}-n{n}", task_times, pairs)


def order_strength(problem: LineProblem) -> float:
    """Share of task pairs ordered by the transitive closure of the precedence graph (Scholl 1999 §2.2.1)."""
    tasks = list(problem.task_times)
    after: dict[str, set[str]] = {t: set() for t in tasks}
    for a, b in problem.precedences:
        after[a].add(b)
    closure: dict[str, set[str]] = {}
    for t in reversed(tasks):  # edges run from lower to higher numbers
        reach: set[str] = set()
        for s in after[t]:
            reach |= {s} | closure[s]
        closure[t] = reach
    n = len(tasks)
    return sum(len(r) for r in closure.values()) / (n * (n - 1) / 2)


def exact_stations(problem: LineProblem, cycle_time: int) -> int:
    """Fewest stations by breadth-first search over the precedence-closed sets of assigned tasks: each step opens
    one station and puts on it any set of tasks that fits the cycle time and keeps the assigned set closed."""
    tasks = list(problem.task_times)
    n = len(tasks)
    index = {t: i for i, t in enumerate(tasks)}
    preds = [0] * n
    for a, b in problem.precedences:
        preds[index[b]] |= 1 << index[a]
    full = (1 << n) - 1
    load = [0] * (1 << n)
    for mask in range(1, 1 << n):
        low = (mask & -mask).bit_length() - 1
        load[mask] = load[mask & (mask - 1)] + problem.task_times[tasks[low]]
    closed = [all((preds[i] & ~mask) == 0 for i in range(n) if mask >> i & 1) for mask in range(1 << n)]
    seen, frontier, stations = {0}, [0], 0
    while frontier:
        stations += 1
        nxt = []
        for done in frontier:
            rest = full & ~done
            sub = rest
            while sub:
                if load[sub] <= cycle_time and closed[done | sub] and (done | sub) not in seen:
                    if done | sub == full:
                        return stations
                    seen.add(done | sub)
                    nxt.append(done | sub)
                sub = (sub - 1) & rest
        frontier = nxt
    raise ValueError("no line: a task is longer than the cycle time")


def exact_cycle_time(problem: LineProblem, stations: int) -> int:
    """Shortest cycle time for `stations` stations: the least cycle time whose fewest stations are at most that."""
    lo = cycle_time_lower_bound(problem, stations)
    hi = sum(problem.task_times.values())
    while lo < hi:
        mid = (lo + hi) // 2
        if exact_stations(problem, mid) <= stations:
            hi = mid
        else:
            lo = mid + 1
    return lo


def small(count: int, limit: float) -> None:
    print(f"1. {count} small lines against the exact dynamic programme (time limit {limit:g} s, 2 workers)")
    print(
        f"{'line':18} {'tasks':>5} {'OS':>5} {'kind':7} {'exact':>6} {'sandan':>7} {'status':9} {'time s':>7}"
    )
    hit = proved = runs = 0
    for seed in range(count):
        n = 10 + seed % 3
        problem = random_line(seed, n, 0.25, (1, 20))
        total, longest = sum(problem.task_times.values()), max(problem.task_times.values())
        cycle = max(longest, round(total / 4))
        for kind, want, kwargs in (
            ("salbp1", exact_stations(problem, cycle), {"cycle_time": cycle}),
            ("salbp2", exact_cycle_time(problem, 4), {"stations": 4}),
        ):
            result = balance_line(problem, kind, time_limit_s=limit, solver_workers=2, **kwargs)
            got = result.num_stations if kind == "salbp1" else result.cycle_time
            assert not result.violations, result.violations
            runs += 1
            hit += got == want
            proved += result.status == "optimal"
            print(
                f"{problem.name:18} {n:5d} {order_strength(problem):5.2f} {kind:7} {want:6d} {got:7d} "
                f"{result.status:9} {result.wall_time_s:7.2f}"
            )
    print(f"   at the exact optimum {hit}/{runs}, proved optimal {proved}/{runs}")


def large(sizes: list[int], limit: float) -> None:
    print(f"\n2. lines of the public sets' sizes (time limit {limit:g} s, 2 workers)")
    print(
        f"{'line':18} {'tasks':>5} {'OS':>5} {'kind':7} {'given':>6} {'bound':>6} {'sandan':>7} {'gap':>6} "
        f"{'status':9} {'time s':>7}"
    )
    for n in sizes:
        # a sparser graph for more tasks keeps the order strength in Scholl's range (about 0.2–0.8)
        problem = random_line(1000 + n, n, min(0.5, 12 / n), (1, 100))
        total, longest = sum(problem.task_times.values()), max(problem.task_times.values())
        m = max(3, n // 8)
        cycle = max(longest, round(total / m))
        for kind, given, bound, kwargs in (
            ("salbp1", cycle, stations_lower_bound(problem, cycle), {"cycle_time": cycle}),
            ("salbp2", m, cycle_time_lower_bound(problem, m), {"stations": m}),
        ):
            result = balance_line(problem, kind, time_limit_s=limit, solver_workers=2, **kwargs)
            assert not result.violations, result.violations
            got = result.num_stations if kind == "salbp1" else result.cycle_time
            gap = (got - bound) / bound if got else float("nan")
            print(
                f"{problem.name:18} {n:5d} {order_strength(problem):5.2f} {kind:7} {given:6d} {bound:6d} "
                f"{got:7d} {gap:6.1%} {result.status:9} {result.wall_time_s:7.2f}"
            )


def mixed_line(seed: int) -> tuple[LineProblem, str, str, int]:
    """A generated line in the variety of the public sets: 50–300 tasks; times uniform 1–100, peaked at the
    bottom (mostly short) or bimodal (mostly short, some long; the distributions of Otto, Otto & Scholl 2013);
    each later task a successor with probability 2/n, 5/n or 12/n (about 1, 2.5 or 6 edges a task); a cycle time
    or a station count for 2 to n/3 stations. Returns the line, its time distribution, the kind and the cycle time
    (SALBP-1) or stations (SALBP-2)."""
    rng = random.Random(seed)
    n = rng.choice([50, 100, 150, 200, 300])
    dist = rng.choice(["uniform", "bottom", "bimodal"])
    problem = random_line(seed, n, rng.choice([2, 5, 12]) / n, (1, 100))
    if dist != "uniform":
        draw = random.Random(seed + 7)

        def time_of() -> int:
            if dist == "bottom" or draw.random() < 0.7:
                return max(1, int(draw.gauss(20, 15 if dist == "bottom" else 10)))
            return min(200, int(draw.gauss(120, 20)))

        problem = LineProblem(problem.name, {t: time_of() for t in problem.task_times}, problem.precedences)
    total, longest = sum(problem.task_times.values()), max(problem.task_times.values())
    m = rng.randint(max(2, n // 20), max(3, n // 3))
    if seed % 2 == 0:
        return problem, dist, "salbp1", max(longest, round(total / m))
    return problem, dist, "salbp2", m


def mixed(count: int, limit: float) -> None:
    print(
        f"\n3. {count} mixed lines, sandan (branch and bound, then CP-SAT) against CP-SAT alone, {limit:g} s each"
    )
    print(
        f"{'seed':>4} {'tasks':>5} {'times':8} {'OS':>5} {'kind':7} {'given':>6} "
        f"{'sandan':>7} {'bound':>6} {'status':9} {'time s':>7} {'CP-SAT':>7} {'bound':>6} {'status':9} {'time s':>7}"
    )
    proved = {True: 0, False: 0}
    better = worse = 0
    for seed in range(count):
        problem, dist, kind, given = mixed_line(seed)
        kwargs = {"cycle_time": given} if kind == "salbp1" else {"stations": given}
        got = {}
        for search in (True, False):
            result = balance_line(
                problem, kind, time_limit_s=limit, solver_workers=2, search=search, **kwargs
            )
            assert not result.violations, result.violations
            got[search] = result
            proved[search] += result.status == "optimal"
        value = {k: r.num_stations if kind == "salbp1" else r.cycle_time for k, r in got.items()}
        better += value[True] < value[False]
        worse += value[True] > value[False]
        ours, theirs = got[True], got[False]
        print(
            f"{seed:4d} {len(problem.task_times):5d} {dist:8} {order_strength(problem):5.2f} {kind:7} {given:6d} "
            f"{value[True]:7d} {ours.lower_bound:6d} {ours.status:9} {ours.wall_time_s:7.1f} "
            f"{value[False]:7d} {theirs.lower_bound:6d} {theirs.status:9} {theirs.wall_time_s:7.1f}"
        )
    print(
        f"   proved optimal: sandan {proved[True]}/{count}, CP-SAT alone {proved[False]}/{count}; "
        f"sandan's plan better on {better}, worse on {worse}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=float, default=60.0, help="time limit per solve, s")
    ap.add_argument("--small", type=int, default=8, help="small lines checked against the exact optimum")
    ap.add_argument("--sizes", default="50,100,200,297", help="task counts of the generated large lines")
    ap.add_argument("--mixed", type=int, default=20, help="mixed lines, sandan against CP-SAT alone")
    ap.add_argument(
        "--mixed-limit", type=float, default=20.0, help="time limit per solve of the mixed lines, s"
    )
    args = ap.parse_args()
    t0 = time.perf_counter()
    small(args.small, args.limit)
    large([int(s) for s in args.sizes.split(",") if s], args.limit)
    if args.mixed:
        mixed(args.mixed, args.mixed_limit)
    print(f"wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
