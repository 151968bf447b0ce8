"""Settings advice over HTTP: a recommendation for a moulder at poor settings, at once or as a job whose result is
the same recommendation; a failure named in both languages; another company neither sees the job nor the machine;
recipes are saved, listed, and never applied without a write-enabled connector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandan.domain import Line, Machine, ProcessFamily, Site
from sandan.twin.process import MODELS
from sandan.twin.virtual import VirtualComplex, VirtualMachine, demo_source
from tests.api.test_twin_api import wait
from tests.api.world import assert_error

A, B = "/api/v1/companies/acme", "/api/v1/companies/bravo"
FAMILY = ProcessFamily("injection")


@pytest.fixture
def moulder(world):
    """acme's moulding machine at poor settings after the demo's trial, 20 hours of virtual production."""
    world.store.upsert_site("acme", Site(id="s2", company_id="acme", name="사출공장"))
    world.store.upsert_line("acme", Line(id="l2", company_id="acme", site_id="s2", name="사출 라인"))
    source = demo_source(MODELS[FAMILY](material_seed=2), "poor", 2)
    machine = Machine(id="imm-02", company_id="acme", line_id="l2", name="사출기 2호기", family=FAMILY)
    world.store.upsert_machine("acme", machine)
    world.store.upsert_signals("acme", source.signals("acme", "imm-02"))
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(minutes=40)
    VirtualComplex(world.store, [VirtualMachine("acme", machine, source)]).backfill(20, now)
    return world


def test_the_job_returns_the_recommendation_the_direct_route_gives(moulder):
    direct = moulder.post("a-view", f"{A}/machines/imm-02/optimize/recommendation", json={})
    assert direct.status_code == 200, direct.text
    rec = direct.json()
    assert rec["expected_defect_rate"] < rec["current_defect_rate"]
    names = {p["name"] for p in rec["parameters"]}
    assert names == {p.name for p in MODELS[FAMILY].PARAMETERS}

    started = moulder.post("a-view", f"{A}/machines/imm-02/optimize/recommendation/jobs", json={})
    assert started.status_code == 202, started.text
    assert started.json()["kind"] == "optimize.recommend" and started.json()["label"] == "imm-02"
    job = wait(moulder, "a-view", A, started.json(), timeout=120)
    assert job["state"] == "done", job["error"]
    assert job["progress"]["done"] == job["progress"]["total"]
    got = job["result"]
    assert got["expected_defect_rate"] == pytest.approx(rec["expected_defect_rate"])
    assert {p["name"]: p["recommended"] for p in got["parameters"]} == pytest.approx(
        {p["name"]: p["recommended"] for p in rec["parameters"]}
    )
    # the job is acme's: bravo's engineer neither reads it nor asks about acme's machine
    assert_error(moulder.get("b-eng", f"{B}/jobs/{job['id']}"), 404)
    assert_error(moulder.post("b-eng", f"{A}/machines/imm-02/optimize/recommendation/jobs", json={}), 404)


def test_a_machine_without_records_fails_the_job_with_a_reason_in_both_languages(moulder):
    started = moulder.post("a-eng", f"{A}/machines/m1/optimize/recommendation/jobs", json={"days": 7})
    job = wait(moulder, "a-eng", A, started.json(), timeout=120)
    assert job["state"] == "failed" and job["error"]["code"] == "too_few_rows"
    assert "m1" in job["error"]["message"]["en"] and "m1" in job["error"]["message"]["ko"]
    bad = moulder.post("a-eng", f"{A}/machines/m1/optimize/recommendation/jobs", json={"days": 0})
    assert_error(bad, 422)


@pytest.mark.parametrize(
    ("machine", "settings", "status", "code", "en", "ko"),
    [
        # beyond the machine's hard limit (150–350 °C): a controller would refuse it, or worse, take it
        (
            "imm-02",
            {"melt_temp_c": 900.0},
            422,
            "outside_limits",
            "outside the machine's limits, 150–350 °C",
            "설비 한계(150–350 °C) 밖입니다",
        ),
        (
            "imm-02",
            {"melt_temp_c": -5.0},
            422,
            "outside_limits",
            "melt temperature -5 °C",
            "용융 수지 온도 -5 °C",
        ),
        # a setting the machine neither has in its family nor records
        (
            "imm-02",
            {"bogus": 3.0},
            422,
            "bad_recipe",
            "has no setting 'bogus'",
            "설정 'bogus'이(가) 없습니다",
        ),
        # another company's machine, or none: not found, whoever owns the id
        ("b-only", {"melt_temp_c": 235.0}, 404, "unknown_machine", "not found", "찾을 수 없습니다"),
    ],
)
def test_a_recipe_outside_what_the_machine_takes_is_refused(moulder, machine, settings, status, code, en, ko):
    moulder.store.upsert_machine("bravo", Machine(id="b-only", company_id="bravo", line_id="l1", name="B"))
    answer = moulder.post(
        "a-eng", f"{A}/machines/{machine}/optimize/recipes", json={"name": "r", "settings": settings}
    )
    err = assert_error(answer, status, code)
    assert en in err["message"]["en"] and ko in err["message"]["ko"]
    assert moulder.get("a-view", f"{A}/optimize/recipes").json() == []


def test_a_recipe_is_saved_listed_and_not_applied_without_a_write_connector(moulder):
    settings = {"melt_temp_c": 235.0, "holding_pressure_bar": 600.0}
    assert_error(
        moulder.post(
            "a-view", f"{A}/machines/imm-02/optimize/recipes", json={"name": "x", "settings": settings}
        ),
        403,
    )
    saved = moulder.post(
        "a-eng", f"{A}/machines/imm-02/optimize/recipes", json={"name": "개선안", "settings": settings}
    )
    assert saved.status_code == 201, saved.text
    listed = moulder.get("a-view", f"{A}/optimize/recipes", params={"machine_id": "imm-02"}).json()
    assert [(r["name"], r["settings"]) for r in listed] == [("개선안", settings)]
    apply = moulder.post(
        "a-eng", f"{A}/optimize/recipes/apply", json={"recipe_id": saved.json()["id"], "confirmed": True}
    )
    assert_error(apply, 409)
    # a second recipe of the same name for the machine is refused, naming it; deleting frees the name
    again = moulder.post(
        "a-eng", f"{A}/machines/imm-02/optimize/recipes", json={"name": " 개선안 ", "settings": settings}
    )
    assert "개선안" in assert_error(again, 409, "recipe_exists")["message"]["ko"]
    recipe = f"{A}/optimize/recipes/{saved.json()['id']}"
    assert_error(moulder.client.delete(recipe, headers=moulder.auth("a-view")), 403)
    assert moulder.client.delete(recipe, headers=moulder.auth("a-eng")).status_code == 204
    assert moulder.get("a-view", f"{A}/optimize/recipes", params={"machine_id": "imm-02"}).json() == []
    assert_error(moulder.client.delete(recipe, headers=moulder.auth("a-eng")), 404, "no_recipe")


def test_root_cause_of_a_period_against_the_hours_before_it(moulder):
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(minutes=40)
    window = {"start": (end - timedelta(hours=8)).isoformat(), "end": end.isoformat(), "baseline_days": 0.5}
    r = moulder.get("a-view", f"{A}/optimize/root-cause", params={**window, "machine_id": "imm-02"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["n_bad"] > 0 and body["n_good"] > 0 and 0 <= body["rate_bad"] <= 1
    names = [f["name"] for f in body["factors"]]
    assert set(names) >= {p.name for p in MODELS[FAMILY].PARAMETERS} - {"cycle_time_s"}
    ps = [f["p_adjusted"] for f in body["factors"]]
    assert all(0 <= p <= 1 for p in ps)
    assert body["labels"]["holding_pressure_bar"]["ko"] == "보압"
    # acme's press m1 has no parts: asking about it alone is refused with the reason
    err = assert_error(
        moulder.get("a-view", f"{A}/optimize/root-cause", params={**window, "machine_id": "m1"}), 422
    )
    assert err["code"] == "too_few_rows"
    assert_error(
        moulder.get("a-view", f"{A}/optimize/root-cause", params={**window, "machine_id": "nope"}), 404
    )
    assert_error(
        moulder.get("a-view", f"{A}/optimize/root-cause", params={**window, "baseline_days": 0}), 422
    )
