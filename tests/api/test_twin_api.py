"""The digital twin over HTTP: line models checked with field-level messages and kept per company, simulation and
scenario comparison as jobs with progress whose KPIs are the simulation function's, and a checked schedule."""

from __future__ import annotations

import time

import pytest

from sandan.twin import service
from sandan.twin.line import LineModel
from sandan.twin.schedule import check_schedule, parse_jsplib
from sandan.twin.sim import run_line
from tests.api.world import assert_error

A = "/api/v1/companies/acme"
B = "/api/v1/companies/bravo"

LINE = """
id: bracket
name: 브래킷 라인
stations:
  - {id: cut, process_time: 20, buffer: 4}
  - id: drill
    machines: 2
    process_time: {kind: exponential, mean: 45}
    failure: {mtbf: 7200, mttr: 600}
    buffer: 4
  - {id: pack, process_time: 18, buffer: 3}
"""
SHORT = {"replications": 3, "hours": 2.0, "warmup_hours": 0.5, "seed": 7}
# ft06-like 3×3 instance; its optimum 11 is found at once
JSP = "# tiny\n3 3\n0 3 1 2 2 2\n0 2 2 1 1 4\n1 4 2 3 0 1\n"


def wait(world, user: str, base: str, job: dict, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = world.get(user, f"{base}/jobs/{job['id']}").json()
        if got["state"] in ("done", "failed"):
            return got
        time.sleep(0.05)
    raise AssertionError(f"job {job['id']} did not finish")


def test_a_valid_line_is_checked_and_summarised(world):
    r = world.post("a-view", f"{A}/twin/lines/validate", json={"yaml": LINE})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] and body["summary"]["analytic_bottleneck"] == "drill"
    assert body["summary"]["bottleneck_rate_per_h"] == pytest.approx(
        LineModel.from_yaml(LINE).bottleneck_rate() * 3600
    )


def test_an_invalid_line_names_every_field_in_both_languages(world):
    bad = "stations:\n  - {id: cut, process_time: 20, machines: 0}\n  - {id: drill}\n"
    err = assert_error(
        world.post("a-eng", f"{A}/twin/lines/validate", json={"yaml": bad}), 422, "bad_line_model"
    )
    assert err["where"]["field"] == "stations.0.machines"
    assert [e["field"] for e in err["where"]["errors"]] == ["stations.0.machines", "stations.1.process_time"]
    assert err["message"]["en"].startswith("stations[cut].machines")
    assert "1 이상" in err["message"]["ko"] and "그 밖에 1개 문제" in err["message"]["ko"]


def test_a_rule_of_the_whole_line_points_at_the_part_it_is_about(world):
    bad = "stations: [{id: a, process_time: 1}]\nproducts: [{id: p, routing: [b]}]\n"
    err = assert_error(
        world.post("a-eng", f"{A}/twin/lines/validate", json={"yaml": bad}), 422, "bad_line_model"
    )
    assert err["where"]["field"] == "products"
    assert "없는 공정 'b'" in err["message"]["ko"]


def test_broken_yaml_gives_line_and_column(world):
    err = assert_error(
        world.post("a-eng", f"{A}/twin/lines/validate", json={"yaml": "stations: [a: b: c]"}), 422, "bad_yaml"
    )
    assert err["where"]["line"] == 1 and err["where"]["column"] == 16


def test_saved_lines_are_listed_and_read_back_as_written(world):
    r = world.post("a-eng", f"{A}/twin/lines", json={"yaml": LINE})
    assert r.status_code == 201, r.text
    assert [x["id"] for x in world.get("a-view", f"{A}/twin/lines").json()] == ["bracket"]
    got = world.get("a-view", f"{A}/twin/lines/bracket").json()
    assert got["yaml"] == LINE and got["summary"]["stations"][1]["machines"] == 2


def test_a_viewer_cannot_save_a_line(world):
    assert_error(world.post("a-view", f"{A}/twin/lines", json={"yaml": LINE}), 403)


def test_a_line_id_that_is_not_a_safe_file_name_is_refused(world):
    bad = LINE.replace("id: bracket", "id: ../../etc")
    assert_error(world.post("a-eng", f"{A}/twin/lines", json={"yaml": bad}), 422, "bad_line_id")
    # without an id it would be kept under the default 'line', over any other model saved without one
    unnamed = LINE.replace("id: bracket\n", "")
    assert_error(world.post("a-eng", f"{A}/twin/lines", json={"yaml": unnamed}), 422, "no_line_id")


