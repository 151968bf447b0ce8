"""Bad input to the twin commands (`sandan schedule`, `sandan balance`, `sandan twin run|optimize`): a clear message
in both languages that says what was wrong and where, exit code 2 — never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandan.cli.main import app

LINE = "id: l\nstations:\n  - {id: cut, process_time: 20, buffer: 4}\n  - {id: drill, process_time: 30, buffer: 4}\n"


def sandan(*args: str) -> tuple[int, str]:
    """Run a command in-process; the output (stdout and stderr) with its line wrapping undone."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    # An uncaught exception would end with exit code 1 and `result.exception` set to it.
    assert result.exit_code in (0, 2), (result.exit_code, result.exception, result.output)
    text = " ".join(result.output.split())
    assert "Traceback" not in result.output
    return result.exit_code, text


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_shop_orders_name_the_line_and_column(tmp_path):
    orders = write(
        tmp_path, "orders.yaml", "jobs:\n  - name: A\n    operations: [{machine: M1, duration: 3}\n"
    )
    code, out = sandan("schedule", orders)
    assert code == 2
    assert "not valid YAML at line 4, column 1" in out and "4행 1열" in out


def test_malformed_json_orders_name_the_line_and_column(tmp_path):
    orders = write(tmp_path, "orders.json", '{"jobs": [\n  {"name": "A",, }\n]}')
    code, out = sandan("schedule", orders)
    assert code == 2 and "not valid JSON at line 2, column 16" in out


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "jobs:\n  - {name: A, due: soon, operations: [{machine: M, duration: 3}]}\n",
            "A due must be a whole number",
        ),
        ("jobs:\n  - {name: A, operations: [{alternatives: {}}]}\n", "'alternatives' is empty"),
        (
            "jobs:\n  - {name: A, operations: [{machine: M, duration: 3}]}\nsetups: 5\n",
            "'setups' must be a list",
        ),
        (
            "jobs:\n  - {name: A, operations: [{machine: M, duration: 3}]}\nmachines: M\n",
            "'machines' must be a list",
        ),
    ],
)
def test_shop_orders_with_wrong_values_say_which(tmp_path, text, said):
    code, out = sandan("schedule", write(tmp_path, "o.yaml", text), "--time-limit", "1")
    assert code == 2 and said in out


def test_a_job_shop_file_that_is_not_utf8_text_says_so(tmp_path):
    path = tmp_path / "ft.txt"
    path.write_bytes(b"\xff\xfe 3 3\n")
    code, out = sandan("schedule", path)
    assert code == 2 and "not UTF-8 text" in out


def test_malformed_balancing_yaml_names_the_line_and_column(tmp_path):
    line = write(tmp_path, "line.yaml", "tasks:\n  - {name: a, time: 5\n  - {name: b, time: 4}\n")
    code, out = sandan("balance", line, "--cycle-time", "9")
    assert code == 2 and "not valid YAML at line 3" in out and "3행" in out


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("tasks:\n  - {name: a, time: five}\n", "task 'a' time must be a number ≥ 0"),
        ("tasks:\n  - {name: a, time: 5, after: 7}\n", "unknown task"),
        ("tasks:\n  - {name: a, time: 5}\nworkers: [{skills: []}]\n", "workers[0] needs a 'name'"),
        (
            "tasks:\n  - {name: a, time: 5}\nworkers: [{name: w, task_times: {a: x}}]\n",
            "worker 'w''s time for 'a' must be a number ≥ 0",
        ),
        ("tasks:\n  - {name: a, time: five}\n", "작업 'a'의 시간은 0 이상의 수여야 합니다"),
        ("tasks:\n  - {name: a, time: 5.5555}\n", "at most 3 decimals"),
        ("tasks:\n  - {name: a, time: 5, after: [b]}\n  - {name: b, time: 4, after: [a]}\n", "a → b → a"),
        ("tasks:\n  - {name: a, time: 5, after: a}\n", "has a cycle: a → a"),
        ("tasks:\n  - {name: a, time: 5}\n  - {name: a, time: 3}\n", "is used twice"),
    ],
)
def test_a_balancing_problem_with_wrong_values_says_which(tmp_path, text, said):
    code, out = sandan("balance", write(tmp_path, "line.yaml", text), "--cycle-time", "9")
    assert code == 2 and said in out


def test_an_in2_file_with_a_bad_pair_names_its_line(tmp_path):
    code, out = sandan("balance", write(tmp_path, "p.IN2", "2\n3\n4\n1;x\n-1,-1\n"), "--stations", "1")
    assert code == 2 and "line 4 is not a pair" in out


def test_an_alb_file_is_balanced_for_its_own_cycle_time(tmp_path):
    text = "<number of tasks>\n3\n<cycle time>\n9\n<task times>\n1 5\n2 4\n3 6\n<precedence relations>\n1,3\n<end>\n"
    code, out = sandan("balance", write(tmp_path, "n_3.alb", text))
    assert code == 0, out
    assert "salbp1 optimal · 2 stations" in out and "cycle time 9" in out
    code, out = sandan("balance", write(tmp_path, "n_3b.alb", text), "--stations", "3")
    assert code == 0 and "salbp2 optimal" in out and "cycle time 6" in out


