"""Training a federation in simulation from the operator's page, in a real browser: the card shows the run's
progress, then every member's gain with its rows and defective parts, as the run recorded it; a member's engineer
sees only its own row. One run at a time; a member without records fails the run with its name on the card.
Two forging companies of their own (6 hours of virtual production each, one press at poor settings), so other
page tests' data stays untouched."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from sandan.accounts import create_user
from sandan.domain import Company, Conflict, Line, Machine, ProcessFamily, Role, Site
from sandan.learn.federated import Schema, service
from sandan.learn.federated.flower import generate_key
from sandan.twin.process import MODELS, column_labels
from sandan.twin.virtual import VirtualComplex, VirtualMachine, demo_source
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

FAMILY = ProcessFamily("forging")
COMPANIES = {"hotforge": ("핫포지", "poor", 11), "coldforge": ("콜드포지", "nominal", 12)}


def _company(store, cid: str, name: str) -> None:
    store.upsert_company(Company(id=cid, name=name, family=FAMILY))
    store.upsert_site(cid, Site(id="s1", company_id=cid, name="1공장"))
    store.upsert_line(cid, Line(id="l1", company_id=cid, site_id="s1", name="단조 라인"))


@pytest.fixture(scope="module")
def forges(server):
    store = server.store
    machines = []
    for cid, (name, setting, seed) in COMPANIES.items():
        _company(store, cid, name)
        source = demo_source(MODELS[FAMILY](material_seed=seed), setting, seed)
        machine = Machine(id="frg-01", company_id=cid, line_id="l1", name="단조프레스 1호기", family=FAMILY)
        store.upsert_machine(cid, machine)
        store.upsert_signals(cid, source.signals(cid, "frg-01"))
        machines.append(VirtualMachine(cid, machine, source))
    create_user(store, "hot-eng", PASSWORD, Role.engineer, "hotforge", name="핫엔지니어")
    _company(store, "emptyforge", "빈포지")  # a member with no part records
    complex_ = VirtualComplex(store, machines)
    complex_.backfill(6, datetime.now(UTC) - timedelta(minutes=5))
    assert complex_.totals.rejected == 0
    features = [p.name for p in MODELS[FAMILY].PARAMETERS]
    ids = {}
    # the good run has a member without records too: it sits the run out; the broken one has one member left
    for key, members in (("good", [*COMPANIES, "emptyforge"]), ("broken", ["hotforge", "emptyforge"])):
        fed = service.create_federation(  # FedAvg: the run's machinery, not the trees' secure sums (slow)
            f"단조 불량 {key}",
            FAMILY.value,
            Schema("result", "ng", features),
            strategy="fedavg",
            data_dir=server.settings.data_dir,
        )
        for cid in members:
            service.join_federation(
                store, cid, fed["id"], generate_key()[1].decode(), data_dir=server.settings.data_dir
            )
        ids[key] = fed["id"]
    return ids


def _wait_until_finished(fid: str, data_dir, timeout_s: float = 240) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = service.simulation_state(fid, data_dir=data_dir)
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.5)
    raise AssertionError(f"the simulation run of {fid} did not finish in {timeout_s} s: {state}")


def test_the_operator_trains_a_federation_and_sees_every_members_gain(page, login, server, forges):
    fid, data_dir = forges["good"], server.settings.data_dir
    login("admin")
    page.goto("/federations")
    card = page.locator(f"section[data-federation='{fid}']")
    expect(card.locator("[data-col=members]")).to_have_text("콜드포지, 빈포지, 핫포지")  # by id
    # what it learns from, in the forging family's words
    labels = column_labels([FAMILY])
    first = MODELS[FAMILY].PARAMETERS[0].name
    expect(card).to_contain_text(labels[first]["ko"])
    form = card.locator("form.federation-run")
    form.locator("input[name=days]").fill("1")
    form.locator("input[name=folds]").fill("2")
    form.locator("input[name=search_s]").fill("1")
    form.locator("button[type=submit]").click()
    expect(card.locator("[data-col=status]")).to_have_text("학습 중")
    expect(page.locator("#progress-text")).not_to_be_empty()
    with pytest.raises(Conflict, match="one run at a time"):  # another federation must wait
        service.start_simulation(server.store, forges["broken"], data_dir=data_dir)
    finished = _wait_until_finished(fid, data_dir)
    assert finished["state"] == "done"
    steps = finished["progress"]
    assert steps["done"] == steps["total"], steps  # it read 3 of 4 at 100 %

    # job.js reloads the page when the run ends: the card now holds the recorded run
    expect(card.locator("[data-col=status]")).to_have_text("학습 완료", timeout=15_000)
    run = service.cross_tenant_federation(fid, data_dir=data_dir)["runs"][-1]
    since = datetime.now(UTC) - timedelta(days=1, minutes=10)
    for cid, (name, *_) in COMPANIES.items():
        row = card.locator(f"table.gains tr[data-company='{cid}']")
        expect(row.locator("td").first).to_have_text(name)
        parts = server.store.training_frame(cid, since, datetime.now(UTC))
        gain = run["companies"][cid]
        assert gain["n_rows"] == len(parts) and gain["positives"] == int((parts["result"] == "ng").sum())
        expect(row.locator("[data-col=positives]")).to_have_text(f"{gain['positives']:,}")
        expect(row.locator("[data-col=federated]")).to_have_text(f"{gain['metrics']['federated']['f1']:.3f}")
        expect(row.locator("[data-col=pooled]")).to_have_text(f"{gain['metrics']['pooled']['f1']:.3f}")
    assert run["companies"]["hotforge"]["positives"] > 10  # the poor press makes defects to learn from
    assert len(run["rounds"]) == 2 and run["catalogue_entry"]
    # how the gains were measured: six hours of one material lot each, so single parts were held out, and it says so
    assert "whole" not in run["scheme"]["en"]
    expect(card.locator("[data-col=scheme]")).to_have_text(run["scheme"]["ko"])
    # the member without records sat it out, named with why on the operator's card
    assert set(run["sat_out"]) == {"emptyforge"} and "emptyforge" not in run["companies"]
    expect(card.locator("[data-col=sat-out]")).to_contain_text("이번 학습에서 빠졌습니다")
    expect(card.locator("[data-col=sat-out]")).to_contain_text("빈포지")

    # a member's engineer sees its own row only
    page.context.clear_cookies()
    login("hot-eng")
    page.goto("/companies/hotforge/federations")
    mine = page.locator(f"section[data-federation='{fid}']")
    expect(mine.locator("table.gains tbody tr")).to_have_count(1)
    expect(mine.locator("[data-col=scheme]")).to_have_text(run["scheme"]["ko"])
    expect(mine.locator("table.gains tr[data-company='hotforge'] td").first).to_have_text("핫포지")
    assert "콜드포지" not in mine.inner_text() and "빈포지" not in mine.inner_text()
    # a member that adopted the model finds it in its registry, linked from its row; one that did not, nothing
    for cid in COMPANIES:
        held = [
            mv
            for mv in server.store.list_model_versions(cid, None)
            if mv.origin == f"catalogue:{run['catalogue_entry']}"
        ]
        assert len(held) == int(run["companies"][cid]["adopt"]), (cid, held)
    adopted = run["companies"]["hotforge"]["adopt"]
    expect(mine.locator("[data-col=adopted-model]")).to_have_count(int(adopted))


def test_a_member_that_adopts_the_model_promotes_it_and_its_parts_are_scored_with_it(
    page, login, server, forges
):
    """The run's figures decide adoption (the gains here are given, so the member adopts); the model itself is
    the federation's, trained on the two presses' records. From its row the member opens the model it adopted,
    promotes it on the models page, and its parts then get the federation's predictions."""
    from sandan.learn import serving
    from sandan.learn.federated import CompanyClient, CompanyGain, Comparison, FedAvg, InProcessTransport

    data_dir, store = server.settings.data_dir, server.store
    features = [p.name for p in MODELS[FAMILY].PARAMETERS]
    schema = Schema("result", "ng", features)
    fed = service.create_federation(
        "단조 불량 채택", FAMILY.value, schema, strategy="fedavg", data_dir=data_dir
    )
    since, now = datetime.now(UTC) - timedelta(hours=7), datetime.now(UTC)
    frames = {cid: store.training_frame(cid, since, now) for cid in COMPANIES}
    for cid in COMPANIES:
        service.join_federation(store, cid, fed["id"], generate_key()[1].decode(), data_dir=data_dir)
    transport = InProcessTransport([CompanyClient(c, f, schema) for c, f in frames.items()])
    model = FedAvg(rounds=3).run(transport, schema)
    transport.close()
    gains = []
    for cid, (f1, local) in {"hotforge": (0.62, 0.55), "coldforge": (0.30, 0.41)}.items():
        g = CompanyGain(cid, len(frames[cid]), 9, {"federated": {"f1": f1}, "local": {"f1": local}}, {})
        g.adopt = f1 > local
        gains.append(g)
    comparison = Comparison("FedAvg", "held-out", "보류", gains, {"federated": {"f1": 0.5}}, {}, rounds=[3])
    negatives = {c: "ok" for c in COMPANIES}
    service.record_run(data_dir, fed["id"], comparison, store=store, model=model, negatives=negatives)

    login("hot-eng")
    page.goto("/companies/hotforge/federations")
    mine = page.locator(f"section[data-federation='{fed['id']}'] [data-col=adopted-model]")
    expect(mine).to_contain_text("후보 모델입니다")
    mine.locator("a").first.click()
    expect(page.locator("#report")).to_contain_text("F1 0.620, 자사 데이터만으로 학습한 모델은 0.550(+0.070)")
    expect(page.locator("main")).to_contain_text("연합")  # not explained row by row, and it says why
    page.goto("/companies/hotforge/models")
    (mv,) = [v for v in store.list_model_versions("hotforge", None) if v.name.startswith("단조-불량-채택")]
    row = page.locator(f"tr[data-name='{mv.name}'][data-version='{mv.version}']")
    row.locator("button[data-action=stage][data-stage=production]").click()
    expect(row).to_contain_text("운영")
    assert [v.stage for v in store.list_model_versions("hotforge", mv.name)] == ["production"]
    page.goto("/companies/hotforge/federations")
    expect(mine).to_contain_text("운영 중")
    assert not [v for v in store.list_model_versions("coldforge", None) if v.name == mv.name]

    parts = frames["hotforge"].tail(30)
    scored = serving.score_batch(
        store, "hotforge", parts, models=[store.list_model_versions("hotforge", mv.name)[0]]
    )
    assert scored.scored == 30
    got = store.query_predictions(
        "hotforge", since, now + timedelta(minutes=1), model_name=mv.name
    ).to_pandas()
    assert len(got) >= 30 and set(got["label"]) <= {"ng", "ok"}


