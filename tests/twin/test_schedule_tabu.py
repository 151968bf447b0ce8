"""Specification of `sandan.twin.tabu`: the tabu search that shortens the warm start of a classic job shop."""

from __future__ import annotations

import random
import time

import pytest

from sandan.twin import tabu
from sandan.twin.schedule import (
    DISPATCH_RULES,
    Job,
    Operation,
    ShopInstance,
    check_schedule,
    dispatch_schedule,
    makespan_lower_bound,
    read_jsplib,
    schedule_makespan,
    solve_jobshop,
)
from tests.conftest import require_dataset
from tests.twin.test_schedule import brute_force_makespan, flexible_shop_with_setups

# time-limited searches judged by their result: alone, not beside another test worker
pytestmark = pytest.mark.serial


@pytest.fixture(autouse=True, scope="module")
def compiled_search():
    """The first search after an install or a change compiles its core for several seconds; do it once here."""
    tabu.compile_ahead()


def jsplib(name: str) -> ShopInstance:
    return read_jsplib(require_dataset("jsplib") / "instances" / name)


def best_dispatch(shop: ShopInstance):
    return min((dispatch_schedule(shop, rule) for rule in DISPATCH_RULES), key=schedule_makespan)


@pytest.mark.parametrize("name", ["ft10", "la21"])
def test_tabu_search_shortens_the_dispatching_schedule_and_the_checker_confirms_it(name):
    shop = jsplib(name)
    start = best_dispatch(shop)
    found = tabu.improve_makespan(shop, start, time_limit_s=2, lower_bound=makespan_lower_bound(shop))
    assert check_schedule(shop, found) == []
    assert schedule_makespan(found) < 0.95 * schedule_makespan(start)
    assert schedule_makespan(found) >= makespan_lower_bound(shop)


def test_tabu_search_never_returns_a_longer_schedule_than_its_start():
    shop = jsplib("ft06")
    optimal = solve_jobshop(shop, time_limit_s=10, local_search_s=0)
    assert optimal.status == "optimal"
    for seed in range(3):
        found = tabu.improve_makespan(shop, optimal.schedule, time_limit_s=0.5, seed=seed)
        assert check_schedule(shop, found) == []
        assert schedule_makespan(found) == 55


def shop_with_releases() -> ShopInstance:
    def job(name, release, *steps):
        return Job(name, tuple(Operation(((m, d),)) for m, d in steps), release=release)

    return ShopInstance(
        name="releases",
        jobs=(
            job("A", 0, ("M0", 3), ("M1", 2), ("M2", 2)),
            job("B", 2, ("M1", 4), ("M0", 1), ("M2", 3)),
            job("C", 1, ("M2", 2), ("M1", 3), ("M0", 4)),
            job("D", 5, ("M0", 2), ("M2", 1), ("M1", 2)),
        ),
        machines=("M0", "M1", "M2"),
    )


def test_tabu_search_respects_release_times_and_finds_the_optimum_of_a_small_shop():
    shop = shop_with_releases()
    found = tabu.improve_makespan(shop, best_dispatch(shop), time_limit_s=2)
    assert check_schedule(shop, found) == []
    assert schedule_makespan(found) == brute_force_makespan(shop)


def test_tabu_search_leaves_flexible_shops_with_setups_alone():
    shop = flexible_shop_with_setups()
    assert not tabu.applies_to(shop)
    with pytest.raises(ValueError):
        tabu.improve_makespan(shop, dispatch_schedule(shop, "spt"))
    # the solver still schedules it, without the tabu search
    assert "tabu" not in solve_jobshop(shop, time_limit_s=5).warm_start["source"]


def test_solver_hints_the_tabu_schedule_and_can_be_told_not_to():
    shop = jsplib("ft10")
    on = solve_jobshop(shop, time_limit_s=3, local_search_s=1)
    off = solve_jobshop(shop, time_limit_s=3, local_search_s=0)
    assert on.warm_start["source"].endswith("+tabu") and "tabu" not in off.warm_start["source"]
    assert on.warm_start["objective_value"] < off.warm_start["objective_value"]
    assert on.feasible and on.makespan <= on.warm_start["objective_value"]
    assert on.wall_time_s < 5


