"""The profile form's refusals read as plain words in both languages (never pydantic's "String should match pattern
'^(demand|supplier|both)$'"), and a profile without a process is kept — matching still finds suppliers by what the
need asks for — while a manufacturer is told what ticking its processes would add."""

from __future__ import annotations

import html
import re

import pytest
from pydantic import BaseModel, Field, ValidationError

from sandan.connect import service
from sandan.connect.demo import DEMO_SUPPLIERS
from sandan.connect.matching import rank_suppliers
from sandan.connect.profile import Need, Profile
from sandan.connect.profile_store import ProfileStore
from sandan.domain import InvalidInput
from sandan.domain.errors import english_reason
from sandan.store import open_store
from tests.api.world import make_world

FORM = {
    "name": "에이스단조",
    "role": "demand",
    "region": "창원",
    "processes": ["forging"],
    "needs": "단조 다이 수명이 짧다\n",
    "offerings": "",
}


@pytest.fixture
def world(tmp_path):
    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    w = make_world(store, tmp_path)
    ps = ProfileStore.in_data_dir(tmp_path / "data")
    for s in DEMO_SUPPLIERS:
        ps.put(s.company_id, s)
    token = w.auth("a-admin")["Authorization"].removeprefix("Bearer ")
    w.client.cookies.set("sandan_session", token)
    with w.client:
        yield w
    store.close()


def _post(world, lang: str, **changed):
    world.client.cookies.set("lang", lang)
    return world.client.post(
        "/companies/acme/connect/edit",
        data={**FORM, **changed},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )


def _error(page) -> str:
    assert page.status_code == 422, page.status_code
    found = re.search(r'id="profile-error">(.*?)</p>', page.text, re.S)
    assert found, "the form came back without its reason"
    return html.unescape(found.group(1))


def test_a_name_of_spaces_is_refused_as_empty_in_both_languages(world):
    assert _error(_post(world, "en", name="   ")) == "the profile is not valid: name: must not be empty"
    assert _error(_post(world, "ko", name="   ")) == "프로필이 올바르지 않습니다: 이름: 비어 있으면 안 됩니다"
    assert world.get("a-admin", "/api/v1/companies/acme/connect/profile").status_code == 404  # nothing saved


def test_a_tampered_role_or_process_names_the_choices_in_both_languages(world):
    assert _error(_post(world, "en", role="boss")) == (
        "the profile is not valid: role: must be one of demand, supplier, both"
    )
    assert _error(_post(world, "ko", role="boss")) == (
        "프로필이 올바르지 않습니다: 역할: demand, supplier, both 중 하나여야 합니다"
    )
    english = _error(_post(world, "en", processes=["forging", "welding"]))
    assert english.startswith("the profile is not valid: processes: must be one of 'cnc', 'forging'")
    assert "Input should" not in english
    korean = _error(_post(world, "ko", processes=["forging", "welding"]))
    assert korean.startswith("프로필이 올바르지 않습니다: 공정: 'cnc', 'forging'") and korean.endswith(
        "'other' 중 하나여야 합니다"
    )


def test_a_manufacturer_without_a_process_is_saved_and_told_what_it_misses(world):
    r = _post(world, "en", processes=[])
    assert r.status_code == 303 and r.headers["location"].endswith("/connect?done=saved_no_process")
    saved = world.get("a-admin", "/api/v1/companies/acme/connect/profile").json()
    assert saved["processes"] == [] and saved["needs"][0]["text"] == "단조 다이 수명이 짧다"
    english = world.client.get(r.headers["location"]).text
    assert "It names no process, so matches cannot put first the suppliers who work with your processes" in (
        html.unescape(english)
    )
    world.client.cookies.set("lang", "ko")
    korean = html.unescape(world.client.get(r.headers["location"]).text)
    assert "공정을 하나도 고르지 않아 귀사 공정을 다루는 공급 기업을 앞에 둘 수 없습니다" in korean
    # with a process, or as a supplier (its offerings may suit any process), the plain "saved"
    assert _post(world, "ko").headers["location"].endswith("?done=saved")
    supplier = _post(world, "ko", role="supplier", processes=[], offerings="금형 수리: 야간 가능\n")
    assert supplier.headers["location"].endswith("?done=saved")


def test_a_need_of_a_profile_without_processes_still_finds_suppliers():
    """Why a profile without a process is not refused: the need's words and field still rank suppliers; only the
    process fit is missing."""
    me = Profile(company_id="acme", name="Acme", processes=[])
    need = Need(id="n1", text="사출품 외관 불량을 카메라 비전 검사로 자동화하고 싶다")
    ranked = rank_suppliers(need, me, DEMO_SUPPLIERS)
    assert ranked and ranked[0].score > 0
    assert not any("process" in r["en"] for m in ranked for r in m.reasons)


def test_the_service_names_a_refused_line_in_plain_words(tmp_path):
    ps = ProfileStore.in_data_dir(tmp_path)
    fields = {"name": "Acme", "needs": [{"text": "짧은 요구"}, {"text": "x" * 1001}]}
    with pytest.raises(InvalidInput) as err:
        service.save_profile(ps, "acme", fields, {"needs": [1, 3]})
    assert "needs, line 3: must have at most 1000 characters" in err.value.en
    assert "요구 사항 3번째 줄: 1000자 이하여야 합니다" in err.value.ko


class _Sample(BaseModel):
    code: str = Field(default="a", pattern=r"^[a-z]{2}\d$")
    lang: str = Field(default="ko", pattern="^(ko|en)$")
    count: int = Field(default=1, ge=1, le=10)
    ratio: float = Field(default=0.5, gt=0, lt=1.5)
    items: list[int] = Field(default_factory=lambda: [1], min_length=1)
    word: str = Field(default="x", min_length=3)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"lang": "fr"}, "must be one of ko, en"),
        ({"code": "A-1"}, "is not in the form expected"),  # not a list of choices: no choices named
        ({"count": 0}, "must be greater than or equal to 1"),
        ({"count": 11}, "must be less than or equal to 10"),
        ({"count": "many"}, "is not a whole number"),
        ({"ratio": 1.5}, "must be less than 1.5"),
        ({"items": []}, "must have at least 1 item"),
        ({"word": "ab"}, "must have at least 3 characters"),
        ({"nope": 1}, "not a known field (check its spelling)"),
    ],
)
def test_pydantic_refusals_read_as_plain_english(value, reason):
    class Strict(_Sample):
        model_config = {"extra": "forbid"}

    with pytest.raises(ValidationError) as err:
        Strict.model_validate(value)
    assert english_reason(err.value.errors()[0]) == reason