def test_bravo_cannot_see_or_use_acmes_lines(world):
    assert world.post("a-eng", f"{A}/twin/lines", json={"yaml": LINE}).status_code == 201
    assert world.get("b-eng", f"{B}/twin/lines").json() == []
    assert_error(world.get("b-eng", f"{B}/twin/lines/bracket"), 404, "unknown_line_model")
    assert_error(world.get("b-eng", f"{A}/twin/lines/bracket"), 404)
    assert_error(world.post("b-eng", f"{B}/twin/runs", json={"line_id": "bracket", **SHORT}), 404)
    assert_error(world.post("b-eng", f"{A}/twin/runs", json={"line_id": "bracket", **SHORT}), 404)


def test_a_run_reports_progress_and_the_kpis_of_the_simulation_function(world):
    world.post("a-eng", f"{A}/twin/lines", json={"yaml": LINE})
    r = world.post("a-view", f"{A}/twin/runs", json={"line_id": "bracket", **SHORT})
    assert r.status_code == 202, r.text
    done = wait(world, "a-view", A, r.json())
    assert done["state"] == "done", done["error"]
    assert done["progress"] == {"done": 3, "total": 3, "percent": 100.0, "remaining_s": None}
    assert "3/3" in done["message"]
    expected = run_line(LineModel.from_yaml(LINE), replications=3, horizon=7200, warmup=1800, seed=7)
    got = done["result"]
    for kpi in ("throughput_per_h", "lead_time_s", "wip"):
        assert got["line"][kpi]["mean"] == pytest.approx(expected.line[kpi].mean)
        assert got["line"][kpi]["half_width"] == pytest.approx(expected.line[kpi].half_width)
    assert got["bottleneck"] == expected.bottleneck
    assert got["stations"]["drill"]["utilisation"]["mean"] == pytest.approx(
        expected.stations["drill"]["utilisation"].mean
    )
    assert set(got["stations"]["cut"]) >= {"blocked", "starved", "utilisation", "sole_bottleneck"}


def test_a_run_with_bad_settings_is_refused_before_it_starts(world):
    err = assert_error(
        world.post(
            "a-eng", f"{A}/twin/runs", json={"yaml": LINE, "replications": 3, "hours": 1, "warmup_hours": 2}
        ),
        422,
        "bad_run_length",
    )
    assert err["where"]["field"] == "warmup_hours"
    assert_error(world.post("a-eng", f"{A}/twin/runs", json={"replications": 3}), 422, "no_line")


def test_scenarios_are_compared_side_by_side_against_the_line(world):
    body = {
        "yaml": LINE,
        **SHORT,
        "scenarios": [{"name": "3 drills", "changes": {"stations.drill.machines": 3}}],
    }
    r = world.post("a-eng", f"{A}/twin/compare", json=body)
    assert r.status_code == 202, r.text
    done = wait(world, "a-eng", A, r.json())
    assert done["state"] == "done", done["error"]
    table = {row["scenario"]: row for row in done["result"]["table"]}
    assert set(table) == {"baseline", "3 drills"}
    diff = table["3 drills"]["throughput_per_h_vs_baseline"]
    assert diff["mean"] == pytest.approx(
        table["3 drills"]["throughput_per_h"]["mean"] - table["baseline"]["throughput_per_h"]["mean"]
    )


