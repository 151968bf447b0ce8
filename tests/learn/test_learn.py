"""Specifications of sandan.learn: the leakage guard, honest splits, cost-driven thresholds, explanations,
artifacts, and a small real-data check on AI4I 2020."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sandan.domain import InvalidInput
from sandan.learn import (
    AnomalyDetector,
    Classifier,
    Regressor,
    automl,
    cross_validate,
    grouped_splits,
    load_model,
    nasa_score,
    save_model,
    screen_columns,
    time_ordered_splits,
)
from sandan.learn.automl import cost_threshold
from tests.conftest import require_dataset

# AutoML within a time budget, judged by its score: alone, not beside another test worker
pytestmark = pytest.mark.serial


@pytest.fixture(scope="module")
def ai4i() -> pd.DataFrame:
    path = require_dataset("ai4i2020") / "ai4i2020.csv"
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def ai4i_model(ai4i):
    return Classifier(time_budget_s=3).fit(ai4i.iloc[:4000], "Machine failure")


def test_guard_refuses_identifiers_and_failure_mode_flags(ai4i):
    features, refused = screen_columns(ai4i, "Machine failure")
    kinds = {r.column: r.kind for r in refused}
    assert kinds["UDI"] == "identifier" and kinds["Product ID"] == "identifier"
    for flag in ("TWF", "HDF", "PWF", "OSF", "RNF"):
        assert kinds[flag] in ("outcome", "outcome_sibling"), flag
    assert set(features) == {
        "Type",
        "Air temperature [K]",
        "Process temperature [K]",
        "Rotational speed [rpm]",
        "Torque [Nm]",
        "Tool wear [min]",
    }
    message = next(r for r in refused if r.column == "TWF")
    assert "TWF" in message.en and "TWF" in message.ko


def test_guard_refuses_defect_type_when_learning_ok_ng():
    rng = np.random.default_rng(0)
    n = 600
    temp = rng.normal(200, 5, n)
    ng = temp + rng.normal(0, 3, n) > 205
    defect = np.where(ng, rng.choice(["burr", "crack"], n), None)
    frame = pd.DataFrame({"temp": temp, "defect_type": defect, "result": np.where(ng, "ng", "ok")})
    features, refused = screen_columns(frame, "result")
    assert features == ["temp"]
    assert refused[0].column == "defect_type" and refused[0].kind == "outcome"


def test_guard_refuses_measurements_taken_from_the_outcome_and_keeps_a_strong_setting():
    # an inspection score that sorts ng from ok and rework minutes written only for ng parts passed the guard
    # (too many distinct values to be judged) and a model was registered at ROC-AUC 1.000
    rng = np.random.default_rng(0)
    n = 600
    temp = rng.normal(200, 5, n)
    ng = rng.random(n) < 1 / (1 + np.exp(-(temp - 203) / 1.5))
    frame = pd.DataFrame(
        {
            "temp": temp,
            "inspection_score": np.where(ng, 8.0, 2.0) + rng.normal(0, 0.5, n),
            "rework_min": np.where(ng, rng.uniform(5, 30, n), 0.0),
            "result": np.where(ng, "ng", "ok"),
        }
    )
    features, refused = screen_columns(frame, "result")
    assert features == ["temp"], refused
    reasons = {r.column: r for r in refused}
    assert (
        reasons["inspection_score"].kind == "outcome" and "do not overlap" in reasons["inspection_score"].en
    )
    assert "'ng'" in reasons["inspection_score"].en and "겹치지 않아" in reasons["inspection_score"].ko
    assert reasons["rework_min"].kind == "outcome"


def test_one_class_only_is_said_as_such_in_plain_words():
    # every part ok: training said the other class came only in the last rows in time, and the classifier
    # named the class as np.str_('ok')
    from sandan.learn.train import _enough_of_each_class

    frame = pd.DataFrame({"temp": np.linspace(190, 210, 600) % 7, "result": ["ok"] * 600})
    with pytest.raises(InvalidInput) as err:
        _enough_of_each_class(frame, "result", 5)
    assert "every one of the 600 part records in this window has result = 'ok'" in err.value.en
    assert "모두 result = 'ok'" in err.value.ko
    with pytest.raises(InvalidInput) as err:
        Classifier(time_budget_s=1).fit(frame, "result")
    assert "single class ('ok')" in err.value.en and "np.str_" not in err.value.ko


def test_guard_refuses_a_copy_and_a_class_of_a_numeric_target():
    rng = np.random.default_rng(1)
    rul = rng.uniform(0, 200, 500)
    frame = pd.DataFrame(
        {
            "vibration": rul * -0.1 + rng.normal(0, 5, 500),
            "rul_hours": rul * 24,
            "near_end": (rul < 30).astype(int),
            "rul": rul,
        }
    )
    features, refused = screen_columns(frame, "rul", task="regression")
    assert features == ["vibration"]
    assert {r.column for r in refused} == {"rul_hours", "near_end"}


def test_guard_keeps_a_sensor_with_a_few_odd_rows_next_to_a_numeric_target():
    # A near-constant sensor (or its rolling mean) with one or two odd readings, or a setting changed once while
    # the target has long ties in file order, is not a class cut of the target: it must stay a feature.
    rng = np.random.default_rng(2)
    n = 600
    rul = np.repeat(np.arange(12.0), 50)  # long ties, in file order
    frame = pd.DataFrame(
        {
            "vibration": rng.normal(0, 1, n),
            "odd_once": np.r_[np.full(n - 1, 1.3), [1.4]],
            "odd_twice": np.r_[np.full(n - 2, 518.67), [518.7, 518.7]],
            "setting": np.r_[np.full(n - 37, 100.0), np.full(37, 60.0)],  # changed inside the last tie
            "rul": rul,
        }
    )
    features, refused = screen_columns(frame, "rul", task="regression")
    assert not refused, [r.en for r in refused]
    assert features == ["vibration", "odd_once", "odd_twice", "setting"]


def test_asking_for_a_refused_column_raises_with_its_name(ai4i):
    with pytest.raises(InvalidInput) as err:
        Classifier(time_budget_s=1, features=["Torque [Nm]", "HDF"]).fit(ai4i.iloc[:2000], "Machine failure")
    assert "HDF" in err.value.en and "HDF" in err.value.ko


def test_grouped_splits_never_put_one_group_on_both_sides():
    groups = np.repeat(np.arange(40), 7)
    for few in (groups[:70], groups):  # leave-one-group-out and group k-fold
        splits, _, _ = grouped_splits(few, n_splits=5)
        for train, test in splits:
            assert not set(few[train]) & set(few[test])


def test_time_ordered_splits_test_only_after_training():
    order = np.random.default_rng(2).permutation(300)
    for train, test in time_ordered_splits(order, n_splits=4)[0]:
        assert order[train].max() < order[test].min()


def test_a_stream_whose_first_weeks_hold_only_good_parts_still_trains_and_is_evaluated():
    # ng parts only from the second half on: the first time-ordered folds would train on "ok" alone
    rng = np.random.default_rng(4)
    n = 600
    temp = rng.normal(220, 5, n)
    ng = (np.arange(n) >= n // 2) & (temp < 216)
    frame = pd.DataFrame({"t": np.arange(n), "melt_temp_c": temp, "result": np.where(ng, "ng", "ok")})
    model = Classifier(time_budget_s=2).fit(frame.drop(columns="t"), "result", order=frame["t"].to_numpy())
    assert set(model.classes_) == {"ok", "ng"}
    ev = cross_validate(Classifier(time_budget_s=2), frame, "result", order="t", n_splits=5)
    assert "left out" in ev.scheme_en and "제외" in ev.scheme_ko
    assert len(ev.folds) < 5 and ev.metrics["f1"] > 0.5
    # ng only in the last block: no fold can learn, and the message says why
    late = frame.assign(result=np.where(np.arange(n) >= n - 50, "ng", "ok"))
    with pytest.raises(InvalidInput, match="one class"):
        cross_validate(Classifier(time_budget_s=1), late, "result", order="t", n_splits=5)


def test_threshold_falls_as_a_missed_defect_costs_more():
    rng = np.random.default_rng(3)
    y = (rng.random(4000) < 0.1).astype(int)
    prob = np.clip(0.1 + 0.5 * y + rng.normal(0, 0.2, 4000), 0, 1)
    even = cost_threshold(prob, y, cost_miss=1, cost_false_alarm=1)
    costly_miss = cost_threshold(prob, y, cost_miss=20, cost_false_alarm=1)
    costly_alarm = cost_threshold(prob, y, cost_miss=1, cost_false_alarm=20)
    assert costly_miss < even < costly_alarm


def test_a_lone_row_does_not_drag_the_threshold_away_from_the_bayes_rule():
    # Clean classes, and one negative scored 0.85: the strict minimiser cuts above it (cost 0), far from 0.5.
    prob = np.r_[np.full(200, 0.1), np.full(20, 0.9), 0.85]
    y = np.r_[np.zeros(200), np.ones(20), 0]
    t = cost_threshold(prob, y, cost_miss=1, cost_false_alarm=1)
    assert 0.1 < t < 0.85
    # Where a whole block of rows says so, the threshold still moves.
    prob2 = np.r_[np.full(200, 0.1), np.full(20, 0.9), np.full(10, 0.7)]
    y2 = np.r_[np.zeros(200), np.ones(20), np.zeros(10)]
    assert cost_threshold(prob2, y2, cost_miss=1, cost_false_alarm=1) > 0.7


def test_time_cap_ends_boosting_at_its_time():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 20))
    y = X[:, 0] + rng.normal(0, 0.1, 3000)
    cap = automl.TimeCap(0.0)  # already past: one round, then stop
    booster = automl.fit_lightgbm(X, y, "regression", 1, {}, [], 500, 1, 0, cap=cap)
    assert cap.hit and booster.current_iteration() == 1
    free = automl.fit_lightgbm(X, y, "regression", 1, {}, [], 5, 1, 0, cap=automl.TimeCap(float("inf")))
    assert free.current_iteration() == 5


def test_fit_honours_its_time_budget_including_the_final_models():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(4000, 12)), columns=[f"x{i}" for i in range(12)])
    y = X["x0"] * X["x1"] + np.sin(X["x2"]) + rng.normal(0, 0.1, 4000)
    model = Regressor(time_budget_s=2.5).fit(X, y.to_numpy())
    assert model.search_["seconds"] <= 2.5
    assert model.model_kind_ == "lightgbm" and model.search_["members"] >= 1


def test_exact_bins_split_between_neighbouring_values_in_a_tail():
    # The limit sits among the top 1 % of 5000 values, 1 apart: 255 quantile bins cannot place it exactly.
    x = np.arange(5000, dtype=float)
    y = (x >= 4975).astype(float)
    params = {"num_leaves": 2, "learning_rate": 1.0, "min_child_samples": 1, "max_bin": automl.EXACT_BINS}
    booster = automl.fit_lightgbm(x[:, None], y, "binary", 2, params, [], 1, 1, 0)
    cut = booster.dump_model()["tree_info"][0]["tree_structure"]["threshold"]
    assert 4974 <= cut < 4975


def test_classifier_threshold_follows_the_cost_ratio(ai4i):
    data = ai4i.iloc[:3000]
    cheap = Classifier(time_budget_s=2, cost_miss=1).fit(data, "Machine failure")
    dear = Classifier(time_budget_s=2, cost_miss=30).fit(data, "Machine failure")
    assert dear.threshold_ < cheap.threshold_
    assert (dear.predict(data) == 1).sum() > (cheap.predict(data) == 1).sum()


def test_contributions_sum_to_the_raw_score(ai4i, ai4i_model):
    rows = ai4i.iloc[4000:4300]
    explanation = ai4i_model.explain(rows)
    np.testing.assert_allclose(explanation.raw(), ai4i_model.decision_function(rows), atol=1e-8)
    sentences = explanation.sentences(int(np.argmax(ai4i_model.predict_proba(rows)[:, 1])))
    assert sentences and "odds of Machine failure" in sentences[0]
    assert explanation.summary("ko")[0].startswith("예측을")
    # a push too small to matter is said so, never "multiplies the odds by 1.0" (a sentence's effect phrase)
    assert explanation._effect(0.02, "en") == "barely changes the odds of Machine failure"
    assert explanation._effect(-0.02, "ko") == "Machine failure의 가능성(오즈)을 거의 바꾸지 않습니다"
    assert explanation._effect(math.log(2), "ko").endswith("2.0배로 높입니다")
    assert explanation._effect(-math.log(1.2), "en") == "divides the odds of Machine failure by 1.2"


def test_linear_model_contributions_sum_to_the_raw_score():
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"a": rng.normal(size=300), "kind": rng.choice(["x", "y", "z"], 300)})
    y = 2 * X["a"] + (X["kind"] == "y") + rng.normal(0, 0.1, 300)
    model = Regressor(time_budget_s=1, generate_features=False).fit(X, y)
    assert model.model_kind_ == "linear"  # a linear truth: the baseline wins
    np.testing.assert_allclose(model.explain(X).raw(), model.predict(X), atol=1e-8)


def test_save_and_load_predict_identically(ai4i, ai4i_model, tmp_path):
    save_model(ai4i_model, tmp_path / "m")
    again = load_model(tmp_path / "m")
    rows = ai4i.iloc[4000:5000]
    np.testing.assert_array_equal(again.predict_proba(rows), ai4i_model.predict_proba(rows))
    np.testing.assert_array_equal(again.predict(rows), ai4i_model.predict(rows))
    meta = (tmp_path / "m" / "metadata.json").read_text(encoding="utf-8")
    assert ai4i_model.fingerprint_ in meta and '"lightgbm"' in meta


def test_a_value_that_is_not_a_number_is_refused_at_prediction_not_read_as_missing(ai4i, ai4i_model):
    # "1,5" and "abc" became missing values and still got a probability
    rows = ai4i.iloc[4000:4005].copy()
    rows["Torque [Nm]"] = rows["Torque [Nm]"].astype(object)
    rows.iloc[1, rows.columns.get_loc("Torque [Nm]")] = "41,5"
    with pytest.raises(InvalidInput) as err:
        ai4i_model.predict_proba(rows)
    assert err.value.code == "bad_number" and "'41,5'" in err.value.en and "Torque [Nm]" in err.value.ko
    rows.iloc[1, rows.columns.get_loc("Torque [Nm]")] = None
    assert np.isfinite(ai4i_model.predict_proba(rows)).all()


def test_ai4i_subset_reaches_a_sane_score(ai4i):
    evaluation = cross_validate(Classifier(time_budget_s=6), ai4i.iloc[:5000], "Machine failure", n_splits=3)
    assert evaluation.metrics["roc_auc"] > 0.93
    assert evaluation.metrics["f1"] > 0.6
    lo, hi = evaluation.intervals["f1"]
    assert lo <= evaluation.metrics["f1"] <= hi
    assert "UDI" in evaluation.report("en") and "UDI" in evaluation.report("ko")
    # the report names the budget asked for, and how much of it the model search used
    assert evaluation.time_budget_s == 6 and 0 < evaluation.budget_s <= 6 * 1.1
    assert f"Time budget 6 s: the model search used {evaluation.budget_s:.0f} s" in evaluation.report("en")
    assert f"시간 예산 6초 중 모델 탐색에 {evaluation.budget_s:.0f}초를 썼고" in evaluation.report("ko")


def test_binary_metrics_equal_scikit_learns_including_ties():
    from sklearn.metrics import (
        average_precision_score,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    from sandan.learn.evaluate import metric_set

    rng = np.random.default_rng(8)
    for n, decimals in ((7, 1), (60, 1), (3000, 1), (3000, 6)):
        y = (rng.random(n) < 0.2).astype(int)
        y[:2] = [0, 1]
        prob = np.round(np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1), decimals)
        pred = (prob >= 0.5).astype(int)
        ours = metric_set("binary", y, pred, prob)
        theirs = {
            "f1": f1_score(y, pred, zero_division=0),
            "precision": precision_score(y, pred, zero_division=0),
            "recall": recall_score(y, pred, zero_division=0),
            "roc_auc": roc_auc_score(y, prob),
            "pr_auc": average_precision_score(y, prob),
        }
        for key, value in theirs.items():
            assert ours[key] == pytest.approx(value, abs=1e-12), (n, decimals, key)
    nothing_flagged = metric_set("binary", np.array([0, 1, 0]), np.zeros(3, int), np.array([0.1, 0.2, 0.3]))
    assert nothing_flagged["precision"] == nothing_flagged["f1"] == 0.0


def test_an_ensemble_of_seeds_predicts_the_mean_and_survives_saving(ai4i, tmp_path):
    model = Classifier(time_budget_s=60, max_trials=1, ensemble=3).fit(ai4i.iloc[:2000], "Machine failure")
    assert len(model.members_) == 3 and model.search_["members"] == 3
    rows = ai4i.iloc[2000:2300]
    M = model.space_.transform(rows)
    mean_raw = np.mean([b.predict(M, raw_score=True) for b in model.members_], axis=0)
    np.testing.assert_allclose(model.decision_function(rows), mean_raw)
    np.testing.assert_allclose(model.explain(rows).raw(), mean_raw, atol=1e-8)
    save_model(model, tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert len(again.members_) == 3
    np.testing.assert_array_equal(again.predict_proba(rows), model.predict_proba(rows))


def test_rolling_slopes_recover_a_linear_trend_and_never_look_ahead():
    from sandan.learn import rolling_features

    n = 60
    frame = pd.DataFrame(
        {
            "unit": np.repeat([1, 2], n),
            "cycle": np.tile(np.arange(n), 2),
            "x": np.concatenate([5 + 0.5 * np.arange(n), 3 - 2.0 * np.arange(n)]),
        }
    )
    feats = rolling_features(frame, "unit", "cycle", ["x"], slopes=(10, 0), ewm_alphas=(0.1, 0.3))
    np.testing.assert_allclose(feats["x slope10"].iloc[5:n], 0.5)
    np.testing.assert_allclose(feats["x slope"].iloc[n + 5 :], -2.0)
    assert {"x ewm", "x ewm0.3", "x since start", "age"} <= set(feats.columns)
    # Features of a row do not change when the unit's later rows are removed (valid on a stream).
    early = rolling_features(
        frame[frame["cycle"] < 30], "unit", "cycle", ["x"], slopes=(10, 0), ewm_alphas=(0.1, 0.3)
    )
    pd.testing.assert_frame_equal(early, feats.loc[early.index])


def test_nasa_score_penalises_late_more_than_early():
    assert nasa_score([50], [60]) > nasa_score([50], [40]) > 0
    assert nasa_score([50], [50]) == 0


def test_anomaly_detector_flags_an_injected_fault_and_splits_its_score():
    rng = np.random.default_rng(5)
    normal = pd.DataFrame(rng.normal(size=(1000, 4)), columns=list("abcd"))
    normal["b"] = normal["a"] * 2 + rng.normal(0, 0.1, 1000)
    detector = AnomalyDetector().fit(normal)
    fault = normal[normal["a"].abs() > 1].iloc[:5].copy()
    fault["b"] = -fault["a"] * 2  # breaks the a–b relation without leaving the normal range of b
    assert detector.predict(fault).all()
    parts = detector.explain(fault)
    np.testing.assert_allclose(parts.sum(axis=1), detector.score_samples(fault))
    assert (parts.idxmax(axis=1).isin(["a", "b"])).all()


def test_a_fold_without_both_classes_still_gets_a_report():
    # a time-ordered fold may hold only good parts: it has an F1 but no ROC-AUC, and training must not fail on it
    from sandan.learn.evaluate import Evaluation

    folds = [{"f1": 0.5, "roc_auc": 0.7}, {"f1": 0.3}, {"f1": 0.4, "roc_auc": float("nan")}]
    pooled = {"f1": 0.4, "recall": 0.5, "precision": 0.33, "roc_auc": 0.7}
    ev = Evaluation("binary", "time", "시간", 300, pooled, {}, folds, [], 4.0, 5.0)
    spread = ev.fold_spread()
    assert spread["f1"] == pytest.approx((0.4, np.std([0.5, 0.3, 0.4])))
    assert spread["roc_auc"] == (0.7, 0.0)  # over the one fold that has it
    assert "3개 평가 구간의 f1: 0.4" in ev.report("ko") and "folds f1 was 0.4" in ev.report("en")


def test_a_summary_over_rows_that_do_not_vary_says_no_nan(ai4i, ai4i_model):
    rows = ai4i.iloc[4000:4300].copy()
    for c in (
        "Air temperature [K]",
        "Process temperature [K]",
        "Rotational speed [rpm]",
        "Torque [Nm]",
        "Tool wear [min]",
    ):
        rows[c] = rows[c].median()
    for lang in ("en", "ko"):
        text = " ".join(ai4i_model.explain(rows).summary(lang))
        assert "nan" not in text and text