def random_shop(seed: int) -> ShopInstance:
    """3 jobs through 3 machines in random orders, durations 0–6 (zero-length operations too), releases 0–4."""
    rng = random.Random(seed)
    machines = ("M0", "M1", "M2")
    jobs = []
    for j in range(3):
        route = rng.sample(machines, 3)
        jobs.append(
            Job(
                f"J{j}", tuple(Operation(((m, rng.randint(0, 6)),)) for m in route), release=rng.randint(0, 4)
            )
        )
    return ShopInstance(name=f"random{seed}", jobs=tuple(jobs), machines=machines)


@pytest.mark.parametrize("seed", range(12))
def test_tabu_search_finds_the_optimum_of_small_random_shops(seed):
    shop = random_shop(seed)
    start = best_dispatch(shop)
    found = tabu.improve_makespan(
        shop, start, time_limit_s=0.5, lower_bound=brute_force_makespan(shop), seed=seed
    )
    assert check_schedule(shop, found) == []
    assert schedule_makespan(found) == brute_force_makespan(shop)


@pytest.mark.parametrize("seed", range(3))
def test_tabu_search_reaches_the_optimum_of_ft06_from_the_dispatching_schedule(seed):
    shop = jsplib("ft06")
    start = best_dispatch(shop)
    assert schedule_makespan(start) > 55
    found = tabu.improve_makespan(shop, start, time_limit_s=2, lower_bound=55, seed=seed)
    assert check_schedule(shop, found) == []
    assert schedule_makespan(found) == 55


def test_tabu_search_comes_within_two_percent_of_an_optimum_that_cp_sat_proves():
    shop = jsplib("ft10")
    optimal = solve_jobshop(shop, time_limit_s=60, local_search_s=0)
    assert optimal.status == "optimal"
    start = best_dispatch(shop)
    found = tabu.improve_makespan(shop, start, time_limit_s=3, lower_bound=optimal.makespan)
    assert check_schedule(shop, found) == []
    assert optimal.makespan <= schedule_makespan(found) <= 1.02 * optimal.makespan


@pytest.mark.parametrize("name", ["la29", "orb01", "la38"])
def test_tabu_search_stays_feasible_and_keeps_its_deadline(name):
    shop = jsplib(name)
    start = best_dispatch(shop)
    tabu.improve_makespan(shop, start, time_limit_s=0.01)  # the first call may load the compiled search
    began = time.perf_counter()
    found = tabu.improve_makespan(shop, start, time_limit_s=1, seed=7)
    assert time.perf_counter() - began < 1.5
    assert check_schedule(shop, found) == []
    assert makespan_lower_bound(shop) <= schedule_makespan(found) <= schedule_makespan(start)


def test_parallel_searches_return_the_best_of_their_seeds():
    shop = jsplib("la21")
    start = best_dispatch(shop)
    # few restarts, so every search ends by itself long before the time limit and each seed's result is fixed
    settings = {"time_limit_s": 60, "max_stall": 400, "max_restarts": 3}
    alone = [schedule_makespan(tabu.improve_makespan(shop, start, seed=s, **settings)) for s in (4, 5)]
    both = tabu.improve_makespan(shop, start, seed=4, threads=2, **settings)
    assert check_schedule(shop, both) == []
    assert schedule_makespan(both) == min(alone)


def test_parallel_searches_stop_at_the_lower_bound():
    shop = jsplib("ft06")
    began = time.perf_counter()
    found = tabu.improve_makespan(
        shop, best_dispatch(shop), time_limit_s=30, lower_bound=55, max_restarts=10**9, threads=2
    )
    assert schedule_makespan(found) == 55 and check_schedule(shop, found) == []
    assert time.perf_counter() - began < 10  # neither search runs on to the 30 s limit once 55 is found


def test_parallel_searches_keep_the_deadline():
    shop = jsplib("la29")
    start = best_dispatch(shop)
    began = time.perf_counter()
    found = tabu.improve_makespan(shop, start, time_limit_s=1, seed=3, threads=2)
    assert time.perf_counter() - began < 1.5
    assert check_schedule(shop, found) == []
    assert schedule_makespan(found) <= schedule_makespan(start)
