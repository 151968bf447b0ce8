"""Specification of `sandan.twin.schedule`: the checker, the readers, and CP-SAT against known optima."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from sandan.domain import InvalidInput
from sandan.twin.schedule import (
    Job,
    Operation,
    ScheduledOp,
    ShopInstance,
    check_schedule,
    dispatch_schedule,
    gantt,
    gantt_svg,
    makespan_lower_bound,
    parse_jsplib,
    parse_shop_orders,
    read_jsplib,
    read_shop_orders,
    schedule_makespan,
    solve_jobshop,
)
from tests.conftest import require_dataset

# time-limited solves judged by their result and wall time: alone, not beside another test worker
pytestmark = pytest.mark.serial


def two_job_shop() -> ShopInstance:
    """J0: M0 (3) then M1 (2); J1: M1 (4) then M0 or M2 (1 / 2); a setup of 5 on M0 from family a to b."""
    return ShopInstance(
        name="tiny",
        jobs=(
            Job("J0", (Operation((("M0", 3),)), Operation((("M1", 2),))), release=0, family="a"),
            Job("J1", (Operation((("M1", 4),)), Operation((("M0", 1), ("M2", 2)))), release=1, family="b"),
        ),
        machines=("M0", "M1", "M2"),
        setup_times={"M0": {("a", "b"): 5}},
    )


GOOD = [
    ScheduledOp("J0", 0, "M0", 0, 3),
    ScheduledOp("J1", 0, "M1", 1, 5),
    ScheduledOp("J0", 1, "M1", 5, 7),
    ScheduledOp("J1", 1, "M2", 5, 7),
]


def kinds(schedule: list[ScheduledOp]) -> set[str]:
    return {v.kind for v in check_schedule(two_job_shop(), schedule)}


def test_checker_accepts_a_feasible_schedule():
    assert check_schedule(two_job_shop(), GOOD) == []


@pytest.mark.parametrize(
    ("broken", "kind"),
    [
        (GOOD[:3], "missing"),
        ([*GOOD, ScheduledOp("J0", 1, "M1", 9, 11)], "duplicate"),
        ([*GOOD, ScheduledOp("J9", 0, "M0", 0, 1)], "unknown"),
        ([*GOOD[:3], ScheduledOp("J1", 1, "M1", 7, 8)], "eligibility"),
        ([*GOOD[:3], ScheduledOp("J1", 1, "M2", 5, 6)], "duration"),
        ([GOOD[0], ScheduledOp("J1", 0, "M1", 0, 4), ScheduledOp("J0", 1, "M1", 5, 7), GOOD[3]], "release"),
        (
            [GOOD[0], GOOD[1], ScheduledOp("J0", 1, "M1", 5, 7), ScheduledOp("J1", 1, "M2", 4, 6)],
            "precedence",
        ),
        ([GOOD[0], GOOD[1], ScheduledOp("J0", 1, "M1", 4, 6), ScheduledOp("J1", 1, "M2", 5, 7)], "capacity"),
        ([*GOOD[:3], ScheduledOp("J1", 1, "M0", 6, 7)], "setup"),
    ],
)
def test_checker_names_each_kind_of_violation(broken, kind):
    found = check_schedule(two_job_shop(), broken)
    assert kind in {v.kind for v in found}
    assert all(v.en and v.ko for v in found)


def test_checker_finds_an_overlap_hidden_behind_a_neighbour():
    shop = ShopInstance(
        "one", tuple(Job(f"J{i}", (Operation((("M", d),)),)) for i, d in enumerate((10, 2, 2))), ("M",)
    )
    schedule = [
        ScheduledOp("J0", 0, "M", 0, 10),
        ScheduledOp("J1", 0, "M", 1, 3),
        ScheduledOp("J2", 0, "M", 5, 7),
    ]
    assert sum(v.kind == "capacity" for v in check_schedule(shop, schedule)) == 2


def test_setup_after_enough_gap_is_accepted():
    assert check_schedule(two_job_shop(), [*GOOD[:3], ScheduledOp("J1", 1, "M0", 8, 9)]) == []


def test_jsplib_reader_skips_comments_and_numbers_machines_from_zero():
    shop = parse_jsplib("# c\n# another\n2 2\n0 3 1 2\n1 4 0 1\n", name="t")
    assert [len(j.operations) for j in shop.jobs] == [2, 2]
    assert shop.jobs[1].operations[0].alternatives == (("M1", 4),)
    assert shop.machines == ("M0", "M1")


def test_text_that_is_neither_orders_nor_an_instance_says_what_either_looks_like():
    from sandan.twin import service

    with pytest.raises(InvalidInput) as err:
        service.parse_shop("hello world")  # was read as an instance: "'hello' is not a whole number"
    assert err.value.code == "bad_orders" and "jobs:" in err.value.en and "'3 3'" in err.value.en
    assert "작업수 설비수" in err.value.ko
    assert service.parse_shop("# a comment\n1 1\n0 5\n").machines == ("M0",)  # an instance still reads


def test_jsplib_reader_explains_a_short_line():
    with pytest.raises(InvalidInput) as err:
        parse_jsplib("2 2\n0 3 1 2\n1 4 0\n", name="t")
    assert "job line 2" in err.value.en and "작업 2" in err.value.ko


def test_a_mistyped_huge_duration_is_refused_before_solving():
    with pytest.raises(InvalidInput, match="mistyped") as err:
        parse_jsplib("1 1\n0 99999999999999999999\n")
    assert err.value.code == "too_long"


def test_an_order_step_of_no_time_is_refused():
    with pytest.raises(InvalidInput) as err:
        parse_shop_orders({"jobs": [{"name": "A", "operations": [{"machine": "LATHE", "duration": 0}]}]})
    assert "≥ 1" in err.value.en and "1 이상의 정수" in err.value.ko


def test_ft06_reaches_its_optimum_55_and_the_checker_confirms_it():
    shop = read_jsplib(require_dataset("jsplib") / "instances" / "ft06")
    seen = []
    result = solve_jobshop(shop, time_limit_s=20, workers=2, progress=seen.append)
    assert result.makespan == 55 and result.status == "optimal"
    assert result.wall_time_s < 10
    assert check_schedule(shop, result.schedule) == []
    assert seen and seen[-1].incumbent == 55
    assert makespan_lower_bound(shop) <= 55


def test_dispatching_rules_give_feasible_schedules():
    shop = read_jsplib(require_dataset("jsplib") / "instances" / "la01")
    for rule in ("spt", "mwkr", "mor", "lpt", "edd"):
        assert check_schedule(shop, dispatch_schedule(shop, rule)) == []


def brute_force_makespan(shop: ShopInstance) -> int:
    """Best semi-active schedule over every machine choice and every order on every machine."""
    ops = [(j, k) for j, job in enumerate(shop.jobs) for k in range(len(job.operations))]
    best = 10**9
    for choice in itertools.product(*(shop.jobs[j].operations[k].alternatives for j, k in ops)):
        chosen = dict(zip(ops, choice, strict=True))
        groups = {m: [o for o in ops if chosen[o][0] == m] for m in shop.machines}
        for orders in itertools.product(*(itertools.permutations(g) for g in groups.values())):
            start: dict[tuple[int, int], int] = {}
            pending = {o for o in ops}
            previous = {o: None for o in ops}
            for order in orders:
                for a, b in itertools.pairwise(order):
                    previous[b] = a
            progress = True
            while pending and progress:
                progress = False
                for o in sorted(pending):
                    j, k = o
                    before, p = (j, k - 1), previous[o]
                    if (k and before not in start) or (p is not None and p not in start):
                        continue
                    t = shop.jobs[j].release
                    if k:
                        t = max(t, start[before] + chosen[before][1])
                    if p is not None:
                        setup = shop.setup(
                            chosen[o][0], shop.jobs[p[0]].setup_family, shop.jobs[j].setup_family
                        )
                        t = max(t, start[p] + chosen[p][1] + setup)
                    start[o] = t
                    pending.discard(o)
                    progress = True
            if not pending:
                best = min(best, max(start[o] + chosen[o][1] for o in ops))
    return best


def flexible_shop_with_setups() -> ShopInstance:
    return parse_shop_orders(
        {
            "name": "flex",
            "jobs": [
                {
                    "name": "A",
                    "family": "red",
                    "operations": [{"alternatives": {"M1": 3, "M2": 5}}, {"machine": "M3", "duration": 2}],
                },
                {
                    "name": "B",
                    "family": "blue",
                    "operations": [
                        {"alternatives": {"M1": 4, "M2": 2}},
                        {"alternatives": {"M3": 3, "M1": 2}},
                    ],
                },
                {
                    "name": "C",
                    "family": "red",
                    "operations": [{"machine": "M2", "duration": 2}, {"alternatives": {"M1": 1, "M3": 4}}],
                },
            ],
            "setups": [
                {"from": "red", "to": "blue", "time": 3},
                {"from": "blue", "to": "red", "time": 2},
                {"machine": "M1", "from": "red", "to": "red", "time": 1},
            ],
        }
    )


def test_flexible_shop_with_setups_matches_brute_force():
    shop = flexible_shop_with_setups()
    result = solve_jobshop(shop, time_limit_s=20)
    assert result.status == "optimal" and result.violations == []
    assert result.makespan == brute_force_makespan(shop)
    assert makespan_lower_bound(shop) <= result.makespan


def test_tardiness_objective_matches_brute_force_on_one_machine():
    durations, dues, weights = (4, 2, 6, 3), (5, 3, 15, 6), (1, 3, 2, 2)
    shop = ShopInstance(
        "due",
        tuple(
            Job(f"J{i}", (Operation((("M", d),)),), due=due, weight=w)
            for i, (d, due, w) in enumerate(zip(durations, dues, weights, strict=True))
        ),
        ("M",),
    )
    best = min(
        sum(
            weights[i] * max(0, end - dues[i])
            for i, end in zip(order, itertools.accumulate(durations[i] for i in order), strict=True)
        )
        for order in itertools.permutations(range(4))
    )
    result = solve_jobshop(shop, objective="tardiness", time_limit_s=10)
    assert result.status == "optimal" and result.violations == []
    assert result.objective_value == result.total_tardiness == best > 0


def test_of_the_shortest_schedules_the_least_late_one_is_given():
    # every order of the one machine's four jobs ends at 15; only the order by due time makes no job late, and the
    # first dispatching rule's hint (shortest first) is late
    durations, dues = (6, 4, 3, 2), (6, 10, 13, 15)
    shop = ShopInstance(
        "slack",
        tuple(
            Job(f"J{i}", (Operation((("M", d),)),), due=due)
            for i, (d, due) in enumerate(zip(durations, dues, strict=True))
        ),
        ("M",),
    )
    result = solve_jobshop(shop, time_limit_s=5)
    assert result.status == "optimal" and result.violations == []
    assert result.makespan == result.objective_value == 15 and result.total_tardiness == 0


def test_weighted_objective_combines_makespan_and_tardiness():
    shop = flexible_shop_with_setups()
    shop = ShopInstance(
        shop.name,
        tuple(Job(j.name, j.operations, due=4, family=j.family) for j in shop.jobs),
        shop.machines,
        shop.setup_times,
    )
    result = solve_jobshop(shop, objective="weighted", weights=(1, 2), time_limit_s=10)
    assert result.status == "optimal"
    assert result.objective_value == result.makespan + 2 * result.total_tardiness


def test_shop_orders_read_from_yaml(tmp_path):
    path = tmp_path / "orders.yaml"
    path.write_text(
        "name: 주문\ntime_unit: min\njobs:\n"
        "  - {name: ORD-1, due: 10, operations: [{machine: 선반, duration: 3}, {alternatives: {MCT1: 4, MCT2: 5}}]}\n"
        "  - {name: ORD-2, operations: [{machine: MCT1, duration: 2}]}\n",
        encoding="utf-8",
    )
    shop = read_shop_orders(path)
    assert shop.machines == ("선반", "MCT1", "MCT2") and shop.is_flexible
    result = solve_jobshop(shop, time_limit_s=5)
    assert result.feasible and result.makespan == 7


def test_shop_orders_reject_a_negative_duration_in_both_languages():
    with pytest.raises(InvalidInput) as err:
        parse_shop_orders({"jobs": [{"name": "X", "operations": [{"machine": "M", "duration": -1}]}]})
    assert "duration" in err.value.en and "시간" in err.value.ko


def test_gantt_lists_setups_and_renders_svg_in_korean_and_english():
    shop = two_job_shop()
    schedule = [*GOOD[:3], ScheduledOp("J1", 1, "M0", 8, 9)]
    chart = gantt(shop, schedule)
    assert [(b.job, b.setup) for b in chart.machines["M0"]] == [("J0", 0), ("J1", 5)]
    assert chart.to_dict()["makespan"] == schedule_makespan(schedule) == 9
    for lang, word in (("ko", "설비"), ("en", "Machine")):
        svg = gantt_svg(chart, lang=lang)
        ET.fromstring(svg)  # well-formed
        assert word in svg and 'fill="url(#setup)"' in svg


def test_result_serialises_to_plain_data():
    result = solve_jobshop(two_job_shop(), time_limit_s=5)
    data = result.to_dict()
    assert data["status"] == "optimal" and len(data["schedule"]) == 4 and data["violations"] == []


def test_a_given_warm_start_is_used_and_a_broken_one_ignored():
    shop = flexible_shop_with_setups()
    given = dispatch_schedule(shop, "spt")
    assert solve_jobshop(shop, warm_start=given, time_limit_s=5).warm_start["source"] == "given"
    broken = solve_jobshop(shop, warm_start=given[1:], time_limit_s=5)
    assert broken.warm_start == {} and broken.status == "optimal"


def test_the_sample_orders_run_on_the_companys_own_machines(tmp_path):
    """The scheduling page's first orders: each on a line of the company's (any of its machines), for as long as
    the batch takes at the machine's ideal cycle time; they parse, solve and pass the checker. A company with no
    machine gets none (the page then shows a generic sample)."""
    from sandan.domain import Company, Line, Machine, Site
    from sandan.store import open_store
    from sandan.twin import service

    store = open_store(f"duckdb:///{tmp_path / 's.duckdb'}")
    store.upsert_company(Company(id="acme", name="Acme", family="injection"))
    store.upsert_company(Company(id="empty", name="Empty", family="injection"))
    store.upsert_site("acme", Site(id="p1", company_id="acme", name="Plant"))
    for line, machines in (("A", {"m1": 30.0, "m2": 45.0}), ("B", {"m3": None})):
        store.upsert_line("acme", Line(id=line, company_id="acme", site_id="p1", name=line))
        for mid, cycle in machines.items():
            store.upsert_machine(
                "acme", Machine(id=mid, company_id="acme", line_id=line, name=mid, ideal_cycle_time_s=cycle)
            )
    assert service.example_orders(store, "empty") is None
    text = service.example_orders(store, "acme")
    instance = service.parse_shop(text)
    assert sorted(instance.machines) == ["m1", "m2", "m3"]
    first, second = instance.jobs[0].operations[0], instance.jobs[1].operations[0]
    assert dict(first.alternatives) == {"m1": 150, "m2": 225}  # 300 parts at 30 s and 45 s
    assert dict(second.alternatives) == {"m3": 200}  # 200 parts at the 60 s assumed without an ideal time
    result = service.schedule_shop(None, instance, objective="tardiness", time_limit_s=5)
    assert result["checked"] is True and result["total_tardiness"] == 0  # the due times leave slack
    store.close()


def test_a_solve_asked_to_stop_stops_at_its_next_report_instead_of_running_out_its_time():
    import time

    from sandan.domain import Cancelled

    shop = read_jsplib(require_dataset("jsplib") / "instances" / "la29")  # not proved within a minute
    reports = []

    def report(p):
        reports.append(p)
        raise Cancelled("stopped on request", "요청에 따라 멈췄습니다")

    started = time.perf_counter()
    with pytest.raises(Cancelled):
        solve_jobshop(shop, time_limit_s=300, workers=2, progress=report, local_search_s=0)
    # the solver stopped at the first report, not after its five minutes (a bound far from both)
    assert len(reports) == 1 and time.perf_counter() - started < 150


def test_a_typo_in_a_jsplib_row_names_its_line_and_the_korean_starts_in_korean():
    """Lines count as an editor numbers them (comments and blank lines too); the Korean names the instance after a
    Korean word, never starting with the name or the default "orders"."""
    from sandan.twin import service

    with pytest.raises(InvalidInput) as err:
        parse_jsplib("# ft\n2 2\n\n0 3 1x 2\n1 4 0 1\n", name="ft06")
    assert err.value.en == "ft06, line 4: '1x' is not a whole number"
    assert err.value.ko == "잡숍 인스턴스 ft06의 4번째 줄: '1x'은(는) 정수가 아닙니다"
    assert err.value.where["line"] == 4
    with pytest.raises(InvalidInput) as err:
        service.parse_shop("2 2\n0 3 1 2\n1 4 0 x\n")  # pasted on the web page: named "orders"
    assert "line 3: 'x' is not a whole number" in err.value.en
    assert err.value.ko.startswith("잡숍 인스턴스의 3번째 줄")
    with pytest.raises(InvalidInput) as err:
        parse_jsplib("2 2\n0 3 1 2\n# job 2\n1 4 0\n", name="t")
    assert "t, line 4: job line 2 has 3 numbers" in err.value.en and err.value.where["line"] == 4


def test_a_job_key_the_scheduler_does_not_know_is_refused_with_the_one_meant():
    orders = {"jobs": [{"name": "A", "operations": [{"machine": "M1", "duration": 30}], "deu": 100}]}
    with pytest.raises(InvalidInput) as err:  # the due date was dropped without a word
        parse_shop_orders(orders, "orders.yaml")
    assert (
        "jobs[0]: unknown key 'deu' (did you mean 'due'?)" in err.value.en and "'due'인가요?" in err.value.ko
    )
    assert err.value.where == {"field": "jobs[0].deu", "file": "orders.yaml"}


def test_an_instance_beyond_the_operations_one_schedule_takes_is_refused_before_solving():
    from sandan.twin.schedule import MAX_OPERATIONS

    jobs = MAX_OPERATIONS // 50 + 1
    text = f"{jobs} 50\n" + "".join(" ".join(f"{m} 1" for m in range(50)) + "\n" for _ in range(jobs))
    with pytest.raises(InvalidInput, match="50,050 operations, more than the 50,000") as err:
        parse_jsplib(text, "huge")
    assert err.value.code == "too_large" and "나누어" in err.value.ko
