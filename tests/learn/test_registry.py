"""The model registry: training from the store registers a candidate; promotion, loading and explanations.

Data: three demo companies of the virtual complex (sandan.twin.virtual), backfilled once per session.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sandan.domain import InvalidInput, NotFound
from sandan.learn import registry
from sandan.learn.train import train_model
from sandan.twin.process import column_labels
from tests.learn.demo_plant import BUDGET_S, FOLDS, NOW, PROGRESS, PUBLISHER, START


def test_training_registers_a_candidate_with_its_evaluation_and_fingerprint(plant, trained):
    mv = registry.get_version(plant, PUBLISHER, "defects", 1)
    assert mv.stage == "candidate" and mv.task == "Classifier" and mv.target == "result"
    assert mv.trained_by == "daesung-plastics-admin" and mv.trained_at is not None
    assert {"melt_temp_c", "holding_pressure_bar"} & set(mv.features)
    assert not {"machine_id", "part_id", "lot_id", "time", "defect_type"} & set(mv.features)
    # measured at inspection with the result (a part with warpage_mm > 0.4 is scrap by definition): not inputs
    measured = {"part_weight_g", "sink_depth_um", "warpage_mm"}
    assert not measured & set(mv.features)
    assert {r["column"] for r in mv.metrics["refused"] if r["kind"] == "inspection"} == measured
    assert "warpage_mm" in mv.metrics["report"]["en"] and "검사" in mv.metrics["report"]["ko"]
    assert mv.metrics["metrics"]["roc_auc"] > 0.7  # the poor-settings machine's defects are learnable
    assert mv.metrics["report"]["ko"] and mv.metrics["report"]["en"] != mv.metrics["report"]["ko"]
    # the report names the budget the user gave: half of it went to this evaluation, half to the final model
    assert (
        f"Time budget {BUDGET_S:.0f} s: {BUDGET_S / 2:.0f} s for this evaluation"
        in mv.metrics["report"]["en"]
    )
    assert f"시간 예산 {BUDGET_S:.0f}초: 이 평가에 {BUDGET_S / 2:.0f}초" in mv.metrics["report"]["ko"]
    meta = json.loads((Path(mv.artifact) / "metadata.json").read_text())
    assert meta["training_data"]["fingerprint_sha256"] == mv.fingerprint == trained.model.fingerprint
    assert Path(mv.artifact).parts[-3:] == (PUBLISHER, "defects", "1")


def test_a_registry_round_trip_predicts_identically(plant, trained):
    registry.promote(plant, PUBLISHER, "defects", 1, user_id="kim")
    mv = registry.production_model(plant, PUBLISHER, "defects")
    loaded = registry.load_version(mv)
    frame = plant.training_frame(PUBLISHER, START, NOW)
    np.testing.assert_array_equal(loaded.predict_proba(frame), trained.task.predict_proba(frame))
    np.testing.assert_array_equal(loaded.predict(frame), trained.task.predict(frame))
    assert registry.load_version(mv) is loaded  # cached
    assert plant.list_audit(PUBLISHER)[0]["action"] == "model.production"


def test_promoting_a_new_version_retires_the_old_one(plant, trained):
    registry.promote(plant, PUBLISHER, "defects", 1)
    v1 = registry.get_version(plant, PUBLISHER, "defects", 1)
    v2 = replace(v1, version=plant.next_model_version(PUBLISHER, "defects"), stage="candidate")
    plant.add_model_version(PUBLISHER, v2)
    registry.promote(plant, PUBLISHER, "defects", v2.version)
    stages = {m.version: m.stage for m in registry.list_models(plant, PUBLISHER, "defects")}
    assert stages == {1: "retired", 2: "production"}
    registry.set_stage(plant, PUBLISHER, "defects", 2, "retired")
    assert registry.production_models(plant, PUBLISHER) == []


def test_an_unknown_version_is_not_found_and_a_bad_name_is_refused(plant, tmp_path):
    with pytest.raises(NotFound):
        registry.promote(plant, PUBLISHER, "defects", 9)
    with pytest.raises(InvalidInput) as err:
        train_model(plant, PUBLISHER, name="../x", start=START, end=NOW, data_dir=tmp_path)
    assert err.value.ko


def test_too_few_rows_is_a_clear_error(plant, tmp_path):
    with pytest.raises(InvalidInput) as err:
        train_model(plant, PUBLISHER, name="d", start=NOW, end=NOW + (NOW - START), data_dir=tmp_path)
    assert "at least 30" in err.value.en and err.value.code == "too_few_rows"


def test_explanations_give_importance_and_sentences_in_both_languages(plant):
    en = registry.explain_version(plant, PUBLISHER, "defects", 1, START, NOW, lang="en", rows=3)
    ko = registry.explain_version(plant, PUBLISHER, "defects", 1, START, NOW, lang="ko", rows=3)
    assert en["importance"][0]["share"] >= en["importance"][-1]["share"] >= 0 < en["importance"][0]["share"]
    assert abs(sum(i["share"] for i in en["importance"]) - 1) < 0.2
    assert len(en["recent"]) == 3 and all(r["sentences"] for r in en["recent"])
    assert en["summary"][0].startswith("The features") and ko["summary"][0].startswith("예측을")


def test_explanations_name_the_columns_in_words_where_labels_are_given(plant):
    labels = column_labels(["injection"])
    ko = registry.explain_version(
        plant, PUBLISHER, "defects", 1, START, NOW, lang="ko", rows=3, labels=labels
    )
    en = registry.explain_version(
        plant, PUBLISHER, "defects", 1, START, NOW, lang="en", rows=3, labels=labels
    )
    raw = [i["feature"] for i in ko["importance"]]
    for i in ko["importance"]:
        if i["feature"] in labels:  # a column of the process, in Korean
            assert i["label"] == labels[i["feature"]]["ko"]
        # inside a derived feature ("holding_time_s × cooling_time_s") no labelled column stays raw
        assert not any(name in i["label"] for name in labels), i
    top = ko["importance"][0]
    assert top["label"] in ko["summary"][0] and top["feature"] not in ko["summary"][0]
    assert en["importance"][0]["label"] in en["summary"][0]
    text = " ".join(s for r in ko["recent"] for s in r["sentences"])
    assert not any(name in text for name in raw if name in labels)
    # the unit comes from the label: "용융 수지 온도 231.5 °C 초과"
    units = {labels[f]["unit"] for f in raw if f in labels and labels[f]["unit"]}
    assert any(f" {u} " in text for u in units), text
    assert "불량의 가능성" in text or "불량 위험" in ko["summary"][-1]


def test_the_cli_lists_and_promotes_versions_and_refuses_bad_training(demo_template, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sandan.cli.main import app
    from tests.learn.demo_plant import open_copy

    open_copy(demo_template[0], tmp_path).close()
    monkeypatch.setenv("SANDAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "list", "--company", PUBLISHER])
    assert listed.exit_code == 0 and "defects" in listed.stdout and "candidate" in listed.stdout
    promoted = runner.invoke(
        app, ["models", "promote", "--company", PUBLISHER, "--name", "defects", "--version", "1"]
    )
    assert promoted.exit_code == 0 and "운영" in promoted.stdout
    assert "production" in runner.invoke(app, ["models", "list", "--company", PUBLISHER]).stdout
    refused = runner.invoke(app, ["train", "--company", PUBLISHER, "--name", "d", "--days", "0.001"])
    assert refused.exit_code == 2 and "at least 30" in refused.output


def test_training_progress_names_the_phase_each_count_belongs_to(trained):
    # each evaluation fold and the final model run their own search, whose trials count from 1 again: every
    # trial message says which part of the work it belongs to, in order, and the bar never goes back
    trials = [p for p in PROGRESS if "LightGBM trial" in p.en]
    assert trials and all(
        re.match(rf"(evaluation \d of {FOLDS}|final model): LightGBM trial \d+", p.en) for p in trials
    ), [p.en for p in trials[:5]]
    assert all(p.ko.startswith(("평가 ", "최종 모델: ")) for p in trials)
    phases = [p.en.split(":")[0] for p in trials]
    order = [f"evaluation {i} of {FOLDS}" for i in range(1, FOLDS + 1)] + ["final model"]
    assert sorted(set(phases), key=order.index) == [x for x in order if x in phases]
    assert [order.index(x) for x in phases] == sorted(order.index(x) for x in phases)
    fractions = [p.fraction for p in PROGRESS]
    assert fractions == sorted(fractions)