def test_a_sweep_simulates_each_value_side_by_side_and_refuses_what_it_cannot_run(world):
    """The drill's machine count swept over 1, 2, 3: one scenario per value beside the line as it is, named by its
    change; throughput grows with the drills until the other station limits it. Too many combinations, an unknown
    path and a parameter without a list of values are refused before a job starts."""
    body = {"yaml": LINE, **SHORT, "parameters": {"stations.drill.machines": [1, 2, 3]}}
    r = world.post("a-eng", f"{A}/twin/sweep", json=body)
    assert r.status_code == 202, r.text
    done = wait(world, "a-eng", A, r.json())
    assert done["state"] == "done", done["error"]
    table = {row["scenario"]: row for row in done["result"]["table"]}
    named = [f"stations.drill.machines={n}" for n in (1, 2, 3)]
    assert list(table) == ["baseline", *named]
    rates = [table[n]["throughput_per_h"]["mean"] for n in named]
    assert rates[0] < rates[1] <= rates[2] * 1.05
    many = {
        **body,
        "parameters": {"stations.drill.machines": [1, 2, 3, 4], "stations.cut.machines": [1, 2, 3, 4]},
    }
    err = assert_error(world.post("a-eng", f"{A}/twin/sweep", json=many), 422, "bad_sweep")
    assert "16 variants" in err["message"]["en"] and "grid: false" in err["message"]["en"]
    side = {**many, "grid": False}  # four pairs side by side: allowed
    assert world.post("a-eng", f"{A}/twin/sweep", json=side).status_code == 202
    unknown = {**body, "parameters": {"stations.weld.machines": [2]}}
    assert_error(world.post("a-eng", f"{A}/twin/sweep", json=unknown), 422, "bad_change")
    assert_error(world.post("a-eng", f"{A}/twin/sweep", json={**body, "parameters": {}}), 422)


def test_an_unknown_change_in_a_scenario_names_it(world):
    body = {"yaml": LINE, **SHORT, "scenarios": [{"name": "x", "changes": {"stations.weld.machines": 2}}]}
    err = assert_error(world.post("a-eng", f"{A}/twin/compare", json=body), 422, "bad_change")
    assert err["where"]["field"] == "stations.weld.machines"
    assert err["message"]["en"].startswith("scenario 'x': ") and err["message"]["ko"].startswith(
        "시나리오 'x': "
    )


def test_a_schedule_comes_back_checked_with_its_gantt(world):
    r = world.post("a-eng", f"{A}/twin/schedule", json={"text": JSP, "time_limit_s": 5})
    assert r.status_code == 202, r.text
    done = wait(world, "a-eng", A, r.json())
    assert done["state"] == "done", done["error"]
    res = done["result"]
    assert res["checked"] and res["makespan"] == 11 and res["status"] == "optimal"
    assert sorted(res["gantt"]["machines"]) == ["M0", "M1", "M2"]
    from sandan.twin.schedule import ScheduledOp

    ops = [ScheduledOp(**o) for o in res["schedule"]]
    assert check_schedule(parse_jsplib(JSP), ops) == []


def test_the_orders_template_filled_in_is_scheduled_from_the_file(world):
    r = world.get("a-eng", f"{A}/twin/schedule/orders.xlsx")
    assert r.status_code == 200 and r.content.startswith(b"PK")
    import io

    import pandas as pd

    sheets = pd.read_excel(io.BytesIO(r.content), sheet_name=None)
    assert set(sheets) == {"orders", "setups"} and "job (작업)" in sheets["orders"].columns
    # a planner keeps two orders and changes a time, as one would in Excel
    orders = sheets["orders"]
    orders = orders[orders["job (작업)"].isin(["ORD-001", "ORD-002"])].copy()
    orders.loc[orders.index[0], "minutes (분)"] = 40
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="xlsxwriter") as w:
        orders.to_excel(w, sheet_name="orders", index=False)
    files = {"file": ("week 11.xlsx", out.getvalue(), "application/octet-stream")}
    data = {"time_limit_s": "5", "start": "2025-03-10T08:00"}  # a Monday, on the default two shifts
    r = world.post("a-eng", f"{A}/twin/schedule/file", files=files, data=data)
    assert r.status_code == 202, r.text
    done = wait(world, "a-eng", A, r.json())
    assert done["state"] == "done", done["error"]
    res = done["result"]
    assert res["checked"] and res["jobs"] == 2 and done["label"] == "week 11"
    first = [o for o in res["schedule"] if o["job"] == "ORD-001" and o["op"] == 0]
    assert first and first[0]["end"] - first[0]["start"] == 40
    assert res["clock"]["start"] == "2025-03-10T08:00:00+09:00"
    assert all(o["start_at"] >= "2025-03-10T08:00" for o in res["schedule"]) and res["makespan_at"]
    bad = {"file": ("orders.csv", b"job,machine,minutes\nA,M1,zero\n", "text/csv")}
    err = assert_error(world.post("a-eng", f"{A}/twin/schedule/file", files=bad), 422, "bad_orders")
    assert "row 2" in err["message"]["en"] and "2행" in err["message"]["ko"]


