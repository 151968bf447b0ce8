"""A company's code table names its stop reasons and defects on the monitoring pages, the API and the assistant:
set through the API by an engineer, never by a viewer, and only for the company's own figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandan.collect import ingest_events, ingest_parts
from sandan.domain import Machine

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 09:00 in Seoul, a working Monday
TABLE = {
    "reasons": {"SP-01": {"ko": "주축 과열", "en": "spindle overheating"}},
    "defects": {"BR": {"ko": "버 발생", "en": "burr"}},
}


def _monday(store) -> None:
    store.upsert_machine(
        "acme", Machine(id="m1", company_id="acme", line_id="l1", name="Lathe 1", ideal_cycle_time_s=60)
    )
    t = lambda minutes: (MONDAY + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    events = [
        {"machine_id": "m1", "start": t(0), "end": t(60), "state": "running"},
        {"machine_id": "m1", "start": t(60), "end": t(90), "state": "down", "reason_code": "SP-01"},
        {"machine_id": "m1", "start": t(90), "end": t(100), "state": "down", "reason_code": "X-99"},
        {"machine_id": "m1", "start": t(100), "end": t(120), "state": "running"},
    ]
    assert ingest_events(store, "acme", events).rejected == 0
    parts = [
        {"time": t(i + 1), "machine_id": "m1", "part_id": f"p{i}", "result": "ng" if i < 4 else "ok"}
        | ({"defect_type": "BR" if i < 3 else "ZZ"} if i < 4 else {})
        for i in range(50)
    ]
    assert ingest_parts(store, "acme", parts).rejected == 0


def _window() -> dict:
    return {"start": MONDAY.isoformat(), "end": (MONDAY + timedelta(hours=2)).isoformat()}


def test_the_pareto_names_the_codes_of_the_companys_table(world):
    _monday(world.store)
    assert world.put("a-view", "/api/v1/companies/acme/codes", json=TABLE).status_code == 403
    r = world.put("a-eng", "/api/v1/companies/acme/codes", json=TABLE)
    assert r.status_code == 200, r.text
    assert world.get("a-view", "/api/v1/companies/acme/codes").json() == TABLE

    pareto = world.get("a-view", "/api/v1/companies/acme/oee/downtime-pareto", params=_window()).json()[
        "rows"
    ]
    assert [(p["reason_code"], p["label_ko"], p["label_en"]) for p in pareto] == [
        ("SP-01", "주축 과열", "spindle overheating"),
        ("X-99", "X-99", "X-99"),  # not in the table: the code itself
    ]
    defects = world.get("a-view", "/api/v1/companies/acme/quality/pareto", params=_window()).json()["rows"]
    assert [(d["defect_type"], d["label_ko"], d["label_en"]) for d in defects] == [
        ("BR", "버 발생", "burr"),
        ("ZZ", "ZZ", "ZZ"),
    ]
    # another company does not see acme's names
    assert world.get("b-eng", "/api/v1/companies/bravo/codes").json() == {"reasons": {}, "defects": {}}
    assert any(a["action"] == "codes.put" for a in world.store.list_audit("acme"))


def test_a_code_without_both_names_is_refused(world):
    r = world.put("a-eng", "/api/v1/companies/acme/codes", json={"reasons": {"SP-01": {"ko": "주축 과열"}}})
    assert r.status_code == 422
    assert "en" in r.text
