"""Contract: companies, sites, lines, machines and signals are upserted and listed per company."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from sandan.collect import ingest_parts
from sandan.domain import Company, Conflict, Line, Machine, Signal, Site


def test_a_company_is_stored_and_read_back(store):
    store.upsert_company(Company(id="acme", name="에이크미 정밀", family="cnc", region="Changwon"))
    assert store.get_company("acme") == Company(
        id="acme", name="에이크미 정밀", family="cnc", region="Changwon"
    )


def test_an_unknown_company_is_none(store):
    assert store.get_company("nobody") is None


def test_upserting_a_company_again_updates_it(store):
    store.upsert_company(Company(id="acme", name="Acme", family="cnc"))
    store.upsert_company(Company(id="acme", name="Acme Forging", family="forging"))
    assert store.get_company("acme").name == "Acme Forging"
    assert [c.id for c in store.cross_tenant_companies()] == ["acme"]


def test_cross_tenant_companies_lists_all_in_id_order(store):
    for cid in ("beta", "Zeta", "acme"):
        store.upsert_company(Company(id=cid, name=cid))
    assert [c.id for c in store.cross_tenant_companies()] == ["Zeta", "acme", "beta"]  # bytewise order


def test_sites_lines_and_machines_are_listed_in_id_order(plant):
    plant.upsert_line("acme", Line(id="L0", company_id="acme", site_id="S2", name="Press line"))
    plant.upsert_site("acme", Site(id="S2", company_id="acme", name="Plant 2", timezone="UTC"))
    assert [s.id for s in plant.list_sites("acme")] == ["S1", "S2"]
    assert [line.id for line in plant.list_lines("acme")] == ["L0", "L1"]
    assert [line.id for line in plant.list_lines("acme", site_id="S2")] == ["L0"]
    assert [m.id for m in plant.list_machines("acme")] == ["M1", "M2"]


def test_upserting_a_machine_updates_its_fields(plant):
    plant.upsert_machine(
        "acme",
        Machine(
            id="M1", company_id="acme", line_id="L1", name="Lathe 1", model="PUMA", ideal_cycle_time_s=42.5
        ),
    )
    m = plant.get_machine("acme", "M1")
    assert (m.name, m.model, m.ideal_cycle_time_s) == ("Lathe 1", "PUMA", 42.5)
    assert len(plant.list_machines("acme")) == 2


def test_machines_are_filtered_by_line(plant):
    plant.upsert_machine("acme", Machine(id="M9", company_id="acme", line_id="L2", name="M9"))
    assert [m.id for m in plant.list_machines("acme", line_id="L2")] == ["M9"]


def test_an_asset_naming_another_company_is_refused(plant):
    with pytest.raises(Conflict):
        plant.upsert_machine("acme", Machine(id="M3", company_id="beta", line_id="L1", name="M3"))
    assert plant.get_machine("beta", "M3") is None and plant.get_machine("acme", "M3") is None


def test_signals_are_upserted_and_listed_per_machine(plant):
    plant.upsert_signals(
        "acme",
        [
            Signal(
                company_id="acme",
                machine_id="M1",
                name="spindle_temp",
                unit="degC",
                min_value=0,
                max_value=150,
            ),
            Signal(company_id="acme", machine_id="M2", name="load", unit="%"),
        ],
    )
    plant.upsert_signals("acme", [Signal(company_id="acme", machine_id="M1", name="spindle_temp", unit="K")])
    signals = plant.list_signals("acme")
    assert [(s.machine_id, s.name, s.unit) for s in signals] == [
        ("M1", "spindle_temp", "K"),
        ("M2", "load", "%"),
    ]
    assert [s.name for s in plant.list_signals("acme", machine_id="M2")] == ["load"]
    assert signals[0].min_value is None  # an upsert replaces the whole definition


def test_listed_assets_follow_every_change_also_through_a_second_duckdb_store_on_the_file(tmp_path):
    """DuckDB keeps machine and signal lists between ingested batches: a change made through any store on the same
    file shows in the next list, and a caller changing its list changes nothing for the next caller."""
    from sandan.store.duck import DuckDBStore
    from tests.store.data import add_company

    url = f"duckdb:///{tmp_path / 'plant.duckdb'}"
    one, two = DuckDBStore(url), DuckDBStore(url)
    one.migrate()
    add_company(one, "acme", ("M1",))
    assert [m.id for m in two.list_machines("acme")] == ["M1"] and two.list_signals("acme") == []
    one.upsert_machine("acme", Machine(id="M2", company_id="acme", line_id="L1", name="M2"))
    one.upsert_signals("acme", [Signal(company_id="acme", machine_id="M2", name="load", unit="%")])
    assert [m.id for m in two.list_machines("acme")] == ["M1", "M2"]
    assert [s.name for s in two.list_signals("acme")] == ["load"]
    two.list_signals("acme").append("junk")
    assert [s.name for s in one.list_signals("acme")] == ["load"]
    two.upsert_machine("acme", Machine(id="M2", company_id="acme", line_id="L1", name="프레스 2"))
    assert (
        one.get_machine("acme", "M2").name == "프레스 2" and one.list_machines("acme")[1].name == "프레스 2"
    )
    one.close()
    two.close()


def test_deleting_a_machine_takes_its_signals_and_touches_no_other_company(plant):
    plant.upsert_signals("acme", [Signal(company_id="acme", machine_id="M2", name="temp")])
    plant.upsert_signals("beta", [Signal(company_id="beta", machine_id="M2", name="temp")])
    assert [m.id for m in plant.list_machines("acme")] == [
        "M1",
        "M2",
    ]  # read once, so a cached list is dropped
    assert plant.delete_asset("acme", "machine", "M2") is True
    assert [m.id for m in plant.list_machines("acme")] == ["M1"]
    assert plant.list_signals("acme", "M2") == [] and plant.get_machine("acme", "M2") is None
    assert [m.id for m in plant.list_machines("beta")] == ["M1", "M2"]
    assert [s.name for s in plant.list_signals("beta", "M2")] == ["temp"]
    assert plant.delete_asset("acme", "machine", "M2") is False
    plant.delete_asset("acme", "machine", "M1")
    assert plant.delete_asset("acme", "line", "L1") and plant.delete_asset("acme", "site", "S1")
    assert plant.list_lines("acme") == [] and plant.list_sites("acme") == []
    assert [s.id for s in plant.list_sites("beta")] == ["S1"]


def test_rows_are_counted_per_machine(plant):
    t = datetime(2026, 5, 1, 8, tzinfo=UTC)
    parts = [
        {"time": t, "machine_id": m, "part_id": f"p{i}", "result": "ok"}
        for i, m in enumerate(["M1", "M1", "M2"])
    ]
    assert ingest_parts(plant, "acme", pa.Table.from_pylist(parts)).accepted == 3
    assert plant.count_rows("acme", "part_records") == 3
    assert plant.count_rows("acme", "part_records", "M1") == 2
    assert plant.count_rows("beta", "part_records", "M1") == 0
