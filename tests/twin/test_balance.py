"""Specification of `sandan.twin.balance`: SALBP-1/2 and worker assignment against brute force, the `.IN2` reader."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from sandan.domain import InvalidInput
from sandan.twin import service
from sandan.twin.balance import (
    LineProblem,
    Worker,
    assignment_of,
    balance_line,
    check_balance,
    cycle_time_lower_bound,
    parse_alb,
    parse_in2,
    parse_line_problem,
    read_in2,
    read_line_problem,
    stations_lower_bound,
    time_text,
)

# solves judged by their wall time: alone, not beside another test worker
pytestmark = pytest.mark.serial


def random_line(seed: int, n: int = 7) -> LineProblem:
    """Random times 1–9 and a random acyclic precedence graph (edges only from lower to higher task numbers)."""
    rng = random.Random(seed)
    times = {str(i + 1): rng.randint(1, 9) for i in range(n)}
    pairs = tuple((str(a + 1), str(b + 1)) for a in range(n) for b in range(a + 1, n) if rng.random() < 0.3)
    return LineProblem(f"random{seed}", times, pairs)


def feasible_orders(problem: LineProblem, stations: int):
    """Every assignment of tasks to stations 1..stations that respects precedence."""
    tasks = list(problem.task_times)
    for combo in itertools.product(range(1, stations + 1), repeat=len(tasks)):
        assignment = dict(zip(tasks, combo, strict=True))
        if all(assignment[a] <= assignment[b] for a, b in problem.precedences):
            yield assignment


def loads(problem: LineProblem, assignment: dict[str, int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for t, s in assignment.items():
        out[s] = out.get(s, 0) + problem.task_times[t]
    return out


def brute_salbp1(problem: LineProblem, cycle_time: int) -> int:
    for m in range(1, len(problem.task_times) + 1):
        if any(max(loads(problem, a).values()) <= cycle_time for a in feasible_orders(problem, m)):
            return m
    raise AssertionError("no line")


def brute_salbp2(problem: LineProblem, stations: int) -> int:
    return min(max(loads(problem, a).values()) for a in feasible_orders(problem, stations))


@pytest.mark.parametrize("search", [True, False], ids=["search", "cp-sat"])
@pytest.mark.parametrize("seed", range(6))
def test_salbp1_fewest_stations_match_brute_force(seed, search):
    problem = random_line(seed)
    cycle_time = max(problem.task_times.values()) + seed
    result = balance_line(problem, "salbp1", cycle_time=cycle_time, time_limit_s=10, search=search)
    assert result.status == "optimal" and result.violations == []
    assert result.num_stations == brute_salbp1(problem, cycle_time)
    assert stations_lower_bound(problem, cycle_time) <= result.num_stations


@pytest.mark.parametrize("search", [True, False], ids=["search", "cp-sat"])
@pytest.mark.parametrize("seed", range(6))
def test_salbp2_shortest_cycle_time_matches_brute_force(seed, search):
    problem = random_line(100 + seed)
    stations = 2 + seed % 3
    started = time.perf_counter()
    result = balance_line(problem, "salbp2", stations=stations, time_limit_s=10, search=search)
    assert time.perf_counter() - started < 5
    assert result.status == "optimal" and result.violations == []
    assert result.cycle_time == brute_salbp2(problem, stations)
    assert cycle_time_lower_bound(problem, stations) <= result.cycle_time


def skilled_line() -> LineProblem:
    base = random_line(7, n=6)
    return LineProblem(
        "skills",
        base.task_times,
        base.precedences,
        task_skills={"1": "weld", "4": "weld", "6": "paint"},
        workers=(
            Worker("김", frozenset({"weld"})),
            Worker("이", frozenset({"paint"}), task_times={"2": 1}),
            Worker("박", frozenset()),
        ),
    )


def brute_with_workers(problem: LineProblem, stations: int) -> int:
    """Shortest cycle time over every assignment and every way to seat distinct workers who have the skills."""
    best = 10**9
    for assignment in feasible_orders(problem, stations):
        for seating in itertools.permutations(problem.workers, stations):
            if all(problem.can_do(seating[s - 1], t) for t, s in assignment.items()):
                load = {s: 0 for s in range(1, stations + 1)}
                for t, s in assignment.items():
                    load[s] += problem.time_of(t, seating[s - 1])
                best = min(best, max(load.values()))
    return best


def test_more_stations_than_tasks_can_fill_leaves_no_gap_in_the_numbering():
    problem = LineProblem("six", {str(i): t for i, t in enumerate([4, 7, 3, 5, 6, 2], 1)}, (("1", "2"),))
    result = balance_line(problem, "salbp2", stations=9, time_limit_s=10)
    assert result.status == "optimal" and result.violations == [] and result.cycle_time == 7
    # at most one station per task holds work; the plan numbers the ones that do 1, 2, … in line order
    assert [s.index for s in result.stations] == list(range(1, len(result.stations) + 1))
    assert len(result.stations) <= 6 and all(s.tasks for s in result.stations)
    assert check_balance(problem, assignment_of(result), 7) == []


def test_worker_assignment_respects_skills_and_matches_brute_force():
    problem = skilled_line()
    result = balance_line(problem, "salbp2", stations=3, time_limit_s=10)
    assert result.status == "optimal" and result.violations == []
    workers = {w.name: w for w in problem.workers}
    for station in result.stations:
        assert all(problem.can_do(workers[station.worker], t) for t in station.tasks)
    assert len({s.worker for s in result.stations}) == 3
    assert result.cycle_time == brute_with_workers(problem, 3)


def test_salbp1_with_workers_uses_no_more_stations_than_workers():
    problem = skilled_line()
    cycle_time = brute_with_workers(problem, 3)
    result = balance_line(problem, "salbp1", cycle_time=cycle_time, time_limit_s=10)
    assert result.status == "optimal" and result.violations == [] and result.num_stations <= 3


def test_checker_reports_precedence_overload_and_skill():
    problem = skilled_line()
    a, b = problem.precedences[0]
    assignment = dict.fromkeys(problem.task_times, 1) | {a: 2}
    found = check_balance(problem, assignment, cycle_time=5, staffing={1: "박", 2: "박"})
    assert {"precedence", "overload", "skill", "worker"} <= {v.kind for v in found}
    assert all(v.ko for v in found)


def test_reads_a_scholl_in2_file(tmp_path):
    path = tmp_path / "MERTENS.IN2"
    path.write_text("7\n6\n2\n5\n7\n1\n2\n3\n1,2\n1,5\n2,3\n3,4\n5,6\n4,7\n6,7\n-1,-1\n")
    problem = read_in2(path)
    assert problem.name == "MERTENS" and problem.total_time == 26 and len(problem.precedences) == 7
    result = balance_line(problem, "salbp1", cycle_time=10)
    assert result.num_stations == brute_salbp1(problem, 10)
    assert check_balance(problem, assignment_of(result), 10) == []


ALB = """<number of tasks>
6

