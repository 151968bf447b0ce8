"""Federations over the API: the operator creates one per process family; a company joins with its key and sees
its own gain and the aggregate, never another member's gain; another family does not see it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sandan.domain import InvalidInput
from sandan.learn.federated import service
from sandan.learn.federated.client import Schema
from sandan.learn.federated.flower import generate_key
from tests.api.conftest import *  # noqa: F403 - the API world fixture
from tests.api.world import assert_error

SCHEMA = {"target": "result", "positive": "ng", "numeric": ["melt_temp_c"], "categorical": {}}


def _gain(company: str, fed: float, local: float) -> SimpleNamespace:
    metrics = {"federated": {"f1": fed}, "local": {"f1": local}, "pooled": {"f1": 0.9}}
    return SimpleNamespace(
        company=company,
        to_dict=lambda: {
            "company": company,
            "metrics": metrics,
            "gain_f1": fed - local,
            "adopt": fed > local,
        },
    )


def test_a_company_sees_its_own_gain_and_the_aggregate_only(world):
    created = world.post(
        "ops", "/api/v1/federations", json={"name": "단조 불량", "family": "forging", "schema": SCHEMA}
    )
    assert created.status_code == 201, created.text
    fid = created.json()["id"]
    assert_error(
        world.post(
            "a-admin", "/api/v1/federations", json={"name": "x", "family": "forging", "schema": SCHEMA}
        ),
        403,
    )
    for user, company in (("a-admin", "acme"), ("b-eng", "bravo")):
        r = world.post(
            user,
            f"/api/v1/companies/{company}/federations/join",
            json={"federation_id": fid, "public_key": generate_key()[1].decode()},
        )
        assert r.status_code == 200, r.text
        assert r.json()["member"] and r.json()["participants"] >= 1
    data_dir = world.client.app.state.settings.data_dir
    comparison = SimpleNamespace(
        strategy="TreeBagging",
        scheme_en="held-out",
        scheme_ko="보류",
        rounds=[12],
        privacy=None,
        overall={"federated": {"f1": 0.8}, "local": {"f1": 0.7}},
        companies=[_gain("acme", 0.8, 0.6), _gain("bravo", 0.7, 0.75)],
    )
    service.record_run(data_dir, fid, comparison)
    mine = world.get("a-view", f"/api/v1/companies/acme/federations/status?federation_id={fid}").json()
    assert mine["last_run"]["mine"]["company"] == "acme" and mine["last_run"]["mine"]["adopt"] is True
    assert mine["last_run"]["aggregate"]["federated"]["f1"] == 0.8
    assert "bravo" not in str(mine)
    everything = world.get("ops", "/api/v1/federations").json()
    assert set(everything[0]["last_run"]["companies"]) == {"acme", "bravo"}
    assert_error(world.get("a-admin", "/api/v1/federations"), 403)


def _trained_federation(tmp_path, companies, *others: str):
    """A store with the companies (and `others`, outside the federation), a milling federation of the companies
    and a small tree model trained over them."""
    from sandan.domain import Company
    from sandan.learn.federated import CompanyClient, InProcessTransport, TreeBagging
    from sandan.store import open_store
    from tests.learn.federated.conftest import SCHEMA as AI4I

    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    for c in (*companies, *others):
        store.upsert_company(Company(id=c, name=c, family="cnc"))
    fed = service.create_federation("밀링 고장", "cnc", AI4I, data_dir=tmp_path)
    for c in companies:
        service.join_federation(store, c, fed["id"], generate_key()[1].decode(), data_dir=tmp_path)
    transport = InProcessTransport([CompanyClient(c, f, AI4I) for c, f in companies.items()])
    model = TreeBagging(rounds=3, local_rounds=3).run(transport, AI4I)
    transport.close()
    return store, fed, model


def test_adopters_find_the_federated_model_in_the_catalogue_with_their_own_score(tmp_path, companies):
    """A run records the model trained on every member's rows in the family's catalogue; each member that adopted
    it (its federated F1 beat its local one) sees its own score there; a non-adopter sees none, and the entry
    cannot be copied through the catalogue's adopt step (it is a federation's model)."""
    import pytest

    from sandan.domain import Conflict
    from sandan.learn import catalogue
    from sandan.learn.federated import (
        CompanyGain,
        Comparison,
        FederatedModel,
    )

    store, fed, model = _trained_federation(tmp_path, companies, "outsider")
    scores = {"alpha": (0.71, 0.64), "beta": (0.66, 0.58), "gamma": (0.40, 0.52)}  # federated, local F1
    gains = []
    for c, (f, lo) in scores.items():
        m = {"federated": {"f1": f}, "local": {"f1": lo}, "pooled": {"f1": 0.75}}
        g = CompanyGain(c, len(companies[c]), 9, m, {k: {"f1": (f - 0.1, f + 0.1)} for k in m})
        g.adopt = g.metrics["federated"]["f1"] > g.metrics["local"]["f1"]
        gains.append(g)
    overall = {"federated": {"f1": 0.68}, "local": {"f1": 0.6}, "pooled": {"f1": 0.75}}
    comparison = Comparison("TreeBagging", "held-out", "보류", gains, overall, {}, rounds=[3])
    run = service.record_run(tmp_path, fed["id"], comparison, store=store, model=model)

    for c, (f, lo) in scores.items():
        (entry,) = [
            e for e in catalogue.cross_tenant_catalogue(store, c) if e["id"] == run["catalogue_entry"]
        ]
        assert entry["publisher_score"]["metrics"]["f1"] == 0.68 and entry["evaluations"] == 2
        if f > lo:
            assert entry["my_score"]["action"] == "adopted"
            assert entry["my_score"]["metrics"]["metrics"]["f1"] == f
            assert entry["my_score"]["metrics"]["local"]["f1"] == lo
        else:
            assert entry["my_score"] is None
    assert catalogue.cross_tenant_catalogue(store, "outsider")[0]["my_score"] is None
    with pytest.raises(Conflict, match="trained by a federation"):
        catalogue.adopt_entry(store, "gamma", run["catalogue_entry"], name="milling", data_dir=tmp_path)
    with pytest.raises(Conflict, match="already in your registry as 밀링-고장 version 1"):
        catalogue.adopt_entry(store, "alpha", run["catalogue_entry"], name="milling", data_dir=tmp_path)
    with pytest.raises(Conflict, match="trained by a federation"):  # nor retrained from it one company alone
        catalogue.fine_tune_entry(
            store, "gamma", run["catalogue_entry"], start=datetime(2026, 1, 1), end=datetime(2026, 2, 1)
        )
    # The catalogue's artifact is the federated model itself: it predicts as the trained one.
    entry = catalogue.cross_tenant_entry(store, "alpha", run["catalogue_entry"])
    again = FederatedModel.from_dict(json.loads((Path(entry.artifact) / "federated.json").read_text()))
    frame = companies["alpha"]
    assert np.allclose(again.predict_proba(frame), model.predict_proba(frame))
    store.close()


def test_an_adopter_finds_the_federated_model_in_its_registry_and_scores_its_parts_with_it(
    tmp_path, companies
):
    """Adopting means using: each member whose federated F1 beat its own finds the model in its registry as a
    candidate (its own score and a report in words), promotes it, and its parts are then scored with the
    federation's trees at its own threshold, labelled in its own words; a member that did not adopt finds
    nothing; the model is not explained row by row, and says why."""
    import pandas as pd

    from sandan.learn import registry, serving
    from sandan.learn.federated import CompanyGain, Comparison
    from tests.learn.federated.conftest import SCHEMA as AI4I

    store, fed, model = _trained_federation(tmp_path, companies)
    model.thresholds["alpha"] = 0.3
    gains = []
    for c, (f, lo) in {"alpha": (0.71, 0.64), "gamma": (0.40, 0.52)}.items():
        m = {"federated": {"f1": f}, "local": {"f1": lo}}
        g = CompanyGain(c, len(companies[c]), 9, m, {})
        g.adopt = f > lo
        gains.append(g)
    comparison = Comparison(
        "TreeBagging", "held-out", "보류", gains, {"federated": {"f1": 0.6}}, {}, rounds=[3]
    )
    negatives = {"alpha": "0", "gamma": "0"}
    run = service.record_run(tmp_path, fed["id"], comparison, store=store, model=model, negatives=negatives)

    assert registry.list_models(store, "gamma") == []
    (mv,) = registry.list_models(store, "alpha")
    assert mv.stage == "candidate" and mv.origin == f"catalogue:{run['catalogue_entry']}"
    assert mv.metrics["metrics"]["f1"] == 0.71 and "0.710 against 0.640" in mv.metrics["report"]["en"]
    assert mv.features == AI4I.features
    registry.promote(store, "alpha", mv.name, mv.version)

    parts = companies["alpha"].head(40).copy()
    parts["time"] = pd.date_range("2026-12-01", periods=len(parts), freq="min", tz="UTC")
    parts["machine_id"], parts["part_id"] = "mill-1", [f"p{i}" for i in range(len(parts))]
    scored = serving.score_batch(store, "alpha", parts)
    assert scored.scored == 40 and scored.models == [f"{mv.name}/{mv.version}"]
    stored = store.query_predictions(
        "alpha", parts["time"].iloc[0], parts["time"].iloc[-1] + pd.Timedelta(minutes=1)
    ).to_pandas()
    expected = model.predict_proba(parts)
    assert np.allclose(stored["score"].to_numpy(), expected)
    assert list(stored["label"]) == ["1" if p >= 0.3 else "0" for p in expected]

    with pytest.raises(InvalidInput, match="trained by federation") as refused:
        registry.load_version(mv).explain(parts)
    assert refused.value.code == "no_explanation"
    store.close()


def test_the_operator_turns_on_secure_aggregation_and_dp_for_a_linear_federation(world, tmp_path):
    """Privacy settings are part of the federation: DP refused with a reason for trees (histograms are summed
    securely, not noised) and a meaningless noise level refused; kept for fedavg, and the strategy the federation
    runs carries them. A trees federation runs histogram boosting with secure aggregation."""
    body = {"name": "사출 불량", "family": "injection", "schema": SCHEMA, "secure_aggregation": True}
    assert_error(
        world.post("ops", "/api/v1/federations", json={**body, "dp_noise_multiplier": 1.0}),
        422,
        "privacy_needs_linear",
    )
    trees = world.post("ops", "/api/v1/federations", json=body)
    assert trees.status_code == 201, trees.text
    histboost = service.strategy_of(trees.json())()
    assert type(histboost).__name__ == "HistBoost" and histboost.secure_aggregation is True
    bad = {**body, "strategy": "fedavg", "dp_noise_multiplier": -1}
    assert_error(world.post("ops", "/api/v1/federations", json=bad), 422, "bad_noise_multiplier")
    # a noise that is wrong in itself is named as such, whatever the strategy
    bad_trees = {**body, "dp_noise_multiplier": -1}
    assert_error(world.post("ops", "/api/v1/federations", json=bad_trees), 422, "bad_noise_multiplier")
    # a family not chosen on the web form is asked for in words, not answered with the list of codes
    with pytest.raises(InvalidInput) as unchosen:
        service.create_federation("사출 불량", "", Schema(**SCHEMA), data_dir=tmp_path)
    assert "choose the process family" in unchosen.value.en and "고르세요" in unchosen.value.ko
    created = world.post(
        "ops", "/api/v1/federations", json={**body, "strategy": "fedprox", "dp_noise_multiplier": 1.2}
    )
    assert created.status_code == 201, created.text
    fed = created.json()
    assert fed["secure_aggregation"] is True and fed["dp_noise_multiplier"] == 1.2
    strategy = service.strategy_of(fed)()
    assert strategy.secure_aggregation is True and strategy.mu == 0.1
    assert strategy.dp is not None and strategy.dp.noise_multiplier == 1.2
    plain = service.strategy_of({**fed, "secure_aggregation": False, "dp_noise_multiplier": None})()
    assert plain.secure_aggregation is False and plain.dp is None


def test_a_feature_no_company_of_the_family_records_is_refused_naming_the_recorded_ones(world):
    from datetime import UTC, datetime

    from sandan.collect import ingest_parts

    row = {"machine_id": "m1", "part_id": "f-1", "result": "ok", "params": {"billet_temp_c": 1180.0}}
    assert ingest_parts(world.store, "acme", [{**row, "time": datetime.now(UTC).isoformat()}]).rejected == 0
    schema = {"target": "result", "positive": "ng", "numeric": ["billet_temp"], "categorical": {}}
    body = {"name": "단조 불량", "family": "forging", "schema": schema}
    err = assert_error(world.post("ops", "/api/v1/federations", json=body), 422, "not_recorded")
    assert "billet_temp" in err["message"]["en"] and "recorded: billet_temp_c" in err["message"]["en"]
    assert "단조 계열 회원사 중" in err["message"]["ko"] and "기록하는 곳이 없습니다" in err["message"]["ko"]
    # the family by its name, not its key
    assert err["message"]["en"].startswith("no company of the Forging family records")
    fixed = {**body, "schema": {**schema, "numeric": ["billet_temp_c"]}}
    assert world.post("ops", "/api/v1/federations", json=fixed).status_code == 201
    # a family none of whose companies has records yet takes the columns as typed (they may come later)
    early = {**body, "family": "press", "schema": {**schema, "numeric": ["tonnage_kn"]}}
    assert world.post("ops", "/api/v1/federations", json=early).status_code == 201


def test_the_operator_starts_a_simulation_run_and_a_member_follows_it(world):
    """POST …/run starts the background run (operator only, settings checked, two members needed); its state reads
    like a job for the operator and for a member; with fewer than two members with records the run fails, naming
    those without."""
    import time

    created = world.post(
        "ops",
        "/api/v1/federations",
        json={"name": "단조", "family": "forging", "strategy": "fedavg", "schema": SCHEMA},
    )
    fid = created.json()["id"]
    run = f"/api/v1/federations/{fid}/run"
    assert_error(world.post("a-admin", run, json={}), 403)
    assert_error(world.post("ops", run, json={}), 409, "too_few_members")
    for user, company in (("a-admin", "acme"), ("b-eng", "bravo")):
        join = {"federation_id": fid, "public_key": generate_key()[1].decode()}
        assert world.post(user, f"/api/v1/companies/{company}/federations/join", json=join).status_code == 200
    assert_error(world.post("ops", run, json={"folds": 1}), 422)
    assert world.get("ops", run).json()["state"] == "idle"
    started = world.post("ops", run, json={"days": 7, "folds": 2, "search_s": 1})
    assert started.status_code == 202, started.text
    assert started.json()["state"] == "running"
    member = f"/api/v1/companies/acme/federations/run?federation_id={fid}"
    deadline = time.monotonic() + 60
    while (state := world.get("a-view", member).json())["state"] == "running":
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    # the operator reads why, naming the member; a member only that it failed (the reason may name another)
    operator = world.get("ops", run).json()
    assert operator["state"] == "failed" and operator["error"]["code"] == "too_few_with_data", operator
    assert "0 have them (acme: only 0 part records" in operator["error"]["message"]["en"]
    assert operator["messages"] == operator["error"]["message"]  # not the last step's text
    assert state["state"] == "failed" and "acme" not in str(state) and "operator has the reason" in str(state)
    for user, company in (("a-view", "acme"), ("b-eng", "bravo")):
        view = world.get(user, f"/api/v1/companies/{company}/federations/status?federation_id={fid}").json()
        assert view["last_failure"]["message"]["ko"].startswith("최근 학습이 실패했습니다")
        assert "acme" not in str(view["last_failure"]) and "part records" not in str(view)
    kept = service.cross_tenant_federation(fid, data_dir=world.client.app.state.settings.data_dir)
    assert "acme: only 0 part records" in kept["last_failure"]["message"]["en"]


def test_a_member_leaves_or_the_operator_removes_it_and_its_key_goes(world):
    created = world.post(
        "ops",
        "/api/v1/federations",
        json={"name": "단조", "family": "forging", "strategy": "fedavg", "schema": SCHEMA},
    )
    fid = created.json()["id"]
    for user, company in (("a-eng", "acme"), ("b-eng", "bravo")):
        join = {"federation_id": fid, "public_key": generate_key()[1].decode()}
        assert world.post(user, f"/api/v1/companies/{company}/federations/join", json=join).status_code == 200
    data_dir = world.client.app.state.settings.data_dir
    # a member leaves on its own; a viewer cannot make it leave, and leaving twice finds nothing
    leave = {"federation_id": fid}
    assert_error(world.post("a-view", "/api/v1/companies/acme/federations/leave", json=leave), 403)
    left = world.post("a-eng", "/api/v1/companies/acme/federations/leave", json=leave)
    assert left.status_code == 200 and left.json()["member"] is False
    assert_error(
        world.post("a-eng", "/api/v1/companies/acme/federations/leave", json=leave), 404, "not_a_member"
    )
    assert set(service.cross_tenant_federation(fid, data_dir=data_dir)["members"]) == {"bravo"}
    # the operator removes another; a company cannot use the operator's route
    member = f"/api/v1/federations/{fid}/members/bravo"
    assert_error(world.client.delete(member, headers=world.auth("b-eng")), 403)
    removed = world.client.delete(member, headers=world.auth("ops"))
    assert removed.status_code == 200 and removed.json()["members"] == []
    actions = [
        (a["action"], a["detail"]) for a in world.get("a-admin", "/api/v1/companies/acme/audit").json()
    ]
    assert ("federation.leave", "") in actions
    bravo = [(a["action"], a["detail"]) for a in world.get("ops", "/api/v1/companies/bravo/audit").json()]
    assert ("federation.leave", "by the operator") in bravo
    # the operator deletes the federation it no longer needs; a company cannot, and it is gone for both
    assert_error(world.client.delete(f"/api/v1/federations/{fid}", headers=world.auth("a-admin")), 403)
    gone = world.client.delete(f"/api/v1/federations/{fid}", headers=world.auth("ops"))
    assert gone.status_code == 200 and gone.json()["id"] == fid
    assert all(f["id"] != fid for f in world.get("ops", "/api/v1/federations").json())
    assert_error(world.client.delete(f"/api/v1/federations/{fid}", headers=world.auth("ops")), 404)


def test_nothing_a_member_reads_of_the_federated_model_names_another_member_or_its_rows(tmp_path, companies):
    """The model a member finds in its registry (and so in its takeout), and the family's catalogue copy, carry the
    trees, the schema, the federation's aggregate counts and at most the member's own threshold: no other member's
    id, row count or threshold, and no round naming who answered. The operator's record of the run still names
    every member with its gain."""
    import zipfile

    from sandan.collect.takeout import company_takeout
    from sandan.learn import catalogue
    from sandan.learn.federated import CompanyGain, Comparison, FederatedModel

    store, fed, model = _trained_federation(tmp_path, companies)
    assert set(model.participants) == {"alpha", "beta", "gamma"}  # the operator's model knows them all
    assert any(r.participants for r in model.rounds)
    gains = []
    for c, (f, lo) in {"alpha": (0.71, 0.64), "beta": (0.66, 0.58), "gamma": (0.40, 0.52)}.items():
        m = {"federated": {"f1": f}, "local": {"f1": lo}}
        g = CompanyGain(c, len(companies[c]), 9, m, {})
        g.adopt = f > lo
        gains.append(g)
    comparison = Comparison(
        "TreeBagging", "held-out", "보류", gains, {"federated": {"f1": 0.6}}, {}, rounds=[3]
    )
    run = service.record_run(tmp_path, fed["id"], comparison, store=store, model=model)

    def leaks(text: str, reader: str | None) -> list[str]:
        others = [c for c in companies if c != reader]
        found = [c for c in others if f'"{c}"' in text]
        found += [f"{c} rows" for c in others if f'"{c}": {len(companies[c])}' in text]
        return found

    (mv,) = [v for v in store.list_model_versions("alpha", None)]
    shipped = (Path(mv.artifact) / "federated.json").read_text()
    assert leaks(shipped, "alpha") == []
    d = json.loads(shipped)
    assert d["participants"] == {} and set(d["thresholds"]) <= {"alpha"}
    assert all("participants" not in r and "failures" not in r for r in d["rounds"])
    frame = companies["alpha"]
    again = FederatedModel.from_dict(d)  # still the model: it predicts as the trained one
    assert np.allclose(again.predict_proba(frame), model.predict_proba(frame))
    assert again.threshold_for("alpha") == model.threshold_for("alpha")

    entry = catalogue.cross_tenant_entry(store, "alpha", run["catalogue_entry"])
    assert leaks((Path(entry.artifact) / "federated.json").read_text(), None) == []

    archive, _ = company_takeout(store, "alpha", tmp_path, tmp_path / "out")
    with zipfile.ZipFile(archive) as z:
        texts = {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".json")}
    assert any(n.endswith("federated.json") for n in texts)
    assert {n: leaks(t, "alpha") for n, t in texts.items() if leaks(t, "alpha")} == {}
    # the operator's record keeps every member's gain
    assert set(service.cross_tenant_federation(fed["id"], data_dir=tmp_path)["runs"][-1]["companies"]) == {
        "alpha",
        "beta",
        "gamma",
    }
    store.close()


def _federation(world) -> str:
    created = world.post(
        "ops",
        "/api/v1/federations",
        json={"name": "단조", "family": "forging", "strategy": "fedavg", "schema": SCHEMA},
    )
    return created.json()["id"]


def test_a_key_that_is_not_a_p384_public_key_is_refused_and_the_members_key_stays(world):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    fid = _federation(world)
    join = "/api/v1/companies/acme/federations/join"
    good = generate_key()[1].decode()
    assert world.post("a-admin", join, json={"federation_id": fid, "public_key": good}).status_code == 200
    pem, spki = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    unreadable = ["BEGIN PUBLIC KEY", "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----"]
    # readable, but not a key its client can prove with the ECDSA P-384 signature the server checks
    other_kinds = [
        rsa.generate_private_key(65537, 2048).public_key().public_bytes(pem, spki).decode(),
        ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(pem, spki).decode(),
    ]
    for key in unreadable + other_kinds:
        err = assert_error(world.post("a-admin", join, json={"federation_id": fid, "public_key": key}), 422)
        assert err["code"] == "bad_key", err
        if key in unreadable:
            assert "-----BEGIN PUBLIC KEY-----" in err["message"]["en"] and "공개키" in err["message"]["ko"]
        else:
            assert "P-384" in err["message"]["en"] and "P-384" in err["message"]["ko"]
    data_dir = world.client.app.state.settings.data_dir
    assert service.member_keys(fid, data_dir=data_dir)["acme"].decode() == good


def test_joining_again_says_the_key_was_replaced_and_joins_are_audited(world):
    fid = _federation(world)
    join = "/api/v1/companies/acme/federations/join"
    data_dir = world.client.app.state.settings.data_dir
    first = generate_key()[1].decode()
    view = world.post("a-admin", join, json={"federation_id": fid, "public_key": first}).json()
    assert view["member"] and not view["rejoined"] and not view["key_replaced"]
    joined_at = service.cross_tenant_federation(fid, data_dir=data_dir)["members"]["acme"]["joined_at"]
    # the same key again changes nothing; a new one replaces the old, which then no longer connects
    again = world.post("a-admin", join, json={"federation_id": fid, "public_key": first}).json()
    assert again["rejoined"] and not again["key_replaced"]
    second = generate_key()[1].decode()
    rekeyed = world.post("a-admin", join, json={"federation_id": fid, "public_key": second}).json()
    assert rekeyed["rejoined"] and rekeyed["key_replaced"] and rekeyed["participants"] == 1
    assert service.member_keys(fid, data_dir=data_dir)["acme"].decode() == second
    assert (
        service.cross_tenant_federation(fid, data_dir=data_dir)["members"]["acme"]["joined_at"] == joined_at
    )
    actions = [
        (a["action"], a["target"], a["detail"])
        for a in world.get("a-admin", "/api/v1/companies/acme/audit").json()
    ]
    federation = [a for a in actions if a[0].startswith("federation.")]
    assert sorted(federation) == [("federation.join", fid, ""), ("federation.rekey", fid, "key replaced")]
