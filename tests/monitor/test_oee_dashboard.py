"""The dashboard's rows (numpy group-bys over the report's elements) equal the same tables formed the plain way
with pandas from `basis` and `down_events`: grouped sums of the elements, then the ISO 22400-2 ratios."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from sandan.monitor import oee_report
from sandan.monitor.labels import LABELS
from sandan.monitor.oee import ADDITIVE, DIMENSIONS, add_kpis
from tests.monitor.conftest import COMPANY
from tests.monitor.test_oee_counting_paths import SPAN, T0, _calendar, _plant


def _open_plant(url: str):
    """Three machines on one line over two days and a bit: random events (open ones too), parts and scrap."""
    from sandan.domain import Company, Line, Machine, Site
    from sandan.store import open_store

    store = open_store(url)
    store.upsert_company(Company(id=COMPANY, name="acme"))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="s"))
    store.upsert_line(COMPANY, Line(id="L1", company_id=COMPANY, site_id="s1", name="l"))
    for m, ideal in (("M1", 20.0), ("M2", 33.3), ("M3", None)):
        store.upsert_machine(
            COMPANY, Machine(id=m, company_id=COMPANY, line_id="L1", name=m, ideal_cycle_time_s=ideal)
        )
    _plant(store, timedelta(0))
    return store


@pytest.fixture
def plant(tmp_path):
    store = _open_plant(f"duckdb:///{tmp_path / 'plant.duckdb'}")
    yield store
    store.close()


def _by_pandas(basis: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    if not keys:
        return add_kpis(basis[ADDITIVE].sum().to_frame().T)
    return add_kpis(basis.groupby(keys, sort=True)[ADDITIVE].sum().reset_index())


def _same(rows: list[dict], frame: pd.DataFrame) -> None:
    assert len(rows) == len(frame)
    got = pd.DataFrame(rows)
    assert list(got.columns) == list(frame.columns)
    for c in frame.columns:
        a, b = got[c].to_numpy(), frame[c].to_numpy()
        if c in ADDITIVE or c in ("availability", "effectiveness", "effectiveness_raw", "quality", "oee"):
            np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=1e-12, atol=1e-6)
        else:
            assert list(a) == list(b), c


def test_dashboard_rows_equal_pandas_group_bys_of_the_basis(plant):
    store = plant
    report = oee_report(
        store, COMPANY, T0, T0 + SPAN, calendar=_calendar(0), ideal_cycle_time_s={("M1", "gear"): 25.5}
    )
    basis = report.basis
    assert len(basis) == 3 * len(report.windows.shifts) and basis["produced_qty"].sum() > 5_000
    board = report.dashboard()
    _same([board["overall"]], _by_pandas(basis, []))
    _same(board["by_line"], _by_pandas(basis, DIMENSIONS["line"]))
    _same(board["by_machine"], _by_pandas(basis, DIMENSIONS["machine"]))
    _same(board["by_shift"], _by_pandas(basis, DIMENSIONS["shift"]))
    _same(board["trend"], _by_pandas(basis, DIMENSIONS["day"]))
    _same(
        report.rows(["shift_name", "machine"]),
        _by_pandas(basis, ["shift_name", "shift_label_ko", "shift_label_en", "machine_id", "line_id"]),
    )
    # the frames the library returns are the same rows
    _same(report.rows("machine"), report.table("machine"))
    assert board["losses"]["breakdowns_s"] == pytest.approx(basis["down_time_s"].sum())

    # stop-time Pareto: breakdowns, setups and minor stops per reason code, largest first; a breakdown without a
    # code is "unexplained", a setup or minor stop without one is its kind of loss
    stops = report.down_events[report.down_events["state"].isin(["down", "setup", "idle"])]
    down = stops[stops["state"] == "down"]
    assert len(down) > 10 and down["reason_code"].isna().any() and down["reason_code"].notna().any()
    uncoded = np.where(stops["state"] == "down", "~none", "~" + stops["state"].astype(str))
    expected = (
        stops.assign(key=np.where(stops["reason_code"].isna(), uncoded, stops["reason_code"].astype(object)))
        .groupby("key")
        .agg(t=("duration_s", "sum"), events=("event_key", "nunique"), machines=("machine_id", "nunique"))
    )
    pareto = board["downtime_pareto"]
    assert [p["down_time_s"] for p in pareto] == sorted((p["down_time_s"] for p in pareto), reverse=True)
    assert sum(p["down_time_s"] for p in pareto) == pytest.approx(
        board["losses"]["breakdowns_s"]
        + board["losses"]["setup_adjustment_s"]
        + board["losses"]["idling_minor_stops_s"]
    )
    for p in pareto:
        key = p["reason_code"] or (f"~{p['uncoded_state']}" if p["uncoded_state"] else "~none")
        row = expected.loc[key]
        assert p["down_time_s"] == pytest.approx(row.t)
        assert (p["events"], p["machines"]) == (row.events, row.machines)
        if key == "~none":
            assert p["label_en"] == LABELS["unexplained"]["en"]
        elif p["uncoded_state"]:
            assert p["label_en"] in ("Setup and adjustment", "Idling and minor stops")
    assert pareto[-1]["cumulative_share"] == pytest.approx(1.0)

    unexplained = report.unexplained_downtime()
    assert board["unexplained"]["count"] == len(unexplained) > 0
    assert board["unexplained"]["down_time_s"] == pytest.approx(unexplained["down_time_s"].sum())


def test_a_window_without_shifts_still_lists_every_machine(plant):
    store = plant
    sunday = T0 - timedelta(days=1)  # a Sunday morning: no shift in the default calendar's working days
    report = oee_report(store, COMPANY, sunday, sunday + timedelta(hours=2))
    assert len(report.windows.shifts) == 0
    board = report.dashboard()
    assert [r["machine_id"] for r in board["by_machine"]] == ["M1", "M2", "M3"]
    assert [r["oee_status"] for r in board["by_machine"]] == ["no_planned_time"] * 3
    assert board["by_shift"] == [] and board["trend"] == []
    assert board["overall"]["planned_busy_time_s"] == 0 and board["downtime_pareto"] == []


def test_both_stores_give_the_same_report(plant, pg_url):
    """The same plant in PostgreSQL: its reads (rollup counts, scrap by partial index, unordered events) give the
    same elements and dashboard as DuckDB's."""
    pg = _open_plant(pg_url)
    try:
        window = (T0, T0 + SPAN)
        for calendar in (_calendar(0), _calendar(30)):  # counted per bucket, and part by part
            a = oee_report(plant, COMPANY, *window, calendar=calendar)
            b = oee_report(pg, COMPANY, *window, calendar=calendar)
            ints = [c for c in ADDITIVE if c.endswith("_qty")]
            pd.testing.assert_frame_equal(a.basis[ints], b.basis[ints])
            np.testing.assert_allclose(
                a.basis[ADDITIVE].to_numpy(float), b.basis[ADDITIVE].to_numpy(float), rtol=1e-12, atol=1e-9
            )
            assert a.basis["startup_scrap_qty"].sum() > 0
            assert a.dashboard()["downtime_pareto"] == b.dashboard()["downtime_pareto"]
    finally:
        pg.close()
