"""The line model: YAML in, validated objects out, analytic figures, and a line built from a real line's records."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pyarrow as pa
import pytest

from sandan.collect import Origin, ingest_events, ingest_parts
from sandan.domain import Company, InvalidInput, Line, Machine, NotFound, ProcessFamily, Site
from sandan.domain.text import text_width
from sandan.monitor.calendar import Break, Shift, ShiftCalendar, working_day_windows
from sandan.twin import service
from sandan.twin.line import Dist, LineModel, line_from_store, load_line
from sandan.twin.process import CncTurningModel, InjectionMouldingModel
from sandan.twin.sim import run_line

LINE_YAML = """
id: bracket
name: 브래킷 라인 Bracket line
stations:
  - id: cut
    process_time: 20
    buffer: 4
    machine_cost: 100
  - id: drill
    machines: 2
    process_time: {kind: lognormal, mean: 45, sd: 10}
    setup_time: {kind: triangular, low: 60, mode: 90, high: 180}
    failure: {mtbf: 7200, mttr: 600}
    scrap_rate: 0.02
    buffer: 6
    worker: drilling
    machine_cost: 300
  - id: pack
    process_time: {kind: empirical, values: [12, 14, 15, 19]}
    buffer: 3
products:
  - {id: A, mix: 3, routing: [cut, drill, pack]}
  - {id: B, mix: 1, routing: [cut, {station: drill, process_time: 60}, pack]}
workers:
  - {id: day, count: 2, skills: [drilling], shift: [[6, 18]], cost: 50}
transports:
  - {from: cut, to: drill, time: {kind: uniform, low: 5, high: 15}}
