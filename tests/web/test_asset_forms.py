"""Registering a plant on the web: the operator adds a company; its engineer adds a site, a line and a machine and
later corrects the machine's ideal cycle time; a wrong id is refused with the reason and keeps what was typed; a
viewer gets no forms."""

from __future__ import annotations

from playwright.sync_api import expect

from sandan.collect import assets
from sandan.domain import ProcessFamily


def test_the_operator_registers_a_company_and_its_engineer_builds_the_plant(page, login, server):
    store = server.store
    login("admin")
    page.goto("/")
    form = page.locator("#add-company")
    form.locator("summary").click()
    form.locator("input[name=id]").fill("delta-mould")
    form.locator("input[name=name]").fill("델타몰드")
    form.locator("select[name=family]").select_option("injection")
    form.locator("input[name=region]").fill("시화")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{server.url}/companies/delta-mould")
    company = store.get_company("delta-mould")
    assert (company.name, company.family, company.region) == ("델타몰드", ProcessFamily.injection, "시화")

    # the same id again is refused and the form keeps what was typed
    page.goto("/")
    form.locator("summary").click()
    form.locator("input[name=id]").fill("delta-mould")
    form.locator("input[name=name]").fill("두 번째")
    form.locator("button[type=submit]").click()
    expect(form.locator(".notice.error")).to_contain_text("'delta-mould'이(가) 이미 있습니다")
    expect(form.locator("input[name=name]")).to_have_value("두 번째")

    # a new company's page opens on the site form; site → line → machine, each page leading to the next
    page.goto("/companies/delta-mould")
    site_form = page.locator("#add-site")
    expect(site_form).to_have_attribute("open", "")
    site_form.locator("input[name=id]").fill("siheung-1")
    site_form.locator("input[name=name]").fill("시흥 1공장")
    site_form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{server.url}/companies/delta-mould/sites/siheung-1")
    line_form = page.locator("#add-line")
    line_form.locator("input[name=id]").fill("inj-a")
    line_form.locator("input[name=name]").fill("사출 A라인")
    line_form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{server.url}/companies/delta-mould/lines/inj-a")
    machine_form = page.locator("#add-machine")
    # the process defaults to the company's; a cycle time that is not a number is refused, fields kept
    expect(machine_form.locator("select[name=family]")).to_have_value("injection")
    machine_form.locator("input[name=id]").fill("imm-01")
    machine_form.locator("input[name=name]").fill("사출기 1호기")
    machine_form.locator("input[name=ideal_cycle_time_s]").fill("26,5초")
    machine_form.locator("button[type=submit]").click()
    expect(machine_form.locator(".notice.error")).to_have_text(
        "이론 사이클 타임(초): '26,5초'은(는) 숫자가 아닙니다"
    )
    expect(machine_form.locator("input[name=name]")).to_have_value("사출기 1호기")
    assert store.get_machine("delta-mould", "imm-01") is None
    machine_form.locator("input[name=ideal_cycle_time_s]").fill("26.5")
    machine_form.locator("input[name=model]").fill("LS 150t")
    machine_form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{server.url}/companies/delta-mould/machines/imm-01")
    machine = store.get_machine("delta-mould", "imm-01")
    assert (machine.line_id, machine.family, machine.model, machine.ideal_cycle_time_s) == (
        "inj-a",
        ProcessFamily.injection,
        "LS 150t",
        26.5,
    )

    # the machine page corrects the ideal cycle time; the id stays
    edit = page.locator("#edit-machine")
    edit.locator("summary").click()
    expect(edit.locator("input[name=id]")).to_have_attribute("readonly", "")
    edit.locator("input[name=ideal_cycle_time_s]").fill("24")
    edit.locator("button[type=submit]").click()
    expect(page.locator("#machine-saved")).to_be_visible()
    assert store.get_machine("delta-mould", "imm-01").ideal_cycle_time_s == 24
    assert any(a["action"] == "machine.put" for a in store.list_audit("delta-mould"))
    # with a second line the same form moves the machine to it (what a refused delete suggests)
    assets.put_line(store, None, "delta-mould", "inj-b", "siheung-1", "사출 B라인")
    page.goto("/companies/delta-mould/machines/imm-01")
    edit.locator("summary").click()
    expect(edit.locator("select[name=line_id]")).to_have_value("inj-a")
    edit.locator("select[name=line_id]").select_option(label="사출 B라인")
    edit.locator("button[type=submit]").click()
    expect(page.locator("nav.crumbs")).to_contain_text("사출 B라인")
    expect(page.locator("#machine-saved")).to_be_visible()
    moved = store.get_machine("delta-mould", "imm-01")
    assert (moved.line_id, moved.ideal_cycle_time_s) == ("inj-b", 24)

    # its signals: a range upside down is refused in Korean, then the signal is defined and listed
    signal = page.locator("#add-signal")
    signal.locator("summary").click()
    signal.locator("input[name=name]").fill("melt_temp_c")
    signal.locator("input[name=unit]").fill("°C")
    signal.locator("input[name=min_value]").fill("350")
    signal.locator("input[name=max_value]").fill("150")
    signal.locator("input[name=description]").fill("수지 온도")
    signal.locator("button[type=submit]").click()
    expect(signal.locator(".notice.error")).to_contain_text("최솟값 350.0이(가) 최댓값 150.0보다 큽니다")
    expect(signal.locator("input[name=description]")).to_have_value("수지 온도")
    signal.locator("input[name=min_value]").fill("150")
    signal.locator("input[name=max_value]").fill("350")
    signal.locator("button[type=submit]").click()
    expect(page.locator("#signals")).to_contain_text("수지 온도 melt_temp_c")
    (defined,) = store.list_signals("delta-mould", "imm-01")
    assert (defined.unit, defined.min_value, defined.max_value) == ("°C", 150, 350)
    signal.locator("summary").click()
    signal.locator("input[name=name]").fill("melt_temp_c")
    signal.locator("button[type=submit]").click()
    expect(signal.locator(".notice.error")).to_contain_text("신호 'melt_temp_c'이(가) 이미 있습니다")

    # a signal's unit, range and description are corrected on the page; its name (the readings' key) stays
    page.goto("/companies/delta-mould/machines/imm-01")
    page.locator("#signals a.edit-signal").click()
    expect(signal).to_have_attribute("open", "")
    expect(signal.locator("summary")).to_contain_text("신호 melt_temp_c 고치기")
    expect(signal.locator("input[name=name]")).to_have_attribute("readonly", "")
    expect(signal.locator("input[name=min_value]")).to_have_value("150")
    signal.locator("input[name=min_value]").fill("0")
    signal.locator("input[name=max_value]").fill("330.5")
    signal.locator("input[name=description]").fill("용융 수지 온도")
    signal.locator("button[type=submit]").click()
    expect(page.locator("#signals")).to_contain_text("용융 수지 온도 melt_temp_c")
    (changed,) = store.list_signals("delta-mould", "imm-01")
    assert (changed.unit, changed.min_value, changed.max_value) == ("°C", 0, 330.5)
    page.goto("/companies/delta-mould/machines/imm-01?signal=melt_temp_c")
    expect(signal.locator("input[name=min_value]")).to_have_value("0")  # a limit of zero is a limit
    expect(signal.locator("input[name=max_value]")).to_have_value("330.5")
    # changing a signal the machine does not have is refused, not turned into a new one
    response = page.request.post(
        "/companies/delta-mould/machines/imm-01/signals",
        form={
            "edit": "1",
            "name": "no_such",
            "unit": "",
            "min_value": "",
            "max_value": "",
            "description": "",
        },
    )
    assert response.status == 404 and "고칠 신호" in response.text() and "no_such" in response.text()
    assert [s.name for s in store.list_signals("delta-mould", "imm-01")] == ["melt_temp_c"]


