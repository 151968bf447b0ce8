"""Peer benchmarks: shown only from five contributing companies of a family, as quantiles and my position."""

from __future__ import annotations

import numpy as np
import pytest

from sandan.collect import ingest_events, ingest_parts
from sandan.domain import Company, Line, Machine, NotFound, Site
from sandan.monitor import oee
from sandan.monitor.peers import COMPLEX, cross_tenant_peer_benchmark, cross_tenant_peer_benchmarks
from tests.monitor.conftest import kst, spread

START, END = kst("2025-03-10", "08:00"), kst("2025-03-10", "10:00")


def member(store, cid: str, parts: int, scrap: int, family: str = "cnc") -> None:
    """A company with one machine running the whole window, `parts` parts of which `scrap` are ng."""
    store.upsert_company(Company(id=cid, name=f"회사 {cid}", family=family))
    store.upsert_site(cid, Site(id="s1", company_id=cid, name="공장"))
    store.upsert_line(cid, Line(id="L1", company_id=cid, site_id="s1", name="라인"))
    store.upsert_machine(cid, Machine(id="M1", company_id=cid, line_id="L1", name="M", ideal_cycle_time_s=60))
    ev = [{"machine_id": "M1", "start": START.isoformat(), "end": END.isoformat(), "state": "running"}]
    assert ingest_events(store, cid, ev).rejected == 0
    times = spread(START, END, parts)
    rows = [
        {"time": t.isoformat(), "machine_id": "M1", "part_id": f"p{i}", "result": "ng" if i < scrap else "ok"}
        for i, t in enumerate(times)
    ]
    assert ingest_parts(store, cid, rows).rejected == 0


# (company, parts in 2 h at an ideal 60 s, scrap)
CNC = [("c1", 60, 6), ("c2", 80, 4), ("c3", 100, 2), ("c4", 110, 1), ("c5", 90, 9)]


@pytest.fixture
def complex_of(duck_store):
    def build(members):
        for cid, parts, scrap in members:
            member(duck_store, cid, parts, scrap)
        member(duck_store, "f1", 120, 0, family="forging")
        return duck_store

    return build


