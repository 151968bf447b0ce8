"""The federation, models and catalogue pages as a member and the operator read them (the real app, a real
federated model over AI4I): where an adopted model came from, what the member's own-model figure is, the
operator's wording, deleting a federation, and the summary laid out beside its labels."""

from __future__ import annotations

import html as markup
import re

import pytest

from sandan.learn.federated import (
    CompanyClient,
    CompanyGain,
    Comparison,
    InProcessTransport,
    TreeBagging,
    service,
)
from sandan.learn.federated.flower import generate_key
from tests.api.conftest import *  # noqa: F403 - the API world fixture
from tests.learn.federated.conftest import SCHEMA as AI4I

ORIGIN = "http://testserver"


def _browse(world, user: str, lang: str = "ko") -> None:
    token = world.auth(user)["Authorization"].removeprefix("Bearer ")
    world.client.cookies.set("sandan_session", token)
    world.client.cookies.set("lang", lang)


def _cell(html: str, row: str, col: str) -> str:
    """The text of the cell `col` in the gains row of `row` (tags and spacing squeezed)."""
    m = re.search(rf'<tr data-company="{row}">(.*?)</tr>', html, re.S)
    assert m, f"no row {row}"
    cell = re.search(rf'data-col="{col}"[^>]*>(.*?)</td>', m.group(1), re.S)
    assert cell, f"no {col} in {row}"
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", cell.group(1))).split())


def _federated_note(html: str) -> str:
    """What the catalogue's federated entry says beside it."""
    m = re.search(r"<small class=\"muted\" data-federated>(.*?)</small>", html, re.S)
    assert m, "no federated entry"
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())


@pytest.fixture
def federation(world, companies):
    """acme and bravo (forging) in a federation with one recorded run: acme adopted the model on a +0.001 gain,
    bravo did not."""
    data_dir = world.client.app.state.settings.data_dir
    fed = service.create_federation("단조 불량 연합", "forging", AI4I, data_dir=data_dir)
    for c in ("acme", "bravo"):
        service.join_federation(world.store, c, fed["id"], generate_key()[1].decode(), data_dir=data_dir)
    transport = InProcessTransport(
        [CompanyClient("acme", companies["alpha"], AI4I), CompanyClient("bravo", companies["beta"], AI4I)]
    )
    try:
        model = TreeBagging(rounds=2, local_rounds=2).run(transport, AI4I)
    finally:
        transport.close()
    gains = []
    for c, (f, lo) in {"acme": (0.729, 0.728), "bravo": (0.50, 0.61)}.items():
        g = CompanyGain(c, 900, 9, {"federated": {"f1": f}, "local": {"f1": lo}}, {})
        g.adopt = f > lo
        gains.append(g)
    comparison = Comparison(
        "TreeBagging",
        "held-out",
        "보류",
        gains,
        {"federated": {"f1": 0.6}, "local": {"f1": 0.65}},
        {},
        rounds=[2],
    )
    run = service.record_run(data_dir, fed["id"], comparison, store=world.store, model=model)
    return {**fed, "entry": run["catalogue_entry"]}


def test_a_model_adopted_from_a_federation_says_so_on_the_models_page(world, federation):
    _browse(world, "a-eng", "ko")
    html = world.client.get("/companies/acme/models").text
    origins = re.findall(r'data-col="origin">([^<]*)', html)
    assert [o.strip() for o in origins] == ["연합"], origins
    _browse(world, "a-eng", "en")
    html = world.client.get("/companies/acme/models").text
    assert [o.strip() for o in re.findall(r'data-col="origin">([^<]*)', html)] == ["federation"]


def test_the_catalogue_tells_a_member_it_is_one_and_others_how_to_take_part(world, federation):
    _browse(world, "a-eng", "ko")
    note = _federated_note(world.client.get("/companies/acme/catalogue").text)
    assert "귀사는 이 연합의 회원사입니다" in note and "운영자에게 연합 회원 추가를 요청" not in note
    service.leave_federation("bravo", federation["id"], data_dir=world.client.app.state.settings.data_dir)
    _browse(world, "b-eng", "en")
    note = _federated_note(world.client.get("/companies/bravo/catalogue").text)
    assert "ask the operator to add your company" in note and "is a member of this federation" not in note


def test_a_member_reads_its_gain_with_its_figures_and_what_its_own_model_figure_is(world, federation):
    _browse(world, "a-eng", "en")
    html = markup.unescape(world.client.get("/companies/acme/federations").text)
    adopt = _cell(html, "acme", "adopt")
    assert "scored above your own model on your held-out rows: F1 0.729 against 0.728 (+0.001)" in adopt
    assert "federation's local baseline" in html and "not the model on your Models page" in html
    assert 'data-company="bravo"' not in html
    _browse(world, "a-eng", "ko")
    html = world.client.get("/companies/acme/federations").text
    assert "F1 0.729 대 0.728 (+0.001)" in _cell(html, "acme", "adopt")
    assert "모델 화면의 자사 모델과는 다릅니다" in html


