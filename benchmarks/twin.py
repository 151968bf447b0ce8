"""Benchmark: the twin's simulation engine against a plain SimPy model of the same line, in the same run.

Prints operations per second of both (an operation = one part finished at one station) and their ratio.
"""

from __future__ import annotations

import argparse
import random
import time

import simpy

from sandan.twin.line import LineModel
from sandan.twin.sim import kpis, simulate

MEANS = (1.0, 1.1, 0.9, 1.2, 1.0)  # mean process time per station, s (exponential)
MTBF, MTTR = 400.0, 20.0  # operating seconds between failures, repair seconds (both exponential)
BUFFER = 5


def twin_line() -> LineModel:
    return LineModel.from_dict(
        {
            "id": "bench5",
            "stations": [
                {
                    "id": f"s{i + 1}",
                    "process_time": {"kind": "exponential", "mean": m},
                    "buffer": BUFFER,
                    "failure": {"mtbf": MTBF, "mttr": MTTR},
                }
                for i, m in enumerate(MEANS)
            ],
            "release": {"policy": "kanban"},
        }
    )


def plain_simpy(horizon: float, seed: int) -> int:
    """The same line written directly in SimPy: Store buffers, one process per station, failures in operating
    time interrupting the part in work, a first station that never starves. Returns operations done."""
    env = simpy.Environment()
    rnd = random.Random(seed)
    stores = [simpy.Store(env, capacity=BUFFER) for _ in MEANS[1:]]
    done = [0]

    def station(i: int):
        ttf = rnd.expovariate(1.0 / MTBF)
        while True:
            if i > 0:
                yield stores[i - 1].get()
            pt = rnd.expovariate(1.0 / MEANS[i])
            while pt >= ttf:
                yield env.timeout(ttf)
                pt -= ttf
                yield env.timeout(rnd.expovariate(1.0 / MTTR))
                ttf = rnd.expovariate(1.0 / MTBF)
            ttf -= pt
            yield env.timeout(pt)
            done[0] += 1
            if i < len(MEANS) - 1:
                yield stores[i].put(object())

    for i in range(len(MEANS)):
        env.process(station(i))
    env.run(until=horizon)
    return done[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--horizon", type=float, default=200_000.0, help="simulated seconds per run")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each (the best is reported)")
    args = ap.parse_args()
    line = twin_line()
    best_twin = best_plain = best_kpi = float("inf")
    ops_twin = ops_plain = 0
    for r in range(args.repeat):
        t0 = time.process_time()
        run = simulate(line, args.horizon, 0.0, seed=r)
        t1 = time.process_time()
        kpis(run, line)
        t2 = time.process_time()
        ops_plain = plain_simpy(args.horizon, seed=r)
        t3 = time.process_time()
        ops_twin = run.n_operations
        best_twin, best_kpi, best_plain = (
            min(best_twin, t1 - t0),
            min(best_kpi, t2 - t1),
            min(best_plain, t3 - t2),
        )
    twin_rate = ops_twin / best_twin
    plain_rate = ops_plain / best_plain
    parts_per_min = ops_twin / len(MEANS) / (best_twin + best_kpi) * 60
    print(f"5-station line with failures, horizon {args.horizon:g} s, best of {args.repeat} (CPU time)")
    print(
        f"twin engine   : {ops_twin:>9d} operations in {best_twin:.3f} s = {twin_rate:>10,.0f} ops/s (+ KPIs {best_kpi:.3f} s)"
    )
    print(f"plain SimPy   : {ops_plain:>9d} operations in {best_plain:.3f} s = {plain_rate:>10,.0f} ops/s")
    print(f"ratio twin / plain = {twin_rate / plain_rate:.2f}  (goal ≥ 0.8)")
    print(f"parts through the whole line per CPU-minute, incl. KPIs: {parts_per_min:,.0f}")


if __name__ == "__main__":
    main()
