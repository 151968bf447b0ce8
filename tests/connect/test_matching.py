"""Partner matching: the labelled set, reasons, outcomes that move the ranking, consent and privacy of profiles."""

from __future__ import annotations

import pytest
from benchmarks.matching import LABELLED, evaluate

from sandan.connect.demo import DEMO_SUPPLIERS, demo_company_profiles
from sandan.connect.matching import need_categories, rank_companies, rank_suppliers
from sandan.connect.profile import Need, Profile
from sandan.connect.profile_store import ProfileStore
from sandan.domain import Conflict, InvalidInput, ProcessFamily


def test_the_right_supplier_is_in_the_top_three_for_at_least_80_percent_of_the_labelled_needs():
    result = evaluate()
    assert len(LABELLED) >= 30
    assert result["top3_rate"] >= 0.8, result["misses"]


def test_a_match_says_why():
    demand = Profile(company_id="x", name="x", region="반월", processes=[ProcessFamily.press])
    best = rank_suppliers(Need(text="cut press scrap"), demand, DEMO_SUPPLIERS)[0]
    assert best.company_id == "pressai"
    assert any("Quality AI" in r["en"] for r in best.reasons) and all(r["ko"] for r in best.reasons)
    # the process in words in both languages, not its code
    process = [r for r in best.reasons if "your process" in r["en"]]
    assert process and process[0]["en"].endswith("(Press)") and process[0]["ko"] == "귀사 공정(프레스)에 맞춤"


def test_recorded_outcomes_change_the_ranking(tmp_path):
    ps = ProfileStore(tmp_path / "p.sqlite")
    demand = Profile(company_id="d", name="d", processes=[ProcessFamily.injection])
    need = Need(id="n1", text="사출 외관 불량을 줄이고 싶다", families=[ProcessFamily.injection])
    before = rank_suppliers(need, demand, DEMO_SUPPLIERS, ps.cross_tenant_outcome_stats())
    first, second = before[0].company_id, before[1].company_id
    category = need_categories(need)[0]
    for company in ("d", "e", "f"):  # three companies each: counts are shown from three on
        ps.record_outcome(company, first, "n1", category, "failure")
        ps.record_outcome(f"other-{company}", second, "n9", category, "success")
    after = rank_suppliers(need, demand, DEMO_SUPPLIERS, ps.cross_tenant_outcome_stats())
    assert [m.company_id for m in after][:2] == [second, first]
    assert any("3 succeeded, 0 failed" in r["en"] for r in after[0].reasons)


def test_a_company_counts_once_per_need_and_supplier_and_its_later_click_replaces_the_earlier(tmp_path):
    ps = ProfileStore(tmp_path / "p.sqlite")
    for _ in range(5):  # "Worked" clicked five times
        ps.record_outcome("d", "visionq", "n1", "quality_ai", "success")
    ps.record_outcome("e", "visionq", "n2", "quality_ai", "success")
    ps.record_outcome("f", "visionq", "n3", "quality_ai", "contacted")
    ps.record_outcome("f", "visionq", "n3", "quality_ai", "failure")  # replaces "contacted"
    assert [o["outcome"] for o in ps.outcomes("d")] == ["success"]
    assert [o["outcome"] for o in ps.outcomes("f")] == ["failure"]
    assert ps.cross_tenant_outcome_stats() == {
        ("visionq", "quality_ai"): {"success": 2, "failure": 1, "companies": 3}
    }
    # a later "failed" of d replaces its success
    ps.record_outcome("d", "visionq", "n1", "quality_ai", "failure")
    assert ps.cross_tenant_outcome_stats()[("visionq", "quality_ai")]["failure"] == 2


def test_a_file_from_before_keeps_the_newest_outcome_of_each_match(tmp_path):
    import sqlite3

    path = tmp_path / "p.sqlite"
    ProfileStore(path)
    con = sqlite3.connect(path)  # as the store kept every click before
    con.execute("DROP INDEX outcomes_one")
    for i, outcome in enumerate(["success"] * 4 + ["failure"]):
        con.execute(
            "INSERT INTO outcomes (company_id, supplier_id, need_id, category, outcome, note, created_at) "
            "VALUES ('d', 'visionq', 'n1', 'quality_ai', ?, '', ?)",
            (outcome, f"2026-01-0{i + 1}T00:00:00+00:00"),
        )
    con.commit()
    con.close()
    assert [o["outcome"] for o in ProfileStore(path).outcomes("d")] == ["failure"]


def test_one_or_two_companies_verdicts_are_neither_shown_nor_move_the_ranking(tmp_path):
    """daesung's private "failed" must not show on sejin's page as "0 succeeded, 1 failed", nor lower the
    supplier's score there; the match says counts come from three companies on."""
    ps = ProfileStore(tmp_path / "p.sqlite")
    demand = Profile(company_id="sejin", name="sejin", processes=[ProcessFamily.injection])
    need = Need(id="n1", text="사출 외관 불량을 줄이고 싶다", families=[ProcessFamily.injection])
    before = rank_suppliers(need, demand, DEMO_SUPPLIERS, ps.cross_tenant_outcome_stats())
    first = before[0]
    category = need_categories(need)[0]
    ps.record_outcome("daesung", first.company_id, "d1", category, "failure")
    ps.record_outcome("dongyang", first.company_id, "d2", category, "failure")
    after = rank_suppliers(need, demand, DEMO_SUPPLIERS, ps.cross_tenant_outcome_stats())
    same = next(m for m in after if m.company_id == first.company_id)
    assert same.score == first.score
    assert not any("failed" in r["en"] for r in same.reasons)
    said = [r for r in same.reasons if r["en"].startswith("past projects")]
    assert said == [
        {
            "en": "past projects in this field: shown once at least 3 companies have reported them",
            "ko": "이 분야 과거 프로젝트: 3개 이상 회사가 결과를 기록하면 표시됩니다",
        }
    ]
    # said the same of a supplier no one reported on: it tells nothing of whether anyone did
    other = next(m for m in after if m.company_id != first.company_id)
    assert said[0] in other.reasons


def test_profiles_are_kept_per_company_and_only_listed_ones_reach_the_directory(tmp_path):
    ps = ProfileStore(tmp_path / "p.sqlite")
    hidden = Profile(company_id="a", name="A", capacity="secret spare capacity", listed=False)
    ps.put("a", hidden)
    with pytest.raises(Conflict):
        ps.put("b", hidden)
    assert ps.get("b") is None and ps.get("a").capacity == "secret spare capacity"
    assert ps.cross_tenant_listed() == []
    with pytest.raises(InvalidInput):
        ps.record_outcome("a", "s", "n", "c", "great")


def test_the_public_card_leaves_out_capacity_machines_and_needs():
    profile = demo_company_profiles()[0]
    card = profile.public_card()
    assert "capacity" not in card and "machines" not in card and "needs" not in card


def test_measured_figures_are_shown_only_with_consent():
    companies = demo_company_profiles()
    consenting = companies[2].model_copy(update={"share_measured": True})
    refusing = companies[1].model_copy(update={"share_measured": False})
    supplier = next(s for s in DEMO_SUPPLIERS if s.company_id == "pressai")
    measured = {c.company_id: {"defect_rate": 0.2, "oee": 0.5} for c in companies}
    ranked = rank_companies(supplier.offerings[0], supplier, [consenting, refusing], None, measured)
    by_id = {m.company_id: m for m in ranked}
    assert by_id["sejin-press"].measured is not None
    assert "daesung-plastics" not in by_id or by_id["daesung-plastics"].measured is None
    assert ranked[0].company_id == "sejin-press"