def test_the_operator_reads_each_companys_adoption_in_words_for_the_operator(world, federation):
    _browse(world, "ops", "en")
    html = markup.unescape(world.client.get("/federations").text)
    assert _cell(html, "acme", "adopt").startswith(
        "adopted — scored above the company's own model on its held-out data: F1 0.729 against 0.728 (+0.001)"
    )
    assert _cell(html, "bravo", "adopt") == "not adopted — the company's own model is as good or better"
    assert "your own model" not in html and "your held-out" not in html
    _browse(world, "ops", "ko")
    html = world.client.get("/federations").text
    assert "귀사" not in _cell(html, "acme", "adopt") + _cell(html, "bravo", "adopt")


def test_the_summarys_single_numbers_sit_beside_their_labels(world, federation):
    _browse(world, "a-eng", "ko")
    html = world.client.get("/companies/acme/federations").text
    table = re.search(r'<table class="grid summary"[^>]*>', html).group(0)
    assert "width: auto" in table  # not stretched across the card
    for col in ("participants", "runs"):
        cell = re.search(rf'<td([^>]*)data-col="{col}"', html)
        assert cell and "num" not in cell.group(1)  # not pushed to the far edge


def test_the_operator_deletes_a_federation_made_by_mistake_after_a_question(world):
    data_dir = world.client.app.state.settings.data_dir
    fed = service.create_federation("실수로 만든 연합", "forging", AI4I, data_dir=data_dir)
    _browse(world, "ops", "ko")
    html = world.client.get("/federations").text
    form = re.search(rf'<form[^>]*action="/federations/{fed["id"]}/delete"[^>]*>', html)
    assert form and "data-confirm=" in form.group(0) and "되돌릴 수 없습니다" in form.group(0)
    # a company cannot
    _browse(world, "a-admin", "ko")
    r = world.client.post(
        f"/federations/{fed['id']}/delete", headers={"Origin": ORIGIN}, follow_redirects=False
    )
    assert r.status_code == 403
    _browse(world, "ops", "ko")
    r = world.client.post(f"/federations/{fed['id']}/delete", headers={"Origin": ORIGIN})
    assert r.status_code == 200 and "연합 실수로 만든 연합을(를) 삭제했습니다" in r.text
    assert f'data-federation="{fed["id"]}"' not in r.text
    assert not service.cross_tenant_federations(data_dir=data_dir)
    entry = world.store.list_audit(None, 5)[0]
    assert (entry["action"], entry["target"]) == ("federation.delete", fed["id"])


def test_a_federation_whose_model_scores_a_members_parts_is_not_deleted_until_it_is_retired(
    world, federation
):
    from sandan.learn import catalogue, registry

    data_dir = world.client.app.state.settings.data_dir
    (mv,) = registry.list_models(world.store, "acme")
    registry.promote(world.store, "acme", mv.name, mv.version)
    _browse(world, "ops", "en")
    r = world.client.post(f"/federations/{federation['id']}/delete", headers={"Origin": ORIGIN})
    assert r.status_code == 409 and "is in production at Acme Forging" in r.text
    assert service.cross_tenant_federation(federation["id"], data_dir=data_dir)
    registry.set_stage(world.store, "acme", mv.name, mv.version, "retired")
    r = world.client.post(f"/federations/{federation['id']}/delete", headers={"Origin": ORIGIN})
    assert r.status_code == 200 and "Federation 단조 불량 연합 deleted." in r.text
    # its model left the catalogue, saying why; acme's retired copy stays in its registry
    entry = catalogue.cross_tenant_entry(world.store, "acme", federation["entry"])
    assert entry.withdrawn_at is not None and "deleted" in entry.withdrawn_reason
    assert registry.list_models(world.store, "acme")


def test_with_two_members_nothing_over_the_api_gives_away_the_others_name_or_rows(world, federation):
    """acme's federation and catalogue as the API gives them name no bravo, and the catalogue entry gives no total
    of rows (acme's total less its own 900 would be bravo's)."""
    entries = world.get("a-eng", "/api/v1/companies/acme/catalogue").json()
    (entry,) = [e for e in entries if e["id"] == federation["entry"]]
    assert entry["publisher_score"]["n_rows"] is None
    assert entry["my_score"]["n_rows"] == 900  # its own
    views = world.get("a-eng", "/api/v1/companies/acme/federations").json()
    assert views and "bravo" not in str(views) and "bravo" not in str(entries)
    models = world.get("a-eng", "/api/v1/companies/acme/models").json()
    assert models and "bravo" not in str(models)