release: {policy: push, interarrival: {kind: exponential, mean: 30}}
calendar: {windows: [[6, 18]]}
buffer_cost: 2
"""


def test_yaml_becomes_a_validated_line_with_every_element():
    line = LineModel.from_yaml(LINE_YAML)
    assert [s.id for s in line.stations] == ["cut", "drill", "pack"]
    drill = line.station("drill")
    assert drill.machines == 2 and drill.failure.mtbf.kind == "exponential"
    assert drill.failure.availability == pytest.approx(7200 / 7800)
    assert line.products[1].routing[1].process_time.mean == 60
    assert line.workers[0].serves(drill) and not line.workers[0].serves(line.station("cut"))
    assert line.transports[0].from_ == "cut"
    assert line.calendar.working_fraction == pytest.approx(0.5)
    assert LineModel.from_yaml(line.to_yaml()) == line


def test_a_yaml_file_path_loads_the_same_line(tmp_path):
    path = tmp_path / "line.yaml"
    path.write_text(LINE_YAML, encoding="utf-8")
    assert load_line(str(path)) == load_line(path) == LineModel.from_yaml(LINE_YAML)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ("stations: [{id: a, process_time: -1}]", "stations[a].process_time"),
        ("stations: [{id: a, process_time: 1}, {id: a, process_time: 1}]", "unique"),
        ("stations: [{id: a, process_time: 1}]\nproducts: [{id: p, routing: [b]}]", "unknown station"),
        ("stations: [{id: a, process_time: 1, worker: weld}]", "skill"),
        ("stations: [{id: a, process_time: 1}]\nrelease: {policy: conwip}", "wip"),
        (
            "stations: [{id: a, process_time: 1}, {id: b, process_time: 1}]\nrelease: {policy: kanban}",
            "finite buffers",
        ),
        ("stations: [{id: a, process_time: {kind: triangular, low: 3, mode: 1, high: 2}}]", "low ≤ mode"),
        # parts that take no time anywhere: the run never ended (normal 0 0 and empirical zeros too)
        ("stations: [{id: a, process_time: 0, buffer: 4}]", "clock would never move"),
        (
            "stations: [{id: a, process_time: {kind: normal, mean: 0, sd: 0}},"
            " {id: b, process_time: {kind: empirical, values: [0, 0]}}]",
            "clock would never move",
        ),
        # a machine failing again at once made nothing; people with an empty shift crashed the simulation
        ("stations: [{id: a, process_time: 20, failure: {mtbf: 0, mttr: 60}}]", "mtbf must be more than 0"),
        (
            "stations: [{id: a, process_time: 20, worker: weld}]\nworkers: [{id: w, skills: [weld], shift: []}]",
            "workers[w].shift",
        ),
    ],
)
def test_a_bad_line_is_refused_in_both_languages(change, fragment):
    with pytest.raises(InvalidInput) as err:
        LineModel.from_yaml(change)
    assert fragment in err.value.en
    assert "라인 모델" in err.value.ko
    assert err.value.code == "bad_line_model"


def test_a_line_with_one_station_that_takes_time_runs():
    line = LineModel.from_yaml(
        "stations: [{id: a, process_time: 0}, {id: b, process_time: {kind: normal, mean: 0, sd: 2}, buffer: 4}]"
    )
    assert run_line(line, replications=2, horizon=600, warmup=0, seed=1).line["throughput_per_h"].mean > 0


def test_a_refused_line_names_the_station_by_its_id_and_says_why_in_korean():
    with pytest.raises(InvalidInput) as err:
        LineModel.from_yaml(
            "stations: [{id: cut, process_time: 1, buffer: 2}, {id: asm-01, machines: 0, process_time: 1}]"
        )
    assert "stations[asm-01].machines" in err.value.ko and "1 이상이어야 합니다" in err.value.ko
    assert "Input should" not in err.value.ko
    assert err.value.where["field"] == "stations.1.machines"  # the place a form marks


def test_a_station_without_an_id_is_named_by_its_place_counted_from_one_in_plain_words():
    """The editor's list: 'stations[#2].id: required, but missing', not 'stations.1.id: Field required'."""
    from sandan.twin import service

    with pytest.raises(InvalidInput) as err:
        service.parse_line("stations: [{id: cut, process_time: 1}, {machines: 1}]")
    labels = [(i["label"], i["en"]) for i in err.value.where["errors"]]
    assert labels == [
        ("stations[#2].id", "required, but missing"),
        ("stations[#2].process_time", "required, but missing"),
    ]
    with pytest.raises(InvalidInput) as err:
        LineModel.from_yaml("stations: [{id: cut, process_time: 1, buferr: 2}]")
    assert "stations[cut].buferr: not a known field (check its spelling)" in err.value.en


def test_unparseable_yaml_and_missing_files_are_user_errors():
    with pytest.raises(InvalidInput):
        LineModel.from_yaml("stations: [")
    with pytest.raises(NotFound):
        LineModel.from_yaml("/nonexistent/line.yaml")


@pytest.mark.parametrize(
    "d",
    [
        Dist(kind="exponential", mean=5),
        Dist(kind="normal", mean=10, sd=2),
        Dist(kind="lognormal", mean=8, sd=4),
        Dist(kind="triangular", low=1, mode=2, high=6),
        Dist(kind="uniform", low=2, high=4),
        Dist(kind="empirical", values=(1, 2, 3, 10)),
    ],
)
def test_distributions_draw_with_their_stated_mean_and_variability(d):
    x = d.sample(np.random.default_rng(1), 200_000)
    assert x.mean() == pytest.approx(d.expected, rel=0.01)
    assert x.var() / x.mean() ** 2 == pytest.approx(d.scv, rel=0.05)
    assert (x >= 0).all()


def test_a_trace_is_replayed_in_order():
    assert Dist(kind="trace", values=(3, 0, 1)).sample(np.random.default_rng(), 5).tolist() == [3, 0, 1, 3, 0]


def test_changes_by_dotted_path_give_a_validated_copy():
    line = LineModel.from_yaml(LINE_YAML)
    changed = line.with_changes(
        {"stations.drill.machines": 3, "workers.day.count": 4, "release.interarrival": 20}
    )
    assert changed.station("drill").machines == 3 and changed.workers[0].count == 4
    assert changed.release.interarrival.kind == "deterministic"
    assert line.station("drill").machines == 2
    with pytest.raises(InvalidInput):
        line.with_changes({"stations.nope.machines": 3})


def test_a_scenario_change_reads_a_duration_as_the_line_editor_writes_it():
    from sandan.twin.service import parse_changes

    changes = parse_changes("stations.drill.process_time=exponential 40, stations.drill.machines=3")
    assert changes == {
        "stations.drill.process_time": {"kind": "exponential", "mean": 40.0},
        "stations.drill.machines": 3,
    }
    changed = LineModel.from_yaml(LINE_YAML).with_changes(changes)
    assert changed.station("drill").process_time.kind == "exponential"
    assert changed.station("drill").process_time.expected == 40
    # a word that starts like a distribution, in a field that is no duration, stays a word
    assert parse_changes("stations.drill.name=Normal 2") == {"stations.drill.name": "Normal 2"}
    with pytest.raises(InvalidInput) as err:
        parse_changes("stations.drill.process_time=lognormal 40")  # one number short
    assert (
        "lognormal 45 10" in err.value.en
        and err.value.where["field"] == "changes.stations.drill.process_time"
    )
    # a scrap rate as the line form types it (a percentage), and a percentage without its sign named as such
    assert parse_changes("stations.drill.scrap_rate=5%") == {"stations.drill.scrap_rate": 0.05}
    with pytest.raises(InvalidInput) as err:
        parse_changes("stations.drill.scrap_rate=5")
    assert "write 0.05 or 5%" in err.value.en and "0.05 또는 5%" in err.value.ko


def test_a_scenario_that_changes_an_unused_entry_buffer_under_kanban_is_refused_saying_why():
    from sandan.twin.design import optimize_design
    from sandan.twin.experiments import sweep
    from sandan.twin.service import scenario_lines

    base = LineModel.from_yaml(LINE_YAML).with_changes({"release.policy": "kanban"})
    with pytest.raises(InvalidInput) as err:
        scenario_lines(base, [{"name": "bigger", "changes": {"stations.cut.buffer": 20}}])
    assert err.value.code == "idle_change" and "'cut'" in err.value.en and "kanban" in err.value.ko
    # a sweep or a design search over it would simulate variants that do not differ: refused the same way
    with pytest.raises(InvalidInput) as err:
        sweep(base, {"stations.cut.buffer": [5, 10, 20]}, replications=2, horizon=3600, warmup=0)
    assert err.value.code == "idle_change" and err.value.en.startswith("sweep: stations.cut.buffer")
    with pytest.raises(InvalidInput) as err:
        optimize_design(base, {"buffers": {"cut": [5, 10]}}, budget=1e9, replications=2, backend="serial")
    assert err.value.code == "idle_change" and err.value.where["field"] == "space.buffers.cut"
    # a later station's buffer, or the entry's under push release, is a real change
    assert set(scenario_lines(base, [{"name": "b", "changes": {"stations.drill.buffer": 9}}])) == {
        "baseline",
        "b",
    }
    pushed = base.with_changes({"release.policy": "push"})
    assert "c" in scenario_lines(pushed, [{"name": "c", "changes": {"stations.cut.buffer": 20}}])


def test_analytic_figures_follow_factory_physics():
    line = LineModel.from_yaml(LINE_YAML)
    a = 7200 / 7800
    drill_load = (0.75 * 45 + 0.25 * 60) / a
    assert line.visit_loads()["drill"] == pytest.approx(drill_load)
    assert line.raw_process_time() == pytest.approx(20 + drill_load + 15)
    assert line.yield_per_release() == pytest.approx(0.98)
    # arrivals (1/30 per s) bind before the drill (2/48.75…), the calendar halves it, scrap takes 2 %
    assert line.bottleneck_rate() == pytest.approx(1 / 30 * 0.5 * 0.98)
    assert line.cost() == pytest.approx(100 + 2 * 300 + 2 * 50 + 13 * 2)


def test_scrap_can_come_from_a_process_model_at_given_settings():
    poor = CncTurningModel.poor_settings()
    line = LineModel.from_dict(
        {
            "stations": [
                {
                    "id": "turn",
                    "process_time": 30,
                    "scrap_from": {"family": "cnc", "settings": poor, "n_parts": 2000},
                }
            ]
        }
    )
    expected = CncTurningModel().expected_defect_rate(poor, n_parts=2000, seed=0)
    assert line.station("turn").scrap == pytest.approx(expected)
    assert 0.05 < expected < 0.5
    with pytest.raises(InvalidInput):
        _ = (
            LineModel.from_dict(
                {"stations": [{"id": "x", "process_time": 1, "scrap_from": {"family": "other"}}]}
            )
            .station("x")
            .scrap
        )


def test_the_full_example_line_simulates():
    res = run_line(LineModel.from_yaml(LINE_YAML), replications=2, horizon=2 * 86_400, warmup=3_600, seed=3)
    assert 0 < res["throughput_per_h"].mean <= LineModel.from_yaml(LINE_YAML).bottleneck_rate() * 3600 * 1.05
    assert set(res.stations) == {"cut", "drill", "pack"}
    assert 0 < res.workers["day"]["utilisation"].mean <= 1.05  # a job begun before the shift ends is finished


# ---- a line from the store ----------------------------------------------------------------------------------


def _plant(store, company="twin-co", machines=("m1", "m2")):
    store.upsert_company(Company(id=company, name="트윈 공장 Twin plant"))
    store.upsert_site(company, Site(id="s1", company_id=company, name="1공장"))
    store.upsert_line(
        company, Line(id="l1", company_id=company, site_id="s1", name="가공 라인 Machining line")
    )
    for m in machines:
        store.upsert_machine(
            company, Machine(id=m, company_id=company, line_id="l1", name=f"설비 {m}", ideal_cycle_time_s=25)
        )
    return company


def _history(machine, start, n_parts, cycle_s, mtbf_s, mttr_s, scrap, rng):
    """Parts every ~cycle_s while running; exponential failures in operating time with exponential repairs."""
    t, ttf = start, rng.exponential(mtbf_s)
    parts, events, up = [], [], 0.0
    for i in range(n_parts):
        ct = rng.normal(cycle_s, 0.1 * cycle_s)
        if ct > ttf:
            t += ttf
            up += ttf
            ct -= ttf
            rep = rng.exponential(mttr_s)
            events.append(
                {"machine_id": machine, "start": t, "end": t + rep, "state": "down", "reason_code": "E1"}
            )
            t += rep
            ttf = rng.exponential(mtbf_s)
        ttf -= ct
        t += ct
        up += ct
        parts.append(
            {
                "time": t,
                "machine_id": machine,
                "part_id": f"{machine}-{i}",
                "product": "P1",
                "result": "ng" if rng.random() < scrap else "ok",
            }
        )
    return parts, events, up


def _to_table(rows, time_cols, t0):
    data = {k: [r[k] for r in rows] for k in rows[0]}
    for c in time_cols:
        data[c] = [t0 + timedelta(seconds=float(x)) for x in data[c]]
    return pa.table(data)


def test_line_from_store_estimates_cycle_time_failures_and_scrap_from_ingested_records(duck_store):
    company = _plant(duck_store)
    rng = np.random.default_rng(7)
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=8)
    truth = {"m1": (30.0, 3 * 3600.0, 600.0, 0.03), "m2": (40.0, 6 * 3600.0, 900.0, 0.01)}
    for m, (ct, mtbf, mttr, scrap) in truth.items():
        parts, events, _ = _history(m, 0.0, 15_000, ct, mtbf, mttr, scrap, rng)
        rp = ingest_parts(duck_store, company, _to_table(parts, ["time"], t0), Origin(source="test"))
        re = ingest_events(
            duck_store, company, _to_table(events, ["start", "end"], t0), Origin(source="test")
        )
        assert rp.rejected == 0 and re.rejected == 0
    line = line_from_store(duck_store, company, "l1", start=t0 - timedelta(hours=1), end=datetime.now(UTC))
    assert [s.id for s in line.stations] == ["m1", "m2"]
    for s in line.stations:
        ct, mtbf, mttr, scrap = truth[s.id]
        assert s.process_time.kind == "empirical"
        assert s.process_time.expected == pytest.approx(ct, rel=0.03)
        assert s.failure.mtbf.expected == pytest.approx(mtbf, rel=0.3)
        assert s.failure.mttr.expected == pytest.approx(mttr, rel=0.3)
        assert s.scrap_rate == pytest.approx(scrap, abs=0.01)
    assert line.release.policy == "kanban" and line.products[0].id == "P1"
    res = run_line(line, replications=2, horizon=86_400, warmup=3_600, seed=1)
    assert res.bottleneck == "m2"