def test_bad_shop_orders_say_what_is_wrong(world):
    text = "jobs:\n  - name: A\n    operations: [{machine: M1, duration: -3}]\n"
    err = assert_error(world.post("a-eng", f"{A}/twin/schedule", json={"text": text}), 422)
    assert "-3" in err["message"]["en"] and err["message"]["ko"]


def test_a_line_is_built_from_what_the_store_knows(world):
    from sandan.domain import Machine

    world.store.upsert_machine(
        "acme", Machine(id="m1", company_id="acme", line_id="l1", name="Press 1", ideal_cycle_time_s=30)
    )
    r = world.post("a-eng", f"{A}/lines/l1/twin", json={})
    assert r.status_code == 200, r.text
    line = service.parse_line(r.json()["yaml"])
    assert [s.id for s in line.stations] == ["m1"] and line.stations[0].process_time.expected == 30
    assert_error(world.post("b-eng", f"{B}/lines/l1/twin", json={}), 422, "no_cycle_time")
    err = assert_error(world.post("a-eng", f"{A}/lines/l1/twin", json={"layout": "diagonal"}), 422)
    assert "layout" in str(err)


def _keys(value) -> set[str]:
    """Every mapping key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | set().union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    return set()


def test_a_run_result_shows_no_internal_bookkeeping(world):
    r = world.post("a-view", f"{A}/twin/runs", json={"yaml": LINE, **SHORT, "replications": 2})
    done = wait(world, "a-view", A, r.json())
    assert done["state"] == "done", done["error"]
    assert not [k for k in _keys(done["result"]) if k.startswith("_")]
    # the engine's work is reported under public names
    assert done["result"]["operations"] > 0 and done["result"]["wall_s"] > 0
    assert "_operations" not in done["result"]["line"]


def test_broken_shop_orders_give_line_and_column(world):
    text = "jobs:\n  - name: A\n    operations: [{machine: M1, duration: 3}\n"
    for fmt in ("auto", "orders"):
        err = assert_error(
            world.post("a-eng", f"{A}/twin/schedule", json={"text": text, "format": fmt}), 422, "bad_yaml"
        )
        assert (err["where"]["line"], err["where"]["column"]) == (4, 1)
        assert err["where"]["field"] == "text" and "line 4, column 1" in err["message"]["en"]
        assert err["message"]["en"].startswith("the text of the shop orders is not valid YAML")


def test_shop_orders_with_a_word_for_a_number_are_refused(world):
    text = "jobs:\n  - {name: A, due: soon, operations: [{machine: M, duration: 3}]}\n"
    err = assert_error(world.post("a-eng", f"{A}/twin/schedule", json={"text": text}), 422, "bad_number")
    assert "A due" in err["message"]["en"] and err["where"]["field"] == "jobs[0]"


DESIGN_LINE = """
id: design-line
stations:
  - {id: cut, process_time: 20, buffer: 4, machine_cost: 100}
  - {id: drill, process_time: 45, buffer: 4, machine_cost: 300}
