"""Design optimisation finds the design that exhaustive simulation of a small line shows to be best."""

from __future__ import annotations

import itertools

import pytest

from sandan.domain import InvalidInput
from sandan.twin.design import DesignSpace, optimize_design
from sandan.twin.line import LineModel
from sandan.twin.sim import run_line

LINE = LineModel.from_dict(
    {
        "id": "cell",
        "stations": [
            {
                "id": "saw",
                "process_time": {"kind": "exponential", "mean": 20},
                "buffer": 2,
                "machine_cost": 10,
            },
            {
                "id": "mill",
                "process_time": {"kind": "lognormal", "mean": 50, "sd": 15},
                "buffer": 2,
                "worker": "machinist",
                "machine_cost": 40,
                "failure": {"mtbf": 3600, "mttr": 300},
            },
            {
                "id": "deburr",
                "process_time": {"kind": "lognormal", "mean": 30, "sd": 10},
                "buffer": 2,
                "machine_cost": 15,
            },
        ],
        "workers": [{"id": "crew", "count": 1, "skills": ["machinist"], "cost": 25}],
        "release": {"policy": "kanban"},
        "buffer_cost": 1,
    }
)
SPACE = DesignSpace(
    machines={"mill": (1, 3), "deburr": (1, 2)},
    workers={"crew": (1, 3)},
    buffers={"deburr": [1, 4]},
)
RUN = {"replications": 3, "horizon": 40_000.0, "warmup": 2_000.0, "seed": 3}


def _exhaustive():
    """Every design simulated with the same seeds as the optimiser: (changes, cost, good parts/h)."""
    out = []
    for m, d, w, b in itertools.product(range(1, 4), range(1, 3), range(1, 4), (1, 4)):
        changes = {
            "stations.mill.machines": m,
            "stations.deburr.machines": d,
            "workers.crew.count": w,
            "stations.deburr.buffer": b,
        }
        line = LINE.with_changes(changes)
        out.append((changes, line.cost(), run_line(line, backend="serial", **RUN).throughput_per_h.mean))
    return out


@pytest.fixture(scope="module")
def exhaustive():
    return _exhaustive()


def test_target_mode_finds_the_cheapest_design_that_reaches_the_target(exhaustive):
    target = 120.0  # good parts per hour; one mill (≈ 66/h) cannot, two or three with staff can
    feasible = [(c, cost, th) for c, cost, th in exhaustive if th >= target]
    want = min(feasible, key=lambda x: (x[1], -x[2]))
    got = optimize_design(LINE, SPACE, target=target, backend="local", **RUN)
    assert got.best.changes == want[0]
    assert got.best.cost == want[1]
    assert got.best.throughput.mean == pytest.approx(want[2])
    assert got.best.throughput.half_width > 0
    assert got.pruned > 0 and got.simulated < len(exhaustive)  # analytic bounds saved simulations
    assert got.runners_up and all(p.cost >= got.best.cost for p in got.runners_up if p.feasible)
    d = got.to_dict()
    assert d["best"]["changes"] == want[0] and "최적 설계" in d["message"]["ko"]
    assert len(d["runners_up"]) == len(got.runners_up)


def test_budget_mode_finds_the_highest_throughput_within_the_budget(exhaustive):
    budget = 175.0  # room for a second mill and a second machinist, or a second deburring machine
    within = [(c, cost, th) for c, cost, th in exhaustive if cost <= budget]
    want = max(within, key=lambda x: (x[2], -x[1]))
    got = optimize_design(LINE, SPACE, budget=budget, backend="serial", **RUN)
    assert got.best.changes == want[0]
    assert got.best.cost <= budget
    assert got.best.throughput.mean == pytest.approx(want[2])
    assert all(d.mean <= 0 for d in got.differences)


def test_an_unreachable_target_reports_no_design_without_simulating():
    got = optimize_design(LINE, SPACE, target=10_000.0, backend="serial", **RUN)
    assert got.best is None and got.simulated == 0
    assert "no design" in got.to_dict()["message"]["en"]


def test_a_large_space_is_searched_with_tpe_within_the_trial_budget():
    space = DesignSpace(
        machines={"saw": (1, 3), "mill": (1, 4), "deburr": (1, 3)},
        workers={"crew": (1, 4)},
        buffers={"mill": [1, 2, 4, 8]},
    )
    got = optimize_design(LINE, space, target=100.0, n_trials=25, backend="local", **RUN)
    assert got.trials <= 25 < space.size()
    assert got.best is not None and got.best.throughput.mean >= 100.0


def test_bad_goals_and_spaces_are_user_errors():
    with pytest.raises(InvalidInput):
        optimize_design(LINE, SPACE, **RUN)
    with pytest.raises(InvalidInput):
        optimize_design(LINE, SPACE, target=1.0, budget=1.0, **RUN)
    with pytest.raises(InvalidInput):
        optimize_design(LINE, {"machines": {"mill": (0, 2)}}, target=1.0, **RUN)
    with pytest.raises(InvalidInput):
        optimize_design(LINE, {"workers": {"nobody": (1, 2)}}, target=1.0, **RUN)
    # ranges past what a line model holds are refused before a job would fail on them
    for space, words in (
        ({"machines": {"mill": (1, 100_000)}}, "1000"),
        ({"workers": {"crew": (0, 10**6)}}, "10000"),
    ):
        with pytest.raises(InvalidInput) as err:
            optimize_design(LINE, space, target=1.0, **RUN)
        assert words in err.value.en


def test_without_costs_the_smallest_design_that_reaches_the_target_is_chosen(exhaustive):
    # a twin built from a real line knows no prices: every design costs 0, and the search used to return the
    # largest, fastest one; it must return the fewest machines, workers and buffer places that do the job
    from sandan.twin.design import _size

    free = LineModel.from_dict(
        {
            **LINE.model_dump(mode="json", by_alias=True),
            "stations": [
                {**s, "machine_cost": 0} for s in LINE.model_dump(mode="json", by_alias=True)["stations"]
            ],
            "workers": [{**w, "cost": 0} for w in LINE.model_dump(mode="json", by_alias=True)["workers"]],
            "buffer_cost": 0,
        }
    )
    target = 120.0
    feasible = [(c, _size(free.with_changes(c)), th) for c, _, th in exhaustive if th >= target]
    want = min(feasible, key=lambda x: (x[1], -x[2]))
    got = optimize_design(free, SPACE, target=target, backend="serial", **RUN)
    assert got.best.cost == 0 and got.best.changes == want[0] and got.best.size == want[1]
    message = got.to_dict()["message"]
    assert "fewest machines" in message["en"] and "가장 적은" in message["ko"]
    # with a budget every design fits: the fastest is chosen, and the message says that, not "the fewest"
    fastest = max(th for _, _, th in exhaustive)
    budgeted = optimize_design(free, SPACE, budget=0, backend="serial", **RUN)
    assert budgeted.best.throughput.mean == pytest.approx(fastest, rel=0.02)
    message = budgeted.to_dict()["message"]
    assert (
        "most good parts" in message["en"] and "fewest" not in message["en"] and "가장 많은" in message["ko"]
    )