def test_a_broken_line_model_names_line_column_and_field(tmp_path):
    code, out = sandan("twin", "run", write(tmp_path, "line.yaml", "stations: [a: b: c]\n"))
    assert code == 2 and "line 1, column 16" in out
    code, out = sandan(
        "twin", "run", write(tmp_path, "line2.yaml", LINE.replace("buffer: 4}", "machines: 0}", 1))
    )
    assert code == 2 and "stations[cut].machines" in out and "1 이상" in out


@pytest.mark.parametrize(
    ("space", "said"),
    [
        ("machines: {cut: [1, 2]\n", "not valid YAML at line 2"),
        ("machines: {cut: 3}\n", "give [min, max]"),
        ("machines: {cut: [one, 2]}\n", "must be a whole number"),
        ("furnaces: {cut: [1, 2]}\n", "unknown key(s) in the design space: furnaces"),
        ("- 1\n- 2\n", "must be a mapping"),
        ("machines: {weld: [1, 2]}\n", "weld"),
    ],
)
def test_a_bad_design_space_says_what_to_write(tmp_path, space, said):
    line = write(tmp_path, "line.yaml", LINE)
    code, out = sandan("twin", "optimize", line, write(tmp_path, "space.yaml", space), "--target", "100")
    assert code == 2 and said in out


def test_a_design_run_length_that_cannot_work_is_refused_before_searching(tmp_path):
    line = write(tmp_path, "line.yaml", LINE)
    space = write(tmp_path, "space.yaml", "machines: {drill: [1, 2]}\n")
    # named as typed: --hours 0.2 said "0 ≤ warm-up < run length (got 720 s and 3600 s)"; --hours inf ran on
    for hours, said in (
        ("0", "--hours must be more than 0 and at most 744"),
        ("inf", "--hours must be more than 0 and at most 744 (a month), got inf"),
        ("0.2", "--warmup-hours must be at least 0 and less than --hours 0.2"),
    ):
        code, out = sandan("twin", "optimize", line, space, "--target", "100", "--hours", hours)
        assert code == 2 and said in out and "Trial" not in out and "3600" not in out


def test_a_missing_file_is_named(tmp_path):
    code, out = sandan("balance", tmp_path / "nope.yaml", "--cycle-time", "5")
    assert code == 2 and "nope.yaml" in out


def test_a_sweep_prints_each_value_beside_the_line_and_refuses_a_setting_without_values(tmp_path):
    line = write(tmp_path, "line.yaml", LINE)
    args = ("--replications", "2", "--hours", "1", "--warmup-hours", "0.2")
    code, out = sandan("twin", "sweep", line, "--vary", "stations.drill.machines=1,2", *args)
    assert code == 0, out
    # each variant by its change (wrapped in a narrow terminal, so read in pieces)
    assert "machines=1" in out and "machines=2" in out and "baseline" in out
    assert "2 variants × 2 × 1 h" in out
    code, out = sandan("twin", "sweep", line, "--vary", "stations.drill.machines", *args)
    assert code == 2 and "stations.drill.machines=1,2,3" in out and "설정과 값들" in out
    code, out = sandan("twin", "sweep", line, "--vary", "stations.weld.machines=1,2", *args)
    assert code == 2 and "weld" in out
    # too many values of one setting: fewer values is the way (side by side would simulate as many)
    values = ",".join(str(n) for n in range(1, 14))
    code, out = sandan("twin", "sweep", line, "--vary", f"stations.drill.machines={values}", *args)
    said = " ".join(out.split())
    assert code == 2 and "13 variants" in said and "side by side" not in said and "grid" not in said
    code, out = sandan(
        "twin",
        "sweep",
        line,
        "--vary",
        "stations.drill.machines=1,2,3,4",
        "--vary",
        "stations.cut.machines=1,2,3,4",
        *args,
    )
    said = " ".join(out.split())
    assert code == 2 and "16 variants" in said and "--side-by-side" in said