release: {policy: conwip, wip: 8}
"""
DESIGN = {
    "yaml": DESIGN_LINE,
    "space": {"machines": {"drill": [1, 3]}},
    "target": 120,
    "replications": 2,
    "hours": 1.0,
    "warmup_hours": 0.2,
    "trials": 10,
}


def test_a_design_is_chosen_in_a_job_as_the_design_function_chooses_it(world):
    from sandan.twin.design import optimize_design

    r = world.post("a-view", f"{A}/twin/design", json=DESIGN)
    assert r.status_code == 202, r.text
    done = wait(world, "a-view", A, r.json())
    assert done["state"] == "done", done["error"]
    assert done["progress"]["done"] == done["progress"]["total"] == 3
    got = done["result"]
    expected = optimize_design(
        LineModel.from_yaml(DESIGN_LINE),
        DESIGN["space"],
        target=120,
        replications=2,
        horizon=3600,
        warmup=720,
        n_trials=10,
        backend="serial",
    )
    assert got["kind"] == "design" and got["best"]["changes"] == expected.best.changes
    assert got["best"]["throughput_per_h"]["mean"] == pytest.approx(expected.best.throughput.mean)
    assert got["best"]["cost"] == expected.best.cost and got["best"]["feasible"]
    assert (
        LineModel.from_yaml(got["yaml"]).station("drill").machines
        == expected.best.changes["stations.drill.machines"]
    )
    assert not [k for k in _keys(got) if k.startswith("_")]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"space": {"machines": {"weld": [1, 2]}}}, "bad_design_space", "space.machines.weld"),
        ({"space": {"machines": {"drill": 3}}}, "bad_design_space", "space.machines.drill"),
        ({"space": "machines: {drill: [1, 3]"}, "bad_yaml", "space"),
        ({"space": {"furnaces": {"drill": [1, 2]}}}, "bad_design_space", "space.furnaces"),
        ({"budget": 1000}, "bad_design_goal", "target"),
        ({"warmup_hours": 2.0}, "bad_run_length", "warmup_hours"),
    ],
)
def test_a_design_request_that_cannot_work_is_refused_before_it_starts(world, change, code, field):
    err = assert_error(world.post("a-eng", f"{A}/twin/design", json={**DESIGN, **change}), 422, code)
    if field:
        assert err["where"]["field"] == field


def test_a_design_needs_a_line_the_company_has(world):
    body = {k: v for k, v in DESIGN.items() if k != "yaml"}
    assert_error(world.post("a-eng", f"{A}/twin/design", json={**body, "line_id": "nope"}), 404)
    assert_error(world.post("a-eng", f"{A}/twin/design", json=body), 422, "no_line")


BALANCE = """
tasks:
  - {name: a, time: 5}
  - {name: b, time: 4, after: [a]}
  - {name: c, time: 3, after: [a]}
  - {name: d, time: 6, after: [b, c]}
