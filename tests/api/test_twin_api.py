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
    assert done["progress"] == {"done": 3, "total": 3, "percent": 100.0}
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


def test_an_unknown_change_in_a_scenario_names_it(world):
    body = {"yaml": LINE, **SHORT, "scenarios": [{"name": "x", "changes": {"stations.weld.machines": 2}}]}
    err = assert_error(world.post("a-eng", f"{A}/twin/compare", json=body), 422, "bad_change")
    assert err["where"]["field"] == "stations.weld.machines"


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