def test_the_schedule_table_counts_steps_from_1_as_the_gantt_chart_does(tmp_path):
    instance = write(tmp_path, "two.txt", "1 2\n0 3 1 2\n")
    code, out = sandan("schedule", instance, "--time-limit", "2", "--gantt", tmp_path / "g.svg")
    assert code == 0, out
    # J0's first step on M0, its second on M1: the bars of the chart are J0-1 and J0-2
    assert "│ M0 │ J0 │ 1 │ 0 │ 3 │ 0 │" in out and "│ M1 │ J0 │ 2 │ 3 │ 5 │ 0 │" in out
    svg = (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert ">J0-1 [0, 3)</title>" in svg and ">J0-2 [3, 5)</title>" in svg
    assert "전체 소요 시간(메이크스팬) 5" in out and "전체 완료 시각" not in out


def test_a_start_for_a_job_shop_instance_is_said_to_be_unused_as_the_web_says_it(tmp_path):
    from sandan.twin.service import start_not_used

    instance = write(tmp_path, "two.txt", "1 2\n0 3 1 2\n")
    code, out = sandan("schedule", instance, "--time-limit", "2", "--start", "2026-12-07T08:00")
    note = start_not_used("", instance=True)
    assert code == 0 and " ".join(note["en"].split()) in out and " ".join(note["ko"].split()) in out


def test_a_typo_in_a_job_shop_file_names_its_line(tmp_path):
    code, out = sandan("schedule", write(tmp_path, "ft.txt", "# ft\n2 2\n0 3 1x 2\n1 4 0 1\n"))
    assert code == 2 and "ft, line 3: '1x' is not a whole number" in out
    assert "잡숍 인스턴스 ft의 3번째 줄" in out


def test_balance_states_the_cycle_time_and_loads_in_the_lines_unit(tmp_path):
    line = write(
        tmp_path,
        "line.yaml",
        "time_unit: s\ntasks:\n  - {name: a, time: 20}\n  - {name: b, time: 30, after: a}\n"
        "  - {name: c, time: 25, after: a}\n",
    )
    code, out = sandan("balance", line, "--cycle-time", "40")
    assert code == 0 and "3 stations (lower bound: 3 stations) · cycle time 40 s ·" in out
    assert "공정 3개 (하한: 공정 3개) · 사이클타임 40초 ·" in out and "load / 부하 (s / 초)" in out
    code, out = sandan("balance", line, "--stations", "2")
    assert code == 0 and "cycle time 45 s (lower bound: cycle time 45 s)" in out and "사이클타임 45초" in out
    code, out = sandan("balance", line, "--cycle-time", "10")
    assert code == 2 and "task b takes 30 s, longer than the cycle time 10 s" in out
    assert "작업 b의 시간 30초가 사이클타임 10초보다 깁니다" in out


def test_balance_keeps_a_stopwatchs_decimals(tmp_path):
    line = write(
        tmp_path,
        "line.yaml",
        "time_unit: s\ntasks:\n  - {name: a, time: 20.5}\n  - {name: b, time: 19.25, after: a}\n"
        "  - {name: c, time: 25, after: a}\n",
    )
    code, out = sandan("balance", line, "--cycle-time", "39.75")  # a + b = 39.75 s fills one station
    assert code == 0 and "2 stations (lower bound: 2 stations) · cycle time 39.75 s ·" in out, out
    assert "사이클타임 39.75초" in out and "39.75" in out.split("load / 부하")[1] and "25" in out
    code, out = sandan("balance", line, "--stations", "2")
    assert code == 0 and "cycle time 39.75 s (lower bound: cycle time 39.75 s)" in out


def test_every_problem_of_a_line_model_is_listed_in_words(tmp_path):
    bad = LINE.replace("process_time: 20", "process_time: {dist: normal, mean: -3}").replace(
        "process_time: 30, buffer: 4}", "process_time: 30, buffer: x}"
    )
    code, out = sandan("twin", "run", write(tmp_path, "bad.yaml", bad))
    assert code == 2 and "3 problems / 문제 3개" in out
    for said in (
        "• stations[cut].process_time.mean: must be greater than or equal to 0",
        "stations[cut].process_time.dist: not a known field",
        "• stations[drill].buffer: is not a whole number stations[drill].buffer: 정수가 아닙니다",
    ):
        assert said in out
    assert "{'field'" not in out and "more problem(s)" not in out and "errors=" not in out


@pytest.mark.parametrize(
    ("options", "en", "ko"),
    [
        (
            ("--hours", "-1"),
            "--hours must be more than 0 and at most 744 (a month), got -1",
            "--hours는 0보다 크고 744(한 달) 이하여야 합니다. 입력: -1",
        ),
        (("--hours", "inf"), "at most 744 (a month), got inf", "입력: inf"),  # it ran without end
        (("--replications", "101"), "--replications must be at most 100, got 101", "100 이하여야"),
        (
            ("--hours", "1", "--warmup-hours", "2"),
            "--warmup-hours must be at least 0 and less than --hours 1",
            "--warmup-hours는 0 이상이고 --hours 1보다 작아야 합니다",
        ),
        (("--replications", "1"), "--replications must be at least 2", "--replications는 2 이상"),
    ],
)
def test_a_run_length_that_cannot_work_names_the_options_as_typed(tmp_path, options, en, ko):
    line = write(tmp_path, "line.yaml", LINE)
    for command in (("twin", "run", line), ("twin", "sweep", line, "--vary", "stations.drill.machines=1,2")):
        code, out = sandan(*command, *options)
        assert code == 2 and en in out and ko in out
        assert "horizon" not in out and "3600" not in out


def test_twin_run_says_the_bottleneck_votes_and_the_shares_intervals_in_words(tmp_path):
    line = write(tmp_path, "line.yaml", LINE)
    code, out = sandan("twin", "run", line, "--replications", "2", "--hours", "1", "--warmup-hours", "0.2")
    assert code == 0, out
    assert "drill in 2 of 2 runs" in out and "2회 중 drill 2회" in out and "{'drill'" not in out
    assert "100.0% ± 0.0%" in out  # the half-width in percentage points, as a share