def test_line_from_store_groups_parallel_machines_and_works_on_process_model_data(duck_store):
    company = _plant(duck_store, "cnc-co", ("t1", "t2"))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    model = CncTurningModel(mtbf_h=3.0)
    for i, m in enumerate(("t1", "t2")):
        batch = model.simulate(None, 3000, start, seed=10 + i)
        assert ingest_parts(duck_store, company, batch.to_part_table(m), Origin(source="twin")).rejected == 0
        assert (
            ingest_events(duck_store, company, batch.to_event_table(m), Origin(source="twin")).rejected == 0
        )
    line = line_from_store(
        duck_store, company, "l1", start=start, end=datetime.now(UTC), stations=[["t1", "t2"]]
    )
    (station,) = line.stations
    assert station.machines == 2 and station.failure is not None
    nominal = {k: np.asarray([v]) for k, v in model.nominal_settings().items()}
    assert station.process_time.expected == pytest.approx(float(model.cycle_time_s(nominal)[0]), rel=0.15)
    assert station.scrap_rate == pytest.approx(model.expected_defect_rate(None, 3000, seed=10), abs=0.03)


TWO_SHIFTS = ShiftCalendar.two_shifts()


def test_a_working_day_is_its_shifts_less_their_breaks():
    assert working_day_windows(TWO_SHIFTS) == [(1.0, 12.0), (13.0, 24.0)]  # the night's meal 00-01 folds in
    day_only = ShiftCalendar(
        shifts=[
            Shift(
                name="day", start=time(8, 30), end=time(17, 30), breaks=[Break(start=time(12), end=time(13))]
            )
        ]
    )
    assert working_day_windows(day_only) == [(8.5, 12.0), (13.0, 17.5)]
    no_breaks = ShiftCalendar(shifts=[Shift(name="all", start=time(6), end=time(6))])  # one 24-h shift
    assert working_day_windows(no_breaks) == [(0.0, 24.0)]