<cycle time>
10

<order strength>
0,400

<task times>
1 6
2 4
3 5
4 3
5 2
6 7

<precedence relations>
1,2
1,3
2,4
3,5
4,6

<end>
"""


def test_reads_an_alb_file_with_its_cycle_time(tmp_path):
    path = tmp_path / "n_6_1.alb"
    path.write_text(ALB)
    problem = read_line_problem(path)
    assert problem.name == "n_6_1" and problem.cycle_time == 10 and problem.total_time == 27
    assert problem.precedences == (("1", "2"), ("1", "3"), ("2", "4"), ("3", "5"), ("4", "6"))
    result = balance_line(problem, "salbp1", cycle_time=problem.cycle_time)
    assert result.status == "optimal" and result.num_stations == brute_salbp1(problem, 10) == 3


@pytest.mark.parametrize(
    ("text", "en", "ko", "line"),
    [
        (ALB.replace("3 5\n", ""), "<task times> lacks task 3 of 6", "작업 3의 시간이 없습니다", None),
        (ALB.replace("3,5", "3;x"), "line 22: a precedence relation is 'i,j'", "22번째 줄: 선후관계는", 22),
        (ALB.replace("2,4", "2,9"), "tasks between 1 and 6, got '2,9'", "작업 번호는 1~6", 21),
        (
            ALB.replace("4 3\n", "4 three\n"),
            "line 14: a task time is 'task time'",
            "14번째 줄: 작업 시간은",
            14,
        ),
        (ALB.replace("4 3\n", "3 3\n"), "line 14: task 3 has a time already", "작업 3의 시간이 이미", 14),
        (
            "<cycle time>\n10\n",
            "needs <number of tasks> (at least 1) and <task times>",
            "<task times> 항목",
            None,
        ),
    ],
)
def test_a_broken_alb_file_says_what_and_where(text, en, ko, line):
    with pytest.raises(InvalidInput) as err:
        parse_alb(text, "n_6_1")
    assert en in err.value.en and ko in err.value.ko and err.value.where.get("line") == line


def test_a_yaml_line_may_state_the_cycle_time_to_balance_for():
    tasks = [{"name": "a", "time": 5}, {"name": "b", "time": 4, "after": ["a"]}, {"name": "c", "time": 6}]
    problem = parse_line_problem({"time_unit": "s", "cycle_time": 10, "tasks": tasks})
    assert problem.cycle_time == 10 and service.balance_goal(problem, None, None) == (10, None)
    assert service.balance_goal(problem, None, 2) == (None, 2)  # a number of stations asked for wins
    assert parse_line_problem({"tasks": tasks}).cycle_time is None
    # a cycle time with decimals is the one balanced for, decimals kept
    stated = parse_line_problem({"time_unit": "s", "cycle_time": 10.25, "tasks": tasks})
    assert service.balance_goal(stated, None, None) == (10.25, None)
    assert balance_line(stated, "salbp1", cycle_time=10.25).cycle_time == 10.25
    for bad, en, ko in [
        (0, "the cycle time must be > 0", "사이클타임은 0보다"),
        (7.5555, "the cycle time is 7.5555: give times to at most 3 decimals", "소수점 아래 3자리까지"),
        ("soon", "the cycle time must be a number ≥ 0", "사이클타임은 0 이상의 수여야"),
    ]:
        with pytest.raises(InvalidInput) as err:
            parse_line_problem({"cycle_time": bad, "tasks": tasks}, "line.yaml")
        assert en in err.value.en and ko in err.value.ko and err.value.where.get("field") == "cycle_time"


def test_in2_without_terminator_is_rejected():
    with pytest.raises(InvalidInput) as err:
        parse_in2("2\n3\n4\n1,2\n")
    assert "-1,-1" in err.value.en and "-1,-1" in err.value.ko


def test_task_longer_than_cycle_time_is_a_user_error():
    with pytest.raises(InvalidInput):
        balance_line(random_line(1), "salbp1", cycle_time=1)


def test_a_cycle_time_finer_than_a_thousandth_is_refused_as_task_times_are():
    # 44.9996 balanced as 44 and shown as "cycle time 45", for which fewer stations suffice
    with pytest.raises(InvalidInput) as err:
        balance_line(random_line(1), "salbp1", cycle_time=44.9996)
    assert (
        err.value.code == "bad_cycle_time"
        and "at most 3 decimals" in err.value.en
        and "3자리" in err.value.ko
    )
    assert balance_line(random_line(1), "salbp1", cycle_time=60.125).stations


def test_line_problem_from_a_mapping_and_to_dict():
    problem = parse_line_problem(
        {
            "tasks": [
                {"name": "하우징", "time": 4},
                {"name": "배선", "time": 3, "after": ["하우징"], "skill": "electric"},
            ],
            "workers": [{"name": "김", "skills": ["electric"]}],
        }
    )
    data = balance_line(problem, "salbp1", cycle_time=7).to_dict()
    assert data["num_stations"] == 1 and data["stations"][0]["worker"] == "김"


@pytest.mark.parametrize(
    ("tasks", "loop"),
    [
        (
            [{"name": "a", "time": 5, "after": ["c"]}, {"name": "b", "time": 4, "after": ["a"]}]
            + [{"name": "c", "time": 3, "after": ["b"]}, {"name": "d", "time": 2}],
            "a → b → c → a",
        ),
        ([{"name": "a", "time": 5, "after": ["a"]}, {"name": "b", "time": 4, "after": ["a"]}], "a → a"),
    ],
)
def test_a_precedence_cycle_is_named_task_by_task(tasks, loop):
    """ "The precedence graph has a cycle" leaves a planner to search a long list; the cycle itself says which
    'after' to remove — also when a task lists itself."""
    with pytest.raises(InvalidInput) as err:
        parse_line_problem({"tasks": tasks})
    assert f"has a cycle: {loop};" in err.value.en and f"순환이 있습니다: {loop}." in err.value.ko
    assert err.value.where["field"] == "precedences"


def _in_tenths(problem: LineProblem) -> dict:
    """The YAML of a line whose times are a tenth of `problem`'s (its 7 becomes 0.7)."""
    after = {t: [a for a, b in problem.precedences if b == t] for t in problem.task_times}
    return {
        "time_unit": "s",
        "tasks": [{"name": t, "time": v / 10, "after": after[t]} for t, v in problem.task_times.items()],
    }


