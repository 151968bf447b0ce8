"""Profiles and matching over the real API: own profile, matches with reasons, outcomes; no company reads
another's profile details."""

from __future__ import annotations

import pytest

from sandan.connect.demo import DEMO_SUPPLIERS
from sandan.connect.profile_store import ProfileStore
from sandan.store import open_store
from tests.api.world import make_world


@pytest.fixture
def world(tmp_path):
    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    w = make_world(store, tmp_path)
    ps = ProfileStore.in_data_dir(tmp_path / "data")
    for s in DEMO_SUPPLIERS:
        ps.put(s.company_id, s)
    with w.client:
        yield w
    store.close()


PROFILE = {
    "name": "Acme Forging",
    "role": "demand",
    "region": "창원",
    "processes": ["forging"],
    "capacity": "night shift free",
    "needs": [{"id": "n1", "text": "단조 다이 수명이 짧아 교체가 잦다"}],
    "listed": True,
    "share_measured": False,
}


def test_a_company_saves_its_profile_and_gets_suppliers_with_reasons(world):
    r = world.put("a-admin", "/api/v1/companies/acme/connect/profile", json=PROFILE)
    assert r.status_code == 200, r.text
    assert (
        world.get("a-eng", "/api/v1/companies/acme/connect/profile").json()["capacity"] == "night shift free"
    )
    matches = world.get("a-eng", "/api/v1/companies/acme/connect/matches").json()
    top = matches[0]["suppliers"][0]
    assert top["company_id"] == "diecare" and top["reasons"]
    # Bravo has no profile: an ad-hoc need is matched on its words alone.
    adhoc = world.post(
        "b-eng", "/api/v1/companies/bravo/connect/matches", json={"text": "cut press scrap"}
    ).json()
    assert adhoc[0]["company_id"] == "pressai"


def test_outcomes_are_recorded_for_the_companys_own_needs(world):
    world.put("a-admin", "/api/v1/companies/acme/connect/profile", json=PROFILE)
    r = world.post(
        "a-eng",
        "/api/v1/companies/acme/connect/outcomes",
        json={"supplier_id": "diecare", "need_id": "n1", "outcome": "success"},
    )
    assert r.status_code == 201, r.text
    bad = world.post(
        "a-eng",
        "/api/v1/companies/acme/connect/outcomes",
        json={"supplier_id": "diecare", "need_id": "nope", "outcome": "success"},
    )
    assert bad.status_code == 404


def test_an_outcome_names_only_a_supplier_matched_to_that_need_and_replaces_the_earlier(world):
    world.put("a-admin", "/api/v1/companies/acme/connect/profile", json=PROFILE)
    url = "/api/v1/companies/acme/connect/outcomes"
    for supplier in ("no-such-supplier", "visionq"):  # made up; listed, but not matched to a forging die need
        r = world.post("a-eng", url, json={"supplier_id": supplier, "need_id": "n1", "outcome": "success"})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "supplier_not_matched"
        assert "not matched to your need 'n1'" in error["message"]["en"]
        assert "추천된 곳이 아닙니다" in error["message"]["ko"]
    for outcome in ("success", "success", "success", "failure"):
        r = world.post("a-eng", url, json={"supplier_id": "diecare", "need_id": "n1", "outcome": outcome})
        assert r.status_code == 201, r.text
    assert [(o["supplier_id"], o["outcome"]) for o in world.get("a-eng", url).json()] == [
        ("diecare", "failure")
    ]
    # the web form is refused the same way, in the reader's language
    token = world.auth("a-eng")["Authorization"].removeprefix("Bearer ")
    world.client.cookies.set("sandan_session", token)
    page = world.client.post(
        "/companies/acme/connect/outcome",
        data={"supplier_id": "no-such-supplier", "need_id": "n1", "result": "success"},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 422 and "추천된 곳이 아닙니다" in page.text


def test_another_company_cannot_read_or_write_the_profile(world):
    world.put("a-admin", "/api/v1/companies/acme/connect/profile", json=PROFILE)
    assert world.get("b-eng", "/api/v1/companies/acme/connect/profile").status_code in (403, 404)
    assert world.put("b-eng", "/api/v1/companies/acme/connect/profile", json=PROFILE).status_code in (
        403,
        404,
    )
    assert world.get("b-eng", "/api/v1/companies/bravo/connect/profile").status_code == 404  # none of its own


def test_a_viewer_cannot_change_the_profile_and_bad_fields_are_explained(world):
    assert world.put("a-view", "/api/v1/companies/acme/connect/profile", json=PROFILE).status_code == 403
    r = world.put("a-admin", "/api/v1/companies/acme/connect/profile", json={**PROFILE, "role": "buyer"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_profile"


def test_a_refused_value_names_its_line_and_the_form_comes_back_as_typed(world):
    long_need = {**PROFILE, "needs": [{"text": "짧은 요구"}, {"text": "x" * 1001}]}
    r = world.put("a-admin", "/api/v1/companies/acme/connect/profile", json=long_need)
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert "needs, line 2: must have at most 1000 characters" in message["en"]
    assert "요구 사항 2번째 줄: 1000자 이하여야 합니다" in message["ko"]

    token = world.auth("a-admin")["Authorization"].removeprefix("Bearer ")
    world.client.cookies.set("sandan_session", token)
    form = {
        "name": "",
        "role": "demand",
        "region": "창원",
        "processes": ["forging"],
        "needs": "단조 다이 수명이 짧다\n",
        "offerings": "금형 수리: 야간 가능\n",
        "listed": "true",
    }
    page = world.client.post(
        "/companies/acme/connect/edit", data=form, headers={"Origin": "http://testserver"}
    )
    # the form again with what was typed and the reason, in Korean, not an error page
    assert page.status_code == 422 and 'id="profile-error"' in page.text
    assert "이름: 비어 있으면 안 됩니다" in page.text
    assert "단조 다이 수명이 짧다" in page.text and "금형 수리: 야간 가능" in page.text
    assert 'value="창원"' in page.text and 'value="forging" checked' in page.text
    assert world.get("a-admin", "/api/v1/companies/acme/connect/profile").status_code == 404  # nothing saved
    # a refused line is named by its line in the box, blank lines counted
    spaced = {**form, "name": "에이스", "needs": "짧은 요구\n\n\n" + "x" * 1001 + "\n"}
    page = world.client.post(
        "/companies/acme/connect/edit", data=spaced, headers={"Origin": "http://testserver"}
    )
    assert page.status_code == 422 and "요구 사항 4번째 줄: 1000자 이하여야 합니다" in page.text
