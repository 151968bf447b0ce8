"""A question that names a machine or a company that is not the asking company's is told so, first, in the
question's language — never answered with the company's own figures as if they were the named one's."""

from __future__ import annotations

from sandan.assist.assistant import Assistant
from sandan.assist.intent import AssetNames, route
from sandan.domain import Company, Line, Machine, ProcessFamily, Site

D = "daesung-plastics"


def _notes(world, question: str) -> dict[str, dict]:
    answer = Assistant(world.store, D, world.settings).ask(question, "ko")
    return answer, {n["code"]: n for n in answer.notices}


def test_another_companys_name_or_id_is_said_to_be_out_of_sight(world):
    answer, notes = _notes(world, "세진프레스 불량률 알려줘")
    assert notes["other_company"]["ko"].startswith("다른 회사의 데이터는 볼 수 없습니다")
    answer, notes = _notes(world, "What is the OEE of dongyang-tech today?")
    assert answer.lang == "en" and "another company" in notes["other_company"]["en"]
    # the company's own name is no other company's
    _, notes = _notes(world, "대성플라스틱 불량률 알려줘")
    assert "other_company" not in notes


def test_a_machine_that_is_not_the_companys_is_named_and_the_scope_said(world):
    answer, notes = _notes(world, "Show me the defect Pareto for press-01")
    assert answer.intent["tool"] == "defect_pareto" and "machine_id" not in answer.intent["arguments"]
    assert notes["unknown_machine"]["en"] == "press-01 is not one of your machines; showing all machines."
    _, notes = _notes(world, "프레스 1호기 불량률 알려줘")
    assert "이 회사의 설비가 아닙니다" in notes["unknown_machine"]["ko"]
    assert "전체 설비 기준" in notes["unknown_machine"]["ko"]
    # its own machines, by id or by name, are no strangers
    for question in ("imm-02 불량률 알려줘", "사출기 2호기 불량률", "설비 2호기 OEE", "IMM-02 OEE today"):
        _, notes = _notes(world, question)
        assert "unknown_machine" not in notes, question


def _one_machine(store, line_id: str, machine_id: str, name: str, family: ProcessFamily) -> AssetNames:
    """Company c1 with one line and one machine on it, as the assistant reads its names."""
    store.upsert_company(Company(id="c1", name="회사"))
    store.upsert_site("c1", Site(id="s1", company_id="c1", name="1공장"))
    store.upsert_line("c1", Line(id=line_id, company_id="c1", site_id="s1", name="라인"))
    store.upsert_machine(
        "c1", Machine(id=machine_id, company_id="c1", line_id=line_id, name=name, family=family)
    )
    return AssetNames(store, "c1")


def test_codes_and_lines_are_not_taken_for_machines(duck_store):
    names = _one_machine(duck_store, "ln-1", "m7", "CNC가공기 7호기", ProcessFamily.cnc)
    assert not [n for n in route("ln-1 OEE 알려줘", names).notes if n["code"] == "unknown_machine"]
    asked = route("cnc-09 OEE 알려줘", names)
    assert [n["text"] for n in asked.notes if n["code"] == "unknown_machine"] == ["cnc-09"]


def test_materials_and_standards_written_like_ids_are_not_taken_for_machines(duck_store):
    names = _one_machine(duck_store, "l1", "hx-1", "사출기 1호기", ProcessFamily.injection)
    for question in (
        "PA-66 바꾸면 불량률?",
        "SUS-304 defect rate",
        "ISO-9001 audit OEE",
        "COVID-19 이후 OEE",
    ):
        assert not [n for n in route(question, names).notes if n["code"] == "unknown_machine"], question
    # an id of the company's own kind of id, or a machine's kind, is still read as a machine's
    for question, said in (
        ("hx-7 불량률", "hx-7"),
        ("lathe-2 OEE", "lathe-2"),
        ("grinder-2 OEE", "grinder-2"),
        ("HMC-3 가동률", "HMC-3"),  # as the question writes it
        ("laser-1 불량률", "laser-1"),
        ("furnace-2 downtime", "furnace-2"),
    ):
        notes = [n["text"] for n in route(question, names).notes if n["code"] == "unknown_machine"]
        assert notes == [said], question