def _moulding_cell(store, machines=("imm-1", "imm-2", "imm-3", "asm-1")):
    """Three moulding machines side by side feeding one assembly station, with three days of process-model data."""
    company = "cell-co"
    store.upsert_company(Company(id=company, name="사출 공장 Moulder"))
    store.upsert_site(company, Site(id="s1", company_id=company, name="1공장"))
    store.upsert_line(company, Line(id="l1", company_id=company, site_id="s1", name="사출 셀 Moulding cell"))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    made = {}
    for i, m in enumerate(machines):
        family = ProcessFamily.assembly if m.startswith("asm") else ProcessFamily.injection
        store.upsert_machine(
            company,
            Machine(
                id=m, company_id=company, line_id="l1", name=f"설비 {m}", family=family, ideal_cycle_time_s=5
            ),
        )
        if family is ProcessFamily.injection:
            batch = InjectionMouldingModel(mtbf_h=4.0).simulate(None, 3000, start, seed=20 + i)
            assert ingest_parts(store, company, batch.to_part_table(m), Origin(source="twin")).rejected == 0
            assert ingest_events(store, company, batch.to_event_table(m), Origin(source="twin")).rejected == 0
            made[m] = batch
    return company, start, made


def test_line_from_store_puts_machines_of_one_process_side_by_side(duck_store):
    company, start, made = _moulding_cell(duck_store)
    line = line_from_store(duck_store, company, "l1", start=start, end=datetime.now(UTC))
    assert [(s.id, s.machines, s.from_machines) for s in line.stations] == [
        ("injection", 3, ["imm-1", "imm-2", "imm-3"]),
        ("asm-1", 1, ["asm-1"]),
    ]
    # The cell's twin makes what the three machines made together (good parts per hour), not what one of them
    # made: the assembly station has no records and runs at its 5 s ideal cycle time, far from binding.
    sim = run_line(line, replications=3, horizon=3 * 86_400, warmup=3_600, seed=2)
    real = sum(float(b.ok.sum()) / ((b.time_us[-1] - b.time_us[0]) / 1e6) * 3600 for b in made.values())
    assert sim.throughput_per_h.mean == pytest.approx(real, rel=0.1)
    # with the company's shift calendar the twin works the hours the plant plans (two 12-h shifts less their
    # meal hours: 22 of 24), and makes that share of the around-the-clock output
    planned = line_from_store(
        duck_store, company, "l1", start=start, end=datetime.now(UTC), shifts=TWO_SHIFTS
    )
    assert planned.calendar.windows == [(1.0, 12.0), (13.0, 24.0)]
    sim_planned = run_line(planned, replications=3, horizon=3 * 86_400, warmup=3_600, seed=2)
    assert sim_planned.throughput_per_h.mean == pytest.approx(sim.throughput_per_h.mean * 22 / 24, rel=0.05)
    series = line_from_store(duck_store, company, "l1", start=start, end=datetime.now(UTC), layout="series")
    assert [s.id for s in series.stations] == ["asm-1", "imm-1", "imm-2", "imm-3"]
    assert all(s.machines == 1 for s in series.stations)
    with pytest.raises(InvalidInput, match="layout"):
        line_from_store(duck_store, company, "l1", layout="diagonal")


