"""Production batches kept whole: a company's parts come in batches that share a recipe, a material lot and a crew,
so an evaluation, a validation part or a gain test that deals single parts lets a model score on batches it
learned from. With `groups` every split takes whole batches, and the fine-tune's gain counts batches, not parts."""

from __future__ import annotations

import numpy as np
import pytest

from sandan.domain import InvalidInput
from sandan.learn.federated import CompanyClient, TreeBagging, injection_federation
from sandan.learn.federated.client import FINE_TUNE_LEVEL, THRESHOLDS, _clear_gain, design_weight
from sandan.learn.federated.evaluation import _company_splits, compare
from sandan.learn.federated.strategies import company_thresholds, f1_threshold, federation_threshold
from tests.learn.federated.conftest import SCHEMA


def _with_blocks(companies, size=60):
    """AI4I rows in consecutive blocks of `size` cycles, standing in for production batches."""
    return {c: f.assign(block=np.arange(len(f)) // size) for c, f in companies.items()}


def test_every_company_holds_out_each_row_once_and_never_a_batch_it_trained_on(companies):
    frames = _with_blocks(companies)
    y_all = {c: SCHEMA.labels(f) for c, f in frames.items()}
    keys = {c: f["block"].astype(str).to_numpy() for c, f in frames.items()}
    splits = _company_splits(y_all, keys, 5, seed=3)
    # gamma has 250 rows in 5 blocks: five folds for every company, so each of its rows is held out once
    assert {len(s) for s in splits.values()} == {5}
    for c, folds in splits.items():
        held = np.concatenate([te for _, te in folds])
        assert sorted(held) == list(range(len(frames[c])))
        for train, test in folds:
            assert not set(keys[c][train]) & set(keys[c][test])
            assert y_all[c][train].sum() > 0  # failures to learn from in every training part


def test_the_fewest_batches_set_the_folds_for_every_company(companies):
    frames = _with_blocks(companies)
    frames["gamma"] = frames["gamma"].assign(block=np.arange(len(frames["gamma"])) // 100)  # 3 batches
    y_all = {c: SCHEMA.labels(f) for c, f in frames.items()}
    keys = {c: f["block"].astype(str).to_numpy() for c, f in frames.items()}
    splits = _company_splits(y_all, keys, 5, seed=0)
    assert {len(s) for s in splits.values()} == {3}
    for c, folds in splits.items():
        assert sorted(np.concatenate([te for _, te in folds])) == list(range(len(frames[c])))


def test_a_company_validates_on_batches_its_training_part_never_saw(companies):
    frame = _with_blocks(companies)["alpha"]
    client = CompanyClient("alpha", frame, SCHEMA, groups="block")
    fit_blocks, val_blocks = set(client._fit_rows["block"]), set(client._val_rows["block"])
    assert val_blocks and not fit_blocks & val_blocks
    assert len(client._val_rows) + len(client._fit_rows) == len(frame)
    with pytest.raises(InvalidInput) as err:
        CompanyClient("alpha", frame, SCHEMA, groups="lot")
    assert "lot" in err.value.en and "lot" in err.value.ko


def test_a_gain_seen_in_one_batch_only_is_not_clear_when_batches_are_counted():
    units = np.repeat(np.arange(5), 20)
    drop = np.where(units == 0, 1.0, 0.0) + np.random.default_rng(0).normal(0, 0.05, 100)
    rows = np.arange(100)
    assert _clear_gain(drop, rows)  # as 100 independent parts: a gain far beyond noise
    assert not _clear_gain(drop, units)  # as 5 batches: one batch's luck
    assert not _clear_gain(np.full(20, 1.0), np.zeros(20))  # one batch shows nothing
    # a gain every batch shares is clear either way
    steady = 0.2 + np.random.default_rng(1).normal(0, 0.05, 100)
    assert _clear_gain(steady, units) and _clear_gain(steady, rows)
    # the row count's error is the usual one (sqrt(n)·s) and the bar t(99) at 0.95 (1.660, a hair above the
    # normal 1.645): just past it passes, just under fails
    d = np.r_[np.full(50, 1.0), np.full(50, -1.0)]
    se, bar = np.sqrt(100 / 99 * 100), 1.6604
    assert FINE_TUNE_LEVEL == 0.95
    assert _clear_gain(d + (bar * se + 0.02) / 100, rows)
    assert not _clear_gain(d + (bar * se - 0.02) / 100, rows)
    # two validation batches that both gained (1.0 and 0.6): 4 standard errors (0.4) above zero, clear by the normal
    # bar but not by t(1)'s 6.31 — two batches say little about the next ones
    two = np.repeat([0, 1], 10)
    assert not _clear_gain(np.where(two == 0, 0.1, 0.06), two)
    # three batches gaining alike (1.0, 0.9, 1.1): 17 standard errors, past t(2)'s 2.92
    three = np.repeat([0, 1, 2], 10)
    assert _clear_gain(np.choose(three, [0.1, 0.09, 0.11]), three)


def test_a_comparison_by_batch_reports_its_scheme_and_scores_every_company(companies):
    frames = {c: f for c, f in _with_blocks(companies).items() if c != "gamma"}  # gamma: 4 failures in all
    cmp = compare(
        frames, SCHEMA, lambda: TreeBagging(rounds=2, local_rounds=2), n_splits=2, local_budget_s=1,
        pooled_budget_s=1, n_boot=50, groups="block",
    )  # fmt: skip
    assert "by block" in cmp.scheme_en and "block" in cmp.scheme_ko
    assert [g.company for g in cmp.companies] == list(frames)
    assert all(0.0 <= g.metrics[m]["f1"] <= 1.0 for g in cmp.companies for m in g.metrics)
    with pytest.raises(InvalidInput) as err:
        compare(frames, SCHEMA, lambda: TreeBagging(rounds=2, local_rounds=2), groups="lot")
    assert "'lot'" in err.value.en and "'lot'" in err.value.ko
    one = {c: f.assign(block=0) if c == "beta" else f for c, f in frames.items()}
    with pytest.raises(InvalidInput) as err:
        compare(one, SCHEMA, lambda: TreeBagging(rounds=2, local_rounds=2), groups="block")
    assert err.value.en.startswith("beta:") and "two" in err.value.en and "두 개" in err.value.ko


def test_the_virtual_moulders_number_their_batches():
    frames = injection_federation(scale=0.1, seed=0)
    for name, frame in frames.items():
        assert frame["batch"].is_monotonic_increasing, name
        sizes = frame.groupby("batch").size()
        assert sizes.iloc[:-1].between(25, 99).all(), name  # the last batch may be cut short


def test_parts_of_batches_that_decide_the_outcome_count_like_one_part_per_batch():
    batches = np.repeat(np.arange(4), 50)
    decided = np.repeat([1, 0, 1, 0], 50)  # every part of a batch shares its result
    assert design_weight(decided, batches) == pytest.approx(1 / 50)
    independent = np.random.default_rng(0).random(200) < 0.4  # batches say nothing about a part
    assert design_weight(independent, batches) > 0.8
    assert design_weight(independent, np.arange(200)) == 1.0  # rows are their own units
    assert design_weight(decided, np.zeros(200)) == pytest.approx(1 / 200)  # one batch counts as one part


def test_a_company_whose_parts_count_little_is_not_decided_by_its_own_counts():
    grid = THRESHOLDS
    # the federation's counts put the best F1 near 0.30, this company's own (many parts) near 0.70
    federation = {"tp": np.where(grid < 0.3, 400.0, 300.0), "fp": np.where(grid < 0.3, 100.0, 20.0)}
    federation["fn"] = 400.0 - federation["tp"]
    own = {"tp": np.where(grid < 0.7, 200.0, 150.0), "fp": np.where(grid < 0.7, 150.0, 5.0)}
    own["fn"] = 200.0 - own["tp"]
    alone = company_thresholds({"c": own}, federation)["c"]
    weak = company_thresholds({"c": {**own, "weight": np.array([0.01])}}, federation)["c"]
    assert alone == pytest.approx(0.7) and weak < 0.7
    # a weight out of range or not a number is read as 1 (a company cannot weigh more than its parts)
    for bad in (np.array([7.0]), np.array([np.nan])):
        assert company_thresholds({"c": {**own, "weight": bad}}, federation)["c"] == pytest.approx(0.7)
    # the federation's own threshold weighs each company's counts the same way
    assert federation_threshold({"c": own}, federation) == pytest.approx(0.7)
    assert federation_threshold({"c": {**own, "weight": np.array([0.01])}}, federation) < 0.7
    # the plain sums: clearly best below 0.3
    assert federation_threshold({}, federation) == pytest.approx(0.29)


def test_a_bump_in_a_flat_f1_curve_decides_only_when_the_counts_say_it_is_real():
    bump = np.isclose(THRESHOLDS, 0.8)
    few = {"tp": np.where(bump, 41.0, 40.0), "fp": np.where(bump, 9.0, 10.0), "fn": np.where(bump, 9.0, 10.0)}
    # F1 0.80 everywhere and 0.82 at 0.80: from 100 counts the bump is inside one standard error (0.038), so the
    # threshold is the calibrated model's optimum F1*/2 = 0.41
    assert f1_threshold(few["tp"], few["fp"], few["fn"]) == pytest.approx(0.41)
    # the same curve from 10,000 counts: 0.02 is 5 standard errors
    many = {k: 100 * v for k, v in few.items()}
    assert f1_threshold(many["tp"], many["fp"], many["fn"]) == pytest.approx(0.8)
    none = np.zeros_like(THRESHOLDS)
    assert f1_threshold(none, none + 5.0, none) == 0.5  # no positive found: nothing to go on


def test_on_small_validation_parts_the_rule_beats_the_best_validation_f1_on_new_parts():
    """A calibrated model scored on 40-part validation parts: the threshold with the best validation F1 chases the
    part's luck; the rule's thresholds do better on the parts that follow (mean F1 over 300 draws)."""
    rng = np.random.default_rng(11)

    def draw(n):
        p = rng.beta(0.6, 1.2, n)
        return p, (rng.random(n) < p).astype(int)

    def counts(p, y):
        pred = p[None, :] >= THRESHOLDS[:, None]
        return (pred & (y == 1)).sum(1), (pred & (y == 0)).sum(1), (~pred & (y == 1)).sum(1)

    def f1(p, y, t):
        tp, fp, fn = ((p >= t) & (y == 1)).sum(), ((p >= t) & (y == 0)).sum(), ((p < t) & (y == 1)).sum()
        return 2 * tp / max(2 * tp + fp + fn, 1)

    ours, argmax = [], []
    for _ in range(300):
        tp, fp, fn = counts(*draw(40))
        new_p, new_y = draw(2000)
        ours.append(f1(new_p, new_y, f1_threshold(tp, fp, fn)))
        curve = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
        argmax.append(f1(new_p, new_y, THRESHOLDS[int(np.argmax(curve))]))
    assert np.mean(ours) > np.mean(argmax) + 0.005


def test_a_run_over_the_members_records_holds_out_whole_lots_where_every_member_has_them(tmp_path):
    """The operator's simulation run over the members' own part records: where every member's records come in at
    least three material lots, whole lots are held out (its recorded scheme says so), as a single company's
    evaluation does; one member with a single lot leaves the run to single parts (`lots_held_out` gives None; the
    web test's run over one-lot members shows that scheme on the card)."""
    from datetime import UTC, datetime, timedelta

    from sandan.domain import Company, Line, Machine, ProcessFamily, Site
    from sandan.learn.federated import Schema, service
    from sandan.learn.federated.flower import generate_key
    from sandan.store import open_store
    from sandan.twin.process import MODELS
    from sandan.twin.virtual import VirtualComplex, VirtualMachine, demo_source

    family = ProcessFamily("forging")
    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    machines = []
    for cid, setting, seed in (("hotforge", "poor", 11), ("coldforge", "nominal", 12)):
        store.upsert_company(Company(id=cid, name=cid, family=family))
        store.upsert_site(cid, Site(id="s1", company_id=cid, name="1공장"))
        store.upsert_line(cid, Line(id="l1", company_id=cid, site_id="s1", name="단조 라인"))
        source = demo_source(MODELS[family](material_seed=seed, lot_size_parts=120), setting, seed)
        machine = Machine(id="frg-01", company_id=cid, line_id="l1", name="단조프레스", family=family)
        store.upsert_machine(cid, machine)
        store.upsert_signals(cid, source.signals(cid, "frg-01"))
        machines.append(VirtualMachine(cid, machine, source))
    end = datetime.now(UTC)
    VirtualComplex(store, machines).backfill(6, end - timedelta(minutes=1))
    features = [p.name for p in MODELS[family].PARAMETERS]
    fed = service.create_federation(
        "단조", family.value, Schema("result", "ng", features), strategy="fedavg", data_dir=tmp_path
    )
    for cid in ("hotforge", "coldforge"):
        service.join_federation(store, cid, fed["id"], generate_key()[1].decode(), data_dir=tmp_path)
    start = end - timedelta(hours=7)
    frames = {
        c: service.family_frame(store, c, "forging", "result", start, end) for c in ("hotforge", "coldforge")
    }
    assert all(f["lot_id"].nunique() >= 3 for f in frames.values())
    assert service.lots_held_out(frames) == "lot_id"
    assert service.lots_held_out({**frames, "one-lot": frames["hotforge"].assign(lot_id="L1")}) is None
    run = service.run_simulation(
        store, fed["id"], start, end, data_dir=tmp_path, n_splits=2, local_budget_s=1, pooled_budget_s=1
    )
    assert (
        "by lot (whole lots held out)" in run["scheme"]["en"]
        and "로트 단위로 통째 보류" in run["scheme"]["ko"]
    )
    assert set(run["companies"]) == {"hotforge", "coldforge"}
    store.close()
