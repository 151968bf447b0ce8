"""Benchmark of federated training (sandan.learn.federated) in simulation: federated vs local-only vs pooled,
every model scored on each company's own held-out rows (stratified folds within each company; for the moulders,
folds of whole production batches, since a batch's parts share one recipe, material lot and crew — `--split rows`
deals single parts instead, which lets every model score on batches it trained on).

Bars (issue 8): federated F1 ≥ 0.95 × pooled F1 over all companies' held-out rows, and federated ≥ local-only for
the smallest companies; every company is reported. "federated" is, for each company, the federated model as that
company uses it: the shared trees plus the few trees its fine-tune on its own training part added (0 when its own
validation part prefers the shared model as it is); "shared" is the federation's model without them.
The default tree strategy is "histboost" (`HistBoost`: trees grown on the companies' summed gradient histograms over
a shared bin grid, sums through SecAgg+); "histboost-plain" sums the same histograms in the clear (faster, the same
model up to SecAgg+'s quantisation); "trees" is `TreeBagging` (per-company trees).
Run: .venv/bin/python benchmarks/federated.py [ai4i] [injection] [histboost|histboost-plain|trees|fedavg|...] [--seed N]
[--split batch|rows]
(the seed deals the AI4I rows / simulates the moulders and draws the folds).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sandan.learn.federated import (
    DPConfig,
    FedAvg,
    FedProx,
    HistBoost,
    Schema,
    TreeBagging,
    compare,
    injection_federation,
    split_non_iid,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"

# Six virtual milling companies over AI4I's 10,000 cycles: different product-type mixes (L/M/H) and sizes.
AI4I_PLAN = {
    "big-L": {"L": 2500, "M": 700, "H": 100},
    "mid-M": {"L": 800, "M": 1200, "H": 200},
    "mid-H": {"L": 300, "M": 200, "H": 500},
    "mid-L": {"L": 900, "M": 300, "H": 100},
    "small-L": {"L": 250, "M": 100, "H": 50},
    "tiny-mix": {"L": 150, "M": 100, "H": 50},
}
AI4I_SCHEMA = Schema(
    "Machine failure",
    "1",
    [
        "Air temperature [K]",
        "Process temperature [K]",
        "Rotational speed [rpm]",
        "Torque [Nm]",
        "Tool wear [min]",
    ],
    {"Type": ["L", "M", "H"]},
)
INJECTION_SCHEMA = Schema(
    "result",
    "ng",
    [
        "melt_temp_c",
        "mould_temp_c",
        "injection_pressure_bar",
        "injection_speed_mm_s",
        "holding_pressure_bar",
        "holding_time_s",
        "cooling_time_s",
        "cushion_mm",
    ],
)


def _iv(iv: dict, key: str) -> str:
    lo, hi = iv.get(key, (float("nan"), float("nan")))
    return f"[{lo:.3f}, {hi:.3f}]"


def report(title: str, cmp, smallest: int = 2) -> None:
    o, oi = cmp.overall, cmp.overall_intervals
    print(f"== {title} — {cmp.strategy}; {cmp.scheme_en}")
    for m in ("federated", "shared", "pooled", "local"):
        if m not in o:
            continue
        print(
            f"  {m:9s} F1 {o[m]['f1']:.3f} {_iv(oi[m], 'f1')}  ROC-AUC {o[m].get('roc_auc', float('nan')):.3f}  "
            f"precision {o[m]['precision']:.3f} recall {o[m]['recall']:.3f}  (all companies' held-out rows)"
        )
    ratio = o["federated"]["f1"] / max(o["pooled"]["f1"], 1e-9)
    print(f"  federated / pooled F1 = {ratio:.3f}  → {'MEETS' if ratio >= 0.95 else 'MISSES'} the ≥ 0.95 bar")
    if cmp.privacy and "secure_aggregation" in cmp.privacy:
        sa = cmp.privacy["secure_aggregation"]
        print(f"  secure aggregation: {sa['protocol']}, threshold {sa['threshold']} of {sa['companies']}")
    if cmp.privacy and "epsilon" in cmp.privacy:
        p = cmp.privacy
        print(
            f"  DP: ε = {p['epsilon']} at δ = {p['delta']} (clip {p['clip']}, σ {p['noise_multiplier']}, {p['rounds']} rounds)"
        )
    print(
        f"  {'company':18s} {'rows':>5s} {'pos':>4s}  {'federated F1':>22s}  {'local F1':>22s}  {'pooled F1':>6s}"
        f"  {'shared F1':>6s}  {'ROC-AUC fed/local':>17s}  adopt  local trees per fold"
    )
    for g in sorted(cmp.companies, key=lambda g: -g.n_rows):
        f, lo, po = g.metrics["federated"]["f1"], g.metrics["local"]["f1"], g.metrics["pooled"]["f1"]
        sh = g.metrics.get("shared", g.metrics["federated"])["f1"]
        print(
            f"  {g.company:18s} {g.n_rows:5d} {g.positives:4d}  {f:.3f} {_iv(g.intervals['federated'], 'f1'):>16s}  "
            f"{lo:.3f} {_iv(g.intervals['local'], 'f1'):>16s}  {po:.3f}   {sh:.3f}  "
            f"{g.metrics['federated']['roc_auc']:>11.3f}/{g.metrics['local']['roc_auc']:.3f}  {'yes' if g.adopt else 'no ':3s}"
            f"    {g.local_trees}"
        )
    small = sorted(cmp.companies, key=lambda g: g.n_rows)[:smallest]
    ok = all(g.metrics["federated"]["f1"] >= g.metrics["local"]["f1"] for g in small)
    print(f"  smallest {smallest} companies: federated ≥ local-only → {'MEETS' if ok else 'MISSES'}")
    print(f"  rounds kept per fold {cmp.rounds}; wall time {cmp.seconds:.0f} s")


def ai4i(strategies: list[str], seed: int) -> None:
    frame = pd.read_csv(DATA / "ai4i2020" / "ai4i2020.csv")
    frames = split_non_iid(frame, "Type", AI4I_PLAN, seed=seed)
    mix = ", ".join(
        f"{c} {len(f)} ({'/'.join(str(int((f['Type'] == t).sum())) for t in 'LMH')} L/M/H)"
        for c, f in frames.items()
    )
    print(f"AI4I 2020 over {len(frames)} virtual companies (seed {seed}): {mix}")
    for s in strategies:
        cmp = compare(frames, AI4I_SCHEMA, STRATEGIES[s], seed=seed, progress=_progress)
        report("AI4I 2020 machine failure", cmp)
        sys.stdout.flush()


def injection(strategies: list[str], seed: int, split: str = "batch") -> None:
    frames = injection_federation(scale=1.0, seed=seed)
    mix = ", ".join(
        f"{c} {len(f)} in {f['batch'].nunique()} batches ({(f['result'] == 'ng').mean():.0%} ng)"
        for c, f in frames.items()
    )
    print(f"Virtual injection moulders (sandan.twin process model, 6 machines, seed {seed}): {mix}")
    groups = "batch" if split == "batch" else None
    for s in strategies:
        cmp = compare(frames, INJECTION_SCHEMA, STRATEGIES[s], seed=seed, progress=_progress, groups=groups)
        report("injection moulding ok/ng", cmp)
        sys.stdout.flush()


def _progress(msg: str) -> None:
    print(f"    … {msg}", file=sys.stderr)


STRATEGIES = {
    "histboost": lambda: HistBoost(),  # histograms summed through SecAgg+
    "histboost-plain": lambda: HistBoost(secure_aggregation=False),  # the same sums in the clear (faster)
    "trees": lambda: TreeBagging(),
    "fedavg": lambda: FedAvg(),
    "fedprox": lambda: FedProx(mu=0.1),
    "fedavg-dp": lambda: FedAvg(dp=DPConfig(clip=1.0, noise_multiplier=1.0, delta=1e-5)),
}


def main(argv: list[str]) -> None:
    seed, split = 0, "batch"
    if "--split" in argv:
        at = argv.index("--split")
        split = argv[at + 1] if at + 1 < len(argv) else ""
        if split not in ("batch", "rows"):
            sys.exit("--split needs batch (whole production batches held out, the default) or rows")
        argv = argv[:at] + argv[at + 2 :]
    if "--seed" in argv:
        at = argv.index("--seed")
        try:
            seed = int(argv[at + 1])
        except (IndexError, ValueError):
            sys.exit("--seed needs a whole number, e.g. --seed 1")
        argv = argv[:at] + argv[at + 2 :]
    unknown = [a for a in argv if a not in ("ai4i", "injection", *STRATEGIES)]
    if unknown:
        sys.exit(
            f"unknown argument(s) {' '.join(unknown)}; use ai4i, injection, {', '.join(STRATEGIES)}, --seed N, --split batch|rows"
        )
    sets = [a for a in argv if a in ("ai4i", "injection")] or ["ai4i", "injection"]
    strategies = [a for a in argv if a in STRATEGIES] or ["histboost", "fedavg"]
    t0 = time.perf_counter()
    for name in sets:
        if name == "ai4i":
            ai4i(strategies, seed)
        else:
            injection(strategies, seed, split)
    print(f"total wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main(sys.argv[1:])
