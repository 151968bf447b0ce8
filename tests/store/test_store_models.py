"""Contract: the model registry, stored predictions and the shared catalogue behave alike on both stores.

Every behaviour runs on DuckDB and PostgreSQL through the `store` fixture; tenancy is part of each contract.
"""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from sandan.domain import Conflict, InvalidInput
from sandan.store.base import PREDICTION_SCHEMA, CatalogueEntry, CatalogueScore, ModelVersion
from tests.store.data import T0, at


def version(name: str = "defects", v: int = 1, **kw) -> ModelVersion:
    base = dict(
        name=name,
        version=v,
        task="Classifier",
        target="result",
        features=["melt_temp_c", "hold_s"],
        metrics={"f1": 0.8, "report": {"en": "good", "ko": "좋음"}},
        fingerprint="ab" * 32,
        artifact=f"/models/acme/{name}/{v}",
        trained_by="kim",
        trained_at=at(v),
        scope={"machine_ids": ["M1"]},
    )
    base.update(kw)
    return ModelVersion(**base)


def predictions(times_s, machine="M1", model="defects", v=1, score=0.5) -> pa.Table:
    n = len(times_s)
    return pa.table(
        {
            "time": [at(s) for s in times_s],
            "machine_id": [machine] * n,
            "part_id": [f"p{s}" for s in times_s],
            "model_name": [model] * n,
            "model_version": [v] * n,
            "score": [score] * n,
            "label": ["ng" if score >= 0.5 else "ok"] * n,
        },
        schema=PREDICTION_SCHEMA,
    )


def test_a_registered_version_reads_back_whole(two):
    assert two.next_model_version("acme", "defects") == 1
    two.add_model_version("acme", version())
    got = two.get_model_version("acme", "defects", 1)
    assert got.features == ["melt_temp_c", "hold_s"] and got.metrics["report"]["ko"] == "좋음"
    assert got.stage == "candidate" and got.trained_by == "kim" and got.trained_at == at(1)
    assert got.scope == {"machine_ids": ["M1"]} and got.fingerprint == "ab" * 32
    assert two.next_model_version("acme", "defects") == 2


def test_registering_the_same_version_twice_is_a_conflict(two):
    two.add_model_version("acme", version())
    with pytest.raises(Conflict):
        two.add_model_version("acme", version())


def test_versions_are_listed_by_name_newest_first(two):
    for v in (1, 2, 3):
        two.add_model_version("acme", version(v=v))
    two.add_model_version("acme", version("anomaly", 1))
    assert [(m.name, m.version) for m in two.list_model_versions("acme")] == [
        ("anomaly", 1),
        ("defects", 3),
        ("defects", 2),
        ("defects", 1),
    ]
    assert [m.version for m in two.list_model_versions("acme", "defects")] == [3, 2, 1]


def test_promoting_a_version_retires_the_previous_production_version(two):
    for v in (1, 2):
        two.add_model_version("acme", version(v=v))
    two.set_model_stage("acme", "defects", 1, "production")
    two.set_model_stage("acme", "defects", 2, "production")
    stages = {m.version: m.stage for m in two.list_model_versions("acme", "defects")}
    assert stages == {1: "retired", 2: "production"}
    assert two.get_model_version("acme", "defects", 2).stage_changed_at is not None


def test_an_unknown_stage_is_refused(two):
    two.add_model_version("acme", version())
    with pytest.raises(InvalidInput):
        two.set_model_stage("acme", "defects", 1, "live")


def test_a_company_sees_only_its_own_models(two):
    two.add_model_version("acme", version())
    assert two.list_model_versions("beta") == []
    assert two.get_model_version("beta", "defects", 1) is None
    assert two.next_model_version("beta", "defects") == 1
    two.set_model_stage("beta", "defects", 1, "production")
    assert two.get_model_version("acme", "defects", 1).stage == "candidate"


def test_predictions_append_in_bulk_and_a_resent_batch_adds_nothing(two):
    assert two.append_predictions("acme", predictions(range(100))) == 100
    assert two.append_predictions("acme", predictions(range(50, 150))) == 50
    got = two.query_predictions("acme", T0, at(1000))
    assert got.schema == PREDICTION_SCHEMA and got.num_rows == 150
    assert got["time"].to_pylist() == sorted(got["time"].to_pylist())


