"""A company with two machines and their signals, ready to receive files and batches."""

from __future__ import annotations

import pytest

from sandan.domain import Company, Line, Machine, Signal, Site


@pytest.fixture
def plant(duck_store):
    """Company 'acme' with CNC-01 (spindle_temp 0..200 °C, spindle_speed rpm) and CNC-02 (spindle_temp)."""
    store = duck_store
    store.upsert_company(Company(id="acme", name="에이크미 정밀"))
    store.upsert_site("acme", Site(id="s1", company_id="acme", name="1공장"))
    store.upsert_line("acme", Line(id="l1", company_id="acme", site_id="s1", name="가공 1라인"))
    for mid in ("CNC-01", "CNC-02"):
        store.upsert_machine("acme", Machine(id=mid, company_id="acme", line_id="l1", name=mid, family="cnc"))
    store.upsert_signals(
        "acme",
        [
            Signal(
                company_id="acme",
                machine_id="CNC-01",
                name="spindle_temp",
                unit="°C",
                min_value=0,
                max_value=200,
            ),
            Signal(company_id="acme", machine_id="CNC-01", name="spindle_speed", unit="rpm", min_value=0),
            Signal(
                company_id="acme",
                machine_id="CNC-02",
                name="spindle_temp",
                unit="°C",
                min_value=0,
                max_value=200,
            ),
        ],
    )
    return store
