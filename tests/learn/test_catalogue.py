"""The shared catalogue: a model (never data) is published to its process family; another member of the family
evaluates it on its own data and adopts it; other families do not see it; scores stay separate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandan.accounts import Principal
from sandan.domain import Conflict, Forbidden, InvalidInput, NotFound, Role, User
from sandan.learn import catalogue, registry
from tests.learn.demo_plant import ADOPTER, NOW, OTHER_FAMILY, PUBLISHER, START


@pytest.fixture
def published(plant, trained, tmp_path):
    return catalogue.publish_model(plant, PUBLISHER, "defects", 1, description="사출 불량", data_dir=tmp_path)


def test_publishing_copies_the_model_and_its_fingerprint_but_no_data(plant, published):
    files = sorted(p.name for p in Path(published.artifact).iterdir())
    meta = json.loads((Path(published.artifact) / "metadata.json").read_text())
    # The model and its ensemble members (as many as the time budget allowed), nothing else.
    members = [f"model_{k}.txt" for k in range(1, int(meta.get("members", 1)))]
    assert files == sorted(["metadata.json", "model.txt", *members])
    assert PUBLISHER not in published.artifact
    assert set(meta["training_data"]) == {"fingerprint_sha256", "rows"}
    assert published.family == "injection" and published.mine


def test_the_publisher_is_anonymous_unless_it_consents(plant, trained, published):
    seen = catalogue.cross_tenant_catalogue(plant, ADOPTER)
    assert [e["id"] for e in seen] == [published.id]
    assert seen[0]["publisher"] == {"id": None, "en": "a member company", "ko": "한 회원사"}


def test_a_publisher_that_consents_is_named(plant, trained, tmp_path):
    named = catalogue.publish_model(plant, PUBLISHER, "defects", 1, name_publisher=True, data_dir=tmp_path)
    seen = {e["id"]: e for e in catalogue.cross_tenant_catalogue(plant, ADOPTER)}
    assert seen[named.id]["publisher"]["id"] == PUBLISHER
    # by its company name, not its id
    assert seen[named.id]["publisher"]["ko"] == plant.get_company(PUBLISHER).name != PUBLISHER


def test_a_version_is_published_once(plant, published, tmp_path):
    assert catalogue.published_versions(plant, PUBLISHER) == {("defects", 1): published.id}
    assert catalogue.published_versions(plant, ADOPTER) == {}
    with pytest.raises(Conflict) as refused:
        catalogue.publish_model(plant, PUBLISHER, "defects", 1, name_publisher=True, data_dir=tmp_path)
    assert refused.value.code == "already_published" and f"항목 {published.id}" in refused.value.ko
    assert [e["id"] for e in catalogue.cross_tenant_catalogue(plant, ADOPTER)] == [published.id]


def test_a_model_no_better_than_chance_is_not_published(plant, trained, tmp_path):
    """A model that ranks held-out parts no better than chance would read as a shared model that helps: refused,
    saying why and what to do; the list and the model page say it too (`no_better_than_chance`)."""
    from dataclasses import replace

    from sandan.learn.evaluate import no_better_than_chance

    mv = registry.get_version(plant, PUBLISHER, "defects", 1)
    assert no_better_than_chance(mv.metrics) is None  # the demo's model does better than chance
    poor = {**mv.metrics, "metrics": {**mv.metrics["metrics"], "roc_auc": 0.45}}
    plant.add_model_version(PUBLISHER, replace(mv, version=2, metrics=poor))
    with pytest.raises(Conflict) as refused:
        catalogue.publish_model(plant, PUBLISHER, "defects", 2, data_dir=tmp_path)
    assert refused.value.code == "no_better_than_chance"
    assert "ROC-AUC 0.45" in refused.value.en and "다시 학습" in refused.value.ko
    assert catalogue.published_versions(plant, PUBLISHER) == {}
    regression = {"kind": "regression", "metrics": {"rmse": 3.0, "r2": -0.1}}
    assert "R² -0.10" in no_better_than_chance(regression)[0]
    assert no_better_than_chance({"kind": "regression", "metrics": {"rmse": 3.0, "r2": 0.4}}) is None


def test_another_process_family_does_not_see_the_model(plant, published):
    assert catalogue.cross_tenant_catalogue(plant, OTHER_FAMILY) == []
    with pytest.raises(NotFound):
        catalogue.evaluate_entry(plant, OTHER_FAMILY, published.id, start=START, end=NOW)
    with pytest.raises(NotFound):
        catalogue.adopt_entry(plant, OTHER_FAMILY, published.id)


def test_evaluate_then_adopt_keeps_the_publishers_and_the_adopters_scores_apart(plant, published, tmp_path):
    with pytest.raises(Conflict):
        catalogue.adopt_entry(plant, ADOPTER, published.id, data_dir=tmp_path)
    seen = catalogue.evaluate_entry(
        plant, ADOPTER, published.id, start=START, end=NOW, machine_ids=["imm-11"]
    )
    mine = seen["my_score"]
    assert mine["action"] == "evaluated" and mine["n_rows"] < 1000
    assert mine["metrics"]["n_rows"] == mine["n_rows"] != seen["publisher_score"]["n_rows"]
    assert "ko" in mine["metrics"]["report"]
    adopted = catalogue.adopt_entry(plant, ADOPTER, published.id, data_dir=tmp_path)
    assert adopted.stage == "candidate" and adopted.origin == f"catalogue:{published.id}"
    assert adopted.metrics["metrics"] == mine["metrics"]["metrics"]
    assert adopted.metrics["publisher_score"]["metrics"] == seen["publisher_score"]["metrics"]
    assert adopted.scope == {"machine_ids": ["imm-11"], "product": None}
    assert registry.get_version(plant, ADOPTER, "defects", 1).artifact == adopted.artifact
    # The publisher sees its own score and a count, never the adopter's score.
    own = catalogue.cross_tenant_catalogue(plant, PUBLISHER)[0]
    assert own["my_score"] is None and own["evaluations"] == 1
    assert own["publisher_score"]["metrics"] == seen["publisher_score"]["metrics"]
    after = catalogue.cross_tenant_catalogue(plant, ADOPTER)[0]
    assert after["my_score"]["action"] == "adopted"
    # The adopted copy predicts the adopter's parts with the publisher's model.
    loaded = registry.load_version(adopted)
    frame = plant.training_frame(ADOPTER, START, NOW, ["imm-11"])
    assert len(loaded.predict(frame)) == len(frame)
    with pytest.raises(Conflict):  # an adopted copy is not the adopter's to publish
        catalogue.publish_model(plant, ADOPTER, adopted.name, adopted.version, data_dir=tmp_path)
    # once: a second click would add the same model as another version; retired, it may be adopted again
    with pytest.raises(Conflict) as again:
        catalogue.adopt_entry(plant, ADOPTER, published.id, data_dir=tmp_path)
    assert (
        again.value.code == "already_adopted" and f"{adopted.name} 버전 {adopted.version}" in again.value.ko
    )
    registry.set_stage(plant, ADOPTER, adopted.name, adopted.version, "retired")
    assert (
        catalogue.adopt_entry(plant, ADOPTER, published.id, data_dir=tmp_path).version == adopted.version + 1
    )


def test_missing_features_are_named_in_both_languages(plant, published):
    with pytest.raises(InvalidInput) as err:
        catalogue.evaluate_entry(plant, ADOPTER, published.id, start=START, end=NOW, machine_ids=["cnc-11"])
    assert (
        err.value.code == "missing_features"
        and "melt_temp_c" in err.value.en
        and "melt_temp_c" in err.value.ko
    )


def test_fine_tuning_on_too_few_defects_is_refused_in_words(plant, published, tmp_path):
    with pytest.raises(InvalidInput) as err:
        catalogue.fine_tune_entry(
            plant,
            ADOPTER,
            published.id,
            start=START,
            end=NOW,
            machine_ids=["imm-11"],
            budget_s=2,
            data_dir=tmp_path,
        )
    assert err.value.code == "too_few_of_a_class" and "'ng'" in err.value.en and err.value.ko


def _as(role: Role, company_id: str | None) -> Principal:
    return Principal(User(id=f"{role.value}-{company_id}", role=role, company_id=company_id))


def test_a_withdrawn_model_can_no_longer_be_taken_and_those_who_adopted_it_see_why(
    plant, published, tmp_path
):
    catalogue.evaluate_entry(plant, ADOPTER, published.id, start=START, end=NOW, machine_ids=["imm-11"])
    adopted = catalogue.adopt_entry(plant, ADOPTER, published.id, data_dir=tmp_path)
    reason = "라벨 오류: 3월 데이터의 불량 판정이 뒤바뀜"
    # only its publisher (who may write) or the operator takes it out, and only saying why
    with pytest.raises(Forbidden):
        catalogue.withdraw_entry(plant, _as(Role.engineer, ADOPTER), published.id, reason, company_id=ADOPTER)
    with pytest.raises(Forbidden):
        catalogue.withdraw_entry(
            plant, _as(Role.viewer, PUBLISHER), published.id, reason, company_id=PUBLISHER
        )
    with pytest.raises(Forbidden):  # without a company, only the operator
        catalogue.withdraw_entry(plant, _as(Role.company_admin, PUBLISHER), published.id, reason)
    with pytest.raises(InvalidInput) as blank:
        catalogue.withdraw_entry(
            plant, _as(Role.engineer, PUBLISHER), published.id, "  ", company_id=PUBLISHER
        )
    assert blank.value.code == "reason_required"
    catalogue.withdraw_entry(plant, _as(Role.engineer, PUBLISHER), published.id, reason, company_id=PUBLISHER)
    with pytest.raises(Conflict) as twice:
        catalogue.withdraw_entry(plant, _as(Role.operator, None), published.id, "again")
    assert twice.value.code == "already_withdrawn"

    # the adopter still sees it, with the reason; its adopted copy stays in its registry
    [seen] = catalogue.cross_tenant_catalogue(plant, ADOPTER)
    assert seen["withdrawn"]["reason"] == reason and seen["my_score"]["action"] == "adopted"
    assert registry.get_version(plant, ADOPTER, adopted.name, adopted.version).stage == "candidate"
    assert catalogue.withdrawn_sources(plant, ADOPTER) == {(adopted.name, adopted.version): reason}
    # the publisher's own trained model is not from the catalogue
    assert catalogue.withdrawn_sources(plant, PUBLISHER) == {}
    # nobody evaluates, adopts or fine-tunes it any more
    registry.set_stage(plant, ADOPTER, adopted.name, adopted.version, "retired")
    for attempt in (
        lambda: catalogue.adopt_entry(plant, ADOPTER, published.id, data_dir=tmp_path),
        lambda: catalogue.evaluate_entry(plant, ADOPTER, published.id, start=START, end=NOW),
        lambda: catalogue.fine_tune_entry(
            plant, ADOPTER, published.id, start=START, end=NOW, data_dir=tmp_path
        ),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "entry_withdrawn" and reason in refused.value.ko
    # the publisher's audit log says who withdrew it and why
    [logged] = [a for a in plant.list_audit(PUBLISHER, 50) if a["action"] == "catalogue.withdraw"]
    assert (logged["user_id"], logged["target"], logged["detail"]) == (
        f"engineer-{PUBLISHER}",
        f"entry {published.id}",
        reason,
    )


def test_a_withdrawn_model_disappears_for_members_that_never_looked_at_it(plant, published):
    catalogue.withdraw_entry(plant, _as(Role.operator, None), published.id, "leaked a customer's part ids")
    assert catalogue.cross_tenant_catalogue(plant, ADOPTER) == []
    [own] = catalogue.cross_tenant_catalogue(plant, PUBLISHER)  # the publisher keeps seeing its own
    assert own["withdrawn"]["reason"] == "leaked a customer's part ids"
    [listed] = catalogue.cross_tenant_all_catalogues(plant, _as(Role.operator, None))
    assert listed["id"] == published.id and listed["withdrawn"] is not None
    with pytest.raises(Forbidden):
        catalogue.cross_tenant_all_catalogues(plant, _as(Role.company_admin, ADOPTER))
