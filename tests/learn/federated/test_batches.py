"""Production batches kept whole: a company's parts come in batches that share a recipe, a material lot and a crew,
so an evaluation, a validation part or a gain test that deals single parts lets a model score on batches it
learned from. With `groups` every split takes whole batches, and the fine-tune's gain counts batches, not parts."""

from __future__ import annotations

import numpy as np
import pytest

from sandan.domain import InvalidInput
from sandan.learn.federated import CompanyClient, TreeBagging, injection_federation
from sandan.learn.federated.client import FINE_TUNE_Z, THRESHOLDS, _clear_gain, design_weight
from sandan.learn.federated.evaluation import _company_splits, compare
from sandan.learn.federated.strategies import company_thresholds
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
    # the row count's error is the usual one (sqrt(n)·s): just past the bar passes, just under fails
    d = np.r_[np.full(50, 1.0), np.full(50, -1.0)]
    se = np.sqrt(100 / 99 * 100)
    assert _clear_gain(d + (FINE_TUNE_Z * se + 0.01) / 100, rows)
    assert not _clear_gain(d + (FINE_TUNE_Z * se - 0.01) / 100, rows)


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


def test_a_company_whose_parts_count_little_follows_the_federations_threshold():
    grid = THRESHOLDS
    # the federation's counts put the best F1 near 0.30, this company's own (many parts) near 0.70
    federation = {"tp": np.where(grid < 0.3, 400.0, 300.0), "fp": np.where(grid < 0.3, 100.0, 20.0)}
    federation["fn"] = 400.0 - federation["tp"]
    own = {"tp": np.where(grid < 0.7, 200.0, 150.0), "fp": np.where(grid < 0.7, 150.0, 5.0)}
    own["fn"] = 200.0 - own["tp"]
    alone = company_thresholds({"c": own}, federation)["c"]
    weak = company_thresholds({"c": {**own, "weight": np.array([0.01])}}, federation)["c"]
    assert alone == pytest.approx(0.7) and weak < 0.3
    # a weight out of range or not a number is read as 1 (a company cannot weigh more than its parts)
    for bad in (np.array([7.0]), np.array([np.nan])):
        assert company_thresholds({"c": {**own, "weight": bad}}, federation)["c"] == pytest.approx(0.7)
