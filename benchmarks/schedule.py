"""Job-shop benchmark: every JSPLIB instance (ft, la, orb) solved on CP-SAT, each schedule confirmed by the checker.

Prints makespan against the best-known value of `best_known.csv` and how many reach it; it changes no files.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import sys
import time
from pathlib import Path

from sandan.twin.schedule import check_schedule, read_jsplib, solve_jobshop

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "jsplib"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the jsplib folder")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument(
        "--local-search",
        type=float,
        default=None,
        help="seconds of tabu search before CP-SAT (default: the solver's own choice; 0 = off)",
    )
    parser.add_argument(
        "--only", default="*", help="glob on instance names, comma-separated (e.g. 'ft*,la0?')"
    )
    args = parser.parse_args(argv)

    best = {}
    with open(args.data / "best_known.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            best[row["instance"]] = (int(row["upper_bound"]), row["status"])
    patterns = args.only.split(",")
    names = sorted(n for n in best if any(fnmatch.fnmatch(n, p) for p in patterns))
    if not names:
        print(f"no instance matches {args.only!r}", file=sys.stderr)
        return 2
    print(f"{len(names)} instances, {args.limit:g} s, {args.workers} workers", flush=True)
    print(
        f"{'instance':9} {'size':>6} {'best':>6} {'found':>6} {'gap%':>6} {'bound':>6} {'status':9} {'time s':>7} check"
    )
    reached = confirmed = 0
    started = time.perf_counter()
    for name in names:
        instance = read_jsplib(args.data / "instances" / name)
        result = solve_jobshop(
            instance, time_limit_s=args.limit, workers=args.workers, local_search_s=args.local_search
        )
        # The benchmark checks again itself rather than trusting the result's own field.
        violations = check_schedule(instance, result.schedule) if result.schedule else ["no schedule"]
        known, _ = best[name]
        ok = not violations
        confirmed += ok
        reached += ok and result.makespan == known
        gap = 100 * (result.makespan - known) / known if result.makespan else float("nan")
        size = f"{len(instance.jobs)}x{len(instance.machines)}"
        print(
            f"{name:9} {size:>6} {known:6d} {result.makespan or 0:6d} {gap:6.2f} {result.bound or 0:6d} "
            f"{result.status:9} {result.wall_time_s:7.1f} {'ok' if ok else getattr(violations[0], 'en', violations[0])}",
            flush=True,
        )
    print(
        f"reached best known: {reached}/{len(names)}; checker confirmed: {confirmed}/{len(names)}; "
        f"total {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