@pytest.mark.parametrize("seed", range(6))
def test_decimal_task_times_balance_as_the_same_line_counted_in_tenths(seed):
    """A stopwatch gives 12.5 s: the line balances in its own unit — the same stations as the line in whole
    tenths (whose optimum the brute-force tests confirm), loads and cycle times in seconds with their decimals."""
    whole = random_line(seed)
    line = parse_line_problem(_in_tenths(whole))
    assert line.time_scale == 10 and line.task_times == whole.task_times
    for c in (9, 12, 17):  # 0.9 s, 1.2 s, 1.7 s against 9, 12, 17 tenths
        a, b = balance_line(whole, "salbp1", cycle_time=c), balance_line(line, "salbp1", cycle_time=c / 10)
        assert b.status == "optimal" and b.num_stations == a.num_stations == brute_salbp1(whole, c)
        assert b.cycle_time == c / 10 and not b.violations
        assert [s.load for s in b.stations] == [s.load / 10 for s in a.stations]
        assert b.efficiency == pytest.approx(a.efficiency)
        # a cycle time between two tenths balances as the tenth below it: loads are whole tenths
        assert balance_line(line, "salbp1", cycle_time=c / 10 + 0.05).num_stations == a.num_stations
    for m in (2, 3):
        a, b = balance_line(whole, "salbp2", stations=m), balance_line(line, "salbp2", stations=m)
        assert b.status == "optimal" and b.cycle_time == a.cycle_time / 10 and b.lower_bound == b.cycle_time
        assert max(s.load for s in b.stations) == b.cycle_time


