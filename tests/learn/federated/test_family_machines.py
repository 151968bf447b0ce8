"""A federation of one process learns from its members' machines of that process only: a moulder's lathe stays out
of the injection federation, in the rows a member trains on and in the columns the operator may choose from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandan.collect import ingest_parts
from sandan.domain import Company, InvalidInput, Line, Machine, Site
from sandan.learn.federated.service import cross_tenant_recorded_columns, family_frame, family_machines

END = datetime.now(UTC).replace(microsecond=0)
START = END - timedelta(days=1)


def _company(store, company_id: str, family: str, machines: dict[str, str]) -> None:
    store.upsert_company(Company(id=company_id, name=company_id, family=family))
    store.upsert_site(company_id, Site(id="s1", company_id=company_id, name="1공장"))
    store.upsert_line(company_id, Line(id="l1", company_id=company_id, site_id="s1", name="라인"))
    for machine_id, machine_family in machines.items():
        machine = Machine(
            id=machine_id, company_id=company_id, line_id="l1", name=machine_id, family=machine_family
        )
        store.upsert_machine(company_id, machine)


def _parts(
    store, company_id: str, machine_id: str, params: dict[str, float], n: int = 40, ng_every: int = 5
) -> None:
    rows = [
        {
            "time": (END - timedelta(minutes=i + 1)).isoformat(),
            "machine_id": machine_id,
            "part_id": f"{machine_id}-{i}",
            "result": "ng" if i % ng_every == 0 else "ok",
            "params": params,
        }
        for i in range(n)
    ]
    assert ingest_parts(store, company_id, rows).rejected == 0


def test_a_moulders_lathe_stays_out_of_the_injection_federation(duck_store):
    _company(duck_store, "moulder", "injection", {"imm-1": "injection", "lathe-1": "cnc"})
    _parts(duck_store, "moulder", "imm-1", {"melt_temp_c": 230.0})
    _parts(duck_store, "moulder", "lathe-1", {"spindle_rpm": 2400.0})
    assert family_machines(duck_store, "moulder", "injection") == ["imm-1"]
    frame = family_frame(duck_store, "moulder", "injection", "result", START, END)
    assert set(frame["machine_id"]) == {"imm-1"} and len(frame) == 40
    recorded = cross_tenant_recorded_columns(duck_store, "injection")
    assert "melt_temp_c" in recorded and "spindle_rpm" not in recorded


def test_a_member_whose_machines_are_not_classified_takes_part_with_all_of_them(duck_store):
    _company(duck_store, "plain", "injection", {"m1": "other", "m2": "other"})
    _parts(duck_store, "plain", "m1", {"melt_temp_c": 231.0})
    _parts(duck_store, "plain", "m2", {"melt_temp_c": 229.0})
    assert family_machines(duck_store, "plain", "injection") is None
    assert len(family_frame(duck_store, "plain", "injection", "result", START, END)) == 80


def test_a_company_without_a_machine_of_the_process_is_told_what_to_register(duck_store):
    _company(duck_store, "turner", "injection", {"lathe-1": "cnc"})
    with pytest.raises(InvalidInput) as refused:
        family_machines(duck_store, "turner", "injection")
    assert refused.value.code == "no_family_machines" and "설비의 공정을 등록하세요" in refused.value.ko


def test_a_member_with_too_few_defects_on_the_process_sits_the_run_out(duck_store):
    from sandan.learn.federated.client import Schema
    from sandan.learn.federated.service import _member_frames

    for company in ("moulder-a", "moulder-b"):
        _company(duck_store, company, "injection", {"imm-1": "injection"})
        _parts(duck_store, company, "imm-1", {"melt_temp_c": 230.0})
    _company(duck_store, "moulder-c", "injection", {"imm-1": "injection", "lathe-1": "cnc"})
    # 40 parts on the moulding machine, one of them bad
    _parts(duck_store, "moulder-c", "imm-1", {"melt_temp_c": 230.0}, ng_every=100)
    _parts(duck_store, "moulder-c", "lathe-1", {"spindle_rpm": 2400.0})  # the lathe's defects do not count
    fed = {"members": {"moulder-a": {}, "moulder-b": {}, "moulder-c": {}}, "family": "injection"}
    frames, sat_out = _member_frames(duck_store, fed, Schema("result", "ng", ["melt_temp_c"]), START, END)
    assert sorted(frames) == ["moulder-a", "moulder-b"]
    assert (
        "too few to take part" in sat_out["moulder-c"]["en"]
        and "참여하기에 너무 적습니다" in sat_out["moulder-c"]["ko"]
    )


def test_the_run_names_the_member_without_records_that_sat_it_out_and_why(duck_store, tmp_path):
    """`sandan federate run` prints who sat the run out from the run it gets back: a member with a machine of the
    process but no part record in the window trains nothing, and the others train without it."""
    from sandan.learn.federated import service
    from sandan.learn.federated.client import Schema
    from sandan.learn.federated.flower import generate_key

    for company, temp in (("moulder-a", 230.0), ("moulder-b", 236.0)):
        _company(duck_store, company, "injection", {"imm-1": "injection"})
        rows = [
            {
                "time": (END - timedelta(minutes=i + 1)).isoformat(),
                "machine_id": "imm-1",
                "part_id": f"imm-1-{i}",
                "result": "ng" if i % 5 == 0 else "ok",
                "params": {"melt_temp_c": temp + i % 7 + 3 * (i % 5 == 0)},
            }
            for i in range(60)
        ]
        assert ingest_parts(duck_store, company, rows).rejected == 0
    _company(duck_store, "moulder-c", "injection", {"imm-1": "injection"})  # connected, nothing recorded yet
    fed = service.create_federation(
        "사출", "injection", Schema("result", "ng", ["melt_temp_c"]), strategy="fedavg", data_dir=tmp_path
    )
    for company in ("moulder-a", "moulder-b", "moulder-c"):
        service.join_federation(duck_store, company, fed["id"], generate_key()[1].decode(), data_dir=tmp_path)
    run = service.run_simulation(
        duck_store, fed["id"], START, END, data_dir=tmp_path, n_splits=2, local_budget_s=1, pooled_budget_s=1
    )
    assert sorted(run["companies"]) == ["moulder-a", "moulder-b"]
    assert list(run["sat_out"]) == ["moulder-c"]
    why = run["sat_out"]["moulder-c"]
    assert "only 0 part records" in why["en"] and "0건뿐입니다" in why["ko"]