def test_line_from_store_refuses_unknown_lines_and_machines(duck_store):
    company = _plant(duck_store)
    with pytest.raises(NotFound):
        line_from_store(duck_store, company, "nope")
    with pytest.raises(NotFound):
        line_from_store(duck_store, company, "l1", stations=[["m1", "zz"]])


def test_a_process_family_enum_is_accepted_for_scrap():
    s = LineModel.from_dict(
        {"stations": [{"id": "x", "process_time": 1, "scrap_from": {"family": ProcessFamily.press}}]}
    )
    assert s.stations[0].scrap_from.family is ProcessFamily.press


def test_one_more_shift_goes_where_the_day_is_idle():
    from sandan.twin.line import Calendar

    day = Calendar(windows=[(8.5, 12.0), (13.0, 17.5)])
    # the evening after the last shift, wrapping past midnight; the windows stay ordered and merged
    assert day.with_shift(8).windows == [(0.0, 1.5), (8.5, 12.0), (13.0, 24.0)]
    # a day and a night shift: the afternoon is the idle stretch, and filling it makes the day full
    two = Calendar(windows=[(0.0, 6.0), (6.5, 14.0), (22.0, 24.0)])
    full = two.with_shift(8)
    assert full.windows == [(0.0, 6.0), (6.5, 24.0)]
    assert full.with_shift(8).windows == [(0.0, 24.0)]  # only the half hour was left
    with pytest.raises(ValueError, match="full"):
        Calendar(windows=[(0.0, 24.0)]).with_shift(8)