def test_decimal_task_times_are_said_in_the_lines_unit_and_too_many_decimals_are_refused():
    line = parse_line_problem(
        {
            "time_unit": "s",
            "tasks": [{"name": "a", "time": 5.5}, {"name": "b", "time": 4.25, "after": ["a"]}],
            "workers": [{"name": "w", "task_times": {"a": 6.125}}],
        }
    )
    assert line.time_scale == 1000 and line.task_times == {"a": 5500, "b": 4250}
    assert line.workers[0].task_times == {"a": 6125}
    overload = check_balance(line, {"a": 1, "b": 1}, 9.7, {1: "w"})  # 6.125 + 4.25 s on one station
    assert [v.en for v in overload] == ["station 1 needs 10.375 s, more than the cycle time 9.7 s"]
    assert overload[0].ko == "공정 1의 작업량 10.375초가 사이클타임 9.7초를 넘습니다"
    with pytest.raises(InvalidInput) as err:
        balance_line(line, "salbp1", cycle_time=5.4)  # its one worker takes 6.125 s for task a
    assert (
        "task a takes 6.125 s, longer than the cycle time 5.4 s; give a cycle time of at least 6.125 s"
        in (err.value.en)
    )
    with pytest.raises(InvalidInput) as err:
        parse_line_problem({"time_unit": "s", "tasks": [{"name": "a", "time": 5.12345}]})
    assert (
        err.value.en
        == "task 'a' time is 5.12345: give times to at most 3 decimals (a thousandth of the unit), e.g. 5.123"
    )
    assert (
        err.value.ko == "작업 'a'의 시간이 5.12345입니다. 시간은 소수점 아래 3자리까지 적으세요 (예: 5.123)"
    )
    # a cycle time below a whole second, on a line timed in whole seconds, is named as such
    with pytest.raises(InvalidInput) as err:
        balance_line(
            parse_line_problem({"time_unit": "s", "tasks": [{"name": "a", "time": 0}]}), cycle_time=0.5
        )
    assert err.value.en == "the cycle time 0.5 is shorter than 1 s, the finest step of the line's times"
    # a time past any line's (a unit mixed up, a slip) is refused, and so are NaN and ∞ (`--cycle-time inf`
    # reached the solver's counting as a traceback; 1e300 gave a 301-digit cycle time on the page)
    small = parse_line_problem({"tasks": [{"name": "a", "time": 5}, {"name": "b", "time": 4}]})
    with pytest.raises(InvalidInput) as err:
        balance_line(small, cycle_time=1e300)
    assert err.value.en.startswith("the cycle time is 1e+300: more than 10,000,000")
    assert err.value.where == {"field": "cycle_time"}
    for bad in (float("inf"), float("nan")):
        with pytest.raises(InvalidInput, match="needs a cycle time, a number > 0") as err:
            balance_line(small, cycle_time=bad)
        assert err.value.code == "bad_cycle_time"
    assert len(balance_line(small, cycle_time=10_000_000).stations) == 1
    with pytest.raises(InvalidInput) as err:
        parse_line_problem({"tasks": [{"name": "a", "time": 86_400_000}]})  # a day in milliseconds
    assert err.value.ko.startswith("작업 'a'의 시간이 86,400,000입니다. 10,000,000보다 길어")
    # a whole number written with a decimal point is a whole number
    whole = parse_line_problem({"tasks": [{"name": "a", "time": 6.0}]})
    assert whole.task_times == {"a": 6} and whole.time_scale == 1
    assert time_text(12345.675, "s") == ("12,345.675 s", "12,345.675초")