def test_a_bad_id_says_what_an_id_may_hold(page, login):
    login("kim")
    page.goto("/companies/acme/lines/L1")
    form = page.locator("#add-machine")
    form.locator("summary").click()
    form.locator("input[name=id]").evaluate("e => e.removeAttribute('pattern')")  # as a script or old browser
    form.locator("input[name=id]").fill("사출 1")
    form.locator("input[name=name]").fill("사출기")
    form.locator("button[type=submit]").click()
    expect(form.locator(".notice.error")).to_contain_text("설비 ID '사출 1'은(는) 영문자·숫자")
    # pydantic's own refusals read in Korean too, with the field's name and the bound
    form.locator("input[name=id]").fill("imm-09")
    form.locator("input[name=ideal_cycle_time_s]").fill("0")
    form.locator("button[type=submit]").click()
    expect(form.locator(".notice.error")).to_have_text("이론 사이클 타임: 0보다 커야 합니다")
    form.locator("input[name=ideal_cycle_time_s]").fill("inf")  # Python reads it as a number; no machine is
    form.locator("button[type=submit]").click()
    expect(form.locator(".notice.error")).to_have_text("이론 사이클 타임(초): 'inf'은(는) 숫자가 아닙니다")


def test_a_viewer_sees_no_forms_and_cannot_post(page, login, server):
    login("park")
    page.goto("/companies/acme/lines/L1")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#add-machine")).to_have_count(0)
    response = page.request.post(
        "/companies/acme/lines/L1/machines", form={"id": "x-1", "name": "x", "family": "cnc"}
    )
    assert response.status == 403
    assert server.store.get_machine("acme", "x-1") is None