def test_the_assistants_what_if_simulates_the_day_a_day_shift_plant_works(duck_store, tmp_path):
    # A plant that works 08:30-17:30: simulation time 0 is midnight, so a run of the morning's first hours used to
    # make nothing at all, with and without one more shift.
    from sandan.assist.registry import ToolContext, default_registry
    from sandan.monitor.calendar import save_company_calendar
    from sandan.settings import Settings

    company, _, _ = _moulding_cell(duck_store)
    day_only = ShiftCalendar(
        shifts=[
            Shift(
                name="day", start=time(8, 30), end=time(17, 30), breaks=[Break(start=time(12), end=time(13))]
            )
        ]
    )
    save_company_calendar(tmp_path, company, day_only)
    ctx = ToolContext(duck_store, company, Settings(data_dir=tmp_path), lang="en")
    tool = default_registry().get("twin_what_if")
    out = tool.function(ctx, line_id="l1", change="add_shift")
    per_h, gain = out.facts["throughput_per_h"], out.facts["change_per_h"]
    # 8 working hours a day against 8 more: the day's output roughly doubles (per hour of the whole day)
    assert per_h > 0 and out.facts["change_ci"][0] > 0
    assert gain == pytest.approx(per_h, rel=0.25)
    assert "24 h" in out.summary["en"]
    # the store does not know the flow: the answer says the three moulding machines were taken as parallel
    assert "Injection moulding ×3" in out.summary["en"] and "병렬" in out.summary["ko"]