def test_predictions_are_filtered_by_window_machine_and_model_and_tenant(two):
    two.append_predictions("acme", predictions(range(10)))
    two.append_predictions("acme", predictions(range(10), machine="M2"))
    two.append_predictions("acme", predictions(range(10), model="other", score=0.9))
    assert two.query_predictions("acme", at(2), at(5), ["M1"], "defects").num_rows == 3
    assert set(two.query_predictions("acme", T0, at(20), model_name="other")["label"].to_pylist()) == {"ng"}
    assert two.query_predictions("acme", T0, at(20), limit=4).num_rows == 4
    assert two.query_predictions("beta", T0, at(20)).num_rows == 0


def test_a_new_model_version_scores_the_same_parts_again(two):
    two.append_predictions("acme", predictions(range(10)))
    assert two.append_predictions("acme", predictions(range(10), v=2)) == 10


def entry(family: str = "injection", name: str = "defects") -> CatalogueEntry:
    return CatalogueEntry(
        id=0,
        family=family,
        name=name,
        task="Classifier",
        target="result",
        features=["melt_temp_c"],
        metrics={"f1": 0.7},
        artifact="/catalogue/injection/1",
        description="사출 불량 Injection defects",
    )


def test_the_catalogue_names_a_publisher_only_with_consent(two):
    anon = two.add_catalogue_entry("acme", entry(), publisher_named=False, published_by="kim")
    named = two.add_catalogue_entry("acme", entry(name="named"), publisher_named=True, published_by="kim")
    seen = {e.id: e for e in two.cross_tenant_catalogue("injection", "beta")}
    assert seen[anon].publisher_company_id is None and not seen[anon].mine
    assert seen[named].publisher_company_id == "acme"
    own = {e.id: e for e in two.cross_tenant_catalogue("injection", "acme")}
    assert own[anon].publisher_company_id == "acme" and own[anon].mine
    assert own[anon].metrics == {"f1": 0.7} and own[anon].features == ["melt_temp_c"]


def test_the_catalogue_is_per_process_family(two):
    eid = two.add_catalogue_entry("acme", entry(), publisher_named=True, published_by=None)
    assert two.cross_tenant_catalogue("forging", "beta") == []
    assert two.cross_tenant_catalogue_family(eid) == "injection"
    assert two.cross_tenant_catalogue_entry(eid, "beta").id == eid
    assert two.cross_tenant_catalogue_entry(eid + 1000, "beta") is None


def test_a_withdrawn_entry_stays_with_when_and_why(two):
    eid = two.add_catalogue_entry("acme", entry(), publisher_named=False, published_by="kim")
    other = two.add_catalogue_entry("beta", entry(name="other"), publisher_named=False, published_by=None)
    assert two.cross_tenant_catalogue_entry(eid, "beta").withdrawn_at is None
    # the publisher is returned to the caller (for its audit log) even when the catalogue does not name it
    assert two.withdraw_catalogue_entry(eid, T0, "trained on a miscalibrated sensor") == "acme"
    seen = two.cross_tenant_catalogue_entry(eid, "beta")
    assert seen.withdrawn_at == T0 and seen.withdrawn_reason == "trained on a miscalibrated sensor"
    assert seen.publisher_company_id is None
    assert two.cross_tenant_catalogue_entry(other, "acme").withdrawn_at is None
    assert two.withdraw_catalogue_entry(eid + 1000, T0, "x") is None


def test_each_company_keeps_its_own_catalogue_score(two):
    eid = two.add_catalogue_entry("acme", entry(), publisher_named=False, published_by=None)
    two.put_catalogue_score("beta", CatalogueScore(eid, {"f1": 0.6}, 300, "evaluated", T0))
    two.put_catalogue_score(
        "beta", CatalogueScore(eid, {"f1": 0.65}, 320, "adopted", T0 + timedelta(hours=1))
    )
    mine = two.list_catalogue_scores("beta", eid)
    assert [(s.metrics, s.n_rows, s.action) for s in mine] == [({"f1": 0.65}, 320, "adopted")]
    assert two.list_catalogue_scores("acme") == []
    assert two.cross_tenant_catalogue("injection", "acme")[0].evaluations == 1