@pytest.mark.parametrize(
    ("value", "ko"),
    [
        ("five", "작업 'a'의 시간은 0 이상의 수여야 합니다 (예: 12, 12.5; 값: 'five')"),
        (-3, "작업 'a'의 시간은 0 이상의 수여야 합니다 (예: 12, 12.5; 값: -3)"),
    ],
)
def test_a_task_time_that_is_not_a_number_reads_as_korean_with_its_particle(value, ko):
    with pytest.raises(InvalidInput) as err:
        parse_line_problem({"tasks": [{"name": "a", "time": value}]})
    assert err.value.ko == ko and "은(는)" not in err.value.ko


def test_a_task_longer_than_the_cycle_time_says_both_with_the_lines_unit():
    problem = parse_line_problem({"time_unit": "s", "tasks": [{"name": "board", "time": 20}]})
    with pytest.raises(InvalidInput) as err:
        balance_line(problem, "salbp1", cycle_time=10)
    assert "task board takes 20 s, longer than the cycle time 10 s" in err.value.en
    assert "작업 board의 시간 20초가 사이클타임 10초보다 깁니다" in err.value.ko
    with pytest.raises(InvalidInput) as err:  # the web and API check it before a job starts
        service.check_balance(problem, cycle_time=10, stations=None, time_limit_s=5)
    assert "20초가 사이클타임 10초보다" in err.value.ko
    assert time_text(40, "min") == ("40 min", "40분") and time_text(40, "") == ("40", "40")
    assert time_text(3, "cycles") == ("3 cycles", "3 cycles")


@pytest.mark.parametrize(
    ("data", "field", "en"),
    [
        (  # the precedence was dropped without a word, and the plan put b before a
            {"tasks": [{"name": "a", "time": 20}, {"name": "b", "time": 30, "afer": ["a"]}]},
            "tasks[1].afer",
            "tasks[1]: unknown key 'afer' (did you mean 'after'?); the keys here are name, time, after, skill",
        ),
        (
            {"tasks": [{"name": "a", "time": 2}], "cycle_tim": 9},
            "cycle_tim",
            "unknown key 'cycle_tim' (did you",
        ),
        (
            {"tasks": [{"name": "a", "time": 2}], "workers": [{"name": "kim", "skill": ["x"]}]},
            "workers[0].skill",
            "did you mean 'skills'?",
        ),
    ],
)
def test_a_key_the_balancer_does_not_know_is_refused_with_the_one_meant(data, field, en):
    with pytest.raises(InvalidInput) as err:
        parse_line_problem(data, "line.yaml")
    assert en in err.value.en and "알 수 없는 키" in err.value.ko and err.value.where["field"] == field


def test_a_line_beyond_the_tasks_one_balancing_takes_is_refused_before_solving():
    from sandan.twin.balance import MAX_TASKS

    tasks = [{"name": f"t{i}", "time": 1} for i in range(MAX_TASKS + 1)]
    with pytest.raises(InvalidInput, match="5,001 tasks, more than the 5,000") as err:
        parse_line_problem({"tasks": tasks}, "long")
    assert err.value.code == "too_large"