def test_a_one_product_line_sets_up_as_often_as_its_machines_did(duck_store):
    # One product, yet the machine stopped for a 30-minute mould change after every 600 parts. Setups used to
    # apply only on a change of product, so the twin never set up and made 360/h where the machine made 277/h.
    company = _plant(duck_store, machines=("m1",))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=14)
    t, parts, events = start, [], []
    for block in range(6):
        for i in range(600):
            t += timedelta(seconds=10)
            parts.append(
                {"time": t.isoformat(), "machine_id": "m1", "part_id": f"b{block}-{i}", "result": "ok"}
            )
        events.append(
            {
                "machine_id": "m1",
                "start": t.isoformat(),
                "end": (t + timedelta(minutes=30)).isoformat(),
                "state": "setup",
                "reason_code": "mould_change",
            }
        )
        t += timedelta(minutes=30)
    assert ingest_parts(duck_store, company, parts).rejected == 0
    assert ingest_events(duck_store, company, events).rejected == 0
    line = line_from_store(duck_store, company, "l1", start=start, end=t)
    (station,) = line.stations
    assert station.setup_every == 600 and station.setup_time.expected == pytest.approx(1800, rel=0.01)
    real = 3600 / ((t - start).total_seconds() / 3600)  # good parts per hour, setups included
    sim = run_line(line, replications=3, horizon=2 * 86_400, warmup=3_600, seed=1)
    assert sim.throughput_per_h.mean == pytest.approx(real, rel=0.05)
    # the quick estimate counts the periodic setups too: still a bound, and no longer one that ignores them
    bound = line.bottleneck_rate() * 3600
    assert sim.throughput_per_h.mean <= bound * 1.01 and bound == pytest.approx(real, rel=0.05)
    with pytest.raises(InvalidInput, match="setup_every needs a setup_time"):
        LineModel.from_dict({"stations": [{"id": "x", "process_time": 1, "setup_every": 10}]})


def test_a_line_waits_for_material_as_often_and_as_long_as_its_machines_did(duck_store):
    # 300 parts at 10 s, then 10 minutes waiting for material, eleven times over; twice the machine also stood
    # idle without a reason, which may be starving in a line of several stations and is not taken as a wait.
    company = _plant(duck_store, machines=("m1",))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=14)
    t, parts, events = start, [], []

    def stop(minutes: int, reason: str | None) -> None:
        nonlocal t
        end = t + timedelta(minutes=minutes)
        events.append(
            {
                "machine_id": "m1",
                "start": t.isoformat(),
                "end": end.isoformat(),
                "state": "idle",
                "reason_code": reason,
            }
        )
        t = end

    for block in range(12):
        for i in range(300):
            t += timedelta(seconds=10)
            parts.append(
                {"time": t.isoformat(), "machine_id": "m1", "part_id": f"b{block}-{i}", "result": "ok"}
            )
        if block < 11:
            stop(10, "waiting_material")
        if block in (3, 7):
            stop(5, None)
    assert ingest_parts(duck_store, company, parts).rejected == 0
    assert ingest_events(duck_store, company, events).rejected == 0
    line = line_from_store(duck_store, company, "l1", start=start, end=t)
    (station,) = line.stations
    assert station.failure is None and station.waits is not None
    assert station.waits.lasting.expected == pytest.approx(600, rel=0.01)
    assert station.waits.every.expected == pytest.approx(36_000 / 11, rel=0.01)  # operating time per wait
    assert station.availability == pytest.approx(1 / (1 + 600 / (36_000 / 11)), rel=0.01)
    # the machine's pace while it was not standing for lack of a reason: 3600 parts over the rest of the time
    real = 3600 / ((t - start).total_seconds() - 2 * 300) * 3600
    sim = run_line(line, replications=3, horizon=2 * 86_400, warmup=3_600, seed=1)
    assert sim.throughput_per_h.mean == pytest.approx(real, rel=0.05)
    assert sim.stations["m1"]["idle"].mean == pytest.approx(600 / (600 + 36_000 / 11), rel=0.15)
    assert sim.stations["m1"]["down"].mean == 0
    # written by hand, a bare number is an exponential mean
    hand = LineModel.from_dict(
        {"stations": [{"id": "x", "process_time": 10, "waits": {"every": 3000, "lasting": 600}}]}
    )
    assert hand.stations[0].waits.every.kind == "exponential" and hand.stations[
        0
    ].availability == pytest.approx(3000 / 3600)


