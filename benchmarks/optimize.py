"""Closed-loop benchmark of `sandan.optimize` on the virtual factory: defect rate before and after the recommendation.

Per family (injection, press, forging, cnc): poor settings → designed experiment (24 runs × 150 parts) → bootstrap
ensemble → recommendation → 3000 fresh parts at each setting; then the same with one parameter only (with --trials N
the screening is followed by one-factor trials along the N most promising parameter lines: a control run at the
current settings and 3 set points × 150 parts per line).
Goal: relative reduction ≥ 50 % with p < 0.01 for every family (all parameters; reported for one parameter too),
and a one-parameter recommendation never significantly worse (it may keep the current settings). Run: .venv/bin/python benchmarks/optimize.py
"""

from __future__ import annotations

import argparse
import time

from sandan.optimize.closedloop import closed_loop, compare_defect_rates
from sandan.optimize.recommend import MODEL_KINDS

FAMILIES = ("injection", "press", "forging", "cnc")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=1, help="seeds per family (each ≈ 20–40 s)")
    ap.add_argument(
        "--first-seed", type=int, default=0, help="first seed (e.g. 12 for seeds no setting was chosen on)"
    )
    ap.add_argument(
        "--families", default=",".join(FAMILIES), help="comma-separated families (default: all four)"
    )
    ap.add_argument(
        "--modes",
        default="all,one-param",
        help="comma-separated: all (every parameter), one-param (one only)",
    )
    ap.add_argument(
        "--trials",
        type=int,
        default=0,
        help="one parameter: follow the screening with one-factor trials along this many parameter lines "
        "(default 0: recommend from the screening experiment alone)",
    )
    ap.add_argument(
        "--model",
        default="surface",
        choices=MODEL_KINDS,
        help="quality model: a response surface per defect type (default) or the tree ensemble",
    )
    args = ap.parse_args()
    families = [f for f in args.families.split(",") if f]
    modes = [m for m in (("all", None), ("one-param", 1)) if m[0] in args.modes.split(",")]
    t0 = time.perf_counter()
    passed, one_passed, one_harmless = True, True, True
    tally = {m: {"cases": 0, "reduction": 0.0, "halved": 0, "worse": 0, "kept": 0} for m, _ in modes}
    print(
        f"{'family':10} {'mode':10} {'seed':>4} {'before':>7} {'after':>7} {'reduct.':>8} {'p(Fisher)':>10} "
        f"{'OOB skill':>9}  extrapolation / changed"
    )
    for family in families:
        for mode, max_changed in modes:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                r = closed_loop(
                    family, seed=seed, max_changed=max_changed, trial_paths=args.trials, kind=args.model
                )
                t, rec = r.test, r.recommendation
                flags = ",".join(rec.extrapolation) or "-"
                if rec.outside_trust_region:
                    flags += " (outside trust region)"
                changed = (
                    ",".join(f"{c.name} {c.current:g}→{c.recommended:.4g}" for c in rec.changed)
                    if max_changed == 1
                    else ""
                )
                print(
                    f"{family:10} {mode:10} {seed:>4} {t['before']:7.2%} {t['after']:7.2%} {t['reduction']:8.1%} "
                    f"{t['p_fisher']:10.2e} {r.oob_skill:9.2f}  {flags} {changed or ('(no change)' if max_changed else '')}"
                )
                met = t["reduction"] >= 0.5 and t["p_fisher"] < 0.01
                # worse after the change, significantly (one-sided test after > before)
                worse = compare_defect_rates(
                    round(t["after"] * r.n_check_parts),
                    r.n_check_parts,
                    round(t["before"] * r.n_check_parts),
                    r.n_check_parts,
                )
                harmful = bool(rec.changed) and worse["p_fisher"] < 0.05
                if max_changed is None:
                    passed = passed and met
                else:
                    one_passed = one_passed and met
                    one_harmless = one_harmless and not harmful
                n = tally[mode]
                n["cases"] += 1
                n["reduction"] += min(t["reduction"], 1.0)
                n["halved"] += met
                n["worse"] += harmful
                n["kept"] += not rec.changed
    for mode, n in tally.items():
        if n["cases"]:
            print(
                f"{mode}: {n['cases']} cases, mean reduction {n['reduction'] / n['cases']:.3f}, halved with "
                f"p < 0.01 {n['halved']}, significantly worse {n['worse']}, kept the settings {n['kept']}"
            )
    ran = {m for m, _ in modes}
    if "all" in ran:
        print(
            f"goal (all parameters: ≥ 50 % reduction, p < 0.01 per family): {'met' if passed else 'NOT met'}"
        )
    if "one-param" in ran:
        print(f"one parameter, same goal: {'met' if one_passed else 'NOT met'}")
        print(f"one parameter never significantly worse (p < 0.05): {'yes' if one_harmless else 'NO'}")
    print(f"wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