def _walk(value):
    """Every number anywhere in an answer."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    elif isinstance(value, float | int) and not isinstance(value, bool):
        yield float(value)


def test_with_four_companies_no_figure_is_shown(complex_of):
    store = complex_of(CNC[:4])
    out = cross_tenant_peer_benchmark(store, "c1", START, END)
    for metric in ("oee", "defect_rate"):
        m = out["metrics"][metric]
        assert not m["shown"] and m["quantiles"] is None and m["mine"] is None and m["companies"] is None
        assert m["needed"] == 5


def test_with_five_companies_quantiles_and_my_position_are_shown(complex_of):
    store = complex_of(CNC)
    out = cross_tenant_peer_benchmark(store, "c3", START, END)
    oees = np.array([oee(store, c, START, END, by=()).iloc[0]["oee"] for c, _, _ in CNC])
    m = out["metrics"]["oee"]
    assert m["shown"] and m["companies"] == 5
    assert list(m["quantiles"]) == ["p10", "p25", "p50", "p75", "p90"]
    assert m["quantiles"]["p50"] == pytest.approx(np.median(oees))
    assert m["mine"] == pytest.approx(oees[2])
    assert m["better_than_share"] == pytest.approx(3 / 4)  # c3 beats c1, c2, c5 and trails c4
    d = out["metrics"]["defect_rate"]
    assert d["mine"] == pytest.approx(2 / 100) and not d["higher_is_better"]
    assert d["better_than_share"] == pytest.approx(3 / 4)  # lower is better: c4 has 1 %


def test_the_answer_holds_quantiles_a_count_and_my_own_figures_only(complex_of):
    store = complex_of(CNC)
    out = cross_tenant_peer_benchmark(store, "c3", START, END)
    for m in out["metrics"].values():
        assert set(m) == {
            "shown", "companies", "needed", "higher_is_better", "quantiles", "mine", "better_than_share"
        }  # fmt: skip
        allowed = {*m["quantiles"].values(), m["mine"], m["better_than_share"], 5.0}
        assert set(_walk(m)) <= allowed
    text = str(out)
    assert not any(f"'{cid}'" in text for cid, _, _ in CNC if cid != "c3") and "회사" not in text


def test_a_company_of_another_family_is_not_a_peer(complex_of):
    store = complex_of(CNC[:4])
    out = cross_tenant_peer_benchmark(store, "f1", START, END)
    assert out["family"] == "forging" and not out["metrics"]["oee"]["shown"]


def test_the_threshold_cannot_be_lowered_below_five(complex_of):
    store = complex_of(CNC[:4])
    out = cross_tenant_peer_benchmark(store, "c1", START, END, min_companies=2)
    assert out["min_companies"] == 5 and not out["metrics"]["oee"]["shown"]


def test_the_operator_sees_every_family_without_a_position(complex_of):
    store = complex_of(CNC)
    out = {b["family"]: b for b in cross_tenant_peer_benchmarks(store, START, END)}
    assert set(out) == {"cnc", "forging", COMPLEX}
    assert out["cnc"]["metrics"]["oee"]["shown"] and out["cnc"]["metrics"]["oee"]["mine"] is None
    assert not out["forging"]["metrics"]["oee"]["shown"]
    assert out[COMPLEX]["metrics"]["oee"]["companies"] == 6 and out[COMPLEX]["metrics"]["oee"]["mine"] is None


def test_a_company_without_five_of_its_process_is_placed_in_the_whole_complex(complex_of):
    # four CNC shops and a forge: too few forges (and too few CNC shops) for a family benchmark, enough companies
    store = complex_of(CNC[:4] + [("c6", 70, 7)])
    assert not cross_tenant_peer_benchmark(store, "f1", START, END)["metrics"]["oee"]["shown"]
    out = cross_tenant_peer_benchmark(store, "f1", START, END, family=COMPLEX)
    assert out["family"] == COMPLEX
    rates = [0.06, 0.05, 0.02, 1 / 110, 0.1, 0.0]  # c1, c2, c3, c4, c6 and the forge f1 (120 parts, no scrap)
    d = out["metrics"]["defect_rate"]
    assert d["shown"] and d["companies"] == 6
    assert d["quantiles"]["p50"] == pytest.approx(np.median(rates))
    assert (
        d["mine"] == 0.0 and d["better_than_share"] == 1.0
    )  # the forge makes no scrap: better than all five


def test_a_member_without_machines_or_records_is_left_out_not_an_error(complex_of):
    store = complex_of(CNC)
    store.upsert_company(Company(id="new-co", name="갓 가입한 회사", family="cnc"))  # registered, nothing yet
    store.upsert_company(Company(id="idle-co", name="기록 없는 회사", family="cnc"))
    store.upsert_site("idle-co", Site(id="s1", company_id="idle-co", name="공장"))
    store.upsert_line("idle-co", Line(id="L1", company_id="idle-co", site_id="s1", name="라인"))
    store.upsert_machine("idle-co", Machine(id="M1", company_id="idle-co", line_id="L1", name="M"))
    out = cross_tenant_peer_benchmark(store, "c1", START, END)
    assert out["metrics"]["defect_rate"]["companies"] == 5 and out["metrics"]["oee"]["companies"] == 5
    # its own page opens, with nothing of its own
    mine = cross_tenant_peer_benchmark(store, "new-co", START, END)
    assert mine["metrics"]["defect_rate"]["mine"] is None and mine["metrics"]["defect_rate"]["shown"]
    assert {b["family"] for b in cross_tenant_peer_benchmarks(store, START, END)} >= {"cnc"}


def test_an_unknown_company_is_not_found(complex_of):
    store = complex_of(CNC[:1])
    with pytest.raises(NotFound):
        cross_tenant_peer_benchmark(store, "nobody", START, END)


def test_each_company_is_measured_with_its_own_calendar(complex_of, tmp_path):
    # c3 plans only 08:00-09:00 that Monday: its figure among the peers is the one its own dashboard shows
    from datetime import time

    from sandan.monitor import Shift, ShiftCalendar
    from sandan.monitor.calendar import save_company_calendar

    store = complex_of(CNC)
    short = ShiftCalendar(shifts=[Shift(name="early", start=time(8), end=time(9))])
    save_company_calendar(tmp_path, "c3", short)
    out = cross_tenant_peer_benchmark(store, "c3", START, END, data_dir=tmp_path)
    own = oee(store, "c3", START, END, by=(), calendar=short).iloc[0]["oee"]
    default = oee(store, "c3", START, END, by=()).iloc[0]["oee"]
    assert own != pytest.approx(default)  # the two calendars do give different figures here
    assert out["metrics"]["oee"]["mine"] == pytest.approx(own)


def test_a_companys_defect_rate_is_its_quality_pages_and_each_company_is_computed_once(complex_of):
    from datetime import timedelta

    from sandan.monitor import quality_table
    from sandan.monitor.peers import company_figures

    store = complex_of(CNC)
    # a window cut inside hours: the hourly counts' edges come from the records, as on the quality page
    start, end = START + timedelta(minutes=17), END - timedelta(minutes=23)
    for cid, *_ in CNC:
        table = quality_table(store, cid, start, end, by=())
        assert company_figures(store, cid, start, end)["defect_rate"] == pytest.approx(
            float(table["defect_rate"].iloc[0]), abs=1e-12
        )
    # figures already computed for this window are reused, not recomputed (the family, then the complex)
    known = {"c1": {"oee": np.nan, "defect_rate": 0.5, "unrecorded_share": np.nan}}
    out = cross_tenant_peer_benchmark(store, None, START, END, family="cnc", figures=known)
    assert out["metrics"]["defect_rate"]["quantiles"]["p90"] > 0.3  # c1's real rate is 0.1
    assert set(known) == {"c1", "c2", "c3", "c4", "c5"}  # and the new ones are kept for the next call


def test_a_member_connected_inside_the_window_is_compared_on_the_hours_it_has_recorded(complex_of):
    """A week's benchmark of a plant connected this morning compares its recorded hours, not a week it mostly did
    not record (which OEE counts as a loss): the figure its dashboard shows for those hours."""
    from datetime import timedelta

    from sandan.monitor.peers import company_figures, recorded_start

    store = complex_of(CNC)
    week = START - timedelta(days=6)
    assert recorded_start(store, "c2", week, END) == START  # the machine's first event
    assert recorded_start(store, "c2", START + timedelta(hours=1), END) == START + timedelta(hours=1)
    own = oee(store, "c2", START, END, by=()).iloc[0]["oee"]
    assert company_figures(store, "c2", week, END)["oee"] == pytest.approx(own)
    out = cross_tenant_peer_benchmark(store, "c2", week, END)
    assert out["metrics"]["oee"]["mine"] == pytest.approx(own) and out["mine_unrecorded_share"] < 0.05


def test_one_members_unreadable_calendar_does_not_break_the_views_across_companies(complex_of, tmp_path):
    from sandan.connect.profile import Profile
    from sandan.connect.service import cross_tenant_measured
    from sandan.monitor.calendar import calendar_path
    from sandan.monitor.oee import cross_tenant_complex_oee

    store = complex_of([*CNC, ("c6", 70, 7)])
    broken = calendar_path(tmp_path, "c6")
    broken.parent.mkdir(parents=True)
    broken.write_text("shifts: [nonsense\n", encoding="utf-8")  # hand-edited, not valid YAML
    # another member's benchmark: c6 sits it out (the five others remain), rather than a 422 about c6's file
    out = cross_tenant_peer_benchmark(store, "c1", START, END, data_dir=tmp_path)
    assert out["metrics"]["oee"]["shown"] and out["metrics"]["oee"]["companies"] == 5
    # the operator's board lists c6 in the default shifts and says why
    board = cross_tenant_complex_oee(store, START, END, data_dir=tmp_path)
    rows = {r["company_id"]: r for r in board["companies"]}
    assert set(rows) == {"c1", "c2", "c3", "c4", "c5", "c6", "f1"}
    assert "calendar" in rows["c6"]["calendar_error"]["en"] and "calendar_error" not in rows["c1"]
    assert rows["c6"]["oee"] == pytest.approx(oee(store, "c6", START, END, by=()).iloc[0]["oee"])
    # partners' leads: c6 shows no measured figures, the others theirs
    profiles = [Profile(company_id=c, name=c, share_measured=True) for c in ("c1", "c6")]
    assert set(cross_tenant_measured(store, profiles, tmp_path)) == {"c1"}


def test_a_saved_calendar_is_read_as_saved_each_time_and_a_reader_cannot_change_anothers(tmp_path):
    from datetime import time

    from sandan.monitor import Shift, ShiftCalendar
    from sandan.monitor.calendar import company_calendar, save_company_calendar

    early = ShiftCalendar(shifts=[Shift(name="early", start=time(6), end=time(14))])
    late = ShiftCalendar(shifts=[Shift(name="later", start=time(7), end=time(15))])  # as long in YAML
    save_company_calendar(tmp_path, "c1", early)
    first = company_calendar(tmp_path, "c1")
    assert first.shifts[0].start == time(6)
    first.shifts.clear()  # one reader's change
    assert company_calendar(tmp_path, "c1").shifts[0].start == time(6)
    save_company_calendar(tmp_path, "c1", late)  # at once, the same size: not taken for the earlier file
    assert company_calendar(tmp_path, "c1").shifts[0].start == time(7)
