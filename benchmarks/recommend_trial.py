"""Recommendations from production data after a small trial, checked on the twin: does a change ever make things worse?

For each family, machine seed and clock position: one virtual machine at poor settings begins a day of production
with the demo's trial (`sandan.twin.virtual.demo_source`: 24 set points around its settings, half an hour each),
then runs at its poor settings; `sandan.optimize.service.recommend_for_machine` reads its part records, and the
same twin machine makes 3000 fresh parts at the poor and at the recommended settings. The clock position (minutes
past the hour at which the day ends) matters because the recommendation's bootstrap resamples whole hours.
Prints every case and counts the changes that were significantly worse (one-sided Fisher p < 0.05), the ones that
were not made ("keep the current settings") and the ones that cut defects by half with p < 0.01.
Run: .venv/bin/python benchmarks/recommend_trial.py [--families injection,press] [--seeds 2,6] [--minutes 0,29]
[--model surface|trees]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandan.domain import Company, Line, Machine, ProcessFamily, Site
from sandan.optimize.closedloop import compare_defect_rates
from sandan.optimize.recommend import MODEL_KINDS
from sandan.optimize.service import recommend_for_machine
from sandan.store import open_store
from sandan.twin.process import MODELS
from sandan.twin.virtual import VirtualComplex, VirtualMachine, demo_source


def one_case(folder: Path, family: ProcessFamily, seed: int, now: datetime, kind: str):
    store = open_store(f"duckdb:///{folder / 'sandan.duckdb'}")
    try:
        store.upsert_company(Company(id="c", name="c", family=family))
        store.upsert_site("c", Site(id="s1", company_id="c", name="site"))
        store.upsert_line("c", Line(id="l1", company_id="c", site_id="s1", name="line"))
        source = demo_source(MODELS[family](material_seed=seed), "poor", seed)
        machine = Machine(id="m", company_id="c", line_id="l1", name="m", family=family)
        store.upsert_machine("c", machine)
        store.upsert_signals("c", source.signals("c", "m"))
        VirtualComplex(store, [VirtualMachine("c", machine, source)]).backfill(24, now)
        rec = recommend_for_machine(store, "c", "m", end=now, kind=kind)
    finally:
        store.close()
    twin = MODELS[family](material_seed=seed)
    before = twin.simulate(twin.poor_settings(), 3000, seed=101)
    after = twin.simulate(rec.recommended, 3000, seed=102)
    ng_b, ng_a = int((~before.ok).sum()), int((~after.ok).sum())
    better = compare_defect_rates(ng_b, 3000, ng_a, 3000)
    worse = compare_defect_rates(ng_a, 3000, ng_b, 3000)
    return rec, better, worse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", default="injection,cnc,press,forging,assembly")
    ap.add_argument("--seeds", default="2,6")
    ap.add_argument("--minutes", default="0,29", help="minutes past the hour at which the day ends")
    ap.add_argument(
        "--model",
        default="surface",
        choices=MODEL_KINDS,
        help="quality model: a response surface per defect type (default) or the tree ensemble",
    )
    args = ap.parse_args()
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    counts = {"worse": 0, "kept": 0, "halved": 0, "cases": 0}
    t0 = time.perf_counter()
    print(f"{'family':10} {'seed':>4} {'min':>4} {'before':>7} {'after':>7} {'reduct.':>8} {'p':>9}  changed")
    for name in args.families.split(","):
        family = ProcessFamily(name)
        for seed in map(int, args.seeds.split(",")):
            for minutes in map(int, args.minutes.split(",")):
                with tempfile.TemporaryDirectory() as tmp:
                    rec, better, worse = one_case(
                        Path(tmp), family, seed, hour + timedelta(minutes=minutes), args.model
                    )
                counts["cases"] += 1
                counts["kept"] += not rec.changed
                counts["worse"] += bool(rec.changed) and worse["p_fisher"] < 0.05
                counts["halved"] += better["reduction"] >= 0.5 and better["p_fisher"] < 0.01
                print(
                    f"{name:10} {seed:>4} {minutes:>4} {better['before']:7.2%} {better['after']:7.2%} "
                    f"{better['reduction']:8.1%} {better['p_fisher']:9.1e}  "
                    f"{','.join(c.name for c in rec.changed) or '(keep the current settings)'}",
                    flush=True,
                )
    print(
        f"{counts['cases']} cases: significantly worse {counts['worse']}, kept the settings {counts['kept']}, "
        f"defects halved (p < 0.01) {counts['halved']}; wall time {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