def test_the_operator_changes_a_members_name_and_region_and_its_id_stays(page, login, server):
    from sandan.domain import Company

    store = server.store
    store.upsert_company(Company(id="typo-metal", name="화송금속", family="press", region="반월"))
    login("admin")
    page.goto("/companies/typo-metal")
    form = page.locator("#edit-company")
    form.locator("summary").click()
    expect(form.locator("input[name=id]")).to_have_attribute("readonly", "")
    expect(form.locator("select[name=family]")).to_have_value("press")
    form.locator("input[name=name]").fill("")
    form.locator("input[name=name]").evaluate("e => e.removeAttribute('required')")
    form.locator("button[type=submit]").click()
    expect(form.locator(".notice.error")).to_be_visible()  # a name is needed, said at the form
    form.locator("input[name=name]").fill("화성금속")
    form.locator("input[name=region]").fill("시화")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("화성금속")
    company = store.get_company("typo-metal")
    assert (company.name, company.region, company.family) == ("화성금속", "시화", "press")
    (entry,) = [e for e in store.list_audit("typo-metal") if e["action"] == "company.put"]
    assert "name: 화송금속 → 화성금속" in entry["detail"] and "region: 반월 → 시화" in entry["detail"]


def test_a_company_user_has_no_company_form(page, login):
    login("kim")
    page.goto("/companies/acme")
    expect(page.locator("#edit-company")).to_have_count(0)


def test_an_admin_deletes_a_machine_registered_by_mistake_but_not_one_with_records(page, login, server):
    """A machine typed wrong is deleted from its page (after a confirmation) and its line says so; a machine with
    records is kept, its page saying why; a line with machines and an engineer's view have no way to delete."""
    from sandan.collect import ingest_parts
    from sandan.domain import Company, Line, Machine, Site

    store = server.store
    store.upsert_company(Company(id="del-co", name="삭제시험", family="press"))
    store.upsert_site("del-co", Site(id="s1", company_id="del-co", name="1공장"))
    store.upsert_line("del-co", Line(id="l1", company_id="del-co", site_id="s1", name="프레스 라인"))
    for mid, name in (("prs-01", "프레스 1호"), ("prs-O1", "프레스 1호 (오타)")):
        store.upsert_machine("del-co", Machine(id=mid, company_id="del-co", line_id="l1", name=name))
    part = {"time": "2026-05-01T08:00:00Z", "machine_id": "prs-01", "part_id": "p1", "result": "ok"}
    assert ingest_parts(store, "del-co", [part]).accepted == 1

    login("admin")
    page.goto("/companies/del-co/machines/prs-O1")
    page.once("dialog", lambda d: d.accept())
    page.click("#delete-machine button")
    expect(page).to_have_url(f"{server.url}/companies/del-co/lines/l1?deleted=prs-O1")
    expect(page.locator("#asset-deleted")).to_contain_text("prs-O1을(를) 삭제했습니다")
    assert store.get_machine("del-co", "prs-O1") is None

    page.goto("/companies/del-co/machines/prs-01")
    page.once("dialog", lambda d: d.accept())
    page.click("#delete-machine button")
    expect(page.locator("#delete-refused")).to_contain_text("부품 기록 1건")
    expect(page.locator("#delete-refused")).to_contain_text("이름을 바꾸거나 다른 라인으로 옮기세요")
    assert store.get_machine("del-co", "prs-01") is not None
    # the address is the machine's own again: a reload shows its page, it does not send the delete again
    expect(page).to_have_url(f"{server.url}/companies/del-co/machines/prs-01")
    page.reload()
    expect(page.locator("#delete-refused")).to_have_count(0)
    expect(page.locator("h1")).to_contain_text("prs-01")

    page.goto("/companies/del-co/lines/l1")
    page.once("dialog", lambda d: d.accept())
    page.click("#delete-line button")
    expect(page.locator("#delete-refused")).to_contain_text("설비 1개(prs-01)")
    # a dismissed confirmation sends nothing
    page.goto("/companies/del-co/sites/s1")
    page.once("dialog", lambda d: d.dismiss())
    page.click("#delete-site button")
    expect(page.locator("#delete-refused")).to_have_count(0)
    assert [s.id for s in store.list_sites("del-co")] == ["s1"]


def test_an_engineer_has_no_delete_button(page, login):
    login("kim")
    page.goto("/companies/acme/lines/L1")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#delete-line")).to_have_count(0)