"""
IN2 = "4\n5\n4\n3\n6\n1,2\n1,3\n2,4\n3,4\n-1,-1\n"


def test_a_line_is_balanced_in_a_job_and_the_plan_is_checked(world):
    from sandan.twin.balance import check_balance, parse_line_problem

    r = world.post("a-eng", f"{A}/twin/balance", json={"text": BALANCE, "cycle_time": 9, "time_limit_s": 5})
    assert r.status_code == 202, r.text
    done = wait(world, "a-eng", A, r.json())
    assert done["state"] == "done", done["error"]
    got = done["result"]
    assert got["kind"] == "balance" and got["salbp"] == "salbp1" and got["status"] == "optimal"
    assert got["num_stations"] == 2 and got["checked"]  # Σt = 18 = 2 × 9: two full stations
    assignment = {t: s["index"] for s in got["stations"] for t in s["tasks"]}
    import yaml

    assert check_balance(parse_line_problem(yaml.safe_load(BALANCE)), assignment, 9) == []


def test_a_line_timed_to_tenths_is_balanced_in_its_own_unit(world):
    text = "time_unit: s\ntasks:\n  - {name: a, time: 4.5}\n  - {name: b, time: 4.4, after: [a]}\n"
    text += "  - {name: c, time: 3.1, after: [a]}\n  - {name: d, time: 6.2, after: [b, c]}\n"
    r = world.post("a-eng", f"{A}/twin/balance", json={"text": text, "cycle_time": 8.9, "time_limit_s": 5})
    done = wait(world, "a-eng", A, r.json())
    assert done["state"] == "done", done["error"]
    got = done["result"]
    # {a, b} 8.9 s and {c, d} 9.3 s would not fit: three stations, loads in seconds with their tenths
    assert got["cycle_time"] == 8.9 and got["num_stations"] == 3 and got["checked"], got
    assert sorted(s["load"] for s in got["stations"]) == [3.1, 6.2, 8.9] and got["total_time"] == 18.2
    done = wait(
        world, "a-eng", A, world.post("a-eng", f"{A}/twin/balance", json={"text": text, "stations": 2}).json()
    )
    assert (
        done["result"]["cycle_time"] == 9.3 and done["result"]["status"] == "optimal"
    )  # {a, c} 7.6, {b, d} 10.6…


def test_an_in2_graph_is_balanced_for_a_number_of_stations(world):
    body = {"text": IN2, "stations": 3, "time_limit_s": 5}
    done = wait(world, "a-view", A, world.post("a-view", f"{A}/twin/balance", json=body).json())
    assert done["state"] == "done", done["error"]
    # 3 stations: {1}, {2,3} and {4} give 7 — and no split does better (5+4 > 7 or 6 alone with 3+… ).
    assert done["result"]["cycle_time"] == 7 and done["result"]["status"] == "optimal"


def test_an_alb_text_is_balanced_for_the_cycle_time_it_states(world):
    text = "<number of tasks>\n4\n<cycle time>\n9\n<task times>\n1 5\n2 4\n3 3\n4 6\n"
    text += "<precedence relations>\n1,2\n1,3\n2,4\n3,4\n<end>\n"
    done = wait(world, "a-view", A, world.post("a-view", f"{A}/twin/balance", json={"text": text}).json())
    assert done["state"] == "done", done["error"]
    got = done["result"]
    # {1,2} 9, {3,4} 9: Σt = 18 fills two stations of 9 exactly
    assert got["salbp"] == "salbp1" and got["cycle_time"] == 9 and got["num_stations"] == 2 and got["checked"]


def test_a_yaml_line_is_balanced_for_the_cycle_time_it_states(world):
    text = "cycle_time: 9\n" + BALANCE
    done = wait(world, "a-view", A, world.post("a-view", f"{A}/twin/balance", json={"text": text}).json())
    assert done["state"] == "done", done["error"]
    assert (
        done["result"]["salbp"] == "salbp1"
        and done["result"]["cycle_time"] == 9
        and done["result"]["checked"]
    )


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"text": "tasks:\n  - {name: a, time: 5\n", "cycle_time": 9}, "bad_yaml", "text"),
        ({"text": BALANCE}, "bad_balance_goal", "cycle_time"),
        ({"text": BALANCE, "cycle_time": 9, "stations": 2}, "bad_balance_goal", "cycle_time"),
        ({"text": BALANCE, "cycle_time": 4}, "bad_cycle_time", "cycle_time"),
        ({"text": BALANCE, "cycle_time": 1e300}, "bad_number", "cycle_time"),  # refused before the job starts
        ({"text": "tasks:\n  - {name: a, time: five}\n", "cycle_time": 9}, "bad_number", "tasks[0].time"),
        ({"text": "", "cycle_time": 9}, "empty_line_problem", "text"),
    ],
)
def test_a_balancing_request_that_cannot_work_says_why(world, body, code, field):
    err = assert_error(world.post("a-eng", f"{A}/twin/balance", json=body), 422, code)
    assert err["where"]["field"] == field


def test_another_company_cannot_read_a_design_or_balance_job(world):
    r = world.post("a-eng", f"{A}/twin/balance", json={"text": BALANCE, "cycle_time": 9, "time_limit_s": 5})
    job = r.json()
    assert_error(world.get("b-eng", f"{B}/jobs/{job['id']}"), 404)
    assert_error(world.get("b-eng", f"{A}/jobs/{job['id']}"), 404)


def test_a_broken_scenario_line_points_at_the_scenario(world):
    body = {"yaml": LINE, **SHORT, "scenarios": [{"name": "x", "yaml": "stations: [a: b: c]"}]}
    err = assert_error(world.post("a-eng", f"{A}/twin/compare", json=body), 422, "bad_yaml")
    assert err["where"]["field"] == "scenarios.0.yaml" and err["where"]["line"] == 1


def test_a_long_run_is_stopped_by_whoever_started_it_or_a_writer_not_another_viewer(world):
    world.post("a-eng", f"{A}/twin/lines", json={"yaml": LINE})
    body = {"line_id": "bracket", "replications": 60, "hours": 700, "warmup_hours": 1, "seed": 3}
    job = world.post("a-eng", f"{A}/twin/runs", json=body).json()
    # a viewer who did not start it may not stop it
    assert_error(world.post("a-view", f"{A}/jobs/{job['id']}/cancel"), 403)
    r = world.post("a-eng", f"{A}/jobs/{job['id']}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["cancel_requested"] or r.json()["state"] == "failed"
    done = wait(world, "a-eng", A, job)
    assert done["state"] == "failed" and done["error"]["code"] == "cancelled" and done["result"] is None
    assert_error(world.post("a-eng", f"{A}/jobs/{job['id']}/cancel"), 409, "job_finished")