def test_a_run_over_a_member_without_records_fails_naming_it_on_the_card(page, login, server, forges):
    fid, data_dir = forges["broken"], server.settings.data_dir
    _wait_until_finished(forges["good"], data_dir)  # one run at a time
    login("admin")
    page.goto("/federations")
    card = page.locator(f"section[data-federation='{fid}']")
    form = card.locator("form.federation-run")
    form.locator("input[name=folds]").fill("1")
    form.locator("button[type=submit]").click()
    expect(page.locator("#federation-run-error")).to_contain_text("평가 겹 수는 2에서 10 사이")
    card = page.locator(f"section[data-federation='{fid}']")
    card.locator("form.federation-run input[name=folds]").fill("2")
    card.locator("form.federation-run input[name=search_s]").fill("1")
    card.locator("form.federation-run button[type=submit]").click()
    state = _wait_until_finished(fid, data_dir)
    assert state["state"] == "failed" and state["error"]["code"] == "too_few_with_data"
    assert "emptyforge: only 0 part records" in state["error"]["message"]["en"]
    page.goto("/federations")
    notice = page.locator(f"section[data-federation='{fid}'] [data-col=last-failure]")
    expect(notice).to_contain_text("회원사가 둘 이상 필요")
    expect(notice).to_contain_text("emptyforge")
    expect(notice).to_contain_text("최근 학습 실패")