def test_a_station_no_product_visits_is_refused_saying_where_to_add_it():
    """A station added to a line whose products keep their routings would sit idle at 0 %, and a design would buy
    machines for it: refused, naming it, in both languages, and in the editor's list of issues."""
    from pydantic import ValidationError

    data = {
        "id": "l",
        "stations": [
            {"id": "cnc", "process_time": 30, "buffer": 5},
            {"id": "deburr", "process_time": 30, "buffer": 5},
            {"id": "wash", "process_time": 10, "buffer": 5},
        ],
        "products": [{"id": "p", "routing": ["cnc"]}],
    }
    with pytest.raises(InvalidInput) as err:
        LineModel.from_dict(data)
    assert "no product's routing visits stations 'deburr', 'wash': add them" in err.value.en
    assert "라우팅에도 없는 공정: 'deburr', 'wash'" in err.value.ko and "문제 1건" in err.value.ko
    with pytest.raises(ValidationError) as exc:
        LineModel.model_validate(data)
    (issue,) = service.line_issues(exc.value, data)
    assert issue["field"] == "products" and "YAML의 라우팅" in issue["ko"]
    # without products, one product visits every station: nothing idle
    assert LineModel.from_dict({**data, "products": []}).products[0].routing[-1].station == "wash"


def test_the_layout_sketch_cuts_a_long_station_name_and_keeps_it_whole_on_hover():
    from sandan.twin.layout import layout_svg

    name = "사출기 1호기 IMM 1 (150 t) / 사출기 2호기 IMM 2 (150 t) / 사출기 3호기 IMM 3 (220 t)"
    line = LineModel.from_dict(
        {"id": "l", "stations": [{"id": "injection", "name": name, "machines": 3, "process_time": 30}]}
    )
    svg = layout_svg(line, lang="ko")
    shown = re.search(rf"<title>{re.escape(name)}</title>([^<]*)</text>", svg).group(1)
    assert "…" in shown and shown.startswith("사출기") and shown.endswith("t)")
    assert text_width(shown, 10) <= 120  # inside its 130 px box
    # a long station id is cut too, whole on hover, and stays inside its box
    long_id = "station_number_0_welding_and_grinding"
    one = LineModel.from_dict({"id": "l", "stations": [{"id": long_id, "machines": 1, "process_time": 30}]})
    svg = layout_svg(one, lang="ko")
    shown = re.search(rf"<title>{long_id}</title>([^<]*)</text>", svg).group(1)
    assert "…" in shown and text_width(shown, 12 * 1.1) <= 120
    # a failure's times with separators and in hours, as the other pages write long times
    failing = line.with_changes({"stations.injection.failure": {"mtbf": 10753, "mttr": 600}})
    assert "MTBF 10,753 s (3.0 h), MTTR 600 s" in layout_svg(failing, lang="ko")


def test_instance_files_with_a_word_for_a_number_say_which_word():
    from sandan.twin.balance import parse_in2
    from sandan.twin.schedule import parse_jsplib

    for parse, text in (
        (parse_jsplib, "2 2\n0 3 1 garbage\n1 2 0 4\n"),
        (parse_in2, "2\n5\ngarbage\n1,2\n-1,-1\n"),
    ):
        with pytest.raises(InvalidInput) as err:
            parse(text, "x.txt")
        assert (
            "'garbage'은(는) 정수가 아닙니다" in err.value.ko
            and "invalid literal" not in err.value.en + err.value.ko
        )


def test_the_yaml_a_person_edits_has_no_float_tails_and_no_empty_names():
    line = LineModel.from_dict(
        {
            "id": "l1",
            "stations": [
                {"id": "s1", "process_time": {"kind": "lognormal", "mean": 352.3294618095238, "sd": 12.5}}
            ],
            "products": [{"id": "p", "name": "", "routing": ["s1"]}],
        }
    )
    text = line.to_yaml()
    assert "mean: 352.329" in text and "3294618" not in text and "name: ''" not in text
    assert LineModel.from_yaml(text).stations[0].process_time.expected == pytest.approx(352.329)
